"""A notebook whose inputs a cycle does not have is not run, and says why in the profile's words
(kentaudit.run.completeness.notebook_skip_reason; the run's record of it is tested on a whole
run in tests/run/test_own_scale_cycle.py)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kentaudit.inputs.params import load_params
from kentaudit.inputs.profile import Sample
from kentaudit.run.completeness import notebook_skip_reason

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kent_2009():
    return load_params(ROOT / "params" / "cycle-2009.yaml")


def test_the_comparison_of_samples_runs_where_the_cycle_has_them(kent_2009):
    assert notebook_skip_reason("initial_vs_extended", kent_2009) is None


def test_a_re_audit_with_the_sample_it_repeats_is_enough(kent_2009):
    p = replace(kent_2009, samples=("initial", "reaudit"))
    assert notebook_skip_reason("initial_vs_extended", p) is None


def test_a_cycle_with_neither_skips_it_naming_its_own_samples(kent_2009):
    p = replace(kent_2009, samples=("annual",))
    why = notebook_skip_reason("initial_vs_extended", p)
    assert why is not None and "does not have both" in why and "Annual audit" in why  # the profile's label


def _two_programmes(params, extends=None):
    """A random monthly audit and a themed dip-sample chosen on purpose: two programmes, unless
    the profile declares the random one drawn to extend the other."""
    samples = (Sample("monthly", "random", label="Random monthly audit", extends=extends),
               Sample("themed", "purposive", label="Themed dip-sample"))
    return replace(params, samples=("monthly", "themed"),
                   profile=replace(params.profile, samples=samples,
                                   words=replace(params.profile.words, authority="Aldmere")))


def test_a_sample_chosen_on_purpose_beside_a_random_one_is_not_an_extension_unless_declared(kent_2009):
    why = notebook_skip_reason("initial_vs_extended", _two_programmes(kent_2009))
    assert why is not None
    assert "no sample of Aldmere extends another (profile: samples.monthly.extends)" in why, why


def test_a_declared_extension_runs_the_comparison(kent_2009):
    assert notebook_skip_reason("initial_vs_extended", _two_programmes(kent_2009, extends="themed")) is None


def test_every_other_notebook_applies_to_every_cycle(kent_2009):
    p = replace(kent_2009, samples=("annual",))
    for nb in ("data_quality", "compliance", "districts", "district_profile", "trends", "actions"):
        assert notebook_skip_reason(nb, p) is None
