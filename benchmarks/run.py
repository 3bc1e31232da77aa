"""``make bench``: kentaudit's benchmarks, each comparison side by side in one invocation.

Usage::

    .venv/bin/python benchmarks/run.py              # everything (about 20-30 minutes)
    .venv/bin/python benchmarks/run.py --quick      # smoke mode: every benchmark, small sizes
    .venv/bin/python benchmarks/run.py --only summary --repeats 9

Prints a table of medians and writes ``benchmarks/results.md`` (with the
machine described): one section per benchmark, "Reruns" included.
``tests/test_bench.py`` runs ``--quick`` so that no benchmark can break unseen.

The reruns benchmark is ``benchmarks/bench_rerun.py`` when that file exists
(incremental reruns, issue 26); it is called as ``bench_rerun.run(quick=...,
work=...)`` and must return a dict; ``bench_rerun.section(result)`` (markdown
starting with ``## Reruns``) and ``bench_rerun.summary_rows(result)`` (rows of
the summary table: benchmark, side, median, runs, result) are used when the
module has them, otherwise the dict's scalar entries are tabulated. Without the
file, the "Reruns" section says it was not measured and why.

See ``benchmarks/README.md`` for what each benchmark measures and why.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import machine  # noqa: E402

BENCHES = ("summary", "cycle", "scale", "rerun", "versions", "actions")
#: scale_mib: peak at 1,000,000 rows at most 700 MiB (issue 26; 1,101 MiB before);
#: scale_seconds: ingest + every table at 1,000,000 rows no slower than before (about 70 s
#: on an idle machine, issue 26)
#: cycle_speedup: the cycle at least 6x the serial papermill loop (issue 26; 3x before)
TARGETS = {"summary": 50.0, "cycle_speedup": 6.0, "cycle_floor": 1.5, "scale_mib": 700.0,
           "scale_seconds": 70.0, "versions_ratio": 1.2}
#: --quick: every benchmark at small sizes, one run of each (tests/test_bench.py)
QUICK = {"summary_rows": 2_000, "districts": ["Thanet"], "scale_sizes": (2_000, 10_000),
         "versions_cycles": ("cycle-2009.yaml",)}
RERUN_FILE = HERE / "bench_rerun.py"


def rerun_section(module, result: dict) -> tuple[str, list[tuple]]:
    """The "Reruns" section and summary rows for ``bench_rerun``'s result.

    Uses ``module.section`` and ``module.summary_rows`` when the module has them;
    otherwise tabulates the result's scalar entries (so a new benchmark shows up
    before it formats itself)."""
    if hasattr(module, "section"):
        text = module.section(result)
    else:
        text = "\n".join(["## Reruns", "", "| measure | value |", "|---|---|",
                          *[f"| {k} | {v} |" for k, v in result.items()
                            if isinstance(v, (int, float, str, bool))]])
    rows = list(module.summary_rows(result)) if hasattr(module, "summary_rows") else [
        ("Reruns (bench_rerun.py)", "see the Reruns section", "", 1, "")]
    return text, rows


def rerun_missing_section() -> str:
    """The "Reruns" section when ``benchmarks/bench_rerun.py`` is not in this checkout."""
    return "\n".join([
        "## Reruns", "",
        "Not measured: `benchmarks/bench_rerun.py` is not in this checkout. When it is, "
        "`make bench` runs it here (a rerun with nothing changed, a change to one district's "
        "rows; issue 26)."])


def kept_sections(old_md: str, written: list[str]) -> list[str]:
    """The sections of an earlier ``results.md`` to keep beside the ones this run wrote.

    A run of some benchmarks (``--only``) rewrites their sections and keeps every other
    section of the file as it was (the benchmarks not run, and sections written by hand such as
    the PDF engines'), each headed by its own ``## `` line, in the order they had; "Machine" and
    "Summary" describe this run and are always written anew. A section is replaced when this
    run wrote one whose heading starts with the same words up to the first colon or parenthesis.
    """
    def key(section: str) -> str:
        head = section.splitlines()[0]
        return re.split(r"[:(]", head, maxsplit=1)[0].strip()

    new = {key(x) for x in written} | {"## Machine", "## Summary"}
    when = re.search(r"^Written by .*? on (\S+)\. ", old_md, re.M)
    note = f"_Not run this time: kept from the results.md written on {when.group(1) if when else 'an earlier date'}._"
    kept = []
    for x in re.split(r"(?m)^(?=## )", old_md)[1:]:
        if key(x) in new:
            continue
        head, _, body = x.rstrip("\n").partition("\n")
        if not body.lstrip("\n").startswith("_Not run this time: kept from"):  # noted once, when first kept
            body = "\n" + note + "\n" + body
        kept.append(head + "\n" + body)
    return kept


def _fmt_s(x: float) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.1f} s"


def _runs(xs) -> str:
    return ", ".join(f"{x:.3f}" if x < 1 else f"{x:.1f}" for x in xs)


def _ok(flag: bool) -> str:
    return "met" if flag else "**not met**"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5,
                    help="runs of the fast sides (kentaudit summary, runner); medians are reported (default 5)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke mode: every benchmark at small sizes, one run of each: 2,000 rows "
                         "for the summary, one district for the cycle and the versions (2009 cycle "
                         "only), 2,000 and 10,000 rows for scale")
    ap.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    ap.add_argument("--tableone-repeats", type=int, default=1,
                    help="runs of tableone (about 45 s each; default 1)")
    ap.add_argument("--runner-repeats", type=int, default=3, help="runs of kentaudit run (default 3)")
    ap.add_argument("--loop-repeats", type=int, default=1,
                    help="runs of the serial papermill loop (minutes each; default 1)")
    ap.add_argument("--scale-repeats", type=int, default=1, help="runs of each scale size (default 1)")
    ap.add_argument("--params", default=str(ROOT / "params" / "cycle-2009.yaml"),
                    help="parameter file of the cycle benchmark")
    ap.add_argument("--notebooks-dir", default=str(ROOT / "notebooks"),
                    help="notebooks of the cycle benchmark (development: tests/fixtures/notebooks)")
    ap.add_argument("--notebooks", nargs="+", help="override the file's notebooks (development)")
    ap.add_argument("--districts", nargs="+", help="override the file's districts")
    ap.add_argument("--no-appendix", action="store_true", help="runner without the appendix (development)")
    ap.add_argument("--base", default=None,
                    help="commit the versions benchmark compares this checkout with "
                         "(default: bench_versions.DEFAULT_BASE)")
    ap.add_argument("--versions-repeats", type=int, default=2,
                    help="runs of both default cycles per side in the versions benchmark (default 2)")
    ap.add_argument("--out", default=str(HERE / "results.md"))
    ap.add_argument("--work", default=str(HERE / ".work"),
                    help="scratch folder (parameter copies, outputs, scale CSVs, results.json)")
    a = ap.parse_args(argv)
    work = Path(a.work).resolve()
    work.mkdir(parents=True, exist_ok=True)

    info = machine.describe()
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows, sections, raw = [], [], {"machine": info, "started_utc": started, "args": vars(a)}
    repeats = 1 if a.quick else a.repeats

    if "summary" in a.only:
        import bench_summary

        n = QUICK["summary_rows"] if a.quick else 100_000
        print(f"[summary] {n:,} rows x 20 criteria x 12 districts: kentaudit x{repeats}, "
              f"tableone x{a.tableone_repeats} ...", flush=True)
        r = bench_summary.run(repeats, a.tableone_repeats, rows=n)
        raw["summary"] = r
        rows.append((f"District x criterion summary, {n:,} rows x 20 x 12", "kentaudit (counts, Wilson, chi-square)",
                     _fmt_s(r["kentaudit_median"]), len(r["kentaudit_s"]), ""))
        rows.append(("", "tableone TableOne(..., pval=True)", _fmt_s(r["tableone_median"]),
                     len(r["tableone_s"]), f"{r['ratio']:.0f}x faster (target >= 50x: "
                     f"{_ok(r['ratio'] >= TARGETS['summary'])})"))
        sections.append("\n".join([
            f"## District-by-criterion summary ({n:,} rows x {r['n_criteria']} criteria x {r['n_districts']} districts)",
            "",
            "Same seeded frame for both. kentaudit: `criterion_counts(by=\"district\")`, Wilson intervals from "
            "the counts (`proportion_ci`) and one `independence_test` per criterion on districts x (yes, no) "
            f"({', '.join(f'{v} {k}' for k, v in r['tests'].items())}); {r['n_summary_rows']} summary rows. "
            "tableone: `TableOne(df, columns=cols, categorical=cols, groupby=\"district\", pval=True)`. "
            f"kentaudit was warmed up once, then run {len(r['kentaudit_s'])} times; tableone (about 45 s a run) "
            f"was run {len(r['tableone_s'])} time(s).",
            "",
            "| tool | median | runs (s) |",
            "|---|---|---|",
            f"| kentaudit | {_fmt_s(r['kentaudit_median'])} | {_runs(r['kentaudit_s'])} |",
            f"| tableone {info['packages'].get('tableone')} | {_fmt_s(r['tableone_median'])} | {_runs(r['tableone_s'])} |",
            "",
            f"**Ratio: {r['ratio']:.0f}x** (target at least 50x: {_ok(r['ratio'] >= TARGETS['summary'])}).",
        ]))

    if "cycle" in a.only:
        import bench_cycle

        bench_cycle.WORK = work / "cycle"
        districts = a.districts or (QUICK["districts"] if a.quick else None)
        rr = 1 if a.quick else a.runner_repeats
        lr = 1 if a.quick else a.loop_repeats
        print(f"[cycle] {a.params} ({a.notebooks_dir}): kentaudit run x{rr}, papermill loop x{lr}, "
              "kernel start + imports x3 ...", flush=True)
        load0 = os.getloadavg()
        r = bench_cycle.run(rr, lr, params_file=Path(a.params), notebooks_dir=Path(a.notebooks_dir),
                            districts=districts, notebooks=a.notebooks, jobs=2,
                            appendix=not a.no_appendix, kernel_repeats=1 if a.quick else None)
        r["load_average"] = {"start": load0, "end": os.getloadavg()}
        raw["cycle"] = r
        label = f"Cycle {Path(a.params).name}, {r['n_executions']} notebook runs" + (
            f" ({', '.join(districts)} only)" if districts else "")
        rows.append((label, "kentaudit run --jobs 2", _fmt_s(r["runner_median"]), len(r["runner_s"]),
                     f"{r['speedup']:.1f}x faster than the loop (target >= {TARGETS['cycle_speedup']:.0f}x: "
                     f"{_ok(r['speedup'] >= TARGETS['cycle_speedup'])})"))
        rows.append(("", "serial papermill loop", _fmt_s(r["loop_median"]), len(r["loop_s"]), ""))
        rows.append(("", "floor: n x kernel start+imports / 2", _fmt_s(r["floor"]), len(r["kernel_import_s"]),
                     f"runner = {r['vs_floor']:.2f}x the floor (target <= 1.5x: "
                     f"{_ok(r['vs_floor'] <= TARGETS['cycle_floor'])})"))
        rows.append(("", "compute floor: analyses in one warm process / 2", _fmt_s(r["compute_floor"]), 1,
                     f"runner = {r['vs_compute_floor']:.2f}x the compute floor"))
        sections.append("\n".join([
            "## Cycle: `kentaudit run` against a serial loop of `papermill` commands",
            "",
            f"Parameter file: a copy of `{Path(a.params).relative_to(ROOT) if Path(a.params).is_relative_to(ROOT) else a.params}` "
            f"(output_dir under benchmarks/.work/); notebooks: `{Path(a.notebooks_dir).resolve().relative_to(ROOT) if Path(a.notebooks_dir).resolve().is_relative_to(ROOT) else a.notebooks_dir}`"
            + (f"; districts: {', '.join(districts)}" if districts else "")
            + (f"; notebooks: {', '.join(a.notebooks)}" if a.notebooks else "")
            + f". {r['n_executions']} notebook executions. The runner ran with 2 processes"
            + (" and built the appendix and the reviewer HTML as well (the loop builds neither)"
               if r["appendix"] else " without the appendix (reviewer HTML still built)")
            + ". The loop runs one `papermill IN OUT -f job.yaml --cwd notebooks` command per execution, "
            "with the same four injected parameters. Floor = executions x (start a python3 kernel, import "
            "pandas, seaborn, scipy.stats and statsmodels.api in it, shut it down) / 2 cores.",
            "",
            "Load average (1, 5, 15 min) when this benchmark started: "
            + ", ".join(f"{x:.2f}" for x in r["load_average"]["start"]) + "; when it ended: "
            + ", ".join(f"{x:.2f}" for x in r["load_average"]["end"])
            + ". On a busy machine every side's wall time grows; compare the ratio, measured in one run.",
            "",
            "| side | median | runs (s) |",
            "|---|---|---|",
            f"| kentaudit run --jobs 2 | {_fmt_s(r['runner_median'])} | {_runs(r['runner_s'])} |",
            f"| serial papermill loop | {_fmt_s(r['loop_median'])} | {_runs(r['loop_s'])} |",
            f"| kernel start + imports (one) | {_fmt_s(r['kernel_import_median'])} | {_runs(r['kernel_import_s'])} |",
            f"| imports alone, `python -c` (one) | {_fmt_s(r['imports_alone_median'])} | {_runs(r['imports_alone_s'])} |",
            f"| floor ({r['n_executions']} x kernel+imports / 2) | {_fmt_s(r['floor'])} | |",
            (f"| compute floor (every execution's code in one warm process, CPU / {r['jobs']}) | "
             f"{_fmt_s(r['compute_floor'])} | CPU {_fmt_s(r['compute_cpu_s'])} |"),
            "",
            ("CPU seconds (user + system of each side's processes, less exposed to the machine's load than "
             f"wall time): runner {_runs(r['runner_cpu_s'])}, loop {_runs(r['loop_cpu_s'])}, the analyses alone "
             f"{r['compute_cpu_s']:.1f}; the loop used "
             f"{statistics.median(r['loop_cpu_s']) / statistics.median(r['runner_cpu_s']):.2f}x "
             "the runner's CPU (with the appendix and reviewer pages, which only the runner builds)."),
            "",
            f"Inside the last runner run (its manifest): {r['runner_manifest_seconds']:.1f} s from start to "
            f"finish; notebook executions took {sum(r['notebook_seconds'].values()):.1f} s in all "
            f"({sum(r['notebook_seconds'].values()) / r['jobs']:.1f} s per process), the longest "
            + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(r["notebook_seconds"].items(), key=lambda kv: -kv[1])[:3])
            + "; the rest is the appendix, the reviewer HTML and start-up.",
            "",
            f"**Runner {r['speedup']:.1f}x faster than the loop** (target at least {TARGETS['cycle_speedup']:.0f}x: "
            f"{_ok(r['speedup'] >= TARGETS['cycle_speedup'])}); **runner = {r['vs_floor']:.2f}x the floor** "
            f"(target at most 1.5x: {_ok(r['vs_floor'] <= TARGETS['cycle_floor'])}).",
        ]))

    if "scale" in a.only:
        import bench_scale

        bench_scale.WORK = work / "scale"
        sizes = QUICK["scale_sizes"] if a.quick else (10_000, 100_000, 1_000_000)
        sr = 1 if a.quick else a.scale_repeats
        print(f"[scale] {', '.join(f'{s:,}' for s in sizes)} rows (files written first), x{sr} ...", flush=True)
        r = bench_scale.run(sizes, repeats=sr)
        raw["scale"] = r
        lines = ["| rows | file | ingest | every results table | total | CPU (child) | peak RSS | rows/s (ingest) |",
                 "|---|---|---|---|---|---|---|---|"]
        for n, s in r["sizes"].items():
            t = s["times"]
            lines.append(f"| {n:,} | {s['file_mib']:.0f} MiB | {_fmt_s(t['ingest'])} | {_fmt_s(t['tables'])} | "
                         f"{_fmt_s(t['total'])} | {_fmt_s(s['cpu_s'])} | {s['peak_rss_mib']:.0f} MiB | "
                         f"{n / t['ingest']:,.0f} |")
            rows.append((f"Scale, {n:,} rows" if n == sizes[0] else f"{n:,} rows", "ingest + every results table",
                         _fmt_s(t["total"]), s["repeats"],
                         f"peak {s['peak_rss_mib']:.0f} MiB" + (
                             f" (target <= {TARGETS['scale_mib']:.0f} MiB: "
                             f"{_ok(s['peak_rss_mib'] <= TARGETS['scale_mib'])})"
                             if n == max(sizes) else "")))
        lo, hi = r["sizes"][min(sizes)], r["sizes"][max(sizes)]
        growth_t = hi["times"]["total"] / lo["times"]["total"]
        growth_m = (hi["peak_rss_mib"] - r["baseline_rss_mib"]) / max(1e-9, lo["peak_rss_mib"] - r["baseline_rss_mib"])
        big = max(sizes)
        sections.append("\n".join([
            "## Scale: ingest and every results table of the cycle's notebooks",
            "",
            "Each size is the bundled synthetic 2009 cycle (initial, extended and re-audit samples) repeated "
            "with fresh audit_id and case_ref per copy (re-audit pairs kept), with the districts' frame sizes "
            "scaled by the number of copies; it is written before timing. Each run is a fresh Python process: "
            "`analyses.load_cycle` (which runs `read_audits`), then every section of the 2009 notebooks, "
            "each saved as the notebook saves it (tables only, no figures): data quality (reconciliation, "
            "completeness, timeliness agreement, moderation kappa), compliance (with the stratified "
            "authority estimate), initial against extended (Newcombe differences, McNemar re-audit, "
            "precision gain, rank-sum and proportional-odds grade comparison), districts (funnels, "
            "independence and one-against-rest tests with Holm, case-mix logistic models and "
            "likelihood-ratio tests) and the profile of each of the 12 districts. One process holds one "
            "ingest for all of them (the runner gives each notebook its own kernel, so a run's peak per "
            "process is lower). Peak RSS is the child's own high-water mark (`VmHWM` in /proc/self/status; "
            "`ru_maxrss` would include this benchmark process's size at fork), which includes the "
            f"interpreter and imports: a child that only imports peaks at {r['baseline_rss_mib']:.0f} MiB "
            f"(imports {_fmt_s(r['import_s'])}, not counted in the times).",
            "",
            *lines,
            "",
            f"Growth from {min(sizes):,} to {big:,} rows ({big // min(sizes)}x the rows): time "
            f"{growth_t:.0f}x, memory above the import baseline {growth_m:.0f}x. Peak at {big:,} rows: "
            f"{hi['peak_rss_mib']:.0f} MiB (target at most {TARGETS['scale_mib']:.0f} MiB: "
            f"{_ok(hi['peak_rss_mib'] <= TARGETS['scale_mib'])})"
            + (f"; time {_fmt_s(hi['times']['total'])}, CPU {_fmt_s(hi['cpu_s'])} (target: no slower than "
               f"about {TARGETS['scale_seconds']:.0f} s on an idle machine, issue 26: "
               f"{_ok(hi['times']['total'] <= TARGETS['scale_seconds'])}; the load average above says "
               "how idle this machine was)." if big == 1_000_000 else "."),
            "",
            f"Results tables written at the largest size: {hi['n_tables']} files; rows: "
            + ", ".join(f"{k} {v:,}" for k, v in hi["table_rows"].items()) + ".",
        ]))

    if "rerun" in a.only:
        if RERUN_FILE.exists():
            import bench_rerun

            print("[rerun] benchmarks/bench_rerun.py ...", flush=True)
            r = bench_rerun.run(quick=a.quick, work=work / "rerun")
            raw["rerun"] = r
            text, rr_rows = rerun_section(bench_rerun, r)
            rows.extend(rr_rows)
            sections.append(text)
        else:
            print("[rerun] benchmarks/bench_rerun.py is not in this checkout: not measured", flush=True)
            rows.append(("Reruns", "not measured", "", 0, "benchmarks/bench_rerun.py not in this checkout"))
            sections.append(rerun_missing_section())

    if "versions" in a.only:
        import bench_versions

        bench_versions.WORK = work / "versions"
        base = a.base or bench_versions.DEFAULT_BASE
        vr = 1 if a.quick else a.versions_repeats
        cycles = QUICK["versions_cycles"] if a.quick else bench_versions.CYCLES
        vdistricts = QUICK["districts"] if a.quick else None
        what = (f"{', '.join(c.removesuffix('.yaml') for c in cycles)}"
                + (f" ({', '.join(vdistricts)} only)" if vdistricts else ""))
        print(f"[versions] {what} at {base} and at this checkout, alternating, x{vr} ...", flush=True)
        r = bench_versions.run(vr, base, cycles=cycles, districts=vdistricts)
        raw["versions"] = r
        ok = r["ratio"] <= TARGETS["versions_ratio"]
        label = "Both default cycles" if len(cycles) == 2 and not vdistricts else f"Cycles {what}"
        rows.append((f"{label} (kentaudit run)", "this checkout", _fmt_s(r["head_median"]),
                     len(r["head_s"]), f"{r['ratio']:.2f}x the base (target <= 1.2x: {_ok(ok)})"))
        rows.append(("", f"base {r['base_commit']}", _fmt_s(r["base_median"]), len(r["base_s"]), ""))
        names = [c.removesuffix(".yaml") for c in cycles]
        sections.append("\n".join([
            f"## This checkout against {r['base_commit']}: {label.lower() if vdistricts else 'both default cycles'}",
            "",
            "`python -m kentaudit run` on " + " and ".join(f"`params/{c}`" for c in cycles)
            + (f", districts {', '.join(vdistricts)} only" if vdistricts else "")
            + " (every notebook, the appendix and the reviewer HTML), each side with its own code, notebooks, "
            "parameter files and data, in one invocation, alternating base and head. The base is "
            "checked out in a temporary git worktree and imported from there with this checkout's "
            "virtual environment.",
            "",
            "| side | median (all cycles) | " + " | ".join(names) + " | runs (s) |",
            "|---|---|" + "---|" * len(names) + "---|",
            *[f"| {lab} | {_fmt_s(r[s + '_median'])} | "
              + " | ".join(_fmt_s(r[s + '_by_cycle'][c]) for c in cycles) + f" | {_runs(r[s + '_s'])} |"
              for s, lab in (("head", "this checkout"), ("base", f"base {r['base_commit']}"))],
            "",
            f"**This checkout = {r['ratio']:.2f}x the base** (target at most 1.2x: {_ok(ok)}).",
        ]))

    if "actions" in a.only:
        import bench_actions

        print("[actions] truth recovery of the action evaluation ...", flush=True)
        r = bench_actions.run(quick=a.quick)
        raw["actions"] = r
        rows.append(("Actions: truth recovery", f"{r['reps']:,} programmes per arm", _fmt_s(r["seconds"]), 1,
                     f"power {100 * r['design_no_fpc_detect']:.0f}% (stated 80%), false claims net of RTM "
                     f"{100 * r['programme_false_improved_net']:.1f}% (stated 2.5%)"))
        sections.append(bench_actions.section(r))

    head = ("benchmark", "side", "median", "runs", "result")
    w = [max(len(str(r[i])) for r in [head, *rows]) for i in range(5)]
    table = "\n".join("  ".join(str(v).ljust(w[i]) for i, v in enumerate(r)).rstrip()
                      for r in [head, tuple("-" * x for x in w), *rows])
    print()
    print(table)

    out = Path(a.out)
    kept = kept_sections(out.read_text(encoding="utf-8"), sections) if out.exists() else []
    if kept:
        print(f"kept from the earlier {out.name}: " + "; ".join(k.splitlines()[0][3:] for k in kept))
    md = "\n".join([
        "# kentaudit benchmarks",
        "",
        f"Written by `make bench` (`benchmarks/run.py{' ' + ' '.join(argv or sys.argv[1:]) if (argv or sys.argv[1:]) else ''}`) "
        f"on {started}. Medians of the runs shown; "
        "see `benchmarks/README.md` for what each benchmark measures. The machine is shared: the "
        "load average below says how busy it was."
        + (" Sections of benchmarks this run did not run are kept from the earlier file (their own "
           "text says when and how they were measured)." if kept else ""),
        "",
        "## Machine",
        "",
        machine.as_markdown(info),
        "",
        "## Summary",
        "",
        "```",
        table,
        "```",
        "",
        *[s + "\n" for s in sections],
        *[k + "\n" for k in kept],
    ])
    out.write_text(md, encoding="utf-8")
    (work / "results.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    print(f"\nwritten {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
