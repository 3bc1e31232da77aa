"""The published names of the unit and area columns: the authority's words, in one place.

Inside kentaudit (results tables, restricted outputs, analysis code, the publication tables'
data) the unit column is ``district`` and the area column ``area``: they are the data model.
A published machine-readable file (a CSV of the appendix, ``metadata.json``, the HTML's
``data-column``) names them in the authority's words, from its profile (``words.unit``,
``words.area``) in snake_case: a pod-based authority's ``T7.csv`` has a ``pod`` and a
``quadrant`` column. Kent's profile says "district" and "area", so its files keep their names.

:func:`published_names` is the one mapping; :func:`publish_table_metadata` and
:func:`publish_frame` apply it where a table leaves for publication (the CSV writer, the HTML
writer). Nothing else renames a column. The dimensions of ``metadata.json`` (the keys of a
count's definition, ``defines.labels``' values, ``universe.districts``) are the metadata's
fixed vocabulary and are not renamed: ``defines.labels`` says which dimension each published
column names (docs/appendix.md, "Published column names").
"""
from __future__ import annotations

import re
import unicodedata

from kentaudit.core.errors import KentauditError

__all__ = ["INTERNAL", "PublishedNameError", "snake_case", "published_names", "publish_name",
           "publish_frame", "publish_table_metadata"]

#: the internal label columns named in the authority's words when published
INTERNAL = ("district", "area")
#: a family key of an adjusted p-value made from a label column ("district_is_total")
_SUFFIXES = ("_is_total",)


class PublishedNameError(KentauditError, ValueError):
    """The profile's word for the unit or the area gives no usable published column name."""


def snake_case(word: str) -> str:
    """``word`` as a column name: accents dropped, lower case, every run of other characters
    ``_`` ("Social work team" -> ``social_work_team``; "Quadrant" -> ``quadrant``).

    Written here rather than taken from a library: the rule is three lines and must not
    change between versions of a dependency (a published column name is an interface)."""
    text = unicodedata.normalize("NFKD", str(word)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def published_names(words, taken=()) -> dict:
    """``{internal column: published column}`` for the unit and the area columns.

    Parameters
    ----------
    words : kentaudit.inputs.profile.Words or None
        The cycle's words (``unit``, ``area``); ``None``: the internal names (no renaming).
    taken : iterable of str
        The other published column names, which a published name must not repeat.

    Raises
    ------
    PublishedNameError
        A word gives an empty name or one starting with a digit, the two words give the same
        name, or a name repeats another published column ("criterion", "n_yes"): the message
        names the profile's word and what to change.
    """
    if words is None:
        return {c: c for c in INTERNAL}
    out = {"district": snake_case(words.unit), "area": snake_case(words.area)}
    keys = {"district": "words.unit", "area": "words.area"}
    others = set(taken) - set(INTERNAL)
    for internal, name in out.items():
        said = words.unit if internal == "district" else words.area
        if not name or not re.match(r"^[a-z]", name):
            raise PublishedNameError(
                f"profile {keys[internal]} {said!r} gives no published column name ({name!r}): "
                "a published CSV names this column from the word in snake_case; give a word "
                "that starts with a Latin letter")
        if name in others:
            raise PublishedNameError(
                f"profile {keys[internal]} {said!r} names the published column {name!r}, which "
                "is already another column of the appendix; choose another word")
    if out["district"] == out["area"]:
        raise PublishedNameError(
            f"profile words.unit {words.unit!r} and words.area {words.area!r} give the same "
            f"published column name {out['district']!r}; give the unit and the area different words")
    return out


def publish_name(name, names: dict):
    """The published name of column ``name`` (unchanged unless it is the unit or area column,
    or a key made from one: ``district_is_total`` -> ``pod_is_total``)."""
    if not isinstance(name, str):
        return name
    if name in names:
        return names[name]
    for suf in _SUFFIXES:
        if name.endswith(suf) and name[:-len(suf)] in names:
            return names[name[:-len(suf)]] + suf
    return name


def publish_frame(frame, names: dict):
    """A table's frame with its columns published (:func:`publish_name`)."""
    return frame.rename(columns={c: publish_name(c, names) for c in frame.columns})


def _cols(v, names):
    return [publish_name(x, names) for x in v]


def _keys(d, names):
    return {publish_name(k, names): x for k, x in d.items()} if isinstance(d, dict) else d


def _rule(d, names):
    """A ``where``/``within`` selection (``share_of``, ``over``, a total row)."""
    if not isinstance(d, dict):
        return d
    out = {}
    for k, v in d.items():
        if k in ("where", "parts_where", "other_where"):
            out[k] = _keys(v, names)
        elif k in ("within", "on", "by", "family"):
            out[k] = _cols(v, names) if isinstance(v, list) else v
        elif k == "column":
            out[k] = publish_name(v, names)
        else:
            out[k] = v
    return out


def publish_table_metadata(meta: dict, names: dict) -> dict:
    """A table's ``metadata()`` with every column name it holds published: the columns, the
    ``derived_from``/``share_of``/``over`` of each, the keys of ``defines.labels`` (their values,
    the dimensions, stay), the funnel's column, the adjusted p-values' columns and families, the
    sums, total rows and links. The count columns (``n_*``) and the dimensions keep their names."""
    if all(k == v for k, v in names.items()):
        return meta
    out = dict(meta)
    cols = []
    for c in meta.get("columns", []):
        c = dict(c)
        c["name"] = publish_name(c["name"], names)
        c["derived_from"] = _cols(c.get("derived_from", []), names)
        if "share_of" in c:
            c["share_of"] = _rule(c["share_of"], names)
        if "over" in c:
            c["over"] = [_rule(o, names) for o in c["over"]]
        cols.append(c)
    out["columns"] = cols
    d = meta.get("defines")
    if isinstance(d, dict):
        d = dict(d)
        if isinstance(d.get("labels"), dict):
            d["labels"] = _keys(d["labels"], names)
        if isinstance(d.get("funnel"), dict):
            d["funnel"] = _rule(d["funnel"], names)
        out["defines"] = d
    if isinstance(meta.get("adjusted_p_values"), dict):
        out["adjusted_p_values"] = {publish_name(k, names): {**a, "raw": publish_name(a.get("raw"), names),
                                                             **({"family": _cols(a["family"], names)}
                                                                if isinstance(a.get("family"), list) else {})}
                                    for k, a in meta["adjusted_p_values"].items()}
    out["sums"] = [{"total": publish_name(s["total"], names), "parts": _cols(s["parts"], names)}
                   for s in meta.get("sums", [])]
    out["total_rows"] = [{**_rule(r, names), "columns": _cols(r.get("columns", []), names)}
                         for r in meta.get("total_rows", [])]
    out["links"] = [{**_rule(r, names), "columns": {publish_name(a, names): b
                                                    for a, b in (r.get("columns") or {}).items()}}
                    for r in meta.get("links", [])]
    return out
