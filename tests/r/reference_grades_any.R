## Reference values for kentaudit's ordinal grade methods on scales that are not 1-4
## (issue 22: a council's own 3-point scale, Good / Requires improvement / Inadequate,
## and a 6-point one): the rank-sum test, the proportional-odds model, the Wilson
## intervals of the grade distribution and of the two collapses (the better half of the
## scale, grades 1 to n %/% 2, and the worst grade n), and linear-weighted kappa.
##
## Run from the repository root with:   Rscript tests/r/reference_grades_any.R
## Needs R with base stats and MASS (a recommended package of r-base) and vcd.
## Writes tests/r/reference_grades_any.csv in long form (scale, case, name, value);
## the Python tests (tests/stats/test_grades_any_length.py) read it and never run R.
suppressMessages({library(MASS); library(vcd)})
options(digits = 17)
rows <- list()
add <- function(scale, case, name, value) {
  rows[[length(rows) + 1]] <<- data.frame(scale = scale, case = case, name = name,
                                         value = as.numeric(value))
}
scales <- list(
  three = list(k = 3,
               a = c(1, 1, 2, 2, 2, 3, 1, 2, 2, 1, 3, 2, 2, 1, 1, 2, 3, 2, 2, 1),
               b = c(2, 3, 3, 2, 2, 3, 1, 2, 3, 3, 2, 3, 2, 2, 3, 3, 1, 2, 3, 2, 3, 3)),
  six = list(k = 6,
             a = c(1, 2, 2, 3, 3, 4, 5, 2, 2, 1, 3, 2, 6, 3, 1, 2, 4, 3, 2, 4, 5, 3),
             b = c(2, 3, 4, 5, 4, 3, 2, 3, 6, 4, 3, 5, 2, 3, 6, 3, 2, 1, 3, 4, 5, 6, 4, 3)))
for (nm in names(scales)) {
  s <- scales[[nm]]; ga <- s$a; gb <- s$b; k <- s$k
  for (cc in c(TRUE, FALSE)) {
    w <- wilcox.test(gb, ga, correct = cc, exact = FALSE)
    case <- if (cc) "wilcox_correct" else "wilcox_nocorrect"
    add(nm, case, "W", w$statistic)
    add(nm, case, "p_value", w$p.value)
  }
  df <- data.frame(y = factor(c(ga, gb), levels = 1:k, ordered = TRUE),
                   s = c(rep(0, length(ga)), rep(1, length(gb))))
  pm <- polr(y ~ s, data = df, method = "logistic", Hess = TRUE, control = list(reltol = 1e-14))
  add(nm, "polr", "coef", coef(pm)["s"])
  add(nm, "polr", "se", sqrt(vcov(pm)["s", "s"]))
  for (j in 1:(k - 1)) add(nm, "polr", paste0("zeta", j), pm$zeta[j])
  for (g in 1:k) {
    ci <- prop.test(sum(ga == g), length(ga), correct = FALSE)$conf.int
    add(nm, paste0("dist_a_grade", g), "n", sum(ga == g))
    add(nm, paste0("dist_a_grade", g), "ci_low", ci[1])
    add(nm, paste0("dist_a_grade", g), "ci_high", ci[2])
  }
  half <- max(1, k %/% 2)
  ci <- prop.test(sum(ga <= half), length(ga), correct = FALSE)$conf.int
  add(nm, "a_good_or_better", "n", sum(ga <= half))
  add(nm, "a_good_or_better", "ci_low", ci[1]); add(nm, "a_good_or_better", "ci_high", ci[2])
  ci <- prop.test(sum(ga == k), length(ga), correct = FALSE)$conf.int
  add(nm, "a_inadequate", "n", sum(ga == k))
  add(nm, "a_inadequate", "ci_low", ci[1]); add(nm, "a_inadequate", "ci_high", ci[2])
  # linear-weighted kappa of the first length(ga) pairs (a: first grade, b: moderated),
  # on the full k x k table (the weights 1 - |i - j| / (k - 1) depend on k)
  m <- length(ga)
  tab <- table(factor(ga, levels = 1:k), factor(gb[1:m], levels = 1:k))
  kap <- Kappa(tab, weights = "Equal-Spacing")
  add(nm, "kappa_linear", "estimate", kap$Weighted["value"])
  add(nm, "kappa_linear", "se", kap$Weighted["ASE"])
}
out <- do.call(rbind, rows)
write.csv(out, "tests/r/reference_grades_any.csv", row.names = FALSE)
cat("wrote", nrow(out), "rows to tests/r/reference_grades_any.csv\n")
