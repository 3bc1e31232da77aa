"""The publication check catches each kind of leak, planted into a copy of a clean appendix."""
import copy
import json
import shutil

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kentaudit.publication.check.folder import (_ID_TOKEN_RE, _WORD_TOKEN_RE, KINDS, _Matcher,
                                                check_publication, check_publication_cli)

#: the check's attack is computed once per distinct published CSVs and metadata (most faults here
#: are planted elsewhere in a copy of one appendix): tests/conftest.py, attack_once_per_input
pytestmark = pytest.mark.usefixtures("attack_once_per_input")


@pytest.fixture(scope="module")
def built(fake_appendix):
    return fake_appendix.result, copy.deepcopy(fake_appendix.params)


@pytest.fixture
def pub(built, tmp_path):
    res, _ = built
    dst = tmp_path / "publish"
    shutil.copytree(res.publish_dir, dst)
    return dst


def kinds(findings):
    return {f.kind for f in findings}


def test_clean_appendix_passes(built):
    res, params = built
    assert check_publication(res.publish_dir, restricted_dir=res.restricted_dir,
                             audit_files=params["inputs"]["audits"]) == []


def test_cli_exit_codes(built, pub, capsys):
    assert check_publication_cli(str(built[0].publish_dir)) == 0
    (pub / "x.ipynb").write_text("{}")
    assert check_publication_cli(str(pub)) == 1
    assert "notebook" in capsys.readouterr().out


# ---------------------------------------------------------------- planting helpers
def csv_set(pub, table, row, col, value):
    f = pub / "csv" / f"{table}.csv"
    df = pd.read_csv(f, dtype=str, keep_default_na=False)
    df.loc[row, col] = str(value)
    df.to_csv(f, index=False)


def xlsx_set(pub, sheet, label, col_header_start, value):
    """Set the cell in the row whose first cell is ``label`` and the column whose header starts so."""
    f = pub / "appendix.xlsx"
    wb = openpyxl.load_workbook(f)
    ws = wb[f"Table {sheet[1:]}"]  # the sheet of table T4 is "Table 4"
    hdr = next(r for r in ws.iter_rows() if sum(c.value is not None for c in r) >= 2)
    j = next(c.column for c in hdr if str(c.value).startswith(col_header_start))
    row = next(r for r in ws.iter_rows(min_row=hdr[0].row + 1) if r[0].value == label)
    ws.cell(row=row[0].row, column=j).value = value
    wb.save(f)


def html_sub(pub, old, new, count=1):
    f = pub / "appendix.html"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new, count), encoding="utf-8")


def html_set(pub, table, label, column, value):
    """Replace the cell (row labelled ``label``, ``data-column`` ``column``) of a table."""
    import re
    f = pub / "appendix.html"
    text = f.read_text(encoding="utf-8")
    start = text.index(f'<table data-table-id="{table}">')
    end = text.index("</table>", start)
    part = text[start:end]
    heads = re.findall(r'data-column="([^"]+)"', part)
    j = heads.index(column)
    rows = part.split("<tr>")
    for k, r in enumerate(rows):
        if f'<th scope="row">{label}</th>' in r:
            cells = re.findall(r"<t[hd][^>]*>.*?</t[hd]>", r)
            cell = cells[j]
            new = re.sub(r">.*?<", f">{value}<", cell, count=1)
            rows[k] = r.replace(cell, new, 1)
            break
    else:
        raise AssertionError(label)
    f.write_text(text[:start] + "<tr>".join(rows) + text[end:], encoding="utf-8")


# ---------------------------------------------------------------- case references
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_case_reference_caught(pub, fmt):
    ref = "SYN-1000007"
    if fmt == "csv":
        csv_set(pub, "T4", 0, "criterion_label", ref)
    elif fmt == "xlsx":
        xlsx_set(pub, "T4", "Criterion seen", "Criterion code", ref)
    else:
        html_sub(pub, "<h1>", f"<p>see {ref}</p><h1>")
    f = check_publication(pub)
    assert "case_reference" in kinds(f)
    assert any(ref in x.detail for x in f)


def test_pseudonym_caught_in_alt_text(pub):
    html_sub(pub, 'alt="', 'alt="case px_3f2a9b01c4d5e6f7: ')
    assert "case_reference" in kinds(check_publication(pub))


def test_identifier_from_restricted_data_caught(built, pub):
    _, params = built
    csv_set(pub, "T2", 1, "outcome", "Rejected: A2009-0003")
    assert "case_reference" not in kinds(check_publication(pub))  # not a known pattern...
    f = check_publication(pub, audit_files=params["inputs"]["audits"])  # ...but a known audit id
    assert "case_reference" in kinds(f)


# ---------------------------------------------------------------- auditors
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_auditor_code_caught(pub, fmt):
    if fmt == "csv":
        csv_set(pub, "T9", 0, "method", "linear (AUD03)")
    elif fmt == "xlsx":
        xlsx_set(pub, "T9", "All samples", "Weights", "AUD03")
    else:
        html_sub(pub, "</footer>", "<p>Moderated by AUD03</p></footer>")
    assert "auditor" in kinds(check_publication(pub))


def test_auditor_name_from_restricted_folder_caught(pub, tmp_path):
    r = tmp_path / "restricted"
    r.mkdir()
    pd.DataFrame({"audit_id": ["A1"], "auditor": ["Jane Marsh"]}).to_csv(r / "audits.csv", index=False)
    html_sub(pub, "</footer>", "<p>Thanks to Jane Marsh</p></footer>")
    assert "auditor" not in kinds(check_publication(pub))
    assert "auditor" in kinds(check_publication(pub, restricted_dir=r))


# ---------------------------------------------------------------- row-level records
def test_row_level_csv_caught(pub):
    pd.DataFrame({"audit_id": ["x1", "x2"], "district": ["Dover", "Swale"],
                  "overall_grade": [2, 3]}).to_csv(pub / "csv" / "extra.csv", index=False)
    assert "row_level" in kinds(check_publication(pub))


def test_row_level_xlsx_caught(pub):
    f = pub / "appendix.xlsx"
    wb = openpyxl.load_workbook(f)
    ws = wb.create_sheet("Extra")
    for r in (["district", "overall_grade", "c_seen"], ["Dover", 2, "Y"], ["Swale", 3, "N"]):
        ws.append(r)
    wb.save(f)
    assert "row_level" in kinds(check_publication(pub))


def test_row_level_html_dates_caught(pub):
    table = ("<table><thead><tr><th scope='col'>District</th><th scope='col'>Audited on</th></tr></thead><tbody>"
             + "".join(f"<tr><td>Dover</td><td>2009-03-0{i}</td></tr>" for i in range(1, 5))
             + "</tbody></table>")
    html_sub(pub, "</main>", table + "</main>")
    f = check_publication(pub)
    assert "row_level" in kinds(f)
    assert any("dates" in x.detail for x in f)


# ---------------------------------------------------------------- small counts
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_unsuppressed_small_count_caught(pub, fmt):
    # T4's "not applicable" count of seen_alone is published as [c]; plant a 2
    if fmt == "csv":
        csv_set(pub, "T4", 1, "n_not_applicable", 2)
    elif fmt == "xlsx":
        xlsx_set(pub, "T4", "Criterion seen_alone", "Not applicable", 2)
    else:
        html_set(pub, "T4", "Criterion seen_alone", "n_not_applicable", "2")
    f = [x for x in check_publication(pub) if x.kind == "small_count"]
    assert len(f) == 1 and "count 2" in f[0].detail


def test_small_count_in_a_table_of_simulation_sizes_is_not_a_finding(pub):
    # a table whose counts are not of records (defines.not_records: months of a simulated
    # chart, cells of a simulation) has no person behind a count of 3
    import json
    csv_set(pub, "T4", 1, "n_not_applicable", 2)
    mf = pub / "csv" / "metadata.json"
    meta = json.loads(mf.read_text())
    for t in meta["tables"]:
        if t["id"] == "T4":
            t["defines"] = {"not_records": True}
    mf.write_text(json.dumps(meta))
    assert not [x for x in check_publication(pub) if x.kind == "small_count" and "T4" in x.file]


def test_small_count_without_metadata_recognised_by_name(pub):
    (pub / "csv" / "metadata.json").unlink()
    pd.DataFrame({"district": ["Dover"], "n_cases": [3]}).to_csv(pub / "csv" / "T99.csv", index=False)
    assert "small_count" in kinds(check_publication(pub))


# ---------------------------------------------------------------- totals give away
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "html"])
def test_single_suppressed_cell_in_a_total_row_caught(pub, fmt):
    # T1 (audits by sample, with a Total row) has nothing suppressed; hide one cell only
    if fmt == "csv":
        csv_set(pub, "T1", 0, "n_audits", "[c]")
    elif fmt == "xlsx":
        xlsx_set(pub, "T1", "Initial sample", "Audits", "[c]")
    else:
        html_set(pub, "T1", "Initial sample", "n_audits", "[c]")
    f = [x for x in check_publication(pub) if x.kind in ("narrowed", "derived")]
    assert f and "60" in f[0].detail  # recovered value: 60 initial audits


def test_single_suppressed_cell_in_a_row_sum_caught(pub):
    csv_set(pub, "T4", 0, "n_no", "[c]")  # n_no = n_denominator - n_yes
    assert "narrowed" in kinds(check_publication(pub))


def test_suppressed_cell_revealed_by_linked_table_caught(pub):
    # T4 hides a count that T7's Kent row repeats: show the Kent copy
    t4 = pd.read_csv(pub / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    i = next(i for i, v in enumerate(t4.n_yes) if v == "[c]")
    crit = t4.criterion[i]
    t7 = pd.read_csv(pub / "csv" / "T7.csv", dtype=str, keep_default_na=False)
    k = t7.index[(t7.criterion == crit) & (t7.area == "Kent")][0]
    assert t7.at[k, "n_yes"] == "[c]"
    t7.at[k, "n_yes"] = "119"
    t7.to_csv(pub / "csv" / "T7.csv", index=False)
    assert "narrowed" in kinds(check_publication(pub))


def test_total_row_without_metadata_recognised_by_label(pub):
    (pub / "csv" / "metadata.json").unlink()
    pd.DataFrame({"district": ["Dover", "Swale", "Total"], "n_cases": ["[c]", "40", "43"]}).to_csv(
        pub / "csv" / "T99.csv", index=False)
    f = [x for x in check_publication(pub) if x.kind == "total_gives_away" and x.file == "csv/T99.csv"]
    assert len(f) == 1 and "equals 3" in f[0].detail


# ---------------------------------------------------------------- notebooks and other files
def test_executed_notebook_refused(pub):
    (pub / "figures" / "districts.ipynb").write_text(json.dumps({"nbformat": 4, "cells": []}))
    assert "notebook" in kinds(check_publication(pub))


def test_notebook_under_another_name_refused(pub):
    (pub / "figures" / "data.json").write_text(json.dumps({"nbformat": 4, "cells": []}))
    assert "notebook" in kinds(check_publication(pub))


def test_unreadable_file_type_refused(pub):
    (pub / "csv" / "T4.parquet").write_bytes(b"PAR1")
    assert "unexpected_file" in kinds(check_publication(pub))


def test_findings_name_file_location_and_kind(pub):
    csv_set(pub, "T4", 1, "n_not_applicable", 2)
    f = next(x for x in check_publication(pub) if x.kind == "small_count")
    assert f.file == "csv/T4.csv" and "line 3" in f.location and f.kind in KINDS
    assert str(f).startswith("csv/T4.csv [line 3")


def test_heuristics_raise_no_false_alarm_on_a_clean_appendix_without_metadata(pub):
    # without the definitions the check cannot know that a small count is not sensitive
    # (T2's 2 rejected rows: records of the whole authority, shown): it reports that one
    # count, in each format it reads, and nothing else
    (pub / "csv" / "metadata.json").unlink()
    f = check_publication(pub)
    assert {(x.kind, x.detail) for x in f} == {("small_count", "count 2 is between 1 and 5 and is not suppressed")}
    assert all("T2" in x.file or "T2" in x.location or "Table 2" in x.location for x in f)


# ------------------------------------------------- known-identifier matching
ID_ALPHABET = "SYN-0123AB xé/_."


def _one_regex(values, boundary):
    """The definition: one alternation, longest first, with the boundary on each side."""
    import re
    vals = sorted(set(values), key=len, reverse=True)
    rx = re.compile("|".join(rf"(?<!{boundary}){re.escape(v)}(?!{boundary})" for v in vals))
    return rx


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.text(ID_ALPHABET, min_size=1, max_size=6), min_size=1, max_size=8),
       text=st.text(ID_ALPHABET, max_size=60))
def test_known_identifier_matching_agrees_with_one_boundary_regex(values, text):
    for token_re, boundary in ((_ID_TOKEN_RE, r"[\w-]"), (_WORD_TOKEN_RE, r"\w")):
        expected = [m.group(0) for m in _one_regex(values, boundary).finditer(text)]
        assert _Matcher(values, token_re, boundary).finditer(text) == expected


def test_identifier_with_a_space_is_matched_whole_and_not_inside_a_longer_token():
    m = _Matcher({"SYN-0001", "J Smith"}, _ID_TOKEN_RE, r"[\w-]")
    assert m.finditer("seen by J Smith about SYN-0001, not SYN-00012 or XSYN-0001") == ["J Smith", "SYN-0001"]


def _pdf_with_text(path, text: str):
    """A one-page PDF whose text is ``text`` (PDFium rebuilds the missing cross-reference table)."""
    stream = f"BT /F1 12 Tf 10 50 Td ({text}) Tj ET".encode()
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
        b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 400 100]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>> endobj\n"
        + f"4 0 obj <</Length {len(stream)}>> stream\n".encode() + stream
        + b"\nendstream endobj\n5 0 obj <</Type/Font/Subtype/Type1/BaseFont/Helvetica>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n")
    return path


@pytest.mark.parametrize("text, kind", [("SYN-0012345", "case_reference"), ("AUD12", "auditor"),
                                        ("Compliance 81.3%", None)])
def test_a_pdf_checked_on_its_own_finds_what_the_folder_check_finds(pub, tmp_path, text, kind):
    from kentaudit.publication.check.folder import check_printed

    alone = check_printed(_pdf_with_text(tmp_path / "appendix.pdf", text))
    shutil.copy(tmp_path / "appendix.pdf", pub / "appendix.pdf")
    in_folder = [f for f in check_publication(pub) if f.file == "appendix.pdf"]
    assert [(f.kind, f.detail) for f in alone] == [(f.kind, f.detail) for f in in_folder]
    assert [f.kind for f in alone] == ([kind] if kind else [])


def test_an_unreadable_pdf_is_a_finding(tmp_path):
    from kentaudit.publication.check.folder import check_printed

    (tmp_path / "appendix.pdf").write_bytes(b"not a pdf")
    assert [f.kind for f in check_printed(tmp_path / "appendix.pdf")] == ["unreadable"]


def test_a_sheet_named_by_its_table_number_is_checked_as_that_table():
    from kentaudit.publication.check.folder import sheet_table_id
    assert sheet_table_id("Table 3") == "T3" and sheet_table_id("Table 3a") == "T3a"
    assert sheet_table_id("Contents") == "Contents" and sheet_table_id("Table 3 extra") == "Table 3 extra"


def test_a_leak_in_any_part_of_a_table_shown_in_parts_is_caught(pub):
    """A table too wide for a page is shown in parts ("T16-part-1", "T16-part-2"): each part is
    compared with the table's CSV, the second as well as the first (one key per table id would
    keep only the last part read)."""
    f = pub / "appendix.html"
    text = f.read_text(encoding="utf-8")
    start = text.index('<table data-table-id="T1">')
    end = text.index("</table>", start) + len("</table>")
    table = text[start:end]
    parts = (table.replace('data-table-id="T1"', 'data-table-id="T1-part-1"') + "\n"
             + table.replace('data-table-id="T1"', 'data-table-id="T1-part-2"'))
    f.write_text(text[:start] + parts + text[end:], encoding="utf-8")
    assert [x for x in check_publication(pub) if x.kind in ("narrowed", "derived")] == []
    for k in (1, 2):
        planted = parts.replace(f'data-table-id="T1-part-{k}"', 'data-table-id="PLANT"')
        f.write_text(text[:start] + planted + text[end:], encoding="utf-8")
        html_set(pub, "PLANT", "Initial sample", "n_audits", "[c]")
        f.write_text(f.read_text(encoding="utf-8").replace('data-table-id="PLANT"',
                                                            f'data-table-id="T1-part-{k}"'), encoding="utf-8")
        found = [x for x in check_publication(pub) if x.kind in ("narrowed", "derived")]
        assert found and any("csv/T1.csv" in x.detail for x in found), k
