"""One vocabulary of column names for every results table and public function.

The same quantity has the same name everywhere (the convention follows R's
broom: ``estimate``, ``conf_low``, ``conf_high``); ``docs/results.md``
("Column vocabulary") documents it. This module holds the machine-readable
half:

* :data:`RENAMED` - the names tables were saved with before the vocabulary,
  per results table, and their current names;
* :func:`upgrade_columns` - renames those old names in a table read back
  (:func:`kentaudit.report.results.load_table` calls it) with a
  :class:`KentauditDeprecationWarning` saying which names changed;
* :func:`vocabulary_problems` - the check the test suite runs on every
  results table and public function's output: no retired synonym, intervals
  in pairs, counts (``n_*``) as integers.
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = [
    "KentauditDeprecationWarning",
    "RENAMED",
    "RETIRED",
    "CONTROL_CHART_TABLES",
    "upgrade_columns",
    "vocabulary_problems",
    "tables_problems",
]


class KentauditDeprecationWarning(FutureWarning):
    """A name kentaudit used to write (a column of a saved table) has changed.

    A ``FutureWarning`` so that analysts see it in notebooks; the old names
    are read for at least one release after the change.
    """


_CI = {"lower": "conf_low", "upper": "conf_high"}
_CI_LOW = {"ci_low": "conf_low", "ci_high": "conf_high"}
_GRADE_SHARE = {"proportion": "estimate", **_CI_LOW}
_FUNNEL = {"x": "n_yes", "n": "n_denominator", "p": "estimate",
           "lower_95": "limit_low_95", "upper_95": "limit_high_95",
           "lower_99_8": "limit_low_99_8", "upper_99_8": "limit_high_99_8"}
_VS_REST = {"x1": "n_yes", "n1": "n_denominator", "x2": "n_yes_rest", "n2": "n_denominator_rest",
            "p1": "estimate", "p2": "estimate_rest", "n_na": "n_not_applicable", **_CI_LOW}
_GRADE_TEST = {"n_a": "n_graded_a", "n_b": "n_graded_b", **_CI_LOW}
_SHRUNKEN = {**_CI, "rank_lower": "rank_low", "rank_upper": "rank_high"}

#: ``{table: {old column: current column}}`` for tables saved before the
#: vocabulary (kentaudit 0.1.0). Read by :func:`upgrade_columns`.
RENAMED: dict[str, dict[str, str]] = {
    "compliance_by_criterion": _CI,
    "compliance_by_sample": _CI,
    "compliance_by_district": _CI,
    "trend": _CI,
    "change_since_previous": _CI,
    "initial_vs_extended": _CI,
    "reaudit_paired": _CI,
    "auditor_agreement": _CI,
    "authority_estimate": {**_CI, "n_applicable": "n_denominator"},
    "moderation_kappa": _CI_LOW,
    "casemix_odds_ratios": _CI_LOW,
    "auditor_grades": _GRADE_SHARE,
    "grade_distribution": _GRADE_SHARE,
    "grade_collapsed": _GRADE_SHARE,
    "profile_grades": _GRADE_SHARE,
    "grade_trend": _GRADE_SHARE,
    "grades": {"percent": "estimate"},
    "grade_comparison": _GRADE_TEST,
    "profile_grade_test": _GRADE_TEST,
    "reaudit_mcnemar": {"a": "n_yes_yes", "b": "n_yes_no", "c": "n_no_yes", "d": "n_no_no",
                        "p_first": "estimate_first", "p_second": "estimate_second",
                        "ci_lower": "conf_low", "ci_upper": "conf_high"},
    "precision_gain": {"n_before": "n_denominator_before", "n_after": "n_denominator_after",
                       "proportion_before": "estimate_before", "proportion_after": "estimate_after",
                       "ci_lower_before": "conf_low_before", "ci_upper_before": "conf_high_before",
                       "ci_lower_after": "conf_low_after", "ci_upper_after": "conf_high_after"},
    "sample_size": {"p": "p_assumed", "n_total": "n_required_total"},
    "funnel": _FUNNEL,
    "funnel_programme": _FUNNEL,
    "district_vs_rest": _VS_REST,
    "area_vs_rest": _VS_REST,
    "profile": {**_CI, "rest_n_yes": "n_yes_rest", "rest_n_denominator": "n_denominator_rest",
                "rest_estimate": "estimate_rest", "diff_lower": "difference_conf_low",
                "diff_upper": "difference_conf_high", "previous_n_yes": "n_yes_previous",
                "previous_n_denominator": "n_denominator_previous",
                "previous_estimate": "estimate_previous", "change_lower": "change_conf_low",
                "change_upper": "change_conf_high", "diff_method": "difference_method"},
    # the district_ranks and calibration sections (kentaudit 0.1.0 saved them with these names)
    "shrunken_by_district": _SHRUNKEN,
    "shrunken_by_area": _SHRUNKEN,
    "shrunken_headline": _SHRUNKEN,
    "shrunken_programme": _SHRUNKEN,
    "flag_oc_summary": {"n_median": "median_files"},
    "spc_operating_characteristics": {"n_median": "median_files", "p": "p_stable"},
    "agreement_coefficients": _CI_LOW,
    "auditor_leniency": _CI,
}

#: Retired synonyms: no results table or public function output may use them.
RETIRED = frozenset({
    "lower", "upper", "ci_low", "ci_high", "ci_lower", "ci_upper", "proportion", "percent",
    "p1", "p2", "x1", "x2", "n1", "n2", "n_a", "n_b", "n_na", "n_applicable", "n_total",
    "count", "nobs", "p_first", "p_second", "a", "b", "c", "d", "x", "p", "rank_lower", "rank_upper",
})
# retired patterns: interval bounds spelt any other way, and prefixed group names
_RETIRED_PATTERNS = (
    re.compile(r"^(ci|lower|upper)_"), re.compile(r"_(lower|upper)$"),
    re.compile(r"^(rest|previous)_(n_|estimate)"), re.compile(r"^proportion_"),
    re.compile(r"^diff_"),
)

#: Control-chart tables keep the names of the SPC literature and qicharts2
#: (``x``, ``n``, ``value``, ``lpl``/``upl``): the one documented exception.
CONTROL_CHART_TABLES = frozenset({"p_chart", "xmr", "moderation_p_chart"})


def upgrade_columns(df: pd.DataFrame, table: str, *, warn: bool = True) -> pd.DataFrame:
    """Rename the old column names of a saved results table to the current ones.

    Parameters
    ----------
    df : DataFrame
        A table as read from ``results/`` (``profile`` or ``profile__THA``).
    table : str
        Its name; a district suffix (``__THA``) is ignored.
    warn : bool
        Emit a :class:`KentauditDeprecationWarning` listing the renamed columns.

    Returns
    -------
    DataFrame
        ``df`` itself when nothing needed renaming, else a renamed copy.
    """
    base = str(table).split("__", 1)[0]
    mapping = {old: new for old, new in RENAMED.get(base, {}).items()
               if old in df.columns and new not in df.columns}
    if not mapping:
        return df
    if warn:
        pairs = ", ".join(f"{o} -> {n}" for o, n in mapping.items())
        warnings.warn(f"results table {table!r} was saved with old column names; renamed on "
                      f"reading ({pairs}). Re-run the cycle to save it with the current names "
                      "(docs/results.md, 'Column vocabulary').",
                      KentauditDeprecationWarning, stacklevel=3)
    return df.rename(columns=mapping)


def _retired(col: str) -> bool:
    return col in RETIRED or any(p.search(col) for p in _RETIRED_PATTERNS)


def vocabulary_problems(df: pd.DataFrame | Mapping, table: str) -> list[str]:
    """Where a table's columns break the vocabulary (an empty list when none do).

    Checks: no retired synonym (:data:`RETIRED` and the retired patterns;
    control-chart tables excepted); every ``*conf_low*`` column has its
    ``*conf_high*`` partner and the table a ``conf_level`` column; every
    ``n_*`` column that holds numbers holds whole numbers in an integer
    dtype (counts are never floats; ``n_*_ratio`` columns are ratios).
    """
    cols = list(df.keys()) if isinstance(df, Mapping) else [str(c) for c in df.columns]
    base = str(table).split("__", 1)[0]
    problems = []
    if base not in CONTROL_CHART_TABLES:
        bad = [c for c in cols if _retired(c)]
        if bad:
            problems.append(f"{table}: retired column name(s) {', '.join(bad)}")
    for c in cols:
        if "conf_low" in c and c.replace("conf_low", "conf_high") not in cols:
            problems.append(f"{table}: {c} without {c.replace('conf_low', 'conf_high')}")
    if any("conf_low" in c for c in cols) and "conf_level" not in cols:
        problems.append(f"{table}: intervals without a conf_level column")
    if isinstance(df, pd.DataFrame):
        for c in cols:
            if not c.startswith("n_") or c.endswith("_ratio"):
                continue
            s = df[c]
            if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
                continue
            if not pd.api.types.is_integer_dtype(s):
                problems.append(f"{table}: count column {c} has dtype {s.dtype}, not an integer")
    return problems


def tables_problems(tables: Mapping[str, pd.DataFrame] | Iterable[tuple[str, pd.DataFrame]]) -> list[str]:
    """:func:`vocabulary_problems` of several named tables, concatenated."""
    items = tables.items() if isinstance(tables, Mapping) else tables
    return [p for name, t in items for p in vocabulary_problems(t, name)]
