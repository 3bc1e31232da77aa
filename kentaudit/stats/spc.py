"""Statistical process control for the audit programme: XmR, p, Laney p' and run charts.

:func:`run_chart` applies the Anhoej rules (longest run, number of crossings) to a
short series (under 20 points, such as the annual cycles of the programme), as the
R package qicharts2 does; :func:`laney_p_chart` widens a p-chart's limits by the
between-period variation of the standardised proportions (Laney 2002), for large
denominators where binomial limits flag nearly every point.

:func:`xmr` follows the NHS England "Making Data Count" rules as the R package
NHSRplotthedots (version 0.2.0) implements them; :func:`p_chart` applies the same
special-cause rules to a proportion whose binomial limits vary with each period's
denominator. :func:`kentaudit.report.charts.plot_xmr` and :func:`kentaudit.report.charts.plot_p_chart`
draw the results.

Rules, in precedence order (a point that meets several is labelled by the first):

1. **outside limits**: a point above the upper or below the lower process limit
   (strict inequality; a point on a limit is inside);
2. **trend**: ``trend_length`` (default 7) consecutive points each strictly higher
   (or each strictly lower) than the one before; a tie breaks the trend; every point
   of the trend is flagged;
3. **two in three**: two of three consecutive points beyond the 2-sigma ("near")
   limits, with all three points on the same side of the mean (NHSRplotthedots'
   reading of the rule); only the points beyond 2 sigma are flagged. Points beyond
   3 sigma are not counted unless ``count_beyond_three_sigma=True`` (the Making Data
   Count team's rule from November 2023); set ``two_in_three=False`` to drop the rule;
4. **run**: ``run_length`` (default 7) consecutive points on the same side of the
   mean; a point exactly on the mean breaks the run; every point of the run is flagged.

Deviations from NHSRplotthedots, each deliberate:

- **Missing periods** (a missing value, or a skipped period when periods are
  integers, pandas Periods, or dates with ``freq`` given) split the series into
  segments. No moving range spans a gap and no trend, run or two-in-three window
  crosses one, so a gap never creates or extends a signal. NHSRplotthedots assumes
  there are no gaps.
- A constant baseline (mean moving range 0) is not screened, so its limits equal the
  mean instead of being missing.
- Trial limits are labelled on every point of a baseline with fewer than 13 points
  (NHSRplotthedots warns at ``n < 13`` with its default threshold).

Inputs at the edges, the same for every chart here (the convention of
``kentaudit.stats``: a documented value, NaN with the reason, or a refusal with
:class:`~kentaudit.core.errors.InputError`; never an exception from numpy or scipy):

- **an empty series** gives an empty table with every documented column of the chart
  (as :func:`run_chart` always did);
- **a gap** (a missing value; for the p and Laney p' charts a period with n = 0 or
  missing counts; a skipped period) has no point (``missing``, point type
  ``"missing"``), no limits where they depend on the period's n (the p and Laney p'
  charts; the XmR limits are one line through the whole baseline), and no moving range
  spans it, in :func:`xmr` and :func:`laney_p_chart` alike;
- **no moving range** (a single point, every point missing, or every run of
  consecutive points one long): the limits that need one are NaN (the XmR limits; the
  Laney p' limits, with ``sigma_z`` NaN); the mean and the p-chart's binomial limits
  are still given; every point missing gives NaN means and limits and no assurance;
- **no variation** (a constant series; every answer yes, or every answer no, so
  p = 0 or 1 and the binomial sigma is 0): the limits equal the centre line (zero
  width) in every chart; for the Laney p' chart each z is 0 (the point is on the
  centre and there is no binomial variation to standardise by), so ``sigma_z`` is 0;
- values that are not numbers, or periods that cannot be ordered, are refused with
  ``InputError``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_method

__all__ = ["IMPROVEMENT_DIRECTIONS", "ASSURANCE_LABELS", "RUN_CHART_CENTRES", "xmr", "p_chart",
           "anhoej_limits", "run_chart", "laney_p_chart"]

IMPROVEMENT_DIRECTIONS = ("increase", "decrease", "neither")
ASSURANCE_LABELS = ("consistently passes", "consistently fails", "inconsistent")

# Making Data Count / NHSRplotthedots constants: 2.66 = 3 / d2 (d2 = 1.128 for moving
# ranges of two); the near limits sit at two thirds of that (2 sigma); moving ranges at
# or above 3.267 (= D4) times the mean moving range are screened out once.
XMR_LIMIT = 2.66
XMR_NEAR = 2 * XMR_LIMIT / 3
MR_SCREEN = 3.267
TRIAL_BELOW = 13


# --- helpers -----------------------------------------------------------------------------

def _period_ordinals(periods: pd.Series, freq):
    """Integer ordinals of periods if their spacing is known, else None."""
    if isinstance(periods.dtype, pd.PeriodDtype):
        return np.asarray(periods.array.asi8, dtype=np.int64)
    if pd.api.types.is_integer_dtype(periods.dtype):
        return periods.to_numpy(dtype=np.int64)
    if freq is not None:
        if pd.api.types.is_datetime64_any_dtype(periods.dtype):
            return np.asarray(periods.dt.to_period(freq).array.asi8, dtype=np.int64)
        raise InputError("freq was given but periods are neither dates nor pandas Periods.",
                         column="periods")
    return None


def _prepare(values, periods, rebase_at, freq):
    try:
        y = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError("values must be numbers (NaN or None for a missing period).",
                         column="values") from None
    if y.ndim != 1:
        raise InputError("values must be one-dimensional.", column="values")
    if periods is None:
        periods = pd.Series(np.arange(1, y.size + 1))
    per = pd.Series(periods).reset_index(drop=True)
    if len(per) != y.size:
        raise InputError(f"values has {y.size} entries but periods has {len(per)}.",
                         column="periods")
    if per.isna().any():
        raise InputError("periods must not be missing; give the missing period with a "
                         "missing value instead.", column="periods")
    if per.duplicated().any():
        dup = per[per.duplicated()].iloc[0]
        raise InputError("each period may appear only once.", column="periods", value=str(dup))
    try:
        order = np.argsort(per.to_numpy(), kind="stable")
    except TypeError:
        raise InputError("periods cannot be put in order (mixed types?).",
                         column="periods") from None
    per = per.iloc[order].reset_index(drop=True)
    y = y[order]
    missing = ~np.isfinite(y)
    ords = _period_ordinals(per, freq)
    step_gap = np.zeros(y.size, dtype=bool)
    if ords is not None and y.size > 1:
        step_gap[1:] = np.diff(ords) != 1
    # rebase groups: a new group starts at each period listed in rebase_at
    group = np.zeros(y.size, dtype=int)
    if rebase_at is not None:
        starts = pd.Series(list(np.atleast_1d(rebase_at)))
        if pd.api.types.is_datetime64_any_dtype(per.dtype):
            starts = pd.to_datetime(starts)
        unknown = set(starts) - set(per)
        if unknown:
            raise InputError(f"rebase_at periods {sorted(map(str, unknown))} are not in the "
                             "series.", column="rebase_at")
        group = np.cumsum(per.isin(set(starts)).to_numpy()).astype(int)
        group -= group[0]
    # segments: maximal runs of present, consecutive points within one rebase group
    seg = np.full(y.size, -1, dtype=int)
    current = -1
    for i in range(y.size):
        if missing[i]:
            continue
        new = (i == 0 or missing[i - 1] or step_gap[i] or group[i] != group[i - 1])
        if new:
            current += 1
        seg[i] = current
    return per, y, missing, group, seg, order


def _windows_end(flag_fn, length: int, idx: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Value of flag_fn at window ends (windows of `length` within one segment), else 0."""
    out = np.zeros(seg.size, dtype=int)
    for k in range(length - 1, idx.size):
        window = idx[k - length + 1:k + 1]
        if seg[window[0]] == seg[window[-1]]:
            out[window[-1]] = flag_fn(window)
    return out


def _part_of(ends: np.ndarray, length: int, seg: np.ndarray) -> np.ndarray:
    """Flag every point of a window whose last point is marked in `ends`."""
    part = np.zeros(ends.size, dtype=bool)
    for i in np.flatnonzero(ends != 0):
        j = i
        count = 0
        while count < length:
            part[j] = True
            count += 1
            j -= 1
            while j >= 0 and seg[j] == -1:
                j -= 1
            if j < 0:
                break
    return part


def _apply_rules(y, mean, lpl, upl, nlpl, nupl, seg, *, improvement, trend_length,
                 run_length, two_in_three, count_beyond_three_sigma):
    """Special-cause rules; returns a dict of per-point columns (see module docstring)."""
    present = seg >= 0
    idx = np.flatnonzero(present)
    with np.errstate(invalid="ignore"):
        outside = present & ((y > upl) | (y < lpl))
        # no centre line (a frozen baseline without files): no side, so no run
        rtm = np.where(present & np.isfinite(y - mean), np.sign(y - mean), 0).astype(int)
        beyond_near = present & ((y < nlpl) | (y > nupl))
    close = beyond_near & ~outside

    # run of `run_length` on one side of the mean (a point on the mean, rtm 0, breaks it)
    def run_fn(w):
        r = rtm[w]
        return int(r[0] != 0 and np.all(r == r[0]))
    run_end = _windows_end(run_fn, run_length, idx, seg)
    rule_run = _part_of(run_end, run_length, seg)

    # trend: trend_length points, trend_length - 1 strictly monotone steps (tie breaks)
    def trend_fn(w):
        d = np.sign(np.diff(y[w]))
        return 1 if np.all(d > 0) else (-1 if np.all(d < 0) else 0)
    trend_end = _windows_end(trend_fn, trend_length, idx, seg)
    rule_trend = _part_of(trend_end, trend_length, seg)

    # two of three beyond 2 sigma, all three on the same side of the mean
    counted = beyond_near if count_beyond_three_sigma else close
    rule_2in3 = np.zeros(y.size, dtype=bool)
    if two_in_three:
        def tit_fn(w):
            return int(counted[w].sum() >= 2 and abs(rtm[w].sum()) == 3)
        ends = _windows_end(tit_fn, 3, idx, seg)
        in_window = _part_of(ends, 3, seg)
        rule_2in3 = in_window & counted

    # direction of a trend point: towards the next point if it is also in the trend,
    # otherwise from the previous point (NHSRplotthedots' rule)
    sdy = np.zeros(y.size, dtype=int)
    for k, i in enumerate(idx):
        nxt = idx[k + 1] if k + 1 < idx.size and seg[idx[k + 1]] == seg[i] else None
        prv = idx[k - 1] if k > 0 and seg[idx[k - 1]] == seg[i] else None
        if nxt is not None and rule_trend[i] and rule_trend[nxt]:
            sdy[i] = int(np.sign(y[nxt] - y[i]))
        elif prv is not None:
            sdy[i] = int(np.sign(y[i] - y[prv]))

    side = np.where(rtm > 0, "Above", "Below")
    sct = np.full(y.size, "Common Cause", dtype=object)
    direction = np.zeros(y.size, dtype=int)
    for i in idx:
        if outside[i]:
            sct[i] = "Above UCL" if rtm[i] == 1 else "Below LCL"
            direction[i] = 1 if rtm[i] == 1 else -1
        elif rule_trend[i]:
            inc = sdy[i] == 1
            sct[i] = f"{trend_length} Point Trend ({'Increasing' if inc else 'Decreasing'})"
            direction[i] = 1 if inc else -1
        elif rule_2in3[i]:
            sct[i] = f"2 in 3 {side[i]} CL"
            direction[i] = 1 if rtm[i] > 0 else -1
        elif rule_run[i]:
            sct[i] = f"{run_length} Points {side[i]} CL"
            direction[i] = 1 if rtm[i] > 0 else -1
    sct[~present] = "Missing"
    special = present & (sct != "Common Cause")
    if improvement == "neither":
        ptype = np.where(direction > 0, "special_cause_neutral_high",
                         np.where(direction < 0, "special_cause_neutral_low", "common_cause"))
    else:
        v = direction * (1 if improvement == "increase" else -1)
        ptype = np.where(v > 0, "special_cause_improvement",
                         np.where(v < 0, "special_cause_concern", "common_cause"))
    ptype = np.where(present, ptype, "missing").astype(object)
    return {
        "relative_to_mean": rtm, "outside_limits": outside, "close_to_limits": close,
        "rule_outside_limits": outside, "rule_trend": rule_trend,
        "rule_two_in_three": rule_2in3, "rule_run": rule_run,
        "special_cause": special, "special_cause_type": sct, "point_type": ptype,
    }


def _assurance(target, improvement, lpl_last, upl_last):
    if target is None or improvement == "neither" or not np.isfinite(lpl_last):
        return None
    inc = improvement == "increase"
    if target > upl_last:
        return "consistently fails" if inc else "consistently passes"
    if target < lpl_last:
        return "consistently passes" if inc else "consistently fails"
    return "inconsistent"


def _check_common(improvement, trend_length, run_length, target):
    check_method(improvement, IMPROVEMENT_DIRECTIONS, "improvement")
    for name, v in (("trend_length", trend_length), ("run_length", run_length)):
        if int(v) != v or v < 2:
            raise InputError(f"{name} must be a whole number of at least 2, got {v!r}.",
                             column=name)
    if target is not None and not np.isfinite(float(target)):
        raise InputError("target must be a finite number or None.", column="target")


def _rule_text(trend_length, run_length, two_in_three, count_beyond):
    tit = ("two of three beyond 2 sigma on one side"
           + (" (points beyond 3 sigma counted)" if count_beyond else "")) if two_in_three \
        else "two-in-three rule off"
    return (f"rules: outside limits; trend of {trend_length}; {tit}; "
            f"run of {run_length} on one side of the mean")


# --- public ------------------------------------------------------------------------------

def xmr(values, periods=None, improvement: str = "increase", target: float | None = None,
        screen_outliers: bool = True, rebase_at: Sequence | None = None,
        baseline_points: int | None = None, trend_length: int = 7, run_length: int = 7,
        two_in_three: bool = True, count_beyond_three_sigma: bool = False,
        freq: str | None = None) -> pd.DataFrame:
    """XmR (individuals) chart following Making Data Count as in NHSRplotthedots.

    Parameters
    ----------
    values : array-like of float
        One value per period (for example a criterion's monthly compliance). Missing
        values (NaN/None) mark missing periods.
    periods : array-like, optional
        Period labels (integers such as cycles, pandas Periods, or dates); default
        1..len(values). Rows are sorted by period. For integer and Period labels a
        skipped period is a gap; for dates give ``freq`` (for example ``"M"``) to
        detect skipped periods.
    improvement : {"increase", "decrease", "neither"}
        Which direction is better; turns special causes into improvement or concern
        (``"neither"`` gives neutral high/low).
    target : float, optional
        Target for the assurance label.
    screen_outliers : bool, default True
        Screen moving ranges at or above 3.267 x the mean moving range once and
        recompute (NHSRplotthedots default; the NHS Excel tool does not screen).
    rebase_at : sequence of periods, optional
        Periods at which a new baseline (new mean and limits) starts.
    baseline_points : int, optional
        Fix the mean and limits on the first ``baseline_points`` present points of each
        rebase group (NHSRplotthedots' ``fix_after_n_points``).
    trend_length, run_length : int, default 7
    two_in_three : bool, default True
    count_beyond_three_sigma : bool, default False
        Count points beyond 3 sigma towards two-in-three (Making Data Count, Nov 2023).
    freq : str, optional
        pandas frequency used to detect skipped periods among dates.

    Returns
    -------
    DataFrame, one row per period (no rows for an empty series), columns:

    - ``period``, ``value``, ``missing`` (bool);
    - ``rebase_group`` (0, 1, ...), ``segment`` (run of consecutive present points;
      -1 for missing);
    - ``mean``, ``lpl``, ``upl`` (process limits, mean +/- 2.66 x mean moving range),
      ``nlpl``, ``nupl`` (near limits at 2 sigma, mean +/- 1.7733 x mean moving range);
      the limits are NaN when the baseline has no moving range (a single point, or no
      two consecutive present points) and equal the mean when every moving range is 0;
    - ``moving_range`` (|y_i - y_(i-1)| within a segment; NaN at a segment start),
      ``moving_range_screened`` (bool: excluded from the mean moving range),
      ``mean_moving_range``;
    - ``relative_to_mean`` (-1, 0, 1), ``outside_limits``, ``close_to_limits`` (bool);
    - ``rule_outside_limits``, ``rule_trend``, ``rule_two_in_three``, ``rule_run``
      (bool: the point is part of that signal, whatever the precedence);
    - ``special_cause`` (bool), ``special_cause_type`` (the first rule met, as in
      NHSRplotthedots: ``"Above UCL"``, ``"Below LCL"``, ``"7 Point Trend (Increasing)"``,
      ``"2 in 3 Above CL"``, ``"7 Points Below CL"``, ``"Common Cause"``, ``"Missing"``);
    - ``point_type``: ``"common_cause"``, ``"special_cause_improvement"``,
      ``"special_cause_concern"``, ``"special_cause_neutral_high"``/``"_low"`` or
      ``"missing"``;
    - ``n_baseline`` (points used for the limits), ``trial`` (bool: fewer than 13);
    - ``target``, ``assurance`` (``"consistently passes"``, ``"consistently fails"``,
      ``"inconsistent"`` from the last rebase group's limits, on that group's rows;
      None without a target or for ``"neither"``);
    - ``improvement``, ``chart`` (``"xmr"``), ``method`` (text naming the limits,
      screening and rules).

    Validated against NHSRplotthedots' published tests (``tests/testthat/
    test-ptd_spc_standard.R`` snapshots, ``test-ptd_calculate_point_type.R``,
    ``test-ptd_calculate_assurance_type.R``) and ``vignettes/deviations.Rmd``.

    References
    ----------
    1. NHS England and Improvement. Making Data Count (2019, 2023).
    2. NHS-R Community. NHSRplotthedots 0.2.0, github nhs-r-community/NHSRplotthedots.
    3. Nelson LS (1982). Control charts for individual measurements. Journal of Quality
       Technology 14:172-173.
    """
    _check_common(improvement, trend_length, run_length, target)
    if baseline_points is not None and (int(baseline_points) != baseline_points
                                        or baseline_points < 2):
        raise InputError("baseline_points must be a whole number of at least 2.",
                         column="baseline_points")
    per, y, missing, group, seg, _ = _prepare(values, periods, rebase_at, freq)
    size = y.size
    mean = np.full(size, np.nan)
    amr = np.full(size, np.nan)
    mr = np.full(size, np.nan)
    screened = np.zeros(size, dtype=bool)
    n_base = np.zeros(size, dtype=int)
    for i in range(1, size):
        if seg[i] >= 0 and seg[i] == seg[i - 1]:
            mr[i] = abs(y[i] - y[i - 1])
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        present = rows[~missing[rows]]
        base = present if baseline_points is None else present[:int(baseline_points)]
        in_base = np.zeros(size, dtype=bool)
        in_base[base] = True
        base_mr = np.flatnonzero(in_base & ~np.isnan(mr))
        # an MR belongs to the baseline only if both of its points do
        base_mr = base_mr[in_base[base_mr - 1]]
        m = y[base].mean() if base.size else np.nan
        a = mr[base_mr].mean() if base_mr.size else np.nan
        # a constant baseline has mean MR 0; NHSRplotthedots would then screen every MR
        # (0 >= 0) and return missing limits, so we screen only when the mean MR is > 0
        if screen_outliers and base_mr.size and a > 0:
            drop = base_mr[mr[base_mr] >= MR_SCREEN * a]
            screened[drop] = True
            keep = base_mr[mr[base_mr] < MR_SCREEN * a]
            a = mr[keep].mean() if keep.size else np.nan
        mean[rows], amr[rows], n_base[rows] = m, a, base.size
    lpl, upl = mean - XMR_LIMIT * amr, mean + XMR_LIMIT * amr
    nlpl, nupl = mean - XMR_NEAR * amr, mean + XMR_NEAR * amr
    rules = _apply_rules(y, mean, lpl, upl, nlpl, nupl, seg, improvement=improvement,
                         trend_length=trend_length, run_length=run_length,
                         two_in_three=two_in_three,
                         count_beyond_three_sigma=count_beyond_three_sigma)
    out = pd.DataFrame({"period": per, "value": y, "missing": missing,
                        "rebase_group": group, "segment": seg, "mean": mean,
                        "lpl": lpl, "upl": upl, "nlpl": nlpl, "nupl": nupl,
                        "moving_range": mr, "moving_range_screened": screened,
                        "mean_moving_range": amr, **rules, "n_baseline": n_base,
                        "trial": n_base < TRIAL_BELOW})
    last = group == (group.max() if group.size else 0)  # an empty series has no rows
    assurance = _assurance(None if target is None else float(target), improvement,
                           lpl[last][0] if size else np.nan, upl[last][0] if size else np.nan)
    out["target"] = np.nan if target is None else float(target)
    out["assurance"] = pd.Series([assurance if lt else None for lt in last], dtype=object)
    out["improvement"] = improvement
    out["chart"] = "xmr"
    out["method"] = (
        "XmR chart, Making Data Count rules as in NHSRplotthedots 0.2.0: limits at mean "
        f"+/- 2.66 x mean moving range; {'moving ranges >= 3.267 x mean screened once' if screen_outliers else 'no screening of moving ranges'}; "
        + _rule_text(trend_length, run_length, two_in_three, count_beyond_three_sigma)
        + "; gaps split the series")
    return out


def p_chart(data: pd.DataFrame, x: str = "x", n: str = "n", period: str = "period",
            improvement: str = "increase", target: float | None = None,
            rebase_at: Sequence | None = None, trend_length: int = 7, run_length: int = 7,
            two_in_three: bool = True, count_beyond_three_sigma: bool = False,
            freq: str | None = None, freeze: int | None = None) -> pd.DataFrame:
    """p-chart for a proportion per period, with limits varying with each denominator.

    Centre = pooled proportion pbar = sum(x) / sum(n) over the present periods of each
    rebase group (or, with ``freeze``, of the baseline periods only); sigma_i =
    sqrt(pbar (1 - pbar) / n_i); process limits pbar +/- 3 sigma_i and near limits
    pbar +/- 2 sigma_i, clamped to [0, 1]. The special-cause rules of :func:`xmr` (module
    docstring) apply, with the same gap handling. A period with n = 0 or missing counts is
    a missing period.

    Parameters
    ----------
    data : DataFrame with columns ``x`` (numerator), ``n`` (denominator), ``period``.
    freeze : int, optional
        Freeze the centre line and the limits on the baseline: the first ``freeze``
        periods in period order (qicharts2's ``freeze``, "the last data point to include
        in the calculation of baseline parameters"; NHSRplotthedots' ``fix_after_n_points``
        counts points the same way when none is missing). pbar is pooled over the present
        baseline periods only, and every later period is judged against the limits
        pbar +/- 3 sqrt(pbar (1 - pbar) / n_i) at its own n_i, so a shift after the
        baseline (an action's effect) is not absorbed into the centre line. The rules run
        over the whole series against those frozen limits, as NHSRplotthedots applies them
        after ``fix_after_n_points`` (a run may start in the baseline). ``None`` (default):
        every present period forms the centre, as before. Whole number from 1 to the number
        of periods; not with ``rebase_at``. Edges: a baseline of one period gives that
        period's proportion as the centre; a baseline with pbar = 0 or 1 gives zero-width
        limits on the centre, so any later period with another proportion is outside them
        (the binomial formula: with no variation at the baseline, any variation is special);
        a baseline whose periods all have n = 0 gives no centre and no limits (NaN) for any
        period, so no point is outside a limit or on a side of the centre (only a trend,
        which needs no centre line, can still signal), without a numpy warning; a period with
        n_i = 0 is missing, before or after the baseline.
    Other parameters as :func:`xmr`.

    Returns
    -------
    DataFrame, one row per period (no rows for empty data), with the columns of
    :func:`xmr` (``value`` is the proportion x/n; ``moving_range`` columns are absent)
    plus ``x``, ``n``, ``sigma`` (binomial standard error at pbar), and ``chart`` =
    ``"p"``. ``n_baseline`` is the number of present periods the centre line is pooled
    over (with ``freeze``: the present baseline periods); ``trial`` is true when fewer than
    13 periods form the centre line. When pbar is 0 or 1 (every answer the same) sigma is 0
    and the limits equal the centre.

    Validated against: the binomial formula checked in R (``tests/r/reference_spc.R``,
    ``tests/r/reference_p_chart.csv``); with ``freeze``, the frozen-limit p-chart written
    from the formula in base R (``tests/r/reference_p_chart_freeze.R``, its CSVs; qicharts2
    is not installed where the references were computed, so its ``freeze`` is reproduced
    from the formula, not called).

    References
    ----------
    Montgomery DC. Introduction to Statistical Quality Control, p-chart with variable
    sample size.
    """
    _check_common(improvement, trend_length, run_length, target)
    for col in (x, n, period):
        if col not in data.columns:
            raise InputError(f"column {col!r} not found; columns are {list(data.columns)}.",
                             column=col)
    if freeze is not None:
        if isinstance(freeze, bool) or not isinstance(freeze, (int, np.integer)) \
                or not 1 <= int(freeze) <= len(data):
            raise InputError(f"freeze must be a whole number of periods from 1 to {len(data)} "
                             "(the baseline the limits are frozen on).", column="freeze",
                             value=str(freeze))
        if rebase_at is not None:
            raise InputError("give freeze or rebase_at, not both.", column="freeze")
    xs = pd.to_numeric(data[x], errors="coerce").to_numpy(dtype=float)
    ns = pd.to_numeric(data[n], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ns)
    if np.any(ok & ((xs < 0) | (xs > ns))):
        raise InputError("counts must satisfy 0 <= x <= n.", column=f"{x}/{n}")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(ok & (ns > 0), xs / ns, np.nan)
    per, y, missing, group, seg, order = _prepare(p, data[period], rebase_at, freq)
    xs, ns = xs[order], ns[order]
    centre = np.full(y.size, np.nan)
    n_base = np.zeros(y.size, dtype=int)
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        base = rows if freeze is None else rows[:int(freeze)]  # rows are in period order
        present = base[~missing[base]]
        centre[rows] = xs[present].sum() / ns[present].sum() if present.size else np.nan
        n_base[rows] = present.size
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.where(missing, np.nan, np.sqrt(centre * (1 - centre) / ns))
    lpl, upl = np.clip(centre - 3 * sigma, 0, 1), np.clip(centre + 3 * sigma, 0, 1)
    nlpl, nupl = np.clip(centre - 2 * sigma, 0, 1), np.clip(centre + 2 * sigma, 0, 1)
    rules = _apply_rules(y, centre, lpl, upl, nlpl, nupl, seg, improvement=improvement,
                         trend_length=trend_length, run_length=run_length,
                         two_in_three=two_in_three,
                         count_beyond_three_sigma=count_beyond_three_sigma)
    out = pd.DataFrame({"period": per, "x": xs, "n": ns, "value": y, "missing": missing,
                        "rebase_group": group, "segment": seg, "mean": centre,
                        "sigma": sigma, "lpl": lpl, "upl": upl, "nlpl": nlpl, "nupl": nupl,
                        **rules, "n_baseline": n_base, "trial": n_base < TRIAL_BELOW})
    # assurance for a p-chart compares the target with the limits at the median
    # denominator of the last group (limits vary by period, so we say which n we used)
    last = group == (group.max() if group.size else 0)  # an empty series has no rows
    present_last = last & ~missing
    if present_last.any():
        nm = float(np.median(ns[present_last]))
        c = centre[present_last][0]
        s = np.sqrt(c * (1 - c) / nm)
        a = _assurance(None if target is None else float(target), improvement,
                       *np.clip([c - 3 * s, c + 3 * s], 0.0, 1.0))
    else:
        a = None
    out["target"] = np.nan if target is None else float(target)
    out["assurance"] = pd.Series([a if lt else None for lt in last], dtype=object)
    out["improvement"] = improvement
    out["chart"] = "p"
    out["method"] = ("p-chart: centre = pooled proportion"
                     + ("" if freeze is None else f" of the first {int(freeze)} periods (frozen baseline)")
                     + "; limits centre +/- 3 sigma (near "
                     "limits 2 sigma), sigma = sqrt(p(1-p)/n) for each period's n, clamped "
                     "to [0, 1]; assurance uses the limits at the median n of the last "
                     "baseline; " + _rule_text(trend_length, run_length, two_in_three,
                                               count_beyond_three_sigma)
                     + "; gaps split the series")
    return out


# --- run charts with the Anhoej rules ------------------------------------------------------

RUN_CHART_CENTRES = ("median", "mean")


def anhoej_limits(n_useful) -> tuple[np.ndarray, np.ndarray]:
    """Anhoej's signal limits for ``n_useful`` points not on the centre line.

    Returns ``(longest_run_max, n_crossings_min)``: a run longer than
    ``round(log2(n)) + 3`` (Schilling 2012) or fewer crossings than the 5th
    percentile of Binomial(n - 1, 0.5) (Chen 2010) signals non-random variation.
    Vectorised over ``n_useful``; both are NaN where ``n_useful`` is 0.
    Validated against qicharts2 0.8.1 ``qic(chart = "run")`` (``tests/r/reference_spc_short.R``).
    """
    n = np.asarray(n_useful, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.where(n > 0, np.round(np.log2(np.maximum(n, 1))) + 3, np.nan)
        nc = np.where(n > 0, stats.binom.ppf(0.05, np.maximum(n - 1, 0), 0.5), np.nan)
    return lr, nc


def run_chart(values, periods=None, centre: str = "median", baseline_points: int | None = None,
              freq: str | None = None) -> pd.DataFrame:
    """Run chart with the Anhoej rules, for short series (fewer than 20 points).

    Parameters
    ----------
    values : array-like of float
        One value per period; missing values (NaN) are left out of the analysis.
    periods : array-like, optional
        Period labels (as :func:`xmr`); default 1..len(values). Rows are sorted by period.
    centre : {"median", "mean"}
        Centre line: the median (qicharts2's default for run charts) or the mean of the
        baseline points.
    baseline_points : int, optional
        Compute the centre from the first ``baseline_points`` present points only
        (qicharts2's ``freeze``); the runs analysis still covers every point.

    Returns
    -------
    DataFrame, one row per period:

    - ``period``, ``value``, ``missing`` (bool);
    - ``centre`` (the centre line), ``centre_method``;
    - ``relative_to_centre`` (-1 below, 0 on the line, 1 above; points on the line
      are not useful: they neither break nor extend a run);
    - ``run_id`` (the run a useful point belongs to, 0, 1, ...; -1 otherwise) and
      ``run_length`` (its length);
    - ``n_obs`` (present points), ``n_useful`` (present points off the centre line),
      ``longest_run``, ``longest_run_max``, ``n_crossings``, ``n_crossings_min``;
    - ``rule_longest_run`` (bool, same on every row: longest run > longest_run_max),
      ``rule_crossings`` (bool: crossings < n_crossings_min), ``runs_signal``
      (either rule), ``in_longest_run`` (bool: the point is part of a run longer than
      the limit);
    - ``chart`` (``"run"``), ``method`` (the rules in words).

    Notes
    -----
    Anhoej's rules (Anhoej & Olesen 2014) replace the run, trend and two-in-three
    rules for short series: their false-alarm rate stays near 5-10% whatever the
    length, where the 7-point rules' grows with it. Unlike :func:`xmr`, a gap in the
    periods does not split the series (qicharts2 does not either).

    Validated against qicharts2 0.8.1 (``qic(chart = "run")`` summary columns
    ``longest.run``, ``longest.run.max``, ``n.crossings``, ``n.crossings.min``,
    ``runs.signal``) on its own example data and on seeded series
    (``tests/r/reference_spc_short.R``).

    References
    ----------
    1. Anhoej J, Olesen AV (2014). Run charts revisited: a simulation study of run chart
       rules for detection of non-random variation in health care processes.
       PLoS ONE 9(11): e113825.
    2. Anhoej J (2015). Diagnostic value of run chart analysis. PLoS ONE 10(3): e0121349.
    3. Schilling MF (2012). The surprising predictability of long runs. Mathematics
       Magazine 85:141-149. Chen Z (2010). A note on the runs test. Model Assisted
       Statistics and Applications 5:73-77.
    """
    check_method(centre, RUN_CHART_CENTRES, "centre")
    if baseline_points is not None and (int(baseline_points) != baseline_points
                                        or baseline_points < 1):
        raise InputError("baseline_points must be a whole number of at least 1.",
                         column="baseline_points")
    per, y, missing, _, _, _ = _prepare(values, periods, None, freq)
    present = np.flatnonzero(~missing)
    base = present if baseline_points is None else present[:int(baseline_points)]
    if base.size:
        c = float(np.median(y[base]) if centre == "median" else y[base].mean())
    else:
        c = np.nan
    with np.errstate(invalid="ignore"):
        rel = np.where(missing, 0, np.sign(y - c)).astype(int)
    useful = np.flatnonzero(rel != 0)
    run_id = np.full(y.size, -1, dtype=int)
    run_len = np.zeros(y.size, dtype=int)
    if useful.size:
        signs = rel[useful]
        starts = np.r_[True, signs[1:] != signs[:-1]]
        ids = np.cumsum(starts) - 1
        lengths = np.bincount(ids)
        run_id[useful] = ids
        run_len[useful] = lengths[ids]
        longest, crossings = int(lengths.max()), int(lengths.size - 1)
    else:
        longest = crossings = 0
    lr_max, nc_min = anhoej_limits(useful.size)
    lr_max, nc_min = float(lr_max), float(nc_min)
    rule_lr = bool(useful.size and longest > lr_max)
    rule_nc = bool(useful.size and crossings < nc_min)
    out = pd.DataFrame({"period": per, "value": y, "missing": missing, "centre": c,
                        "centre_method": centre, "relative_to_centre": rel, "run_id": run_id,
                        "run_length": run_len, "n_obs": int(present.size),
                        "n_useful": int(useful.size),
                        "longest_run": longest if useful.size else np.nan,
                        "longest_run_max": lr_max,
                        # counts stay integers (missing, not NaN, without useful points)
                        "n_crossings": pd.array([crossings if useful.size else pd.NA] * len(per), dtype="Int64"),
                        "n_crossings_min": pd.array([int(nc_min) if useful.size else pd.NA] * len(per),
                                                    dtype="Int64"),
                        "rule_longest_run": rule_lr,
                        "rule_crossings": rule_nc, "runs_signal": rule_lr or rule_nc,
                        "in_longest_run": (run_len > lr_max) if useful.size else False})
    out["chart"] = "run"
    out["method"] = (f"run chart, centre = {centre}"
                     + ("" if baseline_points is None else f" of the first {int(baseline_points)} points")
                     + "; Anhoej rules: longest run > round(log2(n)) + 3 or crossings < "
                       "5th percentile of Binomial(n - 1, 0.5), n = points off the centre line "
                       "(as qicharts2)")
    return out


def laney_p_chart(data: pd.DataFrame, x: str = "x", n: str = "n", period: str = "period",
                  improvement: str = "increase", target: float | None = None,
                  screen_outliers: bool = False, trend_length: int = 7, run_length: int = 7,
                  two_in_three: bool = True, count_beyond_three_sigma: bool = False,
                  freq: str | None = None) -> pd.DataFrame:
    """Laney p' chart: a p-chart whose limits include between-period variation.

    With centre pbar = sum(x) / sum(n), sigma_i = sqrt(pbar (1 - pbar) / n_i) and
    z_i = (p_i - pbar) / sigma_i, the between-period factor is
    sigma_z = mean moving range of z (in period order) / 1.128; the limits are
    pbar +/- 3 sigma_i sigma_z (near limits 2 sigma_i sigma_z), clamped to [0, 1].
    sigma_z = 1 gives the ordinary p-chart; sigma_z > 1 says the periods vary more
    than binomial sampling explains (overdispersion), which with large denominators
    makes an ordinary p-chart flag almost every point.

    Parameters
    ----------
    data, x, n, period, improvement, target, trend_length, run_length, two_in_three,
    count_beyond_three_sigma, freq
        As :func:`p_chart`; the special-cause rules of :func:`xmr` apply to the p'
        limits.
    screen_outliers : bool, default False
        Drop moving ranges of z at or above 3.267 x their mean once (qicharts2's
        option ``qic.screenedmr``, off by default there as here).

    Returns
    -------
    The columns of :func:`p_chart` (``sigma`` is sigma_i x sigma_z, the p' standard
    error), plus ``sigma_binomial`` (sigma_i), ``z`` (z_i), ``sigma_z`` (same on every
    row) and ``chart`` = ``"laney p'"``; no rows for empty data.

    Notes
    -----
    **A gap** - a period with n = 0 or missing counts (no audits), or a skipped period -
    has no point and no limits, and the moving ranges of z are taken only between
    consecutive present periods, never across a gap: the rule of :func:`xmr`, and what
    qicharts2 does (a missing z makes the moving ranges beside it missing).
    ``sigma_z`` is NaN, and so are the limits, when there is no moving range (one
    point, or no two consecutive present periods). When pbar is 0 or 1 (every answer
    the same), sigma_i is 0 and every p_i equals pbar: z_i is taken as 0, so
    ``sigma_z`` is 0 and the limits equal the centre, as in :func:`p_chart`
    (qicharts2 gives NaN limits there, its z being 0/0).

    Validated against qicharts2 0.8.1 ``qic(chart = "pp")`` (``cl``, ``lcl``, ``ucl``)
    on its example data and on simulated overdispersed series
    (``tests/r/reference_spc_short.R``), and against Laney's formulas written in base R
    for a gap, a single point and every answer the same
    (``tests/r/reference_degenerate.R``).

    References
    ----------
    Laney DB (2002). Improved control charts for attributes. Quality Engineering
    14:531-537.
    """
    _check_common(improvement, trend_length, run_length, target)
    pc = p_chart(data, x=x, n=n, period=period, improvement=improvement, target=target,
                 trend_length=trend_length, run_length=run_length, two_in_three=two_in_three,
                 count_beyond_three_sigma=count_beyond_three_sigma, freq=freq)
    present = ~pc["missing"].to_numpy()
    xs, ns = pc["x"].to_numpy(float), pc["n"].to_numpy(float)
    pbar = xs[present].sum() / ns[present].sum() if present.any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        s_bin = np.where(present, np.sqrt(pbar * (1 - pbar) / ns), np.nan)
        # pbar 0 or 1: every p_i equals pbar and sigma_i is 0; z_i = 0 (on the centre)
        z = np.where(present, np.where(s_bin > 0, (pc["value"].to_numpy() - pbar) / s_bin, 0.0),
                     np.nan)
    # moving ranges of z between consecutive present periods only: none spans a gap
    seg = pc["segment"].to_numpy()
    same = (seg[1:] >= 0) & (seg[1:] == seg[:-1])
    mr = np.abs(np.diff(z))[same]
    amr = mr.mean() if mr.size else np.nan
    if screen_outliers and mr.size and amr > 0:
        keep = mr[mr < MR_SCREEN * amr]
        amr = keep.mean() if keep.size else np.nan
    sigma_z = amr / 1.128
    sigma = s_bin * sigma_z
    lpl, upl = np.clip(pbar - 3 * sigma, 0, 1), np.clip(pbar + 3 * sigma, 0, 1)
    nlpl, nupl = np.clip(pbar - 2 * sigma, 0, 1), np.clip(pbar + 2 * sigma, 0, 1)
    rules = _apply_rules(pc["value"].to_numpy(), np.full(len(pc), pbar), lpl, upl, nlpl, nupl,
                         seg, improvement=improvement, trend_length=trend_length,
                         run_length=run_length, two_in_three=two_in_three,
                         count_beyond_three_sigma=count_beyond_three_sigma)
    out = pc.drop(columns=list(rules) + ["target", "assurance", "improvement", "chart", "method"])
    out["mean"], out["sigma"] = pbar, sigma
    out["lpl"], out["upl"], out["nlpl"], out["nupl"] = lpl, upl, nlpl, nupl
    for k, v in rules.items():
        out[k] = v
    out["sigma_binomial"], out["z"], out["sigma_z"] = s_bin, z, sigma_z
    if present.any() and np.isfinite(sigma_z):
        s = np.sqrt(pbar * (1 - pbar) / float(np.median(ns[present]))) * sigma_z
        a = _assurance(None if target is None else float(target), improvement,
                       *np.clip([pbar - 3 * s, pbar + 3 * s], 0.0, 1.0))
    else:
        a = None
    out["target"] = np.nan if target is None else float(target)
    out["assurance"] = a
    out["improvement"] = improvement
    out["chart"] = "laney p'"
    out["method"] = ("Laney p' chart: centre = pooled proportion; limits centre +/- 3 sigma_i "
                     "sigma_z, sigma_i = sqrt(p(1-p)/n_i), sigma_z = mean moving range of the "
                     "z-scores / 1.128 (no moving range spans a gap)"
                     + (" (moving ranges >= 3.267 x mean screened once)" if screen_outliers else "")
                     + "; clamped to [0, 1]; " + _rule_text(trend_length, run_length,
                                                            two_in_three, count_beyond_three_sigma))
    return out
