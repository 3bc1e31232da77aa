"""Disclosure control: relations derived from count definitions, protection intervals, derived values.

Expected patterns are worked by hand from the rule in kentaudit/publication/disclosure.py: counts
1..threshold hidden, zeros shown; then complements (cheapest first, Kent-wide counts last)
until the range a reader can prove for every hidden count, by linear programming over
everything shown, is at least the protection width. Ranges are re-checked here by
the independent integer attack of kentaudit/publication/check/attack.py where a whole appendix is
involved (tests/publication/test_check_attack.py).
"""
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kentaudit.publication.cells import Definition, LinearSystem, Universe
from kentaudit.publication.disclosure import Context, suppress
from kentaudit.core.errors import DisclosureError
from kentaudit.publication.table import Column, PublicationTable, round_half_away

C = "[c]"
DISTRICTS = {"A": "North", "B": "North", "C": "South", "D": "South"}


def ctx(samples=("initial", "extended"), cycles=None, criteria=("k1",)):
    cyc = {"2009": list(samples), **(cycles or {})}
    u = Universe(cyc, dict(DISTRICTS), {"2009": ["accepted"]}, list(criteria))
    main = {c: [s for s in v if s in ("initial", "extended", "annual")] for c, v in cyc.items()}
    return Context("2009", u, main, None)


def by_district(values, id_="T3", sample="initial"):
    """Audits by district of one sample, with area rows and a Kent total row."""
    rows = []
    for area in ("North", "South"):
        ds = [d for d, a in DISTRICTS.items() if a == area]
        for d in ds:
            rows.append({"area": area, "district": d, "n_audits": values[d]})
        rows.append({"area": area, "district": "All districts", "n_audits": sum(values[d] for d in ds)})
    rows.append({"area": "Kent", "district": "All districts", "n_audits": sum(values.values())})
    cols = [Column("area", "Area", "label"), Column("district", "District", "label"),
            Column("n_audits", "Audits", "count", "count")]
    return PublicationTable(id_, "Audits", pd.DataFrame(rows), cols,
                            defines={"fixed": {"sample": [sample]},
                                     "labels": {"area": "area", "district": "district"},
                                     "columns": {"n_audits": {}}})


def answers(yes, no, na=0, missing=0, id_="T4", pct=True, sample="@main"):
    """Kent-wide answers to criterion k1 (one row)."""
    df = pd.DataFrame([{"criterion": "k1", "n_audits": yes + no + na + missing, "n_yes": yes, "n_no": no,
                        "n_denominator": yes + no, "n_not_applicable": na, "n_missing": missing}])
    cols = [Column("criterion", "Criterion", "label")] + [
        Column(n, n, "count", "count") for n in ("n_audits", "n_yes", "n_no", "n_denominator",
                                                 "n_not_applicable", "n_missing")]
    if pct:
        df["estimate"] = df.n_yes / df.n_denominator
        cols.append(Column("estimate", "Compliance", "derived", "%", ("n_yes", "n_denominator"), 100, 1))
    return PublicationTable(id_, "Compliance", df, cols, defines={
        "fixed": {"sample": sample}, "labels": {"criterion": "criterion"},
        "columns": {"n_audits": {}, "n_yes": {"answer": ["yes"]}, "n_no": {"answer": ["no"]},
                    "n_denominator": {"answer": ["yes", "no"]}, "n_not_applicable": {"answer": ["na"]},
                    "n_missing": {"answer": ["missing"]}}})


def hidden(t, col="n_audits"):
    return [i for i, v in enumerate(t.data[col]) if v == C]


def test_counts_one_to_threshold_hidden_and_zeros_shown():
    t = by_district({"A": 0, "B": 40, "C": 3, "D": 50})
    out = suppress([t], context=ctx()).tables[0].data
    assert out.at[0, "n_audits"] == 0                      # a shown zero is a true zero
    assert out.at[3, "n_audits"] == C                      # C = 3
    assert out.at[6, "n_audits"] != C                      # Kent total kept: a smaller cell serves


def test_threshold_zero_turns_suppression_off():
    res = suppress([by_district({"A": 1, "B": 2, "C": 3, "D": 4})], threshold=0, context=ctx())
    assert res.audit.empty and C not in res.tables[0].data.to_numpy()


def test_hidden_count_gets_a_range_at_least_the_protection_width():
    # C = 3 inside South = C + D: hiding D as well leaves C provably in [1, 3 + D - 1] only
    # if the South row is hidden or D is; the cheapest complement is D (12 < South's 15)
    res = suppress([by_district({"A": 30, "B": 40, "C": 3, "D": 12})], context=ctx(), width=3)
    out = res.tables[0].data
    assert out.at[3, "n_audits"] == C and out.at[4, "n_audits"] == C
    a = res.audit.set_index(["row", "column"])
    lo, hi = a.loc[(3, "n_audits"), ["protection_low", "protection_high"]]
    assert hi - lo >= 3


def test_wider_protection_needs_no_fewer_complements():
    vals = {"A": 30, "B": 4, "C": 3, "D": 12}
    n = [len(suppress([by_district(vals)], context=ctx(), width=w).audit) for w in (1, 3, 8)]
    assert n == sorted(n)


def test_same_records_in_two_tables_are_one_count_hidden_everywhere():
    # T3's Kent total and T1's initial count are the same records: hide one, both go
    t3 = by_district({"A": 2, "B": 40, "C": 30, "D": 50})
    t1 = PublicationTable("T1", "By sample", pd.DataFrame({"sample": ["initial"], "n_audits": [122]}),
                          [Column("sample", "Sample", "label"), Column("n_audits", "Audits", "count", "count")],
                          defines={"labels": {"sample": "sample"}, "columns": {"n_audits": {}}})
    res = suppress([t3, t1], context=ctx(samples=("initial",)), width=3)
    assert (res.tables[0].data.at[6, "n_audits"] == C) == (res.tables[1].data.at[0, "n_audits"] == C)
    assert res.equations.groupby("count").size().max() >= 2  # the shared count is listed twice


def test_this_cycles_row_of_a_trend_table_is_the_same_count():
    c = ctx(samples=("annual",), cycles={"2008": ["annual"]})
    t4 = answers(200, 30, 2, 0, sample="@main")
    t1 = PublicationTable("T1", "By sample", pd.DataFrame({"sample": ["annual"], "n_audits": [232]}),
                          [Column("sample", "Sample", "label"), Column("n_audits", "Audits", "count", "count")],
                          defines={"labels": {"sample": "sample"}, "columns": {"n_audits": {}}})
    trend = PublicationTable("T11", "Trend", pd.DataFrame({
        "criterion": ["k1", "k1"], "cycle": ["2008", "2009"], "n_yes": [180, 200], "n_denominator": [240, 230]}),
        [Column("criterion", "Criterion", "label"), Column("cycle", "Cycle", "label"),
         Column("n_yes", "Yes", "count", "count"), Column("n_denominator", "Answered", "count", "count")],
        defines={"labels": {"criterion": "criterion", "cycle": "cycle"},
                 "columns": {"n_yes": {"sample": "@main", "answer": ["yes"]},
                             "n_denominator": {"sample": "@main", "answer": ["yes", "no"]}}})
    res = suppress([t1, t4, trend], context=c, width=3)
    eq = res.equations.set_index(["table_id", "row", "column"])["count"]
    assert eq[("T4", 0, "n_denominator")] == eq[("T11", 1, "n_denominator")]   # the same records
    assert eq[("T4", 0, "n_yes")] == eq[("T11", 1, "n_yes")]
    assert eq[("T11", 0, "n_yes")] != eq[("T11", 1, "n_yes")]                   # 2008 is other records
    t4p, tr = res.tables[1].data, res.tables[2].data
    assert t4p.at[0, "n_not_applicable"] == C
    assert (t4p.at[0, "n_denominator"] == C) == (tr.at[1, "n_denominator"] == C)
    m = res.audit[res.audit.column == "n_not_applicable"].iloc[0]
    assert m.protection_high - m.protection_low >= 3


def test_pooled_samples_bridge_two_tables():
    # T7-like pooled (initial + extended) answered counts by district, with no
    # not-applicable or missing answers: pooled answered = initial + extended audits,
    # so T3's hidden initial count of A is recoverable unless the bridge is cut
    c = ctx()
    ini = by_district({"A": 3, "B": 20, "C": 15, "D": 25}, id_="T3", sample="initial")
    ext = by_district({"A": 30, "B": 40, "C": 35, "D": 45}, id_="T3b", sample="extended")
    pooled = []
    for d, a in DISTRICTS.items():
        n = {"A": 33, "B": 60, "C": 50, "D": 70}[d]
        pooled.append({"criterion": "k1", "area": a, "district": d, "n_denominator": n})
    t7 = PublicationTable("T7", "Pooled", pd.DataFrame(pooled),
                          [Column("criterion", "Criterion", "label"), Column("area", "Area", "label"),
                           Column("district", "District", "label"),
                           Column("n_denominator", "Answered", "count", "count")],
                          defines={"fixed": {"sample": "@main"},
                                   "labels": {"criterion": "criterion", "area": "area", "district": "district"},
                                   "columns": {"n_denominator": {"answer": ["yes", "no"]}}})
    kent = answers(150, 63, 0, 0, sample="@main", pct=False)
    res = suppress([ini, ext, t7, kent], context=c, width=3)
    a = res.audit[(res.audit.table_id == "T3") & (res.audit.row == 0)]
    assert len(a) == 1 and a.protection_high.iloc[0] - a.protection_low.iloc[0] >= 3
    # something on the bridge (T3b's A or T7's A) had to be hidden too
    assert res.tables[1].data.at[0, "n_audits"] == C or res.tables[2].data.at[0, "n_denominator"] == C


def test_kent_wide_headline_kept_when_a_smaller_cell_serves():
    # not applicable = 3 is protected by not recorded (40), never by the answered count
    res = suppress([answers(200, 50, 3, 40)], context=ctx(), width=3)
    out = res.tables[0].data
    assert out.at[0, "n_missing"] == C and out.at[0, "n_not_applicable"] == C
    assert out.at[0, "n_denominator"] != C and out.at[0, "estimate"] != C


def test_few_not_applicable_need_the_audits_or_the_answered_count_hidden():
    # 1-5 not applicable and nothing else outside the answered: answered = audits - not
    # applicable, so one of the two must go; the audit count (252, published once here) is the cheaper
    res = suppress([answers(200, 50, 2, 0)], context=ctx(), width=3)
    out = res.tables[0].data
    assert out.at[0, "n_audits"] == C or out.at[0, "n_denominator"] == C
    m = res.audit[res.audit.column == "n_not_applicable"].iloc[0]
    assert m.protection_high - m.protection_low >= 3


def test_answers_not_recorded_are_not_sensitive_and_keep_the_headline():
    # 2 of 252 audits did not record the answer: a fact about the form, not about a child.
    # Shown, and the authority's answered count and percentage with it (before issue 22 the
    # 2 was hidden and took the answered count or the audit count with it)
    res = suppress([answers(200, 50, 0, 2)], context=ctx(), width=3)
    out = res.tables[0].data
    assert C not in out.loc[0].tolist()
    assert res.audit.empty and res.loss.n_hidden_counts.sum() == 0


def test_the_sensitivity_rule_reads_the_definitions():
    from kentaudit.publication.cells import Definition
    from kentaudit.publication.disclosure import sensitive
    u = ctx().universe
    assert not sensitive(Definition({"sample": ["initial"]}, None, u))                # audits of a sample
    assert not sensitive(Definition({"status": ["rejected: x"]}, None, u))            # rejected rows
    assert not sensitive(Definition({"answer": ["missing"]}, ("criterion", "k1"), u))  # not recorded
    assert not sensitive(Definition({"grade": ["missing"]}, ("grade",), u))
    assert sensitive(Definition({"district": ["A"]}, None, u))                         # a unit's audits
    assert sensitive(Definition({"district": ["A", "B"]}, None, u))                    # an area's audits
    assert sensitive(Definition({"answer": ["na"]}, ("criterion", "k1"), u))
    assert sensitive(Definition({"answer": ["no"]}, ("criterion", "k1"), u))
    assert sensitive(Definition({"answer": ["missing", "no"]}, ("criterion", "k1"), u))
    assert sensitive(Definition({"grade": ["4"]}, ("grade",), u))
    assert sensitive(Definition({"moderation": ["down"]}, ("moderation",), u))
    # a unit's answers not recorded: not a property of the unit's children either
    assert not sensitive(Definition({"district": ["A"], "answer": ["missing"]}, ("criterion", "k1"), u))


def test_a_zero_is_hidden_rather_than_the_headline_when_that_protects_the_small_count():
    # 5 not applicable, 0 not recorded, 295 answered of 300. Hiding the 0 leaves the reader
    # only "not applicable + not recorded = 5", so not applicable is in [1, 5] (width 4):
    # the answered count and the percentage stay shown
    res = suppress([answers(230, 65, 5, 0)], context=ctx(), width=3)
    out = res.tables[0].data
    assert out.at[0, "n_missing"] == C and out.at[0, "n_not_applicable"] == C
    assert out.at[0, "n_denominator"] == 295 and out.at[0, "estimate"] != C
    assert res.hidden_zeros == 1
    m = res.audit[res.audit.column == "n_not_applicable"].iloc[0]
    assert (m.protection_low, m.protection_high) == (1, 5)


def test_a_zero_cannot_protect_a_count_whose_sum_with_it_is_too_small():
    # 2 not applicable and 0 not recorded: hiding the 0 gives [1, 2], narrower than 3, so
    # the answered count (or the audit count) has to go - the percentage's denominator
    # alone would tell the reader that 2 files were not applicable
    res = suppress([answers(267, 31, 2, 0)], context=ctx(), width=3)
    out = res.tables[0].data
    assert out.at[0, "n_audits"] == C or out.at[0, "n_denominator"] == C
    m = res.audit[res.audit.column == "n_not_applicable"].iloc[0]
    assert m.protection_high - m.protection_low >= 3


def test_derived_figures_of_a_hidden_count_are_hidden():
    out = suppress([answers(200, 4, 10, 10)], context=ctx(), width=3).tables[0].data
    assert out.at[0, "n_no"] == C and out.at[0, "estimate"] == C


def test_count_hidden_in_an_earlier_release_stays_hidden():
    c = ctx()
    d = Definition({"cycle": ["2009"], "sample": ["initial"], "district": ["B"]}, None, c.universe)
    res = suppress([by_district({"A": 30, "B": 40, "C": 30, "D": 12})], context=c, width=3,
                   earlier=[(d, None)])
    assert res.tables[0].data.at[1, "n_audits"] == C
    assert "earlier release" in set(res.audit.reason)


def test_revised_count_of_an_earlier_release_is_refused():
    c = ctx()
    d = Definition({"cycle": ["2009"], "sample": ["initial"], "district": ["B"]}, None, c.universe)
    with pytest.raises(DisclosureError, match="revision"):
        suppress([by_district({"A": 30, "B": 40, "C": 30, "D": 12})], context=c, earlier=[(d, 41)])


def test_tables_that_disagree_about_the_same_records_are_an_error():
    t3 = by_district({"A": 20, "B": 40, "C": 30, "D": 50})
    t1 = PublicationTable("T1", "By sample", pd.DataFrame({"sample": ["initial"], "n_audits": [999]}),
                          [Column("sample", "Sample", "label"), Column("n_audits", "Audits", "count", "count")],
                          defines={"labels": {"sample": "sample"}, "columns": {"n_audits": {}}})
    with pytest.raises(DisclosureError, match="same records"):
        suppress([t3, t1], context=ctx(samples=("initial",)))


def test_count_without_definition_is_an_error():
    t = by_district({"A": 20, "B": 40, "C": 30, "D": 50})
    t.defines = None
    with pytest.raises(DisclosureError, match="definitions"):
        suppress([t], context=ctx())


def test_bad_threshold_or_width_is_an_error():
    t = by_district({"A": 20, "B": 40, "C": 30, "D": 50})
    for kw in ({"threshold": -1}, {"threshold": 2.5}, {"width": -2}):
        with pytest.raises(DisclosureError):
            suppress([t], context=ctx(), **kw)


def test_suppression_is_deterministic():
    t = by_district({"A": 2, "B": 4, "C": 3, "D": 50})
    a, b = suppress([t], context=ctx()), suppress([t], context=ctx())
    pd.testing.assert_frame_equal(a.audit, b.audit)


def test_information_loss_is_counted_per_table():
    res = suppress([by_district({"A": 30, "B": 40, "C": 3, "D": 12})], context=ctx())
    row = res.loss.iloc[0]
    assert row.n_count_cells == 7 and row.n_primary == 1 and row.n_hidden_counts == row.n_primary + row.n_secondary


def test_percentages_round_half_away_from_zero():
    # 13/16 = 81.25%: Excel's ROUND and ONS tables show 81.3 (Python's round gives 81.2)
    assert round_half_away(100 * 13 / 16, 1) == 81.3
    assert round_half_away(-81.25, 1) == -81.3
    assert round_half_away(2.675, 2) == 2.68      # the decimal the float stands for
    assert round_half_away(0.5, 0) == 1.0 and round_half_away(1.5, 0) == 2.0


def test_display_uses_half_away_rounding():
    t = answers(13, 3, pct=True)
    assert t.display_frame().at[0, "estimate"] == 81.3


def _lp_range(system, known, target, lower_one):
    return system.intervals(known, [target], lower_one=lower_one)[target]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=25), min_size=4, max_size=4),
       st.integers(min_value=1, max_value=5))
def test_every_hidden_count_has_the_protection_width_property(vals, width):
    vals = dict(zip("ABCD", vals))
    if sum(vals.values()) == 0:
        return
    c = ctx()
    t = by_district(vals)
    try:
        res = suppress([t], context=c, width=width)
    except DisclosureError:
        return  # nothing can protect it (e.g. all counts small): refused loudly, not published
    # re-derive the ranges with a fresh system from the published table only
    defs = {k: v for k, v in res.cells.items()}
    system = LinearSystem(c.universe, list(defs.values()))
    pub = res.tables[0].data
    known, hid = {}, set()
    for (tid, i, col), d in defs.items():
        k = system.index[d]
        if pub.at[i, col] == C:
            hid.add(k)
        else:
            known[k] = float(pub.at[i, col])
    # a reader who knows every hidden count but the hidden zeros is at least 1 (stronger than a
    # real reader, who cannot tell a hidden zero from a hidden 1 to 5): the model disclosure
    # control protects against (docs/appendix.md)
    truth = {system.index[d]: float(t.data.at[i, col]) for (tid, i, col), d in defs.items()}
    positive = {k for k in hid if truth[k] >= 1}
    for k in hid:
        lo, hi = _lp_range(system, known, k, positive)
        assert hi - lo >= width - 1e-9
