"""Generator of the hostile-input corpus: exports, parameter files and command lines.

Not a test: ``tests/test_hostile_*.py`` build the corpus with these functions
in a temporary folder and run every case through the real ``kentaudit``
command line in a subprocess. Each case says what a careful tool must do:

- ``expect="refuse"``: a non-zero exit code (one of ``codes``), a message
  naming what is wrong (every regex of ``says`` found in stdout + stderr,
  e.g. the file, row, column, value and ``[rule: ...]``, or the parameter
  and the fix), within the time bound, and never a traceback;
- ``expect="accept"``: the exit code in ``codes`` (0, or 3 for a valid file
  with a warning), i.e. a valid file is never refused.

The classes follow issue 12: confinement (cycle ids, output folders),
values never changed or guessed (dates out of range, non-ASCII digits,
rows of another cycle, unpaired re-audits), robust reading (encodings, field
sizes, non-regular files, zip bombs, corrupt XML, YAML bombs), every command
line argument, and keys. Every case reference is synthetic (``SYN-``) unless
a case is about real references.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from make_corpus import to_csv_text, valid_rows  # noqa: E402

#: Seconds any case may take (a hang is a failure).
TIME_BOUND = 90


@dataclass
class Case:
    """One hostile (or valid) input and what the command line must do with it."""

    name: str
    argv: list[str]
    expect: str  # "refuse" or "accept"
    codes: tuple[int, ...] = (1, 2)
    says: tuple[str, ...] = ()
    env: dict = field(default_factory=dict)
    cwd: str | None = None


def _case_env(case: Case) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENTAUDIT_")}
    env.update(case.env)
    env["KENTAUDIT_NO_ZYGOTE"] = "1"
    return env


def _argv(case: Case) -> list[str]:
    return list(case.argv) if case.argv[:1] == ["-m"] else ["-m", "kentaudit", *case.argv]


def run_case_subprocess(case: Case) -> subprocess.CompletedProcess:
    """Run ``python -m kentaudit <argv>`` (or ``python -m <module>`` when argv starts with ``-m``)
    as a new interpreter."""
    return subprocess.run([sys.executable, *_argv(case)], capture_output=True, text=True, timeout=TIME_BOUND,
                          env=_case_env(case), cwd=case.cwd or str(ROOT), stdin=subprocess.DEVNULL)


_SERVER = None
_SCRATCH = None


def run_case(case: Case) -> subprocess.CompletedProcess:
    """Run the case's command line as a fresh process forked from a warm parent
    (``forkrun.py``: the same command, environment, folder and streams, without
    re-importing pandas and kentaudit for each of some 220 cases);
    :func:`run_case_subprocess` is the same as a new interpreter."""
    global _SERVER, _SCRATCH
    if _SERVER is None:
        import atexit
        import shutil
        import tempfile

        import forkrun

        _SCRATCH = Path(tempfile.mkdtemp(prefix="kentaudit-forkrun-"))
        _SERVER = forkrun.Server({k: v for k, v in os.environ.items() if not k.startswith("KENTAUDIT_")})
        atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
        atexit.register(_SERVER.close)
    return _SERVER.run(_argv(case), env=_case_env(case), cwd=case.cwd or str(ROOT), timeout=TIME_BOUND,
                       scratch=_SCRATCH)


# ----------------------------------------------------------------------------- exports

def _rows(n=3, **change):
    rows = valid_rows(n)
    for k, v in change.items():
        i, col = k.split("__")
        rows[int(i)][col] = v
    return rows


def _csv(path: Path, rows, encoding="utf-8", columns=None) -> Path:
    path.write_bytes(to_csv_text(rows, columns).encode(encoding))
    return path


def _xlsx_variant(path: Path, change) -> Path:
    src = HERE / "valid.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            data = change(n, zin.read(n))
            if data is not None:
                zout.writestr(n, data)
    return path


_SHEET = "xl/worksheets/sheet1.xml"


def export_cases(d: Path) -> list[Case]:
    """Hostile and valid audit exports for ``kentaudit validate --synthetic``."""
    d.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def refuse(name, path, rule, *says, codes=(1, 2), extra=()):
        cases.append(Case(f"export:{name}", ["validate", "--synthetic", *extra, str(path)], "refuse", codes,
                          (rf"\[rule: {rule}\]", *says)))

    def accept(name, path, codes=(0,), extra=()):
        cases.append(Case(f"export:{name}", ["validate", "--synthetic", *extra, str(path)], "accept", codes))

    # values never changed or guessed
    for i, (col, value, rule) in enumerate([
            ("strategy_date", "1600-01-01", "date_range"), ("audit_date", "1899-12-31", "date_range"),
            ("icpc_date", "0001-01-01", "date_range"), ("first_review_date", "9999-12-31", "date_range"),
            ("s47_start_date", "1989-12-31", "date_range"), ("audit_date", "01/01/1066", "date_range"),
            ("cycle", "２０１２", "cycle_format"), ("cycle", "٢٠١٢", "cycle_format"),
            ("overall_grade", "٣", "grade_not_integer"), ("overall_grade", "３", "grade_not_integer"),
            ("grade_voice", "²", "grade_not_integer"), ("audit_date", "２０１２-09-14", "date_format"),
            ("audit_date", "2012-0९-14", "date_format"), ("overall_grade", "-1", "grade_range"),
            ("overall_grade", "1e0", "grade_not_integer"), ("overall_grade", "0x2", "grade_not_integer"),
            ("c_seen", "Maybe", "unknown_answer_code"), ("c_seen", "Ｙ", "unknown_answer_code"),
            ("risk_under1", "NA", "unknown_flag_code"), ("district", "Medway", "unknown_district"),
            ("sample", "ｉｎｉｔｉａｌ", "unknown_category"), ("audit_date", "2012-02-30", "date_format"),
            ("cycle", "12", "cycle_format"), ("cycle", "20123", "cycle_format"),
            ("audit_date", "2099-01-01", "audit_date_future"),
            ("audit_date", "2011-06-01", "audit_date_window"), ("audit_date", "1995-06-01", "audit_date_window")]):
        p = _csv(d / f"value_{i}_{col}.csv", _rows(**{f"1__{col}": value}))
        refuse(f"value {col}={value!r}", p, rule, re.escape(p.name), r"row 3", re.escape(col))
    # a row of another cycle in the export of a cycle
    p = _csv(d / "other_cycle_row.csv", _rows(**{"2__cycle": "2013", "2__audit_date": "2013-02-01"}))
    refuse("2013 row in a 2012 export", p, "cycle_mismatch", r"row 4", extra=("--cycle", "2012"))
    cases.append(Case("export:mixed cycles warned", ["validate", "--synthetic", str(p)], "refuse", (3,),
                      (r"\[rule: mixed_cycles\]", "2013: 1")))
    p = _csv(d / "wrong_cycle_file.csv", _rows())
    refuse("2012 export read as 2010", p, "cycle_mismatch", r"row 2", extra=("--cycle", "2010"))
    # re-audits with no initial audit: kept, counted and warned (exit 3)
    rows = _rows(**{"0__sample": "reaudit", "0__record_source": "comprehensive"})
    p = _csv(d / "unpaired_reaudit.csv", rows)
    cases.append(Case("export:unpaired re-audit warned", ["validate", "--synthetic", str(p)], "refuse", (3,),
                      (r"\[rule: unpaired_reaudit\]", "1 re-audit")))
    # robust reading: valid files never refused
    rows = _rows(**{"0__notes": "café’s visit… “quoted” – £5 – €3"})
    accept("Windows-1252 smart quotes", _csv(d / "cp1252_smart.csv", rows, "cp1252"))
    rows = _rows(**{"0__team": "Équipe – Nord", "1__notes": "naïve façade ‘single’"})
    accept("Windows-1252 accents", _csv(d / "cp1252_accents.csv", rows, "cp1252"))
    accept("UTF-8 with BOM and smart quotes",
           _csv(d / "utf8_bom.csv", _rows(**{"0__notes": "it’s “fine”"}), "utf-8-sig"))
    accept("200,000-character note", _csv(d / "long_note.csv", _rows(**{"0__notes": "x" * 200_000})))
    accept("note with newlines and commas", _csv(d / "multiline_note.csv",
                                                 _rows(**{"1__notes": "line one,\nline two, \"quoted\""})))
    accept("grade written 2.0", _csv(d / "grade_float.csv", _rows(**{"0__overall_grade": "2.0"})))
    accept("dates DD/MM/YYYY", _csv(d / "uk_dates.csv", _rows(**{"0__audit_date": "14/09/2012"})))
    accept("valid xlsx", HERE / "valid.xlsx")
    accept("tool headers", HERE / "tool_headers_and_spellings_valid.csv")
    cases.append(Case("export:formula text kept and warned", ["validate", "--synthetic", str(
        _csv(d / "formula_team.csv", _rows(**{"0__team": "{=1+1}", "1__auditor": "@SUM(A1)"})))], "refuse", (3,),
        (r"\[rule: formula_text\]",)))
    # field far beyond any note: refused as a file, named
    refuse("2,000,000-character field", _csv(d / "huge_field.csv", _rows(**{"0__notes": "y" * 2_000_000})),
           "field_too_large", "huge_field.csv")
    # encodings and structure
    refuse("UTF-16", _csv(d / "utf16.csv", _rows(), "utf-16"), "encoding", "utf16.csv")
    mixed = d / "mixed_enc.csv"
    text = to_csv_text(_rows(**{"0__notes": "Café"}))
    lines = text.split("\r\n")
    mixed.write_bytes(("\r\n".join(lines[:2]) + "\r\n").encode("utf-8") + ("\r\n".join(lines[2:])
                                                                            .replace("file read", "£5 read")).encode("cp1252"))
    refuse("mixed UTF-8 and Windows-1252", mixed, "encoding", "mixes encodings")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 20)
    refuse("binary garbage", d / "binary.csv", "encoding")
    (d / "nul.csv").write_bytes(to_csv_text(_rows()).encode().replace(b"Team 2", b"Te\x00am"))
    refuse("NUL byte", d / "nul.csv", "encoding")
    (d / "quote.csv").write_text(to_csv_text(_rows()).replace("Team 2", '"Team 2'), encoding="utf-8")
    refuse("unbalanced quote", d / "quote.csv", "(unreadable_file|field_count)")
    (d / "semicolon.csv").write_text(to_csv_text(_rows()).replace(",", ";"), encoding="utf-8")
    refuse("semicolon-separated", d / "semicolon.csv", "missing_column", "';'")
    (d / "empty.csv").write_bytes(b"")
    refuse("empty file", d / "empty.csv", "empty_file")
    (d / "blank.csv").write_text("\r\n \r\n\t\r\n")
    refuse("only blank lines", d / "blank.csv", "empty_file")
    (d / "header_only.csv").write_text(to_csv_text(_rows()).split("\r\n")[0] + "\r\n")
    refuse("header only", d / "header_only.csv", "header_only")
    cols = list(valid_rows(1)[0])
    p = d / "dup_header.csv"
    p.write_text(to_csv_text(_rows(), cols).replace("case_ref", "Case Ref", 1).replace(",notes", ",case_ref", 1))
    refuse("two headers for one column", p, "(duplicate_column|missing_column)")
    _csv(d / "missing_col.csv", _rows(), columns=[c for c in cols if c != "audit_date"])
    refuse("missing column", d / "missing_col.csv", "missing_column", "audit_date")
    # not regular files: refused at once, never blocking or reading forever
    fifo = d / "fifo.csv"
    os.mkfifo(fifo)
    refuse("FIFO", fifo, "unreadable_file", "FIFO")
    for dev in ("/dev/zero", "/dev/urandom", "/dev/null"):
        link = d / f"link_{Path(dev).name}.csv"
        link.symlink_to(dev)
        refuse(f"symlink to {dev}", link, "unreadable_file", "device")
    (d / "folder.csv").mkdir()
    refuse("folder named .csv", d / "folder.csv", "no_files")
    refuse("file that does not exist", d / "nope.csv", "unreadable_file", "nope.csv")
    (d / "emptydir").mkdir()
    refuse("empty folder", d / "emptydir", "no_files", "emptydir")
    (d / "txtdir").mkdir()
    (d / "txtdir" / "notes.txt").write_text("hello")
    refuse("folder with no exports", d / "txtdir", "no_files")
    dangling = d / "dangling.csv"
    dangling.symlink_to(d / "gone.csv")
    refuse("dangling symlink", dangling, "unreadable_file")
    # spreadsheets: zip bombs, corrupt XML, lies
    refuse("xlsx zip bomb (300 MB of sheet XML)", _xlsx_variant(d / "bomb.xlsx", lambda n, b: b.replace(
        b"</sheetData>", b"</sheetData><!--" + b" " * (300 << 20) + b"-->") if n == _SHEET else b),
        "unreadable_file", "zip bomb")
    refuse("xlsx corrupt sheet XML", _xlsx_variant(d / "corrupt.xlsx", lambda n, b: b[:len(b) // 2]
                                                   if n == _SHEET else b), "unreadable_file", "not a readable XLSX")
    refuse("xlsx unclosed tag", _xlsx_variant(d / "badtag.xlsx", lambda n, b: b.replace(b"</sheetData>", b"<row>")
                                              if n == _SHEET else b), "unreadable_file")
    refuse("xlsx without its sheet", _xlsx_variant(d / "nosheet.xlsx", lambda n, b: None if n == _SHEET else b),
           "(unreadable_file|empty_file)")
    refuse("xlsx workbook.xml missing", _xlsx_variant(d / "nowb.xlsx", lambda n, b: None if n == "xl/workbook.xml"
                                                      else b), "unreadable_file")
    refuse("xlsx cell at column XFD", _xlsx_variant(d / "wide.xlsx", lambda n, b: b.replace(
        b"</sheetData>", b'<row r="5"><c r="XFD5"><v>1</v></c></row></sheetData>') if n == _SHEET else b),
        "unreadable_file", "column 16,384")
    refuse("xlsx rows below its stated dimension", _xlsx_variant(d / "below.xlsx", lambda n, b: b.replace(
        b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>A99999</t></is></c></row></sheetData>')
        if n == _SHEET else b), "required_value", r"row 9")
    raw = (HERE / "valid.xlsx").read_bytes()
    (d / "truncated.xlsx").write_bytes(raw[: len(raw) // 2])
    refuse("truncated xlsx", d / "truncated.xlsx", "unreadable_file")
    (d / "fake.xlsx").write_text(to_csv_text(_rows()))
    refuse("CSV named .xlsx", d / "fake.xlsx", "unreadable_file")
    (d / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    refuse("old .xls", d / "old.xls", "unreadable_file", ".xls")
    (d / "renamed.csv").write_bytes(raw)
    accept("xlsx named .csv", d / "renamed.csv")
    # reference tables replaced by unrelated files
    (d / "unrelated.csv").write_text("a,b\n1,2\n")
    (d / "districts_nocount.csv").write_text("district,district_code,area\nDover,DOV,South\n")
    (d / "districts_badcount.csv").write_text("district,district_code,area,children_on_plans\nDover,DOV,South,１２\n")
    for opt, f, says in (("--criteria", "unrelated.csv", "id"), ("--districts", "unrelated.csv", "district"),
                         ("--districts", "districts_nocount.csv", "children_on_plans"),
                         ("--districts", "districts_badcount.csv", "children_on_plans"),
                         ("--criteria", "bomb.xlsx", "UTF-8")):
        cases.append(Case(f"export:{opt} {f}", ["validate", "--synthetic", opt, str(d / f), str(HERE / "valid.xlsx")],
                          "refuse", (2,), (r"\[rule: reference_table\]", re.escape(f), says)))
    return cases


# ----------------------------------------------------------------------------- parameter files

def scratch_repo(dest: Path) -> Path:
    """A git repository root with the checkout's notebooks and data and a tracked docs/ folder."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("data", "notebooks"):
        if not (dest / name).exists():
            (dest / name).symlink_to(ROOT / name, target_is_directory=True)
    (dest / "params").mkdir(exist_ok=True)
    (dest / "docs").mkdir(exist_ok=True)
    (dest / "docs" / "guide.md").write_text("# guide\n")
    (dest / ".gitignore").write_text("outputs/*\n")
    (dest / "outputs").mkdir(exist_ok=True)
    git = ["git", "-C", str(dest), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    if not (dest / ".git").exists():
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "docs", ".gitignore"], check=True)
        subprocess.run([*git, "commit", "-qm", "scratch"], check=True)
    return dest


BASE_PARAMS = {
    "cycle": "2009", "title": "Hostile cycle", "synthetic": True,
    # relative paths are relative to the parameter file's folder (params/)
    "inputs": {"audits": ["../data/synthetic/audits_2009.csv"]},
    "samples": ["initial", "extended", "reaudit"], "seed": 1, "output_dir": "../outputs",
}


def params_cases(repo: Path) -> list[Case]:
    """Hostile parameter files for ``kentaudit run`` (each refused before anything runs)."""
    scratch_repo(repo)
    pdir = repo / "params"
    cases: list[Case] = []
    n = [0]

    def write(doc=None, text=None) -> Path:
        n[0] += 1
        p = pdir / f"hostile_{n[0]:03d}.yaml"
        if text is not None:
            p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        else:
            p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return p

    def with_(**change):
        doc = yaml.safe_load(yaml.safe_dump(BASE_PARAMS))
        for k, v in change.items():
            if k.startswith("inputs__"):
                doc["inputs"][k[8:]] = v
            elif v is _DROP:
                doc.pop(k)
            else:
                doc[k] = v
        return doc

    def refuse(name, path_or_doc, *says, codes=(2,)):
        p = path_or_doc if isinstance(path_or_doc, Path) else write(path_or_doc)
        name = name.replace(str(repo), "<repo>")  # case names are the same on every machine
        cases.append(Case(f"params:{name}", ["run", str(p)], "refuse", codes, says))

    # confinement
    for od in (".", "..", "/", str(repo), "docs", "params", "data", "data/synthetic", "notebooks", ".git",
               "docs/sub", "outputs/../docs", str(repo / "new-unignored"), "/proc/x", "/sys/kernel", "/dev/null"):
        label = od.replace(str(repo), "<repo>")  # case names are the same on every machine
        # relative to the parameter file's folder (params/): "../docs" is the repository's docs/
        rel = od if od.startswith("/") or od in (".", "..") else f"../{od}"
        refuse(f"output_dir {label!r}", with_(output_dir=rel), "key 'output_dir'")
    for cyc in ("docs", "../docs", "/etc", "a/b", "..", ".", "", " ", "-x", "x" * 70, "20 09", "２００９",
                "2009\n", "$(rm -rf ~)", "2009;ls", "a\\b"):
        refuse(f"cycle {cyc!r}", with_(cycle=cyc), "key 'cycle'")
    refuse("cycle unquoted", with_(cycle=2009), "key 'cycle'", "quote it")
    refuse("cycle 2010 over the 2009 export", with_(cycle="2010"), "key 'cycle'", "2009")
    refuse("samples [annual] on the 2009 export", with_(samples=["annual"]), "key 'samples'", "annual")
    # values and types
    for key, value in (("seed", 2**70), ("seed", -1), ("seed", "1"), ("seed", 1.5), ("seed", True),
                       ("confidence_level", 1.5), ("confidence_level", 0), ("suppression_threshold", -3),
                       ("jobs", 0), ("cell_timeout", 0), ("target", 2), ("interval_method", "WILSON"),
                       ("adjust_method", "none"), ("grade_scale", "ofsted_1066"), ("notebooks", ["nope"]),
                       ("districts", ["Medway"]), ("samples", []), ("samples", ["pilot"]), ("title", ""),
                       ("synthetic", "yes"), ("output_dir", 5), ("colour", "red")):
        refuse(f"{key}={value!r}", with_(**{key: value}), f"key '{key}'")
    refuse("seed missing", with_(seed=_DROP), "key 'seed'")
    # YAML 1.1 forms nobody means in a parameter file (issue 24): PyYAML read 010 as 8, 1:30
    # as 90 and 1_0 as 10, so a disclosure setting could be another number than the one written
    plain = yaml.safe_dump(with_(suppression_threshold=5, protection_width=3, accept_rejected_rows=0),
                           sort_keys=False)
    for key, raw, read in (("suppression_threshold", "010", "8"), ("protection_width", "0x3", "3"),
                           ("accept_rejected_rows", "1:30", "90"), ("suppression_threshold", "1_0", "10"),
                           ("seed", "0755", "493"), ("confidence_level", "0.9_5", "0.95")):
        text = re.sub(rf"(?m)^{key}:.*$", f"{key}: {raw}", plain) if f"\n{key}:" in plain \
            else plain + f"{key}: {raw}\n"
        refuse(f"YAML 1.1 number {key}: {raw}", write(text=text), r"line \d+", re.escape(repr(raw)),
               f"reads it as {re.escape(read)}")
    # yes/no/on/off stay the text written (YAML 1.2): `districts: [NO]` was read as False
    refuse("YAML 1.1 boolean districts: [ASH, NO]", write(text=plain.replace("samples:", "districts: [ASH, NO]\nsamples:")),
           "key 'districts'", "unknown district 'NO'")
    refuse("YAML 1.1 boolean synthetic: yes", write(text=plain.replace("synthetic: true", "synthetic: yes")),
           "key 'synthetic'", "'yes'")
    # inputs
    (repo / "bad_districts.csv").write_text("district,code\nDover,DOV\n")
    (repo / "unrelated.csv").write_text("a,b\n1,2\n")
    fifo = repo / "audits.fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    for key, value, says in (("inputs__districts", "../bad_districts.csv", "children_on_plans"),
                             ("inputs__criteria", "../unrelated.csv", "id"),
                             ("inputs__audits", ["nope.csv"], "not found"),
                             ("inputs__audits", ["../data"], "not found"),
                             ("inputs__audits", [str(fifo)], "not found|regular"),
                             ("inputs__audits", [], "at least one")):
        # names the same in every process (xdist workers compare them): no temporary path
        refuse(f"{key[8:]}={value!r}".replace(str(repo), "<repo>"), with_(**{key: value}), says)
    # the file itself
    refuse("nested 5,000 deep", write(text="cycle: " + "[" * 5000 + "]" * 5000 + "\n"), "nested")
    refuse("nested mapping 200 deep", write(text="".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n"),
           "nested")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
    refuse("YAML alias bomb", write(text=bomb), "aliases")
    refuse("YAML syntax error", write(text="cycle: \"2009\nseed: [1,\n"), "YAML syntax error")
    refuse("duplicate key", write(text=yaml.safe_dump(BASE_PARAMS) + "seed: 2\n"), "duplicate key")
    refuse("not a mapping", write(text="- a\n- b\n"), "mapping")
    refuse("scalar", write(text="2009\n"), "mapping")
    refuse("empty file", write(text=""), "mapping")
    refuse("UTF-16", write(text=yaml.safe_dump(BASE_PARAMS).encode("utf-16")), "UTF-8")
    refuse("binary", write(text=bytes(range(256))), "UTF-8|YAML")
    refuse("non-string key", write(text=yaml.safe_dump(BASE_PARAMS) + "1: x\n"), "keys must be names")
    refuse("python tag", write(text="cycle: !!python/object/apply:os.system ['true']\n"), "YAML")
    refuse("2 MB file", write(text=yaml.safe_dump(BASE_PARAMS) + "#" * (2 << 20) + "\n"), "bytes")
    # a cycle folder kentaudit did not make
    (repo / "outputs" / "2009").mkdir(parents=True, exist_ok=True)
    (repo / "outputs" / "2009" / "precious.txt").write_text("not kentaudit's")
    refuse("existing cycle folder not made by kentaudit", with_(), "refusing to replace", "precious|not made")
    return cases


class _Drop:
    pass


_DROP = _Drop()


# ----------------------------------------------------------------------------- command lines

def cli_cases(d: Path) -> list[Case]:
    """Hostile command-line arguments for every command."""
    d.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def refuse(name, argv, *says, codes=(2,), env=None):
        cases.append(Case(f"cli:{name.replace(str(d), '<dir>')}", argv, "refuse", codes, says, env or {}))

    frame = d / "frame.csv"
    frame.write_text("case_ref,district\n" + "".join(f"SYN-{i:07d},{['Dover', 'Thanet'][i % 2]}\n"
                                                     for i in range(40)))
    (d / "file").write_text("x")
    fifo = d / "fifo"
    os.mkfifo(fifo)
    valid = str(HERE / "valid.xlsx")
    key_ok = "5e2b8d4f1a9c7e3b6d0f8a2c4e6b9d1f"
    (d / "key_open").write_text(key_ok)
    os.chmod(d / "key_open", 0o644)
    (d / "key_weak").write_text("a" * 40)
    os.chmod(d / "key_weak", 0o600)
    (d / "key_short").write_text("abc")
    os.chmod(d / "key_short", 0o600)
    (d / "pub").mkdir()
    (d / "pub" / "t.csv").write_text("a,n\nx,3\n")
    real = d / "real.csv"
    rows = valid_rows(2)
    rows[1]["case_ref"] = "K-000123"
    real.write_text(to_csv_text(rows))

    for t in ("-3", "0", "abc", "1.5", "٣", "99999999999999999999999"):
        refuse(f"check-publication --threshold {t}", ["check-publication", str(d / "pub"), "--threshold", t],
               "--threshold")
    refuse("check-publication missing folder", ["check-publication", str(d / "nope")], "nope", "does not exist")
    refuse("check-publication /", ["check-publication", "/"], "system folder")
    refuse("check-publication /proc", ["check-publication", "/proc/self"], "system folder")
    refuse("check-publication a file", ["check-publication", str(d / "file")], "not a folder")
    refuse("check-publication --restricted /dev", ["check-publication", str(d / "pub"), "--restricted", "/dev"],
           "--restricted")
    for nval in ("0", "-1", "x", "1e3"):
        refuse(f"sample --n {nval}", ["sample", "--frame", str(frame), "--out", str(d / "s"), "--n", nval,
                                      "--seed", "1"], "--n")
    base = ["sample", "--frame", str(frame), "--n", "4", "--seed", "1"]
    refuse("sample --frame xlsx", ["sample", "--frame", valid, "--out", str(d / "s1"), "--n", "4", "--seed", "1"],
           "CSV file|spreadsheet")
    refuse("sample --frame folder", ["sample", "--frame", str(d), "--out", str(d / "s2"), "--n", "4", "--seed", "1"],
           "--frame", "folder")
    refuse("sample --frame FIFO", ["sample", "--frame", str(fifo), "--out", str(d / "s3"), "--n", "4",
                                   "--seed", "1"], "--frame", "regular")
    refuse("sample --frame missing", ["sample", "--frame", str(d / "nope.csv"), "--out", str(d / "s4"), "--n", "4",
                                      "--seed", "1"], "--frame")
    refuse("sample --out /proc/x", [*base, "--out", "/proc/x"], "--out")
    refuse("sample --out a file", [*base, "--out", str(d / "file")], "--out", "not a folder")
    refuse("sample --out under a file", [*base, "--out", str(d / "file" / "sub")], "--out")
    refuse("sample --seed 2**70", ["sample", "--frame", str(frame), "--out", str(d / "s5"), "--n", "4",
                                   "--seed", str(2**70)], "--seed")
    refuse("sample --seed -1", ["sample", "--frame", str(frame), "--out", str(d / "s5"), "--n", "4",
                                "--seed", "-1"], "--seed")
    refuse("sample --as-of 2020-13-01", [*base, "--out", str(d / "s6"), "--as-of", "2020-13-01"], "--as-of")
    refuse("sample --as-of text", [*base, "--out", str(d / "s6"), "--as-of", "yesterday"], "--as-of")
    refuse("sample --exclude-months -1", [*base, "--out", str(d / "s7"), "--exclude-months", "-1"], "--exclude-months")
    refuse("sample --n above the frame", ["sample", "--frame", str(frame), "--out", str(d / "s8"), "--n", "999",
                                          "--seed", "1"], "999|frame|available", codes=(1, 2))
    refuse("sample --allocation bogus", [*base, "--out", str(d / "s9"), "--allocation", "bogus"], "bogus")
    refuse("validate --key-file folder", ["validate", "--key-file", str(d), valid], "--key-file", "folder")
    refuse("validate --key-file missing", ["validate", "--key-file", str(d / "nokey"), valid], "--key-file")
    refuse("validate --key-file FIFO", ["validate", "--key-file", str(fifo), valid], "--key-file")
    refuse("validate key file readable by others", ["validate", "--key-file", str(d / "key_open"), valid],
           "chmod 600")
    refuse("validate low-entropy key file", ["validate", "--key-file", str(d / "key_weak"), valid], "not random")
    refuse("validate short key file", ["validate", "--key-file", str(d / "key_short"), valid], "at least 32")
    refuse("validate low-entropy $KENTAUDIT_KEY", ["validate", valid], "not random",
           env={"KENTAUDIT_KEY": "a" * 32})
    refuse("validate demo key for real references", ["validate", str(real)], "demo key",
           env={"KENTAUDIT_KEY": "kentaudit-public-demo-key-for-synthetic-data-only"})
    refuse("validate --synthetic with real references", ["validate", "--synthetic", str(real)], "SYN-")
    refuse("validate without a key", ["validate", str(real)], "no pseudonymisation key")
    refuse("validate --report /proc/x", ["validate", "--synthetic", "--report", "/proc/x", valid], "--report")
    refuse("validate --report a file", ["validate", "--synthetic", "--report", str(d / "file"), valid], "--report")
    refuse("validate --cycle 20x9", ["validate", "--synthetic", "--cycle", "20x9", valid], "--cycle")
    refuse("validate --criteria folder", ["validate", "--synthetic", "--criteria", str(d), valid], "--criteria")
    refuse("validate --districts FIFO", ["validate", "--synthetic", "--districts", str(fifo), valid], "--districts")
    refuse("validate no paths", ["validate"], "paths|required")
    refuse("synth --out /proc/x", ["synth", "--out", "/proc/x"], "--out")
    refuse("synth --out a file", ["synth", "--out", str(d / "file")], "--out")
    refuse("synth --seed -1", ["synth", "--out", str(d / "syn"), "--seed", "-1"], "--seed")
    refuse("synth --formats pdf", ["synth", "--out", str(d / "syn"), "--formats", "pdf"], "--formats")
    params = ROOT / "params" / "cycle-2009.yaml"
    refuse("run --jobs 0", ["run", str(params), "--jobs", "0"], "--jobs")
    refuse("run --jobs -2", ["run", str(params), "--jobs", "-2"], "--jobs")
    refuse("run --cell-timeout 0", ["run", str(params), "--cell-timeout", "0"], "--cell-timeout")
    refuse("run a folder", ["run", str(d)], "folder")
    refuse("run /dev/null", ["run", "/dev/null"], "regular")
    refuse("run --districts Medway", ["run", str(params), "--districts", "Medway"], "Medway")
    refuse("run --notebooks nope", ["run", str(params), "--notebooks", "nope"], "nope")
    refuse("appendix a folder", ["appendix", str(d)], "folder")
    refuse("appendix --results missing", ["appendix", str(params), "--results", str(d / "nope")], "results")
    refuse("pseudonym to /proc", ["-m", "kentaudit.inputs.pseudonym", "/proc/kentaudit-key"], "error")
    refuse("pseudonym under a file", ["-m", "kentaudit.inputs.pseudonym", str(d / "file" / "key")], "error")
    refuse("pseudonym over a file", ["-m", "kentaudit.inputs.pseudonym", str(d / "file")], "already exists")
    refuse("pseudonym to a folder", ["-m", "kentaudit.inputs.pseudonym", str(d)], "already exists")
    refuse("pseudonym no path", ["-m", "kentaudit.inputs.pseudonym"], "usage")
    refuse("no command", [], "COMMAND|required")
    refuse("unknown command", ["frobnicate"], "invalid choice")
    return cases



# ----------------------------------------------------------------------------- text and the check (issue 24)

RLO, ZWSP = "\u202e", "\u200b"
DISTRICTS_HEAD = "district,district_code,area,children_on_plans\n"
CRITERIA = (ROOT / "kentaudit" / "data" / "criteria.csv").read_text(encoding="utf-8")


def _districts_with(first_row: str) -> str:
    """The bundled districts table with its first data row replaced."""
    lines = (ROOT / "kentaudit" / "data" / "districts.csv").read_text(encoding="utf-8").splitlines()
    return "\n".join([lines[0], first_row, *lines[2:]]) + "\n"


def _criteria_with(row: int, column: str, value: str) -> str:
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(CRITERIA)))
    rows[row][column] = value
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def text_cases(d: Path) -> list[Case]:
    """Unsafe or absurd text (issue 24 item 4) and a check fooled by its input (item 3).

    Each class of the issue, with cases of its own: bidirectional controls and invisible
    characters (exports, reference tables, parameters), lengths, dates, district codes
    (unsafe characters, collisions after case folding), catalogue closed sets, duplicate
    labels; and links, FIFOs and edited metadata in a folder to publish. Every refusal
    names the file, the row or key, the column, the value and the rule.
    """
    d.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    valid = str(HERE / "valid.xlsx")

    def refuse(name, argv, *says, codes=(2,)):
        cases.append(Case(f"text:{name}", argv, "refuse", codes, says))

    # --- exports: ids and names that reach outputs
    for col, value, rule in (("audit_id", f"A{RLO}00001", "bidi_control"),
                             ("audit_id", f"A0{ZWSP}0001", "invisible_character"),
                             ("team", f"Team{chr(0x2066)} 1", "bidi_control"),
                             ("team", "Team \ufeff1", "invisible_character"),
                             ("auditor", "AU" + "9" * 70, "text_too_long"),
                             ("team", "T" * 40_000, "text_too_long"),
                             ("moderator", f"AU01{chr(0x200f)}", "bidi_control"),
                             # issue 24, second corpus: printable to str.isprintable(), shown as nothing
                             # or as another text
                             ("auditor", "AU\u034f01", "invisible_character"),
                             ("team", "Team\u3164 1", "invisible_character"),
                             ("team", "Te\u0430m 1", "confusable_text"),
                             ("audit_id", "A2012\u20110001", "confusable_text"),
                             ("team", "Team \ufffd", "confusable_text")):
        p = _csv(d / f"export_{col}_{rule}_{len(cases)}.csv", _rows(**{f"1__{col}": value}))
        refuse(f"export {col} {rule}", ["validate", "--synthetic", str(p)], re.escape(p.name), r"row 3",
               re.escape(f"column '{col}'"), rf"\[rule: {rule}\]", codes=(1,))

    # --- the districts table: names, areas and codes
    def districts_case(name, row, rule, says_column, says_value):
        p = d / f"districts_{len(cases)}.csv"
        p.write_text(_districts_with(row), encoding="utf-8")
        refuse(f"districts {name}", ["validate", "--synthetic", "--districts", str(p), valid],
               re.escape(p.name), r"row 2", re.escape(f"column '{says_column}'"), re.escape(says_value),
               rf"\[rule: {rule}\]")

    districts_case("name with RLO", f"Ash{RLO}ford,ASH,South,118", "bidi_control", "district", "Ash<U+202E>ford")
    districts_case("area with zero-width space", f"Ashford,ASH,So{ZWSP}uth,118", "invisible_character", "area",
                   "So<U+200B>uth")
    districts_case("40,000-character name", "A" * 40_000 + ",ASH,South,118", "text_too_long", "district",
                   "40,000 characters")
    districts_case("code ../", "Ashford,../ASH,South,118", "unsafe_code", "district_code", "../ASH")
    districts_case("code a/b", "Ashford,a/b,South,118", "unsafe_code", "district_code", "a/b")
    districts_case("code with a space", "Ashford,AS H,South,118", "unsafe_code", "district_code", "AS H")
    districts_case("name with a Cyrillic A", "\u0410shford,ASH,South,118", "confusable_text", "district", "\u0410shford")
    districts_case("code CON (a Windows device name)", "Ashford,CON,South,118", "unsafe_code", "district_code", "CON")
    districts_case("area with a Hangul filler", "Ashford,ASH,South\u3164,118", "invisible_character", "area",
                   "South<U+3164>")
    p = d / "districts_case_collision.csv"
    p.write_text(DISTRICTS_HEAD + "Thanet,THA,East,176\nThanet East,tha,East,10\n", encoding="utf-8")
    refuse("districts codes tha and THA", ["validate", "--synthetic", "--districts", str(p), valid],
           re.escape(p.name), r"row 3", "column 'district_code'", "value 'tha'", "THA|Thanet",
           r"\[rule: district_key_collision\]")
    p = d / "districts_code_is_a_name.csv"
    p.write_text(DISTRICTS_HEAD + "Dover,DOV,South,121\nDover Town,dover,South,10\n", encoding="utf-8")
    refuse("districts code equal to another's name", ["validate", "--synthetic", "--districts", str(p), valid],
           re.escape(p.name), r"row 3", "value 'dover'", r"\[rule: district_key_collision\]")

    # --- the criteria catalogue
    def criteria_case(name, row, column, value, rule, says_value):
        p = d / f"criteria_{len(cases)}.csv"
        p.write_text(_criteria_with(row, column, value), encoding="utf-8")
        refuse(f"criteria {name}", ["validate", "--synthetic", "--criteria", str(p), valid],
               re.escape(p.name), rf"row {row + 2}", re.escape(f"column '{column}'"), re.escape(says_value),
               rf"\[rule: {rule}\]")

    criteria_case("label with RLO", 1, "label", f"Child seen {RLO}enola", "bidi_control", "<U+202E>")
    criteria_case("label with zero-width joiner", 2, "label", "Child's\u200d wishes", "invisible_character",
                  "<U+200D>")
    criteria_case("label of 32,768 characters", 3, "label", "L" * 32_768, "text_too_long", "32,768 characters")
    criteria_case("duplicate label", 1, "label", "child seen during the  assessment or visit period",
                  "duplicate_label", "child seen")
    criteria_case("label with U+FFFD (a wrong decoding)", 1, "label", "Child seen by the social worker \ufffd",
                  "confusable_text", "\ufffd")
    criteria_case("label with stacked combining marks", 2, "label", "Child's wishes" + "\u0300" * 8,
                  "confusable_text", "wishes")
    criteria_case("unknown kind", 0, "kind", "mandatory", "unknown_catalogue_value", "mandatory")
    criteria_case("unknown evidence", 0, "evidence", "paper", "unknown_catalogue_value", "paper")
    criteria_case("unknown domain", 0, "domain", "safety", "unknown_catalogue_value", "safety")

    # --- parameter files: refused before anything runs
    repo = scratch_repo(d / "repo")
    n = [0]

    def params_case(name, *says, **change):
        doc = yaml.safe_load(yaml.safe_dump(BASE_PARAMS))
        for k, v in change.items():
            if k.startswith("publication__"):
                doc.setdefault("publication", {})[k[13:]] = v
            else:
                doc[k] = v
        n[0] += 1
        p = repo / "params" / f"text_{n[0]:03d}.yaml"
        p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        refuse(f"params {name}", ["run", str(p)], re.escape(p.name), *says)

    params_case("title with RLO", "key 'title'", r"\[rule: bidi_control\]", title=f"Audit {RLO}9002")
    params_case("next_update with zero-width space", "key 'publication.next_update'",
                r"\[rule: invisible_character\]", publication__next_update=f"To be{ZWSP} announced")
    params_case("producer of 100,000 characters", "key 'publication.producer'", "100,000 characters",
                r"\[rule: text_too_long\]", publication__producer="P" * 100_000)
    params_case("contact_name of 101 characters", "key 'publication.contact_name'", r"\[rule: text_too_long\]",
                publication__contact_name="C" * 101)
    params_case("publication_date 2009-02-30", "key 'publication.publication_date'", "2009-02-30",
                "not a real calendar date", r"\[rule: not_a_date\]", publication__publication_date="2009-02-30")
    params_case("publication_date in full-width digits", "key 'publication.publication_date'",
                "NFKC reads it as 2009-06-30", r"\[rule: not_a_date\]",
                publication__publication_date="２００９-０６-３０")
    params_case("publication_date 1900-01-01", "key 'publication.publication_date'", "1900-01-01",
                r"\[rule: date_range\]", publication__publication_date="1900-01-01")
    params_case("publication_date before the cycle", "key 'publication.publication_date'", "2008-12-31",
                r"\[rule: date_range\]", publication__publication_date="2008-12-31")
    params_case("next_update before the publication", "key 'publication.next_update'", "2009-01-02",
                r"\[rule: date_range\]", publication__publication_date="2009-06-30",
                publication__next_update="2009-01-02")
    params_case("next_update 2010-02-29", "key 'publication.next_update'", r"\[rule: not_a_date\]",
                publication__next_update="2010-02-29")
    params_case("title starting with a line separator", "key 'title'", r"\[rule: invisible_character\]",
                title="\u2028Audit 2009")
    params_case("producer with a noncharacter", "key 'publication.producer'", r"\[rule: invisible_character\]",
                publication__producer="Kent\uffff")
    for raw in ("2009-02-30", "2009-06-30 25:00:00"):
        n[0] += 1
        p = repo / "params" / f"text_{n[0]:03d}.yaml"
        text = yaml.safe_dump(BASE_PARAMS, sort_keys=False)
        p.write_text(text + f"publication:\n  publication_date: {raw}\n", encoding="utf-8")
        refuse(f"params unquoted impossible date {raw}", ["run", str(p)], re.escape(p.name), r"line \d+",
               re.escape(repr(raw)), "not a real calendar date")
    params_case("district with RLO", "key 'districts'", re.escape("<U+202E>"), districts=[f"Than{RLO}et"])
    params_case("district ../", "key 'districts'", "'../THA'", districts=["../THA"])
    hostile_table = d / "districts_dotdot_for_run.csv"
    hostile_table.write_text(_districts_with("Ashford,../ASH,South,118"), encoding="utf-8")
    doc = yaml.safe_load(yaml.safe_dump(BASE_PARAMS))
    doc["inputs"]["districts"] = str(hostile_table)
    p = repo / "params" / "text_districts_table.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    refuse("params inputs.districts with code ../ refused before any kernel", ["run", str(p)],
           re.escape(hostile_table.name), "row 2", "column 'district_code'", "value '../ASH'",
           r"\[rule: unsafe_code\]")
    refuse("run --districts with ../", ["run", str(ROOT / "params" / "cycle-2009.yaml"), "--districts", "../THA"],
           "--districts", "'../THA'")

    # --- the publication check fooled by its input (item 3)
    restricted = d / "restricted"
    restricted.mkdir()
    (restricted / "audits.csv").write_text("audit_id,case_ref\nA1,SYN-0000001\n")
    pub = d / "pub_link"
    pub.mkdir()
    (pub / "t.csv").write_text("a,n\nx,30\n")
    (pub / "extra").symlink_to("../restricted")
    refuse("check-publication folder link to restricted", ["check-publication", str(pub), "--restricted",
                                                           str(restricted)],
           r"extra \[-\] link: a symbolic link to '../restricted'", codes=(1,))
    pub = d / "pub_file_link"
    pub.mkdir()
    (pub / "t.csv").symlink_to(restricted / "audits.csv")
    refuse("check-publication file link", ["check-publication", str(pub)], r"t.csv \[-\] link", codes=(1,))
    pub = d / "pub_fifo"
    pub.mkdir()
    os.mkfifo(pub / "t.csv")
    refuse("check-publication FIFO", ["check-publication", str(pub)], r"t.csv \[-\] special_file: a FIFO",
           codes=(1,))
    pub = d / "pub_meta"
    (pub / "csv").mkdir(parents=True)
    (pub / "csv" / "metadata.json").write_text(json.dumps(
        {"tables": [], "disclosure": {"threshold": 5, "protection_width": 0}}))
    refuse("check-publication metadata width 0", ["check-publication", str(pub)],
           r"metadata: states protection width 0", codes=(1,))
    refuse("check-publication metadata width 0 with --params",
           ["check-publication", str(pub), "--params", str(ROOT / "params" / "cycle-2009.yaml")],
           r"metadata: states protection width 0", r"from .*cycle-2009.yaml", codes=(1,))
    return cases


def check(case: Case, proc: subprocess.CompletedProcess) -> list[str]:
    """What is wrong with how the command line handled ``case`` (empty if nothing)."""
    out = proc.stdout + proc.stderr
    problems = []
    if "Traceback" in out:
        problems.append("traceback:\n" + out[-1500:])
    if proc.returncode not in case.codes:
        problems.append(f"exit code {proc.returncode}, expected one of {case.codes}:\n{out[-1500:]}")
    for s in case.says:
        if not re.search(s, out):
            problems.append(f"message does not match {s!r}:\n{out[-1500:]}")
    return problems
