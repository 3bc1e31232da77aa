# Reference values for kentaudit.interrater (Gwet's AC1/AC2, Krippendorff's alpha).
# irrCAC 1.4 is not packaged for Debian: installed from its source (github kgwet/irrCAC,
# commit 7fb7509236672b8601c96366ca720f12a0d5bb7b) with R CMD INSTALL -l /tmp/Rlib irrCAC.
# irrCAC rounds its printed estimate and SE to 5 decimals; we evaluate its functions
# unchanged except that `round` is the identity, so the values are unrounded.
# Krippendorff's alpha is also computed here independently, from the coincidence matrix
# (Krippendorff 2011, "Computing Krippendorff's alpha-reliability", section C).
# Run from the repository root:  R_LIBS=/tmp/Rlib Rscript tests/r/reference_interrater.R
suppressMessages(library(irrCAC))
out_dir <- "tests/r"
unrounded <- function(f) {
  e <- new.env(parent = asNamespace("irrCAC"))
  assign("round", function(x, digits = 0) x, envir = e)
  environment(f) <- e
  f
}
ac_raw <- unrounded(irrCAC::gwet.ac1.raw)
ka_raw <- unrounded(irrCAC::krippen.alpha.raw)

# Krippendorff's difference functions as agreement weights 1 - delta^2 / max(delta^2)
kripp_weights <- function(ratings, q, level) {
  ri <- rowSums(!is.na(ratings))
  pairable <- as.vector(as.matrix(ratings[ri >= 2, ]))
  ng <- tabulate(pairable[!is.na(pairable)], nbins = q)
  d2 <- matrix(0, q, q)
  for (c in 1:q) for (k in 1:q) {
    if (level == "nominal") d2[c, k] <- as.numeric(c != k)
    if (level == "interval") d2[c, k] <- (c - k)^2
    if (level == "ordinal") {
      g <- min(c, k):max(c, k)
      d2[c, k] <- (sum(ng[g]) - (ng[c] + ng[k]) / 2)^2
    }
  }
  list(w = 1 - d2 / max(d2), d2 = d2)
}
# independent alpha from the coincidence matrix: alpha = 1 - (n.. - 1) sum o_ck d_ck / sum n_c n_k d_ck
kripp_coincidence <- function(ratings, q, d2) {
  o <- matrix(0, q, q)
  for (u in seq_len(nrow(ratings))) {
    v <- as.numeric(ratings[u, ]); v <- v[!is.na(v)]
    m <- length(v)
    if (m < 2) next
    for (i in seq_len(m)) for (j in seq_len(m)) if (i != j) o[v[i], v[j]] <- o[v[i], v[j]] + 1 / (m - 1)
  }
  nc <- rowSums(o); ntot <- sum(nc)
  1 - (ntot - 1) * sum(o * d2) / sum(outer(nc, nc) * d2)
}

sets <- list()
sets[["krippendorff_2011"]] <- list(r = as.matrix(cac.raw4raters), q = 5)
set.seed(16016)
# two raters, four grades, mostly grade 2 (the kappa paradox), moderator stricter
n <- 300
g1 <- sample(1:4, n, replace = TRUE, prob = c(0.08, 0.62, 0.22, 0.08))
chg <- runif(n) < 0.25
g2 <- pmin(4, pmax(1, g1 + ifelse(chg, ifelse(runif(n) < 0.8, 1, -1), 0)))
sets[["two_raters"]] <- list(r = cbind(g1, g2), q = 4)
# the same with a grade never used (q = 4 categories, grade 1 absent) and missing ratings
g3 <- pmax(2, g1); g4 <- pmax(2, g2); g4[sample(n, 20)] <- NA
sets[["two_raters_missing"]] <- list(r = cbind(g3, g4), q = 4)
# three raters with missing ratings
g5 <- pmin(4, pmax(1, g1 + sample(c(-1, 0, 0, 0, 1), n, replace = TRUE)))
r3 <- cbind(g1, g2, g5); r3[sample(length(r3), 60)] <- NA
sets[["three_raters"]] <- list(r = r3, q = 4)

inputs <- do.call(rbind, lapply(names(sets), function(s) {
  r <- sets[[s]]$r
  do.call(rbind, lapply(seq_len(ncol(r)), function(j)
    data.frame(set = s, unit = seq_len(nrow(r)), rater = j, rating = r[, j], q = sets[[s]]$q)))
}))
write.csv(inputs, file.path(out_dir, "reference_interrater_input.csv"), row.names = FALSE, na = "")

rows <- list()
for (s in names(sets)) {
  r <- sets[[s]]$r; q <- sets[[s]]$q; labs <- 1:q
  for (w in c("unweighted", "linear", "quadratic", "ordinal")) {
    e <- ac_raw(r, weights = w, categ.labels = labs)$est
    ac <- (e$pa - e$pe) / (1 - e$pe)
    rows[[length(rows) + 1]] <- data.frame(set = s, statistic = "gwet_ac", weights = w,
      estimate = ac, se = e$coeff.se, p_agreement = e$pa, p_chance = e$pe,
      coincidence_estimate = NA)
  }
  for (lv in c("nominal", "ordinal", "interval")) {
    kw <- kripp_weights(r, q, lv)
    e <- ka_raw(r, weights = kw$w, categ.labels = labs)$est
    a <- (e$pa - e$pe) / (1 - e$pe)
    rows[[length(rows) + 1]] <- data.frame(set = s, statistic = "krippendorff_alpha", weights = lv,
      estimate = a, se = e$coeff.se, p_agreement = e$pa, p_chance = e$pe,
      coincidence_estimate = kripp_coincidence(r, q, kw$d2))
  }
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out_dir, "reference_interrater.csv"), row.names = FALSE)
print(res, digits = 10)
cat("irrCAC", as.character(packageVersion("irrCAC")), "\n")
