"""The authority-wide headline (Table 15) of an authority shaped like the outside walk's Wexmoor
(issue 22 item 4): 3 areas of 4 units, one unit with 9 audits, frames unequal.

The headline criterion's unit counts here are those the walk met (written into the fixture, no
file of the outside authority is read): the small unit answered yes 5 times of 8, so it is hidden,
and its area's row is shown, so one more unit count of the area is hidden with it (14 of 19).
The design-based estimate weights the two by different N_h / n_h, so with their sum shown the
estimate and its interval, at one decimal, give both back; the rule (docs/appendix.md, "The
authority-wide estimate and hidden unit counts") publishes them rounded to whole percentages,
where an enumeration written here finds both hidden counts still wider than the protection width.
"""
import itertools

import numpy as np

from kentaudit.publication.appendix import loss_lines
from kentaudit.publication.disclosure import MARK, design_complements, protect_design_estimate, suppress
from kentaudit.publication.views import csv_frame
from kentaudit.publication.writers.xlsx import gptable_for
from kentaudit.stats.survey import stratified_logit_many
from unit_tables import COLS, unit_tables

AREAS = {"Coast": ["C1", "C2", "C3", "C4"], "Moors": ["M1", "M2", "M3", "M4"],
         "Valley": ["V1", "V2", "Small", "V4"]}
UNITS = {u: a for a, us in AREAS.items() for u in us}
ORDER = list(UNITS)
# files audited, children in scope (the frame), answered and yes of the headline criterion
N_AUDITS = dict(zip(ORDER, [26, 31, 21, 23, 24, 27, 22, 30, 26, 25, 9, 28]))
FRAME = dict(zip(ORDER, [77.0, 95, 66, 73, 61, 92, 58, 101, 84, 70, 31, 64]))
ANSWERED = dict(zip(ORDER, [24, 29, 16, 19, 20, 20, 20, 26, 19, 21, 8, 21]))
YES = dict(zip(ORDER, [23, 28, 10, 15, 15, 17, 13, 26, 14, 21, 5, 19]))


def fixture():
    """T3 (files by unit), T7 (yes and answered by unit, area and authority) and T15."""
    return unit_tables(AREAS, N_AUDITS, ANSWERED, YES, [v[0] for v in estimates([[YES[u] for u in ORDER]])],
                       "Authority")


def estimates(ys):
    ys = np.asarray(ys, dtype=float)
    return stratified_logit_many(ys, np.array([[ANSWERED[u] for u in ORDER]] * len(ys)),
                                 [N_AUDITS[u] for u in ORDER], [FRAME[u] for u in ORDER])


def half_away(x, dec):
    return np.floor(np.asarray(x) * 100 * 10 ** dec + 0.5) / 10 ** dec


def kept(hidden: list, dec: int) -> np.ndarray:
    """Independently of the rule: every table of the ``hidden`` units' yes counts (each >= 1 and
    at most its answered count) keeping every area's and the authority's yes count, whose estimate
    and limits round, at ``dec`` decimals of a percentage, as the true ones do."""
    grid = np.array(list(itertools.product(*[range(1, ANSWERED[u] + 1) for u in hidden])))
    for us in AREAS.values():
        idx = [q for q, u in enumerate(hidden) if u in us]
        if idx:
            grid = grid[grid[:, idx].sum(axis=1) == sum(YES[hidden[q]] for q in idx)]
    ys = np.array([[YES[u] for u in ORDER]] * len(grid), dtype=float)
    for q, u in enumerate(hidden):
        ys[:, ORDER.index(u)] = grid[:, q]
    truth = estimates([[YES[u] for u in ORDER]])
    same = np.ones(len(grid), dtype=bool)
    for v, t in zip(estimates(ys), truth):
        same &= half_away(v, dec) == half_away(t[0], dec)
    return grid[same]


def test_the_small_unit_and_one_area_neighbour_are_hidden():
    tables, ctx = fixture()
    sup = suppress(tables, context=ctx, width=3)
    t7 = sup.tables[1].data
    units = t7[t7["district"].isin(UNITS)]
    assert sorted(units.loc[units["n_yes"] == MARK, "district"]) == ["Small", "V1"]
    assert (t7.loc[~t7["district"].isin(UNITS), "n_yes"] != MARK).all()  # area and authority rows shown
    assert sup.tables[2].data.at[0, "estimate"] == MARK  # hidden by over: alone


def test_at_one_decimal_the_headline_gives_the_neighbour_back_exactly():
    # the enumeration finds a single value of each hidden count: V1 = 14 (and Small = 5)
    k = kept(["V1", "Small"], 1)
    assert sorted(set(k[:, 0])) == [14] and sorted(set(k[:, 1])) == [5]
    tables, ctx = fixture()
    sup = suppress(tables, context=ctx, width=3)
    rep = protect_design_estimate(sup, tables, frame=FRAME)
    assert "(V1): the estimate would narrow it to [14, 14]" in rep[0]["rounded"]["because"]


def test_at_one_decimal_hiding_one_or_both_other_units_of_the_area_does_not_help():
    # the interval carries each unit's variance term: the small unit stays pinned whatever else is hidden
    for extra in (["V2"], ["V4"], ["V2", "V4"]):
        k = kept(["V1", "Small"] + extra, 1)
        spans = k.max(axis=0) - k.min(axis=0)
        assert spans.min() < 3, (extra, spans)


def test_at_whole_percentages_every_hidden_count_keeps_the_protection_width():
    k = kept(["V1", "Small"], 0)
    assert (k.max(axis=0) - k.min(axis=0) >= 3).all(), k


def test_the_headline_is_published_at_whole_percentages_with_a_note_and_no_unit_count_hidden_for_it():
    tables, ctx = fixture()
    first = suppress(tables, context=ctx, width=3)
    assert design_complements(first, tables, frame=FRAME) == {}  # rounding costs less than a unit count
    sup = suppress(tables, context=ctx, width=3)
    sup.design_checks = protect_design_estimate(sup, tables, frame=FRAME)
    t15 = sup.tables[2]
    assert sup.design_checks[0]["shown"] and t15.cell_decimals == {(0, c): 0 for c in COLS}
    shown = csv_frame(t15).loc[0, list(COLS)].tolist()
    truth = [half_away(float(tables[2].data.at[0, c]), 0) for c in COLS]
    assert shown == [f"{v:.0f}" for v in truth] == ["85", "81", "88"]
    assert "rounded_coarser" in t15.notes and "T15" not in set(sup.audit["table_id"])
    fmts = gptable_for(t15).additional_formatting
    assert {"cell": {"cells": [(1, 3)], "format": {"num_format": "0"}}} in fmts  # the sheet shows "85", not "85.0"
    detail = next(line for line in loss_lines(sup) if "rounded" in line)
    assert "Table 15" in detail and "whole numbers" in detail
    public = next(line for line in loss_lines(sup, detail=False) if "rounded" in line)
    for leak in ("V1", "[", "n_yes", "T7"):
        assert leak not in public, (leak, public)


def test_where_no_rounding_serves_the_appendix_names_the_hidden_cell_that_forces_it_without_its_value(monkeypatch):
    # whole percentages forbidden (as if they too narrowed a count): the estimate stays hidden
    monkeypatch.setattr("kentaudit.publication.disclosure.MIN_DESIGN_DECIMALS", 1)
    tables, ctx = fixture()
    sup = suppress(tables, context=ctx, width=3)
    sup.design_checks = protect_design_estimate(sup, tables, frame=FRAME)
    assert sup.tables[2].data.at[0, "estimate"] == MARK and not sup.tables[2].cell_decimals
    public = next(line for line in loss_lines(sup, detail=False) if line.startswith("Table 15:"))
    assert "would reveal a hidden count: the hidden yes count of V1 in Table 7" in public
    for leak in ("[", "14", " row ", "n_yes", "T7", "primary", "secondary"):
        assert leak not in public, (leak, public)
