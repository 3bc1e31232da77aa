"""Design-based estimates for a sample stratified by district.

statsmodels has no survey-design module, so the estimator of a proportion
from a stratified simple random sample without replacement (weights
N_h / n_h, finite population correction 1 - n_h / N_h) is written out here.
Every formula reproduces R's ``survey`` package (Lumley 2004, version 4.1):
``svydesign(ids = ~1, strata = ~district, fpc = ~N)``, a domain ``subset``
to the applicable answers, ``svymean(deff = TRUE)`` and ``svyciprop``.
Because the estimate depends on the data only through the stratum counts
(n_h sampled, m_h applicable, y_h yes), it is computed from counts.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_conf_level, check_method
from kentaudit.inputs.reference import districts
from kentaudit.stats.proportions import criterion_counts

__all__ = ["SURVEY_METHODS", "AUTHORITY_DESIGN", "authority_design", "authority_proportion", "authority_strata",
           "stratified_logit_many", "stratified_proportion"]

#: Closed set of interval methods, named as in ``survey::svyciprop``.
SURVEY_METHODS = ("logit", "likelihood", "beta", "mean", "xlogit", "asin")

#: the weights and finite population correction in words (N_h/n_h and 1 - n_h/N_h in the
#: docstrings; a reader of a caption reads words, not symbols)
WEIGHTS_WORDS = ("each file weighted by its stratum's population divided by the files sampled from it, "
                 "with the finite population correction (one minus the share of the stratum sampled)")
DESIGN = f"stratified simple random sample without replacement ({WEIGHTS_WORDS})"


def _populations(counts: pd.DataFrame, strata: str, population) -> np.ndarray:
    keys = counts[strata]
    if population is None:
        if strata != "district":
            raise InputError(f"give population= (stratum sizes) for strata={strata!r}")
        population = districts().set_index("district")["children_on_plans"]
    if isinstance(population, str):
        if population not in counts.columns:
            raise InputError(f"population column {population!r} is not in the data", column=population)
        return counts[population].to_numpy(dtype=np.float64)
    mapping = dict(population) if isinstance(population, Mapping) else pd.Series(population).to_dict()
    missing = sorted({str(k) for k in keys if k not in mapping})
    if missing:
        raise InputError(f"no population size for {strata} {', '.join(missing)}; "
                         "add them to population=", column=strata)
    return np.array([float(mapping[k]) for k in keys])


def _stratum_counts(data: pd.DataFrame, strata: str, population, criteria) -> pd.DataFrame:
    if strata not in data.columns:
        raise InputError(f"strata column {strata!r} is not in the data", column=strata)
    if {"n_yes", "n_denominator", "n_audits", "criterion"} <= set(data.columns):
        counts = data.copy()
        if criteria is not None:
            wanted = [c[2:] if str(c).startswith("c_") else c for c in
                      ([criteria] if isinstance(criteria, str) else criteria)]
            counts = counts[counts["criterion"].isin(wanted)]
    else:
        extra = [population] if isinstance(population, str) else []
        counts = criterion_counts(data, by=[strata, *extra], criteria=criteria)
    counts = counts.copy()
    counts["_N"] = _populations(counts, strata, population)
    if counts[strata].isna().any():
        raise InputError(f"some rows have no {strata}; every sampled file needs a stratum", column=strata)
    dup = counts.duplicated(["criterion", strata])
    if dup.any():
        raise InputError(f"{strata} {counts.loc[dup, strata].iloc[0]!r} has two population sizes "
                         "or appears twice in the counts", column=strata)
    return counts


def _profile_interval(p: float, v: float, t: float, dispersion: float) -> tuple[float, float]:
    """Root of the scaled binomial profile likelihood, as ``svyciprop(method="likelihood")``.

    survey's ``confint.svyglm(method = "likelihood")`` keeps the logit values
    b where the signed root of the quasi-binomial deviance difference,
    sqrt(2 W KL(p, expit b) / D), stays within |t| sqrt(lambda), where W is the
    sum of the (mean-one) weights, D the Pearson dispersion and
    lambda = Var_design(b) / Var_model(b) = Var(p) W / (p (1 - p)). So the
    limits solve KL(p, q) = t^2 D Var(p) / (2 p (1 - p)), with
    KL(p, q) = p log(p / q) + (1 - p) log((1 - p) / (1 - q)).
    R approximates the root by a spline through a profile evaluated on a grid
    of at most ten steps each side, so R's limits differ from the exact root
    by up to about 1e-3 (relative) in small domains (10 files) and 1e-5 in
    larger ones; the tests use rel 1e-3 for this method and say why.
    """
    target = t * t * dispersion * v / (2 * p * (1 - p))

    def f(q):
        return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)) - target

    lo = optimize.brentq(f, 1e-300, p, xtol=1e-15, rtol=1e-14)
    hi = optimize.brentq(f, p, 1 - 1e-16, xtol=1e-15, rtol=1e-14)
    return lo, hi


#: the design of :func:`authority_proportion`, in words (Lohr 2022, sections 3.2 and 6.1)
def authority_design(certainty: str = "initial", random: str = "extended", unit: str = "district") -> str:
    """The design of :func:`authority_proportion` in words, naming its two samples and the
    unit of its strata (the profile's samples and word: nothing of one authority's design)."""
    return (f"stratified by {unit} and sample: the cases chosen on purpose ({certainty}) a certainty "
            f"stratum taken in full in each {unit} (weight 1, no sampling error), the random sample "
            f"({random}) a simple random sample without replacement of the rest of the {unit}'s frame "
            f"({WEIGHTS_WORDS}); covers every child in the frame")


#: the design of :func:`authority_proportion` with its default samples (kept for 0.1 callers)
AUTHORITY_DESIGN = authority_design()


def authority_strata(audits: pd.DataFrame, frame, certainty: str = "initial",
                     random: str = "extended", district: str = "district"):
    """The audits of the authority-wide design with a ``stratum`` column and stratum sizes.

    Parameters
    ----------
    audits : DataFrame
        Audits with ``sample`` and ``district``; rows of other samples are ignored.
    frame : mapping or Series
        Children in the frame per district (``children_on_plans``).
    certainty, random : str
        The sample taken in full (the initial high-risk cases) and the random
        sample drawn from the rest of the frame (the extended sample).

    Returns
    -------
    (DataFrame, dict)
        The selected audits with ``stratum`` = ``"<district>: <sample>"``, and
        the stratum sizes: n_h for a certainty stratum (N_h = n_h), the district
        frame less its certainty cases for the random stratum.
    """
    frame = pd.Series(frame, dtype=float)
    keep = audits["sample"].isin([certainty, random]).to_numpy(dtype=bool)
    # every row of the design already (as the analyses pass them): the frame, not a copy of it
    sel = audits if keep.all() else audits[keep]
    cnt = sel.groupby([district, "sample"], observed=True).size()
    sizes = {}
    for (d, smp), n in cnt.items():
        key = f"{d}: {smp}"
        if smp == certainty:
            sizes[key] = float(n)
        else:
            if d not in frame.index:
                raise InputError(f"no frame size for {district} {d!r}", column=district, value=d)
            sizes[key] = float(frame[d] - cnt.get((d, certainty), 0))
    # "<district>: <sample>" once per stratum, a category whose codes are the rows' (not a
    # string a row: at 1,000,000 audits an object array of labels and its Arrow copy were
    # about 40 MiB at the peak). The categories in text order, as the labels sort as text.
    grouped = sel.groupby([district, "sample"], observed=True, sort=True, dropna=False)
    labels = [f"{d}: {smp}" for d, smp in grouped.size().index]
    order = sorted(set(labels))
    lut = np.array([order.index(lab) for lab in labels] + [-1], dtype=np.int32)
    codes = lut[grouped.ngroup().to_numpy()]  # -1 (no group) indexes the last slot, missing
    return sel.assign(stratum=pd.Categorical.from_codes(codes, categories=order)), sizes


def authority_proportion(audits: pd.DataFrame, frame, criteria=None, certainty: str = "initial",
                         random: str = "extended", method: str = "logit",
                         conf_level: float = 0.95) -> pd.DataFrame:
    """Authority-wide compliance from the initial cases taken in full plus the random sample.

    The initial high-risk cases were chosen, not sampled: they are a certainty
    stratum in each district (every such case audited; weight 1, no sampling
    variance). The extended sample is a simple random sample of the rest of
    each district's frame (weight (N_d - n_initial,d) / n_extended,d). Together
    they cover every child in the frame (1,360 in the Kent default), so the
    estimate is of the whole authority. Computed by
    :func:`stratified_proportion` with strata district x sample.

    Returns
    -------
    The columns of :func:`stratified_proportion`, with ``design`` =
    :data:`AUTHORITY_DESIGN` and ``population`` the whole frame.

    Notes
    -----
    Validated against R ``survey::svydesign(ids = ~1, strata = ~stratum,
    fpc = ~N)`` and ``svyciprop`` (``tests/r/reference_edge.R``). A certainty
    stratum contributes its total without error (FPC 0), as Lohr (2022,
    Sampling: Design and Analysis, 3rd ed., section 3.2 on strata sampled in
    full) describes.
    """
    sel, sizes = authority_strata(audits, frame, certainty, random)
    out = stratified_proportion(sel, strata="stratum", population=sizes, criteria=criteria,
                                method=method, conf_level=conf_level)
    out["design"] = authority_design(certainty, random)
    return out


def stratified_proportion(data: pd.DataFrame, strata: str = "district", population=None,
                          criteria: Sequence[str] | None = None, method: str = "logit",
                          conf_level: float = 0.95) -> pd.DataFrame:
    """Authority-wide proportion from a stratified sample, with FPC.

    Parameters
    ----------
    data : DataFrame
        Either audits in the wide form of :mod:`kentaudit.inputs.schema`, or a counts
        frame from :func:`kentaudit.stats.proportions.criterion_counts` grouped by
        ``strata`` (columns ``criterion``, ``n_yes``, ``n_denominator``,
        ``n_audits``).
    strata : str
        Stratum column (default ``"district"``).
    population : mapping, Series, str or None
        Stratum sizes N_h: a mapping/Series from stratum to N_h, or the name of
        a column of ``data`` holding N_h. ``None`` with ``strata="district"``
        uses ``reference.districts()["children_on_plans"]``.
    criteria : list of str, optional
        Criterion ids or column names; default all.
    method : {"logit", "likelihood", "beta", "mean", "xlogit", "asin"}
        Interval method, as ``survey::svyciprop``.
    conf_level : float
        Two-sided confidence level.

    Returns
    -------
    DataFrame
        One row per criterion, with columns

        * ``criterion``;
        * ``estimate`` - sum_h N_h y_h / n_h divided by sum_h N_h m_h / n_h
          (y_h yes, m_h applicable, n_h sampled in stratum h);
        * ``se`` - linearisation standard error with FPC (``SE(svymean)``);
        * ``deff`` - design effect against a simple random sample of the same
          size without replacement (``deff(svymean(..., deff = TRUE))``);
        * ``df`` - degrees of freedom, applicable answers minus strata with
          any (``degf`` of the domain design);
        * ``conf_low``, ``conf_high``;
        * ``n_sampled``, ``n_denominator``, ``n_strata``, ``population`` (sum N_h),
          ``population_applicable`` (estimated N of the domain);
        * ``method``, ``conf_level``, ``design`` and ``note`` (empty, or why
          an interval is not available).

    Raises
    ------
    InputError
        If a stratum lacks a size or holds more files than its size.

    Notes
    -----
    Files answered "NA" (not applicable) or left blank are outside the domain
    (``subset(design, !is.na(y))`` in R): they keep their place in n_h and the
    FPC, but contribute zero to the estimating equation, so the variance is
    the domain variance. With h strata, z_hi = (N_h / n_h)(y_hi - p) / N_d
    for applicable files and 0 otherwise, and
    Var(p) = sum_h (1 - n_h/N_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)^2.
    Intervals, with t the Student quantile on ``df`` degrees of freedom:
    ``mean`` p +/- t SE; ``logit`` and ``xlogit`` expit(logit p +/- t SE / (p(1-p)))
    (identical for an intercept-only model); ``asin`` sin^2(asin sqrt(p) +/-
    t SE / (2 sqrt(p(1-p)))), the angle clipped to [0, pi/2]; ``beta`` the
    Korn-Graubard interval with effective n = p(1-p)/Var times
    (t_{n-1} / t_df)^2; ``likelihood`` the scaled profile likelihood (see
    ``_profile_interval``). When every applicable answer is the same the
    design variance is zero and only ``mean`` gives an interval (of zero
    width); for the other methods the row gives NaN limits and says so (use
    :func:`kentaudit.stats.proportions.proportion_ci` for a binomial interval).

    A stratum with a single sampled file out of several has no variance of its own; as
    R's survey with ``options(survey.lonely.psu = "adjust")``, its file is centred at the
    overall mean, and ``note`` names the stratum (``tests/r/reference_lonely.R``).

    Validated against R 4.2 with survey 4.1 (``tests/r/reference_core.R``),
    to rel 1e-6 (``likelihood``: 1e-3, see above; ``asin`` where R's angle
    leaves [0, pi/2] and wraps round, which kentaudit clips instead).

    References
    ----------
    1. Lumley T (2004). Analysis of complex survey samples. Journal of
       Statistical Software 9(8).
    2. Cochran WG (1977). Sampling Techniques, 3rd ed., ch. 5. Wiley.
    3. Korn EL, Graubard BI (1998). Survey Methodology 24:193-201.
    """
    check_method(method, SURVEY_METHODS)
    conf_level = check_conf_level(conf_level)
    counts = _stratum_counts(data, strata, population, criteria)
    alpha = 1 - conf_level
    rows = []
    for crit, g in counts.groupby("criterion", sort=False):
        n = g["n_audits"].to_numpy(np.float64)
        m = g["n_denominator"].to_numpy(np.float64)
        y = g["n_yes"].to_numpy(np.float64)
        N = g["_N"].to_numpy(np.float64)
        if np.any(n > N):
            bad = g.loc[n > N, strata].iloc[0]
            raise InputError(f"stratum {bad!r} has more sampled files than its population size",
                             column=strata, value=bad)
        # a stratum with one sampled file out of several has no variance of its own: as R's
        # survey with options(survey.lonely.psu = "adjust"), its file is centred at the
        # overall mean (zero for these estimating equations), and the note says so
        lonely = (n == 1) & (N > 1)
        lonely_names = [str(v) for v in g.loc[lonely, strata]]
        keep = n > 0
        lonely = lonely[keep]
        n, m, y, N = n[keep], m[keep], y[keep], N[keep]
        m_tot = m.sum()
        h_dom = int((m > 0).sum())
        row = {"criterion": crit, "estimate": np.nan, "se": np.nan, "deff": np.nan,
               "df": m_tot - h_dom, "conf_low": np.nan, "conf_high": np.nan,
               "n_sampled": int(n.sum()), "n_denominator": int(m_tot), "n_strata": int(keep.sum()),
               "population": float(N.sum()), "population_applicable": np.nan,
               "method": method, "conf_level": float(conf_level), "design": DESIGN, "note": ""}
        if m_tot == 0:
            row["note"] = "no applicable answers: proportion undefined"
            rows.append(row)
            continue
        w = N / n
        n_dom = float(np.sum(w * m))
        p = float(np.sum(w * y) / n_dom)
        c = w / n_dom
        sz2 = c * c * (y * (1 - p) ** 2 + (m - y) * p * p)
        sz = c * (y - m * p)
        with np.errstate(divide="ignore", invalid="ignore"):
            ss = np.where(n > 1, (sz2 - sz * sz / n) * n / (n - 1), 0.0)
        ss = np.where(lonely, sz2, ss)
        var = float(np.sum((1 - n / N) * ss))
        se = np.sqrt(var)
        df = m_tot - h_dom
        row.update(estimate=p, se=se, population_applicable=n_dom)
        if lonely_names:
            row["note"] = (f"{len(lonely_names)} stratum (" if len(lonely_names) == 1 else
                           f"{len(lonely_names)} strata (") + ", ".join(lonely_names) + (
                ") with one sampled file: its variance is centred at the overall mean "
                "(R survey's lonely.psu = \"adjust\")")
        if m_tot > 1 and n_dom > m_tot and 0 < p < 1:
            vsrs = m_tot / (m_tot - 1) * p * (1 - p) * (n_dom - m_tot) / (n_dom * m_tot)
            row["deff"] = var / vsrs
        if df <= 0:
            row["note"] = "no degrees of freedom (one applicable file per stratum): no interval"
            rows.append(row)
            continue
        t = stats.t.ppf(1 - alpha / 2, df)
        if method == "mean":
            lo, hi = p - t * se, p + t * se
        elif var == 0 or p in (0.0, 1.0):
            lo = hi = np.nan
            row["note"] = ("every applicable answer is the same, so the design variance is zero "
                           f"and the {method} interval is undefined; use proportion_ci")
        elif method in ("logit", "xlogit"):
            half = t * se / (p * (1 - p))
            lo, hi = special.expit(special.logit(p) - half), special.expit(special.logit(p) + half)
        elif method == "asin":
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            a = np.arcsin(np.sqrt(p))
            lo = np.sin(max(a - half, 0.0)) ** 2
            hi = np.sin(min(a + half, np.pi / 2)) ** 2
        elif method == "beta":
            n_eff = p * (1 - p) / var
            n_eff *= (stats.t.ppf(alpha / 2, m_tot - 1) / stats.t.ppf(alpha / 2, df)) ** 2
            lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        else:  # likelihood
            # Pearson dispersion of the weighted quasi-binomial fit with weights
            # scaled to mean one over the domain: sum w r^2 / (m - 1) = m / (m - 1).
            dispersion = m_tot / (m_tot - 1)
            lo, hi = _profile_interval(p, var, t, dispersion)
        row.update(conf_low=float(lo), conf_high=float(hi))
        rows.append(row)
    return pd.DataFrame(rows)


def stratified_logit_many(y, m, n, N, conf_level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The estimate and logit interval of :func:`stratified_proportion` for many tables of
    stratum counts at once (one row of ``y`` and ``m`` per table; ``n`` and ``N`` shared).

    Written out (not a loop over :func:`stratified_proportion`) because disclosure control
    recomputes the design-based estimate for every table of counts a reader could not rule out,
    thousands at a time (``kentaudit.publication.disclosure.protect_design_estimate``); the same
    formulas, checked equal to :func:`stratified_proportion` in ``tests/stats/test_survey_many.py``.

    Parameters
    ----------
    y, m : array (tables x strata) of yes and applicable answers
    n, N : array (strata) of files sampled and stratum sizes, every ``n >= 1``
    conf_level : two-sided confidence level

    Returns
    -------
    (estimate, conf_low, conf_high), arrays of one value per table; NaN where
    :func:`stratified_proportion` gives none (no applicable answer; no degrees of freedom; every
    applicable answer the same).
    """
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    m = np.atleast_2d(np.asarray(m, dtype=np.float64))
    n = np.asarray(n, dtype=np.float64)
    N = np.asarray(N, dtype=np.float64)
    lonely = (n == 1) & (N > 1)
    w = N / n
    n_dom = (w * m).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (w * y).sum(axis=1) / n_dom
        c = w / n_dom[:, None]
        sz2 = c * c * (y * (1 - p[:, None]) ** 2 + (m - y) * p[:, None] ** 2)
        sz = c * (y - m * p[:, None])
        ss = np.where(n > 1, (sz2 - sz * sz / n) * n / np.maximum(n - 1, 1), 0.0)
        ss = np.where(lonely, sz2, ss)
        se = np.sqrt(((1 - n / N) * ss).sum(axis=1))
        df = m.sum(axis=1) - (m > 0).sum(axis=1)
        t = stats.t.ppf(1 - (1 - conf_level) / 2, np.where(df > 0, df, np.nan))
        inner = (p > 0) & (p < 1) & (df > 0) & (se > 0)
        lp = special.logit(np.where(inner, p, 0.5))
        half = t * se / np.where(inner, p * (1 - p), 1.0)
        lo = np.where(inner, special.expit(lp - half), np.nan)
        hi = np.where(inner, special.expit(lp + half), np.nan)
    p = np.where(n_dom > 0, p, np.nan)
    return p, lo, hi
