"""kentaudit: analysis suite for child-protection case-file audits.

The curated top-level API (everything else lives in its topic module, e.g.
:mod:`kentaudit.proportions`, :mod:`kentaudit.funnel`):

>>> import kentaudit
>>> cycle = kentaudit.load_cycle("params/cycle-2009.yaml")            # doctest: +SKIP
>>> kentaudit.compare_groups(cycle, by="district", group="Thanet")    # doctest: +SKIP
>>> kentaudit.compare_grades_by(cycle, by="auditor", group="AUD07")   # doctest: +SKIP
>>> kentaudit.run_cycle("params/cycle-2009.yaml")                     # doctest: +SKIP

Names are imported on first use, so ``import kentaudit`` stays quick.
"""
from __future__ import annotations

import importlib

from .errors import (EmptyInputError, InputError, KentauditError, MethodError, ParamsError,
                     RunError)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    # a cycle: read, analyse, run
    "load_params": "params", "CycleParams": "params",
    "load_cycle": "analyses", "CycleData": "analyses", "Section": "analyses",
    "run_cycle": "runner",
    # one-line questions
    "compare_groups": "groups", "compare_grades_by": "groups", "ComparisonTable": "groups",
    "compliance": "proportions", "criterion_counts": "proportions", "proportion_ci": "proportions",
    "compare_independent": "compare", "compare_samples": "compare",
    "adjust": "multiplicity",
    # results, figures and their reading form
    "save_table": "results", "load_table": "results", "save_figure": "results",
    "show_figure": "results", "style_table": "display",
    "KentauditDeprecationWarning": "vocabulary",
}

__all__ = ["__version__", "KentauditError", "InputError", "EmptyInputError", "MethodError",
           "ParamsError", "RunError", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kentaudit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
