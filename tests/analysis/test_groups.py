"""One-line comparisons (kentaudit.compare_groups, kentaudit.compare_grades_by).

The three questions of issue 15 are each one call, checked against the answer
worked out by hand the way an analyst did before: counts by filtering and
counting the answers, the interval from statsmodels' own Newcombe
(``confint_proportions_2indep(method="newcomb")``, an implementation independent
of kentaudit's), the 'N-1' chi-square from scipy's Pearson statistic times
(N - 1)/N (Campbell 2007), Holm's adjustment from statsmodels' ``multipletests``,
the rank-sum test from scipy's ``mannwhitneyu``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

import kentaudit
from kentaudit.core.errors import InputError, MethodError
from kentaudit.core.vocabulary import vocabulary_problems

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cycle():
    return kentaudit.load_cycle(ROOT / "params" / "cycle-2009.yaml")


@pytest.fixture(scope="module")
def main(cycle):
    """The audits the notebooks' district comparisons read: the random (extended) sample of
    2009, not the purposively chosen initial cases nor the re-audit (district_samples: random)."""
    a = cycle.audits
    return a[a["sample"] == "extended"]


def _by_hand(ga: pd.DataFrame, gb: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """The analyst's 8-12 lines: count Y and N per criterion, then interval, test, Holm."""
    rows = []
    for i in ids:
        ya, na_ = int((ga[f"c_{i}"] == "Y").sum()), int((ga[f"c_{i}"] == "N").sum())
        yb, nb_ = int((gb[f"c_{i}"] == "Y").sum()), int((gb[f"c_{i}"] == "N").sum())
        r = {"criterion": i, "n_yes_a": ya, "n_denominator_a": ya + na_, "n_yes_b": yb,
             "n_denominator_b": yb + nb_, "p_value": np.nan, "conf_low": np.nan, "conf_high": np.nan,
             "test": "not testable"}
        if r["n_denominator_a"] and r["n_denominator_b"]:
            lo, hi = confint_proportions_2indep(ya, ya + na_, yb, yb + nb_, method="newcomb", compare="diff")
            table = np.array([[ya, na_], [yb, nb_]])
            N = table.sum()
            expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / N
            if expected.min() == 0:  # every answer the same in both groups: nothing to test
                pass
            elif expected.min() >= 1:
                x2 = stats.chi2_contingency(table, correction=False).statistic * (N - 1) / N
                r.update(p_value=stats.chi2.sf(x2, 1), test="n-1 chi-square")
            else:
                r.update(p_value=stats.fisher_exact(table).pvalue, test="fisher exact")
            r.update(conf_low=lo, conf_high=hi, difference=ya / (ya + na_) - yb / (yb + nb_))
        rows.append(r)
    out = pd.DataFrame(rows)
    ok = out["p_value"].notna()
    out["p_adjusted"] = np.nan
    out.loc[ok, "p_adjusted"] = multipletests(out.loc[ok, "p_value"], method="holm")[1]
    return out


def _assert_matches(got: pd.DataFrame, want: pd.DataFrame):
    assert list(got["criterion"]) == list(want["criterion"])
    for c in ("n_yes_a", "n_denominator_a", "n_yes_b", "n_denominator_b"):
        assert got[c].tolist() == want[c].tolist(), c
        assert pd.api.types.is_integer_dtype(got[c]), f"{c} is {got[c].dtype}, not integers"
    assert got["test"].tolist() == want["test"].tolist()
    for c in ("conf_low", "conf_high", "p_value", "p_adjusted"):
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-9, atol=1e-12,
                                   err_msg=c)


# ----------------------------------------------------------------------------- the three questions

def test_under_1s_in_thanet_against_the_rest_of_kent_is_one_call(cycle, main):
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", where={"age_band": "under_1"})
    u1 = main[main["age_band"] == "under_1"]
    want = _by_hand(u1[u1["district"] == "Thanet"], u1[u1["district"] != "Thanet"], cycle.criterion_ids)
    _assert_matches(got, want)
    assert set(got["group_a"]) == {"Thanet"} and set(got["group_b"]) == {"Rest of Kent"}


def test_thanet_against_swale_on_every_criterion_is_one_call(cycle, main):
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", reference="Swale")
    want = _by_hand(main[main["district"] == "Thanet"], main[main["district"] == "Swale"],
                    cycle.criterion_ids)
    _assert_matches(got, want)
    assert len(got) == len(cycle.criterion_ids)


def test_whether_auditor_aud07_grades_harder_is_one_call(cycle, main):
    got = kentaudit.compare_grades_by(cycle, by="auditor", group="AUD07")
    a = main.loc[main["auditor"] == "AUD07", "overall_grade"].dropna().astype(int)
    b = main.loc[main["auditor"] != "AUD07", "overall_grade"].dropna().astype(int)
    per = got[got["grade"] != "all"]
    assert per["n_at_grade_a"].tolist() == [int((a == k).sum()) for k in (1, 2, 3, 4)]
    assert per["n_at_grade_b"].tolist() == [int((b == k).sum()) for k in (1, 2, 3, 4)]
    assert set(per["n_graded_a"]) == {len(a)} and set(per["n_graded_b"]) == {len(b)}
    for k in (1, 2, 3, 4):  # each grade's share with its Wilson interval
        lo, hi = proportion_confint(int((a == k).sum()), len(a), method="wilson")
        row = per[per["grade"] == str(k)].iloc[0]
        assert row["conf_low_a"] == pytest.approx(lo, rel=1e-9) and row["conf_high_a"] == pytest.approx(hi, rel=1e-9)
    # the whole distribution: R's wilcox.test(a, b, correct = TRUE) as scipy computes it
    mw = stats.mannwhitneyu(a, b, use_continuity=True, alternative="two-sided", method="asymptotic")
    overall = got[got["grade"] == "all"].iloc[0]
    assert overall["statistic"] == pytest.approx(float(mw.statistic))
    assert overall["p_value"] == pytest.approx(float(mw.pvalue), rel=1e-9)
    worse = "worse" if mw.statistic > len(a) * len(b) / 2 else "better"
    assert f"AUD07's grades are {worse}" in overall["note"]


# ----------------------------------------------------------------------------- shape and vocabulary

def test_criteria_come_in_catalogue_order_whatever_order_is_asked(cycle):
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", criteria=["voice", "seen", "c_chronology"])
    assert got["criterion"].tolist() == [i for i in cycle.criterion_ids if i in ("voice", "seen", "chronology")]


def test_comparison_tables_follow_the_column_vocabulary(cycle):
    assert vocabulary_problems(kentaudit.compare_groups(cycle, by="area", group="East"), "compare_groups") == []
    assert vocabulary_problems(kentaudit.compare_grades_by(cycle, by="district", group="Swale"),
                               "compare_grades_by") == []


def test_a_district_may_be_named_by_code_in_any_case(cycle):
    by_name = kentaudit.compare_groups(cycle, by="district", group="Thanet", reference="Swale")
    by_code = kentaudit.compare_groups(cycle, by="district", group="tha", reference="SWA")
    pd.testing.assert_frame_equal(by_name.tidy(), by_code.tidy())


def test_any_filter_gives_the_same_answer_as_a_dict_a_function_or_a_mask(cycle):
    a = cycle.audits
    kw = dict(by="district", group="Dover", samples="main")  # the electronic record: the initial cases
    as_dict = kentaudit.compare_groups(cycle, **kw, where={"record_source": "electronic"})
    as_func = kentaudit.compare_groups(cycle, **kw, where=lambda d: d["record_source"] == "electronic")
    as_mask = kentaudit.compare_groups(cycle, **kw, where=a["record_source"] == "electronic")
    pd.testing.assert_frame_equal(as_dict.tidy(), as_func.tidy())
    pd.testing.assert_frame_equal(as_dict.tidy(), as_mask.tidy())


def test_a_mask_can_define_the_groups(cycle, main):
    got = kentaudit.compare_groups(cycle, by=cycle.audits["age_band"].isin(["unborn", "under_1"]),
                                   group="Babies", criteria=["seen"])
    babies = main["age_band"].isin(["unborn", "under_1"])
    assert got["n_yes_a"].iloc[0] == int((main.loc[babies, "c_seen"] == "Y").sum())
    assert got["group_a"].iloc[0] == "Babies" and got["group_b"].iloc[0] == "Others"


def test_the_cycle_parameters_are_the_defaults_and_can_be_overridden(cycle):
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", criteria=["seen"])
    assert got["conf_level"].iloc[0] == cycle.params.confidence_level
    assert got["adjust_method"].iloc[0] == cycle.params.adjust_method
    other = kentaudit.compare_groups(cycle, by="district", group="Thanet", criteria=["seen"], conf_level=0.9,
                                     interval_method="jeffreys", adjust="bonferroni")
    assert (other["conf_level"].iloc[0], other["method"].iloc[0], other["adjust_method"].iloc[0]) == (
        0.9, "jeffreys", "bonferroni")


def test_an_unknown_group_names_the_values_present(cycle):
    with pytest.raises(InputError, match="Thanet"):
        kentaudit.compare_groups(cycle, by="district", group="Thanett")
    with pytest.raises(InputError, match="AUD07"):
        kentaudit.compare_grades_by(cycle, by="auditor", group="AUD99")


def test_unknown_column_criterion_or_method_is_refused(cycle):
    with pytest.raises(InputError, match="distrct"):
        kentaudit.compare_groups(cycle, by="distrct", group="Thanet")
    with pytest.raises(InputError, match="unknown criterion 'sen'"):
        kentaudit.compare_groups(cycle, by="district", group="Thanet", criteria=["sen"])
    with pytest.raises(MethodError):
        kentaudit.compare_groups(cycle, by="district", group="Thanet", adjust="holmes")


def test_by_default_a_comparison_reads_the_samples_the_notebooks_read(cycle, districts_2009):
    """README's example: Thanet against the rest reads the random sample (as the districts
    notebook's compliance_by_district), says so in a samples column and in its caption;
    samples="main" pools the initial cases as before, and says that instead."""
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", criteria=["seen"])
    cbd = districts_2009.tables["compliance_by_district"]  # kentaudit.analysis.districts(cycle)
    want = cbd[(cbd["criterion"] == "seen") & (cbd["district"] == "Thanet")].iloc[0]
    assert (got["n_yes_a"].iloc[0], got["n_denominator_a"].iloc[0]) == (want["n_yes"], want["n_denominator"])
    assert set(got["samples"]) == {"extended"}
    assert "samples read: extended" in got.caption
    assert "samples read: extended" in got.style().caption
    pooled = kentaudit.compare_groups(cycle, by="district", group="Thanet", criteria=["seen"], samples="main")
    assert set(pooled["samples"]) == {"initial + extended"}
    assert pooled["n_denominator_a"].iloc[0] > got["n_denominator_a"].iloc[0]
    grades = kentaudit.compare_grades_by(cycle, by="district", group="Thanet")
    assert set(grades["samples"]) == {"extended"} and "samples read: extended" in grades.caption


def test_a_data_frame_without_parameters_follows_the_same_rule(cycle):
    got = kentaudit.compare_groups(cycle.audits, by="district", group="Thanet", criteria=["seen"])
    assert set(got["samples"]) == {"extended"}
    annual = cycle.audits[cycle.audits["sample"] == "initial"]  # no random sample: every main sample
    got = kentaudit.compare_groups(annual, by="district", group="Thanet", criteria=["seen"])
    assert set(got["samples"]) == {"initial"}


def test_a_filter_that_leaves_nothing_names_the_samples_read(cycle):
    with pytest.raises(InputError, match="samples read: extended"):
        kentaudit.compare_groups(cycle, by="district", group="Dover", where={"record_source": "electronic"})


def test_a_case_counted_twice_is_refused(cycle):
    with pytest.raises(InputError, match="counted twice"):
        kentaudit.compare_groups(cycle, by="district", group="Thanet", samples="all")


# ----------------------------------------------------------------------------- the reading form

def test_the_display_form_reads_like_gtsummary(cycle):
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", reference="Swale", criteria=["seen"])
    shown = got.display()
    r = got.iloc[0]
    assert list(shown.columns) == ["Criterion", "Thanet, n / N (%)", "Swale, n / N (%)",
                                   "Difference, percentage points (95% CI)", "Test", "p-value",
                                   "Adjusted p-value (Holm)"]
    row = shown.iloc[0]
    assert row["Criterion"] == "Child seen during the assessment or visit period"
    assert row["Thanet, n / N (%)"] == (f"{r.n_yes_a} / {r.n_denominator_a} "
                                        f"({100 * r.n_yes_a / r.n_denominator_a:.1f}%)")
    assert row["Difference, percentage points (95% CI)"] == (
        f"{100 * r.difference:.1f} ({100 * r.conf_low:.1f} to {100 * r.conf_high:.1f})")
    html = got.style()._repr_html_()
    assert "Thanet against Swale" in html and "Wilson" in html and "Newcombe" in html
    assert "<th scope=\"col\"" in html


def test_a_criterion_with_no_answers_shows_not_testable_and_no_p(cycle):
    got = kentaudit.compare_groups(cycle, by="district", group="Thanet", where={"age_band": "under_1"},
                                   criteria=["seen_alone"])
    assert got["test"].iloc[0] == "not testable" and np.isnan(got["p_value"].iloc[0])
    assert got.display()["p-value"].iloc[0] == "\u2013"
