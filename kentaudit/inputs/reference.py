"""Reference tables: districts and areas, the criteria catalogue, grade scales.

The bundled tables live in ``kentaudit/data/``. Each loader takes an optional
path so a user can replace a table (for example a different district-to-area
grouping, which is an assumption: how Kent grouped its districts into areas
in 2009 is not published).
"""
from __future__ import annotations

import io
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from kentaudit.core.errors import InputError, MethodError
from kentaudit.core.safeio import read_regular_text

__all__ = ["districts", "resolve_district", "criteria", "grade_scales", "grade_labels", "scale_for_cycle",
           "AREA_ASSUMPTION"]

AREA_ASSUMPTION = (
    "The grouping of districts into four areas (North, West, South, East) is an "
    "assumption: Kent's 2009 grouping is not published. Replace it with "
    "districts_file in the cycle parameters."
)


def _bundled(name: str) -> Path:
    return Path(str(resources.files("kentaudit") / "data" / name))


@lru_cache(maxsize=8)
def _read(path: str) -> pd.DataFrame:
    # regular files only (no FIFO, device or folder), strict UTF-8, one table


    text = read_regular_text(path, rule="reference_table")
    try:
        return pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        raise InputError(f"not a readable CSV table ({_first(e)}).", file=path, rule="reference_table") from None


def _first(e) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:200] if lines else type(e).__name__


_ID = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)


def _check_table(df: pd.DataFrame, path, what: str, columns: tuple, unique: tuple) -> None:
    """A replaced reference table has the columns, rows and unique keys kentaudit needs."""

    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"this is not a {what} table: column(s) {', '.join(missing)} missing (it needs "
                         f"{', '.join(columns)}; see docs/data-dictionary.md).", file=str(path),
                         column=missing[0], rule="reference_table")
    if df.empty:
        raise InputError(f"the {what} table has no rows.", file=str(path), rule="reference_table")
    for c in unique:
        vals = df[c].str.strip()
        for i, v in enumerate(vals):
            if v == "":
                raise InputError(f"{c} is blank.", file=str(path), row=i + 2, column=c,
                                 rule="reference_table")
        dup = vals[vals.duplicated()]
        if len(dup):
            raise InputError(f"{c} {dup.iloc[0]!r} is listed twice.", file=str(path),
                             row=int(dup.index[0]) + 2, column=c, value=dup.iloc[0], rule="reference_table")


def districts(path: str | Path | None = None) -> pd.DataFrame:
    """Kent's 12 districts.

    Returns
    -------
    DataFrame with columns ``district`` (name), ``district_code`` (3 letters),
    ``area`` (assumed grouping, see :data:`AREA_ASSUMPTION`) and
    ``children_on_plans`` (int; the sampling frame size, about 1,360 in all,
    as at August 2010).
    """
    df = _read(str(path or _bundled("districts.csv"))).copy()
    if path is not None:

        _check_table(df, path, "districts", ("district", "district_code", "area", "children_on_plans"),
                     ("district", "district_code"))
        for i, (v, a) in enumerate(zip(df["children_on_plans"], df["area"])):
            if not re.fullmatch(r"[0-9]+", v.strip(), re.ASCII):
                raise InputError("children_on_plans must be a whole number written in ASCII digits.",
                                 file=str(path), row=i + 2, column="children_on_plans", value=v,
                                 rule="reference_table")
            if not a.strip():
                raise InputError("area is blank.", file=str(path), row=i + 2, column="area",
                                 rule="reference_table")
    df["children_on_plans"] = df["children_on_plans"].astype(int)
    return df


def resolve_district(value, table: pd.DataFrame | None = None) -> str:
    """The district name for a name or a code in any case (``"THA"``, ``"thanet"`` -> ``"Thanet"``).

    Surrounding spaces are ignored. Raises :class:`kentaudit.core.errors.InputError`
    naming the valid names and codes when ``value`` is neither.
    """

    t = districts() if table is None else table
    key = str(value).strip().casefold()
    for name, code in zip(t["district"], t["district_code"]):
        if key in (str(name).casefold(), str(code).casefold()):
            return str(name)
    valid = ", ".join(f"{n} ({c})" for n, c in zip(t["district"], t["district_code"]))
    raise InputError(f"unknown district {value!r}; use a name or code (any case): {valid}",
                     column="district", value=str(value))


def criteria(path: str | Path | None = None) -> pd.DataFrame:
    """The criteria catalogue.

    Returns
    -------
    DataFrame with columns ``id``, ``label``, ``domain``, ``kind``
    (compliance/quality), ``evidence`` (ics/hard_copy/both: where the evidence
    lives), ``applies_when`` (human-readable rule) and ``derived_from``
    (for timeliness criteria that can be derived from process dates).
    """
    df = _read(str(path or _bundled("criteria.csv"))).copy()
    if path is not None:

        _check_table(df, path, "criteria", ("id", "label", "domain", "kind", "evidence", "applies_when"),
                     ("id",))
        for i, v in enumerate(df["id"]):
            if not _ID.fullmatch(v.strip()):
                raise InputError("a criterion id must be lower-case ASCII letters, digits and _ "
                                 "(it names the column c_<id>).", file=str(path), row=i + 2, column="id",
                                 value=v, rule="reference_table")
        if "derived_from" not in df.columns:
            df["derived_from"] = ""
    return df


def grade_scales(path: str | Path | None = None) -> pd.DataFrame:
    """Grade scales by era: ``scale``, ``first_cycle``, ``last_cycle``, ``grade``, ``label``."""
    df = _read(str(path or _bundled("grade_scales.csv"))).copy()
    df["grade"] = df["grade"].astype(int)
    return df


def scale_for_cycle(cycle: int | str) -> str:
    """Name of the grade scale in force for a cycle (year)."""
    year = int(str(cycle)[:4])
    gs = grade_scales().drop_duplicates("scale")
    for _, r in gs.iterrows():
        if int(r["first_cycle"]) <= year and (r["last_cycle"] == "" or year <= int(r["last_cycle"])):
            return r["scale"]
    raise ValueError(f"no grade scale covers cycle {cycle!r}")


def grade_labels(scale: str = "ofsted_2009") -> dict[int, str]:
    """Mapping grade (1-4, 1 best) to its label for a scale."""
    gs = grade_scales()
    sub = gs[gs["scale"] == scale]
    if sub.empty:
        raise MethodError("scale", scale, gs["scale"].unique())
    return dict(zip(sub["grade"], sub["label"]))
