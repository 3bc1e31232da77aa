"""Operating characteristics of the flags (kentaudit.stats.flag_rates).

The simulation re-implements each rule vectorised over replicates; these tests hold
each vectorised rule to the library's own function (funnel_table, two_group_test +
multiplicity.adjust, spc.p_chart, spc.run_chart) on simulated data, then check the
rates against values known in closed form.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats import association, funnel, multiplicity, spc
from kentaudit.stats.flag_rates import (_anhoej, _spc_flags, _vs_rest_p, adjust_rows,
                                        flag_operating_characteristics, false_positive_sentence, power_sentence,
                                        simulate_funnel_flags, simulate_vs_rest_flags,
                                        spc_operating_characteristics,
                                        summarise_operating_characteristics)

RNG = np.random.default_rng(160)
N12 = np.array([22, 25, 19, 24, 26, 23, 21, 25, 24, 20, 25, 18])


def _replicates(p, R=60, spread=0.0):
    truth = np.clip(p + RNG.normal(0, spread, (R, N12.size)), 0.02, 0.98)
    return RNG.binomial(N12, truth)


@pytest.mark.parametrize("method", ["binomial-interpolated", "normal", "arcsine"])
@pytest.mark.parametrize("target", ["overall", 0.8])
def test_vectorised_funnel_flags_equal_funnel_table(method, target):
    # spread between districts so that some replicates are overdispersed and adjusted
    X = _replicates(0.7, spread=0.12)
    sim = simulate_funnel_flags(X, N12, target=target, method=method)
    assert sim["adjusted"].any() and not sim["adjusted"].all()
    for r in range(X.shape[0]):
        ft = funnel.funnel_table(pd.DataFrame({"district": range(12), "n_yes": X[r],
                                               "n_denominator": N12}),
                                 target=target, method=method)
        assert bool(ft["adjusted"].iloc[0]) == bool(sim["adjusted"][r])
        for lvl in (0.95, 0.998):
            flag = ft[f"flag_{funnel.level_label(lvl)}"].to_numpy()
            below, above = sim[lvl]
            assert ((flag == "below") == below[r]).all() and ((flag == "above") == above[r]).all()


@pytest.mark.parametrize("level", [0.6, 0.985])
def test_vectorised_vs_rest_flags_equal_two_group_test_with_holm(level):
    # at 98.5% compliance expected "no" counts fall below 1: Fisher's exact test is used
    X = _replicates(level, spread=0.15 if level < 0.9 else 0.0)
    if level > 0.9:
        X[:20, 2] = N12[2] - 4  # a district with four "no" answers
    below, above = simulate_vs_rest_flags(X, N12)
    p_sim = _vs_rest_p(X, N12.astype(float))[0]
    tests = set()
    for r in range(X.shape[0]):
        res = [association.two_group_test(int(X[r, j]), int(N12[j]), int(X[r].sum() - X[r, j]),
                                          int(N12.sum() - N12[j])) for j in range(12)]
        tests |= {z["test"] for z in res}
        pv = np.array([z["p_value"] for z in res])
        np.testing.assert_allclose(p_sim[r], pv, rtol=1e-9, atol=1e-12)
        adj = multiplicity.adjust(pv, method="holm")["p_adjusted"].to_numpy()
        diff = np.array([z["difference"] for z in res])
        assert ((adj < 0.05) & (diff < 0) == below[r]).all()
        assert ((adj < 0.05) & (diff > 0) == above[r]).all()
    assert "N-1 chi-square" in tests
    assert ("Fisher exact" in tests) == (level > 0.9)


@pytest.mark.parametrize("method", ["holm", "fdr_bh", "bonferroni"])
def test_row_adjustment_equals_multiplicity_adjust(method):
    p = RNG.uniform(0, 0.2, (30, 9))
    p[RNG.uniform(size=p.shape) < 0.1] = np.nan
    got = adjust_rows(p, method)
    for r in range(p.shape[0]):
        want = multiplicity.adjust(p[r], method=method)["p_adjusted"].to_numpy()
        np.testing.assert_allclose(got[r], want, atol=1e-12, equal_nan=True)


def _series_with_gap():
    n = RNG.integers(15, 40, 30).astype(float)
    periods = pd.period_range("2010-01", periods=34, freq="M")
    keep = np.r_[0:12, 14:20, 22:34]  # two gaps
    return n, periods[keep]


def test_vectorised_spc_rules_equal_p_chart():
    n, periods = _series_with_gap()
    T = n.size
    pc0 = spc.p_chart(pd.DataFrame({"x": n * 0.8, "n": n, "period": periods}))
    seg = pc0["segment"].to_numpy()
    # a drift makes trends and runs happen
    X = RNG.binomial(n.astype(int), np.clip(0.8 - np.linspace(0, 0.15, T) * RNG.uniform(0, 1, (200, 1)), 0, 1))
    f = _spc_flags(X.astype(float), n, seg)
    seen = {k: 0 for k in f}
    for r in range(X.shape[0]):
        pc = spc.p_chart(pd.DataFrame({"x": X[r], "n": n, "period": periods}))
        for rule, col in (("outside_limits", "rule_outside_limits"), ("trend", "rule_trend"),
                          ("two_in_three", "rule_two_in_three"), ("run", "rule_run")):
            assert bool(pc[col].any()) == bool(f[rule][r].any()), (r, rule)
            seen[rule] += bool(f[rule][r].any())
    assert all(v > 0 for v in seen.values()), seen  # every rule fired somewhere


def test_vectorised_anhoej_equals_run_chart():
    P = RNG.binomial(25, np.clip(0.7 - np.linspace(0, 0.2, 15) * RNG.uniform(0, 1, (150, 1)), 0, 1)) / 25
    got = _anhoej(P)
    want = np.array([bool(spc.run_chart(P[r])["runs_signal"].iloc[0]) for r in range(P.shape[0])])
    assert (got == want).all() and want.any() and not want.all()


def _counts():
    return pd.DataFrame({"criterion": np.repeat(["seen", "voice"], 12),
                         "district": np.tile([f"D{j}" for j in range(12)], 2),
                         "n_yes": np.r_[RNG.binomial(N12, 0.85), RNG.binomial(N12, 0.55)],
                         "n_denominator": np.r_[N12, N12]})


def test_null_false_positive_rate_of_a_standard_funnel_is_the_exact_binomial_tail():
    oc = flag_operating_characteristics(_counts(), target=0.8, rules=("funnel_95",), shortfalls=(),
                                        n_sims=4000, seed=1)
    # with every district at the standard the dispersion test is null: the chance of a flag
    # is P(p < lower) + P(p > upper) under Binomial(n, 0.8) (adjustment is rare)
    lim = funnel.funnel_limits(N12, 0.8, (0.95,))
    exact = (stats.binom.cdf(np.ceil(lim["limit_low"] * N12) - 1, N12, 0.8)
             + stats.binom.sf(np.floor(lim["limit_high"] * N12), N12, 0.8))
    got = oc[oc["criterion"] == "seen"]["p_flag"].to_numpy()
    assert np.abs(got - exact).max() < 5 * np.sqrt(0.05 * 0.95 / 4000) + 0.01


def test_power_grows_with_the_shortfall_and_is_seeded():
    c = _counts()
    a = flag_operating_characteristics(c, target=0.8, shortfalls=(0.1, 0.2), n_sims=500, seed=3)
    b = flag_operating_characteristics(c, target=0.8, shortfalls=(0.1, 0.2), n_sims=500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    s = summarise_operating_characteristics(a)
    for rule in ("funnel_95", "funnel_99_8", "district_vs_rest"):
        r = s[s["rule"] == rule].set_index("shortfall")["p_flag_mean"]
        assert r.loc[0.0] < r.loc[0.1] < r.loc[0.2]
    f95 = s[(s["rule"] == "funnel_95") & (s["shortfall"] == 0.2)]["p_flag_mean"].iloc[0]
    f998 = s[(s["rule"] == "funnel_99_8") & (s["shortfall"] == 0.2)]["p_flag_mean"].iloc[0]
    assert f998 < f95


def test_power_sentence_states_files_shortfall_and_rate():
    oc = flag_operating_characteristics(_counts(), target=0.8, shortfalls=(0.15,), n_sims=300)
    text = power_sentence(summarise_operating_characteristics(oc), "funnel_99_8", 0.15,
                          unit_label="district", units_label="districts")
    assert text.startswith("With a median of 24 answered files, a district 15 points below the standard")
    assert "% of cycles" in text and "over districts and criteria" in text


def test_the_false_positive_row_has_its_sentence_with_the_summarys_numbers():
    """Table 13's "In words" was empty on the rows at the reference (the review as images)."""
    oc = flag_operating_characteristics(_counts(), target=0.8, shortfalls=(0.15,), n_sims=300)
    summ = summarise_operating_characteristics(oc)
    z = summ[(summ["rule"] == "funnel_95") & (summ["scenario"] == "null")].iloc[0]
    text = false_positive_sentence(summ, "funnel_95", unit_label="district", units_label="districts")
    assert text == (f"With a median of {z['median_files']:.0f} answered files, a district exactly at the standard is "
                    f"flagged by the 95% funnel in {100 * z['p_flag_mean']:.1f}% of cycles (range "
                    f"{100 * z['p_flag_min']:.1f}-{100 * z['p_flag_max']:.1f}% over districts and criteria): a false alarm.")
    with pytest.raises(InputError):
        false_positive_sentence(summ[summ["scenario"] != "null"], "funnel_95")


def test_power_sentence_and_method_words_are_the_callers_words_with_neutral_defaults():
    oc = flag_operating_characteristics(_counts(), target=0.8, shortfalls=(0.15,), n_sims=300)
    neutral = power_sentence(summarise_operating_characteristics(oc), "district_vs_rest", 0.15)
    assert "a unit 15 points below the rest of the authority" in neutral and "over units and" in neutral
    named = flag_operating_characteristics(_counts(), target=0.8, shortfalls=(0.15,), n_sims=300,
                                           reference_label="rest of Borsetshire", unit_label="locality",
                                           units_label="localities")
    assert set(named.loc[named["rule"] == "district_vs_rest", "reference"]) == {"rest of Borsetshire"}
    text = power_sentence(summarise_operating_characteristics(named), "district_vs_rest", 0.15,
                          unit_label="locality", units_label="localities")
    assert "a locality 15 points below the rest of Borsetshire" in text
    assert "the test of each locality against the rest" in text and "-vs-" not in text  # words, not a code
    assert named.loc[named["rule"] == "district_vs_rest", "method"].iloc[0].startswith(
        "locality against the rest of Borsetshire")


def test_stable_p_chart_false_alarms_grow_with_length_and_anhoej_stays_low():
    short = spc_operating_characteristics(np.full(12, 30), n_sims=1000, seed=5)
    long_ = spc_operating_characteristics(np.full(60, 30), n_sims=1000, seed=5)
    any_s = short.query("rule == 'any_special_cause' and scenario == 'stable'")["p_signal"].iloc[0]
    any_l = long_.query("rule == 'any_special_cause' and scenario == 'stable'")["p_signal"].iloc[0]
    assert any_s < any_l
    anh = long_.query("rule == 'anhoej_runs' and scenario == 'stable'")["p_signal"].iloc[0]
    assert anh < 0.15  # Anhoej & Olesen (2014): about 5-10% whatever the length
    shift = long_.query("rule == 'any_special_cause' and shift == 0.2")["p_signal"].iloc[0]
    assert shift > 0.9


def test_unknown_rule_and_too_few_simulations_are_refused():
    with pytest.raises(MethodError):
        flag_operating_characteristics(_counts(), rules=("funnel_90",))
    with pytest.raises(InputError):
        flag_operating_characteristics(_counts(), n_sims=10)


def test_the_summary_carries_the_largest_monte_carlo_error_of_its_cells():
    oc = flag_operating_characteristics(_counts(), target=0.8, shortfalls=(0.1,), n_sims=400, seed=3)
    s = summarise_operating_characteristics(oc)
    for (rule, sc), cells in oc.groupby(["rule", "scenario"]):
        row = s[(s["rule"] == rule) & (s["scenario"] == sc)].iloc[0]
        assert row["mc_se_max"] == cells["mc_se"].max()
        assert 0 < row["mc_se_max"] <= np.sqrt(0.25 / 400)  # at most 0.025 with 400 cycles


def test_the_monte_carlo_error_describes_how_a_figure_moves_between_seeds():
    # the published figure with its Monte Carlo SE: over 30 seeds the SD of each cell's
    # power is the SE the table prints (within the sampling error of an SD from 30 values)
    runs = [flag_operating_characteristics(_counts(), target=0.8, rules=("funnel_95",),
                                           shortfalls=(0.1,), n_sims=400, seed=k)
            for k in range(30)]
    p = np.column_stack([r.loc[r["scenario"] == "shortfall", "p_flag"].to_numpy() for r in runs])
    se = np.column_stack([r.loc[r["scenario"] == "shortfall", "mc_se"].to_numpy() for r in runs])
    ratio = p.std(axis=1, ddof=1) / se.mean(axis=1)
    assert 0.7 < np.median(ratio) < 1.3
