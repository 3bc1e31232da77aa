"""Fabricated results tables of the shape the appendix spec names (test helper, not a test).

The notebooks that write the real results tables come later; these tests build
against the contract: a small fake audit-level data set (synthetic ``SYN-``
references, ``AUD`` auditor codes) is aggregated with pandas into every results
table of ``kentaudit/data/appendix_spec.yaml``, so that totals and linked
tables agree exactly as real results would.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from kentaudit.report.results import save_table
from statsmodels.stats.proportion import proportion_confint

from kentaudit.inputs import reference

CRITERIA = ["seen", "seen_alone", "voice", "ia_timely"]
GRADES = {1: "1 Outstanding", 2: "2 Good", 3: "3 Adequate", 4: "4 Inadequate"}


def fake_audits(seed=1, n_initial=60, n_extended=90, n_reaudit=20, cycle="2009") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = reference.districts()
    rows = []
    k = 0
    for sample, n in (("initial", n_initial), ("extended", n_extended)):
        for _ in range(n):
            k += 1
            rows.append({"audit_id": f"A{cycle}-{k:04d}", "case_ref": f"SYN-{1000000 + k:07d}",
                         "sample": sample})
    initial_refs = [r["case_ref"] for r in rows if r["sample"] == "initial"][:n_reaudit]
    for ref in initial_refs:
        k += 1
        rows.append({"audit_id": f"A{cycle}-{k:04d}", "case_ref": ref, "sample": "reaudit"})
    df = pd.DataFrame(rows)
    # districts skewed so that some are small (to exercise suppression)
    p = np.linspace(3, 0.3, len(d))
    p /= p.sum()
    first = dict(zip(df.case_ref, rng.choice(d.district.to_numpy(), size=len(df), p=p)))
    df["district"] = df.case_ref.map(first)
    df["area"] = df.district.map(dict(zip(d.district, d.area)))
    df["auditor"] = [f"AUD{rng.integers(1, 6):02d}" for _ in range(len(df))]
    df["audit_date"] = pd.Timestamp("2009-03-02") + pd.to_timedelta(rng.integers(0, 40, len(df)), unit="D")
    for j, c in enumerate(CRITERIA):
        pyes = [0.85, 0.6, 0.97, 0.7][j]
        u = rng.random(len(df))
        vals = np.where(u < pyes, "Y", "N").astype(object)
        vals[rng.random(len(df)) < [0.0, 0.03, 0.12, 0.0][j]] = "NA"
        miss = rng.random(len(df)) < [0.0, 0.02, 0.05, 0.0][j]
        vals[miss] = None
        df[f"c_{c}"] = pd.Series(vals, dtype=object).where(~miss, pd.NA)
    df["overall_grade"] = rng.choice([1, 2, 3, 4], size=len(df), p=[0.05, 0.35, 0.4, 0.2])
    mod = rng.random(len(df)) < 0.2
    df["moderated_grade"] = np.where(mod, np.clip(df.overall_grade + rng.choice([-1, 0, 0, 1], len(df)), 1, 4), -1)
    df["notes"] = "free text about the child"
    return df


def _ci(yes, den):
    lo, hi = proportion_confint(yes, den, alpha=0.05, method="wilson")
    return lo, hi


def _crit_counts(sub: pd.DataFrame, c: str) -> dict:
    s = sub[f"c_{c}"]
    yes = int((s == "Y").sum())
    no = int((s == "N").sum())
    na = int((s == "NA").sum())
    miss = int(s.isna().sum())
    return {"n_yes": yes, "n_no": no, "n_denominator": yes + no, "n_not_applicable": na,
            "n_missing": miss, "n_audits": len(sub)}


def results_tables(df: pd.DataFrame, samples=("initial", "extended", "reaudit"), previous: pd.DataFrame | None = None) -> dict:
    d = reference.districts()
    out = {}
    order = [s for s in ("initial", "extended", "reaudit", "annual") if s in samples]
    df = df[df["sample"].isin(order)]
    out["sample_summary"] = pd.DataFrame(
        [{"sample": s, "n_audits": int((df["sample"] == s).sum())} for s in order]
        + [{"sample": "Total", "n_audits": len(df)}])
    out["reconciliation"] = pd.DataFrame({"outcome": ["Accepted", "Rejected: district not recognised", "Total"],
                                          "n_records": [len(df), 2, len(df) + 2]})
    rows = []
    for s in order:
        sub = df[df["sample"] == s]
        for _, r in d.iterrows():
            rows.append({"sample": s, "area": r.area, "district": r.district,
                         "n_audits": int((sub.district == r.district).sum())})
        rows.append({"sample": s, "area": "Kent", "district": "Total", "n_audits": len(sub)})
    out["sample_by_district"] = pd.DataFrame(rows)
    main = df[df["sample"].isin(["initial", "extended", "annual"])]
    rows = []
    for c in CRITERIA:
        k = _crit_counts(main, c)
        lo, hi = _ci(k["n_yes"], k["n_denominator"])
        rows.append({"criterion": c, "criterion_label": f"Criterion {c}", **k,
                     "estimate": k["n_yes"] / k["n_denominator"], "conf_low": lo, "conf_high": hi,
                     "method": "wilson", "conf_level": 0.95})
    out["compliance_by_criterion"] = pd.DataFrame(rows)
    if "extended" in order:
        rows = []
        for c in CRITERIA:
            a = _crit_counts(df[df["sample"] == "initial"], c)
            b = _crit_counts(df[df["sample"] == "extended"], c)
            pa, pb = a["n_yes"] / a["n_denominator"], b["n_yes"] / b["n_denominator"]
            rows.append({"criterion": c, "n_yes_initial": a["n_yes"], "n_denominator_initial": a["n_denominator"],
                         "estimate_initial": pa, "n_yes_extended": b["n_yes"],
                         "n_denominator_extended": b["n_denominator"], "estimate_extended": pb,
                         "difference": pb - pa, "conf_low": pb - pa - 0.1, "conf_high": pb - pa + 0.1,
                         "p_value": 0.1, "p_adjusted": 0.4, "test": "two-proportion z test"})
        out["initial_vs_extended"] = pd.DataFrame(rows)  # Holm over the 4 criteria: 4 x 0.1
    if "reaudit" in order:
        ini = df[df["sample"] == "initial"].set_index("case_ref")
        re_ = df[df["sample"] == "reaudit"].set_index("case_ref")
        rows = []
        for c in CRITERIA:
            a, b = ini.loc[re_.index, f"c_{c}"], re_[f"c_{c}"]
            ok = a.isin(["Y", "N"]) & b.isin(["Y", "N"])
            a, b = a[ok], b[ok]
            cnt = {f"n_{x}_{y}": int(((a == X) & (b == Y)).sum())
                   for x, X in (("yes", "Y"), ("no", "N")) for y, Y in (("yes", "Y"), ("no", "N"))}
            n = int(ok.sum())
            diff = (cnt["n_no_yes"] - cnt["n_yes_no"]) / n if n else np.nan
            rows.append({"criterion": c, "n_pairs": n, **cnt, "difference": diff,
                         "conf_low": max(-1.0, diff - 0.1) if n else np.nan,
                         "conf_high": min(1.0, diff + 0.1) if n else np.nan,
                         "p_value": 0.5, "p_adjusted": 1.0, "test": "McNemar exact"})
        out["reaudit_paired"] = pd.DataFrame(rows)
    rows = []
    for c in CRITERIA:
        def row(sub, area, district, p=np.nan):
            k = _crit_counts(sub, c)
            est = k["n_yes"] / k["n_denominator"] if k["n_denominator"] else np.nan
            lo, hi = _ci(k["n_yes"], k["n_denominator"]) if k["n_denominator"] else (np.nan, np.nan)
            return {"criterion": c, "area": area, "district": district, "n_yes": k["n_yes"],
                    "n_denominator": k["n_denominator"], "estimate": est, "conf_low": lo, "conf_high": hi,
                    "funnel_band": "within", "p_adjusted": p}
        for area in sorted(d.area.unique()):
            for dist in d[d.area == area].district:
                rows.append(row(main[main.district == dist], area, dist))
            rows.append(row(main[main.area == area], area, "All districts", 0.2))
        rows.append(row(main, "Kent", "All districts"))
    out["compliance_by_district"] = pd.DataFrame(rows)
    rows = []
    for s in order:
        sub = df[df["sample"] == s]
        for g, lab in GRADES.items():
            n = int((sub.overall_grade == g).sum())
            rows.append({"sample": s, "grade": lab, "n_audits": n, "estimate": n / len(sub)})
        rows.append({"sample": s, "grade": "Total", "n_audits": len(sub), "estimate": 1.0})
    out["grades"] = pd.DataFrame(rows)
    m = df[df.moderated_grade > 0]
    out["auditor_agreement"] = pd.DataFrame([{
        "sample": "All samples", "n_moderated": len(m),
        "n_agreed": int((m.moderated_grade == m.overall_grade).sum()),
        "n_downgraded": int((m.moderated_grade > m.overall_grade).sum()),
        "n_upgraded": int((m.moderated_grade < m.overall_grade).sum()),
        "kappa": 0.61, "conf_low": 0.4, "conf_high": 0.8, "method": "linear"}])
    if previous is not None:
        pm = previous[previous["sample"].isin(["initial", "extended", "annual"])]
        rows, trend = [], []
        for c in CRITERIA:
            a, b = _crit_counts(pm, c), _crit_counts(main, c)
            rows.append({"criterion": c, "previous_cycle": "2009", "n_yes_previous": a["n_yes"], "n_denominator_previous": a["n_denominator"],
                         "estimate_previous": a["n_yes"] / a["n_denominator"], "n_yes": b["n_yes"],
                         "n_denominator": b["n_denominator"], "estimate": b["n_yes"] / b["n_denominator"],
                         "difference": 0.01, "conf_low": -0.1, "conf_high": 0.12, "p_value": 0.2,
                         "p_adjusted": 0.8})  # Holm over the 4 criteria: 4 x 0.2
            for cyc, k in (("2009", a), ("2010", b)):
                lo, hi = _ci(k["n_yes"], k["n_denominator"])
                trend.append({"criterion": c, "cycle": cyc, "n_yes": k["n_yes"], "n_denominator": k["n_denominator"],
                              "estimate": k["n_yes"] / k["n_denominator"], "conf_low": lo, "conf_high": hi})
        out["change_since_previous"] = pd.DataFrame(rows)
        out["trend"] = pd.DataFrame(trend)
    return out


# 1x1 transparent PNG
_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                     "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def write_fake_cycle(out_dir, *, seed=1, samples=("initial", "extended", "reaudit"), previous=False,
                     threshold=5, synthetic=True) -> dict:
    """Write results/, figures/, manifest.json and an audits CSV under ``out_dir``; return params."""
    out_dir = Path(out_dir)
    (out_dir / "results").mkdir(parents=True, exist_ok=True)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    df = fake_audits(seed)
    prev = fake_audits(seed + 100, cycle="2008") if previous else None
    for name, t in results_tables(df, samples, prev).items():
        save_table(t, name, out_dir / "results")
    (out_dir / "figures" / "funnel_compliance.png").write_bytes(_PNG)
    (out_dir / "figures" / "funnel_compliance.json").write_text(json.dumps({
        "alt": "Funnel plot of compliance by district: every district lies within the 99.8% limits.",
        "caption": "Compliance by district against the audit standard of 80%."}))
    (out_dir / "manifest.json").write_text(json.dumps({"packages": {"pandas": pd.__version__, "numpy": np.__version__},
                                                       "git_commit": "0" * 40}))
    audits = out_dir / "audits.csv"
    df.to_csv(audits, index=False)
    return {"cycle": "2010" if previous else "2009", "title": "Case-file audit: statistical appendix (test)",
            "synthetic": synthetic, "samples": list(samples),
            "inputs": {"audits": [str(audits)], "previous_audits": ["prev.csv"] if previous else []},
            "confidence_level": 0.95, "interval_method": "wilson", "adjust_method": "holm",
            "suppression_threshold": threshold, "target": 0.8, "funnel_method": "binomial-interpolated",
            "seed": 20090212, "output_dir": str(out_dir.parent)}
