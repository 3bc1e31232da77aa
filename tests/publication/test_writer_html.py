"""The HTML appendix: structure for accessibility, methods and caveats, numbers equal to the CSVs."""
import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from kentaudit.publication.views import reader_value
from kentaudit.inputs.profile import bundled_profile
from kentaudit.inputs.reference import AREA_CAVEAT


class Parse(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.headings, self.tables, self._t, self._cell, self._row = [], [], [], None, None, None
        self._h = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if re.fullmatch(r"h[1-6]", tag):
            self._h = [int(tag[1]), ""]
        if tag == "table":
            self._t = {"id": a.get("data-table-id"), "caption": None, "head": [], "rows": []}
        if self._t is not None and tag == "tr":
            self._row = []
        if self._t is not None and tag in ("td", "th"):
            self._cell = [tag, a, ""]
        if self._t is not None and tag == "caption":
            self._t["caption"] = ""

    def handle_endtag(self, tag):
        if self._h and re.fullmatch(r"h[1-6]", tag):
            self.headings.append(tuple(self._h))
            self._h = None
        if self._t is None:
            return
        if tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            (self._t["head"] if not self._t["head"] else self._t["rows"]).append(self._row) \
                if not self._t["head"] else self._t["rows"].append(self._row)
        elif tag == "table":
            self.tables.append(self._t)
            self._t = None

    def handle_data(self, d):
        if self._h:
            self._h[1] += d
        if self._cell is not None:
            self._cell[2] += d
        elif self._t is not None and self._t["caption"] is not None and not self._t["rows"] and not self._t["head"]:
            self._t["caption"] += d


@pytest.fixture(scope="module")
def built(fake_appendix):
    res = fake_appendix.result
    text = (res.publish_dir / "appendix.html").read_text(encoding="utf-8")
    p = Parse()
    p.feed(text)
    return res, text, p


def test_language_title_and_one_h1(built):
    _, text, p = built
    assert '<html lang="en-GB">' in text
    assert re.search(r"<title>[^<]+</title>", text)
    assert [h for h in p.headings if h[0] == 1] == [(1, "Case-file audit: statistical appendix (test)")]


def test_headings_never_skip_a_level(built):
    levels = [h[0] for h in built[2].headings]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_skip_link_targets_main(built):
    _, text, _ = built
    assert '<a class="skip-link" href="#main">' in text and '<main id="main"' in text


def test_every_table_has_caption_and_scoped_headers(built):
    res, _, p = built
    shown = {t["id"].split("-view-")[0] for t in p.tables if not t["id"].endswith("-data")}
    assert shown == set(res.tables)
    numbers = list(dict.fromkeys(t["caption"].split(":")[0] for t in p.tables if not t["id"].endswith("-data")))
    # numbered 1, 2, ... in reading order whatever the stable ids
    assert numbers == [f"Table {k}" for k in range(1, len(numbers) + 1)]
    for t in p.tables:
        assert t["caption"].strip()
        assert all(c[0] == "th" and c[1].get("scope") == "col" and c[2].strip() for c in t["head"][0])
        for r in t["rows"]:
            assert r[0][0] == "th" and r[0][1].get("scope") == "row"


def test_figures_have_alt_text_and_caption(built):
    _, text, p = built
    imgs = [a for t, a in p.tags if t == "img"]
    assert imgs and all(len(a.get("alt", "")) > 10 for a in imgs)
    assert text.count("<figcaption>") == len(imgs)


def test_no_external_resources(built):
    res, text, p = built
    for tag, a in p.tags:
        for k in ("src", "href"):
            v = a.get(k)
            if v and not v.startswith(("#", "data:", "mailto:")):
                # links to the appendix's own files (XLSX, ODS, PDF, CSVs) only, which exist
                assert "//" not in v and not v.startswith("/"), (tag, v)
                assert (res.publish_dir / v).is_file(), v
    assert "<link" not in text and "@import" not in text and "<script" not in text


def test_html_links_its_spreadsheets_pdf_and_every_csv(built):
    res, _, p = built
    hrefs = {a.get("href") for t, a in p.tags if t == "a"}
    assert {"appendix.xlsx", "appendix.ods", "appendix.pdf"} <= hrefs
    assert {f"csv/{t}.csv" for t in res.tables} <= hrefs


def test_methods_come_from_parameters_and_manifest(built):
    """The parameters' methods are named in words with their references, never as the
    parameter's ``key = value`` code."""
    _, text, _ = built
    methods = html.unescape(text[text.index('id="methods"'):text.index('id="caveats"')])
    assert "95% Wilson score interval (Wilson 1927)" in methods
    assert "Holm's step-down method (family-wise error rate; Holm 1979)" in methods
    assert "Holm S (1979). A simple sequentially rejective multiple test procedure" in methods
    assert not re.search(r"\b\w+ = \w+", re.sub(r"<[^>]+>", " ", methods))
    assert "interval_method" not in methods and "adjust_method" not in methods
    assert "No table shows a count from 1 to 5" in methods
    assert "McNemar's exact (conditional binomial) test (McNemar 1947)" in methods  # the tests named in the tables
    assert f"pandas {pd.__version__}" in methods  # versions from the manifest


def test_caveats_include_area_assumption_and_synthetic_data(built):
    _, text, _ = built
    cav = text[text.index('id="caveats"'):]
    assert html.escape(AREA_CAVEAT) in cav and "synthetic" in cav
    # a caveat is for the appendix's readers: never a parameter name (the analyst's fix is in
    # docs/data-dictionary.md)
    assert "districts_file" not in cav and "parameters" not in cav
    assert "Synthetic data." in text  # banner


def test_notes_numbered_and_linked(built):
    _, text, _ = built
    refs = set(re.findall(r'href="#note-(\d+)"', text))
    targets = set(re.findall(r'id="note-(\d+)"', text))
    assert refs and refs <= targets


def test_skipped_tables_are_listed_with_the_reason(built):
    _, text, _ = built
    assert ("<li>Table 10 (Change in compliance since the previous cycle): there is no earlier cycle "
            "to compare this one with") in text


def test_numbers_equal_the_tidy_csvs(built):
    res, _, p = built
    # labels in the profile's words (the fake cycle's is the bundled example's)
    words = {"samples": {s.name: s.label for s in bundled_profile().samples if s.label}}
    for t in p.tables:
        if t["id"] not in res.tables:
            continue  # pivoted views and figure data tables hold no count
        csv = pd.read_csv(res.publish_dir / "csv" / f"{t['id']}.csv", dtype=str, keep_default_na=False)
        cols = [c[1]["data-column"] for c in t["head"][0]]
        assert set(cols) <= set(csv.columns)
        got = [[c[2].strip() for c in r] for r in t["rows"]]
        for i, row in enumerate(got):
            for j, v in enumerate(row):
                want = csv.at[i, cols[j]]
                if want in ("[c]", "[x]", "[z]", "<0.001") or not re.fullmatch(r"-?[\d.]+", want):
                    assert v in (want, reader_value(cols[j], want, words)), (t["id"], i, cols[j])
                else:
                    assert float(v) == float(want), (t["id"], i, j)


