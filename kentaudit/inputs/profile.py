"""An authority's profile: its name, its words and its reference tables.

Everything authority-specific (the authority's name, what it calls its units and areas,
its units table, its criteria catalogue and grade scales) comes from one YAML file that
a cycle's parameter file names with ``profile:``. Kent's is the bundled example
(``kentaudit/data/profiles/kent.yaml``) and the default when no profile is named.
The format is documented in ``docs/profile.md``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from kentaudit.core.errors import InputError
from kentaudit.core.safeio import read_regular_text
from kentaudit.core.textpolicy import text_problem
from kentaudit.inputs.mapping import safe_yaml

__all__ = [
    "CYCLE_STYLES",
    "PARTIAL_RULES",
    "PROFILE_KEYS",
    "SAMPLE_DESIGNS",
    "WORD_KEYS",
    "AgeBand",
    "Answers",
    "Profile",
    "Sample",
    "Words",
    "bundled_profile",
    "compliance_answers",
    "cycle_id",
    "part_of_year",
    "cycle_year",
    "load_profile",
    "next_cycle",
    "plural",
]

#: Keys of a profile file (``docs/profile.md``); those of ``_REQUIRED`` are required, the others
#: default to Kent's values (the bundled example) so that a short profile is enough to start.
PROFILE_KEYS = ("profile_version", "name", "short_name", "words", "units", "criteria", "grade_scales",
                "answers", "domains", "graded_domains", "grade_best", "samples", "case_types",
                "plan_case_type", "plan_categories", "age_bands", "record_sources", "evidence", "cycles",
                "text")
#: How a partial answer counts in a compliance proportion (``answers.partial.counts_as``).
PARTIAL_RULES = ("no", "yes", "excluded")
#: How cycles are labelled (``cycles``): ``year`` "2009"; ``financial_year`` "2025/26" (1 April to 31 March).
CYCLE_STYLES = ("year", "financial_year")
#: A sample's design (``samples.<name>.design``).
SAMPLE_DESIGNS = ("random", "purposive")
_TEXT_KEYS = ("scope", "source", "publication")
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


def plural(word: str) -> str:
    """The regular English plural of the last word ("locality" -> "localities", "team" -> "teams");
    a profile names an irregular one in ``words.units`` / ``words.areas``."""
    if len(word) > 1 and word.endswith("y") and word[-2].lower() not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


_plural = plural


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class Answers:
    """The answer scheme of the criteria (``answers:`` of a profile).

    ``labels`` maps each code to its label: ``Y``, ``N`` and ``NA`` (not applicable) always,
    and the partial answer's code where the form has one (``partial``, e.g. ``P``
    "Partially"). A partial answer is kept as its own code in the data; ``partial_counts_as``
    (``no``, ``yes`` or ``excluded``) states how it counts in a compliance proportion
    (:func:`compliance_answers`).
    """

    labels: dict
    partial: str | None = None
    partial_counts_as: str = "excluded"

    @property
    def codes(self) -> tuple:
        """Every answer code, ``Y``, ``N``, ``NA`` then the partial one."""
        return tuple(self.labels)


@dataclass(frozen=True)
class Sample:
    """A sample of the authority's audit programme: its design (``random`` or ``purposive``)
    and, where the design names them, the records the auditors read (``electronic``,
    ``comprehensive``, ...; None: not part of the design)."""

    name: str
    design: str
    records: str | None = None
    label: str | None = None
    #: the sample whose cases this one audits again (Kent's ``reaudit`` repeats ``initial``,
    #: paired by case); None for a sample of its own cases
    repeats: str | None = None
    #: how a sentence names the sample's cases ("the additional random sample"); None: from the label
    phrase: str | None = None
    #: the main sample this random one was drawn to extend (Kent's ``extended`` extends ``initial``:
    #: further cases drawn at random beside the cases chosen on purpose, the two together one
    #: sample); None: a sample of its own programme, never compared as an extension
    extends: str | None = None

    @property
    def said(self) -> str:
        """The sample in a sentence: its ``phrase``, else "the " and its label ("the themed audit"),
        else "the <name> sample"."""
        if self.phrase:
            return self.phrase
        if self.label:
            return "the " + (self.label if self.label[:2].isupper() else self.label[:1].lower() + self.label[1:])
        return f"the {self.name} sample"


@dataclass(frozen=True)
class AgeBand:
    """An age band: its code, label and the whole years it covers (``low``..``high``
    inclusive; both None for a band with no age, such as ``unborn``)."""

    code: str
    label: str
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class Profile:
    """An authority's profile (``docs/profile.md``).

    ``units``, ``criteria`` and ``grade_scales`` are absolute paths of the reference
    tables (None: the bundled table of that kind); ``source`` the profile file and
    ``sha256`` its hash (recorded with a run's inputs). The closed sets of the audit
    record (samples, case types, plan categories, age bands, record sources, answer codes,
    graded domains) come from the profile; a key the file leaves out takes the bundled
    example's value (``docs/profile.md``).
    """

    name: str
    short_name: str
    words: Words
    units: Path | None
    criteria: Path | None
    grade_scales: Path | None
    source: Path
    sha256: str
    answers: Answers = field(default_factory=lambda: Answers({"Y": "Yes", "N": "No", "NA": "Not applicable"}))
    domains: tuple | None = None
    graded_domains: tuple | None = None
    grade_best: str = "lowest"
    samples: tuple = ()
    case_types: dict = field(default_factory=dict)
    plan_case_type: str | None = None
    plan_categories: dict = field(default_factory=dict)
    age_bands: tuple = ()
    record_sources: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    cycles: str = "year"
    text: dict = field(default_factory=dict)

    @property
    def sample_names(self) -> tuple:
        """The names of the samples, in the profile's order."""
        return tuple(s.name for s in self.samples)

    @property
    def main_samples(self) -> tuple:
        """The samples of the cycle's main results: every sample that does not repeat another's cases."""
        return tuple(s.name for s in self.samples if s.repeats is None)

    @property
    def random_samples(self) -> tuple:
        """The samples drawn at random (the same design in every unit)."""
        return tuple(s.name for s in self.samples if s.design == "random")

    @property
    def extension(self) -> tuple | None:
        """``(chosen, extra)``: the first sample that ``extends:`` another (``extra``, drawn at
        random) and the sample it extends (``chosen``), else None. The initial-versus-extended
        comparison is run only for a design the profile declares, never for any pair of a
        sample chosen on purpose and a random one (they may be independent programmes)."""
        return next(((s.extends, s.name) for s in self.samples if s.extends), None)

    def no_extension_reason(self, authority: str | None = None) -> str | None:
        """Why the comparison of a sample with the cases drawn to extend it is not run, in words,
        else None (a sample ``extends:`` another): "no sample of Aldmere extends another
        (profile: samples.random_monthly_audit.extends)". ``authority``: the name readers know
        (default ``short_name``)."""
        if self.extension is not None:
            return None
        rand = [s.name for s in self.samples if s.design == "random" and s.repeats is None]
        key = f"samples.{rand[0]}.extends" if rand else "samples.<name>.extends"
        return f"no sample of {authority or self.short_name} extends another (profile: {key})"

    @property
    def record_source_required(self) -> bool:
        """Whether audits must say which records were read: only where a sample's design names
        them (Kent's 2009 electronic-versus-comprehensive design)."""
        return any(s.records for s in self.samples)

    def to_dict(self) -> dict:
        """JSON-serialisable summary (recorded in the manifest and the metadata)."""
        w = self.words
        return {"name": self.name, "short_name": self.short_name,
                "words": {k: getattr(w, k) for k in WORD_KEYS},
                "units": str(self.units) if self.units else None,
                "criteria": str(self.criteria) if self.criteria else None,
                "grade_scales": str(self.grade_scales) if self.grade_scales else None,
                "answers": {"labels": dict(self.answers.labels), "partial": self.answers.partial,
                            "partial_counts_as": self.answers.partial_counts_as},
                "graded_domains": list(self.graded_domains or ()), "grade_best": self.grade_best,
                "samples": {s.name: {"design": s.design, "records": s.records, "repeats": s.repeats,
                                     **({"extends": s.extends} if s.extends else {})}
                            for s in self.samples},
                "cycles": self.cycles, "source": str(self.source), "sha256": self.sha256}


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
    data = safe_yaml(raw_text, where, _RULE)
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

    criteria = table("criteria")
    grade_scales = table("grade_scales")
    defaults = {} if path == _BUNDLED_PATH else _bundled_data()

    def opt(key):
        return data[key] if key in data else defaults.get(key)

    def ident(key, v):
        if not isinstance(v, str) or not _CODE.fullmatch(v):
            fail(key, "must be a code: lower-case ASCII letters, digits, '_' and '-', starting with a letter "
                      "or digit (it is stored in the data and may name a column).", v)
        return v

    def coded(key, raw, *, labels=True):
        """A mapping code -> label (or a list of codes, each its own label)."""
        if isinstance(raw, list):
            raw = {c: c for c in raw}
        if not isinstance(raw, dict) or not raw:
            fail(key, "must be a non-empty mapping of code: label (or a list of codes).", raw)
        return {ident(f"{key}.{c}", str(c)): text(f"{key}.{c}", str(lab), "label") for c, lab in raw.items()}

    answers = _answers(opt("answers") or {}, fail, text)
    if "domains" in data or "criteria" not in data:
        domains = tuple(coded("domains", opt("domains")))
    else:  # the profile's own catalogue names its domains, in order of first appearance
        domains = _catalogue_domains(criteria) if criteria is not None else ()
    # an empty list: only the overall grade is given (no domain is graded)
    graded = (tuple(coded("graded_domains", data["graded_domains"])) if data["graded_domains"] else ()) \
        if "graded_domains" in data else (
        domains if ("domains" in data or "criteria" in data) else tuple(coded("graded_domains",
                                                                              opt("graded_domains"))))
    for d in graded:
        if d not in domains:
            fail("graded_domains", f"{d!r} is not one of domains ({', '.join(domains)}).", d)
    best = opt("grade_best") or "lowest"
    if best not in ("lowest", "highest"):
        fail("grade_best", "must be lowest (grade 1 is best) or highest (the highest grade is best).", best)
    samples = _samples(opt("samples"), fail, ident, text)
    case_types = coded("case_types", opt("case_types"))
    plan = opt("plan_case_type")
    if plan is not None and plan not in case_types:
        fail("plan_case_type", f"must be one of case_types ({', '.join(case_types)}).", plan)
    plan_categories = coded("plan_categories", opt("plan_categories")) if opt("plan_categories") else {}
    age_bands = _age_bands(opt("age_bands"), fail, ident, text)
    record_sources = coded("record_sources", opt("record_sources")) if opt("record_sources") else {}
    for smp in samples:
        if smp.records is not None and smp.records not in record_sources:
            fail(f"samples.{smp.name}.records", f"must be one of record_sources ({', '.join(record_sources)}).",
                 smp.records)
    # an own catalogue has no evidence codes unless the profile lists them (Kent's are ICS and paper)
    ev = data.get("evidence") if ("evidence" in data or "criteria" in data) else opt("evidence")
    evidence = coded("evidence", ev) if ev else {}
    cycles = opt("cycles") or "year"
    if cycles not in CYCLE_STYLES:
        fail("cycles", f"must be one of {', '.join(CYCLE_STYLES)}.", cycles)
    raw_text_block = data.get("text") or {}
    if not isinstance(raw_text_block, dict):
        fail("text", f"must be a mapping with keys {', '.join(_TEXT_KEYS)}.", raw_text_block)
    for k in raw_text_block:
        if k not in _TEXT_KEYS:
            fail(f"text.{k}", f"unknown key; allowed keys: {', '.join(_TEXT_KEYS)}.", k)
    texts = {k: text(f"text.{k}", v, "text") for k, v in raw_text_block.items()}
    units = table("units")
    if units is not None:
        _check_units_rows(units, words, fail)
    profile = Profile(name=name, short_name=short, words=words, units=units,
                      criteria=criteria, grade_scales=grade_scales, source=path,
                      sha256=hashlib.sha256(raw_text.encode("utf-8")).hexdigest(), answers=answers,
                      domains=domains, graded_domains=graded, grade_best=best,
                      samples=samples, case_types=case_types, plan_case_type=plan,
                      plan_categories=plan_categories, age_bands=age_bands, record_sources=record_sources,
                      evidence=evidence, cycles=cycles, text=texts)
    _register(profile, fail)
    return profile


_BUNDLED_PATH = Path(str(resources.files("kentaudit") / "data" / "profiles" / "kent.yaml")).resolve()
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}", re.ASCII)
_ANSWER_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,7}", re.ASCII)


@lru_cache(maxsize=1)
def _bundled_data() -> dict:
    return yaml.safe_load(read_regular_text(str(_BUNDLED_PATH), rule=_RULE))


def _check_units_rows(units: Path, words: Words, fail) -> None:
    """The units table lists at least one unit: said in the profile's own words, with what to do (the
    table's other rules are checked where it is read, :func:`kentaudit.inputs.reference.districts`)."""
    rows = list(csv.reader(io.StringIO(read_regular_text(str(units), rule=_RULE))))
    if len([r for r in rows[1:] if any(x.strip() for x in r)]) == 0:
        fail("units", f"the units table {units.name} lists no {words.units}: add one row per {words.unit} "
                      f"(district: the {words.unit}'s name as the export writes it, district_code: a short code, "
                      f"area: its {words.area}, children_on_plans: the children in scope); kentaudit init fills "
                      f"it from the export's {words.unit} column (docs/profile.md).", units.name)


def _catalogue_domains(criteria: Path) -> tuple:
    """The domains a criteria catalogue names, in order of first appearance."""
    rows = csv.DictReader(io.StringIO(read_regular_text(str(criteria), rule=_RULE)))
    return tuple(dict.fromkeys(r["domain"].strip() for r in rows if (r.get("domain") or "").strip()))


def _answers(raw, fail, text) -> Answers:
    """``answers:``: ``labels`` of Y, N and NA, and an optional ``partial`` answer."""
    if not isinstance(raw, dict):
        fail("answers", "must be a mapping with keys labels and partial.", raw)
    for k in raw:
        if k not in ("labels", "partial"):
            fail(f"answers.{k}", "unknown key; allowed keys: labels, partial.", k)
    labels = {"Y": "Yes", "N": "No", "NA": "Not applicable"}
    given = raw.get("labels") or {}
    if not isinstance(given, dict):
        fail("answers.labels", "must be a mapping of Y, N and NA to their labels.", given)
    for code, lab in given.items():
        if code not in labels:
            fail(f"answers.labels.{code}", "the fixed codes are Y, N and NA (a partial answer goes under "
                                           "answers.partial).", code)
        labels[code] = text(f"answers.labels.{code}", lab, "label")
    part = raw.get("partial")
    if part is None:
        return Answers(labels=labels)
    if not isinstance(part, dict) or set(part) - {"code", "label", "counts_as"} or "counts_as" not in part:
        fail("answers.partial", "must be a mapping with code (default P), label and counts_as "
                                f"({', '.join(PARTIAL_RULES)}).", part)
    code = str(part.get("code", "P"))
    if not _ANSWER_CODE.fullmatch(code) or code in labels:
        fail("answers.partial.code", "must be a short upper-case code other than Y, N and NA (e.g. P).", code)
    if isinstance(part["counts_as"], bool):  # an unquoted true / false (yes / no stay text)
        part = {**part, "counts_as": "yes" if part["counts_as"] else "no"}
    if part["counts_as"] not in PARTIAL_RULES:
        fail("answers.partial.counts_as", f"must be one of {', '.join(PARTIAL_RULES)}: how a partial answer "
                                          "counts in a compliance proportion.", part["counts_as"])
    labels[code] = text("answers.partial.label", part.get("label", "Partially"), "label")
    return Answers(labels=labels, partial=code, partial_counts_as=part["counts_as"])


def _samples(raw, fail, ident, text) -> tuple:
    """``samples:``: ``name: {design: random|purposive, records: <record source>, label: ...}``."""
    if not isinstance(raw, dict) or not raw:
        fail("samples", "must be a non-empty mapping of sample name: {design: random | purposive}.", raw)
    out = []
    for name, spec in raw.items():
        ident(f"samples.{name}", str(name))
        spec = spec if isinstance(spec, dict) else {"design": spec}
        for k in spec:
            if k not in ("design", "records", "label", "repeats", "phrase", "extends"):
                fail(f"samples.{name}.{k}", "unknown key; allowed keys: design, records, label, repeats, "
                                            "phrase, extends.", k)
        if spec.get("design") not in SAMPLE_DESIGNS:
            fail(f"samples.{name}.design", f"must be one of {', '.join(SAMPLE_DESIGNS)}.", spec.get("design"))
        label = text(f"samples.{name}.label", spec["label"], "label") if spec.get("label") else None
        phrase = text(f"samples.{name}.phrase", spec["phrase"], "label") if spec.get("phrase") else None
        extends = None if spec.get("extends") is None else str(spec["extends"])
        out.append(Sample(str(name), spec["design"], spec.get("records"), label, spec.get("repeats"), phrase,
                          extends))
    names = [s.name for s in out]
    main = [s.name for s in out if s.repeats is None]
    for smp in out:
        if smp.repeats is not None and (smp.repeats not in names or smp.repeats == smp.name):
            fail(f"samples.{smp.name}.repeats", f"must name another sample ({', '.join(names)}).", smp.repeats)
    for smp in out:
        if smp.extends is None:
            continue
        others = [n for n in main if n != smp.name]
        if smp.design != "random" or smp.repeats is not None:
            fail(f"samples.{smp.name}.extends", "only a main sample drawn at random (design: random, no "
                 "repeats:) extends another: the further cases drawn to extend the cases chosen on purpose.",
                 smp.extends)
        if smp.extends not in others:
            fail(f"samples.{smp.name}.extends", "must name another main sample (one that repeats none): "
                 f"{', '.join(others) or 'none'}.", smp.extends)
        if sum(1 for s in out if s.extends) > 1:
            fail(f"samples.{smp.name}.extends", "only one sample may extend another (the comparison of a "
                 "sample with the cases added to it reads one pair).", smp.extends)
    return tuple(out)


def _age_bands(raw, fail, ident, text) -> tuple:
    """``age_bands:``: a list of ``{code, label, from, to}`` (whole years, inclusive), in order."""
    if not isinstance(raw, list) or not raw:
        fail("age_bands", "must be a non-empty list of {code, label, from, to}.", raw)
    out, last = [], None
    for i, b in enumerate(raw):
        key = f"age_bands[{i}]"
        if not isinstance(b, dict) or "code" not in b or set(b) - {"code", "label", "from", "to"}:
            fail(key, "must be a mapping with code, label and (for a band of ages) from and to.", b)
        code = ident(f"{key}.code", str(b["code"]))
        if code == "not_recorded":  # kentaudit.inputs.schema.AGE_NOT_RECORDED: a blank age, always there
            fail(f"{key}.code", "not_recorded is the age band of a blank age (kept, 'Not recorded'); give this "
                                "band another code.", code)
        lo, hi = b.get("from"), b.get("to")
        if (lo is None) != (hi is None):
            fail(key, "give both from and to (whole years, inclusive), or neither (a band with no age).", b)
        if lo is not None:
            if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (lo, hi)) or lo > hi:
                fail(key, "from and to are whole years, 0 or more, from <= to.", b)
            if last is not None and lo <= last:
                fail(key, "bands must be in order of age and must not overlap.", b)
            last = hi
        out.append(AgeBand(code, text(f"{key}.label", str(b.get("label", code)), "label"), lo, hi))
    if len({b.code for b in out}) != len(out):
        fail("age_bands", "lists a code twice.", [b.code for b in out])
    return tuple(out)


def _register(profile: Profile, fail) -> None:
    """Tell the reference tables which domains and evidence codes the profile's catalogue may use
    and which grade scales it adds, so that every step reading the catalogue by its path checks
    it against the profile (:func:`kentaudit.inputs.reference.register_profile`)."""
    # deferred: pandas 0.3 s: the runner's parent reads a profile without pandas
    from kentaudit.inputs import reference

    try:
        reference.register_profile(profile)
    except InputError as e:
        fail("criteria" if e.column in ("domain", "evidence", "kind") else "grade_scales", str(e), e.value)


#: A part of a year as a cycle label: a quarter or half ("Q3 2026", "Quarter 3 2026", "H1 2026",
#: "2026 Q3"), a season or a term ("Spring 2026", "Autumn term 2026"); group 1 or 2 is its year.
PART_OF_YEAR = re.compile(
    r"^(?:(?:q|quarter|h|half)\s*[1-4]|(?:spring|summer|autumn|fall|winter)(?:\s+(?:term|round|cycle))?)"
    r"\s*[-/ ]?\s*([0-9]{4})$|^([0-9]{4})\s*[-/ ]?\s*(?:q|h)[1-4]$", re.IGNORECASE | re.ASCII)


def part_of_year(label) -> int | None:
    """The year of a cycle label that names a part of it (:data:`PART_OF_YEAR`: "Spring 2026" ->
    2026, "Q3 2026" -> 2026); None for any other label."""
    m = PART_OF_YEAR.fullmatch(" ".join(str(label).split()))
    return int(m[1] or m[2]) if m else None


def cycle_id(label: str, style: str = "year") -> str:
    """The cycle id (a safe folder name) of a cycle label: ``"2025/26"`` -> ``"2025-26"``.

    A ``/`` (the only character of a label that cannot be in a folder name) becomes ``-``;
    everything else is kept, and the id must still be a plain folder name
    (:data:`kentaudit.inputs.params.CYCLE_ID`). A financial-year label must be ``YYYY/YY`` with
    the second year following the first. Where cycles are years, a label naming a part of a
    year (:func:`part_of_year`: "Spring 2026", "Q3 2026") is the cycle of its year (id
    ``"2026"``): the label is what readers see, the id orders the cycles and names the folder.
    """
    if style == "year" and part_of_year(label) is not None:
        return str(part_of_year(label))
    out = str(label).strip().replace("/", "-")
    if style == "financial_year":
        m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", out, re.ASCII)
        if not m or (int(m[1]) + 1) % 100 != int(m[2]):
            raise ValueError(f"{label!r} is not a financial year written YYYY/YY (such as 2025/26)")
    return out


_CYCLE_YEAR = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?", re.ASCII)


def cycle_year(cycle) -> int | None:
    """The year a cycle id starts in, which orders the cycles of a programme: ``"2013"`` -> 2013,
    ``"2025-26"`` (the financial year 2025/26) -> 2025. None for an id that is neither."""
    m = _CYCLE_YEAR.fullmatch(str(cycle).strip().replace("/", "-"))
    if not m or (m[2] is not None and (int(m[1]) + 1) % 100 != int(m[2])):
        return None
    return int(m[1])


def next_cycle(cycle) -> str | None:
    """The id of the cycle after ``cycle`` in the same style: ``"2013"`` -> ``"2014"``,
    ``"2025-26"`` -> ``"2026-27"``; None for an id :func:`cycle_year` cannot read."""
    y = cycle_year(cycle)
    if y is None:
        return None
    return str(y + 1) if "-" not in str(cycle).replace("/", "-") else f"{y + 1}-{(y + 2) % 100:02d}"


def compliance_answers(answers_frame, answers: Answers):
    """Answer columns as a compliance proportion counts them: the partial code read as its rule says.

    Parameters
    ----------
    answers_frame : DataFrame
        Columns of answer codes (``c_*``).
    answers : Answers
        The profile's answer scheme.

    Returns
    -------
    DataFrame
        The same columns, with the partial code replaced by ``Y`` (``counts_as: yes``), ``N``
        (``no``) or left as its own code (``excluded``: outside the Y + N denominator, counted
        on its own). Without a partial answer the frame is returned unchanged.
    """
    if answers.partial is None or answers.partial_counts_as == "excluded":
        return answers_frame
    to = "Y" if answers.partial_counts_as == "yes" else "N"
    out = answers_frame.copy()
    for c in out.columns:
        col = out[c]
        if hasattr(col, "cat"):
            out[c] = col.astype(object).where(col.astype(object) != answers.partial, to).astype(col.dtype)
        else:
            out[c] = col.where(col != answers.partial, to)
    return out
