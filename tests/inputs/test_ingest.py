"""Validated ingest: the bad-input corpus, normalisation, rules, reconciliation."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kentaudit import cli
from kentaudit.inputs import reference
from kentaudit.core.errors import EmptyInputError, InputError, PseudonymKeyError
from kentaudit.inputs.ingest import (ANSWER_SPELLINGS, RULES, canonical_dtypes, normalise_answer, read_audits, validate_paths)
from kentaudit.inputs.pseudonym import DEMO_KEY, pseudonymise

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "bad_input"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)
EXPECTED = list(csv.DictReader(open(CORPUS / "expected.csv", encoding="utf-8")))
KEY = "7c3e9a1f5b8d2e4c6a0f9b3d7e1c5a8f2b4d6e"


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("KENTAUDIT_KEY", raising=False)
    monkeypatch.delenv("KENTAUDIT_KEY_FILE", raising=False)
    monkeypatch.delenv("KENTAUDIT_DEBUG", raising=False)


def write(tmp_path, rows, name="a.csv", columns=None, encoding="utf-8", text=None):
    p = tmp_path / name
    p.write_bytes((text if text is not None else corpus.to_csv_text(rows, columns)).encode(encoding))
    return p


# ----------------------------------------------------------------------------- corpus


def test_every_corpus_file_has_an_expectation_and_vice_versa():
    files = {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".xlsx") and p.name != "expected.csv"}
    assert files == {e["file"] for e in EXPECTED}


@pytest.mark.parametrize("case", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_corpus_file_gives_expected_message_and_exit_code(case, capsys):
    code = cli.main(["validate", "--synthetic", str(CORPUS / case["file"])])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == int(case["exit_code"])
    assert case["message"] in text
    assert "Traceback" not in text


def test_corpus_through_a_real_process_has_no_traceback():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENTAUDIT_")}
    p = subprocess.run([sys.executable, "-m", "kentaudit", "validate", "--synthetic",
                        str(CORPUS / "utf16.csv"), str(CORPUS / "unknown_district.csv")],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    text = p.stdout + p.stderr
    assert p.returncode == 2
    assert "[rule: encoding]" in text and "[rule: unknown_district]" in text
    assert "3 rows read = 2 accepted + 1 rejected" in text
    assert "Traceback" not in text


def test_real_data_without_a_key_is_refused_by_the_cli_without_traceback():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENTAUDIT_")}
    p = subprocess.run([sys.executable, "-m", "kentaudit", "validate", str(CORPUS / "valid.xlsx")],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert p.returncode == 2
    assert "no pseudonymisation key" in p.stderr and "python -m kentaudit.inputs.pseudonym" in p.stderr
    assert "Traceback" not in p.stdout + p.stderr


# ----------------------------------------------------------------------------- accepted data


def test_accepted_frame_has_the_canonical_columns_and_dtypes(tmp_path):
    res = read_audits(write(tmp_path, corpus.valid_rows(4)), synthetic=True)
    assert list(res.accepted.columns) == list(canonical_dtypes())
    for c, t in canonical_dtypes().items():
        assert res.accepted[c].dtype == t, c
        if isinstance(t, pd.CategoricalDtype):  # "category" == any CategoricalDtype: check the categories too
            assert list(res.accepted[c].cat.categories) == list(t.categories), c


def test_closed_list_columns_are_categories_of_the_allowed_values_whatever_the_data(tmp_path):
    res = read_audits(write(tmp_path, corpus.valid_rows(2)), synthetic=True)
    a = res.accepted
    assert list(a["c_seen"].cat.categories) == ["N", "NA", "Y"]
    assert list(a["risk_under1"].cat.categories) == ["N", "Y"]
    assert list(a["district"].cat.categories) == sorted(reference.districts()["district"])
    assert list(a["sample"].cat.categories) == sorted(["initial", "extended", "reaudit", "annual"])
    assert not a["district"].cat.ordered
    assert a["audit_id"].dtype == "string" and a["team"].dtype == "string"


def test_string_na_is_not_applicable_and_blank_is_missing(tmp_path):
    rows = corpus.valid_rows(1)
    rows[0].update(c_seen="NA", c_genogram="", c_chronology="  ")
    a = read_audits(write(tmp_path, rows), synthetic=True).accepted
    assert a.loc[0, "c_seen"] == "NA"
    assert pd.isna(a.loc[0, "c_genogram"])
    assert pd.isna(a.loc[0, "c_chronology"])
    assert a["c_genogram"].isna().tolist() == [True]


SPELLINGS = [(s, code) for code, ss in ANSWER_SPELLINGS.items() for s in ss] + [
    ("Yes", "Y"), ("YES", "Y"), (" y ", "Y"), ("TRUE", "Y"), ("True", "Y"), ("No", "N"), ("FALSE", "N"),
    ("N/A", "NA"), ("n/a", "NA"), ("Not applicable", "NA"), ("NOT APPLICABLE", "NA")]


@pytest.mark.parametrize("spelling,code", SPELLINGS)
def test_answer_spellings_normalise_to_their_code(spelling, code, tmp_path):
    rows = corpus.valid_rows(1)
    rows[0]["c_seen"] = spelling
    assert read_audits(write(tmp_path, rows), synthetic=True).accepted.loc[0, "c_seen"] == code


@pytest.mark.parametrize("bad", ["Maybe", "2", "Yes?", "-", "x", "NULL", "#N/A", "Y/N", "none"])
def test_unknown_answer_codes_are_rejected_never_guessed(bad, tmp_path):
    rows = corpus.valid_rows(1)
    rows[0]["c_seen"] = bad
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert res.accepted.empty
    assert res.rejected[["column", "value", "rule"]].values.tolist() == [["c_seen", bad, "unknown_answer_code"]]
    with pytest.raises(KeyError):
        normalise_answer(bad)


def test_headers_are_normalised_and_aliases_applied(tmp_path):
    rows = corpus.valid_rows(1)
    cols = list(rows[0])
    header = {c: c for c in cols}
    header.update(case_ref="Case Ref", audit_id="Audit-ID", c_seen_alone="Seen alone",
                  grade_voice="Voice grade", overall_grade=" OVERALL GRADE ")
    text = ",".join(header[c] for c in cols) + "\n" + corpus.to_csv_text(rows, cols).split("\r\n", 1)[1]
    res = read_audits(write(tmp_path, rows, text=text), synthetic=True)
    assert len(res.accepted) == 1 and res.warnings == []
    assert res.accepted.loc[0, "c_seen_alone"] == {"": pd.NA}.get(rows[0]["c_seen_alone"], rows[0]["c_seen_alone"])


def test_two_headers_meaning_the_same_column_are_a_file_error(tmp_path):
    rows = corpus.valid_rows(1)
    cols = list(rows[0])
    text = ",".join(cols + ["Case Reference"]) + "\n" + ",".join(rows[0][c] for c in cols) + ",x\n"
    with pytest.raises(InputError) as e:
        read_audits(write(tmp_path, rows, text=text), synthetic=True)
    assert e.value.rule == "duplicate_column" and e.value.column == "case_ref"


def test_district_code_and_case_are_normalised_and_area_added(tmp_path):
    rows = corpus.valid_rows(2)
    rows[0]["district"] = "TAM"
    rows[1]["district"] = "tunbridge wells"
    a = read_audits(write(tmp_path, rows), synthetic=True).accepted
    assert a["district"].tolist() == ["Tonbridge and Malling", "Tunbridge Wells"]
    assert a["area"].tolist() == ["West", "West"]


def test_uk_and_iso_dates_give_the_same_date(tmp_path):
    rows = corpus.valid_rows(2)
    rows[1]["audit_date"] = "14/09/2012"
    a = read_audits(write(tmp_path, rows), synthetic=True).accepted
    assert a["audit_date"].tolist() == [pd.Timestamp("2012-09-14")] * 2


def test_source_row_is_the_line_number_with_header_as_line_1(tmp_path):
    a = read_audits(write(tmp_path, corpus.valid_rows(3)), synthetic=True).accepted
    assert a["source_row"].tolist() == [2, 3, 4]


def test_blank_lines_are_skipped_with_a_warning_and_not_counted(tmp_path):
    text = corpus.to_csv_text(corpus.valid_rows(2)).replace("\r\n", "\r\n\r\n,,,\r\n", 1)
    res = read_audits(write(tmp_path, None, text=text), synthetic=True)
    assert res.reconciliation.loc[0, "rows_read"] == 2
    assert res.accepted["source_row"].tolist() == [4, 5]
    assert any("[rule: blank_rows]" in w for w in res.warnings)


# ----------------------------------------------------------------------------- rejections


def test_a_row_with_two_problems_gives_two_rejections_and_counts_once(tmp_path):
    rows = corpus.valid_rows(2)
    rows[0].update(district="Medway", overall_grade="0")
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert sorted(res.rejected["rule"]) == ["grade_range", "unknown_district"]
    assert res.reconciliation[["rows_read", "accepted", "rejected"]].values.tolist() == [[2, 1, 1]]


def test_duplicate_audit_id_across_files_rejects_the_later_one_and_names_the_first(tmp_path):
    a = write(tmp_path, corpus.valid_rows(2), "a.csv")
    rows = corpus.valid_rows(2, start=10)
    rows[1]["audit_id"] = "A00002"
    b = write(tmp_path, rows, "b.csv")
    res = read_audits([a, b], synthetic=True)
    r = res.rejected.iloc[0]
    assert (r["file"], r["row"], r["rule"]) == (str(b), 3, "duplicate_audit_id")
    assert f"duplicates {a}, row 3" in r["message"]
    assert res.reconciliation["rejected"].tolist() == [0, 1]


@pytest.mark.parametrize("again", ["a00002", " A00002 ", "Ａ00002"])
def test_an_audit_id_given_again_in_another_case_or_full_width_is_a_duplicate(tmp_path, again):
    # ids are matched ignoring case, surrounding spaces and compatibility forms (NFKC), as
    # reference codes are: 'a00002' is the audit 'A00002' typed again, never a second audit
    rows = corpus.valid_rows(3)
    rows[2]["audit_id"] = again
    res = read_audits(write(tmp_path, rows), synthetic=True)
    r = res.rejected.iloc[0]
    assert (r["row"], r["column"], r["value"], r["rule"]) == (4, "audit_id", again, "duplicate_audit_id")
    assert "row 3" in r["message"] and "'A00002'" in r["message"]
    assert res.reconciliation[["rows_read", "accepted", "rejected"]].values.tolist() == [[3, 2, 1]]


def test_same_case_in_a_different_sample_is_allowed_but_not_in_the_same(tmp_path):
    rows = corpus.valid_rows(3)
    rows[1].update(case_ref=rows[0]["case_ref"], sample="reaudit")
    rows[2].update(case_ref=rows[0]["case_ref"])
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert res.rejected["rule"].tolist() == ["duplicate_case_in_sample"]
    assert res.rejected["row"].tolist() == [4]


def test_grade_written_as_a_whole_decimal_is_read_but_not_a_fraction(tmp_path):
    rows = corpus.valid_rows(2)
    rows[0]["overall_grade"] = "3.0"
    rows[1]["overall_grade"] = "3.5"
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert res.accepted["overall_grade"].tolist() == [3]
    assert res.rejected["rule"].tolist() == ["grade_not_integer"]


def test_required_blank_value_is_rejected(tmp_path):
    rows = corpus.valid_rows(1)
    rows[0]["auditor"] = " "
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert res.rejected[["column", "rule"]].values.tolist() == [["auditor", "required_value"]]


def test_risk_flag_not_applicable_is_rejected(tmp_path):
    rows = corpus.valid_rows(1)
    rows[0]["risk_under1"] = "N/A"
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert res.rejected["rule"].tolist() == ["unknown_flag_code"]


def test_audit_in_the_future_is_judged_against_as_of(tmp_path):
    p = write(tmp_path, corpus.valid_rows(1))
    assert read_audits(p, synthetic=True, as_of=dt.date(2012, 9, 14)).rejected.empty
    res = read_audits(p, synthetic=True, as_of=dt.date(2012, 9, 13))
    assert res.rejected["rule"].tolist() == ["audit_date_future"]


def test_every_rule_used_in_a_rejection_is_documented_in_rules(tmp_path):
    used = set()
    for f in CORPUS.iterdir():
        if f.suffix in (".csv", ".xlsx") and f.name != "expected.csv":
            try:
                used |= set(read_audits(f, synthetic=True).rejected["rule"])
            except InputError as e:
                used.add(e.rule)
    assert used <= set(RULES)


# ----------------------------------------------------------------------------- file level


def test_missing_column_error_names_file_column_and_rule(tmp_path):
    rows = corpus.valid_rows(1)
    p = write(tmp_path, rows, columns=[c for c in rows[0] if c not in ("cycle", "c_seen")])
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert (e.value.file, e.value.column, e.value.rule) == (str(p), "cycle", "missing_column")
    assert "cycle, c_seen" in str(e.value)


def test_header_only_and_whitespace_only_files_are_empty_input(tmp_path):
    rows = corpus.valid_rows(1)
    with pytest.raises(EmptyInputError, match="header_only"):
        read_audits(write(tmp_path, rows, text=",".join(rows[0]) + "\n"), synthetic=True)
    with pytest.raises(EmptyInputError, match="empty_file"):
        read_audits(write(tmp_path, rows, "b.csv", text=" \n\n"), synthetic=True)


def test_bytes_undefined_in_utf8_and_cp1252_are_an_encoding_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(corpus.to_csv_text(corpus.valid_rows(1)).encode() + b"\x81\n")
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert e.value.rule == "encoding" and "0x81" in str(e.value)


def _bad_byte_file(tmp_path, column, byte, row_index=1, rows=3):
    """An export of ``rows`` valid rows whose ``column`` of data row ``row_index`` (0-based)
    holds ``byte`` in the middle of its text (the file's line row_index + 2)."""
    rs = corpus.valid_rows(rows)
    marker = "MARK"
    rs[row_index][column] = "Team " + marker
    text = corpus.to_csv_text(rs).encode("utf-8")
    p = tmp_path / "x.csv"
    p.write_bytes(text.replace(marker.encode(), b"A" + byte + b"B", 1))
    return p


@pytest.mark.parametrize("byte, what", [(b"\x00", "NUL"), (b"\x81", "undefined in UTF-8 and Windows-1252")])
def test_an_undecodable_byte_is_refused_naming_its_row_and_column(tmp_path, byte, what):
    # U07 (hostile corpus): a NUL in a team cell named the file and the rule but not where;
    # a user with 50,000 rows cannot find one byte without the row and the column
    p = _bad_byte_file(tmp_path, "team", byte, row_index=1)
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert (e.value.file, e.value.row, e.value.column, e.value.rule) == (str(p), 3, "team", "encoding")
    assert e.value.value == f"0x{byte[0]:02x}" and "row 3" in str(e.value) and "'team'" in str(e.value)


def test_a_byte_not_utf8_in_a_utf8_file_names_its_row_and_column(tmp_path):
    # a file with UTF-8 "é" (C3 A9) and a Windows-1252 "é" (E9) in the notes of row 4
    rs = corpus.valid_rows(3)
    rs[0]["notes"] = "Café"
    rs[2]["notes"] = "MARK"
    p = tmp_path / "x.csv"
    p.write_bytes(corpus.to_csv_text(rs).encode("utf-8").replace(b"MARK", b"caf\xe9", 1))
    with pytest.raises(InputError, match="mixes encodings") as e:
        read_audits(p, synthetic=True)
    assert (e.value.row, e.value.column, e.value.value) == (4, "notes", "0xe9")


def test_a_bad_byte_in_a_record_spanning_lines_names_the_line_the_record_starts_on(tmp_path):
    # a quoted note over two lines before the byte: the row is the record's first line (docs)
    rs = corpus.valid_rows(3)
    rs[0]["notes"] = "line one\nline two"
    rs[1]["team"] = "MARK"
    p = tmp_path / "x.csv"
    p.write_bytes(corpus.to_csv_text(rs).encode("utf-8").replace(b"MARK", b"A\x00B", 1))
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert (e.value.row, e.value.column) == (4, "team")


def test_a_nul_in_the_header_names_row_1_and_no_column(tmp_path):
    rs = corpus.valid_rows(1)
    p = tmp_path / "x.csv"
    p.write_bytes(b"audit\x00_id" + corpus.to_csv_text(rs).encode("utf-8")[len("audit_id"):])
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert (e.value.row, e.value.column, e.value.rule) == (1, None, "encoding")
    assert "in the header, field 1" in str(e.value)


def test_utf8_with_bom_and_cp1252_are_both_read(tmp_path):
    rows = corpus.valid_rows(1)
    rows[0]["notes"] = "Café – £5"
    a = write(tmp_path, rows, "a.csv", text="\ufeff" + corpus.to_csv_text(rows))
    b = write(tmp_path, rows, "b.csv", encoding="cp1252")
    ra, rb = read_audits(a, synthetic=True), read_audits(b, synthetic=True)
    assert ra.accepted.loc[0, "notes"] == rb.accepted.loc[0, "notes"] == "Café – £5"
    assert (ra.reconciliation.loc[0, "encoding"], rb.reconciliation.loc[0, "encoding"]) == ("utf-8", "cp1252")


def test_reconciliation_sha256_is_of_the_file_bytes(tmp_path):
    p = write(tmp_path, corpus.valid_rows(2))
    res = read_audits(p, synthetic=True)
    assert res.reconciliation.loc[0, "sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()


def test_validate_paths_reads_other_files_after_a_file_error(tmp_path, capsys):
    bad = write(tmp_path, None, "bad.csv", text="")
    good = write(tmp_path, corpus.valid_rows(2), "good.csv")
    assert validate_paths([bad, good], synthetic=True) == 2
    out = capsys.readouterr()
    assert f"{good}: 2 rows read = 2 accepted + 0 rejected" in out.out
    assert f"{bad}: the file is empty" in out.err


def test_a_file_level_error_is_printed_once(tmp_path, capsys):
    bad = write(tmp_path, None, "bad.csv", text="")
    validate_paths([bad], synthetic=True)
    out = capsys.readouterr()
    assert (out.out + out.err).count("the file is empty") == 1


@pytest.mark.parametrize("sep,word", [(";", "semicolon"), ("\t", "tab")])
def test_a_semicolon_or_tab_delimited_file_gets_one_delimiter_hint_not_a_missing_column_each(tmp_path, capsys,
                                                                                             sep, word):
    good = write(tmp_path, corpus.valid_rows(2), "good.csv")
    bad = tmp_path / f"{word}.csv"
    bad.write_text(good.read_text(encoding="utf-8").replace(",", sep), encoding="utf-8")
    validate_paths([bad], synthetic=True)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "looks " + word + "-separated" in text and text.count("rule: missing_column") == 1


def test_validate_paths_report_files_neutralise_formula_text(tmp_path, capsys):
    rows = corpus.valid_rows(1)
    rows[0]["district"] = "=HYPERLINK(\"x\")"
    p = write(tmp_path, rows)
    assert validate_paths([p], synthetic=True, report_dir=tmp_path / "rep") == 1
    rej = pd.read_csv(tmp_path / "rep" / "rejected.csv", keep_default_na=False, dtype=str)
    assert rej.loc[0, "value"] == "'=HYPERLINK(\"x\")"
    rec = pd.read_csv(tmp_path / "rep" / "reconciliation.csv")
    assert rec[["rows_read", "accepted", "rejected"]].values.tolist() == [[1, 0, 1]]


# ----------------------------------------------------------------------------- xlsx


def _xlsx(tmp_path, rows, *, first_sheet=None, edit=None, name="a.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet is not None:
        ws.title = first_sheet
        ws.append(["not", "the", "audits"])
        ws = wb.create_sheet("Audits")
    cols = list(rows[0])
    ws.append(cols)
    for r in rows:
        ws.append([None if r[c] == "" else r[c] for c in cols])
    if edit:
        edit(ws, cols)
    p = tmp_path / name
    wb.save(p)
    return p


def test_xlsx_sheet_named_audits_is_read_in_preference_to_the_first(tmp_path):
    p = _xlsx(tmp_path, corpus.valid_rows(2), first_sheet="Cover")
    res = read_audits(p, synthetic=True)
    assert len(res.accepted) == 2 and res.reconciliation.loc[0, "encoding"] == "xlsx:Audits"


@pytest.mark.parametrize("hidden", ["hidden", "veryHidden"])
def test_xlsx_whose_sheet_to_read_is_hidden_is_refused_naming_the_sheets(tmp_path, hidden):
    # a hidden first sheet (a stale copy) was read instead of the visible sheet holding the audits
    def edit(ws, cols):
        wb = ws.parent
        stale = wb.create_sheet("old", 0)
        stale.append(cols)
        stale.sheet_state = hidden
        ws.title = "Export 2012"
    p = _xlsx(tmp_path, corpus.valid_rows(2), edit=edit)
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    err = e.value
    assert (err.file, err.rule) == (str(p), "hidden_sheet")
    assert "'old'" in str(err) and "'Export 2012'" in str(err)


def test_xlsx_with_a_hidden_sheet_beside_the_audits_sheet_reads_the_audits_sheet(tmp_path):
    def edit(ws, cols):
        ws.parent.create_sheet("lookup", 0).sheet_state = "hidden"
        ws.title = "audits"
    res = read_audits(_xlsx(tmp_path, corpus.valid_rows(2), edit=edit), synthetic=True)
    assert len(res.accepted) == 2 and res.reconciliation.loc[0, "encoding"] == "xlsx:audits"


def test_xlsx_whose_first_sheet_is_a_cover_page_names_the_sheet_read_and_the_others(tmp_path):
    # a council's workbook with a title page before the data: the first sheet is read (nothing
    # guessed) and the refusal says which sheet that was and which other sheets there are
    def edit(ws, cols):
        ws.title = "Export"
        cover = ws.parent.create_sheet("Cover", 0)
        cover.append(["QA audit export"])
        cover.append(["Prepared by", "QA team"])
    p = _xlsx(tmp_path, corpus.valid_rows(2), edit=edit)
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert e.value.rule == "missing_column"
    assert "first sheet, 'Cover'" in str(e.value) and "other sheets are 'Export'" in str(e.value)


@pytest.mark.parametrize("state,read_sheet", [("hidden", "audits"), ("visible", "audits"),
                                              ("veryHidden", "Sheet1"), ("visible", "Sheet1")])
def test_xlsx_with_audit_rows_on_another_sheet_is_refused_naming_both_sheets(tmp_path, state, read_sheet):
    # a second month's audits or a hidden copy under the same headers on another sheet were left
    # out without a word (exit 0, every row "accounted"): rows lost (issue 24, item 1)
    rows = corpus.valid_rows(4)

    def edit(ws, cols):
        ws.title = read_sheet
        more = ws.parent.create_sheet("more")
        more.append([c.upper() + " " for c in cols])  # the same headers, as people retype them
        for r in rows[2:]:
            more.append([None if r[c] == "" else r[c] for c in cols])
        more.sheet_state = state
    p = _xlsx(tmp_path, rows[:2], edit=edit)
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    err = e.value
    assert (err.file, err.rule) == (str(p), "other_sheet_rows")
    assert "sheet 'more'" in str(err) and f"sheet {read_sheet!r}" in str(err) and "2 row(s)" in str(err)
    assert (state == "visible") == ("hidden in Excel" not in str(err).replace("veryHidden", "hidden"))


def test_xlsx_with_other_sheets_of_other_tables_or_only_headers_is_read(tmp_path):
    def edit(ws, cols):
        ws.title = "audits"
        notes = ws.parent.create_sheet("notes")
        notes.append(["note", "by"])
        notes.append(["Exported on Monday", "QA"])
        ws.parent.create_sheet("template").append(cols)  # the headers, no rows: nothing is left out
        ws.parent.create_sheet("empty")
    res = read_audits(_xlsx(tmp_path, corpus.valid_rows(2), edit=edit), synthetic=True)
    assert len(res.accepted) == 2


def test_xlsx_audits_sheet_missing_columns_does_not_point_at_other_sheets(tmp_path):
    def edit(ws, cols):
        ws.title = "audits"
        ws.parent.create_sheet("Notes", 0)
        ws.delete_cols(cols.index("district") + 1)
    with pytest.raises(InputError) as e:
        read_audits(_xlsx(tmp_path, corpus.valid_rows(2), edit=edit), synthetic=True)
    assert e.value.rule == "missing_column" and "other sheets" not in str(e.value)


def test_xlsx_formula_is_read_as_its_text_and_never_evaluated(tmp_path):
    def edit(ws, cols):
        ws.cell(row=2, column=cols.index("notes") + 1, value="=1+1")
    res = read_audits(_xlsx(tmp_path, corpus.valid_rows(1), edit=edit), synthetic=True)
    assert res.accepted.loc[0, "notes"] == "=1+1"
    assert any("[rule: formula_text]" in w for w in res.warnings)


def test_xlsx_datetime_with_a_time_of_day_is_rejected_not_truncated(tmp_path):
    def edit(ws, cols):
        ws.cell(row=2, column=cols.index("audit_date") + 1, value=dt.datetime(2012, 9, 14, 15, 30))
    res = read_audits(_xlsx(tmp_path, corpus.valid_rows(1), edit=edit), synthetic=True)
    assert res.rejected[["column", "value", "rule"]].values.tolist() == [
        ["audit_date", "2012-09-14 15:30:00", "date_format"]]


def test_corrupt_xlsx_is_an_unreadable_file_error(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError) as e:
        read_audits(p, synthetic=True)
    assert e.value.rule == "unreadable_file"


# ----------------------------------------------------------------------------- pseudonyms


def test_raw_case_ref_never_appears_in_accepted_rejected_or_report(tmp_path):
    rows = corpus.valid_rows(3)
    rows[1].update(case_ref=rows[0]["case_ref"])  # duplicate case: a case_ref rejection
    rows[2].update(district="Nowhere")
    res = read_audits(write(tmp_path, rows), synthetic=True)
    dump = res.accepted.astype(str).to_csv() + res.rejected.astype(str).to_csv() + res.report()
    for r in rows:
        assert r["case_ref"] not in dump
    assert res.accepted["case_ref"].tolist() == [pseudonymise(rows[0]["case_ref"], DEMO_KEY)]
    assert res.rejected.set_index("rule").loc["duplicate_case_in_sample", "value"] == \
        pseudonymise(rows[0]["case_ref"], DEMO_KEY)


def test_synthetic_flag_refuses_a_real_looking_case_ref_without_showing_it(tmp_path):
    rows = corpus.valid_rows(2)
    rows[1]["case_ref"] = "KCC123456"
    with pytest.raises(PseudonymKeyError) as e:
        read_audits(write(tmp_path, rows), synthetic=True)
    assert "row 3" in str(e.value) and "KCC123456" not in str(e.value)


def test_real_data_without_a_key_is_refused(tmp_path):
    with pytest.raises(PseudonymKeyError, match="python -m kentaudit.inputs.pseudonym"):
        read_audits(write(tmp_path, corpus.valid_rows(1)))


def test_key_from_the_environment_gives_that_keys_pseudonyms(tmp_path, monkeypatch):
    monkeypatch.setenv("KENTAUDIT_KEY", KEY)
    rows = corpus.valid_rows(1)
    a = read_audits(write(tmp_path, rows)).accepted
    assert a.loc[0, "case_ref"] == pseudonymise(rows[0]["case_ref"], KEY.encode())
    assert a.loc[0, "case_ref"] != pseudonymise(rows[0]["case_ref"], DEMO_KEY)


# ----------------------------------------------------------------------------- synthetic data

SYNTH = ROOT / "data" / "synthetic"


@pytest.mark.skipif(not any(SYNTH.glob("audits_*.csv")),
                    reason="data/synthetic/audits_*.csv not generated yet (kentaudit synth)")
def test_every_bundled_synthetic_row_is_accepted():
    files = sorted(SYNTH.glob("audits_*.csv"))
    res = read_audits(files, synthetic=True)
    assert res.rejected.empty, res.report()[:3000]
    assert (res.reconciliation["rows_read"] == res.reconciliation["accepted"]).all()


@pytest.mark.skipif(not any(SYNTH.glob("*.xlsx")), reason="no synthetic XLSX generated yet")
def test_bundled_synthetic_xlsx_is_accepted_and_equals_the_csv():
    for x in sorted(SYNTH.glob("*.xlsx")):
        res = read_audits(x, synthetic=True)
        assert res.rejected.empty, res.report()[:3000]
        csv_twin = x.with_suffix(".csv")
        if csv_twin.exists():
            c = read_audits(csv_twin, synthetic=True).accepted.drop(columns="source_file")
            pd.testing.assert_frame_equal(res.accepted.drop(columns="source_file"), c)


# ----------------------------------------------------------------------------- safetext

from kentaudit.core.safetext import is_formula_text, neutralise_formula, neutralise_frame  # noqa: E402


@pytest.mark.parametrize("value", ["=1+1", "+44 1234", "-2+3", "@SUM(A1)", "\tx", "\rx", " =x", "{=1+1}", "\n=x"])
def test_formula_text_is_prefixed_with_a_single_quote(value):
    assert is_formula_text(value)
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["seen alone", "'=already", "-0.25", "+3", "", -1, 2.5, None, pd.NA])
def test_other_values_are_left_unchanged(value):
    out = neutralise_formula(value)
    assert out is value or out == value


def test_neutralise_frame_touches_text_columns_only_and_keeps_dtypes():
    df = pd.DataFrame({"t": pd.array(["=cmd", pd.NA, "ok"], dtype="string"),
                       "n": [-1, 2, 3], "o": pd.Series(["-x", None, 5], dtype=object)})
    out = neutralise_frame(df)
    assert out["t"].tolist()[0] == "'=cmd" and out["t"].tolist()[1] is pd.NA
    assert out["n"].tolist() == [-1, 2, 3] and out["o"].tolist()[0] == "'-x" and out["o"].tolist()[2] == 5
    assert (out.dtypes == df.dtypes).all()
    assert df.loc[0, "t"] == "=cmd"  # the input is not modified
    assert list(neutralise_frame(pd.DataFrame({"=h": [1]}), include_header=True).columns) == ["'=h"]


def test_a_quoted_note_over_two_lines_is_kept_and_later_rows_keep_their_line(tmp_path):
    rows = corpus.valid_rows(2)
    rows[0]["notes"] = "first line\nsecond line"
    res = read_audits(write(tmp_path, rows), synthetic=True)
    assert res.accepted["notes"].tolist()[0] == "first line\nsecond line"
    assert res.accepted["source_row"].tolist() == [2, 4]


def test_unwritable_report_folder_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    p = write(tmp_path, corpus.valid_rows(1))
    with pytest.raises(SystemExit) as exc:  # checked when the arguments are parsed
        cli.main(["validate", "--synthetic", "--report", str(blocker / "rep"), str(p)])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "--report" in err and "is not a folder" in err and "Traceback" not in err
