"""The paired re-audit: the same case judged twice.

In 2009 the initial cases were audited on the electronic record (ICS) and
then re-audited from the comprehensive (electronic and hard-copy) file. The
two judgements of one case are paired by ``case_ref`` within a cycle; the
comparisons here use the within-case pairing (McNemar, Newcombe's paired
interval, Stuart-Maxwell and Bowker), never an independent-samples test.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_conf_level, check_method
from kentaudit.stats.proportions import answer_codes, criterion_ids, proportion_ci

__all__ = ["PAIRED_CI_METHODS", "mcnemar_midp", "PAIRED_CELLS", "pair_audits", "paired_binary_counts", "paired_binary",
           "paired_grade_table", "paired_grades", "square_table_tests"]

#: Closed set of interval methods for a paired difference.
PAIRED_CI_METHODS = ("newcombe-paired",)

#: The cells a, b, c, d of a paired 2 x 2 table (first answer, then second).
PAIRED_CELLS = ("n_yes_yes", "n_yes_no", "n_no_yes", "n_no_no")


def pair_audits(audits: pd.DataFrame, first: str = "initial", second: str = "reaudit",
                cycle: str | None = None, columns=None) -> pd.DataFrame:
    """Join the ``first`` and ``second`` audits of each case within a cycle.

    ``columns`` (optional) limits the joined columns to those named, besides
    ``sample``, ``case_ref`` and ``cycle``: the join then copies only them.

    Returns
    -------
    DataFrame
        One row per case audited in both samples of the same cycle: ``cycle``,
        ``case_ref``, then every other column (or every one of ``columns``)
        twice, suffixed ``_first`` and ``_second``.

    Raises
    ------
    InputError
        If a case appears twice in one sample of a cycle, or no case is paired.
    """
    for col in ("sample", "case_ref", "cycle"):
        if col not in audits.columns:
            raise InputError(f"the audit frame has no {col!r} column", column=col)
    if first == second:
        raise InputError(f"pairing needs two different samples, got {first!r} twice")
    sel = audits if columns is None else audits[["sample", "case_ref", "cycle", *columns]]
    if cycle is not None:
        sel = sel[sel["cycle"].astype(str) == str(cycle)]
    parts = []
    for name in (first, second):
        g = sel[sel["sample"] == name]
        dup = g.duplicated(["cycle", "case_ref"])
        if dup.any():
            raise InputError(f"case {g.loc[dup, 'case_ref'].iloc[0]!r} appears more than once in "
                             f"sample {name!r} of cycle {g.loc[dup, 'cycle'].iloc[0]!r}; "
                             "each case can be paired only once", column="case_ref")
        parts.append(g)
    pairs = parts[0].merge(parts[1], on=["cycle", "case_ref"], suffixes=("_first", "_second"))
    if pairs.empty:
        raise InputError(f"no case is in both sample {first!r} and sample {second!r}"
                         + (f" in cycle {cycle}" if cycle else "") + "; check case_ref and cycle")
    return pairs


def paired_binary_counts(audits: pd.DataFrame, first: str = "initial", second: str = "reaudit",
                         criteria: Sequence[str] | None = None,
                         cycle: str | None = None) -> pd.DataFrame:
    """Paired 2 x 2 counts per criterion.

    Returns
    -------
    DataFrame
        One row per criterion: ``criterion``, ``n_pairs_total`` (cases in both
        samples), ``n_pairs`` (pairs where both answers are Y or N),
        ``n_excluded`` (the rest: a not-applicable or missing answer on
        either side), and ``n_yes_yes`` (Y then Y), ``n_yes_no`` (Y then N),
        ``n_no_yes`` (N then Y), ``n_no_no`` (N then N): the cells a, b, c, d
        of the paired 2 x 2 table.
    """
    cols = criterion_ids(audits, criteria)
    pairs = pair_audits(audits, first, second, cycle, columns=cols)
    rows = []
    for col in cols:
        c1 = answer_codes(pairs[f"{col}_first"].rename(col))
        c2 = answer_codes(pairs[f"{col}_second"].rename(col))
        both = (c1 <= 1) & (c2 <= 1)
        t = np.bincount(c1[both] * 2 + c2[both], minlength=4)
        rows.append({"criterion": col[2:], "n_pairs_total": len(pairs), "n_pairs": int(both.sum()),
                     "n_excluded": int((~both).sum()), "n_yes_yes": int(t[0]), "n_yes_no": int(t[1]),
                     "n_no_yes": int(t[2]), "n_no_no": int(t[3])})
    return pd.DataFrame(rows)


def _newcombe_paired(a, b, c, d, conf_level):
    """Newcombe (1998) paired method 10: square-and-add of Wilson limits with phi."""
    n = a + b + c + d
    w1 = proportion_ci(a + b, n, method="wilson", conf_level=conf_level)
    w2 = proportion_ci(a + c, n, method="wilson", conf_level=conf_level)
    p1, l1, u1 = (w1[k].to_numpy() for k in ("estimate", "conf_low", "conf_high"))
    p2, l2, u2 = (w2[k].to_numpy() for k in ("estimate", "conf_low", "conf_high"))
    # Newcombe's estimate of the correlation phi, with his correction towards
    # zero: (AD - BC - N/2) when AD - BC > N/2, 0 when 0 <= AD - BC <= N/2,
    # AD - BC when negative; 0 when a margin is zero (Newcombe 1998c, p. 2639;
    # Fagerland, Lydersen and Laake 2017, section 8.5.4).
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    num = np.where(cross > n / 2, cross - n / 2, np.where(cross >= 0, 0.0, cross))
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(denom > 0, num / np.sqrt(np.where(denom > 0, denom, 1)), 0.0)
    # Difference second - first = p2 - p1: the roles of the two margins swap
    # relative to Newcombe's theta = p1 - p2.
    theta = p2 - p1
    dl = np.sqrt(np.maximum((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2, 0))
    du = np.sqrt(np.maximum((u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2, 0))
    return p1, p2, theta, theta - dl, theta + du


def mcnemar_midp(b: int, c: int) -> float:
    """Two-sided McNemar mid-p value from the discordant counts ``b`` and ``c``.

    With X ~ Bin(b + c, 1/2) and k = min(b, c) (Fagerland, Lydersen and Laake
    2013, eq. 3; Lancaster 1961):

    * b != c: mid-p = 2 P(X <= k) - P(X = k), i.e. twice the one-sided
      mid-p, 2 [P(X <= k - 1) + P(X = k) / 2];
    * b = c: mid-p = 1 - P(X = b) / 2 (the observed table is the central
      one: all other tables are less probable, and half of its own
      probability counts), so 40/13/13/4 gives 0.922509 and 7/3/3/0 gives
      0.843750, where doubling the one-sided value would give 1.

    Both cases are the probability of the tables less probable than the
    observed one plus half the probability of those as probable, the mid-p
    form of R's ``binom.test`` two-sided p-value. Undefined (NaN) when
    b + c = 0.

    References
    ----------
    Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary
    matched-pairs data: mid-p and asymptotic are better than exact
    conditional. BMC Medical Research Methodology 13:91.
    """
    b, c = int(b), int(c)
    m = b + c
    if m == 0:
        return float("nan")
    if b == c:
        return float(1.0 - 0.5 * stats.binom.pmf(b, m, 0.5))
    k = min(b, c)
    return float(min(1.0, 2.0 * stats.binom.cdf(k, m, 0.5) - stats.binom.pmf(k, m, 0.5)))


def paired_binary(audits: pd.DataFrame, first: str = "initial", second: str = "reaudit",
                  criteria: Sequence[str] | None = None, cycle: str | None = None,
                  conf_level: float = 0.95, method: str = "newcombe-paired") -> pd.DataFrame:
    """McNemar tests and a paired-difference interval per criterion.

    Parameters
    ----------
    audits : DataFrame
        Audits in the wide form of :mod:`kentaudit.inputs.schema`.
    first, second : str
        ``sample`` values paired by ``case_ref`` within ``cycle``
        (default: the electronic-record audit, then the re-audit of the
        comprehensive file).
    criteria : list of str, optional
        Criterion ids or ``c_<id>`` names; default all.
    cycle : str, optional
        Restrict to one cycle (pairs never cross cycles anyway).
    conf_level : float
        Confidence level of the difference interval.
    method : {"newcombe-paired"}
        Interval for the paired difference: Newcombe (1998c) method 10.

    Returns
    -------
    DataFrame
        Four rows per criterion, one per test, with columns

        * ``criterion``, ``n_pairs_total``, ``n_pairs``, ``n_excluded``,
          ``n_yes_yes``, ``n_yes_no``, ``n_no_yes``, ``n_no_no`` as in
          :func:`paired_binary_counts` (the cells a, b, c, d; ``n_yes_no``
          = b: yes first, no second; ``n_no_yes`` = c: no first, yes second);
        * ``estimate_first``, ``estimate_second`` - proportions of "yes"
          among the pairs;
        * ``difference`` - ``estimate_second - estimate_first`` = (c - b) / n_pairs, the
          change once the comprehensive file was read;
        * ``conf_low``, ``conf_high``, ``method``, ``conf_level``;
        * ``test`` - ``"mcnemar"`` (asymptotic, no correction),
          ``"mcnemar-cc"`` (continuity corrected, as R's default),
          ``"mcnemar-exact"`` (two-sided binomial test of b out of b + c at
          1/2, as R's ``binom.test``) or ``"mcnemar-midp"``
          (Fagerland et al. 2013: 2 P(X <= min(b, c)) - P(X = min(b, c))
          with X ~ Bin(b + c, 1/2) when b != c, and 1 - P(X = b)/2 when
          b = c; see :func:`mcnemar_midp`);
        * ``statistic`` (chi-square on 1 df, NaN for the exact tests),
          ``df``, ``p_value``;
        * ``note`` - why a value is NaN or a degenerate case.

    Notes
    -----
    With no discordant pairs (b = c = 0) every McNemar test is undefined
    (R's ``mcnemar.test`` gives NaN and ``binom.test`` refuses n = 0): the
    row's p-values are missing and the note says ``not testable``, so the
    row never enters a multiplicity family. Newcombe's method 10
    applies the square-and-add method to the Wilson limits of the two
    marginal proportions, allowing for their correlation phi, estimated with
    Newcombe's correction (AD - BC reduced by N/2 towards zero when
    positive; phi = 0 when a margin is zero).

    Validated against R 4.2 (``mcnemar.test`` with and without correction,
    ``binom.test`` on the discordant pairs; ``tests/r/reference_core.R``),
    Agresti (2013, section 11.1; presidential approval 794/150/86/570,
    z^2 = 17.36) and Fagerland, Lydersen and Laake (2017, ch. 8; Cavo et al.
    2012, 59/6/16/80: -0.0621, 95% CI -0.1186 to -0.0046).

    References
    ----------
    1. Newcombe RG (1998c). Improved confidence intervals for the difference
       between binomial proportions based on paired data. Statistics in
       Medicine 17:2635-2650.
    2. Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley.
    3. Fagerland MW, Lydersen S, Laake P (2017). Statistical Analysis of
       Contingency Tables. CRC Press.
    """
    check_method(method, PAIRED_CI_METHODS)
    conf_level = check_conf_level(conf_level)
    counts = paired_binary_counts(audits, first, second, criteria, cycle)
    a, b, c, d = (counts[k].to_numpy(np.float64) for k in PAIRED_CELLS)
    p1, p2, diff, lo, hi = _newcombe_paired(a, b, c, d, conf_level)
    disc = b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.where(disc > 0, (b - c) ** 2 / disc, np.nan)
        chi_cc = np.where(disc > 0, np.maximum(np.abs(b - c) - 1, 0) ** 2 / disc, np.nan)
    exact = np.full(len(b), np.nan)
    midp = np.full(len(b), np.nan)
    for i in range(len(b)):
        if disc[i] > 0:
            m = int(disc[i])
            exact[i] = stats.binomtest(int(b[i]), m, 0.5).pvalue
            midp[i] = mcnemar_midp(int(b[i]), int(c[i]))
    n_pairs = counts["n_pairs"].to_numpy()
    note_none = np.where(disc == 0, "not testable: no discordant pairs (b + c = 0), so McNemar's "
                         "tests are undefined; p-values left missing", "")
    note_none = np.where(n_pairs == 0, "not testable: no pair with a yes/no answer on both sides",
                         note_none)
    base = counts.assign(estimate_first=p1, estimate_second=p2, difference=diff, conf_low=lo, conf_high=hi,
                         method=method, conf_level=float(conf_level))
    parts = []
    for test, stat, df, p in (("mcnemar", chi, 1.0, stats.chi2.sf(chi, 1)),
                              ("mcnemar-cc", chi_cc, 1.0, stats.chi2.sf(chi_cc, 1)),
                              ("mcnemar-exact", np.full(len(b), np.nan), np.nan, exact),
                              ("mcnemar-midp", np.full(len(b), np.nan), np.nan, midp)):
        parts.append(base.assign(test=test, statistic=stat, df=df, p_value=p, note=note_none,
                                 _order=np.arange(len(b))))
    out = pd.concat(parts).sort_values("_order", kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def paired_grade_table(audits: pd.DataFrame, first: str = "initial", second: str = "reaudit",
                       grade: str = "overall_grade", cycle: str | None = None,
                       levels: Sequence[int] = (1, 2, 3, 4)) -> pd.DataFrame:
    """K x K table of paired grades (rows: first grade, columns: second grade).

    Pairs with a missing grade on either side are left out. Every level in
    ``levels`` has a row and a column, zero-filled.

    Raises
    ------
    InputError
        If a grade outside ``levels`` is found.
    """
    pairs = pair_audits(audits, first, second, cycle,
                        columns=[grade] if grade in audits.columns else [])
    g1 = pd.to_numeric(pairs[f"{grade}_first"], errors="coerce")
    g2 = pd.to_numeric(pairs[f"{grade}_second"], errors="coerce")
    ok = g1.notna() & g2.notna()
    g1, g2 = g1[ok].astype(int), g2[ok].astype(int)
    bad = ~g1.isin(levels) | ~g2.isin(levels)
    if bad.any():
        raise InputError(f"grades must be one of {list(levels)}", column=grade,
                         value=int(g1[bad].iloc[0]) if not g1[bad].isin(levels).all() else int(g2[bad].iloc[0]))
    levels = list(levels)
    idx = {v: i for i, v in enumerate(levels)}
    k = len(levels)
    tab = np.bincount(g1.map(idx).to_numpy() * k + g2.map(idx).to_numpy(), minlength=k * k).reshape(k, k)
    return pd.DataFrame(tab, index=pd.Index(levels, name=f"{grade}_{first}"),
                        columns=pd.Index(levels, name=f"{grade}_{second}"))


def paired_grades(audits: pd.DataFrame, first: str = "initial", second: str = "reaudit",
                  grade: str = "overall_grade", cycle: str | None = None,
                  levels: Sequence[int] = (1, 2, 3, 4), best: str = "lowest") -> pd.DataFrame:
    """Marginal homogeneity, symmetry and direction of change of paired grades.

    Parameters
    ----------
    audits : DataFrame
        Audits in the wide form of :mod:`kentaudit.inputs.schema`.
    first, second : str
        ``sample`` values paired by ``case_ref`` within cycle.
    grade : str
        Grade column (ordinal, 1 = best), default ``overall_grade``.
    cycle : str, optional
        Restrict to one cycle.
    levels : sequence of int
        The grade scale's grades (default 1-4; any length).
    best : {"lowest", "highest"}
        Which end of the scale is best (the profile's ``grade_best``): "worse" is a higher
        number where the lowest grade is best (default), a lower number where the highest is.

    Returns
    -------
    DataFrame
        Three rows, one per test, with columns

        * ``grade``, ``n_pairs``;
        * ``n_worse`` (second grade worse than the first: a higher number where the
          lowest grade is best), ``n_same``, ``n_better``;
        * ``test`` - ``"stuart-maxwell"`` (marginal homogeneity),
          ``"bowker"`` (symmetry) or ``"sign"`` (exact two-sided binomial
          test of n_worse out of n_worse + n_better at 1/2);
        * ``statistic``, ``df``, ``p_value``;
        * ``categories_used`` - grades entering the Stuart-Maxwell test;
        * ``note``.

    Notes
    -----
    Stuart-Maxwell and Bowker come from statsmodels ``SquareTable``
    (``homogeneity("stuart_maxwell")`` and ``symmetry("bowker")``). A grade
    with no off-diagonal count makes the Stuart-Maxwell covariance singular;
    such grades are left out (their marginal difference is zero) and the
    degrees of freedom fall accordingly, as ``categories_used`` and the note
    show. Bowker's test keeps df = K(K - 1)/2 and a pair of cells that are
    both zero adds nothing (R's ``mcnemar.test`` gives NaN there).

    Validated against R 4.2: ``mcnemar.test`` on the K x K table (Bowker)
    and the Stuart-Maxwell statistic by formula (``tests/r/reference_core.R``).

    References
    ----------
    1. Stuart A (1955). A test for homogeneity of the marginal distributions
       in a two-way classification. Biometrika 42:412-416.
    2. Maxwell AE (1970). Comparing the classification of subjects by two
       independent judges. British Journal of Psychiatry 116:651-655.
    3. Bowker AH (1948). A test for symmetry in contingency tables. JASA
       43:572-574.
    """
    tab = paired_grade_table(audits, first, second, grade, cycle, levels)
    return square_table_tests(tab.to_numpy(), levels=list(tab.index), grade=grade, best=best)


def square_table_tests(table, levels: Sequence[int] | None = None,
                       grade: str = "overall_grade", best: str = "lowest") -> pd.DataFrame:
    """Tests of :func:`paired_grades` on a ready K x K count table (rows: first, grades in
    ascending order; ``best`` which end is best)."""
    check_method(best, ("lowest", "highest"), "best")
    tab = np.asarray(table, dtype=np.float64)
    if tab.ndim != 2 or tab.shape[0] != tab.shape[1]:
        raise InputError("a paired grade table must be square (K x K)")
    k = tab.shape[0]
    levels = list(levels) if levels is not None else list(range(1, k + 1))
    n = tab.sum()
    iu = np.triu_indices(k, 1)
    n_worse = int(tab[iu].sum())          # row grade < column grade: a higher number second
    n_better = int(tab.T[iu].sum())
    if best == "highest":  # a higher number is better there
        n_worse, n_better = n_better, n_worse
    n_same = int(np.trace(tab))
    off = tab.sum(axis=0) + tab.sum(axis=1) - 2 * np.diag(tab)
    used = [i for i in range(k) if off[i] > 0]
    base = {"grade": grade, "n_pairs": int(n), "n_worse": n_worse, "n_same": n_same,
            "n_better": n_better}
    rows = []
    if len(used) >= 2:
        sub = tab[np.ix_(used, used)]
        hom = SquareTable(sub, shift_zeros=False).homogeneity(method="stuart_maxwell")
        note = "" if len(used) == k else "grades with no off-diagonal count left out"
        rows.append({**base, "test": "stuart-maxwell", "statistic": float(hom.statistic),
                     "df": float(hom.df), "p_value": float(hom.pvalue),
                     "categories_used": " ".join(str(levels[i]) for i in used), "note": note})
    else:
        rows.append({**base, "test": "stuart-maxwell", "statistic": 0.0, "df": 0.0, "p_value": 1.0,
                     "categories_used": " ".join(str(levels[i]) for i in used),
                     "note": "fewer than two grades changed: margins identical, p = 1"})
    sym = SquareTable(tab, shift_zeros=False).symmetry(method="bowker")
    rows.append({**base, "test": "bowker", "statistic": float(sym.statistic), "df": float(sym.df),
                 "p_value": float(sym.pvalue), "categories_used": " ".join(map(str, levels)),
                 "note": "" if np.all(tab[iu] + tab.T[iu] > 0) else
                 "some pairs of cells are both zero and add nothing to the statistic"})
    m = n_worse + n_better
    rows.append({**base, "test": "sign", "statistic": np.nan, "df": np.nan,
                 "p_value": float(stats.binomtest(n_worse, m, 0.5).pvalue) if m else 1.0,
                 "categories_used": " ".join(map(str, levels)),
                 "note": "" if m else "no grade changed: p = 1"})
    return pd.DataFrame(rows)
