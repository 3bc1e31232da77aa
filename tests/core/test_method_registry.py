"""The one registry of methods in words (kentaudit.core.methods.METHODS): every method a reader
meets has its names, its reference and no code (issue 23, item 8)."""
from __future__ import annotations

import re

from kentaudit.core.formatting import METHOD_WORDS, method_words
from kentaudit.core.methods import METHODS, REFERENCES, method_reference


def test_every_citation_has_its_reference_and_every_reference_is_cited():
    cited = {m.cite for m in METHODS.values() if m.cite}
    assert cited - set(REFERENCES) == set()
    assert set(REFERENCES) - cited == set()
    # a full reference names its year and its source
    assert all(re.search(r"\(\d{4}[ab]?\)\.", r) for r in REFERENCES.values())


def test_no_name_of_a_method_is_a_code():
    """No ``key = value``, no ``package::function`` and no snake_case in what a reader reads."""
    for code, m in METHODS.items():
        for text in (m.label, m.phrase, m.full, m.about):
            assert not re.search(r"\w+ = |::|\b[a-z]+_[a-z_]+\b", text), (code, text)


def test_the_formatter_reads_the_registry():
    assert METHOD_WORDS["wilson"] == ("Wilson", "the Wilson score interval", "Wilson score interval")
    assert method_words("wilson", "cited") == "Wilson score interval (Wilson 1927)"
    # one pair of brackets where the name ends with its own
    assert method_words("holm", "cited") == "Holm's step-down method (family-wise error rate; Holm 1979)"
    # a citation the name already gives is not repeated
    assert method_words("binomial-interpolated", "cited").count("Spiegelhalter 2005") == 1
    assert method_words("a-new-method", "cited") == "a-new-method"  # never hidden
    assert method_reference("n-1 chi-square").startswith("Campbell I (2007)")
    assert method_reference("sign") == ""


def test_the_n_1_test_is_explained_in_words():
    about = METHODS["n-1 chi-square"].about
    assert "(N-1)/N" in about and "two-by-two" in about and METHODS["n-1 chi-square"].cite == "Campbell 2007"
