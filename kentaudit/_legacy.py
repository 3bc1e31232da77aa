"""Module paths of kentaudit 0.1 that users import, kept for one release (removed in 0.3).

Before the layered layout (``docs/architecture.md``) every module sat directly in
``kentaudit/``. The paths analysts wrote in their own notebooks and scripts
(``kentaudit.analyses``, ``.notebook``, ``.results``, ``.params``, ``.runner``,
``.reference``, ``.calibration``, ``.district_ranks``, and ``python -m
kentaudit.pseudonym``) still import, with a :class:`KentauditDeprecationWarning` naming
the new path. A moved module is the same module object under both names, so
``monkeypatch`` and ``isinstance`` behave as before.
"""
from __future__ import annotations

import importlib
import sys
import warnings

from kentaudit.core.vocabulary import KentauditDeprecationWarning

__all__ = ["MOVED", "alias"]

#: old module -> new module (``kentaudit.analyses`` became the package ``kentaudit.analysis``)
MOVED = {
    "kentaudit.analyses": "kentaudit.analysis",
    "kentaudit.notebook": "kentaudit.analysis.notebook",
    "kentaudit.results": "kentaudit.report.results",
    "kentaudit.params": "kentaudit.inputs.params",
    "kentaudit.runner": "kentaudit.run.runner",
    "kentaudit.reference": "kentaudit.inputs.reference",
    "kentaudit.calibration": "kentaudit.analysis.calibration",
    "kentaudit.district_ranks": "kentaudit.analysis.ranking",
    "kentaudit.pseudonym": "kentaudit.inputs.pseudonym",
}


def alias(old: str, *, stacklevel: int = 3):
    """Warn that ``old`` moved and return the module it moved to.

    The caller (the stub module ``old``) replaces itself in :data:`sys.modules` with
    the returned module, so both paths name one module object. ``stacklevel`` points the
    warning at the line that imported ``old`` (import machinery frames are not counted).
    """
    new = MOVED[old]
    warnings.warn(f"{old} is deprecated and will be removed in kentaudit 0.3; import {new} "
                  "instead (docs/architecture.md lists where every module went).",
                  KentauditDeprecationWarning, stacklevel=stacklevel)
    return importlib.import_module(new)


def replace(old: str) -> None:
    """Make ``sys.modules[old]`` the moved module (called by each stub at import)."""
    sys.modules[old] = alias(old, stacklevel=4)
