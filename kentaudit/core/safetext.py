"""Neutralise spreadsheet formula text before any CSV or spreadsheet output.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
return or a line feed, or with ``{=`` (an array formula, as xlsxwriter writes
it) or ``|`` (DDE in old Excel), possibly after leading spaces, is run as a
formula by Excel and LibreOffice when a CSV or XLSX file is opened ("CSV
injection", "formula injection"). kentaudit never evaluates such text when
reading (ingest keeps it as text and warns), and every writer of a
spreadsheet or CSV in the project passes its frame through
:func:`neutralise_frame` (labels and titles through :func:`neutralise_formula`)
first, which prefixes such values with a single quote as the OWASP guidance
recommends. XLSX workbooks are also written with xlsxwriter's
:data:`XLSXWRITER_OPTIONS` (no string is ever turned into a formula, a number
or a hyperlink).

The one helper for every writer: :func:`neutralise_frame` (a frame, and its
column labels with ``include_header=True``), :func:`neutralise_formula` (one
value) and :func:`write_csv` (neutralise, then ``DataFrame.to_csv``).

References
----------
.. [1] OWASP, "CSV Injection",
   https://owasp.org/www-community/attacks/CSV_Injection
"""
from __future__ import annotations

import csv
import re

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "XLSXWRITER_OPTIONS", "is_formula_text", "neutralise_formula",
           "neutralise_frame", "write_csv"]

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP list,
#: plus line feed, ``{`` for xlsxwriter's ``{=...}`` array formulas and ``|`` for DDE).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "{", "|")

#: Options for every ``xlsxwriter.Workbook`` kentaudit creates (directly or through
#: gptables): strings stay strings, never formulas, numbers or hyperlinks.
XLSXWRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                      "strings_to_numbers": False}


#: A plain signed number (``-0.25``, ``+3``, ``-1e-05``): a spreadsheet reads it as a
#: number, not a formula, so it is left as it is.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def is_formula_text(value) -> bool:
    """True if ``value`` is a string a spreadsheet would treat as a formula.

    Leading spaces are ignored (``"  =1+1"`` counts), since some spreadsheets
    strip them before deciding. A plain signed number such as ``"-0.25"`` is
    not formula text.
    """
    if not isinstance(value, str):
        return False
    v = value.lstrip(" ")
    return v.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(v)


def neutralise_formula(value):
    """Return ``value`` prefixed with ``'`` if it is formula text, else unchanged.

    Non-strings (numbers, dates, missing values) are returned unchanged, so a
    negative number in a numeric column stays a number. Idempotent: a
    neutralised value begins with ``'`` and is left alone.

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("{=1+1}")
    "'{=1+1}"
    >>> neutralise_formula("seen alone")
    'seen alone'
    """
    if is_formula_text(value):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame, *, include_header: bool = True) -> pd.DataFrame:
    """A copy of ``df`` with formula text neutralised in every text column.

    Parameters
    ----------
    df : DataFrame
        Frame about to be written to CSV or a spreadsheet.
    include_header : bool, default True
        Also neutralise string column labels (a district name from a replaced
        districts table can become a column label).

    Returns
    -------
    DataFrame
        Same shape, index and dtypes as ``df``; values of object, string and
        categorical-of-text columns that are formula text (:func:`is_formula_text`)
        get a leading single quote. Other columns are untouched.
    """
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype):
                if any(is_formula_text(c) for c in cats):
                    out.isetitem(i, s.astype(object).map(neutralise_formula, na_action="ignore"))
        elif pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            mapped = s.map(neutralise_formula, na_action="ignore")
            try:
                mapped = mapped.astype(s.dtype)
            except (TypeError, ValueError):  # pragma: no cover - mixed object column
                pass
            out.isetitem(i, mapped)
    if include_header:
        out.columns = [neutralise_formula(c) for c in out.columns]
    return out


def _has_line_break(df: pd.DataFrame) -> bool:
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype) or \
                isinstance(s.dtype, pd.CategoricalDtype):
            if s.astype(object).map(lambda v: isinstance(v, str) and ("\r" in v or "\n" in v)).any():
                return True
    return any(isinstance(c, str) and ("\r" in c or "\n" in c) for c in df.columns)


def write_csv(df: pd.DataFrame, path_or_buf=None, **kwargs):
    """``neutralise_frame(df).to_csv(path_or_buf, **kwargs)``: the CSV writer of kentaudit.

    A text value holding a carriage return or line feed is always quoted
    (Python's csv module quotes only the characters of the line terminator,
    so a lone ``\r`` would otherwise split the row when read back): in that
    case every text field is quoted (``csv.QUOTE_NONNUMERIC``).
    """

    out = neutralise_frame(df)
    if "quoting" not in kwargs and _has_line_break(out):
        kwargs["quoting"] = csv.QUOTE_NONNUMERIC
    return out.to_csv(path_or_buf, **kwargs)
