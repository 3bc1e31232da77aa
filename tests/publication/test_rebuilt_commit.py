"""An appendix built again from a run's results (``kentaudit appendix``) names the code version of
the run that computed them (its ``manifest.json``), never the checkout that rebuilt it (review 27)."""
from __future__ import annotations

import html
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_rebuilt_appendix_names_the_runs_commit_not_the_rebuilds(fake_appendix):
    # the fake cycle's manifest says the run was at commit 000...0; this checkout is elsewhere
    page = html.unescape((fake_appendix.result.publish_dir / "appendix.html").read_text(encoding="utf-8"))
    assert f"git commit {'0' * 40}." in page
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=False).stdout.strip()
    if head:
        assert head not in page
