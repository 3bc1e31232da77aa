## Reference values for kentaudit's statistics core (issue 3).
##
## Run from the repository root with:   Rscript tests/r/reference_core.R
## (R 4.2 with base stats and survey 4.1). It writes tests/r/reference_core_*.csv;
## the Python tests read those CSVs and never run R.  Every value is computed by
## base R / survey functions (binom.test, prop.test, qbeta, mcnemar.test,
## chisq.test, fisher.test, svydesign, svymean, svyciprop) or, where R has no
## function (Agresti-Coull, Newcombe's hybrid score difference, Stuart-Maxwell,
## the N-1 chi-square, the finite population correction of a single proportion),
## by the published formula written out here independently of the Python code.
suppressMessages(library(survey))
options(digits = 17)
out <- function(df, name) {
  write.csv(df, file.path("tests", "r", paste0("reference_core_", name, ".csv")),
            row.names = FALSE, na = "")
}

## ---- 1. one proportion: Wilson, Clopper-Pearson, Jeffreys, Agresti-Coull ----
grid <- expand.grid(x = c(0, 1, 3, 10, 29, 30), n = c(30), conf = c(0.95, 0.90, 0.99))
grid <- rbind(grid, expand.grid(x = c(0, 1, 5, 81, 150, 162), n = c(162), conf = c(0.95, 0.8)))
grid <- rbind(grid, data.frame(x = c(1, 2, 56, 48), n = c(1, 5, 70, 80), conf = 0.95))
rows <- list()
for (i in seq_len(nrow(grid))) {
  x <- grid$x[i]; n <- grid$n[i]; cl <- grid$conf[i]; a <- 1 - cl; z <- qnorm(1 - a / 2)
  cp <- binom.test(x, n, conf.level = cl)$conf.int                     # Clopper-Pearson
  wi <- prop.test(x, n, conf.level = cl, correct = FALSE)$conf.int      # Wilson
  je <- c(if (x == 0) 0 else qbeta(a / 2, x + 0.5, n - x + 0.5),         # Jeffreys, 0 at x=0
          if (x == n) 1 else qbeta(1 - a / 2, x + 0.5, n - x + 0.5))     # and 1 at x=n
  nt <- n + z^2; pt <- (x + z^2 / 2) / nt                               # Agresti-Coull
  ac <- pmin(pmax(pt + c(-1, 1) * z * sqrt(pt * (1 - pt) / nt), 0), 1)
  for (m in list(list("clopper-pearson", cp), list("wilson", wi), list("jeffreys", je),
                 list("agresti-coull", ac)))
    rows[[length(rows) + 1]] <- data.frame(count = x, nobs = n, conf_level = cl, method = m[[1]],
                                           ci_lower = m[[2]][1], ci_upper = m[[2]][2])
}
out(do.call(rbind, rows), "single")

## ---- 1b. one proportion with a finite population correction ----
## Effective sample size n* = n (N - 1) / (N - n) and count x* = p n*, p = x / n
## (Cochran 1977, eq. 3.4: Var(p) = (N - n) / (N - 1) * PQ / n), then the ordinary
## formula with (x*, n*).  Written out here for Wilson and Clopper-Pearson / Jeffreys.
fp <- data.frame(x = c(12, 40, 3, 20), n = c(20, 60, 15, 118), N = c(56, 118, 1360, 118))
rows <- list()
for (i in seq_len(nrow(fp))) {
  x <- fp$x[i]; n <- fp$n[i]; N <- fp$N[i]; cl <- 0.95; a <- 0.05; z <- qnorm(0.975)
  p <- x / n
  if (n == N) {
    wi <- c(p, p); cp <- c(p, p); je <- c(p, p); ac <- c(p, p)
  } else {
    ns <- n * (N - 1) / (N - n); xs <- p * ns
    wi <- (xs + z^2 / 2) / (ns + z^2) + c(-1, 1) * z * sqrt(ns) / (ns + z^2) *
      sqrt(p * (1 - p) + z^2 / (4 * ns))
    cp <- c(if (x == 0) 0 else qbeta(a / 2, xs, ns - xs + 1),
            if (x == n) 1 else qbeta(1 - a / 2, xs + 1, ns - xs))
    je <- c(if (x == 0) 0 else qbeta(a / 2, xs + 0.5, ns - xs + 0.5),
            if (x == n) 1 else qbeta(1 - a / 2, xs + 0.5, ns - xs + 0.5))
    nt <- ns + z^2; pt <- (xs + z^2 / 2) / nt
    ac <- pmin(pmax(pt + c(-1, 1) * z * sqrt(pt * (1 - pt) / nt), 0), 1)
  }
  for (m in list(list("wilson", wi), list("clopper-pearson", cp), list("jeffreys", je),
                 list("agresti-coull", ac)))
    rows[[length(rows) + 1]] <- data.frame(count = x, nobs = n, population = N, conf_level = cl,
                                           method = m[[1]], ci_lower = m[[2]][1], ci_upper = m[[2]][2])
}
out(do.call(rbind, rows), "fpc")

## ---- 2. two independent proportions: Newcombe hybrid score, N-1 chi-square, Fisher ----
tw <- data.frame(x1 = c(56, 9, 6, 5, 0, 10, 3, 0),
                 n1 = c(70, 10, 7, 56, 10, 10, 40, 0),
                 x2 = c(48, 3, 2, 0, 0, 20, 12, 4),
                 n2 = c(80, 10, 7, 29, 20, 20, 38, 9))
rows <- list()
for (i in seq_len(nrow(tw))) {
  x1 <- tw$x1[i]; n1 <- tw$n1[i]; x2 <- tw$x2[i]; n2 <- tw$n2[i]
  tab <- matrix(c(x1, n1 - x1, x2, n2 - x2), 2, byrow = TRUE)
  N <- sum(tab)
  if (n1 > 0 && n2 > 0) {
    w1 <- prop.test(x1, n1, correct = FALSE)$conf.int; w2 <- prop.test(x2, n2, correct = FALSE)$conf.int
    p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
    lo <- d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2)   # Newcombe (1998a) method 10
    hi <- d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2)
  } else { lo <- NA; hi <- NA }
  E <- outer(rowSums(tab), colSums(tab)) / N
  if (all(E > 0)) {
    X2 <- suppressWarnings(chisq.test(tab, correct = FALSE))$statistic[[1]]
  } else X2 <- NA
  X2n1 <- X2 * (N - 1) / N                             # Campbell (2007) N-1 chi-square
  pn1 <- pchisq(X2n1, 1, lower.tail = FALSE)
  fi <- fisher.test(tab)$p.value
  rows[[i]] <- data.frame(x1 = x1, n1 = n1, x2 = x2, n2 = n2, min_expected = min(E),
                          ci_lower = lo, ci_upper = hi, pearson_chi2 = X2, n1_chi2 = X2n1,
                          n1_chi2_p = pn1, fisher_p = fi)
}
out(do.call(rbind, rows), "twoindep")

## ---- 3. paired binary: McNemar asymptotic (with/without continuity correction), exact ----
## Table cells: a = yes/yes, b = yes first / no second, c = no first / yes second, d = no/no.
pb <- data.frame(a = c(794, 12, 20, 5, 30), b = c(150, 5, 1, 0, 3),
                 c = c(86, 1, 6, 0, 3), d = c(570, 2, 13, 9, 0))
rows <- list()
for (i in seq_len(nrow(pb))) {
  a <- pb$a[i]; b <- pb$b[i]; c <- pb$c[i]; d <- pb$d[i]
  tab <- matrix(c(a, b, c, d), 2, byrow = TRUE)
  if (b + c > 0) {
    m0 <- mcnemar.test(tab, correct = FALSE); m1 <- mcnemar.test(tab, correct = TRUE)
    s0 <- m0$statistic[[1]]; p0 <- m0$p.value; s1 <- m1$statistic[[1]]; p1 <- m1$p.value
    ex <- binom.test(b, b + c, 0.5)$p.value
    ## mid-p of Fagerland, Lydersen & Laake (2013): 2 P(X <= min) - P(X = min), and
    ## 1 - P(X = b) / 2 when b = c (see tests/r/reference_edge.R)
    k <- min(b, c)
    midp <- if (b == c) 1 - dbinom(b, b + c, 0.5) / 2 else
      2 * pbinom(k, b + c, 0.5) - dbinom(k, b + c, 0.5)
  } else { s0 <- NA; p0 <- NA; s1 <- NA; p1 <- NA; ex <- NA; midp <- NA }  # untestable
  rows[[i]] <- data.frame(a = a, b = b, c = c, d = d, mcnemar_chi2 = s0, mcnemar_p = p0,
                          mcnemar_cc_chi2 = s1, mcnemar_cc_p = p1, exact_p = ex, midp = midp)
}
out(do.call(rbind, rows), "mcnemar")

## ---- 4. paired grades, 4 x 4: Bowker (mcnemar.test on K x K) and Stuart-Maxwell ----
## Rows = first grade 1..4, columns = second grade 1..4.
sq <- list(matrix(c(10, 5, 2, 1,
                    2, 20, 8, 3,
                    1, 3, 15, 6,
                    1, 1, 2, 9), 4, byrow = TRUE),
           matrix(c(4, 3, 1, 1,
                    1, 12, 6, 2,
                    1, 2, 8, 5,
                    1, 1, 1, 3), 4, byrow = TRUE))
rows <- list()
for (k in seq_along(sq)) {
  tab <- sq[[k]]
  bw <- mcnemar.test(tab)                              # Bowker's symmetry test in R
  K <- nrow(tab); n <- sum(tab)
  d <- (rowSums(tab) - colSums(tab))[-K]               # Stuart-Maxwell by formula
  V <- -(tab + t(tab))[-K, -K]
  diag(V) <- (rowSums(tab) + colSums(tab) - 2 * diag(tab))[-K]
  sm <- drop(t(d) %*% solve(V) %*% d)
  rows[[k]] <- data.frame(table_id = k, cells = paste(as.vector(t(tab)), collapse = " "),
                          bowker_chi2 = bw$statistic[[1]], bowker_df = bw$parameter[[1]],
                          bowker_p = bw$p.value, stuart_maxwell_chi2 = sm, stuart_maxwell_df = K - 1,
                          stuart_maxwell_p = pchisq(sm, K - 1, lower.tail = FALSE))
}
out(do.call(rbind, rows), "square")

## ---- 5. design-based stratified proportion: svydesign + svymean + svyciprop ----
## A fixed stratified sample (written out so that R and Python read the same rows).
set.seed(20090212)
fr <- data.frame(district = c("Ashford", "Canterbury", "Dartford", "Dover", "Gravesham",
                              "Maidstone", "Sevenoaks", "Shepway", "Swale", "Thanet",
                              "Tonbridge and Malling", "Tunbridge Wells"),
                 N = c(118, 124, 96, 121, 104, 127, 68, 131, 158, 176, 81, 56),
                 n = c(10, 12, 8, 10, 9, 12, 6, 12, 15, 18, 7, 5),
                 p = c(0.6, 0.7, 0.55, 0.5, 0.65, 0.8, 0.75, 0.45, 0.5, 0.4, 0.7, 0.85))
sdat <- do.call(rbind, lapply(seq_len(nrow(fr)), function(h) {
  n <- fr$n[h]
  yn <- function(p) ifelse(runif(n) < p, "Y", "N")
  c_a <- yn(fr$p[h])                                      # every file applicable
  c_b <- yn(fr$p[h] - 0.2)                                # some not applicable, some missing
  u <- runif(n); c_b[u < 0.25] <- "NA"; c_b[u >= 0.25 & u < 0.33] <- ""
  c_c <- yn(0.12)                                         # rarer "yes"
  data.frame(district = fr$district[h], N = fr$N[h], c_a = c_a, c_b = c_b, c_c = c_c)
}))
c_c_fix <- which(sdat$c_c == "Y")
if (length(c_c_fix) < 2) stop("regenerate: c_c needs at least two yes answers")
write.csv(sdat, file.path("tests", "r", "reference_core_input_stratified.csv"), row.names = FALSE)
sdat <- read.csv(file.path("tests", "r", "reference_core_input_stratified.csv"),
                 na.strings = "", stringsAsFactors = FALSE)   # "NA" stays the string "NA"
rows <- list()
one <- function(dat, label, strata, crit, cl) {
  dat$y <- ifelse(dat[[crit]] == "Y", 1, ifelse(dat[[crit]] == "N", 0, NA))
  des <- if (strata) svydesign(ids = ~1, strata = ~district, fpc = ~N, data = dat)
         else svydesign(ids = ~1, fpc = ~N, data = dat)
  dd <- subset(des, !is.na(y))           # domain: applicable and answered
  m <- svymean(~y, dd, deff = TRUE)
  res <- list()
  for (meth in c("logit", "likelihood", "beta", "mean", "xlogit", "asin")) {
    ci <- svyciprop(~y, dd, method = meth, level = cl)
    res[[meth]] <- data.frame(design = label, criterion = crit, conf_level = cl, method = meth,
                              proportion = coef(m)[[1]], se = SE(m)[[1]],
                              deff = deff(m)[[1]], df = degf(dd),
                              n_applicable = sum(!is.na(dat$y)),
                              ci_lower = attr(ci, "ci")[[1]], ci_upper = attr(ci, "ci")[[2]])
  }
  do.call(rbind, res)
}
for (crit in c("c_a", "c_b", "c_c")) for (cl in c(0.95, 0.90)) {
  rows[[length(rows) + 1]] <- one(sdat, "stratified", TRUE, crit, cl)
}
## simple random sample (one stratum, fpc = frame size), for the SRS case
srs <- sdat[sdat$district == "Thanet", ]
for (crit in c("c_a", "c_b")) rows[[length(rows) + 1]] <- one(srs, "srs-thanet", FALSE, crit, 0.95)
out(do.call(rbind, rows), "survey")

## ---- 6. sample size for a margin of error with FPC (Cochran 1977, eqs 4.1-4.2) ----
ss <- expand.grid(margin = c(0.05, 0.10), N = c(1360, 56, 176), conf = c(0.95, 0.90))
z <- qnorm(1 - (1 - ss$conf) / 2)
ss$n0 <- z^2 * 0.25 / ss$margin^2
ss$n <- ss$n0 / (1 + (ss$n0 - 1) / ss$N)
ss$n_required <- ceiling(ss$n)
out(ss, "samplesize")
