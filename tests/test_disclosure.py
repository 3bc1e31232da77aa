"""Disclosure control: primary, secondary (rows, columns, linked tables, whole system) and derived.

Expected suppression patterns are worked by hand from the rule in kentaudit/disclosure.py:
counts 1..threshold hidden; every equation with a hidden cell gets a second one, the
smallest non-zero shown count of the equation (ties: first by position); true zeros never
used; then no hidden cell may be fixed by all equations together.
"""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kentaudit.disclosure import equations, suppress
from kentaudit.errors import DisclosureError
from kentaudit.pubtable import Column, LinkRule, PublicationTable, SumRule, TotalRowRule

C = "[c]"


def row_table(values, id_="T1", pct=False):
    """One row per entry of values: n_a, n_b, n_total (= n_a + n_b)."""
    cols = [Column("g", "Group", "label"), Column("n_a", "A", "count", "count"),
            Column("n_b", "B", "count", "count"), Column("n_total", "Total", "count", "count")]
    df = pd.DataFrame({"g": [f"g{i}" for i in range(len(values))],
                       "n_a": [v[0] for v in values], "n_b": [v[1] for v in values]})
    df["n_total"] = df.n_a + df.n_b
    if pct:
        cols.append(Column("pct_a", "Share A", "derived", "%", ("n_a", "n_total"), 100, 1))
        df["pct_a"] = df.n_a / df.n_total
    return PublicationTable(id_, "Test", df, cols, sums=[SumRule("n_total", ("n_a", "n_b"))])


def grid(mat, id_="T1"):
    """Rows r0.. + Total row; columns n_c0.. + n_total; all margins declared."""
    mat = np.asarray(mat)
    k = mat.shape[1]
    names = [f"n_c{j}" for j in range(k)]
    df = pd.DataFrame(mat, columns=names)
    df.insert(0, "row", [f"r{i}" for i in range(len(mat))])
    df["n_total"] = mat.sum(axis=1)
    tot = {"row": "Total", **{n: int(df[n].sum()) for n in names}, "n_total": int(df.n_total.sum())}
    df = pd.concat([df, pd.DataFrame([tot])], ignore_index=True)
    cols = [Column("row", "Row", "label")] + [Column(n, n, "count", "count") for n in names] + \
        [Column("n_total", "Total", "count", "count")]
    return PublicationTable(id_, "Grid", df, cols, sums=[SumRule("n_total", tuple(names))],
                            total_rows=[TotalRowRule({"row": "Total"})])


def hidden(t):
    return {(i, c) for c in t.data.columns for i, v in enumerate(t.data[c]) if v == C}


def test_primary_hides_counts_one_to_threshold_only():
    t = grid([[0, 6, 40], [5, 30, 30], [1, 50, 60]])
    out = suppress([t]).tables[0]
    assert out.data.at[0, "n_c0"] == 0  # a shown zero is a true zero
    assert out.data.at[1, "n_c0"] == C and out.data.at[2, "n_c0"] == C
    assert out.data.at[0, "n_c1"] == 6  # 6 is above the threshold (and no complement needed there)


def test_threshold_zero_suppresses_nothing():
    res = suppress([grid([[1, 2], [3, 4]])], threshold=0)
    assert hidden(res.tables[0]) == set() and res.audit.empty


def test_custom_threshold_is_honoured():
    out = suppress([row_table([(9, 40)])], threshold=10).tables[0]
    assert out.data.at[0, "n_a"] == C


def test_row_complement_is_smallest_nonzero_cell_of_the_row():
    # n_a = 3 hidden; candidates n_b = 12, n_total = 15 -> n_b
    out = suppress([row_table([(3, 12)])]).tables[0]
    assert out.data.loc[0, ["n_a", "n_b", "n_total"]].tolist() == [C, C, 15]


def test_complement_ties_broken_by_position():
    cols = [Column("g", "G", "label")] + [Column(f"n_{x}", x, "count", "count") for x in "abct"]
    df = pd.DataFrame({"g": ["x"], "n_a": [2], "n_b": [7], "n_c": [7], "n_t": [16]})
    t = PublicationTable("T1", "Tie", df, cols, sums=[SumRule("n_t", ("n_a", "n_b", "n_c"))])
    out = suppress([t]).tables[0]
    assert out.data.loc[0, ["n_b", "n_c"]].tolist() == [C, 7]


def test_true_zero_is_never_a_complement_and_stays_zero():
    # n_a = 4 hidden, n_b = 0: the complement must be the total, and the zero stays shown
    out = suppress([row_table([(4, 0)])]).tables[0]
    assert out.data.loc[0, ["n_a", "n_b", "n_total"]].tolist() == [C, 0, C]


def test_column_total_forces_a_second_hidden_cell_in_the_column():
    out = suppress([grid([[2, 40], [30, 50], [20, 60]])]).tables[0]
    col = [out.data.at[i, "n_c0"] for i in range(4)]
    assert col.count(C) >= 2


def test_derived_figures_of_hidden_counts_are_hidden():
    res = suppress([row_table([(3, 12), (20, 30)], pct=True)])
    out = res.tables[0]
    assert out.data.at[0, "pct_a"] == C and out.data.at[1, "pct_a"] != C
    assert set(res.audit.loc[res.audit.column == "pct_a", "reason"]) == {"derived"}


def test_linked_table_cell_is_hidden_with_its_twin():
    # T2 repeats T1's district totals: hiding a district in T1's criterion split must not
    # leave it recoverable through T2
    t1 = row_table([(3, 40), (30, 50)], id_="T1")
    cols = [Column("g", "Group", "label"), Column("n_a", "A", "count", "count")]
    t2 = PublicationTable("T2", "Linked", pd.DataFrame({"g": ["g0", "g1"], "n_a": [3, 30]}), cols,
                          links=[LinkRule("T1", ("g",), {"n_a": "n_a"})])
    res = suppress([t1, t2])
    a, b = res.tables
    assert a.data.at[0, "n_a"] == C and b.data.at[0, "n_a"] == C


def test_link_makes_a_large_twin_a_complement():
    # T1 row: n_a 3 hidden; complement n_b 40 (smaller than total 43). T2 shows n_b again:
    # the link means T2's copy of 40 must be hidden too
    t1 = row_table([(3, 40)], id_="T1")
    cols = [Column("g", "Group", "label"), Column("n_b", "B", "count", "count")]
    t2 = PublicationTable("T2", "Linked", pd.DataFrame({"g": ["g0"], "n_b": [40]}), cols,
                          links=[{"table": "T1", "by": ["g"], "columns": {"n_b": "n_b"}}])
    res = suppress([t1, t2])
    assert res.tables[1].data.at[0, "n_b"] == C


def _determined(tables):
    """Independent re-check, as an intruder would do it: hidden cells whose value is fixed.

    For every hidden cell, linear programming (scipy ``linprog``) finds the
    smallest and largest value it can take given every published equation, the
    published values and non-negativity. A cell whose range is a single value
    is recovered. This is a different method from the null-space test inside
    ``disclosure.py`` (and stronger: it also uses non-negativity).
    """
    from scipy.optimize import linprog

    by_id = {t.id: t for t in tables}
    eqs = equations(tables)
    hid = sorted({(t.id, i, c) for t in tables for (i, c) in hidden(t)})
    if not hid:
        return []
    col = {h: k for k, h in enumerate(hid)}
    a_eq, b_eq = [], []
    for _, cells, coefs in eqs:
        row, rhs = np.zeros(len(hid)), 0.0
        for cell, a in zip(cells, coefs):
            if cell in col:
                row[col[cell]] += a
            else:
                tid, i, c = cell
                rhs -= a * float(by_id[tid].data.at[i, c])
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    if not a_eq:
        return []
    fixed = []
    for h, k in col.items():
        cost = np.zeros(len(hid))
        cost[k] = 1.0
        lo = linprog(cost, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-cost, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        if lo.status == 0 and hi.status == 0 and -hi.fun - lo.fun < 1e-6:
            fixed.append(h)
    return fixed


def test_bridge_cell_between_two_blocks_is_protected():
    # Primaries form two 2x2 blocks joined by the cell (r1, c2): every row and column with a
    # hidden cell already has two, yet (r1, c2) is fixed by the equations together.
    m = [[2, 3, 50, 60],
         [4, 5, 1, 70],
         [80, 90, 2, 3],
         [85, 95, 4, 5]]
    res = suppress([grid(m)])
    assert _determined(res.tables) == []
    assert res.audit.detail.str.contains("together").any()


def test_audit_trail_lists_every_hidden_cell_with_reason():
    res = suppress([row_table([(3, 12), (20, 30)], pct=True)])
    a = res.audit
    assert list(a.columns) == ["table_id", "row", "row_label", "column", "value", "reason", "detail"]
    assert len(a) == len(hidden(res.tables[0]))
    assert a.loc[(a.column == "n_a") & (a.row == 0), "reason"].item() == "primary"
    assert a.loc[(a.column == "n_b") & (a.row == 0), "reason"].item() == "secondary"


def test_suppression_is_deterministic():
    t = grid([[2, 7, 7, 30], [9, 1, 40, 8], [12, 13, 3, 0]])
    a, b = suppress([t]), suppress([t])
    assert a.tables[0].data.equals(b.tables[0].data) and a.audit.equals(b.audit)


def test_negative_threshold_raises():
    with pytest.raises(DisclosureError, match="threshold"):
        suppress([row_table([(3, 4)])], threshold=-1)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5).flatmap(lambda r: st.integers(2, 4).flatmap(
    lambda c: st.lists(st.lists(st.sampled_from([0, 1, 2, 3, 5, 6, 9, 14, 30]), min_size=c, max_size=c),
                       min_size=r, max_size=r))))
def test_no_hidden_cell_is_ever_recoverable(m):
    res = suppress([grid(m)])
    t = res.tables[0]
    for name, cells, _ in equations(res.tables):
        n = sum(t.data.at[i, c] == C for _, i, c in cells)
        assert n != 1, name
    assert _determined(res.tables) == []
    for v in t.data[[c for c in t.count_columns]].to_numpy().ravel():
        assert v == C or v == 0 or v > 5


def test_intruder_check_recovers_a_cell_left_alone_in_its_row():
    # The re-check must be able to fail: undo the secondary suppression of one row
    # and the primary cell beside it becomes recoverable from the row total.
    res = suppress([row_table([(3, 12), (20, 30)])])
    t = res.tables[0]
    sec = res.audit[res.audit.reason == "secondary"].iloc[0]
    t.data.at[sec.row, sec.column] = sec.value
    assert _determined(res.tables) == [(t.id, 0, "n_a")]
