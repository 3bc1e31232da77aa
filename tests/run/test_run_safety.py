"""The runner under faults and hostile folders (issue 12): nothing left behind, nothing overwritten.

- SIGKILL of ``kentaudit run`` mid-run: every process it started (forkserver,
  pool workers, resource tracker, kernels) is gone within seconds, the last
  good outputs are byte-identical, and the next run removes the dead run's
  staging and temporary folders, says so, and completes.
- A full disk (a small tmpfs holding ``output_dir``, filled to several levels
  so the run fails at different steps): a clean failed run (exit 1, no
  traceback), the last good outputs byte-identical, no staging folder left,
  the failed run trimmed to its manifest and log; the rerun completes once
  space is freed. (Needs permission to mount a tmpfs; skipped otherwise.)
- Permissions: restricted outputs, executed notebooks, reviewer HTML, results
  and figures private (0700/0600); ``publish/`` readable; set-aside runs 0700.
- A cycle folder kentaudit did not make is never replaced; a swap stopped
  between its renames is repaired by the next run.
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from kentaudit.run import folders as rundirs
from kentaudit.core.errors import RunError
from kentaudit.run.runner import run_cycle
from processes import alive
from test_faults import make_repo, set_faults, snapshot

pytestmark = pytest.mark.slow


def _children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    out = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                out[int(p.name)] = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    return out


def _descendants(pid: int) -> set[int]:
    tree = _children()
    found, frontier = set(), {pid}
    while frontier:
        nxt = {c for c, pp in tree.items() if pp in frontier} - found
        found |= nxt
        frontier = nxt
    return found


@pytest.fixture(scope="module", autouse=True)
def _every_run_executes():
    """The faults are injected through a file no notebook key covers (faults.json), so a
    rerun with the same inputs would reuse the last good outputs instead of meeting them:
    every run of these tests executes its notebooks (KENTAUDIT_NO_REUSE, as --no-reuse)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KENTAUDIT_NO_REUSE", "1")
        yield


def _kentaudit_cmd():
    exe = Path(sys.executable).with_name("kentaudit")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "kentaudit"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("safety")
    p = make_repo(root)
    set_faults(p, {})
    assert run_cycle(p, jobs=2, appendix=False, reuse=False) == 0
    return {"root": root, "params": p, "out": root / "outputs"}


@pytest.fixture(scope="module")
def killed(repo):
    """``kentaudit run`` is sent SIGKILL while Thanet's notebook sleeps."""
    final = repo["out"] / "2009"
    before = snapshot(final)
    set_faults(repo["params"], {"Thanet": "sleep"})
    marker = repo["params"].with_name("sleeping-Thanet")
    marker.unlink(missing_ok=True)
    env = {**os.environ, "KENTAUDIT_NO_ZYGOTE": "0"}
    proc = subprocess.Popen([*_kentaudit_cmd(), "run", str(repo["params"]), "--jobs", "2", "--no-appendix", "--no-reuse"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        # a guard against a hang only (the loop ends as soon as the kernel writes its marker):
        # the test waits for an event, never for a length of time
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and not marker.exists() and proc.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), ("the sleeping notebook never started: "
                                 + ("\n".join(proc.communicate())[-3000:] if proc.poll() is not None else "still running"))
        family = _descendants(proc.pid)
        staging = sorted(repo["out"].glob(".staging-2009-*"))
        tmp = sorted(Path(tempfile.gettempdir()).glob(f"ka-run-{proc.pid}-*"))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    deadline = time.monotonic() + 600  # a guard against a hang only
    while time.monotonic() < deadline and any(alive(p) for p in family):
        time.sleep(0.2)
    set_faults(repo["params"], {})
    return {"family": family, "left_alive": sorted(p for p in family if alive(p)), "staging": staging,
            "tmp": tmp, "before": before, "after": snapshot(final), "kernel": int(marker.read_text())}


@pytest.fixture(scope="module")
def rerun_after_kill(repo, killed):
    out = subprocess.run([*_kentaudit_cmd(), "run", str(repo["params"]), "--jobs", "2", "--no-appendix", "--no-reuse"],
                         capture_output=True, text=True, timeout=300)
    return {"code": out.returncode, "out": out.stdout + out.stderr,
            "left": sorted(p.name for p in repo["out"].iterdir())}


def test_sigkill_of_the_runner_leaves_no_process_alive(killed):
    assert len(killed["family"]) >= 4  # forkserver, workers, resource tracker, kernels
    assert killed["left_alive"] == []
    assert not alive(killed["kernel"])


def test_sigkill_of_the_runner_keeps_the_last_good_outputs_byte_identical(killed):
    assert killed["after"] == killed["before"]


def test_sigkill_left_a_staging_and_a_temporary_folder_for_the_next_run_to_find(killed):
    assert killed["staging"] and killed["tmp"]


def test_next_run_removes_the_dead_runs_staging_and_says_so(killed, rerun_after_kill):
    assert rerun_after_kill["code"] == 0, rerun_after_kill["out"][-2000:]
    assert not any(p.exists() for p in killed["staging"])
    assert "staging folder of an earlier run" in rerun_after_kill["out"]
    assert not [n for n in rerun_after_kill["left"] if n.startswith(".staging-")]


def test_next_run_removes_the_dead_runs_temporary_folder(killed, rerun_after_kill):
    assert not any(p.exists() for p in killed["tmp"])


def test_no_traceback_when_the_runner_is_rerun(rerun_after_kill):
    assert "Traceback" not in rerun_after_kill["out"]


# --------------------------------------------------------------------- permissions

def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_private_outputs_are_0700_and_0600_publish_is_readable(repo):
    final = repo["out"] / "2009"
    assert _mode(final) == 0o755
    for sub in ("notebooks", "html", "results"):
        d = final / sub
        assert _mode(d) == 0o700, sub
        assert all(_mode(f) == 0o600 for f in d.rglob("*") if f.is_file()), sub
    assert _mode(final / "manifest.json") == 0o600 and _mode(final / "run.log") == 0o600


def test_publish_folder_is_readable_by_others(tmp_path):
    (tmp_path / "publish" / "csv").mkdir(parents=True)
    (tmp_path / "publish" / "csv" / "T1.csv").write_text("a\n")
    (tmp_path / "restricted").mkdir()
    (tmp_path / "restricted" / "RESTRICTED_T1.csv").write_text("a\n")
    rundirs.apply_permissions(tmp_path)
    assert _mode(tmp_path / "publish") == 0o755 and _mode(tmp_path / "publish" / "csv" / "T1.csv") == 0o644
    assert _mode(tmp_path / "restricted") == 0o700
    assert _mode(tmp_path / "restricted" / "RESTRICTED_T1.csv") == 0o600


@pytest.fixture(scope="module")
def failed_run(repo):
    import contextlib
    import io

    set_faults(repo["params"], {"Swale": "raise"})
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            code = run_cycle(repo["params"], jobs=2, reuse=False)
    finally:
        set_faults(repo["params"], {})
    kept = sorted(repo["out"].glob("2009.failed-*"))[-1]
    from kentaudit.run.manifest import read_manifest

    return {"code": code, "kept": kept, "out": buf.getvalue(), "manifest": read_manifest(kept / "manifest.json")}


def test_a_failed_run_is_set_aside_private(failed_run):
    assert failed_run["code"] == 1
    assert _mode(failed_run["kept"]) == 0o700


def test_a_failed_run_says_which_notebook_failed_and_why(failed_run):
    assert "why: 1 notebook(s) failed" in failed_run["out"]
    line = next(x for x in failed_run["out"].splitlines() if x.startswith("why: "))
    assert "district_fault (Swale): cell" in line and "ValueError: fault injected" in line, line


def test_the_manifest_says_why_the_appendix_was_not_built(failed_run):
    reason = failed_run["manifest"]["appendix"]["reason"]
    assert reason.startswith("not built: 1 notebook(s) failed") and "Swale" in reason


# --------------------------------------------------------------------- never overwrite

def test_a_cycle_folder_kentaudit_did_not_make_is_never_replaced(tmp_path):
    final = tmp_path / "2009"
    final.mkdir()
    (final / "precious.txt").write_text("mine")
    with pytest.raises(RunError, match="refusing to replace"):
        rundirs.check_replaceable(final, "2009")
    assert (final / "precious.txt").read_text() == "mine"


def test_a_symlinked_cycle_folder_is_never_replaced(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "2009").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RunError, match="refusing to replace"):
        rundirs.check_replaceable(tmp_path / "2009", "2009")


def test_paths_outside_the_output_folder_are_refused(tmp_path):
    with pytest.raises(RunError, match="not inside the output folder"):
        rundirs.confined(tmp_path / ".." / "x", tmp_path)
    assert rundirs.confined(tmp_path / ".staging-2009-1", tmp_path)


def test_a_swap_stopped_between_its_renames_is_repaired(tmp_path):
    old = tmp_path / ".old-2009-20260101T000000Z-1"
    old.mkdir()
    (old / "manifest.json").write_text('{"manifest_version": 1, "run_id": "x", "cycle": "2009"}')
    msgs = rundirs.clean_stale(tmp_path, "2009")
    assert (tmp_path / "2009" / "manifest.json").exists() and not old.exists()
    assert any("restored" in m for m in msgs)


def test_stale_staging_of_a_dead_run_is_removed_with_a_message(tmp_path):
    st = tmp_path / ".staging-2009-999999"
    st.mkdir()
    (st / "manifest.json").write_text('{"status": "running"}')
    msgs = rundirs.clean_stale(tmp_path, "2009")
    assert not st.exists() and any("'running'" in m for m in msgs)


# --------------------------------------------------------------------- full disk

@pytest.fixture(scope="module")
def tmpfs(tmp_path_factory):
    mnt = tmp_path_factory.mktemp("tmpfs")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): the full-disk runs are skipped")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture(scope="module")
def full_disk(tmpfs, tmp_path_factory):
    """A good run on the tmpfs, then runs with the disk filled to leave 0 KiB to 1 MiB free."""
    root = tmp_path_factory.mktemp("fullrepo")
    p = make_repo(root)
    set_faults(p, {})
    text = p.read_text(encoding="utf-8") + f"output_dir: {tmpfs / 'outputs'}\n"
    p.write_text(text, encoding="utf-8")
    assert run_cycle(p, jobs=2, appendix=False, reuse=False) == 0
    final = tmpfs / "outputs" / "2009"
    good = snapshot(final)
    used = sum(len(v) for v in good.values())
    runs = []
    for free in (0, 16 << 10, used // 3, used):
        ballast = tmpfs / "ballast"
        with open(ballast, "wb") as f:
            chunk = b"\0" * (1 << 20)
            try:
                while shutil.disk_usage(tmpfs).free - len(chunk) > free:
                    f.write(chunk)
                f.flush()
                small = max(0, shutil.disk_usage(tmpfs).free - free)
                f.write(b"\0" * small)
                f.flush()
            except OSError:
                pass
        proc = subprocess.run([*_kentaudit_cmd(), "run", str(p), "--jobs", "2", "--no-appendix", "--no-reuse"],
                              capture_output=True, text=True, timeout=300)
        runs.append({"free": free, "code": proc.returncode, "out": proc.stdout + proc.stderr,
                     "after": snapshot(final),
                     "left": sorted(x.name for x in (tmpfs / "outputs").iterdir())})
        ballast.unlink()
    rerun = subprocess.run([*_kentaudit_cmd(), "run", str(p), "--jobs", "2", "--no-appendix", "--no-reuse"],
                           capture_output=True, text=True, timeout=300)
    return {"good": good, "runs": runs, "rerun": rerun, "final": final}


def test_full_disk_is_a_clean_failed_run_at_every_level(full_disk):
    for r in full_disk["runs"]:
        assert r["code"] == 1, (r["free"], r["out"][-2000:])
        assert "Traceback" not in r["out"], (r["free"], r["out"][-3000:])


def test_full_disk_keeps_the_last_good_outputs_byte_identical(full_disk):
    for r in full_disk["runs"]:
        assert r["after"] == full_disk["good"], r["free"]


def test_full_disk_leaves_no_staging_folder(full_disk):
    for r in full_disk["runs"]:
        assert not [n for n in r["left"] if n.startswith(".staging-")], (r["free"], r["left"])


def test_full_disk_failed_runs_keep_only_their_manifest_and_log(full_disk):
    out = full_disk["final"].parent
    for kept in out.glob("2009.failed-*"):
        assert {p.name for p in kept.iterdir()} <= {"manifest.json", "run.log"}, kept


def test_rerun_after_the_disk_is_freed_completes(full_disk):
    r = full_disk["rerun"]
    assert r.returncode == 0, (r.stdout + r.stderr)[-2000:]
