"""Scale: 10,000 to 1,000,000 synthetic audit rows through ingest and the results tables.

For each size, a CSV export of that many rows is written first (outside the
timing) by resampling the bundled synthetic audits of 2009-2013 with fresh
``audit_id`` and ``case_ref`` values (so no row breaks the duplicate rules).
Then a fresh Python process (``python bench_scale.py --child FILE``) imports
kentaudit, ingests the file with :func:`kentaudit.ingest.read_audits` and
computes the results tables that need no notebook:

* criterion counts by district, by sample and by cycle
  (:func:`kentaudit.proportions.criterion_counts`);
* compliance with Wilson intervals by cycle x sample x district
  (:func:`kentaudit.proportions.compliance`);
* funnel tables: limits at 95% and 99.8% for every cycle x criterion x district
  denominator and the dispersion test per cycle x criterion
  (:mod:`kentaudit.funnel`);
* district tests: districts x (yes, no) independence test per cycle x
  criterion (:func:`kentaudit.association.independence_test`) and each district
  against the rest (:func:`kentaudit.association.one_vs_rest`, Holm).

The child's peak resident memory is its ``VmHWM`` (``/proc/self/status``,
the high-water mark of the process's own address space, read at its end):
numpy and pandas allocate outside ``tracemalloc``'s view. ``ru_maxrss`` from
``os.wait4`` is recorded as well, but Linux carries the parent's resident size
at ``fork`` into the child's ``ru_maxrss`` across ``exec``, so a large parent
(this benchmark after tableone) inflates it; where ``/proc`` is missing it is
the fallback. A child that only imports gives the baseline.
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
SOURCES = sorted((ROOT / "data" / "synthetic").glob("audits_20*.csv"))

__all__ = ["make_csv", "measure", "run"]


def make_csv(rows: int, seed: int = 20090212) -> Path:
    """Write (once) an export of ``rows`` audits resampled from the synthetic data."""
    import numpy as np
    import pandas as pd

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"audits_{rows}.csv"
    if path.exists():
        return path
    src = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in SOURCES],
                    ignore_index=True)
    rng = np.random.default_rng(seed)
    out = src.iloc[rng.integers(0, len(src), size=rows)].reset_index(drop=True)
    n = np.arange(1, rows + 1)
    out["audit_id"] = [f"B{i:08d}" for i in n]
    # unique references, so the same-case-twice-in-a-sample rule never fires
    out["case_ref"] = [f"SYN-{i:07d}" for i in n]
    tmp = path.with_suffix(".tmp")
    out.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return path


def _vmhwm_kib() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _child(path: str | None) -> dict:
    """Run in the child: import, ingest, tables; return stage times (s)."""
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd

    from kentaudit.association import independence_test, one_vs_rest
    from kentaudit.funnel import dispersion_test, funnel_limits
    from kentaudit.ingest import read_audits
    from kentaudit.proportions import compliance, criterion_counts

    times = {"import": time.perf_counter() - t0}
    if path is None:
        return {"times": times, "vmhwm_kib": _vmhwm_kib()}
    t = time.perf_counter()
    res = read_audits(path, synthetic=True)
    a = res.accepted
    times["ingest"] = time.perf_counter() - t
    rec = res.reconciliation.iloc[0]

    t = time.perf_counter()
    tables = {}
    for by in ("district", "sample", "cycle"):
        tables[f"counts_by_{by}"] = criterion_counts(a, by=by)
    comp = compliance(a, by=["cycle", "sample", "district"], method="wilson", conf_level=0.95)
    tables["compliance"] = comp
    cd = criterion_counts(a, by=["cycle", "district"])
    limits, disp, indep = [], [], []
    for (cyc, crit), g in cd.groupby(["cycle", "criterion"], sort=True):
        g = g[g["n_applicable"] > 0]
        if len(g) < 2:
            continue
        lim = funnel_limits(g["n_applicable"].to_numpy(), target=0.8, conf_levels=(0.95, 0.998))
        lim.insert(0, "criterion", crit)
        lim.insert(0, "cycle", cyc)
        limits.append(lim)
        d = dispersion_test(g["n_yes"].to_numpy(), g["n_applicable"].to_numpy(), target=0.8)
        d.insert(0, "criterion", crit)
        d.insert(0, "cycle", cyc)
        disp.append(d)
        it = independence_test(g.set_index("district")[["n_yes", "n_no"]], method="auto")
        it.insert(0, "criterion", crit)
        it.insert(0, "cycle", cyc)
        indep.append(it)
    tables["funnel_limits"] = pd.concat(limits, ignore_index=True)
    tables["funnel_dispersion"] = pd.concat(disp, ignore_index=True)
    tables["district_independence"] = pd.concat(indep, ignore_index=True)
    # select one cycle and only the columns the comparison reads: grouping the whole
    # frame would make a sorted copy of every text column (about 600 MiB at 1,000,000 rows)
    needed = ["cycle", "district", *[c for c in a.columns if c.startswith("c_")]]
    ovr = [one_vs_rest(a.loc[a["cycle"] == cyc, needed], group="district",
                       adjust_method="holm").assign(cycle=cyc)
           for cyc in sorted(a["cycle"].dropna().unique())]
    tables["district_vs_rest"] = pd.concat(ovr, ignore_index=True)
    times["tables"] = time.perf_counter() - t
    times["total"] = times["ingest"] + times["tables"]
    return {"times": times, "rows_read": int(rec["rows_read"]), "accepted": int(rec["accepted"]),
            "rejected": int(rec["rejected"]),
            "table_rows": {k: len(v) for k, v in tables.items()}, "vmhwm_kib": _vmhwm_kib()}


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
        med = {k: float(np.median([r["times"][k] for r in runs])) for k in runs[0]["times"]}
        out["sizes"][n] = {"times": med, "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                           "rows_read": runs[0]["rows_read"], "accepted": runs[0]["accepted"],
                           "rejected": runs[0]["rejected"], "table_rows": runs[0]["table_rows"],
                           "file_mib": path.stat().st_size / 2**20, "repeats": repeats}
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(_child(None if sys.argv[2] == "-" else sys.argv[2])))
    else:
        print(json.dumps(run(), indent=1))
