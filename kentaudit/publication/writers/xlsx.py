"""Excel workbook of the appendix, written with gptables (Analysis Function guidance).

gptables 2.0 implements the Government Analysis Function's guidance on
releasing statistics in spreadsheets: a cover sheet, a contents sheet, a
notes sheet, one table per sheet starting in cell A1 with its title, no merged
cells, no blank rows in tables, notes referenced as ``[note N]`` and numbered
in reading order. kentaudit maps each :class:`~kentaudit.publication.table.PublicationTable`
to a ``GPTable`` (sheet name = table id), puts units in the headers, the
legend of the shorthand used (``[c]``) above the table, and neutralises
formula text in every string it writes.
"""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import gptables as gpt
import pandas as pd

from kentaudit.core.formatting import P_FLOOR, P_FLOOR_CELL
from kentaudit.core.safetext import XLSXWRITER_OPTIONS, neutralise_formula, neutralise_frame
from kentaudit.publication.numbering import numbered_title, reader_number, sheet_name
from kentaudit.publication.table import SHORTHAND, AppendixContent, PublicationTable
from kentaudit.publication.views import (REAL_UNITS, csv_frame, legend_symbols, reader_p,
                                         reader_value)

__all__ = ["write_xlsx", "gptable_for", "cover_lines", "properties", "number_format", "sheet_frame"]


def _txt(s):
    return neutralise_formula(s) if isinstance(s, str) else s


def number_format(c) -> str | None:
    """Excel number format of a column kind: whole numbers for counts, the declared
    decimals for derived figures (one for percentages), three for p-values."""
    if c.kind == "count":
        return "#,##0"
    if c.kind == "derived":
        if (c.unit or "") == "p-value":
            return "0.000"
        d = c.decimals if c.decimals is not None else 1
        return "0" if d == 0 else "0." + "0" * d
    return None


def sheet_frame(t: PublicationTable, words=None) -> pd.DataFrame:
    """The cells of a table's sheet: numbers as numbers (formatted by :func:`number_format`),
    shorthand and ``<0.001`` as text, criterion ids and samples in words (the code kept
    beside the description)."""
    disp = reader_p(t, csv_frame(t))
    out = pd.DataFrame(index=disp.index)
    for c in t.columns:
        vals = []
        for v in disp[c.name]:
            if c.kind == "label":
                vals.append(reader_value(c.name, v, words or {}) if c.name != "criterion" or
                            "criterion_label" not in disp.columns else v)
            elif c.kind in ("count", "derived") and isinstance(v, str):
                try:
                    vals.append(float(v) if c.kind == "derived" else int(v))
                except ValueError:
                    vals.append(v)
            else:
                vals.append(v)
        out[c.name] = pd.Series(vals, index=disp.index, dtype=object)
    return out


def gptable_for(t: PublicationTable, name: str | None = None, words=None) -> gpt.GPTable:
    """The ``GPTable`` of a publication table (headers are the column labels)."""
    disp = neutralise_frame(sheet_frame(t, words))
    labels = {c.name: _txt(c.label) for c in t.columns}
    disp = disp.rename(columns=labels)
    units = {labels[c.name]: REAL_UNITS[c.unit] for c in t.columns if c.unit in REAL_UNITS}
    title = f"{name or reader_number(t.id)}: {t.title}" + "".join(f"$${k}$$" for k in t.notes)
    legend = [f"{s} = {SHORTHAND[s]}" for s in legend_symbols([disp])]
    if any(isinstance(v, str) and v == P_FLOOR_CELL for v in disp.to_numpy().ravel()):
        legend.append(f"{P_FLOOR_CELL} = a p-value below {P_FLOOR:g}")
    label_cols = [i for i, c in enumerate(t.columns) if c.kind == "label"][:3]
    index_columns = {lvl: pos for lvl, pos in zip((1, 2, 3)[-len(label_cols):] if label_cols else (), label_cols)}
    fmts = []
    for j, c in enumerate(t.columns):
        nf = number_format(c)
        if nf:
            fmts.append({"column": {"columns": [j], "format": {"num_format": nf}, "include_names": False}})
    # a cell published at fewer decimals than its column (disclosure control's coarser rounding);
    # one entry a cell: gptables formats only the last cell of a list; row 0 holds the headers
    for (i, col), d in sorted(getattr(t, "cell_decimals", {}).items()):
        j = next(q for q, c in enumerate(t.columns) if c.name == col)
        fmts.append({"cell": {"cells": [(int(i) + 1, j)],
                              "format": {"num_format": "0" if d == 0 else "0." + "0" * d}}})
    return gpt.GPTable(
        table=disp.reset_index(drop=True),
        table_name=f"table_{t.id}",
        title=_txt(title),
        scope=_txt(t.scope),
        source=_txt(t.source),
        units=units or None,
        legend=[_txt(x) for x in legend],
        index_columns=index_columns,
        instructions="This worksheet contains one table. Some cells may refer to notes, "
                     "which can be found on the notes worksheet.",
        additional_formatting=fmts,
    )


def cover_lines(content: AppendixContent) -> dict:
    """The cover of the spreadsheets (XLSX and ODS): ``intro``, ``about`` and ``contact``
    lines - what the release is, its status and dates, what each sheet holds, the
    main findings, how it was made and whom to ask."""
    pub = content.publication or {}
    intro = []
    if content.synthetic:
        intro.append("Synthetic data: " + content.notes.get("synthetic", ""))
    if content.intro:
        intro.append(content.intro)
    intro += [f"Status: {pub.get('status') or 'not stated'}",
              f"Producer: {pub.get('producer') or 'not stated'}",
              f"Publication date: {pub.get('publication_date') or 'not stated'}",
              f"Next update: {pub.get('next_update') or 'not stated'}",
              "Figures are in the HTML and PDF versions of this appendix."]
    about = ["Sheets in this workbook: Cover (this sheet); Contents (a list of the tables); "
             "Notes (the notes the tables refer to)"]
    about += [f"Sheet {sheet_name(t.id)}: {t.title}" for t in content.tables]
    if content.findings:
        about.append("Main findings:")
        about += [f.text for f in content.findings]
    about += [f"{term}: {desc}" for term, desc in content.methods]
    about.append("Assumptions and caveats: " + " ".join(content.caveats))
    about += [f"Not produced for this cycle: {numbered_title(i, t)}: {r}" for i, t, r in content.skipped]
    contact = []
    if pub.get("contact_name"):
        contact.append(f"Contact: {pub['contact_name']}")
    if pub.get("contact_email"):
        contact.append(f"Email: {pub['contact_email']}")
    if pub.get("producer"):
        contact.append(f"Producer: {pub['producer']}")
    if content.generated:
        contact.append(content.generated)
    return {"intro": [_txt(x) for x in intro], "about": [_txt(x) for x in about],
            "contact": [_txt(x) for x in contact] or ["Contact: not stated"]}


def properties(content: AppendixContent) -> dict:
    """Workbook properties (title, author, subject, language, keywords, comments)."""
    pub = content.publication or {}
    return {"title": content.title, "subject": "Statistical appendix of a case-file audit cycle",
            # the producer: the appendix's cover (publication.producer, else the profile's name)
            "author": pub.get("producer") or "not stated",
            "company": pub.get("producer") or "not stated",
            # the release's own status, never a claim it does not make ("official statistics")
            "keywords": ", ".join(["child protection", "case-file audit",
                                   *([str(pub["status"])] if pub.get("status") else []), "kentaudit"]),
            "comments": f"Status: {pub.get('status') or 'not stated'}. {content.generated}".strip(),
            "language": "en-GB", "category": str(pub.get("status") or "")}


def write_xlsx(path, content: AppendixContent) -> Path:
    """Write the appendix workbook: Cover, Contents, Notes, then one sheet per table.

    Parameters
    ----------
    path : path-like
        ``.xlsx`` file to write.
    content : AppendixContent
        Published (suppressed) tables and the notes, methods and caveats.

    Returns
    -------
    Path
    """
    path = Path(path)
    numbers = content.note_numbers()
    names = content.numbers()
    sheets = {sheet_name(t.id): gptable_for(t, names[t.id], content.words) for t in content.tables}
    cl = cover_lines(content)
    cover = gpt.Cover(title=_txt(content.title), intro=cl["intro"], about=cl["about"], contact=cl["contact"])
    ordered = sorted(numbers, key=numbers.get)
    # gptables refuses an all-empty notes table; an edition without notes has no notes sheet
    notes_table = pd.DataFrame({
        "Note reference": ordered,
        "Note text": [_txt(content.notes[k]) for k in ordered],
    }) if ordered else None
    with warnings.catch_warnings():
        # notes referenced only by figures are listed after the table notes, as numbered
        warnings.filterwarnings("ignore", message="The following notes are not referenced")
        # gptables 2.0.2 uses pandas idioms that pandas 3 deprecates; not ours to fix
        warnings.filterwarnings("ignore", module=r"gptables\..*")
        wb = gpt.produce_workbook(
            filename=str(path), sheets=sheets, cover=cover, notes_table=notes_table,
            contentsheet_label="Contents", notesheet_label="Notes" if ordered else None,
            contentsheet_options={"additional_elements": ["scope"]} if any(t.scope for t in content.tables) else None,
            workbook_options=dict(XLSXWRITER_OPTIONS),
        )
        p = properties(content)
        wb.set_properties({k: v for k, v in p.items() if k != "language"})
        wb.set_custom_property("Language", p["language"])
        wb.close()
    _set_language(path, p["language"])
    return path


def _set_language(path: Path, lang: str) -> None:
    """Write ``dc:language`` into the workbook's core properties (xlsxwriter has no setting)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/core.xml" and b"<dc:language>" not in data:
                data = data.replace(b"</cp:coreProperties>",
                                    f"<dc:language>{lang}</dc:language></cp:coreProperties>".encode())
            zout.writestr(item, data)
    tmp.replace(path)
