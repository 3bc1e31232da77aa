"""Keyed pseudonyms for case references.

``case_ref`` is replaced on ingest by ``px_`` followed by the first 16
hexadecimal digits (64 bits) of HMAC-SHA256(key, case_ref) [1]_. The same key
gives the same pseudonym for the same case in every cycle, so re-audits and
later audits of a case can be linked, while nobody without the key can
recompute or reverse it. The raw reference never leaves ingest.

With 64 bits, the chance that any two of 100,000 distinct case references
share a pseudonym is about 3e-10; ingest nevertheless checks for collisions
and refuses to continue if one occurs.

Where the key comes from (first found wins):

1. the ``key`` argument;
2. the ``key_file`` argument;
3. the environment variable ``KENTAUDIT_KEY`` (the key itself);
4. the environment variable ``KENTAUDIT_KEY_FILE`` (a path to a key file).

A key must be at least 32 characters and look random: at least
:data:`MIN_KEY_BITS` bits by the Shannon entropy of its characters (so ``"a" * 32``
or a repeated word is refused). The public demo key is refused for any case
reference that is not synthetic (ingest checks every reference). A key file
must be a regular file that only its owner can read (mode ``0600``; a key
file readable by group or others is refused) and must live **outside** any
git work tree (a key inside the repository could be committed). Make a key with::

    python -m kentaudit.inputs.pseudonym ~/.kentaudit/key

Synthetic data (case references ``SYN-...``) may instead use the public demo
key :data:`DEMO_KEY`, which protects nothing and is refused for any other
reference.

References
----------
.. [1] Krawczyk, Bellare and Canetti (1997), RFC 2104, "HMAC: Keyed-Hashing
   for Message Authentication"; Python ``hmac`` and ``hashlib`` modules.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import stat
import sys
from collections import Counter
from pathlib import Path

from kentaudit.core.errors import InputError, PseudonymKeyError
from kentaudit.core.safeio import read_regular

__all__ = ["PREFIX", "DIGEST_HEX_CHARS", "DEMO_KEY", "SYNTHETIC_PREFIX", "MIN_KEY_CHARS", "MIN_KEY_BITS",
           "key_entropy_bits",
           "pseudonymise", "load_key", "is_synthetic_ref", "new_key", "write_key_file",
           "HOW_TO_MAKE_A_KEY", "main"]

PREFIX = "px_"
DIGEST_HEX_CHARS = 16
MIN_KEY_CHARS = 32
#: Least entropy of a key, in bits: length times the Shannon entropy of its
#: characters' frequencies. A random 32-character hex key has about 115 bits,
#: a 64-character one (what ``write_key_file`` makes) about 245; "a" * 32 has 0.
MIN_KEY_BITS = 96
SYNTHETIC_PREFIX = "SYN-"
#: Public demo key for kentaudit's synthetic data only. It is NOT a secret.
DEMO_KEY = b"kentaudit-public-demo-key-for-synthetic-data-only"

HOW_TO_MAKE_A_KEY = (
    "Make a key once with `python -m kentaudit.inputs.pseudonym ~/.kentaudit/key` (a file "
    "outside the repository, readable only by you) and pass it with --key-file, or set "
    "KENTAUDIT_KEY_FILE to its path (or KENTAUDIT_KEY to the key itself). Keep the key: "
    "the same key gives the same pseudonyms in every cycle."
)


def is_synthetic_ref(case_ref: str) -> bool:
    """True if ``case_ref`` looks like a synthetic reference (starts with ``SYN-``)."""
    return isinstance(case_ref, str) and case_ref.startswith(SYNTHETIC_PREFIX)


def pseudonymise(case_ref: str, key: bytes) -> str:
    """``px_`` + the first 16 hex digits of HMAC-SHA256(key, case_ref as UTF-8).

    Parameters
    ----------
    case_ref : str
        The raw case reference (ingest strips surrounding whitespace first).
    key : bytes
        The secret key (see :func:`load_key`).

    Returns
    -------
    str
        For example ``px_3f2a...`` (19 characters).
    """
    digest = hmac.new(key, case_ref.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGEST_HEX_CHARS]


def _git_work_tree(path: Path) -> Path | None:
    for parent in [path.parent, *path.parent.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def key_entropy_bits(key: bytes) -> float:
    """Estimated entropy of a key in bits: ``len(key) * H``, H the Shannon entropy
    (bits per character) of the frequencies of its bytes. An estimate from the key
    alone: it catches repeated and low-variety keys, not every guessable one."""

    n = len(key)
    if not n:
        return 0.0
    return -n * sum(c / n * math.log2(c / n) for c in Counter(key).values())


def _check_key(key: bytes, source: str) -> bytes:
    if len(key) < MIN_KEY_CHARS:
        raise PseudonymKeyError(
            f"the pseudonymisation key from {source} is {len(key)} characters long; "
            f"it must be at least {MIN_KEY_CHARS}. {HOW_TO_MAKE_A_KEY}")
    bits = key_entropy_bits(key)
    if key != DEMO_KEY and bits < MIN_KEY_BITS:
        raise PseudonymKeyError(
            f"the pseudonymisation key from {source} is not random enough (about {bits:.0f} bits of "
            f"entropy by its characters; at least {MIN_KEY_BITS} are needed): a repeated or simple key "
            f"can be guessed, and then every pseudonym reversed. {HOW_TO_MAKE_A_KEY}")
    return key


def _read_key_file(path, source: str) -> bytes:


    p = Path(path).expanduser()
    try:
        resolved = p.resolve(strict=True)
    except (FileNotFoundError, OSError, RuntimeError):
        raise PseudonymKeyError(f"key file {str(p)!r} ({source}) does not exist. {HOW_TO_MAKE_A_KEY}") from None
    if resolved.is_dir():
        raise PseudonymKeyError(f"key file {str(p)!r} ({source}) is a folder; give the key file itself "
                                f"(for example ~/.kentaudit/key). {HOW_TO_MAKE_A_KEY}")
    tree = _git_work_tree(resolved)
    if tree is not None:
        raise PseudonymKeyError(
            f"key file {str(p)!r} is inside the git work tree {str(tree)!r}; a key must live "
            f"outside any repository so it can never be committed. Move it, e.g. to "
            f"~/.kentaudit/key, and point to it again.")
    try:
        mode = resolved.stat().st_mode
    except OSError as e:
        raise PseudonymKeyError(f"key file {str(p)!r} cannot be read ({e.strerror or e}).") from None
    if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
        raise PseudonymKeyError(
            f"key file {str(p)!r} can be read by other users (mode {stat.S_IMODE(mode):04o}); a key must "
            f"be readable only by you. Run `chmod 600 {str(p)}` and try again.")
    try:
        key = read_regular(resolved, str(p)).strip()
    except InputError as e:
        raise PseudonymKeyError(f"key file {str(p)!r} ({source}): {e.message}") from None
    return _check_key(key, f"key file {str(p)!r}")


def load_key(key=None, *, key_file=None, environ=None) -> bytes:
    """The pseudonymisation key, or raise :class:`PseudonymKeyError`.

    Parameters
    ----------
    key : str or bytes, optional
        The key itself.
    key_file : path, optional
        A file holding the key (outside any git work tree).
    environ : mapping, optional
        Environment to read ``KENTAUDIT_KEY`` / ``KENTAUDIT_KEY_FILE`` from
        (default ``os.environ``).

    Returns
    -------
    bytes
        The key, surrounding whitespace removed.
    """
    env = os.environ if environ is None else environ
    if key is not None:
        k = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        return _check_key(k.strip(), "the key argument")
    if key_file is not None:
        return _read_key_file(key_file, "--key-file")
    if env.get("KENTAUDIT_KEY"):
        return _check_key(env["KENTAUDIT_KEY"].encode("utf-8").strip(), "$KENTAUDIT_KEY")
    if env.get("KENTAUDIT_KEY_FILE"):
        return _read_key_file(env["KENTAUDIT_KEY_FILE"], "$KENTAUDIT_KEY_FILE")
    raise PseudonymKeyError(
        "no pseudonymisation key: real audit data is never read without one (case "
        "references are replaced by keyed pseudonyms on ingest). " + HOW_TO_MAKE_A_KEY +
        " For kentaudit's own synthetic data use --synthetic.")


def new_key() -> str:
    """A new random key: 64 hexadecimal characters (256 bits) from :mod:`secrets`."""
    return secrets.token_hex(32)


def write_key_file(path) -> Path:
    """Write a new key to ``path`` (refusing an existing file or a git work tree).

    The file is created with permissions 0600.
    """
    p = Path(path).expanduser().absolute()
    if p.exists() or p.is_symlink():
        raise PseudonymKeyError(f"{str(p)!r} already exists; kentaudit will not overwrite a key.")
    if p.name in ("", ".", ".."):
        raise PseudonymKeyError(f"{str(path)!r} is not a file name; give a path such as ~/.kentaudit/key.")
    tree = _git_work_tree(p)
    if tree is not None:
        raise PseudonymKeyError(f"{str(p)!r} is inside the git work tree {str(tree)!r}; "
                                "choose a path outside any repository, e.g. ~/.kentaudit/key.")
    try:
        # folders made for the key are private (0700), whatever the umask
        missing = [d for d in [p.parent, *p.parent.parents] if not d.exists()]
        for d in reversed(missing):
            d.mkdir(mode=0o700)
            os.chmod(d, 0o700)
        if not p.parent.is_dir():
            raise PseudonymKeyError(f"{str(p.parent)!r} is not a folder; choose a path such as ~/.kentaudit/key.")
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_key() + "\n")
    except OSError as e:
        raise PseudonymKeyError(f"cannot write a key to {str(p)!r} ({e.strerror or e}); choose a path "
                                "in a folder you own, such as ~/.kentaudit/key.") from None
    return p


def main(argv=None) -> int:
    """``python -m kentaudit.inputs.pseudonym PATH``: write a new key to ``PATH`` (0600).

    Returns the exit status: 0 written, 2 usage or a path that cannot be written."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) != 1:
        print("usage: python -m kentaudit.inputs.pseudonym PATH", file=sys.stderr)
        return 2
    try:
        print(f"wrote a new key to {write_key_file(argv[0])}")
    except PseudonymKeyError as e:
        print(f"kentaudit: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover - tested through main()
    raise SystemExit(main())
