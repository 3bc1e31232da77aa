"""Benchmark: the default cycles with this checkout against an earlier commit, side by side.

Both sides run ``python -m kentaudit run`` on the default cycles (2009 and 2013, every
notebook, the appendix and the reviewer HTML) on this machine in one invocation,
alternating base and head so a change in load affects both alike. The base commit is
checked out into a temporary git worktree and imported from there (``PYTHONPATH``), with
this checkout's virtual environment; each side reads its own parameter files, notebooks
and data. Wall time per side and cycle; medians over the repeats.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CYCLES = ("cycle-2009.yaml", "cycle-2013.yaml")
#: where this checkout's side writes its outputs (``run.py --work`` moves it)
WORK = HERE / ".work" / "versions"
#: the state of main before the issues of 2026-12-01 (disclosure by derived relations,
#: hostile-input hardening, readers' outputs, shrinkage and agreement) landed
DEFAULT_BASE = "8077ce6"


def _stage(root: Path, work: Path, name: str, districts=None) -> Path:
    """A parameter file of ``root`` with absolute inputs, in ``work/params`` beside a link
    to ``root``'s notebooks, writing to ``work/outputs`` (``districts``: only those)."""
    (work / "params").mkdir(parents=True, exist_ok=True)
    nb = work / "notebooks"
    if not nb.exists():
        nb.symlink_to(root / "notebooks", target_is_directory=True)
    data = yaml.safe_load((root / "params" / name).read_text(encoding="utf-8"))

    def absolute(p):
        # relative to the parameter file's folder (since issue 15); to the checkout's root
        # in older commits (8077ce6): whichever names an existing file
        if p is None or Path(p).is_absolute():
            return p
        beside = (root / "params" / p).resolve()
        return str(beside if beside.exists() else (root / p).resolve())

    data["inputs"] = {k: [absolute(x) for x in v] if isinstance(v, list) else absolute(v)
                      for k, v in data["inputs"].items()}
    data["output_dir"] = "outputs"
    if districts is not None:
        data["districts"] = list(districts)
    out = work / "params" / name
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def _run_side(root: Path, work: Path, cycles=CYCLES, districts=None) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    times = {}
    for name in cycles:
        p = _stage(root, work, name, districts)
        shutil.rmtree(work / "outputs", ignore_errors=True)
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "kentaudit", "run", str(p)], cwd=root, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times[name] = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError(f"{root} {name}: exit {r.returncode}: {r.stderr[-2000:]}")
    return times


def run(repeats: int = 2, base: str = DEFAULT_BASE, *, cycles=CYCLES, districts=None) -> dict:
    """Time both default cycles at ``base`` and at this checkout, alternating.

    ``cycles`` and ``districts`` narrow the comparison (``run.py --quick``: the 2009 cycle,
    one district). Returns a dict with ``base``, ``base_commit``, ``cycles``, ``districts``,
    per-side lists of per-run totals (``base_s``, ``head_s``), per-cycle medians
    (``base_by_cycle``, ``head_by_cycle``), the medians and ``ratio`` (head / base)."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", base], check=True,
                            capture_output=True, text=True).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix="kentaudit-bench-base-"))
    tree = tmp / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
                   check=True, capture_output=True)
    works = {"base": tmp / "work", "head": WORK}
    roots = {"base": tree, "head": ROOT}
    runs: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
    try:
        for i in range(repeats):
            for side in (("base", "head") if i % 2 == 0 else ("head", "base")):
                runs[side].append(_run_side(roots[side], works[side], cycles, districts))
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(works["head"], ignore_errors=True)
    out = {"base": base, "base_commit": commit, "repeats": repeats, "cycles": list(cycles),
           "districts": None if districts is None else list(districts)}
    for side in ("base", "head"):
        out[f"{side}_s"] = [sum(r.values()) for r in runs[side]]
        out[f"{side}_by_cycle"] = {c: statistics.median(r[c] for r in runs[side]) for c in cycles}
        out[f"{side}_median"] = statistics.median(out[f"{side}_s"])
    out["ratio"] = out["head_median"] / out["base_median"]
    return out
