"""The linear system behind every published count, derived from what each count counts.

Every count of the appendix carries a **definition**: the set of audit records
it counts, as a value set per dimension (:data:`DIMENSIONS`: cycle, record
status, sample, district, and at most one *branch* - one criterion's answers
(and, for re-audit pairs, the initial audit's answer), the overall grade, or
the moderation outcome). A :class:`LinearSystem` splits the records into the
finest cells that the definitions distinguish and writes every count as a sum
of them, so any two published numbers sharing records are related
automatically: totals, pooled samples, this cycle's row of a trend table, the
same count in two tables. Nothing relies on a relation being listed by hand.

Structure of the finest cells (exact for the counts the appendix publishes,
none of which crosses two branches): a *base* cell is one (cycle, status,
sample class, district class); each branch splits every base cell again, so
for every base cell and branch, the branch's cells add up to the base cell.

:meth:`LinearSystem.intervals` gives, for hidden counts, the range an attacker
can prove from the shown counts by linear programming (HiGHS through
:func:`scipy.optimize.linprog`): minimise and maximise the count subject to
every shown count's equation, all cells >= 0 and hidden primary counts >= 1.
The system is first reduced (cells fixed by a shown count, or forced to zero by
a shown zero, are substituted) and split into independent components so each
programme is small.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from kentaudit.core.errors import DisclosureError

__all__ = ["DIMENSIONS", "BRANCHES", "ANSWERS", "PARTIAL", "GRADES", "MISSING", "Universe", "Definition",
           "LinearSystem", "answer_domain", "grade_domain"]

#: Base dimensions of a record, then the branch dimensions (one branch per count at most).
BASE_DIMENSIONS = ("cycle", "status", "sample", "district")
BRANCHES = {"criterion": ("answer", "answer_initial"), "grade": ("grade",), "moderation": ("moderation",)}
DIMENSIONS = BASE_DIMENSIONS + ("criterion", "answer", "answer_initial", "grade", "moderation")

#: The answers every answer scheme has (``Y``, ``N``, ``NA`` and not recorded); a scheme with a
#: partial answer (a profile's ``answers.partial``) has :data:`PARTIAL` as well (:func:`answer_domain`).
ANSWERS = ("yes", "no", "na", "missing")
#: The partial answer's value in count definitions ("Partially": its own level, whatever its rule).
PARTIAL = "partial"
PAIR_ANSWERS = ANSWERS
MISSING = "missing"
#: The grades of the default (four-point) scale; a cycle's own scale: :func:`grade_domain`.
GRADES = ("1", "2", "3", "4", MISSING)
MODERATION = ("none", "agreed", "down", "up")
ACCEPTED = "accepted"


def answer_domain(partial: bool = False) -> tuple:
    """The answer dimension: yes, no, not applicable, not recorded, and the partial answer
    where the cycle's answer scheme has one (whatever its ``counts_as`` rule: the rule says
    which answers a count counts, docs/appendix.md "Partial answers")."""
    return ANSWERS + ((PARTIAL,) if partial else ())


def grade_domain(grades) -> tuple:
    """The grade dimension of a scale: its grades as written (``"1"`` .. ``"n"``), then not recorded."""
    out = tuple(dict.fromkeys(str(g).strip() for g in grades))
    if not out or MISSING in out:
        raise DisclosureError(f"a grade scale needs one or more grades other than {MISSING!r}; got {list(grades)}.")
    return out + (MISSING,)


@dataclass
class Universe:
    """The records a programme's appendices can count.

    Attributes
    ----------
    cycles : dict ``{cycle: [samples]}``
    districts : dict ``{district: area}``
    statuses : dict ``{cycle: [statuses]}`` (``accepted`` plus ``rejected: <rule>``
        values; a cycle not listed has only ``accepted`` records)
    criteria : list of criterion ids
    answers : tuple, the answer dimension (:func:`answer_domain`; default without a partial answer)
    paired : tuple, the samples that audit another sample's cases again (the profile's samples with
        ``repeats``): their answers are counted with the first audit's answer beside them
    grades : tuple, the grade dimension (:func:`grade_domain`; default the four-point scale)
    """

    cycles: dict
    districts: dict
    statuses: dict
    criteria: list
    answers: tuple = ANSWERS
    grades: tuple = GRADES
    paired: tuple = ()

    def domain(self, dim: str, cycle: str | None = None) -> tuple:
        if dim == "cycle":
            return tuple(self.cycles)
        if dim == "sample":
            return tuple(self.cycles.get(cycle, ())) if cycle is not None else \
                tuple(dict.fromkeys(s for v in self.cycles.values() for s in v))
        if dim == "district":
            return tuple(self.districts)
        if dim == "status":
            return tuple(self.statuses.get(cycle, (ACCEPTED,))) if cycle is not None else \
                tuple(dict.fromkeys([ACCEPTED, *(s for v in self.statuses.values() for s in v)]))
        if dim == "criterion":
            return tuple(self.criteria)
        return {"answer": tuple(self.answers), "answer_initial": tuple(self.answers),
                "grade": tuple(self.grades), "moderation": MODERATION}[dim]

    def areas(self) -> dict:
        out: dict = {}
        for d, a in self.districts.items():
            out.setdefault(a, []).append(d)
        return out


class Definition:
    """What one count counts: ``{dimension: frozenset of values}`` (missing = all values).

    ``branch`` is ``None`` (a count of records), ``("criterion", id)``,
    ``("grade",)`` or ``("moderation",)``. Definitions are normalised: a branch
    whose value sets are all full is dropped (the count of all records), so
    equal counts compare equal.
    """

    __slots__ = ("sets", "branch", "_key")

    def __init__(self, sets: dict, branch=None, universe: Universe | None = None):
        s = {k: frozenset(str(x) for x in v) for k, v in sets.items() if v is not None}
        for k in s:
            if k not in DIMENSIONS or k == "criterion":
                raise DisclosureError(f"unknown dimension {k!r} in a count definition; use one of "
                                      f"{[d for d in DIMENSIONS if d != 'criterion']}.")
        if branch is not None:
            branch = tuple(str(b) for b in branch)
            if branch[0] not in BRANCHES:
                raise DisclosureError(f"unknown branch {branch[0]!r}; use one of {list(BRANCHES)}.")
            for k in s:
                if k not in BASE_DIMENSIONS and k not in BRANCHES[branch[0]]:
                    raise DisclosureError(f"dimension {k!r} does not belong to branch {branch[0]!r}.")
        elif any(k not in BASE_DIMENSIONS for k in s):
            raise DisclosureError(f"a count with no branch restricts {sorted(set(s) - set(BASE_DIMENSIONS))}.")
        if universe is not None:
            for k in list(s):
                if k in ("cycle", "sample", "status") or k not in BASE_DIMENSIONS:
                    continue
                if s[k] >= frozenset(universe.domain(k)):
                    del s[k]
            if branch is not None:
                full = all(s.get(k, None) is None or s[k] >= frozenset(universe.domain(k))
                           for k in BRANCHES[branch[0]])
                for k in BRANCHES[branch[0]]:
                    if k in s and s[k] >= frozenset(universe.domain(k)):
                        del s[k]
                if full:
                    branch = None
        self.sets = s
        self.branch = branch
        self._key = (branch, tuple(sorted((k, tuple(sorted(v))) for k, v in s.items())))

    def allows(self, dim: str, value) -> bool:
        v = self.sets.get(dim)
        return v is None or str(value) in v

    def as_dict(self) -> dict:
        d = {k: sorted(v) for k, v in sorted(self.sets.items())}
        if self.branch:
            d["branch"] = list(self.branch)
        return d

    def __eq__(self, other):
        return isinstance(other, Definition) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"Definition({self.as_dict()})"


def _classes(values, defs, dim, cycle) -> list[frozenset]:
    """Values of ``dim`` (within ``cycle``) grouped by which definitions contain them."""
    sig = defaultdict(list)
    rel = [d.sets[dim] for d in defs if dim in d.sets and d.allows("cycle", cycle)]
    for v in values:
        sig[tuple(v in r for r in rel)].append(v)
    return [frozenset(g) for g in sig.values()]


class LinearSystem:
    """Finest cells of a universe as LP variables; every definition as a sum of them.

    Parameters
    ----------
    universe : Universe
    definitions : iterable of Definition
        Every count to relate (duplicates are fine: equal definitions are one count).

    Attributes
    ----------
    defs : list of Definition (unique, in first-seen order)
    index : dict ``{Definition: position in defs}``
    vectors : list of numpy int arrays (the variables each definition sums)
    structural : list of (variables, coefficients): branch cells add up to their base cell
    n_vars : int
    """

    def __init__(self, universe: Universe, definitions):
        self.universe = universe
        self.defs = list(dict.fromkeys(definitions))
        self.index = {d: k for k, d in enumerate(self.defs)}
        u = universe
        self.base = []          # (cycle, status, sample class, district class)
        self.vars = []          # descriptions
        branches_by_cycle = defaultdict(set)
        for d in self.defs:
            if d.branch is not None:
                for c in u.domain("cycle"):
                    if d.allows("cycle", c):
                        branches_by_cycle[c].add(d.branch)
        self.structural = []
        base_var, branch_vars = {}, {}
        # branch cells by branch, then by base cell: a definition tests each base cell once
        self._branch_index = defaultdict(dict)
        for c in u.domain("cycle"):
            sclasses = _classes(u.domain("sample", c), self.defs, "sample", c)
            dclasses = _classes(u.domain("district"), self.defs, "district", c)
            for st in u.domain("status", c):
                if st != ACCEPTED:
                    base_var[(c, st, None, None)] = self._new(("base", c, st))
                    continue
                for sc in sclasses:
                    bvs = {}
                    for dc in dclasses:
                        b = (c, st, sc, dc)
                        bvs[dc] = base_var[b] = self._new(("base", c, st, tuple(sorted(sc)), tuple(sorted(dc))))
                    for br in sorted(branches_by_cycle[c]):
                        # A branch whose counts never split this sample by district is
                        # kept at the sample level: a table with given margins exists
                        # whenever the margins agree (transportation), so this is exact.
                        by_d = any(d.branch == br and "district" in d.sets and d.allows("cycle", c)
                                   and ("sample" not in d.sets or d.sets["sample"] & sc) for d in self.defs)
                        groups = [(dc, [bvs[dc]]) for dc in dclasses] if by_d else [(None, list(bvs.values()))]
                        dims = BRANCHES[br[0]]
                        doms = [(u.domain("answer_initial") if len(sc) == 1 and set(sc) <= set(u.paired) else ("-",))
                                if dim == "answer_initial"
                                else u.domain(dim) for dim in dims]
                        for dc, bases in groups:
                            b = (c, st, sc, dc)
                            cells = []
                            for combo in _product(doms):
                                v = self._new(("branch", b, br, combo))
                                branch_vars[(b, br, combo)] = v
                                self._branch_index[br].setdefault(b, []).append((combo, v))
                                cells.append(v)
                            self.structural.append((np.array(cells + bases),
                                                    np.array([1.0] * len(cells) + [-1.0] * len(bases))))
        self.n_vars = len(self.vars)
        self._base_var, self._branch_vars = base_var, branch_vars
        self.vectors = [self._expand(d) for d in self.defs]
        # the same as Python lists: the presolve and LP builders loop over them, and a loop
        # over a numpy array makes a numpy scalar of every element
        self._lists = [v.tolist() for v in self.vectors]
        self._ones = [[1.0] * len(v) for v in self._lists]
        self._structural = [(v.tolist(), c.tolist()) for v, c in self.structural]

    def _new(self, desc) -> int:
        self.vars.append(desc)
        return len(self.vars) - 1

    def _expand(self, d: Definition) -> np.ndarray:
        out = []
        if d.branch is None:
            for (c, st, sc, dc), v in self._base_var.items():
                if self._base_in(d, c, st, sc, dc):
                    out.append(v)
        else:
            dims = BRANCHES[d.branch[0]]
            restrict = [(j, d.sets[dim]) for j, dim in enumerate(dims) if dim in d.sets]
            for b, cells in self._branch_index[d.branch].items():
                if not self._base_in(d, *b):
                    continue
                for combo, v in cells:
                    if all(combo[j] in vals for j, vals in restrict):
                        out.append(v)
        return np.array(sorted(out), dtype=np.int64)

    @staticmethod
    def _base_in(d, c, st, sc, dc) -> bool:
        """Whether base cell (cycle, status, sample class, district class) lies in ``d``.
        A definition with no status counts accepted records (audits) only."""
        if not d.allows("cycle", c):
            return False
        if "status" in d.sets:
            if st not in d.sets["status"]:
                return False
        elif st != ACCEPTED:
            return False
        if st != ACCEPTED:
            return d.branch is None and "sample" not in d.sets and "district" not in d.sets
        for dim, cls in (("sample", sc), ("district", dc)):
            if cls is not None and dim in d.sets:
                inside = cls <= d.sets[dim]
                if not inside and cls & d.sets[dim]:  # pragma: no cover - classes refine definitions
                    raise DisclosureError(f"internal: class {sorted(cls)} straddles a definition.")
                if not inside:
                    return False
        return True

    # ---------------------------------------------------------------- solving
    def equations(self, known: dict) -> list[tuple]:
        """Rows ``(variables, coefficients, rhs, name)`` of the system for shown counts ``known``
        (``{definition index: value}``), structural rows first."""
        rows = [(v, c, 0.0, "structure") for v, c in self._structural]
        for k, val in known.items():
            rows.append((self._lists[k], self._ones[k], float(val), k))
        return rows

    def intervals(self, known: dict, targets, lower_one=(), *, only=None, width=None, truth=None,
                  check=None, exact=True) -> dict:
        """The range of each target count an attacker can prove from the shown counts.

        Parameters
        ----------
        known : dict ``{definition index: value}`` (shown counts)
        targets : iterable of definition indices (hidden counts)
        lower_one : iterable of definition indices known to be >= 1 (hidden primary counts)
        width, truth : optional
            The protection width and the true value of every target. With both, the
            targets of a large component (more than :data:`BATCH_MIN_VARS` free cells) are
            first shown protected together (:meth:`_certify`): a few programmes over the
            component each find one alternative table consistent with everything shown,
            pushing many hidden counts at once away from their true values. A target that
            some alternative table puts ``width`` or more from its true value is protected
            (the attacker's range holds both values), and the range returned is the span of
            the values seen, which lies inside the attacker's range. Only the targets no
            alternative table moved far enough get their exact range, two programmes each.
        check : callable, optional
            Called before each exact range (the caller's time budget: it raises to stop).
        exact : bool, default True
            False: a target of a large component that no alternative table showed protected
            gets the span of the values seen (a sub-range of the attacker's range, narrower
            than ``width``) instead of its exact range; the caller treats it as failing.

        Returns
        -------
        dict ``{target: (lower, upper)}``; ``upper`` may be ``inf``.
        """
        targets = list(targets)
        fixed, rows = self._presolve(known)
        lower_one = [k for k in lower_one if k not in known]
        out = {}
        comp_of, comps = self._components(fixed, rows, [self.vectors[k] for k in set(targets) | set(lower_one)])
        cache = {}
        by_comp = defaultdict(list)
        free_of = {}
        for t in targets:
            vec = self._lists[t]
            const = float(sum(fixed.get(int(v), 0.0) for v in vec))
            free = [int(v) for v in vec if int(v) not in fixed]
            if not free:
                out[t] = (const, const)
                continue
            free_of[t] = (free, const)
            by_comp[comp_of[free[0]]].append(t)
        for cid, ts in by_comp.items():
            if cid not in cache:
                cache[cid] = _ComponentLP(self, comps[cid], rows, fixed, lower_one)
            lp = cache[cid]
            if width is not None and truth is not None and len(comps[cid]) > BATCH_MIN_VARS:
                out.update(lp.certify({t: free_of[t] for t in ts}, truth, width, positive=set(lower_one)))
                if not exact:
                    # the rest are reported with the span seen (narrower than the width): the
                    # caller looks for complements at once, and a complement search that needs
                    # no shown count changed shows the count protected after all
                    for t in ts:
                        if t not in out:
                            lo_, hi_ = lp.seen[t]
                            out[t] = (lo_, hi_)
            for t in ts:
                if t not in out:
                    if check is not None:
                        check()
                    free, const = free_of[t]
                    out[t] = tuple(const + x for x in lp.range(free))
        return out

    def reference_point(self, values: dict) -> np.ndarray:
        """One table of finest cells consistent with every count's true value
        (``{definition index: value}``), found by linear programming."""
        fixed, rows = self._presolve(values)
        x = np.zeros(self.n_vars)
        for v, val in fixed.items():
            x[v] = val
        free = sorted({int(v) for vs, _, _, _ in rows for v in vs if int(v) not in fixed})
        if free:
            col = {v: j for j, v in enumerate(free)}
            data, ri, ci, b = [], [], [], []
            for vs, cs, rhs, _ in rows:
                fr = [(int(v), c) for v, c in zip(vs, cs) if int(v) not in fixed]
                if not fr:
                    continue
                r = len(b)
                for v, c in fr:
                    ri.append(r); ci.append(col[v]); data.append(c)
                b.append(rhs - sum(c * fixed[int(v)] for v, c in zip(vs, cs) if int(v) in fixed))
            res = linprog(np.zeros(len(free)), A_eq=csr_matrix((data, (ri, ci)), shape=(len(b), len(free))),
                          b_eq=b, bounds=(0, None), method="highs")
            if res.status != 0:
                raise DisclosureError("the published counts are not consistent with their definitions "
                                      "(no table of records has them all); check the appendix spec's "
                                      "'defines' and the results tables.")
            for v, j in col.items():
                x[v] = res.x[j]
        return x

    def complements(self, known: dict, target: int, bound: float, direction: str, lower_one=(),
                    weights: dict | None = None, fixed_known=(), x0=None, hops: int = 1) -> list | None:
        """Cheapest shown counts to hide so ``target`` can take ``bound``.

        Solves the linear programme of the classic cell-suppression model (an
        alternative table, consistent with everything that stays shown, in which
        ``target`` is at least (``direction="up"``) or at most (``"down"``) ``bound``):
        shown counts, zeros included, may differ from their values at a cost
        ``weights[k]`` per unit; counts in ``fixed_known`` may not. (A zero may be hidden as
        a complement: where a "not applicable" count of 0 and a "not recorded" count of 3
        are the only answers outside a Kent-wide denominator, hiding the 0 protects the 3
        and keeps the headline percentage shown.) The counts that must differ are
        the complements. With ``x0`` (a table consistent with all true values, from
        :meth:`reference_point`) only the cells within ``hops`` relations of the
        target may move, the rest stay at ``x0``: a smaller programme whose solution
        is still a genuine alternative table; the region grows until one exists.

        Returns
        -------
        list of definition indices, or None when no alternative table exists.
        """
        weights = weights or {}
        lower_one = [k for k in lower_one if k != target and k not in known]
        rows = [(vs, cs, 0.0, None) for vs, cs in self._structural]
        rows += [(self._lists[k], self._ones[k], float(v), k) for k, v in known.items()]
        ineq = [(self._lists[target], -1.0 if direction == "up" else 1.0,
                 (-1.0 if direction == "up" else 1.0) * bound)]
        ineq += [(self._lists[k], -1.0, -1.0) for k in lower_one]
        if x0 is None:
            region = None
        else:
            var_rows = defaultdict(list)
            for r, (vs, _, _, _) in enumerate(rows):
                for v in vs:
                    var_rows[int(v)].append(r)
            region = {int(v) for v in self.vectors[target]}
            frontier = set(region)
            for _ in range(hops):
                nxt = set()
                for v in frontier:
                    for r in var_rows[v]:
                        if len(rows[r][0]) <= 400:
                            nxt.update(int(x) for x in rows[r][0])
                nxt -= region
                region |= nxt
                frontier = nxt
                if not frontier:
                    break
        while True:
            out = self._deviation_lp(rows, ineq, known, weights, fixed_known, x0, region)
            if out is not None or region is None:
                return out
            # no alternative table inside the region: widen it, at last to every cell
            hops *= 2
            grown = set(region)
            for _ in range(hops):
                grown |= {int(x) for v in list(grown) for r in var_rows[v] for x in rows[r][0]}
            region = None if len(grown) >= self.n_vars or grown == region else grown

    def _deviation_lp(self, rows, ineq, known, weights, fixed_known, x0, region):
        cols = sorted(region) if region is not None else list(range(self.n_vars))
        col = {v: j for j, v in enumerate(cols)}
        n = len(cols)
        soft = []
        data, ri, ci, b = [], [], [], []
        for vs, cs, rhs, k in rows:
            inside = [(int(v), c) for v, c in zip(vs, cs) if int(v) in col]
            if not inside:
                continue
            out = rhs - (sum(c * x0[int(v)] for v, c in zip(vs, cs) if int(v) not in col) if region is not None else 0.0)
            r = len(b)
            for v, c in inside:
                ri.append(r); ci.append(col[v]); data.append(c)
            if k is not None and k not in fixed_known:
                j = len(soft)
                soft.append(k)
                ri += [r, r]; ci += [n + 2 * j, n + 2 * j + 1]; data += [-1.0, 1.0]
            b.append(out)
        m = len(soft)
        a_eq = csr_matrix((data, (ri, ci)), shape=(len(b), n + 2 * m))
        ud, ur, uc, ub = [], [], [], []
        for vs, coef, rhs in ineq:
            inside = [int(v) for v in vs if int(v) in col]
            if not inside:
                continue
            q = len(ub)
            out = sum(coef * x0[int(v)] for v in vs if int(v) not in col) if region is not None else 0.0
            for v in inside:
                ur.append(q); uc.append(col[v]); ud.append(coef)
            ub.append(rhs - out)
        a_ub = csr_matrix((ud, (ur, uc)), shape=(len(ub), n + 2 * m)) if ub else None
        c = np.zeros(n + 2 * m)
        for j, k in enumerate(soft):
            c[n + 2 * j] = c[n + 2 * j + 1] = float(weights.get(k, 1.0))
        res = linprog(c, A_ub=a_ub, b_ub=ub or None, A_eq=a_eq, b_eq=b, bounds=(0, None), method="highs")
        if res.status != 0:
            return None
        dev = res.x[n::2][:m] + res.x[n + 1::2][:m]
        return [soft[j] for j in np.flatnonzero(dev > 1e-7)]

    def _presolve(self, known):
        rows = self.equations(known)
        fixed: dict[int, float] = {}
        var_rows = defaultdict(list)
        for r, (vs, _, _, _) in enumerate(rows):
            for v in vs:
                var_rows[int(v)].append(r)
        queue = list(range(len(rows)))
        while queue:
            nxt = set()
            for r in queue:
                vs, cs, rhs, _ = rows[r]
                free = [(int(v), c) for v, c in zip(vs, cs) if int(v) not in fixed]
                if not free:
                    continue
                rest = rhs - sum(c * fixed[int(v)] for v, c in zip(vs, cs) if int(v) in fixed)
                newly = []
                if len(free) == 1:
                    newly = [(free[0][0], rest / free[0][1])]
                elif abs(rest) < 1e-9 and all(c > 0 for _, c in free):
                    newly = [(v, 0.0) for v, _ in free]
                for v, val in newly:
                    fixed[v] = val
                    nxt.update(var_rows[v])
            queue = sorted(nxt)
        return fixed, rows

    def _components(self, fixed, rows, extra):
        parent = {}

        def find(x):
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def join(vs):
            free = [int(v) for v in vs if int(v) not in fixed]
            for a in free[1:]:
                ra, rb = find(free[0]), find(a)
                if ra != rb:
                    parent[ra] = rb
            for a in free[:1]:
                find(a)

        for vs, _, _, _ in rows:
            join(vs)
        for vs in extra:
            join(vs)
        comps = defaultdict(set)
        for v in list(parent):
            comps[find(v)].add(v)
        comp_of = {v: r for r, vs in comps.items() for v in vs}
        return comp_of, comps



#: components with more free cells than this are first shown protected in batches (LinearSystem.intervals)
BATCH_MIN_VARS = 1500
#: at most this many batch programmes per component and call; the share of the targets pushed
#: in each at first; when a round shows fewer than BATCH_MIN_GAIN of the rest protected, the
#: share is quartered, and rounds stop when it would push two targets or fewer
BATCH_ROUNDS, BATCH_SHARE, BATCH_MIN_GAIN = 80, 0.2, 0.01


class _ComponentLP:
    """The attacker's programme over one independent component of the system: cells
    ``>= 0``, every shown count's equation, hidden counts known to be ``>= 1``; built once,
    solved for as many objectives as needed (HiGHS through :func:`scipy.optimize.linprog`)."""

    def __init__(self, system, comp, rows, fixed, lower_one):
        cols = sorted(comp)
        col = {v: j for j, v in enumerate(cols)}
        data, ri, ci, b = [], [], [], []
        for vs, cs, rhs, _ in rows:
            free = [(int(v), c) for v, c in zip(vs, cs) if int(v) not in fixed]
            if not free or free[0][0] not in col:
                continue
            r = len(b)
            for v, c in free:
                ri.append(r)
                ci.append(col[v])
                data.append(c)
            b.append(rhs - sum(c * fixed[int(v)] for v, c in zip(vs, cs) if int(v) in fixed))
        ub_d, ub_r, ub_c, ub_b = [], [], [], []
        for k in lower_one:
            vec = system._lists[k]
            free = [int(v) for v in vec if int(v) not in fixed]
            if not free or free[0] not in col:
                continue
            const = sum(fixed.get(int(v), 0.0) for v in vec)
            r = len(ub_b)
            for v in free:
                ub_r.append(r)
                ub_c.append(col[v])
                ub_d.append(-1.0)
            ub_b.append(-(1.0 - const))
        self.cols, self.col = cols, col
        self.eq = (data, ri, ci, b)
        self.ub = (ub_d, ub_r, ub_c, ub_b)
        n = len(cols)
        self.a_eq = csr_matrix((data, (ri, ci)), shape=(len(b), n)) if b else None
        self.a_ub = csr_matrix((ub_d, (ub_r, ub_c)), shape=(len(ub_b), n)) if ub_b else None
        self.b, self.ub_b = b, ub_b

    def range(self, free) -> tuple:
        """(lower, upper) of the sum of cells ``free``."""
        c = np.zeros(len(self.cols))
        for v in free:
            c[self.col[v]] = 1.0
        res = []
        for sign in (1.0, -1.0):
            r = linprog(sign * c, A_ub=self.a_ub, b_ub=self.ub_b or None, A_eq=self.a_eq, b_eq=self.b or None,
                        bounds=(0, None), method="highs")
            if r.status == 3:  # unbounded
                res.append(-sign * np.inf)
            elif r.status != 0:
                raise DisclosureError(f"the protection programme could not be solved ({r.message}); "
                                      "report this as a bug.")
            else:
                res.append(sign * r.fun)
        return max(0.0, res[0]), res[1]

    def certify(self, targets: dict, truth: dict, width: float, positive=()) -> dict:
        """Targets shown protected by alternative tables: ``{target: (lowest, highest) seen}``.

        ``targets`` is ``{target: (free cells, constant)}``. Each round solves one programme
        over the component: a random share of the targets not yet shown protected is pushed
        up (variables ``s_t <= h_t - v_t`` and ``s_t <= width``), as many of those that can
        fall by ``width`` are pushed down (``s_t <= v_t - h_t``), and the sum of the ``s_t`` is
        maximised; every other cell is free. Each solution is a table consistent with
        everything shown (an attacker cannot rule it out), so a target's range holds every
        value it takes in any solution and its true value: when these span ``width`` the
        target is protected. Targets pushed together compete for the same slack (a unit's
        count rises only where its siblings fall), so when a round gains little the share
        is quartered (:data:`BATCH_SHARE`, :data:`BATCH_MIN_GAIN`); at most
        :data:`BATCH_ROUNDS` rounds. The random choice is seeded: the result is reproducible.
        """
        rng = np.random.default_rng(len(self.cols) * 7919 + len(targets))
        lo = {t: float(truth[t]) for t in targets}
        hi = dict(lo)
        todo = [t for t in targets if t in truth]
        n = len(self.cols)
        data, ri, ci, b = self.eq
        ub_d, ub_r, ub_c, ub_b = self.ub
        done: dict = {}
        share = BATCH_SHARE
        for _ in range(BATCH_ROUNDS):
            if not todo:
                break
            floor = {t: (1.0 if t in positive else 0.0) for t in todo}
            pick = rng.random(len(todo))
            up = [t for t, p in zip(todo, pick) if p < share]
            down = [t for t, p in zip(todo, pick) if 1 - p < share and truth[t] - width >= floor[t] - 1e-9]
            pushed = up + down
            if not pushed:
                continue
            ud, ur, uc, ubb = list(ub_d), list(ub_r), list(ub_c), list(ub_b)
            for j, t in enumerate(pushed):
                free, const = targets[t]
                r = len(ubb)
                sign = -1.0 if j < len(up) else 1.0   # up: s - h <= -v ; down: s + h <= v
                ur.append(r); uc.append(n + j); ud.append(1.0)
                for v in free:
                    ur.append(r); uc.append(self.col[v]); ud.append(sign)
                ubb.append(sign * (float(truth[t]) - const))
            m = len(pushed)
            a_ub = csr_matrix((ud, (ur, uc)), shape=(len(ubb), n + m))
            a_eq = csr_matrix((data, (ri, ci)), shape=(len(b), n + m)) if b else None
            cost = np.concatenate([np.zeros(n), -np.ones(m)])
            bounds = [(0, None)] * n + [(None, float(width))] * m
            r = linprog(cost, A_ub=a_ub, b_ub=ubb, A_eq=a_eq, b_eq=b or None, bounds=bounds, method="highs")
            if r.status != 0:
                break
            x = r.x[:n]
            for t in todo:
                free, const = targets[t]
                h = const + float(sum(x[self.col[v]] for v in free))
                lo[t], hi[t] = min(lo[t], h), max(hi[t], h)
            new = [t for t in todo if hi[t] - lo[t] >= width - 1e-6]
            for t in new:
                done[t] = (max(0.0, lo[t]), hi[t])
            todo = [t for t in todo if t not in done]
            if len(new) < BATCH_MIN_GAIN * (len(todo) + len(new)):
                # pushed targets compete for the same slack: push fewer at once, then stop
                if share * len(todo) <= 2:
                    break
                share = max(share / 4, 1.0 / max(len(todo), 1))
        self.seen = {t: (max(0.0, lo[t]), hi[t]) for t in targets if t in truth}
        return done


def _product(doms):
    out = [()]
    for d in doms:
        out = [o + (x,) for o in out for x in d]
    return out
