# Reference values for kentaudit/funnel.py, computed with base R only.
# Run from the repository root:  Rscript tests/r/reference_funnel.R
# Writes tests/r/reference_funnel_limits.csv, tests/r/reference_funnel_dispersion.csv
# and tests/r/reference_poisson_limits.csv. The tests read the CSVs; they never run R.
#
# Limits follow the formulas in Spiegelhalter (2005) Stat Med 24:1185-1202 as written in
# his own 2016 code (github gmp26/funnel, R/funnel4.R, qbinom.interp): lower
# (r_p - alpha)/n with r_p = qbinom(p, n, p0); upper (r_p + 1 - alpha)/n with
# r_p = qbinom(1 - p, n, p0). Written here independently from the formula, clamped to [0, 1]
# (funnel4 clamps to [0.00001, 0.99999]).
options(digits = 15)

interp_lower <- function(p, n, p0) {
  rp <- qbinom(p, n, p0)
  alpha <- (pbinom(rp, n, p0) - p) / dbinom(rp, n, p0)
  pmin(pmax((rp - alpha) / n, 0), 1)
}
interp_upper <- function(p, n, p0) {
  rp <- qbinom(1 - p, n, p0)
  alpha <- (pbinom(rp, n, p0) - (1 - p)) / dbinom(rp, n, p0)
  pmin(pmax((rp + 1 - alpha) / n, 0), 1)
}

grid <- expand.grid(n = c(1, 2, 3, 5, 8, 10, 13, 20, 30, 37, 50, 100, 250, 1000),
                    target = c(0.05, 0.2, 0.5, 0.65, 0.8, 0.95),
                    conf_level = c(0.95, 0.998))
tail_p <- (1 - grid$conf_level) / 2
z <- qnorm(1 - tail_p)
out <- rbind(
  data.frame(grid, method = "binomial-interpolated",
             lower = interp_lower(tail_p, grid$n, grid$target),
             upper = interp_upper(tail_p, grid$n, grid$target)),
  data.frame(grid, method = "normal",
             lower = pmax(grid$target - z * sqrt(grid$target * (1 - grid$target) / grid$n), 0),
             upper = pmin(grid$target + z * sqrt(grid$target * (1 - grid$target) / grid$n), 1)),
  # arcsine (FunnelPlotR's proportion method), angle clamped to [0, pi/2] before squaring
  data.frame(grid, method = "arcsine",
             lower = sin(pmax(asin(sqrt(grid$target)) - z / (2 * sqrt(grid$n)), 0))^2,
             upper = sin(pmin(asin(sqrt(grid$target)) + z / (2 * sqrt(grid$n)), pi / 2))^2)
)
write.csv(out, "tests/r/reference_funnel_limits.csv", row.names = FALSE)

# Overdispersion on a fixed 12-unit data set (numbers chosen by hand, overdispersed on purpose).
x <- c(30, 22, 35, 18, 40, 12, 27, 33, 9, 25, 38, 20)
n <- c(36, 30, 40, 29, 45, 25, 31, 37, 22, 28, 41, 24)
p0 <- sum(x) / sum(n)
disp <- function(scale, wmethod) {
  if (scale == "identity") {
    s <- sqrt(p0 * (1 - p0) / n); zz <- (x / n - p0) / s
  } else {
    s <- 1 / (2 * sqrt(n)); zz <- (asin(sqrt(x / n)) - asin(sqrt(p0))) / s
  }
  I <- length(zz)
  if (wmethod == "quantile") {          # R type-7 quantiles (FunnelPlotR)
    lo <- quantile(zz, 0.1, type = 7); hi <- quantile(zz, 0.9, type = 7)
    zw <- pmin(pmax(zz, lo), hi)
  } else {                              # order statistics (Spiegelhalter funnel4)
    k <- trunc(I * 10 / 100) + 1
    zs <- sort(zz)
    lo <- zs[k]; hi <- zs[I - k + 1]
    zw <- pmin(pmax(zz, lo), hi)
  }
  phi <- mean(zw^2)
  w <- 1 / s^2
  tau2 <- max(0, (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w)))
  data.frame(scale = scale, winsorise_method = wmethod, target = p0, phi = phi,
             p_value = pchisq(I * phi, df = I, lower.tail = FALSE), tau2 = tau2,
             z_min = min(zz), z_max = max(zz))
}
d <- rbind(disp("identity", "order-statistic"), disp("identity", "quantile"),
           disp("arcsine", "order-statistic"), disp("arcsine", "quantile"))
write.csv(d, "tests/r/reference_funnel_dispersion.csv", row.names = FALSE)

# Adjusted (random-effects) limits for that data set at n = 10, 30, 100.
adj <- do.call(rbind, lapply(seq_len(nrow(d)), function(i) {
  nn <- c(10, 30, 100); cl <- c(0.95, 0.998)
  g <- expand.grid(n = nn, conf_level = cl)
  zq <- qnorm(1 - (1 - g$conf_level) / 2)
  if (d$scale[i] == "identity") {
    se <- sqrt(p0 * (1 - p0) / g$n + d$tau2[i])
    lo <- pmax(p0 - zq * se, 0); up <- pmin(p0 + zq * se, 1)
  } else {
    se <- sqrt(1 / (4 * g$n) + d$tau2[i])
    lo <- sin(pmax(asin(sqrt(p0)) - zq * se, 0))^2
    up <- sin(pmin(asin(sqrt(p0)) + zq * se, pi / 2))^2
  }
  data.frame(scale = d$scale[i], winsorise_method = d$winsorise_method[i], g, lower = lo, upper = up)
}))
write.csv(adj, "tests/r/reference_funnel_adjusted.csv", row.names = FALSE)

# Poisson limits for a standardised ratio (FunnelPlotR's exact chi-square form)
E <- c(5, 15, 20, 30, 100)
pois <- rbind(
  data.frame(expected = E, conf_level = 0.95,
             lower = qchisq(0.025, 2 * E) / 2 / E, upper = qchisq(0.975, 2 * (E + 1)) / 2 / E),
  data.frame(expected = E, conf_level = 0.998,
             lower = qchisq(0.001, 2 * E) / 2 / E, upper = qchisq(0.999, 2 * (E + 1)) / 2 / E))
write.csv(pois, "tests/r/reference_poisson_limits.csv", row.names = FALSE)
cat(R.version.string, "\n")
