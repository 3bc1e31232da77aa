"""Build the bad-input corpus of ``tests/bad_input`` (and valid rows for tests).

Run ``python tests/bad_input/make_corpus.py`` to regenerate the files; the
output is committed and ``expected.csv`` lists, for each file, the exit code
and a substring of the message ``kentaudit validate --synthetic`` must print.
Every case reference is synthetic (``SYN-``) so the public demo key applies.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from kentaudit.inputs import schema as model
from kentaudit.inputs import reference

HERE = Path(__file__).resolve().parent


def valid_rows(n: int = 3, *, start: int = 1) -> list[dict[str, str]]:
    """``n`` valid export rows (all model columns, canonical text) for tests."""
    districts = list(reference.districts()["district"])
    crit = model.criterion_columns()
    rows = []
    for j in range(start, start + n):
        r = {
            "audit_id": f"A{j:05d}", "case_ref": f"SYN-{j:07d}", "cycle": "2012",
            "sample": "annual", "district": districts[j % len(districts)],
            "team": f"Team {j % 3 + 1}", "case_status": "cp_plan", "cp_category": "neglect",
            "age_band": "5-9", "record_source": "electronic", "auditor": f"AU{j % 4:02d}",
            "audit_date": "2012-09-14", "overall_grade": str(j % 4 + 1),
        }
        for g in model.grade_columns():
            r[g] = str((j + len(g)) % 4 + 1)
        for i, c in enumerate(crit):
            r[c] = ("Y", "N", "NA", "")[(i + j) % 4]
        r.update({
            "moderator": "", "moderated_grade": "",
            "strategy_date": "2012-05-25", "s47_start_date": "2012-05-25",
            "icpc_date": "2012-06-18", "first_core_group_date": "2012-06-29",
            "first_review_date": "2012-09-10",
        })
        for f in model.RISK_FLAGS:
            r[f] = ("Y", "N", "")[(j + len(f)) % 3]
        r["notes"] = "file read in full"
        rows.append(r)
    return rows


def to_csv_text(rows, columns=None) -> str:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def _write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def build() -> None:
    base = valid_rows(3)
    cols = list(base[0])

    def variant(name, change, *, columns=None, encoding="utf-8"):
        rows = [dict(r) for r in base]
        change(rows)
        _write(name, to_csv_text(rows, columns or cols), encoding)

    _write("missing_required_column.csv", to_csv_text(base, [c for c in cols if c != "district"]))
    variant("unknown_district.csv", lambda rs: rs[1].update(district="Medway"))
    variant("unknown_answer_code.csv", lambda rs: rs[0].update(c_seen="Maybe"))
    variant("grade_out_of_range.csv", lambda rs: rs[2].update(overall_grade="5"))
    variant("grade_not_integer.csv", lambda rs: rs[2].update(overall_grade="2.5"))
    variant("duplicate_audit_id.csv", lambda rs: rs[2].update(audit_id=rs[0]["audit_id"], case_ref="SYN-0000099"))
    variant("same_case_twice_in_sample.csv", lambda rs: rs[1].update(case_ref=rs[0]["case_ref"]))
    variant("unparseable_date.csv", lambda rs: rs[0].update(audit_date="14th Sept 2012"))
    variant("impossible_date_not_a_day.csv", lambda rs: rs[0].update(audit_date="2012-02-30"))
    variant("conference_before_strategy.csv", lambda rs: rs[1].update(icpc_date="2012-05-20"))
    variant("core_group_before_conference.csv", lambda rs: rs[1].update(first_core_group_date="2012-06-01"))
    variant("audit_in_future.csv", lambda rs: rs[0].update(audit_date="2099-01-04"))
    variant("process_date_after_audit.csv", lambda rs: rs[0].update(first_review_date="2012-10-01"))
    variant("moderated_without_moderator.csv", lambda rs: rs[0].update(moderated_grade="3"))
    variant("cp_category_not_on_plan.csv", lambda rs: rs[0].update(case_status="cin"))
    variant("unknown_sample.csv", lambda rs: rs[0].update(sample="pilot"))
    # a row with an unquoted comma: write by hand so the row has one field too many
    lines = to_csv_text(base, cols).split("\r\n")
    lines[1] = lines[1] + ",extra"
    _write("field_count.csv", "\r\n".join(lines))
    _write("empty.csv", "")
    _write("header_only.csv", to_csv_text(base, cols).split("\r\n")[0] + "\r\n")
    _write("utf16.csv", to_csv_text(base, cols), "utf-16")
    variant("extra_unknown_column.csv", lambda rs: [r.update({"Social worker": "SW1"}) for r in rs],
            columns=cols + ["Social worker"])
    variant("formula_in_notes.csv", lambda rs: rs[1].update(notes='=HYPERLINK("http://example.invalid","click")'))
    variant("windows_1252_valid.csv", lambda rs: [r.update(team="Équipe Thanet – North", notes="café visit, £5 fare")
                                                  for r in rs], encoding="cp1252")

    # one row saved as UTF-8, another as Windows-1252: refused, never turned into mojibake
    rows = [dict(r) for r in base]
    rows[0]["notes"], rows[1]["notes"] = "Café visit", "£20 voucher"
    text = to_csv_text(rows, cols)
    head, first, second, *rest = text.split("\r\n") if "\r\n" in text else text.split("\n")
    nl = "\r\n" if "\r\n" in text else "\n"
    (HERE / "mixed_encoding.csv").write_bytes(
        (head + nl + first + nl).encode("utf-8") + (second + nl).encode("cp1252")
        + nl.join(rest).encode("utf-8"))

    # headers as an audit tool writes them, and answers in its spellings: all valid
    def tool_spelling(rs):
        for r in rs:
            for c in model.criterion_columns():
                r[c] = {"Y": "Yes", "N": "no", "NA": "N/A", "": " "}[r[c]]
    rows = [dict(r) for r in base]
    tool_spelling(rows)
    pretty = {c: c.replace("_", " ").title() for c in cols}
    pretty["case_ref"] = "Case Ref"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([pretty[c] for c in cols])
    for r in rows:
        w.writerow([r[c] for c in cols])
    _write("tool_headers_and_spellings_valid.csv", "\ufeff" + buf.getvalue())

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "audits"
    ws.append(cols)
    for r in base:
        vals = []
        for c in cols:
            v = r[c]
            if c.endswith("_date") and v:
                v = dt.datetime.fromisoformat(v)
            elif (c.endswith("grade") or c.startswith("grade_")) and v:
                v = int(v)
            elif v == "":
                v = None
            vals.append(v)
        ws.append(vals)
    wb.properties.created = wb.properties.modified = dt.datetime(2012, 1, 1)
    wb.save(HERE / "valid.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "audits"
    ws.append(cols)
    for i, r in enumerate(base):
        vals = [None if r[c] == "" else r[c] for c in cols]
        if i == 1:
            vals[cols.index("overall_grade")] = 7
        ws.append(vals)
    wb.properties.created = wb.properties.modified = dt.datetime(2012, 1, 1)
    wb.save(HERE / "grade_out_of_range.xlsx")


if __name__ == "__main__":
    build()
