"""Kernels forked from the pre-warmed zygote (kentaudit.run.zygote) behave like normal kernels.

One zygote is shared by the module. Kernels are driven either through
papermill (as the runner does) or directly through jupyter_client with
:class:`kentaudit.run.kernels.IPCKernelManager`, to interrupt and kill them.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from kentaudit.run import kernels
from kentaudit.run import zygote
from kentaudit.run.manifest import read_manifest
from processes import wait_gone

pytestmark = pytest.mark.slow

KM = "kentaudit.run.kernels.IPCKernelManager"
HERE = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def zyg():
    z = zygote.start_zygote()
    try:
        zygote.ping(z.path, timeout=60)
        yield z
    finally:
        z.stop()


@pytest.fixture(autouse=True)
def shims_wait_for_the_kernels_status(monkeypatch):
    """Every shim these tests start waits for its kernel's exit status as long as a test may
    run, instead of giving up 2 s after the kernel exited: on a loaded machine a late status
    would otherwise read as a failure (no test depends on timing)."""
    monkeypatch.setenv("KENTAUDIT_SHIM_GIVE_UP", "3600")


@pytest.fixture
def use_zygote(zyg, monkeypatch):
    monkeypatch.setenv(zygote.ZYGOTE_ENV, zyg.path)
    del kernels.LAUNCHES[:]
    return zyg


PROBE = [
    "import os, sys\nimport matplotlib\nimport numpy as np\nimport pandas as pd",
    "print(os.getcwd())\nprint(os.environ.get('KA_PROBE_VAR'))\nprint(matplotlib.get_backend())",
    "print(sys.path)",
    "pd.DataFrame({'x': np.arange(5.0)}).describe()",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n_ = ax.plot([1, 2, 3])",
    "print(np.random.default_rng(7).normal(size=3).tolist())",
]


def _probe_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in PROBE]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, c in enumerate(nb.cells):
        c["id"] = f"probe-{i}"
    nbformat.write(nb, path)
    return path


def _outputs(nb) -> list:
    out = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o["output_type"] == "stream":
                out.append(("stream", o["name"], o["text"]))
            elif o["output_type"] in ("execute_result", "display_data"):
                out.append((o["output_type"], sorted(o["data"]), o["data"].get("text/plain", "")[:40]
                            if "image/png" not in o["data"] else ""))
            else:
                out.append((o["output_type"], o.get("ename"), o.get("evalue")))
    return out


def test_kernel_from_zygote_gives_the_same_outputs_as_a_normal_kernel(use_zygote, tmp_path, monkeypatch):
    src = _probe_notebook(tmp_path / "probe.ipynb")
    monkeypatch.setenv("KA_PROBE_VAR", "from-the-worker")
    pm.execute_notebook(src, tmp_path / "z.ipynb", kernel_manager_class=KM, progress_bar=False,
                        cwd=str(tmp_path))
    assert [x["mode"] for x in kernels.LAUNCHES] == ["zygote"]
    monkeypatch.delenv(zygote.ZYGOTE_ENV)
    pm.execute_notebook(src, tmp_path / "n.ipynb", kernel_manager_class=KM, progress_bar=False,
                        cwd=str(tmp_path))
    assert kernels.LAUNCHES[-1]["mode"] == "direct"
    z = _outputs(nbformat.read(tmp_path / "z.ipynb", as_version=4))
    n = _outputs(nbformat.read(tmp_path / "n.ipynb", as_version=4))
    assert z == n
    # cwd, environment and the inline backend (a figure shown as a PNG) as in a normal kernel
    assert z[0] == ("stream", "stdout", f"{tmp_path}\nfrom-the-worker\nmodule://matplotlib_inline.backend_inline\n")
    assert any(o[0] == "display_data" and "image/png" in o[1] for o in z)


def test_failing_cell_fails_the_notebook_with_its_error(use_zygote, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise ValueError('zygote fixture failure')")]
    nb.cells[0]["id"] = "fail-0"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "fail.ipynb")
    with pytest.raises(pm.PapermillExecutionError, match="zygote fixture failure"):
        pm.execute_notebook(tmp_path / "fail.ipynb", tmp_path / "out.ipynb", kernel_manager_class=KM,
                            progress_bar=False)
    assert kernels.LAUNCHES[-1]["mode"] == "zygote"
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    errors = [o for c in out.cells if c.cell_type == "code" for o in c.outputs
              if o["output_type"] == "error"]
    assert [e["ename"] for e in errors] == ["ValueError"]


# ------------------------------------------------------- direct kernel control

async def _run(kc, code: str, timeout: float = 600) -> dict:
    """Execute ``code``; return its stdout text and any error name."""
    msg_id = kc.execute(code)
    text, ename = "", None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = await kc.get_iopub_msg(timeout=1)
        except Exception:  # noqa: BLE001 - queue.Empty
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "stream":
            text += c["text"]
        elif t == "error":
            ename = c["ename"]
        elif t == "status" and c["execution_state"] == "idle":
            return {"text": text, "ename": ename}
    raise TimeoutError(code)


async def _start():
    km = kernels.IPCKernelManager(kernel_name="python3")
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    pid = int((await _run(kc, "import os; print(os.getpid())"))["text"])
    return km, kc, pid


async def _kill_kernel_and_wait_for_shim(km, pid: int, seconds: float):
    """SIGKILL the forked kernel; the shim's exit status (None if it is still running)."""
    os.kill(pid, signal.SIGKILL)
    proc = km.provisioner.process
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return proc.returncode


async def _stop(km, kc):
    kc.stop_channels()
    try:
        await km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - already dead in some tests
        await km.cleanup_resources()


def test_interrupt_reaches_a_forked_kernel(use_zygote):
    async def go():
        km, kc, pid = await _start()
        try:
            assert kernels.LAUNCHES[-1]["mode"] == "zygote"
            assert pid != km.provisioner.process.pid  # the shim stands in for the forked kernel
            msg_id = kc.execute("import time; print('in the cell', flush=True); time.sleep(60)")
            # interrupt once the cell's own code is running (its first output), not at its
            # execute_input, which ipykernel sends before the code starts: an interrupt in that
            # gap is caught by the kernel's loop and the cell ends with no error (CI, stop 24)
            while True:
                msg = await kc.get_iopub_msg(timeout=600)  # a hang guard only
                if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream"
                        and "in the cell" in msg["content"]["text"]):
                    break
            await km.interrupt_kernel()
            ename = None
            while True:
                msg = await kc.get_iopub_msg(timeout=15)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "error":
                    ename = msg["content"]["ename"]
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            assert ename == "KeyboardInterrupt"  # the 60 s sleep was cut short, not waited out
            assert (await _run(kc, "print(6 * 7)"))["text"] == "42\n"  # still usable
        finally:
            await _stop(km, kc)
        assert wait_gone(pid)
    asyncio.run(go())


def test_killing_the_shim_kills_the_kernel(use_zygote):
    async def go():
        km, kc, pid = await _start()
        try:
            os.kill(km.provisioner.process.pid, signal.SIGKILL)
            assert wait_gone(pid), "the forked kernel outlived its shim"
        finally:
            await _stop(km, kc)
    asyncio.run(go())


def test_killing_the_kernel_makes_the_shim_exit(use_zygote):
    async def go():
        km, kc, pid = await _start()
        try:
            assert await _kill_kernel_and_wait_for_shim(km, pid, 600) == -signal.SIGKILL
            assert not await km.is_alive()
        finally:
            await _stop(km, kc)
    asyncio.run(go())


def test_absent_zygote_falls_back_to_a_normal_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv(zygote.ZYGOTE_ENV, str(tmp_path / "no-such.sock"))
    del kernels.LAUNCHES[:]

    async def go():
        km, kc, pid = await _start()
        try:
            assert km.provisioner.process.pid == pid  # the kernel itself, no shim
        finally:
            await _stop(km, kc)
    asyncio.run(go())
    (launch,) = kernels.LAUNCHES
    assert launch["mode"] == "direct" and "did not answer" in launch["reason"]


def test_shim_runs_a_normal_kernel_if_the_zygote_vanishes(tmp_path, monkeypatch):
    # The kernel manager saw a zygote, but it is gone when the shim connects.
    monkeypatch.setenv(zygote.ZYGOTE_ENV, str(tmp_path / "gone.sock"))
    monkeypatch.setattr(zygote, "ping", lambda path, timeout=0: {"executable": sys.executable})

    async def go():
        km, kc, pid = await _start()
        try:
            assert (await _run(kc, "print(1 + 1)"))["text"] == "2\n"
            assert km.provisioner.process.pid == pid  # the shim exec'd the normal launcher
        finally:
            await _stop(km, kc)
    asyncio.run(go())
    assert kernels.LAUNCHES[-1]["mode"] == "zygote"


# ---------------------------------------------------------------- the runner

@pytest.fixture
def started(monkeypatch) -> list:
    """Every zygote the runner starts in this test, in order (``start_zygote`` spied on)."""
    zygotes = []
    real = zygote.start_zygote

    def spy(*a, **kw):
        z = real(*a, **kw)
        zygotes.append(z)
        return z

    monkeypatch.setattr(zygote, "start_zygote", spy)
    return zygotes


def test_runner_forks_kernels_from_a_zygote_and_stops_it(tmp_path, started):
    sys.path.insert(0, str(HERE))
    from test_runner import make_repo

    from kentaudit.run.runner import run_cycle

    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary", "district_profile"])
    assert run_cycle(p, jobs=2, appendix=False) == 0
    m = read_manifest(tmp_path / "outputs" / "2009" / "manifest.json")
    assert m["kernel_zygote"]["used"] is True and m["kernel_zygote"]["kernels_forked"] == 2
    assert {e["kernel_start"] for e in m["notebooks"]} == {"zygote"}
    (z,) = started
    assert z.process.poll() is not None  # stopped
    assert not os.path.exists(z.path) and not os.path.exists(z.folder)


def test_a_run_refused_after_the_zygote_started_stops_it(tmp_path, monkeypatch, started):
    # the zygote starts before the exports are checked (its imports overlap the check): a run the
    # check refuses must not leave it behind
    sys.path.insert(0, str(HERE))
    from test_runner import make_repo

    from kentaudit.core.errors import ParamsError
    from kentaudit.run import runner

    def refuse(params, **kw):
        assert started, "the zygote starts before the exports are checked"
        raise ParamsError("refused by the check", file=params.source, key="samples")

    monkeypatch.setattr(runner, "check_data", refuse)
    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"])
    with pytest.raises(ParamsError, match="refused by the check"):
        runner.run_cycle(p, jobs=1, appendix=False)
    (z,) = started
    assert z.process.poll() is not None  # stopped
    assert not os.path.exists(z.folder)
    assert not (tmp_path / "outputs" / "2009").exists()


def _count_reads(monkeypatch) -> list:
    from kentaudit.inputs import accounting

    reads = []
    real = accounting.read_cycle

    def counted(params):
        reads.append(params.source)
        return real(params)

    monkeypatch.setattr(accounting, "read_cycle", counted)
    return reads


def test_the_runner_reads_the_exports_once_for_the_check_and_the_keys(tmp_path, monkeypatch):
    from conftest import make_scratch_repo

    from kentaudit.run.runner import run_cycle

    reads = _count_reads(monkeypatch)
    p = make_scratch_repo(tmp_path / "repo", "2009")
    assert run_cycle(p, jobs=1, appendix=False, notebooks=["compliance"]) == 0
    assert len(reads) == 1  # in this process; the kernels read the run's snapshot
    m = read_manifest(tmp_path / "repo" / "outputs" / "2009-partial" / "manifest.json")
    assert m["cycle_snapshot"] is True and m["data_checks"]["rows_read"] > 0


def test_the_runner_reads_the_exports_again_when_one_changed_after_the_check(tmp_path, monkeypatch):
    from conftest import make_scratch_repo

    from kentaudit.inputs.params import CycleParams
    from kentaudit.run import runner

    reads = _count_reads(monkeypatch)
    real_check = runner.check_data

    def check_then_change(params, **kw):
        out = real_check(params, **kw)
        # an input file changes after the check read it: its SHA-256 is no longer the one before
        # the reading (the data themselves are left alone: they are this checkout's)
        real_hashes = CycleParams.input_hashes
        monkeypatch.setattr(CycleParams, "input_hashes",
                            lambda self: {k: "0" * 64 for k in real_hashes(self)})
        return out

    monkeypatch.setattr(runner, "check_data", check_then_change)
    p = make_scratch_repo(tmp_path / "repo", "2009")
    assert runner.run_cycle(p, jobs=1, appendix=False, notebooks=["compliance"]) == 0
    assert len(reads) == 2  # the check's reading is not of the files the run records


def test_runner_without_zygote_starts_kernels_directly(tmp_path):
    sys.path.insert(0, str(HERE))
    from test_runner import make_repo

    from kentaudit.run.runner import run_cycle

    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"])
    assert run_cycle(p, jobs=1, appendix=False, zygote=False) == 0
    m = read_manifest(tmp_path / "outputs" / "2009" / "manifest.json")
    assert m["kernel_zygote"] == {"requested": False, "used": False}
    assert m["notebooks"][0]["kernel_start"] == "direct"


def test_kernel_exit_reaches_the_shim_without_waiting_for_the_zygotes_poll(monkeypatch):
    # A zygote that otherwise wakes only once an hour, and a shim that waits as long for the
    # status (the autouse fixture): the kernel's exit status must reach the shim because
    # SIGCHLD wakes the zygote. Were it to wait for the zygote's poll, the shim would still be
    # running when the test's hang guard (600 s, far less than the poll) ends, and the test
    # fails on None, not on how long anything took.
    monkeypatch.setenv("KENTAUDIT_ZYGOTE_POLL", "3600")
    z = zygote.start_zygote()
    try:
        zygote.ping(z.path, timeout=60)
        monkeypatch.setenv(zygote.ZYGOTE_ENV, z.path)

        async def go():
            km, kc, pid = await _start()
            try:
                assert await _kill_kernel_and_wait_for_shim(km, pid, 600) == -signal.SIGKILL
            finally:
                await _stop(km, kc)
        asyncio.run(go())
    finally:
        z.stop()


def test_kernel_client_is_ready_when_the_kernel_answers_and_runs_code_after(use_zygote):
    async def go():
        km, kc, pid = await _start()
        try:
            assert isinstance(kc, kernels.IPCKernelClient)
            assert (await _run(kc, "print(6 * 7)"))["text"].strip() == "42"
        finally:
            await _stop(km, kc)
    asyncio.run(go())


def test_ready_check_fails_for_a_kernel_that_died_before_answering(use_zygote):
    async def go():
        km = kernels.IPCKernelManager(kernel_name="python3")
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            os.kill(km.provisioner.process.pid, signal.SIGKILL)  # the shim, and so the kernel
            with pytest.raises(RuntimeError, match="died before replying"):
                await kc.wait_for_ready(timeout=30)
        finally:
            await _stop(km, kc)
    asyncio.run(go())


def test_zygote_removes_its_private_folder_when_its_runner_is_killed(tmp_path):
    import subprocess
    code = ("import sys, time\nfrom kentaudit.run import zygote\nz = zygote.start_zygote(sys.argv[1])\n"
            "zygote.ping(z.path, timeout=60)\nprint(z.folder, z.process.pid, flush=True)\ntime.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        folder, zpid = parent.stdout.readline().split()
        assert Path(folder).is_dir()
    finally:
        parent.kill()
        parent.wait()
    assert wait_gone(int(zpid)), "the zygote outlived its runner"
    deadline = time.monotonic() + 600  # a guard against a hang only
    while Path(folder).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(folder).exists(), "the zygote left its private folder behind"


def test_the_zygote_socket_appears_only_once_it_listens(tmp_path):
    # bind and listen happen under a temporary name; the path a client waits for is made by
    # the rename, so a connect the moment it exists never meets ECONNREFUSED
    path = str(tmp_path / "z.sock")
    listener = zygote.listening_socket(path)
    try:
        assert sorted(os.listdir(tmp_path)) == ["z.sock"]  # no temporary name left behind
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)  # no accept yet: the backlog holds it
        client.close()
    finally:
        listener.close()
