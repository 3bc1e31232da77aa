"""Issue 27, reported: each action's control-chart signal (results and reviewer page), the
findings in words about the actions, and the one-page summary for members in the PDF, each
read from the files the runner writes for the 2013 synthetic cycle (params/cycle-2013.yaml,
whose register is data/synthetic/actions.csv).

The checks are functions of the cycle's output folder, so that they can be run on any run's
outputs; the tests call them on the session's 2013 run."""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
import pytest

from kentaudit.report.results import load_table
from kentaudit.stats.spc import p_chart

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "data" / "synthetic" / "actions.csv"
TITLE = "Actions and their effect: summary for members"
A4_POINTS = (595, 842)  # 210 x 297 mm in PDF points, portrait


def _register():
    return list(csv.DictReader(REGISTER.open(encoding="utf-8")))


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- control chart

def check_control_chart_signals(cycle_dir: Path):
    """Each row of action_effects carries the p-chart of its targeted units' compliance over
    the programme's cycles, its limits frozen on the cycles up to the action's baseline,
    recomputed here from another results table (programme_counts)."""
    res = cycle_dir / "results"
    eff = load_table("action_effects", res)
    counts = load_table("programme_counts", res)
    names = load_table("action_effects_by_cycle", res)
    every = sorted(counts["district"].astype(str).unique())
    code_to_name = {}
    for r in _register():
        if r["units"] != "all":
            code_to_name[r["units"]] = names.loc[names["action_id"] == r["action_id"], "district"].iloc[0]
    for e in eff.itertuples(index=False):
        districts = every if e.units == "all" else [code_to_name[e.units]]
        c = counts[(counts["criterion"] == e.criterion) & counts["district"].astype(str).isin(districts)]
        series = (c.groupby("cycle")[["n_yes", "n_denominator"]].sum().reset_index()
                  .rename(columns={"cycle": "period", "n_yes": "x", "n_denominator": "n"}))
        series["period"] = series["period"].astype(int)
        baseline = int((series["period"] <= int(e.baseline_cycle)).sum())
        pc = p_chart(series, improvement="increase", freeze=baseline)
        at = pc[pc["period"] == int(e.reaudit_cycle)].iloc[0]
        assert e.spc_n_cycles == len(series) and e.spc_n_baseline == baseline
        # the centre is the pooled compliance of the baseline cycles alone
        pre = series[series["period"] <= int(e.baseline_cycle)]
        assert e.spc_centre == pytest.approx(pre["x"].sum() / pre["n"].sum(), abs=1e-9)
        assert e.spc_centre == pytest.approx(at["mean"], abs=1e-9)
        assert e.spc_lower_limit == pytest.approx(at["lpl"], abs=1e-9)
        assert e.spc_upper_limit == pytest.approx(at["upl"], abs=1e-9)
        assert e.spc_signal == at["special_cause_type"], e.action_id
        assert e.spc_point_type == at["point_type"], e.action_id
        # too few cycles for the run and trend rules: the note says so
        assert "a shift (7 cycles on one side of the centre)" in e.note
    return eff


def test_each_action_carries_the_control_chart_signal_of_its_re_audit(cycle_2013):
    eff = check_control_chart_signals(Path(cycle_2013["cycle_dir"]))
    # the synthetic authority improves from 2010 to 2013: both authority-wide actions' re-audits
    # are above the upper limit frozen on their baseline (an improvement)
    wide = eff[eff["units"] == "all"]
    assert (wide["spc_signal"] == "Above UCL").all() and (wide["spc_point_type"] == "special_cause_improvement").all()
    # the chart has no comparison: a district whose re-audit is above its frozen limits rose
    # with the authority (the generator gives the actions no effect), and the evaluation
    # against the other districts net of regression to the mean credits none of them
    flagged = eff[(eff["units"] != "all") & (eff["spc_signal"] == "Above UCL")]
    assert len(flagged) and (flagged["improved_net"] == "no").all()


def test_the_actions_reviewer_page_shows_the_control_chart_signal(cycle_2013):
    page = html.unescape((Path(cycle_2013["cycle_dir"]) / "html" / "actions.html").read_text(encoding="utf-8"))
    assert "Control chart signal at the re-audit" in page
    assert "Above the upper limit" in page and "Above UCL" not in page


# ---------------------------------------------------------------- findings

def _sentences(cycle_dir: Path) -> list[str]:
    """The main findings about the actions, as the appendix's HTML shows them."""
    text = (cycle_dir / "publish" / "appendix.html").read_text(encoding="utf-8")
    sec = text[text.index('id="findings"'):]
    sec = sec[:sec.index("</section>")]
    items = [html.unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", sec, re.DOTALL)]
    return [s for s in items if s.startswith(("The action on \u2018", "Actions agreed"))]


def check_action_findings(cycle_dir: Path):
    """One sentence per action, its verdict read off the honest rule's published interval."""
    pub = cycle_dir / "publish"
    rows = list(csv.DictReader((pub / "csv" / "T16.csv").open(encoding="utf-8")))
    page = html.unescape((pub / "appendix.html").read_text(encoding="utf-8"))
    said = _sentences(cycle_dir)
    reg = _register()
    # the numbers of the sentences that state them are published cells (RESTRICTED_findings.csv)
    b = pd.read_csv(cycle_dir / "restricted" / "RESTRICTED_findings.csv", dtype=str, keep_default_na=False)
    assert set(b.loc[b["topic"] == "actions", "sentence"]) <= set(said)
    verdicts = {}
    for r in (x for x in rows if x["occasion"] == "re-audit"):
        # an action is named by what it aimed at, its register code in brackets
        s = [x for x in said if f"(\u2018{r['action_id']}\u2019 in Table 16): " in x]
        assert len(s) == 1, r["action_id"]
        s = s[0]
        assert s in page
        cols = (("change_since_baseline", "change_conf_low", "change_conf_high") if r["district"] == "All districts"
                else ("difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high"))
        est, lo, hi = (r[c] for c in cols)
        if "[c]" in (est, lo, hi):
            # a hidden cell is never stated: the action is named as not shown, with the reason
            assert "not shown (suppressed" in s, s
            assert not re.search(r"\d+\.\d", s), s
            verdicts[r["action_id"]] = "not shown"
            continue
        assert f"{est} percentage points (95% confidence interval {lo} to {hi})" in s, s
        v = "improved" if float(lo) > 0 else "worse" if float(hi) < 0 else "no clear change"
        verdicts[r["action_id"]] = v
        if r["district"] == "All districts":
            assert s.split(": ", 1)[1].startswith(v), s
        else:
            # the honest rule's verdict and its own interval only: the other rules' figures are
            # in Table 16 and on the members' page
            assert s.endswith("net of the other districts' change and of regression to the mean."), s
            words = {"improved": "improved more than expected", "worse": "worse than expected",
                     "no clear change": "no clear effect"}[v]
            assert s.split(": ", 1)[1].startswith(words), s
        assert s.count("confidence interval") == 1, s
    # owners by role in the table's own column, never inside a sentence
    for s in said:
        for a in reg:
            assert a["owner_role"] not in s, s
            assert a["description"] not in s
    return verdicts


def test_the_findings_say_for_each_action_whether_practice_improved(cycle_2013):
    verdicts = check_action_findings(Path(cycle_2013["cycle_dir"]))
    assert set(verdicts) == {r["action_id"] for r in _register()}
    # the synthetic generator gives the district actions no effect: none is credited by the
    # honest rule, while the two authority-wide actions show the authority's improvement
    assert verdicts["A2010-W1"] == verdicts["A2010-W2"] == "improved"
    assert not [a for a, v in verdicts.items() if v == "improved" and "-W" not in a]
    assert "not shown" in verdicts.values()


# ---------------------------------------------------------------- members' page

def _pdf_pages(path: Path) -> list[tuple[str, tuple]]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [(doc[i].get_textpage().get_text_range(), tuple(round(v) for v in doc[i].get_size()))
                for i in range(len(doc))]
    finally:
        doc.close()


def check_members_page(cycle_dir: Path):
    """The members' summary: in the HTML near the front, and on one A4 page of the PDF."""
    pub = cycle_dir / "publish"
    rows = [r for r in csv.DictReader((pub / "csv" / "T16.csv").open(encoding="utf-8"))
            if r["occasion"] == "re-audit"]
    text = (pub / "appendix.html").read_text(encoding="utf-8")
    # its own section, after the findings and before the tables
    assert text.index('id="findings"') < text.index('id="members"') < text.index('id="tables-h"')
    sec = text[text.index('id="members"'):]
    sec = html.unescape(sec[:sec.index("</section>")])
    body = re.findall(r"<tr>(.*?)</tr>", sec[sec.index("<tbody>"):], re.DOTALL)
    cells = [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.DOTALL)] for r in body]
    assert [c[0] for c in cells] == [r["action_id"] for r in rows]
    for c, r in zip(cells, rows):
        _action, aim, owner, due, status, worked, change = c
        assert owner == r["owner_role"] and due == r["due"] and status == r["status"].replace("_", " ")
        assert r["criterion_label"] in aim
        hidden = r["district"] != "All districts" and r["difference_net_of_rtm"] == "[c]"
        if hidden:
            assert change == "[c]" and worked.startswith("Not shown: suppressed"), c
        else:
            cols = (("change_since_baseline", "change_conf_low", "change_conf_high")
                    if r["district"] == "All districts" else
                    ("difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high"))
            est, lo, hi = (r[k] for k in cols)
            assert change == f"{est} ({lo} to {hi})", c
            assert worked.startswith("Yes" if float(lo) > 0 else "No" if float(hi) < 0 else "Not clearly"), c
    # nothing hidden is shown: every number of the page is a published cell of Table 16
    published = {v for r in rows for v in r.values()}
    for n in re.findall(r"-?\d+\.\d+", re.sub(r"<[^>]+>", " ", sec)):
        assert n in published, n
    # the PDF: the page is there, whole, on one A4 portrait page
    pages = _pdf_pages(pub / "appendix.pdf")
    on = [i for i, (t, _) in enumerate(pages) if TITLE in " ".join(t.split())]
    assert on, "the members' summary is not in the PDF"
    first = on[0]
    page_text, size = pages[first]
    assert all(abs(a - b) <= 1 for a, b in zip(size, A4_POINTS)), size
    flat = "".join(page_text.split())  # without spaces: a cell may wrap inside a word
    for r in rows:
        assert r["action_id"] in flat, (r["action_id"], "not on the summary's page")
    assert "anactionissaidtohaveworked" in flat  # the closing note, so nothing ran over
    return first


def test_the_pdf_has_a_one_page_summary_of_the_actions_for_members(cycle_2013):
    pytest.importorskip("weasyprint")
    check_members_page(Path(cycle_2013["cycle_dir"]))
