"""Shared fixtures: one run of each executed cycle configuration for the whole session.

Running a cycle executes every notebook through the runner (about a minute on
2 cores), so the runs are shared: the first test that needs a cycle runs it
into a folder shared by all pytest-xdist workers, under a file lock, and every
other test (on any worker) reuses the result. One run per distinct
configuration: the default 2009 and 2013 cycles (``cycle_2009``, ``cycle_2013``),
the 2009 cycle again in the no-fork, TCP fallback (``cycle_2009_fallback``, which
is also the determinism tests' second run) and the edge-case cycle
(``tests/run/test_edge_cycle.py``). Tests that run a cycle are marked ``slow``:
``make test-fast`` leaves them out.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: the test folders mirror the package's layers (docs/architecture.md); a few tests share
#: helpers defined beside other tests (a scratch repository, the browser check), so every
#: layer's folder is importable from any test, whichever is collected first
LAYERS = ("core", "inputs", "stats", "report", "publication", "analysis", "run")
for _layer in LAYERS:
    if str(ROOT / "tests" / _layer) not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / _layer))


def make_scratch_repo(dest: Path, cycle: str) -> Path:
    """A scratch repository root that reuses this checkout's notebooks and data.

    Returns the path of a copy of ``params/cycle-<cycle>.yaml`` whose
    ``output_dir`` points inside ``dest`` (relative input paths resolve
    against ``dest``, where ``data`` and ``notebooks`` are symlinks).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("data", "notebooks"):
        link = dest / name
        if not link.exists():
            link.symlink_to(ROOT / name, target_is_directory=True)
    (dest / "params").mkdir(exist_ok=True)
    doc = yaml.safe_load((ROOT / "params" / f"cycle-{cycle}.yaml").read_text())
    # relative to the parameter file's folder: every scratch copy of a cycle is the same
    # bytes, so two runs in two folders read byte-identical parameter files
    doc["output_dir"] = "../outputs"
    out = dest / "params" / f"cycle-{cycle}.yaml"
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def run_cycle_once(base: Path, cycle: str) -> dict:
    """Run ``cycle`` once per test session (across xdist workers); return paths and exit code."""
    from kentaudit.run.runner import run_cycle

    work = base / f"cycle-{cycle}"
    work.mkdir(parents=True, exist_ok=True)
    done = work / "done.json"
    with open(work / "lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not done.exists():
            params = make_scratch_repo(work / "repo", cycle)
            code = run_cycle(params, jobs=2)
            done.write_text(json.dumps({"code": code, "params": str(params)}))
        fcntl.flock(fh, fcntl.LOCK_UN)
    info = json.loads(done.read_text())
    info["cycle_dir"] = work / "repo" / "outputs" / cycle
    info["params"] = Path(info["params"])
    return info


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory) -> Path:
    """A folder shared by every xdist worker of this session."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    path = base / "shared"
    path.mkdir(exist_ok=True)
    return path


def run_fallback_once(base: Path, cycle: str) -> dict:
    """Run ``cycle`` once per session as Windows would: no fork, kernels over TCP.

    ``kentaudit run PARAMS --jobs 2`` in a subprocess with ``KENTAUDIT_NO_FORK=1`` and
    ``KENTAUDIT_KERNEL_TRANSPORT=tcp``, in its own scratch repository (the same
    parameter bytes as :func:`run_cycle_once`'s); returns its exit code, stderr,
    parameter file and cycle folder."""
    work = base / f"cycle-{cycle}-fallback"
    work.mkdir(parents=True, exist_ok=True)
    done = work / "done.json"
    with open(work / "lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not done.exists():
            params = make_scratch_repo(work / "repo", cycle)
            env = {**os.environ, "KENTAUDIT_NO_FORK": "1", "KENTAUDIT_KERNEL_TRANSPORT": "tcp"}
            res = subprocess.run([sys.executable, "-m", "kentaudit", "run", str(params), "--jobs", "2"],
                                 capture_output=True, text=True, timeout=2400, env=env, cwd=work, check=False)
            done.write_text(json.dumps({"code": res.returncode, "params": str(params),
                                        "stderr": res.stderr[-20000:]}))
        fcntl.flock(fh, fcntl.LOCK_UN)
    info = json.loads(done.read_text())
    info["cycle_dir"] = work / "repo" / "outputs" / cycle
    info["params"] = Path(info["params"])
    return info


@pytest.fixture(scope="session")
def cycle_2009(shared_tmp) -> dict:
    """The default 2009 synthetic cycle (initial, extended, re-audit), run once."""
    return run_cycle_once(shared_tmp, "2009")


@pytest.fixture(scope="session")
def cycle_2013(shared_tmp) -> dict:
    """The 2013 annual synthetic cycle with 2010-2012 for trends, run once."""
    return run_cycle_once(shared_tmp, "2013")


@pytest.fixture(scope="session")
def cycle_2009_fallback(shared_tmp) -> dict:
    """The default 2009 cycle run once more, with no fork() and kernels over TCP."""
    return run_fallback_once(shared_tmp, "2009")


# Golden notebooks (tests/golden/*.ipynb) are re-run by nbval (--nbval-lax in the
# pytest options); the fixture notebooks under tests/fixtures are run only by the
# runner tests, never collected as tests themselves. `make test` uses
# `--dist loadfile`, so all cells of a notebook run on one worker, in order.
collect_ignore_glob = ["fixtures/*"]



def pytest_collection_modifyitems(config, items):
    """Every cell of a golden notebook is an end-to-end notebook run (nbval starts a
    kernel and executes the notebook): marked ``slow``, like the runner's cycles."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.slow)
