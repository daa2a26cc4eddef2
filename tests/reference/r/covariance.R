# Reference sandwich covariances and prediction standard errors for glmgen's cov_type= and get_prediction,
# read by tests/stats/test_covariance.py and tests/results/test_get_prediction.py.
#
# Rerun from the repository root (R 4.2.2 and sandwich 3.0.2 were used):
#
#     Rscript tests/reference/r/covariance.R
#
# It reads CSV files of tests/reference/data/ (exported from statsmodels or written by families.R, see
# tests/reference/README.md) and writes tests/reference/data/r_covariance.json. For each case: the
# coefficient names (R's), the standard errors of sandwich::vcovHC(fit, type = "HC0" ... "HC3"), of
# sandwich::vcovCL(fit, cluster = block, type = "HC1") (statsmodels' default cluster correction
# G/(G-1) (n-1)/(n-k)), the full HC3 and cluster matrices, and predict(fit, newdata = the first 6 rows,
# se.fit = TRUE) on the link and response scales. The clusters are blocks of consecutive rows,
# block = (row - 1) %/% block_size, which the tests rebuild. Numbers are written with sprintf("%.17g").

suppressPackageStartupMessages(library(sandwich))

data_dir <- file.path("tests", "reference", "data")
control <- glm.control(epsilon = 1e-14, maxit = 100)

num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
quote_json <- function(s) paste0('"', gsub('"', '\\\\"', s), '"')
json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x)) {
    items <- vapply(names(x), function(k) paste0(inner, quote_json(k), ": ", json(x[[k]], inner)), "")
    return(paste0("{\n", paste(items, collapse = ",\n"), "\n", indent, "}"))
  }
  if (is.matrix(x)) return(paste0("[", paste(apply(x, 1, function(r) json(unname(r))), collapse = ", "), "]"))
  values <- if (is.character(x)) quote_json(x) else num(x)
  if (length(x) == 1 && is.null(attr(x, "array"))) values else paste0("[", paste(values, collapse = ", "), "]")
}

se <- function(v) sqrt(diag(v))

case <- function(data_file, formula, family, block_size, glmgen) {
  data <- read.csv(file.path(data_dir, data_file))
  data$block <- (seq_len(nrow(data)) - 1) %/% block_size
  fit <- glm(formula, family = family, data = data, control = control)
  stopifnot(fit$converged)
  new <- data[1:6, ]
  link <- predict(fit, newdata = new, se.fit = TRUE, type = "link")
  response <- predict(fit, newdata = new, se.fit = TRUE, type = "response")
  cluster <- vcovCL(fit, cluster = data$block, type = "HC1")
  list(
    data = data_file,
    r_call = sprintf("glm(%s, family = %s(link = \"%s\"))", paste(deparse(formula), collapse = " "),
                     family$family, family$link),
    glmgen = glmgen,
    block_size = block_size,
    names = structure(names(coef(fit)), array = TRUE),
    params = unname(coef(fit)),
    bse_nonrobust = unname(se(vcov(fit))),
    bse_HC0 = unname(se(vcovHC(fit, type = "HC0"))),
    bse_HC1 = unname(se(vcovHC(fit, type = "HC1"))),
    bse_HC2 = unname(se(vcovHC(fit, type = "HC2"))),
    bse_HC3 = unname(se(vcovHC(fit, type = "HC3"))),
    bse_cluster = unname(se(cluster)),
    cov_HC3 = unname(vcovHC(fit, type = "HC3")),
    cov_cluster = unname(cluster),
    n_clusters = length(unique(data$block)),
    predict_link = unname(link$fit),
    predict_link_se = unname(link$se.fit),
    predict_response = unname(response$fit),
    predict_response_se = unname(response$se.fit)
  )
}

cases <- list(
  binomial_lbw = case("lbw.csv", low ~ age + lwt + race + smoke, binomial(), 10,
                      list(formula = "low ~ age + lwt + race + smoke", family = "binomial", link = "logit")),
  poisson_insurance = case(
    "insurance.csv", Claims ~ factor(District) + factor(Group) + factor(Age) + offset(log(Holders)), poisson(), 8,
    list(formula = "Claims ~ C(District) + C(Group) + C(Age)", family = "poisson", link = "log",
         offset = "np.log(Holders)")),
  gaussian_scotland = case("scotland.csv", YES ~ COUTAX + UNEMPF + MOR + ACT, gaussian(), 4,
                           list(formula = "YES ~ COUTAX + UNEMPF + MOR + ACT", family = "gaussian",
                                link = "identity")),
  gaussian_log = case("gaussian_log.csv", y ~ x + x2, gaussian(link = "log"), 10,
                      list(formula = "y ~ x + x2", family = "gaussian", link = "log")),
  binomial_star98 = case("star98.csv", cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT,
                         binomial(), 20,
                         list(formula = "cbind(NABOVE, NBELOW) ~ LOWINC + PERASIAN + PERBLACK + PERHISP + PCTCHRT",
                              family = "binomial", link = "logit")),
  gamma_scotland = case("scotland.csv", YES ~ COUTAX + UNEMPF + MOR + ACT, Gamma(), 4,
                        list(formula = "YES ~ COUTAX + UNEMPF + MOR + ACT", family = "gamma", link = "inverse"))
)

versions <- list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")))
writeLines(json(list(versions = versions, cases = cases)), file.path(data_dir, "r_covariance.json"))
