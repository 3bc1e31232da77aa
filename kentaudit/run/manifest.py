"""The run manifest: what ran, on what data, with what software, and how it ended.

``outputs/<cycle>/manifest.json`` is written by the batch runner at the start
of a run (status ``running``) and rewritten at the end (``complete``,
``failed`` or ``interrupted``). Its keys are documented in ``docs/running.md``.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from kentaudit.inputs.params import sha256_file

__all__ = ["PACKAGES", "package_versions", "git_info", "utc_now", "new_manifest",
           "write_manifest", "read_manifest", "MANIFEST_VERSION"]

MANIFEST_VERSION = 1

#: Distributions whose versions are recorded (those that shape results or execution).
PACKAGES = ("kentaudit", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
            "pyarrow", "papermill", "nbclient", "nbconvert", "nbformat", "jupyter_client",
            "ipykernel", "pyzmq", "pandera", "gptables", "openpyxl", "holidays", "pyyaml")


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds and a ``Z``-free ``+00:00`` offset."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def package_versions() -> dict[str, str | None]:
    """Installed version of each of :data:`PACKAGES` and of Python (None if not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_info(root: str | Path) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the checkout at ``root``.

    ``dirty`` is true when tracked files differ from the commit, so the commit
    alone does not reproduce the code that ran. Both are None outside git.
    """
    def _git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    try:
        commit = _git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    try:
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        dirty = None
    return {"commit": commit or None, "dirty": dirty}


def new_manifest(params, *, jobs: int, cell_timeout: int, transport: str, appendix: bool,
                 run_id: str) -> dict[str, Any]:
    """The manifest of a run that is starting (status ``running``).

    Parameters
    ----------
    params : CycleParams
    jobs, cell_timeout : int
        Processes used and per-cell timeout in seconds.
    transport : str
        Kernel transport, ``ipc`` or ``tcp``.
    appendix : bool
        Whether the appendix was requested.
    run_id : str
        Identifier of this run (UTC timestamp and process id).
    """

    git = git_info(params.root)
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "cycle": params.cycle,
        "title": params.title,
        "status": "running",
        "started_utc": utc_now(),
        "finished_utc": None,
        "seconds": None,
        "params_file": params.to_dict()["params_file"],
        "params_sha256": sha256_file(params.source),
        "params": params.to_dict(),
        "input_hashes": params.input_hashes(),
        "packages": package_versions(),
        "platform": {"system": platform.system(), "release": platform.release(),
                     "machine": platform.machine(), "python_executable": sys.executable},
        "git_commit": git["commit"],
        "git_dirty": git["dirty"],
        "kernel_transport": transport,
        "jobs": jobs,
        "cell_timeout": cell_timeout,
        "notebooks": [],
        "appendix": {"requested": appendix, "built": False, "reason": None},
        "html": {"index": None, "pages": 0, "images_without_alt": 0},
        "exit_code": None,
    }


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest`` as pretty JSON, atomically (temporary file then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest written by :func:`write_manifest`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
