"""Module paths of kentaudit 0.1 keep working for one release, with a warning naming the new one.

The imports run in a fresh interpreter (a module already imported would not warn again),
once for the whole file: each old path is imported in turn, with its warnings recorded.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kentaudit._legacy import MOVED

_PROBE = r"""
import importlib, json, sys, warnings
out = {}
for old, new in json.loads(sys.argv[1]).items():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        mod = importlib.import_module(old)
    target = importlib.import_module(new)
    out[old] = {"same": mod is target, "public": sorted(getattr(target, "__all__", [])),
                "missing": [n for n in getattr(target, "__all__", []) if not hasattr(mod, n)],
                "warnings": [(type(x.message).__name__, str(x.message), x.filename) for x in w]}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def imported():
    r = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(MOVED)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_warns_naming_the_new_one(imported, old):
    msgs = [m for cls, m, _ in imported[old]["warnings"] if cls == "KentauditDeprecationWarning"]
    assert msgs == [f"{old} is deprecated and will be removed in kentaudit 0.3; import {MOVED[old]} instead "
                    "(docs/architecture.md lists where every module went)."]


@pytest.mark.parametrize("old", sorted(set(MOVED) - {"kentaudit.analyses"}))
def test_an_old_module_path_is_the_moved_module_itself(imported, old):
    assert imported[old]["same"]


def test_the_old_analyses_module_keeps_every_public_name(imported):
    assert imported["kentaudit.analyses"]["missing"] == []
    assert {"load_cycle", "districts", "district_profile", "trends", "findings"} <= set(
        imported["kentaudit.analyses"]["public"])


def test_the_warning_points_at_the_line_that_imported_the_old_path():
    r = subprocess.run([sys.executable, "-W", "always::FutureWarning", "-c",
                        "from kentaudit import analyses, notebook, district_ranks, calibration\n"
                        "notebook.check_parameters({'params_file': 'x'})\n"
                        "assert callable(district_ranks.district_ranks) and callable(calibration.auditor_calibration)\n"
                        "assert callable(analyses.load_cycle)\n"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr  # what an analyst's own copy of a 0.1 notebook says still runs
    lines = [x for x in r.stderr.splitlines() if "KentauditDeprecationWarning" in x]
    assert len(lines) == 4 and all(x.startswith("<string>:1:") for x in lines)


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
