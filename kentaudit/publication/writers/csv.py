"""The appendix as tidy CSVs: one file per published table and ``metadata.json``.

``metadata.json`` describes every table's columns and additive structure, the universe
the counts are about, the disclosure parameters and the ``release`` block (every count
cell's definition and published value, ``None`` where hidden), which later appendices
read to protect what this one published.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kentaudit.core.safetext import neutralise_frame
from kentaudit.publication.names import (publish_frame, publish_name, publish_table_metadata,
                                         published_names)
from kentaudit.publication.numbering import csv_name
from kentaudit.publication.views import csv_frame

__all__ = ["write_csvs", "release_list"]


def write_csvs(cdir: Path, tables, *, ctx=None, sup=None, earlier=(), words=None):
    """Write ``<id>.csv`` for each table and ``metadata.json`` into ``cdir`` (created).

    ``ctx`` (a :class:`~kentaudit.publication.disclosure.Context`) adds the universe,
    ``sup`` (a suppression result) the disclosure parameters and the ``release`` block,
    ``earlier`` the releases the protection covers. ``words`` (the cycle's
    :class:`~kentaudit.inputs.profile.Words`) name the unit and area columns as published
    (:func:`kentaudit.publication.names.published_names`); without them the internal names."""
    cdir.mkdir(parents=True, exist_ok=True)
    names = published_names(words, {c.name for t in tables for c in t.columns})
    for t in tables:
        neutralise_frame(publish_frame(csv_frame(t), names)).to_csv(cdir / csv_name(t.id), index=False)
    meta = {"tables": [publish_table_metadata(t.metadata(), names) for t in tables]}
    if ctx is not None:
        u = ctx.universe
        meta["universe"] = {"cycle": ctx.cycle, "cycles": u.cycles, "main": ctx.main,
                            "district_samples": ctx.district_samples,
                            "previous": ctx.previous, "districts": u.districts,
                            "statuses": u.statuses, "criteria": u.criteria,
                            # the answer and grade dimensions: a partial answer, a scale's grades
                            "answers": list(u.answers), "grades": list(u.grades),
                            # the samples whose answers are counted beside a first audit's
                            "paired": list(u.paired)}
        authority = words.authority if words is not None else getattr(ctx, "authority", None)
        if authority is not None:
            # the label of the authority's own rows (in the area column), which a reader of
            # the files (the publication check's attack) reads as every unit
            meta["universe"]["authority"] = authority
    if sup is not None:
        meta["disclosure"] = {"threshold": sup.threshold, "protection_width": sup.width,
                              # what a reader may assume of every [c]: at least 1, or at least 0
                              # when a zero is hidden as a complement
                              "hidden_at_least": 0 if getattr(sup, "hidden_zeros", 0) else 1,
                              # which earlier appendices the protection covers (not where they are)
                              "earlier_releases": release_list(earlier)}
        by_id = {t.id: t for t in tables}
        cells = []
        for (tid, i, c), d in sup.cells.items():
            v = by_id[tid].data.at[i, c]
            if isinstance(v, str) and v != "[c]" or not isinstance(v, str) and pd.isna(v):
                continue  # [x]: not available, says nothing
            cells.append({"table": tid, "row": i, "column": publish_name(c, names), "definition": d.as_dict(),
                          "value": None if isinstance(v, str) else int(v)})
        meta["release"] = {"cycle": ctx.cycle if ctx is not None else None, "cells": cells}
    (cdir / "metadata.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def release_list(earlier) -> list:
    """``[{"cycle", "source"}]`` of the earlier releases used: ``published`` (found as
    published under ``output_dir``) or ``modelled`` (rebuilt as it would be published)."""
    out = {}
    for d, _, folder in earlier:
        f = Path(folder)
        src = "modelled" if f.parent.name == "earlier_releases" else "published"
        out.setdefault(str(f), src)
    rows = []
    for f, src in sorted(out.items()):
        try:
            cy = json.loads((Path(f) / "csv" / "metadata.json").read_text(encoding="utf-8"))["release"]["cycle"]
        except (OSError, ValueError, KeyError, TypeError):
            cy = None
        rows.append({"cycle": cy, "source": src})
    return sorted(rows, key=lambda r: (str(r["cycle"]), r["source"]))
