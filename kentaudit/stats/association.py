"""Between districts and areas: independence tests, each district against the rest, all pairs.

The denominator of every proportion is yes + no: "NA" (not applicable) and
missing answers are excluded and counted separately.

Small-count policies (stated in every row, never a silent fallback):

* R x C independence (:func:`independence_test`, ``method="auto"``): Pearson's
  chi-square when every expected count is at least 5; otherwise Fisher's exact
  test for a 2 x 2 table, and for a larger table a Monte Carlo p-value of the
  Pearson statistic over tables with the observed margins (scipy
  ``random_table``), with a fixed, recorded seed.
* Two groups (:func:`one_vs_rest`, :func:`all_pairs`): the 'N-1' chi-square
  (Campbell 2007) when every expected count is at least 1; otherwise Fisher's
  exact test (two-sided, as R ``fisher.test``).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from kentaudit.core.errors import KentauditError
from kentaudit.core.methods import check_method
from kentaudit.stats.multiplicity import adjust
from kentaudit.stats.proportions import criterion_counts

__all__ = ["INDEPENDENCE_METHODS", "DEFAULT_SEED", "criterion_table", "independence_test",
           "one_vs_rest", "all_pairs", "two_group_test"]

INDEPENDENCE_METHODS = ("auto", "pearson", "monte_carlo", "fisher")
#: default seed of Monte Carlo p-values (recorded in every row that uses one)
DEFAULT_SEED = 20090212


def _criterion_col(audits: pd.DataFrame, criterion: str) -> str:
    for c in (criterion, f"c_{criterion}"):
        if c in audits.columns:
            return c
    raise KentauditError(f"the audits have no criterion column {criterion!r} (or 'c_{criterion}').")


def _yes_no_counts(audits: pd.DataFrame, criterion: str, group: str) -> pd.DataFrame:
    col = _criterion_col(audits, criterion)
    if group not in audits.columns:
        raise KentauditError(f"the audits have no column {group!r} to group by.")
    # Count first with the vectorised counter of kentaudit.stats.proportions (answer codes
    # checked there): no per-criterion string copies of the whole frame.

    c = criterion_counts(audits[[group, col]], by=group, criteria=[col])
    c = c[c[group].notna()]
    out = pd.DataFrame({"yes": c["n_yes"].to_numpy(int), "no": c["n_no"].to_numpy(int),
                        "na": c["n_not_applicable"].to_numpy(int),
                        "missing": c["n_missing"].to_numpy(int)},
                       index=pd.Index(c[group].astype(str).to_numpy(), name=group))
    return out.sort_index()


def criterion_table(audits: pd.DataFrame, criterion: str, group: str = "district") -> pd.DataFrame:
    """Counts of yes, no, not applicable and missing for one criterion by group.

    Returns
    -------
    DataFrame indexed by ``group`` with columns ``yes``, ``no`` (the table
    tested), ``na`` (not applicable) and ``missing`` (both excluded from the
    denominator yes + no).
    """
    return _yes_no_counts(audits, criterion, group)


def _cramers_v(table: np.ndarray, chi2: float) -> tuple[float, float]:
    n = table.sum()
    r, k = table.shape
    v = np.sqrt(chi2 / (n * (min(r, k) - 1)))
    # Bergsma (2013) bias correction; written here because scipy's
    # contingency.association has no bias-corrected form
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    den = min(kc - 1, rc - 1)
    vbc = np.sqrt(phi2 / den) if den > 0 else np.nan
    return float(v), float(vbc)


def independence_test(data, criterion: str | None = None, group: str = "district",
                      method: str = "auto", seed: int = DEFAULT_SEED, n_resamples: int = 99_999,
                      min_expected: float = 5.0) -> pd.DataFrame:
    """Test of independence for a groups x outcome table (e.g. districts x Y/N).

    Parameters
    ----------
    data : DataFrame or 2-D array
        A table of counts (rows = groups, columns = outcome categories), or
        audits when ``criterion`` is given (then the table is groups x (yes, no)).
    criterion : str, optional
        Criterion id (``seen`` or ``c_seen``) when ``data`` are audits.
    group : str
        Grouping column of the audits (``district`` or ``area``).
    method : {"auto", "pearson", "monte_carlo", "fisher"}
        ``auto`` applies the small-count policy of this module; ``fisher``
        needs a 2 x 2 table.
    seed : int
        Seed of the Monte Carlo p-value (recorded in the row).
    n_resamples : int
        Number of Monte Carlo tables.
    min_expected : float
        The policy threshold for the smallest expected count.

    Returns
    -------
    One-row DataFrame:

    - ``test``: the test used ("Pearson chi-square", "Monte Carlo Pearson
      chi-square", "Fisher exact");
    - ``method``, ``policy``: how the test was chosen;
    - ``statistic`` (Pearson X^2, never continuity corrected), ``df``, ``p_value``;
    - ``n``, ``n_rows``, ``n_cols``, ``min_expected``, ``n_expected_below``
      (cells with expected count below the threshold);
    - ``cramers_v`` and ``cramers_v_bias_corrected`` (Bergsma 2013);
    - ``seed``, ``n_resamples`` (Monte Carlo only, else missing);
    - ``rows_dropped``: groups with no applicable answer, left out of the table;
    - ``note``: empty, or ``"not testable: <reason>"`` when fewer than two groups
      have answers or every answer is in one category (0% or 100%): then
      ``test`` is ``"not testable"`` and the statistic and p-value are missing.

    Notes
    -----
    The Monte Carlo p-value is (1 + #{X^2* >= X^2}) / (B + 1), as R
    ``chisq.test(simulate.p.value = TRUE)``; it estimates the exact
    conditional p-value (R ``fisher.test`` for R x C uses the probability
    ordering instead, so the two agree only approximately).

    Validated against R ``chisq.test(correct = FALSE)``, ``fisher.test`` and
    the bias-corrected V formula in ``tests/r/reference_more.R``.

    References
    ----------
    1. Bergsma, W. (2013). A bias-correction for Cramer's V and Tschuprow's T.
       J Korean Stat Soc 42:323-328.
    """
    check_method(method, INDEPENDENCE_METHODS)
    if criterion is not None:
        counts = _yes_no_counts(data, criterion, group)
        labels = list(counts.index)
        table = counts[["yes", "no"]].to_numpy(dtype=float)
    else:
        table = np.asarray(data, dtype=float)
        labels = list(data.index) if isinstance(data, pd.DataFrame) else list(range(table.shape[0]))
    if table.ndim != 2 or (table < 0).any():
        raise KentauditError("the table must be a 2-D table of counts >= 0.")
    keep_r = table.sum(axis=1) > 0
    dropped = [str(labels[i]) for i in np.flatnonzero(~keep_r)]
    table = table[keep_r][:, table.sum(axis=0) > 0]
    cols = ["test", "method", "policy", "statistic", "df", "p_value", "n", "n_rows", "n_cols",
            "min_expected", "n_expected_below", "cramers_v", "cramers_v_bias_corrected", "seed",
            "n_resamples", "rows_dropped", "note"]
    if table.shape[0] < 2 or table.shape[1] < 2:
        # not an error: a criterion at 0% or 100%, never applicable, or answered in one
        # group only is a result, with the p-value missing (never 1) and the reason given
        if table.size == 0 or table.sum() == 0:
            why = "no yes/no answer in any group"
        elif table.shape[0] < 2:
            why = "fewer than two groups have yes/no answers"
        else:
            why = "every answer is in one outcome category (0% or 100% compliance)"
        return pd.DataFrame([{
            "test": "not testable", "method": "", "policy": "", "statistic": np.nan, "df": pd.NA,
            "p_value": np.nan, "n": int(table.sum()), "n_rows": int(table.shape[0]),
            "n_cols": int(table.shape[1]), "min_expected": np.nan, "n_expected_below": pd.NA,
            "cramers_v": np.nan, "cramers_v_bias_corrected": np.nan, "seed": pd.NA,
            "n_resamples": pd.NA, "rows_dropped": ";".join(dropped),
            "note": f"not testable: {why}"}])[cols].astype(_COUNTS)
    expected = stats.contingency.expected_freq(table)
    emin = float(expected.min())
    nbelow = int((expected < min_expected).sum())
    pear = stats.chi2_contingency(table, correction=False)
    chi2 = float(pear.statistic)
    is2x2 = table.shape == (2, 2)
    if method == "auto":
        chosen = "pearson" if emin >= min_expected else ("fisher" if is2x2 else "monte_carlo")
        policy = (f"auto: Pearson chi-square if every expected count >= {min_expected:g}; otherwise "
                  "Fisher exact for 2x2, Monte Carlo for larger tables")
    else:
        chosen = method
        policy = f"fixed: {method}"
    if chosen == "fisher" and not is2x2:
        raise KentauditError("method='fisher' needs a 2 x 2 table; use 'monte_carlo' for larger tables.")
    row = {"n": int(table.sum()), "n_rows": table.shape[0], "n_cols": table.shape[1],
           "min_expected": emin, "n_expected_below": nbelow, "statistic": chi2,
           "seed": pd.NA, "n_resamples": pd.NA}
    if chosen == "pearson":
        row.update(test="Pearson chi-square", method="asymptotic chi-square, no continuity correction",
                   df=int(pear.dof), p_value=float(pear.pvalue))
    elif chosen == "fisher":
        res = stats.fisher_exact(table.astype(int), alternative="two-sided")
        row.update(test="Fisher exact", method="conditional exact, two-sided (sum of tables no more probable)",
                   df=int(pear.dof), p_value=float(res.pvalue))
    else:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise KentauditError(f"seed must be a whole number, not {seed!r}.")
        mc = stats.MonteCarloMethod(n_resamples=int(n_resamples), rng=np.random.default_rng(int(seed)))
        res = stats.chi2_contingency(table.astype(int), correction=False, method=mc)
        row.update(test="Monte Carlo Pearson chi-square",
                   method="Monte Carlo over tables with fixed margins (scipy random_table), p = (1 + #>=)/(B + 1)",
                   df=int(pear.dof), p_value=float(res.pvalue), seed=int(seed), n_resamples=int(n_resamples))
    row["cramers_v"], row["cramers_v_bias_corrected"] = _cramers_v(table, chi2)
    row["policy"] = policy
    row["rows_dropped"] = ";".join(dropped)
    row["note"] = ""
    return pd.DataFrame([row])[cols].astype(_COUNTS)


#: counts of independence_test that may be missing: integers with missing values, never floats
_COUNTS = {"df": "Int64", "n_expected_below": "Int64", "seed": "Int64", "n_resamples": "Int64"}


def two_group_test(x1: int, n1: int, x2: int, n2: int, conf_level: float = 0.95) -> dict:
    """Difference of two independent proportions with the 'N-1' chi-square / Fisher policy.

    Returns a dict with ``n_yes``, ``n_denominator`` (the inputs ``x1``,
    ``n1``), ``n_yes_rest``, ``n_denominator_rest`` (``x2``, ``n2``: the
    other group), ``estimate``, ``estimate_rest``, ``difference``
    (estimate - estimate_rest), ``conf_low``,
    ``conf_high`` (Newcombe 1998 hybrid score, method 10, via statsmodels
    ``confint_proportions_2indep(method="newcomb")``), ``test``,
    ``statistic``, ``p_value``, ``min_expected``, ``policy``, ``conf_level``.

    Notes
    -----
    'N-1' chi-square = X^2 (N - 1)/N (Campbell 2007, Stat Med 26:3661-3675),
    used when every expected count is at least 1; otherwise Fisher's exact
    test. Validated against Newcombe's example 56/70 vs 48/80 (0.0524 to
    0.3339) and R ``chisq.test(correct = FALSE)`` and ``fisher.test``.
    """
    out = {"n_yes": int(x1), "n_denominator": int(n1), "n_yes_rest": int(x2), "n_denominator_rest": int(n2),
           "policy": "N-1 chi-square if every expected count >= 1, else Fisher exact"}
    if n1 == 0 or n2 == 0:
        out.update(estimate=x1 / n1 if n1 else np.nan, estimate_rest=x2 / n2 if n2 else np.nan, difference=np.nan,
                   conf_low=np.nan, conf_high=np.nan, test="not testable: a group has no applicable answer",
                   statistic=np.nan, p_value=np.nan, min_expected=np.nan, conf_level=float(conf_level))
        return out
    p1, p2 = x1 / n1, x2 / n2
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff",
                                        alpha=1 - conf_level)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float)
    N = table.sum()
    margins_ok = (table.sum(axis=0) > 0).all()
    if margins_ok:
        expected = stats.contingency.expected_freq(table)
        emin = float(expected.min())
    else:
        emin = 0.0
    if not margins_ok:
        # every answer the same in both groups: not testable (p missing, never 1)
        test, stat, p = "not testable: every answer the same in both groups", np.nan, np.nan
    elif emin >= 1:
        chi2 = float(stats.chi2_contingency(table, correction=False).statistic)
        stat = chi2 * (N - 1) / N
        test, p = "N-1 chi-square", float(stats.chi2.sf(stat, 1))
    else:
        test, stat = "Fisher exact", np.nan
        p = float(stats.fisher_exact(table.astype(int), alternative="two-sided").pvalue)
    out.update(estimate=p1, estimate_rest=p2, difference=p1 - p2, conf_low=float(lo), conf_high=float(hi), test=test,
               statistic=stat, p_value=p, min_expected=emin, conf_level=float(conf_level))
    return out


def _criteria_list(audits, criteria):
    if criteria is None:
        return [c for c in audits.columns if c.startswith("c_")]
    return [criteria] if isinstance(criteria, str) else list(criteria)


def _finish(rows, adjust_method, family_by, alpha, family_words):
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["p_adjusted"] = np.nan
    out["adjust_method"] = adjust_method
    out["family"] = ""
    keys = out[family_by] if family_by else pd.Series(0, index=out.index)
    for k, idx in out.groupby(keys).groups.items():
        # the family is the testable comparisons only: a missing p-value is not a test
        fam = family_words(k, int(out.loc[idx, "p_value"].notna().sum()))
        adj = adjust(out.loc[idx, "p_value"], method=adjust_method, family=fam, alpha=alpha)
        out.loc[idx, "p_adjusted"] = adj["p_adjusted"].to_numpy()
        out.loc[idx, "family"] = fam
    return out


def one_vs_rest(audits: pd.DataFrame, criteria=None, group: str = "district",
                conf_level: float = 0.95, adjust_method: str = "holm",
                family: str = "per_criterion", alpha: float = 0.05,
                group_label: str | None = None) -> pd.DataFrame:
    """Each group (district) against the rest of the authority, for each criterion.

    Parameters
    ----------
    audits : DataFrame
        Audits with the ``group`` column and ``c_<id>`` criterion columns.
    criteria : str or list of str, optional
        Criterion ids or columns (default: every ``c_`` column).
    group : str
        ``district`` (default) or ``area``.
    conf_level : float
        Confidence level of the difference interval.
    adjust_method : {"holm", "fdr_bh", "bonferroni"}
        Multiplicity adjustment (see :func:`kentaudit.stats.multiplicity.adjust`).
    family : {"per_criterion", "all"}
        The family of the adjustment: the groups of one criterion
        ("12 districts x 1 criterion") or every group x criterion.
    group_label : str, optional
        The groups in the reader's words for the family text ("localities"; default the
        column name with an "s": "districts").

    Returns
    -------
    DataFrame, one row per group x criterion:

    - ``criterion``, ``group`` (the grouping column name), ``level`` (e.g. the district);
    - ``n_yes``, ``n_denominator``: yes and yes + no in the group;
      ``n_yes_rest``, ``n_denominator_rest``: in the rest;
    - ``n_not_applicable``, ``n_missing``: not applicable and missing answers in the group;
    - ``estimate``, ``estimate_rest``, ``difference`` (estimate - estimate_rest),
      ``conf_low``, ``conf_high``
      (Newcombe hybrid score), ``method`` ("Newcombe hybrid score (method 10)");
    - ``test``, ``statistic``, ``p_value``, ``min_expected``, ``policy``;
    - ``p_adjusted``, ``adjust_method``, ``family``; ``conf_level``.
    """
    check_method(family, ("per_criterion", "all"), "family")
    check_method(adjust_method, ("holm", "fdr_bh", "bonferroni"), "adjust_method")
    rows = []
    for crit in _criteria_list(audits, criteria):
        counts = _yes_no_counts(audits, crit, group)
        col = _criterion_col(audits, crit)
        tot_y, tot_n = counts["yes"].sum(), counts["yes"].sum() + counts["no"].sum()
        for lvl, r in counts.iterrows():
            x1, n1 = int(r["yes"]), int(r["yes"] + r["no"])
            res = two_group_test(x1, n1, int(tot_y - x1), int(tot_n - n1), conf_level)
            del res["conf_level"]  # placed last below, as the table documents
            rows.append({"criterion": col, "group": group, "level": lvl, **res,
                         "n_not_applicable": int(r["na"]), "n_missing": int(r["missing"]),
                         "method": "Newcombe hybrid score (method 10)", "conf_level": conf_level})
    ngroups = audits[group].nunique()
    ncrit = len(_criteria_list(audits, criteria))
    groups = group_label or f"{group}s"
    if family == "per_criterion":
        return _finish(rows, adjust_method, "criterion", alpha,
                       lambda k, m: f"{m} {groups} x 1 criterion ({k}), each against the rest")
    return _finish(rows, adjust_method, None, alpha,
                   lambda k, m: f"{ngroups} {groups} x {ncrit} criteria, each against the rest ({m} tests)")


# two_group_test names its second group "rest"; in a pair the groups are a and b
_PAIR_NAMES = {"n_yes": "n_yes_a", "n_denominator": "n_denominator_a", "estimate": "estimate_a",
               "n_yes_rest": "n_yes_b", "n_denominator_rest": "n_denominator_b",
               "estimate_rest": "estimate_b"}


def all_pairs(audits: pd.DataFrame, criteria=None, group: str = "district",
              conf_level: float = 0.95, adjust_method: str = "holm",
              family: str = "per_criterion", alpha: float = 0.05) -> pd.DataFrame:
    """Every pair of groups, for each criterion (difference, interval, test, adjusted p).

    Returns
    -------
    DataFrame, one row per pair x criterion with ``criterion``, ``group``,
    ``level_a``, ``level_b`` (pairs in name order; difference =
    estimate_a - estimate_b), ``n_yes_a``, ``n_denominator_a``, ``n_yes_b``,
    ``n_denominator_b``, ``estimate_a``, ``estimate_b``, ``difference``, ``conf_low``, ``conf_high``, ``method``, ``test``,
    ``statistic``, ``p_value``, ``min_expected``, ``policy``, ``p_adjusted``,
    ``adjust_method``, ``family``, ``conf_level``).
    """
    check_method(family, ("per_criterion", "all"), "family")
    check_method(adjust_method, ("holm", "fdr_bh", "bonferroni"), "adjust_method")
    rows = []
    crits = _criteria_list(audits, criteria)
    for crit in crits:
        counts = _yes_no_counts(audits, crit, group)
        col = _criterion_col(audits, crit)
        for a, b in combinations(counts.index, 2):
            ra, rb = counts.loc[a], counts.loc[b]
            res = two_group_test(int(ra["yes"]), int(ra["yes"] + ra["no"]),
                                 int(rb["yes"]), int(rb["yes"] + rb["no"]), conf_level)
            res = {_PAIR_NAMES.get(k, k): v for k, v in res.items() if k != "conf_level"}
            rows.append({"criterion": col, "group": group, "level_a": a, "level_b": b, **res,
                         "method": "Newcombe hybrid score (method 10)", "conf_level": conf_level})
    if family == "per_criterion":
        return _finish(rows, adjust_method, "criterion", alpha,
                       lambda k, m: f"{m} pairs of {group}s x 1 criterion ({k})")
    return _finish(rows, adjust_method, None, alpha,
                   lambda k, m: f"all pairs of {group}s x {len(crits)} criteria ({m} tests)")
