"""Caterpillar plot of shrunken estimates with their rank intervals.

Draws a :func:`kentaudit.stats.shrinkage.shrink` table in the house style of
:mod:`kentaudit.report.charts`: on the left each unit's posterior mean and interval
(sorted, raw proportion as a hollow marker, the audit standard as a line), on the
right the interval of its rank. The alt text says which units are probably below
the standard and how uncertain the ranking is.
"""
from __future__ import annotations

import matplotlib.figure
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from kentaudit.core.errors import InputError
from kentaudit.core.formatting import join_words, level_text, method_words
from kentaudit.inputs.profile import plural
from kentaudit.report.charts import OKABE_ITO, Figure, house_style

__all__ = ["plot_caterpillar"]

_GREY = "#6E6E6E"
_COLUMNS = ("estimate", "conf_low", "conf_high", "raw", "rank_low", "rank_high", "rank_median",
            "prob_below_target", "conf_level", "method")


def plot_caterpillar(table: pd.DataFrame, unit: str = "district", measure: str = "compliance",
                     title: str | None = None, probable: float = 0.95, unit_label: str | None = None,
                     units_label: str | None = None) -> Figure:
    """Caterpillar plot: shrunken estimates with intervals, beside their rank intervals.

    Parameters
    ----------
    table : DataFrame
        A :func:`kentaudit.stats.shrinkage.shrink` result (one row per unit).
    unit : str
        The unit column (``district`` or ``area``).
    measure : str
        What is estimated, for the title and alt text.
    unit_label, units_label : str, optional
        The authority's words for one unit and for several (its profile's ``words``: "locality",
        "localities"); default the unit column's name and its regular English plural.
    probable : float
        A unit is called "probably below the standard" when
        ``prob_below_target`` >= ``probable`` (and "probably above" when <= 1 - probable).

    Returns
    -------
    :class:`kentaudit.report.charts.Figure` (``kind`` = ``"caterpillar"``).
    """
    for col in (unit, *_COLUMNS):
        if col not in table.columns:
            raise InputError(f"column {col!r} not found; give a shrinkage.shrink() table.",
                             column=col)
    if len(table) == 0:
        raise InputError("the table has no rows.", column=unit)
    one = unit_label or unit
    many = units_label or plural(one)
    t = table.sort_values(["estimate", unit], kind="stable").reset_index(drop=True)
    k = len(t)
    target = t["target"].iloc[0] if "target" in t.columns else np.nan
    has_target = np.isfinite(target)
    pb = t["prob_below_target"].to_numpy(dtype=float)
    below = has_target & (pb >= probable)
    above = has_target & (pb <= 1 - probable)
    colours = np.where(below, OKABE_ITO["vermillion"], np.where(above, OKABE_ITO["blue"], _GREY))
    markers = np.where(below, "v", np.where(above, "^", "o"))
    conf = float(t["conf_level"].iloc[0])
    # the measure may be a criterion's wording ("Child seen during ..."): it leads the title
    # rather than being lower-cased into the middle of a sentence
    title = title or f"Shrunken estimates by {one}, with rank intervals: {measure[:1].upper()}{measure[1:]}"
    with house_style():
        fig = matplotlib.figure.Figure(figsize=(10, max(3.0, 0.38 * k + 1.6)), layout="constrained")
        ax, axr = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
        y = np.arange(k)
        ax.hlines(y, 100 * t["conf_low"], 100 * t["conf_high"], color=colours, lw=2)
        for mk in ("v", "^", "o"):
            s = markers == mk
            if s.any():
                ax.scatter(100 * t["estimate"][s], y[s], color=colours[s], marker=mk, s=45,
                           zorder=3)
        ax.scatter(100 * t["raw"], y, facecolors="none", edgecolors=OKABE_ITO["black"],
                   marker="D", s=22, zorder=4, label="Raw proportion")
        if has_target:
            ax.axvline(100 * target, color=OKABE_ITO["black"], lw=1, ls="--",
                       label=f"Standard {100 * target:.0f}%")
        ax.set_yticks(y, t[unit].astype(str).tolist(), fontsize=9)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"{measure[:1].upper()}{measure[1:]} (%)")
        # every mark explained in a legend below both panels, where it covers no interval
        sure = f"(probability \u2265 {probable:.0%})"
        marks = ((OKABE_ITO["vermillion"], "v", f"Probably below the standard {sure}", below.any()),
                 (OKABE_ITO["blue"], "^", f"Probably above the standard {sure}", above.any()),
                 (_GREY, "o", "Not clearly below or above the standard", (~below & ~above).any()))
        handles = [Line2D([], [], color=c, marker=m, lw=2, markersize=7, label=lab)
                   for c, m, lab, used in marks if used]
        handles.append(Line2D([], [], color="none", marker="D", markerfacecolor="none",
                              markeredgecolor=OKABE_ITO["black"], markersize=5, label="Raw proportion"))
        if has_target:
            handles.append(Line2D([], [], color=OKABE_ITO["black"], lw=1, ls="--",
                                  label=f"Standard {100 * target:.0f}%"))
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3),
                   fontsize=9, frameon=False)
        axr.hlines(y, t["rank_low"], t["rank_high"], color=colours, lw=2)
        axr.scatter(t["rank_median"], y, color=colours, s=30, zorder=3)
        axr.set_xlim(0.5, k + 0.5)
        axr.set_xticks(range(1, k + 1))
        axr.set_xlabel("Rank (1 = lowest)")
        axr.grid(axis="y", visible=False)
    method = str(t["method"].iloc[0])
    caption = (f"Points are each {one}'s posterior mean ({measure}) from "
               f"{method_words(method, 'phrase')}, bars {level_text(conf)} posterior intervals; hollow "
               f"diamonds are the raw proportions. Right: median and {level_text(conf)} "
               "interval of each rank over posterior draws (seed "
               f"{int(t['seed'].iloc[0]) if 'seed' in t.columns else 'n/a'}). "
               + (f"Triangles mark {many} with a probability of at least {probable:.0%} of "
                  f"being below (down) or above (up) the standard of {100 * target:.0f}%."
                  if has_target else ""))
    names = t[unit].astype(str).to_numpy()
    parts = [f"Caterpillar plot of {k} {many}' shrunken estimates ({measure}), highest at the top."]
    parts.append(f"Lowest estimate {100 * t['estimate'].iloc[0]:.1f}% ({names[0]}), rank "
                 f"interval {int(t['rank_low'].iloc[0])} to {int(t['rank_high'].iloc[0])}; "
                 f"highest {100 * t['estimate'].iloc[-1]:.1f}% ({names[-1]}).")
    if has_target:
        parts.append(f"Probably below the standard of {100 * target:.0f}%: "
                     f"{join_words(list(names[below])) or f'no {one}'}."
                     + (f" Probably above: {join_words(list(names[above]))}." if above.any() else ""))
    wide = int(((t["rank_high"] - t["rank_low"]) >= k / 2).sum())
    parts.append(f"{wide} of {k} rank intervals span half the ranks or more: "
                 + ("the ranking is largely uncertain." if wide > k / 2 else
                    "some ranks are reasonably clear."))
    return Figure(fig, caption, " ".join(parts), title, "caterpillar")
