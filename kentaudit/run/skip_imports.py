"""Optional imports that the runner's own processes skip, because they cost start-up time for nothing.

jsonschema, which nbformat uses to validate every notebook that papermill and nbconvert read,
imports ``rfc3987_syntax`` whenever it is installed (jupyter-events pulls it in for JupyterLab)
to check the JSON-schema string format ``"iri"``. Importing it compiles a Lark grammar: 2.4 s of
the 3.3 s that ``python -X importtime -c "import papermill"`` takes on the benchmark machine, paid
again in every worker process of a run. No notebook schema uses that format: nbformat validates
without a format checker, and its schemas' ``"format"`` entries are property names, not the
keyword. So the processes the runner starts itself (the command line, its forkserver and workers)
mark the module as not importable, and jsonschema leaves the ``"iri"`` check out, as it does when
the package is not installed. An analyst's own session is never changed: nothing imports this
module there.
"""
from __future__ import annotations

import sys

__all__ = ["UNUSED_OPTIONAL", "skip_unused_optional_imports"]

#: Modules imported only for optional checks that kentaudit's processes never use.
UNUSED_OPTIONAL = ("rfc3987_syntax",)


def skip_unused_optional_imports() -> list[str]:
    """Make :data:`UNUSED_OPTIONAL` unimportable in this process (``import`` raises
    ImportError, which their importers catch); modules already imported are left alone.

    Returns the names marked.
    """
    marked = []
    for name in UNUSED_OPTIONAL:
        if name not in sys.modules:
            sys.modules[name] = None  # the documented way to make an import fail (importlib docs)
            marked.append(name)
    return marked
