"""Between districts: independence tests, one-vs-rest, all pairs.

Reference values: tests/r/reference_more.R -> tests/r/reference_more_association.csv,
and Newcombe (1998) Stat Med 17:873-890, method 10, example 56/70 vs 48/80.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.stats.association import all_pairs, independence_test, one_vs_rest, two_group_test
from kentaudit.core.errors import KentauditError, MethodError

R = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_more_association.csv")


def ref(case, name):
    return float(R.loc[(R["case"] == case) & (R["name"] == name), "value"].iloc[0])


DENSE = np.array([[40, 20], [35, 22], [30, 25], [44, 15], [28, 20], [50, 18], [20, 15],
                  [41, 25], [55, 30], [60, 40], [25, 12], [18, 14]])
SPARSE = np.array([[10, 2], [8, 4], [3, 9], [5, 5], [1, 3], [7, 1]])


def test_newcombe_published_example():
    # Newcombe (1998), method 10: 56/70 vs 48/80 -> 0.0524 to 0.3339
    r = two_group_test(56, 70, 48, 80)
    assert r["conf_low"] == pytest.approx(0.0524, abs=5e-5)
    assert r["conf_high"] == pytest.approx(0.3339, abs=5e-5)


@pytest.mark.parametrize("case", [f"pair{i}" for i in range(1, 6)])
def test_two_group_test_matches_r(case):
    x1, n1, x2, n2 = (int(ref(case, k)) for k in ("x1", "n1", "x2", "n2"))
    r = two_group_test(x1, n1, x2, n2)
    # Newcombe limits from R prop.test(correct = FALSE) Wilson limits
    assert r["conf_low"] == pytest.approx(ref(case, "newcombe_low"), rel=1e-6)
    assert r["conf_high"] == pytest.approx(ref(case, "newcombe_high"), rel=1e-6)
    assert r["min_expected"] == pytest.approx(ref(case, "min_expected"), rel=1e-9)
    if r["min_expected"] >= 1:
        assert r["test"] == "N-1 chi-square"
        assert r["statistic"] == pytest.approx(ref(case, "n1_chisq"), rel=1e-6)
        assert r["p_value"] == pytest.approx(ref(case, "n1_p_value"), rel=1e-6)
    else:
        assert r["test"] == "Fisher exact"
        assert r["p_value"] == pytest.approx(ref(case, "fisher_p_value"), rel=1e-6)


def test_two_group_test_uses_fisher_when_an_expected_count_is_below_one():
    r = two_group_test(1, 3, 300, 400)  # smallest expected count 3 * 102 / 403 = 0.76
    assert r["test"] == "Fisher exact" and r["min_expected"] < 1


def test_dense_table_uses_pearson_and_matches_r_chisq_test():
    row = independence_test(DENSE).iloc[0]
    assert row["test"] == "Pearson chi-square"
    assert row["statistic"] == pytest.approx(ref("dense", "statistic"), rel=1e-6)
    assert row["df"] == ref("dense", "df")
    assert row["p_value"] == pytest.approx(ref("dense", "p_value"), rel=1e-6)
    assert row["cramers_v"] == pytest.approx(ref("dense", "cramers_v"), rel=1e-6)
    assert row["cramers_v_bias_corrected"] == pytest.approx(ref("dense", "cramers_v_bc"), rel=1e-6)
    assert pd.isna(row["seed"])


def test_sparse_table_uses_monte_carlo_with_recorded_seed():
    row = independence_test(SPARSE, seed=7, n_resamples=99_999).iloc[0]
    assert row["test"] == "Monte Carlo Pearson chi-square"
    assert row["seed"] == 7 and row["n_resamples"] == 99_999
    assert row["statistic"] == pytest.approx(ref("sparse", "statistic"), rel=1e-6)
    assert row["cramers_v_bias_corrected"] == pytest.approx(ref("sparse", "cramers_v_bc"), rel=1e-6)
    # R: chisq.test(simulate.p.value = TRUE, B = 2e6) estimates the same p; allow 4 combined MC SEs
    p = ref("sparse", "mc_p_value")
    se = np.sqrt(p * (1 - p) / 99_999 + p * (1 - p) / 2e6)
    assert abs(row["p_value"] - p) < 4 * se


def test_monte_carlo_p_value_is_reproducible_from_the_seed():
    a = independence_test(SPARSE, seed=11, n_resamples=9_999).iloc[0]["p_value"]
    b = independence_test(SPARSE, seed=11, n_resamples=9_999).iloc[0]["p_value"]
    assert a == b


def test_sparse_2x2_uses_fisher_exact_matching_r():
    row = independence_test(np.array([[9, 1], [3, 4]])).iloc[0]
    assert row["test"] == "Fisher exact"
    assert row["p_value"] == pytest.approx(ref("sparse2x2", "fisher_p_value"), rel=1e-6)


def test_fisher_refused_for_larger_tables():
    with pytest.raises(KentauditError, match="2 x 2"):
        independence_test(SPARSE, method="fisher")


def test_unknown_method_is_loud():
    with pytest.raises(MethodError):
        independence_test(DENSE, method="g-test")


def _audits():
    rows = []
    for d, (y, n, na) in {"A": (30, 10, 3), "B": (20, 20, 0), "C": (5, 2, 1)}.items():
        rows += [{"district": d, "c_seen": "Y"}] * y + [{"district": d, "c_seen": "N"}] * n
        rows += [{"district": d, "c_seen": "NA"}] * na + [{"district": d, "c_seen": pd.NA}]
    return pd.DataFrame(rows)


def test_independence_from_audits_excludes_na_and_missing():
    row = independence_test(_audits(), criterion="seen", method="pearson").iloc[0]
    assert row["n"] == 87


def test_one_vs_rest_counts_and_denominators():
    out = one_vs_rest(_audits(), "seen").set_index("level")
    assert (out.loc["A", ["n_yes", "n_denominator", "n_yes_rest", "n_denominator_rest"]].tolist()) == [30, 40, 25, 47]
    assert out.loc["A", "n_not_applicable"] == 3 and out.loc["A", "n_missing"] == 1
    assert out.loc["A", "difference"] == pytest.approx(30 / 40 - 25 / 47)
    assert set(out["family"]) == {"3 districts x 1 criterion (c_seen), each against the rest"}
    assert out["p_value"].notna().all() and out["test"].notna().all()


def test_one_vs_rest_adjusts_with_holm_by_default():
    out = one_vs_rest(_audits(), "seen")
    p = out["p_value"].to_numpy()
    order = np.argsort(p)
    holm = np.minimum(1, np.maximum.accumulate(p[order] * (3 - np.arange(3))))
    expected = np.empty(3)
    expected[order] = holm
    np.testing.assert_allclose(out["p_adjusted"], expected, rtol=1e-12)


def test_all_pairs_has_one_row_per_pair():
    out = all_pairs(_audits(), "seen", adjust_method="bonferroni")
    assert list(zip(out["level_a"], out["level_b"])) == [("A", "B"), ("A", "C"), ("B", "C")]
    np.testing.assert_allclose(out["p_adjusted"], np.minimum(1, out["p_value"] * 3))


def test_missing_seed_and_df_stay_whole_numbers():
    # a Pearson test has no seed and a not-testable table no df: missing integers, never floats
    import pandas as pd

    from kentaudit.stats import association
    pear = association.independence_test(pd.DataFrame([[30, 40], [50, 60]]))
    none = association.independence_test(pd.DataFrame([[3, 0], [5, 0]]))
    for r in (pear, none):
        assert str(r["df"].dtype) == "Int64" and str(r["seed"].dtype) == "Int64"
    assert pear["df"].iloc[0] == 1 and pd.isna(pear["seed"].iloc[0]) and pd.isna(none["df"].iloc[0])
