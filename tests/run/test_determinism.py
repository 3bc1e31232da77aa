"""Two runs of the same cycle give byte-identical results tables and appendix CSVs (issue 7).

The real parameter file ``params/cycle-2009.yaml`` and the real notebooks run twice,
each in its own scratch repository (``conftest.make_scratch_repo``: a copy of the
parameter file with ``output_dir: ../outputs`` in ``<folder>/params/`` beside links to
the repository's ``data`` and ``notebooks``), so both runs read byte-identical
parameter files and only the folders differ. The two runs are the session's shared
runs (``conftest.py``): ``cycle_2009`` (the default process model: forked workers,
kernels from the pre-warmed zygote, IPC) and ``cycle_2009_fallback`` (spawned
workers, plain kernel starts, TCP), so the suite executes the cycle twice rather than
four times, and the comparison also shows that the process model leaves no trace
in a results table or the appendix.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from kentaudit.run.manifest import read_manifest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]


def compared_files(cycle_dir: Path) -> dict[str, bytes]:
    """Results tables (CSV, Parquet, index) and the appendix CSVs, published and restricted."""
    out = {}
    for pattern in ("results/*.csv", "results/*.parquet", "results/index.json",
                    "publish/csv/*.csv", "publish/csv/metadata.json", "restricted/*.csv"):
        for p in sorted(cycle_dir.glob(pattern)):
            out[p.relative_to(cycle_dir).as_posix()] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def two_runs(cycle_2009, cycle_2009_fallback):
    runs = []
    for run in (cycle_2009, cycle_2009_fallback):
        cycle_dir = Path(run["cycle_dir"])
        runs.append({"code": run["code"], "params": Path(run["params"]), "dir": cycle_dir,
                     "manifest": read_manifest(cycle_dir / "manifest.json") if cycle_dir.exists() else None,
                     "files": compared_files(cycle_dir) if cycle_dir.exists() else {}})
    return runs


def test_both_runs_complete_with_the_appendix(two_runs):
    for r in two_runs:
        assert r["code"] == 0 and r["manifest"]["status"] == "complete"
        assert r["manifest"]["appendix"]["built"] is True


def test_both_runs_used_byte_identical_parameter_files(two_runs):
    a, b = two_runs
    assert a["params"].read_bytes() == b["params"].read_bytes()
    assert a["manifest"]["params_sha256"] == b["manifest"]["params_sha256"]
    assert a["manifest"]["input_hashes"] == b["manifest"]["input_hashes"]
    assert a["dir"] != b["dir"]


def test_runs_write_the_same_set_of_tables(two_runs):
    a, b = two_runs
    names = set(a["files"])
    assert names == set(b["files"])
    assert any(n.startswith("results/") and n.endswith(".parquet") for n in names)
    assert any(n.startswith("publish/csv/") for n in names)
    assert any(n.startswith("restricted/") for n in names)


def test_results_tables_are_byte_identical(two_runs):
    a, b = two_runs
    differ = [n for n in sorted(a["files"]) if n.startswith("results/") and a["files"][n] != b["files"].get(n)]
    assert differ == []


def test_appendix_csvs_are_byte_identical(two_runs):
    a, b = two_runs
    differ = [n for n in sorted(a["files"]) if not n.startswith("results/") and a["files"][n] != b["files"].get(n)]
    assert differ == []


def test_results_tables_do_not_name_the_run_folder(two_runs):
    # A table that recorded where it was written would differ between folders
    # (and would leak local paths into the appendix).
    for r in two_runs:
        for name, data in r["files"].items():
            if not name.endswith(".parquet"):
                assert str(r["dir"].parent.parent).encode() not in data, name
