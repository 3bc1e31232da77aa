"""The publication table: one table of the statistical appendix, with its metadata.

A :class:`PublicationTable` carries what a reader needs beside the numbers as
first-class, validated fields - stable id, title, scope, source, units, notes
(by key; numbered by :func:`number_notes` in reading order, never by hand) and
the legend of every shorthand symbol used - together with the additive
structure of its counts (which columns sum to which, which rows are totals,
which cells equal cells of other tables). The structure is what disclosure
control (:mod:`kentaudit.publication.disclosure`) protects and what the publication check
(:mod:`kentaudit.publication.check.folder`) re-derives from the published files.

The design follows the Analysis Function's ``gptables`` (``GPTable``): setters
validate and say how to fix a problem.
"""
from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from kentaudit.core.errors import KentauditError
from kentaudit.publication.numbering import ID_PATTERN, numbering

__all__ = [
    "SHORTHAND",
    "COLUMN_KINDS",
    "Column",
    "SumRule",
    "TotalRowRule",
    "LinkRule",
    "PublicationTable",
    "PublicationTableError",
    "number_notes",
    "round_half_away",
    "Figure",
    "AppendixContent",
]

#: Government Statistical Service shorthand used in the appendix, with legend text.
SHORTHAND = {
    "[c]": "confidential: suppressed to protect the people the figures are about "
           "(a count from 1 to the suppression threshold, a cell that would reveal "
           "one, or a figure calculated from one)",
    "[x]": "not available",
    "[z]": "not applicable",
}

#: Kinds of column. ``label``: row labels (text); ``count``: a count of audits,
#: cases or records (must be named ``n_*`` and have a unit); ``derived``: a figure
#: calculated from counts of the same row (a percentage, an interval bound, a
#: p-value); ``text``: descriptive text that reveals no figure (method names).
COLUMN_KINDS = ("label", "count", "derived", "text")

_SHORTHAND_RE = re.compile(r"^\[[a-z]\]$")


class PublicationTableError(KentauditError, ValueError):
    """A publication table breaks a rule of the appendix (message says how to fix it)."""


@dataclass(frozen=True)
class Column:
    """Metadata of one column of a publication table.

    Parameters
    ----------
    name : str
        Column name in the tidy CSV (``n_*`` for counts).
    label : str
        Human-readable header for HTML and XLSX.
    kind : {"label", "count", "derived", "text"}
    unit : str, optional
        Unit shown with the header (required for count and derived columns);
        counts use ``"count"``.
    derived_from : tuple of str
        For derived columns: the count columns of the same row it is
        calculated from; suppressed when any of them is.
    scale : float
        Multiplier applied on publication (100 turns a proportion into a
        percentage).
    decimals : int or None
        Decimal places shown on publication (derived columns); rounding is
        display only, half away from zero (81.25 -> 81.3, as Excel and ONS
        publications show it).
    share_of : mapping, optional
        For a share of a total row (e.g. ``{"grade": "Total"}``): the figure is
        also calculated from that row's ``derived_from`` counts and is hidden
        with them.
    over : mapping or list of mappings, optional
        For a figure computed over counts of other tables (the design-based
        estimate over the district counts): ``{"table": "T7", "within": [label
        columns], "columns": [count columns]}``; it is hidden whenever one of those
        counts, in a row of that table agreeing with this row on ``within``, is hidden.
    """

    name: str
    label: str
    kind: str
    unit: str | None = None
    derived_from: tuple = ()
    scale: float = 1.0
    decimals: int | None = None
    share_of: Mapping | None = None
    over: Mapping | tuple | None = None


@dataclass(frozen=True)
class SumRule:
    """Within every row: ``total`` equals the sum of ``parts`` (all count columns)."""

    total: str
    parts: tuple


@dataclass(frozen=True)
class TotalRowRule:
    """Total rows: within each group of rows sharing the ``within`` columns, the row
    matching ``where`` equals the sum of the other rows (or of the rows matching
    ``parts_where`` when given), for each of ``columns`` (default: every count column).
    """

    where: Mapping
    within: tuple = ()
    parts_where: Mapping | None = None
    columns: tuple = ()


@dataclass(frozen=True)
class LinkRule:
    """Cells equal to cells of another table of the appendix.

    For every row of this table matching ``where``, the row of table ``table``
    matching ``other_where`` with equal values in ``on`` has, for each
    ``{this_column: other_column}`` of ``columns``, the same value.
    """

    table: str
    on: tuple
    columns: Mapping
    where: Mapping = field(default_factory=dict)
    other_where: Mapping = field(default_factory=dict)


def _fix(msg: str, fix: str) -> PublicationTableError:
    return PublicationTableError(f"{msg} How to fix: {fix}")


class PublicationTable:
    """One numbered table of the appendix: data plus first-class metadata.

    Parameters
    ----------
    id : str
        Stable id, ``T<number>`` (tables) such as ``"T4"``; it names the CSV
        file, the XLSX sheet and the HTML anchor.
    title : str
        What the table shows, without note markers or numbering.
    data : DataFrame
        Flat columns (no MultiIndex), default RangeIndex, no blank rows; every
        column declared in ``columns``.
    columns : iterable of Column
        Metadata of every column, in the order to publish.
    scope : str, optional
        Who/what/when the figures cover (for example the cycle and samples).
    source : str, optional
        Where the figures come from (results table name and cycle).
    notes : iterable of str
        Keys of notes (numbered across the appendix by :func:`number_notes`).
    sums, total_rows, links : iterables of SumRule, TotalRowRule, LinkRule
        Additive structure stated for readers (disclosure control derives the
        complete system from ``defines`` and checks these hold).
    defines : mapping, optional
        What every count counts (``labels``, ``fixed``, ``columns``; see
        :func:`kentaudit.publication.disclosure.definitions`).

    Notes
    -----
    Values of count columns must be non-negative whole numbers, missing, or a
    shorthand symbol of :data:`SHORTHAND`. The legend (:attr:`legend`) lists
    exactly the shorthand symbols that occur in the data.
    """

    def __init__(self, id, title, data, columns, *, scope=None, source=None, notes=(),
                 sums=(), total_rows=(), links=(), defines=None):
        self.set_id(id)
        self.set_title(title)
        self.set_columns(columns)
        self.set_data(data)
        self.scope = self._opt_text(scope, "scope")
        self.source = self._opt_text(source, "source")
        self.set_notes(notes)
        self.set_structure(sums=sums, total_rows=total_rows, links=links)
        self.defines = dict(defines) if defines else None
        #: ``{adjusted column: {"raw": column, "family": [label columns], "method": str}}``
        self.adjustments = {}
        #: ``{(row, column): decimals}``: derived cells published at fewer decimals than their
        #: column's, because at the column's precision they would narrow a hidden count
        #: (disclosure control's coarser rounding: :func:`kentaudit.publication.disclosure.protect_design_estimate`)
        self.cell_decimals = {}
        #: ``{"where": {column: value}, "unless": {column: value}, "columns": [...]}``: cells that
        #: do not apply to the rows ``where`` picks and ``unless`` does not (a change on a baseline
        #: row; a trend test on a cycle's row other than the latest): published ``[z]`` (not
        #: applicable) when blank, never ``[x]`` (not available) - the appendix spec's ``not_applicable``
        self.not_applicable = {}

    # ------------------------------------------------------------------ setters
    def set_id(self, value) -> None:
        """Set the stable id (``T`` + number, e.g. ``T4``)."""
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            raise _fix(f"table id {value!r} is not a stable id.",
                       "use 'T' followed by a number, e.g. 'T4' (an optional lower-case "
                       "letter may follow, e.g. 'T4a').")
        self.id = value

    def set_title(self, value) -> None:
        """Set the title (plain text; no note markers, no 'Table 4:' prefix)."""
        if not isinstance(value, str) or not value.strip():
            raise _fix(f"table {self.id}: the title is empty.", "give the table a title saying what it shows.")
        if re.match(r"^\s*table\s+\d", value, re.I):
            raise _fix(f"table {self.id}: the title {value!r} starts with a table number.",
                       "leave numbering to the appendix: titles say only what the table shows.")
        if re.search(r"\[note \d+\]|\$\$", value):
            raise _fix(f"table {self.id}: the title {value!r} contains a note marker.",
                       "pass note keys in notes=...; the library numbers and places them.")
        self.title = value.strip()

    @staticmethod
    def _opt_text(value, what):
        if value is None:
            return None
        if not isinstance(value, str):
            raise _fix(f"{what} must be text, got {type(value).__name__}.", f"pass {what} as a string.")
        return value.strip() or None

    def set_columns(self, columns: Iterable[Column]) -> None:
        """Set the column metadata; validates kinds, names, units and derivations."""
        cols = list(columns)
        if not cols:
            raise _fix(f"table {self.id}: no columns declared.", "declare every column with Column(...).")
        names = [c.name for c in cols]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise _fix(f"table {self.id}: duplicate column names {dup}.", "give every column a unique name.")
        for c in cols:
            if c.kind not in COLUMN_KINDS:
                raise _fix(f"table {self.id}: column {c.name!r} has unknown kind {c.kind!r}.",
                           f"use one of {COLUMN_KINDS}.")
            if not isinstance(c.label, str) or not c.label.strip():
                raise _fix(f"table {self.id}: column {c.name!r} has no header label.",
                           "give every column a descriptive label (headers must all have text).")
            if c.kind == "count" and not c.name.startswith("n_"):
                raise _fix(f"table {self.id}: count column {c.name!r} is not named n_*.",
                           "rename it n_<what is counted> so readers and the publication "
                           "check recognise counts.")
            if c.kind != "count" and c.name.startswith("n_"):
                raise _fix(f"table {self.id}: column {c.name!r} is named like a count but has kind {c.kind!r}.",
                           "declare it kind='count' or rename it.")
            if c.kind in ("count", "derived") and not c.unit:
                raise _fix(f"table {self.id}: column {c.name!r} has no unit.",
                           "set unit= (e.g. 'count' for counts, '%' for percentages, "
                           "'proportion', 'p-value').")
            if c.kind == "count" and c.unit != "count":
                raise _fix(f"table {self.id}: count column {c.name!r} has unit {c.unit!r}.",
                           "counts take unit='count'.")
            if c.kind == "derived":
                if not c.derived_from:
                    raise _fix(f"table {self.id}: derived column {c.name!r} does not say which counts it comes from.",
                               "set derived_from=(count columns of the same row) so it is suppressed with them.")
                bad = [b for b in c.derived_from if b not in names or
                       next(x for x in cols if x.name == b).kind != "count"]
                if bad:
                    raise _fix(f"table {self.id}: derived column {c.name!r} derives from {bad}, "
                               "which are not count columns of this table.",
                               "list only count columns of the same table in derived_from.")
            elif c.derived_from:
                raise _fix(f"table {self.id}: column {c.name!r} of kind {c.kind!r} has derived_from.",
                           "only derived columns take derived_from.")
        labels = [c.label.strip().lower() for c in cols]
        dupl = sorted({c.label for c in cols if labels.count(c.label.strip().lower()) > 1})
        if dupl:
            raise _fix(f"table {self.id}: duplicate header labels {dupl}.",
                       "make every header label unique (e.g. 'Lower limit (initial)').")
        if cols[0].kind != "label":
            raise _fix(f"table {self.id}: the first column {cols[0].name!r} is not a row label.",
                       "put the column that names each row first (kind='label').")
        self.columns = cols

    def set_data(self, data: pd.DataFrame) -> None:
        """Set the data; checks flat headers, no index data, no blank rows, declared columns."""
        if not isinstance(data, pd.DataFrame):
            raise _fix(f"table {self.id}: data must be a pandas DataFrame.", "pass a DataFrame.")
        if isinstance(data.columns, pd.MultiIndex):
            raise _fix(f"table {self.id}: the data has a multi-level (merged) header.",
                       "flatten the header to one row of unique names (e.g. 'n_yes_initial'); "
                       "merged cells are not accessible.")
        if not isinstance(data.index, pd.RangeIndex) or data.index.start != 0 or data.index.step != 1:
            raise _fix(f"table {self.id}: the data has an index that holds data.",
                       "call data.reset_index() and declare the index as a label column.")
        names = [c.name for c in self.columns]
        missing = [n for n in names if n not in data.columns]
        extra = [n for n in data.columns if n not in names]
        if missing or extra:
            raise _fix(f"table {self.id}: data columns do not match the declared columns "
                       f"(missing {missing}, undeclared {extra}).",
                       "declare every published column and only those.")
        data = data[names].copy()
        blank = data.apply(lambda r: all(_is_blank(v) for v in r), axis=1)
        if len(data) and blank.any():
            raise _fix(f"table {self.id}: rows {list(np.flatnonzero(blank.to_numpy()))} are blank.",
                       "drop blank rows; spacing is done by the writers, never by empty rows.")
        for c in self.columns:
            if c.kind == "count":
                for i, v in enumerate(data[c.name]):
                    if _is_blank(v) or (isinstance(v, str) and v in SHORTHAND):
                        continue
                    if isinstance(v, str) or not _is_whole(v):
                        raise _fix(f"table {self.id}: count column {c.name!r} row {i} holds {v!r}.",
                                   "counts must be non-negative whole numbers, missing, or "
                                   f"one of {list(SHORTHAND)}.")
            if c.kind == "label" and data[c.name].map(_is_blank).any():
                raise _fix(f"table {self.id}: label column {c.name!r} has empty labels.",
                           "label every row (e.g. 'Total', 'Not recorded').")
        for v in data.to_numpy().ravel():
            if isinstance(v, str) and _SHORTHAND_RE.match(v) and v not in SHORTHAND:
                raise _fix(f"table {self.id}: shorthand {v!r} has no legend entry.",
                           f"use one of {list(SHORTHAND)}.")
        self.data = data.reset_index(drop=True)

    def set_notes(self, notes: Iterable[str]) -> None:
        """Set the note keys (strings; numbered by :func:`number_notes`)."""
        keys = list(notes)
        for k in keys:
            if not isinstance(k, str) or not re.match(r"^[a-z][a-z0-9_]*$", k):
                raise _fix(f"table {self.id}: note key {k!r} is not a key.",
                           "refer to notes by lower-case keys such as 'denominator'; "
                           "never type note numbers.")
        self.notes = list(dict.fromkeys(keys))

    def set_structure(self, *, sums=(), total_rows=(), links=()) -> None:
        """Set the additive structure; checks every rule names count columns of this table."""
        kinds = {c.name: c.kind for c in self.columns}
        counts = [c.name for c in self.columns if c.kind == "count"]
        sums = [s if isinstance(s, SumRule) else SumRule(s["total"], tuple(s["parts"])) for s in sums]
        for s in sums:
            for n in (s.total, *s.parts):
                if kinds.get(n) != "count":
                    raise _fix(f"table {self.id}: sum rule uses {n!r}, not a count column.",
                               "sum rules relate count columns of the same row only.")
        trs = []
        for r in total_rows:
            if not isinstance(r, TotalRowRule):
                r = TotalRowRule(dict(r["where"]), tuple(r.get("within", ())),
                                 dict(r["parts_where"]) if r.get("parts_where") else None,
                                 tuple(r.get("columns", ())))
            for n in (*r.where, *r.within, *(r.parts_where or {})):
                if n not in kinds:
                    raise _fix(f"table {self.id}: total-row rule refers to unknown column {n!r}.",
                               "refer to label columns of this table.")
            for n in r.columns:
                if kinds.get(n) != "count":
                    raise _fix(f"table {self.id}: total-row rule column {n!r} is not a count column.",
                               "list count columns only.")
            if not r.columns:
                r = TotalRowRule(r.where, r.within, r.parts_where, tuple(counts))
            trs.append(r)
        lks = []
        for r in links:
            if not isinstance(r, LinkRule):
                r = LinkRule(r["table"], tuple(r["by"] if "by" in r else r["on"]), dict(r["columns"]),
                             dict(r.get("where", {})), dict(r.get("other_where", {})))
            for n in r.columns:
                if kinds.get(n) != "count":
                    raise _fix(f"table {self.id}: link column {n!r} is not a count column.",
                               "links relate count cells only.")
            lks.append(r)
        self.sums, self.total_rows, self.links = sums, trs, lks

    # ---------------------------------------------------------------- queries
    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def count_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == "count"]

    @property
    def label_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == "label"]

    @property
    def units(self) -> dict:
        """``{column name: unit}`` for every column that has a unit."""
        return {c.name: c.unit for c in self.columns if c.unit}

    @property
    def legend(self) -> list[tuple[str, str]]:
        """``[(symbol, meaning)]`` for every shorthand symbol present in the data."""
        present = {v for v in self.data.to_numpy().ravel() if isinstance(v, str) and v in SHORTHAND}
        return [(s, SHORTHAND[s]) for s in SHORTHAND if s in present]

    def copy(self) -> "PublicationTable":
        new = copy.copy(self)
        new.data = self.data.copy()
        new.notes = list(self.notes)
        new.cell_decimals = dict(getattr(self, "cell_decimals", {}))
        return new

    def with_data(self, data: pd.DataFrame) -> "PublicationTable":
        """A copy holding ``data`` (validated)."""
        new = self.copy()
        new.set_data(data)
        return new

    def display_frame(self) -> pd.DataFrame:
        """The table as published: counts as whole numbers, derived figures scaled and
        rounded to their ``decimals`` (display only), missing as ``[x]`` (``[z]`` where the
        cell does not apply to the row: :attr:`not_applicable`), shorthand kept.

        Returns
        -------
        DataFrame of object dtype with the declared columns.
        """
        out = pd.DataFrame(index=self.data.index)
        for c in self.columns:
            s = self.data[c.name]
            out[c.name] = s.map(lambda v, c=c: _display_value(v, c)).astype(object)
        for (i, name), dec in getattr(self, "cell_decimals", {}).items():
            c = next(c for c in self.columns if c.name == name)
            out.at[out.index[i], name] = _display_value(self.data.at[self.data.index[i], name], replace(c, decimals=dec))
        na = getattr(self, "not_applicable", None) or {}
        if na.get("columns"):
            rows = self.not_applicable_rows()
            for name in na["columns"]:
                if name in out.columns:
                    blank = rows & self.data[name].map(_is_blank)
                    out.loc[blank, name] = "[z]"
        return out

    def not_applicable_rows(self) -> pd.Series:
        """Rows (a boolean Series on ``data``'s index) whose :attr:`not_applicable` columns do not
        apply to them; all False when the table has no such rule."""
        na = getattr(self, "not_applicable", None) or {}
        rows = pd.Series(bool(na.get("columns")), index=self.data.index)
        for col, value in (na.get("where") or {}).items():
            rows &= self.data[col].astype(str) == str(value)
        for col, value in (na.get("unless") or {}).items():
            rows &= self.data[col].astype(str) != str(value)
        return rows

    def decimals_at(self, i: int, c: Column):
        """Decimals row ``i`` of column ``c`` is published at (:attr:`cell_decimals`, else the column's)."""
        return getattr(self, "cell_decimals", {}).get((i, c.name), c.decimals)

    def metadata(self) -> dict:
        """JSON-serialisable description of columns and structure (written beside the CSVs)."""
        return {
            "id": self.id, "title": self.title, "scope": self.scope, "source": self.source,
            "notes": list(self.notes),
            "columns": [{"name": c.name, "label": c.label, "kind": c.kind, "unit": c.unit,
                         "derived_from": list(c.derived_from),
                         **({"share_of": dict(c.share_of)} if c.share_of else {}),
                         **({"over": ([dict(c.over)] if isinstance(c.over, Mapping)
                                      else [dict(o) for o in c.over])} if c.over else {})}
                        for c in self.columns],
            "defines": self.defines,
            # the analysis's families of adjusted p-values (kentaudit.publication.disclosure.protect_adjusted_p)
            "adjusted_p_values": self.adjustments,
            # cells published at fewer decimals than their column (coarser rounding by disclosure control)
            **({"cell_decimals": [{"row": int(i), "column": c, "decimals": int(d)}
                                  for (i, c), d in sorted(self.cell_decimals.items())]}
               if getattr(self, "cell_decimals", None) else {}),
            "sums": [{"total": s.total, "parts": list(s.parts)} for s in self.sums],
            "total_rows": [{"where": dict(r.where), "within": list(r.within),
                            "parts_where": dict(r.parts_where) if r.parts_where else None,
                            "columns": list(r.columns)} for r in self.total_rows],
            "links": [{"table": r.table, "on": list(r.on), "columns": dict(r.columns),
                       "where": dict(r.where), "other_where": dict(r.other_where)} for r in self.links],
        }

    def __repr__(self) -> str:
        return f"PublicationTable({self.id!r}, {self.title!r}, {len(self.data)} rows)"


def _is_blank(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _is_whole(v) -> bool:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return False
    return math.isfinite(f) and f >= 0 and f == int(f)


def _display_value(v, c: Column):
    if isinstance(v, str) and v in SHORTHAND:
        return v
    if _is_blank(v):
        return "[x]" if c.kind in ("count", "derived") else ""
    if c.kind == "count":
        return int(v)
    if c.kind == "derived":
        try:
            f = float(v) * c.scale
        except (TypeError, ValueError):
            return v
        if not math.isfinite(f):
            return "[x]"
        return round_half_away(f, c.decimals) if c.decimals is not None else f
    if isinstance(v, (np.integer,)):
        return int(v)
    return v if isinstance(v, (int, float)) else str(v)


def round_half_away(x: float, decimals: int) -> float:
    """Round ``x`` to ``decimals`` places, halves away from zero (13/16 = 81.25 -> 81.3).

    Python's ``round`` rounds halves to even and works on the binary value (81.25 -> 81.2;
    2.675 -> 2.67); readers expect the rule of Excel's ROUND and ONS tables. The value is
    first taken to 12 significant decimal digits, so a proportion computed as 13/16*100
    rounds as the decimal number it stands for.
    """
    if not math.isfinite(x):
        return x
    d = Decimal(repr(x))
    d = Decimal(f"{d:.12g}") if d != 0 else d
    q = Decimal(1).scaleb(-int(decimals))
    return float(d.quantize(q, rounding=ROUND_HALF_UP))


def number_notes(tables: Iterable[PublicationTable], texts: Mapping[str, str],
                 leading: Iterable[str] = ()) -> dict[str, int]:
    """Number note keys 1, 2, ... in reading order.

    Parameters
    ----------
    tables : iterable of PublicationTable
        In appendix order.
    texts : mapping
        ``{key: note text}``; every key used must have a text.
    leading : iterable of str
        Keys referred to before the first table (e.g. on the cover).

    Returns
    -------
    dict
        ``{key: number}``, numbers from 1 in order of first reference.

    Raises
    ------
    PublicationTableError
        A table refers to a key with no text.
    """
    order: dict[str, int] = {}
    for k in leading:
        order.setdefault(k, len(order) + 1)
    for t in tables:
        for k in t.notes:
            if k not in texts:
                raise _fix(f"{t.id}: note key {k!r} has no text.",
                           "add it to the notes of the appendix spec.")
            order.setdefault(k, len(order) + 1)
    return order


@dataclass
class Figure:
    """A numbered figure: ``id`` (``F<number>``), ``title``, ``alt`` text (required),
    ``caption``, the image file and note keys."""

    id: str
    title: str
    alt: str
    caption: str
    path: object
    notes: list = field(default_factory=list)

    def __post_init__(self):
        if not re.match(r"^F[0-9]+[a-z]?$", str(self.id)):
            raise _fix(f"figure id {self.id!r} is not a stable id.", "use 'F' followed by a number, e.g. 'F1'.")
        if not isinstance(self.alt, str) or len(self.alt.strip()) < 10:
            raise _fix(f"figure {self.id}: alt text is missing or too short ({self.alt!r}).",
                       "describe what the figure shows and its main message in the figure's JSON ('alt').")


@dataclass
class AppendixContent:
    """Everything a writer needs for one appendix.

    Attributes
    ----------
    title, intro : str
    tables : list of PublicationTable (published, i.e. already suppressed)
    figures : list of Figure
    notes : dict ``{key: text}``; numbered with :func:`number_notes`
    methods : list of ``(term, description)``
    caveats : list of str
    skipped : list of ``(id, title, reason)`` for tables not produced this cycle
    synthetic : bool
    generated : str (provenance line: kentaudit version, time)
    findings : list of :class:`kentaudit.publication.findings.Finding` (main findings, at the top)
    words : dict (``{"criteria": {id: description}}``: codes in words for readers)
    publication : dict (producer, contact, dates, status: the cover)
    downloads : list of ``(file name relative to the HTML, what it is)``
    """

    title: str
    intro: str
    tables: list
    figures: list
    notes: dict
    methods: list
    caveats: list
    skipped: list = field(default_factory=list)
    synthetic: bool = False
    generated: str = ""
    findings: list = field(default_factory=list)
    words: dict = field(default_factory=dict)
    publication: dict = field(default_factory=dict)
    downloads: list = field(default_factory=list)

    def numbers(self) -> dict:
        """Reader-facing numbers of this edition (``{"T7": "Table 7", "F1": "Figure 1"}``):
        the ids themselves (:mod:`kentaudit.publication.numbering`)."""
        return numbering([t.id for t in self.tables] + [f.id for f in self.figures])

    def note_numbers(self) -> dict:
        """Note numbers in reading order: tables first, then figures."""
        return number_notes(list(self.tables) + list(self.figures), self.notes)
