"""District-by-criterion summary with intervals and tests: kentaudit against tableone.

The frame: ``rows`` audits x ``n_criteria`` criteria x 12 districts, answer
codes drawn with numpy from a fixed seed (Y, N, NA = not applicable, and
missing). Both tools summarise the same frame:

* kentaudit counts first (:func:`kentaudit.stats.proportions.criterion_counts` by
  district), then computes Wilson intervals from the counts
  (:func:`kentaudit.stats.proportions.proportion_ci`) and one Pearson chi-square test
  of districts x (yes, no) per criterion from the same counts
  (:func:`kentaudit.stats.association.independence_test`);
* tableone: ``TableOne(df, columns=cols, categorical=cols, groupby="district",
  pval=True)``, which tabulates every level by district and runs a chi-square
  test per variable.

tableone counts "NA" as a level and missing as its own row, so its table is
not the same table (no yes/(yes + no) denominator, no intervals); it is the
tool an analyst would otherwise reach for, which is what the issue compares.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from kentaudit.inputs.reference import districts as _districts

__all__ = ["make_frame", "kentaudit_summary", "tableone_summary"]

ANSWER_P = {"Y": 0.62, "N": 0.25, "NA": 0.10, None: 0.03}


def make_frame(rows: int = 100_000, n_criteria: int = 20, seed: int = 20090212) -> pd.DataFrame:
    """A seeded frame of ``rows`` audits: ``district`` and ``c_q01``... answer columns."""
    rng = np.random.default_rng(seed)
    names = _districts()["district"].to_numpy()
    data = {"district": pd.array(rng.choice(names, size=rows), dtype="string")}
    codes = np.array(["Y", "N", "NA", None], dtype=object)
    p = np.array(list(ANSWER_P.values()))
    for j in range(n_criteria):
        # a district effect so the tests have something to find
        shift = rng.normal(0, 0.05, size=len(names))
        draw = codes[rng.choice(4, size=rows, p=p)]
        flip = rng.random(rows) < np.interp(rng.random(rows), [0, 1], [0, 0.1]) + shift[
            pd.Categorical(data["district"], categories=names).codes].clip(0)
        draw = np.where(flip & (draw == "N"), "Y", draw)
        data[f"c_q{j + 1:02d}"] = pd.array(draw, dtype="string")
    return pd.DataFrame(data)


def kentaudit_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Counts, Wilson intervals and one chi-square test per criterion; returns the tests."""
    from kentaudit.stats.association import independence_test
    from kentaudit.stats.proportions import criterion_counts, proportion_ci

    counts = criterion_counts(df, by="district")
    ci = proportion_ci(counts["n_yes"].to_numpy(), counts["n_denominator"].to_numpy(),
                       method="wilson", conf_level=0.95)
    # proportion_ci repeats the counts it was given (n_yes, n_denominator): kept once, from counts
    summary = pd.concat([counts, ci.drop(columns=["n_yes", "n_denominator"]).set_index(counts.index)], axis=1)
    tests = []
    for crit, block in summary.groupby("criterion", sort=False):
        t = independence_test(block.set_index("district")[["n_yes", "n_no"]], method="auto")
        t.insert(0, "criterion", crit)
        tests.append(t)
    return summary, pd.concat(tests, ignore_index=True)


def tableone_summary(df: pd.DataFrame):
    """``TableOne(df, columns=cols, categorical=cols, groupby="district", pval=True)``."""
    import warnings

    from tableone import TableOne

    cols = [c for c in df.columns if c.startswith("c_")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TableOne(df, columns=cols, categorical=cols, groupby="district", pval=True)


def run(repeats: int, tableone_repeats: int, rows: int = 100_000, n_criteria: int = 20) -> dict:
    """Time both sides on the same frame; medians in seconds."""
    df = make_frame(rows, n_criteria)
    # tableone wants plain object columns with NaN for missing
    df_t1 = df.astype(object).where(df.notna(), np.nan)
    ka, t1 = [], []
    kentaudit_summary(df)  # warm-up: imports and first-call costs are not the comparison
    for _ in range(repeats):
        t0 = time.perf_counter()
        summary, tests = kentaudit_summary(df)
        ka.append(time.perf_counter() - t0)
    for _ in range(tableone_repeats):
        t0 = time.perf_counter()
        tableone_summary(df_t1)
        t1.append(time.perf_counter() - t0)
    return {"rows": rows, "n_criteria": n_criteria, "n_districts": df["district"].nunique(),
            "kentaudit_s": ka, "tableone_s": t1,
            "kentaudit_median": float(np.median(ka)), "tableone_median": float(np.median(t1)),
            "ratio": float(np.median(t1) / np.median(ka)),
            "tests": tests["test"].value_counts().to_dict(),
            "n_summary_rows": len(summary)}
