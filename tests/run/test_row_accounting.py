"""Every input row ends accepted or rejected with its reason, and a cycle whose rows were
rejected does not publish unless its parameter file says how many rejections it accepts
(issue 24, item 1). The refusal happens before any notebook runs, so these tests are quick.
"""
from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, kentaudit_in_process, make_scratch_repo

from kentaudit.analysis import load_cycle
from kentaudit.core.errors import ParamsError, RejectedRowsError
from kentaudit.inputs import accounting
from kentaudit.inputs.params import load_params
from kentaudit.run.runner import check_data


def _edit_params(params: Path, **changes) -> Path:
    doc = yaml.safe_load(params.read_text())
    doc.update(changes)
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    return params


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _write_rows(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _run(params: Path, *args):
    # in process: the refusal comes before any notebook, and a new interpreter spent seconds of
    # CPU importing kentaudit again (tests/conftest.py)
    return kentaudit_in_process("run", str(params), *args)


@pytest.fixture
def without_thanet(tmp_path) -> Path:
    """The 2009 cycle with a districts table that leaves Thanet out (69 audits)."""
    params = make_scratch_repo(tmp_path / "repo", "2009")
    table = pd.read_csv(ROOT / "kentaudit" / "data" / "districts.csv")
    table[table["district"] != "Thanet"].to_csv(tmp_path / "districts.csv", index=False)
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["districts"] = str(tmp_path / "districts.csv")
    doc["districts"] = [d for d in table["district"] if d != "Thanet"]
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    return params


def test_a_run_with_rejected_rows_is_refused_before_any_notebook(without_thanet):
    res = _run(without_thanet)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr + res.stdout
    assert "rejected" in res.stderr and "unknown_district" in res.stderr
    assert "accept_rejected_rows" in res.stderr
    out = without_thanet.parent.parent / "outputs"
    assert not (out / "2009").exists(), "nothing may be published"
    assert not any(p.name.startswith(".staging") for p in out.iterdir())


def test_the_refusal_names_the_count_per_rule_and_the_report(without_thanet):
    P = load_params(without_thanet)
    with pytest.raises(RejectedRowsError) as err:
        check_data(P)
    e = err.value
    n_thanet = int((pd.read_csv(ROOT / "data" / "synthetic" / "audits_2009.csv")["district"]
                    .isin(["Thanet", "THA"])).sum())
    assert n_thanet > 0
    assert e.by_rule == {"unknown_district": n_thanet} and e.rejected == n_thanet
    assert f"{n_thanet} row" in str(e) and "unknown_district" in str(e)
    report = Path(e.report)
    assert str(report) in str(e)
    rejected = pd.read_csv(report / "rejected.csv")
    assert set(rejected["rule"]) == {"unknown_district"}
    assert rejected[["file", "row"]].drop_duplicates().shape[0] == n_thanet


def test_the_rejections_report_is_private(without_thanet):
    with pytest.raises(RejectedRowsError) as err:
        check_data(load_params(without_thanet))
    report = Path(err.value.report)
    assert stat.S_IMODE(report.stat().st_mode) == 0o700
    for f in report.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_accepting_the_rejections_lets_the_cycle_go_on_and_says_so(without_thanet):
    P = load_params(_edit_params(without_thanet, accept_rejected_rows=1000))
    checks = check_data(P)
    assert checks["rejected_rows"] > 0
    assert checks["rows_read"] == checks["accepted_rows"] + checks["rejected_rows"]
    assert checks["accept_rejected_rows"] == 1000
    assert any("rejected" in w and "unknown_district" in w for w in checks["warnings"])


def test_accepting_fewer_than_were_rejected_still_refuses(without_thanet):
    P = load_params(_edit_params(without_thanet, accept_rejected_rows=1))
    with pytest.raises(RejectedRowsError):
        check_data(P)


def test_the_run_check_and_the_notebooks_count_the_same_rows(without_thanet):
    P = load_params(_edit_params(without_thanet, accept_rejected_rows=1000))
    checks = check_data(P)
    cycle = load_cycle(P)
    rec = cycle.ingest.reconciliation
    assert int(rec["rows_read"].sum()) == checks["rows_read"]
    assert int(rec["accepted"].sum()) == checks["accepted_rows"]
    assert int(rec["rejected"].sum()) == checks["rejected_rows"]


def test_the_same_audit_id_in_two_files_is_rejected_and_refused(tmp_path):
    params = make_scratch_repo(tmp_path / "repo", "2009")
    rows = _rows(ROOT / "data" / "synthetic" / "audits_2009.csv")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _write_rows(first, rows[:300])
    dup = dict(rows[0], case_ref=rows[400]["case_ref"], sample=rows[400]["sample"])
    _write_rows(second, rows[300:] + [dup])
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["audits"] = [str(first), str(second)]
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(RejectedRowsError) as err:
        check_data(load_params(params))
    assert err.value.by_rule.get("duplicate_audit_id") == 1


@pytest.mark.parametrize("date", ["1995-03-01", "2011-02-01", "2008-12-31"])
def test_an_audit_date_outside_the_cycles_window_is_rejected(tmp_path, date):
    params = make_scratch_repo(tmp_path / "repo", "2009")
    rows = _rows(ROOT / "data" / "synthetic" / "audits_2009.csv")
    rows[5]["audit_date"] = date
    for d in ("strategy_date", "s47_start_date", "icpc_date", "first_core_group_date", "first_review_date"):
        if d in rows[5]:
            rows[5][d] = ""
    _write_rows(tmp_path / "audits.csv", rows)
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["audits"] = [str(tmp_path / "audits.csv")]
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(RejectedRowsError) as err:
        check_data(load_params(params))
    assert err.value.by_rule == {"audit_date_window": 1}
    rejected = pd.read_csv(Path(err.value.report) / "rejected.csv")
    assert rejected.loc[0, "column"] == "audit_date" and rejected.loc[0, "value"] == date
    assert rejected.loc[0, "row"] == 7  # the header is line 1


def test_a_parameter_file_may_widen_the_audit_window(tmp_path):
    params = make_scratch_repo(tmp_path / "repo", "2009")
    rows = _rows(ROOT / "data" / "synthetic" / "audits_2009.csv")
    rows[5]["audit_date"] = "2010-02-01"
    _write_rows(tmp_path / "audits.csv", rows)
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["audits"] = [str(tmp_path / "audits.csv")]
    doc["audit_window"] = {"start": "2009-01-01", "end": "2010-03-31"}
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert check_data(load_params(params))["rejected_rows"] == 0


@pytest.mark.parametrize("window, words", [
    ({"start": "2009-02-30", "end": "2009-12-31"}, "not a real calendar date"),
    ({"start": "2009-12-31", "end": "2009-01-01"}, "is after end"),
    ({"start": "2009-01-01"}, "keys start and end"),
    ("2009", "keys start and end"),
])
def test_a_wrong_audit_window_is_refused_naming_the_key(tmp_path, window, words):
    params = _edit_params(make_scratch_repo(tmp_path / "repo", "2009"), audit_window=window)
    with pytest.raises(ParamsError) as err:
        load_params(params)
    assert "audit_window" in str(err.value) and words in str(err.value)


@pytest.mark.parametrize("value", [-1, 1.5, "many", True])
def test_accept_rejected_rows_must_be_a_count(tmp_path, value):
    params = _edit_params(make_scratch_repo(tmp_path / "repo", "2009"), accept_rejected_rows=value)
    with pytest.raises(ParamsError, match="accept_rejected_rows"):
        load_params(params)


def test_a_clean_cycle_accounts_for_every_row_and_leaves_no_report(tmp_path):
    P = load_params(make_scratch_repo(tmp_path / "repo", "2013"))
    checks = check_data(P)
    assert checks["rejected_rows"] == 0 and checks["rejections_report"] is None
    assert checks["rows_read"] == checks["accepted_rows"] == 300  # the cycle's own, as Table 2
    assert checks["previous_rows"]["rows_read"] == checks["previous_rows"]["accepted_rows"] == 900
    assert not accounting.report_folder(P).exists()


def test_rejection_counts_take_each_row_once_under_its_first_rule(tmp_path):
    params = make_scratch_repo(tmp_path / "repo", "2009")
    rows = _rows(ROOT / "data" / "synthetic" / "audits_2009.csv")
    rows[3]["district"] = "Atlantis"
    rows[3]["audit_date"] = "1995-01-01"  # a second problem in the same row
    _write_rows(tmp_path / "audits.csv", rows)
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["audits"] = [str(tmp_path / "audits.csv")]
    doc["accept_rejected_rows"] = 5
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    checks = check_data(load_params(params))
    assert checks["rejected_rows"] == 1 and sum(checks["rejected_by_rule"].values()) == 1
    assert os.path.isdir(checks["rejections_report"])


@pytest.mark.slow  # reads the shared default cycles (tests/conftest.py)
@pytest.mark.parametrize("fixture", ["cycle_2009", "cycle_2013"])
def test_the_manifest_and_the_published_reconciliation_give_the_same_counts(fixture, request):
    run = request.getfixturevalue(fixture)
    import json

    checks = json.loads((run["cycle_dir"] / "manifest.json").read_text())["data_checks"]
    t2 = pd.read_csv(run["cycle_dir"] / "publish" / "csv" / "T2.csv", keep_default_na=False)
    counts = dict(zip(t2["outcome"], t2["n_records"].astype(str)))
    assert counts["Total"] == str(checks["rows_read"])
    assert counts["Accepted"] == str(checks["accepted_rows"])
    assert checks["rows_read"] == checks["accepted_rows"] + checks["rejected_rows"]


def _unreadable(kind: str, dest: Path) -> Path:
    """An export that cannot be read at all, as a careless copy produces one."""
    import zipfile
    if kind == "xlsx_zip_of_text":
        p = dest / "audits.xlsx"
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("readme.txt", "not a workbook")
    elif kind == "xlsx_truncated":
        p = dest / "audits.xlsx"
        p.write_bytes((ROOT / "data" / "synthetic" / "audits_2009.xlsx").read_bytes()[:20_000])
    else:  # a CSV in an encoding kentaudit does not read
        p = dest / "audits.csv"
        p.write_bytes((ROOT / "data" / "synthetic" / "audits_2009.csv").read_text(encoding="utf-8").encode("utf-16"))
    return p


@pytest.mark.parametrize("kind,rule", [("xlsx_zip_of_text", "unreadable_file"), ("xlsx_truncated", "unreadable_file"),
                                       ("csv_utf16", "encoding")])
def test_an_unreadable_export_is_refused_before_any_notebook_starts(tmp_path, kind, rule):
    # it was recorded as a warning ("could not be checked") and every notebook then failed on it
    params = make_scratch_repo(tmp_path / "repo", "2009")
    export = _unreadable(kind, tmp_path)
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["audits"] = [str(export)]
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    res = _run(params)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert str(export) in res.stderr and f"[rule: {rule}]" in res.stderr
    out = params.parent.parent / "outputs"
    assert not out.exists() or not any(out.iterdir()), "no run folder, staging folder or notebook"


@pytest.mark.parametrize("text,rule", [("", "empty_file"), (None, "header_only")])
def test_an_export_without_a_data_row_is_refused_before_any_notebook(tmp_path, text, rule):
    # a header-only export was left to the notebooks: all 16 ran and failed on it (session 28)
    params = make_scratch_repo(tmp_path / "repo", "2009")
    header = (ROOT / "data" / "synthetic" / "audits_2009.csv").read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "audits.csv").write_text(header + "\n" if text is None else text, encoding="utf-8")
    doc = yaml.safe_load(params.read_text())
    doc["inputs"]["audits"] = [str(tmp_path / "audits.csv")]
    params.write_text(yaml.safe_dump(doc, sort_keys=False))
    res = _run(params)
    assert res.returncode == 2 and f"[rule: {rule}]" in res.stderr and "Traceback" not in res.stderr
    out = params.parent.parent / "outputs"
    assert not out.exists() or not any(out.rglob("*.ipynb")), "no notebook may start"
