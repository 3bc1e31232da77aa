"""``kentaudit init`` on a form tool's own export (issue 22; helper F's walkthrough on an authority
the project did not write): headers such as "Locality/Team", "Date audited (dd.mm.yyyy)" and
"Auditor email" recognised, the units table filled from the unit column, every value written once
as validate accepts it, "Partly met" as the partial answer, and a 3-point grade scale of the
authority's own rather than Ofsted's grades 2 to 4."""
import csv
import datetime as dt

import pytest
import yaml

from kentaudit import cli
from kentaudit.inputs.adopt import propose
from kentaudit.inputs.ingest import STAFF_PREFIX, read_audits
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.profile import load_profile
from kentaudit.inputs.reference import grade_scales, scale_for_cycle

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
HEADER = ["Submission ID", "Timestamp", "Auditor email", "Audit year", "Audit type", "Locality/Team", "Case ref",
          "Case type", "Age band", "Date audited (dd.mm.yyyy)", "Q1 - Is the plan SMART?",
          "Q2 - Has the child been seen?", "Overall judgement", "Auditor comments"]
TEAMS = ("Riverside", "Millgate", "Hollins Cross")
# the mess of a real export: case and trailing spaces, a blank overall grade
ANSWERS = ("Met", "Not met", "Partly met", "Not applicable", "met", "Met ", "PARTLY MET")
GRADES = ("Good", "Requires improvement", "Inadequate", "GOOD", "Good ")


def _rows(n=21):
    out = []
    for i in range(n):
        out.append([str(4800 + i), "2026-06-01 10:00:00", f"auditor{i % 4}@borough.example", "2026/27",
                    "Monthly random", TEAMS[i % 3] + (" " if i == 4 else ""), f"LCS{100000 + i}",
                    "Child in need", "Under 5", f"{1 + i:02d}.06.2026", ANSWERS[i % 7], ANSWERS[(i + 2) % 7],
                    "" if i == 5 else GRADES[i % 5], ""])
    return out


def _export(tmp_path):
    p = tmp_path / "export.csv"
    with p.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(_rows())
    return p


@pytest.fixture
def prop(tmp_path):
    return propose(_export(tmp_path), name="Borough Council", short_name="Borough")


def test_a_form_tools_unit_date_and_auditor_headers_are_recognised(prop):
    cols = prop.mapping["columns"]
    assert cols["Locality/Team"] == ["district", "team"]
    assert cols["Date audited (dd.mm.yyyy)"] == "audit_date"
    assert cols["Auditor email"] == "auditor"
    assert prop.mapping["ignore"] == ["Timestamp"]
    assert not any("required column" in u for u in prop.undecided), prop.undecided


def test_the_date_format_is_read_from_the_dates_and_the_header(prop):
    assert prop.mapping["dates"] == "DD.MM.YYYY"
    assert not any("order is not certain" in u for u in prop.undecided)


@pytest.mark.parametrize(("header", "column"), [
    ("Team", ["district", "team"]), ("Hub", ["district", "team"]), ("Social work team", ["district", "team"]),
    ("District", ["district", "team"]), ("Reviewer", "auditor"), ("Auditor email", "auditor"),
    ("Date of review (dd/mm/yyyy)", "audit_date"), ("Date audit completed", "audit_date")])
def test_header_words_name_the_unit_the_auditor_and_the_audit_date(tmp_path, header, column):
    p = tmp_path / "e.csv"
    p.write_text(f"Audit ID,{header}\n1,x\n", encoding="utf-8")
    cols = propose(p).mapping["columns"]
    assert cols.get(header) == column, cols


def test_a_team_column_alone_is_the_unit_and_the_team_and_names_the_unit_word(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("Audit ID,Team\n1,North A\n", encoding="utf-8")
    prop = propose(p)
    assert prop.mapping["columns"]["Team"] == ["district", "team"]
    assert prop.profile["words"]["unit"] == "team"


def test_a_header_naming_a_manager_of_a_team_is_not_a_unit(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("Audit ID,Locality,Team manager\n1,North,A\n", encoding="utf-8")
    prop = propose(p)
    assert prop.mapping["columns"]["Locality"] == ["district", "team"]
    assert "Team manager" in prop.mapping["ignore"]


def test_with_a_team_column_of_its_own_the_unit_column_is_the_unit_only(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("Audit ID,Locality/Team,Team\n1,North,North A\n", encoding="utf-8")
    prop = propose(p)
    assert prop.mapping["columns"]["Locality/Team"] == "district"
    assert prop.mapping["columns"]["Team"] == "team"
    assert prop.profile["words"]["unit"] == "locality"


def test_the_units_table_is_filled_from_the_unit_columns_distinct_values(prop):
    assert [(u["district"], u["district_code"], u["area"]) for u in prop.units] == [
        ("Hollins Cross", "HOL", ""), ("Millgate", "MIL", ""), ("Riverside", "RIV", "")]
    assert prop.profile["words"]["unit"] == "team"


def test_an_auditor_email_is_pseudonymised_on_ingest(prop):
    assert prop.mapping["pseudonymise"] == ["auditor"]


def test_each_value_is_written_once_in_the_form_validate_accepts(prop, tmp_path):
    assert prop.mapping["values"]["answers"] == {"Met": "Y", "Not met": "N", "Partly met": "P",
                                                 "Not applicable": "NA"}
    assert prop.mapping["values"]["grades"] == {"Good": "1", "Requires improvement": "2", "Inadequate": "3"}
    (tmp_path / "out").mkdir()
    from kentaudit.inputs.adopt import write_proposal
    write_proposal(prop, tmp_path / "out")
    load_mapping(tmp_path / "out" / "mapping.yaml")  # refused before: "a value is listed twice"


@pytest.mark.parametrize("word", ["Partly met", "Partly", "Partially", "Partial", "In part", "Some", "partly MET"])
def test_partial_answer_words_become_the_profiles_partial_answer(tmp_path, word):
    p = tmp_path / "e.csv"
    p.write_text(f"Audit ID,Q1 - Is the plan SMART?\n1,Yes\n2,{word}\n3,No\n", encoding="utf-8")
    prop = propose(p)
    assert prop.mapping["values"]["answers"][word] == "P"
    assert prop.profile["answers"]["partial"]["code"] == "P"
    assert prop.profile["answers"]["partial"]["label"] == word


def test_the_answer_labels_are_the_exports_own_words(prop):
    assert prop.profile["answers"]["labels"] == {"Y": "Met", "N": "Not met", "NA": "Not applicable"}


def test_three_of_ofsteds_words_are_a_three_point_scale_of_the_authoritys_own(prop):
    assert [(r["grade"], r["label"]) for r in prop.grade_scales] == [
        (1, "Good"), (2, "Requires improvement"), (3, "Inadequate")]
    assert {r["first_cycle"] for r in prop.grade_scales} == {"2026/27"}
    assert any(u.startswith("CHECK THE ORDER OF THE GRADES") for u in prop.undecided)
    assert any("3 of the 4 grades of the bundled scale" in u for u in prop.undecided)


def test_what_init_writes_reads_the_export_with_only_the_areas_filled_in(tmp_path, capsys):
    export = _export(tmp_path)
    out = tmp_path / "borough"
    assert cli.main(["init", str(export), "--out", str(out), "--name", "Borough Council",
                     "--short-name", "Borough"]) == 0
    units = (out / "units.csv").read_text(encoding="utf-8").replace(",,0", ",Borough,10")
    (out / "units.csv").write_text(units, encoding="utf-8")
    prof = load_profile(out / "profile.yaml")
    assert prof.words.unit == "team" and prof.answers.partial == "P"
    assert scale_for_cycle("2026-27", prof.grade_scales) == "borough_3"
    res = read_audits(export, key=KEY, profile=prof, mapping=out / "mapping.yaml", criteria_file=prof.criteria,
                      districts_file=prof.units, cycle="2026-27", as_of=dt.date(2026, 12, 1))
    assert res.rejected.empty, res.report()[:2000]
    acc = res.accepted.set_index("audit_id")
    assert len(acc) == 21
    assert (acc["district"] == acc["team"]).all()
    assert acc.loc["4804", "district"] == "Millgate"  # "Millgate " read as its unit
    assert acc["auditor"].str.startswith(STAFF_PREFIX).all() and acc["auditor"].nunique() == 4
    assert not acc["auditor"].str.contains("@").any()
    assert acc.loc["4805", "overall_grade"] is pd_na()  # the blank grade: not recorded, the audit kept
    assert acc.loc["4805", "c_plan_smart"] == "Y"  # ... with its answers ("Met ")
    assert sorted(acc["overall_grade"].dropna().astype(int).unique()) == [1, 2, 3]
    gs = grade_scales(prof.grade_scales)
    assert list(gs["label"]) == ["Good", "Requires improvement", "Inadequate"]


def pd_na():
    import pandas as pd
    return pd.NA


def test_an_empty_units_table_is_named_in_the_profiles_words_with_what_to_do(tmp_path):
    from kentaudit.core.errors import InputError
    (tmp_path / "units.csv").write_text("district,district_code,area,children_on_plans\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text("profile_version: 1\nname: Borough Council\nshort_name: Borough\n"
                                     "words: {unit: team, area: area}\nunits: units.csv\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_profile(tmp_path / "p.yaml")
    msg = str(e.value)
    assert "lists no teams" in msg and "add one row per team" in msg and "districts table" not in msg


def test_a_blank_area_says_what_to_do(tmp_path):
    from kentaudit.core.errors import InputError
    from kentaudit.inputs.reference import districts
    (tmp_path / "units.csv").write_text("district,district_code,area,children_on_plans\nNorth,NOR,,0\n",
                                        encoding="utf-8")
    with pytest.raises(InputError, match="give every unit the area it belongs to") as e:
        districts(tmp_path / "units.csv")
    assert (e.value.row, e.value.column) == (2, "area")


def test_the_written_mapping_is_yaml_validate_reads(prop, tmp_path):
    from kentaudit.inputs.adopt import write_proposal
    write_proposal(prop, tmp_path / "w")
    data = yaml.safe_load((tmp_path / "w" / "mapping.yaml").read_text(encoding="utf-8"))
    m = load_mapping(tmp_path / "w" / "mapping.yaml")
    assert m.columns["locality/team"] == ("district", "team") and data["pseudonymise"] == ["auditor"]
