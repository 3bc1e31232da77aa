"""The notebooks behave under papermill as a papermill user expects.

``papermill notebooks/district_profile.ipynb out.ipynb -p district Swale`` works
from the repository root and from ``notebooks/``; a misspelt parameter stops the
notebook with a message naming it; ``papermill --help-notebook`` shows each
parameter's type and help.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kentaudit.core.errors import ParamsError
from kentaudit.analysis.notebook import NOTEBOOK_PARAMETERS, check_parameters, resolve_params_file

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAPERMILL = [sys.executable, "-m", "papermill"]


def _papermill(cwd: Path, nb: str, out: Path, *params: str):
    return subprocess.run([*PAPERMILL, nb, str(out), "--kernel", "python3", "--no-progress-bar", *params],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def _outputs_text(path: Path) -> str:
    nb = nbformat.read(path, 4)
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            parts.append(str(o.get("text", "")) + str(o.get("data", {}).get("text/html", ""))
                         + str(o.get("data", {}).get("text/plain", "")) + str(o.get("evalue", "")))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["repository root", "notebooks folder"])
def test_the_natural_papermill_command_works_from_the_root_and_from_notebooks(where, tmp_path):
    cwd = ROOT if where == "repository root" else ROOT / "notebooks"
    nb = "notebooks/district_profile.ipynb" if where == "repository root" else "district_profile.ipynb"
    out = tmp_path / "out.ipynb"
    res = _papermill(cwd, nb, out, "-p", "district", "Swale")
    assert res.returncode == 0, res.stderr[-3000:]
    text = _outputs_text(out)
    assert "Swale" in text  # the district asked for, not the default
    assert "KeyboardInterrupt" not in text  # no cell was interrupted
    # jupyter_client interrupts (SIGINT) every kernel it shuts down, before the shutdown
    # request (KernelManager.shutdown_wait_time's help); an idle kernel may log that it
    # caught it. Any other KeyboardInterrupt on stderr is a failure.
    shutdown_log = "KeyboardInterrupt caught in kernel."
    assert "KeyboardInterrupt" not in "\n".join(line for line in res.stderr.splitlines()
                                                if not line.rstrip().endswith(shutdown_log))


@pytest.mark.slow
def test_a_misspelt_parameter_stops_the_notebook_naming_it(tmp_path):
    res = _papermill(ROOT, "notebooks/district_profile.ipynb", tmp_path / "out.ipynb", "-p", "distrct", "Swale")
    assert res.returncode != 0
    assert "unknown notebook parameter 'distrct' (did you mean 'district'?)" in res.stderr + _outputs_text(
        tmp_path / "out.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_help_notebook_shows_a_type_and_help_for_every_parameter(path):
    import papermill

    params = papermill.inspect_notebook(str(path))
    assert list(params) == list(NOTEBOOK_PARAMETERS)
    for name, p in params.items():
        assert p["inferred_type_name"] in ("str", "Optional[str]"), f"{name}: type {p['inferred_type_name']}"
        assert len(p["help"]) > 10, f"{name}: no help"
    # papermill's own command (its click entry point, as ``papermill --help-notebook`` runs it) in
    # this process: what is tested is what it prints, and a new interpreter per notebook spent
    # about 2 s of CPU importing papermill (issue 26 item 5)
    from click.testing import CliRunner
    from papermill.cli import papermill as papermill_command

    res = CliRunner().invoke(papermill_command, ["--help-notebook", str(path)])
    assert res.exit_code == 0 and "Unknown type" not in res.output and "str" in res.output, res.output


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_checks_its_parameters_right_after_declaring_them(path):
    nb = nbformat.read(path, 4)
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert "analysis.check_parameters(globals())" in nb.cells[i + 1].source


# ----------------------------------------------------------------------------- the library calls

def test_check_parameters_accepts_the_declared_ones_and_ipython_names():
    check_parameters({"params_file": "x", "results_dir": None, "figures_dir": None, "district": "Swale",
                      "In": [""], "Out": {}, "_i1": "", "get_ipython": print, "analyses": sys})


def test_check_parameters_names_every_unknown_parameter_with_a_suggestion():
    with pytest.raises(ParamsError) as e:
        check_parameters({"params_file": "x", "distrct": "Swale", "colour": "blue"})
    msg = str(e.value)
    assert "'colour'" in msg and "'distrct' (did you mean 'district'?)" in msg


def test_a_relative_params_file_is_found_from_the_notebooks_folder_or_the_root(monkeypatch):
    for cwd in (ROOT, ROOT / "notebooks"):
        monkeypatch.chdir(cwd)
        assert resolve_params_file("params/cycle-2009.yaml") == ROOT / "params" / "cycle-2009.yaml"
    monkeypatch.chdir(ROOT)
    assert resolve_params_file("../params/cycle-2009.yaml") == ROOT / "params" / "cycle-2009.yaml"


def test_a_params_file_found_nowhere_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParamsError, match="not found: looked in"):
        resolve_params_file("params/nope.yaml")
