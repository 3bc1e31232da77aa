"""Codes a results table holds as values are shown in words (kentaudit/data/values.csv)."""
from __future__ import annotations

import csv
from importlib import resources

import pandas as pd

from kentaudit.report.tables import column_info, style_table
from kentaudit.stats.spc import p_chart


def test_a_control_chart_table_shows_its_point_types_and_rules_in_words():
    tab = p_chart(pd.DataFrame({"x": [20, 21, 19, 20, 22, 21, 20, 35, 36, 37, 38, 39, 40, 41, 42],
                                "n": [50] * 15, "period": list(range(2001, 2016))}))
    shown = style_table(tab, "p_chart").frame
    cells = {str(v) for v in shown.to_numpy().ravel()}
    assert not cells & {"common_cause", "special_cause_improvement", "special_cause_concern",
                        "7 Points Above CL", "Below LCL", "Above UCL"}
    assert {"Special cause: concern", "Below the lower limit", "7-point rising trend"} <= cells


def test_the_samples_compared_are_named_in_words_in_the_caption():
    t = pd.DataFrame({"criterion": ["seen"], "criterion_label": ["Child seen"], "n_yes": [3],
                      "n_denominator": [4], "samples": ["extended"]})
    cap = style_table(t, "compliance_by_district").caption
    assert "Samples compared: the additional cases (extended sample)" in cap


def test_every_value_word_names_a_documented_column():
    text = (resources.files("kentaudit") / "data" / "values.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows and all(r["words"].strip() and r["words"] != r["value"] for r in rows)
    assert all(column_info(r["column"]).header != r["column"] for r in rows)
