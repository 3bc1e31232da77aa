"""A small cycle for the rerun tests: three districts' real audits (so ingest reads them as it
reads any export), two tiny notebooks that read the cycle through ``load_cycle``:

- ``overview`` (run once per cycle): audits per district;
- ``district_rows`` (per district): its district's audits, and their number against the rest.

``district_rows`` fails when a file ``FAIL_<district>`` exists beside the parameter file: a
failure that no key sees (like a kernel killed by the system), to show that a failed run's
outputs are never reused.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = ["Ashford", "Thanet"]
KEPT = ["Ashford", "Canterbury", "Thanet"]

_PARAMS_CELL = ('params_file = None\nresults_dir = None\nfigures_dir = None\ndistrict = None\n')
_OVERVIEW = """from kentaudit.analysis import load_cycle
from kentaudit.report.results import save_table
cycle = load_cycle(params_file)
n = cycle.audits.groupby("district", observed=True).size().rename("audits").reset_index()
save_table(n, "overview_counts", results_dir)
n
"""
_DISTRICT = """import os
from pathlib import Path
import pandas as pd
from kentaudit.analysis import load_cycle
from kentaudit.report.results import save_table
if (Path(params_file).parent / f"FAIL_{district}").exists():
    raise RuntimeError(f"planted failure for {district}")
cycle = load_cycle(params_file)
mine = cycle.audits[cycle.audits["district"] == district]
t = pd.DataFrame({"district": [district], "audits": [len(mine)], "rest": [len(cycle.audits) - len(mine)],
                  "seen_yes": [int((mine["c_seen"].astype(str) == "Y").sum())]})
save_table(t, "rows", results_dir, district=district)
t
"""


def _notebook(code: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(_PARAMS_CELL)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def audits() -> pd.DataFrame:
    """The bundled 2009 audits of three districts, as text."""
    d = pd.read_csv(ROOT / "data" / "synthetic" / "audits_2009.csv", dtype=str, keep_default_na=False)
    return d[d["district"].isin(KEPT)].reset_index(drop=True)


def write_audits(root: Path, df: pd.DataFrame) -> None:
    df.to_csv(root / "data" / "audits.csv", index=False)


def make_cycle(root: Path) -> Path:
    """Write the small cycle under ``root``; the parameter file's path."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    nbformat.write(_notebook(_OVERVIEW), root / "notebooks" / "overview.ipynb")
    nbformat.write(_notebook(_DISTRICT), root / "notebooks" / "district_rows.ipynb")
    write_audits(root, audits())
    p = root / "params" / "cycle.yaml"
    p.write_text(
        'cycle: "2009"\ntitle: "Rerun fixture cycle"\nsynthetic: true\n'
        "inputs:\n  audits: [../data/audits.csv]\nsamples: [initial, extended, reaudit]\n"
        f"districts: {json.dumps(DISTRICTS)}\nnotebooks: [overview, district_rows]\nseed: 1\n",
        encoding="utf-8")
    return p


def copy_cycle(src: Path, dest: Path) -> Path:
    """A copy of a cycle folder (inputs, notebooks and published outputs); its parameter file."""
    shutil.copytree(src, dest, symlinks=True)
    return dest / "params" / "cycle.yaml"
