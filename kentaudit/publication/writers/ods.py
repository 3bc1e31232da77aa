"""OpenDocument spreadsheet of the appendix (GOV.UK's open standard for spreadsheets).

The same structure as the Excel workbook (:mod:`kentaudit.publication.writers.xlsx`, which
gptables writes; gptables cannot write ODS): a Cover sheet (title, status,
producer, dates, what each sheet holds, findings, methods, contact), a Contents
sheet, a Notes sheet, then one sheet per table named by its id, the title in A1,
then the instructions, legend, scope and source, then the table with one header
row. Numbers are numbers, shown with the same formats (whole numbers for counts,
the declared decimals for percentages, three for p-values); shorthand is text.
Written with odfpy; every string is neutralised against formulas.
"""
from __future__ import annotations

from pathlib import Path

from odf.dc import Creator, Description, Language, Subject, Title
from odf.meta import Keyword
from odf.number import Number, NumberStyle
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableCellProperties, TableColumnProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import P

from kentaudit.core.formatting import P_FLOOR, P_FLOOR_CELL
from kentaudit.core.safetext import neutralise_formula
from kentaudit.publication.numbering import sheet_name
from kentaudit.publication.table import SHORTHAND, AppendixContent
from kentaudit.publication.views import REAL_UNITS
from kentaudit.publication.writers.xlsx import cover_lines, number_format, properties, sheet_frame

__all__ = ["write_ods"]


def _t(s) -> str:
    return neutralise_formula(str(s)) if s is not None else ""


class _Styles:
    def __init__(self, doc):
        self.doc = doc
        self.num = {}
        self.title = Style(name="title", family="table-cell")
        self.title.addElement(TextProperties(fontsize="14pt", fontweight="bold"))
        doc.automaticstyles.addElement(self.title)
        self.head = Style(name="head", family="table-cell")
        self.head.addElement(TextProperties(fontweight="bold"))
        self.head.addElement(TableCellProperties(borderbottom="0.5pt solid #000000"))
        doc.automaticstyles.addElement(self.head)
        self.wide = Style(name="wide", family="table-column")
        self.wide.addElement(TableColumnProperties(columnwidth="6cm"))
        doc.automaticstyles.addElement(self.wide)

    def number(self, fmt: str):
        if fmt not in self.num:
            k = len(self.num)
            decimals = len(fmt.split(".")[1]) if "." in fmt else 0
            ns = NumberStyle(name=f"N{k}")
            ns.addElement(Number(decimalplaces=decimals, minintegerdigits=1,
                                 grouping="true" if "," in fmt else "false"))
            self.doc.automaticstyles.addElement(ns)
            cs = Style(name=f"C{k}", family="table-cell", datastylename=f"N{k}")
            self.doc.automaticstyles.addElement(cs)
            self.num[fmt] = cs
        return self.num[fmt]


def _text_cell(v, style=None) -> TableCell:
    kw = {"valuetype": "string"}
    if style is not None:
        kw["stylename"] = style
    c = TableCell(**kw)
    c.addElement(P(text=_t(v)))
    return c


def _row(cells) -> TableRow:
    r = TableRow()
    for c in cells:
        r.addElement(c)
    return r


def _lines_sheet(name, lines, st, title_first=True) -> Table:
    tab = Table(name=name)
    tab.addElement(TableColumn(stylename=st.wide))
    for k, line in enumerate(lines):
        tab.addElement(_row([_text_cell(line, st.title if (k == 0 and title_first) else None)]))
    return tab


def _grid_sheet(name, title, header, rows, st) -> Table:
    tab = Table(name=name)
    tab.addElement(TableColumn(stylename=st.wide, numbercolumnsrepeated=max(1, len(header))))
    tab.addElement(_row([_text_cell(title, st.title)]))
    tab.addElement(_row([_text_cell(h, st.head) for h in header]))
    for r in rows:
        tab.addElement(_row([_text_cell(v) for v in r]))
    return tab


def write_ods(path, content: AppendixContent) -> Path:
    """Write ``appendix.ods``: Cover, Contents, Notes, then one sheet per table.

    Returns
    -------
    Path
    """
    path = Path(path)
    doc = OpenDocumentSpreadsheet()
    props = properties(content)
    doc.meta.addElement(Title(text=_t(props["title"])))
    doc.meta.addElement(Subject(text=_t(props["subject"])))
    doc.meta.addElement(Creator(text=_t(props["author"])))
    doc.meta.addElement(Description(text=_t(props["comments"])))
    doc.meta.addElement(Language(text=props["language"]))
    doc.meta.addElement(Keyword(text=_t(props["keywords"])))
    st = _Styles(doc)
    names = content.numbers()
    numbers = content.note_numbers()

    cl = cover_lines(content)
    lines = [content.title, *cl["intro"], "About these data", *cl["about"], "Contact", *cl["contact"]]
    doc.spreadsheet.addElement(_lines_sheet("Cover", lines, st))
    doc.spreadsheet.addElement(_grid_sheet(
        "Contents", "Table of contents", ["Sheet name", "Table description", "Scope"],
        [[sheet_name(t.id), f"{names[t.id]}: {t.title}", t.scope or ""] for t in content.tables], st))
    ordered = sorted(numbers, key=numbers.get)
    doc.spreadsheet.addElement(_grid_sheet(
        "Notes", "Notes", ["Note number", "Note text"],
        [[f"note {numbers[k]}", content.notes[k]] for k in ordered], st))

    for t in content.tables:
        frame = sheet_frame(t, content.words)
        tab = Table(name=sheet_name(t.id))
        tab.addElement(TableColumn(stylename=st.wide, numbercolumnsrepeated=len(t.columns)))
        notes = "".join(f" [note {numbers[k]}]" for k in t.notes if k in numbers)
        tab.addElement(_row([_text_cell(f"{names[t.id]}: {t.title}{notes}", st.title)]))
        tab.addElement(_row([_text_cell("This worksheet contains one table. Some cells may refer to "
                                        "notes, which can be found on the notes worksheet.")]))
        present = {v for v in frame.to_numpy().ravel() if isinstance(v, str)}
        for s, m in SHORTHAND.items():
            if s in present:
                tab.addElement(_row([_text_cell(f"{s} = {m}")]))
        if P_FLOOR_CELL in present:
            tab.addElement(_row([_text_cell(f"{P_FLOOR_CELL} = a p-value below {P_FLOOR:g}")]))
        if t.scope:
            tab.addElement(_row([_text_cell(f"Scope: {t.scope}")]))
        if t.source:
            tab.addElement(_row([_text_cell(f"Source: {t.source}")]))
        heads = [c.label + (f" ({REAL_UNITS[c.unit]})" if c.unit in REAL_UNITS else "") for c in t.columns]
        tab.addElement(_row([_text_cell(h, st.head) for h in heads]))
        values = {c.name: frame[c.name].tolist() for c in t.columns}  # not a lookup per cell
        fmts = {c.name: number_format(c) for c in t.columns}
        for i in range(len(frame)):
            cells = []
            for c in t.columns:
                v = values[c.name][i]
                fmt = fmts[c.name]
                if fmt and (i, c.name) in getattr(t, "cell_decimals", {}):  # coarser rounding of this cell
                    d = t.cell_decimals[(i, c.name)]
                    fmt = "0" if d == 0 else "0." + "0" * d
                if fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
                    cell = TableCell(valuetype="float", value=repr(float(v)), stylename=st.number(fmt))
                    shown = f"{float(v):,.{len(fmt.split('.')[1]) if '.' in fmt else 0}f}"
                    cell.addElement(P(text=shown.replace(",", "") if "," not in fmt else shown))
                    cells.append(cell)
                else:
                    cells.append(_text_cell("" if v is None else v))
            tab.addElement(_row(cells))
        doc.spreadsheet.addElement(tab)
    doc.save(str(path))
    return path
