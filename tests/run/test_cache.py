"""Incremental reruns, the pure part (kentaudit.run.cache): keys, groups and decisions.

What a run does with them is tested on real runs in test_cache_runs.py.
"""
from __future__ import annotations

import copy

import pytest
from cache_cycle import audits, make_cycle, write_audits

from kentaudit.analysis.cycle import load_cycle
from kentaudit.run import cache

PLANS = [{"notebook": "overview", "district": None, "district_code": None, "stem": "overview"},
         {"notebook": "summary", "district": None, "district_code": None, "stem": "summary"},
         {"notebook": "district_rows", "district": "Ashford", "district_code": "ASH",
          "stem": "district_rows__ASH"},
         {"notebook": "district_rows", "district": "Thanet", "district_code": "THA",
          "stem": "district_rows__THA"}]


def keys(**change):
    """Keys of PLANS; ``change`` maps a stem to the key parts that differ for it."""
    out = cache.job_keys(PLANS, notebook_hashes={"overview": "n1", "summary": "n2", "district_rows": "n3"},
                         code="c", params="p", cycle_data="all",
                         district_data={"Ashford": "ash", "Thanet": "tha"}, kernel="k")
    for stem, parts in change.items():
        out[stem]["parts"].update(parts)
        out[stem]["key"] = cache.combine(out[stem]["parts"])
    return out


def manifest(k, *, status="complete", run_id="R1", failed=()):
    """The manifest of an earlier run of PLANS with keys ``k``."""
    return {"run_id": run_id, "status": status,
            "notebooks": [{"notebook": p["notebook"], "district": p["district"],
                           "district_code": p["district_code"], "output": f"notebooks/{p['stem']}.ipynb",
                           "status": "failed" if p["stem"] in failed else "ok",
                           "cache": {"key": k[p["stem"]]["key"], "parts": k[p["stem"]]["parts"]}}
                          for p in PLANS],
            "cache": {"groups": {"cycle": {"results/overview_counts.csv": "s"},
                                 "ASH": {"results/rows__ASH.csv": "a"}, "THA": {"results/rows__THA.csv": "t"}}}}


def test_a_rerun_with_the_same_keys_reuses_every_group():
    k = keys()
    d = cache.decide(PLANS, k, [manifest(k)])
    assert {g: x.reuse for g, x in d.items()} == {"cycle": True, "ASH": True, "THA": True}
    assert d["THA"].files == {"results/rows__THA.csv": "t"}
    assert d["cycle"].reasons["overview"] == "unchanged since run R1"


def test_a_changed_district_recomputes_its_group_only_and_says_which_part_changed():
    d = cache.decide(PLANS, keys(district_rows__THA={"data": "tha2"}), [manifest(keys())])
    assert {g: x.reuse for g, x in d.items()} == {"cycle": True, "ASH": True, "THA": False}
    assert d["THA"].reasons["district_rows__THA"] == "changed since run R1: the data it reads"


def test_a_changed_notebook_reruns_the_whole_cycle_group_with_it():
    # the notebooks run once per cycle share results/ without a district code: reused only together
    d = cache.decide(PLANS, keys(summary={"notebook": "n2b"}), [manifest(keys())])
    assert not d["cycle"].reuse and d["ASH"].reuse
    assert d["cycle"].reasons["summary"] == "changed since run R1: the notebook file"
    assert d["cycle"].reasons["overview"].startswith("reran with summary")


def test_changed_code_invalidates_every_execution():
    k = keys(**{p["stem"]: {"code": "c2"} for p in PLANS})
    d = cache.decide(PLANS, k, [manifest(keys())])
    assert not any(x.reuse for x in d.values())
    assert d["ASH"].reasons["district_rows__ASH"] == (
        "changed since run R1: the kentaudit code or a package version")


@pytest.mark.parametrize("status", ["failed", "interrupted", "running"])
def test_a_run_that_did_not_complete_is_never_reused(status):
    k = keys()
    d = cache.decide(PLANS, k, [manifest(k, status=status)])
    assert not any(x.reuse for x in d.values())
    assert f"did not complete (status {status})" in d["cycle"].reasons["overview"]


def test_an_execution_that_failed_is_not_reused_even_in_a_complete_record():
    k = keys()
    d = cache.decide(PLANS, k, [manifest(k, failed=["district_rows__ASH"])])
    assert not d["ASH"].reuse and d["THA"].reuse


def test_the_first_candidate_that_matches_is_reused():
    # a --districts run: its own partial folder holds an older Thanet, the full cycle the current one
    old = manifest(keys(district_rows__THA={"data": "old"}), run_id="P1")
    d = cache.decide(PLANS, keys(), [old, manifest(keys(), run_id="F1")])
    assert d["THA"].reuse and d["THA"].source == 1


def test_reuse_turned_off_recomputes_everything():
    k = keys()
    d = cache.decide(PLANS, k, [manifest(k)], reuse=False)
    assert not any(x.reuse for x in d.values())
    assert d["THA"].reasons["district_rows__THA"] == "reuse turned off (--no-reuse)"


def test_a_group_that_ran_other_notebooks_is_not_reused():
    k = keys()
    m = manifest(k)
    m["notebooks"].append({"notebook": "extra", "district": None, "district_code": None,
                           "output": "notebooks/extra.ipynb", "status": "ok", "cache": {"key": "x"}})
    d = cache.decide(PLANS, k, [m])
    assert not d["cycle"].reuse and "reused only whole" in d["cycle"].reasons["overview"]


def test_without_an_earlier_record_nothing_is_reused():
    k = keys()
    m = manifest(k)
    del m["cache"]
    assert not any(x.reuse for x in cache.decide(PLANS, k, [m]).values())
    assert not any(x.reuse for x in cache.decide(PLANS, k, []).values())


def test_the_appendix_is_reused_only_when_every_group_was_and_its_key_is_unchanged():
    k = keys()
    key = cache.appendix_key(k, "c", "p")
    m = manifest(k)
    m["appendix"] = {"built": True}
    m["cache"]["appendix"] = {"key": key}
    m["cache"]["groups"]["appendix"] = {"publish/a.csv": "z"}
    d = cache.decide(PLANS, k, [m])
    assert cache.decide_appendix(key, d, m, wanted=True) == (True, "unchanged since run R1", {"publish/a.csv": "z"})
    assert not cache.decide_appendix(key, d, m, wanted=False)[0]
    assert not cache.decide_appendix(cache.appendix_key(k, "c2", "p"), d, m, wanted=True)[0]
    d2 = cache.decide(PLANS, keys(district_rows__THA={"data": "x"}), [m])
    assert cache.decide_appendix(key, d2, m, wanted=True)[:2] == (False, "notebooks were recomputed (THA)")
    failed = {**copy.deepcopy(m), "status": "failed"}
    assert not cache.decide_appendix(key, d, failed, wanted=True)[0]


@pytest.mark.parametrize("rel, group", [
    ("results/profile__THA.csv", "THA"), ("figures/profile_forest__THA.png", "THA"),
    ("notebooks/district_profile__SWA.ipynb", "SWA"), ("html/district_profile__SWA.html", "SWA"),
    ("results/funnel.parquet", "cycle"), ("notebooks/districts.ipynb", "cycle"),
    ("publish/appendix.xlsx", "appendix"), ("restricted/tables/t1.csv", "appendix"),
    ("results/index.json", None), ("html/index.html", None), ("manifest.json", None), ("run.log", None),
    ("results/.index.json.lock", None)])
def test_each_file_of_a_run_belongs_to_one_group(rel, group):
    assert cache.group_of_file(rel) == group


def test_the_code_digest_changes_with_any_source_file_but_not_with_compiled_files(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "data.csv").write_text("a\n1\n")
    before = cache.code_digest(pkg, {"numpy": "2.0"})
    (pkg / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"\0")
    assert cache.code_digest(pkg, {"numpy": "2.0"}) == before
    assert cache.code_digest(pkg, {"numpy": "2.1"}) != before
    (pkg / "data.csv").write_text("a\n2\n")
    assert cache.code_digest(pkg, {"numpy": "2.0"}) != before


def test_the_parameters_digest_ignores_how_the_run_is_executed():
    p = {"cycle": "2009", "seed": 1, "jobs": None, "cell_timeout": 600}
    base = cache.params_digest(p, "params/c.yaml")
    assert cache.params_digest({**p, "jobs": 2, "cell_timeout": 30}, "params/c.yaml") == base
    assert cache.params_digest({**p, "seed": 2}, "params/c.yaml") != base
    assert cache.params_digest(p, "params/d.yaml") != base


def test_verify_files_names_a_missing_or_changed_file(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "a.csv").write_text("1\n")
    rec = cache.output_files(tmp_path)["cycle"]
    assert cache.verify_files(tmp_path, rec) == []
    (tmp_path / "results" / "a.csv").write_text("2\n")
    assert cache.verify_files(tmp_path, rec) == ["results/a.csv"]
    (tmp_path / "results" / "a.csv").unlink()
    assert cache.verify_files(tmp_path, rec) == ["results/a.csv"]


def test_the_seeded_results_index_keeps_the_reused_groups_entries_only():
    idx = {"tables": {"funnel": {"district": None}, "profile__THA": {"district": "THA"},
                      "profile__ASH": {"district": "ASH"}}}
    assert list(cache.seed_results_index(idx, {"cycle", "THA"})["tables"]) == ["funnel", "profile__THA"]


@pytest.fixture(scope="module")
def district_digests(tmp_path_factory):
    """The per-district data parts of the small cycle, and after three edits of its audits."""
    root = tmp_path_factory.mktemp("digests")
    p = make_cycle(root)

    def digests():
        cd = load_cycle(p)
        return cache.district_data_digests(cd, {"data/audits.csv": "x", "data/frame.csv": "f"},
                                           ["data/audits.csv"])

    out = {"base": digests()}
    a = audits()
    # an audit of the sample the district comparisons read (district_samples: random = extended)
    thanet = a.index[(a["district"] == "Thanet") & (a["sample"] == "extended")][0]
    note = a.copy()
    note.loc[thanet, "notes"] = "Corrected note."
    write_audits(root, note)
    out["note"] = digests()
    answer = a.copy()
    answer.loc[thanet, "c_seen"] = "N" if a.loc[thanet, "c_seen"] == "Y" else "Y"
    write_audits(root, answer)
    out["answer"] = digests()
    return out


def test_a_note_changed_in_one_district_changes_that_districts_data_part_only(district_digests):
    base, note = district_digests["base"], district_digests["note"]
    assert note["Thanet"] != base["Thanet"]
    assert {d: v for d, v in note.items() if d != "Thanet"} == {d: v for d, v in base.items() if d != "Thanet"}


def test_an_answer_changed_in_one_district_changes_every_districts_data_part(district_digests):
    # each district is compared with the rest of the authority (and p-values adjusted across
    # districts): a changed answer in Thanet changes Ashford's comparison too
    base, answer = district_digests["base"], district_digests["answer"]
    assert all(answer[d] != base[d] for d in base)


def test_every_district_of_the_reference_table_has_a_data_part(district_digests):
    assert {"Ashford", "Canterbury", "Thanet", "Dover"} <= set(district_digests["base"])
