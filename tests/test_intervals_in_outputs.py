"""An estimate and its interval, wherever a reader sees both (issue 23, item 1).

Walks every table of every output the runner writes for both default cycles (the executed
notebooks' displays, the reviewer pages, the appendix HTML, its CSV files, workbooks and
the PDF's text) and checks that each estimate lies within the interval shown with it
(``low <= estimate <= high``) and that no number reads ``-0.0``.

Where the two share a cell (notebooks, reviewer pages: ``8.8 (-8.1 to 18.2)``), the cell
is read as it is printed. Where the interval is in columns of its own (the appendix), the
estimate it belongs to is the one ``kentaudit/data/intervals.csv`` names for the table's
results source (``district_vs_rest``, ``change_since_previous``: the difference), found in
each format by the column's name (CSV header, ``data-column`` in the HTML) or position
(the workbooks' columns are the table's columns in the order ``metadata.json`` lists).
Each check is shown failing on a planted fault of every kind it claims to catch.
"""
from __future__ import annotations

import html as H
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pypdfium2 as pdfium
import pytest
import yaml

from kentaudit.report.tables import intervals

ROOT = Path(__file__).resolve().parents[1]

#: the tests that read a run of both default cycles (shared by the session, tests/conftest.py)
on_the_outputs = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]

#: an estimate and its interval in one cell, as the one formatter writes it
PAIR_CELL = re.compile(r"<t[dh]\b[^>]*>\s*(-?[\d,]*\.?\d+) \((-?[\d,]*\.?\d+) to (-?[\d,]*\.?\d+)\)\s*</t[dh]>")
#: a zero with a sign: ``-0``, ``-0.0``, ``-0.00`` (not ``-0.04``, not a word or a code)
NEGATIVE_ZERO = re.compile(r"(?<![\w.\-])-0(?:\.0+)?(?![\d.]*[1-9])(?![\w.])")
#: what is not a reader's text: styles, embedded images
_NOT_TEXT = re.compile(r"<style\b.*?</style>|data:[a-z]+/[\w+.-]+;base64,[A-Za-z0-9+/=]+", re.DOTALL)


def _num(text) -> float | None:
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def paired_cell_faults(text: str) -> list[str]:
    """Cells ``estimate (low to high)`` whose estimate is outside its printed interval."""
    return [m.group(0) for m in PAIR_CELL.finditer(text)
            if not _num(m.group(2)) <= _num(m.group(1)) <= _num(m.group(3))]


def negative_zeros(text: str) -> list[str]:
    """Each ``-0.0`` a reader would see in ``text`` (HTML or plain), with its context."""
    t = _NOT_TEXT.sub("", text)
    return [t[max(0, m.start() - 50):m.end() + 10] for m in NEGATIVE_ZERO.finditer(t)]


def _spec_sources() -> dict[str, str]:
    spec = yaml.safe_load((ROOT / "kentaudit" / "data" / "appendix_spec.yaml").read_text(encoding="utf-8"))
    return {t["id"]: t.get("source") for t in spec["tables"]}


def column_faults(tid: str, rows: list[dict], source: str | None) -> list[str]:
    """Rows of published table ``tid`` (``{column name: printed value}``) whose estimate lies
    outside the interval of its own columns (the pairing of ``intervals.csv`` for ``source``).
    Cells that are not numbers (``[c]``, ``[z]``, blank) are not compared."""
    if not rows:
        return []
    out = []
    for iv in intervals(rows[0].keys(), source):
        for i, r in enumerate(rows):
            e, lo, hi = (_num(r[iv.estimate]), _num(r[iv.conf_low]), _num(r[iv.conf_high]))
            if None in (e, lo, hi):
                continue
            if not lo <= e <= hi:
                out.append(f"{tid} row {i + 1}: {iv.estimate} {r[iv.estimate]} outside "
                           f"{r[iv.conf_low]} to {r[iv.conf_high]}")
    return out


def _csv_rows(path: Path) -> list[dict]:
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def _html_tables(text: str) -> dict[str, list[dict]]:
    """``{table id: rows}`` of the appendix HTML, each cell keyed by its ``data-column``
    (a table printed in parts gives the rows of every part)."""
    out: dict[str, list[dict]] = {}
    for m in re.finditer(r'<table\b[^>]*data-table-id="(\w+)"[^>]*>(.*?)</table>', text, re.DOTALL):
        tid, body = m.group(1), m.group(2)
        cols = re.findall(r'<th\b[^>]*data-column="(\w+)"', body)
        tbody = body[body.find("<tbody"):]
        for tr in re.findall(r"<tr\b[^>]*>(.*?)</tr>", tbody, re.DOTALL):
            cells = [H.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", tr, re.DOTALL)]
            if len(cells) == len(cols):
                out.setdefault(tid, []).append(dict(zip(cols, cells)))
    return out


def _sheet_rows(sheet: pd.DataFrame, columns: list[dict]) -> list[dict]:
    """The rows of a table's sheet, keyed by column name: the header row is the one whose
    first cell is the first column's label; the columns follow ``metadata.json``'s order."""
    names = [c["name"] for c in columns]
    first = columns[0]["label"]
    heads = [k for k in range(len(sheet)) if str(sheet.iloc[k, 0]).startswith(first)]
    assert heads, f"no header row starting {first!r}"
    k = heads[0]
    header = [str(v) for v in sheet.iloc[k, :len(names)]]
    for c, h in zip(columns, header):
        assert h.startswith(c["label"]), (c, h)
    rows = []
    for j in range(k + 1, len(sheet)):
        vals = list(sheet.iloc[j, :len(names)])
        if all(pd.isna(v) for v in vals):
            break
        rows.append(dict(zip(names, ["" if pd.isna(v) else v for v in vals])))
    return rows


def _pdf_text(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def _notebook_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(o.get("data", {}).get(kind, "")) for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) for kind in ("text/html", "text/markdown", "text/plain"))


def output_faults(cycle_dir: Path) -> dict[str, list[str]]:
    """Every fault in every output of one run: ``{file: [fault, ...]}`` (empty lists left out)."""
    faults: dict[str, list[str]] = {}
    seen: list[str] = []

    def add(name, found):
        seen.append(name)
        if found:
            faults.setdefault(name, []).extend(found)

    for p in sorted((cycle_dir / "notebooks").glob("*.ipynb")):
        text = _notebook_text(p)
        add(f"notebooks/{p.name}", paired_cell_faults(text) + negative_zeros(text))
    for p in sorted((cycle_dir / "html").glob("*.html")):
        text = p.read_text(encoding="utf-8")
        add(f"html/{p.name}", paired_cell_faults(text) + negative_zeros(text))
    pub = cycle_dir / "publish"
    sources = _spec_sources()
    meta = {t["id"]: t for t in json.loads((pub / "csv" / "metadata.json").read_text())["tables"]}
    text = (pub / "appendix.html").read_text(encoding="utf-8")
    html_tables = _html_tables(text)
    add("publish/appendix.html", paired_cell_faults(text) + negative_zeros(text) + [
        f for tid, rows in html_tables.items() for f in column_faults(tid, rows, sources.get(tid))])
    for tid in meta:
        p = pub / "csv" / f"{tid}.csv"
        add(f"publish/csv/{p.name}", column_faults(tid, _csv_rows(p), sources.get(tid))
            + negative_zeros(p.read_text(encoding="utf-8")))
    for name, engine in (("appendix.xlsx", None), ("appendix.ods", "odf")):
        sheets = pd.read_excel(pub / name, sheet_name=None, header=None, engine=engine)
        found = []
        for sheet_name, sheet in sheets.items():
            found += negative_zeros("\n".join(str(v) for v in sheet.to_numpy().ravel() if not pd.isna(v)))
            tid = next((t for t in meta if sheet_name in (t, f"Table {t[1:]}")), None)
            if tid is not None:
                found += column_faults(tid, _sheet_rows(sheet, meta[tid]["columns"]), sources.get(tid))
        add(f"publish/{name}", found)
    pdf = pub / "appendix.pdf"
    if pdf.exists():
        add("publish/appendix.pdf", negative_zeros(_pdf_text(pdf)))
    assert len(seen) > 20, seen  # the walk read the outputs
    return faults


# ----------------------------------------------------------------------------- the outputs

@pytest.mark.parametrize("cycle", [pytest.param(c, marks=on_the_outputs) for c in ("cycle_2009", "cycle_2013")])
def test_every_estimate_lies_within_its_own_interval_in_every_output(cycle, request):
    d = request.getfixturevalue(cycle)["cycle_dir"]
    assert output_faults(d) == {}


@pytest.mark.parametrize("cycle", [pytest.param(c, marks=on_the_outputs) for c in ("cycle_2009", "cycle_2013")])
def test_the_walk_reads_intervals_in_every_kind_of_output(cycle, request):
    """The check cannot pass by finding nothing: paired cells on the reviewer pages and in
    the notebooks, interval columns in the appendix's CSV files, HTML and workbooks."""
    d = request.getfixturevalue(cycle)["cycle_dir"]
    districts = (d / "html" / "districts.html").read_text(encoding="utf-8")
    assert len(PAIR_CELL.findall(districts)) > 100
    assert len(PAIR_CELL.findall(_notebook_text(d / "notebooks" / "districts.ipynb"))) > 100
    t4 = _csv_rows(d / "publish" / "csv" / "T4.csv")
    assert [iv.estimate for iv in intervals(t4[0].keys(), "compliance_by_criterion")] == ["estimate"]
    assert len(_html_tables((d / "publish" / "appendix.html").read_text(encoding="utf-8"))["T4"]) == len(t4)


# ----------------------------------------------------------------------------- planted faults

def test_a_percentage_beside_the_interval_of_a_difference_is_caught():
    page = '<td class="num">86.7 (-8.1 to 18.2)</td><td>8.8 (-8.1 to 18.2)</td>'
    assert paired_cell_faults(page) == ['<td class="num">86.7 (-8.1 to 18.2)</td>']
    assert paired_cell_faults("<td>-0.245 (0.181 to 3.39)</td>") != []  # log scale beside an OR interval
    assert paired_cell_faults("<td>1,234 (1,000 to 1,500)</td>") == []


def test_an_interval_column_paired_with_the_wrong_estimate_is_caught():
    row = {"estimate": "96.3", "difference": "4.2", "conf_low": "0.3", "conf_high": "8.2"}
    assert column_faults("T10", [row], "change_since_previous") == []
    assert column_faults("T10", [{**row, "difference": "9.9"}], "change_since_previous") != []
    # a table whose interval is the estimate's: 96.3 outside 0.3 to 8.2 is a fault
    assert column_faults("T4", [row], "compliance_by_criterion") != []
    assert column_faults("T4", [{**row, "estimate": "[c]"}], "compliance_by_criterion") == []


@pytest.mark.parametrize("text", ["-61.6 to -0.0", "(-0.0 to 3.1)", "<td>-0</td>", "-0.00%"])
def test_a_negative_zero_is_caught(text):
    assert negative_zeros(text)


@pytest.mark.parametrize("text", ["-0.04", "-0.5 to 0.0", "T-0", "x-0.0y", "2009-01-05", "-10.0"])
def test_a_number_that_is_not_a_negative_zero_is_not_flagged(text):
    assert negative_zeros(text) == []


def test_a_planted_fault_in_a_written_run_is_found_in_every_format(tmp_path):
    """A small run folder with one fault of each kind in each format: each is reported."""
    d = tmp_path / "cycle"
    for sub in ("notebooks", "html", "publish/csv"):
        (d / sub).mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<td>86.7 (-8.1 to 18.2)</td>"})])]
    nbformat.write(nb, d / "notebooks" / "districts.ipynb")
    for k in range(21):
        (d / "html" / f"p{k}.html").write_text("<td>1.0 (0.5 to 2.0)</td>")
    (d / "html" / "trends.html").write_text("<td>96.3 (0.3 to 8.2)</td><p>-61.6 to -0.0</p>")
    cols = [{"name": "criterion_label", "label": "Criterion"}, {"name": "estimate", "label": "Compliance"},
            {"name": "conf_low", "label": "Lower limit"}, {"name": "conf_high", "label": "Upper limit"}]
    (d / "publish" / "csv" / "metadata.json").write_text(json.dumps({"tables": [{"id": "T4", "columns": cols}]}))
    (d / "publish" / "csv" / "T4.csv").write_text("criterion_label,estimate,conf_low,conf_high\nSeen,96.3,0.3,8.2\n")
    (d / "publish" / "appendix.html").write_text(
        '<table data-table-id="T4"><thead><tr><th data-column="criterion_label">Criterion</th>'
        '<th data-column="estimate">C</th><th data-column="conf_low">L</th><th data-column="conf_high">U</th>'
        "</tr></thead><tbody><tr><th>Seen</th><td>96.3</td><td>0.3</td><td>8.2</td></tr></tbody></table>")
    sheet = pd.DataFrame([["Criterion", "Compliance", "Lower limit", "Upper limit"], ["Seen", 96.3, 0.3, 8.2]])
    sheet.to_excel(d / "publish" / "appendix.xlsx", sheet_name="Table 4", header=False, index=False)
    sheet.to_excel(d / "publish" / "appendix.ods", sheet_name="T4", header=False, index=False, engine="odf")
    faults = output_faults(d)
    assert set(faults) == {"notebooks/districts.ipynb", "html/trends.html", "publish/appendix.html",
                           "publish/csv/T4.csv", "publish/appendix.xlsx", "publish/appendix.ods"}
    assert len(faults["html/trends.html"]) == 2  # the pair, and the -0.0
