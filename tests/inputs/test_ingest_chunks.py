"""Chunked ingest: a file read in many chunks (and decoded in many blocks)
gives exactly the result of reading it whole, with the same row numbers."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kentaudit.inputs import ingest
from kentaudit.inputs.ingest import read_audits

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data" / "synthetic" / "audits_2010.csv"
AS_OF = dt.date(2026, 1, 1)


def _rows():
    with open(SOURCE, encoding="utf-8", newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def _dirty_text(newline="\n"):
    """The 2010 audits with problems spread over the file, multi-line notes
    before them (so physical lines != record numbers) and blank lines; returns
    the text and {audit_id: physical line the record starts on}."""
    header, rows = _rows()
    col = {h: i for i, h in enumerate(header)}
    rows = [list(r) for r in rows]
    for i in range(0, len(rows), 17):
        rows[i][col["notes"]] = f"first line{newline}second, with a comma{newline}third"
    rows[150][col["district"]] = "Atlantis"
    rows[151][col["c_seen"]] = "maybe"
    rows[152][col["overall_grade"]] = "7"
    rows[153][col["audit_date"]] = "31/02/2012"
    rows[154][col["audit_id"]] = rows[3][col["audit_id"]]          # duplicates a row of chunk 1
    rows[155][col["case_ref"]] = rows[4][col["case_ref"]]          # same case, same sample
    rows[156][col["notes"]] = "=HYPERLINK(1)"
    rows[260][col["district"]] = "Atlantis"
    rows[261][col["audit_id"]] = rows[154][col["audit_id"]]        # a third occurrence
    out = io.StringIO()
    w = csv.writer(out, lineterminator=newline)
    w.writerow(header)
    for i, r in enumerate(rows):
        if i in (40, 200):
            out.write(newline)  # a blank line, skipped and counted
        if i == 230:
            r = r[:-1]  # wrong number of fields
        w.writerow(r)
    text = out.getvalue()
    # physical line of each record, counted independently of ingest
    lines, line = {}, 2
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    for rec in reader:
        if rec:
            lines.setdefault(rec[col["audit_id"]], []).append(line)
        line = reader.line_num + 1
    return text, lines, rows, col


def _read(path, chunk, block, monkeypatch):
    monkeypatch.setattr(ingest, "_CHUNK_ROWS", chunk)
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", block)
    return read_audits(path, synthetic=True, as_of=AS_OF)


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.accepted, b.accepted, check_exact=True)
    pd.testing.assert_frame_equal(a.rejected, b.rejected, check_exact=True)
    pd.testing.assert_frame_equal(a.reconciliation, b.reconciliation, check_exact=True)
    assert a.warnings == b.warnings


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_many_small_chunks_and_blocks_give_the_result_of_one(tmp_path, monkeypatch, newline):
    text, _, _, _ = _dirty_text(newline)
    p = tmp_path / "a.csv"
    p.write_bytes(text.encode("utf-8"))
    whole = _read(p, 10**9, 1 << 30, monkeypatch)
    chunked = _read(p, 7, 13, monkeypatch)
    _assert_same(whole, chunked)
    assert len(whole.rejected) > 0 and len(whole.accepted) > 0


def test_windows_1252_file_decoded_in_blocks_is_the_same(tmp_path, monkeypatch):
    text, _, _, _ = _dirty_text("\r\n")
    text = text.replace("second, with a comma", "café – naïve")
    p = tmp_path / "a.csv"
    p.write_bytes(text.encode("cp1252"))
    whole = _read(p, 10**9, 1 << 30, monkeypatch)
    chunked = _read(p, 11, 3, monkeypatch)
    _assert_same(whole, chunked)
    assert whole.reconciliation["encoding"].tolist() == ["cp1252"]
    assert whole.accepted["notes"].str.contains("café – naïve", regex=False).any()


def test_utf8_characters_split_across_blocks_are_decoded_whole(tmp_path, monkeypatch):
    text, _, _, _ = _dirty_text("\n")
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbf" + text.replace("third", "tiers – été").encode("utf-8"))
    for block in (1, 2, 5):
        res = _read(p, 9, block, monkeypatch)
        assert res.accepted["notes"].str.contains("tiers – été", regex=False).any()
        _assert_same(_read(p, 10**9, 1 << 30, monkeypatch), res)


def test_problems_in_a_later_chunk_name_their_physical_line(tmp_path, monkeypatch):
    text, lines, rows, col = _dirty_text("\n")
    p = tmp_path / "a.csv"
    p.write_bytes(text.encode("utf-8"))
    res = _read(p, 20, 64, monkeypatch)   # rows 150+ are chunks 8 and later
    rej = res.rejected.set_index("rule")
    assert rej.loc["unknown_district", "row"].tolist() == [lines[rows[150][col["audit_id"]]][0],
                                                           lines[rows[260][col["audit_id"]]][0]]
    assert rej.loc["unknown_answer_code", "row"] == lines[rows[151][col["audit_id"]]][0]
    assert rej.loc["grade_range", "row"] == lines[rows[152][col["audit_id"]]][0]
    dup_id = rows[3][col["audit_id"]]
    first, second, third = lines[dup_id]
    dups = res.rejected[res.rejected["rule"] == "duplicate_audit_id"]
    assert dups["row"].tolist() == [second, third]
    assert dups["message"].tolist() == [f"audit_id duplicates {p}, row {first}"] * 2
    case = res.rejected[res.rejected["rule"] == "duplicate_case_in_sample"]
    assert case["row"].tolist() == [lines[rows[155][col["audit_id"]]][0]]
    assert case["message"].iloc[0].endswith(f"at {p}, row {lines[rows[4][col['audit_id']]][0]}")
    assert res.rejected.loc[res.rejected["rule"] == "field_count", "row"].tolist() == \
        [lines[rows[230][col["audit_id"]]][0]]
    assert any(f"row {lines[rows[156][col['audit_id']]][0]}, column 'notes'" in w for w in res.warnings)
    r = res.reconciliation.iloc[0]
    assert r["rows_read"] == len(rows) == r["accepted"] + r["rejected"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab,\"\r\n", max_size=40))
def test_lines_are_split_as_stringio_splits_them(text):
    expected = list(io.StringIO(text, newline=""))
    assert [m.group() for m in ingest._LINE.finditer(text)] == expected


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab,é\r\n", min_size=1, max_size=40), st.integers(1, 7))
def test_lines_decoded_in_blocks_are_the_whole_text_lines(tmp_path_factory, text, block):
    p = tmp_path_factory.mktemp("lines") / "t.csv"
    raw = text.encode("utf-8")
    p.write_bytes(raw)
    import hashlib
    rf = ingest._RawFile(str(p), hashlib.sha256(raw).hexdigest(), "utf-8", [], None, 0, path=str(p))
    old = ingest._BLOCK_BYTES
    ingest._BLOCK_BYTES = block
    try:
        got = list(ingest._stream_lines(rf))
    finally:
        ingest._BLOCK_BYTES = old
    assert got == list(io.StringIO(text, newline=""))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab,é\r\n", min_size=1, max_size=40), st.integers(1, 7))
def test_the_first_reading_in_blocks_finds_the_whole_text_lines(text, block):
    # the first pass (file checks) decodes the bytes it holds block by block, never whole
    raw = text.encode("utf-8")
    old = ingest._BLOCK_BYTES
    ingest._BLOCK_BYTES = block
    try:
        got = list(ingest._block_lines(ingest._memory_blocks(raw), "utf-8", ValueError("changed")))
    finally:
        ingest._BLOCK_BYTES = old
    assert got == list(io.StringIO(text, newline=""))


def test_a_whitespace_only_file_read_in_blocks_is_empty(tmp_path, monkeypatch):
    p = tmp_path / "blank.csv"
    p.write_bytes(b"\xef\xbb\xbf" + b" \r\n\t\n" * 50)
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", 7)
    with pytest.raises(ingest.EmptyInputError) as e:
        read_audits(p, synthetic=True, as_of=AS_OF)
    assert e.value.rule == "empty_file"


@pytest.mark.parametrize("n_teams", [127, 128, 300, 40_000])
def test_a_coded_column_with_many_distinct_values_keeps_every_value(tmp_path, monkeypatch, n_teams):
    # codes are int8 while a column has at most 127 distinct values, widened past that
    header, rows = _rows()
    col = {h: i for i, h in enumerate(header)}
    base = [list(r) for r in rows if r[col["sample"]] != "reaudit"]
    out = []
    for i in range(max(n_teams, len(base))):
        r = list(base[i % len(base)])
        r[col["audit_id"]] = f"W{i:06d}"
        r[col["case_ref"]] = f"SYN-W{i:06d}"
        r[col["team"]] = f"Team {i % n_teams:05d}"
        out.append(r)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(out)
    p = tmp_path / "teams.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    res = _read(p, 1000, 1 << 16, monkeypatch)
    assert len(res.rejected) == 0
    assert res.accepted["team"].tolist() == [r[col["team"]] for r in out]
    assert res.accepted["team"].nunique() == n_teams
