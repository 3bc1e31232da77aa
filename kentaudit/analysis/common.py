"""What every section uses: counts with their intervals, criterion labels, one family of
adjusted p-values, grade labels and a figure that says why a chart cannot be drawn.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kentaudit.analysis.cycle import CycleData, present_values
from kentaudit.core.formatting import method_words, wrap_lines
from kentaudit.inputs import reference
from kentaudit.inputs.params import CycleParams
from kentaudit.report import charts
from kentaudit.stats import multiplicity, proportions

__all__ = ["ANSWERED", "adjust_family", "count_answers", "criterion_columns", "decision_text", "grade_label_map", "label_criteria", "notice_figure", "note_district_samples", "programme_samples", "sample_design", "with_ci"]


ANSWERED = "yes / (yes + no)"


def criterion_columns(audits: pd.DataFrame, cd: CycleData) -> list[str]:
    """The ``c_<id>`` columns of the cycle's criteria present in ``audits``."""
    return [c for c in (f"c_{i}" for i in cd.criterion_ids) if c in audits.columns]


def count_answers(audits: pd.DataFrame, by=None, criteria=None) -> pd.DataFrame:
    c = proportions.criterion_counts(audits, by=by, criteria=criteria)
    return c


def with_ci(counts: pd.DataFrame, P: CycleParams, population=None) -> pd.DataFrame:
    ci = proportions.proportion_ci(counts["n_yes"].to_numpy(), counts["n_denominator"].to_numpy(),
                                   method=P.interval_method, conf_level=P.confidence_level,
                                   population=population)
    out = counts.copy()
    out["estimate"] = ci["estimate"].to_numpy()
    out["conf_low"] = ci["conf_low"].to_numpy()
    out["conf_high"] = ci["conf_high"].to_numpy()
    out["method"] = P.interval_method
    out["conf_level"] = P.confidence_level
    out["denominator"] = ANSWERED
    return out


def label_criteria(df: pd.DataFrame, cd: CycleData, col: str = "criterion") -> pd.DataFrame:
    df = df.copy()
    ids = df[col].astype(str).str.replace(r"^c_", "", regex=True)
    df[col] = ids
    df.insert(df.columns.get_loc(col) + 1, "criterion_label", ids.map(cd.labels))
    return df


def adjust_family(p, P: CycleParams, what: str) -> pd.DataFrame:
    """Adjust one family: the testable p-values given (missing ones are not tests).

    ``what`` names the family's members and comparison ("criteria, additional
    against initial cases"); the family text is "<m> <what>", m the number of
    testable (non-missing) p-values, as :data:`kentaudit.stats.multiplicity.FAMILY_RULES`
    documents for each table.
    """
    p = np.asarray(p, dtype=float)
    m = int(np.sum(~np.isnan(p)))
    return multiplicity.adjust(p, method=P.adjust_method, family=f"{m} {what}")


def decision_text(P: CycleParams) -> str:
    """The decision forest plots colour by: the adjusted test the tables report."""
    return (f"significant ({method_words(P.adjust_method)}-adjusted "
            f"p < {1 - P.confidence_level:g})")


def grade_label_map(cd: CycleData) -> dict[int, str]:
    labels = reference.grade_labels(cd.params.grade_scale)
    return {g: f"{g} {lab}" for g, lab in labels.items()}


def notice_figure(title: str, reason: str):
    """A figure that says why the chart it stands for cannot be drawn (alt text and caption too)."""
    # deferred: pyplot 0.35 s and chooses a backend when imported: only a notice figure needs it
    import matplotlib.pyplot as plt

    reason = reason[:1].upper() + reason[1:]
    with charts.house_style():
        fig, ax = plt.subplots(figsize=(7, 2.2))
        ax.axis("off")
        ax.set_title(title, loc="left")
        ax.text(0.0, 0.5, "\n".join(wrap_lines(reason, 80)), va="center", ha="left", fontsize=11,
                transform=ax.transAxes)
    return charts.Figure(fig, f"{title}. {reason}.", f"{title}: no chart. {reason}.", title, "notice")


def programme_samples(cd: CycleData) -> tuple:
    """The samples of the audit programme this cycle continues, pooled across its cycles: the
    profile's samples drawn at random (``CycleParams.random_samples``) audited both in this cycle
    and in an earlier one (Kent's ``annual``), in the profile's order. Empty for a one-off review
    (no earlier cycles, or no random sample in common with them).
    """
    prev = cd.previous
    if prev is None or not len(prev) or "sample" not in prev.columns:
        return ()
    now, before = present_values(cd.audits["sample"]), present_values(prev["sample"])
    return tuple(s for s in cd.params.random_samples if s in now and s in before)


def sample_design(cd: CycleData) -> tuple:
    """``(chosen, extra, repeat)``: the cycle's samples in the design this section compares, read
    from the profile, never by name.

    ``extra``: the random main sample that the profile declares drawn to extend another
    (``samples.<name>.extends``; Kent's ``extended``) and ``chosen`` the sample it extends (Kent's
    ``initial``), both audited this cycle; ``repeat``: the sample repeating ``chosen``'s cases
    (``repeats:``; Kent's ``reaudit``), or, where no extension is declared, the first sample of
    the cycle repeating another, which is then ``chosen``. Each None where the cycle has no such
    sample. A sample chosen on purpose and a random one **without** ``extends:`` are two
    programmes (a themed dip-sample beside a random monthly audit), never compared as an
    extension (``Profile.no_extension_reason`` says so in words). The results tables keep their
    names and columns (``initial_vs_extended``, ``n_yes_initial``, ``estimate_reaudit``: the data
    model, ``docs/results.md``); their rows are of these samples.
    """
    present = present_values(cd.audits["sample"])
    samples = [s for s in cd.params.profile.samples if s.name in present]
    ext = cd.params.profile.extension
    chosen = extra = None
    if ext is not None and ext[0] in present and ext[1] in present:
        chosen, extra = ext
    repeats = [s for s in samples if s.repeats is not None and s.repeats in present]
    if chosen is None:
        repeat = repeats[0].name if repeats else None
        chosen = repeats[0].repeats if repeats else None
    else:
        repeat = next((s.name for s in repeats if s.repeats == chosen), None)
    return chosen, extra, repeat


def note_district_samples(tables: dict, cd: CycleData, programme=()) -> None:
    """Give every district-comparison table a ``samples`` column: the samples it reads
    (:attr:`CycleData.district_samples`; :func:`programme_samples` for the ``programme`` tables
    of the programme's cycles pooled), so no table is read without its part of the sample design."""
    used = " + ".join(cd.district_samples)
    pooled = " + ".join(programme_samples(cd)) or used
    for name, t in tables.items():
        if "samples" not in t.columns:
            t["samples"] = pooled if name in programme else used
