"""The API reference builds from the docstrings (``make docs`` = ``python docs/build_api.py``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import build_api  # noqa: E402 - docs/ is not a package

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("api")
    res = subprocess.run([sys.executable, str(ROOT / "docs" / "build_api.py"), str(out)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Error importing" not in res.stderr, res.stderr[-2000:]
    return out


def test_every_public_module_has_a_page(api):
    modules = [m for m in build_api.modules() if m != "kentaudit"]
    assert "kentaudit.stats.funnel" in modules and "kentaudit.analysis.groups" in modules
    missing = [m for m in modules if not (api / (m.replace(".", "/") + ".html")).is_file()]
    assert (api / "index.html").is_file() and (api / "kentaudit.html").is_file()
    assert missing == []


def test_the_reference_shows_the_docstrings_of_the_curated_api(api):
    page = (api / "kentaudit" / "analysis" / "groups.html").read_text(encoding="utf-8")
    assert "compare_groups" in page and "n_denominator_a" in page and "catalogue order" in page
    top = (api / "kentaudit.html").read_text(encoding="utf-8")
    assert "compare_groups" in top and "load_cycle" in top


def test_make_docs_runs_the_same_builder():
    assert "docs/build_api.py docs/api" in (ROOT / "Makefile").read_text()
