"""Excel workbook of the appendix, written with gptables (Analysis Function guidance).

gptables 2.0 implements the Government Analysis Function's guidance on
releasing statistics in spreadsheets: a cover sheet, a contents sheet, a
notes sheet, one table per sheet starting in cell A1 with its title, no merged
cells, no blank rows in tables, notes referenced as ``[note N]`` and numbered
in reading order. kentaudit maps each :class:`~kentaudit.pubtable.PublicationTable`
to a ``GPTable`` (sheet name = table id), puts units in the headers, the
legend of the shorthand used (``[c]``) above the table, and neutralises
formula text in every string it writes.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import gptables as gpt
import pandas as pd

from .publish_html import table_number
from .pubtable import AppendixContent, PublicationTable
from .safetext import XLSXWRITER_OPTIONS, neutralise_formula, neutralise_frame

__all__ = ["write_xlsx", "gptable_for"]


def _txt(s):
    return neutralise_formula(s) if isinstance(s, str) else s


def gptable_for(t: PublicationTable) -> gpt.GPTable:
    """The ``GPTable`` of a publication table (headers are the column labels)."""
    disp = neutralise_frame(t.display_frame())
    labels = {c.name: _txt(c.label) for c in t.columns}
    disp = disp.rename(columns=labels)
    units = {labels[c.name]: c.unit for c in t.columns if c.unit}
    title = f"{table_number(t.id)}: {t.title}" + "".join(f"$${k}$$" for k in t.notes)
    legend = [f"{s} = {m}" for s, m in t.legend]
    label_cols = [i for i, c in enumerate(t.columns) if c.kind == "label"][:3]
    index_columns = {lvl: pos for lvl, pos in zip((1, 2, 3)[-len(label_cols):] if label_cols else (), label_cols)}
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
    )


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
    sheets = {t.id: gptable_for(t) for t in content.tables}
    about = [f"{_txt(term)}: {_txt(desc)}" for term, desc in content.methods]
    intro = []
    if content.synthetic:
        intro.append(_txt("Synthetic data: " + content.notes.get("synthetic", "")))
    if content.intro:
        intro.append(_txt(content.intro))
    intro.append("Figures are in the HTML version of this appendix.")
    cover = gpt.Cover(
        title=_txt(content.title),
        intro=intro,
        about=about + ["Assumptions and caveats: " + " ".join(_txt(c) for c in content.caveats)]
        + [f"Not produced for this cycle: {table_number(i)} ({_txt(t)}): {_txt(r)}" for i, t, r in content.skipped],
        contact=[_txt(content.generated)] if content.generated else None,
    )
    ordered = sorted(numbers, key=numbers.get)
    notes_table = pd.DataFrame({
        "Note reference": ordered,
        "Note text": [_txt(content.notes[k]) for k in ordered],
    })
    with warnings.catch_warnings():
        # notes referenced only by figures are listed after the table notes, as numbered
        warnings.filterwarnings("ignore", message="The following notes are not referenced")
        # gptables 2.0.2 uses pandas idioms that pandas 3 deprecates; not ours to fix
        warnings.filterwarnings("ignore", module=r"gptables\..*")
        gpt.write_workbook(
            # gptables refuses an empty notes table (a cycle whose tables carry no notes)
            filename=str(path), sheets=sheets, cover=cover,
            notes_table=notes_table if len(notes_table) else None,
            contentsheet_label="Contents", notesheet_label="Notes",
            # no string becomes a formula ({=...} included), a number or a hyperlink
            workbook_options=dict(XLSXWRITER_OPTIONS),
            contentsheet_options={"additional_elements": ["scope"]} if any(t.scope for t in content.tables) else None,
        )
    return path
