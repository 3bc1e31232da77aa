"""Drawing the audit sample: stratified allocation and a reproducible draw.

``kentaudit sample`` calls :func:`draw_sample_cli`. The draw is a stratified
simple random sample without replacement: the frame is first sorted by a
stable key (stratum, then ``case_ref``) so the order of the input file does not
matter, then each stratum is sampled with :func:`numpy.random.default_rng`
seeded by the recorded seed. The same frame, exclusions, parameters and seed
always give the same selection (for a given numpy ``PCG64`` stream, which is
stable across numpy versions by numpy's policy; the version is recorded).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from kentaudit.core.errors import InputError, KentauditError
from kentaudit.core.methods import check_method
from kentaudit.core.safeio import read_regular
from kentaudit.core.safetext import write_csv

__all__ = ["ALLOCATION_METHODS", "allocate", "draw_sample", "draw_sample_cli", "read_frame"]

ALLOCATION_METHODS = ("proportional", "equal", "neyman")


def _as_series(x, name: str) -> pd.Series:
    if isinstance(x, pd.Series):
        s = x.copy()
    elif isinstance(x, Mapping):
        s = pd.Series(dict(x))
    else:
        raise KentauditError(f"{name} must be a mapping or pandas Series of stratum -> value, "
                             f"not {type(x).__name__}.")
    s.index = s.index.map(str)
    if s.index.has_duplicates:
        raise KentauditError(f"{name} names a stratum more than once: "
                             f"{sorted(set(s.index[s.index.duplicated()]))}.")
    return s


def _capped_targets(weights: np.ndarray, lower: np.ndarray, upper: np.ndarray, n: int) -> np.ndarray:
    """Continuous allocation proportional to ``weights`` within [lower, upper].

    Written here because no maintained Python library offers it: strata whose
    share would exceed their cap are fixed at the cap, strata below the floor
    are fixed at the floor, and the rest of ``n`` is shared again among the
    free strata, until no bound is violated (the recursive Neyman allocation;
    Cochran 1977, section 5.8; Wesolowski, Wieczorkowski & Wojciak 2021,
    J Surv Stat Methodol, doi:10.1093/jssam/smab018).
    """
    h = len(weights)
    fixed = np.full(h, np.nan)
    for _ in range(2 * h + 2):
        free = np.isnan(fixed)
        rest = n - np.nansum(fixed)
        if not free.any():
            break
        w = weights[free]
        if w.sum() <= 0:
            if rest > 1e-9:
                raise KentauditError(
                    "cannot allocate: every stratum still open has zero weight (for Neyman "
                    "allocation, an anticipated SD of 0). Give positive SDs or use another method.")
            fixed[free] = 0.0
            break
        t = np.full(h, np.nan)
        t[free] = rest * w / w.sum()
        over = free & (t > upper + 1e-12)
        under = free & (t < lower - 1e-12)
        if not over.any() and not under.any():
            fixed[free] = t[free]
            break
        # fix the violations on the side that is larger in total, then recompute
        # (fixing caps first is the recursive Neyman rule; floors are the mirror case)
        if over.any():
            fixed[over] = upper[over]
        else:
            fixed[under] = lower[under]
    return fixed


def _largest_remainder(target: np.ndarray, n: int, upper: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Round ``target`` to integers summing to ``n`` (Hamilton's largest-remainder rule).

    Ties of the fractional part are broken by stratum name order (``order``)
    so the result never depends on input order.
    """
    base = np.floor(target + 1e-9).astype(int)
    base = np.minimum(base, upper)
    left = n - int(base.sum())
    frac = target - base
    # candidates: strata with room; largest remainder first, then name order
    idx = [i for i in sorted(range(len(target)), key=lambda i: (-round(frac[i], 12), order[i]))
           if base[i] < upper[i]]
    for i in idx[:max(left, 0)]:
        base[i] += 1
    if int(base.sum()) != n:  # pragma: no cover - guarded by the checks in allocate()
        raise KentauditError("internal error: rounded allocation does not sum to n.")
    return base


def allocate(frame_sizes, n: int, method: str = "proportional", sd=None, min_per_stratum: int = 0) -> pd.DataFrame:
    """Integer allocation of a total sample size ``n`` to strata.

    Parameters
    ----------
    frame_sizes : mapping or Series
        Stratum -> number of files available to sample (the cap for that stratum).
    n : int
        Total sample size; ``0 <= n <= sum(frame_sizes)``.
    method : {"proportional", "equal", "neyman"}
        Proportional to N_h; equal (n/H each); Neyman, proportional to
        N_h * S_h (Cochran 1977, eq. 5.26), which needs ``sd``.
    sd : mapping or Series, optional
        Stratum -> anticipated standard deviation S_h (Neyman only). For a
        proportion p_h, S_h = sqrt(p_h (1 - p_h)) (times sqrt(N_h/(N_h-1)) if
        you want Cochran's S_h exactly).
    min_per_stratum : int
        Floor per stratum (capped at the stratum size).

    Returns
    -------
    DataFrame, one row per stratum (sorted by stratum name) with columns

    - ``stratum``: stratum name (str);
    - ``frame_size``: N_h, the files available;
    - ``sd``: S_h used (Neyman) or NaN;
    - ``weight``: the allocation weight (N_h, 1 or N_h S_h);
    - ``target``: the unrounded allocation after caps and floors;
    - ``n``: the integer allocation; the column sums to ``n``;
    - ``at_cap``: True where the stratum is taken whole (n_h = N_h);
    - ``sampling_fraction``: n_h / N_h;
    - ``method``, ``rounding`` ("largest remainder"), ``min_per_stratum``.

    Notes
    -----
    Caps: a stratum is never allocated more than N_h; the surplus is shared
    among the other strata in proportion to their weights, recursively (the
    recursive Neyman allocation, which is optimal under upper bounds:
    Wesolowski, Wieczorkowski & Wojciak 2021). The continuous allocation is
    rounded by the largest-remainder rule, ties broken by stratum name.

    Validated against base-R implementations of the same formulas on the
    textbook population of the stratallo vignette (N = 3000, 4000, 5000,
    2000; S = 48, 79, 76, 16; n = 190, bounds 100, 90, 70, 80) in
    ``tests/r/reference_more.R``, and against the worked example
    N = 500, 300, 200, S = 1, 5, 5, n = 10 (Neyman n_2 = 5).

    References
    ----------
    1. Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, ch. 5.
    2. Wesolowski, J., Wieczorkowski, R. and Wojciak, W. (2021). Optimality of
       the recursive Neyman allocation. *J Surv Stat Methodol* 10(5).
    """
    check_method(method, ALLOCATION_METHODS)
    sizes = _as_series(frame_sizes, "frame_sizes").sort_index()
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise KentauditError(f"n must be a whole number, not {n!r}.")
    if not isinstance(min_per_stratum, (int, np.integer)) or min_per_stratum < 0:
        raise KentauditError(f"min_per_stratum must be a whole number >= 0, not {min_per_stratum!r}.")
    if sizes.empty:
        raise KentauditError("no strata to allocate to: the frame is empty after exclusions.")
    try:
        nh = sizes.astype(float)
    except (TypeError, ValueError) as e:
        raise KentauditError(f"frame sizes must be numbers: {e}") from None
    if (nh < 0).any() or (nh != np.floor(nh)).any():
        raise KentauditError("frame sizes must be whole numbers >= 0.")
    upper = nh.to_numpy().astype(int)
    total = int(upper.sum())
    if n < 0:
        raise KentauditError(f"n must be >= 0, not {n}.")
    if n > total:
        raise KentauditError(
            f"n={n} is more than the {total} files available in the frame (after exclusions); "
            "lower n or widen the frame.")
    lower = np.minimum(min_per_stratum, upper)
    if int(lower.sum()) > n:
        raise KentauditError(
            f"min_per_stratum={min_per_stratum} needs {int(lower.sum())} files over {len(upper)} strata, "
            f"more than n={n}; lower min_per_stratum or raise n.")
    sdv = np.full(len(upper), np.nan)
    if method == "neyman":
        if sd is None:
            raise KentauditError("Neyman allocation needs the anticipated SD per stratum (sd= or --sd-column).")
        sds = _as_series(sd, "sd")
        missing = sorted(set(sizes.index) - set(sds.index))
        unknown = sorted(set(sds.index) - set(sizes.index))
        if missing:
            raise KentauditError(f"sd has no value for stratum/strata {missing}; give an SD for every stratum.")
        if unknown:
            raise KentauditError(f"sd names unknown stratum/strata {unknown} (not in the frame).")
        sdv = pd.to_numeric(sds.reindex(sizes.index), errors="coerce").to_numpy(float)
        if np.isnan(sdv).any() or (sdv < 0).any():
            raise KentauditError("sd values must be numbers >= 0.")
        weights = upper * sdv
    elif method == "equal":
        weights = (upper > 0).astype(float)
    else:
        weights = upper.astype(float)
    target = _capped_targets(weights.astype(float), lower.astype(float), upper.astype(float), n)
    order = np.arange(len(upper))
    alloc = _largest_remainder(target, n, upper, order)
    out = pd.DataFrame({
        "stratum": sizes.index.astype(str),
        "frame_size": upper,
        "sd": sdv,
        "weight": weights.astype(float),
        "target": target,
        "n": alloc,
    })
    out["at_cap"] = (out["n"] == out["frame_size"]) & (out["frame_size"] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["sampling_fraction"] = np.where(out["frame_size"] > 0, out["n"] / out["frame_size"].where(out["frame_size"] > 0, 1), np.nan)
    out["method"] = method
    out["rounding"] = "largest remainder"
    out["min_per_stratum"] = int(min_per_stratum)
    return out.reset_index(drop=True)


def _check_frame(frame: pd.DataFrame, stratum: str) -> None:
    missing = [c for c in ("case_ref", stratum) if c not in frame.columns]
    if missing:
        raise InputError(
            f"the sampling frame has no column(s) {missing}; it needs case_ref and the stratum "
            f"column {stratum!r} (columns present: {list(frame.columns)}).", column=missing[0])
    if frame.empty:
        raise InputError("the sampling frame has no rows.")
    refs = frame["case_ref"].astype("string")
    if refs.isna().any() or (refs.str.strip() == "").any():
        raise InputError("the sampling frame has a blank case_ref; every open case needs a reference.",
                         column="case_ref")
    dup = refs[refs.duplicated()]
    if not dup.empty:
        raise InputError(f"the sampling frame lists case_ref {dup.iloc[0]!r} more than once; "
                         "remove duplicate cases.", column="case_ref", value=dup.iloc[0])
    st = frame[stratum].astype("string")
    if st.isna().any() or (st.str.strip() == "").any():
        raise InputError(f"the sampling frame has a blank {stratum!r}; every case needs a stratum.",
                         column=stratum)


def _as_date(x, what: str) -> pd.Timestamp:
    if x is None:
        return pd.Timestamp(_dt.date.today())
    try:
        return pd.Timestamp(x).normalize()
    except (ValueError, TypeError):
        raise KentauditError(f"{what} must be a date YYYY-MM-DD, not {x!r}.") from None


def _excluded_refs(exclude: pd.DataFrame | None, as_of: pd.Timestamp, months: int) -> tuple[set, pd.Timestamp | None]:
    if exclude is None:
        return set(), None
    if not isinstance(months, (int, np.integer)) or months < 0:
        raise KentauditError(f"exclude_months must be a whole number >= 0, not {months!r}.")
    missing = [c for c in ("case_ref", "audit_date") if c not in exclude.columns]
    if missing:
        raise InputError(f"the table of earlier audits has no column(s) {missing}; it needs "
                         "case_ref and audit_date.", column=missing[0])
    dates = pd.to_datetime(exclude["audit_date"].replace("", pd.NA), errors="coerce", format="mixed")
    bad = exclude["audit_date"][dates.isna()]
    if not bad.empty:
        raise InputError("an earlier audit has a missing or unreadable audit_date; exclusions need "
                         "a date (YYYY-MM-DD).", column="audit_date", value=str(bad.iloc[0]))
    since = as_of - pd.DateOffset(months=months)
    recent = (dates > since) & (dates <= as_of)
    return set(exclude.loc[recent, "case_ref"].astype(str)), since


def draw_sample(frame: pd.DataFrame, n: int, allocation="proportional", seed: int | None = None,
                stratum: str = "district", exclude: pd.DataFrame | None = None,
                exclude_months: int = 12, as_of=None, min_per_stratum: int = 0,
                sd=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw a stratified simple random sample of files, reproducibly.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame, one row per open case: ``case_ref`` and the
        ``stratum`` column at least (other columns are carried to the list).
    n : int
        Total number of files to draw.
    allocation : {"proportional", "equal", "neyman"} or mapping
        Allocation method (see :func:`allocate`), or a fixed stratum -> n_h
        mapping (then ``n`` must equal its sum).
    seed : int
        Seed of :func:`numpy.random.default_rng`; required, recorded in every row.
    stratum : str
        Column of ``frame`` to stratify by (default ``district``).
    exclude : DataFrame, optional
        Earlier audits (``case_ref``, ``audit_date``): a case audited in the
        ``exclude_months`` months up to and including ``as_of`` is not eligible.
    exclude_months : int
        Length of the exclusion window in calendar months (default 12).
    as_of : date-like, optional
        Date of the draw (default today); fixes the exclusion window.
    min_per_stratum : int
        Floor per stratum (see :func:`allocate`).
    sd : mapping or Series, optional
        Anticipated SD per stratum, for Neyman allocation.

    Returns
    -------
    selection : DataFrame
        One row per selected file, sorted by stratum and draw order: ``stratum``,
        ``draw_order`` (1-based within stratum), ``case_ref``, the other frame
        columns, then ``seed``, ``as_of`` and ``method``.
    allocation : DataFrame
        The :func:`allocate` table plus ``frame_rows`` (cases in the frame),
        ``n_excluded`` (cases excluded as recently audited), ``seed`` and
        ``as_of``. ``frame_size`` is the number available after exclusions.

    Notes
    -----
    The frame is sorted by (stratum, case_ref) before drawing, and strata are
    drawn in name order from one generator, so input order never matters.
    Within a stratum ``rng.choice(N_h, n_h, replace=False)`` picks the files.
    Exclusion never selects a recently audited case: it is removed before
    allocation, so proportional weights are those of the eligible frame.
    """
    if seed is None or not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise KentauditError(f"seed must be a whole number >= 0 so the draw can be reproduced, not {seed!r}.")
    if not isinstance(frame, pd.DataFrame):
        raise KentauditError("frame must be a pandas DataFrame.")
    _check_frame(frame, stratum)
    as_of_ts = _as_date(as_of, "as_of")
    f = frame.copy()
    f["case_ref"] = f["case_ref"].astype(str)
    f[stratum] = f[stratum].astype(str)
    excl, _since = _excluded_refs(exclude, as_of_ts, exclude_months)
    is_excl = f["case_ref"].isin(excl)
    frame_rows = f.groupby(stratum).size()
    n_excl = f[is_excl].groupby(stratum).size().reindex(frame_rows.index, fill_value=0)
    elig = f[~is_excl].sort_values([stratum, "case_ref"], kind="mergesort").reset_index(drop=True)
    avail = elig.groupby(stratum).size().reindex(frame_rows.index, fill_value=0)

    if isinstance(allocation, (Mapping, pd.Series)):
        fixed = _as_series(allocation, "allocation")
        unknown = sorted(set(fixed.index) - set(frame_rows.index))
        if unknown:
            raise KentauditError(f"allocation names unknown stratum/strata {unknown}: not in the frame's "
                                 f"{stratum!r} column (known: {sorted(frame_rows.index)}).")
        fixed = fixed.reindex(frame_rows.index, fill_value=0).astype(int)
        if int(fixed.sum()) != n:
            raise KentauditError(f"the fixed allocation sums to {int(fixed.sum())}, not n={n}.")
        over = fixed[fixed > avail]
        if not over.empty:
            s = over.index[0]
            raise KentauditError(f"the fixed allocation asks for {int(over.iloc[0])} files in {s!r}, "
                                 f"which has only {int(avail[s])} available after exclusions.")
        alloc = pd.DataFrame({"stratum": frame_rows.index.astype(str), "frame_size": avail.to_numpy(),
                              "sd": np.nan, "weight": np.nan, "target": fixed.to_numpy(float),
                              "n": fixed.to_numpy()})
        alloc["at_cap"] = (alloc["n"] == alloc["frame_size"]) & (alloc["frame_size"] > 0)
        alloc["sampling_fraction"] = alloc["n"] / alloc["frame_size"].where(alloc["frame_size"] > 0)
        alloc["method"] = "fixed"
        alloc["rounding"] = "none"
        alloc["min_per_stratum"] = int(min_per_stratum)
    else:
        check_method(allocation, ALLOCATION_METHODS, "allocation")
        if sd is not None and allocation == "neyman":
            sds = _as_series(sd, "sd")
            unknown = sorted(set(sds.index) - set(frame_rows.index))
            if unknown:
                raise KentauditError(f"sd names unknown stratum/strata {unknown} (not in the frame).")
            sd = sds
        alloc = allocate(avail, n, method=allocation, sd=sd, min_per_stratum=min_per_stratum)
    alloc.insert(1, "frame_rows", frame_rows.reindex(alloc["stratum"]).to_numpy())
    alloc.insert(2, "n_excluded", n_excl.reindex(alloc["stratum"]).to_numpy())
    alloc["seed"] = int(seed)
    alloc["as_of"] = as_of_ts.date().isoformat()

    rng = np.random.default_rng(int(seed))
    parts = []
    for _, row in alloc.iterrows():
        k = int(row["n"])
        if k == 0:
            continue
        rows = elig[elig[stratum] == row["stratum"]]
        pick = rng.choice(len(rows), size=k, replace=False)
        sel = rows.iloc[pick].copy()
        sel.insert(0, "draw_order", np.arange(1, k + 1))
        parts.append(sel)
    cols = ["stratum", "draw_order", "case_ref"]
    if parts:
        selection = pd.concat(parts, ignore_index=True)
    else:
        selection = elig.iloc[0:0].copy()
        selection.insert(0, "draw_order", pd.Series(dtype=int))
    selection.insert(0, "stratum", selection[stratum])
    other = [c for c in selection.columns if c not in cols and c != stratum]
    selection = selection[cols + ([stratum] if stratum not in cols else []) + other]
    selection["seed"] = int(seed)
    selection["as_of"] = as_of_ts.date().isoformat()
    selection["method"] = alloc["method"].iloc[0]
    return selection.reset_index(drop=True), alloc


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv(path, what: str) -> pd.DataFrame:


    p = Path(path)
    if not p.exists():
        raise InputError(f"the {what} file does not exist; check the path.", file=str(p))
    raw = read_regular(p, str(p))  # regular files only: no folder, FIFO or device
    if raw.startswith(b"PK\x03\x04") or p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise InputError(f"the {what} must be a CSV file, and this is a spreadsheet workbook; save it "
                         "as 'CSV UTF-8 (comma delimited)'.", file=str(p), rule="unreadable_file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"the {what} file is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
                         "save it as 'CSV UTF-8 (comma delimited)'.", file=str(p), rule="encoding") from None
    try:
        return pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    except pd.errors.EmptyDataError:
        raise InputError(f"the {what} file is empty.", file=str(p)) from None
    except (pd.errors.ParserError, ValueError) as e:
        first = (str(e).strip().splitlines() or [""])[0]
        raise InputError(f"the {what} file is not well-formed CSV ({first}).", file=str(p),
                         rule="unreadable_file") from None


def read_frame(path, what: str = "sampling frame") -> pd.DataFrame:
    """A CSV file of ``kentaudit sample`` (a sampling frame, earlier audits) as text columns,
    read as ``kentaudit sample`` reads it (regular UTF-8 CSV files only, nothing coerced)."""
    return _read_csv(path, what)


def draw_sample_cli(frame, out, n, allocation="proportional", seed=None, stratum="district",
                    exclude=None, exclude_months=12, as_of=None, min_per_stratum=0,
                    sd_column=None) -> int:
    """Draw a sample from CSV files and write the outputs (``kentaudit sample``).

    Parameters
    ----------
    frame : path
        CSV of open cases (``case_ref``, the stratum column, ...).
    out : path
        Folder to write ``selection.csv``, ``allocation.csv`` and ``draw.json``.
    n, allocation, seed, stratum, exclude_months, as_of, min_per_stratum
        As in :func:`draw_sample`; ``exclude`` is a CSV path of earlier audits.
    sd_column : str or path, optional
        Neyman only: a frame column holding the anticipated SD (one value per
        stratum), or a CSV with columns (stratum column or ``stratum``, ``sd``).

    Returns
    -------
    int
        0 on success. Errors are raised as :class:`KentauditError`.

    Notes
    -----
    ``draw.json`` records the seed, as_of, parameters, the SHA-256 of every
    input file, the counts (frame rows, excluded, available, selected) and the
    numpy version and bit generator, so anyone can re-run and check the draw.
    """
    frame_path = Path(frame)
    fr = _read_csv(frame_path, "sampling frame")
    ex = None
    exclude_path = None
    if exclude:
        exclude_path = Path(exclude)
        ex = _read_csv(exclude_path, "earlier audits")
    sd = None
    sd_source = None
    if sd_column:
        if sd_column in fr.columns:
            _check_frame(fr, stratum)
            vals = pd.to_numeric(fr[sd_column], errors="coerce")
            if vals.isna().any():
                raise InputError(f"frame column {sd_column!r} has a missing or non-numeric SD.", column=sd_column)
            per = vals.groupby(fr[stratum].astype(str)).agg(["min", "max"])
            varying = per[per["min"] != per["max"]]
            if not varying.empty:
                raise InputError(f"frame column {sd_column!r} must hold one SD per stratum, but "
                                 f"{varying.index[0]!r} has several values.", column=sd_column)
            sd = per["min"]
            sd_source = {"column": sd_column}
        elif Path(sd_column).is_file():
            t = _read_csv(sd_column, "stratum SD table")
            key = stratum if stratum in t.columns else "stratum"
            if key not in t.columns or "sd" not in t.columns:
                raise InputError(f"the SD table needs columns {stratum!r} (or 'stratum') and 'sd'.",
                                 file=str(sd_column))
            sd = pd.Series(pd.to_numeric(t["sd"], errors="coerce").to_numpy(), index=t[key].astype(str))
            sd_source = {"file": str(sd_column), "sha256": _sha256(Path(sd_column))}
        else:
            raise KentauditError(f"--sd-column {sd_column!r} is neither a frame column nor a file.")
    as_of_ts = _as_date(as_of, "--as-of")
    selection, alloc = draw_sample(fr, n=n, allocation=allocation, seed=seed, stratum=stratum,
                                   exclude=ex, exclude_months=exclude_months, as_of=as_of_ts,
                                   min_per_stratum=min_per_stratum, sd=sd)
    outp = Path(out)
    try:
        outp.mkdir(parents=True, exist_ok=True)
        write_csv(selection, outp / "selection.csv", index=False)
        write_csv(alloc, outp / "allocation.csv", index=False)
    except OSError as e:
        raise KentauditError(f"cannot write the sample to {str(outp)!r} ({e.strerror or e}); choose a "
                             "folder you can write to with --out.") from None
    record = {
        "tool": "kentaudit sample",
        "seed": int(seed),
        "bit_generator": "numpy.random.default_rng (PCG64)",
        "numpy_version": np.__version__,
        "as_of": as_of_ts.date().isoformat(),
        "method": str(alloc["method"].iloc[0]),
        "n": int(n),
        "stratum": stratum,
        "min_per_stratum": int(min_per_stratum),
        "exclude_months": int(exclude_months) if ex is not None else None,
        "sd": sd_source,
        "inputs": {
            "frame": {"path": str(frame_path), "sha256": _sha256(frame_path), "rows": int(len(fr))},
            "exclude": ({"path": str(exclude_path), "sha256": _sha256(exclude_path), "rows": int(len(ex))}
                        if ex is not None else None),
        },
        "counts": {
            "frame_rows": int(alloc["frame_rows"].sum()),
            "excluded": int(alloc["n_excluded"].sum()),
            "available": int(alloc["frame_size"].sum()),
            "selected": int(len(selection)),
            "by_stratum": {r["stratum"]: int(r["n"]) for _, r in alloc.iterrows()},
        },
        "outputs": ["selection.csv", "allocation.csv"],
    }
    (outp / "draw.json").write_text(json.dumps(record, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    c = record["counts"]
    print(f"drew {c['selected']:,} of {c['available']:,} available files ({c['frame_rows']:,} in the frame, "
          f"{c['excluded']:,} excluded) across {len(alloc)} strata by {record['method']} allocation, "
          f"seed {record['seed']}, as of {record['as_of']}\n"
          f"wrote {outp / 'selection.csv'} (the list for auditors), {outp / 'allocation.csv'} and "
          f"{outp / 'draw.json'} (the record to reproduce the draw)")
    return 0
