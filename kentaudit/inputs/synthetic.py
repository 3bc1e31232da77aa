"""Realistic synthetic Kent audit data, with the truth that generated it.

Real child-protection audit data can never be in this repository, so
kentaudit ships a synthetic data set as the default it runs on. The model,
its parameters and the source of every prior are documented in
``docs/synthetic-data.md``; the parameters are the module constants below and
are written, with the true population values an analysis should recover, to
``truth.json`` beside the data.

Outline of the model
--------------------
* A **population** (sampling frame) of children on plans in Kent at
  31 December 2008, sized by district from :func:`kentaudit.inputs.reference.districts`
  (1,360 in all, uneven). Each case has a status, plan category, age band,
  risk flags, a team, process dates and a latent "true" answer to every
  criterion: what a comprehensive (electronic and hard-copy) reading of the
  file shows. ``logit P(Y) = intercept[criterion] + district effect[criterion]
  + cycle effect + risk slope x risk score + case quality``; the district
  effect is a modest general effect plus large built-in differences on a few
  criteria for Thanet, Swale (worse) and Tunbridge Wells (better), and exactly
  0 for Maidstone (:func:`district_effect`, :func:`large_effects`).
* **2009**: an ``initial`` sample of 120 high-risk cases (selection weight
  grows with the number of risk flags) read from electronic records only, an
  ``extended`` sample of 360 further cases stratified by district
  (proportional allocation) read from comprehensive files, and a ``reaudit``
  of 60 initial cases from their comprehensive files.
* **Annual cycles 2010-2013**: 25 new cases per district a year, read from
  comprehensive files, with gradual improvement.
* **Moderation** of about 15% of audits by a second auditor.

Everything is drawn from one ``numpy.random.default_rng(seed)`` in a fixed
order, so the same seed gives the same data, and :func:`write_synthetic`
writes byte-identical files (fixed column order, ISO dates, no floats in the
data files, fixed XLSX document dates and zip timestamps).
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from scipy.special import expit, logit

from kentaudit.core import workdays
from kentaudit.core.errors import KentauditError
from kentaudit.inputs import actions, reference, schema as model

__all__ = [
    "SyntheticData", "generate", "write_synthetic", "applicable", "model_probability",
    "FRAME_DATE", "ANNUAL_CYCLES", "DISTRICT_EFFECTS", "CRITERION_EFFECTS",
    "LARGE_EFFECT_THRESHOLD", "district_effect", "large_effects", "CYCLE_EFFECTS",
    "CRITERION_BASELINE", "ELECTRONIC_SEES_YES", "GRADE_THRESHOLDS",
    "SYNTHETIC_FILES", "synthetic_register", "SYNTHETIC_REGISTER_SEED",
]

# ---------------------------------------------------------------- parameters
#: The sampling frame is the cases open on this date (the 2009 population).
FRAME_DATE = np.datetime64("2008-12-31")
ANNUAL_CYCLES = ("2010", "2011", "2012", "2013")
N_INITIAL, N_EXTENDED, N_REAUDIT = 120, 360, 60
N_ANNUAL_PER_DISTRICT = 25
# working-day windows of the 2009 audits: the first phase reported on
# 12 February 2009; the extension was to run "over the next 5-6 weeks"
INITIAL_WINDOW = ("2009-01-05", "2009-01-30")
EXTENDED_WINDOW = ("2009-02-16", "2009-03-27")

#: Case mix (assumptions; sources in docs/synthetic-data.md).
CASE_STATUS_P = {"cp_plan": 0.74, "s47": 0.08, "cin": 0.10, "lac": 0.08}
CP_CATEGORY_P = {"neglect": 0.44, "emotional": 0.28, "physical": 0.14,
                 "sexual": 0.05, "multiple": 0.09}
AGE_BAND_P = {"unborn": 0.03, "under_1": 0.11, "1-4": 0.29, "5-9": 0.26,
              "10-15": 0.27, "16-17": 0.04}
RISK_P = {"risk_domestic_abuse": 0.45, "risk_mental_health": 0.35,
          "risk_substance": 0.28, "risk_repeat_plan": 0.13}
#: P(violent partner | domestic abuse), P(violent partner | no domestic abuse)
VIOLENT_PARTNER_P = (0.40, 0.05)
#: P(a core assessment was started) by case status (ca_timely applies only then)
CORE_ASSESSMENT_P = {"cp_plan": 0.90, "s47": 0.70, "cin": 0.55, "lac": 0.50}
CASES_PER_TEAM = 45

#: Baseline (2009) probability of "Y" for a case of average quality with no
#: risk flags, in an average district. Used as logit intercepts.
CRITERION_BASELINE = {
    "seen": 0.85, "seen_alone": 0.60, "voice": 0.50, "ia_timely": 0.70,
    "ca_timely": 0.62, "risk_analysis": 0.50, "chronology": 0.45,
    "genogram": 0.55, "strategy": 0.85, "icpc_15wd": 0.75,
    "core_group_10wd": 0.70, "review_3m": 0.88, "smart_plan": 0.45,
    "mgmt_oversight": 0.60, "supervision": 0.50, "multi_agency": 0.75,
    "agency_attendance": 0.70, "recording_current": 0.55,
    "ics_exemplars": 0.50, "records_consistent": 0.55,
}
#: General district effects on the logit scale, on every criterion (fixed, not
#: drawn: the same for every seed). Thanet and Swale are somewhat worse,
#: Tunbridge Wells somewhat better, Maidstone exactly average (0); they sum to
#: zero. The large, criterion-specific differences are in CRITERION_EFFECTS.
DISTRICT_EFFECTS = {
    "Ashford": 0.03125, "Canterbury": 0.03125, "Dartford": 0.03125, "Dover": 0.03125,
    "Gravesham": 0.03125, "Maidstone": 0.0, "Sevenoaks": 0.03125, "Shepway": 0.03125,
    "Swale": -0.25, "Thanet": -0.3, "Tonbridge and Malling": 0.03125,
    "Tunbridge Wells": 0.3,
}
#: Built-in criterion-specific differences (logit scale, added to the general
#: effect). Criteria chosen among those that apply to (nearly) every annual
#: file, so district denominators are large. Thanet's and Swale's criteria do
#: not overlap, and neither overlaps Tunbridge Wells's (see docs/synthetic-data.md:
#: one extreme district per criterion and side is what the funnel's winsorised
#: overdispersion estimate is built to set aside).
CRITERION_EFFECTS = {
    "Thanet": {"chronology": -1.7, "supervision": -1.7, "mgmt_oversight": -1.7,
               "smart_plan": -1.7, "recording_current": -1.7},
    "Swale": {"risk_analysis": -1.7, "genogram": -1.7, "ics_exemplars": -1.7,
              "records_consistent": -1.7, "multi_agency": -1.7},
    "Tunbridge Wells": {"voice": 1.5, "seen_alone": 1.5},
}
#: The districts that carry no built-in criterion effect of their own and
#: absorb, equally, minus the sum of the others on each criterion, so that on
#: every criterion the district effects sum to zero (Maidstone stays exactly 0
#: and exactly at the mean of the district effects).
_CENTRING_DISTRICTS = tuple(d for d in DISTRICT_EFFECTS
                            if d not in CRITERION_EFFECTS and d != "Maidstone")
#: A (district, criterion) cell is "large" when |total effect| >= this.
LARGE_EFFECT_THRESHOLD = 1.0


def district_effect(district: str, criterion: str) -> float:
    """Total district effect on the logit scale for one criterion.

    ``DISTRICT_EFFECTS[district] + CRITERION_EFFECTS[district][criterion]``,
    plus, for the eight districts in ``_CENTRING_DISTRICTS``, the centring
    term ``-sum(built-in criterion effects) / 8`` that makes the effects sum to
    zero over districts on every criterion. Maidstone's is exactly 0.
    """
    eff = DISTRICT_EFFECTS[district] + CRITERION_EFFECTS.get(district, {}).get(criterion, 0.0)
    if district in _CENTRING_DISTRICTS:
        eff -= sum(v.get(criterion, 0.0) for v in CRITERION_EFFECTS.values()) / len(_CENTRING_DISTRICTS)
    return float(eff)


def large_effects(criteria=None) -> list[dict]:
    """The (district, criterion) cells whose total effect is large.

    Returns a list of ``{"district", "criterion", "effect", "direction"}``
    (direction ``"below"`` or ``"above"`` the average), sorted by district and
    criterion, for every cell with ``|district_effect| >= LARGE_EFFECT_THRESHOLD``.
    """
    crits = list(CRITERION_BASELINE) if criteria is None else list(criteria)
    out = []
    for d in sorted(DISTRICT_EFFECTS):
        for c in crits:
            e = district_effect(d, c)
            if abs(e) >= LARGE_EFFECT_THRESHOLD:
                out.append({"district": d, "criterion": c, "effect": _f(e),
                            "direction": "below" if e < 0 else "above"})
    return out


#: Improvement over cycles on the logit scale (2009 = 0).
CYCLE_EFFECTS = {"2009": 0.0, "2010": 0.45, "2011": 0.8, "2012": 1.2, "2013": 1.5}
#: Risk slope per risk flag (domestic abuse, mental health, substance,
#: violent partner, repeat plan) on the logit scale.
RISK_SLOPE = -0.12
#: Standard deviation of the case-quality effect (shared by all criteria of a
#: case; it is what makes answers and grades of a case hang together).
CASE_SD = 0.8
#: P(an electronic-only reading finds the evidence | the comprehensive file
#: has it), by where the evidence lives. A "Y" not found is recorded "N".
ELECTRONIC_SEES_YES = {"ics": 1.0, "both": 0.80, "hard_copy": 0.50}
#: P(the auditor's timeliness answer agrees with the answer derived from the
#: process dates), for icpc_15wd, core_group_10wd and review_3m.
DERIVED_AGREEMENT = 0.95
#: P(an applicable answer is left blank, i.e. missing).
MISSING_ANSWER_P = 0.03
MISSING_FLAG_P = 0.01
#: Grade model: latent = GRADE_SLOPE x share of "N" among applicable true
#: answers + GRADE_NOISE x e (+ HARD_COPY_PROBLEM when the hard copy is read
#: and the case has a problem only the hard copy shows); cut at the thresholds.
GRADE_SLOPE = 4.0
GRADE_NOISE = 0.5
GRADE_THRESHOLDS = (-0.2, 0.9, 2.1)
HARD_COPY_PROBLEM = 1.0
#: P(a problem only the hard copy shows | records consistent), (| not consistent)
HARD_COPY_PROBLEM_P = (0.15, 0.45)
#: Moderation: share moderated, P(moderated grade changed), P(down | changed).
MODERATION_SHARE = 0.15
MODERATION_CHANGE_P = 0.30
MODERATION_DOWN_P = 0.85
NOTES_BLANK_P = 0.8
NOTES = (
    "File read in full.", "Chronology needs updating.", "Hard-copy file located.",
    "Discussed with team manager.", "Actions from the plan outstanding.",
    "Evidence found on the hard copy only.", "Case recently transferred.",
    "Supervision notes brief.", "Plan reviewed and updated.", "Good multi-agency input.",
)
DERIVED = ("icpc_15wd", "core_group_10wd", "review_3m")

SYNTHETIC_FILES = tuple(
    ["audits_2009.csv"] + [f"audits_{c}.csv" for c in ANNUAL_CYCLES]
    + ["audits_2009.xlsx", "sampling_frame.csv", "truth.json", "README.md", "actions.csv"]
)
FRAME_COLUMNS = ["case_ref", "district", "team", "case_status", "cp_category",
                 "age_band", "plan_start_date", *model.RISK_FLAGS]
_RISK_SCORE_FLAGS = ("risk_domestic_abuse", "risk_mental_health", "risk_substance",
                     "risk_violent_partner", "risk_repeat_plan")
_FIXED_TIME = pd.Timestamp("2014-01-01 00:00:00").to_pydatetime()


@dataclass(frozen=True)
class SyntheticData:
    """A generated data set.

    Attributes
    ----------
    frame : DataFrame
        The 2009 sampling frame, columns :data:`FRAME_COLUMNS` (no answers).
    audits : DataFrame
        Every audit of every cycle, columns ``model.columns()`` in order.
    truth : dict
        What ``truth.json`` holds: parameters and true population values.
    cases : DataFrame
        Case-level latent truth for every audited case and every frame case:
        ``case_ref``, ``cycle``, ``core_assessment`` (bool), ``quality`` (the
        case effect) and ``t_<criterion>`` (bool: the comprehensive-file answer
        before applicability). Held in memory only; not written.
    seed : int
    """

    frame: pd.DataFrame
    audits: pd.DataFrame
    truth: dict
    cases: pd.DataFrame
    seed: int

    def cycle(self, cycle: str) -> pd.DataFrame:
        """The audits of one cycle (e.g. ``"2009"``), in file order."""
        return self.audits[self.audits["cycle"] == str(cycle)].reset_index(drop=True)


# ---------------------------------------------------------------- calendars
@lru_cache(maxsize=1)
def _cal() -> np.busdaycalendar:
    # same calendar as kentaudit.core.workdays (England & Wales bank holidays)
    return np.busdaycalendar(weekmask="1111100", holidays=workdays.bank_holidays())


def _wd(d, n=0, roll="forward"):
    return np.busday_offset(np.asarray(d, dtype="datetime64[D]"), n, roll=roll, busdaycal=_cal())


def _add_months(d, months: int) -> np.ndarray:
    return (pd.DatetimeIndex(np.asarray(d, dtype="datetime64[D]")) + pd.DateOffset(months=months)
            ).to_numpy().astype("datetime64[D]")


def _working_days_in(first: str, last: str) -> np.ndarray:
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1)
    return days[np.is_busday(days, busdaycal=_cal())]


# ---------------------------------------------------------------- applicability
def applicable(crit: str, case_status, age_band, record_source, icpc_date=None,
               audit_date=None, core_assessment=None) -> np.ndarray:
    """Where a criterion applies, following the catalogue's ``applies_when``.

    Parameters
    ----------
    crit : str
        Criterion id.
    case_status, age_band, record_source : array-like of str
    icpc_date, audit_date : array-like of datetime64, optional
        Needed for ``review_3m`` (applies when the conference was at least
        3 months before the audit).
    core_assessment : array-like of bool, optional
        Needed for ``ca_timely`` (applies when a core assessment was started).

    Returns
    -------
    numpy bool array.
    """
    st = np.asarray(case_status, dtype=object)
    age = np.asarray(age_band, dtype=object)
    src = np.asarray(record_source, dtype=object)
    ones = np.ones(len(st), dtype=bool)
    if crit in ("seen_alone", "voice"):
        return ~np.isin(age, ["unborn", "under_1"])
    if crit == "strategy":
        return np.isin(st, ["s47", "cp_plan"])
    if crit in ("icpc_15wd", "core_group_10wd", "agency_attendance"):
        return st == "cp_plan"
    if crit == "review_3m":
        icpc = np.asarray(icpc_date, dtype="datetime64[D]")
        ok = ~np.isnat(icpc)
        due = np.where(ok, _add_months(np.where(ok, icpc, np.datetime64("2000-01-01")), 3),
                       np.datetime64("NaT"))
        return (st == "cp_plan") & ok & (due <= np.asarray(audit_date, dtype="datetime64[D]"))
    if crit == "smart_plan":
        return np.isin(st, ["cp_plan", "cin", "lac"])
    if crit == "records_consistent":
        return src == "comprehensive"
    if crit == "ca_timely":
        return np.asarray(core_assessment, dtype=bool)
    return ones


# ---------------------------------------------------------------- generation
def _pick(rng, probs: dict, n: int) -> np.ndarray:
    keys = np.array(list(probs), dtype=object)
    p = np.array(list(probs.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _teams(districts: pd.DataFrame) -> dict:
    return {r.district: [f"{r.district} CP Team {k + 1}"
                         for k in range(max(2, int(round(r.children_on_plans / CASES_PER_TEAM))))]
            for r in districts.itertuples()}


def _draw_cases(rng, district: np.ndarray, teams: dict) -> pd.DataFrame:
    """Case attributes and latent quality for cases in the given districts."""
    n = len(district)
    status = _pick(rng, CASE_STATUS_P, n)
    cat = _pick(rng, CP_CATEGORY_P, n)
    age = _pick(rng, AGE_BAND_P, n)
    u = rng.random((n, 6))
    df = pd.DataFrame({"district": district})
    k = rng.integers(0, 1000, n)
    df["team"] = [teams[d][j % len(teams[d])] for d, j in zip(district.tolist(), k.tolist())]
    df["case_status"] = status
    df["cp_category"] = np.where(status == "cp_plan", cat, None)
    df["age_band"] = age
    flags = {"risk_under1": np.isin(age, ["unborn", "under_1"])}
    for j, f in enumerate(RISK_P):
        flags[f] = u[:, j] < RISK_P[f]
    flags["risk_violent_partner"] = u[:, 4] < np.where(flags["risk_domestic_abuse"], *VIOLENT_PARTNER_P)
    for f in model.RISK_FLAGS:
        df[f] = flags[f]
    df["core_assessment"] = u[:, 5] < np.array([CORE_ASSESSMENT_P[s] for s in status])
    df["quality"] = rng.normal(0.0, CASE_SD, n)
    df["hc_u"] = rng.random(n)
    return df


def _risk_score(cases: pd.DataFrame) -> np.ndarray:
    return cases[list(_RISK_SCORE_FLAGS)].to_numpy().sum(axis=1)


def _true_answers(rng, cases: pd.DataFrame, cycle: str, crit_ids) -> pd.DataFrame:
    """Latent comprehensive-file answers (bool) for every criterion."""
    eta0 = (CYCLE_EFFECTS[cycle] + RISK_SLOPE * _risk_score(cases) + cases["quality"].to_numpy())
    u = rng.random((len(cases), len(crit_ids)))
    a = np.array([logit(CRITERION_BASELINE[c]) for c in crit_ids])
    dnames = sorted(DISTRICT_EFFECTS)
    eff = np.array([[district_effect(d, c) for c in crit_ids] for d in dnames])
    row = pd.Categorical(cases["district"], categories=dnames).codes
    p = expit(eta0[:, None] + a[None, :] + eff[row])
    return pd.DataFrame(u < p, columns=[f"t_{c}" for c in crit_ids], index=cases.index)


def _process_dates(rng, cases: pd.DataFrame, truth: pd.DataFrame, ref) -> pd.DataFrame:
    """Process dates consistent with the true timeliness answers.

    ``ref`` is the date the dates are relative to (the frame date for the 2009
    population, the audit date for annual cases); nothing is after ``ref``
    except a first review, which the caller blanks if it is after the audit.
    """
    n = len(cases)
    ref = np.broadcast_to(np.asarray(ref, dtype="datetime64[D]"), (n,))
    st = cases["case_status"].to_numpy()
    u = rng.random((n, 8))
    nat = np.datetime64("NaT", "D")
    # initial conference: 45 days to about 2 years before ref (median ~9 months)
    back = (45 + np.minimum(rng.gamma(1.6, 160.0, n), 700)).astype(int)
    icpc = _wd(ref - back.astype("timedelta64[D]"), 0, "backward")
    t15, t10, t3m = (truth[f"t_{c}"].to_numpy() for c in DERIVED)
    k = np.where(t15, 4 + (u[:, 0] * 12).astype(int), 16 + (u[:, 0] * 20).astype(int))  # 4..15 / 16..35
    strategy = _wd(icpc, -k)
    m = np.where(t10, 1 + (u[:, 1] * 10).astype(int), 11 + (u[:, 1] * 10).astype(int))  # 1..10 / 11..20
    core = _wd(icpc, m)
    due = _add_months(icpc, 3)
    early = due - (u[:, 2] * 35).astype(int).astype("timedelta64[D]")
    late = due + (1 + (u[:, 2] * 60).astype(int)).astype("timedelta64[D]")
    review = np.where(t3m, _wd(early, 0, "backward"), _wd(late, 0, "forward"))
    s47_start = _wd(strategy, (u[:, 3] < 0.5).astype(int))
    # s47 enquiries in progress: strategy discussion 5-40 days before ref
    s47_strat = _wd(ref - (5 + (u[:, 4] * 36).astype(int)).astype("timedelta64[D]"), 0, "backward")
    s47_s47 = _wd(s47_strat, 0)
    plan = _wd(ref - (30 + (u[:, 5] * 870).astype(int)).astype("timedelta64[D]"), 0, "backward")
    cp = st == "cp_plan"
    is47 = st == "s47"
    out = pd.DataFrame(index=cases.index)
    out["strategy_date"] = np.where(cp, strategy, np.where(is47, s47_strat, nat))
    out["s47_start_date"] = np.where(cp, s47_start, np.where(is47, s47_s47, nat))
    out["icpc_date"] = np.where(cp, icpc, nat)
    out["first_core_group_date"] = np.where(cp, core, nat)
    out["first_review_date"] = np.where(cp, review, nat)
    out["plan_start_date"] = np.where(cp, icpc, np.where(is47, nat, plan))
    return out


def _assign_refs(rng, n: int) -> np.ndarray:
    nums = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    return np.array([f"SYN-{x:07d}" for x in nums], dtype=object)


def _read_file(rng, cases, truth, dates, audit_date, source, crit_cat) -> tuple[pd.DataFrame, dict]:
    """Answers as an auditor records them, and the grade inputs.

    Returns the answer columns (object: "Y"/"N"/"NA"/pd.NA) and a dict with
    the share of "N" among applicable true answers overall and by domain.
    """
    n = len(cases)
    src = np.full(n, source, dtype=object)
    ids = list(crit_cat["id"])
    u = rng.random((n, len(ids), 3))
    ad = np.broadcast_to(np.asarray(audit_date, dtype="datetime64[D]"), (n,))
    icpc = dates["icpc_date"].to_numpy().astype("datetime64[D]")
    review_shown = dates["first_review_date"].to_numpy().astype("datetime64[D]") <= ad
    st = cases["case_status"].to_numpy(dtype=object)
    age = cases["age_band"].to_numpy(dtype=object)
    core = cases["core_assessment"].to_numpy(dtype=bool)
    ans = {}
    app_all, true_all = {}, {}
    for j, r in enumerate(crit_cat.itertuples()):
        c = r.id
        app = applicable(c, st, age, src, icpc, ad, core)
        t = truth[f"t_{c}"].to_numpy()
        rec = t.copy()
        if source == "electronic":
            rec = t & (u[:, j, 0] < ELECTRONIC_SEES_YES[r.evidence])
        if c in DERIVED:
            derivable = app if c != "review_3m" else app & review_shown
            flip = derivable & (u[:, j, 1] >= DERIVED_AGREEMENT)
            rec = np.where(flip, ~rec, rec)
        val = np.where(rec, model.YES, model.NO).astype(object)
        val = np.where(app, val, model.NOT_APPLICABLE)
        val = np.where(app & (u[:, j, 2] < MISSING_ANSWER_P), pd.NA, val)
        ans[f"c_{c}"] = val
        app_all[c], true_all[c] = app, t
    a = np.column_stack([app_all[c] for c in ids])
    tn = np.column_stack([~true_all[c] for c in ids])
    nshare = (a & tn).sum(1) / np.maximum(a.sum(1), 1)
    dom = {}
    for d in model.DOMAINS:
        cols = [k for k, c in enumerate(ids) if crit_cat["domain"].iloc[k] == d]
        ad, nd = a[:, cols], tn[:, cols]
        dom[d] = (np.where(ad.any(1), (ad & nd).sum(1) / np.maximum(ad.sum(1), 1), np.nan))
    return pd.DataFrame(ans, index=cases.index), {"nshare": nshare, "domain": dom}


def _cut(latent: np.ndarray) -> np.ndarray:
    return 1 + (latent[..., None] > np.array(GRADE_THRESHOLDS)).sum(-1)


def _grades(rng, cases, truth, gin, source) -> pd.DataFrame:
    n = len(cases)
    e = rng.normal(0.0, 1.0, (n, 1 + len(model.DOMAINS)))
    hc = np.zeros(n)
    if source == "comprehensive":
        p = np.where(truth["t_records_consistent"].to_numpy(), *HARD_COPY_PROBLEM_P)
        hc = HARD_COPY_PROBLEM * (cases["hc_u"].to_numpy() < p)
    base = GRADE_SLOPE * gin["nshare"] + hc
    out = pd.DataFrame(index=cases.index)
    out["overall_grade"] = _cut(base + GRADE_NOISE * e[:, 0])
    for k, d in enumerate(model.DOMAINS):
        sh = gin["domain"][d]
        lat = GRADE_SLOPE * (0.5 * gin["nshare"] + 0.5 * np.nan_to_num(sh)) + hc + GRADE_NOISE * e[:, k + 1]
        g = pd.array(_cut(lat), dtype="Int64")
        g[np.isnan(sh)] = pd.NA
        out[f"grade_{d}"] = g
    out["overall_grade"] = out["overall_grade"].astype("Int64")
    return out


def _moderate(rng, grades: np.ndarray, auditors: np.ndarray, pool: list) -> tuple:
    n = len(grades)
    u = rng.random((n, 3))
    k = int(round(MODERATION_SHARE * n))
    chosen = np.zeros(n, dtype=bool)
    chosen[rng.choice(n, size=k, replace=False)] = True
    other = np.array([pool[(pool.index(a) + 1 + int(x * (len(pool) - 1))) % len(pool)]
                      for a, x in zip(auditors, u[:, 0])], dtype=object)
    change = u[:, 1] < MODERATION_CHANGE_P
    step = np.where(u[:, 2] < MODERATION_DOWN_P, 1, -1)
    # a grade already at the end of the scale cannot move further: unchanged
    feasible = (grades + step >= 1) & (grades + step <= 4)
    mod = np.where(change & feasible, grades + step, grades)
    moderator = np.where(chosen, other, None)
    mg = pd.array(np.where(chosen, mod, 0), dtype="Int64")
    mg[~chosen] = pd.NA
    return moderator, mg


def _flags_out(rng, cases) -> dict:
    u = rng.random((len(cases), len(model.RISK_FLAGS)))
    out = {}
    for j, f in enumerate(model.RISK_FLAGS):
        v = np.where(cases[f].to_numpy(), "Y", "N").astype(object)
        out[f] = np.where(u[:, j] < MISSING_FLAG_P, pd.NA, v)
    return out


def _notes(rng, n) -> np.ndarray:
    u = rng.random(n)
    k = rng.integers(0, len(NOTES), n)
    return np.where(u < NOTES_BLANK_P, pd.NA, np.array(NOTES, dtype=object)[k])


def _audit_rows(rng, cycle, sample, source, cases, truth, dates, audit_date, auditors,
                crit_cat) -> tuple[pd.DataFrame, dict]:
    ans, gin = _read_file(rng, cases, truth, dates, audit_date, source, crit_cat)
    grades = _grades(rng, cases, truth, gin, source)
    df = pd.DataFrame(index=cases.index)
    df["case_ref"] = cases["case_ref"]
    df["cycle"] = cycle
    df["sample"] = sample
    for c in ("district", "team", "case_status", "cp_category", "age_band"):
        df[c] = cases[c]
    df["record_source"] = source
    df["auditor"] = auditors
    df["audit_date"] = np.asarray(audit_date, dtype="datetime64[D]")
    df = pd.concat([df, grades, ans], axis=1)
    ad = np.asarray(audit_date, dtype="datetime64[D]")
    for d in model.PROCESS_DATES:
        v = dates[d].to_numpy().astype("datetime64[D]")
        df[d] = np.where(v <= ad, v, np.datetime64("NaT"))
    for f, v in _flags_out(rng, cases).items():
        df[f] = v
    df["notes"] = _notes(rng, len(df))
    return df, gin


def _finite_truth(cases, truth, dates, crit_ids, ref_date, by_district=True) -> dict:
    """True compliance among applicable cases (finite population values)."""
    src = np.full(len(cases), "comprehensive", dtype=object)
    out = {"overall": {}, "by_district": {}}
    st = cases["case_status"].to_numpy(dtype=object)
    age = cases["age_band"].to_numpy(dtype=object)
    icpc = dates["icpc_date"].to_numpy().astype("datetime64[D]")
    core = cases["core_assessment"].to_numpy(dtype=bool)
    dist = cases["district"].to_numpy(dtype=object)
    for c in crit_ids:
        app = applicable(c, st, age, src, icpc, np.full(len(cases), ref_date), core)
        t = truth[f"t_{c}"].to_numpy()
        out["overall"][c] = {"applicable": int(app.sum()), "yes": int((t & app).sum()),
                             "p": _f(t[app].mean())}
        if by_district:
            for d in sorted(DISTRICT_EFFECTS):
                m = app & (dist == d)
                out["by_district"].setdefault(d, {})[c] = {
                    "applicable": int(m.sum()), "yes": int((t & m).sum()),
                    "p": _f(t[m].mean()) if m.any() else None}
    return out


def _f(x) -> float:
    """Fixed precision for floats written to truth.json (output only)."""
    return float(f"{float(x):.12g}")


# ---------------------------------------------------------------- model probabilities
@lru_cache(maxsize=1)
def _case_types() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (status, age, risk score) combination with its probability."""
    # risk score = DA + MH + SUB + VP + repeat; VP depends on DA
    score_p = np.zeros(6)
    pda, pvp_da, pvp_no = RISK_P["risk_domestic_abuse"], *VIOLENT_PARTNER_P
    others = [RISK_P["risk_mental_health"], RISK_P["risk_substance"], RISK_P["risk_repeat_plan"]]
    dist_o = np.array([1.0])
    for p in others:
        dist_o = np.convolve(dist_o, [1 - p, p])
    for da, pvp in ((1, pvp_da), (0, pvp_no)):
        w = pda if da else 1 - pda
        for vp in (0, 1):
            wv = pvp if vp else 1 - pvp
            for s, ps in enumerate(dist_o):
                score_p[da + vp + s] += w * wv * ps
    st, ag, sc, pr = [], [], [], []
    for s, ps in CASE_STATUS_P.items():
        for a, pa in AGE_BAND_P.items():
            for k in range(6):
                st.append(s); ag.append(a); sc.append(k); pr.append(ps * pa * score_p[k])
    return np.array(st, dtype=object), np.array(ag, dtype=object), np.array(sc), np.array(pr)


@lru_cache(maxsize=1)
def _nodes() -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite_e.hermegauss(40)
    return x, w / w.sum()


def model_probability(crit: str, district: str, cycle: str) -> float:
    """P(Y) for a comprehensive reading of a random applicable case.

    Integrates the logistic model over the case mix (exactly, by enumerating
    status x age band x risk score) and the case-quality effect (Gauss-Hermite
    quadrature, 40 nodes). ``review_3m`` applicability does not depend on the
    case, so it is treated as applying to every ``cp_plan`` case.
    """
    st, ag, sc, pr = _case_types()
    x, w = _nodes()
    eta = (logit(CRITERION_BASELINE[crit]) + district_effect(district, crit) + CYCLE_EFFECTS[cycle]
           + RISK_SLOPE * sc)
    p_case = (expit(eta[:, None] + CASE_SD * x[None, :]) * w).sum(1)
    if crit == "review_3m":
        app = st == "cp_plan"
        wt = pr * app
    elif crit == "ca_timely":
        wt = pr * np.array([CORE_ASSESSMENT_P[s] for s in st])
    elif crit == "records_consistent":
        wt = pr
    else:
        app = applicable(crit, st, ag, np.full(len(st), "comprehensive", dtype=object))
        wt = pr * app
    return float((p_case * wt).sum() / wt.sum())


# ---------------------------------------------------------------- main entry
def generate(seed: int = 1) -> SyntheticData:
    """Generate the synthetic Kent audit data set (pure: no I/O).

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same data.

    Returns
    -------
    SyntheticData
        ``frame`` (the 2009 sampling frame: ``case_ref, district, team,
        case_status, cp_category, age_band, plan_start_date, risk_*``),
        ``audits`` (all cycles; columns exactly ``model.columns()`` in order),
        ``truth`` (what ``truth.json`` holds) and ``cases`` (case-level latent
        answers, in memory only).

    Notes
    -----
    The model and the sources of its priors are in ``docs/synthetic-data.md``.
    Tests: ``tests/inputs/test_synthetic.py`` (sizes, rules, determinism) and
    ``tests/inputs/test_synthetic_recovery.py`` (Wilson intervals of sample proportions
    cover the true values at about the nominal rate over many seeds).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise KentauditError(f"synthetic data seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    dist = reference.districts()
    crit_cat = reference.criteria()
    crit_ids = list(crit_cat["id"])
    unknown = set(crit_ids) - set(CRITERION_BASELINE)
    if unknown or set(dist["district"]) != set(DISTRICT_EFFECTS):
        raise KentauditError(
            "the synthetic generator has no parameters for criteria "
            f"{sorted(unknown)} or districts {sorted(set(dist['district']) ^ set(DISTRICT_EFFECTS))}; "
            "it works with the bundled catalogue and district table only")
    teams = _teams(dist)
    auditors = [f"AUD{k:02d}" for k in range(1, 15)]

    # ---- 2009 population (sampling frame)
    district = np.repeat(dist["district"].to_numpy(dtype=object), dist["children_on_plans"].to_numpy())
    pop = _draw_cases(rng, district, teams)
    n_pop = len(pop)
    n_annual = N_ANNUAL_PER_DISTRICT * len(dist) * len(ANNUAL_CYCLES)
    refs = _assign_refs(rng, n_pop + n_annual)
    pop["case_ref"] = refs[:n_pop]
    pop_truth = _true_answers(rng, pop, "2009", crit_ids)
    pop_dates = _process_dates(rng, pop, pop_truth, FRAME_DATE)

    # ---- 2009 samples
    score = _risk_score(pop) + pop["risk_under1"].to_numpy()
    w = np.exp(0.9 * score) * np.isin(pop["case_status"], ["cp_plan", "s47"])
    initial = np.sort(rng.choice(n_pop, size=N_INITIAL, replace=False, p=w / w.sum()))
    rest = np.setdiff1d(np.arange(n_pop), initial)
    rest_d = pop["district"].to_numpy()[rest]
    sizes = pd.Series(rest_d).value_counts().reindex(dist["district"]).to_numpy()
    quota = N_EXTENDED * sizes / sizes.sum()
    alloc = np.floor(quota).astype(int)
    order = np.argsort(-(quota - alloc), kind="stable")
    alloc[order[: N_EXTENDED - alloc.sum()]] += 1  # largest remainder
    extended = np.sort(np.concatenate([
        rng.choice(rest[rest_d == d], size=a, replace=False)
        for d, a in zip(dist["district"], alloc)]))
    reaudit = np.sort(rng.choice(initial, size=N_REAUDIT, replace=False))

    wd_i = _working_days_in(*INITIAL_WINDOW)
    wd_e = _working_days_in(*EXTENDED_WINDOW)
    parts = []
    plan = [("initial", initial, "electronic", wd_i), ("extended", extended, "comprehensive", wd_e),
            ("reaudit", reaudit, "comprehensive", wd_e)]
    first_auditor = {}
    for sample, idx, source, days in plan:
        c = pop.iloc[idx]
        ad = days[rng.integers(0, len(days), len(idx))]
        aud = np.array(auditors[:10], dtype=object)[rng.integers(0, 10, len(idx))]
        if sample == "reaudit":  # a different auditor reads the comprehensive file
            aud = np.array([auditors[(auditors.index(first_auditor[r]) + 1 + k) % 10]
                            for r, k in zip(c["case_ref"], rng.integers(0, 9, len(idx)))], dtype=object)
        rows, _ = _audit_rows(rng, "2009", sample, source, c, pop_truth.iloc[idx],
                                pop_dates.iloc[idx], ad, aud, crit_cat)
        if sample == "initial":
            first_auditor = dict(zip(rows["case_ref"], rows["auditor"]))
        parts.append(rows)
    a09 = pd.concat(parts, ignore_index=True)

    # ---- annual cycles
    annual_parts, annual_cases = [], []
    pos = n_pop
    for cycle in ANNUAL_CYCLES:
        days = _working_days_in(f"{cycle}-01-04", f"{cycle}-12-20")
        dd = np.repeat(dist["district"].to_numpy(dtype=object), N_ANNUAL_PER_DISTRICT)
        cs = _draw_cases(rng, dd, teams)
        cs["case_ref"] = refs[pos:pos + len(cs)]
        pos += len(cs)
        tr = _true_answers(rng, cs, cycle, crit_ids)
        ad = np.sort(days[rng.integers(0, len(days), len(cs))])
        ad = ad[rng.permutation(len(cs))]
        dt = _process_dates(rng, cs, tr, ad)
        aud = np.array(auditors, dtype=object)[rng.integers(0, len(auditors), len(cs))]
        rows, _ = _audit_rows(rng, cycle, "annual", "comprehensive", cs, tr, dt, ad, aud, crit_cat)
        annual_parts.append(rows)
        annual_cases.append(pd.concat([cs[["case_ref", "core_assessment", "quality"]].assign(cycle=cycle), tr], axis=1))

    audits = pd.concat([a09, *annual_parts], ignore_index=True)
    # ---- moderation (per cycle)
    mods, mgs = [], []
    for cycle in ("2009", *ANNUAL_CYCLES):
        m = audits["cycle"].to_numpy() == cycle
        mo, mg = _moderate(rng, audits.loc[m, "overall_grade"].to_numpy(dtype=int),
                           audits.loc[m, "auditor"].to_numpy(), auditors)
        mods.append(mo)
        mgs.append(mg)
    audits["moderator"] = np.concatenate(mods)
    audits["moderated_grade"] = pd.array(np.concatenate([np.asarray(g, dtype=object) for g in mgs]), dtype="Int64")

    # ---- order, ids, columns and dtypes
    sample_order = {s: k for k, s in enumerate(model.SAMPLES)}
    audits["_s"] = audits["sample"].map(sample_order)
    audits = audits.sort_values(["cycle", "_s", "audit_date", "district", "case_ref"], kind="stable")
    audits = audits.drop(columns="_s").reset_index(drop=True)
    audits["audit_id"] = [f"A{c}-{k + 1:04d}" for c, k in zip(audits["cycle"], audits.groupby("cycle").cumcount())]
    cols = [c.name for c in model.columns()]
    audits = audits[cols]
    audits = _dtypes(audits)

    frame = pop[["case_ref", "district", "team", "case_status", "cp_category", "age_band", *model.RISK_FLAGS]].copy()
    frame["plan_start_date"] = pd.to_datetime(pop_dates["plan_start_date"].to_numpy())
    for f in model.RISK_FLAGS:
        frame[f] = np.where(pop[f].to_numpy(), "Y", "N").astype(object)
    frame["cp_category"] = frame["cp_category"].astype(object).where(frame["cp_category"].notna(), pd.NA)
    frame = frame[FRAME_COLUMNS].sort_values("case_ref").reset_index(drop=True)

    cases = pd.concat([
        pd.concat([pop[["case_ref", "core_assessment", "quality"]].assign(cycle="2009"), pop_truth], axis=1),
        *annual_cases], ignore_index=True)
    truth = _truth(seed, pop, pop_truth, pop_dates, initial, extended, reaudit, audits, crit_cat, cases)
    return SyntheticData(frame=frame, audits=audits, truth=truth, cases=cases, seed=int(seed))


def _dtypes(df: pd.DataFrame) -> pd.DataFrame:
    for c in model.columns():
        if c.kind == "date":
            df[c.name] = pd.to_datetime(df[c.name].to_numpy().astype("datetime64[D]"))
        elif c.kind == "grade":
            df[c.name] = df[c.name].astype("Int64")
        else:
            v = df[c.name].astype(object)
            df[c.name] = v.where(v.notna(), pd.NA)
    return df


def _grade_dist(g) -> dict:
    g = pd.Series(g).dropna().astype(int)
    n = len(g)
    return {"n": n, **{str(k): {"count": int((g == k).sum()), "p": _f((g == k).mean())} for k in range(1, 5)}}


def _truth(seed, pop, pop_truth, pop_dates, initial, extended, reaudit, audits, crit_cat, cases) -> dict:
    crit_ids = list(crit_cat["id"])
    ref09 = np.datetime64(EXTENDED_WINDOW[0])
    not_initial = np.setdiff1d(np.arange(len(pop)), initial)
    pop09 = _finite_truth(pop, pop_truth, pop_dates, crit_ids, ref09)
    rest09 = _finite_truth(pop.iloc[not_initial], pop_truth.iloc[not_initial], pop_dates.iloc[not_initial],
                           crit_ids, ref09)
    init09 = _finite_truth(pop.iloc[initial], pop_truth.iloc[initial], pop_dates.iloc[initial],
                           crit_ids, ref09, by_district=False)
    annual = {cy: {d: {c: _f(model_probability(c, d, cy)) for c in crit_ids} for d in sorted(DISTRICT_EFFECTS)}
              for cy in ("2009", *ANNUAL_CYCLES)}
    ann_mean = {cy: {c: _f(np.mean([annual[cy][d][c] for d in annual[cy]])) for c in crit_ids} for cy in annual}
    # electronic vs comprehensive, realised in the re-audit pairs
    a = audits
    ini = a[(a["cycle"] == "2009") & (a["sample"] == "initial")].set_index("case_ref")
    rea = a[(a["cycle"] == "2009") & (a["sample"] == "reaudit")].set_index("case_ref")
    ini = ini.loc[rea.index]
    diff = rea["overall_grade"].astype(int) - ini["overall_grade"].astype(int)
    pair_crit = {}
    for c in crit_ids:
        e, k = ini[f"c_{c}"], rea[f"c_{c}"]
        both = e.isin(["Y", "N"]).to_numpy() & k.isin(["Y", "N"]).to_numpy()
        pair_crit[c] = {"pairs": int(both.sum()),
                        "electronic_yes": int((e[both] == "Y").sum()),
                        "comprehensive_yes": int((k[both] == "Y").sum()),
                        "electronic_N_comprehensive_Y": int(((e[both] == "N") & (k[both] == "Y")).sum()),
                        "electronic_Y_comprehensive_N": int(((e[both] == "Y") & (k[both] == "N")).sum())}
    mod = {}
    for cy in ("2009", *ANNUAL_CYCLES):
        s = a[a["cycle"] == cy]
        m = s[s["moderator"].notna()]
        ch = m["moderated_grade"].astype(int) - m["overall_grade"].astype(int)
        mod[cy] = {"audits": len(s), "moderated": len(m), "changed": int((ch != 0).sum()),
                   "changed_down": int((ch > 0).sum()), "changed_up": int((ch < 0).sum()),
                   "share_moderated": _f(len(m) / len(s)),
                   "share_changed": _f((ch != 0).mean()) if len(m) else None}
    grades = {}
    for cy in ("2009", *ANNUAL_CYCLES):
        s = a[a["cycle"] == cy]
        grades[cy] = {smp: _grade_dist(s.loc[s["sample"] == smp, "overall_grade"])
                      for smp in model.SAMPLES if (s["sample"] == smp).any()}
        grades[cy]["expected_comprehensive"] = {str(k): _f(v) for k, v in _expected_grades(cy).items()}
    ranked = sorted(DISTRICT_EFFECTS, key=lambda d: DISTRICT_EFFECTS[d])
    return {
        "synthetic": True,
        "description": "True generating parameters and population values of kentaudit's synthetic Kent "
                       "audit data. Not real data. See docs/synthetic-data.md.",
        "seed": int(seed),
        "generator": "kentaudit.inputs.synthetic.generate",
        "conventions": {
            "p": "proportion of Y among applicable cases (true comprehensive-file answers)",
            "logit_model": "logit P(Y) = logit(baseline[criterion]) + district_criterion_effect[district]"
                           "[criterion] + cycle_effect "
                           "+ risk_slope * risk_score + quality, quality ~ N(0, case_sd)",
            "grades": "1 = best (Outstanding) .. 4 = worst (Inadequate)",
            "review_3m_applicability_in_population": "conference at least 3 months before "
                                                     f"{EXTENDED_WINDOW[0]} (start of the extended audits)",
        },
        "parameters": {
            "frame_date": str(FRAME_DATE),
            "sizes": {"frame": int(len(pop)), "initial": N_INITIAL, "extended": N_EXTENDED,
                      "reaudit": N_REAUDIT, "annual_per_district": N_ANNUAL_PER_DISTRICT},
            "initial_selection": "probability proportional to exp(0.9 x number of risk flags), "
                                 "cp_plan and s47 cases only, without replacement",
            "extended_allocation": "proportional to district size among cases not in the initial sample "
                                   "(largest remainder), simple random sampling within district",
            "criterion_baseline": {c: CRITERION_BASELINE[c] for c in crit_ids},
            "district_effects": DISTRICT_EFFECTS,
            "criterion_effects": CRITERION_EFFECTS,
            "centring_districts": list(_CENTRING_DISTRICTS),
            "district_criterion_effects": {d: {c: _f(district_effect(d, c)) for c in crit_ids}
                                           for d in sorted(DISTRICT_EFFECTS)},
            "large_effects": {
                "threshold": LARGE_EFFECT_THRESHOLD,
                "rule": "|district_criterion_effect| >= threshold (logit scale); direction 'below' "
                        "for a negative effect, 'above' for a positive one",
                "cells": large_effects(crit_ids)},
            "districts_worse": [d for d in ranked if DISTRICT_EFFECTS[d] < -0.2],
            "districts_better": [d for d in ranked if DISTRICT_EFFECTS[d] > 0.2],
            "districts_average": [d for d in ranked if DISTRICT_EFFECTS[d] == 0.0],
            "cycle_effects": CYCLE_EFFECTS,
            "risk_slope": RISK_SLOPE, "case_sd": CASE_SD,
            "case_status_p": CASE_STATUS_P, "cp_category_p": CP_CATEGORY_P, "age_band_p": AGE_BAND_P,
            "risk_p": RISK_P, "violent_partner_p_given_da": list(VIOLENT_PARTNER_P),
            "core_assessment_p": CORE_ASSESSMENT_P,
            "electronic_sees_yes": ELECTRONIC_SEES_YES,
            "derived_agreement": DERIVED_AGREEMENT,
            "missing_answer_p": MISSING_ANSWER_P, "missing_flag_p": MISSING_FLAG_P,
            "grade_model": {"slope": GRADE_SLOPE, "noise_sd": GRADE_NOISE,
                            "thresholds": list(GRADE_THRESHOLDS),
                            "hard_copy_problem": HARD_COPY_PROBLEM,
                            "hard_copy_problem_p": list(HARD_COPY_PROBLEM_P)},
            "moderation": {"share": MODERATION_SHARE, "change_p": MODERATION_CHANGE_P,
                           "down_p_given_change": MODERATION_DOWN_P},
        },
        "population_2009": pop09,
        "population_2009_excluding_initial": rest09,
        "initial_sample_true": init09,
        "model_probability": annual,
        "model_probability_mean_over_districts": ann_mean,
        "electronic_vs_comprehensive": {
            "electronic_sees_yes": ELECTRONIC_SEES_YES,
            "reaudit_pairs": int(len(rea)),
            "grade_change_comprehensive_minus_electronic": {
                "worse": int((diff > 0).sum()), "same": int((diff == 0).sum()), "better": int((diff < 0).sum()),
                "mean": _f(diff.mean())},
            "criteria": pair_crit,
        },
        "moderation": mod,
        "grade_distribution": grades,
    }


@lru_cache(maxsize=8)
def _expected_grades(cycle: str) -> dict:
    """Model grade distribution of a comprehensive audit of a random case.

    Monte Carlo with a fixed seed (48,000 cases; standard error of each share
    below 0.0023), the same for every data seed.
    """
    rng = np.random.default_rng(20090212)
    dist = reference.districts()
    crit_cat = reference.criteria()
    n_each = 48_000 // len(dist)
    district = np.repeat(dist["district"].to_numpy(dtype=object), n_each)
    teams = _teams(dist)
    cs = _draw_cases(rng, district, teams)
    tr = _true_answers(rng, cs, cycle, list(crit_cat["id"]))
    ref = np.full(len(cs), np.datetime64("2012-06-29"))
    # any review date consistent with the truth serves: applicability only needs icpc
    icpc = np.where(cs["case_status"].to_numpy() == "cp_plan", ref - 200, np.datetime64("NaT"))
    dates = pd.DataFrame({"icpc_date": icpc, "first_review_date": icpc + 60}, index=cs.index)
    _, gin = _read_file(rng, cs, tr, dates, ref, "comprehensive", crit_cat)
    g = _grades(rng, cs, tr, gin, "comprehensive")["overall_grade"].to_numpy(dtype=int)
    return {k: float((g == k).mean()) for k in range(1, 5)}


# ---------------------------------------------------------------- writing
def _csv_text(df: pd.DataFrame) -> str:
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), "")
        elif isinstance(s.dtype, pd.Int64Dtype):
            out[c] = s.astype(object).map(lambda v: "" if v is pd.NA else str(int(v)))
        else:
            out[c] = s.astype(object).map(lambda v: "" if v is pd.NA or v is None else str(v))
    return out.to_csv(index=False, lineterminator="\n")


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    # fixed document dates; XlsxWriter also fixes the zip entry timestamps
    wb.set_properties({"title": "kentaudit synthetic audits 2009 (not real data)",
                       "author": "kentaudit", "created": _FIXED_TIME})
    ws = wb.add_worksheet("audits")
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for j, c in enumerate(df.columns):
        ws.write_string(0, j, c)
    for j, c in enumerate(df.columns):
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            for i, v in enumerate(s):
                if not pd.isna(v):
                    ws.write_datetime(i + 1, j, v.to_pydatetime(), datefmt)
        elif isinstance(s.dtype, pd.Int64Dtype):
            for i, v in enumerate(s):
                if v is not pd.NA:
                    ws.write_number(i + 1, j, int(v))
        else:
            for i, v in enumerate(s):
                if v is not pd.NA and v is not None:
                    ws.write_string(i + 1, j, str(v))
    wb.close()


_README = """# Synthetic Kent audit data (NOT REAL DATA)

Every record here is **synthetic**: generated by `kentaudit synth --seed {seed}`
(`kentaudit.inputs.synthetic.write_synthetic`). No child, family, worker or auditor is real.
Case references start `SYN-`; auditor codes are `AUD01`...

| file | content |
|---|---|
| `sampling_frame.csv` | the 2009 population: {n_frame} children on plans (no answers) |
| `audits_2009.csv` / `.xlsx` | 2009: `initial` (electronic records), `extended` and `reaudit` (comprehensive files) |
| `audits_2010.csv` ... `audits_2013.csv` | annual audit programme |
| `truth.json` | the true generating parameters and population values analyses should recover |
| `actions.csv` | an action register for the programme (`docs/actions.md`): actions agreed after the 2010 and 2011 audits, re-audited in 2013 (its own seed, the same for every data seed) |

CSV: UTF-8, ISO dates, `NA` = not applicable, blank = missing. Read with
`keep_default_na=False`. The model and the sources of its priors are in
`docs/synthetic-data.md`. Regenerate with `kentaudit synth --seed {seed} --out DIR`;
the same seed gives byte-identical files.
"""


#: Seed of the bundled synthetic register (``data/synthetic/actions.csv``; independent of the data's seed).
SYNTHETIC_REGISTER_SEED = 20090212
#: Roles that own actions in the synthetic register (roles, never names).
_ROLES = ("Head of Safeguarding", "District Manager", "Quality Assurance Lead", "Principal Social Worker",
          "Service Manager")


def synthetic_register(seed: int = SYNTHETIC_REGISTER_SEED) -> pd.DataFrame:
    """A synthetic action register for the 2009-2013 programme of the synthetic data.

    The actions answer the shortfalls the synthetic data were built with (the districts
    and criteria of :data:`kentaudit.inputs.synthetic.CRITERION_EFFECTS` whose effect is
    below the average), plus authority-wide actions on the criteria with the lowest
    baseline, as a quality-assurance lead would agree them after the 2010 and 2011
    annual audits (the district actions) and after the 2010 audit (the authority-wide ones); each is re-audited in 2013. Dates, roles and targets are drawn with
    ``numpy.random.default_rng(seed)``: the same seed gives the same register.

    Returns
    -------
    DataFrame
        The register's columns (:data:`kentaudit.inputs.actions.REGISTER_COLUMNS`), as text,
        as it is written to CSV (:func:`kentaudit.inputs.actions.write_register`).
    """
    rng = np.random.default_rng(seed)
    dist = reference.districts()
    codes = dict(zip(dist["district"], dist["district_code"]))
    low = [(d, c) for d, eff in CRITERION_EFFECTS.items() for c, e in eff.items() if e < 0]
    rows = []
    counter = {"2010": 0, "2011": 0}
    for k, (d, c) in enumerate(low):
        base = "2010" if k % 2 == 0 else "2011"
        agreed = _dt.date(int(base) + 1, 3, 1) + _dt.timedelta(days=int(rng.integers(0, 60)))
        due = agreed + _dt.timedelta(days=int(rng.integers(120, 300)))
        counter[base] += 1
        rows.append({"action_id": f"A{base}-{counter[base]:02d}", "finding": f"compliance_by_district:{c}:{codes[d]}",
                     "baseline_cycle": base, "reaudit_cycle": "2013", "criteria": c, "units": codes[d],
                     "owner_role": _ROLES[int(rng.integers(0, len(_ROLES)))], "agreed": agreed.isoformat(),
                     "due": due.isoformat(), "status": ("completed", "in_progress")[int(rng.random() < 0.2)],
                     "target": "0.8", "description": f"Practice workshop and monthly file checks on {c}."})
    lowest = sorted(CRITERION_BASELINE, key=lambda c: (CRITERION_BASELINE[c], c))[:2]
    for j, c in enumerate(lowest):
        agreed = _dt.date(2010, 3, 1) + _dt.timedelta(days=int(rng.integers(0, 60)))
        rows.append({"action_id": f"A2010-W{j + 1}", "finding": f"compliance_by_criterion:{c}:all",
                     "baseline_cycle": "2010", "reaudit_cycle": "2013", "criteria": c, "units": actions.ALL_UNITS,
                     "owner_role": _ROLES[int(rng.integers(0, len(_ROLES)))], "agreed": agreed.isoformat(),
                     "due": (agreed + _dt.timedelta(days=365)).isoformat(), "status": "completed",
                     "target": "0.7", "description": f"Authority-wide practice standard on {c}."})
    return pd.DataFrame(rows, columns=list(actions.REGISTER_COLUMNS)).sort_values("action_id", kind="stable",
                                                                          ignore_index=True)


def write_synthetic(out, *, seed: int = 1, formats=("csv", "xlsx")) -> int:
    """Generate the synthetic data set and write it to a folder.

    Writes ``audits_<cycle>.csv`` for 2009-2013, ``audits_2009.xlsx`` (one
    sheet, ``audits``), ``sampling_frame.csv``, ``truth.json``,
    ``README.md`` and ``actions.csv`` (:func:`synthetic_register`). ``formats`` selects which audit formats are written
    (``"csv"``, ``"xlsx"``); the frame, truth and README are always written.
    The same seed gives byte-identical files.

    Returns
    -------
    int
        Exit code 0.
    """
    formats = tuple(formats)
    bad = [f for f in formats if f not in ("csv", "xlsx")]
    if bad or not formats:
        raise KentauditError(f"unknown synthetic data format(s) {bad or formats!r}; choose from 'csv', 'xlsx'")
    data = generate(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def _put(name: str, text: str) -> None:
        (out / name).write_bytes(text.encode("utf-8"))
        written.append(name)

    for cy in ("2009", *ANNUAL_CYCLES):
        if "csv" in formats:
            _put(f"audits_{cy}.csv", _csv_text(data.cycle(cy)))
    if "xlsx" in formats:
        _write_xlsx(data.cycle("2009"), out / "audits_2009.xlsx")
        written.append("audits_2009.xlsx")
    _put("sampling_frame.csv", _csv_text(data.frame))
    _put("truth.json", json.dumps(data.truth, indent=1, sort_keys=False, ensure_ascii=False) + "\n")
    _put("README.md", _README.format(seed=seed, n_frame=len(data.frame)))
    _put("actions.csv", actions.register_csv_text(synthetic_register()))
    print(f"kentaudit: wrote {len(written)} synthetic files (seed {seed}) to {out}")
    return 0
