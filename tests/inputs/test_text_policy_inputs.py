"""The text policy at the input boundary: reference tables, parameter files, exports (issue 24 item 4).

Each class of unsafe or absurd text is refused where it comes in, with the file, row (or
key), column, value and rule, so no writer ever sees it. A district typed anywhere (an
export's ``district``, the parameter file's ``districts``, ``kentaudit run --districts``)
is resolved by one key.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from kentaudit.core.errors import InputError, ParamsError
from kentaudit.inputs import reference, schema
from kentaudit.inputs.ingest import read_audits
from kentaudit.inputs.params import load_params, publication_window
from kentaudit.run.runner import build_jobs

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_DISTRICTS = (ROOT / "kentaudit" / "data" / "districts.csv").read_text(encoding="utf-8")
BUNDLED_CRITERIA = (ROOT / "kentaudit" / "data" / "criteria.csv").read_text(encoding="utf-8")


def _table(tmp_path, name, text) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _districts(tmp_path, first_row: str) -> Path:
    lines = BUNDLED_DISTRICTS.splitlines()
    return _table(tmp_path, "districts.csv", "\n".join([lines[0], first_row, *lines[2:]]) + "\n")


def _criteria(tmp_path, **change) -> Path:
    df = pd.read_csv(ROOT / "kentaudit" / "data" / "criteria.csv", dtype=str, keep_default_na=False)
    for k, v in change.items():
        i, col = k.split("__")
        df.loc[int(i), col] = v
    p = tmp_path / "criteria.csv"
    df.to_csv(p, index=False)
    return p


def _refused(call, rule, **where):
    with pytest.raises(InputError) as e:
        call()
    err = e.value
    assert err.rule == rule, str(err)
    for k, v in where.items():
        assert getattr(err, k) == v, (k, str(err))
    return err


# ------------------------------------------------------------------ the bundled tables obey it
def test_bundled_tables_obey_the_policy():
    assert len(reference.districts()) == 12 and len(reference.criteria()) == 20


def test_catalogue_domains_are_the_graded_domains():
    assert reference.CRITERION_DOMAINS == schema.DOMAINS


# ------------------------------------------------------------------ districts table
@pytest.mark.parametrize("row,rule,column,value", [
    ("Ash\u202eford,ASH,South,118", "bidi_control", "district", "Ash<U+202E>ford"),
    ("Ashford,ASH,So\u200buth,118", "invisible_character", "area", "So<U+200B>uth"),
    ("Ashford,A\u2066SH,South,118", "bidi_control", "district_code", "A<U+2066>SH"),
    ("Ashford,../ASH,South,118", "unsafe_code", "district_code", "../ASH"),
    ("Ashford,..,South,118", "unsafe_code", "district_code", ".."),
    ("Ashford,AS/H,South,118", "unsafe_code", "district_code", "AS/H"),
])
def test_district_table_text_is_refused_naming_row_column_value_and_rule(tmp_path, row, rule, column, value):
    p = _districts(tmp_path, row)
    _refused(lambda: reference.districts(p), rule, file=str(p), row=2, column=column, value=value)


def test_a_40000_character_district_name_is_refused_before_any_notebook(tmp_path):
    p = _districts(tmp_path, "A" * 40_000 + ",ASH,South,118")
    err = _refused(lambda: reference.districts(p), "text_too_long", row=2, column="district")
    assert "40,000 characters" in str(err) and "at most 100" in str(err) and len(str(err)) < 400


@pytest.mark.parametrize("second", ["Thanet East,tha,East,10", "thanet,TH2,East,10",
                                    "Thanet-East,THE,East,10\nThanet East,TH3,East,1",
                                    # compatibility forms (NFKC): full-width letters look the same
                                    "\uff34\uff48\uff41\uff4e\uff45\uff54,TH2,East,10",
                                    "Ｔｈａｎｅｔ Ｅａｓｔ,TH2,East,10\nThanet East,TH3,East,1"])
def test_names_and_codes_colliding_after_case_folding_are_refused(tmp_path, second):
    p = _table(tmp_path, "d.csv", "district,district_code,area,children_on_plans\nThanet,THA,East,176\n"
                                  + second + "\n")
    err = _refused(lambda: reference.districts(p), "district_key_collision", file=str(p))
    assert err.row >= 3


@pytest.mark.parametrize("first,second", [
    # same-script look-alikes (the confusable skeleton of Unicode TS #39, ASCII part)
    ("Burnham,RNB", "Barking,MB"), ("Isle,AIO", "Ealing,A1O"), ("Sutton,SOT", "Slough,S0T"),
    ("Iwade,IWA", "lwade,LWA"), ("Wells,VVE", "Welts,WE"), ("Clyde,CLY", "Dyde,DYD"),
    ("Orpington,ORP", "0rpington,ORX"), ("Harrow,HIR", "Hillingdon,HLR")])
def test_codes_and_names_a_reader_cannot_tell_apart_are_refused(tmp_path, first, second):
    p = _table(tmp_path, "d.csv", "district,district_code,area,children_on_plans\n"
                                  f"{first},East,10\n{second},East,10\n")
    err = _refused(lambda: reference.districts(p), "district_key_collision", file=str(p), row=3)
    assert "Unicode TS #39" in str(err)


def test_look_alike_folding_only_refuses_never_resolves(tmp_path):
    # codes that differ by a digit and a letter that do not look alike stay apart, and an
    # export's look-alike of a code is not read as that code (nothing is guessed)
    p = _table(tmp_path, "d.csv", "district,district_code,area,children_on_plans\n"
                                  "Unit 010,U010,East,10\nUnit 100,U100,East,10\nUnit 011,U011,East,10\n")
    assert list(reference.districts(p)["district_code"]) == ["U010", "U100", "U011"]
    assert reference.district_lookup(reference.districts(p)).get("uo1o") is None
    with pytest.raises(InputError):
        reference.resolve_district("UO1O", reference.districts(p))


def test_a_code_may_share_its_own_districts_name(tmp_path):
    p = _table(tmp_path, "d.csv", "district,district_code,area,children_on_plans\nDover,dover,South,1\n"
                                  "Thanet,THA,East,2\n")
    assert list(reference.districts(p)["district"]) == ["Dover", "Thanet"]


# ------------------------------------------------------------------ criteria catalogue
@pytest.mark.parametrize("change,rule,row,column", [
    ({"1__label": "Child seen \u202eenola"}, "bidi_control", 3, "label"),
    ({"2__label": "Child's\u200d wishes"}, "invisible_character", 4, "label"),
    ({"3__label": "L" * 32_768}, "text_too_long", 5, "label"),
    ({"3__label": "L" * 201}, "text_too_long", 5, "label"),
    ({"4__applies_when": "all\u2069"}, "bidi_control", 6, "applies_when"),
    ({"1__label": "CHILD SEEN during the assessment  or visit period"}, "duplicate_label", 3, "label"),
    # the same label in full-width letters (NFKC): a reader could not tell the two apart
    ({"1__label": "Ｃｈｉｌｄ seen during the assessment or visit period"}, "duplicate_label", 3, "label"),
    ({"0__kind": "mandatory"}, "unknown_catalogue_value", 2, "kind"),
    ({"0__evidence": "paper"}, "unknown_catalogue_value", 2, "evidence"),
    ({"0__domain": "safety"}, "unknown_catalogue_value", 2, "domain"),
    ({"0__kind": "Compliance"}, "unknown_catalogue_value", 2, "kind"),
])
def test_criteria_catalogue_is_refused_naming_row_column_and_rule(tmp_path, change, rule, row, column):
    p = _criteria(tmp_path, **change)
    _refused(lambda: reference.criteria(p), rule, file=str(p), row=row, column=column)


def test_a_label_of_200_characters_is_accepted(tmp_path):
    p = _criteria(tmp_path, **{"3__label": "L" * 200})
    assert reference.criteria(p).loc[3, "label"] == "L" * 200


# ------------------------------------------------------------------ one resolution of a district
VARIANTS = ["THA", "tha", " Tha ", "Thanet", "THANET", "tunbridge-wells", "Tunbridge_Wells", "TUNBRIDGE  WELLS",
            "tonbridge & malling", "Tonbridge-and-Malling", "tam"]


@pytest.mark.parametrize("typed", VARIANTS)
def test_ingest_the_parameter_file_and_run_districts_resolve_a_district_alike(tmp_path, typed):
    # ingest: an export row whose district is typed so
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "bad_input"))
    from make_corpus import to_csv_text, valid_rows
    rows = valid_rows(1)
    rows[0]["district"] = typed
    f = tmp_path / "a.csv"
    f.write_text(to_csv_text(rows), encoding="utf-8")
    by_ingest = str(read_audits([f], synthetic=True).accepted["district"].iloc[0])
    # --districts of kentaudit run (the runner's plan of jobs)
    params = load_params(ROOT / "params" / "cycle-2009.yaml")
    jobs = build_jobs(params, districts=[typed], notebooks=["district_profile"])
    by_run = {j["district"] for j in jobs}
    assert by_run == {by_ingest} == {reference.resolve_district(typed)}


@pytest.mark.parametrize("typed", ["../THA", "Than\u202eet", "TH A X", "Medway"])
def test_an_unknown_or_unsafe_district_is_refused_by_run_districts(typed):
    params = load_params(ROOT / "params" / "cycle-2009.yaml")
    with pytest.raises(ParamsError, match="--districts"):
        build_jobs(params, districts=[typed], notebooks=["district_profile"])


# ------------------------------------------------------------------ parameter files
def _params(tmp_path, **publication) -> Path:
    doc = yaml.safe_load((ROOT / "params" / "cycle-2009.yaml").read_text(encoding="utf-8"))
    doc["inputs"] = {"audits": [str(ROOT / "data" / "synthetic" / "audits_2009.csv")]}
    doc["output_dir"] = str(tmp_path / "outputs")
    title = publication.pop("title", None)
    if title is not None:
        doc["title"] = title
    doc["publication"].update(publication)
    p = tmp_path / "cycle.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize("change,key,rule", [
    ({"title": "Audit \u202e9002"}, "title", "bidi_control"),
    ({"next_update": "To be\u200b announced"}, "publication.next_update", "invisible_character"),
    ({"producer": "P" * 100_000}, "publication.producer", "text_too_long"),
    ({"producer": "P" * 201}, "publication.producer", "text_too_long"),
    ({"contact_name": "C" * 101}, "publication.contact_name", "text_too_long"),
    ({"contact_email": "a\u2060@example.org"}, "publication.contact_email", "invisible_character"),
    ({"publication_date": "2009-02-30"}, "publication.publication_date", "not_a_date"),
    ({"publication_date": "２００９-０６-３０"}, "publication.publication_date", "not_a_date"),
    ({"publication_date": "1900-01-01"}, "publication.publication_date", "date_range"),
    ({"publication_date": "2008-12-31"}, "publication.publication_date", "date_range"),
    ({"publication_date": "2015-01-01"}, "publication.publication_date", "date_range"),
    ({"next_update": "2009-01-01"}, "publication.next_update", "date_range"),
    ({"next_update": "２０１０-０１-０１"}, "publication.next_update", "not_a_date"),
])
def test_parameter_text_and_dates_are_refused_naming_key_value_and_rule(tmp_path, change, key, rule):
    with pytest.raises(ParamsError) as e:
        load_params(_params(tmp_path, **change))
    msg = str(e.value)
    assert f"key '{key}'" in msg and f"[rule: {rule}]" in msg
    assert "value '" in msg and "\u202e" not in msg and len(msg) < 1000


@pytest.mark.parametrize("change", [{"publication_date": "2009-01-01"}, {"publication_date": "2014-12-31"},
                                    {"next_update": "2010-06-30"}, {"next_update": "2010 (annual audit)"},
                                    {"producer": "P" * 200}])
def test_sane_parameter_values_are_accepted(tmp_path, change):
    pub = load_params(_params(tmp_path, **change)).publication
    k, v = next(iter(change.items()))
    assert getattr(pub, k) == v


def test_publication_window_is_the_cycle_year_to_five_years_after():
    lo, hi = publication_window("2009")
    assert (lo.isoformat(), hi.isoformat()) == ("2009-01-01", "2014-12-31")


# ------------------------------------------------------------------ exports
@pytest.mark.parametrize("col,value,rule", [
    ("audit_id", "A\u202e00001", "bidi_control"),
    ("audit_id", "A0\u200b0001", "invisible_character"),
    ("team", "Team \ufeff1", "invisible_character"),
    ("auditor", "AU" + "9" * 63, "text_too_long"),
    ("team", "T" * 101, "text_too_long"),
    ("moderator", "AU01\u200f", "bidi_control"),
])
def test_export_ids_and_names_are_rejected_with_the_rule(tmp_path, col, value, rule):
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "bad_input"))
    from make_corpus import to_csv_text, valid_rows
    rows = valid_rows(3)
    rows[1][col] = value
    f = tmp_path / "a.csv"
    f.write_text(to_csv_text(rows), encoding="utf-8")
    res = read_audits([f], synthetic=True)
    assert len(res.accepted) == 2
    rej = res.rejected
    hit = rej[(rej["rule"] == rule) & (rej["column"] == col)]
    assert len(hit) == 1 and int(hit["row"].iloc[0]) == 3, rej.to_dict("records")


def test_free_text_notes_are_kept_verbatim_never_refused(tmp_path):
    # notes are never published: the policy neither changes nor refuses them
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "bad_input"))
    from make_corpus import to_csv_text, valid_rows
    rows = valid_rows(2)
    rows[0]["notes"] = "seen\u200b alone \u202e"
    f = tmp_path / "a.csv"
    f.write_text(to_csv_text(rows), encoding="utf-8")
    res = read_audits([f], synthetic=True)
    assert len(res.accepted) == 2 and res.accepted["notes"].iloc[0] == "seen\u200b alone \u202e"


def test_a_refused_export_value_is_printed_safely_and_short(tmp_path, capsys):
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "bad_input"))
    from make_corpus import to_csv_text, valid_rows

    from kentaudit.inputs.ingest import validate_paths
    rows = valid_rows(3)
    rows[1]["team"] = "T" * 40_000
    rows[2]["audit_id"] = "A\u202e0003"
    f = tmp_path / "a.csv"
    f.write_text(to_csv_text(rows), encoding="utf-8")
    assert validate_paths([str(f)], synthetic=True) == 1
    out = capsys.readouterr().out
    team = next(line for line in out.splitlines() if "column 'team'" in line)
    assert len(team) < 400 and "... (40,000 characters)" in team and "[rule: text_too_long]" in team
    assert "value 'A<U+202E>0003'" in out and "\u202e" not in out
