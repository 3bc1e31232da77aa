"""Earlier appendices of the programme, as they would have been published.

The appendix of cycle Y republishes earlier cycles' counts (the trend table T11, the
previous cycle in T10). Disclosure control must hold over everything published for the
programme so far, not over this file alone: a count an earlier appendix hid must stay
hidden, and a count it showed is known to every reader. When an earlier cycle's real
``publish/`` folder is found under ``output_dir`` it is read as published
(:func:`kentaudit.publication.appendix.earlier_releases`). When it is not (a programme whose earlier
appendices were published elsewhere, or a first run of this suite), the earlier
appendix is *modelled*: its annual-release tables are rebuilt from the earlier cycles'
audits with this spec (T1, T3, T4, T7, T8, T10, T11, their count columns and
definitions), suppressed in order of publication (each earlier appendix knowing those
before it), and written as a release folder that the appendix and the independent
attack both read.

The counts behind the model are saved by the trends notebook
(:func:`programme_counts`, :func:`programme_grades`: counted once, at the finest level
an annual appendix publishes), so publishing needs no raw records.

Not modelled: T2 (records received and rejected by an earlier cycle's ingest) and T9
(moderation), whose counts share no linear relation with this appendix's counts of
earlier cycles other than through audit totals already modelled.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from kentaudit.inputs.profile import Words, bundled_profile
from kentaudit.publication.cells import ACCEPTED, Definition, Universe, grade_domain
from kentaudit.publication.disclosure import Context, suppress
from kentaudit.publication.spec import build_tables, read_results
from kentaudit.publication.writers.csv import write_csvs
from kentaudit.report.tables import default_words
from kentaudit.stats import proportions

__all__ = ["RELEASE_TABLES", "programme_counts", "programme_grades", "release_spec",
           "release_frames", "model_releases", "earlier_releases", "release_cells"]

#: The tables an earlier annual appendix would publish that count its records.
RELEASE_TABLES = ("T1", "T3", "T4", "T7", "T8", "T10", "T11")
#: Grade values of ``programme_grades`` (``missing``: no overall grade recorded).
GRADE_VALUES = ("1", "2", "3", "4", "missing")

_COUNT_COLS = ["n_audits", "n_yes", "n_no", "n_denominator", "n_not_applicable", "n_missing"]


def programme_counts(audits: pd.DataFrame, criteria, districts: pd.DataFrame) -> pd.DataFrame:
    """Answers to every criterion by cycle, sample and district: the finest counts an
    annual appendix publishes.

    Parameters
    ----------
    audits : DataFrame
        Accepted audits of every cycle (wide form, ``cycle``, ``sample``, ``district``,
        ``c_<id>`` columns).
    criteria : list of str
        Criterion ids.
    districts : DataFrame
        The district reference (``district``, ``area``).

    Returns
    -------
    DataFrame
        One row per cycle x sample x district x criterion with audits (groups with no
        audit are absent): ``cycle``, ``sample``, ``area``, ``district``, ``criterion``,
        ``n_audits``, ``n_yes``, ``n_no``, ``n_denominator``, ``n_not_applicable``,
        ``n_missing`` (as :func:`kentaudit.stats.proportions.criterion_counts`).
    """
    a = audits.assign(cycle=audits["cycle"].astype(str))
    c = proportions.criterion_counts(a, by=["cycle", "sample", "district"], criteria=criteria)
    area = dict(zip(districts["district"].astype(str), districts["area"].astype(str)))
    c["criterion"] = c["criterion"].astype(str).str.replace(r"^c_", "", regex=True)
    c.insert(2, "area", c["district"].astype(str).map(area))
    return c[["cycle", "sample", "area", "district", "criterion", *_COUNT_COLS]].reset_index(drop=True)


def programme_grades(audits: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Overall grades by cycle, sample and district.

    Returns
    -------
    DataFrame
        ``cycle``, ``sample``, ``area``, ``district``, ``grade`` (``1`` to ``4``, or
        ``missing`` when no overall grade was recorded), ``n_audits``; groups with no
        audit are absent.
    """
    g = audits["overall_grade"]
    grade = pd.Series(np.where(g.isna(), "missing", g.astype("Float64").astype(str).str.replace(r"\.0$", "", regex=True)),
                      index=audits.index)
    df = pd.DataFrame({"cycle": audits["cycle"].astype(str), "sample": audits["sample"].astype(str),
                       "district": audits["district"].astype(str), "grade": grade})
    out = df.groupby(["cycle", "sample", "district", "grade"], sort=True).size().rename("n_audits").reset_index()
    area = dict(zip(districts["district"].astype(str), districts["area"].astype(str)))
    out.insert(2, "area", out["district"].map(area))
    return out


def release_spec(spec: dict) -> dict:
    """The part of an appendix spec an earlier annual appendix is modelled with: the
    tables of :data:`RELEASE_TABLES`, their label and count columns, structure and
    definitions (derived columns, joins and tests say nothing about counts a reader does
    not already have from the counts)."""
    out = {k: v for k, v in spec.items() if k not in ("tables", "figures")}
    tables = []
    for e in spec["tables"]:
        if e["id"] not in RELEASE_TABLES:
            continue
        e = {k: v for k, v in e.items() if k not in ("join", "tests_from", "notes")}
        e["columns"] = [c for c in e["columns"] if c["kind"] in ("label", "count")]
        tables.append(e)
    out["tables"] = tables
    return out


def _order(samples, order) -> list:
    """``samples`` in the profile's order of samples (``order``), then any it does not name, sorted."""
    return [s for s in order if s in samples] + sorted(s for s in samples if s not in order)


def _programme(sample_order, main_samples) -> tuple:
    """The profile's sample order and main samples; None: the bundled example profile's (the
    back-compatible default of a caller that names no profile)."""
    if sample_order is None or main_samples is None:
        p = bundled_profile()
        sample_order = p.sample_names if sample_order is None else sample_order
        main_samples = p.main_samples if main_samples is None else main_samples
    return tuple(sample_order), tuple(main_samples)


def release_frames(counts: pd.DataFrame, grades: pd.DataFrame, cycle: str, *, criteria,
                   districts: pd.DataFrame, grade_labels: dict, words: Words | None = None,
                   sample_order=None, main_samples=None) -> dict:
    """The results tables an appendix of ``cycle`` reads, rebuilt from the programme's counts.

    ``districts`` is the cycle's units table and ``words`` the authority's (its profile's:
    the authority's rows and the rows of every unit of an area are named as the notebooks
    name them; default the bundled example profile's). ``sample_order`` is the profile's
    samples in order (``Profile.sample_names``: the order of samples in published tables) and
    ``main_samples`` its main samples (``Profile.main_samples``: those the trend counts, in
    every cycle); None: the bundled example profile's.

    ``counts`` and ``grades`` are :func:`programme_counts` and :func:`programme_grades`
    (every cycle); the trend and change tables use the cycles up to ``cycle``. The
    frames have the count and label columns of the results tables ``sample_summary``,
    ``sample_by_district``, ``compliance_by_criterion``, ``compliance_by_district``,
    ``grades``, ``trend`` and ``change_since_previous`` (``docs/results.md``); a district
    with no audit counts 0.

    Returns
    -------
    dict ``{results table name: DataFrame}``
    """
    cycle = str(cycle)
    w = words or default_words()
    c = counts[counts["cycle"].astype(str) == cycle]
    g = grades[grades["cycle"].astype(str) == cycle]
    sample_order, main_samples = _programme(sample_order, main_samples)
    samples = _order(set(g["sample"]), sample_order)
    main = [s for s in samples if s in main_samples] or samples
    ref = districts[["district", "area"]].astype(str)
    dist_order = ref.sort_values("district")
    frames = {}

    per = g.groupby(["sample", "district"])["n_audits"].sum()
    frames["sample_summary"] = pd.DataFrame(
        [{"sample": s, "n_audits": int(per.get(s, pd.Series(dtype=int)).sum())} for s in samples]
        + [{"sample": "Total", "n_audits": int(per.sum())}])
    rows = []
    for s in samples:
        for r in dist_order.itertuples():
            rows.append({"sample": s, "area": r.area, "district": r.district,
                         "n_audits": int(per.get((s, r.district), 0))})
        rows.append({"sample": s, "area": w.authority, "district": "Total",
                     "n_audits": int(per.get(s, pd.Series(dtype=int)).sum())})
    frames["sample_by_district"] = pd.DataFrame(rows)

    cm = c[c["sample"].isin(main)]
    kent = cm.groupby("criterion")[_COUNT_COLS].sum().reindex(list(criteria)).fillna(0).astype(int)
    frames["compliance_by_criterion"] = kent.reset_index()

    by_d = cm.groupby(["criterion", "district"])[["n_yes", "n_denominator"]].sum()
    by_a = cm.groupby(["criterion", "area"])[["n_yes", "n_denominator"]].sum()
    rows = []
    for crit in criteria:
        for area in sorted(ref["area"].unique()):
            for dist in ref.loc[ref["area"] == area, "district"]:
                k = by_d.loc[(crit, dist)] if (crit, dist) in by_d.index else None
                rows.append({"criterion": crit, "area": area, "district": dist,
                             "n_yes": int(k["n_yes"]) if k is not None else 0,
                             "n_denominator": int(k["n_denominator"]) if k is not None else 0})
            k = by_a.loc[(crit, area)] if (crit, area) in by_a.index else None
            rows.append({"criterion": crit, "area": area, "district": w.all_units,
                         "n_yes": int(k["n_yes"]) if k is not None else 0,
                         "n_denominator": int(k["n_denominator"]) if k is not None else 0})
        rows.append({"criterion": crit, "area": w.authority, "district": w.all_units,
                     "n_yes": int(kent.at[crit, "n_yes"]), "n_denominator": int(kent.at[crit, "n_denominator"])})
    frames["compliance_by_district"] = pd.DataFrame(rows)

    graded = g[g["grade"] != "missing"].groupby(["sample", "grade"])["n_audits"].sum()
    rows = []
    for s in samples:
        tot = 0
        for k, lab in grade_labels.items():
            n = int(graded.get((s, str(k)), 0))
            tot += n
            rows.append({"sample": s, "grade": lab, "n_audits": n})
        rows.append({"sample": s, "grade": "Total", "n_audits": tot})
    frames["grades"] = pd.DataFrame(rows)

    before = sorted({str(x) for x in counts["cycle"]} - {cycle})
    before = [x for x in before if x < cycle]
    if before:
        cyc = before + [cycle]
        # this cycle's main samples, and every earlier cycle's samples that are main samples of the profile
        tr = counts[counts["cycle"].astype(str).isin(cyc)]
        tr = tr[(tr["cycle"].astype(str) == cycle) & tr["sample"].isin(main)
                | (tr["cycle"].astype(str) != cycle) & tr["sample"].isin(main_samples)]
        t = tr.groupby(["cycle", "criterion"])[["n_yes", "n_denominator"]].sum()
        rows = [{"criterion": crit, "cycle": y,
                 "n_yes": int(t["n_yes"].get((y, crit), 0)), "n_denominator": int(t["n_denominator"].get((y, crit), 0))}
                for y in cyc for crit in criteria]
        frames["trend"] = pd.DataFrame(rows)
        prev = before[-1]
        frames["change_since_previous"] = pd.DataFrame(
            [{"criterion": crit, "previous_cycle": prev, "cycle": cycle,
              "n_yes_previous": int(t["n_yes"].get((prev, crit), 0)),
              "n_denominator_previous": int(t["n_denominator"].get((prev, crit), 0)),
              "n_yes": int(t["n_yes"].get((cycle, crit), 0)),
              "n_denominator": int(t["n_denominator"].get((cycle, crit), 0))} for crit in criteria])
    return frames


def model_releases(results_dir, out_dir, *, cycle: str, spec: dict, districts: pd.DataFrame,
                   threshold: int, width: int, grade_labels: dict, criterion_words=None,
                   found=(), words: Words | None = None, producer: str | None = None,
                   sample_order=None, main_samples=None) -> list[Path]:
    """Model the programme's earlier appendices that were not found, in order of publication.

    For each cycle before ``cycle`` in the results table ``programme_counts`` whose
    appendix is not among ``found`` (release folders read as published), the release
    tables (:func:`release_spec`) are rebuilt (:func:`release_frames`), suppressed with
    :func:`kentaudit.publication.disclosure.suppress` at this appendix's threshold and protection
    width, knowing every release published before it (found or modelled), and written
    as ``out_dir/<cycle>/csv/`` (CSVs and ``metadata.json`` with the ``release`` block),
    the layout of a ``publish/`` folder.

    Parameters
    ----------
    results_dir : path-like
        The cycle's results folder (holding ``results/programme_counts``).
    out_dir : path-like
        Where the modelled releases are written (restricted: they are models, not
        publications).
    found : iterable of path-like
        Release folders (``publish/``) of earlier appendices found as published.
    words : the authority's words (its profile's; default the bundled example profile's).
    producer : the authority's full name (its profile's), named in each table's source.
    sample_order, main_samples : the profile's samples in order and its main samples
        (:func:`release_frames`; None: the bundled example profile's).

    Returns
    -------
    list of Path
        The modelled release folders, oldest first; empty when the results hold no
        programme counts (no earlier cycles, or results of an older version).
    """

    results_dir, out_dir = Path(results_dir), Path(out_dir)
    counts = read_results(results_dir, "programme_counts")
    grades = read_results(results_dir, "programme_grades")
    if counts is None or grades is None or not len(grades):
        return []
    counts = counts.assign(cycle=counts["cycle"].astype(str), criterion=counts["criterion"].astype(str))
    grades = grades.assign(cycle=grades["cycle"].astype(str), grade=grades["grade"].astype(str))
    criteria = list(dict.fromkeys(counts["criterion"]))
    cycles = sorted(x for x in set(grades["cycle"]) if x < str(cycle))
    found_dirs = [Path(p) for p in found]
    found_cycles = {}
    for p in found_dirs:
        rel = _release_block(p)
        if rel.get("cycle") is not None:
            found_cycles[str(rel["cycle"])] = p
    rspec = release_spec(spec)
    dist = dict(zip(districts["district"].astype(str), districts["area"].astype(str)))
    sample_order, main_samples = _programme(sample_order, main_samples)
    samples_of = {y: _order(set(grades.loc[grades["cycle"] == y, "sample"]), sample_order) for y in cycles}
    out: list[Path] = []
    published: list[Path] = []
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for y in cycles:
        if y in found_cycles:
            published.append(found_cycles[y])
            continue
        upto = [x for x in cycles if x <= y]
        main = {x: [s for s in samples_of[x] if s in main_samples] or samples_of[x] for x in upto}
        ctx = Context(y, Universe({x: list(samples_of[x]) for x in upto}, dict(dist), {y: [ACCEPTED]},
                                  list(criteria), grades=grade_domain(sorted(grade_labels))),
                      main, upto[-2] if len(upto) > 1 else None, {y: main[y]},
                      authority=words.authority if words is not None else None)
        frames = release_frames(counts, grades, y, criteria=criteria, districts=districts,
                                grade_labels=grade_labels, words=words, sample_order=sample_order,
                                main_samples=main_samples)
        tables, _ = build_tables(rspec, results_dir, cycle=y, samples=samples_of[y],
                                 has_previous=len(upto) > 1, criterion_words=criterion_words,
                                 frames=frames, words=words, producer=producer)
        earlier = []
        for p in published:
            earlier += [(d, v, p) for d, v in release_cells(_release_block(p), ctx)]
        sup = suppress(tables, threshold=threshold, context=ctx, width=width,
                       earlier=[(d, v) for d, v, _ in earlier])
        folder = out_dir / y
        folder.mkdir(parents=True)  # under restricted/: made private (0700) with it by the runner
        write_csvs(folder / "csv", sup.tables, ctx=ctx, sup=sup, earlier=earlier, words=words)
        out.append(folder)
        published.append(folder)
    return out


def _release_block(folder) -> dict:
    mf = Path(folder) / "csv" / "metadata.json"
    try:
        return json.loads(mf.read_text(encoding="utf-8")).get("release") or {}
    except (OSError, ValueError):
        return {}


def earlier_releases(output_dir: Path, cycle: str, ctx: Context, *, exclude=None, modelled=()) -> list:
    """Counts published by the programme's other appendices under ``output_dir``.

    Reads ``<output_dir>/<other cycle>/publish/csv/metadata.json`` (the ``release``
    block: every count cell's definition and its published value, ``None`` where
    hidden), and the release folders of ``modelled`` (earlier appendices modelled as
    they would be published, :func:`kentaudit.publication.releases.model_releases`). Releases about
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
