"""The publication check reads the authority's own label ("Marrowdale") from metadata.json
(``universe.authority``), never from a name written into its code (docs/appendix.md,
"Published column names"). Published files of a pod-based authority, written by hand: a unit
column ``pod``, an area column ``quadrant``, the authority's rows labelled "Marrowdale"."""
from __future__ import annotations

import json

from kentaudit.publication.check.attack import attack
from kentaudit.publication.check.folder import check_publication

UNIVERSE = {"cycle": "2026", "cycles": {"2026": ["annual", "themed"]}, "main": {"2026": ["annual"]},
            "districts": {"Pod 1": "North", "Pod 2": "South"}, "statuses": {"2026": ["accepted"]},
            "criteria": [], "answers": ["yes", "no", "na", "missing"], "grades": ["1", "missing"], "paired": []}


def _column(name, label, kind):
    return {"name": name, "label": label, "kind": kind, "unit": "count" if kind == "count" else None,
            "derived_from": []}


def _release(root, rows, labels, authority="Marrowdale"):
    """A publish folder of one table T3 (``rows``: CSV text) whose label columns name ``labels``."""
    (root / "csv").mkdir(parents=True)
    (root / "csv" / "T3.csv").write_text(rows, encoding="utf-8")
    cols = [_column(c, c.title(), "label") for c in labels] + [_column("n_audits", "Audits", "count")]
    universe = dict(UNIVERSE, **({"authority": authority} if authority else {}))
    meta = {"tables": [{"id": "T3", "title": "Audits", "columns": cols,
                        "defines": {"labels": labels, "columns": {"n_audits": {}}},
                        "sums": [], "total_rows": [], "links": []}],
            "universe": universe,
            "disclosure": {"threshold": 5, "protection_width": 3, "hidden_at_least": 1, "earlier_releases": []}}
    (root / "csv" / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return root


UNITS = {"sample": "sample", "quadrant": "area", "pod": "district"}
#: a sample of 4 audits in the whole authority: a fact about the programme, shown whatever its size
WHOLE = "sample,quadrant,pod,n_audits\nannual,North,Pod 1,9\nannual,South,Pod 2,8\nannual,Marrowdale,Total,17\n" \
        "themed,Marrowdale,Total,4\n"


def test_a_count_of_the_authoritys_row_is_read_as_the_whole_authority(tmp_path):
    assert check_publication(_release(tmp_path / "p", WHOLE, UNITS), threshold=5) == []


def test_without_the_authority_in_the_metadata_its_row_is_not_a_total(tmp_path):
    """The label "Marrowdale" is a total only because metadata.json says so: without it (or with
    another authority's name) the row's 4 is a count of an unknown group, and a finding."""
    for authority in (None, "Kent"):
        found = check_publication(_release(tmp_path / str(authority), WHOLE, UNITS, authority), threshold=5)
        assert [(f.location, f.kind) for f in found] == [("line 5, column 'n_audits'", "small_count")]


def test_a_small_count_of_a_pod_is_still_caught(tmp_path):
    rows = WHOLE + "themed,North,Pod 1,4\n"
    found = check_publication(_release(tmp_path / "p", rows, UNITS), threshold=5)
    assert [(f.location, f.kind) for f in found] == [("line 6, column 'n_audits'", "small_count")]


def test_the_attack_reads_the_authoritys_row_as_every_unit(tmp_path):
    """A quadrant's hidden count is the authority's row less the other quadrant's: recovered
    exactly (a finding) because the attack reads "Marrowdale" as every unit. With the label
    written into the code as another authority's name it was read as no unit, and the leak missed."""
    rows = "sample,quadrant,n_audits\nannual,North,[c]\nannual,South,12\nannual,Marrowdale,15\n"
    labels = {"sample": "sample", "quadrant": "area"}
    res = attack(_release(tmp_path / "p", rows, labels))
    assert res.ranges[(0, "T3", 0, "n_audits")] == (3.0, 3.0)
    assert [(f, loc) for f, loc, _ in res.findings] == [("csv/T3.csv", "line 2, column 'n_audits'")]
    assert attack(_release(tmp_path / "q", rows, labels, authority=None)).findings == []


def test_an_earlier_release_is_read_by_its_own_names(tmp_path):
    """An earlier release published its area column as ``area`` (before the authority's words
    were used); this one as ``quadrant``. Each is read by its own metadata, so the count the
    earlier one showed gives away the count this one hides."""
    earlier = _release(tmp_path / "earlier", "sample,area,n_audits\nannual,North,3\nannual,South,12\n",
                       {"sample": "sample", "area": "area"})
    now = _release(tmp_path / "now", "sample,quadrant,n_audits\nannual,North,[c]\nannual,South,12\n",
                   {"sample": "sample", "quadrant": "area"})
    res = attack(now, [earlier])
    assert [(f, loc) for f, loc, d in res.findings if "shown elsewhere as 3" in d] == \
        [("csv/T3.csv", "line 2, column 'n_audits'")], res.findings
