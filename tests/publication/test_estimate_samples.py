"""Table 15 (the design-based estimate) counts the samples the estimate read: an authority's themed
audit chosen on purpose that no random sample extends is not in the estimate (a programme of its
own), so its answers are not among Table 15's counts and the table is not tied to Table 4's
main-sample counts (issue 22, the Marrowdale walk: "T15 row 0 n_denominator = 226 counts the same
records as ('T4', 0, 'n_denominator') = 256"). Kent's estimate, over all its main samples, keeps
``@main`` and the link."""
import pandas as pd

from kentaudit.publication.spec import build_tables, load_spec


def _spec():
    return {"tables": [e for e in load_spec()["tables"] if e["id"] == "T15"]}


def _estimate(samples: str):
    return pd.DataFrame({"criterion_label": ["Chronology up to date"], "criterion": ["chronology"],
                         "sample": [samples], "n_denominator": [226], "estimate": [0.7], "conf_low": [0.6],
                         "conf_high": [0.8], "method": ["logit"]})


def _t15(samples: str, main, cycle_samples=None):
    tables, skipped = build_tables(_spec(), ".", cycle="2026", samples=list(cycle_samples or main),
                                   has_previous=False,
                                   frames={"authority_estimate": _estimate(samples)}, main_samples=main)
    assert skipped == []
    return tables[0]


def test_an_estimate_of_the_random_sample_alone_counts_that_sample_and_is_not_linked_to_table_4():
    t = _t15("monthly_random_audit", ("monthly_random_audit", "themed_audit"))
    assert t.defines["fixed"] == {"sample": ["monthly_random_audit"]}
    assert [lk.table for lk in t.links] == []


def test_an_estimate_over_every_main_sample_keeps_main_and_the_link_to_table_4():
    t = _t15("initial + extended", ("initial", "extended"))
    assert t.defines["fixed"] == {"sample": "@main"}
    assert [lk.table for lk in t.links] == ["T4"]


def test_kents_2009_estimate_keeps_main_although_the_profiles_main_samples_include_annual():
    # the profile's main samples are initial, extended and annual; the 2009 cycle has no annual sample
    t = _t15("initial + extended", ("initial", "extended", "annual"), ("initial", "extended", "reaudit"))
    assert t.defines["fixed"] == {"sample": "@main"} and [lk.table for lk in t.links] == ["T4"]
