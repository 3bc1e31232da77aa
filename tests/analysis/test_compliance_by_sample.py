"""The compliance notebook shows compliance by sample only when the cycle audited two or more
samples: with one sample the table by sample is the table by criterion row for row, and the
page says so in its place (review 26, finding 16)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kentaudit import analysis
from kentaudit.analysis.section import Note

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cd_2013():
    return analysis.load_cycle(ROOT / "params" / "cycle-2013.yaml")


def test_a_cycle_of_one_sample_has_no_table_by_sample_and_says_why(cd_2013):
    assert cd_2013.audits["sample"].nunique() == 1
    section = analysis.compliance_summary(cd_2013)
    assert "compliance_by_sample" not in section.tables
    shown = section.show("compliance_by_sample")
    assert isinstance(shown, Note)
    assert "one sample" in shown and "table by criterion above" in shown


def test_a_cycle_of_two_samples_shows_compliance_by_sample(cd_2013):
    audits = cd_2013.audits.copy()
    first = audits.index[: len(audits) // 2]
    audits["sample"] = audits["sample"].astype(object)
    audits.loc[first, "sample"] = "other"
    two = dataclasses.replace(cd_2013, audits=audits)
    section = analysis.compliance_summary(two)
    assert set(section.tables["compliance_by_sample"]["sample"]) == {"other", *cd_2013.audits["sample"].unique()}
