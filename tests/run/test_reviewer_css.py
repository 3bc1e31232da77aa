"""Issue 23, item 8: reviewer pages are light. nbconvert's lab template embeds JupyterLab's
whole stylesheet (about 260 kB) in every page; a page keeps only the rules that can apply to
it, and every table's repeated stylesheet once."""
from __future__ import annotations

import re

from test_reviewer import PROVENANCE, executed_notebook

from kentaudit.run.reviewer import export_notebook_html, trim_css

CSS = """
:root{--jp-used:#123456;--jp-via:var(--jp-used);--jp-unused:#abcdef}
body{margin:0}
.jp-Here{color:var(--jp-via)}
.jp-Gone{color:var(--jp-unused)}
.jp-Here .jp-Gone{color:red}
.jp-Gone,.jp-Here>p{padding:1px}
.jp-Here:not(.jp-Gone){border:0}
@media print{.jp-Gone{display:none}.jp-Here{display:block}}
@media print{.jp-Gone{display:none}}
"""


def test_a_rule_for_a_class_on_the_page_is_kept_and_one_for_an_absent_class_is_dropped():
    out = trim_css(CSS, {"jp-Here"})
    assert ".jp-Here{color:var(--jp-via)}" in out and "body{margin:0}" in out
    assert ".jp-Gone{color" not in out and ".jp-Here .jp-Gone" not in out
    assert ".jp-Gone,.jp-Here>p{padding:1px}" in out  # one selector of the list can match
    assert ".jp-Here:not(.jp-Gone){border:0}" in out  # a class it must not have need not be there


def test_a_custom_property_is_kept_only_when_a_kept_rule_uses_it_even_through_another():
    out = trim_css(CSS, {"jp-Here"})
    assert "--jp-via:var(--jp-used)" in out and "--jp-used:#123456" in out
    assert "--jp-unused" not in out


def test_a_media_block_keeps_its_own_kept_rules_and_goes_when_none_is_left():
    out = trim_css(CSS, {"jp-Here"})
    assert out.count("@media print") == 1 and "@media print{.jp-Here{display:block}}" in out


def test_a_page_embeds_a_trimmed_stylesheet_and_each_table_style_once(tmp_path):
    style = "<style>.kentaudit-table{border-collapse:collapse}</style>"
    table = style + '<table class="kentaudit-table"><tr><td>1</td></tr></table>'
    nb = executed_notebook(tmp_path / "s.ipynb", extra_html=table + table)
    export_notebook_html(nb, tmp_path / "s.html", provenance=PROVENANCE, title="t")
    text = (tmp_path / "s.html").read_text(encoding="utf-8")
    css = sum(len(s) for s in re.findall(r"<style\b[^>]*>(.*?)</style>", text, re.DOTALL))
    assert css < 30_000, css  # nbconvert's lab template alone embeds about 260 kB
    assert text.count(style) == 1
    assert ".jp-RenderedHTMLCommon" in text  # the rules the page uses are still there


def test_the_stylesheet_is_parsed_once_for_every_page_and_each_page_keeps_its_own_rules():
    # every reviewer page of a run embeds the same stylesheet: parsed for the first, reused after
    from kentaudit.run import reviewer

    css = CSS + "\n.jp-Only{margin:2px}\n"  # a stylesheet no other test has parsed
    before = reviewer._parsed_css.cache_info().misses
    here, gone = trim_css(css, {"jp-Here"}), trim_css(css, {"jp-Gone"})
    assert reviewer._parsed_css.cache_info().misses == before + 1
    assert ".jp-Here{color:var(--jp-via)}" in here and ".jp-Gone{color" not in here
    assert ".jp-Gone{color:var(--jp-unused)}" in gone and ".jp-Here{color" not in gone
    assert trim_css(css, {"jp-Here"}) == here
