"""Simple estimates recover the truth written beside the synthetic data.

Over many seeds, 95% Wilson intervals (statsmodels ``proportion_confint``,
``method="wilson"``) of sample proportions must cover the true values in
``truth.json`` at about the nominal rate, and the districts the truth names
as worse must come out worse. These tests fail if the generator's truth and
its data drift apart (for example a truth computed with the wrong
applicability rule, or answers drawn from the wrong probabilities).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from kentaudit.inputs import reference
from kentaudit.inputs import synthetic as synth
from kentaudit.core import workdays

SEEDS = range(101, 121)  # 20 seeds
CRITERIA = list(reference.criteria()["id"])
DISTRICTS = sorted(synth.DISTRICT_EFFECTS)


def _with_derived_timeliness(a: pd.DataFrame) -> pd.DataFrame:
    """Replace the auditor's timeliness answers with the date-derived ones.

    Auditors agree with the dates only about 95% of the time by design, so the
    recorded answers are a biased estimate of the truth; the answer derived
    from the process dates is exact. Missing answers stay missing; an overdue
    review (no date, at least 3 months since the conference) keeps its "N".
    """
    a = a.copy()
    derived = {
        "icpc_15wd": workdays.working_days_between(a["strategy_date"], a["icpc_date"]) <= 15,
        "core_group_10wd": workdays.working_days_between(a["icpc_date"], a["first_core_group_date"]) <= 10,
        "review_3m": workdays.within_months(a["icpc_date"], a["first_review_date"], 3),
    }
    for c, d in derived.items():
        col = f"c_{c}"
        use = a[col].isin(["Y", "N"]).to_numpy() & d.notna().to_numpy()
        a.loc[use, col] = np.where(d[use].to_numpy().astype(bool), "Y", "N")
    return a


@pytest.fixture(scope="module")
def runs():
    out = []
    for s in SEEDS:
        d = synth.generate(s)
        out.append((d.truth, _with_derived_timeliness(d.audits.reset_index(drop=True))))
    return out


def _counts(df: pd.DataFrame, crit: str) -> tuple[int, int]:
    v = df[f"c_{crit}"]
    return int((v == "Y").sum()), int(v.isin(["Y", "N"]).sum())


def _covers(yes: int, n: int, truth: float, n_eff_factor: float = 1.0) -> bool:
    # A finite population correction for the 2009 samples: Wilson's interval
    # on the effective sample size n / (1 - f) (a design effect of 1 - f).
    n_eff = n * n_eff_factor
    lo, hi = proportion_confint(yes / n * n_eff, n_eff, alpha=0.05, method="wilson")
    return bool(lo <= truth <= hi)


def _rate(hits: list) -> float:
    return float(np.mean(hits))


def test_extended_sample_covers_2009_population_values(runs):
    hits = []
    for truth, a in runs:
        pop = truth["population_2009_excluding_initial"]["overall"]
        ext = a[(a["cycle"] == "2009") & (a["sample"] == "extended")]
        for c in CRITERIA:
            yes, n = _counts(ext, c)
            f = n / pop[c]["applicable"]
            hits.append(_covers(yes, n, pop[c]["p"], 1 / (1 - f)))
    assert len(hits) == len(SEEDS) * len(CRITERIA)
    assert 0.88 <= _rate(hits) <= 0.99, _rate(hits)


def test_extended_sample_covers_2009_district_values(runs):
    hits = []
    for truth, a in runs:
        pop = truth["population_2009_excluding_initial"]["by_district"]
        ext = a[(a["cycle"] == "2009") & (a["sample"] == "extended")]
        for d, g in ext.groupby("district"):
            for c in CRITERIA:
                yes, n = _counts(g, c)
                if n == 0:
                    continue
                f = min(n / pop[d][c]["applicable"], 0.99)
                hits.append(_covers(yes, n, pop[d][c]["p"], 1 / (1 - f)))
    assert len(hits) > 0.9 * len(SEEDS) * len(CRITERIA) * len(DISTRICTS)
    assert 0.88 <= _rate(hits) <= 0.99, _rate(hits)


def test_annual_samples_cover_model_probabilities(runs):
    hits = []
    for truth, a in runs:
        prob = truth["model_probability"]
        ann = a[a["sample"] == "annual"]
        for (cy, d), g in ann.groupby(["cycle", "district"]):
            for c in CRITERIA:
                yes, n = _counts(g, c)
                if n:
                    hits.append(_covers(yes, n, prob[cy][d][c]))
    assert len(hits) > 0.95 * len(SEEDS) * 4 * len(DISTRICTS) * len(CRITERIA)
    assert 0.92 <= _rate(hits) <= 0.98, _rate(hits)


def test_annual_inadequate_share_covers_expected_grade_distribution(runs):
    hits = []
    for truth, a in runs:
        for cy in ("2010", "2011", "2012", "2013"):
            g = a.loc[a["cycle"] == cy, "overall_grade"]
            p = truth["grade_distribution"][cy]["expected_comprehensive"]["4"]
            hits.append(_covers(int((g == 4).sum()), len(g), p))
    assert 0.85 <= _rate(hits) <= 1.0


def test_reaudit_pairs_recover_what_electronic_reading_finds(runs):
    # among criteria a comprehensive reading answers Y, the share the
    # electronic reading also answers Y estimates ELECTRONIC_SEES_YES
    cat = reference.criteria().set_index("id")
    hits = []
    for truth, a in runs:
        y = a[a["cycle"] == "2009"]
        ini = y[y["sample"] == "initial"].set_index("case_ref")
        rea = y[y["sample"] == "reaudit"].set_index("case_ref")
        ini = ini.loc[rea.index]
        for c in cat.index:
            if c in synth.DERIVED or c == "records_consistent":
                continue
            e, k = ini[f"c_{c}"].fillna(""), rea[f"c_{c}"].fillna("")
            m = (k == "Y") & e.isin(["Y", "N"])
            if m.sum():
                q = truth["parameters"]["electronic_sees_yes"][cat.loc[c, "evidence"]]
                if q < 1:
                    hits.append(_covers(int((e[m] == "Y").sum()), int(m.sum()), q))
                else:
                    assert (e[m] == "Y").all(), c
    assert 0.88 <= _rate(hits) <= 1.0


def _pooled_compliance(a: pd.DataFrame) -> pd.Series:
    crit = a[[f"c_{c}" for c in CRITERIA]]
    yes = (crit == "Y").sum(axis=1).groupby(a["district"]).sum()
    n = crit.isin(["Y", "N"]).sum(axis=1).groupby(a["district"]).sum()
    return yes / n


def test_worse_districts_come_out_worse(runs):
    worse_than_mean, below_better = [], []
    maid_gap = []
    for truth, a in runs:
        p = truth["parameters"]
        comp = _pooled_compliance(a[a["sample"] == "annual"])
        mean = comp.mean()
        for d in p["districts_worse"]:
            worse_than_mean.append(comp[d] < mean)
            below_better.append(comp[d] < comp[p["districts_better"][0]])
        maid_gap.append(comp[p["districts_average"][0]] - mean)
    assert np.mean(worse_than_mean) >= 0.9
    assert np.mean(below_better) >= 0.95
    # Maidstone is average: its gap to the mean is small and not one-sided
    assert abs(np.mean(maid_gap)) < 0.02


def test_improvement_over_cycles_is_recovered(runs):
    rising = []
    for _, a in runs:
        ann = a[a["sample"] == "annual"]
        crit = ann[[f"c_{c}" for c in CRITERIA]]
        share = ((crit == "Y").sum(axis=1).groupby(ann["cycle"]).sum()
                 / crit.isin(["Y", "N"]).sum(axis=1).groupby(ann["cycle"]).sum())
        rising.append(share["2013"] > share["2010"])
    assert all(rising)
