"""Packaging and repository hygiene: one source of dependencies, two-command start."""
from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ ;\[]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pyproject_specs() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        specs += extra
    return {_name(s): s.replace(" ", "").lower().replace("_", "-") for s in specs}


def _conda_specs() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and _name(dep) not in {"python", "pip"}:
            out[_name(dep)] = dep.replace(" ", "").lower().replace("_", "-")
    return out


def test_environment_yml_lists_exactly_the_pyproject_dependencies():
    assert _conda_specs() == _pyproject_specs()


def test_environment_yml_uses_conda_forge_without_defaults():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]


def test_environment_yml_python_floor_matches_requires_python():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert meta["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]


def test_design_card_core_packages_are_dependencies():
    core = {"jupyterlab", "pandas", "scipy", "statsmodels", "seaborn", "papermill", "nbval"}
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert core <= {_name(s) for s in meta["dependencies"]}


def test_readme_quick_start_is_make_cycle_and_make_test():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [ln.split("#")[0].strip() for ln in block.strip().splitlines()]
    assert commands == ["make cycle", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_design_card_top_level_layout_exists():
    for name in ["notebooks", "kentaudit", "data", "params", "outputs", "tests",
                 "environment.yml", "README.md", "pyproject.toml", "Makefile", "docs"]:
        assert (ROOT / name).exists(), name


def test_nothing_under_outputs_or_raw_data_is_tracked_by_git():
    res = subprocess.run(["git", "ls-files", "outputs", "data/raw"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    tracked = [p for p in res.stdout.split() if Path(p).name not in {"README.md", ".gitkeep"}]
    assert tracked == []


def test_outputs_and_raw_data_are_git_ignored():
    for probe in ["outputs/2009/manifest.json", "data/raw/export.csv"]:
        res = subprocess.run(["git", "check-ignore", "-q", probe], cwd=ROOT)
        assert res.returncode == 0, probe
