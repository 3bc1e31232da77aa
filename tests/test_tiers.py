"""The test tiers (docs/running.md, "Tests in tiers"; issue 26 item 5): ``make test-fast``
(``-m "not slow"``) runs no notebook and no cycle, and every executed cycle is shared.

Two checks: on the collected session (a test that reads a shared executed cycle, or a golden
notebook's cell, is marked ``slow``), and on the source of every test module (a test that
runs the runner, papermill, a structure or the ``kentaudit run`` command, itself or through
a helper or fixture of its module, is marked ``slow``). Each check is shown to catch a
planted case.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

#: calls that execute notebooks or a whole cycle (the runner, papermill, the shared-cycle
#: builders of tests/conftest.py and of the structure, register and edge cycles)
RUNS = {"run_cycle", "run_cycle_once", "run_fallback_once", "run_structure", "execute_notebook",
        "_run_with_register"}
#: tests and helpers whose ``kentaudit run`` stops before any notebook starts (the refusal
#: tests), so they are quick: each with why
REFUSED_BEFORE_ANY_NOTEBOOK = {
    ("tests/run/test_row_accounting.py", "_run"): "rejected rows are refused before any notebook",
    ("tests/run/test_only_complete_runs_publish.py", "test_the_run_refuses_it_before_anything_runs"):
        "a cycle without the notebooks its appendix reads is refused before any notebook",
    ("tests/test_tiers.py", "test_a_shared_cycle_is_run_once_and_read_by_every_later_asker"):
        "the runner is stood in for by a fake that runs no notebook",
}


def _called(node: ast.AST) -> set[str]:
    """Names of the functions ``node`` calls, and ``"kentaudit run"`` where it runs the command."""
    out = set()
    for n in ast.walk(node):
        if not isinstance(n, ast.Call):
            continue
        f = n.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name:
            out.add(name)
        # the command line: [..., "kentaudit", "run", ...], [*cmd, "run", ...] or _kentaudit("run", ...)
        for a in n.args:
            if isinstance(a, ast.List):
                words = [e.value for e in a.elts if isinstance(e, ast.Constant)]
                if "run" in words and (words.index("run") > 0 or any(isinstance(e, ast.Starred) for e in a.elts)):
                    out.add("kentaudit run")
        if n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value == "run" and name and "kentaudit" in name:
            out.add("kentaudit run")
    return out


def _is_slow(decorators: list[ast.expr]) -> bool:
    return any("slow" in ast.unparse(d) for d in decorators)


def end_to_end_tests_not_marked_slow(source: str, rel: str) -> list[str]:
    """Tests of a module that run notebooks or a cycle (directly, or through a function or
    fixture of the same module) without the ``slow`` mark (theirs or the module's)."""
    tree = ast.parse(source)
    module_slow = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                      and "slow" in ast.unparse(n.value) for n in tree.body)
    funcs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    calls = {name: _called(f) for name, f in funcs.items()}
    params = {name: {a.arg for a in f.args.args} for name, f in funcs.items()}
    running = {name for name, c in calls.items()
               if (c & RUNS or "kentaudit run" in c) and (rel, name) not in REFUSED_BEFORE_ANY_NOTEBOOK}
    changed = True
    while changed:  # through helpers called and fixtures requested, within the module
        changed = False
        for name in funcs:
            if name not in running and (rel, name) not in REFUSED_BEFORE_ANY_NOTEBOOK \
                    and (calls[name] | params[name]) & running:
                running.add(name)
                changed = True
    return sorted(name for name in running
                  if name.startswith("test_") and not module_slow and not _is_slow(funcs[name].decorator_list))


def test_every_test_that_runs_notebooks_or_a_cycle_is_marked_slow():
    found = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("tests/fixtures/"):
            continue
        bad = end_to_end_tests_not_marked_slow(path.read_text(encoding="utf-8"), rel)
        if bad:
            found[rel] = bad
    assert found == {}, f"end-to-end tests make test-fast would run (mark them slow): {found}"


def test_the_source_check_finds_an_unmarked_run_through_a_fixture_and_a_helper():
    planted = '''
import pytest
def _go(p):
    return subprocess.run([sys.executable, "-m", "kentaudit", "run", str(p)])
@pytest.fixture
def ran(tmp_path):
    return _go(tmp_path)
def test_reads_the_run(ran):
    assert ran
@pytest.mark.slow
def test_marked(ran):
    assert ran
def test_papermill(tmp_path):
    pm.execute_notebook("a.ipynb", tmp_path / "b.ipynb")
def test_in_process():
    kentaudit_in_process("run", "cycle.yaml")
def test_quick():
    assert 1
'''
    assert end_to_end_tests_not_marked_slow(planted, "tests/x.py") == ["test_in_process", "test_papermill",
                                                                        "test_reads_the_run"]
    assert end_to_end_tests_not_marked_slow("import pytest\npytestmark = pytest.mark.slow\n" + planted,
                                            "tests/x.py") == []


def test_every_collected_test_reading_a_shared_cycle_is_slow_and_no_notebook_is_run_by_nbval(request):
    items = request.session.items
    shared = [i for i in items if "shared_tmp" in getattr(i, "fixturenames", ())]
    assert [i.nodeid for i in shared if i.get_closest_marker("slow") is None] == []
    # the golden notebooks are compared with the shared cycles' (tests/test_golden.py), not
    # executed again one kernel each
    assert [i.nodeid for i in items if i.nodeid.split("::")[0].endswith(".ipynb")] == []
    if request.config.getoption("markexpr", "") == "" and len(items) > 1000:
        assert shared, "the whole suite was collected: the rule had something to check"


@pytest.mark.parametrize("fixture", ["cycle_2009", "cycle_2013", "cycle_2009_fallback"])
def test_each_shared_cycle_is_built_in_the_folder_every_worker_shares(fixture):
    # the cycle fixtures (and only they, with the structure, edge and register cycles) use
    # shared_tmp, the folder under a file lock: the collection hook's rule rests on this
    source = (TESTS / "conftest.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fixture)
    assert [a.arg for a in f.args.args] == ["shared_tmp"]


def test_the_run_time_check_sees_a_cycle_asked_for_by_name_and_what_depends_on_it(request, tmp_path):
    from conftest import reads_a_shared_cycle

    # the check reads what pytest records of the fixtures a test obtained (a private
    # attribute: if pytest renames it, this fails rather than the check going blind)
    assert "tmp_path" in request.node._request._fixture_defs

    # what request.getfixturevalue("cycle_2013") records, and a fixture that needs nothing shared
    assert reads_a_shared_cycle(request.node, {"cycle_2013"})
    assert reads_a_shared_cycle(request.node, {"cycle_2009_fallback", "tmp_path"})
    # the in-process results computed once per session (tests/conftest.py, computed_once) are
    # no executed cycle: their readers stay in make test-fast
    assert not reads_a_shared_cycle(request.node, {"tmp_path", "fake_appendix", "districts_2009"})
    assert not reads_a_shared_cycle(request.node)  # this test itself


def test_a_result_computed_once_is_computed_once_and_each_asker_gets_its_own_copy(tmp_path):
    from conftest import once_in

    calls = []

    def compute(work):
        calls.append(work)
        return {"n": [1]}

    first, again = once_in(tmp_path / "x", compute), once_in(tmp_path / "x", compute)
    assert first == again == {"n": [1]} and calls == [tmp_path / "x"]
    first["n"].append(2)  # a test changing its copy changes no other asker's
    assert once_in(tmp_path / "x", compute) == {"n": [1]}

    def fails(work):
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        once_in(tmp_path / "y", fails)
    assert once_in(tmp_path / "y", compute) == {"n": [1]}  # a failure is not kept


def test_a_shared_cycle_is_run_once_and_read_by_every_later_asker(tmp_path, monkeypatch):
    import kentaudit.run.runner as runner
    from conftest import run_cycle_once

    ran = []
    monkeypatch.setattr(runner, "run_cycle", lambda params, jobs: ran.append((params, jobs)) or 0)
    info = run_cycle_once(tmp_path, "2009")
    assert run_cycle_once(tmp_path, "2009") == info and len(ran) == 1
    assert info["code"] == 0 and info["params"] == ran[0][0] and info["params"].is_file()
    assert info["cycle_dir"] == tmp_path / "cycle-2009" / "repo" / "outputs" / "2009"


@pytest.fixture
def real_attacks(monkeypatch):
    """The attacks actually computed (set up before ``attack_once_per_input``, which wraps it)."""
    from kentaudit.publication.check import attack as attack_module

    calls, real = [], attack_module.attack
    monkeypatch.setattr(attack_module, "attack", lambda *a, **kw: calls.append(a[0]) or real(*a, **kw))
    return calls


def test_the_attack_memo_answers_as_the_attack_and_attacks_a_changed_release_again(
        real_attacks, attack_once_per_input, fake_pub, tmp_path):
    import os
    import shutil

    import pandas as pd

    from conftest import release_bytes
    from kentaudit.publication.check import folder
    from kentaudit.publication.check.folder import check_publication

    first = folder.attack(fake_pub)  # computed: the real answer
    copy = tmp_path / "copy" / "publish"
    shutil.copytree(fake_pub, copy)
    (copy / "appendix.html").write_text("<p>changed</p>", encoding="utf-8")  # not read by the attack
    again = folder.attack(copy)
    assert real_attacks == [fake_pub] and again == first and again is not first and first.ranges
    # a hidden count shown in a linked table (T7's authority row repeats T4's): read again, and found
    t4 = pd.read_csv(copy / "csv" / "T4.csv", dtype=str, keep_default_na=False)
    i = next(i for i, v in enumerate(t4.n_yes) if v == "[c]")
    t7 = pd.read_csv(copy / "csv" / "T7.csv", dtype=str, keep_default_na=False)
    k = t7.index[(t7.criterion == t4.criterion[i]) & (t7.district == "All districts")][-1]
    assert t7.at[k, "n_yes"] == "[c]"
    t7.at[k, "n_yes"] = "119"
    t7.to_csv(copy / "csv" / "T7.csv", index=False)
    assert "narrowed" in {f.kind for f in check_publication(copy)}
    assert real_attacks == [fake_pub, copy]
    # a link or a FIFO where the attack reads: no memo (the attack meets it itself, unread here)
    assert release_bytes(copy) is not None
    (copy / "csv" / "T99.csv").symlink_to(copy / "csv" / "T1.csv")
    assert release_bytes(copy) is None
    (copy / "csv" / "T99.csv").unlink()
    os.mkfifo(copy / "csv" / "T98.csv")
    assert release_bytes(copy) is None
