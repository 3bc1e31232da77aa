"""The runner's papermill engine: the executed notebook is saved when it starts, when it ends
(whatever the ending) and every ``AUTOSAVE_SECONDS`` while it runs, never twice a cell.

papermill's ``request_save_on_cell_execute`` rewrites the whole notebook (every figure
embedded) before and after every cell; the runner's engine leaves those writes out. What a
user receives must not change: the same notebook at the end, and a notebook whose cell
failed still written with the error in it.
"""
from __future__ import annotations

import json

import nbformat
import papermill as pm
import papermill.engines
import pytest

from kentaudit.run.runner import AUTOSAVE_SECONDS, _papermill_engine

pytestmark = pytest.mark.slow  # each test starts a kernel


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def writes(monkeypatch):
    """Every notebook write papermill's engines make, in order (the notebook as written)."""
    seen = []
    real = papermill.engines.write_ipynb

    def counting(nb, path):
        seen.append(nbformat.writes(nb))
        real(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counting)
    return seen


CELLS = ["x = 1", "print(x + 1)", "y = x * 3", "y"]


def _run(src, out, engine=None):
    kw = {"engine_name": engine} if engine else {}
    pm.execute_notebook(str(src), str(out), progress_bar=False, request_save_on_cell_execute=True, **kw)


def test_saves_at_start_and_end_only_not_per_cell(tmp_path, writes):
    src = _notebook(tmp_path / "in.ipynb", CELLS)
    _run(src, tmp_path / "out.ipynb", _papermill_engine())
    # notebook_start and notebook_complete (papermill's default: 2 + 2 a cell)
    assert len(writes) == 2


def test_papermills_own_engine_saves_twice_a_cell(tmp_path, writes):
    # the cost the runner's engine removes: shown here so the test above cannot pass vacuously
    src = _notebook(tmp_path / "in.ipynb", CELLS)
    _run(src, tmp_path / "out.ipynb")
    assert len(writes) == 2 + 2 * len(CELLS)


def _strip_times(nb: dict) -> dict:
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items()
                    if k not in ("start_time", "end_time", "duration", "iopub.execute_input",
                                 "iopub.status.busy", "iopub.status.idle", "shell.execute_reply")}
        if isinstance(o, list):
            return [strip(v) for v in o]
        return o
    return strip(nb)


def test_the_executed_notebook_is_papermills_own(tmp_path):
    src = _notebook(tmp_path / "in.ipynb", CELLS)
    out = tmp_path / "out.ipynb"  # the same path for both: papermill records it in the notebook
    _run(src, out, _papermill_engine())
    ours = _strip_times(json.loads(out.read_text(encoding="utf-8")))
    out.unlink()
    _run(src, out)
    theirs = _strip_times(json.loads(out.read_text(encoding="utf-8")))
    assert ours == theirs
    outs = [o for c in ours["cells"] for o in c["outputs"]]
    assert ["".join(o["text"]) for o in outs if o["output_type"] == "stream"] == ["2\n"]


def test_a_failing_cell_still_leaves_the_notebook_with_its_error(tmp_path, writes):
    src = _notebook(tmp_path / "in.ipynb", ["a = 1", "raise ValueError('planted')", "b = 2"])
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError):
        _run(src, out, _papermill_engine())
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ValueError" and errors[0]["evalue"] == "planted"


def test_a_running_notebook_is_still_saved_by_papermills_autosave(tmp_path, writes):
    # papermill's autosave (a cell's message at least autosave_cell_every seconds after the last
    # save) stays on; the runner's interval is AUTOSAVE_SECONDS, here made tiny so that it fires
    assert AUTOSAVE_SECONDS > 0
    src = _notebook(tmp_path / "in.ipynb", CELLS)
    pm.execute_notebook(str(src), str(tmp_path / "out.ipynb"), progress_bar=False,
                        engine_name=_papermill_engine(), autosave_cell_every=1e-6)
    assert len(writes) > 2
