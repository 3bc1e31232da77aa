"""The answer count columns speak the authority's answer words (its profile's ``answers.labels``)."""
from kentaudit.inputs.profile import Answers, bundled_profile
from kentaudit.publication.spec import answer_words, load_spec

MET = Answers(labels={"Y": "Met", "N": "Not met", "NA": "Does not apply", "P": "Partly met"}, partial="P")


def labels(spec, tid):
    e = next(e for e in spec["tables"] if e["id"] == tid)
    return {c["name"]: c["label"] for c in e["columns"]}


def test_table_4_counts_are_headed_in_the_councils_answer_words():
    t4 = labels(answer_words(load_spec(), MET), "T4")
    assert (t4["n_yes"], t4["n_no"], t4["n_denominator"], t4["n_not_applicable"]) == (
        "Met", "Not met", "Answered met or not met", "Does not apply")


def test_a_word_that_holds_another_answer_word_is_not_replaced_twice():
    # "Not met" holds no "No"; the re-audit's "No then yes" becomes "Not met then met" once
    t6 = labels(answer_words(load_spec(), MET), "T6")
    assert t6["n_no_yes"] == "Not met then met" and t6["n_yes_no"] == "Met then not met"


def test_columns_that_are_not_answer_counts_keep_their_labels():
    before, after = labels(load_spec(), "T4"), labels(answer_words(load_spec(), MET), "T4")
    assert {k: v for k, v in after.items() if k in ("n_audits", "n_missing", "estimate", "criterion_label")} == {
        k: v for k, v in before.items() if k in ("n_audits", "n_missing", "estimate", "criterion_label")}


def test_the_bundled_examples_words_leave_the_spec_as_it_is():
    spec = load_spec()
    assert answer_words(spec, bundled_profile().answers) is spec
