"""The appendix's note on grades comes from the cycle's scale, of any length and direction."""
from kentaudit.report.tables import grade_scale_note


def test_kents_four_point_scale_reads_as_it_always_did():
    labels = {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}
    assert grade_scale_note(labels) == ("Grades run from 1 (the best, Outstanding) to 4 (Inadequate) "
                                        "on the grade scale of the cycle.")


def test_a_three_point_scale_names_its_own_ends():
    labels = {1: "Good", 2: "Requires improvement", 3: "Inadequate"}
    assert grade_scale_note(labels) == ("Grades run from 1 (the best, Good) to 3 (Inadequate) on the "
                                        "grade scale of the cycle.")


def test_a_scale_whose_highest_grade_is_best_says_so():
    labels = {1: "Inadequate", 2: "Fair", 3: "Good", 4: "Very good", 5: "Excellent", 6: "Exemplary"}
    assert grade_scale_note(labels, best="highest") == (
        "Grades run from 1 (Inadequate) to 6 (the best, Exemplary) on the grade scale of the cycle.")
