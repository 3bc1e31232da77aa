"""The display layer: tables a reviewer reads have words, intervals and formatted p-values."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import ScaleError
from kentaudit.core.formatting import format_interval, format_p, format_value
from kentaudit.report import tables as display
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


def test_an_estimate_is_never_shown_with_an_interval_on_another_scale():
    """The formatter refuses the pairs issue 23 found on reviewer pages: a district's
    percentage beside the interval of its difference from the rest, a log odds ratio beside
    the odds ratio's interval."""
    with pytest.raises(ScaleError, match="difference of proportions"):
        format_interval(0.867, -0.081, 0.182, scale="proportion", interval_scale="difference of proportions")
    with pytest.raises(ScaleError, match="log odds ratio"):
        format_interval(-0.245, 0.181, 3.39, "number", scale="log odds ratio", interval_scale="odds ratio")
    assert format_interval(0.088, -0.081, 0.182, "pp", scale="difference of proportions",
                           interval_scale="difference of proportions") == "8.8 (-8.1 to 18.2)"


def test_a_number_rounded_to_zero_never_reads_minus_zero():
    assert format_interval(-0.3, -0.616, -0.0000004, "pp") == "-30.0 (-61.6 to 0.0)"
    assert format_value(-0.0004, "number", 1) == "0.0"
    assert format_value(-0.00001, "percent") == "0.0"
    assert format_value(-0.5, "pp") == "-50.0"


def _vs_rest():
    return pd.DataFrame({
        "criterion": ["seen"], "criterion_label": ["Child seen"], "level": ["Ashford"],
        "n_yes": [26], "n_denominator": [30], "estimate": [0.8667], "estimate_rest": [0.7787],
        "difference": [0.088], "conf_low": [-0.081], "conf_high": [0.182], "p_value": [0.3],
        "conf_level": [0.95]})


def test_a_comparison_pairs_the_interval_with_the_difference_it_belongs_to():
    v = style_table(_vs_rest(), "district_vs_rest")
    row = v.frame.iloc[0]
    assert row["Estimate, %"] == "86.7"
    assert row["Difference, percentage points (95% CI)"] == "8.8 (-8.1 to 18.2)"
    assert not any("86.7 (" in str(x) for x in row)
    # the same in each table whose conf_low/conf_high are a difference's, by its metadata
    for name in ("area_vs_rest", "change_since_previous", "initial_vs_extended", "reaudit_paired",
                 "reaudit_mcnemar"):
        assert [iv.estimate for iv in display.intervals(_vs_rest().columns, name)
                if iv.conf_low == "conf_low"] == ["difference"], name


def test_a_pairing_on_different_scales_in_the_metadata_is_refused(monkeypatch):
    """Planted fault: intervals.csv says district_vs_rest's bounds are the estimate's, on
    the scale of a difference (what the old display did): the table is refused, not shown."""
    planted = tuple(display.Interval("district_vs_rest", "estimate", "conf_low", "conf_high",
                                     "difference of proportions") if iv.table == "district_vs_rest"
                    else iv for iv in display._interval_rows())
    monkeypatch.setattr(display, "_interval_rows", lambda: planted)
    with pytest.raises(ScaleError, match="district_vs_rest.estimate"):
        style_table(_vs_rest(), "district_vs_rest")


def test_odds_ratios_are_shown_exponentiated_with_their_interval():
    ors = pd.DataFrame({"term": ["district[Canterbury]"], "coef": [-0.245], "se": [0.7],
                        "odds_ratio": [np.exp(-0.245)], "conf_low": [0.181], "conf_high": [3.39],
                        "conf_level": [0.95]})
    v = style_table(ors, "casemix_odds_ratios")
    assert v.frame.iloc[0]["Odds ratio (95% CI)"] == "0.783 (0.181 to 3.39)"
    assert "Log odds ratio" not in " ".join(v.frame.columns)


def test_every_interval_in_the_metadata_names_an_estimate_on_its_scale():
    for iv in display._interval_rows():
        assert display.scale_of(iv.estimate, None if iv.table == "*" else iv.table) == iv.scale, iv


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
    assert "Method: Wilson score interval" in v.caption and "Confidence level: 95%" in v.caption
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
    assert "(40 rows, 3 flagged" in v.summary
    assert v.to_html().count("<details") == 1
    assert style_table(df.head(5)).summary is None


def test_every_results_table_has_a_title_written_for_a_reader():
    """No "Casemix lr" or "Flag oc summary": each results table's default caption is a title
    in words, never its name with the underscores taken out."""
    from kentaudit.analysis.section import TABLES
    missing = sorted(TABLES - set(display.TITLES))
    assert missing == []
    for name in TABLES:
        # in the bundled example profile's words (Kent's: "district", "area")
        assert style_table(pd.DataFrame({"n": [1]}), name).caption == display.in_words(display.TITLES[name])
        # no abbreviation of a name: lr, oc, spc, vs, ...
        assert not {"lr", "oc", "spc", "vs", "p_chart", "xmr"} & set(display.TITLES[name].lower().split()), name
    assert style_table(pd.DataFrame({"n": [1]}), "profile__THA").caption.startswith(
        "The district against the rest of the authority and its previous cycle (THA)")


def test_headers_and_titles_are_in_the_authoritys_words():
    from kentaudit.inputs.profile import Words
    w = Words(authority="Borsetshire", unit="locality", units="localities", area="quadrant", areas="quadrants")
    df = pd.DataFrame({"area": ["Northern"], "district": ["Brookmere"], "n_yes_rest": [3], "tau2": [0.1]})
    v = style_table(df, "compliance_by_district", words=w)
    assert list(v.frame.columns)[:3] == ["Quadrant", "Locality", "Yes (rest of Borsetshire)"]
    assert "Between-locality variance (tau\u00b2)" in v.frame.columns
    assert v.caption == "Compliance by locality and quadrant"
    terms = pd.DataFrame({"term": ["district[Brookmere]", "age_band"], "group": ["district", "area"]})
    shown = style_table(terms, "casemix_odds_ratios", words=w).frame
    assert shown.iloc[:, 0].tolist() == ["locality[Brookmere]", "age_band"]
    assert shown.iloc[:, 1].tolist() == ["locality", "quadrant"]
    assert style_table(terms, "casemix_odds_ratios").frame.iloc[:, 1].tolist() == ["district", "area"]
    kent = style_table(df, "compliance_by_district")  # no words: the bundled example profile's
    assert list(kent.frame.columns)[:3] == ["Area", "District", "Yes (rest of Kent)"]
    assert kent.caption == "Compliance by district and area"


def test_method_codes_are_shown_in_words_in_cells_and_captions():
    t = pd.DataFrame({"criterion": ["seen", "voice"], "difference": [0.1, -0.05],
                      "conf_low": [0.02, -0.1], "conf_high": [0.2, 0.0], "test": ["mcnemar-exact", "mcnemar"],
                      "method": ["newcombe-paired", "newcombe-paired"], "conf_level": [0.95, 0.95]})
    v = style_table(t, "reaudit_paired")
    assert v.frame["Test"].tolist() == ["McNemar exact", "McNemar"]
    assert "Newcombe's hybrid score interval for paired proportions" in v.caption
    shown = " ".join(v.frame.astype(str).to_numpy().ravel()) + v.caption
    for code in ("mcnemar-exact", "newcombe-paired", "wilson", "n-1 chi-square"):
        assert code not in shown


def test_a_collapsed_table_says_which_table_it_is():
    df = pd.DataFrame({"district": [f"D{i}" for i in range(40)], "flag_99_8": ["within"] * 40})
    assert style_table(df, "funnel").summary.startswith(display.table_title("funnel") + " (40 rows")
    assert style_table(df, caption="Funnel of something").summary.startswith("Funnel of something (40 rows")


def test_a_very_long_table_shows_its_first_rows_and_says_where_the_rest_are():
    t = pd.DataFrame({"district": [f"D{i}" for i in range(2160)], "p_flag": 0.01})
    v = style_table(t, "flag_operating_characteristics")
    assert len(v.frame) == display.MAX_SHOWN and v.n_rows == 2160
    assert "(2,160 rows)" in v.summary and "results/flag_operating_characteristics.csv" in v.summary
    assert "<details" in v.to_html() and v.to_html().count("<tr>") == display.MAX_SHOWN + 1
    short = style_table(t.head(30), "flag_operating_characteristics")
    assert len(short.frame) == 30 and short.summary.endswith("(30 rows): select to show the whole table")


def test_method_settings_in_a_caption_are_words_not_codes():
    t = pd.DataFrame({"criterion": ["seen"], "p_value": [0.2], "conf_levels": ["0.95;0.998"],
                      "covariates": ["case_status,age_band,risk_under1,risk_domestic_abuse"]})
    cap = style_table(t, "casemix_lr").caption
    assert "Limits' coverage: 95% and 99.8%" in cap
    assert "risk: domestic abuse" in cap and "risk: under 1" in cap
    assert "case_status" not in cap and "0.95;0.998" not in cap


def test_a_code_beside_its_words_is_not_shown_and_no_column_is_shown_twice():
    t = pd.DataFrame({"rule": ["funnel_95"], "rule_label": ["Funnel plot, outside the 95% limits"],
                      "scenario": ["null"], "scenario_label": ["at the reference"],
                      "cycles": ["2010,2011"], "scores": ["2010,2011"]})
    v = style_table(t, "flag_oc_summary")
    cells = v.frame.iloc[0].tolist()
    assert "funnel_95" not in cells and "null" not in cells and cells.count("2010 and 2011") == 1
    assert list(v.frame.columns).count("Rule") == 1 and list(v.frame.columns).count("Scenario") == 1
    g = style_table(pd.DataFrame({"group": ["good_or_better"], "definition": ["grade 1 or 2"]}), "grade_trend")
    assert "good_or_better" not in g.frame.iloc[0].tolist()


def test_a_test_that_varies_between_rows_is_named_in_words():
    t = pd.DataFrame({"criterion": ["a", "b"], "change_test": ["n-1 chi-square", "fisher exact"]})
    cells = style_table(t, "change_since_previous").frame.iloc[:, -1].tolist()
    assert "n-1 chi-square" not in cells and "fisher exact" not in cells
