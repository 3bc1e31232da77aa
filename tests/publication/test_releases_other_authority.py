"""The modelled earlier appendices of an authority that is not the bundled example (issue 22):
``model_releases`` rebuilds a non-Kent programme's earlier appendices in that authority's words
(its name, its unit and area words, its own five-point scale and its own sample), and the
publication check's independent attack reads them as it reads a published appendix: clean as
modelled, and catching a count an earlier appendix hid once a later table shows it.

The programme is built here: the fictional "Thamesbury", practice groups in two service areas,
one random sample "monthly_random" audited in 2024, 2025 and 2026, and a criterion answered
"no" in only two audits a cycle (so its authority-wide counts are hidden)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kentaudit.inputs.profile import Words
from kentaudit.publication import releases
from kentaudit.publication.check.attack import attack
from kentaudit.publication.spec import load_spec
from kentaudit.report.results import save_table

WORDS = Words(authority="Thamesbury", unit="practice group", units="practice groups", area="service area",
              areas="service areas")
UNITS = pd.DataFrame({"district": ["MASH", "Assessment North", "Permanence", "Leaving Care"],
                      "district_code": ["MAS", "ASN", "PER", "LEA"],
                      "area": ["Front Door", "Front Door", "Looked After", "Looked After"],
                      "children_on_plans": [60, 80, 90, 70]})
SCALE = {1: "Excellent", 2: "Good", 3: "Fair", 4: "Requires improvement", 5: "Inadequate"}
CRITERIA = ["chronology", "plan_smart", "child_seen"]
SAMPLE = "monthly_random"


def _audits() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for cycle in ("2024", "2025", "2026"):
        k = 0
        for unit, n in zip(UNITS["district"], (30, 28, 26, 24)):
            for _ in range(n):
                k += 1
                rows.append({"cycle": cycle, "sample": SAMPLE, "district": unit,
                             "c_chronology": rng.choice(["Y", "N", "NA"], p=[0.6, 0.3, 0.1]),
                             "c_plan_smart": rng.choice(["Y", "N"], p=[0.7, 0.3]),
                             # "no" in only two audits of each cycle: its authority-wide counts are sensitive
                             "c_child_seen": "N" if k in (3, 40) else "Y",
                             "overall_grade": float(rng.integers(1, 6))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("thamesbury")
    audits = _audits()
    save_table(releases.programme_counts(audits, [f"c_{c}" for c in CRITERIA], UNITS), "programme_counts",
               tmp / "results")
    save_table(releases.programme_grades(audits, UNITS), "programme_grades", tmp / "results")
    folders = releases.model_releases(
        tmp, tmp / "restricted" / "earlier_releases", cycle="2026", spec=load_spec(words=WORDS), districts=UNITS,
        threshold=5, width=3, grade_labels={g: f"{g} {lab}" for g, lab in SCALE.items()}, words=WORDS, producer="London Borough of Thamesbury",
        criterion_words={"chronology": "Chronology up to date", "plan_smart": "Plan is SMART",
                         "child_seen": "Child seen within timescales"},
        sample_order=(SAMPLE,), main_samples=(SAMPLE,))
    return folders


def _meta(folder):
    return json.loads((folder / "csv" / "metadata.json").read_text(encoding="utf-8"))


def test_the_earlier_appendices_are_modelled_in_the_authoritys_words(modelled):
    assert [p.name for p in modelled] == ["2024", "2025"]
    for folder in modelled:
        meta = _meta(folder)
        assert meta["universe"]["authority"] == "Thamesbury"
        titles = " ".join(t.get("title", "") for t in meta["tables"])
        assert "practice group" in titles and "district" not in titles.lower() and "Kent" not in titles
        for f in sorted((folder / "csv").glob("T*.csv")):
            cells = pd.read_csv(f, dtype=str, keep_default_na=False)
            text = " ".join(" ".join(cells[c]) for c in cells.columns)  # the cells a reader sees
            assert "Kent" not in text and "district" not in text.lower(), (f.name, text[:300])
        t8 = pd.read_csv(folder / "csv" / "T8.csv", dtype=str, keep_default_na=False)
        shown = " ".join(" ".join(t8[c]) for c in t8.columns)
        assert all(label in shown for label in SCALE.values()), shown  # all five grades of its own scale
        t7 = pd.read_csv(folder / "csv" / "T7.csv", dtype=str, keep_default_na=False)
        assert set(UNITS["district"]) <= {v for c in t7.columns for v in t7[c]}


def test_the_check_attacks_the_modelled_appendices_and_finds_them_clean(modelled):
    res = attack(modelled[-1], modelled[:-1])
    assert res.findings == [], res.findings
    assert res.ranges  # hidden counts were attacked, not skipped


def test_a_count_an_earlier_appendix_hid_shown_by_a_later_one_is_caught(modelled, tmp_path):
    """The 2024 appendix hid the authority-wide yes count of the criterion answered "no" twice; the
    2025 appendix's trend table (T11) repeats 2024's counts. Showing the hidden count there is
    found by the attack reading both."""
    import shutil

    first, second = modelled
    hidden = [c["definition"] for c in _meta(first)["release"]["cells"]
              if c["value"] is None and (c["definition"].get("branch") or [None, None])[-1] == "child_seen"
              and c["definition"].get("answer") == ["yes"]]
    assert hidden, "the 2024 model hid no authority-wide count of child_seen"
    planted = tmp_path / "2025"
    shutil.copytree(second, planted)
    t11 = pd.read_csv(planted / "csv" / "T11.csv", dtype=str, keep_default_na=False)
    row = t11.index[(t11["cycle"] == "2024") & (t11["criterion"] == "child_seen")]
    assert len(row) == 1 and t11.at[row[0], "n_yes"] == "[c]"
    t11.at[row[0], "n_yes"] = "112"  # the true count: 114 audits, two of them "no"
    t11.to_csv(planted / "csv" / "T11.csv", index=False)
    found = attack(planted, [first]).findings
    assert found, "a count the earlier appendix hid, shown in the trend table, was not found"
