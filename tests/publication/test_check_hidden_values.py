"""The publication check finds a hidden cell's value printed in the release's prose.

Session 25's appendix printed "would narrow T12 row 0 n_yes (Bramfield Hub) to [14, 14]": the
value of a suppressed count, in a sentence, which no table check reads. The check now reads
the restricted suppression audit (every hidden count: table, row label, column, value) and
scans the prose of every published text (HTML outside its tables, sheet and CSV text cells,
metadata.json strings, PDF text) for a hidden value standing within a window of its row's
label and a word tying it to the cell or to suppression (the ``hidden_value`` rule of
``kentaudit.publication.check.folder``). Each kind of planted fault below is a finding; the
clean appendix, a small number far from any label, a label's own number and a percentage are
not.
"""
from __future__ import annotations

import json
import shutil

import openpyxl
import pandas as pd
import pytest

from kentaudit.publication.check.folder import KINDS, check_publication

#: the check's attack is computed once per distinct published CSVs and metadata (most faults here
#: are planted elsewhere in a copy of one appendix): tests/conftest.py, attack_once_per_input
pytestmark = pytest.mark.usefixtures("attack_once_per_input")


@pytest.fixture(scope="module")
def built(fake_appendix):
    return fake_appendix.result


@pytest.fixture(scope="module")
def cell(built):
    """A hidden count of the fake appendix: the largest one (a value no other label holds)."""
    a = pd.read_csv(next(built.restricted_dir.glob("*suppression_audit*.csv")), dtype=str)
    a = a[a["value"].str.fullmatch(r"\d+(\.0)?")]
    a = a.assign(v=a["value"].astype(float).astype(int), leaf=a["row_label"].str.split(" / ").str[-1])
    a = a[(a["table_id"] == "T3") & (a["v"] >= 6)].sort_values("v", ascending=False)
    r = a.iloc[0]
    return dict(table=r["table_id"], leaf=r["leaf"], column=r["column"], value=int(r["v"]))


def hidden(fake_pub, built):
    return [f for f in check_publication(fake_pub, restricted_dir=built.restricted_dir) if f.kind == "hidden_value"]


def plant_html(fake_pub, sentence):
    f = fake_pub / "appendix.html"
    f.write_text(f.read_text(encoding="utf-8").replace("</body>", f"<p>{sentence}</p></body>", 1), encoding="utf-8")


def test_the_kind_is_declared():
    assert "hidden_value" in KINDS


def test_the_clean_appendix_prints_no_hidden_value(built, fake_pub):
    assert hidden(fake_pub, built) == []


def test_a_hidden_value_in_the_html_prose_beside_its_label_and_column_is_found(built, fake_pub, cell):
    plant_html(fake_pub, f"In {cell['leaf']} the sample held {cell['value']} audits.")
    f = hidden(fake_pub, built)
    assert [(x.file, x.kind) for x in f] == [("appendix.html", "hidden_value")]
    assert f"{cell['value']}" in f[0].detail and cell["leaf"] in f[0].detail and f[0].location.startswith("line ")


def test_the_session_25_leak_an_interval_in_a_loss_sentence_is_found(built, fake_pub, cell):
    v = cell["value"]
    plant_html(fake_pub,
               f"The estimate would narrow {cell['table']} row 7 {cell['column']} ({cell['leaf']}) to [{v}, {v}].")
    assert [x.file for x in hidden(fake_pub, built)] == ["appendix.html"]


def test_a_hidden_value_in_an_alt_text_is_found(built, fake_pub, cell):
    plant_html(fake_pub, f'<img alt="{cell["leaf"]}: {cell["value"]} audits (hidden in the table)" src="x.png">')
    assert [x.file for x in hidden(fake_pub, built)] == ["appendix.html"]


def test_a_hidden_value_in_an_xlsx_notes_sheet_is_found(built, fake_pub, cell):
    wb = openpyxl.load_workbook(fake_pub / "appendix.xlsx")
    ws = wb.create_sheet("Planted notes")
    ws["A1"] = "Planted notes"
    ws["A3"] = f"{cell['leaf']}: {cell['value']} counts were suppressed."
    wb.save(fake_pub / "appendix.xlsx")
    f = hidden(fake_pub, built)
    assert [(x.file, x.location) for x in f] == [("appendix.xlsx", "sheet 'Planted notes', cell A3")]


def test_a_hidden_value_in_a_metadata_string_is_found(built, fake_pub, cell):
    m = fake_pub / "csv" / "metadata.json"
    meta = json.loads(m.read_text(encoding="utf-8"))
    meta["note"] = f"{cell['table']}: the {cell['leaf']} row ({cell['value']}) is protected."
    m.write_text(json.dumps(meta), encoding="utf-8")
    f = hidden(fake_pub, built)
    assert [(x.file, x.location) for x in f] == [("csv/metadata.json", "note")]


def test_a_hidden_value_in_a_text_cell_of_a_csv_is_found(built, fake_pub, cell):
    (fake_pub / "csv" / "notes.csv").write_text(
        f"note\n\"Table 3: {cell['leaf']} had {cell['value']} audits, hidden.\"\n", encoding="utf-8")
    assert [x.file for x in hidden(fake_pub, built)] == ["csv/notes.csv"]


@pytest.mark.parametrize("sentence", [
    "The sample held {value} audits.",                         # no row label: any small number
    "{leaf} is {value} miles from the coast.",                 # label and number, nothing ties them
    "{leaf}: {value}% of audits were hidden.",                 # a percentage is not the count
    "{leaf}: {value}.5 audits on average were suppressed.",    # part of a decimal
    "{leaf} is shown in Table {value} (hidden rows marked).",  # a table's own number
    "{leaf} (audits hidden).                                                                       "
    "                                                     Another sentence about {value} audits.",  # other sentence
])
def test_a_number_not_tied_to_the_hidden_cell_is_not_a_finding(built, fake_pub, cell, sentence):
    plant_html(fake_pub, sentence.format(**cell))
    assert hidden(fake_pub, built) == []


def test_without_the_restricted_folder_the_prose_is_not_checked(built, fake_pub, cell):
    plant_html(fake_pub, f"In {cell['leaf']} the sample held {cell['value']} audits.")
    assert [f for f in check_publication(fake_pub) if f.kind == "hidden_value"] == []


def _pdf_of(fake_pub, body):
    """Replace the release's PDF with one printed from ``body`` (WeasyPrint, the appendix's
    own PDF engine)."""
    weasyprint = pytest.importorskip("weasyprint")
    weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf(fake_pub / "appendix.pdf")


def test_a_hidden_value_in_the_pdf_prose_is_found(built, fake_pub, cell):
    _pdf_of(fake_pub, f"<p>The count of {cell['leaf']} was hidden: it is {cell['value']}.</p>")
    found = [f for f in hidden(fake_pub, built) if f.file == "appendix.pdf"]
    assert found and str(cell["value"]) in found[0].detail


def test_a_printed_tables_numbers_beside_a_label_and_the_protection_note_are_not_a_finding(built, fake_pub, cell):
    # a printed table's text runs its caption, headers and rows together with no sentence end:
    # the hidden value shown as another row's count, the label, and the [c] note's "protection"
    rows = " ".join(f"Row {i} {10 + i} {20 + i} {cell['value']} {30 + i}" for i in range(3))
    _pdf_of(fake_pub, f"<p>Table 4: Compliance by criterion Criterion Audits Yes No {cell['leaf']} {rows} "
                 "[c] not shown for disclosure protection</p>")
    assert [f for f in hidden(fake_pub, built) if f.file == "appendix.pdf"] == []


def test_a_derived_figure_hidden_with_its_counts_is_not_read_as_a_hidden_count(built, fake_pub, cell, tmp_path):
    # a p-value of 1 hidden with a unit's counts is a derived figure, not a count: the loss
    # sentence "the estimate of 1 row(s) is hidden ... of <unit> in Table 7" does not print it
    restricted = tmp_path / "restricted"
    shutil.copytree(built.restricted_dir, restricted)
    audit = next(restricted.glob("*suppression_audit*.csv"))
    a = pd.read_csv(audit, dtype=str, keep_default_na=False)
    derived = a.iloc[[0]].assign(table_id="T7", row_label=cell["leaf"], column="p_adjusted", value="1.0",
                                 reason="derived")
    counted = derived.assign(column="n_yes", reason="primary")
    pd.concat([a, derived]).to_csv(audit, index=False)
    sentence = (f"the estimate of 1 row(s) is hidden because it would reveal a hidden count: the hidden "
                f"yes count of {cell['leaf']} in Table 7.")
    plant_html(fake_pub, sentence)
    found = [f for f in check_publication(fake_pub, restricted_dir=restricted) if f.kind == "hidden_value"]
    assert not [f for f in found if "p_adjusted" in f.detail]
    # the same value as a hidden count is a finding: the rule still reads counts
    pd.concat([a, counted]).to_csv(audit, index=False)
    found = [f for f in check_publication(fake_pub, restricted_dir=restricted) if f.kind == "hidden_value"]
    assert [f for f in found if "n_yes" in f.detail and "prints 1," in f.detail]
