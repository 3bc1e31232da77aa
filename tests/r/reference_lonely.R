## A stratum with one sampled file out of several ("lonely PSU"): R's survey package
## with options(survey.lonely.psu = "adjust"), which centres that stratum's single file at
## the overall mean instead of refusing (Lumley 2010, Complex Surveys, section 2.3; the
## survey package's ?surveyoptions). kentaudit's stats.survey.stratified_proportion
## follows it and says so in the row's note. Writes tests/r/reference_lonely.csv.
## Run from the repository root: Rscript tests/r/reference_lonely.R (R 4.2, survey 4.1).
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
sdat <- read.csv(file.path("tests", "r", "reference_core_input_stratified.csv"),
                 na.strings = "", stringsAsFactors = FALSE)
## keep one file of the first stratum, and (second case) of the first two strata
strata <- unique(sdat$district)
cases <- list(one = strata[1], two = strata[1:2])
rows <- list()
for (case in names(cases)) {
  lonely <- cases[[case]]
  keep <- !(sdat$district %in% lonely) | !duplicated(sdat$district)
  dat <- sdat[keep, ]
  for (crit in c("c_a", "c_b", "c_c")) {
    dat$y <- ifelse(dat[[crit]] == "Y", 1, ifelse(dat[[crit]] == "N", 0, NA))
    des <- svydesign(ids = ~1, strata = ~district, fpc = ~N, data = dat)
    dd <- subset(des, !is.na(y))
    m <- svymean(~y, dd)
    for (meth in c("logit", "mean")) {
      ci <- svyciprop(~y, dd, method = meth, level = 0.95)
      rows[[length(rows) + 1]] <- data.frame(case = case, lonely = paste(lonely, collapse = ";"),
        criterion = crit, method = meth, proportion = coef(m)[[1]], se = SE(m)[[1]], df = degf(dd),
        ci_lower = attr(ci, "ci")[[1]], ci_upper = attr(ci, "ci")[[2]])
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path("tests", "r", "reference_lonely.csv"), row.names = FALSE)
print(out)
