"""Kent-wide headline percentages are shown wherever their own counts allow (issue 11).

On what the runner publishes (T4, compliance by criterion, Kent-wide): a row's
percentage may be hidden only if its yes or no count is 1 to the threshold, or if the
files not answered (not applicable + not recorded) hold a small count and are too few to
protect it (fewer than protection width + 1): then the answered count alone would give
the small count away. In every other row the answered count and the percentage are shown.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _check(cycle):
    d = cycle["cycle_dir"]
    meta = json.loads((d / "publish" / "csv" / "metadata.json").read_text())["disclosure"]
    thr, width = meta["threshold"], meta["protection_width"]
    pub = pd.read_csv(d / "publish" / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    res = pd.read_csv(d / "results" / "compliance_by_criterion.csv").set_index("criterion")
    kept = 0
    for _, r in pub.iterrows():
        t = res.loc[r["criterion"]]
        small = lambda v: 1 <= v <= thr  # noqa: E731
        unanswered = int(t["n_not_applicable"] + t["n_missing"])
        excused = (small(t["n_yes"]) or small(t["n_no"]) or
                   ((small(t["n_not_applicable"]) or small(t["n_missing"])) and unanswered < width + 1))
        if not excused:
            assert r["n_denominator"] != "[c]" and r["estimate"] != "[c]", r["criterion"]
            kept += 1
    return kept


def test_kent_wide_percentages_shown_where_their_counts_allow_2013(cycle_2013):
    assert _check(cycle_2013) >= 19   # of 20: ia_timely has 2 files unanswered (298 of 300)


def test_kent_wide_percentages_shown_where_their_counts_allow_2009(cycle_2009):
    assert _check(cycle_2009) >= 1
