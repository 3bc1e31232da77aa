"""A mapping for units that are teams, a partial answer the profile lacks, an overall grade not
recorded, and grade scales starting at a cycle's label (issue 22; helper F's walkthrough)."""
import sys
from pathlib import Path

import pytest

from kentaudit.core.errors import InputError
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.reference import grade_scales, scale_for_cycle

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_mapping as tm  # the Fenmarsh-like profile, mapping and rows of the mapping tests


def test_one_header_may_stand_for_the_unit_and_the_team(tmp_path):
    mapping = tm.MAPPING.replace("  Locality: district\n  Team: team\n", "  Locality: [district, team]\n")
    header = tm.HEADER.replace("Locality,Team,", "Locality,")
    rows = [r.replace("Northfen,Team A,", "Northfen,") for r in (tm._row(1), tm._row(2))]
    res = tm._read(tmp_path, rows, mapping=mapping, header=header)
    assert res.rejected.empty, res.report()
    assert list(res.accepted["team"]) == ["Northfen", "Northfen"] == list(res.accepted["district"])


def test_without_a_team_column_or_a_two_column_line_the_export_is_refused(tmp_path):
    mapping = tm.MAPPING.replace("  Locality: district\n  Team: team\n", "  Locality: district\n")
    header = tm.HEADER.replace("Locality,Team,", "Locality,")
    rows = [tm._row(1).replace("Northfen,Team A,", "Northfen,")]
    with pytest.raises(InputError, match="required column.*team") as e:
        tm._read(tmp_path, rows, mapping=mapping, header=header)
    assert e.value.rule == "missing_column"


def test_a_column_named_twice_in_a_two_column_line_or_by_two_headers_is_refused(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("mapping_version: 1\ncolumns: {Locality: [district, district]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="lists a column twice"):
        load_mapping(p)
    p.write_text("mapping_version: 1\ncolumns: {Locality: [district, team], Team: team}\n", encoding="utf-8")
    with pytest.raises(InputError, match="both map to 'team'"):
        load_mapping(p)


def test_a_mapped_partial_answer_without_a_partial_level_names_the_profile_key_to_add(tmp_path):
    profile = tm.PROFILE.replace("answers: {partial: {code: P, label: Partially, counts_as: excluded}}\n", "")
    with pytest.raises(InputError) as e:
        tm._read(tmp_path, [tm._row(1)], profile=profile)
    msg = str(e.value)
    assert e.value.rule == "mapping" and "add answers.partial to the profile file" in msg
    assert str(tmp_path / "profile.yaml") in msg and "counts_as" in msg


def test_a_blank_overall_grade_is_not_recorded_and_the_audit_keeps_its_answers(tmp_path):
    res = tm._read(tmp_path, [tm._row(1, grade=""), tm._row(2, answer="Partially")])
    assert res.rejected.empty, res.report()
    a = res.accepted.set_index("audit_id")
    assert a.loc["1", "overall_grade"] is tm_na() and a.loc["1", "c_chronology"] == "Y"
    assert int(a.loc["2", "overall_grade"]) == 2


def tm_na():
    import pandas as pd
    return pd.NA


def test_a_blank_required_value_other_than_the_grade_still_rejects_its_row(tmp_path):
    res = tm._read(tmp_path, [tm._row(1).replace(",A1,", ",,")])
    assert res.rejected[["column", "rule"]].values.tolist() == [["auditor", "required_value"]]


@pytest.mark.parametrize("first", ["2026", "2026/27", "2026-27"])
def test_a_scales_first_cycle_may_be_a_year_or_a_financial_years_label(tmp_path, first):
    p = tmp_path / "s.csv"
    p.write_text("scale,first_cycle,last_cycle,grade,label\n" + "".join(
        f"own3,{first},,{g},{lab}\n" for g, lab in enumerate(("Good", "Requires improvement", "Inadequate"), 1)),
        encoding="utf-8")
    assert scale_for_cycle("2026-27", p) == "own3"
    assert scale_for_cycle("2027-28", p) == "own3"
    with pytest.raises(ValueError, match="no grade scale covers"):
        scale_for_cycle("2025-26", p)


@pytest.mark.parametrize("first", ["2026/28", "26/27", "April 2026"])
def test_a_first_cycle_that_is_no_cycle_is_refused_naming_row_and_column(tmp_path, first):
    p = tmp_path / "s.csv"
    p.write_text(f"scale,first_cycle,last_cycle,grade,label\nown,{first},,1,Good\n", encoding="utf-8")
    with pytest.raises(InputError, match="first_cycle must be a cycle") as e:
        grade_scales(p)
    assert (e.value.row, e.value.column) == (2, "first_cycle")


def test_a_pseudonymised_auditor_is_the_same_person_as_moderator_and_never_kept(tmp_path):
    mapping = tm.MAPPING.replace("dates: DD/MM/YYYY\n", "dates: DD/MM/YYYY\npseudonymise: [auditor]\n")
    res = tm._read(tmp_path, [tm._row(1), tm._row(2).replace(",A1,", ",a1 ,")], mapping=mapping)
    assert res.rejected.empty, res.report()
    aud = list(res.accepted["auditor"])
    assert aud[0] == aud[1] and aud[0].startswith("au_") and "A1" not in aud[0]


def test_only_auditor_and_moderator_can_be_pseudonymised_by_a_mapping(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("mapping_version: 1\npseudonymise: [district]\n", encoding="utf-8")
    with pytest.raises(InputError, match="auditor, moderator"):
        load_mapping(p)
