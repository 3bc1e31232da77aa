"""Main findings: every number of every sentence is a published cell, a count of rows, or a parameter.

The check reads only the published files (``publish/csv/*.csv``) and the restricted
bindings; counts of rows are recounted here independently of kentaudit.publication.findings.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest


NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
QUOTED = re.compile(r"\u2018[^\u2019]*\u2019|\b(?:Table|Figure) \d+")  # wording and references


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _recount(csv: pd.DataFrame, cond: str, headline: str, alpha: float = 0.05) -> int:
    """An independent count of the rows a finding describes."""
    sig = csv.get("p_adjusted", pd.Series(dtype=str)).map(
        lambda v: v == "<0.001" or (_num(v) is not None and _num(v) < alpha))
    if cond == "compliance shown":
        return int(csv["estimate"].map(_num).notna().sum())
    if cond == "difference > 0":
        return int((csv["difference"].map(_num) > 0).sum())
    if cond == "difference shown":
        return int(csv["difference"].map(_num).notna().sum())
    if cond == f"p_adjusted < {alpha:g}":
        return int(sig.sum())
    if cond == f"difference shown and not p_adjusted < {alpha:g}":
        return int((csv["difference"].map(_num).notna() & ~sig).sum())
    if cond == "p_adjusted == [c]":
        return int((csv["p_adjusted"] == "[c]").sum())
    if cond == "p_adjusted shown or [c]":
        return int(csv["p_adjusted"].map(lambda v: v in ("<0.001", "[c]") or _num(v) is not None).sum())
    if cond == "p_adjusted shown":
        return int(csv["p_adjusted"].map(lambda v: v == "<0.001" or _num(v) is not None).sum())
    if cond == "trend tested":
        return int(csv["trend_p_value"].map(lambda v: v == "<0.001" or _num(v) is not None).sum())
    m = re.fullmatch(r"trend_p_adjusted < ([\d.]+) and trend_z ([<>]) 0", cond)
    if m:
        tsig = csv["trend_p_adjusted"].map(lambda v: v == "<0.001" or (_num(v) is not None and _num(v) < alpha))
        z = csv["trend_z"].map(_num)
        return int((tsig & ((z > 0) if m.group(2) == ">" else (z < 0))).sum())
    if cond == f"difference shown, p_adjusted not [c] and not < {alpha:g}":
        return int((csv["difference"].map(_num).notna() & ~sig & (csv["p_adjusted"] != "[c]")).sum())
    if cond == "difference shown and p_adjusted == [c]":
        return int((csv["difference"].map(_num).notna() & (csv["p_adjusted"] == "[c]")).sum())
    if cond == "occasion == re-audit":
        return int((csv["occasion"] == "re-audit").sum())
    if cond == "distinct action_id with occasion == re-audit":
        return int(csv.loc[csv["occasion"] == "re-audit", "action_id"].nunique())
    if cond == "verdict == improved":  # Table 16: net of regression to the mean, or the change for every district
        re_ = csv[csv["occasion"] == "re-audit"]
        low = re_["difference_net_of_rtm_conf_low"].where(re_["district"] != "All districts", re_["change_conf_low"])
        return int((low.map(_num) > 0).sum())
    if cond == "cells == [c]":
        return int((csv == "[c]").to_numpy().sum())
    m = re.fullmatch(r"rows with (\w+(?: or \w+)*) == \[z\]", cond)
    if m:  # a comparison counted once, whichever of its p-values shows [z]
        return int((csv[m.group(1).split(" or ")] == "[z]").any(axis=1).sum())
    d = csv[(csv["district"] != "All districts") & csv["funnel_band"].isin(["above", "below", "within"])]
    h = d[d["criterion"] == headline]
    return {
        "criteria with districts in the funnel": d["criterion"].nunique(),
        "district rows above or below": int(d["funnel_band"].isin(["above", "below"]).sum()),
        "district rows in the funnel": len(d),
        "district rows below": int((d["funnel_band"] == "below").sum()),
        "district rows above": int((d["funnel_band"] == "above").sum()),
        "headline criterion, district rows in the funnel": len(h),
        "headline criterion, district rows within": int((h["funnel_band"] == "within").sum()),
        # bands hidden because hidden counts could change them (the family the counts above leave out)
        "district rows with band [c]": int(((csv["district"] != "All districts") & (csv["funnel_band"] == "[c]")).sum()),
        "headline criterion, district rows with band [c]": int(((csv["district"] != "All districts")
                                                                & (csv["funnel_band"] == "[c]")
                                                                & (csv["criterion"] == headline)).sum()),
    }[cond]


def check_findings(publish_dir, restricted_dir, params: dict):
    """Every number of every finding against the published tables; returns the sentences."""
    b = pd.read_csv(restricted_dir / "RESTRICTED_findings.csv", dtype=str, keep_default_na=False)
    import html as _html
    html = _html.unescape((publish_dir / "appendix.html").read_text(encoding="utf-8"))
    csvs = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in (publish_dir / "csv").glob("T*.csv")}
    sentences = []
    for k, g in b.groupby("finding", sort=False):
        sentence = g["sentence"].iloc[0]
        sentences.append(sentence)
        assert sentence in html
        # the numbers a reader sees, outside the criteria's own wording (which has numbers)
        seen = NUMBER.findall(QUOTED.sub("", sentence))
        bound = [n for t in g["text"] for n in NUMBER.findall(t)]
        assert seen == bound, (sentence, seen, bound)
        for r in g.itertuples():
            if r.kind == "cell":
                assert csvs[r.table].at[int(float(r.row)), r.column] == r.value, (sentence, r)
                if r.column.startswith(("p_", "trend_p_")):  # p-values in words: < 0.001, else 3 decimals
                    v = float(r.value) if r.value != "<0.001" else 0.0
                    assert (v < 0.001 and "< 0.001" in r.text) or f"= {v:.3f}" in r.text, r
                else:
                    assert r.value in r.text
            elif r.kind == "listed":  # a significant result named as not stated: words only, with a reason
                assert r.text == "" and r.condition, (sentence, r)
                v = csvs[r.table].at[int(float(r.row)), r.column]
                assert v == "<0.001" or float(v) < 1 - params["confidence_level"], (sentence, r)
            elif r.kind == "rows":
                assert int(r.value) == _recount(csvs[r.table], r.condition, params["headline"]), (sentence, r)
            else:
                assert r.kind == "parameter"
                assert float(r.value) == params[r.column], (sentence, r)
    return sentences


@pytest.fixture(scope="module")
def fake(fake_appendix):
    return fake_appendix.result


def test_findings_open_the_appendix_before_the_tables(fake):
    html = (fake.publish_dir / "appendix.html").read_text(encoding="utf-8")
    assert html.index('id="findings"') < html.index('id="contents-h"') < html.index('id="tables-h"')


def test_every_number_of_every_finding_is_a_published_cell_or_count(fake):
    params = {"headline": "seen", "confidence_level": 0.95, "funnel_outer_limit": 0.998}
    sentences = check_findings(fake.publish_dir, fake.restricted_dir, params)
    topics = pd.read_csv(fake.restricted_dir / "RESTRICTED_findings.csv")["topic"]
    assert {"headline", "extension", "districts"} <= set(topics)
    assert len(sentences) >= 5


def test_the_check_fails_on_a_planted_wrong_number(fake, tmp_path):
    import shutil
    pub, res = tmp_path / "publish", tmp_path / "restricted"
    shutil.copytree(fake.publish_dir, pub)
    shutil.copytree(fake.restricted_dir, res)
    f = res / "RESTRICTED_findings.csv"
    b = pd.read_csv(f, dtype=str, keep_default_na=False)
    i = b.index[b["kind"] == "cell"][0]
    b.at[i, "value"] = "99.9"
    b.to_csv(f, index=False)
    with pytest.raises(AssertionError):
        check_findings(pub, res, {"headline": "seen", "confidence_level": 0.95, "funnel_outer_limit": 0.998})


def test_findings_never_show_a_suppressed_number(fake):
    b = pd.read_csv(fake.restricted_dir / "RESTRICTED_findings.csv", dtype=str, keep_default_na=False)
    assert not b["value"].isin(["[c]", "[x]", "[z]"]).any()


@pytest.mark.slow
@pytest.mark.parametrize("cycle_id", ["2009", "2013"])
def test_findings_of_the_default_cycles_match_their_tables(cycle_id, request):
    run = request.getfixturevalue(f"cycle_{cycle_id}")
    d = run["cycle_dir"]
    manifest = json.loads((d / "manifest.json").read_text())
    p = manifest["params"]
    params = {"headline": p.get("headline_criterion") or "seen", "confidence_level": p["confidence_level"],
              "funnel_outer_limit": 0.998}
    sentences = check_findings(d / "publish", d / "restricted", params)
    assert any(s.startswith("Across Kent") for s in sentences)


@pytest.mark.slow  # reads the shared default cycles (tests/conftest.py)
@pytest.mark.parametrize("cycle_id", ["cycle_2009", "cycle_2013"])
def test_the_z_note_names_each_table_once_with_the_reason(cycle_id, request):
    """Issue 23: "1 in Table 5, 1 in Table 5, 5 in Table 6 and 5 in Table 6" counted a
    comparison once per p-value column and blamed only empty groups. Each table is named
    once, its count is of comparisons (rows), and the reason covers every untestable case."""
    pub = request.getfixturevalue(cycle_id)["cycle_dir"] / "publish"
    b = pd.read_csv(pub.parent / "restricted" / "RESTRICTED_findings.csv", dtype=str, keep_default_na=False)
    z = b[(b["topic"] == "untested") & b["sentence"].str.contains("(shown as [z])", regex=False)]
    if cycle_id == "cycle_2009":  # the extension and the re-audit have untestable comparisons
        assert not z.empty
    if z.empty:
        return
    sentence = z["sentence"].iloc[0]
    named = re.findall(r"in (Table \d+)", sentence)
    assert named and len(named) == len(set(named)), sentence
    assert "every answer was the same" in sentence and "no answer changed" in sentence
    for r in z[z["kind"] == "rows"].itertuples():
        assert r.condition.startswith("rows with ")
