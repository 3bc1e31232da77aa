"""Compliance denominators and intervals for one proportion.

The denominator of every compliance proportion in kentaudit is
``yes / (yes + no)``: "not applicable" (the string ``"NA"``) and missing
answers (``pd.NA``) are excluded from it and counted separately, so that a
reader can always see how many files a percentage rests on.

Functions
---------
criterion_counts
    Count Y / N / NA / missing per criterion (and per group), count first.
proportion_ci
    Wilson, Clopper-Pearson, Jeffreys or Agresti-Coull interval, vectorised,
    with an optional finite population correction.
compliance
    ``criterion_counts`` plus the proportion and its interval in one table.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from kentaudit.core.errors import EmptyInputError, InputError
from kentaudit.core.methods import check_conf_level, check_method

__all__ = [
    "CI_METHODS",
    "answer_codes",
    "DENOMINATOR",
    "COUNT_COLUMNS",
    "criterion_ids",
    "criterion_counts",
    "proportion_ci",
    "compliance",
]

#: Closed set of interval methods for one proportion.
CI_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull")

#: The denominator rule, stated in every counts row.
DENOMINATOR = "yes / (yes + no)"

#: Count columns written by :func:`criterion_counts` (besides grouping keys).
COUNT_COLUMNS = ("n_yes", "n_no", "n_denominator", "n_not_applicable", "n_missing",
                 "n_audits", "denominator")

# statsmodels' names for our methods (always passed explicitly).
_SM_METHOD = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys",
              "agresti-coull": "agresti_coull"}

_CODES = ("Y", "N", "NA")  # category codes 0, 1, 2; missing -> 3

#: The partial answer's code the counter counts on its own (a profile's ``answers.partial``,
#: docs/profile.md; ingest admits it only where the cycle's profile has a partial answer).
PARTIAL = "P"

#: The denominator rule where the partial answers are counted on their own.
DENOMINATOR_PARTIAL = "yes / (yes + no); partial answers counted on their own, outside the denominator"


def criterion_ids(audits: pd.DataFrame, criteria: Sequence[str] | None = None) -> list[str]:
    """Criterion column names (``c_<id>``) to analyse.

    ``criteria`` may hold ids (``"seen"``) or column names (``"c_seen"``);
    ``None`` takes every ``c_*`` column of ``audits`` in frame order.
    """
    if criteria is None:
        cols = [c for c in audits.columns if isinstance(c, str) and c.startswith("c_")]
        if not cols:
            raise InputError("the audit frame has no criterion columns (named c_<id>); "
                             "pass criteria= or check the ingest step", column="c_*")
        return cols
    if isinstance(criteria, str):
        criteria = [criteria]
    cols = []
    for c in criteria:
        col = c if str(c).startswith("c_") else f"c_{c}"
        if col not in audits.columns:
            raise InputError(f"criterion {c!r} is not a column of the audit frame "
                             f"(expected a column named {col!r})", column=col)
        cols.append(col)
    return cols


def answer_codes(col: pd.Series, partial: str | None = None) -> np.ndarray:
    """Codes 0 = Y, 1 = N, 2 = NA (not applicable), 3 = missing, and 4 = the partial answer
    ``partial`` where one is given; raise on anything else."""
    # A hashed, vectorised lookup of the codes: much faster than comparing
    # strings one code at a time or melting (count first, then compute). A categorical
    # column (as ingest gives it) is read through its own one-byte codes: no factorizing
    # and no eight-byte code a row.
    categorical = isinstance(col.dtype, pd.CategoricalDtype)
    if categorical:
        raw, uniques = col.cat.codes.to_numpy(), col.cat.categories
    else:
        raw, uniques = pd.factorize(col, use_na_sentinel=True)
    lookup = np.empty(len(uniques) + 1, dtype=np.int64)
    lookup[-1] = 3  # factorize and a category mark missing with -1, which indexes the last slot
    for i, u in enumerate(uniques):
        if partial is not None and u == partial:
            lookup[i] = 4
            continue
        if u not in _CODES:
            at = np.flatnonzero(raw == i)
            if categorical and not len(at):
                lookup[i] = 3  # a category no row holds: never looked up
                continue
            pos = int(at[0])
            raise InputError("criterion answers must be 'Y', 'N', 'NA' (not applicable) "
                             "or missing; fix the value or re-run ingest",
                             column=str(col.name), value=col.iloc[pos], rule="answer codes")
        lookup[i] = _CODES.index(u)
    return lookup[raw]


def _group_ids(audits: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not by:
        return np.zeros(len(audits), dtype=np.int64), pd.DataFrame(index=[0])
    for b in by:
        if b not in audits.columns:
            raise InputError(f"grouping column {b!r} is not in the audit frame", column=b)
    grouped = audits.groupby(by, sort=True, dropna=False, observed=True)
    gid = grouped.ngroup().to_numpy(dtype=np.int64)
    keys = grouped.size().index.to_frame(index=False)
    return gid, keys


def criterion_counts(audits: pd.DataFrame, by: str | Sequence[str] | None = None,
                     criteria: Sequence[str] | None = None, partial: str | None = PARTIAL) -> pd.DataFrame:
    """Count yes, no, not applicable and missing answers for each criterion.

    Counting is vectorised (codes and ``numpy.bincount``), so a frame of
    100,000 audits x 20 criteria x 12 districts is counted in a few tens of
    milliseconds.

    Parameters
    ----------
    audits : DataFrame
        Audits in the wide form of :mod:`kentaudit.inputs.schema` (criterion columns
        ``c_<id>`` holding ``"Y"``, ``"N"``, ``"NA"`` or missing).
    by : str or list of str, optional
        Grouping columns (for example ``"district"``). Groups with a missing
        key are kept as their own group.
    criteria : list of str, optional
        Criterion ids or ``c_<id>`` column names; default every ``c_*`` column.
    partial : str or None
        The code of a partial answer (a profile's ``answers.partial`` with ``counts_as:
        excluded``, docs/profile.md), counted on its own and left out of the denominator like
        not applicable; ``None`` refuses every code but Y, N and NA.

    Returns
    -------
    DataFrame
        One row per group x criterion (groups sorted, criteria in the given
        order), with columns:

        * the ``by`` columns, if any;
        * ``criterion`` - the criterion id (column name without ``c_``);
        * ``n_yes``, ``n_no`` - answers ``"Y"`` and ``"N"``;
        * ``n_denominator`` - ``n_yes + n_no``, the denominator;
        * ``n_not_applicable`` - answers ``"NA"``;
        * ``n_missing`` - blank answers (``pd.NA``);
        * ``n_partial`` - partial answers (only where the frame holds any: a profile with a
          partial answer counted on its own);
        * ``n_audits`` - all rows in the group;
        * ``denominator`` - the rule ``"yes / (yes + no)"`` (:data:`DENOMINATOR`), or
          :data:`DENOMINATOR_PARTIAL` where partial answers are counted.

    Raises
    ------
    InputError
        If a criterion column holds any other value, or a column is absent.

    Notes
    -----
    Validated by hand-counted fixtures in ``tests/stats/test_proportions.py``.
    """
    if not isinstance(audits, pd.DataFrame):
        raise InputError("criterion_counts needs a pandas DataFrame of audits")
    by = [by] if isinstance(by, str) else list(by or [])
    cols = criterion_ids(audits, criteria)
    gid, keys = _group_ids(audits, by)
    n_groups = len(keys)
    counts = np.empty((n_groups, len(cols), 5), dtype=np.int64)
    for j, col in enumerate(cols):
        codes = answer_codes(audits[col], partial)
        counts[:, j, :] = np.bincount(gid * 5 + codes, minlength=n_groups * 5).reshape(n_groups, 5)
    flat = counts.reshape(n_groups * len(cols), 5)
    has_partial = bool(flat[:, 4].any())
    out = keys.loc[np.repeat(np.arange(n_groups), len(cols))].reset_index(drop=True)
    out["criterion"] = np.tile([c[2:] for c in cols], n_groups)
    out["n_yes"] = flat[:, 0]
    out["n_no"] = flat[:, 1]
    out["n_denominator"] = flat[:, 0] + flat[:, 1]
    out["n_not_applicable"] = flat[:, 2]
    out["n_missing"] = flat[:, 3]
    if has_partial:
        out["n_partial"] = flat[:, 4]
    out["n_audits"] = flat.sum(axis=1)
    out["denominator"] = DENOMINATOR_PARTIAL if has_partial else DENOMINATOR
    return out


def _as_array(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def proportion_ci(count, nobs, method: str = "wilson", conf_level: float = 0.95,
                  population=None) -> pd.DataFrame:
    """Proportion and confidence interval, vectorised over counts.

    Parameters
    ----------
    count, nobs : int, array-like or Series
        Number of "yes" answers and the denominator (yes + no). A Series
        index is kept in the result.
    method : {"wilson", "clopper-pearson", "jeffreys", "agresti-coull"}
        Interval method (Wilson is the default).
    conf_level : float
        Two-sided confidence level, strictly between 0 and 1.
    population : int, array-like, optional
        Size N of the finite population sampled (the sampling frame, or the
        files to which the criterion applies). ``None`` = no correction.

    Returns
    -------
    DataFrame
        One row per input, with columns

        * ``n_yes``, ``n_denominator`` - the inputs ``count`` and ``nobs``;
        * ``estimate`` - ``n_yes / n_denominator`` (NaN when ``nobs`` is 0);
        * ``conf_low``, ``conf_high`` - the interval (NaN when ``nobs`` is 0);
        * ``method``, ``conf_level`` - as given;
        * ``population`` - N, or NaN without a correction;
        * ``effective_nobs`` - the sample size the interval formula used
          (``nobs`` without FPC, ``nobs (N - 1) / (N - nobs)`` with it,
          infinite for a census);
        * ``note`` - empty, or why the interval is NaN or zero-width.

    Raises
    ------
    InputError
        If a count is negative or exceeds ``nobs``, or ``nobs`` exceeds N.

    Notes
    -----
    * Wilson and Agresti-Coull come from statsmodels ``proportion_confint``
      (method passed explicitly) and Clopper-Pearson from its ``"beta"``
      method. Jeffreys uses Beta(k + 1/2, n - k + 1/2) quantiles with the
      lower limit set to 0 at k = 0 and the upper to 1 at k = n (Brown, Cai
      and DasGupta 2001, section 4.1.2), which statsmodels does not do.
    * **Finite population correction.** For a simple random sample of n from
      N without replacement, Var(p) = (N - n) / (N - 1) * P(1 - P) / n
      (Cochran 1977, eq. 3.4). Each method is applied with the *effective
      sample size* n* = n (N - 1) / (N - n) and count x* = p n*, the sample
      size that gives a binomial proportion the same variance (Kish 1965;
      the device Korn and Graubard 1998 use for Clopper-Pearson intervals
      from complex samples). For Wilson this is exactly the inversion of the
      score test with the hypergeometric variance; for Clopper-Pearson and
      Jeffreys the Beta quantiles take non-integer parameters. The
      correction vanishes as N grows, and for a census (n = N) the interval
      is the observed proportion with zero width. It matches the Cochran
      sample-size formula in :func:`kentaudit.stats.precision.sample_size_for_precision`.
      R's ``survey`` package uses the variance (1 - n/N) s^2 / n with
      s^2 = n p (1 - p) / (n - 1) instead; for exact agreement with
      ``svyciprop`` on a simple random sample use
      :func:`kentaudit.stats.survey.stratified_proportion` with one stratum.
    * Validated against R 4.2: ``binom.test`` (Clopper-Pearson),
      ``prop.test(correct = FALSE)`` (Wilson), ``qbeta`` (Jeffreys) and the
      Agresti-Coull formula, in ``tests/r/reference_core.R``; and against
      Newcombe (1998a, Table I).

    References
    ----------
    1. Newcombe RG (1998). Two-sided confidence intervals for the single
       proportion. Statistics in Medicine 17:857-872.
    2. Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a
       binomial proportion. Statistical Science 16:101-133.
    3. Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.
    4. Korn EL, Graubard BI (1998). Confidence intervals for proportions with
       small expected number of positive counts estimated from survey data.
       Survey Methodology 24:193-201.

    Examples
    --------
    >>> proportion_ci(81, 263)[["conf_low", "conf_high"]].round(4)
       conf_low  conf_high
    0    0.2553    0.3662
    """
    check_method(method, CI_METHODS)
    conf_level = check_conf_level(conf_level)
    index = None
    for obj in (count, nobs):
        if isinstance(obj, pd.Series):
            index = obj.index
            break
    x = _as_array(count)
    n = _as_array(nobs)
    x, n = np.broadcast_arrays(x, n)
    x = np.atleast_1d(x).astype(np.float64)
    n = np.atleast_1d(n).astype(np.float64)
    if np.any(x < 0) or np.any(n < 0) or np.any(x > n) or np.any(np.isnan(x) | np.isnan(n)):
        raise InputError("counts must satisfy 0 <= count <= nobs and not be missing")
    if np.any(x % 1 != 0) or np.any(n % 1 != 0):
        raise InputError("counts must be whole numbers (count and nobs are numbers of files)")
    if population is None:
        N = np.full(x.shape, np.nan)
    else:
        N = np.broadcast_to(_as_array(population), x.shape).astype(np.float64)
        if np.any(np.isnan(N)) or np.any(N < n):
            raise InputError("population (the frame size N) must be given and at least nobs "
                             "for every row; check the frame sizes")

    empty = n == 0
    census = ~np.isnan(N) & (n == N) & ~empty
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(empty, np.nan, x / np.where(empty, 1, n))
        n_eff = np.where(np.isnan(N), n, n * (N - 1) / (N - n))
    n_eff = np.where(census, np.inf, n_eff)
    ok = ~empty & ~census
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    if ok.any():
        ne = n_eff[ok]
        xe = p[ok] * ne
        alpha = 1 - conf_level
        if method == "jeffreys":
            # Written out (not statsmodels) for the endpoint convention.
            lo[ok] = np.where(x[ok] == 0, 0.0, stats.beta.ppf(alpha / 2, xe + 0.5, ne - xe + 0.5))
            hi[ok] = np.where(x[ok] == n[ok], 1.0, stats.beta.isf(alpha / 2, xe + 0.5, ne - xe + 0.5))
        elif method == "clopper-pearson":
            # statsmodels "beta" with non-integer (x*, n*) under FPC; endpoints
            # are forced to 0 and 1 so that x = 0 and x = n are exact.
            with np.errstate(invalid="ignore"):
                l_, u_ = proportion_confint(xe, ne, alpha=alpha, method=_SM_METHOD[method])
            lo[ok] = np.where(x[ok] == 0, 0.0, l_)
            hi[ok] = np.where(x[ok] == n[ok], 1.0, u_)
        else:
            # Wilson's limits at x = 0 and x = n are exactly 0 and 1 (Agresti-Coull's
            # are truncated there): snapped, so rounding error never writes 3.5e-18
            l_, u_ = proportion_confint(xe, ne, alpha=alpha, method=_SM_METHOD[method])
            lo[ok] = np.where(x[ok] == 0, 0.0, np.clip(l_, 0.0, 1.0))
            hi[ok] = np.where(x[ok] == n[ok], 1.0, np.clip(u_, 0.0, 1.0))
    lo = np.where(census, p, lo)
    hi = np.where(census, p, hi)
    note = np.where(empty, "no applicable answers (nobs = 0): proportion and interval undefined",
                    np.where(census, "census: nobs equals the population, no sampling error", ""))
    out = pd.DataFrame({
        "n_yes": x.astype(np.int64), "n_denominator": n.astype(np.int64), "estimate": p, "conf_low": lo, "conf_high": hi,
        "method": method, "conf_level": float(conf_level), "population": N,
        "effective_nobs": n_eff, "note": note,
    })
    if index is not None and len(index) == len(out):
        out.index = index
    return out


def _population_for(counts: pd.DataFrame, by: list[str], population) -> np.ndarray | None:
    if population is None:
        return None
    if isinstance(population, (int, float, np.integer, np.floating)):
        return np.full(len(counts), float(population))
    if isinstance(population, pd.DataFrame):
        raise InputError("population must be a number, a mapping or a Series keyed by the "
                         "single by= column (for example district -> frame size)")
    if len(by) != 1:
        raise InputError("a population mapping needs exactly one by= column to key it")
    mapping = dict(population) if isinstance(population, Mapping) else population.to_dict()
    keys = counts[by[0]]
    missing = sorted({str(k) for k in keys if k not in mapping})
    if missing:
        raise InputError(f"no population size for {by[0]} {', '.join(missing)}; "
                         "add them to the population mapping", column=by[0])
    return np.array([float(mapping[k]) for k in keys])


def compliance(audits: pd.DataFrame, by: str | Sequence[str] | None = None,
               criteria: Sequence[str] | None = None, method: str = "wilson",
               conf_level: float = 0.95, population=None) -> pd.DataFrame:
    """Compliance per criterion (and group): counts, proportion and interval.

    Parameters
    ----------
    audits : DataFrame
        Audits in the wide form of :mod:`kentaudit.inputs.schema`.
    by, criteria
        As in :func:`criterion_counts`.
    method, conf_level
        As in :func:`proportion_ci`.
    population : number, mapping or Series, optional
        Frame size N for a finite population correction: one number, or (with
        one ``by`` column) a mapping from group to N, for example
        ``reference.districts().set_index("district")["children_on_plans"]``.
        N is the whole frame; where a criterion applies to only some files,
        the applicable population is smaller, so the correction is understated
        and the interval conservative.

    Returns
    -------
    DataFrame
        The columns of :func:`criterion_counts`, then ``estimate``
        (``n_yes / n_denominator``), ``conf_low``, ``conf_high``, ``method``,
        ``conf_level``, ``population``, ``effective_nobs`` and ``note``, as
        described in :func:`proportion_ci`.

    Notes
    -----
    Validated as :func:`criterion_counts` and :func:`proportion_ci` are.
    """
    by_list = [by] if isinstance(by, str) else list(by or [])
    counts = criterion_counts(audits, by=by_list, criteria=criteria)
    if counts.empty:
        raise EmptyInputError("no audits to summarise")
    pop = _population_for(counts, by_list, population)
    ci = proportion_ci(counts["n_yes"].to_numpy(), counts["n_denominator"].to_numpy(),
                       method=method, conf_level=conf_level, population=pop)
    ci = ci.drop(columns=["n_yes", "n_denominator"]).set_index(counts.index)
    return pd.concat([counts, ci], axis=1)
