"""Run charts with the Anhoej rules and Laney p' charts (kentaudit.stats.spc), against qicharts2.

Reference values: tests/r/reference_spc_short.R (qicharts2 0.8.1, installed from its
source); the example data nhs_accidents is qicharts2's (Mohammed MA, Worthington P,
Woodall WH (2008), Plotting basic control charts, Quality and Safety in Health Care
17:137-145).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats.spc import anhoej_limits, laney_p_chart, p_chart, run_chart

R_DIR = Path(__file__).parents[1] / "r"
INPUT = pd.read_csv(R_DIR / "reference_spc_short_input.csv")
RUNS = pd.read_csv(R_DIR / "reference_spc_short_runs.csv")
LANEY = pd.read_csv(R_DIR / "reference_spc_short_laney.csv")


def _series(name):
    return INPUT[INPUT["series"] == name].sort_values("i")


@pytest.mark.parametrize("name", RUNS["series"].tolist())
def test_run_chart_anhoej_summary_matches_qicharts2(name):
    ref = RUNS.set_index("series").loc[name]
    r = run_chart(_series(name)["y"].to_numpy()).iloc[0]
    assert r["centre"] == pytest.approx(ref["cl"], abs=1e-12)
    for col in ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
                "n_crossings_min"):
        assert r[col] == ref[col], col
    assert bool(r["runs_signal"]) == bool(ref["runs_signal"])


def test_reference_covers_signals_by_both_rules_and_no_signal():
    # the reference set would catch a rule that never fires or always fires
    assert RUNS["runs_signal"].sum() >= 3 and (RUNS["runs_signal"] == 0).sum() >= 3
    assert (RUNS["n_crossings"] < RUNS["n_crossings_min"]).any()
    assert (RUNS["longest_run"] > RUNS["longest_run_max"]).any()


def test_points_on_the_median_neither_break_nor_extend_a_run():
    r = run_chart([1, 1, 2, 2, 2, 3, 3])  # median 2: three points on the line
    assert r["n_useful"].iloc[0] == 4
    assert r["longest_run"].iloc[0] == 2 and r["n_crossings"].iloc[0] == 1
    assert r["run_id"].tolist() == [0, 0, -1, -1, -1, 1, 1]


def test_anhoej_limits_for_ten_points_are_eight_and_two():
    # R: round(log2(10)) + 3 = 6, qbinom(0.05, 9, 0.5) = 2; round(log2(20)) + 3 = 7,
    # qbinom(0.05, 19, 0.5) = 6 (Anhoej & Olesen 2014, PLoS ONE 9:e113825, table 1)
    lr, nc = anhoej_limits([10, 20])
    assert lr.tolist() == [6.0, 7.0] and nc.tolist() == [2.0, 6.0]


def test_in_longest_run_marks_only_points_of_a_too_long_run():
    y = [1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 5]
    r = run_chart(y, centre="mean")
    assert r["rule_longest_run"].all()
    assert r["in_longest_run"].sum() == 18


def test_run_chart_centre_can_be_frozen_on_a_baseline():
    r = run_chart([1, 2, 3, 10, 11, 12], baseline_points=3)
    assert r["centre"].iloc[0] == 2
    assert "first 3 points" in r["method"].iloc[0]


def test_run_chart_leaves_missing_points_out():
    r = run_chart([1, np.nan, 3, 2])
    assert r["n_obs"].iloc[0] == 3 and bool(r["missing"].iloc[1])


def test_run_chart_refuses_unknown_centre():
    with pytest.raises(MethodError):
        run_chart([1, 2, 3], centre="mode")


@pytest.mark.parametrize("name", ["nhs_accidents", "overdispersed"])
def test_laney_limits_match_qicharts2_pp_chart(name):
    s = _series(name)
    ref = LANEY[LANEY["series"] == name].sort_values("i")
    r = laney_p_chart(pd.DataFrame({"x": s["x"], "n": s["n"], "period": s["i"]}))
    np.testing.assert_allclose(r["mean"], ref["cl"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(r["lpl"], ref["lcl"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(r["upl"], ref["ucl"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(r["nlpl"], ref["lcl_95"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(r["nupl"], ref["ucl_95"], rtol=0, atol=1e-12)
    assert r["outside_limits"].tolist() == ref["sigma_signal"].astype(bool).tolist()


def test_laney_chart_is_wider_than_p_chart_when_periods_are_overdispersed():
    s = _series("overdispersed")
    d = pd.DataFrame({"x": s["x"], "n": s["n"], "period": s["i"]})
    lp, pc = laney_p_chart(d), p_chart(d)
    assert lp["sigma_z"].iloc[0] > 1.5
    assert (lp["upl"] - lp["lpl"] > pc["upl"] - pc["lpl"]).all()
    assert pc["outside_limits"].sum() > lp["outside_limits"].sum()


def test_laney_chart_equals_p_chart_limits_when_sigma_z_is_one():
    # z-scores alternating +/-c with mean moving range 1.128 give sigma_z = 1 exactly
    n = np.full(10, 400.0)
    p0 = 0.5
    s = np.sqrt(p0 * (1 - p0) / n[0])
    p = p0 + np.tile([0.564, -0.564], 5) * s
    d = pd.DataFrame({"x": p * n, "n": n, "period": np.arange(10)})
    lp, pc = laney_p_chart(d), p_chart(d)
    assert lp["sigma_z"].iloc[0] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(lp["upl"], pc["upl"], atol=1e-12)


def test_laney_chart_refuses_counts_above_denominator():
    with pytest.raises(InputError):
        laney_p_chart(pd.DataFrame({"x": [5, 12], "n": [10, 10], "period": [1, 2]}))
