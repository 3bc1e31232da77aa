"""What the design-based estimate leaves a reader of hidden unit counts: an exact search.

The authority-wide estimate (Table 15) is ``sum_h w_h y_h / sum_h w_h m_h`` over every unit's
counts, published with its logit interval at its column's precision. Which values of the hidden
unit counts a reader can still hold, given the shown counts and the published estimate, is the
set of integer tables of the hidden counts that

* lie in each count's box (the range the linear system proves; ``0 <= y <= m <= n``; a hidden
  count the reader knows is at least 1 is at least 1),
* keep every shown sum over units (an area's or the authority's row): ``groups``,
* reproduce the estimate and both limits as published (:func:`rounds_to`), and
* are allowed by the whole linear system of the appendix (``allowed``: one linear programme).

The search is depth-first over the hidden counts with interval cuts: the estimate rises with
every yes count and falls with every answered count, so over a box of the counts not yet fixed
it lies between two ratios of weighted sums; a box whose ratios miss the published rounding
interval, or a group whose fixed part and box miss its shown sum, holds no table and is not
entered. Every cut is a necessary condition, so the tables found are exactly those an
enumeration of the whole grid keeps (``tests/publication/test_design_relation.py`` compares them
on seeded random structures); the work grows with the tables near the boundary, not with the
grid. A count's smallest and largest value are found by fixing it first, from its box's end
inwards, and searching for one table that completes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kentaudit.stats.survey import stratified_logit_many

__all__ = ["MAX_DESIGN_NODES", "Relation", "SearchLimit", "narrowed", "rounds_to"]

#: at most this many nodes of the search over one criterion's hidden counts (else the estimate
#: is treated as narrowing, and stays hidden); counted, never timed, so the result is reproducible
MAX_DESIGN_NODES = 400_000


class SearchLimit(Exception):
    """The search needed more than :data:`MAX_DESIGN_NODES` nodes."""


def rounds_to(x, shown, dec: int, scale: float):
    """Whether values ``x`` (array) round half away from zero, at ``dec`` decimals of ``x * scale``,
    to the published ``shown`` (NaN where the result gave none)."""
    x = np.asarray(x, dtype=float) * scale
    if shown is None or (isinstance(shown, float) and np.isnan(shown)):
        return np.isnan(x)
    half = 0.5 * 10.0 ** (-dec)
    with np.errstate(invalid="ignore"):
        return (~np.isnan(x)) & (np.abs(x) >= abs(shown) - half - 1e-9) & (np.abs(x) < abs(shown) + half - 1e-9) \
            & (np.sign(x) * np.sign(shown) >= 0)


@dataclass
class Relation:
    """One criterion's estimate and its hidden unit counts.

    Attributes
    ----------
    y, m, n, N : arrays over units: yes and answered counts (true values), files, frame sizes
    hidden : list of ``[(unit position, "n_yes" | "n_denominator"), ...]``, one list per hidden count
    box : list of ``(lowest, highest)`` whole values of each hidden count before the estimate
    groups : list of ``(hidden count indices, sum)``: shown sums over units, less their shown part
    cols, shown, dec, scale : the published figures (``estimate``, ``conf_low``, ``conf_high``)
    conf_level : of the interval
    allowed : callable ``(values of every hidden count) -> bool`` (the linear system), or None
    """

    y: np.ndarray
    m: np.ndarray
    n: np.ndarray
    N: np.ndarray
    hidden: list
    box: list
    groups: list
    cols: list
    shown: dict
    dec: dict
    scale: dict
    conf_level: float = 0.95
    allowed: object = None
    nodes: int = 0
    _seen: dict = field(default_factory=dict)

    def __post_init__(self):
        self.w = self.N / self.n
        self.truth = tuple(int(round((self.y if c == "n_yes" else self.m)[p])) for pos in self.hidden
                           for p, c in pos[:1])
        # each hidden count's weight in the numerator and in the denominator of the estimate
        self.wy = np.array([sum(self.w[p] for p, c in pos if c == "n_yes") for pos in self.hidden])
        self.wm = np.array([sum(self.w[p] for p, c in pos if c == "n_denominator") for pos in self.hidden])
        fixed_y, fixed_m = self.y.astype(float).copy(), self.m.astype(float).copy()
        for pos in self.hidden:
            for p, c in pos:
                (fixed_y if c == "n_yes" else fixed_m)[p] = 0.0
        self.a0, self.b0 = float(self.w @ fixed_y), float(self.w @ fixed_m)
        # a unit's yes count is at most its answered count: pairs of (yes, answered), each a
        # hidden count index or a shown value
        where = {(p, c): j for j, pos in enumerate(self.hidden) for p, c in pos}
        self.pairs = [(where.get((p, "n_yes"), float(self.y[p])), where.get((p, "n_denominator"), float(self.m[p])))
                      for p in range(len(self.y)) if (p, "n_yes") in where or (p, "n_denominator") in where]
        self.window = None
        if "estimate" in self.cols and self.shown.get("estimate") is not None:
            half = 0.5 * 10.0 ** (-self.dec["estimate"])
            s = float(self.scale["estimate"])
            self.window = ((abs(self.shown["estimate"]) - half) / s - 1e-9, (abs(self.shown["estimate"]) + half) / s + 1e-9)

    # ------------------------------------------------------------------ one table
    def _table(self, vals):
        ys, ms = self.y.astype(float).copy(), self.m.astype(float).copy()
        for v, pos in zip(vals, self.hidden):
            for p, c in pos:
                (ys if c == "n_yes" else ms)[p] = v
        return ys, ms

    def reproduces(self, vals) -> bool:
        """Whether the table ``vals`` of the hidden counts gives the published figures."""
        ys, ms = self._table(vals)
        out = stratified_logit_many(ys[None, :], ms[None, :], self.n, self.N, self.conf_level)
        return all(bool(rounds_to(v, self.shown[c], self.dec[c], self.scale[c])[0]) for c, v in zip(self.cols, out))

    def _leaf(self, vals, estimate: bool) -> bool:
        key = (tuple(vals), estimate)
        if key not in self._seen:
            ok = (not estimate or self.reproduces(vals))
            if ok and self.allowed is not None:
                ok = bool(self.allowed(tuple(vals)))
            self._seen[key] = ok
        return self._seen[key]

    # ------------------------------------------------------------------ the search
    def find(self, fix: dict, estimate: bool = True):
        """One table of the hidden counts with the values ``fix`` (``{count index: value}``)
        that the reader cannot rule out (with the estimate, or from the shown counts alone), or None."""
        k = len(self.hidden)
        lo = np.array([b[0] for b in self.box], dtype=float)
        hi = np.array([b[1] for b in self.box], dtype=float)
        for j, v in fix.items():
            if not lo[j] <= v <= hi[j]:
                return None
            lo[j] = hi[j] = v
        # the counts with the largest weights first: they move the estimate most
        order = sorted(range(k), key=lambda j: (j not in fix, -(self.wy[j] + self.wm[j]), j))
        vals = [None] * k
        a_lo, a_hi = self.a0 + float(self.wy @ lo), self.a0 + float(self.wy @ hi)
        b_lo, b_hi = self.b0 + float(self.wm @ lo), self.b0 + float(self.wm @ hi)
        g_lo = [sum(lo[j] for j in js) for js, _ in self.groups]
        g_hi = [sum(hi[j] for j in js) for js, _ in self.groups]
        group_of = {}
        for g, (js, _) in enumerate(self.groups):
            for j in js:
                group_of.setdefault(j, []).append(g)
        pair_of = {}
        for q, (a, b) in enumerate(self.pairs):
            for x in (a, b):
                if isinstance(x, int):
                    pair_of.setdefault(x, []).append(q)

        def cut(a_lo, a_hi, b_lo, b_hi) -> bool:
            if not estimate or self.window is None:
                return False
            w0, w1 = self.window
            # the estimate over the box lies in [a_lo / b_hi, a_hi / b_lo]
            if b_hi <= 0:
                return False
            top = a_hi / b_lo if b_lo > 0 else np.inf
            return a_lo / b_hi > w1 or top < w0

        def pair_ok(j) -> bool:
            for q in pair_of.get(j, ()):
                a, b = self.pairs[q]
                av = vals[a] if isinstance(a, int) else a
                bv = vals[b] if isinstance(b, int) else b
                if av is not None and bv is not None and av > bv:
                    return False
            return True

        def groups_ok(j) -> bool:
            return all(g_lo[g] - 1e-9 <= self.groups[g][1] <= g_hi[g] + 1e-9 for g in group_of.get(j, ()))

        if cut(a_lo, a_hi, b_lo, b_hi) or any(not (gl - 1e-9 <= s <= gh + 1e-9)
                                              for gl, gh, (_, s) in zip(g_lo, g_hi, self.groups)):
            return None

        def dive(d, a_lo, a_hi, b_lo, b_hi):
            if d == k:
                return list(vals) if self._leaf(vals, estimate) else None
            j = order[d]
            t = min(max(self.truth[j], lo[j]), hi[j])
            span = int(hi[j] - lo[j])
            # values nearest the true one first: tables near the truth reproduce it most often
            cands = [t + s for r in range(span + 1) for s in ((r, -r) if r else (0,))
                     if lo[j] <= t + s <= hi[j]]
            for v in cands:
                self.nodes += 1
                if self.nodes > MAX_DESIGN_NODES:
                    raise SearchLimit
                vals[j] = v
                if not pair_ok(j):
                    continue
                na_lo = a_lo + self.wy[j] * (v - lo[j])
                na_hi = a_hi - self.wy[j] * (hi[j] - v)
                nb_lo = b_lo + self.wm[j] * (v - lo[j])
                nb_hi = b_hi - self.wm[j] * (hi[j] - v)
                for g in group_of.get(j, ()):
                    g_lo[g] += v - lo[j]
                    g_hi[g] -= hi[j] - v
                ok = groups_ok(j) and not cut(na_lo, na_hi, nb_lo, nb_hi)
                found = dive(d + 1, na_lo, na_hi, nb_lo, nb_hi) if ok else None
                for g in group_of.get(j, ()):
                    g_lo[g] -= v - lo[j]
                    g_hi[g] += hi[j] - v
                if found is not None:
                    vals[j] = None
                    return found
            vals[j] = None
            return None

        return dive(0, a_lo, a_hi, b_lo, b_hi)

    def extreme(self, j: int, side: str, stop: float, estimate: bool = True):
        """The smallest (``side="low"``) or largest value of count ``j`` in a table the reader cannot
        rule out, looked for from the box's end up to ``stop`` (a value known to be possible):
        ``(value, a table with it)``, ``(stop, None)`` when no value beyond ``stop`` is possible."""
        lo, hi = self.box[j]
        vs = range(int(lo), int(stop)) if side == "low" else range(int(hi), int(stop), -1)
        for v in vs:
            table = self.find({j: v}, estimate)
            if table is not None:
                return v, table
        return stop, None


def narrowed(rel: Relation, width: float, apriori=None):
    """The first hidden count the published estimate narrows, or None.

    A count must keep, over the tables the reader cannot rule out, a range of at least
    ``min(width, its range before the estimate)``: the estimate may not narrow a count below
    the width, nor below what the reader knows of it already where that is narrower (a unit
    with fewer files than the width; docs/appendix.md, "Units with fewer files than the
    protection width"). ``apriori``: the counts whose range before the estimate is taken as
    their a priori range (default: every count); the others must keep ``width``.

    Returns ``(count index, lowest, highest)`` of the first count (in ``rel.hidden``'s order)
    narrowed, with ``lowest`` None when no table reproduces the estimate; raises
    :class:`SearchLimit` past :data:`MAX_DESIGN_NODES`.
    """
    k = len(rel.hidden)
    if any(b[0] > b[1] for b in rel.box):
        return 0, None, None
    truth = list(rel.truth)
    first = truth if rel._leaf(truth, True) else rel.find({}, True)
    if first is None:
        return 0, None, None
    seen = [[v, v] for v in first]

    def note(table):
        for q, v in enumerate(table):
            seen[q][0], seen[q][1] = min(seen[q][0], v), max(seen[q][1], v)

    apriori = set(range(k)) if apriori is None else set(apriori)
    for j in range(k):
        if seen[j][1] - seen[j][0] >= width - 1e-9:
            continue
        lo, table = rel.extreme(j, "low", seen[j][0])
        if table is not None:
            note(table)
        hi, table = rel.extreme(j, "high", seen[j][1])
        if table is not None:
            note(table)
        if hi - lo >= width - 1e-9:
            continue
        if j in apriori:
            # what the reader knows without the estimate: when the estimate leaves all of it, and
            # that is narrower than the width, the estimate has narrowed nothing
            plo = rel.extreme(j, "low", lo, estimate=False)[0]
            phi = rel.extreme(j, "high", hi, estimate=False)[0]
            if (plo, phi) == (lo, hi) and phi - plo < width - 1e-9:
                continue
        return j, lo, hi
    return None
