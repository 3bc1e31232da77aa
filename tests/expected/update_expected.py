"""Regenerate the committed expected results tables (run by hand, never by tests).

    .venv/bin/python tests/expected/update_expected.py

Runs both default synthetic cycles into a scratch folder and copies the
results tables named in EXPECTED into tests/expected/<cycle>/. Review the diff
before committing: a change here is a change in published numbers.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import run_cycle_once  # noqa: E402

EXPECTED = {
    "2009": ["reconciliation", "sample_summary", "compliance_by_criterion", "authority_estimate",
             "initial_vs_extended", "reaudit_paired", "reaudit_grades", "precision_gain",
             "compliance_by_district", "funnel", "auditor_agreement", "grades", "profile__THA"],
    "2013": ["compliance_by_criterion", "funnel", "trend", "trend_tests", "change_since_previous",
             "grade_trend", "p_chart", "xmr", "profile__MAI"],
}

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for cycle, names in EXPECTED.items():
            info = run_cycle_once(Path(tmp), cycle)
            if info["code"] != 0:
                raise SystemExit(f"cycle {cycle} failed; see {info['cycle_dir']}")
            dest = HERE / cycle
            dest.mkdir(exist_ok=True)
            for name in names:
                shutil.copyfile(info["cycle_dir"] / "results" / f"{name}.csv", dest / f"{name}.csv")
            print(f"{cycle}: {len(names)} tables written to {dest}")
