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
* **test statistics, z-scores and design effects** (format ``stat``) to a fixed
  :data:`STAT_DECIMALS` decimals on every row, so a column of one statistic reads alike down the table (three
  significant figures showed ``5.2`` beside ``5.07``); **estimated counts** (format
  ``whole``, a weighted population total) rounded to a whole number;
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
from kentaudit.core.methods import METHODS

__all__ = ["DASH", "STAT_DECIMALS", "P_FLOOR", "P_FLOOR_CELL", "is_missing", "as_number", "finite_number", "format_p", "format_value", "format_interval",
           "level_text", "join_words", "wrap_lines", "wrap_title", "METHOD_WORDS", "method_words"]

#: decimals of a test statistic, z-score or design effect (format ``stat``): fixed, the same on
#: every row
STAT_DECIMALS = 2
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
    significant figures (whole above 1,000); ``stat`` (a test statistic, a z-score) to
    :data:`STAT_DECIMALS` decimals on every row; ``whole`` (an estimated count, such as a
    weighted population) rounded to a whole number with thousands separators; text as it
    is. Missing: an en dash."""
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
    if fmt == "stat":
        return _unsigned_zero(f"{f:.{STAT_DECIMALS if decimals is None else decimals}f}")
    if fmt == "whole":
        return _unsigned_zero(f"{round(f):,}")
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


#: method code -> (label, phrase in a sentence, full name in a methods section), read from the
#: one registry, :data:`kentaudit.core.methods.METHODS` (which also holds each method's reference)
METHOD_WORDS = {code: (m.label, m.phrase, m.full) for code, m in METHODS.items()}
_FORMS = {"label": 0, "phrase": 1, "full": 2, "cited": 2}

def method_words(code: str, form: str = "label") -> str:
    """A method code in words: ``form`` is ``"label"`` (``Holm``), ``"phrase"`` (``Holm's
    method``, for a sentence), ``"full"`` (the methods section's name) or ``"cited"`` (the full
    name with its short citation, ``Holm's step-down method (family-wise error rate) (Holm
    1979)``; the citation is not repeated when the name already gives it). A code not in
    :data:`kentaudit.core.methods.METHODS` is returned as it is, so no method is ever hidden."""
    entry = METHOD_WORDS.get(code)
    if entry is None:
        return code
    text = entry[_FORMS[form]]
    cite = METHODS[code].cite
    if form == "cited" and cite and cite.replace(" and ", " & ") not in text and cite not in text:
        # one pair of brackets: "... (family-wise error rate; Holm 1979)"
        text = f"{text[:-1]}; {cite})" if text.endswith(")") else f"{text} ({cite})"
    return text
