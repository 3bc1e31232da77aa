"""Module paths of kentaudit 0.1 keep working for one release, with a warning naming the new one.

Each import runs in a fresh interpreter, so the warning is raised by the import itself
(a module already imported would not warn again) and points at the importing line.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from kentaudit._legacy import MOVED


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "always::FutureWarning", "-c", code],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("old", sorted(set(MOVED) - {"kentaudit.analyses"}))
def test_an_old_module_path_is_the_new_module_with_a_warning(old):
    new = MOVED[old]
    r = _run(f"import {old} as a, {new} as b; assert a is b, (a, b); print('same')")
    assert r.returncode == 0, r.stderr
    assert "same" in r.stdout
    assert f"{old} is deprecated and will be removed in kentaudit 0.3; import {new} instead" in r.stderr
    assert "KentauditDeprecationWarning" in r.stderr
    assert r.stderr.startswith("<string>:1:")  # the warning points at the importing line


def test_the_old_analyses_module_keeps_its_public_names():
    r = _run("from kentaudit import analyses as a\n"
             "names = ['load_cycle', 'CycleData', 'Section', 'TABLES', 'FIGURES', 'findings', 'data_quality',\n"
             "         'compliance_summary', 'initial_vs_extended', 'districts', 'district_profile', 'trends',\n"
             "         'MAIN_SAMPLES', 'note_district_samples']\n"
             "missing = [n for n in names if not hasattr(a, n)]\n"
             "assert not missing, missing\n"
             "import kentaudit.analysis as b\n"
             "assert a.load_cycle is b.load_cycle and a.districts is b.districts\n")
    assert r.returncode == 0, r.stderr
    assert "kentaudit.analyses is deprecated" in r.stderr


def test_the_old_notebook_imports_still_run():
    # what an analyst's own copy of a 0.1 notebook says
    r = _run("from kentaudit import analyses, notebook, district_ranks, calibration\n"
             "notebook.check_parameters({'params_file': 'x'})\n"
             "assert callable(district_ranks.district_ranks) and callable(calibration.auditor_calibration)\n")
    assert r.returncode == 0, r.stderr


def test_python_m_the_old_pseudonym_path_still_writes_a_key(tmp_path):
    key = tmp_path / "key"
    r = subprocess.run([sys.executable, "-m", "kentaudit.pseudonym", str(key)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert key.is_file() and (key.stat().st_mode & 0o777) == 0o600
    assert "kentaudit.pseudonym is deprecated" in r.stderr


def test_the_new_paths_raise_no_warning():
    r = subprocess.run([sys.executable, "-W", "error::FutureWarning", "-c",
                        "import kentaudit.analysis, kentaudit.run.runner, kentaudit.report.results, "
                        "kentaudit.inputs.params, kentaudit.inputs.reference, kentaudit.analysis.notebook"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
