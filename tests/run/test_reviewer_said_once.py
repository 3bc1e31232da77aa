"""Issue 23, item 8: the lead's review of the reviewer pages of both default cycles, on the pages
the runner writes. A model's terms are words, not code; a value the same on every row of a table
is said once above it; method and column codes never reach a reader; the pages are light."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kentaudit.core.formatting import METHOD_WORDS
from kentaudit.report.tables import _dictionary

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]

_TABLE = re.compile(r'(<details class="kentaudit-long"><summary>([^<]*)</summary>)?'
                    r'<table class="kentaudit-table" id="T_([^"]+)">(.*?)</table>', re.DOTALL)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r'<t([hd])\b([^>]*)>([^<]*)</t[hd]>')
#: method codes a reader must never see (the code differs from its words): those written like a
#: code, never the plain English words some codes are ("auto", "normal", "standard")
METHOD_CODES = sorted(k for k, (label, _, _) in METHOD_WORDS.items()
                      if k != label and re.fullmatch(r"[a-z0-9]+(?:[-_ ][a-z0-9]+)*", k)
                      and (re.search(r"[-_]", k) or k in ("wilson", "holm", "bonferroni", "jeffreys",
                                                          "newcombe", "mcnemar", "bowker")))
#: column names of results tables written as code (``n_yes``, ``conf_low``)
COLUMN_CODES = sorted(c for c in _dictionary() if "_" in c)


@pytest.fixture(scope="module", params=["2009", "2013"])
def cycle(request):
    return request.getfixturevalue(f"cycle_{request.param}") | {"cycle": request.param}


def _main(page: Path) -> str:
    """What a reader reads on a page: its content without the collapsed run record, styles or images."""
    text = page.read_text(encoding="utf-8").split("<main>", 1)[-1]
    text = re.sub(r"<style\b.*?</style>", "", text, flags=re.DOTALL)
    return re.sub(r"<img\b[^>]*>", "", text)


def _words(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", _main(page)))


def _tables(page: Path):
    """(id, summary, header cells, body rows of cells) of every table a page shows."""
    for m in _TABLE.finditer(_main(page)):
        rows = [[(tag, "num" in attrs, html.unescape(v).strip()) for tag, attrs, v in _CELL.findall(r)]
                for r in _ROW.findall(m.group(4))]
        yield m.group(3), m.group(2) or "", rows[0], rows[1:]


def _pages(cycle) -> list[Path]:
    return sorted((cycle["cycle_dir"] / "html").glob("*.html"))


def test_no_reviewer_page_shows_a_model_term_as_code(cycle):
    """``district[Canterbury]``, ``C(district)[T.Thanet]``, ``case_status[cp_plan]``: the lead
    found the case-mix model's terms shown as code on the districts page."""
    bad = {}
    for page in _pages(cycle):
        found = re.findall(r"\bC\([a-z_]+\)|\[T\.[^\]]*\]|\b[a-z_]+\[[^\]\s][^\]]*\]", _words(page))
        if found:
            bad[page.name] = sorted(set(found))[:5]
    assert bad == {}


def test_the_case_mix_odds_ratios_name_each_term_by_its_variable_and_level(cycle_2013):
    page = cycle_2013["cycle_dir"] / "html" / "districts.html"
    (_, _, head, rows), = [t for t in _tables(page) if t[0] == "casemix_odds_ratios"]
    names = [v for _, _, v in head]
    assert names[:3] == ["Variable", "Level", "Reference level"] and "Term" not in names
    variables = {r[0][2] for r in rows}
    assert {"District", "Case status", "Age band"} <= variables, variables
    levels = {r[1][2] for r in rows}
    assert "Child protection plan" in levels and "cp_plan" not in levels  # the profile's labels
    assert "Odds ratio (95% CI)" in names  # exponentiated, with its own interval


def test_no_reviewer_table_repeats_the_same_words_on_every_row(cycle):
    """A "Family of comparisons" cell on every row: a value the same on every row is said once,
    above the table. (A table cut to its first rows is left out: its shown rows are not all.)"""
    bad = {}
    for page in _pages(cycle):
        for tid, summary, head, rows in _tables(page):
            if len(rows) < 2 or "the first" in summary:
                continue
            for j, (_, num, name) in enumerate(head):
                cells = {r[j][2] for r in rows if len(r) > j}
                if not num and len(cells) == 1 and cells - {"", "–"} and len(head) > 1:
                    bad.setdefault(page.name, []).append((tid, name, cells.pop()[:40]))
    assert bad == {}


def test_no_reviewer_page_shows_a_method_or_column_code(cycle):
    """"mcnemar-exact", "wilson", "n_yes", "conf_low", "holm-adjusted": codes, never words."""
    pattern = re.compile(r"(?<![\w'/.-])(" + "|".join(map(re.escape, METHOD_CODES + COLUMN_CODES))
                         + r"|N-1 chi-square)(?![\w'/-])")
    bad = {}
    for page in _pages(cycle):
        found = pattern.findall(_words(page))
        if found:
            bad[page.name] = sorted(set(found))
    assert bad == {}


def test_a_page_that_names_the_n_minus_1_chi_square_says_what_it_is(cycle):
    named = [p for p in _pages(cycle) if "'N-1' chi-square" in _words(p)]
    assert named  # every cycle's district pages test each district against the rest
    assert [p.name for p in named if "(N-1)/N" not in _words(p)] == []


def test_the_reviewer_pages_of_a_cycle_weigh_under_5_mb(cycle):
    """Each page embedded nbconvert's whole stylesheet (about 260 kB): 7.1 MB of pages in 2009,
    8.2 MB in 2013, before the stylesheets were trimmed to what each page uses."""
    pages = _pages(cycle)
    total = sum(p.stat().st_size for p in pages)
    assert total < 5_000_000, total
    css = {p.name: sum(len(s) for s in re.findall(r"<style\b[^>]*>(.*?)</style>",
                                                   p.read_text(encoding="utf-8"), re.DOTALL)) for p in pages}
    assert {k: v for k, v in css.items() if v > 40_000} == {}


def test_every_page_links_to_the_index_and_the_appendix_and_the_index_says_what_each_holds(cycle):
    pages = [p for p in _pages(cycle) if p.name != "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.count('href="index.html"') >= 2 and text.count('href="../publish/appendix.html"') >= 2, page.name
    index = (cycle["cycle_dir"] / "html" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr><td><a href="([^"]+)">.*?</a></td><td>([^<]*)</td><td>([^<]*)</td>', index)
    assert sorted(r[0] for r in rows) == sorted(p.name for p in pages)
    assert all(r[1].strip() for r in rows), rows  # what it holds
    assert sum(bool(r[2].strip()) for r in rows) >= len(rows) - 1, rows  # its main finding


def check_one_family_for_each_criterion_only_where_it_is(cycle_dir: Path):
    """A caption says "one family for each criterion" only where the family names one criterion
    ("12 districts x 1 criterion, each against the rest"); the extension's and the change's one
    family over all criteria ("19 criteria, additional against initial cases") read as 19 families
    of one test each (review 27)."""
    bad = []
    for page in sorted((cycle_dir / "html").glob("*.html")):
        for fam in re.findall(r"Family of comparisons: ([^;<]*?), one family for each criterion", _words(page)):
            if not re.search(r"\bx 1 criterion\b", fam):
                bad.append((page.name, fam))
    assert not bad, bad


def test_a_family_over_all_criteria_is_never_said_to_be_one_for_each(cycle):
    check_one_family_for_each_criterion_only_where_it_is(cycle["cycle_dir"])


def test_the_trend_tests_scores_read_as_a_list_not_as_code(cycle):
    # "Scores: 2010,2011,2012,2013" (review 27)
    for page in _pages(cycle):
        assert not re.search(r"\d,\d{4}\b", _words(page)), page.name


def test_the_graded_item_is_named_in_words_not_as_its_column(cycle):
    # "overall_grade" on the re-audit's grade tests (review 27)
    for page in _pages(cycle):
        assert "overall_grade" not in _words(page), page.name
