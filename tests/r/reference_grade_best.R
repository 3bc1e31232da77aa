## Reference values for grades whose HIGHEST number is best (a profile's grade_best: highest).
##
## Run from the repository root with:   Rscript tests/r/reference_grade_best.R
## Needs R with base stats and MASS. Writes tests/r/reference_grade_best.csv (case, name, value);
## tests/stats/test_ordinal.py reads it and never runs R.
##
## Independent of kentaudit's code: "worse" is a LOWER number here, so the rank test is
## wilcox.test on the samples' negated grades (b worse = b's grades lower), the
## proportional-odds model is MASS::polr with the scale's levels written best-last reversed
## (factor levels 4:1, so P(grade at or better than j) - the model's orientation - runs from the
## worst grade), and the collapses count grades 3 or 4 (good or better) and grade 1 (inadequate).
suppressMessages(library(MASS))
options(digits = 17)
rows <- list()
add <- function(case, name, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, name = name, value = as.numeric(value))
}
ga <- c(1, 2, 2, 3, 3, 3, 4, 2, 2, 1, 3, 2, 2, 3, 1, 2, 3, 3, 2, 4)
gb <- c(2, 3, 3, 4, 4, 3, 2, 3, 4, 4, 3, 3, 2, 3, 4, 3, 2, 1, 3, 4, 4, 3)
w <- wilcox.test(-gb, -ga, correct = TRUE, exact = FALSE)
add("wilcox_highest_best", "W", w$statistic)
add("wilcox_highest_best", "p_value", w$p.value)
df <- data.frame(y = factor(c(ga, gb), levels = 4:1, ordered = TRUE),
                 s = c(rep(0, length(ga)), rep(1, length(gb))))
pm <- polr(y ~ s, data = df, method = "logistic", Hess = TRUE, control = list(reltol = 1e-14))
add("polr_highest_best", "coef", coef(pm)["s"])
add("polr_highest_best", "se", sqrt(vcov(pm)["s", "s"]))
ci <- prop.test(sum(ga >= 3), length(ga), correct = FALSE, conf.level = 0.9)$conf.int
add("a_good_or_better_90_highest_best", "n", sum(ga >= 3))
add("a_good_or_better_90_highest_best", "ci_low", ci[1]); add("a_good_or_better_90_highest_best", "ci_high", ci[2])
ci <- prop.test(sum(ga == 1), length(ga), correct = FALSE, conf.level = 0.9)$conf.int
add("a_inadequate_90_highest_best", "n", sum(ga == 1))
add("a_inadequate_90_highest_best", "ci_low", ci[1]); add("a_inadequate_90_highest_best", "ci_high", ci[2])
write.csv(do.call(rbind, rows), "tests/r/reference_grade_best.csv", row.names = FALSE)
