# Reference values for kentaudit.spc.run_chart (Anhoej rules) and laney_p_chart.
# qicharts2 0.8.1 is not packaged for Debian: installed from its source
# (github anhoej/qicharts2, commit 1b9487ecb3938d25a8a04578464f960d3a064f64) with
#   R CMD INSTALL -l /tmp/Rlib qicharts2
# Run from the repository root:  R_LIBS=/tmp/Rlib Rscript tests/r/reference_spc_short.R
suppressMessages(library(qicharts2))
out_dir <- "tests/r"

series <- list()
# qicharts2's own example data: nhs_accidents (Mohammed et al. 2008, QSHC), 20 weeks
series[["nhs_accidents"]] <- list(y = nhs_accidents$r / nhs_accidents$n,
                                  x = nhs_accidents$r, n = nhs_accidents$n)
# cdi: monthly counts (36 months); the run chart of the counts
series[["cdi"]] <- list(y = as.numeric(cdi$n), x = NA, n = NA)
set.seed(20260)
for (len in c(5, 8, 11, 13, 16, 19)) {
  for (shift in c(0, 1.5)) {
    y <- round(rnorm(len) + c(rep(0, len %/% 2), rep(shift, len - len %/% 2)), 1)
    series[[sprintf("seeded_%d_shift_%g", len, shift)]] <- list(y = y, x = NA, n = NA)
  }
}
# ties on the median (points on the centre line are not useful) and a constant run
series[["ties"]] <- list(y = c(3, 3, 3, 1, 5, 3, 2, 4, 3, 6, 3), x = NA, n = NA)
series[["monotone"]] <- list(y = 1:12, x = NA, n = NA)
# overdispersed binomial series with large denominators (Laney's use case)
set.seed(20261)
nn <- round(runif(24, 800, 1500))
p <- plogis(qlogis(0.8) + rnorm(24, 0, 0.15))
xx <- rbinom(24, nn, p)
series[["overdispersed"]] <- list(y = xx / nn, x = xx, n = nn)

inputs <- do.call(rbind, lapply(names(series), function(s) {
  d <- series[[s]]
  data.frame(series = s, i = seq_along(d$y), y = d$y,
             x = if (length(d$x) > 1) d$x else NA, n = if (length(d$n) > 1) d$n else NA)
}))
write.csv(inputs, file.path(out_dir, "reference_spc_short_input.csv"), row.names = FALSE)

runs <- do.call(rbind, lapply(names(series), function(s) {
  d <- series[[s]]
  q <- summary(qic(seq_along(d$y), d$y, chart = "run"))
  data.frame(series = s, cl = q$CL, n_obs = q$n.obs, n_useful = q$n.useful,
             longest_run = q$longest.run, longest_run_max = q$longest.run.max,
             n_crossings = q$n.crossings, n_crossings_min = q$n.crossings.min,
             runs_signal = q$runs.signal)
}))
write.csv(runs, file.path(out_dir, "reference_spc_short_runs.csv"), row.names = FALSE)

laney <- do.call(rbind, lapply(c("nhs_accidents", "overdispersed"), function(s) {
  d <- series[[s]]
  q <- qic(seq_along(d$y), d$x, n = d$n, chart = "pp")$data
  data.frame(series = s, i = q$x, y = q$y, cl = q$cl, lcl = q$lcl, ucl = q$ucl,
             lcl_95 = q$lcl.95, ucl_95 = q$ucl.95, sigma_signal = q$sigma.signal)
}))
write.csv(laney, file.path(out_dir, "reference_spc_short_laney.csv"), row.names = FALSE)
cat("qicharts2", as.character(packageVersion("qicharts2")), "\n")
