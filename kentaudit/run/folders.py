"""The runner's folders: confinement, private permissions, and no debris from dead runs.

One job: keep the folders a batch run writes safe and tidy.

- :func:`confined` - every path the runner writes, renames or removes must
  resolve inside ``output_dir`` (the cycle id is validated by
  :mod:`kentaudit.inputs.params`, this is the second lock on the door).
- :func:`check_replaceable` - a run replaces ``<output_dir>/<cycle>/`` only if
  that folder was made by kentaudit (it holds a kentaudit ``manifest.json`` of
  the same cycle); anything else is refused, never overwritten.
- :func:`apply_permissions` - restricted outputs, executed notebooks, reviewer
  HTML, results and figures are private (folders ``0700``, files ``0600``);
  ``publish/`` is readable by others (``0755``/``0644``); the cycle folder is
  ``0755`` so ``publish/`` can be reached; set-aside folders are ``0700``.
- :func:`clean_stale` - the staging folders of runs that died (SIGKILL, power
  cut) and half-finished swaps are found while holding the cycle's lock (so no
  live run owns them) and removed or restored, with a message; the private
  temporary folders of dead runs (``ka-run-*``) are found by their lock and
  removed.
- :func:`run_temp_dir` - the run's private temporary folder (kernels' IPC
  sockets, the forkserver's ``pymp-*`` folder, the zygote), locked while the
  run lives and removed at its end.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from kentaudit.core.errors import RunError

try:  # POSIX
    import fcntl
except ImportError:  # Windows: no advisory file locks
    fcntl = None

__all__ = ["confined", "check_replaceable", "apply_permissions", "clean_stale", "run_temp_dir",
           "PRIVATE_DIRS", "PUBLIC_DIRS", "is_disk_full", "trim_for_disk_full", "low_on_space",
           "LOW_SPACE_BYTES"]

#: Sub-folders of a cycle's outputs only the user running kentaudit may read.
PRIVATE_DIRS = ("restricted", "notebooks", "html", "results", "figures", "publish_rejected")
#: Sub-folders of a cycle's outputs meant for others to read.
PUBLIC_DIRS = ("publish",)
_RUN_TMP_PREFIX = "ka-run-"
_LOCK = ".lock"


def confined(path: Path, output_dir: Path) -> Path:
    """``path``, checked to resolve inside ``output_dir`` (raises :class:`RunError` if not)."""
    out = Path(output_dir).resolve()
    p = Path(path)
    real = (p.parent.resolve() / p.name) if p.name else p.resolve()
    if real == out or not real.is_relative_to(out) or p.name in ("", ".", ".."):
        raise RunError(f"refusing to write {p}: it is not inside the output folder {out}")
    return p


def is_kentaudit_output(folder: Path, cycle: str | None = None) -> bool:
    """Whether ``folder`` is a cycle folder written by kentaudit (its ``manifest.json`` says so)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and "manifest_version" in m and "run_id" in m and (
        cycle is None or str(m.get("cycle")) == str(cycle))


def check_replaceable(final: Path, cycle: str) -> None:
    """Raise :class:`RunError` unless ``final`` is absent or a kentaudit output of ``cycle``."""
    if not (final.exists() or final.is_symlink()):
        return
    if not is_kentaudit_output(final, cycle):
        raise RunError(
            f"refusing to replace {final}: it was not made by a kentaudit run of cycle {cycle!r} (it has "
            "no kentaudit manifest.json of that cycle). kentaudit never overwrites what it did not create: "
            "move that folder away or choose another output_dir.")


def _chmod_tree(top: Path, dmode: int, fmode: int) -> None:
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        with contextlib.suppress(OSError):
            os.chmod(dirpath, dmode)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                with contextlib.suppress(OSError):
                    os.chmod(p, fmode)


def apply_permissions(cycle_dir: Path) -> None:
    """Private sub-folders ``0700``/``0600``, ``publish/`` ``0755``/``0644``, top files ``0600``."""
    cycle_dir = Path(cycle_dir)
    os.chmod(cycle_dir, 0o755)
    for child in cycle_dir.iterdir():
        if child.is_symlink():
            continue
        if child.is_dir():
            if child.name in PUBLIC_DIRS:
                _chmod_tree(child, 0o755, 0o644)
            else:
                _chmod_tree(child, 0o700, 0o600)
        else:
            with contextlib.suppress(OSError):
                os.chmod(child, 0o600)


def make_private(folder: Path) -> None:
    """A set-aside folder: nobody else can enter it."""
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(output_dir: Path, name: str, log=None) -> list[str]:
    """Remove what dead runs of ``name`` left in ``output_dir``; return one message per thing done.

    Call only while holding the cycle's lock: then no live run of ``name``
    owns a ``.staging-<name>-<pid>`` folder, whatever its pid. A
    ``.old-<name>-*`` folder (a swap interrupted between its two renames) is
    put back as ``<name>/`` if that is missing, else removed.
    """
    out = Path(output_dir)
    msgs: list[str] = []
    final = out / name
    pat_staging = re.compile(rf"\.staging-{re.escape(name)}-(\d+)")
    pat_old = re.compile(rf"\.old-{re.escape(name)}-.+")
    try:
        entries = list(out.iterdir())
    except OSError:
        return msgs
    for e in entries:
        m = pat_staging.fullmatch(e.name)
        if m and int(m.group(1)) != os.getpid() and e.is_dir() and not e.is_symlink():
            status = "unknown"
            with contextlib.suppress(OSError, ValueError):
                status = json.loads((e / "manifest.json").read_text(encoding="utf-8")).get("status")
            shutil.rmtree(e, ignore_errors=True)
            msgs.append(f"removed {e}, the staging folder of an earlier run (process {m.group(1)}) that "
                        f"did not finish (its manifest said {status!r}); the last good outputs were not touched")
        elif pat_old.fullmatch(e.name) and e.is_dir() and not e.is_symlink():
            if not final.exists() and is_kentaudit_output(e):
                os.replace(e, final)
                msgs.append(f"restored {final} from {e}, left by a run stopped while swapping its outputs in")
            else:
                shutil.rmtree(e, ignore_errors=True)
                msgs.append(f"removed {e}, the previous outputs of a run stopped while swapping its outputs in")
    msgs += clean_stale_temp()
    for m in msgs:
        if log is not None:
            log(m)
    return msgs


def clean_stale_temp(base: str | None = None) -> list[str]:
    """Remove ``ka-run-*`` folders (in the temporary folder) whose run is dead.

    A live run holds an exclusive lock on ``<folder>/.lock``; a folder whose
    lock can be taken (or that has none, and whose pid in the name is dead)
    belongs to a dead run.
    """

    base = base or tempfile.gettempdir()
    msgs = []
    try:
        entries = [e for e in Path(base).iterdir() if e.name.startswith(_RUN_TMP_PREFIX)]
    except OSError:
        return msgs
    for e in entries:
        try:
            if e.is_symlink() or not e.is_dir() or e.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        m = re.match(rf"{_RUN_TMP_PREFIX}(\d+)-", e.name)
        lock = e / _LOCK
        stale = False
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            stale = m is not None and not _pid_alive(int(m.group(1)))
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                stale = True
            except BlockingIOError:
                stale = False
            finally:
                os.close(fd)
        if stale:
            shutil.rmtree(e, ignore_errors=True)
            msgs.append(f"removed {e}, the temporary folder of an earlier run that did not finish")
    return msgs


@contextlib.contextmanager
def run_temp_dir():
    """A private (``0700``) temporary folder for this run, locked while it lives.

    While inside, :data:`tempfile.tempdir` and ``TMPDIR`` point at it, so the
    forkserver's ``pymp-*`` folder, kernel folders and anything a kernel makes
    with :mod:`tempfile` land inside and go with it.
    """

    base = tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix=f"{_RUN_TMP_PREFIX}{os.getpid()}-", dir=base)
    os.chmod(d, 0o700)
    fd = os.open(os.path.join(d, _LOCK), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    old_tempdir, old_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = d
    os.environ["TMPDIR"] = d
    try:
        yield d
    finally:
        tempfile.tempdir = old_tempdir
        if old_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_env
        os.close(fd)
        shutil.rmtree(d, ignore_errors=True)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is "no space left on device" or "quota exceeded"."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(exc) or "Errno 28" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


#: Free space (bytes) below which a failed run's folder is trimmed to its manifest and log.
LOW_SPACE_BYTES = 64 << 20


def low_on_space(folder: Path) -> bool:
    """Whether the filesystem of ``folder`` has less than :data:`LOW_SPACE_BYTES` free."""
    try:
        return shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        return False


def trim_for_disk_full(folder: Path) -> None:
    """Keep only ``manifest.json`` and ``run.log`` of a failed run's folder (the disk is full)."""
    for child in Path(folder).iterdir():
        if child.name in ("manifest.json", "run.log"):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                child.unlink()
