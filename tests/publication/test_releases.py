"""Earlier appendices of the programme modelled as they would have been published
(issue 11, item 5): the protection of the 2013 appendix holds over the 2010-2012
appendices as well as over its own counts."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_disclosure_structures import run_structure

from kentaudit.inputs.reference import districts
from kentaudit.publication import releases
from kentaudit.publication.appendix import load_spec
from kentaudit.publication.check.folder import check_publication


@pytest.fixture(scope="module")
def run13(cycle_2013):
    assert cycle_2013["code"] == 0
    return cycle_2013["cycle_dir"]


@pytest.fixture(scope="module")
def rare13(shared_tmp):
    """The 2013 cycle with the genogram criterion answered "no" in only 3 audits in 2012 and
    in 2013 (structure ``rare_no``, tests/fixtures/structures/make_structure.py): the modelled
    2012 appendix must hide an authority-wide count of one criterion's answers, which the
    default programme's earlier appendices no longer do (authority-wide answered and "not
    recorded" counts are not sensitive, docs/appendix.md)."""
    run = run_structure(shared_tmp, "rare_no", "2013")
    assert run["code"] == 0
    return run["dir"]


def _res(run, name):
    return pd.read_csv(run / "results" / f"{name}.csv", dtype={"cycle": str, "previous_cycle": str})


def _meta(folder):
    return json.loads((Path(folder) / "csv" / "metadata.json").read_text(encoding="utf-8"))


def _frames(run, cycle):
    counts, grades = _res(run, "programme_counts"), _res(run, "programme_grades")
    grades["grade"] = grades["grade"].astype(str)
    crit = list(dict.fromkeys(counts["criterion"]))
    labels = {int(g[0]): g for g in _res(run, "grades")["grade"] if g != "Total"}
    return releases.release_frames(counts, grades, cycle, criteria=crit, districts=districts(),
                                   grade_labels=labels)


def test_programme_counts_of_this_cycle_add_up_to_its_compliance_table(run13):
    pc = _res(run13, "programme_counts")
    kent = pc[pc["cycle"] == "2013"].groupby("criterion")[["n_yes", "n_no", "n_not_applicable", "n_missing",
                                                           "n_audits"]].sum()
    cbc = _res(run13, "compliance_by_criterion").set_index("criterion")
    for c in ("n_yes", "n_no", "n_not_applicable", "n_missing", "n_audits"):
        assert (kent.loc[cbc.index, c] == cbc[c]).all(), c


@pytest.mark.parametrize("name,keys,counts", [
    ("compliance_by_criterion", ["criterion"], ["n_audits", "n_yes", "n_no", "n_denominator",
                                                "n_not_applicable", "n_missing"]),
    ("compliance_by_district", ["criterion", "area", "district"], ["n_yes", "n_denominator"]),
    ("sample_summary", ["sample"], ["n_audits"]),
    ("sample_by_district", ["sample", "area", "district"], ["n_audits"]),
    ("grades", ["sample", "grade"], ["n_audits"]),
    ("trend", ["criterion", "cycle"], ["n_yes", "n_denominator"]),
    ("change_since_previous", ["criterion", "previous_cycle"], ["n_yes_previous", "n_denominator_previous",
                                                                "n_yes", "n_denominator"]),
])
def test_rebuilt_tables_of_this_cycle_equal_the_notebooks_tables(run13, name, keys, counts):
    # the model of an earlier appendix is only as good as its tables: rebuilt for 2013
    # from the programme counts they must equal what the notebooks computed from records
    got = _frames(run13, "2013")[name]
    want = _res(run13, name)
    got = got.astype({k: str for k in keys}).set_index(keys)[counts].sort_index()
    want = want.astype({k: str for k in keys}).set_index(keys)[counts].sort_index()
    assert list(got.index) == list(want.index)
    assert (got.to_numpy() == want.to_numpy()).all()


def test_release_spec_keeps_counts_and_definitions_only():
    spec = releases.release_spec(load_spec())
    assert [t["id"] for t in spec["tables"]] == list(releases.RELEASE_TABLES)
    for t in spec["tables"]:
        assert {c["kind"] for c in t["columns"]} <= {"label", "count"}
        assert "defines" in t and "join" not in t


def test_the_2013_appendix_models_the_2010_to_2012_appendices(run13):
    folder = run13 / "restricted" / "earlier_releases"
    assert sorted(p.name for p in folder.iterdir()) == ["2010", "2011", "2012"]
    for y in ("2010", "2011", "2012"):
        m = _meta(folder / y)
        assert m["release"]["cycle"] == y
        ids = {t["id"] for t in m["tables"]}
        assert ids == (set(releases.RELEASE_TABLES) - ({"T10", "T11"} if y == "2010" else set()))
        # each knows the ones published before it
        assert [r["cycle"] for r in m["disclosure"]["earlier_releases"]] == [x for x in ("2010", "2011")
                                                                           if x < y]
    pub = _meta(run13 / "publish")
    assert pub["disclosure"]["earlier_releases"] == [{"cycle": y, "source": "modelled"}
                                                     for y in ("2010", "2011", "2012")]
    assert "earlier_releases" not in json.dumps(pub["disclosure"]["earlier_releases"])  # no local paths


def test_modelled_releases_are_kept_out_of_publish(run13):
    assert not any("earlier_releases" in str(p) for p in (run13 / "publish").rglob("*"))


@pytest.mark.slow
def test_a_count_hidden_by_a_modelled_earlier_appendix_is_hidden_in_the_trend_table(rare13):
    run13 = rare13
    t11 = pd.read_csv(run13 / "publish" / "csv" / "T11.csv", dtype=str, keep_default_na=False)
    code, cyc = "criterion", "cycle"
    checked = 0
    for y in ("2010", "2011", "2012"):
        m = _meta(run13 / "restricted" / "earlier_releases" / y)
        for cell in m["release"]["cells"]:
            d = cell["definition"]
            if cell["value"] is not None or d.get("cycle") != [y] or d.get("sample") != ["annual"]:
                continue
            br = d.get("branch") or []
            if len(br) != 2 or set(d) - {"cycle", "sample", "answer", "branch"}:
                continue  # a Kent-wide count of one criterion's answers
            col = {("yes",): "n_yes", ("no", "yes"): "n_denominator"}.get(tuple(sorted(d.get("answer", []))))
            if col is None:
                continue
            row = t11[(t11[code] == br[1]) & (t11[cyc] == y)]
            if len(row):
                assert row.iloc[0][col] == "[c]", (y, br[1], col)
                checked += 1
    # the programme has such counts (2012: genogram's yes or answered count, hidden there to
    # protect its 3 "no" answers)
    assert checked >= 1


@pytest.mark.slow
def test_check_publication_catches_a_trend_count_an_earlier_appendix_hid(rare13, tmp_path):
    # plant: show in T11 a 2010-2012 Kent-wide count (yes or answered) that the modelled
    # appendix of its cycle hid; the check, attacking with the modelled releases, must fail
    run13 = rare13
    pub = tmp_path / "publish"
    shutil.copytree(run13 / "publish", pub)
    earlier = sorted((run13 / "restricted" / "earlier_releases").iterdir())
    assert check_publication(pub, restricted_dir=run13 / "restricted", earlier=earlier) == []
    rt11 = pd.read_csv(run13 / "restricted" / "RESTRICTED_T11.csv", dtype=str, keep_default_na=False)
    t11 = pd.read_csv(pub / "csv" / "T11.csv", dtype=str, keep_default_na=False)
    hidden_before = set()
    cols = {("yes",): "n_yes", ("no", "yes"): "n_denominator"}
    for e in earlier:
        for cell in _meta(e)["release"]["cells"]:
            d = cell["definition"]
            col = cols.get(tuple(sorted(d.get("answer") or [])))
            if cell["value"] is None and len(d.get("branch") or []) == 2 and col and \
                    set(d) <= {"cycle", "sample", "answer", "branch"}:
                hidden_before.add((d["cycle"][0], d["branch"][1], col))
    code, cyc = "criterion", "cycle"
    target = next(((y, c, col) for y, c, col in sorted(hidden_before)
                   if len(t11[(t11[cyc] == y) & (t11[code] == c)])), None)
    assert target is not None, "the 2010-2012 models hide no yes or answered count in T11's range"
    y, c, col = target
    i = t11.index[(t11[cyc] == y) & (t11[code] == c)][0]
    assert t11.at[i, col] == "[c]"
    t11.at[i, col] = rt11.loc[(rt11["cycle"] == y) & (rt11["criterion"] == c), col].iloc[0]
    t11.to_csv(pub / "csv" / "T11.csv", index=False)
    found = check_publication(pub, restricted_dir=run13 / "restricted", earlier=earlier)
    # the modelled appendix of that cycle hid the count that Table 11 now shows
    assert any(f.kind == "narrowed" and y in f.file and "shown elsewhere" in f.detail for f in found), found


def test_check_publication_cli_attacks_with_the_modelled_releases(run13, capsys):
    from kentaudit.publication.check.folder import check_publication_cli, programme_releases
    found = programme_releases(run13 / "publish", run13 / "restricted")
    assert [p.name for p in found if p.parent.name == "earlier_releases"] == ["2010", "2011", "2012"]
    assert check_publication_cli(run13 / "publish", restricted=run13 / "restricted") == 0
    out = capsys.readouterr().out
    assert "earlier_releases" in out and "is clean" in out
