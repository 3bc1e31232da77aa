"""The action register: what was agreed after an audit cycle, by whom (a role), by when.

Good audit practice is a cycle: measure against the standard, agree actions, re-audit,
and show whether practice changed. The register is the data of the middle step: one CSV
file per audit programme, one row per action, validated like an audit export. Every
problem is an :class:`~kentaudit.core.errors.InputError` naming the file, the row (the
header is line 1), the column, the value and the rule (``docs/actions.md`` lists the
rules); nothing is silently changed: a value is accepted as written or refused.

Columns (:data:`REGISTER_COLUMNS`, every one required, in any order; no other column):

``action_id``
    a code (ASCII letters, digits, ``_``, ``-``; it names files), unique in the register.
``finding``
    the results cell the action answers, ``table:criterion:unit`` (for example
    ``compliance_by_district:chronology:THA``); ``unit`` is a district name or code, or
    ``all`` for the authority as a whole. The criterion must be one of ``criteria``.
``baseline_cycle``, ``reaudit_cycle``
    the cycle whose audits showed the finding and the cycle that re-audits it (four-digit
    years, the re-audit later than the baseline).
``criteria``
    the criteria the action targets, ids of the criteria catalogue separated by ``;``.
``units``
    the districts the action targets, names or codes separated by ``;``, or ``all``.
``owner_role``
    the **role** that owns the action (``Head of Service``, ``QA lead``), never a
    person's name. kentaudit cannot tell a role from a name without guessing, and does
    not guess: the column is documented as a role, checked as text, and never printed
    beside anything else: an error about it never quotes it, and an output shows it only
    in its own column of the register's table, never inside a sentence.
``agreed``, ``due``
    dates ``YYYY-MM-DD`` (real calendar days, 1990 to 2100; ``due`` not before
    ``agreed``); both may be blank only while the action is ``proposed``.
``status``
    one of :data:`STATUSES`.
``target``
    the compliance level the action aims for in its units and criteria, a proportion
    written as a decimal from 0 to 1 (``0.8``; ``80`` and ``80%`` are refused, not read
    as 0.8), above 0 and at most 1.
``description``
    what is to be done, free text (at most 2,000 characters; it may be blank). It is
    kept for the quality-assurance lead and never published.

Text in every column goes through the one text policy (:mod:`kentaudit.core.textpolicy`):
bidirectional controls, invisible characters and over-long values are refused.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from pathlib import Path

import pandas as pd

from kentaudit.core.errors import EmptyInputError, InputError
from kentaudit.core.safeio import read_regular_text
from kentaudit.core.textpolicy import code_problem, date_problem, match_key, shown, text_problem
from kentaudit.inputs.profile import cycle_id, cycle_year
from kentaudit.inputs.reference import (criteria as criteria_table, district_lookup,
                                        districts as districts_table)

__all__ = ["REGISTER_COLUMNS", "STATUSES", "REGISTER_RULES", "ALL_UNITS", "read_register",
           "register_problems", "action_cells", "register_csv_text", "write_register"]

#: The register's columns, in the order kentaudit writes them.
REGISTER_COLUMNS = ("action_id", "finding", "baseline_cycle", "reaudit_cycle", "criteria", "units",
                    "owner_role", "agreed", "due", "status", "target", "description")
#: Closed set of an action's status.
STATUSES = ("proposed", "agreed", "in_progress", "completed", "not_completed", "withdrawn")
#: The ``units`` value meaning the whole authority.
ALL_UNITS = "all"
#: Every rule of the register, with its meaning (``docs/actions.md``).
REGISTER_RULES = {
    "register_columns": "A column is missing, unknown or given twice.",
    "duplicate_action_id": "Two rows have the same action_id.",
    "bad_finding": "The finding is not written table:criterion:unit with a results table name, a criterion "
                   "of the catalogue and a district or 'all'.",
    "finding_not_targeted": "The finding's criterion is not among the action's criteria, or its unit not "
                            "among its units.",
    "bad_cycle": "A cycle that is neither a year (2013) nor a financial year (2025/26 or 2025-26).",
    "cycle_order": "A re-audit cycle not later than the baseline cycle.",
    "unknown_criterion": "A criterion id that is not in the criteria catalogue, or listed twice.",
    "unknown_unit": "A unit that is not a district name or code or 'all', or listed twice.",
    "unknown_status": "A status outside the closed set.",
    "missing_date": "A blank agreed or due date on an action that is no longer proposed.",
    "due_before_agreed": "A due date before the agreed date.",
    "target_not_proportion": "A target that is not a decimal above 0 and at most 1.",
}

_TABLE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", re.ASCII)
_TARGET = re.compile(r"(?:0(?:\.[0-9]+)?|\.[0-9]+|1(?:\.0+)?)", re.ASCII)
_EARLIEST, _LATEST = _dt.date(1990, 1, 1), _dt.date(2100, 12, 31)
#: the text kind of each column (:data:`kentaudit.core.textpolicy.LIMITS`)
_KINDS = {"finding": "label", "criteria": "label", "units": "label", "owner_role": "name",
          "description": "text", "baseline_cycle": "identifier", "reaudit_cycle": "identifier",
          "agreed": "identifier", "due": "identifier", "status": "identifier", "target": "identifier"}


def _problem(file, row, column, value, message, rule) -> InputError:
    # the owner role is never quoted, in case a person's name was typed there
    return InputError(message, file=file, row=row, column=column,
                      value=None if column == "owner_role" else shown(value), rule=rule)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(";")]


def _read_rows(path, name: str) -> tuple[list[str], list[list[str]]]:
    text = read_regular_text(path, name, rule="unreadable_file")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [r for r in rows if any(c.strip() for c in r)] if rows else rows
    if not rows:
        raise EmptyInputError("the action register is empty; it needs a header row and one row per action "
                              "(docs/actions.md).", file=name, rule="register_columns")
    return rows[0], rows[1:]


def _row_problems(rec: dict, line: int, name: str, crit_ids: set, lookup: dict) -> list[InputError]:
    out: list[InputError] = []

    def bad(column, message, rule):
        out.append(_problem(name, line, column, rec[column], message, rule))

    for col, kind in _KINDS.items():
        v = rec[col]
        if v.strip() == "" and col in ("description", "agreed", "due"):
            continue
        p = text_problem(v, kind)
        if p is not None:
            what = "the owner role" if col == "owner_role" else f"the {kind}"
            bad(col, f"{what} {p[1]}.", p[0])
    if out:
        return out  # the checks below would only repeat the refused text
    p = code_problem(rec["action_id"])
    if p is not None:
        bad("action_id", f"the action id: {p[1]}.", p[0])
    years = {}
    for col in ("baseline_cycle", "reaudit_cycle"):
        years[col] = cycle_year(rec[col].strip())
        if years[col] is None:
            bad(col, "a cycle is a year (2013) or a financial year (2025/26 or 2025-26).", "bad_cycle")
    if (None not in years.values()
            and years["reaudit_cycle"] <= years["baseline_cycle"]):
        bad("reaudit_cycle", f"the re-audit cycle must be later than the baseline cycle "
                             f"{rec['baseline_cycle'].strip()}.", "cycle_order")
    crits = _split(rec["criteria"])
    for c in crits:
        if c not in crit_ids:
            bad("criteria", f"{shown(c)!r} is not a criterion id of the catalogue (ids such as "
                            f"{', '.join(sorted(crit_ids)[:4])}, ...; separate several with ';').",
                "unknown_criterion")
    if len(set(crits)) != len(crits):
        bad("criteria", "a criterion is listed twice.", "unknown_criterion")
    units = _split(rec["units"])
    if units != [ALL_UNITS]:
        for u in units:
            if lookup.get(match_key(u)) is None:
                bad("units", f"{shown(u)!r} is not a district name or code, and not {ALL_UNITS!r} "
                             "(separate several districts with ';').", "unknown_unit")
        resolved = [lookup.get(match_key(u)) for u in units]
        if len(set(resolved)) != len(resolved) and None not in resolved:
            bad("units", "a district is listed twice.", "unknown_unit")
    parts = rec["finding"].split(":")
    if len(parts) != 3 or not _TABLE.fullmatch(parts[0].strip()) or parts[1].strip() not in crit_ids or not (
            parts[2].strip() == ALL_UNITS or lookup.get(match_key(parts[2])) is not None):
        bad("finding", "write the finding as table:criterion:unit, with a results table name, a criterion "
                       "id of the catalogue and a district name or code or 'all' "
                       "(compliance_by_district:chronology:THA).", "bad_finding")
    else:
        f_crit, f_unit = parts[1].strip(), parts[2].strip()
        f_unit = ALL_UNITS if f_unit == ALL_UNITS else lookup[match_key(f_unit)]
        unit_names = ([ALL_UNITS] if units == [ALL_UNITS] else [lookup.get(match_key(u)) for u in units])
        if f_crit not in crits:
            bad("finding", f"the finding's criterion {f_crit!r} is not among the action's criteria.",
                "finding_not_targeted")
        elif f_unit != ALL_UNITS and units != [ALL_UNITS] and f_unit not in unit_names:
            bad("finding", "the finding's unit is not among the action's units.", "finding_not_targeted")
    status = rec["status"].strip()
    if status not in STATUSES:
        bad("status", f"the status must be one of {', '.join(STATUSES)}.", "unknown_status")
    dates = {}
    for col in ("agreed", "due"):
        v = rec[col].strip()
        if v == "":
            if status in STATUSES and status != "proposed":
                bad(col, f"the {col} date may be blank only while the action is proposed.", "missing_date")
            continue
        p = date_problem(v, earliest=_EARLIEST, latest=_LATEST, what=f"{col} date")
        if p is not None:
            bad(col, f"the {col} date {p[1]}.", p[0])
        else:
            dates[col] = _dt.date.fromisoformat(v)
    if len(dates) == 2 and dates["due"] < dates["agreed"]:
        bad("due", f"the due date is before the agreed date {dates['agreed']}.", "due_before_agreed")
    t = rec["target"].strip()
    if not _TARGET.fullmatch(t) or not 0 < float(t) <= 1:
        bad("target", "the target is a proportion written as a decimal above 0 and at most 1 (0.8 for 80%; "
                      "80 and 80% are not read as 0.8).", "target_not_proportion")
    return out


def register_problems(path, *, criteria_file=None, districts_file=None, name: str | None = None
                      ) -> tuple[pd.DataFrame | None, list[InputError]]:
    """Read an action register and return it with every problem found.

    Parameters
    ----------
    path : str or Path
        The register (CSV, UTF-8).
    criteria_file, districts_file : str or Path, optional
        The criteria catalogue and the districts table (default: bundled).
    name : str, optional
        How the file is named in messages (default ``str(path)``).

    Returns
    -------
    (DataFrame or None, list of InputError)
        The register as :func:`read_register` returns it when there is no problem (else
        None), and every problem, in file order (row, then column).
    """
    name = str(path) if name is None else name
    header, rows = _read_rows(path, name)
    head = [h.strip() for h in header]
    problems: list[InputError] = []
    for col in REGISTER_COLUMNS:
        if col not in head:
            problems.append(InputError(f"the column {col!r} is missing; the register needs "
                                       f"{', '.join(REGISTER_COLUMNS)} (docs/actions.md).", file=name, row=1,
                                       column=col, rule="register_columns"))
    for i, h in enumerate(head):
        if h not in REGISTER_COLUMNS:
            problems.append(InputError(f"unknown column (the register has {', '.join(REGISTER_COLUMNS)}).",
                                       file=name, row=1, column=f"column {i + 1}", value=shown(h),
                                       rule="register_columns"))
        elif head.index(h) != i:
            problems.append(InputError("the column is given twice.", file=name, row=1, column=h,
                                       rule="register_columns"))
    if problems:
        return None, problems
    if not rows:
        raise EmptyInputError("the action register has a header but no actions.", file=name,
                              rule="register_columns")
    crit_ids = set(criteria_table(criteria_file)["id"])
    dist = districts_table(districts_file)
    lookup = district_lookup(dist)
    code_of = dict(zip(dist["district"], dist["district_code"]))
    seen: dict[str, int] = {}
    records = []
    for i, raw in enumerate(rows):
        line = i + 2
        if len(raw) != len(head):
            problems.append(InputError(f"the row has {len(raw)} fields; the header has {len(head)}.",
                                       file=name, row=line, rule="register_columns"))
            continue
        rec = {h: raw[j] for j, h in enumerate(head)}
        problems += _row_problems(rec, line, name, crit_ids, lookup)
        aid = rec["action_id"].strip()
        if aid in seen:
            problems.append(_problem(name, line, "action_id", aid, f"the action id is already used on row "
                                     f"{seen[aid]}.", "duplicate_action_id"))
        seen.setdefault(aid, line)
        records.append(rec)
    if problems:
        return None, problems
    out = []
    for rec in records:
        units = _split(rec["units"])
        t, c, u = (p.strip() for p in rec["finding"].split(":"))
        out.append({
            "action_id": rec["action_id"].strip(),
            "finding_table": t, "finding_criterion": c,
            "finding_unit": u if u == ALL_UNITS else code_of[lookup[match_key(u)]],
            # a financial year's label (2025/26) is the cycle id 2025-26, as a parameter file's is
            "baseline_cycle": cycle_id(rec["baseline_cycle"].strip()),
            "reaudit_cycle": cycle_id(rec["reaudit_cycle"].strip()),
            "criteria": ";".join(_split(rec["criteria"])),
            "units": ALL_UNITS if units == [ALL_UNITS] else ";".join(code_of[lookup[match_key(x)]] for x in units),
            "owner_role": rec["owner_role"].strip(),
            "agreed": pd.NaT if not rec["agreed"].strip() else pd.Timestamp(rec["agreed"].strip()),
            "due": pd.NaT if not rec["due"].strip() else pd.Timestamp(rec["due"].strip()),
            "status": rec["status"].strip(), "target": float(rec["target"].strip()),
            "description": rec["description"].strip(),
        })
    df = pd.DataFrame(out, columns=["action_id", "finding_table", "finding_criterion", "finding_unit",
                                    *REGISTER_COLUMNS[2:]])
    for col in ("action_id", "finding_table", "finding_criterion", "finding_unit", "baseline_cycle",
                "reaudit_cycle", "criteria", "units", "owner_role", "status", "description"):
        df[col] = df[col].astype("string")
    for col in ("agreed", "due"):
        df[col] = pd.to_datetime(df[col])
    return df, []


def read_register(path, *, criteria_file=None, districts_file=None, name: str | None = None) -> pd.DataFrame:
    """The action register of ``path``, validated; the first problem raised with every other listed.

    Returns
    -------
    DataFrame
        One row per action, in file order, with columns ``action_id``; ``finding_table``,
        ``finding_criterion``, ``finding_unit`` (a district code or ``all``): the finding
        split into its parts; ``baseline_cycle``, ``reaudit_cycle`` (strings); ``criteria``
        (criterion ids joined by ``;``); ``units`` (district **codes** joined by ``;``,
        or ``all``); ``owner_role``; ``agreed``, ``due`` (datetimes, NaT while proposed);
        ``status``; ``target`` (float, 0-1); ``description``.

    Raises
    ------
    InputError
        The first problem (file, row, column, value, rule); its message lists every
        other problem of the file, so one run shows them all. ``.problems`` holds them.
    """
    df, problems = register_problems(path, criteria_file=criteria_file, districts_file=districts_file,
                                     name=name)
    if problems:
        first = problems[0]
        more = "" if len(problems) == 1 else (
            f" ({len(problems) - 1} more problem(s) in the register:\n"
            + "\n".join(f"  - {p}" for p in problems[1:50]) + ")")
        err = InputError(first.message + more, file=first.file, row=first.row, column=first.column,
                         value=first.value, rule=first.rule)
        err.problems = problems
        raise err
    return df


def action_cells(register: pd.DataFrame, districts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per action, targeted criterion and targeted unit.

    Parameters
    ----------
    register : DataFrame
        As :func:`read_register` returns it.
    districts : DataFrame, optional
        The districts table (default bundled): ``all`` expands to no district (the row's
        ``unit`` is ``all``).

    Returns
    -------
    DataFrame
        Columns ``action_id``, ``criterion``, ``unit`` (a district code or ``all``),
        ``baseline_cycle``, ``reaudit_cycle``, ``target``, ``status``.
    """
    rows = []
    for r in register.itertuples(index=False):
        for c in str(r.criteria).split(";"):
            for u in str(r.units).split(";"):
                rows.append({"action_id": r.action_id, "criterion": c, "unit": u,
                             "baseline_cycle": r.baseline_cycle, "reaudit_cycle": r.reaudit_cycle,
                             "target": r.target, "status": r.status})
    return pd.DataFrame(rows, columns=["action_id", "criterion", "unit", "baseline_cycle", "reaudit_cycle",
                                       "target", "status"])


def register_csv_text(register: pd.DataFrame) -> str:
    """A register's :data:`REGISTER_COLUMNS` as CSV text (``\\n`` line ends, every value as text)."""
    buf = io.StringIO(newline="")
    register.loc[:, list(REGISTER_COLUMNS)].astype(str).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def write_register(register: pd.DataFrame, path) -> Path:
    """Write a register (its :data:`REGISTER_COLUMNS`, as text) to ``path`` as UTF-8 CSV."""
    path = Path(path)
    path.write_bytes(register_csv_text(register).encode("utf-8"))
    return path
