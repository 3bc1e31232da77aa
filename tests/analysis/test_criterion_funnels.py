"""The districts section draws the headline criterion's funnel plot; the funnel plot of each
other flagged criterion (``funnel_<criterion>``) only when an analyst asks for it
(``criterion_funnels=True``): nothing the run shows or publishes reads them, and drawing them
was most of the districts notebook's time (issue 26 item 3)."""
from __future__ import annotations

import warnings
from pathlib import Path

from kentaudit import analysis
from kentaudit.analysis import district_comparison

ROOT = Path(__file__).resolve().parents[2]


def _flagged(funnel, headline: str) -> set[str]:
    out = funnel[funnel["flag_99_8"].isin(["above", "below"])]
    return {f"funnel_{c}" for c in out["criterion"].astype(str)} - {f"funnel_{headline}"}


def test_by_default_only_the_headline_criterion_is_drawn(districts_2009):
    funnels = {f for f in districts_2009.figures if f.startswith("funnel_")}
    assert funnels == {"funnel_compliance"}
    # the cycle has other criteria with a district outside the limits, which are not drawn
    assert _flagged(districts_2009.tables["funnel"], "seen")


def test_an_analyst_who_asks_gets_every_flagged_criterion(monkeypatch):
    drawn = []

    def plot_funnel(table, **kw):  # stands in for drawing: records which criterion was asked for
        drawn.append(kw["measure"])
        return object()

    monkeypatch.setattr(district_comparison.charts, "plot_funnel", plot_funnel)
    cd = analysis.load_cycle(ROOT / "params" / "cycle-2009.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sec = analysis.districts(cd, criterion_funnels=True)
    flagged = _flagged(sec.tables["funnel"], cd.headline)
    assert {f for f in sec.figures if f.startswith("funnel_")} == flagged | {"funnel_compliance"}
    assert len(drawn) == len(flagged) + 1
    assert sorted(drawn) == sorted([cd.labels[f.removeprefix("funnel_")] for f in flagged]
                                   + [cd.labels[cd.headline]])
