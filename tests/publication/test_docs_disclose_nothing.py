"""What the project says about its own outputs discloses nothing (issue 25 item 5).

The documentation (docs/*.md and README.md) must not quote a hidden value of a default
cycle where its context would identify it: a hidden count of a row, in the same sentence as
what names that row (its criterion's code or description, its district, its grade), in a
paragraph that speaks of a cycle (names one of the default cycles, or "the default cycle").
A number that is part of the row's name ("within 35 working days"), a range ("1-60"), a
number of days, months, districts and the like, and command lines in code blocks are not
quotes of a count. The hidden
values are read from what the runner writes (each default cycle's
``restricted/RESTRICTED_suppression_audit.csv``), so the scan follows the data. It cannot
pass vacuously: both cycles hide counts, the docs name rows of the tables, and a sentence
planted from a real hidden value is caught.
"""
import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # reads both default cycles as the runner writes them (tests/conftest.py)
ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
#: parts of a row label that name no particular row
GENERIC = {"total", "all districts", "all areas", "all samples", "kent", "initial", "extended", "reaudit",
           "annual", "accepted", "north", "south", "east", "west", "all"}
#: a count as prose quotes it: not part of a range or a decimal, not a number of days, months...
NUMBER = re.compile(r"(?<![\w.,\-\u2013/])\d{1,3}(?:,\d{3})*(?![\w\-\u2013%/]|[.,]\d|\s*(?:working|days?|"
                    r"weeks?|months?|years?|hours?|minutes?|districts?|areas?|percent|per cent)\b)")
#: a number is a count of the row where the words around it speak of audits, answers or files
COUNT_WORDS = re.compile(r"\b(?:audits?|files?|cases?|records?|pairs?|answered|unanswered|answers?|"
                         r"not applicable|not recorded|missing|hidden|suppressed|of \d[\d,]*)\b")
WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10}
WORD_NUMBER = re.compile(r"\b(" + "|".join(WORDS) + r")\b")
CYCLE = re.compile(r"\b(?:2009|2013|default cycles?)\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """Sentences of a Markdown text, in paragraphs that speak of a cycle: paragraphs joined
    across line breaks and split at full stops (a table row is a sentence of its own); code
    blocks (command lines) left out."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    out = []
    for para in re.split(r"\n\s*\n", text):
        if not CYCLE.search(para):
            continue
        lines = para.splitlines()
        if any(ln.lstrip().startswith("|") for ln in lines):
            out += lines
            continue
        out += re.split(r"(?<=[.])\s+", " ".join(ln.strip() for ln in lines))
    return out


def hidden_counts(cycle_dir: Path) -> pd.DataFrame:
    """The hidden counts of one published cycle: table, row label parts, column and true value."""
    a = pd.read_csv(cycle_dir / "restricted" / "RESTRICTED_suppression_audit.csv", dtype=str,
                    keep_default_na=False)
    a = a[a["column"].str.startswith("n_") & (a["reason"] != "derived")].copy()
    a["value"] = a["value"].astype(float).astype(int)
    # a row is named by its specific labels (criterion, district, grade); a row of a whole sample
    # (the moderation table) by what its count counts ("downgraded")
    a["names"] = [[p.strip() for p in lab.split(" / ") if p.strip().lower() not in GENERIC]
                  or [col[2:].replace("_", " ")] for lab, col in zip(a["row_label"], a["column"])]
    return a


def quoted_counts(s: str) -> set[int]:
    """The numbers a sentence quotes as counts: digits or number words (zero to ten) with words
    about audits, answers or files within 40 characters."""
    out = set()
    for m in list(NUMBER.finditer(s)) + list(WORD_NUMBER.finditer(s)):
        around = s[max(0, m.start() - 40):m.start()] + " " + s[m.end():m.end() + 40]
        if COUNT_WORDS.search(around):
            out.add(int(m.group(0).replace(",", "")) if m.group(0)[0].isdigit() else WORDS[m.group(0)])
    return out


def disclosures(text: str, hidden: pd.DataFrame) -> list[tuple]:
    """(sentence, hidden value, the row's name) wherever a sentence names a row and quotes one of
    its hidden counts."""
    found = []
    for s in sentences(text):
        low = s.lower()
        if not NUMBER.search(low):
            continue
        for r in hidden.itertuples():
            named = [n for n in r.names if re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", low)]
            if not named:
                continue
            rest = low
            for n in r.names:  # a number in the row's own name is no quote of its count
                rest = rest.replace(n.lower(), " ")
            if r.value in quoted_counts(rest):
                found.append((s.strip(), r.value, named[0]))
    return found


@pytest.fixture(scope="module")
def hidden(cycle_2009, cycle_2013):
    assert cycle_2009["code"] == 0 and cycle_2013["code"] == 0
    return {c: hidden_counts(info["cycle_dir"]) for c, info in (("2009", cycle_2009), ("2013", cycle_2013))}


def test_the_docs_quote_no_hidden_count_of_a_default_cycle_beside_what_names_its_row(hidden):
    leaks = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for cycle, h in hidden.items():
            leaks += [(doc.name, cycle, *f) for f in disclosures(text, h)]
    assert leaks == []


def test_the_scan_has_something_to_find(hidden):
    for cycle, h in hidden.items():
        assert len(h) >= 5, cycle                         # the cycle hides counts
        assert h["names"].map(bool).all(), cycle         # every hidden count's row is named
    names = {n.lower() for h in hidden.values() for ns in h["names"] for n in ns}
    text = " ".join(d.read_text(encoding="utf-8").lower() for d in DOCS)
    # the docs name rows the cycles hide counts of (criterion codes, districts): the scan has context to match
    assert sum(1 for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text)) >= 3
    # and some of their sentences about a cycle name such a row and quote numbers: the scan reads them
    read = [s for d in DOCS for s in sentences(d.read_text(encoding="utf-8"))
            if quoted_counts(s.lower()) and any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", s.lower()) for n in names)]
    assert len(read) >= 3


def test_a_sentence_quoting_a_hidden_count_beside_its_row_is_caught(hidden):
    for cycle, h in hidden.items():
        r = h.iloc[0]
        planted = (f"Some prose.\n\nIn the {cycle} cycle {r['names'][-1]} had {r['value']} such audits; "
                   "nothing else.\n")
        assert disclosures(planted, h) != [], cycle
        # the same number beside no row's name is no disclosure
        assert disclosures(f"A table has {r['value']} columns.", h) == []


#: the sentence issue 25 found in docs/appendix.md (removed in 6c65300)
ISSUE_25 = ("The cheaper is chosen (in the default 2013 cycle: `ia_timely`, where 298 of 300 audits answered: "
            "showing both would reveal the 2 unanswered, and no complement can widen their range to the "
            "protection width, since every other count of the row is a total or a true zero. `risk_analysis`, "
            "with 5 unanswered, is shown: its \"not applicable\" zero is hidden as the complement instead).")


def test_the_issue_s_example_would_be_caught(hidden):
    h = hidden["2013"]
    quoted = {(n, v) for _, v, n in disclosures(ISSUE_25, h)}
    truth = {(n, v) for ns, v in zip(h["names"], h["value"]) for n in ns if n in ("ia_timely", "risk_analysis")}
    if not truth & {("ia_timely", 298), ("ia_timely", 2), ("risk_analysis", 5), ("risk_analysis", 0)}:
        pytest.skip("the 2013 cycle no longer hides the counts the sentence quoted")
    assert quoted == truth & {("ia_timely", 298), ("ia_timely", 2), ("risk_analysis", 5), ("risk_analysis", 0)}
