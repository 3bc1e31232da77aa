"""The memory path of ingest (issue 26 item 4: a million rows in at most 700 MiB).

No timing and no process size: the frame ingest returns is checked for the dtypes that keep it
small (one byte a row for a coded column, two for a grade, Arrow buffers for text), so a change
that turns a column back into Python objects fails here rather than only in the benchmark
(``benchmarks/bench_scale.py`` measures the peak itself).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.analysis import load_cycle
from kentaudit.inputs import schema as model
from kentaudit.inputs.ingest import read_audits

ROOT = Path(__file__).resolve().parents[2]
AUDITS = ROOT / "data" / "synthetic" / "audits_2009.csv"


@pytest.fixture(scope="module")
def accepted():
    return read_audits(AUDITS, synthetic=True).accepted


def test_no_column_of_the_accepted_frame_holds_python_objects(accepted):
    assert not [c for c in accepted.columns if accepted[c].dtype == object]


def test_every_coded_column_is_a_category_with_one_byte_codes(accepted):
    coded = [c.name for c in model.columns() if c.kind in ("answer", "flag")
             or (c.kind == "category" and c.name != "cycle")] + ["area", "source_file"]
    for c in coded:
        assert isinstance(accepted[c].dtype, pd.CategoricalDtype), c
        assert accepted[c].cat.codes.dtype == np.int8, c


def test_grades_are_one_byte_integers_with_a_missing_mask(accepted):
    grades = [c.name for c in model.columns() if c.kind == "grade"]
    for c in grades:
        assert accepted[c].dtype == "Int8", c
        assert accepted[c].array._data.dtype == np.int8, c


def test_text_columns_are_arrow_strings_in_one_buffer(accepted):
    for c in ("audit_id", "case_ref", "cycle", "team", "auditor", "moderator", "notes"):
        arr = accepted[c].array
        assert isinstance(arr, pd.arrays.ArrowStringArray), c
        assert arr._pa_array.num_chunks == 1, c


def test_the_path_of_the_export_is_stored_once_not_in_every_row(accepted):
    col = accepted["source_file"]
    assert list(col.cat.categories) == [str(AUDITS)]
    assert (col == str(AUDITS)).all()
    # the category's codes plus its one value: far less than the path again in each row
    assert col.memory_usage(deep=True, index=False) < len(col) * 2 + 1_000


def test_a_row_of_the_accepted_frame_costs_at_most_250_bytes(accepted):
    # 2009's 57 columns: 1 byte a category, 2 a grade, 8 a date, the ids and text as Arrow
    # strings (about 210 bytes a row now); Python str objects would cost over 50 bytes a cell
    per_row = accepted.memory_usage(deep=True, index=False).sum() / len(accepted)
    assert per_row <= 250


def test_files_read_together_keep_each_name_as_a_category(tmp_path):
    lines = AUDITS.read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = tmp_path / "b.csv", tmp_path / "a.csv"
    a.write_text("".join(lines[:11]), encoding="utf-8")
    b.write_text(lines[0] + "".join(lines[11:21]), encoding="utf-8")
    got = read_audits([a, b], synthetic=True).accepted["source_file"]
    assert list(got.cat.categories) == sorted([str(a), str(b)])
    assert got.astype(str).tolist() == [str(a)] * 10 + [str(b)] * 10


def test_the_cycle_loaded_for_the_analyses_keeps_the_small_dtypes():
    cd = load_cycle(ROOT / "params" / "cycle-2009.yaml")
    ingested = cd.ingest.accepted
    for frame in (cd.audits, cd.main, cd.comparable):
        for c in frame.columns:
            assert frame[c].dtype == ingested[c].dtype, c


def test_an_id_typed_again_in_a_later_chunk_is_shown_as_typed_in_both_places(tmp_path, monkeypatch):
    # the spellings of ids are kept compactly across chunks (not a Python string a row), and a
    # duplicate's message still quotes the id as typed in the later row and in the first
    from kentaudit.inputs import ingest
    monkeypatch.setattr(ingest, "_CHUNK_ROWS", 4)
    lines = AUDITS.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].split(",", 1)[0]
    again = " " + first.lower() + " "
    lines[10] = again + "," + lines[10].split(",", 1)[1]
    f = tmp_path / "a.csv"
    f.write_text("".join(lines[:11]), encoding="utf-8")
    res = read_audits(f, synthetic=True)
    r = res.rejected.iloc[0]
    assert (r["row"], r["value"], r["rule"]) == (11, again, "duplicate_audit_id")
    assert f"row 2 ({first!r} there;" in r["message"]
    assert len(res.accepted) == 9
