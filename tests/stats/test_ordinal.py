"""Ordinal grades: distributions, collapses, rank test, proportional odds, trend.

Reference values: tests/r/reference_more.R -> tests/r/reference_more_ordinal.csv.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import KentauditError, MethodError
from kentaudit.stats.ordinal import collapse_grades, compare_grades, grade_distribution, trend_test

R = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_more_ordinal.csv")


def ref(case, name):
    return float(R.loc[(R["case"] == case) & (R["name"] == name), "value"].iloc[0])


GA = [1, 2, 2, 3, 3, 3, 4, 2, 2, 1, 3, 2, 2, 3, 1, 2, 3, 3, 2, 4]
GB = [2, 3, 3, 4, 4, 3, 2, 3, 4, 4, 3, 3, 2, 3, 4, 3, 2, 1, 3, 4, 4, 3]


def audits(grades, cycle="2009"):
    return pd.DataFrame({"overall_grade": pd.array(grades, dtype="Int64"), "cycle": cycle})


def test_grade_distribution_wilson_matches_r_prop_test():
    out = grade_distribution(audits(GA))
    for k in range(1, 5):
        row = out[out["grade"] == k].iloc[0]
        # R: prop.test(sum(ga == k), 20, correct = FALSE)$conf.int
        assert row["conf_low"] == pytest.approx(ref(f"dist_a_grade{k}", "ci_low"), rel=1e-6)
        assert row["conf_high"] == pytest.approx(ref(f"dist_a_grade{k}", "ci_high"), rel=1e-6)
    assert out["n"].sum() == 20 and set(out["method"]) == {"wilson"}


def test_grade_distribution_counts_missing_separately():
    df = audits(GA + [None, None])
    out = grade_distribution(df)
    assert (out["n_missing"] == 2).all() and (out["n_graded"] == 20).all()
    assert out["estimate"].sum() == pytest.approx(1.0)


def test_grade_distribution_labels_follow_the_era():
    assert grade_distribution(audits(GA, "2009"))["label"].tolist()[2] == "Adequate"
    assert grade_distribution(audits(GA, "2014"))["label"].tolist()[2] == "Requires improvement"


def test_grade_distribution_by_group_has_four_rows_per_group():
    df = pd.concat([audits(GA).assign(district="A"), audits(GB).assign(district="B")])
    out = grade_distribution(df, by="district")
    assert len(out) == 8 and list(out.columns[:2]) == ["district", "grade"]


def test_grade_distribution_rejects_out_of_range_grade():
    with pytest.raises(KentauditError, match="not one of"):
        grade_distribution(audits([1, 5]))


def test_grade_distribution_unknown_method_is_loud():
    with pytest.raises(MethodError):
        grade_distribution(audits(GA), method="wald")


def test_collapse_grades_matches_r_at_90_percent():
    out = collapse_grades(audits(GA), conf_level=0.9).set_index("collapse")
    assert out.loc["good_or_better", "n"] == 11 and out.loc["inadequate", "n"] == 2
    for key, case in (("good_or_better", "a_good_or_better_90"), ("inadequate", "a_inadequate_90")):
        assert out.loc[key, "conf_low"] == pytest.approx(ref(case, "ci_low"), rel=1e-6)
        assert out.loc[key, "conf_high"] == pytest.approx(ref(case, "ci_high"), rel=1e-6)
    assert (out["conf_level"] == 0.9).all()


@pytest.mark.parametrize("correction,case", [(True, "wilcox_correct"), (False, "wilcox_nocorrect")])
def test_rank_test_matches_r_wilcox_test(correction, case):
    # R: wilcox.test(gb, ga, correct = ..., exact = FALSE)
    row = compare_grades(GA, GB, correction=correction).iloc[0]
    assert row["statistic"] == pytest.approx(ref(case, "W"), rel=1e-12)
    assert row["p_value"] == pytest.approx(ref(case, "p_value"), rel=1e-6)


def test_rank_test_reports_probability_of_superiority_and_rank_biserial():
    row = compare_grades(GA, GB).iloc[0]
    assert row["estimate"] == pytest.approx(307.5 / (20 * 22))
    assert row["rank_biserial"] == pytest.approx(2 * 307.5 / 440 - 1)
    assert "worse" in row["direction"]


def test_proportional_odds_matches_r_polr():
    # R: MASS::polr(y ~ s, method = "logistic", Hess = TRUE, control = list(reltol = 1e-14)).
    # Both are iterative optimisers (polr: optim BFGS; OrderedModel: scipy BFGS, gtol 1e-10)
    # and the SE comes from a numerical Hessian, so 1e-6 for the coefficient and 1e-5 for
    # the SE (agreement seen: 1.4e-8 and 5e-8).
    row = compare_grades(GA, GB, conf_level=0.95).iloc[1]
    b, se = ref("polr", "coef"), ref("polr", "se")
    assert np.log(row["estimate"]) == pytest.approx(b, rel=1e-6)
    assert row["se"] == pytest.approx(se, rel=1e-5)
    assert row["conf_low"] == pytest.approx(np.exp(b - 1.959963984540054 * se), rel=1e-4)
    assert row["conf_high"] == pytest.approx(np.exp(b + 1.959963984540054 * se), rel=1e-4)


def test_proportional_odds_direction_odds_ratio_above_one_when_b_is_worse():
    row = compare_grades([1, 1, 2, 2, 3], [3, 3, 4, 4, 2]).iloc[1]
    assert row["estimate"] > 1


def test_compare_grades_accepts_audit_frames_and_counts_missing():
    out = compare_grades(audits(GA + [None]), audits(GB))
    assert out["n_missing_a"].iloc[0] == 1 and out["n_graded_a"].iloc[0] == 20


@pytest.mark.parametrize("case,scores", [("trend_default", None), ("trend_years", [2009, 2010, 2012, 2013])])
def test_cochran_armitage_matches_r_prop_trend_test(case, scores):
    # R: prop.trend.test(c(15,10,8,5), c(40,42,38,41), score = ...)
    row = trend_test([15, 10, 8, 5], [40, 42, 38, 41], scores=scores).iloc[0]
    assert row["statistic"] == pytest.approx(ref(case, "ca_statistic"), rel=1e-6)
    assert row["p_value"] == pytest.approx(ref(case, "ca_p_value"), rel=1e-6)
    assert row["z"] < 0  # proportion falls over the cycles


@pytest.mark.parametrize("case,scores", [("trend_default", None), ("trend_years", [2009, 2010, 2012, 2013])])
def test_linear_by_linear_matches_coin_and_formula(case, scores):
    # R: coin::independence_test(y ~ score) (asymptotic) and (N - 1) r^2
    row = trend_test([15, 10, 8, 5], [40, 42, 38, 41], scores=scores, method="linear_by_linear").iloc[0]
    assert row["statistic"] == pytest.approx(ref(case, "lbl_formula"), rel=1e-6)
    assert row["z"] == pytest.approx(ref(case, "lbl_z"), rel=1e-6)
    assert row["p_value"] == pytest.approx(ref(case, "lbl_p_value"), rel=1e-6)


def test_trend_variants_differ_by_n_minus_one_over_n():
    ca = trend_test([15, 10, 8, 5], [40, 42, 38, 41]).iloc[0]["statistic"]
    lbl = trend_test([15, 10, 8, 5], [40, 42, 38, 41], method="linear_by_linear").iloc[0]["statistic"]
    assert lbl == pytest.approx(ca * 160 / 161, rel=1e-12)


def test_trend_rejects_events_above_totals():
    with pytest.raises(KentauditError):
        trend_test([5, 50], [10, 40])


def test_proportional_odds_estimate_does_not_depend_on_where_the_optimiser_stopped():
    # another BLAS kernel stops BFGS elsewhere (1e-9 apart); the exact Newton polish lands
    # on the same optimum, so the canonical (10-digit) estimate and SE are identical
    from kentaudit.stats.ordinal import _polish_cumulative_logit
    from kentaudit.report.results import canonical_floats
    x = np.array([0, 0, 0, 0, 1, 1, 1, 1.0])
    j = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    n = np.array([12, 30, 25, 8, 5, 20, 30, 15.0])
    a = _polish_cumulative_logit(x, j, n, 4, 0.5, np.array([-1.5, 0.2, 2.0]))
    b = _polish_cumulative_logit(x, j, n, 4, 0.5 + 1e-6, np.array([-1.5 - 1e-7, 0.2, 2.0 + 1e-7]))
    ca, cb = (canonical_floats(pd.DataFrame({"v": v})) for v in (a, b))
    assert ca.equals(cb)


def test_a_sample_without_graded_audits_is_not_testable_rather_than_an_error():
    from kentaudit.stats.ordinal import compare_grades
    out = compare_grades(pd.DataFrame({"overall_grade": [1, 2, 3]}),
                         pd.DataFrame({"overall_grade": pd.array([None, None], dtype="Int64")}),
                         names=("Rest of Kent", "Dover"))
    assert len(out) == 2 and out["p_value"].isna().all() and out["estimate"].isna().all()
    assert (out["note"] == "not testable: no graded audit in Dover").all()


# ---- grade_best: highest (a profile whose highest grade is best) -------------------------------
#: tests/r/reference_grade_best.R -> tests/r/reference_grade_best.csv
R_BEST = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_grade_best.csv")


def ref_best(case, name):
    return float(R_BEST.loc[(R_BEST["case"] == case) & (R_BEST["name"] == name), "value"].iloc[0])


def test_where_the_highest_grade_is_best_the_rank_test_calls_lower_grades_worse_as_r_does():
    # R: wilcox.test(-gb, -ga, correct = TRUE, exact = FALSE)
    row = compare_grades(GA, GB, best="highest").iloc[0]
    assert row["statistic"] == pytest.approx(ref_best("wilcox_highest_best", "W"), rel=1e-12)
    assert row["p_value"] == pytest.approx(ref_best("wilcox_highest_best", "p_value"), rel=1e-6)
    # GB's grades are higher, so better: P(GB worse) is below one half
    assert row["estimate"] < 0.5 and "worse" in row["direction"]


def test_where_the_highest_grade_is_best_the_proportional_odds_model_matches_r_polr_on_reversed_levels():
    row = compare_grades(GA, GB, best="highest").iloc[1]
    b, se = ref_best("polr_highest_best", "coef"), ref_best("polr_highest_best", "se")
    assert np.log(row["estimate"]) == pytest.approx(b, rel=1e-6)
    assert row["se"] == pytest.approx(se, rel=1e-5)
    assert row["estimate"] < 1 and "lower-numbered" in row["direction"]


def test_the_direction_turns_the_comparison_round_and_nothing_else():
    low, high = compare_grades(GA, GB), compare_grades(GA, GB, best="highest")
    assert high["p_value"].to_numpy() == pytest.approx(low["p_value"].to_numpy(), rel=1e-6)
    assert high["estimate"].iloc[0] == pytest.approx(1 - low["estimate"].iloc[0], rel=1e-12)
    assert high["estimate"].iloc[1] == pytest.approx(1 / low["estimate"].iloc[1], rel=1e-6)
    assert "higher-numbered" in low["direction"].iloc[1]


def test_where_the_highest_grade_is_best_good_or_better_is_grades_4_and_3_and_inadequate_is_1():
    out = collapse_grades(audits(GA), conf_level=0.9, best="highest").set_index("collapse")
    for key, case in (("good_or_better", "a_good_or_better_90_highest_best"),
                      ("inadequate", "a_inadequate_90_highest_best")):
        assert out.loc[key, "n"] == ref_best(case, "n")
        assert out.loc[key, "conf_low"] == pytest.approx(ref_best(case, "ci_low"), rel=1e-6)
        assert out.loc[key, "conf_high"] == pytest.approx(ref_best(case, "ci_high"), rel=1e-6)
    # the definitions name the grades and the labels of the scale the grades are on (here the
    # bundled default's, whose grade 3 is Adequate and grade 1 Outstanding: read the other way up)
    assert out.loc["good_or_better", "definition"] == "grade 4 or 3 (adequate or better)"
    assert out.loc["inadequate", "definition"] == "grade 1 (outstanding)"
    low = collapse_grades(audits(GA)).set_index("collapse")["definition"]
    assert list(low) == ["grade 1 or 2 (good or better)", "grade 4 (inadequate)"]


def test_an_unknown_direction_is_refused_naming_the_choices():
    with pytest.raises(MethodError, match="highest"):
        compare_grades(GA, GB, best="top")
