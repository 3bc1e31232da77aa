"""Evaluating an action: how many files to re-audit, and whether the targeted practice improved.

An action agreed after an audit (:mod:`kentaudit.inputs.actions`) targets criteria in some
units (districts, or the whole authority) and aims for a level. This family answers, from
counts only:

- **how many files to re-audit** to detect the target change with a stated power, at the
  unit's size (:func:`reaudit_sample_size`: R ``power.prop.test`` with Cochran's finite
  population correction, or the re-audit size given the baseline files already audited);
- **the change** in the targeted criterion and units, re-audit minus baseline, with its
  interval and test (:func:`action_change`: :func:`kentaudit.stats.independent.compare_independent`,
  Newcombe's hybrid score interval and the N-1 chi-square or Fisher's test);
- **against the rest of the authority** (:func:`difference_in_differences`): the targeted
  units' change minus the other units' change over the same cycles, so that an
  authority-wide improvement is not credited to the action;
- **regression to the mean** (:func:`regression_to_mean`): where units were chosen
  because they scored low, part of their next score's rise is expected with no action at
  all; the expected part is the shrinkage of the baseline towards the authority mean
  under the beta-binomial model of :mod:`kentaudit.stats.shrinkage`, and the change is
  also given net of it.

Nothing here reads files; :func:`evaluate_action` puts the four together for one action's
counts. Every interval is two-sided at ``conf_level``; an action is said to have
**improved** practice when the lower limit of its interval is above 0 (a one-sided error
rate of (1 - conf_level) / 2 when nothing changed; measured on a truth-known programme in
``benchmarks/bench_actions.py``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_conf_level, check_method
from kentaudit.stats.independent import compare_independent
from kentaudit.stats.proportions import proportion_ci
from kentaudit.stats.shrinkage import fit_beta_binomial

__all__ = ["DID_METHODS", "SAMPLE_SIZE_METHODS", "reaudit_sample_size", "action_change",
           "difference_in_differences", "regression_to_mean", "evaluate_action", "mover_difference"]

#: Closed set of the re-audit sample-size methods.
SAMPLE_SIZE_METHODS = ("power-prop-fpc",)
#: Closed set of the difference-in-differences interval methods.
DID_METHODS = ("mover-newcombe", "wald")


def _z(conf_level: float) -> float:
    return float(stats.norm.ppf(1 - (1 - conf_level) / 2))


def _power(n2, n1, p1, p2, z_a):
    """Power of the two-sided z test of p1 = p2 with n1 and n2 files (R ``power.prop.test``'s
    formula with ``strict = FALSE``, for unequal sizes: pooled variance under the null,
    unpooled under the alternative)."""
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    se0 = np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    se1 = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return stats.norm.cdf((abs(p2 - p1) - z_a * se0) / se1)


def reaudit_sample_size(p_baseline, p_target, population=None, n_baseline=None, power: float = 0.8,
                        conf_level: float = 0.95, method: str = "power-prop-fpc") -> pd.DataFrame:
    """Files to re-audit to detect a change from ``p_baseline`` to ``p_target`` with ``power``.

    Parameters
    ----------
    p_baseline, p_target : float or array-like
        Compliance before (the finding) and the level the action aims for (its target);
        strictly between 0 and 1 and different.
    population : int or array-like, optional
        Files in the unit that could be re-audited (its frame, for example children on
        plans in the district). ``None``: no finite population correction.
    n_baseline : int or array-like, optional
        Files the baseline already audited. ``None``: the re-audit and the baseline are
        taken to be the same size (R ``power.prop.test``'s ``n`` per group). Given: the
        re-audit size that reaches ``power`` against that fixed baseline (the same power
        formula with unequal sizes, solved by Brent's method).
    power : float
        Probability of a significant two-sided test at ``conf_level`` when the target is
        reached (strictly between 0 and 1).
    conf_level : float
        1 - the two-sided significance level of the test.
    method : {"power-prop-fpc"}
        The normal-approximation power of R ``power.prop.test`` (``strict = FALSE``), then
        Cochran's finite population correction n = n0 / (1 + (n0 - 1) / N).

    Returns
    -------
    DataFrame
        One row per input: ``p_baseline``, ``p_target``, ``change`` (target minus
        baseline), ``power``, ``conf_level``, ``population``, ``n_baseline`` (NaN when not
        given), ``n0`` (re-audit files without the correction, unrounded), ``n`` (with the
        correction, unrounded), ``n_required`` (``n`` rounded up, at most the population;
        empty where no size reaches the power), ``sampling_fraction``, ``power_achieved``
        (the power at ``n0`` rounded up, before the correction), ``method`` and ``note`` (why
        a size is empty).

    Notes
    -----
    The correction treats the re-audit as a simple random sample without replacement from
    the unit's files (Cochran 1977, section 4.4, eqs 4.1-4.2), as
    :func:`kentaudit.stats.precision.sample_size_for_precision` does. When the baseline is
    fixed and too small, no re-audit size reaches the power (the limit as the re-audit
    grows is below it): ``n_required`` is empty and the note says so.

    Validated against R 4.2 ``power.prop.test`` (equal sizes) and ``uniroot`` on the same
    power formula (a fixed baseline), with the correction evaluated in R
    (``tests/r/reference_actions.R``).

    References
    ----------
    1. Cochran WG (1977). Sampling Techniques, 3rd ed., sections 4.4 and 4.6. Wiley.
    2. Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and Proportions,
       3rd ed., section 4.2. Wiley.
    """
    check_method(method, SAMPLE_SIZE_METHODS)
    c = check_conf_level(conf_level)
    pw = check_conf_level(power, "power")
    pop = np.nan if population is None else population
    nb = np.nan if n_baseline is None else n_baseline
    p1, p2, N, n1 = (np.atleast_1d(a).astype(np.float64) for a in np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (p_baseline, p_target, pop, nb))))
    if np.any(~((p1 > 0) & (p1 < 1))) or np.any(~((p2 > 0) & (p2 < 1))):
        raise InputError("p_baseline and p_target must be strictly between 0 and 1 (0.6 for 60%).",
                         column="p_target")
    if np.any(p1 == p2):
        raise InputError("the target equals the baseline: there is no change to detect.", column="p_target")
    if population is not None and np.any(~(N >= 1)):
        raise InputError("population sizes must be at least 1.", column="population")
    if n_baseline is not None and np.any(~(n1 >= 1) | (n1 % 1 != 0)):
        raise InputError("n_baseline must be whole numbers of at least 1.", column="n_baseline")
    z_a, z_b = _z(c), float(stats.norm.ppf(pw))
    k = p1.size
    n0 = np.full(k, np.nan)
    note = [""] * k
    for i in range(k):
        if np.isnan(n1[i]):
            pbar = (p1[i] + p2[i]) / 2
            n0[i] = ((z_a * np.sqrt(2 * pbar * (1 - pbar)) + z_b * np.sqrt(p1[i] * (1 - p1[i]) + p2[i] * (1 - p2[i])))
                     / abs(p2[i] - p1[i])) ** 2
            continue
        # the power as the re-audit grows without bound: only the baseline's variance is left
        limit = _power(1e12, n1[i], p1[i], p2[i], z_a)
        if limit <= pw:
            note[i] = (f"no re-audit size reaches the power: with {int(n1[i])} baseline files the power "
                       f"cannot exceed {limit:.3f}")
            continue
        lo, hi = 1e-6, 1.0
        while _power(hi, n1[i], p1[i], p2[i], z_a) < pw:
            hi *= 2
        n0[i] = optimize.brentq(lambda n: _power(n, n1[i], p1[i], p2[i], z_a) - pw, lo, hi,
                                xtol=1e-12, rtol=1e-14)
    with np.errstate(invalid="ignore"):
        n = np.where(np.isnan(N), n0, n0 / (1 + (n0 - 1) / np.where(np.isnan(N), 1.0, N)))
        need = np.ceil(n - 1e-9)
        need = np.where(np.isnan(N), need, np.minimum(need, N))
        n_for_power = np.where(np.isnan(n0), np.nan, np.ceil(n0 - 1e-9))
        achieved = np.where(np.isnan(n1), _power(n_for_power, n_for_power, p1, p2, z_a),
                            _power(n_for_power, np.where(np.isnan(n1), 1.0, n1), p1, p2, z_a))
    return pd.DataFrame({
        "p_baseline": p1, "p_target": p2, "change": p2 - p1, "power": pw, "conf_level": c,
        "population": N, "n_baseline": n1, "n0": n0, "n": n,
        "n_required": pd.array([None if np.isnan(v) else int(v) for v in need], dtype="Int64"),
        "sampling_fraction": need / N, "power_achieved": achieved, "method": method, "note": note})


def action_change(x_baseline, n_baseline, x_reaudit, n_reaudit, conf_level: float = 0.95,
                  test_policy: str = "n-1-chisq-or-fisher") -> pd.DataFrame:
    """Change in compliance from the baseline to the re-audit, with its interval and test.

    A thin naming of :func:`kentaudit.stats.independent.compare_independent` with the
    re-audit as group a: the baseline and the re-audit are independent samples of two
    cycles (a file audited in both would make them paired; the annual samples are drawn
    afresh).

    Returns
    -------
    DataFrame
        One row per input: ``n_yes_baseline``, ``n_denominator_baseline``, ``n_yes_reaudit``,
        ``n_denominator_reaudit``, ``estimate_baseline``, ``estimate_reaudit``, ``change``
        (re-audit minus baseline), ``conf_low``, ``conf_high`` (Newcombe's interval of the
        change), ``method``, ``conf_level``, ``test``, ``statistic``, ``df``, ``p_value``,
        ``note`` (as :func:`~kentaudit.stats.independent.compare_independent`).

    Validated as ``compare_independent`` is (R ``chisq.test``, ``fisher.test``, Newcombe
    1998), and again on this module's cases in ``tests/r/reference_actions.R``.
    """
    r = compare_independent(x_reaudit, n_reaudit, x_baseline, n_baseline, conf_level=conf_level,
                            test_policy=test_policy)
    return pd.DataFrame({
        "n_yes_baseline": r["n_yes_b"], "n_denominator_baseline": r["n_denominator_b"],
        "n_yes_reaudit": r["n_yes_a"], "n_denominator_reaudit": r["n_denominator_a"],
        "estimate_baseline": r["estimate_b"], "estimate_reaudit": r["estimate_a"], "change": r["difference"],
        "conf_low": r["conf_low"], "conf_high": r["conf_high"], "method": r["method"],
        "conf_level": r["conf_level"], "test": r["test"], "statistic": r["statistic"], "df": r["df"],
        "p_value": r["p_value"], "note": r["note"]})


def mover_difference(d1, l1, u1, d2, l2, u2):
    """The MOVER interval of d1 - d2 from the intervals (l1, u1) of d1 and (l2, u2) of d2.

    L = d - sqrt((d1 - l1)^2 + (u2 - d2)^2), U = d + sqrt((u1 - d1)^2 + (d2 - l2)^2)
    (Zou & Donner 2008; Newcombe's hybrid score interval of a difference of proportions is
    this combination of two Wilson intervals). Written here because it is three lines of
    arithmetic and no maintained Python library exposes it.

    Returns
    -------
    tuple of arrays (d, L, U)
    """
    d1, l1, u1, d2, l2, u2 = (np.asarray(v, dtype=np.float64) for v in (d1, l1, u1, d2, l2, u2))
    d = d1 - d2
    return d, d - np.sqrt((d1 - l1) ** 2 + (u2 - d2) ** 2), d + np.sqrt((u1 - d1) ** 2 + (d2 - l2) ** 2)


def difference_in_differences(x_t0, n_t0, x_t1, n_t1, x_r0, n_r0, x_r1, n_r1, conf_level: float = 0.95,
                              method: str = "mover-newcombe") -> pd.DataFrame:
    """The targeted units' change minus the rest of the authority's change, with an interval and test.

    Parameters
    ----------
    x_t0, n_t0, x_t1, n_t1 : int or array-like
        Files meeting the criterion and applicable files in the targeted units at the
        baseline (0) and the re-audit (1).
    x_r0, n_r0, x_r1, n_r1 : int or array-like
        The same for the other units of the authority (the comparison).
    conf_level : float
        Two-sided level of the interval.
    method : {"mover-newcombe", "wald"}
        ``"mover-newcombe"`` (default): the MOVER combination (:func:`mover_difference`) of
        Newcombe's hybrid score intervals of the two changes; it stays inside the possible
        range and keeps its coverage near the nominal level with a district's 25 files and
        proportions near 0 or 1, where the Wald interval is too narrow (Newcombe 1998;
        Zou & Donner 2008). ``"wald"``: estimate +/- z x the square root of the sum of the
        four binomial variances, which is the interaction coefficient of a binomial GLM
        with an identity link on the four counts and its Wald interval.

    Returns
    -------
    DataFrame
        One row per input: the eight counts (``n_yes_target_baseline``,
        ``n_denominator_target_baseline``, ``n_yes_target_reaudit``, ...,
        ``n_denominator_rest_reaudit``); ``change_target``, ``change_target_conf_low``,
        ``change_target_conf_high``; ``change_rest``, ``change_rest_conf_low``,
        ``change_rest_conf_high`` (Newcombe intervals); ``difference`` (change_target -
        change_rest, the difference in differences), ``conf_low``, ``conf_high`` (its
        interval by ``method``); ``se`` (the Wald standard error), ``test``
        (``"wald z (identity-link interaction)"``), ``statistic`` (z), ``p_value``
        (two-sided); ``method``, ``conf_level``, ``note``.

    Notes
    -----
    The test is the Wald z test of the interaction whatever the interval method (so the
    p-value and the MOVER interval can disagree at the margin; the decision "the action
    improved practice more than elsewhere" reads the interval). Edges: a group with no
    applicable files gives NaN throughout with the reason in ``note``; a zero Wald
    standard error (every proportion 0 or 1) gives no test (``p_value`` empty) and, with
    ``method="wald"``, no interval.

    Validated against R 4.2: ``glm(cbind(yes, no) ~ group * period, binomial(link =
    "identity"))``: its interaction estimate, standard error, Wald interval and p-value;
    and the MOVER limits from R ``prop.test`` Wilson limits (``tests/r/reference_actions.R``).

    References
    ----------
    1. Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.
    2. Zou GY, Donner A (2008). Construction of confidence limits about effect measures:
       a general approach. Statistics in Medicine 27:1693-1702.
    """
    check_method(method, DID_METHODS)
    c = check_conf_level(conf_level)
    counts = [np.atleast_1d(a).astype(np.float64) for a in np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (x_t0, n_t0, x_t1, n_t1, x_r0, n_r0, x_r1, n_r1)))]
    xt0, nt0, xt1, nt1, xr0, nr0, xr1, nr1 = counts
    ct = compare_independent(xt1, nt1, xt0, nt0, conf_level=c)
    cr = compare_independent(xr1, nr1, xr0, nr0, conf_level=c)
    dt, lt, ut = (ct[k].to_numpy() for k in ("difference", "conf_low", "conf_high"))
    dr, lr, ur = (cr[k].to_numpy() for k in ("difference", "conf_low", "conf_high"))
    with np.errstate(invalid="ignore", divide="ignore"):
        var = sum(p * (1 - p) / n for p, n in ((xt0 / nt0, nt0), (xt1 / nt1, nt1), (xr0 / nr0, nr0),
                                                (xr1 / nr1, nr1)))
        se = np.sqrt(var)
        d = dt - dr
        zstat = np.where(se > 0, d / np.where(se > 0, se, 1.0), np.nan)
    p = np.where(np.isnan(zstat), np.nan, 2 * stats.norm.sf(np.abs(zstat)))
    z = _z(c)
    if method == "wald":
        lo = np.where(se > 0, d - z * se, np.nan)
        hi = np.where(se > 0, d + z * se, np.nan)
    else:
        _, lo, hi = mover_difference(dt, lt, ut, dr, lr, ur)
    empty = (nt0 == 0) | (nt1 == 0) | (nr0 == 0) | (nr1 == 0)
    note = np.where(empty, "not estimable: a group has no applicable files at one of the cycles",
                    np.where(se == 0, "no test: every proportion is 0 or 1 (the standard error is 0)", ""))
    names = ["target_baseline", "target_reaudit", "rest_baseline", "rest_reaudit"]
    out = {}
    for nm, (x, n) in zip(names, ((xt0, nt0), (xt1, nt1), (xr0, nr0), (xr1, nr1))):
        out[f"n_yes_{nm}"] = x.astype(np.int64)
        out[f"n_denominator_{nm}"] = n.astype(np.int64)
    out.update({
        "change_target": dt, "change_target_conf_low": lt, "change_target_conf_high": ut,
        "change_rest": dr, "change_rest_conf_low": lr, "change_rest_conf_high": ur,
        "difference": d, "conf_low": lo, "conf_high": hi, "se": se,
        "test": np.where(np.isnan(p), "not testable", "wald z (identity-link interaction)"),
        "statistic": zstat, "p_value": p, "method": method, "conf_level": c, "note": note})
    return pd.DataFrame(out)


def regression_to_mean(counts: pd.DataFrame, selected, x: str = "n_yes", n: str = "n_denominator",
                       unit: str = "district", conf_level: float = 0.95) -> pd.DataFrame:
    """The rise expected from regression to the mean of units chosen at the baseline.

    Under the beta-binomial model (:func:`kentaudit.stats.shrinkage.fit_beta_binomial`,
    fitted to every unit's baseline counts) a unit's true compliance given its baseline
    files has the posterior Beta(x + a, n - x + b), whose mean pulls the raw proportion
    towards the authority mean by the weight (a + b) / (n + a + b). With no action and
    no change in the authority, a unit's next sample is expected at that posterior mean:
    the **expected change from regression to the mean** is the posterior mean minus the
    raw baseline (positive for a unit chosen because it scored low).

    Parameters
    ----------
    counts : DataFrame
        One row per unit at the baseline cycle, every unit of the authority (not only the
        selected ones: the mean and the spread come from all of them).
    selected : iterable of str
        The units the action targets (values of ``unit``).
    conf_level : float
        Level of the posterior interval of the true baseline compliance.

    Returns
    -------
    DataFrame
        One row per selected unit, in the order given: ``<unit>``, ``n_yes``,
        ``n_denominator``, ``raw`` (baseline proportion), ``expected`` (posterior mean:
        the expected next proportion with no action and no trend), ``expected_conf_low``,
        ``expected_conf_high`` (equal-tailed posterior interval), ``rtm_change``
        (``expected - raw``), ``shrinkage`` ((a + b) / (n + a + b)), ``prior_mean``,
        ``rho`` (intra-class correlation), ``method`` (``"empirical-bayes"``),
        ``conf_level``.

    Raises
    ------
    InputError
        A selected unit not among the counts, fewer than two units with files (nothing to
        shrink towards), or bad counts.

    Notes
    -----
    The plug-in (empirical-Bayes) fit is used, as in Barnett, van der Pols & Dobson
    (2005), whose regression-to-the-mean effect for a normal model is the same shrinkage
    of the selected mean towards the population mean. With rho = 0 (no spread between
    units: the fit at its boundary) every unit is expected at the authority mean and the
    shrinkage is 1; with every file the same answer ``fit_beta_binomial`` reports the
    pooled proportion, and the expected change is 0.

    Validated against a beta-binomial fit by ``optim`` in base R and the Beta posterior
    means and quantiles computed from it (``tests/r/reference_actions.R``).

    References
    ----------
    1. Barnett AG, van der Pols JC, Dobson AJ (2005). Regression to the mean: what it is
       and how to deal with it. International Journal of Epidemiology 34:215-220.
    2. Efron B, Morris C (1975). Data analysis using Stein's estimator and its
       generalizations. JASA 70:311-319.
    """
    c = check_conf_level(conf_level)
    for col in (x, n, unit):
        if col not in counts.columns:
            raise InputError(f"column {col!r} not found; columns are {list(counts.columns)}.", column=col)
    sel = list(selected)
    units = counts[unit].astype(str).tolist()
    for s in sel:
        if str(s) not in units:
            raise InputError(f"the selected unit {s!r} has no baseline counts.", column=unit, value=str(s))
    xs = counts[x].to_numpy(dtype=np.float64)
    ns = counts[n].to_numpy(dtype=np.float64)
    fit = fit_beta_binomial(xs, ns)
    idx = [units.index(str(s)) for s in sel]
    xi, ni = xs[idx], ns[idx]
    tail = (1 - c) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(ni > 0, xi / np.where(ni > 0, ni, 1), np.nan)
    if fit["boundary"] or not np.isfinite(fit["m"]):
        # no spread between units (or every file the same answer): every unit is expected
        # at the authority mean; its interval is the pooled Jeffreys interval
        mu = fit["mu"]
        use = ns > 0
        pooled = proportion_ci(xs[use].sum(), ns[use].sum(), method="jeffreys", conf_level=c).iloc[0]
        expected = np.full(len(idx), mu)
        lo = np.full(len(idx), float(pooled["conf_low"]))
        hi = np.full(len(idx), float(pooled["conf_high"]))
        w = np.ones(len(idx))
    else:
        a, b = fit["a"], fit["b"]
        A, B = xi + a, ni - xi + b
        expected = A / (A + B)
        lo = special.betaincinv(A, B, tail)
        hi = special.betaincinv(A, B, 1 - tail)
        w = (a + b) / (ni + a + b)
    return pd.DataFrame({
        unit: [str(s) for s in sel], "n_yes": xi.astype(np.int64), "n_denominator": ni.astype(np.int64),
        "raw": raw, "expected": expected, "expected_conf_low": lo, "expected_conf_high": hi,
        "rtm_change": expected - raw, "shrinkage": w, "prior_mean": fit["mu"], "rho": fit["rho"],
        "method": "empirical-bayes", "conf_level": c})


def evaluate_action(baseline: pd.DataFrame, reaudit: pd.DataFrame, targeted, unit: str = "district",
                    conf_level: float = 0.95, did_method: str = "mover-newcombe",
                    comparison=None) -> pd.DataFrame:
    """Whether one action's targeted practice improved: change, against the rest, net of RTM.

    Parameters
    ----------
    baseline, reaudit : DataFrame
        One row per unit of the authority with ``n_yes`` and ``n_denominator`` of the
        targeted criterion at the baseline and the re-audit cycle (every unit, so that the
        rest of the authority and the regression to the mean can be computed).
    targeted : iterable of str or "all"
        The units the action targets, or ``"all"`` for the whole authority (then there
        is no comparison and no selection of units: the difference in differences and the
        regression to the mean are empty, with the reason in ``note``).
    conf_level, did_method
        As in :func:`difference_in_differences`.
    comparison : iterable of str, optional
        The units the targeted ones are compared with (the "rest"). Default: every other
        unit. An action on several units evaluated one unit at a time compares each with
        the units the action did not target (its other units had the action too, so they
        are no comparison); the regression to the mean is still fitted to every unit's
        baseline.

    Returns
    -------
    DataFrame
        One row: the columns of :func:`action_change` for the targeted units pooled
        (``estimate_baseline``, ``estimate_reaudit``, ``change``, ``conf_low``,
        ``conf_high``, ``test``, ``p_value``, ...); ``difference``, ``difference_conf_low``,
        ``difference_conf_high``, ``difference_p_value`` (the difference in differences);
        ``rtm_change`` (the expected rise from regression to the mean of the targeted units
        pooled: the file-weighted mean of their posterior means minus their pooled raw
        baseline), ``change_net_of_rtm``, ``change_net_of_rtm_conf_low``,
        ``change_net_of_rtm_conf_high`` (re-audit proportion minus the expected baseline,
        MOVER from the re-audit's Wilson interval and the posterior interval of the expected
        baseline, approximate); ``difference_net_of_rtm``, ``difference_net_of_rtm_conf_low``,
        ``difference_net_of_rtm_conf_high`` (the change net of regression to the mean minus
        the rest's change, MOVER again: net of both the authority's trend and the selection);
        ``improved`` (``"yes"`` when ``conf_low`` > 0, ``"no"`` otherwise, ``"NA"`` when not
        estimable), ``improved_vs_rest`` (the same on the difference in differences,
        ``"NA"`` without a comparison), ``improved_net`` (the same on
        ``difference_net_of_rtm``); ``did_method``, ``conf_level``, ``note``.

    Notes
    -----
    Which of the three to read: ``improved`` answers "is practice in the units better than
    at the baseline?"; ``improved_vs_rest`` "did it improve more than elsewhere?" (it
    removes the authority's trend); ``improved_net`` "more than elsewhere and more than
    regression to the mean explains?" (for units chosen because they scored low). Their
    detection and false-positive rates on a truth-known programme are in
    ``benchmarks/results.md`` ("Actions") and ``docs/actions.md``.
    """
    c = check_conf_level(conf_level)
    check_method(did_method, DID_METHODS, "did_method")
    for name, df in (("baseline", baseline), ("reaudit", reaudit)):
        for col in (unit, "n_yes", "n_denominator"):
            if col not in df.columns:
                raise InputError(f"the {name} counts have no column {col!r}.", column=col)
    b = baseline.assign(**{unit: baseline[unit].astype(str)}).set_index(unit)
    r = reaudit.assign(**{unit: reaudit[unit].astype(str)}).set_index(unit)
    everyone = targeted == "all" or (not isinstance(targeted, str) and list(targeted) == ["all"])
    tgt = list(b.index) if everyone else [str(t) for t in targeted]
    for t in tgt:
        if t not in b.index or t not in r.index:
            raise InputError(f"the targeted unit {t!r} has no counts at the baseline or the re-audit.",
                             column=unit, value=t)
    pool = list(b.index) if comparison is None else [str(u) for u in comparison]
    rest = [u for u in pool if u in b.index and u not in tgt and u in r.index]
    xt0, nt0 = b.loc[tgt, "n_yes"].sum(), b.loc[tgt, "n_denominator"].sum()
    xt1, nt1 = r.loc[tgt, "n_yes"].sum(), r.loc[tgt, "n_denominator"].sum()
    ch = action_change(xt0, nt0, xt1, nt1, conf_level=c)
    notes = [ch["note"].iloc[0]] if ch["note"].iloc[0] else []
    out = ch.iloc[0].to_dict()
    nan = float("nan")
    out.update({"difference": nan, "difference_conf_low": nan, "difference_conf_high": nan,
                "difference_p_value": nan, "rtm_change": nan, "change_net_of_rtm": nan,
                "change_net_of_rtm_conf_low": nan, "change_net_of_rtm_conf_high": nan,
                "difference_net_of_rtm": nan, "difference_net_of_rtm_conf_low": nan,
                "difference_net_of_rtm_conf_high": nan})
    if everyone or not rest:
        notes.append("no comparison: the action targets every unit" if everyone else
                     "no comparison: no other unit has counts at both cycles")
    else:
        xr0, nr0 = b.loc[rest, "n_yes"].sum(), b.loc[rest, "n_denominator"].sum()
        xr1, nr1 = r.loc[rest, "n_yes"].sum(), r.loc[rest, "n_denominator"].sum()
        did = difference_in_differences(xt0, nt0, xt1, nt1, xr0, nr0, xr1, nr1, conf_level=c,
                                        method=did_method).iloc[0]
        out.update({"difference": did["difference"], "difference_conf_low": did["conf_low"],
                    "difference_conf_high": did["conf_high"], "difference_p_value": did["p_value"]})
        if did["note"]:
            notes.append(did["note"])
        try:
            rtm = regression_to_mean(b.reset_index(), tgt, unit=unit, conf_level=c)
        except InputError as e:
            notes.append(f"no regression-to-the-mean estimate: {e.message}")
        else:
            w = rtm["n_denominator"].to_numpy(dtype=float)
            if w.sum() > 0 and nt1 > 0:
                exp0 = float((rtm["expected"] * w).sum() / w.sum())
                # the pooled interval of the expected baseline: the file-weighted mean of the
                # units' posterior limits (exact for one unit; conservative for several)
                e_lo = float((rtm["expected_conf_low"] * w).sum() / w.sum())
                e_hi = float((rtm["expected_conf_high"] * w).sum() / w.sum())
                wil = proportion_ci(xt1, nt1, method="wilson", conf_level=c).iloc[0]
                d, lo, hi = mover_difference(xt1 / nt1, wil["conf_low"], wil["conf_high"], exp0, e_lo, e_hi)
                out.update({"rtm_change": exp0 - xt0 / nt0 if nt0 > 0 else nan,
                            "change_net_of_rtm": float(d), "change_net_of_rtm_conf_low": float(lo),
                            "change_net_of_rtm_conf_high": float(hi)})
                # net of both: the change from the expected baseline minus the rest's change
                dd, dlo, dhi = mover_difference(d, lo, hi, did["change_rest"], did["change_rest_conf_low"],
                                                did["change_rest_conf_high"])
                out.update({"difference_net_of_rtm": float(dd), "difference_net_of_rtm_conf_low": float(dlo),
                            "difference_net_of_rtm_conf_high": float(dhi)})
    lo = out["conf_low"]
    out["improved"] = "NA" if pd.isna(lo) else ("yes" if lo > 0 else "no")
    dl = out["difference_conf_low"]
    out["improved_vs_rest"] = "NA" if pd.isna(dl) else ("yes" if dl > 0 else "no")
    nl = out["difference_net_of_rtm_conf_low"]
    out["improved_net"] = "NA" if pd.isna(nl) else ("yes" if nl > 0 else "no")
    out["did_method"] = did_method
    out["conf_level"] = c
    out["note"] = "; ".join(notes)
    return pd.DataFrame([out])
