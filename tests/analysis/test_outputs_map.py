"""``analysis.outputs.WRITES`` says which notebook saves which results table and figure; the
runner refuses a notebooks list that leaves out one the appendix reads on the strength of it,
so it is checked here against what each cycle-wide notebook's analysis functions return on
both default cycles (the functions the notebook calls, read from the notebook itself)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kentaudit import analysis
from kentaudit.analysis.outputs import PER_CRITERION_PREFIX, WRITES

ROOT = Path(__file__).resolve().parents[2]
APPLIES = {"2009": ["data_quality", "compliance", "initial_vs_extended", "districts"],
           "2013": ["data_quality", "compliance", "districts", "trends", "actions"]}


def _calls(notebook: str) -> list[str]:
    nb = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text())
    src = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return re.findall(r"= analysis\.(\w+)\(cycle\)", src)


def test_every_cycle_wide_notebook_is_in_the_map():
    wide = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb") if not p.stem.startswith("district_")}
    assert wide == set(WRITES)


@pytest.mark.slow
def test_the_map_names_exactly_what_each_notebook_saves():
    union: dict[str, set] = {nb: set() for nb in WRITES}
    for cycle, notebooks in APPLIES.items():
        cd = analysis.load_cycle(ROOT / "params" / f"cycle-{cycle}.yaml")
        for notebook in notebooks:
            saved: set[str] = set()
            for fn in _calls(notebook):
                section = getattr(analysis, fn)(cd)
                saved |= set(section.tables) | set(section.figures)
            prefix = PER_CRITERION_PREFIX.get(notebook)
            saved -= {n for n in saved if prefix and n.startswith(prefix) and n[len(prefix):] in set(cd.criterion_ids)}
            assert saved <= WRITES[notebook], (cycle, notebook, sorted(saved - WRITES[notebook]))
            union[notebook] |= saved
    for notebook, names in WRITES.items():
        assert names == union[notebook], (notebook, sorted(names - union[notebook]))
