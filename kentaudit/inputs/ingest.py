"""Validated ingest of audit-tool exports (CSV in UTF-8 or Windows-1252, XLSX).

:func:`read_audits` reads one or more exports, normalises headers and answer
codes, validates every value against :mod:`kentaudit.inputs.schema`, pseudonymises
``case_ref`` (:mod:`kentaudit.inputs.pseudonym`) and returns an :class:`IngestResult`
with the accepted audits, one row per problem found in the rejected rows,
a per-file reconciliation (rows read = accepted + rejected, always) and
warnings. :func:`validate_paths` is what ``kentaudit validate`` runs.

Nothing is guessed and nothing is dropped silently: a value that is not one of
the documented spellings is rejected with the file, row, column, value and the
id of the rule it breaks (every rule id is listed in :data:`RULES` and in
``docs/data-dictionary.md``).

Why a hand-written validator rather than pandera: the rules need the raw text
as typed (to report it and to normalise it in one documented step), rules
across files (duplicate ``audit_id``), rules across rows (same case twice in a
sample), redaction of ``case_ref`` in every message, and a stable rule id per
problem. pandera's failure cases report the check name and the coerced value
after the fact; mapping them back to these messages would be more code than
the checks themselves, so each rule is a few explicit lines here instead.

Scale: a CSV is read twice, never held as rows. The first pass checks the
file (encoding, CSV structure, header, blank lines, synthetic references);
the second decodes it block by block and validates ``_CHUNK_ROWS`` records at
a time. Within a chunk each distinct raw value of a column is validated once by
the same code as a single cell, and the cross-field rules are vectorised; only
rows that break a rule go through the per-row validator, which writes their
messages. Duplicate ``audit_id`` and case checks run once over all files at
the end, on 64-bit hashes or exact integer keys (every hash match is compared
exactly). XLSX workbooks are read whole (openpyxl), then validated the same way.
"""
from __future__ import annotations

import codecs
import csv
import ctypes
import datetime as _dt
import hashlib
import io
import os
import re
import sys
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kentaudit.core.errors import EmptyInputError, InputError, KentauditError, PseudonymKeyError
from kentaudit.core.safeio import read_regular
from kentaudit.core.safetext import is_formula_text, write_csv
from kentaudit.core.textpolicy import TEXT_RULES, match_key, shown, text_problem
from kentaudit.inputs import reference, schema as model
from kentaudit.inputs.mapping import Mapping, header_key, load_mapping, value_key
from kentaudit.inputs.profile import bundled_profile
from kentaudit.inputs.pseudonym import (DEMO_KEY, DIGEST_HEX_CHARS, HOW_TO_MAKE_A_KEY,
                                        PREFIX as PSEUDONYM_PREFIX, SYNTHETIC_PREFIX,
                                        is_synthetic_ref, load_key, pseudonymise)

WARNINGS_EXIT_CODE = 3
#: Prefix of the pseudonym of an auditor or moderator a mapping has pseudonymised (``pseudonymise:``).
STAFF_PREFIX = "au_"

__all__ = [
    "WARNINGS_EXIT_CODE", "STAFF_PREFIX",
    "IngestResult", "read_audits", "validate_paths", "RULES", "RULE_WORDS", "rule_words", "ANSWER_SPELLINGS",
    "HEADER_ALIASES", "normalise_header", "normalise_answer", "canonical_dtypes", "audit_window",
    "write_report", "read_table",
]

#: Every rule id ingest uses, with its meaning. ``level`` is ``file`` (the
#: file is not read), ``row`` (the row is rejected) or ``warning``.
RULES: dict[str, tuple[str, str]] = {
    "unreadable_file": ("file", "The file does not exist, is not a regular file (a folder, FIFO, device or socket), or is not a readable CSV/XLSX file (corrupt XML, too large when decompressed, too slow to read)."),
    "field_too_large": ("file", "A CSV field is longer than MAX_FIELD_CHARS (1,000,000 characters)."),
    "no_files": ("file", "A folder given to read holds no .csv or .xlsx file."),
    "reference_table": ("file", "A replaced reference table (--criteria, --districts) is not a readable table with the columns, rows and unique ids it needs."),
    "encoding": ("file", "The file is neither UTF-8 (with or without BOM) nor Windows-1252 text (e.g. UTF-16 or binary)."),
    "empty_file": ("file", "The file (or sheet) is empty."),
    "hidden_sheet": ("file", "XLSX: the sheet that would be read (the sheet named audits, else the first) is hidden in Excel; a hidden sheet is never read unannounced."),
    "other_sheet_rows": ("file", "XLSX: another sheet of the workbook (hidden or not) has the same headers as the sheet read and holds rows: they would be left out unannounced, so the file is refused until they are moved into the one sheet or the sheet is deleted."),
    "header_only": ("file", "The file has a header but no data rows."),
    "missing_column": ("file", "A required column of the data model is missing."),
    "duplicate_column": ("file", "Two headers normalise to the same column name."),
    "field_count": ("row", "The row has a different number of fields from the header."),
    "required_value": ("row", "A required value is blank."),
    "cycle_format": ("row", "cycle is not a four-digit year such as 2009 (ASCII digits), or for a profile whose cycles are financial years YYYY/YY such as 2025/26."),
    "unmapped_header": ("file", "With a mapping: a header of the export is neither mapped, nor ignored, nor a kentaudit column name (every one is named once)."),
    "mapping": ("file", "The mapping file is not readable, or maps to a column the data model does not have or to a code its column does not allow."),
    "unmapped_value": ("row", "With a mapping: a value of a column that has a value map is not in that map (reported once per value, with its count and first rows)."),
    "age_not_number": ("row", "With a mapping whose ages are years: age_band is not an age in years (ASCII digits, a decimal point or comma allowed)."),
    "age_out_of_bands": ("row", "With a mapping whose ages are years: the age falls in none of the profile's age bands."),
    "unknown_district": ("row", "district is not one of the districts of the reference table (name or 3-letter code)."),
    "unknown_category": ("row", "A coded column (sample, case_status, cp_category, age_band, record_source) has a value outside its allowed set."),
    "unknown_answer_code": ("row", "A criterion answer is not one of the spellings of Y, N or NA (blank = missing)."),
    "unknown_flag_code": ("row", "A risk flag is not one of the spellings of Y or N (blank = missing)."),
    "grade_not_integer": ("row", "A grade is not a whole number written in ASCII digits."),
    "grade_range": ("row", "A grade is outside 1 to the number of grades of the scale (1-4 for the bundled scales)."),
    "date_format": ("row", "A date is not a real calendar date written YYYY-MM-DD or DD/MM/YYYY (ASCII digits), or in the format a mapping declares."),
    "date_range": ("row", "A date is before 1990-01-01 (MIN_DATE) or, for a process date, after the day of ingest."),
    "cycle_mismatch": ("row", "cycle differs from the cycle being read (the cycle of the parameter file)."),
    "audit_date_future": ("row", "audit_date is after the day of ingest."),
    "audit_date_window": ("row", "audit_date is outside the audit window of the row's cycle: the calendar year of a four-digit cycle (2009: 2009-01-01 to 2009-12-31), unless the parameter file sets audit_window."),
    "icpc_before_strategy": ("row", "icpc_date is before strategy_date."),
    "core_group_before_icpc": ("row", "first_core_group_date is before icpc_date."),
    "review_before_icpc": ("row", "first_review_date is before icpc_date."),
    "process_date_after_audit": ("row", "A process date is after audit_date."),
    "moderated_without_moderator": ("row", "moderated_grade is given but moderator is blank."),
    "cp_category_without_plan": ("row", "cp_category is given but case_status is not cp_plan."),
    "bidi_control": ("row", TEXT_RULES["bidi_control"] + " (audit_id, team, auditor, moderator; kentaudit.core.textpolicy)"),
    "invisible_character": ("row", TEXT_RULES["invisible_character"] + " (audit_id, team, auditor, moderator)"),
    "confusable_text": ("row", TEXT_RULES["confusable_text"] + " (audit_id, team, auditor, moderator)"),
    "text_too_long": ("row", "audit_id, auditor or moderator longer than 64 characters, or team longer than 100 (kentaudit.core.textpolicy.LIMITS)."),
    "duplicate_audit_id": ("row", "audit_id already appeared earlier (in any file read together), matched ignoring case, surrounding spaces and full-width forms (NFKC); every later occurrence is rejected."),
    "duplicate_case_in_sample": ("row", "The same case_ref appears again in the same cycle and sample; every later occurrence is rejected."),
    "unknown_column": ("warning", "A column is not in the data model; it is dropped and named in a warning."),
    "formula_text": ("warning", "Free text begins with = + - @, tab or CR (spreadsheet formula text): kept as text, never evaluated, neutralised on output."),
    "blank_rows": ("warning", "Completely blank lines or rows are skipped and counted in a warning."),
    "mixed_cycles": ("warning", "One file holds audits of more than one cycle (counted by cycle in the warning)."),
    "unpaired_reaudit": ("warning", "A reaudit has no initial audit of the same case in its cycle: it cannot be paired (counted in the warning and IngestResult.quality)."),
}

#: Each row rule of :data:`RULES` as a reader of the published reconciliation (Table 2) reads
#: it: "Rejected: a required value is blank", never the rule's id.
RULE_WORDS: dict[str, str] = {
    "field_count": "the row has more or fewer fields than the header",
    "required_value": "a required value is blank",
    "cycle_format": "the cycle is not written as the profile's cycles are",
    "unmapped_value": "a value the mapping does not list",
    "age_not_number": "the age is not a number of years",
    "age_out_of_bands": "the age is in none of the age bands",
    "unknown_district": "the unit is not in the units table",
    "unknown_category": "a coded value outside its allowed set",
    "unknown_answer_code": "an answer that is not one of the answer scheme's",
    "unknown_flag_code": "a risk flag that is not yes or no",
    "grade_not_integer": "a grade that is not a whole number",
    "grade_range": "a grade outside the scale",
    "date_format": "a date that is not a real calendar date in the expected format",
    "date_range": "a date too early, or a process date after the day of ingest",
    "cycle_mismatch": "the audit belongs to another cycle",
    "audit_date_future": "the audit date is in the future",
    "audit_date_window": "the audit date is outside the cycle's audit window",
    "icpc_before_strategy": "the conference is dated before the strategy discussion",
    "core_group_before_icpc": "the first core group is dated before the conference",
    "review_before_icpc": "the first review is dated before the conference",
    "process_date_after_audit": "a process date is after the audit date",
    "moderated_without_moderator": "a moderated grade without a moderator",
    "cp_category_without_plan": "a plan category on a case without a plan",
    "bidi_control": "text holding a hidden direction control",
    "invisible_character": "text holding an invisible character",
    "confusable_text": "text that looks like other text",
    "text_too_long": "text longer than its limit",
    "duplicate_audit_id": "the audit id appeared before",
    "duplicate_case_in_sample": "the case appeared before in the same sample",
}


def rule_words(rule: str) -> str:
    """A row rule in a reader's words (:data:`RULE_WORDS`); a rule without words is shown by
    its id, so no rejection is ever hidden."""
    return RULE_WORDS.get(rule, rule)

#: Earliest date accepted in any date column (rule ``date_range``): before any audit
#: kentaudit is for, and well inside what pandas' datetime64[ns] can hold.
MIN_DATE = _dt.date(1990, 1, 1)
#: Longest CSV field read, in characters (rule ``field_too_large``): far above any
#: real note (the longest in Kent's tools is a few thousand characters).
MAX_FIELD_CHARS = 1_000_000
#: Largest XLSX accepted, decompressed (all parts together), and the largest
#: compression ratio of any part over 1 MiB: a zip bomb is refused before it is read.
MAX_XLSX_UNCOMPRESSED = 1 << 30
MAX_XLSX_RATIO = 200
#: Most columns read from an XLSX sheet, and seconds allowed to read it.
MAX_XLSX_COLUMNS = 1_000
MAX_XLSX_SECONDS = 60.0

#: Accepted spellings of answer codes (matched after stripping surrounding
#: whitespace, case-insensitively). Blank or whitespace-only = missing.
ANSWER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "Y": ("y", "yes", "1", "true"),
    "N": ("n", "no", "0", "false"),
    "NA": ("na", "n/a", "n.a.", "not applicable"),
}
_ANSWER_LOOKUP = {s: code for code, spellings in ANSWER_SPELLINGS.items() for s in spellings}

#: Known header spellings of audit tools, after :func:`normalise_header`.
#: A header equal to a criterion id (e.g. ``seen_alone``) maps to ``c_<id>``,
#: and ``<domain>_grade`` maps to ``grade_<domain>``.
HEADER_ALIASES: dict[str, str] = {
    "case_reference": "case_ref", "case_ref_no": "case_ref", "case_number": "case_ref",
    "case_no": "case_ref", "case_id": "case_ref",
    "audit_ref": "audit_id", "audit_no": "audit_id", "audit_number": "audit_id",
    "qa_cycle": "cycle", "sample_type": "sample", "team_name": "team",
    "status": "case_status", "cp_plan_category": "cp_category", "category_of_plan": "cp_category",
    "age_group": "age_band", "records_read": "record_source",
    "auditor_code": "auditor", "auditor_id": "auditor", "date_of_audit": "audit_date",
    "overall": "overall_grade", "overall_judgement": "overall_grade",
    "moderator_code": "moderator", "moderated_overall_grade": "moderated_grade",
    "strategy_discussion_date": "strategy_date", "section_47_start_date": "s47_start_date",
    "initial_conference_date": "icpc_date", "icpc": "icpc_date",
    "core_group_date": "first_core_group_date", "first_review_conference_date": "first_review_date",
    "comments": "notes", "auditor_notes": "notes", "note": "notes",
}

_ID_TEXT_KINDS = ("id", "text")
# ASCII digits only ([0-9], not \d, which also matches full-width and Arabic-Indic digits)
_DATE_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DATE_UK = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
_INTEGER = re.compile(r"^[+-]?[0-9]+(?:\.0+)?$")
_CYCLE = re.compile(r"^[0-9]{4}$")
_FINANCIAL_YEAR = re.compile(r"^([0-9]{4})[/-]([0-9]{2})$")
#: an age in years: a decimal point, or a decimal comma as a spreadsheet writes it where the comma is
#: the decimal mark ("7,5"; an age has no thousands)
_AGE = re.compile(r"^[0-9]{1,3}(?:[.,][0-9]+)?$")
_RECON_COLUMNS = ["file", "sha256", "encoding", "rows_read", "accepted", "rejected"]
_REJECT_COLUMNS = ["file", "row", "column", "value", "rule", "message"]


def normalise_header(header) -> str:
    """Lower-case a header and turn every run of other characters into ``_``.

    ``"Case Ref"`` -> ``"case_ref"``, ``"C - Seen alone"`` -> ``"c_seen_alone"``.
    Aliases (:data:`HEADER_ALIASES`) are applied by ingest afterwards.
    """
    text = "" if header is None else str(header)
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")


def normalise_answer(value):
    """Canonical answer code for a raw cell: ``"Y"``, ``"N"``, ``"NA"`` or ``pd.NA``.

    Raises
    ------
    KeyError
        If the value is not one of :data:`ANSWER_SPELLINGS` (ingest rejects the row).
    """
    text = "" if value is None else str(value).strip()
    if text == "":
        return pd.NA
    return _ANSWER_LOOKUP[text.lower()]


def _code_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().lower().replace("&", "and"))


def canonical_dtypes(criteria=None, districts=None, profile=None) -> dict:
    """The dtype of every column of ``IngestResult.accepted``, in order.

    Coded columns whose values come from a closed list (``sample``,
    ``district``, ``area``, ``case_status``, ``cp_category``, ``age_band``,
    ``record_source``, every answer ``c_*`` and every risk flag) are unordered
    ``category`` with the allowed values, sorted, as categories: the same
    categories whatever the data, so frames concatenate and group alike, and
    one byte a row instead of a string (at 1,000,000 rows the frame is about
    a third of its size as strings). Sorting the categories keeps group-by
    order the same as for text. Other text (``audit_id``, ``case_ref``,
    ``cycle``, ``team``, ``auditor``, ``moderator``, ``notes``) is pandas ``string``;
    missing is ``pd.NA`` or ``NaN`` in a category. ``source_file`` is ``category``
    (given here as ``"category"``; :func:`read_audits` sets its categories to the names
    of the files read, sorted). Dates are ``datetime64[ns]``, grades ``Int8`` (1-4: two bytes a
    row with the missing mask, not nine as ``Int64``); ``area``
    follows ``district`` and ``source_file``/``source_row`` come last.

    Parameters
    ----------
    criteria, districts : DataFrame, optional
        Reference tables (default: the bundled ones); they set the ``c_*``
        columns and the ``district``/``area`` categories.
    profile : kentaudit.inputs.profile.Profile, optional
        The authority's profile: its closed sets and graded domains (default: the
        bundled example's, :mod:`kentaudit.inputs.schema`).
    """
    ref = reference.districts() if districts is None else districts
    out: dict = {}
    for c in model.columns(criteria, profile):
        if c.kind in ("date", "grade"):
            out[c.name] = {"date": "datetime64[ns]", "grade": "Int8"}[c.kind]
        elif c.name == "district":
            out[c.name] = pd.CategoricalDtype(sorted(set(ref["district"])))
            out["area"] = pd.CategoricalDtype(sorted(set(ref["area"])))
        elif c.kind in ("answer", "flag") or (c.kind == "category" and c.allowed):
            out[c.name] = pd.CategoricalDtype(sorted(c.allowed))
        else:
            out[c.name] = "string"
    # the export's path repeats in every row: a category of the files read (their names, sorted;
    # read_audits sets them) is one byte a row, not the path's length again (at 1,000,000 rows of
    # one file, about 1 MiB instead of 56 MiB)
    out["source_file"] = "category"
    out["source_row"] = "Int64"
    return out


@dataclass
class IngestResult:
    """What :func:`read_audits` returns.

    Attributes
    ----------
    accepted : DataFrame
        One row per accepted audit, columns and dtypes of :func:`canonical_dtypes`
        (``case_ref`` pseudonymised; ``area`` from the districts reference;
        ``source_file`` and ``source_row``, the 1-based line or sheet row).
    rejected : DataFrame
        One row per problem: ``file``, ``row``, ``column``, ``value`` (as typed,
        except ``case_ref`` which shows its pseudonym), ``rule`` (see
        :data:`RULES`) and ``message``. A rejected input row appears once per problem.
    reconciliation : DataFrame
        One row per file read: ``file``, ``sha256`` (of the bytes read),
        ``encoding``, ``rows_read``, ``accepted`` and ``rejected`` (rows, not
        problems); ``rows_read == accepted + rejected`` always.
    warnings : list of str
        Unknown columns dropped, formula text kept, blank rows skipped.
    file_errors : list of InputError
        Files not read at all (only filled by :func:`validate_paths`;
        :func:`read_audits` raises instead).
    quality : dict
        Data-quality counts: ``unpaired_reaudits`` (re-audits with no initial
        audit of the case in their cycle) and ``cycles_by_file`` (file ->
        {cycle: accepted audits}, for files holding more than one cycle).
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    reconciliation: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    file_errors: list[InputError] = field(default_factory=list)
    quality: dict = field(default_factory=dict)

    def report(self, file_errors: bool = True) -> str:
        """Human-readable report: reconciliation, every rejection, warnings.

        ``file_errors=False`` leaves out the file-level errors (for a caller that
        prints them itself, to standard error, so that each is printed once)."""
        lines = ["Reconciliation (rows read = accepted + rejected):"]
        if self.reconciliation.empty:
            lines.append("  no file was read")
        for _, r in self.reconciliation.iterrows():
            lines.append(f"  {r['file']}: {r['rows_read']} rows read = {r['accepted']} accepted"
                         f" + {r['rejected']} rejected ({r['encoding']}, sha256 {r['sha256'][:12]})")
        if len(self.reconciliation) > 1:
            tot = self.reconciliation[["rows_read", "accepted", "rejected"]].sum()
            lines.append(f"  total: {tot['rows_read']} rows read = {tot['accepted']} accepted"
                         f" + {tot['rejected']} rejected")
        if self.file_errors and file_errors:
            lines.append(f"File-level errors ({len(self.file_errors)} file(s) not read):")
            lines += [f"  {e}" for e in self.file_errors]
        if not self.rejected.empty:
            n_rows = self.rejected[["file", "row"]].drop_duplicates().shape[0]
            by_rule = self.rejected["rule"].astype(str).value_counts()
            counts = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"Rejected: {n_rows} row(s), {len(self.rejected)} problem(s) ({counts}):")
            lines += ["  " + x for x in _grouped_problems(self.rejected)]
        if self.warnings:
            lines.append(f"Warnings ({len(self.warnings)}):")
            lines += [f"  {w}" for w in self.warnings]
        return "\n".join(lines)


#: Rows named for a problem repeated over many rows (the rest are counted).
ROWS_SHOWN = 5
#: Distinct values shown for one problem (file, column and rule) before the rest are counted.
VALUES_SHOWN = 5


def _grouped_problems(rejected: pd.DataFrame) -> list[str]:
    """One line per problem, but a problem of the same file, column, value and rule met in
    several rows once, with its count and first rows (an unmapped "Partly" in 3,000 rows is
    one line, not 3,000)."""
    out = []
    key = rejected[["file", "column", "value", "rule"]].astype(object).where(rejected[["file", "column", "value", "rule"]].notna(), None)
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(map(tuple, key.itertuples(index=False))):
        groups.setdefault(k, []).append(i)
    # a column whose every value is wrong the same way (232 dates "7 Mar 2026" where no format is
    # declared) is a few lines, not one per distinct value: VALUES_SHOWN values, then their count
    shown_of: dict[tuple, int] = {}
    left: dict[tuple, list] = {}
    for k, idx in groups.items():
        fcr = (k[0], k[1], k[3])
        if k[3] not in ("duplicate_audit_id", "duplicate_case_in_sample") and k[2] is not None:
            shown_of[fcr] = shown_of.get(fcr, 0) + 1
            if shown_of[fcr] > VALUES_SHOWN:
                left.setdefault(fcr, []).append(len(idx))
                continue
        r = rejected.iloc[idx[0]]
        line = _format_problem(r["file"], r["row"], r["column"], r["value"], r["message"], r["rule"])
        if len(idx) > 1 and k[3] not in ("duplicate_audit_id", "duplicate_case_in_sample"):
            rows = [int(rejected.iloc[j]["row"]) for j in idx[:ROWS_SHOWN] if pd.notna(rejected.iloc[j]["row"])]
            more = f" and {len(idx) - ROWS_SHOWN} more" if len(idx) > ROWS_SHOWN else ""
            line += f" - in {len(idx)} rows: {', '.join(map(str, rows))}{more}"
            out.append(line)
        elif len(idx) > 1:
            out += [_format_problem(rejected.iloc[j]["file"], rejected.iloc[j]["row"], rejected.iloc[j]["column"],
                                    rejected.iloc[j]["value"], rejected.iloc[j]["message"],
                                    rejected.iloc[j]["rule"]) for j in idx]
        else:
            out.append(line)
    for (file, column, rule), counts in left.items():
        where = f"{file}, column {column!r}: " if column is not None else f"{file}: "
        out.append(f"{where}and {len(counts)} more value(s) in {sum(counts)} row(s) with the same problem "
                   f"[rule: {rule}] (every row: kentaudit validate --report DIR, rejected.csv)")
    return out


def _format_problem(file, row, column, value, message, rule) -> str:
    def given(x):
        return x is not None and not (isinstance(x, float) and pd.isna(x)) and x is not pd.NA
    return str(InputError(message, file=file, row=int(row) if given(row) else None,
                          column=column if given(column) else None,
                          value=shown(value, 80) if given(value) else None, rule=rule))


# --------------------------------------------------------------------------- reading


@dataclass
class _RawFile:
    name: str
    sha256: str
    encoding: str
    header: list[str]
    #: XLSX: every (1-based sheet row, fields). CSV: None - the text is parsed
    #: again, chunk by chunk, when the rows are validated (see _iter_records).
    records: list[tuple[int, list[str]]] | None
    blank_rows: int
    n_records: int = 0
    #: indices of blank-named header columns that hold a value in some record
    filled: set = field(default_factory=set)
    #: line of the first record whose case_ref is given but not synthetic
    first_non_synthetic: int | None = None
    path: str = ""
    #: XLSX read without a sheet asked for: the workbook's other sheets, named when the
    #: sheet read (the first) lacks the audits' columns (a cover page before the data)
    other_sheets: tuple = ()
    #: the row (sheet row, or CSV line) of the header; rows above it (a title) are skipped unread
    header_row: int = 1
    #: the character between a CSV's fields (a mapping's delimiter:)
    delimiter: str = ","


#: One physical line as io.StringIO(text, newline="") yields it: up to and
#: including "\r\n", "\r" or "\n", or the unterminated rest of the text. Using
#: this instead of a StringIO avoids StringIO's 4-bytes-a-character copy of
#: the whole file; csv.reader counts lines (line_num) the same way.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

#: Records validated at a time; bounds the memory of the raw text fields.
_CHUNK_ROWS = 5_000

#: Bytes of a CSV decoded at a time when its rows are validated.
_BLOCK_BYTES = 1 << 22


#: a well-formed UTF-8 character of two to four bytes
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def _utf8_evidence(seq: bytes) -> bool:
    """Whether a well-formed UTF-8 sequence is a character a UTF-8 export would hold:
    Latin letters with accents and symbols (U+00A0-U+024F), general punctuation
    (U+2000-U+206F: smart quotes, dashes, ellipsis), the euro sign and trade mark."""
    c = ord(seq.decode("utf-8"))
    return 0xA0 <= c <= 0x24F or 0x2000 <= c <= 0x206F or c in (0x20AC, 0x2122)


def _byte_place(raw: bytes, at: int) -> tuple[int, str | None, str]:
    """Where byte ``at`` of a CSV stands: (row, column, what), ``row`` the line its record
    starts on (the header is row 1, as in every other message), ``column`` the header name of
    its field (None on the header line or past the header's last column) and ``what`` a
    phrase for the message ("in the header, field 3", "in field 9, past the header's 8").

    Only the bytes before ``at`` are parsed, as CSV: its structure (commas, quotes, line
    ends) is ASCII and so the same in UTF-8 and Windows-1252, and those bytes decode (they
    are before the first bad one); latin-1 is the last resort because it decodes anything.
    Only called to word a refusal."""
    head = raw[:at]
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = head.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    reader = csv.reader(io.StringIO(text + "X", newline=""), strict=False)
    header, last, row, start = None, [], 1, 1
    try:
        for rec in reader:
            row, start = start, reader.line_num + 1
            if header is None:
                header = rec
            last = rec
    except csv.Error:  # a stray quote before the bad byte: the line is still right
        pass
    k = max(len(last) - 1, 0)
    if row == 1:
        return 1, None, f"in the header, field {k + 1}"
    if header is not None and k < len(header):
        return row, header[k], f"in column {k + 1}"
    return row, None, f"in field {k + 1}, past the header's {len(header or [])}"


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the file is not UTF-8 or Windows-1252 text (it contains NUL bytes: it looks like "
            "UTF-16 or a binary file). Save it again as 'CSV UTF-8 (comma delimited)'.",
            file=name, rule="encoding")
    if b"\x00" in raw:
        row, column, what = _byte_place(raw, raw.index(b"\x00"))
        raise InputError(
            f"the file is not UTF-8 or Windows-1252 text: it contains a NUL byte (0x00), first {what} "
            "(a NUL byte anywhere means UTF-16 or a binary file, or a damaged export). Save it again as "
            "'CSV UTF-8 (comma delimited)', or remove the byte.",
            file=name, row=row, column=column, value="0x00", rule="encoding")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        bad_at = e.start
    # Not UTF-8. If it nevertheless holds well-formed UTF-8 multi-byte characters
    # of the kinds a UTF-8 export of English text has (e.g. "é" as C3 A9, "’" as
    # E2 80 99) it is a mix of encodings: decoding it all as Windows-1252 would
    # silently turn those into mojibake ("Ã©"), so refuse and say where. Windows-1252
    # text can form other byte runs that happen to be valid UTF-8 ("é’…" is E9 92 85,
    # UTF-8 for a CJK character): those are not evidence of UTF-8.
    mixed = next((m for m in _UTF8_MULTIBYTE.finditer(raw) if _utf8_evidence(m.group())), None)
    if mixed is not None:
        row, column, what = _byte_place(raw, bad_at)
        raise InputError(
            f"the file mixes encodings: line {raw[:mixed.start()].count(chr(10).encode()) + 1} has "
            f"UTF-8 text but line {raw[:bad_at].count(chr(10).encode()) + 1} has a byte "
            f"(0x{raw[bad_at]:02x}, {what}) that is not UTF-8. Save the whole file again as "
            "'CSV UTF-8 (comma delimited)'.", file=name, row=row, column=column,
            value=f"0x{raw[bad_at]:02x}", rule="encoding")
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        row, column, what = _byte_place(raw, e.start)
        raise InputError(
            f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{raw[e.start]:02x} at "
            f"offset {e.start}, {what}, is undefined in both). Save it again as 'CSV UTF-8 (comma delimited)'.",
            file=name, row=row, column=column, value=f"0x{raw[e.start]:02x}", rule="encoding") from None


def _csv_records(lines, name: str, out: dict, header_row: int = 1, delimiter: str = ","):
    """Yield (1-based line, fields) of every non-blank record after the header.

    ``out`` receives ``header`` and ``blank`` (blank lines skipped). The line of
    a record is the physical line it starts on (quoted fields may hold newlines).
    Records that start before line ``header_row`` (a title above the headers; a
    mapping's ``header_row:``) are skipped unread.
    """
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(lines, strict=True, delimiter=delimiter)
    out["header"], out["blank"] = None, 0
    start = 1
    try:
        for fields in reader:
            line = start
            start = reader.line_num + 1
            if line < header_row:
                continue
            if out["header"] is None:
                out["header"] = fields
                continue
            if not fields or all(f.strip() == "" for f in fields):
                out["blank"] += 1
                continue
            yield line, fields
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            raise InputError(f"a field is longer than {MAX_FIELD_CHARS:,} characters (the most kentaudit "
                             "reads in one field); check the file is an audit export, or shorten the note.",
                             file=name, row=start, rule="field_too_large") from None
        raise InputError(f"the file is not well-formed CSV ({e}).", file=name, row=start,
                         rule="unreadable_file") from None


def _block_lines(blocks, encoding: str, on_error):
    """The lines _LINE finds in the whole decoded text of ``blocks`` (byte strings in
    order), decoded one block at a time: a block is cut only after a line end whose
    next character is known, so one block of text is held rather than the whole file.
    ``on_error`` is raised if a block does not decode."""
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else "cp1252")()
    buf = ""
    for block in blocks:
        try:
            buf += decoder.decode(block, final=not block)
        except UnicodeDecodeError:
            raise on_error from None
        if not block:
            break
        cut = max(buf.rfind("\n"), buf.rfind("\r", 0, len(buf) - 1)) + 1
        if cut:
            yield from (m.group() for m in _LINE.finditer(buf, 0, cut))
            buf = buf[cut:]
    yield from (m.group() for m in _LINE.finditer(buf))


def _memory_blocks(raw: bytes):
    """``raw`` in blocks of _BLOCK_BYTES (views, not copies), then an empty block."""
    view = memoryview(raw)
    for i in range(0, len(raw), _BLOCK_BYTES):
        yield view[i:i + _BLOCK_BYTES]
    yield b""


def _stream_lines(rf: _RawFile):
    """The lines of a CSV that _read_raw has checked, decoded block by block.

    Yields exactly the lines _LINE finds in the whole decoded text (see
    :func:`_block_lines`), while holding one block of text rather than the
    whole file. The bytes must hash as in the first reading.
    """
    changed = InputError("the file changed while it was being read; read it again.",
                         file=rf.name, rule="unreadable_file")
    digest = hashlib.sha256()
    try:
        f = open(rf.path, "rb")
    except OSError as e:
        raise InputError(f"cannot read the file ({e.strerror or e}).", file=rf.name,
                         rule="unreadable_file") from None

    def blocks():
        while True:
            block = f.read(_BLOCK_BYTES)
            digest.update(block)
            yield block
            if not block:
                return

    with f:
        yield from _block_lines(blocks(), rf.encoding, changed)
    if digest.hexdigest() != rf.sha256:
        raise changed


def _csv_encoding(raw: bytes, name: str) -> str:
    """The encoding of a CSV (as :func:`_decode` decides it), without holding its text.

    A UTF-8 file (nearly every export) is checked block by block; anything else is
    decided by :func:`_decode` on the whole file, which also words the refusal. Raises
    ``empty_file`` if the text is empty or only whitespace."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        _decode(raw, name)  # raises the encoding refusal
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    blank = True
    try:
        for block in _memory_blocks(raw):
            text = decoder.decode(block, final=not block)
            blank = blank and (not text or text.isspace())
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode(raw, name)
        blank = not text or text.isspace()
        del text
    if blank:
        raise EmptyInputError("the file is empty; export the audits again.", file=name, rule="empty_file")
    return encoding


def _case_ref_index(header) -> int | None:
    # the field _map_headers maps to case_ref (if two do, it raises duplicate_column)
    for i, h in enumerate(header):
        key = normalise_header(h)
        if HEADER_ALIASES.get(key, key) == "case_ref":
            return i
    return None


def _scan(rf: _RawFile, records) -> None:
    """File-level facts from one pass over the records (nothing is kept)."""
    blank_named = [i for i, h in enumerate(rf.header) if normalise_header(h) == ""]
    ci = _case_ref_index(rf.header)
    n = 0
    for line, fields in records:
        n += 1
        for i in blank_named:
            if i < len(fields) and fields[i].strip() != "":
                rf.filled.add(i)
        if rf.first_non_synthetic is None and ci is not None and ci < len(fields):
            ref = fields[ci].strip()
            if ref and not is_synthetic_ref(ref):
                rf.first_non_synthetic = line
    rf.n_records = n


def _read_csv(raw: bytes, name: str, header_row: int = 1, delimiter: str = ",") -> _RawFile:
    # the text is decoded a block at a time, never whole: at 1,000,000 rows the whole
    # text would be a second copy of the file's 250 MB beside its bytes
    encoding = _csv_encoding(raw, name)
    sha = hashlib.sha256(raw).hexdigest()
    out: dict = {}
    rf = _RawFile(name, sha, encoding, [], None, 0, header_row=header_row, delimiter=delimiter)
    cannot = InputError("the file does not decode as it did a moment ago.", file=name, rule="encoding")
    gen = _csv_records(_block_lines(_memory_blocks(raw), encoding, cannot), name, out, header_row, delimiter)
    first = next(gen, None)
    rf.header = out["header"] or []
    _scan(rf, gen if first is None else _chain(first, gen))
    rf.blank_rows = out["blank"]
    return rf


def _chain(first, rest):
    yield first
    yield from rest


def _cell_text(v) -> str:
    # XLSX cell values to text exactly as an export would have written them.
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    return str(v)


def _check_zip(raw: bytes, name: str) -> None:
    """Refuse a workbook whose parts decompress to more than the limits (a zip bomb).

    The sizes come from the zip's central directory; Python's zipfile never
    inflates a part beyond its recorded size (and checks its CRC), so the
    limits hold while the file is read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise InputError(f"the file is not a readable XLSX workbook (not a zip archive: {e}).",
                         file=name, rule="unreadable_file") from None
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InputError(f"the workbook would decompress to {total:,} bytes, more than the "
                         f"{MAX_XLSX_UNCOMPRESSED:,} kentaudit reads (a zip bomb, or far larger than an "
                         "audit export); save the audits as CSV.", file=name, rule="unreadable_file")
    for i in infos:
        if i.file_size > (1 << 20) and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
            raise InputError(f"part {i.filename!r} of the workbook is compressed {i.file_size // max(i.compress_size, 1):,} "
                             f"to 1 (more than {MAX_XLSX_RATIO} to 1): it looks like a zip bomb, so it is "
                             "not read. Save the audits as CSV.", file=name, rule="unreadable_file")


def _read_xlsx(raw: bytes, name: str, sheet: str | None = None, header_row: int = 1) -> _RawFile:


    # deferred: openpyxl (and the lxml and Pillow it loads) is about 10 MiB resident, which a
    # cycle read from CSV exports (and every analysis kernel) need not hold
    import openpyxl

    sha = hashlib.sha256(raw).hexdigest()
    _check_zip(raw, name)
    try:
        # data_only=False: a formula cell is read as its formula text and never evaluated.
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure of openpyxl is a file-level error
        raise InputError(f"the file is not a readable XLSX workbook ({type(e).__name__}: {_first_line(e)}).",
                         file=name, rule="unreadable_file") from None
    deadline = time.monotonic() + MAX_XLSX_SECONDS
    try:
        return _xlsx_records(wb, raw, sha, name, deadline, sheet, header_row)
    except InputError:
        raise
    except (ParseError, Exception) as e:  # noqa: BLE001 - corrupt sheet XML and the like
        raise InputError(f"the file is not a readable XLSX workbook ({type(e).__name__}: {_first_line(e)}).",
                         file=name, rule="unreadable_file") from None
    finally:
        wb.close()


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:200] if lines else ""


def _xlsx_records(wb, raw, sha, name, deadline, wanted=None, header_row=1) -> _RawFile:

    names = wb.sheetnames
    if not names:
        raise EmptyInputError("the workbook has no sheet.", file=name, rule="empty_file")
    if wanted is not None:
        sheet = next((s for s in names if s.strip().casefold() == wanted.strip().casefold()), None)
        if sheet is None:
            raise InputError(f"the workbook has no sheet {wanted!r} (the mapping's sheet); its sheets: "
                             f"{', '.join(map(repr, names))}.", file=name, rule="mapping")
    else:
        sheet = next((s for s in names if s.strip().lower() == "audits"), names[0])
        if getattr(wb[sheet], "sheet_state", "visible") != "visible":
            # a hidden sheet (often a stale copy) is never read unannounced in place of what
            # the user sees: nothing is guessed
            shown_ = [s for s in names if getattr(wb[s], "sheet_state", "visible") == "visible"]
            raise InputError(f"the sheet kentaudit would read, {sheet!r}, is {wb[sheet].sheet_state} in Excel; "
                             f"the visible sheets are {', '.join(map(repr, shown_)) or 'none'}. Name the sheet "
                             "of the audits 'audits' (or give a mapping's sheet:), or unhide or delete the "
                             "hidden one.", file=name, rule="hidden_sheet")
    ws = wb[sheet]
    # The sheet's recorded dimension may be wrong (openpyxl would then drop rows
    # below it and pad every row to its width): read the cells that are there.
    ws.reset_dimensions()
    rows = ws.iter_rows(values_only=True)
    header, records, blank = None, [], 0
    for i, values in enumerate(rows, start=1):
        if i % 100 == 0 and time.monotonic() > deadline:
            raise InputError(f"reading the workbook took more than {MAX_XLSX_SECONDS:.0f} s (at sheet "
                             f"row {i:,}); save the audits as CSV.", file=name, row=i,
                             rule="unreadable_file")
        if len(values) > MAX_XLSX_COLUMNS:
            far = next((j for j in range(len(values) - 1, MAX_XLSX_COLUMNS - 1, -1)
                        if values[j] is not None and str(values[j]).strip() != ""), None)
            if far is not None:
                raise InputError(f"sheet {sheet!r} has a value in column {far + 1:,}, beyond the "
                                 f"{MAX_XLSX_COLUMNS:,} columns kentaudit reads; delete the columns to the "
                                 "right of the data or save it as CSV.", file=name, row=i,
                                 rule="unreadable_file")
            values = values[:MAX_XLSX_COLUMNS]
        if i < header_row:
            continue  # a title above the headers (the mapping's header_row:), never read
        fields = [_cell_text(v) for v in values]
        if header is None:
            if all(f.strip() == "" for f in fields):
                raise EmptyInputError(f"sheet {sheet!r} is empty (row {header_row} holds no header"
                                      + ("; the mapping's header_row: names it" if header_row > 1 else "")
                                      + ").", file=name, rule="empty_file")
            while fields and fields[-1].strip() == "":
                fields.pop()
            header = fields
            continue
        if all(f.strip() == "" for f in fields):
            blank += 1
            continue
        if len(fields) > len(header) and all(f.strip() == "" for f in fields[len(header):]):
            fields = fields[:len(header)]
        elif len(fields) < len(header):  # trailing empty cells are not stored in the sheet
            fields += [""] * (len(header) - len(fields))
        records.append((i, fields))
    if header is None:
        raise EmptyInputError(f"sheet {sheet!r} is empty.", file=name, rule="empty_file")
    _refuse_rows_elsewhere(wb, sheet, header, name, deadline)
    rf = _RawFile(name, sha, f"xlsx:{sheet}", header, records, blank, header_row=header_row)
    if wanted is None and sheet.strip().lower() != "audits":
        rf.other_sheets = tuple(s for s in names if s != sheet)
    _scan(rf, records)
    return rf


def _refuse_rows_elsewhere(wb, sheet: str, header: list, name: str, deadline: float) -> None:
    """Refuse a workbook in which another sheet (hidden or not) has the read sheet's headers
    and rows under them (rule ``other_sheet_rows``): a second month's audits, or a hidden
    copy, would otherwise be left out without a word. Sheets of notes, lookups or a cover
    (other headers) are not the audits and are not read."""
    want = [_header_key(h) for h in header]
    for other in wb.sheetnames:
        if other == sheet:
            continue
        ws = wb[other]
        ws.reset_dimensions()
        head, n = None, 0
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if i % 100 == 0 and time.monotonic() > deadline:
                raise InputError(f"reading the workbook took more than {MAX_XLSX_SECONDS:.0f} s (at sheet "
                                 f"{other!r}, row {i:,}); save the audits as CSV.", file=name, row=i,
                                 rule="unreadable_file")
            fields = [_cell_text(v) for v in values[:MAX_XLSX_COLUMNS]]
            if all(f.strip() == "" for f in fields):
                continue
            if head is None:
                while fields and fields[-1].strip() == "":
                    fields.pop()
                head = [_header_key(f) for f in fields]
                if head != want:
                    break  # another table (notes, a lookup, a cover page): not the audits
                continue
            n += 1
        if head == want and n:
            state = getattr(ws, "sheet_state", "visible")
            raise InputError(
                f"sheet {other!r}{'' if state == 'visible' else f' ({state} in Excel)'} has the same headers as "
                f"sheet {sheet!r}, which kentaudit reads, and holds {n:,} row(s) that would be left out. Move "
                f"them into {sheet!r} (one sheet of audits per workbook), or delete the sheet {other!r}.",
                file=name, rule="other_sheet_rows")


def _header_key(h) -> str:
    return " ".join(str(h).split()).casefold()


def _read_raw(path, sheet: str | None = None, header_row: int = 1, delimiter: str = ",") -> _RawFile:
    name = str(path)
    p = Path(path)
    raw = read_regular(path, name)
    if p.suffix.lower() == ".xls":
        raise InputError("old binary Excel (.xls) files are not read; save it as .xlsx or CSV UTF-8.",
                         file=name, rule="unreadable_file")
    if len(raw) == 0:
        raise EmptyInputError("the file is empty (0 bytes); export the audits again.",
                              file=name, rule="empty_file")
    if p.suffix.lower() in (".xlsx", ".xlsm") or raw.startswith(b"PK\x03\x04"):
        rf = _read_xlsx(raw, name, sheet, header_row)
    else:
        rf = _read_csv(raw, name, header_row, delimiter)
    rf.path = path
    if not rf.n_records:
        raise EmptyInputError("the file has a header but no data rows.", file=name, rule="header_only")
    return rf


def read_table(path, sheet: str | None = None,
               header_row: int = 1, delimiter: str = ",") -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """An export as text, read as ingest reads it (same encodings, sheet choice and limits), for
    tools that look at an export before a mapping exists (``kentaudit init``).

    Returns
    -------
    (header, records, encoding)
        The header fields; every non-blank record as ``(row, fields)`` (row: the line of the
        file, or the sheet row); ``utf-8``, ``cp1252`` or ``xlsx:<sheet>``. ``header_row``: the
        row of the headers (a title above them is skipped, as a mapping's ``header_row:`` says);
        ``delimiter``: the character between a CSV's fields (a mapping's ``delimiter:``).

    Raises
    ------
    InputError
        The file cannot be read (the rules of :data:`RULES` at file level).
    """
    rf = _read_raw(path, sheet, header_row, delimiter)
    return list(rf.header), list(_iter_records(rf)), rf.encoding


def _expand(paths, file_errors=None) -> list:
    """Files to read: each path, a folder standing for its ``*.csv`` and ``*.xlsx``.

    A folder with none of them is a file-level error (``no_files``): added to
    ``file_errors`` when given (validate goes on with the other paths), else raised.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = []
    for p in paths:
        pp = Path(p)
        if pp.is_dir():
            try:
                found = sorted(x for x in pp.iterdir() if x.suffix.lower() in (".csv", ".xlsx"))
            except OSError as e:
                found, why = [], f"the folder cannot be listed ({e.strerror or e})"
            else:
                why = "the folder holds no .csv or .xlsx file"
            if not found:
                err = EmptyInputError(f"{why}; give the audit exports themselves or a folder "
                                      "that holds them.", file=str(p), rule="no_files")
                if file_errors is None:
                    raise err
                file_errors.append(err)
            out += found
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------- headers


def _map_headers(rf: _RawFile, cols: dict, crit_ids: set, warnings: list,
                 export_map: Mapping | None = None) -> dict[str, int]:
    """Model column name -> field index; unknown columns go to warnings.

    With a mapping, a header is its mapped column, ignored on purpose, or already a column
    name; any other header is named (every one, once) in a file error ``unmapped_header``."""
    mapping: dict[str, int] = {}
    original: dict[str, str] = {}
    unknown = []
    unmapped = []
    for i, h in enumerate(rf.header):
        key = normalise_header(h)
        if key == "" and i not in rf.filled:
            continue  # an unnamed, empty trailing column of a spreadsheet
        keys = (key,)
        if export_map is not None:
            hk = header_key(h)
            if hk in export_map.ignore:
                continue
            if hk in export_map.columns:
                keys = export_map.columns[hk]  # one column, or several the header stands for
                for k in keys:
                    if k not in cols:
                        raise InputError(f"the mapping maps header {h!r} to {k!r}, which is not a column of "
                                         "this cycle's data model (docs/data-dictionary.md; criteria are c_<id> "
                                         "of the catalogue, grades grade_<domain> of the profile).",
                                         file=str(export_map.source), column=h, value=k, rule="mapping")
            elif key not in cols:
                unmapped.append(h)
                continue
        for key in keys:
            key = HEADER_ALIASES.get(key, key)
            if key not in cols:
                if key in crit_ids:
                    key = f"c_{key}"
                elif key.endswith("_grade") and f"grade_{key[:-6]}" in cols:
                    key = f"grade_{key[:-6]}"
            if key not in cols:
                unknown.append(f"{h!r}" + (f" (read as {key!r})" if key != h else ""))
                continue
            if key in mapping:
                raise InputError(f"headers {original[key]!r} and {h!r} both mean column {key!r}; "
                                 "keep one of them.", file=rf.name, column=key, rule="duplicate_column")
            mapping[key] = i
            original[key] = h
    if unmapped:
        raise InputError(f"{len(unmapped)} header(s) of the export are not in the mapping "
                         f"{export_map.source.name}: {', '.join(map(repr, unmapped))}. Map each to a kentaudit "
                         "column under columns:, or list it under ignore: to drop it on purpose.",
                         file=rf.name, column=unmapped[0], rule="unmapped_header")
    if unknown:
        warnings.append(f"{rf.name}: {len(unknown)} column(s) not in the data model were ignored and "
                        f"dropped: {', '.join(unknown)} [rule: unknown_column]")
    for j, col in enumerate(export_map.constants if export_map is not None else ()):
        # a column the export does not have, the same value in every row (the mapping's constants:):
        # read as a field past the export's own (chunk appends the values to every record)
        if col not in cols:
            raise InputError(f"the mapping gives {col!r} one value for every row (constants:), but it is not a "
                             "column of this cycle's data model (docs/data-dictionary.md).",
                             file=str(export_map.source), column=col, rule="mapping")
        if col in mapping:
            raise InputError(f"the export's header {original[col]!r} is read as {col}, and the mapping also gives "
                             f"{col} one value for every row (constants:); keep one of them.",
                             file=str(export_map.source), column=col, rule="mapping")
        mapping[col] = len(rf.header) + j
    missing = [c.name for c in cols.values() if c.required and c.name not in mapping]
    if missing:
        sep = next(((s, name) for s, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe"))
                    if len(rf.header) == 1 and s in rf.header[0]), None)
        if sep is not None:
            # one wrong delimiter, not 30 missing columns: say that first
            sym, sep = sep
            raise InputError(
                f"the header is one column holding {sym!r} ({sep}s): the file looks {sep}-separated, but kentaudit "
                "reads comma-separated files. Save it as 'CSV UTF-8 (Comma delimited)' and validate "
                f"again ({len(missing)} required columns are missing as it stands).",
                file=rf.name, column=missing[0], rule="missing_column")
        hint = "" if export_map is None else (
            f" With a mapping, map a header of the export to each under columns:, or, where the export has no "
            f"such column and every row has the same value, give it under constants: in {export_map.source.name} "
            f"(constants: {{{missing[0]}: <value>}}; docs/profile.md).")
        if rf.other_sheets and rf.encoding.startswith("xlsx:"):
            # the first sheet is a cover page or notes: say which sheet was read, never guess another
            hint += (f" kentaudit read the workbook's first sheet, {rf.encoding[5:]!r}, as no sheet is named "
                     f"'audits'; its other sheets are {', '.join(map(repr, rf.other_sheets[:10]))}. Name the "
                     "sheet of the audits 'audits' (or give a mapping's sheet:).")
        raise InputError(
            f"required column(s) missing: {', '.join(missing)}. Add them (see docs/data-dictionary.md; "
            f"headers match ignoring case, spaces and hyphens).{hint}",
            file=rf.name, column=missing[0], rule="missing_column")
    return mapping


# --------------------------------------------------------------------------- values


def _given(x) -> bool:
    """A parsed value that is neither unusable (None) nor missing (pd.NA)."""
    return x is not None and x is not pd.NA


class _Problem(Exception):
    def __init__(self, rule, message):
        self.rule, self.message = rule, message


def _parse_date(text: str, declared=None, mapped: bool = False):
    """A date of ISO text or, by default, DD/MM/YYYY; with a mapping's ``declared`` formats (a
    reader from ``Mapping.date_pattern``), ISO or those formats only."""
    m = _DATE_ISO.match(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif declared is not None:
        ymd = declared(text)  # kentaudit.inputs.mapping: the mapping's declared formats, in order
        if ymd is None:
            raise _Problem("date_format", f"not a date in the mapping's date format ({declared!r}) or YYYY-MM-DD")
        y, mo, d = ymd
    else:
        m = _DATE_UK.match(text)
        if not m and mapped:  # the export is read as it comes: its format is declared, never edited
            raise _Problem("date_format", "not a date in YYYY-MM-DD or DD/MM/YYYY; declare the export's date "
                                          "format under dates: in the mapping (DD.MM.YYYY, D MMM YYYY for "
                                          "'7 Mar 2026', EXCEL SERIAL for 46119, or a list; docs/profile.md)")
        if not m:
            raise _Problem("date_format", "not a date; write YYYY-MM-DD (or DD/MM/YYYY)")
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return _dt.date(y, mo, d)
    except ValueError as e:
        raise _Problem("date_format", f"not a real calendar date ({e})") from None


def _parse_grade(text: str, top: int = 4):
    if not _INTEGER.match(text):
        raise _Problem("grade_not_integer", f"a grade must be a whole number from 1 to {top}")
    g = int(float(text))
    if not 1 <= g <= top:
        raise _Problem("grade_range", f"grade {g} is outside 1-{top} (the grades of the scale)")
    return g


def audit_window(cycle: str, windows=None) -> tuple[_dt.date, _dt.date] | None:
    """The dates every ``audit_date`` of ``cycle`` must lie in (both included; rule
    ``audit_date_window``).

    Parameters
    ----------
    cycle : str
        A cycle id as ingest accepts it: four ASCII digits (the calendar year), or a financial
        year ``YYYY-YY`` (1 April to 31 March).
    windows : mapping, optional
        ``{cycle: (start, end)}`` (dates or ISO strings) overriding the default, e.g. the
        parameter file's ``audit_window`` for its own cycle.

    Returns
    -------
    (datetime.date, datetime.date) or None
        The window; by default the cycle's calendar year. None for a cycle id that has
        no window (such a row is rejected by rule ``cycle_format`` first).
    """
    if windows and cycle in windows:
        start, end = windows[cycle]
        return (_dt.date.fromisoformat(str(start)), _dt.date.fromisoformat(str(end)))
    fy = _FINANCIAL_YEAR.match(cycle or "")
    if fy and (int(fy[1]) + 1) % 100 == int(fy[2]):  # a financial year: 1 April to 31 March
        return _dt.date(int(fy[1]), 4, 1), _dt.date(int(fy[1]) + 1, 3, 31)
    if not _CYCLE.match(cycle or ""):
        return None
    year = int(cycle)
    return _dt.date(year, 1, 1), _dt.date(year, 12, 31)


def _top_grade(profile) -> int:
    """The most grades a scale of the profile has (4 for the bundled scales)."""
    if profile is None:
        return 4
    return int(reference.grade_scales(profile.grade_scales)["grade"].max())


def _category_lookup(allowed) -> dict[str, str]:
    return {_code_key(a): a for a in allowed}


class _Validator:
    def __init__(self, criteria, districts, key, as_of, cycle=None, windows=None, profile=None,
                 export_map: Mapping | None = None):
        self.criteria = criteria
        self.windows = dict(windows or {})
        self.profile = profile
        self.export_map = export_map
        self.cols = {c.name: c for c in model.columns(criteria, profile)}
        self.n_units = len(districts)
        self.units_word = profile.words.units if profile is not None else "districts"
        self.plan = profile.plan_case_type if profile is not None else "cp_plan"
        self.financial = profile is not None and profile.cycles == "financial_year"
        self.top_grade = _top_grade(profile)
        self.answer_lookup = dict(_ANSWER_LOOKUP)
        if profile is not None and profile.answers.partial is not None:
            part = profile.answers.partial
            self.answer_lookup.update({part.lower(): part, profile.answers.labels[part].lower(): part})
        self.declared_dates = export_map.date_pattern() if export_map is not None else None
        self.bands = profile.age_bands if profile is not None else ()
        self.value_maps = ({n: export_map.value_map(n, c.kind) for n, c in self.cols.items()}
                           if export_map is not None else {})
        self.crit_ids = set(criteria["id"])
        self.key = key
        self.as_of = as_of
        self.cycle = cycle
        # the one resolution of a typed district (also --districts and the parameter file)
        self.district_lookup = reference.district_lookup(districts)
        self.area = dict(zip(districts["district"], districts["area"]))
        self.categories = {n: _category_lookup(c.allowed) for n, c in self.cols.items()
                           if c.kind == "category" and c.allowed and n != "district"}

    def value(self, col: model.Column, raw: str):
        """Normalised value of one cell, or raise _Problem."""
        text = raw.strip()
        vmap = self.value_maps.get(col.name)
        if text and (vmap is not None or (col.name == "age_band" and self.export_map is not None
                                          and self.export_map.ages)):
            code = vmap.get(value_key(text)) if vmap is not None else None
            if code is None and col.name == "age_band" and self.export_map.ages:
                code = self._band(text)
            if code is None:
                raise _Problem("unmapped_value", f"{text!r} is not in the mapping's values for "
                                                 f"{col.name}; add it to {self.export_map.source.name} "
                                                 "(values match ignoring case and spacing)")
            raw = text = code
        if col.kind == "answer":
            if text == "":
                return pd.NA
            code = self.answer_lookup.get(text.lower())
            if code is None or code not in col.allowed:
                part = self.profile.answers.partial if self.profile is not None else None
                also = f", {part}/{self.profile.answers.labels[part]}" if part else ""
                raise _Problem("unknown_answer_code",
                               f"not an answer code; use Y/Yes/1/TRUE, N/No/0/FALSE, NA/N/A/Not applicable{also}, "
                               "or leave blank for missing")
            return code
        if text == "":
            if col.blank_as is not None:
                return col.blank_as  # a level of its own (model.AGE_NOT_RECORDED): the audit is kept
            if col.required and not col.blank_ok:
                raise _Problem("required_value", f"{col.name} is required and is blank")
            return pd.NA  # missing; for the overall grade, not recorded (model.Column.blank_ok)
        if col.kind == "flag":
            code = _ANSWER_LOOKUP.get(text.lower())
            if code not in ("Y", "N"):
                raise _Problem("unknown_flag_code", "a risk flag must be Y/Yes/1/TRUE or N/No/0/FALSE, or blank")
            return code
        if col.kind == "grade":
            return _parse_grade(text, self.top_grade)
        if col.kind == "date":
            d = _parse_date(text, self.declared_dates, self.export_map is not None)
            if d < MIN_DATE:
                raise _Problem("date_range", f"{col.name} {d} is before {MIN_DATE} (the earliest date "
                                             "kentaudit accepts); check the year")
            if col.name != "audit_date" and d > self.as_of:  # audit_date: rule audit_date_future
                raise _Problem("date_range", f"{col.name} {d} is after the day of ingest ({self.as_of}); "
                                             "check the year")
            return d
        if col.name == "district":
            d = self.district_lookup.get(match_key(text))
            if d is None:
                raise _Problem("unknown_district", f"not one of the {self.n_units} {self.units_word} of the units "
                                                   "table (name or code)")
            return d
        if col.name == "cycle":
            fy = _FINANCIAL_YEAR.match(text) if self.financial else None
            if fy and (int(fy[1]) + 1) % 100 == int(fy[2]):
                text = f"{fy[1]}-{fy[2]}"  # the cycle's id: its label with '/' as '-'
            elif self.financial:
                raise _Problem("cycle_format", "cycle must be a financial year written YYYY/YY such as 2025/26")
            elif not _CYCLE.match(text):
                raise _Problem("cycle_format", "cycle must be a four-digit year such as 2009")
            if self.cycle is not None and text != self.cycle:
                raise _Problem("cycle_mismatch", f"this row is an audit of cycle {text}, but cycle "
                                                 f"{self.cycle} is being read; move it to that cycle's export")
            return text
        if col.name in self.categories:
            v = self.categories[col.name].get(_code_key(text))
            if v is None:
                raise _Problem("unknown_category",
                               f"not an allowed {col.name}; allowed: {', '.join(col.allowed)}")
            return v
        if col.free_text:
            return raw  # notes are kept verbatim (only blank becomes missing)
        if self.export_map is not None and col.name in self.export_map.pseudonymise:
            # who audited, named by an identity such as an e-mail address: replaced here by a keyed
            # pseudonym (the same person as auditor and as moderator gets the same one); the
            # identity never leaves ingest
            return STAFF_PREFIX + pseudonymise(f"staff\x00{value_key(text)}", self.key)[len(PSEUDONYM_PREFIX):]
        # ids and names that reach outputs obey the one text policy (kentaudit.core.textpolicy)
        bad = text_problem(text, "name" if col.name == "team" else "identifier")
        if bad is not None:
            raise _Problem(*bad)
        return text

    def _band(self, text: str):
        """The age band code of an age in years (None where it is not one: the caller rejects it)."""
        if not _AGE.match(text):
            raise _Problem("age_not_number", "not an age in years (ASCII digits); map words such as "
                                             "'Unborn' under values: age_band")
        age = float(text.replace(",", "."))
        for b in self.bands:
            if b.low is not None and b.low <= age < b.high + 1:
                return b.code
        raise _Problem("age_out_of_bands", f"age {text} is in none of the profile's age bands")

    def row(self, fields: list[str], mapping: dict[str, int]):
        """(values, problems, raw) for one record; problems are (column, raw, rule, message)."""
        vals, problems, raw_of = {}, [], {}
        for name, col in self.cols.items():
            raw = fields[mapping[name]] if name in mapping else ""
            raw_of[name] = raw
            try:
                vals[name] = self.value(col, raw)
            except _Problem as p:
                vals[name] = None  # unusable for the cross-field rules
                problems.append((name, raw, p.rule, p.message))
        def ok(n):
            return _given(vals.get(n))
        if ok("cp_category") and ok("case_status") and vals["case_status"] != self.plan:
            problems.append(("cp_category", raw_of["cp_category"], "cp_category_without_plan",
                             f"cp_category is given but case_status is {vals['case_status']!r}, not {self.plan!r}; "
                             "leave cp_category blank unless the child is on a plan"))
        if ok("moderated_grade") and vals.get("moderator") is pd.NA:
            problems.append(("moderated_grade", raw_of["moderated_grade"], "moderated_without_moderator",
                             "moderated_grade is given but moderator is blank; name the moderator"))
        for later, earlier, rule in (("icpc_date", "strategy_date", "icpc_before_strategy"),
                                     ("first_core_group_date", "icpc_date", "core_group_before_icpc"),
                                     ("first_review_date", "icpc_date", "review_before_icpc")):
            if ok(later) and ok(earlier) and vals[later] < vals[earlier]:
                problems.append((later, raw_of[later], rule,
                                 f"{later} {vals[later]} is before {earlier} {vals[earlier]}"))
        if ok("audit_date"):
            if vals["audit_date"] > self.as_of:
                problems.append(("audit_date", raw_of["audit_date"], "audit_date_future",
                                 f"audit_date {vals['audit_date']} is in the future (today is {self.as_of})"))
            win = audit_window(vals["cycle"], self.windows) if ok("cycle") else None
            if win is not None and not win[0] <= vals["audit_date"] <= win[1]:
                problems.append(("audit_date", raw_of["audit_date"], "audit_date_window",
                                 f"audit_date {vals['audit_date']} is outside the audit window of cycle "
                                 f"{vals['cycle']} ({win[0]} to {win[1]}); check the date and the cycle, or "
                                 "set audit_window in the parameter file"))
            for d in model.PROCESS_DATES:
                if ok(d) and vals[d] > vals["audit_date"]:
                    problems.append((d, raw_of[d], "process_date_after_audit",
                                     f"{d} {vals[d]} is after audit_date {vals['audit_date']}"))
        return vals, problems, raw_of


def _empty_accepted(dtypes) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in dtypes.items()})


def _iter_records(rf: _RawFile):
    """(line, fields) of every record of a file that _read_raw has checked."""
    if rf.records is not None:
        yield from rf.records
        return
    yield from _csv_records(_stream_lines(rf), rf.name, {}, rf.header_row, rf.delimiter)


def _chunks(records, size):
    chunk = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _string_array(values_u, codes) -> pd.arrays.ArrowStringArray:
    """pandas ``string`` array of ``values_u[codes]`` (pd.NA = missing), built
    by one Arrow ``take`` so its buffers are allocated once at their final size."""
    uniq = pa.array([None if x is pd.NA else x for x in values_u], type=pa.large_string())
    return pd.arrays.ArrowStringArray(uniq.take(pa.array(np.asarray(codes, dtype=np.int64))))


class _Column:
    """One model column of a chunk, factorised: each distinct raw text is
    validated once (by the same _Validator.value the per-row path uses) and
    mapped back to the rows, so values and rules are exactly the per-row ones."""

    def __init__(self, v, col, raw, n):
        if raw is None:  # column absent from the file: "" in every row
            self.codes = np.zeros(n, dtype=np.intp)
            self.uniq = [""]
        else:
            codes, uniq = pd.factorize(np.asarray(raw, dtype=object), use_na_sentinel=False)
            self.codes, self.uniq = codes, list(uniq)
        vals = np.empty(len(self.uniq), dtype=object)
        bad = np.zeros(len(self.uniq), dtype=bool)
        for j, u in enumerate(self.uniq):
            try:
                vals[j] = v.value(col, u)
            except _Problem:
                vals[j] = None
                bad[j] = True
        self.vals_u, self.bad_u = vals, bad
        self.given_u = np.array([_given(x) for x in vals], dtype=bool)

    def rows(self, arr_u):
        return np.asarray(arr_u)[self.codes]


#: text columns kept as Arrow arrays per chunk (values mostly distinct)
_CHUNKED_TEXT = ("audit_id", "case_ref", "notes")

_CASE_KEY = np.dtype([("pair", np.uint16), ("px", np.uint64)])


def _pseudonym_bits(px) -> int:
    """The 64 bits of a pseudonym ``px_`` + 16 hex digits (0 for none), checked
    to give the pseudonym back exactly."""
    if not isinstance(px, str):
        return 0
    bits = int(px[len(PSEUDONYM_PREFIX):], 16)
    if DIGEST_HEX_CHARS > 16 or f"{PSEUDONYM_PREFIX}{bits:0{DIGEST_HEX_CHARS}x}" != px:
        raise KentauditError("internal error: ingest's duplicate-case check assumes pseudonyms of "
                             "at most 16 lower-case hex digits; update kentaudit.inputs.ingest with pseudonym.")
    return bits


def _later_occurrences(keys, valid):
    """(rows, first rows): every valid row whose key appeared in an earlier
    valid row, ascending, with the row of that key's first appearance."""
    pos = np.flatnonzero(valid)
    if not len(pos):
        return pos, pos
    # one stable sort (equal keys stay in reading order) and a comparison of neighbours, not
    # np.unique's index and inverse: at 1,000,000 rows about 40 MiB less at ingest's peak
    k = keys[pos]
    order = np.argsort(k, kind="stable")
    k = k[order]
    again = k[1:] == k[:-1]
    del k
    if not again.any():
        return pos[:0], pos[:0]
    # each sorted position's run start (the first row of its key), by a running maximum
    starts = np.zeros(len(order), dtype=np.int64)
    starts[1:] = np.where(again, 0, np.arange(1, len(order)))
    np.maximum.accumulate(starts, out=starts)
    later = order[1:][again]
    first = order[starts[1:][again]]
    by_row = np.argsort(later, kind="stable")
    return pos[later[by_row]], pos[first[by_row]]


class _Run:
    """State of one ingest across chunks and files."""

    def __init__(self, v, key, dtypes, text_cols, max_rows):
        self.v, self.key, self.dtypes, self.text_cols = v, key, dtypes, text_cols
        # grades and dates go straight into arrays of the final size (at most
        # every record read is accepted): no concatenation copy at the end
        self.fixed = {}
        for c, t in dtypes.items():
            if t in ("Int64", "Int8"):
                self.fixed[c] = (np.zeros(max_rows, dtype=t.lower()), np.ones(max_rows, dtype=bool))
            elif isinstance(t, str) and t.startswith("datetime64"):
                self.fixed[c] = (np.full(max_rows, np.datetime64("NaT", "ns"), dtype=t), None)
        self.n_acc = 0
        self.problems: list[tuple] = []      # ((file index, line), problem row)
        self.formula_warnings: list[str] = []
        # text columns with few distinct values (codes, districts, answers, teams,
        # file names): an int32 code per row into one dictionary per column, so
        # each column is built once, contiguous, at the end
        self.coded = {}
        for c, t in dtypes.items():
            if c not in self.fixed and c not in _CHUNKED_TEXT:
                # int8 while the column has at most 127 distinct values (answers, codes,
                # districts: every coded column of a real export), widened when it has
                # more: at 1,000,000 rows x 40 columns, 40 MiB instead of 160 MiB
                self.coded[c] = (np.empty(max_rows, dtype=np.int8), {}, [])
        # identifiers and free text: one Arrow array per chunk
        self.parts: dict[str, list] = {c: [] for c in dtypes if c not in self.fixed and c not in self.coded}
        self.frame_seq: list[np.ndarray] = []
        self.n_rej: dict[int, int] = {}
        # per validated row (field count right), in reading order ("seq"):
        self.row_file: list[np.ndarray] = []
        self.row_line: list[np.ndarray] = []
        self.row_aid: list = []               # stripped audit_id, NA if blank
        self.row_key_hashes: tuple[list, list] = ([], [])  # (hash, given) of the two keys
        self.pairs: dict[tuple, int] = {}     # (cycle, sample) -> code
        self.row_hashes: list = []            # (hash of pseudonym, hash of reference), rows with a reference
        self.rejected_seq: list[np.ndarray] = []  # rejected before the duplicate checks
        # audit_id as typed where it differs from its matching form (the messages of duplicates
        # show both spellings): the rows' seqs (ascending) and the texts as Arrow strings, not a
        # dict of Python strings (every upper-case id differs from its case-folded form: at
        # 1,000,000 rows the dict held about 200 bytes a row)
        self.raw_aid_seq: list[np.ndarray] = []
        self.raw_aid_text: list = []
        self.nseq = 0

    def chunk(self, fidx: int, rf: _RawFile, mapping: dict, recs: list) -> None:
        v = self.v
        name, nh = rf.name, len(rf.header)
        lines, fields_list = [], []
        for line, fields in recs:
            if len(fields) != nh:
                self.problems.append(((fidx, line), (
                    name, line, pd.NA, pd.NA, "field_count",
                    f"the row has {len(fields)} fields but the header has {nh}; check for unquoted commas")))
                self.n_rej[fidx] = self.n_rej.get(fidx, 0) + 1
            else:
                lines.append(line)
                fields_list.append(fields)
        n = len(lines)
        if n == 0:
            return
        if v.export_map is not None and v.export_map.constants:
            # the mapping's constants: the fields _map_headers placed past the export's own
            extra = list(v.export_map.constants.values())
            fields_list = [list(f) + extra for f in fields_list]
        lines = np.asarray(lines, dtype=np.int64)
        by_index = list(zip(*fields_list))
        cols = {cname: _Column(v, col, by_index[mapping[cname]] if cname in mapping else None, n)
                for cname, col in v.cols.items()}
        bad = np.zeros(n, dtype=bool)
        for c in cols.values():
            bad |= c.rows(c.bad_u)

        def given(cname):
            c = cols.get(cname)
            return np.zeros(n, dtype=bool) if c is None else c.rows(c.given_u)

        def ordinal(cname):
            c = cols[cname]
            return c.rows([x.toordinal() if _given(x) else 0 for x in c.vals_u])

        # the cross-field rules of _Validator.row, vectorised; rows they flag are
        # re-run through _Validator.row, which writes the messages
        if "cp_category" in cols and "case_status" in cols:
            cs = cols["case_status"]
            bad |= given("cp_category") & cs.rows([_given(x) and x != v.plan for x in cs.vals_u])
        if "moderated_grade" in cols and "moderator" in cols:
            m = cols["moderator"]
            bad |= given("moderated_grade") & m.rows([x is pd.NA for x in m.vals_u])
        for later, earlier in (("icpc_date", "strategy_date"), ("first_core_group_date", "icpc_date"),
                               ("first_review_date", "icpc_date")):
            if later in cols and earlier in cols:
                bad |= given(later) & given(earlier) & (ordinal(later) < ordinal(earlier))
        if "audit_date" in cols:
            a = cols["audit_date"]
            ga = given("audit_date")
            bad |= ga & a.rows([_given(x) and x > v.as_of for x in a.vals_u])
            oa = ordinal("audit_date")
            if "cycle" in cols:
                cy = cols["cycle"]
                wins = [audit_window(x, v.windows) if _given(x) else None for x in cy.vals_u]
                has = cy.rows([w is not None for w in wins])
                lo = cy.rows([w[0].toordinal() if w else 0 for w in wins])
                hi = cy.rows([w[1].toordinal() if w else 0 for w in wins])
                bad |= ga & has & ((oa < lo) | (oa > hi))
            for d in model.PROCESS_DATES:
                if d in cols:
                    bad |= ga & given(d) & (ordinal(d) > oa)

        # pseudonyms, once per distinct reference
        rc = cols["case_ref"]
        ref_u = [u.strip() for u in rc.uniq]
        px_u = np.array([pseudonymise(r, self.key) if r else pd.NA for r in ref_u], dtype=object)
        px = rc.rows(px_u)

        # formula text in id/text columns (warnings in row order, then column order)
        found = []
        for ti, tname in enumerate(self.text_cols):
            c = cols[tname]
            s_u = [x if isinstance(x, str) else u for x, u in zip(c.vals_u, c.uniq)]
            f_u = np.array([is_formula_text(s) for s in s_u], dtype=bool)
            if f_u.any():
                for r in np.flatnonzero(f_u[c.codes]):
                    s = s_u[c.codes[r]]
                    found.append((int(lines[r]), ti, (
                        f"{name}, row {lines[r]}, column {tname!r}: value begins with {s[0]!r} "
                        "(spreadsheet formula text); kept as text, never evaluated, and "
                        "neutralised with a leading ' on spreadsheet/CSV output [rule: formula_text]")))
        found.sort(key=lambda t: (t[0], t[1]))
        self.formula_warnings += [t[2] for t in found]

        # keys of the duplicate checks (done across all files at the end)
        seq = self.nseq + np.arange(n)
        self.nseq += n
        ac = cols["audit_id"]
        # an id is matched ignoring case, surrounding spaces and compatibility forms (NFKC), as
        # reference codes are: 'a2009-0001' and 'Ａ2009-0001' are the audit 'A2009-0001' again
        aid_u = [unicodedata.normalize("NFKC", u.strip()).casefold() for u in ac.uniq]
        typed = np.flatnonzero(np.array([a != u for a, u in zip(aid_u, ac.uniq)], dtype=bool)[ac.codes])
        if len(typed):
            self.raw_aid_seq.append(seq[typed])
            self.raw_aid_text.append(pa.array(ac.uniq, type=pa.large_string()).take(
                pa.array(np.asarray(ac.codes)[typed].astype(np.int64))))
        aid = ac.rows(np.array([a if a else pd.NA for a in aid_u], dtype=object))
        checkable = given("cycle") & given("sample")
        checkable &= rc.rows([bool(r) for r in ref_u])
        # the case key (cycle, sample, pseudonym) as (code of the pair, the
        # pseudonym's 64 bits): exact, and 10 bytes a row instead of a string
        case = np.zeros(n, dtype=_CASE_KEY)
        px_bits_u = np.array([_pseudonym_bits(x) for x in px_u], dtype=np.uint64)
        case["px"] = px_bits_u[rc.codes]
        if checkable.any():
            cy, sa = cols["cycle"], cols["sample"]
            pair_u = {}
            for i in range(len(cy.uniq)):
                for j in range(len(sa.uniq)):
                    if cy.given_u[i] and sa.given_u[j]:
                        pk = (cy.vals_u[i], sa.vals_u[j])
                        pair_u[i, j] = self.pairs.setdefault(pk, len(self.pairs))
            pair = np.zeros(n, dtype=np.uint16)
            for r in np.flatnonzero(checkable):
                pair[r] = pair_u[cy.codes[r], sa.codes[r]]
            case["pair"] = pair
        self.row_file.append(np.full(n, fidx, dtype=np.int32))
        self.row_line.append(lines)
        self.row_aid.append(pd.array(aid, dtype="string"))
        aid_h = pd.util.hash_array(np.array(aid_u, dtype=object))[ac.codes]
        self.row_key_hashes[0].append((aid_h, ac.rows([bool(a) for a in aid_u])))
        self.row_key_hashes[1].append((case, checkable))
        has_ref = rc.rows([bool(r) for r in ref_u])
        ref_h = pd.util.hash_array(np.array(ref_u, dtype=object))
        self.row_hashes.append((has_ref, ref_h[rc.codes]))

        # rows flagged: the per-row validator gives their problems, in its order
        rejected = np.zeros(n, dtype=bool)
        for r in np.flatnonzero(bad):
            _, row_problems, raw_of = v.row(list(fields_list[r]), mapping)
            if not row_problems:
                continue
            rejected[r] = True
            line = int(lines[r])
            for col, raw, rule, msg in row_problems:
                if col == "case_ref":
                    raw = px[r] if ref_u[rc.codes[r]] else raw  # never show the raw case reference
                self.problems.append(((fidx, line), (name, line, col, raw, rule, msg)))
        if rejected.any():
            self.n_rej[fidx] = self.n_rej.get(fidx, 0) + int(rejected.sum())
            self.rejected_seq.append(seq[rejected])

        keep = np.flatnonzero(~rejected)
        if len(keep) == 0:
            return
        data = {}
        at = slice(self.n_acc, self.n_acc + len(keep))
        self.n_acc += len(keep)
        for c, t in self.dtypes.items():
            if c == "case_ref":
                data[c] = _string_array(px_u, rc.codes[keep])
            elif c == "area":
                d = cols["district"]
                self._code(c, at, [v.area.get(x) if _given(x) else pd.NA for x in d.vals_u], d.codes[keep])
            elif c == "source_file":
                self._code(c, at, [name], np.zeros(len(keep), dtype=np.intp))
            elif c == "source_row":
                values, mask = self.fixed[c]
                values[at] = lines[keep]
                mask[at] = False
            elif isinstance(t, str) and t.startswith("datetime64"):
                col = cols[c]
                conv = np.array([np.datetime64(x, "ns") if _given(x) else np.datetime64("NaT", "ns")
                                 for x in col.vals_u], dtype="datetime64[ns]")
                self.fixed[c][0][at] = conv[col.codes[keep]]
            elif t in ("Int64", "Int8"):
                col = cols[c]
                values, mask = self.fixed[c]
                # only accepted rows are stored: their grades were validated (1-4)
                values[at] = np.array([int(x) if _given(x) else 0 for x in col.vals_u],
                                      dtype=values.dtype)[col.codes[keep]]
                mask[at] = (~col.given_u)[col.codes[keep]]
            elif c in self.coded:
                col = cols[c]
                self._code(c, at, col.vals_u, col.codes[keep])
            else:
                col = cols[c]
                data[c] = _string_array(col.vals_u, col.codes[keep])
        for c, arr in data.items():
            self.parts[c].append(arr)
        self.frame_seq.append(seq[keep])

    def _code(self, c, at, values_u, codes) -> None:
        out, index, values = self.coded[c]
        g = np.empty(len(values_u), dtype=np.int32)
        for j, x in enumerate(values_u):
            if x is pd.NA:
                g[j] = -1
            else:
                g[j] = index.get(x, -2)
                if g[j] == -2:
                    g[j] = index[x] = len(values)
                    values.append(x)
        if len(values) > np.iinfo(out.dtype).max:
            # more distinct values than the codes' type holds: widen it, once per type
            out = out.astype(np.int16 if len(values) <= np.iinfo(np.int16).max else np.int32)
            self.coded[c] = (out, index, values)
        out[at] = g[codes]

    def finish(self, files: list[_RawFile]):
        n = self.nseq
        if n:
            fidx = np.concatenate(self.row_file)
            line = np.concatenate(self.row_line)
            # pseudonym collisions: two references, one pseudonym. The pseudonym
            # is a function of the reference, so fewer distinct pseudonyms than
            # distinct references means a collision (compared by 64-bit hashes
            # of both, so no string is held for the check)
            has_ref, refh = (np.concatenate(a) for a in zip(*self.row_hashes))
            self.row_hashes = None
            seqs = np.flatnonzero(has_ref)
            pxh = np.concatenate([c for c, _ in self.row_key_hashes[1]])["px"][seqs]
            refh = refh[seqs]
            if len(np.unique(pxh)) < len(np.unique(refh)):  # pragma: no cover - 64-bit collision, practically impossible
                pairs = pd.DataFrame({"px": pxh, "ref": refh, "seq": seqs}).drop_duplicates(["px", "ref"])
                at = pairs.loc[pairs["px"].duplicated(), "seq"].iloc[0]
                raise KentauditError(f"pseudonym collision at {files[fidx[at]].name}, row {line[at]}; "
                                     "increase pseudonym.DIGEST_HEX_CHARS.")
            del seqs, pxh, refh, has_ref
            pair_names = {code: pk for pk, code in self.pairs.items()}
        extra: list[tuple] = []  # (seq, order, problem)
        if n:
            for order in (0, 1):
                h, valid = (np.concatenate(a) for a in zip(*self.row_key_hashes[order]))
                self.row_key_hashes[order].clear()
                later, first = _later_occurrences(h, valid)
                if order == 0:
                    s = pd.Series(type(self.row_aid[0])._concat_same_type(self.row_aid))
                    self.row_aid = None
                    raw_seq = (np.concatenate(self.raw_aid_seq) if self.raw_aid_seq
                               else np.empty(0, dtype=np.int64))
                    raw_text = pa.chunked_array(self.raw_aid_text, type=pa.large_string())

                    def typed_id(r):
                        # the id as typed where it was kept (it differs from its matching form)
                        i = int(np.searchsorted(raw_seq, r))
                        return raw_text[i].as_py() if i < len(raw_seq) and raw_seq[i] == r else s.iat[r]
                    if any(s.iat[r] != s.iat[f] for r, f in zip(later, first)):  # pragma: no cover
                        # two different audit_ids with one 64-bit hash: compare the ids themselves
                        codes, _ = pd.factorize(s)
                        later, first = _later_occurrences(codes, codes >= 0)
                for r, f in zip(later, first):
                    where = f"{files[fidx[f]].name}, row {line[f]}"
                    if order == 0:
                        raw, first_raw = typed_id(int(r)), typed_id(int(f))
                        typed = (f" ({first_raw!r} there; ids are matched ignoring case, surrounding spaces "
                                 "and full-width forms)" if raw != first_raw else "")
                        prob = ("audit_id", raw, "duplicate_audit_id", f"audit_id duplicates {where}{typed}")
                    else:
                        cycle, sample = pair_names[int(h[r]["pair"])]
                        pseudonym = f"{PSEUDONYM_PREFIX}{int(h[r]['px']):0{DIGEST_HEX_CHARS}x}"
                        prob = ("case_ref", pseudonym, "duplicate_case_in_sample",
                                f"the same case is already audited in cycle {cycle}, sample "
                                f"{sample!r} at {where}")
                    extra.append((int(r), order, prob))
                del h, valid
            # the ids (matching form and as typed: two copies of the column at 1,000,000 rows,
            # about 70 MiB) are only for the messages above; freed before the frame is built
            del s, raw_seq, raw_text, typed_id
        self.row_aid = self.row_key_hashes = None
        extra.sort(key=lambda t: (t[0], t[1]))
        already = (set(np.concatenate(self.rejected_seq).tolist()) if self.rejected_seq else set())
        newly = set()
        for r, _, (col, raw, rule, msg) in extra:
            fi, ln = int(fidx[r]), int(line[r])
            self.problems.append(((fi, ln), (files[fi].name, ln, col, raw, rule, msg)))
            if r not in already and r not in newly:
                newly.add(r)
                self.n_rej[fi] = self.n_rej.get(fi, 0) + 1
        self.problems.sort(key=lambda t: t[0])  # stable: a row's own problems, then duplicates
        if n:
            del fidx, line  # the rows' file and line: only for the messages

        if not self.frame_seq:
            return _empty_accepted(self.dtypes)
        keep = None
        if newly:
            keep = ~np.isin(np.concatenate(self.frame_seq), np.fromiter(newly, dtype=np.int64))
        # one column at a time, freeing its chunks as it goes, so the peak is
        # the frame plus one column
        data = {}
        for c, t in self.dtypes.items():
            if c in self.fixed:
                values, mask = self.fixed.pop(c)
                values = values[:self.n_acc]
                mask = None if mask is None else mask[:self.n_acc]
                if keep is not None:
                    values = values[keep]
                    mask = None if mask is None else mask[keep]
                arr = values if mask is None else pd.arrays.IntegerArray(values, mask)
            elif c in self.coded:
                codes, _, values = self.coded.pop(c)
                codes = codes[:self.n_acc]
                if keep is not None:
                    codes = codes[keep]
                if isinstance(t, pd.CategoricalDtype):
                    # discovery-order codes -> positions in the fixed categories
                    # (None is the value of a cell that failed validation: its rows were rejected)
                    pos = t.categories.get_indexer(pd.Index(values, dtype=object))
                    if any(p < 0 and x is not None for p, x in zip(pos, values)):  # pragma: no cover
                        raise KentauditError(f"internal error: {c} value outside its categories")
                    lut = np.append(pos, -1).astype(np.int8 if len(t.categories) < 127 else np.int32)
                    arr = pd.Categorical.from_codes(lut[codes], dtype=t)
                else:
                    taken = pa.array(values, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
                    arr = pd.arrays.ArrowStringArray(taken)
                del codes
            else:
                chunks = self.parts.pop(c)
                arr = type(chunks[0])._concat_same_type(chunks)
                del chunks
                if keep is not None:
                    arr = arr[keep]
                # one contiguous buffer, as downstream group-bys are faster on it
                arr = pd.arrays.ArrowStringArray(arr._pa_array.combine_chunks())
            data[c] = arr
            _release_memory()
        return pd.DataFrame(data, copy=False)


def _release_memory() -> None:
    """Hand freed memory back to the operating system while the frame is assembled.

    Arrow's allocator and glibc's malloc keep freed blocks for reuse; while the
    accepted frame is built column by column from its chunks, that kept memory
    is what pushes the peak above the size of the frame (at 1,000,000 rows,
    about 90 MiB). ``malloc_trim`` exists only in glibc, hence the guard.
    """
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc():
    if not sys.platform.startswith("linux"):
        return None
    try:

        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only; musl has no malloc_trim
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _load_libc()


def _ingest(paths, *, synthetic, key, key_file, criteria_file, districts_file, collect, as_of,
            cycle=None, windows=None, profile=None, mapping=None):
    criteria = reference.criteria(criteria_file)
    districts = reference.districts(districts_file)
    export_map = load_mapping(mapping) if isinstance(mapping, (str, Path)) else mapping
    warnings: list[str] = []
    file_errors: list[InputError] = []
    raws: list[tuple[_RawFile, dict]] = []
    cols = {c.name: c for c in model.columns(criteria, profile)}
    if export_map is not None:
        _check_mapping_codes(export_map, cols, profile)
    crit_ids = set(criteria["id"])
    paths = _expand(paths, file_errors if collect else None)
    if not paths and not file_errors:
        raise EmptyInputError("no audit export was given to read.", rule="no_files")
    for path in paths:
        try:
            rf = _read_raw(path, export_map.sheet if export_map is not None else None,
                           export_map.header_row if export_map is not None else 1,
                           export_map.delimiter if export_map is not None else ",")
            mapping = _map_headers(rf, cols, crit_ids, warnings, export_map)
        except InputError as e:
            if not collect:
                raise
            file_errors.append(e)
            continue
        if rf.blank_rows:
            warnings.append(f"{rf.name}: {rf.blank_rows} completely blank line(s)/row(s) skipped "
                            "(not counted as rows read) [rule: blank_rows]")
        raws.append((rf, mapping))

    if synthetic:
        for rf, mapping in raws:
            if rf.first_non_synthetic is not None:
                raise PseudonymKeyError(
                    f"{rf.name}, row {rf.first_non_synthetic}: --synthetic was given but this case_ref does not start "
                    f"with {SYNTHETIC_PREFIX!r}; the public demo key is only for kentaudit's synthetic "
                    "data. Real data needs your own key (--key-file or $KENTAUDIT_KEY_FILE).")
        k = load_key(key, key_file=key_file) if (key is not None or key_file is not None) else DEMO_KEY
    else:
        k = load_key(key, key_file=key_file)
    if k == DEMO_KEY:
        for rf, _ in raws:
            if rf.first_non_synthetic is not None:
                raise PseudonymKeyError(
                    f"{rf.name}, row {rf.first_non_synthetic}: the key given is kentaudit's public demo key, "
                    f"which protects nothing, and this case_ref does not start with {SYNTHETIC_PREFIX!r}: "
                    "real case references need your own secret key. " + HOW_TO_MAKE_A_KEY)

    v = _Validator(criteria, districts, k, as_of or _dt.date.today(),
                   None if cycle is None else str(cycle), windows=windows, profile=profile,
                   export_map=export_map)
    dtypes = canonical_dtypes(criteria, districts, profile)
    dtypes["source_file"] = pd.CategoricalDtype(sorted({rf.name for rf, _ in raws}))
    text_cols = [c.name for c in cols.values() if c.kind in _ID_TEXT_KINDS and c.name != "case_ref"]
    run = _Run(v, k, dtypes, text_cols, sum(rf.n_records for rf, _ in raws))
    files = [rf for rf, _ in raws]
    # Rows are validated in chunks (memory bounded by the chunk, not the file);
    # the duplicate checks across rows and files run once all chunks are read.
    for fidx, (rf, mapping) in enumerate(raws):
        for recs in _chunks(_iter_records(rf), _CHUNK_ROWS):
            run.chunk(fidx, rf, mapping, recs)
        rf.records = None
    accepted = run.finish(files)
    del run.parts, run.coded, run.fixed
    _release_memory()
    recon = []
    for fidx, rf in enumerate(files):
        n_rej = run.n_rej.get(fidx, 0)
        recon.append((rf.name, rf.sha256, rf.encoding, rf.n_records, rf.n_records - n_rej, n_rej))
    warnings += run.formula_warnings
    quality = _quality(accepted, warnings, profile)
    _release_memory()  # what the checks freed (about 100 MiB at 1,000,000 rows), before the analyses
    rejected = pd.DataFrame([p for _, p in run.problems], columns=_REJECT_COLUMNS)
    rejected = rejected.astype({"file": "string", "row": "Int64", "column": "string",
                                "value": "string", "rule": "string", "message": "string"})
    reconciliation = pd.DataFrame(recon, columns=_RECON_COLUMNS).astype(
        {"file": "string", "sha256": "string", "encoding": "string",
         "rows_read": "int64", "accepted": "int64", "rejected": "int64"})
    return IngestResult(accepted, rejected, reconciliation, warnings, file_errors, quality)


def _check_mapping_codes(export_map: Mapping, cols: dict, profile) -> None:
    """Every code a mapping maps values to is one its column accepts (a file error, rule ``mapping``,
    naming the mapping file, the column and the code): a wrong code in a mapping is found before
    any row is read, not as thousands of rejected rows."""
    groups = {"answers": "answer", "grades": "grade", "flags": "flag"}
    top = _top_grade(profile)
    codes_of = {"answer": profile.answers.codes if profile is not None else model.ANSWER_CODES,
                "flag": model.FLAG_CODES}
    for target, vm in export_map.values.items():
        kind = groups.get(target) or (cols[target].kind if target in cols else None)
        if kind is None:
            raise InputError(f"values: {target!r} is neither a column of this cycle's data model nor one of "
                             f"{', '.join(groups)}.", file=str(export_map.source), column=target,
                             rule="mapping")
        for written, code in vm.items():
            if kind == "grade":
                ok = bool(_INTEGER.match(code)) and 1 <= int(float(code)) <= top
                allowed = f"1 to {top}"
            elif kind in codes_of:
                ok, allowed = code in codes_of[kind], ", ".join(codes_of[kind])
            elif kind == "category" and cols[target].allowed:
                ok, allowed = code in cols[target].allowed, ", ".join(cols[target].allowed)
            else:
                ok, allowed = True, ""
            if not ok:
                hint = ""
                if kind == "answer" and (profile is None or profile.answers.partial is None):
                    where = f"the profile file {profile.source}" if profile is not None else \
                        "the cycle's profile (docs/profile.md; this cycle names none)"
                    hint = (f" A partial answer needs its own level in the profile: add answers.partial to {where}, "
                            f"e.g. answers: {{partial: {{code: {code}, label: {written}, counts_as: no}}}} "
                            "(counts_as: no, yes or excluded; docs/profile.md, \"The answer scheme\").")
                raise InputError(f"values: {target}: {written!r} maps to {code!r}, which is not a code of "
                                 f"{target} (allowed: {allowed}).{hint}", file=str(export_map.source),
                                 column=target, value=code, rule="mapping")


def _quality(accepted: pd.DataFrame, warnings: list, profile=None) -> dict:
    """Data-quality counts of the accepted audits, each with a warning when not zero.

    ``unpaired_reaudits``: audits of a sample that repeats another (the profile's samples with
    ``repeats``: Kent's re-audit repeats its initial sample) with no audit of the same case in
    the repeated sample in their cycle (they cannot be paired; the paired analyses leave them out).
    ``cycles_by_file``: accepted audits by cycle, for each file holding more than one.
    """
    out: dict = {"unpaired_reaudits": 0, "cycles_by_file": {}}
    if accepted.empty:
        return out
    # counted on the columns as they are (category codes, Arrow strings): no Python
    # object per row (at 1,000,000 rows those were about 200 MiB at the peak)
    prof = profile if profile is not None else bundled_profile()
    repeats = {s.name: s.repeats for s in prof.samples if s.repeats}
    is_re = accepted["sample"].isin(list(repeats)).to_numpy(dtype=bool, na_value=False)
    if is_re.any():
        is_ini = accepted["sample"].isin(list(set(repeats.values()))).to_numpy(dtype=bool, na_value=False)

        def case_keys(rows):
            # cycle + NUL + case_ref (neither holds a NUL: text is validated), one Arrow string each
            return pc.binary_join_element_wise(
                *(pa.array(accepted[c][rows]).cast(pa.large_string()) for c in ("cycle", "case_ref")),
                pa.scalar("\x00", pa.large_string()))

        paired = pc.is_in(case_keys(is_re), value_set=pc.unique(case_keys(is_ini))).to_numpy(
            zero_copy_only=False)
        lone = accepted[["source_file", "source_row"]].iloc[np.flatnonzero(is_re)[~paired]]
        out["unpaired_reaudits"] = len(lone)
        if len(lone):
            where = ", ".join(f"{f} row {r}" for f, r in zip(lone["source_file"].head(5),
                                                            lone["source_row"].head(5)))
            more = f" and {len(lone) - 5} more" if len(lone) > 5 else ""
            warnings.append(f"{len(lone)} re-audit(s) have no initial audit of the same case in their "
                            f"cycle and cannot be paired ({where}{more}); they are kept, counted here, and "
                            "left out of the paired analyses [rule: unpaired_reaudit]")
    by = accepted.groupby(["source_file", "cycle"], sort=True, observed=True).size()
    for f, sub in by.groupby(level=0):
        if len(sub) > 1:
            counts = {str(c): int(n) for (_, c), n in sub.items()}
            out["cycles_by_file"][str(f)] = counts
            warnings.append(f"{f}: audits of {len(counts)} cycles in one file ("
                            + ", ".join(f"{c}: {n}" for c, n in counts.items())
                            + ") [rule: mixed_cycles]")
    return out


def read_audits(paths, *, synthetic=False, key=None, key_file=None, criteria_file=None,
                districts_file=None, as_of=None, cycle=None, windows=None, profile=None,
                mapping=None) -> IngestResult:
    """Read and validate audit exports.

    Parameters
    ----------
    paths : path or list of paths
        CSV files (UTF-8 with or without BOM, or Windows-1252; comma-separated)
        or XLSX workbooks (the sheet named ``audits``, else the first sheet).
        A folder stands for its ``*.csv`` and ``*.xlsx`` files. Files read
        together are checked together for duplicate ``audit_id`` and cases.
    synthetic : bool, default False
        The files are kentaudit's synthetic data: every ``case_ref`` must start
        with ``SYN-`` and the public demo key is used unless a key is given.
    key, key_file : optional
        Pseudonymisation key or key file (see :func:`kentaudit.inputs.pseudonym.load_key`).
    criteria_file, districts_file : path, optional
        Replacement reference tables (default: the bundled ones).
    as_of : datetime.date, optional
        The day of ingest for the "audit in the future" rule (default today).
    cycle : str, optional
        The cycle being read (the parameter file's ``cycle``): a row of any
        other cycle is rejected (rule ``cycle_mismatch``). Default: any cycle.
    windows : mapping, optional
        ``{cycle: (start, end)}``: the audit window of a cycle where it is not the default
        (its calendar year); see :func:`audit_window` (rule ``audit_date_window``).
    profile : kentaudit.inputs.profile.Profile, optional
        The authority's profile: the closed sets, answer codes (a partial answer), graded
        domains, grade range and cycle labels of the data model (default: the bundled example's).
    mapping : path or kentaudit.inputs.mapping.Mapping, optional
        The export's mapping (``docs/profile.md``): headers to columns and values to codes.

    Returns
    -------
    IngestResult
        ``accepted``, ``rejected``, ``reconciliation`` and ``warnings`` as
        documented on :class:`IngestResult`.

    Raises
    ------
    InputError, EmptyInputError
        A file-level problem (missing required column, empty or header-only
        file, undecodable encoding, unreadable file), naming the file and rule.
    PseudonymKeyError
        No key for real data, or ``synthetic=True`` with a non-synthetic reference.

    Notes
    -----
    Every rule is listed in :data:`RULES` and ``docs/data-dictionary.md``. The
    behaviour is checked against the bad-input corpus in ``tests/bad_input``
    and by property tests (``tests/inputs/test_ingest_properties.py``).
    """
    return _ingest(paths, synthetic=synthetic, key=key, key_file=key_file,
                   criteria_file=criteria_file, districts_file=districts_file,
                   collect=False, as_of=as_of, cycle=cycle, windows=windows, profile=profile,
                   mapping=mapping)


def write_report(results, report_dir) -> Path:
    """Write the ingest report of one or more :class:`IngestResult` to ``report_dir``.

    Writes ``reconciliation.csv``, ``rejected.csv`` and ``file_errors.csv`` (one row per file,
    rejection problem and unreadable file; the results' rows one after the other), text
    neutralised against formulas. The report holds rejected values as typed (notes, team
    names), so the folder is private (0700) and its files 0600. Returns the folder.

    Raises
    ------
    KentauditError
        The folder cannot be written.
    """
    out = Path(report_dir)
    results = [r for r in results if r is not None]
    fe = pd.DataFrame([(e.file, e.row, e.column, e.rule, e.message) for r in results for e in r.file_errors],
                      columns=["file", "row", "column", "rule", "message"], dtype=object)
    frames = {"reconciliation.csv": pd.concat([r.reconciliation for r in results], ignore_index=True),
              "rejected.csv": pd.concat([r.rejected for r in results], ignore_index=True),
              "file_errors.csv": fe}
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(out, 0o700)
        for fname, frame in frames.items():
            write_csv(frame, out / fname, index=False)
            os.chmod(out / fname, 0o600)
    except OSError as e:
        raise KentauditError(f"cannot write the report to {str(out)!r} ({e.strerror or e}); "
                             "choose a folder you can write to.") from None
    return out


def validate_paths(paths, *, synthetic=False, key_file=None, report_dir=None, criteria_file=None,
                   districts_file=None, cycle=None, profile=None, mapping=None) -> int:
    """Validate exports and print the report; what ``kentaudit validate`` runs.

    Prints the reconciliation, every rejection as ``FILE, row R, column 'C',
    value 'V': message [rule: RULE]``, file-level errors (other files are
    still read) and warnings. With ``report_dir``, writes
    ``reconciliation.csv``, ``rejected.csv`` and ``file_errors.csv`` there
    (text neutralised with :func:`kentaudit.core.safetext.neutralise_frame`).

    Returns
    -------
    int
        0 if every row of every file was accepted (warnings allowed), 1 if any
        row was rejected, 2 if any file could not be read at all, and
        3 (``WARNINGS_EXIT_CODE``) if every row was accepted but there were warnings
        (for example an unknown column dropped, or formula text in a free-text field).
    """
    res = _ingest(paths, synthetic=synthetic, key=None, key_file=key_file,
                  criteria_file=criteria_file, districts_file=districts_file,
                  collect=True, as_of=None, cycle=cycle, profile=profile, mapping=mapping)
    print(res.report(file_errors=False))
    for e in res.file_errors:  # each once, on standard error
        print(f"kentaudit: error: {e}", file=sys.stderr)
    if report_dir is not None:
        out = write_report([res], report_dir)
        print(f"Report written to {out}/ (reconciliation.csv, rejected.csv, file_errors.csv)")
    if res.file_errors:
        return InputError.exit_code
    if len(res.rejected):
        return 1
    # Every row was accepted, but something needs a person to look (an unknown
    # column dropped, formula text in a free-text field): say so in the exit code.
    return WARNINGS_EXIT_CODE if res.warnings else 0
