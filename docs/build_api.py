"""Build the API reference from the docstrings with pdoc (``make docs``).

    python docs/build_api.py [OUTPUT_FOLDER]      # default docs/api; works without make

Documents the package and every public module of ``kentaudit/`` (numpy
docstring style). ``tests/test_docs.py`` runs it, so the reference cannot rot.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def modules() -> list[str]:
    """``kentaudit`` and each ``kentaudit.<module>`` (``__main__`` runs the CLI, so not it)."""
    names = sorted(p.stem for p in (ROOT / "kentaudit").glob("*.py") if not p.stem.startswith("__"))
    return ["kentaudit", *(f"kentaudit.{n}" for n in names)]


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
