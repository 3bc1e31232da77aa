"""Separation finds every coefficient that diverges, not only those of one direction.

The bundled synthetic 2013 cycle's "child seen" model (tests/fixtures/casemix_seen_2013.csv,
its main sample's answers and case mix, synthetic data) has a baseline that diverges together
with several districts and the age bands; one linear program (Konis 2007) found a direction
without the case-status terms, so the GLM's case-status odds ratios were shown as about
1e-15 with intervals "0 to inf" (standard errors of about 15 million). Every term the data
leave unbounded must be flagged and left blank; every other term keeps a finite interval.
"""
from pathlib import Path

import numpy as np
import pandas as pd

from kentaudit.stats.casemix import casemix_odds_ratios, separated_terms

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "casemix_seen_2013.csv"


def _model():
    a = pd.read_csv(FIXTURE, dtype=str)
    return casemix_odds_ratios(a, "seen")


def test_the_case_status_terms_that_diverge_with_the_baseline_are_flagged_and_blank():
    o = _model().set_index("term")
    for t in ("case_status[cp_plan]", "case_status[cin]", "case_status[lac]"):
        assert bool(o.at[t, "separation"]), t
        assert np.isnan(o.at[t, "odds_ratio"]) and np.isnan(o.at[t, "conf_low"]), t
    assert "case status" in o["note"].iloc[0]


def test_every_term_left_unflagged_has_a_finite_estimate_and_interval():
    o = _model()
    kept = o[~o["separation"].astype(bool)]
    assert len(kept) > 0
    assert (kept["se"] < 100).all(), kept[["term", "se"]]
    assert np.isfinite(kept[["odds_ratio", "conf_low", "conf_high"]].to_numpy(float)).all()


def test_a_direction_that_leaves_a_coefficient_free_flags_it():
    # level a: every answer yes (the baseline diverges); b and c mixed. The baseline's
    # divergence carries b's and c's coefficients with it (they are fixed only relative to it)
    X = np.array([[1, 0, 0]] * 4 + [[1, 1, 0]] * 4 + [[1, 0, 1]] * 4, float)
    y = np.array([1] * 4 + [1, 0, 1, 0] + [0, 1, 1, 0])
    assert (separated_terms(y, X) != 0).tolist() == [True, True, True]


def test_data_without_separation_flag_nothing():
    X = np.array([[1, 0]] * 4 + [[1, 1]] * 4, float)
    y = np.array([1, 0, 1, 1, 0, 1, 0, 0])
    assert (separated_terms(y, X) == 0).all()
