"""Tests for kentaudit.report.charts: figures, captions, alt text, deterministic files."""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import matplotlib.text

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from drawn import label_line_crossings  # noqa: E402
from kentaudit.report.charts import (OKABE_ITO, Figure, house_style, plot_forest, plot_funnel, plot_grade_distribution, plot_p_chart, plot_xmr)
from kentaudit.core.errors import InputError  # noqa: E402
from kentaudit.stats.funnel import funnel_table  # noqa: E402
from kentaudit.stats.spc import p_chart, xmr  # noqa: E402

NAMES = ["Ashford", "Canterbury", "Dartford", "Dover", "Gravesham", "Maidstone",
         "Sevenoaks", "Shepway", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells"]


@pytest.fixture(scope="module")
def funnel_tab():
    rng = np.random.default_rng(20100831)
    n = rng.integers(25, 41, size=12)
    p = np.full(12, 0.8)
    p[NAMES.index("Thanet")], p[NAMES.index("Swale")] = 0.35, 0.40
    counts = pd.DataFrame({"district": NAMES, "n_yes": rng.binomial(n, p), "n_denominator": n})
    return funnel_table(counts, target=0.8, overdispersion="none")


@pytest.fixture(scope="module")
def xmr_tab():
    y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    return xmr(y, periods=pd.period_range("2011-01", periods=18, freq="M"), target=3.0)


def test_funnel_alt_text_names_flagged_districts_and_counts(funnel_tab):
    fig = plot_funnel(funnel_tab, measure="child seen alone", unit_label="district")
    assert "12 districts" in fig.alt_text
    assert "below the 99.8% limit" in fig.alt_text
    assert "Swale" in fig.alt_text and "Thanet" in fig.alt_text
    assert "Maidstone" not in fig.alt_text


#: what a caption never says (issue 23: a caption says what the reader sees in plain words; the
#: method, its statistics and the software are the figure's ``method``)
JARGON = ("phi", "tau", "sigma", "NHSRplotthedots", "winsoris", "chi-square", "2.66", "3.267")


def test_funnel_caption_says_what_is_drawn_in_plain_words(funnel_tab):
    cap = plot_funnel(funnel_tab, measure="child seen alone").caption
    for part in ("Each point is one district", "95% and 99.8% control limits", "target of 80.0%",
                 "differs from the target by no more than chance"):
        assert part in cap, part
    assert [j for j in JARGON if j in cap] == []


def test_funnel_method_names_method_levels_target_and_dispersion(funnel_tab):
    how = plot_funnel(funnel_tab, measure="child seen alone").method
    for part in ("Spiegelhalter's interpolation", "target 80.0%", "Spiegelhalter 2005",
                 "phi =", "tau\u00b2 =", "chi-square p", "not adjusted"):
        assert part in how, part


def test_funnel_caption_says_when_limits_are_adjusted(funnel_tab):
    counts = funnel_tab.rename(columns={"x": "n_yes", "n": "n_denominator"})
    tab = funnel_table(counts, target=0.8, overdispersion="always")
    fig = plot_funnel(tab, measure="child seen alone")
    assert "limits adjusted with random effects" in fig.method
    assert "the limits are widened" in fig.caption
    assert "widened for overdispersion" in fig.alt_text


def test_funnel_axes_are_labelled_with_units(funnel_tab):
    ax = plot_funnel(funnel_tab, measure="child seen alone").figure.axes[0]
    assert "(number)" in ax.get_xlabel() and "%" in ax.get_ylabel()


def test_xmr_alt_text_reports_special_cause_periods_and_assurance(xmr_tab):
    fig = plot_xmr(xmr_tab, measure="repeat plans", percent=False)
    assert "2011-05" in fig.alt_text and "improvement" in fig.alt_text
    assert "above the upper limit" in fig.alt_text
    assert "target of 3" in fig.alt_text


def test_xmr_method_names_rules_limits_and_screening(xmr_tab):
    fig = plot_xmr(xmr_tab, measure="repeat plans")
    for part in ("2.66", "3.267", "NHSRplotthedots", "trend of 7", "run of 7"):
        assert part in fig.method, part
    assert "Target 3" in fig.caption and "a signal that something changed" in fig.caption
    assert [j for j in JARGON if j in fig.caption] == []


def test_xmr_caption_flags_trial_limits():
    fig = plot_xmr(xmr([1.0, 2.0, 3.0, 2.0, 1.0]), measure="x")
    assert "Trial limits" in fig.method and "provisional" in fig.caption


def test_p_chart_caption_and_alt_text():
    rng = np.random.default_rng(5)
    n = rng.integers(20, 40, size=24)
    x = rng.binomial(n, 0.8)
    x[17] = int(0.2 * n[17])
    tab = p_chart(pd.DataFrame({"period": pd.period_range("2011-01", periods=24, freq="M"),
                                "x": x, "n": n}))
    fig = plot_p_chart(tab, measure="child seen")
    assert "vary with each period's number of files" in fig.caption
    assert "3-sigma" in fig.method and [j for j in JARGON if j in fig.caption] == []
    assert "2012-06" in fig.alt_text and "concern" in fig.alt_text


def test_plot_xmr_refuses_a_p_chart_table():
    tab = p_chart(pd.DataFrame({"period": [1, 2, 3], "x": [1, 2, 3], "n": [5, 5, 5]}))
    with pytest.raises(InputError):
        plot_xmr(tab)


def test_forest_alt_text_lists_intervals_excluding_reference():
    t = pd.DataFrame({"label": ["seen", "voice", "plan"], "estimate": [-0.2, 0.01, 0.15],
                      "conf_low": [-0.3, -0.1, 0.05], "conf_high": [-0.1, 0.1, 0.25],
                      "method": "newcombe", "conf_level": 0.95})
    fig = plot_forest(t, subject="criteria: Thanet minus the rest of Kent")
    assert "wholly below 0: seen" in fig.alt_text and "wholly above 0: plan" in fig.alt_text
    assert "1 interval includes 0" in fig.alt_text
    assert "95% confidence intervals (newcombe)" in fig.caption


def test_grade_distribution_alt_text_names_extremes():
    rows = []
    for d, counts in {"Thanet": [1, 5, 10, 9], "Maidstone": [5, 15, 4, 1]}.items():
        rows += [{"district": d, "grade": g + 1, "n": c} for g, c in enumerate(counts)]
    fig = plot_grade_distribution(pd.DataFrame(rows))
    assert "Thanet has the largest share Inadequate (36% of 25)" in fig.alt_text
    assert "Maidstone has the largest share Outstanding or Good (80% of 25)" in fig.alt_text
    assert "1 = Outstanding" in fig.caption


def test_every_plot_returns_a_figure_with_text(funnel_tab, xmr_tab):
    figs = [plot_funnel(funnel_tab), plot_xmr(xmr_tab)]
    for f in figs:
        assert isinstance(f, Figure) and f.alt_text and f.caption and f.figure.axes


def test_save_writes_png_and_svg_deterministically(tmp_path, funnel_tab):
    a = plot_funnel(funnel_tab).save(tmp_path / "a" / "funnel")
    b = plot_funnel(funnel_tab).save(tmp_path / "b" / "funnel")
    assert [p.suffix for p in a] == [".png", ".svg"]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.suffix
    svg = a[1].read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_house_style_does_not_leak_global_settings(funnel_tab):
    before = dict(matplotlib.rcParams)
    plot_funnel(funnel_tab)
    with house_style():
        assert matplotlib.rcParams["svg.hashsalt"] == "kentaudit"
    assert matplotlib.rcParams["svg.hashsalt"] == before["svg.hashsalt"]
    assert matplotlib.rcParams["font.size"] == before["font.size"]


def test_palette_is_okabe_ito():
    assert OKABE_ITO["vermillion"] == "#D55E00" and OKABE_ITO["blue"] == "#0072B2"


def test_funnel_grid_is_every_whole_number_for_small_counts_and_log_spaced_beyond():
    from kentaudit.report.charts import FUNNEL_GRID_EXACT, _funnel_grid
    small = _funnel_grid(40)
    assert small.tolist() == list(range(1, 46))
    big = _funnel_grid(80_000)
    assert big[:FUNNEL_GRID_EXACT].tolist() == list(range(1, FUNNEL_GRID_EXACT + 1))
    assert big[-1] >= 88_000 and len(big) <= 2 * FUNNEL_GRID_EXACT
    assert (np.diff(big) > 0).all()


# --- charts name the right thing (issue 14) ---------------------------------------------

def _concatenated(funnel_tab):
    """Two criteria's funnel tables joined as analyses does; pd.concat drops attrs that
    differ between its inputs (dropped units, methods), so they may be gone."""
    a = funnel_tab.assign(criterion="seen")
    b = funnel_tab.assign(criterion="voice")
    both = pd.concat([a[["criterion", *funnel_tab.columns]], b[["criterion", *funnel_tab.columns]]],
                     ignore_index=True)
    both.attrs = {}
    return both


def test_funnel_without_unit_attribute_or_argument_is_refused(funnel_tab):
    one = _concatenated(funnel_tab).query("criterion == 'seen'").reset_index(drop=True)
    with pytest.raises(InputError, match="unit='district'"):
        plot_funnel(one, measure="child seen")


def test_funnel_labels_and_alt_text_name_districts_when_attrs_were_lost(funnel_tab):
    one = _concatenated(funnel_tab).query("criterion == 'seen'").reset_index(drop=True)
    fig = plot_funnel(one, measure="child seen", unit="district", unit_label="district")
    texts = [t.get_text() for t in fig.figure.axes[0].texts]
    flagged = one.loc[(one["flag_95"] != "within") | (one["flag_99_8"] != "within"), "district"]
    assert sorted(texts) == sorted(flagged) and "seen" not in texts
    assert "seen and seen" not in fig.alt_text and "Thanet" in fig.alt_text


def test_funnel_refuses_a_table_of_several_criteria(funnel_tab):
    with pytest.raises(InputError, match="more than once"):
        plot_funnel(_concatenated(funnel_tab), unit="district")


def test_funnel_alt_text_accounts_for_every_unit_exactly_once(funnel_tab):
    alt = plot_funnel(funnel_tab, unit_label="district").alt_text
    named = sum(alt.count(n) for n in NAMES if n != "Tunbridge Wells" and n != "Tonbridge and Malling")
    named += alt.count("Tunbridge Wells") + alt.count("Tonbridge and Malling")
    import re
    m = re.search(r"The other (\d+) districts? (?:are|is) within", alt)
    other = int(m.group(1)) if m else 0
    assert named + other == len(funnel_tab)


def _overlap(a, b):
    return not (a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0)


def test_funnel_labels_of_crowded_points_do_not_overlap():
    # eight districts at nearly the same place, all below the limits
    counts = pd.DataFrame({"district": NAMES, "n_yes": [10] * 8 + [36] * 4,
                           "n_denominator": [40, 40, 41, 41, 40, 42, 41, 40, 40, 40, 40, 40]})
    tab = funnel_table(counts, target=0.8, overdispersion="none")
    fig = plot_funnel(tab, unit_label="district", label="all")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    r = FigureCanvasAgg(fig.figure).get_renderer()
    fig.figure.draw(r)
    # the text itself, without its leader line
    texts = fig.figure.axes[0].texts
    boxes = [matplotlib.text.Text.get_window_extent(t, r) for t in texts]
    # districts at the same place share a label ("Ashford, Canterbury, ..."): every one is named
    assert sorted(n for t in texts for n in t.get_text().split(", ")) == sorted(NAMES)
    k = len(boxes)
    assert not any(_overlap(boxes[i], boxes[j]) for i in range(k) for j in range(i + 1, k))


def test_forest_colours_by_the_decision_given_not_by_the_interval():
    t = pd.DataFrame({"label": ["a", "b", "c"], "estimate": [0.2, 0.1, -0.1],
                      "conf_low": [0.1, 0.02, -0.2], "conf_high": [0.3, 0.2, 0.0],
                      "sig": [True, False, False]})
    fig = plot_forest(t, decision="sig", decision_text="significant (Holm-adjusted p < 0.05)")
    ax = fig.figure.axes[0]
    colours = [tuple(c) for c in ax.collections[0].get_colors()]
    blue, grey = matplotlib.colors.to_rgba(OKABE_ITO["blue"]), matplotlib.colors.to_rgba("#6E6E6E")
    # b's interval excludes 0 but its adjusted test is not significant: grey, like the text says
    assert colours[:2] == [blue, grey]
    labels = [x.get_text() for x in ax.get_legend().get_texts()]
    assert "Higher, significant (Holm-adjusted p < 0.05)" in labels
    assert "Higher, significant (Holm-adjusted p < 0.05): a." in fig.alt_text
    assert "not adjusted for multiple comparisons" in fig.caption


def test_forest_points_not_significant_are_labelled_with_the_negated_decision():
    """The review as images: the grey points' legend read "Not significant (Holm-adjusted
    p < 0.05)", saying the opposite of what it meant; and a criterion with no estimate left an
    empty row with no word."""
    t = pd.DataFrame({"label": ["a", "b", "c"], "estimate": [0.2, 0.1, np.nan],
                      "conf_low": [0.1, -0.02, np.nan], "conf_high": [0.3, 0.2, np.nan],
                      "sig": [True, False, False]})
    fig = plot_forest(t, decision="sig", decision_text="significant (Holm-adjusted p < 0.05)")
    ax = fig.figure.axes[0]
    labels = [x.get_text() for x in ax.get_legend().get_texts()]
    assert "Not significant (Holm-adjusted p \u2265 0.05)" in labels
    assert not any(lab.startswith("Not") and "p <" in lab for lab in labels)
    assert "1 of 3 is not significant (Holm-adjusted p \u2265 0.05)." in fig.alt_text
    assert [x.get_text() for x in ax.texts] == ["no estimate"]


def test_xmr_of_a_percentage_keeps_limits_within_0_and_100_and_says_so():
    y = [0.9, 0.98, 0.7, 0.99, 0.6, 0.95, 0.97, 0.75, 0.99, 0.92, 0.65, 0.98, 0.9, 0.97]
    tab = xmr(y, periods=pd.period_range("2012-01", periods=14, freq="M"))
    assert tab["upl"].max() > 1  # the calculation passes 100%
    fig = plot_xmr(tab, measure="child seen", percent=True)
    ys = np.concatenate([ln.get_ydata() for ln in fig.figure.axes[0].get_lines()
                         if ln.get_linestyle() == "--"])
    assert ys.max() <= 100 and ys.min() >= 0
    assert "drawn at 0% and 100%" in fig.caption


def test_spc_charts_carry_making_data_count_icons_in_the_figure_and_words():
    from kentaudit.report.charts import mdc_icons
    y = [0.5] * 6 + [0.52, 0.48] * 4 + [0.9] * 8
    tab = p_chart(pd.DataFrame({"x": [int(v * 40) for v in y], "n": [40] * len(y),
                                "period": pd.period_range("2012-01", periods=len(y), freq="M")}),
                  x="x", n="n", period="period", improvement="increase", target=0.8)
    icons = mdc_icons(tab)
    assert [i[0] for i in icons] == ["variation", "assurance"]
    assert icons[0][2] == "H" and "improvement" in icons[0][3]
    fig = plot_p_chart(tab, measure="child seen")
    letters = {t.get_text() for ax in fig.figure.axes[1:] for t in ax.texts}
    assert {"H", icons[1][2]} <= letters
    assert "Making Data Count icons: variation H" in fig.alt_text


def _tight_savefig(fig, fmt, dpi):
    import io

    from kentaudit.report.charts import IMAGE_METADATA
    buf = io.BytesIO()
    with house_style():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=IMAGE_METADATA[fmt], bbox_inches="tight")
    return buf.getvalue()


def _svg_size(data: bytes) -> tuple[float, float]:
    import re

    w, h = re.search(rb'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', data).groups()
    return float(w), float(h)


def test_render_files_png_is_the_same_bytes_as_a_tight_savefig(funnel_tab):
    from kentaudit.report.charts import render_files

    def fig():
        return plot_funnel(funnel_tab, measure="child seen alone", unit_label="district").figure

    with house_style():
        png, svg = render_files(fig(), [("png", 150), ("svg", 150)])
    assert png == _tight_savefig(fig(), "png", 150)  # the same figure, drawn afresh
    # the SVG is cropped to the same box, measured once at 150 dpi (within a point)
    w0, h0 = _svg_size(_tight_savefig(fig(), "svg", 150))
    w1, h1 = _svg_size(svg)
    assert abs(w1 - w0) < 1 and abs(h1 - h0) < 1


def test_render_files_puts_the_layout_engine_back_so_a_changed_figure_is_laid_out_again(funnel_tab):
    from kentaudit.report.charts import render_files

    fig = plot_funnel(funnel_tab, measure="child seen alone", unit_label="district").figure
    engine = fig.get_layout_engine()
    with house_style():
        render_files(fig, [("png", 150)])
    assert fig.get_layout_engine() is engine and fig.dpi == 100
    ax = fig.axes[0]
    x0 = ax.get_position().x0
    # a much wider y label after rendering: laid out again, the axes move right to fit it
    ax.set_ylabel("a much longer label\nover\nthree lines", fontsize=30)
    with house_style():
        render_files(fig, [("png", 150)])
    assert ax.get_position().x0 > x0 + 0.02


def test_render_files_of_a_figure_without_a_layout_engine_is_a_tight_savefig():
    import matplotlib.figure

    from kentaudit.report.charts import render_files

    fig = matplotlib.figure.Figure(figsize=(4, 3))
    fig.add_subplot().plot([0, 1], [0, 1])
    assert fig.get_layout_engine() is None
    with house_style():
        (png,) = render_files(fig, [("png", 100)])
    assert png == _tight_savefig(fig, "png", 100)
    assert fig.get_layout_engine() is None


def test_a_saved_chart_embeds_the_png_file_it_wrote_in_its_html(tmp_path, funnel_tab):
    import base64
    import re

    from kentaudit.report.results import figure_html, save_figure

    chart = plot_funnel(funnel_tab, measure="child seen alone", unit_label="district")
    unsaved = re.search(r'base64,([^"]+)"', figure_html(chart)).group(1)
    paths = save_figure(chart, "funnel_seen_alone", tmp_path)
    shown = re.search(r'base64,([^"]+)"', figure_html(chart)).group(1)
    assert base64.b64decode(shown) == (tmp_path / "funnel_seen_alone.png").read_bytes()
    assert shown != unsaved  # before saving, drawn at 100 dpi instead
    assert set(paths) == {"png", "svg", "json"}



def _overlaps(boxes) -> list:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])]


def test_forest_plot_labels_never_overlap_even_when_wrapped():
    """Criterion wordings long enough to wrap onto three lines, 20 rows (issue 23: overlapping
    forest-plot labels): no two tick labels share a pixel once drawn."""
    long = "Initial child protection conference within 15 working days of the strategy discussion"
    t = pd.DataFrame({"label": [f"{long} ({i})" for i in range(20)], "estimate": 0.05,
                      "conf_low": -0.05, "conf_high": 0.15})
    fig = plot_forest(t)
    fig.figure.draw_without_rendering()
    ax = fig.figure.axes[0]
    boxes = [lab.get_window_extent() for lab in ax.get_yticklabels()]
    assert len(boxes) == 20 and _overlaps(boxes) == []


def test_funnel_outliers_are_labelled_and_their_labels_do_not_overlap():
    n = np.array([40, 41, 40, 60, 20, 25, 30, 50, 45, 35])
    x = np.array([10, 10, 34, 51, 17, 21, 26, 43, 38, 30])  # A and B (close together) far below
    t = funnel_table(pd.DataFrame({"district": [f"District {c}" for c in "ABCDEFGHIJ"], "x": x, "n": n}),
                     x="x", n="n", unit="district", target=0.85)
    fig = plot_funnel(t, unit_label="district")
    ax = fig.figure.axes[0]
    labels = [a for a in ax.texts if a.get_text().startswith("District ")]
    flagged = set(t.loc[(t["flag_95"] != "within") | (t["flag_99_8"] != "within"), "district"])
    assert flagged == {"District A", "District B"} and {a.get_text() for a in labels} >= flagged
    fig.figure.draw_without_rendering()
    # the labels' text (a leader line may pass a label's corner)
    assert _overlaps([matplotlib.text.Text.get_window_extent(a) for a in labels]) == []


def test_samples_on_a_chart_axis_are_written_in_the_profiles_words():
    """Samples are named by the labels the caller gives from the cycle's profile; without them,
    by their own names, never by the bundled example's words (issue 22)."""
    rows = [{"sample": s, "grade": g, "n": 5} for s in ("annual", "initial") for g in (1, 2, 3, 4)]
    fig = plot_grade_distribution(pd.DataFrame(rows), group="sample",
                                  group_labels={"annual": "Yearly audit", "initial": "First look"})
    ticks = [t.get_text() for t in fig.figure.axes[0].get_yticklabels()]
    assert sorted(ticks) == ["First look", "Yearly audit"]
    fig = plot_grade_distribution(pd.DataFrame(rows), group="sample")
    ticks = [t.get_text() for t in fig.figure.axes[0].get_yticklabels()]
    assert sorted(ticks) == ["annual", "initial"]


def _top_right_crowd():
    """The 2013 headline criterion: districts at 100% by the right edge, two at the same place."""
    n = [24, 24, 23, 24, 25, 25, 25, 25, 25, 25, 25, 24]
    x = [23, 23, 23, 24, 23, 25, 25, 24, 24, 24, 23, 22]
    return funnel_table(pd.DataFrame({"district": NAMES, "x": x, "n": n}), x="x", n="n",
                        unit="district", target=0.8, overdispersion="none")


def test_funnel_labels_stay_inside_the_axes_and_off_every_point():
    t = _top_right_crowd()
    fig = plot_funnel(t, unit_label="district")
    figure = fig.figure
    figure.draw_without_rendering()
    ax = figure.axes[0]
    labels = ax.texts
    flagged = set(t.loc[(t["flag_95"] != "within") | (t["flag_99_8"] != "within"), "district"])
    assert flagged == {"Dartford", "Dover", "Maidstone", "Sevenoaks"}
    assert sorted(n for a in labels for n in a.get_text().split(", ")) == sorted(flagged)
    inside = ax.get_window_extent()
    boxes = [matplotlib.text.Text.get_window_extent(a) for a in labels]
    assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and b.y1 <= inside.y1
               for b in boxes), "a label leaves the axes (over the title or the axis labels)"
    assert _overlaps(boxes) == []
    points = ax.transData.transform(np.column_stack([t["n_denominator"], 100 * t["estimate"]]))
    covered = [(a.get_text(), tuple(p)) for a, b in zip(labels, boxes) for p in points
               if b.x0 - 2 < p[0] < b.x1 + 2 and b.y0 - 2 < p[1] < b.y1 + 2]
    assert covered == []


def test_units_at_the_same_place_share_one_label():
    fig = plot_funnel(_top_right_crowd(), unit_label="district")
    assert "Maidstone, Sevenoaks" in [a.get_text() for a in fig.figure.axes[0].texts]


def test_the_written_funnel_svg_draws_the_names_of_the_units_outside_the_limits(tmp_path, funnel_tab):
    import re

    from kentaudit.report.results import save_figure

    paths = save_figure(plot_funnel(funnel_tab, unit_label="district"), "funnel_x", tmp_path)
    svg = Path(paths["svg"]).read_text(encoding="utf-8")
    # matplotlib writes each text it draws as paths after a comment holding the text
    drawn = set(re.findall(r"<!-- (.+?) -->", svg))
    flagged = set(funnel_tab.loc[(funnel_tab["flag_95"] != "within")
                                 | (funnel_tab["flag_99_8"] != "within"), "district"])
    assert flagged and flagged <= drawn
    assert not (set(NAMES) - flagged) & drawn


def test_funnel_alt_text_says_the_authoritys_plural(funnel_tab):
    fig = plot_funnel(funnel_tab, measure="child seen alone", unit_label="locality", units_label="localities")
    assert "12 localities" in fig.alt_text and "localitys" not in fig.alt_text
    # without a plural given, the regular English plural, never "localitys"
    assert "12 localities" in plot_funnel(funnel_tab, measure="child seen alone", unit_label="locality").alt_text


def test_a_five_point_scale_gets_five_bars_that_look_different():
    labels = {1: "Excellent", 2: "Good", 3: "Adequate", 4: "Requires improvement", 5: "Inadequate"}
    rows = [{"district": d, "grade": g, "n": n} for d in ("Northfen", "Westmere")
            for g, n in zip(range(1, 6), (3, 5, 4, 2, 1))]
    fig = plot_grade_distribution(pd.DataFrame(rows), labels=labels)
    ax = fig.figure.axes[0]
    styles = {(tuple(p.get_facecolor()), p.get_hatch()) for p in ax.patches}
    assert len(styles) == 5
    assert "5 = Inadequate" in fig.caption and "Inadequate" in fig.alt_text


def _near_the_limits(seed: int):
    """Twelve districts, several just outside the 99.8% limits where the limit lines run
    close to the points (the labels' first places cross the lines)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(15, 60, size=12)
    target = 0.8
    out = funnel_table(pd.DataFrame({"district": NAMES, "x": np.round(n * target).astype(int), "n": n}),
                       x="x", n="n", unit="district", target=target, overdispersion="none")
    x = np.round(n * target).astype(int)
    # push four districts just past the lower 99.8% limit and two just past the upper
    for k, side in zip(range(6), ("low", "low", "low", "low", "high", "high")):
        lim = out.loc[k, "limit_low_99_8" if side == "low" else "limit_high_99_8"]
        x[k] = int(np.floor(lim * n[k]) - 1) if side == "low" else min(int(n[k]), int(np.ceil(lim * n[k]) + 1))
    return funnel_table(pd.DataFrame({"district": NAMES, "x": x, "n": n}), x="x", n="n",
                        unit="district", target=target, overdispersion="none")


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_funnel_labels_never_touch_a_limit_or_target_line(seed):
    """Issue 23: an outlier's label crossed the 99.8% limit line. On the drawn figure, no
    label's text touches any drawn line (limits, target), another label or a point."""
    t = _near_the_limits(seed)
    fig = plot_funnel(t, unit_label="district", label="all")
    figure, ax = fig.figure, fig.figure.axes[0]
    assert label_line_crossings(figure, ax) == []
    boxes = [matplotlib.text.Text.get_window_extent(a) for a in ax.texts]
    assert _overlaps(boxes) == []
    points = ax.transData.transform(np.column_stack([t["n_denominator"], 100 * t["estimate"]]))
    assert [(a.get_text(), tuple(p)) for a, b in zip(ax.texts, boxes) for p in points
            if b.x0 - 2 < p[0] < b.x1 + 2 and b.y0 - 2 < p[1] < b.y1 + 2] == []


def test_the_line_check_finds_a_label_placed_on_a_line(funnel_tab):
    """The check above fails on a planted fault: a label put on the target line."""
    fig = plot_funnel(funnel_tab, unit_label="district", label="none")
    ax = fig.figure.axes[0]
    ax.annotate("Planted", (30, 80), fontsize=9, va="center")
    assert ("Planted", "Target 80.0%") in label_line_crossings(fig.figure, ax)


def test_funnel_caption_is_in_words_even_when_the_table_lost_its_attributes(funnel_tab):
    """A funnel table read back from results/ has lost ``attrs`` (its method in words): the
    caption still names no code ("binomial-interpolated", "order-statistic") and says what
    the limits and overdispersion mean, once."""
    t = funnel_tab.copy()
    t.attrs = {}
    fig = plot_funnel(t, unit="district", unit_label="district")
    cap, how = fig.caption, fig.method
    for code in ("binomial-interpolated", "order-statistic", "winsorised z-scores"):
        assert code not in cap and code not in how, code
    assert "exact binomial limits, interpolated" in how
    assert "no more than chance alone would make it" in cap
    assert "Overdispersion (spread between districts beyond what chance gives)" in how
    assert how.count("Overdispersion") == 1


def test_a_chart_of_cycles_has_one_tick_a_cycle_never_half_a_year():
    """Issue 23 image review: the moderation p-chart over cycles 2010-2013 had ticks 2010.0,
    2010.5, 2011.0, ..."""
    tab = p_chart(pd.DataFrame({"x": [20, 15, 25, 27], "n": [80, 95, 80, 86],
                                "period": [2010, 2011, 2012, 2013]}))
    fig = plot_p_chart(tab, measure="grades changed")
    fig.figure.draw_without_rendering()
    ticks = [t.get_text() for t in fig.figure.axes[0].get_xticklabels()]
    assert ticks == ["2010", "2011", "2012", "2013"]


def test_grade_legend_never_covers_the_axis_label():
    """Issue 23 image review: with one bar (an annual audit) the legend lay over "Percentage
    of audited files"."""
    rows = [{"sample": "annual", "grade": g, "n": n} for g, n in zip((1, 2, 3, 4), (26, 138, 96, 40))]
    fig = plot_grade_distribution(pd.DataFrame(rows), group="sample")
    figure = fig.figure
    figure.draw_without_rendering()
    ax = figure.axes[0]
    legend = figure.legends[0].get_window_extent()
    assert not legend.overlaps(ax.xaxis.label.get_window_extent())
    assert not any(legend.overlaps(t.get_window_extent()) for t in ax.get_xticklabels())


@pytest.mark.parametrize("kind", ["funnel", "p_chart"])
def test_a_long_criterion_wording_never_runs_past_the_plot_on_the_axis(kind, funnel_tab):
    """Issue 23 image review: "Case recording up to date (no entry outstanding more than 5
    working days) (% of files)" on the y axis ran past the top of the plot. The wording is in
    the title; the axis label fits beside the axes."""
    long = "case recording up to date (no entry outstanding more than 5 working days)"
    if kind == "funnel":
        fig = plot_funnel(funnel_tab, measure=long, unit_label="district")
    else:
        tab = p_chart(pd.DataFrame({"x": [20, 15, 25, 27], "n": [80, 95, 80, 86],
                                    "period": [2010, 2011, 2012, 2013]}))
        fig = plot_p_chart(tab, measure=long)
    fig.figure.draw_without_rendering()
    ax = fig.figure.axes[0]
    label, box = ax.yaxis.label.get_window_extent(), ax.get_window_extent()
    assert label.y0 >= box.y0 - 1 and label.y1 <= box.y1 + 1
    assert long[:20].lower() in fig.title.lower()


def test_where_the_highest_grade_is_best_the_bars_caption_and_alt_text_run_from_the_highest():
    labels = {1: "Inadequate", 2: "Requires improvement", 3: "Good", 4: "Outstanding"}
    rows = []
    for d, counts in {"Northfen": [9, 10, 5, 1], "Westmere": [1, 4, 15, 5]}.items():
        rows += [{"district": d, "grade": g + 1, "n": c} for g, c in enumerate(counts)]
    fig = plot_grade_distribution(pd.DataFrame(rows), labels=labels, best="highest")
    assert "(4 = Outstanding, 3 = Good, 2 = Requires improvement, 1 = Inadequate)" in fig.caption
    assert "Northfen has the largest share Inadequate (36% of 25)" in fig.alt_text
    assert "Westmere has the largest share Outstanding or Good (80% of 25)" in fig.alt_text
    # the legend is the figure's, below the axis label
    legend = [t.get_text() for t in fig.figure.legends[0].get_texts()]
    assert legend == ["4 Outstanding", "3 Good", "2 Requires improvement", "1 Inadequate"]


def test_grade_chart_names_samples_by_the_profiles_labels():
    rows = [{"sample": s, "grade": g, "n": 3} for s in ("spring", "themed") for g in range(1, 5)]
    fig = plot_grade_distribution(pd.DataFrame(rows), group="sample",
                                  group_labels={"spring": "Spring round", "themed": "Themed audit"})
    assert [t.get_text() for t in fig.figure.axes[0].get_yticklabels()] == ["Spring round", "Themed audit"]


def test_a_shown_figure_gives_its_method_apart_from_its_caption(funnel_tab):
    """Reviewer pages and notebooks: the caption a reader reads is plain; how the chart was
    calculated (phi, tau-squared, the reference) is a line of its own after the figure."""
    from kentaudit.report.results import figure_html

    page = figure_html(plot_funnel(funnel_tab, measure="child seen alone"))
    cap = re.search(r"<figcaption>(.*?)</figcaption>", page, re.DOTALL).group(1)
    how = re.search(r'<p class="kentaudit-figure-method">(.*?)</p>', page, re.DOTALL).group(1)
    assert [j for j in JARGON if j in cap] == []
    assert "How it was calculated" in how and "phi =" in how and "Spiegelhalter 2005" in how
    assert page.index("</figcaption>") < page.index("kentaudit-figure-method")


def test_the_funnel_counts_files_answered_as_the_appendixs_figure_does():
    """The reviewer funnel's axis read "Files audited where the criterion applied", the appendix's
    Figure 1 "Files where the criterion was answered" for the same numbers (answered yes or no:
    not applicable and not recorded left out); both say answered, in the axis, caption and alt text."""
    from kentaudit.publication import figures as pubfig

    tab = funnel_table(pd.DataFrame({"district": ["A", "B", "C"], "n_yes": [20, 30, 25],
                                     "n_denominator": [25, 40, 30]}), target=0.8)
    fig = plot_funnel(tab, measure="child seen")
    ax = fig.figure.axes[0]
    assert ax.get_xlabel() == "Files where the criterion was answered (number)"
    assert "files answered" in fig.caption and "files answered each" in fig.alt_text
    assert "applicable" not in fig.caption + fig.alt_text
    assert "Files where the criterion was answered (number)" in Path(pubfig.__file__).read_text(encoding="utf-8")


def test_funnel_legend_says_which_limit_a_point_lies_beyond():
    """A unit beyond the 95% limit but within the 99.8% one is drawn hollow and named so in the
    legend; a unit beyond the 99.8% limit filled: "Above a limit" for both read, beside findings
    saying every unit lies within the 99.8% limits, as a contradiction (review 26)."""
    counts = pd.DataFrame({"district": ["A", "B", "C", "D", "E", "F"],
                           "n_yes": [25, 50, 30, 28, 29, 8], "n_denominator": [25, 50, 38, 36, 37, 30]})
    tab = funnel_table(counts, target=0.8, overdispersion="none")
    # A (25 of 25): above the 95% limit only; B (50 of 50): above both; F: below both
    assert list(tab["flag_95"].iloc[[0, 1, 5]]) == ["above", "above", "below"]
    assert list(tab["flag_99_8"].iloc[[0, 1, 5]]) == ["within", "above", "below"]
    fig = plot_funnel(tab, measure="child seen alone", unit_label="district")
    ax = fig.figure.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-4:] == ["Within 95% limits", "Above the 99.8% limit", "Above the 95% limit, within 99.8%",
                           "Below the 99.8% limit"]


def test_funnel_title_names_the_plot_before_a_criterion_worded_as_a_question(funnel_tab):
    """Aldmere's criteria are questions: "Is the child's lived experience ... recorded? by team:
    funnel plot" read as a broken sentence (review 26)."""
    fig = plot_funnel(funnel_tab, measure="is the child's voice recorded?", unit_label="team")
    assert fig.title == "Funnel plot by team: Is the child's voice recorded?"


def test_a_chart_draws_no_title_and_its_caption_says_it_once(funnel_tab):
    """One title per figure (review 27 F8): the reviewer page's caption starts with the title in
    bold; the image draws none ("Overall grades by sample, 2009" was in the image and below it)."""
    from kentaudit.report.results import figure_html

    rows = [{"sample": s, "grade": g, "n": 3} for s in ("a", "b") for g in range(1, 5)]
    charts = [plot_funnel(funnel_tab, measure="child seen alone", unit_label="district"),
              plot_grade_distribution(pd.DataFrame(rows), group="sample", title="Overall grades by sample")]
    for fig in charts:
        drawn = [ax.get_title(loc=w) for ax in fig.figure.axes for w in ("left", "center", "right")]
        assert not any(drawn) and fig.figure.get_suptitle() == "", drawn
        cap = re.search(r"<figcaption>(.*?)</figcaption>", figure_html(fig), re.DOTALL).group(1)
        assert cap.startswith(f"<strong>{fig.title}") and cap.count(fig.title) == 1, cap
