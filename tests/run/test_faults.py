"""Faults the batch runner must survive (issue 7): nothing lost, the manifest tells, a rerun completes.

``tests/run/test_runner.py`` already checks one district's notebook raising (the
others complete, the failed folder is kept, the last good outputs survive) and
SIGTERM of a run. This module adds the faults it does not cover, each followed
by a rerun that completes the cycle:

- a kernel killed mid-run (the notebook sends its own kernel SIGKILL);
- one district's notebook raising, in the same run as the other faults (so
  the rerun below also shows a raising notebook's cycle completing);
- the staging disk full, simulated twice: a notebook's write into the staging
  folder fails with ``ENOSPC``, and the final swap of the staging folder into
  place fails with ``ENOSPC`` (``os.replace`` patched in the runner's process);
- the run interrupted with SIGINT (Ctrl-C) sent to a ``kentaudit run`` process.

The faults are injected by a generated per-district notebook that reads
``params/faults.json`` (district -> fault) beside the cycle's parameter file,
so one run can hold several faults in different districts. Runs are shared in
module-scoped fixtures, in order: a good run, a run with faults, a rerun, a
run whose swap fails, a rerun, an interrupted run and a rerun.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kentaudit.run.manifest import read_manifest
from processes import wait_gone
from kentaudit.run.runner import run_cycle

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
DISTRICTS = ["Ashford", "Canterbury", "Dover", "Swale", "Thanet"]
CODES = {"Ashford": "ASH", "Canterbury": "CAN", "Dover": "DOV", "Swale": "SWA", "Thanet": "THA"}
AUDITS = "audit_id,district,c_seen\nA1,Ashford,Y\nA2,Canterbury,N\nA3,Dover,Y\nA4,Thanet,NA\nA5,Swale,Y\n"

FAULT_SOURCE = '''\
import errno, json, os, signal, time
from pathlib import Path
import pandas as pd
from kentaudit.report.results import save_table

faults_file = Path(params_file).with_name("faults.json")
fault = json.loads(faults_file.read_text())["faults"].get(district) if faults_file.exists() else None
if fault == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
if fault == "raise":
    raise ValueError(f"fault injected: {district}'s notebook raises")
if fault == "enospc":
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(results_dir) / "fault_probe.csv"))
if fault == "sleep":
    Path(params_file).with_name(f"sleeping-{district}").write_text(str(os.getpid()))
    time.sleep(300)
save_table(pd.DataFrame({"district": [district], "fault": [fault or "none"]}), "fault_probe",
           results_dir, district=district)
'''


def _fault_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('params_file = None\nresults_dir = "results"\n'
                                       'figures_dir = "figures"\ndistrict = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Fault injection (test fixture)"), params,
                nbformat.v4.new_code_cell(FAULT_SOURCE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, c in enumerate(nb.cells):
        c["id"] = f"fault-{i}"
    return nb


def make_repo(root: Path) -> Path:
    (root / "params").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "notebooks").mkdir()
    shutil.copy(FIXTURES / "summary.ipynb", root / "notebooks" / "summary.ipynb")
    nbformat.write(_fault_notebook(), root / "notebooks" / "district_fault.ipynb")
    (root / "data" / "audits.csv").write_text(AUDITS, encoding="utf-8")
    p = root / "params" / "cycle.yaml"
    p.write_text('cycle: "2009"\ntitle: "Fault cycle"\nsynthetic: true\n'
                 "inputs:\n  audits: [../data/audits.csv]\nsamples: [initial]\n"
                 f"districts: {json.dumps(DISTRICTS)}\nnotebooks: [summary, district_fault]\nseed: 1\n",
                 encoding="utf-8")
    return p


@pytest.fixture(scope="module", autouse=True)
def _every_run_executes():
    """The faults are injected through a file no notebook key covers (faults.json), so a
    rerun with the same inputs would reuse the last good outputs instead of meeting them:
    every run of these tests executes its notebooks (KENTAUDIT_NO_REUSE, as --no-reuse)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KENTAUDIT_NO_REUSE", "1")
        yield


def set_faults(params_file: Path, faults: dict) -> None:
    params_file.with_name("faults.json").write_text(json.dumps({"faults": faults}), encoding="utf-8")


def kept_folders(out: Path, kind: str) -> list[Path]:
    return sorted(out.glob(f"2009.{kind}-*"))


def entries(manifest) -> dict:
    return {(e["notebook"], e["district"]): e for e in manifest["notebooks"]}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    return {"root": root, "params": make_repo(root), "out": root / "outputs"}


@pytest.fixture(scope="module")
def good(repo):
    set_faults(repo["params"], {})
    code = run_cycle(repo["params"], jobs=2, appendix=False, reuse=False)
    final = repo["out"] / "2009"
    return {"code": code, "manifest": read_manifest(final / "manifest.json"), "files": snapshot(final)}


@pytest.fixture(scope="module")
def faulty(repo, good):
    """One run: Ashford's kernel is killed, Dover's staging write fails with ENOSPC,
    Swale's notebook raises."""
    set_faults(repo["params"], {"Ashford": "kill", "Dover": "enospc", "Swale": "raise"})
    code = run_cycle(repo["params"], jobs=2, appendix=False, reuse=False)
    (kept,) = kept_folders(repo["out"], "failed")
    return {"code": code, "kept": kept, "manifest": read_manifest(kept / "manifest.json"),
            "final": snapshot(repo["out"] / "2009")}


@pytest.fixture(scope="module")
def rerun_after_faults(repo, faulty):
    set_faults(repo["params"], {})
    code = run_cycle(repo["params"], jobs=2, appendix=False, reuse=False)
    return {"code": code, "manifest": read_manifest(repo["out"] / "2009" / "manifest.json")}


@pytest.fixture(scope="module")
def swap_full(repo, rerun_after_faults):
    """Every notebook succeeds, but renaming the staging folder into place fails: disk full."""
    final = repo["out"] / "2009"
    before = snapshot(final)
    real_replace = os.replace
    calls = []

    def replace(src, dst, *a, **kw):
        if Path(dst) == final and Path(src).name.startswith(".staging-"):
            calls.append((src, dst))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real_replace(src, dst, *a, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(os, "replace", replace)
    try:
        try:
            code, error = run_cycle(repo["params"], jobs=2, appendix=False, reuse=False), None
        except OSError as exc:  # recorded; the tests below say what should have happened
            code, error = None, exc
    finally:
        mp.undo()
    return {"code": code, "error": error, "calls": calls, "before": before,
            "after": snapshot(final) if final.exists() else {},
            "left": sorted(p.name for p in repo["out"].iterdir())}


@pytest.fixture(scope="module")
def rerun_after_swap(repo, swap_full):
    code = run_cycle(repo["params"], jobs=2, appendix=False, reuse=False)
    return {"code": code, "manifest": read_manifest(repo["out"] / "2009" / "manifest.json")}


@pytest.fixture(scope="module")
def interrupted(repo, rerun_after_swap):
    """``kentaudit run`` gets SIGINT while Thanet's notebook sleeps."""
    set_faults(repo["params"], {"Thanet": "sleep"})
    final = repo["out"] / "2009"
    before = snapshot(final)
    marker = repo["params"].with_name("sleeping-Thanet")
    kentaudit = Path(sys.executable).with_name("kentaudit")
    cmd = [str(kentaudit)] if kentaudit.exists() else [sys.executable, "-m", "kentaudit"]
    proc = subprocess.Popen([*cmd, "run", str(repo["params"]), "--jobs", "2", "--no-appendix", "--no-reuse"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 900  # a guard against a hang only: the loops wait for events
        while time.monotonic() < deadline and not marker.exists() and proc.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "the sleeping notebook never started"
        kernel_pid = int(marker.read_text())
        # The runner may start Thanet first (it orders jobs by the last run's timings), so
        # wait until the other districts have finished (the staging run log says so).
        others = [f"district_fault__{CODES[d]}: ok" for d in DISTRICTS if d != "Thanet"]
        while time.monotonic() < deadline + 60 and proc.poll() is None:
            logs = " ".join(p.read_text() for p in repo["out"].glob(".staging-*/run.log"))
            if all(o in logs for o in others):
                break
            time.sleep(0.2)
        # no wait beyond these two events: the runner writes a district's "ok" to the run log
        # after recording it in the manifest entry, and its results are in the staging folder
        # before its worker returns, so the interrupt finds them however loaded the machine is
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    kept = kept_folders(repo["out"], "interrupted")
    return {"code": proc.returncode, "out": out, "err": err, "kept": kept, "before": before,
            "after": snapshot(final), "kernel_pid": kernel_pid,
            "left": sorted(p.name for p in repo["out"].iterdir())}


@pytest.fixture(scope="module")
def rerun_after_interrupt(repo, interrupted):
    set_faults(repo["params"], {})
    code = run_cycle(repo["params"], jobs=2, appendix=False, reuse=False)
    return {"code": code, "manifest": read_manifest(repo["out"] / "2009" / "manifest.json")}


# ------------------------------------------------------------------ good run

def test_good_run_publishes_every_district(good):
    assert good["code"] == 0 and good["manifest"]["status"] == "complete"
    assert {e["status"] for e in good["manifest"]["notebooks"]} == {"ok"}
    for code in CODES.values():
        assert f"results/fault_probe__{code}.csv" in good["files"]


# ------------------------------------------------------------- killed kernel

def test_killed_kernel_fails_only_its_district(faulty):
    e = entries(faulty["manifest"])
    assert faulty["code"] == 1 and faulty["manifest"]["status"] == "failed"
    assert e[("district_fault", "Ashford")]["status"] == "failed"
    assert e[("district_fault", "Canterbury")]["status"] == "ok"
    assert e[("district_fault", "Thanet")]["status"] == "ok"
    assert e[("summary", None)]["status"] == "ok"


def test_killed_kernel_is_named_in_the_manifest_and_run_log(faulty):
    error = entries(faulty["manifest"])[("district_fault", "Ashford")]["error"]
    assert "DeadKernelError" in error or "died" in error.lower(), error
    assert "district_fault__ASH: FAILED" in (faulty["kept"] / "run.log").read_text()


def test_other_districts_results_are_written_despite_the_killed_kernel(faulty):
    results = faulty["kept"] / "results"
    assert (results / "fault_probe__CAN.csv").exists() and (results / "fault_probe__THA.csv").exists()
    assert not (results / "fault_probe__ASH.csv").exists()


def test_killed_kernel_leaves_the_last_good_outputs_byte_identical(good, faulty):
    assert faulty["final"] == good["files"]


# ------------------------------------------------------- a notebook that raises

def test_raising_notebook_fails_only_its_district_and_is_named(faulty):
    e = entries(faulty["manifest"])
    assert e[("district_fault", "Swale")]["status"] == "failed"
    assert "ValueError: fault injected: Swale's notebook raises" in e[("district_fault", "Swale")]["error"]
    assert "district_fault__SWA: FAILED" in (faulty["kept"] / "run.log").read_text()
    assert (faulty["kept"] / "results" / "fault_probe__CAN.csv").exists()
    assert not (faulty["kept"] / "results" / "fault_probe__SWA.csv").exists()


# ------------------------------------------------ disk full in the staging folder

def test_staging_write_out_of_space_fails_only_its_district(faulty):
    e = entries(faulty["manifest"])[("district_fault", "Dover")]
    assert e["status"] == "failed"
    assert "No space left on device" in e["error"] and "OSError" in e["error"]


def test_staging_write_out_of_space_is_visible_in_the_kept_notebook(faulty):
    nb = nbformat.read(faulty["kept"] / "notebooks" / "district_fault__DOV.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "OSError"


def test_rerun_after_killed_kernel_and_full_disk_completes(rerun_after_faults):
    assert rerun_after_faults["code"] == 0
    assert rerun_after_faults["manifest"]["status"] == "complete"
    assert {e["status"] for e in rerun_after_faults["manifest"]["notebooks"]} == {"ok"}


# ---------------------------------------------- disk full when swapping in place

def test_swap_out_of_space_was_attempted(swap_full):
    assert swap_full["calls"], "the patched os.replace never saw the swap (seam moved?)"


def test_swap_out_of_space_keeps_the_last_good_outputs(swap_full):
    assert swap_full["after"] == swap_full["before"]


def test_swap_out_of_space_is_reported_not_raised(swap_full):
    # A failed publish is a failed run: exit code 1 and a message, not a traceback.
    assert swap_full["error"] is None, f"run_cycle raised {swap_full['error']!r}"
    assert swap_full["code"] == 1


def test_swap_out_of_space_keeps_this_runs_files_with_a_manifest_saying_so(repo, swap_full):
    assert not [n for n in swap_full["left"] if n.startswith(".staging-")], swap_full["left"]
    assert not [n for n in swap_full["left"] if n.startswith(".old-")], swap_full["left"]
    kept = [repo["out"] / n for n in swap_full["left"] if n.startswith("2009.failed-")]
    assert kept, swap_full["left"]
    m = read_manifest(kept[-1] / "manifest.json")
    assert m["status"] == "failed"
    assert "No space left on device" in json.dumps(m)


def test_rerun_after_swap_out_of_space_completes(rerun_after_swap):
    assert rerun_after_swap["code"] == 0 and rerun_after_swap["manifest"]["status"] == "complete"


# --------------------------------------------------------------- Ctrl-C

def test_sigint_exits_130_and_marks_the_run_interrupted(interrupted):
    assert interrupted["code"] == 130, interrupted["err"][-2000:]
    (kept,) = interrupted["kept"]
    m = read_manifest(kept / "manifest.json")
    assert m["status"] == "interrupted" and m["exit_code"] == 130
    assert entries(m)[("district_fault", "Thanet")]["status"] == "interrupted"


def test_sigint_lets_finished_districts_keep_their_status(interrupted):
    (kept,) = interrupted["kept"]
    e = entries(read_manifest(kept / "manifest.json"))
    done = [d for d in DISTRICTS if d != "Thanet" and e[("district_fault", d)]["status"] == "ok"]
    # With two processes, the other districts finish while Thanet sleeps.
    assert done == ["Ashford", "Canterbury", "Dover", "Swale"]
    assert all((kept / "results" / f"fault_probe__{CODES[d]}.csv").exists() for d in done)


def test_sigint_keeps_the_last_good_outputs_and_leaves_no_staging(interrupted):
    assert interrupted["after"] == interrupted["before"]
    assert not [n for n in interrupted["left"] if n.startswith(".staging-")]


def test_sigint_stops_the_sleeping_kernel(interrupted):
    assert wait_gone(interrupted["kernel_pid"])


def test_rerun_after_sigint_completes(repo, rerun_after_interrupt):
    assert rerun_after_interrupt["code"] == 0
    assert rerun_after_interrupt["manifest"]["status"] == "complete"
    rows = pd.read_csv(repo["out"] / "2009" / "results" / "fault_probe__THA.csv")
    assert rows.to_dict("records") == [{"district": "Thanet", "fault": "none"}]
