"""Arguments every method checks the same way: closed sets of method names (a loud error
on an unknown name) and the confidence level; and the one registry of methods in words
(:data:`METHODS`): each method code's names for a table, a sentence and a methods section,
the work it comes from (:data:`REFERENCES`) and what it does in plain words. Every output
names a method through :func:`kentaudit.core.formatting.method_words`, which reads it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kentaudit.core.errors import InputError, MethodError

__all__ = ["METHODS", "REFERENCES", "MethodName", "check_conf_level", "check_method", "method_reference"]


def check_method(value: str, allowed: Iterable[str], param: str = "method") -> str:
    """Return ``value`` if it is one of ``allowed``, else raise :class:`MethodError`.

    Names are matched exactly (case-sensitive) so that a typo can never select
    a different method silently.
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise MethodError(param, value, allowed)
    return value


def check_conf_level(conf_level, param: str = "conf_level") -> float:
    """Return ``conf_level`` as a float if it is a number strictly between 0 and 1, else
    raise :class:`InputError` naming ``param`` (0.95 means 95%; 95 is refused, not read as
    95%)."""
    ok = isinstance(conf_level, (int, float)) and not isinstance(conf_level, bool)
    if not ok or not 0 < conf_level < 1:
        raise InputError(f"{param} must be a number strictly between 0 and 1 (0.95 for 95%), "
                         f"not {conf_level!r}.", column=param, value=conf_level)
    return float(conf_level)


# ------------------------------------------------------------------ method names in words
@dataclass(frozen=True)
class MethodName:
    """A method as a reader meets it: ``label`` in a table cell ("Holm"), ``phrase`` in a
    sentence ("Holm's method"), ``full`` in a methods section or a table of methods,
    ``cite`` the work it comes from as a short citation ("Holm 1979", a key of
    :data:`REFERENCES`; empty for a method with no single source), and ``about`` what it
    does, in one plain sentence for a reader who does not know it (empty when ``full``
    says it)."""

    label: str
    phrase: str
    full: str
    cite: str = ""
    about: str = ""


#: short citation -> the full reference, as the methods section lists it
REFERENCES = {
    "Wilson 1927": "Wilson EB (1927). Probable inference, the law of succession, and statistical inference. "
                   "Journal of the American Statistical Association 22:209-212.",
    "Clopper and Pearson 1934": "Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits "
                                "illustrated in the case of the binomial. Biometrika 26:404-413.",
    "Brown, Cai and DasGupta 2001": "Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial "
                                    "proportion. Statistical Science 16:101-133.",
    "Agresti and Coull 1998": "Agresti A, Coull BA (1998). Approximate is better than 'exact' for interval "
                              "estimation of binomial proportions. The American Statistician 52:119-126.",
    "Newcombe 1998a": "Newcombe RG (1998a). Interval estimation for the difference between independent "
                      "proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.",
    "Newcombe 1998b": "Newcombe RG (1998b). Improved confidence intervals for the difference between binomial "
                      "proportions based on paired data. Statistics in Medicine 17:2635-2650.",
    "Campbell 2007": "Campbell I (2007). Chi-squared and Fisher-Irwin tests of two-by-two tables with small "
                     "sample recommendations. Statistics in Medicine 26:3661-3675.",
    "Fisher 1935": "Fisher RA (1935). The logic of inductive inference. Journal of the Royal Statistical "
                   "Society 98:39-82.",
    "McNemar 1947": "McNemar Q (1947). Note on the sampling error of the difference between correlated "
                    "proportions or percentages. Psychometrika 12:153-157.",
    "Fagerland et al. 2013": "Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary "
                             "matched-pairs data: mid-p and asymptotic are better than exact conditional. "
                             "BMC Medical Research Methodology 13:91.",
    "Bowker 1948": "Bowker AH (1948). A test for symmetry in contingency tables. Journal of the American "
                   "Statistical Association 43:572-574.",
    "Stuart 1955": "Stuart A (1955). A test for homogeneity of the marginal distributions in a two-way "
                   "classification. Biometrika 42:412-416.",
    "Holm 1979": "Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian "
                 "Journal of Statistics 6:65-70.",
    "Benjamini and Hochberg 1995": "Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a "
                                   "practical and powerful approach to multiple testing. Journal of the Royal "
                                   "Statistical Society B 57:289-300.",
    "Armitage 1955": "Armitage P (1955). Tests for linear trends in proportions and frequencies. Biometrics "
                     "11:375-386.",
    "Spiegelhalter 2005": "Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. "
                          "Statistics in Medicine 24:1185-1202.",
    "Lumley 2010": "Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.",
    "Zou and Donner 2008": "Zou GY, Donner A (2008). Construction of confidence limits about effect measures: "
                           "a general approach. Statistics in Medicine 27:1693-1702.",
    "Cochran 1977": "Cochran WG (1977). Sampling Techniques, 3rd edition. Wiley.",
    "Cohen 1968": "Cohen J (1968). Weighted kappa: nominal scale agreement with provision for scaled "
                  "disagreement or partial credit. Psychological Bulletin 70:213-220.",
    "Gelman et al. 2013": "Gelman A, Carlin JB, Stern HS, Dunson DB, Vehtari A, Rubin DB (2013). Bayesian Data "
                          "Analysis, 3rd edition, chapter 5 (hierarchical binomial models). CRC Press.",
    "Hope 1968": "Hope ACA (1968). A simplified Monte Carlo significance test procedure. Journal of the "
                 "Royal Statistical Society B 30:582-598.",
    "Agresti 2013": "Agresti A (2013). Categorical Data Analysis, 3rd edition. Wiley.",
}

_N1 = ("Campbell's 'N-1' chi-squared test compares two percentages (a two-by-two table): it is "
       "Pearson's chi-squared statistic multiplied by (N-1)/N, N the number of files compared, which "
       "keeps to its stated error rate better than the usual chi-squared test or Fisher's exact test "
       "when every expected count is at least 1")

#: method code -> its names in words, its reference and what it does: the one registry every
#: output reads (through :func:`kentaudit.core.formatting.method_words`); a code missing here is
#: shown as it is, so no method is ever hidden
METHODS = {
    # adjustment for multiple comparisons (kentaudit.stats.multiplicity)
    "holm": MethodName("Holm", "Holm's method", "Holm's step-down method (family-wise error rate)", "Holm 1979",
                       "it keeps the chance of even one false finding among the comparisons of a table "
                       "at the stated level"),
    "fdr_bh": MethodName("Benjamini-Hochberg", "the Benjamini-Hochberg method",
                         "Benjamini-Hochberg false discovery rate", "Benjamini and Hochberg 1995",
                         "it keeps the expected share of false findings among the significant results at the "
                         "stated level"),
    "bonferroni": MethodName("Bonferroni", "the Bonferroni correction", "Bonferroni correction", "",
                             "each p-value is multiplied by the number of comparisons"),
    "none": MethodName("none", "no adjustment", "no adjustment"),
    # intervals for a proportion (kentaudit.stats.proportions) and a difference
    "wilson": MethodName("Wilson", "the Wilson score interval", "Wilson score interval", "Wilson 1927",
                         "it stays between 0% and 100% and keeps close to its stated coverage with few files"),
    "clopper-pearson": MethodName("Clopper-Pearson", "the Clopper-Pearson exact interval",
                                  "Clopper-Pearson exact interval", "Clopper and Pearson 1934"),
    "jeffreys": MethodName("Jeffreys", "the Jeffreys interval", "Jeffreys interval", "Brown, Cai and DasGupta 2001"),
    "agresti-coull": MethodName("Agresti-Coull", "the Agresti-Coull interval", "Agresti-Coull interval",
                                "Agresti and Coull 1998"),
    "newcombe": MethodName("Newcombe hybrid score", "Newcombe's hybrid score interval",
                           "Newcombe hybrid score interval", "Newcombe 1998a",
                           "it combines the Wilson intervals of the two proportions"),
    # tests of two proportions (kentaudit.stats.independent)
    "n-1 chi-square": MethodName("'N-1' chi-square", "the 'N-1' chi-square test", "'N-1' chi-square test",
                                 "Campbell 2007", _N1),
    "N-1 chi-square": MethodName("'N-1' chi-square", "the 'N-1' chi-square test", "'N-1' chi-square test",
                                 "Campbell 2007", _N1),
    "fisher exact": MethodName("Fisher's exact", "Fisher's exact test", "Fisher's exact test", "Fisher 1935",
                               "it is used where an expected count is below 1"),
    "Fisher exact": MethodName("Fisher's exact", "Fisher's exact test", "Fisher's exact test", "Fisher 1935",
                               "it is used where an expected count is below 1"),
    "n-1-chisq-or-fisher": MethodName("'N-1' chi-square, or Fisher's exact when counts are small",
                                      "the 'N-1' chi-square test (Fisher's exact test when an expected count is "
                                      "below 1)",
                                      "'N-1' chi-square test if every expected count is at least 1, else Fisher's "
                                      "exact test", "Campbell 2007", _N1),
    # the test policy of two independent proportions, as kentaudit.stats.association writes it
    "N-1 chi-square if every expected count >= 1, else Fisher exact": MethodName(
        "'N-1' chi-square, or Fisher's exact when counts are small",
        "the 'N-1' chi-square test (Fisher's exact test when an expected count is below 1)",
        "'N-1' chi-square test if every expected count is at least 1, else Fisher's exact test",
        "Campbell 2007", _N1),
    # a Monte Carlo p-value of a contingency table (kentaudit.stats.association)
    "Monte Carlo over tables with fixed margins (scipy random_table), p = (1 + #>=)/(B + 1)": MethodName(
        "Monte Carlo over tables with the same margins",
        "a Monte Carlo p-value over random tables with the same margins",
        "Monte Carlo p-value over random tables with the same margins, (1 + tables at least as extreme) / "
        "(tables drawn + 1), as R's chi-squared test with a simulated p-value", "Hope 1968"),
    # paired proportions (kentaudit.stats.paired)
    "mcnemar": MethodName("McNemar", "McNemar's test", "McNemar's test (asymptotic, no continuity correction)",
                          "McNemar 1947", "it compares the same files' two audits, using only the files whose "
                                          "answer changed"),
    "mcnemar-cc": MethodName("McNemar, continuity corrected", "McNemar's test with continuity correction",
                             "McNemar's test with continuity correction", "McNemar 1947"),
    "mcnemar-exact": MethodName("McNemar exact", "McNemar's exact test", "McNemar's exact (conditional binomial) test",
                                "McNemar 1947", "it compares the same files' two audits, using only the files "
                                                "whose answer changed, with exact binomial probabilities"),
    "mcnemar-midp": MethodName("McNemar mid-p", "McNemar's mid-p test", "McNemar's mid-p test (Fagerland et al. 2013)",
                               "Fagerland et al. 2013", "it compares the same files' two audits, using only the "
                                                        "files whose answer changed"),
    "newcombe-paired": MethodName("Newcombe paired", "Newcombe's interval for paired proportions",
                                  "Newcombe's hybrid score interval for paired proportions (method 10)",
                                  "Newcombe 1998b"),
    "bowker": MethodName("Bowker symmetry", "Bowker's test of symmetry", "Bowker's test of symmetry", "Bowker 1948",
                         "it asks whether grades moved up as often as down between the two audits of the same files"),
    "stuart-maxwell": MethodName("Stuart-Maxwell", "the Stuart-Maxwell test of marginal homogeneity",
                                 "Stuart-Maxwell test of marginal homogeneity", "Stuart 1955",
                                 "it asks whether the share of files at each grade differs between the two audits "
                                 "of the same files"),
    "sign": MethodName("sign test", "the sign test", "sign test"),
    # intervals of a design-based estimate (kentaudit.stats.survey)
    "logit": MethodName("logit", "the logit interval", "logit interval of the design-based proportion",
                        "Lumley 2010", "calculated on the log-odds scale, so that it stays between 0% and 100%, "
                                       "allowing for the sample's design, as R's survey package does"),
    # funnel plots (kentaudit.stats.funnel)
    "binomial-interpolated": MethodName("exact binomial, interpolated", "exact binomial limits, interpolated",
                                        "exact binomial control limits, interpolated between whole counts "
                                        "(Spiegelhalter 2005)", "Spiegelhalter 2005"),
    "normal": MethodName("normal approximation", "normal-approximation limits", "normal-approximation control limits",
                         "Spiegelhalter 2005"),
    "order-statistic": MethodName("by order statistics", "winsorising by order statistics",
                                  "winsorising by order statistics", "Spiegelhalter 2005"),
    "significant": MethodName("when significant", "adjusted when the dispersion test is significant",
                              "limits widened for overdispersion when the dispersion test is significant",
                              "Spiegelhalter 2005"),
    "auto": MethodName("automatic", "chosen automatically", "chosen automatically from the data"),
    # shrunken estimates (kentaudit.stats.shrinkage)
    "hierarchical": MethodName("hierarchical beta-binomial", "a hierarchical beta-binomial model",
                               "hierarchical beta-binomial model (posterior draws)", "Gelman et al. 2013"),
    # evaluating an action (kentaudit.stats.actions)
    "mover-newcombe": MethodName("MOVER from Newcombe intervals", "the MOVER combination of Newcombe's intervals",
                                 "MOVER combination of the two changes' Newcombe hybrid score intervals "
                                 "(Zou & Donner 2008)", "Zou and Donner 2008"),
    "wald": MethodName("Wald", "the Wald interval", "Wald interval (the identity-link binomial GLM's interaction)"),
    "wald z (identity-link interaction)": MethodName(
        "Wald z", "the Wald z test of the difference in differences",
        "Wald z test of the interaction of a binomial GLM with an identity link", "",
        "it asks whether the targeted units changed more than the others over the same cycles"),
    "power-prop-fpc": MethodName("normal power, finite population corrected",
                                 "the normal-approximation power formula with a finite population correction",
                                 "normal-approximation power (as R power.prop.test) with Cochran's finite "
                                 "population correction", "Cochran 1977"),
    # kappa weights (kentaudit.stats.interrater)
    "unweighted": MethodName("unweighted", "unweighted", "unweighted (every disagreement counts the same)"),
    "linear": MethodName("linear weights", "linear weights", "linear weights (disagreement by grade distance)",
                         "Cohen 1968"),
    "quadratic": MethodName("quadratic weights", "quadratic weights", "quadratic weights (squared grade distance)",
                            "Cohen 1968"),
    # what a funnel's units are compared with (kentaudit.stats.funnel, ``target_source``)
    "standard": MethodName("the audit standard", "the audit standard", "the audit standard"),
    "overall": MethodName("the overall rate", "the overall rate", "the overall rate, all files pooled"),
    "not testable": MethodName("not testable (a group has no answers, or all answers alike)",
                               "no test (a group has no answers, or all answers alike)",
                               "no test (a group has no answers, or all answers alike)"),
    # tests the results tables name in words already (their reference and what they do)
    "Cochran-Armitage trend test": MethodName(
        "Cochran-Armitage trend test", "the Cochran-Armitage test for a trend", "Cochran-Armitage trend test",
        "Armitage 1955", "it asks whether compliance rose or fell steadily over the cycles, giving a z-score: "
                         "positive for rising, negative for falling"),
    "Monte Carlo Pearson chi-square": MethodName(
        "Monte Carlo chi-square", "the chi-square test with a Monte Carlo p-value",
        "Pearson's chi-square test with a Monte Carlo p-value", "Hope 1968",
        "the p-value is found by simulating tables with the same totals, because some counts are too small "
        "for the usual approximation"),
    "Pearson chi-square": MethodName("Pearson chi-square", "Pearson's chi-square test", "Pearson's chi-square test",
                                     "Agresti 2013"),
    "likelihood-ratio chi-square": MethodName("likelihood-ratio chi-square", "the likelihood-ratio test",
                                              "likelihood-ratio chi-square test", "Agresti 2013"),
    "proportional odds (cumulative logit)": MethodName(
        "proportional odds", "a proportional-odds model", "proportional-odds (cumulative logit) model",
        "Agresti 2013", "it compares groups' grades on the whole scale at once"),
}


def method_reference(code: str) -> str:
    """The full reference of a method code's source (:data:`REFERENCES`), or ``""``."""
    m = METHODS.get(code)
    return REFERENCES.get(m.cite, "") if m is not None else ""
