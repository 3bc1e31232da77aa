"""The publication check: scan every file meant for publication for disclosure leaks.

This module is deliberately **independent of the code that suppresses**
(:mod:`kentaudit.publication.disclosure`) and of the table model: it imports neither, and
re-derives everything from the published files themselves - the HTML, the
XLSX workbook, the CSVs and the ``csv/metadata.json`` that describes their
columns and additive structure - so that a bug in suppression cannot hide
itself from the check.

What it finds (``Finding.kind``):

``notebook``
    an executed notebook (``.ipynb``, or JSON holding ``nbformat``) - never published.
``case_reference``
    ``SYN-`` + 7 digits, a pseudonym ``px_`` + hex, or any case_ref/audit_id
    value found in the restricted folder or the audit files given.
``auditor``
    ``AUD`` + digits, or any auditor/moderator value from those files.
``row_level``
    a table with row-level columns (audit_id, case_ref, auditor, moderator,
    notes, audit date, date of birth, per-audit answers ``c_*``/grades with no
    counts) or a column of dates.
``small_count``
    a value from 1 to ``threshold`` in a count column (metadata kind
    ``count``, a name ``n_*``, or a header with the unit ``(count)``), except in
    a table whose metadata defines its counts as ``not_records`` (simulation
    sizes, months of a simulated chart) and except counts the metadata's definitions
    make not sensitive (answers not recorded; records of the whole authority).
``total_gives_away``
    a ``[c]`` recoverable from totals: an additive relation (declared in the
    metadata, or a row labelled ``Total``/a ``n_total`` column) holding
    exactly one ``[c]``, or a ``[c]`` fixed uniquely by all relations
    together (including cells repeated in other tables).
``narrowed``
    the interval attack (:mod:`kentaudit.publication.check.attack`, integer programming over every
    count of the appendix and of earlier appendices given, each defined by the
    records its row labels name) proves a ``[c]`` lies in a range narrower than
    the protection width, or recovers it.
``figure``
    a figure mark (SVG geometry, declared in the figure's JSON) that draws a
    hidden cell, disagrees with its table, or is not traceable to a shown cell;
    a figure with no declared marks.
``derived``
    an adjusted p-value whose family holds a row that is not shown, or that does
    not match a re-adjustment of the shown rows' raw p-values; a cell shown in the
    XLSX or HTML that the CSV hides.
``unexpected_file``
    a file type the check cannot read (only HTML, XLSX, CSV, JSON, SVG, TXT
    and PNG images may be published); a file whose content is not what its name says
    (a CSV named ``.png`` is never read as an image, so its rows would pass unread; a
    workbook named ``.csv``); a hidden file (a name starting with ``.``, which file
    browsers do not show); a copy of a file of the restricted folder (the same bytes, or
    text carrying its ``RESTRICTED`` mark); a CSV cell holding formula text
    (``=HYPERLINK(...)``); in HTML, a comment, a ``data-`` attribute other than the
    writer's or an element hidden from the reader (``hidden``, ``display: none``): kentaudit
    writes none of these, so each is an edit after the build that can carry a hidden value.
``unreadable``
    a file of a known type that could not be parsed.
``link``
    a symbolic link (to a file or a folder) anywhere in the folder, or a file with more
    than one name (a hard link). A link is never published: a copy that follows links
    (``cp -rL``, a zip tool, a web server) publishes what it points to, which may be the
    restricted folder, and a hard-linked file can be changed through its other name
    after the check. Links are never followed, so the check never reads outside the
    folder.
``special_file``
    anything that is neither a plain file nor a folder: a FIFO, a socket, a character or
    block device. Never opened (a FIFO would block the check).
``hidden_value``
    the value of a hidden (suppressed) count printed in the release's prose, tied to its cell.
    The hidden counts are the restricted suppression audit's (``RESTRICTED_suppression_audit.csv``
    in the restricted folder: table, row label, column, unsuppressed value). A *passage* is a
    sentence of the HTML's text outside its tables (and its ``alt``/``title``/``aria-label``
    texts), a sentence of the PDF's text, a text cell of an XLSX/ODS sheet or a CSV, or a string
    of ``metadata.json``. A hidden count ``v`` of a row labelled ``L`` is a finding where, within
    :data:`_PROSE_WINDOW` characters either side of ``v`` in one passage, stand both the row's
    label (its last part: ``Sevenoaks`` of ``initial / North / Sevenoaks``, as whole words, any
    case) and a word tying the number to the cell or to disclosure control: the table
    (``T12``, ``Table 12``), a word of the column's name of four letters or more (``audits``
    of ``n_audits``), or a word about hiding (:data:`_LOSS_WORDS_RE`: hidden, suppressed,
    narrow, withheld, protected, primary, secondary, complement). ``v`` must stand as a whole
    number (``[14, 14]`` and ``14 audits`` hold 14; ``14.2``, ``14%``, ``2009-03-14`` and
    ``1,400`` do not). So a small number elsewhere in the prose is not a finding, and
    "Sevenoaks: 14 audits" or "would narrow T12 row 0 (Bramfield Hub) to [14, 14]" is. In a
    PDF, whose text holds the printed tables too, only a word about hiding ties (a table
    row holds its label, its numbers and its column's words), and a passage with
    :data:`_PDF_TABLE_NUMBERS` numbers or more is a printed table's text, not scanned (the
    page's prose is the HTML's, scanned outside its tables). Without the restricted folder
    this is not checked.
``metadata``
    ``csv/metadata.json`` states a suppression threshold or protection width other than
    those the check was given (from the cycle's parameter file or the command line):
    the check never takes them only from the metadata it checks, so a metadata file
    edited to width 0 cannot make an unsafe folder pass.

With a ``link`` or ``special_file`` finding the check stops there: the folder is not a
publication until they are removed, and nothing in it is read (reading could follow a
link out of the folder or block on a FIFO).
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import stat
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pypdfium2 as pdfium

from kentaudit.core.safetext import is_formula_text
from kentaudit.publication.check.attack import attack

__all__ = ["Finding", "KINDS", "check_publication", "check_printed", "check_publication_cli", "sheet_table_id",
           "programme_releases", "sibling_releases"]

KINDS = ("notebook", "case_reference", "auditor", "row_level", "small_count",
         "total_gives_away", "narrowed", "figure", "derived", "unexpected_file", "unreadable",
         "link", "special_file", "metadata", "hidden_value")
#: What the check assumes when neither the parameter file nor the command line gives a
#: value: the defaults of a cycle's parameter file (``suppression_threshold``,
#: ``protection_width``; ``docs/running.md``). Never the metadata's own statement.
DEFAULT_THRESHOLD = 5
DEFAULT_WIDTH = 3

CASE_REF_RE = re.compile(r"SYN-\d{7}|\bpx_[0-9a-f]+\b")
AUDITOR_RE = re.compile(r"\bAUD\d+\b")
ROW_LEVEL_COLUMNS = {"audit_id", "case_ref", "case_reference", "auditor", "moderator", "notes",
                     "audit_date", "date_of_audit", "date_audited", "dob", "date_of_birth",
                     "child_name", "name", "team_manager", "social_worker"}
PER_AUDIT_RE = re.compile(r"^(c_|grade_|overall_grade$|moderated_grade$|risk_)")
DATE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?|\d{1,2}/\d{1,2}/\d{2,4})\s*$")
#: a total row's label: "Total" or "All ..."; the authority's own label ("Kent") is read from
#: metadata.json (``universe.authority``), never written here (:func:`_is_total_label`)
TOTAL_LABEL_RE = re.compile(r"^\s*(total|all\b.*)\s*$", re.I)


def _is_total_label(v, authority=None) -> bool:
    """A label of every value: "Total", "All ...", or the authority's (``universe.authority``)."""
    return bool(TOTAL_LABEL_RE.match(str(v))) or (
        authority is not None and str(v).strip().casefold() == str(authority).strip().casefold())
SUPPRESSED = "[c]"
_TEXT_TYPES = {".json", ".svg", ".txt", ".md"}
_IMAGE_TYPES = {".png"}


@dataclass(frozen=True)
class Finding:
    """One leak: ``file`` (relative to the folder checked), ``location``, ``kind``
    (one of :data:`KINDS`) and ``detail``."""

    file: str
    location: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{_one_line(self.file)} [{_one_line(self.location)}] {self.kind}: {_one_line(self.detail)}"


def _one_line(text: str) -> str:
    """``text`` safe to print as part of one line: a control, format (bidi, zero-width), line or
    paragraph separator or surrogate character is written as its code point (``<U+000A>``), so
    a file named ``ok.csv<newline>T1.csv`` cannot make a finding read as another file's.
    Written here rather than imported: the check imports only ``core``, and
    ``core.textpolicy.shown`` cuts to 60 characters, too short for a path."""
    return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c
                   for c in str(text))


# ----------------------------------------------------------------- known ids
def _norm(name) -> str:
    s = str(name).split("\n")[0].strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _read_any_table(path: Path) -> list[pd.DataFrame]:
    if path.suffix.lower() == ".csv":
        return [pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace")]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return list(pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False).values())
    if path.suffix.lower() == ".parquet":
        return [pd.read_parquet(path).astype(str)]
    return []


def _known_identifiers(restricted_dir, audit_files) -> tuple[set, set]:
    ids, people = set(), set()
    files = []
    if restricted_dir is not None and Path(restricted_dir).is_dir():
        files += [p for p in Path(restricted_dir).rglob("*") if p.is_file()]
    files += [Path(p) for p in audit_files or ()]
    for f in files:
        try:
            frames = _read_any_table(f)
        except Exception:  # an unreadable restricted file just contributes nothing
            continue
        for df in frames:
            for c in df.columns:
                n = _norm(c)
                vals = {str(v).strip() for v in df[c] if isinstance(v, str)}
                # digits-only ids of any length are kept: they are matched only where they
                # stand as identifiers (_Scanner), so a short one cannot match a count
                vals = {v for v in vals if (len(v) >= 3 or _is_number_id(v))
                        and v.upper() not in ("NA", "N/A", "NONE", "NAN")}
                if n in ("case_ref", "audit_id", "case_reference"):
                    ids |= vals
                elif n in ("auditor", "moderator"):
                    people |= vals
    return ids, people


# ------------------------------------------------------------- text scanning
_ID_TOKEN_RE = re.compile(r"[\w-]+")
_WORD_TOKEN_RE = re.compile(r"\w+")


class _Matcher:
    """Whole-token occurrences of known values in a text, left to right.

    A value matches where it is not joined to a ``boundary`` character on
    either side. A value made only of boundary characters matches exactly
    when it *is* a maximal run of them, so those values are found by splitting
    the text into runs and looking each up in a set: one pass over the text,
    however many values there are. (One regular expression alternating
    thousands of case references tries every one at every position: about 2 s
    of a cycle's appendix check.) Values with other characters (a space, a
    slash) go through a regular expression as before.
    """

    def __init__(self, values, token_re, boundary: str):
        simple = {v for v in values if token_re.fullmatch(v)}
        rest = sorted(set(values) - simple, key=len, reverse=True)
        self.simple, self.token_re = simple, token_re
        self.rest_re = (re.compile("|".join(rf"(?<!{boundary}){re.escape(v)}(?!{boundary})" for v in rest))
                        if rest else None)

    def finditer(self, text: str) -> list[str]:
        hits = [(m.start(), -len(m.group(0)), m.group(0)) for m in self.token_re.finditer(text)
                if m.group(0) in self.simple] if self.simple else []
        if self.rest_re is not None:
            hits += [(m.start(), -len(m.group(0)), m.group(0)) for m in self.rest_re.finditer(text)]
            hits.sort()
        out, end = [], -1
        for start, neg_len, v in hits:  # leftmost, then longest; no overlaps (as one regex would)
            if start >= end:
                out.append(v)
                end = start - neg_len
        return out


#: a number standing as an identifier in running text: after "ID", "ref", "reference",
#: "identifier", "no." or "number", or "#" ("audit ID 123", "case ref: 17", "#204")
_NUMBER_ID_RE = re.compile(r"(?i)(?:\b(?:id|ref|reference|identifier|no|number)\b\.?|#)\s*[:#]?\s*#?(\d+)\b")


def _is_number_id(v: str) -> bool:
    """An identifier made of digits only (a form tool's ids 1, 2, ... 300)."""
    return v.isascii() and v.isdigit()


class _Scanner:
    """Known identifiers and people in text.

    An identifier with a letter or a mark in it (``A2009-0001``) is a leak wherever it
    stands as a whole token. An identifier made of digits only (a form tool's ids 1..300)
    cannot be told from a count by its text: ``300`` in a count cell or in "300 audits" is
    a number, not an id. It is a leak only where it stands as an identifier: in running
    text after an identifier word (``audit ID 123``, ``case ref: 17``, ``#204``, see
    :data:`_NUMBER_ID_RE`) and as the whole of a label or text cell of a table
    (:func:`_id_cells`), where a row is named by it.
    """

    def __init__(self, ids, people):
        self.number_ids = frozenset(v for v in ids if _is_number_id(v))
        self._ids = _Matcher(set(ids) - self.number_ids, _ID_TOKEN_RE, r"[\w-]")
        self._people = _Matcher(people, _WORD_TOKEN_RE, r"\w")

    def scan(self, text: str, file: str, location: str) -> list[Finding]:
        out = []
        for m in CASE_REF_RE.finditer(text):
            out.append(Finding(file, location, "case_reference", f"case reference {m.group(0)!r}"))
        for v in self._ids.finditer(text):
            out.append(Finding(file, location, "case_reference", f"identifier {v!r} from the restricted data"))
        if self.number_ids:
            for m in _NUMBER_ID_RE.finditer(text):
                if m.group(1) in self.number_ids:
                    out.append(Finding(file, location, "case_reference",
                                       f"identifier {m.group(1)!r} from the restricted data, named as one "
                                       f"({m.group(0).strip()!r})"))
        for m in AUDITOR_RE.finditer(text):
            out.append(Finding(file, location, "auditor", f"auditor code {m.group(0)!r}"))
        for v in self._people.finditer(text):
            out.append(Finding(file, location, "auditor", f"auditor or moderator {v!r} from the restricted data"))
        return out


def _id_cells(t, meta, number_ids) -> list[Finding]:
    """Label and text cells of a table that are, whole, a digits-only identifier of the
    restricted data: a row named by an audit's id. Count and derived columns hold numbers
    (a count that equals an id is not an id) and the cycle column holds years; both are left
    alone, and so are one- and two-digit labels (a grade "1", a month "12"). A table without
    metadata: its columns whose cells are mostly not numbers."""
    if not number_ids:
        return []
    m = meta.get(t.table_id) if t.table_id else None
    kinds = {c["name"]: c.get("kind") for c in m["columns"]} if m else {}
    dims = ((m or {}).get("defines") or {}).get("labels") or {}
    out = []
    for j, name in enumerate(t.names):
        if kinds:
            if kinds.get(name) not in ("label", "text") or dims.get(name) == "cycle":
                continue
        else:
            vals = [r[j] for r in t.cells if j < len(r) and r[j].strip()]
            if not vals or sum(_num(v) is None for v in vals) * 2 <= len(vals):
                continue
        for i, r in enumerate(t.cells):
            if j < len(r) and len(r[j].strip()) >= 3 and r[j].strip() in number_ids:
                out.append(Finding(t.file, t.where(i, j), "case_reference",
                                   f"identifier {r[j].strip()!r} from the restricted data names a row"))
    return out


# ----------------------------------------------------------- hidden values in prose
#: how far (characters, either side of the number) the label and the tying word may stand
_PROSE_WINDOW = 120
# a "sentence" of the PDF's text with this many numbers is a printed table's text (prose
# sentences of the appendix hold a few numbers; a table's rows hold dozens)
_PDF_TABLE_NUMBERS = 8
_NUMBER_RE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?!\w)")
#: words of a sentence about what disclosure control hid (``[c]`` is not one: a printed table
#: row holds it beside shown numbers)
_LOSS_WORDS_RE = re.compile(r"(?i)\b(hidden|hide[sn]?|suppress\w*|narrow\w*|withh[oe]ld\w*|protect\w*|"
                            r"conceal\w*|redact\w*|primary|secondary|complement\w*|disclos\w*)\b")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n\s*\n")
_GENERIC_LABELS = {"total", "all", "none", "other", "not recorded", "unknown"}
#: references that hold numbers of their own ("Table 7", "Tables 3 and 7", "T12", "Figure 2"),
#: blanked before a hidden value is sought (the table found is kept as a tie)
_REFERENCE_RE = re.compile(r"(?i)\b(?:tables?|figures?|charts?|sections?|pages?|annex(?:es)?|notes?)\s+\d+[a-z]?"
                           r"(?:\s*(?:,|and|or|to|-|\u2013)\s*\d+[a-z]?)*|\b[TF]\d+[a-z]?\b")


@dataclass(frozen=True)
class _HiddenCell:
    table_id: str
    label: str        # the row label's last part, as published
    column: str
    value: int


class _HiddenValues:
    """The restricted suppression audit's hidden counts, and where prose ties one to its cell
    (the ``hidden_value`` rule in the module docstring)."""

    def __init__(self, cells: list[_HiddenCell], label_parts=()):
        # a number inside a label ("1 Outstanding", "no entry outstanding more than 5 working
        # days") is part of the label, not a value: label texts are blanked before numbers are sought
        parts = sorted({p for p in label_parts if any(ch.isdigit() for ch in p)}, key=len, reverse=True)
        self.mask_re = re.compile("|".join(re.escape(p) for p in parts), re.I) if parts else None
        self.by_label: dict[str, list[_HiddenCell]] = {}
        for c in cells:
            self.by_label.setdefault(c.label.casefold(), []).append(c)
        self.label_re = {k: re.compile(rf"(?<!\w){re.escape(k)}(?!\w)", re.I) for k in self.by_label}

    @classmethod
    def from_restricted(cls, restricted_dir) -> _HiddenValues | None:
        if restricted_dir is None or not Path(restricted_dir).is_dir():
            return None
        cells, parts = [], set()
        for f in sorted(Path(restricted_dir).glob("*suppression_audit*.csv")):
            try:
                df = pd.read_csv(f, dtype=str, keep_default_na=False)
            except Exception:  # an unreadable restricted file contributes nothing (as for ids)
                continue
            if not {"table_id", "row_label", "column", "value"} <= set(df.columns):
                continue
            reasons = df["reason"] if "reason" in df.columns else [""] * len(df)
            for t, lab, col, v, why in zip(df["table_id"], df["row_label"], df["column"], df["value"], reasons):
                if str(why).strip() == "derived":
                    # a figure hidden with its counts (a p-value of 1, an estimate), not a count:
                    # "the estimate of 1 row(s) is hidden" beside a unit does not print it
                    continue
                n = _num(v)
                parts |= {x.strip() for x in str(lab).split(" / ") if x.strip()}
                leaf = str(lab).split(" / ")[-1].strip()
                if (n is None or n != int(n) or n < 0 or len(leaf) < 3 or _num(leaf) is not None
                        or leaf.casefold() in _GENERIC_LABELS):
                    continue
                cells.append(_HiddenCell(str(t), leaf, str(col), int(n)))
        # the labels of the restricted tables (criterion labels name numbers: "more than 5 days")
        for f in sorted(Path(restricted_dir).glob("*.csv")):
            try:
                df = pd.read_csv(f, dtype=str, keep_default_na=False)
            except Exception:
                continue
            for col in df.columns:
                vals = set(df[col])
                if any(_num(v) is not None for v in vals if v.strip()):
                    continue
                parts |= {v.strip() for v in vals if len(v.strip()) >= 3 and len(v) <= 300}
        return cls(cells, parts)

    def _ties(self, c: _HiddenCell, window: str, pdf: bool) -> str | None:
        m = _LOSS_WORDS_RE.search(window)
        if m:
            return f"the word {m.group(0)!r}"
        if pdf:
            return None
        num = c.table_id[1:] if c.table_id[:1] == "T" else None
        if re.search(rf"(?<!\w){re.escape(c.table_id)}(?!\w)", window) or (
                num and re.search(rf"(?i)\btable\s+{re.escape(num)}(?!\w)", window)):
            return f"the table {c.table_id}"
        for w in re.split(r"[_\W]+", c.column):
            if len(w) >= 4 and re.search(rf"(?i)(?<!\w){re.escape(w)}(?!\w)", window):
                return f"the column word {w!r}"
        return None

    def scan_text(self, text: str, file: str, location: str, pdf: bool = False) -> list[Finding]:
        """Findings in ``text`` (split into sentences first)."""
        if not self.by_label or not text or not any(ch.isdigit() for ch in text):
            return []
        out = []
        for sentence in _SENTENCE_END_RE.split(text):
            if pdf and len(_NUMBER_RE.findall(sentence)) >= _PDF_TABLE_NUMBERS:
                # a printed table's text (its caption, headers and every row's numbers run
                # together, no sentence end between them): a shown count of another row beside
                # a label and the [c] note's "protection" is not prose; the same page's prose is
                # the HTML's, scanned outside its tables
                continue
            low = sentence.casefold()
            for key, cells in self.by_label.items():
                if key not in low:
                    continue
                spots = [m.start() for m in self.label_re[key].finditer(sentence)]
                if not spots:
                    continue
                seen = set()
                bare = (self.mask_re.sub(lambda m: " " * len(m.group(0)), sentence) if self.mask_re
                        else sentence)
                bare = _REFERENCE_RE.sub(lambda m: " " * len(m.group(0)), bare)
                for c in cells:
                    for m in re.finditer(rf"(?<![\w.,/:-]){c.value}(?![\w%]|[.,:/-]\d)", bare):
                        a, b = m.start() - _PROSE_WINDOW, m.end() + _PROSE_WINDOW
                        if not any(a <= x <= b for x in spots) or (c, m.start()) in seen:
                            continue
                        tie = self._ties(c, sentence[max(a, 0):b], pdf)
                        if tie:
                            seen.add((c, m.start()))
                            out.append(Finding(file, location, "hidden_value",
                                               f"prints {c.value}, the hidden value of {c.table_id} "
                                               f"{c.label!r} {c.column}, beside its row label and {tie}: "
                                               f"{_one_line(sentence.strip())[:160]!r}"))
                            break
        return out

    def scan_html(self, prose, file: str) -> list[Finding]:
        """Findings in an HTML page's prose (text outside table cells), each located by line."""
        text, starts = "", []
        for line, t in prose:
            starts.append((len(text), line))
            text += t + " "
        out = []
        pos = 0
        for sentence in _SENTENCE_END_RE.split(text):
            at = text.find(sentence, pos)
            pos = max(at, pos)
            line = next((ln for off, ln in reversed(starts) if off <= pos), 1)
            out += self.scan_text(sentence, file, f"line {line}")
        return out

    def scan_json(self, value, file: str, path: str = "") -> list[Finding]:
        """Findings in every string of a JSON value, located by its key path."""
        if isinstance(value, str):
            return self.scan_text(value, file, path or "-")
        if isinstance(value, dict):
            return [f for k, v in value.items() for f in self.scan_json(v, file, f"{path}.{k}" if path else str(k))]
        if isinstance(value, list):
            return [f for i, v in enumerate(value) for f in self.scan_json(v, file, f"{path}[{i}]")]
        return []


# ------------------------------------------------------------ table readers
@dataclass
class _Table:
    """A table read back from a published file: cell texts, column names and kinds."""

    file: str
    table_id: str | None
    names: list          # column names (metadata name, data-column, or normalised header)
    headers: list        # header texts as published
    cells: list          # list of rows of strings
    where: callable      # (row index, column index) -> location text


def _num(s):
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    t = s.strip().replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def _csv_tables(path: Path, rel: str, meta) -> list[_Table]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, header=None)
    if df.empty:
        return []
    headers = [str(h) for h in df.iloc[0]]
    cells = df.iloc[1:].values.tolist()
    return [_Table(rel, path.stem, headers, headers, cells,
                   lambda i, j, h=headers: f"line {i + 2}, column {h[j]!r}")]


_SHEET_NUMBER_RE = re.compile(r"^Table (\d+[a-z]?)$")


def sheet_table_id(title: str) -> str:
    """The table a workbook sheet holds: sheet "Table 3" is table ``T3`` (the writers name a
    sheet by the number a reader sees); any other sheet keeps its title. Parsed here, not
    imported from the numbering it checks, so that a numbering bug cannot hide itself."""
    m = _SHEET_NUMBER_RE.match(str(title))
    return f"T{m.group(1)}" if m else str(title)


def _xlsx_tables(path: Path, rel: str, meta, scanner, hidden=None) -> tuple[list[_Table], list[Finding]]:
    wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    tables, findings = [], []
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            vals = []
            for cell in row:
                v = cell.value
                if v is not None and not isinstance(v, (int, float)):
                    findings += scanner.scan(str(v), rel, f"sheet {ws.title!r}, cell {cell.coordinate}")
                    if hidden is not None and isinstance(v, str):
                        findings += hidden.scan_text(v, rel, f"sheet {ws.title!r}, cell {cell.coordinate}")
                elif isinstance(v, (int, float)):
                    findings += scanner.scan(str(v), rel, f"sheet {ws.title!r}, cell {cell.coordinate}")
                vals.append("" if v is None else (repr(v) if isinstance(v, float) else str(v)))
            rows.append(vals)
        grid = _sheet_grid(rows)
        if grid is None:
            continue
        hdr, headers, cells = grid
        tid = sheet_table_id(ws.title)
        m = meta.get(tid)
        names = ([c["name"] for c in m["columns"]] if m and len(m["columns"]) == len(headers)
                 else [_norm(h) for h in headers])
        title = ws.title
        tables.append(_Table(rel, tid, names, headers, cells,
                             lambda i, j, h=hdr, t=title: f"sheet {t!r}, cell "
                             f"{openpyxl.utils.get_column_letter(j + 1)}{h + i + 2}"))
    return tables, findings


def _ods_tables(path: Path, rel: str, meta, scanner, hidden=None) -> tuple[list[_Table], list[Finding]]:
    """Tables of an OpenDocument spreadsheet, read like the XLSX sheets (every cell scanned)."""
    sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="odf")
    tables, findings = [], []
    for title, df in sheets.items():
        rows = []
        for r, row in enumerate(df.itertuples(index=False)):
            vals = []
            for c, v in enumerate(row):
                if v is None or (isinstance(v, float) and v != v):
                    vals.append("")
                    continue
                findings += scanner.scan(str(v), rel, f"sheet {title!r}, row {r + 1}, column {c + 1}")
                if hidden is not None and isinstance(v, str):
                    findings += hidden.scan_text(v, rel, f"sheet {title!r}, row {r + 1}, column {c + 1}")
                vals.append(repr(v) if isinstance(v, float) else str(v))
            rows.append(vals)
        grid = _sheet_grid(rows)
        if grid is None:
            continue
        hdr, headers, cells = grid
        m = meta.get(sheet_table_id(title))
        names = ([c["name"] for c in m["columns"]] if m and len(m["columns"]) == len(headers)
                 else [_norm(h) for h in headers])
        tables.append(_Table(rel, sheet_table_id(title), names, headers, cells,
                             lambda i, j, h=hdr, t=title: f"sheet {t!r}, row {h + i + 2}, column {j + 1}"))
    return tables, findings


def _sheet_grid(rows):
    """A spreadsheet sheet's table: the header row (the first with two or more values),
    its headers and the non-empty rows below it, cut or padded to the header's width;
    None when the sheet holds no table."""
    hdr = next((k for k, r in enumerate(rows) if sum(1 for v in r if v.strip()) >= 2), None)
    if hdr is None:
        return None
    width = max(j + 1 for j, v in enumerate(rows[hdr]) if v.strip())
    cells = [r[:width] + [""] * (width - len(r[:width])) for r in rows[hdr + 1:]]
    return hdr, rows[hdr][:width], [r for r in cells if any(v.strip() for v in r)]


def _pdf_text(path: Path) -> str:
    """The text of every page of a PDF (scanned like any text file).

    pypdfium2 (PDFium, the PDF engine of Chromium, which prints the appendix) reads the
    text about 20 times faster than pypdf's pure-Python parser (0.15 s against 3 s for
    the 26 pages of the 2013 appendix; benchmarks/results.md), with the same words."""
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            tp = page.get_textpage()
            try:
                pages.append(tp.get_text_bounded())
            finally:
                tp.close()
                page.close()
    finally:
        doc.close()
    return "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n")


#: The data attributes kentaudit's HTML writer sets (kentaudit.publication.writers.html).
_DATA_ATTRIBUTES = frozenset(["data-column", "data-kind", "data-table-id"])
_HIDING_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0", re.I)


class _HTMLTables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []       # (line, text)
        self.prose = []       # (line, text) outside table cells, and alt/title/aria-label texts
        self.tables = []      # dicts
        self._cur = None
        self._cell = None
        self._row = None
        self.concealed = []   # (line, what): text a reader is not shown (comments, hidden elements, data-*)

    def handle_comment(self, data):
        # kentaudit writes no comment: one is text no reader sees, so it is scanned and named
        line = self.getpos()[0]
        self.texts.append((line, data))
        self.concealed.append((line, f"an HTML comment ({_one_line(data.strip())[:60]!r})"))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        line = self.getpos()[0]
        for k, v in attrs:
            if k.startswith("data-") and k not in _DATA_ATTRIBUTES:
                self.concealed.append((line, f"an attribute kentaudit does not write, {k}={_one_line(v or '')[:40]!r}"))
            elif k == "hidden" or (k == "style" and v and _HIDING_STYLE_RE.search(v)):
                self.concealed.append((line, f"a <{tag}> hidden from the reader ({k}={_one_line(v or '')[:40]!r})"))
        for k, v in attrs:
            if v and k in ("alt", "title", "aria-label", "content", "value", "href", "src") and not v.startswith("data:image"):
                self.texts.append((line, v))
                if k in ("alt", "title", "aria-label"):
                    self.prose.append((line, " " + v + ". "))
            elif v and k.startswith("data-"):
                self.texts.append((line, v))
        if tag == "table":
            self._cur = {"id": a.get("data-table-id") or a.get("id"), "header": [], "rows": [], "in_head": False}
        elif self._cur is not None:
            if tag == "thead":
                self._cur["in_head"] = True
            elif tag == "tbody":
                self._cur["in_head"] = False
            elif tag == "tr":
                self._row = []
            elif tag in ("td", "th"):
                self._cell = {"text": "", "column": a.get("data-column"), "kind": a.get("data-kind")}

    def handle_endtag(self, tag):
        if self._cur is None:
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._cur["in_head"] or (not self._cur["header"] and all(c.get("column") for c in self._row) and self._row):
                self._cur["header"] = self._row
            else:
                self._cur["rows"].append([c["text"].strip() for c in self._row])
            self._row = None
        elif tag == "table":
            self.tables.append(self._cur)
            self._cur = None

    def handle_data(self, data):
        self.texts.append((self.getpos()[0], data))
        if self._cell is None:
            self.prose.append((self.getpos()[0], data))
        if self._cell is not None:
            self._cell["text"] += data


def _html_tables(path: Path, rel: str, scanner, hidden=None) -> tuple[list[_Table], list[Finding]]:
    p = _HTMLTables()
    text = path.read_text(encoding="utf-8", errors="replace")
    p.feed(text)
    p.close()
    findings = []
    for line, t in p.texts:
        findings += scanner.scan(t, rel, f"line {line}")
    for line, what in p.concealed:
        findings.append(Finding(rel, f"line {line}", "unexpected_file",
                                f"{what}: text no reader sees can carry a hidden value; kentaudit writes none, so "
                                "the page was edited after the build"))
    if hidden is not None:
        findings += hidden.scan_html(p.prose, rel)
    tables = []
    for k, t in enumerate(p.tables):
        hdr = t["header"]
        headers = [re.sub(r"\s+", " ", c["text"]).strip() for c in hdr]
        names = [c.get("column") or _norm(h) for c, h in zip(hdr, headers)]
        tid = t["id"] or f"table {k + 1}"
        width = len(names)
        cells = [r[:width] + [""] * (width - len(r)) for r in t["rows"]]
        # a wide table shown in parts ("T16-part-2") is checked as its table, part by part
        base = re.sub(r"-part-\d+$", "", t["id"]) if t["id"] else t["id"]
        tables.append(_Table(rel, base, names, headers, cells,
                             lambda i, j, tid=tid, n=names: f"table {tid}, row {i + 1}, column {n[j]!r}"))
    return tables, findings


# ------------------------------------------------------------- table checks
def _count_columns(t: _Table, meta) -> list[int]:
    m = meta.get(t.table_id) if t.table_id else None
    kinds = {c["name"]: c["kind"] for c in m["columns"]} if m else {}
    out = []
    for j, (n, h) in enumerate(zip(t.names, t.headers)):
        if kinds.get(n) == "count" or str(n).startswith("n_") or "(count)" in str(h).lower():
            out.append(j)
    return out


def _row_level(t: _Table, counts: list[int]) -> list[Finding]:
    out = []
    normed = [_norm(n) for n in t.names]
    hnorm = [_norm(h) for h in t.headers]
    for j, (n, h) in enumerate(zip(normed, hnorm)):
        if n in ROW_LEVEL_COLUMNS or h in ROW_LEVEL_COLUMNS:
            out.append(Finding(t.file, t.where(-1, j), "row_level",
                               f"column {t.headers[j]!r} holds row-level (per-audit) data"))
            continue
        vals = [r[j] for r in t.cells if r[j].strip()]
        if len(vals) >= 3 and sum(bool(DATE_RE.match(v)) for v in vals) > len(vals) / 2:
            out.append(Finding(t.file, t.where(-1, j), "row_level",
                               f"column {t.headers[j]!r} holds dates, as a list of audits would"))
    per_audit = [j for j, n in enumerate(normed) if PER_AUDIT_RE.match(n)]
    if per_audit and not counts:
        out.append(Finding(t.file, t.where(-1, per_audit[0]), "row_level",
                           "per-audit answers or grades with no counts: the rows look like individual audits"))
    return out


_BRANCH_KEYS = ("answer", "answer_initial", "grade", "moderation")


def _not_sensitive(tmeta: dict, names: list, row: list, j: int, authority=None) -> bool:
    """Whether the count in column ``j`` of ``row`` is one the metadata's definitions make
    not sensitive (the rule of docs/appendix.md, "Which counts are sensitive", read here
    from the published definitions, not imported from the code that suppressed): a count
    of answers or grades not recorded only, or a count of records of the whole authority
    (no answer, grade, moderation, unit or area restriction; its row names no unit, area
    or grade other than a total)."""
    d = (tmeta or {}).get("defines") or {}
    cols = d.get("columns") or {}
    name = names[j]
    if name not in cols:
        return False
    spec = {**(d.get("fixed") or {}), **(cols.get(name) or {})}
    branch = {k: spec[k] for k in _BRANCH_KEYS if k in spec}
    if branch:
        return all(isinstance(v, list) and v and all(str(x) == "missing" for x in v) for v in branch.values())
    if "district" in spec or "area" in spec:
        return False
    idx = {n: k for k, n in enumerate(names)}
    for col, dim in (d.get("labels") or {}).items():
        if dim in ("district", "area", "grade") and col in idx and idx[col] < len(row):
            if not _is_total_label(row[idx[col]], authority):
                return False
    return True


def _small_counts(t: _Table, counts: list[int], threshold: int, tmeta: dict | None = None,
                  authority=None) -> list[Finding]:
    out = []
    for i, r in enumerate(t.cells):
        for j in counts:
            v = _num(r[j])
            if v is not None and v == int(v) and 1 <= v <= threshold and not _not_sensitive(tmeta, t.names, r, j, authority):
                out.append(Finding(t.file, t.where(i, j), "small_count",
                                   f"count {int(v)} is between 1 and {threshold} and is not suppressed"))
    return out


def _match_rows(t: _Table, where: dict) -> list[int]:
    idx = {n: j for j, n in enumerate(t.names)}
    if any(k not in idx for k in where):
        return []
    return [i for i, r in enumerate(t.cells) if all(r[idx[k]].strip() == str(v) for k, v in where.items())]


def _equations(tables: dict, meta: dict) -> list[tuple[str, list]]:
    """Equations as (name, [(table id, row, col index, coefficient)])."""
    eqs = []
    for tid, t in tables.items():
        idx = {n: j for j, n in enumerate(t.names)}
        m = meta.get(tid)
        declared = bool(m)
        if m:
            for s in m.get("sums", []):
                if all(c in idx for c in [s["total"], *s["parts"]]):
                    for i in range(len(t.cells)):
                        eqs.append((f"{t.file}: row {i + 1} {s['total']} = sum of {s['parts']}",
                                    [(tid, i, idx[s["total"]], 1)] + [(tid, i, idx[p], -1) for p in s["parts"]]))
            for r in m.get("total_rows", []):
                tot = set(_match_rows(t, r["where"]))
                parts_ok = set(_match_rows(t, r["parts_where"])) if r.get("parts_where") else \
                    set(range(len(t.cells))) - tot
                within = [idx[w] for w in r.get("within", []) if w in idx]
                groups: dict = {}
                for i in range(len(t.cells)):
                    groups.setdefault(tuple(t.cells[i][w] for w in within), []).append(i)
                for key, rows in groups.items():
                    tr = [i for i in rows if i in tot]
                    pr = [i for i in rows if i in parts_ok and i not in tot]
                    if len(tr) != 1 or not pr:
                        continue
                    for c in r.get("columns", []):
                        if c in idx:
                            eqs.append((f"{t.file}: column {c}, total row {tr[0] + 1} = sum of rows "
                                        f"{[p + 1 for p in pr]}",
                                        [(tid, tr[0], idx[c], 1)] + [(tid, p, idx[c], -1) for p in pr]))
            for lk in m.get("links", []):
                other = tables.get(lk["table"])
                if other is None:
                    continue
                oidx = {n: j for j, n in enumerate(other.names)}
                if any(o not in oidx or o not in idx for o in lk["on"]):
                    continue
                okey = {tuple(other.cells[j][oidx[o]] for o in lk["on"]): j
                        for j in _match_rows(other, lk.get("other_where", {})) or
                        (range(len(other.cells)) if not lk.get("other_where") else [])}
                mine = _match_rows(t, lk.get("where", {})) if lk.get("where") else range(len(t.cells))
                for i in mine:
                    j = okey.get(tuple(t.cells[i][idx[o]] for o in lk["on"]))
                    if j is None:
                        continue
                    for a, b in lk["columns"].items():
                        if a in idx and b in oidx:
                            eqs.append((f"{t.file}: {tid} row {i + 1} {a} = {lk['table']} row {j + 1} {b}",
                                        [(tid, i, idx[a], 1), (lk["table"], j, oidx[b], -1)]))
        if declared:
            continue
        # no metadata: recognise a total row (first column 'Total'/'All ...') and an n_total column,
        # and keep a guessed relation only if it holds wherever all its cells are shown
        counts = [j for j, n in enumerate(t.names) if str(n).startswith("n_") or "(count)" in str(t.headers[j]).lower()]
        totals = [i for i, r in enumerate(t.cells) if r and TOTAL_LABEL_RE.match(r[0])]
        if len(totals) == 1 and len(t.cells) > 1:
            parts = [i for i in range(len(t.cells)) if i != totals[0]]
            for j in counts:
                eqs.append((f"{t.file}: column {t.headers[j]!r}, total row {totals[0] + 1}",
                            [(tid, totals[0], j, 1)] + [(tid, p, j, -1) for p in parts]))
        tcols = [j for j in counts if _norm(t.names[j]) in ("n_total", "total") or _norm(t.headers[j]).startswith("total")]
        if len(tcols) == 1:
            parts = [j for j in counts if j != tcols[0]]
            for i in range(len(t.cells)):
                eqs.append((f"{t.file}: row {i + 1} total column", [(tid, i, tcols[0], 1)] + [(tid, i, j, -1) for j in parts]))
    return eqs


def _total_leaks(tables: dict, meta: dict) -> list[Finding]:
    eqs = _equations(tables, meta)

    def val(c):
        t = tables[c[0]]
        return t.cells[c[1]][c[2]]

    # drop guessed or declared relations that the shown numbers contradict (not a relation)
    kept = []
    for name, cells in eqs:
        vals = [_num(val(c)) for c in cells]
        if all(v is not None for v in vals) and abs(sum(v * c[3] for v, c in zip(vals, cells))) > 1e-6:
            continue
        kept.append((name, cells))
    out, seen = [], set()
    for name, cells in kept:
        hidden = [c for c in cells if _num(val(c)) is None]
        if len(hidden) == 1 and val(hidden[0]).strip() == SUPPRESSED:
            c = hidden[0]
            rec = -sum(_num(val(x)) * x[3] for x in cells if x is not c) / c[3]
            key = c[:3]
            if key not in seen:
                seen.add(key)
                t = tables[c[0]]
                out.append(Finding(t.file, t.where(c[1], c[2]), "total_gives_away",
                                   f"[c] equals {rec:g} by subtraction ({name})"))
    # all relations together: a [c] fixed uniquely by the linear system
    unknown = sorted({c[:3] for _, cells in kept for c in cells if _num(val(c)) is None})
    if unknown:
        col = {u: k for k, u in enumerate(unknown)}
        rows = []
        for _, cells in kept:
            if any(c[:3] in col for c in cells):
                r = np.zeros(len(unknown))
                for c in cells:
                    if c[:3] in col:
                        r[col[c[:3]]] += c[3]
                rows.append(r)
        a = np.array(rows)
        _, s, vt = np.linalg.svd(a)
        rank = int((s > 1e-9 * max(1.0, s.max() if s.size else 1.0)).sum())
        nullv = vt[rank:]
        for u in unknown:
            if val(u).strip() != SUPPRESSED or u in seen:
                continue
            if nullv.shape[0] == 0 or np.abs(nullv[:, col[u]]).max() < 1e-9:
                seen.add(u)
                t = tables[u[0]]
                out.append(Finding(t.file, t.where(u[1], u[2]), "total_gives_away",
                                   "[c] is fixed uniquely by the totals and linked tables taken together"))
    return out


# ------------------------------------------------------------------- the folder itself
_SPECIAL = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


#: How a file of each published type begins (its "magic number"): a file whose bytes say
#: otherwise is not read as its name says (a CSV of rows named ``.png`` was never opened).
_SIGNATURES = {".png": (b"\x89PNG\r\n\x1a\n",), ".xlsx": (b"PK\x03\x04",), ".xlsm": (b"PK\x03\x04",),
               ".ods": (b"PK\x03\x04",), ".pdf": (b"%PDF-",)}
_BINARY_STARTS = {b"\x89PNG": "a PNG image", b"PK\x03\x04": "a zip archive (a workbook or other)",
                  b"%PDF-": "a PDF"}
#: The first words of every file of a restricted folder (kentaudit.publication.appendix writes
#: them; the check does not import the code it checks, so they are written here too).
RESTRICTED_MARK_RE = re.compile(r"RESTRICTED\s*-\s*unsuppressed", re.I)


def _what_it_is(head: bytes) -> str | None:
    return next((w for sig, w in _BINARY_STARTS.items() if head.startswith(sig)), None)


def _identity_findings(root: Path, files: list[Path], restricted_dir) -> list[Finding]:
    """Files that are not what they say: hidden names, content of another type than the
    extension, copies of restricted files, formula text in a CSV (``unexpected_file``)."""
    out = []
    # each restricted file's bytes, with the name of the table it holds: a published table whose
    # cells hide nothing has the same bytes as its own unsuppressed copy (RESTRICTED_T1.csv for
    # csv/T1.csv), which is no leak; the same bytes as any other restricted file (the findings'
    # rows, the audit of suppression, another table) are a restricted file published
    restricted: dict = {}
    if restricted_dir is not None and Path(restricted_dir).is_dir():
        for q in Path(restricted_dir).rglob("*"):
            if q.is_file() and not q.is_symlink():
                with contextlib.suppress(OSError):
                    restricted.setdefault(hashlib.sha256(q.read_bytes()).hexdigest(), set()).add(
                        q.name.removeprefix("RESTRICTED_"))
    for path in files:
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            out.append(Finding(rel, "-", "unexpected_file", "a hidden file (its name starts with '.'): file "
                               "browsers do not show it, so nobody reviews what is published; remove it"))
        try:
            raw = path.read_bytes()
        except OSError as e:
            out.append(Finding(rel, "-", "unreadable", f"cannot be read ({e.strerror or e})"))
            continue
        ext = path.suffix.lower()
        head = raw[:16]
        sigs = _SIGNATURES.get(ext)
        if sigs is not None and not head.startswith(sigs):
            out.append(Finding(rel, "-", "unexpected_file",
                               f"its content is {_what_it_is(head) or 'not ' + ext[1:].upper()} (it begins "
                               f"{head[:8]!r}), not what its name says ({ext}); it is not checked as one: "
                               "publish it under its own type or remove it"))
        elif sigs is None and (_what_it_is(head) or b"\x00" in raw[:65536]):
            out.append(Finding(rel, "-", "unexpected_file",
                               f"its content is {_what_it_is(head) or 'binary data'}, not the text its name says "
                               f"({ext or 'no extension'}); remove it or publish it under its own type"))
        if restricted and not restricted.get(hashlib.sha256(raw).hexdigest(), {path.name}) <= {path.name}:
            out.append(Finding(rel, "-", "unexpected_file", "the same bytes as a file of the restricted folder: "
                               "restricted files are never published"))
        elif RESTRICTED_MARK_RE.search(raw[:4096].decode("utf-8", errors="replace")):
            out.append(Finding(rel, "-", "unexpected_file", "carries the restricted folder's mark "
                               "('RESTRICTED - unsuppressed ...'): a restricted file is never published"))
        if ext == ".csv" and sigs is None and not _what_it_is(head):
            text = raw.decode("utf-8", errors="replace")
            for i, row in enumerate(csv.reader(io.StringIO(text)), start=1):
                cell = next((c for c in row if is_formula_text(c)), None)
                if cell is not None:
                    out.append(Finding(rel, f"line {i}", "unexpected_file",
                                       f"a cell holds formula text ({cell[:40]!r}): a spreadsheet opening the "
                                       "CSV runs it; kentaudit writes none, so the file was edited after the build"))
                    break
    return out


def _walk(root: Path) -> tuple[list[Path], list[Finding], bool]:
    """Every plain file under ``root`` (sorted), never following a link; a finding for
    every link, hard-linked file and thing that is neither a plain file nor a folder; and
    whether nothing may be read (a symbolic link or a special file was found).

    Written with :func:`os.scandir` and ``lstat`` rather than :meth:`Path.rglob`, whose
    handling of links to folders differs between Python versions and which reports a FIFO
    as nothing at all.
    """
    files, findings, stop = [], [], False
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            findings.append(Finding(Path(folder).relative_to(root).as_posix() or ".", "-", "unreadable",
                                    f"the folder cannot be listed ({e.strerror or e})"))
            continue
        for e in entries:
            path = Path(e.path)
            rel = path.relative_to(root).as_posix()
            try:
                st = e.stat(follow_symlinks=False)
            except OSError as err:  # removed or unreadable while listed: not shown to be safe
                findings.append(Finding(rel, "-", "unreadable", f"cannot be examined ({err.strerror or err})"))
                stop = True
                continue
            if stat.S_ISLNK(st.st_mode):
                try:
                    target = os.readlink(path)
                except OSError:
                    target = "?"
                stop = True
                what = "a folder" if path.is_dir() else "a file" if path.exists() else "nothing (a broken link)"
                findings.append(Finding(rel, "-", "link",
                                        f"a symbolic link to {target!r} ({what}): links are never published "
                                        "(a copy that follows links, such as cp -rL or a zip tool, publishes "
                                        "what it points to, which this check does not read); put the file "
                                        "itself there or remove the link"))
            elif stat.S_ISDIR(st.st_mode):
                stack.append(path)
            elif stat.S_ISREG(st.st_mode):
                if st.st_nlink > 1:
                    findings.append(Finding(rel, "-", "link",
                                            f"a file with {st.st_nlink} names (a hard link): it can be changed "
                                            "through another name after the check; publish a copy"))
                files.append(path)
            else:
                stop = True
                what = next((w for test, w in _SPECIAL if test(st.st_mode)), "neither a file nor a folder")
                findings.append(Finding(rel, "-", "special_file",
                                        f"{what}, not a plain file: only files and folders are published "
                                        "(it was not opened); remove it"))
    return sorted(files), findings, stop


def _metadata_disagrees(meta_file: Path, threshold: int, width: int, authority: str | None = None) -> list[Finding]:
    """A finding for each disclosure parameter ``csv/metadata.json`` states other than the given
    one, or does not state; and for an authority (``universe.authority``, the label the check
    reads as a total of every record) other than the cycle's, when the cycle's is given."""
    try:
        doc = json.loads(meta_file.read_text(encoding="utf-8"))
        disclosure = doc.get("disclosure")
    except (OSError, ValueError, AttributeError):
        return []  # unreadable metadata is reported where the tables are read
    out = []
    rel = "csv/metadata.json"
    if not isinstance(disclosure, dict):
        disclosure = {}
    universe = doc.get("universe") if isinstance(doc.get("universe"), dict) else {}
    if authority is not None and "authority" in universe and universe["authority"] != authority:
        out.append(Finding(rel, "universe.authority", "metadata",
                           f"states the authority {_one_line(str(universe['authority']))[:60]!r}, but the cycle's is "
                           f"{authority!r} (from its parameter file): a row labelled with the stated name is read as "
                           "a total of every record and its small counts are not findings; checked with the cycle's"))
    for key, given, what in (("threshold", threshold, "suppression threshold"),
                             ("protection_width", width, "protection width")):
        if key not in disclosure and doc.get("tables"):
            out.append(Finding(rel, f"disclosure.{key}", "metadata",
                               f"states no {what}: every kentaudit release states the values it was protected "
                               f"with, so this metadata was changed or is not kentaudit's; checked with {given}"))
        elif key in disclosure and disclosure[key] != given:
            out.append(Finding(rel, f"disclosure.{key}", "metadata",
                               f"states {what} {disclosure[key]!r}, but the cycle's is {given} (from its "
                               "parameter file or the command line): the tables were not protected as the "
                               f"cycle requires, or the metadata was changed; checked with {given}"))
    return out


# ------------------------------------------------------------------- driver
def check_publication(publish_dir, *, restricted_dir=None, threshold: int | None = DEFAULT_THRESHOLD,
                      audit_files=(), width: int | None = DEFAULT_WIDTH, earlier=(),
                      authority: str | None = None) -> list[Finding]:
    """Scan every file under ``publish_dir`` for disclosure leaks.

    Parameters
    ----------
    publish_dir : path-like
        The folder to be published (``outputs/<cycle>/publish``).
    restricted_dir : path-like, optional
        A restricted folder whose files' ``case_ref``/``audit_id`` and
        ``auditor``/``moderator`` values must not appear in anything published.
    threshold : int, default 5
        Counts from 1 to ``threshold`` must not be shown: the cycle's
        ``suppression_threshold`` (None: :data:`DEFAULT_THRESHOLD`).
    audit_files : iterable of path-like
        Audit data files (CSV/XLSX) to take identifiers from, like ``restricted_dir``.
    width : int, default 3
        Protection width the attack requires: the cycle's ``protection_width`` (None:
        :data:`DEFAULT_WIDTH`). Never taken from ``metadata.json``: where the metadata
        states another threshold or width, that is a ``metadata`` finding.
    earlier : iterable of path-like
        ``publish/`` folders of earlier appendices of the programme: the attack
        uses their counts too.
    authority : str, optional
        The cycle's authority (its parameter file's ``publication.authority``): where the
        metadata's ``universe.authority`` differs, that is a ``metadata`` finding (a row
        with the stated label is read as a total of every record).

    Returns
    -------
    list of Finding
        Empty when the folder is clean. Each finding gives the file (relative
        to ``publish_dir``), where in it, the kind (see :data:`KINDS`) and detail.
    """
    root = Path(publish_dir)
    if not root.is_dir():
        return [Finding(str(root), "-", "unreadable", "the folder to check does not exist")]
    threshold = DEFAULT_THRESHOLD if threshold is None else int(threshold)
    width = DEFAULT_WIDTH if width is None else int(width)
    files, structure, stop = _walk(root)
    if not files and not structure:  # nothing checked is not a clean appendix (an emptied folder said clean)
        return [Finding(".", "-", "unreadable", "the folder holds no file: nothing was checked, so nothing is "
                        "shown to be safe to publish (give the publish/ folder of a run)")]
    safe_earlier = []
    for e in earlier:  # the programme's other releases are read too: the same rule for them
        _, e_structure, e_stop = _walk(Path(e))
        structure += [Finding(f"{e}/{f.file}", f.location, f.kind, f.detail + " (in an earlier release "
                              "the attack reads)") for f in e_structure]
        if not e_stop:
            safe_earlier.append(e)
    earlier = safe_earlier
    if stop:
        return structure  # nothing is read: it could follow a link out of the folder or block
    ids, people = _known_identifiers(restricted_dir, audit_files)
    scanner = _Scanner(ids, people)
    hidden = _HiddenValues.from_restricted(restricted_dir)
    meta, full_meta = {}, {}
    findings: list[Finding] = list(structure)  # hard links (the files are still read)
    findings += _identity_findings(root, files, restricted_dir)
    mf = root / "csv" / "metadata.json"
    if mf.is_file():
        try:
            full_meta = json.loads(mf.read_text(encoding="utf-8"))
            if not isinstance(full_meta, dict):
                raise TypeError(f"a JSON {type(full_meta).__name__}, not an object")
            meta = {t["id"]: t for t in full_meta.get("tables", [])}
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            # what the tables' checks and the attack read: a release whose metadata cannot be
            # read (emptied, truncated, another shape) is not shown safe, never called clean
            meta, full_meta = {}, {}
            findings.append(Finding("csv/metadata.json", "-", "unreadable",
                                    f"the release's metadata cannot be read ({type(e).__name__}: "
                                    f"{str(e)[:120] or 'empty'}), so its tables cannot be checked against "
                                    "it or attacked"))
    if mf.is_file():
        findings += _metadata_disagrees(mf, threshold, width, authority)
    by_format: dict[str, dict] = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        ext = path.suffix.lower()
        if ext == ".ipynb":
            findings.append(Finding(rel, "-", "notebook", "executed notebooks are never published"))
            continue
        try:
            if ext == ".csv":
                findings += scanner.scan(path.read_text(encoding="utf-8", errors="replace"), rel, "file")
                tabs = _csv_tables(path, rel, meta)
                if hidden is not None:
                    for t in tabs:
                        for i, r in enumerate(t.cells):
                            for j, v in enumerate(r):
                                if _num(v) is None:
                                    findings += hidden.scan_text(v, rel, t.where(i, j))
            elif ext in (".xlsx", ".xlsm"):
                tabs, f = _xlsx_tables(path, rel, meta, scanner, hidden)
                findings += f
            elif ext in (".html", ".htm"):
                tabs, f = _html_tables(path, rel, scanner, hidden)
                findings += f
            elif ext == ".ods":
                tabs, f = _ods_tables(path, rel, meta, scanner, hidden)
                findings += f
            elif ext == ".pdf":
                # the print of the checked HTML; its text is scanned all the same
                text = _pdf_text(path)
                findings += scanner.scan(text, rel, "text")
                if hidden is not None:
                    findings += hidden.scan_text(text.replace("\n", " "), rel, "text", pdf=True)
                tabs = []
            elif ext in _TEXT_TYPES:
                text = path.read_text(encoding="utf-8", errors="replace")
                if ext == ".json" and '"nbformat"' in text:
                    findings.append(Finding(rel, "-", "notebook", "a notebook saved under another name"))
                findings += scanner.scan(text, rel, "file")
                if hidden is not None:
                    if ext == ".json":
                        try:
                            findings += hidden.scan_json(json.loads(text), rel)
                        except ValueError:
                            findings += hidden.scan_text(text, rel, "file")
                    else:
                        findings += hidden.scan_text(text, rel, "file")
                tabs = []
            elif ext in _IMAGE_TYPES:
                tabs = []
            else:
                findings.append(Finding(rel, "-", "unexpected_file",
                                        f"{ext or 'extensionless'} files cannot be checked; publish HTML, PDF, XLSX, ODS, CSV or PNG"))
                tabs = []
        except Exception as e:  # a file we cannot parse cannot be shown to be safe
            findings.append(Finding(rel, "-", "unreadable", f"{type(e).__name__}: {e}"))
            continue
        fmt = "csv" if ext == ".csv" else rel
        for t in tabs:
            counts = _count_columns(t, meta)
            findings += _row_level(t, counts)
            findings += _id_cells(t, meta, scanner.number_ids)
            tmeta = (meta.get(t.table_id) if t.table_id else None) or {}
            if not (tmeta.get("defines") or {}).get("not_records"):
                # a table whose metadata says its counts are not of records (simulated cells,
                # months of a simulated chart) has no person behind a small count
                findings += _small_counts(t, counts, threshold, tmeta,
                                          (full_meta.get("universe") or {}).get("authority"))
            key = t.table_id or f"{rel}#{len(by_format.get(fmt, {}))}"
            if key in by_format.get(fmt, {}):  # a second part of one table: compared too
                key = f"{key}#{len(by_format[fmt])}"
            by_format.setdefault(fmt, {})[key] = t
    if full_meta.get("universe"):
        try:
            res = attack(root, [Path(p) for p in earlier], width=width)
            findings += [Finding(f, loc, "narrowed", d) for f, loc, d in res.findings]
            findings += _figure_checks(root, full_meta)
            findings += _pvalue_checks(root, full_meta)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
            # metadata of another shape than kentaudit writes (edited, or of another version):
            # the attack could not be made, so the release is not shown safe
            findings.append(Finding("csv/metadata.json", "-", "unreadable",
                                    f"the release could not be attacked with its metadata ({type(e).__name__}: "
                                    f"{str(e)[:120]}): not the shape kentaudit writes"))
        findings += _cross_format(by_format)
    else:
        for tables in by_format.values():
            findings += _total_leaks(tables, meta)
    return findings


def check_printed(pdf_path, *, restricted_dir=None, audit_files=(), rel: str | None = None) -> list[Finding]:
    """What :func:`check_publication` finds in one PDF of a folder: its text scanned for
    case references, auditor codes and the identifiers of ``restricted_dir`` and
    ``audit_files``. The appendix checks its folder while Chromium prints, then its PDF
    with this; the findings are the same as one check of the folder with the PDF in it
    (tested).

    ``rel`` names the file in the findings (default its file name).
    """
    path = Path(pdf_path)
    rel = rel or path.name
    scanner = _Scanner(*_known_identifiers(restricted_dir, audit_files))
    try:
        return scanner.scan(_pdf_text(path), rel, "text")
    except Exception as e:  # a file we cannot parse cannot be shown to be safe
        return [Finding(rel, "-", "unreadable", f"{type(e).__name__}: {e}")]


def _units_of(publish_dir: Path):
    """The authority, and the units and their areas, a release is about (its metadata's
    ``universe.authority`` and ``universe.districts``), or None if its metadata cannot be read
    as kentaudit writes it."""
    mf = Path(publish_dir) / "csv" / "metadata.json"
    if not _plain_file(mf):
        return None
    try:
        universe = json.loads(mf.read_text(encoding="utf-8"))["universe"]
        units = universe["districts"]
        authority = str(universe.get("authority") or "").strip().casefold()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if isinstance(units, dict):
        return authority, tuple(sorted((str(k), str(v)) for k, v in units.items()))
    if isinstance(units, list):
        return authority, tuple(sorted((str(k), "") for k in units))
    return None


def sibling_releases(publish_dir) -> tuple[list[Path], list[Path]]:
    """The other cycles' ``publish/`` folders under the same output folder as ``publish_dir``
    (``<output_dir>/<cycle>/publish``), split into those of the same programme and the others.

    A release is of the same programme when its metadata names the same authority
    (``universe.authority``) and describes the same units, each in the same area, as this
    one's (``universe.districts``): the attack combines counts defined by the
    records their row labels name, so only releases about the same units can narrow a hidden
    cell. Another authority's release, or the same authority's under another unit structure,
    copied beside this one is left out (and named by the command line); so is one whose
    metadata cannot be read, and every sibling when this release's own metadata cannot be read
    (the check reports that as ``unreadable``)."""
    root = Path(publish_dir).resolve()
    mine = _units_of(root)
    same, other = [], []
    for mf in sorted(root.parent.parent.glob("*/publish/csv/metadata.json")):
        if not _plain_file(mf) or mf.parents[1].resolve() == root:
            continue
        rel = mf.parents[1]
        (same if mine is not None and _units_of(rel) == mine else other).append(rel)
    return same, other


def programme_releases(publish_dir, restricted_dir=None) -> list[Path]:
    """The other releases of a programme beside ``publish_dir`` (``<output_dir>/<cycle>/publish``):
    the other cycles' ``publish/`` folders under the same output folder that describe the same
    units (:func:`sibling_releases`), and the earlier appendices modelled as they would have been
    published (``<restricted_dir>/earlier_releases/<cycle>``, :mod:`kentaudit.publication.releases`)."""
    out = sibling_releases(publish_dir)[0]
    if restricted_dir is not None:
        out += [f for f in sorted((Path(restricted_dir) / "earlier_releases").glob("*"))
                if _plain_file(f / "csv" / "metadata.json")]
    return out


def _plain_file(path: Path) -> bool:
    """A regular file, not a link to one (never a FIFO, which would block its reader)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def check_publication_cli(path, restricted=None, threshold=None, width=None, earlier=(),
                          source: str | None = None, authority: str | None = None) -> int:
    """``kentaudit check-publication``: print the findings; 1 if any, else 0.

    ``threshold`` and ``width`` are the cycle's (the command line reads them from
    ``--params`` or ``--threshold``/``--width``; None: :data:`DEFAULT_THRESHOLD`,
    :data:`DEFAULT_WIDTH`); ``source`` says where they came from, printed first. Without
    ``earlier``, the programme's other releases found beside ``path``
    (:func:`programme_releases`) are attacked with it, and named."""
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    width = DEFAULT_WIDTH if width is None else width
    print(f"checked with suppression threshold {threshold} and protection width {width} "
          f"({source or 'the defaults of a parameter file: give --params to check a cycle as it was run'})")
    if not earlier:
        earlier = programme_releases(path, restricted)
        if earlier:
            print("attacked with the programme's other releases: " + ", ".join(str(e) for e in earlier))
        unrelated = sibling_releases(path)[1]
        if unrelated:
            print("not combined (other units or areas, or unreadable metadata: not this programme's "
                  "releases): " + ", ".join(_one_line(str(e)) for e in unrelated))
    findings = check_publication(path, restricted_dir=restricted, threshold=threshold, width=width,
                                 earlier=earlier, authority=authority)
    for f in findings:
        print(f)
    if findings:
        print(f"publication check: {len(findings)} finding(s) in {path}")
        return 1
    print(f"publication check: {path} is clean")
    return 0


# ------------------------------------------------------------ figures, p-values, formats
def _svg_marks(path: Path) -> dict:
    """``{element id: ("segment", width px) | ("point", (x px, y px))}`` for ``mark-*`` and
    ``hidden-*`` elements of an SVG drawn by matplotlib."""
    ns = "{http://www.w3.org/2000/svg}"
    out = {}
    root = ET.parse(path).getroot()
    for g in root.iter():
        gid = g.get("id") or ""
        if not (gid.startswith("mark-") or gid.startswith("hidden-")):
            continue
        use = next((u for u in g.iter(f"{ns}use")), None)
        if use is not None and use.get("x") is not None:
            out[gid] = ("point", (float(use.get("x")), float(use.get("y"))))
            continue
        path_el = next((p for p in g.iter(f"{ns}path") if p.get("d")), None)
        if path_el is not None:
            nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", path_el.get("d"))]
            xs = nums[0::2]
            out[gid] = ("segment", max(xs) - min(xs) if xs else 0.0)
    return out


def _published_csv(f: Path) -> pd.DataFrame | None:
    """A published CSV as text cells, or None when it cannot be parsed (a zero-byte or
    truncated copy): the driver already reports that file as ``unreadable``, which fails the
    check; the checks that read tables across the release go on with the others."""
    try:
        return pd.read_csv(f, dtype=str, keep_default_na=False)
    except (ValueError, OSError):
        return None


def _figure_checks(root: Path, meta: dict) -> list[Finding]:
    out = []
    csv = {}
    for f in (root / "csv").glob("*.csv"):
        t = _published_csv(f)
        if t is not None:
            csv[f.stem] = t
    fdir = root / "figures"
    if not fdir.is_dir():
        return out
    for img in sorted(p for p in fdir.iterdir() if p.suffix.lower() in (".svg", ".png")):
        rel = img.relative_to(root).as_posix()
        side = img.with_suffix(".json")
        try:
            fmeta = json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
        except ValueError:
            fmeta = {}
        marks = fmeta.get("marks")
        if img.suffix.lower() == ".png" or not marks:
            out.append(Finding(rel, "-", "figure", "the figure declares no marks traceable to shown table "
                               "cells (draw it from the published tables with kentaudit.publication.figures)"))
            continue
        try:
            geo = _svg_marks(img)
        except Exception as e:  # noqa: BLE001 - an unreadable figure cannot be shown safe
            out.append(Finding(rel, "-", "unreadable", f"{type(e).__name__}: {e}"))
            continue
        declared = {m["id"]: m for m in marks}
        for gid in geo:
            if gid not in declared:
                out.append(Finding(rel, gid, "figure", "a mark the figure's JSON does not declare"))
        seg_ratio = [geo[m["id"]][1] / m["width_percent"] for m in marks
                     if m["kind"] == "segment" and m["id"] in geo and m.get("width_percent")]
        ratio = float(np.median(seg_ratio)) if seg_ratio else None
        for m in marks:
            if m["id"] not in geo:
                out.append(Finding(rel, m["id"], "figure", "a declared mark is missing from the SVG"))
                continue
            t = csv.get(m.get("table"))
            if t is None:
                out.append(Finding(rel, m["id"], "figure", f"draws from table {m.get('table')!r}, which is not published"))
                continue
            if m["kind"] == "hidden_segment":
                tot_row = m["total"]["row"]
                bar = [i for i in range(len(t)) if t.iloc[i].get("sample") == m["bar"] and i != tot_row]
                total = _num(t.at[tot_row, m["total"]["column"]])
                shown = sum(_num(t.at[i, m["total"]["column"]]) or 0 for i in bar)
                if total is None:
                    out.append(Finding(rel, m["id"], "figure", "a bar drawn for a hidden total"))
                elif ratio is not None and abs(geo[m["id"]][1] / ratio - 100 * (total - shown) / total) > 0.6:
                    out.append(Finding(rel, m["id"], "figure", "the suppressed segment's width is not total "
                                       "minus the shown grades"))
                continue
            row = int(m["row"])
            cols = ([m["value"]["column"]] if "value" in m else []) + list(m.get("y", {}).get("columns", []))
            if m.get("y", {}).get("column"):
                cols.append(m["y"]["column"])
            if "column" in m.get("x", {}):
                cols.append(m["x"]["column"])
            if m["kind"] == "segment":
                cols.append(m["total"]["column"])
            for c in dict.fromkeys(cols):
                v = t.at[row, c] if c in t.columns and row < len(t) else None
                if v is None or _num(v) is None:
                    rec = ""
                    if m["kind"] == "segment" and ratio:
                        tot = _num(t.at[int(m["total"]["row"]), m["total"]["column"]])
                        if tot is not None:
                            rec = f"; its geometry gives {geo[m['id']][1] / ratio * tot / 100:.1f}"
                    out.append(Finding(rel, m["id"], "figure",
                                       f"draws {m['table']} row {row + 1} {c}, which the table hides ({v!r}){rec}"))
            if m["kind"] == "segment" and ratio:
                v, tot = _num(t.at[row, m["value"]["column"]]), _num(t.at[int(m["total"]["row"]), m["total"]["column"]])
                if v is not None and tot and abs(geo[m["id"]][1] / ratio - 100 * v / tot) > 0.6:
                    out.append(Finding(rel, m["id"], "figure", f"segment width disagrees with {m['table']} row {row + 1}"))
            if m["kind"] == "point" and m.get("y", {}).get("columns"):
                a, b = (t.at[row, c] if c in t.columns else "" for c in m["y"]["columns"][:2])
                if _num(a) is not None and _num(b):
                    if abs(100 * _num(a) / _num(b) - float(m["y"]["value"])) > 0.05:
                        out.append(Finding(rel, m["id"], "figure", f"plotted value disagrees with {m['table']} row {row + 1}"))
    return out


def _adjust_own(p: np.ndarray, method: str) -> np.ndarray:
    """Holm, Benjamini-Hochberg or Bonferroni adjustment written out here (not the library's)."""
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ps = p[order]
    if method == "bonferroni":
        adj = np.minimum(1.0, ps * m)
    elif method == "holm":
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * ps))
    elif method == "fdr_bh":
        adj = np.minimum(1.0, np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1])
    else:
        return np.full(m, np.nan)
    out = np.empty(m)
    out[order] = adj
    return out


def _p_range(s: str) -> tuple[float, float] | None:
    """The p-values a published cell allows: ``<0.001`` is [0, 0.001], ``0.047`` is 0.047 give or
    take half its last digit; None for a hidden or empty cell."""
    s = str(s).strip().replace(" ", "")
    if s.startswith("<"):
        v = _num(s[1:])
        return None if v is None else (0.0, v)
    v = _num(s)
    if v is None:
        return None
    half = 0.5 * 10 ** (-(len(s.split(".")[1]) if "." in s else 0))
    return max(0.0, v - half), min(1.0, v + half)


def _pvalue_checks(root: Path, meta: dict) -> list[Finding]:
    """Adjusted p-values against the families the metadata states (``adjusted_p_values``):
    where every raw p-value of a family is shown, each adjusted value is the stated method's
    adjustment of them (within
    rounding). Families with hidden rows are the attack's (``attack._adjusted_p_attack``).
    (Rows outside every stated family are not checked here: the spec's families leave out
    rows whose raw p-value was not computed, e.g. the appendix fake's.)"""
    out = []
    for tm in meta.get("tables", []):
        adjs = tm.get("adjusted_p_values") or {}
        if not adjs:
            continue
        f = root / "csv" / f"{tm['id']}.csv"
        t = _published_csv(f) if f.exists() else None
        if t is None:
            continue
        rel = f"csv/{tm['id']}.csv"
        for col, a in adjs.items():
            raw, fams = a.get("raw"), a.get("families")
            if fams is None or raw not in t.columns or col not in t.columns:
                out.append(Finding(rel, col, "derived", "adjusted p-values with no stated family"))
                continue
            in_fam = set()
            for fam in fams:
                rows = [int(r) for r in fam["rows"]]
                in_fam.update(rows)
                ranges = [_p_range(t.at[r, raw]) for r in rows]
                if any(x is None for x in ranges):
                    continue  # hidden rows: the attack tries every value they could have
                lo = _adjust_own(np.array([x[0] for x in ranges]), a.get("method", "holm"))
                hi = _adjust_own(np.array([x[1] for x in ranges]), a.get("method", "holm"))
                for r, lo_r, hi_r in zip(rows, lo, hi):
                    got = _p_range(t.at[r, col])
                    if got is None or np.isnan(lo_r):
                        continue
                    if got[1] < lo_r - 1e-9 or got[0] > hi_r + 1e-9:
                        out.append(Finding(rel, f"line {r + 2}, column {col!r}", "derived",
                                           f"adjusted p-value {t.at[r, col]} is not the {a.get('method')} "
                                           f"adjustment of its family's p-values ({lo_r:.4f} to {hi_r:.4f})"))
    return out


def _cross_format(by_format: dict) -> list[Finding]:
    out = []
    csv = by_format.get("csv", {})
    for fmt, tables in by_format.items():
        if fmt == "csv":
            continue
        for key, t in tables.items():
            tid = str(key).split("#")[0]  # the table a part ("T16#3", its second part) belongs to
            c = csv.get(tid)
            if c is None or len(c.cells) != len(t.cells):
                continue
            # columns matched by name (a reader's view may leave out or reorder columns,
            # e.g. the criterion code beside its description); by position otherwise
            cidx = {n: k for k, n in enumerate(c.names)}
            pairs = ([(cidx[n], j) for j, n in enumerate(t.names) if n in cidx]
                     if any(n in cidx for n in t.names) else [(j, j) for j in range(len(t.names))])
            for i, (ra, rb) in enumerate(zip(c.cells, t.cells)):
                for ja, j in pairs:
                    if ja >= len(ra) or j >= len(rb):
                        continue
                    a, b = str(ra[ja]).strip(), str(rb[j]).strip()
                    if a == SUPPRESSED and b not in (SUPPRESSED, ""):
                        out.append(Finding(t.file, t.where(i, j), "derived",
                                           f"shows {b!r} where csv/{tid}.csv hides the cell: recovered {b}"))
                    elif b == SUPPRESSED and a not in (SUPPRESSED, ""):
                        out.append(Finding(t.file, t.where(i, j), "derived",
                                           f"hides a cell csv/{tid}.csv shows: recovered {a}"))
    return out
