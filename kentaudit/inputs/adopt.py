"""From a council's own export to a first profile and mapping (``kentaudit init EXPORT``).

:func:`propose` reads an export (CSV or XLSX, as ingest reads it) and proposes

* a **mapping** (``docs/profile.md``, "A mapping per export"): each header matched to a
  kentaudit column by its name (a list of the names audit tools use, then similarity);
  questions such as "Q2. Is there an up-to-date chronology?" become criteria with their
  wording and a generated id; answer words recognised (Yes, No, Partially, N/A, ...); grade
  words matched to a scale by their labels; the date format detected from the dates; ages in
  years recognised;
* a **profile skeleton**: a units table from the distinct unit values (areas to fill in), the
  criteria catalogue, the grade scale, samples, case types, plan categories, age bands and the
  cycle style seen in the data.

:func:`write_proposal` writes them (``mapping.yaml``, ``profile.yaml``, ``units.csv``,
``criteria.csv``, ``grade_scales.csv`` and a parameter file ``cycle.yaml``) for the analyst to edit, never over an existing file
unless told to. What it could not decide is listed (:attr:`Proposal.undecided`), never guessed
silently: a header it does not recognise is listed under ``ignore:`` and named; a value it does
not recognise is left out of the value map (so ingest rejects it, rule ``unmapped_value``) and
named.

Name matching is written here (``difflib`` of the standard library for similarity) rather than
with a fuzzy-matching package: the lists are short and the rule must be stated exactly.
"""
from __future__ import annotations

import csv
import datetime as _dt
import difflib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from kentaudit.core.errors import KentauditError
from kentaudit.inputs.ingest import read_table
from kentaudit.inputs.mapping import DELIMITERS, MONTHS, SERIAL_EPOCH, value_key
from kentaudit.inputs.profile import part_of_year, plural
from kentaudit.inputs.reference import grade_scales

__all__ = ["AREA_NAMES", "AUDITOR_WORDS", "COLUMN_NAMES", "GRADE_WORDS", "UNIT_WORDS", "Proposal", "criterion_id",
           "propose", "write_proposal"]

#: Names audit tools give each kentaudit column (matched after :func:`_words`), first exactly,
#: then by similarity (:data:`SIMILARITY`).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "audit_id": ("audit id", "id", "response id", "audit number", "audit no", "audit ref", "submission id",
                 "respondent id", "response number", "respondent", "record id", "entry id", "form id"),
    "case_ref": ("case ref", "case reference", "case number", "case no", "case id", "child id", "person id",
                 "client id", "child reference",
                 # the ids of case-management systems councils use
                 "lcs id", "mosaic id", "eclipse id", "carefirst id", "ics id", "protocol id", "azeus id",
                 "lcs number", "mosaic number"),
    "cycle": ("cycle", "audit year", "qa cycle", "year", "financial year", "audit cycle", "audit period",
              "audit round", "round", "qa round", "audit term"),
    "sample": ("sample", "audit type", "sample type", "type of audit", "which audit is this", "which audit",
               "audit sample", "audit programme", "which sample"),
    "district": ("district", "locality", "unit", "area office", "patch", "hub"),
    "team": ("team", "team name", "social work team"),
    "case_status": ("case status", "case type", "status", "type of case", "legal status"),
    "cp_category": ("cp category", "category of plan", "plan category", "category of abuse",
                    "cp plan category"),
    "age_band": ("age band", "age", "age of child", "child age", "childs age", "age group", "age in years"),
    "record_source": ("record source", "records read", "records audited"),
    "auditor": ("auditor", "auditor name", "audited by", "auditor code", "reviewer", "auditor email"),
    "audit_date": ("audit date", "date of audit", "date audited", "date audit completed", "audit completed"),
    "overall_grade": ("overall grade", "overall judgement", "overall", "overall rating", "overall judgment"),
    "moderator": ("moderator", "moderated by", "moderator name"),
    "moderated_grade": ("moderated grade", "grade after moderation", "moderated overall grade",
                        "moderated judgement"),
    "notes": ("notes", "comments", "auditor comments", "any other comments", "auditor notes"),
    "strategy_date": ("strategy date", "strategy discussion date"),
    "icpc_date": ("icpc date", "initial conference date", "initial child protection conference date"),
    "first_core_group_date": ("first core group date", "core group date"),
    "first_review_date": ("first review date", "review conference date"),
}
#: Names of a column holding each unit's group (its area): read for the units table, not stored
#: per audit (ingest adds ``area`` from the units table), so listed under ``ignore:``.
AREA_NAMES = ("area", "division", "quadrant", "region", "directorate", "locality group", "service area",
              "service")
#: How similar (difflib ratio) a header must be to a name of :data:`COLUMN_NAMES` to be matched.
SIMILARITY = 0.86
#: Grade words in order, best first, for ordering a scale the bundled scales do not have.
GRADE_WORDS = ("outstanding", "excellent", "very good", "good", "satisfactory", "adequate", "fair",
               "requires improvement", "requires improvement to be good", "weak", "poor", "very poor",
               "inadequate", "unsatisfactory", "very weak")
#: Answer words (matched as :func:`kentaudit.inputs.mapping.value_key` matches them: case and spacing
#: ignored) and the code each is proposed as; ``P`` is the partial answer (``answers.partial``).
_ANSWER_WORDS = {"Y": ("yes", "y", "true", "met", "fully", "fully met", "achieved", "in place",
                       "\u2713", "\u2714", "\u2611", "\u2705"),          # a tick: ✓ ✔ ☑ ✅
                 "N": ("no", "n", "false", "not met", "not achieved", "not in place",
                       "\u2717", "\u2718", "\u00d7", "\u274c", "\u2612"),  # a cross: ✗ ✘ × ❌ ☒
                 "NA": ("n/a", "na", "n.a.", "not applicable", "not relevant", "n/a - not applicable"),
                 "P": ("p", "partially", "partial", "partly", "in part", "partially met", "partly met", "part met",
                       "met in part", "some", "somewhat", "partially achieved", "partly achieved")}
#: Words of a header naming the unit compared (in the order preferred as the profile's unit word when a
#: header names two, such as "Locality/Team"): matched as whole words after :func:`_words`.
UNIT_WORDS = ("team", "locality", "district", "unit", "hub", "patch")
#: Words of a header naming who audited (its identity: an e-mail address is pseudonymised on ingest).
AUDITOR_WORDS = ("auditor", "reviewer", "audited by", "reviewed by", "completed by")
_QUESTION = re.compile(r"^\s*(?:q(?:uestion)?\s*\d+[a-z]?\b\s*[.:)\-]?\s*)(.*)$|^(.*\?)\s*$"
                       r"|^\s*\d{1,3}[a-z]?\s*[.:)]\s+(\S.*)$", re.IGNORECASE | re.DOTALL)
_STOP = frozenset(("a", "an", "the", "is", "are", "was", "were", "be", "been", "has", "have", "had", "does",
                   "do", "did", "there", "any", "of", "on", "in", "for", "with", "and", "that", "this", "it",
                   "its", "where", "when", "at", "by", "from", "all"))
_DATE = re.compile(r"^([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})$")
#: A date with a two-digit year ("14.08.26").
_DATE2 = re.compile(r"^([0-9]{1,2})([/.])([0-9]{1,2})\2([0-9]{2})$")
#: An ISO date-time with a time of day (a spreadsheet's date-time cell, a form tool's timestamp).
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([0-9]{2}:[0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?$")
#: A date format written in a header ("Date audited (dd.mm.yyyy)").
_HEADER_FORMAT = re.compile(r"\b(dd|mm)([/.-])(mm|dd)\2(yyyy)\b", re.IGNORECASE)
#: An age in years, with a decimal point or a decimal comma ("7.5", "7,5": as ingest reads an age)
_NUMBER = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]+)?$")
#: A date with the month in words ("7 Mar 2026", "07 March 2026").
_DATE_WORDS = re.compile(r"^([0-9]{1,2})[ -]([A-Za-z]{3,9})\.?[ -]([0-9]{4})$")
#: Spreadsheet serial numbers taken as dates: 1 January 1990 to 31 December 2099.
_SERIAL_RANGE = (32874, 73415)
_FY = re.compile(r"^([0-9]{4})[/-]([0-9]{2})$")
#: The age bands proposed for ages in years (children's services' usual bands), extended to the
#: oldest age seen.
_BANDS = ((0, 0, "under_1", "Under 1"), (1, 4, "1-4", "1 to 4"), (5, 9, "5-9", "5 to 9"),
          (10, 15, "10-15", "10 to 15"), (16, 17, "16-17", "16 to 17"), (18, 25, "18-25", "18 to 25"))


def _words(text) -> str:
    """A header as words: lower case, every run of other characters a space."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text or "").lower().replace("'", "")).split())


def _slug(text) -> str:
    s = re.sub(r"[^0-9a-z]+", "_", str(text).lower().replace("'", "")).strip("_")
    return s[:32].strip("_") or "x"


def criterion_id(question: str, taken=()) -> str:
    """A criterion id from a question's wording: its number and small words dropped, the first
    four words joined with ``_`` ("Q2. Is there an up-to-date chronology?" ->
    ``up_to_date_chronology``), made unique against ``taken`` with ``_2``, ``_3``, ..."""
    question = _question_text(question)
    m = _QUESTION.match(question)
    text = (m.group(1) or m.group(2) or m.group(3)) if m else question
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'s", "").replace("'", ""))
    keep = [w for w in words if w not in _STOP] or words or ["criterion"]
    base = "_".join(keep[:4])[:40].strip("_")
    if not base[0].isalpha():
        base = "q_" + base
    out, k = base, 2
    while out in taken:
        out, k = f"{base}_{k}", k + 1
    return out


#: A survey tool's instruction after a question ("(Please select one)", "(tick one)", "(required)"):
#: not part of the criterion's wording.
_INSTRUCTION = re.compile(r"\s*[(\[]\s*(?:please\b|select\b|choose\b|tick\b|pick\b|required\b|optional\b|"
                          r"one answer\b|single choice\b)[^)\]]*[)\]]\s*$", re.IGNORECASE)


def _question_text(header: str) -> str:
    """A question header without a survey tool's trailing instruction."""
    return _INSTRUCTION.sub("", str(header)).strip() or str(header)


def _label(question: str) -> str:
    question = _question_text(question)
    m = _QUESTION.match(question)
    text = (m.group(1) or m.group(2) or m.group(3)) if m else question
    return " ".join(text.split()) or " ".join(question.split())


@dataclass
class Proposal:
    """What :func:`propose` proposes: the mapping and profile (YAML-ready mappings), the
    reference tables (rows), what it decided and how (``decided``) and what the analyst must
    decide (``undecided``), each a sentence."""

    export: Path
    mapping: dict
    profile: dict
    units: list = field(default_factory=list)
    criteria: list = field(default_factory=list)
    grade_scales: list = field(default_factory=list)
    decided: list = field(default_factory=list)
    undecided: list = field(default_factory=list)
    #: a parameter file naming the export, the profile and the mapping (``cycle.yaml``)
    params: dict = field(default_factory=dict)


def _header_words(header) -> str:
    """A header as words with a parenthesised hint left out ("Date audited (dd.mm.yyyy)" -> "date audited")."""
    return _words(re.sub(r"\([^)]*\)", " ", str(header or "")))


def _match_column(header: str, taken: set, by_words: bool = True) -> tuple[str | None, str]:
    w = _header_words(header)
    for col, names in COLUMN_NAMES.items():
        if w == col.replace("_", " ") or w in names:
            return (col, "by name") if col not in taken else (None, f"also means {col}")
    best, score = None, 0.0
    for col, names in COLUMN_NAMES.items():
        for n in (col.replace("_", " "), *names):
            r = difflib.SequenceMatcher(None, w, n).ratio()
            if r > score:
                best, score = col, r
    if best is not None and score >= SIMILARITY and best not in taken:
        return best, f"by similarity to {best!r} ({score:.2f})"
    return _by_words(w, taken) if by_words else (None, "")


#: Words that may stand beside a unit word in a unit column's header ("Locality/Team", "Team name").
_UNIT_FILLER = frozenset(("name", "social", "work", "office", "area", "or", "and", "the", "of", "case", "holding",
                          "which", "what", "is", "held", "in", "this", "allocated", "to", "childs", "child",
                          "belongs", "does", "allocation"))
#: Words that make a header about an auditor something else (a comment, a date, a grade).
_NOT_AUDITOR = frozenset(("comment", "comments", "note", "notes", "date", "grade", "role", "team", "moderator",
                          "signature", "signed"))


def _by_words(w: str, taken: set) -> tuple[str | None, str]:
    """A header recognised by the words it is made of, where no name of :data:`COLUMN_NAMES` matched
    (a form tool's own header): a unit column ("Locality/Team": every word a unit word such as team,
    locality, district, unit or hub, or a filler such as name), the auditor ("Auditor email",
    "Reviewer"), the date of the audit ("Date audited (dd.mm.yyyy)")."""
    words = w.split()
    tokens = set(words)
    if tokens & set(UNIT_WORDS) and tokens <= set(UNIT_WORDS) | _UNIT_FILLER:
        col = "district" if "district" not in taken else ("team" if "team" in tokens else None)
        if col is not None and col not in taken:
            return col, "by its words (a unit: " + ", ".join(x for x in words if x in UNIT_WORDS) + ")"
    if any(re.search(rf"\b{a}\b", w) for a in AUDITOR_WORDS) and not tokens & _NOT_AUDITOR \
            and "auditor" not in taken:
        return "auditor", "by its words (who audited)"
    # a survey tool's long headers: "Overall, how would you grade the quality of practice on this case?",
    # "Child's age at the time of audit", "What type of case is this?", "Any other comments about this case?"
    if "overall" in tokens and tokens & {"grade", "rating", "rate", "judgement", "judgment"} and \
            not tokens & {"moderated", "moderation", "moderator"} and "overall_grade" not in taken:
        return "overall_grade", "by its words (the overall grade)"
    if "auditor" in tokens and tokens & {"grade", "rating", "judgement", "judgment"} and \
            not tokens & {"moderated", "moderation", "moderator"} and "overall_grade" not in taken:
        return "overall_grade", "by its words (the auditor's grade: the overall grade a moderator moderates)"
    if "age" in tokens and not tokens & {"grade", "date", "appropriate", "agency", "agencies"} and \
            "age_band" not in taken:
        return "age_band", "by its words (the child's age)"
    if tokens & {"comment", "comments", "notes", "note"} and "notes" not in taken:
        return "notes", "by its words (free text: never published)"
    if "type" in tokens and tokens & {"case", "plan", "legal"} and "case_status" not in taken:
        return "case_status", "by its words (the case type)"
    if "date" in tokens and tokens & {"audit", "audited", "review", "reviewed", "completed"} and \
            not tokens & {"moderated", "moderation", "conference", "next"} and "audit_date" not in taken:
        return "audit_date", "by its words (the date of the audit)"
    return None, ""


def _holds_answers(records, i: int, header, taken: set) -> bool:
    """Whether a header worded as a question ("Which team is the case held in?") is a criterion: its
    cells are mostly answer words (Yes, Met, Partly met, N/A, ...), or it names no kentaudit column by
    its words and holds a few distinct values (answers in words init does not know, listed as not
    recognised). A question whose cells are teams, case types, samples or free text is not a criterion."""
    cells = [" ".join(f[i].split()) for _, f in records if i < len(f) and f[i].strip()]
    if not cells:
        return _match_column(header, taken)[0] is None
    known = set().union(*_ANSWER_WORDS.values())
    if sum(value_key(c) in known for c in cells) >= len(cells) / 2:
        return True
    return _match_column(header, taken)[0] is None and len({value_key(c) for c in cells}) <= 6


#: Words of a domain grade's header that do not name its domain ("How would you grade the impact of our
#: work on the child's outcomes?" -> ``impact_work``).
_NOT_DOMAIN = frozenset(("how", "would", "you", "your", "our", "we", "grade", "grading", "rate", "rating",
                         "please", "select", "one", "what", "give", "overall", "childs", "child"))


def _domain_name(words: str) -> str:
    """A domain code from a grade header's words: a short header as it is ("Grade - quality of practice"
    -> ``quality_of_practice``), a survey question by its first two words that name something."""
    rest = re.sub(r"\bgrade\b", " ", words).split()
    if len(rest) <= 4:
        return _slug(" ".join(rest))
    keep = [x for x in rest if x not in _STOP and x not in _NOT_DOMAIN]
    return _slug(" ".join(keep[:2] or rest[:2]))


def _sample_phrase(label: str) -> str:
    """How a sentence names a sample, from its label: "Random monthly audit" -> "the random monthly audit
    sample" (a finding then never names it by its code: "the random (random_monthly_audit) sample")."""
    words = " ".join(label.split())
    words = words[:1].lower() + words[1:] if words[:2].istitle() or words[:2].islower() else words
    return f"the {words}" + ("" if "sample" in words.lower() else " sample")


def _age_order(label: str) -> float:
    """Where an age band's words put it ("Unborn", "Under 5" first, then by the first age named)."""
    w = _words(label)
    if w.startswith(("unborn", "pre birth", "prebirth")):
        return -2.0
    m = re.search(r"[0-9]+", w)
    if w.startswith(("under", "below", "less than")):
        return -1.0 + (float(m[0]) / 1000 if m else 0)
    return float(m[0]) if m else 1000.0


def _partly_bundled(words: list[str]):
    """(scale, its number of grades, its labels not among ``words``) of a bundled scale whose labels
    include every word but which has more grades (Ofsted's four for "Good / Requires improvement /
    Inadequate"), else None."""
    gs = grade_scales(Path(str(resources.files("kentaudit") / "data" / "grade_scales.csv")))
    keys = {value_key(w) for w in words}
    for name, sub in gs.groupby("scale", sort=False):
        labels = [str(lab) for lab in sub["label"]]
        if keys < {value_key(lab) for lab in labels}:
            return name, len(labels), [lab for lab in labels if value_key(lab) not in keys]
    return None


def _unit_word(header: str, team_too: bool) -> str:
    """The profile's unit word from the unit column's header: its unit word ("Locality" -> locality); of a
    header naming two ("Locality/Team"), the team where the column stands for the team too, else the other."""
    words = _header_words(header).split()
    found = [w for w in UNIT_WORDS if w in words]
    if team_too and "team" in found:
        return "team"
    found = [w for w in found if w != "team"] or found
    return found[0] if found else _header_words(header)


def _known_scale(words: list[str]):
    """A bundled scale whose labels are exactly these words, every one (ignoring case and spacing), as
    (name, {word: grade}). Three of Ofsted's four words are not Ofsted's scale: they are proposed as a
    scale of the authority's own (:func:`_partly_bundled` says so), never as its grades 2 to 4."""
    gs = grade_scales(Path(str(resources.files("kentaudit") / "data" / "grade_scales.csv")))
    for name, sub in gs.groupby("scale", sort=False):
        labels = {value_key(lab): int(g) for g, lab in zip(sub["grade"], sub["label"])}
        if {value_key(w) for w in words} == set(labels):
            return name, {w: labels[value_key(w)] for w in words}
    return None


def _propose_repeats(samples: dict, smap: dict, records, by_col: dict, undecided: list) -> None:
    """``repeats: <sample>`` for a sample whose every case is a case of one other sample (a re-audit), in
    ``samples`` (the proposed profile's), with a line to check in ``undecided``."""
    if not by_col.get("sample") or not by_col.get("case_ref"):
        return
    si, ci = by_col["sample"][0], by_col["case_ref"][0]
    keyed = {value_key(v): c for v, c in smap.items()}
    cases: dict = {}
    for _, f in records:
        v = keyed.get(value_key(f[si])) if si < len(f) else None
        c = f[ci].strip() if ci < len(f) else ""
        if v is not None and c:
            cases.setdefault(v, set()).add(c)
    for s, mine in cases.items():
        others = [o for o, theirs in cases.items() if o != s and mine <= theirs and len(mine) < len(theirs)]
        if len(others) == 1:
            samples[s]["repeats"] = others[0]
            undecided.append(f"samples: every case of {s!r} is a case of {others[0]!r}: proposed as its re-audit "
                             f"(repeats: {others[0]}, paired by case); check it in profile.yaml")


def _holds_grade_words(records, i: int) -> bool:
    """Whether a column's cells are grade words ("Good", "REQUIRES IMPROVEMENT"): at least 20 filled cells,
    nine in ten of them common grade words (:data:`GRADE_WORDS`), at least two different words."""
    cells = [value_key(f[i]) for _, f in records if i < len(f) and f[i].strip()]
    return (len(cells) >= 20 and sum(c in GRADE_WORDS for c in cells) >= 0.9 * len(cells)
            and len(set(cells)) >= 2)


def _nested_in(records, i: int, j: int) -> bool:
    """Whether column ``i`` names units within the areas of column ``j``: every row filled in both, more
    distinct values than ``j`` (at most 200 and fewer than half the rows), each value in one area only."""
    area_of: dict = {}
    for _, f in records:
        u = value_key(f[i]) if i < len(f) else ""
        a = value_key(f[j]) if j < len(f) else ""
        if not u or not a or area_of.setdefault(u, a) != a:
            return False
    n = len(area_of)
    return len(set(area_of.values())) < n <= min(200, len(records) / 2)


def _header_row(header: list, records: list) -> int:
    """The row of an export's headers where a title sits above them: 1 unless the first row has at most
    two filled cells and a row among the next ten has at least three and more than twice as many (a
    workbook's "Council name - case file audit returns" and a blank row above the table). The rows
    above are a title only if the table's own rows follow: the first such row is the header."""
    filled = sum(1 for h in header if str(h).strip())
    if filled > 2:
        return 1
    for row, fields in records[:10]:
        n = sum(1 for f in fields if str(f).strip())
        if n >= 3 and n > 2 * filled:
            return row
    return 1


def _widest(header: list, records: list) -> int:
    """The most filled cells in the header or one of the ten rows after it."""
    return max(sum(1 for f in fields if str(f).strip()) for fields in [header] + [r for _, r in records[:10]])


def _delimiter(export, header: list, records: list) -> tuple[str, list, list, str]:
    """The character between a CSV's fields: the one of :data:`DELIMITERS` that splits its first rows
    into the most cells (a spreadsheet saves ";"-delimited CSV where the decimal mark is a comma), and
    the table read with it: ``(delimiter, header, records, encoding)``. "," unless another gives at
    least three cells and more than "," does."""
    best = (_widest(header, records), ",", header, records, None)
    seen = " ".join(str(f) for fields in [header] + [r for _, r in records[:10]] for f in fields)
    for d in DELIMITERS[1:]:
        if d not in seen:
            continue  # not in the first rows as read with commas: not the delimiter (no second reading)
        try:
            h, r, enc = read_table(export, delimiter=d)
        except KentauditError:
            continue  # not well-formed with this delimiter: not it
        n = _widest(h, r)
        if n >= 3 and n > best[0]:
            best = (n, d, h, r, enc)
    return best[1], best[2], best[3], best[4]


def _take(header: str, role: str, ignore: list, undecided: list, columns: dict, taken: set) -> list:
    """Map an ignored ``header`` to ``role`` after all: out of ``ignore``, its "not decided"
    line dropped (returned: the new list), mapped and marked taken."""
    ignore.remove(header)
    columns[header] = role
    taken.add(role)
    return [u for u in undecided if not u.startswith(f"header {header!r}:")]


def propose(export, *, name: str | None = None, short_name: str | None = None) -> Proposal:
    """Propose a mapping and a profile skeleton for an export.

    Parameters
    ----------
    export : path
        A CSV or XLSX export as the form tool wrote it.
    name, short_name : str, optional
        The authority's name ("Fenmarsh County Council") and short name ("Fenmarsh"); left
        for the analyst to fill in (and listed as undecided) when not given.

    Returns
    -------
    Proposal
    """
    header, records, encoding = read_table(export)
    decided, undecided = [], []
    delimiter = ","
    if not encoding.startswith("xlsx:"):
        delimiter, header, records, enc = _delimiter(export, header, records)
        encoding = enc or encoding
        if delimiter != ",":
            decided.append(f"the fields are separated by {delimiter!r}, not commas (delimiter: {delimiter!r} in "
                           "mapping.yaml)")
    header_row = _header_row(header, records)
    if header_row > 1:
        title = next((str(h).strip() for h in header if str(h).strip()), "")
        header, records, encoding = read_table(export, encoding[5:] if encoding.startswith("xlsx:") else None,
                                               header_row, delimiter)
        decided.append(f"the headers are on row {header_row} (header_row: {header_row} in mapping.yaml); the "
                       f"row(s) above them, a title ({title[:60]!r}), are not read")
    columns, ignore, taken = {}, [], set()
    questions, graded = [], []
    crit_ids: list[str] = []
    area_col = None
    for i, h in enumerate(header):
        if not str(h).strip():
            continue
        if _QUESTION.match(str(h)) and not _match_column(h, set(), by_words=False)[0] \
                and _holds_answers(records, i, h, taken):
            cid = criterion_id(str(h), crit_ids)
            crit_ids.append(cid)
            questions.append((i, h, cid))
            columns[h] = f"c_{cid}"
            continue
        w = _words(h)
        if w in AREA_NAMES and area_col is None:
            area_col = (i, h)
            ignore.append(h)
            decided.append(f"header {h!r}: each unit's {w}, read for the units table (listed under ignore:)")
            continue
        col, how = _match_column(h, taken)
        if col is None and "overall_grade" not in taken and re.search(r"\bauditor s? ?grade\b|\bauditors? grade\b", w) \
                and "moderat" not in w:
            col, how = "overall_grade", "the auditor's grade: the overall grade a moderator moderates"
        if col is None and re.search(r"\bgrade\b", w) and "overall" not in w and "moderat" not in w:
            dom = _domain_name(_header_words(h))
            col, how = f"grade_{dom}", "a domain grade (its header names a grade)"
            graded.append(dom)
        if col is None and _holds_grade_words(records, i):
            dom = _slug(" ".join([x for x in _header_words(h).split() if x not in _STOP and x not in _NOT_DOMAIN][:2])
                        or _header_words(h))
            col, how = f"grade_{dom}", "a domain grade (its cells are grade words)"
            graded.append(dom)
        if col is None:
            ignore.append(h)
            undecided.append(f"header {h!r}: not recognised; listed under ignore: (map it under columns: "
                             "if it is a kentaudit column)" + (f" - it {how}" if how else ""))
            continue
        taken.add(col)
        columns[h] = col
        decided.append(f"header {h!r} -> {col} ({how})")

    # the unit: a unit column, else a team column, else the area column stands for it
    if "district" not in taken and "team" not in taken and area_col is not None:
        # a column of the export's own word ("Pod") whose values each sit in one area ("Quadrant"): the units
        nested = next((h for h in ignore if h != area_col[1] and _nested_in(records, header.index(h), area_col[0])),
                      None)
        if nested is not None:
            undecided = _take(nested, "district", ignore, undecided, columns, taken)
            decided.append(f"header {nested!r} -> district (each of its values is in one {_words(area_col[1])}: "
                           "the units compared)")
    if "district" not in taken:
        alt = next((h for h, c in columns.items() if c == "team"), None)
        if alt is None and area_col is not None:
            alt = area_col[1]
            ignore.remove(alt)
            area_col = None
        if alt is not None:
            if columns.get(alt) == "team":
                taken.discard("team")  # the team column is the unit: it stands for both (below)
            columns[alt] = "district"
            taken.add("district")
            decided.append(f"header {alt!r} -> district (the only column naming a unit: the units compared)")
    unit_header = next((h for h, c in columns.items() if c == "district"), None)
    team_too = unit_header is not None and "team" not in taken
    if team_too:
        # one column for the unit and the team (docs/profile.md, "A mapping per export")
        columns[unit_header] = ["district", "team"]
        taken.add("team")
        undecided.append(f"header {unit_header!r} is mapped to both district and team (the export has no other "
                         "team column, so each unit is its own team); if the export has a team column, map it to "
                         "team and map this header to district only")
    # who audited: an e-mail address of the form's respondent where nothing else names the auditor
    if "auditor" not in taken:
        mail = next((h for h in ignore if "email" in _words(h).replace("e mail", "email").split()), None)
        if mail is not None:
            undecided = _take(mail, "auditor", ignore, undecided, columns, taken)
            undecided.append(f"header {mail!r} -> auditor: no other column names who audited, so the e-mail address "
                             "of who filled in the form is proposed as the auditor; check it")

    def targets(h):
        t = columns.get(h)
        return t if isinstance(t, list) else [t] if t else []

    by_col: dict = {}
    for i, h in enumerate(header):
        for c in targets(h):
            by_col.setdefault(c, []).append(i)

    def distinct(col_names):
        """Distinct values of columns, each once as value maps match them (case and spacing ignored),
        written as its most frequent spelling, with its count."""
        spell: dict = {}
        for c in col_names:
            for i in by_col.get(c, []):
                for _, f in records:
                    v = " ".join(f[i].split()) if i < len(f) else ""
                    if v:
                        sp = spell.setdefault(value_key(v), {})
                        sp[v] = sp.get(v, 0) + 1
        # the most frequent spelling, ties broken by first seen (dicts keep order)
        return {max(sp, key=lambda x: (sp[x], -list(sp).index(x))): sum(sp.values()) for sp in spell.values()}

    # an auditor identity that is an e-mail address is pseudonymised on ingest, never kept or published
    aud = distinct(["auditor"])
    aud_header = next((h for h in columns if "auditor" in targets(h)), None)
    if aud and (sum("@" in v for v in aud) >= len(aud) / 2 or "email" in _words(aud_header).split()):
        pseudonymise = ["auditor"]
        decided.append(f"header {aud_header!r} holds e-mail addresses: the auditor is pseudonymised on ingest "
                       "(pseudonymise: [auditor]); the address is never kept or published")
    else:
        pseudonymise = []

    values: dict = {}
    constants: dict = {}
    profile: dict = {"profile_version": 1, "name": name or "Authority name (edit)",
                     "short_name": short_name or "Authority (edit)"}
    if not name:
        undecided.append("profile name and short_name: give them (kentaudit init --name ... --short-name ...)")
    unit_word = _unit_word(unit_header, team_too) if unit_header else "unit"
    profile["words"] = {"unit": unit_word, "area": _words(area_col[1]) if area_col else "area"}
    profile["units"] = "units.csv"
    profile["criteria"] = "criteria.csv"

    # answers: each word once (as validate matches it), the profile's labels in the export's own words
    answers = distinct([f"c_{c}" for c in crit_ids])
    amap, partial = {}, None
    labels = {"Y": "Yes", "N": "No", "NA": "Not applicable"}
    for v in answers:
        code = next((k for k, ws in _ANSWER_WORDS.items() if value_key(v) in ws), None)
        if code is None:
            undecided.append(f"answer {v!r} ({answers[v]} answers): not recognised; add it under values: answers:")
            continue
        amap[v] = code
        if code == "P":
            partial = partial or v
        elif len(v) > 2 and "/" not in v and code in labels and labels[code] in ("Yes", "No", "Not applicable") \
                and value_key(v) not in ("yes", "no", "true", "false"):
            labels[code] = v[:1].upper() + v[1:]
    if amap:
        values["answers"] = amap
    profile["answers"] = {"labels": labels}
    if partial:
        # a one-letter code ("P") is no label for a table's column: its words are proposed instead
        profile["answers"]["partial"] = {"code": "P", "label": partial if len(partial) > 2 else "Partly",
                                         "counts_as": "excluded"}
        decided.append(f"answer {partial!r} is the partial answer: code P, written into answers.partial")
        undecided.append(f"answer {partial!r} is a partial answer, kept as code P; decide how it counts "
                         "(answers.partial.counts_as: no, yes or excluded; proposed: excluded)")

    # cycle (first: a proposed grade scale starts with the cycle)
    cvals = distinct(["cycle"])
    first = sorted(v for v in cvals if re.match(r"[0-9]{4}", v))
    first_cycle = first[0] if first else "2000"

    # grades: the bundled scale whose labels are exactly the words, else a scale of the authority's own
    grade_cols = [c for c in by_col if c in ("overall_grade", "moderated_grade") or c.startswith("grade_")]
    # a column of numbers (an overall grade 0 to 3) apart from columns of words (the same scale in words)
    num_cols = [c for c in grade_cols if distinct([c]) and all(re.fullmatch(r"[0-9]+", v) for v in distinct([c]))]
    gvals = distinct([c for c in grade_cols if c not in num_cols])
    gmap = {}
    scale_rows = []
    if gvals and not all(re.fullmatch(r"[0-9]+", v) for v in gvals):
        words = list(gvals)
        known = _known_scale(words)
        if known:
            scale_name, gmap = known
            decided.append(f"grade words match the bundled scale {scale_name!r}")
        else:
            unknown = [w for w in words if value_key(w) not in GRADE_WORDS]
            ordered = sorted([w for w in words if value_key(w) in GRADE_WORDS],
                             key=lambda w: GRADE_WORDS.index(value_key(w))) + unknown
            scale_name = f"{_slug(short_name or 'authority')}_{len(ordered)}"
            gmap = {w: k + 1 for k, w in enumerate(ordered)}
            scale_rows = [{"scale": scale_name, "first_cycle": first_cycle, "last_cycle": "", "grade": k + 1,
                           "label": w}
                          for k, w in enumerate(ordered)]
            decided.append(f"grade words are a {len(ordered)}-point scale of the authority's own, {scale_name!r} "
                           "(grade_scales.csv)")
            partly = _partly_bundled(words)
            if partly:
                undecided.append(f"grade words: {len(words)} of the {partly[1]} grades of the bundled scale "
                                 f"{partly[0]!r} (not {', '.join(map(repr, partly[2]))}); proposed as a "
                                 f"{len(ordered)}-point scale of your own. If your scale has those grades too, "
                                 "add them to grade_scales.csv")
            undecided.append("CHECK THE ORDER OF THE GRADES: best first, inferred from common inspection words: "
                             + " > ".join(f"{k + 1} {w}" for k, w in enumerate(ordered))
                             + (f"; {', '.join(map(repr, unknown))} not a common grade word, placed last"
                                if unknown else "")
                             + "; reorder grade_scales.csv and values: grades: together if this is wrong")
        values["grades"] = {w: str(g) for w, g in gmap.items()}
    nums = sorted({int(v) for v in distinct(num_cols)})
    if nums and nums[0] == 0:
        # grades numbered from 0 ("0 = outstanding"): read as 1 to n, the order to check (never guessed silently)
        n = max(len(set(gmap.values())) if gmap else 0, nums[-1] + 1)
        heads = [h for h in columns if set(targets(h)) & set(num_cols)]
        best = next((w for w, g in gmap.items() if g == 1), None)
        for c in num_cols:
            values[c] = {str(k): str(k + 1) for k in range(n)}
        undecided.append(f"grades in {', '.join(map(repr, heads))} are numbered 0 to {n - 1}: read as grades 1 to {n} "
                         f"(0 as 1{', ' + repr(best) if best else ''}, the best); if 0 is the worst, reverse them "
                         f"under values: {', '.join(num_cols)}:")
    elif nums:
        decided.append("grades are numbers: read as grades of the scale")

    # dates
    date_cols = [c for c in by_col if c.endswith("_date")]
    dvals = distinct(date_cols)
    found = [m for m in (_DATE.match(v) for v in dvals) if m]
    hinted = next((m for h in columns if set(targets(h)) & set(date_cols)
                   for m in [_HEADER_FORMAT.search(str(h))] if m), None)
    values_dates = None
    if found:
        sep = max({m[2] for m in found}, key=lambda x: sum(m[2] == x for m in found))
        first_big = any(int(m[1]) > 12 for m in found)
        second_big = any(int(m[3]) > 12 for m in found)
        month_first = (second_big and not first_big) or (
            hinted is not None and hinted[1].lower() == "mm" and not first_big)
        if month_first and sep == "/":
            values_dates = "MM/DD/YYYY"
        elif month_first:
            undecided.append(f"dates: written month first with {sep!r}, which kentaudit does not read; export them "
                             "as YYYY-MM-DD or DD/MM/YYYY")
        else:
            values_dates = f"DD{sep}MM{sep}YYYY"
            if not first_big and hinted is None:
                undecided.append(f"dates: every day is 12 or less, so the order is not certain; proposed {values_dates}")
        if values_dates:
            decided.append(f"dates written {values_dates}" + (f" (as the header {hinted[0]!r} says)" if hinted else ""))
    # "7 Mar 2026": the month in words
    worded = [v for v in dvals if _DATE_WORDS.match(v) and _DATE_WORDS.match(v)[2].lower() in MONTHS]
    if worded and values_dates is None:
        values_dates = "D MMM YYYY"
        decided.append(f"dates written D MMM YYYY (the month in words: {worded[0]!r})")
    two = [m for m in (_DATE2.match(v) for v in dvals) if m]
    if two and values_dates is None:
        sep = max({m[2] for m in two}, key=lambda x: sum(m[2] == x for m in two))
        values_dates = f"DD{sep}MM{sep}YY"
        decided.append(f"dates written {values_dates} ({two[0][0]!r}; a two-digit year is read as 20YY)")
    # a spreadsheet's date cell pasted into a CSV as its number (46119 is 2026-04-07): read only where
    # declared, and said, since a number is not obviously a date
    serial = [v for v in dvals if re.fullmatch(r"[0-9]{5}", v)
              and _SERIAL_RANGE[0] <= int(v) <= _SERIAL_RANGE[1]]
    if serial and not encoding.startswith("xlsx:"):
        n = sum(dvals[v] for v in serial)
        first = SERIAL_EPOCH + _dt.timedelta(days=int(serial[0]))
        values_dates = [values_dates or "DD/MM/YYYY", "EXCEL SERIAL"]
        undecided.append(f"dates: {n} date(s) are spreadsheet serial numbers ({serial[0]!r} is {first.isoformat()}), "
                         f"read as such (dates: [{values_dates[0]}, EXCEL SERIAL]); check one against the form")

    timed = [v for v in dvals if _DATETIME.match(v) and _DATETIME.match(v)[1] != "00:00"]
    if timed:
        listed = values_dates if isinstance(values_dates, list) else [values_dates] if values_dates else []
        values_dates = listed + ["YYYY-MM-DD HH:MM"] if listed else "YYYY-MM-DD HH:MM"
        decided.append(f"{sum(dvals[v] for v in timed)} date(s) carry a time of day ({timed[0]!r}): their date is "
                       "read (YYYY-MM-DD HH:MM under dates:)")

    # cycle style
    part_label = None
    if cvals and all(_FY.match(v) and (int(_FY.match(v)[1]) + 1) % 100 == int(_FY.match(v)[2]) for v in cvals):
        profile["cycles"] = "financial_year"
        decided.append(f"cycles are financial years ({', '.join(cvals)})")
    else:
        profile["cycles"] = "year"
        in_year = {v: str(y) for v in cvals for y in [part_of_year(v)] if y is not None}
        if cvals and len(in_year) == len(cvals) and len(set(in_year.values())) == 1:
            # one part of a year ("Q3 2026", "Spring 2026"): the cycle of its year (its id, which orders
            # cycles and names the folder), shown by its own label where there is one
            values["cycle"] = dict(in_year)
            part_label = ", ".join(in_year)
            cvals = {next(iter(in_year.values())): sum(cvals.values())}
            shown = (f"shown as {part_label!r} (cycle: in cycle.yaml" if len(in_year) == 1 else
                     "the title in cycle.yaml naming the parts (")
            undecided.append(f"cycle values {', '.join(map(repr, in_year))}: part of a year; the cycle "
                             f"{next(iter(cvals))}, {shown}; values: cycle: in mapping.yaml). A second part of the "
                             "same year is the same cycle, so give each year's audits in one run")
        elif cvals and not all(re.fullmatch(r"[0-9]{4}", v) for v in cvals):
            undecided.append(f"cycle values {', '.join(map(repr, cvals))}: not years or financial years; "
                             "map them under values: cycle:")

    # coded columns: samples, case types, plan categories, record sources
    def codes(col, what):
        vals = distinct([col])
        if not vals:
            return {}
        out = {v: _slug(v) for v in vals}
        if len(set(out.values())) != len(out):
            undecided.append(f"{what}: two values give the same code; edit values: {col}:")
        values[col] = out
        return out

    smap = codes("sample", "samples")
    profile["samples"] = {c: {"design": "random" if "random" in v.lower() else "purposive", "label": v,
                              "phrase": _sample_phrase(v)}
                          for v, c in smap.items()} or {"annual": {"design": "random"}}
    if smap:
        _propose_repeats(profile["samples"], smap, records, by_col, undecided)
        undecided.append("samples: design proposed from the words (random where the value says 'random', "
                         "else purposive); check samples: in profile.yaml")
        designs = {v["design"] for v in profile["samples"].values()}
        if designs == {"random", "purposive"}:
            undecided.append("samples: a random sample and one chosen on purpose are two programmes, never "
                             "compared, unless the random one was drawn to extend the other: then add "
                             "extends: <that sample> to it in profile.yaml (docs/profile.md)")
    else:
        # a form with no sample column audits one programme: every row is given the proposed sample by the
        # mapping (constants:), never by an edit of the export
        constants["sample"] = next(iter(profile["samples"]))
        undecided.append(f"no sample column: every audit is read as sample {constants['sample']!r} (constants: in "
                         "mapping.yaml; its design in profile.yaml samples:); if the export has a sample column, "
                         "map it under columns: and remove the constants: line")
    cmap = codes("case_status", "case types")
    profile["case_types"] = {c: v for v, c in cmap.items()} or {"case": "Case"}
    plan = next((c for v, c in cmap.items() if "protection" in v.lower()), None)
    profile["plan_case_type"] = plan  # None: no case type is a plan's (no plan category is given)
    if plan is None and cmap:
        undecided.append("plan_case_type: no case type says 'protection'; name the case type plan categories belong "
                         "to in profile.yaml, if any")
    pmap = codes("cp_category", "plan categories")
    profile["plan_categories"] = {c: v for v, c in pmap.items()} or {}
    rmap = codes("record_source", "record sources")
    profile["record_sources"] = {c: v for v, c in rmap.items()}
    profile["evidence"] = {}

    # ages
    avals = distinct(["age_band"])
    nums = [float(v.replace(",", ".")) for v in avals if _NUMBER.match(v)]
    if avals and len(nums) >= 0.9 * len(avals):
        words = [v for v in avals if not _NUMBER.match(v)]
        top = max(nums) if nums else 17
        bands = [{"code": w.lower().replace(" ", "_"), "label": w} for w in words]
        bands += [{"code": c, "label": lab, "from": lo, "to": hi} for lo, hi, c, lab in _BANDS if lo <= top]
        profile["age_bands"] = bands
        mapping_ages = "years"
        if words:
            values["age_band"] = {w: w.lower().replace(" ", "_") for w in words}
        decided.append(f"ages in years (up to {top:g}), banded by the proposed age_bands"
                       + (f"; {', '.join(map(repr, words))} as bands of their own" if words else ""))
    else:
        mapping_ages = None
        amap2 = codes("age_band", "age bands")
        profile["age_bands"] = sorted(([{"code": c, "label": v} for v, c in amap2.items()]
                                       or [{"code": "all", "label": "All"}]), key=lambda b: _age_order(b["label"]))

    # graded domains and criteria
    domains = ["general", *[d for d in graded if d != "general"]]
    profile["domains"] = domains
    profile["graded_domains"] = list(graded)
    profile["grade_best"] = "lowest"
    if scale_rows:
        profile["grade_scales"] = "grade_scales.csv"
    criteria = [{"id": cid, "label": _label(str(h)), "domain": "general", "kind": "compliance",
                 "applies_when": "all", "derived_from": ""} for _, h, cid in questions]
    if questions:
        undecided.append(f"criteria: {len(questions)} questions became criteria in domain 'general', kind "
                         "'compliance', applying to all; set their domain, kind and applies_when in criteria.csv")

    # units
    units = []
    used = set()
    areas_of: dict[str, set] = {}
    unit_at = by_col.get("district", [None])[0]
    if area_col is not None and unit_at is not None:
        for _, f in records:
            u = " ".join(f[unit_at].split()) if unit_at < len(f) else ""
            a = " ".join(f[area_col[0]].split()) if area_col[0] < len(f) else ""
            if u and a:
                areas_of.setdefault(value_key(u), set()).add(a)
    for v in sorted(distinct(["district"]), key=value_key):
        base = re.sub(r"[^A-Z]", "", v.upper())[:3] or "U"
        code, k = base, 2
        while code in used:
            code, k = f"{base}{k}", k + 1
        used.add(code)
        seen = areas_of.get(value_key(v), set())
        area = next(iter(seen)) if len(seen) == 1 else ""  # blank: the analyst's to fill in
        if len(seen) > 1:
            undecided.append(f"{unit_word} {v!r} is in {len(seen)} {area_col[1]} values "
                             f"({', '.join(sorted(seen))}); give it one area in units.csv")
        units.append({"district": v, "district_code": code, "area": area, "children_on_plans": 0})
    if units:
        what = "the number of children" if area_col is not None else "its area (left blank) and the number of children"
        undecided.append(f"units: {len(units)} {plural(unit_word)} from the {unit_header!r} column, each with a proposed "
                         f"code; give each {what} in scope (children_on_plans) in units.csv")

    mapping: dict = {"mapping_version": 1}
    if encoding.startswith("xlsx:"):
        mapping["sheet"] = encoding[5:]
    if header_row > 1:
        mapping["header_row"] = header_row
    if delimiter != ",":
        mapping["delimiter"] = delimiter
    mapping["columns"] = columns
    mapping["ignore"] = ignore
    if constants:
        mapping["constants"] = constants
    mapping["values"] = values
    if values_dates:
        mapping["dates"] = values_dates
    if mapping_ages:
        mapping["ages"] = mapping_ages
    if pseudonymise:
        mapping["pseudonymise"] = pseudonymise
    required = ("audit_id", "case_ref", "cycle", "sample", "district", "team", "case_status", "age_band",
                "auditor", "audit_date", "overall_grade")
    for r in required:
        if r not in taken and r not in constants:
            undecided.append(f"required column {r}: no header was recognised as it; map one under columns:")
    # a blank in a required column rejects the whole audit (rule required_value; a blank grade does not):
    # said here, with the rows, so the analyst is not surprised by validate
    for r in required:
        if r == "overall_grade":
            continue
        for i in by_col.get(r, [])[:1]:
            blank = [line for line, f in records if not (f[i].strip() if i < len(f) else "")]
            if blank:
                head = next(h for h in columns if r in targets(h))
                shown = ", ".join(map(str, blank[:5])) + (f" and {len(blank) - 5} more" if len(blank) > 5 else "")
                if r == "age_band":  # kept: kentaudit.inputs.schema.AGE_NOT_RECORDED
                    decided.append(f"column age_band ({head!r}) is blank in {len(blank)} row(s) ({shown}): each such "
                                   "audit is kept with its age 'not recorded' (age band not_recorded)")
                    continue
                undecided.append(f"column {r} ({head!r}) is blank in {len(blank)} row(s) ({shown}): each such audit "
                                 "is rejected whole (required_value) by validate and run; read them, then set "
                                 f"accept_rejected_rows: in cycle.yaml (docs/adopting.md, step 7)")
    label = max(cvals) if cvals else None
    if part_label and ", " not in part_label:
        label = part_label  # one part of a year: the label readers know ("Spring 2026"), its id the year
    params = {"cycle": label or "YYYY (edit)",
              "title": f"{short_name or 'Authority'} case file audit {part_label or label or ''}".strip(),
              "profile": "profile.yaml", "inputs": {"audits": [str(Path(export).resolve())], "mapping": "mapping.yaml"},
              "samples": list(profile["samples"]), "seed": 1, "output_dir": "outputs",
              "publication": {"status": "management information"}}
    if len(cvals) > 1:
        undecided.append(f"cycle: the export holds {len(cvals)} cycles ({', '.join(cvals)}); cycle.yaml names the "
                         "last, and rows of the others are rejected (cycle_mismatch): one export per cycle")
    return Proposal(Path(export), mapping, profile, units, criteria, scale_rows, decided, undecided, params)


_FILES = ("mapping.yaml", "profile.yaml", "units.csv", "criteria.csv", "grade_scales.csv", "cycle.yaml")


def write_proposal(p: Proposal, folder, *, force: bool = False) -> list[Path]:
    """Write the proposal's files into ``folder``; returns their paths.

    Raises
    ------
    KentauditError
        A file it would write exists already and ``force`` is not set (nothing is written).
    """
    folder = Path(folder)
    names = [f for f in _FILES if f != "grade_scales.csv" or p.grade_scales]
    existing = [folder / f for f in names if (folder / f).exists()]
    if existing and not force:
        raise KentauditError(f"{', '.join(str(e) for e in existing)} already exist(s); kentaudit init never "
                             "overwrites a file: choose another folder (--out) or give --force.")
    folder.mkdir(parents=True, exist_ok=True)
    head = (f"# Proposed by kentaudit init from {p.export.name}: edit it (docs/profile.md).\n")

    def dump(obj):
        return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=110)

    out = []
    (folder / "mapping.yaml").write_text(head + dump(p.mapping), encoding="utf-8")
    (folder / "profile.yaml").write_text(head + _with_extends_comment(dump(p.profile), p.profile),
                                         encoding="utf-8")
    (folder / "cycle.yaml").write_text(head + "# The cycle's parameters (docs/running.md): check title, samples, seed and "
                                       "publication.\n" + dump(p.params), encoding="utf-8")
    tables = {"units.csv": (["district", "district_code", "area", "children_on_plans"], p.units),
              "criteria.csv": (["id", "label", "domain", "kind", "applies_when", "derived_from"], p.criteria)}
    if p.grade_scales:
        tables["grade_scales.csv"] = (["scale", "first_cycle", "last_cycle", "grade", "label"], p.grade_scales)
    for fname, (cols, rows) in tables.items():
        with open(folder / fname, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            w.writerows(rows)
    for f in names:
        out.append(folder / f)
    return out


#: the comment init writes under ``samples:`` of a proposed profile (docs/profile.md)
_EXTENDS_COMMENT = ("  # extends: <sample> on a random sample drawn to extend the cases chosen on purpose (one\n"
                   "  # extended sample, compared with the cases it extends); without it, samples are separate\n"
                   "  # programmes and never compared as an extension (docs/profile.md)\n")


def _with_extends_comment(text: str, profile: dict) -> str:
    """The proposed profile's YAML with :data:`_EXTENDS_COMMENT` under ``samples:`` where the
    export has a random sample and one chosen on purpose: ``extends:`` is the analyst's to
    declare, never proposed from the words."""
    designs = {v.get("design") for v in (profile.get("samples") or {}).values() if isinstance(v, dict)}
    if designs != {"random", "purposive"} or "\nsamples:\n" not in text:
        return text
    return text.replace("\nsamples:\n", "\nsamples:\n" + _EXTENDS_COMMENT, 1)
