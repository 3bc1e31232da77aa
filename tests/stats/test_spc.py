"""Tests for kentaudit.stats.spc: XmR charts (Making Data Count / NHSRplotthedots) and p-charts."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats.spc import p_chart, xmr

R_DIR = Path(__file__).parents[1] / "r"

# R: set.seed(123); y <- rnorm(20)  (NHSRplotthedots tests/testthat/test-ptd_spc_standard.R)
SEEDED = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
          0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
          0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
          0.70135590, -0.47279141]
# NHSRplotthedots vignettes/deviations.Rmd (18 points, compared with the Excel tool)
DEVIATIONS = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def _first(r, col):
    return r[col].iloc[0]


# --- published NHSRplotthedots values -----------------------------------------------------
# Snapshots tests/testthat/_snaps/ptd_spc_standard.md print 7 significant digits, so the
# tolerance is 5e-7 relative-ish; we use abs=5e-7 on values of order 1.

def test_seeded_series_screened_limits_match_nhsrplotthedots_snapshot():
    r = xmr(SEEDED)
    assert _first(r, "mean") == pytest.approx(0.1416238, abs=5e-8)
    assert _first(r, "lpl") == pytest.approx(-3.01138, abs=5e-6)
    assert _first(r, "upl") == pytest.approx(3.294627, abs=5e-7)


def test_seeded_series_is_all_common_cause_like_nhsrplotthedots_summary():
    # _snaps/ptd_spc.md summary: n 20, common_cause 20.
    assert (xmr(SEEDED).point_type == "common_cause").all()


def test_seeded_series_relative_to_mean_matches_snapshot_prefix():
    r = xmr(SEEDED)
    assert r.relative_to_mean.tolist()[:13] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1]


def test_seeded_series_with_outlier_screened_limits_match_snapshot():
    y = list(SEEDED)
    y[14] = 10  # R: data$y[15] <- 10
    r = xmr(y)
    assert _first(r, "mean") == pytest.approx(0.6694159, abs=5e-8)
    assert _first(r, "lpl") == pytest.approx(-2.383666, abs=5e-7)
    assert _first(r, "upl") == pytest.approx(3.722497, abs=5e-7)
    assert r.relative_to_mean.tolist()[:7] == [-1, -1, 1, -1, -1, 1, -1]


def test_seeded_series_with_outlier_unscreened_limits_match_snapshot():
    y = list(SEEDED)
    y[14] = 10
    r = xmr(y, screen_outliers=False)
    assert _first(r, "lpl") == pytest.approx(-4.596625, abs=5e-7)
    assert _first(r, "upl") == pytest.approx(5.935457, abs=5e-7)


def test_deviations_vignette_screened_limits_and_single_improvement_point():
    r = xmr(DEVIATIONS)  # caption: UPL 4.6, mean 1.94, LPL -0.72
    assert _first(r, "mean") == pytest.approx(1.944444, abs=5e-7)
    assert _first(r, "lpl") == pytest.approx(-0.715556, abs=5e-7)
    assert _first(r, "upl") == pytest.approx(4.604444, abs=5e-7)
    # The vignette's alt text: four common-cause points, one special-cause improvement
    # point, then the rest common cause (it says 12; the series has 13 after the 10).
    assert r.point_type.tolist()[4] == "special_cause_improvement"
    assert (r.point_type.drop(index=4) == "common_cause").all()


def test_deviations_vignette_unscreened_limits_match_excel_tool():
    r = xmr(DEVIATIONS, screen_outliers=False)
    assert _first(r, "lpl") == pytest.approx(-3.062614, abs=5e-7)
    assert _first(r, "upl") == pytest.approx(6.951503, abs=5e-7)


def test_screening_marks_only_the_two_large_moving_ranges():
    r = xmr(DEVIATIONS)
    assert r.moving_range_screened.tolist() == [False] * 4 + [True, True] + [False] * 12


# Rule helpers, NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R.
# Those tests call the raw helpers; through the public function we check the same cases
# on series built so that the limits are wide enough for the rule under test to be the
# only one met.

def _run_series(signs, low=-1.0, high=1.0):
    # a symmetric 12-point baseline fixes mean 0 and wide limits; the points under test
    # follow it at +/-1
    base = [3.0, -3.0] * 6  # mean 0, MR 6 -> limits +/- 15.96
    y = base + [high if s > 0 else low for s in signs]
    return xmr(y, baseline_points=12).iloc[12:].reset_index(drop=True)


def test_seven_on_one_side_flags_the_whole_run_and_not_the_next_point():
    # ptd_seven_point_one_side_mean(c(rep(1, 8), -1)) marks positions 7 and 8 as run ends;
    # ptd_part_of_seven_trend then flags all eight points.
    r = _run_series([1] * 8 + [-1])
    assert r.rule_run.tolist() == [True] * 8 + [False]
    assert r.special_cause_type.tolist()[:8] == ["7 Points Above CL"] * 8


def test_six_on_one_side_is_not_a_run():
    r = _run_series([1] * 6 + [-1])
    assert not r.rule_run.any()


def test_run_below_the_mean_is_flagged_like_above():
    r = _run_series([-1] * 8 + [1])
    assert r.rule_run.tolist() == [True] * 8 + [False]
    assert r.point_type.iloc[0] == "special_cause_concern"


def test_point_on_mean_breaks_run():
    y = [3.0, -3.0] * 6 + [1, 1, 1, 0, 1, 1, 1, 1]
    r = xmr(y, baseline_points=12).iloc[12:]
    assert not r.rule_run.any()


def test_trend_of_seven_flags_all_seven_points():
    # ptd_seven_point_trend(1:7) == c(0,0,0,0,0,0,1)
    y = [30.0, -30.0] * 6 + list(range(1, 8))
    r = xmr(y, baseline_points=12).iloc[12:]
    assert r.rule_trend.all()
    assert (r.special_cause_type == "7 Point Trend (Increasing)").all()


def test_tie_breaks_trend():
    # ptd_seven_point_trend(c(1:3, 3:6)) is all 0
    y = [30.0, -30.0] * 6 + [1, 2, 3, 3, 4, 5, 6]
    r = xmr(y, baseline_points=12).iloc[12:]
    assert not r.rule_trend.any()


def test_decreasing_trend_inside_longer_series():
    # ptd_seven_point_trend(c(2, 7:1, 3)) marks the 8th point with -1
    y = [30.0, -30.0] * 6 + [2, 7, 6, 5, 4, 3, 2, 1, 3]
    r = xmr(y, baseline_points=12).iloc[12:].reset_index(drop=True)
    assert r.rule_trend.tolist() == [False] + [True] * 7 + [False]
    assert r.special_cause_type.iloc[3] == "7 Point Trend (Decreasing)"
    assert r.point_type.iloc[3] == "special_cause_concern"


def test_two_in_three_on_opposite_sides_is_common_cause():
    # NHSRplotthedots test-ptd_spc_standard.R: "it only reports special cause for 2of3 points
    # close to limits when they are on the same side of the mean"
    y = [1.0, -1.0] * 8
    y[14], y[15] = 5.5, -5.5
    r = xmr(y)
    assert r.point_type.tolist()[-2:] == ["common_cause", "common_cause"]


def test_two_in_three_same_side_flags_only_the_close_points():
    # baseline 0 +/- 1 alternating: mean 0, MR 2, limits +/-5.32, near +/-3.55
    y = [1.0, -1.0] * 6 + [4.0, 0.5, 4.0, -1.0]
    r = xmr(y, baseline_points=12).iloc[12:].reset_index(drop=True)
    assert r.rule_two_in_three.tolist() == [True, False, True, False]
    assert r.special_cause_type.iloc[0] == "2 in 3 Above CL"


def test_two_in_three_can_be_switched_off():
    y = [1.0, -1.0] * 6 + [4.0, 0.5, 4.0, -1.0]
    r = xmr(y, baseline_points=12, two_in_three=False).iloc[12:]
    assert not r.rule_two_in_three.any() and not r.special_cause.any()


def test_beyond_three_sigma_counts_only_with_the_2023_variant():
    y = [1.0, -1.0] * 6 + [4.0, 0.5, 9.0, -1.0]
    default = xmr(y, baseline_points=12).iloc[12:].reset_index(drop=True)
    assert not default.rule_two_in_three.iloc[0]
    variant = xmr(y, baseline_points=12, count_beyond_three_sigma=True).iloc[12:].reset_index(drop=True)
    assert variant.rule_two_in_three.tolist() == [True, False, True, False]
    assert variant.special_cause_type.iloc[2] == "Above UCL"  # precedence: outside first


def test_run_length_is_configurable():
    y = [3.0, -3.0] * 6 + [1, 1, 1, 1, 1, 1, -1]
    assert not xmr(y, baseline_points=12).rule_run.any()
    assert xmr(y, baseline_points=12, run_length=6).rule_run.sum() == 6


def test_improvement_direction_decrease_reverses_labels():
    r = xmr(DEVIATIONS, improvement="decrease")
    assert r.point_type.iloc[4] == "special_cause_concern"
    r = xmr(DEVIATIONS, improvement="neither")
    assert r.point_type.iloc[4] == "special_cause_neutral_high"


# Assurance, NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R:
# limits (1, 3) target 4 -> fail when increasing; (5, 7) -> pass; (1, 5) -> inconsistent.
@pytest.mark.parametrize("values,improvement,expected", [
    ([2.0, 2.5, 1.5, 2.0], "increase", "consistently fails"),
    ([6.0, 6.5, 5.5, 6.0], "increase", "consistently passes"),
    ([2.0, 2.5, 1.5, 2.0], "decrease", "consistently passes"),
    ([6.0, 6.5, 5.5, 6.0], "decrease", "consistently fails"),
    ([4.0, 6.0, 2.0, 4.0], "increase", "inconsistent"),
])
def test_assurance_against_target(values, improvement, expected):
    r = xmr(values, improvement=improvement, target=4.0)
    assert (r.assurance == expected).all()


def test_assurance_is_none_without_target_or_for_neither():
    assert xmr(DEVIATIONS).assurance.isna().all()
    assert xmr(DEVIATIONS, improvement="neither", target=1).assurance.isna().all()


def test_trial_limits_below_thirteen_points():
    assert xmr(SEEDED[:12]).trial.all()
    assert not xmr(SEEDED[:13]).trial.any()


def test_rebase_gives_each_group_its_own_limits():
    r = xmr(SEEDED, rebase_at=[11])
    assert r.rebase_group.tolist() == [0] * 10 + [1] * 10
    assert r["mean"].iloc[0] == pytest.approx(np.mean(SEEDED[:10]))
    assert r["mean"].iloc[-1] == pytest.approx(np.mean(SEEDED[10:]))
    assert np.isnan(r.moving_range.iloc[10])  # no moving range across a rebase


# --- gaps ---------------------------------------------------------------------------------

def test_missing_value_breaks_a_run_so_no_signal_spans_it():
    y = [3.0, -3.0] * 6 + [1, 1, 1, np.nan, 1, 1, 1, 1]
    r = xmr(y, baseline_points=12)
    assert not r.rule_run.any()
    assert r.point_type.iloc[15] == "missing"


def test_skipped_integer_period_breaks_a_trend():
    y = [30.0, -30.0] * 6 + [1, 2, 3, 4, 5, 6, 7]
    periods = list(range(2000, 2012)) + [2012, 2013, 2014, 2016, 2017, 2018, 2019]
    r = xmr(y, periods=periods, baseline_points=12)
    assert not r.rule_trend.any()
    assert np.isnan(r.moving_range.iloc[15])


def test_dates_with_freq_detect_a_skipped_month():
    y = [30.0, -30.0] * 6 + [1, 2, 3, 4, 5, 6, 7]
    months = pd.period_range("2010-01", periods=20, freq="M").to_timestamp()
    dates = list(months[:15]) + list(months[16:20])
    assert xmr(y, periods=dates, baseline_points=12).rule_trend.any()  # no freq: no gap known
    r = xmr(y, periods=dates, baseline_points=12, freq="M")
    assert not r.rule_trend.any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]), min_size=8, max_size=30),
       st.lists(st.integers(0, 29), min_size=1, max_size=3))
def test_signals_never_span_a_missing_period(values, holes):
    y = list(values)
    for h in holes:
        y[h % len(y)] = np.nan
    r = xmr(y, screen_outliers=False)
    # every maximal block of run- or trend-flagged rows lies in one segment and is at
    # least as long as the rule requires, so no window crossed a gap
    for rule in ("rule_run", "rule_trend"):
        flags = r[rule].to_numpy()
        i = 0
        while i < flags.size:
            if not flags[i]:
                i += 1
                continue
            j = i
            while j + 1 < flags.size and flags[j + 1]:
                j += 1
            block = r.iloc[i:j + 1]
            assert block.segment.nunique() == 1 and (block.segment >= 0).all(), rule
            assert len(block) >= 7, rule
            i = j + 1
    assert not r.loc[r.missing, "special_cause"].any()


def test_constant_series_has_zero_width_limits_and_no_special_cause():
    r = xmr([5.0] * 15)
    assert (r.lpl == 5).all() and (r.upl == 5).all()
    assert not r.special_cause.any()  # every point on the mean: no run, no trend


def test_periods_are_sorted_and_duplicates_rejected():
    r = xmr([3.0, 1.0, 2.0], periods=[3, 1, 2])
    assert r.value.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(InputError):
        xmr([1.0, 2.0], periods=[1, 1])


def test_unknown_improvement_raises():
    with pytest.raises(MethodError):
        xmr([1.0, 2.0, 3.0], improvement="up")


def test_method_string_names_rules_and_screening():
    m = xmr(SEEDED).method.iloc[0]
    assert "2.66" in m and "3.267" in m and "trend of 7" in m and "run of 7" in m


# --- p-chart ------------------------------------------------------------------------------

def test_p_chart_limits_match_r():
    ref = pd.read_csv(R_DIR / "reference_p_chart.csv")
    r = p_chart(ref[["period", "x", "n"]])
    for col in ("lpl", "upl", "nlpl", "nupl", "sigma"):
        np.testing.assert_allclose(r[col], ref[col], atol=1e-12)
    assert r["mean"].iloc[0] == pytest.approx(ref.centre.iloc[0], abs=1e-14)


def test_p_chart_limits_widen_for_small_denominators():
    d = pd.DataFrame({"period": range(1, 4), "x": [8, 80, 40], "n": [10, 100, 50]})
    r = p_chart(d)
    width = (r.upl - r.lpl).to_numpy()
    assert width[0] > width[2] > width[1]


def test_p_chart_zero_denominator_is_missing_and_breaks_runs():
    x = [16, 16, 16, 0, 16, 16, 16, 16] + [5, 18] * 6
    n = [20, 20, 20, 0, 20, 20, 20, 20] + [20] * 12
    d = pd.DataFrame({"period": range(1, 21), "x": x, "n": n})
    r = p_chart(d)
    assert r.missing.iloc[3] and not r.rule_run.iloc[:8].any()


def test_p_chart_flags_a_period_far_below():
    rng = np.random.default_rng(5)
    n = rng.integers(20, 40, size=24)
    x = rng.binomial(n, 0.8)
    x[17] = int(0.2 * n[17])
    r = p_chart(pd.DataFrame({"period": pd.period_range("2011-01", periods=24, freq="M"),
                              "x": x, "n": n}), target=0.9)
    assert r.special_cause_type.iloc[17] == "Below LCL"
    assert r.point_type.iloc[17] == "special_cause_concern"
    assert not r.trial.any()
    assert r.assurance.iloc[-1] in ("consistently fails", "inconsistent")


# --- edges: empty series, one point, every point missing, no variation ----------------
# The documented convention (kentaudit.stats.spc module docstring): an empty table with
# every column, NaN limits without a moving range, zero-width limits without variation.

@pytest.mark.filterwarnings("error")
def test_empty_series_gives_an_empty_xmr_table_with_the_documented_columns():
    r = xmr([])
    assert len(r) == 0
    assert list(r.columns) == list(xmr([1.0, 2.0, 3.0]).columns)


@pytest.mark.filterwarnings("error")
def test_empty_data_gives_an_empty_p_chart_with_the_documented_columns():
    r = p_chart(pd.DataFrame({"period": [], "x": [], "n": []}), target=0.5)
    assert len(r) == 0
    full = p_chart(pd.DataFrame({"period": [1, 2], "x": [3, 4], "n": [10, 10]}), target=0.5)
    assert list(r.columns) == list(full.columns)


@pytest.mark.filterwarnings("error")
def test_single_point_xmr_has_its_mean_and_no_limits():
    r = xmr([3.0], target=2.0)
    assert _first(r, "mean") == 3.0 and bool(_first(r, "trial"))
    assert r[["lpl", "upl", "nlpl", "nupl", "mean_moving_range"]].isna().all().all()
    assert _first(r, "assurance") is None and not r.special_cause.any()


@pytest.mark.filterwarnings("error")
def test_every_point_missing_gives_no_mean_no_limits_and_no_assurance():
    r = xmr([np.nan, None], target=1.0)
    assert r.missing.all() and r[["mean", "lpl", "upl"]].isna().all().all()
    assert (r.point_type == "missing").all() and r.assurance.isna().all()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("x", [[0, 0, 0], [10, 12, 8]], ids=["all no", "all yes"])
def test_p_chart_with_every_answer_the_same_has_its_limits_on_the_centre(x):
    r = p_chart(pd.DataFrame({"period": [1, 2, 3], "x": x, "n": [10, 12, 8]}))
    centre = _first(r, "mean")
    assert centre in (0.0, 1.0) and (r.sigma == 0).all()
    assert (r.lpl == centre).all() and (r.upl == centre).all() and not r.special_cause.any()


@pytest.mark.filterwarnings("error")
def test_p_chart_with_every_period_empty_has_no_centre_and_no_limits():
    r = p_chart(pd.DataFrame({"period": [1, 2], "x": [0, 0], "n": [0, 0]}), target=0.5)
    assert r.missing.all() and r[["mean", "lpl", "upl"]].isna().all().all()
    assert r.assurance.isna().all()


def test_values_that_are_not_numbers_are_refused():
    with pytest.raises(InputError, match="numbers"):
        xmr(["high", "low"])


def test_periods_that_cannot_be_ordered_are_refused():
    with pytest.raises(InputError, match="order"):
        xmr([1.0, 2.0], periods=[1, "b"])
