"""What the init tests share: ``kentaudit init`` run on an export as a new user runs it, and
the profile or mapping it proposed, read back (not a test module)."""
from __future__ import annotations

from pathlib import Path

import yaml

from kentaudit import cli


def run_init(export: Path, tmp: Path, name: str, short_name: str) -> None:
    """``kentaudit init EXPORT --out TMP/p --name NAME --short-name SHORT``, which must succeed."""
    assert cli.main(["init", str(export), "--out", str(tmp / "p"), "--name", name,
                     "--short-name", short_name]) == 0


def proposed(tmp: Path, name: str) -> dict:
    """The file ``name`` (``mapping.yaml``, ``profile.yaml``) that init wrote under ``TMP/p``."""
    return yaml.safe_load((tmp / "p" / name).read_text(encoding="utf-8"))
