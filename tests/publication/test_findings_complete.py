"""The findings say the strongest result of every analysis, and one headline per authority.

Read from the files the runner writes (the shared executed cycles of tests/conftest.py):

* every statistically significant result of a published table (an adjusted p-value
  below 1 - confidence level) is stated in the findings (a number of a sentence bound
  to its adjusted p-value) or named in the list of results not stated, with a reason;
  the stated ones are the strongest of their analysis;
* every "across the authority" number, in every output a reader gets (the appendix
  HTML, the PDF's text, the XLSX and ODS covers and notes, the reviewer pages and the
  findings), is the published design-based estimate (Table 15's cells), and a
  figure of one sample says which sample.

Each check is shown failing on a planted fault of every kind it claims to catch.
"""
from __future__ import annotations

import html as html_lib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
import pytest

from kentaudit.publication.findings import sample_phrases

#: every phrase a finding names one of Kent's samples by, in a cycle of one main sample or of two
SAMPLE_WORDS = {f"{k}@{len(p)}": v for p in (("annual",), ("initial", "extended"))
                for k, v in sample_phrases(None, p).items()}

P_FLOOR = "<0.001"


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _significant(v, alpha) -> bool:
    return v == P_FLOOR or (_num(v) is not None and _num(v) < alpha)


def _bindings(restricted: Path) -> pd.DataFrame:
    return pd.read_csv(restricted / "RESTRICTED_findings.csv", dtype=str, keep_default_na=False)


def _adjusted_columns(publish: Path) -> dict:
    """``{table id: [adjusted p-value columns]}`` as the published metadata declares them."""
    meta = json.loads((publish / "csv" / "metadata.json").read_text())
    return {t["id"]: sorted((t.get("adjusted_p_values") or {}).keys()) for t in meta["tables"]
            if t.get("adjusted_p_values")}


# --------------------------------------------------------------- item 3: stated or listed
def check_significant_stated(publish: Path, restricted: Path, alpha: float) -> int:
    """Every significant result stated or listed with a reason; returns how many there are."""
    b = _bindings(restricted)
    stated = {(r.table, int(float(r.row)), r.column) for r in b.itertuples()
              if r.kind == "cell" and r.row != ""}
    listed = {(r.table, int(float(r.row)), r.column): r for r in b.itertuples() if r.kind == "listed"}
    page = html_lib.unescape((publish / "appendix.html").read_text(encoding="utf-8"))
    n = 0
    for tid, cols in _adjusted_columns(publish).items():
        csv = pd.read_csv(publish / "csv" / f"{tid}.csv", dtype=str, keep_default_na=False)
        for col in cols:
            for i in csv.index[csv[col].map(lambda v: _significant(v, alpha))]:
                n += 1
                key = (tid, int(i), col)
                if key in stated:
                    continue
                assert key in listed, f"{tid} row {i} ({col} = {csv.at[i, col]}) is neither stated nor listed"
                r = listed[key]
                assert r.condition.strip(), f"{tid} row {i} is listed without a reason"
                assert r.sentence in page and r.condition[1:] in r.sentence
    # nothing listed that is not significant
    for tid, i, col in listed:
        csv = pd.read_csv(publish / "csv" / f"{tid}.csv", dtype=str, keep_default_na=False)
        assert _significant(csv.at[i, col], alpha), f"{tid} row {i} listed but not significant"
    return n


def check_strongest_stated(publish: Path, restricted: Path) -> None:
    """Of the trend tests, the stated ones have the largest |z| (the strongest trends)."""
    b = _bindings(restricted)
    t11 = publish / "csv" / "T11.csv"
    if not t11.exists():
        return
    csv = pd.read_csv(t11, dtype=str, keep_default_na=False)
    z = csv["trend_z"].map(_num).abs()
    stated = [int(float(r.row)) for r in b.itertuples() if r.table == "T11" and r.column == "trend_p_adjusted"
              and r.kind == "cell"]
    listed = [int(float(r.row)) for r in b.itertuples() if r.table == "T11" and r.kind == "listed"]
    if stated and listed:
        assert min(z[stated]) >= max(z[listed]), "a weaker trend is stated while a stronger one is left out"


def _run_dirs(run) -> tuple[Path, Path, Path]:
    d = run["cycle_dir"]
    return d, d / "publish", d / "restricted"


def _alpha(d: Path) -> float:
    return 1 - json.loads((d / "manifest.json").read_text())["params"]["confidence_level"]


@pytest.mark.slow
@pytest.mark.parametrize("cycle_id", ["2009", "2013"])
def test_every_significant_result_is_stated_or_listed_with_its_reason(cycle_id, request):
    d, pub, res = _run_dirs(request.getfixturevalue(f"cycle_{cycle_id}"))
    n = check_significant_stated(pub, res, _alpha(d))
    assert n > 0  # the default cycles have significant results: the check is not vacuous
    check_strongest_stated(pub, res)


@pytest.mark.slow
def test_the_trend_over_the_programme_is_published_tested_and_stated(cycle_2013):
    d, pub, res = _run_dirs(cycle_2013)
    t11 = pd.read_csv(pub / "csv" / "T11.csv", dtype=str, keep_default_na=False)
    last = t11["cycle"].max()
    shown = t11[t11["trend_p_adjusted"].map(lambda v: v == P_FLOOR or _num(v) is not None)]
    assert len(shown) and (shown["cycle"] == last).all()  # on the latest cycle's row only
    # hidden wherever a yearly count of the criterion is hidden (computed over published counts)
    for crit, g in t11.groupby("criterion"):
        if (g[["n_yes", "n_denominator"]] == "[c]").any().any():
            assert not g["trend_p_value"].map(lambda v: v == P_FLOOR or _num(v) is not None).any(), crit
    sentences = _bindings(res).query("topic == 'trend'")["sentence"]
    assert any("rose significantly on" in s for s in sentences)
    # Figure 3's caption gives the headline criterion's test
    cap = json.loads((pub / "figures" / "F3.json").read_text())["caption"]
    assert "Test for a steady trend" in cap and "adjusted p" in cap


def _plant(tmp_path, d: Path) -> tuple[Path, Path]:
    pub, res = tmp_path / "publish", tmp_path / "restricted"
    shutil.copytree(d / "publish", pub)
    shutil.copytree(d / "restricted", res)
    return pub, res


@pytest.mark.slow
def test_the_stated_or_listed_check_fails_on_a_result_left_unmentioned(cycle_2009, tmp_path):
    d, _, _ = _run_dirs(cycle_2009)
    pub, res = _plant(tmp_path, d)
    b = _bindings(res)
    b = b[b["kind"] != "listed"]  # planted: the list of results not stated is dropped
    b.to_csv(res / "RESTRICTED_findings.csv", index=False)
    with pytest.raises(AssertionError, match="neither stated nor listed"):
        check_significant_stated(pub, res, _alpha(d))


@pytest.mark.slow
def test_the_stated_or_listed_check_fails_on_a_listing_without_reason(cycle_2009, tmp_path):
    d, _, _ = _run_dirs(cycle_2009)
    pub, res = _plant(tmp_path, d)
    b = _bindings(res)
    b.loc[b["kind"] == "listed", "condition"] = ""
    b.to_csv(res / "RESTRICTED_findings.csv", index=False)
    with pytest.raises(AssertionError, match="without a reason"):
        check_significant_stated(pub, res, _alpha(d))


@pytest.mark.slow
def test_the_strongest_check_fails_when_a_weaker_trend_is_stated(cycle_2013, tmp_path):
    d, _, _ = _run_dirs(cycle_2013)
    pub, res = _plant(tmp_path, d)
    b = _bindings(res)
    i = b.index[(b["kind"] == "listed") & (b["table"] == "T11")][-1]
    j = b.index[(b["kind"] == "cell") & (b["column"] == "trend_p_adjusted")][0]
    b.loc[[i, j], "row"] = [b.at[j, "row"], b.at[i, "row"]]  # planted: swap a stated and a listed trend
    b.to_csv(res / "RESTRICTED_findings.csv", index=False)
    with pytest.raises(AssertionError, match="weaker trend"):
        check_strongest_stated(pub, res)


# --------------------------------------------------------------- item 4: one headline
ACROSS = re.compile(r"[Aa]cross (?:the authority|{name})\b[^.]*?\d[^\n]*?(?:\.(?=\s|$|<)|$)")
PCT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)%")
HEADLINE = re.compile(r"an estimated (\d+\.\d)% of the files where it applied met the headline criterion, "
                      r"\u2018([^\u2019]+)\u2019 \((\d+)% confidence interval (\d+\.\d)% to (\d+\.\d)%\)")
#: a criterion named with its estimate, "\u2018X\u2019, 96.4% (95% confidence interval 93.8% to 98.0%)"
#: (or, on an older page, "\u2018X\u2019 (96.4%)")
NAMED = re.compile(r"\u2018([^\u2019]+)\u2019(?:, | \()(\d+\.\d)%"
                   r"(?: \((\d+)% confidence interval (\d+\.\d)% to (\d+\.\d)%\))?")


def _text_of_html(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", raw))


def _text_of_pdf(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for k in range(len(doc)):
            page = doc[k]
            tp = page.get_textpage()
            out.append(tp.get_text_bounded())
            tp.close()
            page.close()
    finally:
        doc.close()
    return "\n".join(out)


def _text_of_book(path: Path, engine: str) -> str:
    sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine, dtype=str)
    return "\n".join(str(v) for df in sheets.values() for v in df.to_numpy().ravel() if isinstance(v, str))


def outputs_text(d: Path) -> dict:
    """The text a reader gets from every output of a cycle, by file."""
    pub = d / "publish"
    texts = {"publish/appendix.html": _text_of_html(pub / "appendix.html"),
             "publish/appendix.xlsx": _text_of_book(pub / "appendix.xlsx", "openpyxl"),
             "publish/appendix.ods": _text_of_book(pub / "appendix.ods", "odf"),
             "restricted/RESTRICTED_findings.csv": "\n".join(
                 _bindings(d / "restricted")["sentence"].drop_duplicates())}
    if (pub / "appendix.pdf").exists():
        texts["publish/appendix.pdf"] = _text_of_pdf(pub / "appendix.pdf")
    for page in sorted((d / "html").glob("*.html")):
        texts[f"html/{page.name}"] = _text_of_html(page)
    return texts


def _same(shown: str, published: str, unrounded, restricted: bool) -> bool:
    """A number as shown against the published cell; a restricted reviewer page may also show
    a cell the appendix hides ([c]), which must then be the unsuppressed result, rounded."""
    if published != "[c]":
        return shown == published
    return restricted and unrounded is not None and abs(float(shown) - 100 * unrounded) <= 0.05 + 1e-9


def check_across(texts: dict, t15: pd.DataFrame, authority: str, results: pd.DataFrame | None = None) -> int:
    """Every "across the authority" number is a cell of the published design-based estimate
    of the criterion it names (on a restricted reviewer page, ``html/``, a cell the appendix
    hides is the unsuppressed ``results`` value); returns the number of sentences checked."""
    pat = re.compile(ACROSS.pattern.replace("{name}", re.escape(authority)))
    rows = {r.criterion_label: r for r in t15.itertuples()}
    raw = ({} if results is None else
           {r.criterion: {"estimate": r.estimate, "conf_low": r.conf_low, "conf_high": r.conf_high}
            for r in results.itertuples()})
    n = 0
    for where, text in texts.items():
        flat = re.sub(r"\s+", " ", text.replace("-\n", ""))
        for m in pat.finditer(flat):
            s = m.group(0)
            n += 1
            accounted = 0
            h = HEADLINE.search(s)
            restricted = where.startswith("html/")
            if h:
                est, label, _, lo, hi = h.groups()
                r = rows.get(label)
                assert r is not None, (where, s)
                u = raw.get(r.criterion, {})
                for shown, col in ((est, "estimate"), (lo, "conf_low"), (hi, "conf_high")):
                    assert _same(shown, getattr(r, col), u.get(col), restricted), (where, s, r)
                accounted += 4  # the estimate, the confidence level, the two limits
            for label, est, level, lo, hi in NAMED.findall(s):
                r = rows.get(label)
                assert r is not None, (where, s)
                u = raw.get(r.criterion, {})
                assert _same(est, r.estimate, u.get("estimate"), restricted), (where, s)
                accounted += 1
                if level:  # the estimate's own interval: T15's cells of the same row
                    for shown, col in ((lo, "conf_low"), (hi, "conf_high")):
                        assert _same(shown, getattr(r, col), u.get(col), restricted), (where, s, r)
                    accounted += 3
            assert len(PCT.findall(s)) == accounted, f"{where}: a number across the authority not from T15: {s}"
    return n


def check_samples_labelled(restricted: Path, words: tuple) -> None:
    """A finding's figure from one sample (T4, T5) says which sample it is."""
    b = _bindings(restricted)
    for r in b[(b["table"].isin(["T4", "T5"])) & (b["topic"] == "headline")].itertuples():
        assert any(w in r.sentence for w in words), r.sentence


def _authority(d: Path) -> str:
    pubp = json.loads((d / "manifest.json").read_text())["params"].get("publication") or {}
    return pubp.get("authority") or "the authority"


@pytest.mark.slow
@pytest.mark.parametrize("cycle_id", ["2009", "2013"])
def test_every_across_the_authority_number_is_the_design_based_estimate(cycle_id, request):
    d, pub, res = _run_dirs(request.getfixturevalue(f"cycle_{cycle_id}"))
    t15 = pd.read_csv(pub / "csv" / "T15.csv", dtype=str, keep_default_na=False)
    texts = outputs_text(d)
    n = check_across(texts, t15, _authority(d), pd.read_csv(d / "results" / "authority_estimate.csv"))
    assert n >= 3  # the appendix, its formats and the compliance reviewer page state it
    check_samples_labelled(res, tuple(SAMPLE_WORDS.values()))
    # the headline is the design-based estimate, with its method stated
    head = _bindings(res).query("topic == 'headline'")["sentence"].iloc[0]
    assert "design-based estimate" in head and "T15" in set(_bindings(res).query("topic == 'headline'")["table"])


@pytest.mark.slow
def test_the_across_check_fails_on_a_pooled_or_changed_figure(cycle_2009):
    d, pub, _ = _run_dirs(cycle_2009)
    t15 = pd.read_csv(pub / "csv" / "T15.csv", dtype=str, keep_default_na=False)
    a = _authority(d)
    # planted: the old pooled headline of issue 23
    with pytest.raises(AssertionError, match="not from T15"):
        check_across({"x": f"Across {a}, 73.3% of the files met it: 343 of 468 files."}, t15, a)
    # planted: the design-based estimate with another estimate's figure
    r = t15.iloc[0]
    good = (f"Across {a}, an estimated {r.estimate}% of the files where it applied met the headline criterion, "
            f"\u2018{r.criterion_label}\u2019 (95% confidence interval {r.conf_low}% to {r.conf_high}%): a "
            "design-based estimate.")
    assert check_across({"x": good}, t15, a) == 1
    with pytest.raises(AssertionError):
        check_across({"x": good.replace(f"{r.estimate}%", "78.6%", 1)}, t15, a)
    # planted: a cell the appendix hides, stated in a published output (allowed only on a reviewer page)
    hidden = t15[t15["estimate"] == "[c]"]
    if len(hidden):
        h = hidden.iloc[0]
        res = pd.read_csv(d / "results" / "authority_estimate.csv")
        v = f"{100 * float(res.set_index('criterion').at[h.criterion, 'estimate']):.1f}"
        leak = f"Across {a} (design-based estimates), compliance was lowest for \u2018{h.criterion_label}\u2019 ({v}%)."
        assert check_across({"html/compliance.html": leak}, t15, a, res) == 1
        with pytest.raises(AssertionError):
            check_across({"publish/appendix.html": leak}, t15, a, res)
    # planted: a highest criterion with another figure
    with pytest.raises(AssertionError):
        check_across({"x": f"Across {a} (design-based estimates), compliance was highest for "
                           f"\u2018{r.criterion_label}\u2019 (12.3%)."}, t15, a)


@pytest.mark.slow
def test_the_sample_label_check_fails_on_an_unlabelled_figure(cycle_2009, tmp_path):
    d, _, _ = _run_dirs(cycle_2009)
    _, res = _plant(tmp_path, d)
    b = _bindings(res)
    i = b["table"].isin(["T5"]) & (b["topic"] == "headline")
    assert i.any()
    b.loc[i, "sentence"] = "Sample by sample, the headline criterion was met in 78.6% and 57.3%."
    b.to_csv(res / "RESTRICTED_findings.csv", index=False)
    with pytest.raises(AssertionError):
        check_samples_labelled(res, tuple(SAMPLE_WORDS.values()))
