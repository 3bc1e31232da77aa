"""A partial answer ("Partially") and a grade scale that is not 1-4 through disclosure control and
the publication check (issue 22; docs/appendix.md "Partial answers and grade scales").

Fast: the bundled spec's Table 4 and Table 8, and a table of answers by unit written like Table 4
(so that small partial counts are hidden), are built from results frames worked out here from a
list of records, suppressed, written as a published folder and checked by
``check_publication`` (whose attack imports nothing of the suppression code). The full cycle of
the second authority with ``counts_as: excluded`` is tests/run/test_second_authority_cycle.py.
"""
from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest

from kentaudit.core.errors import DisclosureError
from kentaudit.publication.cells import Universe, answer_domain, grade_domain
from kentaudit.publication.check.folder import check_publication
from kentaudit.publication.disclosure import Context, definitions, suppress
from kentaudit.publication.spec import answer_scheme, build_tables, load_spec
from kentaudit.publication.writers.csv import write_csvs

C = "[c]"
UNITS = {"A": "North", "B": "North", "C": "South", "D": "South"}
#: answers to criterion k1 by unit: Y, N, P (partially), NA, missing. Unit A has 2 partial
#: answers: a sensitive count of 1..5, hidden
K1 = {"A": (20, 8, 2, 3, 1), "B": (18, 9, 7, 2, 0), "C": (25, 6, 9, 1, 1), "D": (17, 12, 8, 4, 0)}
K2 = {"A": (22, 6, 6, 0, 0), "B": (22, 6, 8, 0, 0), "C": (29, 7, 6, 0, 0), "D": (25, 9, 7, 0, 0)}
#: overall grades on a five-point scale: (grade, audits)
GRADES5 = {1: 20, 2: 60, 3: 40, 4: 15, 5: 9}
SAMPLE = "random_sample"


def _answers(rule):
    return SimpleNamespace(partial="P", partial_counts_as=rule,
                           labels={"Y": "Yes", "N": "No", "NA": "Not applicable", "P": "Partially"})


def _counts(y, n, p, na, m, rule):
    """One results row as the analysis counts it under the profile's rule (analysis/cycle.py reads
    a partial answer as Y or N for ``yes`` and ``no``; stats/proportions.py counts it apart)."""
    yes, no = y + (p if rule == "yes" else 0), n + (p if rule == "no" else 0)
    return {"n_audits": y + n + p + na + m, "n_yes": yes, "n_no": no, "n_denominator": yes + no,
            "n_partial": p, "n_not_applicable": na, "n_missing": m, "estimate": yes / (yes + no),
            "conf_low": 0.0, "conf_high": 1.0, "method": "wilson"}


def _frames(rule):
    crit, units = [], []
    for k, by in (("k1", K1), ("k2", K2)):
        tot = [sum(v[j] for v in by.values()) for j in range(5)]
        crit.append({"criterion": k, "criterion_label": f"Criterion {k}", **_counts(*tot, rule)})
        for area in ("North", "South"):
            for u in [u for u, a in UNITS.items() if a == area]:
                units.append({"criterion": k, "area": area, "district": u, **_counts(*by[u], rule)})
            part = [sum(by[u][j] for u, a in UNITS.items() if a == area) for j in range(5)]
            units.append({"criterion": k, "area": area, "district": "All units", **_counts(*part, rule)})
        units.append({"criterion": k, "area": "All areas", "district": "All units", **_counts(*tot, rule)})
    n = sum(GRADES5.values())
    grades = [{"sample": SAMPLE, "grade": f"{g} Grade {g}", "n_audits": k, "estimate": k / n}
              for g, k in GRADES5.items()]
    grades.append({"sample": SAMPLE, "grade": "Total", "n_audits": n, "estimate": 1.0})
    return {"compliance_by_criterion": pd.DataFrame(crit), "answers_by_unit": pd.DataFrame(units),
            "grades": pd.DataFrame(grades)}


def _spec(rule):
    """The bundled spec's Tables 4 and 8, and Table 90: answers by unit, written like Table 4."""
    spec = load_spec()
    keep = [dict(t) for t in spec["tables"] if t["id"] in ("T4", "T8")]
    t4 = next(t for t in keep if t["id"] == "T4")
    keep[0]["notes"] = keep[1]["notes"] = []
    by_unit = {"id": "T90", "title": "Answers by unit", "source": "answers_by_unit", "notes": [],
               "columns": [{"name": "criterion", "label": "Criterion", "kind": "label"},
                           {"name": "area", "label": "Area", "kind": "label"},
                           {"name": "district", "label": "Unit", "kind": "label"},
                           *[c for c in t4["columns"] if c["kind"] == "count"],
                           {"name": "estimate", "label": "Compliance", "kind": "derived", "unit": "%",
                            "from": ["n_yes", "n_denominator"], "scale": 100, "decimals": 1}],
               "defines": {"fixed": {"sample": "@main"},
                           "labels": {"criterion": "criterion", "area": "area", "district": "district"},
                           "columns": t4["defines"]["columns"]}}
    return answer_scheme({**spec, "tables": [*keep, by_unit]}, _answers(rule))


def _context(partial=True):
    u = Universe({"2025-26": [SAMPLE]}, dict(UNITS), {"2025-26": ["accepted"]}, ["k1", "k2"],
                 answers=answer_domain(partial), grades=grade_domain(["1", "2", "3", "4", "5"]))
    return Context("2025-26", u, {"2025-26": [SAMPLE]}, None)


def _publish(rule, folder):
    """Build, suppress and write the three tables under ``folder/csv``; the suppression result."""
    tables, skipped = build_tables(_spec(rule), ".", cycle="2025-26", samples=[SAMPLE], has_previous=False,
                                   frames=_frames(rule))
    assert not skipped
    ctx = _context()
    sup = suppress(tables, threshold=5, context=ctx, width=3)
    write_csvs(folder / "csv", sup.tables, ctx=ctx, sup=sup)
    return sup, tables, ctx


@pytest.fixture(scope="module", params=["excluded", "yes", "no"])
def published(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"partial-{request.param}") / "publish"
    sup, tables, ctx = _publish(request.param, folder)
    return SimpleNamespace(rule=request.param, folder=folder, sup=sup, tables=tables, ctx=ctx)


def _csv(folder, tid):
    return pd.read_csv(folder / "csv" / f"{tid}.csv", dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ the rule in what is published
def test_every_table_counting_answers_by_kind_shows_the_partial_answers(published):
    for tid in ("T4", "T90"):
        t = _csv(published.folder, tid)
        assert "n_partial" in t.columns, tid
    t4 = _csv(published.folder, "T4")
    assert t4["n_partial"].tolist() == [str(sum(v[2] for v in K1.values())), str(sum(v[2] for v in K2.values()))]


def test_the_compliance_denominator_follows_the_rule(published):
    """excluded: yes / (yes + no), the partial answers outside; yes: (yes + partial) / (yes + no +
    partial); no: yes / (yes + no + partial). Asserted on the published T4.csv against the records."""
    t4 = _csv(published.folder, "T4")
    for k, by in (("k1", K1), ("k2", K2)):
        y, n, p = (sum(v[j] for v in by.values()) for j in range(3))
        row = t4[t4["criterion"] == k].iloc[0]
        num = y + (p if published.rule == "yes" else 0)
        den = y + n + (p if published.rule in ("yes", "no") else 0)
        assert (int(row["n_yes"]), int(row["n_denominator"]), int(row["n_partial"])) == (num, den, p)
        assert float(row["estimate"]) == pytest.approx(100 * num / den, abs=0.05)
        assert int(row["n_audits"]) == sum(sum(v) for v in by.values())


def test_the_published_definitions_state_the_rule(published):
    meta = json.loads((published.folder / "csv" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["universe"]["answers"] == ["yes", "no", "na", "missing", "partial"]
    cols = next(t for t in meta["tables"] if t["id"] == "T4")["defines"]["columns"]
    want = {"excluded": (["yes"], ["no"], ["yes", "no"]),
            "yes": (["yes", "partial"], ["no"], ["yes", "no", "partial"]),
            "no": (["yes"], ["no", "partial"], ["yes", "no", "partial"])}[published.rule]
    assert (cols["n_yes"]["answer"], cols["n_no"]["answer"], cols["n_denominator"]["answer"]) == want
    assert cols["n_partial"] == {"answer": ["partial"]}


def test_the_additive_relations_hold_with_the_partial_level(published):
    """Every count of T4 and T90 is a sum of the finest cells (the system is consistent: suppress
    raised nothing); as relations between the published columns: answered = yes + no + partial,
    audits = answered + not applicable + not recorded, whatever the rule."""
    for tid in ("T4", "T90"):
        src = next(t for t in published.tables if t.id == tid).data
        folded = src["n_yes"] + src["n_no"] - (src["n_partial"] if published.rule != "excluded" else 0)
        assert (folded + src["n_partial"] + src["n_not_applicable"] + src["n_missing"] == src["n_audits"]).all()
        d = definitions(next(t for t in published.tables if t.id == tid), published.ctx)
        assert d[(0, "n_partial")].sets["answer"] == frozenset({"partial"})


def test_a_small_partial_count_is_hidden_and_the_check_finds_nothing(published):
    t90 = _csv(published.folder, "T90")
    a_k1 = t90[(t90["criterion"] == "k1") & (t90["district"] == "A")].iloc[0]
    assert a_k1["n_partial"] == C
    assert check_publication(published.folder, threshold=5, width=3) == []


# ------------------------------------------------------------------ assurance: planted leaks
def _planted(published, tmp_path):
    copy = tmp_path / "publish"
    shutil.copytree(published.folder, copy)
    return copy


def _write(folder, tid, df):
    df.to_csv(folder / "csv" / f"{tid}.csv", index=False)


def test_a_hidden_partial_count_shown_with_its_true_value_is_caught(published, tmp_path):
    copy = _planted(published, tmp_path)
    t90 = _csv(copy, "T90")
    i = t90.index[(t90["criterion"] == "k1") & (t90["district"] == "A")][0]
    t90.at[i, "n_partial"] = str(K1["A"][2])
    _write(copy, "T90", t90)
    found = check_publication(copy, threshold=5, width=3)
    assert any(f.kind == "small_count" and "T90" in f.file for f in found), found


def test_a_partial_count_derivable_from_the_counts_shown_around_it_is_caught(published, tmp_path):
    """Every complement hidden to protect unit A's partial answers shown again with its true value
    (each above the threshold, so no small count is shown): the area's total minus the shown
    units gives A's partial answers exactly, and the attack reports the [c]."""
    copy = _planted(published, tmp_path)
    audit = published.sup.audit
    t90 = _csv(copy, "T90")
    compl = audit[(audit["table_id"] == "T90") & (audit["reason"] == "secondary")]
    assert len(compl), "a complement protects the hidden partial count"
    for _, r in compl.iterrows():
        t90.at[int(r["row"]), r["column"]] = str(int(r["value"]))
    for tid in ("T4",):
        t = _csv(copy, tid)
        for _, r in audit[(audit["table_id"] == tid) & (audit["reason"] == "secondary")].iterrows():
            t.at[int(r["row"]), r["column"]] = str(int(r["value"]))
        _write(copy, tid, t)
    _write(copy, "T90", t90)
    found = check_publication(copy, threshold=5, width=3)
    i = t90.index[(t90["criterion"] == "k1") & (t90["district"] == "A")][0]
    assert any(f.kind == "narrowed" and "T90" in f.file and f"line {i + 2}" in f.location
               and "n_partial" in f.location for f in found), found


def test_the_attack_reads_the_partial_level_from_the_definitions_not_only_the_universe(published, tmp_path):
    """Metadata that leaves the partial answer out of its universe does not mislead the attack: a
    count's definition names it, so the folder still reads as consistent and safe (no finding),
    and the same planted leak is still found."""
    copy = _planted(published, tmp_path)
    mf = copy / "csv" / "metadata.json"
    meta = json.loads(mf.read_text(encoding="utf-8"))
    meta["universe"]["answers"] = ["yes", "no", "na", "missing"]
    mf.write_text(json.dumps(meta), encoding="utf-8")
    assert check_publication(copy, threshold=5, width=3) == []
    audit = published.sup.audit
    t90 = _csv(copy, "T90")
    for _, r in audit[(audit["table_id"] == "T90") & (audit["reason"] == "secondary")].iterrows():
        t90.at[int(r["row"]), r["column"]] = str(int(r["value"]))
    _write(copy, "T90", t90)
    found = check_publication(copy, threshold=5, width=3)
    assert any(f.kind == "narrowed" and "n_partial" in f.location for f in found), found


# ------------------------------------------------------------------ a five-point grade scale
def test_a_five_point_scale_counts_the_fifth_grade(published):
    """Grade 5 is a grade of the universe: its 9 audits are part of the Total row's 144 (with the
    four-point domain the fifth grade's count would have no cells and the system no solution)."""
    t8 = next(t for t in published.tables if t.id == "T8")
    d = definitions(t8, published.ctx)
    five = next(i for i, g in enumerate(t8.data["grade"]) if str(g).startswith("5 "))
    total = next(i for i, g in enumerate(t8.data["grade"]) if g == "Total")
    assert d[(five, "n_audits")].sets["grade"] == frozenset({"5"})
    assert d[(total, "n_audits")].sets["grade"] == frozenset({"1", "2", "3", "4", "5"})
    assert _csv(published.folder, "T8")["n_audits"].tolist() == ["20", "60", "40", "15", "9", "144"]


def test_a_grade_the_scale_lacks_is_refused_with_the_table_and_row():
    tables, _ = build_tables(_spec("excluded"), ".", cycle="2025-26", samples=[SAMPLE], has_previous=False,
                             frames=_frames("excluded"))
    t8 = next(t for t in tables if t.id == "T8")
    ctx = _context()
    ctx.universe.grades = grade_domain(["1", "2", "3", "4"])
    with pytest.raises(DisclosureError, match=r"T8 row 4: the grade '5 Grade 5' is not a grade"):
        definitions(t8, ctx)


def test_without_a_partial_answer_the_spec_is_unchanged():
    spec = load_spec()
    assert answer_scheme(spec, SimpleNamespace(partial=None)) is spec
