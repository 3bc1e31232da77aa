"""Every method of kentaudit.stats on the inputs at its edges: one convention.

The convention (docs/results.md, "Inputs at the edges"): a method given every answer the
same, an empty input, a single unit or period, a gap (a zero denominator) or an input on
which its coefficient is undefined returns a documented result (a value, or NaN with the
reason in the row) or refuses with a :class:`~kentaudit.core.errors.KentauditError`
subclass naming the rule - never an exception or a warning from numpy, scipy, pandas or
statsmodels. The values themselves are checked against R in each method's own test file
(tests/r/reference_degenerate.R, reference_edge.R, reference_shrinkage_hier.R); this file
sweeps the convention across the methods.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kentaudit.core.errors import KentauditError
from kentaudit.stats import (association as A, funnel as F, independent as I, interrater as IR,
                             leniency as L, multiplicity as M, ordinal as O, paired as Pa,
                             precision as Pr, proportions as P, shrinkage as Sh, spc as S)


def _chart(x, n):
    return pd.DataFrame({"x": x, "n": n, "period": list(range(1, len(x) + 1))})


def _units(x, n):
    return pd.DataFrame({"district": [f"u{i}" for i in range(len(x))], "n_yes": x,
                         "n_denominator": n})


# name -> (call, "value" or "refused")
CASES = {
    "interval, every answer yes": (lambda: P.proportion_ci(10, 10), "value"),
    "interval, no files": (lambda: P.proportion_ci(0, 0), "value"),
    "interval, empty": (lambda: P.proportion_ci([], []), "value"),
    "difference, one sample with no files": (lambda: I.compare_independent(0, 0, 3, 10), "value"),
    "difference, every answer yes": (lambda: I.compare_independent(10, 10, 12, 12), "value"),
    "McNemar, no discordant pair": (lambda: Pa.mcnemar_midp(0, 0), "value"),
    "square table, empty": (lambda: Pa.square_table_tests(np.zeros((4, 4), int)), "value"),
    "square table, every pair agrees": (lambda: Pa.square_table_tests(np.diag([3, 4, 5, 6])),
                                        "value"),
    "adjustment, no p-values": (lambda: M.adjust([]), "value"),
    "adjustment, a missing p-value": (lambda: M.adjust([0.01, np.nan, 0.5]), "value"),
    "two groups, one with no files": (lambda: A.two_group_test(0, 0, 3, 10), "value"),
    "independence, every answer yes": (
        lambda: A.independence_test(pd.DataFrame({"yes": [5, 7, 3], "no": [0, 0, 0]},
                                                 index=list("abc"))), "value"),
    "trend, every answer no": (lambda: O.trend_test([0, 0, 0], [10, 10, 10]), "value"),
    "trend, a cycle with no files": (lambda: O.trend_test([3, 0, 5], [10, 0, 10]), "refused"),
    "trend, one cycle": (lambda: O.trend_test([3], [10]), "refused"),
    "grades, one side empty": (lambda: O.compare_grades([], [1, 2, 3]), "value"),
    "funnel limits, a unit with no files": (lambda: F.funnel_limits([0, 10], 0.8), "refused"),
    "funnel, every answer yes": (lambda: F.funnel_table(_units([10, 12, 8], [10, 12, 8])), "value"),
    "funnel, a gap": (lambda: F.funnel_table(_units([5, 0, 8], [10, 0, 12])), "value"),
    "funnel, empty": (lambda: F.funnel_table(_units([], [])), "refused"),
    "dispersion, one unit": (lambda: F.dispersion_test(np.array([3]), np.array([10]), 0.8),
                             "value"),
    "XmR, every value the same": (lambda: S.xmr([3, 3, 3, 3]), "value"),
    "XmR, empty": (lambda: S.xmr([]), "value"),
    "XmR, one point": (lambda: S.xmr([3]), "value"),
    "run chart, empty": (lambda: S.run_chart([]), "value"),
    "p-chart, empty": (lambda: S.p_chart(_chart([], [])), "value"),
    "p-chart, every answer yes": (lambda: S.p_chart(_chart([5, 6, 7], [5, 6, 7])), "value"),
    "p-chart, a gap": (lambda: S.p_chart(_chart([5, 0, 7], [8, 0, 9])), "value"),
    "Laney p', every answer yes": (lambda: S.laney_p_chart(_chart([5, 6, 7], [5, 6, 7])),
                                   "value"),
    "Laney p', one point": (lambda: S.laney_p_chart(_chart([5], [8])), "value"),
    "sample size, p = 0": (lambda: Pr.sample_size_for_precision(0.05, p=0.0), "refused"),
    "shrinkage, every answer no": (lambda: Sh.shrink(_units([0, 0, 0], [10, 12, 8])), "value"),
    "shrinkage EB, every answer yes": (
        lambda: Sh.shrink(_units([10, 12, 8], [10, 12, 8]), method="empirical-bayes"), "value"),
    "shrinkage, one unit": (lambda: Sh.shrink(_units([3], [10])), "refused"),
    "alpha, every grade the same": (
        lambda: IR.agreement_coefficients([2] * 10, [2] * 10), "value"),
    "kappa, one pair": (lambda: IR.agreement_coefficients([2], [3]), "value"),
    "agreement, no pair": (lambda: IR.agreement_coefficients([np.nan], [2]), "refused"),
    "leniency, two auditors": (
        lambda: L.auditor_leniency(pd.DataFrame({
            "auditor": ["A", "B"] * 4, "overall_grade": [1, 3] * 4, "case_status": ["x"] * 8}),
            covariates=("case_status",)), "refused"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_edge_input_gives_a_documented_result_or_a_refusal(name):
    call, expected = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning from numpy, scipy or statsmodels
        try:
            out = call()
        except KentauditError as e:
            assert expected == "refused", f"refused unexpectedly: {e}"
            assert str(e)  # the refusal names its rule
            return
    assert expected == "value", "expected a refusal"
    assert out is not None
