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

A count's smallest and largest value are found by fixing it, from its box's end inwards, and
looking for one table that completes it, in three steps, each exact in what it concludes:

1. a local search from the true table (:meth:`Relation.repair`) proposes tables;
2. an integer programme over the hidden counts (:meth:`Relation._milp`) with every linear
   condition (group sums, yes <= answered, the estimate's rounding interval as two linear
   inequalities) and bounds on the interval's variance shows that no table exists, or proposes
   one;
3. a depth-first search with interval cuts (:meth:`Relation.find`): the estimate rises with
   every yes count and falls with every answered count, so over a box of the counts not yet
   fixed it lies between two ratios of weighted sums, and the limits between bounds computed
   from the box; a box that misses what is published, or a group whose fixed part and box miss
   its shown sum, holds no table and is not entered.

Where some units' files are hidden as well (the reader does not know them), :class:`FilesHidden`
tries every table of them and searches the other counts with each (the files enter the estimate's
weights and its variance).

Where the estimate leaves a count narrower than the width, whether the reader knew it as narrowly
without the estimate is settled by the same search without the estimate; a table found by local
search and checked (:func:`_beyond`) with the count outside what the estimate leaves is a proof
that it did not, and spares that search.

A table proposed is kept only when it reproduces the figures and the system allows it; every cut
and bound is a necessary condition, so what is found is what an enumeration of the whole grid
finds (``tests/publication/test_design_relation.py`` compares them on seeded random structures);
the work grows with the tables near the boundary, not with the grid.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scipy import special, stats
from scipy.optimize import Bounds, LinearConstraint, milp

from kentaudit.stats.survey import stratified_logit_many

__all__ = ["MAX_DESIGN_NODES", "FilesHidden", "Relation", "SearchLimit", "narrowed", "rounds_to"]

#: at most this many nodes of the search over one criterion's hidden counts (else the estimate
#: is treated as narrowing, and stays hidden); counted, never timed, so the result is reproducible
MAX_DESIGN_NODES = 400_000


#: hidden counts above which a search first asks an integer programme (below it the depth-first
#: search alone is quicker); tables it proposes that do not reproduce the figures, at most
MILP_MIN_COUNTS, MILP_TRIES = 6, 20


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


def _quad_range(coef, p0: float, p1: float) -> tuple:
    """Smallest and largest value of ``a p^2 + b p + c`` over ``[p0, p1]``."""
    a, b, c = coef
    pts = [p0, p1]
    if a != 0 and p0 < -b / (2 * a) < p1:
        pts.append(-b / (2 * a))
    v = [a * x * x + b * x + c for x in pts]
    return min(v), max(v)


_T_CACHE: dict = {}


def _t(df: float, level: float) -> float:
    key = (df, level)
    if key not in _T_CACHE:
        _T_CACHE[key] = float(stats.t.ppf(1 - (1 - level) / 2, df))
    return _T_CACHE[key]


def _logit(p):
    return float(special.logit(p))


def _expit(x):
    return float(special.expit(x))


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
        self.windows = {}
        for c in self.cols:
            if self.shown.get(c) is not None:
                half = 0.5 * 10.0 ** (-self.dec[c])
                sc = float(self.scale[c])
                self.windows[c] = ((abs(self.shown[c]) - half) / sc - 1e-9, (abs(self.shown[c]) + half) / sc + 1e-9)
        self.window = self.windows.get("estimate")
        self._variance_setup()

    # ------------------------------------------------------------------ interval of the limits
    def _variance_setup(self):
        """Pieces of the interval's bounds over a box: the variance is ``S / B**2`` with
        ``S = sum_h K_h g_h(p)``, ``g_h(p) = y(1-p)^2 + (m-y)p^2 - (y - mp)^2 / n_h`` (without the last
        term for a lonely stratum) and ``K_h = (1 - n_h/N_h) w_h^2 n_h / (n_h - 1)`` (1 in place of
        the last factor for a lonely stratum): a quadratic in ``p`` for a unit whose counts are
        fixed, bounded once for each unit with a hidden count over its box."""
        n, N = self.n, self.N
        lonely = (n == 1) & (N > 1)
        self.K = np.where(n > 1, (1 - n / N) * self.w ** 2 * n / np.maximum(n - 1, 1),
                          np.where(lonely, (1 - n / N) * self.w ** 2, 0.0))
        self.inv_n = np.where(n > 1, 1.0 / n, 0.0)
        self._Kf, self._qf = [float(v) for v in self.K], [float(v) for v in self.inv_n]
        self.limits = (self.window is not None and ("conf_low" in self.windows or "conf_high" in self.windows))
        if not self.limits:
            return
        p0, p1 = max(self.window[0], 1e-12), min(self.window[1], 1 - 1e-12)
        self.P = (p0, p1)
        units = sorted({p for pos in self.hidden for p, _ in pos})
        self.unit_vars = {u: [j for j, pos in enumerate(self.hidden) if any(p == u for p, _ in pos)] for u in units}
        self.var_units = {}
        for u, js in self.unit_vars.items():
            for j in js:
                self.var_units.setdefault(j, []).append(u)
        coef = np.zeros(3)
        for u in range(len(self.y)):
            if u not in self.unit_vars:
                coef += self._coef(u, self.y[u], self.m[u])
        self.coef0 = coef
        where = {(p, c): j for j, pos in enumerate(self.hidden) for p, c in pos}
        self.unit_box = {}
        for u in units:
            jy, jm = where.get((u, "n_yes")), where.get((u, "n_denominator"))
            yr = range(int(self.box[jy][0]), int(self.box[jy][1]) + 1) if jy is not None else [int(self.y[u])]
            mr = range(int(self.box[jm][0]), int(self.box[jm][1]) + 1) if jm is not None else [int(self.m[u])]
            lo, hi = np.inf, -np.inf
            for yv in yr:
                for mv in mr:
                    if yv <= mv:
                        a, b = _quad_range(self._coef(u, yv, mv), p0, p1)
                        lo, hi = min(lo, a), max(hi, b)
            self.unit_box[u] = (lo, hi) if lo <= hi else (0.0, 0.0)
        self.where = where

    def _unit_coef(self, u, vals):
        """:meth:`_coef` of unit ``u`` with its hidden counts at ``vals``."""
        jy, jm = self.where.get((u, "n_yes")), self.where.get((u, "n_denominator"))
        return self._coef(u, self.y[u] if jy is None else vals[jy], self.m[u] if jm is None else vals[jm])

    def _coef(self, u, yv, mv):
        """``K_h g_h(p)`` of unit ``u`` with counts ``yv``, ``mv`` as (p^2, p, 1) coefficients."""
        k, q = float(self.K[u]), float(self.inv_n[u])
        yv, mv = float(yv), float(mv)
        return np.array([k * (mv - mv * mv * q), k * (-2 * yv + 2 * yv * mv * q), k * (yv - yv * yv * q)])

    def _unit_at(self, u, vals, p: float) -> float:
        """:meth:`_unit_coef`'s quadratic at ``p`` (plain floats: the search's ordering of values
        evaluates it at every node)."""
        jy, jm = self.where.get((u, "n_yes")), self.where.get((u, "n_denominator"))
        yv = float(self.y[u] if jy is None else vals[jy])
        mv = float(self.m[u] if jm is None else vals[jm])
        k, q = self._Kf[u], self._qf[u]
        return k * (((mv - mv * mv * q) * p + (-2 * yv + 2 * yv * mv * q)) * p + (yv - yv * yv * q))

    def _limits_cut(self, a_lo, a_hi, b_lo, b_hi, coef, s_lo, s_hi, df_lo, df_hi) -> bool:
        """Whether no table of the box can give the published limits (outer bounds of each)."""
        if b_lo <= 0 or df_lo <= 0:
            return False
        # the bounds are sums kept up to date step by step: where every count is fixed they meet,
        # up to rounding error, which must not cut the table itself
        r0, r1 = sorted((a_lo / b_hi, a_hi / b_lo))
        p0 = max(self.P[0], r0 - 1e-12)
        p1 = min(self.P[1], r1 + 1e-12)
        if p0 > p1:
            return True
        q0, q1 = _quad_range(coef, p0, p1)
        S0, S1 = max(q0 + s_lo, 0.0), q1 + s_hi
        se0, se1 = np.sqrt(S0) / b_hi, np.sqrt(max(S1, 0.0)) / b_lo
        t0 = _t(df_hi, self.conf_level)
        t1 = _t(df_lo, self.conf_level)
        pq = [p0 * (1 - p0), p1 * (1 - p1)]
        pq_lo, pq_hi = min(pq), (0.25 if p0 <= 0.5 <= p1 else max(pq))
        h0, h1 = t0 * se0 / pq_hi, t1 * se1 / pq_lo
        l0, l1 = _logit(p0), _logit(p1)
        for c, (lo, hi) in (("conf_low", (_expit(l0 - h1), _expit(l1 - h0))),
                            ("conf_high", (_expit(l0 + h0), _expit(l1 + h1)))):
            w = self.windows.get(c)
            if w is not None and (hi < w[0] - 1e-9 or lo > w[1] + 1e-9):
                return True
        return False

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
        # the linear conditions and the variance's bounds first, by integer programming: no table
        # there, none at all; a table there that gives the published figures, found
        cuts = []
        if len(self.hidden) > MILP_MIN_COUNTS:
            for _ in range(MILP_TRIES):
                table = self._milp(fix, estimate, cuts)
                if table is None:
                    return None
                if table == "unknown":
                    break
                if self._leaf(table, estimate):
                    return table
                cuts.append(table)
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

        # the interval's pieces: the quadratic of the units whose counts are all fixed, the bounds
        # of the others, the degrees of freedom sum_h max(m_h - 1, 0)
        lim = estimate and self.limits
        st = {"coef": None, "s": [0.0, 0.0], "df": [0.0, 0.0]}
        if lim:
            coef = self.coef0.copy()
            left = {u: len(js) for u, js in self.unit_vars.items()}
            for u in self.unit_vars:
                st["s"][0] += self.unit_box[u][0]
                st["s"][1] += self.unit_box[u][1]
            st["coef"] = coef
            mvars = {j for j, pos in enumerate(self.hidden) if any(c == "n_denominator" for _, c in pos)}
            fixed_m = [p for p in range(len(self.m)) if (p, "n_denominator") not in self.where]
            base = float(sum(max(self.m[p] - 1, 0) for p in fixed_m))
            st["df"] = [base + sum(max(lo[j] - 1, 0) for j in mvars), base + sum(max(hi[j] - 1, 0) for j in mvars)]

        def limits_cut(a_lo, a_hi, b_lo, b_hi):
            return lim and self._limits_cut(a_lo, a_hi, b_lo, b_hi, st["coef"], st["s"][0], st["s"][1],
                                            st["df"][0], st["df"][1])

        def assign(j, v, sign):
            """Fix (sign 1) or free (sign -1) count ``j`` at ``v`` in the interval's pieces."""
            if not lim:
                return
            if j in mvars:
                st["df"][0] += sign * (max(v - 1, 0) - max(lo[j] - 1, 0))
                st["df"][1] -= sign * (max(hi[j] - 1, 0) - max(v - 1, 0))
            for u in self.var_units.get(j, ()):
                if sign < 0 and left[u] == 0:
                    st["coef"] -= self._unit_coef(u, vals)
                    st["s"][0] += self.unit_box[u][0]
                    st["s"][1] += self.unit_box[u][1]
                left[u] -= sign
                if sign > 0 and left[u] == 0:
                    st["coef"] += self._unit_coef(u, vals)
                    st["s"][0] -= self.unit_box[u][0]
                    st["s"][1] -= self.unit_box[u][1]

        if cut(a_lo, a_hi, b_lo, b_hi) or any(not (gl - 1e-9 <= s <= gh + 1e-9)
                                              for gl, gh, (_, s) in zip(g_lo, g_hi, self.groups)):
            return None
        for j in fix:
            vals[j] = fix[j]
            assign(j, fix[j], 1)
        if limits_cut(a_lo, a_hi, b_lo, b_hi):
            return None

        # the true table's sums and the estimate's deviation from the middle of what is published
        truth = np.array(self.truth, dtype=float)
        pc = (self.window[0] + self.window[1]) / 2 if estimate and self.window is not None else 0.0
        a_t, b_t = self.a0 + float(self.wy @ truth), self.b0 + float(self.wm @ truth)
        # the numerator and denominator of the table being built (counts not yet fixed at their
        # true values), and its variance numerator's change from the true table's
        dev = [a_t, b_t, 0.0]
        gsum = [sum(self.truth[j] for j in js) for js, _ in self.groups]
        truth_vals = list(self.truth)

        def _cur(vs):
            return [t_ if v_ is None else v_ for v_, t_ in zip(vs, truth_vals)]

        # how far the estimate's and the limits' numerators may move within their rounding (scales
        # of the value order only)
        f_tol = max((self.window[1] - self.window[0]) * b_t, 1e-9) if self.window is not None else 1.0
        if lim:
            s_true = sum(self._unit_at(u, truth_vals, pc) for u in range(len(self.y)))
            s_tol = max(2 * np.sqrt(max(s_true, 0.0)) * (self.window[1] - self.window[0]) * b_t, 1e-9)
        for j, v in fix.items():
            if lim:
                before = sum(self._unit_at(u, truth_vals, pc) for u in self.var_units.get(j, ()))
                after = sum(self._unit_at(u, _cur(vals), pc) for u in self.var_units.get(j, ()))
                dev[2] += after - before
            dev[0] += self.wy[j] * (v - self.truth[j])
            dev[1] += self.wm[j] * (v - self.truth[j])
            for g in group_of.get(j, ()):
                gsum[g] += v - self.truth[j]

        def dive(d, a_lo, a_hi, b_lo, b_hi):
            if d == k:
                return list(vals) if self._leaf(vals, estimate) else None
            j = order[d]
            if j in fix:
                return dive(d + 1, a_lo, a_hi, b_lo, b_hi)
            # values that bring the shown sums of its groups and the estimate nearest to what is
            # published first (from the true table, every count not yet fixed at its true value):
            # the order only, every value is tried
            t = self.truth[j]
            f = dev[0] - pc * dev[1]
            need = [self.groups[g][1] - gsum[g] for g in group_of.get(j, ())]
            slope = self.wy[j] - pc * self.wm[j]
            units = self.var_units.get(j, ()) if lim else ()

            def s_change(v):
                # the change of the variance's numerator (at the middle of the estimate's window)
                vals[j] = v
                cur = _cur(vals)
                out = sum(self._unit_at(u, cur, pc) - self._unit_at(u, truth_vals, pc) for u in units)
                vals[j] = None
                return out

            cands = sorted(range(int(lo[j]), int(hi[j]) + 1),
                           key=lambda v: (sum(abs(r - (v - t)) for r in need)
                                          + abs(f + slope * (v - t)) / f_tol
                                          + (abs(dev[2] + s_change(v)) / s_tol if units else 0.0), abs(v - t), v))
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
                assign(j, v, 1)
                ds = s_change(v) if units else 0.0
                vals[j] = v
                dev[0] += self.wy[j] * (v - t)
                dev[1] += self.wm[j] * (v - t)
                dev[2] += ds
                for g in group_of.get(j, ()):
                    gsum[g] += v - t
                ok = groups_ok(j) and not cut(na_lo, na_hi, nb_lo, nb_hi) and not limits_cut(na_lo, na_hi, nb_lo, nb_hi)
                found = dive(d + 1, na_lo, na_hi, nb_lo, nb_hi) if ok else None
                assign(j, v, -1)
                dev[0] -= self.wy[j] * (v - t)
                dev[1] -= self.wm[j] * (v - t)
                dev[2] -= ds
                for g in group_of.get(j, ()):
                    gsum[g] -= v - t
                    g_lo[g] -= v - lo[j]
                    g_hi[g] += hi[j] - v
                if found is not None:
                    vals[j] = None
                    return found
            vals[j] = None
            return None

        return dive(0, a_lo, a_hi, b_lo, b_hi)

    def repair(self, fix: dict, estimate: bool = True, steps: int = 80):
        """One table with the values ``fix`` found by local search from the true table (moves of one
        count, or of two counts of a shown sum in opposite directions, each step the one that brings
        the sums and the published figures nearest), or None when it finds none: a fast way to a
        table when there is one; :meth:`find` is the exact search."""
        k = len(self.hidden)
        cur = np.array(self.truth, dtype=float)
        for j, v in fix.items():
            cur[j] = v
        free = [j for j in range(k) if j not in fix]
        lo = np.array([b[0] for b in self.box], dtype=float)
        hi = np.array([b[1] for b in self.box], dtype=float)
        moves = [np.eye(k)[j] * d for j in free for d in (1.0, -1.0)]
        shared = {(a, b) for js, _ in self.groups for a in js for b in js if a != b and a in free and b in free}
        if not self.groups:
            shared = {(a, b) for a in free for b in free if a != b}
        for a, b in sorted(shared):
            mv = np.zeros(k)
            mv[a], mv[b] = 1.0, -1.0
            moves.append(mv)
        if not moves:
            moves = [np.zeros(k)]
        moves = np.array(moves)

        def badness(tabs):
            bad = np.zeros(len(tabs))
            bad += np.where(((tabs < lo) | (tabs > hi)).any(axis=1), np.inf, 0.0)
            for js, target in self.groups:
                bad += np.abs(tabs[:, js].sum(axis=1) - target)
            ys = np.repeat(self.y[None, :].astype(float), len(tabs), axis=0)
            ms = np.repeat(self.m[None, :].astype(float), len(tabs), axis=0)
            for q, pos in enumerate(self.hidden):
                for p, c in pos:
                    (ys if c == "n_yes" else ms)[:, p] = tabs[:, q]
            bad += np.where((ys > ms).any(axis=1) | (ms > self.n).any(axis=1), np.inf, 0.0)
            if estimate:
                with np.errstate(invalid="ignore"):
                    out = stratified_logit_many(ys, ms, self.n, self.N, self.conf_level)
                for c, v in zip(self.cols, out):
                    w = self.windows.get(c)
                    if w is None:
                        continue
                    d = np.maximum(w[0] - v, 0.0) + np.maximum(v - w[1], 0.0)
                    bad += np.where(np.isnan(v), np.inf, d / (w[1] - w[0]))
            return bad

        now = float(badness(cur[None, :])[0])
        for _ in range(steps):
            if now == 0.0:
                if self._leaf(list(cur.astype(int)), estimate):
                    return [int(v) for v in cur]
                break
            tabs = cur[None, :] + moves
            bad = badness(tabs)
            i = int(np.argmin(bad))
            if not bad[i] < now:
                break
            cur, now = tabs[i], float(bad[i])
        if now == 0.0 and self._leaf(list(cur.astype(int)), estimate):
            return [int(v) for v in cur]
        return None

    def _se_range(self, t: float):
        """The standard errors the published limits allow, with the estimate in its window."""
        w0, w1 = max(self.window[0], 1e-12), min(self.window[1], 1 - 1e-12)
        ps = np.linspace(w0, w1, 21)
        lo, hi = 0.0, np.inf
        for c, sign in (("conf_low", 1.0), ("conf_high", -1.0)):
            w = self.windows.get(c)
            if w is None:
                continue
            ends = [max(min(x, 1 - 1e-12), 1e-12) for x in w]
            vals = [sign * (special.logit(p) - special.logit(L)) * p * (1 - p) / t for p in ps for L in ends]
            span = max(vals) - min(vals)
            # the function is smooth over the narrow windows: a margin covers it between the points
            lo, hi = max(lo, min(vals) - 0.05 * span - 1e-12), min(hi, max(vals) + 0.05 * span + 1e-12)
        return lo, hi

    def _milp(self, fix: dict, estimate: bool, cuts: list):
        """A table satisfying every linear condition and the bounds the limits put on the variance
        (a relaxation: every table :meth:`find` can return satisfies it), as ``list`` of values,
        or None when there is none (then there is no table)."""
        k = len(self.hidden)
        dom = [[fix[j]] if j in fix else list(range(int(self.box[j][0]), int(self.box[j][1]) + 1)) for j in range(k)]
        if any(not d for d in dom):
            return None
        col, vals = [], []
        for j, d in enumerate(dom):
            for v in d:
                col.append(j)
                vals.append(float(v))
        col, vals = np.array(col), np.array(vals)
        nv = len(col)
        rows, lb, ub = [], [], []

        def add(coef, lo, hi):
            rows.append(coef)
            lb.append(lo)
            ub.append(hi)

        for j in range(k):
            add((col == j).astype(float), 1.0, 1.0)
        for js, target in self.groups:
            add(np.where(np.isin(col, js), vals, 0.0), target - 1e-9, target + 1e-9)
        for a, b in self.pairs:
            coef = np.zeros(nv)
            rhs = 0.0
            if isinstance(a, int):
                coef += np.where(col == a, vals, 0.0)
            else:
                rhs -= a
            if isinstance(b, int):
                coef -= np.where(col == b, vals, 0.0)
            else:
                rhs += b
            add(coef, -np.inf, rhs + 1e-9)
        av = self.wy[col] * vals
        bv = self.wm[col] * vals
        if estimate and self.window is not None:
            w0, w1 = self.window
            add(av - w0 * bv, w0 * self.b0 - self.a0 - 1e-9, np.inf)
            add(av - w1 * bv, -np.inf, w1 * self.b0 - self.a0 + 1e-9)
            m_hidden = any(c == "n_denominator" for pos in self.hidden for _, c in pos)
            if self.limits and not m_hidden:
                df = float(np.maximum(self.m - 1, 0).sum())
                if df > 0:
                    se0, se1 = self._se_range(_t(df, self.conf_level))
                    B = self.b0
                    p0, p1 = max(self.window[0], 1e-12), min(self.window[1], 1 - 1e-12)
                    fixed_lo, fixed_hi = _quad_range(self.coef0, p0, p1)
                    gmin, gmax = np.zeros(nv), np.zeros(nv)
                    for i in range(nv):
                        j = col[i]
                        cur = list(self.truth)
                        cur[j] = int(vals[i])
                        for u in self.var_units.get(j, ()):
                            a_, b_ = _quad_range(self._unit_coef(u, cur), p0, p1)
                            gmin[i] += a_
                            gmax[i] += b_
                    add(gmin, -np.inf, se1 * se1 * B * B - fixed_lo + 1e-9)
                    add(gmax, se0 * se0 * B * B - fixed_hi - 1e-9, np.inf)
        for table in cuts:
            add(np.array([1.0 if vals[i] == table[col[i]] else 0.0 for i in range(nv)]), -np.inf, k - 1)
        res = milp(np.zeros(nv), constraints=LinearConstraint(np.array(rows), lb, ub),
                   integrality=np.ones(nv), bounds=Bounds(0, 1))
        if res.status == 2:  # infeasible
            return None
        if res.status != 0:
            return "unknown"
        out = [0] * k
        for i in np.flatnonzero(res.x > 0.5):
            out[col[i]] = int(vals[i])
        return out

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


#: tables of the hidden file counts whose local search :meth:`FilesHidden.repair` tries (nearest
#: the true files first; a way to a table only, the exact search tries every one)
REPAIR_FILE_TABLES = 4


class FilesHidden:
    """:class:`Relation` where some units' files ``n_h`` are hidden as well (``(p, "n_audits")``
    positions in ``hidden``): the reader does not know them, so they are unknowns of the search.

    A unit's files enter the estimate through its weight ``N_h / n_h``, its finite population
    correction ``1 - n_h / N_h``, ``n_h / (n_h - 1)`` and whether it is a lonely stratum; so for each
    table of the hidden file counts (within their boxes, keeping the shown sums over them, every
    unit's files at least its shown answered count) the other hidden counts are searched with the
    files fixed (a :class:`Relation`, each hidden answered count at most its unit's files). Every
    file table is tried, so the search is as exact as :class:`Relation`'s. The same attributes and
    methods as :class:`Relation` (``hidden``, ``box``, ``truth``, ``nodes``, :meth:`find`,
    :meth:`repair`, :meth:`extreme`), with no file count hidden it is one :class:`Relation`.
    """

    def __init__(self, y, m, n, N, hidden, box, groups, cols, shown, dec, scale, conf_level=0.95, allowed=None):
        self.y, self.m, self.n, self.N = (np.asarray(a, dtype=float) for a in (y, m, n, N))
        self.hidden, self.box, self.groups = hidden, box, groups
        self.cols, self.shown, self.dec, self.scale = cols, shown, dec, scale
        self.conf_level, self.allowed, self.nodes = conf_level, allowed, 0
        of = {"n_yes": self.y, "n_denominator": self.m, "n_audits": self.n}
        self.truth = tuple(int(round(of[c][p])) for pos in hidden for p, c in pos[:1])
        self.fq = [j for j, pos in enumerate(hidden) if any(c == "n_audits" for _, c in pos)]
        self.oq = [j for j in range(len(hidden)) if j not in self.fq]
        self.files_of = {p for j in self.fq for p, _ in hidden[j]}
        self._subs: dict = {}
        self._tables = None

    def _file_tables(self) -> list:
        """Every table of the hidden file counts a reader cannot rule out before the estimate's
        other counts are looked at, nearest the true one first."""
        if self._tables is not None:
            return self._tables
        fq = self.fq
        at = {j: q for q, j in enumerate(fq)}
        whole = [(js, s) for js, s in self.groups if js and all(j in at for j in js)]
        # a unit's files are at least its shown answered count (and its shown yes count)
        low = [max([self.box[j][0]] + [int(np.ceil(self.m[p] if (p, "n_denominator") not in self._where()
                                                    else 0)) for p, _ in self.hidden[j]]) for j in fq]
        high = [int(self.box[j][1]) for j in fq]
        vals, out = [0] * len(fq), []

        def dive(d):
            if d == len(fq):
                out.append(tuple(vals))
                return
            for v in range(low[d], high[d] + 1):
                self.nodes += 1
                if self.nodes > MAX_DESIGN_NODES:
                    raise SearchLimit
                vals[d] = v
                # a shown sum over file counts: what is fixed and what is left must still reach it
                if all(sum(vals[at[j]] for j in js if at[j] <= d) + sum(low[at[j]] for j in js if at[j] > d)
                       <= s + 1e-9 <= sum(vals[at[j]] for j in js if at[j] <= d)
                       + sum(high[at[j]] for j in js if at[j] > d) + 2e-9 for js, s in whole):
                    dive(d + 1)

        dive(0)
        truth = [self.truth[j] for j in fq]
        self._tables = sorted(out, key=lambda t: (sum(abs(a - b) for a, b in zip(t, truth)), t))
        return self._tables

    def _where(self) -> set:
        return {(p, c) for pos in self.hidden for p, c in pos}

    def _sub(self, t: tuple) -> Relation:
        """The relation of the other hidden counts with the hidden files at ``t``."""
        if t not in self._subs:
            y, m, n = self.y.copy(), self.m.copy(), self.n.copy()
            of = {"n_yes": y, "n_denominator": m, "n_audits": n}
            for j, v in zip(self.fq, t):
                for p, c in self.hidden[j]:
                    of[c][p] = v
            at = {j: q for q, j in enumerate(self.oq)}
            box = []
            for j in self.oq:
                lo, hi = self.box[j]
                for p, _ in self.hidden[j]:
                    if p in self.files_of:
                        hi = min(hi, int(n[p]))  # a unit's counts are at most its files
                box.append((lo, hi))
            groups = []
            for js, s in self.groups:
                mine = [at[j] for j in js if j in at]
                if mine:  # less the hidden file counts of the sum (a sum over one column has none)
                    groups.append((mine, s - sum(v for j, v in zip(self.fq, t) if j in js)))
            allowed = None if self.allowed is None else (lambda vals, t=t: self.allowed(self._merge(t, vals)))
            self._subs[t] = Relation(y, m, n, self.N, [self.hidden[j] for j in self.oq], box, groups, self.cols,
                                     self.shown, self.dec, self.scale, self.conf_level, allowed=allowed)
        return self._subs[t]

    def _merge(self, t, vals) -> list:
        out = [0] * len(self.hidden)
        for j, v in zip(self.fq, t):
            out[j] = int(v)
        for j, v in zip(self.oq, vals):
            out[j] = int(v)
        return out

    def _split(self, fix: dict):
        """The file tables with the values ``fix`` has for file counts, and ``fix``'s other values
        as the sub-relation's."""
        at = {j: q for q, j in enumerate(self.oq)}
        tables = [t for t in self._file_tables() if all(fix.get(j, v) == v for j, v in zip(self.fq, t))]
        return tables, {at[j]: v for j, v in fix.items() if j in at}

    def _run(self, sub: Relation, how, *args):
        sub.nodes = self.nodes  # one count of nodes for the whole search
        try:
            return how(sub, *args)
        finally:
            self.nodes = sub.nodes

    def _leaf(self, vals, estimate: bool) -> bool:
        t = tuple(vals[j] for j in self.fq)
        if t not in set(self._file_tables()):
            return False
        sub = self._sub(t)
        rest = [vals[j] for j in self.oq]
        return all(lo <= v <= hi for v, (lo, hi) in zip(rest, sub.box)) and sub._leaf(rest, estimate)

    def find(self, fix: dict, estimate: bool = True):
        """One table with the values ``fix`` the reader cannot rule out, or None (every file
        table is tried)."""
        tables, sub_fix = self._split(fix)
        for t in tables:
            self.nodes += 1
            if self.nodes > MAX_DESIGN_NODES:
                raise SearchLimit
            got = self._run(self._sub(t), Relation.find, sub_fix, estimate)
            if got is not None:
                return self._merge(t, got)
        return None

    def repair(self, fix: dict, estimate: bool = True, steps: int = 80):
        """:meth:`Relation.repair` over the file tables nearest the true one: a way to a table only."""
        tables, sub_fix = self._split(fix)
        for t in tables[:REPAIR_FILE_TABLES]:
            got = self._run(self._sub(t), Relation.repair, sub_fix, estimate, steps)
            if got is not None:
                return self._merge(t, got)
        return None

    extreme = Relation.extreme


def _beyond(rel, j: int, lo: int, hi: int) -> bool:
    """Whether local search (:meth:`Relation.repair`, without the estimate) finds a table the
    reader cannot rule out from the shown counts with count ``j`` just below ``lo`` or just above
    ``hi``: each table it returns is checked (:meth:`Relation._leaf`), so True is a proof; False
    proves nothing (the exact search follows)."""
    for v in (lo - 1, hi + 1):
        if rel.box[j][0] <= v <= rel.box[j][1] and rel.repair({j: v}, estimate=False) is not None:
            return True
    return False


def narrowed(rel, width: float):
    """The first hidden count the published estimate narrows, or None.

    ``rel``: a :class:`Relation`, or a :class:`FilesHidden` where some units' files are hidden.
    A count must keep, over the tables the reader cannot rule out, a range of at least
    ``min(width, its range before the estimate)``: the estimate may not narrow a count below
    the width, nor below what the reader knows of it already where that is narrower (docs/
    appendix.md, "Units with fewer files than the protection width"). The range before the
    estimate is the same search's without the estimate, so it is what the relation's reader
    knows: where a unit's files are hidden, a :class:`FilesHidden` reader does not know them.

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

    for j in range(k):
        if seen[j][1] - seen[j][0] >= width - 1e-9:
            continue
        # tables found by local search first, from each end of the count's box inwards: enough
        # where they show the count wide; the exact search settles the rest
        for vs in (range(int(rel.box[j][0]), int(seen[j][0])), range(int(rel.box[j][1]), int(seen[j][1]), -1)):
            for v in vs:
                table = rel.repair({j: v})
                if table is not None:
                    note(table)
                    break
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
        # what the reader knows without the estimate: when the estimate leaves all of it, and
        # that is narrower than the width, the estimate has narrowed nothing. A table the reader
        # cannot rule out without the estimate, found by local search, with the count beyond what
        # the estimate leaves proves that it narrows it (no exact search needed)
        if _beyond(rel, j, lo, hi):
            return j, lo, hi
        plo = rel.extreme(j, "low", lo, estimate=False)[0]
        phi = rel.extreme(j, "high", hi, estimate=False)[0]
        if (plo, phi) == (lo, hi) and phi - plo < width - 1e-9:
            continue
        return j, lo, hi
    return None
