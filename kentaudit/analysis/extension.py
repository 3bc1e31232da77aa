"""The ``initial_vs_extended`` notebook's section: the initial cases against the
additional cases, the paired re-audit, the gain in precision and the sample sizes.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from kentaudit.analysis.common import (adjust_family, criterion_columns, decision_text,
                                       label_criteria, sample_design)
from kentaudit.analysis.cycle import CycleData
from kentaudit.analysis.section import Section
from kentaudit.core.errors import KentauditError
from kentaudit.core.formatting import method_words
from kentaudit.report import charts
from kentaudit.stats import independent as compare, ordinal, paired, precision, proportions, survey

__all__ = ["initial_vs_extended"]



# ----------------------------------------------------------------------------- initial vs extended

def initial_vs_extended(cd: CycleData) -> Section:
    """The initial sample against the additional cases, and the paired re-audit.

    Tables
    ------
    initial_vs_extended : criterion, criterion_label, n_yes_initial,
        n_denominator_initial, estimate_initial, n_yes_extended,
        n_denominator_extended, estimate_extended, difference (extended minus
        initial), conf_low, conf_high (Newcombe hybrid score), test (chosen by the
        stated small-count policy), statistic, p_value, p_adjusted,
        adjust_method, family, method, conf_level, test_policy.
        Only the **additional** cases (the random sample drawn beside the cases chosen on
        purpose, :func:`sample_design`) are compared with the initial cases: the full
        extended sample contains the initial one.
    reaudit_paired : criterion, criterion_label, n_pairs, n_yes_yes, n_yes_no,
        n_no_yes, n_no_no, difference (re-audit minus initial), conf_low, conf_high
        (Newcombe's paired method 10), test (exact McNemar), p_value,
        p_adjusted, plus the asymptotic McNemar with and without continuity
        correction in ``reaudit_mcnemar``.
    reaudit_grades : Stuart-Maxwell, Bowker and sign tests with the direction
        of change (n_worse: graded worse once the hard copy was read).
    reaudit_grade_table : initial_grade, reaudit_grade, n_pairs - the 4 x 4
        table of paired grades in tidy form.
    precision_gain : interval widths on the initial sample alone and on the
        full extended sample (initial + additional), and their ratio.
    sample_size : files needed for +/-5 and +/-10 points, authority-wide and
        per district, with the finite population correction.
    grade_comparison : initial against additional cases by rank-sum test and
        proportional-odds model.

    Figures
    -------
    initial_vs_extended_forest : differences with intervals.
    """
    P, a = cd.params, cd.audits
    chosen, extra, repeat = sample_design(cd)
    tables, figures = {}, {}
    if chosen is not None and extra is not None:
        cmp_ = compare.compare_samples(a, a=extra, b=chosen, criteria=cd.criterion_ids,
                                       conf_level=P.confidence_level)
        adj = adjust_family(cmp_["p_value"], P, "criteria, additional against initial cases")
        t = pd.DataFrame({
            "criterion": cmp_["criterion"],
            "n_yes_initial": cmp_["n_yes_b"], "n_denominator_initial": cmp_["n_denominator_b"],
            "estimate_initial": cmp_["estimate_b"],
            "n_yes_extended": cmp_["n_yes_a"], "n_denominator_extended": cmp_["n_denominator_a"],
            "estimate_extended": cmp_["estimate_a"],
            "difference": cmp_["difference"], "conf_low": cmp_["conf_low"], "conf_high": cmp_["conf_high"],
            "test": cmp_["test"], "statistic": cmp_["statistic"], "p_value": cmp_["p_value"],
            "p_adjusted": adj["p_adjusted"].to_numpy(), "adjust_method": P.adjust_method,
            "family": adj["family"].to_numpy(), "method": cmp_["method"],
            "conf_level": cmp_["conf_level"], "test_policy": cmp_["test_policy"],
            "note": cmp_["note"]})
        tables["initial_vs_extended"] = label_criteria(t, cd)
        alpha = 1 - P.confidence_level
        forest = tables["initial_vs_extended"].assign(label=lambda d: d["criterion_label"],
                                                      estimate=lambda d: d["difference"],
                                                      significant=lambda d: d["p_adjusted"] < alpha)
        figures["initial_vs_extended_forest"] = charts.plot_forest(
            forest, title="Additional cases minus initial cases: compliance by criterion",
            method="Newcombe hybrid score", conf_level=P.confidence_level, subject="criteria",
            decision="significant", decision_text=decision_text(P))

        crit_cols = criterion_columns(a, cd)
        ini_c = proportions.criterion_counts(a.loc[a["sample"] == chosen, crit_cols],
                                             criteria=cd.criterion_ids)
        ext_c = proportions.criterion_counts(a.loc[a["sample"].isin([chosen, extra]), crit_cols],
                                             criteria=cd.criterion_ids)
        widths = precision.interval_widths(ini_c, ext_c, method=P.interval_method,
                                           conf_level=P.confidence_level)
        # "after" under the design (the initial cases taken in full, the extended sample
        # random): the authority-wide interval of authority_estimate, not initial +
        # additional pooled as if one simple random sample
        frame = cd.districts.set_index("district")["children_on_plans"].astype(float).to_dict()
        try:
            design = survey.authority_proportion(
                a.loc[a["sample"].isin([chosen, extra]), ["sample", "district", *crit_cols]],
                frame, criteria=cd.criterion_ids, certainty=chosen, random=extra, method="logit",
                conf_level=P.confidence_level).set_index("criterion").reindex(widths["criterion"])
            widths["n_denominator_after"] = design["n_denominator"].astype("Int64").array
            widths["estimate_after"] = design["estimate"].to_numpy()
            widths["conf_low_after"] = design["conf_low"].to_numpy()
            widths["conf_high_after"] = design["conf_high"].to_numpy()
            widths["width_after"] = widths["conf_high_after"] - widths["conf_low_after"]
            with np.errstate(divide="ignore", invalid="ignore"):
                widths["width_ratio"] = np.where(widths["width_before"] > 0,
                                                 widths["width_after"] / widths["width_before"], np.nan)
            widths["method"] = (f"before: {method_words(P.interval_method, 'phrase')}, the initial cases "
                                "alone; after: the logit interval of the design-based estimate of the "
                                "initial and additional cases")
            widths["design_after"] = survey.authority_design(chosen, extra, cd.words.unit)
            tables["precision_gain"] = label_criteria(widths, cd)
        except KentauditError as exc:
            # the units' frames do not hold the audited cases (fewer children in scope than files
            # audited): no design-based "after", said in the notebook; never a failed notebook
            warnings.warn(f"no precision gain under the design: {exc}", UserWarning, stacklevel=2)
        ga = a.loc[a["sample"] == chosen, ["overall_grade", "cycle"]]
        gb = a.loc[a["sample"] == extra, ["overall_grade", "cycle"]]
        tables["grade_comparison"] = ordinal.compare_grades(ga, gb, conf_level=P.confidence_level,
                                                            names=(chosen, extra), scale=P.grade_scale, best=P.profile.grade_best)
    if repeat is not None:
        pb = paired.paired_binary(a, first=chosen, second=repeat, criteria=cd.criterion_ids,
                                  conf_level=P.confidence_level)
        exact = pb[pb["test"] == "mcnemar-exact"].reset_index(drop=True)
        adj = adjust_family(exact["p_value"], P, "criteria, re-audit against initial audit")
        t = pd.DataFrame({
            "criterion": exact["criterion"], "n_pairs": exact["n_pairs"].astype(int),
            "n_yes_yes": exact["n_yes_yes"].astype(int), "n_yes_no": exact["n_yes_no"].astype(int),
            "n_no_yes": exact["n_no_yes"].astype(int), "n_no_no": exact["n_no_no"].astype(int),
            "estimate_initial": exact["estimate_first"], "estimate_reaudit": exact["estimate_second"],
            "difference": exact["difference"], "conf_low": exact["conf_low"], "conf_high": exact["conf_high"],
            "method": exact["method"], "conf_level": exact["conf_level"], "test": exact["test"],
            "p_value": exact["p_value"], "p_adjusted": adj["p_adjusted"].to_numpy(),
            "adjust_method": P.adjust_method, "family": adj["family"].to_numpy(),
            "n_excluded": exact["n_excluded"].astype(int), "note": exact["note"]})
        tables["reaudit_paired"] = label_criteria(t, cd)
        tables["reaudit_mcnemar"] = label_criteria(pb, cd)
        # the cycle's scale (any length) and which end of it is best (the profile's)
        levels = list(ordinal.scale_labels(P.grade_scale))
        tables["reaudit_grades"] = paired.paired_grades(a, first=chosen, second=repeat, levels=levels,
                                                        best=P.profile.grade_best)
        square = paired.paired_grade_table(a, first=chosen, second=repeat, levels=levels)
        tables["reaudit_grade_table"] = pd.DataFrame(
            [{"initial_grade": int(i), "reaudit_grade": int(j), "n_pairs": int(square.loc[i, j])}
             for i in square.index for j in square.columns])
    rows = []
    for margin in (0.05, 0.10):
        # one row per district plus the authority-wide row ("Kent (all districts)": the profile's words)
        # the design: the initial cases (if any) are taken in full, the rest sampled at random
        certainty = (a.loc[a["sample"] == chosen, "district"].astype(str).value_counts()
                     if chosen is not None and extra is not None else None)
        per = precision.sample_size_by_district(margin=margin, conf_level=P.confidence_level,
                                                districts=cd.districts, certainty=certainty,
                                                total_label=f"{cd.words.authority} (all {cd.words.units})")
        rows.append(per)
    tables["sample_size"] = pd.concat(rows, ignore_index=True)
    section = Section.of(cd, tables, figures)
    why = P.profile.no_extension_reason(cd.words.authority)
    if extra is None and why is not None:
        # a sample chosen on purpose beside a random one is two programmes unless the profile
        # declares the random one drawn to extend it: the section says so, never Kent's design
        section.reasons.update(dict.fromkeys(EXTENSION_OUTPUTS, why))
    return section


#: the outputs of the comparison of a sample with the cases drawn to extend it
EXTENSION_OUTPUTS = ("initial_vs_extended", "initial_vs_extended_forest", "precision_gain", "grade_comparison")
