"""The analyses behind each notebook: named results tables and figures.

Each public function takes the data of one QA cycle (:func:`load_cycle`) and
returns a :class:`Section`: a dict of tidy results tables (the names the
statistical appendix reads, see ``docs/results.md``) and a dict of figures.
Notebooks call these functions, display what they return and save it with
:meth:`Section.save`; they hold no logic of their own.

The functions only combine the validated statistics modules
(:mod:`kentaudit.proportions`, :mod:`kentaudit.compare`, :mod:`kentaudit.paired`,
:mod:`kentaudit.funnel`, ...); every number is computed there, and every
table keeps the method, test, confidence level and seed columns those modules
return.

Conventions
-----------
* ``estimate``, ``conf_low``, ``conf_high`` are proportions (0-1); the appendix
  scales them to percentages on publication.
* ``n_denominator`` = yes + no: not applicable and missing answers are
  counted beside it and excluded from it.
* The "main" audits of a cycle are the ``initial``, ``extended`` and
  ``annual`` samples: each case once. Re-audits are used only in the paired
  comparison, never counted twice.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import (agreement, association, casemix, charts, compare, funnel, ingest, multiplicity, notebook,
               ordinal, paired, releases, precision, proportions, reference, results, spc, survey, timeliness)
from .errors import KentauditError
from .params import MAIN_SAMPLES, RANDOM_SAMPLES, CycleParams, load_params

__all__ = ["CycleData", "Section", "load_cycle", "data_quality", "compliance_summary",
           "initial_vs_extended", "districts", "district_profile", "trends", "findings", "MAIN_SAMPLES",
           "TABLES", "FIGURES"]

#: samples in which each case is audited once (the re-audit repeats initial cases)
#: columns :attr:`CycleData.main` leaves out (with the ``*_date`` columns)
_NOT_IN_MAIN = ("audit_id", "team", "auditor", "moderator", "notes", "source_file", "source_row")
_ANSWERED = "yes / (yes + no)"


#: Every results table an analysis can save (each documented in docs/results.md).
TABLES = frozenset({
    "reconciliation", "reconciliation_by_file", "rejections_by_rule", "data_quality_counts",
    "sample_summary",
    "sample_by_district", "completeness", "timeliness_agreement", "auditor_agreement",
    "moderation_kappa", "auditor_grades", "compliance_by_criterion", "compliance_by_sample",
    "authority_estimate", "grades", "grade_distribution", "grade_collapsed", "initial_vs_extended",
    "reaudit_paired", "reaudit_mcnemar", "reaudit_grades", "reaudit_grade_table", "precision_gain",
    "sample_size", "grade_comparison", "funnel", "compliance_by_district", "district_tests",
    "district_vs_rest", "area_vs_rest", "casemix_lr", "casemix_odds_ratios", "funnel_programme",
    "profile", "profile_grades", "profile_grade_test", "trend", "trend_tests",
    "change_since_previous", "grade_trend", "grade_trend_tests", "p_chart", "xmr",
    "programme_counts", "programme_grades",
    # district_ranks section (kentaudit.district_ranks)
    "shrunken_by_district", "shrunken_by_area", "shrunken_headline", "shrunken_programme",
    "flag_operating_characteristics", "flag_oc_summary", "spc_operating_characteristics",
    # calibration section (kentaudit.calibration)
    "agreement_coefficients", "moderation_by_cycle", "moderation_p_chart", "moderation_run_chart",
    "auditor_leniency",
})
#: Every figure an analysis can save.
FIGURES = frozenset({"grades_by_sample", "initial_vs_extended_forest", "funnel_compliance",
                     "profile_forest", "trend_compliance", "xmr_compliance",
                     "caterpillar_compliance", "caterpillar_programme", "moderation_change_chart"})


@dataclass
class CycleData:
    """The validated audits of one QA cycle and of the cycles before it.

    Attributes
    ----------
    params : CycleParams
    audits : DataFrame
        Accepted audits of the cycle, restricted to ``params.samples``.
    previous : DataFrame
        Accepted audits of earlier cycles (``inputs.previous_audits``); may be empty.
    ingest, previous_ingest : IngestResult
        What ingest accepted and rejected, per file.
    criteria : DataFrame
        The criteria catalogue in use.
    districts : DataFrame
        Districts, areas and frame sizes in use.
    """

    params: CycleParams
    audits: pd.DataFrame
    previous: pd.DataFrame
    ingest: ingest.IngestResult
    previous_ingest: ingest.IngestResult | None
    criteria: pd.DataFrame
    districts: pd.DataFrame

    def describe(self):
        """What was read, for reading: a two-column table (setting, value) of the cycle,
        samples, audits, rejected records and the methods in use."""
        from .display import style_table
        P = self.params
        rows = [("Cycle", P.cycle), ("Title", P.title), ("Samples", ", ".join(P.samples)),
                ("Audits", f"{len(self.audits):,}"), ("Earlier cycles' audits", f"{len(self.previous):,}"),
                ("Records rejected", f"{int(self.ingest.reconciliation['rejected'].sum()):,}"),
                ("Synthetic data", "yes" if P.synthetic else "no"),
                ("Confidence level", f"{100 * P.confidence_level:g}%"),
                ("Interval method", P.interval_method), ("Adjustment", P.adjust_method),
                ("Headline criterion", self.labels.get(self.headline, self.headline))]
        return style_table(pd.DataFrame(rows, columns=["setting", "value"]), "cycle",
                           caption="What this notebook read")

    @property
    def main(self) -> pd.DataFrame:
        """Audits of the main samples (each case once), without the columns no
        analysis of them reads (free text, team, auditor, moderator, dates,
        identifiers other than ``case_ref``, source); the audits themselves when
        every audit is in a main sample. Not kept: each call selects afresh, so
        the copy lives only as long as the analysis using it."""
        keep = self.audits["sample"].isin(MAIN_SAMPLES)
        if keep.all():
            return self.audits
        cols = [c for c in self.audits.columns if c not in _NOT_IN_MAIN and not c.endswith("_date")]
        return self.audits.loc[keep, cols]

    @property
    def district_samples(self) -> list[str]:
        """The samples district comparisons use (the ``district_samples`` parameter).

        ``random`` (default): the main samples drawn at random within every district
        (``extended``, ``annual``) present in the cycle: the same design and record
        source in each district, so a district's figures do not depend on how many
        initial high-risk cases it had; if the cycle has none, every main sample.
        ``main``: every main sample pooled. Or the listed samples."""
        present = _present(self.audits["sample"])
        rule = self.params.district_samples
        if not isinstance(rule, str):
            return [s for s in rule if s in present]
        main = [s for s in MAIN_SAMPLES if s in present]
        rnd = [s for s in RANDOM_SAMPLES if s in present]
        return rnd or main if rule == "random" else main

    @property
    def district_samples_text(self) -> str:
        """The samples of the district comparisons in words, for tables and methods text."""
        used = self.district_samples
        left = [s for s in MAIN_SAMPLES if s in _present(self.audits["sample"]) and s not in used]
        text = " + ".join(used) if used else "none"
        return text + (f" (not {', '.join(left)}: sampled differently between districts)"
                       if left else "")

    @property
    def comparable(self) -> pd.DataFrame:
        """Audits of :attr:`district_samples`, with the columns :attr:`main` keeps: the
        audits every district comparison (funnels, tests, profiles, case-mix, shrunken
        estimates) reads."""
        m = self.main
        used = self.district_samples
        keep = m["sample"].isin(used)
        return m if keep.all() else m.loc[keep]

    @property
    def criterion_ids(self) -> list[str]:
        return list(self.criteria["id"])

    @property
    def labels(self) -> dict[str, str]:
        return dict(zip(self.criteria["id"], self.criteria["label"]))

    @property
    def headline(self) -> str:
        """The criterion shown in the headline figures (``params.headline_criterion``)."""
        return getattr(self.params, "headline_criterion", None) or self.criterion_ids[0]

    @property
    def target(self):
        t = self.params.target
        return "overall" if t == "overall" else float(t)


@dataclass
class Section:
    """Results tables and figures of one analysis.

    ``tables`` maps a results-table name (``docs/results.md``) to a tidy
    DataFrame; ``figures`` maps a figure id to a :class:`kentaudit.charts.Figure`.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)

    def save(self, results_dir, figures_dir=None, district: str | None = None) -> None:
        """Save every table (CSV + Parquet) and figure (PNG + SVG + alt text).

        With ``results_dir=None`` (exploring in JupyterLab) nothing is written.
        """
        if results_dir is None:
            return
        code = None
        if district is not None:
            d = reference.districts()
            name = reference.resolve_district(district, d)  # a name or code, any case
            code = dict(zip(d["district"], d["district_code"]))[name]
        for name, df in self.tables.items():
            results.save_table(df, name, results_dir, district=code)
        if figures_dir is not None:
            for fid, fig in self.figures.items():
                results.save_figure(fig, fid, figures_dir, district=code)


    def show(self, name: str, max_rows: int = 25):
        """The table ``name`` for reading, through :func:`kentaudit.display.style_table`:
        human headers, estimates with their intervals in one cell, p-values formatted,
        the method stated once in the caption, no index, tables longer than
        ``max_rows`` collapsed behind a summary.

        Rounding happens here, on display only; saved tables keep full precision.
        A table the cycle does not have gives a one-line explanation instead.
        """
        if name not in self.tables:
            if name in TABLES:
                return _Note(f"No table {name!r} for this cycle (its samples or earlier cycles are not there).")
            raise KentauditError(_unknown("table", name, self.tables, TABLES))
        from .display import style_table
        return style_table(self.tables[name], name, max_rows=max_rows)

    def figure(self, fid: str):
        """Display figure ``fid`` with its alt text and caption."""
        if fid not in self.figures:
            if fid in FIGURES:
                return _Note(f"No figure {fid!r} for this cycle.")
            raise KentauditError(_unknown("figure", fid, self.figures, FIGURES))
        results.show_figure(self.figures[fid])
        return None


class _Findings(list):
    """Main findings of a notebook, shown as a Markdown list at the top of its page."""

    def _repr_markdown_(self):
        if not self:
            return "*No findings for this notebook's tables.*"
        return "\n".join(f"- {f.text}" for f in self)


def findings(cd: CycleData, section: Section) -> _Findings:
    """The main findings of ``section`` in plain English (:func:`kentaudit.findings.section_findings`):
    every number is a cell of one of the section's tables or a count of its rows."""
    from .findings import section_findings
    P = cd.params
    return _Findings(section_findings(section.tables, headline=cd.headline, conf_level=P.confidence_level,
                                      adjust_method=P.adjust_method, criterion_words=cd.labels))


def _unknown(kind: str, name: str, here, known) -> str:
    """The message for a misspelt table or figure name: the valid names and the nearest."""
    import difflib

    near = difflib.get_close_matches(str(name), list(here) or list(known), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return (f"unknown {kind} {name!r}.{hint} This section's {kind}s are: "
            f"{', '.join(sorted(here)) or 'none'}.")


class _Note(str):
    """A plain-text message that displays as Markdown in a notebook."""

    def _repr_markdown_(self):
        return f"*{self}*"


def load_cycle(params: CycleParams | str | Path) -> CycleData:
    """Read and validate a cycle's audits (and earlier cycles' for trends).

    Rejected rows are kept in ``ingest.rejected`` and reported by
    :func:`data_quality`; analyses use accepted rows only.
    """
    # a relative path is found from the notebook's folder or the repository as well as the
    # current folder, so a notebook runs under papermill from anywhere
    P = params if isinstance(params, CycleParams) else load_params(notebook.resolve_params_file(params))
    kw = dict(synthetic=P.synthetic, criteria_file=P.inputs.criteria, districts_file=P.inputs.districts)
    # rows of another cycle in this cycle's exports are rejected (rule cycle_mismatch)
    cur = ingest.read_audits(list(P.inputs.audits), cycle=P.cycle, **kw)
    prev = ingest.read_audits(list(P.inputs.previous_audits), **kw) if P.inputs.previous_audits else None
    keep = cur.accepted["sample"].isin(P.samples)
    # all rows kept (the usual case): the same frame, not a copy of it
    audits = cur.accepted if keep.all() else cur.accepted[keep].reset_index(drop=True)
    previous = prev.accepted.reset_index(drop=True) if prev is not None else audits.iloc[0:0]
    return CycleData(P, audits, previous, cur, prev, reference.criteria(P.inputs.criteria),
                     reference.districts(P.inputs.districts))


# ----------------------------------------------------------------------------- helpers

def _criterion_columns(audits: pd.DataFrame, cd: CycleData) -> list[str]:
    """The ``c_<id>`` columns of the cycle's criteria present in ``audits``."""
    return [c for c in (f"c_{i}" for i in cd.criterion_ids) if c in audits.columns]


def _present(values: pd.Series) -> set:
    """The distinct non-missing values of a column (without one Python object per row)."""
    return set(values.dropna().unique())


def _counts(audits: pd.DataFrame, by=None, criteria=None) -> pd.DataFrame:
    c = proportions.criterion_counts(audits, by=by, criteria=criteria)
    return c


def _with_ci(counts: pd.DataFrame, P: CycleParams, population=None) -> pd.DataFrame:
    ci = proportions.proportion_ci(counts["n_yes"].to_numpy(), counts["n_denominator"].to_numpy(),
                                   method=P.interval_method, conf_level=P.confidence_level,
                                   population=population)
    out = counts.copy()
    out["estimate"] = ci["estimate"].to_numpy()
    out["conf_low"] = ci["conf_low"].to_numpy()
    out["conf_high"] = ci["conf_high"].to_numpy()
    out["method"] = P.interval_method
    out["conf_level"] = P.confidence_level
    out["denominator"] = _ANSWERED
    return out


def _label(df: pd.DataFrame, cd: CycleData, col: str = "criterion") -> pd.DataFrame:
    df = df.copy()
    ids = df[col].astype(str).str.replace(r"^c_", "", regex=True)
    df[col] = ids
    df.insert(df.columns.get_loc(col) + 1, "criterion_label", ids.map(cd.labels))
    return df


def _adjust(p, P: CycleParams, what: str) -> pd.DataFrame:
    """Adjust one family: the testable p-values given (missing ones are not tests).

    ``what`` names the family's members and comparison ("criteria, additional
    against initial cases"); the family text is "<m> <what>", m the number of
    testable (non-missing) p-values, as :data:`kentaudit.multiplicity.FAMILY_RULES`
    documents for each table.
    """
    p = np.asarray(p, dtype=float)
    m = int(np.sum(~np.isnan(p)))
    return multiplicity.adjust(p, method=P.adjust_method, family=f"{m} {what}")


_ADJUST_WORDS = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni"}


def _decision_text(P: CycleParams) -> str:
    """The decision forest plots colour by: the adjusted test the tables report."""
    return (f"significant ({_ADJUST_WORDS.get(P.adjust_method, P.adjust_method)}-adjusted "
            f"p < {1 - P.confidence_level:g})")


def _grade_label(cd: CycleData) -> dict[int, str]:
    labels = reference.grade_labels(cd.params.grade_scale)
    return {g: f"{g} {lab}" for g, lab in labels.items()}


def _notice_figure(title: str, reason: str):
    """A figure that says why the chart it stands for cannot be drawn (alt text and caption too)."""
    import matplotlib.pyplot as plt

    reason = reason[:1].upper() + reason[1:]
    with charts.house_style():
        fig, ax = plt.subplots(figsize=(7, 2.2))
        ax.axis("off")
        ax.set_title(title, loc="left")
        ax.text(0.0, 0.5, "\n".join(_wrap(reason, 80)), va="center", ha="left", fontsize=11,
                transform=ax.transAxes)
    return charts.Figure(fig, f"{title}. {reason}.", f"{title}: no chart. {reason}.", title, "notice")


def _wrap(text: str, width: int) -> list[str]:
    import textwrap
    return textwrap.wrap(text, width) or [""]


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
        :func:`kentaudit.timeliness.compare_timeliness`)
    auditor_agreement : sample, n_moderated, n_agreed, n_downgraded,
        n_upgraded, kappa, conf_low, conf_high, method (linear weights), conf_level
    moderation_kappa : every agreement statistic of
        :func:`kentaudit.agreement.moderation_agreement`, by sample and overall
    auditor_grades : per-auditor grade distribution (restricted: auditor codes)
    """
    P, ig = cd.params, cd.ingest
    rec = ig.reconciliation
    rej = ig.rejected
    first = rej.drop_duplicates(["file", "row"]) if len(rej) else rej
    rows = [{"outcome": "Accepted", "n_records": int(rec["accepted"].sum())}]
    for rule, n in first.groupby("rule").size().sort_index().items() if len(first) else []:
        rows.append({"outcome": f"Rejected: {rule}", "n_records": int(n)})
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
    order = [s for s in ("initial", "extended", "reaudit", "annual") if s in _present(a["sample"])]
    summary = pd.DataFrame([{"sample": s, "n_audits": int((a["sample"] == s).sum())} for s in order]
                           + [{"sample": "Total", "n_audits": len(a)}])
    rows = []
    for s in order:
        counts = a.loc[a["sample"] == s, "district"].value_counts()
        for _, r in cd.districts.iterrows():
            rows.append({"sample": s, "area": r["area"], "district": r["district"],
                         "n_audits": int(counts.get(r["district"], 0))})
        rows.append({"sample": s, "area": "Kent", "district": "Total", "n_audits": int(counts.sum())})
    by_district = pd.DataFrame(rows)

    comp = _counts(a, by="sample", criteria=cd.criterion_ids)
    comp["share_not_applicable"] = comp["n_not_applicable"] / comp["n_audits"]
    comp["share_missing"] = comp["n_missing"] / comp["n_audits"]
    comp = _label(comp[["criterion", "sample", "n_audits", "n_yes", "n_no", "n_denominator",
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
        ma = agreement.moderation_agreement(mod, conf_level=P.confidence_level)
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
    aud = agreement.auditor_grade_distribution(a, conf_level=P.confidence_level,
                                               method=P.interval_method)
    q = cd.ingest.quality or {}
    n_multi = len(q.get("cycles_by_file") or {})  # ingest lists only files with more than one cycle
    quality = pd.DataFrame([
        {"measure": "re-audits with no initial audit of the same case (kept, not paired)",
         "n_records": int(q.get("unpaired_reaudits", 0)), "rule": "unpaired_reaudit"},
        {"measure": "files holding audits of more than one cycle",
         "n_records": int(n_multi), "rule": "mixed_cycles"},
    ])
    return Section({"reconciliation": recon, "reconciliation_by_file": by_file,
                    "rejections_by_rule": by_rule, "data_quality_counts": quality,
                    "sample_summary": summary,
                    "sample_by_district": by_district, "completeness": comp,
                    "timeliness_agreement": timely, "auditor_agreement": agree,
                    "moderation_kappa": kappa, "auditor_grades": aud})


# ----------------------------------------------------------------------------- compliance

def compliance_summary(cd: CycleData) -> Section:
    """Compliance by criterion with intervals, the design-based estimate, and grades.

    Tables
    ------
    compliance_by_criterion : criterion, criterion_label, n_audits, n_yes, n_no,
        n_denominator, n_not_applicable, n_missing, estimate, conf_low, conf_high,
        method, conf_level, denominator - over the main samples.
    compliance_by_sample : the same by sample (re-audit included, as its own sample).
    authority_estimate : design-based authority-wide proportion per criterion.
        With an initial and an extended sample: the initial high-risk cases are
        a stratum taken in full in each district and the extended sample the
        random part (:func:`kentaudit.survey.authority_proportion`), covering
        the whole frame; an annual sample: stratified by district, weights
        N_h/n_h, FPC (:func:`kentaudit.survey.stratified_proportion`). Both
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
    by_crit = _label(_with_ci(_counts(main, criteria=cd.criterion_ids), P), cd)
    by_sample = _label(_with_ci(_counts(a, by="sample", criteria=cd.criterion_ids), P), cd)

    rep = "extended" if "extended" in _present(a["sample"]) else ("annual" if "annual" in _present(a["sample"]) else None)
    tables = {"compliance_by_criterion": by_crit, "compliance_by_sample": by_sample}
    if rep is not None:
        frame = cd.districts.set_index("district")["children_on_plans"].astype(float)
        if rep == "extended":
            # the design: the initial (high-risk) cases a stratum taken in full, the extended
            # sample random from the rest of each district's frame - the whole frame covered
            sub = a.loc[a["sample"].isin(["initial", "extended"]),
                        ["sample", "district", *_criterion_columns(a, cd)]]
            est = survey.authority_proportion(sub, frame.to_dict(), criteria=cd.criterion_ids,
                                              method="logit", conf_level=P.confidence_level)
            rep = "initial + extended"
        else:
            sub = a.loc[a["sample"] == rep, ["district", *_criterion_columns(a, cd)]]
            frame = frame[frame.index.isin(sub["district"].unique())]
            est = survey.stratified_proportion(sub, strata="district", population=frame.to_dict(),
                                               criteria=cd.criterion_ids, method="logit",
                                               conf_level=P.confidence_level)
        est.insert(1, "sample", rep)
        tables["authority_estimate"] = _label(est, cd)

    labels = _grade_label(cd)
    order = [s for s in ("initial", "extended", "reaudit", "annual") if s in _present(a["sample"])]
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
        a, by="sample", conf_level=P.confidence_level, method=P.interval_method)
    gplot = tables["grades"][tables["grades"]["grade"] != "Total"].copy()
    gplot["grade_num"] = gplot["grade"].str.slice(0, 1).astype(int)
    fig = charts.plot_grade_distribution(gplot, group="sample", grade="grade_num", count="n_audits",
                                         labels=reference.grade_labels(P.grade_scale),
                                         title=f"Overall grades by sample, {P.cycle}")
    return Section(tables, {"grades_by_sample": fig})


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
        Only the **additional** cases (``sample == "extended"``) are compared
        with the initial cases: the full extended sample contains the initial one.
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
    present = _present(a["sample"])
    tables, figures = {}, {}
    if {"initial", "extended"} <= present:
        cmp_ = compare.compare_samples(a, a="extended", b="initial", criteria=cd.criterion_ids,
                                       conf_level=P.confidence_level)
        adj = _adjust(cmp_["p_value"], P, "criteria, additional against initial cases")
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
        tables["initial_vs_extended"] = _label(t, cd)
        alpha = 1 - P.confidence_level
        forest = tables["initial_vs_extended"].assign(label=lambda d: d["criterion_label"],
                                                      estimate=lambda d: d["difference"],
                                                      significant=lambda d: d["p_adjusted"] < alpha)
        figures["initial_vs_extended_forest"] = charts.plot_forest(
            forest, title="Additional cases minus initial cases: compliance by criterion",
            method="Newcombe hybrid score", conf_level=P.confidence_level, subject="criteria",
            decision="significant", decision_text=_decision_text(P))

        crit_cols = _criterion_columns(a, cd)
        ini_c = proportions.criterion_counts(a.loc[a["sample"] == "initial", crit_cols],
                                             criteria=cd.criterion_ids)
        ext_c = proportions.criterion_counts(a.loc[a["sample"].isin(["initial", "extended"]), crit_cols],
                                             criteria=cd.criterion_ids)
        widths = precision.interval_widths(ini_c, ext_c, method=P.interval_method,
                                           conf_level=P.confidence_level)
        # "after" under the design (the initial cases taken in full, the extended sample
        # random): the authority-wide interval of authority_estimate, not initial +
        # additional pooled as if one simple random sample
        frame = cd.districts.set_index("district")["children_on_plans"].astype(float).to_dict()
        design = survey.authority_proportion(
            a.loc[a["sample"].isin(["initial", "extended"]), ["sample", "district", *crit_cols]],
            frame, criteria=cd.criterion_ids, method="logit",
            conf_level=P.confidence_level).set_index("criterion").reindex(widths["criterion"])
        widths["n_denominator_after"] = design["n_denominator"].astype("Int64").array
        widths["estimate_after"] = design["estimate"].to_numpy()
        widths["conf_low_after"] = design["conf_low"].to_numpy()
        widths["conf_high_after"] = design["conf_high"].to_numpy()
        widths["width_after"] = widths["conf_high_after"] - widths["conf_low_after"]
        with np.errstate(divide="ignore", invalid="ignore"):
            widths["width_ratio"] = np.where(widths["width_before"] > 0,
                                             widths["width_after"] / widths["width_before"], np.nan)
        widths["method"] = (f"before: {P.interval_method}, the initial cases alone; after: logit, "
                            "design-based (survey.authority_proportion)")
        widths["design_after"] = survey.AUTHORITY_DESIGN
        tables["precision_gain"] = _label(widths, cd)
        ga = a.loc[a["sample"] == "initial", ["overall_grade", "cycle"]]
        gb = a.loc[a["sample"] == "extended", ["overall_grade", "cycle"]]
        tables["grade_comparison"] = ordinal.compare_grades(ga, gb, conf_level=P.confidence_level,
                                                            names=("initial", "extended"))
    if {"initial", "reaudit"} <= present:
        pb = paired.paired_binary(a, first="initial", second="reaudit", criteria=cd.criterion_ids,
                                  conf_level=P.confidence_level)
        exact = pb[pb["test"] == "mcnemar-exact"].reset_index(drop=True)
        adj = _adjust(exact["p_value"], P, "criteria, re-audit against initial audit")
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
        tables["reaudit_paired"] = _label(t, cd)
        tables["reaudit_mcnemar"] = _label(pb, cd)
        tables["reaudit_grades"] = paired.paired_grades(a, first="initial", second="reaudit")
        square = paired.paired_grade_table(a, first="initial", second="reaudit")
        tables["reaudit_grade_table"] = pd.DataFrame(
            [{"initial_grade": int(i), "reaudit_grade": int(j), "n_pairs": int(square.loc[i, j])}
             for i in square.index for j in square.columns])
    rows = []
    for margin in (0.05, 0.10):
        # one row per district plus the authority-wide row ("Kent (all districts)")
        # the design: the initial cases (if any) are taken in full, the rest sampled at random
        certainty = (a.loc[a["sample"] == "initial", "district"].astype(str).value_counts()
                     if {"initial", "extended"} <= present else None)
        per = precision.sample_size_by_district(margin=margin, conf_level=P.confidence_level,
                                                districts=cd.districts, certainty=certainty)
        rows.append(per)
    tables["sample_size"] = pd.concat(rows, ignore_index=True)
    return Section(tables, figures)


# ----------------------------------------------------------------------------- districts

def _funnels(cd: CycleData, audits: pd.DataFrame) -> pd.DataFrame:
    P = cd.params
    counts = proportions.criterion_counts(audits, by="district", criteria=cd.criterion_ids)
    parts = []
    for crit, sub in counts.groupby("criterion", sort=False):
        answered = sub[sub["n_denominator"] > 0]
        if len(answered) < 2:
            reason = ("not testable: the criterion never applied (no yes/no answer in any district)"
                      if len(answered) == 0 else
                      "not testable: fewer than two districts have yes/no answers, so there is "
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


def districts(cd: CycleData) -> Section:
    """Districts and areas compared fairly: funnels, tests and a case-mix model.

    Tables
    ------
    funnel : per criterion and district, the proportion, z-score, limits at
        95% and 99.8%, flags, and the overdispersion result (phi, its p-value,
        tau-squared, whether limits were adjusted) - :func:`kentaudit.funnel.funnel_table`.
    compliance_by_district : criterion, area, district, n_yes, n_denominator,
        estimate, conf_low, conf_high, funnel_band (99.8% flag), p_adjusted (the
        district, or the area, against the rest of Kent), adjust_method.
        Rows ``district == "All districts"`` are areas; ``area == "Kent"`` the authority.
    district_tests : chi-square (or exact/Monte Carlo when sparse, seed
        recorded) of independence of compliance and district, and of area,
        per criterion, with Cramer's V and adjusted p-values across criteria.
    district_vs_rest, area_vs_rest : each district (area) against the rest of
        Kent, per criterion, raw and adjusted p-values side by side.
    casemix_lr : likelihood-ratio test for district after case-mix
        adjustment (case status, age band, risk flags), per criterion.
    casemix_odds_ratios : odds ratios for the headline criterion.
    funnel_programme : the funnel table on the annual cycles pooled (this
        cycle and the earlier ones), when earlier cycles are given: with about
        25 files per district a year, only pooling detects moderate differences.

    Figures
    -------
    funnel_compliance : funnel plot of the headline criterion;
    funnel_<criterion> : funnel plot of each other criterion where a district
        lies outside the 99.8% limits.
    """
    P, main = cd.params, cd.comparable
    ft = _funnels(cd, main)
    ft["criterion"] = ft["criterion"].astype(str)
    tables = {"funnel": _label(ft, cd)}
    flag = ft.set_index(["criterion", "district"])["flag_99_8"]

    dvr = association.one_vs_rest(main, criteria=cd.criterion_ids, group="district",
                                  conf_level=P.confidence_level, adjust_method=P.adjust_method)
    avr = association.one_vs_rest(main, criteria=cd.criterion_ids, group="area",
                                  conf_level=P.confidence_level, adjust_method=P.adjust_method)
    tables["district_vs_rest"] = _label(dvr, cd)
    tables["area_vs_rest"] = _label(avr, cd)
    padj_d = dvr.assign(criterion=dvr["criterion"].str.replace(r"^c_", "", regex=True)).set_index(["criterion", "level"])["p_adjusted"]
    padj_a = avr.assign(criterion=avr["criterion"].str.replace(r"^c_", "", regex=True)).set_index(["criterion", "level"])["p_adjusted"]

    rows = []
    area_of = dict(zip(cd.districts["district"], cd.districts["area"]))
    cnt_d = _counts(main, by="district", criteria=cd.criterion_ids).set_index(["criterion", "district"])
    cnt_a = _counts(main, by="area", criteria=cd.criterion_ids).set_index(["criterion", "area"])
    cnt_k = _counts(main, criteria=cd.criterion_ids).set_index("criterion")
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
            rows.append({"criterion": crit, "area": area, "district": "All districts",
                         "n_yes": int(k["n_yes"]) if k is not None else 0,
                         "n_denominator": int(k["n_denominator"]) if k is not None else 0,
                         "funnel_band": "not assessed", "p_adjusted": padj_a.get((crit, area), np.nan)})
        k = cnt_k.loc[crit]
        rows.append({"criterion": crit, "area": "Kent", "district": "All districts",
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
    tables["compliance_by_district"] = _label(cbd, cd)

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
        adj = _adjust(dt.loc[idx, "p_value"], P, f"criteria, compliance by {group}")
        dt.loc[idx, "p_adjusted"] = adj["p_adjusted"].to_numpy()
        dt.loc[idx, "family"] = adj["family"].to_numpy()
    dt["adjust_method"] = P.adjust_method
    tables["district_tests"] = _label(dt, cd)

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
        adj = _adjust(lrt["p_value"], P, "criteria, district after case-mix adjustment")
        lrt["p_adjusted"], lrt["adjust_method"], lrt["family"] = (
            adj["p_adjusted"].to_numpy(), P.adjust_method, adj["family"].to_numpy())
        tables["casemix_lr"] = _label(lrt, cd)
        try:
            ors = casemix.casemix_odds_ratios(main, f"c_{cd.headline}", covariates=covariates,
                                              conf_level=P.confidence_level)
        except KentauditError as e:  # e.g. the headline criterion never applied: say so
            ors = pd.DataFrame([{"term": "", "criterion": f"c_{cd.headline}",
                                 "note": f"not testable: {e}"}])
        tables["casemix_odds_ratios"] = _label(ors, cd)

    prev = cd.previous
    if len(prev) and "annual" in _present(cd.audits["sample"]):
        # The programme to date: annual cycles pooled. With ~25 files per district a
        # year a single cycle detects only large differences; pooling the cycles
        # gives each district ~100 files (docs/synthetic-data.md shows the effect).
        pooled = pd.concat([prev[prev["sample"] == "annual"], cd.audits[cd.audits["sample"] == "annual"]],
                           ignore_index=True)
        fp = _funnels(cd, pooled)
        fp.insert(1, "cycles", ", ".join(sorted(pooled["cycle"].astype(str).unique())))
        tables["funnel_programme"] = _label(fp, cd)

    # Drawing and saving a chart costs about 0.6 s, so beyond the headline criterion
    # only the criteria where some district lies outside the 99.8% limits get a
    # figure; the funnel table holds every criterion's limits and flags.
    figures = {}
    for crit, sub in ft.groupby("criterion", sort=False):
        if (sub["flag_99_8"] == "not testable").all():
            if crit == cd.headline:
                figures["funnel_compliance"] = _notice_figure(
                    f"{cd.labels.get(crit, crit)}: funnel plot", sub["note"].iloc[0])
            continue
        if crit == cd.headline:
            figures["funnel_compliance"] = charts.plot_funnel(sub, measure=cd.labels.get(crit, crit),
                                                              unit="district", unit_label="district")
        elif (sub["flag_99_8"].isin(["above", "below"])).any():
            figures[f"funnel_{crit}"] = charts.plot_funnel(sub, measure=cd.labels.get(crit, crit),
                                                           unit="district", unit_label="district")
    note_district_samples(tables, cd, programme=("funnel_programme",))
    return Section(tables, figures)


def note_district_samples(tables: dict, cd: CycleData, programme=()) -> None:
    """Give every district-comparison table a ``samples`` column: the samples it reads
    (:attr:`CycleData.district_samples`, ``annual`` for the ``programme`` tables of the
    annual cycles pooled), so no table is read without its part of the sample design."""
    used = " + ".join(cd.district_samples)
    for name, t in tables.items():
        if "samples" not in t.columns:
            t["samples"] = "annual" if name in programme else used


# ----------------------------------------------------------------------------- one district

def _vs_rest_family(main: pd.DataFrame, cd: CycleData, P: CycleParams) -> pd.DataFrame:
    """Every district against the rest, per criterion, adjusted within the criterion.

    Returns a frame indexed by (criterion, district) with ``p_value``,
    ``p_adjusted`` and ``family``: the numbers :func:`association.one_vs_rest`
    gives in ``district_vs_rest`` (same test policy, same family), so a district
    profile adjusts each p-value exactly as the districts table does.
    """
    ids = cd.criterion_ids
    c = _counts(main[["district", *_criterion_columns(main, cd)]], by="district", criteria=ids)
    parts = []
    for crit, g in c.groupby("criterion", sort=False):
        x1, n1 = g["n_yes"].to_numpy(int), g["n_denominator"].to_numpy(int)
        r = compare.compare_independent(x1, n1, x1.sum() - x1, n1.sum() - n1,
                                        conf_level=P.confidence_level)
        p = r["p_value"].to_numpy(float)
        m = int(np.sum(~np.isnan(p)))
        adj = multiplicity.adjust(p, method=P.adjust_method,
                                  family=f"{m} districts x 1 criterion (c_{crit}), each against the rest")
        parts.append(pd.DataFrame({"criterion": crit, "district": g["district"].astype(str).to_numpy(),
                                   "p_value": p, "p_adjusted": adj["p_adjusted"].to_numpy(),
                                   "family": adj["family"].to_numpy()}))
    return pd.concat(parts, ignore_index=True).set_index(["criterion", "district"])


def district_profile(cd: CycleData, district: str) -> Section:
    """One district against the rest of Kent and against its previous cycle.

    Tables (saved with the district code appended: ``profile__THA``)
    ------
    profile : criterion, criterion_label, n_yes, n_denominator, estimate,
        conf_low, conf_high (the district), estimate_rest, difference (district minus
        rest of Kent), difference_conf_low, difference_conf_high (Newcombe hybrid score), test,
        p_value, p_adjusted (across the criteria), estimate_previous,
        change (this cycle minus the previous one, for the district),
        change_conf_low, change_conf_high, change_p_value.
    profile_grades : grade distribution of the district and of the rest.
    profile_grade_test : rank-sum and proportional-odds comparison of grades.

    Figures
    -------
    profile_forest : differences from the rest of Kent with intervals.
    """
    P, main = cd.params, cd.comparable
    # a name or a code in any case ("THA", "thanet"), as ingest and the runner accept
    district = reference.resolve_district(district, cd.districts)
    ids = cd.criterion_ids
    # counted once by district, then split: no copy of the audits per district
    by_d = _counts(main.assign(_in=main["district"] == district)[["_in", *_criterion_columns(main, cd)]],
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
        pv = prev[(prev["cycle"].astype(str) == last) & prev["sample"].isin(MAIN_SAMPLES)
                  & (prev["district"] == district)]
        pc = _counts(pv, criteria=ids).set_index("criterion").reindex(ids)
        xp, np_ = pc["n_yes"].fillna(0).to_numpy(int), pc["n_denominator"].fillna(0).to_numpy(int)
        ch = compare.compare_independent(x1, n1, xp, np_, conf_level=P.confidence_level)
        prof["previous_cycle"] = last
        prof["n_yes_previous"], prof["n_denominator_previous"] = xp, np_
        prof["estimate_previous"] = ch["estimate_b"].to_numpy()
        prof["change"] = ch["difference"].to_numpy()
        prof["change_conf_low"], prof["change_conf_high"] = ch["conf_low"].to_numpy(), ch["conf_high"].to_numpy()
        prof["change_test"], prof["change_p_value"] = ch["test"].to_numpy(), ch["p_value"].to_numpy()
    prof = _label(prof, cd)
    is_d = np.asarray(main["district"] == district, dtype=bool)
    groups = sorted([district, "Rest of Kent"])  # the order of the groups as text
    grouped = main[["overall_grade", "cycle"]].assign(group=pd.Categorical.from_codes(
        np.where(is_d, groups.index(district), groups.index("Rest of Kent")), categories=groups))
    grades = ordinal.grade_distribution(grouped, by="group", conf_level=P.confidence_level,
                                        method=P.interval_method, scale=P.grade_scale)
    gtest = ordinal.compare_grades(grouped[grouped["group"] == "Rest of Kent"],
                                   grouped[grouped["group"] == district],
                                   conf_level=P.confidence_level, names=("Rest of Kent", district))
    alpha = 1 - P.confidence_level
    forest = prof.assign(label=prof["criterion_label"], conf_low=prof["difference_conf_low"],
                         conf_high=prof["difference_conf_high"], estimate=prof["difference"],
                         significant=prof["p_adjusted"] < alpha)
    title = f"{district} minus the rest of Kent: compliance by criterion"
    if forest["estimate"].notna().any():
        fig = charts.plot_forest(forest, title=title, method="Newcombe hybrid score",
                                 conf_level=P.confidence_level, subject="criteria",
                                 decision="significant", decision_text=_decision_text(P))
    else:
        fig = _notice_figure(title, f"not testable: {district} has no audit with a yes/no answer "
                                    f"in the samples compared between districts ({cd.district_samples_text}), "
                                    "so there is nothing to compare")
    tables = {"profile": prof, "profile_grades": grades, "profile_grade_test": gtest}
    note_district_samples(tables, cd)
    return Section(tables, {"profile_forest": fig})


# ----------------------------------------------------------------------------- trends

def trends(cd: CycleData) -> Section:
    """Change since the previous cycle, trend over the programme, control charts.

    Tables
    ------
    trend : criterion, criterion_label, cycle, n_yes, n_denominator,
        estimate, conf_low, conf_high, method, conf_level (every cycle, main samples).
    trend_tests : Cochran-Armitage trend test over ordered cycles per
        criterion (as R ``prop.trend.test``), raw and adjusted p-values.
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
        grades, by cycle, sample and district (:mod:`kentaudit.releases`): what the
        appendix models the earlier cycles' appendices from.

    Figures
    -------
    trend_compliance : p-chart of the headline criterion;
    xmr_compliance : XmR chart of the headline criterion.
    """
    P = cd.params
    allm = pd.concat([cd.previous, cd.audits], ignore_index=True)
    allm = allm[allm["sample"].isin(MAIN_SAMPLES)].copy()
    allm["cycle"] = allm["cycle"].astype(str)
    cycles = sorted(allm["cycle"].unique())
    tr = _label(_with_ci(_counts(allm, by="cycle", criteria=cd.criterion_ids), P), cd)
    tables = {"trend": tr[["criterion", "criterion_label", "cycle", "n_yes", "n_denominator", "n_not_applicable",
                           "n_missing", "estimate", "conf_low", "conf_high", "method", "conf_level", "denominator"]]}
    tests = []
    for crit, sub in tr.groupby("criterion", sort=False):
        sub = sub.sort_values("cycle")
        if len(sub) >= 2 and (sub["n_denominator"] > 0).all():
            t = ordinal.trend_test(sub["n_yes"].to_numpy(), sub["n_denominator"].to_numpy(),
                                   scores=[int(c) for c in sub["cycle"]], labels=list(sub["cycle"]))
            t.insert(0, "criterion", crit)
            tests.append(t)
    if tests:
        tt = pd.concat(tests, ignore_index=True)
        adj = _adjust(tt["p_value"], P, f"criteria, trend over cycles {', '.join(cycles)}")
        tt["p_adjusted"], tt["adjust_method"], tt["family"] = adj["p_adjusted"].to_numpy(), P.adjust_method, adj["family"].to_numpy()
        tables["trend_tests"] = tt

    if len(cycles) >= 2:
        cur, prev = cycles[-1], cycles[-2]
        c1 = _counts(allm[allm["cycle"] == cur], criteria=cd.criterion_ids).set_index("criterion")
        c0 = _counts(allm[allm["cycle"] == prev], criteria=cd.criterion_ids).set_index("criterion")
        ids = cd.criterion_ids
        c1, c0 = c1.reindex(ids).fillna(0), c0.reindex(ids).fillna(0)
        ch = compare.compare_independent(c1["n_yes"].to_numpy(int), c1["n_denominator"].to_numpy(int),
                                         c0["n_yes"].to_numpy(int), c0["n_denominator"].to_numpy(int),
                                         conf_level=P.confidence_level)
        adj = _adjust(ch["p_value"], P, f"criteria, {cur} against {prev}")
        tables["change_since_previous"] = _label(pd.DataFrame({
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
    # cycles' appendices from them (kentaudit.releases), so its protection covers them
    every = pd.concat([cd.previous, cd.audits], ignore_index=True)
    tables["programme_counts"] = releases.programme_counts(every, cd.criterion_ids, cd.districts)
    tables["programme_grades"] = releases.programme_grades(every, cd.districts)

    gc = ordinal.collapse_grades(allm, by="cycle", conf_level=P.confidence_level, method=P.interval_method)
    tables["grade_trend"] = gc
    gt = []
    for col, sub in gc.groupby("collapse", sort=False):
        sub = sub.sort_values("cycle")
        if len(sub) >= 2:
            t = ordinal.trend_test(sub["n"].to_numpy(), sub["n_graded"].to_numpy(),
                                   scores=[int(c) for c in sub["cycle"]], labels=list(sub["cycle"]))
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
    return Section(tables, figures)
