"""Two runs of the same cycle give byte-identical results tables and appendix CSVs (issue 7).

The real parameter file ``params/cycle-2009.yaml`` and the real notebooks run
twice, each into its own folder: a copy of the repository's ``params/`` file
(inputs made absolute, ``districts: [Thanet]`` to keep the run short, every
other key unchanged) in ``<tmp>/run-a/params/`` and ``<tmp>/run-b/params/``,
beside a ``notebooks`` link to the repository's notebooks, because
:func:`kentaudit.inputs.params.load_params` finds the notebooks and resolves
``output_dir`` against the parent of the folder holding the file. Both copies
are byte-identical, so both runs see the same parameters; only the folders differ.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kentaudit.run.manifest import read_manifest
from kentaudit.run.runner import run_cycle

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params" / "cycle-2009.yaml"


def copy_cycle(dest: Path, *, districts=None) -> Path:
    """Copy the 2009 parameter file to ``dest/params`` with absolute inputs; link the notebooks."""
    (dest / "params").mkdir(parents=True)
    (dest / "notebooks").symlink_to(ROOT / "notebooks", target_is_directory=True)
    data = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))

    def absolute(p):
        return p if p is None or Path(p).is_absolute() else str((PARAMS.parent / p).resolve())

    data["inputs"] = {k: [absolute(x) for x in v] if isinstance(v, list) else absolute(v)
                      for k, v in data["inputs"].items()}
    data["output_dir"] = "../outputs"
    if districts is not None:
        data["districts"] = list(districts)
    p = dest / "params" / PARAMS.name
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


def compared_files(cycle_dir: Path) -> dict[str, bytes]:
    """Results tables (CSV, Parquet, index) and the appendix CSVs, published and restricted."""
    out = {}
    for pattern in ("results/*.csv", "results/*.parquet", "results/index.json",
                    "publish/csv/*.csv", "publish/csv/metadata.json", "restricted/*.csv"):
        for p in sorted(cycle_dir.glob(pattern)):
            out[p.relative_to(cycle_dir).as_posix()] = p.read_bytes()
    return out


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    runs = []
    for name in ("run-a", "run-b"):
        root = tmp_path_factory.mktemp(name)
        p = copy_cycle(root, districts=["Thanet"])
        code = run_cycle(p, jobs=2)
        cycle_dir = root / "outputs" / "2009"
        runs.append({"code": code, "params": p, "dir": cycle_dir,
                     "manifest": read_manifest(cycle_dir / "manifest.json") if cycle_dir.exists() else None,
                     "files": compared_files(cycle_dir) if cycle_dir.exists() else {}})
    return runs


def test_both_runs_complete_with_the_appendix(two_runs):
    for r in two_runs:
        assert r["code"] == 0 and r["manifest"]["status"] == "complete"
        assert r["manifest"]["appendix"]["built"] is True


def test_both_runs_used_byte_identical_parameter_files(two_runs):
    a, b = two_runs
    assert a["params"].read_bytes() == b["params"].read_bytes()
    assert a["manifest"]["params_sha256"] == b["manifest"]["params_sha256"]
    assert a["manifest"]["input_hashes"] == b["manifest"]["input_hashes"]
    assert a["dir"] != b["dir"]


def test_runs_write_the_same_set_of_tables(two_runs):
    a, b = two_runs
    names = set(a["files"])
    assert names == set(b["files"])
    assert any(n.startswith("results/") and n.endswith(".parquet") for n in names)
    assert any(n.startswith("publish/csv/") for n in names)
    assert any(n.startswith("restricted/") for n in names)


def test_results_tables_are_byte_identical(two_runs):
    a, b = two_runs
    differ = [n for n in sorted(a["files"]) if n.startswith("results/") and a["files"][n] != b["files"].get(n)]
    assert differ == []


def test_appendix_csvs_are_byte_identical(two_runs):
    a, b = two_runs
    differ = [n for n in sorted(a["files"]) if not n.startswith("results/") and a["files"][n] != b["files"].get(n)]
    assert differ == []


def test_results_tables_do_not_name_the_run_folder(two_runs):
    # A table that recorded where it was written would differ between folders
    # (and would leak local paths into the appendix).
    for r in two_runs:
        for name, data in r["files"].items():
            if not name.endswith(".parquet"):
                assert str(r["dir"].parent.parent).encode() not in data, name
