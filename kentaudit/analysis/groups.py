"""One-line comparisons of two groups of audits: any grouping, any filter.

"Under-1s in Thanet against the rest of the authority", "Thanet against Swale on every
criterion", "does auditor AUD07 grade harder": each is one call.

>>> import kentaudit
>>> cycle = kentaudit.load_cycle("params/cycle-2009.yaml")              # doctest: +SKIP
>>> kentaudit.compare_groups(cycle, by="district", group="Thanet",
...                          where={"age_band": "under_1"})             # doctest: +SKIP
>>> kentaudit.compare_groups(cycle, by="district", group="Thanet", reference="Swale")  # doctest: +SKIP
>>> kentaudit.compare_grades_by(cycle, by="auditor", group="AUD07")     # doctest: +SKIP

Both functions return a tidy :class:`ComparisonTable` (a DataFrame: one row
per criterion in catalogue order, or per grade; counts as integers; the
column vocabulary of ``docs/results.md``) whose :meth:`ComparisonTable.style`
gives the reading form, as R's ``gtsummary::tbl_summary(by =) |> add_p() |>
add_difference()`` does.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kentaudit.core.errors import InputError
from kentaudit.core.formatting import DASH, format_interval, format_p, level_text, method_words
from kentaudit.core.methods import check_method
from kentaudit.inputs import reference as _ref
from kentaudit.inputs.params import MAIN_SAMPLES, RANDOM_SAMPLES
from kentaudit.inputs.profile import bundled_profile
from kentaudit.report.tables import MAX_ROWS, TableView, default_words, intervals, scale_of
from kentaudit.stats import multiplicity, ordinal
from kentaudit.stats.independent import compare_independent
from kentaudit.stats.proportions import CI_METHODS, criterion_counts, proportion_ci

__all__ = ["ComparisonTable", "ADJUST_CHOICES", "compare_groups", "compare_grades_by",
           "comparison_display", "comparison_view", "samples_text"]

#: Closed set of ``adjust=`` names: the methods of :func:`kentaudit.stats.multiplicity.adjust`, or none.
ADJUST_CHOICES = (*multiplicity.ADJUST_METHODS, "none")

# samples that repeat cases already counted (never pooled with the main samples)


class ComparisonTable(pd.DataFrame):
    """A tidy two-group comparison; :meth:`style` gives its reading form.

    A DataFrame like any other (filter it, save it with
    :func:`kentaudit.report.results.save_table`); :meth:`style` and :meth:`display`
    show it as gtsummary's ``tbl_summary(by =) |> add_p() |> add_difference()``
    does: one column per group reading ``n / N (%)``, the difference with its
    interval in one cell, the test, the p-value and the adjusted p-value, and
    the methods stated once in the caption.
    """

    _metadata = ["caption"]

    @property
    def _constructor(self):
        return ComparisonTable

    def display(self) -> pd.DataFrame:
        """The reading form as a DataFrame of text cells with readable headers."""
        return comparison_display(pd.DataFrame(self))

    def style(self, caption: str | None = None):  # a method here, not pandas' property
        """The reading form for a notebook or reviewer page (:class:`kentaudit.report.tables.TableView`).

        ``self.tidy().style`` is pandas' own Styler of the tidy columns.
        """
        return comparison_view(pd.DataFrame(self), caption or getattr(self, "caption", None))

    def tidy(self) -> pd.DataFrame:
        """The tidy table as a plain DataFrame."""
        return pd.DataFrame(self)


def _count_share(n, total) -> str:
    if pd.isna(n) or pd.isna(total):
        return DASH
    n, total = int(n), int(total)
    if total == 0:
        return f"{n:,} / 0"
    return f"{n:,} / {total:,} ({100 * n / total:.1f}%)"


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells of a comparison (:func:`compare_groups` or :func:`compare_grades_by`).

    Columns: the row label (``Criterion`` or ``Grade``); ``<group a>, n / N (%)``;
    ``<group b>, n / N (%)``; ``Difference, percentage points (<level> CI)``;
    ``Test``; ``p-value``; ``Adjusted p-value (<method>)``. Numbers come from the
    tidy table, formatted by :mod:`kentaudit.core.formatting` (``<0.001``, en dash when
    missing); nothing is recomputed.
    """

    if table.empty:
        return pd.DataFrame()
    a, b = str(table["group_a"].iloc[0]), str(table["group_b"].iloc[0])
    if "grade_label" in table.columns:
        label_col, label = "grade_label", "Grade"
        na, da, nb, db = "n_at_grade_a", "n_graded_a", "n_at_grade_b", "n_graded_b"
    else:
        label_col, label = "criterion_label", "Criterion"
        na, da, nb, db = "n_yes_a", "n_denominator_a", "n_yes_b", "n_denominator_b"
    level = f"{level_text(table['conf_level'].dropna().iloc[0])} CI"
    adj = [m for m in table["adjust_method"].dropna().unique() if m != "none"]
    adj_words = method_words(adj[0]) if adj else "none"
    # the interval of the difference (conf_low, conf_high), as intervals.csv declares it
    diff_scale = next(iv.scale for iv in intervals(table.columns, "comparison") if iv.estimate == "difference")
    rows = []
    for r in table.itertuples(index=False):
        r = r._asdict()
        overall = r.get("grade") == "all"
        rows.append({
            label: str(r[label_col]),
            f"{a}, n / N (%)": "" if overall else _count_share(r[na], r[da]),
            f"{b}, n / N (%)": "" if overall else _count_share(r[nb], r[db]),
            f"Difference, percentage points ({level})": "" if overall else format_interval(
                r["difference"], r["conf_low"], r["conf_high"], "pp", scale=scale_of("difference"),
                interval_scale=diff_scale),
            "Test": method_words(str(r["test"])),
            "p-value": format_p(r["p_value"]),
            f"Adjusted p-value ({adj_words})": format_p(r["p_adjusted"]),
        })
    return pd.DataFrame(rows)


def comparison_view(table: pd.DataFrame, caption: str | None = None):
    """:func:`comparison_display` as a :class:`kentaudit.report.tables.TableView` (accessible HTML).

    The caption names the groups and states the methods once: the interval of
    each group, the difference interval, the confidence level and the
    adjustment family, read from the tidy table.
    """

    shown = comparison_display(table)
    if table.empty:
        return TableView(shown, caption or "No rows", 0, None, "comparison", set())
    cap = caption or f"{table['group_a'].iloc[0]} against {table['group_b'].iloc[0]}" + (
        f" (samples read: {table['samples'].iloc[0]})" if "samples" in table.columns else "")
    m = str(table["method"].dropna().iloc[0]) if table["method"].notna().any() else ""
    notes = [f"Group intervals: {method_words(m)}",
             f"difference interval: {method_words('newcombe')}",
             f"adjusted across {table['family'].dropna().iloc[0]}" if table["family"].notna().any() else ""]
    cap += ". " + "; ".join(n for n in notes if n) + "."
    numeric = {c for c in shown.columns if c not in (shown.columns[0], "Test")}
    summary = f"{len(shown)} rows: select to show the whole table" if len(shown) > MAX_ROWS else None
    return TableView(shown, cap, len(shown), summary, "comparison", numeric)


# ----------------------------------------------------------------------------- selecting the groups

def _sample_rule(present: set, rule, params=None) -> list[str]:
    """The samples the notebooks' district comparisons read under ``rule`` (the
    ``district_samples`` parameter, :attr:`kentaudit.analysis.cycle.CycleData.district_samples`):
    ``"random"`` the random samples present (``extended``, ``annual``: drawn the same way in
    every group), or every main sample when the cycle has none; ``"main"`` every main sample;
    a list: those samples. The main and random samples are the cycle's profile's (``params``),
    Kent's without a cycle."""
    if not isinstance(rule, str):
        return [s for s in rule if s in present]
    main_samples = getattr(params, "main_samples", MAIN_SAMPLES)
    main = [s for s in main_samples if s in present]
    rnd = [s for s in getattr(params, "random_samples", RANDOM_SAMPLES) if s in present]
    return (rnd or main) if rule == "random" else main


def _frame_and_defaults(audits, samples):
    """(audits frame, catalogue, params or None, samples read) from a DataFrame or a CycleData."""
    params = getattr(audits, "params", None)
    catalogue = getattr(audits, "criteria", None)
    frame = getattr(audits, "audits", audits)
    if not isinstance(frame, pd.DataFrame):
        raise InputError("compare_groups needs a DataFrame of audits or a cycle from kentaudit.load_cycle")
    if catalogue is None:
        catalogue = _ref.criteria()
    keep: list[str] = []
    if "sample" in frame.columns:
        present = set(frame["sample"].dropna().astype(str).unique())
        if samples is None:  # the notebooks' rule: the cycle's district_samples, else "random"
            keep = _sample_rule(present, getattr(params, "district_samples", "random"), params)
            if not keep:  # no main sample at all (e.g. only a re-audit): every sample
                keep = sorted(present)
        elif isinstance(samples, str) and samples in ("main", "random"):
            keep = _sample_rule(present, samples, params)
            if samples == "main":  # a sample not in the catalogue of main samples is kept too
                profile = getattr(params, "profile", None) or bundled_profile()
                repeats = {x.name for x in profile.samples if x.repeats is not None}
                keep += sorted(present - set(getattr(params, "main_samples", MAIN_SAMPLES)) - repeats)
        elif isinstance(samples, str) and samples == "all":
            keep = sorted(present)
        else:
            keep = [samples] if isinstance(samples, str) else list(samples)
            unknown = sorted(set(keep) - present)
            if unknown:
                raise InputError(f"no audits of sample(s) {', '.join(unknown)}; the audits hold "
                                 f"{', '.join(sorted(present))}", column="sample")
        frame = frame[frame["sample"].astype(str).isin(keep)]
    return frame, catalogue, params, keep


def samples_text(keep: Sequence[str]) -> str:
    """The samples a comparison read, for its caption: ``"extended"``, ``"initial + extended"``
    (``"all audits"`` when the audits have no sample column)."""
    return " + ".join(keep) if keep else "all audits"


def _units_words(audits):
    """The units table and words of ``audits`` when it is a cycle (its profile's); ``(None,
    None)`` for a bare DataFrame (no cycle known: the bundled example profile's)."""
    units = getattr(audits, "districts", None)
    return (units if isinstance(units, pd.DataFrame) else None), getattr(audits, "words", None)


def _mask(frame: pd.DataFrame, where, units=None) -> pd.Series:
    """A boolean row mask from ``where``: a mask, a callable or ``{column: value(s)}``."""
    if where is None:
        return pd.Series(True, index=frame.index)
    if callable(where):
        where = where(frame)
    if isinstance(where, Mapping):
        m = pd.Series(True, index=frame.index)
        for col, val in where.items():
            if col not in frame.columns:
                raise InputError(f"where= names column {col!r}, which the audits do not have",
                                 column=str(col))
            vals = [val] if isinstance(val, (str, int, float, bool)) else list(val)
            if col == "district":
                vals = [_ref.resolve_district(v, units) for v in vals]
            m &= frame[col].astype(object).isin(vals)
        return m
    m = pd.Series(where)
    if m.dtype != bool:
        raise InputError("where= must be a boolean mask, a function of the audits returning one, "
                         "or a mapping {column: value(s)}")
    if len(m) == len(frame) and not m.index.equals(frame.index):
        if isinstance(where, pd.Series):
            m = m.reindex(frame.index)
            if m.isna().any():
                raise InputError("where= is a boolean Series whose index does not match the audits")
            m = m.astype(bool)
        else:
            m.index = frame.index
    elif not m.index.equals(frame.index):
        m = m.reindex(frame.index, fill_value=False).astype(bool)
    return m


def _values(frame: pd.DataFrame, by: str, values, units=None) -> list:
    vals = [values] if isinstance(values, (str, int, np.integer)) else list(values)
    if by == "district":
        vals = [_ref.resolve_district(v, units) for v in vals]
    present = set(frame[by].dropna().astype(object).unique())
    missing = [v for v in vals if v not in present]
    if missing:
        shown = ", ".join(map(str, sorted(present, key=str)[:20]))
        raise InputError(f"no audits with {by} = {', '.join(map(repr, missing))} (after any where= "
                         f"filter); values present: {shown}", column=by, value=str(missing[0]))
    return vals


def _name(vals) -> str:
    return " + ".join(map(str, vals))


def _groups(frame: pd.DataFrame, by, group, reference_, units=None, words=None):
    """Masks and names of groups a and b (the rest of the authority in the profile's ``words``)."""
    if isinstance(by, str):
        if by not in frame.columns:
            raise InputError(f"by= names column {by!r}, which the audits do not have; columns include "
                             f"{', '.join(c for c in frame.columns if not c.startswith('c_'))[:300]}",
                             column=by)
        if group is None:
            raise InputError(f"name the group to compare with group=, e.g. group={str(frame[by].dropna().iloc[0])!r}")
        ga = _values(frame, by, group, units)
        in_a = frame[by].astype(object).isin(ga)
        name_a = _name(ga)
        if isinstance(reference_, str) and reference_ == "rest":
            in_b = frame[by].notna() & ~in_a
            rest = (words or default_words()).Rest
            name_b = {"district": rest, "area": rest,
                      "auditor": "Other auditors"}.get(by, f"Other {by} values")
        else:
            gb = _values(frame, by, reference_, units)
            overlap = set(ga) & set(gb)
            if overlap:
                raise InputError(f"{_name(sorted(overlap, key=str))} is in both group= and reference=")
            in_b = frame[by].astype(object).isin(gb)
            name_b = _name(gb)
        return in_a, in_b, name_a, name_b
    mask = _mask(frame, by, units)
    if not (isinstance(reference_, str) and reference_ == "rest"):
        raise InputError("with by= a mask, the reference is the rest (reference='rest')")
    return mask, ~mask, group or "Selected", "Others"


# ----------------------------------------------------------------------------- criteria

def _criteria(frame: pd.DataFrame, catalogue: pd.DataFrame, criteria) -> list[str]:
    ids = [i for i in catalogue["id"] if f"c_{i}" in frame.columns]
    if criteria is None:
        return ids
    asked = [criteria] if isinstance(criteria, str) else list(criteria)
    asked = [c[2:] if c.startswith("c_") else c for c in asked]
    unknown = [c for c in asked if c not in ids]
    if unknown:
        raise InputError(f"unknown criterion {unknown[0]!r}; criteria are {', '.join(ids)}",
                         column="criterion", value=unknown[0])
    return [i for i in ids if i in asked]  # catalogue order, whatever order was asked


def _check_disjoint(frame, in_a, in_b):
    if "case_ref" not in frame.columns:
        return
    for m in (in_a, in_b):
        refs = frame.loc[m, ["cycle", "case_ref"] if "cycle" in frame.columns else ["case_ref"]]
        dup = refs.duplicated()
        if dup.any():
            raise InputError(f"case {refs.loc[dup, 'case_ref'].iloc[0]!r} is counted twice in one group "
                             "(the re-audit repeats cases: leave samples='main', or use kentaudit.stats.paired)",
                             column="case_ref")
    shared = set(frame.loc[in_a, "case_ref"].dropna()) & set(frame.loc[in_b, "case_ref"].dropna())
    if shared:
        raise InputError(f"the two groups share {len(shared)} case(s) (e.g. {sorted(map(str, shared))[0]}); "
                         "an independent comparison needs disjoint groups (the re-audit repeats "
                         "cases: leave samples='main', or use kentaudit.stats.paired)", column="case_ref")


def _settings(params, conf_level, interval_method, adjust):
    conf_level = conf_level if conf_level is not None else getattr(params, "confidence_level", 0.95)
    interval_method = interval_method or getattr(params, "interval_method", "wilson")
    adjust = adjust or getattr(params, "adjust_method", "holm")
    check_method(interval_method, CI_METHODS, "interval_method")
    check_method(adjust, ADJUST_CHOICES, "adjust")
    if not (isinstance(conf_level, (int, float)) and 0 < conf_level < 1):
        raise InputError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return float(conf_level), interval_method, adjust


def _add_difference(out: pd.DataFrame, cmp_: pd.DataFrame, interval_method: str, conf_level: float) -> None:
    """The difference of the two groups with its Newcombe interval and test (columns of
    :func:`kentaudit.stats.independent.compare_independent`), after the groups' own columns."""
    out["difference"] = cmp_["difference"].to_numpy()
    out["conf_low"] = cmp_["conf_low"].to_numpy()
    out["conf_high"] = cmp_["conf_high"].to_numpy()
    out["method"] = interval_method
    out["difference_method"] = "newcombe"
    out["conf_level"] = conf_level
    for col in ("test", "statistic", "df", "p_value"):
        out[col] = cmp_[col].to_numpy()


def _adjusted(p: np.ndarray, adjust: str, family: str):
    if adjust == "none":
        return np.full(len(p), np.nan), "none"
    adj = multiplicity.adjust(p, method=adjust, family=family)
    return adj["p_adjusted"].to_numpy(), str(adj["family"].iloc[0])


# ----------------------------------------------------------------------------- compliance

def compare_groups(audits, by, group=None, reference: str | Sequence = "rest", *,
                   criteria: Sequence[str] | None = None, where=None, samples=None,
                   conf_level: float | None = None, interval_method: str | None = None,
                   adjust: str | None = None,
                   test_policy: str = "n-1-chisq-or-fisher") -> ComparisonTable:
    """Compliance of one group of audits against another, on every criterion, in one call.

    Parameters
    ----------
    audits : CycleData or DataFrame
        A cycle from :func:`kentaudit.load_cycle` (its confidence level,
        interval method, adjustment and criteria catalogue are the defaults)
        or a DataFrame of audits in the wide form of :mod:`kentaudit.inputs.schema`.
    by : str or boolean mask
        The column that defines the groups (``"district"``, ``"area"``,
        ``"auditor"``, ``"age_band"``, ``"record_source"``, ...), or a boolean
        mask of the audits: group a is where it is true, the rest is group b.
    group : value or list of values
        The value(s) of ``by`` forming group a (``"Thanet"``; districts may be
        given by name or code, in any case). With a mask: the name of group a.
    reference : "rest", value or list of values
        Group b: ``"rest"`` (default) = every other audit with a value of
        ``by``; or the value(s) to compare against (``"Swale"``).
    criteria : list of str, optional
        Criterion ids (default all); the rows are always in catalogue order.
    where : mask, callable or mapping, optional
        Restrict the audits first, e.g. ``{"age_band": "under_1"}``,
        ``lambda a: a["age_band"] == "under_1"`` or a boolean Series.
    samples : None, "random", "main", "all" or list of str
        Samples read. ``None`` (default): the notebooks' rule, the cycle's
        ``district_samples`` parameter (``"random"`` unless the parameter file
        says otherwise, and for a DataFrame): the samples drawn at random in
        every group (``extended``, ``annual``), so a group's figures do not
        depend on how many purposively chosen initial cases it had, exactly
        as the districts and district profile notebooks read them; every main
        sample when the audits have no random sample. ``"main"``: every
        sample except the re-audit, which repeats cases already counted;
        ``"all"``: every sample; or the samples listed. The ``samples``
        column and the caption say which were read.
    conf_level, interval_method, adjust : optional
        Confidence level; interval for each group's proportion
        (``wilson``, ``clopper-pearson``, ``jeffreys``, ``agresti-coull``);
        adjustment across the criteria (``holm``, ``fdr_bh``,
        ``bonferroni``, ``none``). Default: the cycle's parameters, else
        0.95, ``wilson`` and ``holm``.
    test_policy : str
        As in :func:`kentaudit.stats.independent.compare_independent`.

    Returns
    -------
    ComparisonTable
        One row per criterion, in catalogue order, with columns

        * ``criterion``, ``criterion_label``; ``group_a``, ``group_b`` (names);
          ``samples`` (the samples read, ``"extended"`` or ``"initial + extended"``);
        * ``n_yes_a``, ``n_denominator_a``, ``n_not_applicable_a``,
          ``n_missing_a``, ``estimate_a``, ``conf_low_a``, ``conf_high_a``,
          and the same for ``_b`` (counts are integers; ``estimate`` is
          ``n_yes / n_denominator``, 0-1);
        * ``difference`` (``estimate_a - estimate_b``), ``conf_low``,
          ``conf_high`` (Newcombe's hybrid score interval, method 10);
        * ``method`` (group intervals), ``difference_method``, ``conf_level``;
        * ``test`` (``"n-1 chi-square"``, ``"fisher exact"`` or
          ``"not testable"`` when a group has no applicable answer or every
          answer is the same in both groups), ``statistic``, ``df``,
          ``p_value`` (missing when not testable);
        * ``p_adjusted``, ``adjust_method``, ``family`` (the criteria tested);
        * ``note``.

    Raises
    ------
    InputError
        Unknown column, group, criterion or sample; groups sharing a case.
    MethodError
        Unknown ``interval_method``, ``adjust`` or ``test_policy``.

    Notes
    -----
    Each value is computed by the library's validated functions
    (:func:`kentaudit.stats.proportions.proportion_ci`,
    :func:`kentaudit.stats.independent.compare_independent`, validated against R and
    Newcombe 1998; :func:`kentaudit.stats.multiplicity.adjust`, against R's
    ``p.adjust``). ``tests/analysis/test_groups.py`` checks each of the three
    questions above against the same numbers worked out by hand.
    """
    frame, catalogue, params, keep = _frame_and_defaults(audits, samples)
    conf_level, interval_method, adjust = _settings(params, conf_level, interval_method, adjust)
    units, words = _units_words(audits)
    frame = frame[_mask(frame, where, units)]
    if frame.empty:
        raise InputError(f"the where= filter leaves no audits to compare (samples read: "
                         f"{samples_text(keep)}; samples= chooses others)")
    ids = _criteria(frame, catalogue, criteria)
    in_a, in_b, name_a, name_b = _groups(frame, by, group, reference, units, words)
    _check_disjoint(frame, in_a, in_b)
    if not in_a.any() or not in_b.any():
        raise InputError(f"group {name_a if not in_a.any() else name_b!r} has no audits"
                         + (" after the where= filter" if where is not None else ""))
    cols = [f"c_{i}" for i in ids]
    ca = criterion_counts(frame.loc[in_a, cols], criteria=ids).set_index("criterion").loc[ids]
    cb = criterion_counts(frame.loc[in_b, cols], criteria=ids).set_index("criterion").loc[ids]
    labels = dict(zip(catalogue["id"], catalogue["label"]))
    out = pd.DataFrame({"criterion": ids, "criterion_label": [labels.get(i, i) for i in ids],
                        "group_a": name_a, "group_b": name_b, "samples": samples_text(keep)})
    for suffix, c in (("_a", ca), ("_b", cb)):
        ci = proportion_ci(c["n_yes"].to_numpy(), c["n_denominator"].to_numpy(),
                           method=interval_method, conf_level=conf_level)
        for col in ("n_yes", "n_denominator", "n_not_applicable", "n_missing"):
            out[col + suffix] = c[col].to_numpy(np.int64)
        out["estimate" + suffix] = ci["estimate"].to_numpy()
        out["conf_low" + suffix] = ci["conf_low"].to_numpy()
        out["conf_high" + suffix] = ci["conf_high"].to_numpy()
    cmp_ = compare_independent(ca["n_yes"].to_numpy(), ca["n_denominator"].to_numpy(),
                               cb["n_yes"].to_numpy(), cb["n_denominator"].to_numpy(),
                               conf_level=conf_level, test_policy=test_policy)
    _add_difference(out, cmp_, interval_method, conf_level)
    tested = int(out["p_value"].notna().sum())
    family = f"{tested} criteria, {name_a} against {name_b}"
    out["p_adjusted"], out["family"] = _adjusted(out["p_value"].to_numpy(float), adjust, family)
    out["adjust_method"] = adjust
    out = out[[c for c in out.columns if c not in ("adjust_method", "family")]
              + ["adjust_method", "family"]]
    out["note"] = cmp_["note"].to_numpy()
    table = ComparisonTable(out)
    table.caption = f"Compliance: {name_a} against {name_b} (samples read: {samples_text(keep)})"
    return table


# ----------------------------------------------------------------------------- grades

def compare_grades_by(audits, by, group=None, reference: str | Sequence = "rest", *,
                      grade: str = "overall_grade", where=None, samples=None,
                      conf_level: float | None = None, interval_method: str | None = None,
                      adjust: str | None = None) -> ComparisonTable:
    """Grades of one group of audits against another, in the shape of :func:`compare_groups`.

    Parameters
    ----------
    audits, by, group, reference, where, samples, conf_level, interval_method, adjust
        As in :func:`compare_groups` (``adjust`` is across the grades).
    grade : str
        The grade column (default ``overall_grade``; ``moderated_grade`` for
        the moderators' grades).

    Returns
    -------
    ComparisonTable
        One row per grade (1 best to 4), then one row ``grade = "all"``:

        * ``grade``, ``grade_label``; ``group_a``, ``group_b``; ``samples`` (as in
          :func:`compare_groups`);
        * ``n_at_grade_a``, ``n_graded_a``, ``n_missing_a``, ``estimate_a``
          (share of a's graded audits at the grade), ``conf_low_a``,
          ``conf_high_a``, and the same for ``_b``;
        * ``difference`` (``estimate_a - estimate_b``), ``conf_low``,
          ``conf_high`` (Newcombe hybrid score), ``method``,
          ``difference_method``, ``conf_level``;
        * ``test``, ``statistic``, ``df``, ``p_value``, ``p_adjusted``,
          ``adjust_method``, ``family``: per grade the test of
          :func:`kentaudit.stats.independent.compare_independent` (adjusted across the
          four grades); on the ``all`` row the Wilcoxon-Mann-Whitney
          rank-sum test of the whole distribution
          (:func:`kentaudit.stats.ordinal.compare_grades`, validated against R's
          ``wilcox.test``; ``statistic`` is U of group a);
        * ``note``: on the ``all`` row, which group was graded worse
          (higher numbers: "harder").
    """
    frame, _, params, keep = _frame_and_defaults(audits, samples)
    conf_level, interval_method, adjust = _settings(params, conf_level, interval_method, adjust)
    units, words = _units_words(audits)
    frame = frame[_mask(frame, where, units)]
    if frame.empty:
        raise InputError(f"the where= filter leaves no audits to compare (samples read: "
                         f"{samples_text(keep)}; samples= chooses others)")
    if grade not in frame.columns:
        raise InputError(f"the audits have no grade column {grade!r}", column=grade)
    in_a, in_b, name_a, name_b = _groups(frame, by, group, reference, units, words)
    _check_disjoint(frame, in_a, in_b)
    ga = pd.to_numeric(frame.loc[in_a, grade], errors="raise").astype("Float64")
    gb = pd.to_numeric(frame.loc[in_b, grade], errors="raise").astype("Float64")
    if ga.notna().sum() == 0 or gb.notna().sum() == 0:
        raise InputError(f"group {name_a if ga.notna().sum() == 0 else name_b!r} has no graded audits")
    scale = getattr(params, "grade_scale", None)
    if scale is None and "cycle" in frame.columns and frame["cycle"].notna().any():
        scale = _ref.scale_for_cycle(str(frame["cycle"].dropna().iloc[0]))
    labels = ordinal.scale_labels(scale)
    grades = list(labels)  # the scale's grades 1 to n, any length
    xa = np.array([int((ga == k).sum()) for k in grades], dtype=np.int64)
    xb = np.array([int((gb == k).sum()) for k in grades], dtype=np.int64)
    na, nb = np.int64(ga.notna().sum()), np.int64(gb.notna().sum())
    out = pd.DataFrame({"grade": [str(k) for k in grades],
                        "grade_label": [f"{k} {labels.get(k, '')}".strip() for k in grades],
                        "group_a": name_a, "group_b": name_b, "samples": samples_text(keep)})
    for suffix, x, n, g in (("_a", xa, na, ga), ("_b", xb, nb, gb)):
        ci = proportion_ci(x, np.full(len(x), n), method=interval_method, conf_level=conf_level)
        out["n_at_grade" + suffix] = x
        out["n_graded" + suffix] = np.full(len(x), n, dtype=np.int64)
        out["n_missing" + suffix] = np.full(len(x), int(g.isna().sum()), dtype=np.int64)
        out["estimate" + suffix] = ci["estimate"].to_numpy()
        out["conf_low" + suffix] = ci["conf_low"].to_numpy()
        out["conf_high" + suffix] = ci["conf_high"].to_numpy()
    cmp_ = compare_independent(xa, np.full(len(grades), na), xb, np.full(len(grades), nb),
                               conf_level=conf_level)
    _add_difference(out, cmp_, interval_method, conf_level)
    family = f"{int(out['p_value'].notna().sum())} grades, {name_a} against {name_b}"
    out["p_adjusted"], out["family"] = _adjusted(out["p_value"].to_numpy(float), adjust, family)
    out["adjust_method"] = adjust
    out["note"] = cmp_["note"].to_numpy()
    # the whole distribution: rank-sum test ("worse" by the profile's grade_best: with grade 1
    # best, a higher grade is harder)
    best = getattr(getattr(params, "profile", None), "grade_best", "lowest")
    rank = ordinal.compare_grades(ga.dropna().astype(int).to_numpy(), gb.dropna().astype(int).to_numpy(),
                                  conf_level=conf_level, names=(name_a, name_b), scale=scale, best=best)
    rs = rank[rank["test"].str.startswith("Wilcoxon")].iloc[0]
    # compare_grades reports U of its second sample; here U of group a = n_a n_b - U_b
    u_a = float(na) * float(nb) - float(rs["statistic"])
    p_worse = u_a / (float(na) * float(nb))
    harder, softer = ("higher", "lower") if best == "lowest" else ("lower", "higher")
    way = (f"worse ({harder}: harder)" if p_worse > 0.5 else
           f"better ({softer}: more lenient)" if p_worse < 0.5 else "neither worse nor better")
    note = (f"{name_a}'s grades are {way} than {name_b}'s: a grade of {name_a} is worse than one of "
            f"{name_b} in {100 * p_worse:.1f}% of pairs (ties counted half); rank-sum "
            f"p = {float(rs['p_value']):.3g}")
    overall = {"grade": "all", "grade_label": "All grades (distribution)", "group_a": name_a,
               "group_b": name_b, "samples": samples_text(keep), "n_at_grade_a": na, "n_graded_a": na,
               "n_missing_a": int(ga.isna().sum()), "n_at_grade_b": nb, "n_graded_b": nb,
               "n_missing_b": int(gb.isna().sum()), "conf_level": conf_level,
               "test": str(rs["test"]), "statistic": u_a, "p_value": float(rs["p_value"]),
               "p_adjusted": float(rs["p_value"]), "adjust_method": "none",
               "family": "one test of the whole distribution", "note": note}
    out = pd.concat([out, pd.DataFrame([overall])], ignore_index=True)
    for c in out.columns:
        if c.startswith("n_"):
            out[c] = out[c].astype(np.int64)
    order = ["grade", "grade_label", "group_a", "group_b", "samples"]
    for s in ("_a", "_b"):
        order += [f"n_at_grade{s}", f"n_graded{s}", f"n_missing{s}", f"estimate{s}", f"conf_low{s}",
                  f"conf_high{s}"]
    order += ["difference", "conf_low", "conf_high", "method", "difference_method", "conf_level", "test",
              "statistic", "df", "p_value", "p_adjusted", "adjust_method", "family", "note"]
    table = ComparisonTable(out[order])
    table.caption = f"Grades: {name_a} against {name_b} (samples read: {samples_text(keep)})"
    return table
