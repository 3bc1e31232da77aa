"""Actions and their effect, for members: one page from the published Table 16.

The appendix's Table 16 ("Actions and their effect", ``action_effects_by_cycle``) gives two
rows per action, criterion and unit, the baseline and the re-audit. Members read one line per
action and unit: what it aimed at (the criterion and the unit, or every unit), the role
that owns it, when it was due, its status, and whether the targeted practice improved, with
the interval. This module reads those lines from the **published** (disclosure-controlled)
cells only, so the page can show nothing the table hides: an action whose change is
suppressed is listed as "not shown", with the reason.

The units are named in the authority's words (its profile's ``Words``: "district",
"locality", "All localities"), never in a word written here.

Which answer is "whether it worked" (``docs/actions.md``, "Did it work?"): for an action on
a unit, the change against the other units **net of regression to the mean**
(``difference_net_of_rtm``), the only one of the three rules that kept false claims within
the stated rate on the truth-known programme (a unit chosen because it scored low rises
with no action at all, and the whole authority improved); for an authority-wide action
(every unit) there is no comparison and no selection, so the change since the baseline
(``change_since_baseline``) is read. The verdict is read off the interval: its lower limit
above 0 is "improved", its upper limit below 0 "worse", otherwise "no clear change".

:func:`action_results` gives the lines (the findings, :mod:`kentaudit.publication.findings`,
write their sentences from them); :func:`members_summary` the page's rows in words, which
:mod:`kentaudit.publication.writers.html` renders (and so the PDF printed from it).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kentaudit.core.formatting import join_words, level_text
from kentaudit.inputs.profile import Words
from kentaudit.publication.views import STATUS_WORDS, csv_frame, profile_words

__all__ = ["ACTIONS_TABLE", "CONTEXT_COLUMNS", "MAX_ROWS", "RULE_COLUMNS", "STATUS_WORDS", "SUMMARY_TITLE",
           "NET_VERDICTS", "ActionResult", "action_results", "members_summary", "left_out_note", "unit_words"]

#: The published table the summary is read from.
ACTIONS_TABLE = "T16"
#: The most lines the members' page holds and still fits one A4 page with its note (measured on
#: the PDF: 12 lines of the synthetic register fit, 18 did not); beyond it, an action on several
#: units or criteria is one line, its results counted by verdict, each in Table 16
MAX_ROWS = 14
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


def unit_words(words=None) -> Words:
    """The authority's words: ``words`` itself (a :class:`~kentaudit.inputs.profile.Words`), or
    the ``"authority"`` entry of an appendix's words (``{"authority": Words}``); the bundled
    example profile's when neither is given."""
    return words if isinstance(words, Words) else profile_words(words)


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
    #: the unit in words: its name, or "every district" ("every locality") for the authority
    where: str = ""

    @property
    def columns(self) -> tuple:
        return RULE_COLUMNS[self.rule]

    @property
    def aim(self) -> str:
        """What the action aimed at, in words."""
        return f"\u2018{self.criterion_label}\u2019 in {self.where or self.district}"


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _verdict(est: str, lo: str, hi: str) -> tuple[str, str]:
    if any(v == _SUPPRESSED for v in (est, lo, hi)):
        return "not shown", "suppressed because the numbers of files are small, to protect the people the figures are about"
    lo_f, hi_f = _num(lo), _num(hi)
    if _num(est) is None or lo_f is None or hi_f is None:
        return "not estimable", "not estimable: too few files answered at one of the audits"
    if lo_f > 0:
        return "improved", ""
    if hi_f < 0:
        return "worse", ""
    return "no clear change", ""


def action_results(t, words=None) -> list[ActionResult]:
    """Each action, criterion and unit of the published Table 16, with the verdict of the honest rule.

    Parameters
    ----------
    t : PublicationTable
        Table 16 as published (after disclosure control).
    words : Words or dict, optional
        The authority's words (:func:`unit_words`): its ``all_units`` ("All localities") marks
        an authority-wide action's rows.

    Returns
    -------
    list of ActionResult
        In the table's order, one per re-audit row.
    """
    w = unit_words(words)
    df = csv_frame(t).astype(str).replace({"nan": "", "<NA>": "", "None": ""})
    out = []
    for i in df.index[df["occasion"] == "re-audit"]:
        r = df.loc[i]
        base = df.index[(df["occasion"] == "baseline") & (df["action_id"] == r["action_id"])
                        & (df["criterion"] == r["criterion"]) & (df["district"] == r["district"])].tolist()
        everywhere = r["district"] == w.all_units
        rule = "change" if everywhere else "net"
        est, lo, hi = (str(r.get(c, "")) for c in RULE_COLUMNS[rule])
        verdict, reason = _verdict(est, lo, hi)
        out.append(ActionResult(
            row=int(i), baseline_row=int(base[0]) if base else None, action_id=r["action_id"],
            criterion=r["criterion"], criterion_label=r.get("criterion_label", r["criterion"]),
            district=r["district"], owner_role=r.get("owner_role", ""), due=r.get("due", ""),
            status=r.get("status", ""), rule=rule, estimate=est, conf_low=lo, conf_high=hi, verdict=verdict,
            reason=reason, where=f"every {w.unit}" if everywhere else r["district"]))
    return out


#: An action on one unit, by the honest rule, in words (``{other}``: "the other districts'"): said
#: once here for the members' page and the findings, in plain comparisons a member reads
#: ("worse than expected from ...", not "below what ... predict").
NET_VERDICTS = {
    "improved": "improved more than expected from {other} change and regression to the mean",
    "worse": "worse than expected from {other} change and regression to the mean",
    "no clear change": "no clear effect beyond {other} change and regression to the mean",
}


def _verdict_words(rule: str, verdict: str, w: Words) -> str:
    """The verdict in words, by rule, naming the authority's units."""
    other = f"the other {w.units}'"
    return {
        ("net", "improved"): f"Yes: {NET_VERDICTS['improved'].format(other=other)}",
        ("net", "worse"): f"No: {NET_VERDICTS['worse'].format(other=other)}",
        ("net", "no clear change"): f"Not clearly: {NET_VERDICTS['no clear change'].format(other=other)}",
        ("change", "improved"): "Yes: improved since the baseline",
        ("change", "worse"): "No: worse than at the baseline",
        ("change", "no clear change"): "Not clearly: no clear change since the baseline",
    }[(rule, verdict)]


def _one_line(results: list, w: Words) -> list:
    """One line for an action with several results (units or criteria): what it aimed at, and
    how many of its results each verdict has, each result being in Table 16."""
    a = results[0]
    crits = join_words(list(dict.fromkeys(f"\u2018{r.criterion_label}\u2019" for r in results)))
    where = join_words(list(dict.fromkeys(r.where or r.district for r in results)))
    counts = {}
    for r in results:
        no_verdict = {"not shown": "not shown", "not estimable": "not known"}
        key = no_verdict[r.verdict] if r.verdict in no_verdict else _verdict_words(r.rule, r.verdict, w)
        counts[key] = counts.get(key, 0) + 1
    said = "; ".join(f"{v} of {len(results)}: {k}" for k, v in counts.items())
    return [a.action_id, f"{crits} in {where}", a.owner_role, a.due or "not set",
            STATUS_WORDS.get(a.status, a.status), f"{said} (each in Table 16)", "see Table 16"]


def members_summary(tables, conf_level: float | None = None, words=None,
                    max_rows: int = MAX_ROWS) -> dict | None:
    """The members' page: one row per action and unit, in plain words, from the published Table 16.

    More than ``max_rows`` lines would run over the page: then each action with several results
    (units or criteria) is one line counting its results by verdict (each result is in Table 16),
    and the intro says so.

    Parameters
    ----------
    tables : list of PublicationTable
        The published tables; the page is made only when Table 16 is among them.
    conf_level : float, optional
        The confidence level of the intervals, named in the page's note.
    words : Words or dict, optional
        The authority's words (:func:`unit_words`; the cycle's profile's).

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
    w = unit_words(words)
    results = action_results(t, w)
    level = f"{level_text(conf_level)} " if conf_level is not None else ""
    rows = []
    by_action = {}
    for a in results:
        by_action.setdefault(a.action_id, []).append(a)
    condensed = len(results) > max_rows and len(by_action) < len(results)
    for a in results:
        if condensed and len(by_action[a.action_id]) > 1:
            if a is by_action[a.action_id][0]:
                rows.append(_one_line(by_action[a.action_id], w))
            continue
        if a.verdict in ("not shown", "not estimable"):
            worked = f"Not shown: {a.reason}" if a.verdict == "not shown" else f"Not known: {a.reason}"
            change = "[c]" if a.verdict == "not shown" else "[x]"
        else:
            worked = _verdict_words(a.rule, a.verdict, w)
            change = f"{a.estimate} ({a.conf_low} to {a.conf_high})"
        rows.append([a.action_id, a.aim, a.owner_role, a.due or "not set",
                     STATUS_WORDS.get(a.status, a.status), worked, change])
    return {
        "title": SUMMARY_TITLE,
        "intro": ("The actions agreed after earlier audits and re-audited in this cycle, one line for each "
                  f"{w.unit} an action aimed at, from Table 16. Owners are named by their role. \u2018Did it "
                  f"work?\u2019 reads, for an action on a {w.unit}, its change against the other {w.units} net "
                  f"of regression to the mean (a {w.unit} chosen because it scored low tends to score higher "
                  f"next time with no action at all); for an action on every {w.unit}, its change since the "
                  "baseline."
                  + (f" An action on several {w.units} or criteria is one line here, its results counted "
                     "by verdict; Table 16 gives each." if condensed else "")),
        "note": (f"The change is in percentage points with its {level}confidence interval; an action is said "
                 "to have worked when the whole interval is above zero."
                 + _shorthand_said({r[-1] for r in rows})),
        "headers": ["Action", "Aimed at", "Owner (role)", "Due", "Status", "Did it work?",
                    "Change (interval), percentage points"],
        "rows": rows,
    }


#: the page's shorthand in words, each said only where a row shows it
_SHORTHAND = {"[c]": "suppressed to protect the people the figures are about", "[x]": "not available"}


def _shorthand_said(cells) -> str:
    used = [f"{k}: {v}" for k, v in _SHORTHAND.items() if k in cells]
    return (" " + "; ".join(used) + ".") if used else ""


def left_out_note(register, shown, cycle, words=None) -> str:
    """What Table 16's notes say about the register's actions the table does not show.

    Parameters
    ----------
    register : DataFrame or None
        The ``action_register`` results table (``action_id``, ``units``, ``status``,
        ``reaudit_cycle``).
    shown : DataFrame or None
        The ``action_effects_by_cycle`` results table (Table 16's source: ``action_id``).
    cycle : str
        This cycle.
    words : Words or dict, optional
        The authority's words.

    Returns
    -------
    str
        Sentences naming each action re-audited in this cycle that the table leaves out,
        with its reason (withdrawn: not evaluated; otherwise not evaluated), and saying how
        an action on several units is shown; empty when there is nothing to say.
    """
    if register is None or not len(register):
        return ""
    w = unit_words(words)
    ids = set() if shown is None else set(shown["action_id"].astype(str))
    here = register[register["reaudit_cycle"].astype(str) == str(cycle)]
    out = []
    gone = [(str(a), "withdrawn before its re-audit: not evaluated" if str(st) == "withdrawn"
             else "not evaluated") for a, st in zip(here["action_id"], here["status"]) if str(a) not in ids]
    if gone:
        items = [f"\u2018{a}\u2019 ({why})" for a, why in gone]
        out.append(f"Not in the table, of the actions re-audited in this cycle: {join_words(items)}.")
    several = [str(a) for a, u in zip(here["action_id"], here["units"])
               if str(a) in ids and not pd.isna(u) and ";" in str(u)]
    if several:
        out.append(f"An action on several {w.units} ({join_words(several)}) is shown for each of its {w.units}, "
                   f"each against the {w.units} the action did not target; its {w.units} pooled are "
                   "evaluated on the reviewer page only, their counts belonging to no published cell.")
    return " ".join(out)
