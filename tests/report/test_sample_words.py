"""A reviewer table names a sample as the profile labels it, never by its name in the data
(review 28: Fenmarsh's grade tables read "random_sample", "themed_audit", and the authority-wide
estimate's caption "Sample: random_sample")."""
from __future__ import annotations

import pandas as pd

from kentaudit.report.tables import style_table

LEVELS = {("sample", "random_sample"): "Random sample", ("sample", "themed_audit"): "Themed audit"}


def test_sample_names_are_read_as_the_profiles_labels():
    df = pd.DataFrame({"sample": ["random_sample", "themed_audit"], "grade": [1, 2], "n": [3, 4]})
    view = style_table(df, levels=LEVELS)
    assert list(view.frame.iloc[:, 0]) == ["Random sample", "Themed audit"]


def test_a_design_based_estimates_samples_are_named_together():
    df = pd.DataFrame({"criterion": ["a", "b"], "sample": ["random_sample + themed_audit"] * 2,
                       "estimate": [0.5, 0.6]})
    view = style_table(df, levels=LEVELS)
    text = view.to_html()
    assert "Random sample and Themed audit" in text and "random_sample" not in text


def test_without_labels_a_value_is_unchanged():
    df = pd.DataFrame({"sample": ["x", "y"], "n": [1, 2]})
    assert list(style_table(df, levels=LEVELS).frame.iloc[:, 0]) == ["x", "y"]
