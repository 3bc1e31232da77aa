"""The HTML appendix passes axe-core (WCAG 2.2 AA) in headless Chromium and needs no network.

Needs Debian's chromium (/usr/bin/chromium) and npm's axe-core and playwright-core in
tools/browser/node_modules: ``apt-get install -y chromium`` and ``make browser-tools``
(``.ci/run`` does both).
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
NODE = shutil.which("node")
MODULES = ROOT / "tools" / "browser" / "node_modules"
SCRIPT = Path(__file__).parent / "browser" / "axe_check.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not found: apt-get install -y chromium"),
    pytest.mark.skipif(NODE is None, reason="node not found: apt-get install -y nodejs npm"),
    pytest.mark.skipif(not (MODULES / "axe-core").is_dir() or not (MODULES / "playwright-core").is_dir(),
                       reason="axe-core/playwright-core missing: run `make browser-tools`"),
]


@pytest.fixture(scope="module")
def axe(fake_appendix, tmp_path_factory):
    res = fake_appendix.result
    user = tmp_path_factory.mktemp("chromium-profile")
    p = subprocess.run([NODE, str(SCRIPT), str(res.publish_dir / "appendix.html"), CHROMIUM, str(user)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_no_serious_or_critical_axe_violations(axe):
    bad = [v for v in axe["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps(bad, indent=1)
    assert axe["passes"] > 10  # axe really ran


def test_renders_without_network_requests(axe):
    assert axe["requests"] == [] and axe["failed"] == []
