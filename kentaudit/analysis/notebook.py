"""What a parameterised notebook needs from the library, so the notebook stays thin.

Two things papermill users expect:

* **a misspelt parameter stops the notebook.** papermill only warns about a
  parameter the notebook does not declare (``-p distrct Swale``) and runs the
  default; :func:`check_parameters`, called in the cell after the parameters,
  raises :class:`kentaudit.core.errors.ParamsError` naming it and the nearest
  declared name;
* **the default parameter file is found from anywhere.** A relative
  ``params_file`` is looked for in the current folder, then in each folder
  above it, then in the folder of the notebook JupyterLab opened
  (``JPY_SESSION_NAME``), then in the repository kentaudit was installed
  from (:func:`resolve_params_file`). So
  ``papermill notebooks/district_profile.ipynb out.ipynb -p district Swale``
  works from the repository root and from ``notebooks/``, as does opening
  the notebook in JupyterLab.
"""
from __future__ import annotations

import difflib
import os
import types
from collections.abc import Iterable, Mapping
from pathlib import Path

from kentaudit.core.errors import ParamsError
from kentaudit.core.paths import source_checkout

__all__ = ["NOTEBOOK_PARAMETERS", "check_parameters", "resolve_params_file"]

#: The parameters every kentaudit notebook declares (the runner injects them all).
NOTEBOOK_PARAMETERS = ("params_file", "results_dir", "figures_dir", "district")

# names IPython puts in a kernel's namespace
_IPYTHON = {"In", "Out", "get_ipython", "exit", "quit", "open"}
_LITERALS = (str, bytes, int, float, complex, bool, type(None), list, tuple, dict, set)


def check_parameters(namespace: Mapping, declared: Iterable[str] = NOTEBOOK_PARAMETERS) -> None:
    """Stop the notebook if it was given a parameter it does not declare.

    Call it as ``notebook.check_parameters(globals())`` in the cell after the
    ``parameters`` cell. papermill injects each ``-p name value`` as a
    variable assignment; any variable holding a literal (a string, number,
    list, ...) whose name is not declared is such a parameter: usually a
    misspelling.

    Raises
    ------
    ParamsError
        Naming every unknown parameter, the nearest declared name, and the
        declared ones.
    """
    declared = tuple(declared)
    unknown = sorted(
        name for name, value in namespace.items()
        if not name.startswith("_") and name not in _IPYTHON and name not in declared
        and not isinstance(value, (types.ModuleType, type)) and not callable(value)
        and isinstance(value, _LITERALS))
    if not unknown:
        return
    parts = []
    for name in unknown:
        near = difflib.get_close_matches(name, declared, n=1, cutoff=0.6)
        parts.append(f"{name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    raise ParamsError(f"unknown notebook parameter {', '.join(parts)}; this notebook takes "
                      f"{', '.join(declared)} (papermill -p NAME VALUE)")


def resolve_params_file(path: str | os.PathLike) -> Path:
    """The parameter file ``path`` names, wherever the notebook is run from.

    An absolute path is returned as it is. A relative one is looked for, in
    order, in the current folder and each folder above it; in the folder of
    the notebook open in JupyterLab (``JPY_SESSION_NAME``) and the folders
    above it; and in the kentaudit repository (editable installs). The first
    existing file wins.

    Raises
    ------
    ParamsError
        If no such file exists, listing where it was looked for.
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    starts = [Path.cwd()]
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        starts.append(Path(session).expanduser().resolve().parent)
    repo = source_checkout()
    if repo is not None:
        starts += [repo / "notebooks", repo]
    looked: list[Path] = []
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / p
            if candidate in looked:
                continue
            looked.append(candidate)
            if candidate.is_file():
                return candidate.resolve()
    shown = ", ".join(str(c.parent) for c in looked[:4]) + (", ..." if len(looked) > 4 else "")
    raise ParamsError(f"parameter file {str(path)!r} not found: looked in {shown}. Give its full "
                      "path (papermill -p params_file /path/to/cycle.yaml)")
