"""Tests for kentaudit.stats.funnel: limits, winsorisation, overdispersion, flags."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats.funnel import (dispersion_test, funnel_limits, funnel_table, level_label, poisson_ratio_limits, winsorise)

R_DIR = Path(__file__).parents[1] / "r"
ROOT = Path(__file__).parents[2]


def _lim(n, target, method="binomial-interpolated", **kw):
    df = funnel_limits(n, target, method=method, **kw)
    return {(row.n, row.conf_level): (row.limit_low, row.limit_high) for row in df.itertuples()}


# --- published values -------------------------------------------------------------------

# Spiegelhalter's funnel4 form of the interpolated binomial limits (gmp26/funnel, R/funnel4.R,
# qbinom.interp); values from /work/shared/METHODS.md, computed with R 4.2 from that formula,
# printed to 6 decimals, so compared at 5e-7.
@pytest.mark.parametrize("target,n,level,lower,upper", [
    (0.2, 50, 0.95, 0.084405, 0.327094),
    (0.2, 50, 0.998, 0.034776, 0.399144),
    (0.2, 100, 0.95, 0.119742, 0.286476),
    (0.2, 100, 0.998, 0.080978, 0.336766),
    (0.5, 100, 0.95, 0.396824, 0.603176),
    (0.5, 100, 0.998, 0.341216, 0.658784),
    (0.8, 30, 0.95, 0.632059, 0.952328),
])
def test_binomial_interpolated_matches_spiegelhalter_funnel4_values(target, n, level, lower, upper):
    lo, up = _lim([n], target)[(n, level)]
    assert lo == pytest.approx(lower, abs=5e-7)
    assert up == pytest.approx(upper, abs=5e-7)


# UKHSA/PHE PHEindicatormethods, tests/testthat/testdata_funnel_prop_outputs.csv (percent,
# baseline 80.642448, printed to 6 decimals). Their "Wilson" funnel is algebraically the
# normal approximation. Tolerance 1e-5 percent points covers the 6-decimal baseline.
@pytest.mark.parametrize("pop,l95,u95,l998,u998", [
    (20, 63.326743, 97.958152, 53.341156, 100.0),
    (190, 75.024492, 86.260404, 71.784739, 89.500157),
    (4341, 79.467117, 81.817779, 78.789329, 82.495567),
    (3, 35.933491, 100.0, 10.150815, 100.0),
    (50, 69.691035, 91.593861, 63.375595, 97.909301),
])
def test_normal_limits_match_phe_funnel_test_data(pop, l95, u95, l998, u998):
    lim = _lim([pop], 0.80642448, method="normal")
    assert 100 * lim[(pop, 0.95)][0] == pytest.approx(l95, abs=1e-5)
    assert 100 * lim[(pop, 0.95)][1] == pytest.approx(u95, abs=1e-5)
    assert 100 * lim[(pop, 0.998)][0] == pytest.approx(l998, abs=1e-5)
    assert 100 * lim[(pop, 0.998)][1] == pytest.approx(u998, abs=1e-5)


def test_normal_limits_clamp_at_zero_like_phe_population_1():
    # PHE test data population 1: lower 99.8% limit is 0 (clamped), upper 100.
    lim = _lim([1], 0.80642448, method="normal")
    assert lim[(1, 0.998)] == (0.0, 1.0)
    assert 100 * lim[(1, 0.95)][0] == pytest.approx(3.204264, abs=1e-5)


# FunnelPlotR tests/testthat/test-poisson_limits.R: expected 15, 20, 30 at target 1.
def test_poisson_limits_match_funnelplotr_tests():
    df = poisson_ratio_limits([15, 20, 30], 1.0)
    l95 = df[df.conf_level == 0.95]
    l99 = df[df.conf_level == 0.998]
    np.testing.assert_allclose(l95.limit_low, [0.5596924, 0.6108260, 0.6746958], atol=5e-8)
    np.testing.assert_allclose(l95.limit_high, [1.649348, 1.544419, 1.427562], atol=5e-7)
    np.testing.assert_allclose(l99.limit_low, [0.3862650, 0.4479107, 0.5289724], atol=5e-8)
    np.testing.assert_allclose(l99.limit_high, [2.082907, 1.902094, 1.702771], atol=5e-7)


# --- R reference (tests/r/reference_funnel.R) ----------------------------------------------

@pytest.mark.parametrize("method", ["binomial-interpolated", "normal", "arcsine"])
def test_limits_match_r_reference_grid(method):
    ref = pd.read_csv(R_DIR / "reference_funnel_limits.csv").rename(columns={"lower": "limit_low", "upper": "limit_high"})  # R names -> the vocabulary
    ref = ref[ref.method == method]
    for (target, level), grp in ref.groupby(["target", "conf_level"]):
        got = funnel_limits(grp.n.to_numpy(), target, conf_levels=(level,), method=method)
        # R writes 15 significant digits; 1e-12 allows for that and float noise.
        np.testing.assert_allclose(got.limit_low, grp.limit_low, atol=1e-12, rtol=0)
        np.testing.assert_allclose(got.limit_high, grp.limit_high, atol=1e-12, rtol=0)


def test_poisson_limits_match_r_qchisq():
    ref = pd.read_csv(R_DIR / "reference_poisson_limits.csv").rename(columns={"lower": "limit_low", "upper": "limit_high"})  # R names -> the vocabulary
    got = poisson_ratio_limits([5, 15, 20, 30, 100])
    np.testing.assert_allclose(got.limit_low, ref.limit_low, rtol=1e-12)
    np.testing.assert_allclose(got.limit_high, ref.limit_high, rtol=1e-12)


R_X = [30, 22, 35, 18, 40, 12, 27, 33, 9, 25, 38, 20]
R_N = [36, 30, 40, 29, 45, 25, 31, 37, 22, 28, 41, 24]


@pytest.mark.parametrize("method,scale", [("normal", "identity"), ("arcsine", "arcsine")])
@pytest.mark.parametrize("wmethod", ["order-statistic", "quantile"])
def test_dispersion_matches_r(method, scale, wmethod):
    ref = pd.read_csv(R_DIR / "reference_funnel_dispersion.csv")
    r = ref[(ref.scale == scale) & (ref.winsorise_method == wmethod)].iloc[0]
    got = dispersion_test(R_X, R_N, r.target, method=method, winsorise_method=wmethod).iloc[0]
    assert got.phi == pytest.approx(r.phi, rel=1e-12)
    assert got.p_value == pytest.approx(r.p_value, rel=1e-9)
    assert got.tau2 == pytest.approx(r.tau2, rel=1e-12)
    assert got.df == 12 and got.test == "chi-square dispersion test"


@pytest.mark.parametrize("method,scale", [("normal", "identity"), ("arcsine", "arcsine")])
def test_adjusted_limits_in_table_match_r(method, scale):
    adj = pd.read_csv(R_DIR / "reference_funnel_adjusted.csv").rename(columns={"lower": "limit_low", "upper": "limit_high"})  # R names -> the vocabulary
    adj = adj[(adj.scale == scale) & (adj.winsorise_method == "order-statistic")]
    counts = pd.DataFrame({"district": list("abcdefghijkl"), "n_yes": R_X, "n_denominator": R_N})
    tab = funnel_table(counts, method=method)
    assert bool(tab.adjusted.iloc[0])
    for level in (0.95, 0.998):
        ref = adj[adj.conf_level == level]
        got = funnel_limits(ref.n.to_numpy(), tab.target.iloc[0], (level,), method,
                            tau2=tab.tau2.iloc[0])
        np.testing.assert_allclose(got.limit_low, ref.limit_low, atol=1e-12)
        np.testing.assert_allclose(got.limit_high, ref.limit_high, atol=1e-12)


# --- winsorisation rule -------------------------------------------------------------------

def test_order_statistic_winsorising_moves_one_unit_each_end_of_twelve():
    z = np.arange(1.0, 13.0)  # 1..12; k = floor(1.2) + 1 = 2
    w = winsorise(z, 0.1, "order-statistic")
    np.testing.assert_array_equal(w, [2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11])


def test_quantile_winsorising_clips_at_type7_percentiles():
    z = np.arange(1.0, 13.0)  # R quantile(1:12, c(.1,.9), type=7) = 2.1, 10.9
    w = winsorise(z, 0.1, "quantile")
    assert w[0] == pytest.approx(2.1) and w[1] == pytest.approx(2.1)
    assert w[-1] == pytest.approx(10.9) and w[2] == 3


def test_winsorising_keeps_input_order():
    z = np.array([5.0, -9.0, 0.0, 1.0, 2.0, 3.0, 4.0, -1.0, -2.0, 9.0])
    w = winsorise(z, 0.1, "order-statistic")  # k = 2: clip to 2nd smallest/largest
    assert w[1] == -2.0 and w[9] == 5.0 and w[2] == 0.0


def test_unknown_winsorise_method_raises():
    with pytest.raises(MethodError):
        winsorise([1.0, 2.0], 0.1, "trim")


# --- properties ---------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(target=st.floats(0.02, 0.98), method=st.sampled_from(["binomial-interpolated", "normal", "arcsine"]))
def test_limits_nested_and_within_unit_interval(target, method):
    df = funnel_limits(np.arange(1, 200), target, method=method)
    a = df[df.conf_level == 0.95].reset_index()
    b = df[df.conf_level == 0.998].reset_index()
    assert (b.limit_low <= a.limit_low + 1e-12).all() and (a.limit_high <= b.limit_high + 1e-12).all()
    assert ((df.limit_low >= 0) & (df.limit_high <= 1) & (df.limit_low <= df.limit_high)).all()


@settings(max_examples=30, deadline=None)
@given(target=st.floats(0.02, 0.98), method=st.sampled_from(["normal", "arcsine"]))
def test_smooth_limits_narrow_monotonically_with_n(target, method):
    df = funnel_limits(np.arange(1, 400), target, conf_levels=(0.95,), method=method)
    assert (np.diff(df.limit_low) >= -1e-12).all() and (np.diff(df.limit_high) <= 1e-12).all()


@settings(max_examples=30, deadline=None)
@given(target=st.floats(0.05, 0.95))
def test_binomial_limits_narrow_with_n_overall(target):
    # Interpolated limits wiggle by less than 1/n between neighbours; across a doubling of
    # n the band must be narrower.
    df = funnel_limits([25, 50, 100, 200, 400], target, conf_levels=(0.998,))
    width = (df.limit_high - df.limit_low).to_numpy()
    assert (np.diff(width) < 0).all()


@settings(max_examples=30, deadline=None)
@given(target=st.floats(0.02, 0.98), method=st.sampled_from(["binomial-interpolated", "normal", "arcsine"]))
def test_limits_mirror_around_one_half(target, method):
    n = np.arange(1, 120)
    a = funnel_limits(n, target, method=method)
    b = funnel_limits(n, 1 - target, method=method)
    np.testing.assert_allclose(a.limit_high, 1 - b.limit_low, atol=1e-9)


def test_limits_at_target_one_half_are_symmetric():
    df = funnel_limits(np.arange(1, 300), 0.5)
    np.testing.assert_allclose(df.limit_low + df.limit_high, 1.0, atol=1e-9)


# --- funnel_table behaviour ----------------------------------------------------------------

def _simulated_counts(seed=20100831):
    rng = np.random.default_rng(seed)
    names = ["Ashford", "Canterbury", "Dartford", "Dover", "Gravesham", "Maidstone",
             "Sevenoaks", "Shepway", "Swale", "Thanet", "Tonbridge and Malling",
             "Tunbridge Wells"]
    n = rng.integers(25, 41, size=12)
    p = np.full(12, 0.80)
    p[names.index("Thanet")] = 0.35
    p[names.index("Swale")] = 0.40
    x = rng.binomial(n, p)
    return pd.DataFrame({"district": names, "n_yes": x, "n_denominator": n})


def test_districts_built_much_worse_are_below_998_and_average_is_within():
    tab = funnel_table(_simulated_counts(), target=0.8, overdispersion="none")
    flags = dict(zip(tab.district, tab["flag_99_8"]))
    assert flags["Thanet"] == "below" and flags["Swale"] == "below"
    assert flags["Maidstone"] == "within"


def test_table_records_dispersion_and_policy_on_every_row():
    tab = funnel_table(_simulated_counts(), target=0.8)
    for col in ("phi", "phi_p_value", "tau2", "adjusted", "limits_method", "method",
                "winsorise_method", "adjust_rule", "test", "conf_levels"):
        assert tab[col].nunique() == 1, col
    assert tab.phi.iloc[0] > 1 and tab.phi_p_value.iloc[0] < 0.05
    assert bool(tab.adjusted.iloc[0]) and tab.limits_method.iloc[0] == "normal"
    assert tab.method.iloc[0] == "binomial-interpolated"


def test_overdispersion_none_never_adjusts_but_still_reports_phi():
    tab = funnel_table(_simulated_counts(), target=0.8, overdispersion="none")
    assert not tab.adjusted.any() and tab.tau2.iloc[0] > 0
    assert tab.limits_method.iloc[0] == "binomial-interpolated"


def test_significant_rule_does_not_adjust_when_phi_above_one_but_not_significant():
    # Binomial data at exactly the target give phi near 1; pick a seed where phi > 1 but
    # the test is not significant, then the two rules must disagree.
    for seed in range(200):
        rng = np.random.default_rng(seed)
        n = rng.integers(20, 40, size=12)
        c = pd.DataFrame({"district": range(12), "n_yes": rng.binomial(n, 0.7), "n_denominator": n})
        t = funnel_table(c, target=0.7, method="normal")
        if t.phi.iloc[0] > 1.05 and t.phi_p_value.iloc[0] > 0.05 and t.tau2.iloc[0] > 0:
            break
    else:  # pragma: no cover
        pytest.fail("no suitable seed")
    assert not t.adjusted.iloc[0]
    t2 = funnel_table(c, target=0.7, method="normal", adjust_rule="phi>1")
    assert t2.adjusted.iloc[0]
    assert (t2.limit_low_95 < t.limit_low_95).all()


def test_overall_target_is_pooled_proportion():
    c = pd.DataFrame({"district": ["a", "b"], "n_yes": [3, 9], "n_denominator": [10, 10]})
    tab = funnel_table(c)
    assert tab.target.iloc[0] == pytest.approx(0.6) and tab.target_source.iloc[0] == "overall"


def test_point_exactly_on_limit_is_within():
    from kentaudit.stats.funnel import _flag
    flags = _flag(np.array([0.2, 0.8, 0.19999, 0.80001]), np.full(4, 0.2), np.full(4, 0.8))
    assert list(flags) == ["within", "within", "below", "above"]


def test_zero_denominator_units_are_dropped_and_listed():
    c = pd.DataFrame({"district": ["a", "b", "c"], "n_yes": [3, 0, 8], "n_denominator": [10, 0, 10]})
    tab = funnel_table(c)
    assert list(tab.district) == ["a", "c"] and tab.attrs["dropped_units"] == ["b"]


def test_unknown_method_raises_method_error():
    with pytest.raises(MethodError):
        funnel_limits([10], 0.5, method="wilson")
    c = pd.DataFrame({"district": ["a"], "n_yes": [3], "n_denominator": [10]})
    with pytest.raises(MethodError):
        funnel_table(c, overdispersion="sometimes")
    with pytest.raises(MethodError):
        funnel_table(c, adjust_rule="phi>2")


def test_numerator_above_denominator_raises():
    c = pd.DataFrame({"district": ["a"], "n_yes": [11], "n_denominator": [10]})
    with pytest.raises(InputError):
        funnel_table(c)


def test_binomial_with_tau2_is_refused():
    with pytest.raises(InputError):
        funnel_limits([10], 0.5, tau2=0.01)


def test_level_labels():
    assert level_label(0.95) == "95" and level_label(0.998) == "99_8"


# --- bundled synthetic data ---------------------------------------------------------------

SYN = ROOT / "data" / "synthetic"


def test_dispersion_centred_on_overall_ignores_distance_from_a_standard():
    rng = np.random.default_rng(3)
    n = rng.integers(25, 41, size=12)
    c = pd.DataFrame({"district": range(12), "n_yes": rng.binomial(n, 0.64), "n_denominator": n})
    overall = funnel_table(c, target=0.8)
    at_target = funnel_table(c, target=0.8, dispersion_centre="target")
    assert overall.phi.iloc[0] < 2 and not overall.adjusted.iloc[0]
    assert at_target.phi.iloc[0] > 5 and at_target.adjusted.iloc[0]
    assert (overall.flag_99_8 == "below").sum() > (at_target.flag_99_8 == "below").sum()
    assert overall.dispersion_centre.iloc[0] == "overall"


# --- bundled synthetic data ---------------------------------------------------------------

SYN = ROOT / "data" / "synthetic"
ANNUAL = [SYN / f"audits_{y}.csv" for y in range(2010, 2014)]
# Seeds for the property-style check; generated in memory with synth.generate (about
# 0.6 s each). Seed 1 is the committed data set, read by the fixture below.
PROPERTY_SEEDS = (2, 3, 4, 5, 6, 7)


def _annual_funnels(audits: pd.DataFrame) -> dict:
    """Default funnel tables (target "overall") per criterion, 2010-2013 pooled."""
    from kentaudit.stats.proportions import criterion_counts
    annual = audits[audits["sample"] == "annual"]
    counts = criterion_counts(annual, by="district")
    return {crit: funnel_table(g, target="overall").set_index("district")
            for crit, g in counts.groupby("criterion")}


@pytest.fixture(scope="module")
def synthetic_funnels():
    if not (SYN / "truth.json").exists() or not all(p.exists() for p in ANNUAL):
        pytest.skip("data/synthetic/ (audits_2010..2013.csv, truth.json) not bundled")
    from kentaudit.inputs.ingest import read_audits
    truth = json.loads((SYN / "truth.json").read_text())["parameters"]
    audits = read_audits(ANNUAL, synthetic=True).accepted
    return truth, _annual_funnels(audits)


def test_synthetic_truth_lists_large_cells_for_worse_and_better_districts(synthetic_funnels):
    # Guards the tests below against passing vacuously on an empty list.
    truth, _ = synthetic_funnels
    cells = truth["large_effects"]["cells"]
    assert {c["district"] for c in cells if c["direction"] == "below"} == set(truth["districts_worse"])
    assert {c["district"] for c in cells if c["direction"] == "above"} == set(truth["districts_better"])
    assert not [c for c in cells if c["district"] in truth["districts_average"]]


def test_synthetic_large_cells_flagged_at_998_on_pooled_annual_data(synthetic_funnels):
    """Every built-in large cell of truth.json is outside the 99.8% limit on its side.

    Default funnel settings, target "overall", on the committed seed-1 data with the
    2010-2013 annual audits pooled (about 90-100 applicable files per district). Pooled,
    not per cycle: with about 25 files per district a year a total effect of -2.0 on the
    logit scale is flagged in a single cycle only about 65% of the time (measured over
    10 seeds), which is not reliable; pooled it was flagged in every (seed, cell) case.
    """
    truth, tabs = synthetic_funnels
    missed = []
    for cell in truth["large_effects"]["cells"]:
        flag = tabs[cell["criterion"]].loc[cell["district"], "flag_99_8"]
        if flag != cell["direction"]:
            missed.append((cell["district"], cell["criterion"], cell["direction"], flag))
    assert not missed, missed


def test_synthetic_average_district_is_never_outside_998(synthetic_funnels):
    truth, tabs = synthetic_funnels
    for d in truth["districts_average"]:
        flagged = {c: t.loc[d, "flag_99_8"] for c, t in tabs.items() if t.loc[d, "flag_99_8"] != "within"}
        assert not flagged, (d, flagged)


def test_synthetic_large_cells_flagged_and_average_district_quiet_over_seeds():
    """The funnel claim holds for the generator, not only for the committed seed.

    For each seed in PROPERTY_SEEDS, data generated in memory (synth.generate), annual
    audits 2010-2013 pooled, default funnel settings against target "overall":
    the large cells of truth.json are flagged on their side at 99.8% in at least 90% of
    (seed, cell) cases, and Maidstone (built to be average: effect exactly 0 on every
    criterion) is flagged at 99.8% in at most 1% of (seed, criterion) cases (with
    20 criteria x 6 seeds = 120 cases, that is at most one false alarm).
    """
    from kentaudit.inputs import synthetic as synth
    hits, maidstone_flags, cases = [], 0, 0
    for seed in PROPERTY_SEEDS:
        data = synth.generate(seed)
        tabs = _annual_funnels(data.audits)
        cells = data.truth["parameters"]["large_effects"]["cells"]
        assert cells
        for cell in cells:
            hits.append(tabs[cell["criterion"]].loc[cell["district"], "flag_99_8"] == cell["direction"])
        for d in data.truth["parameters"]["districts_average"]:
            for t in tabs.values():
                cases += 1
                maidstone_flags += t.loc[d, "flag_99_8"] != "within"
    assert np.mean(hits) >= 0.9, np.mean(hits)
    assert maidstone_flags <= 0.01 * cases, (maidstone_flags, cases)
