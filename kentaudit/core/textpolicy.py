"""The one text policy: what a label, name, code, date or parameter must be to reach an output.

Every text that kentaudit publishes (criterion labels, district and area names, team
names, the cover's producer, contact and dates, audit ids) comes from an input file.
It is checked once, where it comes in (``inputs/params.py``, ``inputs/reference.py``,
``inputs/ingest.py``), so every writer (HTML, XLSX, ODS, CSV, PDF) sees only text that
obeys this policy; a value breaking it is refused with a message naming the file, row,
column, value and rule (``docs/data-dictionary.md``, "Text policy"). Nothing is changed
silently: a value is accepted as it is, or refused.

Rules (each a ``rule`` id of :class:`~kentaudit.core.errors.InputError`):

``bidi_control``
    a bidirectional control (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C): it
    reorders the text a reader sees ("Trojan Source", CVE-2021-42574), so a label can show
    one thing and hold another.
``invisible_character``
    any other format character (Unicode category Cf: zero-width space, joiners, word
    joiner, U+FEFF, soft hyphen, ...), a control character (Cc: tab, line feed, NUL, ...),
    a line or paragraph separator, a surrogate or a private-use character, or any other
    default-ignorable code point (:data:`IGNORABLE`: the combining grapheme joiner U+034F,
    Hangul fillers, variation selectors, tag characters) or noncharacter (U+FFFF): invisible or shown differently
    by each format, so two labels that look alike can differ.
``confusable_text``
    text that shows other text than it holds: a word mixing letters of scripts that look
    alike (Latin with Cyrillic, Greek, Armenian or Cherokee: ``Аshford`` with a Cyrillic
    ``А`` looks like ``Ashford`` and is another name), more than :data:`MAX_STACKED_MARKS`
    combining marks on one letter (they pile up over the text around them), or the
    replacement character U+FFFD (``�``: the text was damaged by a wrong decoding); in an
    identifier, a dash other than ``-`` or a space other than the ASCII space (``A2009‑0003``
    with a non-breaking hyphen looks like ``A2009-0003``).
``text_too_long``
    longer than the limit of its kind (:data:`LIMITS`), the same in every format and far
    below the 32,767 characters an XLSX cell holds, so no format cuts a value another
    shows whole.
``blank``
    empty or only spaces.
``unsafe_code``
    a code (a district code: it names files and folders) not made of ASCII letters,
    digits, ``_`` and ``-`` (so no ``/``, ``..``, spaces or other scripts), longer than
    :data:`MAX_CODE`, or a name Windows reserves for a device (``CON``, ``NUL``, ``COM1``...).
``not_a_date`` / ``date_range``
    a date not written ``YYYY-MM-DD`` in ASCII digits (full-width or other digits are
    named as such, with what NFKC normalisation would read), not a real calendar day
    (``2009-02-30``), or outside its range.

Why written here rather than taken from a library: the rules are a handful of Unicode
category tests (:mod:`unicodedata`, :meth:`str.isprintable`, :func:`unicodedata.normalize`)
and what matters is the one place and the one message; no maintained library states
this policy for statistical outputs.

References
----------
.. [1] Unicode Standard Annex #9, "Unicode Bidirectional Algorithm", explicit formatting
   characters, https://www.unicode.org/reports/tr9/
.. [2] N. Boucher and R. Anderson, "Trojan Source: Invisible Vulnerabilities", 2021
   (CVE-2021-42574).
.. [3] Unicode Technical Standard #39, "Unicode Security Mechanisms".
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata

from kentaudit.core.errors import InputError

__all__ = ["LIMITS", "MAX_CODE", "MAX_STACKED_MARKS", "IGNORABLE", "BIDI_CONTROLS", "CODE_RE", "text_problem", "check_text", "check_code",
           "code_problem", "match_key", "confusable_key", "shown", "date_problem", "check_date", "TEXT_RULES"]

#: Longest text of each kind, in characters (the same in every output format):
#: ``label`` (a criterion label, a title, a producer, a next-update note),
#: ``name`` (a district, area, team or contact name, an email address),
#: ``identifier`` (an audit id, an auditor code) and ``text`` (free text that is published).
LIMITS = {"label": 200, "name": 100, "identifier": 64, "text": 2000}
#: Longest code (a district code).
MAX_CODE = 32
#: A code: ASCII letters, digits, ``_`` and ``-`` only (so never ``/``, ``.`` or ``..``).
CODE_RE = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)

#: The bidirectional controls of Unicode (UAX #9): embeddings, overrides, isolates and marks.
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
#: Default-ignorable code points (Unicode DerivedCoreProperties, Default_Ignorable_Code_Point)
#: that are not of a refused category: shown as nothing, yet they make two texts differ.
IGNORABLE = frozenset([0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, *range(0x180B, 0x1810), 0x3164,
                       *range(0xFE00, 0xFE10), 0xFFA0, *range(0xFFF0, 0xFFF9), *range(0x1BCA0, 0x1BCA4),
                       *range(0x1D173, 0x1D17B), *range(0xE0000, 0xE1000)])
#: Most combining marks one letter may carry (Vietnamese needs two; "Zalgo" text piles up dozens).
MAX_STACKED_MARKS = 4
#: Scripts whose letters look alike: a word mixing two of them is a confusable (UTS #39).
_LOOKALIKE_SCRIPTS = frozenset(["LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"])
_WORD = re.compile(r"\w+")
#: Categories refused anywhere in a label, name or identifier (``Cn``, unassigned, is not
#: refused: a character newer than this Python's Unicode tables would be refused on one
#: machine and accepted on another).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}

#: Every rule of this policy, with its meaning (``docs/data-dictionary.md`` lists them).
TEXT_RULES = {
    "bidi_control": "A bidirectional control character (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, "
                    "U+061C) in a label, name, code or parameter.",
    "invisible_character": "A zero-width, format (Cf), control (Cc), separator (Zl/Zp), surrogate or "
                           "private-use character in a label, name, code or parameter.",
    "confusable_text": "A label, name, code or parameter showing other text than it holds: a word mixing "
                       "letters of look-alike scripts (Latin with Cyrillic, Greek, Armenian or Cherokee), more "
                       "than 4 combining marks on one letter, the replacement character U+FFFD (damaged by a "
                       "wrong decoding), or in an identifier a dash other than - or a space other than the ASCII "
                       "space.",
    "text_too_long": "A label, name, identifier or text longer than its limit (labels 200, names 100, "
                     "identifiers 64, free text 2,000 characters).",
    "blank": "A label, name or code that is empty or only spaces.",
    "unsafe_code": "A code not made of ASCII letters, digits, _ and - (at most 32 characters), or a Windows "
                   "device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9).",
    "not_a_date": "A date not written YYYY-MM-DD in ASCII digits, or not a real calendar day.",
    "date_range": "A date outside its allowed range.",
}


def shown(value, limit: int = 60) -> str:
    """``value`` as it can be printed safely in a message: every refused character written
    as its code point (``<U+202E>``), cut to ``limit`` characters with the full length said.

    A message quoting a hostile value must not itself reorder the terminal's text or run
    to a megabyte.
    """
    s = str(value)
    n = len(s)
    cut = s[:limit]
    out = "".join(f"<U+{ord(ch):04X}>" if _refused(ch) else ch for ch in cut)
    return out + (f"... ({n:,} characters)" if n > limit else "")


def _refused(ch: str) -> bool:
    return (ord(ch) in BIDI_CONTROLS or ord(ch) in IGNORABLE or _noncharacter(ch)
            or unicodedata.category(ch) in _REFUSED_CATEGORIES)


def _noncharacter(ch: str) -> bool:
    """One of the 66 code points Unicode keeps forever as noncharacters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF)."""
    o = ord(ch)
    return 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE


def _lookalike_dash(value: str) -> str | None:
    """Why an identifier shows a ``-`` or a space it does not hold (another dash or space), or None:
    ``A2009‑0003`` with U+2011 is another id than ``A2009-0003`` and looks the same."""
    for i, ch in enumerate(value):
        if (unicodedata.category(ch) == "Pd" and ch != "-") or (unicodedata.category(ch) == "Zs" and ch != " "):
            plain = "-" if unicodedata.category(ch) == "Pd" else "a space"
            return (f"holds U+{ord(ch):04X} {unicodedata.name(ch, '')} at character {i + 1}, which shows as "
                    f"{plain!r} and is another character, so the id looks like another; write {plain!r}")
    return None


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _confusable(value: str) -> str | None:
    """Why ``value`` (not ASCII) shows other text than it holds (``confusable_text``), or None."""
    if "\ufffd" in value:
        return ("holds the replacement character U+FFFD, left where a wrong decoding lost a character; "
                "read the file in its own encoding and write the character meant")
    marks = 0
    for i, ch in enumerate(value):
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            marks += 1
            if marks > MAX_STACKED_MARKS:
                return (f"stacks more than {MAX_STACKED_MARKS} combining marks on one letter (at character "
                        f"{i + 1}): they are drawn over the text around them; remove them")
        else:
            marks = 0
    for word in _WORD.findall(value):
        if word.isascii():
            continue
        scripts = {_script(ch) for ch in word if ch.isalpha()} & _LOOKALIKE_SCRIPTS
        if len(scripts) > 1:
            who = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, '')}" for ch in word
                            if ch.isalpha() and _script(ch) in scripts and _script(ch) != "LATIN")[:120]
            return (f"mixes {' and '.join(sorted(scripts))} letters in the word {shown(word, 40)!r} ({who}): it "
                    "looks like another word and is not; write it in one script")
    return None


def text_problem(value: str, kind: str) -> tuple[str, str] | None:
    """The first rule ``value`` breaks as a text of ``kind`` (:data:`LIMITS`), or None.

    Returns
    -------
    tuple of (rule, message) or None
        ``rule`` is one of :data:`TEXT_RULES`; ``message`` names the character (code point
        and Unicode name) or the length and the limit.
    """
    limit = LIMITS[kind]
    if not value.strip():
        return "blank", "is blank"
    # str.isprintable() is False exactly for categories C* and Z* other than the ASCII
    # space: one C-speed pass for the common case, then the first culprit found
    if not value.isprintable():
        for i, ch in enumerate(value):
            if ord(ch) in BIDI_CONTROLS:
                return "bidi_control", (f"holds the bidirectional control U+{ord(ch):04X} "
                                        f"{unicodedata.name(ch, '')} at character {i + 1}: it reorders "
                                        "what a reader sees; remove it")
            if unicodedata.category(ch) in _REFUSED_CATEGORIES:
                return "invisible_character", (f"holds the invisible or control character U+{ord(ch):04X} "
                                               f"{unicodedata.name(ch, '(unnamed)')} at character {i + 1}; "
                                               "remove it")
    if not value.isascii():
        for i, ch in enumerate(value):
            if ord(ch) in IGNORABLE or _noncharacter(ch):
                return "invisible_character", (f"holds the invisible (default-ignorable or noncharacter) character U+{ord(ch):04X} "
                                               f"{unicodedata.name(ch, '(unnamed)')} at character {i + 1}; remove it")
        why = _confusable(value) or (_lookalike_dash(value) if kind == "identifier" else None)
        if why is not None:
            return "confusable_text", why
    if len(value) > limit:
        return "text_too_long", (f"is {len(value):,} characters long; a {kind} may have at most {limit:,} "
                                 "(the same limit in every output format)")
    return None


def check_text(value: str, *, kind: str, file=None, row=None, column=None) -> str:
    """``value`` if it obeys the policy for ``kind``, else :class:`InputError` naming
    ``file``, ``row``, ``column``, the value (:func:`shown`) and the rule."""
    p = text_problem(value, kind)
    if p is not None:
        raise InputError(f"the {kind} {p[1]}.", file=file, row=row, column=column, value=shown(value),
                         rule=p[0])
    return value


def code_problem(value: str) -> tuple[str, str] | None:
    """The rule a code breaks (bidi or invisible characters first, then :data:`CODE_RE`), or None."""
    p = text_problem(value, "identifier")
    if p is not None and p[0] != "text_too_long":
        return p
    if not CODE_RE.fullmatch(value.strip()) or len(value.strip()) > MAX_CODE:
        return "unsafe_code", (f"a code must be 1 to {MAX_CODE} ASCII letters, digits, '_' or '-' (it names "
                               "files and folders: no '/', '.', spaces or other scripts)")
    if value.strip().upper() in _DEVICE_NAMES:
        return "unsafe_code", (f"{value.strip()!r} is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, "
                               "LPT1-9), where a file or folder of that name cannot be made; choose another code")
    return None


#: Names Windows reserves for devices in every folder (any case, any extension).
_DEVICE_NAMES = frozenset(["CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                           *(f"LPT{i}" for i in range(1, 10))])


def check_code(value: str, *, file=None, row=None, column=None) -> str:
    """``value`` stripped if it is a safe code (:func:`code_problem`), else :class:`InputError`."""
    p = code_problem(value)
    if p is not None:
        raise InputError(f"{p[1]}.", file=file, row=row, column=column, value=shown(value), rule=p[0])
    return value.strip()


def match_key(text: str) -> str:
    """The one key under which a name or code typed by a person is matched: case folded,
    ``&`` read as ``and``, runs of spaces, ``_`` and ``-`` as one ``_``, ends stripped.

    ``"THA"``, ``"tha"`` and ``" Tha "`` share a key; so do ``"Tunbridge Wells"`` and
    ``"tunbridge-wells"``. Two entries of a reference table that share a key are refused
    (``inputs/reference.py``), so every key names at most one entry.
    """
    return re.sub(r"[\s_\-]+", "_", str(text).strip().casefold().replace("&", "and")).strip("_")


#: Same-script look-alikes folded by :func:`confusable_key`: the ASCII part of the skeleton of
#: Unicode Technical Standard #39 (confusables.txt), the pairs a reader of a code or name cannot
#: tell apart in a sans-serif font. Single characters are folded before case folding (``I`` looks
#: like ``l``, ``i`` does not); the sequences after it (``RN`` and ``rn`` both read as ``m``).
LOOKALIKE_CHARACTERS = {"I": "l", "1": "l", "|": "l", "0": "O"}
LOOKALIKE_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def confusable_key(text: str) -> str:
    """:func:`match_key` of the text's confusable skeleton: its compatibility form (Unicode
    NFKC: full-width letters, ligatures and other compatibility characters read as the letters
    they show, ``"Ｔｈａｎｅｔ"`` shares ``"thanet"``'s key) with same-script look-alikes folded
    as UTS #39's skeleton folds them (:data:`LOOKALIKE_CHARACTERS`, :data:`LOOKALIKE_SEQUENCES`:
    ``"RNB"`` and ``"MB"``, ``"AIO"``, ``"Al0"`` and ``"A1O"`` share a key).

    Used to refuse two entries of a reference table that a reader could not tell apart; never
    to resolve a value (an export's ``Ｔｈａｎｅｔ`` or ``DOVEP`` is not read as anything: nothing
    is guessed).
    """
    folded = "".join(LOOKALIKE_CHARACTERS.get(c, c) for c in unicodedata.normalize("NFKC", str(text)))
    key = match_key(folded)
    for seq, one in LOOKALIKE_SEQUENCES:
        key = key.replace(seq, one)
    return key


_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)


def date_problem(value: str, *, earliest: _dt.date | None = None, latest: _dt.date | None = None,
                 what: str = "date") -> tuple[str, str] | None:
    """The rule a date written ``YYYY-MM-DD`` breaks, or None (see :func:`check_date`)."""
    text = str(value).strip()
    if not _ISO.fullmatch(text):
        # NFKC maps full-width digits and hyphens; other scripts' decimal digits (Arabic-Indic,
        # Devanagari, ...) are read by their Unicode decimal value: named, never used
        nfkc = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch
                       for ch in unicodedata.normalize("NFKC", text))
        if nfkc != text and _ISO.fullmatch(nfkc):
            return "not_a_date", (f"is written with full-width or other non-ASCII digits (NFKC reads "
                                  f"it as {nfkc}); write the {what} in ASCII digits, YYYY-MM-DD")
        return "not_a_date", "must be a date written YYYY-MM-DD in ASCII digits"
    try:
        d = _dt.date.fromisoformat(text)
    except ValueError as e:
        return "not_a_date", f"is not a real calendar date ({e})"
    if earliest is not None and d < earliest:
        return "date_range", f"{d} is before {earliest}, the earliest {what} allowed"
    if latest is not None and d > latest:
        return "date_range", f"{d} is after {latest}, the latest {what} allowed"
    return None


def check_date(value: str, *, earliest: _dt.date | None = None, latest: _dt.date | None = None,
               what: str = "date", file=None, row=None, column=None) -> _dt.date:
    """The date ``value`` (``YYYY-MM-DD``, ASCII digits, a real day from ``earliest`` to
    ``latest``), else :class:`InputError` naming the value and the rule."""
    p = date_problem(value, earliest=earliest, latest=latest, what=what)
    if p is not None:
        raise InputError(f"the {what} {p[1]}.", file=file, row=row, column=column, value=shown(value),
                         rule=p[0])
    return _dt.date.fromisoformat(str(value).strip())
