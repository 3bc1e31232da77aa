"""Command-line interface: a thin adapter over public functions.

Each subcommand parses its arguments and calls exactly one public function of
the library, which returns the process exit code. Every argument is checked
when it is parsed (numbers in range, files that are regular files, output
folders that are folders): a bad one exits 2 with a message naming the
option and the fix. Errors that kentaudit raises on purpose
(:class:`~kentaudit.core.errors.KentauditError`) are printed as one clear message
with no traceback; any other error (an operating-system error such as a full
disk, or a bug) is printed as one line too, with exit code 70 for a bug (74 for
an operating-system error); set ``KENTAUDIT_DEBUG=1`` to see tracebacks.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import stat
import sys
from pathlib import Path

from kentaudit.core.errors import KentauditError
from kentaudit.core.version import __version__
from kentaudit.run.skip_imports import skip_unused_optional_imports

__all__ = ["main", "build_parser", "EXIT_OS_ERROR", "EXIT_INTERNAL"]

#: Exit codes of the top-level guard (BSD sysexits: EX_IOERR, EX_SOFTWARE).
EXIT_OS_ERROR = 74
EXIT_INTERNAL = 70
#: Seeds are recorded and reproduced with numpy; kept to what every generator accepts.
MAX_SEED = 2**32 - 1


def _int_type(minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        t = text.strip()
        if not (t.lstrip("+-").isascii() and t.lstrip("+-").isdigit()):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        v = int(t)
        if v < minimum or (maximum is not None and v > maximum):
            rng = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
            raise argparse.ArgumentTypeError(f"{v} is out of range: give a whole number {rng}")
        return v
    parse.__name__ = "whole number"
    return parse


def _existing_file(text: str) -> str:
    """A path that is an existing regular file (not a folder, FIFO or device)."""

    try:
        st = os.stat(text)
    except OSError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file")
    if not stat.S_ISREG(st.st_mode):
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular file (a FIFO, device or socket)")
    return text


def _output_folder(text: str) -> str:
    """A folder to write into: an existing folder, or one that can be created."""

    p = Path(text).expanduser()
    if p.exists() and not p.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a folder; give a folder to write into")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: {str(probe)!r} is not a folder")
    real = probe.resolve()
    if real.parts[:2] in (("/", "proc"), ("/", "sys"), ("/", "dev")):
        raise argparse.ArgumentTypeError(f"{text!r} is inside {'/'.join(real.parts[:2])[1:]}, which is not "
                                         "a place for files; give a folder of your own")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r}: you cannot write to {str(probe)!r}")
    return text


def _existing_folder(text: str) -> str:
    """An existing folder of files to scan (not ``/``, ``/proc``, ``/sys`` or ``/dev``)."""

    p = Path(text).expanduser()
    if not p.exists():
        raise argparse.ArgumentTypeError(f"{text!r} does not exist; give a folder")
    if not p.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder; give a folder")
    real = p.resolve()
    if real == Path(real.anchor) or real.parts[1:2] in (("proc",), ("sys",), ("dev",)):
        raise argparse.ArgumentTypeError(f"{text!r} is a system folder, not a folder of kentaudit's outputs")
    return text


def _date(text: str) -> str:

    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip(), re.ASCII):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a real date ({e})") from None
    return text.strip()


def _cycle(text: str) -> str:

    t = text.strip()
    if not re.fullmatch(r"[0-9]{4}(?:[/-][0-9]{2})?", t, re.ASCII):
        # deferred: the profile reader (yaml) is 0.12 s on top of the CLI; only a label such as
        # "Spring 2026" needs it
        from kentaudit.inputs.profile import part_of_year

        if part_of_year(t) is not None:
            return str(part_of_year(t))  # "Spring 2026": the cycle of its year (docs/profile.md)
        raise argparse.ArgumentTypeError(f"{text!r} is not a cycle: give a four-digit year such as 2009 "
                                         "(or a financial year such as 2025/26, or a part of a year such as "
                                         "'Spring 2026' or 'Q3 2026')")
    return t.replace("/", "-")  # a label's id (docs/profile.md)


_POSITIVE = _int_type(1)
_NONNEG = _int_type(0)
_SEED = _int_type(0, MAX_SEED)


def _cmd_validate(a):
    # deferred: kentaudit.inputs.ingest (pandas, openpyxl) takes 0.4 s to import; other commands and
    # `kentaudit --help` need none of it
    from kentaudit.inputs.ingest import validate_paths
    profile = None
    if a.profile is not None:
        # deferred: the profile reader (yaml) is 0.12 s on top of the CLI; only --profile needs it
        from kentaudit.inputs.profile import load_profile
        profile = load_profile(a.profile)
    return validate_paths(a.paths, synthetic=a.synthetic, key_file=a.key_file,
                          report_dir=a.report, criteria_file=a.criteria or (profile and profile.criteria),
                          districts_file=a.districts or (profile and profile.units), cycle=a.cycle,
                          profile=profile, mapping=a.mapping)


def _cmd_init(a):
    # deferred: kentaudit.inputs.adopt imports ingest (pandas, openpyxl), 0.4 s that other commands
    # and `kentaudit --help` do not need
    from kentaudit.inputs.adopt import propose, write_proposal

    proposal = propose(a.export, name=a.name, short_name=a.short_name)
    written = write_proposal(proposal, a.out, force=a.force)
    print("Written (edit them; docs/adopting.md):")
    for p in written:
        print(f"  {p}")
    print(f"Decided ({len(proposal.decided)}):")
    for line in proposal.decided:
        print(f"  {line}")
    print(f"Not decided: check these ({len(proposal.undecided)}):")
    for line in proposal.undecided:
        print(f"  {line}")
    return 0


def _cmd_synth(a):
    # deferred: kentaudit.inputs.synthetic (pandas, xlsxwriter) takes 0.4 s to import; other
    # commands and `kentaudit --help` need none of it
    from kentaudit.inputs.synthetic import write_synthetic
    return write_synthetic(a.out, seed=a.seed, formats=tuple(a.formats))


def _cmd_sample(a):
    # deferred: kentaudit.inputs.sampling (pandas) takes 0.3 s to import; other commands and
    # `kentaudit --help` need none of it
    from kentaudit.inputs.sampling import draw_sample_cli
    return draw_sample_cli(frame=a.frame, out=a.out, n=a.n, allocation=a.allocation,
                           seed=a.seed, stratum=a.stratum, exclude=a.exclude,
                           exclude_months=a.exclude_months, as_of=a.as_of,
                           min_per_stratum=a.min_per_stratum, sd_column=a.sd_column)


def _cmd_run(a):

    skip_unused_optional_imports()  # this process writes the reviewer pages' index from notebooks
    # deferred: kentaudit.run.runner (jupyter_client) takes 0.2 s to import; other commands and
    # `kentaudit --help` need none of it
    from kentaudit.run.runner import run_cycle
    return run_cycle(a.params, districts=a.districts, notebooks=a.notebooks,
                     jobs=a.jobs, cell_timeout=a.cell_timeout, appendix=not a.no_appendix,
                     reuse=False if a.no_reuse else None)  # None: KENTAUDIT_NO_REUSE decides


def _cmd_appendix(a):
    # deferred: the parameter reader takes 0.06-0.1 s to import; `kentaudit --help` needs none of it
    from kentaudit.inputs.params import load_params
    # deferred: kentaudit.publication.appendix takes 1.6 s to import; other commands need none of it
    from kentaudit.publication.appendix import build_appendix_cli
    # deferred: the completeness check imports the appendix spec's reader (0.4 s) when it runs
    from kentaudit.run.completeness import require_complete_results

    params = load_params(a.params)
    # only a complete full run publishes (a staging folder of a killed run, a failed,
    # interrupted or partial run, or one without the notebooks the appendix reads: refused)
    require_complete_results(params, a.results if a.results else params.cycle_dir)
    return build_appendix_cli(a.params, results_dir=a.results)


def _cmd_check(a):
    # deferred: the publication check (pandas, openpyxl, pypdfium2) takes 0.6 s to import; other
    # commands and `kentaudit --help` need none of it
    from kentaudit.publication.check.folder import check_publication_cli
    threshold, width, source, authority = a.threshold, a.width, [], None
    if a.params is not None:
        # the cycle's own values, never only the metadata being checked (a metadata file
        # stating other values is a finding of the check)
        # deferred: kentaudit.inputs.params (yaml) takes 0.06-0.1 s to import; only --params needs it
        from kentaudit.inputs.params import load_params
        p = load_params(a.params)
        threshold = p.suppression_threshold if threshold is None else threshold
        width = p.protection_width if width is None else width
        authority = p.words.authority  # the metadata's universe.authority is checked against it
        source.append(f"from {a.params}")
    if a.threshold is not None or a.width is not None:
        source.insert(0, "given on the command line" if a.params is None else
                      "--threshold/--width given on the command line, the rest")
    return check_publication_cli(a.path, restricted=a.restricted, threshold=threshold,
                                 width=width, earlier=a.earlier, source=" ".join(source) or None,
                                 authority=authority)


def _cmd_actions_propose(a):
    # deferred: kentaudit.analysis.actions (pandas, the cycle loader) takes 0.5 s to import; other
    # commands and `kentaudit --help` need none of it
    from kentaudit.analysis.actions import propose_actions_cli
    return propose_actions_cli(a.params, a.out, results_dir=a.results)


def _cmd_actions_plan(a):
    # deferred: kentaudit.analysis.actions (pandas, the cycle loader) takes 0.5 s to import; other
    # commands and `kentaudit --help` need none of it
    from kentaudit.analysis.actions import plan_reaudit_cli
    return plan_reaudit_cli(a.params, a.register, a.frame, a.out, seed=a.seed, power=a.power, as_of=a.as_of,
                            exclude=a.exclude, exclude_months=a.exclude_months)


def _power(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number: give the power as a decimal (0.8)") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"{v} is out of range: give a power strictly between 0 and 1 (0.8)")
    return v


#: Exit codes every command shares (printed in each command's help).
_COMMON_EXIT = ("  2   an invalid argument or input (the message names it)\n"
                "  70  an internal error (a bug: please report it)\n"
                "  74  an operating-system error (no permission, disk full)")

#: Per command: an example and the exit codes (shown by ``kentaudit COMMAND --help``).
_EPILOGS = {
    "validate": ("kentaudit validate data/synthetic/audits_2009.csv --synthetic --report outputs/validate",
                 "  0   every row accepted\n  1   some rows rejected (listed, with file, row, column, value and rule)\n"
                 "  3   every row accepted, with warnings to look at"),
    "synth": ("kentaudit synth --out data/synthetic --seed 1", "  0   written"),
    "init": ("kentaudit init export.xlsx --out fenmarsh --name 'Fenmarsh County Council' --short-name Fenmarsh",
             "  0   written, with what it decided and what it could not decide listed"),
    "sample": ("kentaudit sample --frame frame.csv --out outputs/sample --n 120 --seed 20090212",
               "  0   drawn and written"),
    "run": ("kentaudit run params/cycle-2009.yaml --districts Thanet SWA --notebooks district_profile",
            "  0   every notebook (and the appendix) succeeded: outputs published\n"
            "  1   a notebook, the appendix or the reviewer HTML failed: nothing published\n"
            "  130 interrupted (Ctrl-C); 143 terminated (SIGTERM)"),
    "appendix": ("kentaudit appendix params/cycle-2009.yaml", "  0   built and checked"),
    "actions propose": ("kentaudit actions propose params/cycle-2013.yaml --out actions-draft.csv",
                        "  0   the draft register written (it may hold no action)"),
    "actions plan": ("kentaudit actions plan params/cycle-2013.yaml --register actions.csv --frame frame.csv "
                     "--out outputs/reaudit --seed 20140101",
                     "  0   the plan (and the targeted sample, when a file is to be drawn) written"),
    "actions": ("kentaudit actions propose params/cycle-2013.yaml --out actions-draft.csv",
                "  0   done (see each subcommand)"),
    "check-publication": ("kentaudit check-publication outputs/2009/publish --params params/cycle-2009.yaml "
                          "--restricted outputs/2009/restricted",
                          "  0   no leak found\n  1   a leak found, a link or special file in the folder, or "
                          "metadata stating another threshold or width (each finding listed)"),
}


def _epilog(command: str) -> str:
    example, codes = _EPILOGS[command]
    return f"example:\n  {example}\n\nexit codes:\n{codes}\n{_COMMON_EXIT}"


def _add(sub, command: str, help: str):
    return sub.add_parser(command, help=help, description=help[:1].upper() + help[1:] + ".",
                          epilog=_epilog(command), formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser() -> argparse.ArgumentParser:

    p = argparse.ArgumentParser(
        prog="kentaudit", description=__doc__.splitlines()[0],
        epilog=("example:\n  kentaudit run params/cycle-2009.yaml\n  python -m kentaudit run params/cycle-2009.yaml"
                "   (the same, where the kentaudit command is not on PATH)\n\n"
                "'kentaudit COMMAND --help' shows each command's options, an example and its exit codes."),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"kentaudit {__version__}",
                   help="print kentaudit's version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = _add(sub, "validate", "validate audit exports (CSV/XLSX) and report accepted and rejected rows")
    v.add_argument("paths", nargs="+", help="audit export files (CSV in UTF-8 or Windows-1252, or XLSX)")
    v.add_argument("--synthetic", action="store_true", help="the files are kentaudit's synthetic data: use the public demo key")
    v.add_argument("--key-file", type=_existing_file, help="pseudonymisation key file (default: $KENTAUDIT_KEY or $KENTAUDIT_KEY_FILE)")
    v.add_argument("--report", type=_output_folder, help="folder to write the reconciliation and rejected rows to")
    v.add_argument("--criteria", type=_existing_file, help="criteria catalogue CSV (default: bundled)")
    v.add_argument("--districts", type=_existing_file, help="districts reference CSV (default: bundled)")
    v.add_argument("--cycle", type=_cycle, help="the cycle the files hold (four-digit year): rows of another cycle are rejected")
    v.add_argument("--profile", type=_existing_file, help="the authority's profile YAML (docs/profile.md): its closed sets and tables")
    v.add_argument("--mapping", type=_existing_file, help="the export's mapping YAML (docs/profile.md): headers and values as the form tool writes them")
    v.set_defaults(func=_cmd_validate)

    i = _add(sub, "init", "propose a mapping and a profile skeleton from a council's own export, for the analyst to edit")
    i.add_argument("export", type=_existing_file, help="the export as the form tool wrote it (CSV or XLSX)")
    i.add_argument("--out", default=".", type=_output_folder, help="folder to write mapping.yaml, profile.yaml and the tables to (default: here)")
    i.add_argument("--name", help="the authority's full name, e.g. 'Fenmarsh County Council'")
    i.add_argument("--short-name", help="the name readers know, e.g. 'Fenmarsh'")
    i.add_argument("--force", action="store_true", help="overwrite files of an earlier init in that folder")
    i.set_defaults(func=_cmd_init)

    s = _add(sub, "synth", "write the synthetic Kent audit data set")
    s.add_argument("--seed", type=_SEED, default=1, help="random seed of the synthetic data (default 1, the bundled set)")
    s.add_argument("--out", required=True, type=_output_folder, help="folder to write the files to (created if needed)")
    s.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"],
                   help="file formats to write (default: csv xlsx)")
    s.set_defaults(func=_cmd_synth)

    m = _add(sub, "sample", "draw a stratified audit sample from a sampling frame")
    m.add_argument("--frame", required=True, type=_existing_file, help="CSV of open cases (case_ref, district, ...)")
    m.add_argument("--out", required=True, type=_output_folder, help="folder for the list for auditors and the allocation table")
    m.add_argument("--n", type=_POSITIVE, required=True, help="total number of files to draw")
    m.add_argument("--allocation", default="proportional", help="proportional (default), equal or neyman")
    m.add_argument("--seed", type=_SEED, required=True, help="random seed, recorded so the draw can be reproduced")
    m.add_argument("--stratum", default="district", help="frame column to stratify by (default district)")
    m.add_argument("--exclude", type=_existing_file, help="CSV of earlier audits (case_ref, audit_date) to exclude")
    m.add_argument("--exclude-months", type=_NONNEG, default=12, help="exclude files audited in the last N months")
    m.add_argument("--as-of", type=_date, help="date of the draw (YYYY-MM-DD, default today)")
    m.add_argument("--min-per-stratum", type=_NONNEG, default=0, help="at least this many files from each stratum (default 0)")
    m.add_argument("--sd-column", help="for Neyman allocation: frame column or stratum table giving the anticipated SD")
    m.set_defaults(func=_cmd_sample)

    r = _add(sub, "run", "run a QA cycle's notebooks for every district through papermill")
    r.add_argument("params", type=_existing_file, help="the cycle's parameter file, e.g. params/cycle-2009.yaml")
    r.add_argument("--districts", nargs="+", metavar="DISTRICT",
                   help="run the district notebooks for these districts only: names or codes, any case "
                        "(Thanet, tha, SWA); a partial run, published to <cycle>-partial")
    r.add_argument("--notebooks", nargs="+", metavar="NOTEBOOK",
                   help="run these notebooks only (names in notebooks/ without .ipynb); a partial run")
    r.add_argument("--jobs", type=_POSITIVE, help="notebooks run at once (default: jobs in the file, else the number of CPUs)")
    r.add_argument("--cell-timeout", type=_POSITIVE, default=None, help="seconds per cell (default: cell_timeout in the parameter file)")
    r.add_argument("--no-appendix", action="store_true", help="skip building the appendix at the end")
    r.add_argument("--no-reuse", "--force", dest="no_reuse", action="store_true",
                   help="execute every notebook and build the appendix again, even where the last complete "
                        "run's outputs could be reused (docs/running.md, 'Reruns')")
    r.set_defaults(func=_cmd_run)

    ap = _add(sub, "appendix", "build the disclosure-controlled statistical appendix of a cycle")
    # load_params refuses a missing file, a folder or a device with the fix
    ap.add_argument("params", help="the cycle's parameter file, e.g. params/cycle-2009.yaml")
    ap.add_argument("--results", help="the cycle's output folder holding results/ (default outputs/<cycle>)")
    ap.set_defaults(func=_cmd_appendix)

    ac = _add(sub, "actions", "close the audit loop: draft actions from a cycle's results, plan their re-audit")
    asub = ac.add_subparsers(dest="actions_command", required=True, metavar="SUBCOMMAND",
                             help="propose (draft actions) or plan (the re-audit and its sample)")
    ap_ = asub.add_parser("propose", help="draft actions from a cycle's results tables (a register to edit)",
                          description="Draft actions from a cycle's results tables (criteria below the standard, "
                                      "districts below the funnel limit, criteria worse than the previous cycle) "
                                      "as an action register for the quality-assurance lead to edit.",
                          epilog=_epilog("actions propose"), formatter_class=argparse.RawDescriptionHelpFormatter)
    ap_.add_argument("params", type=_existing_file, help="the cycle's parameter file (the baseline cycle)")
    ap_.add_argument("--out", required=True, help="the CSV file to write the draft register to")
    ap_.add_argument("--results", type=_existing_folder, help="the cycle's results/ folder (default outputs/<cycle>/results)")
    ap_.set_defaults(func=_cmd_actions_propose)
    pl = asub.add_parser("plan", help="files to re-audit for each action, and the targeted sample",
                         description="Files to re-audit for each action of the register whose baseline is this "
                                     "cycle (the stated power at each unit's size), and the targeted sample drawn "
                                     "as `kentaudit sample` draws.",
                         epilog=_epilog("actions plan"), formatter_class=argparse.RawDescriptionHelpFormatter)
    pl.add_argument("params", type=_existing_file, help="the baseline cycle's parameter file")
    pl.add_argument("--register", required=True, type=_existing_file, help="the action register (CSV)")
    pl.add_argument("--frame", required=True, type=_existing_file, help="CSV of open cases (case_ref, district, ...)")
    pl.add_argument("--out", required=True, type=_output_folder, help="folder for plan.csv and the sample")
    pl.add_argument("--seed", type=_SEED, required=True, help="random seed, recorded so the draw can be reproduced")
    pl.add_argument("--power", type=_power, default=0.8, help="power wanted (default 0.8)")
    pl.add_argument("--as-of", type=_date, help="date of the draw (YYYY-MM-DD, default today)")
    pl.add_argument("--exclude", type=_existing_file, help="CSV of earlier audits (case_ref, audit_date) to exclude")
    pl.add_argument("--exclude-months", type=_NONNEG, default=12, help="exclude files audited in the last N months")
    pl.set_defaults(func=_cmd_actions_plan)

    c = _add(sub, "check-publication", "scan a publish/ folder for disclosure leaks")
    c.add_argument("path", type=_existing_folder, help="the publish/ folder to check")
    c.add_argument("--restricted", type=_existing_folder,
                   help="the restricted/ folder, to look for known case references")
    c.add_argument("--params", type=_existing_file, default=None,
                   help="the cycle's parameter file: its suppression_threshold and protection_width are "
                        "checked (recommended; the metadata being checked must agree with them)")
    c.add_argument("--threshold", type=_int_type(1, 1000), default=None,
                   help="counts from 1 to this are disclosive (default: --params, else 5; from 1 to 1000)")
    c.add_argument("--width", type=_int_type(0, 1000), default=None,
                   help="protection width the attack requires (default: --params, else 3); never "
                        "taken from the metadata being checked")
    c.add_argument("--earlier", action="append", default=[], metavar="DIR",
                   help="publish/ folder of an earlier appendix of the programme (repeatable); default: "
                        "the other cycles' publish/ folders beside PATH and the earlier appendices "
                        "modelled under --restricted (earlier_releases/)")
    c.set_defaults(func=_cmd_check)
    return p


def _one_line(text: str) -> str:
    lines = [x for x in str(text).strip().splitlines() if x.strip()]
    return lines[0] if lines else ""


def main(argv=None) -> int:
    """Run one command; the top-level guard: no error ever ends in a traceback.

    A :class:`KentauditError` prints its message (exit code of the error); an
    operating-system error (``OSError``: full disk, no permission) prints the
    file and the reason (exit 74); anything else is a bug and prints one line
    saying so (exit 70). ``KENTAUDIT_DEBUG=1`` re-raises, for a traceback.
    """
    args = build_parser().parse_args(argv)
    debug = bool(os.environ.get("KENTAUDIT_DEBUG"))
    try:
        return int(args.func(args) or 0)
    except KentauditError as e:
        if debug:
            raise
        print(f"kentaudit: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("kentaudit: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        if debug:
            raise
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"kentaudit: error: {where}{e.strerror or _one_line(e) or type(e).__name__}"
              + (" (the disk is full: free some space and run the command again)"
                 if getattr(e, "errno", None) == 28 else ""), file=sys.stderr)
        return EXIT_OS_ERROR
    except RecursionError:
        if debug:
            raise
        print("kentaudit: error: the input is nested too deeply to read", file=sys.stderr)
        return 2
    except MemoryError:
        if debug:
            raise
        print("kentaudit: error: out of memory (an input is far larger than expected)", file=sys.stderr)
        return EXIT_OS_ERROR
    except Exception as e:  # noqa: BLE001 - the guard: a bug, but never a traceback
        if debug:
            raise
        print(f"kentaudit: internal error ({type(e).__name__}: {_one_line(e)[:300]}); this is a bug in "
              "kentaudit: please report it with the command you ran (KENTAUDIT_DEBUG=1 shows a traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
