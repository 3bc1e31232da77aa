"""Every page a person reads, from a real run of both default cycles: axe finds no serious or
critical issue, tables are read through the display layer, and code-only text is gone."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
NODE = shutil.which("node")
MODULES = ROOT / "tools" / "browser" / "node_modules"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]


@pytest.fixture(scope="module", params=["2009", "2013"])
def cycle(request):
    return request.getfixturevalue(f"cycle_{request.param}") | {"cycle": request.param}


def _pages(d: Path) -> list:
    return [d / "publish" / "appendix.html", *sorted((d / "html").glob("*.html"))]


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None or NODE is None or not (MODULES / "axe-core").is_dir(),
                    reason="chromium, node or axe-core missing: `make browser-tools`")
def test_axe_finds_no_serious_or_critical_issue_on_any_page(cycle, tmp_path):
    files = _pages(cycle["cycle_dir"])
    p = subprocess.run([NODE, str(ROOT / "tests" / "browser" / "axe_pages.js"), CHROMIUM,
                        str(tmp_path / "prof"), *map(str, files)], capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stderr
    pages = json.loads(p.stdout.strip().splitlines()[-1])["pages"]
    assert len(pages) == len(files) >= 15
    bad = {Path(pg["file"]).name: [v for v in pg["violations"] if v["impact"] in ("serious", "critical")]
           for pg in pages}
    assert {k: v for k, v in bad.items() if v} == {}
    assert all(pg["passes"] > 10 and pg["external"] == [] for pg in pages)


def test_reviewer_tables_have_words_not_column_names(cycle):
    for page in sorted((cycle["cycle_dir"] / "html").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        heads = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', text)
        assert heads, page.name
        assert not [h for h in heads if "_" in h], page.name
        assert "<th></th>" not in text and 'class="blank' not in text, page.name


def test_reviewer_pages_show_p_values_and_intervals_for_reading(cycle_2009):
    text = (cycle_2009["cycle_dir"] / "html" / "initial_vs_extended.html").read_text(encoding="utf-8")
    assert re.search(r"\d+\.\d \(-?\d+\.\d to -?\d+\.\d\)", text)  # 21.4 (11.6 to 31.3)
    assert "&lt; 0.001" in text and "0.000<" not in text


def test_code_only_explanations_are_not_on_pages_without_code(cycle):
    for page in sorted((cycle["cycle_dir"] / "html").glob("*.html")):
        assert "tagged <code>parameters</code>" not in page.read_text(encoding="utf-8"), page.name


def test_each_reviewer_page_opens_with_main_findings(cycle):
    for page in sorted((cycle["cycle_dir"] / "html").glob("*.html")):
        if page.name == "index.html":
            continue
        text = page.read_text(encoding="utf-8")
        assert "Main findings" in text, page.name


def test_long_tables_are_collapsed_behind_a_summary(cycle_2013):
    text = (cycle_2013["cycle_dir"] / "html" / "districts.html").read_text(encoding="utf-8")
    assert re.search(r"<summary>[A-Z][^<]*? \([\d,]+ rows, \d+ flagged", text)  # named: which table
    assert not re.search(r"<summary>\d", text)


def test_a_reviewer_page_is_titled_by_its_heading_in_words_not_its_file_name(cycle):
    for page in sorted((cycle["cycle_dir"] / "html").glob("*.html")):
        if page.name == "index.html":
            continue
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>([^<]*)</title>", text).group(1)
        heading = re.search(r'<meta name="kentaudit-heading" content="([^"]*)">', text).group(1)
        assert heading and f": {heading}" in title, (page.name, title)
        stem = page.stem.split("__")[0]
        assert not title.endswith(f": {stem}") and stem + " (" not in title and "_" not in title, (page.name, title)
        if "__" in page.name:  # a per-unit page names its unit
            assert title.startswith(title.split(f": {heading}")[0]) and title.endswith(")"), title
        else:
            assert title.endswith(f": {heading}"), title


def test_what_this_notebook_read_is_in_words(cycle):
    text = (cycle["cycle_dir"] / "html" / "compliance.html").read_text(encoding="utf-8")
    table = re.search(r"<caption>What this notebook read.*?</table>", text, re.DOTALL).group(0)
    heads = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    assert heads == ["Setting", "Value"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert not {"wilson", "holm", "annual", "initial", "extended", "reaudit"} & set(cells), cells
    assert "Holm" in cells and "Wilson" in cells  # the methods by their names


def test_the_case_mix_notes_are_sentences_not_model_internals(cycle_2013):
    text = (cycle_2013["cycle_dir"] / "html" / "districts.html").read_text(encoding="utf-8")
    table = re.search(r'<table class="kentaudit-table" id="T_casemix_lr">.*?</table>', text, re.DOTALL).group(0)
    heads = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    col = heads.index("Note")
    rows = re.findall(r"<tr><th[^>]*>.*?</tr>", table, re.DOTALL)
    notes = [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", r)[col] for r in rows]
    assert any("cannot estimate" in n for n in notes), notes
    assert not [n for n in notes if re.search(r"\w\[|inf\)|_|Konis|aliased", n)], notes


def test_no_reviewer_page_embeds_a_figure_above_the_budget(cycle):
    """Issue 23: pages stay light. Every PNG a reviewer page embeds, as the runner wrote it, is
    within the budget (the district profiles' forest plots were about 210 kB each)."""
    import base64

    from kentaudit.run.reviewer import IMAGE_BUDGET
    sizes = {}
    for page in sorted((cycle["cycle_dir"] / "html").glob("*.html")):
        for b in re.findall(r'src="data:image/png;base64,([^"]+)"', page.read_text(encoding="utf-8")):
            sizes.setdefault(page.name, []).append(len(base64.b64decode(b)))
    assert sizes, "no page embeds a figure"
    assert {k: v for k, v in sizes.items() if max(v) > IMAGE_BUDGET} == {}


def test_no_reviewer_table_cell_or_caption_is_a_code_with_words(cycle):
    """Issue 23 image review: control-chart tables showed "common_cause" and "7 Points Above CL",
    flag tables "standard", captions "Samples compared: extended". No cell of a reviewer page's
    table is a code that kentaudit/data/values.csv gives words for."""
    import csv
    import html as html_
    from importlib import resources
    text = (resources.files("kentaudit") / "data" / "values.csv").read_text(encoding="utf-8")
    codes = {r["value"] for r in csv.DictReader(text.splitlines()) if len(r["value"]) > 2}
    found = {}
    for page in sorted((cycle["cycle_dir"] / "html").glob("*.html")):
        body = page.read_text(encoding="utf-8").split("<main>", 1)[-1]  # not the provenance
        cells = {html_.unescape(c).strip() for c in re.findall(r"<td[^>]*>([^<]{1,80})</td>", body)}
        bad = sorted(cells & codes)
        if bad:
            found[page.name] = bad
    assert found == {}
    assert not [p.name for p in (cycle["cycle_dir"] / "html").glob("*.html")
                if "Samples compared: extended" in p.read_text(encoding="utf-8")]
