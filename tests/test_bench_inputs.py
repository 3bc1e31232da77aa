"""``make bench`` prepares its cycle from the default parameter files, wherever it copies them.

The cycle benchmark runs a copy of a parameter file from ``benchmarks/.work/``; its inputs
must still be the files the original names (relative paths are relative to the original
file's folder), or the benchmark stops before it measures anything.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kentaudit.inputs.params import load_params

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_cycle  # noqa: E402 - benchmarks/ is not a package


@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_the_benchmarks_copy_of_a_parameter_file_reads_the_same_inputs(cycle, tmp_path, monkeypatch):
    monkeypatch.setattr(bench_cycle, "WORK", tmp_path / "work")
    original = load_params(ROOT / "params" / f"cycle-{cycle}.yaml")
    copy = load_params(bench_cycle.prepare(ROOT / "params" / f"cycle-{cycle}.yaml", ROOT / "notebooks"))
    assert list(copy.inputs.audits) == list(original.inputs.audits)
    assert list(copy.inputs.previous_audits) == list(original.inputs.previous_audits)
    assert all(Path(p).is_file() for p in [*copy.inputs.audits, *copy.inputs.previous_audits])
    assert copy.output_dir == (tmp_path / "work" / "outputs")
