"""Working days in England and Wales, for statutory timescales.

"Working days" exclude Saturdays, Sundays and bank holidays in England and
Wales. Bank holidays come from the ``holidays`` package, which computes them
offline from rules plus the one-off days (for example 29 April 2011 and
5 June 2012); nothing is downloaded.

Convention (documented in ``docs/data-dictionary.md``): the number of working
days from ``start`` to ``end`` counts the working days ``d`` with
``start < d <= end``. A conference held 15 working days after the strategy
discussion is therefore within "15 working days".
"""
from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

__all__ = ["bank_holidays", "working_days_between", "add_working_days", "within_months"]

_FIRST_YEAR, _LAST_YEAR = 1990, 2040


@lru_cache(maxsize=1)
def _calendar() -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=bank_holidays())


def bank_holidays(first_year: int = _FIRST_YEAR, last_year: int = _LAST_YEAR) -> np.ndarray:
    """Bank holidays in England and Wales as a sorted ``datetime64[D]`` array.

    Validated against the GOV.UK list for 2011-2012 (including the royal
    wedding, 29 April 2011, and the Diamond Jubilee, 5 June 2012) in
    ``tests/core/test_workdays.py``.
    """
    cal = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(cal.keys()), dtype="datetime64[D]")


def _as_days(x) -> tuple[np.ndarray, np.ndarray]:
    s = pd.to_datetime(pd.Series(x) if not isinstance(x, pd.Series) else x, errors="raise")
    mask = s.isna().to_numpy()
    days = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return days, mask


def working_days_between(start, end):
    """Working days ``d`` with ``start < d <= end``; for ``end < start``, minus those in ``(end, start]``.

    Vectorised over array-likes; missing dates give ``<NA>``. Returns a pandas
    ``Int64`` Series for array input and an ``int`` (or ``None``) for scalars.
    """
    scalar = not pd.api.types.is_list_like(start)
    s, ms = _as_days([start] if scalar else start)
    e, me = _as_days([end] if scalar else end)
    missing = ms | me
    s = np.where(missing, np.datetime64("2000-01-03"), s).astype("datetime64[D]")
    e = np.where(missing, np.datetime64("2000-01-03"), e).astype("datetime64[D]")
    # busday_count counts [begin, end): shift both by one day to get (start, end].
    # For end < start the count is minus the working days in (end, start]; numpy's
    # own reversed count covers (end, start + 1] instead, so swap explicitly.
    fwd = s <= e
    lo, hi = np.where(fwd, s, e), np.where(fwd, e, s)
    n = np.busday_count(lo + 1, hi + 1, busdaycal=_calendar())
    n = np.where(fwd, n, -n)
    out = pd.array(n, dtype="Int64")
    out[missing] = pd.NA
    if scalar:
        return None if missing[0] else int(out[0])
    return pd.Series(out, index=getattr(start, "index", None))


def add_working_days(start, n: int):
    """The date ``n`` working days after ``start`` (``start`` itself not counted).

    Consistent with :func:`working_days_between`:
    ``working_days_between(start, add_working_days(start, n)) == n`` for every
    ``start`` (also a weekend or bank holiday) and every integer ``n``
    (negative ``n`` counts backwards). ``n == 0`` returns ``start``.
    """
    if isinstance(n, bool) or int(n) != n:
        raise TypeError(f"n must be a whole number of working days, not {n!r}")
    d = np.datetime64(pd.Timestamp(start).date(), "D")
    if n == 0:
        return pd.Timestamp(d)
    # roll="backward": from a non-working day, the first working day after it is
    # one step on from the previous working day (rolling forward would skip one).
    return pd.Timestamp(np.busday_offset(d, int(n), roll="backward", busdaycal=_calendar()))


def within_months(start, end, months: int = 3):
    """True where ``end`` is on or before ``start`` plus ``months`` calendar months.

    Calendar months follow ``pandas.DateOffset`` (31 January + 1 month is
    28/29 February). Missing dates give ``<NA>``.
    """
    s = pd.to_datetime(pd.Series(start))
    e = pd.to_datetime(pd.Series(end))
    ok = e <= s + pd.DateOffset(months=months)
    out = pd.array(ok, dtype="boolean")
    out[(s.isna() | e.isna()).to_numpy()] = pd.NA
    return pd.Series(out, index=s.index)
