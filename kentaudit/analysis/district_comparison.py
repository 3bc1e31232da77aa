"""The ``districts`` notebook's first section: funnel plots, tests of independence,
each district and area against the rest, and the case-mix adjusted model.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from kentaudit.analysis.common import (adjust_family, count_answers, label_criteria,
                                       note_district_samples, notice_figure, programme_samples)
from kentaudit.analysis.cycle import CycleData
from kentaudit.analysis.section import Section
from kentaudit.core.errors import KentauditError
from kentaudit.report import charts
from kentaudit.stats import association, casemix, funnel, proportions

__all__ = ["districts"]


# ----------------------------------------------------------------------------- districts

def _funnels(cd: CycleData, audits: pd.DataFrame) -> pd.DataFrame:
    P = cd.params
    counts = proportions.criterion_counts(audits, by="district", criteria=cd.criterion_ids)
    parts = []
    for crit, sub in counts.groupby("criterion", sort=False):
        answered = sub[sub["n_denominator"] > 0]
        if len(answered) < 2:
            w = cd.words
            reason = (f"not testable: the criterion never applied (no yes/no answer in any {w.unit})"
                      if len(answered) == 0 else
                      f"not testable: fewer than two {w.units} have yes/no answers, so there is "
                      "nothing to compare")
            ft = funnel.not_testable_table(answered if len(answered) else sub, reason, x="n_yes",
                                           n="n_denominator", unit="district", target=cd.target,
                                           method=P.funnel_method)
        else:
            ft = funnel.funnel_table(answered, x="n_yes", n="n_denominator", unit="district",
                                     target=cd.target, method=P.funnel_method)
        ft.insert(0, "criterion", crit)
        parts.append(ft)
    return pd.concat(parts, ignore_index=True)


def districts(cd: CycleData, *, criterion_funnels: bool = False) -> Section:
    """Districts and areas compared fairly: funnels, tests and a case-mix model.

    ``criterion_funnels=True`` also draws the funnel plot of each other criterion where a
    district lies outside the 99.8% limits (``funnel_<criterion>``), for an analyst who
    wants to look at one. The runner's notebook does not: nothing it shows or publishes
    reads them (the notebook shows the headline criterion's, the appendix draws its own
    from the published tables, the ``funnel`` table holds every criterion's limits and
    flags), and drawing them was most of the notebook's time.

    Tables
    ------
    funnel : per criterion and district, the proportion, z-score, limits at
        95% and 99.8%, flags, and the overdispersion result (phi, its p-value,
        tau-squared, whether limits were adjusted) - :func:`kentaudit.stats.funnel.funnel_table`.
    compliance_by_district : criterion, area, district, n_yes, n_denominator,
        estimate, conf_low, conf_high, funnel_band (99.8% flag), p_adjusted (the
        district, or the area, against the rest of the authority), adjust_method.
        Rows ``district == words.all_units`` ("All districts") are areas; ``area ==
        words.authority`` ("Kent") the authority (the cycle's profile's words).
    district_tests : chi-square (or exact/Monte Carlo when sparse, seed
        recorded) of independence of compliance and district, and of area,
        per criterion, with Cramer's V and adjusted p-values across criteria.
    district_vs_rest, area_vs_rest : each district (area) against the rest of
        the authority, per criterion, raw and adjusted p-values side by side; with fewer
        than two areas, ``area_vs_rest`` is one row per criterion saying why nothing is
        compared (``test`` "not testable", ``note``).
    casemix_lr : likelihood-ratio test for district after case-mix
        adjustment (case status, age band, risk flags), per criterion.
    casemix_odds_ratios : odds ratios for the headline criterion.
    funnel_programme : the funnel table on the annual cycles pooled (this
        cycle and the earlier ones), when earlier cycles are given: with about
        25 files per district a year, only pooling detects moderate differences.

    Figures
    -------
    funnel_compliance : funnel plot of the headline criterion;
    funnel_<criterion> : with ``criterion_funnels=True`` only, the funnel plot of each
        other criterion where a district lies outside the 99.8% limits.
    """
    P, main = cd.params, cd.comparable
    ft = _funnels(cd, main)
    ft["criterion"] = ft["criterion"].astype(str)
    tables = {"funnel": label_criteria(ft, cd)}
    flag = ft.set_index(["criterion", "district"])["flag_99_8"]

    w = cd.words
    dvr = association.one_vs_rest(main, criteria=cd.criterion_ids, group="district",
                                  conf_level=P.confidence_level, adjust_method=P.adjust_method,
                                  group_label=w.units)
    avr = association.one_vs_rest(main, criteria=cd.criterion_ids, group="area",
                                  conf_level=P.confidence_level, adjust_method=P.adjust_method,
                                  group_label=w.areas)
    if cd.districts["area"].nunique() < 2:
        # one area: it is the whole authority, and there is no rest to compare it with
        avr["test"] = "not testable"
        avr["note"] = (f"not testable: the cycle has one {w.area}, so there is no rest of "
                       f"{w.authority} to compare it with")
    tables["district_vs_rest"] = label_criteria(dvr, cd)
    tables["area_vs_rest"] = label_criteria(avr, cd)
    padj_d = dvr.assign(criterion=dvr["criterion"].str.replace(r"^c_", "", regex=True)).set_index(["criterion", "level"])["p_adjusted"]
    padj_a = avr.assign(criterion=avr["criterion"].str.replace(r"^c_", "", regex=True)).set_index(["criterion", "level"])["p_adjusted"]

    rows = []
    w = cd.words
    area_of = dict(zip(cd.districts["district"], cd.districts["area"]))
    cnt_d = count_answers(main, by="district", criteria=cd.criterion_ids).set_index(["criterion", "district"])
    cnt_a = count_answers(main, by="area", criteria=cd.criterion_ids).set_index(["criterion", "area"])
    cnt_k = count_answers(main, criteria=cd.criterion_ids).set_index("criterion")
    for crit in cd.criterion_ids:
        for area in sorted(cd.districts["area"].unique()):
            for dist in cd.districts.loc[cd.districts["area"] == area, "district"]:
                k = cnt_d.loc[(crit, dist)] if (crit, dist) in cnt_d.index else None
                rows.append({"criterion": crit, "area": area, "district": dist,
                             "n_yes": int(k["n_yes"]) if k is not None else 0,
                             "n_denominator": int(k["n_denominator"]) if k is not None else 0,
                             "funnel_band": flag.get((crit, dist), "not assessed"),
                             "p_adjusted": padj_d.get((crit, dist), np.nan)})
            k = cnt_a.loc[(crit, area)] if (crit, area) in cnt_a.index else None  # None: no audits
            rows.append({"criterion": crit, "area": area, "district": w.all_units,
                         "n_yes": int(k["n_yes"]) if k is not None else 0,
                         "n_denominator": int(k["n_denominator"]) if k is not None else 0,
                         "funnel_band": "not assessed", "p_adjusted": padj_a.get((crit, area), np.nan)})
        k = cnt_k.loc[crit]
        rows.append({"criterion": crit, "area": w.authority, "district": w.all_units,
                     "n_yes": int(k["n_yes"]), "n_denominator": int(k["n_denominator"]),
                      "funnel_band": "not assessed", "p_adjusted": np.nan})
    cbd = pd.DataFrame(rows)
    ci = proportions.proportion_ci(cbd["n_yes"].to_numpy(), cbd["n_denominator"].to_numpy(),
                                   method=P.interval_method, conf_level=P.confidence_level)
    cbd.insert(5, "estimate", ci["estimate"].to_numpy())
    cbd.insert(6, "conf_low", ci["conf_low"].to_numpy())
    cbd.insert(7, "conf_high", ci["conf_high"].to_numpy())
    cbd["method"], cbd["conf_level"], cbd["adjust_method"] = P.interval_method, P.confidence_level, P.adjust_method
    del area_of
    tables["compliance_by_district"] = label_criteria(cbd, cd)

    tests = []
    for group in ("district", "area"):
        for crit in cd.criterion_ids:
            r = association.independence_test(main, criterion=f"c_{crit}", group=group, seed=P.seed)
            r.insert(0, "criterion", crit)
            r.insert(1, "group", group)
            tests.append(r)
    dt = pd.concat(tests, ignore_index=True)
    dt["p_adjusted"] = np.nan
    for group, idx in dt.groupby("group").groups.items():
        adj = adjust_family(dt.loc[idx, "p_value"], P,
                            f"criteria, compliance by {w.unit if group == 'district' else w.area}")
        dt.loc[idx, "p_adjusted"] = adj["p_adjusted"].to_numpy()
        dt.loc[idx, "family"] = adj["family"].to_numpy()
    dt["adjust_method"] = P.adjust_method
    tables["district_tests"] = label_criteria(dt, cd)

    lr = []
    # the sample design: the comparisons read the samples comparable between districts
    # (cd.district_samples); if more than one is pooled (district_samples: main - in 2009 the
    # initial high-risk cases read from the electronic record and the additional random cases
    # from the comprehensive file) the sample, and with it the record source, is a case-mix
    # term, so a district with more initial cases is not made to look worse for reasons
    # that are not practice
    covariates = tuple(casemix.DEFAULT_COVARIATES)
    if main["sample"].nunique() > 1:
        covariates += ("sample",)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for crit in cd.criterion_ids:
            try:
                lr.append(casemix.casemix_lr_test(main, f"c_{crit}", covariates=covariates))
            except KentauditError as e:  # e.g. too few answered files: say so in the table
                lr.append(pd.DataFrame([{"criterion": f"c_{crit}", "term": "district",
                                         "test": "not testable", "note": f"not testable: {e}"}]))
        lrt = pd.concat(lr, ignore_index=True)
        if "p_value" not in lrt.columns:
            lrt["p_value"] = np.nan
        # one family with district_tests' rule: the criteria of one comparison (here district
        # after case-mix adjustment); untestable criteria (no p-value) are not in it
        adj = adjust_family(lrt["p_value"], P, f"criteria, {w.unit} after case-mix adjustment")
        lrt["p_adjusted"], lrt["adjust_method"], lrt["family"] = (
            adj["p_adjusted"].to_numpy(), P.adjust_method, adj["family"].to_numpy())
        tables["casemix_lr"] = label_criteria(lrt, cd)
        try:
            ors = casemix.casemix_odds_ratios(main, f"c_{cd.headline}", covariates=covariates,
                                              conf_level=P.confidence_level)
        except KentauditError as e:  # e.g. the headline criterion never applied: say so
            ors = pd.DataFrame([{"term": "", "criterion": f"c_{cd.headline}",
                                 "note": f"not testable: {e}"}])
        tables["casemix_odds_ratios"] = label_criteria(ors, cd)

    prev = cd.previous
    pooled_samples = programme_samples(cd)
    if pooled_samples:
        # The programme to date: its random samples of every cycle pooled. With ~25 files per
        # district a year a single cycle detects only large differences; pooling the cycles
        # gives each district ~100 files (docs/synthetic-data.md shows the effect).
        pooled = pd.concat([prev[prev["sample"].isin(pooled_samples)],
                            cd.audits[cd.audits["sample"].isin(pooled_samples)]], ignore_index=True)
        fp = _funnels(cd, pooled)
        fp.insert(1, "cycles", ", ".join(sorted(pooled["cycle"].astype(str).unique())))
        tables["funnel_programme"] = label_criteria(fp, cd)

    # Drawing and saving a funnel plot costs about 1 s of CPU, so beyond the headline
    # criterion only an analyst who asks (criterion_funnels) gets them, and then only the
    # criteria where some district lies outside the 99.8% limits; the funnel table holds
    # every criterion's limits and flags.
    figures = {}
    for crit, sub in ft.groupby("criterion", sort=False):
        if (sub["flag_99_8"] == "not testable").all():
            if crit == cd.headline:
                figures["funnel_compliance"] = notice_figure(
                    f"{cd.labels.get(crit, crit)}: funnel plot", sub["note"].iloc[0])
            continue
        if crit == cd.headline:
            figures["funnel_compliance"] = charts.plot_funnel(sub, measure=cd.labels.get(crit, crit),
                                                              unit="district", unit_label=cd.words.unit,
                                                              units_label=cd.words.units)
        elif criterion_funnels and (sub["flag_99_8"].isin(["above", "below"])).any():
            figures[f"funnel_{crit}"] = charts.plot_funnel(sub, measure=cd.labels.get(crit, crit),
                                                           unit="district", unit_label=cd.words.unit,
                                                              units_label=cd.words.units)
    note_district_samples(tables, cd, programme=("funnel_programme",))
    return Section.of(cd, tables, figures)
