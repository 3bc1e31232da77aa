"""One display layer for every table a person reads in a notebook or reviewer page.

Results tables stay tidy and unrounded (``docs/results.md``); this module only
changes how they look, in the spirit of gtsummary:

* **human headers** from the column dictionary ``kentaudit/data/columns.csv``
  (one row per column documented in ``docs/results.md``: its header, its
  format and whether it describes the method rather than the row);
* **estimates with their intervals** in one cell, ``63.3 (50.7 to 74.4)``, the
  header saying the unit and the level (``Estimate, % (95% CI)``);
* **p-values formatted** (:func:`kentaudit.core.formatting.format_p`): ``<0.001``,
  otherwise three decimals; a test that
  could not be done (no p-value) shows an en dash;
* **the method said once**: a method column whose value is the same on every
  row (interval method, confidence level, adjustment, test policy, ...) leaves the
  table and is stated in the caption; one that varies stays, with a header;
* **no index column**; **long tables collapsed** (``<details>``) behind a summary
  line saying how many rows there are and how many are flagged.

:func:`style_table` returns a :class:`TableView` that notebooks display
(``_repr_html_``); :meth:`TableView.to_html` gives the HTML. The formatting
numbers themselves are written by :mod:`kentaudit.core.formatting`, the one formatter
every output uses; :func:`header` is public so other modules use the same headers.
"""
from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from kentaudit.core.errors import ScaleError
from kentaudit.core.formatting import (format_interval, format_value, is_missing, join_words, level_text,
                                       method_words)
from kentaudit.inputs.profile import Words, bundled_profile

__all__ = ["FORMATS", "column_info", "header", "style_table", "TableView", "MAX_ROWS", "MAX_SHOWN", "Interval",
           "intervals", "scale_of", "TITLES", "WORD_SLOTS", "default_words", "in_words", "table_title",
           "grade_scale_note"]

#: the closed set of column formats of ``columns.csv``
FORMATS = ("count", "percent", "pp", "p", "number", "stat", "whole", "bool", "text")

#: tables longer than this are collapsed behind a summary
MAX_ROWS = 25
#: a text column with a cell longer than this (characters) is a column of sentences, given the
#: width of a short paragraph
LONG_TEXT = 60
#: ... and one longer than this a column of phrases ("Funnel plot, outside the 99.8% limits"),
#: kept from wrapping a word to a line
MID_TEXT = 25
#: at most this many rows of a table are written into a page (the summary says where the rest are)
MAX_SHOWN = 400

#: the same column means another thing in these tables
_TABLE_FORMATS = {
    "moderation_kappa": {"estimate": "number", "conf_low": "number", "conf_high": "number"},
    "auditor_agreement": {"conf_low": "number", "conf_high": "number"},
    "agreement_coefficients": {"estimate": "number", "conf_low": "number", "conf_high": "number"},
    "grade_comparison": {"estimate": "number", "conf_low": "number", "conf_high": "number"},
    "profile_grade_test": {"estimate": "number", "conf_low": "number", "conf_high": "number"},
    "casemix_odds_ratios": {"conf_low": "number", "conf_high": "number"},
    "auditor_leniency": {"conf_low": "number", "conf_high": "number"},
    "reaudit_grades": {"estimate": "number"},
    # the design-based estimate is a percentage: its standard error on the same scale
    "authority_estimate": {"se": "pp"},
    # what a notebook read (``Cycle.describe``): settings in words, none of them a percentage
    "cycle": {"value": "text"},
}
#: headers a table gives a column in place of ``columns.csv``'s: beside the previous cycle's
#: counts and compliance, this cycle's say "this cycle" ("Estimate, %" beside "Compliance
#: (previous cycle), %" did not say whose estimate it was)
_TABLE_HEADERS = {
    "change_since_previous": {"n_yes": "Yes (this cycle)", "n_denominator": "Answered (this cycle)",
                              "estimate": "Compliance (this cycle)"},
}
#: the scale of ``estimate`` in tables where it is not a proportion (``columns.csv`` gives
#: every other estimate column's scale)
_TABLE_SCALES = {
    "moderation_kappa": {"estimate": "kappa"},
    "agreement_coefficients": {"estimate": "agreement coefficient"},
    # the rank test's row has no interval; the model's row is a common odds ratio
    "grade_comparison": {"estimate": "odds ratio"},
    "profile_grade_test": {"estimate": "odds ratio"},
    "reaudit_grades": {"estimate": "number"},
    # what a notebook read (``Cycle.describe``): settings in words, none of them a percentage
    "cycle": {"value": "text"},
}
#: The authority's words a text from the package may name in braces (``{unit}``, ``{rest}``):
#: :func:`in_words` fills them from the cycle's profile (:class:`kentaudit.inputs.profile.Words`).
WORD_SLOTS = ("unit", "units", "Unit", "Units", "area", "areas", "Area", "Areas", "authority", "rest", "Rest",
              "all_units", "population")
_SLOT = re.compile(r"\{(" + "|".join(WORD_SLOTS) + r")\}")


def default_words() -> Words:
    """The words of the bundled example profile, for a table shown with no cycle known."""
    return bundled_profile().words


def _slots(w: Words) -> dict:
    return {"unit": w.unit, "units": w.units, "Unit": w.Unit, "Units": w.Units, "area": w.area,
            "areas": w.areas, "Area": w.Area, "Areas": w.areas[:1].upper() + w.areas[1:],
            "authority": w.authority, "rest": w.rest, "Rest": w.Rest, "all_units": w.all_units,
            "population": w.population}


def in_words(text, words: Words | None = None):
    """``text`` with the authority's words in its slots (:data:`WORD_SLOTS`): ``"Each {unit}
    against the {rest}"`` -> "Each locality against the rest of Borsetshire". Any other braces
    (``{headline}``) are left for their own filler; a value that is not text is returned as it is.
    ``words`` None: the bundled example profile's (:func:`default_words`)."""
    if not isinstance(text, str) or "{" not in text:
        return text
    slots = _slots(words or default_words())
    return _SLOT.sub(lambda m: slots[m.group(1)], text)


def grade_scale_note(labels, best: str = "lowest") -> str:
    """The appendix's note on grades, from the cycle's scale (``{grade: label}``, any length;
    ``best``: the profile's ``grade_best``): "Grades run from 1 (the best, Outstanding) to 4
    (Inadequate) on the grade scale of the cycle." on Kent's scale, "... from 1 (the best,
    Good) to 3 (Inadequate) ..." on a three-point one, and with ``best="highest"`` "from 1
    (Inadequate) to 5 (the best, Excellent)". The appendix's ``grades`` note
    (``appendix_spec.yaml``) is replaced by it."""
    grades = sorted(labels)
    first, last = grades[0], grades[-1]
    if best == "highest":
        ends = f"{first} ({labels[first]}) to {last} (the best, {labels[last]})"
    else:
        ends = f"{first} (the best, {labels[first]}) to {last} ({labels[last]})"
    return f"Grades run from {ends} on the grade scale of the cycle."


#: results table -> the title a reader sees above it (``style_table``'s default caption), the
#: authority's words in braces (:func:`in_words`); a table not listed gets its name in words,
#: which a test forbids for every results table
TITLES = {
    "reconciliation": "Audit records received, accepted and rejected",
    "reconciliation_by_file": "Audit records received, accepted and rejected, by file",
    "rejections_by_rule": "Records rejected, by the rule they broke",
    "data_quality_counts": "Accepted records that need a reader's attention",
    "sample_summary": "Audits by sample",
    "sample_by_district": "Audits by {unit} and sample",
    "completeness": "Answers yes, no, not applicable and not recorded, by criterion and sample",
    "timeliness_agreement": "Recorded timeliness against the dates in the file",
    "auditor_agreement": "Agreement between auditors and moderators (weighted kappa)",
    "moderation_kappa": "Agreement between auditors and moderators, by kappa weighting",
    "auditor_grades": "Grades given by each auditor",
    "compliance_by_criterion": "Compliance by criterion",
    "compliance_by_sample": "Compliance by criterion and sample",
    "authority_estimate": "Authority-wide compliance, design-based estimate",
    "grades": "Overall grades by sample",
    "grade_distribution": "Overall grades by sample, with intervals",
    "grade_collapsed": "Files graded good or better, by sample",
    "initial_vs_extended": "Compliance in the initial and the additional cases",
    "reaudit_paired": "Re-audit of initial cases: first audit against re-audit",
    "reaudit_mcnemar": "Re-audit of initial cases: answers that changed",
    "reaudit_grades": "Re-audit of initial cases: grades",
    "reaudit_grade_table": "Re-audit of initial cases: grade at first audit against grade at re-audit",
    "precision_gain": "What the additional cases did to the precision of the estimate",
    "sample_size": "Files needed for a margin of error of 5 and 10 percentage points",
    "grade_comparison": "Grades in the initial and the additional cases compared",
    "funnel": "Each {unit} against the standard: funnel limits and flags, by criterion",
    "compliance_by_district": "Compliance by {unit} and {area}",
    "district_tests": "Does compliance differ between {units}, or {areas}? Tests by criterion",
    "district_vs_rest": "Each {unit} against the rest of the authority",
    "area_vs_rest": "Each {area} against the rest of the authority",
    "casemix_lr": "Do {units} differ once case mix is allowed for? Likelihood-ratio tests",
    "casemix_odds_ratios": "Odds of meeting the headline criterion, by {unit}, allowing for case mix",
    "funnel_programme": "Each {unit} against the standard, cycles pooled",
    "profile": "The {unit} against the rest of the authority and its previous cycle",
    "profile_grades": "Overall grades in the {unit} and the rest of the authority",
    "profile_grade_test": "Are the {unit}'s grades worse than the rest's?",
    "trend": "Compliance by cycle",
    "trend_tests": "Trend over the programme, by criterion",
    "change_since_previous": "Change since the previous cycle",
    "grade_trend": "Overall grades by cycle",
    "grade_trend_tests": "Trend in overall grades over the programme",
    "p_chart": "Control chart of the headline criterion (p-chart)",
    "xmr": "Control chart of the headline criterion (XmR chart)",
    "programme_counts": "Audits by cycle",
    "programme_grades": "Overall grades by cycle",
    "shrunken_by_district": "Shrunken estimates by {unit}, with rank intervals",
    "shrunken_by_area": "Shrunken estimates by {area}, with rank intervals",
    "shrunken_headline": "Shrunken estimates of the headline criterion, with rank intervals",
    "shrunken_programme": "Shrunken estimates by {unit}, cycles pooled",
    "flag_operating_characteristics": "How often each {unit} flag is wrong, and how often it finds a real shortfall",
    "flag_oc_summary": "Error rates of the {unit} flags at this cycle's numbers of files",
    "spc_operating_characteristics": "Error rates of the control-chart rules",
    "agreement_coefficients": "Agreement between auditors and moderators: kappa, Gwet's AC1/AC2, Krippendorff's alpha",
    "moderation_by_cycle": "Moderated audits and grades changed, by cycle",
    "moderation_p_chart": "Control chart of moderated grades that changed (p-chart)",
    "moderation_run_chart": "Run chart of moderated grades that changed",
    "auditor_leniency": "How lenient each auditor is, against the moderators",
    "action_register": "Actions agreed after earlier audits",
    "action_effects": "Compliance before and after each action, on the criteria it targets",
    "action_effects_by_cycle": "Compliance on each action's criteria, cycle by cycle",
}
_FLAG_COLUMNS = ("flag_99_8", "funnel_band", "point_type")


@dataclass(frozen=True)
class ColumnInfo:
    """A column of the dictionary: ``header`` (what a reader sees), ``format`` (one of
    :data:`FORMATS`) and ``role`` (``"method"`` for columns describing how the row was
    computed, ``"detail"`` for identifiers a reader does not need, else ``""``) and, for an
    estimate, ``scale`` (``"proportion"``, ``"difference of proportions"``, ``"odds
    ratio"``, ...: what :func:`kentaudit.core.formatting.format_interval` checks)."""

    column: str
    header: str
    format: str
    role: str = ""
    scale: str = ""


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, ColumnInfo]:
    text = (resources.files("kentaudit") / "data" / "columns.csv").read_text(encoding="utf-8")
    out = {}
    for r in csv.DictReader(text.splitlines()):
        if r["format"] not in FORMATS:
            raise ValueError(f"kentaudit/data/columns.csv: column {r['column']!r} has unknown "
                             f"format {r['format']!r}; use one of {FORMATS}.")
        out[r["column"]] = ColumnInfo(r["column"], r["header"], r["format"], r["role"],
                                      r.get("scale") or "")
    return out


@lru_cache(maxsize=1)
def _value_dictionary() -> dict[tuple[str, str], str]:
    """``kentaudit/data/values.csv``: codes a results table holds as values (a control chart's
    point types and rules, a flag's reference, a factor's levels) in words, by column."""
    text = (resources.files("kentaudit") / "data" / "values.csv").read_text(encoding="utf-8")
    return {(r["column"], r["value"]): r["words"] for r in csv.DictReader(text.splitlines())}


def _value_words(column: str, value, words: Words | None = None):
    """A cell of results-table column ``column`` as a reader reads it: a code listed in
    ``kentaudit/data/values.csv`` in words (``common_cause`` -> "Common cause"), in the
    authority's ``words``; any other value unchanged."""
    if not isinstance(value, str):
        return value
    if column in ("scores", "cycles"):  # the trend test's "2010,2011,2012,2013" as a list a reader reads
        return join_words([v.strip() for v in value.split(",") if v.strip()])
    w = _value_dictionary().get((column, value))
    return value if w is None else in_words(w, words)


@dataclass(frozen=True)
class Interval:
    """An interval of a results table (``kentaudit/data/intervals.csv``): its bounds
    ``conf_low`` and ``conf_high`` are the interval of column ``estimate``, on ``scale``."""

    table: str
    estimate: str
    conf_low: str
    conf_high: str
    scale: str


@lru_cache(maxsize=1)
def _interval_rows() -> tuple[Interval, ...]:
    text = (resources.files("kentaudit") / "data" / "intervals.csv").read_text(encoding="utf-8")
    return tuple(Interval(**r) for r in csv.DictReader(text.splitlines()))


def _base(table: str | None) -> str:
    """A results table's name without a district code (``profile__THA`` -> ``profile``)."""
    return (table or "").partition("__")[0]


def intervals(columns, table: str | None = None) -> list[Interval]:
    """The intervals of a table with ``columns`` (results table ``table``): which estimate
    each pair of bounds belongs to and on what scale (``kentaudit/data/intervals.csv``).

    The table's own rows come first and claim their bounds (in ``district_vs_rest``,
    ``conf_low`` and ``conf_high`` are the interval of ``difference``, not of the district's
    ``estimate``); then the rows for every table (``*``: ``conf_low`` belongs to
    ``estimate``, ``change_conf_low`` to ``change``, ...). Only intervals whose three
    columns are all present are returned; a pair of bounds belongs to one estimate.
    """
    cols = set(columns)
    base = _base(table)
    out: list[Interval] = []
    claimed: set = set()
    for own in (True, False):
        for iv in _interval_rows():
            if (iv.table == base) != own or (not own and iv.table != "*"):
                continue
            trio = (iv.estimate, iv.conf_low, iv.conf_high)
            if not set(trio) <= cols or {iv.conf_low, iv.conf_high} & claimed or any(
                    o.estimate == iv.estimate for o in out):
                continue
            out.append(iv)
            claimed.update((iv.conf_low, iv.conf_high))
    return out


def scale_of(column: str, table: str | None = None) -> str:
    """The scale of an estimate column in results table ``table`` (``columns.csv``, with the
    table's own scale where ``estimate`` is not a proportion); empty when not an estimate."""
    own = _TABLE_SCALES.get(_base(table), {}).get(column)
    return own or column_info(column).scale


def column_info(column: str, table: str | None = None, words: Words | None = None) -> ColumnInfo:
    """The dictionary entry of ``column`` (in results table ``table``, whose own
    formats win), its header in the authority's ``words`` (:func:`in_words`); an
    undocumented column gets its name in words and format ``text``."""
    info = _dictionary().get(column) or ColumnInfo(column, column.replace("_", " ").strip().capitalize(),
                                                  "text")
    fmt = _TABLE_FORMATS.get(_base(table), {}).get(column)
    head = _TABLE_HEADERS.get(_base(table), {}).get(column, info.header)
    return ColumnInfo(info.column, in_words(head, words), fmt or info.format, info.role, info.scale)


def header(column: str, table: str | None = None, words: Words | None = None) -> str:
    """The header a reader sees for ``column`` (never a snake_case name), in the authority's words."""
    return column_info(column, table, words).header


def _unit_suffix(fmt: str) -> str:
    return {"percent": ", %", "pp": ", percentage points"}.get(fmt, "")


def _level(df: pd.DataFrame) -> str:
    if "conf_level" in df.columns:
        lv = pd.to_numeric(df["conf_level"], errors="coerce").dropna().unique()
        if len(lv) == 1:
            return f"{level_text(lv[0])} CI"
    return "CI"


def _constant(s: pd.Series):
    vals = s.dropna().astype(str).unique()
    return vals[0] if len(vals) == 1 and s.notna().all() else None


def _term_words(term: str, words: Words | None = None) -> str:
    """A model term in words: ``risk_domestic_abuse`` -> ``risk: domestic abuse``,
    ``age_band`` -> ``age band`` (a documented column keeps its header, in the authority's
    ``words``: ``district`` -> "locality")."""
    if term in _dictionary():
        return header(term, words=words).lower()
    if term.startswith("risk_"):
        return "risk: " + term[5:].replace("_", " ").replace("under1", "under 1")
    return term.replace("_", " ")


#: columns whose values name a column of the data model (the grouping of a test, a model term):
#: shown in the authority's words ("district" -> "locality", ``district[Brookmere]`` ->
#: ``locality[Brookmere]``; Kent's read as saved), saved as they are
_MODEL_NAME_COLUMNS = ("group", "variable", "term")
_TERM = re.compile(r"^(district|area)\[(.*)\]$")


def _model_name_words(value, words: Words | None = None):
    if not isinstance(value, str):
        return value
    if value in ("district", "area"):
        return header(value, words=words).lower()
    m = _TERM.match(value)
    if m:
        return f"{header(m.group(1), words=words).lower()}[{m.group(2)}]"
    return value


#: a model's term column names the term as a code (``district[Canterbury]``,
#: ``age_band[under_1]``, ``risk_substance``); a table that also has the term's variable and
#: level shows those in words instead (:func:`_model_level_words`)
_TERM_PARTS = ("variable", "level")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _model_level_words(variable, level, levels: dict | None, words: Words | None = None):
    """A level of a model term as a reader reads it: the profile's label (``levels``:
    ``{(variable, code): label}``, e.g. ``("case_status", "cp_plan")`` -> "Child protection
    plan"), a yes/no indicator's ``Y`` as "yes", otherwise the code with spaces for underscores
    (``under_1`` -> "under 1"); a unit's name is unchanged."""
    if not isinstance(level, str) or not isinstance(variable, str):
        return level
    label = (levels or {}).get((variable, level))
    if label is not None:
        return in_words(label, words)
    if variable.startswith(("risk_", "is_")):
        return {"Y": "yes", "N": "no", "True": "yes", "False": "no", "1": "yes", "0": "no"}.get(level, level)
    if variable in ("district", "area"):
        return level
    return level.replace("_", " ")


#: a family of comparisons named with its criterion's code (``12 districts x 1 criterion
#: (c_seen), each against the rest``): one family per criterion, said once above the table
_FAMILY_CODE = re.compile(r"\s*\((?:c_)?([A-Za-z0-9_]+)\)")


#: tests whose name a reader may not know (:data:`kentaudit.core.formatting.METHOD_WORDS`
#: code -> what it is): a table showing one explains it once, in its caption
_EXPLAINED = {"n-1 chi-square": "Pearson's chi-square multiplied by (N-1)/N, accurate for small "
                                "samples (Campbell 2007)"}


def _family_once(df: pd.DataFrame) -> str | None:
    """The ``family`` column of ``df`` said once, when it varies only by the criterion it names
    (one family per criterion, the same size for each): "12 districts x 1 criterion, each
    against the rest, one family for each criterion"; a family the same on every row, naming no
    criterion, is said as it is ("19 criteria, additional against initial cases"); None when the
    families differ otherwise."""
    if "family" not in df.columns or "criterion" not in df.columns or not len(df):
        return None
    codes = {str(c).removeprefix("c_") for c in df["criterion"].dropna()}
    texts = set()
    per_criterion = False
    for v in df["family"]:
        if not isinstance(v, str):
            return None
        said = _FAMILY_CODE.sub(lambda m: "" if m.group(1) in codes else m.group(0), v)
        per_criterion = per_criterion or said != v
        texts.add(said)
    if len(texts) == 1:
        # "one family for each criterion" only where each row's family named its criterion: a
        # family the same on every row ("19 criteria, additional against initial cases") is one
        # family of the whole table, and said so it read as 19 families of one test
        return f"{texts.pop()}, one family for each criterion" if per_criterion else texts.pop()
    if len(texts) <= 4 and len(texts) < len(df):
        # a few families (one for each grouping): each said once, in the order of the table
        seen = dict.fromkeys(_FAMILY_CODE.sub(lambda m: "" if m.group(1) in codes else m.group(0), v)
                             for v in df["family"])
        return join_words(list(seen))
    return None


def _method_text(col: str, value, table: str | None, words: Words | None = None) -> str:
    info = column_info(col, table, words)
    if col == "conf_levels" and isinstance(value, str):  # "0.95;0.998" -> "95% and 99.8%"
        try:
            value = join_words([level_text(float(v)) for v in value.split(";")])
        except ValueError:
            pass
    elif col == "covariates" and isinstance(value, str):  # model terms in words
        value = join_words([_term_words(v.strip(), words) for v in value.split(",") if v.strip()])
    elif isinstance(value, str):
        value = _value_words(col, value, words)
        value = method_words(value, "full")
    if col == "conf_level":
        value = level_text(value)
    elif info.format == "percent":
        try:
            value = level_text(value)
        except ValueError:
            pass
    return f"{info.header}: {value}"


class TableView:
    """A results table as a reader sees it (see the module docstring).

    Attributes
    ----------
    frame : DataFrame
        The displayed cells, all text, with human headers.
    caption : str
        Title and the method stated once.
    n_rows : int
    summary : str or None
        The line shown above a collapsed table (None when not collapsed).
    """

    def __init__(self, frame: pd.DataFrame, caption: str, n_rows: int, summary: str | None,
                 uuid: str, numeric: set):
        self.frame, self.caption, self.n_rows, self.summary = frame, caption, n_rows, summary
        self._uuid, self._numeric = uuid, numeric

    def to_html(self) -> str:
        """The table as accessible HTML: ``<caption>``, ``<th scope="col">`` headers
        with text, the first column as row headers, numbers right-aligned."""
        e = html.escape
        cols = list(self.frame.columns)
        # a column of sentences (a statement, a note): wide enough to read as a paragraph
        longest = {c: int(self.frame[c].astype(str).str.len().max()) if len(self.frame) else 0
                   for c in cols if c not in self._numeric}
        width = {c: ("long" if n > LONG_TEXT else "mid") for c, n in longest.items() if n > MID_TEXT}
        out = [f'<table class="kentaudit-table" id="T_{e(self._uuid)}">',
               f"<caption>{e(self.caption)}</caption>", "<thead><tr>"]
        for c in cols:
            cls = ' class="num"' if c in self._numeric else ""
            out.append(f'<th scope="col"{cls}>{e(str(c))}</th>')
        out.append("</tr></thead><tbody>")
        for row in self.frame.itertuples(index=False):
            out.append("<tr>")
            for j, (c, v) in enumerate(zip(cols, row)):
                cls = ' class="num"' if c in self._numeric else (f' class="{width[c]}"' if c in width else "")
                tag = "th" if j == 0 else "td"
                scope = ' scope="row"' if j == 0 else ""
                out.append(f"<{tag}{scope}{cls}>{e(str(v))}</{tag}>")
            out.append("</tr>")
        out.append("</tbody></table>")
        table = "".join(out)
        style = ("<style>.kentaudit-table{border-collapse:collapse;font-size:.9em;margin:.5em 0}"
                 ".kentaudit-table caption{text-align:left;font-weight:600;padding:.3em 0}"
                 ".kentaudit-table th,.kentaudit-table td{border-bottom:1px solid #c8c8c8;"
                 "padding:.25em .6em;text-align:left!important;vertical-align:top}"
                 ".kentaudit-table thead th{border-bottom:2px solid #505050}"
                 ".kentaudit-table .num{text-align:right!important;font-variant-numeric:tabular-nums}"
                 # a number never wraps ("-0.5 (-16.6 to 4.1)" on one line); a sentence gets the
                 # width of a short paragraph, so it does not squeeze the table into tall rows
                 ".kentaudit-table td.num{white-space:nowrap}"
                 ".kentaudit-table .long{min-width:22em}.kentaudit-table .mid{min-width:11em}"
                 ".kentaudit-table tbody th{font-weight:normal}"
                 "details.kentaudit-long>summary{cursor:pointer;padding:.4em 0;min-height:24px}"
                 "</style>")
        if self.summary:
            return (f'{style}<details class="kentaudit-long"><summary>{e(self.summary)}</summary>'
                    f"{table}</details>")
        return style + table

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"TableView({self.caption!r}, {self.n_rows} rows)"


def table_title(name: str | None, words: Words | None = None) -> str:
    """The title a reader sees above results table ``name`` (:data:`TITLES`), in the authority's words."""
    if not name:
        return "Table"
    base, _, code = name.partition("__")
    t = in_words(TITLES.get(base) or base.replace("_", " "), words)
    return t[:1].upper() + t[1:] + (f" ({code})" if code else "")


#: results-table columns whose values are sample names (docs/results.md)
_SAMPLE_COLUMNS = ("sample", "sample_a", "sample_b", "samples")


def _sample_words(column: str, value, levels: dict):
    """A sample name, or names joined by " + " or ", " (the samples an estimate or a comparison
    read), as the profile labels them (``levels[("sample", name)]``); a value
    ``kentaudit/data/values.csv`` words, or one the profile does not label, unchanged."""
    if not isinstance(value, str) or (column, value) in _value_dictionary():
        return value
    parts = [p.strip() for p in re.split(r"[+,]", value)]
    said = [levels.get(("sample", p)) for p in parts]
    return join_words(said) if all(said) else value


def style_table(df: pd.DataFrame, name: str | None = None, *, caption: str | None = None,
                max_rows: int = MAX_ROWS, decimals: int | None = None,
                hide: tuple = (), words: Words | None = None,
                levels: dict | None = None) -> TableView:
    """Display a tidy results table for reading.

    Parameters
    ----------
    df : DataFrame
        A results table (unrounded, machine column names).
    name : str, optional
        Its results-table name (``docs/results.md``); picks table-specific formats
        and the default caption.
    caption : str, optional
        Title of the table (default: the name in words).
    max_rows : int
        Longer tables are collapsed behind a summary line.
    decimals : int, optional
        Decimals for percentages and numbers (default 1 and 3 significant figures).
    hide : tuple of str
        Columns not to show.
    words : kentaudit.inputs.profile.Words, optional
        The authority's words for headers and the title (the cycle's ``params.words``;
        default the bundled example profile's).
    levels : dict, optional
        ``{(variable, code): label}``: the profile's labels of the levels a model's terms
        name (case types, age bands, samples); a model's terms are shown by their variable and
        level in words, never as the code ``district[Canterbury]``.

    Returns
    -------
    TableView
        ``frame`` holds the displayed text cells with human headers; constant method
        columns are stated once in ``caption``, and so is any other column with the same
        words on every row of a table of two rows or more (a family of comparisons, the
        criterion of a one-criterion model); detail columns (hashes) are left out.
    """
    df = df.reset_index(drop=True)
    cols = [c for c in df.columns if c not in hide]
    used: set = set()
    out: dict = {}
    numeric: set = set()
    methods: list = []
    level = _level(df)
    pairs = {iv.estimate: iv for iv in intervals(cols, name)}
    # a code next to its label (criterion, rule, scenario; a grade grouping next to its
    # definition): the label is what a reader reads
    for c in cols:
        if f"{c}_label" in cols or (c == "group" and "definition" in cols):
            used.add(c)
    if "term" in cols and set(_TERM_PARTS) <= set(cols):
        # the term is its variable and level as a code: those two are shown in words
        used.add("term")
        df = df.copy()
        for c in ("level", "reference"):
            if c in df.columns:
                df[c] = [_model_level_words(v, x, levels, words) for v, x in zip(df["variable"], df[c])]
        df["variable"] = [_capital(_term_words(v, words)) if isinstance(v, str) else v
                          for v in df["variable"]]
    if levels and any(c in cols for c in _SAMPLE_COLUMNS):
        # a sample is named by the profile's label (Fenmarsh's "random_sample" read as a code)
        df = df.copy()
        for c in (c for c in _SAMPLE_COLUMNS if c in cols):
            df[c] = [_sample_words(c, v, levels) for v in df[c]]
    family = _family_once(df) if "family" in cols else None
    if family is not None:
        methods.append(f"{header('family', name, words)}: {family}")
        used.add("family")
    for c in cols:
        if c in used:
            continue
        info = column_info(c, name, words)
        if info.role == "detail":
            used.add(c)
            continue
        if info.role == "method" or c == "conf_level":
            v = _constant(df[c])
            if v is not None or df[c].isna().all():
                if v is not None:
                    methods.append(_method_text(c, v, name, words))
                used.add(c)
                continue
        if info.format == "text" and len(df) and all(is_missing(v) for v in df[c]):
            # a text column blank on every row (a note no row needed) says nothing: a column
            # of en dashes is left out (the saved table keeps it)
            used.add(c)
            continue
        iv = pairs.get(c)
        if iv is not None:
            fmt = info.format
            head = f"{info.header}{_unit_suffix(fmt)} ({level})"
            if scale_of(c, name) != iv.scale:  # said with the table's name, even with no rows
                raise ScaleError(scale_of(c, name), iv.scale, f"{name or 'table'}.{c}")
            out[head] = [format_interval(a, b, d, fmt, decimals, scale=scale_of(c, name),
                                         interval_scale=iv.scale)
                         for a, b, d in zip(df[c], df[iv.conf_low], df[iv.conf_high])]
            numeric.add(head)
            used.update((c, iv.conf_low, iv.conf_high))
            continue
        head = info.header + (_unit_suffix(info.format) if info.format in ("percent", "pp") else "")
        while head in out:
            head += " "
        if info.role == "method":  # a method that varies between rows: its name in words
            out[head] = [method_words(v) if isinstance(v, str) else format_value(v, info.format, decimals)
                         for v in df[c]]
        else:
            vals = (df[c].map(lambda v: _model_name_words(v, words)) if c in _MODEL_NAME_COLUMNS
                    else df[c].map(lambda v, c=c: _value_words(c, v, words)))
            cells = [format_value(v, info.format, decimals) for v in vals]
            if info.format == "text" and len(df) and any(cells == v for v in out.values()):
                # the same words twice (a trend test's scores are its cycles): shown once
                used.add(c)
                continue
            out[head] = cells
        if info.format in ("count", "percent", "pp", "p", "number", "stat", "whole"):
            numeric.add(head)
        used.add(c)
    for code, what in _EXPLAINED.items():
        # a test named by a label a reader may not know ("'N-1' chi-square") is explained once
        label = method_words(code, "label")
        shown = any(label in str(v) for cells in out.values() for v in cells) or any(
            label in m for m in methods)
        if shown and not any(what in m for m in methods):
            methods.append(f"{label}: {what}")
    if len(df) >= 2:
        # the same words on every row (a family of comparisons, a one-criterion model's
        # criterion and note): said once, after the method, not repeated down the table
        for head in [h for h in out if h not in numeric]:
            cells = set(out[head])
            if len(cells) == 1 and len(out) > 1 and next(iter(cells)) not in ("", "–"):
                methods.append(f"{head.strip()}: {next(iter(cells))}")
                del out[head]
    frame = pd.DataFrame(out) if out else pd.DataFrame(index=range(len(df)))
    title = cap = caption or table_title(name, words)
    if methods:
        cap += ". " + "; ".join(dict.fromkeys(m.rstrip(". ") for m in methods)) + "."
    summary = None
    if len(df) > max_rows:
        # the line a reader sees in place of a collapsed table names the table: a page with
        # several collapsed tables otherwise shows "240 rows" twice with nothing to tell them apart
        summary = f"{title} ({len(df):,} rows): select to show the whole table"
        flag = next((c for c in _FLAG_COLUMNS if c in df.columns), None)
        if flag is not None:
            vals = df[flag].astype(str)
            n_flag = int((~vals.isin(["within", "not assessed", "common_cause", "nan", "missing"])).sum())
            summary = (f"{title} ({len(df):,} rows, {n_flag:,} flagged: "
                       f"{header(flag, name, words).lower()}): select to show the whole table")
    if len(frame) > MAX_SHOWN:
        # a page is read, not searched: beyond MAX_SHOWN rows the page shows the first ones
        # and says where the whole table is (a 2,160-row table made a 2 MB reviewer page)
        where = f"the results table {name!r} (results/{name}.csv)" if name else "the results table"
        frame = frame.iloc[:MAX_SHOWN]
        summary = (summary or f"{title} ({len(df):,} rows)").replace(": select to show the whole table", "")
        summary += (f": the first {MAX_SHOWN:,} shown; every row is in {where}")
    uuid = (name or "table").replace("__", "_")
    return TableView(frame, cap, len(df), summary, uuid, numeric)
