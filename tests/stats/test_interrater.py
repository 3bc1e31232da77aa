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
from kentaudit.stats.interrater import agreement_coefficients, gwet_ac, krippendorff_alpha, rating_counts

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
