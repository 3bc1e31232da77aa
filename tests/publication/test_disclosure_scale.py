"""Disclosure control at any size: batch protection by alternative tables, a budget, clear refusals.

A large component of the linear system (hundreds of units, each with a handful of audits)
holds thousands of hidden counts; two exact programmes each took hours. The batch step
(kentaudit.publication.cells._ComponentLP.certify) shows most of them protected with a few
programmes, each an alternative table consistent with everything shown. These tests force the
batch step onto small systems and check its verdicts against the exact programme.
"""
import random

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kentaudit.core.errors import DisclosureError
from kentaudit.publication import cells, disclosure
from kentaudit.publication.cells import LinearSystem, Universe
from kentaudit.publication.disclosure import Context, suppress
from kentaudit.publication.table import Column, PublicationTable

C = "[c]"


def units_table(values: dict, areas: dict, id_="T3"):
    """Audits by unit, with a row per area and the authority's Total row."""
    rows = []
    for area in dict.fromkeys(areas.values()):
        ds = [d for d, a in areas.items() if a == area]
        rows += [{"area": area, "district": d, "n_audits": values[d]} for d in ds]
        rows.append({"area": area, "district": "All districts", "n_audits": sum(values[d] for d in ds)})
    rows.append({"area": "Total", "district": "All districts", "n_audits": sum(values.values())})
    cols = [Column("area", "Area", "label"), Column("district", "Unit", "label"),
            Column("n_audits", "Audits", "count", "count")]
    return PublicationTable(id_, "Audits", pd.DataFrame(rows), cols,
                            defines={"fixed": {"sample": ["annual"]},
                                     "labels": {"area": "area", "district": "district"},
                                     "columns": {"n_audits": {}}})


def answers_by_unit(yes: dict, den: dict, areas: dict, id_="T7"):
    rows = []
    for area in dict.fromkeys(areas.values()):
        ds = [d for d, a in areas.items() if a == area]
        rows += [{"criterion": "k1", "area": area, "district": d, "n_yes": yes[d], "n_denominator": den[d]}
                 for d in ds]
        rows.append({"criterion": "k1", "area": area, "district": "All districts",
                     "n_yes": sum(yes[d] for d in ds), "n_denominator": sum(den[d] for d in ds)})
    rows.append({"criterion": "k1", "area": "Total", "district": "All districts",
                 "n_yes": sum(yes.values()), "n_denominator": sum(den.values())})
    cols = [Column("criterion", "Criterion", "label"), Column("area", "Area", "label"),
            Column("district", "Unit", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("n_denominator", "Answered", "count", "count")]
    return PublicationTable(id_, "Compliance", pd.DataFrame(rows), cols, defines={
        "fixed": {"sample": ["annual"]}, "labels": {"criterion": "criterion", "area": "area", "district": "district"},
        "columns": {"n_yes": {"answer": ["yes"]}, "n_denominator": {"answer": ["yes", "no"]}}})


def context(areas: dict) -> Context:
    u = Universe({"2013": ["annual"]}, dict(areas), {"2013": ["accepted"]}, ["k1"])
    return Context("2013", u, {"2013": ["annual"]}, None)


def structure(n_units: int, n_areas: int, seed: int):
    rng = random.Random(seed)
    areas = {f"U{k:03d}": f"Area {k % n_areas}" for k in range(n_units)}
    audits = {d: rng.choice([0, 1, 1, 2, 3, 4, 6, 9]) for d in areas}
    den = {d: max(0, a - rng.choice([0, 0, 1])) for d, a in audits.items()}
    yes = {d: rng.randint(0, v) for d, v in den.items()}
    return areas, audits, den, yes


def published_ranges(res, ctx):
    """The exact range of every hidden count, from the published tables only (what a reader
    can assume: every [c] >= 1, or >= 0 when the edition says a zero is hidden)."""
    system = LinearSystem(ctx.universe, list(res.cells.values()))
    by_id = {t.id: t.data for t in res.tables}
    known, hid = {}, set()
    for (tid, i, col), d in res.cells.items():
        k = system.index[d]
        v = by_id[tid].at[i, col]
        if v == C:
            hid.add(k)
        else:
            known[k] = float(v)
    # every [c] is at least 1, unless the edition hides a zero: then a reader knows only >= 0
    lower = hid if res.hidden_zeros == 0 else set()
    return {k: system.intervals(known, [k], lower_one=lower)[k] for k in hid}


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=6, max_value=24), st.integers(min_value=1, max_value=3),
       st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=4))
def test_batch_protection_is_sound_against_the_exact_programme(n_units, n_areas, seed, width):
    # the batch step forced onto every component: each hidden count it calls protected
    # really has an exact range of at least the width, from the published tables alone
    areas, audits, den, yes = structure(n_units, n_areas, seed)
    ctx = context(areas)
    tables = [units_table(audits, areas), answers_by_unit(yes, den, areas)]
    old = cells.BATCH_MIN_VARS
    cells.BATCH_MIN_VARS = 0
    try:
        res = suppress(tables, context=ctx, width=width)
    except DisclosureError:
        return  # refused loudly (nothing can protect it): never published
    finally:
        cells.BATCH_MIN_VARS = old
    for k, (lo, hi) in published_ranges(res, ctx).items():
        assert hi - lo >= width - 1e-6


def test_batch_ranges_lie_inside_the_exact_ranges():
    areas, audits, den, yes = structure(40, 2, 7)
    ctx = context(areas)
    tables = [units_table(audits, areas), answers_by_unit(yes, den, areas)]
    old = cells.BATCH_MIN_VARS
    cells.BATCH_MIN_VARS = 0
    try:
        res = suppress(tables, context=ctx, width=3)
    finally:
        cells.BATCH_MIN_VARS = old
    exact = published_ranges(res, ctx)
    system = LinearSystem(ctx.universe, list(res.cells.values()))
    audit = res.audit[res.audit.reason != "derived"]
    assert len(audit) > 20
    for r in audit.itertuples():
        d = res.cells[(r.table_id, r.row, r.column)]
        lo, hi = exact[system.index[d]]
        assert lo - 1e-6 <= r.protection_low and r.protection_high <= hi + 1e-6


def test_a_size_beyond_the_budget_is_refused_with_the_sizes_and_what_to_change(monkeypatch):
    areas, audits, den, yes = structure(30, 2, 3)
    monkeypatch.setattr(disclosure, "MAX_CPU_SECONDS", 0.0)
    with pytest.raises(DisclosureError, match=r"stopped after .* CPU seconds .*T7 .*count cells.*"
                                              r"merge units in inputs.districts"):
        suppress([units_table(audits, areas), answers_by_unit(yes, den, areas)], context=context(areas), width=3)


def test_a_unit_the_table_of_units_does_not_know_is_refused_by_name():
    areas = {"A": "North", "B": "North", "C": "South", "D": "South"}
    t = units_table({"A": 9, "B": 8, "C": 7, "D": 6}, areas)
    t.data.loc[0, "district"] = "Ashdown Vale"
    with pytest.raises(DisclosureError, match=r"T3 row 0: the unit 'Ashdown Vale' is not in the cycle's table"):
        suppress([t], context=context(areas), width=3)


def test_an_area_the_table_of_units_does_not_know_is_refused_by_name():
    # before: an unknown area's row silently counted every unit, and the appendix stopped
    # with "T7 row 3 n_yes = 52 counts the same records as ... (a bug upstream)"
    areas = {"A": "North", "B": "North", "C": "South", "D": "South"}
    t = units_table({"A": 9, "B": 8, "C": 7, "D": 6}, areas)
    t.data.loc[2, "area"] = "<b>North</b>"
    with pytest.raises(DisclosureError, match=r"T3 row 2: the area '<b>North</b>' is not an area"):
        suppress([t], context=context(areas), width=3)


@pytest.mark.parametrize("n_units,n_areas", [(4, 2), (12, 1), (36, 4)])
def test_small_structures_protect_every_hidden_count(n_units, n_areas):
    # one area, 2 areas of 2 units, units that are teams: a feasible pattern, never an error
    areas, audits, den, yes = structure(n_units, n_areas, n_units)
    ctx = context(areas)
    res = suppress([units_table(audits, areas), answers_by_unit(yes, den, areas)], context=ctx, width=3)
    assert all(hi - lo >= 3 - 1e-6 for lo, hi in published_ranges(res, ctx).values())
