"""docs/data-dictionary.md names every column of the model and every rule id of the code."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from kentaudit.inputs import schema as model
from kentaudit.inputs import reference
from kentaudit.inputs.ingest import ANSWER_SPELLINGS, HEADER_ALIASES, RULES, canonical_dtypes

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
CODE = ["kentaudit/inputs/ingest.py", "kentaudit/inputs/timeliness.py", "kentaudit/inputs/pseudonym.py"]


def _rule_ids_in_code() -> set[str]:
    """RULES plus every rule id written literally in the code (rule=..., _Problem(...), [rule: ...])."""
    ids = set(RULES)
    for f in CODE:
        text = (ROOT / f).read_text()
        ids |= set(re.findall(r"""rule=["']([a-z0-9_]+)["']""", text))
        ids |= set(re.findall(r"""_Problem\(\s*["']([a-z0-9_]+)["']""", text))
        ids |= set(re.findall(r"\[rule: ([a-z0-9_]+)\]", text))
    return ids


def test_every_rule_id_written_in_the_code_is_registered_in_rules():
    assert _rule_ids_in_code() - set(RULES) == {"derived_from_format"}  # timeliness, documented separately


@pytest.mark.parametrize("column", [c.name for c in model.columns()] + ["area", "source_file", "source_row"])
def test_doc_names_every_model_column_in_the_column_table(column):
    assert re.search(rf"^\| `{re.escape(column)}` \|", DOC, re.M), column


def test_rule_ids_are_found_in_the_code():
    ids = _rule_ids_in_code()
    assert {"missing_column", "unknown_district", "encoding", "derived_from_format"} <= ids


@pytest.mark.parametrize("rule", sorted(_rule_ids_in_code()))
def test_doc_names_every_rule_id(rule):
    assert f"`{rule}`" in DOC


def test_doc_answer_table_lists_every_accepted_spelling():
    section = DOC.split("## Answer codes", 1)[1].split("\n## ", 1)[0].lower()
    for spellings in ANSWER_SPELLINGS.values():
        for s in spellings:
            assert f"`{s}`" in section, s


def test_doc_lists_every_header_alias():
    for k, v in HEADER_ALIASES.items():
        assert f"| `{k}` | `{v}` |" in DOC


def test_doc_lists_every_criterion_district_and_grade_label():
    for cid in reference.criteria()["id"]:
        assert f"| `{cid}` |" in DOC
    for _, r in reference.districts().iterrows():
        assert f"| {r['district']} | {r['district_code']} | {r['area']} |" in DOC
    for label in reference.grade_scales()["label"]:
        assert label in DOC
    assert reference.AREA_ASSUMPTION in DOC


def test_doc_states_the_working_day_convention_and_pseudonym_scheme():
    assert "`start < d <= end`" in DOC
    assert "HMAC-SHA256" in DOC and "`px_`" in DOC and "KENTAUDIT_KEY_FILE" in DOC


@pytest.mark.parametrize("column", list(canonical_dtypes()))
def test_doc_gives_each_column_the_dtype_ingest_returns(column):
    t = canonical_dtypes()[column]
    name = "category" if isinstance(t, pd.CategoricalDtype) else str(t)
    row = re.search(rf"^\| `{re.escape(column)}` \| [^|]*\(`([^`]+)`\) \|", DOC, re.M)
    assert row and row.group(1) == name, (column, name)
