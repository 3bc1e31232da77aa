"""The data-quality notebook counts accepted records that need attention (issue 12, item 3):
re-audits with no initial audit of the same case are kept, warned about and counted, not
dropped; files holding audits of more than one cycle are counted too."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kentaudit.analysis import data_quality, load_cycle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cd():
    return load_cycle(ROOT / "params" / "cycle-2009.yaml")


def _counts(cd):
    t = data_quality(cd).tables["data_quality_counts"]
    return dict(zip(t["rule"], t["n_records"]))


def test_clean_synthetic_cycle_counts_zero(cd):
    assert _counts(cd) == {"unpaired_reaudit": 0, "mixed_cycles": 0}


def test_unpaired_reaudits_and_mixed_cycle_files_are_counted(cd):
    ig = dataclasses.replace(cd.ingest, quality={"unpaired_reaudits": 2,
                                                 "cycles_by_file": {"a.csv": {"2009": 3, "2010": 1}}})
    assert _counts(dataclasses.replace(cd, ingest=ig)) == {"unpaired_reaudit": 2, "mixed_cycles": 1}


def _measure(cd, rule):
    t = data_quality(cd).tables["data_quality_counts"]
    return dict(zip(t["rule"], t["measure"]))[rule]


def test_the_unpaired_re_audits_are_named_by_the_sample_the_profile_says_they_repeat(cd):
    # Kent's re-audit repeats its "initial" sample: its words stay
    assert _measure(cd, "unpaired_reaudit") == "re-audits with no initial audit of the same case (kept, not paired)"
    prof = cd.params.profile
    samples = tuple(dataclasses.replace(s, repeats="first_visit") if s.repeats else s for s in prof.samples)
    other = dataclasses.replace(cd, params=dataclasses.replace(cd.params, profile=dataclasses.replace(
        prof, samples=samples)))
    measure = _measure(other, "unpaired_reaudit")
    assert measure == "re-audits with no first visit audit of the same case (kept, not paired)"
    assert "initial" not in measure
