"""Runs where analysts work: no fork() (so no pre-warmed zygote) and no IPC transport.

Windows has neither. ``KENTAUDIT_NO_FORK=1`` and ``KENTAUDIT_KERNEL_TRANSPORT=tcp``
force that fallback here: kernels start normally, talk over TCP bound to
127.0.0.1 with their connection file in a private folder, the worker processes
are spawned; the manifest records it, and a cycle gives the same results tables.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

_START_STOP = textwrap.dedent("""
    import asyncio, json, os, signal, stat, sys
    from {module} import {cls} as Base

    class KM(Base):
        sent = []

        async def _async_signal_kernel(self, signum):
            KM.sent.append(int(signum))
            await super()._async_signal_kernel(signum)

    async def main():
        km = KM(kernel_name="python3")
        await km.start_kernel()
        info = {{"transport": km.transport, "ip": km.ip, "connection_file": km.connection_file,
                 "folder_mode": stat.S_IMODE(os.stat(os.path.dirname(km.connection_file)).st_mode)}}
        kc = km.client(); kc.start_channels(); await kc.wait_for_ready(timeout=60); kc.stop_channels()
        await km.shutdown_kernel()
        info["sigint_sent"] = int(signal.SIGINT) in KM.sent
        print(json.dumps(info))

    asyncio.run(main())
""")


def _start_stop(module: str, cls: str, env: dict) -> dict:
    res = subprocess.run([sys.executable, "-c", _START_STOP.format(module=module, cls=cls)],
                         capture_output=True, text=True, timeout=180, env={**os.environ, **env})
    assert res.returncode == 0, res.stderr[-2000:]
    return {**json.loads(res.stdout.strip().splitlines()[-1]), "stderr": res.stderr}


@pytest.mark.slow
def test_the_tcp_fallback_binds_loopback_and_keeps_the_connection_file_private():
    info = _start_stop("kentaudit.run.kernels", "IPCKernelManager", {"KENTAUDIT_KERNEL_TRANSPORT": "tcp"})
    assert info["transport"] == "tcp" and info["ip"] == "127.0.0.1"
    assert info["folder_mode"] & 0o777 == 0o700 and Path(info["connection_file"]).name == "kernel.json"


@pytest.mark.slow
def test_a_clean_kernel_shutdown_sends_no_interrupt():
    # jupyter_client's own manager sends SIGINT before every shutdown, which makes an
    # idle kernel log "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel"
    assert _start_stop("jupyter_client.manager", "AsyncKernelManager", {})["sigint_sent"] is True
    ours = _start_stop("kentaudit.run.kernels", "IPCKernelManager", {})
    assert ours["sigint_sent"] is False and "KeyboardInterrupt" not in ours["stderr"]


def test_no_fork_is_reported_as_unavailable(monkeypatch):
    from kentaudit.run import runner
    from kentaudit.run import zygote

    monkeypatch.setenv("KENTAUDIT_NO_FORK", "1")
    assert "fork() treated as unavailable" in zygote.unavailable_reason()
    assert runner._mp_context().get_start_method() == "spawn"
    monkeypatch.setenv("KENTAUDIT_KERNEL_TRANSPORT", "tcp")
    from kentaudit.run.kernels import chosen_transport

    assert chosen_transport() == "tcp"


def _tables(results: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted(results.glob("*.parquet"))}


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_a_cycle_run_with_the_fallback_gives_the_same_results_tables(cycle_2009_fallback, cycle_2009):
    # the fallback run (kentaudit run --jobs 2 with KENTAUDIT_NO_FORK=1 and
    # KENTAUDIT_KERNEL_TRANSPORT=tcp) is shared with tests/run/test_determinism.py
    run = cycle_2009_fallback
    assert run["code"] == 0, run["stderr"][-3000:]
    assert "KeyboardInterrupt" not in run["stderr"]
    out = run["cycle_dir"]
    m = json.loads((out / "manifest.json").read_text())
    assert m["kernel_transport"] == "tcp" and m["process_start_method"] == "spawn"
    assert m["kernel_zygote"]["used"] is False and "fork() treated as unavailable" in m["kernel_zygote"]["error"]
    got, want = _tables(out / "results"), _tables(Path(cycle_2009["cycle_dir"]) / "results")
    assert sorted(got) == sorted(want) and len(got) > 20
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=False, rtol=1e-12, atol=0,
                                      obj=name)
