# Reference tables for gg.anova, gg.drop1 and profile-likelihood intervals (issue 13), read by
# tests/selection/test_anova.py, tests/selection/test_add_drop.py and tests/fit/test_profile.py.
#
# Rerun from the repository root (R 4.2.2, MASS 7.3-58.2 were used):
#
#     Rscript tests/reference/r/profile_anova.R
#
# It reads CSVs already in tests/reference/data/ (lbw.csv, cpunish.csv, star98.csv: statsmodels' data;
# insurance.csv, quine.csv: written by tests/reference/r/families.R from MASS; scotland.csv: statsmodels' Scotland
# data, see tests/reference/README.md) and writes tests/reference/data/r_profile_anova.json with, per model,
#   anova(fit), anova(fit, test = "Chisq"), anova(fit, test = "F"),
#   drop1(fit), drop1(fit, test = "Chisq"), drop1(fit, test = "F"),
#   confint(fit) (MASS's profile-likelihood intervals; R 4.2's confint.glm is MASS's) at level 0.95 and 0.9;
# and add1 on a small Gamma model, and spline() on a few points.
# Each model is fitted with glm.control(epsilon = 1e-12): confint's profile refits use fitted$control, so the
# profile's deviances are then converged well beyond the digits compared. Every number is printed with
# sprintf("%.17g"); NA becomes null. Coefficient and term names are given in glmgen's spelling, in R's order.

suppressPackageStartupMessages(library(MASS))

out_dir <- file.path("tests", "reference", "data")
stopifnot(dir.exists(out_dir))
control <- glm.control(epsilon = 1e-12, maxit = 100)
read <- function(name) read.csv(file.path(out_dir, name))

# ------------------------------------------------------------------ JSON writer
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
str_json <- function(s) paste0('"', gsub('"', '\\\\"', s), '"')
to_json <- function(x, indent = "") {
  inner <- paste0(indent, " ")
  if (is.list(x)) {
    items <- vapply(names(x), function(k) paste0(inner, str_json(k), ": ", to_json(x[[k]], inner)), "")
    return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
  }
  values <- if (is.character(x)) str_json(x) else num(x)
  if (!is.null(names(x))) {
    items <- paste0(inner, str_json(names(x)), ": ", values)
    return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
  }
  if (length(x) == 1) values else paste0("[", paste(values, collapse = ", "), "]")
}

# ------------------------------------------------------------------ one model
column <- function(table, name) if (name %in% colnames(table)) unname(table[, name]) else rep(NA_real_, nrow(table))

anova_tables <- function(fit) {
  # R warns for the F test of binomial/poisson fits ("inappropriate") and, for glm.nb fits, that theta is held
  plain <- suppressWarnings(anova(fit))
  chisq <- suppressWarnings(anova(fit, test = "Chisq"))
  f <- suppressWarnings(anova(fit, test = "F"))
  list(rows = rownames(plain), df = column(plain, "Df"), deviance = column(plain, "Deviance"),
       resid_df = column(plain, "Resid. Df"), resid_dev = column(plain, "Resid. Dev"),
       chisq_pvalue = column(chisq, "Pr(>Chi)"), f_statistic = column(f, "F"), f_pvalue = column(f, "Pr(>F)"))
}

drop1_tables <- function(fit) {
  plain <- drop1(fit)
  lrt <- drop1(fit, test = "Chisq")
  f <- suppressWarnings(drop1(fit, test = "F"))  # R warns "F test assumes 'quasi...' family"
  lrt_name <- intersect(c("LRT", "scaled dev."), colnames(lrt))
  list(rows = rownames(plain), df = column(plain, "Df"), deviance = column(plain, "Deviance"),
       aic = column(plain, "AIC"), lrt_statistic = column(lrt, lrt_name), lrt_pvalue = column(lrt, "Pr(>Chi)"),
       f_statistic = column(f, "F value"), f_pvalue = column(f, "Pr(>F)"))
}

intervals <- function(fit, names, level) {
  ci <- suppressMessages(confint(fit, level = level))
  list(level = level, lower = setNames(ci[, 1], names), upper = setNames(ci[, 2], names))
}

record <- function(fit, r_call, glmgen, coef_names, term_labels) {
  stopifnot(fit$converged, length(coef_names) == length(coef(fit)))
  tables <- anova_tables(fit)
  drops <- drop1_tables(fit)
  stopifnot(length(term_labels) == length(tables$rows) - 1)
  tables$rows <- c("NULL", term_labels)
  drops$rows <- c("<none>", term_labels[match(drops$rows[-1], attr(terms(fit), "term.labels"))])
  c(list(r_call = r_call), glmgen, list(
    params = setNames(unname(coef(fit)), coef_names),
    deviance = fit$deviance,
    dispersion = summary(fit)$dispersion,
    anova = tables,
    drop1 = drops,
    confint = intervals(fit, coef_names, 0.95),
    confint_90 = intervals(fit, coef_names, 0.9)
  ))
}

cases <- list()

lbw <- read("lbw.csv")
fit <- glm(low ~ age + lwt + factor(race) + smoke + ptl + ht + ui + age:smoke, family = binomial, data = lbw,
           control = control)
cases$lbw_binomial <- record(
  fit, "glm(low ~ age + lwt + factor(race) + smoke + ptl + ht + ui + age:smoke, family = binomial, data = lbw)",
  list(data = "lbw.csv", formula = "low ~ age + lwt + C(race) + smoke + ptl + ht + ui + age:smoke",
       family = "binomial"),
  c("Intercept", "age", "lwt", "C(race)[T.other]", "C(race)[T.white]", "smoke", "ptl", "ht", "ui", "age:smoke"),
  c("age", "lwt", "C(race)", "smoke", "ptl", "ht", "ui", "age:smoke"))

star98 <- read("star98.csv")
fit <- glm(cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PERMINTE * AVYRSEXP,
           family = binomial, data = star98, control = control)
cases$star98_binomial <- record(
  fit, paste("glm(cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PERMINTE * AVYRSEXP,",
             "family = binomial, data = star98)"),
  list(data = "star98.csv", formula = "cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PERMINTE * AVYRSEXP",
       family = "binomial"),
  c("Intercept", "LOWINC", "PERASIAN", "PERBLACK", "PERHISP", "PERMINTE", "AVYRSEXP", "PERMINTE:AVYRSEXP"),
  c("LOWINC", "PERASIAN", "PERBLACK", "PERHISP", "PERMINTE", "AVYRSEXP", "PERMINTE:AVYRSEXP"))

cpunish <- read("cpunish.csv")
fit <- glm(EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + log(VC100k96) + SOUTH + DEGREE, family = poisson,
           data = cpunish, control = control)
cases$cpunish_poisson <- record(
  fit, "glm(EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + log(VC100k96) + SOUTH + DEGREE, family = poisson, data = cpunish)",
  list(data = "cpunish.csv", formula = "EXECUTIONS ~ INCOME + PERPOVERTY + PERBLACK + np.log(VC100k96) + SOUTH + DEGREE",
       family = "poisson"),
  c("Intercept", "INCOME", "PERPOVERTY", "PERBLACK", "np.log(VC100k96)", "SOUTH", "DEGREE"),
  c("INCOME", "PERPOVERTY", "PERBLACK", "np.log(VC100k96)", "SOUTH", "DEGREE"))

fit <- glm(EXECUTIONS ~ INCOME + PERPOVERTY + I(2 * PERPOVERTY) + SOUTH, family = poisson, data = cpunish,
           control = control)
cases$cpunish_poisson_aliased <- record(
  fit, "glm(EXECUTIONS ~ INCOME + PERPOVERTY + I(2 * PERPOVERTY) + SOUTH, family = poisson, data = cpunish)",
  list(data = "cpunish.csv", formula = "EXECUTIONS ~ INCOME + PERPOVERTY + I(2 * PERPOVERTY) + SOUTH",
       family = "poisson"),
  c("Intercept", "INCOME", "PERPOVERTY", "I(2 * PERPOVERTY)", "SOUTH"),
  c("INCOME", "PERPOVERTY", "I(2 * PERPOVERTY)", "SOUTH"))

insurance <- read("insurance.csv")
ins_names <- c("Intercept", paste0("C(District)[T.", 2:4, "]"), paste0("C(Group)[T.", 2:4, "]"),
               paste0("C(Age)[T.", 2:4, "]"))
fit <- glm(Claims ~ factor(District) + factor(Group) + factor(Age) + offset(log(Holders)), family = poisson,
           data = insurance, control = control)
cases$insurance_poisson_offset <- record(
  fit, paste("glm(Claims ~ factor(District) + factor(Group) + factor(Age) + offset(log(Holders)),",
             "family = poisson, data = insurance)"),
  list(data = "insurance.csv", formula = "Claims ~ C(District) + C(Group) + C(Age)", family = "poisson",
       offset = "np.log(Holders)"),
  ins_names, c("C(District)", "C(Group)", "C(Age)"))

fit <- glm(Claims / Holders ~ factor(District) + factor(Group) + factor(Age), family = quasipoisson,
           weights = Holders, data = insurance, control = control)
cases$insurance_quasipoisson_weights <- record(
  fit, paste("glm(Claims / Holders ~ factor(District) + factor(Group) + factor(Age), family = quasipoisson,",
             "weights = Holders, data = insurance)"),
  list(data = "insurance.csv", formula = "I(Claims / Holders) ~ C(District) + C(Group) + C(Age)",
       family = "quasipoisson", weights = "Holders"),
  ins_names, c("C(District)", "C(Group)", "C(Age)"))

quine <- read("quine.csv")
quine_names <- c("Intercept", "Eth[T.N]", "Sex[T.M]", "Age[T.F1]", "Age[T.F2]", "Age[T.F3]", "Lrn[T.SL]",
                 "Eth[T.N]:Sex[T.M]")
fit <- glm(log(Days + 1) ~ Eth * Sex + Age + Lrn, family = gaussian, data = quine, control = control)
cases$quine_gaussian <- record(
  fit, "glm(log(Days + 1) ~ Eth * Sex + Age + Lrn, family = gaussian, data = quine)",
  list(data = "quine.csv", formula = "np.log(Days + 1) ~ Eth * Sex + Age + Lrn", family = "gaussian"),
  quine_names, c("Eth", "Sex", "Age", "Lrn", "Eth:Sex"))

fit <- glm(Days ~ Eth * Sex + Age + Lrn, family = quasipoisson, data = quine, control = control)
cases$quine_quasipoisson <- record(
  fit, "glm(Days ~ Eth * Sex + Age + Lrn, family = quasipoisson, data = quine)",
  list(data = "quine.csv", formula = "Days ~ Eth * Sex + Age + Lrn", family = "quasipoisson"),
  quine_names, c("Eth", "Sex", "Age", "Lrn", "Eth:Sex"))

fit <- glm.nb(Days ~ Eth * Sex + Age + Lrn, data = quine, control = control)
cases$quine_negbin <- record(
  fit, "glm.nb(Days ~ Eth * Sex + Age + Lrn, data = quine)  # theta held at its estimate by anova, drop1, confint",
  list(data = "quine.csv", formula = "Days ~ Eth * Sex + Age + Lrn", family = "negative_binomial", theta = fit$theta),
  quine_names, c("Eth", "Sex", "Age", "Lrn", "Eth:Sex"))

scotland <- read("scotland.csv")
scot_terms <- c("COUTAX", "UNEMPF", "MOR", "ACT", "GDP", "AGE", "COUTAX_FEMALEUNEMP")
scot_formula <- paste("YES ~", paste(scot_terms, collapse = " + "))
fit <- glm(as.formula(scot_formula), family = Gamma, data = scotland, control = control)
cases$scotland_gamma <- record(
  fit, sprintf("glm(%s, family = Gamma, data = scotland)", scot_formula),
  list(data = "scotland.csv", formula = scot_formula, family = "gamma"),
  c("Intercept", scot_terms), scot_terms)

fit <- glm(YES ~ COUTAX + UNEMPF + MOR, family = Gamma(link = "log"), data = scotland, control = control)
cases$scotland_gamma_log <- record(
  fit, "glm(YES ~ COUTAX + UNEMPF + MOR, family = Gamma(link = 'log'), data = scotland)",
  list(data = "scotland.csv", formula = "YES ~ COUTAX + UNEMPF + MOR", family = "gamma", link = "log"),
  c("Intercept", "COUTAX", "UNEMPF", "MOR"), c("COUTAX", "UNEMPF", "MOR"))

# add1 on a Gamma model (its aic column and "scaled dev." use the small model's Pearson dispersion)
small <- glm(YES ~ COUTAX + UNEMPF, family = Gamma, data = scotland, control = control)
add1_tables <- function(fit, scope) {
  plain <- add1(fit, scope)
  lrt <- add1(fit, scope, test = "Chisq")
  f <- add1(fit, scope, test = "F")
  list(rows = rownames(plain), df = column(plain, "Df"), deviance = column(plain, "Deviance"),
       aic = column(plain, "AIC"), lrt_statistic = column(lrt, "scaled dev."), lrt_pvalue = column(lrt, "Pr(>Chi)"),
       f_statistic = column(f, "F value"), f_pvalue = column(f, "Pr(>F)"))
}
add1_gamma <- c(list(r_call = "add1(glm(YES ~ COUTAX + UNEMPF, family = Gamma, data = scotland), ~ . + MOR + ACT + GDP)",
                     data = "scotland.csv", formula = "YES ~ COUTAX + UNEMPF", family = "gamma",
                     scope = "~ . + MOR + ACT + GDP"),
                add1_tables(small, ~ . + MOR + ACT + GDP))

# R's spline() (method "fmm") on a profile-like set of points: the interpolation confint.profile.glm uses
spline_x <- c(-1.3, -0.9, -0.55, -0.2, 0, 0.35, 0.6, 1.1, 1.5)
spline_y <- c(-2.9, -2.1, -1.2, -0.45, 0, 0.8, 1.3, 2.4, 3.3)
spline_out <- spline(spline_x, spline_y)

result <- list(
  generated_by = "tests/reference/r/profile_anova.R",
  r_version = R.version.string,
  packages = list(MASS = as.character(packageVersion("MASS"))),
  control = "glm.control(epsilon = 1e-12, maxit = 100)",
  cases = cases,
  add1_gamma = add1_gamma,
  spline = list(x = spline_x, y = spline_y, out_x = spline_out$x, out_y = spline_out$y)
)
writeLines(to_json(result), file.path(out_dir, "r_profile_anova.json"))
