"""The cycle loaded once per run: ``kentaudit run`` writes the loaded cycle into its private
run folder and every kernel's ``load_cycle`` reads it instead of ingesting the exports again
(kentaudit.analysis.cycle.write_snapshot); a snapshot that no longer matches the inputs is
never used."""
from __future__ import annotations

import os
import stat

import pandas as pd
import pytest
from cache_cycle import audits, make_cycle, write_audits

from kentaudit.analysis.cycle import SNAPSHOT_ENV, load_cycle, write_snapshot


@pytest.fixture
def cycle(tmp_path):
    return make_cycle(tmp_path / "repo")


def test_load_cycle_reads_the_snapshot_made_for_the_same_inputs(cycle, tmp_path, monkeypatch):
    cd = load_cycle(cycle)
    marked = cd.audits.iloc[:7]  # so that the test sees which one load_cycle returned
    cd.audits = marked
    snap = tmp_path / "cycle.pickle"
    write_snapshot(cd, snap)
    assert stat.S_IMODE(os.stat(snap).st_mode) == 0o600
    monkeypatch.setenv(SNAPSHOT_ENV, str(snap))
    assert len(load_cycle(cycle).audits) == 7


def test_a_snapshot_of_other_inputs_is_ignored(cycle, tmp_path, monkeypatch):
    cd = load_cycle(cycle)
    cd.audits = cd.audits.iloc[:7]
    snap = tmp_path / "cycle.pickle"
    write_snapshot(cd, snap)
    a = audits()
    write_audits(cycle.parent.parent, a.iloc[:-1])  # one audit fewer: the inputs changed since
    monkeypatch.setenv(SNAPSHOT_ENV, str(snap))
    fresh = load_cycle(cycle)
    monkeypatch.delenv(SNAPSHOT_ENV)
    pd.testing.assert_frame_equal(fresh.audits, load_cycle(cycle).audits)


@pytest.mark.parametrize("content", [b"", b"not a pickle", None])
def test_a_missing_or_damaged_snapshot_is_ignored(cycle, tmp_path, monkeypatch, content):
    snap = tmp_path / "cycle.pickle"
    if content is not None:
        snap.write_bytes(content)
    monkeypatch.setenv(SNAPSHOT_ENV, str(snap))
    got = load_cycle(cycle)
    monkeypatch.delenv(SNAPSHOT_ENV)
    pd.testing.assert_frame_equal(got.audits, load_cycle(cycle).audits)


def test_a_snapshot_is_a_new_file(cycle, tmp_path):
    snap = tmp_path / "cycle.pickle"
    snap.write_bytes(b"x")
    with pytest.raises(FileExistsError):
        write_snapshot(load_cycle(cycle), snap)
