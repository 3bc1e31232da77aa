"""The 2013 appendix publishes "Actions and their effect" (Table 16) from the action register
of params/cycle-2013.yaml, disclosure-controlled as every table, with owner roles only."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

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
