"""The layers of ``docs/architecture.md``, checked on the source: imports only go down.

Read from the AST of every module of the installed package (nothing is imported):

* a module imports kentaudit modules of its own layer or a lower one, never a higher one;
* no import circle, counting imports inside functions;
* no private name (``_x``) is imported from, or read off, another module;
* imports sit at the top of a module; one inside a function says why beside it, with the
  measured cost it saves (``# deferred: ...``);
* the publication check (``publication/check/``) imports nothing of the disclosure code it
  checks: only ``core``;
* the package data paths users rely on (``kentaudit/data``) are where they were.

Each check is shown to fail on a planted breach of its kind (the ``test_planted_*`` tests).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import kentaudit

PACKAGE = Path(kentaudit.__file__).resolve().parent

#: layers from the bottom; the package's own top level (cli, the deprecated aliases) sits above
LAYERS = ("core", "inputs", "stats", "report", "publication", "analysis", "run")
TOP = len(LAYERS)
DEFERRED = re.compile(r"#\s*deferred:.*\d")


@dataclass
class Module:
    name: str                       # kentaudit.stats.funnel
    path: Path
    source: str
    imports: list = field(default_factory=list)    # (target module, names, line, top level?)
    private_reads: list = field(default_factory=list)  # (target module, attribute, line)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return TOP


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(mod: Module, node: ast.ImportFrom) -> str | None:
    if node.level:
        base = mod.name.split(".")
        if not mod.path.name == "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module


def _is_known(name: str, modules: dict) -> str | None:
    """The longest prefix of ``name`` that is a kentaudit module."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        cand = ".".join(parts[:k])
        if cand in modules:
            return cand
    return None


def read_package(root: Path) -> dict[str, Module]:
    modules = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        modules[name] = Module(name, path, path.read_text(encoding="utf-8"))
    for mod in modules.values():
        tree = ast.parse(mod.source)
        top_level = set()
        for node in tree.body:
            # module-level imports, also under ``if TYPE_CHECKING`` or ``try``
            for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    top_level.add(id(sub))
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == "kentaudit":
                        target = _is_known(a.name, modules)
                        if target:
                            mod.imports.append((target, [], node.lineno, id(node) in top_level))
                            aliases[a.asname or a.name] = target
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, node)
                if not base or base.split(".")[0] != "kentaudit":
                    continue
                for a in node.names:
                    sub = _is_known(f"{base}.{a.name}", modules)
                    if sub == f"{base}.{a.name}":       # from kentaudit.stats import funnel
                        mod.imports.append((sub, [], node.lineno, id(node) in top_level))
                        aliases[a.asname or a.name] = sub
                    else:
                        target = _is_known(base, modules)
                        if target:
                            mod.imports.append((target, [a.name], node.lineno, id(node) in top_level))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                mod.private_reads.append((aliases[node.value.id], node.attr, node.lineno))
    return modules


def _in_package(name: str) -> bool:
    return name.split(".")[0] == "kentaudit"


def upward_imports(modules) -> list[str]:
    out = []
    for mod in modules.values():
        for target, _, line, _ in mod.imports:
            if target in (mod.name, "kentaudit") and mod.name != "kentaudit" and layer_of(mod.name) < TOP:
                out.append(f"{mod.name}:{line} imports the package root 'kentaudit' (top layer)")
            elif layer_of(target) > layer_of(mod.name):
                out.append(f"{mod.name}:{line} imports {target} from a higher layer "
                           f"({LAYERS[layer_of(mod.name)] if layer_of(mod.name) < TOP else 'top'} < "
                           f"{LAYERS[layer_of(target)] if layer_of(target) < TOP else 'top'})")
    return out


def import_cycles(modules) -> list[str]:
    graph = {m.name: sorted({t for t, *_ in m.imports if t != m.name and t in modules
                             and not _package_of(m.name, t)}) for m in modules.values()}
    cycles, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for t in graph.get(n, ()):
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return cycles


def _package_of(child: str, parent: str) -> bool:
    """Importing a submodule loads its package's ``__init__`` first: that edge is not an import
    of the package by the module."""
    return child.startswith(parent + ".")


def private_imports(modules) -> list[str]:
    out = []
    for mod in modules.values():
        for target, names, line, _ in mod.imports:
            for n in names:
                if n.startswith("_") and not n.startswith("__") and target != mod.name:
                    out.append(f"{mod.name}:{line} imports the private name {n} from {target}")
        for target, attr, line in mod.private_reads:
            if target != mod.name:
                out.append(f"{mod.name}:{line} reads the private name {attr} of {target}")
    return out


def inner_imports(modules) -> list[str]:
    out = []
    for mod in modules.values():
        lines = mod.source.splitlines()
        tree = ast.parse(mod.source)
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in top:
                continue
            if _module_level(tree, node):
                continue
            # the comment on the import's line, or the block of comment lines right above it
            said = [lines[node.lineno - 1]]
            k = node.lineno - 2
            while k >= 0 and lines[k].strip().startswith("#"):
                said.insert(0, lines[k].strip())
                k -= 1
            if not DEFERRED.search(" ".join(said)):
                what = ast.get_source_segment(mod.source, node) or ""
                out.append(f"{mod.name}:{node.lineno} imports inside a function without a "
                           f"measured reason ('# deferred: ...'): {what.splitlines()[0]}")
    return out


def _module_level(tree, node) -> bool:
    """An import under a module-level ``if``/``try`` (optional dependencies) is top level."""
    for top in tree.body:
        if isinstance(top, (ast.If, ast.Try)) and any(n is node for n in ast.walk(top)):
            return not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                           and any(m is node for m in ast.walk(n)) for n in ast.walk(top))
    return False


def check_independent(modules) -> list[str]:
    out = []
    for mod in modules.values():
        if not mod.name.startswith("kentaudit.publication.check"):
            continue
        for target, _, line, _ in mod.imports:
            if not (target.startswith("kentaudit.core") or target.startswith("kentaudit.publication.check")
                    or target == "kentaudit.publication"):
                out.append(f"{mod.name}:{line} imports {target}: the publication check may use only "
                           "core, so a bug in the code it checks cannot hide itself")
    return out


CHECKS = (upward_imports, import_cycles, private_imports, inner_imports, check_independent)


@pytest.fixture(scope="module")
def package():
    return read_package(PACKAGE)


def test_every_module_is_in_a_layer_or_the_top_level(package):
    top = sorted(m for m in package if layer_of(m) == TOP)
    assert top == ["kentaudit", "kentaudit.__main__", "kentaudit._legacy", "kentaudit.analyses",
                   "kentaudit.calibration", "kentaudit.cli", "kentaudit.district_ranks",
                   "kentaudit.notebook", "kentaudit.params", "kentaudit.pseudonym",
                   "kentaudit.reference", "kentaudit.results", "kentaudit.runner"]


def test_no_module_imports_a_higher_layer(package):
    assert upward_imports(package) == []


def test_no_import_circle(package):
    assert import_cycles(package) == []


def test_no_private_name_crosses_modules(package):
    assert private_imports(package) == []


def test_imports_are_at_the_top_or_say_why_not(package):
    assert inner_imports(package) == []


def test_the_publication_check_is_independent_of_what_it_checks(package):
    assert check_independent(package) == []


def test_package_data_stays_where_users_find_it():
    for f in ("appendix_spec.yaml", "columns.csv", "criteria.csv", "districts.csv", "grade_scales.csv"):
        assert (PACKAGE / "data" / f).is_file()


# ------------------------------------------------------------------ planted breaches

def _planted(tmp_path, files: dict[str, str]) -> dict[str, Module]:
    root = tmp_path / "kentaudit"
    for rel, text in {"__init__.py": "", **files}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        for parent in p.parents:
            if parent == root.parent:
                break
            (parent / "__init__.py").touch()
        p.write_text(text)
    return read_package(root)


PLANTED = {
    "upward import": (upward_imports, {
        "stats/funnel.py": "from kentaudit.publication.table import Column\n",
        "publication/table.py": "Column = 1\n"},
        ["kentaudit.stats.funnel:1 imports kentaudit.publication.table from a higher layer "
         "(stats < publication)"]),
    "circle through a function": (import_cycles, {
        "publication/a.py": "from kentaudit.publication import b\n",
        "publication/b.py": "def f():\n    from kentaudit.publication import a  # deferred: 1 s\n"},
        ["kentaudit.publication.a -> kentaudit.publication.b -> kentaudit.publication.a"]),
    "private names": (private_imports, {
        "report/charts.py": "def _wrap():\n    pass\n",
        "report/caterpillar.py": "from kentaudit.report.charts import _wrap\n",
        "report/other.py": "from kentaudit.report import charts\nx = charts._wrap\n"},
        ["kentaudit.report.caterpillar:1 imports the private name _wrap from kentaudit.report.charts",
         "kentaudit.report.other:2 reads the private name _wrap of kentaudit.report.charts"]),
    "inner import without a reason": (inner_imports, {
        "core/a.py": "def f():\n    import json\n",
        "core/b.py": "def f():\n    # deferred: pyarrow costs 0.4 s\n    import json\n",
        "core/c.py": "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n"},
        ["kentaudit.core.a:2 imports inside a function without a measured reason ('# deferred: ...'): "
         "import json"]),
    "check importing disclosure": (check_independent, {
        "publication/check/folder.py": "from kentaudit.publication import disclosure\n",
        "publication/disclosure.py": ""},
        ["kentaudit.publication.check.folder:1 imports kentaudit.publication.disclosure: the publication "
         "check may use only core, so a bug in the code it checks cannot hide itself"]),
}


@pytest.mark.parametrize("kind", PLANTED)
def test_a_planted_breach_of_each_kind_is_named(tmp_path, kind):
    check, files, expected = PLANTED[kind]
    assert sorted(check(_planted(tmp_path, files))) == expected
