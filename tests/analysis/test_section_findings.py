"""A notebook's findings (the reviewer pages' "Main findings"), from small results tables.

One behaviour each: the headline across the authority is the design-based estimate with its
method and the authority's name; a figure of one sample is labelled with it and samples drawn
differently are never pooled into a headline; the trend over the programme states its
strongest results and lists every other significant one with the reason.
"""
from __future__ import annotations

import pandas as pd

from kentaudit.analysis.section import section_findings
from kentaudit.publication.findings import MAX_NAMED

CRITERIA = {"a": "Criterion A", "b": "Criterion B", "c": "Criterion C", "d": "Criterion D", "e": "Criterion E"}


def _authority_estimate(sample: str) -> pd.DataFrame:
    return pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["Criterion A", "Criterion B"],
                         "sample": sample, "n_denominator": [468, 385], "estimate": [0.767, 0.505],
                         "conf_low": [0.733, 0.461], "conf_high": [0.799, 0.548], "method": "logit"})


def _compliance() -> pd.DataFrame:
    return pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["Criterion A", "Criterion B"],
                         "n_audits": [480, 480], "n_yes": [343, 194], "n_no": [125, 191],
                         "n_denominator": [468, 385], "n_not_applicable": [12, 95], "n_missing": [0, 0],
                         "estimate": [343 / 468, 194 / 385], "conf_low": [0.69, 0.45], "conf_high": [0.77, 0.55],
                         "method": "wilson"})


def _trend(zs: dict, ps: dict) -> dict:
    rows, tests = [], []
    for crit, z in zs.items():
        for k, cyc in enumerate(("2010", "2011", "2012", "2013")):
            p = 0.5 + 0.01 * k * (1 if z > 0 else -1) * min(abs(z), 10)
            rows.append({"criterion": crit, "criterion_label": CRITERIA[crit], "cycle": cyc, "n_yes": round(300 * p),
                         "n_denominator": 300, "estimate": round(300 * p) / 300, "conf_low": p - 0.05,
                         "conf_high": p + 0.05})
        tests.append({"criterion": crit, "cycle": "2013", "z": z, "p_value": ps[crit], "p_adjusted": ps[crit],
                      "test": "Cochran-Armitage trend test"})
    return {"trend": pd.DataFrame(rows), "trend_tests": pd.DataFrame(tests)}


def _texts(found, topic=None):
    return [f.text for f in found if topic is None or f.topic == topic]


def test_the_headline_is_the_design_based_estimate_with_its_method_and_the_authoritys_name():
    found = section_findings({"authority_estimate": _authority_estimate("annual")}, headline="a",
                             criterion_words=CRITERIA, authority="Testshire")
    head = _texts(found, "headline")[0]
    assert head.startswith("Across Testshire, an estimated 76.7% of the files")
    assert "(95% confidence interval 73.3% to 79.9%)" in head and "design-based estimate" in head


def test_without_a_name_the_headline_says_the_authority():
    found = section_findings({"authority_estimate": _authority_estimate("annual")}, headline="a",
                             criterion_words=CRITERIA)
    assert _texts(found, "headline")[0].startswith("Across the authority, an estimated 76.7%")


def test_one_random_sample_figure_is_labelled_with_its_sample():
    """Named as the profile names it (the bundled example's annual sample: "the annual sample"),
    never "the random sample" beside a table that labels it otherwise (the Wexmoor walk)."""
    found = section_findings({"authority_estimate": _authority_estimate("annual"),
                              "compliance_by_criterion": _compliance()}, headline="a", criterion_words=CRITERIA)
    assert "In the annual sample, 73.3% met the headline criterion" in " ".join(_texts(found, "headline"))


def test_samples_drawn_differently_are_never_pooled_into_a_headline():
    found = section_findings({"authority_estimate": _authority_estimate("initial + extended"),
                              "compliance_by_criterion": _compliance()}, headline="a", criterion_words=CRITERIA)
    text = " ".join(_texts(found))
    assert "73.3% met" not in text  # the pooled 343 of 468 of issue 23
    assert "343" not in text
    assert any(b.table == "T15" for f in found for b in f.bindings)
    assert not any(b.table == "T4" and b.column == "estimate" and f.topic == "headline"
                   and not f.text.startswith("Across") for f in found for b in f.bindings)


def test_the_strongest_trends_are_stated_and_the_others_listed_with_their_reason():
    zs = {"a": 7.0, "b": 5.0, "c": 3.5, "d": 3.0, "e": 0.5}
    ps = {"a": 1e-6, "b": 1e-5, "c": 0.002, "d": 0.01, "e": 0.6}
    found = section_findings(_trend(zs, ps), headline="a", criterion_words=CRITERIA)
    trend = _texts(found, "trend")
    assert "compliance rose significantly on 4 of the 5 criteria tested and fell on none" in trend[0]
    strongest = trend[1]
    assert all(f"\u2018{CRITERIA[c]}\u2019" in strongest for c in ("a", "b", "c")[:MAX_NAMED])
    assert "Criterion D" not in strongest and "Criterion E" not in strongest
    listed = _texts(found, "not_stated")
    assert len(listed) == 1 and "\u2018Criterion D\u2019" in listed[0] and "weaker than the three stated" in listed[0]
    assert "Criterion E" not in listed[0]  # not significant: neither stated nor listed


def test_no_significant_trend_is_said_in_words():
    found = section_findings(_trend({"a": 0.5, "b": -0.4}, {"a": 0.6, "b": 0.7}), headline="a",
                             criterion_words=CRITERIA)
    trend = _texts(found, "trend")
    assert len(trend) == 1 and "no criterion of the 2 rose or fell significantly" in trend[0]
    assert not _texts(found, "not_stated")


def test_without_a_design_based_estimate_the_sample_figure_names_its_sample_and_never_says_across():
    samples = pd.DataFrame({"sample": ["annual", "Total"], "n_audits": [480, 480]})
    found = section_findings({"sample_summary": samples, "compliance_by_criterion": _compliance()}, headline="a",
                             criterion_words=CRITERIA, authority="Testshire")
    text = " ".join(_texts(found, "headline"))
    assert "In the annual sample, 73.3% met the headline criterion" in text
    assert "Across" not in text


def test_without_a_design_based_estimate_samples_drawn_differently_are_not_pooled():
    samples = pd.DataFrame({"sample": ["initial", "extended", "Total"], "n_audits": [120, 360, 480]})
    found = section_findings({"sample_summary": samples, "compliance_by_criterion": _compliance()}, headline="a",
                             criterion_words=CRITERIA)
    assert "73.3% met" not in " ".join(_texts(found))


def test_a_figure_of_the_cycles_two_independent_samples_is_not_labelled_with_the_estimates_one():
    """The compliance page of a random sample beside a themed one (Fenmarsh, review 27 F3): the
    estimate reads the random sample, the compliance table counts both; given the cycle's main
    samples, the pooled figure is never said as the random sample's."""
    found = section_findings({"authority_estimate": _authority_estimate("annual"),
                              "compliance_by_criterion": _compliance()}, headline="a", criterion_words=CRITERIA,
                             main_samples=["annual", "themed"])
    assert "343" not in " ".join(_texts(found))
    one = section_findings({"authority_estimate": _authority_estimate("annual"),
                            "compliance_by_criterion": _compliance()}, headline="a", criterion_words=CRITERIA,
                           main_samples=["annual"])
    assert "In the annual sample, 73.3% met the headline criterion" in " ".join(_texts(one, "headline"))
