"""Which main samples the authority-wide (design-based) estimate reads: a sample chosen on purpose is a
certainty stratum only where the profile says a random sample was drawn to extend it (``extends:``);
a themed audit beside a random monthly one is a programme of its own and stays out of the estimate
(issue 22: Marrowdale's reviewer page called its "Themed audit - exploitation" "a certainty stratum
taken in full in each pod ... covers every child in the frame")."""
from kentaudit.analysis.compliance import design_samples


def test_kent_2009_initial_is_the_certainty_stratum_its_extended_sample_extends():
    assert design_samples(["initial", "extended"], ("extended", "annual"), ("initial", "extended")) == \
        (["extended"], ["initial"])


def test_a_purposive_sample_no_random_sample_extends_is_not_in_the_estimate():
    assert design_samples(["monthly_random_audit", "themed_audit"], ("monthly_random_audit",), None) == \
        (["monthly_random_audit"], [])


def test_only_the_extended_sample_is_a_certainty_stratum_beside_another_purposive_one():
    assert design_samples(["initial", "extended", "themed"], ("extended",), ("initial", "extended")) == \
        (["extended"], ["initial"])


def test_no_random_sample_no_estimate_samples():
    assert design_samples(["themed"], (), None) == ([], [])
