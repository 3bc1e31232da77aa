"""The audit data model: one row per audit of one case file.

This module is the single machine-readable statement of the columns that
``docs/data-dictionary.md`` describes. Ingest validates against it, the
synthetic generator writes it, and tests check the document agrees with it.

Conventions
-----------
* Criterion answers are stored as the canonical codes ``"Y"``, ``"N"`` and
  ``"NA"`` (not applicable). A blank answer is **missing** and is stored as a
  true missing value (``pd.NA``), never as ``"NA"``. Read CSVs with
  ``keep_default_na=False`` so the string ``NA`` is not turned into missing.
* Grades are ordinal integers 1-4 where **1 is best** (Outstanding) and 4 is
  worst (Inadequate); labels depend on the era (see ``reference.grade_labels``).
* A blank age is **not recorded**: the audit is kept (its answers and grades count) and its
  ``age_band`` is the code ``not_recorded`` (:data:`AGE_NOT_RECORDED`), a level of its own
  wherever ages are broken down or adjusted for, never a guessed band and never a reason to
  drop the audit. (A blank age says nothing about the case file's quality, which is what is
  audited; rejecting the audit would lose its answers for a fact the analysis only adjusts
  for.)
* Dates are ISO 8601 (``YYYY-MM-DD``) calendar dates.
* ``sample``: ``initial`` (the 2009 high-risk sample, electronic records),
  ``extended`` (the *additional* cases drawn to extend it: the full extended
  sample is ``initial`` plus ``extended``), ``reaudit`` (initial cases audited
  again from their comprehensive file; paired with ``initial`` by
  ``case_ref``) and ``annual`` (the annual programme of practice audits).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kentaudit.inputs import reference

__all__ = [
    "AGE_BANDS",
    "AGE_NOT_RECORDED",
    "ANSWER_CODES",
    "CASE_STATUSES",
    "CP_CATEGORIES",
    "DOMAINS",
    "NO",
    "NOT_APPLICABLE",
    "PROCESS_DATES",
    "RECORD_SOURCES",
    "RISK_FLAGS",
    "SAMPLES",
    "YES",
    "Column",
    "columns",
    "criterion_columns",
    "grade_columns",
    "required_columns",
]

YES, NO, NOT_APPLICABLE = "Y", "N", "NA"
ANSWER_CODES = (YES, NO, NOT_APPLICABLE)

SAMPLES = ("initial", "extended", "reaudit", "annual")
CASE_STATUSES = ("s47", "cp_plan", "cin", "lac")
CP_CATEGORIES = ("neglect", "emotional", "physical", "sexual", "multiple")
AGE_BANDS = ("unborn", "under_1", "1-4", "5-9", "10-15", "16-17")
#: The ``age_band`` of an audit whose age is blank in the export: kept, as a level of its own.
AGE_NOT_RECORDED = "not_recorded"
RECORD_SOURCES = ("electronic", "hard_copy", "comprehensive")
DOMAINS = ("voice", "assessment", "history", "protection", "planning",
           "oversight", "multi_agency", "recording")
RISK_FLAGS = ("risk_under1", "risk_domestic_abuse", "risk_mental_health",
              "risk_substance", "risk_violent_partner", "risk_repeat_plan")
PROCESS_DATES = ("strategy_date", "s47_start_date", "icpc_date",
                 "first_core_group_date", "first_review_date")
FLAG_CODES = ("Y", "N")


@dataclass(frozen=True)
class Column:
    """One column of the audit record.

    ``kind`` is one of ``id``, ``text``, ``category``, ``date``, ``grade``,
    ``answer`` (Y/N/NA, blank = missing) or ``flag`` (Y/N). ``blank_ok``: a column every
    export must have whose value may be blank, read as **not recorded** (the overall grade:
    an audit whose grade was not recorded still carries its answers; the grade analyses leave
    it out and the data-quality tables count it as not recorded). ``blank_as``: the code a blank
    is stored as, for a required column whose blank is a level of its own (``age_band``:
    :data:`AGE_NOT_RECORDED`); the audit is kept.
    """

    name: str
    kind: str
    required: bool
    description: str
    allowed: tuple = field(default=())
    free_text: bool = False
    blank_ok: bool = False
    blank_as: str | None = None


def criterion_columns(criteria=None) -> list[str]:
    """``c_<id>`` column names for the criteria catalogue (default: bundled)."""
    cat = reference.criteria() if criteria is None else criteria
    return [f"c_{i}" for i in cat["id"]]


def grade_columns(profile=None) -> list[str]:
    """Domain grade column names, ``grade_<domain>``, of the profile's graded domains
    (default: the bundled example's, :data:`DOMAINS`)."""
    domains = DOMAINS if profile is None or profile.graded_domains is None else profile.graded_domains
    return [f"grade_{d}" for d in domains]


def columns(criteria=None, profile=None) -> list[Column]:
    """Every column of the model, in the canonical order of an export.

    ``profile`` (:class:`kentaudit.inputs.profile.Profile`) gives the closed sets (samples,
    case types, plan categories, age bands, record sources, answer codes) and the graded
    domains; without it, the bundled example's (the constants of this module)."""
    if profile is not None:
        return _profile_columns(criteria, profile)
    cols = [
        Column("audit_id", "id", True, "Unique identifier of this audit (one audit of one case file)."),
        Column("case_ref", "id", True, "Case reference. Pseudonymised on ingest with a keyed hash; the raw reference never leaves ingest."),
        Column("cycle", "category", True, "QA cycle id: the year the audit belongs to, e.g. 2009."),
        Column("sample", "category", True, "initial, extended (additional cases), reaudit or annual.", SAMPLES),
        Column("district", "category", True, "One of Kent's 12 districts (reference table).", tuple(reference.districts()["district"])),
        Column("team", "text", True, "Team holding the case."),
        Column("case_status", "category", True, "s47 enquiry, cp_plan, cin (child in need) or lac (looked after).", CASE_STATUSES),
        Column("cp_category", "category", False, "Category of a child-protection plan; blank unless case_status is cp_plan.", CP_CATEGORIES),
        Column("age_band", "category", True, "Child's age band at audit; blank = not recorded (not_recorded).",
               AGE_BANDS + (AGE_NOT_RECORDED,), blank_as=AGE_NOT_RECORDED),
        Column("record_source", "category", True, "What the auditor read: electronic (ICS), hard_copy or comprehensive (both).", RECORD_SOURCES),
        Column("auditor", "text", True, "Auditor code. Never published."),
        Column("audit_date", "date", True, "Date of the audit; not in the future."),
        Column("overall_grade", "grade", True, "Overall grade 1-4 (1 best); blank = not recorded.", blank_ok=True),
    ]
    cols += [Column(g, "grade", False, f"Domain grade for {g[6:]} (1-4, blank if not graded).") for g in grade_columns()]
    cat = reference.criteria() if criteria is None else criteria
    for _, r in cat.iterrows():
        cols.append(Column(f"c_{r['id']}", "answer", True, f"{r['label']} (Y/N/NA; blank = missing).", ANSWER_CODES))
    cols += [
        Column("moderator", "text", False, "Moderating (second) auditor's code, if moderated. Never published."),
        Column("moderated_grade", "grade", False, "Overall grade after moderation (1-4); needs a moderator."),
    ]
    cols += [Column(d, "date", False, f"Process date: {d.replace('_', ' ')}.") for d in PROCESS_DATES]
    cols += [Column(f, "flag", False, f"Risk flag {f[5:].replace('_', ' ')} (Y/N).", FLAG_CODES) for f in RISK_FLAGS]
    cols.append(Column("notes", "text", False, "Auditor's free-text note. Never published; formula text is neutralised on spreadsheet output.", free_text=True))
    return cols


def required_columns(criteria=None, profile=None) -> list[str]:
    """Names of the columns every export must have."""
    return [c.name for c in columns(criteria, profile) if c.required]


def _profile_columns(criteria, profile) -> list[Column]:
    """:func:`columns` from a profile's closed sets (``docs/profile.md``)."""
    w = profile.words
    codes = profile.answers.codes
    answer_words = "/".join(codes)
    plan = profile.plan_case_type
    cols = [
        Column("audit_id", "id", True, "Unique identifier of this audit (one audit of one case file)."),
        Column("case_ref", "id", True, "Case reference. Pseudonymised on ingest with a keyed hash; the raw reference never leaves ingest."),
        Column("cycle", "category", True, "QA cycle id: the cycle the audit belongs to (its label or id)."),
        Column("sample", "category", True, "The sample the audit belongs to (the profile's samples).",
               profile.sample_names),
        Column("district", "category", True, f"The {w.unit} holding the case (units table: name or code)."),
        Column("team", "text", True, "Team holding the case."),
        Column("case_status", "category", True, "Case type (the profile's case_types).",
               tuple(profile.case_types)),
        Column("cp_category", "category", False, f"Category of plan; blank unless case_status is {plan}.",
               tuple(profile.plan_categories)),
        Column("age_band", "category", True, "Child's age band at audit (the profile's age_bands); blank = not "
               "recorded (not_recorded).", tuple(b.code for b in profile.age_bands) + (AGE_NOT_RECORDED,),
               blank_as=AGE_NOT_RECORDED),
        Column("record_source", "category", profile.record_source_required,
               "What the auditor read (the profile's record_sources).", tuple(profile.record_sources)),
        Column("auditor", "text", True, "Auditor code. Never published."),
        Column("audit_date", "date", True, "Date of the audit; not in the future."),
        Column("overall_grade", "grade", True, "Overall grade (the cycle's grade scale); blank = not recorded.",
               blank_ok=True),
    ]
    cols += [Column(g, "grade", False, f"Domain grade for {g[6:]} (blank if not graded).")
             for g in grade_columns(profile)]
    cat = reference.criteria() if criteria is None else criteria
    for _, r in cat.iterrows():
        cols.append(Column(f"c_{r['id']}", "answer", True, f"{r['label']} ({answer_words}; blank = missing).",
                           codes))
    cols += [
        Column("moderator", "text", False, "Moderating (second) auditor's code, if moderated. Never published."),
        Column("moderated_grade", "grade", False, "Overall grade after moderation; needs a moderator."),
    ]
    cols += [Column(d, "date", False, f"Process date: {d.replace('_', ' ')}.") for d in PROCESS_DATES]
    cols += [Column(f, "flag", False, f"Risk flag {f[5:].replace('_', ' ')} (Y/N).", FLAG_CODES) for f in RISK_FLAGS]
    cols.append(Column("notes", "text", False, "Auditor's free-text note. Never published; formula text is neutralised on spreadsheet output.", free_text=True))
    return cols
