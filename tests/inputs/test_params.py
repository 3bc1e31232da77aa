"""Cycle parameter files: strict validation with errors naming the file and key."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kentaudit.core.errors import ParamsError
from kentaudit.inputs.params import load_params

REPO = Path(__file__).resolve().parents[2]

BASE = """\
cycle: "2009"
title: "Test cycle"
synthetic: true
inputs:
  audits: [../data/audits.csv]
  previous_audits: [../data/prev.csv]
  sampling_frame: ../data/frame.csv
samples: [initial, extended]
districts: [Ashford, Dover]
notebooks: [alpha, district_beta]
confidence_level: 0.9
interval_method: jeffreys
adjust_method: fdr_bh
suppression_threshold: 10
grade_scale: ofsted_2009
target: overall
funnel_method: normal
seed: 42
output_dir: ../out
cell_timeout: 120
jobs: 2
"""


@pytest.fixture
def repo(tmp_path):
    for d in ("params", "data", "notebooks"):
        (tmp_path / d).mkdir()
    for f in ("audits.csv", "prev.csv", "frame.csv"):
        (tmp_path / "data" / f).write_text(f"case_ref\n{f}\n", encoding="utf-8")
    for n in ("alpha", "district_beta"):
        (tmp_path / "notebooks" / f"{n}.ipynb").write_text("{}", encoding="utf-8")
    return tmp_path


def write(repo: Path, text: str) -> Path:
    p = repo / "params" / "c.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def replace(text: str, key: str, value: str) -> str:
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def error(repo, text) -> ParamsError:
    with pytest.raises(ParamsError) as e:
        load_params(write(repo, text))
    return e.value


def test_valid_file_loads_every_value(repo):
    p = load_params(write(repo, BASE))
    assert p.cycle == "2009" and p.title == "Test cycle" and p.synthetic is True
    assert p.samples == ("initial", "extended")
    assert p.districts == ("Ashford", "Dover") and p.districts_all is False
    assert p.notebooks == ("alpha", "district_beta")
    assert (p.confidence_level, p.interval_method, p.adjust_method) == (0.9, "jeffreys", "fdr_bh")
    assert (p.suppression_threshold, p.grade_scale, p.target, p.funnel_method) == (10, "ofsted_2009", "overall", "normal")
    assert (p.seed, p.cell_timeout, p.jobs) == (42, 120, 2)


def test_paths_resolve_against_repository_root_not_cwd(repo, tmp_path_factory, monkeypatch):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    p = load_params(write(repo, BASE))
    assert p.root == repo.resolve()
    assert p.inputs.audits == ((repo / "data" / "audits.csv").resolve(),)
    assert p.inputs.sampling_frame == (repo / "data" / "frame.csv").resolve()
    assert p.output_dir == (repo / "out").resolve()
    assert p.cycle_dir == (repo / "out" / "2009").resolve()


def test_defaults_for_optional_keys(repo):
    text = "\n".join(line for line in BASE.splitlines() if line.split(":")[0] in
                     ("cycle", "title", "inputs", "  audits", "samples", "seed")) + "\n"
    p = load_params(write(repo, text))
    assert p.synthetic is False
    assert len(p.districts) == 12 and p.districts[0] == "Ashford" and p.districts_all
    assert p.notebooks == ("alpha", "district_beta")  # "all" = every notebook in notebooks/
    assert (p.confidence_level, p.interval_method, p.adjust_method) == (0.95, "wilson", "holm")
    assert (p.suppression_threshold, p.target, p.funnel_method) == (5, 0.8, "binomial-interpolated")
    assert p.grade_scale == "ofsted_2009"  # the scale in force for the cycle
    assert (p.cell_timeout, p.jobs) == (600, None)
    assert p.output_dir == (repo / "outputs").resolve()


def test_params_are_frozen(repo):
    p = load_params(write(repo, BASE))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.seed = 1  # type: ignore[misc]


def test_unknown_key_names_file_key_and_allowed_keys(repo):
    e = error(repo, BASE + "confidence: 0.9\n")
    assert e.key == "confidence" and Path(e.file).name == "c.yaml"
    assert "c.yaml" in str(e) and "'confidence'" in str(e) and "confidence_level" in str(e)


def test_unknown_input_key_is_rejected(repo):
    e = error(repo, BASE.replace("  sampling_frame:", "  frame:"))
    assert e.key == "inputs.frame"


def test_missing_required_key(repo):
    e = error(repo, "\n".join(line for line in BASE.splitlines() if not line.startswith("seed")) + "\n")
    assert e.key == "seed" and "required" in str(e)


def test_unquoted_cycle_is_a_type_error_with_a_fix(repo):
    e = error(repo, replace(BASE, "cycle", "2009"))
    assert e.key == "cycle" and 'quote it: cycle: "2009"' in str(e)


@pytest.mark.parametrize("key,value", [
    ("confidence_level", '"0.95"'), ("confidence_level", "1.5"), ("confidence_level", "true"),
    ("suppression_threshold", "2.5"), ("suppression_threshold", "-1"), ("suppression_threshold", "true"),
    ("seed", '"1"'), ("synthetic", '"yes"'), ("jobs", "0"), ("cell_timeout", "0"),
    ("target", "1.2"), ("target", "median"), ("samples", "[initial, initial]"), ("districts", "[]"),
])
def test_wrong_type_or_range_names_the_key(repo, key, value):
    assert error(repo, replace(BASE, key, value)).key == key


def test_missing_input_file_names_key_and_path(repo):
    e = error(repo, BASE.replace("data/prev.csv", "data/nope.csv"))
    assert e.key == "inputs.previous_audits[0]"
    assert "nope.csv" in str(e) and "parameter file's folder" in str(e)


def test_relative_paths_are_relative_to_the_parameter_files_folder(tmp_path, repo):
    # a parameter file outside params/: its paths are read from its own folder, never a grandparent
    (repo / "elsewhere").mkdir()
    p = repo / "elsewhere" / "cycle.yaml"
    p.write_text(BASE.replace("../data/", "../data/").replace("output_dir: ../out", "output_dir: results"),
                 encoding="utf-8")
    P = load_params(p)
    assert P.inputs.audits == ((repo / "data" / "audits.csv").resolve(),)
    assert P.output_dir == (repo / "elsewhere" / "results").resolve()
    assert P.notebooks_dir == repo / "notebooks"  # the nearest folder above holding notebooks/


def test_a_path_written_the_old_way_gets_a_hint(repo):
    e = error(repo, BASE.replace("../data/prev.csv", "data/prev.csv"))
    assert e.key == "inputs.previous_audits[0]" and "did you mean '../data/prev.csv'" in str(e)


def test_every_problem_of_a_file_is_reported_at_once(repo):
    text = replace(replace(replace(BASE, "confidence_level", "1.5"), "interval_method", "wilsn"),
                   "districts", "[Ashford, Atlantis]")
    text = text.replace("../data/prev.csv", "../data/nope.csv") + "colour: blue\n"
    e = error(repo, text)
    keys = [k for k, _ in e.problems]
    assert set(keys) == {"colour", "inputs.previous_audits[0]", "districts", "confidence_level",
                         "interval_method"}
    assert str(e).count("\n  - key ") == 5


def test_districts_may_be_codes_in_any_case(repo):
    P = load_params(write(repo, replace(BASE, "districts", "[ash, DOV]")))
    assert P.districts == ("Ashford", "Dover")


@pytest.mark.parametrize("key,value,allowed", [
    ("interval_method", "wald", "clopper-pearson"),
    ("adjust_method", "sidak", "bonferroni"),
    ("funnel_method", "poisson", "arcsine"),
])
def test_unknown_method_lists_allowed_methods(repo, key, value, allowed):
    e = error(repo, replace(BASE, key, value))
    assert e.key == key and repr(value) in str(e) and allowed in str(e)


def test_method_names_are_case_sensitive(repo):
    assert error(repo, replace(BASE, "interval_method", "Wilson")).key == "interval_method"


def test_unknown_district(repo):
    e = error(repo, replace(BASE, "districts", "[Ashford, Medway]"))
    assert e.key == "districts" and "'Medway'" in str(e) and "Tunbridge Wells" in str(e)


def test_unknown_notebook(repo):
    e = error(repo, replace(BASE, "notebooks", "[alpha, gamma]"))
    assert e.key == "notebooks" and "'gamma'" in str(e) and "district_beta" in str(e)


def test_a_notebook_listed_twice_is_named(repo):
    e = error(repo, replace(BASE, "notebooks", "[alpha, district_beta, alpha]"))
    assert e.key == "notebooks" and "'alpha' twice" in str(e) and "'district_beta' twice" not in str(e)


def test_unknown_grade_scale(repo):
    e = error(repo, replace(BASE, "grade_scale", "ofsted_2020"))
    assert e.key == "grade_scale" and "ofsted_2013" in str(e)


def test_unknown_sample(repo):
    e = error(repo, replace(BASE, "samples", "[initial, pilot]"))
    assert e.key == "samples" and "annual" in str(e)


def test_yaml_syntax_error_gives_line_number(repo):
    e = error(repo, BASE.replace("samples: [initial, extended]", "samples: [initial, extended"))
    assert "YAML syntax error" in str(e) and "line " in str(e)


def test_duplicate_key_is_an_error(repo):
    e = error(repo, BASE + "seed: 7\n")
    assert "duplicate key 'seed'" in str(e) and "line" in str(e)


def test_file_that_is_not_a_mapping(repo):
    assert "mapping" in str(error(repo, "- a\n- b\n"))


def test_missing_params_file(repo):
    with pytest.raises(ParamsError, match="not found"):
        load_params(repo / "params" / "absent.yaml")


def test_input_hashes_are_sha256_of_each_input(repo):
    p = load_params(write(repo, BASE))
    h = p.input_hashes()
    assert list(h) == ["data/audits.csv", "data/prev.csv", "data/frame.csv"]
    assert h["data/prev.csv"] == hashlib.sha256((repo / "data" / "prev.csv").read_bytes()).hexdigest()


def test_to_dict_is_json_with_root_relative_paths(repo):
    d = load_params(write(repo, BASE)).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["inputs"]["audits"] == ["data/audits.csv"] and d["params_file"] == "params/c.yaml"
    assert d["districts"] == ["Ashford", "Dover"] and d["target"] == "overall"


def test_district_codes(repo):
    assert load_params(write(repo, BASE)).district_codes() == {"Ashford": "ASH", "Dover": "DOV"}


_ALLOWED = set(yaml.safe_load(BASE))


@settings(max_examples=25, deadline=None)
@given(st.from_regex(r"[a-z_]{1,20}", fullmatch=True).filter(lambda k: k not in _ALLOWED | {"output_dir"}))
def test_any_unknown_top_level_key_is_refused(tmp_path_factory, key):
    root = tmp_path_factory.mktemp("r")
    (root / "params").mkdir()
    (root / "data").mkdir()
    (root / "data" / "a.csv").write_text("x\n1\n")
    p = root / "params" / "c.yaml"
    p.write_text(f'cycle: "2009"\ntitle: t\ninputs: {{audits: [../data/a.csv]}}\nsamples: [initial]\n'
                 f"notebooks: []\nseed: 1\n{key}: 1\n")
    with pytest.raises(ParamsError) as e:
        load_params(p)
    assert e.value.key == key


# The committed cycle files ------------------------------------------------------

CYCLE_FILES = sorted((REPO / "params").glob("cycle-*.yaml"))


@pytest.mark.parametrize("path", CYCLE_FILES, ids=lambda p: p.name)
def test_committed_cycle_files_follow_the_contract(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    from kentaudit.inputs.params import _TOP_KEYS

    assert set(data) == set(_TOP_KEYS)
    assert data["cycle"] in path.stem and isinstance(data["cycle"], str)


@pytest.mark.parametrize("path", CYCLE_FILES, ids=lambda p: p.name)
def test_committed_cycle_files_validate(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    files = data["inputs"]["audits"] + data["inputs"]["previous_audits"]
    missing = [f for f in files if not (path.parent / f).exists()]  # relative to the file's folder
    missing += [f"notebooks/{n}.ipynb" for n in data["notebooks"] if not (REPO / "notebooks" / f"{n}.ipynb").exists()]
    if missing:
        pytest.skip(f"not written yet: {', '.join(missing)} (data: `kentaudit synth --out data/synthetic`; notebooks come with the analysis)")
    p = load_params(path)
    assert p.cycle == data["cycle"] and p.synthetic is True


# --- headline criterion and publication block (issue 14) --------------------------------

PUB = """publication:
  producer: Kent County Council
  contact_name: QA team
  contact_email: qa@example.org
  publication_date: 2009-06-30
  next_update: To be announced
"""


def test_headline_criterion_and_publication_are_read(repo):
    p = load_params(write(repo, BASE + "headline_criterion: smart_plan\n" + PUB))
    assert p.headline_criterion == "smart_plan"
    assert p.publication.contact_email == "qa@example.org"
    assert p.publication.publication_date == "2009-06-30"
    # synthetic data are never published as official statistics
    assert p.publication.status == "synthetic demonstration data"
    assert p.to_dict()["publication"]["producer"] == "Kent County Council"


def test_unknown_headline_criterion_names_the_catalogue(repo):
    e = error(repo, BASE + "headline_criterion: smart\n")
    assert e.key == "headline_criterion" and "smart_plan" in str(e)


@pytest.mark.parametrize("line,key", [
    ("  contact_email: not-an-address", "publication.contact_email"),
    ("  publication_date: June 2009", "publication.publication_date"),
    ("  status: official statistics", "publication.status"),
    ("  contact: someone", "publication.contact"),
])
def test_bad_publication_values_name_the_key(repo, line, key):
    assert error(repo, BASE + "publication:\n" + line + "\n").key == key
