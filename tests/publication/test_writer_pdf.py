"""The committee pack as written: the PDF the appendix publishes, read back.

WeasyPrint (a dependency, so on every machine ``make cycle`` sets up) prints the PDF/UA-1
variant; Chromium is the fallback. Each test reads the file the builder wrote.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from kentaudit.publication.writers import pdf as pdf_writer

pytest.importorskip("weasyprint")

#: a number as a reader sees it: a shorthand, a p-value, a count with thousands, a decimal
NUMBER = re.compile(r"\[[a-z]\]|<0\.001|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.captions, self.tables, self._skip, self._cap = [], [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("head", "style", "script")
        self.tables += tag == "table"
        if tag == "caption":
            self._cap = []

    def handle_endtag(self, tag):
        self._skip -= tag in ("head", "style", "script")
        if tag == "caption":
            self.captions.append(" ".join("".join(self._cap).split()))
            self._cap = None

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
            if self._cap is not None:
                self._cap.append(data)


def _html(path):
    v = _Visible()
    v.feed(path.read_text(encoding="utf-8"))
    return v


def _pdf_text(path) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(str(path)))


def _structure(pdf) -> list:
    """Every structure element of the PDF, in reading order."""
    out, seen = [], set()

    def walk(node, depth=0):
        if depth > 300 or not isinstance(node, pikepdf.Dictionary):
            return
        if node.objgen != (0, 0):
            if node.objgen in seen:
                return
            seen.add(node.objgen)
        if "/S" in node:
            out.append(node)
        kids = node.get("/K")
        for k in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            walk(k, depth + 1)
    walk(pdf.Root.StructTreeRoot)
    return out


@pytest.fixture(scope="module")
def built(fake_appendix):
    # built with KENTAUDIT_PDF_ENGINE unset: the default engine choice
    return fake_appendix.result


@pytest.fixture(scope="module")
def pdf_path(built):
    path = built.publish_dir / "appendix.pdf"
    assert path.is_file(), built.missing
    return path


@pytest.fixture(scope="module")
def pdf(pdf_path):
    return pikepdf.open(pdf_path)


def test_weasyprint_prints_the_appendix_when_it_is_installed(pdf):
    assert "WeasyPrint" in str(pdf.docinfo.get("/Producer", ""))


def test_the_pdf_declares_pdf_ua_1_with_its_title_shown(pdf, built):
    with pdf.open_metadata() as meta:
        assert meta.get("pdfuaid:part") == "1"
        title = re.search(r"<title>([^<]*)</title>", (built.publish_dir / "appendix.html").read_text())
        assert meta.get("dc:title") == html.unescape(title.group(1))
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)


def test_the_pdf_is_tagged_in_the_documents_language(pdf):
    assert bool(pdf.Root.MarkInfo.Marked)
    assert "/StructTreeRoot" in pdf.Root
    assert str(pdf.Root.Lang) == "en-GB"


def test_every_table_is_tagged_with_header_cells_on_every_page_it_spans(pdf, built):
    html = _html(built.publish_dir / "appendix.html")
    tables = [e for e in _structure(pdf) if e.S == "/Table"]
    # a table spanning pages is one /Table per page, each with its header row repeated
    assert len(tables) >= html.tables

    def has(node, kind, depth=0):
        kids = node.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        return any(isinstance(k, pikepdf.Dictionary) and (k.get("/S") == kind or (depth < 3 and has(k, kind, depth + 1)))
                   for k in kids)
    assert all(has(t, "/TH") for t in tables)


def test_every_table_caption_of_the_html_is_in_the_pdf(pdf_path, built):
    text = " ".join(_pdf_text(pdf_path).split())
    captions = _html(built.publish_dir / "appendix.html").captions
    assert captions
    assert [c for c in captions if c not in text] == []


def test_the_pdf_shows_every_number_the_html_shows(pdf_path, built):
    html = Counter(NUMBER.findall(" ".join(_html(built.publish_dir / "appendix.html").text)))
    printed = Counter(NUMBER.findall(_pdf_text(pdf_path)))
    short = {k: (n, printed[k]) for k, n in html.items() if printed[k] < n}
    assert short == {}


def test_no_printed_character_lies_outside_its_page(pdf_path):
    outside = []
    for i, page in enumerate(pdfium.PdfDocument(str(pdf_path)), 1):
        width, height = page.get_size()
        tp = page.get_textpage()
        for c in range(tp.count_chars()):
            left, bottom, right, top = tp.get_charbox(c)
            if left < -0.5 or bottom < -0.5 or right > width + 0.5 or top > height + 0.5:
                outside.append((i, tp.get_text_range(c, 1)))
    assert outside == []


def test_figures_carry_the_alt_text_of_the_html(pdf, built):
    page = (built.publish_dir / "appendix.html").read_text(encoding="utf-8")
    html_alts = [html.unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', page)]
    alts = [str(e.Alt) for e in _structure(pdf) if e.S == "/Figure" and "/Alt" in e]
    assert html_alts and sorted(alts) == sorted(html_alts)


def test_pages_are_a4_portrait_or_landscape(pdf):
    sizes = {tuple(round(float(x)) for x in p.mediabox[2:]) for p in pdf.pages}
    assert sizes <= {(595, 842), (842, 595)}


def test_a_wide_table_turns_the_page_with_its_heading(pdf_path, built):
    page = (built.publish_dir / "appendix.html").read_text(encoding="utf-8")
    wide = re.findall(r'<section id="(T\d+)">\s*<h3[^>]*>([^<]+)</h3>(?:(?!</section>).)*?table-wrap wide',
                      page, flags=re.DOTALL)
    assert wide, "the fake cycle has no wide table"
    doc = pdfium.PdfDocument(str(pdf_path))
    for tid, heading in wide:
        # the page of the heading with the lines below it (the contents list names it too)
        pages = [p for p in doc if f"{heading} Scope:" in " ".join(p.get_textpage().get_text_range().split())]
        assert pages, heading
        width, height = pages[0].get_size()
        assert width > height, f"{heading!r} is on a portrait page"


# ----------------------------------------------------------------------------- the engines
def test_a_page_asking_for_anything_outside_itself_is_not_printed(tmp_path, monkeypatch):
    monkeypatch.setenv("KENTAUDIT_PDF_ENGINE", "weasyprint")
    page = tmp_path / "page.html"
    page.write_text('<html lang="en"><body><p>x</p><img alt="a" src="file:///etc/hostname"></body></html>')
    job = pdf_writer.start_pdf(page, tmp_path / "page.pdf")
    assert pdf_writer.finish_pdf(job, timeout=120) is None
    assert not (tmp_path / "page.pdf").exists()
    assert "file:///etc/hostname" in job.errors[0]


def test_without_an_engine_no_pdf_is_started(monkeypatch):
    monkeypatch.setenv("KENTAUDIT_PDF_ENGINE", "none-such")
    assert pdf_writer.find_engines() == []
    assert pdf_writer.start_pdf("x.html", "x.pdf") is None
    assert "Pango" in pdf_writer.NO_PDF_REASON and "Chromium" in pdf_writer.NO_PDF_REASON


def test_chromium_prints_when_weasyprint_cannot(tmp_path, monkeypatch, built):
    if pdf_writer.find_chromium() is None:
        pytest.skip("Chromium is not installed")
    # WeasyPrint fails (a Python that cannot import it), Chromium prints the page instead
    monkeypatch.setattr(pdf_writer.sys, "executable", "/bin/false")
    monkeypatch.delenv("KENTAUDIT_PDF_ENGINE", raising=False)
    job = pdf_writer.start_pdf(built.publish_dir / "appendix.html", tmp_path / "a.pdf")
    assert job.engine == "weasyprint"
    assert pdf_writer.finish_pdf(job, timeout=120) == (tmp_path / "a.pdf").resolve()
    assert job.engine == "chromium" and job.errors[0].startswith("weasyprint: exit 1")
    with pikepdf.open(tmp_path / "a.pdf") as printed:
        assert bool(printed.Root.MarkInfo.Marked) and str(printed.Root.Lang) == "en-GB"


def test_every_table_starts_on_the_page_of_its_heading(pdf_path, built):
    page = (built.publish_dir / "appendix.html").read_text(encoding="utf-8")
    headings = [html.unescape(h) for h in re.findall(r'<section id="T\d+">\s*<h3[^>]*>([^<]+)</h3>', page)]
    assert headings
    texts = [" ".join(p.get_textpage().get_text_range().split()) for p in pdfium.PdfDocument(str(pdf_path))]
    apart = []
    for heading in headings:
        where = [t for t in texts if f"{heading} Scope:" in t]
        # the caption repeats the heading above the table's first row
        if not where or where[0].count(heading) < 2:
            apart.append(heading)
    assert apart == []


@pytest.mark.parametrize("spacer_mm", range(200, 266, 6))
def test_a_heading_and_its_scope_lines_never_end_a_page_without_their_table(tmp_path, spacer_mm):
    from importlib import resources
    css = (resources.files("kentaudit") / "templates" / "appendix.css").read_text(encoding="utf-8")
    rows = "".join(f"<tr><th scope='row'>Row {i}</th><td>{i}</td></tr>" for i in range(30))
    page = tmp_path / "page.html"
    page.write_text(
        f'<html lang="en"><head><style>{css}</style></head><body><main>'
        f'<div style="height:{spacer_mm}mm">spacer</div>'
        '<section id="T5"><h3>Table 5: Heading</h3><p class="meta">Scope: one.</p>'
        '<p class="meta">Source: two.</p><p class="meta">Also as three.</p>'
        '<div class="table-wrap"><table><caption>Table 5: Heading</caption><thead><tr><th>Row</th>'
        f'<th>Value</th></tr></thead><tbody>{rows}</tbody></table></div></section></main></body></html>')
    pdf_writer.print_with_weasyprint(page, tmp_path / "page.pdf")
    texts = [p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(tmp_path / "page.pdf"))]
    heading_page = next(i for i, t in enumerate(texts) if "Scope: one." in t)
    assert "Row 0" in texts[heading_page]


def lone_heading_pages(pdf_path) -> list:
    """Pages holding headings only: at most two lines of text and no image (the review as images
    found 'Figures' alone on a blank portrait page before Figure 1's landscape page, then, with
    the figure's own heading, alone on the landscape page before the figure)."""
    out = []
    for k, page in enumerate(pdfium.PdfDocument(str(pdf_path)), start=1):
        lines = [x.strip() for x in page.get_textpage().get_text_range().splitlines() if x.strip()]
        images = [o for o in page.get_objects(max_depth=3) if o.type == pdfium_raw.FPDF_PAGEOBJ_IMAGE]
        if len(lines) <= 2 and not images:
            out.append((k, lines))
    return out


def test_no_page_holds_a_heading_alone(pdf_path):
    assert lone_heading_pages(pdf_path) == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_no_page_of_either_default_cycles_pdf_holds_a_heading_alone(cycle, request):
    run = request.getfixturevalue(f"cycle_{cycle}")
    assert lone_heading_pages(run["cycle_dir"] / "publish" / "appendix.pdf") == []


@pytest.mark.parametrize("spacer_mm", range(248, 262, 2))
def test_a_methods_term_never_ends_a_page_without_its_text(tmp_path, spacer_mm):
    """The 2013 PDF ended a page with the term "Error rates of the control-chart rules" alone,
    its text on the next page (review 26): a term stays with its description. Without the rule
    this page breaks after the term for spacers of 252 to 258 mm."""
    from importlib import resources
    css = (resources.files("kentaudit") / "templates" / "appendix.css").read_text(encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(
        f'<html lang="en"><head><style>{css}</style></head><body><main>'
        f'<div style="height:{spacer_mm}mm">spacer</div>'
        '<section id="methods"><dl><dt>Error rates of the rules</dt><dd>'
        + "Each rule applied to simulated charts. " * 12 + "</dd></dl></section></main></body></html>")
    pdf_writer.print_with_weasyprint(page, tmp_path / "page.pdf")
    texts = [p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(tmp_path / "page.pdf"))]
    where = next(i for i, t in enumerate(texts) if "Error rates of the rules" in t)
    assert "Each rule" in texts[where]
