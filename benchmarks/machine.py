"""Describe the machine a benchmark ran on (for ``benchmarks/results.md``)."""
from __future__ import annotations

import os
import platform
from importlib import metadata

__all__ = ["describe", "as_markdown"]

ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE",
            "NUMEXPR_MAX_THREADS")
EXTRA_PACKAGES = ("tableone", "jupyter_client", "ipykernel")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def describe() -> dict:
    """CPU, cores, memory, OS, Python and package versions, BLAS thread variables, load."""
    from pathlib import Path

    from kentaudit.run.manifest import git_info, package_versions

    pk = package_versions()
    for name in EXTRA_PACKAGES:
        try:
            pk[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pk[name] = None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    blas = None
    try:
        import numpy as np

        cfg = np.show_config(mode="dicts")
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        blas = f"{b.get('name')} {b.get('version')}".strip()
    except Exception:  # noqa: BLE001 - descriptive only
        pass
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "blas": blas,
        "env": {k: os.environ.get(k) for k in ENV_VARS},
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "packages": pk,
        "git": git_info(Path(__file__).resolve().parent.parent),
    }


def as_markdown(m: dict) -> str:
    """The machine as a Markdown bullet list."""
    mem = f"{m['memory_gib']:.1f} GiB" if m["memory_gib"] else "unknown"
    env = ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in m["env"].items())
    load = ", ".join(f"{x:.2f}" for x in m["load_average"]) if m["load_average"] else "unknown"
    pkgs = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    return "\n".join([
        f"- CPU: {m['cpu']}; {m['cores']} cores ({m['cores_usable']} usable by this process)",
        f"- Memory: {mem}",
        f"- OS: {m['os']}; Python {m['python']}; numpy BLAS: {m['blas'] or 'unknown'}",
        f"- Thread variables: {env}",
        f"- Load average (1, 5, 15 min) when the benchmarks started: {load}",
        f"- Packages: {pkgs}",
        f"- kentaudit code: git commit {m['git']['commit']}"
        + (" with uncommitted changes" if m["git"]["dirty"] else ""),
    ])
