"""No step names Kent's samples in code: every step reads the cycle's profile (issue 22).

The package's source (outside the bundled profiles, ``kentaudit/data/profiles``, and the
synthetic data's generator, ``kentaudit/inputs/synthetic.py``, which writes Kent's example
audits) is read with :mod:`ast`, and every string literal that is one of the bundled example
profile's sample names ("initial", "extended", "reaudit", "annual") is a finding, unless the
allowlist below names it with the documented back-compatible default it is. Docstrings are
prose, not code, and are not read.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kentaudit.inputs.profile import bundled_profile

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kentaudit"
#: the bundled example's own files: its profile and the generator of its synthetic audits
OUTSIDE = ("kentaudit/data/profiles/", "kentaudit/inputs/synthetic.py")

#: documented back-compatible defaults: ``(file, literal): why``
ALLOWED = {
    **{("kentaudit/inputs/schema.py", s): "schema.SAMPLES: the bundled example's sample names, kept for "
                                          "0.1 code; the schema's sample column takes the profile's" for s in
       ("initial", "extended", "reaudit", "annual")},
    **{("kentaudit/stats/independent.py", s): "compare_samples(a=, b=) defaults of 0.1; every caller in the "
                                              "package passes the profile's samples" for s in ("initial", "extended")},
    **{("kentaudit/stats/paired.py", s): "pair_audits and the paired functions' first=/second= defaults of 0.1; "
                                         "every caller in the package passes the profile's samples"
       for s in ("initial", "reaudit")},
    **{("kentaudit/stats/survey.py", s): "authority_strata / authority_proportion certainty=/random= defaults "
                                         "of 0.1; every caller in the package passes the profile's samples"
       for s in ("initial", "extended")},
    ("kentaudit/publication/findings.py", "reaudit"): "the topic of a finding (Finding.topic), not a sample",
    ("kentaudit/stats/actions.py", "reaudit"): "the name of an occasion of an action's evaluation, not a sample",
    ("kentaudit/inputs/adopt.py", "annual"): "kentaudit init's proposed sample for an export without a sample "
                                             "column, written into the profile skeleton for the analyst to name",
}

def literals(path: Path, names) -> list[tuple[str, int]]:
    """``(literal, line)`` of every string constant of ``path`` that is one of ``names``, docstrings apart."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.value, n.lineno) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in names
            and id(n) not in docs]


def found_in(root: Path, names) -> list[tuple[str, str, int]]:
    """``(file, literal, line)`` of every sample name written as a literal under ``root``'s package."""
    out = []
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root.parent).as_posix()
        if not rel.startswith(OUTSIDE):
            out += [(rel, s, line) for s, line in literals(f, names)]
    return out


@pytest.fixture(scope="module")
def found():
    return found_in(PACKAGE, set(bundled_profile().sample_names))


def test_the_bundled_profiles_samples_are_the_names_looked_for():
    assert set(bundled_profile().sample_names) == {"initial", "extended", "reaudit", "annual"}


def test_no_code_names_kents_samples_except_documented_defaults(found):
    left = [(f, s, line) for f, s, line in found if (f, s) not in ALLOWED]
    assert left == []


def test_every_allowlisted_default_is_still_there(found):
    """An allowance whose literal is gone is removed from the list (the list stays short)."""
    have = {(f, s) for f, s, _ in found}
    assert sorted(set(ALLOWED) - have) == []


def test_a_planted_sample_name_is_found(tmp_path):
    pkg = tmp_path / "kentaudit"
    (pkg / "analysis").mkdir(parents=True)
    (pkg / "data" / "profiles").mkdir(parents=True)
    (pkg / "analysis" / "planted.py").write_text(
        '"""Pools the annual sample (a docstring: prose)."""\n'
        'def f(a):\n    return a[a["sample"] == "annual"]\n', encoding="utf-8")
    (pkg / "data" / "profiles" / "profile_tools.py").write_text('X = "annual"\n', encoding="utf-8")
    assert found_in(pkg, {"annual"}) == [("kentaudit/analysis/planted.py", "annual", 3)]
