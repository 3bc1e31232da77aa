"""Figures of the published appendix, drawn only from the disclosure-controlled tables.

A figure in ``publish/`` must reveal nothing its tables hide, so the appendix
draws its own figures from the *suppressed* publication tables (never from the
notebooks' figures, which are drawn from every record):

* **F1** funnel plot of the headline criterion: one point per district (unit) whose
  ``Yes`` and ``Answered`` counts are both shown in T7; a district whose count is
  hidden is not plotted and the caption says so.
* **F2** overall grades by sample, 100% stacked bars from T8: one segment per
  shown grade count; the grades a table hides are drawn together as one grey
  "suppressed" segment (its size, total minus the shown grades, is already
  published); a sample whose total is hidden is not drawn.
* **F3** compliance with the headline criterion by cycle, from T11: a point and
  interval per cycle whose counts are shown.
* **F4** shrunken estimates by district with their intervals, from T12 (rows shown).

Every plotted mark carries an SVG id ``mark-<table>-<row>-<column>`` and the JSON
sidecar lists the marks with the table cell and value each one draws, so the
publication check (:mod:`kentaudit.publication.check.folder`) can read the geometry back and
compare it with the tables.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.figure
import numpy as np

from kentaudit.core.formatting import P_FLOOR_CELL, finite_number, format_p
from kentaudit.inputs.profile import Words
from kentaudit.publication.numbering import reader_number
from kentaudit.publication.table import Figure, round_half_away
from kentaudit.report.charts import OKABE_ITO, grade_style, house_style, place_labels
from kentaudit.report.tables import default_words
from kentaudit.stats.funnel import funnel_limits

__all__ = ["draw_figures"]

SUPPRESSED = "[c]"
_HIDDEN_COLOUR = "#BBBBBB"


def _shown(v) -> bool:
    return finite_number(v) is not None


def _pct(x: float) -> str:
    return f"{round_half_away(100 * x, 1):.1f}%"


def _mark(artist, table, row, column):
    artist.set_gid(f"mark-{table}-{row}-{column}")


def _figure(figsize):
    # a Figure of its own, never pyplot's: importing this module must not choose the
    # matplotlib backend of the session (or of the kernel zygote) that imports it
    fig = matplotlib.figure.Figure(figsize=figsize)
    return fig, fig.add_subplot()


def _save(fig, out_dir: Path, fid: str, meta: dict, title: str | None = None) -> Path:
    """Write the figure's SVG and its JSON sidecar. The figure's title is the appendix's heading
    above it (``Figure 1: ...``), not drawn in the image (a reader saw it three times: heading,
    image and caption); the SVG file names it in its metadata (``<dc:title>``), for the file
    opened on its own."""
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = out_dir / f"{fid}.svg"
    md = {"Date": None, "Creator": None}
    if title:
        md["Title"] = f"{reader_number(fid)}: {title}"
    with house_style():
        fig.savefig(svg, format="svg", metadata=md, bbox_inches="tight")
    (out_dir / f"{fid}.json").write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    return svg


def _funnel(t7, out_dir, *, headline, label, target, method, threshold, words):
    w = words
    df = t7.data
    rows = [i for i in range(len(df)) if str(df.at[i, "criterion"]) == headline
            and str(df.at[i, "district"]) != w.all_units]
    shown = [i for i in rows if _shown(df.at[i, "n_yes"]) and _shown(df.at[i, "n_denominator"])
             and float(df.at[i, "n_denominator"]) > 0]
    hidden = [str(df.at[i, "district"]) for i in rows if i not in shown]
    if len(shown) < 2:
        return None
    n = np.array([float(df.at[i, "n_denominator"]) for i in shown])
    y = np.array([float(df.at[i, "n_yes"]) for i in shown]) / n
    levels = (0.95, 0.998)
    grid = np.unique(np.round(np.linspace(1, max(n.max() * 1.1, 10), 200)).astype(int))
    lim = funnel_limits(grid, target, levels, method)
    marks = []
    with house_style():
        fig, ax = _figure((8, 5.5))
        for c, ls in zip(levels, ("--", ":")):
            part = lim[lim["conf_level"] == c]
            ax.plot(part["n"], 100 * part["limit_low"], ls=ls, color="#333333", lw=1.2,
                    label=f"{c:.1%} limits".replace(".0%", "%"))
            ax.plot(part["n"], 100 * part["limit_high"], ls=ls, color="#333333", lw=1.2)
        ax.axhline(100 * target, color=OKABE_ITO["bluish_green"], lw=1.5, label=f"Target {_pct(target)}")
        for k, i in enumerate(shown):
            (pt,) = ax.plot([n[k]], [100 * y[k]], "o", color=OKABE_ITO["blue"], ms=7,
                            label=w.Unit if k == 0 else None)
            _mark(pt, t7.id, i, "n_yes")
            marks.append({"id": f"mark-{t7.id}-{i}-n_yes", "kind": "point", "table": t7.id, "row": i,
                          "x": {"column": "n_denominator", "value": n[k]},
                          "y": {"columns": ["n_yes", "n_denominator"], "value": 100 * y[k], "unit": "%"}})
        ax.set_xlim(0, grid[-1])
        ax.set_ylim(-2, 102)
        ax.set_xlabel("Files where the criterion was answered (number)")
        # the criterion is in the figure's title (the appendix's heading, not drawn in the
        # image: one visible title); the axis says what is measured (a long criterion wording
        # on the axis ran past the plot)
        ax.set_ylabel("Compliance (% of files)")
        # the legend below the plot, where it cannot hide a point or a label
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, frameon=False, fontsize=9)
        # districts outside the 99.8% limits (T7's published funnel band) are named; a label
        # overlaps no other label, no point and no limit or target line
        band = [str(df.at[i, "funnel_band"]) if "funnel_band" in df.columns else "" for i in shown]
        flagged = [k for k, b in enumerate(band) if b in ("above", "below")]
        place_labels(ax, n[flagged], 100 * y[flagged], [str(df.at[shown[k], "district"]) for k in flagged],
                     avoid=(n, 100 * y))
    out = [float(y[k]) for k in range(len(shown))]
    # the caption says what the reader sees and how to read it; how the limits are calculated
    # (the method and its reference) is in the methods section
    cap = (f"From {reader_number(t7.id)}: each point is one {w.unit}, its percentage "
           f"(up the side) against its number of files answered (along the bottom). The solid line is the "
           f"target of {_pct(target)} (the audit standard); the dashed and dotted lines are the 95% and 99.8% "
           f"control limits, which narrow as the number of files grows. A {w.unit} between the 99.8% limits "
           f"differs from the standard by no more than chance alone would make it; {w.units} outside them are "
           "named. How the limits are calculated is in the methods section.")
    if hidden:
        cap += (f" Not plotted because their counts are suppressed in {reader_number(t7.id)}: {', '.join(hidden)}.")
    alt = (f"Funnel plot of {label} for {len(shown)} {w.units} with between {int(n.min())} and "
           f"{int(n.max())} files answered; percentages from {_pct(min(out))} to {_pct(max(out))}; "
           f"target {_pct(target)}." + (f" {len(hidden)} {w.unit}(s) not plotted: counts suppressed." if hidden else ""))
    named = 0
    for side in ("below", "above"):
        ds = [str(df.at[shown[k], "district"]) for k, b in enumerate(band) if b == side]
        if ds:
            alt += (f" {', '.join(ds[:-1]) + ' and ' + ds[-1] if len(ds) > 1 else ds[0]} "
                    f"{'is' if len(ds) == 1 else 'are'} {side} the 99.8% limit.")
            named += len(ds)
    rest = len(shown) - named
    if rest == len(shown):
        alt += f" All {rest} {w.units} are within the 99.8% limits."
    elif rest:
        alt += f" The other {rest} {w.units + ' are' if rest > 1 else w.unit + ' is'} within the 99.8% limits."
    return "funnel", fig, cap, alt, marks


def _grades(t8, out_dir, sample_labels=None):
    def _sample_words(sample: str) -> str:
        return sample_words(sample, sample_labels)

    df = t8.data
    samples = list(dict.fromkeys(str(s) for s in df["sample"]))
    bars, skipped = [], []
    for s in samples:
        rows = [i for i in range(len(df)) if str(df.at[i, "sample"]) == s]
        tot = [i for i in rows if str(df.at[i, "grade"]) == "Total"]
        if not tot or not _shown(df.at[tot[0], "n_audits"]) or float(df.at[tot[0], "n_audits"]) <= 0:
            skipped.append(s)
            continue
        parts = [i for i in rows if i not in tot]
        bars.append((s, tot[0], parts, float(df.at[tot[0], "n_audits"])))
    if not bars:
        return None
    marks = []
    any_hidden = False
    with house_style():
        fig, ax = _figure((8.5, max(2.5, 0.5 * len(bars) + 1.8)))
        ys = np.arange(len(bars))[::-1]
        labelled = set()
        for yv, (s, ti, parts, total) in zip(ys, bars):
            left = 0.0
            hidden_n = total
            for j, i in enumerate(parts):
                v = df.at[i, "n_audits"]
                if not _shown(v):
                    any_hidden = True
                    continue
                hidden_n -= float(v)
                w = 100 * float(v) / total
                g = str(df.at[i, "grade"])
                # grades told apart by hatching too, never by colour alone
                # a colour and hatch per grade of a scale of any length (a five-point scale's first
                # and fifth grades were both blue when the four colours were cycled)
                colour, hatch = grade_style(j, len(parts))
                (bar,) = ax.barh([yv], [w], left=[left], height=0.65, color=colour,
                                 hatch=hatch, edgecolor="white",
                                 label=g if g not in labelled else None)
                labelled.add(g)
                _mark(bar, t8.id, i, "n_audits")
                marks.append({"id": f"mark-{t8.id}-{i}-n_audits", "kind": "segment", "table": t8.id, "row": i,
                              "bar": s, "total": {"row": ti, "column": "n_audits", "value": total},
                              "value": {"column": "n_audits", "value": float(v)}, "width_percent": w})
                left += w
            if hidden_n > 1e-9:
                (bar,) = ax.barh([yv], [100 * hidden_n / total], left=[left], height=0.65, color=_HIDDEN_COLOUR,
                                 edgecolor="white", hatch="..",
                                 label="Suppressed grades [c]" if "[c]" not in labelled else None)
                labelled.add("[c]")
                bar.set_gid(f"hidden-{t8.id}-{s}")
                marks.append({"id": f"hidden-{t8.id}-{s}", "kind": "hidden_segment", "table": t8.id, "bar": s,
                              "total": {"row": ti, "column": "n_audits", "value": total},
                              "width_percent": 100 * hidden_n / total})
            ax.text(101, yv, f"n={int(total)}", va="center", fontsize=9)
        ax.set_yticks(ys, [_sample_words(b[0]) for b in bars])
        ax.grid(axis="y", visible=False)  # no grid line through the bars' "n=" labels
        ax.set_xlim(0, 112)
        ax.set_xlabel("Percentage of graded audits")
        ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    cap = (f"From {reader_number(t8.id)}: percentage of graded audits at each grade; "
           "the number beside each bar (n) is its number of graded audits.")
    if any_hidden:
        cap += " Grades whose counts are suppressed in the table are drawn together as one grey segment."
    if skipped:
        cap += f" Not drawn because their totals are suppressed: {', '.join(map(_sample_words, skipped))}."
    # the alt text gives what the bars show: each sample's grade shares, as the table's cells
    shares = {}
    for m in marks:
        if m["kind"] == "segment":
            g = str(df.at[m["row"], "grade"])
            shares.setdefault(m["bar"], []).append(f"{g} {_pct(m['width_percent'] / 100)}")
    alt = (f"Stacked bar chart of overall grades for {len(bars)} sample{'s' if len(bars) != 1 else ''}. "
           + " ".join(f"{_sample_words(s)} ({int(t)} graded audits): "
                      + (", ".join(shares.get(s, [])) or "every grade suppressed") + "."
                      for s, _, _, t in bars)
           + (" Suppressed grades are shown as one grey segment." if any_hidden else ""))
    return "grades", fig, cap, alt, marks


def sample_words(sample: str, labels=None) -> str:
    """A sample as a reader names it: its label in the cycle's profile (``labels``, ``{code:
    label}``; the bundled example's ``reaudit`` is "Re-audit of initial cases"), else the
    sample's own name, never another authority's words."""
    return str((labels or {}).get(sample) or sample)


def _trend(t11, out_dir, *, headline, label):
    df = t11.data
    rows = [i for i in range(len(df)) if str(df.at[i, "criterion"]) == headline]
    shown = [i for i in rows if all(_shown(df.at[i, c]) for c in ("n_yes", "n_denominator", "conf_low", "conf_high"))]
    hidden = [str(df.at[i, "cycle"]) for i in rows if i not in shown]
    if not shown:
        return None
    marks = []
    with house_style():
        fig, ax = _figure((8, 4.5))
        xs = [str(df.at[i, "cycle"]) for i in shown]
        for k, i in enumerate(shown):
            p = float(df.at[i, "n_yes"]) / float(df.at[i, "n_denominator"])
            lo, hi = float(df.at[i, "conf_low"]), float(df.at[i, "conf_high"])
            ax.plot([k, k], [100 * lo, 100 * hi], color="#555555", lw=1.4)
            (pt,) = ax.plot([k], [100 * p], "o", color=OKABE_ITO["blue"], ms=7)
            _mark(pt, t11.id, i, "n_yes")
            marks.append({"id": f"mark-{t11.id}-{i}-n_yes", "kind": "point", "table": t11.id, "row": i,
                          "x": {"category": xs[k]},
                          "y": {"columns": ["n_yes", "n_denominator"], "value": 100 * p, "unit": "%"}})
        ax.set_xticks(range(len(xs)), xs)
        ax.set_ylim(0, 100)
        ax.set_ylabel("Compliance (% of files)")
        ax.set_xlabel("Cycle")
    vals = [float(df.at[i, "n_yes"]) / float(df.at[i, "n_denominator"]) for i in shown]
    cap = (f"From {reader_number(t11.id)}: percentage of answered files in each cycle, with its confidence interval.")
    cap += _trend_test_words(df, rows)
    if hidden:
        cap += f" Not plotted because their counts are suppressed: {', '.join(hidden)}."
    alt = (f"Chart of {label} over {len(shown)} cycles: " +
           "; ".join(f"{x} {_pct(v)}" for x, v in zip(xs, vals)) + ".")
    return "trend", fig, cap, alt, marks


def _trend_test_words(df, rows) -> str:
    """The test for a trend over every cycle, as T11 publishes it on the latest cycle's row
    (shown only when all the yearly counts are): a sentence for the caption, or nothing."""
    cols = ("trend_z", "trend_p_adjusted")
    if not rows or not all(c in df.columns for c in cols):
        return ""
    last = max(rows, key=lambda i: str(df.at[i, "cycle"]))
    z, p = df.at[last, "trend_z"], df.at[last, "trend_p_adjusted"]
    if not (_shown(z) and (_shown(p) or str(p) == P_FLOOR_CELL)):
        return " The test for a trend is not shown: a yearly count it uses is suppressed."
    zf = float(z)
    direction = "rising" if zf > 0 else ("falling" if zf < 0 else "neither rising nor falling")
    # the test's name, reference and z-score are in the methods section and the table
    return (f" Test for a steady trend over all cycles: compliance {direction}, "
            f"{format_p(p, prefix='adjusted p')} (the smaller, the stronger the evidence; the test is "
            "described in the methods section).")


def _caterpillar(t12, out_dir, *, label, words, target=None):
    w = words
    target = finite_number(target)
    df = t12.data
    rows = [i for i in range(len(df)) if all(_shown(df.at[i, c]) for c in ("estimate", "conf_low", "conf_high"))]
    hidden = [str(df.at[i, "district"]) for i in range(len(df)) if i not in rows]
    if not rows:
        return None
    rows = sorted(rows, key=lambda i: float(df.at[i, "estimate"]))
    marks = []
    with house_style():
        fig, ax = _figure((8, max(3, 0.4 * len(rows) + 1.5)))
        for k, i in enumerate(rows):
            est, lo, hi = (100 * float(df.at[i, c]) for c in ("estimate", "conf_low", "conf_high"))
            ax.plot([lo, hi], [k, k], color="#555555", lw=1.4)
            (pt,) = ax.plot([est], [k], "o", color=OKABE_ITO["blue"], ms=7)
            _mark(pt, t12.id, i, "estimate")
            marks.append({"id": f"mark-{t12.id}-{i}-estimate", "kind": "point", "table": t12.id, "row": i,
                          "y": {"column": "estimate", "value": est, "unit": "%"}})
        ax.set_yticks(range(len(rows)), [str(df.at[i, "district"]) for i in rows])
        # the axis spans the intervals (and the standard), not 0-100: intervals a few points
        # wide drawn on 0-100 are squeezed into a corner where no difference can be seen
        lo = min(100 * float(df.at[i, "conf_low"]) for i in rows)
        hi = max(100 * float(df.at[i, "conf_high"]) for i in rows)
        if target is not None and np.isfinite(target):
            lo, hi = min(lo, 100 * target), max(hi, 100 * target)
            ax.axvline(100 * target, color=OKABE_ITO["vermillion"],
                       ls="--", lw=1.2, label=f"Audit standard ({_pct(target)})")
            # below the plot, where it covers no interval
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=9)
        pad = max(2.0, 0.05 * (hi - lo))
        ax.set_xlim(max(0.0, lo - pad), min(100.0, hi + pad))
        ax.set_xlabel("Shrunken estimate of compliance (% of files)")
    cap = (f"From {reader_number(t12.id)}: each {w.unit}'s compliance as a point with its 95% "
           f"interval (each line is the range in which the {w.unit}'s compliance lies with 95% probability). "
           f"The estimates are shrunken: a {w.unit} with few files is pulled towards the others, because its "
           f"own percentage is less certain. The {w.units} are ordered from the lowest estimate to the highest; "
           f"how certain each position is (its rank interval) is in {reader_number(t12.id)}.")
    if hidden:
        cap += f" Not plotted because their figures are suppressed: {', '.join(hidden)}."
    first, last = rows[0], rows[-1]
    alt = (f"Dot plot of shrunken estimates of {label} for {len(rows)} {w.units}, each with its 95% interval; "
           f"lowest {df.at[first, 'district']} at {_pct(float(df.at[first, 'estimate']))} "
           f"({_pct(float(df.at[first, 'conf_low']))} to {_pct(float(df.at[first, 'conf_high']))}), "
           f"highest {df.at[last, 'district']} at {_pct(float(df.at[last, 'estimate']))} "
           f"({_pct(float(df.at[last, 'conf_low']))} to {_pct(float(df.at[last, 'conf_high']))}).")
    if target is not None and np.isfinite(target):
        below = sum(float(df.at[i, "conf_high"]) < target for i in rows)
        alt += (f" The audit standard is {_pct(target)}; "
                + (f"{below} {w.unit if below == 1 else w.units} lie{'s' if below == 1 else ''} wholly below it."
                   if below else f"no {w.unit}'s interval lies wholly below it."))
    return "caterpillar", fig, cap, alt, marks


def draw_figures(spec_figures, tables, out_dir, *, headline: str, labels: dict, target: float,
                 funnel_method: str, threshold: int, skip_reason, words: Words | None = None,
                 sample_labels: dict | None = None) -> tuple[list, list]:
    """Draw the appendix figures from the published (suppressed) tables.

    Parameters
    ----------
    spec_figures : list of dict (the spec's ``figures``: id, title, source, notes)
    tables : list of PublicationTable (published)
    out_dir : path - ``publish.staging/figures``; writes ``<id>.svg`` and ``<id>.json``
    headline : str - the headline criterion
    labels : dict - criterion id -> description
    skip_reason : callable(entry) -> str or None (why a figure does not apply)
    words : the authority's words (its profile's; default the bundled example's)
    sample_labels : dict - sample code -> label, the cycle's profile's (Figure 2's bars)

    Returns
    -------
    figures : list of Figure
    skipped : list of (id, title, reason)
    """
    out_dir = Path(out_dir)
    w = words or default_words()
    by_id = {t.id: t for t in tables}
    draw = {"funnel_compliance": ("T7", lambda t: _funnel(t, out_dir, headline=headline,
                                                          label=labels.get(headline, headline),
                                                          target=target, method=funnel_method,
                                                          threshold=threshold, words=w)),
            "grades_by_sample": ("T8", lambda t: _grades(t, out_dir, sample_labels)),
            "trend_compliance": ("T11", lambda t: _trend(t, out_dir, headline=headline,
                                                         label=labels.get(headline, headline))),
            "caterpillar_compliance": ("T12", lambda t: _caterpillar(t, out_dir, label=labels.get(headline, headline),
                                                                     words=w, target=target))}
    figs, skipped = [], []
    for e in spec_figures:
        why = skip_reason(e)
        if why:
            skipped.append((e["id"], e["title"], why))
            continue
        if e["source"] not in draw:
            skipped.append((e["id"], e["title"], "no published table holds what it would draw"))
            continue
        tid, fn = draw[e["source"]]
        if tid not in by_id:
            skipped.append((e["id"], e["title"], f"{reader_number(tid)} was not produced"))
            continue
        res = fn(by_id[tid])
        if res is None:
            skipped.append((e["id"], e["title"], f"every unit of {reader_number(tid)} it would plot is suppressed"))
            continue
        kind, fig, cap, alt, marks = res
        meta = {"id": e["id"], "kind": kind, "tables": [tid], "alt": alt, "caption": cap, "marks": marks}
        path = _save(fig, out_dir, e["id"], meta, title=e["title"])
        figs.append(Figure(e["id"], e["title"], alt, cap, path, list(e.get("notes", []))))
    return figs, skipped
