"""The edge-case cycle (tests/fixtures/edge/make_edge_cycle.py) runs end to end and publishes.

It holds a criterion at 100% (voice) and one at 0% (genogram), one never applicable
(ics_exemplars), an area with no audits (North: Dartford, Gravesham, Sevenoaks), a district
audited in one sample only and never moderated (Dover), and a sample listed but absent
(the re-audit). Every such comparison is a result: `not testable` with the reason, the
p-value and interval empty (never 1 or 0), not counted in its multiplicity family, and the
figures say so. The one-district and one-row cycles run through every analysis too.
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "edge"))
import make_edge_cycle as edge  # noqa: E402

UNTESTABLE = ("voice", "genogram", "ics_exemplars")


@pytest.fixture(scope="module")
def edge_run(shared_tmp):
    from conftest import once_in

    from kentaudit.run.runner import run_cycle

    def run(work: Path) -> dict:
        return {"code": run_cycle(edge.write_cycle(work / "repo"), jobs=2)}

    work = shared_tmp / "cycle-edge"
    return {**once_in(work, run), "dir": work / "repo" / "outputs" / "2009"}


def _table(run, name):
    return pd.read_csv(run["dir"] / "results" / f"{name}.csv", keep_default_na=False)


@pytest.mark.slow
def test_the_edge_case_cycle_completes_and_publishes(edge_run):
    manifest = json.loads((edge_run["dir"] / "manifest.json").read_text())
    assert edge_run["code"] == 0 and manifest["status"] == "complete"
    assert {n["status"] for n in manifest["notebooks"]} == {"ok"}
    assert sum(n["notebook"] == "district_profile" for n in manifest["notebooks"]) == 12
    assert (edge_run["dir"] / "publish" / "appendix.html").stat().st_size > 0


@pytest.mark.slow
def test_untestable_criteria_have_empty_p_values_and_leave_the_family(edge_run):
    dt = _table(edge_run, "district_tests")
    bad = dt[dt["criterion"].isin(UNTESTABLE)]
    assert (bad["test"] == "not testable").all() and (bad["p_value"] == "").all()
    assert bad["note"].str.startswith("not testable: ").all()
    for g, sub in dt.groupby("group"):   # the family counts only the testable criteria
        assert set(sub["family"]) == {f"{(sub['p_value'] != '').sum()} criteria, compliance by {g}"}
    ive = _table(edge_run, "initial_vs_extended")
    assert (ive.loc[ive["criterion"].isin(UNTESTABLE), "p_value"] == "").all()
    m = (ive["p_value"] != "").sum()
    assert m <= 17 and set(ive["family"]) == {f"{m} criteria, additional against initial cases"}
    lr = _table(edge_run, "casemix_lr")
    assert (lr.loc[lr["criterion"].isin(UNTESTABLE), "p_value"] == "").all()
    m = (lr["p_value"] != "").sum()
    assert m <= 17 and set(lr["family"]) == {f"{m} criteria, district after case-mix adjustment"}


@pytest.mark.slow
def test_a_criterion_at_100_percent_gets_a_funnel_without_dispersion_and_one_never_applicable_none(edge_run):
    f = _table(edge_run, "funnel")
    voice = f[f["criterion"] == "voice"]
    assert (voice["phi"] == "").all() and voice["note"].str.startswith("overdispersion not estimable").all()
    never = f[f["criterion"] == "ics_exemplars"]
    assert len(never) and (never["flag_99_8"] == "not testable").all() and (never["limit_low_95"] == "").all()


@pytest.mark.slow
def test_a_district_without_audits_has_a_profile_that_says_not_testable(edge_run):
    prof = _table(edge_run, "profile__SEV")
    assert (prof["n_denominator"] == 0).all() and (prof["p_value"] == "").all()
    assert (prof["p_adjusted"] == "").all() and (prof["family"] != "").all()
    gt = _table(edge_run, "profile_grade_test__SEV")
    assert gt["note"].str.startswith("not testable: no graded audit in Sevenoaks").all()
    alt = json.loads((edge_run["dir"] / "figures" / "profile_forest__SEV.json").read_text())["alt_text"]
    assert "Not testable" in alt


@pytest.mark.slow
def test_profile_adjusted_p_values_are_those_of_the_districts_table(edge_run):
    dvr = _table(edge_run, "district_vs_rest")
    prof = _table(edge_run, "profile__THA")
    d = dvr[dvr["level"] == "Thanet"].set_index("criterion")
    for _, r in prof.iterrows():
        if r["p_value"] != "":
            assert float(r["p_adjusted"]) == pytest.approx(float(d.loc[r["criterion"], "p_adjusted"]), rel=1e-9)
            assert r["family"] == d.loc[r["criterion"], "family"]


@pytest.mark.slow
def test_absent_sample_leaves_its_tables_out_without_stopping_the_cycle(edge_run):
    assert not (edge_run["dir"] / "results" / "reaudit_paired.csv").exists()
    summary = _table(edge_run, "sample_summary")
    assert "reaudit" not in set(summary["sample"])


@pytest.mark.parametrize("variant", ["one_district", "one_row"])
def test_one_district_and_one_row_cycles_run_every_analysis(tmp_path, variant):
    from kentaudit import analysis as analyses
    params = edge.write_cycle(tmp_path, getattr(edge, variant)(), name=variant)
    cd = analyses.load_cycle(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = {}
        for fn in (analyses.data_quality, analyses.compliance_summary, analyses.initial_vs_extended,
                   analyses.districts, analyses.trends):
            tables.update(fn(cd).tables)
        for d in cd.districts["district"]:
            analyses.district_profile(cd, d)
    dt = tables["district_tests"]
    assert dt["p_value"].isna().all() and (dt["test"] == "not testable").all()
    assert (tables["funnel"]["flag_95"] == "not testable").all()
    assert not np.any(tables["district_vs_rest"]["p_value"].to_numpy(float) == 1.0)


@pytest.mark.slow
def test_tables_the_data_cannot_support_are_named_with_their_reason_in_manifest_and_log(edge_run):
    ap = json.loads((edge_run["dir"] / "manifest.json").read_text())["appendix"]
    log = (edge_run["dir"] / "run.log").read_text(encoding="utf-8")
    assert ap["built"] is True and ap["not_published"], "the edge cycle has tables it cannot support"
    published = set(ap["tables"]) | set(ap["figures"])
    csvs = {p.stem for p in (edge_run["dir"] / "publish" / "csv").glob("T*.csv")}
    assert csvs == set(ap["tables"])
    for s in ap["not_published"]:
        assert s["id"] not in published and s["reason"].strip()
        assert f"appendix: {s['id']} ({s['title']}) not published: {s['reason']}" in log


@pytest.mark.slow
def test_a_district_with_one_random_audit_is_estimated_with_a_note_not_a_stop(edge_run):
    est = _table(edge_run, "authority_estimate")
    assert len(est) and (est["note"].str.contains(edge.ONE_RANDOM)).any()


@pytest.mark.slow
def test_area_names_with_markup_and_formula_text_are_published_escaped_and_neutralised(edge_run):
    import openpyxl

    name = edge.AREA_RENAMED[1]
    page = (edge_run["dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "<b>East</b>" not in page and "&lt;b&gt;East&lt;/b&gt;" in page
    wb = openpyxl.load_workbook(edge_run["dir"] / "publish" / "appendix.xlsx")
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(name in v for v in cells)
    assert not any(v.startswith("=") for v in cells), "formula text must be neutralised"
    csvs = " ".join(p.read_text(encoding="utf-8") for p in (edge_run["dir"] / "publish" / "csv").glob("*.csv"))
    assert "'=1+1" in csvs or "\"'=1+1" in csvs


@pytest.mark.slow
def test_disclosure_control_models_the_cycles_own_areas(edge_run):
    areas = set(pd.read_csv(edge_run["dir"] / "results" / "compliance_by_district.csv",
                            keep_default_na=False)["area"])
    # the results CSV neutralises formula text with a leading quote (its Parquet twin keeps it)
    assert {edge.AREA_RENAMED[1], "'" + edge.AREA_RENAMED[1]} & areas and edge.AREA_RENAMED[0] not in areas
    t7 = pd.read_csv(edge_run["dir"] / "restricted" / "RESTRICTED_T7.csv", keep_default_na=False, dtype=str)
    assert any(edge.AREA_RENAMED[1] in v for v in t7.astype(str).to_numpy().ravel())
