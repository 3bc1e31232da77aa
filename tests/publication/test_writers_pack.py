"""The committee pack and the spreadsheet standard: tagged A4 PDF, ODS beside XLSX, complete cover.

Each test is one guaranteed item of the checklist in docs/appendix.md.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from appendix_fake import write_fake_cycle
from kentaudit.publication.appendix import build_appendix

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
NODE = shutil.which("node")
MODULES = ROOT / "tools" / "browser" / "node_modules"
no_browser = (CHROMIUM is None or NODE is None or not (MODULES / "playwright-core").is_dir())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cycle") / "2009"
    params = write_fake_cycle(out)
    params["publication"] = {"producer": "Kent County Council QA", "contact_name": "QA team",
                             "contact_email": "qa@example.org", "publication_date": "2009-06-30",
                             "next_update": "June 2010", "status": "synthetic demonstration data"}
    return build_appendix(params, out)


@pytest.fixture(scope="module")
def pdf(built):
    pikepdf = pytest.importorskip("pikepdf")
    path = built.publish_dir / "appendix.pdf"
    if not path.exists():
        pytest.skip("no PDF: Chromium is not installed")
    return pikepdf.open(path)


# ----------------------------------------------------------------------------- PDF
@pytest.mark.browser
def test_pdf_is_tagged_with_language_and_structure(pdf):
    root = pdf.Root
    assert bool(root.MarkInfo.Marked)
    assert str(root.Lang) == "en-GB"
    assert "/StructTreeRoot" in root


@pytest.mark.browser
def test_pdf_has_an_outline_of_the_sections(pdf):
    titles = []
    with pdf.open_outline() as outline:
        def walk(items):
            for it in items:
                titles.append(str(it.title))
                walk(it.children)
        walk(outline.root)
    for want in ("Main findings", "Tables", "Figures", "Notes", "Methods"):
        assert any(t.startswith(want) for t in titles), (want, titles[:10])


@pytest.mark.browser
def test_pdf_pages_are_a4(pdf):
    sizes = {tuple(round(float(x)) for x in p.mediabox[2:]) for p in pdf.pages}
    assert sizes <= {(595, 842), (842, 595)}, sizes
    assert 1 < len(pdf.pages) < 40


@pytest.mark.browser
def test_pdf_figures_carry_their_alt_text(pdf, built):
    alts = []

    def walk(node, depth=0):
        if depth > 60:
            return
        if isinstance(node, __import__("pikepdf").Dictionary):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node.Alt))
            kids = node.get("/K")
            if kids is not None:
                for k in (kids if isinstance(kids, __import__("pikepdf").Array) else [kids]):
                    walk(k, depth + 1)
    walk(pdf.Root.StructTreeRoot)
    html = (built.publish_dir / "appendix.html").read_text(encoding="utf-8")
    assert alts and all(len(a) > 20 for a in alts)
    assert all(a.split(".")[0] in html for a in alts)


@pytest.mark.browser
@pytest.mark.skipif(no_browser, reason="chromium, node or playwright-core missing: `make browser-tools`")
def test_printed_tables_fit_the_page_and_repeat_their_headers(built, tmp_path):
    p = subprocess.run([NODE, str(ROOT / "tests" / "browser" / "print_fit.js"),
                        str(built.publish_dir / "appendix.html"), CHROMIUM, str(tmp_path / "prof")],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    tables = json.loads(p.stdout.strip().splitlines()[-1])["tables"]
    assert tables
    cut = [t for t in tables if t["width"] > t["limit"]]
    assert cut == []
    assert all(t["header"] == "table-header-group" for t in tables)


@pytest.mark.browser
@pytest.mark.skipif(no_browser, reason="chromium, node or playwright-core missing: `make browser-tools`")
def test_print_fit_check_catches_a_table_too_wide_for_the_page(built, tmp_path):
    html = (built.publish_dir / "appendix.html").read_text(encoding="utf-8")
    wide_row = "".join(f"<td>{'9' * 40}</td>" for _ in range(12))
    planted = html.replace("</main>", '<div class="table-wrap"><table data-table-id="X"><thead><tr>'
                           + "<th>h</th>" * 12 + f"</tr></thead><tbody><tr>{wide_row}</tr></tbody>"
                           "</table></div></main>")
    f = tmp_path / "appendix.html"
    f.write_text(planted, encoding="utf-8")
    p = subprocess.run([NODE, str(ROOT / "tests" / "browser" / "print_fit.js"), str(f), CHROMIUM,
                        str(tmp_path / "prof")], capture_output=True, text=True, timeout=600)
    tables = json.loads(p.stdout.strip().splitlines()[-1])["tables"]
    assert [t["id"] for t in tables if t["width"] > t["limit"]] == ["X"]


# ----------------------------------------------------------------------------- spreadsheets
def _cover_text(ws) -> str:
    return "\n".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v is not None)


def test_xlsx_cover_names_producer_contact_dates_status_and_every_sheet(built):
    wb = openpyxl.load_workbook(built.publish_dir / "appendix.xlsx")
    text = _cover_text(wb["Cover"])
    for want in ("Producer: Kent County Council QA", "Email: qa@example.org", "Contact: QA team",
                 "Publication date: 2009-06-30", "Next update: June 2010",
                 "Status: synthetic demonstration data"):
        assert want in text
    for sid in built.tables:
        assert f"Sheet Table {sid[1:]}: " in text


def test_xlsx_workbook_properties_are_set(built):
    wb = openpyxl.load_workbook(built.publish_dir / "appendix.xlsx")
    assert wb.properties.title == "Case-file audit: statistical appendix (test)"
    assert wb.properties.creator == "Kent County Council QA"
    assert wb.properties.language == "en-GB"
    assert wb.properties.subject and wb.properties.keywords


def test_xlsx_number_formats_follow_the_column_kind(built):
    wb = openpyxl.load_workbook(built.publish_dir / "appendix.xlsx")
    meta = {t["id"]: t for t in json.loads((built.publish_dir / "csv" / "metadata.json").read_text())["tables"]}
    ws = wb["Table 4"]
    cols = [c["name"] for c in meta["T4"]["columns"]]
    hdr = next(k for k, r in enumerate(ws.iter_rows(values_only=True), 1) if sum(v is not None for v in r) >= 2)
    row = list(ws.iter_rows(min_row=hdr + 1, max_row=hdr + 1))[0]
    fmt = {cols[j]: row[j].number_format for j in range(len(cols))}
    assert fmt["n_yes"] == "#,##0" and fmt["estimate"] == "0.0"
    assert isinstance(row[cols.index("estimate")].value, float)


def test_source_line_names_the_audits_not_an_internal_table(built):
    meta = json.loads((built.publish_dir / "csv" / "metadata.json").read_text())["tables"]
    for t in meta:
        assert "results table" not in t["source"] and "case-file audits" in t["source"]


def test_ods_has_the_same_sheets_as_the_xlsx(built):
    xl = openpyxl.load_workbook(built.publish_dir / "appendix.xlsx").sheetnames
    ods = list(pd.read_excel(built.publish_dir / "appendix.ods", sheet_name=None, engine="odf", header=None))
    assert ods == xl


def test_ods_cover_and_numbers(built):
    sheets = pd.read_excel(built.publish_dir / "appendix.ods", sheet_name=None, engine="odf", header=None)
    cover = "\n".join(str(v) for v in sheets["Cover"].iloc[:, 0].dropna())
    assert "Producer: Kent County Council QA" in cover and "Email: qa@example.org" in cover
    assert "Status: synthetic demonstration data" in cover
    csv = pd.read_csv(built.publish_dir / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    t4 = sheets["Table 4"]
    hdr = next(k for k in range(len(t4)) if t4.iloc[k].notna().sum() >= 2)
    body = t4.iloc[hdr + 1:hdr + 1 + len(csv)].reset_index(drop=True)
    j = list(csv.columns).index("estimate")
    for got, want in zip(body.iloc[:, j], csv["estimate"]):
        if want not in ("[c]", "[x]", "[z]"):
            assert float(got) == float(want)


def test_ods_shows_one_decimal_for_percentages_and_has_properties(built):
    with zipfile.ZipFile(built.publish_dir / "appendix.ods") as z:
        content = z.read("content.xml").decode()
        meta = z.read("meta.xml").decode()
    assert 'number:decimal-places="1"' in content
    assert "<dc:language>en-GB</dc:language>" in meta and "<dc:title>" in meta


def test_publication_check_passes_on_the_pack(built):
    from kentaudit.publication.check.folder import check_publication
    assert check_publication(built.publish_dir, restricted_dir=built.restricted_dir) == []


def test_workbook_keywords_state_the_release_status_and_claim_no_other(built):
    # the pack is synthetic demonstration data: its keywords must not call it official statistics
    wb = openpyxl.load_workbook(built.publish_dir / "appendix.xlsx", read_only=True)
    keywords = wb.properties.keywords
    assert "synthetic demonstration data" in keywords and "official statistics" not in keywords
    with zipfile.ZipFile(built.publish_dir / "appendix.ods") as z:
        meta = z.read("meta.xml").decode()
    assert "synthetic demonstration data" in meta and "official statistics" not in meta
