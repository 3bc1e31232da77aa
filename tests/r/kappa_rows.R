## vcd::Kappa and its confint for each named K x K table, unweighted, linear ("Equal-Spacing")
## and quadratic ("Fleiss-Cohen") weights: one row each. Sourced by reference_edge.R and
## reference_degenerate.R (which load vcd first).
kappa_rows <- function(tabs) {
  rows <- list()
  for (nm in names(tabs)) {
    t <- tabs[[nm]]
    for (w in c("unweighted", "linear", "quadratic")) {
      k <- Kappa(t, weights = if (w == "quadratic") "Fleiss-Cohen" else "Equal-Spacing")
      ci <- confint(k)
      which <- if (w == "unweighted") 1 else 2
      v <- if (w == "unweighted") k$Unweighted else k$Weighted
      rows[[length(rows) + 1]] <- data.frame(table = nm, cells = paste(as.vector(t(t)), collapse = " "),
                                             weights = w, kappa = v[["value"]], ase = v[["ASE"]],
                                             ci_low = ci[which, 1], ci_high = ci[which, 2])
    }
  }
  do.call(rbind, rows)
}
