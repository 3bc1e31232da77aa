"""Auditor leniency (kentaudit.stats.leniency) against R lme4::glmer, recovery, and privacy.

R: tests/r/reference_leniency.R - lme4 1.1.31 ``glmer(y ~ case_status + age_band +
risk_score + cycle + district + (1 | auditor), family = binomial)`` (Laplace) on two
simulated programmes with known auditor effects (SD 0.6 and 0.3).

Tolerances: the library fits a variational Bayes posterior (statsmodels
BinomialBayesMixedGLM.fit_vb) and glmer a Laplace maximum likelihood; they are different
estimators of the same quantities, so they are held to a fraction of the standard
errors rather than to 1e-6: fixed effects within 0.25 SE, auditor effects within 0.05
on the log-odds scale (their SEs are about 0.2), their SEs within 0.02, the SD within
15%, and the same ordering of auditors.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError
from kentaudit.stats.leniency import auditor_leniency, leniency_design

R_DIR = Path(__file__).parents[1] / "r"
INPUT = pd.read_csv(R_DIR / "reference_leniency_input.csv", dtype={"cycle": str})
FIXED = pd.read_csv(R_DIR / "reference_leniency_fixed.csv")
AUDS = pd.read_csv(R_DIR / "reference_leniency_auditors.csv")
SETS = sorted(INPUT["set"].unique())


@pytest.fixture(scope="module")
def fits():
    return {s: auditor_leniency(INPUT[INPUT["set"] == s]) for s in SETS}


@pytest.mark.parametrize("name", SETS)
def test_fixed_effects_match_glmer_within_a_quarter_of_their_se(fits, name):
    got = fits[name].attrs["fixed_effects"]
    ref = FIXED[FIXED["set"] == name]
    assert len(got) == len(ref)
    gap = np.abs(got["estimate"].to_numpy() - ref["estimate"].to_numpy()) / ref["se"].to_numpy()
    assert gap.max() < 0.25


@pytest.mark.parametrize("name", SETS)
def test_auditor_effects_match_glmer_conditional_modes(fits, name):
    got = fits[name]
    ref = AUDS[AUDS["set"] == name].sort_values("auditor")
    assert got["auditor"].tolist() == ref["auditor"].tolist()
    np.testing.assert_allclose(got["effect"], ref["effect"], atol=0.05, rtol=0)
    np.testing.assert_allclose(got["se"], ref["se"], atol=0.02, rtol=0)
    assert (np.argsort(got["effect"].to_numpy()) == np.argsort(ref["effect"].to_numpy())).all()
    assert got["sd_auditor"].iloc[0] == pytest.approx(ref["sd_auditor"].iloc[0], rel=0.15)


def test_true_auditor_effects_are_recovered(fits):
    got = fits["spread_0_6"].set_index("auditor")
    truth = INPUT[INPUT["set"] == "spread_0_6"].groupby("auditor")["true_effect"].first()
    # centred truth against the estimates: close and, for large effects, the right direction
    t = truth - truth.mean()
    assert np.corrcoef(t, got.loc[t.index, "effect"])[0, 1] > 0.9
    inside = (got.loc[t.index, "conf_low"] <= t) & (t <= got.loc[t.index, "conf_high"])
    assert inside.mean() >= 0.8


def test_lenient_and_strict_auditors_are_labelled(fits):
    d = fits["spread_0_6"]
    assert set(d["direction"]) == {"more lenient", "stricter", "not distinguishable"}
    assert (d.loc[d["direction"] == "more lenient", "conf_high"] < 0).all()
    assert (d.loc[d["direction"] == "stricter", "conf_low"] > 0).all()


def test_same_seed_gives_identical_fits_and_another_seed_the_same_to_1e_7():
    sub = INPUT[INPUT["set"] == SETS[0]]
    a, b = auditor_leniency(sub, seed=11), auditor_leniency(sub, seed=11)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = auditor_leniency(sub, seed=12)
    assert (c["seed"] == 12).all()
    np.testing.assert_allclose(c["effect"], a["effect"], rtol=0, atol=1e-7)


def test_audits_with_a_missing_covariate_are_counted_not_guessed():
    x = INPUT[INPUT["set"] == "spread_0_3"].copy()
    x.loc[x.index[:7], "case_status"] = None
    x.loc[x.index[7:10], "risk_substance"] = None
    y, X, g, names, n_excl = leniency_design(x)
    assert n_excl == 10 and len(y) == len(x) - 10


def test_too_few_auditors_is_an_error():
    x = INPUT[INPUT["set"] == "spread_0_3"]
    with pytest.raises(InputError, match="three auditors"):
        auditor_leniency(x[x["auditor"].isin(["AUD01", "AUD02"])])
@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_auditor_codes_and_leniency_never_reach_publish_of_a_real_run(cycle_2013):
    d = cycle_2013["cycle_dir"]
    results = d / "results"
    assert (results / "auditor_leniency.csv").exists()
    codes = set(pd.read_csv(results / "auditor_leniency.csv")["auditor"])
    assert codes and all(c.startswith("AUD") for c in codes)
    assert (results.stat().st_mode & 0o077) == 0  # restricted: private to the owner
    for f in (d / "publish").rglob("*"):
        if f.is_file() and f.suffix in (".csv", ".html", ".json", ".svg"):
            text = f.read_text(errors="replace")
            assert not any(c in text for c in codes), f
            assert "leniency" not in text.lower(), f
    import openpyxl
    wb = openpyxl.load_workbook(d / "publish" / "appendix.xlsx", read_only=True)
    cells = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
             if v is not None}
    assert not any(c in v for v in cells for c in codes)
