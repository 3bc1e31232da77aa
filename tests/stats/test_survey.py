"""Tests of kentaudit.stats.survey against R's survey package.

Reference: tests/r/reference_core.R section 5 (R 4.2, survey 4.1):
svydesign(ids = ~1, strata = ~district, fpc = ~N), subset to the applicable
answers, svymean(deff = TRUE), svyciprop(method = ...). The input rows are
tests/r/reference_core_input_stratified.csv, read by R and Python alike.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats.proportions import criterion_counts
from kentaudit.stats.survey import stratified_proportion

R = Path(__file__).parents[1] / "r"
DATA = pd.read_csv(R / "reference_core_input_stratified.csv", keep_default_na=False, dtype=str)
DATA = DATA.replace({"": pd.NA}).astype({"N": int})
REF = pd.read_csv(R / "reference_core_survey.csv").rename(columns={  # R names -> the vocabulary
    "ci_lower": "conf_low", "ci_upper": "conf_high", "proportion": "estimate", "n_applicable": "n_denominator"})

# Tolerances: closed-form methods agree to rel 1e-6. svyciprop "likelihood"
# interpolates a spline through a profile evaluated on a coarse grid (at most
# ten steps each side), while kentaudit solves for the exact root, so the two
# differ by up to ~8e-4 relative in the 10-file domain and ~1e-5 otherwise.
TOL = {"likelihood": 1e-3}


def _design(design):
    if design == "stratified":
        return DATA, "district"
    return DATA[DATA.district == "Thanet"].assign(one="all"), "one"


def _cases():
    return [tuple(k) for k in REF[["design", "criterion", "conf_level", "method"]].drop_duplicates().values]


@pytest.mark.parametrize("design,criterion,conf_level,method", _cases())
def test_matches_r_survey(design, criterion, conf_level, method):
    r = REF[(REF.design == design) & (REF.criterion == criterion) & (REF.conf_level == conf_level)
            & (REF.method == method)].iloc[0]
    data, strata = _design(design)
    o = stratified_proportion(data, strata=strata, population="N", criteria=[criterion],
                              method=method, conf_level=conf_level).iloc[0]
    assert o.estimate == pytest.approx(r.estimate, rel=1e-6)
    assert o.se == pytest.approx(r.se, rel=1e-6)
    assert o.deff == pytest.approx(r.deff, rel=1e-6)
    assert o.df == r.df and o.n_denominator == r.n_denominator
    if method == "asin" and r.conf_low > o.conf_low + 1e-12:
        # R's asin interval wraps round when asin(sqrt(p)) - t se < 0 (here the
        # 1-in-11 Thanet domain); kentaudit clips the angle at 0 instead.
        assert o.conf_low == 0.0
    else:
        assert o.conf_low == pytest.approx(r.conf_low, rel=TOL.get(method, 1e-6))
    assert o.conf_high == pytest.approx(r.conf_high, rel=TOL.get(method, 1e-6))


def test_counts_frame_gives_the_same_answer_as_audits():
    counts = criterion_counts(DATA, by=["district", "N"])
    a = stratified_proportion(DATA, population="N", criteria=["c_b"])
    b = stratified_proportion(counts, population="N", criteria=["c_b"])
    pd.testing.assert_frame_equal(a, b)


def test_default_population_is_the_district_frame():
    o = stratified_proportion(DATA.drop(columns="N"), criteria=["c_a"]).iloc[0]
    assert o.population == 1360.0


def test_rows_carry_method_and_conf_level():
    o = stratified_proportion(DATA, population="N", method="beta", conf_level=0.9)
    assert set(o.method) == {"beta"} and set(o.conf_level) == {0.9} and len(o) == 3


def test_stratum_with_one_sampled_file_is_estimated_and_named_in_the_note():
    one = DATA[~((DATA.district == "Dover") & (DATA.index != DATA[DATA.district == "Dover"].index[0]))]
    res = stratified_proportion(one, population="N", criteria=["c_a"])
    assert np.isfinite(res["se"]).all() and "Dover" in res["note"].iloc[0]


def test_missing_stratum_size_is_refused():
    with pytest.raises(InputError, match="Thanet"):
        stratified_proportion(DATA, population={"Dover": 121}, criteria=["c_a"])


def test_all_yes_gives_point_estimate_and_says_why_no_interval():
    d = DATA.assign(c_a="Y")
    o = stratified_proportion(d, population="N", criteria=["c_a"], method="logit").iloc[0]
    assert o.estimate == 1.0 and np.isnan(o.conf_low) and "variance is zero" in o.note


def test_unknown_method_is_refused():
    with pytest.raises(MethodError):
        stratified_proportion(DATA, population="N", method="wald")


def test_full_census_has_no_sampling_error():
    d = DATA.copy()
    d["N"] = d.groupby("district")["district"].transform("size")
    o = stratified_proportion(d, population="N", criteria=["c_a"], method="mean").iloc[0]
    assert o.se == 0.0 and o.conf_low == o.conf_high == o.estimate


# ----------------------------------------------------------------------------- the authority-wide design
# tests/r/reference_edge.R section 4: svydesign(ids = ~1, strata = ~stratum, fpc = ~N) with the
# initial cases a certainty stratum (N = n) and the extended sample random from the rest
DESIGN_IN = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_edge_design_input.csv",
                        dtype=str, keep_default_na=False).replace({"": pd.NA})
DESIGN_R = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_edge_design.csv")


def _frame():
    d = DESIGN_IN.assign(N=DESIGN_IN["N"].astype(float)).drop_duplicates("stratum")
    return d.groupby("district")["N"].sum().to_dict()


def test_authority_estimate_covers_the_whole_frame_and_matches_r_svyciprop():
    from kentaudit.stats.survey import authority_proportion
    got = authority_proportion(DESIGN_IN, _frame(), method="logit").set_index("criterion")
    assert sum(_frame().values()) == 1360
    for _, r in DESIGN_R.iterrows():
        g = got.loc[r["criterion"].removeprefix("c_")]
        assert g["population"] == r["population"] == 1360
        for col, r_col in (("estimate", "proportion"), ("se", "se"), ("conf_low", "ci_lower"),
                           ("conf_high", "ci_upper")):  # kentaudit's names, the R script's names
            assert g[col] == pytest.approx(r[r_col], rel=1e-6), (r["criterion"], col)
        assert g["df"] == r["df"]


def test_initial_cases_are_a_certainty_stratum_without_sampling_variance():
    from kentaudit.stats.survey import authority_strata
    sel, sizes = authority_strata(DESIGN_IN, _frame())
    n = sel.groupby("stratum").size()
    for stratum, size in sizes.items():
        if stratum.endswith(": initial"):
            assert size == n[stratum]          # taken in full: N_h = n_h, FPC 0
        else:
            assert size > n[stratum]           # random part of the district's frame


LONELY = pd.read_csv(R / "reference_lonely.csv")


@pytest.mark.parametrize("case, method", [(c, m) for c in ("one", "two") for m in ("logit", "mean")])
def test_a_stratum_with_one_sampled_file_matches_r_survey_adjust(case, method):
    """R: options(survey.lonely.psu = "adjust") (tests/r/reference_lonely.R)."""
    lonely = LONELY.loc[LONELY["case"] == case, "lonely"].iloc[0].split(";")
    data = DATA[~DATA["district"].isin(lonely) | ~DATA["district"].duplicated()]
    res = stratified_proportion(data, "district", population="N", criteria=["c_a", "c_b", "c_c"],
                                method=method).set_index("criterion")
    for _, ref in LONELY[(LONELY["case"] == case) & (LONELY["method"] == method)].iterrows():
        got = res.loc[ref["criterion"].removeprefix("c_")]
        assert got["estimate"] == pytest.approx(ref["proportion"], rel=1e-9)
        assert got["se"] == pytest.approx(ref["se"], rel=1e-9)
        assert got["df"] == ref["df"]
        assert got["conf_low"] == pytest.approx(ref["ci_lower"], rel=1e-6)
        assert got["conf_high"] == pytest.approx(ref["ci_upper"], rel=1e-6)
        assert all(name in got["note"] for name in lonely) and "lonely.psu" in got["note"]


def test_the_stratum_of_each_audit_is_a_category_spelled_district_colon_sample():
    # one byte a row, not a string a row (issue 26: a million rows in 700 MiB)
    from kentaudit.stats.survey import authority_strata
    sel, sizes = authority_strata(DESIGN_IN, _frame())
    assert isinstance(sel["stratum"].dtype, pd.CategoricalDtype)
    assert list(sel["stratum"].cat.categories) == sorted(sizes)
    assert sel["stratum"].astype(str).tolist() == (sel["district"] + ": " + sel["sample"]).tolist()


def test_the_authority_estimate_is_the_same_with_the_stratum_written_out_in_every_row():
    from kentaudit.stats.survey import authority_proportion, authority_strata
    sel, sizes = authority_strata(DESIGN_IN, _frame())
    written = sel.assign(stratum=sel["stratum"].astype(object))
    for method in ("logit", "mean"):
        got = authority_proportion(DESIGN_IN, _frame(), method=method).drop(columns="design")
        ref = stratified_proportion(written, strata="stratum", population=sizes,
                                    method=method).drop(columns="design")
        pd.testing.assert_frame_equal(got, ref, check_exact=True)


def test_the_design_reads_the_audits_as_the_analyses_hold_them_categorical():
    from kentaudit.stats.survey import authority_proportion
    coded = DESIGN_IN.astype({c: "category" for c in DESIGN_IN.columns if c != "N"})
    got = authority_proportion(coded, _frame(), method="logit")
    ref = authority_proportion(DESIGN_IN, _frame(), method="logit")
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
