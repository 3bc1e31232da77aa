"""Disclosure control of the appendix: primary suppression, protection intervals, complements.

Written here rather than taken from a library: the standard tools for cell
suppression (sdcTable, tau-ARGUS) are R or Java, and no well-kept Python
package protects linked tables.

1. **Every count carries its definition** - the records it counts - given by
   the table's ``defines`` entry of the appendix spec (label columns name
   dimensions; columns fix answers, samples, cycles). The linear system is
   derived from the definitions (:class:`kentaudit.publication.cells.LinearSystem`):
   each count is a sum of the finest cells, so totals, pooled samples, this
   cycle's row of a trend table and a count repeated in another table are
   related without anyone listing them. Equal definitions are one count: it is
   shown everywhere or hidden everywhere.
2. **Primary**: every sensitive count (:func:`sensitive`: a property of children's
   cases, or records of a unit or area) from 1 to ``threshold`` (default 5, as in the
   Department for Education's children-in-need statistics) is hidden. Zeros are
   true zeros and are shown; authority-wide counts of records and counts of answers not
   recorded are not sensitive.
3. **Protection intervals**: for every hidden primary count, the range an
   attacker can prove from everything shown (linear programming: minimise and
   maximise the count subject to every shown count, cells >= 0, hidden primary
   counts >= 1) must be at least ``width`` wide. While one is narrower, a
   complement is hidden: candidates are the non-zero shown counts under the
   smallest shown totals that contain the failing count (its siblings, then the
   totals themselves), cheapest first, where the cost is the count times the
   number of places it is published, times 1000 for a Kent-wide count (so a
   Kent-wide headline is used only when no smaller cell serves); the first
   candidate that widens the range is kept.
4. **Derived**: a percentage, interval bound or test result calculated from a
   hidden count is hidden.
5. **Figures computed over several rows** (:func:`protect_adjusted_p`,
   :func:`protect_funnel_bands`): an adjusted p-value keeps the analysis's value, over
   the analysis's family, where no value of the family's hidden rows could change it,
   and is hidden where one could; a funnel band is shown where it is the same whatever
   the overdispersion estimated over hidden districts, and hidden where it is not.
   The design-based estimate (:func:`protect_design_estimate`) is checked as the relation it
   is; where at its column's precision it would narrow a hidden count, it is published rounded
   coarser (whole percentages) when that keeps every hidden count wide, before any unit count
   is hidden for it (:func:`design_complements`), else hidden.

Guarantee: for the published counts and the definitions declared in the spec,
no hidden primary count can be narrowed below ``width`` by linear programming
(an integer attack is at most as strong as its LP relaxation rounded inwards:
the publication check runs that one). Limits: see ``docs/appendix.md``.
"""
from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from kentaudit.core.errors import DisclosureError, KentauditError
from kentaudit.publication.cells import (ACCEPTED, BATCH_MIN_VARS, BRANCHES, MISSING, Definition,
                                         LinearSystem, Universe)
from kentaudit.publication.design_relation import FilesHidden, SearchLimit, narrowed
from kentaudit.publication.table import PublicationTable, round_half_away
from kentaudit.stats.funnel import funnel_limits
from kentaudit.stats.multiplicity import adjust
from kentaudit.stats.shrinkage import shrink
from kentaudit.stats.survey import stratified_logit_many

__all__ = ["DEFAULT_WIDTH", "FUNNEL_DEFAULTS", "MARK", "Context", "SuppressionResult", "adjusted_p_bounds",
           "definitions", "design_complements", "protect_adjusted_p", "protect_design_estimate", "protect_funnel_bands", "protect_shrunken", "sensitive", "suppress"]

MARK = "[c]"
#: Default protection width: an attacker must not be able to prove a hidden count
#: lies in a range narrower than this (see docs/appendix.md, "Choosing the protection width").
DEFAULT_WIDTH = 3
_TOTAL_WORDS = {"total", "all", "all samples", "all districts", "kent", "all areas", "all cycles"}
KENT_PENALTY = 1000.0


@dataclass
class Context:
    """What the definitions of one appendix refer to.

    Attributes
    ----------
    cycle : str (this cycle)
    universe : Universe
    main : dict ``{cycle: [samples]}`` - the samples "@main" means in each cycle
    previous : str or None - the cycle "@previous" means
    district_samples : dict ``{cycle: [samples]}`` - the samples "@districts" means (those
        the district comparisons read); a cycle not in it: its main samples
    """

    cycle: str
    universe: Universe
    main: dict = field(default_factory=dict)
    previous: str | None = None
    district_samples: dict = field(default_factory=dict)
    #: the authority's name as the results write it in the area column of its own rows
    #: (``words.authority``: "Kent"); such a row counts every unit
    authority: str | None = None

    def is_all(self, v) -> bool:
        """A label value meaning every value: "Total", "All ...", or the authority's name."""
        return _is_total(v) or (self.authority is not None
                                and str(v).strip().casefold() == self.authority.strip().casefold())


@dataclass
class SuppressionResult:
    """Result of :func:`suppress`.

    Attributes
    ----------
    tables : list of PublicationTable
        Copies of the input tables with hidden cells shown as ``[c]``.
    audit : DataFrame
        One row per hidden cell: ``table_id``, ``row`` (0-based), ``row_label``,
        ``column``, ``value`` (unsuppressed - restricted), ``reason``
        (``primary``, ``secondary``, ``earlier release`` or ``derived``), ``detail``,
        ``lower`` and ``upper`` (the range an attacker can prove, counts only).
    equations : DataFrame
        The linear system, restricted: one row per published count cell with
        ``table_id``, ``row``, ``row_label``, ``column``, ``count`` (its number in the
        system: equal numbers are the same count), ``definition`` (JSON) and
        ``cells`` (the finest cells it sums).
    loss : DataFrame
        Information loss per table: ``table_id``, ``n_count_cells``, ``n_primary``,
        ``n_secondary``, ``n_hidden_counts``, ``n_hidden_derived``, ``percent_counts_hidden``.
    threshold, width : int
    hidden_zeros : int
        Zeros hidden as complements (a reader then knows only that a ``[c]`` is at least 0).
    """

    tables: list
    audit: pd.DataFrame
    threshold: int
    width: int = DEFAULT_WIDTH
    equations: pd.DataFrame | None = None
    loss: pd.DataFrame | None = None
    cells: dict = field(default_factory=dict)
    hidden_zeros: int = 0
    #: the linear system, the shown counts ``{definition index: value}`` (this appendix's and the
    #: earlier releases') and the hidden counts a reader may take as >= 1: what a figure computed
    #: over several rows is checked against (:func:`protect_design_estimate`)
    system: LinearSystem | None = None
    known: dict = field(default_factory=dict)
    positive: frozenset = frozenset()
    #: what :func:`protect_design_estimate` found for each criterion it looked at
    design_checks: list = field(default_factory=list)


def _num(v):
    if v is None or v is pd.NA or isinstance(v, str):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def _is_total(v) -> bool:
    return str(v).strip().lower() in _TOTAL_WORDS or str(v).strip().lower().startswith("all ")  # "All localities": a profile's words


def _resolve(token, row_cycle, ctx: Context):
    if isinstance(token, str) and token.startswith("@"):
        if token == "@this":
            return [ctx.cycle]
        if token == "@previous":
            if ctx.previous is None:
                raise DisclosureError("a count refers to the previous cycle but none is known.")
            return [ctx.previous]
        if token == "@main":
            return list(ctx.main.get(row_cycle, ()))
        if token == "@districts":
            return list(ctx.district_samples.get(row_cycle, ctx.main.get(row_cycle, ())))
        raise DisclosureError(f"unknown reference {token!r} in a count definition.")
    if isinstance(token, (list, tuple)):
        out = []
        for t in token:
            out += _resolve(t, row_cycle, ctx) if isinstance(t, str) and t.startswith("@") else [str(t)]
        return out
    return [str(token)]


def sensitive(d: Definition) -> bool:
    """Whether a small count of definition ``d`` discloses something about children.

    Primary suppression protects children in small groups: a count is sensitive when it
    counts a property of the children's cases (an answer about the child's case, a grade,
    a moderation outcome) or the records of a group smaller than the authority (a unit or
    an area). Two kinds of count are not, and are shown whatever their size:

    * a count of records of the whole authority (by cycle, sample or record status, with
      no answer, grade or unit restriction): the number of audits in a sample or of
      rejected rows is a fact about the audit programme, not about any child;
    * a count of answers or grades **not recorded** (``answer`` or ``grade`` restricted to
      ``missing`` only): a skipped question is a property of the audit form, not of the
      child, and hiding it would hide the authority's headline, since "answered" =
      "audits" - "not applicable" - "not recorded".

    Both can still be hidden as complements when another count needs them. The rule reads
    the definitions only (docs/appendix.md, "Which counts are sensitive").
    """
    s = d.sets
    if d.branch is None:
        return "district" in s
    dims = BRANCHES[d.branch[0]]
    restricted = {k: s[k] for k in dims if k in s}
    if restricted and all(v <= frozenset({"missing"}) for v in restricted.values()):
        return False
    return True


def _area_units(table, i, area, areas: dict) -> list:
    """The units of ``area`` (a row of ``table`` names it), refused when the cycle's table of
    units does not know it (a count of an unknown area would silently count every unit)."""
    if str(area) not in areas:
        raise DisclosureError(
            f"{table.id} row {i}: the area {str(area)!r} is not an area of the cycle's table of units "
            f"(areas: {', '.join(repr(a) for a in list(areas)[:6])}); the results and inputs.districts "
            "must name the same areas: run the cycle again with the table the appendix is built with.")
    return areas[str(area)]


#: a grade row's label: the grade's number, then its words ("5 Inadequate"); "missing" or
#: "Not recorded" for audits without a grade
_GRADE_LABEL = re.compile(r"\s*(\d+)(?!\d)")
_NOT_RECORDED = {"missing", "not recorded", "no grade recorded", "not graded"}


def _grades_of(table, i, v, u: Universe) -> list:
    """The grades a grade row counts: every grade of the cycle's scale for a total row, else the
    row's own grade (its leading number), refused when the scale has no such grade (a count of
    a grade the universe lacks would silently count nothing)."""
    scale = [g for g in u.domain("grade") if g != MISSING]
    if _is_total(v):
        return scale
    text = str(v).strip()
    if text.casefold() in _NOT_RECORDED:
        return [MISSING]
    m = _GRADE_LABEL.match(text)
    if m is None or m.group(1) not in scale:
        raise DisclosureError(
            f"{table.id} row {i}: the grade {text!r} is not a grade of the cycle's scale "
            f"({', '.join(scale)}); the grades table and the cycle's grade scale must agree.")
    return [m.group(1)]


def definitions(table: PublicationTable, ctx: Context) -> dict:
    """The definition of every count cell of ``table``: ``{(row, column): Definition}``.

    The table's ``defines`` mapping has ``labels`` (``{label column: dimension}``,
    dimensions ``cycle``, ``sample``, ``district``, ``area``, ``criterion``, ``grade``,
    ``status``), ``fixed`` (dimension sets for every count) and ``columns``
    (``{count column: dimension sets}``). Values ``@this``, ``@previous`` and
    ``@main`` refer to this cycle, the previous cycle and the cycle's main samples;
    ``@districts`` to the samples the cycle's district comparisons read.
    Label values "Total", "All ...", "Kent" mean all values (for a district, all
    districts of the row's area).
    """
    spec = table.defines
    if spec and spec.get("not_records"):
        return {}
    if not spec:
        raise DisclosureError(f"table {table.id} has no count definitions ('defines' in the appendix "
                              "spec); every published count must say which records it counts.")
    u = ctx.universe
    areas = u.areas()
    labels = dict(spec.get("labels", {}))
    fixed = dict(spec.get("fixed", {}))
    colspec = dict(spec.get("columns", {}))
    df = table.data
    out = {}
    for i in range(len(df)):
        row = {c: df.at[i, c] for c in labels}
        cyc = None
        for c, dim in labels.items():
            if dim == "cycle" and not _is_total(row[c]):
                cyc = str(row[c])
        for col in table.count_columns:
            if col not in colspec:
                raise DisclosureError(f"table {table.id}: count column {col!r} has no definition in "
                                      "'defines.columns' of the appendix spec.")
            sets: dict = {}
            branch = None
            merged = {**fixed, **(colspec[col] or {})}
            c_cycle = merged.get("cycle")
            row_cycle = cyc or (_resolve(c_cycle, None, ctx)[0] if c_cycle else ctx.cycle)
            sets["cycle"] = [row_cycle]
            area_val = None
            for c, dim in labels.items():
                if dim == "area":
                    area_val = row[c]
            for c, dim in labels.items():
                v = row[c]
                if dim == "cycle":
                    continue
                if dim == "criterion":
                    branch = ("criterion", str(v))
                elif dim == "sample":
                    sets["sample"] = list(u.domain("sample", row_cycle)) if _is_total(v) else [str(v)]
                elif dim == "district":
                    if _is_total(v) and str(v) not in u.districts:
                        if area_val is not None and not ctx.is_all(area_val):
                            sets["district"] = _area_units(table, i, area_val, areas)
                    else:
                        if str(v) not in u.districts:
                            raise DisclosureError(
                                f"{table.id} row {i}: the unit {str(v)!r} is not in the cycle's table of "
                                f"units ({len(u.districts)} units, e.g. {', '.join(list(u.districts)[:3])}); "
                                "the results and inputs.districts must name the same units: run the "
                                "cycle again with the table the appendix is built with.")
                        sets["district"] = [str(v)]
                elif dim == "area":
                    if "district" not in labels.values() and not ctx.is_all(v):
                        sets["district"] = _area_units(table, i, v, areas)
                elif dim == "grade":
                    branch = ("grade",)
                    sets["grade"] = _grades_of(table, i, v, u)
                elif dim == "status":
                    sets["status"] = (list(u.domain("status", row_cycle)) if _is_total(v) else
                                      [ACCEPTED if str(v).strip().lower() == "accepted" else str(v)])
                else:
                    raise DisclosureError(f"table {table.id}: label dimension {dim!r} is not known.")
            for dim, val in merged.items():
                if dim == "cycle":
                    continue
                vals = _resolve(val, row_cycle, ctx)
                if dim == "moderation":
                    branch = ("moderation",)
                if dim in ("sample", "district") and dim in sets:
                    sets[dim] = [x for x in sets[dim] if x in vals]
                else:
                    sets[dim] = vals
            if branch is None and any(k in sets for k in ("answer", "answer_initial")):
                raise DisclosureError(f"table {table.id}: column {col!r} restricts answers but the "
                                      "table has no criterion label.")
            out[(i, col)] = Definition(sets, branch, u)
    return out


def suppress(tables: list[PublicationTable], threshold: int = 5, *, context: Context | None = None,
             width: int = DEFAULT_WIDTH, earlier: list | None = None,
             max_rounds: int = 2_000, force: Mapping | None = None) -> SuppressionResult:
    """Protect the counts of an appendix: primary suppression, protection intervals, derived.

    Parameters
    ----------
    tables : list of PublicationTable
        All tables of the appendix, each with count definitions (``defines``).
    threshold : int, default 5
        Counts from 1 to ``threshold`` inclusive are hidden; 0 turns suppression off.
    context : Context
        Cycle, universe of records and the meaning of ``@`` references.
    width : int, default :data:`DEFAULT_WIDTH`
        Every hidden primary count's provable range must be at least this wide.
    earlier : list of (Definition, value or None), optional
        Counts published by earlier releases of the programme (``None`` = hidden there):
        a count hidden there stays hidden; a count shown there is known to the attacker.
    max_rounds : int
        Safety limit on the number of complements.
    force : mapping, optional
        ``{(table id, row, column): reason}``: counts to hide as complements whatever else
        happens (:func:`design_complements`); protected like every complement.

    Returns
    -------
    SuppressionResult

    Raises
    ------
    DisclosureError
        A bad threshold or width, a count without a definition, two cells with equal
        definitions but different values, or a hidden count that cannot be protected.
    """
    if not isinstance(threshold, (int, np.integer)) or isinstance(threshold, bool) or threshold < 0:
        raise DisclosureError(f"suppression threshold must be a whole number >= 0, got {threshold!r}.")
    if not isinstance(width, (int, np.integer)) or isinstance(width, bool) or width < 0:
        raise DisclosureError(f"protection width must be a whole number >= 0, got {width!r}.")
    ids = [t.id for t in tables]
    if len(set(ids)) != len(ids):
        raise DisclosureError(f"table ids are not unique: {ids}; give every table its own id.")
    if context is None:
        raise DisclosureError("suppress needs a Context (cycle and universe of records).")
    order = {t.id: k for k, t in enumerate(tables)}
    by_id = {t.id: t for t in tables}
    cell_def: dict = {}
    for t in tables:
        for (i, c), d in definitions(t, context).items():
            cell_def[(t.id, i, c)] = d
    earlier = list(earlier or [])
    system = LinearSystem(context.universe, list(cell_def.values()) + [d for d, _ in earlier])
    occurrences: dict[int, list] = {}
    value: dict[int, float | None] = {}
    for cell, d in cell_def.items():
        k = system.index[d]
        occurrences.setdefault(k, []).append(cell)
        v = _num(by_id[cell[0]].data.at[cell[1], cell[2]])
        if k in value and value[k] is not None and v is not None and value[k] != v:
            raise DisclosureError(
                f"{cell[0]} row {cell[1]} {cell[2]} = {v:g} counts the same records as "
                f"{occurrences[k][0]} = {value[k]:g}; the results tables disagree (a bug upstream) "
                "or the definitions in the appendix spec are wrong.")
        if v is not None or k not in value:
            value[k] = v
    earlier_hidden, earlier_known = set(), {}
    for d, v in earlier:
        k = system.index[d]
        if v is None:
            earlier_hidden.add(k)
        else:
            earlier_known[k] = float(v)
            if value.get(k) is not None and value[k] != float(v):
                raise DisclosureError(f"a count published earlier as {v:g} is now {value[k]:g}: "
                                      "revisions of published counts are not protected; publish "
                                      "a revision notice instead.")

    reason: dict[int, tuple[str, str]] = {}
    bounds: dict[int, tuple] = {}
    if threshold > 0:
        for k, v in value.items():
            if v is not None and 1 <= v <= threshold and sensitive(system.defs[k]):
                reason[k] = ("primary", f"count {int(v)} is between 1 and {threshold}")
        for k in earlier_hidden:
            if k in value and k not in reason:
                reason[k] = ("earlier release", "hidden in an earlier appendix of the programme")
        primary = {k for k, (r, _) in reason.items() if r == "primary" or
                   (r == "earlier release" and value.get(k) is not None and 1 <= value[k] <= threshold)}

        def known():
            kn = {k: v for k, v in value.items() if v is not None and k not in reason}
            for k, v in earlier_known.items():
                kn.setdefault(k, v)
            return kn

        def cost(k):
            # information lost by hiding count k: its value (a zero counts as 1: hiding it
            # costs a reader the certainty that it is 0) times the places it is published
            d = system.defs[k]
            c = max(value[k] or 0, 1) * len(occurrences.get(k, [1]))
            return c * (KENT_PENALTY if "district" not in d.sets else 1.0)

        vecsets = [frozenset(map(int, v)) for v in system.vectors]

        def candidates(h):
            hv = vecsets[h]
            kn = known()
            parents = sorted((k for k in kn if k != h and hv and hv <= vecsets[k]), key=lambda k: len(vecsets[k]))
            seen, out = set(), []
            for p in parents:
                pv = vecsets[p]
                sib = sorted((k for k in kn if k not in seen and k != p and vecsets[k] and vecsets[k] <= pv
                              and not (vecsets[k] & hv) and value.get(k)), key=lambda k: (cost(k), k))
                for k in sib + ([p] if p not in seen and value.get(p) else []):
                    if k not in seen:
                        seen.add(k)
                        out.append(k)
            return out

        # Hiding more never narrows a range (it removes constraints), so a primary
        # count found protected stays protected: only failing ones are looked at again.
        hidden_p = sorted(primary, key=lambda k: _poskey(occurrences[k][0], order, by_id))
        forced = []
        for cell, why in (force or {}).items():
            k = system.index[cell_def[cell]]
            if k not in reason and value.get(k) is not None:
                reason[k] = ("secondary", str(why))
                forced.append(k)
        todo = hidden_p + forced
        fixed_known = set(earlier_known)
        def positive():
            # hidden counts a reader can be assumed to know are at least 1: every hidden count
            # but a hidden zero (the assumption is then true of the real table, and stronger
            # than a reader's, who cannot tell which [c] is which)
            return {k for k in reason if value.get(k) is None or value[k] >= 1}

        # the true values: alternative tables are measured against them (LinearSystem.intervals)
        truth = {k: v for k, v in value.items() if v is not None}
        # in a large system, complements are looked for near the failing count first, every
        # other cell held at one table consistent with the truth (LinearSystem.complements)
        x0 = None
        started = time.process_time()

        def budget():
            _within_budget(started, occurrences, cell_def, system)

        for _round in range(max_rounds):
            kn = known()
            iv = system.intervals(kn, todo, lower_one=positive(), width=width, truth=truth, check=budget,
                                exact=False) if todo else {}
            bounds.update(iv)
            failing = [k for k in todo if iv[k][1] - iv[k][0] < width - 1e-9]
            if not failing:
                break
            # counts known from earlier releases only are fixed: they cannot be hidden
            weights = {k: cost(k) for k in kn if k in value}
            added = False
            settled = set()
            pending = list(failing)
            while pending:
                h = pending.pop(0)
                # an alternative table in which h is at least `width` above its value, or at
                # least `width` below it (while staying >= 1): either makes the attacker's range
                # [<= value, >= value + width] or [<= value - width, >= value] wide enough. The
                # cheaper set of complements wins: near the threshold (a 5 beside a 0 outside a
                # Kent-wide denominator) going down can hide the 0 instead of the headline.
                options = []
                budget()
                if x0 is None and system.n_vars > BATCH_MIN_VARS:
                    x0 = system.reference_point({**earlier_known, **truth})
                for direction, bound in (("up", value[h] + width), ("down", value[h] - width)):
                    if direction == "down" and bound < 1:
                        continue
                    c_ = None
                    if x0 is not None:
                        # near h first, with the authority-wide counts held as shown: a region
                        # too small to move the units around h would otherwise buy its
                        # alternative table with a headline, however dear
                        wide = {k for k in kn if "district" not in system.defs[k].sets}
                        c_ = system.complements(kn, h, bound, direction, lower_one=positive(),
                                                weights=weights, fixed_known=fixed_known | wide, x0=x0)
                    if c_ is None:
                        c_ = system.complements(kn, h, bound, direction, lower_one=positive(),
                                                weights=weights, fixed_known=fixed_known)
                    if c_ is not None:
                        options.append((sum(weights.get(k, 1.0) for k in c_), direction, c_))
                comp = min(options, key=lambda o: (o[0], o[1] != "up"))[2] if options else None
                if comp == []:
                    # an alternative table with h `width` away needs no shown count changed: the
                    # range was short only by the solvers' tolerance (1e-7). Settled only when the
                    # exact range (one programme each way, every hidden count >= 1 where the reader
                    # knows it) confirms it; otherwise the count cannot be protected: refused below
                    lo, hi = system.intervals(kn, [h], lower_one=positive())[h]
                    if hi - lo >= width - 1e-6:
                        bounds[h] = (lo, hi)
                        settled.add(h)
                        continue
                    comp = None
                if comp is None:
                    cell = occurrences[h][0]
                    raise DisclosureError(
                        f"cannot protect hidden count {cell[0]} row {cell[1]} {cell[2]}: no set of "
                        f"shown counts widens its provable range {_fmt(iv[h])} to {width}. Publish "
                        "the table at a coarser level or lower the protection width.")
                hc = occurrences[h][0]
                now = False
                for k in comp:
                    if k not in reason:
                        reason[k] = ("secondary", f"complement protecting {hc[0]} row {hc[1]} {hc[2]} "
                                                  f"(range {_fmt(iv[h])} narrower than {width})")
                        kn.pop(k, None)
                        added = now = True
                if now and pending:
                    # the new complements may already protect the other failing counts: look
                    # at all of them again at once (one batch, not one programme per count)
                    again = system.intervals(kn, pending, lower_one=positive(), width=width, truth=truth,
                                             check=budget, exact=False)
                    safe = {k for k in pending if again[k][1] - again[k][0] >= width - 1e-9}
                    bounds.update({k: again[k] for k in safe})
                    pending = [k for k in pending if k not in safe]
            if not added:
                if set(failing) <= settled:
                    break
                raise DisclosureError("secondary suppression made no progress; report this as a bug.")
            budget()
            # complements must be protected as well: a reader cannot tell them from primaries
            todo = failing + [k for k in reason if k not in bounds]
        else:  # pragma: no cover - defensive
            raise DisclosureError("secondary suppression did not converge; report this as a bug.")

    hidden_cells = {cell: reason[k] for k, cells in occurrences.items() if k in reason for cell in cells}
    derived: dict[tuple, tuple[str, str]] = {}
    share_cache: dict = {}
    for t in tables:
        for c in t.columns:
            if c.kind != "derived":
                continue
            for i in range(len(t.data)):
                srcs = [(t.id, i, b) for b in c.derived_from]
                if c.share_of:
                    srcs += [(t.id, j, b) for j in _share_rows(t, i, c.share_of, share_cache)
                             for b in c.derived_from]
                for ov in ([c.over] if isinstance(c.over, Mapping) else list(c.over or ())):
                    if ov.get("table") in by_id:
                        srcs += [(ov["table"], j, b) for j in _over_rows(t, i, by_id[ov["table"]], ov)
                                 for b in ov.get("columns", ())]
                hid = [s for s in srcs if s in hidden_cells]
                if hid:
                    derived[(t.id, i, c.name)] = ("derived", "calculated from hidden " + ", ".join(
                        (f"{s[0]} row {s[1]} {s[2]}" if s[0] != t.id else f"row {s[1]} {s[2]}") if s[1] != i
                        or s[0] != t.id else s[2] for s in hid))

    published = []
    for t in tables:
        df = t.data.copy().astype(object)
        for (tid, i, col) in list(hidden_cells) + list(derived):
            if tid == t.id:
                df.at[i, col] = MARK
        published.append(t.with_data(df))

    _labels: dict = {}

    def row_labels(tid):
        # every row's label text, once per table (not a DataFrame lookup per cell)
        if tid not in _labels:
            t = by_id[tid]
            cols = [[str(v) for v in t.data[c].tolist()] for c in t.label_columns]
            _labels[tid] = [" / ".join(col[i] for col in cols) for i in range(len(t.data))]
        return _labels[tid]

    rows = []
    for cell, (r, detail) in list(hidden_cells.items()) + list(derived.items()):
        t = by_id[cell[0]]
        lab = row_labels(cell[0])[cell[1]]
        k = system.index[cell_def[cell]] if cell in cell_def else None
        lo, hi = bounds.get(k, (np.nan, np.nan)) if k is not None else (np.nan, np.nan)
        rows.append({"table_id": cell[0], "row": cell[1], "row_label": lab, "column": cell[2],
                     "value": t.data.at[cell[1], cell[2]], "reason": r, "detail": detail,
                     "protection_low": lo, "protection_high": hi, "_k": _poskey(cell, order, by_id)})
    audit = pd.DataFrame(rows, columns=["table_id", "row", "row_label", "column", "value", "reason",
                                        "detail", "protection_low", "protection_high", "_k"])
    audit = audit.sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)

    eq_rows = []
    for cell, d in sorted(cell_def.items(), key=lambda kv: _poskey(kv[0], order, by_id)):
        k = system.index[d]
        eq_rows.append({"table_id": cell[0], "row": cell[1],
                        "row_label": row_labels(cell[0])[cell[1]],
                        "column": cell[2], "count": k, "definition": json.dumps(d.as_dict(), sort_keys=True),
                        "cells": " + ".join(f"x{int(v)}" for v in system.vectors[k])})
    eqs = pd.DataFrame(eq_rows, columns=["table_id", "row", "row_label", "column", "count", "definition", "cells"])

    loss = []
    for t in tables:
        n = sum(1 for (tid, _, _) in cell_def if tid == t.id)
        hid = [v for c, v in hidden_cells.items() if c[0] == t.id]
        loss.append({"table_id": t.id, "n_count_cells": n,
                     "n_primary": sum(1 for r, _ in hid if r == "primary"),
                     "n_secondary": sum(1 for r, _ in hid if r != "primary"),
                     "n_hidden_counts": len(hid),
                     "n_hidden_derived": sum(1 for c in derived if c[0] == t.id),
                     "percent_counts_hidden": (100.0 * len(hid) / n) if n else 0.0})
    loss = pd.DataFrame(loss)
    cells = {cell: system.defs[system.index[d]] for cell, d in cell_def.items()}
    zeros = sum(1 for k in reason if value.get(k) == 0)
    shown = {k: v for k, v in value.items() if v is not None and k not in reason}
    for k, v in earlier_known.items():
        shown.setdefault(k, v)
    pos = frozenset(k for k in reason if value.get(k) is None or value[k] >= 1)
    return SuppressionResult(published, audit, int(threshold), int(width), eqs, loss, cells, zeros,
                             system, shown, pos)


#: CPU seconds one suppression may take before it stops with a message (a size out of reach
#: is refused, never run for half an hour); docs/appendix.md gives the times measured
MAX_CPU_SECONDS = 900.0


def _within_budget(started: float, occurrences: dict, cell_def: dict, system) -> None:
    """Stop with a message naming the sizes when the suppression has used its CPU budget."""
    spent = time.process_time() - started
    if spent <= MAX_CPU_SECONDS:
        return
    per_table: dict = {}
    for (tid, _, _) in cell_def:
        per_table[tid] = per_table.get(tid, 0) + 1
    big = ", ".join(f"{t} {n:,}" for t, n in sorted(per_table.items(), key=lambda kv: -kv[1])[:3])
    raise DisclosureError(
        f"disclosure control stopped after {spent:.0f} CPU seconds (limit {MAX_CPU_SECONDS:.0f}): "
        f"{len(occurrences):,} counts over {system.n_vars:,} cells of records (largest tables: {big} "
        "count cells) are more than it can protect. Publish the unit tables at a coarser level "
        "(fewer, larger units: merge units in inputs.districts) or audit more cases per unit.")


def _share_rows(t: PublicationTable, i: int, share_of, _cache: dict) -> list[int]:
    """Rows whose counts a figure of row ``i`` also uses: ``share_of`` is
    ``{"where": {label: value}, "within": [label columns]}`` - the rows matching
    ``where`` that agree with row ``i`` on ``within`` (e.g. the Total row of the
    same sample for a share, the Kent row of the same criterion for a test
    against the rest of Kent)."""
    where = dict(share_of.get("where", {}))
    within = list(share_of.get("within", ()))
    key = (t.id, tuple(sorted(where.items())), tuple(within))
    if key not in _cache:
        cols = {c: [str(v) for v in t.data[c].tolist()] for c in set(where) | set(within)}
        idx: dict = {}
        for j in range(len(t.data)):
            if all(cols[c][j] == str(v) for c, v in where.items()):
                idx.setdefault(tuple(cols[c][j] for c in within), []).append(j)
        _cache[key] = (idx, cols)
    idx, cols = _cache[key]
    return idx.get(tuple(cols[c][i] for c in within), [])


def _over_rows(t: PublicationTable, i: int, other: PublicationTable, over) -> list[int]:
    """Rows of ``other`` whose counts a figure of row ``i`` of ``t`` is computed over
    (``over``: ``{"table", "within", "columns"}``): those agreeing with row ``i`` on ``within``."""
    within = list(over.get("within", ()))
    want = [str(t.data.at[i, c]) for c in within]
    cols = [[str(v) for v in other.data[c].tolist()] for c in within]
    return [j for j in range(len(other.data)) if all(col[j] == w for col, w in zip(cols, want))]


def _poskey(cell, order, by_id):
    t = by_id[cell[0]]
    names = [c.name for c in t.columns]
    return (order[cell[0]], cell[1], names.index(cell[2]) if cell[2] in names else 0)


def _fmt(iv) -> str:
    lo, hi = iv
    return f"[{lo:g}, {hi:g}]"


# ------------------------------------------------ statistics computed over hidden cells
#
# A shown figure that is computed over several rows (an adjusted p-value over its family,
# a funnel band whose limits use an overdispersion factor estimated from every district)
# tells a reader something about the hidden rows it was computed from. The two functions
# below keep the analysis's figure where it does not depend on any hidden row, whatever the
# hidden rows hold, and hide it as [c] where it does: the appendix never recomputes a figure
# over a smaller family than the analysis used (the same test gives the same number in the
# notebook, the reviewer pages and the appendix).

#: the funnel settings of the analysis (kentaudit.analysis.district_comparison calls
#: kentaudit.stats.funnel.funnel_table with these defaults); written into the table's metadata
#: so that the attack (kentaudit.publication.check.attack) can recompute the bands
FUNNEL_DEFAULTS = {"level": 0.998, "overdispersion": "auto", "adjust_rule": "significant", "alpha": 0.05,
                   "winsorise": 0.1, "winsorise_method": "order-statistic", "dispersion_centre": "overall"}


def _finite(v) -> bool:
    if isinstance(v, str) or v is None:
        return False
    try:
        return bool(np.isfinite(float(v)))
    except (TypeError, ValueError):  # pd.NA and other non-numbers: no p-value
        return False


def adjusted_p_bounds(p, hidden, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest adjusted p-value of every row of one family when the raw
    p-values of the ``hidden`` rows may be anything from 0 to 1.

    Holm's step-down, Benjamini-Hochberg's step-up and Bonferroni's adjusted p-values are
    non-decreasing in every raw p-value (tested on random families in
    ``tests/publication/test_derived_disclosure.py``), so the bounds are the adjustments with
    every hidden p-value at 0 and at 1.

    Parameters
    ----------
    p : array of float, the raw p-values of the family (the analysis's family: every testable row)
    hidden : array of bool, rows whose p-value a reader does not see
    method : the adjustment method (:func:`kentaudit.stats.multiplicity.adjust`)

    Returns
    -------
    (low, high): arrays of the bounds, in the order of ``p``.
    """
    p = np.asarray(p, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    lo = adjust(np.where(hidden, 0.0, p), method=method)["p_adjusted"].to_numpy()
    hi = adjust(np.where(hidden, 1.0, p), method=method)["p_adjusted"].to_numpy()
    return lo, hi


def _hide(t, i, col, detail, audit_rows, src_value):
    if t.data.at[i, col] == MARK:
        return
    t.data.at[i, col] = MARK
    lab = " / ".join(str(t.data.at[i, c]) for c in t.label_columns)
    audit_rows.append({"table_id": t.id, "row": i, "row_label": lab, "column": col, "value": src_value,
                       "reason": "derived", "detail": detail,
                       "protection_low": np.nan, "protection_high": np.nan})


def protect_adjusted_p(published, source, method: str) -> list[dict]:
    """Adjusted p-values as the analysis computed them, hidden where hidden rows set them.

    For every column declared ``adjusts: <raw p column>`` (grouped by its ``family``
    label columns; ``district_is_total`` keeps district rows apart from area rows), the
    family is the analysis's: every row of the group with a raw p-value (the unsuppressed
    ``source`` table). The shown value is the analysis's own adjusted p-value, never one
    recomputed over the shown rows. Where a row of the family is hidden (its adjusted or raw
    p-value is ``[c]``), a shown adjusted p-value is kept only if it is the same, at its
    published precision, for every raw p-value the hidden rows could have
    (:func:`adjusted_p_bounds`); otherwise it is hidden as ``[c]`` (Holm's running maximum
    or the rank of a hidden row would tell the reader where the hidden p-value lies).

    Parameters
    ----------
    published : list of PublicationTable, suppressed (changed in place)
    source : list of PublicationTable, the same tables unsuppressed
    method : the analysis's adjustment method

    Returns
    -------
    list of dict: audit rows (``reason`` ``derived``) for the p-values hidden here. Each
    table's ``adjustments`` records ``method``, ``basis`` and ``families`` (``key``, ``rows``:
    every row of the analysis's family, ``n_tests``, ``hidden_rows``), published in ``metadata.json``.

    Raises
    ------
    DisclosureError
        When the analysis's adjusted p-values are not the adjustment of its family as
        declared in the spec (the spec's ``family`` is wrong, or the results are).
    """
    by_id = {t.id: t for t in source}
    audit_rows = []
    for t in published:
        src = by_id[t.id].data
        for col, a in (t.adjustments or {}).items():
            raw, fam_cols = a["raw"], list(a.get("family") or [])
            dec = next((c.decimals for c in t.columns if c.name == col), None)
            dec = 3 if dec is None else int(dec)

            def key(i, src=src, fam_cols=fam_cols):
                return tuple(_is_total(src.at[i, "district"]) if c == "district_is_total"
                             else str(src.at[i, c]) for c in fam_cols)

            fams: dict = {}
            for i in range(len(src)):
                if _finite(src.at[i, raw]):
                    fams.setdefault(key(i), []).append(i)
            out = []
            for k, rows in fams.items():
                p = np.array([float(src.at[i, raw]) for i in rows])
                mine = np.array([float(src.at[i, col]) if _finite(src.at[i, col]) else np.nan for i in rows])
                again = adjust(p, method=method)["p_adjusted"].to_numpy()
                if not np.allclose(again, mine, rtol=1e-9, atol=1e-12, equal_nan=False):
                    raise DisclosureError(
                        f"{t.id} {col}: the analysis's adjusted p-values are not the {method} adjustment of "
                        f"the family {list(k)} ({len(rows)} rows) declared in the appendix spec; the spec's "
                        "`family` must name the analysis's family.")
                hidden = np.array([t.data.at[i, raw] == MARK or t.data.at[i, col] == MARK
                                   for i in rows])
                hid_rows = [i for i, h in zip(rows, hidden) if h]
                if hidden.any():
                    lo, hi = adjusted_p_bounds(p, hidden, method)
                    for j, i in enumerate(rows):
                        if hidden[j]:
                            continue
                        if round_half_away(float(lo[j]), dec) != round_half_away(float(hi[j]), dec):
                            _hide(t, i, col, f"{method} adjusted p-value over a family of {len(rows)} with "
                                  f"{len(hid_rows)} hidden rows: it would tell where their p-values lie "
                                  f"(between {lo[j]:.4g} and {hi[j]:.4g} as they vary)", audit_rows,
                                  src.at[i, col])
                out.append({"key": [str(x) for x in k], "rows": rows, "n_tests": len(rows),
                            "hidden_rows": hid_rows})
            a.update({"method": method, "basis": "the analysis's family: every testable row, shown or hidden",
                      "families": out})
    return audit_rows


def _band(p, lo, hi) -> str:
    return "above" if p > hi else "below" if p < lo else "within"


def protect_funnel_bands(published, source, *, target, method: str, column: str = "funnel_band",
                         settings: dict | None = None) -> list[dict]:
    """Funnel bands as the analysis computed them, hidden where hidden districts could change them.

    A district's band (within, below or above the outer funnel limits) is set by its own
    counts, the target and the limits; the limits are widened by the overdispersion
    (tau-squared) that the analysis estimates over every district of the criterion, so where
    a district of the criterion has a hidden count the band of a shown district tells the
    reader something about the hidden counts (a reader can try every split of them and keep
    those that reproduce the bands). Random-effects limits widen as tau-squared grows, and
    without bound, so a band is the same for every value the hidden counts could take
    exactly when the district lies within both the unadjusted limits (``method``) and the
    random-effects limits at tau-squared 0 (normal): then it is shown; any other band of
    such a criterion is hidden as ``[c]``. Criteria whose district counts are all shown keep
    every band. With ``target == "overall"`` the target is the criterion's pooled proportion
    (the authority's row); when that row is hidden, every band of the criterion is hidden.

    Parameters
    ----------
    published, source : lists of PublicationTable (suppressed, changed in place; unsuppressed)
    target : float or "overall"
    method : the funnel limits method of the analysis
    column : the band column (tables without it are left alone)
    settings : the funnel settings written beside the table (default :data:`FUNNEL_DEFAULTS`)

    Returns
    -------
    list of dict: audit rows (``reason`` ``derived``) for the bands hidden here. The table's
    ``defines["funnel"]`` records the band's definition (column, target, method and settings)
    for the attack.
    """
    settings = {**FUNNEL_DEFAULTS, **(settings or {})}
    audit_rows = []
    for t in published:
        if column not in t.data.columns or "district" not in t.data.columns:
            continue
        df = t.data
        t.defines = {**(t.defines or {}), "funnel": {"column": column, "target": target, "method": method,
                                                       **settings}}
        for crit, idx in df.groupby(df["criterion"].astype(str), sort=False).groups.items():
            idx = list(idx)
            dist = [i for i in idx if not _is_total(df.at[i, "district"])]
            hidden = [i for i in dist if MARK in (df.at[i, "n_yes"], df.at[i, "n_denominator"])]
            if not hidden:
                continue
            p0 = target
            if isinstance(target, str):
                kent = [i for i in idx if _is_total(df.at[i, "district"])
                        and str(df.at[i, "area"]) not in {str(df.at[j, "area"]) for j in dist}]
                k = kent[0] if len(kent) == 1 else None
                p0 = (None if k is None or MARK in (df.at[k, "n_yes"], df.at[k, "n_denominator"])
                      or not float(df.at[k, "n_denominator"])
                      else float(df.at[k, "n_yes"]) / float(df.at[k, "n_denominator"]))
            for i in dist:
                band = df.at[i, column]
                if band not in ("within", "above", "below"):
                    continue  # [c] already, or "not assessed"
                keep = False
                if p0 is not None and 0 < p0 < 1:
                    x, n = float(df.at[i, "n_yes"]), float(df.at[i, "n_denominator"])
                    lev = float(settings["level"])
                    plain = funnel_limits([n], p0, (lev,), method).iloc[0]
                    normal = funnel_limits([n], p0, (lev,), "normal").iloc[0]
                    keep = (band == "within" and _band(x / n, plain["limit_low"], plain["limit_high"]) == "within"
                            and _band(x / n, normal["limit_low"], normal["limit_high"]) == "within")
                if not keep:
                    _hide(t, i, column, f"band of criterion {crit}, where {len(hidden)} district(s) have hidden "
                          "counts: the overdispersion of its limits is estimated over them, and this band "
                          "is not the same for every value they could take", audit_rows, band)
    return audit_rows


# ------------------------------------------------ the design-based authority-wide estimate
#
# The authority-wide estimate (T15) is computed over every unit's counts (T7's rows): a
# weighted combination of the strata, sum_h w_h y_h / sum_h w_h m_h with w_h = N_h / n_h. Hiding
# it whenever one unit's count is hidden over-protects: a weighted sum of many strata tells a
# reader about one stratum only when, with everything else shown, it pins that stratum's count
# down. Like the funnel bands, the estimate is therefore checked as the relation it is (a reader
# is assumed to know the frame sizes N_h, the interval method and the files n_h that Table 3
# shows; a file count it hides is one more hidden count, bounded by what the reader can prove and
# by N_h, entering the weights and the variance as n_h does): every
# table of the criterion's hidden counts that a reader cannot rule out from the shown counts is
# tried (an exact search with interval cuts: kentaudit.publication.design_relation), the estimate
# and its interval recomputed and rounded as published, and the estimate is shown when the tables
# reproducing it still leave every hidden count a range of at least the protection width, or all
# of the range a reader knows without it where that is narrower (a hidden file count bounded by
# its frame). Otherwise it stays hidden, and the audit names the count it would reveal.

# the search over one criterion's hidden counts is exact and stops past
# kentaudit.publication.design_relation.MAX_DESIGN_NODES nodes (the estimate then stays hidden)
#: the coarsest rounding the estimate and its limits are published at (decimals of their column's
#: scale: 0 = whole percentages) before they are hidden
MIN_DESIGN_DECIMALS = 0
#: the spec's note a table rounded coarser refers to
ROUNDED_NOTE = "rounded_coarser"


def _design_setup(sup, by_src, by_pub, i, frame, conf_level, estimate, strata, audits):
    """The stratum counts behind row ``i`` of the estimate table, or a reason it is not checked."""
    est_src = by_src[estimate].data
    st_src = by_src[strata].data
    au_src = by_src[audits].data
    cols = [c for c in ("estimate", "conf_low", "conf_high") if c in est_src.columns]
    crit, smp = str(est_src.at[i, "criterion"]), str(est_src.at[i, "sample"])
    rows = [j for j in range(len(st_src)) if str(st_src.at[j, "criterion"]) == crit
            and not _is_total(st_src.at[j, "district"]) and str(st_src.at[j, "district"]) in frame]
    au_rows = [j for j in range(len(au_src))
               if str(au_src.at[j, "sample"]) == smp and not _is_total(au_src.at[j, "district"])]
    n_of = {str(au_src.at[j, "district"]): _num(au_src.at[j, "n_audits"]) for j in au_rows}
    au_row = {str(au_src.at[j, "district"]): j for j in au_rows}
    units = [str(st_src.at[j, "district"]) for j in rows]
    if " + " in smp or not rows or any(not n_of.get(u) for u in units) or set(n_of) != set(units):
        return "not the stratified estimate of one sample's unit rows: not checked"
    y = np.array([float(st_src.at[j, "n_yes"]) for j in rows])
    m = np.array([float(st_src.at[j, "n_denominator"]) for j in rows])
    n = np.array([float(n_of[u]) for u in units])
    N = np.array([float(frame[u]) for u in units])
    truth = [float(est_src.at[i, c]) if _num(est_src.at[i, c]) is not None else np.nan for c in cols]
    mine = stratified_logit_many(y, m, n, N, conf_level)
    if not np.allclose([v[0] for v in mine][:len(cols)], truth, rtol=1e-9, atol=1e-12, equal_nan=True):
        return "the estimate is not the stratified estimate of the unit rows: not checked"
    dec = {c.name: (1 if c.decimals is None else int(c.decimals)) for c in by_pub[estimate].columns}
    scale = {c.name: float(c.scale or 1) for c in by_pub[estimate].columns}
    raw = {c: _num(est_src.at[i, c]) for c in cols}
    shown = {c: None if raw[c] is None else round_half_away(raw[c] * scale[c], dec[c]) for c in cols}
    # each unit count's definition (the shown sums over units are read from them)
    # (a unit's files are a count of the audits table: hidden there, the reader does not know them)
    cell = {(p, "n_audits"): (audits, au_row[u], "n_audits") for p, u in enumerate(units)}
    cell.update({(p, c): (strata, j, c) for p, j in enumerate(rows) for c in ("n_yes", "n_denominator")})
    defs = {pc: sup.system.index[sup.cells[key]] for pc, key in cell.items() if key in sup.cells}
    return {"crit": crit, "rows": rows, "units": units, "y": y, "m": m, "n": n, "N": N, "cols": cols,
            "dec": dec, "scale": scale, "shown": shown, "raw": raw, "defs": defs, "cell": cell}


def _cell_name(S: dict, p: int, c: str) -> str:
    """A unit count of the estimate's check as the audit names it ("T7 row 10 n_yes (V1)")."""
    table, row, col = S["cell"][(p, c)]
    return f"{table} row {row} {col} ({S['units'][p]})"


def _coarser(S: dict, d: int) -> dict:
    """``S`` as published with the estimate and its limits rounded to ``d`` decimals (no more
    than their column's)."""
    dec = {c: min(S["dec"][c], d) for c in S["cols"]}
    shown = {c: None if S["raw"][c] is None else round_half_away(S["raw"][c] * S["scale"][c], dec[c])
             for c in S["cols"]}
    return {**S, "dec": {**S["dec"], **dec}, "shown": shown}


def _coarsest_safe(sup, S, hid, known, positive, conf_level):
    """The most decimals, fewer than the column's and at least :data:`MIN_DESIGN_DECIMALS`, at
    which the published estimate and limits narrow no hidden count: ``(decimals, tables tried)``,
    or ``(None, tables tried)`` when none does."""
    tried = 0
    for d in range(min(S["dec"][c] for c in S["cols"]) - 1, MIN_DESIGN_DECIMALS - 1, -1):
        narrow, n = _design_narrows(sup, _coarser(S, d), hid, known, positive, conf_level)
        tried += n
        if narrow is None:
            return d, tried
        if narrow[1] is None:  # too many tables (or none reproduces it): no coarser rounding helps
            break
    return None, tried


def _design_narrows(sup, S, hid, known, positive, conf_level):
    """Whether the published estimate narrows a hidden count of its criterion below the width
    (below its a priori range where that is narrower: :func:`~kentaudit.publication.design_relation.narrowed`);
    hidden files (``"n_audits"`` in ``hid``) are unknowns of the search
    (:class:`~kentaudit.publication.design_relation.FilesHidden`).

    ``hid``: ``[(definition index, position in S["rows"], column)]`` hidden; ``known`` the shown
    counts. Returns ``(None, nodes searched)`` when it narrows none, else ``((k, lo, hi), nodes)``
    (``lo`` None: no table of counts reproduces it, or more than the search may try)."""
    system, width = sup.system, float(sup.width)
    ks = list(dict.fromkeys(k for k, _, _ in hid))
    pos_k = {k: q for q, k in enumerate(ks)}
    hidden = [[] for _ in ks]
    for k, p, c in hid:
        hidden[pos_k[k]].append((p, c))
    lower = [k for k in positive if k not in known]
    rng_ = system.intervals(known, ks, lower_one=lower)
    box = []
    m_hidden = {p for pos in hidden for p, c in pos if c == "n_denominator"}
    n_hidden = {p for pos in hidden for p, c in pos if c == "n_audits"}
    for q, k in enumerate(ks):
        lo = max(int(np.ceil(rng_[k][0] - 1e-9)), 1 if k in positive else 0)
        # a unit's files are at most its frame, its counts at most its files (at most its frame where
        # its files are hidden: FilesHidden caps them at each value of the files), a yes count at most
        # its shown answered count
        cap = min(S["N"][p] if c == "n_audits" or p in n_hidden else
                  S["n"][p] if c == "n_denominator" or p in m_hidden else S["m"][p] for p, c in hidden[q])
        box.append((lo, int(min(np.floor(min(rng_[k][1], 10**6) + 1e-9), cap))))
    rel = FilesHidden(S["y"], S["m"], S["n"], S["N"], hidden, box, _design_groups(system, S, hid, known),
                   S["cols"], S["shown"], S["dec"], S["scale"], conf_level,
                   allowed=_feasibility(system, known, ks,
                                        [k for k in positive if k not in known and k not in ks]
                                        + [k for k in ks if k in positive]))
    try:
        out = narrowed(rel, width)
    except SearchLimit:
        return (ks[0], None, None), rel.nodes
    if out is None:
        return None, rel.nodes
    q, lo, hi = out
    return (ks[q], lo, hi), rel.nodes


def _design_groups(system, S, hid, known) -> list:
    """Shown sums over units of the criterion's unit counts (an area's or the authority's row),
    as ``(hidden count positions, sum less the shown units' part)``: a shown count whose records
    are exactly those of some unit counts of one column."""
    ks = list(dict.fromkeys(k for k, _, _ in hid))
    pos_k = {k: q for q, k in enumerate(ks)}
    where = {}   # unit count definition -> (hidden position or None, value)
    for (p, c), k in S["defs"].items():
        where[k] = (pos_k.get(k), float({"n_yes": S["y"], "n_denominator": S["m"], "n_audits": S["n"]}[c][p]), c)
    cells = {}
    for k in where:
        for v in system.vectors[k]:
            cells.setdefault(int(v), []).append(k)
    hidden_cells = {int(v) for k in ks for v in system.vectors[k]}
    out = []
    for K, val in known.items():
        vec = system.vectors[K]
        if K in where or not hidden_cells.intersection(map(int, vec)):
            continue
        members = {m for v in vec for m in cells.get(int(v), ())}
        if len({where[m][2] for m in members}) != 1:
            continue
        got = sorted(int(v) for m in members for v in system.vectors[m])
        if got != sorted(map(int, vec)):
            continue  # not exactly a sum of unit counts (or they overlap)
        js = [where[m][0] for m in members if where[m][0] is not None]
        shown = sum(where[m][1] for m in members if where[m][0] is None)
        if js:
            out.append((js, float(val) - shown))
    return out


#: the linear systems :func:`_feasibility` built, and what each answered, by what they depend on
#: (the system, the shown counts, the hidden counts, those at least 1): the same relation is
#: searched again and again (at each rounding, with each complement tried); a few kept
_FEASIBILITY: dict = {}
_FEASIBILITY_KEPT = 16


class _Feasible:
    """:func:`_feasible` of the shown counts ``known`` with the hidden counts ``ks`` at given
    values, as a callable of those values: the same linear programme (the same rows, in the same
    order), its matrix built once and its answers kept."""

    def __init__(self, system, known: dict, ks: list, lower_one):
        order = list({**known, **{k: 0.0 for k in ks}})
        at = {k: r for r, k in enumerate(order)}
        rows = system.equations({k: known.get(k, 0.0) for k in order})
        n_struct = len(rows) - len(order)
        self.slots = [n_struct + at[k] for k in ks]
        data, ri, ci, b = [], [], [], []
        for r, (vs, cs, rhs, _) in enumerate(rows):
            for v, c in zip(vs, cs):
                ri.append(r)
                ci.append(int(v))
                data.append(float(c))
            b.append(float(rhs))
        ud, ur, uc, ub = [], [], [], []
        for q, k in enumerate(lower_one):
            for v in system.vectors[k]:
                ur.append(q)
                uc.append(int(v))
                ud.append(-1.0)
            ub.append(-1.0)
        self.n_vars = system.n_vars
        self.b = np.array(b, dtype=float)
        self.a_eq = csr_matrix((data, (ri, ci)), shape=(len(b), system.n_vars))
        self.a_ub = csr_matrix((ud, (ur, uc)), shape=(len(ub), system.n_vars)) if ub else None
        self.b_ub = ub or None
        self.answers: dict = {}

    def __call__(self, vals) -> bool:
        key = tuple(float(v) for v in vals)
        if key not in self.answers:
            b = self.b.copy()
            b[self.slots] = key
            res = linprog(np.zeros(self.n_vars), A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=b,
                          bounds=(0, None), method="highs")
            self.answers[key] = res.status == 0
        return self.answers[key]


def _feasibility(system, known: dict, ks: list, lower_one) -> _Feasible:
    """The :class:`_Feasible` of these shown counts, hidden counts and counts at least 1 (one
    built for the same ones before, with its answers, where there is one)."""
    key = (id(system), tuple(known.items()), tuple(ks), tuple(lower_one))
    got = _FEASIBILITY.get(key)
    if got is None or got[0] is not system:
        if len(_FEASIBILITY) >= _FEASIBILITY_KEPT:
            _FEASIBILITY.pop(next(iter(_FEASIBILITY)))
        got = _FEASIBILITY[key] = (system, _Feasible(system, known, ks, lower_one))
    return got[1]


def _feasible(system, known: dict, lower_one) -> bool:
    """Whether a table of finest cells (>= 0) has every count of ``known`` and every count of
    ``lower_one`` >= 1: one linear programme over every equation, nothing substituted first
    (a count fixed by the others must agree with them)."""
    return _Feasible(system, known, [], lower_one)(())


def _design_hidden(sup, S, by_pub):
    """The criterion's unit counts hidden: yes, answered and files (``[(definition, position, column)]``)."""
    hid = []
    for p in range(len(S["rows"])):
        for c in ("n_yes", "n_denominator", "n_audits"):
            table, row, col = S["cell"][(p, c)]
            if (table, row, col) in sup.cells and by_pub[table].data.at[row, col] == MARK:
                hid.append((sup.system.index[sup.cells[(table, row, col)]], p, c))
    return hid


def design_complements(sup: SuppressionResult, source, *, frame: Mapping, conf_level: float = 0.95,
                       estimate: str = "T15", strata: str = "T7", audits: str = "T3",
                       max_tries: int = 8) -> dict:
    """Unit counts to hide so that the design-based estimate can be shown ("protecting a
    different cell"): for each criterion whose estimate :func:`suppress` hid and whose published
    estimate would narrow a hidden unit count below the width, the cheapest shown ``n_yes`` of
    another unit of the criterion (smallest first, at most ``max_tries``) with which it no
    longer does. A unit count costs a reader far less than the authority's headline (the cost
    rule of :func:`suppress`, :data:`KENT_PENALTY`).

    Returns
    -------
    dict ``{(table id, row, column): reason}``: the cells to hide (give them to :func:`suppress`
    as ``force``, which protects them as it protects every complement).
    """
    by_src = {t.id: t for t in source}
    by_pub = {t.id: t for t in sup.tables}
    if not {estimate, strata, audits} <= set(by_src) or sup.system is None:
        return {}
    est_pub = by_pub[estimate].data
    st_src = by_src[strata].data
    out = {}
    for i in range(len(est_pub)):
        if est_pub.at[i, "estimate"] != MARK:
            continue
        S = _design_setup(sup, by_src, by_pub, i, frame, conf_level, estimate, strata, audits)
        if isinstance(S, str):
            continue
        hid = _design_hidden(sup, S, by_pub)
        if not hid:
            continue
        narrow, _ = _design_narrows(sup, S, hid, sup.known, sup.positive, conf_level)
        if narrow is None or narrow[1] is None:
            continue
        # coarser rounding of the estimate and its limits costs a reader less than hiding unit
        # counts (each with its percentage, interval, band and tests): no complement is sought
        # where it suffices (protect_design_estimate publishes it so)
        if _coarsest_safe(sup, S, hid, sup.known, sup.positive, conf_level)[0] is not None:
            continue
        hidden_pos = {p for _, p, _ in hid}
        # units beside a hidden one first (of its area: a count alone in its area would be
        # pinned by the area's row), then the smallest counts
        area_of = {p: str(st_src.at[S["rows"][p], "area"]) for p in range(len(S["rows"]))}
        hidden_areas = {area_of[p] for p in hidden_pos}
        cands = sorted((p for p in range(len(S["rows"])) if p not in hidden_pos and S["y"][p] > 0
                        and sup.system.index[sup.cells[(strata, S["rows"][p], "n_yes")]] in sup.known),
                       key=lambda p: (area_of[p] not in hidden_areas, S["y"][p], p))[:max_tries]
        # one more unit count, cheapest first; then two (the cheapest few in pairs)
        sets = [(p,) for p in cands] + list(itertools.combinations(cands[:5], 2))
        for ps in sets:
            ks = [sup.system.index[sup.cells[(strata, S["rows"][p], "n_yes")]] for p in ps]
            known = {kk: v for kk, v in sup.known.items() if kk not in ks}
            try:
                again, _ = _design_narrows(sup, S, hid + [(k, p, "n_yes") for k, p in zip(ks, ps)], known,
                                           sup.positive | set(ks), conf_level)
                if again is not None and again[1] is not None:  # or with it rounded coarser
                    h2 = hid + [(k, p, "n_yes") for k, p in zip(ks, ps)]
                    if _coarsest_safe(sup, S, h2, known, sup.positive | set(ks), conf_level)[0] is not None:
                        again = None
            except DisclosureError:  # pragma: no cover - defensive
                continue
            if again is None:
                why = (f"complement protecting the design-based estimate of {estimate} criterion "
                       f"{S['crit']} (it would narrow a hidden count)")
                for p in ps:
                    out[(strata, S["rows"][p], "n_yes")] = why
                # the complements already hidden stay hidden: the estimate was checked with them
                for _, q, c in hid:
                    out.setdefault(S["cell"][(q, c)], why)
                break
    return out


def protect_design_estimate(sup: SuppressionResult, source, *, frame: Mapping, conf_level: float = 0.95,
                            estimate: str = "T15", strata: str = "T7", audits: str = "T3") -> list[dict]:
    """Show the design-based estimate wherever it reveals no hidden count (see above).

    :func:`suppress` hides every figure of ``estimate`` whose criterion has a hidden count in
    ``strata`` (its ``over:``). For each such criterion, when the estimate is the stratified
    estimate of ``strata``'s unit rows of one sample (``estimate``'s ``sample`` is the one sample
    ``audits`` counts files of, and the estimate recomputed from the unit rows is the published
    one) this finds, by an exact search (:mod:`kentaudit.publication.design_relation`), the
    tables of the hidden unit counts within the ranges a reader can prove whose estimate and
    logit interval, rounded as published, equal the published ones and that the linear system
    allows (shown counts, cells >= 0, hidden counts >= 1), and shows the estimate and its limits
    when each hidden count (yes, answered, and the files of ``audits`` it hides, unknown to the
    reader) still spans ``sup.width`` over them, or all of its range without the estimate where
    that is narrower (a hidden file count bounded by its frame).

    Parameters
    ----------
    sup : the result of :func:`suppress` (changed in place: tables, audit and loss)
    source : list of PublicationTable, unsuppressed
    frame : ``{unit: N_h}`` the frame sizes (children in scope) the estimate weights by
    conf_level : the confidence level of the interval

    Returns
    -------
    list of dict, one per criterion whose estimate was looked at: ``criterion``, ``shown``
    (bool), ``hidden_counts`` (the unit cells hidden), ``forcing`` (the count the estimate
    would narrow, or why it was not checked), ``tables_tried`` (steps of the search).
    """
    by_src = {t.id: t for t in source}
    by_pub = {t.id: t for t in sup.tables}
    if not {estimate, strata, audits} <= set(by_src) or sup.system is None:
        return []
    est_src, est_pub = by_src[estimate].data, by_pub[estimate].data
    report, restored = [], set()
    for i in range(len(est_pub)):
        cols = [c for c in ("estimate", "conf_low", "conf_high") if c in est_pub.columns]
        if not any(est_pub.at[i, c] == MARK for c in cols):
            continue
        rec = {"criterion": str(est_src.at[i, "criterion"]), "shown": False, "hidden_counts": [],
               "forcing": "", "tables_tried": 0}
        report.append(rec)
        S = _design_setup(sup, by_src, by_pub, i, frame, conf_level, estimate, strata, audits)
        if isinstance(S, str):
            rec["forcing"] = S
            continue
        hid = _design_hidden(sup, S, by_pub)
        rec["hidden_counts"] = [_cell_name(S, p, c) for _, p, c in hid]
        if not hid:
            rec["forcing"] = "hidden for another reason"
            continue
        narrow, rec["tables_tried"] = _design_narrows(sup, S, hid, sup.known, sup.positive, conf_level)
        coarse = None
        if narrow is not None:
            k, lo, hi = narrow
            p, c = next((p, c) for kk, p, c in hid if kk == k)
            where = (f"{_cell_name(S, p, c)}: " + (
                f"the estimate would narrow it to [{lo:g}, {hi:g}]" if lo is not None else
                f"more than {rec['tables_tried'] - 1:,} steps of the search over the hidden counts, more than can be tried"))
            # published at fewer decimals, when that keeps every hidden count wide enough
            coarse, n = _coarsest_safe(sup, S, hid, sup.known, sup.positive, conf_level) if lo is not None \
                else (None, 0)
            rec["tables_tried"] += n
            if coarse is None:
                tried = lo is not None and min(S["dec"][c] for c in S["cols"]) > MIN_DESIGN_DECIMALS
                rec["forcing"] = where + (f", and at {MIN_DESIGN_DECIMALS} decimals too" if tried else "")
                continue
            rec["rounded"] = {"decimals": coarse, "because": where}
        rec["shown"] = True
        for c in cols:
            if est_pub.at[i, c] == MARK:
                est_pub.at[i, c] = est_src.at[i, c]
                restored.add((estimate, i, c))
            if coarse is not None and S["dec"].get(c, coarse) > coarse:
                by_pub[estimate].cell_decimals[(i, c)] = coarse
        if coarse is not None and ROUNDED_NOTE not in by_pub[estimate].notes:
            by_pub[estimate].notes = [*by_pub[estimate].notes, ROUNDED_NOTE]
    _restored(sup, restored, report, estimate, est_src)
    return report


def _restored(sup, restored: set, report: list, table: str, src: pd.DataFrame) -> None:
    """Take the cells shown again out of the audit and the loss; name the forcing count in the
    audit of the cells still hidden."""
    if restored:
        keep = [(r.table_id, int(r.row), r.column) not in restored for r in sup.audit.itertuples()]
        sup.audit = sup.audit[keep].reset_index(drop=True)
        if sup.loss is not None and len(sup.loss):
            sup.loss["n_hidden_derived"] = [int(v) - (sum(1 for x in restored if x[0] == t))
                                            for t, v in zip(sup.loss["table_id"], sup.loss["n_hidden_derived"])]
    for rec in report:
        if rec["forcing"]:
            for r in sup.audit.index[(sup.audit["table_id"] == table) & (sup.audit["reason"] == "derived")]:
                if str(src.at[int(sup.audit.at[r, "row"]), "criterion"]) == rec["criterion"]:
                    sup.audit.at[r, "detail"] = f"{sup.audit.at[r, 'detail']}; checked as a relation: {rec['forcing']}"


#: at most this many tables of one criterion's hidden unit counts are tried for the shrunken
#: estimates (each is a refit of the hierarchical model; else they stay hidden)
MAX_SHRUNKEN_TABLES = 200
#: the shrunken-estimate columns a shown unit's row publishes (each compared at its precision)
SHRUNKEN_COLUMNS = ("estimate", "conf_low", "conf_high", "prob_below_target", "rank_low", "rank_high")


def protect_shrunken(sup: SuppressionResult, source, *, settings: Mapping, table: str = "T12") -> list[dict]:
    """Shrunken estimates of the units whose counts are shown, wherever they reveal no hidden count.

    :func:`suppress` hides every shrunken figure of a criterion with a hidden unit count (its
    ``share_of``): the prior is fitted over every unit, so the shown units' estimates, intervals,
    probabilities and rank intervals depend on the hidden counts. The rule (docs/appendix.md,
    "Shrunken estimates of units with hidden counts"):

    * a unit whose count is hidden keeps every shrunken figure hidden: its posterior mean is
      monotone in its yes count, so with the prior (which two shown units give) it reveals it;
    * the other units' figures are shown when every table of the hidden counts within the ranges
      a reader can prove that the linear system allows, refitted with the analysis's own model,
      draws and seed (``settings``: ``method``, ``n_draws``, ``seed``, ``conf_level``,
      ``target``) and reproducing every shown figure at its published precision, still leaves
      each hidden count a range of at least the protection width; otherwise they stay hidden and
      the audit names the count they would narrow.

    Returns
    -------
    list of dict per criterion looked at: ``criterion``, ``shown``, ``forcing``, ``tables_tried``.
    """
    by_src = {t.id: t for t in source}
    by_pub = {t.id: t for t in sup.tables}
    if table not in by_src or sup.system is None:
        return []
    src, pub = by_src[table].data, by_pub[table].data
    spec_cols = {c.name: c for c in by_pub[table].columns}
    cols = [c for c in SHRUNKEN_COLUMNS if c in spec_cols]
    system, width = sup.system, float(sup.width)
    report, restored = [], set()
    for crit, idx in src.groupby(src["criterion"].astype(str), sort=False).groups.items():
        rows = [int(j) for j in idx if not _is_total(src.at[j, "district"])]
        hid_rows = [j for j in rows if MARK in (pub.at[j, "n_yes"], pub.at[j, "n_denominator"])]
        if not hid_rows or not any(pub.at[j, c] == MARK for j in rows if j not in hid_rows for c in cols):
            continue
        rec = {"criterion": crit, "shown": False, "forcing": "", "tables_tried": 0}
        report.append(rec)

        def fit(y, m, rows=rows):
            counts = pd.DataFrame({"district": [str(src.at[j, "district"]) for j in rows], "n_yes": y,
                                   "n_denominator": m})
            return shrink(counts, target=settings.get("target"), conf_level=float(settings.get("conf_level", 0.95)),
                          method=str(settings.get("method", "hierarchical")),
                          n_draws=int(settings.get("n_draws", 4000)), seed=int(settings.get("seed", 20090101)))

        y0 = np.array([float(src.at[j, "n_yes"]) for j in rows])
        m0 = np.array([float(src.at[j, "n_denominator"]) for j in rows])
        try:
            again = fit(y0, m0)
        except KentauditError as exc:
            rec["forcing"] = f"the model could not be refitted ({exc}): not checked"
            continue
        shown_rows = [p for p, j in enumerate(rows) if j not in hid_rows]

        def published(v, c):
            v, col = _num(v), spec_cols[c]
            return None if v is None else round_half_away(v * float(col.scale or 1),
                                                          0 if col.decimals is None else int(col.decimals))

        truth = {(p, c): published(src.at[rows[p], c], c) for p in shown_rows for c in cols}
        if any(published(again.at[p, c], c) != truth[(p, c)] for p in shown_rows for c in cols):
            rec["forcing"] = "the analysis's shrunken estimates are not reproduced by refitting: not checked"
            continue
        hid = [(system.index[sup.cells[(table, rows[p], c)]], p, c) for p in range(len(rows))
               for c in ("n_yes", "n_denominator") if rows[p] in hid_rows and pub.at[rows[p], c] == MARK]
        ks = list(dict.fromkeys(k for k, _, _ in hid))
        if float(max(width, 1) + 1) ** len(ks) > 50 * MAX_SHRUNKEN_TABLES:
            rec["forcing"] = f"{len(ks)} hidden counts: more tables of them than can be tried"
            continue
        rng_ = system.intervals(sup.known, ks, lower_one=sup.positive)
        spans = [range(int(np.ceil(rng_[k][0] - 1e-9)), int(np.floor(min(rng_[k][1], 10**6) + 1e-9)) + 1) for k in ks]
        size = int(np.prod([float(len(r)) for r in spans]))
        if size > 50 * MAX_SHRUNKEN_TABLES or size == 0:
            rec["forcing"] = f"{size:,} tables of the hidden counts: more than can be tried"
            continue
        grid = np.array(np.meshgrid(*spans, indexing="ij")).reshape(len(ks), -1).T
        pos_k = {k: q for q, k in enumerate(ks)}
        groups = [g for g in (("estimate", "conf_low", "conf_high"), ("prob_below_target",),
                              ("rank_low", "rank_high")) if set(g) <= set(cols)]
        kept, tried = [], 0
        for r in range(len(grid)):
            y, m = y0.copy(), m0.copy()
            for k, p, c in hid:
                (y if c == "n_yes" else m)[p] = grid[r, pos_k[k]]
            if np.any((y < 0) | (y > m)) or any(grid[r, pos_k[k]] < 1 for k in ks if k in sup.positive):
                continue
            kn = {**sup.known, **{k: float(grid[r, pos_k[k]]) for k in ks}}
            if not _feasible(system, kn, [k for k in sup.positive if k not in kn]):
                continue
            tried += 1
            if tried > MAX_SHRUNKEN_TABLES:
                break
            f = fit(y, m)
            kept.append((grid[r], [all(published(f.at[p, c], c) == truth[(p, c)] for p in shown_rows for c in g)
                                   for g in groups]))
        rec["tables_tried"] = tried
        if tried > MAX_SHRUNKEN_TABLES:
            rec["forcing"] = f"more than {MAX_SHRUNKEN_TABLES} tables of the hidden counts: not tried"
            continue
        # the columns are added a group at a time (estimates with their intervals, the probability
        # below the standard, the rank intervals), each kept only if the hidden counts still span
        # the width over the tables reproducing every group kept so far
        accepted, why = [], []
        for q, g in enumerate(groups):
            trial = accepted + [q]
            rows_kept = np.array([v for v, ok in kept if all(ok[t] for t in trial)])
            narrow = next((k for k in ks if not len(rows_kept) or
                           rows_kept[:, pos_k[k]].max() - rows_kept[:, pos_k[k]].min() < width - 1e-9), None)
            if narrow is None:
                accepted.append(q)
                continue
            p, c = next((p, c) for kk, p, c in hid if kk == narrow)
            span = (f"[{rows_kept[:, pos_k[narrow]].min():g}, {rows_kept[:, pos_k[narrow]].max():g}]"
                    if len(rows_kept) else "nothing")
            why.append(f"{', '.join(g)} would narrow {table} row {rows[p]} {c} "
                       f"({src.at[rows[p], 'district']}) to {span}")
        rec["forcing"] = "; ".join(why)
        rec["shown"] = bool(accepted)
        rec["columns_shown"] = [c for q in accepted for c in groups[q]]
        for p in shown_rows:
            for c in rec["columns_shown"]:
                if pub.at[rows[p], c] == MARK:
                    pub.at[rows[p], c] = src.at[rows[p], c]
                    restored.add((table, rows[p], c))
    _restored(sup, restored, report, table, src)
    return report
