"""One vocabulary of column names (docs/results.md, "Column vocabulary").

Every results table (the committed expected tables, and every table the two
default cycles save) and the output of every public function is checked
against the rules of :func:`kentaudit.core.vocabulary.vocabulary_problems`: no
retired synonym, intervals in pairs with their level, counts as integers.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kentaudit.stats import interrater
from kentaudit.stats import association
from kentaudit.stats import casemix
from kentaudit.stats import independent as compare
from kentaudit.stats import flag_rates as flag_oc
from kentaudit.stats import funnel
from kentaudit.analysis import groups
from kentaudit.stats import leniency
from kentaudit.stats import multiplicity
from kentaudit.stats import ordinal
from kentaudit.stats import paired
from kentaudit.stats import precision
from kentaudit.stats import proportions
from kentaudit.inputs import sampling
from kentaudit.stats import shrinkage
from kentaudit.stats import spc
from kentaudit.stats import survey
from kentaudit.inputs import timeliness
from kentaudit.report.results import load_table, save_table
from kentaudit.analysis import load_cycle
from kentaudit.core.vocabulary import (RENAMED, KentauditDeprecationWarning, upgrade_columns, vocabulary_problems)

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "tests" / "expected"
DOC = ROOT / "docs" / "results.md"
_INT = re.compile(r"^-?\d+$")


def csv_problems(csv: Path) -> list[str]:
    """Vocabulary problems of a results CSV, read as text (a count written ``12.0`` is a float)."""
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    name = csv.stem
    problems = vocabulary_problems(df.iloc[:0], name)
    for c in df.columns:
        if c.startswith("n_") and not c.endswith("_ratio"):
            bad = [v for v in df[c] if v != "" and not _INT.match(v) and v not in ("True", "False")]
            if bad:
                problems.append(f"{name}: count column {c} holds non-integers such as {bad[0]!r}")
    return problems


# ----------------------------------------------------------------------------- the checker

def test_checker_reports_a_retired_name():
    df = pd.DataFrame({"estimate": [0.5], "lower": [0.1], "upper": [0.9], "conf_level": [0.95]})
    assert vocabulary_problems(df, "t") == ["t: retired column name(s) lower, upper"]


@pytest.mark.parametrize("col", ["ci_low", "ci_lower_before", "diff_upper", "rest_n_yes",
                                 "previous_estimate", "proportion_after", "p1", "x1", "n_applicable"])
def test_checker_reports_every_kind_of_retired_name(col):
    assert vocabulary_problems(pd.DataFrame({col: [1]}), "t")


def test_checker_reports_an_interval_without_its_pair_or_level():
    probs = vocabulary_problems(pd.DataFrame({"conf_low": [0.1]}), "t")
    assert "t: conf_low without conf_high" in probs and "t: intervals without a conf_level column" in probs


def test_checker_reports_a_count_stored_as_float():
    assert vocabulary_problems(pd.DataFrame({"n_yes": [3.0]}), "t") == [
        "t: count column n_yes has dtype float64, not an integer"]


def test_checker_reports_a_count_written_as_float_in_a_csv(tmp_path):
    (tmp_path / "t.csv").write_text("criterion,n_yes\nseen,3.0\n")
    assert csv_problems(tmp_path / "t.csv") == ["t: count column n_yes holds non-integers such as '3.0'"]


def test_control_chart_tables_keep_the_spc_names():
    assert vocabulary_problems(pd.DataFrame({"x": [1], "n": [2], "value": [0.5]}), "p_chart") == []


# ----------------------------------------------------------------------------- the doc

def test_the_doc_names_every_retired_synonym_it_replaces():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Column vocabulary", 1)[1].split("\n## ", 1)[0]
    for name in ("lower", "upper", "ci_low", "ci_lower", "proportion", "p1", "x1", "n_applicable"):
        assert f"`{name}`" in section


def test_no_documented_table_column_is_a_retired_name():
    from test_results_doc import parse_results_doc

    doc = parse_results_doc(DOC.read_text(encoding="utf-8"))
    problems = [p for name, cols in doc.items()
                for p in vocabulary_problems({c: None for c in cols}, name)
                if "retired" in p]
    assert problems == []


# ----------------------------------------------------------------------------- saved tables

@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_every_committed_expected_table_follows_the_vocabulary(cycle):
    csvs = sorted((EXPECTED / cycle).glob("*.csv"))
    assert csvs
    assert [p for csv in csvs for p in csv_problems(csv)] == []


@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_every_table_the_default_cycles_save_follows_the_vocabulary(cycle, request):
    run = request.getfixturevalue(f"cycle_{cycle}")
    results = Path(run["cycle_dir"]) / "results"
    csvs = sorted(results.glob("*.csv"))
    assert csvs
    problems = [p for csv in csvs for p in csv_problems(csv)]
    for csv in csvs:  # and the Parquet twin, with its dtypes
        problems += vocabulary_problems(pd.read_parquet(csv.with_suffix(".parquet")), csv.stem)
    assert problems == []


def test_a_table_saved_with_old_names_is_read_with_the_new_ones_and_a_warning(tmp_path):
    old = pd.DataFrame({"criterion": ["seen"], "estimate": [0.5], "lower": [0.4], "upper": [0.6],
                        "diff_lower": [-0.1], "diff_upper": [0.1], "rest_estimate": [0.45],
                        "conf_level": [0.95]})
    save_table(old, "profile", tmp_path, district="Thanet")
    with pytest.warns(KentauditDeprecationWarning, match=r"lower -> conf_low.*diff_lower -> difference_conf_low"):
        got = load_table("profile", tmp_path, district="THA")
    assert list(got.columns) == ["criterion", "estimate", "conf_low", "conf_high", "difference_conf_low",
                                 "difference_conf_high", "estimate_rest", "conf_level"]


def test_a_current_table_is_read_without_a_warning(tmp_path):
    save_table(pd.DataFrame({"estimate": [0.5], "conf_low": [0.4], "conf_high": [0.6]}), "trend", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(load_table("trend", tmp_path).columns) == ["estimate", "conf_low", "conf_high"]


def test_every_renamed_name_is_documented_under_its_table():
    from test_results_doc import parse_results_doc

    doc = parse_results_doc(DOC.read_text(encoding="utf-8"))
    missing = [f"{t}.{new}" for t, m in RENAMED.items() for new in m.values() if new not in doc.get(t, [])]
    assert missing == []


def test_upgrade_leaves_a_table_of_another_name_alone():
    df = pd.DataFrame({"x": [1], "n": [2]})
    assert upgrade_columns(df, "p_chart") is df


# ----------------------------------------------------------------------------- public functions

@pytest.fixture(scope="module")
def audits() -> pd.DataFrame:
    """The bundled synthetic 2009 cycle as an analyst loads it (ingested, pseudonymised)."""
    return load_cycle(ROOT / "params" / "cycle-2009.yaml").audits


def _public_outputs(a: pd.DataFrame):
    crit = ["seen", "smart_plan"]
    counts = proportions.criterion_counts(a, by="district", criteria=crit)
    yield "criterion_counts", counts
    from kentaudit.inputs import reference
    from kentaudit.publication import releases
    yield "programme_counts", releases.programme_counts(a, crit, reference.districts())
    yield "programme_grades", releases.programme_grades(a, reference.districts())
    yield "proportion_ci", proportions.proportion_ci([3, 0], [10, 0])
    yield "compliance", proportions.compliance(a, by="district", criteria=crit)
    yield "compare_independent", compare.compare_independent([3, 0], [10, 0], [5, 2], [10, 4])
    yield "compare_samples", compare.compare_samples(a, a="extended", b="initial", criteria=crit)
    yield "one_vs_rest", association.one_vs_rest(a, crit)
    yield "all_pairs", association.all_pairs(a[a["district"].isin(["Thanet", "Swale", "Dover"])], crit)
    yield "two_group_test", pd.DataFrame([association.two_group_test(3, 10, 5, 12)])
    yield "paired_binary_counts", paired.paired_binary_counts(a, criteria=crit)
    yield "paired_binary", paired.paired_binary(a, criteria=crit)
    yield "grade_distribution", ordinal.grade_distribution(a, by="sample")
    yield "collapse_grades", ordinal.collapse_grades(a, by="sample")
    yield "compare_grades", ordinal.compare_grades(a[a["sample"] == "initial"], a[a["sample"] == "extended"])
    mod = a[a["moderated_grade"].notna() & a["overall_grade"].notna()]
    yield "moderation_agreement", interrater.moderation_agreement(mod)
    yield "auditor_grade_distribution", interrater.auditor_grade_distribution(a)
    yield "funnel_limits", funnel.funnel_limits([20, 50], 0.8)
    one = counts[counts["criterion"] == "seen"]
    yield "funnel_table", funnel.funnel_table(one[one["n_denominator"] > 0])
    ini = proportions.criterion_counts(a[a["sample"] == "initial"], criteria=crit)
    ext = proportions.criterion_counts(a[a["sample"].isin(["initial", "extended"])], criteria=crit)
    yield "interval_widths", precision.interval_widths(ini, ext)
    yield "sample_size_for_precision", precision.sample_size_for_precision(0.05, population=500)
    ex = a[a["sample"] == "extended"]
    pop = {d: 400.0 for d in ex["district"].unique()}
    yield "shrink", shrinkage.shrink(one, unit="district", method="empirical-bayes")
    yield "agreement_coefficients", interrater.agreement_coefficients(
        mod["overall_grade"].astype(int), mod["moderated_grade"].astype(int))
    yield "stratified_proportion", survey.stratified_proportion(ex, strata="district", population=pop,
                                                                 criteria=crit)
    frame = {d: 400.0 for d in a["district"].unique()}
    yield "authority_proportion", survey.authority_proportion(a, frame, criteria=crit)
    yield "not_testable_table", funnel.not_testable_table(one, "not testable: a planted reason")
    yield "sample_size_by_district_certainty", precision.sample_size_by_district(
        certainty=a[a["sample"] == "initial"]["district"].value_counts())
    # the rest of the statistical API, one call each
    yield "kappa_from_table", interrater.kappa_from_table(
        interrater.agreement_table(mod["overall_grade"].astype(int), mod["moderated_grade"].astype(int)))
    yield "regrade_direction", interrater.regrade_direction(mod)
    yield "criterion_table", association.criterion_table(a, "seen")
    yield "independence_test", association.independence_test(a, "seen", method="pearson")
    main = a[a["sample"].isin(["initial", "extended"])]
    yield "casemix_odds_ratios", casemix.casemix_odds_ratios(main, "smart_plan")
    yield "casemix_lr_test", casemix.casemix_lr_test(main, "smart_plan")
    dist = proportions.criterion_counts(main, by="district", criteria=crit)
    oc = flag_oc.flag_operating_characteristics(dist, n_sims=100, seed=1, shortfalls=(0.1,))
    yield "flag_operating_characteristics", oc
    yield "summarise_operating_characteristics", flag_oc.summarise_operating_characteristics(oc)
    yield "spc_operating_characteristics", flag_oc.spc_operating_characteristics(
        [20, 25, 22, 30, 28, 24], n_sims=100, seed=1)
    yield "poisson_ratio_limits", funnel.poisson_ratio_limits([5.0, 20.0])
    yield "dispersion_test", funnel.dispersion_test([8, 15, 30], [10, 20, 40], 0.8)
    yield "compare_groups", groups.compare_groups(a, by="district", group="Thanet", criteria=crit)
    yield "compare_grades_by", groups.compare_grades_by(a, by="district", group="Thanet")
    rc = interrater.rating_counts(np.column_stack([mod["overall_grade"].astype(int),
                                                   mod["moderated_grade"].astype(int)]))
    yield "rating_counts", rc
    yield "gwet_ac", interrater.gwet_ac(rc)
    yield "krippendorff_alpha", interrater.krippendorff_alpha(rc)
    yield "auditor_leniency", leniency.auditor_leniency(a[a["auditor"].notna()], seed=1)
    yield "adjust", multiplicity.adjust([0.01, 0.04, np.nan])
    yield "trend_test", ordinal.trend_test([3, 5, 9], [20, 20, 20])
    yield "pair_audits", paired.pair_audits(a)
    yield "paired_grade_table", paired.paired_grade_table(a)
    yield "paired_grades", paired.paired_grades(a)
    yield "square_table_tests", paired.square_table_tests(paired.paired_grade_table(a))
    yield "sample_size_by_district", precision.sample_size_by_district()
    yield "timeliness_rules", timeliness.timeliness_rules()
    yield "allocate", sampling.allocate({"A": 300, "B": 100}, 40)
    monthly = pd.DataFrame({"x": [16, 18, 17, 20], "n": [20, 22, 21, 24], "period": [1, 2, 3, 4]})
    yield "p_chart", spc.p_chart(monthly)  # control charts: the SPC names, documented
    yield "p_chart", spc.laney_p_chart(monthly)
    yield "xmr", spc.xmr([0.8, 0.82, 0.79, 0.85, 0.81])
    yield "run_chart", spc.run_chart([0.8, 0.82, 0.79, 0.85, 0.81, 0.83])


#: public functions returning a DataFrame that are not statistical results: what each returns
NOT_RESULTS = {
    "comparison_display": "the reading form of compare_groups (human headers, text cells)",
    "casemix_design": "the model's design matrix (covariate columns)",
    "leniency_design": "the model's design matrix (covariate columns)",
    "derive_timeliness": "the audits with derived timeliness answers (the audit columns)",
    "compare_timeliness": "derived against recorded answers, per audit (the audit columns)",
    "sheet_frame": "a publication sheet (the published table's own columns, spec-checked)",
    "reader_p": "published cells for readers (spec-checked)",
    "reader_frame": "published cells for readers (spec-checked)",
    "csv_frame": "a published CSV (spec-checked)",
    "bindings_frame": "findings' bindings to published cells (restricted)",
    "neutralise_frame": "any frame, its text cells neutralised",
    "districts": "the district reference list",
    "criteria": "the criteria catalogue",
    "grade_scales": "the grade-scale reference list",
    "load_table": "a saved table (upgraded by vocabulary.upgrade_columns)",
    "upgrade_columns": "a saved table, renamed",
    "canonical_floats": "any table, its floats in canonical form (columns unchanged)",
    "draw_sample": "the drawn sample (the frame's columns) and its allocation (as allocate, walked)",
}

@pytest.fixture(scope="module")
def public_outputs(audits) -> list:
    """Every public function's output on the 2009 audits, walked once for the two tests that
    read it (the walk calls every method: seconds of CPU)."""
    return list(_public_outputs(audits))


def test_every_public_function_output_follows_the_vocabulary(public_outputs):
    problems = []
    for name, out in public_outputs:
        problems += vocabulary_problems(out, name)
    assert problems == []


def test_the_walk_covers_every_public_function_returning_a_table(public_outputs):
    import importlib
    import inspect
    import pkgutil

    import kentaudit

    walked = {name for name, _ in public_outputs}
    walked |= {"p_chart", "laney_p_chart", "xmr", "run_chart", "funnel_limits"}  # walked under chart names
    missing = []
    for m in pkgutil.iter_modules(kentaudit.__path__):
        if m.name.startswith("_"):  # __main__ runs the command line
            continue
        mod = importlib.import_module(f"kentaudit.{m.name}")
        for name in getattr(mod, "__all__", ()):
            f = getattr(mod, name)
            ret = str(inspect.signature(f).return_annotation) if inspect.isfunction(f) else ""
            if ("DataFrame" in ret or "ComparisonTable" in ret) and name not in walked | set(NOT_RESULTS):
                missing.append(f"{m.name}.{name}")
    assert missing == []


def test_counts_stay_integers_in_public_outputs(audits):
    out = compare.compare_independent(np.array([3, 4]), np.array([10, 10]), np.array([5, 6]), np.array([9, 9]))
    assert all(pd.api.types.is_integer_dtype(out[c]) for c in out.columns if c.startswith("n_"))
