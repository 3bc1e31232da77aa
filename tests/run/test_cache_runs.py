"""Incremental reruns on real runs: what a rerun executes, reuses and records.

One complete run of the small cycle (tests/run/cache_cycle.py: two districts, a notebook
run once per cycle and one per district) is shared; each test copies it (inputs,
notebooks and published outputs) and reruns the copy after one change. Each assertion
reads what the runner wrote: the manifest, run.log and the summary it printed.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from cache_cycle import audits, copy_cycle, make_cycle, write_audits

from kentaudit.run import cache
from kentaudit.run.manifest import read_manifest
from kentaudit.run.runner import run_cycle

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STEMS = {"overview", "district_rows__ASH", "district_rows__THA"}


def rerun(params: Path, **kw) -> dict:
    """Run the cycle; its exit code, printed summary, published manifest and run log."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = run_cycle(params, jobs=2, appendix=False, **kw)
    name = "2009-partial" if kw.get("districts") else "2009"
    out = params.parent.parent / "outputs" / name
    return {"code": code, "stdout": buf.getvalue(), "out": out,
            "manifest": read_manifest(out / "manifest.json") if code == 0 else None,
            "log": (out / "run.log").read_text() if code == 0 else None}


def executed(m: dict) -> set[str]:
    return {Path(e["output"]).stem for e in m["notebooks"] if e["cache"]["decision"] == "recomputed"}


def reasons(m: dict) -> dict[str, str]:
    return {Path(e["output"]).stem: e["cache"]["reason"] for e in m["notebooks"]}


def kernels_started(m: dict) -> int:
    return m["kernel_zygote"].get("kernels_forked", 0) + m["kernel_zygote"].get("kernels_direct", 0)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache-base") / "repo"
    res = rerun(make_cycle(root))
    assert res["code"] == 0, res["stdout"]
    return {"root": root, **res}


@pytest.fixture
def copy(base, tmp_path):
    """A copy of the base cycle with its published outputs; its parameter file."""
    return copy_cycle(base["root"], tmp_path / "repo")


def edit_audits(params: Path, district: str, column: str, value: str, sample: str = "extended") -> None:
    a = audits()
    row = a.index[(a["district"] == district) & (a["sample"] == sample)][0]
    if a.loc[row, column] == value:  # a change all the same: the other answer, or an edited text
        value = {"Y": "N", "N": "Y"}.get(value, value + " (edited)")
    a.loc[row, column] = value
    write_audits(params.parent.parent, a)


def test_the_first_run_computes_everything_and_records_its_keys_and_files(base):
    m = base["manifest"]
    assert executed(m) == STEMS
    assert all(reasons(m)[s] == "no earlier complete run of this cycle" for s in STEMS)
    assert set(m["cache"]["groups"]) == {"cycle", "ASH", "THA"}
    assert "results/rows__THA.csv" in m["cache"]["groups"]["THA"]


def test_the_kernels_read_the_cycle_the_runner_loaded_once(base):
    from kentaudit.analysis.cycle import load_cycle

    assert base["manifest"]["cycle_snapshot"] is True
    cd = load_cycle(base["root"] / "params" / "cycle.yaml")
    for code, name in (("ASH", "Ashford"), ("THA", "Thanet")):
        row = pd.read_csv(base["out"] / "results" / f"rows__{code}.csv").iloc[0]
        assert row["audits"] == int((cd.audits["district"] == name).sum())
        assert row["rest"] == len(cd.audits) - row["audits"]


def test_a_rerun_with_nothing_changed_executes_no_notebook(base, copy):
    res = rerun(copy)
    m = res["manifest"]
    assert res["code"] == 0 and m["status"] == "complete"
    assert executed(m) == set()
    assert kernels_started(m) == 0 and m["cache"]["executed"] == 0
    assert {e["cache"]["reused_from"] for e in m["notebooks"]} == {base["manifest"]["run_id"]}
    assert "3 of 3 notebook execution(s) reused from the last complete run, 0 to execute" in res["log"]
    assert "nothing changed since the last complete run: no notebook executed (3 reused)" in res["stdout"]
    # the reused outputs are the earlier run's bytes, and the results index lists them all
    for rel in m["cache"]["groups"]["THA"]:
        assert (res["out"] / rel).read_bytes() == (base["out"] / rel).read_bytes()
    index = json.loads((res["out"] / "results" / "index.json").read_text())
    assert set(index["tables"]) == {"overview_counts", "rows__ASH", "rows__THA"}


def test_a_note_fixed_in_one_district_reruns_that_district_and_the_cycle_notebooks(base, copy):
    edit_audits(copy, "Thanet", "notes", "Corrected note.")
    m = rerun(copy)["manifest"]
    assert executed(m) == {"overview", "district_rows__THA"}
    assert reasons(m)["district_rows__THA"] == (
        f"changed since run {base['manifest']['run_id']}: the data it reads")
    assert reasons(m)["district_rows__ASH"] == f"unchanged since run {base['manifest']['run_id']}"
    assert kernels_started(m) == 2


def test_an_answer_changed_in_one_district_reruns_every_district_compared_with_it(copy):
    # every district is compared with the rest of the authority: a changed answer in Thanet
    # changes Ashford's "rest", so Ashford's notebook reruns too
    edit_audits(copy, "Thanet", "c_seen", "N")
    assert executed(rerun(copy)["manifest"]) == STEMS


def test_a_failed_run_is_never_reused(base, copy):
    # Thanet gets a new note: the cycle-wide notebook and Thanet's rerun. The run fails
    # (Thanet's notebook fails, unseen by any key) after the cycle-wide notebook succeeded on
    # the new data; the next run executes it again rather than take it from the failed run.
    edit_audits(copy, "Thanet", "notes", "New note.")
    (copy.parent / "FAIL_Thanet").write_text("")
    failed = rerun(copy)
    assert failed["code"] == 1
    kept = next((copy.parent.parent / "outputs").glob("2009.failed-*"))
    fm = read_manifest(kept / "manifest.json")
    assert {Path(e["output"]).stem: e["status"] for e in fm["notebooks"]}["overview"] == "ok"
    assert "cache" not in fm  # a failed run records no files for reuse
    (copy.parent / "FAIL_Thanet").unlink()
    m = rerun(copy)["manifest"]
    assert executed(m) == {"overview", "district_rows__THA"}
    assert reasons(m)["overview"] == f"changed since run {base['manifest']['run_id']}: the data it reads"
    assert fm["run_id"] not in {e["cache"].get("reused_from") for e in m["notebooks"]}


@pytest.mark.parametrize("status", ["interrupted", "failed"])
def test_a_published_manifest_that_does_not_say_complete_is_never_reused(copy, status):
    path = copy.parent.parent / "outputs" / "2009" / "manifest.json"
    m = read_manifest(path)
    m["status"] = status
    path.write_text(json.dumps(m))
    m = rerun(copy)["manifest"]
    assert executed(m) == STEMS
    assert f"did not complete (status {status})" in reasons(m)["overview"]


def test_an_output_changed_since_it_was_recorded_is_recomputed_not_reused(copy):
    (copy.parent.parent / "outputs" / "2009" / "results" / "rows__THA.csv").write_text("district\nThanet\n")
    m = rerun(copy)["manifest"]
    assert executed(m) == {"district_rows__THA"}
    assert "results/rows__THA.csv" in reasons(m)["district_rows__THA"]
    assert "changed or went missing" in reasons(m)["district_rows__THA"]


def test_a_code_change_invalidates_every_execution(copy, monkeypatch):
    real = cache.code_digest
    # as if one kentaudit file had changed (test_cache.py shows a changed file changes the digest)
    monkeypatch.setattr(cache, "code_digest", lambda *a: real(*a) + "-edited")
    m = rerun(copy)["manifest"]
    assert executed(m) == STEMS
    assert all(r.endswith("the kentaudit code or a package version") for r in reasons(m).values())


def test_no_reuse_on_the_command_line_executes_everything(copy):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "kentaudit", "run", str(copy), "--no-appendix", "--jobs", "2",
                           "--no-reuse"], check=False, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    m = read_manifest(copy.parent.parent / "outputs" / "2009" / "manifest.json")
    assert executed(m) == STEMS
    assert set(reasons(m).values()) == {"reuse turned off (--no-reuse)"}


def test_districts_reuses_the_full_runs_results_when_their_keys_match(base, copy):
    res = rerun(copy, districts=["tha"])
    m = res["manifest"]
    assert res["out"].name == "2009-partial"
    assert executed(m) == set()
    assert {e["cache"]["reused_from"] for e in m["notebooks"]} == {base["manifest"]["run_id"]}
    assert {Path(e["output"]).stem for e in m["notebooks"]} == {"overview", "district_rows__THA"}


@pytest.mark.xdist_group("cycles")
def test_the_default_cycle_rerun_with_nothing_changed_executes_nothing_and_reuses_the_appendix(
        cycle_2009, tmp_path):
    # a copy of the session's 2009 run (its inputs and notebooks are the checkout's, linked)
    src = cycle_2009["params"].parent.parent
    dest = tmp_path / "repo"
    shutil.copytree(src, dest, symlinks=True)
    params = dest / "params" / cycle_2009["params"].name
    params.write_text(params.read_text().replace(str(src / "outputs"), str(dest / "outputs")))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = run_cycle(params, jobs=2)
    out = dest / "outputs" / "2009"
    m = read_manifest(out / "manifest.json")
    first = read_manifest(cycle_2009["cycle_dir"] / "manifest.json")
    assert code == 0 and m["status"] == "complete"
    assert executed(m) == set() and kernels_started(m) == 0
    assert m["appendix"]["reused_from"] == first["run_id"] and m["appendix"]["built"] is True
    assert m["appendix"]["cache"]["decision"] == "reused"
    assert "nothing changed since the last complete run: no notebook executed (16 reused), the appendix reused" \
        in buf.getvalue()
    published = sorted(p.relative_to(out).as_posix() for p in (out / "publish").rglob("*") if p.is_file())
    assert published
    for rel in published:
        assert (out / rel).read_bytes() == (cycle_2009["cycle_dir"] / rel).read_bytes()


def test_an_edited_notebook_reruns_its_own_executions_and_nothing_else(base, copy):
    # a per-district notebook edited (one more line of code): every district's execution of it
    # reruns; the notebook run once per cycle is reused
    path = copy.parent.parent / "notebooks" / "district_rows.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[-1].source += "\nt.shape"
    nbformat.write(nb, path)
    m = rerun(copy)["manifest"]
    assert executed(m) == {"district_rows__ASH", "district_rows__THA"}
    run_id = base["manifest"]["run_id"]
    assert reasons(m)["district_rows__ASH"] == f"changed since run {run_id}: the notebook file"
    assert reasons(m)["overview"] == f"unchanged since run {run_id}"


def test_a_changed_parameter_reruns_every_execution_and_says_which_part_changed(base, copy):
    copy.write_text(copy.read_text().replace('title: "Rerun fixture cycle"', 'title: "Rerun fixture cycle, revised"'))
    m = rerun(copy)["manifest"]
    assert executed(m) == STEMS
    assert set(reasons(m).values()) == {f"changed since run {base['manifest']['run_id']}: the parameters"}


def test_districts_after_a_change_in_that_district_reruns_it_and_the_cycle_notebooks(base, copy):
    edit_audits(copy, "Thanet", "notes", "Corrected note.")
    res = rerun(copy, districts=["Thanet"])
    m = res["manifest"]
    assert res["out"].name == "2009-partial"
    assert executed(m) == {"overview", "district_rows__THA"}
    assert reasons(m)["overview"] == f"changed since run {base['manifest']['run_id']}: the data it reads"
    # the full cycle's folder is the last complete full run's, untouched
    full = read_manifest(copy.parent.parent / "outputs" / "2009" / "manifest.json")
    assert full["run_id"] == base["manifest"]["run_id"]


def test_a_full_run_after_a_partial_one_reuses_the_partial_runs_fresh_results(base, copy):
    # Thanet's note corrected and Thanet rerun alone; the full run that follows takes the
    # cycle notebook and Thanet from that partial run, Ashford from the full one: nothing executes
    edit_audits(copy, "Thanet", "notes", "Corrected note.")
    partial = rerun(copy, districts=["Thanet"])["manifest"]
    m = rerun(copy)["manifest"]
    assert executed(m) == set()
    src = {Path(e["output"]).stem: e["cache"]["reused_from"] for e in m["notebooks"]}
    assert src == {"overview": partial["run_id"], "district_rows__THA": partial["run_id"],
                   "district_rows__ASH": base["manifest"]["run_id"]}
    # and what it reused are the partial run's bytes, made from the corrected data
    out = copy.parent.parent / "outputs"
    assert (out / "2009" / "results" / "rows__THA.csv").read_bytes() == \
        (out / "2009-partial" / "results" / "rows__THA.csv").read_bytes()
