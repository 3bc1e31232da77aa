"""Auditor leniency: a mixed model of grades with a random effect per auditor.

Whether an auditor grades leniently is a property of the auditor across every file
they read, not of one moderation table. This module fits a logistic mixed model to
the first grades of the programme:

    logit P(grade worse than ``worse_from - 1``) = X beta + u_auditor,   u ~ N(0, sigma^2),

with the case-mix covariates in X (case status, age band, number of risk flags,
cycle, district), so that an auditor who happened to read harder cases is not
called strict. u_auditor < 0 means fewer poor grades than the case mix predicts
(lenient); > 0 stricter.

**Restricted output.** The table carries auditor codes; it is saved among the
results (restricted, not disclosure-controlled) for internal calibration and never
reaches ``publish/``: no appendix entry reads it, and the publication check refuses
auditor codes (``tests/stats/test_leniency.py`` checks a real run's ``publish/``).

The model is fitted by maximum likelihood with the **Laplace approximation** of the
marginal likelihood (the estimator of R ``lme4::glmer(..., nAGQ = 1)``): each auditor's
effect is integrated out by a second-order expansion of the log-likelihood about its
conditional mode. statsmodels offers only a variational Bayes fit of this model
(``BinomialBayesMixedGLM``), which on the 2013 default cycle gave an SD of 0.191
against glmer's 0.155 and fixed-effect SEs 0.19 to 0.95 times glmer's (measured); no
other kept Python library fits a GLMM by Laplace, so the fit is written here (a
random-intercept logistic model is short: one-dimensional conditional modes by
Newton's method, the outer maximisation by scipy).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.numdiff import approx_fprime, approx_hess3

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_conf_level

__all__ = ["LENIENCY_COVARIATES", "leniency_design", "auditor_leniency"]

LENIENCY_COVARIATES = ("case_status", "age_band", "risk_score", "cycle", "district")
_RISK_FLAGS = ("risk_under1", "risk_domestic_abuse", "risk_mental_health", "risk_substance",
               "risk_violent_partner", "risk_repeat_plan")


def _risk_score(audits):
    flags = [f for f in _RISK_FLAGS if f in audits.columns]
    if not flags:
        raise InputError("risk_score needs the risk flag columns (risk_*).", column="risk_score")
    m = np.column_stack([audits[f].astype(object).to_numpy() for f in flags])
    known = ~pd.isna(m)
    score = (m == "Y").sum(1).astype(float)
    score[~known.all(1)] = np.nan
    return score


def leniency_design(audits: pd.DataFrame, auditor: str = "auditor", grade: str = "overall_grade",
                    worse_from: int = 3, covariates=LENIENCY_COVARIATES):
    """The model's data: outcome, fixed-effect design and auditor of each usable audit.

    Categorical covariates get treatment (dummy) coding against their first level in
    sorted order (R's default contrasts); ``risk_score`` (number of risk flags
    recorded "Y") is numeric. Audits with no grade, no auditor or a missing covariate
    are left out and counted.

    Returns
    -------
    (y, X, groups, names, n_excluded): outcome (1 = grade >= ``worse_from``), design
    DataFrame with an ``Intercept`` column, auditor of each row (text), the design's
    column names, and the number of audits left out.
    """
    for col in (auditor, grade):
        if col not in audits.columns:
            raise InputError(f"the audits have no column {col!r}.", column=col)
    d = pd.DataFrame(index=audits.index)
    g = pd.to_numeric(audits[grade], errors="coerce")
    d["_y"] = (g >= worse_from).astype(float).where(g.notna())
    d["_auditor"] = audits[auditor].astype(object).where(audits[auditor].notna())
    for c in covariates:
        if c == "risk_score":
            d[c] = _risk_score(audits)
        elif c not in audits.columns:
            raise InputError(f"covariate {c!r} is not a column of the audits.", column=c)
        else:
            d[c] = audits[c].astype(object).where(audits[c].notna()).astype("string")
    ok = d.notna().all(axis=1)
    n_excl = int((~ok).sum())
    d = d[ok]
    if len(d) == 0:
        raise InputError("no audit has a grade, an auditor and every covariate.", column=grade)
    parts = [pd.Series(1.0, index=d.index, name="Intercept")]
    for c in covariates:
        if c == "risk_score":
            parts.append(d[c].astype(float))
            continue
        levels = sorted(d[c].unique())
        for lv in levels[1:]:
            parts.append((d[c] == lv).astype(float).rename(f"{c}[{lv}]"))
    X = pd.concat(parts, axis=1)
    # drop columns that are constant zero (a level absent after exclusions)
    X = X.loc[:, (X != 0).any(axis=0)]
    return d["_y"].to_numpy(), X, d["_auditor"].astype(str).to_numpy(), list(X.columns), n_excl


def _laplace_terms(beta, sigma, y, X, idx, n_groups, u0=None):
    """Laplace approximation of each auditor's marginal log-likelihood at (beta, sigma).

    Returns (log L, conditional modes u, conditional variances). For auditor j with
    linear predictor eta_i = x_i beta + u and h(u) = sum_i [y_i eta_i - log(1 + e^eta_i)]
    - u^2 / (2 sigma^2), log L_j = h(u_j) - log(1 + sigma^2 W_j) / 2 at the mode u_j,
    W_j = sum_i p_i (1 - p_i) (Laplace; glmer's nAGQ = 1 deviance is -2 sum_j log L_j).
    The modes are found for every auditor at once by Newton's method (h is concave).
    """
    eta0 = X @ beta
    u = np.zeros(n_groups) if u0 is None else u0.copy()
    s2 = sigma * sigma
    for _ in range(100):
        eta = eta0 + u[idx]
        pr = special.expit(eta)
        g = np.bincount(idx, weights=y - pr, minlength=n_groups)
        W = np.bincount(idx, weights=pr * (1 - pr), minlength=n_groups)
        if s2 == 0:
            u = np.zeros(n_groups)
            break
        step = (g - u / s2) / (W + 1 / s2)
        u = u + step
        if np.max(np.abs(step)) < 1e-12:
            break
    eta = eta0 + u[idx]
    pr = special.expit(eta)
    W = np.bincount(idx, weights=pr * (1 - pr), minlength=n_groups)
    # log(1 + e^eta) without overflow
    ll_i = y * eta - np.logaddexp(0.0, eta)
    ll = np.bincount(idx, weights=ll_i, minlength=n_groups)
    if s2 == 0:
        return ll, u, np.zeros(n_groups)
    logL = ll - u * u / (2 * s2) - 0.5 * np.log1p(s2 * W)
    return logL, u, 1 / (W + 1 / s2)


def _laplace_fit(y, X, idx, n_groups):
    """Maximum Laplace likelihood over (sigma >= 0, beta); SEs from the observed information.

    Started from the logistic regression without auditor effects and sigma = 0.5;
    maximised by L-BFGS-B (sigma bounded below by 0, as glmer's theta) to a gradient
    of 1e-8, from central-difference gradients. The standard errors are the square
    roots of the diagonal of the inverse of the numerical Hessian of -log L over
    (sigma, beta), the fixed-effects block - as ``vcov`` of a glmer fit
    (``use.hessian = TRUE``); with sigma on its bound (0) the beta block alone.
    """
    glm = GLM(y, X, family=Binomial()).fit()
    start = np.concatenate([[0.5], np.asarray(glm.params, dtype=float)])
    def nll(t):
        logL, _, _ = _laplace_terms(t[1:], abs(t[0]), y, X, idx, n_groups)
        return -float(logL.sum())

    def grad(t):
        return approx_fprime(t, nll, centered=True)

    res = optimize.minimize(nll, start, jac=grad, method="L-BFGS-B",
                            bounds=[(0.0, None)] + [(None, None)] * X.shape[1],
                            options={"gtol": 1e-8, "ftol": 1e-15, "maxiter": 2000})
    t = res.x
    H = approx_hess3(t, nll)
    if t[0] > 1e-6:
        cov = np.linalg.pinv(H)
        se_beta = np.sqrt(np.diag(cov)[1:])
    else:
        se_beta = np.sqrt(np.diag(np.linalg.pinv(H[1:, 1:])))
    logL, u, v = _laplace_terms(t[1:], t[0], y, X, idx, n_groups)
    return {"beta": t[1:], "sigma": float(t[0]), "se_beta": se_beta, "u": u,
            "se_u": np.sqrt(v), "loglik": float(logL.sum()), "converged": bool(res.success)}


def auditor_leniency(audits: pd.DataFrame, auditor: str = "auditor", grade: str = "overall_grade",
                     worse_from: int = 3, covariates=LENIENCY_COVARIATES,
                     conf_level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Each auditor's leniency from a logistic mixed model with case-mix covariates.

    Parameters
    ----------
    audits : DataFrame
        Audits with the auditor's first grade (not the moderated one), the auditor code
        and the covariates (see :func:`leniency_design`).
    worse_from : int
        The outcome is a grade of ``worse_from`` or worse (3: "Adequate"/"Requires
        improvement" or "Inadequate", against "Good or better").
    conf_level : float
        Level of the intervals of each auditor effect (normal approximation to the
        posterior at its mode).
    seed : int
        Recorded in the ``seed`` column only: the Laplace fit is deterministic (it starts
        from the logistic regression without auditor effects, no random start); the
        parameter is kept so that callers passing the cycle's seed keep working.

    Returns
    -------
    DataFrame, one row per auditor (sorted by code) - **restricted**:

    - ``auditor``, ``n_graded`` (audits in the model), ``n_worse`` (of them graded
      ``worse_from`` or worse), ``share_worse``;
    - ``effect``: the auditor's random effect (log odds of a worse grade against an
      average auditor for the same case mix), its conditional mode given the estimates
      (glmer's ``ranef``); ``se``: the square root of its conditional variance
      (glmer's ``condVar``); ``conf_low``, ``conf_high``: normal-approximation interval;
      ``odds_ratio`` = exp(effect);
    - ``direction``: ``"more lenient"`` (conf_high < 0), ``"stricter"`` (conf_low > 0) or
      ``"not distinguishable"``;
    - ``sd_auditor``: estimated SD of the auditor effects (same on every row);
    - ``n_auditors``, ``n_audits``, ``n_excluded`` (audits left out for a missing grade,
      auditor or covariate), ``outcome`` (in words), ``covariates`` (comma-separated),
      ``method``, ``conf_level``, ``seed``.

    Notes
    -----
    Maximum likelihood with the Laplace approximation (module docstring), the estimator
    of ``lme4::glmer(y ~ covariates + (1 | auditor), family = binomial, nAGQ = 1)``. The
    fixed effects' ``se`` (in ``attrs["fixed_effects"]``) come from the observed
    information of the Laplace likelihood over (SD, fixed effects), as glmer's ``vcov``.
    Validated against glmer (``tests/r/reference_leniency.R``: two simulated programmes
    and the 2013 default cycle's 1,126 modelled audits of 14 auditors): fixed effects
    within 1e-3 of their SE, their SEs within 0.5%, auditor effects and their SEs within
    1e-4, the SD within 0.1% (measured: 5e-5 SE, 0.07%, 5e-6 and 1e-5 relative).

    Edges: fewer than three auditors, or every grade on the same side of the cut, are
    refused with ``InputError``; when the likelihood is largest with no spread between
    auditors the SD is 0 (its bound), every effect 0 with ``se`` 0 and ``direction``
    "not distinguishable", and the fixed effects' SEs are those of the logistic
    regression's observed information. A covariate level in which every audit is on one
    side of the cut (separation) gets a very large coefficient with a very large SE (its
    likelihood has no maximum; as glmer, which warns), with no warning here; the auditor
    effects are still estimated.

    References
    ----------
    Bates D, Maechler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models
    using lme4. Journal of Statistical Software 67(1).
    """

    c = check_conf_level(conf_level)
    y, X, groups, names, n_excl = leniency_design(audits, auditor, grade, worse_from, covariates)
    codes = sorted(set(groups))
    if len(codes) < 3:
        raise InputError("a leniency model needs at least three auditors.", column=auditor)
    if y.min() == y.max():
        raise InputError("every grade is on the same side of the cut: nothing to model.",
                         column=grade)
    idx = np.searchsorted(codes, groups)
    Z = np.zeros((len(y), len(codes)))
    Z[np.arange(len(y)), idx] = 1.0
    fit = _laplace_fit(y, X.to_numpy(dtype=float), idx, len(codes))
    eff, se = fit["u"], fit["se_u"]
    z = stats.norm.ppf(0.5 + c / 2)
    lo, hi = eff - z * se, eff + z * se
    n_g = np.bincount(idx, minlength=len(codes))
    n_w = np.bincount(idx, weights=y, minlength=len(codes)).astype(int)
    out = pd.DataFrame({
        "auditor": codes, "n_graded": n_g, "n_worse": n_w, "share_worse": n_w / n_g,
        "effect": eff, "se": se, "conf_low": lo, "conf_high": hi, "odds_ratio": np.exp(eff),
        "direction": np.where(hi < 0, "more lenient", np.where(lo > 0, "stricter",
                                                               "not distinguishable")),
        "sd_auditor": fit["sigma"], "n_auditors": len(codes),
        "n_audits": len(y), "n_excluded": n_excl,
        "outcome": f"grade {worse_from} or worse (against better grades)",
        "covariates": ", ".join(covariates),
        "method": ("logistic mixed model, random intercept per auditor; maximum likelihood "
                   "with the Laplace approximation (as lme4::glmer, nAGQ = 1); conditional "
                   "modes with normal-approximation intervals from their conditional variance"),
        "conf_level": c, "seed": int(seed)})
    out.attrs["fixed_effects"] = pd.DataFrame({"term": names, "estimate": fit["beta"],
                                               "se": fit["se_beta"]})
    return out
