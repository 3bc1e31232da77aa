"""Case-mix adjusted comparison of districts: logistic regression and a likelihood-ratio test.

A criterion (Y = 1, N = 0; "NA" and missing answers excluded) is modelled
by logistic regression on district plus case-mix terms (case status, age
band, risk flags). Districts are compared with a stated reference district.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.optimize import linprog

from kentaudit.core.errors import KentauditError
from kentaudit.core.methods import check_conf_level
from kentaudit.inputs import schema as _model

__all__ = ["DEFAULT_COVARIATES", "SeparationWarning", "casemix_design", "casemix_odds_ratios",
           "casemix_lr_test", "separated_terms"]

DEFAULT_COVARIATES = ("case_status", "age_band") + _model.RISK_FLAGS

_LEVELS = {"case_status": _model.CASE_STATUSES, "age_band": _model.AGE_BANDS,
           "cp_category": _model.CP_CATEGORIES}


class SeparationWarning(UserWarning):
    """The logistic model shows (quasi-)complete separation: some estimates are not finite."""


def _criterion_col(audits, criterion):
    for c in (criterion, f"c_{criterion}"):
        if c in audits.columns:
            return c
    raise KentauditError(f"the audits have no criterion column {criterion!r} (or 'c_{criterion}').")


def casemix_design(audits: pd.DataFrame, criterion: str, district: str = "district",
                   covariates=DEFAULT_COVARIATES, reference_district: str | None = None):
    """Build the response and design matrix (treatment coding, explicit references).

    Returns
    -------
    y : Series (0/1), X : DataFrame (with ``const``), info : dict with
    ``reference`` (term -> reference level), ``n_used``, ``n_excluded_answer``
    (NA or missing criterion answers) and ``n_excluded_covariate`` (rows with a
    missing covariate; complete-case analysis).

    Notes
    -----
    Factor levels follow ``kentaudit.inputs.schema`` order (e.g. case status s47,
    cp_plan, cin, lac; reference = the first level present); districts are in
    name order with reference ``reference_district`` (default: the first in
    name order, as R's default for a factor). Risk flags are coded Y = 1, N = 0.
    """
    col, d, y, n_excl_answer, n_excl_cov = _usable(audits, criterion, district, covariates)
    X, reference = _design_matrix(d, district, covariates, reference_district)
    info = {"reference": reference, "n_used": int(len(y)), "n_excluded_answer": n_excl_answer,
            "n_excluded_covariate": n_excl_cov, "criterion": col}
    return pd.Series(y.astype(float), index=d.index), X, info


def _usable(audits, criterion, district, covariates):
    """(column, covariate frame, 0/1 answers, n excluded for the answer, n excluded
    for a covariate) of the audits with a Y/N answer and complete covariates."""
    col = _criterion_col(audits, criterion)
    for c in (district, *covariates):
        if c not in audits.columns:
            raise KentauditError(f"the audits have no column {c!r} for the case-mix model.")
    ans = audits[col]
    is_y = np.array(ans.eq("Y").fillna(False), dtype=bool)
    use = is_y | np.asarray(ans.eq("N").fillna(False), dtype=bool)
    n_excl_answer = int((~use).sum())
    d = audits.loc[use, [district, *covariates]]
    cov_ok = np.array(d.notna().all(axis=1), dtype=bool)
    for c in d.columns:  # a blank text value is missing too
        cov_ok &= ~np.asarray(d[c].eq("").fillna(False), dtype=bool)
    n_excl_cov = int((~cov_ok).sum())
    d, y = d[cov_ok], is_y[use][cov_ok].astype(int)
    if len(d) == 0:
        raise KentauditError(f"no audits with a Y/N answer to {col!r} and complete case-mix data.")
    return col, d, y, n_excl_answer, n_excl_cov


def _counted_design(audits, criterion, district, covariates, reference_district):
    """The design over the distinct (district, covariates, answer) combinations.

    Returns (y, X, weights, info): one row per combination present, ``weights``
    the number of audits with it. A binomial GLM fitted with these frequency
    weights has the estimates, standard errors, deviance and log-likelihood of
    the fit with one row per audit (Y/N is the only response), at a cost set by
    the number of combinations, not of audits.
    """
    col, d, y, n_excl_answer, n_excl_cov = _usable(audits, criterion, district, covariates)
    keys = [district, *covariates]
    cells = (d.assign(_y=y).groupby([*keys, "_y"], observed=True, sort=True, dropna=False)
             .size().reset_index(name="_n"))
    X, reference = _design_matrix(cells[keys], district, covariates, reference_district)
    info = {"reference": reference, "n_used": int(len(y)), "n_excluded_answer": n_excl_answer,
            "n_excluded_covariate": n_excl_cov, "criterion": col}
    return cells["_y"].astype(float), X, cells["_n"].to_numpy(dtype=float), info


def _design_matrix(d, district, covariates, reference_district):
    """Treatment-coded design (with ``const``) of a covariate frame; (X, reference levels)."""
    parts = [pd.DataFrame({"const": 1.0}, index=d.index)]
    reference = {}
    dl = sorted(d[district].astype(str).unique())
    ref = reference_district if reference_district is not None else dl[0]
    if ref not in dl:
        raise KentauditError(f"reference district {ref!r} has no usable audits; choose one of {dl}.")
    levels = [ref] + [x for x in dl if x != ref]
    reference[district] = ref
    dv = pd.Categorical(d[district].astype(str), categories=levels)
    parts.append(pd.get_dummies(dv, prefix=district, prefix_sep="[", dtype=float)
                 .iloc[:, 1:].rename(columns=lambda c: c + "]").set_index(d.index))
    for c in covariates:
        v = d[c].astype(str)
        if c.startswith("risk_"):
            bad = set(v.unique()) - {"Y", "N"}
            if bad:
                raise KentauditError(f"risk flag {c!r} has value(s) {sorted(bad)}; expected Y or N.")
            parts.append(pd.DataFrame({c: (v == "Y").astype(float)}, index=d.index))
            reference[c] = "N"
            continue
        order = [x for x in _LEVELS.get(c, sorted(v.unique())) if x in set(v)]
        order += sorted(set(v) - set(order))
        reference[c] = order[0]
        cat = pd.Categorical(v, categories=order)
        parts.append(pd.get_dummies(cat, prefix=c, prefix_sep="[", dtype=float)
                     .iloc[:, 1:].rename(columns=lambda s: s + "]").set_index(d.index))
    return pd.concat(parts, axis=1), reference


def _independent_columns(A: np.ndarray, tol: float = 1e-7) -> list[int]:
    """Indices of the columns of ``A`` not in the span of the columns before them.

    One pass of Gram-Schmidt with re-orthogonalisation, in design order: the
    columns R's ``glm`` keeps (its QR moves aliased columns to the end and
    reports them as NA). Written out because a rank test per column
    (``numpy.linalg.matrix_rank``, one SVD each) cost 3.6 s per district
    analysis (600 SVDs); this is one pass.
    """
    keep: list[int] = []
    Q = np.empty((A.shape[0], 0))
    for j in range(A.shape[1]):
        x = A[:, j].astype(float)
        nx = np.linalg.norm(x)
        if nx == 0:
            continue
        r = x - Q @ (Q.T @ x)
        r = r - Q @ (Q.T @ r)
        nr = np.linalg.norm(r)
        if nr > tol * nx:
            keep.append(j)
            Q = np.column_stack([Q, r / nr])
    return keep


def separated_terms(y: np.ndarray, X: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Which coefficients of a logistic model are infinite (complete or quasi-complete separation).

    Parameters
    ----------
    y : array of 0/1
        Responses (one per row of ``X``; counted rows may repeat a covariate
        pattern with both responses).
    X : 2-D array
        Design matrix of full column rank (aliased columns removed).

    Returns
    -------
    array of int, one per column: +1 or -1 if the maximum-likelihood
    estimate of that coefficient is +inf or -inf (+1 also where the data leave the
    sign of a diverging coefficient open), 0 if it is finite.

    Notes
    -----
    The maximum-likelihood estimate exists (is finite in every coordinate)
    if and only if no direction d != 0 has s_i x_i'd >= 0 for every row
    (s_i = +1 for y = 1, -1 for y = 0) with at least one inequality strict
    (Albert and Anderson 1984). Following Konis (2007), the linear program

        maximise sum_i s_i x_i'd  subject to  s_i x_i'd >= 0,  -1 <= d_j <= 1

    has optimum 0 when the estimate exists; otherwise its solution is a
    direction of recession of the log-likelihood, and the coefficients with
    d_j != 0 are those the iterations drive to infinity (R
    ``detectseparation::detect_separation`` reports the same signs). Solved
    with scipy's HiGHS; a row pattern with both responses forces x_i'd = 0.

    References
    ----------
    1. Albert A, Anderson JA (1984). On the existence of maximum likelihood
       estimates in logistic regression models. Biometrika 71:1-10.
    2. Konis K (2007). Linear programming algorithms for detecting separated
       data in binary logistic regression models. DPhil thesis, University
       of Oxford.
    """

    A = np.asarray(X, dtype=float) * np.where(np.asarray(y) > 0.5, 1.0, -1.0)[:, None]
    p = A.shape[1]
    # One linear program finds one direction of recession, not every coefficient that
    # diverges: its vertex can leave out terms that diverge along another direction (the
    # case-status terms of a model whose baseline also diverges). So: grow the set S of rows
    # some recession direction makes strictly positive (an LP over the rows not yet in S,
    # until none is added; the sum of the directions found is one direction that separates
    # all of S), then a coefficient is infinite exactly when it is not fixed by the rows
    # outside S (its unit vector is not in their row space): a recession direction plus any
    # vector of their null space is still a recession direction.
    sep = np.zeros(len(A), dtype=bool)
    total = np.zeros(p)
    for _ in range(len(A)):
        res = linprog(-A[~sep].sum(axis=0), A_ub=-A, b_ub=np.zeros(len(A)), bounds=[(-1, 1)] * p,
                      method="highs")
        if res.status != 0 or -res.fun <= tol * max(1.0, len(A)):
            break
        new = (A @ res.x > tol) & ~sep
        if not new.any():
            break
        sep |= new
        total += res.x
    if not sep.any():
        return np.zeros(p, dtype=int)
    rest = np.asarray(X, dtype=float)[~sep]
    if len(rest):
        # the part of each unit vector outside the row space of the rows left (least squares)
        basis = np.linalg.svd(rest, full_matrices=False)[2]
        rank = int((np.linalg.svd(rest, compute_uv=False) > 1e-9 * max(1.0, np.abs(rest).max())).sum())
        basis = basis[:rank]
        free = np.linalg.norm(np.eye(p) - basis.T @ basis, axis=0) > 1e-7
    else:
        free = np.ones(p, dtype=bool)
    sign = np.where(total > tol, 1, np.where(total < -tol, -1, 0))
    # a coefficient free in the null space but 0 in the sum of the directions found still
    # diverges (its sign is then not fixed by the data): marked +1
    return np.where(free, np.where(sign != 0, sign, 1), 0).astype(int)


def _untestable(y, X, w, district) -> str:
    """Why a model cannot compare districts ("" when it can).

    Besides a constant answer and a single district: half or more of the districts with usable
    audits having one usable audit each (200 units and a few hundred audits). Each such
    district's term is then fitted to one file, so it is separated by construction (its
    estimate is infinite), the likelihood-ratio statistic has no chi-square reference, and
    finding the separated terms (one linear program per term) took minutes per criterion."""
    if y.nunique() < 2:
        return (f"not testable: every used answer is {'Y' if y.iloc[0] == 1 else 'N'} "
                "(0% or 100% compliance), so there is nothing to model")
    dcols = [c for c in X.columns if c.startswith(f"{district}[")]
    if not dcols:
        return f"not testable: only one {district} has usable audits"
    dummies = X[dcols].to_numpy(dtype=float)
    weights = np.asarray(w, dtype=float)
    files = np.append(weights @ dummies, weights[dummies.sum(axis=1) == 0].sum())  # the reference level last
    files = files[files > 0]
    single = int((files == 1).sum())
    if 2 * single >= len(files):
        return (f"not testable: {single} of the {len(files)} {district} values with usable audits have a "
                "single usable audit each, so their terms cannot be estimated (each one's file alone "
                "decides it) and the test has no valid reference distribution")
    return ""


def _term_words(term: str) -> str:
    """A model term as a reader names it: ``district[Dartford]`` is "Dartford",
    ``age_band[16-17]`` "age band 16-17", ``risk_under1`` "the risk flag 'under 1'",
    ``const`` "the baseline"."""
    if term == "const":
        return "the baseline"
    if term.startswith("risk_"):  # a risk flag in words, as the tables' terms read (risk: under 1)
        return "the risk flag ‘" + term[5:].replace("_", " ").replace("under1", "under 1") + "’"
    var, _, level = term.partition("[")
    if level and var in ("district", "area"):  # a unit's own name says it
        return level.rstrip("]")
    words = var.replace("_", " ")
    return f"{words} {level.rstrip(']').replace('_', ' ')}" if level else words


def _first_up(text: str) -> str:
    """A note opens with a capital ("The risk flag ..."), a unit's own name as it is."""
    return text[:1].upper() + text[1:]


def _listed(terms) -> str:
    terms = [_term_words(t) for t in terms]
    return terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + " and " + terms[-1]


def _fit(y, X, weights=None):
    """Binomial GLM of ``y`` on ``X`` (``weights``: frequency weights, one per row)."""
    notes = []
    if len(_independent_columns(X.to_numpy())) < X.shape[1]:
        # drop constant (all-zero) columns: a level absent after exclusions
        zero = [c for c in X.columns if c != "const" and X[c].abs().sum() == 0]
        if zero:
            X = X.drop(columns=zero)
            notes.append(f"{_first_up(_listed(zero))} left out of the model: no audit had {'it' if len(zero) == 1 else 'them'}.")
        kept = _independent_columns(X.to_numpy())
        if len(kept) < X.shape[1]:
            # aliased terms (e.g. risk_under1 determined by age band): keep each column only if
            # it adds to the rank, in design order - the terms R's glm reports as NA
            aliased = [c for i, c in enumerate(X.columns) if i not in set(kept)]
            X = X.iloc[:, kept]
            msg = (f"aliased terms dropped (determined by earlier terms, as R glm reports NA): "
                   f"{', '.join(aliased)}")
            # the results table's note is read by people: what was left out and why, in words
            notes.append(f"{_first_up(_listed(aliased))} left out of the model: the other terms already "
                         "determine it.")
            warnings.warn(msg, UserWarning, stacklevel=3)
    with warnings.catch_warnings(record=True):  # recorded, not shown: separation is found below
        warnings.simplefilter("always")
        res = sm.GLM(y, X, family=sm.families.Binomial(), freq_weights=weights).fit(tol=1e-15, maxiter=300)
    direction = separated_terms(y.to_numpy(), X.to_numpy())
    flagged = [c for c, d in zip(X.columns, direction) if d != 0 and c != "const"]
    if (direction != 0).any():
        which = ", ".join(f"{c} ({'+' if d > 0 else '-'}inf)" for c, d in zip(X.columns, direction) if d != 0)
        msg = ("separation (quasi-complete, found by linear programming as Konis 2007): the "
               f"maximum-likelihood estimates of {which} are infinite; their odds ratios, SEs, "
               "p-values and intervals are left missing")
        terms = [c for c, d in zip(X.columns, direction) if d != 0]
        notes.append(f"The model cannot estimate {_listed(terms)}: there, every audit met the "
                     "criterion or every audit missed it (separation), so "
                     f"{'its odds ratio and interval are' if len(terms) == 1 else 'their odds ratios and intervals are'}"
                     " left blank.")
        warnings.warn(msg, SeparationWarning, stacklevel=3)
    return res, X, notes, flagged


def casemix_odds_ratios(audits: pd.DataFrame, criterion: str, district: str = "district",
                        covariates=DEFAULT_COVARIATES, reference_district: str | None = None,
                        conf_level: float = 0.95) -> pd.DataFrame:
    """Case-mix adjusted odds ratios of meeting a criterion, by district.

    Parameters
    ----------
    audits : DataFrame
        Audits; the criterion column holds Y/N/NA/missing; only Y/N rows with
        complete covariates are used.
    criterion : str
        Criterion id or ``c_`` column.
    district : str
        Column compared (``district`` or ``area``).
    covariates : sequence of str
        Case-mix terms (default case status, age band and the risk flags).
    reference_district : str, optional
        The district every other is compared with (default: first by name).
    conf_level : float
        Level of the Wald intervals.

    Returns
    -------
    DataFrame, one row per model term (``const`` excluded):

    - ``term`` (e.g. ``district[Dover]``, ``age_band[1-4]``, ``risk_substance``),
      ``variable``, ``level``, ``reference`` (the reference level of that variable);
    - ``coef`` (log odds ratio), ``se``, ``z``, ``p_value`` (Wald);
    - ``odds_ratio``, ``conf_low``, ``conf_high`` (Wald, exp(coef +/- z se));
    - ``criterion``, ``n_used``, ``n_excluded_answer``, ``n_excluded_covariate``;
    - ``method`` ("logistic regression (GLM binomial, logit link), ML"),
      ``test`` ("Wald z"), ``conf_level``, ``separation`` (bool), ``note``.

    Notes
    -----
    Coefficients and SEs validated against R ``glm(family = binomial)`` on
    ``tests/r/reference_more_casemix_data.csv`` (``tests/r/reference_more.R``).
    The model is fitted on the distinct (district, covariates, answer)
    combinations with frequency weights, which gives the one-row-per-audit
    estimates at a cost set by the combinations, not the audits.
    Separation is detected from the data and design, not from the fitted
    values: :func:`separated_terms` solves Konis's (2007) linear program and
    names each term whose maximum-likelihood estimate is infinite
    (complete or quasi-complete separation, over any combination of
    columns). Such a term has ``separation`` True and missing ``coef``,
    ``se``, ``z``, ``p_value``, ``odds_ratio`` and interval, and the note
    says which way it diverges; :class:`SeparationWarning` is raised.
    """
    conf_level = check_conf_level(conf_level)
    y, X, w, info = _counted_design(audits, criterion, district, covariates, reference_district)
    why = _untestable(y, X, w, district)
    if why:
        nan = float("nan")
        out = pd.DataFrame([{"term": "", "variable": "", "level": "", "reference": "", "coef": nan,
                             "se": nan, "z": nan, "p_value": nan, "odds_ratio": nan, "conf_low": nan,
                             "conf_high": nan, "separation": False}])
        return _finish_or(out, info, conf_level, [why])
    res, X, notes, flagged = _fit(y, X, w)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    rows = []
    for t in X.columns:
        if t == "const":
            continue
        with np.errstate(over="ignore"):  # diverging estimates under separation give inf, noted
            rows.append(_or_row(t, res, z, info, flagged))
    out = pd.DataFrame(rows)
    return _finish_or(out, info, conf_level, notes)


def _or_row(t, res, z, info, flagged):
    var, lvl = (t.split("[", 1)[0], t.split("[", 1)[1].rstrip("]")) if "[" in t else (t, "Y")
    row = {"term": t, "variable": var, "level": lvl, "reference": info["reference"].get(var)}
    if t in flagged:
        # the estimate is infinite: whatever the iterations stopped at means nothing
        nan = float("nan")
        return {**row, "coef": nan, "se": nan, "z": nan, "p_value": nan, "odds_ratio": nan,
                "conf_low": nan, "conf_high": nan, "separation": True}
    b, se = float(res.params[t]), float(res.bse[t])
    return {**row, "coef": b, "se": se, "z": b / se, "p_value": float(2 * stats.norm.sf(abs(b / se))),
            "odds_ratio": float(np.exp(b)), "conf_low": float(np.exp(b - z * se)),
            "conf_high": float(np.exp(b + z * se)), "separation": False}


def _finish_or(out, info, conf_level, notes):
    out["criterion"] = info["criterion"]
    out["n_used"] = info["n_used"]
    out["n_excluded_answer"] = info["n_excluded_answer"]
    out["n_excluded_covariate"] = info["n_excluded_covariate"]
    out["method"] = "logistic regression (GLM binomial, logit link), ML"
    out["test"] = "Wald z"
    out["conf_level"] = conf_level
    out["note"] = " ".join(notes)
    return out


def casemix_lr_test(audits: pd.DataFrame, criterion: str, district: str = "district",
                    covariates=DEFAULT_COVARIATES, reference_district: str | None = None) -> pd.DataFrame:
    """Likelihood-ratio test for district, adjusted for case mix.

    Returns
    -------
    One-row DataFrame: ``criterion``, ``term`` (the district column), ``test``
    ("likelihood-ratio chi-square", or "not testable" with missing statistic and
    p-value when every answer is the same or one district has usable audits:
    the note says which), ``method``, ``statistic`` (deviance of
    the model without district minus that of the full model), ``df``,
    ``p_value``, ``deviance_full``, ``deviance_reduced``, ``n_used``,
    ``covariates``, ``separation``, ``note``.

    Notes
    -----
    Validated against R ``anova(glm(y ~ covariates), glm(y ~ district +
    covariates), test = "LRT")`` in ``tests/r/reference_more.R``.
    """
    y, X, w, info = _counted_design(audits, criterion, district, covariates, reference_district)
    why = _untestable(y, X, w, district)
    if why:
        return pd.DataFrame([{
            "criterion": info["criterion"], "term": district, "test": "not testable",
            "method": "", "statistic": np.nan, "df": pd.NA, "p_value": np.nan,
            "deviance_full": np.nan, "deviance_reduced": np.nan, "n_used": info["n_used"],
            "covariates": ",".join(covariates), "separation": False, "note": why}])
    full, Xf, notes, flagged = _fit(y, X, w)
    dcols = [c for c in Xf.columns if c.startswith(f"{district}[")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeparationWarning)
        red, Xr, notes_r, _ = _fit(y, Xf.drop(columns=dcols), w)
    stat = float(red.deviance - full.deviance)
    df = len(dcols)
    return pd.DataFrame([{
        "criterion": info["criterion"], "term": district, "test": "likelihood-ratio chi-square",
        "method": "deviance difference of nested logistic GLMs (binomial, logit), ML",
        "statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)) if df else np.nan,
        "deviance_full": float(full.deviance), "deviance_reduced": float(red.deviance),
        "n_used": info["n_used"], "covariates": ",".join(covariates), "separation": bool(flagged),
        # the reduced model's own separation is said only when the full model has none (it is
        # then the same terms, said once)
        "note": " ".join(dict.fromkeys(notes + [f"In the model without the groups compared, {n[:1].lower()}{n[1:]}"
                                                for n in notes_r if n not in notes and not flagged])),
    }])
