"""The actions page is written for a reader: its text names no parameter file and no stored
code, and every row it points to reads on the page as the text says (review 26, finding 19)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from kentaudit.report.tables import in_words, style_table

ROOT = Path(__file__).resolve().parents[2]


def _reader_markdown() -> str:
    nb = json.loads((ROOT / "notebooks" / "actions.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    # the Parameters cell is for an analyst running the notebook by hand
    return "\n".join(c for c in cells if not c.startswith("## Parameters"))


def test_the_actions_page_names_no_parameter_file_and_no_stored_code():
    text = _reader_markdown()
    assert "parameter file" not in text
    assert '"pooled"' not in text
    assert not re.search(r"`[^`]+`", text), re.findall(r"`[^`]+`", text)


def test_the_rows_the_page_points_to_read_as_the_page_says():
    text = in_words(_reader_markdown())
    quoted = re.findall(r'rows "([^"]+)"', text)
    assert quoted, "the page names the pooled rows"
    row = pd.DataFrame([{"action_id": "A1", "unit": "pooled"}])
    shown = set(style_table(row, "action_effects").frame.iloc[0])
    assert set(quoted) <= shown, (quoted, shown)
    for signal in re.findall(r"\*([^*]+)\* \(or another special cause\) or \*([^*]+)\*", text)[0]:
        shown = style_table(pd.DataFrame({"spc_signal": ["Above UCL", "Common Cause"]}), "action_effects")
        assert signal in set(shown.frame.iloc[:, 0])
