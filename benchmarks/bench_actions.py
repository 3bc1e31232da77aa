"""Truth recovery of the action evaluation (issue 27): does it find the actions that worked
at the stated power, and flag the others at no more than the stated rate?

A programme whose truth is known is simulated many times (seeded). Each authority has 12
units (districts) of ``FRAME`` files each, 25 files audited a unit a cycle, as the annual
audits of the synthetic data. Two designs:

**Design** (the re-audit planned as ``kentaudit.stats.actions.reaudit_sample_size`` says):
one unit, chosen at random, whose true compliance is ``P0``; the action works (true
compliance ``P1``, the target) or does not (``P0`` again). The re-audit size is the one
planned for 80% power at 95% against the 25 baseline files, with and without the finite
population correction; files are drawn **without replacement** from the unit's
``FRAME`` files (whose true count is fixed), so the correction's premise holds. Read:
``improved`` (the change's interval above 0).

**Programme** (the caution): the units' true compliance differs (Beta, intra-class
correlation ``RHO``); the action goes to the unit that **scored lowest** at the baseline
(so regression to the mean is present); the whole authority improves by ``TREND``
between the cycles; half the actions work (true effect ``EFFECT`` on top), half do not.
Read: ``improved`` (naive change), ``improved_vs_rest`` (difference in differences) and
``improved_net`` (difference in differences net of regression to the mean).

Usage::

    .venv/bin/python benchmarks/bench_actions.py            # 1,000 programmes per arm; prints the section
    .venv/bin/python benchmarks/bench_actions.py --write    # and replaces the section in results.md

``benchmarks/run.py`` runs it as the "actions" benchmark.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kentaudit.stats.actions import evaluate_action, reaudit_sample_size  # noqa: E402

SEED = 27_2013
UNITS = 12
PER_UNIT = 25
FRAME = 120
P0, P1 = 0.50, 0.85
POWER, CONF = 0.8, 0.95
MU, RHO, TREND, EFFECT = 0.65, 0.05, 0.05, 0.20
HEADING = "## Actions: truth recovery of the evaluation"


def _frame(n_yes, n):
    return pd.DataFrame({"district": [f"U{i:02d}" for i in range(len(n))], "n_yes": n_yes, "n_denominator": n})


def _design(rng, reps: int, n_reaudit: int, works: bool) -> float:
    """Share of programmes the change's interval calls improved (one random unit, 25 baseline
    files, ``n_reaudit`` re-audited, hypergeometric draws from a frame of FRAME files)."""
    hits = 0
    k0 = round(P0 * FRAME)
    k1 = round((P1 if works else P0) * FRAME)
    for _ in range(reps):
        x0 = rng.hypergeometric(k0, FRAME - k0, PER_UNIT, size=UNITS)
        x1 = rng.hypergeometric(k0, FRAME - k0, PER_UNIT, size=UNITS)
        x1[0] = rng.hypergeometric(k1, FRAME - k1, n_reaudit)
        n1 = np.full(UNITS, PER_UNIT)
        n1[0] = n_reaudit
        r = evaluate_action(_frame(x0, np.full(UNITS, PER_UNIT)), _frame(x1, n1), ["U00"], conf_level=CONF).iloc[0]
        hits += r["improved"] == "yes"
    return hits / reps


def _programme(rng, reps: int, works: bool) -> dict:
    """Shares of programmes each rule calls improved, with selection of the lowest unit and a trend."""
    a, b = MU * (1 / RHO - 1), (1 - MU) * (1 / RHO - 1)
    counts = {"improved": 0, "improved_vs_rest": 0, "improved_net": 0}
    for _ in range(reps):
        p = rng.beta(a, b, size=UNITS)
        n = np.full(UNITS, PER_UNIT)
        x0 = rng.binomial(n, p)
        chosen = int(np.argmin(x0 + rng.random(UNITS) * 0.1))  # the lowest, ties at random
        p1 = np.clip(p + TREND, 0, 1)
        if works:
            p1[chosen] = min(1.0, p1[chosen] + EFFECT)
        x1 = rng.binomial(n, p1)
        r = evaluate_action(_frame(x0, n), _frame(x1, n), [f"U{chosen:02d}"], conf_level=CONF).iloc[0]
        for k in counts:
            counts[k] += r[k] == "yes"
    return {k: v / reps for k, v in counts.items()}


def _mcse(p: float, reps: int) -> float:
    return float(np.sqrt(p * (1 - p) / reps))


def run(quick: bool = False, reps: int | None = None) -> dict:
    """Run both designs; returns every rate with its Monte Carlo standard error and the settings."""
    reps = reps or (60 if quick else 1000)
    rng = np.random.default_rng(SEED)
    t = time.perf_counter()
    fpc = reaudit_sample_size(P0, P1, population=FRAME, n_baseline=PER_UNIT, power=POWER, conf_level=CONF).iloc[0]
    out = {"reps": reps, "seed": SEED, "n_reaudit_fpc": int(fpc["n_required"]),
           "n_reaudit_no_fpc": int(np.ceil(fpc["n0"] - 1e-9))}
    for label, n_re in (("fpc", out["n_reaudit_fpc"]), ("no_fpc", out["n_reaudit_no_fpc"])):
        out[f"design_{label}_detect"] = _design(rng, reps, n_re, True)
        out[f"design_{label}_false"] = _design(rng, reps, n_re, False)
    for works in (True, False):
        rates = _programme(rng, reps, works)
        for k, v in rates.items():
            out[f"programme_{'detect' if works else 'false'}_{k}"] = v
    out["seconds"] = time.perf_counter() - t
    return out


def _pct(p: float, reps: int) -> str:
    return f"{100 * p:.1f}% (MC SE {100 * _mcse(p, reps):.1f})"


def section(r: dict) -> str:
    """The results.md section for a result of :func:`run`."""
    n = r["reps"]
    return "\n".join([
        HEADING, "",
        f"`benchmarks/bench_actions.py`: {n:,} simulated programmes per arm, seed {r['seed']}; every "
        f"programme evaluated by `kentaudit.stats.actions.evaluate_action` ({r['seconds']:.0f} s in all). "
        f"Units: {UNITS} districts, {PER_UNIT} files a district a cycle; intervals at {CONF:.0%}; an action "
        "is called improved when the lower limit of the rule's interval is above 0 (one side of a two-sided "
        f"interval: the stated false-positive rate is {(1 - CONF) / 2:.1%}).", "",
        f"**Design.** One unit chosen at random, true compliance {P0:.0%} at the baseline; an action that works "
        f"reaches its target {P1:.0%}, one that does not stays at {P0:.0%}. Re-audit planned for "
        f"{POWER:.0%} power against the {PER_UNIT} baseline files: {r['n_reaudit_fpc']} files with the finite "
        f"population correction for a unit of {FRAME} files, {r['n_reaudit_no_fpc']} without; files drawn "
        "without replacement from the unit's files.", "",
        "| re-audit size | detected when it worked (stated power 80%) | called improved when it did not (stated at most 2.5%) |",
        "|---|---|---|",
        f"| {r['n_reaudit_fpc']} (with the correction) | {_pct(r['design_fpc_detect'], n)} | "
        f"{_pct(r['design_fpc_false'], n)} |",
        f"| {r['n_reaudit_no_fpc']} (without) | {_pct(r['design_no_fpc_detect'], n)} | "
        f"{_pct(r['design_no_fpc_false'], n)} |", "",
        f"**Programme.** Units differ (mean {MU:.0%}, intra-class correlation {RHO}); the action goes to the "
        f"unit that scored lowest at the baseline; the whole authority improves by {TREND * 100:.0f} points "
        f"between the cycles; an action that works adds {EFFECT * 100:.0f} points in its unit.", "",
        "| rule | detected when it worked | called improved when it did not |",
        "|---|---|---|",
        *[f"| {lab} | {_pct(r['programme_detect_' + k], n)} | {_pct(r['programme_false_' + k], n)} |"
          for k, lab in (("improved", "change since the baseline (`improved`)"),
                         ("improved_vs_rest", "against the rest of the authority (`improved_vs_rest`)"),
                         ("improved_net", "against the rest, net of regression to the mean (`improved_net`)"))],
        "",
        "Within the stated false-positive rate (2.5%, allowing two Monte Carlo standard errors): "
        + "; ".join(f"`{k}` {_verdict(r['programme_false_' + k], n, (1 - CONF) / 2)}"
                    for k in ("improved", "improved_vs_rest", "improved_net"))
        + ". The naive change credits the authority's trend and regression to the mean to the action; the "
        "difference in differences removes the trend but not the selection of the lowest unit; net of both "
        "the claims are honest, at the cost of power: with 25 files a unit, a 20-point effect is found "
        f"{100 * r['programme_detect_improved_net']:.0f}% of the time.",
    ])


def _verdict(p: float, reps: int, level: float) -> str:
    return "yes" if p <= level + 2 * _mcse(level, reps) else f"**no** ({100 * p:.1f}%)"


def write_section(text: str, path: Path) -> None:
    """Replace (or append) this benchmark's section of ``path``."""
    md = path.read_text(encoding="utf-8") if path.exists() else ""
    if HEADING in md:
        head, rest = md.split(HEADING, 1)
        nxt = rest.find("\n## ")
        md = head + text + ("\n" + rest[nxt + 1:] if nxt >= 0 else "\n")
    else:
        md = md.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(md, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=None, help="programmes per arm (default 1,000)")
    ap.add_argument("--quick", action="store_true", help="60 programmes per arm")
    ap.add_argument("--write", action="store_true", help="replace the section in benchmarks/results.md")
    a = ap.parse_args(argv)
    r = run(quick=a.quick, reps=a.reps)
    text = section(r)
    print(text)
    if a.write:
        write_section(text, HERE / "results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
