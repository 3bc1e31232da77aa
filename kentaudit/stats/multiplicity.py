"""Adjusting p-values for multiple comparisons, with the family stated."""
from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from kentaudit.core.errors import KentauditError
from kentaudit.core.methods import check_method

__all__ = ["FAMILY_RULES", "ADJUST_METHODS", "adjust"]

#: kentaudit name -> (statsmodels name, R p.adjust name)
ADJUST_METHODS = {"holm": ("holm", "holm"), "fdr_bh": ("fdr_bh", "BH"),
                  "bonferroni": ("bonferroni", "bonferroni")}


#: What forms a multiplicity family in each results table (defined once; docs/results.md
#: "Multiplicity families"). Untestable rows (missing p-value) are never members, and a
#: family's text starts with its size m, the number of testable p-values in it.
FAMILY_RULES = {
    "initial_vs_extended": "the criteria of the comparison (additional against initial cases)",
    "reaudit_paired": "the criteria of the comparison (re-audit against initial audit, exact McNemar)",
    "district_tests": "the criteria, for each grouping (district; area)",
    "casemix_lr": "the criteria (district after case-mix adjustment)",
    "district_vs_rest": "the districts of one criterion, each against the rest",
    "area_vs_rest": "the areas of one criterion, each against the rest",
    "compliance_by_district": "as district_vs_rest (districts) and area_vs_rest (areas): the same adjusted p-values",
    "profile": "as district_vs_rest: the districts of one criterion, so a profile shows the same adjusted p-value as the districts table",
    "trend_tests": "the criteria with a trend test",
    "change_since_previous": "the criteria of the comparison (this cycle against the previous one)",
}


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values.

    Written out (four lines) rather than taken from statsmodels because
    ``multipletests(method="holm")`` calls ``gc.collect()`` on every call,
    which costs about 0.2 s each in a notebook holding figures (8 s for one
    district analysis). Same formula as R ``p.adjust(method = "holm")``;
    tested against it in ``tests/stats/test_multiplicity.py``.
    """
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * np.arange(m, 0, -1))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def adjust(pvalues, method: str = "holm", family: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """Adjust a family of p-values; raw and adjusted side by side.

    Parameters
    ----------
    pvalues : array-like or Series
        Raw p-values of one family of tests. A Series keeps its index (e.g.
        district names) as the ``label`` column. Missing p-values (NaN) are
        kept as NaN and do not count towards the family size.
    method : {"holm", "fdr_bh", "bonferroni"}
        Holm (1979) step-down (default; controls the family-wise error rate),
        Benjamini-Hochberg (1995) false discovery rate, or Bonferroni.
    family : str, optional
        Words naming the family, e.g. "12 districts x 1 criterion"; default
        "<m> tests".
    alpha : float
        Level for the ``reject`` column.

    Returns
    -------
    DataFrame, one row per p-value in input order: ``label``, ``p_value``,
    ``p_adjusted``, ``reject`` (p_adjusted < alpha), ``adjust_method``,
    ``family``, ``n_tests`` (m, the non-missing p-values), ``alpha``.

    Notes
    -----
    Computed by statsmodels ``multipletests``; validated against R
    ``p.adjust(p, method = "holm" | "BH" | "bonferroni")`` in
    ``tests/r/reference_more.R``.
    """
    check_method(method, ADJUST_METHODS)
    if isinstance(pvalues, pd.Series):
        labels = list(pvalues.index)
        p = pvalues.to_numpy(dtype=float)
    else:
        p = np.asarray(pvalues, dtype=float).ravel()
        labels = list(range(len(p)))
    if ((p < 0) | (p > 1)).any():
        raise KentauditError("p-values must lie between 0 and 1.")
    ok = ~np.isnan(p)
    padj = np.full(p.shape, np.nan)
    if ok.any() and method == "holm":
        padj[ok] = _holm(p[ok])
    elif ok.any():
        padj[ok] = multipletests(p[ok], alpha=alpha, method=ADJUST_METHODS[method][0])[1]
    m = int(ok.sum())
    return pd.DataFrame({
        "label": labels, "p_value": p, "p_adjusted": padj,
        "reject": np.where(ok, padj < alpha, False),
        "adjust_method": method, "family": family or f"{m} tests", "n_tests": m, "alpha": alpha,
    })
