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
            ("audit_date", "2099-01-01", "audit_date_future")]):
        p = _csv(d / f"value_{i}_{col}.csv", _rows(**{f"1__{col}": value}))
        refuse(f"value {col}={value!r}", p, rule, re.escape(p.name), r"row 3", re.escape(col))
    # a row of another cycle in the export of a cycle
    p = _csv(d / "other_cycle_row.csv", _rows(**{"2__cycle": "2013"}))
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
