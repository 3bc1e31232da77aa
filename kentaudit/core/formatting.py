"""The one place numbers and method names become words.

Every output a person reads (notebook tables, reviewer pages, chart labels and alt
text, the appendix's cells, findings and methods text) writes its counts,
percentages, intervals, p-values and method names through these functions, so the
same number reads the same everywhere:

* **p-values**: ``<0.001`` below 0.001, else three decimals (``0.042``); in running
  text ``p < 0.001`` / ``p = 0.042`` (``prefix=True``), ``adjusted p = 0.004``
  (``prefix="adjusted p"``); a missing or undefined p-value is an en dash;
* **counts** whole with thousands separators, **proportions** as percentages to one
  decimal, **differences** in percentage points, other numbers to three significant
  figures;
* **an estimate with its interval** in one cell: ``63.3 (50.7 to 74.4)``, only when
  the two are on one scale (:func:`format_interval` raises :class:`ScaleError`
  otherwise); a number that rounds to zero never reads ``-0.0``;
* **confidence levels** as ``95%``; lists as ``a, b and c``;
* **method names in words** (:func:`method_words`): a closed registry, one entry per
  method code, in the three forms a text needs (a label, a phrase in a sentence, the
  full name in a methods section).

Pure functions of their arguments, no pandas objects returned: the presentation
layers (:mod:`kentaudit.report`, :mod:`kentaudit.publication`) decide where the text
goes.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kentaudit.core.errors import ScaleError

__all__ = ["DASH", "P_FLOOR", "P_FLOOR_CELL", "is_missing", "as_number", "finite_number", "format_p", "format_value", "format_interval",
           "level_text", "join_words", "wrap_lines", "wrap_title", "METHOD_WORDS", "method_words",
           "SAMPLE_WORDS"]

#: what a missing value, or a test that could not be done, reads as
DASH = "\u2013"
#: p-values below this read as ``<0.001``
P_FLOOR = 0.001
#: what a p-value below the floor reads as in a cell (and the legends that explain it)
P_FLOOR_CELL = f"<{P_FLOOR:g}"


def is_missing(v) -> bool:
    """True for None, pandas' NA, NaN and blank text: a value nobody can read."""
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, str) and not v.strip())


def as_number(v) -> float | None:
    """``v`` as a float (NaN and infinities included), or None when it is not a number
    (text that does not read as one, None, an object)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def finite_number(v) -> float | None:
    """``v`` as a float when it is a finite number and not text (a published cell such as
    ``[c]`` is not a number), else None."""
    if isinstance(v, str):
        return None
    f = as_number(v)
    return f if f is not None and math.isfinite(f) else None


def format_p(p, *, prefix: bool | str = False) -> str:
    """A p-value for reading: ``<0.001``, else three decimals (``0.042``).

    ``prefix=True`` gives running text, ``p < 0.001`` or ``p = 0.042``; a string prefix
    names the p-value (``prefix="adjusted p"``: ``adjusted p = 0.004``). Missing or
    not finite (no test possible): an en dash. Text (a published shorthand such as
    ``[c]``) is returned as it is.
    """
    if is_missing(p):
        return DASH
    f = as_number(p)
    if f is None:
        return p if isinstance(p, str) else str(p)
    if not math.isfinite(f):
        return DASH
    p = f
    name = "p" if prefix is True else (prefix or "")
    if p < P_FLOOR:
        return f"{name} < {P_FLOOR:g}" if name else P_FLOOR_CELL
    return f"{name} = {p:.3f}" if name else f"{p:.3f}"


def format_value(v, fmt: str, decimals: int | None = None) -> str:
    """One value in a column format: ``count`` whole with thousands separators;
    ``percent`` (a proportion) and ``pp`` (a difference of proportions) times 100 to one
    decimal; ``p`` by :func:`format_p`; ``bool`` yes/no; ``number`` to three
    significant figures (whole above 1,000); text as it is. Missing: an en dash."""
    if is_missing(v):
        return DASH
    if isinstance(v, str):
        return v
    if fmt == "p":
        return format_p(v)
    if fmt == "bool":
        return "yes" if bool(v) else "no"
    f = as_number(v)
    if f is None:
        return str(v)
    if not math.isfinite(f):
        return DASH
    if fmt == "count":
        return _unsigned_zero(f"{int(round(f)):,}" if f == round(f) else f"{f:,.1f}")
    if fmt in ("percent", "pp"):
        return _unsigned_zero(f"{100 * f:.{1 if decimals is None else decimals}f}")
    if fmt in ("number", "text"):  # a number in a column documented as text is still a number
        if fmt == "text" and isinstance(v, (int, np.integer)):
            return str(v)
        if decimals is not None:
            return _unsigned_zero(f"{f:.{decimals}f}")
        return _unsigned_zero(f"{f:.3g}" if abs(f) < 1000 else f"{f:,.0f}")
    return str(v)


def _unsigned_zero(text: str) -> str:
    """``-0.0`` (a small negative number rounded to zero) reads ``0.0``: a sign on a zero
    says a direction the shown number does not have."""
    if text.startswith("-") and not text.strip("-0.,"):
        return text[1:]
    return text


def format_interval(estimate, lower, upper, fmt: str = "percent", decimals: int | None = None, *,
                    scale: str | None = None, interval_scale: str | None = None) -> str:
    """``63.3 (50.7 to 74.4)``: an estimate and its interval in one cell (format ``fmt``);
    an interval that is not available is left out: ``63.3``.

    ``scale`` is the estimate's scale and ``interval_scale`` the scale of the quantity the
    interval belongs to (``"proportion"``, ``"difference of proportions"``, ``"odds
    ratio"``, ``"log odds ratio"``, ``"kappa"``: ``kentaudit/data/columns.csv`` and
    ``intervals.csv``). When they differ the pair is refused with :class:`ScaleError`:
    a district's percentage is never shown beside the interval of its difference from the
    rest, nor a log odds ratio beside the odds ratio's interval. Callers that know both
    scales pass them; :func:`kentaudit.report.tables.style_table` always does.
    """
    if scale is not None and interval_scale is not None and scale != interval_scale:
        raise ScaleError(scale, interval_scale)
    e = format_value(estimate, fmt, decimals)
    if is_missing(lower) or is_missing(upper):
        return e
    return f"{e} ({format_value(lower, fmt, decimals)} to {format_value(upper, fmt, decimals)})"


def level_text(conf_level: float) -> str:
    """A confidence level as a percentage: ``0.95`` -> ``95%``, ``0.998`` -> ``99.8%``."""
    return f"{100 * float(conf_level):.10g}%"


def join_words(items: Sequence) -> str:
    """``a``, ``a and b``, ``a, b and c``; empty for no items."""
    items = [str(i) for i in items]
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` characters (one empty line if blank)."""
    return textwrap.wrap(text, width) or [""]


def wrap_title(title: str, width: int = 70) -> str:
    """A chart title on lines of at most ``width`` characters (unchanged if it fits)."""
    return "\n".join(textwrap.wrap(title, width)) if len(title) > width else title


#: method code -> (label, phrase in a sentence, full name in a methods section)
METHOD_WORDS = {
    # adjustment for multiple comparisons (kentaudit.stats.multiplicity)
    "holm": ("Holm", "Holm's method", "Holm's step-down method (family-wise error rate)"),
    "fdr_bh": ("Benjamini-Hochberg", "the Benjamini-Hochberg method",
               "Benjamini-Hochberg false discovery rate"),
    "bonferroni": ("Bonferroni", "the Bonferroni correction", "Bonferroni correction"),
    "none": ("none", "no adjustment", "no adjustment"),
    # intervals for a proportion (kentaudit.stats.proportions) and a difference
    "wilson": ("Wilson", "the Wilson score interval", "Wilson score interval"),
    "clopper-pearson": ("Clopper-Pearson", "the Clopper-Pearson exact interval",
                        "Clopper-Pearson exact interval"),
    "jeffreys": ("Jeffreys", "the Jeffreys interval", "Jeffreys interval"),
    "agresti-coull": ("Agresti-Coull", "the Agresti-Coull interval", "Agresti-Coull interval"),
    "newcombe": ("Newcombe hybrid score", "Newcombe's hybrid score interval",
                 "Newcombe hybrid score interval"),
    # tests of two proportions (kentaudit.stats.independent)
    "n-1 chi-square": ("'N-1' chi-square", "the 'N-1' chi-square test", "'N-1' chi-square test"),
    "fisher exact": ("Fisher's exact", "Fisher's exact test", "Fisher's exact test"),
    "Fisher exact": ("Fisher's exact", "Fisher's exact test", "Fisher's exact test"),
    "N-1 chi-square": ("'N-1' chi-square", "the 'N-1' chi-square test", "'N-1' chi-square test"),
    # a Monte Carlo p-value of a contingency table (kentaudit.stats.association)
    "Monte Carlo over tables with fixed margins (scipy random_table), p = (1 + #>=)/(B + 1)": (
        "Monte Carlo over tables with the same margins",
        "a Monte Carlo p-value over random tables with the same margins",
        ("Monte Carlo p-value over random tables with the same margins, (1 + tables at least as "
         "extreme) / (tables drawn + 1), as R chisq.test(simulate.p.value = TRUE)")),
    # the test policy of two independent proportions (kentaudit.stats.association)
    "N-1 chi-square if every expected count >= 1, else Fisher exact": (
        "'N-1' chi-square, or Fisher's exact when counts are small",
        "the 'N-1' chi-square test (Fisher's exact test when an expected count is below 1)",
        "'N-1' chi-square test if every expected count is at least 1, else Fisher's exact test"),
    "n-1-chisq-or-fisher": ("'N-1' chi-square, or Fisher's exact when counts are small",
                            "the 'N-1' chi-square test (Fisher's exact test when an expected count is below 1)",
                            "'N-1' chi-square test if every expected count is at least 1, else Fisher's exact test"),
    # paired proportions (kentaudit.stats.paired)
    "mcnemar": ("McNemar", "McNemar's test", "McNemar's test (asymptotic, no continuity correction)"),
    "mcnemar-cc": ("McNemar, continuity corrected", "McNemar's test with continuity correction",
                   "McNemar's test with continuity correction"),
    "mcnemar-exact": ("McNemar exact", "McNemar's exact test", "McNemar's exact (conditional binomial) test"),
    "mcnemar-midp": ("McNemar mid-p", "McNemar's mid-p test", "McNemar's mid-p test (Fagerland et al. 2013)"),
    "newcombe-paired": ("Newcombe paired", "Newcombe's interval for paired proportions",
                        "Newcombe's hybrid score interval for paired proportions (method 10)"),
    "bowker": ("Bowker symmetry", "Bowker's test of symmetry", "Bowker's test of symmetry"),
    "stuart-maxwell": ("Stuart-Maxwell", "the Stuart-Maxwell test of marginal homogeneity",
                       "Stuart-Maxwell test of marginal homogeneity"),
    "sign": ("sign test", "the sign test", "sign test"),
    # intervals of a design-based estimate (kentaudit.stats.survey)
    "logit": ("logit", "the logit interval", "logit interval (as R survey::svyciprop(method = \"logit\"))"),
    # funnel plots (kentaudit.stats.funnel)
    "binomial-interpolated": ("exact binomial, interpolated", "exact binomial limits, interpolated",
                              "exact binomial control limits, interpolated between whole counts "
                              "(Spiegelhalter 2005)"),
    "normal": ("normal approximation", "normal-approximation limits", "normal-approximation control limits"),
    "order-statistic": ("by order statistics", "winsorising by order statistics",
                        "winsorising by order statistics"),
    "significant": ("when significant", "adjusted when the dispersion test is significant",
                    "limits widened for overdispersion when the dispersion test is significant"),
    "auto": ("automatic", "chosen automatically", "chosen automatically from the data"),
    # shrunken estimates (kentaudit.stats.shrinkage)
    "hierarchical": ("hierarchical beta-binomial", "a hierarchical beta-binomial model",
                     "hierarchical beta-binomial model (posterior draws)"),
    # evaluating an action (kentaudit.stats.actions)
    "mover-newcombe": ("MOVER from Newcombe intervals", "the MOVER combination of Newcombe's intervals",
                       "MOVER combination of the two changes' Newcombe hybrid score intervals (Zou & Donner 2008)"),
    "wald": ("Wald", "the Wald interval", "Wald interval (the identity-link binomial GLM's interaction)"),
    "wald z (identity-link interaction)": ("Wald z", "the Wald z test of the difference in differences",
                                           "Wald z test of the interaction of a binomial GLM with an identity link"),
    "power-prop-fpc": ("normal power, finite population corrected",
                       "the normal-approximation power formula with a finite population correction",
                       "normal-approximation power (as R power.prop.test) with Cochran's finite population "
                       "correction"),
    # kappa weights (kentaudit.stats.interrater)
    "unweighted": ("unweighted", "unweighted", "unweighted (every disagreement counts the same)"),
    "linear": ("linear weights", "linear weights", "linear weights (disagreement by grade distance)"),
    "quadratic": ("quadratic weights", "quadratic weights", "quadratic weights (squared grade distance)"),
    # what a funnel's units are compared with (kentaudit.stats.funnel, ``target_source``)
    "standard": ("the audit standard", "the audit standard", "the audit standard"),
    "overall": ("the overall rate", "the overall rate", "the overall rate of every unit pooled"),
    "not testable": ("not testable (a group has no answers, or all answers alike)",
                     "no test (a group has no answers, or all answers alike)",
                     "no test (a group has no answers, or all answers alike)"),
}
_FORMS = {"label": 0, "phrase": 1, "full": 2}

#: samples as a reader writes them (tables, chart axes, captions of every output)
SAMPLE_WORDS = {
    "initial": "Initial sample",
    "extended": "Additional cases (extended sample)",
    "reaudit": "Re-audit of initial cases",
    "annual": "Annual audit",
    "All samples": "All samples",
    "Total": "Total",
}


def method_words(code: str, form: str = "label") -> str:
    """A method code in words: ``form`` is ``"label"`` (``Holm``), ``"phrase"`` (``Holm's
    method``, for a sentence) or ``"full"`` (the methods section's name). A code not in
    :data:`METHOD_WORDS` is returned as it is, so no method is ever hidden."""
    entry = METHOD_WORDS.get(code)
    return code if entry is None else entry[_FORMS[form]]
