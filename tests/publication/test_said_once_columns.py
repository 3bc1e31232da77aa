"""A column that says one thing on every row is said once beside the table, not on each row
(review 27 F9: Table 15's "Samples" repeated "Initial sample and Additional cases (extended
sample)" on all 20 rows). The CSV file keeps the column, one value a row, for machines."""
from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pandas as pd

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
