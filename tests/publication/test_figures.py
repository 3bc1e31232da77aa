"""The appendix's own figures (kentaudit.publication.figures), read on the drawn figure."""
from __future__ import annotations

import itertools

import matplotlib
import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from drawn import label_line_crossings

from kentaudit.publication import figures as pubfigures
from kentaudit.publication.table import Column, PublicationTable
from kentaudit.report.tables import default_words
from kentaudit.stats.funnel import funnel_limits

matplotlib.use("Agg")

NAMES = ["Ashford", "Canterbury", "Dartford", "Dover", "Gravesham", "Maidstone",
         "Sevenoaks", "Shepway", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells"]


def _t7(seed: int) -> PublicationTable:
    """A published T7 of one criterion: twelve districts, six just outside the 99.8% limits
    (where the limit lines run beside the points and the labels' first places cross them)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(15, 60, size=12)
    target = 0.8
    x = np.round(n * target).astype(int)
    band = ["within"] * 12
    for k, side in zip(range(6), ("below", "below", "below", "below", "above", "above")):
        lim = funnel_limits([int(n[k])], target, (0.998,))
        if side == "below":
            x[k] = int(np.floor(lim["limit_low"].iloc[0] * n[k]) - 1)
        else:
            x[k] = min(int(n[k]), int(np.ceil(lim["limit_high"].iloc[0] * n[k]) + 1))
        band[k] = side
    df = pd.DataFrame({"criterion": "seen", "area": "East", "district": NAMES, "n_yes": x,
                       "n_denominator": n, "funnel_band": band})
    cols = [Column("criterion", "Criterion", "label"), Column("area", "Area", "label"),
            Column("district", "District", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("n_denominator", "Answered", "count", "count"),
            Column("funnel_band", "Funnel band", "derived", "band", ("n_yes", "n_denominator"))]
    return PublicationTable("T7", "Compliance by district", df, cols)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_published_funnel_labels_touch_no_line_point_label_or_legend(seed, tmp_path):
    """Issue 23: F1's outlier labels crossed the 99.8% limit line. Every district outside the
    limits is named, and on the drawn figure no name touches a limit or target line, another
    name, any district's point or the legend."""
    t7 = _t7(seed)
    _, fig, _, _, _ = pubfigures._funnel(
        t7, tmp_path, headline="seen", label="Child seen", target=0.8,
        method="binomial-interpolated", threshold=5, words=default_words())
    ax = fig.axes[0]
    assert sorted(a.get_text() for a in ax.texts) == sorted(NAMES[:6])
    assert label_line_crossings(fig, ax) == []
    boxes = [matplotlib.text.Text.get_window_extent(a) for a in ax.texts]
    assert not [(i, j) for i, j in itertools.combinations(range(len(boxes)), 2) if boxes[i].overlaps(boxes[j])]
    pts = ax.transData.transform(np.column_stack([t7.data["n_denominator"],
                                                  100 * t7.data["n_yes"] / t7.data["n_denominator"]]))
    assert [(a.get_text(), tuple(p)) for a, b in zip(ax.texts, boxes) for p in pts
            if b.x0 - 2 < p[0] < b.x1 + 2 and b.y0 - 2 < p[1] < b.y1 + 2] == []
    legend = ax.get_legend().get_window_extent()
    assert not any(b.overlaps(legend) for b in boxes)


# --- on the files the runner writes (both default cycles) ------------------------------------

@pytest.fixture(scope="module", params=["2009", "2013"])
def published(request):
    run = request.getfixturevalue(f"cycle_{request.param}")
    assert run["code"] == 0
    return run["cycle_dir"] / "publish"


@pytest.mark.slow
def test_figure_captions_and_alt_text_name_no_method_code(published):
    """Issue 23 image review: F1's caption ended "(binomial-interpolated)"."""
    import json
    for meta in sorted((published / "figures").glob("F*.json")):
        m = json.loads(meta.read_text(encoding="utf-8"))
        for code in ("binomial-interpolated", "normal", "order-statistic", "svyciprop", "_"):
            assert code not in m["caption"] and code not in m["alt"], (meta.name, code)


@pytest.mark.slow
def test_the_html_names_each_table_sheet_as_the_workbook_does(published):
    """Issue 23 image review: the HTML said "on sheet T1" of a workbook whose sheet is "Table 1"."""
    import re

    import openpyxl
    text = (published / "appendix.html").read_text(encoding="utf-8")
    named = re.findall(r'on sheet &quot;([^&]+)&quot;|on sheet "([^"]+)"', text)
    named = {a or b for a, b in named}
    sheets = set(openpyxl.load_workbook(published / "appendix.xlsx", read_only=True).sheetnames)
    assert named and named <= sheets


@pytest.mark.slow
def test_the_re_audit_difference_is_published_with_its_interval(cycle_2009):
    """Issue 23 image review: Table 6 gave "Difference (re-audit minus initial)" without its
    interval. Every shown difference has both limits, and lies between them."""
    t6 = pd.read_csv(cycle_2009["cycle_dir"] / "publish" / "csv" / "T6.csv", dtype=str)
    assert {"conf_low", "conf_high"} <= set(t6.columns)
    shown = t6[~t6["difference"].isin(["[c]", "[x]", "[z]"])]
    assert len(shown) >= 5
    for _, r in shown.iterrows():
        assert r["conf_low"] not in ("[c]", "[x]") and r["conf_high"] not in ("[c]", "[x]")
        assert float(r["conf_low"]) <= float(r["difference"]) <= float(r["conf_high"])


@pytest.mark.parametrize("n_grades", [3, 4, 5, 7])
def test_every_grade_of_a_scale_of_any_length_has_its_own_colour_and_hatch(n_grades, tmp_path):
    """A new user's walk (issue 22, Wexmoor): on the published Figure 2 of a five-point scale,
    "1 Outstanding" and "5 Inadequate" were drawn in the same blue, the four colours cycled.
    Every grade of a scale of up to seven is told apart by its colour and its hatch."""
    grades = [f"{g} Grade{g}" for g in range(1, n_grades + 1)]
    counts = [10 + g for g in range(n_grades)]
    df = pd.DataFrame({"sample": "annual", "grade": [*grades, "Total"], "n_audits": [*counts, sum(counts)]})
    t8 = PublicationTable("T8", "Overall grades by sample", df,
                          [Column("sample", "Sample", "label"), Column("grade", "Grade", "label"),
                           Column("n_audits", "Audits", "count", "count")])
    _, fig, _, _, marks = pubfigures._grades(t8, tmp_path)
    bars = {p.get_gid(): p for p in fig.axes[0].patches if (p.get_gid() or "").startswith("mark-")}
    bars = [bars[m["id"]] for m in marks]  # one segment per grade, best first
    assert len(bars) == n_grades
    styles = [(matplotlib.colors.to_hex(b.get_facecolor()), b.get_hatch() or "") for b in bars]
    assert len({c for c, _ in styles}) == n_grades  # no two grades share a colour
