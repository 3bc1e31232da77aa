"""Inter-rater agreement beyond kappa: Gwet's AC1/AC2 and Krippendorff's alpha.

Cohen's kappa depends on how common each grade is: with most grades "Good", two
auditors who agree on nearly every file can have a low kappa (the "kappa
paradox"). Gwet's AC1 (AC2 with weights for ordered grades) and Krippendorff's
alpha are the chance-corrected coefficients recommended beside it. Both are
computed here **from counts**: a units x categories table of how many raters put
each unit (audit) in each category, so the moderation of a whole programme is a
handful of distinct rows.

Closed sets of names:

- ``AC_WEIGHTS`` for Gwet's coefficient: ``"unweighted"`` (AC1), ``"linear"``,
  ``"quadratic"``, ``"ordinal"`` (Gwet's ordinal weights) (AC2);
- ``ALPHA_LEVELS`` for Krippendorff's alpha: ``"nominal"``, ``"ordinal"``
  (Krippendorff's rank-based metric, from the pooled frequencies of the grades),
  ``"interval"``.

Standard errors are Gwet's linearisation variances (Gwet 2014, chapters 5 and 6;
Gwet 2008), conditional on the raters, with no finite-population correction;
intervals are estimate +/- t(n - 1) x SE with the upper limit capped at 1, as in
the R package irrCAC.

Cohen's kappa, percent agreement and the direction of re-grades (a moderator, the
second auditor, re-grades a subset of audits: ``moderated_grade``) are here too: kappa
unweighted and weighted (linear and quadratic weights over the ordered grades).
Auditor codes are never published: outputs by auditor are for internal calibration only.

Inputs at the edges, one convention for every coefficient here (that of
``kentaudit.stats``: a documented value, NaN with the reason, or a refusal; never an
exception or warning from numpy, scipy or statsmodels):

- **every rating the same grade** (for example ten pairs all graded 2): percent
  agreement is 1 (Wilson interval); Gwet's AC1/AC2 is 1 with SE 0 and interval [1, 1]
  (chance agreement pe = 0; irrCAC gives the same); Cohen's kappa and Krippendorff's
  alpha are 0/0, **undefined**: estimate, SE, interval (and kappa's z and p-value) are
  NaN, never an interval clipped to [-1, 1] around a missing estimate, and the row's
  ``method`` says why (kappa's ``test`` says ``not testable: ...``), as R
  ``vcd::Kappa`` and the coincidence-matrix alpha give NaN;
- **one unit (one pair)**: the coefficients are given; their SE and interval are
  NaN (the linearisation variance needs two units) and ``method`` says so; Cohen's
  kappa follows vcd (one discordant pair: kappa 0, ASE 0, interval [0, 0]), and its
  z test is not testable when the SE under kappa = 0 is 0;
- an interval end is capped with a NaN-propagating clip, so a NaN estimate or SE
  gives a NaN interval;
- **nothing to measure** (no pair, no unit with two ratings, an empty table, a scale
  of one category) is refused with :class:`~kentaudit.core.errors.InputError` or
  :class:`~kentaudit.core.errors.KentauditError` naming the reason.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa as _sm_kappa
from statsmodels.stats.proportion import proportion_confint

from kentaudit.core.errors import InputError, KentauditError
from kentaudit.core.methods import check_conf_level, check_method
from kentaudit.stats.ordinal import grade_distribution, grade_series

__all__ = ["AC_WEIGHTS", "ALPHA_LEVELS", "rating_counts", "gwet_ac", "krippendorff_alpha",
           "agreement_coefficients", "KAPPA_WEIGHTS", "agreement_table", "kappa_from_table",
           "moderation_agreement", "regrade_direction", "auditor_grade_distribution"]

AC_WEIGHTS = ("unweighted", "linear", "quadratic", "ordinal")
ALPHA_LEVELS = ("nominal", "ordinal", "interval")
GRADES = (1, 2, 3, 4)


def rating_counts(ratings, categories: Sequence = GRADES) -> pd.DataFrame:
    """Units x categories counts from raw ratings, collapsed to distinct rows.

    Parameters
    ----------
    ratings : 2-D array-like or DataFrame
        One row per unit (audit), one column per rater; missing ratings as NaN/None.
    categories : sequence
        The categories of the scale, in order (all of them, whether used or not).

    Returns
    -------
    DataFrame with one column per category (the number of raters who chose it) and
    ``n_units`` (how many units have that pattern). A value outside ``categories``
    raises :class:`~kentaudit.core.errors.InputError` naming it.
    """
    r = pd.DataFrame(ratings)
    cats = list(categories)
    vals = r.to_numpy(dtype=object)
    present = ~pd.isna(vals)
    codes = np.full(vals.shape, -1)
    for k, c in enumerate(cats):
        codes[present & (vals == c)] = k
    bad = present & (codes < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"rating {vals[i, j]!r} is not one of the categories {cats}.",
                         row=int(i), column=str(r.columns[j]), value=vals[i, j])
    counts = np.zeros((vals.shape[0], len(cats)), dtype=np.int64)
    for k in range(len(cats)):
        counts[:, k] = (codes == k).sum(axis=1)
    uniq, freq = np.unique(counts, axis=0, return_counts=True)
    out = pd.DataFrame(uniq, columns=cats)
    out["n_units"] = freq
    return out


def _counts(counts, categories):
    if not isinstance(counts, pd.DataFrame) or "n_units" not in counts.columns:
        raise InputError("give the counts of rating_counts() (a DataFrame with an n_units column).",
                         column="counts")
    cats = [c for c in counts.columns if c != "n_units"]
    if categories is not None and list(categories) != cats:
        raise InputError(f"the counts' categories {cats} are not {list(categories)}.",
                         column="categories")
    m = counts[cats].to_numpy(dtype=float)
    f = counts["n_units"].to_numpy(dtype=float)
    if (m < 0).any() or (f < 0).any():
        raise InputError("counts must be >= 0.", column="counts")
    return cats, m, f


def _scale(counts, categories, conf_level):
    """The checked confidence level, the categories and the counts (:func:`_counts`) of a
    coefficient; refused for a scale of fewer than two categories."""
    conf_level = check_conf_level(conf_level)
    cats, m, f = _counts(counts, categories)
    if len(cats) < 2:
        raise InputError("agreement needs a scale of at least two categories.", column="categories")
    return conf_level, cats, m, f


def _gwet_weights(q: int, weights: str) -> np.ndarray:
    k = np.arange(q, dtype=float)
    d = np.abs(k[:, None] - k[None, :])
    if weights == "unweighted":
        return np.eye(q)
    if weights == "linear":
        return 1 - d / (q - 1)
    if weights == "quadratic":
        return 1 - d ** 2 / (q - 1) ** 2
    # Gwet's ordinal weights: 1 - C(|k-l|+1, 2) / max
    m = (d + 1) * d / 2
    return 1 - m / m.max()


# appended to ``method`` when a coefficient's SE (and interval) cannot be estimated
_NO_SE_ONE_UNIT = "; SE and interval not estimable from a single unit with two or more ratings"
# appended to ``method`` when a coefficient is 0/0 (kappa's ``test`` says so too)
_UNDEFINED_ONE_GRADE = ("; not estimable: every rating is the same grade, so chance agreement "
                        "is 1 and the coefficient is 0/0 (estimate, SE and interval empty)")
# kappa's ``test`` when its SE under kappa = 0 is 0 (kappa is then 0 by construction)
_NOT_TESTABLE_NULL_SE = ("not testable: the SE of kappa under kappa = 0 is 0 (one rater used a "
                         "single grade, or the raters used no grade in common)")


def _interval(est, se, df, conf_level):
    """est -/+ t(df) se with the upper limit capped at 1; NaN when est or se is NaN or df < 1."""
    if not (np.isfinite(est) and np.isfinite(se)) or df < 1:
        return np.nan, np.nan
    t = stats.t.ppf(0.5 + conf_level / 2, df)
    return float(est - t * se), float(np.minimum(1.0, est + t * se))  # NaN-propagating cap


def gwet_ac(counts: pd.DataFrame, weights: str = "unweighted", conf_level: float = 0.95,
            categories: Sequence | None = None) -> pd.DataFrame:
    """Gwet's AC1 (unweighted) or AC2 (weighted) agreement coefficient from counts.

    Parameters
    ----------
    counts : DataFrame
        :func:`rating_counts` output (categories as columns, ``n_units``).
    weights : {"unweighted", "linear", "quadratic", "ordinal"}
        Agreement weights over the ordered categories (``q`` = number of categories
        of the scale, used or not): linear 1 - |k-l|/(q-1), quadratic
        1 - (k-l)^2/(q-1)^2, Gwet's ordinal 1 - C(|k-l|+1, 2)/C(q, 2).
    conf_level : float

    Returns
    -------
    One-row DataFrame: ``statistic`` (``"Gwet's AC1"`` or ``"Gwet's AC2"``),
    ``weights``, ``estimate``, ``se``, ``conf_low``, ``conf_high``, ``p_agreement``
    (weighted percent agreement pa), ``p_chance`` (chance agreement pe), ``n_units``
    (units rated), ``n_units_paired`` (units with two or more ratings), ``n_ratings``,
    ``method``, ``conf_level``.

    Notes
    -----
    pa = mean over units with r_i >= 2 ratings of sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1)),
    r*_ik = sum_l w_kl r_il; pi_k = mean over all units of r_ik / r_i;
    pe = T_w / (q (q - 1)) sum_k pi_k (1 - pi_k), T_w = sum of the weights;
    AC = (pa - pe) / (1 - pe). The variance is Gwet's linearisation
    (1 / (n (n - 1))) sum_i (ac*_i - AC)^2 (Gwet 2008, 2014).

    Every rating in one grade gives pe = 0 and AC = 1 with SE 0 (interval [1, 1]); with
    one unit the SE and interval are NaN and ``method`` says so. A scale of one
    category, or no unit with two ratings, is refused with ``InputError``.

    Validated against the R package irrCAC (``gwet.ac1.raw``, version 1.4, from its
    source; unrounded) within 1e-9 in ``tests/r/reference_interrater.R``, and on the
    edge cases in ``tests/r/reference_degenerate.R``.

    References
    ----------
    1. Gwet KL (2008). Computing inter-rater reliability and its variance in the presence
       of high agreement. British Journal of Mathematical and Statistical Psychology
       61:29-48.
    2. Gwet KL (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced Analytics.
    """
    check_method(weights, AC_WEIGHTS, "weights")
    conf_level, cats, m, f = _scale(counts, categories, conf_level)
    q = len(cats)
    keep = (m.sum(1) > 0) & (f > 0)
    m, f = m[keep], f[keep]
    n = f.sum()
    ri = m.sum(1)
    two = ri >= 2
    n2 = f[two].sum()
    if n2 == 0:
        raise InputError("no unit has two or more ratings: nothing to measure agreement on.",
                         column="counts")
    w = _gwet_weights(q, weights)
    mw = m @ w.T
    sq = (m * (mw - 1)).sum(1)
    den = np.where(two, ri * (ri - 1), 1.0)
    pa_i = np.where(two, sq / den, 0.0)
    pa = (f * pa_i).sum() / n2
    pi = (f[:, None] * m / ri[:, None]).sum(0) / n
    tw = w.sum()
    pe = tw * (pi * (1 - pi)).sum() / (q * (q - 1))
    ac = (pa - pe) / (1 - pe)
    ac_i = (n / n2) * (pa_i - pe * two) / (1 - pe)
    pe_i = tw / (q * (q - 1)) * (m @ (1 - pi)) / ri
    ac_x = ac_i - 2 * (1 - ac) * (pe_i - pe) / (1 - pe)
    se = np.sqrt((f * (ac_x - ac) ** 2).sum() / (n * (n - 1))) if n >= 2 else np.nan
    lo, hi = _interval(ac, se, n - 1, conf_level)
    return pd.DataFrame([{
        "statistic": "Gwet's AC1" if weights == "unweighted" else "Gwet's AC2",
        "weights": weights, "estimate": float(ac), "se": float(se), "conf_low": lo, "conf_high": hi,
        "p_agreement": float(pa), "p_chance": float(pe), "n_units": int(n),
        "n_units_paired": int(n2), "n_ratings": int((f * ri).sum()),
        "method": ("Gwet (2008, 2014) linearisation SE; t interval with n - 1 df, upper limit capped at 1"
                   + (_NO_SE_ONE_UNIT if n < 2 else "")),
        "conf_level": conf_level}])


def _alpha_weights(q: int, level: str, margins: np.ndarray) -> np.ndarray:
    k = np.arange(q, dtype=float)
    if level == "nominal":
        return np.eye(q)
    if level == "interval":
        d2 = (k[:, None] - k[None, :]) ** 2
    else:  # Krippendorff's ordinal metric from the pooled frequencies n_g
        cum = np.concatenate([[0.0], np.cumsum(margins)])
        lo = np.minimum.outer(np.arange(q), np.arange(q))
        hi = np.maximum.outer(np.arange(q), np.arange(q))
        between = cum[hi + 1] - cum[lo]
        d2 = (between - (margins[:, None] + margins[None, :]) / 2) ** 2
    mx = d2.max()
    return np.ones((q, q)) if mx == 0 else 1 - d2 / mx


def krippendorff_alpha(counts: pd.DataFrame, level: str = "ordinal", conf_level: float = 0.95,
                       categories: Sequence | None = None) -> pd.DataFrame:
    """Krippendorff's alpha from counts, with Gwet's linearisation standard error.

    Parameters
    ----------
    counts : DataFrame
        :func:`rating_counts` output.
    level : {"nominal", "ordinal", "interval"}
        Krippendorff's difference function: nominal (any disagreement counts 1),
        ordinal (delta^2_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, n_g the pooled
        number of pairable ratings in category g), interval ((c - k)^2 on the category
        positions 1..q).

    Returns
    -------
    One-row DataFrame: ``statistic`` (``"Krippendorff's alpha"``), ``weights`` (the
    level), ``estimate``, ``se``, ``conf_low``, ``conf_high``, ``p_agreement``,
    ``p_chance``, ``n_units``, ``n_units_paired``, ``n_ratings`` (pairable ratings),
    ``method``, ``conf_level``.

    Notes
    -----
    alpha = 1 - D_o / D_e (Krippendorff 2011), computed in Gwet's form with agreement
    weights w = 1 - delta^2 / max delta^2 (alpha does not depend on the scale of delta^2):
    only units with two or more ratings count. The SE is Gwet's (2014, chapter 6)
    linearisation variance; the interval uses t with (all units - 1) df. This is **not**
    the interval Krippendorff recommends (his bootstrap of the coincidences, Hayes &
    Krippendorff 2007), and the two differ on small data: on Krippendorff's (2011)
    example an independent check found a lower limit of 0.565 here against 0.462 from
    his bootstrap. His bootstrap (resampling pairs of values from the coincidence
    matrix with the expected disagreement held fixed) is not implemented: it is known to
    understate the sampling variance, as it resamples pairs rather than units (Gwet
    2015, "Standard error of Krippendorff's alpha coefficient", inter-rater-reliability
    blog; Hughes 2022, arXiv:2210.13265, finds its intervals under-cover at small sizes),
    so the linearisation is kept and named in ``method``.

    Every pairable rating in one grade: the expected disagreement is 0 and alpha is
    0/0, **undefined**: ``estimate``, ``se`` and the interval are NaN (``p_agreement``
    and ``p_chance`` 1) and ``method`` says why, as the coincidence-matrix formula
    gives NaN in R. With one unit the SE and interval are NaN and ``method`` says so.
    A scale of one category, or no unit with two ratings, is refused with
    ``InputError``.

    Validated against Krippendorff's (2011) worked example (12 units, 4 coders: nominal
    0.743, interval 0.849), an independent R implementation of the coincidence-matrix
    formulas, and irrCAC ``krippen.alpha.raw`` given the same weight matrix (estimate and
    SE within 1e-9), in ``tests/r/reference_interrater.R``.

    References
    ----------
    1. Krippendorff K (2011). Computing Krippendorff's alpha-reliability. Annenberg
       School for Communication, University of Pennsylvania.
    2. Gwet KL (2014). Handbook of Inter-Rater Reliability, 4th ed., chapter 6.
    """
    check_method(level, ALPHA_LEVELS, "level")
    conf_level, cats, m, f = _scale(counts, categories, conf_level)
    q = len(cats)
    ri_all = m.sum(1)
    n0 = f[(ri_all > 0)].sum()
    keep = (ri_all >= 2) & (f > 0)
    m, f = m[keep], f[keep]
    if f.sum() == 0:
        raise InputError("no unit has two or more ratings: nothing to measure agreement on.",
                         column="counts")
    ri = m.sum(1)
    n = f.sum()
    rbar = (f * ri).sum() / n
    eps = 1 / (f * ri).sum()
    margins = (f[:, None] * m).sum(0)
    method = (f"Krippendorff's {level} difference function; Gwet (2014) linearisation SE; "
              "t interval, upper limit capped at 1")
    if (margins > 0).sum() == 1:
        # every pairable rating in one grade: D_o = D_e = 0, alpha = 0/0
        return pd.DataFrame([{
            "statistic": "Krippendorff's alpha", "weights": level, "estimate": np.nan,
            "se": np.nan, "conf_low": np.nan, "conf_high": np.nan, "p_agreement": 1.0,
            "p_chance": 1.0, "n_units": int(n0), "n_units_paired": int(n),
            "n_ratings": int((f * ri).sum()), "method": method + _UNDEFINED_ONE_GRADE,
            "conf_level": conf_level}])
    w = _alpha_weights(q, level, margins)
    mw = m @ w.T
    sq = (m * (mw - 1)).sum(1)
    pap = (f * sq / (rbar * (ri - 1))).sum() / n
    pa = (1 - eps) * pap + eps
    pi = (f[:, None] * m).sum(0) / (n * rbar)
    pe = float(pi @ w @ pi)
    alpha = (pa - pe) / (1 - pe)
    alpha_p = (pap - pe) / (1 - pe)
    pa_i = sq / (rbar * (ri - 1)) - pap * (ri - rbar) / rbar
    k_i = (pa_i - pe) / (1 - pe)
    piw = (w @ pi + w.T @ pi) / 2
    pe_i = (m @ piw) / rbar - pe * (ri - rbar) / rbar
    k_x = k_i - 2 * (1 - alpha_p) * (pe_i - pe) / (1 - pe)
    se = np.sqrt((f * (k_x - alpha_p) ** 2).sum() / (n * (n - 1))) if n >= 2 else np.nan
    lo, hi = _interval(alpha, se, n0 - 1, conf_level)
    return pd.DataFrame([{
        "statistic": "Krippendorff's alpha", "weights": level, "estimate": float(alpha),
        "se": float(se), "conf_low": lo, "conf_high": hi, "p_agreement": float(pa),
        "p_chance": pe, "n_units": int(n0), "n_units_paired": int(n),
        "n_ratings": int((f * ri).sum()),
        "method": method + (_NO_SE_ONE_UNIT if n < 2 else ""),
        "conf_level": conf_level}])


def agreement_coefficients(first, second, categories: Sequence = GRADES,
                           conf_level: float = 0.95) -> pd.DataFrame:
    """Every chance-corrected agreement coefficient for pairs of grades, side by side.

    Parameters
    ----------
    first, second : array-like
        The two raters' grades of the same audits (auditor and moderator); a pair
        with a missing grade is left out.

    Returns
    -------
    DataFrame, one row per coefficient: Gwet's AC1, Gwet's AC2 (linear, quadratic),
    Krippendorff's alpha (nominal, ordinal, interval), then the rows of
    :func:`kappa_from_table` (percent agreement, Cohen's kappa
    unweighted, linear, quadratic), with the columns of :func:`gwet_ac` (``se``,
    ``conf_low``, ``conf_high``; kappa rows also ``se_null``, ``z``, ``p_value``) and
    ``n_pairs``.
    """
    a = pd.Series(np.asarray(first, dtype=object))
    b = pd.Series(np.asarray(second, dtype=object))
    if len(a) != len(b):
        raise InputError("the two sets of grades must have the same length (one pair per audit).",
                         column="second")
    both = a.notna() & b.notna()
    a, b = a[both].to_numpy(), b[both].to_numpy()
    if len(a) == 0:
        raise InputError("no audit has both grades: nothing to measure agreement on.",
                         column="second")
    counts = rating_counts(pd.DataFrame({"first": a, "second": b}), categories)
    rows = [gwet_ac(counts, w, conf_level) for w in ("unweighted", "linear", "quadratic")]
    rows += [krippendorff_alpha(counts, lv, conf_level) for lv in ALPHA_LEVELS]
    out = pd.concat(rows, ignore_index=True)
    out["n_pairs"] = len(a)
    # integer grades may arrive as floats or objects (2.0, np.int64): compared as integers
    whole = all(isinstance(c, (int, np.integer)) for c in categories)
    kap = kappa_from_table(agreement_table(a.astype(int) if whole else a,
                                           b.astype(int) if whole else b, categories), conf_level)
    out = pd.concat([out, kap], ignore_index=True)
    for c in ("n_units", "n_units_paired", "n_ratings", "n_pairs"):
        if c in out.columns:  # kappa rows have no unit counts: integers with missing values
            out[c] = out[c].astype("Int64")
    return out


# ----------------------------------------------------------------------------- kappa and moderation

#: weights: name -> statsmodels ``wt`` (disagreement weights |i-j| or (i-j)^2,
#: i.e. agreement weights 1 - |i-j|/(K-1) and 1 - ((i-j)/(K-1))^2)
KAPPA_WEIGHTS = {"unweighted": None, "linear": "linear", "quadratic": "quadratic"}


def agreement_table(first, second, categories=GRADES) -> np.ndarray:
    """K x K table of paired grades: rows the first grade, columns the second."""
    a = np.asarray(first)
    b = np.asarray(second)
    if a.shape != b.shape:
        raise KentauditError("the two sets of grades must have the same length (one pair per audit).")
    cats = list(categories)
    ia = pd.Categorical(a, categories=cats).codes
    ib = pd.Categorical(b, categories=cats).codes
    if (ia < 0).any() or (ib < 0).any():
        raise KentauditError(f"a grade is missing or not one of {cats}; drop unpaired audits first.")
    t = np.zeros((len(cats), len(cats)))
    np.add.at(t, (ia, ib), 1)
    return t


def kappa_from_table(table, conf_level: float = 0.95) -> pd.DataFrame:
    """Percent agreement and Cohen's kappa (unweighted, linear, quadratic) from a K x K table.

    Parameters
    ----------
    table : 2-D array
        Counts, rows = first rater, columns = second rater, categories in order.
    conf_level : float
        Level of the intervals.

    Returns
    -------
    DataFrame with four rows (``statistic`` = "percent agreement", then
    "Cohen's kappa" with ``weights`` unweighted, linear, quadratic):

    - ``statistic``, ``weights``, ``estimate``;
    - ``se``: asymptotic SE under the alternative, Fleiss, Cohen & Everitt
      (1969) (for the interval); for percent agreement the binomial SE;
    - ``se_null``: SE under kappa = 0 (Fleiss, Cohen & Everitt 1969), used
      for ``z`` = estimate / se_null and the two-sided ``p_value``;
    - ``conf_low``, ``conf_high``: estimate +/- z * se (Wald) for kappa,
      clamped to [-1, 1] (the range of kappa; R ``vcd::confint.Kappa``
      clamps the same way), so a near-perfect agreement on a few pairs gives
      an upper limit of 1, not 1.04; Wilson interval for percent agreement;
    - ``n_pairs``, ``method``, ``test``, ``conf_level``.

    Every pair with the same grade (chance agreement 1; also a 1 x 1 table): kappa is
    0/0, **undefined**, as R ``vcd::Kappa`` gives NaN: ``estimate``, ``se``,
    ``se_null``, ``z``, ``p_value``, ``conf_low`` and ``conf_high`` are NaN (the
    interval is never clipped to [-1, 1] around a missing estimate), ``method`` ends
    with the reason and ``test`` is ``"not testable: ..."``. When the SE under kappa = 0
    is 0 (one rater used a single grade, or the raters used no grade in common, e.g.
    one discordant pair: kappa is then 0 by construction) kappa and its interval are
    given (vcd: one discordant pair, kappa 0, ASE 0) but ``z`` and ``p_value`` are NaN
    and ``test`` is ``"not testable: ..."``. An empty or non-square table, or a negative or
    missing count, is refused with ``KentauditError``.

    Notes
    -----
    Computed by statsmodels ``cohens_kappa``. Validated against R
    ``vcd::Kappa`` (ASE and ``confint``; weights "Equal-Spacing" = linear,
    "Fleiss-Cohen" = quadratic) in ``tests/r/reference_more.R``, and against
    Agresti (2002), *Categorical Data Analysis*, 2nd ed., section 10.5 (the
    pathologists' carcinoma ratings: kappa = 0.493, ASE = 0.057).

    References
    ----------
    1. Cohen, J. (1960). A coefficient of agreement for nominal scales. EPM 20:37-46.
    2. Cohen, J. (1968). Weighted kappa. Psychol Bull 70:213-220.
    3. Fleiss, J. L., Cohen, J. and Everitt, B. S. (1969). Large sample standard
       errors of kappa and weighted kappa. Psychol Bull 72:323-327.
    """
    conf_level = check_conf_level(conf_level)
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1] or not np.isfinite(t).all() or (t < 0).any():
        raise KentauditError("the agreement table must be square with counts >= 0.")
    n = t.sum()
    if n == 0:
        raise KentauditError("no paired grades: nothing to measure agreement on.")
    z = stats.norm.ppf(0.5 + conf_level / 2)
    agree = np.trace(t)
    lo, hi = proportion_confint(agree, n, alpha=1 - conf_level, method="wilson")
    rows = [{"statistic": "percent agreement", "weights": "none", "estimate": agree / n,
             "se": np.sqrt(agree / n * (1 - agree / n) / n), "se_null": np.nan, "z": np.nan,
             "p_value": np.nan, "conf_low": float(lo), "conf_high": float(hi), "n_pairs": int(n),
             "method": "Wilson score interval", "test": "none"}]
    method = "asymptotic SE of Fleiss, Cohen & Everitt (1969); Wald interval"
    test = "z test of kappa = 0 with the null SE"
    # every pair in one (diagonal) cell: chance agreement 1, kappa = 0/0 (vcd: NaN)
    one_grade = np.trace(t) == n and t.max() == n
    for name, wt in KAPPA_WEIGHTS.items():
        if one_grade:
            rows.append({"statistic": "Cohen's kappa", "weights": name, "estimate": np.nan,
                         "se": np.nan, "se_null": np.nan, "z": np.nan, "p_value": np.nan,
                         "conf_low": np.nan, "conf_high": np.nan, "n_pairs": int(n),
                         "method": method + _UNDEFINED_ONE_GRADE,
                         "test": "not testable: every pair has the same grade (kappa undefined)"})
            continue
        # statsmodels divides by the null SE for its own z, which is 0 when kappa is 0 by
        # construction; ours is NaN then (below), so its warning says nothing
        with np.errstate(divide="ignore", invalid="ignore"):
            r = _sm_kappa(t, wt=wt) if wt else _sm_kappa(t)
        k, se, se0 = float(r.kappa), float(r.std_kappa), float(r.std_kappa0)
        if np.isnan(se) and abs(float(r.var_kappa)) < 1e-12:
            se = 0.0  # perfect agreement: the variance is 0 up to rounding (R vcd: ASE 0)
        if np.isnan(se0) and abs(float(r.var_kappa0)) < 1e-12:
            se0 = 0.0  # likewise the null variance (kappa 0 by construction, see above)
        zz = k / se0 if se0 > 0 else np.nan
        # clamped to kappa's range [-1, 1], as R vcd's confint.Kappa; np.clip keeps a NaN
        lo, hi = np.clip([k - z * se, k + z * se], -1.0, 1.0)
        rows.append({"statistic": "Cohen's kappa", "weights": name, "estimate": k, "se": se,
                     "se_null": se0, "z": zz,
                     "p_value": float(2 * stats.norm.sf(abs(zz))) if np.isfinite(zz) else np.nan,
                     "conf_low": float(lo), "conf_high": float(hi),
                     "n_pairs": int(n), "method": method,
                     "test": test if np.isfinite(zz) else _NOT_TESTABLE_NULL_SE})
    out = pd.DataFrame(rows)
    out["conf_level"] = conf_level
    return out


def _pairs(audits, grade, moderated, grades=None):
    for c in (grade, moderated):
        if c not in audits.columns:
            raise KentauditError(f"the audits have no column {c!r}.")
    g1 = grade_series(audits, grade, grades)
    g2 = grade_series(audits, moderated, grades)
    both = g1.notna() & g2.notna()
    return g1[both].astype(int), g2[both].astype(int), int((g2.notna() & g1.isna()).sum())


def _groups(audits: pd.DataFrame, by) -> tuple[list, list]:
    """The ``by`` columns as a list, and ``(key tuple, rows)`` for each group (one group of
    every row when ``by`` is None)."""
    bycols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    groups = [((), audits)] if not bycols else [
        ((k,) if not isinstance(k, tuple) else k, g) for k, g in audits.groupby(bycols, sort=True)]
    return bycols, groups


def moderation_agreement(audits: pd.DataFrame, grade: str = "overall_grade",
                         moderated: str = "moderated_grade", by=None,
                         conf_level: float = 0.95, grades: Sequence | None = None) -> pd.DataFrame:
    """Agreement between auditors' grades and moderated grades.

    Parameters
    ----------
    audits : DataFrame
        Audits; rows with both ``grade`` and ``moderated`` present are the pairs.
    by : str or list of str, optional
        Group columns (e.g. ``cycle``); the kappa table always has every grade of the scale.
    grades : sequence of int, optional
        The grade scale's grades (1 to n; the weights of a weighted kappa depend on n);
        default :data:`GRADES`, the bundled default scale's four.

    Returns
    -------
    The :func:`kappa_from_table` columns, with the ``by`` columns first and
    ``n_moderated_ungraded`` (moderated audits with no first grade, left out).
    """
    bycols, groups = _groups(audits, by)
    outs = []
    for key, g in groups:
        a, b, n_odd = _pairs(g, grade, moderated, grades)
        if len(a) == 0:
            continue
        res = kappa_from_table(agreement_table(a, b, tuple(grades or GRADES)), conf_level)
        for c, v in zip(bycols, key):
            res.insert(bycols.index(c), c, v)
        res["n_moderated_ungraded"] = n_odd
        outs.append(res)
    if not outs:
        raise KentauditError(f"no audit has both {grade!r} and {moderated!r}: nothing was moderated.")
    return pd.concat(outs, ignore_index=True)


def regrade_direction(audits: pd.DataFrame, grade: str = "overall_grade",
                      moderated: str = "moderated_grade", by=None,
                      conf_level: float = 0.95) -> pd.DataFrame:
    """How moderation changed grades: worse, better or the same.

    Returns
    -------
    DataFrame, one row per group (``by`` columns first):

    - ``n_pairs``: moderated audits with both grades;
    - ``n_down``: moderated grade **worse** (higher number) than the first grade;
    - ``n_up``: moderated grade better (lower number); ``n_same``;
    - ``prop_down``, ``prop_up``, ``prop_same`` (of ``n_pairs``) with Wilson
      intervals ``prop_down_low``/``_high`` etc.;
    - ``mean_change``: mean of moderated - first grade (> 0: moderators grade worse);
    - ``p_value``: exact two-sided sign test of n_down vs n_up (ties dropped;
      scipy ``binomtest``, as R ``binom.test(n_down, n_down + n_up)``);
    - ``test``, ``method``, ``conf_level``.

    A group with no pair has ``n_pairs`` 0 and NaN proportions, intervals and mean
    change; with no changed grade (n_down + n_up = 0) the p-value is NaN and ``test``
    is ``"not testable: no moderated grade changed"`` (never a p-value of 1).
    """
    conf_level = check_conf_level(conf_level)
    bycols, groups = _groups(audits, by)
    rows = []
    for key, g in groups:
        a, b, _ = _pairs(g, grade, moderated)
        d = (b - a).to_numpy()
        n = len(d)
        row = dict(zip(bycols, key))
        row.update(n_pairs=n, n_down=int((d > 0).sum()), n_up=int((d < 0).sum()), n_same=int((d == 0).sum()))
        for k in ("down", "up", "same"):
            cnt = row[f"n_{k}"]
            row[f"prop_{k}"] = cnt / n if n else np.nan
            if n:
                lo, hi = proportion_confint(cnt, n, alpha=1 - conf_level, method="wilson")
            else:
                lo = hi = np.nan
            row[f"prop_{k}_low"], row[f"prop_{k}_high"] = float(lo), float(hi)
        row["mean_change"] = float(d.mean()) if n else np.nan
        m = row["n_down"] + row["n_up"]
        row["p_value"] = float(stats.binomtest(row["n_down"], m, 0.5).pvalue) if m else np.nan
        row["test"] = ("exact sign test (n_down vs n_up, ties dropped)" if m else
                       "not testable: no moderated grade changed")
        rows.append(row)
    out = pd.DataFrame(rows)
    out["method"] = "Wilson score intervals for the proportions"
    out["conf_level"] = conf_level
    return out


def auditor_grade_distribution(audits: pd.DataFrame, auditor: str = "auditor",
                               grade: str = "overall_grade", conf_level: float = 0.95,
                               method: str = "wilson", scale: str | None = None) -> pd.DataFrame:
    """Grade distribution of each auditor (for calibration; never publish auditor codes).

    Returns the columns of :func:`kentaudit.stats.ordinal.grade_distribution` grouped
    by ``auditor`` (``scale``: the cycle's grade scale, as there). No audits at all is refused
    with ``InputError``.
    """
    if len(audits) == 0:
        raise InputError("no audits: nothing to tabulate by auditor.", column=auditor)
    return grade_distribution(audits, by=auditor, grade=grade, conf_level=conf_level, method=method,
                              scale=scale)
