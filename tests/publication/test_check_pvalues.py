"""The publication check's own test of adjusted p-values (``folder._pvalue_checks``): shown
failing on each fault it claims to catch, planted in a copy of the default 2009 appendix."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from kentaudit.publication.check.folder import check_publication

pytestmark = pytest.mark.slow


@pytest.fixture
def published(cycle_2009, tmp_path):
    pub = tmp_path / "publish"
    shutil.copytree(cycle_2009["cycle_dir"] / "publish", pub)
    return pub, cycle_2009["cycle_dir"] / "restricted"


def _families(pub):
    meta = json.loads((pub / "csv" / "metadata.json").read_text())
    for tm in meta["tables"]:
        for col, a in (tm.get("adjusted_p_values") or {}).items():
            t = pd.read_csv(pub / "csv" / f"{tm['id']}.csv", dtype=str, keep_default_na=False)
            for fam in a["families"]:
                yield tm["id"], col, a["raw"], fam, t


def _derived(findings, words):
    return [f for f in findings if f.kind == "derived" and words in f.detail]


def test_the_published_appendix_passes(published):
    pub, restricted = published
    assert _derived(check_publication(pub, restricted_dir=restricted), "adjust") == []


def test_a_wrong_adjusted_p_value_in_a_fully_shown_family_is_caught(published):
    pub, restricted = published
    tid, col, raw, fam, t = next((x for x in _families(pub) if all(
        x[4].at[r, x[2]] not in ("[c]", "", "[z]") for r in x[3]["rows"])), (None,) * 5)
    if tid is None:
        pytest.skip("no family with every raw p-value shown in this edition")
    r = fam["rows"][0]
    t.at[r, col] = "0.999" if t.at[r, col].startswith("<") or float(t.at[r, col]) < 0.5 else "0.001"
    t.to_csv(pub / "csv" / f"{tid}.csv", index=False)
    assert _derived(check_publication(pub, restricted_dir=restricted), "adjustment of its family")
