# Reference fits for the families of issue 13 (Gamma, inverse Gaussian, quasi-Poisson, quasi-binomial,
# negative binomial, Tweedie) and MASS::stepAIC searches, read by tests/fit/test_families_reference.py,
# tests/model/test_new_families.py and tests/sklearn/test_sklearn_families.py.
#
# Rerun from the repository root (R 4.2.2, MASS 7.3-58.2, statmod 1.5.0 were used):
#
#     Rscript tests/reference/r/families.R
#
# It (re)writes three data files from R's own sources -- tests/reference/data/quine.csv (MASS::quine),
# insurance.csv (MASS::Insurance, the ordered factors Group and Age written as their integer codes 1..4 so
# that treatment contrasts and level order agree between R and patsy) and tweedie_sim.csv (a compound
# Poisson-gamma sample drawn below with set.seed(13)) -- then reads those and scotland.csv / cancer.csv
# (exported from statsmodels, see tests/reference/README.md) and writes tests/reference/data/r_families.json.
# Every number is printed with sprintf("%.17g") (jsonlite is not needed); NA becomes null.
#
# Each case stores the glmgen formula and arguments next to the R call; coefficient names are translated to
# glmgen's design column names ("(Intercept)" -> "Intercept", "EthN" -> "Eth[T.N]",
# "factor(drug)2" -> "C(drug)[T.2]").

suppressPackageStartupMessages({
  library(MASS)
  library(statmod)
})

out_dir <- file.path("tests", "reference", "data")
stopifnot(dir.exists(out_dir))
control <- glm.control(epsilon = 1e-14, maxit = 100)

# ------------------------------------------------------------------ data written from R
write.csv(quine, file.path(out_dir, "quine.csv"), row.names = FALSE)
insurance <- data.frame(District = as.integer(Insurance$District), Group = as.integer(Insurance$Group),
                        Age = as.integer(Insurance$Age), Holders = Insurance$Holders, Claims = Insurance$Claims)
write.csv(insurance, file.path(out_dir, "insurance.csv"), row.names = FALSE)

# Compound Poisson-gamma (Tweedie, p = 1.5, phi = 2) with log mean 0.5 + 0.8 x1 - 0.5 x2: N ~ Poisson(lambda)
# gamma jumps of shape a and scale s, lambda = mu^(2-p) / (phi (2-p)), a = (2-p)/(p-1), s = phi (p-1) mu^(p-1).
set.seed(13)
n <- 200
x1 <- round(runif(n), 4)
x2 <- round(rnorm(n), 4)
mu <- exp(0.5 + 0.8 * x1 - 0.5 * x2)
p <- 1.5
phi <- 2
jumps <- rpois(n, mu^(2 - p) / (phi * (2 - p)))
y <- ifelse(jumps > 0, rgamma(n, shape = pmax(jumps, 1) * (2 - p) / (p - 1), scale = phi * (p - 1) * mu^(p - 1)), 0)
write.csv(data.frame(y = signif(y, 10), x1 = x1, x2 = x2), file.path(out_dir, "tweedie_sim.csv"), row.names = FALSE)

read <- function(name) read.csv(file.path(out_dir, name))
scotland <- read("scotland.csv")
cancer <- read("cancer.csv")
quine_csv <- read("quine.csv")
insurance_csv <- read("insurance.csv")
tweedie_sim <- read("tweedie_sim.csv")
star98 <- read("star98.csv")

# ------------------------------------------------------------------ JSON writer
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
str_json <- function(s) paste0('"', gsub('"', '\\\\"', gsub("\\\\", "\\\\\\\\", s)), '"')
to_json <- function(x, indent = "") {
  inner <- paste0(indent, " ")
  if (is.list(x)) {
    items <- vapply(names(x), function(k) paste0(inner, str_json(k), ": ", to_json(x[[k]], inner)), "")
    return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
  }
  value <- if (is.character(x)) str_json(x) else num(x)
  if (!is.null(names(x))) {
    items <- paste0(inner, str_json(names(x)), ": ", value)
    return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
  }
  if (length(x) == 1) value else paste0("[", paste(value, collapse = ", "), "]")
}

# ------------------------------------------------------------------ one case
glmgen_names <- function(r_names, factors) {
  out <- sub("^\\(Intercept\\)$", "Intercept", r_names)
  out <- sub("^factor\\(([A-Za-z0-9_]+)\\)(.+)$", "C(\\1)[T.\\2]", out)
  for (f in factors) out <- sub(paste0("^", f, "(.+)$"), paste0(f, "[T.\\1]"), out)
  out
}

maybe <- function(expr) tryCatch(as.numeric(expr), error = function(e) NA_real_)

record <- function(fit, glmgen, r_call, data_file, factors = character(), dispersion = NULL, extra = list()) {
  s <- if (is.null(dispersion)) summary(fit) else summary(fit, dispersion = dispersion)
  coefs <- coef(fit)
  names(coefs) <- glmgen_names(names(coefs), factors)
  bse <- s$coefficients[, "Std. Error"]
  names(bse) <- names(coefs)
  stopifnot(fit$converged)
  case <- c(list(
    r_call = r_call,
    data = data_file,
    params = coefs,
    bse = bse,
    deviance = fit$deviance,
    null_deviance = fit$null.deviance,
    df_resid = fit$df.residual,
    df_null = fit$df.null,
    nobs = maybe(nobs(fit)),
    scale = s$dispersion,
    pearson_chi2 = sum(residuals(fit, type = "pearson")^2),
    loglik = maybe(logLik(fit)),
    aic = maybe(AIC(fit)),
    bic = maybe(BIC(fit)),
    r_iter = fit$iter
  ), glmgen, extra)
  case
}

cases <- list()
scot_formula <- "YES ~ COUTAX + UNEMPF + MOR + ACT + GDP + AGE + COUTAX_FEMALEUNEMP"
for (link in c("inverse", "log", "identity")) {
  fit <- glm(as.formula(scot_formula), family = Gamma(link = link), data = scotland, control = control)
  cases[[paste0("scotland_gamma_", link)]] <- record(
    fit, list(formula = scot_formula, family = "gamma", link = link),
    sprintf("glm(%s, family = Gamma(link = '%s'), data = scotland)", scot_formula, link), "scotland.csv")
}

cancer_r <- studytime ~ age + factor(drug)
for (link in c("inverse", "log", "identity")) {
  fit <- glm(cancer_r, family = Gamma(link = link), data = cancer, control = control)
  cases[[paste0("cancer_gamma_", link)]] <- record(
    fit, list(formula = "studytime ~ age + C(drug)", family = "gamma", link = link),
    sprintf("glm(studytime ~ age + factor(drug), family = Gamma(link = '%s'), data = cancer)", link), "cancer.csv")
}
for (link in c("1/mu^2", "log")) {
  fit <- glm(cancer_r, family = inverse.gaussian(link = link), data = cancer, control = control)
  key <- if (link == "log") "cancer_inverse_gaussian_log" else "cancer_inverse_gaussian_canonical"
  cases[[key]] <- record(
    fit, list(formula = "studytime ~ age + C(drug)", family = "inverse_gaussian", link = link),
    sprintf("glm(studytime ~ age + factor(drug), family = inverse.gaussian(link = '%s'), data = cancer)", link),
    "cancer.csv")
}

quine_formula <- Days ~ Eth + Sex + Age + Lrn
quine_factors <- c("Eth", "Sex", "Age", "Lrn")
fit <- glm(quine_formula, family = quasipoisson, data = quine_csv, control = control)
cases$quine_quasipoisson <- record(
  fit, list(formula = "Days ~ Eth + Sex + Age + Lrn", family = "quasipoisson"),
  "glm(Days ~ Eth + Sex + Age + Lrn, family = quasipoisson, data = quine)", "quine.csv", quine_factors)
fit <- glm(quine_formula, family = poisson, data = quine_csv, control = control)
cases$quine_poisson <- record(
  fit, list(formula = "Days ~ Eth + Sex + Age + Lrn", family = "poisson"),
  "glm(Days ~ Eth + Sex + Age + Lrn, family = poisson, data = quine)", "quine.csv", quine_factors)

star_formula <- "cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT"
fit <- glm(as.formula(star_formula), family = quasibinomial, data = star98, control = control)
cases$star98_quasibinomial <- record(
  fit, list(formula = star_formula, family = "quasibinomial"),
  sprintf("glm(%s, family = quasibinomial, data = star98)", star_formula), "star98.csv")

nb <- glm.nb(quine_formula, data = quine_csv, control = control)
cases$quine_negative_binomial <- record(
  nb, list(formula = "Days ~ Eth + Sex + Age + Lrn", family = "negative_binomial"),
  "MASS::glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = glm.control(epsilon = 1e-14, maxit = 100))",
  "quine.csv", quine_factors, extra = list(estimated_theta = nb$theta, estimated_theta_se = nb$SE.theta,
                                            twologlik = nb$twologlik))
fit <- glm(quine_formula, family = negative.binomial(2), data = quine_csv, control = control)
cases$quine_negative_binomial_theta2 <- record(
  fit, list(formula = "Days ~ Eth + Sex + Age + Lrn", family = "negative_binomial", theta = 2),
  "glm(Days ~ Eth + Sex + Age + Lrn, family = MASS::negative.binomial(2), data = quine); bse of summary(fit, dispersion = 1)",
  "quine.csv", quine_factors, dispersion = 1)

fit <- glm(Claims / Holders ~ factor(District) + factor(Group) + factor(Age), weights = Holders,
           family = tweedie(var.power = 1.5, link.power = 0), data = insurance_csv, control = control)
cases$insurance_tweedie <- record(
  fit, list(formula = "I(Claims / Holders) ~ C(District) + C(Group) + C(Age)", family = "tweedie", var_power = 1.5,
            link = "log", weights = "Holders"),
  paste("glm(Claims / Holders ~ factor(District) + factor(Group) + factor(Age), weights = Holders,",
        "family = statmod::tweedie(var.power = 1.5, link.power = 0), data = insurance)"), "insurance.csv")
fit <- glm(y ~ x1 + x2, family = tweedie(var.power = 1.5, link.power = 0), data = tweedie_sim, control = control)
cases$tweedie_sim <- record(
  fit, list(formula = "y ~ x1 + x2", family = "tweedie", var_power = 1.5, link = "log"),
  "glm(y ~ x1 + x2, family = statmod::tweedie(var.power = 1.5, link.power = 0), data = tweedie_sim)",
  "tweedie_sim.csv", extra = list(zeros = sum(tweedie_sim$y == 0)))

# Stepwise selection by AIC (MASS::stepAIC, both directions from the full model): the final terms, the AIC of the
# final model (R's AIC(), counting the Gamma dispersion and the re-estimated theta) and, for glm.nb, its theta.
step_record <- function(start, r_call, glmgen) {
  final <- stepAIC(start, direction = "both", trace = 0)
  c(list(r_call = r_call, terms = attr(terms(final), "term.labels"), aic = AIC(final),
         deviance = final$deviance), glmgen, if (inherits(final, "negbin")) list(theta = final$theta) else list())
}
steps <- list(
  scotland_gamma = step_record(
    glm(as.formula(scot_formula), family = Gamma, data = scotland, control = control),
    sprintf("stepAIC(glm(%s, family = Gamma, data = scotland))", scot_formula),
    list(data = "scotland.csv", formula = scot_formula, family = "gamma")),
  quine_negative_binomial = step_record(
    nb, "stepAIC(glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine))",
    list(data = "quine.csv", formula = "Days ~ Eth + Sex + Age + Lrn", family = "negative_binomial"))
)

result <- list(
  generated_by = "tests/reference/r/families.R",
  r_version = R.version.string,
  packages = c(MASS = as.character(packageVersion("MASS")), statmod = as.character(packageVersion("statmod"))),
  control = "glm.control(epsilon = 1e-14, maxit = 100)",
  cases = cases,
  stepwise = steps
)
writeLines(to_json(result), file.path(out_dir, "r_families.json"))
cat("wrote", length(cases), "cases\n")
