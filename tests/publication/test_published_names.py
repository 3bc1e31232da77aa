"""Published column names follow the authority's words (docs/appendix.md, "Published column names").

A pod-based authority's published CSVs head its unit column ``pod`` and its area column
``quadrant`` (its profile's ``words.unit`` and ``words.area`` in snake_case), in the CSVs, in
``metadata.json`` (columns, definitions, relations, release cells) and in the HTML's
``data-column``; the XLSX and ODS headers are the profile's words. The publication check reads
the renamed files by the dimension ``metadata.json`` gives each column, is clean on them, and
still catches a count planted unsuppressed in a renamed column. Kent's names do not change.
"""
from __future__ import annotations

import dataclasses
import json
import shutil

import pandas as pd
import pytest

from kentaudit.inputs.profile import Words, bundled_profile
from kentaudit.publication.names import (PublishedNameError, publish_name, publish_table_metadata,
                                         published_names, snake_case)

#: a pod-based authority's words; the fake cycle's results label the total rows "Kent" and
#: "All districts", so the authority's name and the plural stay those of the fake
POD = dict(authority="Kent", unit="pod", units="districts", area="quadrant", areas="quadrants")


def test_a_word_is_published_in_snake_case():
    assert snake_case("Social work team") == "social_work_team"
    assert snake_case("Quadrant") == "quadrant"
    assert snake_case("Équipe") == "equipe"


def test_kents_words_keep_the_internal_names():
    w = bundled_profile().words
    assert published_names(w) == {"district": "district", "area": "area"}


def test_a_pod_authority_names_its_unit_and_area_columns_in_its_words():
    names = published_names(Words(**POD))
    assert names == {"district": "pod", "area": "quadrant"}
    assert publish_name("district_is_total", names) == "pod_is_total"
    assert publish_name("n_yes", names) == "n_yes"


@pytest.mark.parametrize("unit, area, why", [
    ("criterion", "quadrant", "already another column"),
    ("pod", "Pod", "the same published column name"),
    ("\u5c0f\u7ec4", "quadrant", "starts with a Latin letter"),
])
def test_a_word_that_gives_no_usable_name_is_refused_with_the_profile_key(unit, area, why):
    with pytest.raises(PublishedNameError, match=why):
        published_names(Words(authority="X", unit=unit, area=area), taken=["criterion", "n_yes"])


def test_metadata_names_every_column_it_holds_in_the_published_words():
    meta = {"columns": [{"name": "area", "derived_from": []}, {"name": "district", "derived_from": []},
                        {"name": "p", "derived_from": ["n_yes"],
                         "share_of": {"where": {"area": "Kent"}, "within": ["criterion", "district"]}}],
            "defines": {"labels": {"area": "area", "district": "district"}, "fixed": {"district": ["A"]}},
            "adjusted_p_values": {"p_adjusted": {"raw": "p_value", "family": ["criterion", "district_is_total"]}},
            "sums": [], "total_rows": [{"where": {"district": "Total"}, "within": ["sample"], "parts_where": None,
                                        "columns": ["n_audits"]}],
            "links": [{"table": "T1", "on": ["sample", "district"], "columns": {"n_audits": "n_audits"},
                       "where": {"district": "Total"}, "other_where": {}}]}
    out = publish_table_metadata(meta, {"district": "pod", "area": "quadrant"})
    assert [c["name"] for c in out["columns"]] == ["quadrant", "pod", "p"]
    assert out["columns"][2]["share_of"] == {"where": {"quadrant": "Kent"}, "within": ["criterion", "pod"]}
    # the labels map each published column to its dimension; the dimensions keep their names
    assert out["defines"]["labels"] == {"quadrant": "area", "pod": "district"}
    assert out["defines"]["fixed"] == {"district": ["A"]}
    assert out["adjusted_p_values"]["p_adjusted"]["family"] == ["criterion", "pod_is_total"]
    assert out["total_rows"][0]["where"] == {"pod": "Total"}
    assert out["links"][0]["on"] == ["sample", "pod"] and out["links"][0]["where"] == {"pod": "Total"}
    assert meta["columns"][0]["name"] == "area"  # the table's own metadata is not changed


@pytest.fixture(scope="module")
def pod_appendix(tmp_path_factory):
    """The fake cycle's appendix (tests/appendix_fake.py) built for a pod-based authority."""
    from appendix_fake import write_fake_cycle

    from kentaudit.publication.appendix import build_appendix

    out = tmp_path_factory.mktemp("pod-appendix") / "2009"
    params = write_fake_cycle(out)
    params["profile"] = dataclasses.replace(bundled_profile(), words=Words(**POD))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KENTAUDIT_PDF_ENGINE", raising=False)
        result = build_appendix(params, out)
    return result


def _csv(pub, tid):
    return pd.read_csv(pub / "csv" / f"{tid}.csv", dtype=str, keep_default_na=False)


def test_the_published_csvs_and_metadata_name_pods_and_quadrants(pod_appendix):
    pub = pod_appendix.publish_dir
    for tid in ("T3", "T7"):
        cols = list(_csv(pub, tid).columns)
        assert "pod" in cols and "quadrant" in cols, (tid, cols)
        assert "district" not in cols and "area" not in cols, (tid, cols)
    meta = json.loads((pub / "csv" / "metadata.json").read_text(encoding="utf-8"))
    text = json.dumps([t for t in meta["tables"]])
    for t in meta["tables"]:
        names = [c["name"] for c in t["columns"]]
        assert "district" not in names and "area" not in names, (t["id"], names)
        labels = (t.get("defines") or {}).get("labels") or {}
        assert set(labels) <= set(names), (t["id"], labels)
    t7 = next(t for t in meta["tables"] if t["id"] == "T7")
    assert t7["defines"]["labels"]["pod"] == "district" and t7["defines"]["labels"]["quadrant"] == "area"
    assert all(w["where"].keys() <= {"pod", "quadrant"} for w in t7["total_rows"])
    assert '"district_is_total"' not in text
    assert meta["universe"]["authority"] == "Kent"
    # the HTML's data-column is the published name too
    html = (pub / "appendix.html").read_text(encoding="utf-8")
    assert 'data-column="pod"' in html and 'data-column="district"' not in html


def test_the_spreadsheets_head_the_columns_in_the_profiles_words(pod_appendix):
    pub = pod_appendix.publish_dir
    for path, engine in ((pub / "appendix.xlsx", "openpyxl"), (pub / "appendix.ods", "odf")):
        sheet = pd.read_excel(path, sheet_name="Table 3", header=None, engine=engine, dtype=str)
        cells = {str(v) for v in sheet.to_numpy().ravel()}
        assert "Pod" in cells and "Quadrant" in cells, (path.name, sorted(cells)[:30])


def test_the_publication_check_is_clean_on_the_renamed_files(pod_appendix):
    from kentaudit.publication.check.folder import check_publication
    found = check_publication(pod_appendix.publish_dir, restricted_dir=pod_appendix.restricted_dir, threshold=5)
    assert not found, found[:5]


def test_the_check_catches_a_count_planted_unsuppressed_in_a_renamed_column(pod_appendix, tmp_path):
    """A pod's hidden audit count of T3 written back as its true value (1 to 5). Only its row's
    pod makes it sensitive (a count of the whole authority's records is shown whatever its
    size), so the check catches it only by reading the ``pod`` column as the unit dimension
    from metadata.json."""
    from kentaudit.publication.check.folder import check_publication
    pub = tmp_path / "publish"
    shutil.copytree(pod_appendix.publish_dir, pub)
    t3 = _csv(pub, "T3")
    true = pd.read_csv(pod_appendix.restricted_dir / "RESTRICTED_T3.csv", dtype=str, keep_default_na=False)
    i = next(i for i in range(len(t3)) if t3.at[i, "n_audits"] == "[c]")
    assert (true.at[i, "district"], true.at[i, "sample"]) == (t3.at[i, "pod"], t3.at[i, "sample"])
    assert 1 <= int(true.at[i, "n_audits"]) <= 5
    t3.at[i, "n_audits"] = true.at[i, "n_audits"]
    t3.to_csv(pub / "csv" / "T3.csv", index=False)
    found = check_publication(pub, restricted_dir=pod_appendix.restricted_dir, threshold=5)
    assert [(f.file, f.kind) for f in found if f.location.startswith(f"line {i + 2},")] == \
        [("csv/T3.csv", "small_count")], found[:5]


def _renamed(pub, names):
    """``pub`` as a pod-based authority publishes it: the same files, the unit and area columns
    named by ``names`` in every CSV and in metadata.json (the writers' one mapping)."""
    for f in (pub / "csv").glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        df.rename(columns=names).to_csv(f, index=False)
    mf = pub / "csv" / "metadata.json"
    meta = json.loads(mf.read_text(encoding="utf-8"))
    meta["tables"] = [publish_table_metadata(t, names) for t in meta["tables"]]
    mf.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return pub


@pytest.mark.slow
def test_the_funnel_band_attack_reads_renamed_unit_columns(cycle_2009, tmp_path):
    """The 2009 default cycle's Table 7 with the bands the analysis has (docs/appendix.md: they
    narrow two hidden yes counts of supervision below the protection width), published with
    ``pod`` and ``quadrant`` columns: the attack finds the same two narrowed counts, reading the
    unit column by the dimension metadata.json gives it, and nothing in the published files."""
    from kentaudit.publication.check.attack import attack
    assert cycle_2009["code"] == 0
    pub = tmp_path / "publish"
    shutil.copytree(cycle_2009["cycle_dir"] / "publish", pub)
    names = {"district": "pod", "area": "quadrant"}
    _renamed(pub, names)
    assert attack(pub).findings == []
    t7 = _csv(pub, "T7")
    true = pd.read_csv(cycle_2009["cycle_dir"] / "restricted" / "RESTRICTED_T7.csv", dtype=str,
                       keep_default_na=False)
    for i in t7.index:
        if t7.at[i, "funnel_band"] == "[c]" and "[c]" not in (t7.at[i, "n_yes"], t7.at[i, "n_denominator"]):
            t7.at[i, "funnel_band"] = true.at[i, "funnel_band"]
    t7.to_csv(pub / "csv" / "T7.csv", index=False)
    found = [x for x in attack(pub).findings if "funnel bands of criterion supervision" in x[2]]
    assert len(found) == 2, found
