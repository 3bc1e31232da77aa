"""Notebooks stay thin and clean: one literal ``parameters`` cell, no definitions, no outputs.

Applies to every notebook in ``notebooks/`` and to the runner's fixture notebooks.
Golden executed notebooks (kept with outputs on purpose, synthetic data only) live
under ``tests/golden/`` and are not checked here.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb")) + sorted(
    (REPO / "tests" / "fixtures" / "notebooks").glob("*.ipynb"))
PARAMETERS = {"params_file", "results_dir", "figures_dir", "district"}


def _ids(p: Path) -> str:
    return str(p.relative_to(REPO))


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _parse(cell, path):
    # IPython magics and shell escapes are not Python; notebooks should not need them.
    try:
        return ast.parse(cell.source)
    except SyntaxError as e:
        pytest.fail(f"{_ids(path)}: code cell {cell.get('id')} is not plain Python ({e.msg}, line {e.lineno})")


def parameters_problems(nb) -> list[str]:
    """Problems with a notebook's parameters cell (empty list if it is right)."""
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        return [f"expected exactly one cell tagged 'parameters', found {len(cells)}"]
    cell = cells[0]
    if cell.cell_type != "code":
        return ["the 'parameters' cell is not a code cell"]
    problems = []
    for node in ast.parse(cell.source).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            problems.append(f"line {node.lineno}: only simple assignments 'name = literal' are allowed")
            continue
        try:
            ast.literal_eval(node.value)
        except ValueError:
            problems.append(f"line {node.lineno}: {node.targets[0].id} is not assigned a literal")
    names = {n.targets[0].id for n in ast.parse(cell.source).body
             if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
    missing = PARAMETERS - names
    if missing:
        problems.append(f"the runner injects {sorted(missing)}: declare them in the parameters cell")
    return problems


def definition_problems(nb) -> list[str]:
    out = []
    for cell in _code_cells(nb):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                kind = "lambda" if isinstance(node, ast.Lambda) else type(node).__name__
                out.append(f"cell {cell.get('id')}: {kind} at line {node.lineno} (put it in kentaudit/)")
    return out


def output_problems(nb) -> list[str]:
    return [f"cell {c.get('id')}: has outputs or an execution count (clear them before committing)"
            for c in _code_cells(nb) if c.get("outputs") or c.get("execution_count") is not None]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_is_valid_nbformat(path):
    nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_every_cell_has_its_id_in_the_committed_file(path):
    # nbformat 4.5 requires a cell id; one missing is filled at random on each read (with a
    # MissingIDFieldWarning printed into every run), so an executed notebook would differ run to run
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    assert (raw["nbformat"], raw["nbformat_minor"]) >= (4, 5)
    assert [i for i, c in enumerate(raw["cells"]) if not c.get("id")] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_exactly_one_parameters_cell_of_literals(path):
    nb = nbformat.read(path, as_version=4)
    for cell in _code_cells(nb):
        _parse(cell, path)
    assert parameters_problems(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_no_function_or_class_definitions(path):
    assert definition_problems(nbformat.read(path, as_version=4)) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_committed_without_outputs(path):
    assert output_problems(nbformat.read(path, as_version=4)) == []


def test_fixture_notebooks_are_checked():
    # guards against the glob silently matching nothing
    assert any("fixtures" in str(p) for p in NOTEBOOKS)


# The checks themselves must be able to fail --------------------------------------

def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


PARAMS_OK = 'params_file = None\nresults_dir = "r"\nfigures_dir = "f"\ndistrict = None'


def _params(src):
    return nbformat.v4.new_code_cell(src, metadata={"tags": ["parameters"]})


@pytest.mark.parametrize("src,expected", [
    (PARAMS_OK + "\nx = compute()", "not assigned a literal"),
    (PARAMS_OK + "\nimport os", "only simple assignments"),
    (PARAMS_OK + "\na = b = 1", "only simple assignments"),
    ('params_file = None\nresults_dir = "r"', "declare them"),
])
def test_parameters_check_catches_non_literals_and_missing_names(src, expected):
    assert any(expected in p for p in parameters_problems(_nb(_params(src))))


def test_parameters_check_catches_zero_or_two_cells():
    assert parameters_problems(_nb(nbformat.v4.new_code_cell("x = 1")))
    assert parameters_problems(_nb(_params(PARAMS_OK), _params(PARAMS_OK)))


def test_parameters_check_accepts_literal_containers():
    assert parameters_problems(_nb(_params(PARAMS_OK + "\nlevels = [0.9, 0.95]\nnames = {'a': (1, -2)}"))) == []


@pytest.mark.parametrize("src", ["def f():\n    pass", "class A:\n    pass", "f = lambda x: x",
                                 "async def g():\n    pass"])
def test_definition_check_catches_definitions(src):
    assert definition_problems(_nb(nbformat.v4.new_code_cell(src)))


def test_output_check_catches_outputs_and_counts():
    cell = nbformat.v4.new_code_cell("1", execution_count=1)
    assert output_problems(_nb(cell))
    cell = nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", text="1")])
    assert output_problems(_nb(cell))
