# Reference values for kentaudit.spc.p_chart, base R only.
# Run from the repository root: Rscript tests/r/reference_spc.R
# Writes tests/r/reference_p_chart.csv. p-chart with variable n (Montgomery): centre
# pbar = sum(x)/sum(n); limits pbar +/- k sqrt(pbar(1-pbar)/n_i), clamped to [0, 1].
options(digits = 15)
x <- c(14, 18, 9, 20, 25, 11, 16, 22, 19, 8, 24, 17, 21, 15)
n <- c(20, 25, 15, 26, 30, 18, 22, 27, 24, 12, 31, 23, 26, 19)
pbar <- sum(x) / sum(n)
s <- sqrt(pbar * (1 - pbar) / n)
out <- data.frame(period = seq_along(x), x = x, n = n, p = x / n, centre = pbar, sigma = s,
                  lpl = pmax(pbar - 3 * s, 0), upl = pmin(pbar + 3 * s, 1),
                  nlpl = pmax(pbar - 2 * s, 0), nupl = pmin(pbar + 2 * s, 1))
write.csv(out, "tests/r/reference_p_chart.csv", row.names = FALSE)
cat(R.version.string, "\n")
