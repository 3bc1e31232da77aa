"""Accessible, self-contained HTML appendix (WCAG 2.2 AA; no network needed).

One ``h1``; ``h2`` sections (contents, tables, figures, notes, legend, methods,
assumptions and caveats) with ``h3`` per table and figure; a skip link; every
table has a ``<caption>``, ``<th scope="col">`` headers (with the column's
name in ``data-column`` and its kind in ``data-kind``, which the publication
check reads) and ``<th scope="row">`` row labels; figures are embedded as data
URIs with ``alt`` text and a ``<figcaption>``. Styles are inlined from
``kentaudit/templates/appendix.css``. Checked with axe-core in
``tests/test_accessibility.py``.
"""
from __future__ import annotations

import base64
import html
import math
from importlib import resources
from pathlib import Path

from .pubtable import SHORTHAND, AppendixContent, PublicationTable

__all__ = ["render_html", "write_html", "table_number"]


def table_number(id_: str) -> str:
    """Reader-facing name of an id: ``T4`` -> ``Table 4``, ``F1`` -> ``Figure 1``."""
    return ("Table " if id_.startswith("T") else "Figure ") + id_[1:]


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _css() -> str:
    return (resources.files("kentaudit") / "templates" / "appendix.css").read_text(encoding="utf-8")


def _fmt(v, decimals=None) -> str:
    if isinstance(v, float) and math.isfinite(v):
        return f"{v:.{decimals}f}" if decimals is not None else repr(v)
    return str(v)


def _note_refs(keys, numbers) -> str:
    if not keys:
        return ""
    links = ", ".join(f'<a href="#note-{numbers[k]}">note {numbers[k]}</a>' for k in keys)
    return f'<p class="meta">See {links}.</p>'


def _table_html(t: PublicationTable, numbers: dict) -> str:
    name = table_number(t.id)
    disp = t.display_frame()
    # the section is not named (so not a landmark); the scrollable wrapper is the named region
    out = [f'<section id="{_e(t.id)}">',
           f'<h3 id="{_e(t.id)}-h">{_e(name)}: {_e(t.title)}</h3>']
    if t.scope:
        out.append(f'<p class="meta">Scope: {_e(t.scope)}</p>')
    if t.source:
        out.append(f'<p class="meta">Source: {_e(t.source)}</p>')
    out.append(_note_refs(t.notes, numbers))
    out.append(f'<div class="table-wrap" role="region" aria-labelledby="{_e(t.id)}-cap" tabindex="0">')
    out.append(f'<table data-table-id="{_e(t.id)}">')
    out.append(f'<caption id="{_e(t.id)}-cap">{_e(name)}: {_e(t.title)}</caption>')
    out.append("<thead><tr>")
    for c in t.columns:
        unit = f' <span class="unit">({_e(c.unit)})</span>' if c.unit else ""
        out.append(f'<th scope="col" data-column="{_e(c.name)}" data-kind="{_e(c.kind)}">{_e(c.label)}{unit}</th>')
    out.append("</tr></thead><tbody>")
    for i in range(len(disp)):
        out.append("<tr>")
        for c in t.columns:
            v = _fmt(disp.at[i, c.name], c.decimals)
            if c.kind == "label":
                out.append(f'<th scope="row">{_e(v)}</th>')
            elif c.kind in ("count", "derived"):
                out.append(f'<td class="num">{_e(v)}</td>')
            else:
                out.append(f"<td>{_e(v)}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    leg = t.legend
    if leg:
        out.append('<p class="meta">Shorthand in this table: ' +
                   "; ".join(f"{_e(s)} {_e(m.split(':')[0])}" for s, m in leg) +
                   ' (see <a href="#legend">legend</a>).</p>')
    out.append("</section>")
    return "\n".join(out)


def _img_src(path) -> str:
    p = Path(path)
    data = p.read_bytes()
    mime = {".png": "image/png", ".svg": "image/svg+xml"}.get(p.suffix.lower())
    if mime is None:
        raise ValueError(f"figure {p}: only .png and .svg figures can be embedded.")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(content: AppendixContent) -> str:
    """The appendix as one self-contained HTML document (string).

    Parameters
    ----------
    content : AppendixContent
        Published (suppressed) tables, figures, notes, methods and caveats.

    Returns
    -------
    str
        UTF-8 HTML5 with inline CSS and images; it loads nothing from a network.
    """
    numbers = content.note_numbers()
    p = ['<!DOCTYPE html>', '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{_e(content.title)}</title>", f"<style>\n{_css()}</style>", "</head>", "<body>",
         '<a class="skip-link" href="#main">Skip to main content</a>',
         '<main id="main" tabindex="-1">', f"<h1>{_e(content.title)}</h1>"]
    if content.synthetic:
        p.append('<p class="banner"><strong>Synthetic data.</strong> ' + _e(content.notes.get(
            "synthetic", "These figures come from synthetic data.")) + "</p>")
    if content.intro:
        p.append(f"<p>{_e(content.intro)}</p>")
    # contents
    p.append('<nav aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2><ol>')
    for t in content.tables:
        p.append(f'<li><a href="#{_e(t.id)}">{_e(table_number(t.id))}: {_e(t.title)}</a></li>')
    for f in content.figures:
        p.append(f'<li><a href="#{_e(f.id)}">{_e(table_number(f.id))}: {_e(f.title)}</a></li>')
    for anchor, label in (("notes", "Notes"), ("legend", "Legend of shorthand"),
                          ("methods", "Methods"), ("caveats", "Assumptions and caveats")):
        p.append(f'<li><a href="#{anchor}">{label}</a></li>')
    p.append("</ol></nav>")
    p.append('<section aria-labelledby="tables-h"><h2 id="tables-h">Tables</h2>')
    for t in content.tables:
        p.append(_table_html(t, numbers))
    if content.skipped:
        p.append('<p>Not produced for this cycle:</p><ul>')
        for id_, title, reason in content.skipped:
            p.append(f"<li>{_e(table_number(id_))} ({_e(title)}): {_e(reason)}</li>")
        p.append("</ul>")
    p.append("</section>")
    if content.figures:
        p.append('<section aria-labelledby="figures-h"><h2 id="figures-h">Figures</h2>')
        for f in content.figures:
            p.append(f'<section id="{_e(f.id)}">'
                     f'<h3 id="{_e(f.id)}-h">{_e(table_number(f.id))}: {_e(f.title)}</h3>'
                     f'<figure><img src="{_img_src(f.path)}" alt="{_e(f.alt)}">'
                     f"<figcaption>{_e(table_number(f.id))}: {_e(f.caption or f.title)}</figcaption>"
                     f"</figure>{_note_refs(f.notes, numbers)}</section>")
        p.append("</section>")
    p.append('<section id="notes" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2><ol>')
    for k, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        p.append(f'<li id="note-{n}" value="{n}">{_e(content.notes[k])}</li>')
    p.append("</ol></section>")
    used = {s for t in content.tables for s, _ in t.legend}
    p.append('<section id="legend" aria-labelledby="legend-h"><h2 id="legend-h">Legend of shorthand</h2>')
    p.append("<dl>" + "".join(f"<dt>{_e(s)}</dt><dd>{_e(m)}</dd>" for s, m in SHORTHAND.items()
                              if s in used or s == "[c]") + "</dl></section>")
    p.append('<section id="methods" aria-labelledby="methods-h"><h2 id="methods-h">Methods</h2><dl>')
    for term, desc in content.methods:
        p.append(f"<dt>{_e(term)}</dt><dd>{_e(desc)}</dd>")
    p.append("</dl></section>")
    p.append('<section id="caveats" aria-labelledby="caveats-h"><h2 id="caveats-h">Assumptions and caveats</h2><ul>')
    for c in content.caveats:
        p.append(f"<li>{_e(c)}</li>")
    p.append("</ul></section></main>")
    if content.generated:
        p.append(f"<footer><p>{_e(content.generated)}</p></footer>")
    p.append("</body></html>")
    return "\n".join(x for x in p if x)


def write_html(path, content: AppendixContent) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_html(content), encoding="utf-8")
    return path
