"""The ``trends`` notebook's section: change since the previous cycle, the trend over
the programme, p-chart and XmR chart.
"""
from __future__ import annotations

import pandas as pd

from kentaudit.analysis.common import adjust_family, count_answers, label_criteria, with_ci
from kentaudit.analysis.cycle import CycleData
from kentaudit.analysis.section import Section
from kentaudit.inputs.profile import cycle_year
from kentaudit.publication import releases
from kentaudit.report import charts
from kentaudit.stats import independent as compare, ordinal, spc

__all__ = ["trends"]


# ----------------------------------------------------------------------------- trends


def _cycle_scores(cycles) -> list:
    """The trend test's scores of the cycles: the year each starts in (2013; 2025 for 2025-26),
    so that a gap of a year weighs as one; their order (1, 2, ...) when an id is not a year."""
    years = [cycle_year(c) for c in cycles]
    return years if None not in years else list(range(1, len(years) + 1))

def trends(cd: CycleData) -> Section:
    """Change since the previous cycle, trend over the programme, control charts.

    Tables
    ------
    trend : criterion, criterion_label, cycle, n_yes, n_denominator,
        estimate, conf_low, conf_high, method, conf_level (every cycle, main samples).
    trend_tests : Cochran-Armitage trend test over ordered cycles per
        criterion (as R ``prop.trend.test``), raw and adjusted p-values;
        ``cycle`` is the latest cycle (the appendix shows the test on its row).
    change_since_previous : criterion, n_yes_previous, n_denominator_previous,
        estimate_previous, n_yes, n_denominator, estimate, difference (this
        cycle minus previous), conf_low, conf_high, test, p_value, p_adjusted.
    grade_trend : good-or-better and inadequate shares by cycle, with their
        Cochran-Armitage trend tests in ``grade_trend_tests``.
    p_chart : monthly compliance of the headline criterion as a p-chart
        (limits vary with each month's denominator).
    xmr : monthly compliance percentage of the headline criterion as an XmR
        chart (Making Data Count rules, as NHSRplotthedots).
    programme_counts, programme_grades : answers to each criterion, and overall
        grades, by cycle, sample and district (:mod:`kentaudit.publication.releases`): what the
        appendix models the earlier cycles' appendices from.

    Figures
    -------
    trend_compliance : p-chart of the headline criterion;
    xmr_compliance : XmR chart of the headline criterion.
    """
    P = cd.params
    allm = pd.concat([cd.previous, cd.audits], ignore_index=True)
    allm = allm[allm["sample"].isin(P.main_samples)].copy()
    allm["cycle"] = allm["cycle"].astype(str)
    cycles = sorted(allm["cycle"].unique())
    tr = label_criteria(with_ci(count_answers(allm, by="cycle", criteria=cd.criterion_ids), P), cd)
    tables = {"trend": tr[["criterion", "criterion_label", "cycle", "n_yes", "n_denominator", "n_not_applicable",
                           "n_missing", "estimate", "conf_low", "conf_high", "method", "conf_level", "denominator"]]}
    tests = []
    for crit, sub in tr.groupby("criterion", sort=False):
        sub = sub.sort_values("cycle")
        if len(sub) >= 2 and (sub["n_denominator"] > 0).all():
            t = ordinal.trend_test(sub["n_yes"].to_numpy(), sub["n_denominator"].to_numpy(),
                                   scores=_cycle_scores(sub["cycle"]), labels=list(sub["cycle"]))
            t.insert(0, "criterion", crit)
            # the latest cycle: the row of the published trend table (T11) that carries the test
            t.insert(1, "cycle", sub["cycle"].iloc[-1])
            tests.append(t)
    if tests:
        tt = pd.concat(tests, ignore_index=True)
        adj = adjust_family(tt["p_value"], P, f"criteria, trend over cycles {', '.join(cycles)}")
        tt["p_adjusted"], tt["adjust_method"], tt["family"] = adj["p_adjusted"].to_numpy(), P.adjust_method, adj["family"].to_numpy()
        tables["trend_tests"] = tt

    if len(cycles) >= 2:
        cur, prev = cycles[-1], cycles[-2]
        c1 = count_answers(allm[allm["cycle"] == cur], criteria=cd.criterion_ids).set_index("criterion")
        c0 = count_answers(allm[allm["cycle"] == prev], criteria=cd.criterion_ids).set_index("criterion")
        ids = cd.criterion_ids
        c1, c0 = c1.reindex(ids).fillna(0), c0.reindex(ids).fillna(0)
        ch = compare.compare_independent(c1["n_yes"].to_numpy(int), c1["n_denominator"].to_numpy(int),
                                         c0["n_yes"].to_numpy(int), c0["n_denominator"].to_numpy(int),
                                         conf_level=P.confidence_level)
        adj = adjust_family(ch["p_value"], P, f"criteria, {cur} against {prev}")
        tables["change_since_previous"] = label_criteria(pd.DataFrame({
            "criterion": ids, "previous_cycle": prev, "cycle": cur,
            "n_yes_previous": c0["n_yes"].to_numpy(int), "n_denominator_previous": c0["n_denominator"].to_numpy(int),
            "estimate_previous": ch["estimate_b"].to_numpy(),
            "n_yes": c1["n_yes"].to_numpy(int), "n_denominator": c1["n_denominator"].to_numpy(int),
            "estimate": ch["estimate_a"].to_numpy(), "difference": ch["difference"].to_numpy(),
            "conf_low": ch["conf_low"].to_numpy(), "conf_high": ch["conf_high"].to_numpy(),
            "method": ch["method"].to_numpy(), "conf_level": P.confidence_level,
            "test": ch["test"].to_numpy(), "p_value": ch["p_value"].to_numpy(),
            "p_adjusted": adj["p_adjusted"].to_numpy(), "adjust_method": P.adjust_method,
            "family": adj["family"].to_numpy()}), cd)

    # the counts an annual appendix publishes, every cycle: the appendix models the earlier
    # cycles' appendices from them (kentaudit.publication.releases), so its protection covers them
    every = pd.concat([cd.previous, cd.audits], ignore_index=True)
    tables["programme_counts"] = releases.programme_counts(every, cd.criterion_ids, cd.districts)
    tables["programme_grades"] = releases.programme_grades(every, cd.districts)

    gc = ordinal.collapse_grades(allm, by="cycle", conf_level=P.confidence_level, method=P.interval_method,
                                 scale=P.grade_scale, best=P.profile.grade_best)
    tables["grade_trend"] = gc
    gt = []
    for col, sub in gc.groupby("collapse", sort=False):
        sub = sub.sort_values("cycle")
        if len(sub) >= 2:
            t = ordinal.trend_test(sub["n"].to_numpy(), sub["n_graded"].to_numpy(),
                                   scores=_cycle_scores(sub["cycle"]), labels=list(sub["cycle"]))
            t.insert(0, "collapse", col)
            gt.append(t)
    if gt:
        tables["grade_trend_tests"] = pd.concat(gt, ignore_index=True)

    head = f"c_{cd.headline}"
    m = allm[allm[head].isin(["Y", "N"])]
    monthly = (m.assign(period=m["audit_date"].dt.to_period("M").dt.to_timestamp())
               .groupby("period").agg(x=(head, lambda s: int((s == "Y").sum())), n=(head, "size"))
               .reset_index())
    figures = {}
    if len(monthly) >= 2:
        pc = spc.p_chart(monthly, x="x", n="n", period="period", improvement="increase",
                         target=None if cd.target == "overall" else cd.target, freq="M")
        pc.insert(0, "criterion", cd.headline)
        tables["p_chart"] = pc
        figures["trend_compliance"] = charts.plot_p_chart(pc, measure=cd.labels[cd.headline])
        xm = spc.xmr(monthly["x"] / monthly["n"], periods=monthly["period"], improvement="increase",
                     target=None if cd.target == "overall" else cd.target, freq="M")
        xm.insert(0, "criterion", cd.headline)
        tables["xmr"] = xm
        figures["xmr_compliance"] = charts.plot_xmr(xm, measure=cd.labels[cd.headline], percent=True)
    return Section.of(cd, tables, figures)
