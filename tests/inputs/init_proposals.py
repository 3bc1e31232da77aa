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


def read_with_proposal(tmp: Path, export: Path, key: bytes, cycle: str):
    """``export`` read through the profile and mapping init wrote under ``TMP/p`` (as the
    analyst edited them), as ``kentaudit validate`` reads it."""
    import datetime as dt

    from kentaudit.inputs.ingest import read_audits
    from kentaudit.inputs.profile import load_profile

    prof = load_profile(tmp / "p" / "profile.yaml")
    return read_audits(export, key=key, profile=prof, mapping=tmp / "p" / "mapping.yaml",
                       criteria_file=prof.criteria, districts_file=prof.units, cycle=cycle,
                       as_of=dt.date(2027, 1, 1))
