"""Reruns of the default cycle: what ``kentaudit run`` executes again, and how long it takes.

On a copy of ``params/cycle-2009.yaml`` whose audit export is a copy under
``benchmarks/.work/rerun/`` (so that it can be edited), each step is the command a user
types, timed as a subprocess, and its manifest read for what it did:

* **first**: the first run (every notebook, the appendix, the reviewer HTML);
* **no change**: the same command again: expected 0 notebooks executed, the appendix reused;
* **one district's note**: one Thanet audit's ``notes`` edited: expected Thanet's profile
  and the notebooks run once per cycle executed, the other districts' profiles reused,
  the appendix built;
* **one district's answer**: one Thanet audit of the extended sample (the sample the
  district comparisons read) with a criterion answer changed: every district's profile
  executed too (each compares its district with the rest of the authority);
* **--districts Thanet, no change**: a partial run after the last: expected 0 executed;
* **--no-reuse**: everything executed (the cost a rerun would have without reuse).

Each step records wall seconds, the notebook executions executed and reused
(``cache.decision`` in the manifest), the kernels started (``kernel_zygote``) and whether
the appendix was reused. CPU seconds are the children's user + system time of the step.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "rerun"
BIN = Path(sys.executable).parent

__all__ = ["prepare", "run", "section", "step", "summary_rows"]


def prepare(params_file: Path, districts=None) -> Path:
    """The scratch parameter file: absolute inputs, the audits copied under WORK, output_dir there
    (and, in quick mode, the cycle's districts cut to ``districts``)."""
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "params").mkdir(parents=True)
    (WORK / "data").mkdir()
    (WORK / "notebooks").symlink_to((ROOT / "notebooks").resolve(), target_is_directory=True)
    src = Path(params_file).resolve()
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    base = src.parent

    def absolute(p):
        return None if p is None else str((base / p).resolve()) if not Path(p).is_absolute() else p

    inputs = data["inputs"]
    for k, v in inputs.items():
        inputs[k] = [absolute(x) for x in v] if isinstance(v, list) else absolute(v)
    copied = []
    for a in inputs["audits"]:
        dest = WORK / "data" / Path(a).name
        shutil.copyfile(a, dest)
        copied.append(str(dest))
    inputs["audits"] = copied
    data["output_dir"] = str(WORK / "outputs")
    if districts:
        data["districts"] = list(districts)
    out = WORK / "params" / src.name
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def step(params_file: Path, *extra: str, name: str = "") -> dict:
    """Run ``kentaudit run <params> --jobs 2 <extra>``; its time and what it executed."""
    cmd = [str(BIN / "kentaudit"), "run", str(params_file), "--jobs", "2", *extra]
    c0, t0 = _children_cpu(), time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    folder = params["cycle"] + ("-partial" if "--districts" in extra else "")
    m = json.loads((Path(params["output_dir"]) / folder / "manifest.json").read_text(encoding="utf-8"))
    executed = sorted(Path(e["output"]).stem for e in m["notebooks"]
                      if (e.get("cache") or {}).get("decision") != "reused")
    z = m.get("kernel_zygote") or {}
    app = m.get("appendix") or {}
    return {"step": name, "wall_s": wall, "cpu_s": cpu, "executions": len(m["notebooks"]),
            "executed": executed, "n_executed": len(executed),
            "n_reused": len(m["notebooks"]) - len(executed),
            "kernels_started": (z.get("kernels_forked") or 0) + (z.get("kernels_direct") or 0),
            "appendix": "reused" if app.get("reused_from") else ("built" if app.get("built") else "not built")}


def _edit(params_file: Path, district: str, column: str, sample: str | None, value) -> None:
    """Edit one audit of ``district`` in the (copied) export: ``column`` set from ``value(old)``."""
    path = Path(yaml.safe_load(params_file.read_text(encoding="utf-8"))["inputs"]["audits"][0])
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    mask = d["district"] == district
    if sample:
        mask &= d["sample"] == sample
    row = d.index[mask][0]
    d.loc[row, column] = value(d.loc[row, column])
    d.to_csv(path, index=False)


def run(params_file: Path = ROOT / "params" / "cycle-2009.yaml", district: str = "Thanet", *,
        quick: bool = False, work=None) -> dict:
    """Every step above, in order; a list of their results and the expectations met.

    ``quick`` (``benchmarks/run.py --quick``, run by the test suite): the cycle cut to one
    district, and only the first run and the no-change rerun. ``work``: the scratch folder."""
    global WORK
    if work is not None:
        WORK = Path(work)
    p = prepare(params_file, [district] if quick else None)
    steps = [step(p, name="first run")]
    steps.append(step(p, name="no change"))
    if quick:
        return {"params_file": str(params_file), "steps": steps, "quick": True,
                "expectations": {"no change executes 0 notebooks": steps[1]["n_executed"] == 0},
                "load_average": os.getloadavg()}
    _edit(p, district, "notes", None, lambda old: (old or "") + " (corrected)")
    steps.append(step(p, name=f"one district's note ({district})"))
    _edit(p, district, "c_seen", "extended", lambda old: "N" if old == "Y" else "Y")
    steps.append(step(p, name=f"one district's answer ({district})"))
    steps.append(step(p, "--districts", district, name=f"--districts {district}, no change"))
    steps.append(step(p, "--no-reuse", name="--no-reuse (everything)"))
    code = {"first": steps[0], "none": steps[1], "note": steps[2], "answer": steps[3],
            "districts": steps[4], "all": steps[5]}
    n_profiles = sum(1 for s in steps[0]["executed"] if s.startswith("district_"))
    cycle_wide = {s for s in steps[0]["executed"] if "__" not in s}
    expect = {
        "no change executes 0 notebooks": code["none"]["n_executed"] == 0 and code["none"]["appendix"] == "reused",
        "a note in one district reruns its profile and the cycle-wide notebooks only":
            set(code["note"]["executed"]) == cycle_wide | {s for s in steps[0]["executed"] if s.endswith("__THA")},
        "an answer in one district reruns every profile and the cycle-wide notebooks":
            code["answer"]["n_executed"] == n_profiles + len(cycle_wide),
        "--districts with nothing changed executes 0 notebooks": code["districts"]["n_executed"] == 0,
    }
    return {"params_file": str(params_file), "steps": steps, "expectations": expect,
            "load_average": os.getloadavg()}


def _fmt_s(x: float) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.1f} s"


def _ok(flag: bool) -> str:
    return "met" if flag else "**not met**"


def _executed_words(s: dict, first: dict) -> str:
    """Which executions a step ran, in words: all, none, or their stems."""
    if s["n_executed"] == 0:
        return "none"
    if s["n_executed"] == s["executions"] and s["executions"] == first["executions"]:
        return "all"
    return ", ".join(s["executed"])


def section(result: dict) -> str:
    """The "Reruns" section of ``benchmarks/results.md``: one row per step, the expectations."""
    steps = result["steps"]
    first = steps[0]
    la = result.get("load_average")
    lines = [
        "## Reruns: what `kentaudit run` executes again",
        "",
        f"`kentaudit run --jobs 2` on a copy of `{Path(result['params_file']).name}` whose audit export is a "
        "copy that each step may edit" + (" (quick mode: the cycle cut to one district, the first run and the "
                                          "no-change rerun only)" if result.get("quick") else "")
        + ". Each step is the command a user types, timed as a subprocess; what it executed and reused is "
        "read from the manifest it wrote (`cache.decision` of each notebook execution, `kernel_zygote`, "
        "`appendix.reused_from`). CPU is the step's child processes' user + system time."
        + (f" Load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in la)}." if la else ""),
        "",
        "| step | wall | CPU | notebooks executed | kernels started | appendix | executed |",
        "|---|---|---|---|---|---|---|",
        *[f"| {s['step']} | {_fmt_s(s['wall_s'])} | {_fmt_s(s['cpu_s'])} | {s['n_executed']} of "
          f"{s['executions']} | {s['kernels_started']} | {s['appendix']} | {_executed_words(s, first)} |"
          for s in steps],
        "",
        *[f"- {k}: {_ok(v)}" for k, v in result["expectations"].items()],
    ]
    return "\n".join(lines)


def summary_rows(result: dict) -> list[tuple]:
    """Rows of ``benchmarks/results.md``'s summary table: every step after the first, against it."""
    steps = result["steps"]
    first = steps[0]
    rows = [("Reruns of " + Path(result["params_file"]).name + (" (one district)" if result.get("quick") else ""),
             first["step"], _fmt_s(first["wall_s"]), 1,
             f"{first['n_executed']} of {first['executions']} notebooks executed")]
    nothing = result["expectations"].get("no change executes 0 notebooks")
    for s in steps[1:]:
        note = f"{s['n_executed']} of {s['executions']} notebooks executed, appendix {s['appendix']}"
        if s["step"] == "no change" and nothing is not None:
            note += f" (target 0: {_ok(nothing)})"
        rows.append(("", s["step"], _fmt_s(s["wall_s"]), 1, note))
    return rows


if __name__ == "__main__":
    out = run()
    for s in out["steps"]:
        print(f"{s['step']:<40} {s['wall_s']:7.1f} s wall {s['cpu_s']:7.1f} s CPU  executed "
              f"{s['n_executed']:2d}/{s['executions']}  kernels {s['kernels_started']:2d}  appendix {s['appendix']}")
    for k, v in out["expectations"].items():
        print(f"{'met' if v else 'NOT MET':<8} {k}")
    print(f"load average at the end: {out['load_average']}")
