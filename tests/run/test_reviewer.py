"""Reviewer HTML: no code, provenance and contents at the top, alt text, no network.

The browser tests load the pages in Debian's headless Chromium through npm's
playwright-core (tests/browser/check_pages.cjs). They skip, saying how to
enable them, where Chromium or the node modules are missing.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from kentaudit.core.errors import KentauditError  # noqa: E402
from kentaudit.report.results import figure_html  # noqa: E402
from kentaudit.run.reviewer import CSP, build_index, export_notebook_html, find_external_loads  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "browser"
CHECKER = Path(__file__).parents[1] / "browser" / "check_pages.cjs"
SECRET_CODE = "hidden_variable_name_xyz = 42"

PROVENANCE = {
    "cycle": "2009", "notebook": "summary", "district": None, "status": "ok", "error": None,
    "started_utc": "2009-02-12T09:00:00+00:00", "finished_utc": "2009-02-12T09:05:00+00:00",
    "git_commit": "0123456789abcdef0123456789abcdef01234567", "params_file": "params/cycle-2009.yaml",
    "params_sha256": "ab" * 32, "kentaudit_version": "0.1.0",
    "params": {"cycle": "2009", "interval_method": "wilson", "confidence_level": 0.95,
               "inputs": {"audits": ["data/synthetic/audits_2009.csv"]}},
    "input_hashes": {"data/synthetic/audits_2009.csv": "cd" * 32},
}


class Chart:
    def __init__(self):
        self.figure, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["A", "B"], [3, 5])
        self.alt_text = "Bar chart: group A has 3 audits and group B 5."
        self.caption = "Figure 1. Audits by group."


def executed_notebook(path: Path, *, plain_image=False, extra_html=None) -> Path:
    chart = Chart()
    fig_html = figure_html(chart)
    png_b64 = re.search(r"base64,([^\"]+)", fig_html).group(1)
    plt.close(chart.figure)
    table = pd.DataFrame({"district": ["Ashford", "Dover"], "rate": [0.8, 0.75]}).to_html(index=False)
    outputs = [new_output("display_data", data={"text/html": fig_html, "text/plain": "[figure]"})]
    if plain_image:
        outputs.append(new_output("display_data", data={"image/png": png_b64, "text/plain": "<Figure>"}))
    if extra_html:
        outputs.append(new_output("display_data", data={"text/html": extra_html, "text/plain": "x"}))
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [
        new_markdown_cell("# Data quality\n\nRows in, accepted and rejected.\n\n## Rows by district\n\n$p = x/n$"),
        new_code_cell(SECRET_CODE, metadata={"tags": ["parameters"]}),
        new_code_cell("rows", execution_count=2, outputs=[
            new_output("execute_result", data={"text/html": table, "text/plain": "table"}, execution_count=2)]),
        new_markdown_cell("## Chart of rows\n\n### A sub-section"),
        new_code_cell("show_figure(chart)", execution_count=3, outputs=outputs),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def page(tmp_path):
    nb = executed_notebook(tmp_path / "summary.ipynb")
    info = export_notebook_html(nb, tmp_path / "html" / "summary.html", provenance=PROVENANCE,
                                title="Cycle 2009: summary")
    return info, (tmp_path / "html" / "summary.html").read_text(encoding="utf-8")


def test_code_cells_are_not_shown(page):
    _, text = page
    assert SECRET_CODE not in text and "hidden_variable_name_xyz" not in text
    assert "show_figure(chart)" not in text


def test_outputs_and_markdown_are_shown(page):
    _, text = page
    assert "Rows in, accepted and rejected." in text
    assert "<td>Ashford</td>" in text


def test_provenance_comes_before_the_notebook_content(page):
    _, text = page
    top = text.index('class="kentaudit-provenance"')
    assert top < text.index("Rows in, accepted and rejected.")
    for value in (PROVENANCE["git_commit"], PROVENANCE["params_sha256"], "cd" * 32,
                  "data/synthetic/audits_2009.csv", "wilson", "2009-02-12T09:00:00+00:00",
                  "params/cycle-2009.yaml"):
        assert value in text[top:text.index("<main>")]


def test_contents_list_links_every_heading(page):
    info, text = page
    start = text.index('<nav class="kentaudit-toc"')
    nav = text[start:text.index("</nav>", start)]
    links = re.findall(r'href="#([^"]+)"', nav)
    assert len(links) == info["headings"] == 4
    for hid in links:
        assert f'id="{hid}"' in text
    assert ">Data quality<" in nav and ">A sub-section<" in nav


def test_page_has_no_scripts_and_no_network_loads(page):
    _, text = page
    assert "<script" not in text.lower()
    assert find_external_loads(text) == []
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in text


def test_figures_carry_their_alt_text(page):
    info, text = page
    assert 'alt="Bar chart: group A has 3 audits and group B 5."' in text
    assert info["images"] == 1 and info["images_without_alt"] == 0


def test_plain_matplotlib_image_is_counted_as_missing_alt(tmp_path):
    nb = executed_notebook(tmp_path / "n.ipynb", plain_image=True)
    info = export_notebook_html(nb, tmp_path / "n.html")
    assert info["images"] == 2 and info["images_without_alt"] == 1


def test_output_that_would_load_from_the_internet_is_refused(tmp_path):
    nb = executed_notebook(tmp_path / "n.ipynb", extra_html='<img alt="x" src="https://example.org/a.png">')
    with pytest.raises(KentauditError, match="would load from the network"):
        export_notebook_html(nb, tmp_path / "n.html")
    assert not (tmp_path / "n.html").exists()


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.example/x.js"></script>', "<link href='//cdn.example/x.css'>",
    "<style>@import url(https://x/y.css);</style>", '<div style="background:url( http://x/y.png)">',
])
def test_external_load_finder_catches_each_form(snippet):
    assert find_external_loads(snippet)


def test_failed_status_and_error_are_shown(tmp_path):
    nb = executed_notebook(tmp_path / "n.ipynb")
    prov = {**PROVENANCE, "status": "failed", "error": "cell 5: ValueError: boom"}
    export_notebook_html(nb, tmp_path / "n.html", provenance=prov)
    text = (tmp_path / "n.html").read_text()
    assert 'class="kentaudit-status-failed">failed: cell 5: ValueError: boom' in text


def test_a_page_links_back_to_the_index_and_the_appendix(page):
    _, text = page
    navs = re.findall(r'<nav class="kentaudit-nav"[^>]*>(.*?)</nav>', text, re.S)
    assert len(navs) == 2  # above the provenance and after the content
    for nav in navs:
        assert '<a href="index.html">' in nav and '<a href="../publish/appendix.html">' in nav
    assert text.index(navs[0]) < text.index('class="kentaudit-provenance"')
    assert text.rindex(navs[1]) > text.index("</main>")


def _with_findings(path: Path) -> Path:
    nb = nbformat.read(executed_notebook(path), as_version=4)
    nb.cells.insert(2, new_markdown_cell("## Main findings"))
    nb.cells.insert(3, new_code_cell("findings", execution_count=9, outputs=[new_output(
        "display_data", data={"text/markdown": "- Compliance rose from 70.0% to 80.0%.\n- Second.",
                              "text/plain": "x"})]))
    nbformat.write(nb, path)
    return path


def test_the_index_says_what_each_page_holds_and_its_main_finding(tmp_path):
    nb = _with_findings(tmp_path / "summary.ipynb")
    export_notebook_html(nb, tmp_path / "summary.html", provenance=PROVENANCE)
    pages = [{"notebook": "summary", "district": None, "status": "ok", "seconds": 1.0, "error": None,
              "html": "summary.html"}]
    text = build_index(tmp_path, pages, title="Cycle 2009", provenance=PROVENANCE).read_text()
    # the link reads the page's own heading, not the notebook's file name
    row = re.search(r'<tr><td><a href="summary.html">Data quality</a></td>(.*?)</tr>', text).group(1)
    assert "<td>Rows by district; Chart of rows</td>" in row  # the link names the page
    assert "<td>Compliance rose from 70.0% to 80.0%.</td>" in row
    assert '<a href="../publish/appendix.html">' in text


def test_a_page_without_main_findings_says_none_rather_than_guessing(page, tmp_path):
    from kentaudit.run.reviewer import page_summary
    assert page_summary(tmp_path / "html" / "summary.html")["finding"] == ""
    assert page_summary(tmp_path / "missing.html") == {"heading": "", "holds": "", "finding": ""}


def test_index_links_every_page_with_status(tmp_path):
    pages = [
        {"notebook": "summary", "district": None, "status": "ok", "seconds": 1.25, "error": None,
         "html": "summary.html"},
        {"notebook": "district_profile", "district": "Dover", "status": "failed", "seconds": 2.0,
         "error": "ValueError: boom", "html": "district_profile__DOV.html"},
        {"notebook": "trends", "district": None, "status": "not run", "seconds": None, "error": None,
         "html": None},
    ]
    out = build_index(tmp_path, pages, title="Cycle 2009", provenance=PROVENANCE)
    text = out.read_text()
    assert '<a href="summary.html">summary</a>' in text  # no page written: the notebook's name
    assert '<a href="district_profile__DOV.html">district_profile (Dover)</a>' in text
    assert "2 of 3 notebooks did not complete" in text
    assert "ValueError: boom" in text and "<script" not in text and not find_external_loads(text)


def test_the_index_names_each_page_by_its_heading_and_its_district(tmp_path):
    nb = executed_notebook(tmp_path / "district_profile__DOV.ipynb")
    export_notebook_html(nb, tmp_path / "district_profile__DOV.html", provenance=PROVENANCE)
    pages = [{"notebook": "district_profile", "district": "Dover", "status": "ok", "seconds": 1.0,
              "error": None, "html": "district_profile__DOV.html"}]
    text = build_index(tmp_path, pages, title="Cycle 2009", provenance=PROVENANCE).read_text()
    assert '<a href="district_profile__DOV.html">Data quality (Dover)</a>' in text
    assert ">district_profile" not in text


def test_the_index_has_no_error_column_when_nothing_failed(tmp_path):
    pages = [{"notebook": "summary", "district": None, "status": "ok", "seconds": 1.0, "error": None,
              "html": None}]
    text = build_index(tmp_path, pages, title="Cycle 2009", provenance=PROVENANCE).read_text()
    assert '<th scope="col">Error</th>' not in text
    assert '<th scope="col">Run time (seconds)</th>' in text


def test_the_index_is_not_described_as_a_notebook(tmp_path):
    text = build_index(tmp_path, [], title="Cycle 2009",
                       provenance={**PROVENANCE, "notebook": "index"}).read_text()
    assert "Restricted: reviewer pages for internal review" in text
    assert '<th scope="row">Notebook</th>' not in text


def test_the_run_record_is_collapsed_and_the_status_stays_in_sight(page, tmp_path):
    _, text = page
    banner = text[text.index('class="kentaudit-provenance"'):text.index("</header>")]
    assert "<details open" not in banner and "<details>" in banner
    assert banner.index("Status: ") < banner.index("<details>")
    nb = executed_notebook(tmp_path / "failed.ipynb")
    export_notebook_html(nb, tmp_path / "failed.html",
                         provenance={**PROVENANCE, "status": "failed", "error": "ValueError: boom"})
    failed = (tmp_path / "failed.html").read_text(encoding="utf-8")
    assert failed.index("failed: ValueError: boom") < failed.index("<details>")


def test_what_a_page_holds_keeps_a_questions_mark_without_a_semicolon(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Districts\n\n## Funnel\n\n## Which is lowest?\n\n## Flags")]
    nbformat.write(nb, tmp_path / "d.ipynb")
    export_notebook_html(tmp_path / "d.ipynb", tmp_path / "d.html", provenance=PROVENANCE)
    from kentaudit.run.reviewer import page_summary
    assert page_summary(tmp_path / "d.html")["holds"] == "Districts: Funnel; Which is lowest? Flags"


# ---------------------------------------------------------------- real browser

def _browser_or_skip() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    if not chromium or not node or not (TOOLS / "node_modules" / "playwright-core").is_dir():
        pytest.skip("needs Chromium, node and playwright-core: "
                    "apt-get install -y chromium chromium-driver && make browser-tools")
    return chromium


def run_browser(files: list[Path]) -> list[dict]:
    chromium = _browser_or_skip()
    # generous timeout: under a loaded 2-core CI machine Chromium can take a while to start
    res = subprocess.run(["node", str(CHECKER), chromium, str(TOOLS), *map(str, files)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["pages"]


@pytest.fixture(scope="module")
def browser_pages(tmp_path_factory):
    _browser_or_skip()
    d = tmp_path_factory.mktemp("pages")
    nb = executed_notebook(d / "summary.ipynb")
    export_notebook_html(nb, d / "html" / "summary.html", provenance=PROVENANCE, title="Cycle 2009: summary")
    build_index(d / "html", [{"notebook": "summary", "district": None, "status": "ok", "seconds": 1.0,
                              "error": None, "html": "summary.html"}], title="Cycle 2009", provenance=PROVENANCE)
    bad = d / "html" / "bad.html"  # a page that needs the internet: the check must catch it
    bad.write_text('<!DOCTYPE html><html lang="en"><head><title>bad</title>'
                   '<link rel="stylesheet" href="https://cdn.example.invalid/x.css"></head>'
                   '<body><img src="https://cdn.example.invalid/a.png"></body></html>')
    pages = run_browser([d / "html" / "summary.html", d / "html" / "index.html", bad])
    return {Path(p["file"]).name: p for p in pages}


@pytest.mark.browser
def test_browser_page_loads_with_no_failed_or_external_requests(browser_pages):
    for name in ("summary.html", "index.html"):
        p = browser_pages[name]
        assert p["external"] == [] and p["failed"] == [], p
        assert p["consoleErrors"] == [], p
        assert all(u.startswith(("file:", "data:")) for u in p["requests"])


@pytest.mark.browser
def test_browser_shows_tables_and_figures_with_alt_text(browser_pages):
    p = browser_pages["summary.html"]
    assert p["visibleTables"] == p["tables"] >= 4  # 3 provenance tables + the results table
    assert p["visibleImages"] == p["images"] == 1
    assert p["imagesWithoutAlt"] == 0
    assert p["brokenAnchors"] == []
    assert p["title"] == "Cycle 2009: summary"


@pytest.mark.browser
def test_browser_index_page_lists_pages(browser_pages):
    p = browser_pages["index.html"]
    assert p["visibleTables"] == p["tables"] >= 2


@pytest.mark.browser
def test_browser_check_detects_a_page_that_needs_the_network(browser_pages):
    p = browser_pages["bad.html"]
    assert len(p["external"]) == 2
    assert p["imagesWithoutAlt"] == 1


def _stock_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, embed_images=True, anchor_link_text="¶",
                        mathjax_url="", require_js_url="", jquery_url="", widget_renderer_url="")


def test_reviewer_export_is_nbconverts_page_element_for_element(tmp_path):
    from bs4 import BeautifulSoup

    from kentaudit.run.reviewer import _exporter

    nb = nbformat.read(executed_notebook(tmp_path / "n.ipynb", extra_html='<div style="overflow:auto">'
                                         '<table><tr><td>wide</td></tr></table></div>'), as_version=4)
    res = {"metadata": {"name": "t"}}
    ours, _ = _exporter().from_notebook_node(nb, resources=dict(res))
    stock, _ = _stock_exporter().from_notebook_node(nb, resources=dict(res))
    assert BeautifulSoup(ours, "html.parser") == BeautifulSoup(stock, "html.parser")
    # every output area focusable, as nbconvert makes them (a wide output can be scrolled
    # with the keyboard)
    assert ours.count('tabindex="0"') == stock.count('tabindex="0"') >= 2


def test_an_image_without_alt_text_keeps_none_and_is_counted(tmp_path):
    from bs4 import BeautifulSoup

    nb = executed_notebook(tmp_path / "n.ipynb", plain_image=True)
    info = export_notebook_html(nb, tmp_path / "n.html")
    text = (tmp_path / "n.html").read_text(encoding="utf-8")
    imgs = BeautifulSoup(text, "html.parser").find_all("img")
    assert len(imgs) == 2 and sum(not i.get("alt") for i in imgs) == 1
    assert "No description has been provided" not in text  # nbconvert's placeholder is not added
    assert info["images_without_alt"] == 1


def test_the_export_leaves_nbconverts_parser_in_place(tmp_path):
    import bs4
    import nbconvert.exporters.html as html_mod

    export_notebook_html(executed_notebook(tmp_path / "n.ipynb"), tmp_path / "n.html")
    assert html_mod.BeautifulSoup is bs4.BeautifulSoup


# --- light pages: large figures are embedded lighter (issue 23) -----------------------------

def _tall_chart_png(rows: int) -> bytes:
    """A forest-like chart as tall as a caterpillar plot of ``rows`` units, saved as the
    notebooks save figures (150 dpi)."""
    import io

    import numpy as np
    fig, ax = plt.subplots(figsize=(10, 0.38 * rows + 1.6))
    y = np.arange(rows)
    rng = np.random.default_rng(1)
    est = rng.uniform(60, 95, rows)
    ax.hlines(y, est - 8, est + 8, color="#6E6E6E", lw=2)
    ax.scatter(est, y, color="#0072B2", s=40, zorder=3)
    ax.set_yticks(y, [f"Unit number {i}" for i in y], fontsize=9)
    ax.set_xlabel("Compliance (%)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _page_with(png: bytes, tmp_path: Path, stem: str = "profile") -> tuple[str, dict]:
    import base64
    html_ = (f'<figure class="kentaudit-figure"><img src="data:image/png;base64,'
             f'{base64.b64encode(png).decode()}" alt="A tall chart of every unit."></figure>')
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [new_markdown_cell("# Profile"),
                new_code_cell("show(chart)", execution_count=1, outputs=[
                    new_output("display_data", data={"text/html": html_, "text/plain": "[figure]"})])]
    path = tmp_path / f"{stem}.ipynb"
    nbformat.write(nb, path)
    info = export_notebook_html(path, tmp_path / "html" / f"{stem}.html", provenance=PROVENANCE,
                                title="Cycle 2009: profile")
    return (tmp_path / "html" / f"{stem}.html").read_text(encoding="utf-8"), info


def _embedded(text: str) -> list:
    import base64
    return [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', text)]


def test_a_figure_within_the_budget_is_embedded_as_saved(tmp_path):
    from kentaudit.run.reviewer import IMAGE_BUDGET
    png = _tall_chart_png(4)
    assert len(png) <= IMAGE_BUDGET
    text, info = _page_with(png, tmp_path)
    assert _embedded(text) == [png] and info["images_lightened"] == 0


def test_a_large_figure_is_embedded_as_a_palette_png_that_looks_the_same(tmp_path):
    """A district profile's forest plot (about 210 kB) went into every profile page as saved;
    it is embedded within the budget, as a palette PNG of the same size in pixels, no pixel
    off by more than 16 of 255."""
    import io

    import numpy as np
    from PIL import Image

    from kentaudit.run.reviewer import IMAGE_BUDGET
    png = _tall_chart_png(60)
    assert len(png) > IMAGE_BUDGET
    text, info = _page_with(png, tmp_path)
    (shown,) = _embedded(text)
    assert len(shown) <= IMAGE_BUDGET and info["images_lightened"] == 1
    a, b = Image.open(io.BytesIO(png)), Image.open(io.BytesIO(shown))
    assert b.mode == "P" and a.size == b.size
    diff = np.abs(np.asarray(a.convert("RGB"), int) - np.asarray(b.convert("RGB"), int))
    assert diff.max() <= 16
    assert info["image_bytes_before"] == len(png) and info["image_bytes_after"] == len(shown)


def test_a_very_large_figure_is_scaled_shown_at_its_size_and_linked_in_full(tmp_path):
    """A caterpillar plot of 200 units is about 800 kB of PNG: the page embeds a scaled
    copy within the budget, shown as wide as the saved figure, and links the saved file."""
    import io

    from PIL import Image

    from kentaudit.run.reviewer import IMAGE_BUDGET, IMAGE_MIN_SCALE
    png = _tall_chart_png(200)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "caterpillar_compliance.png").write_bytes(png)
    text, info = _page_with(png, tmp_path)
    (shown,) = _embedded(text)
    width = Image.open(io.BytesIO(png)).size[0]
    small = Image.open(io.BytesIO(shown)).size[0]
    assert len(shown) < len(png) / 2
    assert IMAGE_MIN_SCALE * width <= small + 1 and small < width
    assert len(shown) <= IMAGE_BUDGET or small <= IMAGE_MIN_SCALE * width + 1
    assert f'<img width="{width}"' in text
    link = re.search(r'<a href="([^"]+)">Full-size image \(([\d.]+) MB PNG\)</a>', text)
    assert link and link.group(1) == "../figures/caterpillar_compliance.png"
    assert (tmp_path / "html" / link.group(1)).resolve().read_bytes() == png
    assert find_external_loads(text) == []


def test_reviewer_pages_provenance_shows_the_cycles_label_not_its_folder_id(tmp_path):
    """A cycle labelled "2025/26" runs in the folder 2025-26; its reviewer pages show "2025/26"."""
    import types

    from kentaudit.inputs.profile import Words
    from kentaudit.run import runner

    params = types.SimpleNamespace(label="2025/26", cycle="2025-26",
                                   words=Words(authority="Fenmarsh", unit="locality"))
    manifest = {"cycle": "2025-26", "packages": {"kentaudit": "0"}}
    base = runner._html_base(manifest, params)
    assert base["cycle"] == "2025/26"
    page = build_index(tmp_path, [], title="Fenmarsh 2025/26", provenance=base)
    text = page.read_text(encoding="utf-8")
    assert re.search(r"<th scope=\"row\">Cycle</th>\s*<td>2025/26</td>", text) and "2025-26" not in text
    # a cycle without a label (Kent's "2013") shows the cycle as before
    assert runner._html_base({"cycle": "2013", "packages": {}}, types.SimpleNamespace(label="2013"))["cycle"] == "2013"


def test_parameters_are_named_as_the_file_names_them_and_an_empty_one_says_default(tmp_path):
    """The Wexmoor walk read 'districts', 'inputs.districts' in the provenance as stray codes; the
    table says they are the parameter file's keys (set as code) and an empty one is the default,
    never a blank cell."""
    prov = {**PROVENANCE, "params": {**PROVENANCE["params"], "inputs": {"audits": ["a.csv"], "districts": None}}}
    text = build_index(tmp_path, [], title="Cycle 2009", provenance=prov).read_text(encoding="utf-8")
    table = text[text.index("<caption>Parameters"):]
    table = table[:table.index("</table>")]
    assert table.startswith("<caption>Parameters, as named in the parameter file</caption>")
    assert '<th scope="row"><code>inputs.districts</code></th><td><em>not set (the default)</em></td>' in table
    assert '<th scope="row"><code>interval_method</code></th><td>wilson</td>' in table
    assert "<td></td>" not in table


@pytest.mark.browser
def test_browser_a_wide_tables_caption_wraps_within_the_page(tmp_path):
    """The review as images: a wide results table scrolls sideways in its output area, and its
    caption (what it is, its method, its samples) ran as wide as the table, cut off at the
    page's edge. Capped at the page's width it wraps where the reader is; without the cap (the
    planted page) the check sees the caption run past the edge."""
    _browser_or_skip()
    wide = ('<table class="kentaudit-table"><caption>' + "A caption naming the method and the samples. " * 25
            + "</caption><thead><tr>" + "".join(f"<th>Column {i} in words</th>" for i in range(40))
            + "</tr></thead><tbody><tr>" + "".join(f"<td>{i}</td>" for i in range(40)) + "</tr></tbody></table>")
    nb = executed_notebook(tmp_path / "wide.ipynb", extra_html=wide)
    good = tmp_path / "html" / "wide.html"
    export_notebook_html(nb, good, provenance=PROVENANCE, title="Cycle 2009: wide")
    text = good.read_text(encoding="utf-8")
    rule = ".kentaudit-table caption{max-width:min(60em,calc(100vw - 6em))}"
    assert rule in text
    bad = tmp_path / "html" / "planted.html"
    bad.write_text(text.replace(rule, ""), encoding="utf-8")
    pages = {Path(p["file"]).name: p for p in run_browser([good, bad])}
    assert pages["wide.html"]["captionsBeyondView"] == 0
    assert pages["planted.html"]["captionsBeyondView"] >= 1


def test_what_a_page_holds_leaves_out_a_section_the_cycle_has_nothing_for(tmp_path):
    # an authority whose samples do not extend one another: the comparison of added cases is
    # not produced, the paired re-audit is; the index says the page holds the re-audit only
    note = "*Added cases against the cases they were added to: not produced for this cycle, because no.*"
    nb = new_notebook(cells=[
        new_markdown_cell("# Comparing the cycle's samples"),
        new_markdown_cell("## Additional cases against initial cases"),
        new_code_cell("section.show('initial_vs_extended')", outputs=[
            new_output("display_data", data={"text/markdown": note, "text/plain": note})]),
        new_markdown_cell("## Paired re-audit"),
        new_code_cell("section.show('reaudit_paired')", outputs=[
            new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                              "text/plain": "1"})]),
    ])
    nbformat.write(nb, tmp_path / "s.ipynb")
    export_notebook_html(tmp_path / "s.ipynb", tmp_path / "s.html", provenance=PROVENANCE)
    from kentaudit.run.reviewer import page_summary
    assert page_summary(tmp_path / "s.html")["holds"] == "Comparing the cycle's samples: Paired re-audit"


def test_the_sample_comparison_notebook_is_titled_for_any_authoritys_samples():
    nb = nbformat.read(Path(__file__).resolve().parents[2] / "notebooks" / "initial_vs_extended.ipynb", as_version=4)
    title = nb.cells[0].source.splitlines()[0]
    assert title.startswith("# ") and not re.search(r"initial|extended|additional", title, re.I)
