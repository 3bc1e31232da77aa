"""Neutralise spreadsheet formula text before any CSV or spreadsheet output.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula by Excel and LibreOffice when a CSV or XLSX file is
opened ("CSV injection", "formula injection"). kentaudit never evaluates such
text when reading (ingest keeps it as text and warns), and every writer of a
spreadsheet or CSV in the project passes its frame through
:func:`neutralise_frame` first, which prefixes such values with a single quote
as the OWASP guidance recommends.

References
----------
.. [1] OWASP, "CSV Injection",
   https://owasp.org/www-community/attacks/CSV_Injection
"""
from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "is_formula_text", "neutralise_formula", "neutralise_frame"]

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_text(value) -> bool:
    """True if ``value`` is a string a spreadsheet would treat as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise_formula(value):
    """Return ``value`` prefixed with ``'`` if it is formula text, else unchanged.

    Non-strings (numbers, dates, missing values) are returned unchanged, so a
    negative number in a numeric column stays a number.

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("seen alone")
    'seen alone'
    """
    if is_formula_text(value):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame, *, include_header: bool = False) -> pd.DataFrame:
    """A copy of ``df`` with formula text neutralised in every text column.

    Parameters
    ----------
    df : DataFrame
        Frame about to be written to CSV or a spreadsheet.
    include_header : bool, default False
        Also neutralise string column labels.

    Returns
    -------
    DataFrame
        Same shape, index and dtypes as ``df``; values of object and string
        columns that begin with a character of :data:`FORMULA_PREFIXES` get a
        leading single quote. Other columns are untouched.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(neutralise_formula, na_action="ignore").astype(s.dtype)
    if include_header:
        out.columns = [neutralise_formula(c) for c in out.columns]
    return out
