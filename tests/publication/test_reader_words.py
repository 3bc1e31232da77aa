"""Captions, notes and the methods section in words a committee member reads (issue 23, item 8;
the lead's review of the appendix and reviewer pages), read from the files of a real run of both
default cycles (the shared executed cycles of tests/conftest.py).

* a figure caption says what the reader sees and how to read it: no "3-sigma",
  "NHSRplotthedots", phi, tau or winsorised z-scores (those are the figure's ``method``, and the
  appendix's methods section, with the reference);
* no parameter code (``interval_method = wilson``, ``district_samples = main``) in the methods
  section, the notes or the captions, and none written in snake_case anywhere on the page;
* every method the edition uses is named in words, with a short citation whose full reference
  closes the methods section; the 'N-1' chi-square test is explained once, where it is used;
* Table 13 says what its numbers count;
* samples are named by the cycle's profile, never by the bundled example's words.

Each check is a function of the cycle's folder (or of a page's text) and is shown failing on
planted text of every kind it claims to catch.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from kentaudit.core.formatting import method_words
from kentaudit.core.methods import METHODS, REFERENCES
from kentaudit.inputs.profile import Sample, bundled_profile
from kentaudit.publication.appendix import method_code, reaudit_pairs_note
from kentaudit.publication.figures import sample_words
from kentaudit.publication.views import reader_value

#: what a caption never says (the method's statistics and the software's names)
CAPTION_JARGON = re.compile(r"3-sigma|2-sigma|\bsigma\b|NHSRplotthedots|\btau(?![a-z])|\u03c4|\bphi(?![a-z])|\u03c6|"
                            r"winsori[sz]ed z|overdispersion factor", re.IGNORECASE)
#: a parameter's ``key = value`` (any word either side: the lead's rule for reader text)
KEY_VALUE = re.compile(r"\b\w+ = \w+")
#: a snake_case code set equal to something, anywhere on the page (findings may say "p = 0.004")
SNAKE_KEY_VALUE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\s*=\s*\S+")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _page(d: Path) -> str:
    return (d / "publish" / "appendix.html").read_text(encoding="utf-8")


def _section(page: str, sid: str) -> str:
    start = page.index(f'id="{sid}"')
    return page[start:page.index("</section>", start)]


def _methods(page: str) -> str:
    return _text(_section(page, "methods"))


def _captions(d: Path) -> list[tuple[str, str]]:
    """``(where, caption)`` of every figure the run publishes or shows: the appendix's
    figcaptions, its figures' JSON and the notebooks' figures (the reviewer pages')."""
    out = [("appendix.html", _text(c)) for c in re.findall(r"<figcaption>(.*?)</figcaption>", _page(d), re.DOTALL)]
    for j in sorted((d / "publish" / "figures").glob("*.json")) + sorted((d / "figures").glob("*.json")):
        out.append((j.name, json.loads(j.read_text(encoding="utf-8")).get("caption", "")))
    return out


# --- the checks ----------------------------------------------------------------------------

def caption_jargon(captions) -> list:
    return [(where, m.group(0)) for where, cap in captions for m in CAPTION_JARGON.finditer(cap)]


def parameter_codes(page: str) -> list:
    """``key = value`` in the methods section, the notes and the captions; snake_case codes set
    to a value anywhere in the page's text."""
    reader = _methods(page) + " " + _text(_section(page, "notes")) + " " + " ".join(
        _text(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", page, re.DOTALL))
    return KEY_VALUE.findall(reader) + SNAKE_KEY_VALUE.findall(_text(page))


def methods_not_in_words(page: str, used_codes) -> list:
    """The methods section's faults: a method code shown as a code, a method used but not named
    in words with its citation, a citation without its full reference, and the 'N-1' test
    named without its explanation or explained more than once."""
    text = _methods(page)
    bad = []
    for code in used_codes:
        cited = method_words(code, "cited")
        if cited[:1].upper() + cited[1:] not in text and cited not in text:
            bad.append(("not named in words with its citation", code))
    for cite in {m.cite for m in METHODS.values() if m.cite}:
        if re.search(rf"\b{re.escape(cite)}\b", text) and REFERENCES[cite] not in text:
            bad.append(("cited without its reference", cite))
    for code in ("interval_method", "adjust_method", "mcnemar-exact", "n-1 chi-square", "fdr_bh",
                 "binomial-interpolated", "svyciprop", "suppression_threshold"):
        if code in text:
            bad.append(("code", code))
    if "'N-1' chi-square" in text and text.count("(N-1)/N") != 1:
        bad.append(("'N-1' chi-square explained", text.count("(N-1)/N")))
    return bad


def table_13_units(page: str) -> list:
    """Table 13's headers that do not say what they count."""
    if 'data-table-id="T13"' not in page:
        return []
    start = page.index('data-table-id="T13"')
    heads = [_text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", page[start:page.index("</thead>", start)], re.DOTALL)]
    derived = [h for h in heads if "flagged" in h.lower() or "error" in h.lower()]
    bad = [h for h in derived if not h.endswith("(% of cycles)")]
    if not any(h.startswith("Pairs of a") for h in heads):
        bad.append("no header saying the count is of pairs of a unit and a criterion")
    return bad


#: words the review as images found clunky in the members' page and the action findings
CLUNKY = ("below what", " predict", "by the test that allows", "figures are about:")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def members_faults(page: str) -> list:
    """The members' one-page summary of the actions (``<section id="members">``), read as a member
    reads it: no code (snake_case, a status such as ``in_progress``), no methods word, none of
    the clunky phrases, and no shorthand explained that no row shows. [] without the section."""
    if 'id="members"' not in page:
        return []
    sec = _section(page, "members")
    text = " ".join(_text(sec).split())
    cells = [" ".join(_text(c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", sec, re.DOTALL)]
    bad = [("code", m) for m in SNAKE.findall(text)]
    bad += [("methods word", m.group(0)) for m in CAPTION_JARGON.finditer(text)]
    bad += [("clunky", c.strip()) for c in CLUNKY if c in text]
    bad += [("shorthand explained, never shown", s) for s in ("[c]", "[x]")
            if f"{s}:" in text and s not in cells]
    return bad


def _used_codes(d: Path) -> list:
    """The interval and adjustment methods of the run's parameters (its manifest's)."""
    params = json.loads((d / "manifest.json").read_text(encoding="utf-8"))["params"]
    return [params.get("interval_method", "wilson"), params.get("adjust_method", "holm")]


# --- shown failing on planted text ---------------------------------------------------------

PLANTED_PAGE = """<section id="notes"><ol><li>Notes.</li></ol></section>
<section id="methods"><dl><dt>Confidence intervals</dt><dd>{ci}</dd><dt>Tests</dt><dd>{tests}</dd>
<dt>References</dt><dd>{refs}</dd></dl></section>
<figure><img alt="x"><figcaption>{cap}</figcaption></figure>"""


def _planted(ci="95% Wilson score interval (Wilson 1927) for each proportion.", tests="", refs=None,
             cap="Each point is one district."):
    refs = REFERENCES["Wilson 1927"] if refs is None else refs
    return PLANTED_PAGE.format(ci=ci, tests=tests, refs=refs, cap=cap)


def test_a_clean_page_passes_every_check():
    page = _planted()
    assert parameter_codes(page) == [] and methods_not_in_words(page, ["wilson"]) == []
    assert caption_jargon([("F1", "Each point is one district; the limits narrow as files grow.")]) == []


@pytest.mark.parametrize("cap", ["3-sigma binomial limits", "as implemented by NHSRplotthedots",
                                 "phi = 1.20", "tau\u00b2 = 0.003", "from winsorised z-scores",
                                 "2-sigma near limits"])
def test_a_caption_with_a_methods_word_is_caught(cap):
    assert caption_jargon([("F1", f"Funnel plot: {cap}.")])


@pytest.mark.parametrize("planted", ["(interval_method = wilson)", "(district_samples = main)",
                                     "(suppression_threshold = 0)"])
def test_a_parameter_code_in_the_methods_is_caught(planted):
    page = _planted(ci=f"95% Wilson score interval (Wilson 1927) for each proportion {planted}.")
    assert parameter_codes(page)


def test_a_parameter_code_in_a_caption_is_caught():
    assert parameter_codes(_planted(cap="Funnel plot (funnel_method = binomial-interpolated)."))


def test_a_method_named_by_its_code_or_without_its_reference_is_caught():
    assert methods_not_in_words(_planted(ci="95% wilson interval for each proportion."), ["wilson"])
    assert methods_not_in_words(_planted(refs=""), ["wilson"])  # cited, reference missing
    assert methods_not_in_words(_planted(tests="mcnemar-exact in Table 6."), ["wilson"])


def test_the_n_1_test_unexplained_or_explained_twice_is_caught():
    n1 = f"'N-1' chi-square test (Campbell 2007), in Table 5. {METHODS['n-1 chi-square'].about}."
    refs = REFERENCES["Wilson 1927"] + " " + REFERENCES["Campbell 2007"]
    assert methods_not_in_words(_planted(tests=n1, refs=refs), ["wilson"]) == []
    assert methods_not_in_words(_planted(tests="'N-1' chi-square test (Campbell 2007), in Table 5.",
                                         refs=refs), ["wilson"])
    assert methods_not_in_words(_planted(tests=n1 + " " + n1, refs=refs), ["wilson"])


def test_table_13_without_its_units_is_caught():
    page = ('<table data-table-id="T13"><thead><tr><th>Flag</th><th>Districts x criteria</th>'
            "<th>Flagged (mean)</th></tr></thead></table>")
    assert len(table_13_units(page)) == 2


# --- samples named by the profile ----------------------------------------------------------

def test_samples_are_named_by_the_profile_never_by_the_bundled_examples_words():
    """Issue 22 leftover: with no label from the profile a sample reads as its own name, not as
    Kent's "Initial sample"; with the profile's labels, as those."""
    assert reader_value("sample", "initial", {}) == "initial"
    assert reader_value("sample", "initial", {"samples": {"initial": "First visit"}}) == "First visit"
    assert reader_value("sample", "initial+extended", {"samples": {"initial": "A", "extended": "B"}}) == "A and B"
    assert sample_words("reaudit") == "reaudit"
    assert sample_words("reaudit", {"reaudit": "Second look"}) == "Second look"


MEMBERS = ('<section id="members"><h2>Actions and their effect: summary for members</h2><p>{intro}</p>'
           "<table><tbody><tr><td>A1</td><td>{status}</td><td>{worked}</td><td>{change}</td></tr></tbody></table>"
           "<p>{note}</p></section>")


def _members(intro="One line per action.", status="completed", worked="No: worse than expected",
             change="-24.0 (-46.3 to -0.6)", note="The change is in percentage points."):
    return MEMBERS.format(intro=intro, status=status, worked=worked, change=change, note=note)


def test_a_clean_members_page_passes():
    assert members_faults(_members()) == []
    assert members_faults(_members(change="[c]", note="[c]: suppressed to protect the people.")) == []
    assert members_faults("<section id=\"notes\"></section>") == []  # an edition without actions


@pytest.mark.parametrize("planted", [{"status": "in_progress"}, {"worked": "No: below what the others predict"},
                                     {"note": "[c]: suppressed; [x]: not available."},
                                     {"intro": "Read by the 3-sigma rule."},
                                     {"worked": "Not shown: suppressed to protect the people the figures are about: few"}])
def test_a_members_page_with_a_code_jargon_or_an_unused_shorthand_is_caught(planted):
    assert members_faults(_members(**planted))


def test_a_test_named_in_words_is_found_by_its_code():
    assert method_code("McNemar exact") == "mcnemar-exact"
    assert method_code("'N-1' chi-square test") in ("n-1 chi-square", "N-1 chi-square")
    assert method_code("Cochran-Armitage trend test") == "Cochran-Armitage trend test"
    assert method_code("two-proportion z test") == "two-proportion z test"  # unknown: as it is


def test_the_re_audit_note_reads_the_profiles_samples():
    """The bundled example's re-audit names its comprehensive files; another authority's names
    its own sample and says nothing of records its profile does not name (issue 22)."""
    kent = reaudit_pairs_note(bundled_profile())
    assert "high-risk initial cases" in kent and "comprehensive file" in kent
    other = SimpleNamespace(samples=(Sample("themed", "random", label="Themed audit"),
                                     Sample("second", "purposive", label="Second look", repeats="themed")),
                            record_sources={})
    note = reaudit_pairs_note(other)
    assert note.startswith("Re-audited cases are the themed audit audited again;")
    assert "comprehensive" not in note and "electronic" not in note and "initial" not in note
    none = SimpleNamespace(samples=(replace(other.samples[0]),), record_sources={})
    assert reaudit_pairs_note(none) == "Each pair compares the same case's two audits."


# --- on the files the runner writes (both default cycles) ----------------------------------

@pytest.fixture(scope="module", params=["2009", "2013"])
def cycle_dir(request) -> Path:
    run = request.getfixturevalue(f"cycle_{request.param}")
    assert run["code"] == 0
    return run["cycle_dir"]


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_no_caption_of_the_appendix_or_the_reviewer_pages_uses_a_methods_word(cycle_dir):
    assert caption_jargon(_captions(cycle_dir)) == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_no_parameter_code_in_what_a_reader_reads(cycle_dir):
    assert parameter_codes(_page(cycle_dir)) == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_each_method_is_named_in_words_with_its_reference(cycle_dir):
    assert methods_not_in_words(_page(cycle_dir), _used_codes(cycle_dir)) == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_table_13_says_what_its_numbers_count(cycle_dir):
    assert table_13_units(_page(cycle_dir)) == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_the_members_page_reads_as_a_member_reads(cycle_dir):
    """2013 has the members' page (Table 16); 2009 has none, and says nothing of it."""
    page = _page(cycle_dir)
    assert ('id="members"' in page) == (cycle_dir.name == "2013")
    assert members_faults(page) == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
def test_every_row_of_table_13_says_its_rate_in_words(cycle_dir):
    """The review as images: Table 13's "In words" was empty on the rows at the reference."""
    import pandas as pd

    t13 = cycle_dir / "publish" / "csv" / "T13.csv"
    if not t13.exists():
        pytest.skip("no Table 13 in this edition")
    t = pd.read_csv(t13, dtype=str, keep_default_na=False)
    assert (t["statement"].str.len() > 0).all()
    at_reference = t["scenario_label"].str.startswith("at the reference")
    assert at_reference.sum() >= 2
    assert (t["statement"].str.endswith("a false alarm.") == at_reference).all()
