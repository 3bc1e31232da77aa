"""p-value adjustment: reference R p.adjust (tests/r/reference_more.R)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kentaudit.core.errors import MethodError
from kentaudit.stats.multiplicity import adjust

R = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_more_multiplicity.csv")
PV = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.5, 0.9, 0.03]


@pytest.mark.parametrize("method,rname", [("holm", "holm"), ("fdr_bh", "BH"), ("bonferroni", "bonferroni")])
def test_adjust_matches_r_p_adjust(method, rname):
    expected = R[R["case"] == rname]["value"].to_numpy()
    out = adjust(PV, method=method, family="12 districts x 1 criterion")
    np.testing.assert_allclose(out["p_adjusted"], expected, rtol=1e-6)
    assert (out["family"] == "12 districts x 1 criterion").all()
    assert (out["p_value"] == PV).all()


def test_adjust_keeps_series_labels_and_skips_missing():
    out = adjust(pd.Series([0.01, np.nan, 0.04], index=["Dover", "Swale", "Thanet"]))
    assert out["label"].tolist() == ["Dover", "Swale", "Thanet"]
    assert out["n_tests"].iloc[0] == 2 and np.isnan(out["p_adjusted"].iloc[1])
    assert out["p_adjusted"].iloc[0] == pytest.approx(0.02)


def test_adjust_unknown_method_is_loud():
    with pytest.raises(MethodError):
        adjust([0.1], method="hochberg-ish")


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_adjusted_never_below_raw(p):
    out = adjust(p)
    assert (out["p_adjusted"] >= out["p_value"] - 1e-15).all()
