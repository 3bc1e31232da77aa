"""Recovery of known truth over many seeds (not one lucky seed).

Each test simulates from a known proportion or a known finite, stratified
population, with a fresh ``numpy.random.default_rng(seed)`` for every
replicate, and checks that 95% intervals cover the truth at close to the
nominal rate and that the stratified estimator is unbiased. Bounds allow for
Monte Carlo error (SE of a coverage near 0.95 over 2,000 replicates is about
0.005) and the known oscillation of binomial coverage.
"""
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from kentaudit.stats.proportions import proportion_ci
from kentaudit.inputs.reference import districts
from kentaudit.stats.survey import stratified_proportion

SEEDS = range(2000)


@lru_cache(maxsize=None)
def _binomial_counts(n, p):
    return np.array([np.random.default_rng(s).binomial(n, p) for s in SEEDS])


@pytest.mark.parametrize("method,low,high", [("wilson", 0.93, 0.975), ("jeffreys", 0.93, 0.975),
                                             ("agresti-coull", 0.935, 0.985), ("clopper-pearson", 0.945, 1.0)])
def test_binomial_intervals_cover_at_about_the_nominal_rate(method, low, high):
    cover = []
    for n in (30, 100):
        for p in (0.15, 0.4, 0.5, 0.8):
            x = _binomial_counts(n, p)
            ci = proportion_ci(x, n, method=method)
            cover.append(((ci.conf_low <= p) & (p <= ci.conf_high)).mean())
    assert low <= np.mean(cover) <= high
    assert min(cover) >= low - 0.03


def test_fpc_interval_covers_a_finite_population_at_about_the_nominal_rate():
    N, K, n = 120, 48, 60                       # half the frame sampled; true P = 0.4
    x = np.array([np.random.default_rng(s).hypergeometric(K, N - K, n) for s in SEEDS])
    with_fpc = proportion_ci(x, n, population=N)
    without = proportion_ci(x, n)
    c_fpc = ((with_fpc.conf_low <= 0.4) & (0.4 <= with_fpc.conf_high)).mean()
    c_plain = ((without.conf_low <= 0.4) & (0.4 <= without.conf_high)).mean()
    assert 0.93 <= c_fpc <= 0.975
    assert c_plain > 0.98                       # ignoring the FPC over-covers at f = 0.5


def _population():
    """A known stratified population: district sizes from the reference table,
    yes / no / not applicable counts fixed per district."""
    d = districts()
    N = d["children_on_plans"].to_numpy()
    p_yes = np.linspace(0.35, 0.8, len(N))
    na = np.round(N * 0.15).astype(int)
    yes = np.round((N - na) * p_yes).astype(int)
    no = N - na - yes
    return d["district"].to_numpy(), N, yes, no, na


def _draw(seed, names, N, yes, no, na, frac):
    rng = np.random.default_rng(seed)
    n = np.maximum(np.round(N * frac).astype(int), 2)
    y, m_no, m_na = np.array([rng.multivariate_hypergeometric([a, b, c], k)
                              for a, b, c, k in zip(yes, no, na, n)]).T
    return pd.DataFrame({"district": names, "criterion": f"seed{seed}", "n_yes": y, "n_no": m_no,
                         "n_denominator": y + m_no, "n_not_applicable": m_na, "n_missing": 0,
                         "n_audits": n, "N": N})


def test_stratified_estimator_is_unbiased_and_covers_the_truth():
    names, N, yes, no, na = _population()
    truth = yes.sum() / (yes.sum() + no.sum())
    # one "criterion" per seed, so a single call estimates every replicate
    counts = pd.concat([_draw(seed, names, N, yes, no, na, frac=0.15) for seed in range(400)])
    o = stratified_proportion(counts, population="N", method="logit")
    est = o.estimate.to_numpy()
    cover = ((o.conf_low <= truth) & (truth <= o.conf_high)).to_numpy()
    # Unbiased (a domain ratio estimator: bias O(1/n), far below the MC error here)
    assert abs(est.mean() - truth) < 3 * est.std(ddof=1) / np.sqrt(len(est))
    assert 0.92 <= np.mean(cover) <= 0.98


def test_stratified_estimator_without_a_domain_is_exactly_unbiased_in_expectation():
    names, N, yes, no, na = _population()
    no = no + na                                  # every file applicable
    na = np.zeros_like(na)
    truth = yes.sum() / N.sum()
    counts = pd.concat([_draw(s, names, N, yes, no, na, frac=0.3) for s in range(400)])
    est = stratified_proportion(counts, population="N", method="mean").estimate.to_numpy()
    assert abs(est.mean() - truth) < 3 * est.std(ddof=1) / np.sqrt(len(est))
