"""Privacy of a regenerated cycle (issue 7).

The default cycle (``params/cycle-2009.yaml``, every district, the real
notebooks) runs once per test session (the shared ``cycle_2009`` fixture); then everything under
``publish/`` is scanned with :func:`kentaudit.publication.check.folder.check_publication`
(which re-derives its checks from the published files, independently of the
code that suppressed them), with the restricted folder and the cycle's audit
files as sources of identifiers. Separately, nothing under ``outputs/`` may be
tracked by git (only its README).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kentaudit.run.manifest import read_manifest
from kentaudit.inputs.params import load_params
from kentaudit.publication.check.folder import check_publication

ROOT = Path(__file__).resolve().parent.parent


def _git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def default_cycle(cycle_2009):
    """The session's single run of the default cycle (see conftest.py)."""
    return {"code": cycle_2009["code"], "params": load_params(cycle_2009["params"]),
            "dir": cycle_2009["cycle_dir"]}


@pytest.mark.slow
def test_default_cycle_completes_and_publishes(default_cycle):
    assert default_cycle["code"] == 0
    m = read_manifest(default_cycle["dir"] / "manifest.json")
    assert m["status"] == "complete" and m["appendix"]["built"] is True
    assert m["params"]["districts"] == "all"
    published = [p for p in (default_cycle["dir"] / "publish").rglob("*") if p.is_file()]
    assert any(p.suffix == ".csv" for p in published) and any(p.suffix == ".xlsx" for p in published)


@pytest.mark.slow
def test_publication_check_finds_nothing_in_the_published_appendix(default_cycle):
    params = default_cycle["params"]
    findings = check_publication(default_cycle["dir"] / "publish",
                                 restricted_dir=default_cycle["dir"] / "restricted",
                                 threshold=params.suppression_threshold,
                                 audit_files=list(params.inputs.audits))
    assert [str(f) for f in findings] == []


@pytest.mark.slow
def test_publication_check_would_see_a_leak_in_the_same_folder(default_cycle, tmp_path):
    # The clean result above must come from a check that looks: copy the folder,
    # add one audited case reference, and the check must find it.
    import shutil

    params = default_cycle["params"]
    leak = tmp_path / "publish"
    shutil.copytree(default_cycle["dir"] / "publish", leak)
    ref = next(line.split(",")[1] for line in params.inputs.audits[0].read_text().splitlines()[1:2])
    (leak / "csv" / "leak.csv").write_text(f"district,note\nThanet,see {ref}\n", encoding="utf-8")
    findings = check_publication(leak, threshold=params.suppression_threshold,
                                 audit_files=list(params.inputs.audits))
    assert any(f.kind == "case_reference" and "leak.csv" in str(f) for f in findings)


def test_nothing_under_outputs_is_tracked_by_git():
    res = _git("ls-files", "outputs")
    if res.returncode != 0:
        pytest.skip(f"not a git checkout: {res.stderr.strip()}")
    assert set(res.stdout.split()) <= {"outputs/README.md"}


def test_git_ignores_any_cycle_output():
    res = _git("check-ignore", "--no-index", "outputs/2009/results/compliance.csv",
               "outputs/2009/restricted/RESTRICTED_T1.csv", "outputs/2013-partial/manifest.json")
    if res.returncode == 128:
        pytest.skip(f"not a git checkout: {res.stderr.strip()}")
    assert res.stdout.split() == ["outputs/2009/results/compliance.csv",
                                  "outputs/2009/restricted/RESTRICTED_T1.csv",
                                  "outputs/2013-partial/manifest.json"]
