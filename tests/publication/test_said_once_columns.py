"""A column that says one thing on every row is said once beside the table, not on each row
(review 27 F9: Table 15's "Samples" repeated "Initial sample and Additional cases (extended
sample)" on all 20 rows). The CSV file keeps the column, one value a row, for machines."""
from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from kentaudit.publication.views import constant_columns

SPEC_KINDS = {"criterion_label": "label", "criterion": "label", "sample": "label", "n": "count",
              "estimate": "derived", "method": "text"}


def _table(frame: pd.DataFrame):
    cols = [SimpleNamespace(name=c, label=c.capitalize(), kind=SPEC_KINDS[c], unit=None) for c in frame.columns]
    return SimpleNamespace(id="T99", columns=cols)


def test_a_label_repeating_one_value_is_said_once_while_another_names_the_rows():
    frame = pd.DataFrame({"criterion_label": ["A", "B"], "criterion": ["a", "b"], "sample": ["x + y", "x + y"],
                          "n": ["3", "3"], "estimate": ["50.0", "50.0"], "method": ["logit", "logit"]})
    said = [c for c, _, _ in constant_columns(_table(frame), frame)]
    assert said == ["sample", "method"]  # counts and estimates stay, even when alike
    one = frame.assign(criterion_label=["A", "A"], criterion=["a", "a"])
    assert [c for c, _, _ in constant_columns(_table(one), one)] == ["method"]  # no label names the rows
    assert constant_columns(_table(frame.head(1)), frame.head(1)) == []


def test_the_appendix_shows_no_label_column_repeating_one_value(fake_appendix):
    from kentaudit.publication.appendix import load_spec

    pub = fake_appendix.result.publish_dir
    page = (pub / "appendix.html").read_text(encoding="utf-8")
    spec = {t["id"]: t for t in load_spec()["tables"]}
    checked = 0
    for m in re.finditer(r'<table data-table-id="(T\d+|F\d+-data)">\s*<caption[^>]*>(.*?)</caption>.*?</thead>', page,
                         re.DOTALL):
        # a figure's data table: the table it is from ("Data for Figure 2, from Table 8")
        tid = m.group(1) if m.group(1).startswith("T") else "T" + m.group(2).rsplit("Table ", 1)[-1].strip()
        shown = re.findall(r'data-column="([^"]+)"', m.group(0))
        csv = pub / "csv" / f"{tid}.csv"
        if not csv.exists():
            continue
        data = pd.read_csv(csv, dtype=str, keep_default_na=False)
        if m.group(1).endswith("-data"):  # the rows of the figure's data: its table body
            body = page[m.end():page.index("</table>", m.end())]
            rows = [re.findall(r'<t[dh][^>]*>(.*?)</t[dh]>', r, re.DOTALL) for r in re.findall(r"<tr.*?</tr>", body, re.DOTALL)]
            data = pd.DataFrame(rows, columns=shown) if rows and all(len(r) == len(shown) for r in rows) else data
        kinds = {c["name"]: c["kind"] for c in spec[tid]["columns"]} if tid in spec else {}
        labels = [c for c in data.columns if kinds.get(c) == "label"]
        naming = [c for c in labels if data[c].nunique() > 1]
        for c in shown:
            if naming and c in labels and c in data.columns and len(data) > 1:
                checked += 1
                assert data[c].nunique() > 1, f"{tid}: {c} says one value on every row"
    assert checked  # the fake appendix has tables with a second label column
    assert "on every row" in html.unescape(page)


def test_columns_applying_to_a_few_rows_are_a_part_of_their_own():
    """Table 11 (review 27 F10): the trend test is on each criterion's last cycle only; 60 of its
    80 rows held three [z] cells."""
    from kentaudit.publication.views import sparse_columns

    kinds = {"criterion_label": "label", "cycle": "label", "estimate": "derived", "trend_z": "derived",
             "trend_p": "derived"}
    frame = pd.DataFrame({"criterion_label": ["A"] * 4 + ["B"] * 4, "cycle": ["1", "2", "3", "4"] * 2,
                          "estimate": ["50.0"] * 8, "trend_z": ["[z]", "[z]", "[z]", "2.1"] * 2,
                          "trend_p": ["[z]", "[z]", "[z]", "0.04"] * 2})
    t = SimpleNamespace(id="T99", columns=[SimpleNamespace(name=c, label=c, kind=k, unit=None) for c, k in kinds.items()])
    heads = [(c, c) for c in kinds]
    cols, rows = sparse_columns(t, frame, heads)
    assert [c for c, _ in cols] == ["trend_z", "trend_p"] and rows == [3, 7]
    # [z] on a few rows only (a test not possible for one criterion) stays in the table
    few = frame.assign(trend_z=["1.0"] * 7 + ["[z]"], trend_p=["0.3"] * 7 + ["[z]"])
    assert sparse_columns(t, few, heads) == ([], [])


def check_sparse_columns_apart(publish_dir) -> int:
    """Every table of the appendix the runner wrote shows no column that is [z] on most of its
    rows: such columns are a part of their own, on the rows they apply to. Returns the number of
    parts so shown."""
    page = html.unescape((publish_dir / "appendix.html").read_text(encoding="utf-8"))
    apart = 0
    for tid, table in re.findall(r'<table data-table-id="(T[^"]*)">(.*?)</table>', page, re.DOTALL):
        heads = re.findall(r'data-column="([^"]+)"', table[:table.index("</thead>")])
        rows = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.DOTALL)
                for r in re.findall(r"<tr.*?</tr>", table[table.index("</thead>"):], re.DOTALL)]
        for j, c in enumerate(heads):
            cells = [r[j].strip() for r in rows if j < len(r)]
            z = sum(v == "[z]" for v in cells)
            assert not (z * 2 >= len(cells) and z < len(cells) and len(cells) > 2), (tid, c, z, len(cells))
        apart += tid.endswith("-part-2") and bool(rows) and all("[z]" not in r for r in rows)
    return apart


@pytest.mark.slow
def test_the_2013_appendix_shows_table_11s_trend_test_on_its_rows_only(cycle_2013):
    assert check_sparse_columns_apart(cycle_2013["cycle_dir"] / "publish") >= 1
