"""Build the chart gallery (docs/charts.md and docs/img/*) from the bundled synthetic data.

Run from the repository root:  python docs/make_gallery.py

Only kentaudit functions are called; the data are kentaudit's synthetic Kent audits
(data/synthetic/, NOT real data). The output is deterministic: running it twice gives
the same bytes.
"""
from __future__ import annotations

from pathlib import Path

from kentaudit.report.charts import (plot_forest, plot_funnel, plot_grade_distribution, plot_p_chart, plot_xmr)
from kentaudit.stats.independent import compare_independent
from kentaudit.stats.funnel import funnel_table
from kentaudit.inputs.ingest import read_audits
from kentaudit.stats.proportions import criterion_counts
from kentaudit.inputs.reference import criteria
from kentaudit.stats.spc import p_chart, xmr

ROOT = Path(__file__).resolve().parent.parent
SYN = ROOT / "data" / "synthetic"
IMG = ROOT / "docs" / "img"
CRITERION = "smart_plan"


def main() -> None:
    annual = read_audits([SYN / f"audits_{y}.csv" for y in range(2010, 2014)],
                         synthetic=True).accepted
    label = dict(zip(criteria()["id"], criteria()["label"]))[CRITERION]
    sections = []

    # 1. Funnel: one criterion, 2010-2013 annual audits pooled, against the Kent figure.
    counts = criterion_counts(annual, by="district", criteria=[CRITERION])
    tab = funnel_table(counts, target="overall")
    sections.append(("Funnel plot (default policy)", plot_funnel(
        tab, measure="SMART plans", unit_label="district",
        title=f"{label}: districts, annual audits 2010-2013"), "funnel_default"))

    # 1b. Same data against an 80% audit standard with the arcsine method.
    tab_std = funnel_table(counts, target=0.8, method="arcsine")
    sections.append(("Funnel plot against an audit standard (arcsine limits)", plot_funnel(
        tab_std, measure="SMART plans", unit_label="district",
        title=f"{label}: against an 80% standard"), "funnel_standard"))

    # 2. p-chart: authority-wide monthly compliance for the criterion.
    annual = annual.assign(month=annual["audit_date"].dt.to_period("M"))
    monthly = criterion_counts(annual, by="month", criteria=[CRITERION])
    pc = p_chart(monthly, x="n_yes", n="n_denominator", period="month", target=0.8,
                 improvement="increase")
    sections.append(("p-chart", plot_p_chart(pc, measure="SMART plans",
                                             title=f"{label}: Kent, by month"), "p_chart"))

    # 3. XmR: the same monthly percentages as an XmR chart, rebased at April 2012.
    xm = xmr(monthly["n_yes"] / monthly["n_denominator"], periods=monthly["month"],
             improvement="increase", target=0.8, rebase_at=[monthly["month"].iloc[27]])
    sections.append(("XmR chart", plot_xmr(xm, measure="SMART plans", percent=True,
                                           title=f"{label}: Kent, by month (XmR)"), "xmr"))

    # 4. Forest: Thanet against the rest of Kent, every criterion, 2010-2013.
    by_d = criterion_counts(annual, by="district")
    th = by_d[by_d["district"] == "Thanet"].set_index("criterion")
    rest = by_d[by_d["district"] != "Thanet"].groupby("criterion")[["n_yes", "n_denominator"]].sum()
    rest = rest.loc[th.index]
    cmp = compare_independent(th["n_yes"], th["n_denominator"], rest["n_yes"], rest["n_denominator"])
    cmp = cmp.assign(label=[dict(zip(criteria()["id"], criteria()["label"]))[c] for c in th.index])
    sections.append(("Forest plot", plot_forest(
        cmp, label="label", estimate="difference", lower="conf_low", upper="conf_high",
        title="Thanet minus the rest of Kent, annual audits 2010-2013",
        subject="criteria: Thanet minus the rest of Kent"), "forest"))

    # 5. Grade distribution, 2013 annual audits, by district.
    g = annual[annual["cycle"] == "2013"].dropna(subset=["overall_grade"])
    gcounts = g.groupby(["district", "overall_grade"]).size().rename("n").reset_index()
    from kentaudit.inputs.reference import grade_labels
    sections.append(("Grade distribution", plot_grade_distribution(
        gcounts, grade="overall_grade", labels=grade_labels("ofsted_2013"),
        title="Overall grades, annual audits 2013"), "grades"))

    lines = [
        "# Chart gallery",
        "",
        "Every chart kentaudit draws, made by `docs/make_gallery.py` from the bundled "
        "**synthetic** Kent audits (`data/synthetic/`, not real data). Each chart comes "
        "with the caption and the alt text that kentaudit generates; the HTML outputs "
        "use the alt text. PNG and SVG are written side by side and are byte-for-byte "
        "reproducible. Regenerate with `python docs/make_gallery.py`.",
        "",
        "House style: Okabe-Ito colour-blind-safe palette; status is shown by marker "
        "shape as well as colour (triangle up = above / improvement, triangle down = "
        "below / concern, circle = within / common cause).",
        "",
        "## Overdispersion policy (funnel plots)",
        "",
        "z-scores are computed on the scale of the limits (proportion scale for the "
        "binomial and normal methods, arcsine scale for arcsine), winsorised at 10% in "
        "each tail (default: Spiegelhalter's order-statistic rule, which for 12 districts "
        "pulls in the single most extreme district at each end; alternative "
        "`winsorise_method=\"quantile\"`, FunnelPlotR's type-7 percentile clipping). "
        "phi = mean squared winsorised z; I x phi is tested against chi-square with I "
        "degrees of freedom; tau-squared is the DerSimonian-Laird estimate. By default "
        "(`overdispersion=\"auto\"`, `adjust_rule=\"significant\"`) random-effects limits "
        "are drawn only when the test is significant at 5% (Spiegelhalter 2005); "
        "`adjust_rule=\"phi>1\"` follows FunnelPlotR; `overdispersion=\"none\"` never "
        "adjusts. Random-effects limits are normal on the proportion scale (or arcsine "
        "scale), and the table's `limits_method` column says so. phi, its p-value and "
        "tau-squared are always reported in the table and the caption.",
        "",
        "Caution: with only 12 districts, genuinely different districts inflate phi "
        "(winsorising removes only one district at each end), so an adjusted funnel can "
        "hide real differences. Compare the adjusted and unadjusted funnels and say which "
        "is shown.",
        "",
    ]
    for heading, fig, stem in sections:
        fig.save(IMG / stem)
        lines += [
            f"## {heading}", "",
            f"![{fig.alt_text}](img/{stem}.png)", "",
            f"**Caption.** {fig.caption}", "",
            f"**Alt text.** {fig.alt_text}", "",
            f"Files: [`img/{stem}.png`](img/{stem}.png), [`img/{stem}.svg`](img/{stem}.svg)", "",
        ]
    (ROOT / "docs" / "charts.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
