"""The batch runner: one command regenerates a QA cycle for every district.

:func:`run_cycle` (``kentaudit run params/<cycle>.yaml``) validates the
parameters, then executes each notebook of the cycle through the papermill
Python API in a process pool (papermill is not thread-safe), per-district
notebooks (names starting ``district_``) once per district. Kernels talk to
the runner over IPC sockets (:class:`kentaudit.run.kernels.IPCKernelManager`).
By default kernels are forked from a pre-warmed process that has already
imported the libraries (:mod:`kentaudit.run.zygote`), started for the run and
stopped at its end; the manifest records it under ``kernel_zygote`` and each
notebook's ``kernel_start`` ("zygote" or "direct").

Outputs are written atomically. A run builds everything in
``<output_dir>/.staging-<cycle>-<pid>/`` and, only if every notebook, the
appendix and the reviewer HTML succeeded, swaps it in as
``<output_dir>/<cycle>/`` by renames (old folder aside, staging into place,
old folder deleted). Otherwise the last good ``<cycle>/`` is untouched and the
staging folder is kept for inspection as ``<cycle>.failed-<UTC time>/`` (or
``<cycle>.interrupted-<UTC time>/`` after Ctrl-C or SIGTERM), with its
manifest. A run restricted with ``districts=``/``notebooks=`` publishes to
``<cycle>-partial/`` instead, so it never replaces a full cycle's outputs.
See ``docs/running.md``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

import zmq

from kentaudit.core.errors import InputError, ParamsError, RunError
from kentaudit.inputs.params import CycleParams, load_params, sha256_file
from kentaudit.inputs.profile import Words
from kentaudit.publication.numbering import ID_PATTERN, reader_number
from kentaudit.run import cache, folders as rundirs, zygote as kernel_zygote
from kentaudit.run.completeness import SKIPPED, check_notebooks_for_appendix, notebook_skip_reason
from kentaudit.run.deathsig import die_with_parent
from kentaudit.run.manifest import new_manifest, read_manifest, utc_now, write_manifest
from kentaudit.run.skip_imports import skip_unused_optional_imports
from kentaudit.run.zygote import NO_FORK_ENV, ZYGOTE_ENV

try:  # POSIX
    import fcntl
except ImportError:  # Windows: no advisory file locks
    fcntl = None

__all__ = ["notebook_in_words", "run_cycle", "build_jobs", "DEFAULT_KERNEL_MANAGER", "MAX_START_RETRIES"]

DEFAULT_KERNEL_MANAGER = "kentaudit.run.kernels.IPCKernelManager"
#: Retries after a kernel start-up failure (never after an error in a cell).
MAX_START_RETRIES = 2
#: Set to ``1``: every run executes every notebook (as ``--no-reuse``).
NO_REUSE_ENV = "KENTAUDIT_NO_REUSE"
_START_TIMEOUT = 60
_EXIT_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}

log = logging.getLogger("kentaudit.run.runner")


class _Interrupted(BaseException):
    """Raised in the main process when the run receives SIGINT or SIGTERM."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


# --------------------------------------------------------------------------- jobs

def build_jobs(params: CycleParams, *, districts=None, notebooks=None) -> list[dict[str, Any]]:
    """The list of notebook executions of a run, in a stable order.

    Each notebook runs once, except notebooks whose names start with
    ``district_``, which run once per district. Returns dicts with keys
    ``notebook``, ``district`` (name or None), ``district_code`` and ``stem``
    (output file stem: ``<notebook>`` or ``<notebook>__<district code>``).
    """
    # deferred: pandas 0.3 s: the runner's parent process plans and supervises without pandas
    from kentaudit.inputs.reference import districts as _districts

    table = _districts(params.inputs.districts or params.profile.units)  # the cycle's units (its profile's)
    codes = dict(zip(table["district"], table["district_code"]))
    districts = (list(params.districts) if districts is None else
                 _chosen_districts(districts, table, params))
    notebooks = (list(params.notebooks) if notebooks is None else
                 _chosen(notebooks, sorted(p.stem for p in params.notebooks_dir.glob("*.ipynb")),
                         params, "notebook", "notebooks", "available"))
    jobs = []
    for nb in notebooks:
        if nb.startswith("district_"):
            for d in districts:
                jobs.append({"notebook": nb, "district": d, "district_code": codes[d],
                             "stem": f"{nb}__{codes[d]}"})
        else:
            jobs.append({"notebook": nb, "district": None, "district_code": None, "stem": nb})
    return jobs


def _chosen_districts(given, table, params: CycleParams) -> list:
    """``--districts`` as district names: names or codes in any case, as ingest accepts;
    every unknown one reported at once."""
    # deferred: pandas 0.3 s: the runner's parent process plans and supervises without pandas
    from kentaudit.inputs.reference import resolve_district

    names, bad = [], []
    for g in given:
        try:
            name = resolve_district(g, table)
        except InputError:
            bad.append(repr(str(g)))
            continue
        if name not in names:
            names.append(name)
    if bad:
        valid = ", ".join(f"{n} ({c})" for n, c in zip(table["district"], table["district_code"]))
        raise ParamsError(f"unknown district{'s' if len(bad) > 1 else ''} {', '.join(bad)} in --districts; "
                          f"give names or codes, in any case: {valid}", file=params.source, key="districts")
    return names


def _chosen(given, allowed: list, params: CycleParams, what: str, key: str, word: str) -> list:
    """``given`` (from ``--<key>``) as a list, each checked against ``allowed``."""
    given = list(given)
    for g in given:
        if g not in allowed:
            raise ParamsError(f"unknown {what} {g!r} in --{key}; {word}: {', '.join(allowed)}",
                              file=params.source, key=key)
    return given


@dataclass(frozen=True)
class ReviewerPage:
    """The reviewer page a worker exports as soon as its notebook has run.

    Attributes
    ----------
    provenance : dict
        What the page shows at its top: the run's provenance from the manifest
        (:func:`_html_base`) with ``notebook`` and ``district``. The worker adds
        the notebook's ``status``, ``error`` and ``finished_utc``.
    path : str
        Where the page is written: ``<staging>/html/<stem>.html``.
    rel : str
        The page's path in the run's folder, ``html/<stem>.html``, as the
        manifest records it.
    title : str
        The cycle's title; the page is titled ``<cycle title>: <its first heading>``,
        followed by `` (<district>)`` for a per-district notebook
        (:func:`kentaudit.run.reviewer.export_notebook_html`'s ``cycle_title``).
    """

    provenance: dict[str, Any]
    path: str
    rel: str
    title: str


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution, as the runner hands it to a worker process.

    It crosses the process pool (forkserver or spawn), so it holds only
    picklable values: strings, numbers and plain dicts.

    Attributes
    ----------
    notebook : str
        Notebook name (the file stem in the cycle's notebooks folder).
    district : str or None
        District name for a per-district notebook (``district_*``), else None.
    district_code : str or None
        That district's code, else None.
    stem : str
        Output file stem: ``<notebook>`` or ``<notebook>__<district code>``.
    input_path : str
        The notebook to run: ``<notebooks_dir>/<notebook>.ipynb``.
    output_path : str
        The executed notebook: ``<staging>/notebooks/<stem>.ipynb``.
    parameters : dict
        What papermill injects, in this order: ``params_file``, ``results_dir``,
        ``figures_dir`` and ``district``.
    cwd : str
        The kernel's working folder (the notebooks folder).
    kernel_manager_class : str
        Dotted name of the kernel manager class.
    cell_timeout : int
        Seconds allowed per cell.
    start_timeout : int
        Seconds allowed for the kernel to start.
    max_retries : int
        Retries after a kernel start-up failure (never after an error in a cell).
    page : ReviewerPage or None
        The reviewer page to export once the notebook has run; None: none.
    words : dict
        The authority's words (its profile's :class:`kentaudit.inputs.profile.Words` as a
        plain dict) the notebook's markdown is written in: ``{unit}``, ``{rest}``... of a
        markdown cell are filled before it runs (:func:`notebook_in_words`); empty: as written.
    page_later : bool
        Return as soon as the notebook has run, its result saying ``page_pending``, and leave
        the reviewer page to a task of its own (:func:`_export_page`) that the runner submits
        once it has recorded the result: a notebook the appendix reads, so that the appendix
        starts without waiting for that notebook's page (the districts page, with every funnel
        plot, took about 1.5 s of CPU on the critical path).
    """

    notebook: str
    district: str | None
    district_code: str | None
    stem: str
    input_path: str
    output_path: str
    parameters: dict[str, Any]
    cwd: str
    kernel_manager_class: str
    cell_timeout: int
    start_timeout: int
    max_retries: int
    page: ReviewerPage | None = None
    words: dict = field(default_factory=dict)
    page_later: bool = False


def notebook_in_words(path, words):
    """The notebook at ``path`` with the authority's ``words`` in its markdown cells.

    A notebook's headings and explanations name what the authority compares in slots
    (``## Each {unit} against the {rest}``; :data:`kentaudit.report.tables.WORD_SLOTS`),
    filled here from the cycle's profile, so the executed notebook and its reviewer page read
    "Each locality against the rest of Borsetshire". Code cells are left as written.
    """
    # deferred: nbformat 0.1 s and report.tables (pandas 0.3 s): worker processes only, where the
    # forkserver has preloaded both (FORKSERVER_PRELOAD)
    import nbformat

    # deferred: pandas 0.3 s: worker processes only (preloaded there by the forkserver)
    from kentaudit.report.tables import in_words

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = in_words(cell.source, words)
    return nb


def _is_startup_failure(exc: BaseException) -> bool:
    # deferred: papermill 1.9 s (with jupyter_client): imported in the worker processes only
    from jupyter_client.kernelspec import NoSuchKernel
    # deferred: papermill 1.9 s: imported in the worker processes (the forkserver preloads it), not
    # the parent
    from papermill.exceptions import PapermillException

    if isinstance(exc, (PapermillException, NoSuchKernel)):
        return False

    return isinstance(exc, (RuntimeError, TimeoutError, OSError, zmq.ZMQError))


def _error_line(exc: BaseException) -> str:
    # deferred: papermill 1.9 s: imported in the worker processes (the forkserver preloads it), not
    # the parent
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}".strip()
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}".strip()


#: The papermill engine the runner executes notebooks with (:func:`_papermill_engine`).
ENGINE_NAME = "kentaudit"
#: Seconds between saves of a notebook while its cells run (papermill's own autosave, which
#: writes only when a cell's message arrives this long after the last save).
AUTOSAVE_SECONDS = 30
_ENGINE_REGISTERED: list[str] = []  # (this process has registered it)


def _papermill_engine() -> str:
    """Register (once) and name the papermill engine that saves the executed notebook when it
    starts, every :data:`AUTOSAVE_SECONDS` while it runs, and when it ends, whatever the ending
    (its ``finally``: an error in a cell, a timeout or a kernel that died), but not twice a cell.

    papermill's ``request_save_on_cell_execute`` writes the whole notebook, every figure
    embedded, before and after every cell: about a third of a worker's CPU on the 2009
    cycle (``py-spy`` of ``kentaudit run``, ``benchmarks/results.md``), more for the
    districts notebook on the critical path. The notebook written at the end is the same
    object, so the file is the same; what is lost is only a notebook saved within a cell's
    time of a SIGKILL. (papermill has no setting for this: its engine API is the way.)
    """
    # deferred: papermill 1.9 s: imported in the worker processes (the forkserver preloads it), not
    # the parent
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    if _ENGINE_REGISTERED:
        return ENGINE_NAME

    class _Manager(NotebookExecutionManager):
        def save(self, **kwargs):
            if not getattr(self, "_per_cell", False):
                super().save(**kwargs)

        def cell_start(self, cell, cell_index=None, **kwargs):
            self._per_cell = True
            try:
                super().cell_start(cell, cell_index, **kwargs)
            finally:
                self._per_cell = False

        def cell_complete(self, cell, cell_index=None, **kwargs):
            self._per_cell = True
            try:
                super().cell_complete(cell, cell_index, **kwargs)
            finally:
                self._per_cell = False

    class _Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=AUTOSAVE_SECONDS, **kwargs):
            # papermill's Engine.execute_notebook with the manager above
            nb_man = _Manager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                              autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE_NAME, _Engine)
    _ENGINE_REGISTERED.append(ENGINE_NAME)
    return ENGINE_NAME


def _literal_path(path):
    """A path as papermill's ``execute_notebook`` reads it literally.

    papermill formats its input and output paths with the notebook's parameters
    (``str.format``), so a folder named ``{cycle}`` or ``audit {2026}`` failed every
    notebook with "Missing parameter"; kentaudit never templates a path, so braces are
    doubled. A notebook object (not a path) is passed through.
    """
    return path.replace("{", "{{").replace("}", "}}") if isinstance(path, str) else path


def _execute_job(job: NotebookJob) -> dict[str, Any]:
    """Run one notebook in this worker process; never raises for notebook errors.

    A kernel start-up failure (an error before the kernel client is ready:
    RuntimeError, TimeoutError, OSError or a ZeroMQ error, but not a missing
    kernel spec) is retried up to ``job.max_retries`` times; an error in a
    cell never is.
    """
    # deferred: papermill 1.9 s: imported in the worker processes (the forkserver preloads it), not
    # the parent
    import papermill as pm

    # deferred: jupyter_client 0.14 s: kernels are managed in the worker processes only
    from kentaudit.run import kernels

    t0 = time.monotonic()
    del kernels.LAUNCHES[:]
    retry_errors: list[str] = []
    while True:
        started = {"ok": False}

        def _on_start(**_kw):
            started["ok"] = True

        try:
            source = job.input_path
            if job.words:
                source = notebook_in_words(job.input_path, Words(**job.words))
            pm.execute_notebook(
                _literal_path(source), _literal_path(job.output_path), parameters=job.parameters,
                progress_bar=False, log_output=False, request_save_on_cell_execute=True,
                start_timeout=job.start_timeout, execution_timeout=job.cell_timeout,
                kernel_manager_class=job.kernel_manager_class, on_notebook_start=_on_start,
                cwd=job.cwd, engine_name=_papermill_engine(),
            )
            status, error = "ok", None
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the batch
            if (not started["ok"] and _is_startup_failure(exc)
                    and len(retry_errors) < job.max_retries):
                retry_errors.append(f"kernel start-up failed: {_error_line(exc)}")
                time.sleep(0.25 * len(retry_errors))
                continue
            status, error = "failed", _error_line(exc)
            if not started["ok"]:
                error = f"kernel start-up failed: {error}" if _is_startup_failure(exc) else error
        result = {"stem": job.stem, "status": status, "error": error,
                  "seconds": round(time.monotonic() - t0, 3), "retries": len(retry_errors),
                  "retry_errors": retry_errors, "kernel_launches": list(kernels.LAUNCHES)}
        if job.page and Path(job.output_path).exists():
            if job.page_later:  # the runner asks for it once it has recorded the notebook
                result["page_pending"] = True
            else:
                result.update(_export_page(job, status, error))
        return result


def _export_page(job: NotebookJob, status: str, error: str | None) -> dict[str, Any]:
    """Export ``job``'s reviewer page in this worker process: ``html`` and ``images_without_alt``,
    or ``html_error``.

    The page is exported in a worker as soon as the notebook has run: the pages are made in
    parallel instead of one by one at the end.
    """
    # deferred: nbconvert 1.5 s: reviewer pages are exported in the worker processes only
    from kentaudit.run.reviewer import export_notebook_html

    page = job.page
    prov = {**page.provenance, "status": status, "error": error, "finished_utc": utc_now()}
    try:
        info = export_notebook_html(job.output_path, page.path, provenance=prov, cycle_title=page.title)
    except Exception as exc:  # noqa: BLE001 - recorded; the run then fails
        return {"html_error": _error_line(exc)}
    return {"html": page.rel, "images_without_alt": info["images_without_alt"]}


def _worker_init(kernel_dir: str, zygote_path: str | None = None,
                 snapshot: tuple[str, str] | None = None) -> None:
    # A worker dies with its parent (the forkserver, which dies with the runner),
    # even if the runner is killed with SIGKILL.

    die_with_parent(signal.SIGKILL)

    skip_unused_optional_imports()  # a worker reads notebooks; also under spawn (no forkserver)
    # Ctrl-C is handled by the main process, which stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["KENTAUDIT_KERNEL_DIR"] = kernel_dir

    if zygote_path:
        os.environ[ZYGOTE_ENV] = zygote_path
    else:
        os.environ.pop(ZYGOTE_ENV, None)
    # the cycle loaded once by the runner, for every kernel's load_cycle (analysis.cycle.write_snapshot):
    # (the variable's name, the file)
    if snapshot:
        os.environ[snapshot[0]] = snapshot[1]


def _mp_context():
    """forkserver where the platform has it, else spawn (Windows, or KENTAUDIT_NO_FORK=1)."""

    methods = multiprocessing.get_all_start_methods()
    no_fork = os.environ.get(NO_FORK_ENV, "") == "1"
    return multiprocessing.get_context("forkserver" if "forkserver" in methods and not no_fork else "spawn")


#: What the run's forkserver imports before it forks the workers and the appendix's
#: process, each of which would import it again (papermill and the reviewer pages in
#: each notebook worker; the appendix's writers, pandas, scipy and matplotlib in the
#: appendix's process: 2.6 s). It starts beside the kernel zygote, whose imports the
#: first notebooks wait for anyway. A module that fails to import is skipped (the
#: process then imports it itself, as before).
FORKSERVER_PRELOAD = ("kentaudit.run._forkserver_preload", "papermill", "kentaudit.run.reviewer",
                      "kentaudit.publication.appendix")


@contextlib.contextmanager
def _private_multiprocessing(run_tmp: str):
    """The run's own forkserver, dying with the runner, with its files in the run's folder.

    The forkserver is (re)started for the run with :mod:`kentaudit.run._forkserver_preload`
    (it sets the forkserver's parent-death signal) and stopped at the end;
    multiprocessing's temporary folder (``pymp-*``, holding the forkserver's
    socket) is made inside the run's private folder, so a killed run leaves
    nothing in the system's temporary folder that the next run does not remove.
    """
    ctx = _mp_context()
    fs = None
    cfg = getattr(multiprocessing.process.current_process(), "_config", None)
    missing = object()
    old_tmp = cfg.get("tempdir", missing) if cfg is not None else missing
    if ctx.get_start_method() == "forkserver":

        fs = getattr(forkserver, "_forkserver", None)
        with contextlib.suppress(Exception):
            fs._stop()
        ctx.set_forkserver_preload(["__main__", *FORKSERVER_PRELOAD])
    if cfg is not None:
        pymp = os.path.join(run_tmp, "pymp")
        os.mkdir(pymp, 0o700)
        cfg["tempdir"] = pymp
    if fs is not None:
        # started now (it would start at the first worker): its imports (about 3 s of CPU) overlap
        # the run's planning and the zygote's imports instead of delaying the first notebook
        with contextlib.suppress(Exception):
            forkserver.ensure_running()
    try:
        yield ctx
    finally:
        if fs is not None:
            with contextlib.suppress(Exception):
                fs._stop()
        if cfg is not None:
            if old_tmp is missing:
                cfg.pop("tempdir", None)
            else:
                cfg["tempdir"] = old_tmp


def _stop_workers(executor: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Terminate the pool's worker processes by pid (SIGTERM, then SIGKILL after ``grace``).

    Each kernel notices that its parent (the worker) has gone and exits
    (ipykernel's parent poller), and the run's kernel folder is removed.
    """
    procs = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            with contextlib.suppress(Exception):
                p.kill()
                p.join(2)


# ------------------------------------------------------------------- folders

def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _publish(staging: Path, final: Path, run_id: str, cycle: str | None = None) -> None:
    """Replace ``final`` by ``staging`` with renames (same filesystem).

    ``final`` is replaced only if a kentaudit run made it
    (:func:`kentaudit.run.folders.check_replaceable`); the cycle folder is made
    ``0755`` with its private sub-folders ``0700`` before it appears.
    """
    rundirs.confined(final, final.parent)
    old = rundirs.confined(final.parent / f".old-{final.name}-{run_id}", final.parent)
    rundirs.check_replaceable(final, cycle if cycle is not None else final.name.removesuffix("-partial"))
    rundirs.apply_permissions(staging)
    if final.exists():
        os.replace(final, old)
    try:
        os.replace(staging, final)
    except BaseException:
        if old.exists() and not final.exists():
            os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _set_aside(staging: Path, output_dir: Path, name: str, status: str) -> Path:
    dest = output_dir / f"{name}.{status}-{_stamp()}"
    n = 1
    while dest.exists():
        n += 1
        dest = output_dir / f"{name}.{status}-{_stamp()}-{n}"
    rundirs.confined(dest, output_dir)
    rundirs.make_private(staging)  # a kept run holds unsuppressed tables: private (0700)
    os.replace(staging, dest)
    return dest


@contextlib.contextmanager
def _cycle_lock(output_dir: Path, name: str, params_file: Path):
    """Refuse a second concurrent run of the same cycle (POSIX advisory lock)."""
    path = output_dir / f".{name}.lock"
    try:
        f = open(path, "a+")
    except OSError as exc:
        raise RunError(f"cannot write to the output folder {output_dir} ({exc.strerror or exc}); choose an "
                       "output_dir you can write to.") from None
    try:
        try:

            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunError(f"another run of {name!r} is writing to {output_dir}; wait for it to "
                               f"finish (lock file {path})") from None
        except ImportError:  # pragma: no cover - Windows: no lock
            pass
        yield
    finally:
        f.close()


@contextlib.contextmanager
def _signals_raise():
    """Turn SIGTERM (and SIGINT) into :class:`_Interrupted` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise _Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class _RunLogHandler(logging.FileHandler):
    """The run log's handler: a line that cannot be written (the disk is full) is lost quietly,
    never a traceback on the terminal; the run reports the full disk itself."""

    def handleError(self, record):  # noqa: N802 - logging's name
        pass


@contextlib.contextmanager
def _run_log(path: Path):
    handler = _RunLogHandler(path, encoding="utf-8")
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    log.addHandler(handler)
    old_level = log.level
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)
        handler.close()


# ---------------------------------------------------------------------- summary

def _summary_table(entries: list[dict[str, Any]], unit: str = "district") -> str:
    """The run's notebooks, one a line; ``unit``: the profile's word for a unit (its column's head)."""
    head = ("notebook", unit, "status", "seconds", "retries", "error")
    rows = [(e["notebook"], e["district"] or "-",
             e["status"] + (" (reused)" if (e.get("cache") or {}).get("decision") == "reused" else ""),
             "" if e["seconds"] is None else f"{e['seconds']:.1f}", str(e["retries"]),
             (e["error"] or "")[:100]) for e in entries]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


# ------------------------------------------------------------------------- run

def run_cycle(params, *, districts=None, notebooks=None, jobs=None, cell_timeout=600,
              appendix=True, kernel_manager_class: str | None = None, zygote: bool | None = None,
              reuse: bool | None = None) -> int:
    """Run a QA cycle's notebooks through papermill and publish the outputs atomically.

    Parameters
    ----------
    params : str, Path or CycleParams
        ``params/<cycle>.yaml`` (validated with :func:`~kentaudit.inputs.params.load_params`
        before anything runs) or already-loaded parameters.
    districts : list of str, optional
        District names for the per-district notebooks (default: the file's).
        A restricted run publishes to ``<cycle>-partial/``.
    notebooks : list of str, optional
        Notebook names (default: the file's). Restricts the run likewise.
    jobs : int, optional
        Worker processes (default: ``jobs`` in the file, else the CPU count).
    cell_timeout : int, optional
        Seconds allowed per cell; None takes ``cell_timeout`` from the file.
        (The CLI passes 600 unless ``--cell-timeout`` is given.)
    appendix : bool
        Build the appendix with :func:`kentaudit.publication.appendix.build_appendix` after
        a fully successful full run.
    kernel_manager_class : str, optional
        Dotted name of the kernel manager class (default
        :data:`DEFAULT_KERNEL_MANAGER`); for tests and special platforms.
    zygote : bool, optional
        Fork kernels from a pre-warmed process (:mod:`kentaudit.run.zygote`) that
        imports the heavy libraries once per run. Default: yes, unless the
        environment variable ``KENTAUDIT_NO_ZYGOTE`` is ``1``. If the zygote
        cannot start, kernels start normally and the manifest says why.
    reuse : bool, optional
        Reuse the outputs of the last complete run whose keys match
        (:mod:`kentaudit.run.cache`; ``docs/running.md``, "Reruns"). False
        (``--no-reuse``) executes every notebook and builds the appendix again.
        Default: yes, unless the environment variable ``KENTAUDIT_NO_REUSE`` is ``1``.

    Returns
    -------
    int
        0 if every notebook (and the appendix and HTML) succeeded, 1 if any
        failed, 130/143 if interrupted by SIGINT/SIGTERM.

    Raises
    ------
    ParamsError
        Invalid parameters, before anything runs.
    RunError
        Another run of the same cycle is in progress.
    """
    if not isinstance(params, CycleParams):
        params = load_params(params)
    job_list = build_jobs(params, districts=districts, notebooks=notebooks)
    if districts is not None:  # names or codes in any case -> the district names
        # deferred: pandas 0.3 s: the runner's parent process plans and supervises without pandas
        from kentaudit.inputs.reference import districts as _districts

        districts = _chosen_districts(districts, _districts(params.inputs.districts or params.profile.units),
                                      params)
    partial = (districts is not None and list(districts) != list(params.districts)) or (
        notebooks is not None and list(notebooks) != list(params.notebooks))
    n_jobs = jobs if jobs is not None else (params.jobs or os.cpu_count() or 1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ParamsError(f"jobs must be a positive integer, got {n_jobs!r}", file=params.source, key="jobs")
    timeout = params.cell_timeout if cell_timeout is None else cell_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ParamsError(f"cell_timeout must be a positive integer of seconds, got {timeout!r}",
                          file=params.source, key="cell_timeout")
    kmc = kernel_manager_class or DEFAULT_KERNEL_MANAGER
    if zygote is None:
        zygote = os.environ.get("KENTAUDIT_NO_ZYGOTE", "") != "1"
    if reuse is None:
        reuse = os.environ.get(NO_REUSE_ENV, "") != "1"
    # deferred: jupyter_client 0.1 s: kernels are managed in the worker processes only
    from kentaudit.run.kernels import chosen_transport

    # The zygote starts first: its imports (about 4 s of CPU) overlap the parent's own (the
    # appendix's needs below import the analysis layer, about 2 s), the reading of the exports
    # and the run's planning, instead of following them on an idle core. Stopped on every
    # path out of here (a refused run included); the run itself stops it once its notebooks are done.
    zyg = _launch_zygote(bool(zygote))
    try:
        if appendix and not partial:  # refused before anything runs: never a thin appendix
            check_notebooks_for_appendix(params)
        # the exports are read once: for this check and, when they have not changed since (their
        # SHA-256 before this reading and when the run's manifest records them), for the keys and
        # the kernels' snapshot (about 1 s of ingest in the parent at 2,000 rows, 60 s at 1,000,000)
        read = _read_once(params)
        checks = check_data(params, read=read[1])
        for w in checks.get("warnings", []):
            print(f"kentaudit: warning: {w}", file=sys.stderr)
        out_dir = params.output_dir
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunError(f"cannot create the output folder {out_dir} ({exc.strerror or exc}); choose an "
                           "output_dir you can write to.") from None
        name = params.cycle + ("-partial" if partial else "")
        with _cycle_lock(out_dir, name, params.source):
            # refused before anything runs: a folder kentaudit did not make is never replaced
            rundirs.check_replaceable(out_dir / name, params.cycle)
            cleaned = rundirs.clean_stale(out_dir, name)
            for m in cleaned:
                print(f"kentaudit: {m}", file=sys.stderr)
            try:
                with rundirs.run_temp_dir() as run_tmp, _private_multiprocessing(run_tmp):
                    return _run_locked(params, job_list, name=name, partial=partial, n_jobs=n_jobs,
                                       timeout=timeout, appendix=appendix, kmc=kmc,
                                       transport=chosen_transport(), zygote=bool(zygote), kernel_dir=run_tmp,
                                       extra={"data_checks": checks, "stale_cleaned": cleaned},
                                       reuse=bool(reuse), zyg=zyg, read=read)
            except OSError as exc:  # e.g. the disk filled up: a clean failed run, never a traceback
                return _failed_on_os_error(exc, out_dir, name)
    finally:
        if zyg[0] is not None:
            zyg[0].stop()  # idempotent: a run that used it has stopped it already


def _failed_on_os_error(exc: OSError, out_dir: Path, name: str) -> int:
    """End a run that an operating-system error stopped: keep the last good outputs, free the disk."""
    staging = out_dir / f".staging-{name}-{os.getpid()}"
    full = rundirs.is_disk_full(exc)
    why = (f"the disk is full ({exc.filename or out_dir}): free some space and run again" if full
           else f"{type(exc).__name__}: {exc}")
    kept = None
    if staging.exists():
        with contextlib.suppress(Exception):

            m = read_manifest(staging / "manifest.json")
            m.update({"status": "failed", "exit_code": 1, "error": why, "finished_utc": utc_now()})
            write_manifest(staging / "manifest.json", m)
        if full and rundirs.low_on_space(out_dir):
            # keep only the manifest and log, so the failed run does not keep the disk full
            rundirs.trim_for_disk_full(staging)
        try:
            kept = _set_aside(staging, out_dir, name, "failed")
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    final = out_dir / name
    print(f"run failed: {why}; " + (f"the last good outputs in {final} were left untouched" if final.exists()
                                     else "nothing published")
          + (f"; this run's manifest and log are in {kept}" if kept else ""))
    print(f"kentaudit: error: run failed: {why}", file=sys.stderr)
    return 1


#: rules of an export that cannot be read at all, or holds no audit: the run is refused up front
#: for them (a header-only export ran every notebook to the same failure; hostile corpus, session 28)
UNREADABLE_RULES = frozenset({"unreadable_file", "encoding", "other_sheet_rows",
                              "hidden_sheet", "field_too_large", "empty_file", "header_only"})


def check_data(params: CycleParams, *, read=None) -> dict[str, Any]:
    """Check the parameter file against the audits, before any notebook runs.

    Reads the exports as every notebook does (:func:`kentaudit.inputs.accounting.read_cycle`)
    and accounts for every row: raises :class:`RejectedRowsError` when more rows were
    rejected than the parameter file's ``accept_rejected_rows`` (the report of every
    rejected row written first), :class:`ParamsError` when the cycle id is not the cycle of
    any audit in ``inputs.audits``, or a listed sample has no audit of that cycle (the
    notebooks would fail or publish the wrong cycle). Returns what the manifest
    records under ``data_checks``: ``cycles`` and ``samples`` found (accepted
    audits), ``rows_read``, ``accepted_rows``, ``rejected_rows``, ``rejected_by_rule``,
    ``accept_rejected_rows``, ``rejections_report``, ``other_cycle_rows`` (rows of
    another cycle, rejected under rule cycle_mismatch), ``unpaired_reaudits`` and
    ``warnings``. An export that cannot be read at all (an XLSX that is a zip of something
    else or cut short, a CSV in an unknown encoding, a file that is not there, a file with no
    data row: the rules of
    ``UNREADABLE_RULES``) raises :class:`~kentaudit.core.errors.InputError` naming the file
    and rule: the run is refused before any notebook starts, never left to fail in every
    notebook. Any other refusal of the whole file (a missing column) is recorded (``error``)
    and left to the notebooks, which report it with the file, column and rule. ``read``: the exports as
    :func:`kentaudit.inputs.accounting.read_cycle` read them already (None: read here).
    """
    # deferred: pandas 0.3 s: the runner's parent process plans and supervises without pandas
    from kentaudit.inputs import accounting

    try:
        read = accounting.read_cycle(params) if read is None else read
    except InputError as exc:
        # a file that cannot be read at all is refused before any notebook starts; any other
        # rule the notebooks report themselves, with the file, row and column
        if exc.rule in UNREADABLE_RULES:
            raise
        return {"error": str(exc), "warnings": [f"the audits could not be checked against the parameter "
                                                f"file: {exc}"]}
    res = read.current
    _cycle_of_exports(params, res)
    rows = accounting.check_rejections(params, read)  # RejectedRowsError: more rejected than accepted
    mine = res.accepted  # read as the cycle: every accepted row is of this cycle
    out: dict[str, Any] = {"cycles": {params.cycle: int(len(mine))} if len(mine) else {}, "warnings": []}
    samples = mine["sample"].astype(object).value_counts()
    out["samples"] = {str(k): int(v) for k, v in samples.items()}
    if len(mine):
        absent = [s for s in params.samples if s not in out["samples"]]
        if absent:
            raise ParamsError(f"samples lists {', '.join(map(repr, absent))} but the cycle {params.cycle} audits "
                              f"hold none (they hold {', '.join(out['samples']) or 'no sample'}); list only "
                              "samples the exports hold", file=params.source, key="samples")
    out["other_cycle_rows"] = int(rows["by_rule"].get("cycle_mismatch", 0))
    # a sample repeating another's cases (the profile's ``repeats``: Kent's reaudit of initial) pairs by case
    out["unpaired_reaudits"] = 0
    for smp in (x for x in params.profile.samples if x.repeats is not None):
        lone = mine[mine["sample"].astype(object) == smp.name]
        ini = set(mine.loc[mine["sample"].astype(object) == smp.repeats, "case_ref"].astype(object))
        out["unpaired_reaudits"] += int(sum(r not in ini for r in lone["case_ref"].astype(object)))
    if out["unpaired_reaudits"]:
        out["warnings"].append(f"{out['unpaired_reaudits']} re-audit(s) of cycle {params.cycle} have no initial "
                               "audit of the same case and cannot be paired [rule: unpaired_reaudit]")
    own, prev = rows["cycle"], rows["previous"]
    # the cycle's own exports: what the appendix's reconciliation table publishes
    out.update({"rows_read": own["rows_read"], "accepted_rows": own["accepted"],
                "rejected_rows": own["rejected"], "rejected_by_rule": own["by_rule"],
                "previous_rows": None if prev is None else {
                    "rows_read": prev["rows_read"], "accepted_rows": prev["accepted"],
                    "rejected_rows": prev["rejected"], "rejected_by_rule": prev["by_rule"]},
                "accept_rejected_rows": rows["accept_rejected_rows"], "rejections_report": rows["report"]})
    if rows["rejected"]:
        out["warnings"].append(
            f"{rows['rejected']:,} of {rows['rows_read']:,} input rows were rejected ("
            + ", ".join(f"{r} {n:,}" for r, n in rows["by_rule"].items())
            + f"); the parameter file accepts {rows['accept_rejected_rows']:,} (accept_rejected_rows), so the "
            f"cycle goes on without them; every rejected row is in {rows['report']}/rejected.csv (private)")
    return out


def _read_once(params: CycleParams) -> tuple:
    """``(SHA-256 of every input file, the exports as read_cycle reads them)``; the reading is
    None when an export cannot be read (:func:`check_data` then reads and records why)."""
    # deferred: pandas 0.3 s: the runner's parent process plans and supervises without pandas
    from kentaudit.inputs import accounting

    hashes = params.input_hashes()
    try:
        return hashes, accounting.read_cycle(params)
    except InputError:
        return hashes, None


def _cycle_of_exports(params: CycleParams, res) -> None:
    """Refuse a parameter file whose cycle is the cycle of none of its exports' rows."""
    if len(res.accepted):
        return
    rej = res.rejected
    other = rej.loc[rej["rule"].astype(str) == "cycle_mismatch", "value"].astype(str).str.strip()
    if len(other):
        held = ", ".join(sorted(set(other)))
        raise ParamsError(f"cycle {params.cycle!r} is not the cycle of any audit in inputs.audits (they hold "
                          f"cycle(s) {held}); set cycle to the cycle of the exports, or give this cycle's "
                          "exports", file=params.source, key="cycle")


@dataclass
class _Run:
    """One run's settings and its progress, handed from step to step of :func:`_run_locked`."""

    # settings (from run_cycle)
    params: CycleParams
    plans: list[dict[str, Any]]  # build_jobs's plan, in the manifest's order
    name: str  # the cycle folder's name: <cycle> or <cycle>-partial
    partial: bool
    n_jobs: int
    timeout: int
    appendix: bool
    kmc: str
    transport: str
    zygote: bool  # requested
    kernel_dir: str
    extra: dict | None = None
    reuse: bool = True  # reuse the last complete run's outputs where keys match (kentaudit.run.cache)
    # the notebooks the cycle has no inputs for, not run: (plan, reason), in the plan's order
    skipped: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    # made by the steps
    run_id: str = ""
    staging: Path = Path()
    manifest: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # the manifest's notebooks, by stem
    t_start: float = 0.0
    zinfo: dict[str, Any] = field(default_factory=dict)  # the manifest's kernel_zygote
    zyg: Any = None
    interrupted: _Interrupted | None = None
    failed: bool = False
    app_exec: ProcessPoolExecutor | None = None  # the appendix, built beside the district notebooks
    app_fut: Any = None
    app_res: dict[str, Any] = field(default_factory=dict)
    status: str = ""
    code: int = 0
    publish_error: str | None = None
    # incremental reruns (kentaudit.run.cache): keys by stem, the appendix's key, and what was reused
    cache_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    app_key: str | None = None
    reused: list[str] = field(default_factory=list)
    appendix_reused: bool = False
    pages_exported: bool = False  # the reviewer pages' index is written (_export_reviewer_pages)
    # the exports as run_cycle read them to check them: (their SHA-256 before that reading, the
    # kentaudit.inputs.accounting.CycleRead or None)
    read: tuple | None = None
    cycle_data: Any = None  # the cycle loaded once in this process (kentaudit.analysis.cycle.load_cycle)
    snapshot: tuple[str, str] | None = None  # its snapshot for the kernels: (variable, file in the run's folder)

    @property
    def out_dir(self) -> Path:
        """The output folder (``output_dir`` in the parameter file)."""
        return self.params.output_dir

    @property
    def early(self) -> bool:
        """Whether the appendix may start beside the district notebooks."""
        return bool(self.appendix) and not self.partial and self.n_jobs > 1 and not self.appendix_reused


def _run_locked(params: CycleParams, job_list, *, name, partial, n_jobs, timeout, appendix, kmc,
                transport, zygote=False, kernel_dir: str, extra: dict | None = None, reuse: bool = True,
                zyg: tuple | None = None, read: tuple | None = None) -> int:
    """Run the cycle in a staging folder, then publish it or set it aside; the exit code."""
    why = {j["stem"]: notebook_skip_reason(j["notebook"], params) for j in job_list}
    run = _Run(params=params, plans=[j for j in job_list if not why[j["stem"]]], name=name, partial=partial,
               n_jobs=n_jobs, timeout=timeout, appendix=appendix, kmc=kmc, transport=transport, zygote=zygote,
               kernel_dir=kernel_dir, extra=extra, reuse=reuse,
               skipped=[(j, why[j["stem"]]) for j in job_list if why[j["stem"]]], read=read)
    _prepare_staging(run)
    with _run_log(run.staging / "run.log"):
        _log_run_start(run)
        jobs = _make_jobs(run)
        _start_kernel_zygote(run, zyg)  # (started by run_cycle: its imports overlap the reading of the cycle)
        jobs = _reuse_earlier_outputs(run, jobs)  # cache hook: what the last complete run made
        if jobs:
            _write_cycle_snapshot(run)
            _run_pool(run, jobs)
        elif run.zyg is not None:  # nothing to execute
            run.zinfo.update(_stop_zygote(run.zyg, run.entries))
        # SIGINT/SIGTERM at any moment after the notebooks (the appendix built here, the
        # reviewer pages) stop the run as interrupted: nothing half-built is published
        with _signals_raise():
            stop = _until_interrupted(_after_pool, run)
        if stop is not None:
            _interrupted_after_pool(run, stop)
        # from here the run only records and moves folders: a signal waits until the
        # outputs are published or set aside, then ends the process with its exit code
        with _signals_deferred() as pending:
            _record_cache(run)  # cache hook: the files the next run may reuse
            _close_manifest(run)
    with _signals_deferred() as pending_publish:
        where = _publish_complete_run(run) if run.status == "complete" else None
        if run.status != "complete":
            where = _set_run_aside(run)
    _print_summary(run, where)
    late = pending or pending_publish
    if late:
        print(f"kentaudit: {signal.Signals(late[0]).name} received while this run's outputs were being "
              "recorded; they were recorded first (see above)", file=sys.stderr)
        return _EXIT_INTERRUPTED.get(late[0], 130) if run.code == 0 else run.code
    return run.code


def _after_pool(run: _Run) -> None:
    """What follows the notebooks: settle their entries, build the appendix, export reviewer pages,
    and check that every output the run promises is there."""
    _settle_entries(run)
    if run.appendix_reused:  # cache hook
        _keep_reused_appendix(run)
    else:
        _finish_appendix(run)
    if not run.pages_exported:  # (exported while the appendix was built beside the notebooks)
        _export_reviewer_pages(run)
    _check_promised_outputs(run)


def promised_outputs(params, manifest: dict) -> list[str]:
    """The files a run promises, relative to its folder: the appendix in every format of
    ``publication.formats`` (when the appendix was built) and a reviewer page per notebook run
    successfully, with their index."""
    out = []
    if manifest.get("appendix", {}).get("built"):
        formats = params.publication.formats
        out.append("publish/appendix.html")
        out += [f"publish/appendix.{f}" for f in ("pdf", "xlsx", "ods") if f in formats]
        if "csv" in formats:
            out += [f"publish/csv/{t}.csv" for t in manifest["appendix"].get("tables") or ()]
    if manifest.get("html", {}).get("index"):
        out.append(manifest["html"]["index"])
        out += [e["html"] for e in manifest.get("notebooks", []) if e.get("status") == "ok" and e.get("html")]
    return out


def _check_promised_outputs(run: _Run) -> None:
    """Fail the run (in the manifest, log, summary and exit status) for every promised output
    that is missing: a run never reports complete without what it promises."""
    if run.interrupted is not None or run.failed:
        return
    run.manifest["notebooks"] = list(run.entries.values())
    missing = list(run.manifest["appendix"].get("missing") or [])
    known = {m["output"] for m in missing}
    for rel in promised_outputs(run.params, run.manifest):
        if rel not in known and not (run.staging / rel).is_file():
            missing.append({"output": rel, "reason": "not written"})
    if run.manifest.get("html", {}).get("index"):
        for stem, e in run.entries.items():
            if e.get("status") == "ok" and not e.get("html"):
                missing.append({"output": f"html/{stem}.html", "reason": "no reviewer page was exported"})
    run.manifest["missing_outputs"] = missing
    for m in missing:
        log.error("promised output missing: %s (%s)", m["output"], m["reason"])
        run.failed = True


def _interrupted_after_pool(run: _Run, stop: _Interrupted) -> None:
    """A signal after the notebooks: the run is interrupted and what was half-built is removed."""
    log.error("interrupted by %s after the notebooks: the appendix and reviewer pages are not published",
              stop)
    run.interrupted = run.interrupted or stop
    _settle_entries(run)
    _discard_appendix(run.staging)
    run.manifest["appendix"].update({"built": False, "reason": "not built: the run was interrupted"})


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM back (main thread only); yields a list that holds, afterwards,
    the signals that arrived meanwhile (each taken, so it does not end the process)."""
    got: list[int] = []
    sigs = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield got
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield got
    finally:
        while True:
            waiting = signal.sigpending() & sigs
            if not waiting:
                break
            info = signal.sigtimedwait(waiting, 0)
            if info is None:
                break
            got.append(info.si_signo)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _prepare_staging(run: _Run) -> None:
    """Make the run's private staging folder, write its first manifest and start the clock."""
    out_dir = run.out_dir
    run.run_id = f"{_stamp()}-{os.getpid()}"
    staging = run.staging = rundirs.confined(out_dir / f".staging-{run.name}-{os.getpid()}", out_dir)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(mode=0o700)
    os.chmod(staging, 0o700)  # private while the run builds it, whatever the umask
    for sub in ("notebooks", "results", "figures", "html"):
        (staging / sub).mkdir(mode=0o700)
    manifest = run.manifest = new_manifest(run.params, jobs=run.n_jobs, cell_timeout=run.timeout,
                                           transport=run.transport, appendix=run.appendix, run_id=run.run_id)
    manifest["partial"] = run.partial
    manifest.update(run.extra or {})
    if run.kmc != DEFAULT_KERNEL_MANAGER:
        manifest["kernel_manager_class"] = run.kmc
    run.entries = {j["stem"]: {"notebook": j["notebook"], "district": j["district"],
                               "district_code": j["district_code"],
                               "output": f"notebooks/{j['stem']}.ipynb", "html": None,
                               "status": "pending", "seconds": None, "retries": 0,
                               "retry_errors": [], "error": None} for j in run.plans}
    for j, reason in run.skipped:  # recorded with why, never run
        run.entries[j["stem"]] = {"notebook": j["notebook"], "district": j["district"],
                                  "district_code": j["district_code"], "output": None, "html": None,
                                  "status": SKIPPED, "seconds": None, "retries": 0, "retry_errors": [],
                                  "error": reason}
        log.info("%s: %s", j["stem"], reason)
    manifest["notebooks"] = list(run.entries.values())
    write_manifest(staging / "manifest.json", manifest)
    run.t_start = time.monotonic()
    # recorded from here on (the first manifest, written above, has neither)
    run.zinfo = {"requested": run.zygote, "used": False}
    manifest["kernel_zygote"] = run.zinfo
    manifest["process_start_method"] = _mp_context().get_start_method()


def _log_run_start(run: _Run) -> None:
    """Open the run log: the run, its kernel transport, stale folders removed and data warnings."""
    log.info("run %s of cycle %s (%s): %d notebook executions, %d processes, kernel transport %s, "
             "cell timeout %ss", run.run_id, run.params.cycle, run.params.source, len(run.plans), run.n_jobs,
             run.transport, run.timeout)
    if run.transport != "ipc":
        log.warning("kernels use TCP on the loopback interface (127.0.0.1), connection files in a "
                    "private folder: %s", "forced by KENTAUDIT_KERNEL_TRANSPORT" if
                    os.environ.get("KENTAUDIT_KERNEL_TRANSPORT") else "IPC sockets are not available here")
    for m in run.manifest.get("stale_cleaned") or []:
        log.warning(m)
    for w in (run.manifest.get("data_checks") or {}).get("warnings", []):
        log.warning(w)


def _make_jobs(run: _Run) -> list[NotebookJob]:
    """The run's notebook jobs in the order they are submitted (:func:`_longest_first`)."""
    plans = _longest_first(run.plans, run.out_dir / run.name / "manifest.json")
    if run.early:  # the notebooks the appendix reads first, so that it can start beside the rest
        plans = [p for p in plans if p["district"] is None] + [p for p in plans if p["district"] is not None]
    return [_notebook_job(run, p) for p in plans]


def _notebook_job(run: _Run, plan: dict[str, Any]) -> NotebookJob:
    """The job of one planned notebook execution, writing into the run's staging folder."""
    params, staging = run.params, run.staging
    nb, district, stem = plan["notebook"], plan["district"], plan["stem"]
    return NotebookJob(
        notebook=nb, district=district, district_code=plan["district_code"], stem=stem,
        input_path=str(params.notebooks_dir / f"{nb}.ipynb"),
        output_path=str(staging / "notebooks" / f"{stem}.ipynb"),
        parameters={"params_file": str(params.source),
                    "results_dir": str(staging / "results"),
                    "figures_dir": str(staging / "figures"),
                    "district": district},
        cwd=str(params.notebooks_dir),
        kernel_manager_class=run.kmc,
        cell_timeout=run.timeout,
        start_timeout=_START_TIMEOUT,
        max_retries=MAX_START_RETRIES,
        page=ReviewerPage(provenance={**_html_base(run.manifest, params), "notebook": nb, "district": district},
                          path=str(staging / "html" / f"{stem}.html"),
                          rel=f"html/{stem}.html",
                          title=params.title),
        words=_words_dict(params),
        # the appendix reads this notebook's results: its page must not delay the appendix's start
        page_later=run.early and district is None,
    )


def _words_dict(params: CycleParams) -> dict:
    """The cycle's words (its profile's) as a plain dict, for a job crossing the process pool."""
    w = getattr(params, "words", None)
    return dataclasses.asdict(w) if w is not None else {}


def _launch_zygote(requested: bool) -> tuple:
    """Start a pre-warmed kernel zygote if asked for: ``(zygote or None, why not or None, failed)``.

    ``why not`` is None when no zygote was asked for; else it says why kernels will start normally:
    the platform cannot fork (``failed`` False), or the zygote did not start (``failed`` True)."""
    if not requested:
        return None, None, False
    why = kernel_zygote.unavailable_reason()
    if why:
        return None, why, False
    try:
        return kernel_zygote.start_zygote(), None, False
    except Exception as exc:  # noqa: BLE001 - kernels then start normally; recorded
        return None, _error_line(exc), True


def _start_kernel_zygote(run: _Run, started: tuple | None = None) -> None:
    """Record the run's pre-warmed kernel zygote (``started`` by :func:`_launch_zygote`; started
    here when not given), or in the manifest why there is none."""
    if not run.zygote:
        return
    zyg, why, failed = started if started is not None else _launch_zygote(True)
    if zyg is None:
        run.zinfo["error"] = why
        if failed:
            log.warning("kernel zygote did not start (%s): kernels start normally", why)
        else:
            log.info("kernels start normally (no pre-warmed zygote): %s", why)
        return
    run.zyg = zyg
    run.zinfo["preloaded"] = list(kernel_zygote.PRELOAD)


def _run_pool(run: _Run, jobs: list[NotebookJob]) -> None:
    """Run the jobs in the process pool (and the appendix beside them); on a signal, stop them all."""
    # deferred: tqdm 0.03 s and IPython: only a run with a terminal or notebook shows progress
    from tqdm.auto import tqdm

    bar = tqdm(total=len(jobs), desc=f"cycle {run.params.cycle}", unit="notebook", file=sys.stderr,
               dynamic_ncols=True)
    try:
        executor = ProcessPoolExecutor(max_workers=min(run.n_jobs, max(1, len(jobs))),
                                       mp_context=_mp_context(), initializer=_worker_init,
                                       initargs=(run.kernel_dir, run.zyg.path if run.zyg else None,
                                                 run.snapshot))
        with _signals_raise():
            run.interrupted = _until_interrupted(_run_notebooks, run, executor, jobs, bar)
            if run.interrupted is None and run.app_fut is not None:
                run.interrupted = _until_interrupted(_pages_then_appendix, run)
            if run.interrupted is not None:
                log.error("interrupted by %s: stopping workers and kernels", run.interrupted)
                _stop_workers(executor)
                if run.app_exec is not None:
                    _stop_workers(run.app_exec)
    finally:
        bar.close()
        if run.app_exec is not None:
            run.app_exec.shutdown(wait=bool(run.app_res), cancel_futures=True)
        if run.zyg is not None:
            run.zinfo.update(_stop_zygote(run.zyg, run.entries))


def _until_interrupted(step, *args) -> _Interrupted | None:
    """Run ``step(*args)``; the signal (SIGINT or SIGTERM) that stopped it, or None."""
    try:
        step(*args)
    except _Interrupted as exc:
        return exc
    except KeyboardInterrupt:
        return _Interrupted(signal.SIGINT)
    return None


def _run_notebooks(run: _Run, executor: ProcessPoolExecutor, jobs: list[NotebookJob], bar) -> None:
    """Submit every job, record each result as it comes, and start the appendix once it can."""
    needed = {j.stem for j in jobs if j.district is None}  # the notebooks the appendix reads
    by_stem = {j.stem: j for j in jobs}
    futures = {executor.submit(_execute_job, j): j.stem for j in jobs}
    pages: dict = {}  # reviewer pages exported as tasks of their own (NotebookJob.page_later): stem by future
    for stem in futures.values():  # (a reused execution is already ok)
        run.entries[stem]["status"] = "running"
    pending = set(futures)
    while pending:
        if (run.early and run.app_fut is None and not run.failed
                and all(run.entries[s_]["status"] == "ok" for s_ in needed)):
            run.app_exec, run.app_fut = _start_appendix(run.params, run.staging, run.kernel_dir,
                                                        sum(f in futures for f in pending))
        done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
        for fut in done:
            if fut in pages:
                run.entries[pages[fut]].update(_page_result(fut))
                continue
            stem = futures[fut]
            res = _job_result(fut)
            _record_result(run, stem, res)
            bar.update(1)
            bar.set_postfix_str(f"{stem}: {run.entries[stem]['status']}")
            if res.get("page_pending"):
                page = executor.submit(_export_page, by_stem[stem], res["status"], res["error"])
                pages[page] = stem
                pending.add(page)
    executor.shutdown(wait=True)


def _page_result(fut) -> dict[str, Any]:
    """A reviewer page's result (:func:`_export_page`), or its failure if the worker itself died."""
    try:
        return fut.result()
    except Exception as exc:  # the worker process itself died
        return {"html_error": f"worker process failed: {exc!r}"}


def _job_result(fut) -> dict[str, Any]:
    """A worker's result (:func:`_execute_job`), or a failure if the worker process itself died."""
    try:
        return fut.result()
    except Exception as exc:  # the worker process itself died
        return {"status": "failed", "error": f"worker process failed: {exc!r}",
                "seconds": None, "retries": 0, "retry_errors": []}


def _record_result(run: _Run, stem: str, res: dict[str, Any]) -> None:
    """Record one notebook's result in its manifest entry and the run log."""
    e = run.entries[stem]
    e.update({k: res[k] for k in ("status", "error", "seconds", "retries", "retry_errors")})
    e.update({k: res[k] for k in ("html", "images_without_alt", "html_error") if k in res})
    launches = res.get("kernel_launches") or []
    if launches:
        e["kernel_start"] = launches[-1]["mode"]
        if launches[-1]["reason"]:
            e["kernel_start_reason"] = launches[-1]["reason"]
    for r in e["retry_errors"]:
        log.warning("%s: retried after %s", stem, r)
    if e["status"] == "ok":
        log.info("%s: ok in %.1f s", stem, e["seconds"])
    else:
        run.failed = True
        log.error("%s: FAILED after %s s: %s", stem, e["seconds"], e["error"])


def _pages_then_appendix(run: _Run) -> None:
    """Every notebook has run and the appendix is being built beside: write the reviewer pages'
    index now (importing nbconvert, about 1 s of CPU in this process), while the appendix builds,
    instead of after it, then wait for the appendix."""
    _settle_entries(run)
    _export_reviewer_pages(run)
    run.pages_exported = True
    _await_appendix(run)


def _await_appendix(run: _Run) -> None:
    """Wait for the appendix built beside the notebooks, or stop it if a notebook failed."""
    if run.failed:  # nothing will be published: stop building it
        _stop_workers(run.app_exec)
    else:
        run.app_res = _appendix_outcome(run.app_fut)


def _settle_entries(run: _Run) -> None:
    """Mark the notebooks that never finished (the run then fails) and forget outputs never written."""
    for e in run.entries.values():
        if e["status"] in ("pending", "running"):
            e["status"] = "interrupted" if run.interrupted else "not run"
            run.failed = True
        if e["output"] and not (run.staging / e["output"]).exists():
            e["output"] = None


def _finish_appendix(run: _Run) -> None:
    """Keep, build or discard the appendix, and record it (or why it was not built) in the manifest."""
    # Only for a complete, fully successful full run. Built beside the district notebooks
    # once the notebooks it reads were done (then discarded if one failed), else here.
    appendix = run.manifest["appendix"]
    if run.app_fut is not None and (run.interrupted is not None or run.failed):
        _discard_appendix(run.staging)
    if run.interrupted is None and not run.failed:
        appendix.update(run.app_res if run.app_fut is not None else
                        _build_appendix(run.params, run.staging, run.appendix, run.partial))
        if appendix.get("error"):
            run.failed = True
    elif run.appendix and not run.partial:
        appendix["reason"] = ("not built: " + _why_failed(run.entries) if run.interrupted is None
                              else "not built: the run was interrupted")


def _export_reviewer_pages(run: _Run) -> None:
    """Export the reviewer pages the workers did not, and their index (not after an interrupt)."""
    if run.interrupted is None and not _export_html(run.params, run.staging, run.manifest, run.entries):
        run.failed = True


def _close_manifest(run: _Run) -> None:
    """Set the run's status and exit code, log them and write the staging folder's final manifest."""
    run.status = "interrupted" if run.interrupted else ("failed" if run.failed else "complete")
    run.manifest.update({"status": run.status, "finished_utc": utc_now(),
                         "seconds": round(time.monotonic() - run.t_start, 3)})
    run.code = (_EXIT_INTERRUPTED.get(run.interrupted.signum, 130) if run.interrupted
                else (1 if run.failed else 0))
    run.manifest["exit_code"] = run.code
    log.info("run finished: %s (exit code %d)", run.status, run.code)
    write_manifest(run.staging / "manifest.json", run.manifest)


def _publish_complete_run(run: _Run) -> str | None:
    """Move a complete run's folder into place; what to tell the user, or None if that failed."""
    final = run.out_dir / run.name
    try:
        _publish(run.staging, final, run.run_id, run.params.cycle)
    except (OSError, RunError) as exc:  # e.g. disk full: a failed publish is a failed run, not a traceback
        run.publish_error = f"could not move this run's outputs into {final}: {exc}"
        log.error(run.publish_error)
        run.status, run.code = "failed", 1
        run.manifest.update({"status": run.status, "exit_code": run.code, "publish_error": run.publish_error})
        try:
            write_manifest(run.staging / "manifest.json", run.manifest)
        except OSError:
            pass
        return None
    return (f"partial run (--districts/--notebooks): its outputs are in {final}; the full "
            f"cycle's outputs in {run.out_dir / run.params.cycle} were not changed and no appendix was "
            "built" if run.partial else f"outputs published to {final}")


def _set_run_aside(run: _Run) -> str:
    """Keep a run that did not complete as ``<name>.<status>-<time>/``; what to tell the user."""
    out_dir, staging, final = run.out_dir, run.staging, run.out_dir / run.name
    trimmed = False
    if rundirs.low_on_space(out_dir):
        # the disk is (nearly) full: keep only this run's manifest and log, so the
        # failed run does not keep it full and the rerun can complete once space is freed
        with contextlib.suppress(OSError):
            rundirs.trim_for_disk_full(staging)
            trimmed = True
    try:
        kept = _set_aside(staging, out_dir, run.name, run.status)
    except OSError as exc:
        kept = staging
        log.error("could not set this run's folder aside (%s); it is left at %s", exc, staging)
    where = (f"run {run.status}: the last good outputs in {final} were left untouched; "
             f"this run's files and manifest are in {kept}" if final.exists() else
             f"run {run.status}: nothing published; this run's files and manifest are in {kept}")
    if run.publish_error:
        where += f"\n{run.publish_error}"
    why = _why_failed(run.entries)
    if run.status == "failed" and why:
        where += f"\nwhy: {why}"
    if run.manifest["appendix"].get("error"):
        where += f"\nthe appendix could not be built: {run.manifest['appendix']['error']}"
    for m in run.manifest.get("missing_outputs") or ():
        where += f"\npromised output missing: {m['output']}: {m['reason']}"
    if trimmed:
        where += ("\nthe disk is nearly full, so only this run's manifest and log were kept; free some "
                  "space and run again")
    return where


def _print_summary(run: _Run, where: str) -> None:
    """Print the summary table and where this run's outputs are (with what the appendix did not publish)."""
    # a complete run too: which tables or figures its appendix could not publish, and why
    for s_ in run.manifest["appendix"].get("not_published") or ():
        title = f" ({s_['title']})" if s_.get("title") else ""
        name = reader_number(s_["id"]) if ID_PATTERN.match(str(s_["id"])) else s_["id"]
        where += f"\nappendix: {name}{title} not published: {s_['reason']}"
    # what disclosure control hid, table by table (issue 22: report the loss)
    for line in run.manifest["appendix"].get("disclosure_loss") or ():
        where += f"\nappendix: disclosure control: {line}"
    print(_summary_table(list(run.entries.values()), run.params.words.unit))
    print(_rows_line(run.manifest.get("data_checks") or {}))
    if run.cache_keys:
        where = _reuse_summary(run) + "\n" + where
    print(where)


def _rows_line(checks: dict) -> str:
    """One line: every input row accounted for (the manifest's ``data_checks``)."""
    if "rows_read" not in checks:
        return "input rows: not checked (" + (checks.get("error") or "no data check") + ")"
    def one(c: dict) -> str:
        text = (f"{c['rows_read']:,} read = {c['accepted_rows']:,} accepted + {c['rejected_rows']:,} rejected")
        if c["rejected_rows"]:
            text += " (" + ", ".join(f"{r} {n:,}" for r, n in c["rejected_by_rule"].items()) + ")"
        return text

    line = "input rows of this cycle: " + one(checks)
    if checks.get("previous_rows"):
        line += "; of the earlier cycles: " + one(checks["previous_rows"])
    if checks["rejected_rows"] or (checks.get("previous_rows") or {}).get("rejected_rows"):
        line += (f"; accepted by accept_rejected_rows: {checks['accept_rejected_rows']:,}; report: "
                 f"{checks['rejections_report']}")
    return line


def _why_failed(entries: dict) -> str:
    """One line: which notebooks failed and why (each distinct error once, with its notebooks)."""
    by_error: dict[str, list[str]] = {}
    for e in entries.values():
        if e["status"] not in ("ok", "pending", "running", SKIPPED):
            label = e["notebook"] + (f" ({e['district']})" if e["district"] else "")
            by_error.setdefault(e["error"] or e["status"], []).append(label)
    if not by_error:
        return ""
    parts = []
    for err, names in by_error.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        parts.append(f"{shown}: {err}")
    return f"{sum(map(len, by_error.values()))} notebook(s) failed, so the appendix was not built; " + "; ".join(parts)


def _stop_zygote(zyg, entries: dict) -> dict[str, Any]:
    """Stop the run's zygote; what to record in the manifest under ``kernel_zygote``."""
    info = zyg.stop()
    starts = [e.get("kernel_start") for e in entries.values()]
    res = {"used": starts.count("zygote") > 0, "ready": info["ready"],
           "preload_seconds": info.get("preload_seconds"),
           "kernels_forked": starts.count("zygote"), "kernels_direct": starts.count("direct")}
    if info.get("stderr"):
        res["stderr"] = info["stderr"]
        log.warning("kernel zygote wrote to stderr: %s", info["stderr"])
    log.info("kernel zygote stopped: %d kernel(s) forked from it, %d started directly",
             res["kernels_forked"], res["kernels_direct"])
    return res


#: Typical seconds of each bundled notebook on the default cycles (2 cores), for the
#: order of a first run: the districts notebook takes several times longer than any
#: other, so it starts first. Only the order of submission depends on these.
TYPICAL_SECONDS = {"districts": 25.0, "trends": 5.5, "data_quality": 5.0, "initial_vs_extended": 4.0,
                   "compliance": 3.5, "district_profile": 3.5}


def _longest_first(work: list[dict[str, Any]], last_manifest: Path) -> list[dict[str, Any]]:
    """Order jobs longest first by the last good run's timings (LPT scheduling).

    With two processes and one notebook that takes several times longer than
    the others, starting it first keeps it from running alone at the end.
    Without a previous run, the typical timings of the bundled notebooks
    (:data:`TYPICAL_SECONDS`) order them, and other notebooks keep the parameter
    file's order. Only the order of submission changes; results do not depend on it.
    """
    try:
        # a reused execution took no time: its time is the one it was computed in
        seconds = {(n["notebook"], n.get("district")):
                   float((n.get("cache") or {}).get("computed_seconds") or n["seconds"])
                   for n in json.loads(last_manifest.read_text())["notebooks"]
                   if (n.get("cache") or {}).get("computed_seconds") or n.get("seconds")}
    except (OSError, ValueError, KeyError, TypeError):
        seconds = {}
    return sorted(work, key=lambda w: -seconds.get((w["notebook"], w["district"]),
                                                    TYPICAL_SECONDS.get(w["notebook"], 0.0)))


def _start_appendix(params, staging: Path, kernel_dir: str, left: int):
    """Start building the appendix in a process of its own, beside the notebooks still
    running: the notebooks it reads (every notebook run once for the cycle; the district
    notebooks' tables carry their district's code) are done. Returns the executor and future."""
    log.info("building the appendix (%d district notebook(s) still to finish)", left)
    ex = ProcessPoolExecutor(max_workers=1, mp_context=_mp_context(), initializer=_worker_init,
                             initargs=(kernel_dir, None))
    return ex, ex.submit(_appendix_job, params, str(staging))


def _appendix_job(params, staging: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """In the appendix's process: :func:`_build_appendix`, and its log records for the run log."""
    records: list[tuple[int, str]] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append((record.levelno, self.format(record)))

    handler = Keep(logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = log.level
    log.setLevel(logging.INFO)  # as the run log records them (this process has no run log)
    log.addHandler(handler)
    try:
        return _build_appendix(params, Path(staging), True, False, announce=False), records
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def _appendix_outcome(fut) -> dict[str, Any]:
    """The manifest entry of an appendix built beside the notebooks (waits for it)."""
    try:
        res, records = fut.result()
    except Exception as exc:  # noqa: BLE001 - its process died: recorded, the run fails
        res, records = {"built": False, "reason": "failed", "error": f"appendix process failed: {exc!r}"}, []
    for level, msg in records:
        log.log(level, msg)
    return res


def _discard_appendix(staging: Path) -> None:
    """A run that failed or was interrupted publishes nothing: the appendix built beside
    its notebooks is removed (what it wrote to ``restricted/`` stays, private, with the
    run's other files)."""
    for sub in ("publish", "publish.staging", "publish_rejected"):
        shutil.rmtree(staging / sub, ignore_errors=True)


def _build_appendix(params, staging: Path, requested: bool, partial: bool, *,
                    announce: bool = True) -> dict[str, Any]:
    if not requested:
        return {"built": False, "reason": "not requested (--no-appendix)"}
    if partial:
        return {"built": False, "reason": "partial run (--districts/--notebooks): the appendix needs every table"}
    try:
        # deferred: kentaudit.publication.appendix 1.6 s: built in a process of its own
        from kentaudit.publication.appendix import build_appendix
    except ModuleNotFoundError as exc:
        if exc.name not in ("kentaudit.publication.appendix",):
            raise
        msg = ("kentaudit.publication.appendix is not available in this installation, so the appendix was "
               "not built; build it later with `kentaudit appendix`")
        log.warning(msg)
        print(f"kentaudit: warning: {msg}", file=sys.stderr)
        return {"built": False, "reason": msg}
    if announce:
        log.info("building the appendix")
    try:
        res = build_appendix(params, results_dir=staging)
    except Exception as exc:  # noqa: BLE001 - recorded; the run fails and keeps the last good outputs
        log.exception("appendix failed")
        return {"built": False, "reason": "failed", "error": _error_line(exc)}
    # what the data (or the cycle's design) could not support: said in the manifest and the
    # summary, table by table, so a thin appendix is never mistaken for a complete one
    not_published = [{"id": i, "title": t, "reason": r} for i, t, r in getattr(res, "skipped", None) or ()]
    for s in not_published:
        log.info("appendix: %s (%s) not published: %s", s["id"], s["title"], s["reason"])
    loss = list(getattr(res, "loss", None) or ())
    for line in loss:
        log.info("appendix: disclosure control: %s", line)
    return {"built": True, "reason": None, "tables": list(getattr(res, "tables", None) or ()),
            "figures": list(getattr(res, "figures", None) or ()),
            "not_published": not_published, "disclosure_loss": loss,
            "missing": [{"output": f"publish/{name}", "reason": why} for name, why in getattr(res, "missing", ())]}


def _html_base(manifest: dict, params: CycleParams | None = None) -> dict[str, Any]:
    """Provenance shown at the top of every reviewer page (from the manifest), with the words the
    page names a unit in (``unit_label``, ``units_label``: the cycle's profile's)."""
    base = {k: manifest.get(k) for k in ("cycle", "started_utc", "git_commit", "params_file",
                                         "params_sha256", "params", "input_hashes")}
    base["kentaudit_version"] = manifest["packages"].get("kentaudit")
    w = getattr(params, "words", None)
    if w is not None:
        base["unit_label"], base["units_label"] = w.Unit, w.units
    if getattr(params, "label", None):  # the cycle as readers know it ("2025/26"), not its folder id
        base["cycle"] = params.label
    return base


def _export_html(params, staging: Path, manifest: dict, entries: dict) -> bool:
    # deferred: nbconvert 1.5 s: reviewer pages are exported in the worker processes only
    from kentaudit.run.reviewer import build_index, export_notebook_html

    base = {**_html_base(manifest, params), "finished_utc": utc_now()}
    ok, no_alt, pages = True, 0, []
    for stem, e in entries.items():
        if e.get("html_error"):
            ok = False
            log.error("%s: reviewer HTML export failed: %s", stem, e["html_error"])
        elif e.get("html"):  # exported by the worker right after the notebook ran
            no_alt += int(e.get("images_without_alt") or 0)
        elif e["output"]:
            prov = {**base, "notebook": e["notebook"], "district": e["district"],
                    "status": e["status"], "error": e["error"]}
            try:
                info = export_notebook_html(staging / e["output"], staging / "html" / f"{stem}.html",
                                            provenance=prov, cycle_title=params.title)
            except Exception as exc:  # noqa: BLE001
                ok = False
                log.error("%s: reviewer HTML export failed: %s", stem, _error_line(exc))
                e["html_error"] = _error_line(exc)
            else:
                e["html"] = f"html/{stem}.html"
                no_alt += info["images_without_alt"]
                if info["images_without_alt"]:
                    log.warning("%s: %d image(s) without alt text (display figures with "
                                "kentaudit.report.results.show_figure)", stem, info["images_without_alt"])
        pages.append({**e, "html": f"{stem}.html" if e["html"] else None})
    build_index(staging / "html", pages, title=params.title,
                provenance={**base, "notebook": "index", "status": "failed" if not ok or any(
                    e["status"] not in ("ok", SKIPPED) for e in entries.values()) else "ok"})
    manifest["html"] = {"index": "html/index.html", "pages": sum(1 for e in entries.values() if e["html"]),
                        "images_without_alt": no_alt}
    return ok


# ------------------------------------------------------- incremental reruns (hooks)
# The decisions are kentaudit.run.cache's pure functions; these hooks only read the
# earlier runs' manifests, verify and copy their files, and record what was done.

def _cache_parts(run: _Run) -> tuple[dict[str, dict[str, Any]], str, str]:
    """Every planned execution's key (:func:`kentaudit.run.cache.job_keys`), the code's and the
    parameters' digests."""
    params, m = run.params, run.manifest
    code = cache.code_digest(Path(__file__).resolve().parents[1], m["packages"])
    par = cache.params_digest(m["params"], m["params_file"])  # the file's path relative to the repository
    hashes = m.get("input_hashes") or {}
    district_data = None
    # deferred: pandas and ingest 1 s: the cycle is read once here, for the keys and the kernels
    from kentaudit.analysis.cycle import load_cycle

    # the exports as run_cycle read them, if no input file has changed since (else read again)
    read = run.read[1] if run.read is not None and run.read[0] == hashes else None
    try:
        run.cycle_data = load_cycle(params, read=read)
    except Exception as exc:  # noqa: BLE001 - keys then cover every input: sound, only slower
        log.info("the cycle could not be read once for every notebook (%s): each notebook reads it, and "
                 "per-district notebooks rerun on any change to an input", _error_line(exc))
    if run.cycle_data is not None and any(p["district"] is not None for p in run.plans):
        ins = m["params"]["inputs"]  # paths as input_hashes names them
        district_data = cache.district_data_digests(run.cycle_data, hashes,
                                                    [*ins["audits"], *ins["previous_audits"]])
    # a notebook's key covers the words its markdown is written in (the profile's)
    words = json.dumps(_words_dict(params), sort_keys=True)
    nb_hashes = {p["notebook"]: sha256_file(params.notebooks_dir / f"{p['notebook']}.ipynb") + ":" + words
                 for p in run.plans}
    keys = cache.job_keys(run.plans, notebook_hashes=nb_hashes, code=code, params=par,
                          cycle_data=cache.cycle_data_digest(hashes), district_data=district_data,
                          kernel=run.kmc)
    return keys, code, par


def _candidate_runs(run: _Run) -> list[tuple[Path, dict]]:
    """The published folders whose outputs may be reused, most relevant first."""
    out_dir, cycle = run.out_dir, run.params.cycle
    names = list(dict.fromkeys([run.name, cycle, f"{cycle}-partial"]))
    return cache.read_candidates([out_dir / n for n in names], read_manifest)


def _reuse_earlier_outputs(run: _Run, jobs: list[NotebookJob]) -> list[NotebookJob]:
    """Copy into the staging folder the outputs of every group whose keys match the last
    complete run (verified by SHA-256 first); the jobs left to execute."""
    keys, code, par = _cache_parts(run)
    run.cache_keys = keys
    run.app_key = cache.appendix_key(keys, code, par)
    cands = _candidate_runs(run) if run.reuse else []
    decisions = cache.decide(run.plans, keys, [m for _, m in cands], reuse=run.reuse)
    index: dict[str, Any] = {"tables": {}}
    for d in decisions.values():
        if not d.reuse:
            continue
        src, m = cands[d.source]
        bad = cache.verify_files(src, d.files)
        if bad:
            why = (f"its outputs in {src} changed or went missing since run {m.get('run_id')} recorded "
                   f"them ({', '.join(bad[:3])}{' ...' if len(bad) > 3 else ''})")
            d.reuse, d.reasons = False, {s: why for s in d.stems}
            continue
        cache.copy_files(src, run.staging, d.files)
        with contextlib.suppress(OSError, ValueError):
            old = json.loads((src / "results" / "index.json").read_text(encoding="utf-8"))
            index["tables"].update(cache.seed_results_index(old, {d.group})["tables"])
        prev = {Path(e.get("output") or "").stem: e for e in m.get("notebooks") or []}
        for s in d.stems:
            e, pe = run.entries[s], prev[s]
            e.update({"status": "ok", "seconds": 0.0, "error": None,
                      "html": pe.get("html") if pe.get("html") in d.files else None,
                      "images_without_alt": pe.get("images_without_alt", 0)})
            e["cache"] = {"decision": "reused", "reason": d.reasons[s], "reused_from": m.get("run_id"),
                          "computed_seconds": (pe.get("cache") or {}).get("computed_seconds") or pe.get("seconds")}
            run.reused.append(s)
    if index["tables"]:
        (run.staging / "results" / "index.json").write_text(
            json.dumps({"tables": dict(sorted(index["tables"].items()))}, indent=2, sort_keys=True,
                       ensure_ascii=False) + "\n", encoding="utf-8")
    for d in decisions.values():
        for s in d.stems:
            e = run.entries[s]
            if not d.reuse:
                e["cache"] = {"decision": "recomputed", "reason": d.reasons.get(s, "")}
            e["cache"].update(keys[s])
    _decide_appendix_reuse(run, decisions, dict(cands))
    left = [j for j in jobs if j.stem not in set(run.reused)]
    log.info("reruns: %d of %d notebook execution(s) reused from the last complete run, %d to execute%s",
             len(run.reused), len(run.plans), len(left),
             "" if run.reuse else " (reuse turned off: --no-reuse)")
    for j in left:
        log.info("%s: executed: %s", j.stem, run.entries[j.stem]["cache"]["reason"])
    write_manifest(run.staging / "manifest.json", run.manifest)
    return left


def _decide_appendix_reuse(run: _Run, decisions: dict, cands: dict) -> None:
    """Reuse the full cycle's appendix when every notebook was reused and its key is unchanged."""
    full = run.out_dir / run.params.cycle
    wanted = bool(run.appendix) and not run.partial and run.reuse
    ok, why, files = cache.decide_appendix(run.app_key, decisions, cands.get(full), wanted=wanted)
    if ok:
        bad = cache.verify_files(full, files)
        if bad:
            ok, why = False, f"its files in {full} changed or went missing ({', '.join(bad[:3])})"
        else:
            cache.copy_files(full, run.staging, files)
            prev = cands[full]
            run.manifest["appendix"] = {**(prev.get("appendix") or {}), "requested": True,
                                        "reused_from": prev.get("run_id")}
            run.appendix_reused = True
            log.info("the appendix is reused: %s", why)
    if not ok and wanted:
        log.info("the appendix is built: %s", why)
    if run.appendix and not run.partial:
        run.manifest["appendix"]["cache"] = {"decision": "reused" if ok else "recomputed", "reason": why,
                                             "key": run.app_key}


def _keep_reused_appendix(run: _Run) -> None:
    """A run that reused the appendix and then failed publishes nothing: remove it as
    :func:`_finish_appendix` removes one built beside the notebooks."""
    if run.interrupted is not None or run.failed:
        _discard_appendix(run.staging)
        run.manifest["appendix"].update({"built": False, "reason": "not built: " + (
            "the run was interrupted" if run.interrupted is not None else _why_failed(run.entries))})


def _record_cache(run: _Run) -> None:
    """Record in the manifest every group's files and their SHA-256, for the next run (only a
    run that succeeded: reuse never crosses a failed or interrupted run)."""
    if run.interrupted is not None or run.failed or not run.cache_keys:
        return
    for e in run.entries.values():
        c = e.get("cache")
        if c is not None and c.get("decision") == "recomputed":
            c["computed_seconds"] = e.get("seconds")
    built = bool(run.manifest["appendix"].get("built"))
    run.manifest["cache"] = cache.cache_record(run.cache_keys, cache.output_files(run.staging),
                                               run.app_key if built else None, reused=len(run.reused),
                                               executed=len(run.plans) - len(run.reused))


def _reuse_summary(run: _Run) -> str:
    """One line: how many executions were reused, how many executed, and the appendix."""
    n, k = len(run.plans), len(run.reused)
    app = run.manifest["appendix"]
    app_text = ("the appendix reused" if run.appendix_reused else
                "the appendix built" if app.get("built") else "no appendix")
    if k == n and (run.appendix_reused or not app.get("requested") or run.partial):
        return (f"nothing changed since the last complete run: no notebook executed ({k} reused), "
                f"{app_text}")
    return f"{n - k} notebook execution(s) executed, {k} reused from the last complete run; {app_text}"


def _write_cycle_snapshot(run: _Run) -> None:
    """Write the cycle loaded for the keys into the run's private folder, for every kernel's
    ``load_cycle`` to read instead of ingesting the exports again (about 1 s of CPU each)."""
    if run.cycle_data is None:
        return
    # deferred: kentaudit.analysis 2 s: the runner's parent process imports only the cycle loader's
    # module, which _cache_parts has imported already
    from kentaudit.analysis.cycle import SNAPSHOT_ENV, write_snapshot

    path = os.path.join(run.kernel_dir, "cycle.pickle")
    try:
        write_snapshot(run.cycle_data, path)
    except (OSError, TypeError, ValueError) as exc:  # the kernels then read the cycle themselves
        log.info("the loaded cycle could not be shared with the kernels (%s)", exc)
        return
    run.snapshot = (SNAPSHOT_ENV, path)
    run.manifest["cycle_snapshot"] = True
