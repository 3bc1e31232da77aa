"""Partial answers counted apart where the profile's rule folds them into yes or no (issue 22;
docs/appendix.md "Partial answers and grade scales"): the compliance table's ``n_partial``."""
from types import SimpleNamespace

import pandas as pd

from kentaudit.analysis.compliance import partial_apart


def _cd(rule, partial="P"):
    # the accepted audits as received: partial answers kept as P; the third audit is not in a
    # main sample and the fourth not in the cycle's samples, so neither is counted
    raw = pd.DataFrame({"sample": ["random", "random", "themed", "other", "random"],
                        "c_k1": ["P", "Y", "P", "P", "P"], "c_k2": ["N", "Y", "Y", "P", None]})
    answers = SimpleNamespace(partial=partial, partial_counts_as=rule)
    params = SimpleNamespace(profile=SimpleNamespace(answers=answers), samples=["random", "themed"],
                             main_samples=["random"])
    return SimpleNamespace(params=params, ingest=SimpleNamespace(accepted=raw))


def _counts():
    return pd.DataFrame({"criterion": ["k1", "k2"], "n_yes": [1, 1], "n_no": [2, 1], "n_missing": [0, 1],
                         "n_audits": [3, 3]})


def test_counts_as_no_or_yes_shows_the_partial_answers_of_the_main_samples_apart():
    for rule in ("no", "yes"):
        out = partial_apart(_counts(), _cd(rule))
        assert out["n_partial"].tolist() == [2, 0], rule
        assert list(out.columns).index("n_partial") == list(out.columns).index("n_missing") + 1


def test_excluded_or_no_partial_answer_leaves_the_counts_as_they_are():
    for cd in (_cd("excluded"), _cd("no", partial=None)):
        out = partial_apart(_counts(), cd)
        assert "n_partial" not in out.columns


def test_no_partial_answer_given_adds_no_column():
    cd = _cd("no")
    cd.ingest.accepted = cd.ingest.accepted.assign(c_k1="Y", c_k2="N")
    assert "n_partial" not in partial_apart(_counts(), cd).columns
