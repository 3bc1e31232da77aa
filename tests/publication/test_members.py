"""The members' summary of the actions and the findings about them, from a published Table 16:
the verdict of the honest rule read off the published interval, nothing hidden ever stated."""
from __future__ import annotations

import numpy as np
import pandas as pd

from kentaudit.inputs.profile import Words
from kentaudit.publication.findings import action_findings
from kentaudit.publication.members import action_results, left_out_note, members_summary
from kentaudit.publication.table import Column, PublicationTable

C = "[c]"
ALL_DISTRICTS = "All districts"  # the bundled example profile's words for every unit
NET = ("difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high")
CHANGE = ("change_since_baseline", "change_conf_low", "change_conf_high")
DIFF = ("difference", "difference_conf_low", "difference_conf_high")


def t16(rows):
    """A published Table 16: for each action (id, district, {column: value}) a baseline and a
    re-audit row; values are proportions (shown x 100) or [c]."""
    data = []
    for aid, district, vals in rows:
        head = {"action_id": aid, "criterion_label": "Chronology", "criterion": "chronology",
                "district": district, "owner_role": "Service Manager", "due": "May 2012",
                "status": "completed", "n_yes": 10, "n_denominator": 20}
        data.append({**head, "cycle": "2011", "occasion": "baseline"})
        data.append({**head, "cycle": "2013", "occasion": "re-audit", **vals})
    df = pd.DataFrame(data)
    for c in CHANGE + DIFF + NET:
        if c not in df.columns:
            df[c] = np.nan
    cols = [Column(n, n, "label") for n in ("action_id", "criterion_label", "criterion", "district", "cycle",
                                             "occasion")]
    cols += [Column(n, n, "text") for n in ("owner_role", "due", "status")]
    cols += [Column(n, n, "count", "count") for n in ("n_yes", "n_denominator")]
    cols += [Column(n, n, "derived", "percentage points", ("n_yes", "n_denominator"), scale=100, decimals=1)
             for n in CHANGE + DIFF + NET]
    return PublicationTable("T16", "Actions and their effect", df[[c.name for c in cols]], cols)


def vals(cols, est, lo, hi):
    return dict(zip(cols, (est, lo, hi)))


TABLE = t16([
    ("D-UP", "Thanet", {**vals(NET, 0.2, 0.05, 0.35), **vals(CHANGE, 0.3, 0.1, 0.5), **vals(DIFF, 0.2, 0.0, 0.4)}),
    ("D-DOWN", "Thanet", {**vals(NET, -0.2, -0.35, -0.05), **vals(CHANGE, 0.1, -0.1, 0.3)}),
    ("D-FLAT", "Swale", vals(NET, 0.01, -0.2, 0.22)),
    ("D-HID", "Swale", {**vals(NET, C, C, C), **vals(CHANGE, C, C, C)}),
    ("D-NA", "Swale", vals(CHANGE, 0.1, -0.1, 0.3)),  # no net figure: not estimable
    # every district: the change is read (it has no net figure by design)
    ("W-UP", ALL_DISTRICTS, vals(CHANGE, 0.1, 0.04, 0.16)),
])


def test_the_verdict_reads_the_honest_rule_for_a_district_and_the_change_for_every_district():
    got = {a.action_id: (a.rule, a.verdict) for a in action_results(TABLE)}
    assert got == {"D-UP": ("net", "improved"), "D-DOWN": ("net", "worse"), "D-FLAT": ("net", "no clear change"),
                   "D-HID": ("net", "not shown"), "D-NA": ("net", "not estimable"),
                   "W-UP": ("change", "improved")}


def test_a_district_whose_raw_change_rose_is_not_credited_when_the_net_interval_is_below_zero():
    a = next(a for a in action_results(TABLE) if a.action_id == "D-DOWN")
    assert a.verdict == "worse" and (a.estimate, a.conf_low, a.conf_high) == ("-20.0", "-35.0", "-5.0")


def test_the_members_page_lists_every_action_with_owner_role_due_month_status_and_interval():
    m = members_summary([TABLE], conf_level=0.95)
    rows = {r[0]: r for r in m["rows"]}
    assert list(rows) == ["D-UP", "D-DOWN", "D-FLAT", "D-HID", "D-NA", "W-UP"]
    assert rows["D-UP"][1:5] == ["\u2018Chronology\u2019 in Thanet", "Service Manager", "May 2012", "completed"]
    assert rows["D-UP"][5].startswith("Yes") and rows["D-UP"][6] == "20.0 (5.0 to 35.0)"
    assert rows["D-DOWN"][5].startswith("No") and rows["D-FLAT"][5].startswith("Not clearly")
    assert rows["W-UP"][1] == "\u2018Chronology\u2019 in every district" and rows["W-UP"][6] == "10.0 (4.0 to 16.0)"
    assert "95%" in m["note"]


def test_a_suppressed_action_is_not_shown_with_the_reason_and_no_number():
    m = members_summary([TABLE])
    hid = next(r for r in m["rows"] if r[0] == "D-HID")
    assert hid[5].startswith("Not shown: suppressed") and hid[6] == C
    f = next(f for f in action_findings(TABLE, 0.95) if "D-HID" in f.text)
    assert "not shown (suppressed" in f.text and not f.bindings


def test_without_table_16_there_is_no_members_page_and_no_action_finding():
    other = PublicationTable("T1", "Audits", pd.DataFrame({"sample": ["annual"]}), [Column("sample", "Sample", "label")])
    assert members_summary([other]) is None


def test_each_action_finding_states_the_honest_rule_and_its_own_interval_only():
    found = action_findings(TABLE, 0.95, {"T16": "Table 16"}, "Kent")
    assert found[0].text.startswith("Actions agreed after earlier audits (Table 16): of the 6 actions")
    assert " 2 improved the targeted practice" in found[0].text
    # the rule is said once, in the opening sentence
    assert "net of the other districts' change and of regression to the mean" in found[0].text
    up = next(f.text for f in found if "D-UP" in f.text)
    assert ("): improved more than expected: 20.0 percentage points (95% confidence interval 5.0 to 35.0), net of "
            "the other districts' change and of regression to the mean.") in up
    # the other rules' figures are context in Table 16 and on the members' page, not in the sentence
    assert "30.0" not in up and up.count("confidence interval") == 1
    w = next(f.text for f in found if "W-UP" in f.text)
    assert "improved since the baseline, 10.0 percentage points (95% confidence interval 4.0 to 16.0)" in w
    assert "general trend" in w
    assert "Service Manager" not in " ".join(f.text for f in found)  # owners never inside a sentence
    # each sentence an action: short (the whole findings section ran to two pages of these)
    assert all(len(f.text.split()) <= 40 for f in found[1:]), [f.text for f in found[1:]]


# ---------------------------------------------------------------- another authority's words
BORSET = Words(authority="Borsetshire", unit="locality", units="localities", area="quadrant", areas="quadrants")
LOCAL = t16([
    ("L-UP", "Brookmere", {**vals(NET, 0.2, 0.05, 0.35), **vals(CHANGE, 0.3, 0.1, 0.5), **vals(DIFF, 0.2, 0.0, 0.4)}),
    ("L-FLAT", "Denholm", vals(NET, 0.01, -0.2, 0.22)),
    ("W-UP", "All localities", vals(CHANGE, 0.1, 0.04, 0.16)),
])


def test_the_members_page_and_the_findings_speak_the_authoritys_words_never_district():
    m = members_summary([LOCAL], conf_level=0.95, words=BORSET)
    found = action_findings(LOCAL, 0.95, {"T16": "Table 16"}, "Borsetshire", {"authority": BORSET})
    text = " ".join([m["intro"], m["note"], *m["headers"], *(c for r in m["rows"] for c in r)]
                    + [f.text for f in found])
    assert "district" not in text.lower()
    rows = {r[0]: r for r in m["rows"]}
    assert rows["W-UP"][1] == "\u2018Chronology\u2019 in every locality"
    assert rows["L-UP"][5].startswith("Yes: improved more than expected from the other localities' change")
    assert "for an action on a locality" in m["intro"]
    w = next(f.text for f in found if "W-UP" in f.text)
    assert "\u2018Chronology\u2019 in every locality" in w
    up = next(f.text for f in found if "L-UP" in f.text)
    assert "net of the other localities' change and of regression to the mean" in up
    # the authority-wide action is recognised by the profile's words, so it reads the change
    assert {a.action_id: a.rule for a in action_results(LOCAL, BORSET)}["W-UP"] == "change"


def test_the_notes_name_each_action_the_table_leaves_out_with_its_reason():
    register = pd.DataFrame({"action_id": ["A1", "A2", "A3", "A4"], "units": ["BRM", "BRM;DNH", "all", "BRM"],
                             "status": ["completed", "completed", "withdrawn", "completed"],
                             "reaudit_cycle": [2013, 2013, 2013, 2014]})
    shown = pd.DataFrame({"action_id": ["A1", "A1", "A2", "A2", "A2", "A2"]})
    note = left_out_note(register, shown, "2013", BORSET)
    assert "\u2018A3\u2019 (withdrawn before its re-audit: not evaluated)" in note
    assert "A4" not in note  # re-audited in another cycle
    assert "An action on several localities (A2) is shown for each of its localities" in note
    assert "district" not in note
    assert left_out_note(register.iloc[:1], shown, "2013", BORSET) == ""
    assert left_out_note(None, None, "2013") == ""


def test_the_opening_finding_counts_results_and_actions_apart_when_an_action_has_several_units():
    two = t16([("S1", "Thanet", vals(NET, 0.2, 0.05, 0.35)), ("S1", "Swale", vals(NET, 0.01, -0.2, 0.22)),
               ("W-UP", ALL_DISTRICTS, vals(CHANGE, 0.1, 0.04, 0.16))])
    first = action_findings(two, 0.95, {"T16": "Table 16"}, "Kent")[0]
    assert first.text.startswith("Actions agreed after earlier audits (Table 16): of the 3 results re-audited in "
                                 "this cycle (one for each criterion and district of the 2 actions), 2 improved")
    assert [b.condition for b in first.bindings if b.kind == "rows"] == [
        "occasion == re-audit", "distinct action_id with occasion == re-audit", "verdict == improved"]


def test_a_register_too_long_for_one_page_gives_a_several_unit_action_one_line():
    # 12 single actions and one on 3 districts: 15 results, more than a page holds
    rows = [(f"S{i:02d}", "Swale", vals(NET, 0.01, -0.2, 0.22)) for i in range(12)]
    rows += [("MULTI", d, vals(NET, *v)) for d, v in (("Thanet", (0.2, 0.05, 0.35)), ("Dover", (0.01, -0.2, 0.2)),
                                                      ("Ashford", (C, C, C)))]
    m = members_summary([t16(rows)], conf_level=0.95)
    assert len(m["rows"]) == 13 and [r[0] for r in m["rows"]].count("MULTI") == 1
    multi = next(r for r in m["rows"] if r[0] == "MULTI")
    assert "Thanet, Dover and Ashford" in multi[1]
    assert "1 of 3: not shown" in multi[5] and "each in Table 16" in multi[5] and multi[6] == "see Table 16"
    assert "one line here" in m["intro"]


def test_a_register_that_fits_keeps_one_line_per_unit():
    rows = [("MULTI", d, vals(NET, 0.2, 0.05, 0.35)) for d in ("Thanet", "Dover")]
    m = members_summary([t16(rows)])
    assert [r[0] for r in m["rows"]] == ["MULTI", "MULTI"] and "one line here" not in m["intro"]


def test_an_action_verdict_reads_as_a_plain_comparison():
    """Issue 23's review as images: "below what the other districts' change and regression to
    the mean predict" and "by the test that allows for" read as clunky; the verdicts say
    better or worse than expected, and the opening says what 'improved' means in a sentence."""
    m = members_summary([TABLE])
    said = [r[5] for r in m["rows"]]
    found = action_findings(TABLE, 0.95, {"T16": "Table 16"}, "Kent")
    text = " ".join(said + [f.text for f in found])
    for clunky in ("below what", "predict", "by the test that allows", "figures are about:"):
        assert clunky not in text, clunky
    assert any(s.startswith("No: worse than expected from the other districts' change") for s in said)
    assert ("improved the targeted practice, that is with the whole interval above zero: for an action on one "
            "district, its change net of the other districts' change and of regression to the mean") in found[0].text
