"""PDF engines for the committee pack: headless Chromium against WeasyPrint (PDF/UA-1).

Usage::

    .venv/bin/python benchmarks/bench_pdf.py outputs/2009/publish/appendix.html \
        outputs/2013/publish/appendix.html [--repeats 3] [--work DIR]

Each engine prints the same ``appendix.html`` the way kentaudit runs it (a process of its
own, started by ``kentaudit.publication.writers.pdf.start_pdf`` with
``KENTAUDIT_PDF_ENGINE`` naming the engine: the wall time includes starting Chromium, or
Python and importing WeasyPrint), ``--repeats`` times, the engines taking turns so that a
busy machine slows both alike; the median wall time is shown, with the load average.
The PDF of the last run is then read with pikepdf and PDFium (pypdfium2):

- *tagged*: ``/MarkInfo /Marked`` true and a ``/StructTreeRoot``;
- *language*: the catalog's ``/Lang``;
- *figures with alt text*: ``/Figure`` structure elements carrying ``/Alt``, of the HTML's
  ``<img>`` elements;
- *table headers*: ``/TH`` structure elements against the HTML's ``<th>`` cells, and
  ``/Table`` elements against the HTML's ``<table>`` elements;
- *outline*: bookmark entries (the HTML has one per ``h2``/``h3``);
- *numbers as in the HTML*: every number token of the HTML's text (``12``, ``73.3``,
  ``<0.001``, ``[c]``) counted, and the share of that multiset found in PDFium's
  text of the PDF (a number split across lines or lost from a cut column lowers it);
- *pages*, *size*, and *fonts embedded* (every font of every page has a font file).

Pages are also rendered with PDFium into ``--work`` so that a person can compare
the two engines' layout by eye. Nothing fails: this is a measurement, not a test.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

NUMBER = re.compile(r"\[[a-z]\]|<0\.001|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")


class _Text(HTMLParser):
    """The visible text of an HTML file and counts of its tags of interest."""

    def __init__(self):
        super().__init__()
        self.parts, self.tags, self._skip = [], Counter(), 0

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        if tag in ("style", "script", "head"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_facts(path: Path) -> dict:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    text = " ".join(parser.parts)
    return {"text": text, "numbers": Counter(NUMBER.findall(text)), "img": parser.tags["img"],
            "th": parser.tags["th"], "table": parser.tags["table"],
            "headings": parser.tags["h2"] + parser.tags["h3"]}


def _kentaudit(engine: str, html: Path, pdf: Path) -> None:
    """Print as kentaudit does (its own process, flags, fetcher, time limit), one engine only."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from kentaudit.publication.writers import pdf as writer
    os.environ["KENTAUDIT_PDF_ENGINE"] = engine
    try:
        job = writer.start_pdf(html, pdf)
        if job is None:
            raise SystemExit(f"{engine} is not installed")
        if writer.finish_pdf(job) is None or job.engine != engine:
            raise SystemExit(f"{engine} did not print {html}: {job.errors}")
    finally:
        del os.environ["KENTAUDIT_PDF_ENGINE"]


def chromium(html: Path, pdf: Path) -> None:
    _kentaudit("chromium", html, pdf)


def weasyprint(html: Path, pdf: Path) -> None:
    _kentaudit("weasyprint", html, pdf)


ENGINES = {"Chromium": chromium, "WeasyPrint (PDF/UA-1)": weasyprint}


def pdf_text(path: Path) -> str:
    """The PDF's text as PDFium extracts it (the publication check reads it the same way)."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(path))
    return "\n".join(page.get_textpage().get_text_range() for page in doc)


def render(path: Path, prefix: Path, scale: float = 0.7) -> None:
    """Every page as a PNG (``prefix-<n>.png``), to be compared by eye."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(path))
    for i, page in enumerate(doc, 1):
        page.render(scale=scale).to_pil().save(f"{prefix}-{i:02d}.png")


def _pdfua(pdf) -> bool:
    """Whether the XMP metadata declares PDF/UA (``pdfuaid:part``)."""
    with pdf.open_metadata() as meta:
        return bool(meta.get("pdfuaid:part"))


def pdf_facts(path: Path) -> dict:
    import pikepdf
    pdf = pikepdf.open(path)
    root = pdf.Root
    kinds, figures_alt, figures_no_alt = Counter(), 0, 0
    seen = set()

    def walk(node, depth=0):
        nonlocal figures_alt, figures_no_alt
        if depth > 300 or not isinstance(node, pikepdf.Dictionary):
            return
        key = node.objgen
        if key != (0, 0):
            if key in seen:
                return
            seen.add(key)
        s = node.get("/S")
        if s is not None:
            kinds[str(s)] += 1
            if str(s) == "/Figure":
                if "/Alt" in node and str(node.Alt).strip():
                    figures_alt += 1
                else:
                    figures_no_alt += 1
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            for k in kids:
                walk(k, depth + 1)
        elif isinstance(kids, pikepdf.Dictionary):
            walk(kids, depth + 1)

    tree = root.get("/StructTreeRoot")
    if tree is not None:
        walk(tree)
    outline = 0
    with pdf.open_outline() as ol:
        stack = list(ol.root)
        while stack:
            item = stack.pop()
            outline += 1
            stack.extend(item.children)
    fonts_ok = True
    for page in pdf.pages:
        res = page.obj.get("/Resources")
        fonts = res.get("/Font") if res is not None else None
        for _, font in (fonts.items() if fonts is not None else []):
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font.DescendantFonts[0].get("/FontDescriptor")
            if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts_ok = False
    marked = "/MarkInfo" in root and bool(root.MarkInfo.get("/Marked", False))
    sizes = Counter((round(float(p.mediabox[2])), round(float(p.mediabox[3]))) for p in pdf.pages)
    text = pdf_text(path)
    return {"tagged": marked and tree is not None, "lang": str(root.get("/Lang", "")),
            "kinds": kinds, "figures_alt": figures_alt, "figures_no_alt": figures_no_alt,
            "outline": outline, "pdfua": _pdfua(pdf),
            "pages": len(pdf.pages), "sizes": dict(sizes), "bytes": path.stat().st_size,
            "fonts_embedded": fonts_ok, "numbers": Counter(NUMBER.findall(text))}


def found_share(html_numbers: Counter, pdf_numbers: Counter) -> float:
    wanted = sum(html_numbers.values())
    found = sum(min(n, pdf_numbers[k]) for k, n in html_numbers.items())
    return found / wanted if wanted else 1.0


def measure(html: Path, work: Path, repeats: int) -> list[dict]:
    facts = html_facts(html)
    cycle = html.parent.parent.name
    pdfs = {name: work / f"{cycle}-{'chromium' if name == 'Chromium' else 'weasyprint'}.pdf"
            for name in ENGINES}
    times = {name: [] for name in ENGINES}
    for _ in range(repeats):  # the engines take turns
        for name, engine in ENGINES.items():
            pdfs[name].unlink(missing_ok=True)
            start = time.perf_counter()
            engine(html, pdfs[name])
            times[name].append(time.perf_counter() - start)
    rows = []
    for name, pdf in pdfs.items():
        got = pdf_facts(pdf)
        render(pdf, work / pdf.stem)
        missing = [k for k, n in facts["numbers"].items() if got["numbers"][k] < n]
        rows.append({"cycle": cycle, "engine": name, "seconds": statistics.median(times[name]),
                     "times": times[name], "html": facts, "pdf": got,
                     "share": found_share(facts["numbers"], got["numbers"]), "missing": missing[:15]})
    return rows


def table(rows: list[dict]) -> str:
    head = ("| cycle | engine | time (median) | tagged | /Lang | Table / TH elements (HTML tables / th) "
            "| figures with /Alt (HTML img) | /Figure without /Alt | outline entries (HTML h2+h3) "
            "| numbers of the HTML in the PDF text | pages | PDF/UA declared | fonts embedded | size |")
    out = [head, "|" + "|".join(["---"] * 14) + "|"]
    for r in rows:
        p, h = r["pdf"], r["html"]
        out.append(
            f"| {r['cycle']} | {r['engine']} | {r['seconds']:.1f} s | {'yes' if p['tagged'] else 'no'} "
            f"| {p['lang'] or 'none'} | {p['kinds']['/Table']} / {p['kinds']['/TH']} ({h['table']} / {h['th']}) "
            f"| {p['figures_alt']} ({h['img']}) | {p['figures_no_alt']} | {p['outline']} ({h['headings']}) "
            f"| {100 * r['share']:.1f}% | {p['pages']} | {'yes' if p['pdfua'] else 'no'} "
            f"| {'yes' if p['fonts_embedded'] else 'no'} "
            f"| {p['bytes'] / 1e6:.2f} MB |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", nargs="+", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / ".work" / "pdf")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    rows = [r for html in args.html for r in measure(html.resolve(), args.work, args.repeats)]
    print(f"Load average (1, 5, 15 min) at the start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
          f"on {os.cpu_count()} cores; {args.repeats} runs of each engine, taking turns.")
    print(table(rows))
    for r in rows:
        print(f"{r['cycle']} {r['engine']}: times {[round(t, 1) for t in r['times']]}; "
              f"structure {dict(r['pdf']['kinds'].most_common(12))}; sizes {r['pdf']['sizes']}; "
              f"numbers of the HTML short in the PDF text: {r['missing']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
