"""Pre-warmed kernel start-up: fork IPython kernels from a process that has already imported the libraries.

A fresh ipykernel spends about 5 s of CPU importing pandas, scipy, statsmodels,
matplotlib, seaborn and kentaudit before it runs a cell, and the batch runner
starts one kernel per notebook. The *zygote* pays those imports once per run:

- :func:`start_zygote` (called by :func:`kentaudit.run.runner.run_cycle`) starts
  ``python -m kentaudit.run.zygote serve <socket>``. The zygote binds a Unix socket
  in a private folder (mode ``0700``), imports :data:`PRELOAD`, and then only
  listens. It never runs notebook code, so every kernel forked from it starts
  from the same clean state.
- :class:`kentaudit.run.kernels.IPCKernelManager` replaces the kernel command
  ``python -m ipykernel_launcher -f <connection file>`` by a light launcher
  shim, ``python -I -S .../zygote.py launch -- <original command>``, when
  :data:`ZYGOTE_ENV` names a zygote that answers.
- The shim (standard library only) sends the zygote its connection-file
  arguments, working directory, environment and standard streams (passed as
  file descriptors). The zygote ``fork()``\\ s; the child sets itself up as a
  new process would (new session, working directory, environment, streams,
  ``sys.path``, matplotlib backend from ``MPLBACKEND``, numpy's legacy global
  random state reseeded from the OS as a fresh import would) and runs
  :class:`ipykernel.kernelapp.IPKernelApp`.
- The shim stays alive as the kernel's stand-in for jupyter_client: it forwards
  SIGINT (interrupt), SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the
  kernel, and exits with the kernel's exit status when the kernel exits (the
  zygote reports it; a pidfd covers a zygote that died). If the shim's parent
  (the worker) dies, the shim kills the kernel. The kernel exits at once if the
  shim dies (even by SIGKILL: a daemon thread waits on the shim's pidfd), or
  if the zygote dies (ipykernel's own parent poller watches the zygote).

If the zygote cannot be reached the shim runs the normal launcher in its
place (``exec``), so a kernel always starts.

A kernel's exit reaches its shim at once: SIGCHLD wakes the zygote, which
reaps the kernel and sends the shim its status, because jupyter_client waits
for the shim to exit at the end of every notebook. If the runner dies without
stopping the zygote (even by SIGKILL) the zygote notices within half a second,
stops its kernels and removes its private folder.

Known differences from a fresh kernel, none affecting results: kernels of one
run share the zygote's string-hash seed (``PYTHONHASHSEED``), and modules in
:data:`PRELOAD` were imported with the zygote's environment (the runner's,
which the workers and kernels inherit anyway) rather than the kernel's.
"""
from __future__ import annotations

import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

__all__ = ["ZYGOTE_ENV", "NO_FORK_ENV", "PRELOAD", "Zygote", "start_zygote", "ping", "shim_command", "unavailable_reason",
           "is_ipykernel_command", "listening_socket"]

#: Environment variable naming the zygote's socket (set by the runner in its workers).
ZYGOTE_ENV = "KENTAUDIT_ZYGOTE"

#: Modules the zygote imports once, before it forks any kernel. matplotlib's
#: backend is never selected in the zygote (seaborn imports pyplot, which
#: leaves the backend unresolved until a figure is made), so each kernel
#: still gets ipykernel's inline backend.
PRELOAD = ("numpy", "pandas", "scipy.stats", "statsmodels.api", "matplotlib", "seaborn",
           "kentaudit.analysis", "ipykernel.kernelapp",
           # what every notebook's first table or section imports next (pandas' Styler and
           # its templates, the display layer, the second sections of two notebooks)
           "pandas.io.formats.style", "kentaudit.report.tables", "kentaudit.publication.findings",
           "kentaudit.analysis.ranking", "kentaudit.analysis.calibration",
           # the findings of every notebook read the appendix's spec and table builders
           "kentaudit.publication.appendix",
           # what saving a section imports next: the PNG and SVG writers (importing a backend
           # module does not select matplotlib's backend) and pandas' CSV writer
           "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
           "pandas.io.formats.csvs")

#: Seconds the zygote sleeps between checks that its parent is alive. Kernel
#: exits and requests wake it at once (the tests set a long poll through
#: ``KENTAUDIT_ZYGOTE_POLL`` to show that nothing waits for it).
_IDLE_POLL = float(os.environ.get("KENTAUDIT_ZYGOTE_POLL", "0.5"))

#: Seconds the shim waits, once its kernel has exited, for the zygote to send the kernel's
#: exit status before it exits 1 without it. The tests set a long wait through
#: ``KENTAUDIT_SHIM_GIVE_UP``, so that a loaded machine never turns a late status into a
#: failure and a status that never comes shows as a shim still running (no test depends on timing).
_SHIM_GIVE_UP = float(os.environ.get("KENTAUDIT_SHIM_GIVE_UP", "2.0"))

_HEADER = struct.Struct("!I")
_MAX_MSG = 16 * 1024 * 1024
_FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")


# ----------------------------------------------------------------- messages

def _send(sock: socket.socket, msg: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(msg).encode("utf-8")
    data = _HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [data], fds)
        data = data[sent:]
    if data:
        sock.sendall(data)


def _recv(sock: socket.socket, *, maxfds: int = 0) -> tuple[dict | None, list[int]]:
    """One message (None at end of stream) and any file descriptors sent with it."""
    fds: list[int] = []
    buf = b""
    while len(buf) < _HEADER.size or len(buf) < _HEADER.size + _HEADER.unpack_from(buf)[0]:
        if maxfds and not buf:
            chunk, new_fds, _flags, _addr = socket.recv_fds(sock, 65536, maxfds)
            fds.extend(new_fds)
        else:
            need = (_HEADER.size - len(buf) if len(buf) < _HEADER.size
                    else _HEADER.size + _HEADER.unpack_from(buf)[0] - len(buf))
            chunk = sock.recv(min(need, 65536))
        if not chunk:
            for fd in fds:
                os.close(fd)
            if buf:
                raise ConnectionError("zygote connection closed in the middle of a message")
            return None, []
        buf += chunk
        if len(buf) >= _HEADER.size and _HEADER.unpack_from(buf)[0] > _MAX_MSG:
            raise ConnectionError("zygote message too large")
    n = _HEADER.unpack_from(buf)[0]
    return json.loads(buf[_HEADER.size:_HEADER.size + n].decode("utf-8")), fds


def _connect(path: str, timeout: float) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except BaseException:
        s.close()
        raise
    return s


#: Set to 1 to behave as a platform without fork() (Windows), to test the fallback.
NO_FORK_ENV = "KENTAUDIT_NO_FORK"


def unavailable_reason() -> str | None:
    """Why kernels cannot be forked from a zygote here (None if they can).

    The zygote needs ``os.fork`` and Unix domain sockets; Windows has
    neither. ``KENTAUDIT_NO_FORK=1`` reports them missing, to test the
    fallback on a platform that has them.
    """

    if os.environ.get(NO_FORK_ENV, "") == "1":
        return f"{NO_FORK_ENV}=1: fork() treated as unavailable"
    if not hasattr(os, "fork"):
        return "this platform has no fork()"
    if not hasattr(socket, "AF_UNIX"):
        return "this platform has no Unix domain sockets"
    return None


def ping(path: str, timeout: float = 30.0) -> dict:
    """Ask the zygote at ``path`` whether it is ready; returns its reply.

    The zygote answers only once its imports are done, so this waits up to
    ``timeout`` seconds for a zygote that is still starting. Raises OSError
    (or ConnectionError) if there is no zygote or it does not answer.
    """
    with _connect(path, timeout) as s:
        _send(s, {"op": "ping"})
        reply, _ = _recv(s)
    if not reply or not reply.get("ok"):
        raise ConnectionError(f"zygote at {path} did not answer a ping")
    return reply


def _launcher_index(cmd: list[str]) -> int | None:
    """Index of ``ipykernel_launcher`` in ``<python> [-X...] -m ipykernel_launcher ...``, else None."""
    i = 1
    while i < len(cmd) and cmd[i].startswith("-X"):
        i += 1
    if cmd[i:i + 2] == ["-m", "ipykernel_launcher"]:
        return i + 1
    return None


def is_ipykernel_command(cmd: list[str], executable: str) -> bool:
    """Whether ``cmd`` is ``<executable> [-X options] -m ipykernel_launcher ...`` for this zygote's Python.

    (The ``python3`` kernel spec that ipykernel installs passes
    ``-Xfrozen_modules=off``; the zygote runs with it too.)
    """
    return (len(cmd) >= 3 and _launcher_index(cmd) is not None
            and os.path.realpath(cmd[0]) == os.path.realpath(executable))


def shim_command(cmd: list[str]) -> list[str]:
    """The launcher-shim command that stands in for the kernel command ``cmd``.

    ``-I -S``: the shim needs only the standard library, so it skips ``site``
    and does not put ``kentaudit/`` on ``sys.path``.
    """
    return [cmd[0], "-I", "-S", os.path.abspath(__file__), "launch", "--", *cmd]


# ----------------------------------------------------------------- the shim

def _exit_like(status: int) -> None:
    """Exit with the kernel's status: ``-N`` means killed by signal N."""
    sys.stdout.flush()
    sys.stderr.flush()
    if status < 0:
        sig = -status
        try:
            if sig not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            time.sleep(1)
        except (OSError, ValueError):
            pass
        os._exit(128 + sig)
    os._exit(status & 0xFF)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _launch_main(cmd: list[str]) -> None:
    """The shim: have the zygote fork a kernel for ``cmd``, then stand in for it."""
    path = os.environ.get(ZYGOTE_ENV)
    kernel_argv = cmd[(_launcher_index(cmd) or 2) + 1:]
    try:
        if not path:
            raise ConnectionError(f"{ZYGOTE_ENV} is not set")
        conn = _connect(path, 30.0)
        _send(conn, {"op": "launch", "argv": kernel_argv, "cwd": os.getcwd(), "env": dict(os.environ),
                     "shim_pid": os.getpid(), "argv0": cmd[0]}, fds=[0, 1, 2])
        reply, _ = _recv(conn)
        if not reply or not reply.get("ok"):
            raise ConnectionError((reply or {}).get("error") or "no reply")
    except (OSError, ValueError) as exc:
        print(f"kentaudit zygote unavailable ({exc}); starting a normal kernel", file=sys.stderr,
              flush=True)
        os.execv(cmd[0], cmd)
    kernel = int(reply["pid"])
    parent = os.getppid()

    def forward(signum, _frame):
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass

    for name in _FORWARDED:
        signal.signal(getattr(signal, name), forward)
    conn.settimeout(None)
    pidfd = _pidfd(kernel)
    watch = [conn] + ([pidfd] if pidfd is not None else [])
    kernel_gone_at = None
    while True:
        ready, _, _ = select.select(watch, [], [], 0.5)
        if conn in ready:
            try:
                msg, _ = _recv(conn)
            except (OSError, ValueError):
                msg = None
            if msg and "exit" in msg:
                _exit_like(int(msg["exit"]))
            # The zygote went away without a status: follow the kernel by its pidfd.
            watch.remove(conn)
            if pidfd is None:
                forward(signal.SIGKILL, None)
                _exit_like(1)
        if pidfd is not None and pidfd in ready and kernel_gone_at is None:
            kernel_gone_at = time.monotonic()
            watch.remove(pidfd)
            if conn not in watch:
                _exit_like(1)
        if kernel_gone_at is not None and time.monotonic() - kernel_gone_at > _SHIM_GIVE_UP:
            _exit_like(1)  # the kernel exited but its status never came
        if os.getppid() != parent:  # the worker died: take the kernel with us
            forward(signal.SIGKILL, None)
            _exit_like(1)


# --------------------------------------------------------------- the kernel

def _watch_shim(shim_pid: int) -> None:
    """In the kernel: exit at once when the shim is gone (even if it was SIGKILLed)."""

    fd = _pidfd(shim_pid)

    def gone() -> bool:
        try:
            os.kill(shim_pid, 0)
        except ProcessLookupError:
            return True
        try:
            with open(f"/proc/{shim_pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except OSError:
            return False

    def run():
        if fd is not None:
            select.select([fd], [], [])
        else:
            while not gone():
                time.sleep(0.5)
        os._exit(1)

    if fd is None and gone():
        os._exit(1)
    threading.Thread(target=run, name="kentaudit-shim-watch", daemon=True).start()


#: The zygote's sys.path before it imported :data:`PRELOAD`.
_PATH_BEFORE_PRELOAD: list[str] = []


def _become_kernel(req: dict, fds: list[int], zygote_pid: int) -> None:
    """In the forked child: become a kernel as a fresh ``python -m ipykernel_launcher`` would."""
    for s in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL if s != signal.SIGPIPE else signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.setsid()
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        if fd > 2:
            os.close(fd)
    os.chdir(req["cwd"])
    env = dict(req["env"])
    # ipykernel's parent poller then watches the zygote (the kernel's real parent);
    # the shim is watched by _watch_shim.
    env["JPY_PARENT_PID"] = str(zygote_pid)
    os.environ.clear()
    os.environ.update(env)
    _watch_shim(int(req["shim_pid"]))
    # sys.path as `python -m ipykernel_launcher` run in cwd leaves it: ipykernel_launcher
    # drops the script folder (InteractiveShellApp.init_path adds '' back), PYTHONPATH first.
    # (as before the preload: odfpy appends its own folder to sys.path when imported)
    base = list((_PATH_BEFORE_PRELOAD or sys.path)[1:])
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in base]
    sys.path[:] = extra + base
    sys.argv = [req.get("argv0") or sys.executable, *req["argv"]]
    if "numpy" in sys.modules:  # a fresh import seeds the legacy global state from the OS
        sys.modules["numpy"].random.seed()
    # What ipykernel's init_gui_pylab would do, applied to the already imported
    # matplotlib as its import would have (rcParams['backend'] from MPLBACKEND).
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].rcParams["backend"] = os.environ["MPLBACKEND"]
    # deferred: ipykernel 0.2 s, and the launcher shim runs this file as `python -I -S` (standard
    # library only, 0.08 s a kernel)
    from ipykernel.kernelapp import IPKernelApp

    # IPKernelApp reads these two from the environment when ipykernel is imported,
    # which happened in the zygote: pass this kernel's values explicitly.
    IPKernelApp.launch_instance(argv=list(req["argv"]),
                                parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0),
                                interrupt=int(os.environ.get("JPY_INTERRUPT_EVENT") or 0))


# --------------------------------------------------------------- the zygote

def listening_socket(path: str, backlog: int = 64) -> socket.socket:
    """A Unix socket at ``path`` (mode 0600) that is already listening when ``path`` appears.

    It is bound under a temporary name in the same private folder, starts listening, and
    only then is renamed to ``path``: whoever sees the file (:func:`start_zygote`, a kernel
    manager, :func:`ping`) can connect at once, never meeting ECONNREFUSED in a gap
    between ``bind`` and ``listen``.
    """
    tmp = os.path.join(os.path.dirname(path), f".{os.getpid()}.b")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        listener.bind(tmp)
    finally:
        os.umask(old)
    listener.listen(backlog)
    os.rename(tmp, path)
    return listener


def _serve(path: str) -> None:
    started = time.monotonic()
    parent = os.getppid()
    stop = {"flag": False}

    def on_term(signum, _frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner stops us with SIGTERM
    # If the runner dies (even by SIGKILL) the kernel sends us SIGTERM at once, so we stop
    # our kernels and remove our folder without waiting for the next parent check.
    # deferred: the launcher shim runs this file as `python -I -S` (standard library only, 0.08 s a
    # kernel)
    from kentaudit.run.deathsig import die_with_parent

    die_with_parent(signal.SIGTERM, expected_parent=parent)
    listener = listening_socket(path)  # clients queue here while the imports run
    os.environ.pop("MPLBACKEND", None)  # each kernel sets the backend from its own environment

    _PATH_BEFORE_PRELOAD[:] = sys.path
    for mod in PRELOAD:
        importlib.import_module(mod)

    if threading.active_count() != 1:
        raise RuntimeError(f"the zygote has {threading.active_count()} Python threads after its "
                           "imports; forking it would be unsafe")
    try:
        # deferred: the launcher shim runs this file as `python -I -S` (standard library only, 0.08
        # s a kernel)
        import zmq

        if zmq.Context._instance is not None:
            raise RuntimeError("a ZeroMQ context exists in the zygote; forking it would be unsafe")
    except ImportError:
        pass
    if "matplotlib" in sys.modules and sys.modules["matplotlib"].rcParams._get_backend_or_none():
        raise RuntimeError("matplotlib's backend was selected in the zygote")
    preload_seconds = round(time.monotonic() - started, 3)
    try:
        print(json.dumps({"ready": True, "pid": os.getpid(), "preload_seconds": preload_seconds}),
              flush=True)
    except BrokenPipeError:  # the runner is gone already: clean up below and exit
        stop["flag"] = stop["orphan"] = True
    children: dict[int, socket.socket | None] = {}
    counts = {"forked": 0}
    # A kernel's exit must reach its shim at once (jupyter_client waits for the
    # shim to exit at the end of every notebook): SIGCHLD writes to a pipe that
    # the loop selects on, so the child is reaped as soon as it exits rather than
    # at the next 0.5 s timeout (which cost about 0.25 s a notebook).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    try:
        while not stop["flag"]:
            if os.getppid() != parent:
                break
            watch = [listener, wake_r] + [c for c in children.values() if c is not None]
            try:
                ready, _, _ = select.select(watch, [], [], _IDLE_POLL)
            except InterruptedError:
                ready = []
            for sock in ready:
                if sock is listener:
                    _accept(listener, children, counts, preload_seconds, (wake_r, wake_w))
                elif sock == wake_r:
                    try:
                        while os.read(wake_r, 512):
                            pass
                    except BlockingIOError:
                        pass
                else:  # the shim closed its end: it died; its kernel's watcher handles that
                    pid = next(p for p, c in children.items() if c is sock)
                    sock.close()
                    children[pid] = None
            _reap(children)
    finally:
        _stop_children(children)
        signal.set_wakeup_fd(-1)
        os.close(wake_r)
        os.close(wake_w)
        listener.close()
        try:
            os.unlink(path)
        except OSError:
            pass
        if os.getppid() != parent or stop.get("orphan"):
            # The runner died without stopping us (e.g. SIGKILL): nobody else will
            # remove the private folder (socket and log), so remove it here.

            shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def _accept(listener, children, counts, preload_seconds, wake_fds=()) -> None:
    try:
        conn, _ = listener.accept()
    except OSError:
        return
    conn.settimeout(10)
    try:
        req, fds = _recv(conn, maxfds=3)
    except (OSError, ValueError):
        conn.close()
        return
    if not req:
        conn.close()
        return
    if req.get("op") == "ping":
        try:
            _send(conn, {"ok": True, "pid": os.getpid(), "executable": sys.executable,
                         "preloaded": list(PRELOAD), "preload_seconds": preload_seconds,
                         "forked": counts["forked"]})
        except OSError:
            pass
        conn.close()
        return
    if req.get("op") != "launch" or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        try:
            _send(conn, {"ok": False, "error": "bad request"})
        except OSError:
            pass
        conn.close()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    zygote_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the kernel
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for fd in wake_fds:
                os.close(fd)
            listener.close()
            conn.close()
            for c in children.values():
                if c is not None:
                    c.close()
            _become_kernel(req, fds, zygote_pid)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:

            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    for fd in fds:
        os.close(fd)
    counts["forked"] += 1
    try:
        _send(conn, {"ok": True, "pid": pid})
        conn.settimeout(None)
        children[pid] = conn
    except OSError:
        conn.close()
        children[pid] = None


def _reap(children) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.waitstatus_to_exitcode(status)
        conn = children.pop(pid, None)
        if conn is not None:
            try:
                _send(conn, {"exit": code})
            except OSError:
                pass
            conn.close()


def _stop_children(children, grace: float = 3.0) -> None:
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while children and time.monotonic() < deadline:
        _reap(children)
        time.sleep(0.05)
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        conn = children.pop(pid, None)
        if conn is not None:
            conn.close()


# ------------------------------------------------------------ runner side

class Zygote:
    """A running zygote process, started by :func:`start_zygote`.

    Attributes: ``path`` (socket path, for :data:`ZYGOTE_ENV`), ``process``
    (:class:`subprocess.Popen`), ``folder`` (its private ``0700`` folder).
    Use as a context manager or call :meth:`stop`, which is idempotent.
    """

    def __init__(self, process, folder: str, path: str, log_path: str):
        self.process, self.folder, self.path, self._log_path = process, folder, path, log_path
        self.info: dict = {}

    def stop(self, grace: float = 5.0) -> dict:
        """Stop the zygote (SIGTERM, then SIGKILL), remove its folder; return what it reported.

        The returned dict has ``ready`` (bool), ``preload_seconds`` (if it got
        ready), ``exit_code`` and ``stderr`` (the zygote's own error output, if any).
        """

        if self.info.get("stopped"):
            return self.info
        p = self.process
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        out = p.stdout.read() if p.stdout else ""
        if p.stdout:
            p.stdout.close()
        info: dict = {"ready": False}
        for line in (out or "").splitlines():
            try:
                info.update(json.loads(line))
            except ValueError:
                pass
        try:
            with open(self._log_path, encoding="utf-8", errors="replace") as f:
                err = f.read().strip()
        except OSError:
            err = ""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.info = {"ready": bool(info.get("ready")), "preload_seconds": info.get("preload_seconds"),
                     "exit_code": p.returncode, "stderr": err[-4000:], "stopped": True}
        return self.info

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_zygote(base: str | None = None) -> Zygote:
    """Start a zygote in a new private folder (mode ``0700``) under ``base``.

    Returns as soon as the zygote's socket exists (it imports in the
    background; :func:`ping` waits for it). Raises RuntimeError if it does
    not start. The process runs in its own session, so a Ctrl-C in the
    terminal reaches only the runner, which stops the zygote with
    :meth:`Zygote.stop`; the zygote also exits if its parent dies.
    """

    folder = tempfile.mkdtemp(prefix="ka-zyg-", dir=base)
    os.chmod(folder, 0o700)
    path = os.path.join(folder, "z.sock")
    log_path = os.path.join(folder, "zygote.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-Xfrozen_modules=off", "-m", "kentaudit.run.zygote", "serve", path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                text=True, start_new_session=True, close_fds=True)
    z = Zygote(proc, folder, path, log_path)
    # Wait for the socket (listening before the imports, within a fraction of a second: see
    # listening_socket), so a kernel manager that finds no socket knows there is no zygote.
    deadline = time.monotonic() + 15
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > deadline:
            info = z.stop()
            raise RuntimeError(f"the kernel zygote did not start: {info['stderr'] or 'no socket'}")
        time.sleep(0.01)
    return z


def _main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "launch" and argv[1] == "--":
        _launch_main(argv[2:])
    elif len(argv) == 2 and argv[0] == "serve":
        _serve(argv[1])
    else:
        print("usage: python -m kentaudit.run.zygote serve SOCKET | launch -- KERNEL-COMMAND...",
              file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    _main(sys.argv[1:])
