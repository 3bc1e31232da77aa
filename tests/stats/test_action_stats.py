"""Evaluating an action (kentaudit.stats.actions), against R (tests/r/reference_actions.R):
R power.prop.test with Cochran's FPC, a binomial GLM with an identity link and an
interaction, a beta-binomial fit by optim; and the edges."""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats import actions as A
from kentaudit.stats.independent import compare_independent

R = Path(__file__).parents[1] / "r"


# ------------------------------------------------------------ re-audit sample size
def test_sample_size_with_equal_sizes_is_r_power_prop_test_with_the_fpc():
    r = pd.read_csv(R / "reference_actions_samplesize.csv")
    assert len(r) == 32
    for (cf, pw), g in r.groupby(["conf", "power"]):
        o = A.reaudit_sample_size(g["p1"].to_numpy(), g["p2"].to_numpy(), population=g["N"].to_numpy(),
                                  power=pw, conf_level=cf)
        np.testing.assert_allclose(o["n0"], g["n0"], rtol=1e-7)
        np.testing.assert_allclose(o["n"], g["n"], rtol=1e-7)
        assert o["n_required"].tolist() == g["n_required"].tolist()


def test_sample_size_against_a_fixed_baseline_matches_r_uniroot():
    r = pd.read_csv(R / "reference_actions_samplesize_fixed.csv")
    for row in r.itertuples():
        o = A.reaudit_sample_size(row.p1, row.p2, population=row.N, n_baseline=row.n1, power=row.power,
                                  conf_level=row.conf).iloc[0]
        assert o["n0"] == pytest.approx(row.n0, rel=1e-8)
        assert o["n_required"] == row.n_required
        assert o["power_achieved"] >= row.power


def test_the_fpc_never_asks_for_more_files_than_the_unit_has():
    o = A.reaudit_sample_size(0.6, 0.65, population=40).iloc[0]
    assert o["n0"] > 40 and o["n_required"] <= 40 and o["sampling_fraction"] <= 1


def test_a_baseline_too_small_for_the_power_gives_no_size_and_says_why():
    o = A.reaudit_sample_size(0.6, 0.7, n_baseline=10, power=0.9).iloc[0]
    assert pd.isna(o["n_required"]) and "cannot exceed" in o["note"]


@pytest.mark.parametrize("kw", [dict(p_baseline=0.6, p_target=0.6), dict(p_baseline=0, p_target=0.5),
                                dict(p_baseline=0.5, p_target=80), dict(p_baseline=0.5, p_target=0.8, power=80),
                                dict(p_baseline=0.5, p_target=0.8, population=0),
                                dict(p_baseline=0.5, p_target=0.8, n_baseline=2.5)])
def test_impossible_sample_size_questions_are_refused(kw):
    with pytest.raises(InputError):
        A.reaudit_sample_size(**kw)


def test_an_unknown_sample_size_method_is_refused():
    with pytest.raises(MethodError):
        A.reaudit_sample_size(0.5, 0.8, method="guess")


# ------------------------------------------------------------ change
def test_the_change_is_reaudit_minus_baseline_with_newcombes_interval():
    o = A.action_change(48, 80, 56, 70).iloc[0]
    c = compare_independent(56, 70, 48, 80).iloc[0]
    assert o["change"] == pytest.approx(56 / 70 - 48 / 80)
    assert (o["conf_low"], o["conf_high"]) == pytest.approx((0.0524, 0.3339), abs=5e-5)  # Newcombe 1998
    assert o["p_value"] == c["p_value"] and o["estimate_baseline"] == 0.6


# ------------------------------------------------------------ difference in differences
@pytest.fixture(scope="module")
def did_ref():
    return pd.read_csv(R / "reference_actions_did.csv")


def _did(row, method):
    return A.difference_in_differences(row.x_t0, row.n_t0, row.x_t1, row.n_t1, row.x_r0, row.n_r0, row.x_r1,
                                       row.n_r1, conf_level=row.conf, method=method).iloc[0]


def test_wald_did_is_the_identity_link_glm_interaction_in_r(did_ref):
    for row in did_ref.itertuples():
        o = _did(row, "wald")
        assert o["difference"] == pytest.approx(row.estimate, abs=1e-9)
        assert o["se"] == pytest.approx(row.se, rel=1e-6)
        assert o["statistic"] == pytest.approx(row.z, rel=1e-6)
        assert o["p_value"] == pytest.approx(row.p_value, rel=1e-6)
        assert (o["conf_low"], o["conf_high"]) == pytest.approx((row.wald_low, row.wald_high), abs=1e-7)


def test_mover_did_combines_the_two_newcombe_intervals_as_r_computes_them(did_ref):
    for row in did_ref.itertuples():
        o = _did(row, "mover-newcombe")
        assert (o["change_target_conf_low"], o["change_target_conf_high"]) == pytest.approx(
            (row.change_target_low, row.change_target_high), abs=1e-9)
        assert (o["change_rest_conf_low"], o["change_rest_conf_high"]) == pytest.approx(
            (row.change_rest_low, row.change_rest_high), abs=1e-9)
        assert (o["conf_low"], o["conf_high"]) == pytest.approx((row.mover_low, row.mover_high), abs=1e-9)
        assert o["p_value"] == pytest.approx(row.p_value, rel=1e-6)  # the test is the same for both


def test_did_at_the_edges_gives_nan_with_a_reason_never_an_error():
    empty = A.difference_in_differences(0, 0, 5, 10, 50, 100, 60, 100).iloc[0]
    assert np.isnan(empty["difference"]) and "no applicable files" in empty["note"]
    flat = A.difference_in_differences(10, 10, 10, 10, 100, 100, 100, 100, method="wald").iloc[0]
    assert flat["difference"] == 0 and np.isnan(flat["p_value"]) and np.isnan(flat["conf_low"])
    assert flat["test"] == "not testable" and "standard error is 0" in flat["note"]
    flat_m = A.difference_in_differences(10, 10, 10, 10, 100, 100, 100, 100).iloc[0]
    assert flat_m["conf_low"] < 0 < flat_m["conf_high"]  # MOVER still gives an interval


# ------------------------------------------------------------ regression to the mean
def test_rtm_is_the_beta_binomial_shrinkage_of_the_chosen_units_as_fitted_in_r():
    inp = pd.read_csv(R / "reference_actions_rtm_input.csv")
    ref = pd.read_csv(R / "reference_actions_rtm.csv")
    for s, g in ref.groupby("set"):
        counts = inp[inp["set"] == s].rename(columns={"x": "n_yes", "n": "n_denominator", "unit": "district"})
        o = A.regression_to_mean(counts, g["unit"].tolist())
        np.testing.assert_allclose(o["expected"], g["expected"], atol=1e-6)
        np.testing.assert_allclose(o["expected_conf_low"], g["lower"], atol=1e-6)
        np.testing.assert_allclose(o["expected_conf_high"], g["upper"], atol=1e-6)
        np.testing.assert_allclose(o["rtm_change"], g["rtm_change"], atol=1e-6)
        np.testing.assert_allclose(o["shrinkage"], g["shrinkage"], atol=1e-6)
        assert (o["rtm_change"] > 0).all()  # chosen because low: expected to rise with no action


def test_rtm_with_no_spread_between_units_expects_every_unit_at_the_mean():
    counts = pd.DataFrame({"district": list("ABCD"), "n_yes": [10, 10, 10, 10], "n_denominator": [20] * 4})
    o = A.regression_to_mean(counts, ["A"]).iloc[0]
    assert o["expected"] == pytest.approx(0.5) and o["shrinkage"] == 1 and o["rtm_change"] == pytest.approx(0)


def test_rtm_refuses_a_unit_without_counts_and_a_single_unit():
    counts = pd.DataFrame({"district": ["A", "B"], "n_yes": [5, 9], "n_denominator": [10, 10]})
    with pytest.raises(InputError, match="no baseline counts"):
        A.regression_to_mean(counts, ["Z"])
    with pytest.raises(InputError):
        A.regression_to_mean(counts.iloc[:1], ["A"])


# ------------------------------------------------------------ one action
def _counts(yes, n):
    return pd.DataFrame({"district": [f"D{i:02d}" for i in range(len(yes))], "n_yes": yes, "n_denominator": n})


def test_evaluate_action_puts_change_comparison_and_rtm_together():
    base = _counts([8, 15, 16, 14, 17, 15, 16, 15, 14, 16, 15, 17], [25] * 12)
    re = _counts([21, 17, 18, 16, 18, 17, 18, 17, 16, 18, 17, 19], [25] * 12)
    o = A.evaluate_action(base, re, ["D00"]).iloc[0]
    assert o["change"] == pytest.approx((21 - 8) / 25)
    did = A.difference_in_differences(8, 25, 21, 25, sum(base.n_yes[1:]), 275, sum(re.n_yes[1:]), 275).iloc[0]
    assert o["difference"] == pytest.approx(did["difference"]) and o["difference_conf_low"] == did["conf_low"]
    rtm = A.regression_to_mean(base, ["D00"]).iloc[0]
    assert o["rtm_change"] == pytest.approx(rtm["rtm_change"]) and o["rtm_change"] > 0
    assert o["change_net_of_rtm"] == pytest.approx(21 / 25 - rtm["expected"])
    assert o["change_net_of_rtm"] < o["change"]
    assert o["improved"] == "yes" and o["improved_vs_rest"] == "yes"


def test_an_authority_wide_action_has_no_comparison_and_says_so():
    base = _counts([10, 12, 11], [25] * 3)
    re = _counts([15, 16, 17], [25] * 3)
    o = A.evaluate_action(base, re, "all").iloc[0]
    assert o["n_denominator_baseline"] == 75 and np.isnan(o["difference"])
    assert o["improved_vs_rest"] == "NA" and "targets every unit" in o["note"]


def test_no_change_is_not_called_an_improvement():
    base = _counts([15] * 6, [25] * 6)
    o = A.evaluate_action(base, base, ["D01"]).iloc[0]
    assert o["change"] == 0 and o["improved"] == "no" and o["improved_vs_rest"] == "no"


def test_evaluate_action_refuses_a_target_without_counts():
    base = _counts([15] * 3, [25] * 3)
    with pytest.raises(InputError, match="no counts"):
        A.evaluate_action(base, base, ["XX"])


# ------------------------------------------------------------ the edges convention (docs/results.md)
EDGES = {
    "change, a cycle with no files": lambda: A.action_change(0, 0, 5, 10),
    "change, every answer yes": lambda: A.action_change(10, 10, 12, 12),
    "did, a group with no files": lambda: A.difference_in_differences(0, 0, 5, 10, 50, 100, 60, 100),
    "did wald, every answer yes": lambda: A.difference_in_differences(5, 5, 6, 6, 50, 50, 60, 60, method="wald"),
    "rtm, every answer no": lambda: A.regression_to_mean(_counts([0, 0, 0], [10, 12, 8]), ["D00"]),
    "rtm, every answer yes": lambda: A.regression_to_mean(_counts([10, 12, 8], [10, 12, 8]), ["D00"]),
    "rtm, a unit with no files": lambda: A.regression_to_mean(_counts([0, 5, 8], [0, 10, 12]), ["D00"]),
    "action, a target with no files at the re-audit": lambda: A.evaluate_action(
        _counts([3, 5, 8], [10, 10, 12]), _counts([0, 5, 8], [0, 10, 12]), ["D00"]),
    "action, every answer yes": lambda: A.evaluate_action(
        _counts([10, 10, 12], [10, 10, 12]), _counts([10, 10, 12], [10, 10, 12]), ["D00"]),
    "sample size, a tiny population": lambda: A.reaudit_sample_size(0.5, 0.8, population=1),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_an_edge_gives_a_documented_value_never_a_numpy_warning(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = EDGES[name]()
    assert isinstance(out, pd.DataFrame) and len(out) >= 1


def test_the_difference_net_of_rtm_removes_both_the_trend_and_the_selection():
    base = _counts([8, 15, 16, 14, 17, 15, 16, 15, 14, 16, 15, 17], [25] * 12)
    re = _counts([21, 17, 18, 16, 18, 17, 18, 17, 16, 18, 17, 19], [25] * 12)
    o = A.evaluate_action(base, re, ["D00"]).iloc[0]
    rest_change = o["change"] - o["difference"]
    assert o["difference_net_of_rtm"] == pytest.approx(o["change_net_of_rtm"] - rest_change)
    assert o["difference_net_of_rtm"] < o["difference"]
    assert o["difference_net_of_rtm_conf_low"] < o["difference_net_of_rtm"] < o["difference_net_of_rtm_conf_high"]
    assert o["improved_net"] in ("yes", "no")
