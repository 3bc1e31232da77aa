"""Issue 23, item 8 (the lead's review of the reviewer pages): a model's terms in words, a
value the same on every row said once above the table, a test a reader may not know explained."""
from __future__ import annotations

import re

import pandas as pd

from kentaudit.analysis.section import level_labels
from kentaudit.inputs.profile import bundled_profile
from kentaudit.report.tables import style_table


def odds_ratios() -> pd.DataFrame:
    return pd.DataFrame({
        "term": ["district[Canterbury]", "case_status[cp_plan]", "age_band[under_1]", "risk_substance"],
        "variable": ["district", "case_status", "age_band", "risk_substance"],
        "level": ["Canterbury", "cp_plan", "under_1", "Y"],
        "reference": ["Ashford", "cin", "1-4", "N"],
        "coef": [-0.2, 0.5, 0.1, 0.3], "se": [1.5, 0.4, 0.3, 0.2], "z": [-0.1, 1.2, 0.3, 1.5],
        "p_value": [0.9, 0.2, 0.7, 0.1], "odds_ratio": [0.81, 1.65, 1.1, 1.35],
        "conf_low": [0.04, 0.75, 0.6, 0.9], "conf_high": [15.3, 3.6, 2.0, 2.0],
        "separation": [False] * 4, "criterion": ["seen"] * 4,
        "criterion_label": ["Child seen during the assessment or visit period"] * 4,
        "n_used": [282] * 4, "note": ["Every term estimated."] * 4, "conf_level": [0.95] * 4})


def test_a_models_terms_are_shown_by_their_variable_and_level_in_the_profiles_words():
    v = style_table(odds_ratios(), "casemix_odds_ratios", levels=level_labels(bundled_profile()))
    cells = v.frame.astype(str).to_numpy().ravel().tolist()
    assert not [c for c in cells if "[" in c or "_" in c], cells
    rows = v.frame[["Variable", "Level", "Reference level"]].values.tolist()
    assert rows[0] == ["District", "Canterbury", "Ashford"]
    assert rows[1] == ["Case status", "Child protection plan", "Child in need"]
    assert rows[2][1] == "Under 1" and rows[3] == ["Risk: substance", "yes", "no"]
    # the odds ratio exponentiated, with its own interval
    assert v.frame["Odds ratio (95% CI)"].iloc[0] == "0.81 (0.04 to 15.3)"


def test_a_column_with_the_same_words_on_every_row_is_said_once_above_the_table():
    v = style_table(odds_ratios(), "casemix_odds_ratios", levels=level_labels(bundled_profile()))
    assert "Criterion" not in v.frame.columns and "Note" not in v.frame.columns
    assert "Criterion: Child seen during the assessment or visit period" in v.caption
    assert "Note: Every term estimated." in v.caption
    assert "Audits in the model" in v.frame.columns  # a count stays where it is read


def test_one_family_for_each_criterion_is_said_once_not_on_every_row():
    df = pd.DataFrame({"criterion": ["c_seen", "c_seen", "c_voice", "c_voice"],
                       "group": "district", "level": ["Ashford", "Dover"] * 2,
                       "p_value": [0.2, 0.3, 0.04, 0.5], "p_adjusted": [0.4, 0.4, 0.08, 0.5],
                       "family": ["2 districts x 1 criterion (c_seen), each against the rest"] * 2
                       + ["2 districts x 1 criterion (c_voice), each against the rest"] * 2})
    v = style_table(df, "district_vs_rest")
    assert "Family of comparisons" not in v.frame.columns
    assert ("Family of comparisons: 2 districts x 1 criterion, each against the rest, "
            "one family for each criterion") in v.caption
    assert "c_seen" not in v.caption


def test_one_family_over_every_criterion_is_said_as_one():
    # the extension's family (review 27: it was said "one family for each criterion")
    df = pd.DataFrame({"criterion": ["c_seen", "c_voice"], "p_value": [0.2, 0.01], "p_adjusted": [0.2, 0.02],
                       "family": ["2 criteria, additional against initial cases"] * 2})
    v = style_table(df, "initial_vs_extended")
    assert "Family of comparisons: 2 criteria, additional against initial cases" in v.caption
    assert "one family for each" not in v.caption


def test_a_few_families_are_each_said_once():
    df = pd.DataFrame({"criterion": ["c_seen", "c_voice"] * 2, "group": ["district"] * 2 + ["area"] * 2,
                       "p_value": [0.2, 0.3, 0.04, 0.5],
                       "family": ["2 criteria, by district"] * 2 + ["2 criteria, by area"] * 2})
    v = style_table(df, "district_tests")
    assert "Family of comparisons" not in v.frame.columns
    assert "Family of comparisons: 2 criteria, by district and 2 criteria, by area" in v.caption


def test_the_n_minus_1_chi_square_is_explained_where_a_table_shows_it():
    df = pd.DataFrame({"criterion": ["c_seen", "c_voice"], "test": ["n-1 chi-square", "fisher exact"],
                       "p_value": [0.2, 0.3]})
    v = style_table(df, "district_vs_rest")
    assert "'N-1' chi-square" in v.frame.to_string()
    assert "(N-1)/N" in v.caption and "Campbell 2007" in v.caption


def test_numbers_stay_on_one_line_and_a_column_of_sentences_gets_room_to_read():
    """The flag-rate table was squeezed: numbers wrapped and every row was tall, because a column
    of sentences took the width of a word."""
    df = pd.DataFrame({"rule": ["Funnel plot, outside the 95% limits", "Funnel plot, outside the 99.8% limits"],
                       "n": [240, 240], "statement": ["A sentence."] * 2,
                       "estimate": [0.1, 0.2], "conf_low": [0.05, 0.1], "conf_high": [0.2, 0.3]})
    sentence = ("With a median of 24 answered files, a district 10 points below the standard is "
                "flagged in 15% of cycles.")
    page = style_table(df.assign(statement=["a", sentence]), "flag_oc_summary").to_html()
    assert ".kentaudit-table td.num{white-space:nowrap}" in page
    assert re.search(r'<td class="long">With a median', page)
    assert re.search(r'<th scope="row" class="mid">Funnel plot', page)
    assert re.search(r'<td class="num">10\.0 \(5\.0 to 20\.0\)</td>', page)


def test_the_trend_tests_scores_are_a_list_a_reader_reads():
    df = pd.DataFrame({"criterion": ["c_seen", "c_voice"], "p_value": [0.2, 0.01],
                       "scores": ["2010,2011,2012,2013"] * 2})
    assert "Scores: 2010, 2011, 2012 and 2013" in style_table(df, "trend_tests").caption
