"""The same test gives the same number everywhere (issue 23 item 5), on the files the runner writes.

An adjusted p-value the appendix shows is the analysis's own (the results table the notebooks and
reviewer pages read), over the analysis's family, never one recomputed over the rows shown; where
a hidden row could change it, it is [c]. The suppression audit says why each such [c] is hidden,
the table's note says so beside it, and the findings' counts of districts say which family they count.
"""
import json

import pandas as pd
import pytest

C = "[c]"
pytestmark = pytest.mark.slow  # reads both default cycles as the runner writes them (tests/conftest.py)
#: appendix table -> results table of the analysis, and the key that matches their rows
SOURCES = {"T5": ("initial_vs_extended", ["criterion"]), "T6": ("reaudit_paired", ["criterion"]),
           "T10": ("change_since_previous", ["criterion"])}


def _results(cycle_dir, name):
    df = pd.read_csv(cycle_dir / "results" / f"{name}.csv")
    df["criterion"] = df["criterion"].astype(str).str.replace(r"^c_", "", regex=True)
    return df


def _shown_p(t):
    return [(i, float(v)) for i, v in enumerate(t["p_adjusted"]) if v not in (C, "[z]", "[x]", "")]


@pytest.mark.parametrize("which", ["2009", "2013"])
def test_every_shown_adjusted_p_value_is_the_notebook_s(which, request):
    info = request.getfixturevalue(f"cycle_{which}")
    assert info["code"] == 0
    cdir = info["cycle_dir"]
    checked = 0
    for tid, (src, key) in SOURCES.items():
        f = cdir / "publish" / "csv" / f"{tid}.csv"
        if not f.exists():
            continue
        t = pd.read_csv(f, dtype=str, keep_default_na=False)
        r = _results(cdir, src).set_index(key)["p_adjusted"]
        for i, v in _shown_p(t):
            assert v == pytest.approx(float(r.loc[t.at[i, "criterion"]]), abs=5e-4 + 1e-12), (tid, i)
            checked += 1
    # district rows of T7 against district_vs_rest, area rows against area_vs_rest
    t7 = pd.read_csv(cdir / "publish" / "csv" / "T7.csv", dtype=str, keep_default_na=False)
    d = _results(cdir, "district_vs_rest").set_index(["criterion", "level"])["p_adjusted"]
    a = _results(cdir, "area_vs_rest").set_index(["criterion", "level"])["p_adjusted"]
    for i, v in _shown_p(t7):
        dist = t7.at[i, "district"]
        ref = a.loc[(t7.at[i, "criterion"], t7.at[i, "area"])] if dist == "All districts" else \
            d.loc[(t7.at[i, "criterion"], dist)]
        assert v == pytest.approx(float(ref), abs=5e-4 + 1e-12), ("T7", i)
        checked += 1
    assert checked >= 20


def test_the_re_audit_of_strategy_discussion_is_not_a_different_number(cycle_2009):
    """Issue 23: the notebook's adjusted p 0.047 was published as 0.016 (Holm over the shown rows)."""
    cdir = cycle_2009["cycle_dir"]
    t6 = pd.read_csv(cdir / "publish" / "csv" / "T6.csv", dtype=str, keep_default_na=False)
    nb = float(_results(cdir, "reaudit_paired").set_index("criterion").at["strategy", "p_adjusted"])
    shown = t6.loc[t6["criterion"] == "strategy", "p_adjusted"].iloc[0]
    assert shown == C or float(shown) == pytest.approx(nb, abs=5e-4)
    # and why, in the restricted suppression audit
    audit = pd.read_csv(cdir / "restricted" / "RESTRICTED_suppression_audit.csv", dtype=str, keep_default_na=False)
    row = int(t6.index[t6["criterion"] == "strategy"][0])
    if shown == C:
        why = audit[(audit["table_id"] == "T6") & (audit["row"] == str(row)) & (audit["column"] == "p_adjusted")]
        assert len(why) == 1 and why["reason"].iloc[0] == "derived"


@pytest.mark.parametrize("which", ["2009", "2013"])
def test_the_families_published_are_the_analysis_s(which, request):
    """metadata.json: each family holds every testable row of the analysis, hidden ones too."""
    cdir = request.getfixturevalue(f"cycle_{which}")["cycle_dir"]
    meta = json.loads((cdir / "publish" / "csv" / "metadata.json").read_text())
    for tm in meta["tables"]:
        for a in (tm.get("adjusted_p_values") or {}).values():
            assert a["method"] == "holm"
            for fam in a["families"]:
                assert fam["n_tests"] == len(fam["rows"])
                assert set(fam["hidden_rows"]) <= set(fam["rows"])
    t6 = next(t for t in meta["tables"] if t["id"] == "T6") if which == "2009" else None
    if t6 is not None:
        n = int(_results(cdir, "reaudit_paired")["p_value"].notna().sum())
        assert [f["n_tests"] for f in t6["adjusted_p_values"]["p_adjusted"]["families"]] == [n]


@pytest.mark.parametrize("which", ["2009", "2013"])
def test_the_tables_say_beside_them_why_a_p_value_or_band_is_hidden(which, request):
    cdir = request.getfixturevalue(f"cycle_{which}")["cycle_dir"]
    html = (cdir / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "an adjusted p-value that a hidden row could change is shown as [c]" in html
    assert "a band they could change is shown as [c]" in html


@pytest.mark.parametrize("which", ["2009", "2013"])
def test_the_information_loss_does_not_say_which_hidden_counts_are_primary_or_zeros(which, request):
    cdir = request.getfixturevalue(f"cycle_{which}")["cycle_dir"]
    html = (cdir / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "Information loss:" in html
    loss = html[html.index("Information loss:"):][:600]
    assert "primary" not in loss and "secondary" not in loss
    assert "zero is hidden" not in html and "zeros are hidden" not in html
