"""Closing the audit loop (kentaudit.analysis.actions): proposed actions from a cycle's
results, the re-audit plan and its targeted sample, and each action's evaluation on the
bundled synthetic programme (whose truth is known: the synthetic data carry no action
effect, while the whole authority improves from cycle to cycle)."""
from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path

import pandas as pd
import pytest

from kentaudit.analysis import actions as AA
from kentaudit.analysis.cycle import load_cycle
from kentaudit.cli import main
from kentaudit.inputs import actions as register_io
from kentaudit.inputs.params import load_params
from kentaudit.report.results import save_table

ROOT = Path(__file__).resolve().parents[2]
REGISTER = ROOT / "data" / "synthetic" / "actions.csv"
DATA = ROOT / "data" / "synthetic"


@pytest.fixture(scope="module")
def cycle2013():
    return load_cycle(ROOT / "params" / "cycle-2013.yaml")


@pytest.fixture(scope="module")
def section(cycle2013):
    """The actions notebook's section of the 2013 cycle, the register read from the parameter
    file as the notebook does: computed once for the tests that read it (seconds of CPU)."""
    return AA.actions_section(cycle2013)


@pytest.fixture(scope="module")
def effects(cycle2013):
    return AA.evaluate_register(cycle2013, register_io.read_register(REGISTER))


def _params_2011(tmp_path) -> Path:
    """A parameter file for the synthetic 2011 cycle (the baseline of the A2011 actions)."""
    text = (ROOT / "params" / "cycle-2013.yaml").read_text(encoding="utf-8")
    text = (text.replace('cycle: "2013"', 'cycle: "2011"')
            .replace("audits: [../data/synthetic/audits_2013.csv]", f"audits: [{DATA / 'audits_2011.csv'}]")
            .replace("    - ../data/synthetic/audits_2010.csv\n", f"    - {DATA / 'audits_2010.csv'}\n")
            .replace("    - ../data/synthetic/audits_2011.csv\n", "").replace("    - ../data/synthetic/audits_2012.csv\n", "")
            .replace("grade_scale: ofsted_2013", "grade_scale: ofsted_2009")
            .replace("  actions: ../data/synthetic/actions.csv", f"  actions: {REGISTER}")
            .replace("output_dir: ../outputs", f"output_dir: {tmp_path / 'out'}"))
    p = tmp_path / "cycle-2011.yaml"
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------ evaluation on the synthetic programme
def test_every_action_re_audited_in_2013_is_evaluated_once_per_criterion(effects):
    assert len(effects) == 12 and effects["action_id"].is_unique
    assert set(effects["reaudit_cycle"]) == {"2013"}


def test_no_district_action_is_credited_where_the_truth_has_no_action_effect(effects):
    district = effects[effects["units"] != "all"]
    assert len(district) == 10
    # the synthetic districts keep their effects across cycles: nothing any action did
    assert (district["improved_vs_rest"] == "no").all() and (district["improved_net"] == "no").all()
    # while the naive change credits the authority's improvement to two of them (docs/actions.md)
    assert list(district.loc[district["improved"] == "yes", "action_id"]) == ["A2010-03", "A2011-01"]


def test_authority_wide_actions_show_the_authoritys_true_improvement_without_a_comparison(effects):
    wide = effects[effects["units"] == "all"]
    assert len(wide) == 2 and (wide["improved"] == "yes").all() and (wide["improved_vs_rest"] == "NA").all()
    assert wide["note"].str.contains("targets every unit").all()


def test_each_effect_carries_its_interval_and_the_regression_to_the_mean(effects):
    d = effects[effects["units"] != "all"]
    assert (d["conf_low"] < d["change_since_baseline"]).all() and (d["change_since_baseline"] < d["conf_high"]).all()
    assert (d["difference_conf_low"] < d["difference"]).all()
    assert (d["rtm_change"] > 0).all()  # units chosen because they scored low


def test_the_section_publishes_roles_never_the_description(section):
    s = section
    reg = s.tables["action_register"]
    assert "owner_role" in reg.columns and "description" not in reg.columns
    assert set(s.tables) == {"action_register", "action_effects", "action_effects_by_cycle"}


def test_the_section_reads_the_register_the_parameter_file_gives(cycle2013, section):
    assert cycle2013.params.inputs.actions == REGISTER
    assert len(section.tables["action_effects"]) == 12


def test_without_a_register_the_section_is_empty(cycle2013):
    P = cycle2013.params
    bare = dataclasses.replace(cycle2013, params=dataclasses.replace(
        P, inputs=dataclasses.replace(P.inputs, actions=None)))
    assert AA.actions_section(bare).tables == {}


def test_the_control_chart_is_frozen_on_the_cycles_up_to_the_actions_baseline(cycle2013, effects):
    names = list(cycle2013.districts["district"])
    chart, frozen = AA.action_control_chart(cycle2013, "chronology", names, "2013", "2010")
    _, everything = AA.action_control_chart(cycle2013, "chronology", names, "2013")
    # the centre is 2010's compliance alone: the rise of 2011-2013 is judged, not absorbed
    first = chart[chart["period"] == 2010].iloc[0]
    assert frozen["spc_n_baseline"] == 1 and everything["spc_n_baseline"] == 4
    assert frozen["spc_centre"] == pytest.approx(first["x"] / first["n"])
    assert frozen["spc_centre"] < everything["spc_centre"] - 0.1
    w1 = effects[effects["action_id"] == "A2010-W1"].iloc[0]
    assert (w1.spc_centre, w1.spc_upper_limit, w1.spc_signal) == (
        pytest.approx(frozen["spc_centre"]), pytest.approx(frozen["spc_upper_limit"]), frozen["spc_signal"])
    # an action agreed after 2011 is frozen on 2010 and 2011
    a = effects[effects["action_id"] == "A2011-01"].iloc[0]
    assert a.spc_n_baseline == 2 and a.spc_n_cycles == 4


# ------------------------------------------------------------ proposals
def _results(tmp_path) -> Path:
    rd = tmp_path / "results"
    rd.mkdir()
    save_table(pd.DataFrame({"criterion": ["seen", "voice"], "estimate": [0.9, 0.5], "conf_low": [0.85, 0.44],
                             "conf_high": [0.94, 0.56], "conf_level": [0.95, 0.95]}), "compliance_by_criterion", rd)
    save_table(pd.DataFrame({"criterion": ["seen", "genogram", "voice"], "district": ["Thanet", "Swale", "Dover"],
                             "n_yes": [10, 8, 20], "n_denominator": [25, 25, 25], "estimate": [0.4, 0.32, 0.8],
                             "target": [0.8, 0.8, 0.8], "limit_low_99_8": [0.55, 0.55, 0.55],
                             "flag_99_8": ["below", "below", "within"]}), "funnel", rd)
    return rd


def test_propose_drafts_one_action_per_finding_that_the_register_reads_back(tmp_path):
    rd = _results(tmp_path)
    df, log = AA.propose_actions(ROOT / "params" / "cycle-2013.yaml", rd)
    assert list(df["finding"]) == ["compliance_by_criterion:voice:all", "funnel:seen:THA", "funnel:genogram:SWA"]
    assert (df["status"] == "proposed").all() and (df["reaudit_cycle"] == "2014").all()
    assert (df["owner_role"] == AA.DRAFT_OWNER).all() and (df["agreed"] == "").all()
    assert "below the standard 80.0%" in df["description"].iloc[0]
    assert any("change_since_previous: not in" in line for line in log)
    out = tmp_path / "draft.csv"
    out.write_bytes(register_io.register_csv_text(df).encode("utf-8"))
    back = register_io.read_register(out)
    assert list(back["finding_unit"]) == ["all", "THA", "SWA"]


def test_propose_cli_writes_the_draft_and_exits_0(tmp_path, capsys):
    rd = _results(tmp_path)
    out = tmp_path / "draft.csv"
    assert main(["actions", "propose", str(ROOT / "params" / "cycle-2013.yaml"), "--out", str(out),
                 "--results", str(rd)]) == 0
    assert len(register_io.read_register(out)) == 3
    assert "drafted 3 action(s)" in capsys.readouterr().out


# ------------------------------------------------------------ re-audit planning
def test_the_plan_sizes_each_action_at_its_unit_with_the_stated_power(tmp_path):
    P = load_params(_params_2011(tmp_path))
    plan = AA.plan_reaudit(load_cycle(P), register_io.read_register(REGISTER), power=0.8)
    assert list(plan["action_id"]) == ["A2011-01", "A2011-02", "A2011-03", "A2011-04", "A2011-05"]
    assert (plan["power_achieved"] >= 0.8).all() and (plan["n_required"] <= plan["population"]).all()
    # the district's files are its children on plans (districts table) when no frame is given
    assert plan.loc[plan["unit"] == "Thanet", "population"].iloc[0] == 176


def test_plan_cli_draws_the_targeted_sample_reproducibly(tmp_path):
    params = _params_2011(tmp_path)
    runs = []
    for k in (1, 2):
        out = tmp_path / f"plan{k}"
        assert main(["actions", "plan", str(params), "--register", str(REGISTER), "--frame",
                     str(DATA / "sampling_frame.csv"), "--out", str(out), "--seed", "20120101",
                     "--as-of", "2012-06-01"]) == 0
        runs.append(out)
    assert (runs[0] / "selection.csv").read_bytes() == (runs[1] / "selection.csv").read_bytes()
    plan = pd.read_csv(runs[0] / "plan.csv", keep_default_na=False)
    sel = pd.read_csv(runs[0] / "selection.csv", keep_default_na=False)
    need = plan.groupby("unit")["n_required"].max().to_dict()
    assert sel["district"].value_counts().to_dict() == need
    assert json.loads((runs[0] / "draw.json").read_text())["by_district"] == need


def test_plan_cli_refuses_a_power_that_is_not_a_proportion(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["actions", "plan", str(ROOT / "params" / "cycle-2013.yaml"), "--register", str(REGISTER),
              "--frame", str(DATA / "sampling_frame.csv"), "--out", str(tmp_path), "--seed", "1", "--power", "80"])
    assert e.value.code == 2 and "strictly between 0 and 1" in capsys.readouterr().err


# ------------------------------------------------------------ what the appendix publishes
def test_effects_by_cycle_has_a_baseline_and_a_reaudit_row_per_action(cycle2013, effects):
    reg = register_io.read_register(REGISTER)
    t = AA.effects_by_cycle(cycle2013, reg, effects)
    assert list(t.columns) == AA.BY_CYCLE_COLUMNS and len(t) == 2 * len(effects)
    pairs = t.groupby(["action_id", "criterion"])["occasion"].apply(list)
    assert all(p == ["baseline", "re-audit"] for p in pairs)
    base, re_ = t[t["occasion"] == "baseline"], t[t["occasion"] == "re-audit"]
    assert base["change_since_baseline"].isna().all() and re_["change_since_baseline"].notna().all()
    assert set(t.loc[t["action_id"] == "A2010-W1", "district"]) == {cycle2013.words.all_units}
    assert set(t.loc[t["action_id"] == "A2010-01", "district"]) == {"Thanet"}
    assert list(re_["n_yes"]) == list(effects["n_yes_reaudit"])


def _register_with(tmp_path, rows) -> pd.DataFrame:
    """The synthetic register with ``rows`` (dicts of register columns) added."""
    reg = pd.read_csv(REGISTER, dtype=str, keep_default_na=False)
    reg = pd.concat([reg, pd.DataFrame(rows)], ignore_index=True).fillna("")
    path = tmp_path / "actions.csv"
    path.write_bytes(register_io.register_csv_text(reg[list(register_io.REGISTER_COLUMNS)]).encode("utf-8"))
    return register_io.read_register(path)


SEVERAL = {"action_id": "A2011-S1", "finding": "compliance_by_district:chronology:THA", "baseline_cycle": "2011",
           "reaudit_cycle": "2013", "criteria": "chronology;genogram", "units": "THA;SWA;DOV",
           "owner_role": "Head of Service", "agreed": "2012-03-01", "due": "2012-12-01", "status": "completed",
           "target": "0.8", "description": "Several districts, two criteria."}


def test_an_action_on_several_units_and_criteria_is_evaluated_for_each_unit_and_pooled(cycle2013, tmp_path):
    reg = _register_with(tmp_path, [SEVERAL])
    eff = AA.evaluate_register(cycle2013, reg)
    mine = eff[eff["action_id"] == "A2011-S1"]
    # two criteria x (the three units pooled + each unit)
    assert len(mine) == 8
    assert sorted(mine["unit"].unique()) == sorted(["pooled", "THA", "SWA", "DOV"])
    assert set(mine["criterion"]) == {"chronology", "genogram"}
    # each unit is compared with the units the action did not target: its own change against the
    # rest's, where the rest leaves out the other targeted units
    one = mine[(mine["unit"] == "THA") & (mine["criterion"] == "chronology")].iloc[0]
    (tmp_path / "alone").mkdir()
    alone = AA.evaluate_register(cycle2013, _register_with(tmp_path / "alone", [{**SEVERAL, "units": "THA"}]))
    solo = alone[(alone["action_id"] == "A2011-S1") & (alone["criterion"] == "chronology")].iloc[0]
    assert (one.n_yes_baseline, one.n_yes_reaudit) == (solo.n_yes_baseline, solo.n_yes_reaudit)
    assert one.change_since_baseline == pytest.approx(solo.change_since_baseline)
    assert one.difference != pytest.approx(solo.difference)  # fewer units in its comparison
    assert "compared with the units it did not target" in one.note
    pooled = mine[(mine["unit"] == "pooled") & (mine["criterion"] == "chronology")].iloc[0]
    each = mine[(mine["unit"] != "pooled") & (mine["criterion"] == "chronology")]
    assert pooled.n_yes_reaudit == each["n_yes_reaudit"].sum()


def test_table_16_has_a_baseline_and_a_reaudit_row_for_each_unit_of_an_action_on_several(cycle2013, tmp_path):
    reg = _register_with(tmp_path, [SEVERAL])
    eff = AA.evaluate_register(cycle2013, reg)
    t = AA.effects_by_cycle(cycle2013, reg, eff)
    mine = t[t["action_id"] == "A2011-S1"]
    assert len(mine) == 2 * 2 * 3  # occasions x criteria x units; the pooled rows are left out
    assert set(mine["district"]) == {"Thanet", "Swale", "Dover"}
    pairs = mine.groupby(["criterion", "district"])["occasion"].apply(list)
    assert len(pairs) == 6 and all(p == ["baseline", "re-audit"] for p in pairs)
    # every evaluated row but the pooled ones is published
    assert len(t) == 2 * int((eff["unit"] != "pooled").sum())


def test_the_appendix_never_demands_the_optional_actions_notebook():
    from kentaudit.analysis.outputs import OPTIONAL_NOTEBOOKS, appendix_needs
    assert "actions" in OPTIONAL_NOTEBOOKS
    assert "actions" not in appendix_needs(["annual"], True)


def _shown_html(obj) -> str:
    return html.unescape(obj._repr_html_() if hasattr(obj, "_repr_html_") else str(obj))


def test_the_register_is_shown_in_words_its_saved_table_keeps_its_codes(cycle2013, section):
    # review 25 finding 15: the reviewer page showed "compliance_by_district:chronology:THA",
    # criteria "chronology" and units "THA"
    s = section
    reg = s.tables["action_register"]
    shown = _shown_html(s.show("action_register"))
    units = dict(zip(cycle2013.districts["district_code"], cycle2013.districts["district"]))
    for f in reg["finding"]:
        assert f not in shown  # no stored code "table:criterion:unit"
    coded = reg[reg["units"] != register_io.ALL_UNITS]
    assert len(coded)
    for code in coded["units"]:
        assert f">{code}<" not in shown and units[code] in shown
    for crit in reg["criteria"]:
        assert f">{crit}<" not in shown and cycle2013.labels[crit] in shown
    assert reg["finding"].str.count(":").eq(2).all()  # the saved table is unchanged
