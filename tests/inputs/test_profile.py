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
