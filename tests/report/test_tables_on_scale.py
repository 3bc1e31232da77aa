"""Tables a reviewer reads: every column on the scale of its estimate, one statistic with the
same decimals on every row, methods in words, and no column that says nothing (review 26,
findings 15, 17 and 18)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kentaudit.core.formatting import STAT_DECIMALS, format_value
from kentaudit.report.tables import style_table
from kentaudit.stats.ordinal import trend_test
from kentaudit.stats.survey import stratified_proportion

R = Path(__file__).resolve().parents[1] / "r"
DATA = pd.read_csv(R / "reference_core_input_stratified.csv", keep_default_na=False, dtype=str)
DATA = DATA.replace({"": pd.NA}).astype({"N": int})


def _authority_view():
    est = stratified_proportion(DATA, strata="district", population="N", method="logit")
    return est, style_table(est, "authority_estimate")


def test_the_design_based_standard_error_is_shown_in_percentage_points_like_its_estimate():
    est, view = _authority_view()
    col = "Standard error, percentage points"
    assert col in view.frame.columns
    assert view.frame[col].iloc[0] == f"{100 * est['se'].iloc[0]:.1f}"


def test_the_design_effect_has_the_same_decimals_on_every_row():
    _, view = _authority_view()
    assert {len(v.split(".")[1]) for v in view.frame["Design effect"]} == {STAT_DECIMALS}


def test_the_estimated_population_is_a_whole_number_said_as_an_estimate():
    est, view = _authority_view()
    col = "Population where the criterion applies (estimated)"
    assert list(view.frame[col]) == [f"{round(v):,}" for v in est["population_applicable"]]
    assert not any("." in v for v in view.frame[col])


def test_the_design_is_said_in_words_without_symbols():
    _, view = _authority_view()
    assert "Design: stratified simple random sample" in view.caption
    for symbol in ("N_h", "n_h", "FPC"):
        assert symbol not in view.caption
    assert "finite population correction" in view.caption


def test_a_note_column_blank_on_every_row_is_left_out_and_one_with_a_note_stays():
    est, view = _authority_view()
    assert (est["note"].fillna("") == "").all()
    assert "Note" not in view.frame.columns
    noted = est.assign(note=["no applicable answers: proportion undefined"] + [""] * (len(est) - 1))
    assert "Note" in style_table(noted, "authority_estimate").frame.columns


def test_a_test_statistic_and_z_score_have_the_same_decimals_on_every_row():
    rows = pd.concat([trend_test([242, 250, 270, 283], [288, 290, 291, 294]),
                      trend_test([150, 152, 149, 151], [200, 200, 200, 200]),
                      trend_test([100, 110, 130, 150], [200, 200, 200, 200])], ignore_index=True)
    frame = style_table(rows, "trend_tests").frame
    for col in ("Statistic", "z-score"):
        decimals = {len(v.split(".")[1]) for v in frame[col]}
        assert decimals == {STAT_DECIMALS}, (col, list(frame[col]))
    assert format_value(5.2, "stat") == "5.20" and format_value(5.07, "stat") == "5.07"
    assert format_value(-0.001, "stat") == "0.00"


def test_the_trend_method_is_said_in_words_not_as_r_code():
    view = style_table(trend_test([10, 12, 15], [40, 40, 40]), "trend_tests")
    assert "prop.trend.test" not in view.caption and " R " not in view.caption
    assert "binomial variance of the pooled proportion" in view.caption


def test_the_change_table_says_whose_compliance_each_column_is():
    row = pd.DataFrame([{"criterion": "c1", "criterion_label": "Child seen", "n_yes_previous": 268,
                         "n_denominator_previous": 291, "estimate_previous": 268 / 291, "n_yes": 283,
                         "n_denominator": 294, "estimate": 283 / 294, "change": 0.042,
                         "change_conf_low": 0.003, "change_conf_high": 0.082}])
    heads = list(style_table(row, "change_since_previous").frame.columns)
    assert "Compliance (previous cycle), %" in heads and "Compliance (this cycle), %" in heads
    assert not any(h.startswith("Estimate") for h in heads)
