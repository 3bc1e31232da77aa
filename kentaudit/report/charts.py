"""Charts in one house style, each with a caption and generated alt text.

Every function takes a tidy result table from kentaudit (a funnel table, an XmR or
p-chart table, an estimates table) and returns a :class:`Figure`: the matplotlib
figure, a caption naming the method, limits, confidence levels and target, and an
``alt_text`` that describes what the chart shows in words (which units are flagged,
which periods signal), for the HTML outputs and screen-reader users.

House style (:func:`house_style`): seaborn's ``whitegrid`` base, the Okabe-Ito
colour-blind-safe palette, 11-point text, no top/right spines. Status is never shown
by colour alone: flagged points also change marker shape. Figures are built with
``matplotlib.figure.Figure`` directly (no pyplot), so nothing global changes and no
display backend is needed. :meth:`Figure.save` writes PNG and SVG that are
byte-for-byte reproducible (fixed SVG hash salt and ids, no dates or software
version in the metadata).
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.figure
import matplotlib.font_manager
import matplotlib.layout_engine
import matplotlib.patches as mpatches
import matplotlib.textpath
import numpy as np
import pandas as pd
import seaborn as sns

from kentaudit.core.errors import InputError
from kentaudit.core.formatting import (format_p, join_words, level_text, method_words,
                                       wrap_lines)
from kentaudit.core.methods import check_method
from kentaudit.inputs.profile import plural
from kentaudit.inputs.reference import grade_labels
from kentaudit.stats.funnel import funnel_limits, level_label
from kentaudit.stats.ordinal import collapse_rules

__all__ = [
    "OKABE_ITO",
    "Figure",
    "IMAGE_METADATA",
    "grade_style",
    "house_style",
    "render_files",
    "plot_funnel",
    "plot_xmr",
    "plot_p_chart",
    "plot_forest",
    "plot_grade_distribution",
    "mdc_icons",
    "place_labels",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9",
    "bluish_green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
_GREY = "#6E6E6E"  # neutral points; 5.1:1 contrast on white
_STATUS = {  # colour, marker
    "within": (_GREY, "o"), "above": (OKABE_ITO["blue"], "^"),
    "below": (OKABE_ITO["vermillion"], "v"),
}
_POINT_TYPES = {  # colour, marker, legend label
    "common_cause": (_GREY, "o", "Common cause"),
    "special_cause_improvement": (OKABE_ITO["blue"], "^", "Special cause: improvement"),
    "special_cause_concern": (OKABE_ITO["orange"], "v", "Special cause: concern"),
    "special_cause_neutral_high": (OKABE_ITO["reddish_purple"], "^", "Special cause: high"),
    "special_cause_neutral_low": (OKABE_ITO["reddish_purple"], "v", "Special cause: low"),
}
_GRADE_COLOURS = [OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["orange"],
                  OKABE_ITO["vermillion"]]


def _rc() -> dict:
    rc = dict(sns.axes_style("whitegrid"))
    rc.update({
        "font.family": "DejaVu Sans", "font.size": 11, "axes.titlesize": 13,
        "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10,
        "legend.fontsize": 10, "axes.spines.top": False, "axes.spines.right": False,
        "axes.edgecolor": "#444444", "grid.color": "#DDDDDD", "grid.linewidth": 0.6,
        "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:]),
        "svg.hashsalt": "kentaudit", "svg.id": "kentaudit", "svg.fonttype": "path",
        "savefig.dpi": 150, "figure.dpi": 100,
    })
    return rc


@contextlib.contextmanager
def house_style():
    """Context manager applying the kentaudit chart style (restores settings on exit)."""
    with matplotlib.rc_context(_rc()):
        yield


@dataclass
class Figure:
    """A chart with its caption and alt text.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    caption : str
        What the reader sees and how to read it, in plain words (no statistic's symbol, no
        software's name).
    method : str
        How the chart was calculated, for an analyst: the method and its reference, the
        limits' formulas and, for funnels, phi, its p-value and tau-squared (shown apart from
        the caption, :func:`kentaudit.report.results.figure_html`).
    alt_text : str
        A specific description of what the chart shows, for HTML ``alt`` attributes.
    title : str
        The figure's title: said once, by the page that shows it (the reviewer page's and the
        notebook's caption starts with it, :func:`kentaudit.report.results.figure_html`), never
        drawn in the image as well.
    kind : str
        ``"funnel"``, ``"xmr"``, ``"p_chart"``, ``"forest"`` or ``"grade_distribution"``.
    """

    figure: matplotlib.figure.Figure
    caption: str
    alt_text: str
    title: str = ""
    kind: str = ""
    meta: dict = field(default_factory=dict)
    method: str = ""

    #: The PNG bytes written by the last :meth:`save` (what the reviewer page shows).
    saved_png: bytes | None = field(default=None, repr=False, compare=False)

    def save(self, path_stem: str | Path, formats: Sequence[str] = ("png", "svg"),
             dpi: int = 150) -> list[Path]:
        """Write ``<path_stem>.png`` and ``<path_stem>.svg``; return the paths.

        Output is deterministic: the same figure gives the same bytes (SVG hash salt
        and ids fixed, ``Date``/``Creator``/``Software`` metadata removed). The layout
        is computed once for all formats (:func:`render_files`). The PNG written is
        kept as :attr:`saved_png`: :func:`kentaudit.report.results.figure_html` embeds that
        image, so a reviewer page shows the file that was saved (save again after
        changing the figure).
        """
        stem = Path(path_stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        for fmt in formats:
            check_method(fmt, ("png", "svg"), "formats")
        paths = [stem.with_name(stem.name + "." + fmt) for fmt in formats]
        with house_style():
            images = render_files(self.figure, [(fmt, dpi) for fmt in formats])
        for path, fmt, data in zip(paths, formats, images):
            path.write_bytes(data)
            if fmt == "png":
                self.saved_png = data
        return paths

    def _repr_png_(self) -> bytes:  # shown inline in Jupyter
        with house_style():
            return render_files(self.figure, [("png", 100)])[0]


#: Metadata left out of saved images, so that the same figure gives the same bytes.
IMAGE_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def render_files(fig: matplotlib.figure.Figure, outputs: Sequence[tuple[str, int]],
                 *, metadata: Mapping[str, Mapping] | None = None) -> list[bytes]:
    """The figure as image files, ``outputs`` a list of ``(format, dpi)``, cropped to the
    figure's tight bounding box as ``savefig(bbox_inches="tight")`` crops it.

    ``savefig`` on a figure with a layout engine draws the figure twice for every file:
    once to run the layout and measure the bounding box, once to render. Here the layout
    runs once, at the first output's dpi, and is held (the engine set aside) while every
    file is rendered, each in one draw; the engine is put back afterwards. The first
    output's bytes are the same as ``savefig(bbox_inches="tight")``'s (tested). For the
    16 funnel plots of a cycle's districts notebook, PNG and SVG together take about a
    third less time (``benchmarks/``).
    """
    metadata = IMAGE_METADATA if metadata is None else metadata
    if not outputs:
        return []
    engine = fig.get_layout_engine()
    dpi0 = fig.dpi
    bbox = "tight"
    held = False
    try:
        if engine is not None and not isinstance(engine, matplotlib.layout_engine.PlaceHolderLayoutEngine):
            fig.set_dpi(outputs[0][1])
            fig.draw_without_rendering()  # the layout, at the first file's dpi
            bbox = fig.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
            # with no engine (and an explicit box), savefig draws once
            with matplotlib.rc_context({"figure.autolayout": False,
                                        "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)
            held = True
            fig.set_dpi(dpi0)
        out = []
        for fmt, dpi in outputs:
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=dict(metadata.get(fmt, {})),
                        bbox_inches=bbox)
            out.append(buf.getvalue())
        return out
    finally:
        if fig.dpi != dpi0:
            fig.set_dpi(dpi0)
        if held:
            fig.set_layout_engine(engine)


# --- formatting helpers --------------------------------------------------------------------

def _pct(v: float, digits: int = 1) -> str:
    return f"{100 * v:.{digits}f}%"


def _num(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}" if abs(v) < 1000 else f"{v:,.0f}"


#: a measure longer than this is named in the title, and the axis says only what is plotted:
#: a criterion's wording on the axis ran past the plot's height
AXIS_MEASURE_MAX = 32


def _axis_label(measure: str, unit: str, proportion: bool = True) -> str:
    """The y-axis label of a chart of ``measure``: the measure itself when short, else
    "Compliance" (a proportion) or "Value" (the title names the measure)."""
    if len(measure) > AXIS_MEASURE_MAX:
        return ("Compliance" if proportion else "Value") + unit
    return f"{measure[:1].upper()}{measure[1:]}{unit}"


def _new_figure(figsize=(8, 5.5)):
    with house_style():
        fig = matplotlib.figure.Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


# --- funnel --------------------------------------------------------------------------------

#: Up to this many units, funnel limits are drawn at every whole number (where
#: their steps can be seen); beyond it, at about as many points again, spaced evenly
#: on a log scale (the limits are smooth there).
FUNNEL_GRID_EXACT = 1000


def _funnel_grid(n_max: int) -> np.ndarray:
    """Whole numbers of units at which to draw the limits, from 1 to about 1.1 x ``n_max``.

    Every number up to :data:`FUNNEL_GRID_EXACT`, then log-spaced: a figure
    of a million audits draws about 2,000 points per curve instead of tens of
    thousands (each held several times by matplotlib).
    """
    top = int(np.ceil(n_max * 1.1)) + 1
    if top <= 2 * FUNNEL_GRID_EXACT:
        return np.arange(1, top + 1)
    far = np.unique(np.round(np.geomspace(FUNNEL_GRID_EXACT + 1, top, FUNNEL_GRID_EXACT)).astype(int))
    return np.concatenate([np.arange(1, FUNNEL_GRID_EXACT + 1), far])


def _funnel_unit(table: pd.DataFrame, unit: str | None) -> str:
    """The column naming the funnel's units: ``unit``, else ``table.attrs["unit"]``.

    Never guessed: a table that lost its attributes (``pd.concat`` drops them) and
    no ``unit=`` is an error, as is a unit column whose names repeat (a table of
    several criteria passed whole), because the labels and alt text would name
    the wrong thing.
    """
    unit = unit or table.attrs.get("unit")
    if not unit:
        raise InputError("plot_funnel: which column names the units is not known (the table has "
                         "no 'unit' attribute, which pd.concat drops); pass unit='district'.")
    if unit not in table.columns:
        raise InputError(f"plot_funnel: unit column {unit!r} not found.", column=unit)
    dup = table[unit][table[unit].duplicated()]
    if len(dup):
        raise InputError(f"plot_funnel: unit {dup.iloc[0]!r} appears more than once; plot one "
                         "criterion at a time (one row per unit).", column=unit)
    return unit


def _segments_cross_box(seg: np.ndarray, box: tuple) -> bool:
    """Whether any of the line segments ``seg`` (an array of ``[[x0, y0, x1, y1], ...]``)
    passes through the rectangle ``box`` ``(x0, y0, x1, y1)`` (Liang-Barsky clipping,
    vectorised). Segments with a missing end are ignored (a gap in the line)."""
    if not len(seg):
        return False
    x0, y0, x1, y1 = seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3]
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = np.zeros(len(seg)), np.ones(len(seg))
    ok = np.ones(len(seg), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
            par = p == 0
            ok &= ~(par & (q < 0))  # parallel to this edge and outside it
            r = q / p
            t0 = np.where(~par & (p < 0), np.maximum(t0, r), t0)
            t1 = np.where(~par & (p > 0), np.minimum(t1, r), t1)
    return bool((ok & (t0 <= t1)).any())


def _line_segments(ax, pts_per_px: float) -> np.ndarray:
    """The segments of every drawn line of ``ax`` (limits, target), in points: ``[[x0, y0,
    x1, y1], ...]``. Lines drawn as markers only (no line style) are points, not lines."""
    out = []
    for line in ax.get_lines():
        if not line.get_visible() or line.get_linestyle() in ("None", "none", "", " "):
            continue
        xy = np.asarray(line.get_transform().transform(np.asarray(line.get_xydata(), float)))
        xy = xy * pts_per_px
        if len(xy) < 2:
            continue
        seg = np.column_stack([xy[:-1], xy[1:]])
        out.append(seg[np.isfinite(seg).all(axis=1)])
    return np.concatenate(out) if out else np.empty((0, 4))


def place_labels(ax, xs, ys, texts, *, min_gap: float = 13.0, dx: float = 6.0,
                 avoid: tuple | None = None, fontsize: float = 9, lines: bool = True) -> list:
    """Annotate points so that no label overlaps another label, a point or a drawn line, and
    every label stays inside the axes (deterministic).

    Labels are placed longest first. Each is tried right of its point, then left of it, at
    vertical offsets 0, +1, -1, +2, -2, ... times ``min_gap`` points and, where no such place
    is free, further out to the side (1, 2, 3 ... times ``min_gap`` more), nearest places
    first. The first place is taken that is inside the axes and overlaps no label already
    placed, no point (``avoid``: the x and y of every point drawn, default the labelled
    points), not the legend and, with ``lines`` (the default), no line drawn on the axes
    (funnel limits, the target; with a margin for the line's width); a moved label gets a
    leader line to its point. Text widths are measured from the font. Should no place be
    free, the label goes where it overlaps the fewest. Returns the annotations; draw the
    lines and the legend before placing the labels.

    Hand-written rather than adjustText: adjustText moves labels iteratively by forces,
    which is neither deterministic across versions nor guaranteed free of overlaps.
    """
    if not len(texts):
        return []
    fig = ax.figure
    fig.draw_without_rendering()  # run the layout so that data -> points is final
    font = matplotlib.font_manager.FontProperties(size=fontsize)
    measure = matplotlib.textpath.TextToPath()  # text widths in points, without a canvas
    pts_per_px = 72.0 / fig.dpi
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    disp = ax.transData.transform(np.column_stack([xs, ys])) * pts_per_px  # in points
    ax_box = ax.get_window_extent()
    left, bottom = ax_box.x0 * pts_per_px, ax_box.y0 * pts_per_px
    right, top = ax_box.x1 * pts_per_px, ax_box.y1 * pts_per_px
    ax_pts = np.asarray(avoid if avoid is not None else (xs, ys), float)
    others = ax.transData.transform(np.column_stack([ax_pts[0], ax_pts[1]])) * pts_per_px
    marker = 7.0  # half a marker (55 points squared) with its white edge and a margin, in points
    blocked = [(x - marker, y - marker, x + marker, y + marker) for x, y in others]
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():  # a legend inside the axes is no place either
        lb = legend.get_window_extent()
        blocked.append((lb.x0 * pts_per_px, lb.y0 * pts_per_px, lb.x1 * pts_per_px, lb.y1 * pts_per_px))
    segments = _line_segments(ax, pts_per_px) if lines else np.empty((0, 4))
    line_pad = 2.0  # half the widest line (1.6 points) and a margin, in points
    height = fontsize * 1.25

    def clash(box, own) -> int:  # labels, points and lines the box overlaps, its own point aside
        n = sum(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                for b in blocked if b != own)
        padded = (box[0] - line_pad, box[1] - line_pad, box[2] + line_pad, box[3] + line_pad)
        return n + _segments_cross_box(segments, padded)

    widths = [measure.get_text_width_height_descent(str(t), font, ismath=False)[0] + 2 for t in texts]
    # the longest labels first (they have the fewest places), then bottom to top, left to right
    order = np.lexsort((disp[:, 0], disp[:, 1], -np.round(widths, 1)))
    out = [None] * len(texts)
    # places nearest the point first: vertical steps, then further out to the side
    steps = [0] + [s for k in range(1, 40) for s in (k, -k)]
    places = sorted(((abs(v) + h, h, v) for h in range(8) for v in steps),
                    key=lambda t: (t[0], t[1], steps.index(t[2])))
    for i in order:
        text = str(texts[i])
        own = (disp[i, 0] - marker, disp[i, 1] - marker, disp[i, 0] + marker, disp[i, 1] + marker)
        width = widths[i]
        best = None
        for _, h, step in places:
            y = disp[i, 1] + step * min_gap
            out_x = dx + h * min_gap
            for side in (1, -1):
                x0 = disp[i, 0] + out_x if side == 1 else disp[i, 0] - out_x - width
                box = (x0, y - height / 2, x0 + width, y + height / 2)
                inside = box[0] >= left and box[2] <= right and box[1] >= bottom and box[3] <= top
                if not inside:
                    continue
                n = clash(box, own)
                if best is None or n < best[0]:
                    best = (n, box, side, y, out_x)
                if n == 0:
                    break
            if best is not None and best[0] == 0:
                break
        if best is None:  # no place inside the axes at all: right of the point
            x0 = disp[i, 0] + dx
            best = (0, (x0, disp[i, 1] - height / 2, x0 + width, disp[i, 1] + height / 2), 1,
                    disp[i, 1], dx)
        _, box, side, y, out_x = best
        blocked.append(box)
        off_x, off_y = (out_x if side == 1 else -out_x), y - disp[i, 1]
        moved = abs(off_y) > 1 or out_x > dx
        out[i] = ax.annotate(
            text, (xs[i], ys[i]), xytext=(off_x, off_y), textcoords="offset points",
            fontsize=fontsize, va="center", ha="left" if side == 1 else "right", annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": "#6E6E6E", "lw": 0.6, "shrinkA": 0, "shrinkB": 4}
            if moved else None)
    return out


def plot_funnel(table: pd.DataFrame, measure: str = "compliance", unit_label: str | None = None,
                label: str = "flagged", title: str | None = None,
                x_label: str = "Files where the criterion was answered (number)",
                y_label: str | None = None, unit: str | None = None,
                units_label: str | None = None) -> Figure:
    """Funnel plot of a :func:`kentaudit.stats.funnel.funnel_table` result.

    Parameters
    ----------
    table : DataFrame from :func:`kentaudit.stats.funnel.funnel_table`.
    measure : str
        What the proportion is, for the title, caption and alt text
        (for example ``"child seen alone"``).
    unit_label : str, optional
        Singular noun for the units (default: the table's unit column name).
    units_label : str, optional
        Its plural (the profile's ``words.units``: "localities"; default the regular English
        plural of ``unit_label``).
    label : {"flagged", "all", "none"}
        Which points get a text label.
    title, x_label, y_label : str, optional
    unit : str, optional
        The column naming the units (default ``table.attrs["unit"]``, which
        :func:`kentaudit.stats.funnel.funnel_table` sets); required when the attribute
        was lost. Units must be unique (one criterion per plot).

    Returns
    -------
    Figure with caption and alt text. Points are shaped by status at the outer level
    (triangle up = above, down = below, circle = within); labels name the units and
    never overlap.

    Raises
    ------
    InputError
        The unit column is unknown or a unit appears twice.
    """
    check_method(label, ("flagged", "all", "none"), "label")
    unit = _funnel_unit(table, unit)
    unit_label = unit_label or unit
    levels = [float(c) for c in str(table["conf_levels"].iloc[0]).split(";")]
    inner, outer = min(levels), max(levels)
    lin, lout = level_label(inner), level_label(outer)
    target = float(table["target"].iloc[0])
    adjusted = bool(table["adjusted"].iloc[0])
    limits_method = table["limits_method"].iloc[0]
    tau2 = float(table["tau2"].iloc[0]) if adjusted else 0.0
    n_max = int(table["n_denominator"].max())
    grid = _funnel_grid(n_max)
    lim = funnel_limits(grid, target, levels, limits_method, tau2)

    fig, ax = _new_figure()
    with house_style():
        styles = {inner: "--", outer: ":"}
        for c in levels:
            part = lim[lim["conf_level"] == c]
            ls = styles.get(c, "-.")
            ax.plot(part["n"], 100 * part["limit_low"], ls=ls, color="#333333", lw=1.3,
                    label=f"{level_text(c)} limits" + (" (adjusted)" if adjusted else ""))
            ax.plot(part["n"], 100 * part["limit_high"], ls=ls, color="#333333", lw=1.3)
        ax.axhline(100 * target, color=OKABE_ITO["bluish_green"], lw=1.6,
                   label=f"Target {_pct(target)}")
        # a point outside the outer limits is drawn filled, one outside the inner limits only
        # hollow, and the legend says which limit: "Above a limit" for both read, beside
        # findings saying every unit lies within the 99.8% limits, as a contradiction
        out_flag, in_flag = table[f"flag_{lout}"], table[f"flag_{lin}"]
        groups = [("within", (out_flag == "within") & (in_flag == "within"), True,
                   f"Within {level_text(inner)} limits")]
        for key in ("above", "below"):
            word = "Above" if key == "above" else "Below"
            groups.append((key, out_flag == key, True, f"{word} the {level_text(outer)} limit"))
            groups.append((key, (out_flag == "within") & (in_flag == key), False,
                           f"{word} the {level_text(inner)} limit, within {level_text(outer)}"))
        for key, sel, filled, name in groups:
            if sel.any():
                colour, marker = _STATUS[key]
                ax.scatter(table.loc[sel, "n_denominator"], 100 * table.loc[sel, "estimate"], s=55,
                           color=colour if filled else "white", marker=marker,
                           edgecolor="white" if filled else colour, linewidth=0.6 if filled else 1.5,
                           zorder=3, label=name)
        ax.set_xlim(0, grid[-1])
        # room above 100% for the labels of units at 100% (ticks stop at 100)
        ax.set_ylim(-2, 110)
        ax.set_yticks(range(0, 101, 20))
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label or _axis_label(measure, " (% of files)"))
        # what the plot is first, then the criterion: a criterion worded as a question ("Is the
        # child's lived experience ... recorded?") read "...? by team: funnel plot"
        title = title or f"Funnel plot by {unit_label}: {measure[:1].upper()}{measure[1:]}"
        # the legend below the plot, where it cannot hide a point or a label
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, frameon=False,
                  fontsize=9)
        # labels last: their positions depend on the final layout
        flagged = (table[f"flag_{lin}"] != "within") | (table[f"flag_{lout}"] != "within")
        show = flagged if label == "flagged" else pd.Series(label == "all", index=table.index)
        lab = table[show.to_numpy()]
        # units drawn at the same place (the same counts) share one label: "Maidstone, Sevenoaks"
        same = (lab.assign(_y=100 * lab["estimate"], _name=lab[unit].astype(str))
                .groupby(["n_denominator", "_y"], sort=True)["_name"]
                .agg(lambda names: ", ".join(sorted(names))).reset_index())
        place_labels(ax, same["n_denominator"].to_numpy(float), same["_y"].to_numpy(float),
                     same["_name"].tolist(),
                     avoid=(table["n_denominator"].to_numpy(float), 100 * table["estimate"].to_numpy(float)))

    caption = _funnel_caption(table, measure, levels, unit_label)
    alt = _funnel_alt(table, measure, unit, unit_label, inner, outer, units_label)
    return Figure(fig, caption, alt, title, "funnel",
                  meta={"unit": unit, "units": table[unit].astype(str).tolist()},
                  method=_funnel_method(table, unit_label))


def _funnel_caption(table, measure, levels, unit_label=None) -> str:
    """The funnel plot's caption in plain words: what a point is, the target, the limits and
    what they mean, and whether they were widened because the units differ more than chance
    would make them; the method and its statistics are :func:`_funnel_method`'s."""
    target = float(table["target"].iloc[0])
    source = table["target_source"].iloc[0]
    tgt = (f"the line across is the target of {_pct(target)} (the authority-wide proportion)" if source == "overall"
           else f"the line across is the target of {_pct(target)} (the audit standard)")
    lv = " and ".join(level_text(c) for c in levels)
    unit = unit_label or table.attrs.get("unit") or "unit"
    units = plural(unit)
    if bool(table["adjusted"].iloc[0]):
        spread = (f" The {units} differ from each other more than chance alone would make them, so the limits "
                  "are widened to allow for it.")
    else:
        spread = ""
    # "answered", as the axis and the appendix's Figure 1 say: the denominator is the files
    # answered yes or no (not applicable and not recorded are left out), not every applicable file
    # the title ("Funnel plot by <unit>: <measure>") leads the caption on the page: not said again
    return (f"Each point is one {unit}, its percentage against its number of "
            f"files answered; {tgt}; the curved lines are the {lv} control limits, which narrow as the "
            f"number of files grows. A {unit} between the limits differs from the target by no more than "
            f"chance alone would make it.{spread}")


def _funnel_method(table, unit_label=None) -> str:
    """How the funnel's limits were calculated, for an analyst: the limits' method, the
    dispersion factor phi, its test, the between-unit variance tau-squared and the policy
    (Spiegelhalter 2005, Statistics in Medicine 24:1185-1202)."""
    method_text = table.attrs.get("method_text") or method_words(str(table["limits_method"].iloc[0]), "phrase")
    target = float(table["target"].iloc[0])
    source = table["target_source"].iloc[0]
    tgt = (f"target {_pct(target)} (the authority-wide proportion)" if source == "overall"
           else f"target {_pct(target)} (audit standard)")
    phi, p, tau2 = (float(table[c].iloc[0]) for c in ("phi", "phi_p_value", "tau2"))
    rule = ("limits are widened only when phi is significantly above 1 (chi-square test at "
            f"{float(table['alpha'].iloc[0]):g})" if table["adjust_rule"].iloc[0] == "significant"
            else "limits are widened whenever phi is above 1")
    wins = (f"from z-scores with the most extreme {_pct(float(table['winsorise'].iloc[0]), 0)} "
            f"pulled in ({method_words(str(table['winsorise_method'].iloc[0]), 'phrase')})")
    if bool(table["adjusted"].iloc[0]):
        adj = f"limits adjusted with random effects (widened; tau\u00b2 = {tau2:.3g})"
    else:
        policy = table["overdispersion"].iloc[0]
        adj = ("limits not adjusted (overdispersion adjustment switched off)"
               if policy == "none" else "limits not adjusted")
    unit = unit_label or table.attrs.get("unit") or "unit"
    return (f"Control limits: {method_text} around the {tgt} (Spiegelhalter 2005). "
            f"Overdispersion (spread between {plural(unit)} beyond what chance gives): "
            f"phi = {phi:.2f}, where 1 is the spread of chance alone ({wins}), chi-square "
            f"{format_p(p, prefix=True)}; between-{unit} variance tau\u00b2 = {tau2:.3g}; {adj}; "
            f"policy: {rule}.")


def _funnel_alt(table, measure, unit, unit_label, inner, outer, units_label=None) -> str:
    units_label = units_label or plural(unit_label)
    lin, lout = level_label(inner), level_label(outer)
    k = len(table)
    parts = [f"Funnel plot of {measure} for {k} {units_label}, with between "
             f"{int(table['n_denominator'].min())} and {int(table['n_denominator'].max())} files answered each. "
             f"The target line is at {_pct(float(table['target'].iloc[0]))}."]
    counted = np.zeros(k, dtype=bool)  # rows described so far (rows, not names)
    for side in ("below", "above"):
        sel = (table[f"flag_{lout}"] == side).to_numpy()
        out_units = table.loc[sel, unit].astype(str).tolist()
        if out_units:
            verb = "is" if len(out_units) == 1 else "are"
            parts.append(f"{join_words(out_units)} {verb} {side} the {level_text(outer)} limit.")
            counted |= sel
        sel = ((table[f"flag_{lin}"] == side) & (table[f"flag_{lout}"] == "within")).to_numpy()
        only = table.loc[sel, unit].astype(str).tolist()
        if only:
            verb = "is" if len(only) == 1 else "are"
            parts.append(f"{join_words(only)} {verb} {side} the {level_text(inner)} limit only.")
            counted |= sel
    rest = k - int(counted.sum())
    if rest == k:
        parts.append(f"All {k} {units_label} are within the {level_text(inner)} limits.")
    elif rest:
        parts.append(f"The other {rest} {units_label + ' are' if rest > 1 else unit_label + ' is'} within "
                     f"the {level_text(inner)} limits.")
    if bool(table["adjusted"].iloc[0]):
        parts.append("Limits are widened for overdispersion.")
    return " ".join(parts)


# --- control charts ------------------------------------------------------------------------

def _x_values(periods: pd.Series):
    if isinstance(periods.dtype, pd.PeriodDtype):
        return periods.dt.to_timestamp()
    return periods


def _period_text(v) -> str:
    if isinstance(v, pd.Period):
        return str(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if (v.hour or v.minute) == 0 and v.day != 1 else v.strftime("%b %Y")
    return str(v)


def _fmt_value(v: float, percent: bool) -> str:
    return _pct(v) if percent else _num(v)


def _capped(table: pd.DataFrame) -> pd.DataFrame:
    """Process limits of a proportion kept within 0 and 1 (a percentage cannot pass 100%)."""
    out = table.copy()
    for c in ("lpl", "upl", "nlpl", "nupl"):
        if c in out.columns:
            out[c] = out[c].clip(0.0, 1.0)
    return out


#: Making Data Count icons: variation of the latest point and assurance against the target
#: (NHS England, "Making data count: getting started", 2019): colour, letter, words.
_VARIATION_ICONS = {
    "common_cause": (_GREY, "~", "common cause variation"),
    "special_cause_improvement": (OKABE_ITO["blue"], None, "special cause variation: improvement"),
    "special_cause_concern": (OKABE_ITO["orange"], None, "special cause variation: concern"),
    "special_cause_neutral_high": (OKABE_ITO["reddish_purple"], "H", "special cause variation: high"),
    "special_cause_neutral_low": (OKABE_ITO["reddish_purple"], "L", "special cause variation: low"),
}
_ASSURANCE_ICONS = {
    "consistently passes": (OKABE_ITO["blue"], "P", "the process will consistently meet the target"),
    "consistently fails": (OKABE_ITO["orange"], "F", "the process will consistently miss the target"),
    "inconsistent": (_GREY, "?", "the process will sometimes meet and sometimes miss the target"),
}


def mdc_icons(table: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """The Making Data Count icons of an SPC table: ``[(kind, colour, letter, words)]``.

    ``kind`` is ``"variation"`` (from the latest point: common cause, or special cause
    improvement/concern, high ``H`` or low ``L``) and, when the table has a target,
    ``"assurance"`` (``P`` passes, ``F`` fails, ``?`` inconsistent).
    """
    present = table[~table["missing"]] if "missing" in table.columns else table
    if not len(present):
        return []
    last = present.iloc[-1]
    colour, letter, words = _VARIATION_ICONS[last["point_type"]]
    if letter is None:
        letter = "H" if float(last["value"]) > float(last["mean"]) else "L"
    icons = [("variation", colour, letter, words)]
    a = table["assurance"].dropna() if "assurance" in table.columns else pd.Series(dtype=object)
    if len(a):
        icons.append(("assurance", *_ASSURANCE_ICONS[a.iloc[-1]]))
    return icons


def _draw_icons(fig, icons) -> None:

    for i, (kind, colour, letter, words) in enumerate(icons):
        iax = fig.add_axes((0.83 + 0.085 * i, 0.885, 0.07, 0.1))
        iax.set_aspect("equal")
        iax.set_xlim(-1.1, 1.1)
        iax.set_ylim(-1.1, 1.1)
        iax.axis("off")
        iax.add_patch(mpatches.Circle((0, 0), 1, facecolor="white", edgecolor=colour, lw=2.5))
        iax.text(0, 0, letter, ha="center", va="center", fontsize=13, fontweight="bold",
                 color=colour)
        iax.set_title(kind.capitalize(), fontsize=7, pad=1, color="#333333")


def _control_chart(table, kind, measure, y_label, percent):
    if percent:
        table = _capped(table)
    x = _x_values(table["period"])
    scale = 100 if percent else 1
    fig, ax = _new_figure((9, 5))
    with house_style():
        ax.plot(x, scale * table["value"], color="#9A9A9A", lw=1.2, zorder=1)
        step = "mid" if kind == "p_chart" else None
        for g, part in table.groupby("rebase_group"):
            px = _x_values(part["period"])
            lw_lab = g == table["rebase_group"].min()
            if step:
                ax.step(px, scale * part["upl"], where="mid", ls="--", color="#333333", lw=1.1,
                        label="Process limits (3 sigma)" if lw_lab else None)
                ax.step(px, scale * part["lpl"], where="mid", ls="--", color="#333333", lw=1.1)
            else:
                ax.plot(px, scale * part["upl"], ls="--", color="#333333", lw=1.1,
                        label="Process limits" if lw_lab else None)
                ax.plot(px, scale * part["lpl"], ls="--", color="#333333", lw=1.1)
            ax.plot(px, scale * part["mean"], color=OKABE_ITO["black"], lw=1.4,
                    label=("Centre (pooled proportion)" if kind == "p_chart" else "Mean")
                    if lw_lab else None)
        target = table["target"].iloc[0]
        if pd.notna(target):
            ax.axhline(scale * target, color=OKABE_ITO["bluish_green"], ls="-.", lw=1.4,
                       label=f"Target {_fmt_value(float(target), percent)}")
        for key, (colour, marker, name) in _POINT_TYPES.items():
            sel = table["point_type"] == key
            if sel.any():
                ax.scatter(x[sel], scale * table.loc[sel, "value"], color=colour, marker=marker,
                           s=50, zorder=3, edgecolor="white", linewidth=0.6, label=name)
        ax.set_ylabel(y_label)
        if pd.api.types.is_integer_dtype(table["period"]):
            # cycles (2010, 2011, ...): one tick a cycle, never 2010.5
            ax.set_xticks(sorted(table["period"].unique()),
                          [str(v) for v in sorted(table["period"].unique())])
        ax.set_xlabel("Period")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, frameon=False,
                  fontsize=9)
        fig.get_layout_engine().set(rect=(0, 0, 0.82, 1))
        _draw_icons(fig, mdc_icons(table))
    return fig


def _icons_text(table) -> str:
    icons = mdc_icons(table)
    if not icons:
        return ""
    return "Making Data Count icons: " + "; ".join(
        f"{kind} {letter} ({words})" for kind, _, letter, words in icons) + "."


def _signal_alt(table, percent) -> list[str]:
    parts = []
    labels = {"special_cause_improvement": "improvement", "special_cause_concern": "concern",
              "special_cause_neutral_high": "high (neutral)", "special_cause_neutral_low": "low (neutral)"}
    any_signal = False
    for key, word in labels.items():
        sel = table[table["point_type"] == key]
        if len(sel):
            any_signal = True
            kinds = sorted({_sct_words(t) for t in sel["special_cause_type"]})
            per = [_period_text(p) for p in sel["period"]]
            parts.append(f"{len(sel)} point{'s' if len(sel) > 1 else ''} show special cause "
                         f"{word} ({join_words(kinds)}): {join_words(per)}.")
    if not any_signal:
        parts.append("All points show common-cause variation only.")
    miss = table.loc[table["missing"], "period"]
    if len(miss):
        parts.append(f"No data for {join_words([_period_text(p) for p in miss])}.")
    a = table["assurance"].dropna()
    if len(a):
        verb = {"inconsistent": "will sometimes meet and sometimes miss it",
                "consistently passes": "can be expected to meet it consistently",
                "consistently fails": "can be expected to miss it consistently"}[a.iloc[-1]]
        parts.append(f"Against the target of {_fmt_value(float(table['target'].iloc[0]), percent)} "
                     f"the process {verb} ({a.iloc[-1]}).")
    return parts


def _sct_words(t: str) -> str:
    """Plain words for a special-cause type such as '7 Points Above CL'."""
    t = (t.replace("Above UCL", "above the upper limit").replace("Below LCL", "below the lower limit")
         .replace("Points Above CL", "points above the mean")
         .replace("Points Below CL", "points below the mean")
         .replace("2 in 3 Above CL", "2 of 3 near the upper limit")
         .replace("2 in 3 Below CL", "2 of 3 near the lower limit"))
    return t.replace("Point Trend (Increasing)", "point rising trend").replace(
        "Point Trend (Decreasing)", "point falling trend")


def _rules_caption(method: str) -> str:
    i = method.find("rules:")
    return method[i:] if i >= 0 else ""


def plot_xmr(table: pd.DataFrame, measure: str = "the measure", y_label: str | None = None,
             title: str | None = None, percent: bool = False) -> Figure:
    """XmR chart of a :func:`kentaudit.stats.spc.xmr` result (Making Data Count style).

    Points are coloured and shaped by point type (blue up-triangle improvement, orange
    down-triangle concern, purple neutral, grey circle common cause); process limits
    dashed, mean solid, target dash-dot. ``percent=True`` shows proportions as %.
    """
    if (table.get("chart") is None) or table["chart"].iloc[0] != "xmr":
        raise InputError("plot_xmr needs the table returned by kentaudit.stats.spc.xmr.")
    y_label = y_label or _axis_label(measure, " (%)" if percent else "", percent)
    # what the chart is first, then the measure: a criterion worded as a question read "...?: XmR chart"
    title = title or f"XmR chart: {measure[:1].upper()}{measure[1:]}"
    fig = _control_chart(table, "xmr", measure, y_label, percent)
    raw_last = table[table["rebase_group"] == table["rebase_group"].max()].iloc[0]
    capped = percent and (raw_last["upl"] > 1 or raw_last["lpl"] < 0)
    last = (_capped(table) if percent else table)
    last = last[last["rebase_group"] == last["rebase_group"].max()].iloc[0]
    trial = bool(table["trial"].any())
    screened = "moving ranges >= 3.267" in table["method"].iloc[0]
    method = (f"XmR chart (Making Data Count rules as implemented by "
              f"NHSRplotthedots): mean {_fmt_value(last['mean'], percent)}, process limits "
              f"{_fmt_value(last['lpl'], percent)} to {_fmt_value(last['upl'], percent)} "
              "(mean \u00b1 2.66 \u00d7 mean moving range"
              + (", moving ranges of 3.267 \u00d7 the mean or more screened out" if screened else "")
              + "). "
              f"Special-cause {_rules_caption(table['method'].iloc[0])}."
              + (" Trial limits: fewer than 13 points in a baseline." if trial else "")
              + (f" Rebased {table['rebase_group'].max()} time(s); limits shown are for the "
                 "last baseline." if table["rebase_group"].max() > 0 else ""))
    caption = ("The solid line is the average "
               f"({_fmt_value(last['mean'], percent)}), the dashed lines the range in which values vary by "
               f"chance alone ({_fmt_value(last['lpl'], percent)} to {_fmt_value(last['upl'], percent)}). A "
               "point outside them, or a run or trend of points, is a signal that something changed (a "
               "special cause); coloured points mark the signals."
               + (" The limits are provisional: there are still few points." if trial else ""))
    if capped:
        caption += (f" The calculated limits ({_fmt_value(raw_last['lpl'], True)} to "
                    f"{_fmt_value(raw_last['upl'], True)}) pass 0% or 100%; a percentage cannot, "
                    "so they are drawn at 0% and 100% (a p-chart, whose limits respect the "
                    "bounds, is the chart to read for a proportion).")
    if pd.notna(table["target"].iloc[0]):
        caption += f" Target {_fmt_value(float(table['target'].iloc[0]), percent)}."
    caption += " " + _icons_text(table)
    present = table[~table["missing"]]
    alt = " ".join([
        f"XmR control chart of {measure} over {len(table)} periods from "
        f"{_period_text(table['period'].iloc[0])} to {_period_text(table['period'].iloc[-1])}. "
        f"Mean {_fmt_value(last['mean'], percent)}; process limits "
        f"{_fmt_value(last['lpl'], percent)} to {_fmt_value(last['upl'], percent)}"
        + (" (trial)." if trial else ".")
        + f" Values range from {_fmt_value(present['value'].min(), percent)} to "
          f"{_fmt_value(present['value'].max(), percent)}.",
        *_signal_alt(table, percent), _icons_text(table)])
    return Figure(fig, caption.strip(), alt.strip(), title, "xmr", method=method.strip())


def plot_p_chart(table: pd.DataFrame, measure: str = "compliance", y_label: str | None = None,
                 title: str | None = None) -> Figure:
    """p-chart of a :func:`kentaudit.stats.spc.p_chart` result; limits step with each period's n."""
    if (table.get("chart") is None) or table["chart"].iloc[0] != "p":
        raise InputError("plot_p_chart needs the table returned by kentaudit.stats.spc.p_chart.")
    y_label = y_label or _axis_label(measure, " (% of files)")
    title = title or f"p-chart: {measure[:1].upper()}{measure[1:]}"
    fig = _control_chart(table, "p_chart", measure, y_label, True)
    last = table[table["rebase_group"] == table["rebase_group"].max()]
    present = table[~table["missing"]]
    trial = bool(table["trial"].any())
    method = (f"p-chart: centre line {_pct(last['mean'].iloc[0])} (pooled proportion); 3-sigma "
              f"binomial limits for each period's number of files, 2-sigma near limits used by the "
              f"two-in-three rule. Special-cause {_rules_caption(table['method'].iloc[0])}."
              + (" Trial limits: fewer than 13 periods." if trial else ""))
    caption = ("The solid line is the average "
               f"({_pct(last['mean'].iloc[0])}); the dashed lines are the range in which the percentage "
               f"varies by chance alone, which vary with each period's number of files (from "
               f"{int(present['n'].min())} to {int(present['n'].max())}). A point outside them, or a run "
               "or trend of points, is a signal that something changed (a special cause); coloured points "
               "mark the signals."
               + (" The limits are provisional: there are still few periods." if trial else ""))
    if pd.notna(table["target"].iloc[0]):
        caption += f" Target {_pct(float(table['target'].iloc[0]))}."
    caption += " " + _icons_text(table)
    alt = " ".join([
        f"p-chart of {measure} over {len(table)} periods from "
        f"{_period_text(table['period'].iloc[0])} to {_period_text(table['period'].iloc[-1])}, "
        f"{int(present['n'].min())} to {int(present['n'].max())} files a period. Centre line "
        f"{_pct(last['mean'].iloc[0])}; values range from {_pct(present['value'].min())} to "
        f"{_pct(present['value'].max())}" + (" (trial limits)." if trial else "."),
        *_signal_alt(table, True), _icons_text(table)])
    return Figure(fig, caption.strip(), alt.strip(), title, "p_chart", method=method.strip())


# --- forest --------------------------------------------------------------------------------

def plot_forest(table: pd.DataFrame, label: str = "label", estimate: str = "estimate",
                lower: str = "conf_low", upper: str = "conf_high", reference: float | None = 0.0,
                x_label: str = "Difference (percentage points)", percent: bool = True,
                title: str = "Estimates with confidence intervals", method: str | None = None,
                conf_level: float | None = None, subject: str = "estimates",
                decision: str | None = None, decision_text: str | None = None) -> Figure:
    """Forest plot: one row per estimate with its interval and a reference line.

    Parameters
    ----------
    table : DataFrame with columns ``label``, ``estimate``, ``conf_low``, ``conf_high`` (names
        configurable). ``method`` and ``conf_level`` default to the table's ``method``
        and ``conf_level`` columns when present (kentaudit result tables carry them).
    reference : float or None
        Vertical reference (0 for differences, a target for proportions).
    percent : bool
        Multiply by 100 for display (proportions and differences of proportions).
    subject : str
        What the rows are, for the alt text ("criteria: district vs rest of Kent").
    decision : str, optional
        A boolean column: the decision the text reports (for example adjusted
        p-value below 0.05). When given, rows are coloured and shaped by it and the
        estimate's side of ``reference`` - not by whether the (unadjusted) interval
        excludes the reference - so the chart says what the tables and findings
        say. ``decision_text`` names it in the legend, caption and alt text
        (default "significant").
    """
    for col in (label, estimate, lower, upper):
        if col not in table.columns:
            raise InputError(f"column {col!r} not found.", column=col)
    if method is None and "method" in table.columns:
        method = str(table["method"].iloc[0])
    if conf_level is None and "conf_level" in table.columns:
        conf_level = float(table["conf_level"].iloc[0])
    scale = 100 if percent else 1
    k = len(table)
    ticks = ["\n".join(wrap_lines(t, 38)) for t in table[label].astype(str)]
    # each row as tall as its longest label (9-point lines, about 0.16 inch each), so that
    # wrapped labels never overlap their neighbours
    row = max(0.42, 0.16 * max((t.count("\n") + 1 for t in ticks), default=1) + 0.12)
    height = max(2.5, row * k + 1.4)
    fig, ax = _new_figure((10, height))
    y = np.arange(k)[::-1]
    with house_style():
        est = scale * table[estimate].to_numpy(dtype=float)
        lo = scale * table[lower].to_numpy(dtype=float)
        up = scale * table[upper].to_numpy(dtype=float)
        ref = scale * reference if reference is not None else None
        if decision is not None:
            if decision not in table.columns:
                raise InputError(f"decision column {decision!r} not found.", column=decision)
            sig = table[decision].fillna(False).astype(bool).to_numpy()
            below = sig & (est < (ref if ref is not None else 0))
            above = sig & ~below
        else:
            below = up < (ref if ref is not None else -np.inf)
            above = lo > (ref if ref is not None else np.inf)
        colours = np.where(below, OKABE_ITO["vermillion"],
                           np.where(above, OKABE_ITO["blue"], _GREY))
        ax.hlines(y, lo, up, color=colours, lw=2)
        dword = decision_text or "significant"
        # the points that are not significant are labelled with the decision's negation: "Not
        # significant (Holm-adjusted p < 0.05)" said the opposite of what it meant
        nword = dword.replace(" p < ", " p \u2265 ").replace("(p < ", "(p \u2265 ")
        names = ((f"Lower, {dword}", f"Higher, {dword}", f"Not {nword}") if decision is not None
                 else ("Interval wholly below the line", "Interval wholly above the line",
                       "Interval includes the line"))
        for st, mk, nm in ((below, "v", names[0]), (above, "^", names[1]),
                           (~below & ~above, "o", names[2])):
            if st.any():
                ax.scatter(est[st], y[st], color=colours[st], marker=mk, s=45, zorder=3, label=nm)
        if reference is not None:
            ax.axvline(scale * reference, color=OKABE_ITO["black"], lw=1)
        # a row with no estimate says so, not an empty line a reader takes for a missing bar
        for yy in y[np.isnan(est)]:
            # set on the row's line, above it: the lowest row sits on the axis, which struck it through
            ax.annotate("no estimate", (0, yy), xycoords=("axes fraction", "data"), xytext=(6, 1),
                        textcoords="offset points", va="bottom", fontsize=9, color=_GREY, style="italic")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.9 / height),
                  ncols=3, frameon=False, fontsize=9)
        ax.set_yticks(y, ticks, fontsize=9)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(x_label)
    lvl = f"{level_text(conf_level)} " if conf_level else ""
    caption = (f"Forest plot of {subject}: points are estimates and bars {lvl}confidence "
               f"intervals" + (f" ({method})" if method else "")
               + (f"; the vertical line marks {_num(scale * reference)}" if reference is not None else "")
               + ".")
    if decision is not None:
        caption += (f" Colour and shape show the decision reported in the tables ({dword}); "
                    "the bars are not adjusted for multiple comparisons, so a bar can exclude "
                    "the line while the adjusted test is not significant.")
    lab = table[label].astype(str).to_numpy()
    parts = [f"Forest plot of {k} {subject}, shown as {x_label.lower()}."]
    if decision is not None:
        for st, word in ((below, "lower"), (above, "higher")):
            if st.any():
                parts.append(f"{word[:1].upper()}{word[1:]}, {dword}: {join_words(list(lab[st]))}.")
        none = np.isnan(est)
        rest = int((~below & ~above & ~none).sum())
        if rest:
            parts.append(f"{rest} of {k} {'are' if rest != 1 else 'is'} not {nword}.")
        if none.any():
            parts.append(f"No estimate for {join_words(list(lab[none]))}.")
    elif reference is not None:
        if below.any():
            parts.append(f"Intervals wholly below {_num(scale * reference)}: {join_words(list(lab[below]))}.")
        if above.any():
            parts.append(f"Intervals wholly above {_num(scale * reference)}: {join_words(list(lab[above]))}.")
        rest = int((~below & ~above).sum())
        if rest:
            parts.append(f"{rest} interval{'s' if rest != 1 else ''} include"
                         f"{'' if rest != 1 else 's'} {_num(scale * reference)}.")
    i_max, i_min = int(np.nanargmax(est)), int(np.nanargmin(est))
    parts.append(f"Largest estimate {_num(est[i_max])} ({lab[i_max]}); smallest "
                 f"{_num(est[i_min])} ({lab[i_min]}).")
    return Figure(fig, caption, " ".join(parts), title, "forest")


# --- grade distribution --------------------------------------------------------------------

#: colours of a scale of more than four grades, best to worst (Okabe-Ito: told apart with any
#: colour vision), each grade after the first two also hatched
_GRADE_COLOURS_LONG = [OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["yellow"], OKABE_ITO["orange"],
                       OKABE_ITO["vermillion"], OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"]]
_GRADE_HATCHES_LONG = ["", "", "..", "//", "xx", "\\\\", "++"]


def grade_style(j: int, n: int) -> tuple:
    """(colour, hatch) of the ``j``-th of ``n`` grades: Kent's four as they always were, a longer
    scale (a five-point one) with a colour and hatch per grade, so no two grades look alike up
    to seven grades. The appendix's grade figure (:mod:`kentaudit.publication.figures`) draws with it too."""
    if n <= 4:
        return _GRADE_COLOURS[j], ["", "", "//", "xx"][j]
    return _GRADE_COLOURS_LONG[j % 7], _GRADE_HATCHES_LONG[j % 7] + ("/" if j >= 7 else "")


def plot_grade_distribution(table: pd.DataFrame, group: str = "district", grade: str = "grade",
                            count: str = "n", labels: Mapping[int, str] | None = None,
                            title: str = "Overall grades", subject: str = "audited files",
                            best: str = "lowest", group_labels: Mapping[str, str] | None = None) -> Figure:
    """100% stacked horizontal bars of grade counts per group, the best grade first.

    Parameters
    ----------
    table : tidy DataFrame with one row per (group, grade) and a count column.
    labels : mapping grade -> label, default :func:`kentaudit.inputs.reference.grade_labels`.
    best : ``lowest`` (grade 1 is best, default) or ``highest`` (the profile's ``grade_best``):
        the bars, legend and caption run from the best grade to the worst, and the text
        alternative names the two best grades and the worst.
    group_labels : mapping group value -> how a reader writes it (the profile's sample labels
        when ``group="sample"``; default the formatter's words of samples, else the value).
    """
    for col in (group, grade, count):
        if col not in table.columns:
            raise InputError(f"column {col!r} not found.", column=col)
    if labels is None:
        labels = grade_labels()
    check_method(best, ("lowest", "highest"), "best")
    order = sorted(labels, reverse=best == "highest")  # the best grade first
    wide = (table.pivot_table(index=group, columns=grade, values=count, aggfunc="sum",
                              fill_value=0, observed=True)
            .reindex(columns=order, fill_value=0))
    totals = wide.sum(axis=1)
    if (totals == 0).any():
        raise InputError("a group has no graded files; drop it before plotting.", column=count)
    if group == "sample" or group_labels:  # samples as a reader writes them ("Annual audit", not "annual")
        said = dict(group_labels or {})  # the caller's (the profile's) words, else the names
        wide.index = [said.get(str(v), str(v)) for v in wide.index]
        totals = wide.sum(axis=1)
    share = wide.div(totals, axis=0)
    k = len(wide)
    fig, ax = _new_figure((8.5, max(2.5, 0.42 * k + 1.6)))
    y = np.arange(k)[::-1]
    with house_style():
        left = np.zeros(k)
        for j, g in enumerate(share.columns):
            vals = 100 * share[g].to_numpy()
            colour, hatch = grade_style(j, len(share.columns))
            ax.barh(y, vals, left=left, color=colour, edgecolor="white",
                    label=f"{g} {labels[g]}", height=0.7, hatch=hatch)
            left += vals
        for yi, n in zip(y, totals):
            ax.text(101, yi, f"n={int(n)}", va="center", fontsize=9)
        ax.set_yticks(y, wide.index.astype(str))
        ax.set_xlim(0, 110)
        ax.set_xlabel(f"Percentage of {subject}")
        ax.grid(axis="y", visible=False)
        # the legend below the axis label, placed by the layout so that they never overlap
        fig.legend(*ax.get_legend_handles_labels(), ncols=min(4, len(labels)),
                   loc="outside lower center", frameon=False)
    worst = order[-1]
    said = ", ".join(f"{g} = {labels[g]}" for g in order)
    caption = (f"{title}: percentage of {subject} at each grade by {group} ({said}); "
               f"n = number of graded files in each bar.")
    overall = wide.sum(axis=0) / totals.sum()
    hi = share[worst].idxmax()
    # the better half of the scale, as the tables' "good or better" (ordinal.collapse_rules)
    better = collapse_rules(dict(labels), best)[0][2]
    good = share[[g for g in share.columns if g in better]].sum(axis=1)
    good_words = " or ".join(str(labels[g]) for g in better)
    alt = (f"Stacked bar chart of {subject} by grade for {k} {plural(group)} "
           f"({int(totals.sum())} files). Overall {_pct(float(good.mul(totals).sum() / totals.sum()), 0)} "
           f"are {good_words} and {_pct(float(overall[worst]), 0)} {labels[worst]}. "
           f"{hi} has the largest share {labels[worst]} ({_pct(float(share.loc[hi, worst]), 0)} "
           f"of {int(totals[hi])}); {good.idxmax()} has the largest share {good_words} "
           f"({_pct(float(good.max()), 0)} of {int(totals[good.idxmax()])}).")
    return Figure(fig, caption, alt, title, "grade_distribution")
