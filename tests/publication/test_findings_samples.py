"""A finding names exactly the samples its numbers come from, by the table's own sample
definition (its ``defines``), never one sample for a count pooled over several.

Seen on a fourth outside authority (review 26): a random monthly sample and an independent
themed sample chosen on purpose (no ``extends:`` between them). The design-based estimate
(Table 15) reads the monthly sample only, while Table 4 counts every main sample; the headline
said "In the monthly random audit sample, 70.3% ... in 180 of the 256 files answered", 256
being Table 4's count pooled over both samples.
"""
from __future__ import annotations

import pandas as pd

from kentaudit.inputs.profile import Sample
from kentaudit.publication.appendix import load_spec
from kentaudit.publication.findings import main_findings
from kentaudit.publication.spec import build_tables

CRITERIA = {"a": "Criterion A", "b": "Criterion B"}
#: two independent main samples: the estimate reads only the random one
SAMPLES = (Sample("monthly", "random", label="Monthly random audit", phrase="the monthly random audit sample"),
           Sample("themed", "purposive", label="Themed audit", phrase="the themed dip-sample"))


def _by_criterion(n_yes, n_den) -> pd.DataFrame:
    return pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["Criterion A", "Criterion B"],
                         "n_audits": n_den, "n_yes": n_yes, "n_no": [d - y for y, d in zip(n_yes, n_den)],
                         "n_denominator": n_den, "n_not_applicable": [0, 0], "n_missing": [0, 0],
                         "estimate": [y / d for y, d in zip(n_yes, n_den)], "conf_low": [0.6, 0.4],
                         "conf_high": [0.8, 0.6], "method": "wilson"})


def _tables(main):
    frames = {"sample_summary": pd.DataFrame({"sample": [*main, "Total"],
                                              "n_audits": [*([256 // len(main)] * len(main)), 256]}),
              "compliance_by_criterion": _by_criterion([180, 128], [256, 256]),
              "authority_estimate": pd.DataFrame({
                  "criterion": ["a", "b"], "criterion_label": ["Criterion A", "Criterion B"],
                  "sample": "monthly", "n_denominator": [200, 200], "estimate": [0.69, 0.51],
                  "conf_low": [0.62, 0.44], "conf_high": [0.75, 0.58], "method": "logit"})}
    tables, _ = build_tables(load_spec(), ".", cycle="", samples=list(main), has_previous=False,
                             criterion_words=CRITERIA, frames=frames)
    return tables


def test_a_count_pooled_over_two_independent_samples_is_never_labelled_with_one_of_them():
    found = main_findings(_tables(["monthly", "themed"]), headline="a", samples=SAMPLES)
    head = [f for f in found if f.topic == "headline"]
    # the headline is the design-based estimate of the monthly sample, said so
    assert "each file of the monthly random audit sample" in head[0].text
    for f in head:
        if any(b.table == "T4" for b in f.bindings):  # a Table 4 number names both samples, or is not said
            assert "themed dip-sample" in f.text and "monthly random audit sample" in f.text, f.text
        assert not f.text.startswith("In the monthly random audit sample"), f.text
    assert "180 of the 256" not in " ".join(f.text for f in found)


def test_table_4_of_one_main_sample_is_labelled_with_that_sample():
    found = main_findings(_tables(["monthly"]), headline="a", samples=SAMPLES)
    said = [f.text for f in found if f.topic == "headline" and any(b.table == "T4" for b in f.bindings)]
    assert said and said[0].startswith("In the monthly random audit sample, 70.3% met the headline criterion")
    assert "in 180 of the 256 files answered" in said[0]
