"""The 2013 appendix publishes "Actions and their effect" (Table 16) from the action register
of params/cycle-2013.yaml, disclosure-controlled as every table, with owner roles only."""
from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import make_scratch_repo, once_in

from kentaudit.run.runner import run_cycle

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_the_2013_appendix_says_for_each_action_whether_practice_improved(cycle_2013):
    assert cycle_2013["code"] == 0
    publish = Path(cycle_2013["cycle_dir"]) / "publish"
    rows = list(csv.DictReader((publish / "csv" / "T16.csv").open(encoding="utf-8")))
    register = list(csv.DictReader((ROOT / "data" / "synthetic" / "actions.csv").open(encoding="utf-8")))
    # every action of the register (each targets one district or all) is there, at both audits
    assert {r["action_id"] for r in rows} == {r["action_id"] for r in register}
    assert len(rows) == 2 * len(register)
    reaudit = [r for r in rows if r["occasion"] == "re-audit"]
    # each with its interval (or [c] where disclosure control hid it)
    for r in reaudit:
        for c in ("change_since_baseline", "change_conf_low", "change_conf_high"):
            assert r[c] != "", (r["action_id"], c)
    # disclosure control: a count from 1 to 5 is [c], and the change, which the two rows'
    # counts together give, is hidden whenever either row's counts are
    hidden = {r["action_id"] for r in rows if "[c]" in (r["n_yes"], r["n_denominator"])}
    assert hidden, "the synthetic programme has actions with small baseline counts"
    for r in rows:
        if r["n_yes"] not in ("[c]", "") and 1 <= int(r["n_yes"]) <= 5:
            raise AssertionError(f"{r['action_id']}: a count of {r['n_yes']} is shown")
    for r in reaudit:
        if r["action_id"] in hidden:
            assert r["change_since_baseline"] == "[c]" and r["difference"] in ("[c]", "[x]"), r["action_id"]
    assert {r["owner_role"] for r in rows} <= {r["owner_role"] for r in register}
    # the description is kept for the lead and never published, in any format
    html = (publish / "appendix.html").read_text(encoding="utf-8")
    assert "Table 16" in html and "Actions and their effect" in html
    for r in register:
        assert r["description"] not in html
    meta = json.loads((publish / "csv" / "metadata.json").read_text(encoding="utf-8"))
    assert "T16" in json.dumps(meta)


# ---------------------------------------------------------------- every action answered
RULES = {"change": ("change_since_baseline", "change_conf_low", "change_conf_high"),
         "net": ("difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high")}


def _number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def check_every_action_answered(cycle_dir: Path, register: Path, cycle: str, all_units: str = "All districts"):
    """Issue 27's "done when": for each action of ``register`` that ``cycle`` re-audits, the
    published appendix says whether the targeted practice improved, with its interval, for
    each criterion and unit it targets, or states why not. Read from the files the runner
    wrote: csv/T16.csv and appendix.html. Returns {action_id: set of (criterion, unit)}."""
    publish = cycle_dir / "publish"
    rows = list(csv.DictReader((publish / "csv" / "T16.csv").open(encoding="utf-8")))
    page = (publish / "appendix.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    reg = [r for r in csv.DictReader(register.open(encoding="utf-8")) if r["reaudit_cycle"] == cycle]
    assert reg, "the register has no action re-audited in this cycle"
    seen = {}
    for a in reg:
        mine = [r for r in rows if r["action_id"] == a["action_id"]]
        if a["status"] == "withdrawn":
            assert not mine, a["action_id"]
            assert f"\u2018{a['action_id']}\u2019 (withdrawn before its re-audit: not evaluated)" in text
            seen[a["action_id"]] = set()
            continue
        reaudit = [r for r in mine if r["occasion"] == "re-audit"]
        # one re-audit row for each criterion and unit the action targets
        n_units = 1 if a["units"] == "all" else len(a["units"].split(";"))
        assert len(reaudit) == len(a["criteria"].split(";")) * n_units, a["action_id"]
        assert {r["criterion"] for r in reaudit} == set(a["criteria"].split(";"))
        for r in reaudit:
            est, lo, hi = (r[c] for c in RULES["change" if r["district"] == all_units else "net"])
            # the whole triple is published, or the whole triple is hidden or not available
            if all(_number(v) for v in (est, lo, hi)):
                assert float(lo) <= float(est) <= float(hi), (a["action_id"], est, lo, hi)
                said = f"{est} percentage points (95% confidence interval {lo} to {hi})"
                assert said in text, (a["action_id"], said)
            else:
                assert {est, lo, hi} <= {"[c]", "[x]", ""}, (a["action_id"], est, lo, hi)
                # an action is named by what it aimed at, its register code in brackets
                assert (f"(\u2018{a['action_id']}\u2019 in Table 16): " in text
                        and ("not shown (suppressed" in text or "no verdict (" in text)), a["action_id"]
        seen[a["action_id"]] = {(r["criterion"], r["district"]) for r in reaudit}
    return seen


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_every_action_of_the_2013_register_is_answered_with_its_interval_or_a_reason(cycle_2013):
    seen = check_every_action_answered(Path(cycle_2013["cycle_dir"]), ROOT / "data" / "synthetic" / "actions.csv",
                                       "2013")
    assert len(seen) == 12 and all(seen.values())


# A register with what the bundled one lacks: an action on three districts and two criteria,
# and a withdrawn action. The cycle is run by the runner like every other (a second 2013 run).
EXTRA = [
    {"action_id": "A2011-S1", "finding": "compliance_by_district:chronology:THA", "baseline_cycle": "2011",
     "reaudit_cycle": "2013", "criteria": "chronology;genogram", "units": "THA;SWA;DOV",
     "owner_role": "Head of Service", "agreed": "2012-03-01", "due": "2012-12-01", "status": "completed",
     "target": "0.8", "description": "Three districts and two criteria."},
    {"action_id": "A2011-X1", "finding": "compliance_by_district:supervision:SWA", "baseline_cycle": "2011",
     "reaudit_cycle": "2013", "criteria": "supervision", "units": "SWA", "owner_role": "Head of Service",
     "agreed": "2012-03-01", "due": "2012-12-01", "status": "withdrawn", "target": "0.8",
     "description": "Withdrawn."},
]


def _run_with_register(base: Path) -> dict:
    """The 2013 cycle run once per session with the bundled register plus EXTRA."""
    def run(work: Path) -> dict:
        params = make_scratch_repo(work / "repo", "2013")
        src = ROOT / "data" / "synthetic" / "actions.csv"
        rows = list(csv.DictReader(src.open(encoding="utf-8")))
        with (params.parent / "actions-extra.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows + EXTRA)
        doc = yaml.safe_load(params.read_text())
        doc["inputs"]["actions"] = "actions-extra.csv"
        params.write_text(yaml.safe_dump(doc, sort_keys=False))
        return {"code": run_cycle(params, jobs=2), "params": params}

    work = base / "cycle-2013-extra-actions"
    info = once_in(work, run)
    return {**info, "cycle_dir": work / "repo" / "outputs" / "2013",
            "register": info["params"].parent / "actions-extra.csv"}


@pytest.fixture(scope="module")
def extra_run(shared_tmp):
    return _run_with_register(shared_tmp)


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_an_action_on_several_districts_and_criteria_is_published_for_each_and_a_withdrawn_one_is_noted(extra_run):
    assert extra_run["code"] == 0
    seen = check_every_action_answered(extra_run["cycle_dir"], extra_run["register"], "2013")
    assert seen["A2011-S1"] == {(c, d) for c in ("chronology", "genogram") for d in ("Thanet", "Swale", "Dover")}
    assert seen["A2011-X1"] == set()
    text = (extra_run["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "is shown for each of its districts" in text
    # the members' page: this register has more results than one page holds, so the action on
    # several districts and criteria is one line counting its 6 results (each in Table 16)
    members = text[text.index('id="members"'):]
    members = members[:members.index("</section>")]
    assert members.count(">A2011-S1<") == 1 and "A2011-X1" not in members
    line = members[members.index(">A2011-S1<"):]
    line = line[:line.index("</tr>")]
    assert "of 6:" in line and "each in Table 16" in line
