"""An authority's profile: its name, its words and its reference tables (docs/profile.md)."""
from pathlib import Path

import pytest

from kentaudit.core.errors import InputError, ParamsError
from kentaudit.inputs.params import load_params
from kentaudit.inputs.profile import bundled_profile, load_profile

REPO = Path(__file__).resolve().parents[2]

UNITS = """district,district_code,area,children_on_plans
Ashdown Vale,ASV,Weald,40
Brookmere,BRK,Weald,35
Castleford Fen,CSF,Levels,52
Dunmoor,DUN,Levels,28
"""


def _profile(tmp_path, body: str) -> Path:
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    p = tmp_path / "profile.yaml"
    p.write_text(body, encoding="utf-8")
    return p


GOOD = """profile_version: 1
name: Wealdshire County Council
short_name: Wealdshire
words: {unit: locality, area: quadrant}
units: units.csv
"""


def test_the_bundled_profile_gives_kents_words():
    w = bundled_profile().words
    assert (w.rest, w.Unit, w.all_units, w.authority) == ("rest of Kent", "District", "All districts", "Kent")


def test_a_profile_gives_its_own_words_with_plurals_by_default(tmp_path):
    w = load_profile(_profile(tmp_path, GOOD)).words
    assert (w.unit, w.units, w.Unit, w.area, w.areas, w.Rest) == (
        "locality", "localities", "Locality", "quadrant", "quadrants", "Rest of Wealdshire")


def test_a_cycle_naming_a_profile_reads_its_units_table_and_names(tmp_path):
    prof = _profile(tmp_path, GOOD)
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    params = tmp_path / "cycle.yaml"
    params.write_text(f"cycle: '2025'\ntitle: t\nprofile: {prof.name}\ninputs: {{audits: [a.csv]}}\n"
                      "samples: [annual]\nseed: 1\noutput_dir: out\n", encoding="utf-8")
    P = load_params(params)
    assert P.inputs.districts == tmp_path / "units.csv"
    assert P.districts == ("Ashdown Vale", "Brookmere", "Castleford Fen", "Dunmoor")
    assert (P.publication.producer, P.publication.authority) == ("Wealdshire County Council", "Wealdshire")
    assert P.words.unit == "locality"


def test_an_unknown_key_is_named_with_the_file_and_rule(tmp_path):
    prof = _profile(tmp_path, GOOD + "colour: blue\n")
    with pytest.raises(InputError) as e:
        load_profile(prof)
    assert (e.value.column, e.value.rule, Path(e.value.file)) == ("colour", "profile", prof)


def test_a_missing_units_table_is_refused_in_the_parameter_file(tmp_path):
    prof = _profile(tmp_path, GOOD.replace("units.csv", "nowhere.csv"))
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    params = tmp_path / "cycle.yaml"
    params.write_text(f"cycle: '2025'\ntitle: t\nprofile: {prof.name}\ninputs: {{audits: [a.csv]}}\n"
                      "samples: [annual]\nseed: 1\noutput_dir: out\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="nowhere.csv"):
        load_params(params)


def test_a_broken_profile_is_reported_as_a_problem_of_the_parameter_file(tmp_path):
    prof = _profile(tmp_path, GOOD.replace("profile_version: 1", "profile_version: 7"))
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    params = tmp_path / "cycle.yaml"
    params.write_text(f"cycle: '2025'\ntitle: t\nprofile: {prof.name}\ninputs: {{audits: [a.csv]}}\n"
                      "samples: [annual]\nseed: 1\noutput_dir: out\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="profile_version"):
        load_params(params)


# ---------------------------------------------------------------- the rest of the profile

def test_kents_profile_gives_the_closed_sets_of_the_bundled_data_model():
    from kentaudit.inputs import schema
    p = bundled_profile()
    assert p.sample_names == schema.SAMPLES
    assert tuple(p.case_types) == schema.CASE_STATUSES
    assert tuple(p.plan_categories) == schema.CP_CATEGORIES
    assert tuple(b.code for b in p.age_bands) == schema.AGE_BANDS
    assert tuple(p.record_sources) == schema.RECORD_SOURCES
    assert p.graded_domains == schema.DOMAINS and p.answers.codes == schema.ANSWER_CODES
    assert [c.name for c in schema.columns(None, p)] == [c.name for c in schema.columns()]
    assert [c.allowed for c in schema.columns(None, p) if c.name != "district"] == [
        c.allowed for c in schema.columns() if c.name != "district"]


def test_kents_samples_name_their_records_so_record_source_is_required():
    from kentaudit.inputs import schema
    p = bundled_profile()
    assert p.random_samples == ("extended", "annual") and p.record_source_required
    assert "record_source" in schema.required_columns(None, p)


def test_record_source_is_optional_where_no_sample_design_names_records(tmp_path):
    from kentaudit.inputs import schema
    p = load_profile(_profile(tmp_path, GOOD + "samples: {annual: {design: random}}\n"))
    assert not p.record_source_required
    assert "record_source" not in schema.required_columns(None, p)


@pytest.mark.parametrize(("rule", "expected"), [("no", ["Y", "N", "N", "NA"]), ("yes", ["Y", "N", "Y", "NA"]),
                                                ("excluded", ["Y", "N", "P", "NA"])])
def test_a_partial_answer_counts_as_its_stated_rule(tmp_path, rule, expected):
    import pandas as pd

    from kentaudit.inputs.profile import compliance_answers
    p = load_profile(_profile(tmp_path, GOOD + f"answers: {{partial: {{code: P, label: Partially, counts_as: {rule}}}}}\n"))
    frame = pd.DataFrame({"c_x": pd.Categorical(["Y", "N", "P", "NA"], categories=["N", "NA", "P", "Y"])})
    assert list(compliance_answers(frame, p.answers)["c_x"]) == expected


def test_a_partial_answer_needs_a_stated_rule(tmp_path):
    with pytest.raises(InputError) as e:
        load_profile(_profile(tmp_path, GOOD + "answers: {partial: {code: P, label: Partially}}\n"))
    assert e.value.column == "answers.partial"


def test_a_three_point_scale_and_its_own_graded_domain_work_through_ingest(tmp_path):
    import datetime as dt

    from kentaudit.inputs.ingest import read_audits
    (tmp_path / "crit.csv").write_text("id,label,domain,kind,applies_when\nplan,Is there a plan?,impact,"
                                       "compliance,all\n", encoding="utf-8")
    (tmp_path / "scales.csv").write_text("scale,first_cycle,last_cycle,grade,label\nthree,2020,,1,Good\n"
                                         "three,2020,,2,Fair\nthree,2020,,3,Poor\n", encoding="utf-8")
    p = load_profile(_profile(tmp_path, GOOD + "criteria: crit.csv\ngrade_scales: scales.csv\n"
                                        "samples: {annual: {design: random}}\n"))
    assert p.graded_domains == ("impact",)
    head = ("audit_id,case_ref,cycle,sample,district,team,case_status,age_band,auditor,audit_date,"
            "overall_grade,grade_impact,c_plan\n")
    rows = ["1,R1,2025,annual,Brookmere,T,cin,5-9,A,2025-03-01,3,2,Y",
            "2,R2,2025,annual,Brookmere,T,cin,5-9,A,2025-03-01,4,2,Y"]
    (tmp_path / "e.csv").write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    res = read_audits(tmp_path / "e.csv", key="3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a",
                      profile=p, criteria_file=p.criteria, districts_file=p.units, as_of=dt.date(2026, 1, 1))
    assert list(res.accepted["grade_impact"]) == [2]  # read, not dropped
    assert list(res.rejected["rule"]) == ["grade_range"]  # 4 is outside a three-point scale


def test_a_catalogue_domain_the_profile_does_not_list_is_refused(tmp_path):
    (tmp_path / "crit.csv").write_text("id,label,domain,kind,applies_when\nplan,Is there a plan?,impact,"
                                       "compliance,all\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_profile(_profile(tmp_path, GOOD + "criteria: crit.csv\ndomains: [voice]\n"))
    assert e.value.rule == "profile" and "impact" in str(e.value)


def test_a_cycle_label_with_a_slash_gives_a_safe_folder_id():
    from kentaudit.inputs.profile import cycle_id
    assert cycle_id("2025/26", "financial_year") == "2025-26"
    with pytest.raises(ValueError):
        cycle_id("2025/27", "financial_year")


def test_a_parameter_file_with_a_financial_year_label_keeps_the_label_and_names_folders_by_id(tmp_path):
    prof = _profile(tmp_path, GOOD + "cycles: financial_year\nsamples: {annual: {design: random}}\n")
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    params = tmp_path / "cycle.yaml"
    params.write_text(f"cycle: '2025/26'\ntitle: t\nprofile: {prof.name}\ninputs: {{audits: [a.csv]}}\n"
                      "samples: [annual]\nseed: 1\noutput_dir: out\n", encoding="utf-8")
    P = load_params(params)
    assert (P.cycle, P.label, P.cycle_dir.name) == ("2025-26", "2025/26", "2025-26")


def test_a_sample_the_profile_does_not_have_is_refused_in_the_parameter_file(tmp_path):
    prof = _profile(tmp_path, GOOD + "samples: {random: {design: random}}\n")
    (tmp_path / "a.csv").write_text("x\n", encoding="utf-8")
    params = tmp_path / "cycle.yaml"
    params.write_text(f"cycle: '2025'\ntitle: t\nprofile: {prof.name}\ninputs: {{audits: [a.csv]}}\n"
                      "samples: [annual]\nseed: 1\noutput_dir: out\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="unknown sample 'annual'"):
        load_params(params)


def test_docs_profile_names_every_profile_key_and_mapping_key():
    from kentaudit.inputs.mapping import MAPPING_KEYS
    from kentaudit.inputs.profile import PROFILE_KEYS
    doc = (REPO / "docs" / "profile.md").read_text(encoding="utf-8")
    missing = [k for k in (*PROFILE_KEYS, *MAPPING_KEYS) if f"`{k}" not in doc]
    assert missing == []


def test_kents_profile_gives_the_main_and_random_samples_the_analysis_uses():
    from kentaudit.inputs.params import MAIN_SAMPLES, RANDOM_SAMPLES
    p = bundled_profile()
    assert (p.main_samples, p.random_samples) == (MAIN_SAMPLES, RANDOM_SAMPLES)


def test_a_sample_repeating_an_unknown_sample_is_refused(tmp_path):
    with pytest.raises(InputError) as e:
        load_profile(_profile(tmp_path, GOOD + "samples: {again: {design: purposive, repeats: first}}\n"))
    assert e.value.column == "samples.again.repeats"


def test_kents_profile_declares_its_extended_sample_drawn_to_extend_the_initial_one():
    assert bundled_profile().extension == ("initial", "extended")
    assert bundled_profile().no_extension_reason() is None


def test_a_random_sample_beside_one_chosen_on_purpose_is_no_extension_unless_declared(tmp_path):
    p = load_profile(_profile(tmp_path, GOOD + "samples: {monthly: {design: random}, themed: {design: purposive}}\n"))
    assert p.extension is None
    assert p.no_extension_reason() == f"no sample of {p.short_name} extends another (profile: samples.monthly.extends)"


#: a random sample extending a re-audit (not a main sample)
REPEAT_EXTENDED = ("{monthly: {design: random}, themed: {design: purposive}, again: {design: purposive, "
                   "repeats: themed}, more: {design: random, extends: again}}")


@pytest.mark.parametrize("samples, why", [
    ("{monthly: {design: random, extends: themes}, themed: {design: purposive}}", "another main sample"),
    ("{monthly: {design: random, extends: monthly}, themed: {design: purposive}}", "another main sample"),
    (REPEAT_EXTENDED, "another main sample"),
    ("{monthly: {design: purposive, extends: themed}, themed: {design: purposive}}", "drawn at random"),
])
def test_extends_must_name_another_main_sample_and_belong_to_a_random_one(tmp_path, samples, why):
    with pytest.raises(InputError) as e:
        load_profile(_profile(tmp_path, GOOD + f"samples: {samples}\n"))
    assert e.value.column.endswith(".extends") and why in str(e.value), str(e.value)
