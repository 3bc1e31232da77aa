"""Main findings in plain English, written from the published tables by templates.

Every number in a finding is a :class:`Binding`: the text shown and where it comes
from - a cell of a published (disclosure-controlled) table (``table``, ``row``,
``column``), a count of the rows of a table meeting a stated condition
(``kind="rows"``), or a parameter of the run (the confidence level). So the
findings can disclose nothing the tables do not, and a test can check each number
against the tables (``tests/publication/test_findings.py``). The bindings are written to the
restricted folder beside the appendix (``RESTRICTED_findings.csv``).

Templates (each gives nothing when its table is not in the edition):

* the headline criterion's compliance with its interval, and the highest and
  lowest criteria (T4);
* what the extension changed: criteria higher among the additional cases, those
  significant after adjustment, with differences and adjusted p-values (T5);
* what the re-audit from comprehensive files changed (T6);
* districts outside the 99.8% funnel limits, on the headline criterion and over all
  criteria (T7);
* what changed since the previous cycle (T10);
* what could not be tested or shown (p-values not applicable or suppressed).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kentaudit.core.formatting import P_FLOOR_CELL, format_p, method_words
from kentaudit.publication.views import csv_frame

__all__ = ["Binding", "Finding", "main_findings", "reconciliation_findings", "profile_findings",
           "bindings_frame"]


@dataclass(frozen=True)
class Binding:
    """One number of a finding.

    ``kind``: ``"cell"`` (``table``, ``row`` - the row index in the published table -
    and ``column``), ``"rows"`` (the number of rows of ``table`` where ``condition``
    holds) or ``"parameter"`` (``column`` names the parameter). ``text`` is how the
    number is written in the sentence; ``value`` the published cell (or count) as text.
    """

    text: str
    kind: str
    table: str
    column: str
    value: str
    row: int | None = None
    condition: str = ""


@dataclass
class Finding:
    """A sentence and its numbers; ``topic`` groups sentences (``headline``, ``extension``,
    ``reaudit``, ``districts``, ``change``, ``untested``)."""

    topic: str
    parts: list = field(default_factory=list)

    def add(self, *items) -> "Finding":
        self.parts.extend(items)
        return self

    @property
    def text(self) -> str:
        return "".join(p.text if isinstance(p, Binding) else str(p) for p in self.parts)

    @property
    def bindings(self) -> list:
        return [p for p in self.parts if isinstance(p, Binding)]


# ------------------------------------------------------------------ helpers
def _shown(v) -> bool:
    return isinstance(v, str) and v not in ("", "[c]", "[x]", "[z]")


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _cell(tid, df, i, col, fmt="{}") -> Binding:
    v = str(df.at[i, col])
    return Binding(fmt.format(v), "cell", tid, col, v, row=int(i))


def _rows(tid, n, cond) -> Binding:
    return Binding(str(n), "rows", tid, "", str(n), condition=cond)


def _p_text(b: Binding) -> str:
    """A p-value cell (as the CSV holds it) in words: ``adjusted p < 0.001`` or ``= 0.004``."""
    f = _num(b.value)
    if f is None and b.value != P_FLOOR_CELL:
        return f"adjusted p {b.value}"
    return format_p(b.value, prefix="adjusted p")


def _significant(v, alpha) -> bool:
    if v == P_FLOOR_CELL:
        return True
    f = _num(v)
    return f is not None and f < alpha


def _desc(df, i) -> str:
    return str(df.at[i, "criterion_label"]) if "criterion_label" in df.columns else str(df.at[i, "criterion"])


def _list(items) -> list:
    """Join finding parts ``[[...], [...]]`` with commas and a final 'and'."""
    out = []
    for k, it in enumerate(items):
        if k:
            out.append(" and " if k == len(items) - 1 else ", ")
        out.extend(it)
    return out


# ---------------------------------------------------------------- templates
def _headline(t, headline, conf):
    df = csv_frame(t).astype(str)
    out = []
    rows = df.index[df["criterion"] == headline].tolist()
    if rows:
        i = rows[0]
        f = Finding("headline").add("Across Kent, ")
        if _shown(df.at[i, "estimate"]):
            f.add(_cell(t.id, df, i, "estimate", "{}%"), f" of the files where it applied met the headline "
                  f"criterion, \u2018{_desc(df, i)}\u2019")
            if _shown(df.at[i, "conf_low"]) and _shown(df.at[i, "conf_high"]):
                f.add(" (", Binding(f"{100 * conf:g}%", "parameter", "params", "confidence_level", f"{conf:g}"),
                      " confidence interval ", _cell(t.id, df, i, "conf_low", "{}%"), " to ",
                      _cell(t.id, df, i, "conf_high", "{}%"), ")")
            if _shown(df.at[i, "n_yes"]) and _shown(df.at[i, "n_denominator"]):
                f.add(": ", _cell(t.id, df, i, "n_yes"), " of ", _cell(t.id, df, i, "n_denominator"), " files")
            f.add(".")
        else:
            f.add(f"compliance with the headline criterion, \u2018{_desc(df, i)}\u2019, is not shown "
                  "(suppressed to protect the people it is about).")
        out.append(f)
    est = df["estimate"].map(_num)
    ok = est.notna()
    if ok.sum() >= 2:
        hi, lo = est[ok].idxmax(), est[ok].idxmin()
        out.append(Finding("headline").add(
            "Of the ", _rows(t.id, int(ok.sum()), "compliance shown"), " criteria with compliance shown, "
            f"compliance was highest for \u2018{_desc(df, hi)}\u2019 (", _cell(t.id, df, hi, "estimate", "{}%"),
            f") and lowest for \u2018{_desc(df, lo)}\u2019 (", _cell(t.id, df, lo, "estimate", "{}%"), ")."))
    return out


def _comparison(t, topic, alpha, adjust_words, intro_more, intro_sig, what):
    df = csv_frame(t).astype(str)
    out = []
    diff = df["difference"].map(_num)
    shown = diff.notna()
    if not shown.any():
        return out
    higher = df.index[diff > 0].tolist()
    out.append(Finding(topic).add(
        intro_more, _rows(t.id, len(higher), "difference > 0"), " of the ",
        _rows(t.id, int(shown.sum()), "difference shown"), " criteria with a difference shown."))
    sig = [i for i in df.index if _significant(df.at[i, "p_adjusted"], alpha)]
    if sig:
        sig.sort(key=lambda i: -abs(diff[i]))
        items = []
        for i in sig:
            p = _cell(t.id, df, i, "p_adjusted")
            items.append([f"\u2018{_desc(df, i)}\u2019 (", _cell(t.id, df, i, "difference", "{}"),
                          " percentage points, ", Binding(_p_text(p), "cell", t.id, "p_adjusted", p.value, row=p.row),
                          ")"])
        out.append(Finding(topic).add(
            intro_sig, f" ({adjust_words}), the difference was statistically significant for ",
            _rows(t.id, len(sig), f"p_adjusted < {alpha:g}"), " criteri" + ("on" if len(sig) == 1 else "a"),
            ": ", *_list(items), "."))
        rest = int(shown.sum()) - len(sig)
        if rest:
            out.append(Finding(topic).add(
                f"For the other ", _rows(t.id, rest, f"difference shown and not p_adjusted < {alpha:g}"),
                f" criteria the {what} could be due to chance."))
    else:
        out.append(Finding(topic).add(
            f"{intro_sig} ({adjust_words}), no difference was statistically significant: the {what} "
            "could be due to chance."))
    return out


def _outer():
    return Binding("99.8%", "parameter", "params", "funnel_outer_limit", "0.998")


def _districts(t, headline, words):
    df = csv_frame(t).astype(str)
    out = []
    dist = df[(df["district"] != "All districts") & df["funnel_band"].isin(["above", "below", "within"])]
    if not len(dist):
        return out
    head = dist[dist["criterion"] == headline]
    if len(head):
        desc = _desc(df, head.index[0])
        below = head.index[head["funnel_band"] == "below"].tolist()
        above = head.index[head["funnel_band"] == "above"].tolist()
        f = Finding("districts").add(f"On the headline criterion, \u2018{desc}\u2019, ")
        if not below and not above:
            f.add("all ", _rows(t.id, len(head), "headline criterion, district rows in the funnel"),
                  " districts lie within the ", _outer(), " funnel limits around the audit standard.")
        else:
            for side, rows_ in (("below", below), ("above", above)):
                if rows_:
                    items = [[str(df.at[i, "district"]), " (", _cell(t.id, df, i, "estimate", "{}%"), ")"]
                             for i in rows_]
                    f.add(*_list(items), f" {'lies' if len(rows_) == 1 else 'lie'} {side} the ", _outer(),
                          " funnel limits around the audit standard; ")
            f.add("the other ", _rows(t.id, len(head) - len(below) - len(above),
                                      "headline criterion, district rows within"), " districts lie within them.")
        out.append(f)
    n_out = dist["funnel_band"].isin(["above", "below"])
    crits = dist["criterion"].nunique()
    out.append(Finding("districts").add(
        "Over all ", _rows(t.id, crits, "criteria with districts in the funnel"), " criteria, ",
        _rows(t.id, int(n_out.sum()), "district rows above or below"), " of the ",
        _rows(t.id, len(dist), "district rows in the funnel"), " district results lie outside the ", _outer(),
        " limits (",
        _rows(t.id, int((dist["funnel_band"] == "below").sum()), "district rows below"), " below, ",
        _rows(t.id, int((dist["funnel_band"] == "above").sum()), "district rows above"), " above)."))
    return out


def _untested(tables, names):
    parts = []
    n_z = n_c = 0
    for t in tables:
        pcols = [c.name for c in t.columns if c.kind == "derived" and (c.unit or "") == "p-value"]
        if not pcols:
            continue
        df = csv_frame(t).astype(str)
        # a comparison is a row: its p-value and adjusted p-value are [z] together, counted once
        z = int((df[pcols] == "[z]").any(axis=1).sum())
        if z:
            parts.append([_rows(t.id, z, f"rows with {' or '.join(pcols)} == [z]"),
                          f" in {names.get(t.id, t.id)}"])
        n_z += z
        n_c += int((df[pcols] == "[c]").to_numpy().sum())
    out = []
    if parts:
        out.append(Finding("untested").add(
            "Some comparisons could not be tested (shown as [z]): a group had no file answered "
            "yes or no, every answer was the same, or no answer changed between the paired "
            "audits: ", *_list(parts), "."))
    cparts = []
    for t in tables:
        df = csv_frame(t).astype(str)
        k = int((df == "[c]").to_numpy().sum())
        if k:
            cparts.append([_rows(t.id, k, "cells == [c]"), f" cell{'s' if k != 1 else ''} in "
                           f"{names.get(t.id, t.id)}"])
    if cparts:
        out.append(Finding("untested").add(
            "Figures that would reveal small numbers of files are suppressed (shown as [c]): ",
            *_list(cparts), "."))
    return out


def reconciliation_findings(t):
    df = csv_frame(t).astype(str)
    tot = df.index[df["outcome"] == "Total"].tolist()
    acc = df.index[df["outcome"] == "Accepted"].tolist()
    if not tot or not acc:
        return []
    rej = [i for i in df.index if df.at[i, "outcome"].startswith("Rejected")]
    f = Finding("quality").add("Of the ", _cell(t.id, df, tot[0], "n_records"), " records received, ",
                               _cell(t.id, df, acc[0], "n_records"), " were accepted")
    if rej:
        items = [[_cell(t.id, df, i, "n_records"), f" ({df.at[i, 'outcome'].split(':', 1)[1].strip()})"]
                 for i in rej]
        f.add(" and the others rejected, each under the first rule it broke: ", *_list(items), ".")
    else:
        f.add("; none was rejected.")
    return [f]


def profile_findings(df: pd.DataFrame, alpha: float, name: str = "profile"):
    """A district against the rest of Kent (the ``profile`` results table, unrounded)."""
    if not len(df) or "p_adjusted" not in df.columns:
        return []
    district = str(df["district"].iloc[0])
    out = []
    for side, sel in (("lower", df["difference"] < 0), ("higher", df["difference"] > 0)):
        rows = df.index[sel & (df["p_adjusted"] < alpha)].tolist()
        if rows:
            items = [[f"\u2018{df.at[i, 'criterion_label']}\u2019 (",
                      Binding(f"{100 * df.at[i, 'difference']:.1f}", "cell", name, "difference",
                              f"{100 * df.at[i, 'difference']:.1f}", row=int(i)), " percentage points, ",
                      Binding(format_p(df.at[i, 'p_adjusted'], prefix="adjusted p"),
                              "cell", name, "p_adjusted", format_p(df.at[i, "p_adjusted"]), row=int(i)), ")"]
                     for i in rows]
            out.append(Finding("profile").add(
                f"{district} was significantly {side} than the rest of Kent on ",
                Binding(str(len(rows)), "rows", name, "", str(len(rows)),
                        condition=f"difference {'<' if side == 'lower' else '>'} 0 and p_adjusted < {alpha:g}"),
                f" criteri{'on' if len(rows) == 1 else 'a'}: ", *_list(items), "."))
    if not out:
        out.append(Finding("profile").add(
            f"After adjustment for multiple comparisons, {district} did not differ significantly from the "
            "rest of Kent on any criterion."))
    return out


#: the comparisons the findings report, in the order of the edition: (table, topic, the
#: sentence's opening, what differs)
_COMPARISONS = (
    ("T5", "extension", "The additional cases of the extended sample scored higher than the initial cases on ",
     "difference between the samples"),
    ("T6", "reaudit", "Re-audited from their comprehensive files, the initial cases scored higher on ",
     "change at re-audit"),
    ("T7", None, None, None),
    ("T10", "change", "Compared with the previous cycle, compliance rose on ", "change since the previous cycle"),
)


def main_findings(tables, *, headline: str, conf_level: float = 0.95, adjust_method: str = "holm",
                  names=None, words=None) -> list:
    """The main findings of an edition from its published tables.

    Parameters
    ----------
    tables : list of PublicationTable
        The published (disclosure-controlled) tables.
    headline : str
        The headline criterion id (``params.headline_criterion``).
    conf_level : float
        Confidence level of the intervals (a parameter binding).
    adjust_method : str
        Multiple-comparison method, named in words.
    names : dict, optional
        Reader-facing table numbers (``{"T7": "Table 7"}``).

    Returns
    -------
    list of Finding
    """
    by = {t.id: t for t in tables}
    names = names or {}
    alpha = 1 - conf_level
    adj = method_words(adjust_method, "phrase")
    out = []
    if "T4" in by:
        out += _headline(by["T4"], headline, conf_level)
    for tid, topic, intro, what in _COMPARISONS:
        if tid == "T7" and "T7" in by:
            out += _districts(by["T7"], headline, words)
        elif tid in by:
            out += _comparison(by[tid], topic, alpha, adj, intro, "After adjustment for multiple comparisons",
                               what)
    out += _untested(tables, names)
    return out


def bindings_frame(findings) -> pd.DataFrame:
    """One row per number of every finding: ``finding`` (its position), ``topic``,
    ``sentence``, ``text``, ``kind``, ``table``, ``row``, ``column``, ``condition``, ``value``."""
    rows = []
    for k, f in enumerate(findings, start=1):
        for b in f.bindings:
            rows.append({"finding": k, "topic": f.topic, "sentence": f.text, "text": b.text, "kind": b.kind,
                         "table": b.table, "row": b.row, "column": b.column, "condition": b.condition,
                         "value": b.value})
    return pd.DataFrame(rows, columns=["finding", "topic", "sentence", "text", "kind", "table", "row",
                                       "column", "condition", "value"])

