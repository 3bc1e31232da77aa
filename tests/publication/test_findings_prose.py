"""The findings read as a committee member reads them (issue 23, the review of the 2009 and 2013
appendices).

* The headline states the design of the estimate as it is for the cycle's samples: a sample
  chosen on purpose is named only where one is in the estimate; who the files stand for is the
  profile's population, else "the children in scope".
* Every estimate stated carries its own interval, bound to the cells of the same row of the
  same table (:func:`kentaudit.publication.findings.bounds_of`), or the sentence says why none is
  shown.
* A table is named as a reader sees it ("Table 15"), never by its code ("T15").
* An action is named by what it aimed at (criterion and unit), its register code in brackets.

Small frames here; the same rules on the files the runner writes are in
``test_findings_prose_cycles.py``.
"""
from __future__ import annotations

import pandas as pd
from prose import TABLE_CODE, check_intervals_in_text, purposive_words

from kentaudit.inputs.profile import Sample, Words
from kentaudit.publication.appendix import load_spec
from kentaudit.publication.findings import (NO_INTERVAL, bounds_of, design_words, main_findings,
                                            profile_findings)
from kentaudit.publication.spec import build_tables

CRITERIA = {"a": "Criterion A", "b": "Criterion B", "c": "Criterion C"}
SAMPLES = (Sample("initial", "purposive", phrase="the high-risk initial cases"),
           Sample("extended", "random", phrase="the additional random sample"),
           Sample("annual", "random", phrase="the annual sample"))


def _tables(frames: dict, words: Words | None = None):
    tables, _ = build_tables(load_spec(words=words), ".", cycle="", samples=[s.name for s in SAMPLES],
                             has_previous=True, criterion_words=CRITERIA, frames=frames, words=words)
    return tables


def _authority_estimate(sample: str) -> pd.DataFrame:
    return pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["Criterion A", "Criterion B"],
                         "sample": sample, "n_denominator": [468, 385], "estimate": [0.767, 0.505],
                         "conf_low": [0.733, 0.461], "conf_high": [0.799, 0.548], "method": "logit"})


def _trend() -> dict:
    rows, tests = [], []
    for crit, z in (("a", 6.0), ("b", 4.0)):
        for k, cyc in enumerate(("2010", "2011", "2012", "2013")):
            p = 0.5 + 0.05 * k
            rows.append({"criterion": crit, "criterion_label": CRITERIA[crit], "cycle": cyc,
                         "n_yes": round(300 * p), "n_denominator": 300, "estimate": round(300 * p) / 300,
                         "conf_low": p - 0.05, "conf_high": p + 0.05})
        tests.append({"criterion": crit, "cycle": "2013", "z": z, "p_value": 1e-6, "p_adjusted": 1e-6,
                      "test": "Cochran-Armitage trend test"})
    return {"trend": pd.DataFrame(rows), "trend_tests": pd.DataFrame(tests)}


def _texts(found, topic=None) -> list:
    return [f.text for f in found if topic is None or f.topic == topic]


# ------------------------------------------------------------------ the design, as it is
def test_a_cycle_of_random_samples_only_has_no_purposive_wording():
    text = design_words(["annual"], SAMPLES, "district", "the children in scope")
    assert not purposive_words(text), text
    assert "the annual sample" in text or "the random sample" in text
    assert "finite population correction" in text


def test_a_sample_chosen_on_purpose_in_the_estimate_is_said_to_stand_only_for_itself():
    text = design_words(["initial", "extended"], SAMPLES, "district", "the children in scope")
    assert "the sample chosen on purpose (the high-risk initial cases) stands only for itself" in text
    assert "the additional random sample" in text


def test_the_headline_of_an_annual_cycle_says_its_design_without_purposive_wording():
    found = main_findings(_tables({"authority_estimate": _authority_estimate("annual")}), headline="a",
                          samples=SAMPLES)
    head = _texts(found, "headline")[0]
    assert "design-based estimate" in head and not purposive_words(head), head


def test_who_the_files_stand_for_is_the_profiles_population():
    w = Words(authority="Testshire", unit="team", units="teams", population="families with a plan")
    found = main_findings(_tables({"authority_estimate": _authority_estimate("annual")}, w), headline="a",
                          samples=SAMPLES, words={"authority": w})
    head = _texts(found, "headline")[0]
    assert "by the number of families with a plan in its team" in head, head
    assert "children" not in head


def test_without_a_population_in_the_profile_the_files_stand_for_the_children_in_scope():
    w = Words(authority="Testshire", unit="team", units="teams")  # no population: the default
    found = main_findings(_tables({"authority_estimate": _authority_estimate("annual")}, w), headline="a",
                          samples=SAMPLES, words={"authority": w})
    assert "by the number of children in scope in its team" in _texts(found, "headline")[0]


# ------------------------------------------------------------------ intervals
def test_bounds_belong_to_one_estimate_as_intervals_csv_says():
    comparison = ["estimate_previous", "estimate", "difference", "conf_low", "conf_high"]  # Table 10
    assert bounds_of(comparison, "difference") == ("conf_low", "conf_high")
    assert bounds_of(comparison, "estimate") is None  # never the difference's interval
    by_unit = ["estimate", "conf_low", "conf_high"]  # Table 7
    assert bounds_of(by_unit, "estimate") == ("conf_low", "conf_high")
    actions = ["estimate", "conf_low", "conf_high", "change_since_baseline", "change_conf_low", "change_conf_high",
               "difference", "difference_conf_low", "difference_conf_high"]  # Table 16
    assert bounds_of(actions, "estimate") == ("conf_low", "conf_high")
    assert bounds_of(actions, "change_since_baseline") == ("change_conf_low", "change_conf_high")
    assert bounds_of(actions, "difference") == ("difference_conf_low", "difference_conf_high")
    assert bounds_of(["estimate_initial", "difference", "conf_low", "conf_high"], "estimate_initial") is None


def test_each_percentage_of_a_trend_carries_its_own_interval_from_its_row():
    found = main_findings(_tables(_trend()), headline="a", samples=SAMPLES)
    strongest = [f for f in found if f.topic == "trend"][1]
    check_intervals_in_text(strongest.text)
    cells = [b for b in strongest.bindings if b.kind == "cell"]
    for k, b in enumerate(cells):
        if b.column == "estimate":  # followed by the bounds of the same row
            assert [(c.column, c.row) for c in cells[k + 1:k + 3]] == [("conf_low", b.row), ("conf_high", b.row)]
    assert "from 50.0% (95% confidence interval 45.0% to 55.0%) in 2010 to 65.0%" in strongest.text


def test_a_suppressed_interval_is_replaced_by_the_reason():
    tables = _tables(_trend())
    t11 = next(t for t in tables if t.id == "T11")
    data = t11.data.copy()
    data["conf_low"] = data["conf_low"].astype(object)
    data.loc[data["cycle"] == "2010", "conf_low"] = "[c]"
    t11.data = data
    strongest = [f for f in main_findings(tables, headline="a", samples=SAMPLES) if f.topic == "trend"][1]
    assert f"({NO_INTERVAL['[c]']}) in 2010" in strongest.text
    check_intervals_in_text(strongest.text)


def test_the_check_fails_on_a_percentage_without_interval_or_reason():
    import pytest
    with pytest.raises(AssertionError, match="without its interval"):
        check_intervals_in_text("Chronology rose from 45.4% in 2010 to 77.2% (95% confidence interval 72.0% "
                                "to 81.6%) in 2013.")
    with pytest.raises(AssertionError, match="without its interval"):
        check_intervals_in_text("Swale lower on \u2018X\u2019 (30.4%, adjusted p < 0.001).")
    check_intervals_in_text("Over all 20 criteria, 7 of the 240 results lie outside the 99.8% limits.")


def test_a_units_difference_on_its_profile_page_carries_its_interval():
    df = pd.DataFrame({"criterion": ["a"], "criterion_label": ["Criterion A"], "district": ["Northam"],
                       "difference": [-0.204], "difference_conf_low": [-0.351], "difference_conf_high": [-0.052],
                       "p_adjusted": [0.004], "conf_level": [0.95]})
    text = profile_findings(df, 0.05, authority="Testshire")[0].text
    assert "(-20.4 percentage points (95% confidence interval -35.1 to -5.2), adjusted p = 0.004)" in text
    check_intervals_in_text(text)


# ------------------------------------------------------------------ names, not codes
def test_tables_are_named_as_a_reader_sees_them_even_without_an_editions_numbering():
    frames = {"authority_estimate": _authority_estimate("annual"), **_trend()}
    found = main_findings(_tables(frames), headline="a", samples=SAMPLES)  # names=None: a reviewer page
    text = " ".join(_texts(found))
    assert "(Table 15)" in text
    assert not TABLE_CODE.search(text), TABLE_CODE.findall(text)


def test_the_table_code_check_finds_a_code():
    assert TABLE_CODE.search("a design-based estimate (T15).")
    assert not TABLE_CODE.search("a design-based estimate (Table 15); \u2018A2010-T1\u2019")


def test_percentages_of_one_sample_with_counts_are_counts_not_unqualified_estimates():
    t5 = pd.DataFrame({"criterion": ["a"], "criterion_label": ["Criterion A"],
                       "n_yes_initial": [92], "n_denominator_initial": [117], "estimate_initial": [92 / 117],
                       "n_yes_extended": [276], "n_denominator_extended": [351],
                       "estimate_extended": [276 / 351], "difference": [276 / 351 - 92 / 117],
                       "conf_low": [-0.08], "conf_high": [0.09], "p_value": [0.9], "p_adjusted": [0.9],
                       "test": ["n-1 chi-square"]})
    found = main_findings(_tables({"initial_vs_extended": t5,
                                   "authority_estimate": _authority_estimate("initial + extended")}),
                          headline="a", samples=SAMPLES)
    by_sample = next(f.text for f in found if f.text.startswith("Sample by sample"))
    assert "276 of 351 answered files of the additional random sample" in by_sample
    assert "92 of 117 answered files of the high-risk initial cases chosen on purpose" in by_sample
    check_intervals_in_text(by_sample)
    head = _texts(found, "headline")[0]
    assert "the sample chosen on purpose (the high-risk initial cases) stands only for itself" in head


# ------------------------------------------------------------------ one name for one sample
def test_the_only_random_sample_is_named_as_the_profile_labels_it():
    """A reader who sees "Annual audit" in Table 1 reads "the annual audit" in the findings, not
    "the random sample" (the Wexmoor walk, problem 13); with no words from the profile it is
    "the random sample"; beside another main sample, its phrase."""
    from kentaudit.inputs.profile import Sample
    from kentaudit.publication.findings import sample_phrases

    label_only = (Sample("annual", "random", label="Annual audit"),)
    assert sample_phrases(label_only, ["annual"]) == {"annual": "the annual audit"}
    assert sample_phrases((Sample("annual", "random"),), ["annual"]) == {"annual": "the random sample"}
    phrased = (Sample("annual", "random", label="Annual audit", phrase="the annual sample"),
               Sample("spring", "random", label="Spring", phrase="the spring sample"))
    assert sample_phrases(phrased, ["annual"])["annual"] == "the annual sample"
    assert sample_phrases(phrased, ["annual", "spring"]) == {"annual": "the annual sample",
                                                             "spring": "the spring sample"}


def test_the_design_sentence_reads_with_a_sample_named_by_its_label():
    """Wexmoor's "the annual audit" made "weights the files of the annual audit audited in each
    hub"; the sentence weights each file, in its unit."""
    from kentaudit.inputs.profile import Sample

    text = design_words(["annual"], (Sample("annual", "random", label="Annual audit"),), "hub",
                        "the children receiving a service")
    assert text.startswith("a design-based estimate that weights each file of the annual audit by the number "
                           "of children receiving a service in its hub, with a finite population correction")
    assert "audit audited" not in text


def test_a_sample_chosen_on_purpose_named_only_by_its_label_reads_as_a_sentence():
    # Aldmere's walk (issue 22): a label in the singular made "the themed dip-sample: neglect
    # chosen on purpose stand only for themselves"
    samples = (Sample("monthly", "random", label="Monthly audit"),
               Sample("dip", "purposive", label="Themed dip-sample: neglect"))
    text = design_words(["monthly", "dip"], samples, unit="team")
    assert text.endswith("; the sample chosen on purpose (the themed dip-sample: neglect) stands only for itself")
    two = design_words(["monthly", "dip", "dip2"], samples + (Sample("dip2", "purposive", label="Second dip"),))
    assert two.endswith("; the samples chosen on purpose (the themed dip-sample: neglect and the second dip) "
                        "stand only for themselves")
