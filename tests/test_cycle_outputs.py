"""The default synthetic cycles end to end: notebooks, results tables, appendix.

These tests share one run of each cycle (see ``conftest.py``).
"""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kentaudit.publication.table import round_half_away

from expected.update_expected import EXPECTED
from conftest import ROOT
from table_compare import assert_tables_equal

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]


@pytest.fixture(scope="module", params=["2009", "2013"])
def cycle(request):
    return request.getfixturevalue(f"cycle_{request.param}") | {"cycle": request.param}


def test_every_notebook_of_the_default_cycles_runs_ok(cycle):
    manifest = json.loads((cycle["cycle_dir"] / "manifest.json").read_text())
    assert cycle["code"] == 0
    assert manifest["status"] == "complete"
    statuses = {(n["notebook"], n.get("district")): n["status"] for n in manifest["notebooks"]}
    assert set(statuses.values()) == {"ok"}
    # every notebook named in the parameter file ran, district_profile once per district
    assert {nb for nb, _ in statuses} == set(manifest["params"]["notebooks"])
    assert sum(1 for nb, _ in statuses if nb == "district_profile") == 12


def test_manifest_records_input_hashes_versions_and_ipc_transport(cycle):
    manifest = json.loads((cycle["cycle_dir"] / "manifest.json").read_text())
    assert all(len(h) == 64 for h in manifest["input_hashes"].values())
    assert {"pandas", "scipy", "statsmodels", "papermill"} <= set(manifest["packages"])
    assert manifest["kernel_transport"] == "ipc"


@pytest.mark.parametrize("cycle_id,name", [(c, n) for c, names in EXPECTED.items() for n in names])
def test_results_table_equals_committed_expected_table(cycle_id, name, request):
    run = request.getfixturevalue(f"cycle_{cycle_id}")
    got = pd.read_csv(run["cycle_dir"] / "results" / f"{name}.csv", keep_default_na=False)
    want = pd.read_csv(ROOT / "tests" / "expected" / cycle_id / f"{name}.csv", keep_default_na=False)
    # numbers compared as numbers within table_compare.RTOL / ATOL whatever the column's dtype
    # (a blank cell makes a column text); text compared exactly
    assert_tables_equal(got, want, name=f"{cycle_id}/{name}")


def test_results_tables_are_saved_as_csv_and_parquet_with_the_same_content(cycle_2009):
    results = cycle_2009["cycle_dir"] / "results"
    for csv in sorted(results.glob("*.csv")):
        pq = pd.read_parquet(csv.with_suffix(".parquet"))
        assert len(pq) == len(pd.read_csv(csv, keep_default_na=False)), csv.name


def _published(cycle_dir, table_id):
    return pd.read_csv(cycle_dir / "publish" / "csv" / f"{table_id}.csv", dtype=str, keep_default_na=False)


def _count_columns(cycle_dir) -> dict[str, list[str]]:
    meta = json.loads((cycle_dir / "publish" / "csv" / "metadata.json").read_text())
    # counts of audit records (a table of simulation sizes, defines.not_records, counts none)
    return {t["id"]: [c["name"] for c in t["columns"] if c["kind"] == "count"] for t in meta["tables"]
            if not (t.get("defines") or {}).get("not_records")}


def test_published_compliance_counts_equal_the_results_table_where_shown(cycle_2009):
    d = cycle_2009["cycle_dir"]
    res = pd.read_csv(d / "results" / "compliance_by_criterion.csv", keep_default_na=False)
    pub = _published(d, "T4")
    assert list(pub["criterion"]) == list(res["criterion"])
    shown = 0
    for col in _count_columns(d)["T4"]:
        for got, want in zip(pub[col], res[col]):
            if got != "[c]":
                assert int(got) == int(want), col
                shown += 1
    assert shown > 0


def test_published_percentages_are_the_results_proportions_rounded_on_display(cycle_2009):
    d = cycle_2009["cycle_dir"]
    res = pd.read_csv(d / "results" / "compliance_by_criterion.csv", keep_default_na=False)
    pub = _published(d, "T4")
    for col in ("estimate", "conf_low", "conf_high"):
        for est, cell in zip(res[col], pub[col]):
            if cell not in ("[c]", "[x]", "[z]"):
                assert float(cell) == pytest.approx(round_half_away(float(est) * 100, 1), abs=1e-9)


def test_published_small_counts_are_suppressed_and_true_zeros_shown(cycle_2009):
    d = cycle_2009["cycle_dir"]
    threshold = json.loads((d / "manifest.json").read_text())["params"]["suppression_threshold"]
    n_suppressed = 0
    for table_id, cols in _count_columns(d).items():
        pub = _published(d, table_id)
        for col in cols:
            n_suppressed += int((pub[col] == "[c]").sum())
            vals = pub[col][pub[col].str.fullmatch(r"\d+")].astype(int)
            assert not ((vals >= 1) & (vals <= threshold)).any(), (table_id, col)
    assert n_suppressed > 0  # the synthetic cycle has small district counts to protect


def test_excel_workbook_has_cover_contents_notes_and_one_table_per_sheet(cycle_2009):
    wb = openpyxl.load_workbook(cycle_2009["cycle_dir"] / "publish" / "appendix.xlsx")
    names = wb.sheetnames
    assert names[:3] == ["Cover", "Contents", "Notes"]
    table_ids = sorted(p.stem for p in (cycle_2009["cycle_dir"] / "publish" / "csv").glob("T*.csv"))
    assert sorted(names[3:]) == sorted(f"Table {t[1:]}" for t in table_ids)  # T4.csv is sheet "Table 4"
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title


def test_html_appendix_has_every_published_table_with_a_caption(cycle_2009):
    html = (cycle_2009["cycle_dir"] / "publish" / "appendix.html").read_text()
    for csv in (cycle_2009["cycle_dir"] / "publish" / "csv").glob("T*.csv"):
        assert f'id="{csv.stem}"' in html or f"id='{csv.stem}'" in html or csv.stem in html
    assert html.count("<caption") >= len(list((cycle_2009["cycle_dir"] / "publish" / "csv").glob("T*.csv")))
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_no_executed_notebook_or_row_level_file_is_published(cycle):
    pub = cycle["cycle_dir"] / "publish"
    assert not list(pub.rglob("*.ipynb"))
    for csv in pub.rglob("*.csv"):
        header = csv.read_text().splitlines()[0].lower()
        for col in ("case_ref", "audit_id", "auditor", "notes"):
            assert col not in header.split(","), (csv, col)


def test_reviewer_html_exists_for_every_executed_notebook(cycle):
    d = cycle["cycle_dir"]
    pages = {p.stem for p in (d / "html").glob("*.html")} - {"index"}
    notebooks = {p.stem for p in (d / "notebooks").glob("*.ipynb")}
    assert pages == notebooks


def test_real_appendix_has_no_serious_axe_violations_and_loads_nothing(cycle_2013, tmp_path):
    """The appendix of the default synthetic cycle, not only a fabricated one, passes axe-core."""
    import subprocess

    from test_accessibility import CHROMIUM, MODULES, NODE, SCRIPT

    if CHROMIUM is None or NODE is None or not (MODULES / "axe-core").is_dir():
        pytest.skip("needs chromium and tools/browser/node_modules: apt-get install -y chromium && make browser-tools")
    p = subprocess.run([NODE, str(SCRIPT), str(cycle_2013["cycle_dir"] / "publish" / "appendix.html"),
                        CHROMIUM, str(tmp_path / "profile")], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    axe = json.loads(p.stdout.strip().splitlines()[-1])
    assert [v for v in axe["violations"] if v["impact"] in ("serious", "critical")] == []
    assert axe["passes"] > 10
    assert axe["requests"] == [] and axe["failed"] == []


def test_publication_check_passes_on_everything_published(cycle):
    from kentaudit.publication.check.folder import check_publication

    d = cycle["cycle_dir"]
    assert check_publication(d / "publish", restricted_dir=d / "restricted") == []


def test_real_reviewer_pages_render_offline_with_visible_tables_and_alt_text(cycle_2013):
    """The reviewer pages of the default cycle load in headless Chromium with no network."""
    from test_reviewer import _browser_or_skip, run_browser

    _browser_or_skip()
    html = cycle_2013["cycle_dir"] / "html"
    pages = run_browser([html / "index.html", html / "districts.html", html / "trends.html",
                         html / "district_profile__THA.html"])
    for page in pages:
        assert page["failed"] == [] and page["external"] == [], page["file"]
        assert page["imagesWithoutAlt"] == 0, page["file"]
        assert page["brokenAnchors"] == [], page["file"]
    by_name = {Path(p["file"]).name: p for p in pages}
    for name in ("districts.html", "trends.html", "district_profile__THA.html"):
        assert by_name[name]["visibleTables"] > 0 and by_name[name]["visibleImages"] > 0, name


# --- what readers receive (issue 14) ------------------------------------------------------

def _districts():
    from kentaudit.inputs.reference import districts
    return list(districts()["district"])


def _alt_counts(alt: str, names: list) -> int:
    """Districts the alt text accounts for: those it names plus 'the other N' / 'All N'."""
    import re
    named = 0
    rest = alt
    for n in sorted(names, key=len, reverse=True):  # "Tunbridge Wells" before "Wells"
        named += rest.count(n)
        rest = rest.replace(n, "")
    m = re.search(r"(?:The other|All) (\d+) districts?", alt)
    return named + (int(m.group(1)) if m else 0)


def test_funnel_figures_the_runner_wrote_name_districts_and_count_them_right(cycle):
    names = _districts()
    figs = sorted((cycle["cycle_dir"] / "figures").glob("funnel_*.json"))
    assert figs
    for f in figs:
        alt = json.loads(f.read_text())["alt_text"]
        assert "seen and seen" not in alt
        assert _alt_counts(alt, names) == 12, (f.name, alt)


def test_the_run_draws_the_headline_funnel_and_no_per_criterion_funnel(cycle):
    """Nothing the run shows or publishes reads a ``funnel_<criterion>`` figure, so the notebook
    does not draw them (``analysis.districts(cycle, criterion_funnels=True)`` does)."""
    names = sorted(p.name for p in (cycle["cycle_dir"] / "figures").glob("funnel_*"))
    assert names == ["funnel_compliance.json", "funnel_compliance.png", "funnel_compliance.svg"]


def test_published_figure_1_is_the_headline_criterion_and_names_districts(cycle):
    html = (cycle["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    manifest = json.loads((cycle["cycle_dir"] / "manifest.json").read_text())
    from kentaudit.inputs.reference import criteria
    c = criteria()
    label = dict(zip(c["id"], c["label"]))[manifest["params"]["headline_criterion"]]
    import re
    h = re.search(r'<h3 id="F1-h">([^<]*)</h3>', html).group(1)
    assert label.replace("'", "&#x27;") in h
    alt = re.search(r'<section id="F1".*?alt="([^"]*)"', html, re.S).group(1)
    assert _alt_counts(alt, _districts()) == 12


def test_every_published_figure_has_a_data_table(cycle):
    import re
    html = (cycle["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    figs = re.findall(r'<section id="(F\d+)" class="figure-section">', html)
    assert figs
    for f in figs:
        assert f'data-table-id="{f}-data"' in html, f


def test_no_published_row_label_is_a_code(cycle):
    """HTML rows and XLSX label cells are words: no criterion id, no stored sample name."""
    import re
    from kentaudit.inputs.reference import criteria
    ids = set(criteria()["id"])
    html = (cycle["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    rows = set(re.findall(r'<th scope="row">([^<]*)</th>', html))
    assert not rows & ids and not rows & {"initial", "extended", "reaudit", "annual"}
    wb = openpyxl.load_workbook(cycle["cycle_dir"] / "publish" / "appendix.xlsx")
    for ws in wb.worksheets[3:]:
        first = [r[0] for r in ws.iter_rows(values_only=True) if r and r[0] is not None]
        assert not set(first) & ids, ws.title


def test_published_p_values_read_for_people(cycle):
    """In the HTML and the workbook a p-value is <0.001 or three decimals, never 0.000; a test
    that could not be done is [z], never 1.000 (the CSV keeps the declared decimals)."""
    import re
    meta = json.loads((cycle["cycle_dir"] / "publish" / "csv" / "metadata.json").read_text())
    html = (cycle["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    seen = 0
    for t in meta["tables"]:
        pcols = [c["name"] for c in t["columns"] if c["unit"] == "p-value"]
        if not pcols or f'data-table-id="{t["id"]}"' not in html:
            continue
        part = html[html.index(f'data-table-id="{t["id"]}"'):]
        part = part[:part.index("</table>")]
        heads = re.findall(r'data-column="([^"]+)"', part)
        for row in re.findall(r"<tr>(.*?)</tr>", part, re.S)[1:]:
            cells = [re.sub("<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)]
            for name in pcols:
                if name in heads:
                    v = cells[heads.index(name)]
                    assert v in ("[c]", "[x]", "[z]", "&lt;0.001") or re.fullmatch(r"0\.\d{3}|1\.000", v), (t["id"], v)
                    assert v != "0.000"
                    seen += 1
    assert seen


def test_every_shorthand_shown_is_in_the_legend(cycle):
    import re
    html = (cycle["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    legend = html[html.index('id="legend"'):html.index('id="methods"')]
    body = html[:html.index('id="notes"')]
    for s in ("[c]", "[x]", "[z]"):
        if re.search(re.escape(f">{s}<"), body):
            assert f"<dt>{s}</dt>" in legend, s


def test_annual_edition_has_no_extended_sample_note_and_names_its_tests(cycle_2013):
    html = (cycle_2013["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert "only the cases added in the extended audit" not in html
    methods = html[html.index('id="methods"'):html.index('id="caveats"')]
    assert "No hypothesis tests appear" not in methods and "Tests" in methods


def test_the_appendix_is_built_beside_the_district_notebooks(cycle):
    # it starts once every notebook it reads is done, while district profiles still run,
    # and is published with the run
    lines = (cycle["cycle_dir"] / "run.log").read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if "building the appendix" in ln)
    done = {ln.split("INFO ")[1].split(":")[0]: i for i, ln in enumerate(lines) if ": ok in " in ln}
    cycle_wide = [s for s in done if not s.startswith("district_profile__")]
    assert all(done[s] < start for s in cycle_wide)
    assert any(i > start for s, i in done.items() if s.startswith("district_profile__"))
    manifest = json.loads((cycle["cycle_dir"] / "manifest.json").read_text())
    assert manifest["appendix"]["built"] is True
    assert (cycle["cycle_dir"] / "publish" / "appendix.html").is_file()
