"""A mapping per export: a council's headers and words read as kentaudit's columns and codes
(docs/profile.md, "A mapping per export"; issue 22)."""
import datetime as dt

import pytest

from kentaudit.core.errors import InputError, ParamsError
from kentaudit.inputs.accounting import read_cycle
from kentaudit.inputs.ingest import read_audits
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.params import load_params
from kentaudit.inputs.profile import load_profile

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"

UNITS = "district,district_code,area,children_on_plans\nNorthfen,NOR,Fens,10\nWestmere,WES,Fens,12\n"
CRITERIA = ("id,label,domain,kind,applies_when\n"
            "chronology,Is there an up-to-date chronology?,history,compliance,all\n"
            "plan,Is there a plan?,planning,compliance,all\n")
SCALES = ("scale,first_cycle,last_cycle,grade,label\n" + "".join(
    f"five,2020,,{g},{lab}\n" for g, lab in enumerate(
        ("Excellent", "Good", "Adequate", "Requires improvement", "Inadequate"), start=1)))
PROFILE = """profile_version: 1
name: Fenmarsh County Council
short_name: Fenmarsh
words: {unit: locality, area: area}
units: units.csv
criteria: criteria.csv
grade_scales: scales.csv
answers: {partial: {code: P, label: Partially, counts_as: excluded}}
graded_domains: [planning]
samples: {random: {design: random}}
case_types: {child_protection: Child protection, care_leaver: Care leaver}
plan_case_type: child_protection
plan_categories: {neglect: Neglect}
age_bands:
  - {code: unborn, label: Unborn}
  - {code: "0-9", label: 0 to 9, from: 0, to: 9}
  - {code: "10-17", label: 10 to 17, from: 10, to: 17}
  - {code: "18-25", label: 18 to 25, from: 18, to: 25}
record_sources: {}
evidence: {}
cycles: financial_year
"""
MAPPING = """mapping_version: 1
columns:
  Response ID: audit_id
  Case number: case_ref
  Audit year: cycle
  Audit type: sample
  Locality: district
  Team: team
  Case type: case_status
  Age of child: age_band
  Date of audit: audit_date
  Auditor: auditor
  Overall grade: overall_grade
  Planning grade: grade_planning
  "Q1. Is there an up-to-date chronology?": c_chronology
  "Q2. Is there a plan?": c_plan
ignore: [Email]
values:
  answers: {"Yes": Y, "No": N, Partially: P, N/A: NA}
  grades: {Excellent: "1", Good: "2", Adequate: "3", Requires improvement: "4", Inadequate: "5"}
  sample: {Random sample: random}
  case_status: {Child Protection: child_protection, Care Leaver: care_leaver}
  age_band: {Unborn: unborn}
dates: DD/MM/YYYY
ages: years
"""
HEADER = ("Response ID,Case number,Audit year,Audit type,Locality,Team,Case type,Age of child,Date of audit,"
          "Auditor,Overall grade,Planning grade,Q1. Is there an up-to-date chronology?,Q2. Is there a plan?,Email")


def _row(i, *, answer="Yes", grade="Good", age="7", date="03/05/2025", cycle="2025/26", case="Child Protection"):
    return (f"{i},FM{1000 + i},{cycle},Random sample,Northfen,Team A,{case},{age},{date},A1,{grade},Adequate,"
            f"{answer},No,a{i}@x.example")


def _setup(tmp_path, rows, *, profile=PROFILE, mapping=MAPPING, header=HEADER):
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "criteria.csv").write_text(CRITERIA, encoding="utf-8")
    (tmp_path / "scales.csv").write_text(SCALES, encoding="utf-8")
    (tmp_path / "profile.yaml").write_text(profile, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "export.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return load_profile(tmp_path / "profile.yaml")


def _read(tmp_path, rows, **kw):
    prof = _setup(tmp_path, rows, **kw)
    return read_audits(tmp_path / "export.csv", key=KEY, profile=prof, mapping=tmp_path / "mapping.yaml",
                       criteria_file=prof.criteria, districts_file=prof.units, as_of=dt.date(2026, 6, 1))


def test_an_export_is_read_as_it_comes_through_its_mapping(tmp_path):
    res = _read(tmp_path, [_row(1, answer="Partially", grade="Requires improvement", age="Unborn")])
    assert res.rejected.empty, res.report()
    r = res.accepted.iloc[0]
    assert (r["audit_id"], r["sample"], r["case_status"], r["age_band"], r["cycle"]) == (
        "1", "random", "child_protection", "unborn", "2025-26")
    assert (r["c_chronology"], r["c_plan"], int(r["overall_grade"]), int(r["grade_planning"])) == ("P", "N", 4, 3)
    assert str(r["audit_date"].date()) == "2025-05-03"


def test_values_match_ignoring_case_and_spacing(tmp_path):
    res = _read(tmp_path, [_row(1, answer="  partially "), _row(2, grade="requires  IMPROVEMENT")])
    assert res.rejected.empty, res.report()
    assert list(res.accepted["c_chronology"]) == ["P", "Y"]


def test_an_unmapped_value_is_a_rejection_with_its_rule_never_a_guess(tmp_path):
    res = _read(tmp_path, [_row(1, answer="Partly")])
    assert res.accepted.empty
    assert list(res.rejected["rule"]) == ["unmapped_value"]
    assert (res.rejected["column"].iloc[0], res.rejected["value"].iloc[0]) == ("c_chronology", "Partly")


def test_an_unmapped_value_in_many_rows_is_reported_once_with_its_count_and_first_rows(tmp_path):
    res = _read(tmp_path, [_row(i, answer="Partly") for i in range(1, 301)])
    text = res.report()
    lines = [x for x in text.splitlines() if "[rule: unmapped_value]" in x]
    assert len(lines) == 1  # the problem once, not 300 lines
    assert "in 300 rows: 2, 3, 4, 5, 6 and 295 more" in lines[0]
    assert "300 problem(s) (unmapped_value 300)" in text  # the count per rule
    assert len(res.rejected) == 300  # every rejected row is still in the rejected table


def test_every_unmapped_header_is_named_once_in_one_file_error(tmp_path):
    header = HEADER + ",Start time,Name"
    rows = [_row(1) + ",09:00,Ann", _row(2) + ",09:30,Bob"]
    with pytest.raises(InputError) as e:
        _read(tmp_path, rows, header=header)
    assert e.value.rule == "unmapped_header"
    assert "2 header(s)" in str(e.value) and "'Start time'" in str(e.value) and "'Name'" in str(e.value)


def test_a_header_listed_under_ignore_is_dropped_without_a_warning(tmp_path):
    res = _read(tmp_path, [_row(1)])
    assert not any("Email" in w for w in res.warnings)


def test_a_code_the_column_does_not_allow_is_refused_before_any_row_is_read(tmp_path):
    bad = MAPPING.replace("Care Leaver: care_leaver", "Care Leaver: leaver")
    with pytest.raises(InputError) as e:
        _read(tmp_path, [_row(1)], mapping=bad)
    assert (e.value.rule, e.value.column, e.value.value) == ("mapping", "case_status", "leaver")


def test_a_grade_code_outside_the_scale_is_refused_in_the_mapping(tmp_path):
    bad = MAPPING.replace('Inadequate: "5"', 'Inadequate: "6"')
    with pytest.raises(InputError) as e:
        _read(tmp_path, [_row(1)], mapping=bad)
    assert e.value.rule == "mapping" and "1 to 5" in str(e.value)


def test_a_declared_us_date_format_reads_month_first(tmp_path):
    res = _read(tmp_path, [_row(1, date="05/03/2025")], mapping=MAPPING.replace("DD/MM/YYYY", "MM/DD/YYYY"))
    assert str(res.accepted["audit_date"].iloc[0].date()) == "2025-05-03"


def test_a_date_not_in_the_declared_format_is_rejected(tmp_path):
    res = _read(tmp_path, [_row(1, date="2025.05.03")])
    assert list(res.rejected["rule"]) == ["date_format"]


def test_ages_in_years_are_banded_by_the_profile(tmp_path):
    res = _read(tmp_path, [_row(1, age="0"), _row(2, age="9.5"), _row(3, age="10"), _row(4, age="19",
                                                                                          case="Care Leaver")])
    assert res.rejected.empty, res.report()
    assert list(res.accepted["age_band"]) == ["0-9", "0-9", "10-17", "18-25"]


@pytest.mark.parametrize(("age", "rule"), [("30", "age_out_of_bands"), ("seven", "age_not_number"),
                                           ("-1", "age_not_number")])
def test_an_age_outside_the_bands_or_not_a_number_is_rejected(tmp_path, age, rule):
    res = _read(tmp_path, [_row(1, age=age)])
    assert list(res.rejected["rule"]) == [rule]


def test_an_unknown_key_in_a_mapping_file_is_refused(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("mapping_version: 1\ncolour: blue\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_mapping(p)
    assert (e.value.rule, e.value.column) == ("mapping", "colour")


def test_a_header_mapped_twice_to_one_column_is_refused(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("mapping_version: 1\ncolumns: {A: audit_id, B: audit_id}\n", encoding="utf-8")
    with pytest.raises(InputError, match="both map to 'audit_id'"):
        load_mapping(p)


def test_a_header_given_twice_in_the_mapping_yaml_is_refused_naming_the_key_and_lines(tmp_path):
    # YAML keeps the last of two equal keys without a word: 'audit_id: audit_id' then
    # 'audit_id: case_ref' lost the audit_id column and the run failed later on a puzzle
    # ("headers 'audit_id' and 'case_ref' both mean column 'case_ref'"; hostile corpus N55)
    p = tmp_path / "m.yaml"
    p.write_text("mapping_version: 1\ncolumns:\n  audit_id: audit_id\n  team: team\n  audit_id: case_ref\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_mapping(p)
    assert (e.value.file, e.value.rule) == (str(p), "mapping")
    assert "line 5: the key 'audit_id' is given twice (first on line 3)" in str(e.value)


def test_the_same_key_in_two_different_mappings_of_the_file_is_not_a_duplicate(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("mapping_version: 1\ncolumns: {A: audit_id}\nvalues: {sample: {A: initial}}\n", encoding="utf-8")
    load_mapping(p)  # 'A' is a key of columns: and of values.sample: once in each


def test_a_cycle_naming_a_mapping_reads_its_exports_through_it(tmp_path, monkeypatch):
    _setup(tmp_path, [_row(1), _row(2, answer="N/A")])
    (tmp_path / "cycle.yaml").write_text(
        'cycle: "2025/26"\ntitle: Fenmarsh case file audit\nprofile: profile.yaml\n'
        "inputs: {audits: [export.csv], mapping: mapping.yaml}\nsamples: [random]\nseed: 1\noutput_dir: out\n",
        encoding="utf-8")
    P = load_params(tmp_path / "cycle.yaml")
    assert (P.cycle, P.label, P.inputs.mapping) == ("2025-26", "2025/26", tmp_path / "mapping.yaml")
    assert ("mapping", tmp_path / "mapping.yaml") in P.inputs.files()  # hashed with the inputs
    monkeypatch.setenv("KENTAUDIT_KEY", KEY)
    read = read_cycle(P)
    assert read.current.rejected.empty, read.current.report()
    assert list(read.current.accepted["c_chronology"]) == ["Y", "NA"]


def test_a_row_of_another_financial_year_is_rejected_as_another_cycle(tmp_path):
    prof = _setup(tmp_path, [_row(1, cycle="2024/25", date="03/05/2024")])
    res = read_audits(tmp_path / "export.csv", key=KEY, profile=prof, mapping=tmp_path / "mapping.yaml",
                      criteria_file=prof.criteria, districts_file=prof.units, cycle="2025-26")
    assert list(res.rejected["rule"]) == ["cycle_mismatch"]


def test_an_audit_after_31_march_is_outside_the_financial_year(tmp_path):
    res = _read(tmp_path, [_row(1, date="01/04/2026")])
    assert list(res.rejected["rule"]) == ["audit_date_window"]


def test_the_mapping_file_is_named_in_a_missing_mapping_error(tmp_path):
    _setup(tmp_path, [_row(1)])
    (tmp_path / "cycle.yaml").write_text(
        'cycle: "2025/26"\ntitle: t\nprofile: profile.yaml\n'
        "inputs: {audits: [export.csv], mapping: nowhere.yaml}\nsamples: [random]\nseed: 1\noutput_dir: out\n",
        encoding="utf-8")
    with pytest.raises(ParamsError, match="nowhere.yaml"):
        load_params(tmp_path / "cycle.yaml")


def test_headers_match_ignoring_case_and_spacing(tmp_path):
    header = HEADER.replace("Response ID", "RESPONSE   id").replace("Case number", " case Number ")
    res = _read(tmp_path, [_row(1)], header=header)
    assert res.rejected.empty and list(res.accepted["audit_id"]) == ["1"]


def test_a_spreadsheets_own_date_cells_are_read_whatever_the_declared_format(tmp_path):
    import openpyxl
    _setup(tmp_path, [_row(1)])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    fields = _row(1).split(",")
    fields[8] = dt.datetime(2025, 5, 3)
    ws.append(fields)
    wb.save(tmp_path / "export.xlsx")
    prof = load_profile(tmp_path / "profile.yaml")
    res = read_audits(tmp_path / "export.xlsx", key=KEY, profile=prof, mapping=tmp_path / "mapping.yaml",
                      criteria_file=prof.criteria, districts_file=prof.units, as_of=dt.date(2026, 6, 1))
    assert res.rejected.empty, res.report()
    assert str(res.accepted["audit_date"].iloc[0].date()) == "2025-05-03"


def test_validate_reads_an_export_with_the_profile_and_mapping_it_is_given(tmp_path, capsys, monkeypatch):
    from kentaudit import cli
    _setup(tmp_path, [_row(1), _row(2, answer="Partially")])
    monkeypatch.setenv("KENTAUDIT_KEY", KEY)
    code = cli.main(["validate", str(tmp_path / "export.csv"), "--profile", str(tmp_path / "profile.yaml"),
                     "--mapping", str(tmp_path / "mapping.yaml"), "--cycle", "2025/26"])
    assert code == 0, capsys.readouterr()
    assert "2 rows read = 2 accepted + 0 rejected" in capsys.readouterr().out


def test_a_mapping_file_of_yaml_aliases_is_refused_before_it_is_expanded(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 20)]
    p = tmp_path / "m.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="more than 50 aliases") as e:
        load_mapping(p)
    assert e.value.rule == "mapping"


def test_a_header_mapped_to_a_column_the_model_lacks_is_a_mapping_error(tmp_path):
    bad = MAPPING.replace("Planning grade: grade_planning", "Planning grade: grade_impact")
    with pytest.raises(InputError) as e:
        _read(tmp_path, [_row(1)], mapping=bad)
    assert (e.value.rule, e.value.value) == ("mapping", "grade_impact")


def test_a_sheet_the_workbook_lacks_is_a_mapping_error(tmp_path):
    import openpyxl
    _setup(tmp_path, [_row(1)], mapping=MAPPING + "sheet: Responses\n")
    wb = openpyxl.Workbook()
    wb.active.title = "Form1"
    wb.active.append(HEADER.split(","))
    wb.active.append(_row(1).split(","))
    wb.save(tmp_path / "export.xlsx")
    prof = load_profile(tmp_path / "profile.yaml")
    with pytest.raises(InputError, match="no sheet 'Responses'") as e:
        read_audits(tmp_path / "export.xlsx", key=KEY, profile=prof, mapping=tmp_path / "mapping.yaml",
                    criteria_file=prof.criteria, districts_file=prof.units)
    assert e.value.rule == "mapping"


# --- a column the export does not have: one value for every row (constants:) ---------------------

_NO_SAMPLE_HEADER = HEADER.replace("Audit type,", "")
_NO_SAMPLE_MAPPING = MAPPING.replace("  Audit type: sample\n", "")


def _no_sample_row(i, **kw):
    return _row(i, **kw).replace("Random sample,", "", 1)


def test_an_export_without_a_sample_column_is_read_with_the_mappings_constant(tmp_path):
    mapping = _NO_SAMPLE_MAPPING + "constants: {sample: Random sample}\n"
    res = _read(tmp_path, [_no_sample_row(1), _no_sample_row(2)], mapping=mapping, header=_NO_SAMPLE_HEADER)
    assert res.rejected.empty, res.report()
    # the constant is read as the export would write it: through the sample's value map
    assert list(res.accepted["sample"]) == ["random", "random"]


def test_a_missing_required_column_says_how_a_mapping_gives_it(tmp_path):
    with pytest.raises(InputError) as e:
        _read(tmp_path, [_no_sample_row(1)], mapping=_NO_SAMPLE_MAPPING, header=_NO_SAMPLE_HEADER)
    assert e.value.rule == "missing_column" and e.value.column == "sample"
    assert "constants: {sample: <value>}" in str(e.value)


def test_a_constant_outside_its_columns_value_map_rejects_every_row_never_a_guess(tmp_path):
    mapping = _NO_SAMPLE_MAPPING + "constants: {sample: Themed sample}\n"
    res = _read(tmp_path, [_no_sample_row(1), _no_sample_row(2)], mapping=mapping, header=_NO_SAMPLE_HEADER)
    assert res.accepted.empty
    assert list(res.rejected["rule"]) == ["unmapped_value", "unmapped_value"]
    assert set(res.rejected["column"]) == {"sample"}


def test_a_constant_for_a_column_the_export_maps_is_refused(tmp_path):
    (tmp_path / "mapping.yaml").write_text(MAPPING + "constants: {sample: random}\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_mapping(tmp_path / "mapping.yaml")
    assert (e.value.rule, e.value.column) == ("mapping", "constants.sample")
    assert "'Audit type'" in str(e.value)


@pytest.mark.parametrize("column", ["case_ref", "audit_id"])
def test_an_identifier_cannot_be_a_constant(tmp_path, column):
    (tmp_path / "mapping.yaml").write_text(_NO_SAMPLE_MAPPING.replace(f": {column}\n", ": notes\n")
                                           + f"constants: {{{column}: X1}}\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_mapping(tmp_path / "mapping.yaml")
    assert (e.value.rule, e.value.column) == ("mapping", f"constants.{column}")


def test_a_constant_for_a_column_the_model_lacks_is_a_mapping_error(tmp_path):
    mapping = _NO_SAMPLE_MAPPING + "constants: {sample: Random sample, programme: annual}\n"
    with pytest.raises(InputError) as e:
        _read(tmp_path, [_no_sample_row(1)], mapping=mapping, header=_NO_SAMPLE_HEADER)
    assert (e.value.rule, e.value.column) == ("mapping", "programme")
