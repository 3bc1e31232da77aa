"""Tests of kentaudit.stats.paired.

References: tests/r/reference_core.R sections 3 and 4 (R 4.2 mcnemar.test
with and without correction, binom.test on the discordant pairs, mcnemar.test
on a 4 x 4 table = Bowker, Stuart-Maxwell by formula); Agresti (2013),
Categorical Data Analysis, 3rd ed., section 11.1 (presidential approval,
794/150/86/570: McNemar z^2 = 17.36); Fagerland, Lydersen and Laake (2017),
Statistical Analysis of Contingency Tables, ch. 8 (Cavo et al. 2012,
59/6/16/80: Newcombe square-and-add -0.0621, 95% CI -0.1186 to -0.0046).
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError, KentauditError
from kentaudit.stats.paired import paired_binary, paired_grade_table, paired_grades, square_table_tests

R = Path(__file__).parents[1] / "r"


def _pairs_frame(a, b, c, d, cycle="2009"):
    """Audits whose initial/reaudit answers form the 2 x 2 table (a, b, c, d)."""
    first = ["Y"] * (a + b) + ["N"] * (c + d)
    second = ["Y"] * a + ["N"] * b + ["Y"] * c + ["N"] * d
    refs = [f"{cycle}-{i}" for i in range(len(first))]
    ini = pd.DataFrame({"case_ref": refs, "cycle": cycle, "sample": "initial", "c_x": first})
    rea = pd.DataFrame({"case_ref": refs, "cycle": cycle, "sample": "reaudit", "c_x": second})
    return pd.concat([ini, rea], ignore_index=True)


def _test(o, name):
    return o[o.test == name].iloc[0]


def test_agresti_presidential_approval_mcnemar():
    o = paired_binary(_pairs_frame(794, 150, 86, 570))
    assert _test(o, "mcnemar").statistic == pytest.approx(17.36, abs=0.005)


REF = pd.read_csv(R / "reference_core_mcnemar.csv")


@pytest.mark.parametrize("i", range(len(REF)))
def test_mcnemar_matches_r(i):
    r = REF.iloc[i]
    o = paired_binary(_pairs_frame(int(r.a), int(r.b), int(r.c), int(r.d)))
    if r.b + r.c > 0:
        for test, s, p in (("mcnemar", "mcnemar_chi2", "mcnemar_p"), ("mcnemar-cc", "mcnemar_cc_chi2", "mcnemar_cc_p")):
            assert _test(o, test).statistic == pytest.approx(r[s], rel=1e-6, abs=1e-12)
            assert _test(o, test).p_value == pytest.approx(r[p], rel=1e-6)
        assert _test(o, "mcnemar-exact").p_value == pytest.approx(r.exact_p, rel=1e-6)
        assert _test(o, "mcnemar-midp").p_value == pytest.approx(r.midp, rel=1e-6)
    else:  # b + c = 0: not testable, every p-value missing (R: NaN, binom.test refuses n = 0)
        assert np.isnan(_test(o, "mcnemar").statistic) and "no discordant" in _test(o, "mcnemar").note
        assert np.isnan(_test(o, "mcnemar-exact").p_value) and np.isnan(r.exact_p)
        assert np.isnan(_test(o, "mcnemar-midp").p_value) and np.isnan(r.midp)


def test_newcombe_paired_interval_matches_fagerland_cavo_example():
    o = paired_binary(_pairs_frame(59, 6, 16, 80)).iloc[0]
    # The book reports first - second; kentaudit reports second - first.
    assert round(-o.difference, 4) == -0.0621
    assert round(-o.conf_high, 4) == -0.1186 and round(-o.conf_low, 4) == -0.0046


def test_pairs_with_not_applicable_or_missing_answers_are_excluded():
    d = _pairs_frame(3, 1, 1, 3)
    d.loc[0, "c_x"] = "NA"
    d.loc[d.index[-1], "c_x"] = pd.NA
    o = paired_binary(d).iloc[0]
    assert (o.n_pairs_total, o.n_pairs, o.n_excluded) == (8, 6, 2)


def test_pairs_never_cross_cycles():
    d = pd.concat([_pairs_frame(2, 1, 0, 1, "2009"), _pairs_frame(1, 0, 0, 1, "2010")])
    d.loc[(d.cycle == "2010") & (d["sample"] == "reaudit"), "cycle"] = "2011"
    assert paired_binary(d).iloc[0].n_pairs_total == 4


def test_duplicate_case_in_one_sample_is_refused():
    d = _pairs_frame(2, 1, 0, 1)
    d = pd.concat([d, d.iloc[[0]]])
    with pytest.raises(InputError, match="more than once"):
        paired_binary(d)


def test_rows_name_their_test_and_method():
    o = paired_binary(_pairs_frame(5, 2, 3, 4))
    assert o.test.tolist() == ["mcnemar", "mcnemar-cc", "mcnemar-exact", "mcnemar-midp"]
    assert set(o.method) == {"newcombe-paired"} and set(o.conf_level) == {0.95}


SQ = pd.read_csv(R / "reference_core_square.csv")


@pytest.mark.parametrize("i", range(len(SQ)))
def test_bowker_and_stuart_maxwell_match_r(i):
    r = SQ.iloc[i]
    t = np.array(r.cells.split(), dtype=float).reshape(4, 4)
    o = square_table_tests(t).set_index("test")
    assert o.loc["bowker", "statistic"] == pytest.approx(r.bowker_chi2, rel=1e-6)
    assert o.loc["bowker", "df"] == r.bowker_df
    assert o.loc["bowker", "p_value"] == pytest.approx(r.bowker_p, rel=1e-6)
    assert o.loc["stuart-maxwell", "statistic"] == pytest.approx(r.stuart_maxwell_chi2, rel=1e-6)
    assert o.loc["stuart-maxwell", "p_value"] == pytest.approx(r.stuart_maxwell_p, rel=1e-6)


def _grades_frame(pairs):
    refs = [f"r{i}" for i in range(len(pairs))]
    ini = pd.DataFrame({"case_ref": refs, "cycle": "2009", "sample": "initial",
                        "overall_grade": pd.array([p[0] for p in pairs], dtype="Int64")})
    rea = pd.DataFrame({"case_ref": refs, "cycle": "2009", "sample": "reaudit",
                        "overall_grade": pd.array([p[1] for p in pairs], dtype="Int64")})
    return pd.concat([ini, rea], ignore_index=True)


def test_worse_means_a_higher_grade_number_on_the_second_reading():
    d = _grades_frame([(2, 3), (2, 4), (1, 1), (3, 2), (2, pd.NA)])
    o = paired_grades(d).iloc[0]
    assert (o.n_pairs, o.n_worse, o.n_same, o.n_better) == (4, 2, 1, 1)


def test_grade_table_rows_are_first_reading():
    d = _grades_frame([(2, 3), (2, 3), (1, 1)])
    t = paired_grade_table(d)
    assert t.loc[2, 3] == 2 and t.loc[3, 2] == 0 and t.shape == (4, 4)


def test_grades_without_off_diagonal_counts_are_left_out_of_stuart_maxwell():
    t = np.array([[5, 0, 0, 0], [0, 4, 3, 0], [0, 1, 6, 0], [0, 0, 0, 2]])
    o = square_table_tests(t).set_index("test")
    assert o.loc["stuart-maxwell", "categories_used"] == "2 3"
    assert o.loc["stuart-maxwell", "df"] == 1
    # With two categories Stuart-Maxwell is McNemar: (3 - 1)^2 / (3 + 1) = 1
    assert o.loc["stuart-maxwell", "statistic"] == pytest.approx(1.0)


def test_pair_audits_can_join_only_the_columns_asked_for():
    from kentaudit.stats.paired import pair_audits
    df = _pairs_frame(2, 1, 1, 2).assign(notes="free text")
    full = pair_audits(df)
    narrow = pair_audits(df, columns=["c_x"])
    assert {"notes_first", "c_x_first"} <= set(full.columns)
    assert list(narrow.columns) == ["sample_first", "case_ref", "cycle", "c_x_first", "sample_second", "c_x_second"]
    assert narrow["c_x_first"].tolist() == full["c_x_first"].tolist()


# tests/r/reference_edge.R: the mid-p of Fagerland, Lydersen & Laake (2013), BMC Medical
# Research Methodology 13:91, as the mid-p form of binom.test's two-sided p-value
MIDP = pd.read_csv(R / "reference_edge_midp.csv")


@pytest.mark.parametrize("i", range(len(MIDP)))
def test_mcnemar_midp_matches_fagerland_2013_including_b_equal_to_c(i):
    r = MIDP.iloc[i]
    o = paired_binary(_pairs_frame(int(r.a), int(r.b), int(r.c), int(r.d)))
    assert _test(o, "mcnemar-midp").p_value == pytest.approx(r.midp, rel=1e-9)
    assert _test(o, "mcnemar-exact").p_value == pytest.approx(r.exact_p, rel=1e-9)


def test_mcnemar_midp_published_values_when_b_equals_c():
    from kentaudit.stats.paired import mcnemar_midp
    # Fagerland et al. 2013: mid-p = 1 - P(X = b)/2 when b = c
    assert mcnemar_midp(13, 13) == pytest.approx(0.922509, abs=5e-7)
    assert mcnemar_midp(3, 3) == pytest.approx(0.843750, abs=5e-7)


def test_no_discordant_pairs_is_not_testable_with_missing_p_values():
    o = paired_binary(_pairs_frame(5, 0, 0, 9))
    assert o["p_value"].isna().all()
    assert o["note"].str.startswith("not testable").all()


def test_where_the_highest_grade_is_best_a_higher_second_grade_is_better():
    # rows: first grade 1..3, columns: second grade 1..3 (a three-point scale); 5 pairs moved up
    # a number and 1 down: with grade 1 best that is 5 worse, with the highest best 5 better
    t = np.array([[2, 3, 0], [1, 4, 2], [0, 0, 3]])
    low = square_table_tests(t, levels=[1, 2, 3]).iloc[0]
    high = square_table_tests(t, levels=[1, 2, 3], best="highest").iloc[0]
    assert (low["n_worse"], low["n_better"]) == (5, 1) and (high["n_worse"], high["n_better"]) == (1, 5)
    # the tests are symmetric in the direction: the same p-values either way
    assert square_table_tests(t, best="highest")["p_value"].tolist() == square_table_tests(t)["p_value"].tolist()


def test_an_unknown_direction_is_refused():
    with pytest.raises(KentauditError):
        square_table_tests(np.eye(3), best="middle")
