"""Only complete runs publish (issue 24, item 2): an appendix is built only from a results
folder whose manifest says the full run completed with every notebook the appendix reads;
a parameter file whose notebooks leave one out is refused before the run; a signal while
the appendix is being built leaves the last good outputs and a run marked interrupted.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import kentaudit_in_process, make_scratch_repo

from kentaudit.analysis.outputs import WRITES, appendix_needs, notebook_of
from kentaudit.core.errors import ParamsError
from kentaudit.inputs.params import load_params
from kentaudit.publication.spec import load_spec
from kentaudit.run.completeness import check_notebooks_for_appendix, require_complete_results
from kentaudit.run.manifest import MANIFEST_VERSION, package_versions


def _kentaudit(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kentaudit", *args], capture_output=True, text=True,
                          timeout=600, env=env)


def _params(tmp_path, cycle="2009", **changes) -> Path:
    p = make_scratch_repo(tmp_path / "repo", cycle)
    doc = yaml.safe_load(p.read_text())
    doc.update(changes)
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


# ------------------------------------------------------------- which notebooks the appendix reads

def test_every_spec_source_is_written_by_a_named_notebook():
    spec = load_spec()
    for entry in [*spec["tables"], *spec["figures"]]:
        assert notebook_of(entry["source"]) is not None, entry["id"]


def test_the_appendix_of_the_review_reads_the_extension_notebook_and_not_the_trends():
    needs = appendix_needs(["initial", "extended", "reaudit"], has_previous=False)
    assert "initial_vs_extended" in needs and "trends" not in needs
    assert {"data_quality", "compliance", "districts"} <= set(needs)


def test_the_appendix_of_an_annual_cycle_with_earlier_cycles_reads_the_trends():
    needs = appendix_needs(["annual"], has_previous=True)
    assert "trends" in needs and "initial_vs_extended" not in needs


def test_the_default_parameter_files_list_every_notebook_their_appendix_reads(tmp_path):
    for cycle in ("2009", "2013"):
        check_notebooks_for_appendix(load_params(_params(tmp_path / cycle, cycle)))


def test_a_notebooks_list_leaving_out_one_the_appendix_reads_is_refused_naming_it(tmp_path):
    p = _params(tmp_path, notebooks=["data_quality", "compliance", "initial_vs_extended", "district_profile"])
    with pytest.raises(ParamsError) as err:
        check_notebooks_for_appendix(load_params(p))
    msg = str(err.value)
    assert "districts" in msg and "T7" in msg and "--no-appendix" in msg and "notebooks" in msg


def test_the_run_refuses_it_before_anything_runs(tmp_path):
    p = _params(tmp_path, notebooks=["data_quality", "compliance"])
    res = kentaudit_in_process("run", str(p))  # refused before any notebook: no interpreter of its own
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "initial_vs_extended" in res.stderr and "districts" in res.stderr
    out = p.parent.parent / "outputs"
    assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------------ kentaudit appendix --results

def _copy_results(cycle_dir: Path, dest: Path, **manifest_changes) -> Path:
    dest.mkdir(parents=True)
    shutil.copy2(cycle_dir / "manifest.json", dest / "manifest.json")
    (dest / "results").mkdir()
    m = json.loads((dest / "manifest.json").read_text())
    m.update(manifest_changes)
    (dest / "manifest.json").write_text(json.dumps(m))
    return dest


def test_a_complete_run_may_be_published(cycle_2009):
    P = load_params(cycle_2009["params"])
    m = require_complete_results(P, cycle_2009["cycle_dir"])
    assert m["status"] == "complete"


@pytest.mark.parametrize("status, words", [("running", "still running or was stopped"),
                                           ("failed", "failed"), ("interrupted", "interrupted")])
def test_a_run_that_did_not_complete_is_refused(cycle_2009, tmp_path, status, words):
    d = _copy_results(cycle_2009["cycle_dir"], tmp_path / ".staging-2009-12345", status=status)
    with pytest.raises(ParamsError) as err:
        require_complete_results(load_params(cycle_2009["params"]), d)
    assert words in str(err.value) and "complete" in str(err.value)


def test_a_folder_without_a_manifest_is_refused(cycle_2009, tmp_path):
    d = tmp_path / "results-only"
    (d / "results").mkdir(parents=True)
    with pytest.raises(ParamsError, match="no manifest.json"):
        require_complete_results(load_params(cycle_2009["params"]), d)


def test_a_partial_run_is_refused(cycle_2009, tmp_path):
    d = _copy_results(cycle_2009["cycle_dir"], tmp_path / "2009-partial", partial=True)
    with pytest.raises(ParamsError, match="partial run"):
        require_complete_results(load_params(cycle_2009["params"]), d)


def test_a_run_missing_a_notebook_the_appendix_reads_is_refused(cycle_2009, tmp_path):
    m = json.loads((cycle_2009["cycle_dir"] / "manifest.json").read_text())
    kept = [e for e in m["notebooks"] if e["notebook"] != "districts"]
    d = _copy_results(cycle_2009["cycle_dir"], tmp_path / "2009", notebooks=kept)
    with pytest.raises(ParamsError) as err:
        require_complete_results(load_params(cycle_2009["params"]), d)
    assert "districts" in str(err.value) and "T7" in str(err.value)


def _complete_run(tmp_path) -> tuple:
    """A folder whose manifest says a full run of 2009 completed, recording one results file."""
    P = load_params(_params(tmp_path))
    d = tmp_path / "out" / "2009"
    (d / "results").mkdir(parents=True)
    body = b"PAR1 the run's table"
    (d / "results" / "compliance_by_criterion.parquet").write_bytes(body)
    groups = {"cycle": {"results/compliance_by_criterion.parquet": hashlib.sha256(body).hexdigest()}}
    notebooks = [{"notebook": nb, "status": "ok"} for nb in ("data_quality", "compliance", "initial_vs_extended",
                                                             "districts", "district_profile")]
    (d / "manifest.json").write_text(json.dumps({"status": "complete", "partial": False, "cycle": "2009",
                                                 "notebooks": notebooks, "cache": {"groups": groups},
                                                 "manifest_version": MANIFEST_VERSION,
                                                 "packages": package_versions()}))
    return P, d


@pytest.mark.parametrize("change", [{"manifest_version": 0}, {"packages": {"kentaudit": "0.0.1"}},
                                    {"packages": None}])
def test_results_written_by_another_kentaudit_are_refused(tmp_path, change):
    # an older kentaudit's results folder was accepted and an appendix built from it, exit 0
    P, d = _complete_run(tmp_path)
    m = json.loads((d / "manifest.json").read_text())
    m.update(change)
    (d / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ParamsError) as err:
        require_complete_results(P, d)
    assert "another kentaudit" in str(err.value) and "Run the cycle again" in str(err.value)


def test_a_complete_run_with_its_recorded_files_intact_may_be_published(tmp_path):
    P, d = _complete_run(tmp_path)
    assert require_complete_results(P, d)["status"] == "complete"


@pytest.mark.parametrize("fault", ["removed", "edited"])
def test_a_complete_run_whose_results_were_removed_or_edited_afterwards_is_refused(tmp_path, fault):
    # a results table deleted after the run published an appendix without Table 4, exit 0
    P, d = _complete_run(tmp_path)
    f = d / "results" / "compliance_by_criterion.parquet"
    if fault == "removed":
        f.unlink()
    else:
        f.write_bytes(b"PAR1 numbers edited by hand")
    with pytest.raises(ParamsError) as err:
        require_complete_results(P, d)
    assert "results/compliance_by_criterion.parquet" in str(err.value) and "run the cycle again" in str(err.value)


def test_the_command_refuses_a_staging_folder_with_no_traceback(cycle_2009, tmp_path):
    d = _copy_results(cycle_2009["cycle_dir"], tmp_path / ".staging-2009-999", status="running")
    res = _kentaudit("appendix", str(cycle_2009["params"]), "--results", str(d))
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "still running or was stopped" in res.stderr
    assert not (d / "publish").exists()


def test_the_map_of_notebook_outputs_names_no_table_twice():
    seen: dict[str, str] = {}
    for nb, names in WRITES.items():
        for n in names:
            assert n not in seen, f"{n} in {seen.get(n)} and {nb}"
            seen[n] = nb


# ------------------------------------------------------------ a signal during the appendix build

@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_sigterm_while_the_appendix_is_built_leaves_a_run_marked_interrupted(tmp_path, sig, code):
    """The appendix is printed to PDF by a stand-in for Chromium that says when it has started
    and then waits for the run to end it: the signal is sent only once the build is under way
    (no wall-clock wait). SIGTERM (a service stopping) and SIGINT (Ctrl-C) alike (issue 24
    item 2: "SIGTERM and SIGINT at any moment, including during the appendix build")."""
    marker = tmp_path / "printing"
    fake = tmp_path / "chromium"
    fake.write_text(f"#!/bin/sh\necho $$ > {marker}.tmp && mv {marker}.tmp {marker}\n"
                    "while kill -0 $PPID 2>/dev/null; do sleep 0.2; done\n")  # never outlives its parent
    fake.chmod(0o755)
    doc_districts = ["Thanet"]
    p = _params(tmp_path, "2013", districts=doc_districts, jobs=1)
    env = {**os.environ, "KENTAUDIT_CHROMIUM": str(fake), "KENTAUDIT_PDF_ENGINE": "chromium",
           "KENTAUDIT_NO_ZYGOTE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kentaudit", "run", str(p), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            try:
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
        fake_pid = int(marker.read_text())
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    outputs = p.parent.parent / "outputs"
    assert not (outputs / "2013").exists(), "nothing may be published"
    kept = [d for d in outputs.iterdir() if d.name.startswith("2013.interrupted-")]
    assert len(kept) == 1, sorted(x.name for x in outputs.iterdir())
    m = json.loads((kept[0] / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["exit_code"] == code
    assert m["appendix"]["built"] is False
    assert not (kept[0] / "publish").exists() and not (kept[0] / "publish.staging").exists()
    assert not any(x.name.startswith(".staging-") for x in outputs.iterdir())
    with pytest.raises(ProcessLookupError):
        os.kill(fake_pid, 0)  # the stand-in for Chromium did not outlive the run


# ------------------------------------------------------------ every promised output exists

def test_a_complete_run_has_every_output_it_promises(cycle_2009):
    from kentaudit.run.runner import promised_outputs

    P = load_params(cycle_2009["params"])
    m = json.loads((cycle_2009["cycle_dir"] / "manifest.json").read_text())
    promised = promised_outputs(P, m)
    assert "publish/appendix.pdf" in promised and "publish/appendix.ods" in promised
    assert "html/index.html" in promised and any(p.startswith("html/district_profile") for p in promised)
    assert [p for p in promised if not (cycle_2009["cycle_dir"] / p).is_file()] == []
    assert m["missing_outputs"] == []


def test_formats_left_out_of_the_parameter_file_are_not_promised(tmp_path):
    from kentaudit.run.runner import promised_outputs

    P = load_params(_params(tmp_path, publication={**yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "params" / "cycle-2009.yaml").read_text())["publication"],
        "formats": ["html", "xlsx"]}))
    m = {"appendix": {"built": True, "tables": ["T1"]}, "html": {}, "notebooks": []}
    assert promised_outputs(P, m) == ["publish/appendix.html", "publish/appendix.xlsx"]


@pytest.mark.parametrize("formats, words", [(["pdf"], "must include html"), (["html", "docx"], "unknown format"),
                                            ("html", "must be a list"), (["html", "html"], "twice")])
def test_wrong_formats_are_refused_naming_the_key(tmp_path, formats, words):
    doc = yaml.safe_load((Path(__file__).resolve().parents[2] / "params" / "cycle-2009.yaml").read_text())
    p = _params(tmp_path, publication={**doc["publication"], "formats": formats})
    with pytest.raises(ParamsError) as err:
        load_params(p)
    assert "publication.formats" in str(err.value) and words in str(err.value)


@pytest.mark.slow
def test_a_run_whose_pdf_cannot_be_printed_fails_and_says_so(tmp_path):
    """A stand-in for Chromium that cannot print: the run promised a PDF, so it fails, and the
    manifest, the run log, the summary and the exit status all say which output is missing."""
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    p = _params(tmp_path, "2013", districts=["Thanet"])
    env = {**os.environ, "KENTAUDIT_CHROMIUM": str(fake), "KENTAUDIT_PDF_ENGINE": "chromium"}
    res = _kentaudit("run", str(p), "--jobs", "2", env=env)
    assert res.returncode == 1, res.stderr
    assert "promised output missing: publish/appendix.pdf" in res.stdout
    outputs = p.parent.parent / "outputs"
    assert not (outputs / "2013").exists()
    kept = [d for d in outputs.iterdir() if d.name.startswith("2013.failed-")]
    assert len(kept) == 1
    m = json.loads((kept[0] / "manifest.json").read_text())
    assert m["status"] == "failed" and m["exit_code"] == 1
    assert [x["output"] for x in m["missing_outputs"]] == ["publish/appendix.pdf"]
    assert "promised output missing: publish/appendix.pdf" in (kept[0] / "run.log").read_text()
