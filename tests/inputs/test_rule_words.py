"""Every row rule has words for the published reconciliation (Table 2: "Rejected: a required
value is blank", never "Rejected: required_value")."""
import re

from kentaudit.inputs.ingest import RULE_WORDS, RULES, rule_words


def test_every_row_rule_has_words():
    row_rules = {k for k, (level, _) in RULES.items() if level == "row"}
    assert row_rules <= set(RULE_WORDS), sorted(row_rules - set(RULE_WORDS))


def test_the_words_are_a_readers_not_a_code():
    for rule, words in RULE_WORDS.items():
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", words), (rule, words)
        assert words != rule


def test_a_rule_without_words_is_shown_by_its_id():
    assert rule_words("required_value") == "a required value is blank"
    assert rule_words("a_new_rule") == "a_new_rule"
