"""``kentaudit init`` on a survey tool's CSV (issue 22, "Done when"; the Aldmere walk): long question
headers with the tool's "(Please select one)", a "Respondent ID" of small integers, questions that are
not criteria ("Which team is the case held in?", "Which audit is this?", "What type of case is
this?", "Any other comments about this case?"), answers Met / Not met / Partly met / Not applicable,
a six-point scale of words listed worst first, dates as "7 Mar 2026" with a few spreadsheet serial
numbers, blank ages, two samples. What init writes reads every row, with no edit of the data.

The export is generated here (a unitary council: one area of teams)."""
import csv
import datetime as dt

import pytest

from kentaudit.inputs.adopt import propose
from kentaudit.inputs.profile import load_profile
from init_proposals import proposed, read_with_proposal, run_init

KEY = "3f9a0c7e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d2f4a"
TEAMS = ("Riverside Team", "Northgate Team", "Castle Hill Team")
SCALE = ("Very poor", "Poor", "Weak", "Fair", "Good", "Excellent")  # as the form lists them: worst first
Q = ("Q1. Is the child's lived experience clearly recorded, including their wishes and feelings? (Please select one)",
     "Q2. Is there an up-to-date chronology that identifies significant events? (Please select one)")
HEADERS = ("Respondent ID", "Collector ID", "Start Date", "Which audit is this?", "Audit year",
           "Which team is the case held in?", "Case reference (Mosaic ID)", "Date the audit was completed",
           "Name of auditor", "What type of case is this?", "Child's age at the time of audit", *Q,
           "Overall, how would you grade the quality of practice on this case? (Please select one)",
           "How would you grade the impact of our work on the child's outcomes? (Please select one)",
           "Any other comments about this case?")
ANSWERS = ("Met", "Not met", "Partly met", "Not applicable", "Met", "")
SAMPLES = ("Random monthly audit", "Random monthly audit", "Themed dip-sample: neglect")


def _date(i: int) -> str:
    d = dt.date(2026, 4, 6) + dt.timedelta(days=3 * i)
    return str((d - dt.date(1899, 12, 30)).days) if i % 10 == 0 else f"{d.day} {d:%b %Y}"


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("survey")
    export = tmp / "qa_audits_2026-27.csv"
    with open(export, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for i in range(1, 43):
            w.writerow([i, "412833", "14/09/2026 12:57", SAMPLES[i % 3], "2026-27", TEAMS[i % 3], f"M{800000 + i}",
                        _date(i), f"Auditor {i % 4}", ("Child in Need", "Child Protection")[i % 2],
                        "" if i in (5, 17) else str(i % 18), ANSWERS[i % 6], ANSWERS[(i * 5) % 6],
                        SCALE[i % 6], SCALE[(i + 1) % 6], "Drift between reviews." if i % 4 == 0 else ""])
    run_init(export, tmp, "Aldmere Borough Council", "Aldmere")
    return tmp, export


def test_a_survey_tools_long_headers_are_recognised_by_their_words(adopted):
    m = proposed(adopted[0], "mapping.yaml")["columns"]
    assert m["Respondent ID"] == "audit_id" and m["Which audit is this?"] == "sample"
    assert m["Which team is the case held in?"] == ["district", "team"]
    assert m["What type of case is this?"] == "case_status"
    assert m["Child's age at the time of audit"] == "age_band"
    assert m["Overall, how would you grade the quality of practice on this case? (Please select one)"] == "overall_grade"
    assert m["Any other comments about this case?"] == "notes"  # free text: read, never published
    assert m["How would you grade the impact of our work on the child's outcomes? (Please select one)"] == \
        "grade_impact_work"


def test_only_questions_answered_in_answer_words_become_criteria_without_the_tools_instruction(adopted):
    rows = list(csv.DictReader((adopted[0] / "p" / "criteria.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["label"] for r in rows] == [
        "Is the child's lived experience clearly recorded, including their wishes and feelings?",
        "Is there an up-to-date chronology that identifies significant events?"]


def test_a_six_point_scale_of_words_listed_worst_first_is_ordered_best_first(adopted):
    scale = list(csv.DictReader((adopted[0] / "p" / "grade_scales.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["label"] for r in scale] == ["Excellent", "Good", "Fair", "Weak", "Poor", "Very poor"]
    assert proposed(adopted[0], "mapping.yaml")["values"]["grades"] == {
        "Excellent": "1", "Good": "2", "Fair": "3", "Weak": "4", "Poor": "5", "Very poor": "6"}


def test_dates_with_the_month_in_words_and_serial_numbers_are_declared_and_said(adopted):
    assert proposed(adopted[0], "mapping.yaml")["dates"] == ["D MMM YYYY", "EXCEL SERIAL"]
    said = [u for u in propose(adopted[1]).undecided if u.startswith("dates:")]
    assert len(said) == 1 and "4 date(s) are spreadsheet serial numbers" in said[0] and "check one" in said[0]


def test_every_row_is_read_through_what_init_wrote_blank_ages_kept_as_not_recorded(adopted):
    tmp, export = adopted
    units = (tmp / "p" / "units.csv").read_text(encoding="utf-8").replace(",,0", ",Aldmere,40")
    (tmp / "p" / "units.csv").write_text(units, encoding="utf-8")
    res = read_with_proposal(tmp, export, KEY, "2026-27")
    assert res.rejected.empty, res.report()[:3000]
    assert len(res.accepted) == 42
    assert list(res.accepted.loc[res.accepted["audit_id"].isin(["5", "17"]), "age_band"].astype(str)) == \
        ["not_recorded", "not_recorded"]
    assert set(res.accepted["sample"]) == {"random_monthly_audit", "themed_dip_sample_neglect"}
    prof = load_profile(tmp / "p" / "profile.yaml")
    assert [s.design for s in prof.samples] == ["random", "purposive"]
    # a finding names each sample in words, never by its code
    assert [s.phrase for s in prof.samples] == ["the random monthly audit sample", "the themed dip-sample: neglect"]


def test_a_question_answered_in_words_init_does_not_know_is_still_a_criterion(tmp_path):
    """Few distinct values and no column named by its words: a question (its words are listed for
    the analyst to map), never dropped because init does not know "Evident"."""
    export = tmp_path / "e.csv"
    export.write_text("Respondent ID,Which team is the case held in?,Q1. Is the plan evident? (Please select one)\n"
                      + "".join(f"{i},Riverside Team,{('Evident', 'Not evident')[i % 2]}\n" for i in range(1, 9)),
                      encoding="utf-8")
    p = propose(export)
    assert p.mapping["columns"]["Q1. Is the plan evident? (Please select one)"] == "c_plan_evident"
    assert [c["label"] for c in p.criteria] == ["Is the plan evident?"]
    assert any(u.startswith("answer 'Evident' (4 answers): not recognised") for u in p.undecided)


def test_init_never_proposes_an_extension_and_says_what_extends_would_mean(adopted):
    """A random monthly audit beside a themed dip-sample chosen on purpose: init cannot know that
    the random one was drawn to extend the other, so it declares no ``extends:`` (the two are
    separate programmes) and leaves a comment saying what the key means."""
    tmp, _ = adopted
    samples = proposed(tmp, "profile.yaml")["samples"]
    assert {s["design"] for s in samples.values()} == {"random", "purposive"}
    assert not any("extends" in s for s in samples.values())
    text = (tmp / "p" / "profile.yaml").read_text(encoding="utf-8")
    assert "# extends: <sample> on a random sample drawn to extend the cases chosen on purpose" in text
    assert load_profile(tmp / "p" / "profile.yaml").extension is None
