"""Helpers for tests that watch processes (kernels, shims, the zygote) come and go."""
from __future__ import annotations

import os
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, exited but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return True


def wait_gone(pid: int, seconds: float = 600) -> bool:
    """Wait for ``pid`` to be gone; True if it is. ``seconds`` only guards against a hang (the
    wait ends as soon as the process is gone), so a loaded machine never fails it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.1)
    return not alive(pid)
