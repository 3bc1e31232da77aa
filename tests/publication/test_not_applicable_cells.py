"""A cell that does not apply to its row is published [z] (not applicable), as the appendix's
shorthand legend defines it, never [x] (not available): a change since the baseline on the
baseline row itself (Table 16; review 26, finding 13)."""
from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest
import yaml

from kentaudit.publication.table import SHORTHAND, Column, PublicationTable

COLS = [Column("district", "District", "label"), Column("occasion", "Audit", "label"),
        Column("n_yes", "Yes", "count", "count"), Column("n_den", "Answered", "count", "count"),
        Column("change", "Change since the baseline", "derived", "percentage points", ("n_yes", "n_den"), 100, 1)]


def _table(not_applicable=None):
    data = pd.DataFrame({"district": ["Dover", "Dover", "Swale", "Swale"],
                         "occasion": ["baseline", "re-audit", "baseline", "re-audit"],
                         "n_yes": [10, 12, 20, 25], "n_den": [20, 20, 30, 30],
                         "change": [None, 0.1, None, None]})
    t = PublicationTable("T16", "Actions and their effect", data, COLS)
    if not_applicable is not None:
        t.not_applicable = not_applicable
    return t


def test_a_change_on_a_baseline_row_is_not_applicable_and_a_missing_one_not_available():
    shown = _table({"where": {"occasion": "baseline"}, "columns": ["change"]}).display_frame()
    assert list(shown["change"]) == ["[z]", 10.0, "[z]", "[x]"]
    assert SHORTHAND["[z]"] == "not applicable" and SHORTHAND["[x]"] == "not available"


def test_without_the_rule_a_blank_cell_stays_not_available():
    assert list(_table().display_frame()["change"]) == ["[x]", 10.0, "[x]", "[x]"]


def test_table_16_declares_every_change_column_not_applicable_on_its_baseline_rows():
    spec = yaml.safe_load((resources.files("kentaudit") / "data" / "appendix_spec.yaml").read_text(encoding="utf-8"))
    t16 = next(t for t in spec["tables"] if t["id"] == "T16")
    changes = {c["name"] for c in t16["columns"] if c.get("unit") == "percentage points"}
    assert changes and set(t16["not_applicable"]["columns"]) == changes
    assert t16["not_applicable"]["where"] == {"occasion": "baseline"}


@pytest.mark.slow
def test_table_16_of_2013_shows_z_not_x_in_the_change_columns_of_its_baseline_rows(cycle_2013):
    t = pd.read_csv(cycle_2013["cycle_dir"] / "publish" / "csv" / "T16.csv", dtype=str, keep_default_na=False)
    change = [c for c in t.columns if c.startswith(("change_", "difference"))]
    base = t[t["occasion"] == "baseline"]
    assert len(base) and change
    cells = set(base[change].to_numpy().ravel())
    assert "[z]" in cells and cells <= {"[z]", "[c]"}, cells


def test_a_test_over_every_cycle_is_not_applicable_on_the_earlier_cycles_rows():
    cols = [Column("cycle", "Cycle", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("n_den", "Answered", "count", "count"),
            Column("trend_z", "Trend z-score", "derived", "z", ("n_yes", "n_den"), 1, 2)]
    data = pd.DataFrame({"cycle": ["2011", "2012", "2013"], "n_yes": [5, 6, 7], "n_den": [10, 10, 10],
                         "trend_z": [None, None, 1.234]})
    t = PublicationTable("T11", "Compliance over the programme", data, cols)
    t.not_applicable = {"unless": {"cycle": "2013"}, "columns": ["trend_z"]}
    assert list(t.display_frame()["trend_z"]) == ["[z]", "[z]", 1.23]


def test_table_11_declares_its_trend_columns_not_applicable_before_this_cycle():
    spec = yaml.safe_load((resources.files("kentaudit") / "data" / "appendix_spec.yaml").read_text(encoding="utf-8"))
    t11 = next(t for t in spec["tables"] if t["id"] == "T11")
    trend = {c["name"] for c in t11["columns"] if c["name"].startswith("trend_")}
    assert set(t11["not_applicable"]["columns"]) == trend
    assert t11["not_applicable"]["unless"] == {"cycle": "@cycle"}
    assert "are [z] (not applicable)" in " ".join(spec["notes"]["trend"].split())


@pytest.mark.slow
def test_table_11_of_2013_shows_z_on_the_earlier_cycles_rows(cycle_2013):
    t = pd.read_csv(cycle_2013["cycle_dir"] / "publish" / "csv" / "T11.csv", dtype=str, keep_default_na=False)
    earlier = t[t["cycle"] != "2013"]
    cells = set(earlier[["trend_z", "trend_p_value", "trend_p_adjusted"]].to_numpy().ravel())
    assert len(earlier) and cells == {"[z]"}, cells


def test_a_test_not_applicable_to_a_row_is_not_counted_as_a_comparison_that_could_not_be_tested():
    from kentaudit.publication.findings import _untested  # noqa: PLC2701 - the note's own counter
    cols = [Column("cycle", "Cycle", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("n_den", "Answered", "count", "count"),
            Column("trend_p_value", "p-value of the trend", "derived", "p-value", ("n_yes", "n_den"), 1, 4)]
    data = pd.DataFrame({"cycle": ["2011", "2012", "2013"], "n_yes": [5, 6, 7], "n_den": [10, 10, 10],
                         "trend_p_value": [None, None, 0.2]})
    t = PublicationTable("T11", "Compliance over the programme", data, cols)
    t.not_applicable = {"unless": {"cycle": "2013"}, "columns": ["trend_p_value"]}
    assert list(t.display_frame()["trend_p_value"])[:2] == ["[z]", "[z]"]
    assert _untested([t], {"T11": "Table 11"}) == []
