"""``make bench`` runs every benchmark and writes every table of ``benchmarks/results.md``.

The benchmarks are not timed tests (nothing fails when a target is missed); what is tested
is that they run at all: ``benchmarks/run.py --quick`` (every benchmark at small sizes, one
run of each) into a scratch folder, as ``make bench`` would, and the report it writes.
The "Reruns" slot runs ``benchmarks/bench_rerun.py`` when that file exists and says it
was not measured when it does not.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
# benchmarks/run.py under its own name ("run" is also tests/run/, a folder on the path)
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)

#: the heading of every section results.md holds after a run of every benchmark
SECTIONS = ("## Machine", "## Summary", "## District-by-criterion summary", "## Cycle:",
            "## Scale:", "## Reruns", "## This checkout against", "## Actions:")


def test_every_benchmark_is_run_by_default():
    a = bench_run.BENCHES
    assert set(a) == {"summary", "cycle", "scale", "rerun", "versions", "actions"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^bench: install\n\t\$\(PY\) benchmarks/run\.py$", makefile, re.M)


def test_the_million_row_target_is_700_mib():
    assert bench_run.TARGETS["scale_mib"] == 700.0


def test_the_cycle_target_is_six_times_the_loop():
    assert bench_run.TARGETS["cycle_speedup"] == 6.0


def test_the_reruns_section_says_why_it_is_missing_without_bench_rerun():
    text = bench_run.rerun_missing_section()
    assert text.startswith("## Reruns") and "bench_rerun.py" in text and "not in this checkout" in text


def test_the_reruns_section_is_the_benchmarks_own_when_it_formats_itself():
    mod = types.SimpleNamespace(section=lambda r: f"## Reruns\n\n{r['executed']} notebooks",
                                summary_rows=lambda r: [("Rerun, nothing changed", "kentaudit run", "1.0 s", 1,
                                                         f"{r['executed']} notebooks executed")])
    text, rows = bench_run.rerun_section(mod, {"executed": 0})
    assert text == "## Reruns\n\n0 notebooks"
    assert rows == [("Rerun, nothing changed", "kentaudit run", "1.0 s", 1, "0 notebooks executed")]


def test_the_reruns_section_tabulates_a_plain_result():
    text, rows = bench_run.rerun_section(types.SimpleNamespace(), {"executed": 0, "seconds": 1.5,
                                                                   "per_notebook": {"a": 1}})
    assert text.splitlines()[0] == "## Reruns"
    assert "| executed | 0 |" in text and "| seconds | 1.5 |" in text and "per_notebook" not in text
    assert len(rows) == 1


def _rerun_result(no_change_executed=0):
    step = {"wall_s": 30.0, "cpu_s": 50.0, "executions": 16, "kernels_started": 16, "appendix": "built",
            "executed": [f"nb{i}" for i in range(16)], "n_executed": 16, "n_reused": 0, "step": "first run"}
    again = {**step, "step": "no change", "wall_s": 2.5, "cpu_s": 2.0, "kernels_started": no_change_executed,
             "executed": [f"nb{i}" for i in range(no_change_executed)], "n_executed": no_change_executed,
             "n_reused": 16 - no_change_executed, "appendix": "reused" if not no_change_executed else "built"}
    return {"params_file": "/x/params/cycle-2009.yaml", "steps": [step, again],
            "expectations": {"no change executes 0 notebooks": no_change_executed == 0},
            "load_average": (1.0, 2.0, 3.0)}


def test_the_reruns_benchmark_formats_its_own_section_and_summary_rows():
    import bench_rerun

    text, rows = bench_run.rerun_section(bench_rerun, _rerun_result())
    assert text.startswith("## Reruns")
    assert "| no change | 2.5 s | 2.0 s | 0 of 16 | 0 | reused | none |" in text
    assert "| first run | 30.0 s | 50.0 s | 16 of 16 | 16 | built | all |" in text
    assert "- no change executes 0 notebooks: met" in text
    assert rows[1] == ("", "no change", "2.5 s", 1, "0 of 16 notebooks executed, appendix reused (target 0: met)")


def test_the_reruns_section_says_not_met_when_a_no_change_rerun_executes_notebooks():
    import bench_rerun

    text, rows = bench_run.rerun_section(bench_rerun, _rerun_result(no_change_executed=3))
    assert "- no change executes 0 notebooks: **not met**" in text
    assert "| no change | 2.5 s | 2.0 s | 3 of 16 | 3 | built | nb0, nb1, nb2 |" in text
    assert rows[1][-1].endswith("(target 0: **not met**)")


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_quick_mode_runs_every_benchmark_and_writes_every_table(tmp_path):
    out = tmp_path / "results.md"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                          "--work", str(tmp_path / "work"), "--out", str(out)],
                         capture_output=True, text=True, timeout=1800, cwd=tmp_path)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    md = out.read_text(encoding="utf-8")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    for section in SECTIONS:
        assert any(h.startswith(section) for h in headings), (section, headings)
    # the scale table has a row, with a peak in MiB, for each quick size
    for n in bench_run.QUICK["scale_sizes"]:
        assert re.search(rf"^\| {n:,} \| .* \| \d+ MiB \| [\d,]+ \|$", md, re.M), n
    # the summary table names every benchmark that ran
    summary = md.split("## Summary", 1)[1].split("## ", 1)[0]
    for label in ("District x criterion summary", "Cycle cycle-2009.yaml", "Scale, 2,000 rows",
                  "(kentaudit run)", "compute floor: analyses in one warm process / 2"):
        assert label in summary, label
    # the reruns were measured (bench_rerun.py), not reported missing: a rerun with nothing
    # changed executed no notebook and reused the appendix
    reruns = md.split("## Reruns", 1)[1].split("\n## ", 1)[0]
    assert "not in this checkout" not in reruns
    assert re.search(r"^\| no change \| .* \| 0 of \d+ \| 0 \| reused \| none \|$", reruns, re.MULTILINE), reruns
    assert "- no change executes 0 notebooks: met" in reruns
    assert "Reruns of cycle-2009.yaml" in summary
    assert (tmp_path / "work" / "results.json").is_file()


def test_a_run_of_some_benchmarks_keeps_the_other_sections_of_results_md():
    old = ("# kentaudit benchmarks\n\nWritten by `make bench` (`benchmarks/run.py`) on 2026-01-01T00:00:00+00:00. "
           "Medians\n\n## Machine\n\n- old machine\n\n## Summary\n\nold table\n\n## Cycle: old\n\nold cycle\n\n"
           "## Scale: ingest\n\nscale body\n\n## PDF engines (by hand)\n\npdf body\n")
    kept = bench_run.kept_sections(old, ["## Cycle: `kentaudit run` against a loop\n\nnew cycle"])
    assert [k.splitlines()[0] for k in kept] == ["## Scale: ingest", "## PDF engines (by hand)"]
    assert all("kept from the results.md written on 2026-01-01T00:00:00+00:00" in k for k in kept)
    assert "scale body" in kept[0] and "pdf body" in kept[1]


def test_a_section_kept_twice_says_so_once():
    old = "Written by `make bench` (`x`) on 2026-01-01. Medians\n\n## Scale: ingest\n\nscale body\n"
    once = bench_run.kept_sections(old, [])
    again = bench_run.kept_sections("Written by `make bench` (`x`) on 2026-02-02. Medians\n\n" + once[0], [])
    assert again == once
