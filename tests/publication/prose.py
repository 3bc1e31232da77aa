"""Checks of the findings' prose as a committee member reads it, shared by
``test_findings_prose.py`` (small frames) and ``test_findings_prose_cycles.py`` (the files the
runner writes). Each check is written here independently of kentaudit.publication.findings."""
from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pandas as pd

#: a table's code where a reader should see "Table 15" (a code inside a quoted name, such as an
#: action's register code, is not a table's)
TABLE_CODE = re.compile(r"(?<![\w\-\u2018])T\d+[a-z]?\b")
NUM = r"-?\d+(?:\.\d+)?"
#: an estimate as a sentence states it: a percentage or a difference in percentage points
ESTIMATE = re.compile(rf"(?<![\w.\-])({NUM})(%| percentage points)")
#: percentages that are parameters, not estimates: a confidence level, the funnel limits
LEVEL = re.compile(rf"(?<![\w.\-]){NUM}% (?:confidence interval|funnel limits|limits)")
#: an interval in brackets, after its estimate: "(95% confidence interval 39.7% to 51.1%)"
INTERVAL = re.compile(rf"\((?:{NUM}% confidence interval )?{NUM}%? to {NUM}%?\)")
#: or the reason none is shown, in its place
REASON = re.compile(r"\((?:its interval is not shown|no interval)[^)]*\)")
QUOTED = re.compile(r"\u2018[^\u2019]*\u2019|\b(?:Table|Figure) \d+[a-z]?")
PURPOSIVE = re.compile(r"chosen on purpose|purposive|stand(?:s|ing)? only for (?:themselves|itself)",
                       re.IGNORECASE)

#: which published columns hold the interval of an estimate a finding may state, table by table
#: (the spec's tables, as kentaudit/data/intervals.csv pairs their sources' columns): in the
#: comparisons (Tables 5, 6, 10) conf_low and conf_high are the difference's, never a sample's
#: or a cycle's percentage
BOUNDS = {
    "T4": {"estimate": ("conf_low", "conf_high")},
    "T7": {"estimate": ("conf_low", "conf_high")},
    "T11": {"estimate": ("conf_low", "conf_high")},
    "T12": {"estimate": ("conf_low", "conf_high")},
    "T15": {"estimate": ("conf_low", "conf_high")},
    "T5": {"difference": ("conf_low", "conf_high")},
    "T6": {"difference": ("conf_low", "conf_high")},
    "T10": {"difference": ("conf_low", "conf_high")},
    "T16": {"estimate": ("conf_low", "conf_high"),
            "change_since_baseline": ("change_conf_low", "change_conf_high"),
            "difference": ("difference_conf_low", "difference_conf_high"),
            "difference_net_of_rtm": ("difference_net_of_rtm_conf_low", "difference_net_of_rtm_conf_high")},
}


def purposive_words(text: str) -> list:
    """The words of a sentence that speak of a sample chosen on purpose."""
    return PURPOSIVE.findall(text)


def check_intervals_in_text(sentence: str) -> int:
    """Every estimate of ``sentence`` (a percentage or percentage points, outside quoted names
    and the confidence level or funnel limits) is followed by its interval in brackets, or by
    the reason none is shown, before the next estimate; returns the number of estimates."""
    s = QUOTED.sub(lambda m: "\u2018" + "x" * (len(m.group(0)) - 2) + "\u2019", sentence)
    spans = sorted([m.span() for m in INTERVAL.finditer(s)] + [m.span() for m in REASON.finditer(s)])
    covered = [m.span() for m in LEVEL.finditer(s)] + spans

    def inside(pos):
        return any(a <= pos < b for a, b in covered)

    ests = [m for m in ESTIMATE.finditer(s) if not inside(m.start())]
    for k, m in enumerate(ests):
        nxt = next((a for a, _ in spans if a >= m.end()), None)
        later = ests[k + 1].start() if k + 1 < len(ests) else len(s)
        assert nxt is not None and nxt < later, f"{m.group(0)} stated without its interval or a reason: {sentence}"
    return len(ests)


def check_interval_bindings(b: pd.DataFrame) -> int:
    """In ``RESTRICTED_findings.csv`` (one row per number of a sentence), every estimate bound to a
    cell is followed in its sentence by the bounds of its own interval, bound to the cells of the
    same row of the same table, or the sentence states why none is shown; returns how many."""
    n = 0
    for _, g in b.groupby("finding", sort=False):
        cells = [r for r in g.itertuples() if r.kind == "cell"]
        sentence = g["sentence"].iloc[0]
        for k, r in enumerate(cells):
            pair = BOUNDS.get(r.table, {}).get(r.column)
            if pair is None and not r.column.startswith("estimate_"):
                continue
            n += 1
            after = [(c.table, c.column, c.row) for c in cells[k + 1:k + 3]]
            if pair is not None and after == [(r.table, pair[0], r.row), (r.table, pair[1], r.row)]:
                continue
            assert REASON.search(sentence), (f"{r.table} row {r.row} {r.column} = {r.value} is stated without "
                                             f"its interval's cells or a reason: {sentence}")
    return n


def appendix_findings(publish: Path) -> list:
    """The findings as the appendix's HTML shows them (its findings section's items)."""
    text = (publish / "appendix.html").read_text(encoding="utf-8")
    sec = text[text.index('id="findings"'):]
    sec = sec[:sec.index("</section>")]
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", li)).strip()
            for li in re.findall(r"<li>(.*?)</li>", sec, re.DOTALL)]


def reviewer_findings(cycle_dir: Path) -> dict:
    """The findings each reviewer page shows, by page: the items of its "Main findings" cell and
    the summary the index reads (its ``kentaudit-finding`` entries)."""
    out = {}
    for page in sorted((cycle_dir / "html").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        found = [html_lib.unescape(v) for v in
                 re.findall(r'<meta name="kentaudit-finding" content="([^"]*)"', text)]
        k = text.find('id="cell-id=cell-findings"')
        if k >= 0:
            cell = text[k:]
            end = cell.find('id="cell-id=', 1)
            cell = cell[:end] if end > 0 else cell
            found += [html_lib.unescape(re.sub(r"<[^>]+>", "", li)).strip()
                      for li in re.findall(r"<li>(.*?)</li>", cell, re.DOTALL)]
        out[page.name] = found
    return out


def cycle_samples(cycle_dir: Path) -> tuple[list, list]:
    """The cycle's main samples (its parameters) and those of them chosen on purpose (the
    profile's designs)."""
    from kentaudit.inputs.params import load_params

    manifest = json.loads((cycle_dir / "manifest.json").read_text())
    params = load_params(manifest["params_file"])
    designs = {s.name: s.design for s in params.profile.samples}
    main = [s for s in params.samples if s in params.profile.main_samples]
    return main, [s for s in main if designs.get(s) != "random"]
