"""The committee pack: the HTML appendix printed to an accessible PDF by headless Chromium.

The PDF is the same document as ``appendix.html``, laid out by its print stylesheet
(``kentaudit/templates/appendix.css``: A4, wide tables on landscape pages, table
headers repeated on every page, rows never split). Chromium writes a **tagged** PDF
(structure tree, ``/MarkInfo``), with the document language from ``<html lang>``,
an **outline** (bookmarks) from the headings (``--generate-pdf-document-outline``),
and the figures' alt text in the structure tree. ``tests/test_publish_pdf.py`` checks
all of this with pikepdf.

Chromium is found as ``$KENTAUDIT_CHROMIUM``, ``chromium`` or ``chromium-browser`` on
the PATH, or ``/usr/bin/chromium``. Without it no PDF is written, and the appendix
says so (the HTML and spreadsheets are unaffected). The browser runs with no network
access to anything (the HTML is self-contained), a throw-away profile and a time limit.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "start_pdf", "finish_pdf", "stop_pdf", "write_pdf", "PDF_TIMEOUT"]

#: seconds Chromium may take to print the appendix
PDF_TIMEOUT = 180

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


class _Job:
    def __init__(self, proc, pdf: Path, profile: str):
        self.proc, self.pdf, self.profile = proc, pdf, profile


def start_pdf(html_path, pdf_path) -> _Job | None:
    """Start printing ``html_path`` to ``pdf_path`` in the background (None without Chromium)."""
    exe = find_chromium()
    if exe is None:
        return None
    pdf = Path(pdf_path).resolve()
    profile = tempfile.mkdtemp(prefix="kentaudit-chromium-")
    cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
           Path(html_path).resolve().as_uri()]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    return _Job(proc, pdf, profile)


def finish_pdf(job: _Job | None, timeout: float = PDF_TIMEOUT) -> Path | None:
    """Wait for :func:`start_pdf`; the PDF's path, or None if it was not written."""
    if job is None:
        return None
    try:
        job.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        job.proc.kill()
        job.proc.wait()
    except BaseException:  # a signal (the run interrupted) or an error: Chromium must not outlive it
        job.proc.kill()
        job.proc.wait()
        raise
    finally:
        shutil.rmtree(job.profile, ignore_errors=True)
    ok = job.proc.returncode == 0 and job.pdf.exists() and job.pdf.stat().st_size > 0
    if not ok and job.pdf.exists():
        job.pdf.unlink()
    return job.pdf if ok else None


def stop_pdf(job: _Job | None) -> None:
    """Stop a :func:`start_pdf` job that is no longer wanted (the build failed or the run was
    interrupted): Chromium runs in a session of its own, so it would outlive the run."""
    if job is None or job.proc.returncode is not None:
        return
    job.proc.kill()
    job.proc.wait()
    shutil.rmtree(job.profile, ignore_errors=True)


def write_pdf(html_path, pdf_path, timeout: float = PDF_TIMEOUT) -> Path | None:
    """Print ``html_path`` to ``pdf_path``; the path, or None without Chromium or on failure."""
    return finish_pdf(start_pdf(html_path, pdf_path), timeout)
