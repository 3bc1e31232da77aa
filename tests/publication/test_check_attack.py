"""The publication check attacks: real appendices pass, and every leak class planted in a copy is caught.

The default cycles are run once per session (tests/conftest.py), and so is the structure
``rare_no`` (the 2013 cycle with a criterion answered "no" in only 3 audits: the one
appendix here hiding an authority-wide count of a criterion's answers, which the default
cycles no longer hide). Each test copies a real ``publish/`` folder, plants one leak of a class the issue names (a repeated
this-cycle row in the trend table, an undeclared total, a pooled-sample bridge, chart
geometry, an adjusted-p rank, a percentage of a hidden count, a cell shown in one
format and hidden in another) using the true values from ``restricted/``, and checks
that ``check_publication`` (whose attack, kentaudit/publication/check/attack.py, imports nothing of the
suppression code) names it.
"""
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from test_disclosure_structures import run_structure

from kentaudit.publication.check.attack import Release, _adjusted_p_attack, attack
from kentaudit.publication.check.folder import check_publication
from kentaudit.stats.multiplicity import adjust

C = "[c]"


@pytest.fixture
def pub2009(cycle_2009, tmp_path):
    assert cycle_2009["code"] == 0
    dst = tmp_path / "publish"
    shutil.copytree(cycle_2009["cycle_dir"] / "publish", dst)
    return dst, cycle_2009["cycle_dir"]


@pytest.fixture
def pub2013(cycle_2013, tmp_path):
    assert cycle_2013["code"] == 0
    dst = tmp_path / "publish"
    shutil.copytree(cycle_2013["cycle_dir"] / "publish", dst)
    return dst, cycle_2013["cycle_dir"]


@pytest.fixture
def pub_rare(shared_tmp, tmp_path):
    """The 2013 cycle with one criterion answered "no" in only 3 audits in 2012 and in 2013
    (structure ``rare_no``, tests/fixtures/structures/make_structure.py): the default cycles
    hide no authority-wide count of a criterion's answers, this one must."""
    run = run_structure(shared_tmp, "rare_no", "2013")
    assert run["code"] == 0
    dst = tmp_path / "publish"
    shutil.copytree(run["dir"] / "publish", dst)
    return dst, run["dir"]


def csv(pub, tid):
    return pd.read_csv(pub / "csv" / f"{tid}.csv", dtype=str, keep_default_na=False)


def restricted(cdir, tid):
    return pd.read_csv(cdir / "restricted" / f"RESTRICTED_{tid}.csv", dtype=str, keep_default_na=False)


def kinds(findings):
    return {f.kind for f in findings}


@pytest.mark.slow  # reads the shared default cycles (tests/conftest.py)
@pytest.mark.parametrize("which", ["2009", "2013"])
def test_real_appendices_pass_the_attack(which, request):
    pub, cdir = request.getfixturevalue(f"pub{which}")
    res = attack(pub)
    assert res.ranges, "the appendix hides counts"
    assert res.findings == []
    width = json.loads((pub / "csv" / "metadata.json").read_text())["disclosure"]["protection_width"]
    assert all(hi - lo >= width for lo, hi in res.ranges.values())
    assert check_publication(pub, restricted_dir=cdir / "restricted") == []


def test_attack_recovers_nothing_the_restricted_tables_hold(pub2009):
    # every proven range contains the true value (the attack is sound)
    pub, cdir = pub2009
    res = attack(pub)
    for (_, tid, i, col), (lo, hi) in res.ranges.items():
        true = float(restricted(cdir, tid).at[i, col])
        assert lo - 1e-6 <= true <= hi + 1e-6


@pytest.mark.slow
def test_repeated_this_cycle_row_in_the_trend_table_caught(pub_rare):
    # Table 11's row for this cycle repeats Table 4's authority-wide counts: showing there the
    # count Table 4 hides (of genogram, with 3 "no" answers) shows it everywhere
    pub, cdir = pub_rare
    assert check_publication(pub) == []
    t11, r11 = csv(pub, "T11"), restricted(cdir, "T11")
    i, col = next((i, col) for i in range(len(t11)) for col in ("n_denominator", "n_yes")
                  if t11.at[i, "cycle"] == "2013" and t11.at[i, col] == C)
    assert t11.at[i, "criterion"] == "genogram"
    t4 = csv(pub, "T4")
    assert t4.loc[t4["criterion"] == "genogram", col].tolist() == [C]
    t11.at[i, col] = r11.at[i, col]
    t11.to_csv(pub / "csv" / "T11.csv", index=False)
    f = [x for x in check_publication(pub) if x.kind == "narrowed"]
    assert any(x.file == "csv/T4.csv" and f"column {col!r}" in x.location and "shown elsewhere" in x.detail
               for x in f), f


def test_undeclared_total_row_caught(pub2009):
    # an area total of the re-audit sample, a row the metadata never mentions, for the
    # area with fewest hidden districts (one hidden: recovered by subtraction)
    pub, cdir = pub2009
    t3, r3 = csv(pub, "T3"), restricted(cdir, "T3")
    areas = {}
    for i in range(len(t3)):
        if t3.at[i, "sample"] == "reaudit" and t3.at[i, "area"] != "Kent":
            areas.setdefault(t3.at[i, "area"], []).append(i)
    area, rows = min(((a, r) for a, r in areas.items() if any(t3.at[i, "n_audits"] == C for i in r)),
                     key=lambda ar: sum(t3.at[i, "n_audits"] == C for i in ar[1]))
    total = sum(int(r3.at[i, "n_audits"]) for i in rows)
    t3 = pd.concat([t3, pd.DataFrame([{"sample": "reaudit", "area": area, "district": "All districts",
                                       "n_audits": str(total)}])], ignore_index=True)
    t3.to_csv(pub / "csv" / "T3.csv", index=False)
    f = [x for x in check_publication(pub) if x.kind == "narrowed"]
    assert any(x.file == "csv/T3.csv" for x in f)


def test_pooled_sample_bridge_caught(pub2009):
    # T9's "All samples" row pools the samples (moderation of every sample): showing the
    # counts of another sample that the suppression hid to protect a small count pins
    # the small count again through the pooled row
    pub, cdir = pub2009
    audit = pd.read_csv(cdir / "restricted" / "RESTRICTED_suppression_audit.csv", dtype=str, keep_default_na=False)
    rows = audit[(audit.table_id == "T9") & (audit.reason == "secondary")]
    assert len(rows), "2009's T9 hides counts of other samples to protect a small one"
    t9, r9 = csv(pub, "T9"), restricted(cdir, "T9")
    for i, col in zip(rows.row.astype(int), rows.column):
        t9.at[i, col] = r9.at[i, col]
    t9.to_csv(pub / "csv" / "T9.csv", index=False)
    assert "narrowed" in kinds(check_publication(pub))


def test_chart_geometry_of_a_hidden_segment_caught(pub2009):
    # F2 redrawn from the unsuppressed grades: its segment widths give the hidden counts
    from kentaudit.publication import figures as pubfigures
    from kentaudit.publication.table import Column, PublicationTable
    pub, cdir = pub2009
    r8 = restricted(cdir, "T8").drop(columns="restricted")
    r8["n_audits"] = r8["n_audits"].astype(int)
    t8 = PublicationTable("T8", "Grades", r8[["sample", "grade", "n_audits"]],
                          [Column("sample", "Sample", "label"), Column("grade", "Grade", "label"),
                           Column("n_audits", "Audits", "count", "count")])
    kind, fig, cap, alt, marks = pubfigures._grades(t8, pub / "figures")
    pubfigures._save(fig, pub / "figures", "F2", {"id": "F2", "marks": marks, "alt": alt, "caption": cap})
    f = [x for x in check_publication(pub) if x.kind == "figure"]
    assert any("which the table hides" in x.detail and "geometry gives" in x.detail for x in f)


def test_notebook_figure_with_undeclared_marks_caught(pub2009):
    pub, cdir = pub2009
    shutil.copyfile(cdir / "figures" / "grades_by_sample.svg", pub / "figures" / "F2.svg")
    (pub / "figures" / "F2.json").write_text(json.dumps({"alt": "grades", "caption": "grades"}))
    assert "figure" in kinds(check_publication(pub))


def test_adjusted_p_rank_of_hidden_rows_caught(pub2009):
    # T6's adjusted p-values as the analysis computed them over all its criteria, shown also where
    # a hidden row sets them (Holm's running maximum, the rank of a hidden p-value)
    pub, cdir = pub2009
    t6 = csv(pub, "T6")
    src = pd.read_csv(cdir / "results" / "reaudit_paired.csv")
    planted = 0
    for i in range(len(t6)):
        if t6.at[i, "p_adjusted"] == C and t6.at[i, "p_value"] != C:
            t6.at[i, "p_adjusted"] = f"{src.at[i, 'p_adjusted']:.3f}"
            planted += 1
    assert planted >= 1
    t6.to_csv(pub / "csv" / "T6.csv", index=False)
    found = [x for x in check_publication(pub) if x.file == "csv/T6.csv"]
    assert found and all("rules out some values" in x.detail and "hidden rows of its family" in x.detail for x in found)


def test_funnel_bands_of_the_analysis_narrow_hidden_counts_and_the_published_ones_do_not(pub2009):
    """Issue 25's attack: 2009, supervision. The bands as the analysis has them, published beside
    Tonbridge and Malling's and Tunbridge Wells's hidden yes counts, leave only splits of them that
    put the first at 6 to 8 (true 6) and the second at 3 to 5 (true 5), narrower than the
    protection width of 3. The published appendix hides the bands those counts could change."""
    pub, cdir = pub2009
    assert attack(pub).findings == []
    t7, true = csv(pub, "T7"), restricted(cdir, "T7")
    sup = t7[t7["criterion"] == "supervision"]
    hidden_yes = {t7.at[i, "district"]: int(true.at[i, "n_yes"]) for i in sup.index if t7.at[i, "n_yes"] == C}
    assert hidden_yes == {"Tonbridge and Malling": 6, "Tunbridge Wells": 5}
    # the old behaviour: every band of a district whose counts are shown, as the analysis has it
    for i in t7.index:
        if t7.at[i, "funnel_band"] == C and t7.at[i, "n_yes"] != C and t7.at[i, "n_denominator"] != C:
            t7.at[i, "funnel_band"] = true.at[i, "funnel_band"]
    t7.to_csv(pub / "csv" / "T7.csv", index=False)
    found = {(x[1], x[2].split(" by ")[0]) for x in attack(pub).findings if "funnel bands of criterion supervision" in x[2]}
    rows = {d: i for i, d in zip(sup.index, sup["district"])}
    assert found == {(f"line {rows['Tonbridge and Malling'] + 2}, column 'n_yes'", "[c] narrowed to [6, 8]"),
                     (f"line {rows['Tunbridge Wells'] + 2}, column 'n_yes'", "[c] narrowed to [3, 5]")}


def _hidden_unit_yes(pub):
    """Rows of Table 7 whose yes count is hidden while the unit's answered count is shown (the
    default 2009 cycle has such rows: units whose yes count is 1 to 5, or a complement)."""
    t7 = csv(pub, "T7")
    rows = [i for i in range(len(t7)) if t7.at[i, "n_yes"] == C and t7.at[i, "n_denominator"] != C]
    assert rows, "the 2009 appendix hides no unit's yes count beside a shown answered count: no site"
    return rows


def test_percentage_of_a_hidden_count_caught(pub2009):
    # showing a unit's percentage beside its shown answered count, where its yes count is
    # hidden: yes = answered x percentage (the percentage to one decimal pins it). The
    # relation is the shown percentage of two counts, one of them hidden (whichever: it was the
    # answered count when authority-wide answered counts were hidden, docs/appendix.md)
    pub, cdir = pub2009
    t7, r7 = csv(pub, "T7"), restricted(cdir, "T7")
    i = _hidden_unit_yes(pub)[0]
    assert t7.at[i, "estimate"] == C
    t7.at[i, "estimate"] = f"{100 * float(r7.at[i, 'estimate']):.1f}"
    t7.to_csv(pub / "csv" / "T7.csv", index=False)
    f = [x for x in check_publication(pub) if x.kind == "narrowed"]
    true = int(r7.at[i, "n_yes"])
    assert any(x.file == "csv/T7.csv" and x.location == f"line {i + 2}, column 'n_yes'"
               and f"recovered exactly: {true}" in x.detail for x in f), f


def test_cell_shown_in_the_workbook_but_hidden_in_the_csv_caught(pub2009):
    import openpyxl
    pub, cdir = pub2009
    wb = openpyxl.load_workbook(pub / "appendix.xlsx")
    ws = wb["Table 3"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == C)
    cell.value = 3
    wb.save(pub / "appendix.xlsx")
    f = [x for x in check_publication(pub) if x.kind in ("derived", "small_count")]
    assert f


def test_table_without_metadata_cannot_be_shown_safe(pub2009):
    pub, _ = pub2009
    pd.DataFrame({"district": ["Dover", "Swale"], "n_cases": ["12", "40"]}).to_csv(pub / "csv" / "T99.csv", index=False)
    f = check_publication(pub)
    assert any(x.file == "csv/T99.csv" and x.kind == "narrowed" for x in f)


def test_earlier_release_counts_are_used(pub2009, tmp_path):
    # an "earlier release" showing a count that this release hides (a unit's yes count of
    # Table 7, its true value from restricted/): the attack knows it from that release
    pub, cdir = pub2009
    other = tmp_path / "earlier" / "publish"
    shutil.copytree(pub, other)
    i = _hidden_unit_yes(other)[0]
    t7, r7 = csv(other, "T7"), restricted(cdir, "T7")
    t7.at[i, "n_yes"] = r7.at[i, "n_yes"]
    t7.to_csv(other / "csv" / "T7.csv", index=False)
    assert attack(pub).findings == []
    found = attack(pub, [other]).findings
    assert ("csv/T7.csv", f"line {i + 2}, column 'n_yes'",
            f"[c] counts the same records as a count shown elsewhere as {int(r7.at[i, 'n_yes'])}") in found, found


def test_attack_and_check_import_nothing_of_the_suppression_code():
    import ast

    import kentaudit.publication.check.attack
    import kentaudit.publication.check.folder
    for mod in (kentaudit.publication.check.attack, kentaudit.publication.check.folder):
        tree = ast.parse(open(mod.__file__, encoding="utf-8").read())
        names = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {x for x in names if any(k in x for k in ("disclosure", "cellmodel", "pubtable", "appendix"))}


def test_an_adjusted_p_value_the_same_for_every_hidden_p_value_is_not_a_finding():
    # Table 11 of the structure rare_no under Holm, as the suppression published it (trend
    # tests of the 20 criteria; genogram's row hidden); exact raw p-value of core_group_10wd
    # 0.000646, adjusted 0.00258 with the hidden p-value at 0 and 0.00323 at 1: both 0.003
    raw = ["0.0000"] * 7 + [C, "0.0010", "0.0001", "0.0006", "0.3466", "0.0002", "0.0000", "0.0000",
                             "0.0021", "0.0000", "0.0000", "0.0000", "0.0000"]
    adj = ["0.000"] * 7 + [C, C, "0.000", "0.003", C, "0.001", "0.000", "0.000", C, "0.000", "0.000",
                           "0.000", "0.000"]
    true = [4.03e-07, 2.28e-08, 1.78e-07, 1.98e-07, 4.62e-06, 7.57e-07, 1.49e-15, 8.2e-43, 0.000953,
            5.29e-05, 0.000646, 0.3466, 0.000168, 3.17e-08, 7.35e-10, 0.00214, 4.13e-05, 2.30e-06,
            3.96e-11, 1.81e-09]
    for h in (0.0, 1.0):
        p = np.array(true)
        p[7] = h
        assert f"{adjust(p, method='holm')['p_adjusted'].to_numpy()[10]:.3f}" == "0.003"
    df = pd.DataFrame({"criterion": [f"c{k}" for k in range(20)], "trend_p_value": raw, "trend_p_adjusted": adj})
    meta = {"tables": [{"id": "T11", "adjusted_p_values": {"trend_p_adjusted": {
        "raw": "trend_p_value", "method": "holm", "families": [{"rows": list(range(20))}]}}}]}
    assert _adjusted_p_attack(Release(None, meta, {"T11": df}), "csv/{}.csv") == []
