"""The data-quality notebook's auditor-calibration section.

:func:`auditor_calibration` combines :mod:`kentaudit.stats.interrater` (Gwet's AC1/AC2 and
Krippendorff's alpha beside weighted kappa), :mod:`kentaudit.stats.leniency` (auditor effects
from a mixed model; **restricted**) and :mod:`kentaudit.stats.spc` (moderation and grade-change
rates over the programme as a p-chart, with the Anhoej rules for a short series) into a
:class:`kentaudit.analysis.Section`. Tables are documented in ``docs/results.md``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kentaudit.analysis.cycle import CycleData
from kentaudit.analysis.section import Section
from kentaudit.core.errors import KentauditError
from kentaudit.report import charts
from kentaudit.stats import interrater, leniency, spc

__all__ = ["auditor_calibration"]


def _moderated(a):
    g1 = pd.to_numeric(a["overall_grade"], errors="coerce")
    g2 = pd.to_numeric(a["moderated_grade"], errors="coerce")
    both = g1.notna() & g2.notna()
    return g1[both].astype(int), g2[both].astype(int), a.loc[both]


def auditor_calibration(cd: CycleData) -> Section:
    """Agreement coefficients, auditor leniency and moderation over the programme.

    Tables
    ------
    agreement_coefficients : for each sample of the cycle and all together, Gwet's AC1,
        AC2 (linear, quadratic), Krippendorff's alpha (nominal, ordinal, interval) and
        Cohen's kappa (unweighted, linear, quadratic) of first against moderated grades,
        with intervals (:func:`kentaudit.stats.interrater.agreement_coefficients`).
    moderation_by_cycle : per cycle of the programme to date (main samples), audits
        graded, moderated, grades changed (worse, better), the shares, and AC1, ordinal
        alpha and linear weighted kappa.
    moderation_p_chart : the share of moderated grades that changed, by cycle, as a
        p-chart (:func:`kentaudit.stats.spc.p_chart`), when there are at least three cycles.
    moderation_run_chart : the same shares as a run chart with the Anhoej rules
        (:func:`kentaudit.stats.spc.run_chart`), for the short series.
    auditor_leniency : **restricted** (auditor codes): each auditor's effect on the odds of
        a grade of 3 or worse for the same case mix, over the programme to date
        (:func:`kentaudit.stats.leniency.auditor_leniency`). Never published.

    Figures
    -------
    moderation_change_chart : the p-chart of the grade-change share by cycle.
    """
    P = cd.params
    tables, figures = {}, {}
    a = cd.audits
    rows = []
    groups = [(s, a[a["sample"] == s]) for s in P.profile.sample_names
              if (a["sample"] == s).any()] + [("All samples", a)]
    for s, sub in groups:
        g1, g2, _ = _moderated(sub)
        if len(g1) == 0:
            continue
        r = interrater.agreement_coefficients(g1.to_numpy(), g2.to_numpy(),
                                              conf_level=P.confidence_level)
        r.insert(0, "sample", s)
        rows.append(r)
    if rows:
        tables["agreement_coefficients"] = pd.concat(rows, ignore_index=True)

    allm = pd.concat([cd.previous, cd.audits], ignore_index=True)
    allm = allm[allm["sample"].isin(P.main_samples)]
    allm = allm.assign(cycle=allm["cycle"].astype(str))
    mrows = []
    for cyc, sub in allm.groupby("cycle", sort=True):
        graded = int(pd.to_numeric(sub["overall_grade"], errors="coerce").notna().sum())
        g1, g2, _ = _moderated(sub)
        k = len(g1)
        row = {"cycle": cyc, "n_graded": graded, "n_moderated": k,
               "share_moderated": k / graded if graded else np.nan,
               "n_changed": int((g1 != g2).sum()), "n_moderated_worse": int((g2 > g1).sum()),
               "n_moderated_better": int((g2 < g1).sum())}
        row["share_changed"] = row["n_changed"] / k if k else np.nan
        if k:
            co = interrater.agreement_coefficients(g1.to_numpy(), g2.to_numpy(),
                                                   conf_level=P.confidence_level)
            pick = dict(zip(zip(co["statistic"], co["weights"]), co["estimate"]))
            row.update(ac1=pick[("Gwet's AC1", "unweighted")],
                       alpha_ordinal=pick[("Krippendorff's alpha", "ordinal")],
                       kappa_linear=pick[("Cohen's kappa", "linear")])
        mrows.append(row)
    mod = pd.DataFrame(mrows)
    if len(mod):
        mod["conf_level"] = P.confidence_level
        tables["moderation_by_cycle"] = mod
    usable = mod[mod["n_moderated"] > 0] if len(mod) else mod
    if len(usable) >= 3:
        pc = spc.p_chart(pd.DataFrame({"x": usable["n_changed"], "n": usable["n_moderated"],
                                       "period": usable["cycle"].astype(int)}),
                         improvement="decrease")
        pc.insert(0, "measure", "share of moderated grades changed")
        tables["moderation_p_chart"] = pc
        figures["moderation_change_chart"] = charts.plot_p_chart(
            pc, measure="grades changed at moderation",
            title="Moderated grades changed, by cycle: p-chart")
        rc = spc.run_chart(usable["share_changed"].to_numpy(), periods=usable["cycle"].astype(int))
        rc.insert(0, "measure", "share of moderated grades changed")
        tables["moderation_run_chart"] = rc

    first = allm[allm["auditor"].notna()] if "auditor" in allm.columns else allm.iloc[0:0]
    try:
        tables["auditor_leniency"] = leniency.auditor_leniency(first, conf_level=P.confidence_level,
                                                                 seed=P.seed)
    except KentauditError as e:  # too few auditors or grades: say so, do not fail the notebook
        tables["auditor_leniency"] = pd.DataFrame([{"note": str(e)}])
    return Section.of(cd, tables, figures)
