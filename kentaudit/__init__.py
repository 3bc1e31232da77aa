"""kentaudit: analysis suite for child-protection case-file audits.

The curated top-level API (everything else lives in its topic module, e.g.
:mod:`kentaudit.stats.proportions`, :mod:`kentaudit.stats.funnel`):

>>> import kentaudit
>>> cycle = kentaudit.load_cycle("params/cycle-2009.yaml")            # doctest: +SKIP
>>> kentaudit.compare_groups(cycle, by="district", group="Thanet")    # doctest: +SKIP
>>> kentaudit.compare_grades_by(cycle, by="auditor", group="AUD07")   # doctest: +SKIP
>>> kentaudit.run_cycle("params/cycle-2009.yaml")                     # doctest: +SKIP

Names are imported on first use, so ``import kentaudit`` stays quick.
"""
from __future__ import annotations

import importlib

from kentaudit.core.errors import (EmptyInputError, InputError, KentauditError, MethodError,
                                   ParamsError, RunError)
from kentaudit.core.version import __version__

# public name -> module that defines it
_LAZY = {
    # a cycle: read, analyse, run
    "load_params": "inputs.params", "CycleParams": "inputs.params",
    "load_cycle": "analysis.cycle", "CycleData": "analysis.cycle", "Section": "analysis.section",
    "run_cycle": "run.runner",
    # one-line questions
    "compare_groups": "analysis.groups", "compare_grades_by": "analysis.groups",
    "ComparisonTable": "analysis.groups",
    "compliance": "stats.proportions", "criterion_counts": "stats.proportions",
    "proportion_ci": "stats.proportions",
    "compare_independent": "stats.independent", "compare_samples": "stats.independent",
    "adjust": "stats.multiplicity",
    # results, figures and their reading form
    "save_table": "report.results", "load_table": "report.results", "save_figure": "report.results",
    "show_figure": "report.results", "style_table": "report.tables",
    "KentauditDeprecationWarning": "core.vocabulary",
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
