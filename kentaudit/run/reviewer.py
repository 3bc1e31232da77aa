"""Reviewer HTML: executed notebooks as self-contained pages without code.

Committee reviewers read the executed notebooks as HTML. Each page

- hides every code cell (nbconvert's ``HTMLExporter`` with ``exclude_input``);
- opens with the run's provenance (cycle, notebook, district, status, run
  times, git commit, parameter file and its SHA-256, the parameters, and the
  SHA-256 of every input file) and a contents list linking to the headings;
- has **no network dependency**: CSS is inlined by nbconvert's ``lab``
  template (trimmed to the rules the page can use, :func:`trim_css`: nbconvert embeds
  JupyterLab's whole stylesheet, about 260 kB, in every page), every ``<script>`` is removed (reviewer pages need none; the
  template's scripts would load MathJax, require.js and Mermaid from a CDN),
  images are embedded as ``data:`` URIs, and a Content-Security-Policy meta tag
  blocks any load from elsewhere, so the page renders the same offline;
- stays light: a figure whose PNG is larger than :data:`IMAGE_BUDGET` is embedded as a
  palette PNG (256 colours, no dithering: a chart's flat colours come through unchanged,
  about a third of the bytes) and, if still too large (a caterpillar plot of 200 units), at
  a smaller scale, shown at the same size, with a link to the full-size file in
  ``figures/`` (:func:`lighten_images`);
- shows figures with alt text: notebooks display figures with
  :func:`kentaudit.report.results.show_figure`; images without alt text (plain
  matplotlib output) are counted and reported so they can be fixed.

Consequence of removing scripts: LaTeX in markdown is shown as source text.

- links back to the cycle's reviewer index (``index.html``) and to the published
  appendix (``../publish/appendix.html``) above and below its content;
- says in two ``<meta>`` tags what it holds (its title and section headings) and its
  main finding (the first item under "Main findings"), which the index shows.

:func:`build_index` writes ``index.html`` linking every page with its status, what it
holds and its main finding.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import nbconvert.exporters.html as html_mod
import nbformat
import tinycss2
from nbconvert import HTMLExporter
from PIL import Image

from kentaudit.core.errors import KentauditError

__all__ = ["export_notebook_html", "build_index", "find_external_loads", "unlink_external", "page_summary",
           "lighten_images", "trim_css", "NO_ALT_PLACEHOLDER", "CSP", "INDEX_LINK", "APPENDIX_LINK",
           "IMAGE_BUDGET"]

#: where a reviewer page links back to: the cycle's index (beside it in ``html/``) and the
#: published appendix (``publish/`` beside ``html/``, docs/running.md)
INDEX_LINK = "index.html"
APPENDIX_LINK = "../publish/appendix.html"

#: Bytes of PNG above which an embedded figure is made lighter (:func:`lighten_images`).
#: The default cycles' funnel plots (100-145 kB) stay as saved; the district profiles'
#: forest plots (about 210 kB) become palette PNGs of about 80 kB; a caterpillar plot of
#: 200 units (790 kB) is embedded at a smaller scale with a link to the full-size file.
IMAGE_BUDGET = 150_000

#: The smallest scale an embedded figure is shrunk to (its text stays legible at 150 dpi).
IMAGE_MIN_SCALE = 0.5

_DATA_PNG = re.compile(r'(<img\b[^>]*?\bsrc=")data:image/png;base64,([A-Za-z0-9+/=\s]+)("[^>]*>)', re.I)

#: The alt text nbconvert gives images that have none.
NO_ALT_PLACEHOLDER = "No description has been provided for this image"

#: Content-Security-Policy of every reviewer page: nothing may be fetched from anywhere.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
_HEADING = re.compile(r"<h([1-6])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"\balt\s*=\s*(\"([^\"]*)\"|'([^']*)')", re.I)
_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|data|poster)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//)""",
    re.I)

#: ``.kentaudit-table caption``: a wide table scrolls sideways in its output area, and its caption
#: (what the table is, its method, its samples) ran as wide as the table, read only by scrolling;
#: capped at the page's width it wraps where the reader is
_CSS = """
.kentaudit-provenance{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
  max-width:1100px;margin:1em auto;padding:1em 1.5em;border:1px solid #767676;border-radius:4px;
  background:#f7f7f7;color:#1a1a1a}
.kentaudit-provenance h1{font-size:1.5em;margin:0 0 .4em}
.kentaudit-provenance table{border-collapse:collapse;margin:.4em 0 1em;font-size:.9em}
.kentaudit-provenance th,.kentaudit-provenance td{border:1px solid #b0b0b0;padding:.2em .6em;
  text-align:left;vertical-align:top}
.kentaudit-provenance code{word-break:break-all}
.kentaudit-restricted{font-weight:bold;color:#8b0000}
.kentaudit-status-ok{color:#00703c;font-weight:bold}
.kentaudit-status-failed,.kentaudit-status-interrupted{color:#b10e1e;font-weight:bold}
.kentaudit-toc{max-width:1100px;margin:0 auto 1em;padding:0 1.5em;font-family:system-ui,Arial,sans-serif}
.kentaudit-figure img{max-width:100%;height:auto}
a.anchor-link{display:inline-block;min-width:24px;min-height:24px;line-height:24px;text-align:center}
.kentaudit-toc a{display:inline-block;min-height:24px;line-height:24px}
.kentaudit-nav{max-width:1100px;margin:.5em auto;padding:0 1.5em;font-family:system-ui,Arial,sans-serif}
.kentaudit-nav a{display:inline-block;min-height:24px;line-height:24px;margin-right:1.5em}
.kentaudit-table caption{max-width:min(60em,calc(100vw - 6em))}
"""


_META = re.compile(r'<meta name="kentaudit-(holds|finding|heading)" content="([^"]*)">')
_FINDINGS_HEAD = re.compile(r"<h2\b[^>]*\bid=\"Main-findings\"", re.I)
_LI = re.compile(r"<li\b[^>]*>(.*?)</li>", re.S | re.I)
#: what a section says in place of a table or figure the cycle does not have
#: (:meth:`kentaudit.analysis.section.Section.show`)
_NOT_PRODUCED = "not produced for this cycle"
#: a table or figure shown in a section
_SHOWS = re.compile(r"<table\b|<img\b|<svg\b", re.I)


def _palette_png(png: bytes, scale: float = 1.0) -> tuple[bytes, tuple[int, int]]:
    """``png`` as a palette PNG of at most 256 colours (no dithering), scaled by ``scale``
    (Lanczos); returns the bytes and the original size in pixels. An image with any
    transparent pixel keeps its transparency in the palette."""
    with Image.open(io.BytesIO(png)) as im:
        im.load()
        size = im.size
        if scale < 1:
            im = im.resize((max(1, round(size[0] * scale)), max(1, round(size[1] * scale))),
                           Image.Resampling.LANCZOS)
        if im.mode not in ("RGB", "RGBA"):
            im = im.convert("RGBA")
        if im.mode == "RGBA" and im.getchannel("A").getextrema()[0] == 255:
            im = im.convert("RGB")  # opaque: the alpha channel only costs bytes
        # fast octree: measured on the forest plots of the district profiles, 0.47 s and 72 kB
        # against median cut's 0.9 s and 95 kB (1.7 s and 81 kB optimised), the same to the eye
        # (no pixel off by more than 14 of 255)
        q = im.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        q.save(buf, "PNG")
    return buf.getvalue(), size


def lighten_images(body: str, html_dir: str | Path | None = None, *,
                   budget: int = IMAGE_BUDGET) -> tuple[str, dict[str, int]]:
    """Make the PNG figures embedded in ``body`` (``data:`` URIs) light enough for a page.

    A figure of ``budget`` bytes or fewer is left as it is. A larger one is embedded as a
    palette PNG (256 colours, no dithering: kentaudit's charts are drawn in a few flat
    colours, so only the anti-aliased edges of text and lines change); one still larger is
    also scaled down (to no less than :data:`IMAGE_MIN_SCALE`), shown at its original size,
    and followed by a link to the full-size file when the cycle's ``figures/`` folder (beside
    ``html_dir``) holds one with the same bytes. Returns the page and ``{"images",
    "lightened", "scaled", "bytes_before", "bytes_after"}`` (PNG bytes of the embedded
    figures). Pillow (which matplotlib itself uses to write PNG) does the work; its fast
    octree is deterministic, so the same figure gives the same page.
    """
    stats = {"images": 0, "lightened": 0, "scaled": 0, "bytes_before": 0, "bytes_after": 0}
    figures: dict[str, Path] | None = None

    def full_size(png: bytes) -> Path | None:
        nonlocal figures
        if html_dir is None:
            return None
        if figures is None:
            folder = Path(html_dir).parent / "figures"
            figures = {hashlib.sha256(f.read_bytes()).hexdigest(): f
                       for f in sorted(folder.glob("*.png"))} if folder.is_dir() else {}
        return figures.get(hashlib.sha256(png).hexdigest())

    def repl(m: re.Match) -> str:
        png = base64.b64decode(m.group(2))
        stats["images"] += 1
        stats["bytes_before"] += len(png)
        if len(png) <= budget:
            stats["bytes_after"] += len(png)
            return m.group(0)
        light, (width, _) = _palette_png(png)
        scale = 1.0
        while len(light) > budget and scale > IMAGE_MIN_SCALE:
            # bytes fall a little slower than the pixels: aim 15% under, so one step usually does
            scale = max(IMAGE_MIN_SCALE, scale * (budget / len(light)) ** 0.5 * 0.85)
            light, _ = _palette_png(png, scale)
        if len(light) >= len(png):
            stats["bytes_after"] += len(png)
            return m.group(0)
        stats["lightened"] += 1
        stats["bytes_after"] += len(light)
        tag = m.group(1) + "data:image/png;base64," + base64.b64encode(light).decode("ascii") + m.group(3)
        if scale >= 1:
            return tag
        stats["scaled"] += 1
        # shown at the size the saved figure would be shown at
        tag = re.sub(r"<img\b", f'<img width="{width}"', tag, count=1)
        f = full_size(png)
        if f is None:
            return tag
        rel = os.path.relpath(f, html_dir).replace(os.sep, "/")
        return (tag + f'<p class="kentaudit-fullsize"><a href="{html.escape(rel, quote=True)}">'
                f"Full-size image ({len(png) / 1e6:.1f} MB PNG)</a></p>")

    return _DATA_PNG.sub(repl, body), stats


_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)
_CLASS_ATTR = re.compile(r"\bclass\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE)
_SEL_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_SEL_FUNC = re.compile(r":(?:not|where|is|has)\([^)]*\)")
_VAR_USE = re.compile(r"var\(\s*(--[\w-]+)")


def trim_css(css: str, classes: Iterable[str]) -> str:
    """``css`` without what cannot apply to a page whose elements carry ``classes``.

    A rule is kept when one of its selectors names only classes the page has (a selector
    naming no class, ``body`` or ``:root``, is kept; classes inside ``:not()``, ``:is()``,
    ``:where()`` and ``:has()`` are not required); an ``@media`` or ``@supports`` block keeps
    the rules of its own that are kept, any other at-rule is kept as it is. A custom property
    (``--jp-ui-font-size1``) is kept only when a kept declaration uses it, directly or through
    another custom property. So the page looks the same: a rule whose selector names a class
    no element has matches nothing (reviewer pages have no scripts, so no class is added later).

    nbconvert's ``lab`` template embeds JupyterLab's stylesheet and theme (about 260 kB) in
    every page; a reviewer page uses about 10 kB of it. The stylesheet is parsed with tinycss2
    (the CSS parser nbconvert's own sanitiser uses); written here because neither nbconvert nor
    tinycss2 prunes by use.
    """
    have = set(classes)

    def keep(items) -> list:
        out = []
        for kind, text, body in items:
            if kind == "rule":
                if any(need <= have for need in body[0]):
                    out.append(("rule", text, body[1]))
            elif kind == "block":
                inner = keep(body)
                if inner:
                    out.append(("block", text, inner))
            else:
                out.append((kind, text, body))
        return out

    tree = keep(_parsed_css(css))
    defs: dict[str, list[str]] = {}
    used: set[str] = set()

    def scan(items) -> None:
        for kind, text, body in items:
            if kind == "rule":
                for name, value, _important in body:
                    if name.startswith("--"):
                        defs.setdefault(name, []).append(value)
                    else:
                        used.update(_VAR_USE.findall(value))
            elif kind == "block":
                scan(body)
            else:
                used.update(_VAR_USE.findall(text))

    scan(tree)
    todo = list(used)
    while todo:
        for value in defs.get(todo.pop(), ()):
            for name in _VAR_USE.findall(value):
                if name not in used:
                    used.add(name)
                    todo.append(name)

    def emit(items) -> list:
        out = []
        for kind, text, body in items:
            if kind == "rule":
                decls = [f"{name}:{value.strip()}" + ("!important" if important else "")
                         for name, value, important in body if not name.startswith("--") or name in used]
                if decls:
                    out.append(text + "{" + ";".join(decls) + "}")
            elif kind == "block":
                inner = emit(body)
                if inner:
                    out.append(text.strip() + "{" + "".join(inner) + "}")
            else:
                out.append(text)
        return out

    return "\n".join(emit(tree))


@lru_cache(maxsize=4)
def _parsed_css(css: str) -> tuple:
    """``css`` parsed once (every reviewer page of a run embeds the same stylesheet, and parsing
    it took two thirds of a page's export): items ``("rule", selector text, (classes each of
    its selectors needs, declarations as (name, serialized value, important)))``, ``("block",
    "@media ...", items)`` for ``@media`` and ``@supports``, ``("raw", text, None)`` for any
    other at-rule; :func:`trim_css` keeps what a page can use."""

    def needs(prelude) -> tuple:
        return tuple(frozenset(_SEL_CLASS.findall(_SEL_FUNC.sub("", sel)))
                     for sel in tinycss2.serialize(prelude).split(","))

    def walk(rules) -> tuple:
        out = []
        for r in rules:
            if r.type == "qualified-rule":
                decls = tuple((d.name, tinycss2.serialize(d.value), d.important)
                              for d in tinycss2.parse_blocks_contents(r.content, skip_comments=True,
                                                                      skip_whitespace=True)
                              if d.type == "declaration")
                out.append(("rule", tinycss2.serialize(r.prelude).strip(), (needs(r.prelude), decls)))
            elif r.type == "at-rule":
                if r.at_keyword.lower() in ("media", "supports") and r.content is not None:
                    inner = walk(tinycss2.parse_rule_list(r.content, skip_comments=True, skip_whitespace=True))
                    out.append(("block", f"@{r.at_keyword}{tinycss2.serialize(r.prelude)}", inner))
                else:
                    out.append(("raw", tinycss2.serialize([r]), None))
        return tuple(out)

    return walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _light_styles(page: str) -> str:
    """``page`` with its head's stylesheets as one, trimmed to what the page can use
    (:func:`trim_css`), and each repeated ``<style>`` of its body (every table brings its own)
    written once."""
    head_end = page.find("</head>")
    if head_end < 0:  # pragma: no cover - depends on the nbconvert template
        return page
    head, body = page[:head_end], page[head_end:]
    blocks = list(_STYLE.finditer(head))
    if blocks:
        classes = {c for m in _CLASS_ATTR.finditer(page) for c in (m.group(1) or m.group(2) or "").split()}
        css = trim_css("\n".join(m.group(1) for m in blocks), classes)
        first, parts, at = blocks[0], [], 0
        for m in blocks:
            parts.append(head[at:m.start()])
            if m is first:
                parts.append(f"<style>{css}</style>")
            at = m.end()
        head = "".join(parts) + head[at:]
    seen: set[str] = set()

    def once(m: re.Match) -> str:
        if m.group(1) in seen:
            return ""
        seen.add(m.group(1))
        return m.group(0)

    return head + _STYLE.sub(once, body)


def _nav_html(where: str) -> str:
    return (f'<nav class="kentaudit-nav" aria-label="{html.escape(where)}">'
            f'<a href="{INDEX_LINK}">All reviewer pages of this cycle</a>'
            f'<a href="{APPENDIX_LINK}">The published appendix</a></nav>')


def _join_headings(parts: list[str]) -> str:
    """Headings as one sentence: "A; B; Which is lowest? C" (a question keeps its mark and
    takes no semicolon after it)."""
    out = ""
    for k, t in enumerate(parts):
        out += t if k == 0 else (" " if out.endswith("?") else "; ") + t
    return out


def _holds_and_finding(body: str) -> tuple[str, str, str]:
    """The page's first heading, what it holds (that heading, then its second-level
    headings) and its main finding (the first list item after the "Main findings"
    heading), as plain text."""
    found = list(_HEADING.finditer(body))
    heads = []
    for k, m in enumerate(found):
        lv, text = int(m.group(1)), _strip_tags(m.group(3))
        if not text:
            continue
        if lv == 2:
            # a section the cycle has nothing for (its tables and figures each "not produced for
            # this cycle") is not what the page holds: an authority whose samples do not extend
            # one another was told the page held "Additional cases against initial cases"
            end = next((n.start() for n in found[k + 1:] if int(n.group(1)) <= 2), len(body))
            part = body[m.end():end]
            if _NOT_PRODUCED in part and not _SHOWS.search(part):
                continue
        heads.append((lv, text))
    title = next((t for lv, t in heads if lv == 1), "")
    parts = [t for lv, t in heads if lv == 2 and t not in ("Main findings", "Parameters")]
    holds = title + (": " + _join_headings(parts) if parts else "")
    finding = ""
    m = _FINDINGS_HEAD.search(body)
    if m:
        nxt = _HEADING.search(body, m.end())
        li = _LI.search(body, m.end(), nxt.start() if nxt else len(body))
        if li:
            finding = " ".join(_strip_tags(li.group(1)).split())
    return title, holds, finding


def page_summary(page: str | Path) -> dict[str, str]:
    """``{"heading": ..., "holds": ..., "finding": ...}`` of a reviewer page written by
    :func:`export_notebook_html`: its first heading, what it holds and its main finding
    (empty strings when the page does not say)."""
    try:
        text = Path(page).read_text(encoding="utf-8")
    except OSError:
        return {"heading": "", "holds": "", "finding": ""}
    found = {k: html.unescape(v) for k, v in _META.findall(text[:200_000])}
    return {k: found.get(k, "") for k in ("heading", "holds", "finding")}


#: markdown that explains code, dropped from pages that hide the code
_CODE_ONLY = re.compile(r"tagged\s+`?parameters`?|the cell below", re.I)


#: opening tags of the elements nbconvert makes keyboard-focusable (``tabindex="0"``):
#: cell input wrappers and output areas, so that a reader can scroll a wide output
#: with the keyboard (axe: scrollable-region-focusable)
_FOCUSABLE = re.compile(r'<div\b(?=[^>]*\bclass="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b)'
                        r'(?![^>]*\btabindex=)([^>]*)>')


def _focusable(page: str) -> str:
    """``tabindex="0"`` on the elements nbconvert's exporter makes focusable."""
    return _FOCUSABLE.sub(r'<div\1 tabindex="0">', page)


class _Unparsed(str):
    """Stands in for BeautifulSoup in the last step of nbconvert's HTML export: selects
    no element and prints the page unchanged."""

    def __new__(cls, markup, *_args, **_kw):
        return str.__new__(cls, markup)

    def select(self, _selector):
        return []


_SWAP = threading.Lock()


@lru_cache(maxsize=1)
def _exporter():
    # Building the exporter loads the template and its CSS (most of the export time):
    # one per process is enough, the configuration never changes.

    class ReviewerExporter(HTMLExporter):
        """nbconvert's HTML exporter without the BeautifulSoup pass that ends its
        ``from_notebook_node`` (nbconvert 7). That pass parses the whole page with
        html.parser (0.6 s for a 2 MB page, more than half of an export) only to give
        images without alt text a placeholder and to add ``tabindex="0"`` to inputs and
        outputs. Here nbconvert's own ``from_notebook_node`` runs (its filters, its
        template) with :class:`_Unparsed` in the parser's place; images without alt text
        keep none (they are counted, and fail the run) and :func:`_focusable` adds the
        attribute to the same elements. Tested to give nbconvert's page, element for
        element, apart from the placeholder."""

        def from_notebook_node(self, nb, resources=None, **kw):

            with _SWAP:
                real = html_mod.BeautifulSoup
                html_mod.BeautifulSoup = _Unparsed
                try:
                    page, res = super().from_notebook_node(nb, resources, **kw)
                finally:
                    html_mod.BeautifulSoup = real
            return _focusable(str(page)), res

    return ReviewerExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True,
        exclude_output_prompt=True, embed_images=True, anchor_link_text="¶",
        mathjax_url="", require_js_url="", jquery_url="", widget_renderer_url="",
    )


#: a link to another site: Markdown turns a web address in a label or a finding into one
_LINK_OUT = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?\s*(?:https?:)?//[^>]*>(.*?)</a\s*>""", re.I | re.S)


def unlink_external(page: str) -> str:
    """``page`` with every link to another site replaced by its text.

    A web address written in an authority's label or an auditor's text is turned into a link
    by the notebook's Markdown; a restricted reviewer page must not send its reader (or a
    request) anywhere, so the address stays as text and the page stays offline. The page's
    own links (the index, the appendix, its anchors) are relative and kept."""
    return _LINK_OUT.sub(lambda m: m.group(1), page)


def find_external_loads(text: str) -> list[str]:
    """Snippets of ``text`` that would make a browser fetch something from the network."""
    return [text[max(0, m.start() - 40): m.end() + 60] for m in _EXTERNAL.finditer(text)]


def _strip_tags(s: str) -> str:
    return html.unescape(_TAG.sub("", s)).replace("¶", "").strip()


def _rows(pairs: Iterable[tuple[str, Any]], *, code: bool = False) -> str:
    out = []
    for k, v in pairs:
        v = "" if v is None else str(v)
        cell = f"<code>{html.escape(v)}</code>" if code else html.escape(v)
        out.append(f"<tr><th scope=\"row\">{html.escape(str(k))}</th><td>{cell}</td></tr>")
    return "".join(out)


def _param_rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """A parameter per row: its key as code, its value, or "not set (the default)" for an empty one."""
    out = []
    for k, v in pairs:
        v = "" if v is None else str(v)
        cell = html.escape(v) if v.strip() else "<em>not set (the default)</em>"
        out.append(f"<tr><th scope=\"row\"><code>{html.escape(str(k))}</code></th><td>{cell}</td></tr>")
    return "".join(out)


def _provenance_html(title: str, prov: dict[str, Any], *, index: bool = False) -> str:
    """The banner: title, the restriction, and the run's provenance collapsed under a
    summary (a reviewer reads the page first; the record is one select away)."""
    status = str(prov.get("status", "ok"))
    params = prov.get("params") or {}
    flat = []
    for k, v in params.items():
        if isinstance(v, dict):
            for ik, iv in v.items():
                flat.append((f"{k}.{ik}", ", ".join(map(str, iv)) if isinstance(iv, list) else iv))
        else:
            flat.append((k, ", ".join(map(str, v)) if isinstance(v, list) else v))
    run = [
        ("Cycle", prov.get("cycle")),
        *([] if index else [("Notebook", prov.get("notebook")),
                            (prov.get("unit_label") or "District",
                             prov.get("district") or f"(all {prov.get('units_label') or 'districts'})")]),
        ("Status", None),
        ("Run started (UTC)", prov.get("started_utc")),
        ("Run finished (UTC)", prov.get("finished_utc")),
        ("Git commit", prov.get("git_commit") or "unknown (not a git checkout)"),
        ("Parameter file", prov.get("params_file")),
        ("Parameter file SHA-256", prov.get("params_sha256")),
        ("kentaudit version", prov.get("kentaudit_version")),
    ]
    run_rows = []
    for k, v in run:
        if k == "Status":
            err = prov.get("error")
            txt = html.escape(status) + (f": {html.escape(str(err))}" if err else "")
            run_rows.append(f"<tr><th scope=\"row\">Status</th><td class=\"kentaudit-status-{html.escape(status)}\">{txt}</td></tr>")
        else:
            run_rows.append(_rows([(k, v)]))
    hashes = prov.get("input_hashes") or {}
    err = prov.get("error")
    status_text = html.escape(status) + (f": {html.escape(str(err))}" if err else "")
    return (
        '<header class="kentaudit-provenance" role="banner">'
        f"<h1>{html.escape(title)}</h1>"
        + ('<p class="kentaudit-restricted">Restricted: reviewer pages for internal review. '
           "They may show unsuppressed counts; do not publish them.</p>" if index else
           '<p class="kentaudit-restricted">Restricted: executed notebook for internal review. '
           "It may show unsuppressed counts; do not publish it.</p>")
        # the status (and a failure's error) stays in sight; the record is collapsed
        + f'<p>Status: <span class="kentaudit-status-{html.escape(status)}">{status_text}</span></p>'
        "<details><summary>Run and provenance: times, git commit, parameters, input files "
        "(SHA-256)</summary>"
        f"<table><caption>Run</caption>{''.join(run_rows)}</table>"
        # the parameter file's own keys (a record to re-run from, so named as the file names
        # them, set in code type so no reader takes them for words), a key left out as its default
        f"<table><caption>Parameters, as named in the parameter file</caption>"
        f"{_param_rows(flat)}</table>"
        f"<table><caption>Input files (SHA-256)</caption>{_rows(hashes.items(), code=True)}</table>"
        "</details></header>"
    )


def _toc_html(body: str) -> tuple[str, int]:
    items = []
    for level, hid, inner in _HEADING.findall(body):
        text = _strip_tags(inner)
        if text:
            items.append((int(level), hid, text))
    if not items:
        return '<nav class="kentaudit-toc" aria-label="Contents"><h2>Contents</h2><p>This notebook has no headings.</p></nav>', 0
    top = min(lv for lv, _, _ in items)
    lis = "".join(
        f'<li style="margin-left:{(lv - top) * 1.2}em"><a href="#{html.escape(hid, quote=True)}">{html.escape(t)}</a></li>'
        for lv, hid, t in items)
    return f'<nav class="kentaudit-toc" aria-label="Contents"><h2>Contents</h2><ul>{lis}</ul></nav>', len(items)


def export_notebook_html(notebook_path: str | Path, html_path: str | Path, *,
                         provenance: dict[str, Any] | None = None, title: str | None = None,
                         cycle_title: str | None = None) -> dict[str, Any]:
    """Export an executed notebook to a self-contained reviewer HTML page.

    Parameters
    ----------
    notebook_path : str or Path
        Executed ``.ipynb``.
    html_path : str or Path
        Page to write.
    provenance : dict, optional
        Shown at the top: keys ``cycle``, ``notebook``, ``district``, ``status``,
        ``error``, ``started_utc``, ``finished_utc``, ``git_commit``,
        ``params_file``, ``params_sha256``, ``kentaudit_version``, ``params``
        (:meth:`CycleParams.to_dict`) and ``input_hashes``.
    title : str, optional
        Page title; default the notebook's file name.
    cycle_title : str, optional
        The cycle's title: when given (and ``title`` is not), the page's title is
        ``<cycle_title>: <the page's first heading>``, followed by `` (<district>)``
        (``provenance["district"]``) when the heading does not name it, so a reader
        sees the page's subject in words, never the notebook's file name.

    Returns
    -------
    dict
        ``html`` (path), ``headings`` (number in the contents list), ``images``,
        ``images_without_alt`` (images with no or placeholder alt text) and
        ``external_loads`` (always 0 after export; the page is checked), and from
        :func:`lighten_images` ``images_lightened``, ``image_bytes_before`` and
        ``image_bytes_after``.
    """
    notebook_path, html_path = Path(notebook_path), Path(html_path)
    prov = dict(provenance or {})
    by_heading = cycle_title is not None and not (title or prov.get("title"))
    title = title or prov.get("title") or notebook_path.stem
    nb = nbformat.read(notebook_path, as_version=4)
    # the page hides code, so markdown explaining a code cell (the parameters cell) goes too
    nb.cells = [c for c in nb.cells if not (c.cell_type == "markdown" and _CODE_ONLY.search(c.source))]
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _SCRIPT.sub("", body)
    heading, holds, finding = _holds_and_finding(body)
    if by_heading:
        where = str(prov.get("district") or "")
        name = heading or notebook_path.stem.replace("_", " ").capitalize()
        title = f"{cycle_title}: {name}" + (f" ({where})" if where and where not in name else "")
    head_extra = (f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
                  f'<meta name="kentaudit-heading" content="{html.escape(heading, quote=True)}">'
                  f'<meta name="kentaudit-holds" content="{html.escape(holds, quote=True)}">'
                  f'<meta name="kentaudit-finding" content="{html.escape(finding, quote=True)}">'
                  f"<style>{_CSS}</style>")
    body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>{head_extra}", body,
                  count=1, flags=re.S)
    toc, n_head = _toc_html(body)
    banner = _provenance_html(title, prov)
    top = _nav_html("Other pages (top)") + banner
    if "<main>" in body:
        body = body.replace("<main>", f"{top}{toc}<main>", 1)
    else:  # pragma: no cover - depends on the nbconvert template
        body = re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + top + toc, body, count=1)
    body = body.replace("</main>", "</main>" + _nav_html("Other pages (end)"), 1)
    body = _light_styles(body)
    body, light = lighten_images(body, html_path.parent)
    imgs = _IMG.findall(body)
    no_alt = 0
    for tag in imgs:
        m = _ALT.search(tag)
        alt = (m.group(2) if m and m.group(2) is not None else (m.group(3) if m else "")) or ""
        if not alt.strip() or alt.strip() == NO_ALT_PLACEHOLDER:
            no_alt += 1
    body = unlink_external(body)
    ext = find_external_loads(body)
    if ext:
        # No silent fallback: a page that would load from the network is not written.

        raise KentauditError(f"{notebook_path.name}: reviewer HTML would load from the network: {ext[:3]}")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    return {"html": str(html_path), "headings": n_head, "images": len(imgs),
            "images_without_alt": no_alt, "external_loads": 0,
            "images_lightened": light["lightened"], "image_bytes_before": light["bytes_before"],
            "image_bytes_after": light["bytes_after"]}


def build_index(html_dir: str | Path, pages: list[dict[str, Any]], *, title: str,
                provenance: dict[str, Any] | None = None) -> Path:
    """Write ``index.html`` linking every reviewer page of a cycle with its status.

    Parameters
    ----------
    html_dir : str or Path
        The cycle's ``html/`` folder.
    pages : list of dict
        One per executed notebook: ``notebook``, ``district`` (or None),
        ``status``, ``seconds``, ``error`` and ``html`` (file name in
        ``html_dir``, or None if no page was written).
    title : str
        Cycle title.
    provenance : dict, optional
        As for :func:`export_notebook_html`, shown at the top.

    Returns
    -------
    Path
        The index page.
    """
    html_dir = Path(html_dir)
    rows = []
    failed = any(p.get("error") for p in pages)
    for p in pages:
        about = (page_summary(html_dir / p["html"]) if p.get("html")
                 else {"heading": "", "holds": "", "finding": ""})
        # the page's own heading names it ("District profile (Dover)"); the notebook's file
        # name only where no page was written
        name = (about["heading"] or p["notebook"]) + (f" ({p['district']})" if p.get("district") else "")
        link = (f'<a href="{html.escape(p["html"], quote=True)}">{html.escape(name)}</a>'
                if p.get("html") else html.escape(name))
        holds = about["holds"]
        if about["heading"] and holds.startswith(about["heading"] + ": "):  # the link says it
            holds = holds[len(about["heading"]) + 2:]
        status = str(p.get("status"))
        secs = p.get("seconds")
        rows.append(
            f"<tr><td>{link}</td><td>{html.escape(holds)}</td>"
            f"<td>{html.escape(about['finding'])}</td>"
            f"<td class=\"kentaudit-status-{html.escape(status)}\">{html.escape(status)}</td>"
            f"<td>{'' if secs is None else f'{secs:.1f}'}</td>"
            + (f"<td>{html.escape(str(p.get('error') or ''))}</td>" if failed else "") + "</tr>")
    # a notebook the cycle has no inputs for is not run ("skipped", with why): not a failure
    n_skip = sum(p.get("status") == "skipped" for p in pages)
    n_fail = sum(p.get("status") not in ("ok", "skipped") for p in pages)
    n_run = len(pages) - n_skip
    summary = (f"All {n_run} notebooks ran successfully." if n_fail == 0
               else f"{n_fail} of {n_run} notebooks did not complete; see the table.")
    if n_skip:
        summary += (f" {n_skip} notebook{'s were' if n_skip > 1 else ' was'} not run because this cycle "
                    "does not have what it compares; the table says why.")
    prov = dict(provenance or {})
    prov.setdefault("notebook", "index")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}: reviewer pages</title><style>{_CSS}"
        "body{font-family:system-ui,Arial,sans-serif;margin:0 1em}"
        ".kentaudit-pages{border-collapse:collapse;max-width:1100px;margin:1em auto}"
        ".kentaudit-pages th,.kentaudit-pages td{border:1px solid #b0b0b0;padding:.3em .7em;text-align:left}"
        "</style></head><body>"
        f"{_provenance_html(title, prov, index=True)}<main><h2 id=\"pages\">Reviewer pages</h2>"
        f"<p>{html.escape(summary)}</p>"
        f'<p><a href="{APPENDIX_LINK}">The published appendix</a> (tables and figures after '
        "disclosure control)</p>"
        '<table class="kentaudit-pages"><caption>Executed notebooks of this cycle</caption>'
        "<thead><tr><th scope=\"col\">Page</th><th scope=\"col\">What it holds</th>"
        "<th scope=\"col\">Main finding</th><th scope=\"col\">Status</th>"
        "<th scope=\"col\">Run time (seconds)</th>"
        + ("<th scope=\"col\">Error</th>" if failed else "") + "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></main></body></html>\n"
    )
    html_dir.mkdir(parents=True, exist_ok=True)
    out = html_dir / "index.html"
    out.write_text(page, encoding="utf-8")
    return out
