"""Where kentaudit's own checkout is, for an editable install run from anywhere."""
from __future__ import annotations

from pathlib import Path

__all__ = ["source_checkout"]


def source_checkout() -> Path | None:
    """The folder of the repository an editable install of kentaudit lives in (the one
    holding ``notebooks/`` and ``params/``), or None for an installed wheel."""
    root = Path(__file__).resolve().parents[2]  # kentaudit/core/paths.py -> the checkout
    return root if (root / "notebooks").is_dir() and (root / "params").is_dir() else None
