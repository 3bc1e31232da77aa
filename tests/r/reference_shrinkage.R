# Reference values for kentaudit.shrinkage: the beta-binomial fit (VGAM) and the
# empirical-Bayes posteriors computed from it.
#   Rscript tests/r/reference_shrinkage.R     (from the repository root; r-cran-vgam)
# The fit is checked twice: VGAM::vglm(cbind(x, n - x) ~ 1, betabinomial) (Fisher
# scoring, tightened tolerance) and a direct maximisation of the marginal
# log-likelihood with optim (BFGS on logit mu, log(a + b)).
suppressMessages(library(VGAM))
out_dir <- "tests/r"

sets <- list()
data(lirat)   # Weil (1970) rat litters, VGAM's own betabinomial example
sets[["lirat"]] <- data.frame(unit = seq_len(nrow(lirat)), x = lirat$R, n = lirat$N)
set.seed(16001)
for (s in 1:3) {   # twelve districts of 18 to 32 files, true spread rho = 0.05
  n <- sample(18:32, 12, replace = TRUE)
  p <- rbeta(12, 0.65 * 19, 0.35 * 19)
  sets[[sprintf("districts_%d", s)]] <- data.frame(unit = 1:12, x = rbinom(12, n, p), n = n)
}
# a programme pooled over four cycles: about 100 files a district
n <- sample(90:110, 12, replace = TRUE)
sets[["pooled"]] <- data.frame(unit = 1:12, x = rbinom(12, n, rbeta(12, 0.7 * 30, 0.3 * 30)), n = n)

inputs <- do.call(rbind, lapply(names(sets), function(s) cbind(set = s, sets[[s]])))
write.csv(inputs, file.path(out_dir, "reference_shrinkage_input.csv"), row.names = FALSE)

fits <- list(); posts <- list()
for (s in names(sets)) {
  d <- sets[[s]]
  fit <- vglm(cbind(x, n - x) ~ 1, betabinomial, data = d,
              control = vglm.control(epsilon = 1e-13, maxit = 500), trace = FALSE)
  cf <- Coef(fit)
  nll <- function(t) {
    mu <- plogis(t[1]); m <- exp(t[2])
    -sum(lchoose(d$n, d$x) + lbeta(d$x + mu * m, d$n - d$x + (1 - mu) * m) - lbeta(mu * m, (1 - mu) * m))
  }
  o <- optim(c(qlogis(cf[["mu"]]), log(1 / cf[["rho"]] - 1)), nll, method = "BFGS",
             control = list(reltol = 1e-15, maxit = 1000))
  mu <- plogis(o$par[1]); m <- exp(o$par[2])
  fits[[s]] <- data.frame(set = s, mu_vgam = cf[["mu"]], rho_vgam = cf[["rho"]],
                          loglik_vgam = as.numeric(logLik(fit)), mu_optim = mu,
                          rho_optim = 1 / (m + 1), loglik_optim = -o$value)
  a <- mu * m; b <- (1 - mu) * m
  A <- d$x + a; B <- d$n - d$x + b
  posts[[s]] <- data.frame(set = s, unit = d$unit, estimate = A / (A + B),
                           lower = qbeta(0.025, A, B), upper = qbeta(0.975, A, B),
                           prob_below_0_8 = pbeta(0.8, A, B), prob_below_0_5 = pbeta(0.5, A, B))
}
fits <- do.call(rbind, fits); posts <- do.call(rbind, posts)
write.csv(fits, file.path(out_dir, "reference_shrinkage_fit.csv"), row.names = FALSE)
write.csv(posts, file.path(out_dir, "reference_shrinkage_posterior.csv"), row.names = FALSE)
print(fits, digits = 10)
cat("VGAM", as.character(packageVersion("VGAM")), "\n")
