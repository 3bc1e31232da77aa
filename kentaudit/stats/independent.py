"""Independent comparison of two proportions: initial versus additional cases.

The extended 2009 sample is the initial sample *plus* the additional cases,
so comparing the extended sample with the initial one compares a sample with
itself in part and understates any difference. :func:`compare_samples`
compares the initial cases with the additional cases only, and refuses when
the two groups share a case.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_method
from kentaudit.stats.proportions import criterion_counts, criterion_ids, proportion_ci

__all__ = ["DIFF_METHODS", "TEST_POLICIES", "compare_independent", "compare_samples"]

#: Closed set of interval methods for a difference of independent proportions.
DIFF_METHODS = ("newcombe",)

#: Closed set of test policies.
TEST_POLICIES = ("n-1-chisq-or-fisher", "n-1-chisq", "fisher")


def _fisher_p(x1, f1, x2, f2) -> tuple[float, float]:
    res = stats.fisher_exact([[x1, f1], [x2, f2]], alternative="two-sided")
    return float(res.statistic), float(res.pvalue)


def compare_independent(x1, n1, x2, n2, conf_level: float = 0.95, method: str = "newcombe",
                        test_policy: str = "n-1-chisq-or-fisher",
                        min_expected: float = 1.0) -> pd.DataFrame:
    """Difference of two independent proportions, its interval and a test.

    Parameters
    ----------
    x1, n1, x2, n2 : int or array-like
        Yes counts and denominators (yes + no) of groups 1 and 2; broadcast
        together. A Series index is kept.
    conf_level : float
        Two-sided confidence level of the interval.
    method : {"newcombe"}
        Interval for p1 - p2: Newcombe's hybrid score interval (1998b,
        method 10), from the Wilson limits of each proportion.
    test_policy : {"n-1-chisq-or-fisher", "n-1-chisq", "fisher"}
        ``"n-1-chisq-or-fisher"`` (default): the N-1 chi-square test
        (Campbell 2007) when every expected count is at least
        ``min_expected``, otherwise Fisher's exact test (two-sided, as R's
        ``fisher.test``). The other two use one test for every row (the N-1
        chi-square falls back to Fisher only where it is undefined, that is
        where an expected count is zero, and the row says so).
    min_expected : float
        Threshold of the policy (Campbell's recommendation is 1).

    Returns
    -------
    DataFrame
        One row per comparison, with columns

        * ``n_yes_a``, ``n_denominator_a``, ``n_yes_b``, ``n_denominator_b``
          (the inputs ``x1``, ``n1``, ``x2``, ``n2``), integers;
        * ``estimate_a``, ``estimate_b`` - proportions (NaN when the
          denominator is 0);
        * ``difference`` - ``estimate_a - estimate_b``;
        * ``conf_low``, ``conf_high`` - the interval for the difference;
        * ``method``, ``conf_level``;
        * ``min_expected`` - the smallest expected count of the 2 x 2 table;
        * ``test_policy``, ``policy_threshold`` - the policy and its threshold;
        * ``test`` - the test actually used: ``"n-1 chi-square"`` or
          ``"fisher exact"``;
        * ``statistic``, ``statistic_name`` - the N-1 chi-square
          (df 1), or the sample odds ratio for Fisher's test;
        * ``df`` - 1 for chi-square, NaN for Fisher;
        * ``p_value`` - two-sided; missing when the comparison is not
          testable (see Notes);
        * ``note`` - why a value is missing or a degenerate case.

    Notes
    -----
    The N-1 chi-square is Pearson's X^2 (no continuity correction) times
    (N - 1) / N (Campbell 2007; Richardson 2011). A table with a zero margin
    (a group with no applicable answers, or no "yes" or no "no" answers at
    all) is **not testable**: its conditional distribution has a single table
    (R's ``fisher.test`` returns p = 1 there, which says nothing), so
    ``test`` is ``"not testable"``, the p-value is missing and the note gives
    the reason; a missing p-value is never counted in a multiplicity family
    (:func:`kentaudit.stats.multiplicity.adjust`). The difference and its interval
    are NaN when a group has no applicable answers.

    Validated against R 4.2 (``chisq.test(correct = FALSE)`` times
    (N - 1)/N, ``fisher.test``, Newcombe's formula on ``prop.test`` Wilson
    limits; ``tests/r/reference_core.R``) and Newcombe (1998b, Table II):
    56/70 vs 48/80 gives 0.0524 to 0.3339.

    References
    ----------
    1. Newcombe RG (1998b). Interval estimation for the difference between
       independent proportions: comparison of eleven methods. Statistics in
       Medicine 17:873-890.
    2. Campbell I (2007). Chi-squared and Fisher-Irwin tests of two-by-two
       tables with small sample recommendations. Statistics in Medicine
       26:3661-3675.
    """
    check_method(method, DIFF_METHODS)
    check_method(test_policy, TEST_POLICIES, "test_policy")
    index = next((o.index for o in (x1, n1, x2, n2) if isinstance(o, pd.Series)), None)
    arrs = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2)))
    x1, n1, x2, n2 = (np.atleast_1d(a).astype(np.float64) for a in arrs)
    if np.any(np.isnan(x1) | np.isnan(n1) | np.isnan(x2) | np.isnan(n2)):
        raise InputError("counts must not be missing")
    if np.any((x1 < 0) | (x1 > n1) | (x2 < 0) | (x2 > n2)):
        raise InputError("counts must satisfy 0 <= x <= n in both groups")
    if np.any((x1 % 1 != 0) | (n1 % 1 != 0) | (x2 % 1 != 0) | (n2 % 1 != 0)):
        raise InputError("counts must be whole numbers")
    w1 = proportion_ci(x1, n1, method="wilson", conf_level=conf_level)
    w2 = proportion_ci(x2, n2, method="wilson", conf_level=conf_level)
    p1, l1, u1 = (w1[c].to_numpy() for c in ("estimate", "conf_low", "conf_high"))
    p2, l2, u2 = (w2[c].to_numpy() for c in ("estimate", "conf_low", "conf_high"))
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)

    N = n1 + n2
    yes = x1 + x2
    no = N - yes
    with np.errstate(divide="ignore", invalid="ignore"):
        exp = np.stack([n1 * yes, n1 * no, n2 * yes, n2 * no]) / np.where(N > 0, N, 1)
        min_exp = np.where(N > 0, exp.min(axis=0), 0.0)
        obs = np.stack([x1, n1 - x1, x2, n2 - x2])
        x2_pearson = np.where(min_exp > 0, ((obs - exp) ** 2 / np.where(exp > 0, exp, 1)).sum(axis=0), np.nan)
        chi = x2_pearson * (N - 1) / np.where(N > 0, N, 1)
    chi_p = stats.chi2.sf(chi, 1)

    k = len(x1)
    test = np.empty(k, dtype=object)
    stat = np.full(k, np.nan)
    stat_name = np.empty(k, dtype=object)
    df = np.full(k, np.nan)
    pval = np.full(k, np.nan)
    notes = [[] for _ in range(k)]
    for i in range(k):
        if test_policy == "fisher":
            use_chi = False
        elif test_policy == "n-1-chisq":
            use_chi = min_exp[i] > 0
            if not use_chi:
                notes[i].append("N-1 chi-square undefined (an expected count is 0): Fisher's exact test used")
        else:
            use_chi = min_exp[i] >= min_expected
        if n1[i] == 0 or n2[i] == 0 or min_exp[i] == 0:
            # untestable: a group without answers, or every answer the same in both
            # groups; the p-value is missing (never 1), so no family counts the row
            test[i] = "not testable"
            notes[i].append("not testable: " + ("a group has no yes/no answers"
                                                if n1[i] == 0 or n2[i] == 0 else
                                                f"every answer is {'Y' if no[i] == 0 else 'N'} in "
                                                "both groups (a margin of the table is zero)"))
            continue
        if use_chi:
            test[i], stat[i], stat_name[i], df[i], pval[i] = "n-1 chi-square", chi[i], "chi2 (N-1)", 1.0, chi_p[i]
        else:
            odds, p = _fisher_p(x1[i], n1[i] - x1[i], x2[i], n2[i] - x2[i])
            test[i], stat[i], stat_name[i], pval[i] = "fisher exact", odds, "sample odds ratio", p
    out = pd.DataFrame({
        "n_yes_a": x1.astype(np.int64), "n_denominator_a": n1.astype(np.int64),
        "n_yes_b": x2.astype(np.int64), "n_denominator_b": n2.astype(np.int64),
        "estimate_a": p1, "estimate_b": p2, "difference": d,
        "conf_low": lo, "conf_high": hi, "method": method, "conf_level": float(conf_level),
        "min_expected": min_exp, "test_policy": test_policy, "policy_threshold": float(min_expected),
        "test": test, "statistic": stat, "statistic_name": stat_name, "df": df, "p_value": pval,
        "note": ["; ".join(n) for n in notes],
    })
    if index is not None and len(index) == len(out):
        out.index = index
    return out


def compare_samples(audits: pd.DataFrame, a: str = "initial", b: str = "extended",
                    criteria: Sequence[str] | None = None, cycle: str | None = None,
                    conf_level: float = 0.95, method: str = "newcombe",
                    test_policy: str = "n-1-chisq-or-fisher") -> pd.DataFrame:
    """Compare two disjoint samples (default: initial vs additional cases) per criterion.

    Parameters
    ----------
    audits : DataFrame
        Audits in the wide form of :mod:`kentaudit.inputs.schema`.
    a, b : str
        Values of the ``sample`` column. ``"extended"`` rows are the
        *additional* cases only, so the default compares the initial cases
        with the cases added to them, never with a sample containing them.
    criteria : list of str, optional
        Criterion ids or column names; default all.
    cycle : str, optional
        Restrict to one cycle; required when the selected rows span several.
    conf_level, method, test_policy
        As in :func:`compare_independent`.

    Returns
    -------
    DataFrame
        One row per criterion: ``criterion``, ``sample_a`` (= a),
        ``sample_b`` (= b), the counts of each (``n_not_applicable_a``,
        ``n_missing_a``, ``n_audits_a``, ... as in
        :func:`kentaudit.stats.proportions.criterion_counts`), ``denominator``,
        then the columns of :func:`compare_independent` (``estimate_a``
        belongs to ``a``; ``difference`` is p(a) - p(b)).

    Raises
    ------
    InputError
        If ``a == b``, a sample has no rows, the selected rows span several
        cycles without ``cycle=``, or the two samples share a ``case_ref``
        (the comparison would not be independent).

    Notes
    -----
    Validated as :func:`compare_independent` is.
    """
    if a == b:
        raise InputError(f"compare_samples needs two different samples, got a = b = {a!r}")
    for col in ("sample", "case_ref", "cycle"):
        if col not in audits.columns:
            raise InputError(f"the audit frame has no {col!r} column", column=col)
    # only the columns read below: a copy of whole audit rows would cost the frame's size
    cols = ["sample", "case_ref", "cycle", *criterion_ids(audits, criteria)]
    sel = audits.loc[audits["sample"].isin([a, b]), cols]
    if cycle is not None:
        sel = sel[sel["cycle"].astype(str) == str(cycle)]
    cycles = sel["cycle"].dropna().astype(str).unique()
    if len(cycles) > 1:
        raise InputError(f"the {a!r} and {b!r} rows span cycles {', '.join(sorted(cycles))}; "
                         "pass cycle= to choose one", column="cycle")
    ga, gb = sel[sel["sample"] == a], sel[sel["sample"] == b]
    for name, g in ((a, ga), (b, gb)):
        if g.empty:
            raise InputError(f"no audits with sample == {name!r}" + (f" in cycle {cycle}" if cycle else ""),
                             column="sample", value=name)
    shared = ga.loc[ga["case_ref"].isin(gb["case_ref"]), "case_ref"].unique()
    if len(shared):
        raise InputError(f"samples {a!r} and {b!r} share {len(shared)} case(s) (e.g. "
                         f"{sorted(map(str, shared))[0]}); an independent comparison needs disjoint "
                         "groups: compare the initial cases with the additional cases only, "
                         "or use kentaudit.stats.paired for re-audits", column="case_ref")
    ca = criterion_counts(ga, criteria=criteria).set_index("criterion")
    cb = criterion_counts(gb, criteria=criteria).set_index("criterion")
    res = compare_independent(ca["n_yes"].to_numpy(), ca["n_denominator"].to_numpy(),
                              cb["n_yes"].to_numpy(), cb["n_denominator"].to_numpy(),
                              conf_level=conf_level, method=method, test_policy=test_policy)
    head = pd.DataFrame({"criterion": ca.index, "sample_a": a, "sample_b": b})
    for suffix, c in (("_a", ca), ("_b", cb)):
        for col in ("n_not_applicable", "n_missing", "n_audits"):
            head[col + suffix] = c[col].to_numpy()
    head["denominator"] = ca["denominator"].to_numpy()
    return pd.concat([head, res.reset_index(drop=True)], axis=1)
