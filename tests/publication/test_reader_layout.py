"""The appendix read as a page (review 26): a wide table in parts with one identity, a method
said once where every row says the same, one visible title a figure, and disclosure control
said in plain words first.

The fast tests read the fake cycle's appendix (``fake_appendix``: built by
``build_appendix``, the runner's own builder); the slow ones the files the runner wrote for
the default cycles (``cycle_2009``, ``cycle_2013``)."""
import html
import re
from importlib import resources
from types import SimpleNamespace

import pypdfium2 as pdfium
import pytest
import yaml

from kentaudit.publication.views import PART_COLUMNS, column_parts, reader_headers, reader_value


def _page(publish_dir) -> str:
    return (publish_dir / "appendix.html").read_text(encoding="utf-8")


def _tables(page: str) -> dict:
    """``{data-table-id: (caption, [data-column of each header])}`` of a page."""
    out = {}
    for m in re.finditer(r'<table data-table-id="([^"]+)">\s*<caption[^>]*>(.*?)</caption>(.*?)</thead>',
                         page, re.DOTALL):
        out[m.group(1)] = (html.unescape(m.group(2)), re.findall(r'data-column="([^"]+)"', m.group(3)))
    return out


def _methods(page: str) -> dict:
    """``{term: text}`` of the methods section."""
    sec = page[page.index('id="methods"'):page.index('id="caveats"')]
    return {html.unescape(t): html.unescape(re.sub(r"<[^>]+>", "", d))
            for t, d in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", sec, re.DOTALL)}


def _spec_table(tid: str):
    spec = yaml.safe_load((resources.files("kentaudit") / "data" / "appendix_spec.yaml").read_text())
    entry = next(t for t in spec["tables"] if t["id"] == tid)
    cols = [SimpleNamespace(name=c["name"], label=c["label"], kind=c["kind"], unit=c.get("unit"))
            for c in entry["columns"]]
    return SimpleNamespace(id=tid, columns=cols)


# ----------------------------------------------------------------- a wide table in parts
def test_table_16_as_specified_is_read_in_parts_each_repeating_the_row_names():
    t = _spec_table("T16")
    heads = reader_headers(t)
    assert len(heads) > PART_COLUMNS  # 22 columns: too wide for one page
    parts = column_parts(t, heads)
    labels = [c for c, _ in heads if c in {x.name for x in t.columns if x.kind == "label"}]
    assert len(parts) == 2
    for p in parts:
        assert len(p) <= PART_COLUMNS
        assert [c for c, _ in p][:len(labels)] == labels           # every part names its rows
        assert "conf_" not in p[len(labels)][0]                    # never starts with a limit
    # every other column is in exactly one part, in the table's order
    rest = [c for p in parts for c, _ in p[len(labels):]]
    assert rest == [c for c, _ in heads if c not in labels]


def test_an_estimate_is_never_parted_from_its_interval():
    cols = ([SimpleNamespace(name="unit", label="Unit", kind="label", unit=None)]
            + [SimpleNamespace(name=n, label=n, kind="derived", unit="%")
               for k in range(4) for n in (f"est{k}", f"est{k}_conf_low", f"est{k}_conf_high")])
    t = SimpleNamespace(id="T99", columns=cols)
    parts = column_parts(t, reader_headers(t), width=5)
    # a part of 1 label + 4 columns cannot hold two estimates with their limits: one each
    assert [[c for c, _ in p] for p in parts] == [["unit", f"est{k}", f"est{k}_conf_low", f"est{k}_conf_high"]
                                                  for k in range(4)]


def test_a_table_that_fits_is_one_part():
    t = _spec_table("T4")
    heads = reader_headers(t)
    assert column_parts(t, heads) == [heads]


# ----------------------------------------------------------------- a method said once
def test_a_method_column_saying_the_same_on_every_row_is_said_once_above_the_table(fake_appendix):
    page = _page(fake_appendix.result.publish_dir)
    cap, cols = _tables(page)["T4"]
    assert "method" not in cols and "estimate" in cols
    sec = page[page.index('<section id="T4">'):]
    sec = sec[:sec.index("</section>")]
    assert "Interval method, on every row: Wilson score interval." in html.unescape(sec)
    # the CSV keeps the column, one value a row, for machines
    csv = (fake_appendix.result.publish_dir / "csv" / "T4.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0].split(",")[-1] == "method"


# ----------------------------------------------------------------- one title a figure
def _figure_sections(page: str) -> list:
    return re.findall(r'<section id="(F\d+)" class="figure-section">(.*?)</section>', page, re.DOTALL)


def test_a_figure_is_titled_once_by_its_heading(fake_appendix):
    pub = fake_appendix.result.publish_dir
    page = _page(pub)
    secs = _figure_sections(page)
    assert secs
    for fid, sec in secs:
        head = html.unescape(re.search(r"<h3[^>]*>(.*?)</h3>", sec).group(1))
        number, title = head.split(": ", 1)
        cap = re.search(r"<figcaption>(.*?)</figcaption>", sec, re.DOTALL)
        if cap:  # the caption says how to read the figure, not its number or title again
            text = html.unescape(cap.group(1))
            assert not text.startswith(number) and title not in text, (fid, text)
        # nor does the image: matplotlib writes each drawn text as a comment beside its glyphs
        svg = (pub / "figures" / f"{fid}.svg").read_text(encoding="utf-8")
        drawn = " ".join(re.findall(r"<!-- (.*?) -->", svg))
        assert title not in drawn and number not in drawn, (fid, drawn[:200])
        # the file opened on its own still says what it is
        assert f"<dc:title>{html.escape(head, quote=False)}</dc:title>" in svg


# ----------------------------------------------------------------- disclosure in plain words
PLAIN_WORDS = 80


def _disclosure_faults(methods: dict) -> list:
    """What is wrong with the disclosure entries of a methods section: the plain paragraph too
    long or in the statistician's words, the detail or the loss missing."""
    out = []
    plain = methods.get("Disclosure control", "")
    if len(plain.split()) > PLAIN_WORDS:
        out.append(f"plain paragraph of {len(plain.split())} words")
    for jargon in ("linear programming", "secondary", "protection width", "complement", "Information loss"):
        if jargon in plain:
            out.append(f"plain paragraph says {jargon!r}")
    if "linear programming" not in methods.get("How the hidden counts are chosen", ""):
        out.append("no detail of how the hidden counts are chosen")
    return out


def test_disclosure_control_is_said_in_plain_words_first_with_the_detail_after(fake_appendix):
    methods = _methods(_page(fake_appendix.result.publish_dir))
    assert _disclosure_faults(methods) == []
    terms = list(methods)
    assert terms.index("Disclosure control") < terms.index("How the hidden counts are chosen")
    assert "shown as [c]" in methods["Disclosure control"]


def test_the_disclosure_check_finds_each_fault_it_claims():
    detail = "Further counts are hidden ... by linear programming ..."
    good = {"Disclosure control": "No table shows a count from 1 to 5: such a count is shown as [c].",
            "How the hidden counts are chosen": detail}
    assert _disclosure_faults(good) == []
    long_ = {**good, "Disclosure control": "word " * 120}
    assert _disclosure_faults(long_) == ["plain paragraph of 120 words"]
    jargon = {**good, "Disclosure control": "Counts are hidden by linear programming."}
    assert _disclosure_faults(jargon) == ["plain paragraph says 'linear programming'"]
    assert _disclosure_faults({"Disclosure control": "short"}) == ["no detail of how the hidden counts are chosen"]


# ----------------------------------------------------------------- on the runner's files
@pytest.mark.slow
@pytest.mark.parametrize("which", ["2009", "2013"])
def test_the_default_cycles_appendix_reads_as_a_page(which, request):
    """Both default cycles' appendix.html as the runner wrote it: no table part wider than
    :data:`PART_COLUMNS`, no method column repeating one value, one title a figure, the
    disclosure paragraph plain and short."""
    pub = request.getfixturevalue(f"cycle_{which}")["cycle_dir"] / "publish"
    page = _page(pub)
    tables = _tables(page)
    assert all(len(cols) <= PART_COLUMNS for tid, (_, cols) in tables.items() if not tid.endswith("-data")), \
        {tid: len(cols) for tid, (_, cols) in tables.items()}
    for tid, (cap, cols) in tables.items():
        if "-" in tid or "method" not in cols:
            continue
        csv = (pub / "csv" / f"{tid}.csv").read_text(encoding="utf-8").splitlines()
        assert len({r.rsplit(",", 1)[-1] for r in csv[1:]}) > 1, f"{tid} repeats one method on every row"
    assert _disclosure_faults(_methods(page)) == []
    for fid, sec in _figure_sections(page):
        head = html.unescape(re.search(r"<h3[^>]*>(.*?)</h3>", sec).group(1))
        cap = re.search(r"<figcaption>(.*?)</figcaption>", sec, re.DOTALL)
        assert cap is None or head.split(": ", 1)[1] not in html.unescape(cap.group(1)), fid


def test_table_16_of_2013_is_printed_in_parts_under_one_number(cycle_2013):
    """The 2013 appendix's Table 16 (actions, 22 columns): in the HTML two tables captioned
    "Table 16: ... (part k of 2)", every column in one of them; in the PDF its headers read
    whole (at 6.5 pt in one fixed-layout table they wrapped letter by letter)."""
    pub = cycle_2013["cycle_dir"] / "publish"
    tables = _tables(_page(pub))
    parts = {tid: v for tid, v in tables.items() if tid.startswith("T16")}
    assert sorted(parts) == ["T16-part-1", "T16-part-2"]
    assert [cap for cap, _ in parts.values()] == [f"Table 16: Actions and their effect (part {k} of 2)"
                                                  for k in (1, 2)]
    csv_cols = (pub / "csv" / "T16.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    shown = set(parts["T16-part-1"][1]) | set(parts["T16-part-2"][1])
    assert shown == set(csv_cols) - {"criterion"}  # the code column is read as its description
    doc = pdfium.PdfDocument(str(pub / "appendix.pdf"))
    text = " ".join(doc[i].get_textpage().get_text_bounded() for i in range(len(doc)))
    text = re.sub(r"\s+", " ", text)
    for head in ("Table 16: Actions and their effect (part 1 of 2)", "Table 16: Actions and their effect (part 2 of 2)",
                 "Change since the baseline"):
        assert head in text, head


# ----------------------------------------------------------------- codes in words
def test_an_actions_status_reads_in_words_as_on_the_members_page():
    assert reader_value("status", "in_progress", {}) == "in progress"
    assert reader_value("status", "not_completed", {}) == "not completed"
    assert reader_value("status", "completed", {}) == "completed"


def test_table_16_of_2013_says_an_actions_status_in_words(cycle_2013):
    page = _page(cycle_2013["cycle_dir"] / "publish")
    sec = page[page.index('<section id="T16">'):]
    sec = sec[:sec.index("</section>")]
    assert "in progress" in sec and "in_progress" not in sec


# ----------------------------------------------------------------- brackets a reader can follow
def nested_brackets(text: str) -> list:
    """The bracketed phrases of ``text`` holding a bracket of their own: "(suppressed ... (small
    numbers of files))" made a reader count closing brackets."""
    out, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch == "(":
            depth += 1
            if depth == 1:
                start = k
            elif depth == 2:
                out.append(text[start:text.find(")", k) + 2])
        elif ch == ")" and depth:
            depth -= 1
    return out


def test_the_bracket_check_finds_a_bracket_in_a_bracket():
    assert nested_brackets("not shown (suppressed to protect them (small numbers of files)).") == \
        ["(suppressed to protect them (small numbers of files))"]
    assert nested_brackets("96.4% (95% confidence interval 93.8% to 98.0%), adjusted p < 0.001 (Holm)") == []


def test_no_finding_of_2013_holds_a_bracket_in_a_bracket(cycle_2013):
    page = _page(cycle_2013["cycle_dir"] / "publish")
    sec = page[page.index('id="findings"'):]
    sec = sec[:sec.index("</section>")]
    items = [html.unescape(re.sub(r"<[^>]+>", "", x)) for x in re.findall(r"<li>(.*?)</li>", sec, re.DOTALL)]
    assert items and [n for x in items for n in nested_brackets(x)] == []
