"""The second authority's full cycle, from its own export to its published appendix, with no code
change for it and no edit of its data (issue 22, items 1, 5 and 6; docs/adopting.md).

Fenmarsh (``tests/fixtures/second_authority.py``) is unlike Kent: 4 localities of 3 teams in 2
areas, 20 questions of its own, answers Yes / No / Partially / N/A, a five-point grade scale in
words, an XLSX export with the form tool's headers, DD/MM/YYYY dates and the cycle "2025/26".
The run follows docs/adopting.md as an analyst would: ``kentaudit init`` through the command
line, the units table's areas and children in scope filled in (the documented step 3: the
analyst's knowledge, not an edit of the export), then ``kentaudit run`` on the parameter file
init wrote, which executes every notebook the cycle applies (``district_profile`` for each
locality through papermill) and builds the appendix; then ``kentaudit check-publication``.
The run is shared by the tests of this module (one run, about a minute and a half on 2 cores).
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import second_authority as fx  # noqa: E402

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
#: each locality's children in scope: what the analyst knows and types into units.csv
CHILDREN = {"Northfen": 60, "Eastmarsh": 55, "Southwold Vale": 70, "Westmere": 48}
KENT = re.compile(r"\bKent\b")
DISTRICT = re.compile(r"\bDistricts?\b")


def _kentaudit(*args, cwd):
    env = {**os.environ, "KENTAUDIT_KEY": KEY, "PYTHONPATH": str(ROOT)}
    env.pop("KENTAUDIT_KEY_FILE", None)
    return subprocess.run([sys.executable, "-m", "kentaudit", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=2400, check=False)


@pytest.fixture(scope="module")
def fenmarsh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fenmarsh-cycle")
    export = fx.write_export(tmp)
    init = _kentaudit("init", export, "--out", tmp / "fenmarsh", "--name", fx.NAME,
                      "--short-name", fx.SHORT_NAME, cwd=tmp)
    assert init.returncode == 0, init.stderr
    # docs/adopting.md step 3: each unit's area and children in scope, by the analyst
    units = tmp / "fenmarsh" / "units.csv"
    with units.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["area"] = fx.LOCALITIES[r["district"]][0]
        r["children_on_plans"] = str(CHILDREN[r["district"]])
    with units.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    # docs/adopting.md step 5: the analyst keeps init's proposal for "Partially": a partial
    # answer is neither compliant nor non-compliant (counts_as: excluded), counted on its own
    profile = tmp / "fenmarsh" / "profile.yaml"
    assert re.search(r'counts_as: "?excluded"?', profile.read_text(encoding="utf-8"))
    params = tmp / "fenmarsh" / "cycle.yaml"
    run = _kentaudit("run", params, "--jobs", "2", cwd=tmp)
    cycle_dir = tmp / "fenmarsh" / "outputs" / "2025-26"
    check = _kentaudit("check-publication", cycle_dir / "publish", "--restricted", cycle_dir / "restricted",
                       "--params", params, cwd=tmp) if run.returncode == 0 else None
    return {"run": run, "check": check, "dir": cycle_dir, "params": params, "tmp": tmp}


def _published_text(folder: Path) -> str:
    parts = []
    for p in sorted(folder.rglob("*")):
        if p.suffix in (".html", ".csv", ".json", ".txt", ".md"):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def test_the_cycle_runs_and_publishes(fenmarsh):
    run = fenmarsh["run"]
    assert run.returncode == 0, (run.stdout[-4000:], run.stderr[-6000:])
    assert "240 read = 240 accepted + 0 rejected" in run.stdout + run.stderr


def test_every_notebook_ran_including_each_localitys_profile(fenmarsh):
    assert fenmarsh["run"].returncode == 0
    nbs = {p.stem for p in (fenmarsh["dir"] / "notebooks").glob("*.ipynb")}
    assert {"compliance", "data_quality", "districts", "trends"} <= nbs
    codes = {r["district_code"] for r in csv.DictReader((fenmarsh["tmp"] / "fenmarsh" / "units.csv").open())}
    assert {f"district_profile__{c}" for c in codes} <= nbs


def test_the_appendix_is_published_in_every_promised_format(fenmarsh):
    from kentaudit.inputs.params import load_params
    assert fenmarsh["run"].returncode == 0
    pub = fenmarsh["dir"] / "publish"
    promised = load_params(fenmarsh["params"]).publication.formats
    suffixes = {p.suffix.lstrip(".") for p in pub.rglob("*") if p.is_file()}
    assert set(promised) <= suffixes, (promised, sorted(suffixes))


def test_the_publication_check_is_clean(fenmarsh):
    check = fenmarsh["check"]
    assert check is not None and check.returncode == 0, (check.stdout[-4000:], check.stderr[-4000:])


def test_the_outputs_name_fenmarsh_its_localities_and_its_scale_and_never_kent(fenmarsh):
    assert fenmarsh["run"].returncode == 0
    text = _published_text(fenmarsh["dir"] / "publish")
    assert fx.SHORT_NAME in text and fx.NAME in text
    for locality in fx.LOCALITIES:
        assert locality in text, locality
    assert "Excellent" in text and "Requires improvement" in text and "Inadequate" in text
    assert "2025/26" in text
    assert not KENT.search(text), KENT.search(text).string[max(0, KENT.search(text).start() - 200):][:400]
    assert not DISTRICT.search(text), DISTRICT.search(text).string[max(0, DISTRICT.search(text).start() - 200):][:400]


def test_partial_answers_are_published_apart_and_outside_the_denominator(fenmarsh):
    """counts_as: excluded, as init proposes: Table 4 as published shows every question's
    "Partially" answers in its own column (n_partial), the export's own counts, and the
    compliance proportion is yes / (yes + no): the partial answers are outside it."""
    assert fenmarsh["run"].returncode == 0
    t4 = pd.read_csv(fenmarsh["dir"] / "publish" / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    assert "n_partial" in t4.columns
    export = fx.rows()
    labels = dict(zip(t4["criterion_label"], range(len(t4))))
    shown = 0
    for q in fx.QUESTIONS:
        row = t4.iloc[labels[q.split(". ", 1)[1]]]
        said = [r[q] for r in export]
        expect = {"n_yes": said.count("Yes"), "n_no": said.count("No"), "n_partial": said.count("Partially"),
                  "n_not_applicable": said.count("N/A"), "n_missing": said.count(None),
                  "n_denominator": said.count("Yes") + said.count("No"), "n_audits": len(said)}
        for col, n in expect.items():
            if row[col] != "[c]":
                assert int(row[col]) == n, (q, col, row[col], n)
        if "[c]" not in (row["n_yes"], row["n_denominator"], row["estimate"]):
            shown += 1
            assert float(row["estimate"]) == pytest.approx(100 * said.count("Yes") / expect["n_denominator"], abs=0.05)
    assert shown == len(fx.QUESTIONS)
    # the published description of Table 4 says so too: partial answers are their own level
    meta = json.loads((fenmarsh["dir"] / "publish" / "csv" / "metadata.json").read_text(encoding="utf-8"))
    assert "partial" in meta["universe"]["answers"]
    t4m = next(t for t in meta["tables"] if t["id"] == "T4")
    assert t4m["defines"]["columns"]["n_denominator"] == {"answer": ["yes", "no"]}
    assert t4m["defines"]["columns"]["n_partial"] == {"answer": ["partial"]}


def test_the_five_point_scale_is_the_grade_dimension_of_disclosure_control(fenmarsh):
    """Table 8 shows Fenmarsh's five grades, each counted as its own grade (the fifth is no
    longer outside the model), and the published universe names the scale."""
    assert fenmarsh["run"].returncode == 0
    meta = json.loads((fenmarsh["dir"] / "publish" / "csv" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["universe"]["grades"] == ["1", "2", "3", "4", "5", "missing"]
    t8 = pd.read_csv(fenmarsh["dir"] / "publish" / "csv" / "T8.csv", dtype=str, keep_default_na=False)
    assert {g.split(" ", 1)[0] for g in t8["grade"] if g != "Total"} == {"1", "2", "3", "4", "5"}


def test_reviewer_pages_and_manifest_say_the_label_not_the_id(fenmarsh):
    assert fenmarsh["run"].returncode == 0
    manifest = json.loads((fenmarsh["dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest, "manifest"
    html = (fenmarsh["dir"] / "publish").rglob("*.html")
    page = next(iter(html)).read_text(encoding="utf-8")
    assert "2025/26" in page
    shown = pd.Series(re.findall(r">[^<]*2025-26[^<]*<", page))
    assert shown.empty, shown.tolist()[:5]


#: what only a declared extension (samples.<name>.extends) may say: Kent's extended sample's words
#: (the design-based estimate's "a certainty stratum taken in full" of the compliance notebook and
#: Table 15 is not the extension's: it is said of any sample chosen on purpose)
EXTENSION_CLAIMS = re.compile(r"additional cases|the extended sample|scored higher than the initial|"
                              r"initial and (?:the )?additional", re.IGNORECASE)


def test_a_themed_audit_beside_a_random_sample_is_never_called_an_extension(fenmarsh):
    """Fenmarsh's themed audit (chosen on purpose) and its random sample are two programmes: its
    profile declares no ``extends:``, so nothing the runner writes compares them as an extension;
    the notebook is not run, and the manifest, the run summary and the appendix say why, in words."""
    run = fenmarsh["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    why = f"no sample of {fx.SHORT_NAME} extends another (profile: samples."
    manifest = json.loads((fenmarsh["dir"] / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["notebooks"] if e["notebook"] == "initial_vs_extended")
    assert entry["status"] == "skipped" and why in entry["error"], entry  # the manifest keeps the reason there
    assert why in run.stdout
    html = (fenmarsh["dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert re.search(r"<li>Table 5 \(Compliance in a sample and the cases drawn to extend it\): "
                     + re.escape(why), html), re.findall(r"<li>Table 5[^<]*</li>", html)
    for p in sorted(fenmarsh["dir"].rglob("*")):
        if p.is_file() and p.suffix in (".html", ".csv", ".json", ".txt", ".md", ".ipynb", ".log"):
            text = p.read_text(encoding="utf-8", errors="replace")
            text = re.sub(r"Table 5 \(Compliance in a sample and the cases drawn to extend it\)", "", text)
            found = EXTENSION_CLAIMS.findall(text)
            assert not found, (p.relative_to(fenmarsh["dir"]), found[:5])


def test_the_run_summary_names_the_unit_in_the_councils_word_and_titles_every_table_not_published(fenmarsh):
    out = fenmarsh["run"].stdout
    head = next(line for line in out.splitlines() if line.startswith("notebook "))
    assert head.split()[:3] == ["notebook", "locality", "status"], head
    lines = [line for line in out.splitlines() if line.startswith("appendix: ") and "not published" in line]
    assert lines, out[-3000:]
    for line in lines:
        assert re.match(r"appendix: (Table|Figure) \d+ \([^)]+\) not published: \S", line), line


def test_the_published_columns_name_the_unit_and_area_in_fenmarshs_words(fenmarsh):
    """The CSVs, metadata.json and the HTML's data-column name the unit and area columns by the
    profile's words in snake_case (docs/appendix.md, "Published column names"); the spreadsheets
    head them with the words; the check read them (test_the_publication_check_is_clean)."""
    from kentaudit.inputs.params import load_params
    from kentaudit.publication.names import snake_case
    assert fenmarsh["run"].returncode == 0
    words = load_params(fenmarsh["params"]).profile.words
    unit, area = snake_case(words.unit), snake_case(words.area)
    assert unit != "district"
    pub = fenmarsh["dir"] / "publish"
    for tid in ("T3", "T7"):
        cols = list(pd.read_csv(pub / "csv" / f"{tid}.csv", dtype=str, nrows=1).columns)
        assert unit in cols and area in cols and "district" not in cols, (tid, cols)
    meta = json.loads((pub / "csv" / "metadata.json").read_text(encoding="utf-8"))
    for t in meta["tables"]:
        names = [c["name"] for c in t["columns"]]
        assert "district" not in names, (t["id"], names)
        assert set((t.get("defines") or {}).get("labels") or {}) <= set(names), t["id"]
    assert meta["universe"]["authority"] == words.authority
    html = (pub / "appendix.html").read_text(encoding="utf-8")
    assert f'data-column="{unit}"' in html and 'data-column="district"' not in html
    sheet = pd.read_excel(pub / "appendix.xlsx", sheet_name="Table 3", header=None, dtype=str)
    assert words.Unit in set(sheet.to_numpy().ravel()), words.Unit


def _sentences_with_files_answered(cycle_dir: Path) -> list:
    """Every sentence saying "<k> of the <n> files answered" in the appendix's findings
    (RESTRICTED_findings.csv) and on the reviewer pages, with its n."""
    b = pd.read_csv(cycle_dir / "restricted" / "RESTRICTED_findings.csv", dtype=str, keep_default_na=False)
    texts = list(dict.fromkeys(b["sentence"]))
    for page in sorted((cycle_dir / "html").glob("*.html")):
        words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
        texts += [t for t in re.split(r"(?<=\.) (?=[A-Z])", words) if "files answered" in t]
    return [(t, int(n)) for t in texts for n in re.findall(r"of the (\d+) files answered", t)]


def check_no_pooled_count_is_one_samples(cycle_dir: Path):
    """No sentence states a count as one sample's when it pools several: a sentence naming one of
    several main samples (Table 1's) never says more files answered than that sample's audits."""
    t1 = pd.read_csv(cycle_dir / "publish" / "csv" / "T1.csv", dtype=str, keep_default_na=False)
    audits = {r["sample"]: int(r["n_audits"]) for _, r in t1.iterrows() if r["sample"] != "Total"}
    said = _sentences_with_files_answered(cycle_dir)
    assert said or len(audits) > 1  # one sample: its Table 4 figure is said with its counts
    for sentence, answered in said:
        named = [s for s in audits if s.replace("_", " ") in sentence.lower()]
        if len(audits) > 1 and len(named) == 1:
            assert answered <= audits[named[0]], (sentence, named[0], audits[named[0]])


def test_a_count_of_both_samples_is_never_stated_as_the_random_samples(fenmarsh):
    # seen (review 27, F3): "In the random sample, 71.4% met the headline criterion ..., in 142 of
    # the 199 files answered", where the random sample holds 191 audits and Table 4 (and the
    # compliance page's table) pools it with the themed audit
    check_no_pooled_count_is_one_samples(fenmarsh["dir"])


def test_reviewer_pages_name_samples_and_the_cycle_as_readers_know_them(fenmarsh):
    """Seen (review 28): the compliance page's grade tables read "random_sample" and
    "themed_audit", the estimate's caption "Sample: random_sample", a figure "2025-26"."""
    check_reviewer_words(fenmarsh["dir"], cycle_id="2025-26")


def check_reviewer_words(cycle_dir: Path, cycle_id: str):
    """No sample's name in the data (one a reader would not write: "random_sample") in a reviewer
    page's tables, captions and findings (the provenance block lists the parameters as named),
    and no figure captioned with the cycle's folder name instead of its label."""
    t1 = pd.read_csv(cycle_dir / "publish" / "csv" / "T1.csv", dtype=str, keep_default_na=False)
    codes = [s for s in t1["sample"] if s != "Total" and not re.fullmatch(r"[A-Za-z ]+", s)]
    assert codes  # Fenmarsh's samples are named random_sample and themed_audit
    for page in sorted((cycle_dir / "html").glob("*.html")):
        raw = page.read_text(encoding="utf-8")
        raw = re.sub(r"<(script|style|details)\b.*?</\1>", " ", raw, flags=re.DOTALL)
        text = re.sub(r"data:[^\s\"']+", " ", re.sub(r"<[^>]+>", " ", raw))
        said = [c for c in codes if re.search(rf"(?<![\w/.-]){re.escape(c)}(?![\w/.-])", text)]
        assert not said, (page.name, said)
        for cap in re.findall(r"<figcaption>(.*?)</figcaption>", raw, re.DOTALL):
            assert cycle_id not in cap, (page.name, cap)
