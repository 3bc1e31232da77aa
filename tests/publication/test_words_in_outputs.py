"""Words, not codes, in what the runner publishes (issue 23, item 8), read from the files of a
real run of both default cycles (the shared executed cycles of tests/conftest.py): the
appendix HTML and CSV, the XLSX, and the figures' alt text.

Each check is a function of the cycle's folder, so it can be pointed at any run's outputs;
on the outputs of the code before this change every one of them fails (the codes
``wilson``, ``n-1 chi-square``, ``mcnemar-exact``; "(inputs.previous_audits is empty)";
"1 samples" and ``reaudit`` on Figure 2; Figure 4 without its lowest and highest unit).
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cycles")]

#: method codes that must never reach a published cell (their words are in METHOD_WORDS)
METHOD_CODES = {"wilson", "holm", "n-1 chi-square", "mcnemar-exact", "mcnemar", "fisher exact",
                "newcombe", "clopper-pearson", "jeffreys", "fdr_bh", "n-1-chisq-or-fisher"}


@pytest.fixture(scope="module", params=["2009", "2013"])
def cycle_dir(request) -> Path:
    return request.getfixturevalue(f"cycle_{request.param}")["cycle_dir"]


def _csv_cells(publish: Path):
    for path in sorted((publish / "csv").glob("T*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        for r in rows[1:]:
            for head, v in zip(rows[0], r):
                yield path.name, head, v


def method_codes_in_published_cells(d: Path) -> list:
    bad = [(f, h, v) for f, h, v in _csv_cells(d / "publish") if v.strip().lower() in METHOD_CODES]
    wb = load_workbook(d / "publish" / "appendix.xlsx", read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            bad += [(ws.title, "", v) for v in row if isinstance(v, str) and v.strip().lower() in METHOD_CODES]
    text = (d / "publish" / "appendix.html").read_text(encoding="utf-8")
    bad += [("appendix.html", "", v) for v in re.findall(r"<td[^>]*>([^<]*)</td>", text)
            if v.strip().lower() in METHOD_CODES]
    return bad


def not_produced_reasons_in_code(d: Path) -> list:
    text = (d / "publish" / "appendix.html").read_text(encoding="utf-8")
    items = re.findall(r"<li>(?:Table|Figure) \d+ \([^)]*\): ([^<]*)</li>", text)
    return [r for r in items if "_" in r or "inputs." in r or re.search(r"has no (reaudit|annual|extended|initial) sample", r)]


def bad_grammar_and_long_lists(d: Path) -> list:
    text = re.sub(r"<[^>]+>", "", (d / "publish" / "appendix.html").read_text(encoding="utf-8"))
    bad = re.findall(r"\b1 others\b|\b1 samples\b|\bbands of 1\b", text)
    # the closing list of results not stated names at most three results per table and reason
    m = re.search(r"Also statistically significant[^.]*?:(.*?)\.(?:\s|$)", text, re.DOTALL)
    if m:
        for part in m.group(1).split(";"):
            # a result is a quoted label; an action's id in brackets after its label is not another
            if len(re.findall(r"(?<!\()\u2018", part)) > 3:
                bad.append(part[:120])
    if "Results not stated above" in text:
        bad.append("Results not stated above")
    return bad


def figure_alt_problems(d: Path) -> list:
    figs = d / "publish" / "figures"
    bad = []
    f2 = figs / "F2.json"
    if f2.exists():
        alt = json.loads(f2.read_text())["alt"]
        if re.search(r"\b1 samples\b|\b(initial|extended|reaudit|annual):|\breaudit\b", alt):
            bad.append(("F2", alt))
        if "%" not in alt:  # the grade shares the bars show
            bad.append(("F2 without shares", alt))
        svg = (figs / "F2.svg").read_text(encoding="utf-8")
        if re.search(r">\s*(initial|extended|reaudit|annual)\s*<", svg):
            bad.append(("F2 axis", "a sample code"))
    f4 = figs / "F4.json"
    if f4.exists():
        meta = json.loads(f4.read_text())
        alt = meta["alt"]
        if not ("lowest" in alt and "highest" in alt and "standard" in alt):
            bad.append(("F4", alt))
    return bad


def test_no_method_code_in_any_published_cell(cycle_dir):
    assert method_codes_in_published_cells(cycle_dir) == []


def test_every_table_not_produced_says_why_in_words(cycle_dir):
    assert not_produced_reasons_in_code(cycle_dir) == []


def test_the_findings_read_as_sentences_and_name_a_few_results_not_a_paragraph_of_them(cycle_dir):
    assert bad_grammar_and_long_lists(cycle_dir) == []


def test_figure_alt_texts_name_samples_in_words_and_say_what_is_drawn(cycle_dir):
    assert figure_alt_problems(cycle_dir) == []


def test_figure_4_is_drawn_on_the_range_of_its_intervals(cycle_2009):
    """Figure 4's axis spans its intervals (and the standard), not 0-100."""
    svg = (cycle_2009["cycle_dir"] / "publish" / "figures" / "F4.svg").read_text(encoding="utf-8")
    ticks = [float(t) for t in re.findall(r"<!-- (\d+(?:\.\d+)?) -->", svg)]
    meta = json.loads((cycle_2009["cycle_dir"] / "publish" / "figures" / "F4.json").read_text())
    assert re.search(r"95% (posterior )?intervals?\b", meta["caption"])
    assert not (ticks and min(ticks) == 0 and max(ticks) == 100)
