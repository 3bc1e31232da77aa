"""Assembling the appendix from results tables: spec, skipping, restricted copy, check gate, CLI."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from appendix_fake import write_fake_cycle

import kentaudit.publication.appendix as appendix_mod
from kentaudit.cli import main
from kentaudit.core.errors import PublicationCheckError
from kentaudit.publication.appendix import build_appendix, load_spec
from kentaudit.publication.table import PublicationTableError
from kentaudit.report.results import load_table, save_table


@pytest.fixture(scope="module")
def built(fake_appendix):
    """The fake cycle's appendix (default arguments): the one build the session shares
    (``tests/conftest.py``), read only here; a build of its own cost seconds of CPU."""
    return fake_appendix.result, fake_appendix.out


def test_spec_ids_are_stable_and_unique():
    spec = load_spec()
    ids = [t["id"] for t in spec["tables"]]
    assert ids == [f"T{i}" for i in range(1, len(ids) + 1)]
    assert [f["id"] for f in spec["figures"]] == ["F1", "F2", "F3", "F4"]


def test_spec_reads_the_same_with_libyaml_as_with_pyyamls_own_safe_loader(monkeypatch):
    import yaml

    from kentaudit.publication import spec as spec_module

    fast = load_spec()
    monkeypatch.setattr(spec_module, "_SPEC_LOADER", yaml.SafeLoader)
    assert load_spec() == fast


def test_spec_texts_are_in_the_profiles_words():
    from kentaudit.inputs.profile import Words

    kent = load_spec()  # the bundled example profile's words
    t7 = next(t for t in kent["tables"] if t["id"] == "T7")
    assert t7["title"] == "Compliance by district and area"
    assert {"where": {"area": "Kent"}, "within": ["criterion"], "parts_where": {"district": "All districts"}} \
        in t7["total_rows"]
    other = load_spec(words=Words(authority="Borsetshire", unit="locality", units="localities",
                                  area="quadrant", areas="quadrants"))
    t7 = next(t for t in other["tables"] if t["id"] == "T7")
    assert t7["title"] == "Compliance by locality and quadrant"
    assert [c["label"] for c in t7["columns"] if c["name"] in ("area", "district")] == ["Quadrant", "Locality"]
    assert {"where": {"area": "Borsetshire"}, "within": ["criterion"],
            "parts_where": {"district": "All localities"}} in t7["total_rows"]
    # the notes the builder writes from the cycle (its samples, the profile's re-audit design, ages not recorded)
    assert not [k for k, v in other["notes"].items() if "{" in v and k not in ("district_samples", "reaudit_pairs", "ages_not_recorded")]


def test_publish_holds_html_xlsx_csvs_and_figures(built):
    res, _ = built
    names = {p.relative_to(res.publish_dir).as_posix() for p in res.files}
    assert {"appendix.html", "appendix.xlsx", "csv/metadata.json", "figures/F2.svg", "figures/F2.json"} <= names
    assert {f"csv/{t}.csv" for t in res.tables} <= names
    assert res.tables == [f"T{i}" for i in range(1, 10)]


def test_restricted_files_are_marked_in_name_and_content(built):
    res, _ = built
    files = list(res.restricted_dir.iterdir())
    assert files and all(f.name.startswith("RESTRICTED_") for f in files)
    assert all("RESTRICTED" in f.read_text() for f in files)


def test_restricted_tables_equal_the_results_exactly(built):
    res, out = built
    r = pd.read_csv(res.restricted_dir / "RESTRICTED_T4.csv")
    src = pd.read_csv(out / "results" / "compliance_by_criterion.csv")
    assert (r["n_yes"] == src["n_yes"]).all()
    np.testing.assert_array_equal(r["estimate"].to_numpy(), src["estimate"].to_numpy())  # unrounded


def test_published_figures_equal_results_where_shown(built):
    res, out = built
    pub = pd.read_csv(res.publish_dir / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    src = pd.read_csv(out / "results" / "compliance_by_criterion.csv")
    for i in range(len(pub)):
        if pub.at[i, "n_yes"] != "[c]":
            assert int(pub.at[i, "n_yes"]) == src.at[i, "n_yes"]
        if pub.at[i, "estimate"] != "[c]":
            assert float(pub.at[i, "estimate"]) == round(100 * src.at[i, "estimate"], 1)


def test_suppression_audit_is_restricted_and_complete(built):
    res, _ = built
    a = pd.read_csv(res.restricted_dir / "RESTRICTED_suppression_audit.csv")
    n_c = sum((pd.read_csv(res.publish_dir / "csv" / f"{t}.csv", dtype=str) == "[c]").to_numpy().sum()
              for t in res.tables)
    assert len(a) == n_c and set(a.reason) <= {"primary", "secondary", "derived"}


@pytest.fixture(scope="module")
def initial_only_without_grades(tmp_path_factory):
    """One build for the two skipping tests: a cycle of the initial sample only (the extended and
    re-audit tables skipped for their samples) whose grades results table is absent (its table
    skipped for the analysis not run). Each build costs seconds of CPU."""
    out = tmp_path_factory.mktemp("initial-only") / "2009"
    params = write_fake_cycle(out, samples=("initial",))
    (out / "results" / "grades.csv").unlink()
    (out / "results" / "grades.parquet").unlink()
    return build_appendix(params, out)


def test_tables_of_absent_samples_are_skipped_with_reason(initial_only_without_grades):
    res = initial_only_without_grades
    skipped = {i: why for i, _, why in res.skipped}
    assert "T5" not in res.tables and "this cycle has no additional cases (extended sample)" in skipped["T5"]
    assert "T6" not in res.tables and "re-audit of initial cases" in skipped["T6"]
    assert "inputs." not in skipped["T5"] + skipped["T6"]  # a reason in words


def test_change_and_trend_tables_when_previous_cycles_given(tmp_path):
    out = tmp_path / "2010"
    res = build_appendix(write_fake_cycle(out, previous=True), out)
    assert {"T10", "T11"} <= set(res.tables)


def test_absent_results_table_is_skipped_with_note(initial_only_without_grades):
    res = initial_only_without_grades
    assert ("T8", "Overall grades by sample", "the analysis it comes from was not run for this cycle") in res.skipped
    assert "T8" not in res.tables


def test_results_table_missing_a_column_is_an_error(tmp_path):
    out = tmp_path / "2009"
    params = write_fake_cycle(out)
    res = out / "results"
    save_table(load_table("compliance_by_criterion", res).drop(columns=["n_missing"]),
               "compliance_by_criterion", res)
    with pytest.raises(PublicationTableError, match="n_missing"):
        build_appendix(params, out)


def test_failed_publication_check_publishes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "2009"
    params = write_fake_cycle(out)
    real = appendix_mod.suppress
    monkeypatch.setattr(appendix_mod, "suppress", lambda tables, threshold, **kw: real(tables, threshold=0, **kw))
    with pytest.raises(PublicationCheckError, match="small_count"):
        build_appendix(params, out)
    assert not (out / "publish").exists() and (out / "publish_rejected" / "appendix.html").exists()


@pytest.fixture(scope="module")
def rebuilt_by_the_cli(built, tmp_path_factory):
    """``kentaudit appendix`` run over a copy of the shared build, a stale file planted in its
    published folder, then ``kentaudit check-publication`` on what it published: one build for the
    command-line test and the rebuild test (each build costs seconds of CPU)."""
    import contextlib
    import io

    import kentaudit.inputs.params as params_mod
    import kentaudit.run.completeness as completeness

    tmp = tmp_path_factory.mktemp("rebuilt")
    out = tmp / "2009"
    shutil.copytree(built[1], out, symlinks=True)  # a copy: other tests read the shared build
    stale = out / built[0].publish_dir.relative_to(built[1]) / "stale.txt"
    stale.write_text("old")
    params = json.loads(json.dumps(write_fake_cycle(out)))
    pfile = tmp / "x.yaml"   # the CLI checks the file exists; the loader below stands in
    pfile.write_text("cycle: '2009'\n")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(printed):
        mp.setattr(appendix_mod, "load_params", lambda path: params)
        # the fake cycle has no run behind it: the loader and the completeness check (tested in
        # tests/run/test_only_complete_runs_publish.py) stand aside
        mp.setattr(params_mod, "load_params", lambda path: params)
        mp.setattr(completeness, "require_complete_results", lambda p, d: {})
        code = main(["appendix", str(pfile), "--results", str(out)])
        built_out = printed.getvalue()
        check = main(["check-publication", str(out / "publish")]) if code == 0 else None
    return {"code": code, "out": built_out, "check": check, "stale": stale}


def test_rebuild_replaces_the_previous_publication(rebuilt_by_the_cli):
    stale = rebuilt_by_the_cli["stale"]
    assert rebuilt_by_the_cli["code"] == 0
    # the rebuild published into the folder that held the stale file, and the file is gone
    assert f"-> {stale.parent}\n" in rebuilt_by_the_cli["out"] and not stale.exists()
    assert (stale.parent / "appendix.html").is_file()


def test_cli_builds_the_appendix(rebuilt_by_the_cli):
    assert rebuilt_by_the_cli["code"] == 0
    assert "9 tables" in rebuilt_by_the_cli["out"]
    assert rebuilt_by_the_cli["check"] == 0


def test_threshold_governs_figures_as_tables(tmp_path):
    # a threshold above every count: every sensitive count is hidden and no figure is drawn
    # (each figure draws sensitive counts: F1 units' answers, F2 grades, F3 answers over the
    # cycles); what stays shown is only what is not sensitive whatever its size (docs/appendix.md,
    # "Which counts are sensitive": records of the whole authority, answers not recorded),
    # read from the published definitions by the publication check's own rule
    from kentaudit.publication.check.folder import _not_sensitive
    out = tmp_path / "2009"
    params = write_fake_cycle(out)
    params["suppression_threshold"] = 10 ** 9
    res = build_appendix(params, out)
    assert res.figures == []
    assert not list(res.publish_dir.rglob("F[0-9]*.*"))
    whole = json.loads((res.publish_dir / "csv" / "metadata.json").read_text())
    meta = {t["id"]: t for t in whole["tables"]}
    authority = (whole.get("universe") or {}).get("authority")  # the label of the authority's own rows
    hidden = shown_not_sensitive = 0
    for t in res.tables:
        df = pd.read_csv(res.publish_dir / "csv" / f"{t}.csv", dtype=str, keep_default_na=False)
        names = list(df.columns)
        counts = [j for j, c in enumerate(names) if c.startswith("n_")]
        for row in df.itertuples(index=False):
            row = list(row)
            for j in counts:
                if row[j] in ("[c]", "0", "[x]"):
                    hidden += row[j] == "[c]"
                    continue
                assert _not_sensitive(meta.get(t), names, row, j, authority), (t, names[j], row)
                shown_not_sensitive += 1
    # the rule is not vacuous: sensitive counts were hidden, and the authority's own record
    # counts (Table 1, the audits of Table 4) stayed shown
    assert hidden >= 20 and shown_not_sensitive >= 3
    t4 = pd.read_csv(res.publish_dir / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    assert "[c]" not in set(t4["n_audits"]) and set(t4["n_yes"]) <= {"[c]", "0"}


def test_figures_are_drawn_from_the_published_tables(built):
    res, _ = built
    meta = json.loads((res.publish_dir / "figures" / "F2.json").read_text())
    t8 = pd.read_csv(res.publish_dir / "csv" / "T8.csv", dtype=str, keep_default_na=False)
    assert meta["marks"]
    for m in meta["marks"]:
        if m["kind"] == "segment":
            assert t8.at[m["row"], "n_audits"] not in ("[c]", "[x]")
            assert float(t8.at[m["row"], "n_audits"]) == m["value"]["value"]


@pytest.mark.parametrize("manifest", [{"partial": True}, {"status": "failed"}, {"status": "interrupted"}])
def test_appendix_refuses_results_of_a_partial_or_failed_run(tmp_path, manifest):
    from kentaudit.core.errors import ParamsError
    out = tmp_path / "2009"
    params = write_fake_cycle(out)
    m = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**m, **manifest}))
    with pytest.raises(ParamsError, match="partial|failed|interrupted"):
        build_appendix(params, out)
    assert not (out / "publish").exists()


@pytest.fixture(scope="module", params=[(3, "/nonexistent/chromium"), (4, "/bin/false")],
                ids=["seed3-chromium-missing", "seed4-chromium-fails"])
def other_data_without_a_pdf(request, tmp_path_factory):
    """Fabricated audits of another seed, built with Chromium as the one PDF engine and it missing,
    or failing to print: one build for the attack test and the no-PDF test of each (each build
    costs seconds of CPU)."""
    seed, chromium = request.param
    out = tmp_path_factory.mktemp(f"seed{seed}") / "2009"
    params = write_fake_cycle(out, seed=seed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KENTAUDIT_PDF_ENGINE", "chromium")  # the one engine, and it is
        mp.setenv("KENTAUDIT_CHROMIUM", chromium)  # missing, or failing to print
        return build_appendix(params, out)


def test_appendices_of_other_data_pass_the_attack(other_data_without_a_pdf):
    # fabricated audits of other seeds and sizes: the build's own check (the attack) passes,
    # and re-run on the published folder it finds nothing
    from kentaudit.publication.check.attack import attack
    assert attack(other_data_without_a_pdf.publish_dir).findings == []


def test_without_a_printed_pdf_the_page_does_not_offer_one_and_is_checked_as_published(other_data_without_a_pdf):
    from kentaudit.publication.check.folder import check_publication

    res = other_data_without_a_pdf
    page = (res.publish_dir / "appendix.html").read_text(encoding="utf-8")
    assert not (res.publish_dir / "appendix.pdf").exists()
    assert 'href="appendix.pdf"' not in page and "no PDF engine could print the appendix" in page
    assert check_publication(res.publish_dir, restricted_dir=res.restricted_dir) == []


def test_the_district_samples_note_names_the_record_design_only_where_the_cycle_has_it():
    from kentaudit.inputs.profile import Words
    from kentaudit.publication.appendix import district_samples_note

    w = Words(authority="Borsetshire", unit="locality", units="localities", area="quadrant", areas="quadrants")
    annual = district_samples_note(["annual"], ["annual"], w)
    assert annual == "Locality and quadrant comparisons use the annual sample, drawn at random in every locality."
    design = district_samples_note(["extended"], ["initial", "extended"], w)
    assert "read from the electronic record" in design and "read from the comprehensive file" in design
    assert "Their Borsetshire rows are of the same sample" in design
    # Kent's (the bundled example profile's): its samples' phrases and records from its profile
    assert district_samples_note(["extended"], ["initial", "extended"]).startswith(
        "District and area comparisons use the additional random sample only: it was drawn at random in "
        "every district and read from the comprehensive file, while the high-risk initial cases were chosen "
        "differently between districts and read from the electronic record.")


def test_the_design_based_note_names_the_profiles_population_not_kents():
    """A new user's walk (issue 22, Wexmoor): the note under the design-based estimate said "children
    on child protection plans" for an authority whose files are about other children."""
    from kentaudit.inputs.profile import Words

    other = load_spec(words=Words(authority="Wexmoor", unit="hub", units="hubs", area="division",
                                  areas="divisions", population="children receiving a social-work service"))
    note = other["notes"]["design_based"]
    assert "by the number of children receiving a social-work service in its hub that it stands for" in note
    assert "protection plan" not in note
