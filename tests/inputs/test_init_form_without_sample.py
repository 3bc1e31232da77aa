"""``kentaudit init`` on a form with one-letter answers (Y / N / P / NA) and no sample column: what
init writes reads every row, with no edit of the data (issue 22, "Done when"; a new user's walk
on an authority the project did not write stopped at "required column(s) missing: sample").

The export is generated here: a unitary council's XLSX with hubs in divisions, its own headers,
answers in mixed case with stray spaces, grades as words on a five-point scale, dates as the
spreadsheet's own date cells and some typed as ISO text."""
import datetime as dt

import pytest
import yaml
from openpyxl import Workbook

from kentaudit import cli
from kentaudit.inputs.adopt import propose
from kentaudit.inputs.ingest import read_audits
from kentaudit.inputs.profile import load_profile

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
HUBS = {"Aldwick Hub": "North", "Brenton Hub": "North", "Colby Hub": "South", "Dunmere Hub": "South"}
ANSWERS = ("Y", "y", "N", "n ", "P", "p", "NA", "Y ")
GRADES = ("Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate")
HEADERS = ("ID", "Start time", "Auditor (email)", "Audit cycle", "Division", "Hub name", "Child ID",
           "Date of audit", "Case type", "Child's age (years)", "1) Was the child's voice recorded?",
           "2) Is there a contingency plan?", "Overall grade")


def _export(folder):
    wb = Workbook()
    ws = wb.active
    ws.title = "Form1"
    ws.append(HEADERS)
    for i in range(1, 41):
        hub = list(HUBS)[i % 4]
        day = dt.date(2025, 10, 1) + dt.timedelta(days=i)
        ws.append([i, dt.datetime(2025, 10, 1, 9, 0), f"auditor{i % 3}@council.example", "2025/26", HUBS[hub],
                   hub, f"CH{5000 + i}", day.isoformat() if i % 10 == 0 else day, "Child in need", i % 18,
                   ANSWERS[i % len(ANSWERS)], ANSWERS[(i * 3) % len(ANSWERS)], GRADES[i % 5]])
    path = folder / "hub_audits.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hubs")
    export = _export(tmp)
    assert cli.main(["init", str(export), "--out", str(tmp / "p"), "--name", "Hubshire Council",
                     "--short-name", "Hubshire"]) == 0
    prof = load_profile(tmp / "p" / "profile.yaml")
    res = read_audits(export, key=KEY, profile=prof, mapping=tmp / "p" / "mapping.yaml",
                      criteria_file=prof.criteria, districts_file=prof.units, cycle="2025-26",
                      as_of=dt.date(2026, 6, 1))
    return tmp, export, prof, res


def test_every_row_is_read_through_what_init_wrote(adopted):
    _, _, _, res = adopted
    assert res.rejected.empty, res.report()[:2000]
    assert len(res.accepted) == 40


def test_a_form_without_a_sample_column_gets_the_proposed_sample_from_the_mapping(adopted):
    tmp, _, prof, res = adopted
    mapping = yaml.safe_load((tmp / "p" / "mapping.yaml").read_text(encoding="utf-8"))
    assert mapping["constants"] == {"sample": "annual"}
    assert [s.name for s in prof.samples] == ["annual"]
    assert set(res.accepted["sample"]) == {"annual"}


def test_init_says_where_the_sample_comes_from_and_no_longer_calls_it_missing(adopted):
    _, export, _, _ = adopted
    undecided = propose(export).undecided
    assert any("no sample column: every audit is read as sample 'annual' (constants:" in u for u in undecided)
    assert not any("required column sample" in u for u in undecided)


def test_a_one_letter_p_is_proposed_as_the_partial_answer_and_kept_as_its_own_code(adopted):
    tmp, _, prof, res = adopted
    mapping = yaml.safe_load((tmp / "p" / "mapping.yaml").read_text(encoding="utf-8"))
    assert mapping["values"]["answers"] == {"Y": "Y", "N": "N", "P": "P", "NA": "NA"}
    assert (prof.answers.partial, prof.answers.partial_counts_as) == ("P", "excluded")
    # a table's column is labelled in words, not by the one-letter code
    assert prof.answers.labels == {"Y": "Yes", "N": "No", "NA": "Not applicable", "P": "Partly"}
    col = "c_q_1_child_voice_recorded"
    assert "P" in set(res.accepted[col].astype(str))
    assert any("'P' is a partial answer" in u for u in propose(adopted[1]).undecided)


def test_the_units_and_their_divisions_come_from_the_export(adopted):
    _, _, prof, _ = adopted
    assert prof.words.unit == "hub" and prof.words.area == "division"
    text = (adopted[0] / "p" / "units.csv").read_text(encoding="utf-8")
    assert "Aldwick Hub,ALD,North,0" in text and "Colby Hub,COL,South,0" in text


def test_init_says_blank_ages_are_kept_as_not_recorded_and_ingest_keeps_them(tmp_path):
    """A blank age keeps the audit with its age not recorded (schema.AGE_NOT_RECORDED): init says so,
    naming the rows, and reading the export with what init wrote keeps every audit (the Wexmoor and
    Aldmere walks lost 5 and 4 audits, their answers and grades, to a blank age)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Form1"
    ws.append(HEADERS)
    for i in range(1, 9):
        hub = list(HUBS)[i % 4]
        ws.append([i, dt.datetime(2025, 10, 1, 9, 0), "a@council.example", "2025/26", HUBS[hub], hub,
                   f"CH{5000 + i}", dt.date(2025, 10, 1 + i), "Child in need", "" if i in (3, 6) else 7,
                   "Y", "N", "Good"])
    export = tmp_path / "e.xlsx"
    wb.save(export)
    assert cli.main(["init", str(export), "--out", str(tmp_path / "p"), "--name", "Hubshire Council",
                     "--short-name", "Hubshire"]) == 0
    said = [u for u in propose(export).decided if u.startswith("column age_band")]
    assert said == [("column age_band (\"Child's age (years)\") is blank in 2 row(s) (4, 7): each such audit is "
                     "kept with its age 'not recorded' (age band not_recorded)")]
    prof = load_profile(tmp_path / "p" / "profile.yaml")
    res = read_audits(export, key=KEY, profile=prof, mapping=tmp_path / "p" / "mapping.yaml",
                      criteria_file=prof.criteria, districts_file=prof.units, cycle="2025-26",
                      as_of=dt.date(2026, 6, 1))
    assert res.rejected.empty and len(res.accepted) == 8
    assert sorted(res.accepted["age_band"].astype(str)).count("not_recorded") == 2


def test_the_parameter_file_init_writes_reads_the_form_without_a_sample_column(adopted, monkeypatch):
    """What ``kentaudit run`` reads: the cycle init wrote, through its mapping's constants:."""
    from kentaudit.inputs.accounting import read_cycle
    from kentaudit.inputs.params import load_params
    P = load_params(adopted[0] / "p" / "cycle.yaml")
    assert (P.cycle, P.label, P.samples) == ("2025-26", "2025/26", ("annual",))
    monkeypatch.setenv("KENTAUDIT_KEY", KEY)
    read = read_cycle(P)
    assert read.current.rejected.empty, read.current.report()[:2000]
    assert len(read.current.accepted) == 40 and set(read.current.accepted["sample"]) == {"annual"}
