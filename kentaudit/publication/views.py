"""What a reader of the appendix sees: words for codes, real units, p-values.

The publication tables (:mod:`kentaudit.publication.table`) hold the disclosure-controlled
figures with machine labels (criterion ids, sample names as stored). This module
turns one into the table a person reads, the same way for the HTML, PDF, XLSX and
ODS appendix:

* criterion ids become the catalogue's descriptions (the CSV keeps both columns);
  samples are named by their labels in the cycle's profile;
* p-values read ``<0.001`` below 0.001 and three decimals otherwise; a test that
  could not be done (a denominator of 0, or no discordant pairs) is ``[z]`` (not
  applicable), never ``1.000``;
* units are shown in a header only when they are units (``%``, percentage points);
  "p-value", "kappa" and "band" are what the column is, not units;
* tables and figures are numbered by their ids (:mod:`kentaudit.publication.numbering`);
  the stable id (``T7``) names the CSV file and the workbook sheet;
* a district x criterion table is pivoted for reading (:func:`pivot_districts`):
  districts down, criteria across, in parts narrow enough for an A4 page.

Nothing here computes a figure: every number shown is a cell of the published
table, formatted.
"""
from __future__ import annotations

import math

import pandas as pd

from kentaudit.core.formatting import as_number, format_p
from kentaudit.inputs.profile import Words
from kentaudit.publication.table import SHORTHAND, PublicationTable
from kentaudit.report.tables import default_words

__all__ = ["profile_words", "REAL_UNITS", "mark_untestable", "reader_p", "reader_value", "reader_frame",
           "reader_headers", "csv_frame", "pivot_districts", "legend_symbols", "format_p_cell",
           "PIVOT_PART", "STATUS_WORDS", "constant_columns", "column_parts", "PART_COLUMNS",
           "sparse_columns"]

#: units worth showing in a header (others, such as "p-value", are what the column is)
REAL_UNITS = {"%": "%", "percentage points": "percentage points", "% of cycles": "% of cycles",
              "% of charts": "% of charts"}
#: criteria per part of a pivoted district x criterion table (fits A4 landscape)
PIVOT_PART = 5
#: columns of a table printed in one part at most: a wider table is shown in parts (column
#: groups), each repeating the columns that name its rows (:func:`column_parts`); Table 16's 23
#: columns on one landscape page needed 6.5 pt type and wrapped headers letter by letter
PART_COLUMNS = 14
#: the text columns that name how a row was calculated: when every row says the same, the
#: reader's view states it once beside the table instead (:func:`constant_columns`)
METHOD_COLUMNS = ("method", "test")
#: The status of an action in words (the action register's codes, :data:`kentaudit.inputs.actions.STATUSES`):
#: Table 16 and the members' summary say "in progress", never "in_progress"
STATUS_WORDS = {"proposed": "proposed", "agreed": "agreed", "in_progress": "in progress",
                "completed": "completed", "not_completed": "not completed", "withdrawn": "withdrawn"}
#: band markers in the pivoted view, defined beside the table
BAND_MARKS = {"below": " \u25bc", "above": " \u25b2"}


def _is_p(c) -> bool:
    return c.kind == "derived" and (c.unit or "") == "p-value"


def format_p_cell(v):
    """A published p-value cell: shorthand kept, ``[x]`` when undefined, otherwise
    :func:`kentaudit.core.formatting.format_p` (``<0.001`` or three decimals)."""
    f = None if isinstance(v, str) else as_number(v)
    if f is None:
        return v
    return "[x]" if not math.isfinite(f) else format_p(f)


def _untestable(t: PublicationTable, i: int, c, cols: dict | None = None) -> bool:
    """A test is not applicable when a denominator it uses is 0, or all its counts are 0.

    ``cols`` (``{column: list of values}``, :func:`_columns`) saves a DataFrame lookup
    per cell when a whole table is checked."""
    vals = []
    for name in c.derived_from:
        v = cols[name][i] if cols is not None else t.data.at[i, name]
        if isinstance(v, str):
            return False  # suppressed: [c] already
        try:
            vals.append((name, float(v)))
        except (TypeError, ValueError):
            return False
    if not vals:
        return False
    if all(v == 0 for _, v in vals):
        return True
    return any(v == 0 for name, v in vals if "denominator" in name or name == "n_pairs")


def _columns(t: PublicationTable, columns) -> dict:
    """``{name: list of the values}`` of the columns p-value columns are derived from."""
    names = {n for c in columns for n in c.derived_from}
    return {n: t.data[n].tolist() for n in names if n in t.data.columns}


def mark_untestable(tables) -> None:
    """Set ``[z]`` (not applicable) in every p-value cell whose test could not be done
    (a denominator of 0, or all its counts 0), in the tables' data - before adjusted
    p-values and funnel bands are protected (:func:`kentaudit.publication.disclosure.protect_adjusted_p`)."""
    for t in tables:
        pcols = [c for c in t.columns if _is_p(c)]
        if not pcols:
            continue
        data = t.data.copy()
        cols = _columns(t, pcols)
        for c in pcols:
            vals = data[c.name].astype(object).tolist()
            data[c.name] = pd.Series(["[z]" if not isinstance(v, str) and _untestable(t, i, c, cols) else v
                                      for i, v in enumerate(vals)], index=data.index, dtype=object)
        t.data = data


def csv_frame(t: PublicationTable) -> pd.DataFrame:
    """The published table as its CSV holds it: :meth:`PublicationTable.display_frame`
    with p-values formatted and untestable p-values ``[z]``; labels as in the data.

    The appendix asks for it about 80 times (CSV, spreadsheets, HTML, findings); it is
    built once per state of the table's data (the frame is kept with the data object it
    was built from, so new data - ``t.data = ...`` - builds it again) and a copy returned."""
    cached = getattr(t, "_csv_cache", None)
    if cached is not None and cached[0] is t.data:
        return cached[1].copy()
    disp = _csv_frame(t)
    try:
        object.__setattr__(t, "_csv_cache", (t.data, disp))
    except (AttributeError, TypeError):  # a table type that keeps no attributes: no cache
        pass
    return disp.copy()


def _csv_frame(t: PublicationTable) -> pd.DataFrame:
    disp = t.display_frame()
    cols = _columns(t, [c for c in t.columns if _is_p(c)])
    for c in t.columns:
        if _is_p(c):
            disp[c.name] = ["[z]" if not isinstance(v, str) and _untestable(t, i, c, cols) else v
                            for i, v in enumerate(disp[c.name])]
        if c.kind == "derived" and c.decimals is not None:
            disp[c.name] = [v if isinstance(v, str) else f"{float(v):.{t.decimals_at(i, c)}f}"
                            for i, v in enumerate(disp[c.name])]
    return disp


def reader_p(t: PublicationTable, disp: pd.DataFrame) -> pd.DataFrame:
    """p-value cells for reading: ``<0.001`` below 0.001, three decimals otherwise (the CSV
    keeps the declared decimals, so adjusted p-values can be recomputed from it)."""
    disp = disp.copy()
    for c in t.columns:
        if _is_p(c):
            disp[c.name] = [format_p_cell(float(v)) if isinstance(v, str) and _isnum(v) else format_p_cell(v)
                            for v in disp[c.name]]
    return disp


def _isnum(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def reader_value(column: str, v, words) -> str:
    """A label cell in words: criterion ids -> descriptions, samples -> the profile's sample labels
    (``words["samples"]``, ``{code: label}``, which the appendix gives from the cycle's
    profile), else the sample's own name: never another authority's words."""
    if isinstance(v, str):
        if column == "status":  # an action's status (Table 16)
            return STATUS_WORDS.get(v, v)
        if column == "criterion":
            return (words.get("criteria") or {}).get(v, v)
        if column == "sample":
            names = (words.get("samples") if isinstance(words, dict) else None) or {}
            # samples used together ("initial + extended", the design-based estimate's) in words
            return names.get(v) or " and ".join(str(names.get(p.strip(), p.strip())) for p in v.split("+"))
    return "" if v is None else str(v)


def reader_headers(t: PublicationTable) -> list:
    """``[(column name, header text)]`` of the reader view (the criterion code column,
    duplicated by its description, is left out)."""
    out = []
    skip_code = "criterion_label" in [c.name for c in t.columns]
    for c in t.columns:
        if skip_code and c.name == "criterion":
            continue
        unit = REAL_UNITS.get(c.unit or "")
        out.append((c.name, f"{c.label} ({unit})" if unit else c.label))
    return out


def reader_frame(t: PublicationTable, words) -> pd.DataFrame:
    """The table as a reader sees it: text cells, columns named as in the data
    (headers from :func:`reader_headers`), labels in words, numbers formatted."""
    disp = reader_p(t, csv_frame(t))
    cols = [n for n, _ in reader_headers(t)]
    out = pd.DataFrame(index=disp.index)
    for n in cols:
        c = t.column(n)
        if c.kind == "label":
            out[n] = [reader_value(n, v, words) for v in disp[n]]
        elif n == "status":
            out[n] = [reader_value(n, v, words) for v in disp[n]]
        else:
            out[n] = ["" if v is None else (str(v) if not isinstance(v, float) else f"{v:g}")
                      for v in disp[n]]
    return out


def legend_symbols(frames) -> list:
    """Every shorthand symbol shown in the given frames, in the legend's order."""
    present = set()
    for f in frames:
        for v in f.to_numpy().ravel():
            if isinstance(v, str):
                for s in SHORTHAND:
                    if s in v:
                        present.add(s)
    return [s for s in SHORTHAND if s in present]


def profile_words(words) -> Words:
    """The authority's words among an appendix's ``words`` (``{"authority": Words}``, the
    cycle's profile's); the bundled example profile's when they are not given."""
    w = (words or {}).get("authority") if isinstance(words, dict) else None
    return w if isinstance(w, Words) else default_words()


def pivot_districts(t: PublicationTable, words, part: int = PIVOT_PART) -> list:
    """A district x criterion table (rows ``criterion, area, district``) pivoted for reading.

    Returns
    -------
    list of (title suffix, DataFrame)
        One frame per group of ``part`` criteria: columns named by the authority's words
        (``words["authority"]``: ``Area``, ``District``) and one column per criterion (its
        description) holding the published compliance percentage, with a band mark
        (:data:`BAND_MARKS`) when the district is outside the 99.8% funnel limits. Rows keep
        the table's order (districts by area, the area rows - "All districts in the area" -,
        then the authority's: "All of Kent").
    """
    w = profile_words(words)
    disp = csv_frame(t)
    crits = list(dict.fromkeys(disp["criterion"]))
    keys = list(dict.fromkeys(zip(disp["area"], disp["district"])))
    has_band = "funnel_band" in disp.columns
    cell = {}
    for i in range(len(disp)):
        v = disp.at[i, "estimate"]
        txt = v if isinstance(v, str) else f"{float(v):.1f}"
        if has_band:
            txt += BAND_MARKS.get(str(disp.at[i, "funnel_band"]), "")
        cell[(disp.at[i, "criterion"], disp.at[i, "area"], disp.at[i, "district"])] = txt
    parts = []
    for k in range(0, len(crits), part):
        group = crits[k:k + part]
        rows = []
        for area, dist in keys:
            # a unit's row shows its unit, even in an area named like the authority (one area
            # called "Calderbrook"); only a total row ("All teams") is named for what it adds up
            if dist != w.all_units:
                label = dist
            elif area == w.authority:
                label = f"All of {w.authority}"
            else:
                label = f"{w.all_units} in the {w.area}"
            r = {w.Area: area, w.Unit: label}
            for c in group:
                r[reader_value("criterion", c, words)] = cell.get((c, area, dist), "[x]")
            rows.append(r)
        n = len(crits)
        suffix = (f"criteria {k + 1} to {min(k + part, n)} of {n}" if n > part else "")
        parts.append((suffix, pd.DataFrame(rows)))
    return parts


def constant_columns(t: PublicationTable, frame: pd.DataFrame) -> list:
    """The method and scope columns of a reader's view that say the same on every row.

    A column naming how each row was calculated (:data:`METHOD_COLUMNS`: "Interval method",
    "Test"), or a label column while another names the rows (Table 15's "Samples"), that
    repeats one value on every row tells the reader nothing a sentence beside the table does not: the HTML and PDF views leave it out and state it once (the CSV file
    and the spreadsheets keep the column, one value a row, for machines).

    Returns
    -------
    list of (column name, header text, value)
        In the table's column order; empty when the table has one row or none (a column
        then says nothing twice), or when a row's cell differs, is empty or is shorthand.
    """
    heads = dict(reader_headers(t))
    out = []
    if len(frame) < 2:
        return out
    # a label repeating one value ("Samples" on Table 15: the same two samples on each of its 20
    # rows; Table 12's one criterion) is the table's scope, while another label names the rows
    labels = [c.name for c in t.columns if c.kind == "label" and c.name in frame.columns]
    naming = [c for c in labels if frame[c].astype(str).str.strip().nunique() > 1]
    for c in t.columns:
        said_once = (c.kind == "text" and c.name in METHOD_COLUMNS) or (c.kind == "label" and bool(naming)
                                                                        and c.name not in naming)
        if not said_once or c.name not in frame.columns:
            continue
        vals = {str(v).strip() for v in frame[c.name]}
        if len(vals) == 1:
            v = vals.pop()
            if v and not any(s in v for s in SHORTHAND):
                out.append((c.name, heads.get(c.name, c.label), v))
    return out


def sparse_columns(t: PublicationTable, frame: pd.DataFrame, headers: list) -> tuple[list, list]:
    """The columns of a reader's view that apply to a few rows only, and those rows.

    A column that is ``[z]`` (not applicable) on most rows and has a value on the others, the
    same rows for every such column (Table 11's trend test, on each criterion's last cycle: 60
    of its 80 rows held three ``[z]`` cells), reads better as a part of its own holding those
    rows only, beside the columns that name them (the CSV file and the spreadsheets keep the
    table whole).

    Returns
    -------
    (list of (column name, header text), list of int)
        The sparse columns in the view's order and the positions of the rows they apply to;
        two empty lists when no column is sparse, when the rows differ between the columns, or
        when they apply to more than half of the rows.
    """
    kinds = {c.name: c.kind for c in t.columns}
    cols, rows = [], None
    for c, h in headers:
        if kinds.get(c) == "label" or c not in frame.columns:
            continue
        vals = [str(v).strip() for v in frame[c]]
        if "[z]" not in vals:
            continue
        applies = [i for i, v in enumerate(vals) if v != "[z]"]
        if not applies or len(applies) * 2 > len(vals):
            continue
        if rows is not None and applies != rows:
            return [], []
        cols.append((c, h))
        rows = applies
    return (cols, rows) if cols else ([], [])


def column_parts(t: PublicationTable, headers: list, width: int = PART_COLUMNS) -> list:
    """A table's reader headers cut into parts of at most ``width`` columns for reading.

    Every part repeats the columns that name a row (the table's ``label`` columns), so each
    part reads on its own; the other columns follow in their order, never
    parting an estimate from its interval (a part never starts with a limit, a column whose
    name holds ``conf_``): the groups are packed in order, a new part started when the next
    group would not fit.

    Parameters
    ----------
    t : PublicationTable
    headers : list of (column name, header text) - the view's (:func:`reader_headers`)
    width : int - the most columns of one part

    Returns
    -------
    list of list of (column name, header text)
        One part (the headers unchanged) when they fit ``width``.
    """
    if len(headers) <= width:
        return [list(headers)]
    kinds = {c.name: c.kind for c in t.columns}
    labels = [h for h in headers if kinds.get(h[0]) == "label"]
    rest = [h for h in headers if kinds.get(h[0]) != "label"]
    room = max(1, width - len(labels))
    # an estimate and the limits after it are one group; the groups are packed in order
    groups = []
    for h in rest:
        if groups and "conf_" in h[0]:
            groups[-1].append(h)
        else:
            groups.append([h])
    parts, cur = [], []
    for g in groups:
        if cur and len(cur) + len(g) > room:
            parts.append(cur)
            cur = []
        cur += g
    if cur:
        parts.append(cur)
    return [labels + p for p in parts]
