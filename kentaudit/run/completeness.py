"""Only complete runs publish: what an appendix needs from a run, checked before the run
and before ``kentaudit appendix`` builds from a results folder.

* :func:`check_notebooks_for_appendix`: a full run that is to build the appendix must list
  every notebook the appendix reads (``notebooks:`` in the parameter file); otherwise it is
  refused before anything runs, naming the notebooks and the tables they feed.
* :func:`require_complete_results`: ``kentaudit appendix --results DIR`` builds only from a
  folder whose manifest says the run completed, as a full run, with every notebook the
  appendix reads run successfully; a staging folder of a run still going or killed
  (status ``running``), a failed, interrupted or partial run, or a folder with no manifest
  is refused.
"""
from __future__ import annotations

import json
from pathlib import Path

from kentaudit.core.errors import ParamsError
from kentaudit.run.cache import APPENDIX_GROUP, verify_files
from kentaudit.run.manifest import MANIFEST_VERSION, package_versions

__all__ = ["SKIPPED", "appendix_notebooks", "check_notebooks_for_appendix", "notebook_skip_reason",
           "require_complete_results"]

#: the status of a notebook a run does not execute because the cycle lacks its inputs
SKIPPED = "skipped"


def notebook_skip_reason(notebook: str, params) -> str | None:
    """Why ``notebook`` does not apply to the cycle (its inputs are not in the cycle), else None.

    A notebook whose inputs a cycle does not have is not run: the run records it with status
    ``skipped`` and this reason (the summary, the manifest and the reviewer index), rather
    than running it to say nothing, or something false, about the authority.

    ``initial_vs_extended`` compares a sample of cases chosen on purpose with the random sample
    the profile declares drawn to extend it (``samples.<name>.extends``: Kent's ``extended``
    extends ``initial``; :mod:`kentaudit.analysis.extension`), and a sample with its re-audit (a
    sample whose profile entry ``repeats`` another, both in the cycle); a cycle with neither
    skips it. A sample chosen on purpose beside a random one that does not extend it (a themed
    dip-sample beside a random monthly audit) is two programmes, not an extension: the reason
    says which profile key would declare one. Every other notebook applies to every cycle.
    """
    if notebook != "initial_vs_extended":
        return None
    samples = set(params.samples)
    repeats = {s.name: s.repeats for s in params.profile.samples if s.repeats}
    paired = any(name in samples and first in samples for name, first in repeats.items())
    ext = params.profile.extension
    if (ext is not None and ext[0] in samples and ext[1] in samples) or paired:
        return None
    labels = {s.name: (s.label or s.name) for s in params.profile.samples}
    have = ", ".join(str(labels.get(s, s)) for s in params.samples) or "none"
    why = params.profile.no_extension_reason(params.words.authority)
    if why is None:
        names = " and ".join(str(labels.get(s, s)) for s in ext)
        why = f"this cycle does not have both {names}"
    return ("not run: it compares a sample with the cases drawn to extend it and a sample with its "
            f"re-audit (a sample that repeats another); {why}, and no sample of this cycle repeats "
            f"another (its samples: {have})")


def appendix_notebooks(params) -> dict[str, list[str]]:
    """``{notebook: [table and figure ids]}`` the cycle's appendix reads."""
    # deferred: pandas and yaml 0.4 s (kentaudit.publication.spec): the runner's parent plans without them
    from kentaudit.analysis.outputs import appendix_needs

    return appendix_needs(params.samples, bool(params.inputs.previous_audits))


def _join(items) -> str:
    """:func:`kentaudit.core.formatting.join_words`, imported when a message is written."""
    # deferred: numpy and pandas 1.2 s (core.formatting imports them): the runner's parent and
    # the command line start without them
    from kentaudit.core.formatting import join_words as join

    return join(items)


def _needs_text(needs: dict[str, list[str]], notebooks) -> str:
    return _join([f"{nb} (feeds {', '.join(needs[nb])})" for nb in notebooks])


def check_notebooks_for_appendix(params) -> None:
    """Refuse a parameter file whose ``notebooks:`` leaves out a notebook the appendix reads
    (one that the repository's ``notebooks/`` folder holds).

    Raises
    ------
    ParamsError
        Naming the missing notebooks, the tables and figures they feed, and the two ways on
        (list them, or run with ``--no-appendix``).
    """
    needs = appendix_notebooks(params)
    # the notebooks of the repository the cycle runs from: one that it does not have (a
    # repository of its own notebooks) cannot be listed, and the appendix says what it lacks
    missing = [nb for nb in needs if nb not in params.notebooks
               and (params.notebooks_dir / f"{nb}.ipynb").is_file()]
    if missing:
        raise ParamsError(
            f"notebooks leaves out {_needs_text(needs, missing)}, which the appendix reads: add "
            f"{_join(missing)} to notebooks, or run with --no-appendix to run the notebooks without "
            "publishing an appendix", file=params.source, key="notebooks")


def require_complete_results(params, results_dir) -> dict:
    """The manifest of ``results_dir`` if an appendix may be built from it, else refuse.

    Raises
    ------
    ParamsError
        No manifest; a run that did not complete (``running``: still going or killed;
        ``failed``; ``interrupted``); a partial run; a run of another cycle; or a run in
        which a notebook the appendix reads did not run successfully.
    """
    results_dir = Path(results_dir)
    mf = results_dir / "manifest.json"
    if not mf.is_file() or mf.is_symlink():
        raise ParamsError(f"{results_dir} has no manifest.json, so nothing shows that a run completed there; "
                          "build the appendix from a cycle's output folder written by kentaudit run",
                          key="results_dir")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParamsError(f"{mf} cannot be read ({exc}); run the cycle again", key="results_dir") from None
    status = manifest.get("status")
    if status != "complete":
        why = {"running": "is still running or was stopped before it finished (kill -9, power cut)",
               "failed": "failed", "interrupted": "was interrupted"}.get(status, f"has status {status!r}")
        raise ParamsError(f"{results_dir} holds the outputs of a run that {why}: an appendix is built only from "
                          "a complete run. Run the cycle (kentaudit run) and build from its published folder.",
                          key="results_dir")
    # results of another kentaudit (an older manifest format, another release) may not be the
    # tables this kentaudit's appendix reads (columns, rules): built again, never mixed
    made_by = (manifest.get("packages") or {}).get("kentaudit") if isinstance(manifest.get("packages"), dict) \
        else None
    this = package_versions().get("kentaudit")
    if manifest.get("manifest_version") != MANIFEST_VERSION or made_by != this:
        raise ParamsError(f"{results_dir} was written by another kentaudit (manifest format "
                          f"{manifest.get('manifest_version')!r}, kentaudit {made_by!r}; this is manifest format "
                          f"{MANIFEST_VERSION}, kentaudit {this!r}): its results may not be the tables this "
                          "version's appendix reads. Run the cycle again (kentaudit run).", key="results_dir")
    if manifest.get("partial"):
        raise ParamsError(f"{results_dir} holds a partial run (--districts/--notebooks): an appendix needs every "
                          "table of a full run. Run the whole cycle (kentaudit run).", key="results_dir")
    if str(manifest.get("cycle")) != str(params.cycle):
        raise ParamsError(f"{results_dir} holds cycle {manifest.get('cycle')!r}, not cycle {params.cycle!r} of "
                          f"{params.source}", key="results_dir")
    needs = appendix_notebooks(params)
    ok = {e.get("notebook") for e in manifest.get("notebooks", []) if e.get("status") == "ok"}
    missing = [nb for nb in needs if nb not in ok]
    if missing:
        raise ParamsError(f"the run in {results_dir} did not run {_needs_text(needs, missing)} successfully, "
                          "which the appendix reads; run the whole cycle with them", key="results_dir")
    # the files the notebooks wrote, as the run recorded them (path -> SHA-256): a table removed or
    # edited since is not that complete run's result (the publish/ files are the appendix's own
    # and are built again)
    groups = (manifest.get("cache") or {}).get("groups") or {}
    recorded = {rel: sha for g, files in groups.items() if g != APPENDIX_GROUP for rel, sha in files.items()}
    bad = verify_files(results_dir, recorded)
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ParamsError(f"{len(bad)} file(s) that the complete run in {results_dir} recorded are missing or "
                          f"changed since it finished ({shown}): an appendix is built only from a run's own "
                          "results; run the cycle again (kentaudit run)", key="results_dir")
    return manifest
