"""The display layer: tables a reviewer reads have words, intervals and formatted p-values."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.report import tables as display
from kentaudit.core.formatting import format_interval, format_p
from kentaudit.report.tables import header, style_table

ROOT = Path(__file__).resolve().parents[2]


def test_every_column_documented_in_results_md_has_a_human_header():
    doc = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", doc, re.M))
    missing = sorted(c for c in documented if c not in display._dictionary())
    assert missing == []
    snake = sorted(c for c in documented if "_" in header(c))
    assert snake == []


def test_p_values_are_formatted_for_reading():
    assert format_p(0.0000001) == "<0.001"
    assert format_p(0.0000001, prefix=True) == "p < 0.001"
    assert format_p(0.04213) == "0.042"
    assert format_p(np.nan) == "\u2013"


def test_an_estimate_and_its_interval_share_one_cell():
    assert format_interval(0.6333, 0.5071, 0.7444) == "63.3 (50.7 to 74.4)"
    assert format_interval(0.5, np.nan, np.nan) == "50.0"


@pytest.fixture
def compliance():
    return pd.DataFrame({
        "criterion": ["seen", "voice"], "criterion_label": ["Child seen", "Child's wishes recorded"],
        "n_yes": [38, 12], "n_denominator": [60, 40], "estimate": [0.6333, 0.3],
        "conf_low": [0.5071, 0.1806], "conf_high": [0.7444, 0.4545], "method": "wilson",
        "conf_level": 0.95, "p_value": [0.00001, 0.5]})


def test_style_table_uses_words_intervals_and_states_the_method_once(compliance):
    v = style_table(compliance, "compliance_by_criterion", caption="Compliance by criterion")
    assert list(v.frame.columns) == ["Criterion", "Yes", "Answered yes or no",
                                     "Estimate, % (95% CI)", "p-value"]
    assert v.frame.iloc[0].tolist() == ["Child seen", "38", "60", "63.3 (50.7 to 74.4)", "<0.001"]
    assert "Method: wilson" in v.caption and "Confidence level: 95%" in v.caption
    html = v.to_html()
    assert "<caption>" in html and 'scope="col"' in html and "<th></th>" not in html
    assert "criterion_label" not in html and "conf_level" not in html


def test_a_method_that_varies_between_rows_stays_a_column(compliance):
    v = style_table(compliance.assign(method=["wilson", "jeffreys"]))
    assert "Method" in v.frame.columns


def test_long_tables_are_collapsed_behind_a_summary_with_the_flag_count():
    df = pd.DataFrame({"district": [f"D{i}" for i in range(40)],
                       "flag_99_8": ["within"] * 37 + ["below"] * 3})
    v = style_table(df, "funnel")
    assert v.summary.startswith("40 rows, 3 flagged")
    assert v.to_html().count("<details") == 1
    assert style_table(df.head(5)).summary is None
