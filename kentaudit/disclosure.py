"""Disclosure control of the appendix tables: primary, secondary and derived suppression.

Written here rather than taken from a library: the standard tool for cell
suppression, sdcTable, is R-only, and no well-kept Python package does
secondary suppression over linked tables. The method is deliberately simple
and checkable:

1. **Primary**: every count from 1 to ``threshold`` (default 5, as in the
   Department for Education's children-in-need statistics) is shown as ``[c]``.
   Zeros are true zeros and are shown.
2. **Secondary**: every additive relation between published counts (a total
   column, a total row, a cell equal to a cell of another table) is an
   equation. Repeat until stable: (a) any equation holding exactly one hidden
   cell gets a complementary suppression - the smallest non-zero shown count of
   that equation, ties broken by position (table order, row, column); (b) then
   the whole system of equations is solved for the hidden cells (null space of
   the coefficient matrix): a hidden cell with a unique solution is exactly
   recoverable even though each equation has two hidden cells (for example a
   cell bridging two blocks of a cross-table), and gets a complement in the
   same way from one of its equations.
3. **Derived**: a percentage, interval bound or test result calculated from a
   hidden count of the same row is shown as ``[c]``.

Guarantee: no hidden count is exactly recoverable by linear algebra from the
published counts and declared relations. Not guaranteed (the analyst owns it):
a minimum width of the range a hidden count could take (sdcTable's protection
intervals), relations that are not declared in the appendix spec, and figures.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import null_space

from .errors import DisclosureError
from .pubtable import PublicationTable

__all__ = ["SuppressionResult", "suppress", "equations"]

MARK = "[c]"


@dataclass
class SuppressionResult:
    """Result of :func:`suppress`.

    Attributes
    ----------
    tables : list of PublicationTable
        Copies of the input tables with hidden cells shown as ``[c]``.
    audit : DataFrame
        One row per hidden cell: ``table_id``, ``row`` (0-based position),
        ``row_label`` (the row's label values joined by " / "), ``column``,
        ``value`` (the unsuppressed value - restricted, never publish),
        ``reason`` (``primary``, ``secondary`` or ``derived``) and ``detail``
        (the rule: the threshold, the equation that needed a complement, or the
        count a derived figure comes from).
    threshold : int
    """

    tables: list
    audit: pd.DataFrame
    threshold: int


def _num(v):
    """The count as a float, or None when the cell is missing or shorthand (unknown)."""
    if v is None or v is pd.NA or isinstance(v, str):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def _match(df: pd.DataFrame, where) -> np.ndarray:
    m = np.ones(len(df), dtype=bool)
    for k, v in (where or {}).items():
        m &= (df[k].astype(str) == str(v)).to_numpy()
    return m


def equations(tables: list[PublicationTable]) -> list[tuple[str, list[tuple], list[int]]]:
    """The additive relations of ``tables`` as equations ``sum(coef * cell) = 0``.

    Returns
    -------
    list of (name, cells, coefficients)
        ``cells`` are ``(table_id, row, column)``; ``name`` describes the rule.
    """
    by_id = {t.id: t for t in tables}
    eqs = []
    for t in tables:
        df = t.data
        for s in t.sums:
            for i in range(len(df)):
                cells = [(t.id, i, s.total)] + [(t.id, i, p) for p in s.parts]
                eqs.append((f"{t.id} row {i}: {s.total} = {' + '.join(s.parts)}", cells,
                            [1] + [-1] * len(s.parts)))
        for r in t.total_rows:
            is_total = _match(df, r.where)
            parts_ok = _match(df, r.parts_where) if r.parts_where else ~is_total
            keys = df[list(r.within)].astype(str).agg("\x1f".join, axis=1) if r.within else pd.Series([""] * len(df))
            for key in dict.fromkeys(keys):
                in_group = (keys == key).to_numpy()
                tot = np.flatnonzero(in_group & is_total)
                parts = np.flatnonzero(in_group & parts_ok & ~is_total)
                if len(tot) != 1 or len(parts) == 0:
                    continue
                for col in r.columns:
                    cells = [(t.id, int(tot[0]), col)] + [(t.id, int(p), col) for p in parts]
                    eqs.append((f"{t.id} column {col}: total row {int(tot[0])} = sum of rows "
                                f"{[int(p) for p in parts]}", cells, [1] + [-1] * len(parts)))
        for lk in t.links:
            other = by_id.get(lk.table)
            if other is None:
                continue
            mine = np.flatnonzero(_match(df, lk.where))
            cand = np.flatnonzero(_match(other.data, lk.other_where))
            okeys = {tuple(str(other.data.at[j, c]) for c in lk.on): int(j) for j in cand}
            for i in mine:
                j = okeys.get(tuple(str(df.at[i, c]) for c in lk.on))
                if j is None:
                    continue
                for a, b in lk.columns.items():
                    eqs.append((f"{t.id} row {int(i)} {a} = {other.id} row {j} {b}",
                                [(t.id, int(i), a), (other.id, j, b)], [1, -1]))
    return eqs


def _determined(eqs, hidden: set, values: dict) -> list:
    """Hidden cells whose value the equations fix uniquely (zero in every null vector)."""
    unknown = sorted({c for _, cells, _ in eqs for c in cells if c in hidden})
    if not unknown:
        return []
    col = {c: k for k, c in enumerate(unknown)}
    rows = []
    for _, cells, coefs in eqs:
        if any(c in col for c in cells):
            r = np.zeros(len(unknown))
            for c, a in zip(cells, coefs):
                if c in col:
                    r[col[c]] += a
            rows.append(r)
    a = np.array(rows)
    ns = null_space(a)  # columns span the solutions' freedom
    free = np.abs(ns).max(axis=1) > 1e-9 if ns.size else np.zeros(len(unknown), dtype=bool)
    return [c for c, f in zip(unknown, free) if not f]


def suppress(tables: list[PublicationTable], threshold: int = 5, *, max_rounds: int = 10_000) -> SuppressionResult:
    """Apply primary, secondary and derived suppression to the tables of an appendix.

    Parameters
    ----------
    tables : list of PublicationTable
        All tables of the appendix (links between them are honoured).
    threshold : int, default 5
        Counts from 1 to ``threshold`` inclusive are suppressed; 0 turns
        suppression off (the audit trail is then empty).
    max_rounds : int
        Safety limit on the number of complementary suppressions.

    Returns
    -------
    SuppressionResult
        Published copies of the tables and the audit trail (see the class).

    Raises
    ------
    DisclosureError
        ``threshold`` is negative, or a hidden cell cannot be protected because
        its equations hold no non-zero shown count to use as a complement.

    Notes
    -----
    Complementary cells are chosen deterministically: the smallest non-zero
    shown count of the equation, ties broken by (table order, row, column
    order). True zeros are never used as complements. See the module docstring
    for what is and is not guaranteed. Validated by the independent checker
    :func:`kentaudit.pubcheck.check_publication` and by hand-worked examples in
    ``tests/test_disclosure.py``.
    """
    if not isinstance(threshold, (int, np.integer)) or isinstance(threshold, bool) or threshold < 0:
        raise DisclosureError(f"suppression threshold must be a whole number >= 0, got {threshold!r}.")
    ids = [t.id for t in tables]
    if len(set(ids)) != len(ids):
        raise DisclosureError(f"table ids are not unique: {ids}; give every table its own id.")
    order = {t.id: k for k, t in enumerate(tables)}
    colpos = {(t.id, c.name): k for t in tables for k, c in enumerate(t.columns)}
    by_id = {t.id: t for t in tables}
    values = {}
    for t in tables:
        for c in t.count_columns:
            for i, v in enumerate(t.data[c]):
                values[(t.id, i, c)] = _num(v)
    unknown_anyway = {cell for cell, v in values.items() if v is None}

    hidden: dict[tuple, tuple[str, str]] = {}
    if threshold > 0:
        for cell, v in values.items():
            if v is not None and 1 <= v <= threshold:
                hidden[cell] = ("primary", f"count {int(v)} is between 1 and {threshold}")

    eqs = equations(tables) if threshold > 0 else []
    eqs = [(n, cells, coefs) for n, cells, coefs in eqs if all(c in values for c in cells)]
    cell_eqs: dict[tuple, list[int]] = {}
    for k, (_, cells, _) in enumerate(eqs):
        for c in cells:
            cell_eqs.setdefault(c, []).append(k)

    def poskey(cell):
        return (order[cell[0]], cell[1], colpos[(cell[0], cell[2])])

    def complement(eq_idx: list[int], why: str, target):
        cands = []
        for k in eq_idx:
            for c in eqs[k][1]:
                if c in hidden or c in unknown_anyway or values[c] == 0:
                    continue
                cands.append((values[c], poskey(c), c))
        if not cands:
            raise DisclosureError(
                f"cannot protect hidden cell {target} ({why}): its equations have no non-zero "
                "shown count to suppress as a complement. Declare fewer relations or publish "
                "the table at a coarser level.")
        _, _, best = min(cands)
        hidden[best] = ("secondary", why)

    for _ in range(max_rounds):
        changed = False
        for k, (name, cells, _) in enumerate(eqs):
            unk = [c for c in cells if c in hidden or c in unknown_anyway]
            if len(unk) == 1 and unk[0] in hidden:
                complement([k], f"complement in equation: {name}", unk[0])
                changed = True
        if changed:
            continue
        det = sorted(_determined(eqs, set(hidden) | unknown_anyway, values), key=poskey)
        det = [c for c in det if c in hidden]
        if not det:
            break
        complement(cell_eqs[det[0]], f"cell {det[0][0]} row {det[0][1]} {det[0][2]} was recoverable "
                                     "from the equations together", det[0])
    else:  # pragma: no cover - defensive
        raise DisclosureError("secondary suppression did not converge; report this as a bug.")

    # derived figures of hidden counts
    derived: dict[tuple, tuple[str, str]] = {}
    for t in tables:
        for c in t.columns:
            if c.kind != "derived":
                continue
            for i in range(len(t.data)):
                srcs = [b for b in c.derived_from if (t.id, i, b) in hidden]
                if srcs:
                    derived[(t.id, i, c.name)] = ("derived", f"calculated from hidden {', '.join(srcs)}")

    published = []
    for t in tables:
        df = t.data.copy().astype(object)
        for (tid, i, col) in list(hidden) + list(derived):
            if tid == t.id:
                df.at[i, col] = MARK
        published.append(t.with_data(df))

    rows = []
    for cell, (reason, detail) in list(hidden.items()) + list(derived.items()):
        t = by_id[cell[0]]
        lab = " / ".join(str(t.data.at[cell[1], c]) for c in t.label_columns)
        v = t.data.at[cell[1], cell[2]]
        rows.append({"table_id": cell[0], "row": cell[1], "row_label": lab, "column": cell[2],
                     "value": v, "reason": reason, "detail": detail, "_k": poskey(cell)})
    audit = pd.DataFrame(rows, columns=["table_id", "row", "row_label", "column", "value",
                                        "reason", "detail", "_k"])
    audit = audit.sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)
    return SuppressionResult(published, audit, int(threshold))
