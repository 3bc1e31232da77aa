"""The one text policy (kentaudit.core.textpolicy): what a label, name, code or date must be."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest

from kentaudit.core.errors import InputError
from kentaudit.core.textpolicy import (BIDI_CONTROLS, LIMITS, TEXT_RULES, check_code, check_date,
                                       check_text, code_problem, date_problem, match_key, shown,
                                       text_problem)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("cp", sorted(BIDI_CONTROLS))
def test_every_bidirectional_control_is_refused_by_name(cp):
    rule, message = text_problem(f"Child seen{chr(cp)} alone", "label")
    assert rule == "bidi_control"
    assert f"U+{cp:04X}" in message and "character 11" in message


def test_the_bidi_set_is_the_one_of_uax9():
    expected = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C}
    assert BIDI_CONTROLS == expected
    assert all(unicodedata.bidirectional(chr(c)) in {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI",
                                                     "L", "R", "AL"} for c in expected)


@pytest.mark.parametrize("ch", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e",
                                "\x00", "\t", "\n", "\r", "\x7f", "\u2028", "\u2029", "\ue000"])
def test_zero_width_format_control_separator_and_private_use_characters_are_refused(ch):
    rule, message = text_problem(f"Thanet{ch}", "name")
    assert rule == "invisible_character"
    assert f"U+{ord(ch):04X}" in message


@pytest.mark.parametrize("text", ["Child's wishes and feelings recorded", "Équipe – Nord", "Tonbridge & Malling",
                                  "Ysgol Gymraeg \u00a0Caerdydd", "东区", "شمال", "x" * LIMITS["label"]])
def test_ordinary_text_in_any_script_is_accepted(text):
    assert text_problem(text, "label") is None


@pytest.mark.parametrize("kind,limit", sorted(LIMITS.items()))
def test_each_kind_has_one_length_limit(kind, limit):
    assert text_problem("a" * limit, kind) is None
    rule, message = text_problem("a" * (limit + 1), kind)
    assert rule == "text_too_long"
    assert f"{limit + 1:,} characters" in message and f"at most {limit:,}" in message


def test_limits_are_far_below_what_an_xlsx_cell_holds():
    assert max(LIMITS.values()) * 10 < 32767


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_is_refused(text):
    assert text_problem(text, "name")[0] == "blank"


def test_check_text_names_file_row_column_value_and_rule():
    with pytest.raises(InputError) as e:
        check_text("Seen\u202ealone", kind="label", file="criteria.csv", row=3, column="label")
    msg = str(e.value)
    assert msg.startswith("criteria.csv, row 3, column 'label', value 'Seen<U+202E>alone':")
    assert msg.endswith("[rule: bidi_control]")
    assert "\u202e" not in msg  # the message itself is safe to print


def test_shown_cuts_a_huge_value_and_says_its_length():
    s = shown("x" * 1_000_000)
    assert len(s) < 100 and s.endswith("... (1,000,000 characters)")


@pytest.mark.parametrize("code", ["THA", "tha", "T_1", "a-b", "X" * 32])
def test_safe_codes_are_accepted(code):
    assert code_problem(code) is None
    assert check_code(f" {code} ") == code


@pytest.mark.parametrize("code,rule", [("../x", "unsafe_code"), ("a/b", "unsafe_code"), ("..", "unsafe_code"),
                                       ("A.B", "unsafe_code"), ("TH A", "unsafe_code"), ("ТНА", "unsafe_code"),
                                       ("X" * 33, "unsafe_code"), ("", "blank"), ("TH\u202eA", "bidi_control"),
                                       ("TH\u200bA", "invisible_character")])
def test_unsafe_codes_are_refused(code, rule):
    assert code_problem(code)[0] == rule
    with pytest.raises(InputError, match=re.escape(f"[rule: {rule}]")):
        check_code(code, file="districts.csv", row=2, column="district_code")


@pytest.mark.parametrize("a,b", [("THA", "tha"), (" Tha ", "THA"), ("Tunbridge Wells", "tunbridge-wells"),
                                 ("Tunbridge  Wells", "TUNBRIDGE_WELLS"), ("Tonbridge & Malling",
                                                                         "tonbridge and malling"),
                                 ("STRASSE", "straße")])
def test_match_key_is_one_key_for_the_ways_people_type_a_name(a, b):
    assert match_key(a) == match_key(b)


def test_match_key_keeps_different_names_apart():
    assert match_key("Dover") != match_key("Dove") and match_key("DOV") != match_key("Dover")


@pytest.mark.parametrize("text,rule,says", [
    ("2009-02-30", "not_a_date", "not a real calendar date"),
    ("２００９-０６-３０", "not_a_date", "NFKC reads it as 2009-06-30"),
    ("2009-0٦-30", "not_a_date", "NFKC reads it as 2009-06-30"),
    ("30/06/2009", "not_a_date", "YYYY-MM-DD"),
    ("1900-01-01", "date_range", "before 2009-01-01"),
    ("2099-01-01", "date_range", "after 2014-12-31"),
])
def test_dates_are_real_days_in_ascii_digits_in_range(text, rule, says):
    got = date_problem(text, earliest=dt.date(2009, 1, 1), latest=dt.date(2014, 12, 31))
    assert got[0] == rule and says in got[1]


def test_check_date_returns_the_date():
    assert check_date("2009-06-30", earliest=dt.date(2009, 1, 1)) == dt.date(2009, 6, 30)
    with pytest.raises(InputError, match=r"\[rule: not_a_date\]"):
        check_date("2009-02-30", file="p.yaml", column="publication_date")


@pytest.mark.parametrize("rule", sorted(TEXT_RULES))
def test_data_dictionary_documents_every_rule(rule):
    section = DOC.split("## Text policy", 1)[1].split("\n## ", 1)[0]
    assert f"| `{rule}` |" in section


def test_data_dictionary_states_the_limits():
    section = DOC.split("## Text policy", 1)[1].split("\n## ", 1)[0]
    for kind, n in LIMITS.items():
        assert f"{n:,}" in section, kind


# --- issue 24, a second corpus: characters the first policy let through

@pytest.mark.parametrize("ch", ["\u034f", "\u115f", "\u1160", "\u3164", "\uffa0", "\u17b4", "\u180b", "\ufe0f",
                                "\U000e0041", "\U0001d173", "\uffff", "\ufdd0", "\U0010fffe"])
def test_default_ignorable_code_points_and_noncharacters_are_refused(ch):
    # printable to str.isprintable() (Mn, Lo or Cn), yet shown as nothing: two ids that look
    # alike could differ
    rule, message = text_problem(f"AUD{ch}07", "identifier")
    assert rule == "invisible_character"
    assert f"U+{ord(ch):04X}" in message and "character 4" in message
    assert f"<U+{ord(ch):04X}>" in shown(f"AUD{ch}07")


@pytest.mark.parametrize("text,says", [
    ("\u0410shford", "CYRILLIC and LATIN"),            # Cyrillic A: looks like Ashford
    ("Th\u0430net", "CYRILLIC and LATIN"),             # Cyrillic a inside a Latin word
    ("Child s\u0435en", "CYRILLIC and LATIN"),
    ("Kent \u039fversight", "GREEK and LATIN"),         # Greek capital omicron
    ("Child seen " + "\u0301" * 5, "more than 4 combining marks"),
    ("Caf\ufffd", "U+FFFD"),
])
def test_text_that_shows_other_text_than_it_holds_is_refused(text, says):
    rule, message = text_problem(text, "name")
    assert rule == "confusable_text"
    assert says in message


@pytest.mark.parametrize("text", ["Ch\u00e2teau", "Vi\u1ec7t Nam", "\u0391\u03b8\u03ae\u03bd\u03b1 Athens",
                                  "\u041c\u043e\u0441\u043a\u0432\u0430", "Tunbridge Wells \u2013 North",
                                  "a\u0301\u0302"])
def test_one_script_per_word_accents_and_dashes_in_names_are_accepted(text):
    assert text_problem(text, "name") is None


@pytest.mark.parametrize("ident,ch", [("A2009\u20110003", "U+2011"), ("A2009\u20130003", "U+2013"),
                                      ("A2009\u00a00003", "U+00A0"), ("AUD\u2212 7", "U+2212")])
def test_an_identifier_with_a_look_alike_dash_or_space_is_refused(ident, ch):
    p = text_problem(ident, "identifier")
    if ch == "U+2212":  # MINUS SIGN is a symbol (Sm), not a dash: the id is only refused for its space
        assert p is None
        return
    assert p[0] == "confusable_text" and ch in p[1]


@pytest.mark.parametrize("code", ["CON", "con", "Nul", "PRN", "AUX", "COM1", "lpt9"])
def test_windows_device_names_are_unsafe_codes(code):
    # a district code names files (district_profile__CON.ipynb): Windows cannot make them
    assert code_problem(code)[0] == "unsafe_code"
    assert "device name" in code_problem(code)[1]


@pytest.mark.parametrize("code", ["COM10", "CONS", "LPT", "NULL"])
def test_codes_that_only_start_like_device_names_are_safe(code):
    assert code_problem(code) is None
