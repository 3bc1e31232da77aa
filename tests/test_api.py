"""The public API: a curated top level, __all__ everywhere, names that help when misspelt."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pandas as pd
import pytest

import kentaudit
from kentaudit._legacy import MOVED
from kentaudit.analysis import FIGURES, TABLES, Section
from kentaudit.core.errors import KentauditError, ParamsError

ROOT = Path(__file__).resolve().parents[1]
#: every module of the package by its dotted path below ``kentaudit`` (``stats.funnel``), but the
#: deprecated aliases of kentaudit 0.1's paths (tested in test_legacy_paths.py)
MODULES = sorted(".".join(p.relative_to(ROOT / "kentaudit").with_suffix("").parts)
                 for p in (ROOT / "kentaudit").rglob("*.py")
                 if p.stem != "__init__" and f"kentaudit.{p.stem}" not in MOVED)


def _path(name: str) -> Path:
    return ROOT / "kentaudit" / (name.replace(".", "/") + ".py")


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all(name):
    tree = ast.parse(_path(name).read_text(encoding="utf-8"))
    assert any(isinstance(n, (ast.Assign, ast.AnnAssign)) and "__all__" in ast.unparse(n).split("=")[0]
               for n in tree.body), f"kentaudit/{name}.py has no __all__"


# __main__ runs the command line; _forkserver_preload sets the importing process's
# parent-death signal (it is imported by the runner's forkserver only)
@pytest.mark.parametrize("name", [m for m in MODULES if m not in ("__main__", "run._forkserver_preload")])
def test_every_name_in_all_exists(name):
    mod = importlib.import_module(f"kentaudit.{name}")
    assert [n for n in mod.__all__ if not hasattr(mod, n)] == []


def test_the_top_level_api_is_curated_and_every_name_resolves():
    for n in ("load_cycle", "compare_groups", "compare_grades_by", "run_cycle", "save_table", "load_table",
              "compliance", "compare_independent", "adjust", "KentauditError", "__version__"):
        assert n in kentaudit.__all__
        assert getattr(kentaudit, n) is not None
    with pytest.raises(AttributeError):
        kentaudit.no_such_function  # noqa: B018


def test_show_with_a_misspelt_table_lists_the_valid_names():
    s = Section({"compliance_by_criterion": pd.DataFrame({"a": [1]}), "grades": pd.DataFrame({"b": [2]})})
    with pytest.raises(KentauditError) as e:
        s.show("complance_by_criterion")
    msg = str(e.value)
    assert "Did you mean 'compliance_by_criterion'?" in msg and "compliance_by_criterion, grades" in msg


def test_show_of_a_known_table_this_cycle_lacks_explains_why():
    note = Section({}).show("trend")
    assert "for this cycle" in str(note) and "'trend'" not in str(note)  # the table in words
    one_off = str(Section({}, one_off=True).show("funnel_programme"))
    assert "against the standard, cycles pooled: not produced for this cycle" in one_off
    assert "no earlier cycles to compare" in one_off and "_" not in one_off
    with pytest.raises(KentauditError, match="unknown figure"):
        Section({}).figure("funel_compliance")


def test_the_known_tables_are_the_documented_ones():
    from test_results_doc import parse_results_doc

    assert set(parse_results_doc((ROOT / "docs" / "results.md").read_text(encoding="utf-8"))) == set(TABLES)
    assert "funnel_compliance" in FIGURES


def test_runner_accepts_district_codes_and_names_in_any_case():
    from kentaudit.inputs.params import load_params
    from kentaudit.run.runner import build_jobs

    P = load_params(ROOT / "params" / "cycle-2009.yaml")
    jobs = build_jobs(P, districts=["THA", "thanet", " swale "], notebooks=["district_profile"])
    assert [j["stem"] for j in jobs] == ["district_profile__THA", "district_profile__SWA"]


def test_runner_reports_every_unknown_district_at_once():
    from kentaudit.inputs.params import load_params
    from kentaudit.run.runner import build_jobs

    P = load_params(ROOT / "params" / "cycle-2009.yaml")
    with pytest.raises(ParamsError, match=r"unknown districts 'THX', 'Atlantis'.*Thanet \(THA\)"):
        build_jobs(P, districts=["THX", "Thanet", "Atlantis"])
