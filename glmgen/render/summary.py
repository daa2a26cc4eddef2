"""``GLMResult.summary()``: the model header and coefficient table of one fit as :class:`Table` records,
printable as text, Markdown, HTML and LaTeX.

:func:`fit_summary` is registered with :func:`glmgen.results.display.register`
as ``"fit_summary"``: ``GLMResult.summary()`` calls it through
:func:`glmgen.results.display.show`. It only lays out numbers the record holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..results import GLMResult, display
from .tables import (
    COEFFICIENT_KINDS,
    Table,
    format_value,
    render_html,
    render_latex,
    render_markdown,
    render_text,
)

HEADER_DIGITS = 5  # summary.glm prints deviances and AIC with 5 significant digits


@dataclass(frozen=True)
class Summary:
    """A list of tables; ``str()`` gives plain text."""

    tables: list[Table]

    def __str__(self) -> str:
        return "\n\n".join(render_text(t) for t in self.tables)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """The tables in one ``<div>`` (a notebook cell's single root element)."""
        return f"<div class=\"glmgen-summary\">{self.to_html()}</div>"

    def to_markdown(self) -> str:
        """The tables as Markdown tables."""
        return "\n\n".join(render_markdown(t) for t in self.tables)

    def to_html(self) -> str:
        """The tables as HTML tables."""
        return "\n".join(render_html(t) for t in self.tables)

    def to_latex(self) -> str:
        """The tables as LaTeX ``table`` environments."""
        return "\n\n".join(render_latex(t) for t in self.tables)


def convergence_text(converged: bool, n_iter: int) -> str:
    """``converged in 4 iterations`` / ``did not converge in 25 iterations`` (R: Fisher scoring iterations)."""
    return f"{'converged' if converged else 'did not converge'} in {n_iter} iteration{'' if n_iter == 1 else 's'}"


@display.register("fit_summary")
def fit_summary(fit: GLMResult) -> Summary:
    """Header (model, fit statistics) and coefficient table of one fit."""
    penalty = fit.penalty
    header_rows: list[list[Any]] = [
        ["Formula", fit.spec.formula],
        ["Family / link", f"{fit.family.name} / {fit.link.name}"],
        ["Observations", fit.nobs],
        ["Rows dropped (NA)", fit.n_dropped],
        ["Df model / residual", f"{fit.df_model:g} / {fit.df_resid:g}"],
        ["Deviance", format_value(fit.deviance, HEADER_DIGITS)],
        ["Null deviance", format_value(fit.null_deviance, HEADER_DIGITS)],
        ["Log-likelihood", format_value(fit.loglik, HEADER_DIGITS)],
        ["AIC / BIC / AICc", " / ".join(format_value(value, 6) for value in (fit.aic, fit.bic, fit.aicc))],
        ["Dispersion", fit.scale],
        ["Convergence", convergence_text(fit.converged, fit.n_iter)],
        ["Standard errors", "none (penalized fit)" if penalty.is_penalized else fit.cov_label],
    ]
    if fit.theta is not None:  # a negative binomial: R's summary.negbin prints "Theta: ...  Std. Err.: ..."
        shape = format_value(fit.theta, HEADER_DIGITS)
        if fit.theta_se is not None:
            shape += f" (std. error {format_value(fit.theta_se, HEADER_DIGITS)}, estimated)"
        header_rows.insert(2, ["Theta", shape])
    elif fit.family.parameters():  # a Tweedie power
        header_rows.insert(2, ["Family parameters", ", ".join(f"{k}={v:g}" for k, v in fit.family.parameters().items())])
    if fit.spec.response.modelled is not None:  # a factor response: which level is y = 1
        header_rows.insert(1, ["Modelled", fit.spec.response.modelled])
    if penalty.is_penalized:
        header_rows.append(["Penalty", f"alpha={penalty.alpha:g}, l1_ratio={penalty.l1_ratio:g}, "
                                       f"standardize={penalty.standardize}"])
    header = Table("Generalized linear model", ["", "value"], header_rows,
                   notes=[f"Warning: {w}" for w in fit.warnings], by_column=False)
    table = fit.coef_table()
    statistic = "t" if fit.family.estimates_dispersion and fit.cov_type == "nonrobust" else "z"
    coefficients = Table(
        "Coefficients",
        ["", "estimate", "std. error", statistic, "p-value", "95% lower", "95% upper"],
        [[name, *row] for name, row in zip(table.index, table.to_numpy().tolist())],
        kinds=COEFFICIENT_KINDS,
        notes=(["Penalized fit: Wald inference does not apply (use the bootstrap)."] if penalty.is_penalized else [])
        + (["NA: aliased column (a linear combination of earlier columns)."] if table["estimate"].isna().any() else []),
    )
    return Summary([header, coefficients])
