"""Packaging and repository hygiene: one source of dependencies, two-command start."""
from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
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
    # the library's own; JupyterLab (where analysts work) and nbval (a test plugin) are extras
    core = {"pandas", "scipy", "statsmodels", "seaborn", "papermill"}
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert core <= {_name(s) for s in meta["dependencies"]}
    assert "jupyterlab" in {_name(s) for s in meta["optional-dependencies"]["lab"]}
    assert "nbval" in {_name(s) for s in meta["optional-dependencies"]["test"]}


# import name -> distribution name, where they differ
_DISTRIBUTION = {"yaml": "pyyaml", "zmq": "pyzmq", "jupyter_client": "jupyter-client", "IPython": "ipython",
                 "odf": "odfpy", "PIL": "pillow"}


def _third_party_imports() -> set[str]:
    """Top-level modules kentaudit imports anywhere (module level or inside functions)."""
    import ast
    import sys

    found = set()
    for path in (ROOT / "kentaudit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "kentaudit"}


def test_runtime_dependencies_are_exactly_what_the_library_imports():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(s) for s in meta["dependencies"]}
    imported = {_DISTRIBUTION.get(m, m).replace("_", "-") for m in _third_party_imports()}
    assert sorted(imported - declared) == [], "imported but not a runtime dependency"
    assert sorted(declared - imported) == [], "a runtime dependency the library never imports"


def test_test_plugins_are_not_runtime_dependencies():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(s) for s in meta["dependencies"]}
    assert not runtime & {"nbval", "pytest", "pytest-xdist", "hypothesis", "pandera"}


def test_the_package_ships_its_type_marker_and_version():
    import kentaudit

    assert (ROOT / "kentaudit" / "py.typed").exists()
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in meta["tool"]["setuptools"]["package-data"]["kentaudit"]
    assert kentaudit.__version__ == meta["project"]["version"]


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


# ----------------------------------------------------------------------------- the lock file

def _locked_entries() -> dict[str, list[tuple[str, str]]]:
    """requirements.lock: name -> [(exact version, environment marker)], one entry per
    marker-split resolution (a universal lock may pin e.g. numpy 2.4 below Python 3.12
    and 2.5 from 3.12, where the newer version needs the newer Python)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req, _, marker = line.partition(";")
        assert "==" in req, f"requirements.lock: {line!r} is not pinned to one version"
        name, version = req.split("==")
        out.setdefault(_name(name), []).append((version.strip(), marker.strip()))
    return out


def _locked() -> dict[str, tuple[str, str]]:
    """requirements.lock: name -> (exact version, marker) of the entry that applies to this
    interpreter (the first entry if none does)."""
    from packaging.markers import Marker
    out = {}
    for name, entries in _locked_entries().items():
        here = [e for e in entries if not e[1] or Marker(e[1]).evaluate()]
        out[name] = (here or entries)[0]
    return out


def test_lock_file_pins_every_pyproject_dependency_within_its_range():
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet
    entries = _locked_entries()
    for name, spec in _pyproject_specs().items():
        assert name in entries, f"{name} (pyproject.toml) is missing from requirements.lock"
        rng = SpecifierSet(spec[len(name):].split(";")[0])
        for version, marker in entries[name]:
            assert rng.contains(version, prereleases=True), f"{name}=={version} is outside {spec}"
        # a direct dependency is pinned for every interpreter: unconditionally, or by markers
        # of which one holds here (and the lock's supported Pythons are 3.11 and later)
        applies = [m for _, m in entries[name] if not m or Marker(m).evaluate()]
        assert len(applies) == 1, f"{name}: {len(applies)} lock entries apply to this interpreter"


def test_lock_file_satisfies_every_environment_yml_spec():
    from packaging.specifiers import SpecifierSet
    entries = _locked_entries()
    for name, spec in _conda_specs().items():
        for version, _ in entries[name]:
            assert SpecifierSet(spec[len(name):]).contains(version, prereleases=True), (
                f"environment.yml {spec} disagrees with requirements.lock {name}=={version}")


def test_make_install_installs_from_the_lock_file():
    make = (ROOT / "Makefile").read_text()
    stamp = make[make.index("$(STAMP):"):make.index("install: $(STAMP)")]
    assert "requirements.lock" in stamp.splitlines()[0]       # a changed lock reinstalls
    assert "-r requirements.lock" in stamp and "--no-deps -e" in stamp


def test_installed_versions_are_the_locked_ones():
    import sys
    from importlib.metadata import PackageNotFoundError, version
    if (Path(sys.prefix) / "conda-meta").exists():
        pytest.skip("a conda environment resolves its own versions from environment.yml")
    from packaging.markers import Marker
    for name, (want, marker) in _locked().items():
        if marker and not Marker(marker).evaluate():
            continue  # not for this interpreter or platform
        try:
            got = version(name)
        except PackageNotFoundError:  # pragma: no cover - a conda env installs kentaudit alone
            continue
        assert got == want, f"{name}: installed {got}, requirements.lock says {want}"
