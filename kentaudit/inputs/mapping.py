"""A mapping per export: a council's own headers and words read as kentaudit's columns and codes.

A form tool writes its own headers ("Q2. Is there an up-to-date chronology?") and its own
words ("Partially", "Child Protection", "Good", ages in years, dates as DD/MM/YYYY). A
mapping file (YAML, ``docs/mapping.md`` section of ``docs/profile.md``) says, once per
export format, which header is which kentaudit column and which word is which code; ingest
then reads the export as it comes (:func:`kentaudit.inputs.ingest.read_audits` with
``mapping=``), with no edit of the data.

Nothing is guessed: with a mapping, every header of the export is mapped, listed under
``ignore``, or already a kentaudit column name, else the file is refused naming every
unmapped header once (rule ``unmapped_header``); a value of a column that has a value map
and is not in it rejects its row (rule ``unmapped_value``), reported once per value with its
count and first rows (:meth:`kentaudit.inputs.ingest.IngestResult.report`).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from kentaudit.core.errors import InputError
from kentaudit.core.safeio import read_regular_text
from kentaudit.inputs.yamlfile import TextLoader

__all__ = [
    "DATE_FORMATS",
    "DELIMITERS",
    "MAPPING_KEYS",
    "MAX_YAML_ALIASES",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MONTHS",
    "NOT_CONSTANT",
    "PSEUDONYMISED_COLUMNS",
    "SERIAL_EPOCH",
    "VALUE_GROUPS",
    "Mapping",
    "header_key",
    "load_mapping",
    "safe_yaml",
    "value_key",
]

#: Keys of a mapping file.
MAPPING_KEYS = ("mapping_version", "sheet", "header_row", "delimiter", "columns", "ignore", "constants", "values", "dates", "ages",
                "pseudonymise")
#: Columns a mapping may not give one value for every row (``constants:``): they identify a row.
NOT_CONSTANT = ("audit_id", "case_ref")
#: Columns a mapping may have pseudonymised on ingest (``pseudonymise:``): who audited and who moderated,
#: where the export names them by an identity such as an e-mail address (``case_ref`` always is).
PSEUDONYMISED_COLUMNS = ("auditor", "moderator")
#: Value maps that apply to every column of a kind: ``answers`` (every criterion ``c_*``),
#: ``grades`` (``overall_grade``, ``moderated_grade`` and every ``grade_*``), ``flags`` (``risk_*``).
VALUE_GROUPS = ("answers", "grades", "flags")
#: Date formats a mapping can declare (``dates:``); ISO ``YYYY-MM-DD`` and a spreadsheet's own
#: date cells are always read as well, as they cannot be misread.
DATE_FORMATS = {"DD/MM/YYYY": r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})",
                "MM/DD/YYYY": r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})",
                "DD-MM-YYYY": r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})",
                "DD.MM.YYYY": r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})",
                # two-digit years ("14.08.26"): read as 2000 to 2099, the years of audits kentaudit reads
                "DD/MM/YY": r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2})",
                "DD.MM.YY": r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{2})",
                "YYYY-MM-DD": r"([0-9]{4})-([0-9]{2})-([0-9]{2})",
                # the month as its English name or first three letters ("7 Mar 2026", "07 March 2026",
                # "7-Sept-2026"): a survey tool's or a person's way of writing a date
                "D MMM YYYY": r"([0-9]{1,2})[ -]([A-Za-z]{3,9})\.?[ -]([0-9]{4})",
                # a spreadsheet's date cell pasted into a CSV as its number: days of the 1900 date
                # system (Excel, LibreOffice; 46119 is 2026-04-07). Read only when declared
                "EXCEL SERIAL": r"([0-9]{5})",
                # an ISO date-time ("2026-08-14 10:23", "2026-08-14T10:23:00", a spreadsheet's date-time
                # cell): its date, the time of day left out because the mapping says the column holds
                # date-times (undeclared, a time other than midnight is refused: nothing dropped unasked)
                "YYYY-MM-DD HH:MM": r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"}
#: English month names and their three-letter abbreviations (and "Sept"), for ``D MMM YYYY``.
MONTHS = {m.lower(): i for i, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")), start=1) for m in names}
#: Day 0 of a spreadsheet's 1900 date system as spreadsheets count it (1899-12-30: Excel's day 60 is
#: the 29 February 1900 that never was, so every later serial is one day on from 1899-12-31).
SERIAL_EPOCH = _dt.date(1899, 12, 30)
_RULE = "mapping"
#: The characters a CSV's fields may be delimited by (a mapping's ``delimiter:``; "," where none is
#: given). A spreadsheet saves CSV with ";" where the decimal mark is a comma.
DELIMITERS = (",", ";", "\t", "|")

#: The lowest row a mapping's ``header_row:`` may name: a title block, not a report above a table.
MAX_HEADER_ROW = 50
#: Limits of a mapping or profile file (checked on the YAML event stream before anything is built,
#: so an alias bomb or a file nested thousands deep is refused, not expanded).
MAX_YAML_BYTES = 1 << 20
MAX_YAML_DEPTH = 20
MAX_YAML_ALIASES = 50


def safe_yaml(text: str, where: str, rule: str):
    """A mapping or profile file read as YAML 1.2 reads it (:class:`~kentaudit.inputs.yamlfile.TextLoader`:
    ``yes``/``off`` and date-like values stay the text written; a number YAML 1.1 would misread, such
    as ``010``, is refused), refused (InputError with ``rule``) when it is
    larger than :data:`MAX_YAML_BYTES`, nested deeper than :data:`MAX_YAML_DEPTH` or uses more than
    :data:`MAX_YAML_ALIASES` aliases, gives one key twice in a mapping (PyYAML keeps the last
    silently: a header mapped twice lost its first column), or is not readable YAML (with its line
    and column)."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise InputError(f"the file is larger than {MAX_YAML_BYTES:,} bytes; a mapping or profile is a few "
                         "kilobytes.", file=where, rule=rule)
    try:
        depth = aliases = 0
        # per open collection: a mapping's keys so far (line of each) and whether a key comes
        # next, or None for a sequence; PyYAML keeps the last of two equal keys without a word
        open_: list = []
        for ev in yaml.parse(text, Loader=TextLoader):
            if isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent,
                               yaml.SequenceStartEvent)) and open_ and open_[-1] is not None:
                m = open_[-1]
                if m["key"] and isinstance(ev, yaml.ScalarEvent):
                    if ev.value in m["seen"]:
                        raise InputError(f"line {ev.start_mark.line + 1}: the key {ev.value!r} is given twice "
                                         f"(first on line {m['seen'][ev.value]}); YAML would keep only the last. "
                                         "Keep one.", file=where, rule=rule)
                    m["seen"][ev.value] = ev.start_mark.line + 1
                m["key"] = not m["key"]
            if isinstance(ev, yaml.MappingStartEvent):
                open_.append({"seen": {}, "key": True})
            elif isinstance(ev, yaml.SequenceStartEvent):
                open_.append(None)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                open_.pop()
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise InputError(f"line {ev.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels "
                                     "deep.", file=where, rule=rule)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(ev, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise InputError(f"line {ev.start_mark.line + 1}: more than {MAX_YAML_ALIASES} aliases "
                                     "(*name); write the values out.", file=where, rule=rule)
        return yaml.load(text, Loader=TextLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) if isinstance(e, yaml.constructor.ConstructorError) else None
        raise InputError(f"not a readable YAML file{at}" + (f": {problem}." if problem else "."),
                         file=where, rule=rule) from None


def header_key(header) -> str:
    """How a header is matched: case ignored, surrounding spaces removed, runs of spaces as one."""
    return " ".join(str(header if header is not None else "").split()).casefold()


def value_key(value) -> str:
    """How a value is matched: case ignored, surrounding spaces removed, runs of spaces as one."""
    return " ".join(str(value).split()).casefold()


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file.

    ``columns``: header key (:func:`header_key`) -> the kentaudit columns it is read as (a tuple: one
    column, or two where one header stands for both, such as a unit column that is also the team:
    ``Locality/Team: [district, team]``); ``headers``: header key ->
    the header as the mapping writes it; ``ignore``: header keys read and dropped on purpose;
    ``values``: column name or group (:data:`VALUE_GROUPS`) -> {value key: code as text};
    ``dates``: the declared date formats, tried in order (None: kentaudit's defaults); ``ages``: the
    ``age_band`` column holds ages in whole or decimal years, banded by the profile's
    ``age_bands``; ``sheet``: the XLSX sheet to read (None: ``audits``, else the first);
    ``header_row``: the row of the headers (sheet row or CSV line, 1-based; rows above it, a
    workbook's title, are skipped unread); ``delimiter``: the character between a CSV's fields
    (:data:`DELIMITERS`: ``","``, ``";"`` as a spreadsheet writes CSV where the decimal mark is a
    comma, a tab or ``"|"``);
    ``pseudonymise``: columns of :data:`PSEUDONYMISED_COLUMNS` replaced on ingest by a keyed pseudonym;
    ``constants``: column -> the value every row of the export is read with, for a column the export
    does not have (a form with no sample column: ``constants: {sample: annual}``); the value is read
    as if every row held it (through the column's value map, with its column's rules).
    """

    source: Path
    sha256: str
    columns: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    ignore: frozenset = frozenset()
    values: dict = field(default_factory=dict)
    dates: tuple | None = None
    ages: bool = False
    sheet: str | None = None
    header_row: int = 1
    delimiter: str = ","
    pseudonymise: frozenset = frozenset()
    constants: dict = field(default_factory=dict)

    def value_map(self, column: str, kind: str) -> dict | None:
        """The value map of a column: its own, else its kind's group, else None."""
        if column in self.values:
            return self.values[column]
        group = {"answer": "answers", "grade": "grades", "flag": "flags"}.get(kind)
        return self.values.get(group)

    def date_pattern(self):
        """A reader of the declared format(s): ``read(text) -> (year, month, day)``, or None where
        the text is in none of them (the caller rejects it: rule ``date_format``; an impossible
        day such as 31/02 is the caller's to refuse). None where no format is declared."""
        if self.dates is None:
            return None
        return _DateReader(tuple(self.dates))


class _DateReader:
    """The declared date formats of a mapping, tried in the order written."""

    def __init__(self, formats: tuple):
        self.formats = formats
        self.patterns = [(f, re.compile(DATE_FORMATS[f], re.ASCII)) for f in formats]

    def __call__(self, text: str):
        for f, pat in self.patterns:
            m = pat.fullmatch(text)
            if not m:
                continue
            if f == "EXCEL SERIAL":
                try:
                    d = SERIAL_EPOCH + _dt.timedelta(days=int(m[1]))
                except OverflowError:  # pragma: no cover - five digits cannot overflow
                    return None
                return d.year, d.month, d.day
            if f == "D MMM YYYY":
                month = MONTHS.get(m[2].lower())
                if month is None:
                    continue
                return int(m[3]), month, int(m[1])
            a, b, c = int(m[1]), int(m[2]), int(m[3])
            if f.endswith(("/YY", ".YY")):
                c += 2000
            return {"DD": (c, b, a), "MM": (c, a, b), "YY": (a, b, c)}[f[:2]]
        return None

    def __repr__(self) -> str:
        return " or ".join(self.formats)


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file (``docs/profile.md``, "A mapping per export").

    Raises
    ------
    InputError
        Naming the file, the key (as ``column``), the value and the rule ``mapping``: an unknown
        key, a header mapped twice or both mapped and ignored, a value mapped twice, an unknown
        date format. (Whether each target is a column of the cycle's data model, and each code
        one of its column's codes, is checked when an export is read with it.)
    """
    return _load(str(Path(path).resolve()))


@lru_cache(maxsize=16)
def _load(where: str) -> Mapping:
    text = read_regular_text(where, rule=_RULE)
    data = safe_yaml(text, where, _RULE)
    if not isinstance(data, dict):
        raise InputError("a mapping file is a YAML mapping of keys (docs/profile.md).", file=where, rule=_RULE)

    def fail(key, message, value=None):
        raise InputError(message, file=where, column=key, value=value, rule=_RULE)

    for k in data:
        if k not in MAPPING_KEYS:
            fail(k, f"unknown key; allowed keys: {', '.join(MAPPING_KEYS)}.", k)
    if data.get("mapping_version") != 1:
        fail("mapping_version", "this kentaudit reads mapping_version 1.", data.get("mapping_version"))
    cols, headers = {}, {}
    raw_cols = data.get("columns") or {}
    if not isinstance(raw_cols, dict):
        fail("columns", "must be a mapping of export header: kentaudit column.", raw_cols)
    for h, target in raw_cols.items():
        k = header_key(h)
        if not k:
            fail("columns", "a header is blank.", h)
        targets = tuple(target) if isinstance(target, list) else (target,)
        if not targets or not all(isinstance(t, str) and re.fullmatch(r"[a-z][a-z0-9_]*", t, re.ASCII)
                                  for t in targets):
            fail(f"columns.{h}", "must name a kentaudit column, or a list of columns the header stands for "
                                 "(docs/data-dictionary.md).", target)
        if len(set(targets)) != len(targets):
            fail(f"columns.{h}", "lists a column twice.", target)
        if k in cols:
            fail(f"columns.{h}", f"header {headers[k]!r} is already mapped (headers match ignoring case and "
                                 "spacing).", h)
        for t in targets:
            other = next((headers[x] for x, ts in cols.items() if t in ts), None)
            if other is not None:
                fail(f"columns.{h}", f"headers {other!r} and {h!r} both map to {t!r}; keep one.", t)
        cols[k], headers[k] = targets, str(h)
    raw_ignore = data.get("ignore") or []
    if not isinstance(raw_ignore, list):
        fail("ignore", "must be a list of export headers read and dropped on purpose.", raw_ignore)
    ignore = frozenset(header_key(h) for h in raw_ignore)
    both = sorted(ignore & set(cols))
    if both:
        fail("ignore", f"header {headers[both[0]]!r} is both mapped and ignored.", headers[both[0]])
    raw_const = data.get("constants") or {}
    if not isinstance(raw_const, dict):
        fail("constants", "must be a mapping of kentaudit column: the value of every row (for a column the "
                          "export does not have, such as sample).", raw_const)
    constants = {}
    for col, v in raw_const.items():
        if not isinstance(col, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", col, re.ASCII):
            fail("constants", "must name a kentaudit column (docs/data-dictionary.md).", col)
        if col in NOT_CONSTANT:
            fail(f"constants.{col}", f"{col} identifies an audit and differs from row to row; it cannot be the "
                                     "same in every row.", v)
        mapped = next((headers[x] for x, ts in cols.items() if col in ts), None)
        if mapped is not None:
            fail(f"constants.{col}", f"header {mapped!r} is mapped to {col} under columns:; a column comes from "
                                     "the export or from constants:, not both.", v)
        if v is None or isinstance(v, (bool, float, list, dict)) or not str(v).strip():
            fail(f"constants.{col}", "must be one value, as the export would write it (quote Y, N, NA and "
                                     "numbers).", v)
        constants[col] = str(v)
    values = {}
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, dict):
        fail("values", "must be a mapping of column (or answers, grades, flags): {value: code}.", raw_values)
    for col, vm in raw_values.items():
        if not isinstance(vm, dict) or not vm:
            fail(f"values.{col}", "must be a non-empty mapping of value as written: code.", vm)
        out = {}
        for v, code in vm.items():
            k = value_key(v)
            if not k:
                fail(f"values.{col}", "a blank value is missing and cannot be mapped.", v)
            if k in out:
                fail(f"values.{col}", "a value is listed twice (values match ignoring case and spacing).", v)
            if code is None or isinstance(code, (bool, float, list, dict)):
                fail(f"values.{col}.{v}", "must map to a code (quote Y, N, NA and numbers).", code)
            out[k] = str(code)
        values[str(col)] = out
    dates = data.get("dates")
    if dates is not None:
        # one format, or a list tried in order (an export with "7 Mar 2026" and, where a user pasted
        # from a spreadsheet, 46119: [D MMM YYYY, EXCEL SERIAL])
        listed = dates if isinstance(dates, list) else [dates]
        for d in listed:
            if not isinstance(d, str) or d.strip().upper() not in DATE_FORMATS:
                fail("dates", f"unknown date format; allowed: {', '.join(DATE_FORMATS)} (one, or a list tried "
                              "in order).", d)
        listed = [d.strip().upper() for d in listed]
        if not listed or len(set(listed)) != len(listed):
            fail("dates", "must name each format once.", dates)
        if {"DD/MM/YYYY", "MM/DD/YYYY"} <= set(listed):
            fail("dates", "DD/MM/YYYY and MM/DD/YYYY cannot both be read: 03/04/2026 would be either; declare "
                          "the one the export writes.", dates)
        dates = tuple(listed)
    ages = data.get("ages")
    if ages not in (None, "years", "bands"):
        fail("ages", "must be years (age_band holds ages in years, banded by the profile) or bands.", ages)
    sheet = data.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        fail("sheet", "must be the name of the workbook's sheet to read.", sheet)
    header_row = data.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or not 1 <= header_row <= MAX_HEADER_ROW:
        fail("header_row", f"must be the number of the row that holds the headers (1 to {MAX_HEADER_ROW}; rows "
                           "above it, such as a title, are skipped).", header_row)
    delimiter = data.get("delimiter", ",")
    if delimiter not in DELIMITERS:
        fail("delimiter", "must be the character between the CSV's fields: one of "
                          + ", ".join(repr(d) for d in DELIMITERS) + " (a tab as \"\\t\").", delimiter)
    pseud = data.get("pseudonymise") or []
    if not isinstance(pseud, list) or any(c not in PSEUDONYMISED_COLUMNS for c in pseud):
        fail("pseudonymise", f"must be a list of columns among {', '.join(PSEUDONYMISED_COLUMNS)} (case_ref is "
                             "always pseudonymised).", pseud)
    return Mapping(source=Path(where), sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), columns=cols,
                   headers=headers, ignore=ignore, values=values, dates=dates, ages=ages == "years", sheet=sheet,
                   header_row=header_row, delimiter=delimiter, pseudonymise=frozenset(pseud), constants=constants)
