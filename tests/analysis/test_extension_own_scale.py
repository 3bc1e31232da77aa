"""The comparison of the cases chosen on purpose with the random cases drawn beside them
(``initial_vs_extended``) reads the cycle's grade scale: on a six-point scale its grade test
counts grades 5 and 6 (the Aldmere walk, issue 22: the notebook stopped with "grade 5.0 in
'overall_grade' is not one of 1, 2, 3, 4", so nothing was published)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from kentaudit import analysis

ROOT = Path(__file__).resolve().parents[2]
SIX = ("Excellent", "Good", "Fair", "Weak", "Poor", "Very poor")


def test_the_grade_comparison_of_the_two_samples_is_on_the_cycles_six_point_scale(tmp_path):
    df = pd.read_csv(ROOT / "data" / "synthetic" / "audits_2009.csv", dtype=str, keep_default_na=False)
    extra = df.index[(df["sample"] == "extended") & (df["overall_grade"] == "4")][:6]
    df.loc[extra, "overall_grade"] = ["5", "6", "5", "6", "5", "6"][:len(extra)]
    df.to_csv(tmp_path / "audits_2009.csv", index=False)
    (tmp_path / "six.csv").write_text("scale,first_cycle,last_cycle,grade,label\n" + "".join(
        f"six,2009,,{g},{lab}\n" for g, lab in enumerate(SIX, start=1)), encoding="utf-8")
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump({
        "profile_version": 1, "name": "Kent County Council", "short_name": "Kent",
        "words": {"unit": "district", "area": "area"}, "units": str(ROOT / "kentaudit" / "data" / "districts.csv"),
        "grade_scales": "six.csv"}), encoding="utf-8")
    doc = yaml.safe_load((ROOT / "params" / "cycle-2009.yaml").read_text(encoding="utf-8"))
    doc.update({"profile": "profile.yaml", "grade_scale": "six", "output_dir": "outputs"})
    doc["inputs"] = {"audits": ["audits_2009.csv"], "previous_audits": [],
                     "sampling_frame": str(ROOT / "data" / "synthetic" / "sampling_frame.csv"),
                     "criteria": None, "districts": None}
    (tmp_path / "cycle.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    cycle = analysis.load_cycle(tmp_path / "cycle.yaml")
    section = analysis.initial_vs_extended(cycle)
    grades = section.tables["grade_comparison"]
    graded = cycle.audits.loc[cycle.audits["sample"].isin(["initial", "extended"]), "overall_grade"].dropna()
    assert {5, 6} <= set(graded.astype(int))
    assert int(grades["n_graded_a"].iloc[0] + grades["n_graded_b"].iloc[0]) == len(graded)
