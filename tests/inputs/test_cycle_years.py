"""Cycle ids order a programme by the year each starts in, a year or a financial year alike."""
import pytest

from kentaudit.inputs.profile import cycle_year, next_cycle


@pytest.mark.parametrize("cycle, year", [("2013", 2013), ("2025-26", 2025), ("2025/26", 2025),
                                         ("1999-00", 1999), (" 2013 ", 2013)])
def test_the_year_a_cycle_starts_in(cycle, year):
    assert cycle_year(cycle) == year


@pytest.mark.parametrize("cycle", ["2025-27", "13", "2013a", "FY2025", "", "2025-2026"])
def test_an_id_that_is_neither_a_year_nor_a_financial_year_has_no_year(cycle):
    assert cycle_year(cycle) is None


@pytest.mark.parametrize("cycle, after", [("2013", "2014"), ("2025-26", "2026-27"), ("1999-00", "2000-01"),
                                          ("2098-99", "2099-00")])
def test_the_next_cycle_keeps_the_style(cycle, after):
    assert next_cycle(cycle) == after


def test_an_unreadable_cycle_has_no_next():
    assert next_cycle("spring") is None
