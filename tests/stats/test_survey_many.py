"""stratified_logit_many: the estimate and logit interval of stratified_proportion, many tables at once."""
import numpy as np
import pandas as pd
import pytest

from kentaudit.stats.survey import stratified_logit_many, stratified_proportion


def _one(y, m, n, N):
    counts = pd.DataFrame({"criterion": "c1", "district": [f"u{i}" for i in range(len(n))],
                           "n_yes": y, "n_denominator": m, "n_audits": n})
    r = stratified_proportion(counts, strata="district", population=dict(zip(counts["district"], N)),
                              method="logit").iloc[0]
    return r["estimate"], r["conf_low"], r["conf_high"]


def test_equals_stratified_proportion_on_random_tables_of_counts():
    rng = np.random.default_rng(7)
    n = np.array([9, 30, 25, 1, 14])
    N = np.array([40.0, 300, 120, 15, 60])
    m = np.array([[rng.integers(0, k + 1) for k in n] for _ in range(60)])
    y = np.array([[rng.integers(0, j + 1) for j in row] for row in m])
    est, lo, hi = stratified_logit_many(y, m, n, N)
    for i in range(len(y)):
        want = _one(y[i], m[i], n, N)
        assert np.allclose([est[i], lo[i], hi[i]], want, rtol=1e-12, equal_nan=True), (y[i], m[i])


def test_every_answer_the_same_gives_no_interval_as_stratified_proportion():
    n, N = np.array([5, 6]), np.array([50.0, 60])
    est, lo, hi = stratified_logit_many([[5, 6]], [[5, 6]], n, N)
    assert est[0] == pytest.approx(1.0) and np.isnan(lo[0]) and np.isnan(hi[0])
    assert np.isnan(_one([5, 6], [5, 6], n, N)[1])
