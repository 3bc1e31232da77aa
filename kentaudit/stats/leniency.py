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

The model is fitted by statsmodels ``BinomialBayesMixedGLM.fit_vb`` (variational Bayes
posterior means, weak priors: fixed effects N(0, 10^2), log SD of the auditor effect
N(0, 2^2)). The posterior mode (``fit_map``) is not used: the joint mode of the random
effects and their SD collapses the SD to 0 when the spread is modest (measured: 5e-25
against glmer's 0.26 on the reference data).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

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
        Seed of the random starting values statsmodels draws for the variational SDs
        (``fit_vb(rng=seed)``): with the same seed two runs give the same numbers to the
        last bit. The optimiser is run to a gradient tolerance of 1e-9, so the result
        does not depend on the start beyond that.

    Returns
    -------
    DataFrame, one row per auditor (sorted by code) - **restricted**:

    - ``auditor``, ``n_graded`` (audits in the model), ``n_worse`` (of them graded
      ``worse_from`` or worse), ``share_worse``;
    - ``effect``: the auditor's random effect (log odds of a worse grade against an
      average auditor for the same case mix), ``se``, ``conf_low``, ``conf_high``;
      ``odds_ratio`` = exp(effect);
    - ``direction``: ``"more lenient"`` (conf_high < 0), ``"stricter"`` (conf_low > 0) or
      ``"not distinguishable"``;
    - ``sd_auditor``: estimated SD of the auditor effects (same on every row);
    - ``n_auditors``, ``n_audits``, ``n_excluded`` (audits left out for a missing grade,
      auditor or covariate), ``outcome`` (in words), ``covariates`` (comma-separated),
      ``method``, ``conf_level``, ``seed``.

    Notes
    -----
    Fitted by statsmodels ``BinomialBayesMixedGLM.fit_vb``: mean-field variational
    posterior means of the fixed effects, auditor effects and log SD, with priors
    N(0, 10^2) and N(0, 2^2); ``se`` is the variational posterior SD.
    Validated against R ``lme4::glmer(y ~ covariates + (1 | auditor), family = binomial)``
    (Laplace maximum likelihood; ``tests/r/reference_leniency.R``). They are different
    estimators (a variational posterior mean against a Laplace-approximate ML
    estimate and conditional mode), so they agree to a stated tolerance, not to 1e-6:
    fixed effects within a quarter of glmer's standard error, auditor effects within
    0.05 on the log-odds scale (a quarter of their SE of about 0.2), SD within 15%.

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
    model = BinomialBayesMixedGLM(y, X.to_numpy(), Z, np.zeros(len(codes), dtype=int),
                                  vcp_p=2.0, fe_p=10.0, fep_names=names,
                                  vcp_names=["auditor"], vc_names=codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # statsmodels draws the starting log-SDs at random (rng=None: fresh OS entropy), and
        # BFGS's default gtol (1e-5) stops where the start still shows in the 6th digit
        res = model.fit_vb(rng=np.random.default_rng(int(seed)), minim_opts={"gtol": 1e-9})
    eff = np.asarray(res.vc_mean, dtype=float)
    se = np.asarray(res.vc_sd, dtype=float)
    z = stats.norm.ppf(0.5 + c / 2)
    lo, hi = eff - z * se, eff + z * se
    n_g = np.bincount(idx, minlength=len(codes))
    n_w = np.bincount(idx, weights=y, minlength=len(codes)).astype(int)
    out = pd.DataFrame({
        "auditor": codes, "n_graded": n_g, "n_worse": n_w, "share_worse": n_w / n_g,
        "effect": eff, "se": se, "conf_low": lo, "conf_high": hi, "odds_ratio": np.exp(eff),
        "direction": np.where(hi < 0, "more lenient", np.where(lo > 0, "stricter",
                                                               "not distinguishable")),
        "sd_auditor": float(np.exp(res.vcp_mean[0])), "n_auditors": len(codes),
        "n_audits": len(y), "n_excluded": n_excl,
        "outcome": f"grade {worse_from} or worse (against better grades)",
        "covariates": ", ".join(covariates),
        "method": ("logistic mixed model, random intercept per auditor; statsmodels "
                   "BinomialBayesMixedGLM variational Bayes (priors N(0, 10^2) on fixed effects, "
                   "N(0, 2^2) on the log SD); normal-approximation intervals"),
        "conf_level": c, "seed": int(seed)})
    out.attrs["fixed_effects"] = pd.DataFrame({"term": names, "estimate": res.fe_mean,
                                               "se": res.fe_sd})
    return out
