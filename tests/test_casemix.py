"""Case-mix adjusted logistic model: reference R glm(family = binomial) and anova(test = "LRT")
on the committed data set tests/r/reference_more_casemix_data.csv (tests/r/reference_more.R)."""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.casemix import SeparationWarning, casemix_lr_test, casemix_odds_ratios
from kentaudit.errors import KentauditError

HERE = Path(__file__).parent / "r"
R = pd.read_csv(HERE / "reference_more_casemix.csv")
DATA = pd.read_csv(HERE / "reference_more_casemix_data.csv", keep_default_na=False, dtype=str)
DATA = DATA.replace({"": pd.NA})
DATA["c_seen"] = DATA["c_seen"].astype("string")


def ref(case, name):
    return float(R.loc[(R["case"] == case) & (R["name"] == name), "value"].iloc[0])


@pytest.fixture(scope="module")
def fit():
    return casemix_odds_ratios(DATA, "seen")


def test_coefficients_and_ses_match_r_glm(fit):
    # IRLS in both; R run with epsilon = 1e-14, statsmodels with tol 1e-12: 1e-6 relative
    terms = sorted(set(R["case"]) - {"const", "lrt"})
    got = fit.set_index("term")
    assert sorted(got.index) == terms
    for t in terms:
        assert got.loc[t, "coef"] == pytest.approx(ref(t, "coef"), rel=1e-6, abs=1e-10)
        assert got.loc[t, "se"] == pytest.approx(ref(t, "se"), rel=1e-6)


def test_odds_ratio_interval_is_wald_on_the_log_scale(fit):
    r = fit.iloc[0]
    assert r["odds_ratio"] == pytest.approx(np.exp(r["coef"]))
    assert r["ci_low"] == pytest.approx(np.exp(r["coef"] - 1.959963984540054 * r["se"]))


def test_reference_levels_and_exclusions_are_stated(fit):
    assert set(fit.loc[fit["variable"] == "district", "reference"]) == {"Ashford"}
    assert set(fit.loc[fit["variable"] == "case_status", "reference"]) == {"s47"}
    assert fit["n_used"].iloc[0] == int(ref("lrt", "n_used"))
    assert fit["n_excluded_answer"].iloc[0] == 75  # 50 "NA" + 25 missing answers
    assert fit["n_excluded_covariate"].iloc[0] > 0


def test_lr_test_for_district_matches_r_anova():
    row = casemix_lr_test(DATA, "seen").iloc[0]
    assert row["statistic"] == pytest.approx(ref("lrt", "statistic"), rel=1e-6)
    assert row["df"] == ref("lrt", "df")
    assert row["p_value"] == pytest.approx(ref("lrt", "p_value"), rel=1e-6)
    assert row["deviance_full"] == pytest.approx(ref("lrt", "deviance_full"), rel=1e-9)


def test_other_reference_district_changes_only_the_contrasts():
    a = casemix_lr_test(DATA, "seen").iloc[0]["statistic"]
    b = casemix_lr_test(DATA, "seen", reference_district="Thanet").iloc[0]["statistic"]
    assert a == pytest.approx(b, rel=1e-9)
    out = casemix_odds_ratios(DATA, "seen", reference_district="Thanet")
    assert "district[Ashford]" in set(out["term"]) and "district[Thanet]" not in set(out["term"])


def test_separation_warns_and_notes_the_rows():
    d = DATA.copy()
    d.loc[d["district"] == "Dover", "c_seen"] = "Y"
    with pytest.warns(SeparationWarning, match="separation"):
        out = casemix_odds_ratios(d, "seen")
    assert out.loc[out["term"] == "district[Dover]", "separation"].item()
    assert "separation" in out["note"].iloc[0]


def test_unknown_reference_district_is_an_error():
    with pytest.raises(KentauditError, match="reference district"):
        casemix_odds_ratios(DATA, "seen", reference_district="Medway")


def test_aliased_term_is_dropped_with_a_note():
    d = DATA.copy()
    d["risk_under1"] = np.where(d["age_band"].isin(["unborn", "under_1"]), "Y", "N")
    with pytest.warns(UserWarning, match="aliased"):
        out = casemix_odds_ratios(d, "seen")
    assert "risk_under1" not in set(out["term"]) and "aliased" in out["note"].iloc[0]
