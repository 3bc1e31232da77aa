"""p-chart limits frozen on a baseline (kentaudit.stats.spc.p_chart(..., freeze=k)).

The reference is the frozen-limit p-chart written by hand from its formula in base R
(tests/r/reference_p_chart_freeze.R; qicharts2, whose qic(freeze=) it reproduces, is not
installed there): centre = the pooled proportion of the first k periods with files, limits
centre +/- 3 sqrt(centre (1 - centre) / n_i) at every period's n_i. Every test turns numpy's
and pandas' warnings into errors: an edge gives a documented value, never a warning."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import InputError
from kentaudit.stats.spc import p_chart

REF = pd.read_csv(Path(__file__).parents[1] / "r" / "reference_p_chart_freeze.csv")

pytestmark = pytest.mark.filterwarnings("error")


def _case(name):
    ref = REF[REF["case"] == name].reset_index(drop=True)
    got = p_chart(ref[["period", "x", "n"]], freeze=int(ref["freeze"].iloc[0]))
    return ref, got


@pytest.mark.parametrize("case", sorted(REF["case"].unique()))
def test_frozen_centre_and_limits_match_the_formula_written_in_r(case):
    ref, got = _case(case)
    for col in ("centre", "lpl", "upl", "nlpl", "nupl", "sigma"):
        mine = got["mean" if col == "centre" else col].to_numpy(dtype=float)
        np.testing.assert_allclose(mine, ref[col].to_numpy(dtype=float), atol=1e-12, equal_nan=True,
                                   err_msg=f"{case}: {col}")
    assert (got["n_baseline"] == ref["n_baseline"]).all()


@pytest.mark.parametrize("case", sorted(REF["case"].unique()))
def test_points_outside_the_frozen_limits_are_the_ones_r_finds(case):
    ref, got = _case(case)
    assert list(got["special_cause_type"] == "Above UCL") == list(ref["above"]), case
    assert list(got["special_cause_type"] == "Below LCL") == list(ref["below"]), case


def test_a_shift_after_the_baseline_is_outside_the_frozen_limits_but_absorbed_without_freeze():
    ref = REF[REF["case"] == "shift"].reset_index(drop=True)
    frozen = p_chart(ref[["period", "x", "n"]], freeze=6)
    everything = p_chart(ref[["period", "x", "n"]])
    # the centre stays at the baseline's level instead of moving half-way to the new one
    assert frozen["mean"].iloc[0] == pytest.approx(81 / 145)
    assert everything["mean"].iloc[0] > frozen["mean"].iloc[0] + 0.1
    last = frozen.iloc[-1]
    assert (last["special_cause_type"], last["point_type"]) == ("Above UCL", "special_cause_improvement")
    assert not everything["outside_limits"].any()
    # the other post-baseline points are beyond the frozen 2-sigma limits: a special cause
    assert (frozen["special_cause_type"].iloc[6:9] == "2 in 3 Above CL").all()
    assert frozen["method"].iloc[0].startswith("p-chart: centre = pooled proportion of the first 6 periods")


def test_without_freeze_the_chart_is_unchanged():
    ref = REF[REF["case"] == "shift"].reset_index(drop=True)
    d = ref[["period", "x", "n"]]
    pd.testing.assert_frame_equal(p_chart(d), p_chart(d, freeze=None))
    assert p_chart(d, freeze=len(d))["mean"].iloc[0] == p_chart(d)["mean"].iloc[0]


def test_a_baseline_of_one_period_centres_the_chart_on_it():
    _, got = _case("one_point")
    assert (got["mean"] == 12 / 25).all() and (got["n_baseline"] == 1).all()


@pytest.mark.parametrize("case, level", [("pbar_zero", 0.0), ("pbar_one", 1.0)])
def test_a_baseline_with_every_answer_the_same_has_zero_width_limits(case, level):
    _, got = _case(case)
    assert (got["lpl"] == level).all() and (got["upl"] == level).all() and (got["sigma"] == 0).all()
    # any later period with another proportion is outside them
    moved = got["value"] != level
    assert moved.any() and got.loc[moved, "outside_limits"].all()


def test_a_period_without_files_has_no_point_and_no_limits_before_or_after_the_baseline():
    _, got = _case("empty_periods")
    assert list(got["missing"]) == [False, True, False, False, True, False]
    assert got.loc[got["missing"], ["lpl", "upl", "sigma"]].isna().all().all()
    assert (got["n_baseline"] == 2).all() and got["mean"].iloc[0] == pytest.approx(17 / 25)


def test_a_baseline_without_files_gives_no_centre_no_limits_and_no_signal():
    _, got = _case("empty_baseline")
    assert got[["mean", "lpl", "upl"]].isna().all().all()
    assert list(got["special_cause_type"]) == ["Missing", "Common Cause", "Common Cause"]
    assert (got["relative_to_mean"] == 0).all()


def test_no_run_is_found_on_a_side_of_a_missing_centre():
    d = pd.DataFrame({"period": range(1, 10), "x": [0] + [5] * 8, "n": [0] + [10] * 8})
    got = p_chart(d, freeze=1)
    assert not got["rule_run"].any() and not got["special_cause"].any()


@pytest.mark.parametrize("bad", [0, -1, 11, 2.5, True, "3"])
def test_freeze_must_be_a_whole_number_of_periods_in_the_series(bad):
    d = REF[REF["case"] == "shift"][["period", "x", "n"]]
    with pytest.raises(InputError, match="freeze"):
        p_chart(d, freeze=bad)


def test_freeze_and_rebase_are_not_given_together():
    d = REF[REF["case"] == "shift"][["period", "x", "n"]]
    with pytest.raises(InputError, match="not both"):
        p_chart(d, freeze=3, rebase_at=[5])
