"""Results tables and figures saved by notebooks: deterministic, documented, round-tripping."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kentaudit.core.errors import KentauditError  # noqa: E402
from kentaudit.report.results import (figure_html, load_table, save_figure, save_table, table_index, table_name)


def sample_df() -> pd.DataFrame:
    return pd.DataFrame({
        "district": ["Ashford", "Dover", "Thanet"],
        "criterion": ["seen", "seen", "seen"],
        "answer": ["NA", pd.NA, "Y"],  # the string "NA" (not applicable) is not missing
        "n": pd.array([12, None, 3], dtype="Int64"),
        "estimate": [0.1 + 0.2, 1 / 3, 2.5e-17],
        "method": ["wilson"] * 3,
    })


def test_csv_writes_canonical_floats_and_keeps_na_string_apart_from_missing(tmp_path):
    save_table(sample_df(), "compliance", tmp_path)
    text = (tmp_path / "compliance.csv").read_text(encoding="utf-8")
    assert text.splitlines() == [
        "district,criterion,answer,n,estimate,method",
        "Ashford,seen,NA,12,0.3,wilson",
        "Dover,seen,,,0.3333333333,wilson",
        "Thanet,seen,Y,3,2.5e-17,wilson",
    ]
    back = pd.read_csv(tmp_path / "compliance.csv", keep_default_na=False)
    assert list(back["estimate"]) == [0.3, 0.3333333333, 2.5e-17]  # 10 significant digits


def test_parquet_round_trips_values_and_dtypes(tmp_path):
    df = sample_df()
    save_table(df, "compliance", tmp_path)
    back = load_table("compliance", tmp_path)
    assert list(back.columns) == list(df.columns)
    assert str(back["n"].dtype) == "Int64"
    assert back["estimate"].tolist() == [0.3, 0.3333333333, 2.5e-17]  # as the CSV
    assert back.loc[0, "answer"] == "NA" and pd.isna(back.loc[1, "answer"])


def test_categorical_columns_are_saved_as_plain_text_whatever_their_categories(tmp_path):
    plain = pd.DataFrame({"district": pd.array(["Dover", "Thanet"], dtype="str"), "n": [3, 4]})
    cat = plain.assign(district=pd.Categorical(plain["district"], categories=["Ashford", "Dover", "Thanet"]))
    a = save_table(plain, "t_plain", tmp_path)
    b = save_table(cat, "t_cat", tmp_path)
    assert a["columns"] == b["columns"] and a["sha256"] == b["sha256"]
    import pyarrow.parquet as pq
    assert "dictionary" not in str(pq.read_schema(tmp_path / "t_cat.parquet").field("district").type)
    assert str(load_table("t_cat", tmp_path)["district"].dtype) == "str"


def test_same_data_gives_same_bytes(tmp_path):
    save_table(sample_df(), "t", tmp_path / "a")
    save_table(sample_df().copy(), "t", tmp_path / "b")
    for ext in ("csv", "parquet"):
        assert (tmp_path / "a" / f"t.{ext}").read_bytes() == (tmp_path / "b" / f"t.{ext}").read_bytes()


def test_same_data_gives_same_bytes_in_another_process(tmp_path):
    save_table(sample_df(), "t", tmp_path / "a")
    code = ("import sys; sys.path.insert(0, sys.argv[2]); from test_results import sample_df; "
            "from kentaudit.report.results import save_table; save_table(sample_df(), 't', sys.argv[1])")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b"), str(Path(__file__).parent)], check=True)
    assert (tmp_path / "a" / "t.parquet").read_bytes() == (tmp_path / "b" / "t.parquet").read_bytes()


def test_index_records_description_shape_columns_and_hashes(tmp_path):
    entry = save_table(sample_df(), "compliance", tmp_path, description="one row per district")
    index = table_index(tmp_path)
    assert index["compliance"] == entry
    assert entry["rows"] == 3 and entry["description"] == "one row per district"
    assert entry["columns"][3] == {"name": "n", "dtype": "Int64"}
    import hashlib
    assert entry["sha256"]["csv"] == hashlib.sha256((tmp_path / "compliance.csv").read_bytes()).hexdigest()


def test_index_is_sorted_and_has_no_timestamps(tmp_path):
    save_table(sample_df(), "zeta", tmp_path)
    save_table(sample_df(), "alpha", tmp_path)
    first = (tmp_path / "index.json").read_text()
    assert list(json.loads(first)["tables"]) == ["alpha", "zeta"]
    save_table(sample_df(), "zeta", tmp_path)
    assert (tmp_path / "index.json").read_text() == first


def test_district_suffix_uses_the_district_code(tmp_path):
    entry = save_table(sample_df(), "profile", tmp_path, district="Tonbridge and Malling")
    assert entry["name"] == "profile__TAM" and entry["district"] == "TAM"
    assert (tmp_path / "profile__TAM.csv").exists()
    assert load_table("profile", tmp_path, district="TAM").shape == (3, 6)


@pytest.mark.parametrize("bad", ["Compliance", "by district", "a__b__c", "x-y", "", "_a", "a_", "a__"])
def test_invalid_names_are_refused(tmp_path, bad):
    with pytest.raises(KentauditError, match="invalid table or figure name"):
        save_table(sample_df(), bad, tmp_path)


def test_unknown_district_is_refused(tmp_path):
    with pytest.raises(KentauditError, match="unknown district 'Medway'"):
        table_name("profile", "Medway")


def test_index_and_columns_must_be_clean(tmp_path):
    df = pd.DataFrame(np.zeros((2, 2)))
    with pytest.raises(KentauditError, match="column names"):
        save_table(df, "bad", tmp_path)


def test_load_missing_table_says_which(tmp_path):
    with pytest.raises(KentauditError, match="'absent' not found"):
        load_table("absent", tmp_path)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=20))
def test_csv_floats_read_back_exactly(tmp_path_factory, xs):
    d = tmp_path_factory.mktemp("f")
    save_table(pd.DataFrame({"x": xs}), "floats", d)
    lines = (d / "floats.csv").read_text().splitlines()[1:]
    back = [float(v) for v in lines]  # Python's parser is exact
    # the canonical value (10 significant digits) reads back exactly, in CSV and Parquet
    assert back == [float(f"{x:.10g}") + 0.0 for x in xs]
    assert pd.read_parquet(d / "floats.parquet")["x"].tolist() == back


class FakeChart:
    """Stands in for a kentaudit.report.charts result (.figure, .alt_text, .caption, .save)."""

    def __init__(self, alt="A bar chart of two groups: A 3, B 5.", caption="Demo"):
        self.figure, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["A", "B"], [3, 5])
        self.alt_text, self.caption, self.saved = alt, caption, []

    def save(self, stem):
        self.saved.append(Path(stem))
        self.figure.savefig(Path(stem).with_suffix(".png"))
        self.figure.savefig(Path(stem).with_suffix(".svg"), metadata={"Date": None})


def test_save_figure_writes_png_svg_and_alt_text_json(tmp_path):
    chart = FakeChart()
    paths = save_figure(chart, "demo", tmp_path)
    assert chart.saved == [tmp_path / "demo"]
    assert all(Path(p).exists() for p in paths.values())
    meta = json.loads((tmp_path / "demo.json").read_text())
    assert meta == {"id": "demo", "alt_text": chart.alt_text, "caption": "Demo",
                    "png": "demo.png", "svg": "demo.svg"}
    plt.close(chart.figure)


def test_save_figure_with_bare_matplotlib_figure_is_deterministic(tmp_path):
    def draw(d):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([1, 2, 3], [3, 1, 2])
        save_figure(fig, "line", d, alt_text="A line falling then rising.")
        plt.close(fig)
    draw(tmp_path / "a")
    draw(tmp_path / "b")
    for ext in ("png", "svg"):
        assert (tmp_path / "a" / f"line.{ext}").read_bytes() == (tmp_path / "b" / f"line.{ext}").read_bytes()


def test_figure_without_alt_text_is_refused(tmp_path):
    chart = FakeChart(alt="  ")
    with pytest.raises(KentauditError, match="alt text"):
        save_figure(chart, "demo", tmp_path)
    plt.close(chart.figure)


def test_figure_html_embeds_png_with_escaped_alt_and_caption():
    chart = FakeChart(alt='Rates "by" district <all>', caption="Figure 1 & notes")
    out = figure_html(chart)
    assert 'alt="Rates &quot;by&quot; district &lt;all&gt;"' in out
    assert 'src="data:image/png;base64,' in out
    assert "<figcaption>Figure 1 &amp; notes</figcaption>" in out
    plt.close(chart.figure)


def test_show_figure_displays_html_with_alt_and_closes_figure(monkeypatch):
    shown = []
    from kentaudit.report import results

    monkeypatch.setattr(results, "display", lambda obj, raw=False: shown.append((obj, raw)))
    from kentaudit.report.results import show_figure

    chart = FakeChart()
    show_figure(chart)
    ((bundle, raw),) = shown
    assert raw is True and f'alt="{chart.alt_text}"' in bundle["text/html"]
    assert bundle["text/plain"] == f"[figure] {chart.alt_text}"
    assert not plt.fignum_exists(chart.figure.number)


# ----------------------------------------------------------------------------- canonical numbers

def test_saved_floats_are_rounded_to_ten_significant_digits_without_negative_zero(tmp_path):
    from kentaudit.report.results import save_table
    df = pd.DataFrame({"x": [7.750000000000001, 7.749999999999999, -0.0, -2.0000000000000004,
                             0.4999999999999999, float("nan"), 1.2345678901234567e-30], "k": 1})
    save_table(df, "canon", tmp_path)
    lines = (tmp_path / "canon.csv").read_text().splitlines()
    assert lines[1:] == [f"{v},1" for v in ("7.75", "7.75", "0.0", "-2.0", "0.5", "", "1.23456789e-30")]
    assert pd.read_parquet(tmp_path / "canon.parquet")["x"].iloc[0] == 7.75


def test_tables_differing_in_the_last_bits_save_byte_identical_files(tmp_path):
    from kentaudit.report.results import save_table
    rng = np.random.default_rng(13)
    x = rng.normal(size=2000) * 10.0 ** rng.integers(-8, 8, 2000)
    y = x * (1 + rng.choice([-4, -2, -1, 1, 2, 4], 2000) * np.finfo(float).eps)  # a few ulps off
    assert (x != y).all()
    a = save_table(pd.DataFrame({"v": x, "w": pd.array(x, dtype="Float64")}), "a", tmp_path / "a")
    b = save_table(pd.DataFrame({"v": y, "w": pd.array(y, dtype="Float64")}), "a", tmp_path / "b")
    diff = int(np.sum(np.array((tmp_path / "a" / "a.csv").read_text().splitlines())
                      != np.array((tmp_path / "b" / "a.csv").read_text().splitlines())))
    # a value within a few ulps of a 10-digit rounding boundary may still round apart:
    # about 1e-4 of values; none here
    assert diff == 0 and a["sha256"] == b["sha256"]


def test_integers_and_text_are_not_touched_by_the_canonical_form():
    from kentaudit.report.results import canonical_floats
    df = pd.DataFrame({"n": [123456789012345], "t": ["0.30000000000000004"]})
    assert canonical_floats(df).equals(df)


def test_expected_table_comparison_is_numeric_even_in_a_text_column():
    from table_compare import assert_tables_equal
    got = pd.DataFrame({"x": ["7.750000000000001", ""]})
    want = pd.DataFrame({"x": ["7.749999999999999", ""]})
    assert_tables_equal(got, want)
    with pytest.raises(AssertionError, match="column 'x'"):
        assert_tables_equal(pd.DataFrame({"x": ["7.7500001", ""]}), want)
    with pytest.raises(AssertionError, match="column 'x'"):
        assert_tables_equal(pd.DataFrame({"x": ["7.75", "NA"]}), want)
