"""The methods' design sentence says a sample chosen on purpose is "a stratum taken in full" only
when the authority-wide estimate includes it (a random sample drawn to extend it, the profile's
``extends:``); otherwise it names the samples the estimate reads and says the purposive sample
stands only for itself (``kentaudit.analysis.compliance.design_samples`` decides which)."""
from __future__ import annotations

import dataclasses

import pytest

from kentaudit.analysis.compliance import design_samples
from kentaudit.inputs.profile import Sample, bundled_profile
from kentaudit.publication.appendix import design_sentence

KENT = bundled_profile()
#: a fourth authority's programme: a random monthly sample and an independent themed sample
#: chosen on purpose (no ``extends:`` between them)
MONTHLY = dataclasses.replace(KENT, samples=(
    Sample("monthly", "random", label="Monthly random audit", phrase="the monthly random audit sample"),
    Sample("themed", "purposive", label="Themed audit", phrase="the themed dip-sample")))


def _in_estimate(profile, present):
    rand, certainty = design_samples(present, profile.random_samples, profile.extension)
    return certainty + rand


def test_a_sample_chosen_on_purpose_in_the_estimate_is_a_stratum_taken_in_full():
    inside = _in_estimate(KENT, ["initial", "extended"])
    assert inside == ["initial", "extended"]
    said = design_sentence(inside, ["initial", "extended"], KENT)
    assert "(the high-risk initial cases) are a stratum taken in full" in said
    assert "not in it" not in said


def test_an_independent_purposive_sample_is_not_called_a_stratum_and_stands_for_itself():
    main = ["monthly", "themed"]
    inside = _in_estimate(MONTHLY, main)
    assert inside == ["monthly"]  # the estimate no longer reads the themed sample
    said = design_sentence(inside, main, MONTHLY)
    assert "stratum" not in said
    assert "the estimate reads the monthly random audit sample only" in said
    assert "(the themed dip-sample) are not in it and stand only for themselves" in said


def test_a_cycle_of_random_samples_alone_says_nothing_of_samples_chosen_on_purpose():
    assert design_sentence(["annual"], ["annual"], KENT) == ""
    assert design_sentence(["monthly"], ["monthly"], MONTHLY) == ""


def _methods_text(cycle_dir) -> str:
    import html
    import re

    raw = (cycle_dir / "publish" / "appendix.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@pytest.mark.slow
def test_the_published_methods_say_stratum_only_where_the_estimate_reads_the_purposive_sample(cycle_2009,
                                                                                             cycle_2013):
    # 2009: the extended sample was drawn to extend the initial cases, which are in the estimate
    assert ("the cases chosen on purpose (the high-risk initial cases) are a stratum taken in full"
            in _methods_text(cycle_2009["cycle_dir"]))
    # 2013: the annual sample alone; the profile's initial sample was not audited: nothing said of it
    text = _methods_text(cycle_2013["cycle_dir"])
    assert "with a finite population correction), with the logit interval" in text
    assert "stratum" not in text
