"""``kentaudit init`` and ingest on a council's audit workbook (issue 22, "Done when"; the Marrowdale
walk): a title row and a blank row above the headers and a second sheet, units ("Pod") of the
council's own word inside areas ("Quadrant"), numbered questions ("1. Chronology up to date")
answered with ticks and crosses, an overall grade numbered 0 to 3 (0 the best) beside a domain grade
in words whose capitalisation differs from the scale's, dates as DD.MM.YY text and as the workbook's
own date-time cells, a re-audit of some cases of the random sample. What init writes reads every
row, with no edit of the data.

The workbook is generated here (a county: pods in quadrants, one quadrant with a single pod)."""
import datetime as dt

import pytest
import yaml
from openpyxl import Workbook

from kentaudit.core.errors import InputError
from kentaudit.inputs.ingest import read_audits, read_table
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.profile import load_profile
from init_proposals import proposed, run_init

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
PODS = (("Fellside", "Fellside Pod"), ("Northmoor", "Northmoor A"), ("Northmoor", "Kettleby"),
        ("Saltmarsh", "Harbour Row"), ("Saltmarsh", "Saltmarsh Pod 1"))
HEADERS = ("Form ID", "Audit type", "Audit period", "Quadrant", "Pod", "Case ref (LCS)", "Date of audit",
           "Auditor", "Case type", "Age", "1. Chronology up to date", "2. Plan is SMART",
           "3. Siblings considered", "Overall grade (0-3)", "Impact on the child", "Auditor comments")
TICKS = ("✓", "✗", "✓", "n/a", "✓", "")
IMPACT = ("OUTSTANDING", "Good", "good", "requires improvement", "INADEQUATE", "GOOD")


def _date(i: int):
    d = dt.date(2026, 7, 1) + dt.timedelta(days=i % 80)
    return dt.datetime(d.year, d.month, d.day, 10, 23) if i % 3 == 0 else f"{d:%d.%m.%y}"


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workbook")
    export = tmp / "audit_returns.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Audit returns"
    ws.append(["A County Council - case file audit returns, Q3 2026"])
    ws.append([])
    ws.append(HEADERS)
    rows = []
    for i in range(1, 51):
        quadrant, pod = PODS[i % 5]
        rows.append([f"F-{i:04d}", "Monthly random audit", "Q3 2026", quadrant, pod, f"LCS{100000 + i}", _date(i),
                     f"Auditor {i % 4}", ("Protection plan", "Cared-for child")[i % 2],
                     None if i == 7 else i % 18, TICKS[i % 6], TICKS[(i * 5) % 6], TICKS[(i + 2) % 6],
                     i % 4, IMPACT[i % 6], "Mum (Mrs Patel) engaged well." if i % 5 == 0 else None])
    for i in (2, 9, 14, 33):  # re-audits: cases of the random sample audited again
        rows.append([f"F-{50 + i:04d}"] + ["Re-audit"] + rows[i - 1][2:6] + [_date(i + 40)] + rows[i - 1][7:])
    for r in rows:
        ws.append(r)
    ws2 = wb.create_sheet("Guidance")
    ws2.append(["Grade", "Meaning"])
    ws2.append([0, "Outstanding"])
    wb.save(export)
    run_init(export, tmp, "Marrowdale County Council", "Marrowdale")
    return tmp, export


def test_a_title_above_the_headers_is_found_and_the_mapping_says_which_row_holds_them(adopted):
    m = proposed(adopted[0], "mapping.yaml")
    assert m["sheet"] == "Audit returns" and m["header_row"] == 3
    header, records, _ = read_table(adopted[1], "Audit returns", header_row=3)
    assert header[:2] == ["Form ID", "Audit type"] and records[0][0] == 4  # the sheet's own row


def test_the_councils_own_unit_word_is_a_column_nested_in_its_area_column(adopted):
    m, p = proposed(adopted[0], "mapping.yaml"), proposed(adopted[0], "profile.yaml")
    assert m["columns"]["Pod"] == ["district", "team"] and "Quadrant" in m["ignore"]
    assert p["words"] == {"unit": "pod", "area": "quadrant"}
    units = (adopted[0] / "p" / "units.csv").read_text(encoding="utf-8")
    assert "Fellside Pod,FEL,Fellside,0" in units and "Kettleby,KET,Northmoor,0" in units


def test_numbered_questions_answered_with_ticks_and_crosses_are_criteria(adopted):
    m = proposed(adopted[0], "mapping.yaml")
    assert m["columns"]["1. Chronology up to date"] == "c_chronology_up_to_date"
    assert m["values"]["answers"] == {"✓": "Y", "✗": "N", "n/a": "NA"}
    crit = (adopted[0] / "p" / "criteria.csv").read_text(encoding="utf-8")
    assert "chronology_up_to_date,Chronology up to date," in crit  # the label without its number


def test_grades_numbered_from_0_are_read_as_1_to_n_and_a_column_of_grade_words_is_a_domain_grade(adopted):
    m, p = proposed(adopted[0], "mapping.yaml"), proposed(adopted[0], "profile.yaml")
    assert m["columns"]["Impact on the child"] == "grade_impact" and p["graded_domains"] == ["impact"]
    assert m["values"]["overall_grade"] == {"0": "1", "1": "2", "2": "3", "3": "4"}
    # the words, whatever their capitalisation, are the bundled scale's grades (one entry per word)
    assert sorted(m["values"]["grades"].values()) == ["1", "2", "3", "4"]


def test_two_digit_years_and_date_time_cells_are_declared(adopted):
    assert proposed(adopted[0], "mapping.yaml")["dates"] == ["DD.MM.YY", "YYYY-MM-DD HH:MM"]


def test_a_sample_whose_cases_are_all_another_samples_is_proposed_as_its_re_audit(adopted):
    s = proposed(adopted[0], "profile.yaml")["samples"]
    assert s["re_audit"]["repeats"] == "monthly_random_audit" and "repeats" not in s["monthly_random_audit"]


def test_what_init_wrote_reads_every_row_of_the_workbook(adopted):
    tmp, export = adopted
    m = load_mapping(tmp / "p" / "mapping.yaml")
    prof = load_profile(tmp / "p" / "profile.yaml")
    res = read_audits(export, key=KEY, profile=prof, mapping=tmp / "p" / "mapping.yaml", criteria_file=prof.criteria,
                      districts_file=prof.units, cycle="2026", as_of=dt.date(2027, 1, 1))
    assert res.rejected.empty, res.report()[:3000]
    assert len(res.accepted) == 54 and m.header_row == 3
    a = res.accepted.set_index("audit_id")
    assert a.loc["F-0003", "audit_date"].date() == dt.date(2026, 7, 4)  # a date-time cell: its date
    assert a.loc["F-0004", "audit_date"].date() == dt.date(2026, 7, 5)  # "05.07.26"
    assert int(a.loc["F-0004", "overall_grade"]) == 1                # written 0: the best
    assert int(a.loc["F-0001", "grade_impact"]) == 2                 # "Good"
    assert a.loc["F-0001", "c_chronology_up_to_date"] == "N"         # a cross
    assert int(a.loc["F-0001", "source_row"]) == 4                   # the sheet's row


@pytest.mark.parametrize("value", [0, "3", True, 51])
def test_a_header_row_that_is_not_a_row_number_is_refused(tmp_path, value):
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump({"mapping_version": 1, "header_row": value, "columns": {"ID": "audit_id"}}))
    with pytest.raises(InputError, match="header_row"):
        load_mapping(p)


def test_a_two_digit_year_is_read_in_this_century_and_a_date_times_date_only_when_declared(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump({"mapping_version": 1, "dates": ["DD.MM.YY", "YYYY-MM-DD HH:MM"]}))
    read = load_mapping(p).date_pattern()
    assert read("14.08.26") == (2026, 8, 14) and read("2026-08-14 10:23:00") == (2026, 8, 14)
    assert read("2026-08-14T10:23") == (2026, 8, 14) and read("14.08.2026") is None
    q = tmp_path / "n.yaml"
    q.write_text(yaml.safe_dump({"mapping_version": 1, "dates": "DD.MM.YY"}))
    assert load_mapping(q).date_pattern()("2026-08-14 10:23:00") is None  # undeclared: refused by ingest


def test_a_cycle_labelled_as_part_of_a_year_is_read_as_its_years_cycle_and_keeps_its_label(adopted):
    tmp = adopted[0]
    assert proposed(tmp, "mapping.yaml")["values"]["cycle"] == {"Q3 2026": "2026"}
    params = proposed(tmp, "cycle.yaml")
    # the label readers know; its id (the folder, the order of cycles) is its year (profile.cycle_id)
    assert params["cycle"] == "Q3 2026" and params["title"] == "Marrowdale case file audit Q3 2026"
