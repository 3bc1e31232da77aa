# Reference values for kentaudit.stats.shrinkage, method "hierarchical": the posterior of
# each unit's p_i under x_i | p_i ~ Bin(n_i, p_i), p_i ~ Beta(mu M, (1 - mu) M), with
# uniform priors on mu in (0, 1) and on rho = 1 / (M + 1) in (0, 1), integrated here on
# the untransformed (mu, rho) with nested integrate() (adaptive Gauss-Kronrod), written
# from the model's definition, not from kentaudit's grid:
#   posterior mean  E[p_i | x] = int int L(mu, rho) (x_i + mu M) / (n_i + M) / int int L
#   posterior CDF   P(p_i <= q | x) = int int L(mu, rho) pbeta(q, x_i + a, n_i - x_i + b) / int int L
#   quantiles       uniroot of the CDF (tol 1e-10)
#   Rscript tests/r/reference_shrinkage_hier.R     (from the repository root; base R only)
out_dir <- "tests/r"
ll <- function(x, n, mu, m) {       # log-likelihood for a vector of mu at one m
  a <- mu * m; b <- (1 - mu) * m
  colSums(lbeta(outer(x, a, "+"), outer(n - x, b, "+")) - rep(lbeta(a, b), each = length(x)))
}
hier <- function(x, n, units = seq_along(x), probs = c(0.025, 0.975), target = 0.8) {
  # offset: the log-likelihood's maximum on a coarse grid (keeps exp() in range)
  g <- expand.grid(mu = (1:199) / 200, rho = 10^seq(-6, -0.01, length.out = 120))
  off <- max(mapply(function(u, r) ll(x, n, u, 1 / r - 1), g$mu, g$rho))
  ph <- (sum(x) + 0.5) / (sum(n) + 1)
  mub <- sort(unique(pmin(pmax(c(0, ph - 0.2, ph - 0.05, ph, ph + 0.05, ph + 0.2, 1), 0), 1)))
  rhob <- c(0, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5, 1)
  dbl <- function(f) {             # int_0^1 int_0^1 exp(ll - off) f(mu, m) dmu drho, piecewise
    inner <- function(r) {
      m <- 1 / r - 1
      g <- function(u) exp(ll(x, n, u, m) - off) * f(u, m)
      piece <- function(a, b) tryCatch(
        integrate(g, a, b, rel.tol = 1e-10, abs.tol = 1e-15, subdivisions = 2000L)$value,
        # integrate() can stop on a spike at the end of a piece (mu near 0 or 1 with a
        # small M): split the piece into 64 and integrate each to a looser tolerance
        error = function(e) {
          z <- seq(a, b, length.out = 65)
          sum(sapply(1:64, function(j) integrate(g, z[j], z[j + 1], rel.tol = 1e-8,
                                                 abs.tol = 1e-16, subdivisions = 2000L)$value))
        })
      sum(sapply(seq_len(length(mub) - 1), function(k) piece(mub[k], mub[k + 1])))
    }
    sum(sapply(seq_len(length(rhob) - 1), function(k)
      integrate(function(r) sapply(r, inner), rhob[k], rhob[k + 1], rel.tol = 1e-9,
                abs.tol = 1e-14, subdivisions = 2000L)$value))
  }
  den <- dbl(function(u, m) 1)
  rows <- list()
  for (i in units) {
    cdf <- function(q) dbl(function(u, m) pbeta(q, x[i] + u * m, n[i] - x[i] + (1 - u) * m)) / den
    message("unit ", i)
    qs <- sapply(probs, function(p) uniroot(function(q) cdf(q) - p, c(0, 1),
                                            tol = 1e-10)$root)
    rows[[length(rows) + 1]] <- data.frame(
      unit = i, x = x[i], n = n[i],
      estimate = dbl(function(u, m) (x[i] + u * m) / (n[i] + m)) / den,
      lower = qs[1], upper = qs[2], prob_below_target = cdf(target), target = target)
  }
  do.call(rbind, rows)
}
inp <- read.csv(file.path(out_dir, "reference_shrinkage_input.csv"))
sets <- list(sparse_all_no = list(x = c(0, 0, 0), n = c(10, 12, 8), target = 0.05),
             mixed_small = list(x = c(2, 7, 9), n = c(10, 9, 12), target = 0.5))
for (s in c("districts_1", "pooled")) {
  d <- inp[inp$set == s, ]
  sets[[s]] <- list(x = d$x, n = d$n, target = 0.8, units = c(1, 6, 12))  # three units: time
}
res <- do.call(rbind, lapply(names(sets), function(s) {
  st <- sets[[s]]
  message(s)
  cbind(set = s, hier(st$x, st$n, units = if (is.null(st$units)) seq_along(st$x) else st$units,
                      target = st$target))
}))
write.csv(res, file.path(out_dir, "reference_shrinkage_hier.csv"), row.names = FALSE)
print(res, digits = 8)
