"""The ``compliance`` notebook's section: compliance by criterion and sample with its
interval, the design-based authority-wide estimate, and grades.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from kentaudit.analysis.common import (count_answers, criterion_columns, grade_label_map,
                                       label_criteria, with_ci)
from kentaudit.analysis.cycle import CycleData, present_values
from kentaudit.analysis.section import Section
from kentaudit.core.errors import KentauditError
from kentaudit.inputs import reference
from kentaudit.report import charts
from kentaudit.stats import ordinal, survey

__all__ = ["compliance_summary", "design_samples"]


# ----------------------------------------------------------------------------- compliance

def partial_apart(counts: pd.DataFrame, cd: CycleData) -> pd.DataFrame:
    """``counts`` (one row per criterion, over the main samples) with the partial answers counted
    apart as ``n_partial`` where the profile's rule folds them (``counts_as: yes`` or ``no``:
    :mod:`kentaudit.analysis.cycle` reads a partial answer as ``Y`` or ``N`` before any count, so
    ``n_partial`` is then a part of ``n_yes`` or ``n_no``), counted from the accepted audits as
    received. Unchanged without a partial answer, with ``excluded`` (the counter already counts
    them apart) and where no audit gave one (as :func:`kentaudit.stats.proportions.criterion_counts`)."""
    ans = cd.params.profile.answers
    if ans.partial is None or ans.partial_counts_as == "excluded" or "n_partial" in counts.columns:
        return counts
    raw = cd.ingest.accepted
    raw = raw[raw["sample"].isin(cd.params.samples) & raw["sample"].isin(cd.params.main_samples)]
    n = {c: int((raw[f"c_{c}"].astype(object) == ans.partial).sum()) if f"c_{c}" in raw.columns else 0
         for c in counts["criterion"].astype(str)}
    if not any(n.values()):
        return counts
    out = counts.copy()
    out.insert(out.columns.get_loc("n_missing") + 1, "n_partial", out["criterion"].astype(str).map(n))
    return out


def compliance_summary(cd: CycleData) -> Section:
    """Compliance by criterion with intervals, the design-based estimate, and grades.

    Tables
    ------
    compliance_by_criterion : criterion, criterion_label, n_audits, n_yes, n_no,
        n_denominator, n_not_applicable, n_missing, (n_partial where the profile has a partial
        answer and an audit gave one: :func:`partial_apart`), estimate, conf_low, conf_high,
        method, conf_level, denominator - over the main samples.
    compliance_by_sample : the same by sample (re-audit included, as its own sample), only when
        the cycle audited two or more samples: with one it is the table above, and the section
        says so in its place (``Section.reasons``).
    authority_estimate : design-based authority-wide proportion per criterion.
        With an initial and an extended sample: the initial high-risk cases are
        a stratum taken in full in each district and the extended sample the
        random part (:func:`kentaudit.stats.survey.authority_proportion`), covering
        the whole frame; an annual sample: stratified by district, weights
        N_h/n_h, FPC (:func:`kentaudit.stats.survey.stratified_proportion`). Both
        validated against R survey.
    grades : sample, grade, n_audits, estimate (+ Total per sample).
    grade_distribution : grade shares with intervals by sample.
    grade_collapsed : good-or-better and inadequate shares with intervals by sample.

    Figures
    -------
    grades_by_sample : stacked grade distribution by sample.
    """
    P, a = cd.params, cd.audits
    main = cd.main
    by_crit = partial_apart(label_criteria(with_ci(count_answers(main, criteria=cd.criterion_ids), P), cd), cd)
    by_sample = label_criteria(with_ci(count_answers(a, by="sample", criteria=cd.criterion_ids), P), cd)

    # the authority-wide estimate (the design-based headline), whenever a main sample was drawn
    # at random in every unit (the profile's `design: random`): the random sample stratified
    # by unit over the frame; the main samples chosen on purpose, where there are any, a
    # stratum taken in full standing only for themselves (Kent 2009: initial + extended)
    present = present_values(a["sample"])
    main_present = [s for s in P.profile.sample_names if s in P.main_samples and s in present]
    rand, purposive = design_samples(main_present, P.random_samples, P.profile.extension)
    tables = {"compliance_by_criterion": by_crit}
    n_samples = len(present_values(a["sample"]))
    if n_samples >= 2:
        tables["compliance_by_sample"] = by_sample
    if rand:
        try:
            tables["authority_estimate"] = label_criteria(
                _design_based(a, cd, rand=rand, purposive=purposive,
                              frame=cd.districts.set_index("district")["children_on_plans"].astype(float)), cd)
        except KentauditError as exc:
            # the units' frame sizes do not hold the audited cases (fewer children in scope
            # than files audited): no estimate, said in the notebook; never a failed notebook
            warnings.warn(f"no design-based (authority-wide) estimate: {exc}", UserWarning, stacklevel=2)

    labels = grade_label_map(cd)
    order = [s for s in P.profile.sample_names if s in present_values(a["sample"])]
    rows = []
    for s in order:
        g = a.loc[a["sample"] == s, "overall_grade"].dropna().astype(int)
        for k, lab in labels.items():
            n = int((g == k).sum())
            rows.append({"sample": s, "grade": lab, "n_audits": n, "estimate": n / len(g) if len(g) else np.nan})
        rows.append({"sample": s, "grade": "Total", "n_audits": len(g), "estimate": 1.0 if len(g) else np.nan})
    tables["grades"] = pd.DataFrame(rows)
    tables["grade_distribution"] = ordinal.grade_distribution(
        a, by="sample", conf_level=P.confidence_level, method=P.interval_method, scale=P.grade_scale)
    tables["grade_collapsed"] = ordinal.collapse_grades(
        a, by="sample", conf_level=P.confidence_level, method=P.interval_method, scale=P.grade_scale,
        best=P.profile.grade_best)
    gplot = tables["grades"][tables["grades"]["grade"] != "Total"].copy()
    gplot["grade_num"] = gplot["grade"].str.split(" ", n=1).str[0].astype(int)
    fig = charts.plot_grade_distribution(gplot, group="sample", grade="grade_num", count="n_audits",
                                         labels=reference.grade_labels(P.grade_scale),
                                         title=f"Overall grades by sample, {P.label}", best=P.profile.grade_best,
                                         group_labels={s.name: s.label for s in P.profile.samples if s.label})
    section = Section.of(cd, tables, {"grades_by_sample": fig})
    if n_samples < 2:
        # one sample: the table by sample would repeat the table by criterion row for row
        section.reasons["compliance_by_sample"] = (
            "this cycle audited one sample, so compliance by sample is the table by criterion above")
    return section




def design_samples(main_present, random_samples, extension) -> tuple[list, list]:
    """``(random, certainty)``: the main samples of the authority-wide estimate. ``random``: those
    drawn at random in every unit; ``certainty``: the sample chosen on purpose that a random one
    was drawn to extend (the profile's ``extends:``, ``extension`` = ``(chosen, extra)``), a
    stratum taken in full with the random sample standing for the rest of each unit's frame
    (Kent 2009: initial + extended). A sample chosen on purpose that no random sample extends (a
    themed audit beside a random monthly one) is a programme of its own: it stands only for
    itself and is not in the estimate, whose random sample was drawn from the whole frame
    (counting it as a certainty stratum would count its children twice)."""
    rand = [s for s in main_present if s in random_samples]
    chosen = [] if extension is None or extension[1] not in rand else [extension[0]]
    return rand, [s for s in main_present if s not in rand and s in chosen]


def _design_based(a: pd.DataFrame, cd: CycleData, *, frame: pd.Series, rand: list,
                  purposive: list) -> pd.DataFrame:
    """The design-based authority-wide estimate: the random main samples stratified by unit
    over each unit's frame; the purposive main samples, where there are any, a certainty
    stratum (weight 1) with the random sample standing for the rest of the unit's frame.

    Raises
    ------
    KentauditError
        A unit's frame (children in scope) does not hold its audited cases.
    """
    P = cd.params
    rep = " + ".join(purposive + rand)
    if purposive:
        # two random samples of one cycle are pooled as one random sample of each unit's
        # frame, and every purposive sample is one certainty stratum (weight 1)
        sub = a.loc[a["sample"].isin(purposive + rand), ["sample", "district", *criterion_columns(a, cd)]]
        # the two strata as a category (one byte a row), not a string a row
        is_random = sub["sample"].isin(rand).to_numpy(dtype=np.int8)
        sub = sub.assign(sample=pd.Categorical.from_codes(is_random, categories=["certainty", "random"]))
        est = survey.authority_proportion(sub, frame.to_dict(), criteria=cd.criterion_ids,
                                          certainty="certainty", random="random",
                                          method="logit", conf_level=P.confidence_level)
        est["design"] = survey.authority_design(", ".join(purposive), ", ".join(rand), cd.words.unit)
    else:
        sub = a.loc[a["sample"].isin(rand), ["district", *criterion_columns(a, cd)]]
        frame = frame[frame.index.isin(sub["district"].unique())]
        est = survey.stratified_proportion(sub, strata="district", population=frame.to_dict(),
                                           criteria=cd.criterion_ids, method="logit",
                                           conf_level=P.confidence_level)
    est.insert(1, "sample", rep)
    return est
