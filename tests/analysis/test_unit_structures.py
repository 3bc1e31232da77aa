"""The districts notebook's analyses give a documented result for any structure of units and
areas (issue 22): one area (the units table groups every unit in one), and two areas of two
units. Nothing here is an exception: a comparison that cannot be made is a row saying why.

The cycles are Borsetshire's (``other_authority.py``: Kent's synthetic 2012-2013 audits with
four localities), with one quadrant or two quadrants of two localities.
"""
from __future__ import annotations

import warnings

import pytest
from other_authority import LOCALITIES, ONE_QUADRANT, TWO_QUADRANTS, write_authority

from kentaudit import analysis


def _analysed(folder, areas):
    cd = analysis.load_cycle(write_authority(folder, areas=areas, years=(2012, 2013)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cd, analysis.districts(cd), analysis.district_ranks(cd)


@pytest.fixture(scope="module")
def one_area(tmp_path_factory):
    return _analysed(tmp_path_factory.mktemp("one-quadrant"), ONE_QUADRANT)


@pytest.fixture(scope="module")
def two_areas(tmp_path_factory):
    return _analysed(tmp_path_factory.mktemp("two-quadrants"), TWO_QUADRANTS)


def test_one_area_shrunken_estimates_by_area_are_its_counts_with_the_reason_none_is_estimated(one_area):
    cd, _, ranks = one_area
    by_area = ranks.tables["shrunken_by_area"]
    assert len(by_area) == len(cd.criterion_ids) and set(by_area["area"]) == {"Whole county"}
    assert by_area["estimate"].isna().all() and by_area["n_denominator"].gt(0).all()
    assert (by_area["note"] == "not estimated: the cycle has one quadrant, and shrinking towards the "
                               "other quadrants needs at least two").all()
    assert (by_area["raw"] == by_area["n_yes"] / by_area["n_denominator"]).all()


def test_one_area_the_units_are_still_shrunk_and_ranked(one_area):
    _, _, ranks = one_area
    by_unit = ranks.tables["shrunken_by_district"]
    assert set(by_unit["district"]) == set(LOCALITIES)
    assert by_unit["estimate"].notna().all() and "note" not in by_unit.columns
    assert "caterpillar_compliance" in ranks.figures


def test_one_area_is_not_compared_with_a_rest_that_does_not_exist(one_area):
    _, sec, _ = one_area
    avr = sec.tables["area_vs_rest"]
    assert (avr["test"] == "not testable").all() and avr["p_value"].isna().all()
    assert avr["note"].str.startswith("not testable: the cycle has one quadrant, so there is no rest of "
                                      "Borsetshire").all()
    tests = sec.tables["district_tests"]
    assert tests.loc[tests["group"] == "area", "p_value"].isna().all()
    assert tests.loc[tests["group"] == "district", "p_value"].notna().any()
    cbd = sec.tables["compliance_by_district"]
    assert set(cbd["area"]) == {"Whole county", "Borsetshire"}


def test_two_areas_of_two_units_are_shrunk_compared_and_tested(two_areas):
    cd, sec, ranks = two_areas
    by_area = ranks.tables["shrunken_by_area"]
    assert len(by_area) == 2 * len(cd.criterion_ids) and set(by_area["area"]) == {"Northern", "Southern"}
    assert by_area["estimate"].notna().all() and "note" not in by_area.columns
    assert set(by_area["rank_low"]) <= {1, 2} and set(by_area["rank_high"]) <= {1, 2}
    avr = sec.tables["area_vs_rest"]
    assert avr["p_value"].notna().any() and "note" not in avr.columns
    assert avr["family"].str.startswith("2 quadrants x 1 criterion").all()
