"""Auditor leniency (kentaudit.stats.leniency) against R lme4::glmer, recovery, and privacy.

R: tests/r/reference_leniency.R - lme4 ``glmer(y ~ case_status + age_band + risk_score +
cycle + district + (1 | auditor), family = binomial, nAGQ = 1)`` (Laplace) on two
simulated programmes with known auditor effects (SD 0.6 and 0.3) and on the 2013
default cycle's first grades (``reference_leniency_2013_input.csv``: the rows the
calibration section passes to the model, 1,126 of 1,200 with every covariate).

The library fits the same estimator (maximum likelihood with the Laplace approximation),
so the tolerances are numerical, not statistical: fixed effects within 1e-3 of glmer's
SE, their SEs within 0.5% (both from a numerical Hessian), auditor effects and their
conditional SDs within 1e-4, the SD within 0.1%.
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
INPUT_2013 = pd.read_csv(R_DIR / "reference_leniency_2013_input.csv", dtype={"cycle": str})
INPUT = pd.concat([INPUT, INPUT_2013], ignore_index=True)
FIXED = pd.concat([pd.read_csv(R_DIR / f"reference_leniency{t}_fixed.csv") for t in ("", "_2013")])
AUDS = pd.concat([pd.read_csv(R_DIR / f"reference_leniency{t}_auditors.csv") for t in ("", "_2013")])
SETS = sorted(INPUT["set"].unique())


@pytest.fixture(scope="module")
def fits():
    return {s: auditor_leniency(INPUT[INPUT["set"] == s]) for s in SETS}


@pytest.mark.parametrize("name", SETS)
def test_fixed_effects_match_glmer_laplace_estimates(fits, name):
    got = fits[name].attrs["fixed_effects"]
    ref = FIXED[FIXED["set"] == name]
    assert len(got) == len(ref)
    gap = np.abs(got["estimate"].to_numpy() - ref["estimate"].to_numpy()) / ref["se"].to_numpy()
    assert gap.max() < 1e-3


@pytest.mark.parametrize("name", SETS)
def test_fixed_effect_standard_errors_are_glmers_observed_information(fits, name):
    got = fits[name].attrs["fixed_effects"]
    ref = FIXED[FIXED["set"] == name]
    np.testing.assert_allclose(got["se"], ref["se"], rtol=5e-3, atol=0)


@pytest.mark.parametrize("name", SETS)
def test_auditor_effects_match_glmer_conditional_modes(fits, name):
    got = fits[name]
    ref = AUDS[AUDS["set"] == name].sort_values("auditor")
    assert got["auditor"].tolist() == ref["auditor"].tolist()
    np.testing.assert_allclose(got["effect"], ref["effect"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(got["se"], ref["se"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", SETS)
def test_auditor_sd_matches_glmer(fits, name):
    ref = AUDS[AUDS["set"] == name]
    assert fits[name]["sd_auditor"].iloc[0] == pytest.approx(ref["sd_auditor"].iloc[0], rel=1e-3)


def test_no_spread_between_auditors_gives_an_sd_of_zero_and_no_effects():
    # every auditor's outcomes the same share in every cell of the design: the
    # likelihood is largest with no auditor effect (the SD at its bound 0)
    rows = []
    for a in ("AUD01", "AUD02", "AUD03", "AUD04"):
        for st in ("cin", "lac"):
            for g in (1, 2, 3, 4):
                rows.append({"auditor": a, "overall_grade": g, "case_status": st})
    got = auditor_leniency(pd.DataFrame(rows), covariates=("case_status",))
    assert (got["sd_auditor"] == 0).all() and (got["effect"] == 0).all()
    assert (got["se"] == 0).all() and (got["direction"] == "not distinguishable").all()
    fe = got.attrs["fixed_effects"]
    assert np.isfinite(fe["se"]).all() and (fe["se"] > 0).all()


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


def test_the_fit_is_deterministic_and_the_seed_only_recorded(fits):
    sub = INPUT[INPUT["set"] == "spread_0_3"]
    a, b = auditor_leniency(sub, seed=11), fits["spread_0_3"]  # b: the default seed, 0
    assert (a["seed"] == 11).all() and (b["seed"] == 0).all()
    pd.testing.assert_frame_equal(a.drop(columns="seed"), b.drop(columns="seed"), check_exact=True)


@pytest.mark.filterwarnings("error")
def test_a_separated_covariate_level_gets_a_huge_se_and_the_auditors_are_still_estimated():
    x = INPUT[INPUT["set"] == "spread_0_3"].copy()
    x.loc[x["district"] == "Thanet", "overall_grade"] = 4  # every Thanet audit graded worse
    got = auditor_leniency(x)
    fe = got.attrs["fixed_effects"].set_index("term")
    assert fe.loc["district[Thanet]", "se"] > 100  # no finite maximum: said by its SE
    assert np.isfinite(got["effect"]).all() and (got["se"] > 0).all()
    assert 0 < got["sd_auditor"].iloc[0] < 1


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
