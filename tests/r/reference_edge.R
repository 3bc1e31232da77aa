## Reference values for issue 13 (methods found wrong, and the design-based
## authority estimate). Run from the repository root with
##     Rscript tests/r/reference_edge.R
## (R 4.2 with vcd and survey). It writes tests/r/reference_edge_*.csv; the
## Python tests read those CSVs and never run R.
suppressMessages({library(vcd); library(survey)})
options(digits = 17)
out <- function(df, name) {
  write.csv(df, file.path("tests", "r", paste0("reference_edge_", name, ".csv")),
            row.names = FALSE, na = "")
}

## ---- 1. McNemar mid-p (Fagerland, Lydersen & Laake 2013, BMC Med Res Methodol 13:91) ----
## Written as the mid-p form of binom.test's two-sided p-value: the probability of
## the outcomes less probable than the observed b, plus half the probability of those
## exactly as probable (the same relative tolerance as binom.test, 1 + 1e-7). For
## b != c this is 2 P(X <= min) - P(X = min); for b = c it is 1 - P(X = b) / 2.
midp <- function(b, c) {
  m <- b + c; d <- dbinom(0:m, m, 0.5); d0 <- dbinom(b, m, 0.5); rel <- 1 + 1e-7
  less <- d < d0 / rel; same <- !less & d <= d0 * rel
  sum(d[less]) + 0.5 * sum(d[same])
}
cases <- rbind(c(40, 13, 13, 4), c(7, 3, 3, 0), c(10, 1, 1, 10), c(5, 0, 2, 3), c(12, 5, 1, 2),
               c(20, 1, 6, 13), c(794, 150, 86, 570), c(30, 3, 3, 0), c(0, 50, 50, 0),
               c(4, 7, 2, 1), c(3, 0, 1, 3), c(9, 4, 9, 2))
rows <- list()
for (i in seq_len(nrow(cases))) {
  a <- cases[i, 1]; b <- cases[i, 2]; c <- cases[i, 3]; d <- cases[i, 4]
  k <- min(b, c)
  formula <- if (b == c) 1 - dbinom(b, b + c, 0.5) / 2 else
    2 * pbinom(k, b + c, 0.5) - dbinom(k, b + c, 0.5)
  stopifnot(abs(formula - midp(b, c)) < 1e-12)
  rows[[i]] <- data.frame(a = a, b = b, c = c, d = d,
                          exact_p = binom.test(b, b + c, 0.5)$p.value, midp = midp(b, c))
}
out(do.call(rbind, rows), "midp")

## ---- 2. kappa limits clamped to [-1, 1]: vcd::Kappa + confint (which clamps) ----
## Near-perfect agreement of auditor and moderator on 11-13 moderated audits.
tabs <- list(
  t11 = matrix(c(3, 0, 0, 0,  0, 4, 1, 0,  0, 0, 2, 0,  0, 0, 0, 1), 4, byrow = TRUE),
  t12 = matrix(c(2, 0, 0, 0,  0, 5, 0, 0,  0, 1, 3, 0,  0, 0, 0, 1), 4, byrow = TRUE),
  t13 = matrix(c(4, 0, 0, 0,  0, 4, 0, 0,  0, 0, 3, 1,  0, 0, 0, 1), 4, byrow = TRUE),
  perfect = matrix(c(3, 0, 0, 0,  0, 4, 0, 0,  0, 0, 3, 0,  0, 0, 0, 2), 4, byrow = TRUE),
  opposite = matrix(c(0, 0, 0, 3,  0, 0, 2, 0,  0, 2, 0, 0,  3, 0, 0, 0), 4, byrow = TRUE))
source("tests/r/kappa_rows.R")
out(kappa_rows(tabs), "kappa")

## ---- 3. separation across several columns of a case-mix logistic model ----
## Every audit of a child aged 16-17 or with risk_a answered Y; risk_b and the
## district are unrelated. glm's estimates of the separated terms diverge: they grow
## with the iterations allowed (maxit 25 -> 60) and their SEs explode, while the
## others settle. A term is "separated" when its |estimate| grows by more than 1
## between the fits and its SE exceeds 1000 (both criteria are checked to agree).
set.seed(20131)
n <- 400
dat <- data.frame(district = sample(c("A", "B", "C"), n, TRUE),
                  age_band = sample(c("1-4", "5-9", "10-15", "16-17"), n, TRUE),
                  risk_a = sample(c("N", "Y"), n, TRUE, prob = c(0.7, 0.3)),
                  risk_b = sample(c("N", "Y"), n, TRUE))
eta <- -0.3 + 0.5 * (dat$district == "B") + 0.4 * (dat$risk_b == "Y")
dat$y <- ifelse(dat$age_band == "16-17" | dat$risk_a == "Y", 1, rbinom(n, 1, plogis(eta)))
dat$age_band <- factor(dat$age_band, levels = c("1-4", "5-9", "10-15", "16-17"))
dat$risk_a <- factor(dat$risk_a, levels = c("N", "Y"))
dat$risk_b <- factor(dat$risk_b, levels = c("N", "Y"))
write.csv(dat, file.path("tests", "r", "reference_edge_separation_data.csv"), row.names = FALSE)
f <- y ~ district + age_band + risk_a + risk_b
g1 <- suppressWarnings(glm(f, binomial, dat, control = glm.control(maxit = 25)))
g2 <- suppressWarnings(glm(f, binomial, dat, control = glm.control(maxit = 60, epsilon = 1e-14)))
s1 <- summary(g1)$coefficients; s2 <- summary(g2)$coefficients
grow <- abs(s2[, 1]) - abs(s1[, 1]) > 1
big <- s1[, 2] > 1000
stopifnot(all(grow == big))
out(data.frame(term = rownames(s1), coef = s1[, 1], se = s1[, 2], coef_more_iterations = s2[, 1],
               separated = grow, direction = ifelse(grow, sign(s2[, 1]), 0)), "separation")

## ---- 4. authority-wide estimate: initial cases a certainty stratum, extended sample random ----
## tests/r/reference_edge_design_input.csv: the 2009 synthetic initial and extended audits
## (written by kentaudit.survey.authority_strata), one row per audit with its stratum
## (district: sample) and stratum size N: n_h for the initial cases (taken in full), the
## district's frame less its initial cases for the extended sample. 24 strata, N = 1,360.
dat <- read.csv(file.path("tests", "r", "reference_edge_design_input.csv"),
                na.strings = c("", "NA"), stringsAsFactors = FALSE)
stopifnot(abs(sum(tapply(dat$N, dat$stratum, `[`, 1)) - 1360) < 1e-9)
des <- svydesign(ids = ~1, strata = ~stratum, fpc = ~N, data = dat)
rows <- list()
for (crit in grep("^c_", names(dat), value = TRUE)) {
  des <- update(des, y = ifelse(dat[[crit]] == "Y", 1, ifelse(dat[[crit]] == "N", 0, NA)))
  dd <- subset(des, !is.na(y))
  if (nrow(dd$variables[!is.na(dd$variables$y), , drop = FALSE]) == 0) {
    rows[[length(rows) + 1]] <- data.frame(criterion = crit, proportion = NA, se = NA, df = NA,
                                           ci_lower = NA, ci_upper = NA, population = 1360)
    next
  }
  m <- svymean(~y, dd)
  ci <- svyciprop(~y, dd, method = "logit", level = 0.95)
  rows[[length(rows) + 1]] <- data.frame(criterion = crit, proportion = coef(m)[[1]], se = SE(m)[[1]],
                                         df = degf(dd), ci_lower = confint(ci)[1], ci_upper = confint(ci)[2],
                                         population = sum(weights(des)))
}
out(do.call(rbind, rows), "design")
