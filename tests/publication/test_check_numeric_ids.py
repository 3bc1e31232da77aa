"""A form tool's ids 1..N used as audit ids (issue 22): a published count that merely equals an
id is not a leak, an id named as one is.

The old rule matched every known identifier as a whole token anywhere, so a published count
of 170 was "identifier '170' from the restricted data" (1,802 findings on a real appendix).
A digits-only id is now a leak only where it stands as an identifier: after an identifier
word in running text, or as the whole of a label or text cell of a table
(kentaudit/publication/check/folder.py, ``_Scanner`` and ``_id_cells``).
"""
import shutil

import pandas as pd
import pytest

from kentaudit.publication.check.folder import check_publication


@pytest.fixture(scope="module")
def built(fake_appendix, tmp_path_factory):
    res, params = fake_appendix.result, fake_appendix.params
    # the same audits as a form tool exports them: ids 1, 2, ... N
    audits = pd.read_csv(params["inputs"]["audits"][0], dtype=str, keep_default_na=False)
    audits["audit_id"] = [str(k + 1) for k in range(len(audits))]
    numbered = tmp_path_factory.mktemp("numbered") / "audits_numbered.csv"
    audits.to_csv(numbered, index=False)
    return res, numbered, len(audits)


@pytest.fixture
def pub(built, tmp_path):
    dst = tmp_path / "publish"
    shutil.copytree(built[0].publish_dir, dst)
    return dst


def _published_counts(pub) -> set:
    out = set()
    for f in (pub / "csv").glob("T*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        for c in df.columns:
            if c.startswith("n_"):
                out |= {v for v in df[c] if v.isdigit()}
    return out


def test_counts_that_equal_numeric_ids_are_not_findings(built, pub):
    _, numbered, n = built
    ids = {str(k) for k in range(1, n + 1)}
    clash = {v for v in _published_counts(pub) if v in ids and len(v) >= 3}
    assert clash, "the appendix must publish counts equal to ids for this test to mean anything"
    assert check_publication(pub, audit_files=[numbered]) == []


def test_numeric_id_named_in_the_text_is_caught(built, pub):
    from test_check_folder import html_sub
    _, numbered, _ = built
    html_sub(pub, "</footer>", "<p>See audit ID 123 for the worst case.</p></footer>")
    f = [x for x in check_publication(pub, audit_files=[numbered]) if x.kind == "case_reference"]
    assert len(f) == 1 and "'123'" in f[0].detail and f[0].file == "appendix.html"


def test_numeric_id_in_running_text_after_a_hash_is_caught(built, pub):
    from test_check_folder import html_sub
    _, numbered, _ = built
    html_sub(pub, "</footer>", "<p>Cases #17 and #118 were escalated.</p></footer>")
    f = [x for x in check_publication(pub, audit_files=[numbered]) if x.kind == "case_reference"]
    assert {x.detail.split("'")[1] for x in f} == {"17", "118"}


def test_numeric_id_as_a_row_label_is_caught(built, pub):
    from test_check_folder import csv_set
    _, numbered, _ = built
    csv_set(pub, "T3", 0, "district", "142")
    f = [x for x in check_publication(pub, audit_files=[numbered]) if x.kind == "case_reference"]
    assert [x.file for x in f] == ["csv/T3.csv"] and "names a row" in f[0].detail


def test_an_id_with_letters_is_still_caught_anywhere(built, pub):
    from test_check_folder import csv_set
    res, _, _ = built
    csv_set(pub, "T9", 0, "method", "linear (A2009-0003)")
    audits = pd.read_csv(next(res.restricted_dir.parent.glob("audits.csv")), dtype=str)
    assert "A2009-0003" in set(audits["audit_id"])
    f = check_publication(pub, audit_files=[res.restricted_dir.parent / "audits.csv"])
    assert any(x.kind == "case_reference" and "A2009-0003" in x.detail for x in f)
