"""Rebuild the golden executed notebooks (run by hand, never by tests).

    .venv/bin/python tests/golden/make_golden.py

Each notebook of ``notebooks/`` is executed with papermill on the bundled
synthetic data, with this folder as working directory, and saved here with
its outputs. ``tests/test_golden.py`` compares the outputs of the cells tagged
``nbval-check-output`` (the key summary tables) with the same notebooks as the
session's default cycles executed them (``RUNS`` says which cycle and district),
as ``pytest --nbval-lax`` would; volatile text is sanitised by ``sanitize.cfg``.
Only synthetic data may ever be in these files.
"""
from __future__ import annotations

from pathlib import Path

import papermill as pm

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parents[1] / "notebooks"
RUNS = {
    "data_quality": {"params_file": "../../params/cycle-2009.yaml"},
    "compliance": {"params_file": "../../params/cycle-2009.yaml"},
    "initial_vs_extended": {"params_file": "../../params/cycle-2009.yaml"},
    "districts": {"params_file": "../../params/cycle-2013.yaml"},
    "district_profile": {"params_file": "../../params/cycle-2013.yaml", "district": "Thanet"},
    "trends": {"params_file": "../../params/cycle-2013.yaml"},
    "actions": {"params_file": "../../params/cycle-2013.yaml"},
}

if __name__ == "__main__":
    for name, parameters in RUNS.items():
        out = HERE / f"{name}.ipynb"
        pm.execute_notebook(NOTEBOOKS / f"{name}.ipynb", out, parameters=parameters,
                            cwd=str(HERE), kernel_name="python3", progress_bar=False)
        print("written", out.relative_to(HERE.parents[1]))
