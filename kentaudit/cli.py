"""Command-line interface: a thin adapter over public functions.

Each subcommand parses its arguments and calls exactly one public function of
the library, which returns the process exit code. Errors that kentaudit raises
on purpose (:class:`~kentaudit.errors.KentauditError`) are printed as one clear
message with no traceback; set ``KENTAUDIT_DEBUG=1`` to see tracebacks.
"""
from __future__ import annotations

import argparse
import os
import sys

from .errors import KentauditError

__all__ = ["main", "build_parser"]


def _cmd_validate(a):
    from .ingest import validate_paths
    return validate_paths(a.paths, synthetic=a.synthetic, key_file=a.key_file,
                          report_dir=a.report, criteria_file=a.criteria,
                          districts_file=a.districts)


def _cmd_synth(a):
    from .synth import write_synthetic
    return write_synthetic(a.out, seed=a.seed, formats=tuple(a.formats))


def _cmd_sample(a):
    from .sampling import draw_sample_cli
    return draw_sample_cli(frame=a.frame, out=a.out, n=a.n, allocation=a.allocation,
                           seed=a.seed, stratum=a.stratum, exclude=a.exclude,
                           exclude_months=a.exclude_months, as_of=a.as_of,
                           min_per_stratum=a.min_per_stratum, sd_column=a.sd_column)


def _cmd_run(a):
    from .runner import run_cycle
    return run_cycle(a.params, districts=a.districts, notebooks=a.notebooks,
                     jobs=a.jobs, cell_timeout=a.cell_timeout, appendix=not a.no_appendix)


def _cmd_appendix(a):
    from .appendix import build_appendix_cli
    return build_appendix_cli(a.params, results_dir=a.results)


def _cmd_check(a):
    from .pubcheck import check_publication_cli
    return check_publication_cli(a.path, restricted=a.restricted, threshold=a.threshold)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kentaudit", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="validate audit exports (CSV/XLSX) and report accepted and rejected rows")
    v.add_argument("paths", nargs="+", help="audit export files (CSV in UTF-8 or Windows-1252, or XLSX)")
    v.add_argument("--synthetic", action="store_true", help="the files are kentaudit's synthetic data: use the public demo key")
    v.add_argument("--key-file", help="pseudonymisation key file (default: $KENTAUDIT_KEY or $KENTAUDIT_KEY_FILE)")
    v.add_argument("--report", help="folder to write the reconciliation and rejected rows to")
    v.add_argument("--criteria", help="criteria catalogue CSV (default: bundled)")
    v.add_argument("--districts", help="districts reference CSV (default: bundled)")
    v.set_defaults(func=_cmd_validate)

    s = sub.add_parser("synth", help="write the synthetic Kent audit data set")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--out", required=True)
    s.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    s.set_defaults(func=_cmd_synth)

    m = sub.add_parser("sample", help="draw a stratified audit sample from a sampling frame")
    m.add_argument("--frame", required=True, help="CSV of open cases (case_ref, district, ...)")
    m.add_argument("--out", required=True, help="folder for the list for auditors and the allocation table")
    m.add_argument("--n", type=int, required=True, help="total number of files to draw")
    m.add_argument("--allocation", default="proportional", help="proportional, equal or neyman")
    m.add_argument("--seed", type=int, required=True, help="random seed, recorded so the draw can be reproduced")
    m.add_argument("--stratum", default="district")
    m.add_argument("--exclude", help="CSV of earlier audits (case_ref, audit_date) to exclude")
    m.add_argument("--exclude-months", type=int, default=12, help="exclude files audited in the last N months")
    m.add_argument("--as-of", help="date of the draw (YYYY-MM-DD, default today)")
    m.add_argument("--min-per-stratum", type=int, default=0)
    m.add_argument("--sd-column", help="for Neyman allocation: frame column or stratum table giving the anticipated SD")
    m.set_defaults(func=_cmd_sample)

    r = sub.add_parser("run", help="run a QA cycle's notebooks for every district through papermill")
    r.add_argument("params", help="params/<cycle>.yaml")
    r.add_argument("--districts", nargs="+")
    r.add_argument("--notebooks", nargs="+")
    r.add_argument("--jobs", type=int)
    r.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell (default: cell_timeout in the parameter file)")
    r.add_argument("--no-appendix", action="store_true", help="skip building the appendix at the end")
    r.set_defaults(func=_cmd_run)

    ap = sub.add_parser("appendix", help="build the disclosure-controlled statistical appendix of a cycle")
    ap.add_argument("params")
    ap.add_argument("--results", help="results folder (default outputs/<cycle>)")
    ap.set_defaults(func=_cmd_appendix)

    c = sub.add_parser("check-publication", help="scan a publish/ folder for disclosure leaks")
    c.add_argument("path")
    c.add_argument("--restricted", help="restricted folder, to look for known case references")
    c.add_argument("--threshold", type=int, default=5)
    c.set_defaults(func=_cmd_check)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KentauditError as e:
        if os.environ.get("KENTAUDIT_DEBUG"):
            raise
        print(f"kentaudit: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("kentaudit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
