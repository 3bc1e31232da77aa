"""Ingest property tests beyond ``tests/inputs/test_ingest_properties.py``: larger exports, whole
columns moved, non-ASCII text in each encoding, mixed encodings and typed XLSX cells (issue 7).

``test_ingest_properties.py`` mutates exports of 1-4 rows cell by cell and
round-trips them through UTF-8, UTF-8 with BOM, Windows-1252, UTF-16 and XLSX
with every cell written as text. This module adds:

- exports of a few hundred rows, with whole columns permuted (header and data
  together): the accepted audits must not change, value for value;
- non-ASCII free text (accents, pound sign, curly quotes) in every accepted
  encoding: the text must come back exactly as written;
- a file mixing UTF-8 and Windows-1252 bytes: refused, or accepted with the
  problem named - never with text silently re-decoded into different characters;
- XLSX workbooks with typed cells (real dates, integer grades, TRUE/FALSE
  answers), as Excel saves them: values equal the text export's.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kentaudit.inputs import schema as model
from kentaudit.core.errors import KentauditError
from kentaudit.inputs.ingest import RULES, read_audits

CORPUS = Path(__file__).resolve().parents[1] / "bad_input"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

AS_OF = dt.date(2020, 1, 1)
N_ROWS = 300
ROWS = corpus.valid_rows(N_ROWS)
COLS = list(ROWS[0])
SOURCE_COLS = ["source_file", "source_row"]
MODEL_COLUMNS = {c.name: c for c in model.columns()}
# text a Kent export can carry in free text, representable in Windows-1252
NON_ASCII = ["Café visit", "£20 voucher", "‘seen’ alone", "naïve – recorded", "Zoë’s plan", "Ümit"]


def _csv_bytes(cols, table, encoding) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    w.writerows(table)
    return buf.getvalue().encode(encoding)


def _read(path) -> pd.DataFrame:
    return read_audits(path, synthetic=True, as_of=AS_OF)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    p = tmp_path_factory.mktemp("base") / "audits.csv"
    p.write_bytes(_csv_bytes(COLS, [[r[c] for c in COLS] for r in ROWS], "utf-8"))
    res = _read(p)
    assert len(res.accepted) == N_ROWS and len(res.rejected) == 0
    return res.accepted.drop(columns=SOURCE_COLS)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(order=st.permutations(COLS), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_permuted_columns_give_the_same_audits(baseline, tmp_path, order, encoding):
    p = tmp_path / "permuted.csv"
    p.write_bytes(_csv_bytes(order, [[r[c] for c in order] for r in ROWS], encoding))
    res = _read(p)
    rec = res.reconciliation.iloc[0]
    assert (rec["rows_read"], rec["accepted"], rec["rejected"]) == (N_ROWS, N_ROWS, 0)
    pd.testing.assert_frame_equal(res.accepted.drop(columns=SOURCE_COLS), baseline)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(a=st.sampled_from(COLS), b=st.sampled_from(COLS), rows=st.sets(st.integers(0, N_ROWS - 1), max_size=40))
def test_swapped_column_headers_never_pass_values_off_silently(baseline, tmp_path, a, b, rows):
    """Swap two headers (the data stays): rows either reconcile or are rejected by rule.

    Swapping two columns of the same kind (two Y/N/NA criteria) cannot be
    detected by any validator; what must hold is that every accepted value is
    the value written under its (new) header, and the reconciliation adds up.
    Some rows are blanked in column ``a`` too, so required-column swaps vary.
    """
    header = [b if c == a else a if c == b else c for c in COLS]
    table = [[("" if (i in rows and c == a) else r[c]) for c in COLS] for i, r in enumerate(ROWS)]
    p = tmp_path / "swapped.csv"
    p.write_bytes(_csv_bytes(header, table, "utf-8"))
    try:
        res = _read(p)
    except KentauditError as e:
        assert str(p) in str(e)
        return
    rec = res.reconciliation.iloc[0]
    assert rec["rows_read"] == N_ROWS == rec["accepted"] + rec["rejected"]
    assert set(res.rejected["rule"]) <= set(RULES)
    written = {h: [row[j] for row in table] for j, h in enumerate(header)}
    acc = res.accepted
    # under the swap, column a holds what was written under header a (b's data) and vice versa
    criteria = set(model.criterion_columns())
    if a != b and a in criteria and b in criteria:
        for _, r in acc.iterrows():
            i = int(r["source_row"]) - 2
            for col in (a, b):
                raw = written[col][i].strip()
                assert (pd.isna(r[col]) and raw == "") or r[col] == raw


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_non_ascii_free_text_comes_back_exactly(tmp_path, encoding):
    rows = corpus.valid_rows(len(NON_ASCII))
    for r, text in zip(rows, NON_ASCII):
        r["notes"] = text
        r["team"] = f"Équipe {text[:3]}"
    cols = list(rows[0])
    p = tmp_path / "accents.csv"
    p.write_bytes(_csv_bytes(cols, [[r[c] for c in cols] for r in rows], encoding))
    res = _read(p)
    assert len(res.accepted) == len(NON_ASCII)
    assert list(res.accepted["notes"]) == NON_ASCII
    assert list(res.accepted["team"]) == [r["team"] for r in rows]
    assert res.reconciliation.iloc[0]["encoding"] == ("cp1252" if encoding == "cp1252" else "utf-8")


def test_mixed_utf8_and_cp1252_bytes_are_not_silently_re_decoded(tmp_path):
    rows = corpus.valid_rows(2)
    rows[0]["notes"] = "Café visit"
    rows[1]["notes"] = "£20 voucher"
    cols = list(rows[0])
    first = _csv_bytes(cols, [[rows[0][c] for c in cols]], "utf-8")
    second = _csv_bytes(cols, [[rows[1][c] for c in cols]], "cp1252").split(b"\r\n", 1)[1]
    p = tmp_path / "mixed.csv"
    p.write_bytes(first + second)  # one UTF-8 row, one Windows-1252 row
    try:
        res = _read(p)
    except KentauditError as e:
        assert str(p) in str(e) and getattr(e, "rule", None) == "encoding"
        return
    notes = list(res.accepted["notes"])
    named = any("encoding" in w.lower() for w in res.warnings)
    assert notes == ["Café visit", "£20 voucher"] or named, notes


def _typed(name: str, text: str):
    """The cell Excel would store for ``text`` in column ``name``."""
    col = MODEL_COLUMNS[name]
    if text == "":
        return None
    if col.kind == "date":
        return dt.datetime.fromisoformat(text)
    if col.kind == "grade":
        return int(text)
    if col.kind == "answer" and text in ("Y", "N"):
        return text == "Y"
    return text


def test_typed_xlsx_cells_give_the_same_audits_as_the_csv(baseline, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "audits"
    ws.append(COLS)
    for r in ROWS:
        ws.append([_typed(c, r[c]) for c in COLS])
    p = tmp_path / "typed.xlsx"
    wb.save(p)
    res = _read(p)
    assert len(res.rejected) == 0
    pd.testing.assert_frame_equal(res.accepted.drop(columns=SOURCE_COLS), baseline)
