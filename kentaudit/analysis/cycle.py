"""The data of one QA cycle: its validated audits, the earlier cycles' audits, and the
reference tables in use (:func:`load_cycle`, :class:`CycleData`).
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kentaudit.analysis import notebook
from kentaudit.core.formatting import method_words
from kentaudit.inputs import accounting, ingest, reference
from kentaudit.inputs.params import CycleParams, load_params, sha256_file
from kentaudit.inputs.profile import Words, bundled_profile, compliance_answers
from kentaudit.report.tables import style_table

__all__ = ["SNAPSHOT_ENV", "CycleData", "load_cycle", "present_values", "write_snapshot"]

#: Environment variable naming a snapshot of the loaded cycle (:func:`write_snapshot`) that
#: :func:`load_cycle` reads instead of ingesting the exports again (set by ``kentaudit run``
#: for its kernels).
SNAPSHOT_ENV = "KENTAUDIT_CYCLE_SNAPSHOT"

#: samples in which each case is audited once (the re-audit repeats initial cases)
#: columns :attr:`CycleData.main` leaves out (with the ``*_date`` columns)
_NOT_IN_MAIN = ("audit_id", "team", "auditor", "moderator", "notes", "source_file", "source_row")


@dataclass
class CycleData:
    """The validated audits of one QA cycle and of the cycles before it.

    Attributes
    ----------
    params : CycleParams
    audits : DataFrame
        Accepted audits of the cycle, restricted to ``params.samples``.
    previous : DataFrame
        Accepted audits of earlier cycles (``inputs.previous_audits``); may be empty.
    ingest, previous_ingest : IngestResult
        What ingest accepted and rejected, per file.
    criteria : DataFrame
        The criteria catalogue in use.
    districts : DataFrame
        Districts, areas and frame sizes in use.
    """

    params: CycleParams
    audits: pd.DataFrame
    previous: pd.DataFrame
    ingest: ingest.IngestResult
    previous_ingest: ingest.IngestResult | None
    criteria: pd.DataFrame
    districts: pd.DataFrame

    def describe(self):
        """What was read, for reading: a two-column table (setting, value) of the cycle,
        samples, audits, rejected records and the methods in use."""
        P = self.params
        # the cycle as readers see it ("2025/26"), not its folder id ("2025-26")
        rows = [("Cycle", getattr(P, "label", None) or P.cycle), ("Title", P.title),
                ("Samples", "; ".join(_sample_label(P, s) for s in P.samples)),
                ("Audits", f"{len(self.audits):,}"), ("Earlier cycles' audits", f"{len(self.previous):,}"),
                ("Records rejected", f"{int(self.ingest.reconciliation['rejected'].sum()):,}"),
                ("Synthetic data", "yes" if P.synthetic else "no"),
                ("Confidence level", f"{100 * P.confidence_level:g}%"),
                ("Interval method", method_words(P.interval_method)),
                ("Adjustment for multiple comparisons", method_words(P.adjust_method)),
                ("Headline criterion", self.labels.get(self.headline, self.headline))]
        return style_table(pd.DataFrame(rows, columns=["setting", "value"]), "cycle",
                           caption="What this notebook read")

    @property
    def main(self) -> pd.DataFrame:
        """Audits of the main samples (each case once), without the columns no
        analysis of them reads (free text, team, auditor, moderator, dates,
        identifiers other than ``case_ref``, source); the audits themselves when
        every audit is in a main sample. Not kept: each call selects afresh, so
        the copy lives only as long as the analysis using it."""
        keep = self.audits["sample"].isin(self.params.main_samples)
        if keep.all():
            return self.audits
        return self.audits.loc[keep, _main_columns(self.audits)]

    @property
    def district_samples(self) -> list[str]:
        """The samples district comparisons use (the ``district_samples`` parameter).

        ``random`` (default): the main samples drawn at random within every district
        (the profile's ``design: random`` samples, :attr:`CycleParams.random_samples`; Kent's
        ``extended``, ``annual``) present in the cycle: the same design and record
        source in each district, so a district's figures do not depend on how many
        initial high-risk cases it had; if the cycle has none, every main sample.
        ``main``: every main sample pooled. Or the listed samples."""
        present = present_values(self.audits["sample"])
        rule = self.params.district_samples
        if not isinstance(rule, str):
            return [s for s in rule if s in present]
        main = [s for s in self.params.main_samples if s in present]
        rnd = [s for s in self.params.random_samples if s in present]
        return rnd or main if rule == "random" else main

    @property
    def district_samples_text(self) -> str:
        """The samples of the district comparisons in words, for tables and methods text."""
        used = self.district_samples
        left = [s for s in self.params.main_samples if s in present_values(self.audits["sample"]) and s not in used]
        text = " + ".join(used) if used else "none"
        return text + (f" (not {', '.join(left)}: sampled differently between {self.words.units})"
                       if left else "")

    @property
    def comparable(self) -> pd.DataFrame:
        """Audits of :attr:`district_samples`, with the columns :attr:`main` keeps: the
        audits every district comparison (funnels, tests, profiles, case-mix, shrunken
        estimates) reads.

        Selected from :attr:`audits` in one step (rows and columns together), not from a
        copy of :attr:`main`: a district profile asks for it once per district, and the
        intermediate copy of the main samples was, at 1,000,000 rows, about 90 MiB held
        beside the comparable audits at the peak."""
        a = self.audits
        in_main = a["sample"].isin(self.params.main_samples)
        keep = in_main & a["sample"].isin(self.district_samples)
        if in_main.all():  # main is the audits themselves, every column
            return a if keep.all() else a.loc[keep]
        return a.loc[keep, _main_columns(a)]

    @property
    def criterion_ids(self) -> list[str]:
        return list(self.criteria["id"])

    @property
    def labels(self) -> dict[str, str]:
        return dict(zip(self.criteria["id"], self.criteria["label"]))

    @property
    def words(self) -> Words:
        """The authority's words (its profile's: "district", "rest of Kent"), for every label and
        sentence a reader sees."""
        return getattr(self.params, "words", None) or bundled_profile().words

    @property
    def headline(self) -> str:
        """The criterion shown in the headline figures (``params.headline_criterion``)."""
        return getattr(self.params, "headline_criterion", None) or self.criterion_ids[0]

    @property
    def target(self):
        t = self.params.target
        return "overall" if t == "overall" else float(t)


def load_cycle(params: CycleParams | str | Path, *, read: accounting.CycleRead | None = None) -> CycleData:
    """Read and validate a cycle's audits (and earlier cycles' for trends).

    Rejected rows are kept in ``ingest.rejected`` and reported by
    :func:`data_quality`; analyses use accepted rows only. ``read``: the exports as
    :func:`kentaudit.inputs.accounting.read_cycle` already read them for these parameters (the
    runner reads them once to check them and reuses that reading here); None: read here.
    """
    # a relative path is found from the notebook's folder or the repository as well as the
    # current folder, so a notebook runs under papermill from anywhere
    P = params if isinstance(params, CycleParams) else load_params(notebook.resolve_params_file(params))
    snap = _from_snapshot(P) if read is None else None
    if snap is not None:
        return snap
    return _load(P, read)


def _load(P: CycleParams, read: accounting.CycleRead | None = None) -> CycleData:
    # read as the run's check read them (rows of another cycle in this cycle's exports are
    # rejected, rule cycle_mismatch), so the counts the run printed are the notebooks' counts
    read = accounting.read_cycle(P) if read is None else read
    cur, prev = read.current, read.previous
    keep = cur.accepted["sample"].isin(P.samples)
    # all rows kept (the usual case): the same frame, not a copy of it
    audits = cur.accepted if keep.all() else cur.accepted[keep].reset_index(drop=True)
    previous = prev.accepted.reset_index(drop=True) if prev is not None else audits.iloc[0:0]
    # the profile's partial rule (docs/profile.md, "The answer scheme"): counted as N or Y it is
    # read so by every analysis; "excluded" keeps its code, which the counter counts on its own
    # outside the denominator (kentaudit.stats.proportions.criterion_counts)
    audits, previous = _partial_rule(audits, P), _partial_rule(previous, P)
    # the cycle's reference tables: the parameter file's, else its profile's
    return CycleData(P, audits, previous, cur, prev, reference.criteria(P.inputs.criteria or P.profile.criteria),
                     reference.districts(P.inputs.districts or P.profile.units))


def _partial_rule(audits: pd.DataFrame, P: CycleParams) -> pd.DataFrame:
    """``audits`` with the profile's partial answers read as its rule says
    (:func:`kentaudit.inputs.profile.compliance_answers`); the same frame where nothing changes."""
    answers = P.profile.answers
    if answers.partial is None or answers.partial_counts_as == "excluded":
        return audits
    cols = [c for c in audits.columns if isinstance(c, str) and c.startswith("c_")]
    if not cols:
        return audits
    out = audits.copy()
    out[cols] = compliance_answers(audits[cols], answers)
    return out


def _main_columns(audits: pd.DataFrame) -> list:
    """The columns :attr:`CycleData.main` and :attr:`CycleData.comparable` keep: the record's
    dates go; a criterion or grade whose id ends in "date" (``c_chronology_up_to_date``) stays."""
    return [c for c in audits.columns if c not in _NOT_IN_MAIN
            and not (str(c).endswith("_date") and not str(c).startswith(("c_", "grade_", "risk_")))]


def present_values(values: pd.Series) -> set:
    """The distinct non-missing values of a column (without one Python object per row)."""
    return set(values.dropna().unique())


def _snapshot_id(P: CycleParams) -> dict:
    """What a snapshot must match to stand for ``load_cycle(P)``: the parameter file (path and
    SHA-256) and the SHA-256 of every input file, now."""
    return {"source": str(P.source), "params_sha256": sha256_file(P.source), "inputs": P.input_hashes()}


def write_snapshot(cycle: CycleData, path: str | Path) -> None:
    """Write ``cycle`` (from :func:`load_cycle`) to ``path`` (a new file, mode 0600), for the
    kernels of one run to read instead of ingesting the exports again.

    ``kentaudit run`` loads the cycle once, writes it into its private run folder (0700,
    removed at the end of the run) and names it in :data:`SNAPSHOT_ENV`. A kernel's
    :func:`load_cycle` returns the snapshot only if the parameter file and every input file
    still have the SHA-256 the snapshot was written with, else it ingests as usual. The
    format is pickle (protocol 5: the frames' buffers are copied once, not re-parsed); a
    pickle runs code when read, which is why it is only ever read from the run's own private
    folder, never from a path a user gives.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        pickle.dump(_snapshot_id(cycle.params), f, protocol=5)
        pickle.dump(cycle, f, protocol=5)


def _from_snapshot(P: CycleParams) -> CycleData | None:
    """The cycle from the run's snapshot, if :data:`SNAPSHOT_ENV` names one made for ``P``."""
    path = os.environ.get(SNAPSHOT_ENV)
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            if pickle.load(f) != _snapshot_id(P):
                return None
            cd = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None  # no usable snapshot: ingest as usual (same result, slower)
    return cd if isinstance(cd, CycleData) else None


def _sample_label(params, sample: str) -> str:
    """A sample as the cycle's profile labels it ("Annual audit"), else its name."""
    s = next((x for x in getattr(getattr(params, "profile", None), "samples", ()) if x.name == sample), None)
    return s.label if s is not None and s.label else sample
