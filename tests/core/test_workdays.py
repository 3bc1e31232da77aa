"""Working days in England and Wales, checked by hand against the GOV.UK list.

Reference: GOV.UK, "UK bank holidays", England and Wales,
https://www.gov.uk/bank-holidays (2012 on; 2009-2011 from the archived Directgov
list of the same page). Special one-off days: royal wedding Friday 29 April 2011;
Diamond Jubilee Tuesday 5 June 2012, with the spring bank holiday moved to
Monday 4 June 2012.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kentaudit.core.workdays import add_working_days, bank_holidays, working_days_between, within_months

GOVUK_WEEKDAY_BANK_HOLIDAYS = {
    2009: ["2009-01-01", "2009-04-10", "2009-04-13", "2009-05-04", "2009-05-25", "2009-08-31",
           "2009-12-25", "2009-12-28"],
    2010: ["2010-01-01", "2010-04-02", "2010-04-05", "2010-05-03", "2010-05-31", "2010-08-30",
           "2010-12-27", "2010-12-28"],
    2011: ["2011-01-03", "2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30",
           "2011-08-29", "2011-12-26", "2011-12-27"],
    2012: ["2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07", "2012-06-04", "2012-06-05",
           "2012-08-27", "2012-12-25", "2012-12-26"],
    2013: ["2013-01-01", "2013-03-29", "2013-04-01", "2013-05-06", "2013-05-27", "2013-08-26",
           "2013-12-25", "2013-12-26"],
}


@pytest.mark.parametrize("year", sorted(GOVUK_WEEKDAY_BANK_HOLIDAYS))
def test_weekday_bank_holidays_match_the_govuk_list(year):
    b = pd.to_datetime(bank_holidays())
    got = sorted(str(d.date()) for d in b if d.year == year and d.weekday() < 5)
    assert got == GOVUK_WEEKDAY_BANK_HOLIDAYS[year]


@pytest.mark.parametrize("start,end,expected", [
    # Fri 25 May -> Mon 18 June 2012: 16 weekdays, less Mon 4 and Tue 5 June (jubilee) = 14
    ("2012-05-25", "2012-06-18", 14),
    # Thu 5 -> Tue 10 April 2012 over Easter: only Tue 10 April is a working day
    ("2012-04-05", "2012-04-10", 1),
    # Thu 21 April -> Tue 3 May 2011: 26, 27, 28 April and 3 May (Easter, royal wedding, May day)
    ("2011-04-21", "2011-05-03", 4),
    # Thu 24 -> Tue 29 December 2009: Christmas Fri 25 and Boxing Day substitute Mon 28
    ("2009-12-24", "2009-12-29", 1),
    ("2012-06-18", "2012-06-18", 0),
    ("2012-06-18", "2012-05-25", -14),
])
def test_working_days_between_hand_checked(start, end, expected):
    assert working_days_between(start, end) == expected


def test_working_days_between_is_vectorised_and_keeps_missing():
    s = pd.Series(pd.to_datetime(["2012-05-25", None, "2012-04-05"]), index=[10, 11, 12])
    e = pd.Series(pd.to_datetime(["2012-06-18", "2012-06-18", "2012-04-10"]), index=[10, 11, 12])
    out = working_days_between(s, e)
    assert out.dtype == "Int64" and list(out.index) == [10, 11, 12]
    assert out.tolist() == [14, pd.NA, 1]


def test_working_days_between_scalar_missing_is_none():
    assert working_days_between(pd.NaT, "2012-06-18") is None


@pytest.mark.parametrize("start,n,expected", [
    ("2012-05-25", 15, "2012-06-19"),   # the last day for a conference after a 25 May strategy discussion
    ("2012-06-02", 1, "2012-06-06"),    # Saturday before the jubilee weekend -> Wednesday
    ("2012-04-06", 1, "2012-04-10"),    # Good Friday -> Tuesday after Easter Monday
    ("2012-06-06", -1, "2012-06-01"),
    ("2012-06-02", 0, "2012-06-02"),
])
def test_add_working_days_hand_checked(start, n, expected):
    assert add_working_days(start, n) == pd.Timestamp(expected)


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=dt.date(2009, 1, 1), max_value=dt.date(2014, 12, 31)),
       st.integers(min_value=-40, max_value=40))
def test_add_working_days_inverts_working_days_between(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


def test_add_working_days_rejects_fractions():
    with pytest.raises(TypeError):
        add_working_days("2012-06-01", 1.5)


@pytest.mark.parametrize("start,end,expected", [
    ("2012-11-30", "2013-02-28", True),   # 30 Nov + 3 months = 28 Feb 2013
    ("2012-11-30", "2013-03-01", False),
    ("2012-06-18", "2012-09-18", True),
    ("2012-06-18", "2012-09-19", False),
])
def test_within_months_uses_calendar_months(start, end, expected):
    assert within_months([start], [end], 3).tolist() == [expected]


def test_within_months_missing_date_gives_missing():
    out = within_months(pd.Series([pd.Timestamp("2012-01-01"), pd.NaT]),
                        pd.Series([pd.Timestamp("2012-02-01"), pd.Timestamp("2012-02-01")]), 3)
    assert out.tolist() == [True, pd.NA]


def test_bank_holidays_are_sorted_days():
    b = bank_holidays()
    assert b.dtype == np.dtype("datetime64[D]") and (np.diff(b) > np.timedelta64(0, "D")).all()
