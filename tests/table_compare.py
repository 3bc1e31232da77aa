"""Comparing results tables read from CSV: numbers as numbers, whatever the column's dtype.

A results CSV is read as text-or-number by pandas, and a column with one blank
cell (a missing value, read with ``keep_default_na=False``) comes back as text,
where ``'7.750000000000001' != '7.749999999999999'`` although the numbers agree.
:func:`assert_tables_equal` compares every cell that reads as a number on both
sides numerically, within the stated tolerance, and every other cell as text.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: tolerance of expected-table comparisons: |got - want| <= ATOL + RTOL * |want|
RTOL = 1e-9
ATOL = 1e-12


def _as_number(v):
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str) and v.strip() not in ("", "NA", "nan", "True", "False"):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def assert_tables_equal(got: pd.DataFrame, want: pd.DataFrame, rtol: float = RTOL,
                        atol: float = ATOL, name: str = "") -> None:
    """Same columns, same rows; numeric cells within tolerance, other cells identical."""
    assert list(got.columns) == list(want.columns), f"{name}: columns differ"
    assert len(got) == len(want), f"{name}: {len(got)} rows, expected {len(want)}"
    for col in want.columns:
        for i, (g, w) in enumerate(zip(got[col].tolist(), want[col].tolist())):
            gn, wn = _as_number(g), _as_number(w)
            if gn is not None and wn is not None:
                same = (np.isnan(gn) and np.isnan(wn)) or gn == wn or abs(gn - wn) <= atol + rtol * abs(wn)
                assert same, f"{name}: row {i}, column {col!r}: {g!r} != {w!r} (rtol {rtol}, atol {atol})"
            else:
                assert str(g) == str(w), f"{name}: row {i}, column {col!r}: {g!r} != {w!r}"
