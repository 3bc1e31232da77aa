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
