"""Closing the audit loop: proposed actions, the re-audit plan, and whether each action worked.

Three steps of the audit cycle after the measurement (``docs/actions.md``):

- :func:`propose_actions` drafts actions from a cycle's results tables (criteria whose
  interval lies below the standard, districts below the 99.8% funnel limit, criteria
  significantly worse than the previous cycle) as a register for the quality-assurance
  lead to edit (``kentaudit actions propose``);
- :func:`plan_reaudit` says, for each action and unit, how many files to re-audit to detect
  the action's target change with the stated power at the unit's size, and draws that
  targeted sample with :func:`kentaudit.inputs.sampling.draw_sample`
  (``kentaudit actions plan``);
- :func:`evaluate_register` evaluates each action of a register in the cycle that
  re-audits it (:func:`kentaudit.stats.actions.evaluate_action`); :func:`actions_section`
  is the ``actions`` notebook's section.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from kentaudit.analysis.cycle import CycleData, load_cycle
from kentaudit.analysis.section import Section
from kentaudit.core.errors import InputError, KentauditError
from kentaudit.core.formatting import format_interval, format_value, level_text
from kentaudit.core.safetext import write_csv
from kentaudit.inputs import actions as register_io
from kentaudit.inputs.params import CycleParams, load_params
from kentaudit.inputs.profile import cycle_year, next_cycle
from kentaudit.inputs.reference import districts as districts_table
from kentaudit.inputs.sampling import allocate, draw_sample, read_frame
from kentaudit.report.results import load_table
from kentaudit.stats import spc
from kentaudit.stats.actions import evaluate_action, reaudit_sample_size
from kentaudit.stats.proportions import criterion_counts, proportion_ci

__all__ = ["POOLED", "BY_CYCLE_COLUMNS", "EFFECT_COLUMNS", "effects_by_cycle", "action_control_chart", "PROPOSAL_SOURCES", "DRAFT_OWNER", "propose_actions", "propose_actions_cli", "plan_reaudit",
           "plan_reaudit_cli", "evaluate_register", "actions_section", "published_register"]

#: The results tables a proposal reads, in the order they are read.
PROPOSAL_SOURCES = ("compliance_by_criterion", "funnel", "change_since_previous")
#: The owner role of a drafted action until the quality-assurance lead names the role.
DRAFT_OWNER = "To be agreed"


def _pct(v) -> str:
    return format_value(v, "percent") + "%"


def propose_actions(params: CycleParams | str | Path, results_dir=None) -> tuple[pd.DataFrame, list[str]]:
    """Draft actions from a cycle's results tables.

    Parameters
    ----------
    params : CycleParams or path
        The cycle whose results are read (the baseline of the drafted actions).
    results_dir : path, optional
        The cycle's ``results/`` folder (default ``<output_dir>/<cycle>/results``).

    Returns
    -------
    (DataFrame, list of str)
        The draft register (:data:`kentaudit.inputs.actions.REGISTER_COLUMNS`, as text;
        status ``proposed``, no dates, owner role :data:`DRAFT_OWNER`, re-audit the next
        cycle) and what was read or not read, in words.

    Rules (one action per criterion and unit; the first rule that finds it):

    1. ``compliance_by_criterion``: the criterion's upper confidence limit is below the
       standard (``target``; not with ``target: overall``): an authority-wide action, target
       the standard;
    2. ``funnel``: a district below its 99.8% limit (``flag_99_8 == "below"``): a
       district action, target the funnel's centre;
    3. ``change_since_previous``: the criterion's interval of the change from the previous
       cycle lies below 0: an authority-wide action, target the previous cycle's level.
    """
    P = params if isinstance(params, CycleParams) else load_params(params)
    rdir = Path(results_dir) if results_dir is not None else P.cycle_dir / "results"
    dist = districts_table(P.inputs.districts)
    code = dict(zip(dist["district"], dist["district_code"]))
    nxt = next_cycle(P.cycle) or f"after {P.cycle}"
    rows, seen, log = [], set(), []

    def add(table, crit, unit, target, why):
        if (crit, unit) in seen:
            return
        seen.add((crit, unit))
        rows.append({"action_id": f"P{P.cycle}-{len(rows) + 1:02d}", "finding": f"{table}:{crit}:{unit}",
                     "baseline_cycle": str(P.cycle), "reaudit_cycle": nxt, "criteria": crit, "units": unit,
                     "owner_role": DRAFT_OWNER, "agreed": "", "due": "", "status": "proposed",
                     "target": f"{float(target):.10g}", "description": why})

    for name in PROPOSAL_SOURCES:
        t = load_table(name, rdir, missing_ok=True)
        if t is None:
            log.append(f"{name}: not in {rdir} (its notebook was not run): not read")
            continue
        before = len(rows)
        if name == "compliance_by_criterion":
            if P.target == "overall":
                log.append(f"{name}: the standard is 'overall': no criterion is below a standard")
                continue
            std = float(P.target)
            for r in t.itertuples(index=False):
                if pd.notna(r.conf_high) and r.conf_high < std:
                    add(name, r.criterion, register_io.ALL_UNITS, std,
                        f"Compliance of {_pct(r.estimate)} ({level_text(r.conf_level)} interval "
                        f"{format_value(r.conf_low, 'percent')} to {format_value(r.conf_high, 'percent')}) "
                        f"is below the standard {_pct(std)}.")
        elif name == "funnel":
            for r in t.itertuples(index=False):
                if r.flag_99_8 == "below" and r.district in code:
                    add(name, r.criterion, code[r.district], r.target,
                        f"{r.district}: {_pct(r.estimate)} ({format_value(r.n_yes, 'count')} of "
                        f"{format_value(r.n_denominator, 'count')}) is below the 99.8% funnel limit "
                        f"{_pct(r.limit_low_99_8)} around {_pct(r.target)}.")
        else:
            for r in t.itertuples(index=False):
                if pd.notna(r.conf_high) and r.conf_high < 0 and 0 < r.estimate_previous < 1:
                    add(name, r.criterion, register_io.ALL_UNITS, r.estimate_previous,
                        f"Compliance fell from {_pct(r.estimate_previous)} in {r.previous_cycle} to "
                        f"{_pct(r.estimate)} (change {format_interval(r.difference, r.conf_low, r.conf_high, 'pp')}"
                        " percentage points).")
        log.append(f"{name}: {len(rows) - before} action(s) drafted")
    out = pd.DataFrame(rows, columns=list(register_io.REGISTER_COLUMNS))
    return out, log


def propose_actions_cli(params, out, results_dir=None) -> int:
    """``kentaudit actions propose``: write the draft register to ``out`` (CSV) and say what was read."""
    df, log = propose_actions(params, results_dir)
    out = Path(out)
    if out.exists() and out.is_dir():
        raise KentauditError(f"{str(out)!r} is a folder; give the CSV file to write the draft register to.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(register_io.register_csv_text(df).encode("utf-8"))
    except OSError as e:
        raise KentauditError(f"cannot write the draft register to {str(out)!r} ({e.strerror or e}).") from None
    for line in log:
        print(line)
    print(f"drafted {len(df)} action(s) into {out}: edit the owner roles, dates, status and targets, "
          "then validate it with the run (inputs.actions in the parameter file)")
    return 0


def _counts(audits: pd.DataFrame, criterion: str, names) -> pd.DataFrame:
    """Per district: n_yes and n_denominator of one criterion (0 where a district has no files)."""
    base = pd.DataFrame({"district": list(names)})
    if audits.empty or f"c_{criterion}" not in audits.columns:
        return base.assign(n_yes=0, n_denominator=0)
    c = criterion_counts(audits, by="district", criteria=[criterion])[["district", "n_yes", "n_denominator"]]
    c["district"] = c["district"].astype(str)
    out = base.merge(c, on="district", how="left").fillna({"n_yes": 0, "n_denominator": 0})
    return out.astype({"n_yes": "int64", "n_denominator": "int64"})


def _cycle_audits(cycle: CycleData, which: str) -> pd.DataFrame:
    """The audits of cycle ``which`` that district comparisons read (the current cycle's
    ``comparable`` audits, or an earlier cycle's audits of the same samples)."""
    if str(which) == str(cycle.params.cycle):
        return cycle.comparable
    prev = cycle.previous
    if prev.empty:
        return prev
    sel = prev[prev["cycle"].astype(str) == str(which)]
    use = sel["sample"].isin(cycle.district_samples)
    return sel[use] if use.any() else sel


def published_register(register: pd.DataFrame) -> pd.DataFrame:
    """The register as it may be shown: owner roles in their own column, no description.

    Returns
    -------
    DataFrame
        ``action_id``, ``finding``, ``criteria``, ``units``, ``owner_role``, ``agreed``,
        ``due`` (``YYYY-MM-DD``, empty while proposed), ``status``, ``target``,
        ``baseline_cycle``, ``reaudit_cycle``.
    """
    r = register.copy()
    r["finding"] = r["finding_table"] + ":" + r["finding_criterion"] + ":" + r["finding_unit"]
    for c in ("agreed", "due"):
        r[c] = r[c].dt.strftime("%Y-%m-%d").astype("string")
    return r[["action_id", "finding", "criteria", "units", "owner_role", "agreed", "due", "status", "target",
              "baseline_cycle", "reaudit_cycle"]].reset_index(drop=True)


#: The columns of ``action_effects`` (:func:`evaluate_register`), in order (``docs/results.md``).
EFFECT_COLUMNS = [
    "action_id", "criterion", "criterion_label", "units", "unit", "baseline_cycle", "reaudit_cycle", "target",
    "status",
    "n_yes_baseline", "n_denominator_baseline", "n_yes_reaudit", "n_denominator_reaudit",
    "estimate_baseline", "estimate_reaudit", "change_since_baseline", "conf_low", "conf_high",
    "test", "statistic", "df", "p_value",
    "difference", "difference_conf_low", "difference_conf_high", "difference_p_value",
    "rtm_change", "change_net_of_rtm", "change_net_of_rtm_conf_low", "change_net_of_rtm_conf_high",
    "difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high",
    "improved", "improved_vs_rest", "improved_net", "target_reached",
    "spc_n_cycles", "spc_n_baseline", "spc_centre", "spc_lower_limit", "spc_upper_limit", "spc_signal",
    "spc_point_type",
    "method", "did_method", "conf_level", "note"]

#: What the control-chart columns say when the chart cannot be drawn.
SPC_NOT_AVAILABLE = "NA"
#: The ``unit`` of an ``action_effects`` row that evaluates an action's several units together.
POOLED = "pooled"


def _programme_cycles(cycle: CycleData) -> list[str]:
    """Every cycle of the programme this cycle's inputs hold (earlier audits and this cycle), in order."""
    cycles = set(cycle.previous["cycle"].astype(str)) if not cycle.previous.empty else set()
    return sorted(cycles | {str(cycle.params.cycle)}, key=lambda c: (cycle_year(c) is None, cycle_year(c) or 0, c))


def action_control_chart(cycle: CycleData, criterion: str, districts, reaudit_cycle,
                         baseline_cycle=None) -> tuple[pd.DataFrame, dict]:
    """The p-chart of the programme's cycles for one action's criterion and units, with its
    limits frozen on the cycles up to the action's baseline, and its signal at the re-audit.

    Each cycle's point is the targeted districts' compliance pooled (the audits district
    comparisons read, as :func:`evaluate_register` reads them); the chart is
    :func:`kentaudit.stats.spc.p_chart` with ``freeze`` at the baseline: the centre is the
    pooled compliance of the cycles up to and including ``baseline_cycle`` (the audits before
    the action was agreed), and the limits centre +/- 3 sigma at each cycle's files, so the
    cycles after it (the action's effect, if any) are judged against what practice was
    before, not against limits that have absorbed the change (qicharts2's ``freeze``,
    NHSRplotthedots' ``fix_after_n_points``). ``baseline_cycle`` None: every cycle forms the
    centre (the chart without ``freeze``).

    Returns
    -------
    (DataFrame, dict)
        The chart (the columns of :func:`~kentaudit.stats.spc.p_chart`, ``period`` the cycle
        as an integer) and the re-audit point's summary: ``spc_n_cycles`` (cycles with files
        on the chart), ``spc_n_baseline`` (cycles with files the limits are frozen on),
        ``spc_centre``, ``spc_lower_limit``, ``spc_upper_limit`` (the frozen limits at the
        re-audit's files), ``spc_signal`` (the point's ``special_cause_type``: ``"Above
        UCL"``, ``"2 in 3 Above CL"``, ``"7 Points Above CL"`` (a shift), ``"Common Cause"``,
        ...; ``"NA"`` when there is no chart) and ``spc_point_type``
        (``"special_cause_improvement"``, ``"special_cause_concern"``, ``"common_cause"``
        or ``"NA"``), and ``note`` (why there is no chart, or which rules cannot fire on so
        few cycles).
    """
    names = list(districts)
    rows = []
    for cyc in _programme_cycles(cycle):
        aud = _cycle_audits(cycle, cyc)
        c = _counts(aud, criterion, cycle.districts["district"]).set_index("district").loc[names]
        rows.append({"period": cycle_year(cyc), "x": int(c["n_yes"].sum()), "n": int(c["n_denominator"].sum())})
    data = pd.DataFrame(rows)
    base = (data["period"] <= cycle_year(baseline_cycle)) if baseline_cycle is not None else pd.Series(True, data.index)
    na = {"spc_n_cycles": int((data["n"] > 0).sum()), "spc_n_baseline": int((data.loc[base, "n"] > 0).sum()),
          "spc_centre": np.nan, "spc_lower_limit": np.nan, "spc_upper_limit": np.nan,
          "spc_signal": SPC_NOT_AVAILABLE, "spc_point_type": SPC_NOT_AVAILABLE}
    at = data["period"] == cycle_year(reaudit_cycle)
    if na["spc_n_baseline"] < 1:
        na["note"] = "no control chart: no files at the baseline cycles its limits are frozen on"
        return data.iloc[0:0], na
    if not (data.loc[at, "n"] > 0).any():
        na["note"] = "no control chart: no files at the re-audit"
        return data.iloc[0:0], na
    pc = spc.p_chart(data, improvement="increase", freeze=int(base.sum()))
    r = pc[pc["period"] == cycle_year(reaudit_cycle)].iloc[0]
    out = {**na, "spc_centre": float(r["mean"]), "spc_lower_limit": float(r["lpl"]),
           "spc_upper_limit": float(r["upl"]), "spc_signal": str(r["special_cause_type"]),
           "spc_point_type": str(r["point_type"]), "note": ""}
    if out["spc_n_cycles"] < 7:
        out["note"] = (f"the control chart has {out['spc_n_cycles']} cycles: a shift (7 cycles on one side of "
                       "the centre) or a trend (7 rising) cannot show yet")
    return pc, out


def evaluate_register(cycle: CycleData, register: pd.DataFrame) -> pd.DataFrame:
    """Evaluate every action of ``register`` that this cycle re-audits.

    Returns
    -------
    DataFrame
        One row per action, targeted criterion and evaluated unit (actions re-audited in
        another cycle, or withdrawn, are left out): an action on one unit or on every unit
        has one row per criterion; an action on several units has a row of its units pooled
        (``unit`` is :data:`POOLED`) and a row for each unit, compared with the units the
        action did not target (so every row of the published Table 16 is a cell of one unit,
        or of the authority). Columns: ``action_id``, ``criterion``, ``criterion_label``,
        ``units`` (the register's: codes, or ``all``), ``unit`` (the row's: a code, ``all``
        or ``pooled``), ``baseline_cycle``, ``reaudit_cycle``, ``target``,
        ``status``, then the columns of :func:`kentaudit.stats.actions.evaluate_action`
        (``change`` named ``change_since_baseline``, with its interval ``conf_low``,
        ``conf_high``; ``difference`` with ``difference_conf_low``/``_high``; the regression
        to the mean; ``improved``, ``improved_vs_rest``, ``improved_net``), and
        ``target_reached`` (``"yes"`` when the re-audit's estimate is at least the target), the
        control chart's signal at the re-audit, against limits frozen on the cycles up to the
        action's baseline (``spc_n_cycles``, ``spc_n_baseline``, ``spc_centre``,
        ``spc_lower_limit``, ``spc_upper_limit``, ``spc_signal``, ``spc_point_type``:
        :func:`action_control_chart`);
        :data:`EFFECT_COLUMNS` in that order (``docs/results.md``, ``action_effects``).
    """
    P = cycle.params
    names = list(cycle.districts["district"])
    by_code = dict(zip(cycle.districts["district_code"], cycle.districts["district"]))
    rows = []
    for a in register.itertuples(index=False):
        if str(a.reaudit_cycle) != str(P.cycle) or a.status == "withdrawn":
            continue
        base_aud = _cycle_audits(cycle, a.baseline_cycle)
        if base_aud.empty:
            raise InputError(f"action {a.action_id}: no audits of its baseline cycle {a.baseline_cycle} are "
                             "among this cycle's inputs; add them to inputs.previous_audits.",
                             column="baseline_cycle", value=str(a.baseline_cycle))
        if a.units == register_io.ALL_UNITS:
            groups = [(register_io.ALL_UNITS, "all", None, "")]
        else:
            codes = str(a.units).split(";")
            targeted = [by_code[u] for u in codes]
            groups = [(codes[0], targeted, None, "")] if len(codes) == 1 else (
                [(POOLED, targeted, None, f"the action's {len(codes)} units pooled")]
                + [(u, [by_code[u]], [d for d in names if d not in targeted],
                    f"one of the action's {len(codes)} units, compared with the units it did not target")
                   for u in codes])
        for crit in str(a.criteria).split(";"):
            b_counts, r_counts = _counts(base_aud, crit, names), _counts(cycle.comparable, crit, names)
            for unit, targeted, comparison, what in groups:
                ev = evaluate_action(b_counts, r_counts, targeted, conf_level=P.confidence_level,
                                     comparison=comparison).iloc[0].to_dict()
                head = {"action_id": a.action_id, "criterion": crit, "criterion_label": cycle.labels.get(crit, crit),
                        "units": a.units, "unit": unit, "baseline_cycle": a.baseline_cycle,
                        "reaudit_cycle": a.reaudit_cycle, "target": float(a.target), "status": a.status}
                est = ev["estimate_reaudit"]
                ev["target_reached"] = "NA" if pd.isna(est) else ("yes" if est >= float(a.target) else "no")
                _, chart = action_control_chart(cycle, crit, names if targeted == "all" else targeted,
                                                a.reaudit_cycle, a.baseline_cycle)
                note = chart.pop("note")
                ev.update(chart)
                ev["note"] = "; ".join(x for x in (what, ev["note"], note) if x)
                rows.append({**head, **ev})
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS if not rows else None)
    out = out.rename(columns={"change": "change_since_baseline"}).reindex(columns=EFFECT_COLUMNS)
    for c in ("action_id", "criterion", "criterion_label", "units", "unit", "baseline_cycle", "reaudit_cycle",
              "status", "method", "test", "note", "improved", "improved_vs_rest", "improved_net", "target_reached",
              "did_method", "spc_signal", "spc_point_type"):
        out[c] = out[c].astype("string")
    for c in ("n_yes_baseline", "n_denominator_baseline", "n_yes_reaudit", "n_denominator_reaudit"):
        out[c] = out[c].astype("int64")
    for c in ("target", "estimate_baseline", "estimate_reaudit", "change_since_baseline", "conf_low", "conf_high",
              "statistic", "df", "p_value", "difference", "difference_conf_low", "difference_conf_high",
              "difference_p_value", "rtm_change", "change_net_of_rtm", "change_net_of_rtm_conf_low",
              "change_net_of_rtm_conf_high", "difference_net_of_rtm", "difference_net_of_rtm_conf_low",
              "difference_net_of_rtm_conf_high", "spc_centre", "spc_lower_limit", "spc_upper_limit", "conf_level"):
        out[c] = out[c].astype("float64")
    for c in ("spc_n_cycles", "spc_n_baseline"):
        out[c] = out[c].astype("int64")
    return out


#: The columns of ``action_effects_by_cycle`` (:func:`effects_by_cycle`), in order.
BY_CYCLE_COLUMNS = [
    "action_id", "criterion", "criterion_label", "district", "cycle", "occasion", "owner_role", "due", "status",
    "n_yes", "n_denominator", "estimate", "conf_low", "conf_high",
    "change_since_baseline", "change_conf_low", "change_conf_high",
    "difference", "difference_conf_low", "difference_conf_high",
    "difference_net_of_rtm", "difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high",
    "improved", "improved_vs_rest", "improved_net", "method", "conf_level"]
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def effects_by_cycle(cycle: CycleData, register: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """``action_effects`` in the shape the appendix publishes: two rows per action, criterion and unit.

    The baseline row holds the evaluated unit's counts and compliance at the baseline cycle;
    the re-audit row the same in this cycle, and the effect (the change since the baseline,
    against the rest, net of regression to the mean, each with its interval, and the three
    verdicts). Each count is a count of audit records of one cycle, unit (or every unit)
    and criterion, so the appendix's disclosure control protects it as it protects every
    count. An action on several units appears once for each of them (``action_effects``'
    rows of one unit); its pooled row (:data:`POOLED`), whose counts belong to no cell a
    table names, is left out here and shown on the reviewer page.

    Returns
    -------
    DataFrame
        :data:`BY_CYCLE_COLUMNS`: ``district`` is the unit's name, or the authority's words for
        every unit (``words.all_units``, "All districts", "All localities");
        ``occasion`` is ``baseline`` or ``re-audit``; ``estimate``, ``conf_low``,
        ``conf_high`` the compliance of the row's cycle (``method``, the cycle's interval
        method); the effect columns are empty on the baseline row.
    """
    P = cycle.params
    name_of = dict(zip(cycle.districts["district_code"], cycle.districts["district"]))
    owner = dict(zip(register["action_id"], register["owner_role"]))
    # the month a reader needs, in English words whatever the machine's locale (a column of
    # YYYY-MM-DD dates is what the publication check reads as a list of audits)
    due = {a: (f"{_MONTHS[d.month - 1]} {d.year}" if pd.notna(d) else "")
           for a, d in zip(register["action_id"], register["due"])}
    every = cycle.words.all_units
    rows = []
    for e in effects.itertuples(index=False):
        unit = str(e.unit)
        if unit == POOLED:
            continue
        district = every if unit == register_io.ALL_UNITS else name_of[unit]
        head = {"action_id": e.action_id, "criterion": e.criterion, "criterion_label": e.criterion_label,
                "district": district, "owner_role": owner.get(e.action_id), "due": due.get(e.action_id), "status": e.status}
        for occ, cyc, x, n in (("baseline", e.baseline_cycle, e.n_yes_baseline, e.n_denominator_baseline),
                               ("re-audit", e.reaudit_cycle, e.n_yes_reaudit, e.n_denominator_reaudit)):
            ci = proportion_ci(x, n, method=P.interval_method, conf_level=P.confidence_level).iloc[0]
            row = {**head, "cycle": cyc, "occasion": occ, "n_yes": int(x), "n_denominator": int(n),
                   "estimate": ci["estimate"], "conf_low": ci["conf_low"], "conf_high": ci["conf_high"],
                   "method": P.interval_method, "conf_level": P.confidence_level}
            if occ == "re-audit":
                row.update({"change_since_baseline": e.change_since_baseline, "change_conf_low": e.conf_low,
                            "change_conf_high": e.conf_high, "difference": e.difference,
                            "difference_conf_low": e.difference_conf_low,
                            "difference_conf_high": e.difference_conf_high,
                            "difference_net_of_rtm": e.difference_net_of_rtm,
                            "difference_net_of_rtm_conf_low": e.difference_net_of_rtm_conf_low,
                            "difference_net_of_rtm_conf_high": e.difference_net_of_rtm_conf_high,
                            "improved": e.improved, "improved_vs_rest": e.improved_vs_rest,
                            "improved_net": e.improved_net})
            rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=BY_CYCLE_COLUMNS)
    for c in ("action_id", "criterion", "criterion_label", "district", "cycle", "occasion", "owner_role", "due",
              "status", "improved", "improved_vs_rest", "improved_net", "method"):
        out[c] = out[c].astype("string")
    for c in ("n_yes", "n_denominator"):
        out[c] = out[c].astype("int64")
    for c in BY_CYCLE_COLUMNS[11:23] + ["conf_level"]:
        out[c] = out[c].astype("float64")
    return out


def actions_section(cycle: CycleData, register_path=None) -> Section:
    """The ``actions`` notebook's section: the register and each action's effect.

    With no register (``inputs.actions`` not given) the section is empty. Tables:
    ``action_register`` (:func:`published_register`: owner roles, never a description or a
    name), ``action_effects`` (:func:`evaluate_register`) and ``action_effects_by_cycle``
    (:func:`effects_by_cycle`: what the appendix publishes as "Actions and their effect").
    """
    path = register_path if register_path is not None else getattr(cycle.params.inputs, "actions", None)
    if path is None:
        return Section.of(cycle, {}, {})
    reg = register_io.read_register(path, criteria_file=cycle.params.inputs.criteria,
                                    districts_file=cycle.params.inputs.districts)
    effects = evaluate_register(cycle, reg)
    # shown in the cycle's profile's words (Section.of), as every section
    return Section.of(cycle, {"action_register": published_register(reg), "action_effects": effects,
                              "action_effects_by_cycle": effects_by_cycle(cycle, reg, effects)}, {})


def plan_reaudit(cycle: CycleData, register: pd.DataFrame, frame: pd.DataFrame | None = None,
                 power: float = 0.8) -> pd.DataFrame:
    """Files to re-audit for each action and unit of ``register`` whose baseline is this cycle.

    Parameters
    ----------
    cycle : CycleData
        The baseline cycle (its audits give each unit's baseline compliance and files).
    register : DataFrame
        As :func:`kentaudit.inputs.actions.read_register` returns it.
    frame : DataFrame, optional
        The sampling frame (``case_ref``, ``district``): each district's files available
        for the re-audit; default the districts table's ``children_on_plans``.
    power : float
        Power wanted at the cycle's confidence level.

    Returns
    -------
    DataFrame
        One row per action, criterion and unit (a district, or ``all``): ``action_id``,
        ``criterion``, ``unit`` (a district name, or ``all``), ``target``, ``n_yes`` and
        ``n_denominator`` (baseline), ``estimate`` (baseline compliance), ``population``,
        then ``n0``, ``n``, ``n_required``, ``power``, ``power_achieved``, ``conf_level``,
        ``method`` of :func:`kentaudit.stats.actions.reaudit_sample_size` (against the
        baseline's files), and ``note`` (a baseline already at the target, or a power out
        of reach).
    """
    P = cycle.params
    names = list(cycle.districts["district"])
    by_code = dict(zip(cycle.districts["district_code"], cycle.districts["district"]))
    if frame is not None:
        pop = frame["district"].astype(str).value_counts().reindex(names, fill_value=0)
    else:
        pop = cycle.districts.set_index("district")["children_on_plans"].astype(int).reindex(names)
    rows = []
    for a in register.itertuples(index=False):
        if str(a.baseline_cycle) != str(P.cycle) or a.status == "withdrawn":
            continue
        units = names if a.units == register_io.ALL_UNITS else [by_code[u] for u in str(a.units).split(";")]
        for crit in str(a.criteria).split(";"):
            c = _counts(cycle.comparable, crit, names).set_index("district")
            groups = [("all", names)] if a.units == register_io.ALL_UNITS else [(u, [u]) for u in units]
            for label, members in groups:
                x, n = int(c.loc[members, "n_yes"].sum()), int(c.loc[members, "n_denominator"].sum())
                N = int(pop.loc[members].sum())
                row = {"action_id": a.action_id, "criterion": crit, "unit": label, "target": float(a.target),
                       "n_yes": x, "n_denominator": n, "estimate": x / n if n else np.nan, "population": N}
                p0 = x / n if n else np.nan
                if n == 0 or N == 0:
                    row["note"] = "no baseline files (or no files to sample): no size"
                elif p0 >= float(a.target):
                    row["note"] = "the baseline is already at or above the target: no re-audit needed for power"
                    row["n_required"] = 0
                elif p0 <= 0:
                    row["note"] = "every baseline answer is N: no size (the power formula needs 0 < p < 1)"
                else:
                    s = reaudit_sample_size(p0, float(a.target), population=N, n_baseline=n, power=power,
                                            conf_level=P.confidence_level).iloc[0]
                    row.update({k: s[k] for k in ("n0", "n", "n_required", "power", "power_achieved",
                                                  "conf_level", "method", "note")})
                rows.append(row)
    cols = ["action_id", "criterion", "unit", "target", "n_yes", "n_denominator", "estimate", "population",
            "n0", "n", "n_required", "power", "power_achieved", "conf_level", "method", "note"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    out["n_required"] = out["n_required"].astype("Int64")
    out["note"] = out["note"].fillna("")
    return out


def _per_district(plan: pd.DataFrame, names, pop) -> dict[str, int]:
    """Files to draw in each district: the largest need of any action there, an authority-wide
    action's need shared out in proportion to the districts' files."""
    need = {d: 0 for d in names}
    for r in plan.itertuples(index=False):
        if pd.isna(r.n_required) or int(r.n_required) == 0:
            continue
        if r.unit == "all":
            al = allocate(pop.loc[names], int(r.n_required), "proportional")
            for d, k in zip(al["stratum"].astype(str), al["n"]):
                need[d] = max(need[d], int(k))
        else:
            need[r.unit] = max(need[r.unit], int(r.n_required))
    return {d: k for d, k in need.items() if k > 0}


def plan_reaudit_cli(params, register, frame, out, seed: int, power: float = 0.8, as_of=None,
                     exclude=None, exclude_months: int = 12) -> int:
    """``kentaudit actions plan``: the re-audit plan and its targeted sample.

    Writes ``plan.csv`` (:func:`plan_reaudit`), and, when any file is to be drawn,
    ``selection.csv`` and ``allocation.csv`` (:func:`kentaudit.inputs.sampling.draw_sample`
    with each district's number fixed) and ``draw.json`` (seed, as-of date, inputs).
    """
    P = load_params(params)
    cycle = load_cycle(P)
    reg = register_io.read_register(register, criteria_file=P.inputs.criteria, districts_file=P.inputs.districts)
    fr = read_frame(frame)
    plan = plan_reaudit(cycle, reg, fr, power=power)
    outp = Path(out)
    try:
        outp.mkdir(parents=True, exist_ok=True)
        write_csv(plan, outp / "plan.csv", index=False, lineterminator="\n")
    except OSError as e:
        raise KentauditError(f"cannot write the plan to {str(outp)!r} ({e.strerror or e}).") from None
    names = list(cycle.districts["district"])
    pop = fr["district"].astype(str).value_counts().reindex(names, fill_value=0)
    need = _per_district(plan, names, pop)
    print(f"planned {len(plan)} action-unit row(s) into {outp / 'plan.csv'}")
    if not need:
        print("no file to draw: every targeted unit is at its target, or out of reach (see plan.csv)")
        return 0
    sub = fr[fr["district"].astype(str).isin(need)]
    ex = read_frame(exclude, "earlier audits") if exclude else None
    sel, alloc = draw_sample(sub, n=sum(need.values()), allocation=need, seed=seed, as_of=as_of,
                             exclude=ex, exclude_months=exclude_months)
    write_csv(sel, outp / "selection.csv", index=False, lineterminator="\n")
    write_csv(alloc, outp / "allocation.csv", index=False, lineterminator="\n")
    record = {"tool": "kentaudit actions plan", "seed": int(seed), "power": power,
              "as_of": str(sel["as_of"].iloc[0])[:10] if len(sel) else None,
              "by_district": need, "outputs": ["plan.csv", "selection.csv", "allocation.csv"]}
    (outp / "draw.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"drew {len(sel)} file(s) in {len(need)} {cycle.words.unit if len(need) == 1 else cycle.words.units}, "
          f"seed {seed}: {outp / 'selection.csv'}")
    return 0
