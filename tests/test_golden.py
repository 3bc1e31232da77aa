"""The golden notebooks (tests/golden/*.ipynb): the key summary cells of every notebook the
default cycles execute give the outputs of the golden copies.

The golden copies are the notebooks executed with papermill on the bundled synthetic data
(``tests/golden/make_golden.py``: which cycle's parameter file each uses, and the district
of ``district_profile``). nbval used to re-execute each copy in a kernel of its own (seven
notebook runs); the default 2009 and 2013 cycles of the session (``cycle_2009``,
``cycle_2013`` in tests/conftest.py) execute the same notebooks on the same parameter
files through the runner, so the comparison reads those executed notebooks, the ones an
analyst receives, instead. As ``pytest --nbval-lax`` did: every code cell ran without an
error, and each cell tagged ``nbval-check-output`` has the golden cell's outputs, images,
metadata and execution counts aside, after the substitutions of ``tests/golden/sanitize.cfg``
(object addresses, timestamps). A key cell whose code changed in ``notebooks/`` is named:
the golden copies are then stale (regenerate them with make_golden.py).
"""
from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

import nbformat
import pytest

from kentaudit.inputs.reference import districts

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
sys.path.insert(0, str(GOLDEN))
from make_golden import RUNS

#: outputs nbval does not compare (it compares images only with nbdime)
NOT_COMPARED = {"image/png", "image/jpeg", "image/svg+xml"}
CHECK = "nbval-check-output"


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    cfg = configparser.ConfigParser()
    cfg.read(GOLDEN / "sanitize.cfg", encoding="utf-8")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


SANITIZE = _sanitizers()


def _text(value) -> str:
    text = "".join(value) if isinstance(value, list) else str(value)
    for pattern, replace in SANITIZE:
        text = pattern.sub(replace, text)
    return text


def outputs(cell) -> list[tuple]:
    """A code cell's outputs as nbval compares them."""
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            out.append(("stream", o["name"], _text(o["text"])))
        elif o["output_type"] in ("execute_result", "display_data"):
            out.append((o["output_type"], {k: _text(v) for k, v in o["data"].items() if k not in NOT_COMPARED}))
        elif o["output_type"] == "error":
            out.append(("error", o["ename"], _text(o["evalue"])))
    return out


def executed_notebook(cycle_dir: Path, name: str, parameters: dict) -> Path:
    """The runner's executed copy of ``name`` (per district: ``<name>__<code>.ipynb``)."""
    if "district" in parameters:
        table = districts()
        code = table.loc[table["district"] == parameters["district"], "district_code"].iloc[0]
        return cycle_dir / "notebooks" / f"{name}__{code}.ipynb"
    return cycle_dir / "notebooks" / f"{name}.ipynb"


def differences(golden, executed) -> list[str]:
    """What ``pytest --nbval-lax`` on the golden copy would report, read from ``executed``."""
    problems = [f"cell {i}: {o['ename']}: {o['evalue']}" for i, c in enumerate(executed.cells)
                if c.cell_type == "code" for o in c.get("outputs", []) if o["output_type"] == "error"]
    if len(golden.cells) != len(executed.cells):
        return problems + [(f"{len(golden.cells)} cells in the golden copy, {len(executed.cells)} executed: "
                            "the golden copies are stale (tests/golden/make_golden.py)")]
    for i, (g, e) in enumerate(zip(golden.cells, executed.cells)):
        if g.cell_type != "code" or CHECK not in g.metadata.get("tags", []):
            continue
        if g.source != e.source:
            problems.append(f"cell {i}: its code changed since the golden copy was made: the golden "
                            "copies are stale (tests/golden/make_golden.py)")
        elif outputs(g) != outputs(e):
            problems.append(f"cell {i}: outputs differ from the golden copy:\n{outputs(g)}\n!=\n{outputs(e)}")
    return problems


@pytest.mark.slow  # reads the shared default cycles (tests/conftest.py)
@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_key_cells_of_each_executed_notebook_give_the_golden_outputs(name, request):
    parameters = RUNS[name]
    cycle = Path(parameters["params_file"]).stem.removeprefix("cycle-")
    run = request.getfixturevalue(f"cycle_{cycle}")
    assert run["code"] == 0
    golden = nbformat.read(GOLDEN / f"{name}.ipynb", as_version=4)
    executed = nbformat.read(executed_notebook(Path(run["cycle_dir"]), name, parameters), as_version=4)
    assert [c for c in golden.cells if CHECK in c.metadata.get("tags", [])], "no key cell to compare"
    assert differences(golden, executed) == []


def _cell(source: str, text: str, tags=(CHECK,)):
    c = nbformat.v4.new_code_cell(source)
    c.metadata["tags"] = list(tags)
    c.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": text, "image/png": "AAAA"},
                                        execution_count=1)]
    return c


def test_the_comparison_fails_on_a_changed_key_output_an_error_and_stale_code_only():
    golden = nbformat.v4.new_notebook(cells=[_cell("t", "n  12\nobject at 0x7f00aa"), _cell("u", "x", tags=())])
    same = nbformat.v4.new_notebook(cells=[_cell("t", "n  12\nobject at 0x1234"), _cell("u", "y", tags=())])
    assert differences(golden, same) == []  # an address sanitised, an untagged cell and images ignored
    changed = nbformat.v4.new_notebook(cells=[_cell("t", "n  13"), _cell("u", "x", tags=())])
    assert "outputs differ" in differences(golden, changed)[0]
    stale = nbformat.v4.new_notebook(cells=[_cell("t2", "n  12\nobject at 0x7f00aa"), _cell("u", "x", tags=())])
    assert "stale" in differences(golden, stale)[0]
    failed = nbformat.v4.new_notebook(cells=[_cell("t", "n  12\nobject at 0x7f00aa"), _cell("u", "x", tags=())])
    failed.cells[1].outputs.append(nbformat.v4.new_output("error", ename="KeyError", evalue="4", traceback=[]))
    assert differences(golden, failed) == ["cell 1: KeyError: 4"]
