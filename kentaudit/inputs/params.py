"""Cycle parameters: one YAML file per quality-assurance cycle, validated strictly.

papermill only warns about unknown notebook parameters; kentaudit refuses to
run on a parameter file that is not exactly right. :func:`load_params` reads
``params/<cycle>.yaml`` and raises :class:`~kentaudit.core.errors.ParamsError`,
naming the file and the key, for an unknown key, a wrong type, a missing
input file, an unknown method, district, notebook or grade scale, or a YAML
syntax error (with its line number). Every problem of a file is reported at
once, not only the first. Relative paths in the file are relative to the
folder the parameter file is in, never the current directory. The file
format is documented in ``docs/running.md``.

Safety (``docs/running.md``, "What is refused and why"): the file must be a
regular file of at most :data:`MAX_PARAMS_BYTES`, nested at most
:data:`MAX_YAML_DEPTH` levels with at most :data:`MAX_YAML_ALIASES` aliases
(no "billion laughs"); the cycle id matches :data:`CYCLE_ID` (so it is one
plain folder name: no ``/``, ``..`` or absolute path); and ``output_dir`` may
not be the repository root or a folder above it, a folder holding files
tracked by git (other than an outputs folder's README), or a folder holding
the inputs, the parameter file or the notebooks.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kentaudit.core.errors import InputError, MethodError, ParamsError
from kentaudit.core.methods import check_method
from kentaudit.core.paths import source_checkout
from kentaudit.core.safeio import read_regular
from kentaudit.core.textpolicy import date_problem, shown, text_problem
from kentaudit.inputs.mapping import load_mapping
from kentaudit.inputs.profile import Profile, Words, bundled_profile, cycle_id, load_profile, part_of_year
from kentaudit.inputs.yamlfile import StrictLoader

__all__ = [
    "ACTIONS_NOTEBOOK",
    "CYCLE_ID",
    "MAX_SEED",
    "MAX_PARAMS_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_ALIASES",
    "check_output_dir",
    "CycleParams",
    "CycleInputs",
    "load_params",
    "sha256_file",
    "INTERVAL_METHODS",
    "ADJUST_METHODS",
    "FUNNEL_METHODS",
    "Publication",
    "PUBLICATION_STATUSES",
]

INTERVAL_METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull")
ADJUST_METHODS = ("holm", "fdr_bh", "bonferroni")
FUNNEL_METHODS = ("binomial-interpolated", "normal", "arcsine")
#: ``SAMPLES``, ``MAIN_SAMPLES`` and ``RANDOM_SAMPLES`` (read through the module's ``__getattr__``)
#: are kept for back-compatibility only: they are the bundled example profile's (Kent's) sample
#: names, main samples and random samples, read from that profile, never a list of their own. Code
#: that knows its cycle reads the cycle's profile (``CycleParams.main_samples``,
#: ``CycleParams.random_samples``, ``CycleParams.profile.sample_names``).
_BUNDLED_SAMPLE_NAMES = {"SAMPLES": "sample_names", "MAIN_SAMPLES": "main_samples",
                         "RANDOM_SAMPLES": "random_samples"}


def __getattr__(name):
    """The back-compatible sample constants, read from the bundled example profile when asked for
    (the profile is read lazily: importing this module reads no profile)."""
    if name in _BUNDLED_SAMPLE_NAMES:
        return getattr(bundled_profile(), _BUNDLED_SAMPLE_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: ``district_samples`` choices besides an explicit list of samples.
DISTRICT_SAMPLE_RULES = ("random", "main")

#: A cycle id: one plain folder name (letters, digits, ``_`` and ``-``, starting
#: with a letter or digit, at most 64 characters). Audit exports hold four-digit years.
CYCLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", re.ASCII)
#: Largest seed: what every numpy generator (including the legacy RandomState) accepts.
MAX_SEED = 2**32 - 1
#: Limits of the YAML parameter file (checked on the event stream, before building anything).
MAX_PARAMS_BYTES = 1 << 20
MAX_YAML_DEPTH = 20
MAX_YAML_ALIASES = 50
#: Files an outputs folder may hold that git tracks (``outputs/README.md``).
_OUTPUTS_TRACKED_OK = re.compile(r"(?:README(?:\.[A-Za-z]+)?|\.gitignore|\.gitkeep)")

_TOP_KEYS = (
    "cycle", "title", "synthetic", "inputs", "samples", "districts", "notebooks",
    "confidence_level", "interval_method", "adjust_method", "suppression_threshold",
    "protection_width", "grade_scale", "target", "funnel_method", "seed", "output_dir", "cell_timeout", "jobs",
    "headline_criterion", "publication", "district_samples",
    "accept_rejected_rows", "audit_window", "profile",
)
_PUBLICATION_KEYS = ("producer", "authority", "contact_name", "contact_email", "publication_date",
                     "next_update", "status", "formats")
#: The formats an appendix can be published in; a run promises those of ``publication.formats``
#: (default all) and fails if one is not written.
PUBLICATION_FORMATS = ("html", "pdf", "xlsx", "ods", "csv")
#: statuses of a statistical release, as a reader would need them on the cover
PUBLICATION_STATUSES = ("official statistics", "official statistics in development",
                        "management information", "synthetic demonstration data")
_REQUIRED = ("cycle", "title", "inputs", "samples", "seed")
_INPUT_KEYS = ("audits", "previous_audits", "sampling_frame", "criteria", "districts", "mapping", "actions")
#: The notebook that evaluates an action register: it runs only when ``inputs.actions`` is given.
ACTIONS_NOTEBOOK = "actions"


@dataclass(frozen=True)
class CycleInputs:
    """Absolute paths of a cycle's input files (each checked to exist)."""

    audits: tuple[Path, ...]
    previous_audits: tuple[Path, ...] = ()
    sampling_frame: Path | None = None
    criteria: Path | None = None
    districts: Path | None = None
    #: The exports' mapping (``inputs.mapping``, ``docs/profile.md``): every export of the cycle
    #: (``audits`` and ``previous_audits``) is read through it. None: exports in kentaudit's columns.
    mapping: Path | None = None
    #: the action register (``docs/actions.md``); None: no action is evaluated
    actions: Path | None = None

    def files(self) -> list[tuple[str, Path]]:
        """Every input file as ``(role, path)``, in a fixed order."""
        out = [("audits", p) for p in self.audits]
        out += [("previous_audits", p) for p in self.previous_audits]
        for role in ("sampling_frame", "criteria", "districts", "mapping", "actions"):
            p = getattr(self, role)
            if p is not None:
                out.append((role, p))
        return out


@dataclass(frozen=True)
class Publication:
    """Who publishes the appendix and when (the cover of the XLSX/ODS/HTML/PDF).

    ``status`` is one of :data:`PUBLICATION_STATUSES`; dates are ISO strings
    (``YYYY-MM-DD``) or free text such as ``"To be announced"`` for ``next_update``.
    """

    producer: str = "Kent County Council, Children's Social Care Quality Assurance"
    #: the authority's name as its readers know it, in "across <authority>" (None: "the authority")
    authority: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    publication_date: str | None = None
    next_update: str | None = None
    status: str | None = None
    formats: tuple[str, ...] = PUBLICATION_FORMATS

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in ((k, getattr(self, k)) for k in _PUBLICATION_KEYS)}


@dataclass(frozen=True)
class CycleParams:
    """Validated parameters of one QA cycle (see ``docs/running.md``).

    ``districts`` is always the explicit tuple of district names (``all`` in the
    file is expanded, in the order of the districts table); ``districts_all``
    records whether the file said ``all``. ``notebooks`` likewise.
    ``source`` is the absolute path of the YAML file and ``root`` the repository
    root that relative paths were resolved against.
    """

    cycle: str
    title: str
    inputs: CycleInputs
    samples: tuple[str, ...]
    seed: int
    source: Path
    root: Path
    synthetic: bool = False
    districts: tuple[str, ...] = ()
    districts_all: bool = True
    notebooks: tuple[str, ...] = ()
    confidence_level: float = 0.95
    interval_method: str = "wilson"
    adjust_method: str = "holm"
    suppression_threshold: int = 5
    protection_width: int = 3
    grade_scale: str = "ofsted_2009"
    target: float | str = 0.8
    funnel_method: str = "binomial-interpolated"
    output_dir: Path = field(default=Path("outputs"))
    cell_timeout: int = 600
    jobs: int | None = None
    headline_criterion: str | None = None
    publication: Publication = field(default_factory=Publication)
    district_samples: str | tuple[str, ...] = "random"
    #: How many input rows ingest may reject before the run refuses to publish (docs/running.md).
    accept_rejected_rows: int = 0
    #: ``(start, end)`` ISO dates every audit_date of the cycle must lie in (both included);
    #: None: the cycle's default window (:func:`kentaudit.inputs.ingest.audit_window`).
    audit_window: tuple[str, str] | None = None
    #: The authority's profile (``profile:``; None in the file: the bundled example, Kent's).
    profile: Profile = field(default_factory=bundled_profile)
    #: The cycle's label as the parameter file writes it ("2025/26"), where it differs from
    #: :attr:`cycle`, the id that names folders ("2025-26"); None: the label is the id.
    cycle_label: str | None = None

    @property
    def label(self) -> str:
        """The cycle as readers know it ("2025/26", "2009")."""
        return self.cycle_label or self.cycle

    @property
    def main_samples(self) -> tuple:
        """The profile's samples of the main results (every sample that does not repeat another's
        cases; Kent's: :data:`MAIN_SAMPLES`)."""
        return self.profile.main_samples

    @property
    def random_samples(self) -> tuple:
        """The profile's samples drawn at random in every unit (Kent's: :data:`RANDOM_SAMPLES`)."""
        return self.profile.random_samples

    @property
    def words(self) -> Words:
        """The authority's words (:class:`kentaudit.inputs.profile.Words`) of the cycle's profile."""
        return self.profile.words

    @property
    def notebooks_dir(self) -> Path:
        """The folder holding the notebook templates (``<root>/notebooks``)."""
        return self.root / "notebooks"

    @property
    def cycle_dir(self) -> Path:
        """Where the runner publishes this cycle: ``<output_dir>/<cycle>``."""
        return self.output_dir / self.cycle

    def district_codes(self) -> dict[str, str]:
        """Mapping district name -> district code for :attr:`districts`."""
        # deferred: pandas 0.3 s: the runner's parent reads parameters without pandas
        from kentaudit.inputs.reference import districts as _districts

        table = _districts(self.inputs.districts)
        codes = dict(zip(table["district"], table["district_code"]))
        return {d: codes[d] for d in self.districts}

    def input_hashes(self) -> dict[str, str]:
        """SHA-256 (hex) of every input file, keyed by path relative to :attr:`root`."""
        return {self._rel(p): sha256_file(p) for _, p in self.inputs.files()}

    def _rel(self, p: Path) -> str:
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict of the parameters (paths relative to the root where possible)."""
        i = self.inputs
        return {
            "cycle": self.cycle,
            "title": self.title,
            "synthetic": self.synthetic,
            "inputs": {
                "audits": [self._rel(p) for p in i.audits],
                "previous_audits": [self._rel(p) for p in i.previous_audits],
                "sampling_frame": self._rel(i.sampling_frame) if i.sampling_frame else None,
                "criteria": self._rel(i.criteria) if i.criteria else None,
                "districts": self._rel(i.districts) if i.districts else None,
                "mapping": self._rel(i.mapping) if i.mapping else None,
                "actions": self._rel(i.actions) if i.actions else None,
            },
            "cycle_label": self.label,
            "samples": list(self.samples),
            "districts": "all" if self.districts_all else list(self.districts),
            "districts_run": list(self.districts),
            "notebooks": list(self.notebooks),
            "confidence_level": self.confidence_level,
            "interval_method": self.interval_method,
            "adjust_method": self.adjust_method,
            "suppression_threshold": self.suppression_threshold,
            "protection_width": self.protection_width,
            "grade_scale": self.grade_scale,
            "target": self.target,
            "funnel_method": self.funnel_method,
            "seed": self.seed,
            "output_dir": self._rel(self.output_dir),
            "cell_timeout": self.cell_timeout,
            "jobs": self.jobs,
            "headline_criterion": self.headline_criterion,
            "publication": self.publication.to_dict(),
            "district_samples": (self.district_samples if isinstance(self.district_samples, str)
                                 else list(self.district_samples)),
            "params_file": self._rel(self.source),
            "profile": self._rel(self.profile.source),
        }


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _tname(v) -> str:
    return "null" if v is None else type(v).__name__


class _Bad(Exception):
    """One value of the file is wrong (recorded by :meth:`_Checker.fail`)."""


class _Checker:
    """Checks values; :meth:`fail` records a problem and abandons that value only,
    so that :func:`load_params` reports every problem of the file at once."""

    def __init__(self, file: Path):
        self.file = file
        self.problems: list[tuple[str, str]] = []

    def fail(self, key, message):
        self.problems.append((key, message))
        raise _Bad(key)

    def get(self, check, default=None):
        """``check()``, or ``default`` if it recorded a problem."""
        try:
            return check()
        except _Bad:
            return default

    def raise_problems(self) -> None:
        if not self.problems:
            return
        if len(self.problems) == 1:
            key, message = self.problems[0]
            raise ParamsError(message, file=self.file, key=key)
        lines = "\n".join(f"  - key {k!r}: {m}" for k, m in self.problems)
        err = ParamsError(f"{len(self.problems)} problems:\n{lines}", file=self.file)
        err.key = self.problems[0][0]  # the first, as with one problem
        err.problems = list(self.problems)
        raise err

    def str_(self, key, v):
        if not isinstance(v, str) or not v.strip():
            hint = f'; quote it: {key.split(".")[-1]}: "{v}"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            self.fail(key, f"must be a non-empty string, got {_tname(v)} {v!r}{hint}")
        return v

    def text(self, key, v, kind):
        """A string obeying the one text policy for ``kind`` (:mod:`kentaudit.core.textpolicy`)."""
        self.str_(key, v)
        # only plain spaces around the value are let pass: a line or paragraph separator, a tab
        # or a control at either end is whitespace to str.strip() and would reach the outputs
        bad = text_problem(v.strip(" "), kind)
        if bad is not None:
            self.fail(key, f"value {shown(v)!r} {bad[1]} [rule: {bad[0]}]")
        return v

    def date(self, key, v, *, earliest, latest, what):
        """A real calendar date ``YYYY-MM-DD`` in ASCII digits from ``earliest`` to ``latest``."""
        bad = date_problem(v, earliest=earliest, latest=latest, what=what)
        if bad is not None:
            self.fail(key, f"value {shown(v)!r} {bad[1]} [rule: {bad[0]}]")
        return v

    def bool_(self, key, v):
        if not isinstance(v, bool):
            self.fail(key, f"must be true or false, got {_tname(v)} {v!r}")
        return v

    def int_(self, key, v, *, minimum=None, allow_none=False):
        if v is None and allow_none:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(key, f"must be an integer{' or null' if allow_none else ''}, got {_tname(v)} {v!r}")
        if minimum is not None and v < minimum:
            self.fail(key, f"must be >= {minimum}, got {v}")
        return v

    def prob(self, key, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < float(v) < 1:
            self.fail(key, f"must be a number strictly between 0 and 1 (for example 0.95), got {_tname(v)} {v!r}")
        return float(v)

    def method(self, key, v, allowed):
        self.str_(key, v)
        try:
            return check_method(v, allowed, param=key)
        except MethodError:
            pass
        self.fail(key, f"unknown method {v!r}; allowed: {', '.join(allowed)}")

    def file_(self, key, v, root: Path, *, allow_none=False):
        if v is None and allow_none:
            return None
        self.str_(key, v)
        p = Path(v).expanduser()
        p = p if p.is_absolute() else root / p
        if not p.is_file():
            hint = ""
            old = root.parent / v
            if not Path(v).is_absolute() and old.is_file():
                # kentaudit 0.1.0 read paths relative to the parent of params/
                hint = f"; did you mean {Path('..', v).as_posix()!r} ({old.resolve()})?"
            self.fail(key, f"input file not found: {p} (relative paths are relative to the "
                           f"parameter file's folder {root}, not the current directory){hint}")
        return p.resolve()

    def files(self, key, v, root: Path, *, allow_empty: bool):
        if isinstance(v, str):
            v = [v]
        if v is None:
            v = []
        if not isinstance(v, list):
            self.fail(key, f"must be a list of file paths, got {_tname(v)} {v!r}")
        if not v and not allow_empty:
            self.fail(key, "must list at least one file")
        out = [self.get(lambda n=n, x=x: self.file_(f"{key}[{n}]", x, root)) for n, x in enumerate(v)]
        if any(o is None for o in out):
            raise _Bad(key)
        return tuple(out)


def _check_yaml_shape(text: str, path: Path) -> None:
    """Refuse YAML nested too deeply or with too many aliases, from the event stream
    (iterative: a file nested 5,000 deep never reaches the recursive composer)."""
    depth = aliases = 0
    for ev in yaml.parse(text, Loader=StrictLoader):
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ParamsError(f"line {ev.start_mark.line + 1}: the YAML is nested more than "
                                  f"{MAX_YAML_DEPTH} levels deep; a parameter file is a flat mapping "
                                  "(see docs/running.md)", file=path)
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(ev, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise ParamsError(f"line {ev.start_mark.line + 1}: the YAML uses more than "
                                  f"{MAX_YAML_ALIASES} aliases (*name); write the values out", file=path)


def _read_yaml(path: Path):

    if not path.exists():
        raise ParamsError(f"parameter file not found: {path}", file=path)
    try:
        raw = read_regular(path, str(path))
    except InputError as e:
        raise ParamsError(f"cannot read the parameter file: {e.message}", file=path) from None
    if len(raw) > MAX_PARAMS_BYTES:
        raise ParamsError(f"the parameter file is {len(raw):,} bytes; a parameter file is a few "
                          f"hundred bytes (at most {MAX_PARAMS_BYTES:,})", file=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParamsError(f"parameter file is not UTF-8 text ({e})", file=path) from None
    try:
        _check_yaml_shape(text, path)
        data = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ParamsError(f"YAML syntax error at {line}{problem}", file=path) from None
    if not isinstance(data, dict):
        raise ParamsError(f"the file must be a YAML mapping of keys to values, got {_tname(data)}",
                          file=path)
    return data


def _seed(c, v) -> int:
    v = c.int_("seed", v, minimum=0)
    if v > MAX_SEED:
        c.fail("seed", f"must be at most {MAX_SEED} (2**32 - 1, what every random generator accepts), got {v}")
    return v


def _git_tracked(folder: Path) -> list[str] | None:
    """Files git tracks under ``folder``, relative to it (None outside a git work tree or without git)."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        return None
    try:
        top = subprocess.run(["git", "-C", str(probe), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10)
        if top.returncode != 0:
            return None
        if not folder.exists():
            return []
        out = subprocess.run(["git", "-C", str(folder), "ls-files", "-z", "--", "."],
                             capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return [x for x in out.stdout.decode("utf-8", "replace").split("\0") if x]


def _git_ignored(path: Path) -> bool:
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        r = subprocess.run(["git", "-C", str(probe), "check-ignore", "-q", "--no-index", str(path)],
                           capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return True  # git unavailable: nothing to check against
    return r.returncode == 0


def check_output_dir(output_dir: Path, *, root: Path, cycle: str, inputs=(), checker=None) -> None:
    """Refuse an ``output_dir`` a run could damage (raises :class:`ParamsError`, key ``output_dir``).

    Refused: the repository root or any folder above it; a folder holding files
    tracked by git, other than an outputs folder's README or .gitignore (so
    ``output_dir: docs`` or ``"."`` cannot replace the repository's folders);
    a folder inside the repository's ``.git``; a folder that holds any
    input file, the parameter file or the notebooks (a run must never write
    among its inputs); and, inside a git work tree, a cycle folder git does
    not ignore (restricted outputs could be committed).
    """
    def fail(msg):
        if checker is not None:
            checker.fail("output_dir", msg)
        raise ParamsError(msg, key="output_dir")

    out = Path(output_dir).resolve()
    rootr = Path(root).resolve()
    fix = ' Use a folder of its own for outputs, such as output_dir: outputs.'
    if out == rootr or rootr.is_relative_to(out):
        fail(f"{out} is the repository root or a folder above it; a run there could replace the "
             f"repository's own folders.{fix}")
    if out.parts[1:2] in (("proc",), ("sys",), ("dev",)):
        fail(f"{out} is a system folder, not a place for files.{fix}")
    if ".git" in out.parts:
        fail(f"{out} is inside a git folder.{fix}")
    for p in list(inputs) + [rootr / "notebooks"]:
        pr = Path(p).resolve()
        if pr.is_relative_to(out):
            fail(f"{out} holds {pr}, an input of this run; outputs never go among the inputs.{fix}")
    tracked = _git_tracked(out)
    if tracked:
        other = [t for t in tracked if "/" in t or not _OUTPUTS_TRACKED_OK.fullmatch(t)]
        if other:
            fail(f"{out} holds files tracked by git (for example {other[0]}); a run replaces "
                 f"{out / cycle} and must never touch the repository's files.{fix}")
    if tracked is not None and not _git_ignored(out / cycle):
        fail(f"{out / cycle} is inside a git work tree but not ignored by git, so the run's restricted "
             f"outputs would sit in the work tree where they could be committed.{fix} (The repository's "
             "outputs/ folder is git-ignored; elsewhere add the folder to .gitignore.)")


def _repository_root(folder: Path) -> Path:
    """The folder holding ``notebooks/``: the parameter file's folder or the nearest one above it,
    else the repository of an editable kentaudit install, else the file's own folder."""
    for d in (folder, *folder.parents):
        if (d / "notebooks").is_dir() and any((d / "notebooks").glob("*.ipynb")):
            return d
    return source_checkout() or folder


def _check_members(c, key: str, what: str, values: list, allowed) -> None:
    """Every value is one of ``allowed`` and none is listed twice."""
    for v in values:
        if v not in allowed:
            c.fail(key, f"unknown {what} {v!r}; allowed: {', '.join(allowed)}")
    if len(set(values)) != len(values):
        c.fail(key, f"lists a {what} twice")


def load_params(path: str | Path) -> CycleParams:
    """Read and validate a cycle parameter file.

    Parameters
    ----------
    path : str or Path
        ``params/<cycle>.yaml``. Relative paths inside it (inputs,
        ``output_dir``) are resolved against the folder holding the file. The
        notebooks are those of the nearest folder at or above it that holds
        ``notebooks/`` (the repository).

    Returns
    -------
    CycleParams
        Frozen, validated parameters with absolute paths.

    Raises
    ------
    ParamsError
        Naming the file and the key (every problem of the file, each on its
        own line, when there are several), for: an unknown or duplicate key, a missing
        required key, a wrong type, an input file that does not exist, an unknown
        interval/adjustment/funnel method, sample, district, notebook or grade
        scale, and YAML syntax errors (with line and column).
    """
    path = Path(path).resolve()
    data = _read_yaml(path)
    _check_key_names(data, path)
    c = _Checker(path)
    base = path.parent             # relative paths in the file are relative to its folder
    root = _repository_root(base)  # where notebooks/ is

    _check_top_keys(c, data)
    cycle, title, synthetic = _check_cycle_keys(c, data)
    profile = _check_profile(c, data, base)
    cycle, cycle_label = _check_cycle_label(c, cycle, profile)
    inputs, ref_criteria, ref_districts = _check_inputs(c, data, base, profile)
    samples = _check_samples(c, data, profile)
    districts, districts_all = _check_districts(c, data, ref_districts)
    notebooks = _check_notebooks(c, data, root, has_actions=inputs is not None and inputs.actions is not None)
    grade_scale = _check_grade_scale(c, data, cycle, profile)
    target = _check_target(c, data)
    headline = _check_headline(c, data, ref_criteria)
    publication = _check_publication(c, data, synthetic, cycle, profile)
    district_samples = _check_district_samples(c, data, samples, profile)
    output_dir = _resolve_output_dir(c, data, base=base, root=root, cycle=cycle, inputs=inputs, path=path)
    settings = _check_settings(c, data)
    c.raise_problems()  # every problem of the file at once

    return CycleParams(
        cycle=cycle,
        title=title,
        synthetic=synthetic,
        inputs=inputs,
        samples=tuple(samples),
        districts=districts,
        districts_all=districts_all,
        notebooks=notebooks,
        grade_scale=grade_scale,
        target=target,
        output_dir=output_dir,
        headline_criterion=headline,
        publication=publication,
        district_samples=district_samples,
        source=path,
        root=root,
        profile=profile or bundled_profile(),
        cycle_label=cycle_label,
        **settings,
    )


# ------------------------------------------------------------ steps of load_params
def _check_key_names(data: dict, path: Path) -> None:
    """Refuse a file whose top-level keys are not all strings (raised at once, before any check)."""
    if any(not isinstance(k, str) for k in data):
        bad = next(k for k in data if not isinstance(k, str))
        raise ParamsError(f"keys must be names, got {_tname(bad)} {bad!r}", file=path)


def _check_top_keys(c: _Checker, data: dict) -> None:
    """Record every unknown top-level key, then every missing required one."""
    unknown = [k for k in data if k not in _TOP_KEYS]
    for k in unknown:
        c.get(lambda k=k: c.fail(k, f"unknown key; allowed keys: {', '.join(_TOP_KEYS)}"))
    for k in _REQUIRED:
        if k not in data:
            c.get(lambda k=k: c.fail(k, "required key is missing"))


def _cycle_id(c: _Checker, v) -> str:
    """``cycle``: a non-empty string matching :data:`CYCLE_ID` once each ``/`` is read as ``-``
    (a label "2025/26" is kept as the label; its id "2025-26" names the folder)."""
    cycle = c.str_("cycle", v)
    if part_of_year(cycle) is not None:
        return " ".join(cycle.split())  # "Spring 2026": the label; its id is its year (profile.cycle_id)
    if not CYCLE_ID.fullmatch(cycle.replace("/", "-")) or "//" in cycle or cycle.endswith("/"):
        c.fail("cycle", f"{cycle!r} is not a cycle id: use letters, digits, '_' and '-' only, starting "
                        "with a letter or digit (it names the output folder, so no '/', '..', spaces or "
                        'absolute paths), for example cycle: "2009"')
    return cycle


def _check_cycle_label(c: _Checker, cycle, profile) -> tuple:
    """``(id, label)`` of the cycle: a label with ``/`` ("2025/26") has the id with ``-``
    ("2025-26", :func:`kentaudit.inputs.profile.cycle_id`); a profile whose cycles are financial
    years needs ``YYYY/YY`` (or ``YYYY-YY``)."""
    if cycle is None:
        return None, None
    style = profile.cycles if profile is not None else "year"
    try:
        ident = cycle_id(cycle, style)
    except ValueError as e:
        why = f"{e}: the profile's cycles are {style}"
    else:
        return ident, (cycle if ident != cycle else None)
    c.get(lambda: c.fail("cycle", why))
    return None, None


def _check_cycle_keys(c: _Checker, data: dict) -> tuple:
    """``cycle``, ``title`` and ``synthetic`` (None, None, False where missing or wrong)."""
    cycle = c.get(lambda: _cycle_id(c, data["cycle"])) if "cycle" in data else None
    title = c.get(lambda: c.text("title", data["title"], "label")) if "title" in data else None
    synthetic = c.get(lambda: c.bool_("synthetic", data.get("synthetic", False)), False)
    return cycle, title, synthetic


def _input_parts(c: _Checker, raw_inputs, base: Path) -> dict:
    """Each key of the ``inputs`` mapping resolved against ``base`` (None or False where wrong)."""
    if not isinstance(raw_inputs, dict):
        c.fail("inputs", f"must be a mapping with keys {', '.join(_INPUT_KEYS)}, got {_tname(raw_inputs)}")
    for k in raw_inputs:
        if k not in _INPUT_KEYS:
            c.get(lambda k=k: c.fail(f"inputs.{k}", f"unknown key; allowed keys: {', '.join(_INPUT_KEYS)}"))
    if "audits" not in raw_inputs:
        c.get(lambda: c.fail("inputs.audits", "required key is missing"))
    parts = {
        "audits": c.get(lambda: c.files("inputs.audits", raw_inputs["audits"], base, allow_empty=False))
        if "audits" in raw_inputs else None,
        "previous_audits": c.get(lambda: c.files("inputs.previous_audits", raw_inputs.get("previous_audits"),
                                                 base, allow_empty=True), ()),
        "sampling_frame": c.get(lambda: c.file_("inputs.sampling_frame", raw_inputs.get("sampling_frame"),
                                                base, allow_none=True)),
        "criteria": c.get(lambda: c.file_("inputs.criteria", raw_inputs.get("criteria"), base,
                                          allow_none=True), False),
        "districts": c.get(lambda: c.file_("inputs.districts", raw_inputs.get("districts"), base,
                                           allow_none=True), False),
        "mapping": c.get(lambda: _mapping_file(c, raw_inputs.get("mapping"), base)),
        "actions": c.get(lambda: c.file_("inputs.actions", raw_inputs.get("actions"), base,
                                         allow_none=True), False),
    }
    return parts


def _mapping_file(c: _Checker, raw, base: Path):
    """``inputs.mapping``: the exports' mapping file, read and validated (None: no mapping)."""
    p = c.file_("inputs.mapping", raw, base, allow_none=True)
    if p is None:
        return None
    try:
        load_mapping(p)
    except InputError as e:
        c.fail("inputs.mapping", str(e))
    return p


def _check_profile(c: _Checker, data: dict, base: Path) -> Profile | None:
    """``profile``: the authority profile's path (relative to the parameter file's folder), read
    and validated; None in the file (or no key) is the bundled example profile."""
    raw = data.get("profile")
    if raw is None:
        return bundled_profile()
    p = c.get(lambda: c.file_("profile", raw, base))
    if not p:
        return None
    try:
        return load_profile(p)
    except InputError as e:
        message = str(e)
    c.get(lambda: c.fail("profile", message))
    return None


def _check_inputs(c: _Checker, data: dict, base: Path, profile: Profile | None = None) -> tuple:
    """``inputs``: the :class:`CycleInputs` (or None) and the criteria and districts files to check against.

    A table the file does not name is the profile's (the bundled table for the bundled profile,
    recorded as None so that Kent's cycles name no reference input)."""
    if "inputs" not in data:
        return None, None, None
    inputs = None
    parts = c.get(lambda: _input_parts(c, data.get("inputs", {}), base))
    if parts is not None and profile is not None and profile.source != bundled_profile().source:
        for key, table in (("criteria", profile.criteria), ("districts", profile.units)):
            if parts.get(key) is None and table is not None:
                parts[key] = table
    if parts is not None and parts["audits"] is not None:
        inputs = CycleInputs(audits=parts["audits"], previous_audits=parts["previous_audits"],
                             sampling_frame=parts["sampling_frame"],
                             criteria=parts["criteria"] or None, districts=parts["districts"] or None,
                             mapping=parts.get("mapping"), actions=parts["actions"] or None)
    # reference tables for the checks below: the bundled ones where a file failed
    ref_criteria = (parts or {}).get("criteria") or None
    ref_districts = (parts or {}).get("districts") or None
    return inputs, ref_criteria, ref_districts


def _sample_list(c: _Checker, samples, allowed) -> list:
    """``samples``: a non-empty list (or one name) of the profile's samples, none twice."""
    if isinstance(samples, str):
        samples = [samples]
    if not isinstance(samples, list) or not samples:
        c.fail("samples", f"must be a non-empty list drawn from {', '.join(allowed)}, got {samples!r}")
    _check_members(c, "samples", "sample", samples, allowed)
    return samples


def _check_samples(c: _Checker, data: dict, profile: Profile | None = None):
    """``samples`` as a list (of the profile's samples), or None where missing or wrong."""
    profile = profile if profile is not None and profile.samples else bundled_profile()
    allowed = profile.sample_names
    return c.get(lambda: _sample_list(c, data["samples"], allowed)) if "samples" in data else None


def _district_names(c: _Checker, raw_d, district_table, known_districts) -> tuple:
    """``districts``: ``all`` or a list of names or codes, as ``(names, districts_all)``."""
    if isinstance(raw_d, str) and raw_d != "all":
        raw_d = [raw_d]
    if raw_d == "all":
        return tuple(known_districts), True
    if not isinstance(raw_d, list) or not raw_d:
        c.fail("districts", f'must be "all" or a non-empty list of district names or codes, got {raw_d!r}')
    # deferred: pandas 0.3 s: the runner's parent reads parameters without pandas
    from kentaudit.inputs.reference import resolve_district

    names, bad = [], []
    for d in raw_d:
        try:
            names.append(resolve_district(d, district_table))  # a name or a code, any case
        except InputError:
            bad.append(repr(shown(d)))
    if bad:
        valid = ", ".join(f"{n} ({k})" for n, k in zip(district_table["district"],
                                                      district_table["district_code"]))
        c.fail("districts", f"unknown district {', '.join(bad)}; allowed (names or codes, any case): {valid}")
    if len(set(names)) != len(names):
        c.fail("districts", "lists a district twice")
    return tuple(names), False


def _check_districts(c: _Checker, data: dict, ref_districts) -> tuple:
    """``districts`` checked against the districts table, as ``(names, districts_all)``."""
    # deferred: pandas 0.3 s: the runner's parent reads parameters without pandas
    from kentaudit.inputs.reference import districts as _districts

    district_table = _districts(ref_districts)
    known_districts = list(district_table["district"])
    return c.get(lambda: _district_names(c, data.get("districts", "all"), district_table, known_districts),
                 ((), False))


def _notebook_names(c: _Checker, raw_nb, nb_dir: Path, available: list, has_actions: bool = False) -> tuple:
    """``notebooks``: ``all`` or a list of the notebooks in ``nb_dir``, none twice; the actions
    notebook only with ``inputs.actions`` (``all`` leaves it out without one)."""
    if raw_nb == "all":
        if not available:
            c.fail("notebooks", f"no notebooks found in {nb_dir}")
        return tuple(n for n in available if has_actions or n != ACTIONS_NOTEBOOK)
    if isinstance(raw_nb, list) and ACTIONS_NOTEBOOK in raw_nb and not has_actions:
        c.fail("notebooks", f"the {ACTIONS_NOTEBOOK!r} notebook evaluates an action register: give its file "
                            "as inputs.actions (docs/actions.md), or leave the notebook out")
    if not isinstance(raw_nb, list) or not raw_nb:
        c.fail("notebooks", f'must be "all" or a non-empty list of notebook names, got {raw_nb!r}')
    missing = [n for n in raw_nb if n not in available]
    if missing:
        c.fail("notebooks", f"unknown notebook {', '.join(map(repr, missing))} (not in {nb_dir}); "
                            f"available: {', '.join(available) or 'none'}")
    twice = sorted({n for n in raw_nb if raw_nb.count(n) > 1})
    if twice:
        c.fail("notebooks", f"lists {', '.join(map(repr, twice))} twice: list each notebook once")
    return tuple(raw_nb)


def _check_notebooks(c: _Checker, data: dict, root: Path, has_actions: bool = False) -> tuple:
    """``notebooks`` checked against ``<root>/notebooks`` (an empty tuple where wrong)."""
    nb_dir = root / "notebooks"
    available = sorted(p.stem for p in nb_dir.glob("*.ipynb")) if nb_dir.is_dir() else []
    return c.get(lambda: _notebook_names(c, data.get("notebooks", "all"), nb_dir, available, has_actions), ())


def _scale_name(c: _Checker, data: dict, cycle, scales: list, path=None) -> str:
    """``grade_scale`` as given, else the scale covering the cycle's year."""
    if "grade_scale" in data:
        grade_scale = c.str_("grade_scale", data["grade_scale"])
        if grade_scale not in scales:
            c.fail("grade_scale", f"unknown grade scale {grade_scale!r}; allowed: {', '.join(scales)}")
        return grade_scale
    # deferred: pandas 0.3 s: the runner's parent reads parameters without pandas
    from kentaudit.inputs.reference import scale_for_cycle

    if cycle is not None and not re.fullmatch(r"[0-9]{4}(?:-[0-9]{2})?", cycle):
        c.fail("cycle", f"{cycle!r} is not a four-digit year (or a financial year such as 2025/26), and audit "
                        "exports name their cycle by year (the runner checks the cycle against them): use the "
                        'year, e.g. cycle: "2009"')
    try:
        return scale_for_cycle(cycle, path)
    except (ValueError, TypeError):
        if cycle is None:
            raise _Bad("grade_scale") from None  # the cycle's own problem is reported
        c.fail("grade_scale", f"no grade scale covers cycle {cycle!r}; set one of: {', '.join(scales)}")


def _check_grade_scale(c: _Checker, data: dict, cycle, profile: Profile | None = None):
    """``grade_scale`` checked against the profile's grade scales (None where wrong)."""
    # deferred: pandas 0.3 s: the runner's parent reads parameters without pandas
    from kentaudit.inputs.reference import grade_scales as _grade_scales

    path = profile.grade_scales if profile is not None else None
    scales = list(dict.fromkeys(_grade_scales(path)["scale"]))
    return c.get(lambda: _scale_name(c, data, cycle, scales, path))


def _target_value(c: _Checker, target):
    """``target``: a proportion in (0, 1] as a float, or ``"overall"``."""
    if target != "overall":
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < float(target) <= 1:
            c.fail("target", f'must be a proportion in (0, 1] or "overall", got {_tname(target)} {target!r}')
        target = float(target)
    return target


def _check_target(c: _Checker, data: dict):
    """``target`` (default 0.8; None where wrong)."""
    return c.get(lambda: _target_value(c, data.get("target", 0.8)))


def _headline_id(c: _Checker, headline, ref_criteria) -> str:
    """``headline_criterion``: an id of the criteria catalogue."""
    # deferred: pandas 0.3 s: the runner's parent reads parameters without pandas
    from kentaudit.inputs.reference import criteria as _criteria

    c.str_("headline_criterion", headline)
    ids = list(_criteria(ref_criteria)["id"])
    if headline not in ids:
        c.fail("headline_criterion", f"unknown criterion {headline!r}; choose one of the "
                                     f"catalogue's ids: {', '.join(ids)}")
    return headline


def _check_headline(c: _Checker, data: dict, ref_criteria):
    """``headline_criterion`` (None where missing or wrong)."""
    headline = data.get("headline_criterion")
    if headline is not None:
        headline = c.get(lambda: _headline_id(c, headline, ref_criteria))
    return headline


def _check_publication(c: _Checker, data: dict, synthetic: bool, cycle=None, profile: Profile | None = None):
    """The ``publication`` block as a :class:`Publication` (None where wrong)."""
    return c.get(lambda: _publication(c, data.get("publication"), synthetic, cycle, profile))


def _check_district_samples(c: _Checker, data: dict, samples, profile: Profile | None = None):
    """``district_samples`` checked against the cycle's samples (``"random"`` where wrong)."""
    main = (profile if profile is not None and profile.samples else bundled_profile()).main_samples
    return c.get(lambda: _district_samples(c, data.get("district_samples", "random"), samples or (), main),
                 "random")


def _output_path(c: _Checker, data: dict, base: Path, root: Path) -> Path:
    """``output_dir`` resolved against ``base`` (default: the repository's ``outputs/``)."""
    if "output_dir" not in data:  # the repository's outputs/ folder
        return (root / "outputs").resolve()
    out = data["output_dir"]
    c.str_("output_dir", out)
    if "\x00" in out:
        c.fail("output_dir", "contains a NUL character")
    out = Path(out).expanduser()
    return (out if out.is_absolute() else base / out).resolve()


def _resolve_output_dir(c: _Checker, data: dict, *, base: Path, root: Path, cycle, inputs, path: Path):
    """``output_dir`` resolved, then refused by :func:`check_output_dir` where a run could damage it."""
    output_dir = c.get(lambda: _output_path(c, data, base, root))
    if output_dir is not None and cycle is not None:
        c.get(lambda: check_output_dir(output_dir, root=root, cycle=cycle, checker=c,
                                       inputs=([p for _, p in inputs.files()] if inputs else []) + [path]))
    return output_dir


def _check_settings(c: _Checker, data: dict) -> dict:
    """The statistical and run settings, keyed by their :class:`CycleParams` field (None where wrong)."""
    confidence_level = c.get(lambda: c.prob("confidence_level", data.get("confidence_level", 0.95)))
    interval_method = c.get(lambda: c.method("interval_method", data.get("interval_method", "wilson"),
                                             INTERVAL_METHODS))
    adjust_method = c.get(lambda: c.method("adjust_method", data.get("adjust_method", "holm"), ADJUST_METHODS))
    suppression_threshold = c.get(lambda: c.int_("suppression_threshold", data.get("suppression_threshold", 5),
                                                 minimum=0))
    protection_width = c.get(lambda: c.int_("protection_width", data.get("protection_width", 3), minimum=0))
    funnel_method = c.get(lambda: c.method("funnel_method", data.get("funnel_method", "binomial-interpolated"),
                                           FUNNEL_METHODS))
    seed = c.get(lambda: _seed(c, data["seed"])) if "seed" in data else None
    cell_timeout = c.get(lambda: c.int_("cell_timeout", data.get("cell_timeout", 600), minimum=1))
    jobs = c.get(lambda: c.int_("jobs", data.get("jobs"), minimum=1, allow_none=True))
    accept_rejected = c.get(lambda: c.int_("accept_rejected_rows", data.get("accept_rejected_rows", 0),
                                           minimum=0), 0)
    window = c.get(lambda: _audit_window(c, data.get("audit_window")))
    return {"accept_rejected_rows": accept_rejected, "audit_window": window, "confidence_level": confidence_level, "interval_method": interval_method,
            "adjust_method": adjust_method, "suppression_threshold": suppression_threshold,
            "protection_width": protection_width, "funnel_method": funnel_method, "seed": seed,
            "cell_timeout": cell_timeout, "jobs": jobs}


def _district_samples(c: _Checker, raw, samples, main):
    """``district_samples``: which samples district comparisons use.

    ``random`` (default): the main samples drawn at random within every district (the
    profile's samples of design ``random``), which follow the same design in each district;
    if the cycle has none, every main sample. ``main``: every main sample pooled (purposive
    samples too, so a district's share of them affects its figures). Or a list of main
    samples of the cycle (``main``: the profile's main samples).
    """
    if isinstance(raw, str):
        if raw not in DISTRICT_SAMPLE_RULES:
            c.fail("district_samples", f'must be "random", "main" or a list of main samples of the cycle '
                                       f"({', '.join(s for s in samples if s in main)}), got {raw!r}")
        return raw
    if not isinstance(raw, list) or not raw:
        c.fail("district_samples", f'must be "random", "main" or a non-empty list of samples, got {_tname(raw)} {raw!r}')
    _check_members(c, "district_samples", "main sample of the cycle", raw,
                   [s for s in samples if s in main])
    return tuple(raw)


#: Text kind of each ``publication`` value (:data:`kentaudit.core.textpolicy.LIMITS`).
_PUBLICATION_KINDS = {"producer": "label", "contact_name": "name", "contact_email": "name",
                      "next_update": "label", "status": "label", "publication_date": "label",
                      "authority": "name"}
#: Years after its cycle's year an appendix may still be published.
PUBLICATION_YEARS_AFTER = 5


def publication_window(cycle) -> tuple:
    """``(earliest, latest)`` publication date of a cycle: from 1 January of the cycle's year
    to 31 December :data:`PUBLICATION_YEARS_AFTER` years after it (a cycle id that is not a
    year: 1990-01-01 to 2100-12-31)."""
    if isinstance(cycle, str) and re.fullmatch(r"[0-9]{4}", cycle, re.ASCII):
        y = int(cycle)
        return dt.date(y, 1, 1), dt.date(y + PUBLICATION_YEARS_AFTER, 12, 31)
    return dt.date(1990, 1, 1), dt.date(2100, 12, 31)


def _publication(c: _Checker, raw, synthetic: bool, cycle=None, profile: Profile | None = None) -> Publication:
    """The ``publication`` block: producer, contact, dates and status of the release.

    ``producer`` and ``authority`` default to the profile's ``name`` and ``short_name``."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        c.fail("publication", f"must be a mapping with keys {', '.join(_PUBLICATION_KEYS)}, got {raw!r}")
    bad = [k for k in raw if k not in _PUBLICATION_KEYS]
    if bad:
        c.fail(f"publication.{bad[0]}", f"unknown key; allowed keys: {', '.join(_PUBLICATION_KEYS)}")
    out = {}
    if raw.get("formats") is not None:
        out["formats"] = _formats(c, raw["formats"])
    for k in _PUBLICATION_KEYS:
        v = raw.get(k)
        if v is None or k == "formats":
            continue
        if hasattr(v, "isoformat"):  # YAML reads 2009-03-01 as a date
            v = v.isoformat()
        c.text(f"publication.{k}", v, _PUBLICATION_KINDS[k])
        out[k] = v.strip()
    email = out.get("contact_email")
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        c.fail("publication.contact_email", f"is not an email address: {email!r}")
    earliest, latest = publication_window(cycle)
    if "publication_date" in out:
        c.date("publication.publication_date", out["publication_date"], earliest=earliest, latest=latest,
               what=f"publication date of cycle {cycle}")
    nxt = out.get("next_update")
    # a next update written as a date is a real date after the publication (else free text
    # such as "To be announced"); a date in other digits is refused as such, never read as text
    if nxt is not None and re.match(r"\d", unicodedata.normalize("NFKC", nxt)):
        after = (dt.date.fromisoformat(out["publication_date"]) if "publication_date" in out else earliest)
        if re.fullmatch(r"\S+", nxt):
            c.date("publication.next_update", nxt, earliest=after, latest=dt.date(2100, 12, 31),
                   what="next update (on or after the publication date)")
    status = out.get("status") or ("synthetic demonstration data" if synthetic else None)
    if status is not None and status not in PUBLICATION_STATUSES:
        c.fail("publication.status", f"unknown status {status!r}; allowed: {', '.join(PUBLICATION_STATUSES)}")
    if synthetic and status != "synthetic demonstration data":
        c.fail("publication.status", "synthetic data can only be published as 'synthetic demonstration data'")
    out["status"] = status
    if profile is not None and profile.source != bundled_profile().source:
        out.setdefault("producer", profile.name)
        out.setdefault("authority", profile.short_name)
    return Publication(**out)


def _audit_window(c: _Checker, raw) -> tuple[str, str] | None:
    """``audit_window``: ``{start: YYYY-MM-DD, end: YYYY-MM-DD}``, real calendar dates, start <= end."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"start", "end"}:
        c.fail("audit_window", f"must be a mapping with keys start and end (dates YYYY-MM-DD), got {raw!r}")
    out = []
    for k in ("start", "end"):
        v = raw[k]
        if isinstance(v, dt.datetime):
            v = v.date()
        if isinstance(v, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
            try:
                v = dt.date.fromisoformat(v)
            except ValueError:
                c.fail(f"audit_window.{k}", f"{v!r} is not a real calendar date")
        if not isinstance(v, dt.date):
            c.fail(f"audit_window.{k}", f"must be a date written YYYY-MM-DD, got {v!r}")
        out.append(v)
    if out[0] > out[1]:
        c.fail("audit_window", f"start {out[0]} is after end {out[1]}")
    return out[0].isoformat(), out[1].isoformat()


def _formats(c: _Checker, raw) -> tuple[str, ...]:
    """``publication.formats``: a non-empty list of :data:`PUBLICATION_FORMATS`, html always included."""
    if not isinstance(raw, list) or not raw or not all(isinstance(f, str) for f in raw):
        c.fail("publication.formats", f"must be a list of formats ({', '.join(PUBLICATION_FORMATS)}), got {raw!r}")
    _check_members(c, "publication.formats", "format", raw, PUBLICATION_FORMATS)
    if "html" not in raw:
        c.fail("publication.formats", "must include html: the appendix page is the publication the others are "
                                      "downloads of")
    return tuple(f for f in PUBLICATION_FORMATS if f in raw)
