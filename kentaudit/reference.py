"""Reference tables: districts and areas, the criteria catalogue, grade scales.

The bundled tables live in ``kentaudit/data/``. Each loader takes an optional
path so a user can replace a table (for example a different district-to-area
grouping, which is an assumption: how Kent grouped its districts into areas
in 2009 is not published).
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["districts", "criteria", "grade_scales", "grade_labels", "scale_for_cycle",
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
    return pd.read_csv(path, keep_default_na=False, dtype=str)


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
    df["children_on_plans"] = df["children_on_plans"].astype(int)
    return df


def criteria(path: str | Path | None = None) -> pd.DataFrame:
    """The criteria catalogue.

    Returns
    -------
    DataFrame with columns ``id``, ``label``, ``domain``, ``kind``
    (compliance/quality), ``evidence`` (ics/hard_copy/both: where the evidence
    lives), ``applies_when`` (human-readable rule) and ``derived_from``
    (for timeliness criteria that can be derived from process dates).
    """
    return _read(str(path or _bundled("criteria.csv"))).copy()


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
        from .errors import MethodError
        raise MethodError("scale", scale, gs["scale"].unique())
    return dict(zip(sub["grade"], sub["label"]))
