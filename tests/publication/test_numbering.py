"""One identity per table and figure: the number a reader sees is the id, in every format.

The unit tests pin the rule; the cycle tests read the files the runner wrote.
"""
from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

from kentaudit.publication.numbering import (csv_name, numbered_title, numbering, reader_number,
                                             sheet_name)


def test_the_number_a_reader_sees_is_the_id():
    assert reader_number("T7") == "Table 7"
    assert reader_number("F4") == "Figure 4"
    assert reader_number("T3a") == "Table 3a"


def test_a_missing_table_leaves_its_number_unused_instead_of_renumbering_the_rest():
    assert numbering(["T1", "T2", "T7", "F2"]) == {"T1": "Table 1", "T2": "Table 2", "T7": "Table 7",
                                                    "F2": "Figure 2"}


def test_a_list_names_a_table_by_number_and_title_and_another_output_by_its_title():
    assert numbered_title("T5", "Compliance by sample") == "Table 5 (Compliance by sample)"
    assert numbered_title("P1", "PDF for printing") == "PDF for printing"


def test_a_table_s_csv_file_and_sheet_are_named_from_its_id():
    assert csv_name("T5") == "T5.csv" and sheet_name("T5") == "Table 5"
    with pytest.raises(ValueError):
        csv_name("Table 5")


@pytest.mark.parametrize("bad", ["Table 7", "t7", "T", "X7", "T7 "])
def test_what_is_not_an_id_is_refused(bad):
    with pytest.raises(ValueError, match="not a table or figure id"):
        reader_number(bad)


@pytest.mark.slow  # reads the shared default cycles (tests/conftest.py)
@pytest.mark.parametrize("cycle", ["cycle_2009", "cycle_2013"])
def test_every_published_table_is_named_by_its_id_in_the_html_the_workbook_and_the_csvs(cycle, request):
    pub = request.getfixturevalue(cycle)["cycle_dir"] / "publish"
    html = (pub / "appendix.html").read_text(encoding="utf-8")
    ids = [t["id"] for t in json.loads((pub / "csv" / "metadata.json").read_text())["tables"]]
    assert ids and sorted(p.stem for p in (pub / "csv").glob("T*.csv")) == sorted(ids)
    for tid in ids:
        heading = re.search(rf'<h3 id="{tid}-h">([^<:]+):', html)
        assert heading and heading.group(1) == f"Table {tid[1:]}", tid
    # every "Table N" the page mentions is a table of the edition, or one it lists as not produced
    mentioned = set(re.findall(r"Table (\d+)", html))
    skipped = set(re.findall(r"<li>Table (\d+) \(", html))
    assert mentioned <= {t[1:] for t in ids} | skipped
    wb = openpyxl.load_workbook(pub / "appendix.xlsx", read_only=True)
    assert wb.sheetnames[3:] == [f"Table {tid[1:]}" for tid in ids]
    for tid in ids:
        assert wb[f"Table {tid[1:]}"]["A1"].value.startswith(f"Table {tid[1:]}: ")
    ods = pd.read_excel(pub / "appendix.ods", sheet_name=None, header=None, engine="odf")
    assert list(ods)[3:] == [f"Table {tid[1:]}" for tid in ids]
    # the figures' data tables and captions name the tables they come from by the same number
    for ref in re.findall(r"from (?:table|Table) (T?\d+)", html):
        assert not ref.startswith("T"), ref
        assert f"T{ref}" in ids, ref


def test_the_annual_edition_says_which_numbers_it_does_not_use(cycle_2013):
    html = (cycle_2013["cycle_dir"] / "publish" / "appendix.html").read_text(encoding="utf-8")
    assert re.search(r"<li>Table 5 \([^)]*\): this cycle has no (initial|additional)", html)
    assert re.search(r"<li>Table 6 \([^)]*\): this cycle has no re-audit of initial cases", html)
    assert "(Table 4 is T4.csv and sheet Table 4); Tables 5 and 6 are not in this edition" in html
