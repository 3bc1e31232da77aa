"""The actions loop for an authority that is not Kent speaks its profile's words (issue 27,
leftover 1): Borsetshire calls its units localities (``tests/analysis/other_authority.py``).
Its 2013 cycle is run by the runner with an action register of its own (an action on one
locality, one on two localities and two criteria, one on every locality), the actions notebook
only; the executed notebook's markdown and findings, the reviewer page, the results table Table
16 is built from, and Table 16's sentences and members' page built from those results by the
appendix's own builders all say "locality"/"localities" and never "district"."""
from __future__ import annotations

import html
import json
import re

import pytest
import yaml
from other_authority import LOCALITIES, write_authority

from kentaudit.inputs.params import load_params
from kentaudit.inputs.profile import Words
from kentaudit.publication.findings import action_findings
from kentaudit.publication.members import members_summary
from kentaudit.publication.spec import build_tables, load_spec
from kentaudit.report.results import load_table
from kentaudit.run.runner import run_cycle

pytestmark = pytest.mark.slow

DISTRICT = re.compile(r"\b[Dd]istricts?\b")
HEADER = ("action_id,finding,baseline_cycle,reaudit_cycle,criteria,units,owner_role,agreed,due,status,target,"
          "description\n")
REGISTER = HEADER + (
    "B-01,compliance_by_district:chronology:BRM,2011,2013,chronology,BRM,Service Manager,2012-03-01,2012-10-01,"
    "completed,0.8,One locality.\n"
    "B-02,compliance_by_district:genogram:DNH,2011,2013,genogram;chronology,DNH;CLH,Service Manager,2012-03-01,"
    "2012-10-01,completed,0.8,Two localities and two criteria.\n"
    "B-W1,compliance_by_criterion:smart_plan:all,2010,2013,smart_plan,all,Quality Assurance Lead,2010-05-01,"
    "2011-05-01,completed,0.7,Every locality.\n")


def _text(path) -> str:
    t = path.read_text(encoding="utf-8")
    t = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", t, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t)))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("borsetshire-actions")
    path = write_authority(folder)
    (folder / "actions.csv").write_text(REGISTER, encoding="utf-8")
    doc = yaml.safe_load(path.read_text())
    doc["inputs"]["actions"] = "actions.csv"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    params = load_params(path)
    code = run_cycle(params, notebooks=["actions"], jobs=2, appendix=False, reuse=False)
    return code, params, folder / "outputs" / "2013-partial"


def test_the_actions_run_succeeds_for_an_authority_with_localities(run):
    code, _, out = run
    assert code == 0 and (out / "notebooks" / "actions.ipynb").is_file()


def test_the_actions_notebook_and_its_reviewer_page_say_localities_never_district(run):
    _, _, out = run
    nb = json.loads((out / "notebooks" / "actions.ipynb").read_text(encoding="utf-8"))
    md = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "the rest of Borsetshire" in md and "localities" in md and "{" not in md
    assert not DISTRICT.search(md)
    page = _text(out / "html" / "actions.html")
    # headers, sentences and labels (the parameter listing keeps its keys: inputs.districts)
    assert "Localities targeted" in page and "Locality evaluated" in page and "every locality" in page
    assert not re.search(r"\bDistricts?\b", page)
    # an action is named by what it aimed at, its register code in brackets
    # (the findings give the strongest action a sentence of its own and name the others in
    # short form: "the action on ..." at least once)
    sentences = re.findall(r"[Tt]he action on \u2018[^\u2019]*\u2019 in [^(]*\(\u2018B-[^.]*\.", page)
    assert len(sentences) >= 1 and not any(DISTRICT.search(x) for x in sentences), sentences


def test_table_16s_source_names_each_locality_and_every_locality_in_the_profiles_words(run):
    _, _, out = run
    t = load_table("action_effects_by_cycle", out / "results")
    assert set(t["district"]) == {"Brookmere", "Denholm", "Coldharbour", "All localities"}
    assert set(t["district"]) - {"All localities"} <= set(LOCALITIES)
    # the action on two localities and two criteria: two rows (baseline, re-audit) for each
    b2 = t[t["action_id"] == "B-02"]
    assert len(b2) == 2 * 2 * 2
    eff = load_table("action_effects", out / "results")
    assert set(eff.loc[eff["action_id"] == "B-02", "unit"]) == {"pooled", "DNH", "CLH"}


def test_the_published_sentences_and_members_page_say_locality_never_district(run):
    _, params, out = run
    w = params.words
    assert isinstance(w, Words) and w.unit == "locality"
    spec = load_spec(words=w)
    spec = {**spec, "tables": [e for e in spec["tables"] if e["id"] == "T16"]}
    tables, _ = build_tables(spec, out, cycle="2013", samples=["annual"], has_previous=True, words=w)
    (t16,) = tables
    assert [c.label for c in t16.columns if c.name == "district"] == ["Locality"]
    headers = " ".join(c.label for c in t16.columns)
    assert "other localities" in headers and not DISTRICT.search(headers)
    found = action_findings(t16, 0.95, {"T16": "Table 16"}, "Borsetshire", {"authority": w})
    m = members_summary([t16], 0.95, {"authority": w})
    text = " ".join([f.text for f in found] + [m["intro"], m["note"], *m["headers"]]
                    + [c for r in m["rows"] for c in r])
    assert "every locality" in text and "other localities" in text
    assert not DISTRICT.search(text), DISTRICT.findall(text)
    assert {r[0] for r in m["rows"]} == {"B-01", "B-02", "B-W1"}
    assert sum(r[0] == "B-02" for r in m["rows"]) == 4  # two localities x two criteria
