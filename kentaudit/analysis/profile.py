"""The ``district_profile`` notebook's section: one district against the rest and
against its previous cycle.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kentaudit.analysis.common import (count_answers, criterion_columns, decision_text,
                                       label_criteria, note_district_samples, notice_figure)
from kentaudit.analysis.cycle import CycleData
from kentaudit.analysis.section import Section
from kentaudit.inputs import reference
from kentaudit.inputs.params import CycleParams
from kentaudit.report import charts
from kentaudit.stats import independent as compare, multiplicity, ordinal, proportions

__all__ = ["district_profile"]


# ----------------------------------------------------------------------------- one district

def _vs_rest_family(main: pd.DataFrame, cd: CycleData, P: CycleParams) -> pd.DataFrame:
    """Every district against the rest, per criterion, adjusted within the criterion.

    Returns a frame indexed by (criterion, district) with ``p_value``,
    ``p_adjusted`` and ``family``: the numbers :func:`association.one_vs_rest`
    gives in ``district_vs_rest`` (same test policy, same family), so a district
    profile adjusts each p-value exactly as the districts table does.
    """
    ids = cd.criterion_ids
    c = count_answers(main[["district", *criterion_columns(main, cd)]], by="district", criteria=ids)
    parts = []
    for crit, g in c.groupby("criterion", sort=False):
        x1, n1 = g["n_yes"].to_numpy(int), g["n_denominator"].to_numpy(int)
        r = compare.compare_independent(x1, n1, x1.sum() - x1, n1.sum() - n1,
                                        conf_level=P.confidence_level)
        p = r["p_value"].to_numpy(float)
        m = int(np.sum(~np.isnan(p)))
        adj = multiplicity.adjust(p, method=P.adjust_method,
                                  family=f"{m} {cd.words.units} x 1 criterion (c_{crit}), each against the rest")
        parts.append(pd.DataFrame({"criterion": crit, "district": g["district"].astype(str).to_numpy(),
                                   "p_value": p, "p_adjusted": adj["p_adjusted"].to_numpy(),
                                   "family": adj["family"].to_numpy()}))
    return pd.concat(parts, ignore_index=True).set_index(["criterion", "district"])


def district_profile(cd: CycleData, district: str) -> Section:
    """One district against the rest of the authority and against its previous cycle.

    ``district`` is a name or code of the cycle's units table (its profile's), in any case;
    the rest is named in the profile's words ("Rest of Kent").

    Tables (saved with the district code appended: ``profile__THA``)
    ------
    profile : criterion, criterion_label, n_yes, n_denominator, estimate,
        conf_low, conf_high (the district), estimate_rest, difference (district minus
        rest of the authority), difference_conf_low, difference_conf_high (Newcombe hybrid score), test,
        p_value, p_adjusted (across the criteria), estimate_previous,
        change (this cycle minus the previous one, for the district),
        change_conf_low, change_conf_high, change_p_value.
    profile_grades : grade distribution of the district and of the rest.
    profile_grade_test : rank-sum and proportional-odds comparison of grades.

    Figures
    -------
    profile_forest : differences from the rest of the authority with intervals.
    """
    P, main = cd.params, cd.comparable
    # a name or a code in any case ("THA", "thanet"), as ingest and the runner accept
    district = reference.resolve_district(district, cd.districts)
    ids = cd.criterion_ids
    # counted once by district, then split: no copy of the audits per district
    by_d = count_answers(main.assign(_in=main["district"] == district)[["_in", *criterion_columns(main, cd)]],
                   by="_in", criteria=ids)
    inside = by_d[by_d["_in"]].set_index("criterion").reindex(ids)
    rest = by_d[~by_d["_in"]].set_index("criterion").reindex(ids)
    x1, n1 = inside["n_yes"].fillna(0).to_numpy(int), inside["n_denominator"].fillna(0).to_numpy(int)
    x2, n2 = rest["n_yes"].fillna(0).to_numpy(int), rest["n_denominator"].fillna(0).to_numpy(int)
    cmp_ = compare.compare_independent(x1, n1, x2, n2, conf_level=P.confidence_level)
    ci = proportions.proportion_ci(x1, n1, method=P.interval_method, conf_level=P.confidence_level)
    # the family of a district-against-the-rest test is the districts of one criterion
    # (multiplicity.FAMILY_RULES): the same p_adjusted as district_vs_rest shows
    allfam = _vs_rest_family(main, cd, P)
    fam = allfam.reindex([(c, district) for c in ids])
    # a district with no audits is in no family, but its rows still name the family
    crit_family = allfam.reset_index().drop_duplicates("criterion").set_index("criterion")["family"]
    fam["family"] = fam["family"].fillna(pd.Series(ids, index=fam.index).map(crit_family))
    adj = pd.DataFrame({"p_adjusted": fam["p_adjusted"].to_numpy(), "family": fam["family"].to_numpy()})
    prof = pd.DataFrame({
        "criterion": ids, "district": district, "n_yes": x1, "n_denominator": n1,
        "estimate": ci["estimate"].to_numpy(), "conf_low": ci["conf_low"].to_numpy(),
        "conf_high": ci["conf_high"].to_numpy(), "n_yes_rest": x2, "n_denominator_rest": n2,
        "estimate_rest": cmp_["estimate_b"].to_numpy(), "difference": cmp_["difference"].to_numpy(),
        "difference_conf_low": cmp_["conf_low"].to_numpy(), "difference_conf_high": cmp_["conf_high"].to_numpy(),
        "test": cmp_["test"].to_numpy(), "p_value": cmp_["p_value"].to_numpy(),
        "p_adjusted": adj["p_adjusted"].to_numpy(), "adjust_method": P.adjust_method,
        "family": adj["family"].to_numpy(), "method": P.interval_method,
        "difference_method": cmp_["method"].to_numpy(), "conf_level": P.confidence_level})
    prev = cd.previous
    if len(prev):
        last = sorted(prev["cycle"].astype(str).unique())[-1]
        pv = prev[(prev["cycle"].astype(str) == last) & prev["sample"].isin(P.main_samples)
                  & (prev["district"] == district)]
        pc = count_answers(pv, criteria=ids).set_index("criterion").reindex(ids)
        xp, np_ = pc["n_yes"].fillna(0).to_numpy(int), pc["n_denominator"].fillna(0).to_numpy(int)
        ch = compare.compare_independent(x1, n1, xp, np_, conf_level=P.confidence_level)
        prof["previous_cycle"] = last
        prof["n_yes_previous"], prof["n_denominator_previous"] = xp, np_
        prof["estimate_previous"] = ch["estimate_b"].to_numpy()
        prof["change"] = ch["difference"].to_numpy()
        prof["change_conf_low"], prof["change_conf_high"] = ch["conf_low"].to_numpy(), ch["conf_high"].to_numpy()
        prof["change_test"], prof["change_p_value"] = ch["test"].to_numpy(), ch["p_value"].to_numpy()
    prof = label_criteria(prof, cd)
    is_d = np.asarray(main["district"] == district, dtype=bool)
    rest_name = cd.words.Rest  # "Rest of Kent": the profile's words
    groups = sorted([district, rest_name])  # the order of the groups as text
    grouped = main[["overall_grade", "cycle"]].assign(group=pd.Categorical.from_codes(
        np.where(is_d, groups.index(district), groups.index(rest_name)), categories=groups))
    grades = ordinal.grade_distribution(grouped, by="group", conf_level=P.confidence_level,
                                        method=P.interval_method, scale=P.grade_scale)
    gtest = ordinal.compare_grades(grouped[grouped["group"] == rest_name],
                                   grouped[grouped["group"] == district],
                                   conf_level=P.confidence_level, names=(rest_name, district),
                                   scale=P.grade_scale, best=P.profile.grade_best)
    alpha = 1 - P.confidence_level
    forest = prof.assign(label=prof["criterion_label"], conf_low=prof["difference_conf_low"],
                         conf_high=prof["difference_conf_high"], estimate=prof["difference"],
                         significant=prof["p_adjusted"] < alpha)
    title = f"{district} minus the {cd.words.rest}: compliance by criterion"
    if forest["estimate"].notna().any():
        fig = charts.plot_forest(forest, title=title, method="Newcombe hybrid score",
                                 conf_level=P.confidence_level, subject="criteria",
                                 decision="significant", decision_text=decision_text(P))
    else:
        fig = notice_figure(title, f"not testable: {district} has no audit with a yes/no answer "
                                    f"in the samples compared between {cd.words.units} ({cd.district_samples_text}), "
                                    "so there is nothing to compare")
    tables = {"profile": prof, "profile_grades": grades, "profile_grade_test": gtest}
    note_district_samples(tables, cd)
    return Section.of(cd, tables, {"profile_forest": fig})
