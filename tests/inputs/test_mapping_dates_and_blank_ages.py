"""Dates as a survey tool or a person writes them ("7 Mar 2026", a spreadsheet's serial number pasted
into a CSV), declared in the mapping, and blank ages kept as "not recorded" (issue 22; the Aldmere
walk: every one of 232 audits was rejected for its date, and 4 more for a blank age)."""

import pytest

from kentaudit.core.errors import InputError
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.profile import load_profile
from kentaudit.inputs.schema import AGE_NOT_RECORDED, columns
from tests.inputs.test_mapping import MAPPING, PROFILE, _read, _row


def _dates(fmt: str) -> str:
    return MAPPING.replace("dates: DD/MM/YYYY", f"dates: {fmt}")


@pytest.mark.parametrize("written, iso", [("7 Mar 2026", "2026-03-07"), ("07 March 2026", "2026-03-07"),
                                          ("7 Sept 2025", "2025-09-07"), ("31-Dec-2025", "2025-12-31"),
                                          ("1 may 2025", "2025-05-01"), ("2025-06-02", "2025-06-02")])
def test_a_date_with_the_month_in_words_is_read_when_declared(tmp_path, written, iso):
    res = _read(tmp_path, [_row(1, date=written)], mapping=_dates("D MMM YYYY"))
    assert res.rejected.empty, res.report()
    assert str(res.accepted["audit_date"].iloc[0].date()) == iso


@pytest.mark.parametrize("written", ["7 Foo 2025", "31 Feb 2026", "7 Mar 26", "03/05/2025"])
def test_a_date_not_in_the_declared_words_is_rejected_naming_the_format(tmp_path, written):
    res = _read(tmp_path, [_row(1, date=written)], mapping=_dates("D MMM YYYY"))
    assert res.accepted.empty and list(res.rejected["rule"]) == ["date_format"]
    if written != "31 Feb 2026":
        assert "D MMM YYYY" in res.rejected["message"].iloc[0]


def test_a_spreadsheet_serial_number_is_a_date_only_where_the_mapping_declares_it(tmp_path):
    # 45780 days after 1899-12-30 is 2025-05-03 (Excel, LibreOffice: =DATE(2025,5,3) shows 45780)
    res = _read(tmp_path, [_row(1, date="45780"), _row(2, date="3 May 2025")],
                mapping=_dates("[D MMM YYYY, EXCEL SERIAL]"))
    assert res.rejected.empty, res.report()
    assert [str(d.date()) for d in res.accepted["audit_date"]] == ["2025-05-03", "2025-05-03"]
    (tmp_path / "x").mkdir()
    plain = _read(tmp_path / "x", [_row(1, date="45780")],
                  mapping=_dates("D MMM YYYY"))
    assert plain.accepted.empty and list(plain.rejected["rule"]) == ["date_format"]


@pytest.mark.parametrize("dates, says", [("[DD/MM/YYYY, MM/DD/YYYY]", "cannot both be read"),
                                         ("[D MMM YYYY, D MMM YYYY]", "each format once"),
                                         ("D MMMM YY", "unknown date format")])
def test_a_date_declaration_that_could_misread_is_refused(tmp_path, dates, says):
    p = tmp_path / "m.yaml"
    p.write_text(_dates(dates), encoding="utf-8")
    with pytest.raises(InputError, match=says):
        load_mapping(p)


def test_a_blank_age_keeps_the_audit_with_its_age_not_recorded(tmp_path):
    res = _read(tmp_path, [_row(1, age=""), _row(2, age=" "), _row(3, age="7")])
    assert res.rejected.empty, res.report()
    assert list(res.accepted["age_band"].astype(str)) == [AGE_NOT_RECORDED, AGE_NOT_RECORDED, "0-9"]
    assert list(res.accepted["c_chronology"]) == ["Y", "Y", "Y"]  # its answers count


def test_a_blank_age_is_not_recorded_without_a_profile_too():
    age = next(c for c in columns() if c.name == "age_band")
    assert age.blank_as == AGE_NOT_RECORDED and AGE_NOT_RECORDED in age.allowed


def test_a_blank_in_another_required_column_still_rejects_its_audit(tmp_path):
    row = _row(1).replace(",A1,", ",,")  # no auditor
    res = _read(tmp_path, [row])
    assert list(res.rejected["rule"]) == ["required_value"]


def test_a_profile_cannot_give_a_band_the_code_of_a_blank_age(tmp_path):
    _read(tmp_path, [_row(1)])  # writes the profile's tables
    (tmp_path / "profile.yaml").unlink()
    (tmp_path / "other.yaml").write_text(PROFILE.replace("code: unborn", "code: not_recorded"), encoding="utf-8")
    with pytest.raises(InputError, match="not_recorded is the age band of a blank age"):
        load_profile(tmp_path / "other.yaml")


def test_an_undeclared_date_format_says_to_declare_it_in_the_mapping_never_to_edit_the_export(tmp_path):
    res = _read(tmp_path, [_row(1, date="7 Mar 2026")], mapping=MAPPING.replace("dates: DD/MM/YYYY\n", ""))
    assert list(res.rejected["rule"]) == ["date_format"]
    assert "declare the export's date format under dates: in the mapping" in res.rejected["message"].iloc[0]
    assert "D MMM YYYY" in res.rejected["message"].iloc[0]


def test_a_column_wrong_in_many_distinct_values_is_five_lines_and_a_count_not_one_line_a_value(tmp_path):
    days = [f"{d} Mar 2026" for d in range(1, 21)]
    res = _read(tmp_path, [_row(i, date=day) for i, day in enumerate(days, start=1)],
                mapping=MAPPING.replace("dates: DD/MM/YYYY\n", ""))
    lines = [x for x in res.report().splitlines() if "date_format" in x and x.startswith("  ")]
    assert len(lines) == 6
    assert lines[-1].strip().endswith(
        "export.csv, column 'audit_date': and 15 more value(s) in 15 row(s) with the same problem "
        "[rule: date_format] (every row: kentaudit validate --report DIR, rejected.csv)")


def test_a_refused_run_of_a_mapped_export_says_to_map_what_it_writes_never_to_edit_it(tmp_path, monkeypatch):
    from kentaudit.core.errors import RejectedRowsError
    from kentaudit.inputs.accounting import check_rejections, read_cycle
    from kentaudit.inputs.params import load_params
    from tests.inputs.test_mapping import _setup

    _setup(tmp_path, [_row(1, date="7 Mar 2026"), _row(2)], mapping=MAPPING.replace("dates: DD/MM/YYYY\n", ""))
    (tmp_path / "cycle.yaml").write_text(
        'cycle: "2025/26"\ntitle: Fenmarsh case file audit\nprofile: profile.yaml\n'
        "inputs: {audits: [export.csv], mapping: mapping.yaml}\nsamples: [random]\nseed: 1\noutput_dir: out\n",
        encoding="utf-8")
    monkeypatch.setenv("KENTAUDIT_KEY", "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a")
    P = load_params(tmp_path / "cycle.yaml")
    with pytest.raises(RejectedRowsError) as e:
        check_rejections(P, read_cycle(P))
    said = str(e.value)
    assert f"Map what the exports write in {tmp_path / 'mapping.yaml'} (columns:, values:, dates:" in said
    assert "Correct the exports" not in said
