"""Ordinal grades (1 to n; 1 = best unless ``best="highest"``, the profile's ``grade_best``):
distributions, collapses, two-sample comparisons, trends.

Grades are ordinal, so comparisons use rank and proportional-odds methods and
never a test for unordered categories. A grade scale has any number of grades
(Kent's four, a council's own three or six): the grades and their labels are the
cycle's scale's (:func:`kentaudit.inputs.reference.grade_labels`), never a fixed 1-4.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import proportion_confint

from kentaudit.core.errors import KentauditError
from kentaudit.core.methods import check_conf_level, check_method
from kentaudit.inputs import reference

__all__ = ["BEST", "CI_METHODS", "TREND_METHODS", "best_first", "grade_series", "grade_distribution",
           "collapse_grades", "compare_grades", "trend_test", "scale_labels", "collapse_rules"]

#: the grades of the bundled default scale (``ofsted_2009``), used only where neither a scale
#: nor a cycle says which scale the grades are on; every analysis passes its cycle's scale
GRADES = (1, 2, 3, 4)
#: which end of the scale is best (the profile's ``grade_best``): ``lowest`` (grade 1, Kent's
#: Outstanding) or ``highest``
BEST = ("lowest", "highest")
#: interval methods passed to statsmodels ``proportion_confint`` (closed set)
CI_METHODS = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys",
              "agresti-coull": "agresti_coull"}
TREND_METHODS = ("cochran_armitage", "linear_by_linear")


def grade_series(x, grade: str, grades=None) -> pd.Series:
    """Grades as a nullable Int64 Series, each one of ``grades`` (the scale's grades 1 to n;
    default :data:`GRADES`, the bundled default scale's)."""
    grades = tuple(GRADES if grades is None else grades)
    if isinstance(x, pd.DataFrame):
        if grade not in x.columns:
            raise KentauditError(f"the audits have no column {grade!r}.")
        s = x[grade]
    else:
        s = pd.Series(x)
    try:
        s = pd.to_numeric(s, errors="raise").astype("Float64")
    except (ValueError, TypeError):
        raise KentauditError(f"grades in {grade!r} must be whole numbers 1-{max(grades)} "
                             "(or missing).") from None
    bad = s.dropna()
    bad = bad[~bad.isin(grades)]
    if not bad.empty:
        raise KentauditError(f"grade {bad.iloc[0]!r} in {grade!r} is not one of "
                             f"{', '.join(str(g) for g in grades)} (the grade scale's grades).")
    return s.astype("Int64")


def scale_labels(scale: str | None = None, audits: pd.DataFrame | None = None) -> dict[int, str]:
    """``{grade: label}`` of the grades 1 to n the audits are graded on, in order.

    ``scale`` (the cycle's ``grade_scale``, a bundled scale or a profile's) names it; without
    one, the scales in force for the audits' ``cycle`` values, a grade's labels joined by
    " / " when the audits span two eras (and a grade only one scale has keeping that one's
    label); without either, the bundled default scale (``ofsted_2009``).
    """
    if scale is not None:
        return dict(sorted(reference.grade_labels(scale).items()))
    if audits is not None and "cycle" in audits.columns and audits["cycle"].notna().any():
        scales = sorted({reference.scale_for_cycle(c) for c in audits["cycle"].dropna().astype(str).unique()})
        maps = [reference.grade_labels(s) for s in scales]
        grades = sorted(set().union(*maps))
        return {g: " / ".join(dict.fromkeys(m[g] for m in maps if g in m)) for g in grades}
    return dict(sorted(reference.grade_labels("ofsted_2009").items()))


def _labels_for(df: pd.DataFrame | None, scale: str | None) -> dict[int, str]:
    return scale_labels(scale, df)


def collapse_rules(labels: dict[int, str], best: str = "lowest") -> list[tuple[str, str, tuple[int, ...]]]:
    """The two collapses of a scale of n grades: ``(code, definition, grades)``.

    ``best`` (the profile's ``grade_best``) says which end is best; below, "grade 1" is the best
    grade where the lowest is best (default), and the half counts from grade n where the
    highest is ("grade 4 or 3 (good or better)", "grade 1 (inadequate)").

    - ``good_or_better``: the better half of the scale, grades 1 to n // 2 (at least grade
      1): on a four-point scale grades 1 and 2 (Outstanding or Good), on a three-point one
      grade 1 (Good), on a six-point one grades 1 to 3;
    - ``inadequate``: the worst grade, n.

    The definitions name the grades and their labels ("grade 1 or 2 (good or better)",
    "grade 4 (inadequate)"), so a reader sees the rule on the cycle's own scale.
    """
    grades = best_first(labels, best)
    n = len(grades)
    k = max(1, n // 2)
    good = tuple(grades[:k])
    lab = str(labels[good[-1]]).lower()
    if k == 1:
        good_words = f"grade {good[0]} ({lab})"
    elif k == 2:
        good_words = f"grade {good[0]} or {good[1]} ({lab} or better)"
    else:
        good_words = f"grades {good[0]} to {good[-1]} ({lab} or better)"
    worst = grades[-1]
    return [("good_or_better", good_words, good),
            ("inadequate", f"grade {worst} ({str(labels[worst]).lower()})", (worst,))]


def _ci(count, nobs, conf_level, method):
    count = np.asarray(count, float)
    nobs = np.asarray(nobs, float)
    lo = np.full(count.shape, np.nan)
    hi = np.full(count.shape, np.nan)
    ok = nobs > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(count[ok], nobs[ok], alpha=1 - conf_level,
                                            method=CI_METHODS[method])
    return lo, hi


def _groups(audits, by, grade: str):
    """(key, group) pairs; each group holds only the columns read from it (the
    grade and ``cycle``), not a copy of every column of the audits."""
    if by is None:
        return [((), audits)]
    by = [by] if isinstance(by, str) else list(by)
    missing = [b for b in by if b not in audits.columns]
    if missing:
        raise KentauditError(f"the audits have no column(s) {missing} to group by.")
    if grade not in audits.columns:
        raise KentauditError(f"the audits have no column {grade!r}.")
    cols = list(dict.fromkeys([*by, grade, *(["cycle"] if "cycle" in audits.columns else [])]))
    return [((k,) if not isinstance(k, tuple) else k, g)
            for k, g in audits[cols].groupby(by, sort=True, dropna=False)]


def _with_proportions(out: pd.DataFrame, conf_level: float, method: str) -> pd.DataFrame:
    """Add ``estimate`` = n / n_graded with its interval, method and level."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out["estimate"] = np.where(out["n_graded"] > 0, out["n"] / out["n_graded"].clip(lower=1), np.nan)
    out["conf_low"], out["conf_high"] = _ci(out["n"], out["n_graded"], conf_level, method)
    out["method"] = method
    out["conf_level"] = conf_level
    return out


def grade_distribution(audits: pd.DataFrame, by=None, grade: str = "overall_grade",
                       conf_level: float = 0.95, method: str = "wilson",
                       scale: str | None = None) -> pd.DataFrame:
    """Number and proportion of audits at each grade, with intervals.

    Parameters
    ----------
    audits : DataFrame
        Audits (one row each) with the ``grade`` column (Int64, 1 to n, 1 best).
    by : str or list of str, optional
        Columns to group by (e.g. ``"district"`` or ``["cycle", "district"]``).
    grade : str
        Grade column (``overall_grade`` or a ``grade_<domain>`` column).
    conf_level : float
        Confidence level of the intervals.
    method : {"wilson", "clopper-pearson", "jeffreys", "agresti-coull"}
        Interval for each proportion (statsmodels ``proportion_confint``).
    scale : str, optional
        The grade scale (its grades and labels; :func:`scale_labels`); by default from the
        ``cycle`` column, with both labels joined by " / " when a group spans two scales.

    Returns
    -------
    DataFrame, one row per group and grade 1 to n of the scale, with the ``by`` columns then

    - ``grade`` (int 1 to n) and ``label`` (the scale's label);
    - ``n``: audits at that grade;
    - ``n_graded``: audits with a grade (the denominator);
    - ``n_missing``: audits in the group with no grade (not in the denominator);
    - ``estimate``: n / n_graded (NaN if nothing graded);
    - ``conf_low``, ``conf_high``: interval for the proportion;
    - ``method``, ``conf_level``.

    Notes
    -----
    Validated against R ``prop.test(n, n_graded, correct = FALSE)$conf.int``
    (Wilson) in ``tests/r/reference_more.R``.
    """
    check_method(method, CI_METHODS)
    conf_level = check_conf_level(conf_level)
    rows = []
    bycols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for key, g in _groups(audits, by, grade):
        labels = _labels_for(g, scale)
        s = grade_series(g, grade, tuple(labels))
        n_missing = int(s.isna().sum())
        n_graded = int(s.notna().sum())
        counts = s.dropna().astype(int).value_counts()
        for gr in labels:
            rows.append({**dict(zip(bycols, key)), "grade": gr, "label": labels[gr],
                         "n": int(counts.get(gr, 0)), "n_graded": n_graded, "n_missing": n_missing})
    out = pd.DataFrame(rows)
    return _with_proportions(out, conf_level, method)


def collapse_grades(audits: pd.DataFrame, by=None, grade: str = "overall_grade",
                    conf_level: float = 0.95, method: str = "wilson",
                    scale: str | None = None, best: str = "lowest") -> pd.DataFrame:
    """Share of audits "good or better" (the better half of the scale) and "inadequate" (its
    worst grade): grades 1-2 and 4 on a four-point scale (:func:`collapse_rules`).

    ``scale``: the cycle's grade scale (as :func:`grade_distribution`); by default from the
    ``cycle`` column, else the bundled default scale. ``best`` (the profile's ``grade_best``)
    says which end of the scale is best: ``highest`` makes the better half the highest grades
    and "inadequate" grade 1.

    Returns
    -------
    DataFrame, two rows per group, with the ``by`` columns then

    - ``collapse``: ``"good_or_better"`` (grades 1 to n // 2) or ``"inadequate"`` (grade n);
    - ``definition``: the rule in words, on the scale's grades and labels;
    - ``n``: audits meeting the rule; ``n_graded``: denominator; ``n_missing``;
    - ``estimate``, ``conf_low``, ``conf_high``, ``method``, ``conf_level``.

    Notes
    -----
    Validated against R ``prop.test(correct = FALSE)`` (Wilson) in
    ``tests/r/reference_more.R``.
    """
    check_method(method, CI_METHODS)
    check_method(best, BEST, "best")
    conf_level = check_conf_level(conf_level)
    bycols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    rows = []
    for key, g in _groups(audits, by, grade):
        labels = _labels_for(g, scale)
        s = grade_series(g, grade, tuple(labels))
        graded = s.dropna().astype(int)
        base = {**dict(zip(bycols, key)), "n_graded": int(len(graded)), "n_missing": int(s.isna().sum())}
        for code, words, members in collapse_rules(labels, best):
            rows.append({**base, "collapse": code, "definition": words,
                         "n": int(graded.isin(members).sum())})
    out = pd.DataFrame(rows)
    out = out[bycols + ["collapse", "definition", "n", "n_graded", "n_missing"]]
    return _with_proportions(out, conf_level, method)


def best_first(grades, best: str = "lowest") -> list:
    """The grades from the best to the worst: ascending where the lowest grade is best (Kent's
    1 = Outstanding), descending where the highest is (``best``: the profile's ``grade_best``)."""
    check_method(best, BEST, "best")
    return sorted(grades, reverse=best == "highest")


def compare_grades(a, b, grade: str = "overall_grade", conf_level: float = 0.95,
                   correction: bool = True, names: tuple[str, str] = ("a", "b"),
                   scale: str | None = None, best: str = "lowest") -> pd.DataFrame:
    """Compare the grades of two independent samples (rank test and proportional odds).

    Parameters
    ----------
    a, b : DataFrame or array-like
        The two samples: audits (the ``grade`` column is used) or grades 1-4.
        Missing grades are dropped and counted.
    grade : str
        Grade column when ``a``/``b`` are DataFrames.
    conf_level : float
        Confidence level of the odds-ratio interval.
    correction : bool
        Continuity correction of the rank-sum normal approximation (R's
        ``wilcox.test(correct = TRUE)`` default).
    names : (str, str)
        Names of the samples for the output.
    scale : str, optional
        The grade scale the grades are on (any number of grades, 1 to n): every grade must be
        one of its grades. By default the scale of the audits' ``cycle`` (DataFrames), else
        the bundled default scale.
    best : {"lowest", "highest"}
        Which end of the scale is best (the profile's ``grade_best``). "Worse" below means
        a higher number where the lowest grade is best (default), a lower number where the
        highest is: the grades are then compared negated, so every estimate keeps its
        orientation (above 0.5 or 1: sample b has worse grades).

    Returns
    -------
    DataFrame with two rows (``test`` = "Wilcoxon-Mann-Whitney rank-sum",
    "proportional odds (cumulative logit)") and columns

    - ``sample_a``, ``sample_b``, ``n_graded_a``, ``n_graded_b`` (audits with a grade),
      ``n_missing_a``, ``n_missing_b``;
    - ``test``, ``method`` (how the p-value or interval was computed);
    - ``statistic``: U of sample b (number of pairs where b's grade is worse,
      plus half the ties; R's W for ``wilcox.test(b, a)``), or the log odds ratio;
    - ``p_value``: two-sided (normal approximation with tie correction; Wald for the model);
    - ``estimate``: probability of superiority P(b worse) + P(tie)/2, or the common odds ratio;
    - ``conf_low``, ``conf_high``: Wald interval of the odds ratio (NaN for the rank test);
    - ``rank_biserial``: 2 * estimate - 1 for the rank test (NaN for the model);
    - ``se``: SE of the log odds ratio (model row);
    - ``direction``: how to read the estimate;
    - ``note``: empty, or ``"not testable: <reason>"`` (a sample with no graded
      audit, or every audit with the same grade for the model): then the
      statistic, p-value and estimate are missing;
    - ``conf_level``.

    Notes
    -----
    Both estimates are oriented the same way: above 0.5 (rank test) or 1
    (odds ratio) means sample b has **worse** grades (higher numbers) than a.
    The model is logit P(grade <= j) = theta_j - beta * [sample b], fitted
    by maximum likelihood with statsmodels ``OrderedModel(distr="logit")``;
    the odds ratio exp(beta) is the odds of a worse grade in b relative to a
    at every cut-point (the proportional-odds assumption).

    Validated against R ``wilcox.test(b, a, correct = TRUE, exact = FALSE)``
    and ``MASS::polr(grade ~ sample, method = "logistic", Hess = TRUE)``
    (coefficient and SE; Wald interval from them) in ``tests/r/reference_more.R`` (four
    grades) and ``tests/r/reference_grades_any.R`` (three and six grades).

    References
    ----------
    1. McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42:109-142.
    2. Kerby, D. S. (2014). The simple difference formula: an approach to teaching
       nonparametric correlation. Comprehensive Psychology 3:11.IT.3.1.
    """
    conf_level = check_conf_level(conf_level)
    check_method(best, BEST, "best")
    ga = grade_series(a, grade, tuple(_labels_for(a if isinstance(a, pd.DataFrame) else None, scale)))
    gb = grade_series(b, grade, tuple(_labels_for(b if isinstance(b, pd.DataFrame) else None, scale)))
    xa, xb = ga.dropna().astype(int).to_numpy(), gb.dropna().astype(int).to_numpy()
    if best == "highest":  # worse = lower-numbered: negated, worse is again the larger value
        xa, xb = -xa, -xb
    numbered = "higher-numbered" if best == "lowest" else "lower-numbered"
    base = {"sample_a": names[0], "sample_b": names[1], "n_graded_a": len(xa), "n_graded_b": len(xb),
            "n_missing_a": int(ga.isna().sum()), "n_missing_b": int(gb.isna().sum())}
    if len(xa) == 0 or len(xb) == 0:
        # a district with no audits, or no graded audits, is a result, not an error
        empty = [nm for nm, x in zip(names, (xa, xb)) if len(x) == 0]
        note = f"not testable: no graded audit in {' or '.join(empty)}"
        nan = float("nan")
        out = pd.DataFrame([{**base, "test": t, "method": "", "statistic": nan, "p_value": nan,
                             "estimate": nan, "conf_low": nan, "conf_high": nan, "rank_biserial": nan,
                             "se": nan, "direction": "", "note": note}
                            for t in ("Wilcoxon-Mann-Whitney rank-sum",
                                      "proportional odds (cumulative logit)")])
        out["conf_level"] = conf_level
        return out
    mw = stats.mannwhitneyu(xb, xa, use_continuity=correction, alternative="two-sided",
                            method="asymptotic")
    ps = float(mw.statistic) / (len(xa) * len(xb))
    rows = [{**base, "test": "Wilcoxon-Mann-Whitney rank-sum",
             "method": "normal approximation with tie correction" + (", continuity correction" if correction else ""),
             "statistic": float(mw.statistic), "p_value": float(mw.pvalue), "estimate": ps,
             "conf_low": np.nan, "conf_high": np.nan, "rank_biserial": 2 * ps - 1, "se": np.nan,
             "direction": f"estimate = P({names[1]} worse than {names[0]}) + P(tie)/2; > 0.5 means {names[1]} has worse grades",
             "note": ""}]

    y = np.concatenate([xa, xb])
    levels = sorted(set(y))
    row = {**base, "test": "proportional odds (cumulative logit)",
           "method": "statsmodels OrderedModel(distr='logit'), ML; Wald interval and test",
           "rank_biserial": np.nan,
           "direction": f"odds ratio > 1 means {names[1]} has worse ({numbered}) grades than {names[0]}",
           "note": ""}
    if len(levels) < 2:
        rows.append({**row, "statistic": np.nan, "p_value": np.nan, "estimate": np.nan, "conf_low": np.nan,
                     "conf_high": np.nan, "se": np.nan,
                     "method": row["method"] + "; not fitted: every audit has the same grade",
                     "note": "not testable: every audit has the same grade"})
    else:
        # count first: one row per (sample, grade) present, weighted by its audits
        cells = pd.DataFrame({"b": np.r_[np.zeros(len(xa)), np.ones(len(xb))], "grade": y}) \
            .value_counts(sort=False).sort_index().reset_index(name="n")
        endog = pd.Series(pd.Categorical(cells["grade"], categories=levels, ordered=True))
        mod = _CountedOrderedModel(endog, cells[["b"]], distr="logit", freq=cells["n"].to_numpy())
        with warnings.catch_warnings():
            # scipy's BFGS often reports "precision loss" at gtol=1e-10 after reaching the
            # optimum; convergence is judged below by the score (gradient) instead
            warnings.simplefilter("ignore")
            res = mod.fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-10)
        grad = float(np.max(np.abs(mod.score(np.asarray(res.params)))))
        if not np.isfinite(grad) or grad > 1e-6 * len(y):
            row["method"] += "; WARNING: the optimiser did not report convergence"
            warnings.warn("proportional-odds fit did not converge; the odds ratio may be inaccurate",
                          RuntimeWarning, stacklevel=2)
        # Newton polish with the exact gradient and Hessian: the optimum to machine
        # precision, so the estimate and its SE do not depend on the BFGS path (which
        # varies in the last digits with the BLAS kernel) or on a numerical Hessian
        ths = np.asarray(mod.transform_threshold_params(np.asarray(res.params)))[1:-1]
        beta, se = _polish_cumulative_logit(cells["b"].to_numpy(float),
                                            np.searchsorted(levels, cells["grade"].to_numpy()),
                                            cells["n"].to_numpy(float), len(levels),
                                            float(res.params["b"]), ths)
        z = stats.norm.ppf(0.5 + conf_level / 2)
        rows.append({**row, "statistic": beta, "p_value": float(2 * stats.norm.sf(abs(beta / se))),
                     "estimate": float(np.exp(beta)), "conf_low": float(np.exp(beta - z * se)),
                     "conf_high": float(np.exp(beta + z * se)), "se": se})
    out = pd.DataFrame(rows)
    out["conf_level"] = conf_level
    return out


def _polish_cumulative_logit(x, j, n, k, beta, thresholds, iterations: int = 50):
    """Newton-Raphson for logit P(Y <= c) = theta_c - beta x on counted cells, from a start.

    ``x`` the 0/1 covariate, ``j`` the 0-based grade index and ``n`` the count of
    each cell, ``k`` grades. Exact gradient and Hessian of
    sum n log(F(eta_j) - F(eta_{j-1})), eta_c = theta_c - beta x (F logistic,
    eta_0 = -inf, eta_k = +inf); iterates until the step is below 1e-15
    (relative). Returns (beta, SE of beta from the inverse observed information).
    """
    F = special.expit
    q = k  # parameters: theta_1..theta_{k-1}, beta

    def derivs(par):
        th, b = par[:-1], par[-1]
        g = np.zeros(q)
        H = np.zeros((q, q))
        for xi, ji, ni in zip(x, j, n):
            up, lo = (ji < k - 1), (ji > 0)
            eu = th[ji] - b * xi if up else np.inf
            el = th[ji - 1] - b * xi if lo else -np.inf
            Fu, Fl = (F(eu) if up else 1.0), (F(el) if lo else 0.0)
            fu, fl = Fu * (1 - Fu), Fl * (1 - Fl)
            dfu, dfl = fu * (1 - 2 * Fu), fl * (1 - 2 * Fl)
            pi = Fu - Fl
            d = np.zeros(q)
            d2 = np.zeros((q, q))
            if up:
                d[ji] += fu
                d2[ji, ji] += dfu
                d2[ji, -1] -= xi * dfu
                d2[-1, ji] -= xi * dfu
            if lo:
                d[ji - 1] -= fl
                d2[ji - 1, ji - 1] -= dfl
                d2[ji - 1, -1] += xi * dfl
                d2[-1, ji - 1] += xi * dfl
            d[-1] = -xi * (fu - fl)
            d2[-1, -1] = xi * xi * (dfu - dfl)
            g += ni * d / pi
            H += ni * (d2 / pi - np.outer(d, d) / pi ** 2)
        return g, H

    par = np.append(np.asarray(thresholds, float), beta)
    for _ in range(iterations):
        g, H = derivs(par)
        step = np.linalg.solve(H, g)
        par = par - step
        if np.max(np.abs(step) / np.maximum(1.0, np.abs(par))) < 1e-15:
            break
    g, H = derivs(par)
    cov = np.linalg.inv(-H)
    return float(par[-1]), float(np.sqrt(cov[-1, -1]))


class _CountedOrderedModel(OrderedModel):
    """statsmodels ``OrderedModel`` over counted rows (frequency weights ``freq``).

    Written here because OrderedModel takes no weights: the log-likelihood is
    the count-weighted sum of ``loglikeobs`` (and the start values use the
    weighted grade frequencies), which is exactly the log-likelihood of the
    model with one row per audit, so the estimates and the (numerical)
    Hessian are those of that model; the cost depends on the number of
    distinct (sample, grade) rows, at most twice the scale's grades, not on the audits.
    """

    def __init__(self, endog, exog, *, freq, **kw):
        super().__init__(endog, exog, **kw)
        self.freq = np.asarray(freq, dtype=float)

    def loglike(self, params):
        return float(np.sum(self.freq * self.loglikeobs(params)))

    @property
    def start_params(self):
        p = np.bincount(self.endog, weights=self.freq) / self.freq.sum()
        start = self.transform_reverse_threshold_params(self.distr.ppf(np.clip(p.cumsum(), 0, 1)))
        return np.concatenate((np.zeros(self.k_vars), start))


def trend_test(events, totals, scores=None, method: str = "cochran_armitage", labels=None) -> pd.DataFrame:
    """Test for a linear trend in a proportion over ordered cycles.

    Parameters
    ----------
    events : array-like of int
        Number of audits with the outcome (e.g. "good or better") in each cycle.
    totals : array-like of int
        Number of audits (the denominator) in each cycle.
    scores : array-like of float, optional
        Scores of the ordered cycles (default 1, 2, ..., k; R's default).
    method : {"cochran_armitage", "linear_by_linear"}
        ``cochran_armitage``: chi-square = T = [sum x_i (s_i - s_bar)]^2 /
        [p (1 - p) sum n_i (s_i - s_bar)^2], as R ``prop.trend.test``.
        ``linear_by_linear``: M^2 = (N - 1) r^2 (Agresti 2013, section 3.4.6),
        = T (N - 1) / N, computed by statsmodels
        ``Table.test_ordinal_association``.
    labels : array-like, optional
        Names of the cycles, recorded in ``cycles``.

    Returns
    -------
    One-row DataFrame: ``test``, ``method``, ``statistic`` (chi-square, 1 df),
    ``df``, ``p_value`` (two-sided), ``z`` (signed: > 0 means the proportion
    rises with the score), ``n_cycles``, ``n``, ``scores``, ``cycles``.

    Notes
    -----
    The two statistics differ by the factor (N - 1)/N (statsmodels issue
    8404): ``prop.trend.test`` (and Armitage 1955) use the binomial variance
    p(1-p), the linear-by-linear test the conditional (hypergeometric) one.
    Cochran-Armitage is written here because statsmodels does not offer it.
    Validated against R ``prop.trend.test`` and against ``coin::lbl_test``
    and the formula (N - 1) r^2 in ``tests/r/reference_more.R``.
    """
    check_method(method, TREND_METHODS)
    x = np.asarray(events, float)
    n = np.asarray(totals, float)
    if x.ndim != 1 or x.shape != n.shape or len(x) < 2:
        raise KentauditError("events and totals must be equal-length 1-D counts for at least 2 cycles.")
    if (n <= 0).any() or (x < 0).any() or (x > n).any():
        raise KentauditError("each cycle needs totals > 0 and 0 <= events <= totals.")
    s = np.arange(1, len(x) + 1, dtype=float) if scores is None else np.asarray(scores, float)
    if s.shape != x.shape:
        raise KentauditError("scores must have one value per cycle.")
    N = n.sum()
    p = x.sum() / N
    sbar = (n * s).sum() / N
    num = (x * (s - sbar)).sum()
    if p in (0.0, 1.0) or ((s - sbar) ** 2 * n).sum() == 0:
        stat = np.nan
        z = np.nan
    elif method == "cochran_armitage":
        # hand-written: no maintained Python library implements prop.trend.test's form
        var = p * (1 - p) * (n * (s - sbar) ** 2).sum()
        z = num / np.sqrt(var)
        stat = z ** 2
    else:
        tab = np.column_stack([x, n - x])
        res = Table(tab).test_ordinal_association(row_scores=s, col_scores=np.array([1.0, 0.0]))
        z = float(res.zscore)
        stat = z ** 2
    name = {"cochran_armitage": "Cochran-Armitage trend test",
            "linear_by_linear": "linear-by-linear association test"}[method]
    # in words for a reader of the caption; the parity with R prop.trend.test and statsmodels
    # Table.test_ordinal_association is stated in docs/results.md and tested
    how = {"cochran_armitage": "chi-square statistic using the binomial variance of the pooled proportion",
           "linear_by_linear": "chi-square statistic: one less than the number of files, times the squared "
                               "correlation of the scores with the answers"}[method]
    return pd.DataFrame([{
        "test": name, "method": how, "statistic": stat, "df": 1,
        "p_value": float(stats.chi2.sf(stat, 1)) if np.isfinite(stat) else np.nan,
        "z": z, "n_cycles": len(x), "n": int(N),
        "scores": ",".join(f"{v:g}" for v in s),
        "cycles": ",".join(map(str, labels)) if labels is not None else ",".join(f"{v:g}" for v in s),
    }])
