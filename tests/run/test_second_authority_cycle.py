"""The second authority's full cycle, from its own export to its published appendix, with no code
change for it and no edit of its data (issue 22, items 1, 5 and 6; docs/adopting.md).

Fenmarsh (``tests/fixtures/second_authority.py``) is unlike Kent: 4 localities of 3 teams in 2
areas, 20 questions of its own, answers Yes / No / Partially / N/A, a five-point grade scale in
words, an XLSX export with the form tool's headers, DD/MM/YYYY dates and the cycle "2025/26".
The run follows docs/adopting.md as an analyst would: ``kentaudit init`` through the command
line, the units table's areas and children in scope filled in (the documented step 3: the
analyst's knowledge, not an edit of the export), then ``kentaudit run`` on the parameter file
init wrote, which executes every notebook the cycle applies (``district_profile`` for each
locality through papermill) and builds the appendix; then ``kentaudit check-publication``.
The run is shared by the tests of this module (one run, about a minute and a half on 2 cores).
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import second_authority as fx  # noqa: E402

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
#: each locality's children in scope: what the analyst knows and types into units.csv
CHILDREN = {"Northfen": 60, "Eastmarsh": 55, "Southwold Vale": 70, "Westmere": 48}
KENT = re.compile(r"\bKent\b")
DISTRICT = re.compile(r"\bDistricts?\b")


def _kentaudit(*args, cwd):
    env = {**os.environ, "KENTAUDIT_KEY": KEY, "PYTHONPATH": str(ROOT)}
    env.pop("KENTAUDIT_KEY_FILE", None)
    return subprocess.run([sys.executable, "-m", "kentaudit", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=2400, check=False)


@pytest.fixture(scope="module")
def fenmarsh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fenmarsh-cycle")
    export = fx.write_export(tmp)
    init = _kentaudit("init", export, "--out", tmp / "fenmarsh", "--name", fx.NAME,
                      "--short-name", fx.SHORT_NAME, cwd=tmp)
    assert init.returncode == 0, init.stderr
    # docs/adopting.md step 3: each unit's area and children in scope, by the analyst
    units = tmp / "fenmarsh" / "units.csv"
    with units.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["area"] = fx.LOCALITIES[r["district"]][0]
        r["children_on_plans"] = str(CHILDREN[r["district"]])
    with units.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    # docs/adopting.md step 5: the analyst decides how "Partially" counts in a compliance
    # proportion; Fenmarsh's standard is "fully met", so a partial answer counts as No
    profile = tmp / "fenmarsh" / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "counts_as: excluded" in text
    profile.write_text(text.replace("counts_as: excluded", 'counts_as: "no"'), encoding="utf-8")
    params = tmp / "fenmarsh" / "cycle.yaml"
    run = _kentaudit("run", params, "--jobs", "2", cwd=tmp)
    cycle_dir = tmp / "fenmarsh" / "outputs" / "2025-26"
    check = _kentaudit("check-publication", cycle_dir / "publish", "--restricted", cycle_dir / "restricted",
                       "--params", params, cwd=tmp) if run.returncode == 0 else None
    return {"run": run, "check": check, "dir": cycle_dir, "params": params, "tmp": tmp}


def _published_text(folder: Path) -> str:
    parts = []
    for p in sorted(folder.rglob("*")):
        if p.suffix in (".html", ".csv", ".json", ".txt", ".md"):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def test_the_cycle_runs_and_publishes(fenmarsh):
    run = fenmarsh["run"]
    assert run.returncode == 0, (run.stdout[-4000:], run.stderr[-6000:])
    assert "240 read = 240 accepted + 0 rejected" in run.stdout + run.stderr


def test_every_notebook_ran_including_each_localitys_profile(fenmarsh):
    assert fenmarsh["run"].returncode == 0
    nbs = {p.stem for p in (fenmarsh["dir"] / "notebooks").glob("*.ipynb")}
    assert {"compliance", "data_quality", "districts", "trends"} <= nbs
    codes = {r["district_code"] for r in csv.DictReader((fenmarsh["tmp"] / "fenmarsh" / "units.csv").open())}
    assert {f"district_profile__{c}" for c in codes} <= nbs


def test_the_appendix_is_published_in_every_promised_format(fenmarsh):
    from kentaudit.inputs.params import load_params
    assert fenmarsh["run"].returncode == 0
    pub = fenmarsh["dir"] / "publish"
    promised = load_params(fenmarsh["params"]).publication.formats
    suffixes = {p.suffix.lstrip(".") for p in pub.rglob("*") if p.is_file()}
    assert set(promised) <= suffixes, (promised, sorted(suffixes))


def test_the_publication_check_is_clean(fenmarsh):
    check = fenmarsh["check"]
    assert check is not None and check.returncode == 0, (check.stdout[-4000:], check.stderr[-4000:])


def test_the_outputs_name_fenmarsh_its_localities_and_its_scale_and_never_kent(fenmarsh):
    assert fenmarsh["run"].returncode == 0
    text = _published_text(fenmarsh["dir"] / "publish")
    assert fx.SHORT_NAME in text and fx.NAME in text
    for locality in fx.LOCALITIES:
        assert locality in text, locality
    assert "Excellent" in text and "Requires improvement" in text and "Inadequate" in text
    assert "2025/26" in text
    assert not KENT.search(text), KENT.search(text).string[max(0, KENT.search(text).start() - 200):][:400]
    assert not DISTRICT.search(text), DISTRICT.search(text).string[max(0, DISTRICT.search(text).start() - 200):][:400]


def test_partial_answers_are_counted_by_the_profiles_rule(fenmarsh):
    from kentaudit.report.results import load_table
    assert fenmarsh["run"].returncode == 0
    t = load_table("compliance_by_criterion", fenmarsh["dir"] / "results")
    # counts_as: no: every "Partially" of the export is a No of the compliance proportion, for
    # every question (the export's own counts, question by question)
    export = fx.rows()
    for q, (_, row) in zip(fx.QUESTIONS, t.iterrows()):
        said = [r[q] for r in export]
        assert int(row["n_yes"]) == said.count("Yes"), q
        assert int(row["n_no"]) == said.count("No") + said.count("Partially"), q
        assert int(row["n_not_applicable"]) == said.count("N/A"), q
        assert int(row["n_missing"]) == said.count(None), q
    assert "n_partial" not in t.columns


def test_reviewer_pages_and_manifest_say_the_label_not_the_id(fenmarsh):
    assert fenmarsh["run"].returncode == 0
    manifest = json.loads((fenmarsh["dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest, "manifest"
    html = (fenmarsh["dir"] / "publish").rglob("*.html")
    page = next(iter(html)).read_text(encoding="utf-8")
    assert "2025/26" in page
    shown = pd.Series(re.findall(r">[^<]*2025-26[^<]*<", page))
    assert shown.empty, shown.tolist()[:5]
