"""The truth-recovery benchmark of the action evaluation (benchmarks/bench_actions.py):
it runs, its section is written into results.md in place, and on a seeded truth-known
programme the rules order as the docs say (the full rates are in benchmarks/results.md)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_actions  # noqa: E402


def test_a_small_run_gives_every_rate_and_a_section_with_both_tables():
    r = bench_actions.run(reps=40)
    rates = [k for k in r if k.startswith(("design_", "programme_"))]
    assert len(rates) == 10 and all(0 <= r[k] <= 1 for k in rates)
    text = bench_actions.section(r)
    assert text.startswith(bench_actions.HEADING)
    assert text.count("| rule |") == 1 and text.count("| re-audit size |") == 1
    assert "(MC SE" in text


def test_the_section_replaces_its_old_self_and_keeps_the_others(tmp_path):
    md = tmp_path / "results.md"
    md.write_text("# b\n\n## Machine\n\nx\n\n" + bench_actions.HEADING + "\n\nold\n\n## Reruns\n\ny\n",
                  encoding="utf-8")
    bench_actions.write_section(bench_actions.HEADING + "\n\nnew", md)
    text = md.read_text(encoding="utf-8")
    assert "old" not in text and "new" in text and "## Reruns\n\ny" in text and "## Machine" in text
    assert text.count(bench_actions.HEADING) == 1


def test_the_committed_results_hold_the_section():
    text = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    assert bench_actions.HEADING in text
