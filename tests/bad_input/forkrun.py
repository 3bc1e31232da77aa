"""Run ``python -m kentaudit ...`` command lines as fresh processes forked from one warm parent.

The hostile-input corpus (``hostile.py``) is about 220 command lines, each run as its own
process. Started with ``python -m``, each spends most of its CPU (about 0.8 s of 0.85 s)
importing pandas, pyarrow, openpyxl and kentaudit before it reads one byte; 220 of them
were about 3 minutes of CPU, more than the whole fast tier may take.

This server imports those once, then for each request ``fork()``s a child that does
what the interpreter does for ``python -m MODULE ARGS``: it takes the request's
environment (whole, not added to), working folder, ``/dev/null`` as stdin and two files
as stdout and stderr, runs ``MODULE`` as ``__main__`` with ``sys.argv`` set, turns
``SystemExit`` into the exit code as the interpreter does, prints an uncaught exception
as the interpreter's traceback with exit code 1, and exits. The parent waits for it
within the time bound (killing it after) and answers with the exit code. Each case is
still its own process with its own exit code, streams, environment and folder; only the
imports were made before the case began. ``tests/test_hostile_forkrun.py`` runs cases
both ways and checks the answers are the same.

Protocol: one JSON object a line on stdin (``argv``: the arguments after ``python``,
starting with ``-m``; ``env``; ``cwd``; ``stdout``, ``stderr``: file paths;
``timeout``: seconds), one JSON line back: ``{"code": int}`` or ``{"timeout": true}``.
"""
from __future__ import annotations

import json
import os
import runpy
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

#: what every case imports anyway (the command line, ingest and its readers, the params)
PRELOAD = ("pandas", "pyarrow", "pyarrow.compute", "openpyxl", "yaml", "numpy",
           "kentaudit", "kentaudit.cli", "kentaudit.inputs.ingest", "kentaudit.inputs.params",
           "kentaudit.inputs.pseudonym")


def _child(req: dict) -> None:
    """In the forked child: become ``python <argv>`` and never return."""
    code = 1
    try:
        os.setpgid(0, 0)  # its own group: a timeout kills whatever it started as well
        os.chdir(req["cwd"])
        sys.path[0] = os.getcwd()  # as ``python -m`` puts the working folder first
        os.environ.clear()
        os.environ.update(req["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(f, fd)
            os.close(f)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the process's stdin
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        argv = req["argv"]
        assert argv[0] == "-m", argv
        module = argv[1]
        sys.argv = [module, *argv[2:]]  # runpy sets argv[0] to the module's file
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # a new interpreter has not imported the module it runs as __main__ (runpy warns if so)
        sys.modules.pop(module, None)
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as e:  # as the interpreter turns it into an exit code
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:  # noqa: BLE001 - the interpreter's own handling of anything uncaught
            traceback.print_exc()
            code = 1
    finally:
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:  # noqa: BLE001, S110 - a closed stream: nothing left to flush
                pass
        os._exit(code & 0xFF)


def serve() -> None:
    # as ``python -m`` run from the checkout: the checkout first on the path (not this folder)
    sys.path[0] = str(Path(__file__).resolve().parents[2])
    for name in PRELOAD:
        __import__(name)
    out = sys.stdout
    print(json.dumps({"ready": os.getpid()}), file=out, flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        out.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(req)
        deadline = time.monotonic() + float(req.get("timeout", 90))
        answer = None
        while answer is None:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                answer = {"code": os.waitstatus_to_exitcode(status)}
            elif time.monotonic() > deadline:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                answer = {"timeout": True}
            else:
                time.sleep(0.005)
        print(json.dumps(answer), file=out, flush=True)


class Server:
    """A client of one server process, started on first use."""

    def __init__(self, env: dict):
        self.env = env
        self.proc = None

    def _start(self):
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve())], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=self.env)
        ready = json.loads(self.proc.stdout.readline())
        assert "ready" in ready, ready

    def run(self, argv, *, env, cwd, timeout, scratch: Path) -> subprocess.CompletedProcess:
        """Run ``python <argv>`` (argv starting with ``-m``) as a forked child; like ``subprocess.run``."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        scratch.mkdir(parents=True, exist_ok=True)
        out, err = scratch / "stdout", scratch / "stderr"
        self.proc.stdin.write(json.dumps({"argv": list(argv), "env": env, "cwd": cwd, "stdout": str(out),
                                          "stderr": str(err), "timeout": timeout}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if answer.get("timeout"):
            raise subprocess.TimeoutExpired([sys.executable, *argv], timeout)
        return subprocess.CompletedProcess([sys.executable, *argv], answer["code"],
                                           out.read_text(encoding="utf-8", errors="replace"),
                                           err.read_text(encoding="utf-8", errors="replace"))

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


if __name__ == "__main__":
    serve()
