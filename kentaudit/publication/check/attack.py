"""An intruder's attack on a published appendix, independent of the code that suppressed it.

Imports nothing from :mod:`kentaudit.publication.disclosure`, :mod:`kentaudit.publication.cells` or the
table model: it reads the published files only (CSV tables, ``csv/metadata.json``
for what each table's labels and columns mean, figure JSON and SVG) and works out
for itself which records every count counts, from the row labels.

The attack, for every ``[c]`` count: the records are split into the finest cells the
published counts distinguish (one per cycle, record status, sample, district and
criterion answer, grade or moderation outcome); every shown count is an equation
over them; every ``[c]`` count is at least 1 (zeros are shown, so a hidden count is
never 0), unless ``metadata.json`` says a zero was hidden as a complement
(``disclosure.hidden_at_least: 0``), when it is at least 0; a shown percentage of two counts bounds their ratio (to its rounding);
figure marks give the counts their geometry draws. Then the smallest and largest
whole value of the hidden count are found by integer programming (HiGHS through
:func:`scipy.optimize.milp`). A hidden count whose range is narrower than the
protection width, or fixed, is a finding.

Two relations that are not linear are attacked too, each written here from its method's
paper, not taken from the code that published it:

* **Funnel bands** (a table whose metadata has ``defines.funnel``): the band of a shown
  district depends on the overdispersion estimated over every district of the criterion
  (Spiegelhalter 2005: winsorised z-scores, chi-square dispersion test, DerSimonian-Laird
  tau-squared, random-effects limits). Every split of the criterion's hidden district
  counts within their proven ranges (and consistent with the area and authority rows) is
  tried, the bands recomputed, and only the splits that reproduce every shown band kept;
  a hidden count whose kept values span less than the protection width is a finding.
* **Adjusted p-values** (``adjusted_p_values`` in a table's metadata: the analysis's
  families, with their hidden rows): with every hidden row's raw p-value anywhere from 0
  to 1, a shown adjusted p-value that could take more than one published value tells
  the reader where the hidden p-values lie: a finding.
"""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

from kentaudit.core.safetext import neutralise_formula

__all__ = ["AttackResult", "Release", "attack", "funnel_bands", "read_release"]

HIDDEN = "[c]"
#: labels of a total row; the authority's own label ("Kent") is read from each release's
#: metadata (``universe.authority``), never written here
_ALL = {"total", "all", "all samples", "all areas", "all cycles"}
#: the answers of every scheme; a partial answer ("partial") where the published universe or a
#: count's definition names one (:func:`_answers_of`)
_ANSWERS = ("yes", "no", "na", "missing")
#: the grades of a release that names no scale (older metadata): the four-point scale
_GRADES = ("1", "2", "3", "4", "missing")
_GRADE_LABEL = re.compile(r"\s*(\d+)(?!\d)")
_NOT_RECORDED = {"missing", "not recorded", "no grade recorded", "not graded"}
_MODERATION = ("none", "agreed", "down", "up")


@dataclass
class Release:
    """One published appendix as read back: metadata and CSV tables (strings)."""

    path: Path
    meta: dict
    tables: dict          # id -> DataFrame of strings


@dataclass
class AttackResult:
    """``ranges``: ``{(release, table, row, column): (lower, upper)}`` for every hidden count;
    ``findings``: list of (file, location, detail)."""

    ranges: dict
    findings: list


def read_release(publish_dir) -> Release:
    root = Path(publish_dir)
    mf = root / "csv" / "metadata.json"
    meta = json.loads(mf.read_text(encoding="utf-8")) if mf.exists() else {}
    if isinstance(meta.get("universe"), dict):
        # every label cell of a published CSV went through the formula neutraliser, so a
        # label read from the metadata is matched in the form its CSV cell has
        meta["universe"] = _as_in_csv(meta["universe"])
    tables = {}
    for f in sorted((root / "csv").glob("*.csv")):
        try:
            tables[f.stem] = pd.read_csv(f, dtype=str, keep_default_na=False)
        except (ValueError, OSError):
            # a table that cannot be parsed (a zero-byte or truncated copy) is a finding of the
            # folder check (kind ``unreadable``), which fails the check; the attack reads the rest
            continue
    return Release(root, meta, tables)


def _as_in_csv(v):
    """``v`` (nested dicts, lists, strings) with every string, keys included, as a
    published CSV cell shows it (:func:`kentaudit.core.safetext.neutralise_formula`)."""
    if isinstance(v, dict):
        return {_as_in_csv(k): _as_in_csv(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_as_in_csv(x) for x in v]
    return neutralise_formula(v)


def _is_all_of(v, authority=None) -> bool:
    """A label of every value: "Total", "All ..." ("All localities": a profile's words), or the
    authority's label of its own rows (``universe.authority`` of the release's metadata)."""
    t = str(v).strip().lower()
    return (t in _ALL or t.startswith("all ")
            or (authority is not None and t == str(authority).strip().lower()))


def _dimension_columns(tmeta, df, dim) -> list:
    """The published columns of ``df`` that name dimension ``dim`` (``defines.labels`` of the
    table's metadata: a unit column is named in the authority's words, ``pod`` or ``district``)."""
    labels = ((tmeta or {}).get("defines") or {}).get("labels") or {}
    return [c for c, d in labels.items() if d == dim and c in df.columns]


def _num(s):
    try:
        f = float(str(s).replace(",", "").strip())
    except ValueError:
        return None
    return f if math.isfinite(f) else None


class _Cells:
    """The finest cells (variables) of the attack, created from the definitions used."""

    def __init__(self, universe):
        self.u = universe
        self.cycles = {str(c): list(v) for c, v in universe.get("cycles", {}).items()}
        self.districts = dict(universe.get("districts", {}))
        self.statuses = {str(c): list(v) for c, v in universe.get("statuses", {}).items()}

    def areas(self):
        out = defaultdict(list)
        for d, a in self.districts.items():
            out[a].append(d)
        return out


def _resolve(tid, tmeta, df, rel_universe, main, this, previous, district_samples=None):
    """Own reading of every count cell's definition from its row labels.

    Returns ``{(row, column): (sets, branch)}`` with ``sets`` a dict of frozensets and
    ``branch`` None, ("criterion", id), ("grade",) or ("moderation",)."""
    spec = tmeta.get("defines") or {}
    labels = spec.get("labels") or {}
    fixed = spec.get("fixed") or {}
    cols = spec.get("columns") or {}
    counts = [c["name"] for c in tmeta.get("columns", []) if c.get("kind") == "count"]
    counts += [c for c in df.columns if c.startswith("n_") and c not in counts]
    areas = defaultdict(list)
    for d, a in rel_universe.get("districts", {}).items():
        areas[a].append(d)
    authority = rel_universe.get("authority")

    def _is_all(v):
        return _is_all_of(v, authority)
    cycles = {str(c): list(v) for c, v in rel_universe.get("cycles", {}).items()}
    statuses = {str(c): list(v) for c, v in rel_universe.get("statuses", {}).items()}

    def ref(tok, cyc):
        if isinstance(tok, list):
            out = []
            for t in tok:
                out += ref(t, cyc)
            return out
        if tok == "@main":
            return list(main.get(cyc, []))
        if tok == "@districts":
            return list((district_samples or {}).get(cyc, main.get(cyc, [])))
        if tok == "@this":
            return [this]
        if tok == "@previous":
            return [previous]
        return [str(tok)]

    out = {}
    for i in range(len(df)):
        row = {c: df.at[i, c] for c in labels if c in df.columns}
        cyc = next((str(row[c]) for c, d in labels.items() if d == "cycle" and c in row and not _is_all(row[c])), None)
        for col in counts:
            if col not in cols:
                out[(i, col)] = None  # a count nobody defined: cannot be shown safe
                continue
            merged = {**fixed, **(cols[col] or {})}
            c_cyc = cyc or (ref(merged["cycle"], None)[0] if "cycle" in merged else this)
            sets = {"cycle": frozenset([c_cyc])}
            branch = None
            area = next((row[c] for c, d in labels.items() if d == "area" and c in row), None)
            for c, dim in labels.items():
                if c not in row:
                    continue
                v = str(row[c])
                if dim == "criterion":
                    branch = ("criterion", v)
                elif dim == "sample":
                    sets["sample"] = frozenset(cycles.get(c_cyc, [])) if _is_all(v) else frozenset([v])
                elif dim == "district":
                    if not _is_all(v) or v in rel_universe.get("districts", {}):
                        sets["district"] = frozenset([v])
                    elif area is not None and not _is_all(area) and str(area) in areas:
                        sets["district"] = frozenset(areas[str(area)])
                elif dim == "area":
                    if "district" not in labels.values() and not _is_all(v):
                        sets["district"] = frozenset(areas.get(v, []))
                elif dim == "grade":
                    branch = ("grade",)
                    sets["grade"] = _grade_set(v, rel_universe.get("grades") or _GRADES)
                elif dim == "status":
                    sets["status"] = (frozenset(statuses.get(c_cyc, ["accepted"])) if _is_all(v) else
                                      frozenset(["accepted" if v.strip().lower() == "accepted" else v]))
            for dim, val in merged.items():
                if dim == "cycle":
                    continue
                vals = frozenset(ref(val, c_cyc))
                if dim == "moderation":
                    branch = ("moderation",)
                sets[dim] = sets[dim] & vals if dim in ("sample", "district") and dim in sets else vals
            out[(i, col)] = (sets, branch)
    return out


def _grade_set(v, grades) -> frozenset:
    """The grades a grade row counts, read from its label: every grade of the scale for a total,
    else the label's leading number ("5 Inadequate"), or not recorded."""
    if _is_all_of(v):
        return frozenset(g for g in grades if g != "missing")
    text = str(v).strip()
    if text.casefold() in _NOT_RECORDED:
        return frozenset(["missing"])
    m = _GRADE_LABEL.match(text)
    return frozenset([m.group(1) if m else text])


def _answers_of(releases) -> list:
    """The answer dimension: the base answers, every answer a release's universe lists, and every
    answer a count's definition names (a partial answer is a level of its own wherever any
    count counts it: the attack does not take the metadata's word that there is none)."""
    out = list(_ANSWERS)
    for r in releases:
        out += [str(a) for a in ((r.meta.get("universe") or {}).get("answers") or ())]
        for t in r.meta.get("tables", []):
            d = t.get("defines") or {}
            for sets in [d.get("fixed") or {}, *((d.get("columns") or {}).values())]:
                for dim in ("answer", "answer_initial"):
                    vals = (sets or {}).get(dim) or ()
                    out += [str(a) for a in ([vals] if isinstance(vals, str) else vals)]
    return list(dict.fromkeys(out))


def _grades_of(releases) -> list:
    """The grade dimension: the grades each release's universe lists (the four-point scale for a
    release that lists none) and every grade a published grade row names, then not recorded."""
    out = []
    for r in releases:
        out += [str(g) for g in ((r.meta.get("universe") or {}).get("grades") or _GRADES)]
        for t in r.meta.get("tables", []):
            labels = (t.get("defines") or {}).get("labels") or {}
            df = r.tables.get(t.get("id"))
            for c, dim in labels.items():
                if dim == "grade" and df is not None and c in df.columns:
                    out += [m.group(1) for m in (_GRADE_LABEL.match(str(v)) for v in df[c]) if m]
    return [g for g in dict.fromkeys(out) if g != "missing"] + ["missing"]


class _Model:
    """Variables and rows of the attack."""

    def __init__(self, defs, universe):
        self.cycles = {str(c): list(v) for c, v in universe.get("cycles", {}).items()}
        self.districts = list(universe.get("districts", {}))
        self.statuses = {str(c): list(v) for c, v in universe.get("statuses", {}).items()}
        # the samples that audit another's cases again (the publisher's profile says which)
        self.paired = set(universe.get("paired", ()))
        answers = tuple(universe.get("answers") or _ANSWERS)
        grades = tuple(universe.get("grades") or _GRADES)
        self.nv = 0
        self.eq = []    # (vars, coefs, rhs)
        self.base = {}  # (cycle, status, sample, district) -> var
        self.branch = defaultdict(list)  # branch -> [(cycle, sample, district or None, values, var)]
        by_cycle = defaultdict(set)
        split = set()
        for sets, br in defs:
            if br is None:
                continue
            for c in sets["cycle"]:
                by_cycle[c].add(br)
                if "district" in sets:
                    for s in sets.get("sample", self.cycles.get(c, [])):
                        split.add((c, s, br))
        for c, samples in self.cycles.items():
            for st in self.statuses.get(c, ["accepted"]):
                if st != "accepted":
                    self.base[(c, st, None, None)] = self._v()
                    continue
                for s in samples:
                    for d in self.districts:
                        self.base[(c, st, s, d)] = self._v()
                    for br in sorted(by_cycle[c]):
                        if br[0] == "criterion":
                            dims = [answers, answers if s in self.paired else ("-",)]
                        elif br[0] == "grade":
                            dims = [grades]
                        else:
                            dims = [_MODERATION]
                        combos = [()]
                        for dd in dims:
                            combos = [x + (y,) for x in combos for y in dd]
                        groups = ([(d, [self.base[(c, st, s, d)]]) for d in self.districts] if (c, s, br) in split
                                  else [(None, [self.base[(c, st, s, d)] for d in self.districts])])
                        for d, bvs in groups:
                            vs = []
                            for combo in combos:
                                v = self._v()
                                self.branch[br].append((c, s, d, combo, v))
                                vs.append(v)
                            self.eq.append((vs + bvs, [1.0] * len(vs) + [-1.0] * len(bvs), 0.0))

    def _v(self):
        self.nv += 1
        return self.nv - 1

    def vector(self, sets, br):
        out = []
        status = sets.get("status", frozenset(["accepted"]))
        if br is None:
            for (c, st, s, d), v in self.base.items():
                if c not in sets["cycle"] or st not in status:
                    continue
                if st != "accepted":
                    if "sample" not in sets and "district" not in sets:
                        out.append(v)
                    continue
                if "sample" in sets and s not in sets["sample"]:
                    continue
                if "district" in sets and d not in sets["district"]:
                    continue
                out.append(v)
            return out
        if "accepted" not in status:
            return out
        dims = {"criterion": ("answer", "answer_initial"), "grade": ("grade",), "moderation": ("moderation",)}[br[0]]
        for c, s, d, combo, v in self.branch.get(br, []):
            if c not in sets["cycle"] or ("sample" in sets and s not in sets["sample"]):
                continue
            if d is not None and "district" in sets and d not in sets["district"]:
                continue
            if all(dim not in sets or val in sets[dim] for dim, val in zip(dims, combo)):
                out.append(v)
        return out


def _ratio_rows(tmeta, df, cell_vec, pct_decimals_default=1):
    """Shown percentages of two counts: ``lo <= a / b <= hi`` as two linear inequalities."""
    out = []
    for c in tmeta.get("columns", []):
        if c.get("kind") != "derived" or c.get("unit") != "%" or c["name"] not in df.columns:
            continue
        src = c.get("derived_from") or []
        share = c.get("share_of")
        # only plain shares are a ratio of their counts (not interval bounds, not model estimates)
        if not (c["name"].startswith("estimate")) or (share and len(src) != 1):
            continue
        col_vals = df[c["name"]].tolist()
        if share:
            lab = {k: [str(x) for x in df[k].tolist()] for k in set(share.get("where", {})) | set(share.get("within", []))
                   if k in df.columns}
            tot_of = defaultdict(list)
            for j in range(len(df)):
                if all(k in lab and lab[k][j] == str(x) for k, x in share.get("where", {}).items()):
                    tot_of[tuple(lab[k][j] for k in share.get("within", []) if k in lab)].append(j)
        for i in range(len(df)):
            v = _num(col_vals[i])
            if v is None:
                continue
            if share and len(src) == 1:
                tot = tot_of.get(tuple(lab[k][i] for k in share.get("within", []) if k in lab), [])
                if len(tot) != 1:
                    continue
                a, b = (i, src[0]), (tot[0], src[0])
            elif len(src) == 2:
                a, b = (i, src[0]), (i, src[1])
            else:
                continue
            if a not in cell_vec or b not in cell_vec:
                continue
            dec = str(col_vals[i]).strip()
            places = len(dec.split(".")[1]) if "." in dec else 0
            half = 0.5 * 10 ** (-places)
            lo, hi = (v - half) / 100.0, (v + half) / 100.0
            out.append((a, b, lo, hi, f"{c['name']} row {i + 1}"))
    return out


def attack(publish_dir, earlier=(), *, width: int | None = None, time_limit: float = 5.0) -> AttackResult:
    """Attack a published appendix (and the earlier appendices of its programme).

    Parameters
    ----------
    publish_dir : path of the ``publish/`` folder
    earlier : paths of earlier releases' ``publish/`` folders (their counts are known too)
    width : protection width (default: the one stated in ``metadata.json``, else 3)

    Returns
    -------
    AttackResult
    """
    releases = [read_release(publish_dir)] + [read_release(p) for p in earlier]
    main_meta = releases[0].meta
    width = int(width if width is not None else (main_meta.get("disclosure") or {}).get("protection_width", 3))
    universe = {"cycles": {}, "districts": {}, "statuses": {}, "answers": _answers_of(releases),
                "grades": _grades_of(releases), "paired": []}
    for r in releases:
        u = r.meta.get("universe") or {}
        # the samples that audit another's cases again, as each release's publisher says
        universe["paired"] += [s for s in u.get("paired") or () if s not in universe["paired"]]
        for c, v in (u.get("cycles") or {}).items():
            universe["cycles"].setdefault(str(c), [])
            universe["cycles"][str(c)] += [s for s in v if s not in universe["cycles"][str(c)]]
        universe["districts"].update(u.get("districts") or {})
        for c, v in (u.get("statuses") or {}).items():
            universe["statuses"].setdefault(str(c), [])
            universe["statuses"][str(c)] += [s for s in v if s not in universe["statuses"][str(c)]]
    findings = []
    cells = []   # (release index, table, row, column, (sets, branch) or None, text)
    ratio = []
    for k, r in enumerate(releases):
        u = r.meta.get("universe") or {}
        main = {str(c): v for c, v in (u.get("main") or {}).items()}
        dsamp = {str(c): v for c, v in (u.get("district_samples") or {}).items()}
        tmetas = {t["id"]: t for t in r.meta.get("tables", [])}
        for tid, df in r.tables.items():
            tm = tmetas.get(tid)
            if tm is None:
                findings.append((f"csv/{tid}.csv", "-", "the table has no metadata: what its counts count is "
                                 "unknown, so it cannot be shown to be safe"))
                continue
            if (tm.get("defines") or {}).get("not_records"):
                continue  # counts of something other than records (e.g. simulated cells)
            defs = _resolve(tid, tm, df, {**u, "grades": universe["grades"]}, main, str(u.get("cycle")),
                            u.get("previous"), dsamp)
            for (i, col), d in defs.items():
                txt = str(df.at[i, col]).strip() if col in df.columns else ""
                if d is None:
                    findings.append((f"csv/{tid}.csv", f"line {i + 2}, column {col!r}",
                                     "count column with no definition in metadata.json"))
                    continue
                cells.append((k, tid, i, col, d, txt))
            ratio += [(k, tid, row) for row in _ratio_rows(tm, df, {(i, c): True for (i, c) in defs})]
    model = _Model([c[4] for c in cells], universe)
    key = {}
    vec = {}
    for (k, tid, i, col, d, txt) in cells:
        sets, br = d
        v = tuple(sorted(model.vector(sets, br)))
        vec[(k, tid, i, col)] = v
        key.setdefault(v, []).append((k, tid, i, col, txt))
    # counts with equal cells are the same count: a value shown anywhere is known everywhere
    known, hidden = {}, {}
    for v, occ in key.items():
        vals = {(_num(t)) for *_, t in occ if _num(t) is not None}
        if len(vals) > 1:
            findings.append((f"csv/{occ[0][1]}.csv", f"line {occ[0][2] + 2}", f"the same count is published "
                             f"with different values {sorted(vals)}"))
        if vals:
            known[v] = next(iter(vals))
            for k, tid, i, col, t in occ:
                if t == HIDDEN:
                    findings.append((_file(releases, k, tid), f"line {i + 2}, column {col!r}",
                                     f"[c] counts the same records as a count shown elsewhere as {known[v]:g}"))
        elif any(t == HIDDEN for *_, t in occ):
            hidden[v] = occ
    rows = list(model.eq) + [(list(v), [1.0] * len(v), val) for v, val in known.items()]
    # every [c] is at least 1, unless a release says a zero may be hidden as a complement
    at_least = min(int((r.meta.get("disclosure") or {}).get("hidden_at_least", 1)) for r in releases)
    ub = [(list(v), [-1.0] * len(v), -1.0) for v in hidden] if at_least >= 1 else []
    for (k, tid, (a, b, lo, hi, name)) in ratio:
        va, vb = vec.get((k, tid) + a), vec.get((k, tid) + b)
        if va is None or vb is None or (tuple(va) in known and tuple(vb) in known):
            continue
        # a - hi * b <= 0 and lo * b - a <= 0
        ub.append((list(va) + list(vb), [1.0] * len(va) + [-hi] * len(vb), 0.0))
        ub.append((list(va) + list(vb), [-1.0] * len(va) + [lo] * len(vb), 0.0))
    ranges = {}
    solver = _Solver(model.nv, rows, ub, time_limit)
    for v, occ in hidden.items():
        lo, hi = solver.range(list(v))
        for k, tid, i, col, t in occ:
            ranges[(k, tid, i, col)] = (lo, hi)
        k, tid, i, col, _ = occ[0]
        if hi - lo < width - 1e-9:
            what = (f"recovered exactly: {lo:g}" if hi - lo < 0.5 else
                    f"narrowed to [{lo:g}, {hi:g}] (range {hi - lo:g} < protection width {width})")
            findings.append((_file(releases, k, tid), f"line {i + 2}, column {col!r}", f"[c] {what}"))
    for k, r in enumerate(releases):
        findings += _band_attack(r, k, ranges, width, _file(releases, k, "{}"))
        findings += _adjusted_p_attack(r, _file(releases, k, "{}"))
    return AttackResult(ranges, findings)


#: at most this many splits of one criterion's hidden counts are tried by the band attack
MAX_SPLITS = 200_000


def _interp_binomial(n, p0, tail):
    """Spiegelhalter's interpolated binomial limits (Statistics in Medicine 2005, and his
    funnel4 code): r = qbinom(q, n, p0), a = (P(R <= r) - q) / P(R = r); lower (r - a) / n at
    q = tail, upper (r + 1 - a) / n at q = 1 - tail."""
    d = stats.binom(n, p0)
    r = d.ppf(tail)
    lo = (r - (d.cdf(r) - tail) / d.pmf(r)) / n
    r = d.ppf(1 - tail)
    hi = (r + 1 - (d.cdf(r) - (1 - tail)) / d.pmf(r)) / n
    return lo, hi


def funnel_bands(x, n, f: dict) -> list:
    """The band of every unit (n > 0) as a funnel of ``f`` (the table's ``defines.funnel``) draws it."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    p = x / n
    p0 = x.sum() / n.sum() if isinstance(f.get("target"), str) else float(f["target"])
    if not 0 < p0 < 1:
        return ["not testable"] * len(x)
    level = float(f.get("level", 0.998))
    tail = (1 - level) / 2
    zq = stats.norm.ppf(1 - tail)
    method = f.get("method", "binomial-interpolated")
    centre = x.sum() / n.sum() if f.get("dispersion_centre", "overall") == "overall" else p0
    tau2, adjusted = 0.0, False
    if 0 < centre < 1 and len(x):
        if method == "arcsine":
            s = 1 / (2 * np.sqrt(n))
            z = (np.arcsin(np.sqrt(p)) - np.arcsin(np.sqrt(centre))) / s
        else:
            s = np.sqrt(centre * (1 - centre) / n)
            z = (p - centre) / s
        frac = float(f.get("winsorise", 0.1))
        if f.get("winsorise_method", "order-statistic") == "quantile":
            zlo, zhi = np.quantile(z, [frac, 1 - frac])
        else:
            k = int(np.floor(round(len(z) * frac, 9))) + 1
            zs = np.sort(z)
            zlo, zhi = zs[k - 1], zs[len(z) - k]
        i = len(z)
        phi = float(np.mean(np.clip(z, zlo, zhi) ** 2))
        w = 1 / s ** 2
        den = w.sum() - (w ** 2).sum() / w.sum()
        tau2 = max(0.0, (i * phi - (i - 1)) / den) if i > 1 and den > 0 else 0.0
        rule = (stats.chi2.sf(i * phi, i) < float(f.get("alpha", 0.05))
                if f.get("adjust_rule", "significant") == "significant" else phi > 1)
        pol = f.get("overdispersion", "auto")
        adjusted = tau2 > 0 and (pol == "always" or (pol == "auto" and bool(rule)))
    if not adjusted:
        tau2 = 0.0
    if method == "binomial-interpolated" and not adjusted:
        lo, hi = _interp_binomial(n, p0, tail)
    elif method == "arcsine":
        t = np.arcsin(np.sqrt(p0))
        se = np.sqrt(1 / (4 * n) + tau2)
        lo, hi = np.sin(np.clip(t - zq * se, 0, np.pi / 2)) ** 2, np.sin(np.clip(t + zq * se, 0, np.pi / 2)) ** 2
    else:
        se = np.sqrt(p0 * (1 - p0) / n + tau2)
        lo, hi = p0 - zq * se, p0 + zq * se
    lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    return ["above" if a > h else "below" if a < l_ else "within" for a, l_, h in zip(p, lo, hi)]


def _band_attack(r: Release, k: int, ranges: dict, width: int, file_pattern: str) -> list:
    """Splits of each criterion's hidden district counts that reproduce the shown funnel bands."""
    out = []
    for tm in r.meta.get("tables", []):
        f = (tm.get("defines") or {}).get("funnel")
        df = r.tables.get(tm["id"])
        if not f or df is None or f.get("column") not in df.columns:
            continue
        col, tid = f["column"], tm["id"]
        # the criterion, unit and area columns by their dimension (a unit column is named in
        # the authority's words): a table without them has no bands to attack
        crit_c, unit_c, area_c = (next(iter(_dimension_columns(tm, df, d)), None)
                                  for d in ("criterion", "district", "area"))
        if crit_c is None or unit_c is None or area_c is None:
            continue
        authority = (r.meta.get("universe") or {}).get("authority")
        for crit in dict.fromkeys(df[crit_c].tolist()):
            rows = [i for i in range(len(df)) if df.at[i, crit_c] == crit]
            dist = [i for i in rows if not _is_all_of(df.at[i, unit_c], authority)]
            shown = {i: df.at[i, col] for i in dist if df.at[i, col] in ("within", "above", "below")}
            var = [(i, c) for i in dist for c in ("n_yes", "n_denominator") if df.at[i, c] == HIDDEN]
            if not var or not shown:
                continue
            box = [ranges.get((k, tid, i, c)) for i, c in var]
            if any(b is None or not np.isfinite(b[1]) for b in box):
                continue
            sizes = [int(b[1] - b[0]) + 1 for b in box]
            if math.prod(sizes) > MAX_SPLITS:
                continue  # too many splits to try: this relation is not attacked (see docs/appendix.md)
            known = {(i, c): _num(df.at[i, c]) for i in dist for c in ("n_yes", "n_denominator")
                     if (i, c) not in var}
            # the area rows and the authority's row: the districts add up to them
            groups = []
            for j in rows:
                if not _is_all_of(df.at[j, unit_c], authority):
                    continue
                area = df.at[j, area_c]
                members = [i for i in dist if df.at[i, area_c] == area] or dist
                for c in ("n_yes", "n_denominator"):
                    v = _num(df.at[j, c])
                    if v is not None:
                        groups.append((members, c, v))
            kept = []
            grid = np.array(np.meshgrid(*[np.arange(b[0], b[1] + 1) for b in box], indexing="ij")).reshape(len(box), -1).T
            for vals in grid:
                cur = dict(known)
                cur.update({v: float(x) for v, x in zip(var, vals)})
                if any(cur[(i, "n_yes")] > cur[(i, "n_denominator")] for i in dist):
                    continue
                if any(abs(sum(cur[(i, c)] for i in m) - v) > 1e-9 for m, c, v in groups):
                    continue
                use = [i for i in dist if cur[(i, "n_denominator")] > 0]
                bands = dict(zip(use, funnel_bands([cur[(i, "n_yes")] for i in use],
                                                   [cur[(i, "n_denominator")] for i in use], f)))
                if all(bands.get(i) == b for i, b in shown.items()):
                    kept.append(vals)
            if not kept:
                continue  # no split reproduces the bands: this model of the funnel is not the publisher's
            kept = np.array(kept)
            for j, (i, c) in enumerate(var):
                lo, hi = kept[:, j].min(), kept[:, j].max()
                if hi - lo < width and (lo > box[j][0] or hi < box[j][1]):
                    out.append((file_pattern.format(tid), f"line {i + 2}, column {c!r}",
                                (f"[c] narrowed to [{lo:g}, {hi:g}] by the funnel bands of criterion {crit} "
                                 f"(range {hi - lo:g} < protection width {width}; {len(kept)} of "
                                 f"{math.prod(sizes)} splits of the hidden counts reproduce the bands)")))
    return out


def _adjust(p, method):
    """Adjusted p-values written from the papers: Holm (1979) step-down, Benjamini and
    Hochberg (1995) step-up, Bonferroni."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    if method == "holm":
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * ps))
    elif method == "fdr_bh":
        adj = np.minimum(1.0, np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1])
    else:
        adj = np.minimum(1.0, ps * m)
    out = np.empty(m)
    out[order] = adj
    return out


def _p_number(s):
    """A published p-value cell as a number (``<0.001`` read as its bound)."""
    t = str(s).strip().replace(" ", "")
    return _num(t[1:]) if t.startswith("<") else _num(t)


def _p_interval(s):
    """What a reader knows of a published p-value: the interval its printed digits round
    from (``0.0006`` is [0.00055, 0.00065]; ``<0.001`` is [0, 0.001]; ``1.000`` is at most 1),
    or None for a cell that is not a p-value."""
    t = str(s).strip().replace(" ", "")
    v = _num(t[1:] if t.startswith("<") else t)
    if v is None:
        return None
    if t.startswith("<"):
        return 0.0, v
    half = 0.5 * 10.0 ** -(len(t.split(".")[1]) if "." in t else 0)
    return max(0.0, v - half), min(1.0, v + half)


def _adjusted_p_attack(r: Release, file_pattern: str) -> list:
    """Shown adjusted p-values that rule out some values of the hidden raw p-values of their family.

    Holm's, Benjamini and Hochberg's and Bonferroni's adjusted p-values never fall when a raw
    p-value rises, so the reader's extremes are the two corners: every hidden raw p-value at 0
    with every shown one at the top of its rounding interval (the largest adjusted value the
    hidden rows at 0 allow), and every hidden one at 1 with the shown ones at the bottoms (the
    smallest the hidden rows at 1 allow). A shown adjusted value tells where the hidden rows lie
    exactly when the first corner falls below the interval its own digits round from (hidden
    values near 0 are ruled out) or the second above it (values near 1 are ruled out);
    otherwise every value of the hidden p-values is consistent with what is shown (the adjusted
    value moves continuously between the corners), and nothing is learnt. Reading the shown raw p-values as exact would
    flag adjusted values that the hidden rows cannot move beyond their rounding."""
    out = []
    for tm in r.meta.get("tables", []):
        df = r.tables.get(tm["id"])
        for col, a in (tm.get("adjusted_p_values") or {}).items():
            raw = a.get("raw")
            if df is None or col not in df.columns or raw not in df.columns:
                continue
            method = a.get("method", "holm")
            for fam in a.get("families") or []:
                rows = [int(x) for x in fam.get("rows", [])]
                # a row whose raw p-value is shown is known to the reader (its adjusted value
                # may be hidden for this very reason); only a hidden raw p-value can vary
                hidden = np.array([df.at[i, raw] == HIDDEN for i in rows])
                if not hidden.any():
                    continue
                known = [None if h else _p_interval(df.at[i, raw]) for i, h in zip(rows, hidden)]
                low = np.array([0.0 if k is None else k[0] for k in known])
                high = np.array([1.0 if k is None else k[1] for k in known])
                lo = _adjust(np.where(hidden, 0.0, high), method)
                hi = _adjust(np.where(hidden, 1.0, low), method)
                for j, i in enumerate(rows):
                    shown = None if hidden[j] else _p_interval(df.at[i, col])
                    if shown is None:
                        continue
                    eps = 1e-12
                    if lo[j] < shown[0] - eps or hi[j] > shown[1] + eps:
                        out.append((file_pattern.format(tm["id"]), f"line {i + 2}, column {col!r}",
                                    (f"adjusted p-value {str(df.at[i, col]).strip()} rules out some values "
                                     f"of the {int(hidden.sum())} hidden rows of its family (with them at 0 it would be at "
                                     f"most {lo[j]:.4f}, at 1 at least {hi[j]:.4f}): it tells where they lie")))
    return out


def _file(releases, k, tid):
    return f"csv/{tid}.csv" if k == 0 else f"{releases[k].path}/csv/{tid}.csv"


class _Solver:
    """Presolved, decomposed integer programmes over the attack's rows."""

    def __init__(self, nv, eq, ub, time_limit):
        self.nv, self.time_limit = nv, time_limit
        fixed = {}
        var_rows = defaultdict(list)
        for r, (vs, cs, b) in enumerate(eq):
            for x in vs:
                var_rows[x].append(r)
        queue = list(range(len(eq)))
        while queue:
            nxt = set()
            for r in queue:
                vs, cs, b = eq[r]
                free = [(x, c) for x, c in zip(vs, cs) if x not in fixed]
                if not free:
                    continue
                rest = b - sum(c * fixed[x] for x, c in zip(vs, cs) if x in fixed)
                new = []
                if len(free) == 1:
                    new = [(free[0][0], rest / free[0][1])]
                elif abs(rest) < 1e-9 and all(c > 0 for _, c in free):
                    new = [(x, 0.0) for x, _ in free]
                for x, val in new:
                    fixed[x] = val
                    nxt.update(var_rows[x])
            queue = sorted(nxt)
        self.fixed = fixed
        parent = {}

        def find(a):
            while parent.setdefault(a, a) != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        def reduce(rows):
            out = []
            for vs, cs, b in rows:
                free = [(x, c) for x, c in zip(vs, cs) if x not in fixed]
                rest = b - sum(c * fixed[x] for x, c in zip(vs, cs) if x in fixed)
                if free:
                    out.append(([x for x, _ in free], [c for _, c in free], rest))
                    for x, _ in free[1:]:
                        ra, rb = find(free[0][0]), find(x)
                        if ra != rb:
                            parent[ra] = rb
                    find(free[0][0])
            return out

        self.eq, self.ub = reduce(eq), reduce(ub)
        self.comp_rows = defaultdict(lambda: ([], []))
        for r in self.eq:
            self.comp_rows[find(r[0][0])][0].append(r)
        for r in self.ub:
            self.comp_rows[find(r[0][0])][1].append(r)
        self.find = find
        self.cache = {}

    def _component(self, root):
        if root in self.cache:
            return self.cache[root]
        eq, ub = self.comp_rows[root]
        cols = sorted({x for r in eq + ub for x in r[0]})
        col = {x: j for j, x in enumerate(cols)}
        mats = {}
        for rows, kind in ((eq, "eq"), (ub, "ub")):
            if not rows:
                mats[kind] = (None, None)
                continue
            d, ri, ci, b = [], [], [], []
            for r, (xs, cs, rhs) in enumerate(rows):
                for x, c in zip(xs, cs):
                    ri.append(r); ci.append(col[x]); d.append(c)
                b.append(rhs)
            mats[kind] = (csr_matrix((d, (ri, ci)), shape=(len(rows), len(cols))), np.array(b))
        self.cache[root] = (cols, col, mats)
        return self.cache[root]

    def range(self, vs):
        """Smallest and largest whole value of the sum of cells ``vs``.

        The LP relaxation is solved first (HiGHS simplex); when its optimal vertex is
        integral it is the integer optimum. Otherwise the integer programme is solved
        (``milp``), and if that stops at the time limit its dual bound is used (a valid
        outer bound, so a finding is never missed for want of time)."""
        const = sum(self.fixed.get(x, 0.0) for x in vs)
        free = [x for x in vs if x not in self.fixed]
        if not free:
            return (const, const)
        cols, col, mats = self._component(self.find(free[0]))
        if any(x not in col for x in free):  # a cell in no relation at all: unbounded above
            return (const, np.inf)
        c = np.zeros(len(cols))
        for x in free:
            c[col[x]] = 1.0
        (a_eq, b_eq), (a_ub, b_ub) = mats["eq"], mats["ub"]
        out = []
        for sign in (1.0, -1.0):
            r = linprog(sign * c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if r.status == 3:
                out.append(np.inf if sign < 0 else 0.0)
                continue
            if r.status == 0 and np.all(np.abs(r.x - np.round(r.x)) < 1e-7):
                out.append(sign * r.fun)
                continue
            cons = [LinearConstraint(a, b, b) for a, b in [(a_eq, b_eq)] if a is not None]
            cons += [LinearConstraint(a, -np.inf, b) for a, b in [(a_ub, b_ub)] if a is not None]
            res = milp(sign * c, constraints=cons, integrality=np.ones(len(cols)), bounds=Bounds(0, np.inf),
                       options={"time_limit": self.time_limit, "disp": False})
            if res.status == 0:
                out.append(sign * res.fun)
            elif getattr(res, "mip_dual_bound", None) is not None and np.isfinite(res.mip_dual_bound):
                out.append(sign * res.mip_dual_bound)
            else:
                out.append(np.inf if sign < 0 else 0.0)
        lo, hi = out[0], out[1]
        lo = math.ceil(lo - 1e-6) if np.isfinite(lo) else 0.0
        hi = math.floor(hi + 1e-6) if np.isfinite(hi) else np.inf
        return (const + max(0.0, lo), const + hi)
