"""The main samples' frame (``CycleData.main``) leaves out the record's dates, never a criterion or a
grade whose id ends in "date": Marrowdale's "2. Chronology up to date" is ``c_chronology_up_to_date``,
and with a re-audit sample beside the main one every notebook stopped with "criterion
'chronology_up_to_date' is not a column of the audit frame" (issue 22, the Marrowdale walk)."""
from types import SimpleNamespace

import pandas as pd

from kentaudit.analysis.cycle import CycleData


def test_a_criterion_whose_id_ends_in_date_is_kept_and_the_audit_date_is_not():
    audits = pd.DataFrame({"sample": ["random", "reaudit"], "case_ref": ["a", "a"],
                           "audit_date": pd.to_datetime(["2026-07-01", "2026-09-01"]),
                           "c_chronology_up_to_date": ["Y", "N"], "grade_up_to_date": [1, 2]})
    cd = SimpleNamespace(audits=audits, params=SimpleNamespace(main_samples=["random"]))
    main = CycleData.main.fget(cd)
    assert list(main.columns) == ["sample", "case_ref", "c_chronology_up_to_date", "grade_up_to_date"]
    assert list(main["c_chronology_up_to_date"]) == ["Y"]
