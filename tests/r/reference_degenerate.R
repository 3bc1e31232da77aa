## Reference values for the edge cases of kentaudit.stats.shrinkage, .spc and .interrater
## (issue "Statistics and disclosure at the edges", item 1): every answer the same, a gap
## in a series, a single point or unit, an undefined coefficient. Base R and vcd only:
##     apt-get install -y r-base-core r-cran-vcd
##     Rscript tests/r/reference_degenerate.R        (from the repository root)
## It writes tests/r/reference_degenerate_*.csv; the Python tests read those CSVs and
## never run R. Generated with R 4.2.2 and vcd 1.4-11.
##
## An empty series has no number to compare: every chart returns an empty table with its
## documented columns (tests/stats/test_spc*.py check the columns), as laney() below
## returns a data frame of no rows.
suppressMessages(library(vcd))
options(digits = 17)
out <- function(df, name) {
  write.csv(df, file.path("tests", "r", paste0("reference_degenerate_", name, ".csv")),
            row.names = FALSE, na = "")
}

## ---- 1. beta-binomial shrinkage when every file has the same answer ----
## x_i | p_i ~ Bin(n_i, p_i), p_i ~ Beta(mu M, (1 - mu) M). With every x_i = 0 the
## marginal likelihood prod_i B(a, n_i + b) / B(a, b) rises to its supremum 1 as
## a = mu M -> 0 whatever b: mu-hat = 0 and the spread is not identified; the
## method-of-moments between-unit variance (weighted variance of the raw proportions
## less their mean binomial variance, truncated at 0) is 0. The empirical-Bayes method
## therefore pools completely: every unit gets the pooled proportion X / N, with the
## pooled Jeffreys posterior Beta(X + 1/2, N - X + 1/2) for its interval (the limit at the
## observed edge exactly 0 or 1: Brown, Cai & DasGupta 2001, Statistical Science
## 16:101-133, section 4.1.2) and for P(p < target).
## The hierarchical method is the posterior mean under uniform priors on mu in (0, 1)
## and on rho = 1 / (M + 1) in (0, 1), integrated here with integrate() (nested adaptive
## quadrature), not on kentaudit's grid (its intervals: reference_shrinkage_hier.R).
loglik <- function(x, n, mu, m) sum(lbeta(x + mu * m, n - x + (1 - mu) * m) - lbeta(mu * m, (1 - mu) * m))
mom_between <- function(x, n) {
  p <- x / n; pbar <- sum(x) / sum(n); k <- length(x)
  s2 <- sum(n * (p - pbar)^2) / sum(n)                  # weighted variance of the p_i
  max(0, s2 - pbar * (1 - pbar) * k / sum(n))           # less the binomial part
}
hier_mean <- function(x, n, i) {
  post <- function(mu, rho, f) {
    m <- 1 / rho - 1
    sapply(mu, function(u) exp(loglik(x, n, u, m)) * f(u, m))
  }
  inner <- function(rho, f) sapply(rho, function(r)
    integrate(function(u) post(u, r, f), 0, 1, rel.tol = 1e-11, subdivisions = 1000L)$value)
  lo <- 0; hi <- 1
  num <- integrate(function(r) inner(r, function(u, m) (x[i] + u * m) / (n[i] + m)), lo, hi,
                   rel.tol = 1e-10, subdivisions = 1000L)$value
  den <- integrate(function(r) inner(r, function(u, m) 1), lo, hi,
                   rel.tol = 1e-10, subdivisions = 1000L)$value
  num / den
}
sets <- list(all_no = list(x = c(0, 0, 0), n = c(10, 12, 8)),
             all_yes = list(x = c(10, 12, 8), n = c(10, 12, 8)))
rows <- list()
for (s in names(sets)) {
  x <- sets[[s]]$x; n <- sets[[s]]$n
  X <- sum(x); N <- sum(n)
  # the likelihood's supremum is at the edge: it rises as mu moves towards it, whatever M
  edge <- if (X == 0) c(1e-2, 1e-4, 1e-8) else 1 - c(1e-2, 1e-4, 1e-8)
  for (m in c(1, 30, 1e4)) stopifnot(diff(sapply(edge, function(u) loglik(x, n, u, m))) > 0)
  a0 <- X + 0.5; b0 <- N - X + 0.5
  for (i in seq_along(x)) {
    rows[[length(rows) + 1]] <- data.frame(
      set = s, unit = letters[i], x = x[i], n = n[i], pooled = X / N,
      mom_between_variance = mom_between(x, n),
      eb_estimate = X / N,
      eb_lower = if (X == 0) 0 else qbeta(0.025, a0, b0),
      eb_upper = if (X == N) 1 else qbeta(0.975, a0, b0),
      eb_prob_below_0_05 = pbeta(0.05, a0, b0), eb_prob_below_0_95 = pbeta(0.95, a0, b0),
      hierarchical_estimate = hier_mean(x, n, i))
  }
}
shr <- do.call(rbind, rows)
# all yes mirrors all no
stopifnot(abs(shr$hierarchical_estimate[1:3] + shr$hierarchical_estimate[4:6] - 1) < 1e-9)
out(shr, "shrinkage")

## ---- 2. Laney p' chart with a gap, a single point, every answer the same ----
## Laney DB (2002), Improved control charts for attributes, Quality Engineering
## 14:531-537: pbar = sum(x) / sum(n), sigma_i = sqrt(pbar (1 - pbar) / n_i),
## z_i = (p_i - pbar) / sigma_i, sigma_z = mean moving range of z / 1.128, limits
## pbar +/- 3 sigma_i sigma_z (2 sigma for the near limits), clamped to [0, 1].
## A period with n = 0 (no audits) is a gap: no point, no limits, and with span = FALSE
## no moving range crosses it (a missing z makes the moving ranges beside it missing and
## mean(, na.rm = TRUE) drops them: qicharts2 0.8.1's qic.pp, R/helper.functions.R, does
## exactly this). span = TRUE drops the gap first, so one moving range spans it (the old
## kentaudit behaviour). When sigma_i = 0 (pbar 0 or 1) every p_i equals pbar and z_i is
## taken as 0, so the limits equal the centre as in a p-chart (qicharts2 gives NaN there,
## z being 0/0).
laney <- function(x, n, span = FALSE) {
  if (length(x) == 0)   # an empty series: a table of no rows
    return(data.frame(i = integer(0), x = numeric(0), n = numeric(0), p = numeric(0),
                      cl = numeric(0), z = numeric(0), sigma_z = numeric(0), lcl = numeric(0),
                      ucl = numeric(0), lcl_95 = numeric(0), ucl_95 = numeric(0)))
  ok <- n > 0
  p <- ifelse(ok, x / n, NA)
  pbar <- if (any(ok)) sum(x[ok]) / sum(n[ok]) else NA
  s <- ifelse(ok, sqrt(pbar * (1 - pbar) / n), NA)
  z <- ifelse(ok, ifelse(s > 0, (p - pbar) / s, 0), NA)
  mr <- if (span) abs(diff(z[ok])) else abs(diff(z))
  sz <- if (sum(!is.na(mr)) > 0) mean(mr, na.rm = TRUE) / 1.128 else NA
  data.frame(i = seq_along(x), x = x, n = n, p = p, cl = pbar, z = z, sigma_z = sz,
             lcl = pmax(pbar - 3 * s * sz, 0), ucl = pmin(pbar + 3 * s * sz, 1),
             lcl_95 = pmax(pbar - 2 * s * sz, 0), ucl_95 = pmin(pbar + 2 * s * sz, 1))
}
series <- list(
  gap = list(x = c(180, 200, 0, 150, 210, 190, 175, 205, 188, 160),
             n = c(250, 240, 0, 230, 260, 250, 240, 255, 250, 220)),
  single = list(x = 3, n = 10),
  all_no = list(x = c(0, 0, 0, 0), n = c(10, 12, 8, 9)),
  all_yes = list(x = c(10, 12, 8, 9), n = c(10, 12, 8, 9)),
  gap_between_every_point = list(x = c(5, 0, 7, 0, 6), n = c(10, 0, 12, 0, 11)))
lan <- do.call(rbind, lapply(names(series), function(s) {
  d <- laney(series[[s]]$x, series[[s]]$n)
  sp <- laney(series[[s]]$x, series[[s]]$n, span = TRUE)
  cbind(series = s, d, lcl_spanning = sp$lcl, ucl_spanning = sp$ucl)
}))
g <- lan[lan$series == "gap", ]
cat(sprintf("gap: lcl[1] %.4f ucl[1] %.4f (gap rule); spanning %.4f %.4f\n",
            g$lcl[1], g$ucl[1], g$lcl_spanning[1], g$ucl_spanning[1]))
# the independent check reported 0.5680 / 0.9428 (as qicharts2 handles a gap), and
# 0.5331 / 0.9776 from a moving range spanning it: the gap rule gives the oracle
stopifnot(round(g$lcl[1], 4) == 0.5680, round(g$ucl[1], 4) == 0.9428,
          round(g$lcl_spanning[1], 4) == 0.5331, round(g$ucl_spanning[1], 4) == 0.9776)
stopifnot(nrow(laney(numeric(0), numeric(0))) == 0)
out(lan, "laney")

## ---- 3. Cohen's kappa: every pair the same grade, one discordant pair (vcd::Kappa) ----
tabs <- list(
  all_grade_2 = { t <- matrix(0, 4, 4); t[2, 2] <- 10; t },
  all_grade_4 = { t <- matrix(0, 4, 4); t[4, 4] <- 7; t },
  one_discordant_pair = { t <- matrix(0, 4, 4); t[2, 3] <- 1; t })
source("tests/r/kappa_rows.R")
out(kappa_rows(tabs), "kappa")

## ---- 4. Gwet's AC1/AC2 and Krippendorff's alpha on the same inputs ----
## Gwet's AC: the formulas of irrCAC 1.4 gwet.ac1.raw (github kgwet/irrCAC, commit
## 7fb7509, R/agree.coeff3.raw.r; Gwet 2008, BJMSP 61:29-48), transcribed in base R
## because irrCAC needs dplyr: pa, pe = T_w / (q (q - 1)) sum pi_k (1 - pi_k),
## AC = (pa - pe) / (1 - pe), linearisation variance over n >= 2 units (NA otherwise).
## Krippendorff's alpha from the coincidence matrix (Krippendorff 2011, Computing
## Krippendorff's alpha-reliability, section C): 1 - (n.. - 1) sum o_ck d_ck /
## sum n_c n_k d_ck, which is 0/0 = NaN when every pairable value is the same.
weights_of <- function(q, w) {
  k <- 1:q; d <- abs(outer(k, k, "-"))
  switch(w, unweighted = diag(q), linear = 1 - d / (q - 1), quadratic = 1 - d^2 / (q - 1)^2)
}
gwet <- function(r, q, w) {
  W <- weights_of(q, w)
  m <- sapply(1:q, function(k) rowSums(r == k, na.rm = TRUE))
  m <- matrix(m, ncol = q)
  n <- nrow(m); ri <- rowSums(m); mw <- m %*% t(W)
  sq <- rowSums(m * (mw - 1)); two <- ri >= 2; n2 <- sum(two)
  pa <- sum(sq[two] / (ri[two] * (ri[two] - 1))) / n2
  pi <- colMeans(m / ri)
  pe <- sum(W) * sum(pi * (1 - pi)) / (q * (q - 1))
  ac <- (pa - pe) / (1 - pe)
  se <- NA
  if (n >= 2) {
    den <- ri * (ri - 1); den <- den - (den == 0)
    pa_i <- sq / den
    ac_i <- (n / n2) * (pa_i - pe * two) / (1 - pe)
    pe_i <- (sum(W) / (q * (q - 1))) * (m %*% (1 - pi)) / ri
    ac_x <- ac_i - 2 * (1 - ac) * (pe_i - pe) / (1 - pe)
    se <- sqrt(sum((ac_x - ac)^2) / (n * (n - 1)))
  }
  c(estimate = ac, se = se, p_agreement = pa, p_chance = pe)
}
kripp <- function(r, q, level) {
  o <- matrix(0, q, q)
  for (u in seq_len(nrow(r))) {
    v <- r[u, ]; v <- v[!is.na(v)]; m <- length(v)
    if (m < 2) next
    for (i in seq_len(m)) for (j in seq_len(m)) if (i != j) o[v[i], v[j]] <- o[v[i], v[j]] + 1 / (m - 1)
  }
  nc <- rowSums(o); ntot <- sum(nc)
  k <- 1:q
  d2 <- switch(level, nominal = 1 * outer(k, k, "!="), interval = outer(k, k, "-")^2,
               ordinal = outer(k, k, Vectorize(function(c, l) {
                 g <- min(c, l):max(c, l); (sum(nc[g]) - (nc[c] + nc[l]) / 2)^2 })))
  1 - (ntot - 1) * sum(o * d2) / sum(outer(nc, nc) * d2)
}
inputs <- list(all_grade_2 = cbind(rep(2, 10), rep(2, 10)),
               one_pair_2_3 = cbind(2, 3),
               one_pair_2_2 = cbind(2, 2))
rows <- list()
for (nm in names(inputs)) {
  r <- inputs[[nm]]
  for (w in c("unweighted", "linear", "quadratic")) {
    g <- gwet(r, 4, w)
    rows[[length(rows) + 1]] <- data.frame(input = nm, first = paste(r[, 1], collapse = " "),
      second = paste(r[, 2], collapse = " "), statistic = "gwet_ac", weights = w,
      estimate = g[["estimate"]], se = g[["se"]], p_agreement = g[["p_agreement"]],
      p_chance = g[["p_chance"]])
  }
  for (lv in c("nominal", "ordinal", "interval")) {
    rows[[length(rows) + 1]] <- data.frame(input = nm, first = paste(r[, 1], collapse = " "),
      second = paste(r[, 2], collapse = " "), statistic = "krippendorff_alpha", weights = lv,
      estimate = kripp(r, 4, lv), se = NA, p_agreement = NA, p_chance = NA)
  }
}
agr <- do.call(rbind, rows)
print(agr, digits = 10)
out(agr, "agreement")
cat(R.version.string, "; vcd", as.character(packageVersion("vcd")), "\n")
