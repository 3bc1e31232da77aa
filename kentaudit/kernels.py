"""A Jupyter kernel manager that talks to its kernel over IPC (Unix domain) sockets.

The batch runner executes notebooks that hold child-level data. By default
Jupyter kernels listen on TCP ports of the loopback interface, which any local
user can connect to (the messages are signed, but the key sits in a connection
file). :class:`IPCKernelManager` puts the kernel's five ZeroMQ sockets and its
connection file in a private temporary folder (mode ``0700``), so only the
user running the batch can reach the kernel.

Windows has no ZeroMQ IPC transport; there the manager falls back to TCP and
says so in :data:`DEFAULT_TRANSPORT`, which the runner records in the
manifest. papermill takes the class by name::

    papermill.execute_notebook(..., kernel_manager_class="kentaudit.kernels.IPCKernelManager")
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import typing as t

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum

__all__ = ["IPCKernelManager", "DEFAULT_TRANSPORT", "ipc_supported"]


def ipc_supported() -> bool:
    """Whether this platform's ZeroMQ supports the ``ipc`` transport (not on Windows)."""
    if sys.platform.startswith("win"):
        return False
    try:
        import zmq

        return bool(zmq.has("ipc"))
    except Exception:  # pragma: no cover - zmq is a jupyter_client dependency
        return False


#: The transport :class:`IPCKernelManager` uses on this platform: "ipc", or "tcp" where
#: IPC sockets are not available (Windows).
DEFAULT_TRANSPORT = "ipc" if ipc_supported() else "tcp"


class IPCKernelManager(AsyncKernelManager):
    """Kernel manager whose kernel listens on IPC sockets in a private folder.

    It subclasses :class:`jupyter_client.manager.AsyncKernelManager` (itself a
    :class:`jupyter_client.manager.KernelManager`) because nbclient, which
    papermill uses, drives kernels through the asynchronous API.

    Before the kernel starts, the manager creates a folder with
    :func:`tempfile.mkdtemp` (mode ``0700``), writes the connection file there
    and points the socket addresses (``ip``) at ``<folder>/kernel-ipc-<n>``
    (short names: Unix socket paths are limited to about 100 characters).
    The folder is removed when the kernel's resources are cleaned up.
    """

    transport = CaselessStrEnum(
        ["tcp", "ipc"], default_value=DEFAULT_TRANSPORT, config=True,
        help="ZeroMQ transport: 'ipc' (default where supported) or 'tcp'.",
    )

    _private_dir: str | None = None

    def _make_private_dir(self) -> None:
        # mkdtemp creates the folder with mode 0700 already; chmod again in case a
        # permissive umask or platform default interfered.
        # KENTAUDIT_KERNEL_DIR (set by the batch runner) groups a run's kernels in one
        # private folder that the runner removes at the end, even if a kernel was killed.
        base = os.environ.get("KENTAUDIT_KERNEL_DIR") or None
        d = tempfile.mkdtemp(prefix="ka-kernel-", dir=base)
        os.chmod(d, 0o700)
        self._private_dir = d
        self.connection_file = os.path.join(d, "kernel.json")
        self.ip = os.path.join(d, "kernel-ipc")

    async def _async_pre_start_kernel(self, **kw: t.Any):
        if self.transport == "ipc" and self._private_dir is None:
            self._make_private_dir()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    # AsyncKernelManager binds these names to KernelManager's coroutine functions
    # at class creation, so the overrides above must be re-bound here.
    pre_start_kernel = _async_pre_start_kernel
    cleanup_resources = _async_cleanup_resources
