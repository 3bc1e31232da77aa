# Reference values for kentaudit.stats.actions (evaluating an action), base R only.
#   Rscript tests/r/reference_actions.R     (from the repository root)
# 1. Re-audit sample size: power.prop.test (equal sizes) and uniroot on the same power
#    formula with a fixed baseline size; Cochran's finite population correction
#    n = n0 / (1 + (n0 - 1) / N) (Cochran 1977, eqs 4.1-4.2).
# 2. Difference in differences: glm(cbind(yes, no) ~ group * period, binomial(identity)),
#    the interaction's estimate, standard error, Wald z, p-value and Wald interval; the
#    MOVER interval from prop.test's Wilson limits (Newcombe's hybrid score interval of
#    each change, then combined).
# 3. Regression to the mean: the beta-binomial fitted by optim (marginal likelihood) to
#    every unit's baseline counts, the Beta posterior mean and quantiles of chosen units.
out_dir <- "tests/r"

# ---------------------------------------------------------------- 1. sample size
ss <- expand.grid(p1 = c(0.45, 0.6), p2 = c(0.7, 0.8), power = c(0.8, 0.9), conf = c(0.95, 0.9),
                  N = c(120, 1360))
ss$n0 <- mapply(function(p1, p2, pw, cf) power.prop.test(p1 = p1, p2 = p2, power = pw,
                                                          sig.level = 1 - cf, tol = 1e-12)$n,
                ss$p1, ss$p2, ss$power, ss$conf)
ss$n <- ss$n0 / (1 + (ss$n0 - 1) / ss$N)
ss$n_required <- pmin(ceiling(ss$n - 1e-9), ss$N)
write.csv(ss, file.path(out_dir, "reference_actions_samplesize.csv"), row.names = FALSE)

pw_unequal <- function(n2, n1, p1, p2, za) {
  pbar <- (n1 * p1 + n2 * p2) / (n1 + n2)
  se0 <- sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
  se1 <- sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
  pnorm((abs(p2 - p1) - za * se0) / se1)
}
fx <- data.frame(p1 = c(0.45, 0.5, 0.6, 0.3), p2 = c(0.8, 0.75, 0.85, 0.6), n1 = c(25, 40, 100, 30),
                 power = c(0.8, 0.8, 0.9, 0.8), conf = 0.95, N = c(118, 152, 1360, 96))
fx$n0 <- mapply(function(p1, p2, n1, pw, cf) {
  za <- qnorm(1 - (1 - cf) / 2)
  uniroot(function(n) pw_unequal(n, n1, p1, p2, za) - pw, c(1e-6, 1e6), tol = 1e-12)$root
}, fx$p1, fx$p2, fx$n1, fx$power, fx$conf)
fx$n <- fx$n0 / (1 + (fx$n0 - 1) / fx$N)
fx$n_required <- pmin(ceiling(fx$n - 1e-9), fx$N)
write.csv(fx, file.path(out_dir, "reference_actions_samplesize_fixed.csv"), row.names = FALSE)

# ---------------------------------------------------------------- 2. difference in differences
did <- data.frame(
  x_t0 = c(9, 12, 5, 20, 3), n_t0 = c(25, 24, 22, 25, 20),
  x_t1 = c(18, 15, 14, 24, 10), n_t1 = c(25, 26, 23, 25, 21),
  x_r0 = c(150, 170, 120, 200, 100), n_r0 = c(270, 265, 250, 270, 230),
  x_r1 = c(190, 180, 160, 230, 110), n_r1 = c(272, 268, 255, 275, 231))
wilson <- function(x, n, cf) {
  if (x == 0) return(c(0, prop.test(x, n, conf.level = cf, correct = FALSE)$conf.int[2]))
  prop.test(x, n, conf.level = cf, correct = FALSE)$conf.int[1:2]
}
newcombe <- function(x1, n1, x2, n2, cf) {   # p1 - p2
  a <- wilson(x1, n1, cf); b <- wilson(x2, n2, cf); p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  c(d, d - sqrt((p1 - a[1])^2 + (b[2] - p2)^2), d + sqrt((a[2] - p1)^2 + (p2 - b[1])^2))
}
rows <- list()
for (cf in c(0.95, 0.9)) for (i in seq_len(nrow(did))) {
  r <- did[i, ]
  d <- data.frame(group = factor(c("rest", "rest", "target", "target"), levels = c("rest", "target")),
                  period = c(0, 1, 0, 1), yes = c(r$x_r0, r$x_r1, r$x_t0, r$x_t1),
                  n = c(r$n_r0, r$n_r1, r$n_t0, r$n_t1))
  p <- d$yes / d$n
  fit <- glm(cbind(yes, n - yes) ~ group * period, family = binomial(link = "identity"), data = d,
             start = c(p[1], p[3] - p[1], p[2] - p[1], (p[4] - p[3]) - (p[2] - p[1])),
             control = glm.control(epsilon = 1e-10, maxit = 100))
  co <- summary(fit)$coefficients["grouptarget:period", ]
  z <- qnorm(1 - (1 - cf) / 2)
  ct <- newcombe(r$x_t1, r$n_t1, r$x_t0, r$n_t0, cf)
  cr <- newcombe(r$x_r1, r$n_r1, r$x_r0, r$n_r0, cf)
  dd <- ct[1] - cr[1]
  rows[[length(rows) + 1]] <- cbind(r, conf = cf, estimate = co[["Estimate"]], se = co[["Std. Error"]],
    z = co[["z value"]], p_value = co[["Pr(>|z|)"]],
    wald_low = co[["Estimate"]] - z * co[["Std. Error"]], wald_high = co[["Estimate"]] + z * co[["Std. Error"]],
    change_target = ct[1], change_target_low = ct[2], change_target_high = ct[3],
    change_rest = cr[1], change_rest_low = cr[2], change_rest_high = cr[3],
    mover_low = dd - sqrt((ct[1] - ct[2])^2 + (cr[3] - cr[1])^2),
    mover_high = dd + sqrt((ct[3] - ct[1])^2 + (cr[1] - cr[2])^2))
}
write.csv(do.call(rbind, rows), file.path(out_dir, "reference_actions_did.csv"), row.names = FALSE)

# ---------------------------------------------------------------- 3. regression to the mean
set.seed(27001)
sets <- list()
for (s in 1:3) {   # twelve districts of 20 to 30 files, spread rho about 0.1
  n <- sample(20:30, 12, replace = TRUE)
  sets[[s]] <- data.frame(set = s, unit = sprintf("U%02d", 1:12),
                          x = rbinom(12, n, rbeta(12, 0.6 * 8, 0.4 * 8)), n = n)
}
inputs <- do.call(rbind, sets)
write.csv(inputs, file.path(out_dir, "reference_actions_rtm_input.csv"), row.names = FALSE)
posts <- list()
for (s in 1:3) {
  d <- sets[[s]]
  nll <- function(t) {
    mu <- plogis(t[1]); m <- exp(t[2])
    -sum(lbeta(d$x + mu * m, d$n - d$x + (1 - mu) * m) - lbeta(mu * m, (1 - mu) * m))
  }
  o <- optim(c(qlogis(sum(d$x) / sum(d$n)), log(20)), nll, method = "BFGS",
             control = list(reltol = 1e-15, maxit = 1000))
  mu <- plogis(o$par[1]); m <- exp(o$par[2]); a <- mu * m; b <- (1 - mu) * m
  low <- order(d$x / d$n)[1:2]          # the two lowest units are "chosen because they scored low"
  A <- d$x[low] + a; B <- d$n[low] - d$x[low] + b
  posts[[s]] <- data.frame(set = s, unit = d$unit[low], raw = d$x[low] / d$n[low], expected = A / (A + B),
                           lower = qbeta(0.025, A, B), upper = qbeta(0.975, A, B),
                           rtm_change = A / (A + B) - d$x[low] / d$n[low], shrinkage = m / (d$n[low] + m),
                           mu = mu, rho = 1 / (m + 1))
}
write.csv(do.call(rbind, posts), file.path(out_dir, "reference_actions_rtm.csv"), row.names = FALSE)
cat(R.version.string, "\n")
