## Reference values for kentaudit's ordinal, between-district, case-mix,
## agreement and allocation methods (issue 3, items 3-6).
##
## Run from the repository root with:   Rscript tests/r/reference_more.R
## Needs R 4.2 with base stats, MASS (recommended package), and Debian's
## r-cran-vcd and r-cran-coin (apt-get install -y r-cran-vcd r-cran-coin).
## It writes tests/r/reference_more_*.csv in long form (case, name, value);
## the Python tests read those CSVs and never run R.
##
## Functions used as references: wilcox.test, MASS::polr, prop.test,
## prop.trend.test, coin::lbl_test, chisq.test (also simulate.p.value),
## fisher.test, p.adjust, glm(binomial) + anova(test = "LRT"), vcd::Kappa.
## Where R has no function (Cramer's V and Bergsma's bias correction, the N-1
## chi-square, Newcombe's hybrid score interval, the null SE of kappa, the
## capped largest-remainder allocation) the published formula is written out
## here independently of the Python code.
suppressMessages({library(MASS); library(vcd); library(coin)})
options(digits = 17)
rows <- list()
add <- function(topic, case, name, value) {
  rows[[length(rows) + 1]] <<- data.frame(topic = topic, case = case, name = name,
                                         value = as.numeric(value))
}

## ---- 1. ordinal grades ----
ga <- c(1, 2, 2, 3, 3, 3, 4, 2, 2, 1, 3, 2, 2, 3, 1, 2, 3, 3, 2, 4)
gb <- c(2, 3, 3, 4, 4, 3, 2, 3, 4, 4, 3, 3, 2, 3, 4, 3, 2, 1, 3, 4, 4, 3)
for (cc in c(TRUE, FALSE)) {
  w <- wilcox.test(gb, ga, correct = cc, exact = FALSE)
  case <- if (cc) "wilcox_correct" else "wilcox_nocorrect"
  add("ordinal", case, "W", w$statistic)
  add("ordinal", case, "p_value", w$p.value)
}
df <- data.frame(y = factor(c(ga, gb), levels = 1:4, ordered = TRUE),
                 s = c(rep(0, length(ga)), rep(1, length(gb))))
pm <- polr(y ~ s, data = df, method = "logistic", Hess = TRUE, control = list(reltol = 1e-14))
add("ordinal", "polr", "coef", coef(pm)["s"])
add("ordinal", "polr", "se", sqrt(vcov(pm)["s", "s"]))
for (k in 1:3) add("ordinal", "polr", paste0("zeta", k), pm$zeta[k])
# Wilson intervals for the grade distribution and collapses of sample a
for (k in 1:4) {
  ci <- prop.test(sum(ga == k), length(ga), correct = FALSE)$conf.int
  add("ordinal", paste0("dist_a_grade", k), "ci_low", ci[1])
  add("ordinal", paste0("dist_a_grade", k), "ci_high", ci[2])
}
ci <- prop.test(sum(ga <= 2), length(ga), correct = FALSE, conf.level = 0.9)$conf.int
add("ordinal", "a_good_or_better_90", "ci_low", ci[1]); add("ordinal", "a_good_or_better_90", "ci_high", ci[2])
ci <- prop.test(sum(ga == 4), length(ga), correct = FALSE, conf.level = 0.9)$conf.int
add("ordinal", "a_inadequate_90", "ci_low", ci[1]); add("ordinal", "a_inadequate_90", "ci_high", ci[2])

# trend over ordered cycles
tx <- c(15, 10, 8, 5); tn <- c(40, 42, 38, 41)
for (sc in list(list("trend_default", 1:4), list("trend_years", c(2009, 2010, 2012, 2013)))) {
  pt <- prop.trend.test(tx, tn, score = sc[[2]])
  add("ordinal", sc[[1]], "ca_statistic", pt$statistic)
  add("ordinal", sc[[1]], "ca_p_value", pt$p.value)
  # linear-by-linear: coin::lbl_test on the expanded data, and M^2 = (N - 1) r^2
  yy <- unlist(mapply(function(x, n) c(rep(1, x), rep(0, n - x)), tx, tn))
  ss <- rep(sc[[2]], tn)
  lb <- independence_test(yy ~ ss, distribution = "asymptotic")  # numeric x numeric = linear-by-linear
  add("ordinal", sc[[1]], "lbl_z", statistic(lb))
  add("ordinal", sc[[1]], "lbl_p_value", pvalue(lb))
  add("ordinal", sc[[1]], "lbl_formula", (sum(tn) - 1) * cor(yy, ss)^2)
}

## ---- 2. between districts ----
dense <- cbind(yes = c(40, 35, 30, 44, 28, 50, 20, 41, 55, 60, 25, 18),
               no = c(20, 22, 25, 15, 20, 18, 15, 25, 30, 40, 12, 14))
cs <- chisq.test(dense, correct = FALSE)
add("association", "dense", "statistic", cs$statistic)
add("association", "dense", "df", cs$parameter)
add("association", "dense", "p_value", cs$p.value)
cramer <- function(t) {
  x2 <- suppressWarnings(chisq.test(t, correct = FALSE)$statistic); n <- sum(t)
  r <- nrow(t); k <- ncol(t)
  v <- sqrt(x2 / (n * (min(r, k) - 1)))
  phi2 <- max(0, x2 / n - (k - 1) * (r - 1) / (n - 1))     # Bergsma (2013)
  rt <- r - (r - 1)^2 / (n - 1); kt <- k - (k - 1)^2 / (n - 1)
  c(v, sqrt(phi2 / min(kt - 1, rt - 1)))
}
cv <- cramer(dense)
add("association", "dense", "cramers_v", cv[1]); add("association", "dense", "cramers_v_bc", cv[2])
sparse <- cbind(yes = c(10, 8, 3, 5, 1, 7), no = c(2, 4, 9, 5, 3, 1))
cs <- suppressWarnings(chisq.test(sparse, correct = FALSE))
add("association", "sparse", "statistic", cs$statistic)
set.seed(1)
sim <- chisq.test(sparse, correct = FALSE, simulate.p.value = TRUE, B = 2e6)
add("association", "sparse", "mc_p_value", sim$p.value)
add("association", "sparse", "mc_B", 2e6)
cv <- cramer(sparse)
add("association", "sparse", "cramers_v", cv[1]); add("association", "sparse", "cramers_v_bc", cv[2])
s22 <- matrix(c(9, 1, 3, 4), 2, byrow = TRUE)
add("association", "sparse2x2", "fisher_p_value", fisher.test(s22)$p.value)
add("association", "sparse2x2", "statistic", suppressWarnings(chisq.test(s22, correct = FALSE))$statistic)

# two groups: N-1 chi-square (Campbell 2007), Fisher, Newcombe hybrid score
newcombe <- function(x1, n1, x2, n2, conf = 0.95) {
  w1 <- prop.test(x1, n1, correct = FALSE, conf.level = conf)$conf.int
  w2 <- prop.test(x2, n2, correct = FALSE, conf.level = conf)$conf.int
  p1 <- x1 / n1; p2 <- x2 / n2; d <- p1 - p2
  c(d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2), d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
pairs <- list(c(56, 70, 48, 80), c(40, 60, 483, 699), c(9, 10, 3, 7), c(2, 12, 300, 400), c(5, 5, 60, 90))
for (i in seq_along(pairs)) {
  q <- pairs[[i]]; t <- matrix(c(q[1], q[2] - q[1], q[3], q[4] - q[3]), 2, byrow = TRUE)
  case <- paste0("pair", i); N <- sum(t)
  x2 <- suppressWarnings(chisq.test(t, correct = FALSE))
  add("association", case, "x1", q[1]); add("association", case, "n1", q[2])
  add("association", case, "x2", q[3]); add("association", case, "n2", q[4])
  add("association", case, "min_expected", min(x2$expected))
  add("association", case, "n1_chisq", x2$statistic * (N - 1) / N)
  add("association", case, "n1_p_value", pchisq(x2$statistic * (N - 1) / N, 1, lower.tail = FALSE))
  add("association", case, "fisher_p_value", fisher.test(t)$p.value)
  nc <- newcombe(q[1], q[2], q[3], q[4])
  add("association", case, "newcombe_low", nc[1]); add("association", case, "newcombe_high", nc[2])
}
# multiplicity
pv <- c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.5, 0.9, 0.03)
for (m in c("holm", "BH", "bonferroni")) {
  pa <- p.adjust(pv, method = m)
  for (i in seq_along(pv)) add("multiplicity", m, paste0("p", i), pa[i])
}

## ---- 3. case-mix adjusted logistic model ----
cm <- read.csv(file.path("tests", "r", "reference_more_casemix_data.csv"),
               na.strings = "", stringsAsFactors = FALSE)
cm <- cm[!is.na(cm$c_seen) & cm$c_seen %in% c("Y", "N"), ]
flags <- c("risk_under1", "risk_domestic_abuse", "risk_mental_health", "risk_substance",
           "risk_violent_partner", "risk_repeat_plan")
cm <- cm[complete.cases(cm[, c("district", "case_status", "age_band", flags)]), ]
cm$y <- as.integer(cm$c_seen == "Y")
cm$district <- factor(cm$district)                      # reference = first by name (Ashford)
cm$case_status <- factor(cm$case_status, levels = c("s47", "cp_plan", "cin", "lac"))
cm$age_band <- factor(cm$age_band, levels = c("unborn", "under_1", "1-4", "5-9", "10-15", "16-17"))
for (f in flags) cm[[f]] <- as.integer(cm[[f]] == "Y")
fml_r <- as.formula(paste("y ~ case_status + age_band +", paste(flags, collapse = " + ")))
fml_f <- as.formula(paste("y ~ district + case_status + age_band +", paste(flags, collapse = " + ")))
full <- glm(fml_f, data = cm, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
red <- glm(fml_r, data = cm, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
co <- summary(full)$coefficients
rename <- function(t) {
  for (v in c("district", "case_status", "age_band"))
    if (startsWith(t, v)) return(paste0(v, "[", substring(t, nchar(v) + 1), "]"))
  t
}
for (i in seq_len(nrow(co))) {
  t <- rename(rownames(co)[i]); if (t == "(Intercept)") t <- "const"
  add("casemix", t, "coef", co[i, 1]); add("casemix", t, "se", co[i, 2])
}
lrt <- anova(red, full, test = "LRT")
add("casemix", "lrt", "statistic", lrt$Deviance[2]); add("casemix", "lrt", "df", lrt$Df[2])
add("casemix", "lrt", "p_value", lrt$`Pr(>Chi)`[2]); add("casemix", "lrt", "n_used", nrow(cm))
add("casemix", "lrt", "deviance_full", deviance(full)); add("casemix", "lrt", "deviance_reduced", deviance(red))

## ---- 4. agreement ----
# Agresti (2002) CDA 2nd ed. section 10.5: pathologists' carcinoma ratings (Landis & Koch 1977)
path <- matrix(c(22, 2, 2, 0, 5, 7, 14, 0, 0, 2, 36, 0, 0, 1, 17, 10), 4, byrow = TRUE)
# a moderation table with an empty category (no grade 1 given by the moderator)
modt <- matrix(c(0, 3, 0, 0, 0, 14, 5, 1, 0, 2, 20, 6, 0, 0, 1, 8), 4, byrow = TRUE)
null_se <- function(t, w) {          # Fleiss, Cohen & Everitt (1969), kappa = 0
  n <- sum(t); p <- t / n; r <- rowSums(p); c <- colSums(p)
  pe <- sum(w * outer(r, c))
  wr <- as.vector(w %*% c); wc <- as.vector(t(w) %*% r)
  v <- (sum(outer(r, c) * (w - outer(wr, wc, "+"))^2) - pe^2) / (n * (1 - pe)^2)
  sqrt(v)
}
K <- 4
wts <- list(unweighted = diag(K),
            linear = outer(1:K, 1:K, function(i, j) 1 - abs(i - j) / (K - 1)),
            quadratic = outer(1:K, 1:K, function(i, j) 1 - ((i - j) / (K - 1))^2))
for (tb in list(list("pathologists", path), list("moderation", modt))) {
  kk <- Kappa(tb[[2]], weights = "Equal-Spacing")
  kq <- Kappa(tb[[2]], weights = "Fleiss-Cohen")
  vals <- list(unweighted = kk$Unweighted, linear = kk$Weighted, quadratic = kq$Weighted)
  for (nm in names(vals)) {
    case <- paste0(tb[[1]], "_", nm)
    add("agreement", case, "kappa", vals[[nm]]["value"])
    add("agreement", case, "ase", vals[[nm]]["ASE"])
    add("agreement", case, "se_null", null_se(tb[[2]], wts[[nm]]))
  }
  ci <- confint(kk); add("agreement", paste0(tb[[1]], "_linear"), "ci_low", ci[2, 1])
  add("agreement", paste0(tb[[1]], "_linear"), "ci_high", ci[2, 2])
  add("agreement", paste0(tb[[1]], "_unweighted"), "ci_low", ci[1, 1])
  add("agreement", paste0(tb[[1]], "_unweighted"), "ci_high", ci[1, 2])
  ci <- confint(kq); add("agreement", paste0(tb[[1]], "_quadratic"), "ci_low", ci[2, 1])
  add("agreement", paste0(tb[[1]], "_quadratic"), "ci_high", ci[2, 2])
  add("agreement", paste0(tb[[1]], "_percent"), "agreement", sum(diag(tb[[2]])) / sum(tb[[2]]))
}
# sign test of moderation direction: 7 worse, 2 better
add("agreement", "sign_test", "p_value", binom.test(7, 9)$p.value)

## ---- 5. allocation (capped, largest-remainder) ----
allocate_r <- function(N, n, w, floor_ = 0) {
  H <- length(N); lower <- pmin(floor_, N); fixed <- rep(NA_real_, H)
  repeat {
    free <- is.na(fixed); rest <- n - sum(fixed, na.rm = TRUE)
    t <- rep(NA_real_, H); t[free] <- rest * w[free] / sum(w[free])
    over <- free & t > N; under <- free & t < lower
    if (!any(over) && !any(under)) { fixed[free] <- t[free]; break }
    if (any(over)) fixed[over] <- N[over] else fixed[under] <- lower[under]
  }
  base <- pmin(floor(fixed + 1e-9), N); left <- n - sum(base)
  fr <- fixed - base; ord <- order(-round(fr, 12), seq_len(H))
  ord <- ord[base[ord] < N[ord]]
  if (left > 0) base[ord[1:left]] <- base[ord[1:left]] + 1
  list(target = fixed, n = base)
}
kent <- read.csv(file.path("kentaudit", "data", "districts.csv"), stringsAsFactors = FALSE)
kent <- kent[order(kent$district), ]
Nk <- kent$children_on_plans
pk <- c(0.6, 0.7, 0.8, 0.65, 0.9, 0.75, 0.85, 0.5, 0.55, 0.6, 0.95, 0.7)   # anticipated p
cases <- list(
  list("kent_prop_300", Nk, 300, Nk, 0),
  list("kent_equal_600", Nk, 600, rep(1, 12), 0),          # caps bind (Tunbridge Wells 56, ...)
  list("kent_equal_1000", Nk, 1000, rep(1, 12), 0),
  list("kent_neyman_300", Nk, 300, Nk * sqrt(pk * (1 - pk)), 0),
  list("kent_prop_120_min8", Nk, 120, Nk, 8),
  list("stratallo_neyman_190", c(3000, 4000, 5000, 2000), 190, c(3000, 4000, 5000, 2000) * c(48, 79, 76, 16), 0),
  list("exam_neyman_10", c(500, 300, 200), 10, c(500, 300, 200) * c(1, 5, 5), 0))
for (cc in cases) {
  a <- allocate_r(cc[[2]], cc[[3]], cc[[4]], cc[[5]])
  for (h in seq_along(a$n)) {
    add("allocation", cc[[1]], paste0("target", h), a$target[h])
    add("allocation", cc[[1]], paste0("n", h), a$n[h])
  }
}

res <- do.call(rbind, rows)
for (tp in unique(res$topic)) {
  write.csv(res[res$topic == tp, c("case", "name", "value")],
            file.path("tests", "r", paste0("reference_more_", tp, ".csv")), row.names = FALSE)
}
