"""Grade scales of any length (issue 22): a council's own three-point scale (Good /
Requires improvement / Inadequate) and a six-point one go through the ordinal methods with
their own grades and labels, and the rank-sum test, the proportional-odds model, the Wilson
intervals and the weighted kappa match R on them.

Reference values: tests/r/reference_grades_any.R -> tests/r/reference_grades_any.csv.
"""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import KentauditError
from kentaudit.inputs import reference
from kentaudit.stats.interrater import moderation_agreement
from kentaudit.stats.ordinal import (collapse_grades, collapse_rules, compare_grades,
                                     grade_distribution, scale_labels)

R = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_grades_any.csv")

THREE = {1: "Good", 2: "Requires improvement", 3: "Inadequate"}
SIX = {1: "Excellent", 2: "Very good", 3: "Good", 4: "Adequate", 5: "Weak", 6: "Inadequate"}
GRADES = {
    "three": ([1, 1, 2, 2, 2, 3, 1, 2, 2, 1, 3, 2, 2, 1, 1, 2, 3, 2, 2, 1],
              [2, 3, 3, 2, 2, 3, 1, 2, 3, 3, 2, 3, 2, 2, 3, 3, 1, 2, 3, 2, 3, 3]),
    "six": ([1, 2, 2, 3, 3, 4, 5, 2, 2, 1, 3, 2, 6, 3, 1, 2, 4, 3, 2, 4, 5, 3],
            [2, 3, 4, 5, 4, 3, 2, 3, 6, 4, 3, 5, 2, 3, 6, 3, 2, 1, 3, 4, 5, 6, 4, 3]),
}
SCALE = {"three": "test_council_3", "six": "test_council_6"}
LABELS = {"three": THREE, "six": SIX}


def ref(scale, case, name):
    return float(R.loc[(R["scale"] == scale) & (R["case"] == case) & (R["name"] == name), "value"].iloc[0])


@pytest.fixture(scope="module", autouse=True)
def council_scales(tmp_path_factory):
    """The two scales in a profile's grade-scales table, registered as a profile's are."""
    path = tmp_path_factory.mktemp("scales") / "grade_scales.csv"
    rows = [f"{SCALE[k]},2025,,{g},{lab}" for k in ("three", "six") for g, lab in LABELS[k].items()]
    path.write_text("scale,first_cycle,last_cycle,grade,label\n" + "\n".join(rows) + "\n")
    reference.register_profile(SimpleNamespace(criteria=None, grade_scales=str(path)))


def audits(grades):
    return pd.DataFrame({"overall_grade": pd.array(grades, dtype="Int64"), "cycle": "2025-26"})


@pytest.mark.parametrize("k", ["three", "six"])
def test_the_distribution_has_one_row_per_grade_of_the_scale_with_its_label(k):
    out = grade_distribution(audits(GRADES[k][0]), scale=SCALE[k])
    assert out["grade"].tolist() == list(LABELS[k])
    assert out["label"].tolist() == list(LABELS[k].values())
    for g in LABELS[k]:
        row = out[out["grade"] == g].iloc[0]
        # R: prop.test(sum(ga == g), length(ga), correct = FALSE)$conf.int
        assert row["n"] == ref(k, f"dist_a_grade{g}", "n")
        assert row["conf_low"] == pytest.approx(ref(k, f"dist_a_grade{g}", "ci_low"), rel=1e-6)
        assert row["conf_high"] == pytest.approx(ref(k, f"dist_a_grade{g}", "ci_high"), rel=1e-6)


def test_a_grade_the_scale_does_not_have_is_refused_naming_the_scales_grades():
    with pytest.raises(KentauditError, match="not one of 1, 2, 3 "):
        grade_distribution(audits([1, 2, 4]), scale=SCALE["three"])


@pytest.mark.parametrize("k", ["three", "six"])
def test_the_collapses_are_the_better_half_and_the_worst_grade_matching_r(k):
    out = collapse_grades(audits(GRADES[k][0]), scale=SCALE[k]).set_index("collapse")
    for code, case in (("good_or_better", "a_good_or_better"), ("inadequate", "a_inadequate")):
        assert out.loc[code, "n"] == ref(k, case, "n")
        assert out.loc[code, "conf_low"] == pytest.approx(ref(k, case, "ci_low"), rel=1e-6)
        assert out.loc[code, "conf_high"] == pytest.approx(ref(k, case, "ci_high"), rel=1e-6)


def test_the_collapses_are_worded_on_the_scales_own_grades_and_labels():
    assert [r[1:] for r in collapse_rules(THREE)] == [("grade 1 (good)", (1,)),
                                                       ("grade 3 (inadequate)", (3,))]
    assert [r[1:] for r in collapse_rules(SIX)] == [("grades 1 to 3 (good or better)", (1, 2, 3)),
                                                     ("grade 6 (inadequate)", (6,))]
    # Kent's four-point scale keeps its words
    four = scale_labels("ofsted_2013")
    assert [r[1] for r in collapse_rules(four)] == ["grade 1 or 2 (good or better)", "grade 4 (inadequate)"]


@pytest.mark.parametrize("k", ["three", "six"])
@pytest.mark.parametrize("correction,case", [(True, "wilcox_correct"), (False, "wilcox_nocorrect")])
def test_rank_sum_test_matches_r_wilcox_test(k, correction, case):
    # R: wilcox.test(gb, ga, correct = ..., exact = FALSE)
    row = compare_grades(*GRADES[k], correction=correction, scale=SCALE[k]).iloc[0]
    assert row["statistic"] == pytest.approx(ref(k, case, "W"), rel=1e-12)
    assert row["p_value"] == pytest.approx(ref(k, case, "p_value"), rel=1e-6)


@pytest.mark.parametrize("k", ["three", "six"])
def test_proportional_odds_matches_r_polr(k):
    # R: MASS::polr(y ~ s, method = "logistic", Hess = TRUE) on a 3- and a 6-level outcome
    row = compare_grades(*GRADES[k], scale=SCALE[k]).iloc[1]
    b, se = ref(k, "polr", "coef"), ref(k, "polr", "se")
    assert np.log(row["estimate"]) == pytest.approx(b, rel=1e-6)
    assert row["se"] == pytest.approx(se, rel=1e-5)
    assert row["conf_low"] == pytest.approx(np.exp(b - 1.959963984540054 * se), rel=1e-4)


def test_a_six_point_grade_is_accepted_on_frames_of_a_six_point_scale():
    out = compare_grades(audits(GRADES["six"][0]), audits(GRADES["six"][1]), scale=SCALE["six"])
    assert out["n_graded_a"].iloc[0] == len(GRADES["six"][0])
    with pytest.raises(KentauditError, match="not one of 1, 2, 3, 4 "):
        compare_grades(GRADES["six"][0], GRADES["six"][1])  # no scale: the bundled four grades


@pytest.mark.parametrize("k", ["three", "six"])
def test_weighted_kappa_uses_the_scales_number_of_grades_matching_r(k):
    a, b = GRADES[k]
    mod = pd.DataFrame({"overall_grade": a, "moderated_grade": b[:len(a)]})
    out = moderation_agreement(mod, grades=tuple(LABELS[k]))
    lin = out[(out["statistic"] == "Cohen's kappa") & (out["weights"] == "linear")].iloc[0]
    # R: vcd::Kappa(table, weights = "Equal-Spacing") on the k x k table
    assert lin["estimate"] == pytest.approx(ref(k, "kappa_linear", "estimate"), rel=1e-9)
    assert lin["se"] == pytest.approx(ref(k, "kappa_linear", "se"), rel=1e-6)
