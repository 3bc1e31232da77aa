"""Property tests of ingest: mutate a valid export and check nothing is lost or changed.

Starting from a valid export built from the data model, hypothesis drops
columns, duplicates rows, swaps cells between columns, corrupts, blanks and
pads cells and changes the encoding or the format. Then either ingest raises a
:class:`KentauditError` naming the file (and the column, for a missing one),
or the reconciliation adds up (every written row is read, and is accepted or
rejected) and every accepted value equals the normalised written value.

The normalisation below is written out independently of ``kentaudit.inputs.ingest``
from the tables of ``docs/data-dictionary.md``.
"""
from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import re
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, assume, event, given, settings, strategies as st

from kentaudit.inputs import schema as model
from kentaudit.inputs import reference
from kentaudit.core.errors import InputError, KentauditError
from kentaudit.inputs.ingest import read_audits
from kentaudit.inputs.pseudonym import DEMO_KEY, pseudonymise

CORPUS = Path(__file__).resolve().parents[1] / "bad_input"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

AS_OF = dt.date(2020, 1, 1)
COLUMNS = {c.name: c for c in model.columns()}
NAMES = list(COLUMNS)
DISTRICTS = reference.districts()

# The answer-code table of docs/data-dictionary.md, written out again here.
ANSWERS = {"y": "Y", "yes": "Y", "1": "Y", "true": "Y",
           "n": "N", "no": "N", "0": "N", "false": "N",
           "na": "NA", "n/a": "NA", "n.a.": "NA", "not applicable": "NA"}

TRICKY = ["Yes", "n/a", "N/A", "NA", "maybe", " 1 ", "TRUE", "false", "2", "2.0", "2.5", "5", "-1", "0",
          "31/02/2012", "2012-13-01", "01/02/2012", "2012-03-04", "2099-01-01", "Medway", "tam", "THANET",
          "=1+1", "@SUM(A1)", "+44", "-3", "\tx", "SYN-0000001", "SYN-0000002", "", " ", "cp plan",
          "Hard Copy", "CIN", "annual", "reaudit", "Under 1", "1-4", "neglect", "2009"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=10)


def _key(text):
    return re.sub(r"[\s_\-]+", "_", text.strip().lower().replace("&", "and"))


def _date(text):
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    return pd.Timestamp(int(m[3]), int(m[2]), int(m[1]))


def expected_value(name, raw):
    """The normalised value of a written cell (or None if the test has no opinion)."""
    col = COLUMNS[name]
    t = raw.strip()
    if name == "case_ref":
        return pseudonymise(t, DEMO_KEY)
    if col.kind == "answer":
        return pd.NA if t == "" else ANSWERS[t.lower()]
    if t == "" and name == "age_band":
        return model.AGE_NOT_RECORDED  # a blank age is kept as its own level (kentaudit.inputs.schema)
    if t == "":
        return pd.NA
    if col.kind == "flag":
        return ANSWERS[t.lower()]
    if col.kind == "grade":
        return int(float(t))
    if col.kind == "date":
        return _date(t)
    if name == "district":
        hit = DISTRICTS[(DISTRICTS["district"].map(_key) == _key(t)) | (DISTRICTS["district_code"].map(_key) == _key(t))]
        return hit["district"].iloc[0]
    if col.kind == "category" and col.allowed:
        return next(a for a in col.allowed if _key(a) == _key(t))
    if col.free_text:
        return raw
    return t


@st.composite
def exports(draw):
    n = draw(st.integers(1, 4))
    rows = corpus.valid_rows(n)
    cols = list(rows[0])
    table = [[r[c] for c in cols] for r in rows]
    dropped = []
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["dup", "swap", "corrupt", "blank", "pad"] * 3 + ["drop"]))
        if op == "drop" and len(cols) > 1:
            j = draw(st.integers(0, len(cols) - 1))
            dropped.append(cols.pop(j))
            table = [r[:j] + r[j + 1:] for r in table]
        elif op == "dup":
            table.append(list(table[draw(st.integers(0, len(table) - 1))]))
        elif op == "swap":
            i = draw(st.integers(0, len(table) - 1))
            a, b = draw(st.integers(0, len(cols) - 1)), draw(st.integers(0, len(cols) - 1))
            table[i][a], table[i][b] = table[i][b], table[i][a]
        elif op == "pad":  # surrounding spaces: stripped from codes, kept in notes
            i = draw(st.integers(0, len(table) - 1))
            j = draw(st.sampled_from([k for k, c in enumerate(cols) if c == "notes"] or [0])
                     if draw(st.booleans()) else st.integers(0, len(cols) - 1))
            table[i][j] = f" {table[i][j]} "
        elif op in ("corrupt", "blank"):
            i, j = draw(st.integers(0, len(table) - 1)), draw(st.integers(0, len(cols) - 1))
            table[i][j] = "" if op == "blank" else draw(st.one_of(st.sampled_from(TRICKY), TEXT))
    fmt = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "xlsx"]))
    return cols, table, dropped, fmt


def _write(path, cols, table, fmt):
    if fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(cols)
        for r in table:
            ws.append([None if v == "" else v for v in r])
        wb.save(path)
        return
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    w.writerows(table)
    path.write_bytes(buf.getvalue().encode(fmt))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_mutated_export_is_either_refused_by_name_or_fully_reconciled(export):
    cols, table, dropped, fmt = export
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("audits.xlsx" if fmt == "xlsx" else "audits.csv")
        try:
            _write(path, cols, table, fmt)
        except (UnicodeEncodeError, openpyxl.utils.exceptions.IllegalCharacterError, ValueError):
            assume(False)
        try:
            res = read_audits(path, synthetic=True, as_of=AS_OF)
        except KentauditError as e:
            event(f"refused: {getattr(e, 'rule', type(e).__name__)}")
            assert str(path) in str(e)
            if isinstance(e, InputError) and e.rule == "missing_column":
                assert e.column in dropped and COLUMNS[e.column].required
            else:
                has_nul = any("\x00" in v for r in table for v in r)  # a NUL byte: not a text file
                assert fmt == "utf-16" or has_nul or not isinstance(e, InputError) or e.rule in (
                    "duplicate_column", "header_only", "empty_file")
            return

    rec = res.reconciliation.iloc[0]
    event(f"read: {'some' if rec['accepted'] else 'no'} rows accepted, "
          f"{'some' if rec['rejected'] else 'no'} rejected")
    written = [r for r in table if any(v.strip() for v in r)]
    assert rec["rows_read"] == len(written)
    assert rec["rows_read"] == rec["accepted"] + rec["rejected"]
    assert len(res.accepted) == rec["accepted"]
    rejected_rows = set(res.rejected["row"].astype(int))
    assert len(rejected_rows) == rec["rejected"]

    line_of = {}
    line = 1
    for r in table:
        line += 1
        if any(v.strip() for v in r):
            line_of[line] = r
    assert rejected_rows <= set(line_of)
    present = [c for c in cols if c in COLUMNS]
    for _, acc in res.accepted.iterrows():
        raw_row = dict(zip(cols, line_of[int(acc["source_row"])]))
        for name in NAMES:
            got = acc[name]
            if name not in present:
                assert got is pd.NA or pd.isna(got), name
                continue
            want = expected_value(name, raw_row[name])
            if want is pd.NA:
                assert pd.isna(got), (name, raw_row[name], got)
            else:
                assert got == want, (name, raw_row[name], got, want)
