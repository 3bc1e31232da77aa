# Reference values for kentaudit.leniency: lme4::glmer, logistic model with a random
# intercept per auditor and the case-mix covariates, on simulated audits with known
# auditor effects.   Rscript tests/r/reference_leniency.R   (r-cran-lme4)
suppressMessages(library(lme4))
out_dir <- "tests/r"
sim <- function(set, J, n, sd_u, seed) {
  set.seed(seed)
  codes <- sprintf("AUD%02d", 1:J)
  u <- setNames(rnorm(J, 0, sd_u), codes)
  aud <- sample(codes, n, replace = TRUE)
  status <- sample(c("cp_plan", "cin", "lac", "s47"), n, replace = TRUE, prob = c(.7, .1, .1, .1))
  age <- sample(c("1-4", "10-15", "5-9", "under_1"), n, replace = TRUE)
  flags <- matrix(ifelse(runif(n * 6) < 0.25, "Y", "N"), n, 6)
  colnames(flags) <- c("risk_under1", "risk_domestic_abuse", "risk_mental_health",
                       "risk_substance", "risk_violent_partner", "risk_repeat_plan")
  risk <- rowSums(flags == "Y")
  cycle <- sample(c("2010", "2011", "2012", "2013"), n, replace = TRUE)
  district <- sample(c("Ashford", "Dover", "Swale", "Thanet"), n, replace = TRUE)
  eta <- -0.5 + 0.4 * (status == "lac") - 0.2 * (status == "cin") + 0.3 * risk -
    0.4 * (cycle == "2013") + 0.3 * (district == "Thanet") + u[aud]
  latent <- eta + rlogis(n)
  grade <- 1 + (latent > -2) + (latent > 0) + (latent > 1.5)   # grade >= 3 iff latent > 0
  data.frame(set = set, auditor = aud, overall_grade = grade, case_status = status,
             age_band = age, flags, cycle = cycle, district = district,
             true_effect = u[aud], stringsAsFactors = FALSE)
}
d <- rbind(sim("spread_0_6", 16, 1500, 0.6, 16601), sim("spread_0_3", 14, 1200, 0.3, 16602))
write.csv(d, file.path(out_dir, "reference_leniency_input.csv"), row.names = FALSE)
fe <- list(); re <- list()
for (s in unique(d$set)) {
  x <- d[d$set == s, ]
  x$y <- as.integer(x$overall_grade >= 3)
  x$risk_score <- rowSums(x[, grep("^risk_", names(x))] == "Y")
  for (v in c("case_status", "age_band", "cycle", "district"))
    x[[v]] <- factor(x[[v]], levels = sort(unique(x[[v]]), method = "radix"))
  f <- glmer(y ~ case_status + age_band + risk_score + cycle + district + (1 | auditor),
             data = x, family = binomial, nAGQ = 1,
             control = glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5)))
  fe[[s]] <- data.frame(set = s, term = names(fixef(f)), estimate = unname(fixef(f)),
                        se = unname(sqrt(diag(as.matrix(vcov(f))))))
  r <- ranef(f, condVar = TRUE)$auditor
  re[[s]] <- data.frame(set = s, auditor = rownames(r), effect = r[, 1],
                        se = sqrt(attr(r, "postVar")[1, 1, ]),
                        sd_auditor = as.data.frame(VarCorr(f))$sdcor[1])
}
write.csv(do.call(rbind, fe), file.path(out_dir, "reference_leniency_fixed.csv"), row.names = FALSE)
write.csv(do.call(rbind, re), file.path(out_dir, "reference_leniency_auditors.csv"), row.names = FALSE)
print(do.call(rbind, re)[1:5, ])
cat("lme4", as.character(packageVersion("lme4")), "\n")

## ---- the 2013 default cycle's first grades (synthetic data shipped with the project) ----
# tests/r/reference_leniency_2013_input.csv holds the rows kentaudit's calibration section
# passes to auditor_leniency for params/cycle-2013.yaml (cycles 2010-2013, annual
# sample, with an auditor), written by the library's own loader; glmer as above.
d13 <- read.csv(file.path(out_dir, "reference_leniency_2013_input.csv"), stringsAsFactors = FALSE,
                na.strings = "",   # an unrecorded flag is missing: the audit is left out, as kentaudit
                colClasses = c(cycle = "character"))
d13$y <- as.integer(d13$overall_grade >= 3)
d13 <- d13[complete.cases(d13), ]
d13$risk_score <- rowSums(d13[, grep("^risk_", names(d13))] == "Y")
for (v in c("case_status", "age_band", "cycle", "district"))
  d13[[v]] <- factor(d13[[v]], levels = sort(unique(d13[[v]]), method = "radix"))
f13 <- glmer(y ~ case_status + age_band + risk_score + cycle + district + (1 | auditor),
             data = d13, family = binomial, nAGQ = 1,
             control = glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5)))
r13 <- ranef(f13, condVar = TRUE)$auditor
write.csv(data.frame(set = "cycle_2013", term = names(fixef(f13)), estimate = unname(fixef(f13)),
                     se = unname(sqrt(diag(as.matrix(vcov(f13)))))),
          file.path(out_dir, "reference_leniency_2013_fixed.csv"), row.names = FALSE)
write.csv(data.frame(set = "cycle_2013", auditor = rownames(r13), effect = r13[, 1],
                     se = sqrt(attr(r13, "postVar")[1, 1, ]),
                     sd_auditor = as.data.frame(VarCorr(f13))$sdcor[1]),
          file.path(out_dir, "reference_leniency_2013_auditors.csv"), row.names = FALSE)
print(VarCorr(f13)); print(logLik(f13))
