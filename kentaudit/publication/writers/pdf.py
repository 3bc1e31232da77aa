"""The committee pack: the HTML appendix printed to an accessible PDF.

The PDF is the same document as ``appendix.html``, laid out by its print stylesheet
(``kentaudit/templates/appendix.css``: A4, wide tables on landscape pages, table
headers repeated on every page, rows never split, a heading kept with what it heads).

**Engine.** WeasyPrint, a dependency of kentaudit, so ``make cycle`` (or ``pip install
kentaudit``) on a fresh machine installs it; it needs the Pango text library of the
system (present on Debian and Ubuntu desktops and servers with any graphical library;
``apt install libpango-1.0-0 libpangoft2-1.0-0``; conda-forge's ``weasyprint`` brings it).
It writes the **PDF/UA-1** variant: a tagged PDF (structure tree with headings,
lists, tables with ``THead``/``TH``, figures with their alt text, ``/MarkInfo``), the
document language from ``<html lang>``, the title shown instead of the file name, the
PDF/UA identification in the XMP metadata, and an outline (bookmarks) from the
headings. Where WeasyPrint cannot run (no Pango), the system's headless Chromium prints
the page instead, also tagged, with the language and an outline
(``$KENTAUDIT_CHROMIUM``, ``chromium`` or ``chromium-browser`` on the PATH, or
``/usr/bin/chromium``). ``KENTAUDIT_PDF_ENGINE=weasyprint`` or ``chromium`` chooses one
engine only. The engines were measured on both default cycles for tagging, fidelity and
speed (``benchmarks/bench_pdf.py``; the table is in ``docs/appendix.md``).

Either engine runs as a process of its own (``start_pdf``), so that the appendix writes
and checks its other files meanwhile, with a time limit, reading nothing but the page
itself: the HTML is self-contained and WeasyPrint's fetcher refuses every address but
the page's own ``data:`` URIs, failing the print if the page asks for one (Chromium runs with a throw-away profile and
its background networking off). When no engine prints, no PDF is written and
:func:`finish_pdf` returns None; the appendix then says so, and the run reports the
promised output missing (``kentaudit.run``).
"""
from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["NO_PDF_REASON", "PDF_TIMEOUT", "find_chromium", "find_engines", "finish_pdf",
           "print_with_weasyprint", "start_pdf", "stop_pdf", "write_pdf"]

#: seconds an engine may take to print the appendix
PDF_TIMEOUT = 180

#: why an appendix has no PDF, in the words the appendix and the run show
NO_PDF_REASON = ("no PDF engine could print the appendix: WeasyPrint (installed with kentaudit) "
                 "needs the Pango library (apt install libpango-1.0-0 libpangoft2-1.0-0), or "
                 "install Chromium (or set KENTAUDIT_CHROMIUM); or leave pdf out of "
                 "publication.formats")

_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
          "--disable-extensions", "--no-pdf-header-footer", "--generate-pdf-document-outline",
          "--export-tagged-pdf", "--run-all-compositor-stages-before-draw")


def find_chromium() -> str | None:
    """The Chromium executable, or None."""
    env = os.environ.get("KENTAUDIT_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def find_engines() -> list[str]:
    """The engines to try, in order: ``"weasyprint"`` (when installed), then ``"chromium"``
    (when found); ``KENTAUDIT_PDF_ENGINE`` keeps one of them only."""
    engines = []
    if importlib.util.find_spec("weasyprint") is not None:
        engines.append("weasyprint")
    if find_chromium() is not None:
        engines.append("chromium")
    wanted = os.environ.get("KENTAUDIT_PDF_ENGINE", "").strip().lower()
    return [e for e in engines if e == wanted] if wanted else engines


def print_with_weasyprint(html_path, pdf_path) -> Path:
    """Print ``html_path`` to a PDF/UA-1 ``pdf_path`` with WeasyPrint, in this process."""
    # deferred: weasyprint 1.3 s and the Pango library; the printing process alone needs them
    import weasyprint
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # unsupported screen-only CSS
    html = Path(html_path).resolve()
    # the page's own data: URIs only (its figures); anything else is refused, not fetched
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    doc = weasyprint.HTML(filename=str(html), url_fetcher=fetcher)
    doc.write_pdf(str(pdf_path), pdf_variant="pdf/ua-1")
    return Path(pdf_path)


#: the printing process: WeasyPrint prints argv[1] to argv[2]
_PRINT = ("import sys; from kentaudit.publication.writers.pdf import print_with_weasyprint; "
          "print_with_weasyprint(sys.argv[1], sys.argv[2])")
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


class _Job:
    def __init__(self, engines: list[str], html: Path, pdf: Path):
        self.engines, self.html, self.pdf = list(engines), html, pdf
        self.proc = None
        self.engine = None
        self.profile = None
        self.log: Path | None = None
        self.errors: list[str] = []

    def start_next(self) -> bool:
        """Start the next engine; False when none is left."""
        while self.engines:
            self.engine = self.engines.pop(0)
            env = None
            if self.engine == "weasyprint":
                cmd = [sys.executable, "-c", _PRINT, str(self.html), str(self.pdf)]
                # the printing process imports this same kentaudit
                env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                    [_PACKAGE_PARENT, *filter(None, [os.environ.get("PYTHONPATH")])])}
            else:
                exe = find_chromium()
                if exe is None:
                    continue
                self.profile = tempfile.mkdtemp(prefix="kentaudit-chromium-")
                cmd = [exe, *_FLAGS, f"--user-data-dir={self.profile}", f"--print-to-pdf={self.pdf}",
                       self.html.as_uri()]
            fd, name = tempfile.mkstemp(prefix="kentaudit-pdf-", suffix=".log")
            self.log = Path(name)
            with os.fdopen(fd, "wb") as log:  # the engine's messages, to say why it failed
                self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            return True
        return False

    def clean(self) -> None:
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None
        if self.log is not None:
            self.log.unlink(missing_ok=True)
            self.log = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()
        self.clean()


def start_pdf(html_path, pdf_path) -> _Job | None:
    """Start printing ``html_path`` to ``pdf_path`` in the background (None without an engine)."""
    job = _Job(find_engines(), Path(html_path).resolve(), Path(pdf_path).resolve())
    return job if job.start_next() else None


def _wait(job: _Job, timeout: float) -> bool:
    try:
        job.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        job.proc.kill()
        job.proc.wait()
        job.errors.append(f"{job.engine}: no PDF within {timeout:g} s")
        return False
    except BaseException:  # a signal (the run interrupted) or an error: no engine may outlive it
        job.kill()
        raise
    ok = job.proc.returncode == 0 and job.pdf.exists() and job.pdf.stat().st_size > 0
    if not ok:
        tail = (job.log.read_text(errors="replace").strip().splitlines()[-1:]
                if job.log is not None and job.log.exists() else [])
        job.errors.append(f"{job.engine}: exit {job.proc.returncode}" + (f": {tail[0][:200]}" if tail else ""))
    return ok


def finish_pdf(job: _Job | None, timeout: float = PDF_TIMEOUT) -> Path | None:
    """Wait for :func:`start_pdf`; the PDF's path, or None if no engine wrote it.

    When the first engine fails (WeasyPrint without Pango), the next one prints the page;
    ``job.engine`` names the one that printed it and ``job.errors`` says why the others
    did not."""
    if job is None:
        return None
    while True:
        try:
            ok = _wait(job, timeout)
        finally:
            job.clean()
        if ok:
            return job.pdf
        job.pdf.unlink(missing_ok=True)
        if not job.start_next():
            return None


def stop_pdf(job: _Job | None) -> None:
    """Stop a :func:`start_pdf` job that is no longer wanted (the build failed or the run was
    interrupted): the engine runs in a session of its own, so it would outlive the run."""
    if job is not None:
        job.kill()


def write_pdf(html_path, pdf_path, timeout: float = PDF_TIMEOUT) -> Path | None:
    """Print ``html_path`` to ``pdf_path``; the path, or None without an engine or on failure."""
    return finish_pdf(start_pdf(html_path, pdf_path), timeout)
