"""Build the API reference from the docstrings with pdoc (``make docs``).

    python docs/build_api.py [OUTPUT_FOLDER]      # default docs/api; works without make

Documents the package and every public module of ``kentaudit/`` (numpy
docstring style). ``tests/test_docs.py`` runs it, so the reference cannot rot.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: kentaudit 0.1's module paths, kept as deprecated aliases (docs/architecture.md): not documented
DEPRECATED = ("analyses", "notebook", "results", "params", "runner", "reference", "calibration",
              "district_ranks", "pseudonym")


def modules() -> list[str]:
    """``kentaudit``, each of its layers (``kentaudit.stats``) and each public module of a layer
    (``kentaudit.stats.funnel``), and ``kentaudit.cli``; not ``__main__`` (it runs the CLI), not
    private modules (``_legacy``, ``run._forkserver_preload``) and not the deprecated aliases."""
    out = ["kentaudit"]
    for p in sorted((ROOT / "kentaudit").rglob("*.py")):
        parts = p.relative_to(ROOT / "kentaudit").with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts or any(x.startswith("_") for x in parts):
            continue
        if len(parts) == 1 and parts[0] in DEPRECATED:
            continue
        out.append(".".join(("kentaudit", *parts)))
    return out


def build(out: Path) -> Path:
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="numpy", footer_text="kentaudit API reference",
                          search=True, show_source=False)
    import warnings

    with warnings.catch_warnings():
        # pandas' own annotations (members a DataFrame subclass inherits) do not all resolve
        warnings.filterwarnings("ignore", message="Error parsing type annotation")
        pdoc.pdoc(*modules(), output_directory=out)
    return out / "index.html"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "api"
    index = build(target)
    print(f"API reference: {index}")
