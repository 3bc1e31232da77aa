"""District comparisons read the samples comparable between districts (issue 13, item 4).

In 2009 the initial sample was chosen as high-risk cases in each district and read from
the electronic record, the extended sample drawn at random from each district's frame
and read from the comprehensive file. Pooling them makes a district with more initial
cases look worse for reasons that are not practice, so by default (``district_samples:
random``) funnels, district tests, profiles, the case-mix model and shrunken estimates
read the random samples only, and every such table says which samples it read.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from kentaudit.analysis import district_profile, districts, load_cycle
from kentaudit.publication.appendix import district_samples_note
from kentaudit.core.errors import ParamsError
from kentaudit.inputs.params import load_params

from conftest import make_scratch_repo


def _params(tmp_path, **changes):
    p = make_scratch_repo(tmp_path, "2009")
    doc = yaml.safe_load(p.read_text())
    doc.update(changes)
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


@pytest.fixture(scope="module")
def cd_random(tmp_path_factory):
    return load_cycle(_params(tmp_path_factory.mktemp("random")))


@pytest.fixture(scope="module")
def cd_main(tmp_path_factory):
    return load_cycle(_params(tmp_path_factory.mktemp("main"), district_samples="main"))


@pytest.fixture(scope="module")
def districts_random(districts_2009):
    """The districts section of the default cycle, computed once per session
    (``tests/conftest.py``; ``cd_random`` is the same cycle, in a scratch copy)."""
    return districts_2009


def test_default_2009_district_comparisons_read_the_extended_sample_only(cd_random):
    assert cd_random.params.district_samples == "random"
    assert cd_random.district_samples == ["extended"]
    assert set(cd_random.comparable["sample"]) == {"extended"}
    assert len(cd_random.comparable) == (cd_random.audits["sample"] == "extended").sum()


@pytest.mark.parametrize("which", ["cd_random", "cd_main"])
def test_comparable_is_the_main_samples_audits_of_the_compared_samples(which, request):
    # selected from the audits in one step (no intermediate copy of main), it is exactly the
    # rows of main in the compared samples, with main's columns, dtypes and row labels
    cd = request.getfixturevalue(which)
    m = cd.main
    pd.testing.assert_frame_equal(cd.comparable, m[m["sample"].isin(cd.district_samples)])


def test_funnel_counts_are_the_extended_sample_counts_by_district(cd_random, districts_random):
    a = cd_random.audits
    ext = a[(a["sample"] == "extended") & a["c_seen"].isin(["Y", "N"])]
    want = ext.groupby("district")["c_seen"].agg(n_yes=lambda s: int((s == "Y").sum()), n_denominator="size")
    ft = districts_random.tables["funnel"]
    got = ft[ft["criterion"] == "seen"].set_index("district")[["n_yes", "n_denominator"]].astype(int)
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_names=False,
                                  check_dtype=False)
    assert set(ft["samples"]) == {"extended"}


def test_every_district_table_names_the_samples_it_read(cd_random, districts_random):
    sec = districts_random
    for name, t in sec.tables.items():
        assert "samples" in t.columns, name
        assert set(t["samples"]) == {"extended"}, name
    prof = district_profile(cd_random, "Thanet")
    assert all(set(t["samples"]) == {"extended"} for t in prof.tables.values())


def test_pooled_main_samples_on_request_with_sample_in_the_case_mix(cd_main):
    assert cd_main.district_samples == ["initial", "extended"]
    sec = districts(cd_main)
    assert set(sec.tables["funnel"]["samples"]) == {"initial + extended"}
    lr = sec.tables["casemix_lr"]
    assert lr["covariates"].dropna().str.contains("sample").all()
    n_main = int(sec.tables["compliance_by_district"].query("area == 'Kent' and criterion == 'seen'")
                 ["n_denominator"].iloc[0])
    a = cd_main.audits
    assert n_main == int((a["sample"].isin(["initial", "extended"]) & a["c_seen"].isin(["Y", "N"])).sum())


def test_an_explicit_list_must_name_main_samples_of_the_cycle(tmp_path):
    with pytest.raises(ParamsError, match="district_samples"):
        load_params(_params(tmp_path / "a", district_samples=["reaudit"]))
    with pytest.raises(ParamsError, match="district_samples"):
        load_params(_params(tmp_path / "b", district_samples="pooled"))
    assert load_params(_params(tmp_path / "c", district_samples=["initial"])).district_samples == ("initial",)


def test_note_says_the_initial_cases_are_left_out_and_why():
    txt = district_samples_note(["extended"], ["initial", "extended"])
    assert "additional random sample only" in txt and "the high-risk initial cases were chosen differently" in txt
    assert "pool" in district_samples_note(["initial", "extended"], ["initial", "extended"])
    assert district_samples_note(["annual"], ["annual"]).startswith("District and area comparisons use "
                                                                    "the annual sample")


def test_published_appendix_states_the_samples_and_the_attack_knows_them(cycle_2009):
    pub = cycle_2009["cycle_dir"] / "publish"
    meta = json.loads((pub / "csv" / "metadata.json").read_text())
    assert meta["universe"]["district_samples"] == {"2009": ["extended"]}
    t7 = next(t for t in meta["tables"] if t["id"] == "T7")
    assert t7["defines"]["fixed"]["sample"] == "@districts"
    html = (pub / "appendix.html").read_text()
    assert "District and area comparisons use the additional random sample only" in html
    assert "District comparisons and the sample design" in html
