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


# --- edges: a gap, one point, every answer the same, no data ---------------------------
# tests/r/reference_degenerate.R: Laney's p' chart written in base R from Laney DB
# (2002), Improved control charts for attributes, Quality Engineering 14:531-537; a
# period with n = 0 is a gap that no moving range of z crosses, as qicharts2 0.8.1's
# qic.pp (R/helper.functions.R) drops the moving ranges beside a missing z. The
# independent check's oracle at period 1 is 0.5680 / 0.9428; a moving range across the
# gap gives 0.5331 / 0.9776 (columns lcl_spanning, ucl_spanning).
DEGEN = pd.read_csv(R_DIR / "reference_degenerate_laney.csv")


def _degen(name):
    ref = DEGEN[DEGEN["series"] == name].sort_values("i")
    return pd.DataFrame({"x": ref["x"], "n": ref["n"], "period": ref["i"]}), ref


@pytest.mark.filterwarnings("error")
def test_laney_moving_ranges_do_not_span_a_gap():
    d, ref = _degen("gap")
    r = laney_p_chart(d)
    assert r["lpl"].iloc[0] == pytest.approx(0.5680, abs=5e-5)  # the oracle's 4 decimals
    assert r["upl"].iloc[0] == pytest.approx(0.9428, abs=5e-5)
    for col, rcol in (("lpl", "lcl"), ("upl", "ucl"), ("nlpl", "lcl_95"), ("nupl", "ucl_95"),
                      ("z", "z"), ("sigma_z", "sigma_z")):
        np.testing.assert_allclose(r[col], ref[rcol], rtol=0, atol=1e-12, err_msg=col)
    # the old behaviour, one moving range across the gap, is what R's spanning columns give
    assert abs(r["lpl"].iloc[0] - ref["lcl_spanning"].iloc[0]) > 0.03


def test_laney_gap_has_no_point_and_no_limits():
    r = laney_p_chart(_degen("gap")[0])
    gap = r.iloc[2]
    assert bool(gap["missing"]) and np.isnan(gap["value"]) and np.isnan(gap["z"])
    assert np.isnan(gap[["lpl", "upl", "nlpl", "nupl"]].astype(float)).all()
    assert gap["point_type"] == "missing"


def test_laney_skipped_period_is_a_gap_like_a_period_without_audits():
    d, _ = _degen("gap")
    skipped = laney_p_chart(d[d["n"] > 0])  # period 3 has no row at all
    with_gap = laney_p_chart(d)
    np.testing.assert_allclose(skipped["upl"], with_gap["upl"].drop(index=2), atol=1e-15)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", ["single", "gap_between_every_point"])
def test_laney_without_a_moving_range_has_no_limits(name):
    d, ref = _degen(name)
    r = laney_p_chart(d, target=0.5)
    assert ref["lcl"].isna().all() and ref["sigma_z"].isna().all()  # R: mean of no MR
    assert r[["lpl", "upl", "nlpl", "nupl", "sigma_z"]].isna().all().all()
    np.testing.assert_allclose(r["mean"], ref["cl"], atol=1e-15)
    assert r["assurance"].isna().all()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", ["all_no", "all_yes"])
def test_laney_all_same_answers_put_the_limits_on_the_centre(name):
    d, ref = _degen(name)
    r = laney_p_chart(d)
    for col, rcol in (("lpl", "lcl"), ("upl", "ucl"), ("z", "z"), ("sigma_z", "sigma_z")):
        np.testing.assert_array_equal(r[col], ref[rcol], err_msg=col)
    # the same limits as the p-chart's (sigma_i = 0)
    np.testing.assert_array_equal(r["upl"], p_chart(d)["upl"])


@pytest.mark.filterwarnings("error")
def test_empty_data_gives_an_empty_laney_chart_with_the_documented_columns():
    r = laney_p_chart(pd.DataFrame({"x": [], "n": [], "period": []}))
    assert len(r) == 0
    assert list(r.columns) == list(laney_p_chart(_degen("gap")[0]).columns)


@pytest.mark.filterwarnings("error")
def test_empty_series_gives_an_empty_run_chart_with_the_documented_columns():
    r = run_chart([])
    assert len(r) == 0 and list(r.columns) == list(run_chart([1.0, 2.0, 3.0]).columns)


@pytest.mark.filterwarnings("error")
def test_single_point_run_chart_has_no_useful_point_and_no_signal():
    r = run_chart([4.0]).iloc[0]
    assert r["centre"] == 4.0 and r["n_useful"] == 0
    assert np.isnan(r["longest_run_max"]) and pd.isna(r["n_crossings"])
    assert not r["runs_signal"]
