"""A folder with nothing in it is not a clean appendix (issue 24 item 3; hostile corpus,
session 28: an emptied publish/ folder was said clean, exit 0)."""
from __future__ import annotations

from kentaudit.publication.check.folder import check_publication


def test_an_empty_folder_is_a_finding_not_a_clean_appendix(tmp_path):
    (tmp_path / "publish" / "csv").mkdir(parents=True)   # folders, but not one file
    found = check_publication(tmp_path / "publish")
    assert [(f.file, f.kind) for f in found] == [(".", "unreadable")]
    assert "holds no file" in found[0].detail


def test_the_command_line_exits_1_on_an_empty_folder(tmp_path, capsys):
    from kentaudit.cli import main

    (tmp_path / "publish").mkdir()
    assert main(["check-publication", str(tmp_path / "publish")]) == 1
    assert "nothing was checked" in capsys.readouterr().out


def test_one_clean_file_is_checked_as_before(tmp_path):
    (tmp_path / "publish").mkdir()
    (tmp_path / "publish" / "readme.txt").write_text("An appendix of counts.\n", encoding="utf-8")
    assert all(f.detail.find("holds no file") < 0 for f in check_publication(tmp_path / "publish"))
