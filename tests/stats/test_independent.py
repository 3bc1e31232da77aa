"""Tests of kentaudit.stats.independent.

References: tests/r/reference_core.R section 2 (R 4.2 chisq.test(correct =
FALSE) x (N-1)/N, fisher.test, Newcombe's formula on prop.test Wilson
limits) and Newcombe (1998b), Statistics in Medicine 17:873-890.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.stats.independent import compare_independent, compare_samples
from kentaudit.core.errors import InputError, MethodError

R = Path(__file__).parents[1] / "r"
REF = pd.read_csv(R / "reference_core_twoindep.csv").rename(
    columns={"ci_lower": "conf_low", "ci_upper": "conf_high"})  # R names -> the vocabulary


def test_newcombe_published_example():
    # Newcombe (1998b), method 10: 56/70 vs 48/80 -> 0.0524 to 0.3339
    o = compare_independent(56, 70, 48, 80).iloc[0]
    assert round(o.conf_low, 4) == 0.0524 and round(o.conf_high, 4) == 0.3339


def test_interval_matches_r():
    ok = REF.n1.gt(0) & REF.n2.gt(0)
    o = compare_independent(REF.x1, REF.n1, REF.x2, REF.n2)
    np.testing.assert_allclose(o.loc[ok, "conf_low"], REF.loc[ok, "conf_low"], rtol=1e-6)
    np.testing.assert_allclose(o.loc[ok, "conf_high"], REF.loc[ok, "conf_high"], rtol=1e-6)


def test_n1_chisq_matches_r_where_every_expected_count_is_at_least_one():
    big = REF.min_expected >= 1
    o = compare_independent(REF.x1, REF.n1, REF.x2, REF.n2)
    assert (o.loc[big, "test"] == "n-1 chi-square").all()
    np.testing.assert_allclose(o.loc[big, "statistic"], REF.loc[big, "n1_chi2"], rtol=1e-6)
    np.testing.assert_allclose(o.loc[big, "p_value"], REF.loc[big, "n1_chi2_p"], rtol=1e-6)


def test_fisher_used_below_the_threshold_and_zero_margins_not_tested():
    # every R case below the policy threshold (min expected < 1) has a zero margin: not testable
    small = REF.min_expected < 1
    assert small.sum() == 3
    o = compare_independent(REF.x1, REF.n1, REF.x2, REF.n2)
    assert (o.loc[small, "test"] == "not testable").all() and o.loc[small, "p_value"].isna().all()
    # 1/12 against 0/3: min expected 0.2 > 0, so Fisher; R fisher.test(matrix(c(1, 11, 0, 3), 2)) = 1
    f = compare_independent([1, 2], [12, 3], [0, 9], [3, 10]).iloc[1]
    assert f["test"] == "fisher exact"


def test_fisher_policy_matches_r_everywhere_a_test_is_possible():
    o = compare_independent(REF.x1, REF.n1, REF.x2, REF.n2, test_policy="fisher")
    # a zero margin leaves one possible table: R's fisher.test says p = 1; kentaudit: not testable
    degenerate = ((REF.x1 + REF.x2) == 0) | ((REF.x1 + REF.x2) == (REF.n1 + REF.n2)) | (REF.n1 == 0) | (REF.n2 == 0)
    np.testing.assert_allclose(o.loc[~degenerate, "p_value"], REF.loc[~degenerate, "fisher_p"], rtol=1e-6)
    assert o.loc[degenerate, "p_value"].isna().all()


def test_untestable_comparisons_have_a_missing_p_value_and_say_why():
    o = compare_independent([0, 0, 10, 5], [0, 10, 10, 5], [0, 0, 20, 0], [0, 20, 20, 0])
    assert o["p_value"].isna().all() and (o["test"] == "not testable").all()
    assert o["note"].str.startswith("not testable: ").all()


@pytest.mark.parametrize("x1,n1,x2,n2", [(0, 0, 0, 0), (3, 5, 0, 0), (0, 0, 2, 4)])
def test_a_group_with_no_answers_is_not_testable_and_p_is_missing(x1, n1, x2, n2):
    # R: prop.test(c(0, 0), c(0, 0)) stops; chisq.test(matrix(0, 2, 2)) gives NaN: not p = 1
    o = compare_independent(x1, n1, x2, n2).iloc[0]
    assert np.isnan(o.p_value) and np.isnan(o.statistic) and np.isnan(o.difference)
    assert o.test == "not testable" and "a group has no yes/no answers" in o.note


def test_non_whole_counts_are_refused():
    with pytest.raises(InputError, match="whole"):
        compare_independent(1.5, 3, 1, 3)


def test_every_row_names_test_policy_and_threshold():
    o = compare_independent([5, 1], [10, 10], [7, 0], [10, 10])
    assert o["test"].tolist() == ["n-1 chi-square", "fisher exact"]
    assert set(o.test_policy) == {"n-1-chisq-or-fisher"} and set(o.policy_threshold) == {1.0}
    assert set(o.method) == {"newcombe"} and set(o.conf_level) == {0.95}


def test_unknown_policy_is_refused():
    with pytest.raises(MethodError):
        compare_independent(1, 2, 1, 2, test_policy="chisq")


def _audits():
    return pd.DataFrame({
        "case_ref": ["a", "b", "c", "d", "e", "f", "g", "a"],
        "cycle": ["2009"] * 8,
        "sample": ["initial", "initial", "initial", "extended", "extended", "extended", "extended", "reaudit"],
        "c_seen": ["Y", "Y", "N", "N", "N", "Y", "NA", "N"],
    })


def test_compare_samples_uses_the_additional_cases_only():
    o = compare_samples(_audits()).iloc[0]
    assert (o.n_yes_a, o.n_denominator_a, o.n_yes_b, o.n_denominator_b) == (2, 3, 1, 3)
    assert o.n_not_applicable_b == 1 and o.sample_b == "extended"
    assert o.difference == pytest.approx(2 / 3 - 1 / 3)


def test_compare_samples_refuses_overlapping_groups():
    with pytest.raises(InputError, match="share"):
        compare_samples(_audits(), a="initial", b="reaudit")


def test_compare_samples_refuses_a_sample_with_itself():
    with pytest.raises(InputError):
        compare_samples(_audits(), a="initial", b="initial")
