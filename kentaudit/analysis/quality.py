"""The ``data_quality`` notebook's first section: records in, accepted and rejected by
rule, completeness, timeliness and moderation agreement.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kentaudit.analysis.common import count_answers, label_criteria
from kentaudit.analysis.cycle import CycleData, present_values
from kentaudit.analysis.section import Section
from kentaudit.inputs import timeliness
from kentaudit.inputs.ingest import rule_words
from kentaudit.inputs.schema import AGE_NOT_RECORDED
from kentaudit.stats import interrater, ordinal

__all__ = ["data_quality"]


# ----------------------------------------------------------------------------- data quality

def data_quality(cd: CycleData) -> Section:
    """Reconciliation, rejections, completeness, timeliness and moderation.

    Tables
    ------
    reconciliation : outcome, n_records
        Records read, accepted and rejected (by the first rule each rejected
        row broke), with a Total row (= records read).
    reconciliation_by_file : file, sha256, encoding, rows_read, accepted, rejected
    rejections_by_rule : rule, column, n_problems, n_rows
    data_quality_counts : measure, n_records, rule - accepted records that need a
        reader's attention (re-audits that cannot be paired; files mixing cycles)
    sample_summary : sample, n_audits (+ Total)
    sample_by_district : sample, area, district, n_audits (+ a Total row per sample)
    completeness : criterion, criterion_label, sample, n_audits, n_yes, n_no,
        n_denominator, n_not_applicable, n_missing, share_not_applicable, share_missing
    timeliness_agreement : derived versus recorded timeliness (see
        :func:`kentaudit.inputs.timeliness.compare_timeliness`)
    auditor_agreement : sample, n_moderated, n_agreed, n_downgraded,
        n_upgraded, kappa, conf_low, conf_high, method (linear weights), conf_level
    moderation_kappa : every agreement statistic of
        :func:`kentaudit.stats.interrater.moderation_agreement`, by sample and overall
    auditor_grades : per-auditor grade distribution (restricted: auditor codes)
    """
    P, ig = cd.params, cd.ingest
    rec = ig.reconciliation
    rej = ig.rejected
    first = rej.drop_duplicates(["file", "row"]) if len(rej) else rej
    rows = [{"outcome": "Accepted", "n_records": int(rec["accepted"].sum())}]
    for rule, n in first.groupby("rule").size().sort_index().items() if len(first) else []:
        rows.append({"outcome": f"Rejected: {rule_words(rule)}", "n_records": int(n)})
    rows.append({"outcome": "Total", "n_records": int(rec["rows_read"].sum())})
    recon = pd.DataFrame(rows)
    by_file = rec.copy()
    by_file["file"] = by_file["file"].map(lambda f: Path(str(f)).name)
    if len(rej):
        keyed = rej.assign(file_row=rej["file"].astype(str) + "\x00" + rej["row"].astype(str))
        by_rule = (keyed.groupby(["rule", "column"], dropna=False)
                   .agg(n_problems=("row", "size"), n_rows=("file_row", "nunique")).reset_index())
    else:
        by_rule = pd.DataFrame(columns=["rule", "column", "n_problems", "n_rows"])

    a = cd.audits
    order = [s for s in cd.params.profile.sample_names if s in present_values(a["sample"])]
    summary = pd.DataFrame([{"sample": s, "n_audits": int((a["sample"] == s).sum())} for s in order]
                           + [{"sample": "Total", "n_audits": len(a)}])
    rows = []
    for s in order:
        counts = a.loc[a["sample"] == s, "district"].value_counts()
        for _, r in cd.districts.iterrows():
            rows.append({"sample": s, "area": r["area"], "district": r["district"],
                         "n_audits": int(counts.get(r["district"], 0))})
        rows.append({"sample": s, "area": cd.words.authority, "district": "Total", "n_audits": int(counts.sum())})
    by_district = pd.DataFrame(rows)

    comp = count_answers(a, by="sample", criteria=cd.criterion_ids)
    comp["share_not_applicable"] = comp["n_not_applicable"] / comp["n_audits"]
    comp["share_missing"] = comp["n_missing"] / comp["n_audits"]
    comp = label_criteria(comp[["criterion", "sample", "n_audits", "n_yes", "n_no", "n_denominator",
                        "n_not_applicable", "n_missing", "share_not_applicable", "share_missing"]], cd)

    timely = timeliness.compare_timeliness(a, criteria=cd.criteria)

    agree_rows, kappa_rows = [], []
    # only moderated audits, and only the columns the agreement statistics read
    moderated = a.loc[a["moderated_grade"].notna() & a["overall_grade"].notna(),
                      ["sample", "overall_grade", "moderated_grade"]]
    groups = [(s, moderated[moderated["sample"] == s]) for s in order] + [("All samples", moderated)]
    for s, mod in groups:
        n_mod = len(mod)
        if n_mod == 0:
            continue
        ma = interrater.moderation_agreement(mod, conf_level=P.confidence_level,
                                             grades=tuple(ordinal.scale_labels(P.grade_scale)))
        ma.insert(0, "sample", s)
        kappa_rows.append(ma)
        lin = ma[(ma["statistic"] == "Cohen's kappa") & (ma["weights"] == "linear")].iloc[0]
        down = int((mod["moderated_grade"] > mod["overall_grade"]).sum())
        up = int((mod["moderated_grade"] < mod["overall_grade"]).sum())
        agree_rows.append({"sample": s, "n_moderated": n_mod, "n_agreed": n_mod - down - up,
                           "n_downgraded": down, "n_upgraded": up, "kappa": lin["estimate"],
                           "conf_low": lin["conf_low"], "conf_high": lin["conf_high"], "method": "linear",
                           "se_method": lin["method"], "conf_level": P.confidence_level})
    agree = pd.DataFrame(agree_rows, columns=["sample", "n_moderated", "n_agreed", "n_downgraded",
                                              "n_upgraded", "kappa", "conf_low", "conf_high", "method",
                                              "se_method", "conf_level"])
    kappa = pd.concat(kappa_rows, ignore_index=True) if kappa_rows else pd.DataFrame()
    aud = interrater.auditor_grade_distribution(a, conf_level=P.confidence_level,
                                               method=P.interval_method, scale=P.grade_scale)
    q = cd.ingest.quality or {}
    n_multi = len(q.get("cycles_by_file") or {})  # ingest lists only files with more than one cycle
    # the unpaired re-audits only where the profile has a sample repeating another's cases
    repeated = next((x.repeats for x in P.profile.samples if x.repeats is not None), None)
    repeats = repeated is not None
    # the first audit named by the profile's sample the re-audit repeats (Kent's "initial")
    first = str(repeated or "").replace("_", " ")
    n_no_age = int((a["age_band"].astype(str) == AGE_NOT_RECORDED).sum()) if "age_band" in a.columns else 0
    quality = pd.DataFrame([
        *([{"measure": f"re-audits with no {first} audit of the same case (kept, not paired)",
            "n_records": int(q.get("unpaired_reaudits", 0)), "rule": "unpaired_reaudit"}] if repeats else []),
        {"measure": "files holding audits of more than one cycle",
         "n_records": int(n_multi), "rule": "mixed_cycles"},
        # blank ages are kept as a level of their own (schema.AGE_NOT_RECORDED): said where there are any
        *([{"measure": "audits with no age recorded (kept, age band Not recorded)",
            "n_records": n_no_age, "rule": "age_not_recorded"}] if n_no_age else []),
    ])
    return Section.of(cd, {"reconciliation": recon, "reconciliation_by_file": by_file,
                    "rejections_by_rule": by_rule, "data_quality_counts": quality,
                    "sample_summary": summary,
                    "sample_by_district": by_district, "completeness": comp,
                    "timeliness_agreement": timely, "auditor_agreement": agree,
                    "moderation_kappa": kappa, "auditor_grades": aud}, {})
