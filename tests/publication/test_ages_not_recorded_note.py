"""Table 2's note on audits kept with no age recorded (age band "Not recorded"; issue 22, the Aldmere
walk: 4 of 232 ages blank and the appendix did not say so): the count is said, disclosure-controlled
as every published count, and the note says the level is in the case-mix models. End to end the note
was seen in the Aldmere replay (/work/outside/aldmere; not in the repository)."""
import pandas as pd

from kentaudit.publication.appendix import ages_not_recorded_note


def _quality(n):
    rows = [{"measure": "files holding audits of more than one cycle", "n_records": 0, "rule": "mixed_cycles"}]
    if n is not None:
        rows.append({"measure": "audits with no age recorded (kept, age band Not recorded)", "n_records": n,
                     "rule": "age_not_recorded"})
    return pd.DataFrame(rows)


def test_a_count_at_or_above_the_threshold_is_said_with_the_level_in_the_case_mix_models():
    note = ages_not_recorded_note(_quality(1234), threshold=5)
    assert note.startswith("Of the accepted audits, 1,234 had no age recorded")
    assert '"Not recorded"' in note and "case-mix models" in note


def test_a_small_count_is_a_suppressed_cell_never_its_value():
    note = ages_not_recorded_note(_quality(4), threshold=5)
    assert "fewer than 5 had no age recorded" in note and " 4 " not in note


def test_no_note_where_every_age_is_recorded_or_no_table_was_saved():
    assert ages_not_recorded_note(_quality(None), threshold=5) is None
    assert ages_not_recorded_note(_quality(0), threshold=5) is None
    assert ages_not_recorded_note(None, threshold=5) is None
