"""Tests of kentaudit.stats.proportions: denominators and one-proportion intervals.

Reference values come from tests/r/reference_core.R (R 4.2: binom.test,
prop.test(correct = FALSE), qbeta, the Agresti-Coull formula) and from
Newcombe (1998a), Statistics in Medicine 17:857-872, Table I.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError, MethodError
from kentaudit.stats.proportions import compliance, criterion_counts, proportion_ci

R = Path(__file__).parents[1] / "r"


def _audits():
    return pd.DataFrame({
        "district": ["A", "A", "A", "B", "B", "B", "B"],
        "c_seen": ["Y", "N", "NA", "Y", "Y", pd.NA, "N"],
        "c_voice": ["NA", "NA", "Y", pd.NA, pd.NA, "N", "Y"],
    })


def test_counts_separate_not_applicable_from_missing():
    c = criterion_counts(_audits()).set_index("criterion")
    assert c.loc["seen", ["n_yes", "n_no", "n_denominator", "n_not_applicable", "n_missing", "n_audits"]].tolist() == [3, 2, 5, 1, 1, 7]
    assert c.loc["voice", ["n_yes", "n_no", "n_not_applicable", "n_missing"]].tolist() == [2, 1, 2, 2]


def test_counts_state_the_denominator():
    assert set(criterion_counts(_audits())["denominator"]) == {"yes / (yes + no)"}


def test_counts_by_group_one_row_per_group_and_criterion():
    c = criterion_counts(_audits(), by="district")
    assert list(zip(c["district"], c["criterion"])) == [("A", "seen"), ("A", "voice"), ("B", "seen"), ("B", "voice")]
    assert c.loc[(c.district == "B") & (c.criterion == "seen"), ["n_yes", "n_no", "n_missing"]].values.tolist() == [[2, 1, 1]]


def test_counts_accept_ids_or_column_names():
    a = criterion_counts(_audits(), criteria=["seen"])
    b = criterion_counts(_audits(), criteria=["c_seen"])
    pd.testing.assert_frame_equal(a, b)


def test_counts_reject_an_unknown_answer_code():
    bad = _audits().assign(c_seen=["Y", "y", "N", "N", "N", "N", "N"])
    with pytest.raises(InputError, match="c_seen"):
        criterion_counts(bad)


def test_counts_reject_an_unknown_criterion():
    with pytest.raises(InputError, match="c_nope"):
        criterion_counts(_audits(), criteria=["nope"])


def test_counts_work_on_pandas_string_dtype():
    a = _audits().astype({"c_seen": "string"})
    assert criterion_counts(a, criteria=["seen"])["n_missing"].tolist() == [1]


ref_single = pd.read_csv(R / "reference_core_single.csv").rename(columns={"ci_lower": "conf_low", "ci_upper": "conf_high"})  # R names -> the vocabulary


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys", "agresti-coull"])
def test_interval_matches_r(method):
    # R: see tests/r/reference_core.R section 1 (binom.test, prop.test(correct=FALSE), qbeta, formula)
    r = ref_single[ref_single.method == method]
    for cl, g in r.groupby("conf_level"):
        o = proportion_ci(g["count"].to_numpy(), g["nobs"].to_numpy(), method=method, conf_level=cl)
        np.testing.assert_allclose(o["conf_low"], g["conf_low"], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(o["conf_high"], g["conf_high"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("x,n,lo,hi", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                       (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_matches_newcombe_1998a_table_i(x, n, lo, hi):
    # Newcombe (1998a) Table I, method 3 (score interval without continuity correction)
    o = proportion_ci(x, n).iloc[0]
    assert round(o.conf_low, 4) == lo and round(o.conf_high, 4) == hi


def test_jeffreys_endpoints_are_zero_and_one():
    o = proportion_ci([0, 10], [10, 10], method="jeffreys")
    assert o["conf_low"].iloc[0] == 0.0 and o["conf_high"].iloc[1] == 1.0


def test_series_index_is_kept():
    o = proportion_ci(pd.Series([3, 4], index=["Dover", "Swale"]), pd.Series([10, 12], index=["Dover", "Swale"]))
    assert list(o.index) == ["Dover", "Swale"]


def test_zero_denominator_gives_nan_with_reason():
    o = proportion_ci([0, 2], [0, 4]).iloc[0]
    assert np.isnan(o.conf_low) and np.isnan(o.estimate) and "nobs = 0" in o.note


def test_unknown_method_is_refused():
    with pytest.raises(MethodError):
        proportion_ci(1, 2, method="wald")


def test_count_above_nobs_is_refused():
    with pytest.raises(InputError):
        proportion_ci(5, 4)


ref_fpc = pd.read_csv(R / "reference_core_fpc.csv").rename(columns={"ci_lower": "conf_low", "ci_upper": "conf_high"})  # R names -> the vocabulary


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys", "agresti-coull"])
def test_fpc_interval_matches_r_formula(method):
    # R: tests/r/reference_core.R section 1b (effective n = n (N-1)/(N-n))
    g = ref_fpc[ref_fpc.method == method]
    o = proportion_ci(g["count"].to_numpy(), g["nobs"].to_numpy(), method=method, population=g["population"].to_numpy())
    np.testing.assert_allclose(o["conf_low"], g["conf_low"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(o["conf_high"], g["conf_high"], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys", "agresti-coull"])
def test_census_has_zero_width(method):
    o = proportion_ci(30, 40, method=method, population=40).iloc[0]
    assert o.conf_low == o.conf_high == 0.75 and "census" in o.note


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys", "agresti-coull"])
def test_fpc_narrows_the_interval_and_vanishes_for_a_huge_frame(method):
    plain = proportion_ci(12, 40, method=method).iloc[0]
    small = proportion_ci(12, 40, method=method, population=80).iloc[0]
    huge = proportion_ci(12, 40, method=method, population=10**12).iloc[0]
    assert small.conf_high - small.conf_low < plain.conf_high - plain.conf_low
    assert huge.conf_low == pytest.approx(plain.conf_low, rel=1e-8)


def test_sample_larger_than_population_is_refused():
    with pytest.raises(InputError, match="population"):
        proportion_ci(3, 10, population=5)


def test_compliance_joins_counts_and_interval():
    c = compliance(_audits(), by="district", population={"A": 50, "B": 60})
    row = c[(c.district == "B") & (c.criterion == "seen")].iloc[0]
    assert row.estimate == pytest.approx(2 / 3)
    assert row.population == 60 and row.method == "wilson" and row.conf_level == 0.95
    ref = proportion_ci(2, 3, population=60).iloc[0]
    assert row.conf_low == pytest.approx(ref.conf_low, rel=1e-12)


def test_compliance_needs_a_population_for_every_group():
    with pytest.raises(InputError, match="B"):
        compliance(_audits(), by="district", population={"A": 50})


def test_partial_answers_are_counted_on_their_own_outside_the_denominator():
    # a profile's partial answer with counts_as: excluded (docs/profile.md): kept as its code P
    a = _audits().assign(c_seen=["Y", "P", "NA", "Y", "P", pd.NA, "N"])
    c = criterion_counts(a).set_index("criterion")
    assert c.loc["seen", ["n_yes", "n_no", "n_denominator", "n_not_applicable", "n_missing", "n_partial",
                          "n_audits"]].tolist() == [2, 1, 3, 1, 1, 2, 7]
    assert set(c["denominator"]) == {"yes / (yes + no); partial answers counted on their own, outside the denominator"}


def test_without_partial_answers_there_is_no_partial_column():
    assert "n_partial" not in criterion_counts(_audits()).columns


def test_a_partial_answer_is_refused_where_the_scheme_has_none():
    a = _audits().assign(c_seen=["Y", "P", "NA", "Y", "P", pd.NA, "N"])
    with pytest.raises(InputError, match="c_seen"):
        criterion_counts(a, partial=None)


def test_a_categorical_answer_column_is_coded_as_the_same_answers_written_out():
    # ingest keeps answers as categories; their one-byte codes are read directly
    from kentaudit.stats.proportions import answer_codes
    text = pd.Series(["Y", "N", pd.NA, "NA", "Y", "P"], name="c_x", dtype=object)
    cat = text.astype(pd.CategoricalDtype(["Y", "N", "NA", "P", "X"]))  # X: a category no row holds
    assert answer_codes(cat, "P").tolist() == answer_codes(text, "P").tolist() == [0, 1, 3, 2, 0, 4]


def test_a_categorical_answer_outside_the_codes_is_refused_naming_its_value():
    from kentaudit.stats.proportions import answer_codes
    cat = pd.Series(["Y", "maybe"], name="c_x", dtype="category")
    with pytest.raises(InputError) as e:
        answer_codes(cat)
    assert e.value.value == "maybe" and e.value.column == "c_x"
