"""Degenerate data never stops a cycle (issue 24 item 5): one executed run of the degenerate
authority (tests/fixtures/edge/make_degenerate_cycle.py), shared by every test here.

The run is the real command line: ``python -m kentaudit run`` of every notebook of the cycle
and the appendix, then ``kentaudit check-publication`` of what it published. The authority
holds at once: a criterion answered NA on every audit, one answered Y wherever it applies and
one answered N, 200 units, all in ONE area, many units with a single audit in the random
sample (and some with none), and markup and formula text in the area's name, a unit's name
and a criterion's label. Each degeneracy must give a table marked with its reason (or a table
left out, named with its reason), never an internal error. The edge-case cycle
(test_edge_cycle.py) checks the same criteria at 12 units in three areas.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "edge"))
import make_degenerate_cycle as degenerate  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(shared_tmp):
    from conftest import kentaudit_in_process, once_in

    def compute(work: Path) -> dict:
        params = degenerate.write_cycle(work / "repo")
        proc = subprocess.run([sys.executable, "-m", "kentaudit", "run", str(params)], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)
        cyc = work / "repo" / "outputs" / "2009"
        check = kentaudit_in_process("check-publication", str(cyc / "publish"), "--restricted",
                                     str(cyc / "restricted"), "--params", str(params))
        return {"code": proc.returncode, "out": proc.stdout + proc.stderr, "check_code": check.returncode,
                "check": check.stdout + check.stderr}

    work = shared_tmp / "cycle-degenerate"
    return {**once_in(work, compute), "dir": work / "repo" / "outputs" / "2009", "repo": work / "repo"}


def _results(run, name):
    return pd.read_csv(run["dir"] / "results" / f"{name}.csv", keep_default_na=False, dtype=str)


def _published(run, table):
    return pd.read_csv(run["dir"] / "publish" / "csv" / f"{table}.csv", keep_default_na=False, dtype=str)


def test_the_degenerate_cycle_runs_every_notebook_publishes_and_passes_the_check(run):
    assert "Traceback" not in run["out"] and "internal error" not in run["out"], run["out"][-3000:]
    assert run["code"] == 0, run["out"][-3000:]
    manifest = json.loads((run["dir"] / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert {n["status"] for n in manifest["notebooks"]} == {"ok"}
    ran = {n["notebook"] for n in manifest["notebooks"]}
    assert ran == {"data_quality", "compliance", "initial_vs_extended", "districts", "district_profile"}
    assert manifest["appendix"]["built"] is True
    assert run["check_code"] == 0, run["check"]


def test_every_table_left_out_is_named_with_its_reason(run):
    ap = json.loads((run["dir"] / "manifest.json").read_text())["appendix"]
    log = (run["dir"] / "run.log").read_text(encoding="utf-8")
    csvs = {p.stem for p in (run["dir"] / "publish" / "csv").glob("T*.csv")}
    assert csvs == set(ap["tables"]) and {"T1", "T3", "T4"} <= csvs
    for s in ap["not_published"]:
        assert s["reason"].strip() and f"appendix: {s['id']} ({s['title']}) not published: {s['reason']}" in log


def test_all_200_units_in_one_area_are_analysed_and_published_without_row_level_counts(run):
    units = set(degenerate.units_table()["district"]) - {"Unit 001"} | {degenerate.MARKUP_UNIT}
    by_unit = _results(run, "compliance_by_district")
    assert len(set(by_unit["district"]) & units) >= 150          # every unit with audits is a row
    assert set(by_unit["area"]) <= {degenerate.AREA, "'" + degenerate.AREA}
    t3 = _published(run, "T3")
    assert len(set(t3["district"]) & units) >= 150
    assert set(t3["area"]) - {"Total"} <= {degenerate.AREA, "'" + degenerate.AREA, "All areas"}


def test_criteria_all_na_all_yes_and_all_no_are_marked_not_testable_with_their_reason(run):
    dt = _results(run, "district_tests")
    for crit in ("voice", "genogram", "ics_exemplars"):
        rows = dt[dt["criterion"] == crit]
        assert len(rows) and (rows["test"] == "not testable").all() and (rows["p_value"] == "").all()
        assert rows["note"].str.startswith("not testable: ").all()


def test_units_with_a_single_random_audit_are_estimated_with_a_note(run):
    audits = pd.read_csv(run["repo"] / "data" / "audits_degenerate.csv", dtype=str, keep_default_na=False)
    per_unit = audits[audits["sample"] == "extended"].groupby("district").size()
    assert (per_unit == 1).sum() >= 20                          # the degeneracy is there
    est = _results(run, "authority_estimate")
    assert len(est) and est["note"].str.contains(r"strata? \(.*\) with one sampled file", regex=True).any(), est["note"].tolist()


def test_markup_and_formula_text_in_names_and_labels_are_published_escaped_and_neutralised(run):
    import openpyxl

    page = (run["dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    for raw in ("<b>Whole</b>", "<i>001</i>", "<script>x</script>"):
        assert raw not in page
    assert "&lt;b&gt;Whole&lt;/b&gt;" in page
    wb = openpyxl.load_workbook(run["dir"] / "publish" / "appendix.xlsx")
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(degenerate.AREA in v for v in cells)
    assert not any(v.startswith(("=", "@", "+")) for v in cells), "formula text must be neutralised"
    for p in (run["dir"] / "publish" / "csv").glob("*.csv"):
        for v in pd.read_csv(p, dtype=str, keep_default_na=False).to_numpy().ravel():
            assert not v.startswith(("=", "@", "+")), (p.name, v)

