"""A Jupyter kernel manager that talks to its kernel over IPC (Unix domain) sockets.

The batch runner executes notebooks that hold child-level data. By default
Jupyter kernels listen on TCP ports of the loopback interface, which any local
user can connect to (the messages are signed, but the key sits in a connection
file). :class:`IPCKernelManager` puts the kernel's five ZeroMQ sockets and its
connection file in a private temporary folder (mode ``0700``), so only the
user running the batch can reach the kernel.

Windows has no ZeroMQ IPC transport; there the manager falls back to TCP bound
to the loopback interface (127.0.0.1), with the connection file still in the
private folder, and says so in :data:`DEFAULT_TRANSPORT`, which the runner
records in the manifest. ``KENTAUDIT_KERNEL_TRANSPORT=tcp`` forces the fallback
(to test it on a platform that has IPC). papermill takes the class by name::

    papermill.execute_notebook(..., kernel_manager_class="kentaudit.run.kernels.IPCKernelManager")

When the environment variable ``KENTAUDIT_ZYGOTE`` names a running zygote
(:mod:`kentaudit.run.zygote`, started by the runner) and the kernel is this
Python's ipykernel, the manager starts the kernel by forking it from the
zygote, which has already imported the heavy libraries, instead of running
``python -m ipykernel_launcher``. Otherwise (no zygote, a zygote that does not
answer, another kernel) it launches the kernel normally. Each launch is
recorded in :data:`LAUNCHES` (the runner copies it into the manifest).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import typing as t
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, Type, default

from kentaudit.run import zygote

__all__ = ["IPCKernelManager", "IPCKernelClient", "DEFAULT_TRANSPORT", "TRANSPORT_ENV", "chosen_transport",
           "ipc_supported", "LAUNCHES"]

#: How each kernel of this process was launched, in order: dicts with ``mode``
#: ("zygote" or "direct") and ``reason`` (why not from the zygote; None if it was).
LAUNCHES: list[dict] = []


def ipc_supported() -> bool:
    """Whether this platform's ZeroMQ supports the ``ipc`` transport (not on Windows)."""
    if sys.platform.startswith("win"):
        return False
    try:

        return bool(zmq.has("ipc"))
    except Exception:  # pragma: no cover - zmq is a jupyter_client dependency
        return False


#: Environment variable forcing the transport ("tcp" or "ipc"), e.g. to test the fallback.
TRANSPORT_ENV = "KENTAUDIT_KERNEL_TRANSPORT"


def chosen_transport() -> str:
    """The transport kernels use: ``$KENTAUDIT_KERNEL_TRANSPORT`` if set, else "ipc" where
    ZeroMQ supports it and "tcp" (loopback, 127.0.0.1) where it does not (Windows)."""
    forced = os.environ.get(TRANSPORT_ENV, "").strip().lower()
    if forced in ("tcp", "ipc"):
        return forced if forced == "tcp" or ipc_supported() else "tcp"
    return "ipc" if ipc_supported() else "tcp"


#: The transport :class:`IPCKernelManager` uses on this platform: "ipc", or "tcp" where
#: IPC sockets are not available (Windows) or ``$KENTAUDIT_KERNEL_TRANSPORT`` says so.
DEFAULT_TRANSPORT = chosen_transport()


class IPCKernelClient(AsyncKernelClient):
    """Kernel client whose readiness check ends when the kernel is ready.

    jupyter_client's ``wait_for_ready`` sends ``kernel_info_request`` until a
    reply comes and IOPub carries a message, then reads IOPub until it has been
    quiet for 0.2 s, so every kernel start costs at least 0.2 s of waiting;
    the batch runner starts one kernel per notebook. This version waits for
    what readiness means instead: the ``kernel_info_reply`` to this client's
    request and, on IOPub (so IOPub is known to be connected), the kernel's
    ``idle`` status for that same request, after which the kernel sends nothing
    more for it. Messages still queued from earlier attempts are drained
    without waiting. nbclient reads only messages whose parent is the cell it
    runs, as before. (jupyter_client has no setting for the 0.2 s, hence
    this override.)
    """

    #: Seconds to wait for IOPub's ``idle`` after the reply before asking again
    #: (it follows the reply within milliseconds once IOPub is connected; until
    #: then the kernel's statuses are lost, so asking again is the only way).
    iopub_wait = 0.05

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            if await self._reply_and_idle(msg_id, min(1.0, max(0.0, deadline - time.monotonic()))):
                break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:  # drain statuses of earlier attempts that are already here
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                break

    async def _reply_and_idle(self, msg_id: str, wait: float) -> bool:
        try:
            while True:
                reply = await self.shell_channel.get_msg(timeout=wait)
                if reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "kernel_info_reply":
                    break
        except Empty:
            return False
        end = time.monotonic() + self.iopub_wait
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.iopub_channel.get_msg(timeout=left)
            except Empty:
                return False
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"):
                self._handle_kernel_info_reply(reply)
                return True
        return False

    # AsyncKernelClient binds the name to KernelClient's coroutine function at
    # class creation, so the override must be re-bound here.
    wait_for_ready = _async_wait_for_ready


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
        ["tcp", "ipc"], config=True,
        help="ZeroMQ transport: 'ipc' (default where supported) or 'tcp' (loopback only).",
    )

    @default("transport")
    def _default_transport(self):
        return chosen_transport()

    client_class = "kentaudit.run.kernels.IPCKernelClient"
    client_factory = Type(klass="kentaudit.run.kernels.IPCKernelClient")

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
        # IPC: the sockets are files in the private folder; TCP (where IPC is not
        # available): ports bound to the loopback interface only, never 0.0.0.0.
        self.ip = os.path.join(d, "kernel-ipc") if self.transport == "ipc" else "127.0.0.1"

    async def _async_pre_start_kernel(self, **kw: t.Any):
        # the connection file (which holds the signing key) is private with either transport
        if self._private_dir is None:
            self._make_private_dir()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client sends SIGINT before every shutdown request; an idle kernel then
        # logs "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" in a run that
        # succeeded. A clean shutdown needs no interrupt: the shutdown request follows,
        # then SIGTERM and SIGKILL if the kernel does not exit.
        if getattr(self, "shutting_down", False):
            return
        await super()._async_interrupt_kernel()

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)

        path = os.environ.get(zygote.ZYGOTE_ENV)
        reason = None
        if not path:
            reason = f"{zygote.ZYGOTE_ENV} not set"
        else:
            try:
                info = zygote.ping(path, timeout=float(os.environ.get("KENTAUDIT_ZYGOTE_WAIT", "60")))
            except (OSError, ValueError) as exc:
                reason = f"zygote did not answer: {type(exc).__name__}: {exc}"
            else:
                if zygote.is_ipykernel_command(cmd, info.get("executable", "")):
                    LAUNCHES.append({"mode": "zygote", "reason": None})
                    return zygote.shim_command(cmd)
                reason = "kernel command is not the zygote's Python's ipykernel_launcher"
        LAUNCHES.append({"mode": "direct", "reason": reason})
        if path:
            self.log.warning("kentaudit: starting the kernel directly: %s", reason)
        return cmd

    #: Seconds between checks that a kernel told to shut down has exited.
    #: jupyter_client checks every 0.1 s; that wait ends every notebook of a
    #: batch run, so a finer poll (a cheap ``Popen.poll``) saves about 0.05 s
    #: a notebook on average.
    exit_poll_interval = 0.01

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, self.exit_poll_interval))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    # AsyncKernelManager binds these names to KernelManager's coroutine functions
    # at class creation, so the overrides above must be re-bound here.
    pre_start_kernel = _async_pre_start_kernel
    cleanup_resources = _async_cleanup_resources
    interrupt_kernel = _async_interrupt_kernel
