"""Caterpillar plot of shrunken estimates (kentaudit.report.caterpillar)."""
from __future__ import annotations

import pandas as pd
import pytest

from kentaudit.report.caterpillar import plot_caterpillar
from kentaudit.core.errors import InputError
from kentaudit.stats.shrinkage import shrink

COUNTS = pd.DataFrame({"district": ["Ashford", "Dover", "Swale", "Thanet", "Maidstone"],
                       "n_yes": [20, 21, 9, 6, 22], "n_denominator": [25, 25, 25, 25, 25]})


def test_alt_text_names_the_districts_probably_below_the_standard():
    fig = plot_caterpillar(shrink(COUNTS, target=0.8))
    assert "Probably below the standard of 80%: Thanet and Swale." in fig.alt_text
    assert "Lowest estimate" in fig.alt_text and "(Thanet)" in fig.alt_text
    assert "rank interval 1 to" in fig.alt_text


def test_caption_names_the_model_the_level_and_the_seed():
    fig = plot_caterpillar(shrink(COUNTS, target=0.8, seed=11))
    assert "beta-binomial" in fig.caption and "95%" in fig.caption and "seed 11" in fig.caption


def test_without_a_standard_no_district_is_called_below():
    fig = plot_caterpillar(shrink(COUNTS))
    assert "Probably below" not in fig.alt_text


def test_saved_figure_has_png_and_svg(tmp_path):
    paths = plot_caterpillar(shrink(COUNTS, target=0.8)).save(tmp_path / "cat")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size for p in paths)


def test_a_table_that_is_not_a_shrinkage_table_is_refused():
    with pytest.raises(InputError, match="rank_low"):
        plot_caterpillar(COUNTS.assign(estimate=0.5, conf_low=0.4, conf_high=0.6, raw=0.5))


def test_the_legend_sits_below_the_panels_and_covers_no_interval():
    fig = plot_caterpillar(shrink(COUNTS, target=0.8)).figure
    fig.draw_without_rendering()
    assert all(ax.get_legend() is None for ax in fig.axes)
    legend = fig.legends[0].get_window_extent()
    assert not any(legend.overlaps(ax.get_window_extent()) for ax in fig.axes)


def test_the_legend_explains_every_mark_drawn():
    fig = plot_caterpillar(shrink(COUNTS, target=0.8)).figure
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("Probably below the standard")  # Thanet and Swale
    assert "Not clearly below or above the standard" in labels and "Raw proportion" in labels and "Standard 80%" in labels
    assert not any(lab.startswith("Probably above") for lab in labels)  # no district is


def test_a_criterion_wording_ends_the_title_and_is_not_put_mid_sentence():
    """After what the plot is, as the funnel's title: a criterion worded as a question read
    "Shrunken estimates of Was the child seen ...? by locality" (review 28)."""
    fig = plot_caterpillar(shrink(COUNTS, target=0.8), measure="Was the child seen?")
    assert fig.title == "Shrunken estimates by district, with rank intervals: Was the child seen?"
    fig = plot_caterpillar(shrink(COUNTS, target=0.8), measure="Child seen during the visit")
    assert "each district's posterior mean (Child seen during the visit)" in fig.caption
    assert "hierarchical beta-binomial model" in fig.caption


def test_the_authoritys_words_name_the_units_in_caption_and_alt_text():
    fig = plot_caterpillar(shrink(COUNTS, target=0.8), unit_label="locality", units_label="localities")
    assert "Caterpillar plot of 5 localities' shrunken estimates" in fig.alt_text
    assert "each locality's posterior mean" in fig.caption and "Triangles mark localities" in fig.caption
    assert "localitys" not in fig.alt_text + fig.caption and "district" not in fig.alt_text + fig.caption


def test_with_no_unit_below_the_standard_the_alt_text_says_so_in_the_authoritys_word():
    """A new user's walk (issue 22, Wexmoor, units called hubs) read "Probably below the standard of
    80%: no district." on the districts page: the column's name, not the profile's word."""
    good = COUNTS.assign(n_yes=[24, 24, 23, 24, 25])
    fig = plot_caterpillar(shrink(good, target=0.8), unit_label="hub", units_label="hubs")
    assert "Probably below the standard of 80%: no hub." in fig.alt_text
    assert "district" not in fig.alt_text.lower()
