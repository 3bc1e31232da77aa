"""The action register (kentaudit.inputs.actions): read as written, or refused naming
file, row, column, value and rule; the bundled synthetic register is generated."""
import csv
from pathlib import Path

import pandas as pd
import pytest

from kentaudit.core.errors import EmptyInputError, InputError
from kentaudit.inputs import actions
from kentaudit.inputs.synthetic import synthetic_register

ROOT = Path(__file__).parents[2]
BUNDLED = ROOT / "data" / "synthetic" / "actions.csv"
HEADER = ",".join(actions.REGISTER_COLUMNS)
GOOD = ("A1,compliance_by_district:chronology:THA,2010,2013,chronology;supervision,THA;SWA,"
        "District Manager,2011-03-01,2011-09-30,completed,0.8,Workshops")


def write(tmp_path, *rows, header=HEADER):
    p = tmp_path / "actions.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def row(**change):
    fields = dict(zip(actions.REGISTER_COLUMNS, next(csv.reader([GOOD]))))
    fields.update(change)
    return ",".join(f'"{v}"' if "," in v else v for v in fields.values())


def refused(tmp_path, *rows, header=HEADER) -> InputError:
    with pytest.raises(InputError) as e:
        actions.read_register(write(tmp_path, *rows, header=header))
    return e.value


def test_a_good_register_is_read_with_codes_dates_and_a_proportion(tmp_path):
    df = actions.read_register(write(tmp_path, GOOD))
    r = df.iloc[0]
    assert (r.action_id, r.finding_table, r.finding_criterion, r.finding_unit) == (
        "A1", "compliance_by_district", "chronology", "THA")
    assert r.units == "THA;SWA" and r.criteria == "chronology;supervision"
    assert r.agreed == pd.Timestamp("2011-03-01") and r.due == pd.Timestamp("2011-09-30")
    assert r.target == 0.8 and r.status == "completed" and r.owner_role == "District Manager"


def test_units_are_resolved_from_names_and_codes_in_any_case(tmp_path):
    df = actions.read_register(write(tmp_path, row(units="thanet; Swale",
                                                   finding="compliance_by_district:chronology:Thanet")))
    assert df.iloc[0].units == "THA;SWA" and df.iloc[0].finding_unit == "THA"


def test_action_cells_has_one_row_per_action_criterion_and_unit(tmp_path):
    cells = actions.action_cells(actions.read_register(write(tmp_path, GOOD)))
    assert len(cells) == 4
    assert set(zip(cells.criterion, cells.unit)) == {("chronology", "THA"), ("chronology", "SWA"),
                                                      ("supervision", "THA"), ("supervision", "SWA")}


@pytest.mark.parametrize("column,value,rule", [
    ("status", "done", "unknown_status"),
    ("target", "80", "target_not_proportion"),
    ("target", "80%", "target_not_proportion"),
    ("target", "0", "target_not_proportion"),
    ("target", "1.5", "target_not_proportion"),
    ("target", "0,8", "target_not_proportion"),
    ("due", "2011-02-30", "not_a_date"),
    ("agreed", "01/03/2011", "not_a_date"),
    ("agreed", "1899-01-01", "date_range"),
    ("due", "2011-01-01", "due_before_agreed"),
    ("agreed", "", "missing_date"),
    ("criteria", "chronology;nonsense", "unknown_criterion"),
    ("criteria", "chronology;chronology", "unknown_criterion"),
    ("units", "THA;Atlantis", "unknown_unit"),
    ("units", "THA;thanet", "unknown_unit"),
    ("finding", "compliance_by_district:chronology", "bad_finding"),
    ("finding", "Compliance By District:chronology:THA", "bad_finding"),
    ("finding", "compliance_by_district:genogram:THA", "finding_not_targeted"),
    ("finding", "compliance_by_district:chronology:DOV", "finding_not_targeted"),
    ("baseline_cycle", "10", "bad_cycle"),
    ("baseline_cycle", "2010/12", "bad_cycle"),  # not a financial year: 2011 does not follow 2010 by two
    ("reaudit_cycle", "2009/10", "cycle_order"),  # the financial year 2009/10 starts before 2010
    ("reaudit_cycle", "2010", "cycle_order"),
    ("action_id", "A/1", "unsafe_code"),
    ("description", "x" * 2001, "text_too_long"),
    ("owner_role", "Head\u202eof service", "bidi_control"),
    ("owner_role", " ", "blank"),
])
def test_every_rule_names_file_row_column_value_and_rule(tmp_path, column, value, rule):
    e = refused(tmp_path, GOOD.replace("A1,", "A0,", 1), row(**{"action_id": "A2", column: value}))
    assert (e.row, e.column, e.rule) == (3, column, rule)
    assert e.file.endswith("actions.csv")
    if column != "owner_role":
        assert e.value is not None
    assert rule in str(e) and "row 3" in str(e)


def test_a_proposed_action_may_have_no_dates_yet(tmp_path):
    df = actions.read_register(write(tmp_path, row(status="proposed", agreed="", due="")))
    assert df.agreed.isna().all() and df.due.isna().all()


def test_the_owner_role_is_never_quoted_in_a_message(tmp_path):
    e = refused(tmp_path, row(owner_role="Jane\u200bSmith"))
    assert e.rule == "invisible_character" and e.value is None
    assert "Jane" not in str(e) and "Smith" not in str(e)


def test_every_problem_is_listed_in_one_message(tmp_path):
    e = refused(tmp_path, row(status="done"), row(action_id="A2", target="80"))
    assert [(p.row, p.rule) for p in e.problems] == [(2, "unknown_status"), (3, "target_not_proportion")]
    assert "1 more problem" in str(e) and "target_not_proportion" in str(e)


def test_a_duplicate_action_id_names_the_first_row(tmp_path):
    e = refused(tmp_path, GOOD, GOOD)
    assert (e.row, e.column, e.rule) == (3, "action_id", "duplicate_action_id") and "row 2" in e.message


@pytest.mark.parametrize("header,rule_col", [
    (HEADER.replace(",target", ""), "target"),
    (HEADER + ",owner_name", "column 13"),
    (HEADER + ",status", "status"),
])
def test_a_missing_unknown_or_repeated_column_is_refused(tmp_path, header, rule_col):
    e = refused(tmp_path, GOOD, header=header)
    assert (e.row, e.column, e.rule) == (1, rule_col, "register_columns")


def test_a_row_with_too_few_fields_is_refused(tmp_path):
    e = refused(tmp_path, "A1,x")
    assert (e.row, e.rule) == (2, "register_columns")


def test_an_empty_register_or_one_without_actions_is_refused(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        actions.read_register(p)
    with pytest.raises(EmptyInputError):
        actions.read_register(write(tmp_path))


def test_a_folder_is_refused_not_read(tmp_path):
    with pytest.raises(InputError, match="folder"):
        actions.read_register(tmp_path)


def test_the_synthetic_register_is_deterministic_and_valid():
    a, b = synthetic_register(), synthetic_register()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(synthetic_register(seed=2))
    assert BUNDLED.read_text(encoding="utf-8") == actions.register_csv_text(a)
    df = actions.read_register(BUNDLED)
    assert df["action_id"].is_unique and len(df) == 12
    assert set(df["status"]) <= set(actions.STATUSES)
    # roles, never names: every owner is one of the synthetic roles
    assert set(df["owner_role"]) <= {"Head of Safeguarding", "District Manager", "Quality Assurance Lead",
                                     "Principal Social Worker", "Service Manager"}


def test_writing_and_reading_a_register_round_trips(tmp_path):
    reg = synthetic_register()
    p = actions.write_register(reg, tmp_path / "r.csv")
    assert p.read_bytes() == BUNDLED.read_bytes()


def test_financial_year_cycles_are_read_as_their_ids(tmp_path):
    # an authority whose cycles are financial years writes them as its labels or their ids
    df = actions.read_register(write(tmp_path, row(baseline_cycle="2024/25", reaudit_cycle="2025-26")))
    assert (df.iloc[0].baseline_cycle, df.iloc[0].reaudit_cycle) == ("2024-25", "2025-26")
