"""Degenerate data never stops the appendix (issue 24, item 5): a results table with no
rows, or with no value in any value column (every answer to the headline criterion not
applicable), gives a table left out with its reason, never a writer's error."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kentaudit.publication.spec import build_tables, load_spec


def _entry(tid: str) -> dict:
    return next(e for e in load_spec()["tables"] if e["id"] == tid)


def _frame(entry: dict, rows: int) -> pd.DataFrame:
    cols = {c["name"]: (["x"] * rows if c["kind"] == "label" else [np.nan] * rows) for c in entry["columns"]}
    return pd.DataFrame(cols)


def _build(tid: str, df: pd.DataFrame):
    spec = load_spec()
    spec = {**spec, "tables": [_entry(tid)], "figures": []}
    return build_tables(spec, "unused", cycle="2013", samples=["annual"], has_previous=True,
                        frames={_entry(tid)["source"]: df})


def test_a_results_table_with_no_rows_is_left_out_with_its_reason():
    tables, skipped = _build("T12", _frame(_entry("T12"), 0))
    assert tables == [] and skipped[0][0] == "T12"
    # the reason is in a reader's words: no results table's name
    assert "no rows for this cycle" in skipped[0][2] and "shrunken_headline" not in skipped[0][2]


def test_a_results_table_with_no_value_is_left_out_with_its_reason():
    tables, skipped = _build("T12", _frame(_entry("T12"), 3))
    assert tables == [] and "no values for this cycle" in skipped[0][2]


def test_a_table_with_one_value_is_kept():
    df = _frame(_entry("T12"), 3)
    value = next(c["name"] for c in _entry("T12")["columns"] if c["kind"] != "label")
    df.loc[0, value] = 1.0
    tables, skipped = _build("T12", df)
    assert [t.id for t in tables] == ["T12"] and skipped == []
