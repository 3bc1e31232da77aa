"""Funnel plots for proportions: control limits, overdispersion and flags.

A funnel plot shows each unit's proportion (for example a district's compliance
with one criterion) against its denominator, with control limits around a
target that narrow as the denominator grows (Spiegelhalter, 2005). This module
computes the numbers; :func:`kentaudit.report.charts.plot_funnel` draws them.

Three closed sets of names are used here:

- ``method`` (the limits): ``"binomial-interpolated"`` (default; exact binomial
  with Spiegelhalter's interpolation), ``"normal"`` (normal approximation; the
  UKHSA/PHE funnel in PHEindicatormethods) and ``"arcsine"`` (variance-stabilised
  arcsine square-root scale; FunnelPlotR's method for proportions).
- ``winsorise_method``: ``"order-statistic"`` (default; Spiegelhalter's rule) or
  ``"quantile"`` (FunnelPlotR's rule). See :func:`winsorise`.
- ``adjust_rule``: ``"significant"`` (default; Spiegelhalter's rule) or
  ``"phi>1"`` (FunnelPlotR's rule). See :func:`funnel_table`.

Nothing is rounded here.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_method

__all__ = [
    "LIMIT_METHODS",
    "WINSORISE_METHODS",
    "ADJUST_RULES",
    "OVERDISPERSION_POLICIES",
    "funnel_limits",
    "poisson_ratio_limits",
    "winsorise",
    "dispersion_test",
    "funnel_table",
    "not_testable_table",
    "level_label",
]

LIMIT_METHODS = ("binomial-interpolated", "normal", "arcsine")
WINSORISE_METHODS = ("order-statistic", "quantile")
ADJUST_RULES = ("significant", "phi>1")
OVERDISPERSION_POLICIES = ("none", "auto", "always")

_METHOD_TEXT = {
    "binomial-interpolated": "exact binomial limits with Spiegelhalter's interpolation",
    "normal": "normal-approximation limits",
    "arcsine": "arcsine square-root limits",
}


def level_label(conf_level: float) -> str:
    """Column-name fragment for a confidence level: 0.95 -> ``"95"``, 0.998 -> ``"99_8"``."""
    return f"{100 * float(conf_level):.10g}".replace(".", "_")


def _check_levels(conf_levels) -> tuple[float, ...]:
    levels = tuple(float(c) for c in np.atleast_1d(conf_levels))
    if not levels:
        raise InputError("conf_levels is empty; give at least one level such as 0.95.",
                         column="conf_levels")
    for c in levels:
        if not 0 < c < 1:
            raise InputError(f"confidence level {c!r} is not strictly between 0 and 1; "
                             "give levels as fractions such as 0.95 and 0.998.",
                             column="conf_levels", value=c)
    return levels


def _check_target(target) -> float:
    t = float(target)
    if not 0 < t < 1:
        raise InputError(f"target {t!r} is not strictly between 0 and 1; give the target as "
                         "a proportion (0.8 for 80%).", column="target", value=target)
    return t


def _binomial_interpolated(n: np.ndarray, p0: float, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Spiegelhalter's interpolated binomial quantiles (written from the formula).

    Lower: r = qbinom(tail, n, p0), a = (P(R <= r) - tail) / P(R = r), limit (r - a) / n.
    Upper: r = qbinom(1 - tail, n, p0), a = (P(R <= r) - (1 - tail)) / P(R = r),
    limit (r + 1 - a) / n, as in Spiegelhalter's own code (gmp26/funnel, R/funnel4.R,
    ``qbinom.interp``). Some reimplementations use (r - a) / n for the upper tail, which
    is exactly 1/n lower; we follow Spiegelhalter so that the limits are symmetric about
    0.5 (upper(p0) = 1 - lower(1 - p0)). scipy has no interpolated quantile, hence this
    small function; ``binom.ppf`` returns the smallest r with P(R <= r) >= q, as R's qbinom.
    """
    dist = stats.binom(n, p0)
    r_lo = dist.ppf(tail)
    a_lo = (dist.cdf(r_lo) - tail) / dist.pmf(r_lo)
    lower = (r_lo - a_lo) / n
    r_hi = dist.ppf(1 - tail)
    a_hi = (dist.cdf(r_hi) - (1 - tail)) / dist.pmf(r_hi)
    upper = (r_hi + 1 - a_hi) / n
    return lower, upper


def funnel_limits(n, target: float, conf_levels: Sequence[float] = (0.95, 0.998),
                  method: str = "binomial-interpolated", tau2: float = 0.0) -> pd.DataFrame:
    """Funnel-plot control limits for a proportion, vectorised over denominators.

    Parameters
    ----------
    n : int or array-like of int
        Denominators (number of applicable files). Must be positive whole numbers.
    target : float
        Target proportion p0, strictly between 0 and 1.
    conf_levels : sequence of float, default (0.95, 0.998)
        Two-sided coverage of each pair of limits (tail probability (1 - level)/2;
        z = 1.959964 at 95% and 3.090232 at 99.8%).
    method : {"binomial-interpolated", "normal", "arcsine"}
        - ``"binomial-interpolated"``: exact binomial quantiles with Spiegelhalter's
          interpolation (see Notes). Only ``tau2 = 0`` is allowed: random-effects limits
          are normal on the proportion scale, so pass ``method="normal"`` with ``tau2``.
        - ``"normal"``: p0 +/- z sqrt(p0 (1 - p0) / n + tau2).
        - ``"arcsine"``: sin(T +/- z sqrt(1 / (4 n) + tau2))^2 with T = asin(sqrt(p0));
          the angle is clamped to [0, pi/2] before squaring (FunnelPlotR squares the
          sine of a negative angle, which folds a limit below 0 back above 0).
    tau2 : float, default 0
        Additive between-unit variance on the method's scale (random-effects limits).

    Returns
    -------
    DataFrame, one row per (n, conf_level), columns:

    - ``n``: the denominator;
    - ``target``: p0;
    - ``conf_level``: coverage of the limits;
    - ``z``: standard normal quantile for the level;
    - ``limit_low``, ``limit_high``: the limits as proportions, clamped to [0, 1];
    - ``method``: the method name; ``tau2``: the tau-squared used.

    Notes
    -----
    Interpolated binomial limits: with tail probability p, r_p = qbinom(p, n, p0) and
    alpha = (P(R <= r_p) - p) / P(R = r_p); lower = (r_p - alpha) / n. The upper limit
    takes r_p = qbinom(1 - p, n, p0), alpha = (P(R <= r_p) - (1 - p)) / P(R = r_p) and
    upper = (r_p + 1 - alpha) / n (Spiegelhalter's ``funnel4``; chosen over the
    (r_p - alpha)/n form of some reimplementations because it makes the limits
    symmetric: upper(n, p0) = 1 - lower(n, 1 - p0)).

    Validated against: values computed in R 4.2 from the same formulas
    (``tests/r/reference_funnel.R``), the funnel4-form values in Spiegelhalter's
    formula (target 0.2, n = 50: 0.084405, 0.327094 at 95%), and the UKHSA/PHE test data
    in PHEindicatormethods (``tests/testthat/testdata_funnel_prop_outputs.csv``) for the
    normal method.

    References
    ----------
    1. Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
       Statistics in Medicine 24:1185-1202.
    2. Spiegelhalter's ``funnel4`` R code (2016), github gmp26/funnel, ``R/funnel4.R``.
    3. FunnelPlotR (NHS-R Community), github nhs-r-community/FunnelPlotR.
    4. UKHSA/PHE PHEindicatormethods, github ukhsa-collaboration/PHEindicatormethods.

    Examples
    --------
    >>> funnel_limits([50, 100], 0.2)[["n", "conf_level", "limit_low", "limit_high"]]  # doctest: +SKIP
    """
    method = check_method(method, LIMIT_METHODS)
    p0 = _check_target(target)
    levels = _check_levels(conf_levels)
    tau2 = float(tau2)
    if not np.isfinite(tau2) or tau2 < 0:
        raise InputError(f"tau2 must be a finite number >= 0, got {tau2!r}.", column="tau2")
    if method == "binomial-interpolated" and tau2 > 0:
        raise InputError("random-effects limits are not defined for "
                         "method='binomial-interpolated'; use method='normal' with tau2 "
                         "(funnel_table does this and records it).", column="tau2")
    n_arr = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(~np.isfinite(n_arr)) or np.any(n_arr <= 0) or np.any(n_arr != np.round(n_arr)):
        raise InputError("denominators must be positive whole numbers; remove units with "
                         "no applicable files before computing limits.", column="n")
    rows = []
    for c in levels:
        tail = (1 - c) / 2
        z = stats.norm.ppf(1 - tail)
        if method == "binomial-interpolated":
            lo, up = _binomial_interpolated(n_arr, p0, tail)
        elif method == "normal":
            se = np.sqrt(p0 * (1 - p0) / n_arr + tau2)
            lo, up = p0 - z * se, p0 + z * se
        else:  # arcsine
            t = np.arcsin(np.sqrt(p0))
            se = np.sqrt(1 / (4 * n_arr) + tau2)
            lo = np.sin(np.clip(t - z * se, 0, np.pi / 2)) ** 2
            up = np.sin(np.clip(t + z * se, 0, np.pi / 2)) ** 2
        rows.append(pd.DataFrame({
            "n": n_arr, "target": p0, "conf_level": c, "z": z,
            "limit_low": np.clip(lo, 0.0, 1.0), "limit_high": np.clip(up, 0.0, 1.0),
            "method": method, "tau2": tau2,
        }))
    return pd.concat(rows, ignore_index=True)


def poisson_ratio_limits(expected, target: float = 1.0,
                         conf_levels: Sequence[float] = (0.95, 0.998)) -> pd.DataFrame:
    """Exact Poisson funnel limits for a standardised ratio (observed / expected).

    Lower = target * chi2.ppf(p, 2E) / (2E); upper = target * chi2.ppf(1 - p, 2(E + 1)) / (2E),
    with tail probability p = (1 - level) / 2 and E the expected count.

    Returns
    -------
    DataFrame, one row per (expected, conf_level): ``expected``, ``target``,
    ``conf_level``, ``limit_low``, ``limit_high``, ``method`` (``"poisson-exact"``).

    Validated against FunnelPlotR's ``tests/testthat/test-poisson_limits.R`` (expected 15,
    20, 30 at target 1) and R's ``qchisq`` (``tests/r/reference_funnel.R``).
    """
    levels = _check_levels(conf_levels)
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise InputError("expected counts must be positive.", column="expected")
    rows = []
    for c in levels:
        tail = (1 - c) / 2
        rows.append(pd.DataFrame({
            "expected": e, "target": float(target), "conf_level": c,
            "limit_low": target * stats.chi2.ppf(tail, 2 * e) / (2 * e),
            "limit_high": target * stats.chi2.ppf(1 - tail, 2 * (e + 1)) / (2 * e),
            "method": "poisson-exact",
        }))
    return pd.concat(rows, ignore_index=True)


def winsorise(z, fraction: float = 0.1, method: str = "order-statistic") -> np.ndarray:
    """Winsorise z-scores at ``fraction`` in each tail.

    Parameters
    ----------
    z : array-like of float
    fraction : float in [0, 0.5)
    method : {"order-statistic", "quantile"}
        - ``"order-statistic"`` (default; Spiegelhalter 2005 and his ``funnel4``):
          with I scores and k = floor(I * fraction) + 1, scores below the k-th smallest
          are set to it and scores above the k-th largest are set to that. For 12 units
          at 10% this pulls in exactly the most extreme unit at each end.
        - ``"quantile"`` (FunnelPlotR): scores are clipped to R's type-7 quantiles at
          ``fraction`` and ``1 - fraction`` (numpy's default ``linear`` quantile). For 12
          units at 10% this moves the two most extreme units at each end, to a value
          between the 2nd and 3rd order statistics.

    Returns
    -------
    ndarray of winsorised scores in the input order.
    """
    method = check_method(method, WINSORISE_METHODS, "winsorise_method")
    z = np.asarray(z, dtype=float)
    if not 0 <= fraction < 0.5:
        raise InputError(f"winsorise fraction must be in [0, 0.5), got {fraction!r}.",
                         column="winsorise")
    if z.size == 0:
        return z.copy()
    if method == "quantile":
        lo, hi = np.quantile(z, [fraction, 1 - fraction])  # type-7 = numpy "linear"
    else:
        k = int(np.floor(round(z.size * fraction, 9))) + 1  # round: 0.1 * 30 != 3 in floats
        s = np.sort(z)
        lo, hi = s[k - 1], s[z.size - k]
    return np.clip(z, lo, hi)


def _scale(method: str, p: np.ndarray, n: np.ndarray, p0: float):
    """Scores, standard errors and scale name for the overdispersion calculation."""
    if method == "arcsine":
        y = np.arcsin(np.sqrt(p)) - np.arcsin(np.sqrt(p0))
        s = 1 / (2 * np.sqrt(n))
        return y / s, s, "arcsine"
    s = np.sqrt(p0 * (1 - p0) / n)
    return (p - p0) / s, s, "identity"


def dispersion_test(x, n, target: float, method: str = "binomial-interpolated",
                    winsorise_fraction: float = 0.1,
                    winsorise_method: str = "order-statistic") -> pd.DataFrame:
    """Dispersion ratio phi, its chi-square test and DerSimonian-Laird tau-squared.

    z-scores are on the scale of the limits ``method``: the identity scale,
    z = (p - p0) / sqrt(p0 (1 - p0) / n), for ``"binomial-interpolated"`` and ``"normal"``;
    the arcsine scale, z = (asin sqrt p - asin sqrt p0) / (1 / (2 sqrt n)), for ``"arcsine"``.
    They are winsorised (:func:`winsorise`), phi = mean(z_w^2), and I phi is referred to
    chi-square with I degrees of freedom (I = number of units; Spiegelhalter 2005 sec. 3).
    tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)) with w = 1/s^2.

    Returns
    -------
    One-row DataFrame: ``n_units`` (I), ``scale``, ``phi``, ``statistic`` (I phi),
    ``df``, ``p_value`` (upper tail), ``tau2``, ``winsorise``, ``winsorise_method``,
    ``test`` (``"chi-square dispersion test"``), ``method``.

    Validated against R (``tests/r/reference_funnel.R``, dispersion CSV) for both
    winsorisation rules on both scales.
    """
    return _dispersion(x, n, target, method, winsorise_fraction, winsorise_method)[0]


def _dispersion(x, n, target, method, winsorise_fraction, winsorise_method):
    method = check_method(method, LIMIT_METHODS)
    check_method(winsorise_method, WINSORISE_METHODS, "winsorise_method")
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    p0 = _check_target(target)
    z, s, scale = _scale(method, x / n, n, p0)
    zw = winsorise(z, winsorise_fraction, winsorise_method)
    i = z.size
    phi = float(np.mean(zw ** 2)) if i else np.nan
    w = 1 / s ** 2
    denom = w.sum() - (w ** 2).sum() / w.sum() if i else np.nan
    tau2 = max(0.0, (i * phi - (i - 1)) / denom) if i > 1 and denom > 0 else 0.0
    return pd.DataFrame([{
        "n_units": i, "scale": scale, "phi": phi, "statistic": i * phi, "df": i,
        "p_value": float(stats.chi2.sf(i * phi, i)) if i else np.nan,
        "tau2": float(tau2), "winsorise": float(winsorise_fraction),
        "winsorise_method": winsorise_method, "test": "chi-square dispersion test",
        "method": method,
    }]), z, zw


def _flag(p, lower, upper):
    return np.where(p > upper, "above", np.where(p < lower, "below", "within"))


def _describe(out: pd.DataFrame, *, adjusted, limits_method, method, overdispersion, adjust_rule,
              alpha, winsorise, winsorise_method, dispersion_centre, test, levels, note) -> None:
    """The columns that describe the method (the same on every row), in their published order."""
    out["adjusted"] = adjusted
    out["limits_method"] = limits_method
    out["method"] = method
    out["overdispersion"] = overdispersion
    out["adjust_rule"] = adjust_rule
    out["alpha"] = float(alpha)
    out["winsorise"] = float(winsorise)
    out["winsorise_method"] = winsorise_method
    out["dispersion_centre"] = dispersion_centre
    out["test"] = test
    out["conf_levels"] = ";".join(f"{c:g}" for c in levels)
    out["note"] = note


def _not_testable(df, unit, p0, source, method, levels, overdispersion, adjust_rule, alpha,
                  winsorise, winsorise_method, dispersion_centre, note, dropped=()):
    """Funnel rows for units that cannot be compared: every limit, score and flag missing."""
    out = df.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["p"] = np.where(out["n"] > 0, out["x"] / out["n"].where(out["n"] > 0, 1), np.nan)
    out["target"] = p0
    out["target_source"] = source
    out["z"] = np.nan
    out["z_winsorised"] = np.nan
    out["dispersion_centre"] = dispersion_centre
    for c in levels:
        lab = level_label(c)
        out[f"limit_low_{lab}"] = np.nan
        out[f"limit_high_{lab}"] = np.nan
        out[f"flag_{lab}"] = "not testable"
    for col in ("phi", "phi_statistic", "phi_p_value", "tau2"):
        out[col] = np.nan
    out["phi_df"] = len(out)
    _describe(out, adjusted=False, limits_method=method, method=method, overdispersion=overdispersion,
              adjust_rule=adjust_rule, alpha=alpha, winsorise=winsorise,
              winsorise_method=winsorise_method, dispersion_centre=dispersion_centre,
              test="chi-square dispersion test", levels=levels, note=note)
    cols = [unit, "x", "n", "p", "target", "target_source", "z", "z_winsorised"]
    for c in levels:
        lab = level_label(c)
        cols += [f"limit_low_{lab}", f"limit_high_{lab}", f"flag_{lab}"]
    cols += ["phi", "phi_statistic", "phi_df", "phi_p_value", "tau2", "adjusted", "limits_method",
             "method", "overdispersion", "adjust_rule", "alpha", "winsorise", "winsorise_method",
             "dispersion_centre", "test", "conf_levels", "note"]
    out = out[cols].rename(columns={"x": "n_yes", "n": "n_denominator", "p": "estimate"})
    out.attrs["dropped_units"] = list(dropped)
    out.attrs["unit"] = unit
    out.attrs["method_text"] = _METHOD_TEXT[method]
    out.attrs["not_testable"] = True
    return out


def not_testable_table(counts_df: pd.DataFrame, reason: str, x: str = "n_yes",
                       n: str = "n_denominator", unit: str = "district", target="overall",
                       method: str = "binomial-interpolated",
                       conf_levels: Sequence[float] = (0.95, 0.998)) -> pd.DataFrame:
    """A :func:`funnel_table` for units that cannot be compared (e.g. fewer than two
    units with answers): the same columns, flags ``"not testable"``, limits, z-scores
    and dispersion missing, and ``note`` = ``reason`` (which should start
    ``"not testable: "``)."""
    levels = _check_levels(conf_levels)
    df = counts_df[[unit, x, n]].copy()
    df.columns = [unit, "x", "n"]
    xs, ns = df["x"].to_numpy(float), df["n"].to_numpy(float)
    p0 = (xs.sum() / ns.sum() if ns.sum() > 0 else np.nan) if isinstance(target, str) else float(target)
    return _not_testable(df, unit, p0, "overall" if isinstance(target, str) else "standard",
                         method, levels, "auto", "significant", 0.05, 0.1, "order-statistic",
                         "overall", reason)


def funnel_table(counts_df: pd.DataFrame, x: str = "n_yes", n: str = "n_denominator",
                 unit: str = "district", target="overall",
                 method: str = "binomial-interpolated",
                 conf_levels: Sequence[float] = (0.95, 0.998),
                 overdispersion: str = "auto", adjust_rule: str = "significant",
                 alpha: float = 0.05, winsorise: float = 0.1,
                 winsorise_method: str = "order-statistic",
                 dispersion_centre: str = "overall") -> pd.DataFrame:
    """Funnel-plot table: each unit's proportion, z-score, limits and flags.

    Parameters
    ----------
    counts_df : DataFrame
        One row per unit with the numerator ``x`` (files meeting the criterion) and the
        denominator ``n`` (applicable files: yes + no). Units with n = 0 are dropped and
        listed in the ``dropped_units`` attribute (``result.attrs``).
    x, n, unit : str
        Column names.
    target : "overall" or float
        ``"overall"`` = the pooled proportion sum(x) / sum(n) (the authority-wide
        figure); a float is a set audit standard such as 0.8.
    method : {"binomial-interpolated", "normal", "arcsine"}
        Limits method, see :func:`funnel_limits`.
    conf_levels : default (0.95, 0.998)
    overdispersion : {"none", "auto", "always"}
        Policy for drawing random-effects (overdispersion-adjusted) limits. phi, its
        p-value and tau2 are always computed and reported.

        - ``"none"``: never adjust.
        - ``"auto"`` (default): adjust when ``adjust_rule`` holds and tau2 > 0.
        - ``"always"``: adjust whenever tau2 > 0 (tau2 = 0 leaves the limits unchanged).
    adjust_rule : {"significant", "phi>1"}
        ``"significant"`` (default, Spiegelhalter 2005): adjust only when the chi-square
        dispersion test is significant at ``alpha``. ``"phi>1"`` (FunnelPlotR): adjust
        whenever phi > 1.
    alpha : float, default 0.05
    winsorise : float, default 0.1
        Fraction winsorised in each tail before computing phi.
    winsorise_method : {"order-statistic", "quantile"}
        See :func:`kentaudit.stats.funnel.winsorise`.
    dispersion_centre : {"overall", "target"}
        Where the z-scores for phi are centred. ``"overall"`` (default): the pooled
        proportion, so that phi measures spread between units and not their distance
        from an audit standard (with a standard of 80% and every district near 64%,
        z-scores around the standard would make phi large and the adjusted limits would
        absorb the whole shortfall). ``"target"``: centred on the target, as in
        Spiegelhalter's own code. The two coincide when ``target="overall"``. The
        ``z`` column is always relative to the target.

    Returns
    -------
    DataFrame, one row per unit, columns:

    - ``<unit>``, ``n_yes``, ``n_denominator``: the unit and its counts (the columns
      ``x`` and ``n`` of ``counts_df``), integers;
    - ``estimate``: n_yes / n_denominator; ``target``: p0; ``target_source``: ``"overall"`` or ``"standard"``;
    - ``z``: z-score against the target on the overdispersion scale (see
      :func:`dispersion_test`); ``z_winsorised``: the winsorised score used for phi
      (centred as ``dispersion_centre`` says); ``dispersion_centre``;
    - for each level L (label ``95``, ``99_8``): ``limit_low_L``, ``limit_high_L`` (control limits
      actually used, adjusted or not) and ``flag_L`` (``"above"``, ``"below"`` or
      ``"within"``; a point exactly on a limit is within);
    - ``phi``, ``phi_statistic``, ``phi_df``, ``phi_p_value``, ``tau2``: the
      dispersion result (the same on every row);
    - ``adjusted`` (bool): whether random-effects limits were used;
    - ``limits_method``: the method of the limits used (``"normal"`` when adjusted
      binomial-interpolated limits were requested, since random-effects limits are
      normal on the proportion scale); ``method``: the method requested;
    - ``overdispersion``, ``adjust_rule``, ``alpha``, ``winsorise``,
      ``winsorise_method``, ``test`` (``"chi-square dispersion test"``) and
      ``conf_levels`` (text such as ``"0.95;0.998"``);
    - ``note``: empty, or why something is missing. When every applicable answer
      is the same (0% or 100% compliance) and the target is the overall
      proportion, nothing can be compared: each row's flags say
      ``"not testable"``, its limits and z are missing, and the note says why
      (no error is raised, so a cycle with such a criterion completes). Against
      a set standard the limits still exist, but phi cannot be estimated (it is
      missing and the limits are not adjusted).

    Validated against: R (``tests/r/reference_funnel.R``) for limits, phi, p-value,
    tau2 and the adjusted limits; published limits cited in ``tests/stats/test_funnel.py``.

    References
    ----------
    1. Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators.
       Quality and Safety in Health Care 14:347-351.
    2. Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
       Statistics in Medicine 24:1185-1202.
    """
    method = check_method(method, LIMIT_METHODS)
    check_method(overdispersion, OVERDISPERSION_POLICIES, "overdispersion")
    check_method(adjust_rule, ADJUST_RULES, "adjust_rule")
    check_method(winsorise_method, WINSORISE_METHODS, "winsorise_method")
    levels = _check_levels(conf_levels)
    for col in (x, n, unit):
        if col not in counts_df.columns:
            raise InputError(f"column {col!r} not found; columns are {list(counts_df.columns)}.",
                             column=col)
    df = counts_df[[unit, x, n]].copy()
    df.columns = [unit, "x", "n"]
    if df[["x", "n"]].isna().any().any():
        raise InputError("missing counts; give 0 rather than missing for units with no files.",
                         column=f"{x}/{n}")
    xs = df["x"].to_numpy(dtype=float)
    ns = df["n"].to_numpy(dtype=float)
    if np.any(xs < 0) or np.any(xs > ns) or np.any(xs != np.round(xs)) or np.any(ns != np.round(ns)):
        raise InputError("counts must be whole numbers with 0 <= x <= n.", column=f"{x}/{n}")
    dropped = df.loc[ns == 0, unit].tolist()
    df = df.loc[ns > 0].reset_index(drop=True)
    if len(df) == 0:
        raise InputError("no unit has a positive denominator.", column=n)
    xs, ns = df["x"].to_numpy(dtype=float), df["n"].to_numpy(dtype=float)
    if isinstance(target, str):
        check_method(target, ("overall",), "target")
        p0, source = xs.sum() / ns.sum(), "overall"
    else:
        p0, source = _check_target(target), "standard"
    check_method(dispersion_centre, ("overall", "target"), "dispersion_centre")
    note = ""
    if not 0 < p0 < 1:
        # every applicable answer the same: limits around 0% or 100% are degenerate
        return _not_testable(df, unit, p0, source, method, levels, overdispersion, adjust_rule,
                             alpha, winsorise, winsorise_method, dispersion_centre,
                             f"not testable: every applicable answer is {'Y' if p0 == 1 else 'N'} "
                             f"({100 * p0:.0f}% compliance in every {unit}), so there is no "
                             "variation to compare and the limits are degenerate", dropped)
    centre = xs.sum() / ns.sum() if dispersion_centre == "overall" else p0
    z = _scale(method, xs / ns, ns, p0)[0]
    if 0 < centre < 1:
        disp, _, zw = _dispersion(xs, ns, centre, method, winsorise, winsorise_method)
        d = disp.iloc[0]
    else:  # every answer the same, against a set standard: limits fine, no dispersion
        zw = np.full(len(xs), np.nan)
        d = pd.Series({"phi": np.nan, "statistic": np.nan, "df": len(xs), "p_value": np.nan,
                       "tau2": 0.0, "test": "chi-square dispersion test"})
        note = (f"overdispersion not estimable: every applicable answer is "
                f"{'Y' if centre == 1 else 'N'}; limits not adjusted")
    rule_holds = bool((d["p_value"] < alpha) if adjust_rule == "significant" else (d["phi"] > 1))
    adjusted = bool(d["tau2"] > 0 and (overdispersion == "always"
                                       or (overdispersion == "auto" and rule_holds)))
    tau2 = float(d["tau2"]) if adjusted else 0.0
    limits_method = "normal" if adjusted and method == "binomial-interpolated" else method
    lim = funnel_limits(ns, p0, levels, limits_method, tau2)
    out = df.copy()
    out["p"] = xs / ns
    out["target"] = p0
    out["target_source"] = source
    out["z"] = z
    out["z_winsorised"] = zw
    for c in levels:
        part = lim[lim["conf_level"] == c]
        lab = level_label(c)
        out[f"limit_low_{lab}"] = part["limit_low"].to_numpy()
        out[f"limit_high_{lab}"] = part["limit_high"].to_numpy()
        out[f"flag_{lab}"] = _flag(out["p"].to_numpy(), out[f"limit_low_{lab}"].to_numpy(),
                                   out[f"limit_high_{lab}"].to_numpy())
    out["phi"] = d["phi"]
    out["phi_statistic"] = d["statistic"]
    out["phi_df"] = int(d["df"])
    out["phi_p_value"] = d["p_value"]
    out["tau2"] = d["tau2"]
    _describe(out, adjusted=adjusted, limits_method=limits_method, method=method,
              overdispersion=overdispersion, adjust_rule=adjust_rule, alpha=alpha, winsorise=winsorise,
              winsorise_method=winsorise_method, dispersion_centre=dispersion_centre, test=d["test"],
              levels=levels, note=note)
    # the library's vocabulary: counts and the proportion as in every compliance table
    out = out.rename(columns={"x": "n_yes", "n": "n_denominator", "p": "estimate"})
    out.attrs["dropped_units"] = dropped
    out.attrs["unit"] = unit
    out.attrs["method_text"] = _METHOD_TEXT[limits_method]
    return out
