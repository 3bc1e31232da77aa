"""The runner's processes skip jsonschema's optional IRI grammar (kentaudit.run.skip_imports);
an analyst's session is left alone."""
from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import sys
{setup}
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
print(repr(sys.modules.get("rfc3987_syntax", "absent")))
"""


def _run(setup: str) -> str:
    out = subprocess.run([sys.executable, "-c", CHECK.format(setup=setup)], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_marked_processes_validate_notebooks_without_importing_the_iri_grammar():
    got = _run("from kentaudit.run.skip_imports import skip_unused_optional_imports\n"
               "assert skip_unused_optional_imports() == ['rfc3987_syntax']")
    assert got == "None"  # marked, never imported; validation still works


def test_importing_kentaudit_does_not_change_an_analysts_session():
    pytest.importorskip("rfc3987_syntax")  # installed with JupyterLab's jupyter-events
    got = _run("import kentaudit, kentaudit.analysis, kentaudit.run.runner, kentaudit.report.results")
    assert got.startswith("<module 'rfc3987_syntax'")


def test_a_module_already_imported_is_left_alone(monkeypatch):
    from kentaudit.run import skip_imports

    monkeypatch.setitem(sys.modules, "rfc3987_syntax", object())
    assert skip_imports.skip_unused_optional_imports() == []
    assert sys.modules["rfc3987_syntax"] is not None


def test_the_runners_workers_and_forkserver_mark_it(monkeypatch, tmp_path):
    from kentaudit.run import runner

    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    monkeypatch.setattr(runner.signal, "signal", lambda *a: None)
    monkeypatch.setattr("kentaudit.run.deathsig.die_with_parent", lambda *a: None)
    monkeypatch.setenv("KENTAUDIT_KERNEL_DIR", str(tmp_path))
    monkeypatch.delenv("KENTAUDIT_ZYGOTE", raising=False)
    runner._worker_init(str(tmp_path))
    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    monkeypatch.delitem(sys.modules, "rfc3987_syntax")
    src = (runner.Path(runner.__file__).parent / "_forkserver_preload.py").read_text()
    assert "skip_unused_optional_imports()" in src
    # and the forkserver imports that module before anything that imports jsonschema
    assert runner.FORKSERVER_PRELOAD[0] == "kentaudit.run._forkserver_preload"


def test_the_forkserver_never_imports_the_iri_grammar():
    # what the run's forkserver preloads, in a fresh process, in its order
    from kentaudit.run.runner import FORKSERVER_PRELOAD

    code = ("import sys\nfrom kentaudit.run.skip_imports import skip_unused_optional_imports\n"
            "import importlib\n"
            + "".join(f"importlib.import_module({m!r})\n" for m in FORKSERVER_PRELOAD
                      if m != "kentaudit.run._forkserver_preload")
            + "import nbformat\nprint(repr(sys.modules.get('rfc3987_syntax', 'absent')))")
    code = code.replace("import importlib\n", "import importlib\nskip_unused_optional_imports()\n", 1)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def test_importing_the_appendix_does_not_choose_the_matplotlib_backend():
    # the kernel zygote preloads kentaudit.publication.appendix and refuses to fork with a backend chosen
    code = ("import kentaudit.publication.appendix, kentaudit.publication.findings, matplotlib\n"
            "print(matplotlib.rcParams._get_backend_or_none())")
    env = {k: v for k, v in __import__("os").environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "None"
