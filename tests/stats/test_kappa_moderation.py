"""Auditor agreement: kappa against R vcd::Kappa and the Fleiss-Cohen-Everitt (1969) null SE
written out in base R (tests/r/reference_more.R), and Agresti (2002) Categorical Data
Analysis, 2nd ed., section 10.5 (pathologists' carcinoma ratings, Landis & Koch 1977):
kappa = 0.493 with ASE 0.057."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.stats.interrater import (agreement_table, auditor_grade_distribution, kappa_from_table, moderation_agreement, regrade_direction)
from kentaudit.core.errors import KentauditError

R = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_more_agreement.csv")
PATH = np.array([[22, 2, 2, 0], [5, 7, 14, 0], [0, 2, 36, 0], [0, 1, 17, 10]])
MODT = np.array([[0, 3, 0, 0], [0, 14, 5, 1], [0, 2, 20, 6], [0, 0, 1, 8]])


def ref(case, name):
    return float(R.loc[(R["case"] == case) & (R["name"] == name), "value"].iloc[0])


def test_agresti_published_kappa_and_ase():
    k = kappa_from_table(PATH).set_index("weights").loc["unweighted"]
    assert k["estimate"] == pytest.approx(0.493, abs=5e-4)
    assert k["se"] == pytest.approx(0.057, abs=5e-4)


@pytest.mark.parametrize("table,name", [(PATH, "pathologists"), (MODT, "moderation")])
@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_kappa_matches_r_vcd(table, name, weights):
    k = kappa_from_table(table)
    k = k[k["statistic"] == "Cohen's kappa"].set_index("weights").loc[weights]
    case = f"{name}_{weights}"
    assert k["estimate"] == pytest.approx(ref(case, "kappa"), rel=1e-6)
    assert k["se"] == pytest.approx(ref(case, "ase"), rel=1e-6)
    assert k["se_null"] == pytest.approx(ref(case, "se_null"), rel=1e-6)
    assert k["conf_low"] == pytest.approx(ref(case, "ci_low"), rel=1e-6)
    assert k["conf_high"] == pytest.approx(ref(case, "ci_high"), rel=1e-6)


def test_percent_agreement_with_wilson_interval():
    row = kappa_from_table(PATH).iloc[0]
    assert row["estimate"] == pytest.approx(ref("pathologists_percent", "agreement"), rel=1e-12)
    assert row["conf_low"] < row["estimate"] < row["conf_high"]


def _moderated():
    first = [1, 2, 2, 2, 3, 3, 3, 4, 2, 3, 3, 2]
    mod = [2, 2, 3, 3, 3, 4, 4, 4, 2, 2, 4, pd.NA]
    return pd.DataFrame({"overall_grade": pd.array(first, dtype="Int64"),
                         "moderated_grade": pd.array(mod, dtype="Int64"),
                         "auditor": list("ABABABABABAB")})


def test_moderation_agreement_uses_only_pairs():
    out = moderation_agreement(_moderated())
    assert (out["n_pairs"] == 11).all() and len(out) == 4


def test_agreement_table_keeps_all_four_grades():
    t = agreement_table([2, 2, 3], [2, 3, 3])
    assert t.shape == (4, 4) and t.sum() == 3 and t[0].sum() == 0


def test_regrade_direction_counts_worse_better_same():
    row = regrade_direction(_moderated()).iloc[0]
    assert (row["n_down"], row["n_up"], row["n_same"]) == (6, 1, 4)
    assert row["mean_change"] > 0


def test_regrade_sign_test_matches_r_binom_test():
    first = pd.array([1] * 7 + [3] * 2 + [2], dtype="Int64")
    mod = pd.array([2] * 7 + [2] * 2 + [2], dtype="Int64")  # 7 worse, 2 better, 1 same
    row = regrade_direction(pd.DataFrame({"overall_grade": first, "moderated_grade": mod})).iloc[0]
    assert row["p_value"] == pytest.approx(ref("sign_test", "p_value"), rel=1e-9)


def test_per_auditor_grade_distribution():
    out = auditor_grade_distribution(_moderated())
    assert set(out["auditor"]) == {"A", "B"} and out.groupby("auditor")["n"].sum().tolist() == [6, 6]


def test_nothing_moderated_is_an_error():
    df = _moderated().assign(moderated_grade=pd.array([pd.NA] * 12, dtype="Int64"))
    with pytest.raises(KentauditError, match="nothing was moderated"):
        moderation_agreement(df)


# tests/r/reference_edge.R: vcd::Kappa and its confint, which clamps the limits to [-1, 1]
EDGE = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_edge_kappa.csv")


@pytest.mark.parametrize("i", range(len(EDGE)))
def test_kappa_limits_are_clamped_to_minus_one_and_one_as_r_vcd(i):
    r = EDGE.iloc[i]
    t = np.array(r["cells"].split(), dtype=float).reshape(4, 4)
    got = kappa_from_table(t).set_index("weights").loc[r["weights"]]
    assert got["estimate"] == pytest.approx(r["kappa"], rel=1e-9, abs=1e-12)
    assert got["conf_low"] == pytest.approx(r["ci_low"], rel=1e-6, abs=1e-9)  # R's names in the CSV
    assert got["conf_high"] == pytest.approx(r["ci_high"], rel=1e-6, abs=1e-9)
    assert -1 <= got["conf_low"] <= got["conf_high"] <= 1


# --- kappa undefined, and other edges ----------------------------------------------------
# tests/r/reference_degenerate.R: R vcd 1.4-11 Kappa() and confint() (which give NaN for
# kappa, ASE and both limits when every pair has the same grade; kappa 0, ASE 0 and
# [0, 0] for one discordant pair).
DEGEN = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_degenerate_kappa.csv")


def _table(cells):
    return np.array(cells.split(), dtype=float).reshape(4, 4)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("i", range(len(DEGEN)))
def test_kappa_edges_match_r_vcd(i):
    r = DEGEN.iloc[i]
    got = kappa_from_table(_table(r["cells"])).set_index("weights").loc[r["weights"]]
    for col, rcol in (("estimate", "kappa"), ("se", "ase"), ("conf_low", "ci_low"),
                      ("conf_high", "ci_high")):
        if np.isnan(r[rcol]):
            assert np.isnan(got[col]), col
        else:
            assert got[col] == pytest.approx(r[rcol], abs=1e-12), col


@pytest.mark.filterwarnings("error")
def test_kappa_interval_is_nan_when_every_pair_has_the_same_grade():
    got = kappa_from_table(_table(DEGEN["cells"].iloc[0]))
    kap = got[got["statistic"] == "Cohen's kappa"]
    cols = ["estimate", "se", "se_null", "z", "p_value", "conf_low", "conf_high"]
    assert kap[cols].isna().all().all()  # never [-1, 1] around a missing estimate
    assert got.iloc[0]["estimate"] == 1.0  # percent agreement is defined


def test_undefined_kappa_says_why_in_method_and_test():
    kap = kappa_from_table(_table(DEGEN["cells"].iloc[0])).iloc[1:]
    assert kap["method"].str.contains("every rating is the same grade").all()
    assert kap["test"].str.startswith("not testable: every pair has the same grade").all()


@pytest.mark.filterwarnings("error")
def test_one_discordant_pair_gives_kappa_zero_and_no_z_test():
    t = np.zeros((4, 4))
    t[1, 2] = 1
    kap = kappa_from_table(t).iloc[1:]
    assert (kap["estimate"] == 0).all() and (kap["conf_low"] == 0).all()  # vcd: 0, [0, 0]
    assert kap["p_value"].isna().all() and kap["test"].str.startswith("not testable").all()


@pytest.mark.filterwarnings("error")
def test_moderation_with_every_pair_on_one_grade_gives_undefined_kappa():
    df = pd.DataFrame({"overall_grade": pd.array([2] * 5, dtype="Int64"),
                       "moderated_grade": pd.array([2] * 5, dtype="Int64")})
    out = moderation_agreement(df)
    assert out.loc[out["statistic"] == "Cohen's kappa", ["estimate", "conf_low", "conf_high"]].isna().all().all()


def test_regrade_direction_without_a_changed_grade_is_not_testable():
    df = pd.DataFrame({"overall_grade": pd.array([2, 3], dtype="Int64"),
                       "moderated_grade": pd.array([2, 3], dtype="Int64")})
    row = regrade_direction(df).iloc[0]
    assert np.isnan(row["p_value"]) and row["test"].startswith("not testable")


def test_kappa_table_with_a_missing_count_is_refused():
    t = np.eye(4)
    t[0, 1] = np.nan
    with pytest.raises(KentauditError, match="square with counts"):
        kappa_from_table(t)
