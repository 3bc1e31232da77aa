"""What the runner writes for an authority that is not Kent speaks its profile's words (issue 22,
item 5): the executed notebooks' markdown and the reviewer pages name its localities and say
"locality", "quadrant", "rest of Borsetshire", never "Kent" or "District".

Borsetshire is Kent's synthetic 2013 cycle with four localities in two quadrants
(``tests/analysis/other_authority.py``); the run is the districts notebook and the district
profile of one locality, through papermill as ``kentaudit run`` runs them.
"""
from __future__ import annotations

import html
import json
import re

import pytest
from other_authority import write_authority

from kentaudit.inputs.params import load_params
from kentaudit.run.runner import run_cycle

pytestmark = pytest.mark.slow

KENT = re.compile(r"\bKent\b")


def _page_text(path) -> str:
    t = path.read_text(encoding="utf-8")
    t = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", t, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t)))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("borsetshire-run")
    params = load_params(write_authority(folder))
    code = run_cycle(params, notebooks=["districts", "district_profile"], districts=["asv"], jobs=2,
                     appendix=False, reuse=False)
    return code, folder / "outputs" / "2013-partial"


def test_the_run_succeeds_for_a_locality_the_bundled_table_does_not_know(run):
    code, out = run
    assert code == 0
    assert (out / "results" / "profile__ASV.csv").is_file()


def test_executed_notebooks_markdown_is_in_the_profiles_words(run):
    _, out = run
    nb = json.loads((out / "notebooks" / "district_profile__ASV.ipynb").read_text(encoding="utf-8"))
    md = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert md.startswith("# Locality profile\n\nOne locality against the rest of Borsetshire")
    nb = json.loads((out / "notebooks" / "districts.ipynb").read_text(encoding="utf-8"))
    md = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "# Differences between localities and quadrants" in md and "## Each locality against the rest of Borsetshire" in md
    assert not KENT.search(md) and not re.search(r"\b[Dd]istricts?\b", md) and "{" not in md


def test_reviewer_pages_name_the_localities_in_the_profiles_words(run):
    _, out = run
    profile = _page_text(out / "html" / "district_profile__ASV.html")
    assert "Locality Ashdown Vale" in profile  # the provenance row
    assert "Locality profile" in profile and "rest of Borsetshire" in profile
    districts = _page_text(out / "html" / "districts.html")
    for words in ("Brookmere", "Coldharbour", "Denholm", "Locality", "Quadrant", "All localities",
                  "Compliance by locality and quadrant", "rest of Borsetshire"):
        assert words in districts, words
    for page in (profile, districts):
        assert not KENT.search(page)
        assert not re.search(r"\bDistricts?\b", page)
