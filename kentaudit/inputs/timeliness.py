"""Timeliness criteria derived from process dates, and their agreement with auditors.

The criteria catalogue gives, for each timeliness criterion that can be
derived, a rule in its ``derived_from`` column, for example
``strategy_date->icpc_date <= 15 working days`` or
``icpc_date->first_review_date <= 3 months``. This module parses those rules
(so a replaced catalogue is honoured), derives a Y/N answer per audit from
the dates and compares it with the auditor's recorded answer.

Conventions (``docs/data-dictionary.md``):

* working days between two dates count the working days ``d`` with
  ``start < d <= end`` in England and Wales (weekends and bank holidays
  excluded; :mod:`kentaudit.core.workdays`), so a conference 15 working days after
  the strategy discussion is in time;
* "within N months" means ``end <= start + N calendar months`` (pandas
  ``DateOffset``: 30 November + 3 months is 28/29 February);
* an answer is derived only where both dates are present and the criterion
  applies to the case (``case_status in (...)`` of the catalogue's
  ``applies_when``); otherwise the derived answer is missing. A missing date
  is never read as "not held".
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kentaudit.core import workdays
from kentaudit.core.errors import InputError
from kentaudit.inputs import reference

__all__ = ["timeliness_rules", "derive_timeliness", "compare_timeliness", "METHOD"]

METHOD = ("derived from process dates: working days exclude weekends and England & Wales bank "
          "holidays (holidays package), counted over (start, end]; months are calendar months")

_RULE = re.compile(r"^\s*(\w+)\s*->\s*(\w+)\s*<=\s*(\d+)\s*(working days|months)\s*$")
_APPLIES = re.compile(r"case_status in \(([^)]*)\)")


def timeliness_rules(criteria=None) -> pd.DataFrame:
    """The derivable criteria of the catalogue, parsed.

    Parameters
    ----------
    criteria : DataFrame, optional
        The criteria catalogue (default :func:`kentaudit.inputs.reference.criteria`).

    Returns
    -------
    DataFrame
        One row per criterion with a ``derived_from`` rule: ``criterion`` (id),
        ``column`` (``c_<id>``), ``start`` and ``end`` (date columns), ``limit``
        (int), ``unit`` (``working days`` or ``months``), ``case_statuses``
        (tuple of statuses it applies to; empty = all) and ``rule`` (the text).
    """
    cat = reference.criteria() if criteria is None else criteria
    rows = []
    for _, r in cat.iterrows():
        text = str(r.get("derived_from", "") or "")
        if not text.strip():
            continue
        m = _RULE.match(text)
        if m is None:
            raise InputError(f"cannot read the derived_from rule {text!r}; write it like "
                             "'strategy_date->icpc_date <= 15 working days' or "
                             "'icpc_date->first_review_date <= 3 months'.",
                             column="derived_from", value=r["id"], rule="derived_from_format")
        a = _APPLIES.search(str(r.get("applies_when", "")))
        statuses = tuple(s.strip() for s in a.group(1).split(";")) if a else ()
        rows.append((r["id"], f"c_{r['id']}", m[1], m[2], int(m[3]), m[4], statuses, text))
    return pd.DataFrame(rows, columns=["criterion", "column", "start", "end", "limit", "unit",
                                       "case_statuses", "rule"])


def derive_timeliness(accepted: pd.DataFrame, criteria=None) -> pd.DataFrame:
    """Derived timeliness answers, one row per audit and derivable criterion.

    Parameters
    ----------
    accepted : DataFrame
        Accepted audits (``IngestResult.accepted``): ``audit_id``,
        ``case_status``, the process dates and the ``c_<id>`` answers.
    criteria : DataFrame, optional
        The criteria catalogue (default bundled).

    Returns
    -------
    DataFrame
        Columns ``audit_id``, ``criterion``, ``start_date``, ``end_date``,
        ``working_days`` (Int64, (start, end] in England & Wales),
        ``calendar_days`` (Int64), ``limit`` and ``unit`` (of the rule),
        ``applies`` (bool: case status in the criterion's statuses),
        ``derived`` ("Y"/"N", or ``<NA>`` if a date is missing or the criterion
        does not apply), ``recorded`` (the auditor's answer as ingested: "Y",
        "N", "NA" or ``<NA>``) and ``method``.

    Notes
    -----
    Working-day counts are validated by hand against the GOV.UK list of bank
    holidays in ``tests/inputs/test_timeliness.py`` (Diamond Jubilee 2012, Easter).
    """
    rules = timeliness_rules(criteria)
    frames = []
    for _, r in rules.iterrows():
        s, e, wd, applies, code = _derive_rule(accepted, r, working_days=True)
        derived = pd.array(_DERIVED_TEXT[code], dtype="string")
        recorded = (accepted[r["column"]].reset_index(drop=True).astype("string")
                    if r["column"] in accepted.columns else pd.Series(pd.NA, index=s.index, dtype="string"))
        frames.append(pd.DataFrame({
            "audit_id": accepted["audit_id"].reset_index(drop=True).astype("string"),
            "criterion": r["criterion"], "start_date": s, "end_date": e,
            "working_days": pd.array(wd, dtype="Int64"),
            "calendar_days": pd.array((e - s).dt.days, dtype="Int64"),
            "limit": r["limit"], "unit": r["unit"], "applies": applies,
            "derived": derived, "recorded": recorded, "method": METHOD,
        }))
    cols = ["audit_id", "criterion", "start_date", "end_date", "working_days", "calendar_days",
            "limit", "unit", "applies", "derived", "recorded", "method"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


#: text of a derived code: 0 "N", 1 "Y", -1 missing (the last element)
_DERIVED_TEXT = np.array(["N", "Y", None], dtype=object)


def _derive_rule(accepted: pd.DataFrame, r, *, working_days: bool):
    """One rule over every audit: start and end dates (Series), working days
    (Int64, or None when not asked for and the rule is in months), applies
    (bool array) and the derived answer as int8 codes (1 Y, 0 N, -1 missing)."""
    for col in (r["start"], r["end"]):
        if col not in accepted.columns:
            raise InputError(f"the accepted audits have no column {col!r}, needed to derive "
                             f"{r['criterion']}.", column=col, rule="missing_column")
    n = len(accepted)
    s = pd.to_datetime(accepted[r["start"]]).reset_index(drop=True)
    e = pd.to_datetime(accepted[r["end"]]).reset_index(drop=True)
    wd = None
    if working_days or r["unit"] == "working days":
        wd = workdays.working_days_between(s, e) if n else pd.Series([], dtype="Int64")
    if r["case_statuses"]:
        applies = accepted["case_status"].reset_index(drop=True).isin(r["case_statuses"]).fillna(False)
    else:
        applies = pd.Series(True, index=s.index)
    applies = applies.astype(bool).to_numpy()
    if r["unit"] == "working days":
        ok = pd.array(wd <= r["limit"], dtype="boolean")
    else:
        ok = pd.array(workdays.within_months(s, e, r["limit"]), dtype="boolean")
    known = np.asarray(~pd.isna(ok), dtype=bool) & applies
    okv = np.asarray(ok.fillna(False), dtype=bool)
    code = np.full(n, -1, dtype=np.int8)
    code[known & okv] = 1
    code[known & ~okv] = 0
    return s, e, wd, applies, code


def compare_timeliness(accepted: pd.DataFrame, criteria=None) -> pd.DataFrame:
    """Agreement of derived and recorded timeliness answers, one row per criterion.

    Parameters
    ----------
    accepted : DataFrame
        Accepted audits (see :func:`derive_timeliness`).
    criteria : DataFrame, optional
        The criteria catalogue (default bundled).

    Returns
    -------
    DataFrame
        One row per derivable criterion:

        * ``criterion``, ``rule`` (the catalogue's ``derived_from`` text);
        * ``n_audits``: audits compared;
        * ``n_both``: recorded Y/N and derived Y/N;
        * ``n_agree``: of those, the same answer;
        * ``n_recorded_yes_derived_no`` and ``n_recorded_no_derived_yes``;
        * ``n_derived_only``: derived, but recorded missing or "NA";
        * ``n_recorded_na_derived``: of those, recorded "NA" (not applicable);
        * ``n_recorded_only``: recorded Y/N but not derivable (a date missing
          or criterion not applicable by case status);
        * ``n_neither``; ``n_both + n_derived_only + n_recorded_only + n_neither = n_audits``;
        * ``agreement``: ``n_agree / n_both`` (NaN if ``n_both`` is 0), unrounded;
        * ``method``.
    """
    # Counted straight from the arrays of each rule (count first, then compute):
    # derive_timeliness's row-level frame is never built (at 1,000,000 audits it
    # would be several GiB of repeated text).
    rules = timeliness_rules(criteria)
    out = []
    for _, r in rules.iterrows():
        _, _, _, _, code = _derive_rule(accepted, r, working_days=False)
        if r["column"] in accepted.columns:
            rec = accepted[r["column"]]
            rec_y, rec_n, rec_na = (np.asarray(rec.eq(v).fillna(False), dtype=bool) for v in ("Y", "N", "NA"))
        else:
            rec_y = rec_n = rec_na = np.zeros(len(accepted), dtype=bool)
        rec_yn = rec_y | rec_n
        der_yn = code >= 0
        both = rec_yn & der_yn
        n_both = int(both.sum())
        n_agree = int((both & ((rec_y & (code == 1)) | (rec_n & (code == 0)))).sum())
        out.append({
            "criterion": r["criterion"], "rule": r["rule"], "n_audits": len(accepted),
            "n_both": n_both, "n_agree": n_agree,
            "n_recorded_yes_derived_no": int((both & rec_y & (code == 0)).sum()),
            "n_recorded_no_derived_yes": int((both & rec_n & (code == 1)).sum()),
            "n_derived_only": int((der_yn & ~rec_yn).sum()),
            "n_recorded_na_derived": int((der_yn & rec_na).sum()),
            "n_recorded_only": int((rec_yn & ~der_yn).sum()),
            "n_neither": int((~rec_yn & ~der_yn).sum()),
            "agreement": n_agree / n_both if n_both else float("nan"),
            "method": METHOD,
        })
    return pd.DataFrame(out, columns=[
        "criterion", "rule", "n_audits", "n_both", "n_agree", "n_recorded_yes_derived_no",
        "n_recorded_no_derived_yes", "n_derived_only", "n_recorded_na_derived", "n_recorded_only",
        "n_neither", "agreement", "method"])
