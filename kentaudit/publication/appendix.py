"""Assemble a cycle's statistical appendix from the saved results tables.

``kentaudit appendix params/<cycle>.yaml`` calls :func:`build_appendix_cli`;
the runner calls :func:`build_appendix` at the end of ``kentaudit run``. The
appendix is built from ``results/*.csv`` (the tidy tables the notebooks saved,
never notebook text) according to the declarative spec
``kentaudit/data/appendix_spec.yaml``, then:

* ``restricted/`` receives the unsuppressed tables and the suppression audit
  trail, every file named ``RESTRICTED_*`` and marked RESTRICTED inside;
* ``publish/`` receives the disclosure-controlled appendix - ``appendix.html``,
  ``appendix.xlsx``, ``csv/<table id>.csv`` (+ ``csv/metadata.json``, the
  columns and additive structure) and ``figures/`` - built in a staging folder,
  checked by :func:`kentaudit.publication.check.folder.check_publication`, and only then moved
  into place. If the check finds anything, the staging folder is kept as
  ``publish_rejected/`` and :class:`~kentaudit.core.errors.PublicationCheckError` is
  raised.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kentaudit.core.errors import ParamsError, PublicationCheckError
from kentaudit.core.formatting import format_value, join_words, method_words
from kentaudit.core.methods import METHODS, REFERENCES
from kentaudit.core.safetext import neutralise_frame
from kentaudit.core.version import __version__
from kentaudit.inputs.params import load_params
from kentaudit.inputs.profile import Profile, Words, bundled_profile
from kentaudit.inputs.reference import (AREA_CAVEAT, criteria, districts as _districts,
                                        grade_labels, register_profile)
from kentaudit.publication.cells import ACCEPTED, Universe, answer_domain, grade_domain
from kentaudit.publication.check.folder import check_printed, check_publication
from kentaudit.publication.disclosure import (DEFAULT_WIDTH, Context, protect_adjusted_p,
                                              design_complements, protect_design_estimate,
                                              protect_funnel_bands, protect_shrunken, suppress)
from kentaudit.publication.figures import draw_figures
from kentaudit.publication.findings import bindings_frame, main_findings
from kentaudit.publication.members import left_out_note
from kentaudit.publication.numbering import (ID_PATTERN, csv_name, numbering, reader_number,
                                             sheet_name)
from kentaudit.publication.releases import earlier_releases, model_releases
from kentaudit.publication.spec import (answer_scheme, answer_words, applies, build_tables,
                                        load_spec, read_results, sample_roles)
from kentaudit.publication.table import AppendixContent
from kentaudit.publication.views import mark_untestable, profile_words
from kentaudit.publication.writers.csv import release_list, write_csvs
from kentaudit.publication.writers.html import write_html
from kentaudit.publication.writers.ods import write_ods
from kentaudit.publication.writers.pdf import NO_PDF_REASON, finish_pdf, start_pdf, stop_pdf
from kentaudit.publication.writers.xlsx import write_xlsx
from kentaudit.report.tables import grade_scale_note

__all__ = ["AppendixResult", "load_spec", "build_tables", "build_appendix", "build_appendix_cli",
           "RESTRICTED_MARK", "units_path", "without_note"]

RESTRICTED_MARK = "RESTRICTED - unsuppressed figures for internal use only; do not publish"


@dataclass
class AppendixResult:
    """What :func:`build_appendix` wrote.

    Attributes
    ----------
    publish_dir, restricted_dir : Path
    tables : list of str (ids of the published tables, in order)
    figures : list of str (ids of the published figures)
    skipped : list of (id, title, reason)
    suppressed : DataFrame (the audit trail of suppression; restricted)
    files : list of Path (every published file)
    missing : list of (file, reason): a format the parameter file promises
        (``publication.formats``) that could not be written (the PDF without a PDF engine)
    """

    publish_dir: Path
    restricted_dir: Path
    tables: list
    figures: list
    skipped: list
    suppressed: pd.DataFrame
    files: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    #: what disclosure control cost, one sentence a table (:func:`loss_lines`)
    loss: list = field(default_factory=list)


# ------------------------------------------------------------------ params
def _main_samples(params) -> tuple:
    """The samples of the main results: the cycle's profile's (the bundled example profile's for a
    mapping of parameters that names no profile)."""
    return tuple(_get(params, "main_samples", None) or _profile(params).main_samples)


def _get(params, key, default=None):
    if isinstance(params, Mapping):
        return params.get(key, default)
    return getattr(params, key, default)


#: Every format an appendix can be published in (``publication.formats``; html always).
_ALL_FORMATS = ("html", "pdf", "xlsx", "ods", "csv")
#: The download each format adds to the page, besides the page itself.
_DOWNLOADS = {"pdf": ("appendix.pdf", "PDF for printing (A4)"), "xlsx": ("appendix.xlsx", "Excel workbook"),
              "ods": ("appendix.ods", "OpenDocument spreadsheet")}


def _formats(params) -> tuple:
    """The formats the parameter file promises (``publication.formats``; default all)."""
    pub = _get(params, "publication")
    f = (pub.get("formats") if isinstance(pub, Mapping) else getattr(pub, "formats", None)) if pub else None
    return tuple(f) if f else _ALL_FORMATS


def _label(params) -> str:
    """The cycle as readers see it: its label ("2025/26", ``CycleParams.label``), not the folder
    id ("2025-26"); the cycle itself for parameters without a label."""
    return str(_get(params, "label", None) or _get(params, "cycle"))


def _sample_words(params, sample: str) -> str:
    """A sample in words: the profile's label of it ("Themed audit"), else its name (never another
    authority's words)."""
    s = next((x for x in getattr(_profile(params), "samples", ()) if x.name == sample), None)
    return ((s.label if s is not None and s.label else None) or sample).lower()


def _profile(params) -> Profile:
    """The cycle's authority profile (``params.profile``; the bundled example for parameters
    that name none)."""
    p = _get(params, "profile")
    return p if isinstance(p, Profile) else bundled_profile()


def _sample_labels(params) -> dict:
    """``{sample code: label}`` of the cycle's profile's samples (the words a reader sees)."""
    return {s.name: s.label for s in _profile(params).samples if s.label}


def _words(params) -> Words:
    """The authority's words of the cycle's profile."""
    return _profile(params).words


def units_path(params):
    """The cycle's units table: ``inputs.districts``, else its profile's (never the bundled
    table read by default when the cycle's profile has its own)."""
    return _inputs(params).get("districts") or _profile(params).units


def _assumed_areas(params) -> bool:
    """Whether the cycle's areas are the bundled example's assumed grouping (its caveat applies)."""
    bundled = bundled_profile().units
    path = units_path(params)
    return path is None or (bundled is not None and Path(path).resolve() == Path(bundled).resolve())


def ages_not_recorded_note(quality, threshold: int) -> str | None:
    """Table 2's note on the accepted audits with no age recorded (kept with age band "Not
    recorded", a level of its own in breakdowns and the case-mix models), from the results table
    ``data_quality_counts`` (its row ``age_not_recorded``); None where every audit has its age.

    The count is disclosure-controlled as any published count: one below ``threshold`` (the
    cycle's ``suppression_threshold``) is said as "fewer than <threshold>", never its value. No
    published table breaks the audits down by age, so no other cell recovers it."""
    if quality is None or not len(quality) or "rule" not in quality.columns:
        return None
    n = int(quality.loc[quality["rule"] == "age_not_recorded", "n_records"].sum())
    if n <= 0:
        return None
    shown = f"fewer than {threshold}" if n < threshold else format_value(n, "count")
    return (f"Of the accepted audits, {shown} had no age recorded: they are kept, with the age band "
            "\"Not recorded\" as a level of its own in the breakdowns by age and in the case-mix "
            "models, never left out or given an age.")


def without_note(spec: dict, key: str) -> dict:
    """``spec`` without note ``key``, in its notes and in every table's and figure's list."""
    out = {**spec, "notes": {k: v for k, v in (spec.get("notes") or {}).items() if k != key}}
    for part in ("tables", "figures"):
        out[part] = [{**e, "notes": [n for n in e.get("notes", ())
                                     if (n.get("key") if isinstance(n, Mapping) else n) != key]}
                     if "notes" in e else e for e in spec.get(part, [])]
    return out


def _inputs(params) -> dict:
    inp = _get(params, "inputs", {}) or {}
    if not isinstance(inp, Mapping):
        # every input: the reference tables too (disclosure control models the cycle's own
        # districts and areas, never the bundled ones)
        inp = {k: getattr(inp, k, None) for k in ("audits", "previous_audits", "sampling_frame",
                                                  "criteria", "districts")}
    return dict(inp)


def _text(params, key: str) -> str | None:
    """The profile's own sentence ``text.<key>`` (``scope``, ``source``, ``publication``), or None."""
    return (getattr(_profile(params), "text", None) or {}).get(key)


def source_line(params, synthetic: bool) -> str:
    """The source of every table: the audits themselves, not an internal file.

    The profile's ``text.source`` says whose audits of what ("{producer}: case-file audits of
    children subject to child protection plans"; ``{producer}`` is ``publication.producer``, else
    the profile's name, and ``{population}`` the profile's ``words.population``); without it
    "{producer}: case-file audits of {population}". The cycle, the kind of records and the
    software follow."""
    cycle = _label(params)
    pub = _get(params, "publication")
    producer = getattr(pub, "producer", None) or _profile(params).name
    kind = "synthetic audit records generated by kentaudit" if synthetic else "audit records"
    said = (_text(params, "source") or "{producer}: case-file audits of {population}").replace(
        "{producer}", producer).replace("{population}", _words(params).population)
    return f"{said.rstrip('.')}, cycle {cycle} ({kind}), analysed with kentaudit {__version__}."


def _intro(params, samples, skipped) -> str:
    """The appendix's opening: the profile's ``text.scope`` (``{cycle}`` is the cycle's label), else
    "Statistical appendix to the report of the <cycle> case-file audit cycle"; the samples; how
    tables are numbered and published."""
    scope = (_text(params, "scope") or "Statistical appendix to the report of the {cycle} case-file audit "
                                       "cycle").replace("{cycle}", _label(params)).rstrip(".")
    return (f"{scope} (samples: {', '.join(_sample_words(params, x) for x in samples) or 'not stated'}). "
            "Each table keeps its number in every edition of the programme and is also published "
            "as a CSV file and on a sheet of the spreadsheets named after it (Table 4 is "
            f"{csv_name('T4')} and sheet {sheet_name('T4')})" + (f"; {_unused_numbers(skipped)} not in this edition "
                                                                 "(see the end of the tables)."
                                                                 if _unused_numbers(skipped) else "."))


def district_samples_note(used, main, words: Words | None = None, profile: Profile | None = None) -> str:
    """The note on which samples the district and area comparisons read, in the authority's
    ``words`` (default the profile's).

    ``used``: the samples the district results tables say they read (their ``samples``
    column; None: not known, then the main samples); ``main``: the cycle's main samples;
    ``profile``: the cycle's profile (its samples' phrases, designs and records; default the
    bundled example profile). Samples chosen on purpose that the comparisons leave out are
    named with why; the records each sample was read from (Kent's 2009 electronic-record and
    comprehensive-file design) only where the profile's samples name them."""
    profile = profile or bundled_profile()
    w = words or profile.words
    by = {s.name: s for s in profile.samples}
    used = list(used or main)

    def said(names):
        return " and ".join(by[s].said if s in by else f"the {s} sample" for s in names)

    def read(names):
        """" and read from the <records>" where every sample of ``names`` names the same records."""
        rec = {by[s].records for s in names if s in by}
        if len(rec) != 1 or None in rec:
            return ""
        label = str(profile.record_sources.get(next(iter(rec)), next(iter(rec)))).split(" (")[0]
        return f" and read from the {label[:1].lower() + label[1:]}"

    purposive = [s for s in main if s in by and by[s].design == "purposive"]
    left = [s for s in purposive if s not in used]
    say = said(used)
    if left:
        return (f"{w.Unit} and {w.area} comparisons use {say} only: it was drawn at random in every "
                f"{w.unit}{read(used)}, while {said(left)} were chosen differently between {w.units}{read(left)}. "
                f"Their {w.authority} rows are of the same sample, so they differ from the "
                f"{w.authority}-wide compliance table.")
    chosen = [s for s in used if s in purposive]
    if chosen and len(used) > 1:
        return (f"{w.Unit} and {w.area} comparisons pool {say}, so a {w.unit}'s share of {said(chosen)} "
                "affects its figures (the cycle's parameters ask for every main sample to be read).")
    if chosen:
        return f"{w.Unit} and {w.area} comparisons use {say}, chosen on purpose."
    return f"{w.Unit} and {w.area} comparisons use {say}, drawn at random in every {w.unit}."


def _cap(text: str) -> str:
    """``text`` with its first letter a capital (a method's name opening a sentence)."""
    return text[:1].upper() + text[1:]


def _cited(code: str) -> str:
    """A method in words with its short citation (the references close the methods section)."""
    return method_words(code, "cited")


def _about(code: str) -> str:
    """What a method does, in plain words, as a sentence of its own (nothing where the
    registry has no words for it)."""
    about = METHODS[code].about if code in METHODS else ""
    return f" {_cap(about)}." if about else ""


def method_code(name: str) -> str:
    """The registry's code of a method named by its code or in words (a results table's ``test``
    column holds either); a name the registry does not know is returned as it is."""
    if name in METHODS:
        return name
    return next((c for c, mm in METHODS.items() if name in (mm.full, mm.label, mm.phrase)), name)


def reaudit_pairs_note(profile: Profile) -> str:
    """The note on re-audit pairs in the profile's words: which sample's cases were audited again
    and, where the profile's samples name them, the records the second audit read (the bundled
    example's comprehensive files); never another authority's design."""
    again = next((s for s in profile.samples if s.repeats), None)
    if again is None:
        return "Each pair compares the same case's two audits."
    by = {s.name: s for s in profile.samples}
    first = by.get(again.repeats)
    said = first.said if first is not None else f"the {again.repeats} sample"
    rec = ""
    if again.records and (first is None or first.records != again.records):
        label = str(profile.record_sources.get(again.records, again.records))
        rec = f" from their {label[:1].lower() + label[1:]}"
    return f"Re-audited cases are {said} audited again{rec}; each pair compares the same case's two audits."


def _estimate_samples(t15) -> list:
    """The samples the authority-wide estimate reads, as Table 15 says (its ``sample`` column,
    "initial + extended"); empty when the table does not say."""
    if "sample" not in t15.data.columns or not len(t15.data):
        return []
    return [s.strip() for s in str(t15.data["sample"].iloc[0]).split("+") if s.strip()]


#: the clause of the spec's ``design_based`` note that :func:`design_sentence` says as it is for the cycle
_STRATUM_NOTE = re.compile(r"\);\s+cases chosen on purpose rather than at random are a stratum\s+taken in full, "
                           r"standing only for themselves\.")


def design_sentence(in_estimate, main, profile: Profile) -> str:
    """What the methods say of the samples chosen on purpose in the authority-wide estimate, as it
    is for the cycle (``kentaudit.analysis.compliance.design_samples`` decides it).

    ``in_estimate``: the samples the estimate reads (Table 15's ``sample`` column); ``main``: the
    cycle's main samples; ``profile``: its samples' designs and words. A sample chosen on purpose
    in the estimate (one a random sample was drawn to extend, the profile's ``extends:``) is "a
    stratum taken in full"; one not in it (no random sample extends it) is said to stand only
    for itself, and the samples the estimate reads are named. Nothing when the cycle has no
    sample chosen on purpose. Returned as a clause to follow "with a finite population
    correction" ("; ..."), or "".
    """
    by = {s.name: s for s in profile.samples}
    inside = [s for s in in_estimate if s in by]
    chosen_in = [s for s in inside if by[s].design != "random"]
    chosen_out = [s for s in main if s in by and by[s].design != "random" and by[s].repeats is None
                  and s not in inside]
    out = ""
    if chosen_in:
        names = join_words([by[s].said for s in chosen_in])
        out += (f"; the cases chosen on purpose ({names}) are a stratum taken in full, standing only for "
                "themselves, with the random sample standing for the rest of each "
                f"{profile.words.unit}'s cases")
    if chosen_out and inside:
        rand = join_words([by[s].said for s in inside if by[s].design == "random"]) or "the random sample"
        names = join_words([by[s].said for s in chosen_out])
        out += (f"; the estimate reads {rand} only: the cases chosen on purpose ({names}) are not in it and "
                f"stand only for themselves")
    return out


def _methods(params, manifest: dict, tables, *, sup=None, earlier=(), names=None, figures=(),
             extra_tests=None, district_note=None) -> list:
    """The methods of this edition only: a section for intervals, tests, adjustment,
    funnels, kappa and the seed only when a published table or figure uses it.

    ``names`` maps table ids to their numbers in the edition; ``extra_tests`` maps a
    table id to the tests behind its p-values when the table has no ``test`` column
    (read from the results table the p-values come from)."""
    w = _words(params)
    conf = _get(params, "confidence_level", 0.95)
    im = _get(params, "interval_method", "wilson")
    am = _get(params, "adjust_method", "holm")
    thr = _get(params, "suppression_threshold", 5)
    names = names or {}
    cols = {t.id: set(t.data.columns) for t in tables}
    tests_by = {}
    for t in tables:
        found = set()
        if "test" in t.data.columns:
            found |= {str(v) for v in t.data["test"].dropna() if str(v) not in ("[c]", "[x]", "[z]", "")}
        found |= set((extra_tests or {}).get(t.id, ()))
        if found:
            tests_by[t.id] = sorted(found)
    cited = set()
    m = []
    if any({"conf_low", "conf_high"} & c for c in cols.values()):
        m.append(("Confidence intervals", f"{conf:.0%} {_cited(im)} for each proportion.{_about(im)} "
                                          f"Differences of proportions with {_cited('newcombe')}."
                                          f"{_about('newcombe')}"))
    if tests_by:
        # each test named once, in words, with its reference, what it does and where it is used
        # (two codes of one test, "n-1 chi-square" and "N-1 chi-square", are one test; a row
        # where no test was possible names none)
        used, about = {}, {}
        for i, v in tests_by.items():
            for x in v:
                code = method_code(x)
                if code == "not testable":
                    continue
                name = _cap(_cited(code))
                if names.get(i, i) not in used.setdefault(name, []):
                    used[name].append(names.get(i, i))
                about.setdefault(name, _about(code))
        if used:
            m.append(("Tests", " ".join(f"{name}, in {join_words(tabs)}.{about[name]}"
                                        for name, tabs in used.items())))
    if any("p_adjusted" in c for c in cols.values()):
        m.append(("Adjustment for multiple comparisons",
                  f"{_cap(_cited(am))}, across the criteria of each table"
                  # Table 7's families are each criterion's units (and its areas), as in the
                  # notebooks: "across the criteria" was wrong for it (review 27)
                  + (f"; in {names.get('T7', 'T7')}, across the {w.units} (and apart, the {w.areas}) of "
                     "each criterion" if "T7" in cols and "p_adjusted" in cols["T7"] else "")
                  + f".{_about(am)}"))
    if district_note and ("T7" in cols or "T12" in cols or any(f.id in ("F1", "F4") for f in figures)):
        m.append((f"{w.Unit} comparisons and the sample design", district_note))
    if any("funnel_band" in c for c in cols.values()) or any(f.id == "F1" for f in figures):
        fm = _cap(_cited(_get(params, "funnel_method", "binomial-interpolated")))
        m.append(("Funnel plots", f"{fm}, around the audit standard ({_get(params, 'target', 0.8):.0%}), at "
                                  f"95% and 99.8%. Where the {w.units} differ more than chance alone would make "
                                  "them (overdispersion), the funnel bands allow for it as Spiegelhalter (2005) "
                                  "describes: the spread is measured by a dispersion factor from the "
                                  f"{w.units}' z-scores, with the most extreme pulled in (winsorised) so that "
                                  "one outlier does not widen the limits for the rest; when a chi-square test "
                                  "finds it significant, the limits are widened by the variance between "
                                  f"{w.units} (a random-effects adjustment)."))
    if any("kappa" in c for c in cols.values()):
        m.append(("Agreement", "Cohen's weighted kappa with linear weights (Cohen 1968) and a Wald interval "
                               "(asymptotic standard error of Fleiss, Cohen and Everitt): 1 is full agreement "
                               "between auditor and moderator, 0 no more than chance would give."))
        cited.add("Cohen 1968")
    if "T15" in cols:
        t15 = next(t for t in tables if t.id == "T15")
        # the cycle's main samples (a sample the profile has but the cycle did not audit is not said)
        present = [x for x in _main_samples(params) if x in set(_get(params, "samples", None) or ())]
        m.append((f"Compliance across {w.authority}", f"A design-based estimate ({names.get('T15', 'T15')}): "
                  f"each audited file is weighted by the number of cases in its {w.unit} that it stands for (a "
                  f"sample stratified by {w.unit}, with a finite population correction"
                  f"{design_sentence(_estimate_samples(t15), present, _profile(params))}), "
                  f"with the {_cited('logit')}.{_about('logit')}"))
    m += _disclosure_text(thr, sup, earlier, w)
    if "T12" in cols:
        m.append(("Shrunken estimates", f"Beta-binomial model of {w.units}' compliance with the mean and spread "
                                        f"of the {w.units} integrated over a grid (uniform priors on the mean and "
                                        "the intra-class correlation); posterior means, 95% posterior intervals, "
                                        "the probability of being below the standard and rank intervals from "
                                        f"posterior draws, as for a hierarchical binomial model in "
                                        f"{METHODS['hierarchical'].cite} ({names.get('T12', 'T12')}"
                                        + (f", {names.get('F4', 'F4')}" if any(f.id == "F4" for f in figures) else "")
                                        + ")."))
    if "T13" in cols:
        m.append(("Error rates of the flags", "Each flag (funnel limits at 95% and 99.8% with the overdispersion "
                                              f"policy; each {w.unit} against the rest with the adjustment above) "
                                              "applied to simulated cycles with this cycle's numbers of answered "
                                              f"files: the false-positive rate for a {w.unit} at the reference and "
                                              "the power for one 10, 15 or 20 points below it "
                                              f"({names.get('T13', 'T13')})."))
    if "T14" in cols:
        m.append(("Error rates of the control-chart rules", "Each special-cause rule of the monthly p-chart "
                                                          "(Making Data Count: a point outside the limits, a "
                                                          "trend, two of three beyond 2 sigma, a run; and the "
                                                          "Anhoej run-chart rules) applied to simulated charts "
                                                          "with the programme's numbers of files a month: the "
                                                          "false-alarm rate on a stable process and the power "
                                                          "after a sustained drop of 10 or 20 points "
                                                          f"({names.get('T14', 'T14')})."))
    if any("monte carlo" in t.lower() for v in tests_by.values() for t in v):
        m.append(("Random seed", f"{_get(params, 'seed', 'not set')} (for the Monte Carlo tests)."))
    pk = manifest.get("packages") or manifest.get("package_versions") or {}
    soft = [f"kentaudit {__version__}"] + [f"{k} {v}" for k, v in sorted(pk.items()) if k != "kentaudit" and v]
    m.append(("Software", ", ".join(soft) + "."))
    if manifest.get("git_commit"):
        m.append(("Code version", f"git commit {manifest['git_commit']}."))
    refs = sorted({METHODS[c].cite for c in METHODS if METHODS[c].cite and METHODS[c].cite in
                   " ".join(t for _, t in m)} | cited)
    if refs:
        m.append(("References", " ".join(REFERENCES[r] for r in refs)))
    return m


def _disclosure_text(thr, sup, earlier, words: Words | None = None) -> list:
    """The methods section's entries on disclosure control: ``[(term, text)]``.

    First what it does, in plain words and short (a committee member's paragraph); then how
    the hidden counts are chosen (the statistician's detail) and what it cost (the information
    loss), each an entry of its own. One paragraph of about 230 words said all three at once
    (review 25, finding 20)."""
    if not thr:
        return [("Disclosure control", "No counts are suppressed (the suppression threshold is 0).")]
    units = (words or bundled_profile().words).units
    out = [("Disclosure control",
            f"No table shows a count from 1 to {thr}: such a count is shown as [c], so that no child, family "
            "or member of staff can be recognised. Some other counts are hidden too, so that a hidden count "
            "cannot be worked out from totals or from other tables, and so is every percentage, interval or "
            "test worked out from a hidden count. A zero that is shown is a true zero.")]
    how = (f"Every relation between the published counts (totals, pooled samples, the same count in two "
           "tables, this cycle's row of the trend table) is derived from the audit records each count "
           f"counts. Further counts are hidden, at least cost, until the range a reader could prove for each "
           f"hidden count of 1 to {thr} from everything published (by linear programming) is at least "
           f"{sup.width if sup else DEFAULT_WIDTH} wide. An adjusted p-value or funnel band that hidden rows "
           "could change is hidden too: each is the analysis's own, over its whole family of tests or "
           f"{units}, never recomputed over the rows shown. A zero may be hidden so that a small count beside "
           "it is protected without hiding a larger total or a headline percentage.")
    # how many zeros are hidden, and how many hidden counts are primary, is not said: with the
    # tables it would tell a reader which [c] is a zero or a count of 1 to the threshold (issue 25)
    if earlier:
        rel = release_list(earlier)
        pub = [str(r["cycle"]) for r in rel if r["source"] == "published"]
        mod = [str(r["cycle"]) for r in rel if r["source"] == "modelled"]
        parts = []
        if pub:
            parts.append(f"the published appendices of {join_words(pub)} found beside this one")
        if mod:
            parts.append(f"the appendices of {join_words(mod)} as they would have been published (rebuilt from "
                         "those cycles' audits with the same tables, threshold and protection width, each "
                         "suppressed knowing those before it)")
        how += (" The protection also covers everything the programme has published about the cycles "
                f"this appendix reports: {' and '.join(parts)}; a count hidden there stays hidden here.")
    out.append(("How the hidden counts are chosen", how))
    if sup is not None and sup.loss is not None and len(sup.loss):
        lo = sup.loss
        tot_h, tot_n = int(lo["n_hidden_counts"].sum()), int(lo["n_count_cells"].sum())
        lines = loss_lines(sup, detail=False)
        out.append(("What disclosure control cost",
                    f"Information loss: {tot_h} of {tot_n} published count cells are hidden "
                    f"({100.0 * tot_h / tot_n if tot_n else 0:.1f}%), and "
                    f"{int(lo['n_hidden_derived'].sum())} derived figures with them."
                    + (" By table: " + ". ".join(lines) + "." if lines else "")))
    return out


def _caveats(params, synthetic: bool) -> list:
    """The assumptions and caveats: the assumed grouping of the bundled example's areas only
    where the cycle uses it."""
    c = ([AREA_CAVEAT] if _assumed_areas(params) else []) + [
         _text(params, "publication") or "Audit findings describe the recorded evidence on the files audited; "
                                         "a file may not record work that was done.",
         "Intervals describe sampling uncertainty only; they do not cover differences between "
         "auditors, which the moderation table describes."]
    if synthetic:
        c.insert(0, f"The data are synthetic: they were generated by kentaudit to resemble "
                    f"{_words(params).authority}'s audits and describe no real child, case or member of staff.")
    return c


# ------------------------------------------------------------- disclosure
def _earlier_main(results_dir: Path, profile: Profile) -> tuple:
    """``(samples_of, default)``: each earlier cycle's main samples as the programme's counts
    (results table ``programme_counts``) record them, and for a cycle they do not name the
    profile's main samples drawn at random (a programme's cycles are random samples; else
    every main sample)."""
    main = profile.main_samples
    default = tuple(s for s in main if s in profile.random_samples) or main
    pc = read_results(results_dir, "programme_counts")
    samples_of = {}
    if pc is not None and {"cycle", "sample"} <= set(pc.columns):
        order = list(profile.sample_names)
        for y, grp in pc.groupby(pc["cycle"].astype(str)):
            have = {str(x) for x in grp["sample"]}
            samples_of[str(y)] = tuple(s for s in order if s in have and s in main)
    return samples_of, default


def disclosure_context(tables, results_dir: Path, *, cycle: str, samples, districts_path=None,
                       main_samples=None, profile: Profile | None = None) -> Context:
    """The universe of records an appendix's counts are about, and what ``@`` references mean.

    Cycles: this one (its samples from the parameters) and every cycle named in the
    tables (trend rows, the previous cycle of the change table), whose records are the main
    samples the programme's counts record for that cycle (``programme_counts``; where they
    name none, the profile's main samples drawn at random). Districts and areas from the
    district reference. Record statuses (accepted, or each rejection rule) from the
    reconciliation table. Criteria from the tables' criterion labels. ``main_samples``: the
    cycle's profile's samples of the main results (``CycleParams.main_samples``); ``profile``
    the cycle's profile (default the bundled example profile, whose main samples are the
    default of ``main_samples``).
    """
    profile = profile or bundled_profile()
    main_samples = profile.main_samples if main_samples is None else tuple(main_samples)
    earlier_of, earlier_default = _earlier_main(results_dir, profile)

    def earlier_main(c):
        return list(earlier_of.get(str(c)) or earlier_default)

    dref = _districts(districts_path) if districts_path else _districts()
    dist = {str(r.district): str(r.area) for r in dref.itertuples()}
    cycles = {cycle: list(samples)}
    previous = None
    ch = read_results(results_dir, "change_since_previous")
    if ch is not None and "previous_cycle" in ch.columns and len(ch):
        previous = str(ch["previous_cycle"].iloc[0])
    criteria, statuses = [], [ACCEPTED]
    for t in tables:
        for c, dim in ((t.defines or {}).get("labels") or {}).items():
            vals = [str(v) for v in t.data[c]]
            if dim == "cycle":
                for v in vals:
                    cycles.setdefault(v, earlier_main(v))
            elif dim == "criterion":
                criteria += [v for v in vals if v not in criteria]
            elif dim == "status":
                statuses += [v for v in vals if v.strip().lower() not in ("accepted", "total", "all")
                             and v not in statuses]
    if previous is None:
        earlier = sorted(c for c in cycles if c < cycle)
        previous = earlier[-1] if earlier else None
    if previous is not None:
        cycles.setdefault(previous, earlier_main(previous))
    main = {c: ([s for s in v if s in main_samples] if c == cycle else earlier_main(c))
            for c, v in cycles.items()}
    # the samples the district comparisons read, as the results say (their ``samples`` column)
    dsamp = {}
    cbd = read_results(results_dir, "compliance_by_district")
    if cbd is not None and "samples" in cbd.columns and len(cbd):
        dsamp[cycle] = [s.strip() for s in str(cbd["samples"].iloc[0]).split("+") if s.strip()]
    return Context(cycle, Universe(cycles, dist, {cycle: statuses}, criteria), main, previous, dsamp)


def protect_derived(sup, source, params) -> None:
    """Adjusted p-values and funnel bands as the analysis computed them, hidden where hidden
    rows set them (:func:`kentaudit.publication.disclosure.protect_adjusted_p` and
    :func:`~kentaudit.publication.disclosure.protect_funnel_bands`); the cells hidden here join
    the suppression audit (reason ``derived``) and the information loss."""
    tgt = _get(params, "target", 0.8)
    rows = protect_adjusted_p(sup.tables, source, _get(params, "adjust_method", "holm"))
    rows += protect_funnel_bands(sup.tables, source, target=tgt if isinstance(tgt, str) else float(tgt),
                                 method=_get(params, "funnel_method", "binomial-interpolated"))
    if not rows:
        return
    extra = pd.DataFrame(rows)
    sup.audit = pd.concat([sup.audit, extra], ignore_index=True)
    if sup.loss is not None and len(sup.loss):
        more = extra.groupby("table_id").size()
        sup.loss["n_hidden_derived"] = [int(n) + int(more.get(t, 0))
                                        for t, n in zip(sup.loss["table_id"], sup.loss["n_hidden_derived"])]


# -------------------------------------------------------------------- write
def _write_restricted(rdir: Path, tables, audit: pd.DataFrame, equations: pd.DataFrame | None = None):
    rdir.mkdir(parents=True, exist_ok=True)
    for old in rdir.glob("RESTRICTED_*"):
        old.unlink()
    (rdir / "RESTRICTED_README.txt").write_text(
        f"{RESTRICTED_MARK}.\nThese tables hold the unsuppressed counts behind the published "
        "appendix, and RESTRICTED_suppression_audit.csv says which cells were suppressed and why.\n",
        encoding="utf-8")
    for t in tables:
        df = neutralise_frame(t.data.copy())
        df.insert(0, "restricted", RESTRICTED_MARK)
        df.to_csv(rdir / f"RESTRICTED_{t.id}.csv", index=False)
    a = neutralise_frame(audit.copy())
    a.insert(0, "restricted", RESTRICTED_MARK)
    a.to_csv(rdir / "RESTRICTED_suppression_audit.csv", index=False)
    if equations is not None:
        e = neutralise_frame(equations.copy())
        e.insert(0, "restricted", RESTRICTED_MARK)
        e.to_csv(rdir / "RESTRICTED_equations.csv", index=False)


def _write_findings(rdir: Path, found) -> None:
    """The numbers of the main findings with the table cell each comes from (restricted:
    beside the unsuppressed tables, so a reviewer can trace every number)."""
    rdir.mkdir(parents=True, exist_ok=True)
    b = neutralise_frame(bindings_frame(found))
    b.insert(0, "restricted", RESTRICTED_MARK)
    b.to_csv(rdir / "RESTRICTED_findings.csv", index=False)


def _criterion_words(params) -> dict:
    inputs = _get(params, "inputs")
    path = getattr(inputs, "criteria", None) if inputs is not None and not isinstance(inputs, Mapping) \
        else (inputs or {}).get("criteria")
    c = criteria(path)
    return dict(zip(c["id"].astype(str), c["label"].astype(str)))


def _headline(params, words) -> str:
    h = _get(params, "headline_criterion", None)
    return h or next(iter(words["criteria"]), "")


def _authority(params):
    """The authority's name for the findings (``publication.authority``), or None."""
    pub = _get(params, "publication")
    return (pub.get("authority") if isinstance(pub, Mapping) else getattr(pub, "authority", None)) if pub else None


def _publication(params, now: str, headline: str) -> dict:
    pub = _get(params, "publication")
    d = pub.to_dict() if hasattr(pub, "to_dict") else dict(pub or {})
    if not d.get("status"):
        d["status"] = ("synthetic demonstration data" if _get(params, "synthetic", False)
                       else "not stated (set publication.status)")
    if not d.get("producer"):
        d["producer"] = _profile(params).name
    if not d.get("publication_date"):
        d["publication_date"] = now[:10]
    d["headline_criterion"] = headline
    d["confidence_level"] = float(_get(params, "confidence_level", 0.95))  # the members' summary names it
    return d


def _extra_tests(spec, results_dir: Path, tables) -> dict:
    """Tests behind the p-values of tables that have no test column (``tests_from``)."""
    out = {}
    ids = {t.id for t in tables}
    for e in spec["tables"]:
        if e["id"] in ids and e.get("tests_from"):
            names = set()
            for src in e["tests_from"]:
                df = read_results(results_dir, src)
                if df is not None and "test" in df.columns:
                    names |= {method_code(str(v)) for v in df["test"].dropna()}
            out[e["id"]] = sorted(names)
    return out


def _districts_ref(params):
    """The cycle's units table (:func:`units_path`)."""
    return _districts(units_path(params))


def _grade_words(params) -> dict:
    """Grade labels (``"1 Outstanding"``...) of the cycle's grade scale, used for the earlier
    appendices as modelled too: disclosure control counts grades by number, so the words
    of the rows change nothing that is protected."""
    scale = _get(params, "grade_scale", "ofsted_2009") or "ofsted_2009"
    return {g: f"{g} {lab}" for g, lab in grade_labels(scale).items()}


def build_appendix(params, results_dir=None, *, spec_path=None) -> AppendixResult:
    """Build, disclosure-control, write and check the appendix of one cycle.

    Parameters
    ----------
    params : kentaudit.inputs.params.CycleParams or mapping
        The cycle parameters (keys as in the params contract: cycle, title,
        synthetic, samples, confidence_level, interval_method, adjust_method,
        suppression_threshold, target, funnel_method, seed, inputs, output_dir).
    results_dir : path-like, optional
        The cycle's output folder holding ``results/``, ``figures/`` and
        ``manifest.json`` (default ``<output_dir>/<cycle>``).
    spec_path : path-like, optional
        Another appendix spec (default: the bundled one).

    Returns
    -------
    AppendixResult

    Raises
    ------
    PublicationCheckError
        The publication check found a leak in the files to publish; nothing
        was moved into ``publish/`` (the candidate is kept in ``publish_rejected/``).
    DisclosureError, PublicationTableError
        Suppression or a table could not be built safely.
    """
    profile = _get(params, "profile", None)
    if isinstance(profile, Profile):
        # a profile passed to another process (the runner builds the appendix in one of its
        # own) arrives without its reference tables registered there: register them again
        register_profile(profile)
    b = _start(params, results_dir, spec_path)
    tables, skipped = _tables(b)
    d = _disclosure_control(b, tables)
    _write_restricted(b.results_dir / "restricted", tables, d.sup.audit, d.sup.equations)
    stage = _new_stage(b.results_dir)
    headline = _headline(params, b.words)
    figures, fskipped = _draw(b, tables, d.sup, stage, headline)
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    names = numbering([t.id for t in d.sup.tables] + [f.id for f in figures])
    found = _main_findings(b, d.sup, headline, names)
    content = _content(b, d, figures, skipped + fskipped, found, names, headline, now)
    formats = _formats(params)
    findings = _write_and_check(stage, content, d, _check_args(b, d), formats)
    final = _publish(b.results_dir, stage, findings)  # nothing published if the check found anything
    files = sorted(p for p in final.rglob("*") if p.is_file())
    missing = [(name, NO_PDF_REASON)
               for fmt, (name, _) in _DOWNLOADS.items() if fmt in formats and not (final / name).is_file()]
    return AppendixResult(final, b.results_dir / "restricted", [t.id for t in d.sup.tables],
                          [f.id for f in figures], skipped + fskipped, d.sup.audit, files, missing,
                          loss_lines(d.sup))


def loss_lines(sup, detail: bool = True) -> list[str]:
    """What disclosure control cost, one sentence a table that lost anything: the counts hidden
    of those published, the derived figures hidden with them, and for the authority-wide estimate
    (its ``estimate`` column) how many rows are hidden and why.

    ``detail=True`` (the run's log, manifest and summary: restricted, for the analyst) adds how
    many counts are primary (1 to the threshold) and secondary (complements, and counts hidden in
    an earlier release), and the count that forces an estimate hidden with the values it would
    narrow it to (the suppression audit's detail). ``detail=False`` is what the published
    appendix says: neither, since the split tells a reader how many cells are small and the
    detail names a hidden cell and its value."""
    out = []
    if sup is None or sup.loss is None:
        return out
    for r in sup.loss.itertuples():
        if not (r.n_hidden_counts or r.n_hidden_derived):
            continue
        split = f" ({int(r.n_primary)} primary, {int(r.n_secondary)} secondary), " if detail else ", "
        line = (f"{reader_number(r.table_id)}: {int(r.n_hidden_counts)} of {int(r.n_count_cells)} counts hidden"
                f"{split}{int(r.n_hidden_derived)} derived figures hidden with them")
        est = sup.audit[(sup.audit["table_id"] == r.table_id) & (sup.audit["column"] == "estimate")]
        forced = [d.split("checked as a relation: ", 1)[1] for d in est["detail"].astype(str)
                  if "checked as a relation: " in d]
        revealing = [f for f in forced if "would narrow" in f]
        unchecked = [f for f in forced if "would narrow" not in f]
        if revealing:
            # published: which hidden cell forces each estimate hidden (its table, its unit and what it
            # counts, all visible as a [c] already), never the range it would be narrowed to
            named = list(dict.fromkeys(_forcing_words(f) for f in revealing))
            # the published sentence counts no rows: a count printed beside a hidden cell's name can
            # equal its value, and a reader cannot tell the two apart (the check refuses it)
            line += ((f"; the estimate of {len(revealing)} row(s) is hidden because it would reveal a hidden "
                      if detail else "; estimates hidden because each would reveal a hidden ")
                     + "count" + ((f" ({revealing[0]}" + (f", and {len(revealing) - 1} more" if len(revealing) > 1
                                                        else "") + ")") if detail else
                                (f": {join_words(n for n in named if n)}" if any(named) else "")))
        if unchecked:
            line += (f"; the estimate of {len(unchecked)} row(s) is hidden with the hidden counts it is "
                     "computed over" + (f", not checked as a relation ({unchecked[0]})" if detail else ""))
        out.append(line)
    # the estimates shown at fewer decimals (coarser rounding) rather than hidden
    because = [r["rounded"]["because"] for r in (getattr(sup, "design_checks", None) or []) if r.get("rounded")]
    for t in sup.tables:
        cd = getattr(t, "cell_decimals", None) or {}
        if not cd:
            continue
        rows, ds = len({i for i, _ in cd}), sorted(set(cd.values()))
        line = (f"{reader_number(t.id)}: the estimate and its interval of {rows} row(s) are shown rounded to "
                + " or ".join("whole numbers" if d == 0 else f"{d} decimal(s)" for d in ds)
                + ", not hidden: at the column's precision they would reveal a hidden count")
        if detail and because:
            line += f" ({because[0]}" + (f", and {len(because) - 1} more" if len(because) > 1 else "") + ")"
        out.append(line)
    return out


_FORCING = re.compile(r"^(T\d+) row \d+ (n_yes|n_denominator|n_audits) \((.+?)\): ")


def _forcing_words(forcing: str) -> str:
    """The hidden cell an estimate would narrow, in words and without its value ("the hidden yes
    count of Tanyard Hub in Table 7"), from the suppression audit's detail; "" if not readable."""
    m = _FORCING.match(forcing)
    if not m:
        return ""
    what = {"n_yes": "yes count", "n_denominator": "count answered", "n_audits": "count of files"}[m.group(2)]
    return f"the hidden {what} of {m.group(3)} in {reader_number(m.group(1))}"


# ------------------------------------------------------- steps of build_appendix
@dataclass
class _Build:
    """What every step of :func:`build_appendix` reads: the cycle, its settings, spec and manifest."""

    params: object
    cycle: str
    results_dir: Path
    spec: dict
    samples: list
    inputs: dict
    has_prev: bool
    synthetic: bool
    threshold: int
    manifest: dict
    words: dict


@dataclass
class _Disclosed:
    """The disclosure-controlled tables and what their control was measured against."""

    width: int
    ctx: Context
    modelled: list
    earlier: list
    sup: object


def _results_folder(params, cycle: str, results_dir) -> Path:
    """The cycle's output folder (default ``<output_dir>/<cycle>``), refused without ``results/``."""
    if results_dir is None:
        results_dir = Path(_get(params, "output_dir", "outputs")) / cycle
    results_dir = Path(results_dir)
    if not (results_dir / "results").is_dir():
        raise ParamsError(f"no results folder at {results_dir / 'results'}; run the cycle's notebooks "
                          "first (kentaudit run) or pass --results.", key="results_dir")
    return results_dir


def _read_manifest(results_dir: Path) -> dict:
    """The run's ``manifest.json`` ({} if none), refused for a partial, failed or interrupted run."""
    mf = results_dir / "manifest.json"
    manifest = json.loads(mf.read_text(encoding="utf-8")) if mf.exists() else {}
    if manifest.get("partial") or results_dir.name.endswith("-partial"):
        raise ParamsError(f"{results_dir} holds results of a partial run (--districts/--notebooks): an "
                          "appendix needs every table of a full run. Run the whole cycle (kentaudit run).",
                          key="results_dir")
    if manifest.get("status") in ("failed", "interrupted") or ".failed-" in results_dir.name:
        raise ParamsError(f"{results_dir} holds results of a run that {manifest.get('status') or 'failed'}: "
                          "fix the failure and run the cycle again before publishing.", key="results_dir")
    return manifest


def _start(params, results_dir, spec_path) -> _Build:
    """Check the results folder and read what the steps share: spec, settings, manifest and words."""
    cycle = str(_get(params, "cycle"))
    results_dir = _results_folder(params, cycle, results_dir)
    # the cycle's answer scheme: a partial answer counted by its rule, shown as n_partial
    answers = _profile(params).answers
    spec = answer_words(answer_scheme(load_spec(spec_path, words=_words(params)), answers), answers)
    if not _assumed_areas(params):
        spec = without_note(spec, "area_assumption")  # the cycle's own areas: nothing assumed
    threshold_ = int(_get(params, "suppression_threshold", 5))
    no_age = ages_not_recorded_note(read_results(results_dir, "data_quality_counts"), threshold_)
    spec = without_note(spec, "ages_not_recorded") if no_age is None else {
        **spec, "notes": {**spec.get("notes", {}), "ages_not_recorded": no_age}}
    samples = list(_get(params, "samples", []) or [])
    inputs = _inputs(params)
    has_prev = bool(inputs.get("previous_audits"))
    synthetic = bool(_get(params, "synthetic", False))
    threshold = int(_get(params, "suppression_threshold", 5))
    manifest = _read_manifest(results_dir)
    # the catalogue's descriptions of the criteria, and the authority's words (its profile's)
    # the samples as the profile names them: table cells ("Sample") and "not produced" reasons
    words = {"criteria": _criterion_words(params), "authority": _words(params),
             "samples": _sample_labels(params)}
    return _Build(params, cycle, results_dir, spec, samples, inputs, has_prev, synthetic, threshold,
                  manifest, words)


def _tables(b: _Build) -> tuple:
    """The spec's tables built from ``results/`` (unsuppressed), and those skipped with why."""
    return build_tables(b.spec, b.results_dir, cycle=b.cycle, samples=b.samples, has_previous=b.has_prev,
                        synthetic=b.synthetic, source=source_line(b.params, b.synthetic),
                        criterion_words=b.words["criteria"], words=b.words["authority"],
                        producer=_profile(b.params).name, cycle_label=_label(b.params),
                        sample_labels=b.words["samples"], roles=sample_roles(_profile(b.params)),
                        main_samples=_main_samples(b.params),
                        extension_reason=_profile(b.params).no_extension_reason(b.words["authority"].authority))


def _earlier(b: _Build, ctx: Context, width: int) -> tuple:
    """``(modelled, earlier)``: the earlier appendices published beside this one, the others modelled."""
    out_root = Path(_get(b.params, "output_dir", "outputs"))
    found = [f for f in (mf.parents[1] for mf in sorted(out_root.glob("*/publish/csv/metadata.json")))
             if f.parent.resolve() != b.results_dir.resolve()] if out_root.is_dir() else []
    # the earlier appendices not found as published, modelled as they would have been
    modelled = model_releases(b.results_dir, b.results_dir / "restricted" / "earlier_releases", cycle=b.cycle,
                              spec=b.spec, districts=_districts_ref(b.params), threshold=b.threshold,
                              width=width, grade_labels=_grade_words(b.params), found=found,
                              criterion_words=b.words["criteria"], words=b.words["authority"],
                              producer=_profile(b.params).name, sample_order=_profile(b.params).sample_names,
                              main_samples=_profile(b.params).main_samples)
    earlier = earlier_releases(out_root, b.cycle, ctx, exclude=b.results_dir, modelled=modelled)
    return modelled, earlier


def _disclosure_control(b: _Build, tables) -> _Disclosed:
    """Suppress the tables knowing the earlier releases, mark untestable rows, and hide the adjusted
    p-values and funnel bands that hidden rows could change."""
    width = _get(b.params, "protection_width", None)
    width = int(DEFAULT_WIDTH if width is None else width)
    ctx = disclosure_context(tables, b.results_dir, cycle=b.cycle, samples=b.samples,
                             main_samples=_main_samples(b.params), profile=_profile(b.params),
                             districts_path=units_path(b.params))
    ctx.authority = _words(b.params).authority
    # the cycle's answers (a partial answer its own level) and grade scale (any length)
    ctx.universe.answers = answer_domain(_profile(b.params).answers.partial is not None)
    ctx.universe.grades = grade_domain(_grade_words(b.params))
    ctx.universe.paired = tuple(s.name for s in _profile(b.params).samples if s.repeats)
    modelled, earlier = _earlier(b, ctx, width)
    sup = suppress(tables, threshold=b.threshold, context=ctx, width=width,
                   earlier=[(d, v) for d, v, _ in earlier])
    # the authority-wide estimate, shown wherever it reveals no hidden count: where the unit
    # counts hidden so far would be revealed by it, another unit's count is hidden instead
    # (docs/appendix.md, "The authority-wide estimate and hidden unit counts")
    frame = _districts_ref(b.params).set_index("district")["children_on_plans"].astype(float).to_dict()
    conf = float(_get(b.params, "confidence_level", 0.95))
    force = design_complements(sup, tables, frame=frame, conf_level=conf)
    if force:
        sup = suppress(tables, threshold=b.threshold, context=ctx, width=width,
                       earlier=[(d, v) for d, v, _ in earlier], force=force)
    mark_untestable(sup.tables)  # no test possible: [z]
    protect_derived(sup, tables, b.params)
    sup.design_checks = protect_design_estimate(sup, tables, frame=frame, conf_level=conf)
    # the shrunken estimates of the units whose counts are shown, wherever they reveal no hidden
    # count (docs/appendix.md, "Shrunken estimates of units with hidden counts"), refitted with
    # the analysis's own model, draws and seed
    sh = read_results(b.results_dir, "shrunken_headline")
    if sh is not None and len(sh):
        settings = {c: sh[c].iloc[0] for c in ("method", "n_draws", "seed", "conf_level", "target") if c in sh.columns}
        if settings.get("target") is not None and pd.isna(settings["target"]):
            settings["target"] = None
        sup.design_checks += protect_shrunken(sup, tables, settings=settings)
    return _Disclosed(width, ctx, modelled, earlier, sup)


def _new_stage(results_dir: Path) -> Path:
    """An empty ``publish.staging/`` folder (an old one is removed)."""
    stage = results_dir / "publish.staging"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    return stage


def _draw(b: _Build, tables, sup, stage: Path, headline: str) -> tuple:
    """Draw the figures into ``stage/figures``, each with the published table shown beside it."""
    params = b.params
    labels = {}
    for t in tables:
        if "criterion_label" in t.data.columns:
            labels.update(zip(t.data["criterion"].astype(str), t.data["criterion_label"].astype(str)))
    hl = b.words["criteria"].get(headline, headline)
    spec_figs = [{**e, "title": e["title"].replace("{headline}", hl)} for e in b.spec.get("figures", [])]
    figures, fskipped = draw_figures(
        spec_figs, sup.tables, stage / "figures", headline=headline, labels=labels,
        target=float(_get(params, "target", 0.8)) if not isinstance(_get(params, "target", 0.8), str) else 0.8,
        funnel_method=_get(params, "funnel_method", "binomial-interpolated"), threshold=b.threshold,
        skip_reason=lambda e: applies(e, b.samples, b.has_prev, b.words["samples"]), words=b.words["authority"],
        sample_labels=b.words["samples"])
    for f in figures:  # the published table shown beside each figure
        f.data_table = dict(next((e.get("data_table") for e in spec_figs if e["id"] == f.id), None) or {})
    return figures, fskipped


def _main_findings(b: _Build, sup, headline: str, names: dict) -> list:
    """The main findings, their numbers traced to table cells in ``restricted/``."""
    conf = float(_get(b.params, "confidence_level", 0.95))
    found = main_findings(sup.tables, headline=headline, conf_level=conf,
                          adjust_method=_get(b.params, "adjust_method", "holm"), names=names, words=b.words,
                          authority=_authority(b.params), samples=_profile(b.params).samples)
    _write_findings(b.results_dir / "restricted", found)
    return found


def _notes(b: _Build, ctx: Context) -> dict:
    """The spec's notes, the one on district samples saying which samples the comparisons read, the
    one on actions naming the actions Table 16 leaves out."""
    notes = dict(b.spec.get("notes", {}))
    if "grades" in notes:  # the cycle's own scale: its length, labels and which end is best
        scale = _get(b.params, "grade_scale", "ofsted_2009") or "ofsted_2009"
        notes["grades"] = grade_scale_note(grade_labels(scale), _profile(b.params).grade_best)
    if "district_samples" in notes:
        notes["district_samples"] = district_samples_note(ctx.district_samples.get(b.cycle),
                                                          [s for s in b.samples if s in _main_samples(b.params)],
                                                          b.words["authority"], _profile(b.params))
    if "reaudit_pairs" in notes:
        notes["reaudit_pairs"] = reaudit_pairs_note(_profile(b.params))
    if "design_based" in notes:  # the purposive cases a stratum only where the estimate reads them
        est = read_results(b.results_dir, "authority_estimate")
        read = ([] if est is None or "sample" not in est.columns or not len(est) else
                [x.strip() for x in str(est["sample"].iloc[0]).split("+") if x.strip()])
        present = [s for s in b.samples if s in _main_samples(b.params)]
        notes["design_based"] = _STRATUM_NOTE.sub(
            lambda m: f"){design_sentence(read, present, _profile(b.params))}.", notes["design_based"])
    if "actions" in notes:  # the register's actions Table 16 leaves out, each with its reason
        extra = left_out_note(read_results(b.results_dir, "action_register"),
                              read_results(b.results_dir, "action_effects_by_cycle"), b.cycle, b.words)
        notes["actions"] = " ".join(x for x in (notes["actions"], extra) if x)
    return notes


def _unused_numbers(skipped) -> str:
    """The numbers of the tables an edition does not have, in words: ``Tables 5 and 6 are``."""
    nums = [reader_number(i) for i, _, _ in skipped if str(i).startswith("T") and ID_PATTERN.match(str(i))]
    if not nums:
        return ""
    if len(nums) == 1:
        return f"{nums[0]} is"
    return "Tables " + join_words(n.split(" ", 1)[1] for n in nums) + " are"


def _content(b: _Build, d: _Disclosed, figures, skipped, found, names, headline: str, now: str) -> AppendixContent:
    """Everything the writers print: tables, figures, notes, methods, caveats, findings and downloads."""
    params, samples, synthetic = b.params, b.samples, b.synthetic
    sup = d.sup
    notes = _notes(b, d.ctx)
    title = _get(params, "title") or f"Case-file audit {_label(params)}: statistical appendix"
    return AppendixContent(
        title=title,
        intro=_intro(params, samples, skipped),
        tables=sup.tables, figures=figures, notes=notes,
        methods=_methods(params, b.manifest, sup.tables, sup=sup, earlier=d.earlier, names=names,
                         figures=figures, extra_tests=_extra_tests(b.spec, b.results_dir, sup.tables),
                         district_note=notes.get("district_samples")),
        caveats=_caveats(params, synthetic),
        skipped=skipped, synthetic=synthetic,
        generated=f"Generated by kentaudit {__version__} on {now}.",
        findings=found, words=b.words,
        publication=_publication(params, now, headline),
        downloads=[*[_DOWNLOADS[f] for f in ("pdf", "xlsx", "ods") if f in _formats(params)],
                   *([(f"csv/{t.id}.csv", f"{t.id}.csv") for t in sup.tables] if "csv" in _formats(params)
                     else [])])


def _check_args(b: _Build, d: _Disclosed) -> dict:
    """The publication check's arguments: restricted files, threshold, width, audits and earlier releases."""
    extra = [Path(p) for p in (b.inputs.get("audits") or [])]
    return dict(restricted_dir=b.results_dir / "restricted", threshold=b.threshold,
                audit_files=extra, width=d.width,
                earlier=sorted({str(p) for _, _, p in d.earlier}) + [
                    str(m) for m in d.modelled if m not in {p for _, _, p in d.earlier}])


def _without_pdf(stage: Path, content: AppendixContent) -> None:
    """Rewrite the page without the PDF download, saying why it is missing."""
    content.downloads = [d for d in content.downloads if d[0] != "appendix.pdf"]
    content.skipped = content.skipped + [("P1", "PDF for printing", "no PDF engine could print "
                                          "the appendix")]
    write_html(stage / "appendix.html", content)


def _write_downloads(stage: Path, content: AppendixContent, d: _Disclosed, formats=_ALL_FORMATS) -> None:
    """Write the spreadsheets (XLSX, ODS) and the CSV files with their metadata, as promised."""
    if "xlsx" in formats:
        write_xlsx(stage / "appendix.xlsx", content)
    if "ods" in formats:
        write_ods(stage / "appendix.ods", content)
    if "csv" in formats:
        write_csvs(stage / "csv", d.sup.tables, ctx=d.ctx, sup=d.sup, earlier=d.earlier,
                   words=profile_words(content.words))


def _join_pdf(job, stage: Path, content: AppendixContent, check_args: dict, findings: list) -> list:
    """Wait for Chromium: add the checked PDF, or check the page again without it; the findings."""
    pdf = finish_pdf(job)
    if pdf is None:  # the page no longer offers the PDF: checked again as changed
        _without_pdf(stage, content)
        findings = check_publication(stage, **check_args)
    else:
        shutil.move(str(pdf), str(stage / "appendix.pdf"))
        findings += check_printed(stage / "appendix.pdf", restricted_dir=check_args["restricted_dir"],
                                  audit_files=check_args["audit_files"])
    return findings


def _write_and_check(stage: Path, content: AppendixContent, d: _Disclosed, check_args: dict,
                     formats=_ALL_FORMATS) -> list:
    """Write every published file into ``stage`` while Chromium prints the PDF, and check them all."""
    write_html(stage / "appendix.html", content)
    if "pdf" not in formats:
        _write_downloads(stage, content, d, formats)
        return check_publication(stage, **check_args)
    # Chromium prints into a private folder of its own while the rest is written and the
    # folder checked; the PDF joins the folder when done and is checked then.
    printing = Path(tempfile.mkdtemp(prefix="kentaudit-pdf-"))
    job = None
    try:
        job = start_pdf(stage / "appendix.html", printing / "appendix.pdf")
        _write_downloads(stage, content, d, formats)
        if job is None:
            _without_pdf(stage, content)
        findings = check_publication(stage, **check_args)
        if job is not None:
            findings = _join_pdf(job, stage, content, check_args, findings)
    except BaseException:  # an error, or a signal stopping the run: Chromium must not outlive it
        stop_pdf(job)
        raise
    finally:
        shutil.rmtree(printing, ignore_errors=True)
    return findings


def _publish(results_dir: Path, stage: Path, findings) -> Path:
    """Move the checked ``stage`` to ``publish/``; on findings keep it as ``publish_rejected/`` and raise."""
    final = results_dir / "publish"
    if findings:
        rej = results_dir / "publish_rejected"
        if rej.exists():
            shutil.rmtree(rej)
        stage.rename(rej)
        raise PublicationCheckError(findings)
    if final.exists():
        shutil.rmtree(final)
    stage.rename(final)
    return final


def build_appendix_cli(params_path, results_dir=None) -> int:
    """``kentaudit appendix``: load the parameters, build the appendix, print where it is.

    Returns 0 on success; errors are raised as :class:`~kentaudit.core.errors.KentauditError`
    (the CLI prints them and exits non-zero).
    """

    params = load_params(params_path)
    res = build_appendix(params, results_dir)
    print(f"appendix: {len(res.tables)} tables, {len(res.figures)} figures -> {res.publish_dir}")
    for id_, title, why in res.skipped:
        print(f"  skipped {id_} ({title}): {why}")
    for line in res.loss:
        print(f"  disclosure control: {line}")
    print(f"restricted (unsuppressed, internal only): {res.restricted_dir}")
    return 0
