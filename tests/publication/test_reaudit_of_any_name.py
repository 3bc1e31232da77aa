"""Table 6 (the same cases audited twice, compared in pairs) is about a design, not about the bundled
example's sample names: an authority whose re-audit sample is ``re_audit`` (``repeats:
monthly_random_audit`` in its profile) gets the table, counting its own re-audit records, with the
difference labelled against the first audit, never "initial" (issue 22, the Marrowdale walk: "Table 6
not published: it is about samples the authority's audit programme does not have")."""
from types import SimpleNamespace

import pandas as pd

from kentaudit.inputs.profile import bundled_profile
from kentaudit.publication.spec import build_tables, load_spec, sample_roles

LABELS = {"monthly_random_audit": "Monthly random audit", "re_audit": "Re-audit"}


def _spec():
    return {"tables": [e for e in load_spec()["tables"] if e["id"] == "T6"]}


def _paired():
    return pd.DataFrame({"criterion": ["chronology"], "criterion_label": ["Chronology up to date"], "n_pairs": [20],
                         "n_yes_yes": [10], "n_yes_no": [3], "n_no_yes": [5], "n_no_no": [2], "difference": [0.1],
                         "conf_low": [-0.1], "conf_high": [0.3], "p_value": [0.7], "p_adjusted": [0.7],
                         "test": ["McNemar"]})


def _profile(*samples):
    return SimpleNamespace(samples=[SimpleNamespace(name=n, repeats=r) for n, r in samples])


def test_the_re_audit_sample_of_a_profile_stands_for_the_bundled_examples_reaudit():
    prof = _profile(("monthly_random_audit", None), ("re_audit", "monthly_random_audit"))
    assert sample_roles(prof) == {"reaudit": ["re_audit"]}
    assert sample_roles(_profile(("monthly_random_audit", None))) == {}
    assert sample_roles(bundled_profile()) == {"reaudit": ["reaudit"]}  # Kent's: itself


def test_table_6_is_built_for_a_re_audit_of_another_name_counting_that_sample():
    tables, skipped = build_tables(_spec(), ".", cycle="2026", samples=list(LABELS), has_previous=False,
                                   frames={"reaudit_paired": _paired()}, sample_labels=LABELS,
                                   roles={"reaudit": ["re_audit"]})
    assert skipped == [] and [t.id for t in tables] == ["T6"]
    t = tables[0]
    assert t.defines["fixed"] == {"sample": ["re_audit"]}
    labels = {c.name: c.label for c in t.columns}
    assert labels["difference"] == "Difference (re-audit minus first audit)"
    assert "initial" not in " ".join(labels.values()).lower()


def test_without_the_roles_the_table_is_not_built_and_the_bundled_spec_is_unchanged():
    _, skipped = build_tables(_spec(), ".", cycle="2026", samples=list(LABELS), has_previous=False,
                              frames={"reaudit_paired": _paired()}, sample_labels=LABELS)
    assert [s[0] for s in skipped] == ["T6"]
    e = _spec()["tables"][0]
    assert e["applies_to"] == ["reaudit"] and e["defines"]["fixed"] == {"sample": ["reaudit"]}
    tables, _ = build_tables(_spec(), ".", cycle="2013", samples=["reaudit", "initial"], has_previous=False,
                             frames={"reaudit_paired": _paired()}, roles={"reaudit": ["reaudit"]})
    assert {c.name: c.label for c in tables[0].columns}["difference"] == "Difference (re-audit minus initial)"
