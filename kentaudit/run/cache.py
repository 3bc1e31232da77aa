"""Incremental reruns: which notebook executions of a run can reuse the last complete run's outputs.

Each notebook execution has a **key**: the SHA-256 of its parts

- ``notebook``: the notebook file;
- ``code``: every file of the installed kentaudit package (source and bundled data)
  and the versions of the packages that shape results (:data:`kentaudit.run.manifest.PACKAGES`);
- ``params``: the validated parameters (without ``jobs`` and ``cell_timeout``, which do
  not change a result) and the parameter file's path, which the notebook shows;
- ``data``: for a notebook run once per cycle, the SHA-256 of every input file; for a
  per-district notebook, what it reads of the cycle (:func:`district_data_digests`);
- ``kernel``: the kernel manager class;
- ``district``: the district, for a per-district notebook.

An execution is **reused** when the last complete run of the cycle (its ``manifest.json``
says ``complete``) ran it with the same key, and every file it wrote still has the
SHA-256 that run recorded. Outputs are reused by **group**, because notebooks share the
``results/`` and ``figures/`` folders: the notebooks run once per cycle form one group
(their tables are named without a district code), and the per-district notebooks of one
district another (their tables and figures end ``__<district code>``). A group is reused
whole or recomputed whole. The appendix is reused when every group was, and the last
complete full run built it from notebooks with the same keys.

Only folders a complete run published are read (``<cycle>/`` and ``<cycle>-partial/``);
a failed or interrupted run is set aside under another name and its manifest never says
``complete``, so reuse never crosses one. The functions here are pure over manifests and
file hashes, except those that read or copy files (:func:`verify_files`,
:func:`copy_files`, :func:`output_files`), which say so.

This is written here rather than taken from a library: papermill has no caching (its
issue 524), and general build tools (doit, snakemake) key on files, not on the rows of
one district inside a shared export.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "APPENDIX_GROUP",
    "CYCLE_GROUP",
    "KEY_VERSION",
    "PART_WORDS",
    "Decision",
    "appendix_key",
    "cache_record",
    "code_digest",
    "combine",
    "copy_files",
    "cycle_data_digest",
    "decide",
    "decide_appendix",
    "district_data_digests",
    "group_of_file",
    "group_of_job",
    "job_keys",
    "output_files",
    "params_digest",
    "seed_results_index",
    "verify_files",
]

#: Bumped when the meaning of a key changes, so that no earlier key ever matches.
KEY_VERSION = 1
#: The group of the notebooks run once per cycle.
CYCLE_GROUP = "cycle"
#: The group of the appendix's files (``publish/``, ``restricted/``).
APPENDIX_GROUP = "appendix"
#: Folders of a run whose files belong to a notebook group.
NOTEBOOK_FOLDERS = ("results", "figures", "notebooks", "html")
#: Files never reused: rewritten by every run.
NOT_CACHED = {"results/index.json", "html/index.html"}
#: Parameters that do not change any result (how the run is executed).
_NOT_IN_KEY = ("jobs", "cell_timeout")
#: Columns of the loaded audits that are not data: the path of the export a row came from.
_NOT_DATA = ("source_file",)
#: What each key part is, in the words of a manifest's ``reason``.
PART_WORDS = {"notebook": "the notebook file", "code": "the kentaudit code or a package version",
              "params": "the parameters", "data": "the data it reads", "kernel": "the kernel manager",
              "district": "the district", "version": "the cache key version"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def combine(parts: dict[str, Any]) -> str:
    """The key of an execution: SHA-256 of its parts as canonical JSON."""
    return _sha(_canonical(parts))


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def code_digest(package_dir: str | Path, packages: dict[str, Any]) -> str:
    """SHA-256 of the installed kentaudit (every file under ``package_dir`` but compiled
    ``__pycache__`` files, by path and content) and of the package ``versions``.

    The simplest sound choice: a change to any module, even one a notebook does not
    import, invalidates every key (tracing what a kernel imports would miss data files
    and lazy imports). Reads the files.
    """
    root = Path(package_dir)
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"):
            h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\0")
            h.update(_file_sha(p).encode("ascii") + b"\n")
    h.update(_canonical(packages))
    return h.hexdigest()


def params_digest(params: dict[str, Any], params_file: str) -> str:
    """SHA-256 of the validated parameters (``CycleParams.to_dict()``, without ``jobs`` and
    ``cell_timeout``) and of the parameter file's path, which every notebook shows."""
    kept = {k: v for k, v in params.items() if k not in _NOT_IN_KEY}
    return combine({"params": kept, "params_file": str(params_file)})


def cycle_data_digest(input_hashes: dict[str, str]) -> str:
    """The ``data`` part of a notebook run once per cycle: every input file's SHA-256."""
    return combine({"input_hashes": input_hashes})


def _frame_digest(df) -> str:
    """SHA-256 of a frame's columns, dtypes and row hashes (pandas' stable row hash)."""
    # deferred: pandas 0.3 s: only a run that checks its keys reads the cycle
    import pandas as pd

    # where an export sits is not what it holds: a copied or moved cycle keeps its keys
    df = df.drop(columns=[c for c in _NOT_DATA if c in df.columns])
    rows = pd.util.hash_pandas_object(df, index=False, categorize=True).to_numpy()
    head = _canonical([[str(c), str(t)] for c, t in df.dtypes.items()])
    return _sha(head + b"\0" + rows.astype("<u8").tobytes())


def district_data_digests(cycle, input_hashes: dict[str, str], audit_files: Iterable[str]) -> dict[str, str]:
    """The ``data`` part of each district's per-district notebooks, from the loaded cycle.

    A per-district notebook (``district_profile``) reads its district's audits (and its
    district's audits of earlier cycles), and compares the district with the rest of the
    authority: the rest's estimates, and p-values adjusted across the districts. So its
    part is the SHA-256 of

    - the district's accepted audits of the cycle, every column, and of earlier cycles;
    - the audits every district comparison reads (``CycleData.comparable``: the compared
      samples, without free text, team, auditor, moderator, dates and identifiers), of
      every district: a changed answer in one district changes every other district's
      "rest of the authority";
    - the counts the notebook's header shows (audits, earlier audits, rejected records);
    - every input file other than the audit exports (sampling frame, criteria, districts).

    A change to what no comparison reads (a note, a date, an auditor) in one district
    therefore reruns that district's notebooks only (and the notebooks run once per cycle,
    which read every file); a changed answer reruns every district's.

    Parameters
    ----------
    cycle : CycleData
        From :func:`kentaudit.analysis.cycle.load_cycle`.
    input_hashes : dict
        The manifest's ``input_hashes`` (path -> SHA-256).
    audit_files : iterable of str
        The keys of ``input_hashes`` that are this cycle's or earlier cycles' audit exports.

    Returns
    -------
    dict
        District name -> hex SHA-256, for every district of ``cycle.districts``.
    """
    audit_files = set(audit_files)
    shared = combine({
        "comparable": _frame_digest(cycle.comparable),
        "counts": [len(cycle.audits), len(cycle.previous),
                   int(cycle.ingest.reconciliation["rejected"].sum())],
        "other_inputs": {k: v for k, v in sorted(input_hashes.items()) if k not in audit_files},
    })
    out = {}
    cur, prev = cycle.audits, cycle.previous
    cur_d = cur["district"].astype(object)
    prev_d = prev["district"].astype(object) if len(prev) else None
    for name in cycle.districts["district"]:
        own = _frame_digest(cur[(cur_d == name).to_numpy()])
        own_prev = _frame_digest(prev[(prev_d == name).to_numpy()]) if prev_d is not None else None
        out[str(name)] = combine({"own": own, "own_previous": own_prev, "shared": shared})
    return out


def job_keys(plans: list[dict[str, Any]], *, notebook_hashes: dict[str, str], code: str, params: str,
             cycle_data: str, district_data: dict[str, str] | None, kernel: str) -> dict[str, dict[str, Any]]:
    """The key parts and key of every planned execution, by output stem.

    ``district_data`` None (the cycle could not be read to split it by district) gives a
    per-district notebook the cycle's ``data`` part: any change to an input reruns it.
    Returns ``{stem: {"key": hex, "parts": {...}}}``.
    """
    out = {}
    for p in plans:
        d = p["district"]
        data = cycle_data if d is None or district_data is None else district_data.get(d, cycle_data)
        parts = {"version": KEY_VERSION, "notebook": notebook_hashes[p["notebook"]], "code": code,
                 "params": params, "data": data, "kernel": kernel, "district": d}
        out[p["stem"]] = {"key": combine(parts), "parts": parts}
    return out


def group_of_job(plan: dict[str, Any]) -> str:
    """A planned execution's group: :data:`CYCLE_GROUP`, or its district code."""
    return CYCLE_GROUP if plan.get("district") is None else str(plan["district_code"])


def group_of_file(rel: str) -> str | None:
    """The group a run's file belongs to (``rel``: its path in the run's folder, with ``/``).

    ``results/``, ``figures/``, ``notebooks/``, ``html/``: the district code after the
    last ``__`` of the file's stem (table and figure names have single underscores
    otherwise), else :data:`CYCLE_GROUP`; ``publish/``, ``restricted/`` and any other
    folder: :data:`APPENDIX_GROUP`; the manifest, the run log and the two index files
    (rewritten by every run): None.
    """
    parts = rel.split("/")
    if len(parts) < 2 or rel in NOT_CACHED or parts[-1].startswith("."):
        return None
    if parts[0] in NOTEBOOK_FOLDERS:
        stem = parts[-1].split(".", 1)[0]
        return stem.rsplit("__", 1)[1] if "__" in stem else CYCLE_GROUP
    return APPENDIX_GROUP


def output_files(run_dir: str | Path) -> dict[str, dict[str, str]]:
    """SHA-256 of every file of a run's folder that a group owns: ``{group: {rel: sha}}``.
    Reads the files."""
    root = Path(run_dir)
    out: dict[str, dict[str, str]] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            rel = p.relative_to(root).as_posix()
            g = group_of_file(rel)
            if g is not None:
                out.setdefault(g, {})[rel] = _file_sha(p)
    return out


def verify_files(run_dir: str | Path, files: dict[str, str]) -> list[str]:
    """The files of ``files`` (path -> SHA-256) missing from ``run_dir``, or changed since
    they were recorded; empty if all are intact. Reads the files."""
    root = Path(run_dir)
    bad = []
    for rel, sha in sorted(files.items()):
        p = root / rel
        try:
            if p.is_symlink() or not p.is_file() or _file_sha(p) != sha:
                bad.append(rel)
        except OSError:
            bad.append(rel)
    return bad


def copy_files(src: str | Path, dest: str | Path, files: Iterable[str]) -> None:
    """Copy ``files`` (paths relative to ``src``) into ``dest``, making folders (private)."""
    src, dest = Path(src), Path(dest)
    for rel in files:
        target = dest / rel
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)


def seed_results_index(src_index: dict[str, Any] | None, groups: set[str]) -> dict[str, Any]:
    """The ``results/index.json`` a run starts from: the earlier run's entries of the reused
    ``groups`` (an entry's group is its ``district`` code, or :data:`CYCLE_GROUP`)."""
    tables = (src_index or {}).get("tables", {})
    kept = {n: e for n, e in tables.items() if (e.get("district") or CYCLE_GROUP) in groups}
    return {"tables": dict(sorted(kept.items()))}


@dataclass
class Decision:
    """What a run does with one group of executions.

    Attributes
    ----------
    group : str
        :data:`CYCLE_GROUP` or a district code.
    stems : list of str
        The group's executions in this run.
    reuse : bool
        Whether the group's outputs are copied from ``source``.
    reasons : dict
        Stem -> why it is recomputed (or ``"unchanged since run <id>"`` when reused).
    source : int or None
        Index (in the candidates given to :func:`decide`) of the run reused from.
    files : dict
        The source run's files of the group (path -> SHA-256), to verify and copy.
    """

    group: str
    stems: list[str]
    reuse: bool = False
    reasons: dict[str, str] = field(default_factory=dict)
    source: int | None = None
    files: dict[str, str] = field(default_factory=dict)


def _changed_parts(old: dict | None, new: dict) -> list[str]:
    old = old or {}
    return [k for k in new if old.get(k) != new[k]]


def _why_not(group: str, stems: list[str], keys: dict, manifest: dict) -> tuple[dict[str, str], bool]:
    """Why each stem of a group cannot come from ``manifest``; ``({}, True)`` if all can."""
    run_id = manifest.get("run_id")
    if manifest.get("status") != "complete":
        why = f"the last run of this cycle ({run_id}) did not complete (status {manifest.get('status')})"
        return {s: why for s in stems}, False
    cache = manifest.get("cache") or {}
    files = (cache.get("groups") or {}).get(group)
    by_stem = {}
    for e in manifest.get("notebooks") or []:
        stem = Path(e.get("output") or "").stem or None
        if stem:
            by_stem[stem] = e
    prev_stems = sorted(s for s, e in by_stem.items()
                        if (CYCLE_GROUP if e.get("district") is None else str(e.get("district_code"))) == group)
    reasons: dict[str, str] = {}
    for s in stems:
        e = by_stem.get(s)
        if e is None:
            reasons[s] = f"not run in the last complete run ({run_id})"
        elif e.get("status") != "ok":
            reasons[s] = f"did not succeed in the last complete run ({run_id})"
        elif not (e.get("cache") or {}).get("key"):
            reasons[s] = f"the last complete run ({run_id}) recorded no key for it"
        elif e["cache"]["key"] != keys[s]["key"]:
            changed = _changed_parts(e["cache"].get("parts"), keys[s]["parts"])
            reasons[s] = "changed since run {}: {}".format(
                run_id, ", ".join(PART_WORDS.get(c, c) for c in changed) or "the key")
    if not reasons and files is None:
        reasons = {s: f"the last complete run ({run_id}) recorded no files for it" for s in stems}
    if not reasons and prev_stems != sorted(stems):
        why = (f"its group ({group}) ran other notebooks in run {run_id} ({', '.join(prev_stems)}); a group's "
               "tables share its folders, so it is reused only whole")
        reasons = {s: why for s in stems}
    if reasons:
        # the unchanged members of a changed group rerun with it
        mates = sorted(reasons)
        for s in stems:
            reasons.setdefault(s, f"reran with {', '.join(mates)} (notebooks of one group are reused only "
                                  "together)")
        return reasons, False
    return {}, True


def decide(plans: list[dict[str, Any]], keys: dict[str, dict[str, Any]],
           candidates: list[dict[str, Any]], *, reuse: bool = True) -> dict[str, Decision]:
    """Which groups of this run reuse an earlier complete run's outputs. Pure.

    Parameters
    ----------
    plans : list of dict
        :func:`kentaudit.run.runner.build_jobs`'s plan (``stem``, ``notebook``,
        ``district``, ``district_code``).
    keys : dict
        :func:`job_keys` of the plan.
    candidates : list of dict
        Manifests of the runs that may be reused, most relevant first (the run's own
        folder, then the full cycle's or the partial one's). Any whose ``status`` is not
        ``complete`` is never reused.
    reuse : bool
        False (``--no-reuse``): every group is recomputed.

    Returns
    -------
    dict
        Group -> :class:`Decision`. A group is reused from the first candidate where
        every execution of the group has an unchanged key, succeeded, and the candidate
        ran the same executions in the group and recorded its files; the files are
        still to be verified (:func:`verify_files`) before they are copied.
    """
    groups: dict[str, list[str]] = {}
    for p in plans:
        groups.setdefault(group_of_job(p), []).append(p["stem"])
    out = {}
    for g, stems in groups.items():
        d = Decision(group=g, stems=stems)
        if not reuse:
            d.reasons = {s: "reuse turned off (--no-reuse)" for s in stems}
        elif not candidates:
            d.reasons = {s: "no earlier complete run of this cycle" for s in stems}
        else:
            first = None
            for i, m in enumerate(candidates):
                reasons, ok = _why_not(g, stems, keys, m)
                if ok:
                    d.reuse, d.source = True, i
                    d.files = dict(m["cache"]["groups"][g])
                    d.reasons = {s: f"unchanged since run {m.get('run_id')}" for s in stems}
                    break
                first = first or reasons
            if not d.reuse:
                d.reasons = first or {}
        out[g] = d
    return out


def appendix_key(keys: dict[str, dict[str, Any]], code: str, params: str) -> str:
    """The appendix's key: every execution's key (it reads their tables), the code and the
    parameters (its disclosure control and cover)."""
    return combine({"version": KEY_VERSION, "notebooks": {s: k["key"] for s, k in sorted(keys.items())},
                    "code": code, "params": params})


def decide_appendix(key: str, decisions: dict[str, Decision], candidate: dict[str, Any] | None, *,
                    wanted: bool) -> tuple[bool, str, dict[str, str]]:
    """Whether the appendix is reused from ``candidate`` (the full cycle's last complete
    run): ``(reuse, reason, files)``. Pure. ``wanted`` False (not requested, a partial run,
    or reuse turned off) never reuses."""
    if not wanted:
        return False, "not reusable (not requested, a partial run, or --no-reuse)", {}
    redo = sorted(g for g, d in decisions.items() if not d.reuse)
    if redo:
        return False, f"notebooks were recomputed ({', '.join(redo)})", {}
    if candidate is None or candidate.get("status") != "complete":
        return False, "no earlier complete run of the full cycle", {}
    rec = (candidate.get("cache") or {}).get("appendix") or {}
    if not (candidate.get("appendix") or {}).get("built") or not rec.get("key"):
        return False, f"run {candidate.get('run_id')} did not build it", {}
    if rec["key"] != key:
        return False, f"its notebooks, code or parameters changed since run {candidate.get('run_id')}", {}
    files = ((candidate.get("cache") or {}).get("groups") or {}).get(APPENDIX_GROUP) or {}
    return True, f"unchanged since run {candidate.get('run_id')}", dict(files)


def cache_record(keys: dict[str, dict[str, Any]], files: dict[str, dict[str, str]], app_key: str | None,
                 *, reused: int, executed: int) -> dict[str, Any]:
    """The manifest's ``cache``: the key version, the appendix's key, and every group's files
    with their SHA-256 (what the next run verifies before it reuses them)."""
    return {"key_version": KEY_VERSION, "reused": reused, "executed": executed,
            "appendix": {"key": app_key}, "groups": files}


def read_candidates(paths: Iterable[Path], reader: Callable[[Path], dict]) -> list[tuple[Path, dict]]:
    """``(folder, manifest)`` of each folder in ``paths`` that holds a readable manifest."""
    out = []
    for p in paths:
        try:
            m = reader(p / "manifest.json")
        except (OSError, ValueError):
            continue
        if isinstance(m, dict):
            out.append((p, m))
    return out
