"""Actions and their effect, for members: one page from the published Table 16.

The appendix's Table 16 ("Actions and their effect", ``action_effects_by_cycle``) gives two
rows per action and criterion, the baseline and the re-audit. Members read one line per
action: what it aimed at (the criterion and the district, or every district), the role
that owns it, when it was due, its status, and whether the targeted practice improved, with
the interval. This module reads those lines from the **published** (disclosure-controlled)
cells only, so the page can show nothing the table hides: an action whose change is
suppressed is listed as "not shown", with the reason.

Which answer is "whether it worked" (``docs/actions.md``, "Did it work?"): for an action on
one district, the change against the other districts **net of regression to the mean**
(``difference_net_of_rtm``), the only one of the three rules that kept false claims within
the stated rate on the truth-known programme (a district chosen because it scored low rises
with no action at all, and the whole authority improved); for an authority-wide action
(every district) there is no comparison and no selection, so the change since the baseline
(``change_since_baseline``) is read. The verdict is read off the interval: its lower limit
above 0 is "improved", its upper limit below 0 "worse", otherwise "no clear change".

:func:`action_results` gives the lines (the findings, :mod:`kentaudit.publication.findings`,
write their sentences from them); :func:`members_summary` the page's rows in words, which
:mod:`kentaudit.publication.writers.html` renders (and so the PDF printed from it).
"""
from __future__ import annotations

from dataclasses import dataclass

from kentaudit.core.formatting import level_text
from kentaudit.publication.views import csv_frame

__all__ = ["ACTIONS_TABLE", "ALL_DISTRICTS", "CONTEXT_COLUMNS", "RULE_COLUMNS", "STATUS_WORDS", "SUMMARY_TITLE",
           "ActionResult", "action_results", "members_summary"]

#: The published table the summary is read from.
ACTIONS_TABLE = "T16"
#: What Table 16's district column says for an authority-wide action.
ALL_DISTRICTS = "All districts"
#: The heading of the members' page.
SUMMARY_TITLE = "Actions and their effect: summary for members"
#: The columns of the estimate and interval each rule reads: ``net`` for an action on
#: districts (net of the rest's change and of regression to the mean), ``change`` for an
#: authority-wide action.
RULE_COLUMNS = {
    "net": ("difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high"),
    "change": ("change_since_baseline", "change_conf_low", "change_conf_high"),
}
#: The other rules, named in the findings as context only.
CONTEXT_COLUMNS = {
    "change": RULE_COLUMNS["change"],
    "difference": ("difference", "difference_conf_low", "difference_conf_high"),
}
#: A suppressed cell (disclosure control); ``[x]`` (not available) or an empty cell is not
#: estimable
_SUPPRESSED = "[c]"


@dataclass(frozen=True)
class ActionResult:
    """One action and criterion as Table 16 publishes it, read for members.

    ``row`` is the re-audit row's index in the published CSV frame (the baseline row is
    ``baseline_row``); ``rule`` is ``"net"`` or ``"change"`` (:data:`RULE_COLUMNS`);
    ``estimate``, ``conf_low``, ``conf_high`` are the published cells the rule reads (as the
    CSV holds them); ``verdict`` is ``"improved"``, ``"worse"``, ``"no clear change"``,
    ``"not shown"`` (a cell is suppressed) or ``"not estimable"`` (a cell is empty);
    ``reason`` says why there is no verdict.
    """

    row: int
    baseline_row: int | None
    action_id: str
    criterion: str
    criterion_label: str
    district: str
    owner_role: str
    due: str
    status: str
    rule: str
    estimate: str
    conf_low: str
    conf_high: str
    verdict: str
    reason: str = ""

    @property
    def columns(self) -> tuple:
        return RULE_COLUMNS[self.rule]

    @property
    def aim(self) -> str:
        """What the action aimed at, in words."""
        where = "every district" if self.district == ALL_DISTRICTS else self.district
        return f"\u2018{self.criterion_label}\u2019 in {where}"


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _verdict(est: str, lo: str, hi: str) -> tuple[str, str]:
    if any(v == _SUPPRESSED for v in (est, lo, hi)):
        return "not shown", "suppressed to protect the people the figures are about: small numbers of files"
    lo_f, hi_f = _num(lo), _num(hi)
    if _num(est) is None or lo_f is None or hi_f is None:
        return "not estimable", "not estimable: too few files answered at one of the audits"
    if lo_f > 0:
        return "improved", ""
    if hi_f < 0:
        return "worse", ""
    return "no clear change", ""


def action_results(t) -> list[ActionResult]:
    """Each action and criterion of the published Table 16, with the verdict of the honest rule.

    Parameters
    ----------
    t : PublicationTable
        Table 16 as published (after disclosure control).

    Returns
    -------
    list of ActionResult
        In the table's order, one per re-audit row.
    """
    df = csv_frame(t).astype(str).replace({"nan": "", "<NA>": "", "None": ""})
    out = []
    for i in df.index[df["occasion"] == "re-audit"]:
        r = df.loc[i]
        base = df.index[(df["occasion"] == "baseline") & (df["action_id"] == r["action_id"])
                        & (df["criterion"] == r["criterion"])].tolist()
        rule = "change" if r["district"] == ALL_DISTRICTS else "net"
        est, lo, hi = (str(r.get(c, "")) for c in RULE_COLUMNS[rule])
        verdict, reason = _verdict(est, lo, hi)
        out.append(ActionResult(
            row=int(i), baseline_row=int(base[0]) if base else None, action_id=r["action_id"],
            criterion=r["criterion"], criterion_label=r.get("criterion_label", r["criterion"]),
            district=r["district"], owner_role=r.get("owner_role", ""), due=r.get("due", ""),
            status=r.get("status", ""), rule=rule, estimate=est, conf_low=lo, conf_high=hi, verdict=verdict,
            reason=reason))
    return out


#: The status of an action in words.
STATUS_WORDS = {"proposed": "proposed", "agreed": "agreed", "in_progress": "in progress",
                "completed": "completed", "not_completed": "not completed", "withdrawn": "withdrawn"}
#: The verdict in words, by rule.
_VERDICT_WORDS = {
    ("net", "improved"): "Yes: improved more than the other districts' change and regression to the mean explain",
    ("net", "worse"): "No: below what the other districts' change and regression to the mean predict",
    ("net", "no clear change"): "Not clearly: no clear effect beyond the other districts' change and regression "
                                "to the mean",
    ("change", "improved"): "Yes: improved since the baseline",
    ("change", "worse"): "No: worse than at the baseline",
    ("change", "no clear change"): "Not clearly: no clear change since the baseline",
}


def members_summary(tables, conf_level: float | None = None) -> dict | None:
    """The members' page: one row per action, in plain words, from the published Table 16.

    Parameters
    ----------
    tables : list of PublicationTable
        The published tables; the page is made only when Table 16 is among them.
    conf_level : float, optional
        The confidence level of the intervals, named in the page's note.

    Returns
    -------
    dict or None
        ``title`` (:data:`SUMMARY_TITLE`), ``intro`` and ``note`` (text), ``headers`` (list of
        str) and ``rows`` (list of lists of str: action, aimed at, owner (role), due, status,
        did it work?, change with its interval in percentage points). None without Table 16.
    """
    t = next((x for x in tables if x.id == ACTIONS_TABLE), None)
    if t is None:
        return None
    results = action_results(t)
    level = f"{level_text(conf_level)} " if conf_level is not None else ""
    rows = []
    for a in results:
        if a.verdict in ("not shown", "not estimable"):
            worked = f"Not shown: {a.reason}" if a.verdict == "not shown" else f"Not known: {a.reason}"
            change = "[c]" if a.verdict == "not shown" else "[x]"
        else:
            worked = _VERDICT_WORDS[(a.rule, a.verdict)]
            change = f"{a.estimate} ({a.conf_low} to {a.conf_high})"
        rows.append([a.action_id, a.aim, a.owner_role, a.due or "not set",
                     STATUS_WORDS.get(a.status, a.status), worked, change])
    return {
        "title": SUMMARY_TITLE,
        "intro": ("The actions agreed after earlier audits and re-audited in this cycle, one line each, from "
                  "Table 16. Owners are named by their role. \u2018Did it work?\u2019 reads, for an action on "
                  "one district, its change against the other districts net of regression to the mean (a "
                  "district chosen because it scored low tends to score higher next time with no action at "
                  "all); for an action on every district, its change since the baseline."),
        "note": (f"The change is in percentage points with its {level}confidence interval; an action is said "
                 "to have worked when the whole interval is above zero. [c]: suppressed to protect the "
                 "people the figures are about; [x]: not available."),
        "headers": ["Action", "Aimed at", "Owner (role)", "Due", "Status", "Did it work?",
                    "Change (interval), percentage points"],
        "rows": rows,
    }
