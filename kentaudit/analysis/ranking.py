"""The districts notebook's second section: shrunken estimates, ranks and flags' error rates.

:func:`district_ranks` takes a cycle (:func:`kentaudit.analysis.load_cycle`) and returns a
:class:`kentaudit.analysis.Section` of tidy tables and figures built from the validated
modules :mod:`kentaudit.stats.shrinkage`, :mod:`kentaudit.stats.flag_rates` and
:mod:`kentaudit.report.caterpillar`. Every number is computed there; this module only selects
the counts and labels the rows. Tables are documented in ``docs/results.md``.
"""
from __future__ import annotations

import pandas as pd

from kentaudit.analysis.common import note_district_samples, programme_samples
from kentaudit.analysis.cycle import CycleData
from kentaudit.analysis.section import Section
from kentaudit.report.caterpillar import plot_caterpillar
from kentaudit.report.tables import in_words
from kentaudit.stats import flag_rates as flag_oc, proportions, shrinkage, spc

__all__ = ["district_ranks", "SHORTFALLS", "N_SIMS", "N_DRAWS"]

#: shortfalls (proportions) at which the power of each flag is simulated
SHORTFALLS = (0.10, 0.20)
#: simulated cycles per scenario (Monte Carlo SE of a rate at most 0.025, printed beside the
#: rates as ``mc_se`` / ``mc_se_max``: the 0.1-point precision of the table would need about a
#: million; kept small so the districts notebook stays within 1.2x of its time without this section)
N_SIMS = 400
#: posterior draws for the ranks of the shrunken estimates (the estimates and intervals are
#: exact). Measured on the 2013 cycle, six criteria x 12 districts x 2 ends: a rank
#: interval's end moves between ten seeds for 39 of 144 ends with 1,000 draws, 22 with
#: 4,000 and 18 with 10,000 (an integer quantile flips whenever a cumulative rank
#: probability is near 2.5%); 4,000 costs about 0.01 s a criterion.
N_DRAWS = 4000


_RULE_LABELS = {"funnel_95": "Funnel plot, outside the 95% limits",
                "funnel_99_8": "Funnel plot, outside the 99.8% limits",
                "district_vs_rest": "{Unit} against the {rest} (adjusted p-value)"}
#: the special-cause rules of the monthly p-chart (flag_oc.SPC_RULES) in words
_SPC_RULE_LABELS = {"outside_limits": "A point outside the process limits (3 sigma)",
                    "trend": "A trend of 7 points rising or falling",
                    "two_in_three": "Two of three points beyond 2 sigma on one side",
                    "run": "A run of 7 points on one side of the mean",
                    "any_special_cause": "Any of the four rules above",
                    "anhoej_runs": "Anhoej run-chart rules (longest run, crossings)"}


def _counts(audits, by, cd):
    return proportions.criterion_counts(audits, by=by, criteria=cd.criterion_ids)


#: the columns of a shrunken-estimates table (:func:`kentaudit.stats.shrinkage.shrink`) that
#: a criterion with fewer than two answered units leaves empty
_SHRUNK_COLUMNS = ("raw", "estimate", "conf_low", "conf_high", "shrinkage", "prob_below_target", "rank",
                   "rank_median", "rank_low", "rank_high", "prob_lowest", "prior_mean", "prior_m", "rho",
                   "rho_boundary", "target", "method", "conf_level", "n_draws", "seed")


def _not_shrunk(sub: pd.DataFrame, unit: str, unit_word: str, units_word: str, target) -> pd.DataFrame:
    """The rows of a criterion that cannot be shrunk (fewer than two ``unit``s with yes/no answers):
    its counts, every estimate empty and ``note`` saying why, instead of an exception."""
    answered = int((sub["n_denominator"] > 0).sum())
    why = (f"not estimated: only one {unit_word} has yes/no answers" if answered == 1 else
           f"not estimated: no {unit_word} has yes/no answers") if len(sub) > 1 else (
        f"not estimated: the cycle has one {unit_word}, and shrinking towards the other "
        f"{units_word} needs at least two")
    out = sub[[unit, "n_yes", "n_denominator"]].reset_index(drop=True).copy()
    for c in _SHRUNK_COLUMNS:
        out[c] = float("nan")
    out["raw"] = [y / n if n else float("nan") for y, n in zip(out["n_yes"], out["n_denominator"])]
    out["target"] = float("nan") if target is None else target
    out["note"] = why
    return out


def _shrunk(counts, unit, cd, extra=None):
    """Shrunken estimates of every criterion by ``unit``; a criterion with fewer than two units
    with yes/no answers (one area, or one answered district) gets its counts and a ``note``
    instead of estimates (a documented result, not an error)."""
    P = cd.params
    target = None if cd.target == "overall" else float(cd.target)
    w = cd.words
    unit_word, units_word = (w.unit, w.units) if unit == "district" else (w.area, w.areas)
    parts = []
    for crit, sub in counts.groupby("criterion", sort=False):
        if (sub["n_denominator"] > 0).sum() < 2:
            s = _not_shrunk(sub, unit, unit_word, units_word, target)
        else:
            s = shrinkage.shrink(sub, x="n_yes", n="n_denominator", unit=unit, target=target,
                                 conf_level=P.confidence_level, n_draws=N_DRAWS, seed=P.seed)
        s.insert(0, "criterion", crit)
        s.insert(1, "criterion_label", cd.labels.get(crit, crit))
        parts.append(s)
    if not parts:  # fewer than two units with answers (one area): nothing to shrink towards
        return pd.DataFrame(columns=["criterion", "criterion_label", unit])
    out = pd.concat(parts, ignore_index=True)
    if extra:
        for k, v in extra.items():
            out.insert(2, k, v)
    return out


def _monthly(cd):
    head = f"c_{cd.headline}"
    allm = pd.concat([cd.previous, cd.audits], ignore_index=True)
    m = allm[allm["sample"].isin(cd.params.main_samples) & allm[head].isin(["Y", "N"])]
    if len(m) == 0:
        return None
    period = m["audit_date"].dt.to_period("M").dt.to_timestamp()
    g = pd.DataFrame({"period": period, "x": (m[head] == "Y").astype(int)}).groupby("period")
    return g.agg(x=("x", "sum"), n=("x", "size")).reset_index()


def district_ranks(cd: CycleData) -> Section:
    """Shrunken district and area estimates with rank intervals, and the flags' error rates.

    Tables
    ------
    shrunken_by_district : per criterion and district, the beta-binomial posterior mean,
        interval, P(below the standard), rank and rank interval
        (:func:`kentaudit.stats.shrinkage.shrink`, hierarchical), with the area.
    shrunken_headline : the rows of ``shrunken_by_district`` for the headline criterion
        (published as a table of the appendix).
    shrunken_by_area : the same for areas.

    A criterion with fewer than two units (areas) with yes/no answers - a cycle with one
    area, say - has its counts, empty estimates and a ``note`` saying why, not an error.
    shrunken_programme : the same for districts on the annual cycles pooled (this cycle
        and the earlier ones), when earlier cycles are given.
    flag_operating_characteristics : per criterion, district and rule (funnel 95%, funnel
        99.8%, district against the rest), the simulated chance of a flag when the
        district is at the rule's reference and when it is 10 or 20 points below
        (:func:`kentaudit.stats.flag_rates.flag_operating_characteristics`).
    flag_oc_summary : one row per rule and scenario over every district x criterion,
        with ``statement``: the plain-words sentence.
    spc_operating_characteristics : false-alarm rate and power of each special-cause rule
        on the monthly p-chart of the headline criterion (this cycle and the earlier ones).

    Figures
    -------
    caterpillar_compliance : shrunken estimates and rank intervals of the headline criterion
        by district (beside the funnel plot).
    caterpillar_programme : the same on the pooled annual cycles, when given.
    """
    P, main = cd.params, cd.comparable
    area_of = dict(zip(cd.districts["district"], cd.districts["area"]))
    tables, figures = {}, {}
    cnt = _counts(main, "district", cd)
    sd = _shrunk(cnt, "district", cd)
    sd.insert(2, "area", sd["district"].map(area_of))
    tables["shrunken_by_district"] = sd
    tables["shrunken_by_area"] = _shrunk(_counts(main, "area", cd), "area", cd)
    head = sd[sd["criterion"] == cd.headline]
    tables["shrunken_headline"] = head.reset_index(drop=True)
    w = cd.words
    if len(head) and head["estimate"].notna().any():
        figures["caterpillar_compliance"] = plot_caterpillar(
            head, unit="district", measure=cd.labels.get(cd.headline, cd.headline),
            unit_label=w.unit, units_label=w.units,
            title=f"Shrunken estimates by {w.unit}, with rank intervals: {cd.labels.get(cd.headline, cd.headline)}")

    prev = cd.previous
    pooled_samples = programme_samples(cd)
    if pooled_samples:
        pooled = pd.concat([prev.loc[prev["sample"].isin(pooled_samples)],
                            cd.audits.loc[cd.audits["sample"].isin(pooled_samples)]], ignore_index=True)
        cycles = ", ".join(sorted(pooled["cycle"].astype(str).unique()))
        sp = _shrunk(_counts(pooled, "district", cd), "district", cd, extra={"cycles": cycles})
        sp.insert(3, "area", sp["district"].map(area_of))
        tables["shrunken_programme"] = sp
        hp = sp[sp["criterion"] == cd.headline]
        if len(hp) and hp["estimate"].notna().any():
            figures["caterpillar_programme"] = plot_caterpillar(
                hp, unit="district", measure=cd.labels.get(cd.headline, cd.headline),
                unit_label=w.unit, units_label=w.units,
                title=f"Shrunken estimates by {w.unit}, {' and '.join(pooled_samples)} cycles {cycles} pooled")

    oc = flag_oc.flag_operating_characteristics(
        cnt, target=cd.target, method=P.funnel_method, shortfalls=SHORTFALLS, n_sims=N_SIMS,
        seed=P.seed, adjust_method=P.adjust_method, alpha=1 - P.confidence_level,
        reference_label=w.rest, unit_label=w.unit, units_label=w.units)
    oc.insert(1, "criterion_label", oc["criterion"].map(cd.labels))
    tables["flag_operating_characteristics"] = oc
    summ = flag_oc.summarise_operating_characteristics(oc)
    # every row in words: a shortfall row its power, the row at the reference its false alarms
    # (an empty "In words" on those rows read as missing)
    summ["statement"] = [
        flag_oc.power_sentence(summ, r, s, unit_label=w.unit, units_label=w.units) if sc == "shortfall"
        else flag_oc.false_positive_sentence(summ, r, unit_label=w.unit, units_label=w.units)
        for r, sc, s in zip(summ["rule"], summ["scenario"], summ["shortfall"])]
    summ.insert(1, "rule_label", summ["rule"].map({k: in_words(v, w) for k, v in _RULE_LABELS.items()}))
    summ.insert(3, "scenario_label", [
        "at the reference (false positive)" if sc == "null" else f"{100 * d:.0f} points below"
        for sc, d in zip(summ["scenario"], summ["shortfall"])])
    tables["flag_oc_summary"] = summ

    # the control-chart rules' error rates mean something where control charts are read: the
    # monitoring of an annual programme (the trends notebook), not a one-off review
    monthly = _monthly(cd) if pooled_samples else None
    if monthly is not None and len(monthly) >= 3:
        pc = spc.p_chart(monthly, improvement="increase", freq="M")
        ok = ~pc["missing"].to_numpy()
        so = flag_oc.spc_operating_characteristics(
            pc.loc[ok, "n"].to_numpy(), pc.loc[ok, "segment"].to_numpy(),
            p=float(pc["mean"].iloc[0]), shifts=(0.10, 0.20), n_sims=N_SIMS, seed=P.seed)
        so.insert(0, "criterion", cd.headline)
        so.insert(2, "rule_label", so["rule"].map(_SPC_RULE_LABELS))
        so.insert(4, "scenario_label", ["stable process (false alarm)" if sc == "stable" else
                                        f"sustained drop of {100 * d:.0f} points" for sc, d in
                                        zip(so["scenario"], so["shift"])])
        tables["spc_operating_characteristics"] = so
    note_district_samples({k: v for k, v in tables.items() if k != "spc_operating_characteristics"},
                          cd, programme=("shrunken_programme",))
    return Section.of(cd, tables, figures)
