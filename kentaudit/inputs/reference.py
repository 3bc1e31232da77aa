"""Reference tables: districts and areas, the criteria catalogue, grade scales.

The bundled tables live in ``kentaudit/data/``. Each loader takes an optional
path so a user can replace a table (for example a different district-to-area
grouping, which is an assumption: how Kent grouped its districts into areas
in 2009 is not published).
"""
from __future__ import annotations

import io
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from kentaudit.core.errors import InputError, MethodError
from kentaudit.core.safeio import read_regular_text
from kentaudit.core.textpolicy import check_code, check_text, confusable_key, match_key, shown

__all__ = ["districts", "resolve_district", "district_lookup", "criteria", "grade_scales", "grade_labels",
           "scale_for_cycle", "register_profile", "AREA_ASSUMPTION", "AREA_CAVEAT", "CRITERION_KINDS", "CRITERION_EVIDENCE", "CRITERION_DOMAINS"]

#: Closed sets of the criteria catalogue's coded columns (``docs/data-dictionary.md``).
#: ``CRITERION_DOMAINS`` are the domains graded in an audit (``grade_<domain>``, the same
#: tuple as :data:`kentaudit.inputs.schema.DOMAINS`, tested).
CRITERION_KINDS = ("compliance", "quality")
CRITERION_EVIDENCE = ("ics", "hard_copy", "both")
CRITERION_DOMAINS = ("voice", "assessment", "history", "protection", "planning", "oversight",
                     "multi_agency", "recording")

#: the caveat a published appendix states (for its readers: no parameter name in it)
AREA_CAVEAT = ("The grouping of districts into four areas (North, West, South, East) is an "
               "assumption: Kent's 2009 grouping is not published.")
#: the same for the analyst (the data dictionary), with what to do about it
AREA_ASSUMPTION = AREA_CAVEAT + " Replace it with districts_file in the cycle parameters."


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
    return _districts_checked(str(path or _bundled("districts.csv"))).copy()


@lru_cache(maxsize=8)
def _districts_checked(where: str) -> pd.DataFrame:
    """The districts table of ``where``, every rule checked once per file (as read once by :func:`_read`)."""
    df = _read(where).copy()
    _check_table(df, where, "districts", ("district", "district_code", "area", "children_on_plans"),
                 ("district", "district_code"))
    for i, (v, a) in enumerate(zip(df["children_on_plans"], df["area"])):
        if not re.fullmatch(r"[0-9]+", v.strip(), re.ASCII):
            raise InputError("children_on_plans must be a whole number written in ASCII digits.",
                             file=where, row=i + 2, column="children_on_plans", value=v,
                             rule="reference_table")
        if not a.strip():
            raise InputError("area is blank: give every unit the area it belongs to (one area for the whole "
                             "authority is allowed).", file=where, row=i + 2, column="area",
                             rule="reference_table")
    _check_district_texts(df, where)
    df["children_on_plans"] = df["children_on_plans"].astype(int)
    return df


def _check_district_texts(df: pd.DataFrame, where: str) -> None:
    """Names and areas obey the text policy, codes are safe, and no two districts share a
    name or code once matched as people type them (:func:`~kentaudit.core.textpolicy.match_key`:
    ``tha`` and ``THA``, or a code equal to another district's name), or once read in Unicode's
    compatibility form with same-script look-alikes folded (the confusable skeleton of UTS #39,
    :func:`~kentaudit.core.textpolicy.confusable_key`: ``Ｔｈａｎｅｔ`` and ``Thanet``, or codes
    ``RNB`` and ``MB``, ``AIO`` and ``A1O``, ``S0T`` and ``SOT``, look the same to a reader)."""
    seen: dict[str, tuple[int, str, str]] = {}
    for i, r in enumerate(df.itertuples(index=False)):
        row = i + 2
        check_text(r.district, kind="name", file=where, row=row, column="district")
        check_text(r.area, kind="name", file=where, row=row, column="area")
        check_code(r.district_code, file=where, row=row, column="district_code")
        for col, v in (("district", r.district), ("district_code", r.district_code)):
            k = confusable_key(v)
            if k in seen and seen[k][2] != r.district:
                first_row, first_col, first_name = seen[k]
                raise InputError(f"{col} {shown(v)!r} matches {first_col} {first_name!r} of row {first_row} "
                                 "when matched ignoring case, spaces, '_' and '-' (as audit exports and "
                                 "--districts are read), reading full-width and other compatibility "
                                 "characters as the letters they show (NFKC) and look-alikes as one "
                                 "('rn' as 'm', 'I', 'l' and '1' as one, 'O' and '0' as one: the "
                                 "confusable skeleton of Unicode TS #39): every name and code must "
                                 "name one district a reader can tell from the others.",
                                 file=where, row=row, column=col, value=shown(v), rule="district_key_collision")
            seen.setdefault(k, (row, col, r.district))


def district_lookup(table: pd.DataFrame | None = None) -> dict[str, str]:
    """``{match key: district name}`` for every name and code of the districts table: the one
    way a district typed by a person (an export's ``district`` column, ``--districts``, the
    parameter file's ``districts``) is resolved (:func:`~kentaudit.core.textpolicy.match_key`)."""
    t = districts() if table is None else table
    out = {}
    for name, code in zip(t["district"], t["district_code"]):
        out[match_key(name)] = str(name)
        out[match_key(code)] = str(name)
    return out


def resolve_district(value, table: pd.DataFrame | None = None) -> str:
    """The district name for a name or a code in any case (``"THA"``, ``"thanet"`` -> ``"Thanet"``).

    Matched as ingest matches an export's ``district`` (:func:`district_lookup`): case,
    surrounding spaces and runs of spaces, ``_`` and ``-`` are ignored. Raises
    :class:`kentaudit.core.errors.InputError` naming the valid names and codes when
    ``value`` is neither.
    """

    t = districts() if table is None else table
    name = district_lookup(t).get(match_key(str(value)))
    if name is not None:
        return name
    valid = ", ".join(f"{n} ({c})" for n, c in zip(t["district"], t["district_code"]))
    raise InputError(f"unknown district {shown(value)!r}; use a name or code (any case): {valid}",
                     column="district", value=shown(value))


#: What each profile read in this process says of its reference tables (:func:`register_profile`):
#: resolved criteria path -> (domains, evidence codes); grade-scale tables beside the bundled one.
_PROFILE_CATALOGUES: dict[str, tuple[tuple, tuple]] = {}
_PROFILE_SCALES: list[str] = []


def register_profile(profile) -> None:
    """Record what a profile says of its reference tables, and check its catalogue against it.

    Every step reads the catalogue by its path (``criteria(P.inputs.criteria)``), so the closed
    sets a profile gives its catalogue (its ``domains`` and ``evidence`` codes) are recorded
    here by path when the profile is read (:func:`kentaudit.inputs.profile.load_profile` calls
    this), and the profile's grade scales are found by name by :func:`grade_labels`. A table a
    profile does not own keeps the bundled closed sets.

    Raises
    ------
    InputError
        The profile's catalogue breaks a rule (``unknown_catalogue_value`` for a domain or
        evidence code the profile does not list), or its grade scales table is not readable.
    """
    if profile.criteria is not None:
        key = str(Path(profile.criteria).resolve())
        _PROFILE_CATALOGUES[key] = (tuple(profile.domains or ()), tuple(profile.evidence or ()))
        criteria(key)  # checked now, so a broken catalogue is the profile's problem
    if profile.grade_scales is not None:
        where = str(Path(profile.grade_scales).resolve())
        grade_scales(where)
        if where not in _PROFILE_SCALES and where != str(_bundled("grade_scales.csv").resolve()):
            _PROFILE_SCALES.append(where)


def criteria(path: str | Path | None = None) -> pd.DataFrame:
    """The criteria catalogue.

    Returns
    -------
    DataFrame with columns ``id``, ``label``, ``domain``, ``kind``
    (compliance/quality), ``evidence`` (ics/hard_copy/both: where the evidence
    lives), ``applies_when`` (human-readable rule) and ``derived_from``
    (for timeliness criteria that can be derived from process dates).
    """
    where = str(path or _bundled("criteria.csv"))
    domains, evidence = _PROFILE_CATALOGUES.get(str(Path(where).resolve()),
                                                (CRITERION_DOMAINS, CRITERION_EVIDENCE))
    return _criteria_checked(where, domains, evidence).copy()


@lru_cache(maxsize=8)
def _criteria_checked(where: str, domains: tuple = CRITERION_DOMAINS,
                      evidence: tuple = CRITERION_EVIDENCE) -> pd.DataFrame:
    """The criteria catalogue of ``where``, every rule checked once per file. ``domains`` and
    ``evidence`` are the closed sets (a profile's, else the bundled ones); with no evidence codes
    the ``evidence`` column is optional and not checked."""
    df = _read(where).copy()
    need = ("id", "label", "domain", "kind", "applies_when") + (("evidence",) if evidence else ())
    _check_table(df, where, "criteria", need, ("id",))
    if "evidence" not in df.columns:
        df.insert(list(df.columns).index("kind") + 1, "evidence", "")
    for i, v in enumerate(df["id"]):
        if not _ID.fullmatch(v.strip()):
            raise InputError("a criterion id must be lower-case ASCII letters, digits and _ "
                             "(it names the column c_<id>).", file=where, row=i + 2, column="id",
                             value=shown(v), rule="reference_table")
    if "derived_from" not in df.columns:
        df["derived_from"] = ""
    _check_criteria_texts(df, where, domains, evidence)
    return df


def _check_criteria_texts(df: pd.DataFrame, where: str, domains: tuple = CRITERION_DOMAINS,
                          evidence: tuple = CRITERION_EVIDENCE) -> None:
    """Labels and rules obey the text policy, no label is given twice (ignoring case and
    spacing: two criteria a reader cannot tell apart), and ``domain``, ``kind`` and
    ``evidence`` come from their closed sets."""
    labels: dict[str, int] = {}
    closed = (("domain", domains), ("kind", CRITERION_KINDS)) + ((("evidence", evidence),) if evidence else ())
    for i, r in enumerate(df.to_dict("records")):
        row = i + 2
        check_text(r["label"], kind="label", file=where, row=row, column="label")
        for col in ("applies_when", "derived_from"):  # optional rules: checked where given
            if str(r.get(col) or "").strip():
                check_text(r[col], kind="label", file=where, row=row, column=col)
        for col, allowed in closed:
            if r[col] not in allowed:
                raise InputError(f"{col} must be one of {', '.join(allowed)} (docs/data-dictionary.md).",
                                 file=where, row=row, column=col, value=shown(r[col]),
                                 rule="unknown_catalogue_value")
        k = " ".join(unicodedata.normalize("NFKC", r["label"]).casefold().split())
        if k in labels:
            raise InputError(f"the label is the same as row {labels[k]}'s (ignoring case, spacing and "
                             "full-width or other compatibility forms of letters, NFKC): a "
                             "reader could not tell the two criteria apart; give each its own label.",
                             file=where, row=row, column="label", value=shown(r["label"]),
                             rule="duplicate_label")
        labels[k] = row


def grade_scales(path: str | Path | None = None) -> pd.DataFrame:
    """Grade scales by era: ``scale``, ``first_cycle``, ``last_cycle``, ``grade``, ``label``
    (of ``path``, default the bundled table). A scale may have any number of grades (1 to n)."""
    return _scales_checked(str(path or _bundled("grade_scales.csv"))).copy()


@lru_cache(maxsize=8)
def _scales_checked(where: str) -> pd.DataFrame:
    df = _read(where).copy()
    _check_table(df, where, "grade scales", ("scale", "first_cycle", "last_cycle", "grade", "label"), ())
    for i, (g, lab) in enumerate(zip(df["grade"], df["label"])):
        if not re.fullmatch(r"[0-9]{1,2}", g.strip(), re.ASCII) or int(g) < 1:
            raise InputError("grade must be a whole number 1 or more.", file=where, row=i + 2, column="grade",
                             value=shown(g), rule="reference_table")
        check_text(lab, kind="label", file=where, row=i + 2, column="label")
    df["grade"] = df["grade"].astype(int)
    for i, r in enumerate(df.to_dict("records")):
        for col in ("first_cycle", "last_cycle"):
            v = str(r[col]).strip()
            if (v or col == "first_cycle") and _cycle_year(v) is None:
                raise InputError(f"{col} must be a cycle: a year (2026) or a financial year's label (2026/27 or "
                                 "2026-27)" + ("; blank: still in force" if col == "last_cycle" else "") + ".",
                                 file=where, row=i + 2, column=col, value=shown(v), rule="reference_table")
    for name, sub in df.groupby("scale", sort=False):
        if sorted(sub["grade"]) != list(range(1, len(sub) + 1)):
            raise InputError(f"scale {name!r} must have grades 1 to n, each once.", file=where,
                             column="grade", value=shown(name), rule="reference_table")
    return df


_CYCLE_FORM = re.compile(r"([0-9]{4})(?:[/-]([0-9]{2}))?", re.ASCII)


def _cycle_year(text: str) -> int | None:
    """The year a cycle starts in, of a year ("2026") or a financial year's label or id ("2026/27",
    "2026-27", the second year following the first); None for anything else."""
    m = _CYCLE_FORM.fullmatch(str(text).strip())
    if m is None or (m[2] is not None and (int(m[1]) + 1) % 100 != int(m[2])):
        return None
    return int(m[1])


def scale_for_cycle(cycle: int | str, path: str | Path | None = None) -> str:
    """Name of the grade scale in force for a cycle (its first four digits are its year).

    A scale's ``first_cycle`` and ``last_cycle`` are cycles written as a year ("2013") or as a
    financial year's label ("2026/27") or id ("2026-27"); a financial year is compared by the
    year it starts in, so ``first_cycle: 2026/27`` covers cycle ``2026-27`` and later."""
    year = int(str(cycle)[:4])
    gs = grade_scales(path).drop_duplicates("scale")
    for _, r in gs.iterrows():
        last = str(r["last_cycle"]).strip()
        if _cycle_year(r["first_cycle"]) <= year and (last == "" or year <= _cycle_year(last)):
            return r["scale"]
    raise ValueError(f"no grade scale covers cycle {cycle!r}")


def grade_labels(scale: str = "ofsted_2009", path: str | Path | None = None) -> dict[int, str]:
    """Mapping grade (1 to n) to its label for a scale: of ``path``; else of the bundled table,
    or, for a scale it does not have, of the grade scales of the profiles read in this process
    (:func:`register_profile`), the latest first."""
    tables = [path] if path is not None else [None, *reversed(_PROFILE_SCALES)]
    for t in tables:
        gs = grade_scales(t)
        sub = gs[gs["scale"] == scale]
        if not sub.empty:
            return dict(zip(sub["grade"], sub["label"]))
    raise MethodError("scale", scale, grade_scales(path)["scale"].unique())
