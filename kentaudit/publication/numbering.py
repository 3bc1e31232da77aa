"""The one numbering of an edition's tables and figures: the number a reader sees is the id.

Table ``T7`` is "Table 7" in the HTML, the PDF, the workbooks (its sheet is named
"Table 7": :func:`sheet_name`), the CSV file ``T7.csv``, the cross-references of the
methods text and the findings: every one of them is generated from the id, never typed. Ids are stable across
editions (fixed by the appendix spec, ``kentaudit/data/appendix_spec.yaml``): a table
that does not apply to a cycle (Table 5, the extension of the 2009 review, in an annual
cycle) leaves its number unused rather than renumbering the tables after it, so "Table
7" is the same table in every edition of the programme. The appendix lists the tables
an edition does not have, with the reason.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ID_PATTERN", "reader_number", "numbering", "numbered_title", "sheet_name", "csv_name"]

#: a table (``T``) or figure (``F``) id: a letter, a number, an optional part letter
ID_PATTERN = re.compile(r"^[TF][0-9]+[a-z]?$")


def reader_number(id_: str) -> str:
    """The reader-facing name of an id: ``T4`` -> ``Table 4``, ``F1`` -> ``Figure 1``,
    ``T3a`` -> ``Table 3a``."""
    if not ID_PATTERN.match(str(id_)):
        raise ValueError(f"{id_!r} is not a table or figure id (T<number> or F<number>).")
    return ("Table " if id_.startswith("T") else "Figure ") + id_[1:]


def numbering(ids: Iterable[str]) -> dict[str, str]:
    """``{id: reader-facing name}`` for an edition's tables and figures (:func:`reader_number`)."""
    return {i: reader_number(i) for i in ids}


def numbered_title(id_: str, title: str) -> str:
    """How a list names a table or figure: ``Table 5 (Compliance by sample)``; another output
    (the PDF, id ``P1``) by its title alone."""
    if not ID_PATTERN.match(str(id_)):
        return title
    # no title: a table about samples this authority does not have (spec.title_for)
    return f"{reader_number(id_)} ({title})" if title else reader_number(id_)


def sheet_name(id_: str) -> str:
    """The workbook sheet of a table: the number a reader sees, ``T5`` -> ``Table 5`` (a
    sheet name of at most 31 characters, without the characters a sheet name may not have)."""
    return reader_number(id_)


def csv_name(id_: str) -> str:
    """The CSV file of a table: its id, ``T5`` -> ``T5.csv`` (a file name without a space)."""
    reader_number(id_)  # refuses what is not an id
    return f"{id_}.csv"
