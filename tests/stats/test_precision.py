"""Tests of kentaudit.stats.precision.

References: tests/r/reference_core.R section 6 (Cochran 1977 eqs 4.1-4.2
evaluated in R 4.2) and DOMAIN.md: for about 1,360 children, +/-10 points at
95% needs about 90 files and +/-5 points about 300.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kentaudit.core.errors import InputError
from kentaudit.stats.precision import (interval_widths, sample_size_by_district,
                                       sample_size_for_precision)
from kentaudit.stats.proportions import proportion_ci

R = Path(__file__).parents[1] / "r"


def test_sample_size_matches_r():
    r = pd.read_csv(R / "reference_core_samplesize.csv")
    for cl, g in r.groupby("conf"):
        o = sample_size_for_precision(g["margin"].to_numpy(), conf_level=cl, population=g["N"].to_numpy())
        np.testing.assert_allclose(o["n0"], g["n0"], rtol=1e-9)
        np.testing.assert_allclose(o["n"], g["n"], rtol=1e-9)
        assert o["n_required"].tolist() == g["n_required"].tolist()


@pytest.mark.parametrize("margin,expected", [(0.10, 90), (0.05, 300)])
def test_kent_figures_from_domain_notes(margin, expected):
    assert sample_size_for_precision(margin, population=1360).iloc[0].n_required == expected


def test_without_population_it_is_the_classic_384():
    assert sample_size_for_precision(0.05).iloc[0].n_required == 385  # 384.15 rounded up


def test_fpc_size_gives_exactly_the_margin_with_the_hypergeometric_variance():
    o = sample_size_for_precision(0.07, population=500).iloc[0]
    z = stats.norm.ppf(0.975)
    half = z * np.sqrt(0.25 / o.n * (500 - o.n) / (500 - 1))
    assert half == pytest.approx(0.07, rel=1e-12)


def test_by_district_has_every_district_and_the_authority():
    o = sample_size_by_district(0.10, total_label="Kent (all districts)")
    assert len(o) == 13 and o.district.iloc[-1] == "Kent (all districts)"
    assert sample_size_by_district(0.10).district.iloc[-1] == "the authority (all units)"  # neutral default
    assert o.n_required.iloc[-1] == 90
    per = o.iloc[:-1]
    # DOMAIN.md: per district, +/-10 points needs a third to two thirds of the files
    assert per.sampling_fraction.between(1 / 3, 2 / 3).all()


def test_bad_margin_is_refused():
    with pytest.raises(InputError):
        sample_size_for_precision(5)


def test_interval_widths_before_and_after():
    before = pd.DataFrame({"criterion": ["seen", "voice"], "n_yes": [30, 10], "n_denominator": [50, 20]})
    after = pd.DataFrame({"criterion": ["seen", "voice"], "n_yes": [120, 50], "n_denominator": [200, 80]})
    o = interval_widths(before, after).set_index("criterion")
    w = proportion_ci(120, 200).iloc[0]
    assert o.loc["seen", "width_after"] == pytest.approx(w.conf_high - w.conf_low)
    assert o.loc["seen", "n_ratio"] == 4
    # four times the files roughly halves the width
    assert 0.45 < o.loc["seen", "width_ratio"] < 0.55
    assert set(o.method) == {"wilson"} and set(o.conf_level) == {0.95}


def test_interval_widths_need_a_criterion_column():
    with pytest.raises(InputError):
        interval_widths(pd.DataFrame({"n_yes": [1], "n_denominator": [2]}),
                        pd.DataFrame({"n_yes": [1], "n_denominator": [2]}))


def test_sample_size_with_cases_taken_in_full_samples_only_the_rest_of_the_frame():
    # 120 of 1,360 taken in full: the estimate (120 p_c + 1,240 p_r) / 1,360 has margin
    # 1,240/1,360 x the random part's, so +/-10 points needs +/-10.97 on the random part:
    # n0 = 1.959964^2 x 0.25 / (0.1 x 1360/1240)^2 = 79.8365, n = n0 / (1 + (n0 - 1)/1240) = 75.064
    import pandas as pd

    from kentaudit.stats.precision import sample_size_by_district
    d = pd.DataFrame({"district": ["A", "B"], "children_on_plans": [700, 660]})
    out = sample_size_by_district(0.10, districts=d, certainty={"A": 70, "B": 50}).set_index("district")
    k = out.loc["the authority (all units)"]
    assert (k["n_certainty"], k["population_random"]) == (120, 1240)
    assert k["n0"] == pytest.approx(79.836547, rel=1e-6) and k["n"] == pytest.approx(75.064130, rel=1e-6)
    assert (k["n_required"], k["n_required_total"]) == (76, 196)


# ---------------------------------------------------------------- units with no frame left
def _units(**n):
    return pd.DataFrame({"district": list(n), "children_on_plans": list(n.values())})


def test_a_unit_with_no_children_in_scope_needs_no_files_and_says_why():
    o = sample_size_by_district(0.10, districts=_units(A=100, B=0)).set_index("district")
    assert o.at["B", "n_required"] == 0 and "no children in scope" in o.at["B", "note"]
    assert o.at["A", "n_required"] == 50 and o.at["A", "note"] == ""


def test_a_unit_audited_in_full_is_a_census_with_no_further_files():
    o = sample_size_by_district(0.10, districts=_units(A=100, C=20), certainty={"C": 20}).set_index("district")
    assert o.at["C", "n_required"] == 0 and o.at["C", "n_required_total"] == 20
    assert "census" in o.at["C", "note"]


def test_files_taken_in_full_that_already_give_the_precision_need_no_more():
    # N = 20, c = 19: the margin wanted on the one file left is 0.10 * 20 / 1 = 2, at least 1
    o = sample_size_by_district(0.10, districts=_units(A=100, D=20), certainty={"D": 19}).set_index("district")
    assert o.at["D", "n_required"] == 0 and "already give this precision" in o.at["D", "note"]


def test_more_files_taken_in_full_than_children_in_scope_gives_no_size_and_names_the_units_table():
    o = sample_size_by_district(0.10, districts=_units(A=100, E=10), certainty={"E": 12}).set_index("district")
    assert pd.isna(o.at["E", "n_required"]) and "check the units table" in o.at["E", "note"]
    # the others are computed as before
    assert o.at["A", "n_required"] > 0 and o.at["A", "note"] == ""


def test_one_unit_with_more_files_taken_in_full_than_children_gives_documented_rows_not_an_error():
    # one unit whose audits include more initial (certainty) cases than its children on plans,
    # so no row can be computed: every row is documented (n_required missing, the note says why);
    # it was KeyError ['n0', 'n', 'sampling_fraction'] and the initial_vs_extended notebook failed
    d = pd.DataFrame({"district": ["A"], "children_on_plans": [118]})
    out = sample_size_by_district(0.10, districts=d, certainty={"A": 300}).set_index("district")
    assert list(out.index) == ["A", "the authority (all units)"]
    assert out["n_required"].isna().all() and out["n0"].isna().all()
    assert out["note"].str.contains("check the units table").all()
