"""The hostile command lines forked from a warm parent behave as new interpreters do.

``tests/bad_input/forkrun.py`` runs each hostile case as a process forked from a parent
that has imported pandas and kentaudit, instead of a new ``python -m kentaudit`` (about
0.8 s of CPU each, some 220 cases). Running a case both ways gives the same exit code,
stdout and stderr: checked here on every seventh case of each corpus (command lines,
exports, parameter files) as a new interpreter, and on what the child must take over
from the request (environment, folder, exit codes, an uncaught exception's traceback).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "bad_input"))
import forkrun  # noqa: E402
import hostile  # noqa: E402

_DIR = Path(tempfile.mkdtemp(prefix="kentaudit-hostile-forkrun-"))
CASES = {c.name: c for corpus in (hostile.cli_cases(_DIR / "cli"), hostile.export_cases(_DIR / "exports"),
                                 hostile.params_cases(_DIR / "params"))
         for c in corpus[::7]}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = forkrun.Server(dict(os.environ))
    yield s, tmp_path_factory.mktemp("forkrun")
    s.close()


def _run(server, code: str, *, env=None, cwd=None):
    s, scratch = server
    cwd = cwd or scratch / "cwd"
    cwd.mkdir(exist_ok=True)
    (cwd / "probe.py").write_text(code, encoding="utf-8")  # python -m finds it in the working folder
    return s.run(["-m", "probe", "x", "y"], env={**os.environ, **(env or {})}, cwd=str(cwd), timeout=60,
                 scratch=scratch)


def test_the_child_takes_the_requests_environment_folder_and_arguments(server, tmp_path):
    res = _run(server, "import os, sys\nprint(os.environ.get('PROBE'), os.getcwd(), sys.argv[1:])\n",
               env={"PROBE": "given"}, cwd=tmp_path)
    assert res.returncode == 0
    assert res.stdout == f"given {tmp_path} ['x', 'y']\n"


@pytest.mark.parametrize("code,exit_code,stderr", [
    ("raise SystemExit(3)\n", 3, ""),
    ("raise SystemExit('refused')\n", 1, "refused\n"),
    ("import sys; sys.exit()\n", 0, ""),
])
def test_system_exit_becomes_the_exit_code_as_in_the_interpreter(server, code, exit_code, stderr):
    res = _run(server, code)
    assert (res.returncode, res.stderr) == (exit_code, stderr)


def test_an_uncaught_exception_prints_a_traceback_and_exits_1(server):
    res = _run(server, "raise ValueError('boom')\n")
    assert res.returncode == 1
    assert res.stderr.startswith("Traceback (most recent call last):")
    assert res.stderr.rstrip().endswith("ValueError: boom")


def test_stdin_is_empty(server):
    assert _run(server, "import sys; print(repr(sys.stdin.read()))\n").stdout == "''\n"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_a_forked_case_answers_as_a_new_interpreter_does(name):
    case = CASES[name]
    forked, new = hostile.run_case(case), hostile.run_case_subprocess(case)
    assert (forked.returncode, forked.stdout, forked.stderr) == (new.returncode, new.stdout, new.stderr)
