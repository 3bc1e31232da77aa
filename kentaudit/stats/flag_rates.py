"""Operating characteristics of every flag: how often it is false, how often it finds.

A flag is only as useful as its error rates at the sample sizes in use. For the
denominators of one cycle (each district's answered files for each criterion) this
module simulates, seeded and vectorised over replicates (counts first: only binomial
counts are drawn, never audit rows), the chance that each rule flags a district

- **under the null**: the district's true compliance equals the rule's reference (the
  audit standard for a funnel against a standard, the pooled level for a funnel against
  the overall level, the rest of Kent for district-vs-rest): the false-positive rate;
- **under a shortfall**: the district is ``delta`` (e.g. 10 or 20 percentage points)
  below that reference, the other districts at it: the power (flagged *below*).

Rules (closed set :data:`FLAG_RULES`):

- ``funnel_95``, ``funnel_99_8``: outside the funnel limits, exactly as
  :func:`kentaudit.stats.funnel.funnel_table` computes them (limits method, overdispersion
  test and random-effects adjustment included);
- ``district_vs_rest``: the district against the rest of Kent by
  :func:`kentaudit.stats.association.two_group_test`'s policy (N-1 chi-square, Fisher exact
  when an expected count is below 1), flagged when the p-value adjusted across the
  districts of the criterion (Holm by default) is below ``alpha``.

:func:`spc_operating_characteristics` does the same for the special-cause rules of a
p-chart (:func:`kentaudit.stats.spc.p_chart`) and the Anhoej rules of a run chart on the same
series. Each simulated flag is checked against the library's own function on sampled
replicates in ``tests/stats/test_flag_rates.py``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special, stats

from kentaudit.core.errors import InputError
from kentaudit.core.formatting import method_words
from kentaudit.core.methods import check_method
from kentaudit.stats.funnel import LIMIT_METHODS, funnel_limits

__all__ = ["FLAG_RULES", "SPC_RULES", "simulate_funnel_flags", "simulate_vs_rest_flags",
           "adjust_rows", "flag_operating_characteristics", "summarise_operating_characteristics",
           "spc_operating_characteristics", "power_sentence", "false_positive_sentence"]

FLAG_RULES = ("funnel_95", "funnel_99_8", "district_vs_rest")
SPC_RULES = ("outside_limits", "trend", "two_in_three", "run", "any_special_cause",
             "anhoej_runs")
_ADJUST = ("holm", "fdr_bh", "bonferroni")


# --- funnel flags, vectorised over replicates ------------------------------------------------

@lru_cache(maxsize=256)
def _standard_limits(n: tuple, target: float, level: float):
    """Interpolated binomial limits around a standard (cached: the same for every scenario)."""
    lim = funnel_limits(np.asarray(n), target, (level,), "binomial-interpolated")
    lo, up = lim["limit_low"].to_numpy(), lim["limit_high"].to_numpy()
    lo.flags.writeable = up.flags.writeable = False
    return lo, up


def simulate_funnel_flags(X: np.ndarray, n: np.ndarray, target="overall",
                          method: str = "binomial-interpolated",
                          conf_levels=(0.95, 0.998), alpha: float = 0.05,
                          winsorise: float = 0.1) -> dict:
    """Funnel flags of :func:`kentaudit.stats.funnel.funnel_table` for many replicates at once.

    Parameters
    ----------
    X : ndarray (replicates x units) of counts meeting the criterion
    n : ndarray (units,) of denominators (all > 0)
    target : "overall" or float
        As ``funnel_table``: the pooled proportion of each replicate, or a standard.
    method, conf_levels, alpha, winsorise
        As ``funnel_table`` with its defaults (``overdispersion="auto"``,
        ``adjust_rule="significant"``, ``winsorise_method="order-statistic"``,
        ``dispersion_centre="overall"``), the policy the districts notebook uses.

    Returns
    -------
    dict: level -> (below, above), boolean arrays shaped like ``X``; and ``"adjusted"``
    -> boolean array (replicates,) saying where random-effects limits were used.
    """
    check_method(method, LIMIT_METHODS)
    X = np.asarray(X, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n <= 0):
        raise InputError("every unit needs a positive denominator.", column="n")
    R, k = X.shape
    P = X / n
    centre = X.sum(1) / n.sum()
    ok = (centre > 0) & (centre < 1)
    c = np.where(ok, centre, 0.5)[:, None]
    if method == "arcsine":
        s = np.broadcast_to(1 / (2 * np.sqrt(n)), (R, k))
        z = (np.arcsin(np.sqrt(P)) - np.arcsin(np.sqrt(c))) / s
    else:
        s = np.sqrt(c * (1 - c) / n)
        z = (P - c) / s
    kk = int(np.floor(round(k * winsorise, 9))) + 1
    zs = np.sort(z, axis=1)
    zw = np.clip(z, zs[:, kk - 1:kk], zs[:, k - kk:k - kk + 1])
    phi = (zw ** 2).mean(1)
    pval = special.gammaincc(k / 2, k * phi / 2)  # chi-square upper tail, k df
    w = 1 / s ** 2
    denom = w.sum(1) - (w ** 2).sum(1) / w.sum(1)
    tau2 = np.where(denom > 0, np.maximum(0.0, (k * phi - (k - 1)) / np.where(denom > 0, denom, 1)), 0.0)
    adjusted = ok & (tau2 > 0) & (pval < alpha)
    tau2 = np.where(adjusted, tau2, 0.0)[:, None]
    standard = not isinstance(target, str)
    if not standard:
        check_method(target, ("overall",), "target")
        p0 = np.where(ok, centre, np.nan)[:, None]
    else:
        p0 = np.full((R, 1), float(target))
    out = {"adjusted": adjusted}
    valid = np.isfinite(p0)
    for cl in conf_levels:
        zq = stats.norm.ppf(0.5 + cl / 2)
        tail = (1 - cl) / 2

        def random_effects(rows):
            # random-effects limits (normal, or arcsine), used where adjusted
            q, t2 = p0[rows], tau2[rows]
            if method == "arcsine":
                t = np.arcsin(np.sqrt(q))
                se = np.sqrt(1 / (4 * n) + t2)
                lo = np.sin(np.clip(t - zq * se, 0, np.pi / 2)) ** 2
                up = np.sin(np.clip(t + zq * se, 0, np.pi / 2)) ** 2
            else:
                se = np.sqrt(q * (1 - q) / n + t2)
                lo, up = q - zq * se, q + zq * se
            return np.clip(lo, 0, 1), np.clip(up, 0, 1)

        if method == "binomial-interpolated":
            if standard:
                lo_s, up_s = _standard_limits(tuple(n.tolist()), float(target), float(cl))
                below, above = P < lo_s[None, :], P > up_s[None, :]
            else:
                # the limits depend on the replicate's pooled level only: computed once for
                # each distinct total, in one vectorised call
                tot = X.sum(1).astype(np.int64)
                levels, inv = np.unique(tot, return_inverse=True)
                pl = levels / n.sum()
                good = (pl > 0) & (pl < 1)
                dist = stats.binom(n[None, :], np.where(good, pl, 0.5)[:, None])
                r_lo = dist.ppf(tail)
                lo_l = np.clip((r_lo - (dist.cdf(r_lo) - tail) / dist.pmf(r_lo)) / n, 0, 1)
                r_hi = dist.ppf(1 - tail)
                up_l = np.clip((r_hi + 1 - (dist.cdf(r_hi) - (1 - tail)) / dist.pmf(r_hi)) / n, 0, 1)
                inv = inv.ravel()
                below, above = P < lo_l[inv], P > up_l[inv]
            rows = np.flatnonzero(adjusted)
            if rows.size:
                lo, up = random_effects(rows)
                below[rows], above[rows] = P[rows] < lo, P[rows] > up
        else:
            lo, up = random_effects(slice(None))
            below, above = P < lo, P > up
        out[cl] = (valid & below, valid & above)
    return out


# --- district against the rest, vectorised -------------------------------------------------

def adjust_rows(p: np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjusted p-values along each row (one family per row), NaN left out of the family.

    Same formulas as :func:`kentaudit.stats.multiplicity.adjust` (R ``p.adjust``), for a
    matrix of replicates x tests.
    """
    check_method(method, _ADJUST, "adjust_method")
    p = np.asarray(p, dtype=float)
    m = np.isfinite(p).sum(1, keepdims=True)
    filled = np.where(np.isfinite(p), p, np.inf)
    order = np.argsort(filled, axis=1, kind="stable")
    ps = np.take_along_axis(filled, order, axis=1)
    i = np.arange(p.shape[1])[None, :]
    if method == "bonferroni":
        adj_s = np.minimum(1, ps * m)
    elif method == "holm":
        with np.errstate(invalid="ignore"):
            val = np.where(np.isfinite(ps), (m - i) * ps, -np.inf)
        adj_s = np.minimum(1, np.maximum.accumulate(val, axis=1))
    else:  # Benjamini-Hochberg: cumulative minimum from the largest
        val = np.where(np.isfinite(ps), ps * m / (i + 1), np.inf)
        adj_s = np.minimum(1, np.minimum.accumulate(val[:, ::-1], axis=1)[:, ::-1])
    out = np.empty_like(adj_s)
    np.put_along_axis(out, order, adj_s, axis=1)
    return np.where(np.isfinite(p), out, np.nan)


@lru_cache(maxsize=512)
def _vs_rest_table(n1: int, n2: int) -> np.ndarray:
    """Two-sided p-value of a unit against the rest for every (total yes T, unit's yes x).

    N-1 chi-square where every expected count is >= 1 (this depends on T only), Fisher's
    exact test otherwise (``scipy.stats.fisher_exact``'s two-sided rule: the tables no
    more probable than the observed, with its 1e-7 relative tolerance); 1 where every
    answer is the same; NaN for impossible (T, x).
    """
    N = n1 + n2
    T = np.arange(N + 1, dtype=float)[:, None]
    x = np.arange(n1 + 1, dtype=float)[None, :]
    a, b, c, d = x, n1 - x, T - x, n2 - (T - x)
    possible = (c >= 0) & (d >= 0)
    c1, c2 = T, N - T
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = N * (a * d - b * c) ** 2 / (n1 * n2 * c1 * c2)
        p = special.erfc(np.sqrt(chi2 * (N - 1) / N / 2))  # chi-square upper tail, 1 df
    emin = np.minimum.reduce([n1 * c1, n1 * c2, n2 * c1, n2 * c2]) / N
    fisher = (emin < 1) & (c1 > 0) & (c2 > 0)
    rows = np.flatnonzero(fisher[:, 0])
    if rows.size:
        pmf = np.where(possible[rows], stats.hypergeom.pmf(x, N, T[rows], n1), 0.0)
        le = pmf[:, None, :] <= pmf[:, :, None] * (1 + 1e-7)
        pf = np.minimum(1.0, (le * pmf[:, None, :]).sum(-1))
        p[rows] = pf
    p = np.where((c1 == 0) | (c2 == 0), 1.0, p)
    out = np.where(possible, p, np.nan)
    out.flags.writeable = False  # cached: shared by every call with these sizes
    return out


def _vs_rest_p(X, n):
    """Two-sided p of each unit against the rest, looked up from :func:`_vs_rest_table`."""
    X = X.astype(np.int64)
    ni = n.astype(np.int64)
    T = X.sum(1)
    p = np.empty(X.shape)
    for j in range(X.shape[1]):
        if ni[j] == 0 or ni.sum() - ni[j] == 0:
            p[:, j] = np.nan
            continue
        tab = _vs_rest_table(int(ni[j]), int(ni.sum() - ni[j]))
        p[:, j] = tab[T, X[:, j]]
    n2 = n.sum() - n
    diff = X / n - (T[:, None] - X) / np.where(n2 > 0, n2, 1)
    return p, diff


def simulate_vs_rest_flags(X: np.ndarray, n: np.ndarray, adjust_method: str = "holm",
                           alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """District-vs-rest flags (below, above) for many replicates at once.

    A unit is flagged when its p-value against the rest, adjusted across the units of
    the row (the districts of one criterion, as ``association.one_vs_rest`` with
    ``family="per_criterion"``), is below ``alpha``; the sign of the difference gives
    the direction.
    """
    p, diff = _vs_rest_p(np.asarray(X, dtype=float), np.asarray(n, dtype=float))
    flagged = adjust_rows(p, adjust_method) < alpha
    return flagged & (diff < 0), flagged & (diff > 0)


# --- the table for a cycle -------------------------------------------------------------------

def _group_flags(X, n, rules, target, method, adjust_method, alpha):
    out = {}
    if "district_vs_rest" in rules:
        out["district_vs_rest"] = simulate_vs_rest_flags(X, n, adjust_method, alpha)
    levels = {"funnel_95": 0.95, "funnel_99_8": 0.998}
    fl = [r for r in rules if r in levels]
    if fl:
        f = simulate_funnel_flags(X, n, target=target, method=method,
                                  conf_levels=tuple(levels[r] for r in fl))
        for r in fl:
            out[r] = f[levels[r]]
    return out


def flag_operating_characteristics(counts: pd.DataFrame, target="overall",
                                   method: str = "binomial-interpolated",
                                   shortfalls=(0.10, 0.15, 0.20), n_sims: int = 2000,
                                   seed: int = 20090101, adjust_method: str = "holm",
                                   alpha: float = 0.05, unit: str = "district",
                                   rules=FLAG_RULES, reference_label: str = "rest of the authority",
                                   unit_label: str = "unit", units_label: str = "units") -> pd.DataFrame:
    """False-positive rate and power of each flag, per criterion and district.

    Parameters
    ----------
    counts : DataFrame
        One row per criterion and unit with ``criterion``, ``<unit>``, ``n_yes`` and
        ``n_denominator`` (the cycle's counts; only the denominators and the pooled
        level of each criterion are used).
    target : "overall" or float
        The funnel's target (the cycle's ``target`` parameter).
    method : the funnel limits method (``funnel_method``).
    shortfalls : sequence of float
        Shortfalls (proportions: 0.1 = 10 percentage points) for the power.
    n_sims : int
        Simulated cycles per scenario (the Monte Carlo SE of a rate p is
        sqrt(p (1 - p) / n_sims), reported).
    seed : int
        Seed of ``numpy.random.default_rng``; every criterion gets its own stream
        (``SeedSequence(seed).spawn``), so results do not depend on the order of rules.
    adjust_method, alpha : the district-vs-rest adjustment and level.
    rules : subset of :data:`FLAG_RULES`.
    reference_label, unit_label, units_label : the reader's words for the rest of the
        authority ("rest of Kent"), a unit and the units (the profile's; neutral by default):
        the district-vs-rest ``reference`` and the ``method`` in words.

    Returns
    -------
    DataFrame, one row per criterion x unit x rule x scenario:

    - ``criterion``, ``<unit>``, ``n`` (the unit's denominator), ``rule``;
    - ``scenario``: ``"null"`` or ``"shortfall"``; ``shortfall`` (0 under the null);
    - ``reference``: what the rule compares with (``"standard"``, ``"overall level"``,
      ``reference_label``); ``reference_p``: its value in the simulation (the standard,
      or the criterion's pooled proportion this cycle); ``true_p``: the unit's true
      compliance in the scenario (``reference_p - shortfall``, at least 0.001);
    - ``p_flag``: share of simulated cycles in which the unit is flagged (under the
      null: in either direction, the false-positive rate; under a shortfall: flagged
      below, the power); ``mc_se``: its Monte Carlo standard error;
    - ``n_sims``, ``seed``, ``method`` (the rule in words).
    """
    for r in rules:
        check_method(r, FLAG_RULES, "rules")
    check_method(method, LIMIT_METHODS)
    check_method(adjust_method, _ADJUST, "adjust_method")
    if int(n_sims) != n_sims or n_sims < 100:
        raise InputError("n_sims must be a whole number of at least 100.", column="n_sims")
    for col in ("criterion", unit, "n_yes", "n_denominator"):
        if col not in counts.columns:
            raise InputError(f"column {col!r} not found.", column=col)
    standard = not isinstance(target, str)
    crits = list(dict.fromkeys(counts["criterion"]))
    streams = np.random.SeedSequence(seed).spawn(len(crits))
    R = int(n_sims)
    rows = []
    for crit, ss in zip(crits, streams):
        sub = counts[(counts["criterion"] == crit) & (counts["n_denominator"] > 0)]
        if len(sub) < 2:
            continue
        rng = np.random.default_rng(ss)
        n = sub["n_denominator"].to_numpy(dtype=float)
        units = sub[unit].to_numpy()
        k = n.size
        pooled = float(sub["n_yes"].sum() / n.sum())
        # the two funnel levels share their simulations (same reference, one dispersion
        # calculation); district-vs-rest has its own reference (the rest of the authority)
        groups = []
        funnels = [r for r in rules if r != "district_vs_rest"]
        if funnels:
            ref, ref_name = (float(target), "standard") if standard else (pooled, "overall level")
            groups.append((funnels, ref, ref_name))
        if "district_vs_rest" in rules:
            groups.append((["district_vs_rest"], pooled, reference_label))
        ni = n.astype(int)
        for grp, ref, ref_name in groups:
            ref = float(np.clip(ref, 0.001, 0.999))
            X0 = rng.binomial(ni, ref, size=(R, k))
            null = _group_flags(X0, n, grp, target, method, adjust_method, alpha)
            for rule in grp:
                below, above = null[rule]
                rate = (below | above).mean(0)
                rows += [(crit, units[j], int(n[j]), rule, "null", 0.0, ref_name, ref, ref,
                          float(rate[j])) for j in range(k)]
            for d in shortfalls:
                pj = max(ref - float(d), 0.001)
                # block j of the replicates: the null cycles with unit j's count redrawn short
                Xs = np.repeat(X0[None, :, :], k, axis=0)
                Xs[np.arange(k), :, np.arange(k)] = rng.binomial(ni[:, None], pj, size=(k, R))
                fl = _group_flags(Xs.reshape(k * R, k), n, grp, target, method, adjust_method,
                                  alpha)
                for rule in grp:
                    pw = fl[rule][0].reshape(k, R, k)[np.arange(k), :, np.arange(k)].mean(1)
                    rows += [(crit, units[j], int(n[j]), rule, "shortfall", float(d), ref_name,
                              ref, pj, float(pw[j])) for j in range(k)]
    out = pd.DataFrame(rows, columns=["criterion", unit, "n", "rule", "scenario", "shortfall",
                                      "reference", "reference_p", "true_p", "p_flag"])
    out["mc_se"] = np.sqrt(out["p_flag"] * (1 - out["p_flag"]) / R)
    out["n_sims"] = R
    out["seed"] = int(seed)
    # in words (methods by their names, never their codes): this column is what a reader sees
    limits = method_words(method, "phrase")
    words = {"funnel_95": f"outside the 95% funnel limits ({limits}; overdispersion adjusted when significant)",
             "funnel_99_8": f"outside the 99.8% funnel limits ({limits}; overdispersion adjusted when significant)",
             "district_vs_rest": f"{unit_label} against the {reference_label}, p adjusted by "
                                 f"{method_words(adjust_method, 'phrase')} below {alpha:g} across the "
                                 f"{units_label} ('N-1' chi-square test, or Fisher's exact test when "
                                 "counts are small)"}
    out["method"] = out["rule"].map(words)
    return out


def summarise_operating_characteristics(oc: pd.DataFrame, unit: str = "district") -> pd.DataFrame:
    """One row per rule and scenario: the rates over every criterion x unit cell.

    Returns
    -------
    DataFrame: ``rule``, ``scenario``, ``shortfall``, ``reference``, ``n_cells``,
    ``median_files`` (median denominator), ``n_min``, ``n_max``, ``p_flag_mean``,
    ``p_flag_min``, ``p_flag_max`` (over cells), ``expected_flags`` (sum of p_flag over
    the cells: under the null, the false flags expected in one cycle), ``mc_se_max``
    (the largest Monte Carlo standard error of a cell's ``p_flag``), ``n_sims``,
    ``seed``, ``method``.

    Simulated figures carry their error: with 400 replicates a cell's ``p_flag`` near
    0.5 has a Monte Carlo SE of 0.025, far above the 0.1 percentage point the appendix
    prints, and no affordable number of replicates brings it there (about a million).
    So the summary carries ``mc_se_max``, which bounds the Monte Carlo SE of every
    figure of the row: of each cell's ``p_flag`` (so of the lowest and highest), and of
    their mean (the SD of a mean of correlated estimates is at most the mean of their
    SDs). The seed is in ``seed``.
    """
    g = oc.groupby(["rule", "scenario", "shortfall"], sort=False)
    out = g.agg(reference=("reference", "first"), n_cells=("p_flag", "size"),
                median_files=("n", "median"), n_min=("n", "min"), n_max=("n", "max"),
                p_flag_mean=("p_flag", "mean"), p_flag_min=("p_flag", "min"),
                p_flag_max=("p_flag", "max"), expected_flags=("p_flag", "sum"),
                mc_se_max=("mc_se", "max"), n_sims=("n_sims", "first"), seed=("seed", "first"),
                method=("method", "first")).reset_index()
    return out


def power_sentence(summary: pd.DataFrame, rule: str = "funnel_99_8", shortfall: float = 0.15,
                   unit_label: str = "unit", units_label: str = "units") -> str:
    """The plain-words sentence for one rule and shortfall (for notebooks and the annex).

    "With a median of 24 answered files, a district 15 points below the standard is
    flagged in 23% of cycles (range 12-35% over districts and criteria); one exactly at
    the standard is flagged in 0.2%." ``unit_label``, ``units_label``: the reader's words
    for a unit and the units (the profile's, "district"; neutral by default); a reference
    other than the standard or the overall level is named as the summary gives it
    ("rest of Kent": its ``reference_label``).
    """
    s = summary[(summary["rule"] == rule) & (summary["scenario"] == "shortfall")
                & np.isclose(summary["shortfall"], shortfall)]
    z = summary[(summary["rule"] == rule) & (summary["scenario"] == "null")]
    if s.empty or z.empty:
        raise InputError(f"no {rule} row with shortfall {shortfall} in the summary.", column="rule")
    s, z = s.iloc[0], z.iloc[0]
    what, rule_words = _sentence_words(s["reference"], rule, unit_label)
    return (f"With a median of {s['median_files']:.0f} answered files, a {unit_label} "
            f"{100 * shortfall:.0f} points below {what} is flagged by {rule_words} in "
            f"{100 * s['p_flag_mean']:.0f}% of cycles (range {100 * s['p_flag_min']:.0f}-"
            f"{100 * s['p_flag_max']:.0f}% over {units_label} and criteria); a {unit_label} exactly at "
            f"{what} is flagged in {100 * z['p_flag_mean']:.1f}% of cycles.")


def false_positive_sentence(summary: pd.DataFrame, rule: str = "funnel_99_8", unit_label: str = "unit",
                            units_label: str = "units") -> str:
    """The plain-words sentence for one rule's false-positive row (for Table 13's "In words",
    which was empty on these rows).

    "With a median of 24 answered files, a district exactly at the standard is flagged by the
    99.8% funnel in 0.1% of cycles (range 0.0-0.8% over districts and criteria): a false
    alarm." The words are the caller's, as :func:`power_sentence` takes them.
    """
    z = summary[(summary["rule"] == rule) & (summary["scenario"] == "null")]
    if z.empty:
        raise InputError(f"no {rule} false-positive row in the summary.", column="rule")
    z = z.iloc[0]
    what, rule_words = _sentence_words(z["reference"], rule, unit_label)
    return (f"With a median of {z['median_files']:.0f} answered files, a {unit_label} exactly at {what} "
            f"is flagged by {rule_words} in {100 * z['p_flag_mean']:.1f}% of cycles (range "
            f"{100 * z['p_flag_min']:.1f}-{100 * z['p_flag_max']:.1f}% over {units_label} and criteria): "
            "a false alarm.")


def _sentence_words(reference: str, rule: str, unit_label: str) -> tuple[str, str]:
    """The reader's words for a summary row's reference and for a rule (one place for both
    sentences above)."""
    what = {"standard": "the standard", "overall level": "the authority's level"}.get(
        reference, f"the {reference}")
    rule_words = {"funnel_95": "the 95% funnel", "funnel_99_8": "the 99.8% funnel",
                  "district_vs_rest": f"the test of each {unit_label} against the rest (adjusted p-value)"}[rule]
    return what, rule_words


# --- SPC rules ---------------------------------------------------------------------------------

def _run_lengths(S, seg):
    """Length of the current run of equal non-zero signs ending at each point."""
    R, T = S.shape
    L = np.zeros((R, T), dtype=int)
    for t in range(T):
        if t > 0 and seg[t] == seg[t - 1]:
            same = (S[:, t] != 0) & (S[:, t] == S[:, t - 1])
            L[:, t] = np.where(same, L[:, t - 1] + 1, np.where(S[:, t] != 0, 1, 0))
        else:
            L[:, t] = np.where(S[:, t] != 0, 1, 0)
    return L


def _spc_flags(X, n, seg, trend_length=7, run_length=7):
    """Which rules signal (anywhere; and at each point) for replicate p-charts."""
    R, T = X.shape
    P = X / n
    pbar = X.sum(1, keepdims=True) / n.sum()
    sig = np.sqrt(pbar * (1 - pbar) / n)
    upl, lpl = np.clip(pbar + 3 * sig, 0, 1), np.clip(pbar - 3 * sig, 0, 1)
    nupl, nlpl = np.clip(pbar + 2 * sig, 0, 1), np.clip(pbar - 2 * sig, 0, 1)
    outside = (P > upl) | (P < lpl)
    rtm = np.sign(P - pbar).astype(int)
    close = ((P < nlpl) | (P > nupl)) & ~outside
    run = _run_lengths(rtm, seg) >= run_length
    D = np.zeros((R, T), dtype=int)
    same_seg = np.r_[False, seg[1:] == seg[:-1]]
    D[:, 1:] = np.sign(P[:, 1:] - P[:, :-1]).astype(int)
    D[:, ~same_seg] = 0
    trend = _run_lengths(D, seg) >= trend_length - 1
    tit = np.zeros((R, T), dtype=bool)
    for t in range(2, T):
        if seg[t] == seg[t - 2]:
            w = slice(t - 2, t + 1)
            tit[:, t] = (close[:, w].sum(1) >= 2) & (np.abs(rtm[:, w].sum(1)) == 3)
    return {"outside_limits": outside, "trend": trend, "two_in_three": tit, "run": run}


def _anhoej(P):
    med = np.median(P, axis=1, keepdims=True)
    S = np.sign(P - med).astype(int)
    R, T = S.shape
    n_useful = (S != 0).sum(1)
    longest = np.zeros(R, dtype=int)
    crossings = np.zeros(R, dtype=int)
    last = np.zeros(R, dtype=int)
    cur = np.zeros(R, dtype=int)
    for t in range(T):
        s = S[:, t]
        on = s != 0
        cont = on & (s == last)
        newrun = on & (s != last)
        crossings += (newrun & (last != 0)).astype(int)
        cur = np.where(cont, cur + 1, np.where(newrun, 1, cur))
        last = np.where(on, s, last)
        longest = np.maximum(longest, cur)
    lr_max = np.round(np.log2(np.maximum(n_useful, 1))) + 3
    nc_min = stats.binom.ppf(0.05, np.maximum(n_useful - 1, 0), 0.5)
    return (n_useful > 0) & ((longest > lr_max) | (crossings < nc_min))


def spc_operating_characteristics(n, segment=None, p: float = 0.8, shifts=(0.10, 0.20),
                                  shift_from: int | None = None, n_sims: int = 2000,
                                  seed: int = 20090101) -> pd.DataFrame:
    """False-alarm rate and power of each special-cause rule on a p-chart of this shape.

    Parameters
    ----------
    n : array-like of int
        The chart's denominators, one per period, in order (missing periods left out).
    segment : array-like of int, optional
        Segment of each period (``segment`` of :func:`kentaudit.stats.spc.p_chart`): windows
        and runs do not cross a gap. Default: one segment.
    p : float
        The stable process level (e.g. the chart's centre line).
    shifts : sequence of float
        Drops (proportions) sustained from period ``shift_from`` to the end.
    shift_from : int, optional
        0-based first shifted period; default two thirds of the way along.

    Returns
    -------
    DataFrame, one row per rule x scenario: ``rule`` (:data:`SPC_RULES`: the four
    Making Data Count rules, ``any_special_cause``, and ``anhoej_runs``: the Anhoej
    rules of a run chart on the same proportions), ``scenario`` (``"stable"`` or
    ``"shift"``), ``shift``, ``p_signal`` (share of simulated charts with at least one
    signal; for a shift, a signal in the shifted periods - the Anhoej rules judge the
    whole series), ``mc_se``, ``n_periods``, ``median_files``, ``shift_from``, ``p_stable``,
    ``n_sims``, ``seed``.
    """
    n = np.asarray(n, dtype=float)
    if n.ndim != 1 or n.size < 3 or np.any(n <= 0):
        raise InputError("n must hold at least three positive denominators.", column="n")
    T = n.size
    seg = np.zeros(T, dtype=int) if segment is None else np.asarray(segment, dtype=int)
    start = int(round(2 * T / 3)) if shift_from is None else int(shift_from)
    if not 0 < start < T:
        raise InputError("shift_from must fall inside the series.", column="shift_from")
    rng = np.random.default_rng(seed)
    R = int(n_sims)
    rows = []
    for scen, d in [("stable", 0.0)] + [("shift", float(s)) for s in shifts]:
        pt = np.full(T, p)
        pt[start:] = np.clip(p - d, 0.001, 0.999) if d else p
        X = rng.binomial(n.astype(int), pt, size=(R, T))
        f = _spc_flags(X.astype(float), n, seg)
        window = np.zeros(T, dtype=bool)
        window[start if d else 0:] = True
        anyf = np.zeros(R, dtype=bool)
        for r in ("outside_limits", "trend", "two_in_three", "run"):
            hit = (f[r] & window).any(1)
            anyf |= hit
            rows.append((r, scen, d, float(hit.mean())))
        rows.append(("any_special_cause", scen, d, float(anyf.mean())))
        rows.append(("anhoej_runs", scen, d, float(_anhoej(X / n).mean())))
    out = pd.DataFrame(rows, columns=["rule", "scenario", "shift", "p_signal"])
    out["mc_se"] = np.sqrt(out["p_signal"] * (1 - out["p_signal"]) / R)
    out["n_periods"] = T
    out["median_files"] = float(np.median(n))
    out["shift_from"] = start
    out["p_stable"] = float(p)
    out["n_sims"] = R
    out["seed"] = int(seed)
    return out
