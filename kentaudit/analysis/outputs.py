"""Which notebook writes which results table and figure, and so which notebooks an
appendix needs.

A run whose ``notebooks:`` list leaves out a notebook the appendix reads would publish an
appendix missing its tables; :func:`appendix_needs` lets the runner refuse it before
anything runs, and ``kentaudit appendix`` refuse a results folder whose run did not
complete those notebooks. ``tests/analysis/test_outputs_map.py`` checks :data:`WRITES`
against what each notebook's analysis functions return on both default cycles.
"""
from __future__ import annotations

from kentaudit.publication.spec import applies, load_spec

__all__ = ["WRITES", "OPTIONAL_NOTEBOOKS", "PER_CRITERION_PREFIX", "notebook_of", "appendix_needs"]

#: The results tables and figures each cycle-wide notebook saves (names as in ``results/``
#: and ``figures/``). Per-district notebooks (``district_*``) feed no appendix table.
WRITES: dict[str, frozenset[str]] = {
    "data_quality": frozenset({
        "agreement_coefficients", "auditor_agreement", "auditor_grades", "auditor_leniency", "completeness",
        "data_quality_counts", "moderation_by_cycle", "moderation_change_chart", "moderation_kappa",
        "moderation_p_chart", "moderation_run_chart", "reconciliation", "reconciliation_by_file",
        "rejections_by_rule", "sample_by_district", "sample_summary", "timeliness_agreement"}),
    "compliance": frozenset({
        "authority_estimate", "compliance_by_criterion", "compliance_by_sample", "grade_collapsed",
        "grade_distribution", "grades", "grades_by_sample"}),
    "initial_vs_extended": frozenset({
        "grade_comparison", "initial_vs_extended", "initial_vs_extended_forest", "precision_gain",
        "reaudit_grade_table", "reaudit_grades", "reaudit_mcnemar", "reaudit_paired", "sample_size"}),
    "districts": frozenset({
        "area_vs_rest", "casemix_lr", "casemix_odds_ratios", "caterpillar_compliance", "caterpillar_programme",
        "compliance_by_district", "district_tests", "district_vs_rest", "flag_oc_summary",
        "flag_operating_characteristics", "funnel", "funnel_compliance", "funnel_programme",
        "shrunken_by_area", "shrunken_by_district", "shrunken_headline", "shrunken_programme",
        "spc_operating_characteristics"}),
    "trends": frozenset({
        "change_since_previous", "grade_trend", "grade_trend_tests", "p_chart", "programme_counts",
        "programme_grades", "trend", "trend_compliance", "trend_tests", "xmr", "xmr_compliance"}),
    "actions": frozenset({"action_register", "action_effects", "action_effects_by_cycle"}),
}

#: Notebooks that run only with an input of their own (the actions notebook: ``inputs.actions``):
#: the appendix publishes their tables when they ran, and is never refused for their absence
#: (a table whose results are missing is listed as not produced, with the reason).
OPTIONAL_NOTEBOOKS = frozenset({"actions"})

#: ``analysis.districts(cycle, criterion_funnels=True)`` also draws one funnel figure per flagged
#: criterion, ``funnel_<criterion id>`` (the districts notebook does not ask for them).
PER_CRITERION_PREFIX = {"districts": "funnel_"}


def notebook_of(name: str, criteria=()) -> str | None:
    """The cycle-wide notebook that saves results table or figure ``name`` (None if none does)."""
    for nb, names in WRITES.items():
        if name in names:
            return nb
    for nb, prefix in PER_CRITERION_PREFIX.items():
        if name.startswith(prefix) and name[len(prefix):] in set(criteria):
            return nb
    return None


def appendix_needs(samples, has_previous: bool, spec_path=None) -> dict[str, list[str]]:
    """The notebooks the cycle's appendix reads, each with the table and figure ids it feeds.

    Parameters
    ----------
    samples : sequence of str
        The cycle's samples (``params.samples``).
    has_previous : bool
        Whether earlier cycles' exports are given (``inputs.previous_audits``).
    spec_path : path-like, optional
        Another appendix spec (default: the bundled one).

    Returns
    -------
    dict
        ``{notebook: [ids]}`` for every table and figure of the spec that applies to the
        cycle (:func:`kentaudit.publication.spec.applies`), in the spec's order, through the
        results tables they read (a table's ``source``, ``join`` and ``tests_from``); never
        one of :data:`OPTIONAL_NOTEBOOKS`.
    """
    spec = load_spec(spec_path)
    out: dict[str, list[str]] = {}
    for entry in [*spec.get("tables", []), *spec.get("figures", [])]:
        if applies(entry, list(samples), has_previous) is not None:
            continue
        sources = ([entry["source"]] + [j["source"] for j in entry.get("join", []) or []
                                        if isinstance(j, dict) and "source" in j]
                   + list(entry.get("tests_from", []) or []))
        for src in sources:
            nb = notebook_of(src)
            if nb in OPTIONAL_NOTEBOOKS:
                continue
            if nb is not None and entry["id"] not in out.setdefault(nb, []):
                out[nb].append(entry["id"])
    return out
