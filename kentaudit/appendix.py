"""Assemble a cycle's statistical appendix from the saved results tables.

``kentaudit appendix params/<cycle>.yaml`` calls :func:`build_appendix_cli`;
the runner calls :func:`build_appendix` at the end of ``kentaudit run``. The
appendix is built from ``results/*.csv`` (the tidy tables the notebooks saved,
never notebook text) according to the declarative spec
``kentaudit/data/appendix_spec.yaml``, then:

* ``restricted/`` receives the unsuppressed tables and the suppression audit
  trail, every file named ``RESTRICTED_*`` and marked RESTRICTED inside;
* ``publish/`` receives the disclosure-controlled appendix - ``appendix.html``,
  ``appendix.xlsx``, ``csv/<table id>.csv`` (+ ``csv/metadata.json``, the
  columns and additive structure) and ``figures/`` - built in a staging folder,
  checked by :func:`kentaudit.pubcheck.check_publication`, and only then moved
  into place. If the check finds anything, the staging folder is kept as
  ``publish_rejected/`` and :class:`~kentaudit.errors.PublicationCheckError` is
  raised.
"""
from __future__ import annotations

import datetime as _dt
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from . import __version__
from .cellmodel import ACCEPTED, Universe
from .releases import model_releases
from .disclosure import DEFAULT_WIDTH, Context, suppress
from .errors import ParamsError, PublicationCheckError
from .pubcheck import check_printed, check_publication
from .publish_html import write_html
from .pubfigures import draw_figures
from .findings import bindings_frame, main_findings
from .publish_ods import write_ods
from .publish_pdf import finish_pdf, start_pdf
from .publish_xlsx import write_xlsx
from .pubview import csv_frame, mark_untestable
from .pubtable import AppendixContent, Column, Figure, PublicationTable, PublicationTableError
from .reference import AREA_ASSUMPTION
from .safetext import neutralise_frame

__all__ = ["AppendixResult", "load_spec", "build_tables", "build_appendix", "build_appendix_cli",
           "RESTRICTED_MARK"]

RESTRICTED_MARK = "RESTRICTED - unsuppressed figures for internal use only; do not publish"

_INTERVAL_NAMES = {
    "wilson": "Wilson score interval",
    "clopper-pearson": "Clopper-Pearson exact interval",
    "jeffreys": "Jeffreys interval",
    "agresti-coull": "Agresti-Coull interval",
}
_ADJUST_NAMES = {
    "holm": "Holm's step-down method (family-wise error rate)",
    "fdr_bh": "Benjamini-Hochberg false discovery rate",
    "bonferroni": "Bonferroni correction",
}


@dataclass
class AppendixResult:
    """What :func:`build_appendix` wrote.

    Attributes
    ----------
    publish_dir, restricted_dir : Path
    tables : list of str (ids of the published tables, in order)
    figures : list of str (ids of the published figures)
    skipped : list of (id, title, reason)
    suppressed : DataFrame (the audit trail of suppression; restricted)
    files : list of Path (every published file)
    """

    publish_dir: Path
    restricted_dir: Path
    tables: list
    figures: list
    skipped: list
    suppressed: pd.DataFrame
    files: list = field(default_factory=list)


# ------------------------------------------------------------------ params
def _get(params, key, default=None):
    if isinstance(params, Mapping):
        return params.get(key, default)
    return getattr(params, key, default)


def _inputs(params) -> dict:
    inp = _get(params, "inputs", {}) or {}
    if not isinstance(inp, Mapping):
        inp = {k: getattr(inp, k, None) for k in ("audits", "previous_audits", "sampling_frame")}
    return dict(inp)


# -------------------------------------------------------------------- spec
#: libyaml's safe loader where PyYAML was built with it (8 times faster on the bundled
#: spec, which every notebook's findings read; the same data, tested), else PyYAML's own.
_SPEC_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_spec(path=None) -> dict:
    """The appendix spec (bundled ``kentaudit/data/appendix_spec.yaml`` unless ``path``)."""
    if path is None:
        text = (resources.files("kentaudit") / "data" / "appendix_spec.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    spec = yaml.load(text, Loader=_SPEC_LOADER)  # noqa: S506 - a safe loader
    ids = [t["id"] for t in spec.get("tables", [])] + [f["id"] for f in spec.get("figures", [])]
    if len(ids) != len(set(ids)):
        raise PublicationTableError(f"appendix spec {path or 'bundled'}: ids are not unique: {ids}.")
    return spec


def _read_results(results_dir: Path, name: str) -> pd.DataFrame | None:
    f = results_dir / "results" / f"{name}.csv"
    if not f.exists():
        return None
    return pd.read_csv(f, keep_default_na=False, na_values=[""], dtype=object).pipe(_numbers)


def _numbers(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        conv = pd.to_numeric(df[c], errors="coerce")
        if conv.notna().sum() == df[c].notna().sum():
            df[c] = conv
    return df


def _applies(entry: dict, samples: list, has_previous: bool) -> str | None:
    """None if the entry applies to the cycle, else the reason it does not."""
    want = entry.get("applies_to")
    if want and not set(want) & set(samples):
        return f"the cycle has no {' or '.join(want)} sample"
    if entry.get("requires_previous") and not has_previous:
        return "no earlier cycle was given (inputs.previous_audits is empty)"
    return None


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


def source_line(params, synthetic: bool) -> str:
    """The source of every table: the audits themselves, not an internal file."""
    cycle = _get(params, "cycle")
    pub = _get(params, "publication")
    producer = getattr(pub, "producer", None) or "Kent County Council"
    kind = "synthetic audit records generated by kentaudit" if synthetic else "audit records"
    return (f"{producer}: case-file audits of children subject to child protection plans, "
            f"cycle {cycle} ({kind}), analysed with kentaudit {__version__}.")


def build_tables(spec: dict, results_dir, *, cycle: str, samples, has_previous: bool,
                 synthetic: bool = False, source: str | None = None, criterion_words=None,
                 frames=None):
    """Build the unsuppressed publication tables named by the spec.

    ``frames`` (``{results table name: DataFrame}``) replaces reading ``results_dir``
    (the reviewer pages' findings, from a notebook's own tables).

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
    tables, skipped = [], []
    for e in spec["tables"]:
        why = _applies(e, list(samples), has_previous)
        if why:
            skipped.append((e["id"], e["title"], why))
            continue
        df = (_read_results(results_dir, e["source"]) if frames is None
              else (frames[e["source"]].reset_index(drop=True) if e["source"] in frames else None))
        if df is None:
            skipped.append((e["id"], e["title"], f"results table {e['source']!r} was not produced"))
            continue
        for j in e.get("join", ()):
            df = _join(df, _read_results(results_dir, j["source"]), j, e["id"])
        cols = [Column(c["name"], c["label"], c["kind"], c.get("unit"), tuple(c.get("from", ())),
                       float(c.get("scale", 1.0)), c.get("decimals"), c.get("share_of"))
                for c in e["columns"]]
        if "criterion_label" not in df.columns and "criterion" in df.columns and criterion_words:
            # the description of a criterion is the catalogue's: never a guess
            df.insert(df.columns.get_loc("criterion") + 1, "criterion_label",
                      df["criterion"].astype(str).map(criterion_words))
        missing = [c.name for c in cols if c.name not in df.columns]
        if missing:
            raise PublicationTableError(
                f"results table {e['source']!r} (for {e['id']}) lacks columns {missing}. How to fix: "
                f"save them in the notebook that writes {e['source']!r}, or change the appendix spec.")
        notes = _note_keys(e.get("notes", []), samples)
        if synthetic and not tables:
            notes = ["synthetic"] + notes
        tables.append(PublicationTable(
            e["id"], e["title"], df[[c.name for c in cols]].reset_index(drop=True), cols,
            scope=f"Kent case-file audit, cycle {cycle}.",
            source=source or f"Kent County Council case-file audits, cycle {cycle}.",
            notes=notes, sums=e.get("sums", ()), total_rows=e.get("total_rows", ()),
            links=e.get("links", ()), defines=e.get("defines")))
        tables[-1].adjustments = {c["name"]: {"raw": c["adjusts"], "family": list(c.get("family", ()))}
                                  for c in e["columns"] if c.get("adjusts")}
    return tables, skipped


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


def district_samples_note(used, main) -> str:
    """The note on which samples the district and area comparisons read.

    ``used``: the samples the district results tables say they read (their ``samples``
    column; None: not known, then the main samples); ``main``: the cycle's main samples."""
    used = list(used or main)
    words = {"initial": "the initial high-risk cases", "extended": "the additional random sample",
             "annual": "the annual sample"}
    left = [s for s in main if s not in used]
    say = " and ".join(words.get(s, s) for s in used)
    if "initial" in left:
        return (f"District and area comparisons use {say} only: it was drawn at random in every "
                "district and read from the comprehensive files, while the initial high-risk cases "
                "were chosen differently between districts and read from the electronic record. "
                "Their Kent rows are of the same sample, so they differ from the Kent-wide "
                "compliance table.")
    if "initial" in used and len(used) > 1:
        return (f"District and area comparisons pool {say}, so a district's share of initial "
                "high-risk cases affects its figures (district_samples = main).")
    return f"District and area comparisons use {say}, drawn at random in every district."


def _methods(params, manifest: dict, tables, *, sup=None, earlier=(), names=None, figures=(),
             extra_tests=None, district_note=None) -> list:
    """The methods of this edition only: a section for intervals, tests, adjustment,
    funnels, kappa and the seed only when a published table or figure uses it.

    ``names`` maps table ids to their numbers in the edition; ``extra_tests`` maps a
    table id to the tests behind its p-values when the table has no ``test`` column
    (read from the results table the p-values come from)."""
    conf = _get(params, "confidence_level", 0.95)
    im = _get(params, "interval_method", "wilson")
    am = _get(params, "adjust_method", "holm")
    thr = _get(params, "suppression_threshold", 5)
    names = names or {}
    cols = {t.id: set(t.data.columns) for t in tables}
    tests_by = {}
    for t in tables:
        found = set()
        if "test" in t.data.columns:
            found |= {str(v) for v in t.data["test"].dropna() if str(v) not in ("[c]", "[x]", "[z]", "")}
        found |= set((extra_tests or {}).get(t.id, ()))
        if found:
            tests_by[t.id] = sorted(found)
    m = []
    if any({"conf_low", "conf_high"} & c for c in cols.values()):
        m.append(("Confidence intervals", f"{conf:.0%} {_INTERVAL_NAMES.get(im, im)} for each proportion "
                                          f"(interval_method = {im}); differences of proportions with "
                                          "Newcombe's hybrid score interval."))
    if tests_by:
        m.append(("Tests", " ".join(f"{names.get(i, i)}: {', '.join(v)}." for i, v in tests_by.items())))
    if any("p_adjusted" in c for c in cols.values()):
        m.append(("Adjustment for multiple comparisons",
                  f"{_ADJUST_NAMES.get(am, am)} (adjust_method = {am}), across the criteria of each table."))
    if district_note and ("T7" in cols or "T12" in cols or any(f.id in ("F1", "F4") for f in figures)):
        m.append(("District comparisons and the sample design", district_note))
    if any("funnel_band" in c for c in cols.values()) or any(f.id == "F1" for f in figures):
        m.append(("Funnel plots", f"Limits by the {_get(params, 'funnel_method', 'binomial-interpolated')} "
                                  f"method around the audit standard ({_get(params, 'target', 0.8):.0%}), "
                                  "at 95% and 99.8%."))
    if any("kappa" in c for c in cols.values()):
        m.append(("Agreement", "Cohen's kappa with linear weights and a Wald interval "
                               "(asymptotic standard error of Fleiss, Cohen and Everitt)."))
    m.append(("Disclosure control", _disclosure_text(thr, sup, earlier)))
    if "T12" in cols:
        m.append(("Shrunken estimates", "Beta-binomial model of districts' compliance with the mean and spread "
                                        "of the districts integrated over a grid (uniform priors on the mean and "
                                        "the intra-class correlation); posterior means, 95% posterior intervals, "
                                        "the probability of being below the standard and rank intervals from "
                                        f"posterior draws ({names.get('T12', 'T12')}"
                                        + (f", {names.get('F4', 'F4')}" if any(f.id == "F4" for f in figures) else "")
                                        + ")."))
    if "T13" in cols:
        m.append(("Error rates of the flags", "Each flag (funnel limits at 95% and 99.8% with the overdispersion "
                                              "policy; each district against the rest with the adjustment above) "
                                              "applied to simulated cycles with this cycle's numbers of answered "
                                              "files: the false-positive rate for a district at the reference and "
                                              "the power for one 10, 15 or 20 points below it "
                                              f"({names.get('T13', 'T13')})."))
    if "T14" in cols:
        m.append(("Error rates of the control-chart rules", "Each special-cause rule of the monthly p-chart "
                                                          "(Making Data Count: a point outside the limits, a "
                                                          "trend, two of three beyond 2 sigma, a run; and the "
                                                          "Anhoej run-chart rules) applied to simulated charts "
                                                          "with the programme's numbers of files a month: the "
                                                          "false-alarm rate on a stable process and the power "
                                                          "after a sustained drop of 10 or 20 points "
                                                          f"({names.get('T14', 'T14')})."))
    if any("monte carlo" in t.lower() for v in tests_by.values() for t in v):
        m.append(("Random seed", f"{_get(params, 'seed', 'not set')} (for the Monte Carlo tests)."))
    pk = manifest.get("packages") or manifest.get("package_versions") or {}
    soft = [f"kentaudit {__version__}"] + [f"{k} {v}" for k, v in sorted(pk.items()) if k != "kentaudit" and v]
    m.append(("Software", ", ".join(soft) + "."))
    if manifest.get("git_commit"):
        m.append(("Code version", f"git commit {manifest['git_commit']}."))
    return m


def _disclosure_text(thr, sup, earlier) -> str:
    if not thr:
        return "No counts are suppressed (suppression_threshold = 0)."
    txt = (f"Counts from 1 to {thr} are suppressed and shown as [c]. Every count is defined by the audit "
           "records it counts, and the relations between all published counts (totals, pooled samples, "
           "the same count in two tables, this cycle's row of the trend table) are derived from those "
           "definitions. Further counts are suppressed (secondary suppression, chosen at least cost) until, "
           "for every suppressed count of 1 to "
           f"{thr}, the range of values a reader can prove from everything published by linear programming "
           f"is at least {sup.width if sup else DEFAULT_WIDTH} wide (the protection width). Percentages, "
           "intervals and test results calculated from a suppressed count are suppressed too, and "
           "adjusted p-values are adjusted within the family of rows shown. A shown zero is a true zero; "
           "a zero may be hidden as a complement (at the cost of a count of 1), so that a small count "
           "next to it is protected without hiding a larger total or a headline percentage.")
    hz = int(getattr(sup, "hidden_zeros", 0) or 0) if sup is not None else 0
    if hz:
        txt += f" In this edition {hz} zero{'s are' if hz != 1 else ' is'} hidden so."
    if earlier:
        rel = _release_list(earlier)
        pub = [str(r["cycle"]) for r in rel if r["source"] == "published"]
        mod = [str(r["cycle"]) for r in rel if r["source"] == "modelled"]
        parts = []
        if pub:
            parts.append(f"the published appendices of {_and(pub)} found beside this one")
        if mod:
            parts.append(f"the appendices of {_and(mod)} as they would have been published (rebuilt from "
                         "those cycles' audits with the same tables, threshold and protection width, each "
                         "suppressed knowing those before it)")
        txt += (" The protection also covers everything the programme has published about the cycles "
                f"this appendix reports: {' and '.join(parts)}; a count hidden there stays hidden here.")
    if sup is not None and sup.loss is not None and len(sup.loss):
        lo = sup.loss
        parts = [f"{r.table_id} {int(r.n_hidden_counts)} of {int(r.n_count_cells)}"
                 for r in lo.itertuples() if r.n_hidden_counts]
        tot_h, tot_n = int(lo["n_hidden_counts"].sum()), int(lo["n_count_cells"].sum())
        txt += (f" Information loss: {tot_h} of {tot_n} published count cells are suppressed "
                f"({100.0 * tot_h / tot_n if tot_n else 0:.1f}%; {int(lo['n_primary'].sum())} primary, "
                f"{int(lo['n_secondary'].sum())} secondary)"
                + (": " + "; ".join(parts) if parts else "") +
                f"; {int(lo['n_hidden_derived'].sum())} derived figures are suppressed with them.")
    return txt


def _caveats(params, synthetic: bool) -> list:
    c = [AREA_ASSUMPTION,
         "Audit findings describe the recorded evidence on the files audited; a file may not "
         "record work that was done.",
         "Intervals describe sampling uncertainty only; they do not cover differences between "
         "auditors, which the moderation table describes."]
    if synthetic:
        c.insert(0, "The data are synthetic: they were generated by kentaudit to resemble Kent's "
                    "audits and describe no real child, case or member of staff.")
    return c


# ------------------------------------------------------------- disclosure
#: Samples that make up a cycle's main results (``@main`` in count definitions); earlier
#: cycles of the programme (trend tables) are annual audits.
from .params import MAIN_SAMPLES  # noqa: E402  (one definition)
EARLIER_MAIN = ("annual",)


def disclosure_context(tables, results_dir: Path, *, cycle: str, samples, districts_path=None) -> Context:
    """The universe of records an appendix's counts are about, and what ``@`` references mean.

    Cycles: this one (its samples from the parameters) and every cycle named in the
    tables (trend rows, the previous cycle of the change table), whose records are
    annual audits. Districts and areas from the district reference. Record statuses
    (accepted, or each rejection rule) from the reconciliation table. Criteria from
    the tables' criterion labels.
    """
    from .reference import districts as _districts
    dref = _districts(districts_path) if districts_path else _districts()
    dist = {str(r.district): str(r.area) for r in dref.itertuples()}
    cycles = {cycle: list(samples)}
    previous = None
    ch = _read_results(results_dir, "change_since_previous")
    if ch is not None and "previous_cycle" in ch.columns and len(ch):
        previous = str(ch["previous_cycle"].iloc[0])
    criteria, statuses = [], [ACCEPTED]
    for t in tables:
        for c, dim in ((t.defines or {}).get("labels") or {}).items():
            vals = [str(v) for v in t.data[c]]
            if dim == "cycle":
                for v in vals:
                    cycles.setdefault(v, list(EARLIER_MAIN))
            elif dim == "criterion":
                criteria += [v for v in vals if v not in criteria]
            elif dim == "status":
                statuses += [v for v in vals if v.strip().lower() not in ("accepted", "total", "all")
                             and v not in statuses]
    if previous is None:
        earlier = sorted(c for c in cycles if c < cycle)
        previous = earlier[-1] if earlier else None
    if previous is not None:
        cycles.setdefault(previous, list(EARLIER_MAIN))
    main = {c: ([s for s in v if s in MAIN_SAMPLES] if c == cycle else list(EARLIER_MAIN))
            for c, v in cycles.items()}
    # the samples the district comparisons read, as the results say (their ``samples`` column)
    dsamp = {}
    cbd = _read_results(results_dir, "compliance_by_district")
    if cbd is not None and "samples" in cbd.columns and len(cbd):
        dsamp[cycle] = [s.strip() for s in str(cbd["samples"].iloc[0]).split("+") if s.strip()]
    return Context(cycle, Universe(cycles, dist, {cycle: statuses}, criteria), main, previous, dsamp)


def earlier_releases(output_dir: Path, cycle: str, ctx: Context, *, exclude=None, modelled=()) -> list:
    """Counts published by the programme's other appendices under ``output_dir``.

    Reads ``<output_dir>/<other cycle>/publish/csv/metadata.json`` (the ``release``
    block: every count cell's definition and its published value, ``None`` where
    hidden), and the release folders of ``modelled`` (earlier appendices modelled as
    they would be published, :func:`kentaudit.releases.model_releases`). Releases about
    cycles this appendix does not cover are independent of it and left out; the
    universe is extended with any sample an earlier release names.

    Returns
    -------
    list of (Definition, value or None, release folder)
    """
    out = []
    folders = []
    if Path(output_dir).is_dir():
        ex = Path(exclude).resolve() if exclude is not None else None
        folders = [mf.parents[1] for mf in sorted(Path(output_dir).glob("*/publish/csv/metadata.json"))
                   if ex is None or mf.parents[2].resolve() != ex]
    for folder in [*folders, *[Path(m) for m in modelled]]:
        mf = folder / "csv" / "metadata.json"
        try:
            rel = json.loads(mf.read_text(encoding="utf-8")).get("release") or {}
        except (OSError, ValueError):
            continue
        if str(rel.get("cycle")) == cycle:
            continue
        out += [(d, v, folder) for d, v in release_cells(rel, ctx)]
    return out


def release_cells(rel: dict, ctx: Context) -> list:
    """The count cells of a ``release`` block that concern cycles of ``ctx``'s universe,
    as ``(Definition, value or None)``; the universe gains any sample they name."""
    from .cellmodel import Definition
    cells = []
    for c in rel.get("cells") or ():
        d = dict(c["definition"])
        if c.get("value") is None and not c.get("hidden", True):
            continue
        if not set(d.get("cycle", [])) & set(ctx.universe.cycles):
            continue
        cells.append((d, c.get("value")))
    for d, v in cells:
        for cy in d.get("cycle", []):
            for smp in d.get("sample", []):
                if cy in ctx.universe.cycles and smp not in ctx.universe.cycles[cy]:
                    ctx.universe.cycles[cy].append(smp)
    out = []
    for d, v in cells:
        br = tuple(d.pop("branch")) if "branch" in d else None
        out.append((Definition(d, br, ctx.universe), v))
    return out


def readjust_p_values(tables, method: str) -> None:
    """Adjusted p-values recomputed within the family of rows that are shown.

    For every column declared ``adjusts: <raw p column>``, the rows whose adjusted
    p-value is hidden (derived from a hidden count) or whose raw p-value is missing
    leave the family, and the others are adjusted again among themselves
    (:func:`kentaudit.multiplicity.adjust`), within groups of the ``family`` label
    columns (``district_is_total`` groups district rows apart from area rows). So no
    shown adjusted p-value depends on a hidden row's p-value or rank. The families
    are recorded in ``table.adjustments`` (published in ``metadata.json``).
    """
    import numpy as np

    from .multiplicity import adjust
    for t in tables:
        for col, a in (t.adjustments or {}).items():
            df = t.data
            raw = a["raw"]
            fam_cols = a.get("family") or []

            def key(i):
                k = []
                for c in fam_cols:
                    if c == "district_is_total":
                        k.append(str(df.at[i, "district"]) == "All districts")
                    else:
                        k.append(str(df.at[i, c]))
                return tuple(k)

            members = {}
            for i in range(len(df)):
                pv, av = df.at[i, raw], df.at[i, col]
                if isinstance(pv, str) or isinstance(av, str):
                    continue
                try:
                    f = float(pv)
                except (TypeError, ValueError):
                    continue
                if not np.isfinite(f):
                    continue
                members.setdefault(key(i), []).append(i)
            new = df.copy()
            for i in range(len(df)):
                if not isinstance(df.at[i, col], str):
                    new.at[i, col] = float("nan")
            fams = []
            for k, rows in members.items():
                res = adjust(np.array([float(df.at[i, raw]) for i in rows]), method=method)
                for i, v in zip(rows, res["p_adjusted"]):
                    new.at[i, col] = float(v)
                fams.append({"key": list(map(str, k)), "rows": rows})
            t.data = new
            a.update({"method": method, "families": fams})


# -------------------------------------------------------------------- write
def _write_restricted(rdir: Path, tables, audit: pd.DataFrame, equations: pd.DataFrame | None = None):
    rdir.mkdir(parents=True, exist_ok=True)
    for old in rdir.glob("RESTRICTED_*"):
        old.unlink()
    (rdir / "RESTRICTED_README.txt").write_text(
        f"{RESTRICTED_MARK}.\nThese tables hold the unsuppressed counts behind the published "
        "appendix, and RESTRICTED_suppression_audit.csv says which cells were suppressed and why.\n",
        encoding="utf-8")
    for t in tables:
        df = neutralise_frame(t.data.copy())
        df.insert(0, "restricted", RESTRICTED_MARK)
        df.to_csv(rdir / f"RESTRICTED_{t.id}.csv", index=False)
    a = neutralise_frame(audit.copy())
    a.insert(0, "restricted", RESTRICTED_MARK)
    a.to_csv(rdir / "RESTRICTED_suppression_audit.csv", index=False)
    if equations is not None:
        e = neutralise_frame(equations.copy())
        e.insert(0, "restricted", RESTRICTED_MARK)
        e.to_csv(rdir / "RESTRICTED_equations.csv", index=False)


def _write_findings(rdir: Path, found) -> None:
    """The numbers of the main findings with the table cell each comes from (restricted:
    beside the unsuppressed tables, so a reviewer can trace every number)."""
    rdir.mkdir(parents=True, exist_ok=True)
    b = neutralise_frame(bindings_frame(found))
    b.insert(0, "restricted", RESTRICTED_MARK)
    b.to_csv(rdir / "RESTRICTED_findings.csv", index=False)


def _criterion_words(params) -> dict:
    from .reference import criteria
    inputs = _get(params, "inputs")
    path = getattr(inputs, "criteria", None) if inputs is not None and not isinstance(inputs, Mapping) \
        else (inputs or {}).get("criteria")
    c = criteria(path)
    return dict(zip(c["id"].astype(str), c["label"].astype(str)))


def _headline(params, words) -> str:
    h = _get(params, "headline_criterion", None)
    return h or next(iter(words["criteria"]), "")


def _publication(params, now: str, headline: str) -> dict:
    pub = _get(params, "publication")
    d = pub.to_dict() if hasattr(pub, "to_dict") else dict(pub or {})
    if not d.get("status"):
        d["status"] = ("synthetic demonstration data" if _get(params, "synthetic", False)
                       else "not stated (set publication.status)")
    d.setdefault("producer", "Kent County Council")
    if not d.get("publication_date"):
        d["publication_date"] = now[:10]
    d["headline_criterion"] = headline
    return d


def _extra_tests(spec, results_dir: Path, tables) -> dict:
    """Tests behind the p-values of tables that have no test column (``tests_from``)."""
    out = {}
    ids = {t.id for t in tables}
    for e in spec["tables"]:
        if e["id"] in ids and e.get("tests_from"):
            names = set()
            for src in e["tests_from"]:
                df = _read_results(results_dir, src)
                if df is not None and "test" in df.columns:
                    names |= {str(v) for v in df["test"].dropna()}
            out[e["id"]] = sorted(names)
    return out


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _release_list(earlier) -> list:
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


def _districts_ref(inputs):
    from .reference import districts as _districts
    return _districts(inputs.get("districts")) if inputs.get("districts") else _districts()


def _grade_words(params) -> dict:
    """Grade labels (``"1 Outstanding"``...) of the cycle's grade scale, used for the earlier
    appendices as modelled too: disclosure control counts grades by number, so the words
    of the rows change nothing that is protected."""
    from .reference import grade_labels
    scale = _get(params, "grade_scale", "ofsted_2009") or "ofsted_2009"
    return {g: f"{g} {lab}" for g, lab in grade_labels(scale).items()}


def _write_csvs(cdir: Path, tables, *, ctx=None, sup=None, earlier=()):
    cdir.mkdir(parents=True, exist_ok=True)
    for t in tables:
        neutralise_frame(csv_frame(t)).to_csv(cdir / f"{t.id}.csv", index=False)
    meta = {"tables": [t.metadata() for t in tables]}
    if ctx is not None:
        u = ctx.universe
        meta["universe"] = {"cycle": ctx.cycle, "cycles": u.cycles, "main": ctx.main,
                            "district_samples": ctx.district_samples,
                            "previous": ctx.previous, "districts": u.districts,
                            "statuses": u.statuses, "criteria": u.criteria}
    if sup is not None:
        meta["disclosure"] = {"threshold": sup.threshold, "protection_width": sup.width,
                              # what a reader may assume of every [c]: at least 1, or at least 0
                              # when a zero is hidden as a complement
                              "hidden_at_least": 0 if getattr(sup, "hidden_zeros", 0) else 1,
                              # which earlier appendices the protection covers (not where they are)
                              "earlier_releases": _release_list(earlier)}
        by_id = {t.id: t for t in tables}
        cells = []
        for (tid, i, c), d in sup.cells.items():
            v = by_id[tid].data.at[i, c]
            if isinstance(v, str) and v != "[c]" or not isinstance(v, str) and pd.isna(v):
                continue  # [x]: not available, says nothing
            cells.append({"table": tid, "row": i, "column": c, "definition": d.as_dict(),
                          "value": None if isinstance(v, str) else int(v)})
        meta["release"] = {"cycle": ctx.cycle if ctx is not None else None, "cells": cells}
    (cdir / "metadata.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def build_appendix(params, results_dir=None, *, spec_path=None) -> AppendixResult:
    """Build, disclosure-control, write and check the appendix of one cycle.

    Parameters
    ----------
    params : kentaudit.params.CycleParams or mapping
        The cycle parameters (keys as in the params contract: cycle, title,
        synthetic, samples, confidence_level, interval_method, adjust_method,
        suppression_threshold, target, funnel_method, seed, inputs, output_dir).
    results_dir : path-like, optional
        The cycle's output folder holding ``results/``, ``figures/`` and
        ``manifest.json`` (default ``<output_dir>/<cycle>``).
    spec_path : path-like, optional
        Another appendix spec (default: the bundled one).

    Returns
    -------
    AppendixResult

    Raises
    ------
    PublicationCheckError
        The publication check found a leak in the files to publish; nothing
        was moved into ``publish/`` (the candidate is kept in ``publish_rejected/``).
    DisclosureError, PublicationTableError
        Suppression or a table could not be built safely.
    """
    cycle = str(_get(params, "cycle"))
    if results_dir is None:
        results_dir = Path(_get(params, "output_dir", "outputs")) / cycle
    results_dir = Path(results_dir)
    if not (results_dir / "results").is_dir():
        raise ParamsError(f"no results folder at {results_dir / 'results'}; run the cycle's notebooks "
                          "first (kentaudit run) or pass --results.", key="results_dir")
    spec = load_spec(spec_path)
    samples = list(_get(params, "samples", []) or [])
    inputs = _inputs(params)
    has_prev = bool(inputs.get("previous_audits"))
    synthetic = bool(_get(params, "synthetic", False))
    threshold = int(_get(params, "suppression_threshold", 5))
    mf = results_dir / "manifest.json"
    manifest = json.loads(mf.read_text(encoding="utf-8")) if mf.exists() else {}
    if manifest.get("partial") or results_dir.name.endswith("-partial"):
        raise ParamsError(f"{results_dir} holds results of a partial run (--districts/--notebooks): an "
                          "appendix needs every table of a full run. Run the whole cycle (kentaudit run).",
                          key="results_dir")
    if manifest.get("status") in ("failed", "interrupted") or ".failed-" in results_dir.name:
        raise ParamsError(f"{results_dir} holds results of a run that {manifest.get('status') or 'failed'}: "
                          "fix the failure and run the cycle again before publishing.", key="results_dir")

    words = {"criteria": _criterion_words(params)}
    tables, skipped = build_tables(spec, results_dir, cycle=cycle, samples=samples,
                                   has_previous=has_prev, synthetic=synthetic,
                                   source=source_line(params, synthetic), criterion_words=words["criteria"])
    width = _get(params, "protection_width", None)
    width = int(DEFAULT_WIDTH if width is None else width)
    ctx = disclosure_context(tables, results_dir, cycle=cycle, samples=samples,
                             districts_path=inputs.get("districts"))
    out_root = Path(_get(params, "output_dir", "outputs"))
    found = [f for f in (mf.parents[1] for mf in sorted(out_root.glob("*/publish/csv/metadata.json")))
             if f.parent.resolve() != results_dir.resolve()] if out_root.is_dir() else []
    # the earlier appendices not found as published, modelled as they would have been
    modelled = model_releases(results_dir, results_dir / "restricted" / "earlier_releases", cycle=cycle,
                              spec=spec, districts=_districts_ref(inputs), threshold=threshold,
                              width=width, grade_labels=_grade_words(params), found=found,
                              criterion_words=words["criteria"])
    earlier = earlier_releases(out_root, cycle, ctx, exclude=results_dir, modelled=modelled)
    sup = suppress(tables, threshold=threshold, context=ctx, width=width,
                   earlier=[(d, v) for d, v, _ in earlier])
    mark_untestable(sup.tables)  # no test possible: [z], and out of every adjustment family
    readjust_p_values(sup.tables, _get(params, "adjust_method", "holm"))
    _write_restricted(results_dir / "restricted", tables, sup.audit, sup.equations)

    stage = results_dir / "publish.staging"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    labels = {}
    for t in tables:
        if "criterion_label" in t.data.columns:
            labels.update(zip(t.data["criterion"].astype(str), t.data["criterion_label"].astype(str)))
    headline = _headline(params, words)
    hl = words["criteria"].get(headline, headline)
    spec_figs = [{**e, "title": e["title"].replace("{headline}", hl)} for e in spec.get("figures", [])]
    figures, fskipped = draw_figures(
        spec_figs, sup.tables, stage / "figures", headline=headline, labels=labels,
        target=float(_get(params, "target", 0.8)) if not isinstance(_get(params, "target", 0.8), str) else 0.8,
        funnel_method=_get(params, "funnel_method", "binomial-interpolated"), threshold=threshold,
        skip_reason=lambda e: _applies(e, samples, has_prev))
    for f in figures:  # the published table shown beside each figure
        f.data_table = dict(next((e.get("data_table") for e in spec_figs if e["id"] == f.id), None) or {})

    notes = dict(spec.get("notes", {}))
    if "district_samples" in notes:
        notes["district_samples"] = district_samples_note(ctx.district_samples.get(cycle),
                                                          [s for s in samples if s in MAIN_SAMPLES])
    title = _get(params, "title") or f"Case-file audit {cycle}: statistical appendix"
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    from .pubview import SAMPLE_WORDS, numbering
    names = numbering([t.id for t in sup.tables] + [f.id for f in figures])
    conf = float(_get(params, "confidence_level", 0.95))
    found = main_findings(sup.tables, headline=headline, conf_level=conf,
                          adjust_method=_get(params, "adjust_method", "holm"), names=names, words=words)
    _write_findings(results_dir / "restricted", found)
    content = AppendixContent(
        title=title,
        intro=(f"Statistical appendix to the report of the {cycle} case-file audit cycle "
               f"(samples: {', '.join(SAMPLE_WORDS.get(x, x).lower() for x in samples) or 'not stated'}). "
               "Tables are numbered in reading order; each is also published as a CSV file and on a "
               "sheet of the spreadsheets, named by its reference (T1, T2, ...)."),
        tables=sup.tables, figures=figures, notes=notes,
        methods=_methods(params, manifest, sup.tables, sup=sup, earlier=earlier, names=names,
                         figures=figures, extra_tests=_extra_tests(spec, results_dir, sup.tables),
                         district_note=notes.get("district_samples")),
        caveats=_caveats(params, synthetic),
        skipped=skipped + fskipped, synthetic=synthetic,
        generated=f"Generated by kentaudit {__version__} on {now}.",
        findings=found, words=words,
        publication=_publication(params, now, headline),
        downloads=[("appendix.pdf", "PDF for printing (A4)"), ("appendix.xlsx", "Excel workbook"),
                   ("appendix.ods", "OpenDocument spreadsheet"),
                   *[(f"csv/{t.id}.csv", f"{t.id}.csv") for t in sup.tables]])

    def without_pdf():
        content.downloads = [d for d in content.downloads if d[0] != "appendix.pdf"]
        content.skipped = content.skipped + [("P1", "PDF for printing", "Chromium was not found or "
                                              "could not print the appendix")]
        write_html(stage / "appendix.html", content)

    extra = [Path(p) for p in (inputs.get("audits") or [])]
    check_args = dict(restricted_dir=results_dir / "restricted", threshold=threshold,
                      audit_files=extra, width=width,
                      earlier=sorted({str(p) for _, _, p in earlier}) + [
                          str(m) for m in modelled if m not in {p for _, _, p in earlier}])
    write_html(stage / "appendix.html", content)
    # Chromium prints into a private folder of its own while the rest is written and the
    # folder checked; the PDF joins the folder when done and is checked then.
    printing = Path(tempfile.mkdtemp(prefix="kentaudit-pdf-"))
    try:
        job = start_pdf(stage / "appendix.html", printing / "appendix.pdf")
        write_xlsx(stage / "appendix.xlsx", content)
        write_ods(stage / "appendix.ods", content)
        _write_csvs(stage / "csv", sup.tables, ctx=ctx, sup=sup, earlier=earlier)
        if job is None:
            without_pdf()
        findings = check_publication(stage, **check_args)
        if job is not None:
            pdf = finish_pdf(job)
            if pdf is None:  # the page no longer offers the PDF: checked again as changed
                without_pdf()
                findings = check_publication(stage, **check_args)
            else:
                shutil.move(str(pdf), str(stage / "appendix.pdf"))
                findings += check_printed(stage / "appendix.pdf", restricted_dir=check_args["restricted_dir"],
                                          audit_files=extra)
    finally:
        shutil.rmtree(printing, ignore_errors=True)
    final = results_dir / "publish"
    if findings:
        rej = results_dir / "publish_rejected"
        if rej.exists():
            shutil.rmtree(rej)
        stage.rename(rej)
        raise PublicationCheckError(findings)
    if final.exists():
        shutil.rmtree(final)
    stage.rename(final)
    files = sorted(p for p in final.rglob("*") if p.is_file())
    return AppendixResult(final, results_dir / "restricted", [t.id for t in sup.tables],
                          [f.id for f in figures], skipped + fskipped, sup.audit, files)


def build_appendix_cli(params_path, results_dir=None) -> int:
    """``kentaudit appendix``: load the parameters, build the appendix, print where it is.

    Returns 0 on success; errors are raised as :class:`~kentaudit.errors.KentauditError`
    (the CLI prints them and exits non-zero).
    """
    try:
        from .params import load_params
    except ImportError:  # params.py is written by another engineer; accept plain YAML meanwhile
        load_params = None
    if load_params is not None:
        params = load_params(params_path)
    else:
        params = yaml.safe_load(Path(params_path).read_text(encoding="utf-8"))
    res = build_appendix(params, results_dir)
    print(f"appendix: {len(res.tables)} tables, {len(res.figures)} figures -> {res.publish_dir}")
    for id_, title, why in res.skipped:
        print(f"  skipped {id_} ({title}): {why}")
    print(f"restricted (unsuppressed, internal only): {res.restricted_dir}")
    return 0
