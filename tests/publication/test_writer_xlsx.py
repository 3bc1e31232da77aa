"""The Excel workbook: Analysis Function structure (gptables) and numbers equal to the tidy CSVs."""
import json

import openpyxl
import pandas as pd
import pytest

from kentaudit.inputs.profile import bundled_profile
from kentaudit.publication.numbering import sheet_name
from kentaudit.publication.views import reader_value


@pytest.fixture(scope="module")
def built(fake_appendix):
    return fake_appendix.result


@pytest.fixture(scope="module")
def wb(built):
    return openpyxl.load_workbook(built.publish_dir / "appendix.xlsx")


def header_row(ws):
    return next(k for k, r in enumerate(ws.iter_rows(values_only=True), 1)
                if sum(v is not None for v in r) >= 2)


def test_workbook_has_cover_contents_notes_then_one_sheet_per_table(built, wb):
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert wb.sheetnames[3:] == [f"Table {t[1:]}" for t in built.tables]  # Table 4 is sheet "Table 4"


def test_no_merged_cells(wb):
    assert all(not ws.merged_cells.ranges for ws in wb.worksheets)


def test_each_table_sheet_holds_exactly_one_table(built, wb):
    for sid in built.tables:
        assert len(wb[sheet_name(sid)].tables) == 1, sid


def test_contents_lists_every_table(built, wb):
    ws = wb["Contents"]
    names = [r[0] for r in ws.iter_rows(min_row=header_row(ws) + 1, values_only=True) if r[0]]
    assert names == [sheet_name(t) for t in built.tables]


def test_numbers_equal_the_tidy_csvs(built, wb):
    for sid in built.tables:
        ws = wb[sheet_name(sid)]
        h = header_row(ws)
        csv = pd.read_csv(built.publish_dir / "csv" / f"{sid}.csv", dtype=str, keep_default_na=False)
        rows = [r[:csv.shape[1]] for r in ws.iter_rows(min_row=h + 1, values_only=True)
                if any(v is not None for v in r)]
        assert len(rows) == len(csv), sid
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                c = csv.iat[i, j]
                if isinstance(v, (int, float)):
                    assert float(c) == pytest.approx(v, abs=0), (sid, i, j)
                else:
                    # labels are in words (samples by the profile's labels: the fake cycle names
                    # none, so the bundled one); codes stay codes
                    name = csv.columns[j]
                    words = {"samples": {s.name: s.label for s in bundled_profile().samples if s.label}}
                    assert str(v if v is not None else "") == reader_value(name, c, words) or \
                        str(v) == c, (sid, i, j)


def test_suppressed_cells_shown_as_c_with_a_legend(built, wb):
    meta = {t["id"]: t for t in json.loads((built.publish_dir / "csv" / "metadata.json").read_text())["tables"]}
    found = False
    for sid in built.tables:
        ws = wb[sheet_name(sid)]
        vals = [v for r in ws.iter_rows(min_row=header_row(ws) + 1, values_only=True) for v in r]
        above = [r[0] for r in ws.iter_rows(max_row=header_row(ws) - 1, values_only=True) if r[0]]
        if "[c]" in vals:
            found = True
            assert any(str(x).startswith("[c] = confidential") for x in above), sid
        assert meta[sid]["columns"]
    assert found


def test_units_are_in_headers(wb):
    ws = wb["Table 4"]
    hdr = next(ws.iter_rows(min_row=header_row(ws), max_row=header_row(ws), values_only=True))
    # real units only: a count needs no "(count)", a percentage says %
    assert "Yes" in hdr and "Compliance\n(%)" in hdr
    assert not any("(p-value)" in str(h) or "(count)" in str(h) for h in hdr)


def test_note_numbers_follow_reading_order_and_match_notes_sheet(wb):
    ws = wb["Notes"]
    nums = [r[0] for r in ws.iter_rows(min_row=header_row(ws) + 1, values_only=True) if r[0] is not None]
    assert nums == list(range(1, len(nums) + 1))
    assert wb["Table 1"]["A1"].value.endswith("[note 1][note 2]")  # synthetic, suppression


def test_formula_text_is_neutralised(formula_appendix):
    # a reconciliation outcome holding formula text (tests/conftest.py, formula_appendix)
    res = formula_appendix
    wb = openpyxl.load_workbook(res.publish_dir / "appendix.xlsx")
    vals = [v for r in wb["Table 2"].iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert not any(v.startswith("=") for v in vals)
    assert "'=HYPERLINK" in (res.publish_dir / "csv" / "T2.csv").read_text()
