"""The districts notebook's shrinkage and error-rate section (kentaudit.analysis.ranking) and
the data-quality notebook's calibration section (kentaudit.analysis.calibration), on the default
synthetic cycles, and what a real run publishes from them."""
from __future__ import annotations

import pandas as pd
import pytest

from kentaudit import analysis as analyses
from kentaudit.analysis.calibration import auditor_calibration
from kentaudit.analysis.ranking import district_ranks

from conftest import ROOT


@pytest.fixture(scope="module")
def cycle13():
    return analyses.load_cycle(ROOT / "params" / "cycle-2013.yaml")


@pytest.fixture(scope="module")
def ranks13(cycle13):
    return district_ranks(cycle13)


@pytest.fixture(scope="module")
def calibration13(cycle13):
    """The auditor calibration section of the 2013 cycle, computed once for the tests that read it."""
    return auditor_calibration(cycle13)


def test_shrunken_estimates_cover_every_district_and_criterion(ranks13, cycle13):
    sd = ranks13.tables["shrunken_by_district"]
    assert len(sd) == 12 * len(cycle13.criterion_ids)
    assert ((sd["conf_low"] <= sd["estimate"]) & (sd["estimate"] <= sd["conf_high"])).all()
    assert ((sd["rank_low"] <= sd["rank_median"]) & (sd["rank_median"] <= sd["rank_high"])).all()
    # counts are the cycle's own: the answers "Y" of its comparable records by district, counted
    # here directly (what the compliance-by-district table counts; computing that whole section
    # for its counts cost seconds of CPU)
    a = cycle13.comparable
    want = {(c, d): int((s == "Y").sum()) for c in cycle13.criterion_ids
            for d, s in a.loc[a[f"c_{c}"].isin(["Y", "N"]), ["district", f"c_{c}"]]
            .groupby("district", observed=True)[f"c_{c}"]}
    got = sd.set_index(["criterion", "district"])["n_yes"]
    assert {k: int(v) for k, v in got.items()} == want


def test_thanet_is_probably_below_the_standard_on_its_built_in_deficits(ranks13):
    sd = ranks13.tables["shrunken_programme"]
    th = sd[(sd["district"] == "Thanet") & sd["criterion"].isin(["chronology", "supervision"])]
    # pooled over four annual cycles, the synthetic Thanet deficit (-1.7 logits) shows
    assert (th["prob_below_target"] > 0.95).all()
    assert (th["rank_high"] <= 3).all()


def test_programme_pooling_narrows_intervals_and_rank_intervals(ranks13):
    one = ranks13.tables["shrunken_by_district"]
    pooled = ranks13.tables["shrunken_programme"]
    assert (pooled["conf_high"] - pooled["conf_low"]).mean() < (one["conf_high"] - one["conf_low"]).mean()
    assert ((pooled["rank_high"] - pooled["rank_low"]).mean()
            < (one["rank_high"] - one["rank_low"]).mean())


def test_flag_error_rates_are_reported_for_every_rule_with_a_statement(ranks13):
    s = ranks13.tables["flag_oc_summary"]
    assert set(s["rule"]) == {"funnel_95", "funnel_99_8", "district_vs_rest"}
    null = s[s["scenario"] == "null"].set_index("rule")["p_flag_mean"]
    assert null["funnel_99_8"] < 0.01 and null["funnel_95"] < 0.06
    stmt = s.loc[s["scenario"] == "shortfall", "statement"]
    assert stmt.str.startswith("With a median of").all()
    assert s["n_cells"].eq(240).all()


def test_spc_rules_error_rates_on_the_monthly_chart(ranks13):
    so = ranks13.tables["spc_operating_characteristics"]
    assert set(so["rule"]) == {"outside_limits", "trend", "two_in_three", "run",
                               "any_special_cause", "anhoej_runs"}
    stable = so[so["scenario"] == "stable"].set_index("rule")["p_signal"]
    big = so[(so["scenario"] == "shift") & (so["shift"] == 0.2)].set_index("rule")["p_signal"]
    assert big["any_special_cause"] > stable["any_special_cause"]


def test_caterpillar_figures_have_alt_text(ranks13):
    for fid in ("caterpillar_compliance", "caterpillar_programme"):
        assert "rank interval" in ranks13.figures[fid].alt_text


def test_calibration_reports_ac1_alpha_beside_kappa_and_moderation_over_cycles(calibration13):
    c = calibration13
    ac = c.tables["agreement_coefficients"]
    stats_ = set(zip(ac["statistic"], ac["weights"]))
    assert {("Gwet's AC1", "unweighted"), ("Krippendorff's alpha", "ordinal"),
            ("Cohen's kappa", "linear")} <= stats_
    mod = c.tables["moderation_by_cycle"]
    assert mod["cycle"].tolist() == ["2010", "2011", "2012", "2013"]
    assert (mod["n_changed"] == mod["n_moderated_worse"] + mod["n_moderated_better"]).all()
    assert c.tables["moderation_p_chart"]["n"].tolist() == mod["n_moderated"].tolist()
    assert "moderation_change_chart" in c.figures
    rc = c.tables["moderation_run_chart"]
    assert rc["n_obs"].iloc[0] == 4


def test_synthetic_auditors_are_not_called_lenient(calibration13):
    # the synthetic data give auditors no effect of their own: none should stand out
    lt = calibration13.tables["auditor_leniency"]
    assert len(lt) == 14 and (lt["direction"] == "not distinguishable").mean() >= 0.85


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_real_run_publishes_shrunken_estimates_error_rates_and_the_caterpillar(cycle_2013):
    pub = cycle_2013["cycle_dir"] / "publish"
    t12 = pd.read_csv(pub / "csv" / "T12.csv", dtype=str, keep_default_na=False)
    t13 = pd.read_csv(pub / "csv" / "T13.csv", dtype=str, keep_default_na=False)
    assert len(t12) == 12 and {"estimate", "rank_low", "rank_high"} <= set(t12.columns)
    assert any(v.startswith("With a median of") for v in t13["statement"])
    html = (pub / "appendix.html").read_text()
    assert "Shrunken estimates" in html and "Error rates of the flags" in html
    assert (pub / "figures" / "F4.svg").exists() and 'id="F4"' in html


def test_a_one_off_review_has_no_control_chart_rule_error_rates():
    """The 2009 review has no control chart (no annual programme to monitor): the rules'
    error rates are not computed, and the notebook says the table is not there."""
    ranks09 = district_ranks(analyses.load_cycle(ROOT / "params" / "cycle-2009.yaml"))
    assert "spc_operating_characteristics" not in ranks09.tables
    assert "flag_oc_summary" in ranks09.tables  # the district flags are read in every cycle
    assert "not produced for this cycle, because" in ranks09.show("spc_operating_characteristics")
