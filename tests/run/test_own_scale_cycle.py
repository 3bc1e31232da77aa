"""A council's own three-point grade scale, one area named like the authority, and a programme
with none of Kent's samples, through a whole run (issue 22; a new user's walkthrough on an
authority the project did not write failed on each):

* grades Good / Requires improvement / Inadequate (1-3) publish with their own labels, where
  the analysis once looped over grades 1 to 4 (``KeyError: 4`` in ``compliance`` and every
  ``district_profile``);
* with its one area called like the authority, Table 7's HTML shows each unit's own name on its
  row (it once showed "All of <authority>" on every row) and its total once;
* the design-based estimate (Table 15) is published for a random sample that is not called
  ``annual`` or ``extended``;
* ``initial_vs_extended`` applies by the design the profile declares (a random sample that
  ``extends:`` one chosen on purpose, under any names) and runs; no reviewer page states Kent's
  design as the council's. (Without ``extends:`` nothing is compared as an extension:
  tests/run/test_second_authority_cycle.py.)

The export is the second authority's (``tests/fixtures/second_authority.py``) with its five
grade words written on a three-point scale and its four localities in one area called
"Fenmarsh"; the analyst's steps are those of docs/adopting.md (``kentaudit init``, then the
units' areas and sizes, the partial-answer rule, and the council's own scale). One run is
shared by the tests of this module.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import second_authority as fx  # noqa: E402

KEY = "5b1d3f7a9c2e4a6b8d0f1e3c5a7b9d2f4e6a8c0b1d3f5a7c9e2b4d6f8a0c1e3b"
AREA = fx.SHORT_NAME  # the one area, named like the authority
THREE = {"Excellent": "Good", "Good": "Good", "Adequate": "Requires improvement",
         "Requires improvement": "Requires improvement", "Inadequate": "Inadequate"}
SCALE = {"Good": "1", "Requires improvement": "2", "Inadequate": "3"}
#: children in scope of each locality (more than its 60 audited files: a frame that holds them)
CHILDREN = {"Northfen": 140, "Eastmarsh": 120, "Southwold Vale": 160, "Westmere": 110}


def _kentaudit(*args, cwd):
    env = {**os.environ, "KENTAUDIT_KEY": KEY, "PYTHONPATH": str(ROOT)}
    env.pop("KENTAUDIT_KEY_FILE", None)
    return subprocess.run([sys.executable, "-m", "kentaudit", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=2400, check=False)


def _write_export(folder: Path) -> Path:
    """The form tool's export, its grades on the council's three-point scale."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form1"
    ws.append(list(fx.HEADERS))
    graded = ("Overall grade", "Moderated grade", *fx.GRADED)
    for r in fx.rows():
        ws.append([THREE.get(r.get(h), r.get(h)) if h in graded else r.get(h) for h in fx.HEADERS])
    path = folder / "own_scale_export.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return make_cycle(tmp_path_factory.mktemp("own-scale-cycle"))


def make_cycle(tmp: Path) -> dict:
    """The analyst's whole walk in ``tmp``: export, init, edits, run, check."""
    export = _write_export(tmp)
    folder = tmp / "council"
    init = _kentaudit("init", export, "--out", folder, "--name", fx.NAME, "--short-name", fx.SHORT_NAME,
                      cwd=tmp)
    assert init.returncode == 0, init.stderr
    # the analyst's steps (docs/adopting.md): areas and sizes, the partial rule, the own scale
    units = folder / "units.csv"
    rows = list(csv.DictReader(units.open(newline="", encoding="utf-8")))
    for r in rows:
        r["area"] = AREA
        r["children_on_plans"] = str(CHILDREN[r["district"]])
    with units.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with (folder / "grade_scales.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["scale", "first_cycle", "last_cycle", "grade", "label"])
        for label, g in SCALE.items():
            w.writerow(["council_3", "2025", "", g, label])
    profile = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    profile["grade_scales"] = "grade_scales.csv"
    profile["answers"]["partial"]["counts_as"] = "no"
    # this council's random sample was drawn to extend the cases its themed audit chose on purpose:
    # declared (docs/profile.md), so the comparison of the two runs (never assumed from the designs)
    chosen = next(n for n, s in profile["samples"].items() if s["design"] == "purposive")
    drawn = next(n for n, s in profile["samples"].items() if s["design"] == "random")
    profile["samples"][drawn]["extends"] = chosen
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    mapping = yaml.safe_load((folder / "mapping.yaml").read_text(encoding="utf-8"))
    mapping["values"]["grades"] = dict(SCALE)
    (folder / "mapping.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    cycle = yaml.safe_load((folder / "cycle.yaml").read_text(encoding="utf-8"))
    cycle["grade_scale"] = "council_3"
    (folder / "cycle.yaml").write_text(yaml.safe_dump(cycle, sort_keys=False), encoding="utf-8")
    run = _kentaudit("run", folder / "cycle.yaml", "--jobs", "2", cwd=tmp)
    cycle_dir = folder / "outputs" / "2025-26"
    check = _kentaudit("check-publication", cycle_dir / "publish", "--restricted", cycle_dir / "restricted",
                       "--params", folder / "cycle.yaml", cwd=tmp) if run.returncode == 0 else None
    return {"run": run, "check": check, "dir": cycle_dir, "profile": profile}


def _ran(own):
    run = own["run"]
    assert run.returncode == 0, (run.stdout[-4000:], run.stderr[-6000:])
    return own["dir"]


def _html_table(page: str, table_id: str) -> str:
    start = page.index(f'<section id="{table_id}">')
    return page[start:page.index("</section>", start)]


def test_the_cycle_on_a_three_point_scale_runs_publishes_and_checks_clean(own):
    _ran(own)
    assert own["check"] is not None and own["check"].returncode == 0, own["check"].stdout[-3000:]


def test_grades_are_published_on_the_councils_three_point_scale(own):
    folder = _ran(own)
    t8 = pd.read_csv(folder / "publish" / "csv" / "T8.csv", dtype=str)
    grades = [g for g in t8["grade"].unique() if g != "Total"]
    assert grades == ["1 Good", "2 Requires improvement", "3 Inadequate"]
    html = (folder / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "Outstanding" not in _html_table(html, "T8")


def test_the_collapsed_grades_are_the_scales_best_grade_and_its_worst(own):
    from kentaudit.report.results import load_table
    folder = _ran(own)
    col = load_table("grade_collapsed", folder / "results")
    assert set(col["definition"]) == {"grade 1 (good)", "grade 3 (inadequate)"}


def test_table_7_html_names_each_unit_on_its_row_and_the_total_once(own):
    folder = _ran(own)
    t7 = _html_table((folder / "publish" / "appendix.html").read_text(encoding="utf-8"), "T7")
    first = t7[:t7.index("</tbody>")]  # the first block of criteria
    rows = re.findall(r'<th scope="row">([^<]*)</th>', first)
    assert sorted(rows[:len(fx.LOCALITIES)]) == sorted(fx.LOCALITIES), rows
    assert rows[len(fx.LOCALITIES):] == [f"All of {fx.SHORT_NAME}"], rows
    csv_rows = pd.read_csv(folder / "publish" / "csv" / "T7.csv", dtype=str)
    assert not csv_rows.duplicated().any(), csv_rows[csv_rows.duplicated(keep=False)]


def test_the_design_based_estimate_is_published_for_a_random_sample_of_any_name(own):
    folder = _ran(own)
    samples = own["profile"]["samples"]
    assert "annual" not in samples and "extended" not in samples
    assert any(s["design"] == "random" for s in samples.values())
    t15 = pd.read_csv(folder / "publish" / "csv" / "T15.csv", dtype=str)
    assert len(t15) == len(pd.read_csv(folder / "publish" / "csv" / "T4.csv"))
    html = (folder / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert '<section id="T15">' in html
    # its denominator is the main samples' (the cases chosen on purpose a stratum taken in
    # full), as Table 4's, which the publication check links
    t4 = pd.read_csv(folder / "publish" / "csv" / "T4.csv", dtype=str)
    assert t15["n_denominator"].tolist() == t4["n_denominator"].tolist()


def test_the_comparison_of_a_declared_extension_runs(own):
    """The council's profile declares its random sample drawn to extend the cases chosen on purpose
    (``extends:``): the comparison notebook applies by that design (never by Kent's sample names)
    and runs, even
    where a unit's children in scope are fewer than its audited files (then it gives no
    design-based precision gain, with a warning, rather than failing)."""
    folder = _ran(own)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["notebooks"] if e["notebook"] == "initial_vs_extended")
    assert entry["status"] == "ok"
    assert (folder / "html" / "initial_vs_extended.html").exists()


def test_no_reviewer_page_states_kents_design_as_the_councils(own):
    folder = _ran(own)
    text = "\n".join(p.read_text(encoding="utf-8") for p in (folder / "html").glob("*.html"))
    for kent in ("120 high-risk", "electronic record (ICS)", "Paired re-audit: electronic record",
                 "annual cycles pooled"):
        assert kent not in text, kent


def test_the_tables_not_in_this_edition_are_explained_in_the_councils_words(own):
    folder = _ran(own)
    html = (folder / "publish" / "appendix.html").read_text(encoding="utf-8")
    reasons = re.findall(r"<li>Table (?:5|6|10|14|15) \([^)]*\): ([^<]*)</li>", html)
    assert reasons, "no reasons found"
    for why in reasons:
        for kent in ("extended sample", "additional cases", "one-off review", "annual audit",
                     "re-audit of initial"):
            assert kent not in why, why


def test_the_appendix_grade_note_is_the_councils_scale(own):
    folder = _ran(own)
    html = (folder / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "Grades run from 1 (the best, Good) to 3 (Inadequate)" in html
    assert "Outstanding" not in html
