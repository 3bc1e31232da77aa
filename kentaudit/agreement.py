"""Auditor agreement (moderation): percent agreement, Cohen's kappa, direction of re-grades.

A moderator (second auditor) re-grades a subset of audits (``moderated_grade``).
Agreement between the first grade and the moderated grade is summarised by
percent agreement and Cohen's kappa, unweighted and weighted (linear and
quadratic weights over the four ordered grades). Auditor codes are never
published: outputs by auditor are for internal calibration only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa as _sm_kappa
from statsmodels.stats.proportion import proportion_confint

from .errors import KentauditError
from .ordinal import grade_distribution, _grades, _check_level

__all__ = ["KAPPA_WEIGHTS", "agreement_table", "kappa_from_table", "moderation_agreement",
           "regrade_direction", "auditor_grade_distribution"]

GRADES = (1, 2, 3, 4)
#: weights: name -> statsmodels ``wt`` (disagreement weights |i-j| or (i-j)^2,
#: i.e. agreement weights 1 - |i-j|/(K-1) and 1 - ((i-j)/(K-1))^2)
KAPPA_WEIGHTS = {"unweighted": None, "linear": "linear", "quadratic": "quadratic"}


def agreement_table(first, second, categories=GRADES) -> np.ndarray:
    """K x K table of paired grades: rows the first grade, columns the second."""
    a = np.asarray(first)
    b = np.asarray(second)
    if a.shape != b.shape:
        raise KentauditError("the two sets of grades must have the same length (one pair per audit).")
    cats = list(categories)
    ia = pd.Categorical(a, categories=cats).codes
    ib = pd.Categorical(b, categories=cats).codes
    if (ia < 0).any() or (ib < 0).any():
        raise KentauditError(f"a grade is missing or not one of {cats}; drop unpaired audits first.")
    t = np.zeros((len(cats), len(cats)))
    np.add.at(t, (ia, ib), 1)
    return t


def kappa_from_table(table, conf_level: float = 0.95) -> pd.DataFrame:
    """Percent agreement and Cohen's kappa (unweighted, linear, quadratic) from a K x K table.

    Parameters
    ----------
    table : 2-D array
        Counts, rows = first rater, columns = second rater, categories in order.
    conf_level : float
        Level of the intervals.

    Returns
    -------
    DataFrame with four rows (``statistic`` = "percent agreement", then
    "Cohen's kappa" with ``weights`` unweighted, linear, quadratic):

    - ``statistic``, ``weights``, ``estimate``;
    - ``se``: asymptotic SE under the alternative, Fleiss, Cohen & Everitt
      (1969) (for the interval); for percent agreement the binomial SE;
    - ``se_null``: SE under kappa = 0 (Fleiss, Cohen & Everitt 1969), used
      for ``z`` = estimate / se_null and the two-sided ``p_value``;
    - ``conf_low``, ``conf_high``: estimate +/- z * se (Wald) for kappa,
      clamped to [-1, 1] (the range of kappa; R ``vcd::confint.Kappa``
      clamps the same way), so a near-perfect agreement on a few pairs gives
      an upper limit of 1, not 1.04; Wilson interval for percent agreement;
    - ``n_pairs``, ``method``, ``test``, ``conf_level``.

    Notes
    -----
    Computed by statsmodels ``cohens_kappa``. Validated against R
    ``vcd::Kappa`` (ASE and ``confint``; weights "Equal-Spacing" = linear,
    "Fleiss-Cohen" = quadratic) in ``tests/r/reference_more.R``, and against
    Agresti (2002), *Categorical Data Analysis*, 2nd ed., section 10.5 (the
    pathologists' carcinoma ratings: kappa = 0.493, ASE = 0.057).

    References
    ----------
    1. Cohen, J. (1960). A coefficient of agreement for nominal scales. EPM 20:37-46.
    2. Cohen, J. (1968). Weighted kappa. Psychol Bull 70:213-220.
    3. Fleiss, J. L., Cohen, J. and Everitt, B. S. (1969). Large sample standard
       errors of kappa and weighted kappa. Psychol Bull 72:323-327.
    """
    conf_level = _check_level(conf_level)
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1] or (t < 0).any():
        raise KentauditError("the agreement table must be square with counts >= 0.")
    n = t.sum()
    if n == 0:
        raise KentauditError("no paired grades: nothing to measure agreement on.")
    z = stats.norm.ppf(0.5 + conf_level / 2)
    agree = np.trace(t)
    lo, hi = proportion_confint(agree, n, alpha=1 - conf_level, method="wilson")
    rows = [{"statistic": "percent agreement", "weights": "none", "estimate": agree / n,
             "se": np.sqrt(agree / n * (1 - agree / n) / n), "se_null": np.nan, "z": np.nan,
             "p_value": np.nan, "conf_low": float(lo), "conf_high": float(hi), "n_pairs": int(n),
             "method": "Wilson score interval", "test": "none"}]
    for name, wt in KAPPA_WEIGHTS.items():
        r = _sm_kappa(t, wt=wt) if wt else _sm_kappa(t)
        k, se, se0 = float(r.kappa), float(r.std_kappa), float(r.std_kappa0)
        if np.isnan(se) and abs(float(r.var_kappa)) < 1e-12:
            se = 0.0  # perfect agreement: the variance is 0 up to rounding (R vcd: ASE 0)
        zz = k / se0 if se0 > 0 else np.nan
        rows.append({"statistic": "Cohen's kappa", "weights": name, "estimate": k, "se": se,
                     "se_null": se0, "z": zz,
                     "p_value": float(2 * stats.norm.sf(abs(zz))) if np.isfinite(zz) else np.nan,
                     # clamped to kappa's range [-1, 1], as R vcd's confint.Kappa
                     "conf_low": max(-1.0, k - z * se), "conf_high": min(1.0, k + z * se),
                     "n_pairs": int(n),
                     "method": "asymptotic SE of Fleiss, Cohen & Everitt (1969); Wald interval",
                     "test": "z test of kappa = 0 with the null SE"})
    out = pd.DataFrame(rows)
    out["conf_level"] = conf_level
    return out


def _pairs(audits, grade, moderated):
    for c in (grade, moderated):
        if c not in audits.columns:
            raise KentauditError(f"the audits have no column {c!r}.")
    g1 = _grades(audits, grade)
    g2 = _grades(audits, moderated)
    both = g1.notna() & g2.notna()
    return g1[both].astype(int), g2[both].astype(int), int((g2.notna() & g1.isna()).sum())


def moderation_agreement(audits: pd.DataFrame, grade: str = "overall_grade",
                         moderated: str = "moderated_grade", by=None,
                         conf_level: float = 0.95) -> pd.DataFrame:
    """Agreement between auditors' grades and moderated grades.

    Parameters
    ----------
    audits : DataFrame
        Audits; rows with both ``grade`` and ``moderated`` present are the pairs.
    by : str or list of str, optional
        Group columns (e.g. ``cycle``); the kappa table always has all four grades.

    Returns
    -------
    The :func:`kappa_from_table` columns, with the ``by`` columns first and
    ``n_moderated_ungraded`` (moderated audits with no first grade, left out).
    """
    bycols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    groups = [((), audits)] if not bycols else [
        ((k,) if not isinstance(k, tuple) else k, g) for k, g in audits.groupby(bycols, sort=True)]
    outs = []
    for key, g in groups:
        a, b, n_odd = _pairs(g, grade, moderated)
        if len(a) == 0:
            continue
        res = kappa_from_table(agreement_table(a, b), conf_level)
        for c, v in zip(bycols, key):
            res.insert(bycols.index(c), c, v)
        res["n_moderated_ungraded"] = n_odd
        outs.append(res)
    if not outs:
        raise KentauditError(f"no audit has both {grade!r} and {moderated!r}: nothing was moderated.")
    return pd.concat(outs, ignore_index=True)


def regrade_direction(audits: pd.DataFrame, grade: str = "overall_grade",
                      moderated: str = "moderated_grade", by=None,
                      conf_level: float = 0.95) -> pd.DataFrame:
    """How moderation changed grades: worse, better or the same.

    Returns
    -------
    DataFrame, one row per group (``by`` columns first):

    - ``n_pairs``: moderated audits with both grades;
    - ``n_down``: moderated grade **worse** (higher number) than the first grade;
    - ``n_up``: moderated grade better (lower number); ``n_same``;
    - ``prop_down``, ``prop_up``, ``prop_same`` (of ``n_pairs``) with Wilson
      intervals ``prop_down_low``/``_high`` etc.;
    - ``mean_change``: mean of moderated - first grade (> 0: moderators grade worse);
    - ``p_value``: exact two-sided sign test of n_down vs n_up (ties dropped;
      scipy ``binomtest``, as R ``binom.test(n_down, n_down + n_up)``);
    - ``test``, ``method``, ``conf_level``.
    """
    conf_level = _check_level(conf_level)
    bycols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    groups = [((), audits)] if not bycols else [
        ((k,) if not isinstance(k, tuple) else k, g) for k, g in audits.groupby(bycols, sort=True)]
    rows = []
    for key, g in groups:
        a, b, _ = _pairs(g, grade, moderated)
        d = (b - a).to_numpy()
        n = len(d)
        row = dict(zip(bycols, key))
        row.update(n_pairs=n, n_down=int((d > 0).sum()), n_up=int((d < 0).sum()), n_same=int((d == 0).sum()))
        for k in ("down", "up", "same"):
            cnt = row[f"n_{k}"]
            row[f"prop_{k}"] = cnt / n if n else np.nan
            if n:
                lo, hi = proportion_confint(cnt, n, alpha=1 - conf_level, method="wilson")
            else:
                lo = hi = np.nan
            row[f"prop_{k}_low"], row[f"prop_{k}_high"] = float(lo), float(hi)
        row["mean_change"] = float(d.mean()) if n else np.nan
        m = row["n_down"] + row["n_up"]
        row["p_value"] = float(stats.binomtest(row["n_down"], m, 0.5).pvalue) if m else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["test"] = "exact sign test (n_down vs n_up, ties dropped)"
    out["method"] = "Wilson score intervals for the proportions"
    out["conf_level"] = conf_level
    return out


def auditor_grade_distribution(audits: pd.DataFrame, auditor: str = "auditor",
                               grade: str = "overall_grade", conf_level: float = 0.95,
                               method: str = "wilson") -> pd.DataFrame:
    """Grade distribution of each auditor (for calibration; never publish auditor codes).

    Returns the columns of :func:`kentaudit.ordinal.grade_distribution` grouped
    by ``auditor``.
    """
    return grade_distribution(audits, by=auditor, grade=grade, conf_level=conf_level, method=method)
