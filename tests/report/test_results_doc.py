"""docs/results.md documents every results table the notebooks save, and every column.

The doc's "Tables by notebook" part has a ``#### `table_name` `` heading per table
and a ``| column | meaning |`` markdown table listing its columns. These tests
parse it and check it against the committed expected tables (fast) and against
every table the two default synthetic cycles save (slow).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "results.md"
EXPECTED = ROOT / "tests" / "expected"

_TABLE_HEADING = re.compile(r"^####\s+`([a-z0-9_]+)`\s*$")
_COLUMN_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def parse_results_doc(text: str) -> dict[str, list[str]]:
    """``{table name: [documented columns in order]}`` from the doc's ``####`` sections.

    Only rows of the form ``| `column` | meaning |`` under a ``#### `name` ``
    heading count; any ``#``, ``##`` or ``###`` heading ends the section.
    """
    tables: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = _TABLE_HEADING.match(line.strip())
        if m:
            current = m.group(1)
            if current in tables:
                raise ValueError(f"table {current!r} is documented twice in docs/results.md")
            tables[current] = []
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is not None:
            r = _COLUMN_ROW.match(line.strip())
            if r:
                tables[current].append(r.group(1))
    return tables


def table_name(csv: Path) -> str:
    """Section name of a results CSV: ``profile__THA.csv`` -> ``profile``."""
    return csv.stem.split("__", 1)[0]


def csv_columns(csv: Path) -> list[str]:
    header = csv.read_text(encoding="utf-8").split("\n", 1)[0]
    # results CSVs quote nothing in their headers (names are lower-case identifiers)
    return header.split(",")


def undocumented(csvs, doc: dict[str, list[str]]) -> list[str]:
    """Problems: tables without a section, columns missing from a table's section."""
    problems = []
    for csv in sorted(csvs):
        name = table_name(csv)
        if name not in doc:
            problems.append(f"{csv.name}: no section '#### `{name}`' in docs/results.md")
            continue
        missing = [c for c in csv_columns(csv) if c not in doc[name]]
        if missing:
            problems.append(f"{csv.name}: columns not documented under `{name}`: {', '.join(missing)}")
    return problems


@pytest.fixture(scope="module")
def doc() -> dict[str, list[str]]:
    return parse_results_doc(DOC.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- the checker

def test_checker_reports_a_table_missing_from_the_doc(tmp_path):
    (tmp_path / "new_table.csv").write_text("criterion,estimate\nseen,0.5\n")
    doc = parse_results_doc("#### `other`\n\n| column | meaning |\n|---|---|\n| `criterion` | id |\n")
    assert undocumented([tmp_path / "new_table.csv"], doc) == [
        "new_table.csv: no section '#### `new_table`' in docs/results.md"]


def test_checker_reports_an_undocumented_column(tmp_path):
    (tmp_path / "profile__THA.csv").write_text("criterion,estimate,extra\nseen,0.5,1\n")
    doc = parse_results_doc("#### `profile`\n\n| column | meaning |\n|---|---|\n"
                            "| `criterion` | id |\n| `estimate` | proportion |\n")
    assert undocumented([tmp_path / "profile__THA.csv"], doc) == [
        "profile__THA.csv: columns not documented under `profile`: extra"]


def test_parser_ignores_column_tables_outside_table_sections():
    text = ("## Columns every results table carries\n\n| column | meaning |\n|---|---|\n"
            "| `method` | m |\n\n### `trends`\n\n#### `trend`\n\n| column | meaning |\n"
            "|---|---|\n| `cycle` | c |\n\n### `other`\n\n| `stray` | s |\n")
    assert parse_results_doc(text) == {"trend": ["cycle"]}


def test_parser_refuses_a_table_documented_twice():
    with pytest.raises(ValueError, match="documented twice"):
        parse_results_doc("#### `trend`\n\n#### `trend`\n")


# ----------------------------------------------------------------------------- the doc

def test_every_documented_table_lists_its_columns_once(doc):
    assert doc, "no '#### `table`' sections found in docs/results.md"
    for name, cols in doc.items():
        assert cols, f"section `{name}` lists no columns"
        dup = sorted({c for c in cols if cols.count(c) > 1})
        assert not dup, f"section `{name}` lists {dup} more than once"


@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_every_committed_expected_table_and_column_is_documented(doc, cycle):
    csvs = sorted((EXPECTED / cycle).glob("*.csv"))
    assert csvs, f"no expected tables under tests/expected/{cycle}"
    assert undocumented(csvs, doc) == []


@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_committed_expected_columns_are_documented_in_csv_order(doc, cycle):
    for csv in sorted((EXPECTED / cycle).glob("*.csv")):
        documented = doc[table_name(csv)]
        cols = csv_columns(csv)
        assert [c for c in documented if c in cols] == cols, f"{csv.name}: column order differs"


# ----------------------------------------------------------------------------- real cycles

@pytest.mark.slow
@pytest.mark.xdist_group("cycles")
@pytest.mark.parametrize("cycle", ["2009", "2013"])
def test_every_table_the_default_cycles_save_is_documented_with_every_column(doc, cycle, request):
    run = request.getfixturevalue(f"cycle_{cycle}")
    csvs = sorted((Path(run["cycle_dir"]) / "results").glob("*.csv"))
    assert csvs, f"cycle {cycle} saved no results tables"
    assert undocumented(csvs, doc) == []
    for csv in csvs:
        documented = doc[table_name(csv)]
        cols = csv_columns(csv)
        assert [c for c in documented if c in cols] == cols, f"{csv.name}: column order differs"
