"""``kentaudit init`` on a spreadsheet's CSV saved where the comma is the decimal mark (issue 22,
"Done when"; the Thamesbury walk): fields separated by ";", Windows-1252 text, ages with a decimal
comma ("7,5"), practice groups nested in service areas, an auditor's grade beside a moderated grade,
a case-management system's id ("LCS ID"), "Audit round" = "Spring 2026", answers Met / Partly met /
Not met / Not applicable. What init writes reads every row, with no edit of the data, and the cycle
keeps its label ("Spring 2026") while its id is its year.

The export is generated here (a borough: three service areas of practice groups)."""
import csv
import datetime as dt

import pytest

from kentaudit import cli
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.params import load_params
from kentaudit.inputs.profile import cycle_id, part_of_year
from init_proposals import proposed, read_with_proposal, run_init

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
GROUPS = {"MASH": "Front Door & Assessment", "Assessment North": "Front Door & Assessment",
          "CIN/CP East": "Safeguarding & Family Support", "CIN/CP West": "Safeguarding & Family Support",
          "Permanence": "Children Looked After", "Children\u2019s Disability": "Children Looked After"}
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
ANSWERS = ("Met", "Not met", "Partly met", "Not applicable", "met ", "")
HEADERS = ("Audit ref", "Audit round", "Service area", "Practice group", "LCS ID", "Date of audit", "Audit type",
           "Case status", "Age at audit (yrs)", "Q01 Chronology is up to date", "Q02 Child\u2019s wishes recorded",
           "Quality of practice (auditor grade)", "Impact on the child", "Auditor", "Moderator", "Moderated grade",
           "Time taken (hrs)", "Comments")


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("semicolon")
    export = tmp / "Thamesbury_QA_audits_Spring2026.csv"
    groups = list(GROUPS)
    with open(export, "w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(HEADERS)
        for i in range(1, 49):
            d = dt.date(2026, 3, 2) + dt.timedelta(days=i)
            w.writerow([f"AUD-26-{i:04d}", "Spring 2026" if i % 7 else "spring 2026", GROUPS[groups[i % 6]],
                        groups[i % 6], f"LCS{100000 + i}",
                        str((d - dt.date(1899, 12, 30)).days) if i % 9 == 0 else f"{d.day} {d:%B %Y}",
                        "Random", ("Child in Need", "Child Protection")[i % 2], f"{i % 17},{i % 10}",
                        ANSWERS[i % 6], ANSWERS[(i * 5) % 6], GRADES[i % 4], GRADES[(i + 1) % 4],
                        "Priya Raman", "Ren\u00e9e Clarke", GRADES[(i // 2) % 4], "1,5",
                        "Discussed with Jo; plan agreed." if i % 4 == 0 else ""])
        w.writerow([""] * len(HEADERS))  # a blank trailing row, as a spreadsheet leaves
    run_init(export, tmp, "London Borough of Thamesbury", "Thamesbury")
    return tmp, export


def test_the_delimiter_is_found_and_written_into_the_mapping(adopted):
    m = proposed(adopted[0], "mapping.yaml")
    assert m["delimiter"] == ";"
    assert load_mapping(adopted[0] / "p" / "mapping.yaml").delimiter == ";"


def test_units_nested_in_service_areas_an_auditors_grade_and_a_case_systems_id(adopted):
    m = proposed(adopted[0], "mapping.yaml")["columns"]
    assert m["Practice group"] == ["district", "team"]
    assert "Service area" in proposed(adopted[0], "mapping.yaml")["ignore"]
    assert m["Quality of practice (auditor grade)"] == "overall_grade"
    assert m["Moderated grade"] == "moderated_grade" and m["Impact on the child"] == "grade_impact"
    assert m["LCS ID"] == "case_ref" and m["Audit round"] == "cycle" and m["Audit ref"] == "audit_id"
    units = list(csv.DictReader((adopted[0] / "p" / "units.csv").read_text(encoding="utf-8").splitlines()))
    assert {u["district"]: u["area"] for u in units} == GROUPS
    assert proposed(adopted[0], "profile.yaml")["words"] == {"unit": "practice group", "area": "service area"}


def test_ages_with_a_decimal_comma_are_ages_in_years(adopted):
    assert proposed(adopted[0], "mapping.yaml")["ages"] == "years"
    assert [b["code"] for b in proposed(adopted[0], "profile.yaml")["age_bands"]][:2] == ["under_1", "1-4"]


def test_a_cycle_named_by_a_part_of_its_year_keeps_its_label(adopted):
    assert proposed(adopted[0], "mapping.yaml")["values"]["cycle"] == {"Spring 2026": "2026"}
    (adopted[0] / "p" / "units.csv").write_text(
        (adopted[0] / "p" / "units.csv").read_text(encoding="utf-8").replace(",0\n", ",40\n"), encoding="utf-8")
    params = load_params(adopted[0] / "p" / "cycle.yaml")
    assert (params.cycle, params.label) == ("2026", "Spring 2026")
    assert [part_of_year(x) for x in ("Spring 2026", "autumn term 2026", "Q3 2026", "2026 H1", "Spring", "2026")] \
        == [2026, 2026, 2026, 2026, None, None]
    assert cycle_id("Q3 2026") == "2026" and cycle_id("2025/26", "financial_year") == "2025-26"


def test_every_row_is_read_through_what_init_wrote(adopted):
    tmp, export = adopted
    (tmp / "p" / "units.csv").write_text(
        (tmp / "p" / "units.csv").read_text(encoding="utf-8").replace(",0\n", ",40\n"), encoding="utf-8")
    res = read_with_proposal(tmp, export, KEY, "2026")
    assert res.rejected.empty, res.report()[:3000]
    assert len(res.accepted) == 48
    one = res.accepted.set_index("audit_id").loc["AUD-26-0009"]  # "9,9" years, a serial date
    assert str(one["age_band"]) == "5-9" and str(one["audit_date"])[:10] == "2026-03-11"
    assert set(res.accepted["district"]) == set(GROUPS)


def test_a_mapping_names_only_a_known_delimiter(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("mapping_version: 1\ndelimiter: ':'\ncolumns: {}\n", encoding="utf-8")
    with pytest.raises(Exception, match="delimiter"):
        load_mapping(m)


def test_validate_takes_the_cycle_by_its_label(adopted, tmp_path, capsys):
    tmp, export = adopted
    (tmp / "p" / "units.csv").write_text(
        (tmp / "p" / "units.csv").read_text(encoding="utf-8").replace(",0\n", ",40\n"), encoding="utf-8")
    key = tmp_path / "key"
    key.write_text(KEY, encoding="utf-8")
    key.chmod(0o600)
    code = cli.main(["validate", str(export), "--profile", str(tmp / "p" / "profile.yaml"), "--mapping",
                     str(tmp / "p" / "mapping.yaml"), "--cycle", "Spring 2026", "--key-file", str(key)])
    out = capsys.readouterr().out
    assert code == 3 and "48 rows read = 48 accepted + 0 rejected" in out, out  # 3: a blank row, warned
