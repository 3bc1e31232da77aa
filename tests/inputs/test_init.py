"""``kentaudit init EXPORT``: a mapping and a profile skeleton proposed from a council's own export,
then the export read through them as it comes (issue 22; docs/adopting.md)."""
import csv
import datetime as dt
import sys
from pathlib import Path

import pytest
import yaml

from kentaudit import cli
from kentaudit.inputs.adopt import criterion_id, propose
from kentaudit.inputs.ingest import read_audits
from kentaudit.inputs.profile import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import second_authority as fx

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"


def _fill_areas(units):
    """docs/adopting.md step 3: the analyst gives each unit its area (init leaves it blank)."""
    with open(units, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["area"] = fx.LOCALITIES[r["district"]][0]
    with open(units, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """The second authority's export, ``kentaudit init`` run on it, and the export read through
    what init wrote (nothing edited)."""
    tmp = tmp_path_factory.mktemp("fenmarsh")
    export = fx.write_export(tmp)
    code = cli.main(["init", str(export), "--out", str(tmp / "profile"), "--name", fx.NAME,
                     "--short-name", fx.SHORT_NAME])
    assert code == 0
    _fill_areas(tmp / "profile" / "units.csv")
    prof = load_profile(tmp / "profile" / "profile.yaml")
    res = read_audits(export, key=KEY, profile=prof, mapping=tmp / "profile" / "mapping.yaml",
                      criteria_file=prof.criteria, districts_file=prof.units, cycle="2025-26",
                      as_of=dt.date(2026, 6, 1))
    return tmp, export, prof, res


def test_the_export_is_read_through_what_init_wrote_with_no_row_rejected(adopted):
    _, _, _, res = adopted
    assert res.rejected.empty, res.report()[:2000]
    assert len(res.accepted) == len(fx.rows()) == 240


def test_every_value_is_read_as_its_code(adopted):
    _, _, _, res = adopted
    rows = fx.rows()
    acc = res.accepted.set_index("audit_id")
    answer = {"Yes": "Y", "No": "N", "Partially": "P", "N/A": "NA", None: None}
    grade = {w: g for g, w in enumerate(fx.GRADES, start=1)}
    ids = {q: f"c_{criterion_id(q, [criterion_id(x) for x in fx.QUESTIONS[:k]])}" for k, q in enumerate(fx.QUESTIONS)}
    for r in rows:
        a = acc.loc[str(r["ID"])]
        for q in fx.QUESTIONS:
            got = a[ids[q]]
            assert (None if isinstance(got, float) else got) == answer[r[q]], (r["ID"], q)
        assert int(a["overall_grade"]) == grade[r["Overall grade"]]
        assert a["case_status"] == r["Case type"].lower().replace(" ", "_")
        assert a["audit_date"].strftime("%d/%m/%Y") == r["Date of audit"]
        assert (a["district"], a["team"], a["cycle"]) == (r["Locality"], r["Team"], "2025-26")
        age = r["Age of child"]
        expect = "unborn" if age == "Unborn" else next(
            b.code for b in adopted[2].age_bands if b.low is not None and b.low <= int(age) <= b.high)
        assert a["age_band"] == expect


def test_partial_answers_are_kept_as_their_own_code(adopted):
    _, _, prof, res = adopted
    assert prof.answers.partial == "P" and prof.answers.labels["P"] == "Partially"
    assert (res.accepted["c_up_to_date_chronology"] == "P").sum() > 0


def test_questions_become_criteria_with_their_wording_and_a_generated_id(adopted):
    tmp = adopted[0]
    with open(tmp / "profile" / "criteria.csv", encoding="utf-8") as f:
        crit = list(csv.DictReader(f))
    assert len(crit) == 20
    assert crit[1]["id"] == "up_to_date_chronology"
    assert crit[1]["label"] == "Is there an up-to-date chronology?"


def test_grade_words_become_a_five_point_scale_best_first(adopted):
    _, _, prof, _ = adopted
    from kentaudit.inputs.reference import grade_scales
    gs = grade_scales(prof.grade_scales)
    assert list(gs["label"]) == list(fx.GRADES)
    assert prof.graded_domains == ("voice_of_the_child", "planning", "management_oversight")


def test_the_units_table_lists_every_unit_with_its_area_left_blank_for_the_analyst(tmp_path):
    export = fx.write_export(tmp_path)
    prop = propose(export)
    assert sorted(u["district"] for u in prop.units) == sorted(fx.LOCALITIES)
    assert {u["area"] for u in prop.units} == {""}
    assert any("give each its area (left blank)" in u for u in prop.undecided)


def test_the_profile_names_the_authority_its_unit_word_and_financial_years(adopted):
    _, _, prof, _ = adopted
    assert (prof.name, prof.short_name, prof.words.unit, prof.words.units, prof.cycles) == (
        fx.NAME, fx.SHORT_NAME, "locality", "localities", "financial_year")
    assert not prof.record_source_required


def test_init_prints_what_it_could_not_decide(adopted, capsys):
    tmp, export, _, _ = adopted
    cli.main(["init", str(export), "--out", str(tmp / "again")])
    out = capsys.readouterr().out
    assert "Not decided" in out
    assert "header 'Email': not recognised; listed under ignore:" in out
    assert "profile name and short_name" in out
    mapping = yaml.safe_load((tmp / "again" / "mapping.yaml").read_text(encoding="utf-8"))
    assert {"Start time", "Completion time", "Email", "Name"} <= set(mapping["ignore"])


def test_init_never_overwrites_without_force(adopted, capsys):
    tmp, export, _, _ = adopted
    before = (tmp / "profile" / "mapping.yaml").read_bytes()
    (tmp / "profile" / "mapping.yaml").write_text("# edited by the analyst\n", encoding="utf-8")
    code = cli.main(["init", str(export), "--out", str(tmp / "profile")])
    assert code != 0
    assert "never overwrites" in capsys.readouterr().err
    assert (tmp / "profile" / "mapping.yaml").read_text(encoding="utf-8") == "# edited by the analyst\n"
    assert cli.main(["init", str(export), "--out", str(tmp / "profile"), "--force", "--name", fx.NAME,
                     "--short-name", fx.SHORT_NAME]) == 0
    assert (tmp / "profile" / "mapping.yaml").read_bytes() == before


def _csv(tmp_path, header, rows):
    p = tmp_path / "e.csv"
    p.write_text("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    return p


def test_month_first_dates_are_detected_when_a_second_part_is_over_12(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Date of audit"], [["1", "04/25/2025"], ["2", "05/03/2025"]])
    assert propose(p).mapping["dates"] == "MM/DD/YYYY"


def test_ambiguous_dates_are_proposed_day_first_and_listed_as_undecided(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Date of audit"], [["1", "04/05/2025"], ["2", "05/03/2025"]])
    prop = propose(p)
    assert prop.mapping["dates"] == "DD/MM/YYYY"
    assert any("order is not certain" in u for u in prop.undecided)


def test_grade_words_of_a_bundled_scale_are_matched_to_it(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Overall grade"],
             [["1", "Good"], ["2", "Requires improvement"], ["3", "Inadequate"], ["4", "Outstanding"]])
    prop = propose(p)
    assert prop.mapping["values"]["grades"] == {"Good": "2", "Requires improvement": "3", "Inadequate": "4",
                                                "Outstanding": "1"}
    assert not prop.grade_scales  # the bundled scale is used, no new one written


def test_an_unrecognised_answer_word_is_left_out_of_the_map_and_listed(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Q1. Is there a plan?"], [["1", "Yes"], ["2", "Maybe"]])
    prop = propose(p)
    assert prop.mapping["values"]["answers"] == {"Yes": "Y"}
    assert any("'Maybe'" in u for u in prop.undecided)


def test_a_missing_required_column_is_listed(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Q1. Is there a plan?"], [["1", "Yes"]])
    assert any("required column case_ref" in u for u in propose(p).undecided)


def test_the_parameter_file_init_writes_reads_the_export_through_the_mapping(adopted, monkeypatch):
    from kentaudit.inputs.accounting import read_cycle
    from kentaudit.inputs.params import load_params
    tmp = adopted[0]
    P = load_params(tmp / "profile" / "cycle.yaml")
    assert (P.cycle, P.label, P.samples) == ("2025-26", "2025/26", ("random_sample", "themed_audit"))
    assert P.inputs.mapping == tmp / "profile" / "mapping.yaml" and P.profile.short_name == fx.SHORT_NAME
    monkeypatch.setenv("KENTAUDIT_KEY", KEY)
    read = read_cycle(P)
    assert read.current.rejected.empty, read.current.report()[:2000]
    assert len(read.current.accepted) == 240


def test_each_units_area_is_read_from_an_area_column_of_the_export(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Locality", "Quadrant"],
             [["1", "Northfen", "North"], ["2", "Westmere", "West"], ["3", "Northfen", "North"]])
    prop = propose(p)
    assert {u["district"]: u["area"] for u in prop.units} == {"Northfen": "North", "Westmere": "West"}
    assert prop.profile["words"]["area"] == "quadrant" and "Quadrant" in prop.mapping["ignore"]


def test_a_unit_in_two_areas_is_left_for_the_analyst(tmp_path):
    p = _csv(tmp_path, ["Audit ID", "Locality", "Area"], [["1", "Northfen", "North"], ["2", "Northfen", "East"]])
    prop = propose(p)
    assert prop.units[0]["area"] == ""
    assert any("'Northfen' is in 2 Area values" in u for u in prop.undecided)
