"""A fictional authority made from Kent's synthetic audits, for the tests that every step reads
the cycle's profile (issue 22, items 3 and 5).

Borsetshire calls its units *localities* and groups them in *quadrants*. Its cycle is Kent's
synthetic 2013 cycle (with 2010-2012 for the trends) whose twelve districts are remapped to
four localities in two quadrants; its profile names its own units table and a copy of the
criteria catalogue, so no step needs a bundled reference table. :func:`write_authority`
writes the profile, the tables, the remapped exports and the parameter file into a folder;
``areas=`` gives other structures (one quadrant).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]

#: Kent's synthetic districts -> Borsetshire's localities (three districts each)
LOCALITY_OF = {"Ashford": "Ashdown Vale", "Dover": "Ashdown Vale", "Shepway": "Ashdown Vale",
               "Canterbury": "Brookmere", "Swale": "Brookmere", "Thanet": "Brookmere",
               "Dartford": "Coldharbour", "Gravesham": "Coldharbour", "Sevenoaks": "Coldharbour",
               "Maidstone": "Denholm", "Tonbridge and Malling": "Denholm", "Tunbridge Wells": "Denholm"}
CODES = {"Ashdown Vale": "ASV", "Brookmere": "BRM", "Coldharbour": "CLH", "Denholm": "DNH"}
#: two quadrants of two localities
TWO_QUADRANTS = {"Ashdown Vale": "Northern", "Brookmere": "Northern", "Coldharbour": "Southern",
                 "Denholm": "Southern"}
ONE_QUADRANT = {name: "Whole county" for name in CODES}
LOCALITIES = tuple(CODES)


def write_authority(folder: Path, *, areas: dict | None = None, years=(2010, 2011, 2012, 2013)) -> Path:
    """Write Borsetshire's profile, tables, exports and 2013 parameter file into ``folder``;
    return the parameter file."""
    folder.mkdir(parents=True, exist_ok=True)
    areas = areas or TWO_QUADRANTS
    for y in years:
        df = pd.read_csv(ROOT / "data" / "synthetic" / f"audits_{y}.csv", dtype=str, keep_default_na=False)
        df["district"] = df["district"].map(LOCALITY_OF)
        df["team"] = df["district"] + " team " + df["team"].str[-1]
        df.to_csv(folder / f"audits_{y}.csv", index=False)
    kent = pd.read_csv(ROOT / "kentaudit" / "data" / "districts.csv")
    kent["locality"] = kent["district"].map(LOCALITY_OF)
    frame = kent.groupby("locality")["children_on_plans"].sum()
    pd.DataFrame({"district": list(CODES), "district_code": list(CODES.values()),
                  "area": [areas[n] for n in CODES],
                  "children_on_plans": [int(frame[n]) for n in CODES]}).to_csv(folder / "localities.csv",
                                                                              index=False)
    shutil.copy(ROOT / "kentaudit" / "data" / "criteria.csv", folder / "questions.csv")
    (folder / "profile.yaml").write_text(yaml.safe_dump({
        "profile_version": 1, "name": "Borsetshire County Council", "short_name": "Borsetshire",
        "words": {"unit": "locality", "area": "quadrant",
                  "population": "children with a child protection plan"},
        "units": "localities.csv", "criteria": "questions.csv"}, sort_keys=False))
    doc = yaml.safe_load((ROOT / "params" / "cycle-2013.yaml").read_text())
    doc.update({"title": "Borsetshire annual case-file audit 2013 (synthetic data)", "profile": "profile.yaml",
                "output_dir": "outputs", "publication": {"status": "synthetic demonstration data",
                                                         "publication_date": "2013-06-28",
                                                         "formats": ["html", "xlsx", "ods", "csv"]}})
    doc["notebooks"] = [n for n in doc["notebooks"] if n != "actions"]  # no action register here
    doc["inputs"] = {"audits": [f"audits_{years[-1]}.csv"],
                     "previous_audits": [f"audits_{y}.csv" for y in years[:-1]],
                     "sampling_frame": None, "criteria": None, "districts": None}
    out = folder / "cycle-2013.yaml"
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def break_bundled_tables(monkeypatch) -> None:
    """Make the bundled units table and criteria catalogue unreadable: a step that reads them
    while the cycle's profile has its own fails."""
    from kentaudit.inputs import reference

    real = reference._bundled

    def bundled(name):
        if name in ("districts.csv", "criteria.csv"):
            return Path("/nonexistent/bundled") / name
        return real(name)

    # every read of a bundled table asks _bundled for its path (the caches are keyed by path)
    monkeypatch.setattr(reference, "_bundled", bundled)
