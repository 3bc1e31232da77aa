"""The batch runner, on tiny fixture notebooks (tests/fixtures/notebooks).

Runs are expensive (a kernel start is about a second), so a handful of module-scoped
runs are shared by the tests below:

- ``good``: a complete run (one notebook per kind, two districts) -> published;
- ``failing``: the same cycle with Dover added; the fixture fails for Dover;
- ``again``: a partial re-run of ``summary``, to compare results bytes;
- ``flaky``: the first kernel start fails, the retry succeeds;
- the interrupt test runs in a subprocess and sends it SIGTERM.
"""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kentaudit.core.errors import ParamsError
from kentaudit.run.manifest import read_manifest
from processes import wait_gone
from kentaudit.run.runner import build_jobs, run_cycle
from kentaudit.inputs.params import load_params

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parents[1] / "fixtures"
# The flaky kernel managers are imported by name in the worker processes, which
# get sys.path from this process when the pool's server starts.
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

AUDITS = """audit_id,district,c_seen
A1,Ashford,Y
A2,Ashford,N
A3,Canterbury,Y
A4,Dover,NA
A5,Dover,Y
"""


def make_repo(root: Path, *, districts, notebooks, cycle="2009", name="cycle.yaml") -> Path:
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    nbdir = root / "notebooks"
    if not nbdir.exists():
        shutil.copytree(FIXTURES / "notebooks", nbdir)
    (root / "data" / "audits.csv").write_text(AUDITS, encoding="utf-8")
    p = root / "params" / name
    p.write_text(
        f'cycle: "{cycle}"\ntitle: "Fixture cycle"\nsynthetic: true\n'
        "inputs:\n  audits: [../data/audits.csv]\nsamples: [initial]\n"
        f"districts: {json.dumps(districts)}\nnotebooks: {json.dumps(notebooks)}\nseed: 1\n",
        encoding="utf-8")
    return p


NOTEBOOKS = ["summary", "district_profile", "kernel_probe", "figure_demo"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    make_repo(root, districts=["Ashford", "Canterbury"], notebooks=NOTEBOOKS)
    return root


@pytest.fixture(scope="module")
def good(repo):
    # The appendix is tested on its own (it needs the real notebooks' tables).
    code = run_cycle(repo / "params" / "cycle.yaml", jobs=2, appendix=False)
    out = repo / "outputs" / "2009"
    snapshot = repo / "good-snapshot"
    shutil.copytree(out, snapshot)
    return {"code": code, "out": out, "snapshot": snapshot, "manifest": read_manifest(out / "manifest.json")}


@pytest.fixture(scope="module")
def failing(repo, good):
    p = make_repo(repo, districts=["Ashford", "Dover"], notebooks=["summary", "district_profile"],
                  name="with-dover.yaml")
    before = set((repo / "outputs").iterdir())
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = run_cycle(p, jobs=2, appendix=False)
    new = [d for d in set((repo / "outputs").iterdir()) - before if d.name.startswith("2009.failed-")]
    return {"code": code, "kept": new, "stdout": buf.getvalue()}


@pytest.fixture(scope="module")
def again(repo, good):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = run_cycle(repo / "params" / "cycle.yaml", notebooks=["summary"], jobs=1)
    return {"code": code, "out": repo / "outputs" / "2009-partial", "stdout": buf.getvalue()}


def test_complete_run_exits_zero_and_publishes(good):
    assert good["code"] == 0
    assert good["manifest"]["status"] == "complete"
    assert not list(good["out"].parent.glob(".staging-*"))


def test_per_district_notebooks_run_once_per_district(good):
    stems = sorted(p.stem for p in (good["out"] / "notebooks").glob("*.ipynb"))
    assert stems == ["district_profile__ASH", "district_profile__CAN", "figure_demo",
                     "kernel_probe", "summary"]


def test_parameters_are_injected_into_each_notebook(good):
    nb = nbformat.read(good["out"] / "notebooks" / "district_profile__CAN.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["district"] == "Canterbury"
    assert nb.metadata["papermill"]["parameters"]["params_file"].endswith("cycle.yaml")


def test_results_tables_saved_by_notebooks_are_in_outputs(good):
    df = pd.read_csv(good["out"] / "results" / "profile__CAN.csv")
    assert df.to_dict("records") == [{"district": "Canterbury", "rows": 1, "share_yes": 1.0}]
    index = json.loads((good["out"] / "results" / "index.json").read_text())
    assert {"rows_by_district", "profile__ASH", "profile__CAN", "kernel_connection"} <= set(index["tables"])


def test_figures_saved_with_alt_text(good):
    meta = json.loads((good["out"] / "figures" / "demo_bars.json").read_text())
    assert meta["alt_text"].startswith("Bar chart")
    assert (good["out"] / "figures" / "demo_bars.png").stat().st_size > 0
    assert (good["out"] / "figures" / "demo_bars.svg").stat().st_size > 0


def test_kernels_use_ipc_socket_files_not_tcp(good):
    info = pd.read_csv(good["out"] / "results" / "kernel_connection.csv").iloc[0]
    assert info["transport"] == "ipc"
    assert info["folder_mode"] == "0o700"
    assert bool(info["shell_socket_is_file"])  # the shell channel was a socket file while it ran
    assert good["manifest"]["kernel_transport"] == "ipc"


def test_manifest_records_params_inputs_versions_times_and_status(good, repo):
    m = good["manifest"]
    assert m["params"]["cycle"] == "2009" and m["params"]["seed"] == 1
    import hashlib
    digest = hashlib.sha256((repo / "data" / "audits.csv").read_bytes()).hexdigest()
    assert m["input_hashes"] == {"data/audits.csv": digest}
    assert m["params_sha256"] == hashlib.sha256((repo / "params" / "cycle.yaml").read_bytes()).hexdigest()
    for pkg in ("python", "kentaudit", "pandas", "numpy", "scipy", "statsmodels", "papermill"):
        assert m["packages"][pkg]
    assert m["git_commit"] is None  # the test repository is not a git checkout
    assert m["started_utc"] <= m["finished_utc"]
    assert {(e["notebook"], e["district"], e["status"]) for e in m["notebooks"]} == {
        ("summary", None, "ok"), ("district_profile", "Ashford", "ok"),
        ("district_profile", "Canterbury", "ok"), ("kernel_probe", None, "ok"), ("figure_demo", None, "ok")}
    assert all(e["retries"] == 0 and e["seconds"] > 0 for e in m["notebooks"])
    assert m["appendix"] == {"requested": False, "built": False, "reason": "not requested (--no-appendix)"}
    assert m["exit_code"] == 0


def test_run_log_lists_every_notebook(good):
    text = (good["out"] / "run.log").read_text()
    for stem in ("summary", "district_profile__ASH", "district_profile__CAN", "kernel_probe", "figure_demo"):
        assert f"{stem}: ok" in text


def test_reviewer_pages_written_for_each_notebook(good):
    pages = sorted(p.name for p in (good["out"] / "html").glob("*.html"))
    assert pages == ["district_profile__ASH.html", "district_profile__CAN.html", "figure_demo.html",
                     "index.html", "kernel_probe.html", "summary.html"]
    assert good["manifest"]["html"]["images_without_alt"] == 0


def test_failing_district_does_not_stop_the_others(failing):
    assert failing["code"] == 1
    (kept,) = failing["kept"]
    m = read_manifest(kept / "manifest.json")
    status = {(e["notebook"], e["district"]): e["status"] for e in m["notebooks"]}
    assert status[("district_profile", "Dover")] == "failed"
    assert status[("summary", None)] == "ok" and status[("district_profile", "Ashford")] == "ok"
    assert m["status"] == "failed" and m["exit_code"] == 1


def test_an_appendix_started_beside_the_notebooks_is_discarded_when_one_fails(repo, good):
    # summary (the notebook the appendix reads) succeeds first, so the appendix starts
    # while the district notebooks run; Dover's fails 6 s later, so nothing is published
    p = make_repo(repo, districts=["Ashford", "Dover"], notebooks=["summary", "district_late"],
                  name="with-dover-appendix.yaml")
    before = set((repo / "outputs").iterdir())
    with contextlib.redirect_stdout(io.StringIO()):
        code = run_cycle(p, jobs=2, appendix=True)
    (kept,) = [d for d in set((repo / "outputs").iterdir()) - before if d.name.startswith("2009.failed-")]
    assert code == 1
    log = (kept / "run.log").read_text(encoding="utf-8")
    assert "building the appendix" in log
    assert not any((kept / sub).exists() for sub in ("publish", "publish.staging", "publish_rejected"))
    m = read_manifest(kept / "manifest.json")
    assert m["appendix"]["built"] is False
    assert "district_late (Dover)" in m["appendix"]["reason"]
    assert read_manifest(good["out"] / "manifest.json")["run_id"] == good["manifest"]["run_id"]


def test_failed_notebook_is_kept_with_its_error_visible(failing):
    (kept,) = failing["kept"]
    nb = nbformat.read(kept / "notebooks" / "district_profile__DOV.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "fixture failure for Dover"
    entry = next(e for e in read_manifest(kept / "manifest.json")["notebooks"] if e["district"] == "Dover")
    assert "ValueError: fixture failure for Dover" in entry["error"]
    assert "fixture failure for Dover" in (kept / "html" / "district_profile__DOV.html").read_text()


def test_failed_run_leaves_last_good_outputs_untouched(good, failing):
    m = read_manifest(good["out"] / "manifest.json")
    assert m["run_id"] == good["manifest"]["run_id"]
    assert not (good["out"] / "notebooks" / "district_profile__DOV.ipynb").exists()


def test_failed_run_prints_summary_table(failing):
    out = failing["stdout"]
    assert out.splitlines()[0].split() == ["notebook", "district", "status", "seconds", "retries", "error"]
    dover = next(line for line in out.splitlines() if "Dover" in line)
    assert "failed" in dover and "ValueError: fixture failure for Dover" in dover
    assert "last good outputs" in out


def test_results_tables_are_byte_identical_across_runs(good, again):
    assert again["code"] == 0
    for ext in ("csv", "parquet"):
        a = (good["snapshot"] / "results" / f"rows_by_district.{ext}").read_bytes()
        b = (again["out"] / "results" / f"rows_by_district.{ext}").read_bytes()
        assert a == b


def test_partial_run_publishes_beside_the_full_cycle(good, again):
    assert again["out"].name == "2009-partial"
    m = read_manifest(again["out"] / "manifest.json")
    assert m["partial"] is True
    assert m["appendix"]["built"] is False and "partial" in m["appendix"]["reason"]
    assert read_manifest(good["out"] / "manifest.json")["run_id"] == good["manifest"]["run_id"]


def test_a_partial_run_says_the_full_cycle_was_not_changed_and_not_that_it_published(good, again):
    last = again["stdout"].strip().splitlines()[-1]
    assert last.startswith("partial run") and "were not changed" in last and "no appendix" in last
    assert "outputs published to" not in again["stdout"]


def test_kernel_startup_failure_is_retried_and_recorded(tmp_path):
    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"])
    code = run_cycle(p, jobs=1, kernel_manager_class="flaky_kernels.FlakyFirstStart", appendix=False)
    assert code == 0
    (entry,) = read_manifest(tmp_path / "outputs" / "2009" / "manifest.json")["notebooks"]
    assert entry["status"] == "ok" and entry["retries"] == 1
    assert "simulated kernel start-up failure" in entry["retry_errors"][0]


def test_kernel_startup_failure_gives_up_after_two_retries(tmp_path):
    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"])
    code = run_cycle(p, jobs=1, kernel_manager_class="flaky_kernels.NeverStarts", appendix=False)
    assert code == 1
    (kept,) = (tmp_path / "outputs").glob("2009.failed-*")
    (entry,) = read_manifest(kept / "manifest.json")["notebooks"]
    assert entry["status"] == "failed" and entry["retries"] == 2
    assert entry["error"].startswith("kernel start-up failed")


def test_invalid_params_run_nothing(tmp_path):
    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"])
    p.write_text(p.read_text() + "confidence: 0.9\n")
    with pytest.raises(ParamsError, match="confidence"):
        run_cycle(p)
    assert not (tmp_path / "outputs").exists()


def test_unknown_district_on_command_line_is_a_params_error(tmp_path):
    p = make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"])
    with pytest.raises(ParamsError, match="Medway"):
        run_cycle(p, districts=["Medway"])


def test_build_jobs_expands_district_notebooks(tmp_path):
    p = make_repo(tmp_path, districts=["Ashford", "Dover"], notebooks=["summary", "district_profile"])
    jobs = build_jobs(load_params(p))
    assert [j["stem"] for j in jobs] == ["summary", "district_profile__ASH", "district_profile__DOV"]


class _FakeAppendix:
    def __init__(self, fail=False):
        self.calls, self.fail = [], fail

    def build_appendix(self, params, results_dir):
        self.calls.append((params, results_dir))
        if self.fail:
            raise RuntimeError("appendix exploded")


def test_appendix_is_built_from_the_staging_folder(tmp_path, monkeypatch):
    from kentaudit.run import runner

    fake = _FakeAppendix()
    monkeypatch.setitem(sys.modules, "kentaudit.publication.appendix", fake)
    params = load_params(make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"]))
    got = runner._build_appendix(params, tmp_path / "stage", True, False)
    assert got["built"] is True and got["reason"] is None and got["not_published"] == []
    assert fake.calls == [(params, tmp_path / "stage")]


def test_appendix_failure_is_recorded_as_an_error(tmp_path, monkeypatch):
    from kentaudit.run import runner

    monkeypatch.setitem(sys.modules, "kentaudit.publication.appendix", _FakeAppendix(fail=True))
    params = load_params(make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"]))
    res = runner._build_appendix(params, tmp_path, True, False)
    assert res["built"] is False and res["error"] == "RuntimeError: appendix exploded"


def test_missing_appendix_module_is_reported_not_fatal(tmp_path, monkeypatch, capsys):
    from kentaudit.run import runner

    monkeypatch.setitem(sys.modules, "kentaudit.publication.appendix", None)  # import raises ModuleNotFoundError
    params = load_params(make_repo(tmp_path, districts=["Ashford"], notebooks=["summary"]))
    res = runner._build_appendix(params, tmp_path, True, False)
    assert res["built"] is False and "not available" in res["reason"] and "error" not in res
    assert "kentaudit appendix" in capsys.readouterr().err


_INTERRUPT_SCRIPT = """
import sys
from kentaudit.run.runner import run_cycle
sys.exit(run_cycle(sys.argv[1], jobs=1))
"""


def test_sigterm_keeps_last_good_outputs_and_marks_run_interrupted(repo, good):
    p = make_repo(repo, districts=["Ashford"], notebooks=["slow"], name="slow.yaml")
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPT_SCRIPT, str(p)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid_file = None
    deadline = time.monotonic() + 900  # a guard against a hang only: the loop waits for the event
    try:
        while time.monotonic() < deadline and pid_file is None:
            hits = list((repo / "outputs").glob(".staging-2009-*/results/slow_pid.csv"))
            pid_file = hits[0] if hits else None
            time.sleep(0.2)
        assert pid_file is not None, "the slow notebook never started"
        kernel_pid = int(pd.read_csv(pid_file)["pid"].iloc[0])
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    (kept,) = (repo / "outputs").glob("2009.interrupted-*")
    m = read_manifest(kept / "manifest.json")
    assert m["status"] == "interrupted"
    assert m["notebooks"][0]["status"] == "interrupted"
    assert read_manifest(good["out"] / "manifest.json")["run_id"] == good["manifest"]["run_id"]
    assert not list((repo / "outputs").glob(".staging-*"))
    # the kernel went away with its worker
    assert wait_gone(kernel_pid)


@pytest.mark.browser
def test_runner_reviewer_pages_render_offline_in_a_browser(good):
    from test_reviewer import run_browser

    pages = run_browser(sorted((good["out"] / "html").glob("*.html")))
    assert len(pages) == 6
    for p in pages:
        assert p["external"] == [] and p["failed"] == [] and p["brokenAnchors"] == [], p
        assert p["imagesWithoutAlt"] == 0 and p["visibleImages"] == p["images"], p
        assert p["visibleTables"] == p["tables"] > 0, p
    fig = next(p for p in pages if p["file"].endswith("figure_demo.html"))
    assert fig["images"] == 1


def test_a_first_run_starts_the_longest_notebook_first(tmp_path):
    # no earlier manifest: the typical timings order the jobs (LPT), districts first
    from kentaudit.run.runner import _longest_first
    work = [{"notebook": n, "district": d} for n, d in
            [("data_quality", None), ("compliance", None), ("district_profile", "Ashford"),
             ("districts", None), ("trends", None), ("my_extra", None)]]
    order = [w["notebook"] for w in _longest_first(work, tmp_path / "missing" / "manifest.json")]
    assert order[0] == "districts" and order[-1] == "my_extra"
    assert sorted(order) == sorted(w["notebook"] for w in work)


def test_the_appendix_process_hands_its_log_records_to_the_run_log(monkeypatch, tmp_path):
    # it runs in a process of its own, where the run log's handler and level are not set
    import logging

    from kentaudit.run import runner

    def fake(params, staging, requested, partial, *, announce=True):
        runner.log.info("appendix: T6 (Paired re-audit) not published: the cycle has no reaudit sample")
        runner.log.warning("a warning")
        return {"built": True}

    monkeypatch.setattr(runner, "_build_appendix", fake)
    monkeypatch.setattr(runner.log, "level", logging.WARNING)
    res, records = runner._appendix_job(None, str(tmp_path))
    assert res == {"built": True}
    assert records == [(logging.INFO, "appendix: T6 (Paired re-audit) not published: the cycle has no "
                                      "reaudit sample"), (logging.WARNING, "a warning")]
    assert runner.log.level == logging.WARNING


def test_a_folder_whose_name_holds_braces_runs_its_notebooks(tmp_path):
    # papermill formats its paths with the parameters: "{cycle}" in a folder's name made
    # every notebook fail with "Missing parameter 'cycle'"
    root = tmp_path / "audit {cycle} {2026}}"
    make_repo(root, districts=["Ashford"], notebooks=["summary"])
    code = run_cycle(root / "params" / "cycle.yaml", jobs=1, appendix=False)
    manifest = read_manifest(root / "outputs" / "2009" / "manifest.json")
    assert code == 0
    assert [e["status"] for e in manifest["notebooks"]] == ["ok"]
    assert (root / "outputs" / "2009" / "notebooks" / "summary.ipynb").is_file()
