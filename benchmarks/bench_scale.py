"""Scale: 10,000 to 1,000,000 synthetic audit rows through ingest and every results table.

For each size, a cycle of that many audit rows is written first (outside the
timing): the bundled synthetic 2009 cycle (initial sample, extended sample and
re-audit) repeated with fresh ``audit_id`` and ``case_ref`` values per copy, so
each copy keeps its re-audit pairs and no row breaks the duplicate rules, and a
districts table whose frame sizes are scaled by the number of copies (the
survey estimates' finite population correction needs a population at least as
large as the sample). A parameter file like ``params/cycle-2009.yaml`` points
at both.

Then a fresh Python process (``python bench_scale.py --child PARAMS``) imports
kentaudit, reads and validates the export (:func:`kentaudit.analysis.load_cycle`,
which runs :func:`kentaudit.inputs.ingest.read_audits`) and computes and saves every
results table of the cycle's notebooks, as the notebooks do: data quality,
compliance, initial against extended, districts (funnels, tests, case-mix
models) and the profile of each of the 12 districts
(:mod:`kentaudit.analysis`; ``Section.save`` without figures).

The child's peak resident memory is its ``VmHWM`` (``/proc/self/status``,
the high-water mark of the process's own address space, read at its end):
numpy and pandas allocate outside ``tracemalloc``'s view. ``ru_maxrss`` from
``os.wait4`` is recorded as well, but Linux carries the parent's resident size
at ``fork`` into the child's ``ru_maxrss`` across ``exec``, so a large parent
(this benchmark after tableone) inflates it; where ``/proc`` is missing it is
the fallback. A child that only imports gives the baseline. (The runner runs
each notebook in its own kernel, so a real run's peak per process is lower
than this child's, which holds one ingest for all of them.)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "scale"
SOURCE = ROOT / "data" / "synthetic" / "audits_2009.csv"

__all__ = ["make_csv", "measure", "run"]


def make_csv(rows: int) -> Path:
    """Write (once) a 2009-shaped cycle of ``rows`` audits and its parameter file; return the latter."""
    import numpy as np
    import pandas as pd
    import yaml

    WORK.mkdir(parents=True, exist_ok=True)
    params = WORK / "params" / f"cycle_{rows}.yaml"
    if params.exists():
        return params
    src = pd.read_csv(SOURCE, dtype=str, keep_default_na=False)
    copies = -(-rows // len(src))
    out = pd.concat([src] * copies, ignore_index=True).iloc[:rows].copy()
    rep = np.repeat(np.arange(copies), len(src))[:rows]
    out["audit_id"] = [f"B{r:05d}-{a}" for r, a in zip(rep, out["audit_id"])]
    # SYN- + copy + the original digits: unique per copy, the same in a case's re-audit
    out["case_ref"] = [f"SYN-{r:05d}{c[4:]}" for r, c in zip(rep, out["case_ref"])]
    csv = WORK / f"audits_{rows}.csv"
    tmp = csv.with_suffix(".tmp")
    out.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, csv)
    districts = pd.read_csv(ROOT / "kentaudit" / "data" / "districts.csv")
    districts["children_on_plans"] *= copies
    dfile = WORK / f"districts_{rows}.csv"
    districts.to_csv(dfile, index=False)
    p = yaml.safe_load((ROOT / "params" / "cycle-2009.yaml").read_text(encoding="utf-8"))
    p["inputs"].update(audits=[str(csv)], previous_audits=[], sampling_frame=None, districts=str(dfile))
    p["output_dir"] = str(WORK / "outputs")
    params.parent.mkdir(parents=True, exist_ok=True)
    (params.parent.parent / "notebooks").mkdir(exist_ok=True)  # load_params checks the notebooks folder
    for nb in p["notebooks"]:
        src_nb = ROOT / "notebooks" / f"{nb}.ipynb"
        dst = params.parent.parent / "notebooks" / src_nb.name
        if not dst.exists():
            dst.write_bytes(src_nb.read_bytes())
    params.write_text(yaml.safe_dump(p, sort_keys=False), encoding="utf-8")
    return params


def _vmhwm_kib() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _child(params: str | None) -> dict:
    """Run in the child: import, ingest, every notebook's tables; return stage times (s)."""
    t0 = time.perf_counter()
    from kentaudit import analysis as analyses

    times = {"import": time.perf_counter() - t0}
    if params is None:
        return {"times": times, "vmhwm_kib": _vmhwm_kib()}
    t = time.perf_counter()
    cd = analyses.load_cycle(params)
    times["ingest"] = time.perf_counter() - t
    rec = cd.ingest.reconciliation.iloc[0]
    t = time.perf_counter()
    sections = [("data_quality", None, analyses.data_quality), ("compliance", None, analyses.compliance_summary),
                ("initial_vs_extended", None, analyses.initial_vs_extended),
                ("districts", None, analyses.districts)]
    sections += [("district_profile", d, lambda c, d=d: analyses.district_profile(c, d))
                 for d in cd.districts["district"]]
    table_rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as out:
        for name, district, fn in sections:
            sec = fn(cd)
            sec.save(out, None, district=district)  # tables only, as the notebook saves them
            for k, v in sec.tables.items():
                table_rows[k if district is None else f"{k} (each district)"] = len(v)
            del sec
        n_files = len(list(Path(out).glob("*.csv")))
    times["tables"] = time.perf_counter() - t
    times["total"] = times["ingest"] + times["tables"]
    return {"times": times, "rows_read": int(rec["rows_read"]), "accepted": int(rec["accepted"]),
            "rejected": int(rec["rejected"]), "table_rows": table_rows, "n_tables": n_files,
            "vmhwm_kib": _vmhwm_kib()}


def measure(path: Path | None) -> dict:
    """Run one fresh child process; return its stage times and peak RSS (MiB)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path) if path else "-"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"scale child failed ({proc.returncode}): {err.read().decode()[-3000:]}")
        result = json.loads(out.read().decode().strip().splitlines()[-1])
    result["wall"] = wall
    result["ru_maxrss_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # the child's own CPU time (user + system)
    hwm = result.get("vmhwm_kib")
    result["peak_rss_mib"] = hwm / 1024 if hwm else result["ru_maxrss_mib"]
    return result


def run(sizes=(10_000, 100_000, 1_000_000), repeats: int = 1) -> dict:
    """Measure every size ``repeats`` times (median of times, max of peaks)."""
    import numpy as np

    base = [measure(None) for _ in range(max(1, repeats))]
    out = {"baseline_rss_mib": max(b["peak_rss_mib"] for b in base),
           "import_s": float(np.median([b["times"]["import"] for b in base])), "sizes": {}}
    for n in sizes:
        path = make_csv(n)
        runs = [measure(path) for _ in range(repeats)]
        csv = path.parent.parent / f"audits_{n}.csv"
        med = {k: float(np.median([r["times"][k] for r in runs])) for k in runs[0]["times"]}
        out["sizes"][n] = {"times": med, "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                           "cpu_s": float(np.median([r["cpu_s"] for r in runs])),
                           "rows_read": runs[0]["rows_read"], "accepted": runs[0]["accepted"],
                           "rejected": runs[0]["rejected"], "table_rows": runs[0]["table_rows"],
                           "n_tables": runs[0]["n_tables"],
                           "file_mib": csv.stat().st_size / 2**20, "repeats": repeats}
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(_child(None if sys.argv[2] == "-" else sys.argv[2])))
    else:
        print(json.dumps(run(), indent=1))
