"""The appendix spec and the tables it builds: which results table each published table
comes from, and which columns it publishes (``kentaudit/data/appendix_spec.yaml``).

:func:`load_spec` reads and checks a spec; :func:`build_tables` turns the saved results
tables (read by :func:`kentaudit.report.results.load_table`, the one reader of
``results/``) into unsuppressed :class:`~kentaudit.publication.table.PublicationTable`
objects. The appendix, the reviewer pages' findings and the modelled earlier releases
all build their tables here.
"""
from __future__ import annotations

import copy
import re

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from kentaudit.core.formatting import method_words
from kentaudit.inputs.profile import Words, bundled_profile
from kentaudit.publication.table import Column, PublicationTable, PublicationTableError
from kentaudit.report.results import load_table
from kentaudit.report.tables import column_info, default_words, in_words

__all__ = ["load_spec", "build_tables", "read_results", "applies", "answer_scheme", "sample_roles"]

#: libyaml's safe loader where PyYAML was built with it (8 times faster on the bundled
#: spec, which every notebook's findings read; the same data, tested), else PyYAML's own.
_SPEC_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(path=None, words: Words | None = None) -> dict:
    """The appendix spec (bundled ``kentaudit/data/appendix_spec.yaml`` unless ``path``), its
    texts in the authority's ``words`` (the cycle's ``params.words``; default the bundled
    example profile's): every ``{unit}``, ``{rest}``, ``{authority}``... of a title, a column
    label, a note or a row value the spec names (``where: {area: "{authority}"}``) is filled
    by :func:`kentaudit.report.tables.in_words`."""
    if path is None:
        text = (resources.files("kentaudit") / "data" / "appendix_spec.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    spec = _in_words(yaml.load(text, Loader=_SPEC_LOADER), words or default_words())  # noqa: S506 - a safe loader
    ids = [t["id"] for t in spec.get("tables", [])] + [f["id"] for f in spec.get("figures", [])]
    if len(ids) != len(set(ids)):
        raise PublicationTableError(f"appendix spec {path or 'bundled'}: ids are not unique: {ids}.")
    return spec


#: the partial answer's value in count definitions (``kentaudit.publication.cells.PARTIAL``)
PARTIAL = "partial"


#: count columns named for answers (``n_yes``, ``n_no_yes``, ``n_not_applicable``, ``n_denominator``):
#: their labels speak the profile's answer words
_ANSWER_COLUMN = re.compile(r"n_(?:yes|no|not_applicable|denominator)(?:_.*)?")


def answer_words(spec: dict, answers) -> dict:
    """The spec with the answer count columns' labels in the profile's answer words: with
    ``Y: Met``, ``N: Not met``, ``NA: Does not apply``, Table 4's "Yes", "No", "Answered yes or
    no" and "Not applicable" read "Met", "Not met", "Answered met or not met" and "Does not
    apply" (Table 6's "Yes then no" likewise). The bundled example's words (Yes, No, Not
    applicable) leave the spec unchanged."""
    labels = getattr(answers, "labels", None) or {}
    y, n, na = (str(labels.get(k, d)) for k, d in (("Y", "Yes"), ("N", "No"), ("NA", "Not applicable")))
    if (y, n, na) == ("Yes", "No", "Not applicable"):
        return spec

    def said(text: str) -> str:
        text = text.replace("Not applicable", "\0NA\0").replace("not applicable", "\0na\0")
        # one pass, so that a label that contains another's word ("Not met") is not replaced again
        text = re.sub(r"\b(Yes|yes|No|no)\b", lambda m: {"Yes": y, "No": n}.get(m[1]) or
                      {"yes": y, "no": n}[m[1]].lower(), text)
        return text.replace("\0NA\0", na).replace("\0na\0", na.lower())

    out = dict(spec)
    out["tables"] = [{**e, "columns": [{**c, "label": said(str(c["label"]))}
                                       if _ANSWER_COLUMN.fullmatch(str(c.get("name", ""))) else c
                                       for c in e.get("columns", ())]}
                     for e in spec.get("tables", [])]
    return out


def answer_scheme(spec: dict, answers) -> dict:
    """The spec with the cycle's partial answer (a profile's ``answers.partial``, docs/profile.md)
    in what every count counts, and an ``n_partial`` column in every table that counts each
    kind of answer (those with an ``n_not_applicable`` count: Table 4).

    The rule is the one the analysis counts by (:mod:`kentaudit.analysis.cycle`,
    :func:`kentaudit.stats.proportions.criterion_counts`), docs/appendix.md "Partial answers":

    * ``excluded``: a partial answer is neither yes nor no: ``n_yes`` and ``n_no`` count ``Y``
      and ``N`` only, the denominator is yes + no, and ``n_partial`` counts the partial
      answers apart (audits = yes + no + partial + not applicable + not recorded);
    * ``no`` (``yes``): the analysis reads a partial answer as ``N`` (``Y``): ``n_no``
      (``n_yes``) and every denominator count the partial answers too, and ``n_partial``,
      where the results table carries it, counts them apart (a part of ``n_no`` or ``n_yes``).

    ``n_partial`` is published only where the results table has it (``optional``). Without a
    partial answer the spec is returned unchanged.
    """
    code = getattr(answers, "partial", None)
    if code is None:
        return spec
    rule = answers.partial_counts_as
    label = str(answers.labels.get(code, "Partially"))
    folded = {"yes": "yes", "no": "no"}.get(rule)
    out = dict(spec)
    tables = []
    for e in spec.get("tables", []):
        e = dict(e)
        d = e.get("defines")
        if d and d.get("columns"):
            cols = {}
            for name, sets in d["columns"].items():
                sets = dict(sets or {})
                for dim in ("answer", "answer_initial"):
                    vals = [str(v) for v in sets.get(dim, ()) or ()]
                    if folded is not None and folded in vals and PARTIAL not in vals:
                        sets[dim] = [*vals, PARTIAL]
                cols[name] = sets
            if "n_not_applicable" in cols and "n_partial" not in cols:
                cols["n_partial"] = {"answer": [PARTIAL]}
                names = [c["name"] for c in e["columns"]]
                at = names.index("n_not_applicable")
                e["columns"] = [*e["columns"][:at],
                                {"name": "n_partial", "label": label, "kind": "count", "unit": "count",
                                 "optional": True},
                                *e["columns"][at:]]
                if rule == "excluded":
                    # the reader's description of the additive structure: partial answers are
                    # outside the denominator and part of the audits
                    e["sums"] = [{**s, "parts": [*s["parts"], "n_partial"]} if "n_not_applicable" in s.get("parts", ())
                                 else s for s in e.get("sums", ())]
            e["defines"] = {**d, "columns": cols}
        tables.append(e)
    out["tables"] = tables
    return out


def read_results(results_dir, name: str) -> pd.DataFrame | None:
    """The results table ``name`` of a cycle's output folder ``results_dir`` (which holds
    ``results/``) for publication, or None when the notebooks did not save it.

    Read by :func:`kentaudit.report.results.load_table` (Parquet, old column names
    upgraded); a column whose every value is a number is numeric, text stays text.
    """
    df = load_table(name, Path(results_dir) / "results", missing_ok=True)
    return None if df is None else _published_types(df)


def _published_types(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        conv = pd.to_numeric(df[c], errors="coerce")
        if conv.notna().sum() == df[c].notna().sum():
            df[c] = conv
    return df


def _in_words(node, words: Words):
    """Every text of the parsed spec with the authority's words filled in."""
    if isinstance(node, str):
        return in_words(node, words)
    if isinstance(node, list):
        return [_in_words(v, words) for v in node]
    if isinstance(node, dict):
        return {k: _in_words(v, words) for k, v in node.items()}
    return node


def _in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter lower case unless the word is an acronym
    ("Additional cases" -> "additional cases"; "ICS sample" stays)."""
    return label[:1].lower() + label[1:] if label[:2].istitle() or len(label) < 2 else label


def applies(entry: dict, samples: list, has_previous: bool,
            sample_labels: Mapping | None = None) -> str | None:
    """None if the entry applies to the cycle, else the reason it does not.

    ``sample_labels``: the cycle's profile's samples, ``{code: label}``
    (``Profile.samples``' labels). Given, a reason names only the samples the profile has,
    in its words ("this cycle has no Extended sample"), and a table about samples the
    profile does not have says so with the profile's own samples, never another
    authority's design; without it (the bundled example's cycles), the bundled words.

    An entry with ``design: random`` (the design-based estimate) is not decided by sample
    names: it applies whenever one of the cycle's samples was drawn at random, which only
    the notebooks know (they save its source table exactly then); when they did not,
    :func:`build_tables` gives :data:`NO_RANDOM_SAMPLE` as the reason. An entry with ``design:
    repeated`` (the control-chart error rates) likewise applies whenever a random sample is
    audited in this cycle and earlier ones (:data:`NO_REPEATED_SAMPLE` when it is not).
    """
    want = entry.get("applies_to")
    if want and not set(want) & set(samples):
        if sample_labels is None:
            # the bundled example's cycles: its profile's words of the samples
            bundled = {s.name: s.label for s in bundled_profile().samples if s.label}
            names = [str(bundled.get(s, s)).lower() for s in want]
            return f"this review has no {' or '.join(names)}"
        names = [_in_sentence(str(sample_labels[s])) for s in want if s in sample_labels]
        if names:
            return f"this cycle has no {' or '.join(names)}"
        return ("it is about samples the authority's audit programme does not have (its samples: "
                f"{', '.join(str(v) for v in sample_labels.values())})")
    if entry.get("requires_previous") and not has_previous:
        if sample_labels is None:
            return "this is a one-off review: there are no earlier cycles to compare it with"
        return "there is no earlier cycle to compare this one with"
    return None


def title_for(entry: dict, sample_labels: Mapping | None = None) -> str:
    """The title a "not produced" list gives an entry: its own, or, when the entry is about
    samples the cycle's profile does not have at all, its ``general_title`` (a title naming
    another programme's samples, such as the bundled example's "initial and extended samples",
    said in general words), so every line reads "Table N (title): reason"."""
    want = entry.get("applies_to")
    if sample_labels is not None and want and not set(want) & set(sample_labels):
        return entry.get("general_title", entry["title"])
    return entry["title"]


#: why the design-based estimate (a ``design: random`` entry) is not in an edition: in the
#: authority's words (``{units}``), naming no sample of any one authority's design
NO_RANDOM_SAMPLE = ("a design-based estimate needs a sample drawn at random in every {unit} (a sample "
                    "with design: random in the authority's profile) and each {unit}'s children in "
                    "scope (the units table) at least as many as its audited files, and this cycle "
                    "has not both (the compliance notebook says which)")


#: why the control-chart error rates (a ``design: repeated`` entry) are not in an edition: in the
#: authority's words, naming no sample of any one authority's design
NO_REPEATED_SAMPLE = ("control charts are read where a sample drawn at random (design: random in the "
                      "authority's profile) is audited in this cycle and in earlier ones, in three months "
                      "or more, and this cycle has no such sample")


def _note_keys(entries, samples) -> list:
    """Note keys of a table: plain keys, or ``{key, applies_to}`` kept only when the cycle
    has one of those samples (no extended-sample note in an annual edition)."""
    out = []
    for n in entries:
        if isinstance(n, Mapping):
            if n.get("applies_to") and not set(n["applies_to"]) & set(samples):
                continue
            n = n["key"]
        out.append(n)
    return out


def sample_roles(profile, bundled=None) -> dict:
    """The spec's sample names that stand for a design -> the profile's samples of that design:
    each sample of the bundled example that ``repeats`` another (Kent's ``reaudit``) -> the
    profile's samples that repeat another (Marrowdale's ``re_audit``). The spec names the bundled
    example's samples; an entry about re-audits is the same table for any authority's re-audit."""
    bundled = bundled or bundled_profile()
    again = [s.name for s in profile.samples if s.repeats]
    return {s.name: again for s in bundled.samples if s.repeats and again}


def _for_roles(entry: dict, roles: Mapping | None) -> dict:
    """``entry`` with the sample names of :func:`sample_roles` replaced by the cycle's (in
    ``applies_to`` and the ``sample`` of ``defines``), and each column's ``general_label`` as
    its label, where a name is replaced by another; else ``entry`` itself."""
    if not roles:
        return entry
    want = list(entry.get("applies_to") or ())
    if not any(w in roles and roles[w] != [w] for w in want):
        return entry

    def swap(names):
        return [x for n in names for x in (roles.get(n, [n]))]
    e = copy.deepcopy(entry)
    e["applies_to"] = swap(want)
    d = e.get("defines") or {}
    for part in [d.get("fixed") or {}, *(d.get("columns") or {}).values()]:
        if "sample" in part:
            part["sample"] = swap(part["sample"])
    for c in e.get("columns", ()):
        if c.get("general_label"):
            c["label"] = c["general_label"]
    return e


def _estimate_samples(entry: dict, df: pd.DataFrame, main_samples) -> dict:
    """A design-based estimate's entry counting the samples its ``sample`` column names
    ("monthly_random_audit", or "initial + extended": the notebook's `` + ``-joined list), where
    they are not all the cycle's main samples (``main_samples``: those of the cycle); else the
    entry itself (``@main``, linked to Table 4)."""
    if "sample" not in df.columns or not len(df):
        return entry
    read = list(dict.fromkeys(x.strip() for v in df["sample"].dropna().astype(str) for x in v.split(" + ")))
    if set(read) == set(main_samples):
        return entry
    e = copy.deepcopy(entry)
    (e.setdefault("defines", {}).setdefault("fixed", {}))["sample"] = read
    e["links"] = [lk for lk in e.get("links", ()) if lk.get("table") != "T4"]
    return e


def build_tables(spec: dict, results_dir, *, cycle: str, samples, has_previous: bool,
                 synthetic: bool = False, source: str | None = None, criterion_words=None,
                 frames=None, words: Words | None = None, producer: str | None = None,
                 cycle_label: str | None = None, sample_labels: Mapping | None = None,
                 extension_reason: str | None = None, roles: Mapping | None = None,
                 main_samples=None):
    """Build the unsuppressed publication tables named by the spec.

    ``frames`` (``{results table name: DataFrame}``) replaces reading ``results_dir``
    (the reviewer pages' findings, from a notebook's own tables). ``cycle_label``: the cycle as
    readers see it ("2025/26", ``CycleParams.label``; default ``cycle``). ``words`` (the cycle's
    profile's) name the authority in each table's scope, and ``producer`` (its full name)
    in the default ``source``. ``sample_labels`` (the profile's samples, ``{code: label}``)
    word the reasons a table is not produced (:func:`applies`). ``extension_reason``: why the
    cycle's profile has no sample drawn to extend another
    (``Profile.no_extension_reason``); given, an entry marked ``extension: true`` (the
    comparison of a sample with the cases drawn to extend it) is not produced, with that reason
    and its ``general_title``. ``roles``: the spec's sample names that stand for a design
    (the bundled example's ``reaudit``, a sample that ``repeats`` another) -> the cycle's
    samples of that design (:func:`sample_roles`): an entry about that design applies to them,
    counts them (``defines``) and labels its columns in general words (``general_label``).
    ``main_samples``: the cycle's main samples; given, a design-based estimate (``design:
    random``) whose ``sample`` column names fewer of them (a themed audit chosen on purpose
    that no random sample extends stands only for itself: not in the estimate) counts the
    samples it names, not ``@main``, and is not linked to Table 4's main-sample counts.

    Returns
    -------
    tables : list of PublicationTable
    skipped : list of (id, title, reason)

    Raises
    ------
    PublicationTableError
        A results table lacks a column the spec publishes.
    """
    results_dir = Path(results_dir)
    w = words or default_words()
    producer = producer or (bundled_profile().name if words is None else w.authority)
    tables, skipped = [], []
    for e in spec["tables"]:
        e = _for_roles(e, roles)
        if e.get("extension") and extension_reason:
            skipped.append((e["id"], e.get("general_title", e["title"]), extension_reason))
            continue
        why = applies(e, list(samples), has_previous, sample_labels)
        if why:
            skipped.append((e["id"], title_for(e, sample_labels), why))
            continue
        df = (read_results(results_dir, e["source"]) if frames is None
              else (frames[e["source"]].reset_index(drop=True) if e["source"] in frames else None))
        if df is None:
            skipped.append((e["id"], e["title"], in_words(NO_RANDOM_SAMPLE, w) if e.get("design") == "random"
                            else NO_REPEATED_SAMPLE if e.get("design") == "repeated"
                            else "the analysis it comes from was not run for this cycle"))
            continue
        if e.get("design") == "random" and main_samples is not None:
            e = _estimate_samples(e, df, [m for m in main_samples if m in set(samples)])
        for j in e.get("join", ()):
            # the joined table comes from the same place as the table itself (``frames`` for a
            # reviewer page: never the results folder of whatever the working directory is)
            other = (read_results(results_dir, j["source"]) if frames is None
                     else (frames[j["source"]].reset_index(drop=True) if j["source"] in frames else None))
            df = _join(df, other, j, e["id"])
        cols = [Column(c["name"], c["label"], c["kind"], c.get("unit"), tuple(c.get("from", ())),
                       float(c.get("scale", 1.0)), c.get("decimals"), c.get("share_of"), c.get("over"))
                for c in e["columns"] if not (c.get("optional") and c["name"] not in df.columns)]
        if "criterion_label" not in df.columns and "criterion" in df.columns and criterion_words:
            # the description of a criterion is the catalogue's: never a guess
            df.insert(df.columns.get_loc("criterion") + 1, "criterion_label",
                      df["criterion"].astype(str).map(criterion_words))
        missing = [c.name for c in cols if c.name not in df.columns]
        if missing:
            raise PublicationTableError(
                f"results table {e['source']!r} (for {e['id']}) lacks columns {missing}. How to fix: "
                f"save them in the notebook that writes {e['source']!r}, or change the appendix spec.")
        df = _methods_in_words(df, cols)
        # a row the same as an earlier one in every published column says nothing new and
        # reads as a mistake: one area named like the authority gives its total row twice
        # (the area's and the authority's, both "All teams" of "Calderbrook")
        df = df.drop_duplicates(subset=[c.name for c in cols], ignore_index=True)
        empty = _empty_reason(df, cols, e["source"])
        if empty:  # degenerate data (every answer to the criterion not applicable): said, not a failure
            skipped.append((e["id"], e["title"], empty))
            continue
        notes = _note_keys(e.get("notes", []), samples)
        if synthetic and not tables:
            notes = ["synthetic"] + notes
        tables.append(PublicationTable(
            e["id"], e["title"], df[[c.name for c in cols]].reset_index(drop=True), cols,
            scope=f"{w.authority} case-file audit, cycle {cycle_label or cycle}.",
            source=source or f"{producer} case-file audits, cycle {cycle_label or cycle}.",
            notes=notes, sums=_sums_shown(e, cols), total_rows=e.get("total_rows", ()),
            links=e.get("links", ()), defines=e.get("defines")))
        tables[-1].adjustments = {c["name"]: {"raw": c["adjusts"], "family": list(c.get("family", ()))}
                                  for c in e["columns"] if c.get("adjusts")}
        # cells that do not apply to some rows (a change on a baseline row): [z], not [x]
        # ("@cycle": this cycle, the row a test over every cycle is shown on)
        na = dict(e.get("not_applicable") or {})
        for key in ("where", "unless"):
            if na.get(key):
                na[key] = {c: (cycle if v == "@cycle" else v) for c, v in na[key].items()}
        tables[-1].not_applicable = na
    return tables, skipped


def _sums_shown(e: dict, cols) -> list:
    """The spec's sum rules over the columns published (an optional column the results lack,
    such as ``n_partial`` (:func:`answer_scheme`), leaves the rules it is part of)."""
    shown = {c.name for c in cols}
    dropped = {c["name"] for c in e["columns"]} - shown
    return [{**s, "parts": [p for p in s["parts"] if p not in dropped]}
            for s in e.get("sums", ()) if s["total"] not in dropped]


def _methods_in_words(df: pd.DataFrame, cols) -> pd.DataFrame:
    """A published text column naming a method (its role in ``columns.csv``: ``method``, as
    ``method`` and ``test``) reads in words ("Wilson score interval", never ``wilson``)."""
    named = [c.name for c in cols if c.kind == "text" and column_info(c.name).role == "method"]
    if not named:
        return df
    df = df.copy()
    for c in named:
        df[c] = df[c].map(lambda v: method_words(v, "full") if isinstance(v, str) else v)
    return df


def _empty_reason(df: pd.DataFrame, cols, source: str) -> str | None:
    """Why a table has nothing to publish (no rows, or no value in any of its value columns), or None."""
    if len(df) == 0:
        return ("no rows for this cycle: the analysis it comes from found nothing to count (for "
                "example, no audit had an applicable answer to the criterion it reports, or no file "
                "was moderated)")
    values = [c.name for c in cols if c.kind != "label"]
    if values and not df[values].notna().to_numpy().any():
        return ("no values for this cycle: every value the analysis gave is empty (for example, no "
                "audit had an applicable answer to the criterion it reports)")
    return None


def _join(df: pd.DataFrame, other: pd.DataFrame | None, j: dict, tid: str) -> pd.DataFrame:
    """Columns of another results table joined onto ``df`` (rows matching ``where``, matched ``by``);
    a value already present is kept."""
    df = df.copy()
    for mine in j["columns"]:
        if mine not in df.columns:
            df[mine] = float("nan")
    if other is None:
        return df
    on = dict(j["by"])
    missing = [c for c in on.values() if c not in other.columns] + [c for c in j["columns"].values()
                                                                    if c not in other.columns]
    if missing:
        raise PublicationTableError(f"results table {j['source']!r} (joined into {tid}) lacks columns {missing}.")
    look = {tuple(str(r[c]) for c in on.values()): r for _, r in other.iterrows()}
    sel = pd.Series(True, index=df.index)
    for c, v in (j.get("where") or {}).items():
        sel &= df[c].astype(str) == str(v)
    for i in df.index[sel]:
        r = look.get(tuple(str(df.at[i, c]) for c in on))
        if r is None:
            continue
        for mine, theirs in j["columns"].items():
            if pd.isna(df.at[i, mine]):
                df.at[i, mine] = r[theirs]
    return df
