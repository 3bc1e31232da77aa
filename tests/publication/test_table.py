"""PublicationTable: setters validate and say how to fix; notes numbered in reading order."""
import pandas as pd
import pytest

from kentaudit.publication.table import Column, PublicationTable, PublicationTableError, number_notes

COLS = [Column("district", "District", "label"), Column("n_yes", "Yes", "count", "count"),
        Column("n_den", "Answered", "count", "count"),
        Column("estimate", "Compliance", "derived", "%", ("n_yes", "n_den"), 100, 1)]


def frame():
    return pd.DataFrame({"district": ["Dover", "Swale"], "n_yes": [10, 20], "n_den": [12, 30],
                         "estimate": [10 / 12, 20 / 30]})


def make(**kw):
    args = dict(id="T1", title="Compliance", data=frame(), columns=COLS)
    args.update(kw)
    return PublicationTable(args.pop("id"), args.pop("title"), args.pop("data"), args.pop("columns"), **args)


def test_valid_table_keeps_metadata():
    t = make(scope="Cycle 2009", source="results", notes=["denominator"])
    assert (t.id, t.title, t.scope, t.notes) == ("T1", "Compliance", "Cycle 2009", ["denominator"])
    assert t.units == {"n_yes": "count", "n_den": "count", "estimate": "%"}


@pytest.mark.parametrize("bad", ["Table1", "t1", "1", "T"])
def test_bad_id_says_how_to_fix(bad):
    with pytest.raises(PublicationTableError, match="How to fix: use 'T'"):
        make(id=bad)


def test_blank_row_rejected():
    df = pd.concat([frame(), pd.DataFrame([{"district": None, "n_yes": None, "n_den": None, "estimate": None}])],
                   ignore_index=True)
    with pytest.raises(PublicationTableError, match="blank"):
        make(data=df)


def test_merged_header_intent_rejected():
    df = frame()
    df.columns = pd.MultiIndex.from_tuples([("a", "district"), ("a", "n_yes"), ("b", "n_den"), ("b", "estimate")])
    with pytest.raises(PublicationTableError, match="flatten"):
        make(data=df)


def test_missing_unit_rejected():
    cols = COLS[:3] + [Column("estimate", "Compliance", "derived", None, ("n_yes", "n_den"))]
    with pytest.raises(PublicationTableError, match="no unit"):
        make(columns=cols)


def test_count_must_be_named_n():
    cols = [COLS[0], Column("yes", "Yes", "count", "count")]
    with pytest.raises(PublicationTableError, match="n_"):
        make(columns=cols, data=frame().rename(columns={"n_yes": "yes"})[["district", "yes"]])


def test_derived_column_must_name_its_counts():
    cols = COLS[:3] + [Column("estimate", "Compliance", "derived", "%")]
    with pytest.raises(PublicationTableError, match="derived_from"):
        make(columns=cols)


def test_index_holding_data_rejected():
    with pytest.raises(PublicationTableError, match="reset_index"):
        make(data=frame().set_index("district", drop=False))


def test_title_with_number_or_note_marker_rejected():
    with pytest.raises(PublicationTableError, match="numbering"):
        make(title="Table 4: compliance")
    with pytest.raises(PublicationTableError, match="note"):
        make(title="Compliance [note 1]")


def test_non_whole_count_rejected():
    df = frame()
    df["n_yes"] = df["n_yes"].astype(float)
    df.loc[0, "n_yes"] = 2.5
    with pytest.raises(PublicationTableError, match="whole numbers"):
        make(data=df)


def test_unknown_shorthand_rejected_and_legend_lists_only_used_symbols():
    df = frame().astype(object)
    df.loc[0, "estimate"] = "[q]"
    with pytest.raises(PublicationTableError, match="legend"):
        make(data=df)
    df.loc[0, "estimate"] = "[c]"
    t = make(data=df)
    assert [s for s, _ in t.legend] == ["[c]"]
    assert make().legend == []


def test_duplicate_header_labels_rejected():
    cols = COLS[:2] + [Column("n_den", "Yes", "count", "count")] + COLS[3:]
    with pytest.raises(PublicationTableError, match="duplicate header"):
        make(columns=cols)


def test_display_frame_scales_and_rounds_only_for_display():
    t = make()
    d = t.display_frame()
    assert d.at[0, "estimate"] == 83.3 and d.at[1, "estimate"] == 66.7
    assert t.data.at[0, "estimate"] == 10 / 12  # data keep full precision


def test_missing_values_display_as_not_available():
    df = frame()
    df.loc[1, "estimate"] = float("nan")
    assert make(data=df).display_frame().at[1, "estimate"] == "[x]"


def test_notes_are_numbered_in_reading_order_across_tables():
    a = make(notes=["b_note", "a_note"])
    b = make(id="T2", notes=["c_note", "a_note"])
    texts = {"a_note": "A", "b_note": "B", "c_note": "C"}
    assert number_notes([a, b], texts) == {"b_note": 1, "a_note": 2, "c_note": 3}


def test_note_without_text_rejected():
    with pytest.raises(PublicationTableError, match="no text"):
        number_notes([make(notes=["nope"])], {})


def test_note_keys_must_be_keys_not_numbers():
    with pytest.raises(PublicationTableError, match="never type note numbers"):
        make(notes=["1"])
