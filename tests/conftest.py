"""Shared fixtures: one run of each executed cycle configuration for the whole session.

Running a cycle executes every notebook through the runner (about a minute on
2 cores), so the runs are shared: the first test that needs a cycle runs it
into a folder shared by all pytest-xdist workers, under a file lock, and every
other test (on any worker) reuses the result. One run per distinct
configuration: the default 2009 and 2013 cycles (``cycle_2009``, ``cycle_2013``),
the 2009 cycle again in the no-fork, TCP fallback (``cycle_2009_fallback``, which
is also the determinism tests' second run) and the edge-case cycle
(``tests/run/test_edge_cycle.py``). Tests that run a cycle, or read one of these runs,
are marked ``slow`` (the collection hook below marks every test whose fixtures include
``shared_tmp``): ``make test-fast`` leaves them out. The golden notebooks are compared
with the default cycles' executed notebooks (``tests/test_golden.py``), not executed again,
and the fake cycle's appendix is built once per session (``fake_appendix``).
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: the test folders mirror the package's layers (docs/architecture.md); a few tests share
#: helpers defined beside other tests (a scratch repository, the browser check), so every
#: layer's folder is importable from any test, whichever is collected first
LAYERS = ("core", "inputs", "stats", "report", "publication", "analysis", "run")
for _layer in LAYERS:
    if str(ROOT / "tests" / _layer) not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / _layer))


def make_scratch_repo(dest: Path, cycle: str) -> Path:
    """A scratch repository root that reuses this checkout's notebooks and data.

    Returns the path of a copy of ``params/cycle-<cycle>.yaml`` whose
    ``output_dir`` points inside ``dest`` (relative input paths resolve
    against ``dest``, where ``data`` and ``notebooks`` are symlinks).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("data", "notebooks"):
        link = dest / name
        if not link.exists():
            link.symlink_to(ROOT / name, target_is_directory=True)
    (dest / "params").mkdir(exist_ok=True)
    doc = yaml.safe_load((ROOT / "params" / f"cycle-{cycle}.yaml").read_text())
    # relative to the parameter file's folder: every scratch copy of a cycle is the same
    # bytes, so two runs in two folders read byte-identical parameter files
    doc["output_dir"] = "../outputs"
    out = dest / "params" / f"cycle-{cycle}.yaml"
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def kentaudit_in_process(*argv: str) -> SimpleNamespace:
    """``kentaudit ARGV`` run in this process: ``returncode``, ``stdout`` and ``stderr`` as a
    subprocess's would be (``python -m kentaudit`` is ``raise SystemExit(main())``).

    For a command whose exit code and words are what a test reads and which stops before any
    notebook (a refusal): a new interpreter spent seconds of CPU importing kentaudit again.
    An exception main() lets out is not caught: the test fails with its traceback, as one
    asserting "no Traceback on stderr" would."""
    from kentaudit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as stop:  # what the interpreter makes of SystemExit
            code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
            if not isinstance(stop.code, (int, type(None))):
                print(stop.code, file=sys.stderr)
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def once_in(work: Path, compute):
    """What ``compute(work)`` returns, computed once per session across xdist workers.

    The first worker to ask runs it under a file lock in ``work`` (a folder every worker sees)
    and pickles the result there; the others, and later askers, read the pickle. Each asker
    gets its own unpickled copy, so a test changing it affects no other. An exception is not
    kept: the next asker computes again."""
    work.mkdir(parents=True, exist_ok=True)
    done = work / "done.pickle"
    with open(work / "lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not done.exists():
            part = work / "done.pickle.part"
            part.write_bytes(pickle.dumps(compute(work)))
            part.replace(done)
        fcntl.flock(fh, fcntl.LOCK_UN)
    return pickle.loads(done.read_bytes())


def run_cycle_once(base: Path, cycle: str) -> dict:
    """Run ``cycle`` once per test session (across xdist workers); return paths and exit code."""
    from kentaudit.run.runner import run_cycle

    def run(work: Path) -> dict:
        params = make_scratch_repo(work / "repo", cycle)
        return {"code": run_cycle(params, jobs=2), "params": params}

    work = base / f"cycle-{cycle}"
    return {**once_in(work, run), "cycle_dir": work / "repo" / "outputs" / cycle}


def session_folder(tmp_path_factory, name: str) -> Path:
    """A folder ``name`` shared by every xdist worker of this session (the workers' base
    folders are siblings, so their parent is the session's)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    path = base / name
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory) -> Path:
    """A folder shared by every xdist worker of this session, for the executed cycles (a test
    whose fixtures include it is marked ``slow``)."""
    return session_folder(tmp_path_factory, "shared")


def run_fallback_once(base: Path, cycle: str) -> dict:
    """Run ``cycle`` once per session as Windows would: no fork, kernels over TCP.

    ``kentaudit run PARAMS --jobs 2`` in a subprocess with ``KENTAUDIT_NO_FORK=1`` and
    ``KENTAUDIT_KERNEL_TRANSPORT=tcp``, in its own scratch repository (the same
    parameter bytes as :func:`run_cycle_once`'s); returns its exit code, stderr,
    parameter file and cycle folder."""
    def run(work: Path) -> dict:
        params = make_scratch_repo(work / "repo", cycle)
        env = {**os.environ, "KENTAUDIT_NO_FORK": "1", "KENTAUDIT_KERNEL_TRANSPORT": "tcp"}
        res = subprocess.run([sys.executable, "-m", "kentaudit", "run", str(params), "--jobs", "2"],
                             capture_output=True, text=True, timeout=2400, env=env, cwd=work, check=False)
        return {"code": res.returncode, "params": params, "stderr": res.stderr[-20000:]}

    work = base / f"cycle-{cycle}-fallback"
    return {**once_in(work, run), "cycle_dir": work / "repo" / "outputs" / cycle}


@pytest.fixture(scope="session")
def cycle_2009(shared_tmp) -> dict:
    """The default 2009 synthetic cycle (initial, extended, re-audit), run once."""
    return run_cycle_once(shared_tmp, "2009")


@pytest.fixture(scope="session")
def cycle_2013(shared_tmp) -> dict:
    """The 2013 annual synthetic cycle with 2010-2012 for trends, run once."""
    return run_cycle_once(shared_tmp, "2013")


@pytest.fixture(scope="session")
def cycle_2009_fallback(shared_tmp) -> dict:
    """The default 2009 cycle run once more, with no fork() and kernels over TCP."""
    return run_fallback_once(shared_tmp, "2009")


def computed_once(tmp_path_factory, name: str, compute):
    """What ``compute(folder)`` returns, computed once per session across xdist workers
    (:func:`once_in`, in the session folder ``name``). For expensive in-process results several
    test files read (an appendix build, a section of a default cycle), not for executed cycles
    (those are built in ``shared_tmp``, which marks their readers ``slow``)."""
    return once_in(session_folder(tmp_path_factory, name), compute)


def _build_fake_appendix(work: Path) -> dict:
    from appendix_fake import write_fake_cycle

    from kentaudit.publication.appendix import build_appendix

    out = work / "2009"
    params = write_fake_cycle(out)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KENTAUDIT_PDF_ENGINE", raising=False)  # the default engine choice
        result = build_appendix(params, out)
    return {"result": result, "params": params, "out": out}


@pytest.fixture(scope="session")
def fake_appendix(tmp_path_factory) -> SimpleNamespace:
    """The appendix of the fake cycle (``tests/appendix_fake.py``, default arguments), built
    once per session (:func:`computed_once`): ``result`` (what ``build_appendix`` returned),
    ``params``, ``out``.

    Building it takes seconds of CPU (every writer, the PDF included), and the writer and
    check tests only read it, so they share one build. Read-only: a test that changes the
    published files copies them first (the ``pub`` fixtures)."""
    return SimpleNamespace(**computed_once(tmp_path_factory, "fake-appendix", _build_fake_appendix))


@pytest.fixture
def fake_pub(fake_appendix, tmp_path) -> Path:
    """A copy of the fake appendix's ``publish/`` folder for one test to change (plant a fault
    in), at ``<tmp>/outputs/2009/publish`` with no other cycle beside it: the command line
    attacks the programme's other releases found beside a cycle, and there are none."""
    import shutil

    dst = tmp_path / "outputs" / "2009" / "publish"
    shutil.copytree(fake_appendix.result.publish_dir, dst)
    return dst


def _build_formula_appendix(work: Path) -> dict:
    from appendix_fake import write_fake_cycle

    from kentaudit.publication.appendix import build_appendix
    from kentaudit.report.results import load_table, save_table

    out = work / "2009"
    params = write_fake_cycle(out)
    params["title"] = '{=HYPERLINK("http://evil.example","t")}'
    df = load_table("reconciliation", out / "results")
    df.loc[1, "outcome"] = '=HYPERLINK("http://example.org","x")'
    save_table(df, "reconciliation", out / "results")
    return {"result": build_appendix(params, out)}


@pytest.fixture(scope="session")
def formula_appendix(tmp_path_factory):
    """What ``build_appendix`` returned for the fake cycle with formula text where a spreadsheet
    would run it (the title, a reconciliation outcome), built once per session
    (:func:`computed_once`) for the safe-writer and workbook tests. Read-only."""
    return computed_once(tmp_path_factory, "formula-appendix", _build_formula_appendix)["result"]


#: the attacks computed in this process, by what each read (:func:`attack_once_per_input`)
_ATTACKS: dict = {}


def release_bytes(publish_dir) -> tuple | None:
    """What the attack (``kentaudit.publication.check.attack``) reads of a release: the name and
    bytes of each ``csv/*.csv`` and ``csv/metadata.json``; None where one of them is not a plain
    file (a link, a FIFO, a folder), which the attack is left to meet itself."""
    import stat

    folder = Path(publish_dir) / "csv"
    if not folder.is_dir() or folder.is_symlink():
        return None
    parts = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv") or name == "metadata.json":
            if not stat.S_ISREG(os.lstat(folder / name).st_mode):
                return None
            parts.append((name, (folder / name).read_bytes()))
    return tuple(parts)


@pytest.fixture
def attack_once_per_input(monkeypatch):
    """The publication check's attack computed once per distinct input in this process.

    The attack (about 3 s of CPU on the fake appendix, three quarters of a check) reads only the
    published CSVs and metadata of the release and of the earlier ones, whose folders its findings
    name; most of the check tests plant their fault elsewhere (the HTML, the workbooks, a link, a
    file) in a copy of the same appendix. So the check's call is answered from a memo keyed by
    those bytes, the earlier releases' folders and the arguments: a test that changes a CSV or the
    metadata gets an attack of its own, and each caller its own copy of the result. A release
    holding anything but plain files where the attack reads is attacked afresh."""
    from kentaudit.publication.check import attack as attack_module
    from kentaudit.publication.check import folder

    real = attack_module.attack

    def attack(publish_dir, earlier=(), **kw):
        read = [release_bytes(p) for p in [publish_dir, *earlier]]
        if None in read:
            return real(publish_dir, earlier, **kw)
        key = (tuple(read), tuple(str(p) for p in earlier), tuple(sorted(kw.items())))
        if key not in _ATTACKS:
            _ATTACKS[key] = pickle.dumps(real(publish_dir, earlier, **kw))
        return pickle.loads(_ATTACKS[key])

    monkeypatch.setattr(folder, "attack", attack)


def _districts_2009(work: Path):
    import warnings

    from kentaudit import analysis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analysis.districts(analysis.load_cycle(ROOT / "params" / "cycle-2009.yaml"))


@pytest.fixture(scope="session")
def districts_2009(tmp_path_factory):
    """The districts section (``kentaudit.analysis.districts``) of the default 2009 cycle,
    computed in process once per session (:func:`computed_once`; about 7 s of CPU), for the
    test files that read its tables."""
    return computed_once(tmp_path_factory, "districts-2009", _districts_2009)


# No notebook is collected as a test: the fixture notebooks under tests/fixtures are run
# only by the runner tests, and the golden notebooks (tests/golden/*.ipynb) are compared
# with the notebooks the shared default cycles executed (tests/test_golden.py) instead of
# being executed again by nbval, one kernel each. nbval is not even loaded (pyproject.toml,
# ``-p no:nbval``); a golden notebook run by hand: pytest -p nbval --nbval-lax
# --nbval-current-env --nbval-sanitize-with tests/golden/sanitize.cfg -p no:cacheprovider
# tests/golden/trends.ipynb (the file named on the command line is collected).
collect_ignore_glob = ["fixtures/*", "golden/*.ipynb"]



def reads_a_shared_cycle(item, names=None) -> bool:
    """Whether the test used ``shared_tmp``, statically or through ``request.getfixturevalue``:
    the fixtures it obtained (``names``; by default those pytest recorded for it), and theirs."""
    if names is None:
        names = getattr(getattr(item, "_request", None), "_fixture_defs", {})
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        fixdefs = item.session._fixturemanager.getfixturedefs(name, item) or ()
        for fd in fixdefs:
            todo.extend(fd.argnames)
    return "shared_tmp" in seen


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test not marked ``slow`` that read a shared executed cycle fails, naming the rule:
    the collection hook below marks the tests whose fixtures say so, but a test that asks
    for a cycle by name (``request.getfixturevalue("cycle_2009")``) is seen only here, and
    would otherwise make ``make test-fast`` run a whole cycle."""
    result = yield
    if item.get_closest_marker("slow") is None and reads_a_shared_cycle(item):
        pytest.fail(f"{item.nodeid} reads a shared executed cycle (request.getfixturevalue) but is not "
                    "marked slow: mark it @pytest.mark.slow (docs/running.md, 'Tests in tiers')",
                    pytrace=False)
    return result


def pytest_collection_modifyitems(config, items):
    """Mark the end-to-end tests ``slow``, so ``make test-fast`` runs no notebook and no cycle.

    Every cell of a golden notebook run by hand through nbval is an end-to-end notebook
    run (nbval starts a kernel and executes the notebook). A test that reads a shared executed cycle needs that
    cycle run first: every fixture that runs one (``cycle_2009``, ``cycle_2013``,
    ``cycle_2009_fallback``, the edge, structure and register cycles) builds it in
    ``shared_tmp``, so a test whose fixtures include ``shared_tmp`` is marked too,
    whether or not its file remembered to (``tests/test_tiers.py`` checks the rule)."""
    for item in items:
        golden = item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid
        if golden or "shared_tmp" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
    # The files with end-to-end runs first, each file's tests kept together and in order:
    # ``--dist loadfile`` hands files to the workers in this order, so the long files start
    # at once and the short ones fill in at the end, instead of one worker starting a
    # cycle's file last while the other idles (longest first keeps the two workers even)
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)
