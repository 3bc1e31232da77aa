"""The design-based authority-wide estimate (T15) and hidden unit counts (issue 22 item 4).

A generated authority like the outside walk's (3 areas of 4 units, one unit with 9 audits and
4 of its 8 answers yes, every other unit large; frames unequal, so the weights N_h / n_h differ):
the small unit's yes count is hidden. Hiding the authority-wide estimate because of it, as
``over:`` alone does, is over-protection; showing it beside only the small unit and one complement
would reveal both (a weighted sum of two unknowns whose plain sum is shown). The rule (docs/appendix.md,
"The authority-wide estimate and hidden unit counts") shows it with one or two more unit counts
hidden, or hides it naming the count it would narrow.
"""
import numpy as np

from kentaudit.publication.appendix import loss_lines
from kentaudit.publication.disclosure import (MARK, SHRUNKEN_COLUMNS, design_complements,
                                              protect_design_estimate, protect_shrunken, suppress)
from kentaudit.publication.table import Column, PublicationTable
from kentaudit.stats.shrinkage import shrink
from kentaudit.stats.survey import stratified_logit_many
from unit_tables import unit_tables

AREAS = {"North": ["N1", "N2", "N3", "N4"], "Vale": ["V1", "V2", "V3", "Small"], "Coast": ["C1", "C2", "C3", "C4"]}
UNITS = {u: a for a, us in AREAS.items() for u in us}


def fixture():
    """T3 (files by unit), T7 (answers by unit, area and authority) and T15 (the estimate)."""
    rng = np.random.default_rng(2025)
    n = {u: (9 if u == "Small" else int(rng.integers(22, 30))) for u in UNITS}
    N = {u: float(n[u] * rng.integers(3, 12)) for u in UNITS}
    m = {u: (8 if u == "Small" else n[u] - int(rng.integers(0, 3))) for u in UNITS}
    y = {u: (4 if u == "Small" else int(round(m[u] * rng.uniform(0.72, 0.92)))) for u in UNITS}
    us = list(UNITS)
    estimate = [v[0] for v in stratified_logit_many([[y[u] for u in us]], [[m[u] for u in us]],
                                                    [n[u] for u in us], [N[u] for u in us])]
    tables, ctx = unit_tables(AREAS, n, m, y, estimate, "Wexmoor")
    return tables, ctx, N


def test_one_small_unit_hides_the_authority_wide_estimate_under_over_alone():
    tables, ctx, _ = fixture()
    sup = suppress(tables, context=ctx, width=3)
    t7 = sup.tables[1].data
    assert t7.loc[t7["district"] == "Small", "n_yes"].item() == MARK
    assert sup.tables[2].data.at[0, "estimate"] == MARK


def test_the_estimate_beside_only_the_first_complement_would_reveal_a_hidden_count_at_one_decimal():
    # so it is shown rounded coarser (whole percentages) where that keeps the width, else hidden
    tables, ctx, N = fixture()
    sup = suppress(tables, context=ctx, width=3)
    rep = protect_design_estimate(sup, tables, frame=N)
    if rep[0]["shown"]:
        assert "would narrow it to" in rep[0]["rounded"]["because"]
        assert sup.tables[2].cell_decimals == {(0, c): 0 for c in ("estimate", "conf_low", "conf_high")}
        assert "rounded_coarser" in sup.tables[2].notes
    else:
        assert "would narrow it to" in rep[0]["forcing"] and sup.tables[2].data.at[0, "estimate"] == MARK
        detail = sup.audit.loc[(sup.audit.table_id == "T15") & (sup.audit.column == "estimate"), "detail"].item()
        assert "checked as a relation" in detail and "T7 row" in detail


def test_the_estimate_is_shown_only_where_an_independent_enumeration_finds_every_hidden_count_kept_wide():
    tables, ctx, N = fixture()
    first = suppress(tables, context=ctx, width=3)
    force = design_complements(first, tables, frame=N)
    sup = suppress(tables, context=ctx, width=3, force=force) if force else first
    rep = protect_design_estimate(sup, tables, frame=N)
    shown = sup.tables[2].data
    if not rep[0]["shown"]:
        # hidden: the audit names the count it would narrow
        assert shown.at[0, "estimate"] == MARK and "would narrow it to" in rep[0]["forcing"]
    else:
        assert shown.at[0, "estimate"] != MARK and shown.at[0, "conf_low"] != MARK
    # independently of the rule's code: every table of the hidden unit yes counts (>= 1, at most the
    # answered count) keeping every shown area and authority row, whose estimate and limits round as
    # the true ones do; the estimate may be shown only if every hidden count spans the width
    # independently: every table of the hidden unit counts within a wide box that keeps every shown
    # count (area and authority rows) and reproduces the published estimate and limits
    t7s, t7p = tables[1].data, sup.tables[1].data
    units = [j for j in range(len(t7s)) if t7s.at[j, "district"] in UNITS]
    hid = [j for j in units if t7p.at[j, "n_yes"] == MARK]
    assert len(hid) >= 2 and all(t7p.at[j, "n_denominator"] != MARK for j in units)
    n = {r["district"]: r["n_audits"] for r in tables[0].data.to_dict("records")}
    y0 = {t7s.at[j, "district"]: t7s.at[j, "n_yes"] for j in units}
    m0 = {t7s.at[j, "district"]: t7s.at[j, "n_denominator"] for j in units}
    order = list(UNITS)
    # at the precision published (whole percentages where the rule rounded coarser)
    dec = {c: sup.tables[2].cell_decimals.get((0, c), 1) for c in ("estimate", "conf_low", "conf_high")}
    pub = [np.floor(float(tables[2].data.at[0, c]) * 100 * 10 ** dec[c] + 0.5) / 10 ** dec[c]
           for c in ("estimate", "conf_low", "conf_high")]
    names = [t7s.at[j, "district"] for j in hid]
    grid = np.indices([int(m0[u]) + 1 for u in names]).reshape(len(names), -1).T
    ok = (grid >= 1).all(axis=1) & (grid.sum(axis=1) == sum(y0[u] for u in names))  # the authority row
    for a, us in AREAS.items():  # each area row shown keeps its units' sum
        if (t7p.loc[(t7p.area == a) & (t7p.district == "All units"), "n_yes"] != MARK).all():
            idx = [q for q, u in enumerate(names) if u in us]
            ok &= grid[:, idx].sum(axis=1) == sum(y0[names[q]] for q in idx)
    grid = grid[ok]
    ys = np.array([[y0[u] for u in order]] * len(grid), dtype=float)
    for q, u in enumerate(names):
        ys[:, order.index(u)] = grid[:, q]
    e = stratified_logit_many(ys, np.array([[m0[u] for u in order]] * len(grid)),
                              [n[u] for u in order], [N[u] for u in order])
    same = np.ones(len(grid), dtype=bool)
    for v, p, c in zip(e, pub, ("estimate", "conf_low", "conf_high")):
        same &= np.floor(v * 100 * 10 ** dec[c] + 0.5) / 10 ** dec[c] == p
    kept = grid[same]
    wide = all(kept[:, q].max() - kept[:, q].min() >= 3 for q in range(len(names)))
    assert rep[0]["shown"] == wide or not rep[0]["shown"], kept
    if rep[0]["shown"]:
        assert wide, kept


def test_the_loss_is_reported_table_by_table_with_the_count_that_keeps_the_estimate_hidden():
    tables, ctx, N = fixture()
    sup = suppress(tables, context=ctx, width=3)
    sup.design_checks = protect_design_estimate(sup, tables, frame=N)
    lines = loss_lines(sup)
    t7 = next(line for line in lines if line.startswith("Table 7:"))
    n_prim = int(sup.loss.set_index("table_id").at["T7", "n_primary"])
    n_sec = int(sup.loss.set_index("table_id").at["T7", "n_secondary"])
    assert f"({n_prim} primary, {n_sec} secondary)" in t7
    t15 = next(line for line in lines if line.startswith("Table 15:"))
    assert "would reveal a hidden count (T7 row" in t15


def test_the_published_loss_names_no_hidden_cell_value_or_primary_split():
    # the appendix printed the analyst's detail: "would narrow T12 row 0 n_yes (Bramfield Hub) to
    # [14, 14]" (a hidden count's value, Wexmoor replay, stop 25) and "(6 primary, 1 secondary)"
    # (how many cells are small); the published lines say what was lost, never which or what
    tables, ctx, N = fixture()
    sup = suppress(tables, context=ctx, width=3)
    protect_design_estimate(sup, tables, frame=N)
    public = loss_lines(sup, detail=False)
    assert any(line.startswith("Table 15:") and "would reveal a hidden count" in line for line in public)
    for line in public:
        assert " counts hidden, " in line or " shown rounded to " in line, line
        for leak in ("primary", "secondary", "would narrow", "[", " row ", "n_yes", "T7", "T12"):
            assert leak not in line, (leak, line)


def shrunken_fixture():
    """T7's unit rows of one criterion and T12: the shrunken estimates fitted over them."""
    tables, ctx, N = fixture()
    t7 = tables[1].data
    units = t7[t7["district"].isin(UNITS)].reset_index(drop=True)
    fit = shrink(units[["district", "n_yes", "n_denominator"]], target=0.8, n_draws=500, seed=1)
    df = units[["criterion", "area", "district", "n_yes", "n_denominator"]].copy()
    for c in SHRUNKEN_COLUMNS:
        df[c] = fit[c].to_numpy()
    cols = [Column("criterion", "Criterion", "label"), Column("area", "Area", "label"),
            Column("district", "Unit", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("n_denominator", "Answered", "count", "count")]
    share = {"where": {}, "within": ["criterion"]}
    for c in SHRUNKEN_COLUMNS:
        pct = c not in ("rank_low", "rank_high")
        cols.append(Column(c, c, "derived", "%" if pct else "rank", ("n_yes", "n_denominator"),
                           100 if pct else 1, 1 if c in ("estimate", "conf_low", "conf_high") else 0, share_of=share))
    t12 = PublicationTable("T12", "Shrunken", df, cols, defines=tables[1].defines)
    return [tables[0], tables[1], t12], ctx


def test_a_unit_with_a_hidden_count_keeps_its_shrunken_figures_hidden_and_what_stays_hidden_names_its_count():
    tables, ctx = shrunken_fixture()
    sup = suppress(tables, context=ctx, width=3)
    pub = sup.tables[2].data
    assert (pub.loc[pub["district"] == "Small", list(SHRUNKEN_COLUMNS)] == MARK).all(axis=None)
    rep = protect_shrunken(sup, tables, settings={"target": 0.8, "n_draws": 500, "seed": 1, "conf_level": 0.95,
                                                  "method": "hierarchical"})
    assert rep and rep[0]["tables_tried"] > 0
    pub = sup.tables[2].data
    hidden_rows = pub.index[(pub["n_yes"] == MARK) | (pub["n_denominator"] == MARK)]
    assert (pub.loc[hidden_rows, list(SHRUNKEN_COLUMNS)] == MARK).all(axis=None)
    shown = set(rep[0].get("columns_shown", []))
    for c in SHRUNKEN_COLUMNS:
        if c not in shown:
            assert c in rep[0]["forcing"]
            details = sup.audit.loc[(sup.audit.table_id == "T12") & (sup.audit.column == c), "detail"]
            assert details.str.contains("would narrow T12 row").all()
        else:
            assert (pub.loc[~pub.index.isin(hidden_rows), c] != MARK).all()


def test_the_published_estimate_is_hidden_with_any_file_count_of_its_sample_that_table_3_hides():
    """The design-based estimate weighs each unit by its files n_h (and n_h enters the finite
    population correction), so it is computed over Table 3's file counts of its sample as well as
    over Table 7's counts: a file count hidden in Table 3 hides the estimate too, until
    protect_design_estimate has checked it as a relation over both (docs/appendix.md)."""
    from kentaudit.publication.spec import load_spec
    t15 = next(t for t in load_spec()["tables"] if t["id"] == "T15")
    for name in ("estimate", "conf_low", "conf_high"):
        col = next(c for c in t15["columns"] if c["name"] == name)
        assert {"table": "T3", "within": ["sample"], "columns": ["n_audits"]} in col["over"], name
