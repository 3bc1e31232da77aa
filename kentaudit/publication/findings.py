"""Main findings in plain English, written from the published tables by templates.

Every number in a finding is a :class:`Binding`: the text shown and where it comes
from - a cell of a published (disclosure-controlled) table (``table``, ``row``,
``column``), a count of the rows of a table meeting a stated condition
(``kind="rows"``), or a parameter of the run (the confidence level). So the
findings can disclose nothing the tables do not, and a test can check each number
against the tables (``tests/publication/test_findings.py``). The bindings are written to the
restricted folder beside the appendix (``RESTRICTED_findings.csv``).

The findings say the strongest result of every analysis in the edition, and never
stay silent on one: each statistically significant result of a published table is
either stated (a binding on its adjusted p-value) or named in the closing list of
"results not stated in the findings", with the reason (``kind="listed"``). At most
:data:`MAX_NAMED` results of one analysis are stated, strongest first.

A committee member reads them: every estimate stated (a percentage, a difference in
percentage points) is followed by its own interval, bound to the cells of the same row
(:func:`bounds_of`), or by the reason none is shown (:data:`NO_INTERVAL`); a table is named as
the reader sees it ("Table 15", :mod:`kentaudit.publication.numbering`), never by its code; an
action by what it aimed at, its register code only in brackets; the design of the estimate as
it is for the cycle's samples (:func:`design_words`).

Templates (each gives nothing when its table is not in the edition):

* the headline: across the authority, the design-based estimate of the headline
  criterion with its interval and its design (T15); the same criterion in each
  sample, labelled with its sample (T5's counts, or T4 with its interval when the main
  sample is one random sample); the highest and lowest criteria across the authority
  with their intervals (T15, else T4);
* the trend over the programme: criteria with a significant rising or falling trend
  (Cochran-Armitage, adjusted), the strongest with their first and latest
  percentages, each with its interval (T11);
* what changed since the previous cycle (T10);
* what the extension changed: criteria higher among the additional cases, those
  significant after adjustment, with differences and adjusted p-values (T5);
* what the re-audit from comprehensive files changed (T6);
* districts outside the 99.8% funnel limits, on the headline criterion and over all
  criteria, and districts or areas that differ significantly from the rest of the
  authority (T7);
* the actions re-audited in this cycle: for each, whether the targeted practice improved,
  by the rule net of the other districts' change and of regression to the mean (the change
  since the baseline for an action on every district), with its interval (T16;
  :func:`action_findings`);
* what could not be tested or shown (p-values not applicable or suppressed);
* the significant results not stated above, each with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

from kentaudit.core.formatting import P_FLOOR_CELL, format_p, format_value, join_words, method_words
from kentaudit.inputs.profile import Words, bundled_profile
from kentaudit.publication.members import action_results, unit_words
from kentaudit.publication.numbering import ID_PATTERN, reader_number
from kentaudit.publication.views import csv_frame, profile_words

__all__ = ["MAX_NAMED", "NO_INTERVAL", "Binding", "Finding", "action_findings", "authority_words",
           "bindings_frame", "bounds_of", "design_words", "main_findings", "profile_findings",
           "reconciliation_findings", "sample_phrases"]

#: the most results of one analysis a finding states (strongest first); the others are listed
#: as not stated, with that reason, so that no significant result goes unmentioned
MAX_NAMED = 3

#: at most this many results are named in the closing list for one table and reason; the
#: rest are counted and found in the table
MAX_LISTED = 3


def sample_phrases(samples=None, present=()) -> dict:
    """How a finding names each sample of the profile (a figure from one sample is always
    labelled with it), by the sample's design.

    Parameters
    ----------
    samples : tuple of :class:`kentaudit.inputs.profile.Sample`, optional
        The profile's samples (``Profile.samples``; default the bundled example profile's).
    present : iterable of str
        The main samples of the edition: a random sample that is the edition's only main sample
        is named by the profile (its phrase, else "the " and its label: "the annual audit"),
        else "the random sample"; beside other main samples, by its phrase or "the random
        (<name>) sample".

    Returns
    -------
    dict ``{sample name: phrase}``: a random sample as above (beside other main samples, its
    ``phrase`` when the profile gives one); a sample repeating another's cases
    by its phrase, else "the re-audited cases"; any other (chosen on purpose) by its phrase
    (:attr:`kentaudit.inputs.profile.Sample.said`) and "chosen on purpose".
    """
    samples = bundled_profile().samples if samples is None else samples
    present = [str(x) for x in present]
    out = {}
    for smp in samples:
        if smp.repeats is not None:
            out[smp.name] = smp.phrase or "the re-audited cases"
        elif smp.design == "random":
            # alone, by the profile's words when it has any ("the annual sample", "the annual
            # audit": the tables label it so, and a reader must not meet two names for one
            # sample), else "the random sample"; beside other main samples, by its phrase ("the
            # additional random sample"), else by its name: a reader must tell the samples apart
            if present == [smp.name]:
                out[smp.name] = smp.said if (smp.phrase or smp.label) else "the random sample"
            else:
                out[smp.name] = smp.phrase or f"the random ({smp.name}) sample"
        else:
            out[smp.name] = f"{smp.said} chosen on purpose"
    return out


#: MAX_NAMED in words: a number in a finding is a binding to a table, and this one is a rule
_NAMED_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}.get(MAX_NAMED, "few")


def authority_words(authority) -> str:
    """The authority as a finding names it: its name (``publication.authority``) or
    ``"the authority"`` when none is given."""
    a = (authority or "").strip() if isinstance(authority, str) else ""
    return a or "the authority"


@dataclass(frozen=True)
class Binding:
    """One number of a finding.

    ``kind``: ``"cell"`` (``table``, ``row`` - the row index in the published table -
    and ``column``), ``"rows"`` (the number of rows of ``table`` where ``condition``
    holds), ``"parameter"`` (``column`` names the parameter) or ``"listed"`` (a
    significant result named as not stated: ``table``, ``row``, its adjusted p-value
    ``column``, the reason in ``condition``; ``text`` is empty, the words are the
    finding's). ``text`` is how the number is written in the sentence; ``value`` the
    published cell (or count) as text.
    """

    text: str
    kind: str
    table: str
    column: str
    value: str
    row: int | None = None
    condition: str = ""


@dataclass
class Finding:
    """A sentence and its numbers; ``topic`` groups sentences (``headline``, ``trend``,
    ``change``, ``extension``, ``reaudit``, ``districts``, ``untested``, ``not_stated``)."""

    topic: str
    parts: list = field(default_factory=list)

    def add(self, *items) -> "Finding":
        self.parts.extend(items)
        return self

    @property
    def text(self) -> str:
        return "".join(p.text if isinstance(p, Binding) else str(p) for p in self.parts)

    @property
    def bindings(self) -> list:
        return [p for p in self.parts if isinstance(p, Binding)]


# ------------------------------------------------------------------ helpers
def _shown(v) -> bool:
    return isinstance(v, str) and v not in ("", "[c]", "[x]", "[z]")


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _cell(tid, df, i, col, fmt="{}") -> Binding:
    v = str(df.at[i, col])
    return Binding(fmt.format(v), "cell", tid, col, v, row=int(i))


def _rows(tid, n, cond) -> Binding:
    return Binding(str(n), "rows", tid, "", str(n), condition=cond)


def _name(names, tid) -> str:
    """How a sentence names a table: the edition's number ("Table 15", :mod:`numbering`), never
    its code; ``names`` (the edition's numbering) wins."""
    got = (names or {}).get(tid)
    if got:
        return str(got)
    return reader_number(tid) if ID_PATTERN.match(str(tid)) else str(tid)


def _level(conf_level: float) -> Binding:
    return Binding(f"{100 * conf_level:g}%", "parameter", "params", "confidence_level", f"{conf_level:g}")


#: why a finding's estimate has no interval beside it, said in the sentence in its place
NO_INTERVAL = {"[c]": "its interval is not shown: it would reveal small numbers of files",
               "absent": "no interval: the table gives none for this figure",
               "other": "no interval: it could not be calculated from these files"}


def bounds_of(columns, column: str):
    """The published columns holding the interval of estimate ``column`` in a table with
    ``columns``, or None.

    As ``kentaudit/data/intervals.csv`` says of the results tables (a published table keeps
    its source's column names): bounds named after their estimate first
    (``change_conf_low`` of ``change_since_baseline``, ``difference_conf_low`` of
    ``difference``); then the plain ``conf_low``/``conf_high`` belong to ``difference`` in a
    comparison (Tables 5, 6, 10: the difference's interval, never a sample's percentage), else
    to ``estimate``. A pair of bounds belongs to one estimate only.
    """
    cols = set(columns)
    own = {"change_since_baseline": ("change_conf_low", "change_conf_high")}.get(
        column, (f"{column}_conf_low", f"{column}_conf_high"))
    if set(own) <= cols:
        return own
    plain = ("conf_low", "conf_high")
    if not set(plain) <= cols:
        return None
    difference_has_own = {"difference_conf_low", "difference_conf_high"} <= cols
    owner = "difference" if "difference" in cols and not difference_has_own else "estimate"
    return plain if column == owner else None


def _interval(tid, df, i, column, conf_level, unit="%") -> list:
    """The interval of the estimate in ``column`` of row ``i``, bound to its cells, as
    `` (95% confidence interval 40.1% to 50.8%)``; where none can be shown, the reason
    (:data:`NO_INTERVAL`) in brackets instead."""
    pair = bounds_of(df.columns, column) if conf_level is not None else None
    if pair is None:
        return [f" ({NO_INTERVAL['absent']})"]
    lo, hi = pair
    if not (_shown(df.at[i, lo]) and _shown(df.at[i, hi])):
        hidden = "[c]" in (str(df.at[i, lo]), str(df.at[i, hi]))
        return [f" ({NO_INTERVAL['[c]' if hidden else 'other']})"]
    fmt = "{}%" if unit == "%" else "{}"
    return [" (", _level(conf_level), " confidence interval ", _cell(tid, df, i, lo, fmt), " to ",
            _cell(tid, df, i, hi, fmt), ")"]


def _estimate(tid, df, i, column, conf_level, unit="%") -> list:
    """An estimate of a published table followed by its own interval from the same row (or the
    reason none is shown): ``45.4% (95% confidence interval 39.7% to 51.2%)``; ``unit`` ``"%"``
    or ``"percentage points"``."""
    return [_cell(tid, df, i, column, "{}%" if unit == "%" else "{} " + unit),
            *_interval(tid, df, i, column, conf_level, unit)]


def _p_text(b: Binding) -> str:
    """A p-value cell (as the CSV holds it) in words: ``adjusted p < 0.001`` or ``= 0.004``."""
    f = _num(b.value)
    if f is None and b.value != P_FLOOR_CELL:
        return f"adjusted p {b.value}"
    return format_p(b.value, prefix="adjusted p")


def _significant(v, alpha) -> bool:
    if v == P_FLOOR_CELL:
        return True
    f = _num(v)
    return f is not None and f < alpha


def _desc(df, i) -> str:
    return str(df.at[i, "criterion_label"]) if "criterion_label" in df.columns else str(df.at[i, "criterion"])


def _list(items, sep: str = ", ") -> list:
    """Join finding parts ``[[...], [...]]`` with commas (``sep``: semicolons where an item
    holds commas of its own) and a final 'and'."""
    out = []
    for k, it in enumerate(items):
        if k:
            out.append((" and " if sep == ", " else f"{sep.rstrip()} and ") if k == len(items) - 1 else sep)
        out.extend(it)
    return out


# ---------------------------------------------------------------- templates
class _LeftOut(list):
    """Significant results an analysis does not state: ``(table, row, column, what, reason)``."""

    def add(self, tid, row, column, what, reason):
        self.append((tid, int(row), column, what, reason))


def _cell_if(df, i, col):
    return col in df.columns and _shown(df.at[i, col])


def _first_row(df, col, value):
    rows = df.index[df[col] == value].tolist() if col in df.columns else []
    return rows[0] if rows else None


def _population(words) -> str:
    """Who the design-based estimate stands for, in the authority's words (``words.population``
    of its profile); "the children in scope" when the profile does not say."""
    w = profile_words(words)
    default = next(f.default for f in fields(Words) if f.name == "population")
    pop = (w.population or "").strip()
    return f"the {pop}" if pop and pop != default else "the children in scope"


def design_words(main_samples, samples=None, unit: str = "unit", population: str = "the children in scope") -> str:
    """The design of the authority-wide estimate in words, as it is for the samples in it.

    Parameters
    ----------
    main_samples : list of str
        The samples the estimate reads (Table 15's ``sample`` column, else Table 1's main samples).
    samples : tuple of :class:`kentaudit.inputs.profile.Sample`, optional
        The profile's samples (their ``design``); default the bundled example profile's.
    unit, population : str
        The authority's unit ("district") and who the files stand for ("the children subject to
        child protection plans", :func:`_population`).

    Returns
    -------
    str
        "a design-based estimate that weights each file of <the random samples> by the number
        of <population> in its <unit>, with a finite population correction", and only where a
        sample chosen on purpose is in the estimate, "; the sample chosen on purpose (<its
        phrase>) stands only for itself" (several: "the samples ... stand only for themselves").
    """
    prof = {x.name: x for x in (bundled_profile().samples if samples is None else samples)}
    main = [str(s) for s in main_samples]
    said = sample_phrases(tuple(prof.values()), main)
    rand = [s for s in main if s in prof and prof[s].design == "random"]
    chosen = [s for s in main if s in prof and prof[s].design != "random"]
    # "each file of the annual audit ... in its hub": a sample named by its label ("the annual
    # audit") read "the files of the annual audit audited in each hub"
    which = f"each file of {join_words([said[s] for s in rand])}" if rand else "each file drawn at random"
    text = (f"a design-based estimate that weights {which} by the number of "
            f"{population.removeprefix('the ')} in its {unit}, with a finite population correction")
    if chosen:
        # "the sample chosen on purpose (<its words>) stands only for itself": grammatical
        # whatever the profile's words are ("the high-risk initial cases", "the themed
        # dip-sample: neglect"), where "<words> chosen on purpose stand ..." was not
        names = join_words([prof[s].said for s in chosen])
        text += (f"; the sample chosen on purpose ({names}) stands only for itself" if len(chosen) == 1
                 else f"; the samples chosen on purpose ({names}) stand only for themselves")
    return text


def _headline(by, headline, conf, authority, names, words=None, samples=None, edition_samples=None):
    """Across the authority: the design-based estimate (T15) and its design as it is for the
    cycle's samples; each sample's own figure, labelled with its sample (T5, or T4 when Table 4
    counts one sample: never a count pooled over several labelled with one of them)."""
    out = []
    w = profile_words(words)
    where = authority_words(authority)
    t15, t4, t5 = by.get("T15"), by.get("T4"), by.get("T5")
    d15 = csv_frame(t15).astype(str) if t15 is not None else None
    d4 = csv_frame(t4).astype(str) if t4 is not None else None
    i15 = _first_row(d15, "criterion", headline) if d15 is not None else None
    main_samples = ([s.strip() for s in str(d15.at[i15, "sample"]).split("+")]
                    if i15 is not None and "sample" in d15.columns else _main_samples(by.get("T1"), samples))
    if i15 is not None:
        desc = _desc(d15, i15)
        f = Finding("headline").add(f"Across {where}, ")
        if _shown(d15.at[i15, "estimate"]):
            f.add("an estimated ", _cell(t15.id, d15, i15, "estimate", "{}%"),
                  f" of the files where it applied met the headline criterion, \u2018{desc}\u2019",
                  *_interval(t15.id, d15, i15, "estimate", conf),
                  f": {design_words(main_samples, samples, w.unit, _population(words))} "
                  f"({_name(names, t15.id)}).")
        else:
            f.add(f"the estimate for the headline criterion, \u2018{desc}\u2019, is not shown (suppressed to "
                  "protect the people it is about).")
        out.append(f)
    # Table 4's figure is labelled with the samples Table 4 counts (its ``defines``), which may be
    # more than the design-based estimate reads (a random sample and an independent themed one)
    out += _by_sample(by, headline, _table_samples(t4, by, samples, edition_samples) or main_samples,
                      t4, d4, t5, samples, conf)
    # the highest and lowest criteria: across the authority when it is estimated, else in the sample
    t, df = (t15, d15) if d15 is not None else (t4, d4)
    if df is not None:
        est = df["estimate"].map(_num)
        ok = est.notna()
        if ok.sum() >= 2:
            hi, lo = est[ok].idxmax(), est[ok].idxmin()
            scope = (f"Across {where} (design-based estimates), of the " if t is t15
                     else f"In the files audited ({_samples_text(main_samples, samples)}), of the ")
            out.append(Finding("headline").add(
                scope, _rows(t.id, int(ok.sum()), "compliance shown"), " criteria with compliance shown, "
                f"compliance was highest for \u2018{_desc(df, hi)}\u2019, ", *_estimate(t.id, df, hi, "estimate", conf),
                f", and lowest for \u2018{_desc(df, lo)}\u2019, ", *_estimate(t.id, df, lo, "estimate", conf), "."))
    return out


def _main_samples(t1, samples=None) -> list:
    """The main samples of the edition as Table 1 lists them (a sample repeating another's cases
    and the total apart)."""
    if t1 is None or "sample" not in t1.data.columns:
        return []
    main = {x.name for x in (bundled_profile().samples if samples is None else samples) if x.repeats is None}
    return [s for s in map(str, t1.data["sample"]) if s in main]


def _table_samples(t, by, samples=None, edition_samples=None) -> list:
    """The samples a published table's counts come from, by its own definition (``defines``:
    ``fixed: {sample: ...}``): ``"@main"`` is the edition's main samples (``edition_samples``,
    else Table 1's), a list names its samples. Empty when the table does not say and neither is
    known: the caller falls back to the design-based estimate's samples."""
    if t is None:
        return []
    fixed = (getattr(t, "defines", None) or {}).get("fixed") or {}
    read = fixed.get("sample", "@main")
    out = []
    for r in map(str, [read] if isinstance(read, str) else read):
        if r == "@main":
            out += ([str(s) for s in edition_samples] if edition_samples is not None
                    else _main_samples(by.get("T1"), samples))
        elif not r.startswith("@"):
            out.append(r)
    return list(dict.fromkeys(out))


def _samples_text(main_samples, samples=None) -> str:
    said = sample_phrases(samples, main_samples)
    words = [said.get(s, f"the {s} sample") for s in main_samples]
    return " and ".join(words) if words else "all main samples"


def _by_sample(by, headline, main_samples, t4, d4, t5, samples=None, conf=None):
    """The headline criterion in each sample, labelled with the sample (never a pooled figure
    of samples drawn differently). Table 5 gives each sample's figure without an interval (its
    interval is the difference's): the sentence gives the files that met it of those answered,
    counts that need none, and a percentage only with the reason it has no interval."""
    if t5 is not None:
        d5 = csv_frame(t5).astype(str)
        i = _first_row(d5, "criterion", headline)
        if i is None:
            return []
        items = []
        profile_samples = bundled_profile().samples if samples is None else samples
        # the table's samples (its estimate_<sample> columns): those drawn at random first
        ordered = sorted((x for x in profile_samples if x.repeats is None), key=lambda x: x.design != "random")
        shown = [x.name for x in ordered if f"estimate_{x.name}" in d5.columns]
        said = sample_phrases(profile_samples, shown)
        for suffix in shown:
            if _cell_if(d5, i, f"n_yes_{suffix}") and _cell_if(d5, i, f"n_denominator_{suffix}"):
                items.append([_cell(t5.id, d5, i, f"n_yes_{suffix}"), " of ",
                              _cell(t5.id, d5, i, f"n_denominator_{suffix}"), f" answered files of {said[suffix]}"])
            elif _cell_if(d5, i, f"estimate_{suffix}"):
                items.append([_cell(t5.id, d5, i, f"estimate_{suffix}", "{}%"),
                              *_interval(t5.id, d5, i, f"estimate_{suffix}", conf), f" of {said[suffix]}"])
        if not items:
            return []
        return [Finding("headline").add("Sample by sample, the headline criterion was met in ", *_list(items),
                                        ".")]
    if d4 is None:
        return []
    i = _first_row(d4, "criterion", headline)
    if i is None or not _shown(d4.at[i, "estimate"]):
        return []
    if len(main_samples) > 1:
        return []  # a pooled figure of samples drawn differently: the design-based estimate says it
    label = _samples_text(main_samples, samples) if main_samples else "the files audited"
    f = Finding("headline").add(f"In {label}, ", _cell(t4.id, d4, i, "estimate", "{}%"),
                                f" met the headline criterion, \u2018{_desc(d4, i)}\u2019",
                                *_interval(t4.id, d4, i, "estimate", conf))
    if _shown(d4.at[i, "n_yes"]) and _shown(d4.at[i, "n_denominator"]):
        f.add(", in ", _cell(t4.id, d4, i, "n_yes"), " of the ", _cell(t4.id, d4, i, "n_denominator"),
              " files answered")
    return [f.add(".")]


def _trend(t, alpha, adjust_words, left, names, conf_level=None):
    """The trend over the programme (T11): criteria rising or falling significantly."""
    df = csv_frame(t).astype(str)
    if "trend_p_adjusted" not in df.columns:
        return [], False
    tested = [i for i in df.index if _num(df.at[i, "trend_p_value"]) is not None
              or df.at[i, "trend_p_value"] == P_FLOOR_CELL]
    if not tested:
        return [], False
    cycles = sorted(df["cycle"].unique(), key=str)
    first_i = _first_row(df, "cycle", cycles[0])
    last_i = _first_row(df, "cycle", cycles[-1])
    span = ["over the audit programme, cycles ", _cell(t.id, df, first_i, "cycle"), " to ",
            _cell(t.id, df, last_i, "cycle")]
    sig = [i for i in tested if _significant(df.at[i, "trend_p_adjusted"], alpha) and
           _num(df.at[i, "trend_z"]) is not None]
    up = [i for i in sig if _num(df.at[i, "trend_z"]) > 0]
    down = [i for i in sig if _num(df.at[i, "trend_z"]) < 0]
    out = []
    if not sig:
        out.append(Finding("trend").add(
            "Tested for a steady trend ", *span, f" (Cochran-Armitage test, {adjust_words}), no criterion of the ",
            _rows(t.id, len(tested), "trend tested"), " rose or fell significantly: the changes over the "
            "programme could be due to chance."))
        return out, False
    # "rose significantly on 19 of the 20 criteria tested and fell on none", not "fell on 0"
    rose = _rows(t.id, len(up), f"trend_p_adjusted < {alpha:g} and trend_z > 0")
    fell = _rows(t.id, len(down), f"trend_p_adjusted < {alpha:g} and trend_z < 0")
    of = _rows(t.id, len(tested), "trend tested")
    lead = ("Tested for a steady trend ", *span, f" (Cochran-Armitage test, {adjust_words}), compliance ")
    if up and down:
        words = ("rose significantly on ", rose, " and fell significantly on ", fell, " of the ", of,
                 " criteria tested.")
    elif up:
        words = ("rose significantly on ", rose, " of the ", of, " criteria tested and fell on none.")
    else:
        words = ("fell significantly on ", fell, " of the ", of, " criteria tested and rose on none.")
    out.append(Finding("trend").add(*lead, *words))
    sig.sort(key=lambda i: -abs(_num(df.at[i, "trend_z"])))
    items = []
    for i in sig[:MAX_NAMED]:
        crit = df.at[i, "criterion"]
        j = df.index[(df["criterion"] == crit) & (df["cycle"] == cycles[0])].tolist()
        p = _cell(t.id, df, i, "trend_p_adjusted")
        # each cycle's percentage with its own interval (the row's cells), the test's p-value after
        part = [f"\u2018{_desc(df, i)}\u2019, "]
        if j and _shown(df.at[j[0], "estimate"]) and _shown(df.at[i, "estimate"]):
            part += ["from ", *_estimate(t.id, df, j[0], "estimate", conf_level), " in ",
                     _cell(t.id, df, j[0], "cycle"), " to ", *_estimate(t.id, df, i, "estimate", conf_level),
                     " in ", _cell(t.id, df, i, "cycle"), ", "]
        part += [Binding(_p_text(p), "cell", t.id, "trend_p_adjusted", p.value, row=p.row)]
        items.append(part)
    out.append(Finding("trend").add(
        "The strongest trend" + ("s were" if len(items) > 1 else " was") + " in ", *_list(items, "; "), "."))
    for i in sig[MAX_NAMED:]:
        left.add(t.id, i, "trend_p_adjusted", f"\u2018{_desc(df, i)}\u2019",
                 f"trends over the programme weaker than the {_NAMED_WORDS} stated")
    return out, True


def _comparison(t, topic, alpha, adjust_words, intro_more, intro_sig, what, left, conf_level=None):
    df = csv_frame(t).astype(str)
    # each difference with its own interval (an estimate is never stated without it, or the
    # reason it has none)
    def interval(i):
        return _interval(t.id, df, i, "difference", conf_level, "percentage points")

    out = []
    diff = df["difference"].map(_num)
    shown = diff.notna()
    if not shown.any():
        return out
    higher = df.index[diff > 0].tolist()
    out.append(Finding(topic).add(
        intro_more, _rows(t.id, len(higher), "difference > 0"), " of the ",
        _rows(t.id, int(shown.sum()), "difference shown"), " criteria with a difference shown."))
    sig = [i for i in df.index if _significant(df.at[i, "p_adjusted"], alpha)]
    hid = int((shown & (df["p_adjusted"] == "[c]")).sum())
    if sig:
        sig.sort(key=lambda i: -abs(diff[i]) if diff.notna()[i] else 0)
        items = []
        for i in sig[:MAX_NAMED]:
            p = _cell(t.id, df, i, "p_adjusted")
            items.append([f"\u2018{_desc(df, i)}\u2019: ", _cell(t.id, df, i, "difference", "{}"),
                          " percentage points", *interval(i), ", ",
                          Binding(_p_text(p), "cell", t.id, "p_adjusted", p.value, row=p.row)])
        named = ("; the largest: " if len(sig) > MAX_NAMED else ": ")
        out.append(Finding(topic).add(
            intro_sig, f" ({adjust_words}), the difference was statistically significant for ",
            _rows(t.id, len(sig), f"p_adjusted < {alpha:g}"), " criteri" + ("on" if len(sig) == 1 else "a"),
            named, *_list(items, "; "), "."))
        for i in sig[MAX_NAMED:]:
            left.add(t.id, i, "p_adjusted", f"\u2018{_desc(df, i)}\u2019",
                     f"{what}: differences smaller than the {_NAMED_WORDS} stated")
    # adjusted p-values hidden because hidden rows of their family could change them: neither
    # significant nor due to chance as far as this edition can say, and counted apart (hid)
    if sig:
        rest = int(shown.sum()) - len(sig) - hid
        if rest:
            out.append(Finding(topic).add(
                "For the other ", _rows(t.id, rest, f"difference shown, p_adjusted not [c] and not < {alpha:g}"),
                f" criteria {'whose adjusted p-value is shown ' if hid else ''}the {what} could be due to chance."))
    else:
        out.append(Finding(topic).add(
            f"{intro_sig} ({adjust_words}), no difference {'whose adjusted p-value is shown ' if hid else ''}"
            f"was statistically significant: the {what} could be due to chance."))
    if hid:
        out.append(Finding(topic).add(
            "For ", _rows(t.id, hid, "difference shown and p_adjusted == [c]"),
            f" criteri{'on' if hid == 1 else 'a'} the adjusted p-value is not shown ([c]): it is adjusted "
            "together with criteria whose counts are hidden, and they could change it."))
    return out


def _outer():
    return Binding("99.8%", "parameter", "params", "funnel_outer_limit", "0.998")


def _districts(t, headline, words, conf_level=None):
    w = profile_words(words)
    df = csv_frame(t).astype(str)
    out = []
    dist = df[(df["district"] != w.all_units) & df["funnel_band"].isin(["above", "below", "within"])]
    # bands hidden because hidden counts could change them: the counts below say so (their family
    # is the shown bands, not every district)
    hid = df[(df["district"] != w.all_units) & (df["funnel_band"] == "[c]")]
    if not len(dist):
        return out
    head = dist[dist["criterion"] == headline]
    n_hid_head = int((hid["criterion"] == headline).sum())
    if len(head):
        desc = _desc(df, head.index[0])
        below = head.index[head["funnel_band"] == "below"].tolist()
        above = head.index[head["funnel_band"] == "above"].tolist()
        f = Finding("districts").add(f"On the headline criterion, \u2018{desc}\u2019, ")
        if not below and not above:
            f.add("all ", _rows(t.id, len(head), f"headline criterion, {w.unit} rows in the funnel"),
                  f" {w.units} whose band is shown lie within the " if n_hid_head else f" {w.units} lie within the ",
                  _outer(), " funnel limits around the audit standard.")
        else:
            for side, rows_ in (("below", below), ("above", above)):
                if rows_:
                    items = [[str(df.at[i, "district"]), ", ", *_estimate(t.id, df, i, "estimate", conf_level)]
                             for i in rows_]
                    f.add(*_list(items, "; "), f" {'lies' if len(rows_) == 1 else 'lie'} {side} the ", _outer(),
                          " funnel limits around the audit standard; ")
            f.add("the other ", _rows(t.id, len(head) - len(below) - len(above),
                                      f"headline criterion, {w.unit} rows within"),
                  f" {w.units} whose band is shown lie within them." if n_hid_head else f" {w.units} lie within them.")
        if n_hid_head:
            f.add(" The bands of ", _rows(t.id, n_hid_head, f"headline criterion, {w.unit} rows with band [c]"),
                  f" {w.units} are not shown ([c]): {w.units} with hidden counts could change them.")
        out.append(f)
    n_out = dist["funnel_band"].isin(["above", "below"])
    crits = dist["criterion"].nunique()
    out.append(Finding("districts").add(
        "Over all ", _rows(t.id, crits, f"criteria with {w.units} in the funnel"), " criteria, ",
        _rows(t.id, int(n_out.sum()), f"{w.unit} rows above or below"), " of the ",
        _rows(t.id, len(dist), f"{w.unit} rows in the funnel"),
        f" {w.unit} results whose band is shown lie outside the " if len(hid) else
        f" {w.unit} results lie outside the ", _outer(), " limits (",
        _rows(t.id, int((dist["funnel_band"] == "below").sum()), f"{w.unit} rows below"), " below, ",
        _rows(t.id, int((dist["funnel_band"] == "above").sum()), f"{w.unit} rows above"), " above)",
        *([f"; the band{'s' if len(hid) != 1 else ''} of ", _rows(t.id, len(hid), f"{w.unit} rows with band [c]"),
           (f" other {w.unit} result{'s are' if len(hid) != 1 else ' is'} not shown, since {w.units} with "
            "hidden counts could change them.")] if len(hid) else ["."])))
    return out


def _district_tests(t, alpha, adjust_words, left, where, words=None, conf_level=None):
    """Districts and areas against the rest of the authority (T7's adjusted p-values), in the
    authority's ``words``."""
    w = profile_words(words)
    df = csv_frame(t).astype(str)
    if "p_adjusted" not in df.columns:
        return []
    tested = [i for i in df.index if _num(df.at[i, "p_adjusted"]) is not None
              or df.at[i, "p_adjusted"] == P_FLOOR_CELL]
    if not tested:
        return []
    # the authority's own row of each criterion (the total: the most files answered) gives the
    # direction of a difference: below the whole is below the rest
    whole = {}
    for crit, g in df[df["district"] == w.all_units].groupby("criterion", sort=False):
        n = g["n_denominator"].map(_num)
        if n.notna().any() and _num(g.at[n.idxmax(), "estimate"]) is not None:
            whole[crit] = _num(g.at[n.idxmax(), "estimate"])
    sig = [i for i in tested if _significant(df.at[i, "p_adjusted"], alpha)]
    # p-values hidden by disclosure control: said beside the count, so a reader who meets the
    # reviewer pages' larger count (nothing hidden there) sees why the two differ; the family the
    # p-values were adjusted over is the same (issue 23 item 5)
    n_hid = int((df["p_adjusted"] == "[c]").sum())
    # the families are each criterion's units (and its areas), not every row: "all 320 were
    # adjusted together" was wrong (review 27)
    hidden = (["; the p-values of ", _rows(t.id, n_hid, "p_adjusted == [c]"),
               f" other result{'s are' if n_hid != 1 else ' is'} not shown ([c]): ",
               _rows(t.id, len(tested) + n_hid, "p_adjusted shown or [c]"),
               f" in all, each adjusted with the other {w.units} or {w.areas} on its criterion, shown or not"]
              if n_hid else [])

    def unit(i):
        return (f"the {df.at[i, 'area']} {w.area}" if df.at[i, "district"] == w.all_units
                else str(df.at[i, "district"]))

    if not sig:
        return [Finding("districts").add(
            f"Against the rest of {where} ({adjust_words}), no {w.unit} or {w.area} differed significantly on any "
            "criterion", *hidden, ": the differences between them could be due to chance.")]

    def strength(i):
        e, whole_e = _num(df.at[i, "estimate"]), whole.get(df.at[i, "criterion"])
        return -abs(e - whole_e) if e is not None and whole_e is not None else 0.0

    sig.sort(key=lambda i: (0.0 if df.at[i, "p_adjusted"] == P_FLOOR_CELL else _num(df.at[i, "p_adjusted"]),
                            strength(i)))
    items = []
    for i in sig[:MAX_NAMED]:
        e, whole_e = _num(df.at[i, "estimate"]), whole.get(df.at[i, "criterion"])
        side = "" if e is None or whole_e is None else (" lower" if e < whole_e else " higher")
        p = _cell(t.id, df, i, "p_adjusted")
        part = [f"{unit(i)}{side} on \u2018{_desc(df, i)}\u2019, "]
        if _shown(df.at[i, "estimate"]):
            part += [*_estimate(t.id, df, i, "estimate", conf_level), ", "]
        part += [Binding(_p_text(p), "cell", t.id, "p_adjusted", p.value, row=p.row)]
        items.append(part)
    for i in sig[MAX_NAMED:]:
        e, whole_e = _num(df.at[i, "estimate"]), whole.get(df.at[i, "criterion"])
        side = "" if e is None or whole_e is None else (" lower" if e < whole_e else " higher")
        left.add(t.id, i, "p_adjusted", f"{unit(i)}{side} on \u2018{_desc(df, i)}\u2019",
                 f"against the rest of {where}: differences less certain than the {_NAMED_WORDS} stated")
    return [Finding("districts").add(
        f"Against the rest of {where} ({adjust_words}), ",
        _rows(t.id, len(sig), f"p_adjusted < {alpha:g}"), " of the ", _rows(t.id, len(tested), "p_adjusted shown"),
        f" {w.unit} and {w.area} results differed significantly", *hidden, "; the clearest: ",
        *_list(items, "; "), ".")]


def _not_stated(left, names):
    """The closing list: every significant result not stated above, with its reason."""
    if not left:
        return []
    f = Finding("not_stated").add("Also statistically significant, and left out to keep the findings short: ")
    groups = {}
    for tid, row, column, what, reason in left:
        groups.setdefault((tid, reason), []).append((row, column, what))
    for k, ((tid, reason), items) in enumerate(groups.items()):
        f.add("; " if k else "", f"{reason[0].upper()}{reason[1:]} ({_name(names, tid)}): ")
        if len(items) > MAX_LISTED:
            # a long run of names is not read: the table and the first few (no count: every
            # number in the findings is a published cell's); every result is still bound to
            # its row (the completeness check reads the bindings)
            f.add("among others, ")
        for j, (row, column, what) in enumerate(items):
            shown = j < MAX_LISTED
            f.add(", " if j and shown else "", Binding("", "listed", tid, column, "", row=row, condition=reason),
                  what if shown else "")
        if len(items) > MAX_LISTED:
            f.add(f" (the others are in {_name(names, tid)})")
    return [f.add(".")]


def _untested(tables, names):
    parts = []
    n_z = n_c = 0
    for t in tables:
        pcols = [c.name for c in t.columns if c.kind == "derived" and (c.unit or "") == "p-value"]
        if not pcols:
            continue
        df = csv_frame(t).astype(str)
        # a test that does not apply to a row (a trend over every cycle, on an earlier cycle's
        # row) is [z] there too, but was never a comparison that could not be tested
        df = df[~t.not_applicable_rows().to_numpy()] if hasattr(t, "not_applicable_rows") else df
        # a comparison is a row: its p-value and adjusted p-value are [z] together, counted once
        z = int((df[pcols] == "[z]").any(axis=1).sum())
        if z:
            parts.append([_rows(t.id, z, f"rows with {' or '.join(pcols)} == [z]"),
                          f" in {_name(names, t.id)}"])
        n_z += z
        n_c += int((df[pcols] == "[c]").to_numpy().sum())
    out = []
    if parts:
        out.append(Finding("untested").add(
            "Some comparisons could not be tested (shown as [z]): a group had no file answered "
            "yes or no, every answer was the same, or no answer changed between the paired "
            "audits: ", *_list(parts), "."))
    cparts = []
    for t in tables:
        df = csv_frame(t).astype(str)
        k = int((df == "[c]").to_numpy().sum())
        if k:
            cparts.append([_rows(t.id, k, "cells == [c]"), f" cell{'s' if k != 1 else ''} in "
                           f"{_name(names, t.id)}"])
    if cparts:
        out.append(Finding("untested").add(
            "Figures that would reveal small numbers of files are suppressed (shown as [c]): ",
            *_list(cparts), "."))
    return out


def reconciliation_findings(t):
    df = csv_frame(t).astype(str)
    tot = df.index[df["outcome"] == "Total"].tolist()
    acc = df.index[df["outcome"] == "Accepted"].tolist()
    if not tot or not acc:
        return []
    rej = [i for i in df.index if df.at[i, "outcome"].startswith("Rejected")]
    f = Finding("quality").add("Of the ", _cell(t.id, df, tot[0], "n_records"), " records received, ",
                               _cell(t.id, df, acc[0], "n_records"), " were accepted")
    if rej:
        items = [[_cell(t.id, df, i, "n_records"), f" ({df.at[i, 'outcome'].split(':', 1)[1].strip()})"]
                 for i in rej]
        f.add(" and the others rejected, each under the first rule it broke: ", *_list(items), ".")
    else:
        f.add("; none was rejected.")
    return [f]


def profile_findings(df: pd.DataFrame, alpha: float, name: str = "profile", authority: str | None = None):
    """A district against the rest of the authority (the ``profile`` results table, unrounded)."""
    where = authority_words(authority)
    if not len(df) or "p_adjusted" not in df.columns:
        return []
    district = str(df["district"].iloc[0])
    conf = _num(df["conf_level"].iloc[0]) if "conf_level" in df.columns else None
    conf = conf if conf is not None else 1 - alpha

    def _pp(i, col):  # a difference of proportions as the one formatter shows it
        v = format_value(df.at[i, col], "pp")
        return [Binding(v, "cell", name, col, v, row=int(i))]

    def _pp_interval(i):  # the difference's own interval (intervals.csv), or why none is shown
        lo, hi = "difference_conf_low", "difference_conf_high"
        if not {lo, hi} <= set(df.columns):
            return [f" ({NO_INTERVAL['absent']})"]
        if _num(df.at[i, lo]) is None or _num(df.at[i, hi]) is None:
            return [f" ({NO_INTERVAL['other']})"]
        return [" (", _level(conf), " confidence interval ", *_pp(i, lo), " to ", *_pp(i, hi), ")"]

    out = []
    for side, sel in (("lower", df["difference"] < 0), ("higher", df["difference"] > 0)):
        rows = df.index[sel & (df["p_adjusted"] < alpha)].tolist()
        if rows:
            items = [[f"\u2018{df.at[i, 'criterion_label']}\u2019 (", *_pp(i, "difference"), " percentage points",
                      *_pp_interval(i), ", ",
                      Binding(format_p(df.at[i, 'p_adjusted'], prefix="adjusted p"),
                              "cell", name, "p_adjusted", format_p(df.at[i, "p_adjusted"]), row=int(i)), ")"]
                     for i in rows]
            out.append(Finding("profile").add(
                f"{district} was significantly {side} than the rest of {where} on ",
                Binding(str(len(rows)), "rows", name, "", str(len(rows)),
                        condition=f"difference {'<' if side == 'lower' else '>'} 0 and p_adjusted < {alpha:g}"),
                f" criteri{'on' if len(rows) == 1 else 'a'}: ", *_list(items), "."))
    if not out:
        out.append(Finding("profile").add(
            f"After adjustment for multiple comparisons, {district} did not differ significantly from the "
            f"rest of {where} on any criterion."))
    return out


#: the comparisons the findings report, in the order of the edition: (table, topic, the
#: sentence's opening, what differs)
_COMPARISONS = (
    ("T10", "change", "Compared with the previous cycle, compliance rose on ", "change since the previous cycle"),
    ("T5", "extension", "The additional cases of the extended sample scored higher than the initial cases on ",
     "difference between the samples"),
    ("T6", "reaudit", "Re-audited from their comprehensive files, the initial cases scored higher on ",
     "change at re-audit"),
)


def main_findings(tables, *, headline: str, conf_level: float = 0.95, adjust_method: str = "holm",
                  names=None, words=None, authority: str | None = None, samples=None,
                  main_samples=None) -> list:
    """The main findings of an edition from its published tables.

    Parameters
    ----------
    tables : list of PublicationTable
        The published (disclosure-controlled) tables.
    headline : str
        The headline criterion id (``params.headline_criterion``).
    conf_level : float
        Confidence level of the intervals (a parameter binding).
    adjust_method : str
        Multiple-comparison method, named in words.
    names : dict, optional
        Reader-facing table numbers (``{"T7": "Table 7"}``).
    words : dict, optional
        ``{"criteria": {id: description}, "authority": Words}``: the authority's words (its
        profile's: "district", "area", "All districts") name the units and areas; default the
        bundled example profile's.
    authority : str, optional
        The authority's name (``params.publication.authority``); "the authority" if None.
    samples : tuple of :class:`kentaudit.inputs.profile.Sample`, optional
        The profile's samples, named as :func:`sample_phrases` says; default the bundled
        example profile's.
    main_samples : sequence of str, optional
        The edition's main samples, those a table defined over ``"@main"`` (Table 4) counts
        together; default Table 1's (without Table 1: the design-based estimate's).

    Returns
    -------
    list of Finding
        In the order: headline, trend, change, extension, re-audit, districts, untested,
        and last (``topic="not_stated"``) the significant results not stated, with reasons.
    """
    by = {t.id: t for t in tables}
    names = names or {}
    alpha = 1 - conf_level
    adj = "adjusted for multiple comparisons by " + method_words(adjust_method, "phrase")
    where = authority_words(authority)
    left = _LeftOut()
    out = _headline(by, headline, conf_level, authority, names, words, samples, main_samples)
    trend_sig = False
    if "T11" in by:
        found, trend_sig = _trend(by["T11"], alpha, adj, left, names, conf_level)
        out += found
    for tid, topic, intro, what in _COMPARISONS:
        if tid in by:
            found = _comparison(by[tid], topic, alpha, method_words(adjust_method, "phrase"), intro,
                                "After adjustment for multiple comparisons", what, left, conf_level)
            if tid == "T10" and trend_sig and not any("the difference was statistically significant" in f.text
                                                      for f in found):
                # one sentence, not two: "no difference was significant: the change could be due
                # to chance" beside a significant trend read as a contradiction
                found = [f for f in found if not ("no difference" in f.text and "due to chance" in f.text)]
                found.append(Finding(topic).add(
                    f"After adjustment for multiple comparisons ({method_words(adjust_method, 'phrase')}), no "
                    "change between the last two cycles alone was statistically significant; the test for a "
                    "trend (above) uses every cycle of the programme and is the stronger evidence."))
            out += found
    if "T7" in by:
        out += _districts(by["T7"], headline, words, conf_level)
        out += _district_tests(by["T7"], alpha, adj, left, where, words, conf_level)
    if "T16" in by:
        out += action_findings(by["T16"], conf_level, names, authority, words)
    out += _untested(tables, names)
    out += _not_stated(left, names)
    return out


def bindings_frame(findings) -> pd.DataFrame:
    """One row per number of every finding: ``finding`` (its position), ``topic``,
    ``sentence``, ``text``, ``kind``, ``table``, ``row``, ``column``, ``condition``, ``value``."""
    rows = []
    for k, f in enumerate(findings, start=1):
        for b in f.bindings:
            rows.append({"finding": k, "topic": f.topic, "sentence": f.text, "text": b.text, "kind": b.kind,
                         "table": b.table, "row": b.row, "column": b.column, "condition": b.condition,
                         "value": b.value})
    return pd.DataFrame(rows, columns=["finding", "topic", "sentence", "text", "kind", "table", "row",
                                       "column", "condition", "value"])


#: an action on one unit, its verdict by the rule net of both the other units' change and regression
#: to the mean (said once in the opening sentence), in short
SHORT_NET_VERDICTS = {"improved": "improved more than expected", "worse": "worse than expected",
                      "no clear change": "no clear effect"}
#: why an action's figures are not shown, in short (the members' page and Table 16's notes say it whole)
SHORT_REASONS = {"not shown": "suppressed: too few files to publish"}


def action_findings(t, conf_level: float, names=None, authority: str | None = None, words=None) -> list:
    """For each action of Table 16, whether the targeted practice improved, with its interval.

    The verdict reads the rule ``docs/actions.md`` calls honest
    (:func:`kentaudit.publication.members.action_results`): for an action on a unit, the
    change against the other units net of regression to the mean; for an action on every
    unit, the change since the baseline. The rule is said once, in the opening sentence; each
    action's sentence gives its verdict and that rule's estimate with its own interval, nothing
    else (the other rules' figures are in the table and on the members' page). The
    units are named in the authority's words (``words``, as :func:`main_findings` takes them).
    Every number is a published cell: an action whose figures are suppressed is named as
    not shown, with the reason; owners are never named in a sentence (their role is in the
    table's own column).

    Returns
    -------
    list of Finding
        ``topic="actions"``: one opening sentence, then one short one per action and criterion.
    """
    names = names or {}
    w = unit_words(words)
    results = action_results(t, w)
    if not results:
        return []
    df = csv_frame(t).astype(str).replace({"nan": "", "<NA>": "", "None": ""})
    level = Binding(f"{100 * conf_level:g}%", "parameter", "params", "confidence_level", f"{conf_level:g}")
    tname = _name(names, t.id)

    def interval(i, cols):
        est, lo, hi = cols
        return [_cell(t.id, df, i, est), " percentage points (", level, " confidence interval ",
                _cell(t.id, df, i, lo), " to ", _cell(t.id, df, i, hi), ")"]

    improved = [a for a in results if a.verdict == "improved"]
    n_actions = len({a.action_id for a in results})
    # an action on several criteria or units has a result for each of them
    counted = [" actions re-audited in this cycle, "] if n_actions == len(results) else [
        f" results re-audited in this cycle (one for each criterion and {w.unit} of the ",
        _rows(t.id, n_actions, "distinct action_id with occasion == re-audit"), " actions), "]
    # the rule said once here, each action's sentence then gives its verdict and its own interval
    # only: the other rules' figures (context) are in the table and on the members' page, and a
    # sentence of three intervals an action was not read (review 27)
    out = [Finding("actions").add(
        f"Actions agreed after earlier audits ({tname}): of the ", _rows(t.id, len(results), "occasion == re-audit"),
        *counted, _rows(t.id, len(improved), "verdict == improved"),
        f" improved the targeted practice, that is with the whole interval above zero: for an action on one "
        f"{w.unit}, its change net of the other {w.units}' change and of regression to the mean; for an action on "
        f"every {w.unit}, the change since the baseline.")]
    for a in results:
        # named by what it aimed at (the criterion and the unit of the register's finding); its
        # register code only in brackets, for finding it in the table
        f = Finding("actions").add(f"The action on {a.aim} (\u2018{a.action_id}\u2019 in {tname}): ")
        if a.verdict == "not shown":
            out.append(f.add(f"not shown ({SHORT_REASONS.get(a.verdict, a.reason)})."))
            continue
        if a.verdict == "not estimable":
            out.append(f.add(f"no verdict ({a.reason})."))
            continue
        if a.rule == "net":
            f.add(SHORT_NET_VERDICTS[a.verdict], ": ", *interval(a.row, a.columns),
                  f", net of the other {w.units}' change and of regression to the mean")
        else:
            f.add(f"{a.verdict} since the baseline, ", *interval(a.row, a.columns),
                  "; part of it may be the authority's general trend")
        out.append(f.add("."))
    return out
