"""The appendix publishes the error rates of every flag (issue 16, item 2): the district
flags in T13, and each control-chart rule of the headline's monthly p-chart in T14, with
the method in the methods section. They are simulated from the cycle's own numbers of
files (kentaudit.stats.flag_rates.spc_operating_characteristics, seeded)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def t14(cycle_2013):
    return pd.read_csv(cycle_2013["cycle_dir"] / "publish" / "csv" / "T14.csv", dtype=str,
                       keep_default_na=False)


def test_every_spc_rule_has_its_false_alarm_rate_and_power_in_words(t14):
    assert len(t14) == 6 * 3  # six rules x (stable, drop of 10, drop of 20 points)
    assert not t14.iloc[:, 0].str.contains("_").any()  # rules in words, not codes
    assert set(t14.iloc[:, 1]) == {"stable process (false alarm)", "sustained drop of 10 points",
                                   "sustained drop of 20 points"}


def test_published_rates_are_the_simulated_rates_to_one_decimal(t14, cycle_2013):
    res = pd.read_csv(cycle_2013["cycle_dir"] / "results" / "spc_operating_characteristics.csv")
    got = pd.to_numeric(t14.iloc[:, 3]).to_numpy()
    want = res["p_signal"].to_numpy() * 100
    assert len(got) == len(want)
    assert abs(got - want).max() <= 0.05 + 1e-9


def test_methods_section_describes_the_simulation(cycle_2013):
    html = (cycle_2013["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "Error rates of the control-chart rules" in html
    assert "false-alarm rate on a stable process" in html


def test_a_one_off_review_has_no_control_chart_error_rates(cycle_2009):
    """Table 14 rates the rules of the monthly control chart a programme reads (a random sample
    audited in this cycle and earlier ones); the 2009 review has no such chart, so its edition
    leaves the number unused and says why, in words naming no sample."""
    d = cycle_2009["cycle_dir"]
    assert not (d / "publish" / "csv" / "T14.csv").exists()
    assert not (d / "results" / "spc_operating_characteristics.csv").exists()
    html = (d / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert re.search(r"<li>Table 14 \([^)]*\): control charts are read where a sample drawn at random", html)
