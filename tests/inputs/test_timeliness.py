"""Timeliness derived from process dates, checked by hand across bank holidays.

Bank holidays from GOV.UK, "UK bank holidays" (England and Wales),
https://www.gov.uk/bank-holidays: 2012 Good Friday 6 April, Easter Monday
9 April, spring bank holiday moved to Monday 4 June and the Diamond Jubilee
Tuesday 5 June.
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pandas as pd
import pytest

from kentaudit.inputs import reference
from kentaudit.core.errors import InputError
from kentaudit.inputs.ingest import read_audits
from kentaudit.inputs.timeliness import compare_timeliness, derive_timeliness, timeliness_rules

CORPUS = Path(__file__).resolve().parents[1] / "bad_input"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

# name: (strategy, icpc, core group, review, case_status, recorded icpc_15wd, expected derived icpc_15wd)
CASES = {
    # Fri 25 May -> Mon 18 June 2012: 16 weekdays less 4 and 5 June = 14 working days: in time
    "A": ("2012-05-25", "2012-06-18", "2012-07-02", "2012-09-18", "cp_plan", "Y", "Y"),
    # -> Wed 20 June 2012 = 16 working days: late
    "B": ("2012-05-25", "2012-06-20", "2012-07-03", "2012-09-19", "cp_plan", "Y", "N"),
    # Fri 23 March -> Mon 16 April 2012: 16 weekdays less Good Friday and Easter Monday = 14
    "C": ("2012-03-23", "2012-04-16", "", "", "cp_plan", "N", "Y"),
    "D": ("2012-05-25", "", "", "", "cp_plan", "Y", None),            # conference date missing
    "E": ("2012-05-25", "2012-06-18", "", "", "cin", "NA", None),      # not on a plan: not derived
    "F": ("2012-05-25", "2012-06-18", "", "", "cp_plan", "", "Y"),     # auditor left it blank
    "G": ("2012-05-25", "2012-06-18", "", "", "cp_plan", "NA", "Y"),   # auditor said not applicable
}


@pytest.fixture(scope="module")
def accepted():
    rows = corpus.valid_rows(len(CASES))
    for r, (name, (s, i, cg, rv, status, rec, _)) in zip(rows, CASES.items()):
        r.update(audit_id=name, strategy_date=s, s47_start_date=s, icpc_date=i,
                 first_core_group_date=cg, first_review_date=rv, case_status=status,
                 cp_category="neglect" if status == "cp_plan" else "",
                 audit_date="2012-10-31", c_icpc_15wd=rec, c_core_group_10wd="Y", c_review_3m="Y")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.csv"
        p.write_text(corpus.to_csv_text(rows))
        res = read_audits(p, synthetic=True)
    assert res.rejected.empty, res.report()
    return res.accepted


def test_rules_are_parsed_from_the_catalogue():
    r = timeliness_rules().set_index("criterion")
    assert r.loc["icpc_15wd", ["start", "end", "limit", "unit"]].tolist() == [
        "strategy_date", "icpc_date", 15, "working days"]
    assert r.loc["core_group_10wd", ["start", "end", "limit", "unit"]].tolist() == [
        "icpc_date", "first_core_group_date", 10, "working days"]
    assert r.loc["review_3m", ["start", "end", "limit", "unit"]].tolist() == [
        "icpc_date", "first_review_date", 3, "months"]
    assert r.loc["icpc_15wd", "case_statuses"] == ("cp_plan",)


def test_icpc_15wd_derived_answers_hand_checked_across_jubilee_and_easter(accepted):
    d = derive_timeliness(accepted)
    d = d[d["criterion"] == "icpc_15wd"].set_index("audit_id")
    for name, case in CASES.items():
        expected = case[6]
        got = d.loc[name, "derived"]
        assert (got is pd.NA) if expected is None else (got == expected), name
    assert d.loc["A", "working_days"] == 14 and d.loc["B", "working_days"] == 16
    assert d.loc["C", "working_days"] == 14 and d.loc["C", "calendar_days"] == 24


def test_core_group_10wd_and_review_3m_at_their_limits(accepted):
    d = derive_timeliness(accepted).set_index(["criterion", "audit_id"])
    # Mon 18 June -> Mon 2 July 2012 = 10 working days (in time); Wed 20 June -> Tue 3 July = 9
    assert d.loc[("core_group_10wd", "A"), ["working_days", "derived"]].tolist() == [10, "Y"]
    assert d.loc[("core_group_10wd", "B"), ["working_days", "derived"]].tolist() == [9, "Y"]
    # 18 June + 3 months = 18 September 2012 (in time); 20 June -> 19 September in time too
    assert d.loc[("review_3m", "A"), "derived"] == "Y"
    assert d.loc[("review_3m", "B"), "derived"] == "Y"
    assert d.loc[("review_3m", "C"), "derived"] is pd.NA


def test_compare_timeliness_counts_add_up_and_are_hand_checked(accepted):
    c = compare_timeliness(accepted).set_index("criterion")
    row = c.loc["icpc_15wd"]
    assert row[["n_audits", "n_both", "n_agree", "n_recorded_yes_derived_no", "n_recorded_no_derived_yes",
                "n_derived_only", "n_recorded_na_derived", "n_recorded_only", "n_neither"]].tolist() == [
        7, 3, 1, 1, 1, 2, 1, 1, 1]
    assert row["agreement"] == pytest.approx(1 / 3, abs=0)
    for _, r in c.iterrows():
        assert r["n_both"] + r["n_derived_only"] + r["n_recorded_only"] + r["n_neither"] == r["n_audits"]
    assert "bank holidays" in row["method"]


def test_agreement_is_nan_when_nothing_can_be_compared(accepted):
    sub = accepted[accepted["audit_id"].isin(["D", "E"])]
    c = compare_timeliness(sub).set_index("criterion")
    assert c.loc["icpc_15wd", "n_both"] == 0 and math.isnan(c.loc["icpc_15wd", "agreement"])


def test_a_replaced_catalogue_rule_is_honoured(accepted):
    cat = reference.criteria()
    cat.loc[cat["id"] == "icpc_15wd", "derived_from"] = "strategy_date->icpc_date <= 13 working days"
    d = derive_timeliness(accepted, cat)
    assert d[(d["criterion"] == "icpc_15wd") & (d["audit_id"] == "A")]["derived"].tolist() == ["N"]


def test_an_unreadable_rule_is_a_clear_error():
    cat = reference.criteria()
    cat.loc[cat["id"] == "icpc_15wd", "derived_from"] = "within fifteen days"
    with pytest.raises(InputError, match="derived_from"):
        timeliness_rules(cat)


def test_empty_accepted_frame_gives_zero_counts(accepted):
    c = compare_timeliness(accepted.iloc[0:0])
    assert c["n_audits"].tolist() == [0, 0, 0]


def _counts_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """compare_timeliness's counts, recomputed from derive_timeliness's row-level frame."""
    out = []
    for crit, g in rows.groupby("criterion", sort=False):
        rec, der = g["recorded"].fillna(""), g["derived"].fillna("")
        rec_yn, der_yn = rec.isin(["Y", "N"]), der.isin(["Y", "N"])
        both = rec_yn & der_yn
        out.append({"criterion": crit, "n_audits": len(g), "n_both": int(both.sum()),
                    "n_agree": int((both & (rec == der)).sum()),
                    "n_recorded_yes_derived_no": int((both & (rec == "Y") & (der == "N")).sum()),
                    "n_recorded_no_derived_yes": int((both & (rec == "N") & (der == "Y")).sum()),
                    "n_derived_only": int((der_yn & ~rec_yn).sum()),
                    "n_recorded_na_derived": int((der_yn & (rec == "NA")).sum()),
                    "n_recorded_only": int((rec_yn & ~der_yn).sum()),
                    "n_neither": int((~rec_yn & ~der_yn).sum())})
    return pd.DataFrame(out)


@pytest.mark.parametrize("as_text", [False, True], ids=["categorical answers", "text answers"])
def test_counts_agree_with_the_row_level_derivation_on_the_synthetic_audits(as_text):
    a = read_audits(Path(__file__).resolve().parents[2] / "data" / "synthetic" / "audits_2009.csv",
                    synthetic=True).accepted
    if as_text:
        a = a.astype({c: "string" for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)})
    got = compare_timeliness(a)
    want = _counts_from_rows(derive_timeliness(a))
    pd.testing.assert_frame_equal(got[want.columns].reset_index(drop=True), want, check_dtype=False)
    assert got["n_both"].sum() > 0 and got["n_derived_only"].sum() + got["n_recorded_only"].sum() > 0
