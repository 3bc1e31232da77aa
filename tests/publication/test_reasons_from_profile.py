"""Why a table is not in an edition, in the words of the cycle's own profile (issue 22): never
another authority's design ("no additional cases (extended sample)", "a one-off review", "no
annual audit") for a council whose programme has none of those samples; and the design-based
estimate (Table 15) is decided by the design, not by Kent's sample names.
"""
from __future__ import annotations

import pandas as pd

from kentaudit.inputs.profile import Words
from kentaudit.publication.spec import NO_RANDOM_SAMPLE, NO_REPEATED_SAMPLE, applies, build_tables, load_spec

LABELS = {"monthly_random": "Monthly random", "thematic_neglect": "Thematic - neglect"}
KENT_WORDS = ("extended", "additional cases", "one-off", "annual", "initial", "re-audit")


def _entry(spec, id_):
    return next(e for e in spec["tables"] if e["id"] == id_)


def test_a_table_about_samples_the_profile_lacks_is_explained_with_the_profiles_samples():
    spec = load_spec()
    for id_ in ("T5", "T6"):
        why = applies(_entry(spec, id_), list(LABELS), False, LABELS)
        assert why is not None and "Monthly random, Thematic - neglect" in why, why
        assert not any(w in why.lower() for w in KENT_WORDS), why


def test_a_sample_the_profile_has_but_the_cycle_lacks_is_named_by_its_label():
    labels = {"initial": "First audit", "extended": "Added cases", "annual": "Yearly"}
    why = applies(_entry(load_spec(), "T5"), ["annual"], False, labels)
    assert why == "this cycle has no added cases"  # the label inside a sentence


def test_no_earlier_cycles_is_said_without_calling_the_review_one_off():
    why = applies(_entry(load_spec(), "T10"), list(LABELS), False, LABELS)
    assert why == "there is no earlier cycle to compare this one with" and "one-off" not in why


def test_the_bundled_cycles_keep_their_reasons_without_labels():
    assert applies(_entry(load_spec(), "T5"), ["annual"], False) == \
        "this review has no additional cases (extended sample)"


def test_the_design_based_estimate_applies_to_any_cycle_and_is_published_for_a_random_sample(tmp_path):
    spec = load_spec()
    assert applies(_entry(spec, "T15"), list(LABELS), False, LABELS) is None
    assert applies(_entry(spec, "T15"), ["annual"], False) is None


def test_without_a_random_sample_the_estimate_is_not_produced_for_a_reason_in_the_authoritys_words(tmp_path):
    (tmp_path / "results").mkdir()
    spec = {"tables": [_entry(load_spec(), "T15")]}
    words = Words(authority="Calderbrook", unit="team", units="teams")
    tables, skipped = build_tables(spec, tmp_path, cycle="2026-27", samples=["thematic_neglect"],
                                   has_previous=False, words=words, sample_labels=LABELS)
    assert tables == [] and skipped[0][0] == "T15"
    assert skipped[0][2] == NO_RANDOM_SAMPLE.replace("{unit}", "team")
    assert not any(w in skipped[0][2] for w in KENT_WORDS)


def test_a_row_repeated_in_every_published_column_is_published_once(tmp_path):
    spec = {"tables": [{"id": "T1", "title": "Audits by sample", "source": "s",
                        "columns": [{"name": "sample", "label": "Sample", "kind": "label"},
                                    {"name": "n_audits", "label": "Audits", "kind": "count", "unit": "count"}]}]}
    frame = pd.DataFrame({"sample": ["a", "Total", "Total"], "n_audits": [7, 7, 7]})
    tables, _ = build_tables(spec, tmp_path, cycle="2026", samples=["a"], has_previous=False,
                             frames={"s": frame})
    assert tables[0].data["sample"].tolist() == ["a", "Total"]


def test_every_table_a_profile_lacks_is_listed_with_a_title_naming_none_of_kents_samples(tmp_path):
    """A "not produced" line reads "Table N (title): reason": a title naming the bundled example's
    samples is replaced by the entry's general title, and Table 5 of a profile that declares no
    extension says so, naming the profile key (Profile.no_extension_reason)."""
    (tmp_path / "results").mkdir()
    spec = load_spec()
    spec = {**spec, "tables": [_entry(spec, i) for i in ("T5", "T6", "T14")]}
    why = "no sample of Calderbrook extends another (profile: samples.monthly_random.extends)"
    _, skipped = build_tables(spec, tmp_path, cycle="2026-27", samples=list(LABELS), has_previous=False,
                              words=Words(authority="Calderbrook", unit="team", units="teams"),
                              sample_labels=LABELS, extension_reason=why)
    titles = {i: t for i, t, _ in skipped}
    assert all(titles.values()), skipped
    assert not any(w in t.lower() for t in titles.values() for w in KENT_WORDS), titles
    assert {i: r for i, _, r in skipped}["T5"] == why


def test_the_control_chart_error_rates_are_decided_by_the_design_never_by_kents_sample_name(tmp_path):
    """Table 14 rates the rules of a control chart, which a programme reads: a random sample audited
    in this cycle and earlier ones, whatever the profile calls it (Kent's "annual", another's
    "monthly_random"). Published where the notebook saved it, else the reason in general words."""
    spec = {"tables": [_entry(load_spec(), "T14")]}
    assert applies(spec["tables"][0], list(LABELS), True, LABELS) is None
    words = Words(authority="Calderbrook", unit="team", units="teams")
    (tmp_path / "results").mkdir()
    _, skipped = build_tables(spec, tmp_path, cycle="2026-27", samples=list(LABELS), has_previous=False,
                              words=words, sample_labels=LABELS)
    assert [(i, r) for i, _, r in skipped] == [("T14", NO_REPEATED_SAMPLE)]
    assert not any(w in NO_REPEATED_SAMPLE for w in KENT_WORDS)
    frame = pd.DataFrame({"rule_label": ["Outside limits"], "scenario_label": ["stable process (false alarm)"],
                          "n_periods": [12], "p_signal": [0.05], "mc_se": [0.01]})
    tables, skipped = build_tables(spec, tmp_path, cycle="2027-28", samples=["monthly_random"],
                                   has_previous=True, words=words, sample_labels=LABELS,
                                   frames={"spc_operating_characteristics": frame})
    assert skipped == [] and [t.id for t in tables] == ["T14"]
