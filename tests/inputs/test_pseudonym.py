"""Keyed pseudonyms of case references and key handling."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kentaudit.core.errors import PseudonymKeyError
from kentaudit.inputs.pseudonym import (DEMO_KEY, MIN_KEY_CHARS, is_synthetic_ref, load_key, pseudonymise, write_key_file)

ROOT = Path(__file__).resolve().parents[2]
K1, K2 = "3f9c1e7a5b2d8046c1e9a7f3b5d20864", "a17e4c9b3f5d2e8061b7c3a9f4e2d5c8"
K3 = "5e2b8d4f1a9c7e3b6d0f8a2c4e6b9d1f"


def test_pseudonym_is_truncated_hmac_sha256_rfc4231_test_case_2():
    # RFC 4231, section 4.3 (Test Case 2): key "Jefe", data "what do ya want for nothing?",
    # HMAC-SHA-256 = 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843
    assert pseudonymise("what do ya want for nothing?", b"Jefe") == "px_5bdcc146bf60754e"


def test_same_ref_and_key_give_same_pseudonym_and_other_key_another():
    assert pseudonymise("SYN-0000001", DEMO_KEY) == pseudonymise("SYN-0000001", DEMO_KEY)
    assert pseudonymise("SYN-0000001", DEMO_KEY) != pseudonymise("SYN-0000001", K1.encode())
    assert pseudonymise("SYN-0000001", DEMO_KEY) != pseudonymise("SYN-0000002", DEMO_KEY)


def test_synthetic_refs_start_with_syn():
    assert is_synthetic_ref("SYN-0001234")
    assert not is_synthetic_ref("syn-0001234") and not is_synthetic_ref("K123") and not is_synthetic_ref(None)


def test_key_argument_wins_over_file_and_environment(tmp_path):
    f = tmp_path / "key"
    f.write_text(K2 + "\n")
    f.chmod(0o600)
    env = {"KENTAUDIT_KEY": K3, "KENTAUDIT_KEY_FILE": str(f)}
    assert load_key(K1, key_file=f, environ=env) == K1.encode()
    assert load_key(key_file=f, environ=env) == K2.encode()
    assert load_key(environ=env) == K3.encode()
    assert load_key(environ={"KENTAUDIT_KEY_FILE": str(f)}) == K2.encode()


def test_no_key_is_refused_with_how_to_make_one():
    with pytest.raises(PseudonymKeyError, match=r"python -m kentaudit\.inputs\.pseudonym"):
        load_key(environ={})


def test_short_key_is_refused():
    with pytest.raises(PseudonymKeyError, match=f"at least {MIN_KEY_CHARS}"):
        load_key("short", environ={})


def test_key_file_inside_a_git_work_tree_is_refused(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    f = tmp_path / "repo" / "sub" / "key"
    f.parent.mkdir()
    f.write_text(K1)
    with pytest.raises(PseudonymKeyError, match="inside the git work tree"):
        load_key(key_file=f, environ={})


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_key_file_inside_this_repository_is_refused(tmp_path):
    f = ROOT / "tests" / "bad_input" / ".pytest-key-do-not-commit"
    f.write_text(K1)
    try:
        with pytest.raises(PseudonymKeyError, match="outside any repository"):
            load_key(key_file=f, environ={})
    finally:
        f.unlink()


def test_missing_key_file_is_a_clear_error(tmp_path):
    with pytest.raises(PseudonymKeyError, match="does not exist"):
        load_key(environ={"KENTAUDIT_KEY_FILE": str(tmp_path / "nope")})


def test_write_key_file_makes_a_private_usable_key_and_never_overwrites(tmp_path):
    p = write_key_file(tmp_path / "k" / "key")
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    key = load_key(key_file=p, environ={})
    assert len(key) == 64 and int(key, 16) >= 0
    with pytest.raises(PseudonymKeyError, match="already exists"):
        write_key_file(p)


def test_write_key_file_refuses_a_git_work_tree(tmp_path):
    (tmp_path / ".git").mkdir()
    with pytest.raises(PseudonymKeyError, match="git work tree"):
        write_key_file(tmp_path / "key")


def test_a_repeated_character_key_is_refused_for_low_entropy():
    with pytest.raises(PseudonymKeyError, match="not random enough"):
        load_key("a" * 32, environ={})


def test_a_repeated_word_key_is_refused_for_low_entropy():
    with pytest.raises(PseudonymKeyError, match="not random enough"):
        load_key("abab" * 10, environ={})


def test_a_random_32_character_hex_key_is_accepted():
    assert load_key(K1, environ={}) == K1.encode()


def test_key_file_readable_by_others_is_refused_with_the_fix(tmp_path):
    f = tmp_path / "key"
    f.write_text(K1)
    f.chmod(0o644)
    with pytest.raises(PseudonymKeyError, match="chmod 600"):
        load_key(key_file=f, environ={})


def test_key_file_that_is_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PseudonymKeyError, match="is a folder"):
        load_key(key_file=tmp_path, environ={})


def test_key_file_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    f = tmp_path / "fifo"
    os.mkfifo(f)
    f.chmod(0o600)
    with pytest.raises(PseudonymKeyError, match="not a regular file"):
        load_key(key_file=f, environ={})


def test_write_key_file_creates_missing_folders_private(tmp_path):
    p = write_key_file(tmp_path / "a" / "b" / "key")
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_write_key_file_to_an_unusable_path_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(PseudonymKeyError, match="not a folder|cannot write"):
        write_key_file(tmp_path / "file" / "key")
    with pytest.raises(PseudonymKeyError):
        write_key_file("/proc/kentaudit-key")


def test_demo_key_is_refused_for_real_case_references(tmp_path, monkeypatch):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bad_input"))
    from make_corpus import to_csv_text, valid_rows
    from kentaudit.inputs.ingest import read_audits

    rows = valid_rows(2)
    rows[1]["case_ref"] = "K-REAL-001"
    p = tmp_path / "real.csv"
    p.write_text(to_csv_text(rows))
    monkeypatch.setenv("KENTAUDIT_KEY", DEMO_KEY.decode())
    with pytest.raises(PseudonymKeyError, match="public demo key"):
        read_audits(p)
