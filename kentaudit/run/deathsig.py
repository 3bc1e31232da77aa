"""Processes that die with their parent: Linux's parent-death signal.

The batch runner's helper processes (the multiprocessing forkserver, the pool
workers, the kernel zygote) must not outlive the runner, even when the runner
is killed with SIGKILL and has no chance to stop them. On Linux,
``prctl(PR_SET_PDEATHSIG, sig)`` asks the kernel to send ``sig`` to a process
when its parent exits; :func:`die_with_parent` sets it (and exits at once if
the parent is already gone, closing the race between fork and prctl).
Elsewhere it does nothing and the processes' own parent polling applies.

The forkserver runs no code of ours, so the runner names
:mod:`kentaudit.run._forkserver_preload` (whose import calls :func:`die_with_parent`)
in ``set_forkserver_preload``; this module itself has no effect on import.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys

__all__ = ["die_with_parent", "PR_SET_PDEATHSIG"]

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL, expected_parent: int | None = None) -> bool:
    """Have the kernel send ``sig`` to this process when its parent exits.

    Parameters
    ----------
    sig : int
        Signal to receive (SIGKILL by default; SIGTERM for a process that
        cleans up after itself).
    expected_parent : int, optional
        The parent's pid as the parent knew it; if this process's parent is
        already another process (the parent died before the call), exit now.

    Returns
    -------
    bool
        True if the signal was set (Linux), False where it is not available.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:

        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)
    if os.getppid() == 1:  # orphaned already (the parent died before prctl)
        os._exit(1)
    return ok

