"""The three tables of one criterion answered unit by unit that the authority-wide estimate's
disclosure tests build (``test_design_estimate_disclosure.py``, ``test_headline_rounding.py``):
T3 (files by unit), T7 (yes and answered by unit, area and authority) and T15 (the design-based
estimate with its interval), with the suppression context of a one-sample cycle."""
from __future__ import annotations

import pandas as pd

from kentaudit.publication.cells import Universe
from kentaudit.publication.disclosure import Context
from kentaudit.publication.table import Column, PublicationTable

CYCLE, SAMPLE = "2025-26", "annual"
COLS = ("estimate", "conf_low", "conf_high")


def unit_tables(areas: dict, audits: dict, answered: dict, yes: dict, estimate, authority: str):
    """``[T3, T7, T15]`` and their ``Context``: ``areas`` maps each area to its units; ``audits``,
    ``answered`` and ``yes`` map each unit to its files audited and the criterion's answered and yes
    counts; ``estimate`` is the (estimate, low, high) T15 publishes; ``authority`` labels the
    authority's rows."""
    units = {u: a for a, us in areas.items() for u in us}
    t3 = [{"sample": SAMPLE, "area": units[u], "district": u, "n_audits": audits[u]} for u in units]
    t3.append({"sample": SAMPLE, "area": authority, "district": "Total", "n_audits": sum(audits.values())})
    t7 = []
    for a, us in areas.items():
        t7 += [{"criterion": "q1", "area": a, "district": u, "n_yes": yes[u], "n_denominator": answered[u]}
               for u in us]
        t7.append({"criterion": "q1", "area": a, "district": "All units", "n_yes": sum(yes[u] for u in us),
                   "n_denominator": sum(answered[u] for u in us)})
    t7.append({"criterion": "q1", "area": authority, "district": "All units", "n_yes": sum(yes.values()),
               "n_denominator": sum(answered.values())})
    t15 = [{"criterion": "q1", "sample": SAMPLE, "n_denominator": sum(answered.values()),
            **dict(zip(COLS, estimate))}]
    T3 = PublicationTable("T3", "Files", pd.DataFrame(t3), [
        Column("sample", "Sample", "label"), Column("area", "Area", "label"), Column("district", "Unit", "label"),
        Column("n_audits", "Audits", "count", "count")],
        defines={"labels": {"sample": "sample", "area": "area", "district": "district"}, "columns": {"n_audits": {}}})
    T7 = PublicationTable("T7", "Units", pd.DataFrame(t7), [
        Column("criterion", "Criterion", "label"), Column("area", "Area", "label"),
        Column("district", "Unit", "label"), Column("n_yes", "Yes", "count", "count"),
        Column("n_denominator", "Answered", "count", "count")],
        defines={"fixed": {"sample": "@main"}, "labels": {"criterion": "criterion", "area": "area", "district": "district"},
                 "columns": {"n_yes": {"answer": ["yes"]}, "n_denominator": {"answer": ["yes", "no"]}}})
    over = ({"table": "T7", "within": ["criterion"], "columns": ["n_yes", "n_denominator"]},)
    T15 = PublicationTable("T15", "Authority", pd.DataFrame(t15), [
        Column("criterion", "Criterion", "label"), Column("sample", "Samples", "label"),
        Column("n_denominator", "Answered", "count", "count")] + [
        Column(c, c, "derived", "%", ("n_denominator",), 100, 1, over=over) for c in COLS],
        defines={"fixed": {"sample": "@main"}, "labels": {"criterion": "criterion"},
                 "columns": {"n_denominator": {"answer": ["yes", "no"]}}})
    u = Universe({CYCLE: [SAMPLE]}, dict(units), {CYCLE: ["accepted"]}, ["q1"])
    ctx = Context(CYCLE, u, {CYCLE: [SAMPLE]}, None, authority=authority)
    return [T3, T7, T15], ctx
