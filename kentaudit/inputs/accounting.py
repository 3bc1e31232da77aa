"""Every input row of a cycle accounted for.

:func:`read_cycle` reads a cycle's exports the one way every step reads them (the run's
check before any notebook, and :func:`kentaudit.analysis.load_cycle` in every notebook), so
the counts the run prints, the manifest records and the appendix reconciles are the same.
:func:`rejections` counts what ingest accepted and rejected, each rejected row under the first
rule it broke; :func:`check_rejections` refuses a cycle whose rejected rows exceed what its
parameter file accepts (``accept_rejected_rows``, default 0), writing the private report of
every rejected row first.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kentaudit.core.errors import RejectedRowsError
from kentaudit.core.formatting import join_words
from kentaudit.inputs import ingest
from kentaudit.inputs.ingest import IngestResult

__all__ = ["CycleRead", "read_cycle", "rejections", "check_rejections", "report_folder"]


@dataclass(frozen=True)
class CycleRead:
    """A cycle's exports as ingest read them.

    ``current``: the cycle's own exports (``inputs.audits``), read as that cycle (a row of
    another cycle is rejected, rule ``cycle_mismatch``); ``previous``: the earlier cycles'
    exports (``inputs.previous_audits``), or None.
    """

    current: IngestResult
    previous: IngestResult | None

    def results(self) -> list[IngestResult]:
        """The ingest results, the cycle's own first."""
        return [r for r in (self.current, self.previous) if r is not None]


def read_cycle(params) -> CycleRead:
    """Read and validate a cycle's exports (and the earlier cycles' for trends).

    Parameters
    ----------
    params : kentaudit.inputs.params.CycleParams
        The cycle: its inputs, reference tables, mapping, profile, ``synthetic``, ``cycle`` and
        ``audit_window`` (the window of the cycle's own audit dates, rule
        ``audit_date_window``; earlier cycles keep their default windows).

    Returns
    -------
    CycleRead
    """
    kw = {"synthetic": params.synthetic, "criteria_file": params.inputs.criteria,
          "districts_file": params.inputs.districts, "profile": getattr(params, "profile", None),
          "mapping": getattr(params.inputs, "mapping", None)}
    window = getattr(params, "audit_window", None)
    windows = {params.cycle: window} if window else None
    cur = ingest.read_audits(list(params.inputs.audits), cycle=params.cycle, windows=windows, **kw)
    prev = (ingest.read_audits(list(params.inputs.previous_audits), **kw)
            if params.inputs.previous_audits else None)
    return CycleRead(cur, prev)


def _count(results) -> dict:
    rows_read = accepted = rejected = 0
    by_rule: dict[str, int] = {}
    by_file: dict[str, int] = {}
    for res in results:
        rec = res.reconciliation
        rows_read += int(rec["rows_read"].sum())
        accepted += int(rec["accepted"].sum())
        rejected += int(rec["rejected"].sum())
        for f, n in zip(rec["file"], rec["rejected"]):
            if int(n):
                by_file[str(f)] = by_file.get(str(f), 0) + int(n)
        first = res.rejected.drop_duplicates(["file", "row"], keep="first")
        for rule, n in first["rule"].astype(str).value_counts().items():
            by_rule[rule] = by_rule.get(rule, 0) + int(n)
    by_rule = dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
    return {"rows_read": rows_read, "accepted": accepted, "rejected": rejected,
            "by_rule": by_rule, "by_file": by_file}


def rejections(read: CycleRead) -> dict:
    """Rows read, accepted and rejected over every export of the cycle.

    Returns
    -------
    dict
        ``rows_read``, ``accepted`` and ``rejected`` (rows; ``rows_read == accepted +
        rejected``), ``by_rule`` (``{rule: rows}``, each rejected row counted once, under
        the first rule it broke, rules in order of their count then name) and ``by_file``
        (``{file: rejected rows}`` for files with any), over every export; and ``cycle``
        and ``previous``, the same counts for the cycle's own exports (what the appendix's
        reconciliation table publishes) and for the earlier cycles' (None without them).
    """
    out = _count(read.results())
    out["cycle"] = _count([read.current])
    out["previous"] = _count([read.previous]) if read.previous is not None else None
    return out


def report_folder(params) -> Path:
    """Where a run writes the report of its cycle's rejected rows: ``<output_dir>/rejected-<cycle>/``
    (private: it holds the rejected values as typed)."""
    return Path(params.output_dir) / f"rejected-{params.cycle}"


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def check_rejections(params, read: CycleRead) -> dict:
    """Account for every row, and refuse a cycle with more rejected rows than it accepts.

    Writes the report of the rejected rows (:func:`kentaudit.inputs.ingest.write_report`) to
    :func:`report_folder` when any row was rejected, and removes an earlier report when
    none was.

    Returns
    -------
    dict
        :func:`rejections` plus ``accept_rejected_rows`` (the parameter file's limit) and
        ``report`` (the report folder, or None).

    Raises
    ------
    RejectedRowsError
        More rows were rejected than ``accept_rejected_rows``: the message names the count
        per rule, the report and how to go on.
    """
    summary = rejections(read)
    limit = int(getattr(params, "accept_rejected_rows", 0) or 0)
    folder = report_folder(params)
    report = None
    if summary["rejected"]:
        report = str(ingest.write_report(read.results(), folder))
    elif (folder / "rejected.csv").exists():
        for f in ("reconciliation.csv", "rejected.csv", "file_errors.csv"):
            (folder / f).unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass
    summary.update({"accept_rejected_rows": limit, "report": report})
    if summary["rejected"] > limit:
        rules = join_words([f"{_rows(n)} under rule {rule}" for rule, n in summary["by_rule"].items()])
        mapping = getattr(getattr(params, "inputs", None), "mapping", None)
        # an export read through a mapping is read as it comes: what it writes is mapped, never edited
        fix = (f"Map what the exports write in {mapping} (columns:, values:, dates:, constants:; "
               "docs/profile.md) or correct the reference tables, and run again (kentaudit validate shows "
               "each problem once)" if mapping else "Correct the exports or the reference tables and run again")
        raise RejectedRowsError(
            f"{summary['rejected']:,} of the {summary['rows_read']:,} input rows of cycle {params.cycle} were "
            f"rejected ({rules}), and the parameter file {params.source} accepts "
            f"{limit:,} (accept_rejected_rows). Nothing was run or published. Every rejected row, with its "
            f"file, row, column, value and rule, is in {report}/rejected.csv (private). {fix}; "
            f"or, if these rows are to be left out of the cycle, set "
            f"accept_rejected_rows: {summary['rejected']} in the parameter file (the appendix then reports them).",
            rejected=summary["rejected"], accepted_limit=limit, by_rule=summary["by_rule"], report=report)
    return summary
