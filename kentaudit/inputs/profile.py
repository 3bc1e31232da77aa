"""An authority's profile: its name, its words and its reference tables.

Everything authority-specific (the authority's name, what it calls its units and areas,
its units table, its criteria catalogue and grade scales) comes from one YAML file that
a cycle's parameter file names with ``profile:``. Kent's is the bundled example
(``kentaudit/data/profiles/kent.yaml``) and the default when no profile is named.
The format is documented in ``docs/profile.md``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from kentaudit.core.errors import InputError
from kentaudit.core.safeio import read_regular_text
from kentaudit.core.textpolicy import text_problem

__all__ = ["PROFILE_KEYS", "WORD_KEYS", "Profile", "Words", "bundled_profile", "load_profile"]

#: Keys of a profile file (``docs/profile.md``); the first three are required.
PROFILE_KEYS = ("profile_version", "name", "short_name", "words", "units", "criteria", "grade_scales")
_REQUIRED = ("profile_version", "name", "short_name", "words", "units")
#: Keys of ``words:``; ``unit`` and ``area`` are required, plurals default to the regular English plural.
WORD_KEYS = ("unit", "units", "area", "areas", "population")
_RULE = "profile"


@dataclass(frozen=True)
class Words:
    """The authority's words for what kentaudit compares (from its profile).

    Every sentence, title, label and row name a reader sees is built from these, never
    from a word written into the code: ``Words(authority="Kent", unit="district")``
    gives "rest of Kent", "All districts", "District".
    """

    authority: str
    unit: str = "unit"
    units: str = "units"
    area: str = "area"
    areas: str = "areas"
    population: str = "children whose case files were audited"

    @property
    def Unit(self) -> str:
        """``unit`` capitalised for a heading ("District")."""
        return _cap(self.unit)

    @property
    def Units(self) -> str:
        """``units`` capitalised ("Districts")."""
        return _cap(self.units)

    @property
    def Area(self) -> str:
        """``area`` capitalised ("Area")."""
        return _cap(self.area)

    @property
    def rest(self) -> str:
        """The comparison group of a unit or an area: "rest of Kent"."""
        return f"rest of {self.authority}"

    @property
    def Rest(self) -> str:
        """"Rest of Kent", as a group's name in a table."""
        return f"Rest of {self.authority}"

    @property
    def all_units(self) -> str:
        """The row of every unit in an area or the authority: "All districts"."""
        return f"All {self.units}"


def _plural(word: str) -> str:
    """The regular English plural of the last word ("locality" -> "localities", "team" -> "teams");
    a profile names an irregular one in ``words.units`` / ``words.areas``."""
    if len(word) > 1 and word.endswith("y") and word[-2].lower() not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class Profile:
    """An authority's profile (``docs/profile.md``).

    ``units``, ``criteria`` and ``grade_scales`` are absolute paths of the reference
    tables (None: the bundled table of that kind); ``source`` the profile file and
    ``sha256`` its hash (recorded with a run's inputs).
    """

    name: str
    short_name: str
    words: Words
    units: Path | None
    criteria: Path | None
    grade_scales: Path | None
    source: Path
    sha256: str

    def to_dict(self) -> dict:
        """JSON-serialisable summary (recorded in the manifest and the metadata)."""
        w = self.words
        return {"name": self.name, "short_name": self.short_name,
                "words": {k: getattr(w, k) for k in WORD_KEYS},
                "units": str(self.units) if self.units else None,
                "criteria": str(self.criteria) if self.criteria else None,
                "grade_scales": str(self.grade_scales) if self.grade_scales else None,
                "source": str(self.source), "sha256": self.sha256}


def bundled_profile() -> Profile:
    """Kent's profile, bundled as the example and used when a cycle names none."""
    return load_profile(Path(str(resources.files("kentaudit") / "data" / "profiles" / "kent.yaml")))


def load_profile(path: str | Path) -> Profile:
    """Read and validate an authority profile.

    Raises
    ------
    InputError
        Naming the file, the key (as ``column``), the value and the rule ``profile`` for
        an unknown or missing key, a value of the wrong kind, a text the text policy
        refuses, or a table file that does not exist.
    """
    return _load(str(Path(path).resolve()))


@lru_cache(maxsize=16)
def _load(where: str) -> Profile:
    path = Path(where)
    raw_text = read_regular_text(where, rule=_RULE)
    try:
        data = yaml.safe_load(raw_text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"not a readable YAML file{at}.", file=where, rule=_RULE) from None
    if not isinstance(data, dict):
        raise InputError("a profile is a mapping of keys (docs/profile.md).", file=where, rule=_RULE)

    def fail(key, message, value=None):
        raise InputError(message, file=where, column=key, value=value, rule=_RULE)

    for k in data:
        if k not in PROFILE_KEYS:
            fail(k, f"unknown key; allowed keys: {', '.join(PROFILE_KEYS)}.", k)
    for k in _REQUIRED:
        if k not in data:
            fail(k, "required key is missing.")
    if data["profile_version"] != 1:
        fail("profile_version", "this kentaudit reads profile_version 1.", data["profile_version"])

    def text(key, v, kind="name"):
        if not isinstance(v, str) or not v.strip():
            fail(key, "must be a non-empty text.", v)
        problem = text_problem(v, kind)
        if problem:
            raise InputError(f"{key} {problem[1]}.", file=where, column=key, value=v, rule=problem[0])
        return " ".join(v.split())

    name = text("name", data["name"])
    short = text("short_name", data["short_name"])
    raw = data["words"]
    if not isinstance(raw, dict):
        fail("words", f"must be a mapping with keys {', '.join(WORD_KEYS)}.", raw)
    for k in raw:
        if k not in WORD_KEYS:
            fail(f"words.{k}", f"unknown key; allowed keys: {', '.join(WORD_KEYS)}.", k)
    for k in ("unit", "area"):
        if k not in raw:
            fail(f"words.{k}", "required key is missing.")
    w = {k: text(f"words.{k}", raw[k], "label") for k in raw}
    w.setdefault("units", _plural(w["unit"]))
    w.setdefault("areas", _plural(w["area"]))
    words = Words(authority=short, **w)

    def table(key):
        v = data.get(key)
        if v is None:
            return None
        if not isinstance(v, str):
            fail(key, "must be the path of a CSV table, relative to the profile's folder.", v)
        p = (path.parent / v).resolve()
        if not p.is_file():
            fail(key, f"table file not found: {p}", v)
        return p

    return Profile(name=name, short_name=short, words=words, units=table("units"),
                   criteria=table("criteria"), grade_scales=table("grade_scales"), source=path,
                   sha256=hashlib.sha256(raw_text.encode("utf-8")).hexdigest())
