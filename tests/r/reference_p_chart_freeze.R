# Reference values for kentaudit.stats.spc.p_chart(..., freeze=k), base R only.
# Run from the repository root: Rscript tests/r/reference_p_chart_freeze.R
# Writes tests/r/reference_p_chart_freeze.csv (inputs and expected chart, one row per
# case and period).
#
# qicharts2 (whose qic(chart = "p", freeze = k) is the reference implementation of frozen
# limits) is NOT installed on the machine these references were computed on, so the
# frozen-limit p-chart is written here by hand from its formula (Montgomery, p-chart with
# variable sample size; qicharts2's freeze: "the last data point to include in the
# calculation of baseline parameters"):
#   centre  pbar = sum(x[1:k]) / sum(n[1:k]) over the baseline periods with n > 0;
#   limits  pbar +/- 3 sqrt(pbar (1 - pbar) / n_i) at EVERY period's own n_i, clamped to [0, 1]
#           (near limits at 2 sigma); a period with n_i = 0 has no point and no limits;
#   outside a point strictly above the upper or below the lower limit.
options(digits = 15)

chart <- function(case, x, n, k) {
  base <- seq_len(k)
  use <- base[n[base] > 0]
  pbar <- if (length(use)) sum(x[use]) / sum(n[use]) else NA_real_
  p <- ifelse(n > 0, x / n, NA_real_)
  s <- ifelse(n > 0, sqrt(pbar * (1 - pbar) / n), NA_real_)
  lpl <- pmax(pbar - 3 * s, 0); upl <- pmin(pbar + 3 * s, 1)
  nlpl <- pmax(pbar - 2 * s, 0); nupl <- pmin(pbar + 2 * s, 1)
  above <- !is.na(p) & !is.na(upl) & p > upl
  below <- !is.na(p) & !is.na(lpl) & p < lpl
  data.frame(case = case, freeze = k, period = seq_along(x), x = x, n = n, p = p,
             centre = pbar, n_baseline = length(use), sigma = s, lpl = lpl, upl = upl,
             nlpl = nlpl, nupl = nupl, above = above, below = below)
}

out <- rbind(
  # an action after period 6: compliance rises from about 55% to about 80%
  chart("shift", x = c(14, 11, 16, 12, 15, 13, 20, 22, 19, 24),
        n = c(25, 20, 28, 22, 26, 24, 25, 27, 23, 28), k = 6),
  # the same series with the limits from every period (no freeze): the shift is absorbed
  chart("shift_unfrozen", x = c(14, 11, 16, 12, 15, 13, 20, 22, 19, 24),
        n = c(25, 20, 28, 22, 26, 24, 25, 27, 23, 28), k = 10),
  # a baseline of one period
  chart("one_point", x = c(12, 15, 21, 18), n = c(25, 25, 25, 25), k = 1),
  # a baseline with every answer no (pbar = 0): zero-width limits at 0
  chart("pbar_zero", x = c(0, 0, 0, 3, 0), n = c(10, 12, 9, 10, 11), k = 3),
  # a baseline with every answer yes (pbar = 1): zero-width limits at 1
  chart("pbar_one", x = c(10, 12, 9, 10, 11), n = c(10, 12, 9, 11, 11), k = 3),
  # a period with no files in the baseline and one after it
  chart("empty_periods", x = c(8, 0, 9, 7, 0, 15), n = c(12, 0, 13, 11, 0, 16), k = 3),
  # a baseline whose only period has no files: no centre, no limits
  chart("empty_baseline", x = c(0, 5, 6), n = c(0, 10, 10), k = 1)
)
write.csv(out, "tests/r/reference_p_chart_freeze.csv", row.names = FALSE)
cat(R.version.string, "\n")
