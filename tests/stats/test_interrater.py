"""Gwet's AC1/AC2 and Krippendorff's alpha (kentaudit.stats.interrater) against R.

References: tests/r/reference_interrater.R, R package irrCAC 1.4 (gwet.ac1.raw and
krippen.alpha.raw, unrounded) and an independent coincidence-matrix implementation of
Krippendorff's alpha; Krippendorff K (2011), Computing Krippendorff's alpha-reliability,
worked example of 4 coders x 12 units: nominal 0.743, ordinal 0.815, interval 0.849.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats.interrater import (agreement_coefficients, auditor_grade_distribution, gwet_ac,
                                         krippendorff_alpha, rating_counts)

R_DIR = Path(__file__).parents[1] / "r"
INPUT = pd.read_csv(R_DIR / "reference_interrater_input.csv")
REF = pd.read_csv(R_DIR / "reference_interrater.csv")
SETS = sorted(INPUT["set"].unique())


def _counts(name):
    d = INPUT[INPUT["set"] == name]
    wide = d.pivot(index="unit", columns="rater", values="rating")
    q = int(d["q"].iloc[0])
    return rating_counts(wide.astype(object).where(wide.notna(), None).map(
        lambda v: None if v is None else int(v)), categories=range(1, q + 1))


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic", "ordinal"])
def test_gwet_ac_estimate_and_se_match_irrcac(name, weights):
    ref = REF[(REF["set"] == name) & (REF["statistic"] == "gwet_ac")
              & (REF["weights"] == weights)].iloc[0]
    r = gwet_ac(_counts(name), weights=weights).iloc[0]
    assert r["estimate"] == pytest.approx(ref["estimate"], abs=1e-9)
    assert r["se"] == pytest.approx(ref["se"], abs=1e-9)
    assert r["p_agreement"] == pytest.approx(ref["p_agreement"], abs=1e-9)
    assert r["p_chance"] == pytest.approx(ref["p_chance"], abs=1e-9)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_krippendorff_alpha_matches_irrcac_and_the_coincidence_matrix(name, level):
    ref = REF[(REF["set"] == name) & (REF["statistic"] == "krippendorff_alpha")
              & (REF["weights"] == level)].iloc[0]
    r = krippendorff_alpha(_counts(name), level=level).iloc[0]
    assert r["estimate"] == pytest.approx(ref["coincidence_estimate"], abs=1e-9)
    assert r["estimate"] == pytest.approx(ref["estimate"], abs=1e-9)
    assert r["se"] == pytest.approx(ref["se"], abs=1e-9)


@pytest.mark.parametrize("level,published", [("nominal", 0.743), ("ordinal", 0.815),
                                             ("interval", 0.849)])
def test_krippendorff_2011_worked_example(level, published):
    r = krippendorff_alpha(_counts("krippendorff_2011"), level=level).iloc[0]
    assert round(r["estimate"], 3) == published


def test_ac1_stays_high_where_kappa_collapses_on_a_skewed_scale():
    # 95 of 100 pairs agree on grade 2; kappa is pulled down by the prevalence, AC1 is not
    first = [2] * 95 + [1, 3, 2, 2, 3]
    second = [2] * 95 + [2, 2, 1, 3, 3]
    t = agreement_coefficients(first, second).set_index(["statistic", "weights"])
    assert t.loc[("Gwet's AC1", "unweighted"), "estimate"] > 0.9
    assert t.loc[("Cohen's kappa", "unweighted"), "estimate"] < 0.5


def test_agreement_coefficients_lists_every_coefficient_with_intervals():
    rng = np.random.default_rng(3)
    a = rng.integers(1, 5, 80)
    b = np.clip(a + rng.integers(-1, 2, 80), 1, 4)
    t = agreement_coefficients(a, b)
    stats_ = list(zip(t["statistic"], t["weights"]))
    assert stats_[:6] == [("Gwet's AC1", "unweighted"), ("Gwet's AC2", "linear"),
                          ("Gwet's AC2", "quadratic"), ("Krippendorff's alpha", "nominal"),
                          ("Krippendorff's alpha", "ordinal"), ("Krippendorff's alpha", "interval")]
    assert ("Cohen's kappa", "linear") in stats_
    assert (t["conf_low"] <= t["estimate"]).all() and (t["estimate"] <= t["conf_high"]).all()


def test_perfect_agreement_gives_one():
    c = rating_counts(pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [1, 2, 3, 4, 2]}))
    assert gwet_ac(c).iloc[0]["estimate"] == pytest.approx(1.0)
    assert krippendorff_alpha(c, "ordinal").iloc[0]["estimate"] == pytest.approx(1.0)


def test_counts_collapse_identical_units():
    c = rating_counts(pd.DataFrame({"a": [2, 2, 2, 3], "b": [2, 2, 2, None]}))
    assert c["n_units"].sum() == 4 and len(c) == 2


def test_a_grade_off_the_scale_is_named():
    with pytest.raises(InputError, match="5"):
        rating_counts(pd.DataFrame({"a": [1, 5], "b": [1, 2]}))


def test_unknown_weights_and_levels_are_refused():
    c = rating_counts(pd.DataFrame({"a": [1, 2], "b": [1, 2]}))
    with pytest.raises(MethodError):
        gwet_ac(c, weights="cubic")
    with pytest.raises(MethodError):
        krippendorff_alpha(c, level="ratio")


def test_no_paired_unit_is_an_error_not_a_number():
    c = rating_counts(pd.DataFrame({"a": [1, 2], "b": [None, None]}))
    with pytest.raises(InputError, match="two or more ratings"):
        gwet_ac(c)


# --- every rating the same grade, one unit -------------------------------------------
# tests/r/reference_degenerate.R: Gwet's AC from the formulas of irrCAC 1.4 gwet.ac1.raw
# (Gwet 2008, BJMSP 61:29-48), transcribed in base R, and Krippendorff's alpha from the
# coincidence matrix (Krippendorff 2011, Computing Krippendorff's alpha-reliability),
# which is 0/0 = NaN when every pairable rating is the same.
DEGEN = pd.read_csv(R_DIR / "reference_degenerate_agreement.csv")
INPUTS = sorted(DEGEN["input"].unique())


def _degen(name):
    ref = DEGEN[DEGEN["input"] == name]
    first = [int(v) for v in ref["first"].iloc[0].split()]
    second = [int(v) for v in ref["second"].iloc[0].split()]
    return rating_counts(pd.DataFrame({"a": first, "b": second})), ref


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_gwet_ac_edges_match_the_irrcac_formulas(name, weights):
    c, ref = _degen(name)
    ref = ref[(ref["statistic"] == "gwet_ac") & (ref["weights"] == weights)].iloc[0]
    r = gwet_ac(c, weights=weights).iloc[0]
    assert r["estimate"] == pytest.approx(ref["estimate"], abs=1e-12)
    assert r["p_chance"] == pytest.approx(ref["p_chance"], abs=1e-12)
    if np.isnan(ref["se"]):  # one unit: irrCAC gives no variance
        assert np.isnan(r["se"]) and np.isnan(r["conf_low"]) and np.isnan(r["conf_high"])
        assert "single unit" in r["method"]
    else:
        assert r["se"] == pytest.approx(ref["se"], abs=1e-12)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_krippendorff_alpha_edges_match_the_coincidence_matrix(name, level):
    c, ref = _degen(name)
    ref = ref[(ref["statistic"] == "krippendorff_alpha") & (ref["weights"] == level)].iloc[0]
    r = krippendorff_alpha(c, level=level).iloc[0]
    if np.isnan(ref["estimate"]):
        assert np.isnan(r["estimate"])
    else:
        assert r["estimate"] == pytest.approx(ref["estimate"], abs=1e-12)
    assert np.isnan(r["se"])  # undefined (one grade), or a single unit


def test_gwet_ac_is_one_with_a_zero_width_interval_when_every_rating_is_the_same_grade():
    r = gwet_ac(_degen("all_grade_2")[0]).iloc[0]
    assert (r["estimate"], r["se"], r["conf_low"], r["conf_high"]) == (1.0, 0.0, 1.0, 1.0)


def test_krippendorff_alpha_is_nan_with_the_reason_when_every_rating_is_the_same_grade():
    r = krippendorff_alpha(_degen("all_grade_2")[0]).iloc[0]
    assert np.isnan(r[["estimate", "se", "conf_low", "conf_high"]].astype(float)).all()
    assert (r["p_agreement"], r["p_chance"]) == (1.0, 1.0)
    assert "every rating is the same grade" in r["method"]


@pytest.mark.filterwarnings("error")
def test_agreement_coefficients_on_one_grade_give_a_documented_row_for_every_coefficient():
    t = agreement_coefficients([2] * 10, [2] * 10).set_index(["statistic", "weights"])
    assert (t.loc["Gwet's AC1", "estimate"] == 1).all() and (t.loc["Gwet's AC2", "estimate"] == 1).all()
    assert t.loc["percent agreement", "estimate"].iloc[0] == 1
    for undefined in ("Krippendorff's alpha", "Cohen's kappa"):
        rows = t.loc[undefined]
        assert rows[["estimate", "conf_low", "conf_high"]].isna().all().all()
        assert rows["method"].str.contains("not estimable").all()


def test_krippendorff_alpha_refuses_a_scale_of_one_category():
    c = rating_counts(pd.DataFrame({"a": [1, 1], "b": [1, 1]}), categories=[1])
    with pytest.raises(InputError, match="at least two categories"):
        krippendorff_alpha(c)


def test_auditor_grade_distribution_refuses_no_audits():
    empty = pd.DataFrame({"overall_grade": pd.array([], dtype="Int64"), "auditor": []})
    with pytest.raises(InputError, match="no audits"):
        auditor_grade_distribution(empty)


def test_agreement_coefficients_accept_grades_that_are_not_numbers():
    t = agreement_coefficients(["A", "B", "A"], ["A", "B", "B"], categories=["A", "B"])
    assert t.loc[t["statistic"] == "Cohen's kappa", "estimate"].notna().all()
