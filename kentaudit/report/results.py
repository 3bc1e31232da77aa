"""Saving results tables and figures from notebooks, deterministically.

Notebooks never leave their results only in cell outputs: every table a
reader or the appendix relies on is saved with :func:`save_table` into the
``results_dir`` the runner injects, as CSV and Parquet, with an entry in
``results/index.json``. Figures are saved with :func:`save_figure` (PNG, SVG
and a JSON file with alt text and caption) and shown in the notebook with
:func:`show_figure`, which embeds the image with its alt text so the reviewer
HTML is accessible.

Determinism: the same DataFrame always gives the same bytes, and so do two
machines whose BLAS kernels or libm differ in the last bits. Every float is
first put in one canonical form (:func:`canonical_floats`): rounded to
:data:`SIGNIFICANT_DIGITS` (10) significant digits, ``-0`` written as ``0``;
CSV then writes the shortest representation that reads back to that double
(``repr``: ``7.75``, not ``7.750000000000001``) and Parquet holds the same
double. Parquet files are written by pyarrow with fixed options and no
timestamps; the index is sorted by table name.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from IPython.display import display

from kentaudit.core.errors import KentauditError
from kentaudit.core.safetext import write_csv
from kentaudit.core.vocabulary import upgrade_columns
from kentaudit.inputs.reference import districts, resolve_district

if sys.platform == "win32":
    import msvcrt
    fcntl = None
else:
    import fcntl
    msvcrt = None

__all__ = [
    "save_table",
    "load_table",
    "table_index",
    "table_name",
    "save_figure",
    "show_figure",
    "figure_html",
    "INDEX_FILE",
    "SIGNIFICANT_DIGITS",
    "canonical_floats",
]

#: Significant digits every saved float is rounded to (see :func:`canonical_floats`).
SIGNIFICANT_DIGITS = 10

INDEX_FILE = "index.json"
_NAME = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*(?:__[A-Za-z0-9]+)?$")


def _district_code(district: str, units: pd.DataFrame | None = None) -> str:
    """The code of ``district`` (a name or code, any case) in ``units``, the cycle's units table
    (its profile's); None: the bundled table (no cycle known)."""
    t = districts() if units is None else units
    try:
        name = resolve_district(district, t)  # a name or a code, in any case
    except KentauditError:
        where = "the cycle's units table" if units is not None else "kentaudit/data/districts.csv"
        raise KentauditError(
            f"unknown district {district!r}; use a name or code from "
            f"{where} ({', '.join(t['district'])})") from None
    return str(t.loc[t["district"] == name, "district_code"].iloc[0])


def table_name(name: str, district: str | None = None, units: pd.DataFrame | None = None) -> str:
    """Validated file stem of a table or figure: ``name`` or ``name__<district code>``.

    Names are lower-case letters, digits and single underscores; per-district
    outputs append ``__`` and the district code (``compliance__ASH``).
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise KentauditError(
            f"invalid table or figure name {name!r}: use lower-case letters, digits and single "
            "underscores (for example 'compliance_by_district'), optionally followed by "
            "'__' and a district code")
    if district is not None:
        if "__" in name:
            raise KentauditError(f"name {name!r} already has a district suffix; do not also pass district=")
        name = f"{name}__{_district_code(district, units)}"
    return name


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(path: Path):
    """Exclusive lock on ``path`` (notebooks run in parallel processes share one index)."""
    f = open(path, "a+b")
    try:
        try:

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)
        yield
    finally:
        f.close()  # closing releases the lock


def _without_categoricals(df: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain columns of their categories' dtype.

    Ingest keeps coded columns as categoricals (to save memory); a results
    table must not depend on that: its Parquet would carry dictionary columns
    listing unobserved categories, and the same table would change type with
    how it was computed.
    """
    cats = [c for c, t in df.dtypes.items() if isinstance(t, pd.CategoricalDtype)]
    if not cats:
        return df
    return df.astype({c: df[c].cat.categories.dtype for c in cats})


def _canonical(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.float64, copy=True)
    fin = np.isfinite(out) & (out != 0)
    if fin.any():
        fmt = f"{{:.{SIGNIFICANT_DIGITS}g}}".format
        # correctly rounded decimal (Python's float formatting), read back as the nearest double
        out[fin] = np.fromiter((float(fmt(v)) for v in out[fin].tolist()), np.float64, int(fin.sum()))
    out[out == 0] = 0.0   # -0.0 -> 0.0
    return out


def canonical_floats(df: pd.DataFrame) -> pd.DataFrame:
    """The table with every float in canonical form: the same numbers on every machine.

    Each float column (``float64``, ``float32``, ``Float64``) is rounded to
    :data:`SIGNIFICANT_DIGITS` significant digits (correctly rounded decimal,
    then the nearest double), and a negative zero becomes ``0``; missing
    values stay missing, infinities stay infinite. Results differing only in
    the last bits (another BLAS kernel, another order of summation: relative
    differences near 1e-16) therefore write the same bytes, while every value
    keeps far more precision than any statistic here carries (checks against
    R use 1e-6). Exact bounds are exact at the source (a Wilson limit for 0
    of n is 0, not 3.5e-18: :func:`kentaudit.stats.proportions.proportion_ci`).
    Other columns are returned unchanged.
    """
    cols = {}
    for c, t in df.dtypes.items():
        if isinstance(t, pd.Float64Dtype) or isinstance(t, pd.Float32Dtype):
            v = df[c]
            vals = _canonical(v.to_numpy(dtype=np.float64, na_value=np.nan))
            cols[c] = pd.array(vals, dtype="Float64")
            cols[c][v.isna().to_numpy()] = pd.NA
        elif pd.api.types.is_float_dtype(t):
            cols[c] = _canonical(df[c].to_numpy()).astype(t)
    if not cols:
        return df
    out = df.copy()
    for c, v in cols.items():
        out[c] = v
    return out


def _csv_bytes(df: pd.DataFrame) -> bytes:
    # float_format=None: pandas writes repr(float), the shortest string that reads
    # back to the same double, so CSV and Parquet hold identical values (floats are
    # already canonical: canonical_floats).
    # formula text (an auditor code '=HYPERLINK(...)') is neutralised like every CSV writer's
    return write_csv(df, index=False, lineterminator="\n", na_rep="").encode("utf-8")


def _parquet_bytes(df: pd.DataFrame) -> bytes:

    table = pa.Table.from_pandas(df, preserve_index=False)
    buf = io.BytesIO()
    # Fixed options so the bytes depend only on the data and the pyarrow version
    # (Parquet files carry no write timestamp).
    pq.write_table(table, buf, compression="zstd", compression_level=3, use_dictionary=True,
                   write_statistics=True, version="2.6")
    return buf.getvalue()


def _update_index(results_dir: Path, name: str, entry: dict | None) -> None:
    index = results_dir / INDEX_FILE
    with _locked(results_dir / f".{INDEX_FILE}.lock"):
        data = json.loads(index.read_text(encoding="utf-8")) if index.exists() else {"tables": {}}
        if entry is None:
            data["tables"].pop(name, None)
        else:
            data["tables"][name] = entry
        data["tables"] = dict(sorted(data["tables"].items()))
        _atomic_write(index, (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))


def save_table(df: pd.DataFrame, name: str, results_dir: str | Path, *,
               description: str | None = None, district: str | None = None,
               units: pd.DataFrame | None = None) -> dict[str, Any]:
    """Save a tidy results table as ``<name>.csv`` and ``<name>.parquet``.

    Parameters
    ----------
    df : DataFrame
        The table; its index is not saved (keep identifiers in columns).
    name : str
        Lower-case letters, digits and single underscores; documented in
        ``docs/results.md``. Per-district notebooks pass ``district=`` (or a
        name already ending ``__<district code>``).
    results_dir : str or Path
        The ``results_dir`` the runner injects (created if missing).
    description : str, optional
        One line saying what a row is; stored in ``index.json``.
    district : str, optional
        District name or code; appends ``__<code>`` to the name.
    units : DataFrame, optional
        The cycle's units table (its profile's) the district is found in; default the
        bundled one (no cycle known). :meth:`kentaudit.analysis.Section.save` passes it.

    Returns
    -------
    dict
        The ``index.json`` entry: ``name``, ``district``, ``description``,
        ``csv``, ``parquet`` (file names), ``rows``, ``columns`` (list of
        ``{"name", "dtype"}``) and ``sha256`` of each file.

    Notes
    -----
    Categorical columns are saved as plain columns of their categories'
    dtype (text as ``str``). Floats are saved in canonical form
    (:func:`canonical_floats`: 10 significant digits, no ``-0``). Same data gives
    the same bytes: CSV is UTF-8 without index, ``\\n`` line
    ends, floats in shortest round-trip form, missing values empty; Parquet is
    written with fixed pyarrow options. Files are replaced atomically.
    """
    if not isinstance(df, pd.DataFrame):
        raise KentauditError(f"save_table needs a pandas DataFrame, got {type(df).__name__}")
    name = table_name(name, district, units)
    if not all(isinstance(c, str) for c in df.columns) or df.columns.duplicated().any():
        raise KentauditError(f"table {name!r}: column names must be unique strings, got {list(df.columns)!r}")
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    df = canonical_floats(_without_categoricals(df))
    csv_b, pq_b = _csv_bytes(df), _parquet_bytes(df)
    _atomic_write(results_dir / f"{name}.csv", csv_b)
    _atomic_write(results_dir / f"{name}.parquet", pq_b)
    entry = {
        "name": name,
        "district": name.split("__", 1)[1] if "__" in name else None,
        "description": description,
        "csv": f"{name}.csv",
        "parquet": f"{name}.parquet",
        "rows": int(len(df)),
        "columns": [{"name": c, "dtype": str(t)} for c, t in df.dtypes.items()],
        "sha256": {"csv": hashlib.sha256(csv_b).hexdigest(),
                   "parquet": hashlib.sha256(pq_b).hexdigest()},
    }
    _update_index(results_dir, name, entry)
    return entry


def load_table(name: str, results_dir: str | Path, *, district: str | None = None,
               missing_ok: bool = False, units: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Read a table saved by :func:`save_table` (from Parquet, so dtypes round-trip).

    The one reader of ``results/``: notebooks, the appendix (through
    :func:`kentaudit.publication.spec.read_results`) and the modelled earlier releases
    all read here.

    A table saved by an earlier kentaudit with old column names (``lower``,
    ``ci_low``, ``proportion``, ...) is returned with the current names of
    ``docs/results.md`` ("Column vocabulary") and a
    :class:`kentaudit.core.vocabulary.KentauditDeprecationWarning` listing them.
    A table that was not saved raises :class:`KentauditError`, or gives None with
    ``missing_ok=True``. ``district`` is found in ``units``, the cycle's units table (default
    the bundled one).
    """
    name = table_name(name, district, units)
    path = Path(results_dir) / f"{name}.parquet"
    if not path.exists():
        if missing_ok:
            return None
        raise KentauditError(f"results table {name!r} not found: {path} does not exist "
                             "(was the notebook that saves it run?)")
    return upgrade_columns(pd.read_parquet(path), name)


def table_index(results_dir: str | Path) -> dict[str, dict]:
    """The ``index.json`` entries of a results folder, keyed by table name (empty if none)."""
    p = Path(results_dir) / INDEX_FILE
    return json.loads(p.read_text(encoding="utf-8"))["tables"] if p.exists() else {}


def _parts(fig_result, alt_text, caption):
    fig = getattr(fig_result, "figure", fig_result)
    alt = alt_text if alt_text is not None else getattr(fig_result, "alt_text", None)
    cap = caption if caption is not None else getattr(fig_result, "caption", None)
    if not isinstance(alt, str) or not alt.strip():
        raise KentauditError(
            "a figure needs alt text: return it from the chart function (.alt_text) or pass "
            "alt_text= (describe what the figure shows, for readers who cannot see it)")
    return fig, alt.strip(), (cap or "").strip()


# Fixed metadata so saved images do not carry a creation date or software version.
_SVG_META = {"Date": None, "Creator": None}
_PNG_META = {"Software": None}


def save_figure(fig_result, id: str, figures_dir: str | Path, *, alt_text: str | None = None,
                caption: str | None = None, district: str | None = None,
                units: pd.DataFrame | None = None) -> dict[str, str]:
    """Save a figure as ``<id>.png``, ``<id>.svg`` and ``<id>.json`` (alt text, caption).

    Parameters
    ----------
    fig_result : chart result or matplotlib Figure
        An object from :mod:`kentaudit.report.charts` with ``.figure``, ``.alt_text``,
        ``.caption`` and ``.save(path_stem)``, or a bare Figure with
        ``alt_text=`` given.
    id : str
        Figure id (same rules as table names).
    figures_dir : str or Path
        The ``figures_dir`` the runner injects.

    Returns
    -------
    dict
        Paths written, keyed ``png``, ``svg``, ``json``.
    """
    fig, alt, cap = _parts(fig_result, alt_text, caption)
    id = table_name(id, district, units)
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    stem = figures_dir / id
    if hasattr(fig_result, "save") and fig_result is not fig:
        fig_result.save(stem)
    # deferred: matplotlib 0.4 s, and pyplot chooses a backend when imported: only showing a figure
    # needs it
    import matplotlib

    missing = [fmt for fmt in ("png", "svg") if not stem.with_suffix(f".{fmt}").exists()]
    if missing:  # a bare matplotlib figure (a chart result has saved both)
        # deferred: matplotlib 0.4 s: saving and reading tables needs no plotting
        from kentaudit.report.charts import render_files

        with matplotlib.rc_context({"svg.hashsalt": id}):
            images = render_files(fig, [(fmt, 150 if fmt == "png" else fig.dpi) for fmt in missing],
                                  metadata={"png": _PNG_META, "svg": _SVG_META})
        for fmt, data in zip(missing, images):
            stem.with_suffix(f".{fmt}").write_bytes(data)
    meta = {"id": id, "alt_text": alt, "caption": cap, "png": f"{id}.png", "svg": f"{id}.svg"}
    if getattr(fig_result, "title", ""):  # the title the image does not draw (figure_html says it)
        meta["title"] = fig_result.title
    if getattr(fig_result, "method", ""):  # how it was calculated, apart from the plain caption
        meta["method"] = fig_result.method
    _atomic_write(stem.with_suffix(".json"),
                  (json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
    return {k: str(stem.with_suffix(f".{k}")) for k in ("png", "svg", "json")}


def _figcaption(title: str, cap: str) -> str:
    """The figure's title, once, in bold at the start of its caption (the chart does not draw it:
    a reader saw "Overall grades by sample, 2009" in the image and again below it): a caption
    that starts with the title has it made bold; otherwise "<b>Title.</b> caption"."""
    title = " ".join(str(title).split())
    if not title:
        return f"<figcaption>{html.escape(cap)}</figcaption>" if cap else ""
    if cap.startswith(title):
        head, rest = title, cap[len(title):]
    else:
        head, rest = (title if title[-1] in ".?!" else f"{title}."), (f" {cap}" if cap else "")
    return f"<figcaption><strong>{html.escape(head)}</strong>{html.escape(rest)}</figcaption>"


def figure_html(fig_result, *, alt_text: str | None = None, caption: str | None = None) -> str:
    """HTML ``<figure>`` with the PNG embedded as base64, its alt text and caption.

    A chart result that has been saved (:meth:`kentaudit.report.charts.Figure.save`, which
    :func:`save_figure` and ``Section.save`` call) embeds the PNG file it wrote, so the
    reviewer page shows the saved figure; otherwise the figure is drawn at 100 dpi.
    """
    fig, alt, cap = _parts(fig_result, alt_text, caption)
    png = getattr(fig_result, "saved_png", None)
    if not png:
        # deferred: matplotlib 0.4 s: saving and reading tables needs no plotting
        from kentaudit.report.charts import render_files

        png = render_files(fig, [("png", 100)], metadata={"png": _PNG_META})[0]
    b64 = base64.b64encode(png).decode("ascii")
    figcap = _figcaption(getattr(fig_result, "title", "") or "", cap)
    # how the chart was calculated (a chart result's ``method``): for an analyst, apart from the
    # caption a reader reads
    how = getattr(fig_result, "method", "") if caption is None else ""
    how = (f'<p class="kentaudit-figure-method"><small>How it was calculated: {html.escape(how)}</small></p>'
           if how else "")
    return (f'<figure class="kentaudit-figure"><img src="data:image/png;base64,{b64}" '
            f'alt="{html.escape(alt, quote=True)}" style="max-width:100%;height:auto">{figcap}</figure>{how}')


def show_figure(fig_result, *, alt_text: str | None = None, caption: str | None = None) -> None:
    """Display a figure in the notebook with its alt text (and caption).

    Emits an HTML ``<figure>`` whose ``<img>`` carries the alt text (plain
    matplotlib output has none) and closes the matplotlib figure so the inline
    backend does not display it a second time without alt text.
    """
    # deferred: matplotlib 0.4 s, and pyplot chooses a backend when imported: only showing a figure
    # needs it
    import matplotlib.pyplot as plt

    fig, alt, _ = _parts(fig_result, alt_text, caption)
    display({"text/html": figure_html(fig_result, alt_text=alt_text, caption=caption),
             "text/plain": f"[figure] {alt}"}, raw=True)
    plt.close(fig)
