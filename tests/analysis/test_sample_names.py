"""Samples named and designed by the profile, and grades whose highest number is best (issue 22).

Loamshire (Borsetshire's localities and quadrants, ``other_authority.py``) audits two random
rounds a year, ``spring`` and ``autumn``, and a ``themed`` audit of cases chosen on purpose; it
has no record source, and its grade scale runs from 1 Inadequate to 4 Outstanding
(``grade_best: highest``). Its audits are Kent's synthetic 2012-2013 audits with the samples
renamed (by the month audited; every eighth file themed) and every grade turned round (5 - g),
so each grade keeps its label. Its cycle goes through the analysis and the appendix build, and
nothing a reader receives names Kent's samples ("annual", "initial", "extended", "reaudit").
"""
from __future__ import annotations

import html
import json
import re
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml
from other_authority import write_authority

from kentaudit import analysis
from kentaudit.analysis.common import programme_samples, sample_design
from kentaudit.publication.appendix import build_appendix

#: the sections of the cycle's notebooks (the district profile of one locality besides)
SECTIONS = ("data_quality", "compliance_summary", "districts", "district_ranks", "trends")
#: Kent's sample names, as words
KENT_SAMPLES = re.compile(r"\b(annual|initial|extended|re-?audit)\b", re.IGNORECASE)
GRADES = ("Inadequate", "Requires improvement", "Good", "Outstanding")  # 1 .. 4, 4 best
TEXT = {"scope": "Loamshire's statistical appendix to its {cycle} case-file audit report",
        "source": "{producer}: audits of the case files of Loamshire's children",
        "publication": "The audits describe what the files record, not the work done."}


def _renamed(df: pd.DataFrame) -> pd.DataFrame:
    month = pd.to_datetime(df["audit_date"]).dt.month
    df["sample"] = month.map(lambda m: "spring" if m <= 6 else "autumn")
    df.loc[df.index % 8 == 0, "sample"] = "themed"
    for c in [c for c in df.columns if c == "overall_grade" or c == "moderated_grade" or c.startswith("grade_")]:
        g = pd.to_numeric(df[c], errors="coerce")
        df[c] = (5 - g).astype("Int64").astype(str).where(g.notna(), "")
    return df.drop(columns=["record_source"])


def write_loamshire(folder: Path) -> Path:
    params = write_authority(folder, years=(2012, 2013))
    for y in (2012, 2013):
        f = folder / f"audits_{y}.csv"
        _renamed(pd.read_csv(f, dtype=str, keep_default_na=False)).to_csv(f, index=False)
    # Loamshire's own wording of its questions (Kent's catalogue says "initial" of assessments)
    q = folder / "questions.csv"
    q.write_text(re.sub(r"\b[Ii]nitial\b", lambda m: "First" if m.group(0)[0] == "I" else "first",
                        q.read_text(encoding="utf-8")), encoding="utf-8")
    pd.DataFrame({"scale": "loamshire", "first_cycle": 2000, "last_cycle": "", "grade": [1, 2, 3, 4],
                  "label": list(GRADES)}).to_csv(folder / "grades.csv", index=False)
    prof = yaml.safe_load((folder / "profile.yaml").read_text())
    prof.update({"name": "Loamshire County Council", "short_name": "Loamshire", "grade_scales": "grades.csv",
                 "grade_best": "highest",
                 "samples": {"spring": {"design": "random", "label": "Spring round"},
                             "autumn": {"design": "random", "label": "Autumn round"},
                             "themed": {"design": "purposive", "label": "Themed audit"}},
                 "text": TEXT})
    (folder / "profile.yaml").write_text(yaml.safe_dump(prof, sort_keys=False))
    doc = yaml.safe_load(params.read_text())
    doc.update({"title": "Loamshire case-file audit 2013 (synthetic data)", "samples": ["spring", "autumn", "themed"],
                "grade_scale": "loamshire"})
    doc["publication"]["authority"] = "Loamshire"
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    return params


@pytest.fixture(scope="module")
def loamshire(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loamshire")
    cd = analysis.load_cycle(write_loamshire(folder))
    out = folder / "outputs" / "2013"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sections = {name: getattr(analysis, name)(cd) for name in SECTIONS}
        for s in sections.values():
            s.save(out / "results", out / "figures")
        prof = analysis.district_profile(cd, "ASV")
        prof.save(out / "results", out / "figures", district="ASV")
        appendix = build_appendix(cd.params, out)
    return {"cd": cd, "sections": sections, "out": out, "appendix": appendix}


def _reader_texts(out: Path, publish: Path) -> list[tuple[str, str]]:
    """(where, text) of everything a reader receives: results tables' text cells, figures' captions
    and alt text, the appendix in HTML, XLSX, ODS and CSV."""
    found = []
    for f in sorted((out / "results").glob("*.csv")):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        found += [(f.name, v) for c in frame.columns for v in frame[c] if v]
    for f in sorted((out / "figures").glob("*.json")):
        found.append((f.name, f.read_text(encoding="utf-8")))
    found.append(("appendix.html", html.unescape(re.sub(r"<[^>]+>", " ",
                                                        (publish / "appendix.html").read_text(encoding="utf-8")))))
    for book in ("appendix.xlsx", "appendix.ods"):
        with zipfile.ZipFile(publish / book) as z:
            found += [(f"{book}:{n}", html.unescape(z.read(n).decode("utf-8")))
                      for n in z.namelist() if n.endswith(".xml")]
    for f in sorted((publish / "csv").glob("*")):
        found.append((f.name, f.read_text(encoding="utf-8")))
    return found


def test_the_cycle_reads_its_samples_designs_from_the_profile(loamshire):
    cd = loamshire["cd"]
    assert cd.params.main_samples == ("spring", "autumn", "themed")
    assert cd.params.random_samples == ("spring", "autumn")
    assert list(cd.district_samples) == ["spring", "autumn"]  # district comparisons: the random samples
    assert programme_samples(cd) == ("spring", "autumn")  # pooled with the earlier cycle
    # rounds drawn at random beside a themed audit chosen on purpose are separate programmes: no
    # extension is compared unless the profile declares one (samples.<name>.extends)
    assert sample_design(cd) == (None, None, None)
    samples = tuple(replace(s, extends="themed") if s.name == "spring" else s for s in cd.params.profile.samples)
    declared = replace(cd, params=replace(cd.params, profile=replace(cd.params.profile, samples=samples)))
    assert sample_design(declared) == ("themed", "spring", None)


def test_the_programme_tables_pool_the_random_rounds_of_both_cycles(loamshire):
    res = loamshire["out"] / "results"
    fp = pd.read_csv(res / "funnel_programme.csv")
    assert set(fp["samples"]) == {"spring + autumn"} and set(fp["cycles"]) == {"2012, 2013"}
    assert set(pd.read_csv(res / "shrunken_programme.csv")["samples"]) == {"spring + autumn"}


def test_grades_are_collapsed_and_drawn_with_the_highest_best(loamshire):
    res = loamshire["out"] / "results"
    gc = pd.read_csv(res / "grade_collapsed.csv")
    assert set(gc["definition"]) == {"grade 4 or 3 (good or better)", "grade 1 (inadequate)"}
    cd = loamshire["cd"]
    a = cd.audits
    themed = a.loc[a["sample"] == "themed", "overall_grade"].dropna().astype(int)
    row = gc[(gc["sample"] == "themed") & (gc["collapse"] == "good_or_better")].iloc[0]
    assert row["n"] == int((themed >= 3).sum()) and row["n_graded"] == len(themed)
    fig = json.loads((loamshire["out"] / "figures" / "grades_by_sample.json").read_text())
    text = json.dumps(fig)
    assert "4 = Outstanding, 3 = Good, 2 = Requires improvement, 1 = Inadequate" in text
    assert "Spring round" in text and "Themed audit" in text


def test_the_appendix_names_the_samples_by_the_profiles_labels_and_phrases(loamshire):
    res = loamshire["appendix"]
    page = html.unescape((res.publish_dir / "appendix.html").read_text(encoding="utf-8"))
    assert "(samples: spring round, autumn round, themed audit)" in page
    # the district comparisons read the random rounds and leave the themed audit out, saying why
    assert "use the spring round and the autumn round only" in page
    assert "the themed audit were chosen differently between localities" in page


def test_the_appendix_uses_the_profiles_own_text(loamshire):
    res = loamshire["appendix"]
    page = html.unescape((res.publish_dir / "appendix.html").read_text(encoding="utf-8"))
    assert "Loamshire's statistical appendix to its 2013 case-file audit report (samples:" in page
    assert "Loamshire County Council: audits of the case files of Loamshire's children, cycle 2013" in page
    assert TEXT["publication"] in page
    assert "Statistical appendix to the report of" not in page


#: the list of tables an edition does not have ("Not produced for this cycle: Table 5 (Compliance in
#: the initial and the extended samples): this review has no additional cases (extended sample)"):
#: the appendix spec's ``applies_to`` and titles name the bundled example's samples
NOT_PRODUCED = re.compile(r"Not produced for this cycle:.*?(?=</t>|</text:p>|$)|Table (?:5|6|14|15) \([^)]*\)"
                          r"(?:: this review has no [^.<]*?(?=Table \d|$|<))?", re.DOTALL)


def _found(loamshire, *, listed: bool):
    out = []
    for where, text in _reader_texts(loamshire["out"], loamshire["appendix"].publish_dir):
        if where.split(":")[-1].startswith(("docProps/", "[Content_Types]")):
            continue  # the workbook's own XML vocabulary ("extended-properties")
        parts = NOT_PRODUCED.findall(text) if listed else [NOT_PRODUCED.sub(" ", text)]
        out += [(where, m.group(0), part[max(0, m.start() - 60):m.end() + 60])
                for part in parts for m in KENT_SAMPLES.finditer(part)]
    return out


def test_nothing_a_reader_receives_names_kents_samples(loamshire):
    assert _found(loamshire, listed=False) == []


def test_the_list_of_tables_not_produced_names_no_sample_of_kents(loamshire):
    assert _found(loamshire, listed=True) == []


def test_earlier_releases_are_rebuilt_with_the_profiles_sample_order_and_main_samples(loamshire):
    from kentaudit.publication import releases

    cd, res = loamshire["cd"], loamshire["out"] / "results"
    counts = pd.read_csv(res / "programme_counts.csv", dtype={"cycle": str})
    grades = pd.read_csv(res / "programme_grades.csv", dtype={"cycle": str, "grade": str})
    crit = list(dict.fromkeys(counts["criterion"]))
    prof = cd.params.profile
    fr = releases.release_frames(counts, grades, "2013", criteria=crit, districts=cd.districts,
                                 grade_labels=dict(enumerate(GRADES, 1)), words=cd.words,
                                 sample_order=prof.sample_names, main_samples=prof.main_samples)
    assert list(fr["sample_summary"]["sample"]) == ["spring", "autumn", "themed", "Total"]
    # the earlier cycle's trend counts every main sample of the profile (none of them is Kent's)
    t12 = fr["trend"][fr["trend"]["cycle"] == "2012"].set_index("criterion")["n_denominator"]
    c12 = counts[counts["cycle"] == "2012"].groupby("criterion")["n_denominator"].sum()
    assert (t12.loc[c12.index] == c12).all() and c12.sum() > 0
    # with the bundled example's (Kent's) main samples the earlier cycle would count nothing
    kent = releases.release_frames(counts, grades, "2013", criteria=crit, districts=cd.districts,
                                   grade_labels=dict(enumerate(GRADES, 1)), words=cd.words)
    assert kent["trend"].loc[kent["trend"]["cycle"] == "2012", "n_denominator"].sum() == 0
    assert (loamshire["out"] / "restricted" / "earlier_releases" / "2012").is_dir()
