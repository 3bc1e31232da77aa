"""What an analysis returns: named results tables and figures (:class:`Section`), the
registry of every table and figure name, and a notebook's main findings in words.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from kentaudit.analysis.cycle import CycleData
from kentaudit.core.errors import KentauditError
from kentaudit.inputs import actions as register_io, reference
from kentaudit.inputs.profile import Words, bundled_profile
from kentaudit.publication.findings import main_findings, profile_findings, reconciliation_findings
from kentaudit.publication.spec import build_tables, load_spec
from kentaudit.report import results
from kentaudit.report.tables import in_words, style_table, table_title

__all__ = ["Section", "TABLES", "FIGURES", "findings", "section_findings", "Findings", "Note",
           "unknown_name"]


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
    # district_ranks section (kentaudit.analysis.ranking)
    "shrunken_by_district", "shrunken_by_area", "shrunken_headline", "shrunken_programme",
    "flag_operating_characteristics", "flag_oc_summary", "spc_operating_characteristics",
    # calibration section (kentaudit.analysis.calibration)
    "agreement_coefficients", "moderation_by_cycle", "moderation_p_chart", "moderation_run_chart",
    "auditor_leniency",
    # actions section (kentaudit.analysis.actions)
    "action_register", "action_effects", "action_effects_by_cycle",
})
#: Tables and figures over several cycles: a one-off review (no earlier cycles) has none
OVER_CYCLES = frozenset({
    "funnel_programme", "shrunken_programme", "caterpillar_programme", "trend", "trend_tests",
    "change_since_previous", "grade_trend", "grade_trend_tests", "p_chart", "xmr",
    "programme_counts", "programme_grades", "trend_compliance", "xmr_compliance",
    "moderation_by_cycle", "moderation_p_chart", "moderation_run_chart", "moderation_change_chart",
    "action_effects_by_cycle"})
#: what a figure shows, in words (the line a notebook shows when a cycle has not got it)
FIGURE_TITLES = {
    "grades_by_sample": "Overall grades by sample", "initial_vs_extended_forest":
    "Compliance of the initial and extended samples", "funnel_compliance":
    "Funnel plot of the headline criterion", "profile_forest": "{Unit} against the {rest}",
    "trend_compliance": "Compliance over the cycles", "xmr_compliance": "Control chart of compliance",
    "caterpillar_compliance": "Shrunken estimates by {unit}",
    "caterpillar_programme": "Shrunken estimates by {unit}, cycles pooled",
    "moderation_change_chart": "Moderators' changes over the cycles"}
#: Every figure an analysis can save.
FIGURES = frozenset({"grades_by_sample", "initial_vs_extended_forest", "funnel_compliance",
                     "profile_forest", "trend_compliance", "xmr_compliance",
                     "caterpillar_compliance", "caterpillar_programme", "moderation_change_chart"})


@dataclass
class Section:
    """Results tables and figures of one analysis.

    ``tables`` maps a results-table name (``docs/results.md``) to a tidy
    DataFrame; ``figures`` maps a figure id to a :class:`kentaudit.report.charts.Figure`;
    ``words`` are the authority's words its tables are shown in and ``units`` the cycle's
    units table (its profile's: :meth:`save` finds a unit's code there), both from the
    cycle (:meth:`of`); None: the bundled example profile's. ``one_off`` says the cycle has
    no earlier cycles (so a table over cycles is not produced, and :meth:`show` says so in one
    line) and ``labels`` maps criterion ids to the words :meth:`show` reads them in.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)
    words: Words | None = None
    units: pd.DataFrame | None = None
    one_off: bool = False
    labels: dict | None = None
    levels: dict | None = None
    #: ``{table or figure name: why this cycle does not have it, in words}``, where the section
    #: knows better than "the samples it needs are not in this cycle" (no sample ``extends:``
    #: another in the profile)
    reasons: dict = field(default_factory=dict)

    @classmethod
    def of(cls, cd: CycleData, tables: dict, figures: dict) -> Section:
        """A section of cycle ``cd``: shown in its profile's words, saved with its units table;
        ``one_off`` when the cycle has no earlier cycles (what a table over cycles needs)."""
        previous = getattr(cd, "previous", None)
        return cls(tables, figures, words=getattr(cd.params, "words", None), units=cd.districts,
                   one_off=previous is not None and len(previous) == 0,
                   labels=dict(getattr(cd, "labels", None) or {}) or None,
                   levels=level_labels(getattr(cd.params, "profile", None)))

    def _absent(self, what: str, name: str) -> Note:
        """One line saying, in words, why table or figure ``name`` is not in this cycle."""
        title = (table_title(name, self.words) if what == "table"
                 else in_words(FIGURE_TITLES.get(name, name.replace("_", " ").capitalize()), self.words))
        if name in self.reasons:
            why = self.reasons[name]
        elif name in OVER_CYCLES and self.one_off:
            why = "there are no earlier cycles to compare this one with or pool it with"
        elif name in OVER_CYCLES:
            why = "it needs earlier cycles audited the same way (the same random sample)"
        else:
            why = "the samples it needs are not in this cycle"
        return Note(f"{title}: not produced for this cycle, because {why}.")

    def save(self, results_dir, figures_dir=None, district: str | None = None) -> None:
        """Save every table (CSV + Parquet) and figure (PNG + SVG + alt text).

        With ``results_dir=None`` (exploring in JupyterLab) nothing is written.
        """
        if results_dir is None:
            return
        code = None
        # the cycle's units table (its profile's); the bundled one only for a section made
        # without a cycle
        d = self.units if self.units is not None else reference.districts()
        if district is not None:
            name = reference.resolve_district(district, d)  # a name or code, any case
            code = dict(zip(d["district"], d["district_code"]))[name]
        for name, df in self.tables.items():
            results.save_table(df, name, results_dir, district=code, units=d)
        if figures_dir is not None:
            for fid, fig in self.figures.items():
                results.save_figure(fig, fid, figures_dir, district=code, units=d)


    def show(self, name: str, max_rows: int = 25):
        """The table ``name`` for reading, through :func:`kentaudit.report.tables.style_table`:
        human headers, estimates with their intervals in one cell, p-values formatted,
        the method stated once in the caption, no index, tables longer than
        ``max_rows`` collapsed behind a summary.

        Rounding happens here, on display only; saved tables keep full precision.
        A table the cycle does not have gives a one-line explanation instead.
        """
        if name not in self.tables:
            if name in TABLES:
                return self._absent("table", name)
            raise KentauditError(unknown_name("table", name, self.tables, TABLES))
        df = self.tables[name]
        if self.labels and "criterion" in df.columns and "criterion_label" not in df.columns:
            # a table saved with criterion codes only (trend tests, control charts) is read
            # with the criterion's label, as every other table is (the saved table is unchanged)
            df = df.copy()
            codes = df["criterion"].astype(str).str.replace(r"^c_", "", regex=True)
            df.insert(df.columns.get_loc("criterion") + 1, "criterion_label",
                      codes.map(self.labels).fillna(df["criterion"]))
        df = self._codes_in_words(df)
        return style_table(df, name, max_rows=max_rows, words=self.words, levels=self.levels)

    def _codes_in_words(self, df: pd.DataFrame) -> pd.DataFrame:
        """The action register's codes as a reader reads them, on display only: ``criteria``
        by their labels, ``units`` by their names ("every <unit>" for all), ``finding`` as the
        table, criterion and unit it came from ("compliance_by_district:chronology:THA" was shown
        as it is stored; review 25 finding 15). The saved table keeps its codes."""
        if not {"criteria", "units", "finding"} & set(df.columns):
            return df
        w = self.words or bundled_profile().words
        d = self.units if self.units is not None else reference.districts()
        names = dict(zip(d["district_code"].astype(str), d["district"].astype(str)))
        labels = self.labels or {}

        def unit(code: str) -> str:
            return f"every {w.unit}" if code == register_io.ALL_UNITS else names.get(code, code)

        def crit(code: str) -> str:
            return labels.get(code, code)

        def listed(text, fn) -> str:
            if pd.isna(text) or str(text) == "":
                return text
            return "; ".join(fn(p.strip()) for p in str(text).split(";"))

        def finding(text):
            parts = str(text).split(":") if not pd.isna(text) else []
            if len(parts) != 3:
                return text
            table, c, u = parts
            return f"{table_title(table, self.words)}: {crit(c)}, {unit(u)}"

        df = df.copy()
        if "criteria" in df.columns:
            df["criteria"] = df["criteria"].map(lambda v: listed(v, crit))
        if "units" in df.columns:
            df["units"] = df["units"].map(lambda v: listed(v, unit))
        if "finding" in df.columns:
            df["finding"] = df["finding"].map(finding)
        return df

    def figure(self, fid: str):
        """Display figure ``fid`` with its alt text and caption."""
        if fid not in self.figures:
            if fid in FIGURES:
                return self._absent("figure", fid)
            raise KentauditError(unknown_name("figure", fid, self.figures, FIGURES))
        results.show_figure(self.figures[fid])
        return None


def level_labels(profile) -> dict | None:
    """``{(variable, code): label}`` of the levels a case-mix model's terms name, from the
    authority's profile: case types (``case_status``), age bands (``age_band``) and samples
    (``sample``); None without a profile."""
    if profile is None:
        return None
    out = {("case_status", k): v for k, v in (profile.case_types or {}).items()}
    out.update({("age_band", b.code): b.label for b in profile.age_bands or ()})
    out[("age_band", "not_recorded")] = "Not recorded"  # a blank age (kentaudit.inputs.schema.AGE_NOT_RECORDED)
    out.update({("sample", x.name): x.label or x.name for x in profile.samples or ()})
    return out


class Findings(list):
    """Main findings of a notebook, shown as a Markdown list at the top of its page."""

    def _repr_markdown_(self):
        if not self:
            return "*No findings for this notebook's tables.*"
        return "\n".join(f"- {f.text}" for f in self)


def findings(cd: CycleData, section: Section) -> Findings:
    """The main findings of ``section`` in plain English (:func:`section_findings`):
    every number is a cell of one of the section's tables or a count of its rows."""
    P = cd.params
    return Findings(section_findings(section.tables, headline=cd.headline, conf_level=P.confidence_level,
                                      adjust_method=P.adjust_method, criterion_words=cd.labels,
                                      authority=P.publication.authority, words=getattr(P, "words", None),
                                      samples=P.profile.samples,
                                      main_samples=[s for s in P.samples if s in P.main_samples]))


def unknown_name(kind: str, name: str, here, known) -> str:
    """The message for a misspelt table or figure name: the valid names and the nearest."""

    near = difflib.get_close_matches(str(name), list(here) or list(known), n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return (f"unknown {kind} {name!r}.{hint} This section's {kind}s are: "
            f"{', '.join(sorted(here)) or 'none'}.")


class Note(str):
    """A plain-text message that displays as Markdown in a notebook."""

    def _repr_markdown_(self):
        return f"*{self}*"


def section_findings(frames: dict, *, headline: str, conf_level: float = 0.95,
                     adjust_method: str = "holm", criterion_words=None, authority=None,
                     words: Words | None = None, samples=None, main_samples=None) -> list:
    """Findings of one notebook (reviewer page) from its own results tables (unsuppressed:
    the pages are restricted). The same templates as the appendix, on the tables the
    appendix spec builds from these results, plus the data-quality and district-profile
    templates; ``words`` the authority's (the cycle's ``params.words``); ``samples`` the profile's
    samples (``Profile.samples``, named as :func:`kentaudit.publication.findings.sample_phrases` says;
    default the bundled example profile's); ``main_samples`` the cycle's main samples, those
    its compliance by criterion counts together (default: the design-based estimate's)."""
    # every table the results can build: the spec names the bundled example's samples
    every = (*bundled_profile().sample_names, *(x.name for x in samples or ()))
    tables, _ = build_tables(load_spec(words=words), ".", cycle="",
                             samples=every, has_previous=True,
                             criterion_words=criterion_words, frames=frames, words=words)
    out = []
    by = {t.id: t for t in tables}
    if "T2" in by:
        out += reconciliation_findings(by["T2"])
    out += [f for f in main_findings([t for t in tables if t.id != "T2"], headline=headline,
                                     conf_level=conf_level, adjust_method=adjust_method, authority=authority,
                                     words={"authority": words} if words is not None else None,
                                     samples=samples, main_samples=main_samples)
            if f.topic != "untested"]
    if "profile" in frames:
        out += profile_findings(frames["profile"].reset_index(drop=True), 1 - conf_level, authority=authority)
    return out
