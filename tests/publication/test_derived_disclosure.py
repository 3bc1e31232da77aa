"""Figures computed over hidden rows: adjusted p-values and funnel bands.

The rule (kentaudit/publication/disclosure.py, issue 25 item 4 and issue 23 item 5): a figure
computed over several rows is the analysis's own, over the analysis's family, never recomputed
over the rows shown; it is hidden as [c] where a value of the hidden rows could change it.
Each expected value below is worked by hand from the method's definition.
"""
import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import DisclosureError
from kentaudit.publication.check.attack import (Release, _adjusted_p_attack, _band_attack,
                                                funnel_bands)
from kentaudit.publication.disclosure import (adjusted_p_bounds, protect_adjusted_p,
                                              protect_funnel_bands)
from kentaudit.publication.table import Column, PublicationTable
from kentaudit.publication.views import csv_frame
from kentaudit.stats.funnel import funnel_table
from kentaudit.stats.multiplicity import adjust

C = "[c]"


# ------------------------------------------------------------------ adjusted p-values

@pytest.mark.parametrize("method", ["holm", "fdr_bh", "bonferroni"])
def test_adjusted_p_values_never_fall_when_a_raw_p_value_rises(method):
    """The bounds rule rests on this: with every hidden p-value at 0 and at 1, the shown
    adjusted p-values take their smallest and largest values."""
    rng = np.random.default_rng(20250)
    for _ in range(300):
        m = int(rng.integers(2, 9))
        p = rng.uniform(0, 0.2, m) ** rng.uniform(0.5, 3)
        j = int(rng.integers(m))
        lo, hi = p.copy(), p.copy()
        lo[j], hi[j] = sorted(rng.uniform(0, 1, 2))
        a_lo = adjust(lo, method=method)["p_adjusted"].to_numpy()
        a_hi = adjust(hi, method=method)["p_adjusted"].to_numpy()
        assert np.all(a_lo <= a_hi + 1e-12)


def p_table(p, hidden_rows=(), method="holm"):
    """A table of tests of one family, adjusted as the analysis adjusts it; rows in
    ``hidden_rows`` are published as [c] (their counts are hidden)."""
    p = np.asarray(p, dtype=float)
    df = pd.DataFrame({"criterion": [f"k{i}" for i in range(len(p))], "n_yes": 10,
                       "p_value": p, "p_adjusted": adjust(p, method=method)["p_adjusted"].to_numpy()})
    cols = [Column("criterion", "Criterion", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("p_value", "p", "derived", "p-value", ("n_yes",), decimals=4),
            Column("p_adjusted", "Adjusted p", "derived", "p-value", ("n_yes",), decimals=3)]
    src = PublicationTable("T5", "Tests", df, cols)
    pub = src.with_data(df.astype(object).assign(
        n_yes=[C if i in hidden_rows else 10 for i in range(len(p))],
        p_value=[C if i in hidden_rows else v for i, v in enumerate(p)],
        p_adjusted=[C if i in hidden_rows else v for i, v in enumerate(df["p_adjusted"])]))
    for t in (src, pub):
        t.adjustments = {"p_adjusted": {"raw": "p_value", "family": []}}
    return src, pub


def test_with_no_hidden_row_the_analysis_adjusted_p_values_are_published_unchanged():
    src, pub = p_table([0.004, 0.03, 0.2, 0.5])
    assert protect_adjusted_p([pub], [src], "holm") == []
    # Holm by hand: 4 x 0.004 = 0.016; max(0.016, 3 x 0.03) = 0.09; max(0.09, 2 x 0.2) = 0.4; 0.5
    assert pub.data["p_adjusted"].tolist() == pytest.approx([0.016, 0.09, 0.4, 0.5])
    fam = pub.adjustments["p_adjusted"]["families"]
    assert fam == [{"key": [], "rows": [0, 1, 2, 3], "n_tests": 4, "hidden_rows": []}]


def test_a_shown_adjusted_p_value_set_by_a_hidden_row_is_hidden_not_recomputed():
    # family of 4 as the analysis tests it; row 0 (p 0.001) is hidden
    src, pub = p_table([0.001, 0.02, 0.9, 0.6], hidden_rows=(0,))
    audit = protect_adjusted_p([pub], [src], "holm")
    # row 1, p 0.02: rank 2 (3 x 0.02 = 0.06) when the hidden p is below it, rank 1 (4 x 0.02 =
    # 0.08) when above: its adjusted value would say where the hidden p-value lies
    assert pub.data.at[1, "p_adjusted"] == C
    # rows 2 and 3: adjusted p 1 however the hidden row lies (2 x 0.6 >= 1 and 0.9 x 1 capped)
    assert pub.data.at[3, "p_adjusted"] == pytest.approx(1.0)
    assert pub.data.at[2, "p_adjusted"] == pytest.approx(1.0)
    assert [(r["row"], r["column"], r["reason"]) for r in audit] == [(1, "p_adjusted", "derived")]
    assert audit[0]["value"] == pytest.approx(0.06)  # the analysis's value, in the restricted audit
    # never recomputed over the shown rows (which would give 3 x 0.02 = 0.06 for row 1 and
    # 2 x 0.6 = 1.0 for row 3: a different number from the notebook's)
    assert pub.adjustments["p_adjusted"]["families"][0]["hidden_rows"] == [0]
    assert pub.adjustments["p_adjusted"]["families"][0]["n_tests"] == 4


def test_a_shown_adjusted_p_value_the_same_at_its_precision_whatever_the_hidden_rows_is_kept():
    # 3 x 1e-5 and 4 x 1e-5 both publish as 0.000
    src, pub = p_table([0.3, 1e-5, 0.8, 0.7], hidden_rows=(0,))
    protect_adjusted_p([pub], [src], "holm")
    assert pub.data.at[1, "p_adjusted"] == pytest.approx(4e-5)


def test_bounds_span_every_place_the_hidden_p_value_could_take():
    lo, hi = adjusted_p_bounds([0.5, 0.02, 0.9], [True, False, False], "holm")
    assert lo[1] == pytest.approx(0.04) and hi[1] == pytest.approx(0.06)


def test_a_family_that_is_not_the_analysis_s_is_refused():
    src, pub = p_table([0.004, 0.03, 0.2, 0.5])
    src.data.at[1, "p_adjusted"] = 0.06  # as if the analysis had adjusted over another family
    with pytest.raises(DisclosureError, match="family"):
        protect_adjusted_p([pub], [src], "holm")


def test_the_attack_finds_a_shown_adjusted_p_value_that_depends_on_a_hidden_row():
    src, pub = p_table([0.001, 0.02, 0.9, 0.6], hidden_rows=(0,))
    protect_adjusted_p([pub], [src], "holm")
    meta = {"tables": [{"id": "T5", "adjusted_p_values": pub.adjustments}]}
    # as the CSV writer writes it: the raw p-value to 4 decimals, the adjusted one to 3 (a reader
    # knows each only to its printed digits)
    as_csv = csv_frame(pub).astype(str)
    assert _adjusted_p_attack(Release(None, meta, {"T5": as_csv}), "csv/{}.csv") == []
    planted = as_csv.copy()
    planted.at[1, "p_adjusted"] = "0.060"  # the analysis's value, published beside a hidden row
    found = _adjusted_p_attack(Release(None, meta, {"T5": planted}), "csv/{}.csv")
    assert [(f[0], f[1]) for f in found] == [("csv/T5.csv", "line 3, column 'p_adjusted'")]


# ------------------------------------------------------------------ funnel bands

def funnel_release(x, n, hidden=(), target=0.8):
    """A one-criterion table of districts (one area) as the analysis bands them."""
    ft = funnel_table(pd.DataFrame({"district": list("ABCDEFGH")[:len(x)], "x": x, "n": n}),
                      x="x", n="n", target=target)
    rows = [{"criterion": "k1", "area": "North", "district": d, "n_yes": a, "n_denominator": b, "funnel_band": f}
            for d, a, b, f in zip(ft["district"], x, n, ft["flag_99_8"])]
    rows.append({"criterion": "k1", "area": "North", "district": "All districts", "n_yes": sum(x),
                 "n_denominator": sum(n), "funnel_band": "not assessed"})
    rows.append({"criterion": "k1", "area": "Kent", "district": "All districts", "n_yes": sum(x),
                 "n_denominator": sum(n), "funnel_band": "not assessed"})
    df = pd.DataFrame(rows)
    cols = [Column("criterion", "Criterion", "label"), Column("area", "Area", "label"),
            Column("district", "District", "label"), Column("n_yes", "Yes", "count", "count"),
            Column("n_denominator", "Answered", "count", "count"),
            Column("funnel_band", "Band", "derived", "band", ("n_yes", "n_denominator"))]
    src = PublicationTable("T7", "Districts", df, cols)
    pub_df = df.astype(object)
    for i in hidden:
        pub_df.at[i, "n_yes"] = C
        pub_df.at[i, "funnel_band"] = C
    return src, src.with_data(pub_df), ft


# an overdispersed criterion: the analysis widens the limits (tau2 > 0), so district D (40%
# of 40) is within them although it lies far below the unadjusted limits; F (2 of 4) is small
X, N = [20, 38, 30, 16, 39, 2], [40, 40, 40, 40, 40, 4]


def test_the_example_is_overdispersed_and_d_is_within_the_widened_limits():
    ft = funnel_table(pd.DataFrame({"d": list("ABCDEF"), "x": X, "n": N}), x="x", n="n", unit="d", target=0.8)
    assert bool(ft["adjusted"].iloc[0]) and ft["tau2"].iloc[0] > 0
    assert ft["flag_99_8"].tolist()[3] == "within"


def test_bands_of_a_criterion_with_a_hidden_district_are_shown_only_where_no_split_could_change_them():
    src, pub, ft = funnel_release(X, N, hidden=(5,))
    audit = protect_funnel_bands([pub], [src], target=0.8, method="binomial-interpolated")
    bands = pub.data["funnel_band"].tolist()
    # B (38 of 40) and E (39 of 40): within the unadjusted and the random-effects limits at
    # tau2 = 0, so within whatever tau2 the hidden district F makes: shown as the analysis has them
    assert bands[1] == ft["flag_99_8"].iloc[1] == "within"
    assert bands[4] == ft["flag_99_8"].iloc[4] == "within"
    # A (50%) and D (40%): within only because tau2, estimated with F, widens the limits
    assert bands[0] == C and bands[3] == C
    assert bands[2] == "within"  # C (75%): within both limits at tau2 = 0
    assert {r["row"] for r in audit} == {0, 3}
    assert all(r["reason"] == "derived" and r["column"] == "funnel_band" for r in audit)
    assert pub.defines["funnel"]["target"] == 0.8  # the definition the attack recomputes from


def test_bands_of_a_criterion_whose_districts_are_all_shown_are_the_analysis_s():
    src, pub, ft = funnel_release(X, N)
    assert protect_funnel_bands([pub], [src], target=0.8, method="binomial-interpolated") == []
    assert pub.data["funnel_band"].tolist()[:6] == ft["flag_99_8"].tolist()


def test_the_attack_s_own_funnel_matches_the_library_s_bands():
    """The attack's funnel (written from Spiegelhalter 2005) bands as kentaudit.stats.funnel does,
    adjusted or not, on 200 random criteria."""
    rng = np.random.default_rng(7)
    f = {"target": 0.8, "method": "binomial-interpolated", "level": 0.998, "overdispersion": "auto",
         "adjust_rule": "significant", "alpha": 0.05, "winsorise": 0.1, "winsorise_method": "order-statistic",
         "dispersion_centre": "overall"}
    adjusted = 0
    for _ in range(200):
        k = int(rng.integers(3, 13))
        n = rng.integers(3, 60, k)
        x = rng.binomial(n, rng.beta(8, 2, k))
        ft = funnel_table(pd.DataFrame({"d": range(k), "x": x, "n": n}), x="x", n="n", unit="d", target=0.8)
        adjusted += bool(ft["adjusted"].iloc[0])
        assert funnel_bands(x, n, f) == ft["flag_99_8"].tolist()
    assert 20 < adjusted < 180  # both kinds of limits were compared


# a criterion where the bands of the shown districts depend on the hidden count of F: C (55%)
# is below the limits only while the overdispersion F makes is small enough
X2, N2 = [30, 33, 22, 31, 34, 9], [40, 40, 40, 40, 40, 12]
FUNNEL = {"column": "funnel_band", "target": 0.8, "method": "binomial-interpolated", "level": 0.998,
          "overdispersion": "auto", "adjust_rule": "significant", "alpha": 0.05, "winsorise": 0.1,
          "winsorise_method": "order-statistic", "dispersion_centre": "overall"}


def band_attack(df):
    """The band attack on one published table, F's yes count known only to lie in [1, 12]
    (its area and authority rows left out, so that only the bands relate it to the rest)."""
    df = df[df["district"] != "All districts"].reset_index(drop=True)
    # the published columns' dimensions, as every release's metadata declares them (the attack
    # reads the unit and area columns from these, not from their names)
    labels = {c: c for c in ("criterion", "area", "district") if c in df.columns}
    meta = {"tables": [{"id": "T7", "defines": {"funnel": FUNNEL, "labels": labels}}]}
    return _band_attack(Release(None, meta, {"T7": df}), 0, {(0, "T7", 5, "n_yes"): (1.0, 12.0)}, 3,
                        "csv/{}.csv")


def test_the_band_attack_narrows_a_hidden_count_from_bands_that_depend_on_it():
    src, _, ft = funnel_release(X2, N2, hidden=(5,))
    assert ft["flag_99_8"].tolist()[:5] == ["within", "within", "below", "within", "within"]
    old = src.data.astype(str)   # every shown district's band as the analysis has it
    old.at[5, "n_yes"], old.at[5, "funnel_band"] = C, C
    found = band_attack(old)
    # only 8, 9 or 10 yes answers for F (true 9) reproduce the bands of A to E
    assert [(f[0], f[1]) for f in found] == [("csv/T7.csv", "line 7, column 'n_yes'")]
    assert "narrowed to [8, 10]" in found[0][2]


def test_the_band_attack_learns_nothing_from_protected_bands():
    src, pub, _ = funnel_release(X2, N2, hidden=(5,))
    protect_funnel_bands([pub], [src], target=0.8, method="binomial-interpolated")
    new = pub.data.astype(str)
    assert new["funnel_band"].tolist()[:6] == ["within", "within", C, "within", "within", C]
    assert band_attack(new) == []
