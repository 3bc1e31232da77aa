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

from kentaudit.core.formatting import P_FLOOR, P_FLOOR_CELL
from kentaudit.publication.members import members_summary
from kentaudit.publication.names import publish_name, published_names
from kentaudit.publication.numbering import numbered_title, reader_number, sheet_name
from kentaudit.publication.table import SHORTHAND, AppendixContent, PublicationTable
from kentaudit.publication.views import (column_parts, constant_columns, legend_symbols,
                                         pivot_districts, profile_words, reader_frame,
                                         reader_headers, sparse_columns)

__all__ = ["render_html", "write_html"]


def _items(texts) -> list[str]:
    """One ``<li>`` line for each text, escaped."""
    return [f"<li>{_e(t)}</li>" for t in texts]


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


#: tables wider than this are printed on a landscape page
WIDE_COLUMNS = 8
#: tables wider than this are printed on a landscape page in a fixed layout and smaller type, so
#: that every column fits its width (Table 16's 23 columns ran past the page's edge)
VERY_WIDE_COLUMNS = 16


def _html_table(dom_id: str, caption: str, headers, frame, *, kinds=None, names=None,
                table_id=None) -> str:
    """One accessible table: caption, column headers with text, first column as row headers."""
    kinds = kinds or {}
    names = names or {}
    wide = (" wide very-wide" if len(headers) > VERY_WIDE_COLUMNS
            else " wide" if len(headers) > WIDE_COLUMNS else "")
    out = [f'<div class="table-wrap{wide}" role="region" aria-labelledby="{_e(dom_id)}-cap" tabindex="0">',
           f'<table data-table-id="{_e(table_id or dom_id)}">',
           f'<caption id="{_e(dom_id)}-cap">{_e(caption)}</caption>', "<thead><tr>"]
    for col, head in headers:
        attrs = ""
        if col in names:
            attrs = f' data-column="{_e(names[col])}" data-kind="{_e(kinds.get(col, ""))}"'
        cls = ' class="num"' if kinds.get(col) in ("count", "derived") else ""
        out.append(f'<th scope="col"{cls}{attrs}>{_e(head)}</th>')
    out.append("</tr></thead><tbody>")
    cols = [c for c, _ in headers]
    first = cols[0]
    for i in range(len(frame)):
        out.append("<tr>")
        for col in cols:
            v = frame.iloc[i][col]
            if col == first:
                out.append(f'<th scope="row">{_e(v)}</th>')
            elif kinds.get(col) in ("count", "derived"):
                out.append(f'<td class="num">{_e(v)}</td>')
            else:
                out.append(f"<td>{_e(v)}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def _shorthand_line(frames) -> str:
    syms = legend_symbols(frames)
    if not syms:
        return ""
    return ('<p class="meta">Shorthand in this table: ' +
            "; ".join(f"{_e(s)} {_e(SHORTHAND[s].split(':')[0])}" for s in syms) +
            ' (see <a href="#legend">legend</a>).</p>')


def _table_html(t: PublicationTable, numbers: dict, names: dict, words: dict) -> tuple[str, list]:
    """The section of one table and the frames it shows (for the legend)."""
    name = names.get(t.id, reader_number(t.id))
    out = [f'<section id="{_e(t.id)}">',
           f'<h3 id="{_e(t.id)}-h">{_e(name)}: {_e(t.title)}</h3>']
    if t.scope:
        out.append(f'<p class="meta">Scope: {_e(t.scope)}</p>')
    if t.source:
        out.append(f'<p class="meta">Source: {_e(t.source)}</p>')
    out.append(f'<p class="meta">Also as <a href="csv/{_e(t.id)}.csv">csv/{_e(t.id)}.csv</a> and on sheet '
               f'"{_e(sheet_name(t.id))}" of the spreadsheets.</p>')
    out.append(_note_refs(t.notes, numbers))
    kinds = {c.name: c.kind for c in t.columns}
    frames = []
    if {"criterion", "area", "district", "estimate"} <= set(kinds) and t.data["criterion"].nunique() > 1:
        parts = pivot_districts(t, words)
        w = profile_words(words)
        out.append(f'<p class="meta">Compliance (%) of each {_e(w.unit)}, {_e(w.area)} and {_e(w.authority)} '
                   f"on each criterion, {_e(w.units)} down and criteria across. \u25bc: below and \u25b2: above the 99.8% funnel "
                   "limits around the audit standard. Counts, intervals and adjusted p-values are in the "
                   "CSV file and the spreadsheets.</p>")
        for k, (suffix, f) in enumerate(parts, start=1):
            cap = f"{name}: {t.title}" + (f" ({suffix})" if suffix else "")
            hk = {c: ("label" if c in (w.Area, w.Unit) else "derived") for c in f.columns}
            # district first: it names the row
            cols = [w.Unit, w.Area] + [c for c in f.columns if c not in (w.Area, w.Unit)]
            out.append(_html_table(f"{t.id}-{k}", cap, [(c, c) for c in cols], f, kinds=hk,
                                   table_id=f"{t.id}-view-{k}"))
            frames.append(f)
    else:
        frame = reader_frame(t, words)
        # a method column saying the same on every row is said once, above the table
        same = constant_columns(t, frame)
        out.append(_said_once_html(same))
        drop = {c for c, _, _ in same}
        heads = [(c, h) for c, h in reader_headers(t) if c not in drop]
        parts = column_parts(t, heads)
        # data-column: the column's name as its CSV publishes it (the authority's words)
        pub = published_names(profile_words(words), [c.name for c in t.columns])
        sparse, applies = sparse_columns(t, frame, heads) if len(parts) == 1 else ([], [])
        if sparse:
            out.append(_sparse_parts(t, name, frame, heads, sparse, applies, kinds, pub))
            parts = []
        if len(parts) > 1:
            # a table too wide to read on one page is shown in parts, one identity: every
            # part is the table's, its caption says which part, and each part repeats the
            # columns that name its rows
            first = [h for c, h in parts[0] if kinds.get(c) == "label"]
            out.append(f'<p class="meta">{_e(name)} is shown in {len(parts)} parts, each repeating '
                       f"the columns that name its rows ({_e(', '.join(first))}); the CSV file and the "
                       "spreadsheets hold it whole.</p>")
        for k, part in enumerate(parts, start=1):
            cap = f"{name}: {t.title}" + (f" (part {k} of {len(parts)})" if len(parts) > 1 else "")
            out.append(_html_table(t.id if len(parts) == 1 else f"{t.id}-part-{k}", cap, part, frame,
                                   kinds=kinds, names={c.name: publish_name(c.name, pub) for c in t.columns},
                                   table_id=t.id if len(parts) == 1 else f"{t.id}-part-{k}"))
        frames.append(frame)
    out.append(_shorthand_line(frames))
    out.append("</section>")
    return "\n".join(x for x in out if x), frames


def _data_table_html(f, content: AppendixContent, names: dict, headline: str | None) -> tuple[str, list]:
    spec = getattr(f, "data_table", None) or {}
    by = {t.id: t for t in content.tables}
    t = by.get(spec.get("table"))
    if t is None:
        return "", []
    frame = reader_frame(t, content.words)
    keep = list(range(len(t.data)))
    if spec.get("criterion") == "headline" and headline and "criterion" in t.data.columns:
        keep = [i for i in keep if str(t.data.at[i, "criterion"]) == headline]
    if "district" in t.data.columns:
        w = profile_words(content.words)
        keep = [i for i in keep if str(t.data.at[i, "district"]) != w.all_units
                or str(t.data.at[i, "area"]) == w.authority]
    frame = frame.iloc[keep].reset_index(drop=True)
    # as beside a table: a column saying one thing on every row of the data is said once
    same = constant_columns(t, frame)
    drop = {c for c, _, _ in same}
    heads = [(c, h) for c, h in reader_headers(t)
             if not (c == "criterion_label" and spec.get("criterion")) and c not in drop]
    kinds = {c.name: c.kind for c in t.columns}
    cap = f"Data for {names.get(f.id, f.id)}, from {names.get(t.id, t.id)}"
    pub = published_names(profile_words(content.words), [c.name for c in t.columns])
    said = _said_once_html(same)
    return said + _html_table(f"{f.id}-data", cap, heads, frame, kinds=kinds,
                              names={c: publish_name(c, pub) for c, _ in heads}, table_id=f"{f.id}-data"), [frame]


def _sparse_parts(t, name, frame, heads, sparse, applies, kinds, pub) -> str:
    """A table whose columns ``sparse`` apply to the rows ``applies`` only
    (:func:`kentaudit.publication.views.sparse_columns`): part 1 every row without them, part 2
    those rows with the columns that name them and the sparse columns, under one number."""
    drop = {c for c, _ in sparse}
    first = [(c, h) for c, h in heads if c not in drop]
    second = [(c, h) for c, h in heads if kinds.get(c) == "label"] + list(sparse)
    said = ", ".join(h for _, h in sparse)
    names = {c.name: publish_name(c.name, pub) for c in t.columns}
    out = [f'<p class="meta">{_e(name)} is shown in 2 parts: {_e(said)} apply to {len(applies)} of its '
           f"{len(frame)} rows only (not applicable on the others), shown in part 2 beside the columns that "
           "name those rows; the CSV file and the spreadsheets hold it whole.</p>"]
    for k, (part, rows) in enumerate(((first, frame), (second, frame.iloc[applies].reset_index(drop=True))),
                                     start=1):
        cap = f"{name}: {t.title} (part {k} of 2)"
        out.append(_html_table(f"{t.id}-part-{k}", cap, part, rows, kinds=kinds, names=names,
                               table_id=f"{t.id}-part-{k}"))
    return "\n".join(out)


def _said_once_html(same) -> str:
    """The line that says once what a column says on every row (:func:`constant_columns`)."""
    if not same:
        return ""
    return '<p class="meta">' + "; ".join(f"{_e(h)}, on every row: {_e(v)}" for _, h, v in same) + ".</p>"


def _img_src(path) -> str:
    p = Path(path)
    data = p.read_bytes()
    mime = {".png": "image/png", ".svg": "image/svg+xml"}.get(p.suffix.lower())
    if mime is None:
        raise ValueError(f"figure {p}: only .png and .svg figures can be embedded.")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


_PUB_FIELDS = (("producer", "Producer"), ("contact", "Contact"), ("publication_date", "Published"),
               ("next_update", "Next update"), ("status", "Status"))


def _publication_html(pub: dict) -> str:
    rows = []
    for key, label in _PUB_FIELDS:
        if key == "contact":
            name, email = pub.get("contact_name"), pub.get("contact_email")
            if not (name or email):
                continue
            v = _e(name or "") + (f' (<a href="mailto:{_e(email)}">{_e(email)}</a>)' if email else "")
        else:
            if not pub.get(key):
                continue
            v = _e(pub[key])
        rows.append(f"<dt>{label}</dt><dd>{v}</dd>")
    return f'<dl class="release">{"".join(rows)}</dl>' if rows else ""


def _members_html(m: dict) -> str:
    """The members' one-page summary of the actions (:func:`~kentaudit.publication.members.members_summary`),
    on a page of its own when printed."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in m["headers"])
    body = "".join("<tr>" + f'<th scope="row">{_e(r[0])}</th>' + "".join(f"<td>{_e(v)}</td>" for v in r[1:])
                   + "</tr>" for r in m["rows"])
    return (f'<section id="members" class="members-summary" aria-labelledby="members-h">'
            f'<h2 id="members-h">{_e(m["title"])}</h2><p>{_e(m["intro"])}</p>'
            f'<div class="table-wrap" role="region" aria-labelledby="members-cap" tabindex="0"><table>'
            f'<caption id="members-cap">{_e(m["title"])}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table></div><p class="meta">{_e(m["note"])}</p></section>')


def render_html(content: AppendixContent) -> str:
    """The appendix as one self-contained HTML document (string).

    Parameters
    ----------
    content : AppendixContent
        Published (suppressed) tables, figures, notes, methods, caveats, the main
        findings, the release details and the files it is also published as.

    Returns
    -------
    str
        UTF-8 HTML5 with inline CSS and images; it loads nothing from a network.
        The print stylesheet lays it out on A4 (wide tables on landscape pages,
        table headers repeated on each page) for the PDF committee pack.
    """
    numbers = content.note_numbers()
    names = content.numbers()
    headline = (content.publication or {}).get("headline_criterion")
    p = ['<!DOCTYPE html>', '<html lang="en-GB">', "<head>", '<meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{_e(content.title)}</title>", f"<style>\n{_css()}</style>", "</head>", "<body>",
         '<a class="skip-link" href="#main">Skip to main content</a>',
         '<main id="main" tabindex="-1">', f"<h1>{_e(content.title)}</h1>"]
    p.append(_publication_html(content.publication or {}))
    if content.synthetic:
        p.append('<p class="banner"><strong>Synthetic data.</strong> ' + _e(content.notes.get(
            "synthetic", "These figures come from synthetic data.")) + "</p>")
    if content.intro:
        p.append(f"<p>{_e(content.intro)}</p>")
    if content.downloads:
        p.append('<p>Also published as: ' + ", ".join(
            f'<a href="{_e(f)}">{_e(label)}</a>' for f, label in content.downloads) + ".</p>")
    if content.findings:
        p.append('<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Main findings</h2>'
                 '<p class="meta">Written from the tables below; every number is a cell of a table '
                 "or a count of its rows.</p><ul>")
        p += _items(f.text for f in content.findings)
        p.append("</ul></section>")
    members = members_summary(content.tables, (content.publication or {}).get("confidence_level"),
                              content.words)
    if members:
        p.append(_members_html(members))
    # contents
    p.append('<nav aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2><ol>')
    if content.findings:
        p.append('<li><a href="#findings">Main findings</a></li>')
    if members:
        p.append(f'<li><a href="#members">{_e(members["title"])}</a></li>')
    for t in content.tables:
        p.append(f'<li><a href="#{_e(t.id)}">{_e(names[t.id])}: {_e(t.title)}</a></li>')
    for f in content.figures:
        p.append(f'<li><a href="#{_e(f.id)}">{_e(names[f.id])}: {_e(f.title)}</a></li>')
    for anchor, label in (("notes", "Notes"), ("legend", "Legend of shorthand"),
                          ("methods", "Methods"), ("caveats", "Assumptions and caveats")):
        p.append(f'<li><a href="#{anchor}">{label}</a></li>')
    p.append("</ol></nav>")
    p.append('<section aria-labelledby="tables-h"><h2 id="tables-h">Tables</h2>')
    shown = []
    for t in content.tables:
        sec, frames = _table_html(t, numbers, names, content.words)
        p.append(sec)
        shown += frames
    if content.skipped:
        p.append('<p>Not produced for this cycle:</p><ul>')
        p += _items(f"{numbered_title(i, title)}: {reason}" for i, title, reason in content.skipped)
        p.append("</ul>")
    p.append("</section>")
    if content.figures:
        p.append('<section aria-labelledby="figures-h">')
        for k, f in enumerate(content.figures):
            data, frames = _data_table_html(f, content, names, headline)
            shown += frames
            # the heading opens the first figure's own section, so that it is printed on that
            # figure's page: a figure with a wide data table turns its section to a landscape
            # page, and a heading before it was left alone on a blank portrait page
            heading = '<h2 id="figures-h">Figures</h2>' if k == 0 else ""
            p.append(f'<section id="{_e(f.id)}" class="figure-section">{heading}'
                     f'<h3 id="{_e(f.id)}-h">{_e(names[f.id])}: {_e(f.title)}</h3>'
                     f'<figure aria-labelledby="{_e(f.id)}-h"><img src="{_img_src(f.path)}" alt="{_e(f.alt)}">'
                     # the heading above is the figure's one title: the caption says how to read it
                     + (f"<figcaption>{_e(f.caption)}</figcaption>" if f.caption and f.caption != f.title else "")
                     + f"</figure>{_note_refs(f.notes, numbers)}{data}</section>")
        p.append("</section>")
    p.append('<section id="notes" aria-labelledby="notes-h"><h2 id="notes-h">Notes</h2><ol>')
    for k, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        p.append(f'<li id="note-{n}" value="{n}">{_e(content.notes[k])}</li>')
    p.append("</ol></section>")
    used = set(legend_symbols(shown)) | {"[c]"}
    p.append('<section id="legend" aria-labelledby="legend-h"><h2 id="legend-h">Legend of shorthand</h2>')
    p.append("<dl>" + "".join(f"<dt>{_e(s)}</dt><dd>{_e(m)}</dd>" for s, m in SHORTHAND.items()
                              if s in used)
             + "<dt>\u25bc, \u25b2</dt><dd>below, above the 99.8% funnel limits around the audit standard "
               f"({_e(profile_words(content.words).unit)} tables)</dd><dt>{_e(P_FLOOR_CELL)}</dt><dd>a p-value below {P_FLOOR:g}</dd></dl>"
               "</section>")
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
