"""How much confidence the extension bought, and the sample size a precision needs."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kentaudit.core.errors import InputError
from kentaudit.core.methods import check_conf_level
from kentaudit.inputs.reference import districts as _districts
from kentaudit.stats.proportions import COUNT_COLUMNS, proportion_ci

__all__ = ["interval_widths", "sample_size_for_precision", "sample_size_by_district"]

SAMPLE_SIZE_METHOD = "normal approximation with FPC (Cochran 1977, eqs 4.1-4.2)"


def _keys(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    skip = set(COUNT_COLUMNS) | {"estimate", "conf_low", "conf_high", "method", "conf_level",
                                 "population", "effective_nobs", "note"}
    keys = [c for c in before.columns if c not in skip and c in after.columns]
    if "criterion" not in keys:
        raise InputError("both count tables need a 'criterion' column "
                         "(use kentaudit.stats.proportions.criterion_counts)")
    return keys


def interval_widths(before_counts: pd.DataFrame, after_counts: pd.DataFrame,
                    method: str = "wilson", conf_level: float = 0.95,
                    population=None) -> pd.DataFrame:
    """Interval widths before and after extending the sample.

    Parameters
    ----------
    before_counts, after_counts : DataFrame
        Counts from :func:`kentaudit.stats.proportions.criterion_counts` for the
        sample before the extension (the initial cases) and after it (initial
        plus additional cases), with the same grouping columns. Describing the
        precision of the enlarged sample is the one place where the initial
        cases are legitimately counted inside it.
    method, conf_level
        As in :func:`kentaudit.stats.proportions.proportion_ci`.
    population : number, optional
        Frame size N for a finite population correction (both intervals).

    Returns
    -------
    DataFrame
        One row per criterion (and group), matched on the key columns shared
        by both tables, with columns: the keys; ``n_denominator_before``, ``n_denominator_after``
        (applicable answers); ``estimate_before``, ``estimate_after``;
        ``conf_low_before``, ``conf_high_before``, ``conf_low_after``,
        ``conf_high_after``; ``width_before``, ``width_after`` (upper minus
        lower); ``width_ratio`` (after / before; NaN when undefined);
        ``n_ratio`` (n_denominator_after / n_denominator_before); ``method``, ``conf_level``.

    Notes
    -----
    For a Wald-type interval the width falls as 1/sqrt(n), so quadrupling
    the sample halves the width; ``width_ratio`` beside ``n_ratio`` shows how
    close a given criterion came to that. Validated as ``proportion_ci`` is.
    """
    keys = _keys(before_counts, after_counts)
    merged = before_counts[keys + ["n_yes", "n_denominator"]].merge(
        after_counts[keys + ["n_yes", "n_denominator"]], on=keys, how="outer",
        suffixes=("_before", "_after"), validate="one_to_one")
    for col in ("n_yes_before", "n_denominator_before", "n_yes_after", "n_denominator_after"):
        merged[col] = merged[col].fillna(0)
    out = merged[keys].copy()
    for when in ("before", "after"):
        ci = proportion_ci(merged[f"n_yes_{when}"].to_numpy(), merged[f"n_denominator_{when}"].to_numpy(),
                           method=method, conf_level=conf_level, population=population)
        out[f"n_denominator_{when}"] = merged[f"n_denominator_{when}"].to_numpy()
        out[f"estimate_{when}"] = ci["estimate"].to_numpy()
        out[f"conf_low_{when}"] = ci["conf_low"].to_numpy()
        out[f"conf_high_{when}"] = ci["conf_high"].to_numpy()
        out[f"width_{when}"] = (ci["conf_high"] - ci["conf_low"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["width_ratio"] = np.where(out["width_before"] > 0, out["width_after"] / out["width_before"], np.nan)
        out["n_ratio"] = np.where(out["n_denominator_before"] > 0, out["n_denominator_after"] / out["n_denominator_before"], np.nan)
    out["method"] = method
    out["conf_level"] = float(conf_level)
    return out


def sample_size_for_precision(margin=0.05, conf_level: float = 0.95, p=0.5,
                              population=None) -> pd.DataFrame:
    """Files to audit for a chosen margin of error, with a finite population correction.

    Parameters
    ----------
    margin : float or array-like
        Half-width of the interval wanted, as a proportion (0.05 = +/-5 points).
    conf_level : float
        Two-sided confidence level.
    p : float or array-like
        Anticipated proportion; 0.5 (the default) gives the largest sample.
    population : int, array-like or Series, optional
        Frame size N (files that could be sampled). A Series index (for
        example districts) is kept. ``None`` = no correction (infinite N).

    Returns
    -------
    DataFrame
        One row per input, with columns ``margin``, ``conf_level``, ``p_assumed`` (the
        input ``p``),
        ``population``; ``n0`` = z^2 p (1 - p) / margin^2 (no correction);
        ``n`` = n0 / (1 + (n0 - 1) / N) (unrounded); ``n_required`` (``n``
        rounded up, at most N); ``sampling_fraction`` (n_required / N) and
        ``method``.

    Notes
    -----
    The correction solves z^2 (N - n)/(N - 1) p(1 - p)/n = margin^2 for n,
    i.e. uses the variance of a proportion from a simple random sample
    without replacement (Cochran 1977, eqs 3.4, 4.1 and 4.2), the same
    variance as the FPC of :func:`kentaudit.stats.proportions.proportion_ci`.
    For Kent's about 1,360 children on plans, +/-10 points at 95% needs 90
    files and +/-5 points 300. A tiny tolerance (1e-9) guards the rounding up
    against floating-point error.

    Validated against the formula evaluated in R 4.2
    (``tests/r/reference_core.R``) and the figures quoted in DOMAIN.md.

    References
    ----------
    1. Cochran WG (1977). Sampling Techniques, 3rd ed., section 4.4. Wiley.
    """
    conf_level = check_conf_level(conf_level)
    index = next((o.index for o in (population, margin, p) if isinstance(o, pd.Series)), None)
    pop = np.nan if population is None else population
    m, pp, N = np.broadcast_arrays(np.asarray(margin, dtype=np.float64),
                                   np.asarray(p, dtype=np.float64),
                                   np.asarray(pop, dtype=np.float64))
    m, pp, N = (np.atleast_1d(x).astype(np.float64) for x in (m, pp, N))
    if np.any((m <= 0) | (m >= 1)):
        raise InputError("margin must be strictly between 0 and 1 (0.05 means +/-5 points)")
    if np.any((pp <= 0) | (pp >= 1)):
        raise InputError("p must be strictly between 0 and 1")
    if population is not None and np.any(~(N >= 1)):
        raise InputError("population sizes must be at least 1")
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    n0 = z * z * pp * (1 - pp) / (m * m)
    n = np.where(np.isnan(N), n0, n0 / (1 + (n0 - 1) / np.where(np.isnan(N), 1.0, N)))
    need = np.ceil(n - 1e-9)
    need = np.where(np.isnan(N), need, np.minimum(need, N))
    out = pd.DataFrame({"margin": m, "conf_level": float(conf_level), "p_assumed": pp, "population": N,
                        "n0": n0, "n": n, "n_required": need.astype(np.int64),
                        "sampling_fraction": need / N, "method": SAMPLE_SIZE_METHOD})
    if index is not None and len(index) == len(out):
        out.index = index
    return out


def sample_size_by_district(margin=0.05, conf_level: float = 0.95, p=0.5,
                            districts: pd.DataFrame | None = None,
                            frame_column: str = "children_on_plans",
                            certainty=None, total_label: str = "the authority (all units)") -> pd.DataFrame:
    """Sample size for a precision in each district and authority-wide.

    Parameters
    ----------
    margin, conf_level, p
        As in :func:`sample_size_for_precision` (scalars).
    districts : DataFrame, optional
        District table with ``district`` and ``frame_column``; default
        :func:`kentaudit.inputs.reference.districts`.
    frame_column : str
        Column holding the frame size of each district.
    total_label : str
        The name of the authority-wide row, in the reader's words (the profile's:
        "Kent (all districts)"; neutral by default).

    Returns
    -------
    DataFrame
        One row per district plus a final row with ``district`` equal to
        ``total_label`` for the whole frame, each with ``district``
        and the columns of :func:`sample_size_for_precision`. The per-district
        rows answer "how many files for this precision *within* the
        district"; their sum is far larger than the authority-wide row.

        With ``certainty`` (a mapping or Series: district -> cases taken in
        full, the initial high-risk cases of 2009) the design of
        :func:`kentaudit.stats.survey.authority_proportion` is used: those cases
        carry no sampling error, so only the rest of the frame, N_r = N - c,
        is sampled, and a margin m on the whole needs the margin m N / N_r on
        the random part (the estimate is (c p_c + N_r p_r) / N; Lohr 2022,
        section 3.4). ``n0``, ``n`` and ``n_required`` are then files to draw
        at random from the N_r, and the extra columns ``n_certainty`` (c),
        ``population_random`` (N_r) and ``n_required_total`` (c + n_required) say so.

        Every row has a ``note`` (empty where nothing needs saying). Units where no
        random file can be drawn get a documented row, never an error: a unit with no
        children in scope, or whose children are all taken in full (a census), needs
        0 further files; where the files taken in full already give the precision
        (the margin wanted on the random part, m N / N_r, is 1 or more) 0 files; and
        where more files are taken in full than the unit has children in scope (the
        units table and the audits disagree) ``n_required`` is missing (``<NA>``) and
        the note says to check the units table.
    """
    if districts is None:
        districts = _districts()
    for col in ("district", frame_column):
        if col not in districts.columns:
            raise InputError(f"the district table has no {col!r} column", column=col)
    sizes = districts.set_index("district")[frame_column].astype(float)
    total = pd.Series([sizes.sum()], index=[total_label])
    frames = pd.concat([sizes, total])
    c = (pd.Series(0.0, index=sizes.index) if certainty is None
         else pd.Series(certainty, dtype=float).reindex(sizes.index, fill_value=0.0))
    c = pd.concat([c, pd.Series([c.sum()], index=total.index)])
    rest = frames - c
    # the margin wanted on the random part: m N / N_r (m itself without cases taken in full)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_rest = np.where(rest.to_numpy() >= 1, float(margin) * frames.to_numpy() / rest.to_numpy(), np.inf)
    ok = (rest.to_numpy() >= 1) & (m_rest < 1)
    note = np.full(len(frames), "", dtype=object)
    note[(frames.to_numpy() == 0)] = "no children in scope: no files to audit"
    census = (frames.to_numpy() > 0) & (rest.to_numpy() == 0)
    note[census] = "every child in scope is already audited in full (a census): no further files"
    enough = (rest.to_numpy() >= 1) & (m_rest >= 1)
    note[enough] = "the files taken in full already give this precision: no further files"
    over = rest.to_numpy() < 0
    note[over] = ("more files taken in full than children in scope: check the units table "
                  "(no sample size can be given)")
    # the rows that can be computed, then the documented rows (0 files, or missing)
    part = pd.DataFrame(index=frames.index)
    if ok.any():
        part = sample_size_for_precision(m_rest[ok], conf_level, p, population=rest.to_numpy()[ok])
        part.index = frames.index[ok]
    part = part.reindex(frames.index)
    for col in ("n0", "n", "sampling_fraction"):
        if col not in part:  # no row computable (every unit documented): the columns are still there
            part[col] = np.nan
    part["margin"] = float(margin)
    part["conf_level"] = float(check_conf_level(conf_level))
    part["p_assumed"] = part["p_assumed"].fillna(float(p)) if "p_assumed" in part else float(p)
    need = pd.array([pd.NA] * len(frames), dtype="Int64")
    if "n_required" in part:
        need[ok] = part.loc[ok, "n_required"].astype("int64").to_numpy()
    need[~ok & ~over] = 0
    part["n_required"] = need
    part["method"] = SAMPLE_SIZE_METHOD
    part["population"] = frames.to_numpy()
    if certainty is None:
        part["sampling_fraction"] = (part["n_required"].to_numpy(dtype=float, na_value=np.nan)
                                     / part["population"].where(part["population"] > 0).to_numpy())
        part["note"] = note
        part = part[["margin", "conf_level", "p_assumed", "population", "n0", "n", "n_required",
                     "sampling_fraction", "method", "note"]]
        part.index.name = "district"
        return part.reset_index()
    part = part[["margin", "conf_level", "p_assumed", "population", "n0", "n", "n_required",
                 "sampling_fraction", "method"]]
    part.insert(part.columns.get_loc("population") + 1, "n_certainty", c.to_numpy().astype(int))
    part.insert(part.columns.get_loc("n_certainty") + 1, "population_random", rest.to_numpy())
    part.insert(part.columns.get_loc("n_required") + 1, "n_required_total",
                part["n_required"] + c.to_numpy().astype(int))
    part["sampling_fraction"] = (part["n_required"].to_numpy(dtype=float, na_value=np.nan)
                                 / part["population_random"].where(part["population_random"] > 0).to_numpy())
    part["method"] = SAMPLE_SIZE_METHOD + "; cases taken in full form a certainty stratum"
    part["note"] = note
    part.index.name = "district"
    return part.reset_index()
