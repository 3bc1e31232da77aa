"""``inputs.actions`` in a cycle's parameter file: the action register is an input, and the
``actions`` notebook runs only when one is given."""
from __future__ import annotations

from pathlib import Path

import pytest

from kentaudit.core.errors import ParamsError
from kentaudit.inputs.params import ACTIONS_NOTEBOOK, load_params

BASE = """\
cycle: "2013"
title: "Test cycle"
synthetic: true
inputs:
  audits: [../data/audits.csv]
{actions}samples: [annual]
notebooks: {notebooks}
seed: 42
output_dir: ../out
"""


@pytest.fixture
def repo(tmp_path):
    for d in ("params", "data", "notebooks"):
        (tmp_path / d).mkdir()
    (tmp_path / "data" / "audits.csv").write_text("case_ref\nx\n", encoding="utf-8")
    (tmp_path / "data" / "actions.csv").write_text("action_id\n", encoding="utf-8")
    for n in ("compliance", ACTIONS_NOTEBOOK):
        (tmp_path / "notebooks" / f"{n}.ipynb").write_text("{}", encoding="utf-8")
    return tmp_path


def params(repo: Path, *, actions: bool, notebooks: str):
    p = repo / "params" / "c.yaml"
    p.write_text(BASE.format(actions="  actions: ../data/actions.csv\n" if actions else "", notebooks=notebooks),
                 encoding="utf-8")
    return p


def test_the_register_is_an_input_file_hashed_and_recorded_like_the_others(repo):
    P = load_params(params(repo, actions=True, notebooks="[compliance, actions]"))
    assert P.inputs.actions == repo / "data" / "actions.csv"
    assert ("actions", repo / "data" / "actions.csv") in P.inputs.files()
    assert P.to_dict()["inputs"]["actions"].endswith("data/actions.csv")
    assert P.notebooks == ("compliance", "actions")


def test_all_notebooks_leaves_the_actions_notebook_out_without_a_register(repo):
    assert load_params(params(repo, actions=False, notebooks="all")).notebooks == ("compliance",)
    assert load_params(params(repo, actions=True, notebooks="all")).notebooks == ("actions", "compliance")


def test_listing_the_actions_notebook_without_a_register_is_refused_naming_the_key(repo):
    with pytest.raises(ParamsError, match="inputs.actions") as e:
        load_params(params(repo, actions=False, notebooks="[compliance, actions]"))
    assert "notebooks" in str(e.value)


def test_a_register_that_is_not_there_is_refused(repo):
    (repo / "data" / "actions.csv").unlink()
    with pytest.raises(ParamsError, match="inputs.actions"):
        load_params(params(repo, actions=True, notebooks="[compliance]"))
