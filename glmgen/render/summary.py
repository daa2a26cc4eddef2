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
from .tables import Table, render_html, render_latex, render_markdown, render_text


@dataclass(frozen=True)
class Summary:
    """A list of tables; ``str()`` gives plain text."""

    tables: list[Table]

    def __str__(self) -> str:
        return "\n\n".join(render_text(t) for t in self.tables)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_markdown(self) -> str:
        """The tables as Markdown tables."""
        return "\n\n".join(render_markdown(t) for t in self.tables)

    def to_html(self) -> str:
        """The tables as HTML tables."""
        return "\n".join(render_html(t) for t in self.tables)

    def to_latex(self) -> str:
        """The tables as LaTeX ``table`` environments."""
        return "\n\n".join(render_latex(t) for t in self.tables)


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
        ["Deviance", fit.deviance],
        ["Null deviance", fit.null_deviance],
        ["Log-likelihood", fit.loglik],
        ["AIC / BIC / AICc", f"{fit.aic:.6g} / {fit.bic:.6g} / {fit.aicc:.6g}"],
        ["Dispersion", fit.scale],
        ["Converged (iterations)", f"{fit.converged} ({fit.n_iter})"],
    ]
    if penalty.is_penalized:
        header_rows.append(["Penalty", f"alpha={penalty.alpha:g}, l1_ratio={penalty.l1_ratio:g}, "
                                       f"standardize={penalty.standardize}"])
    header = Table("Generalized linear model", ["", "value"], header_rows,
                   notes=[f"Warning: {w}" for w in fit.warnings])
    table = fit.coef_table()
    statistic = "t" if fit.family.estimates_dispersion else "z"
    coefficients = Table(
        "Coefficients",
        ["", "estimate", "std. error", statistic, "p-value", "95% lower", "95% upper"],
        [[name, *row] for name, row in zip(table.index, table.to_numpy().tolist())],
        notes=(["Penalized fit: Wald inference does not apply (use the bootstrap)."] if penalty.is_penalized else [])
        + (["NA: aliased column (a linear combination of earlier columns)."] if table["estimate"].isna().any() else []),
    )
    return Summary([header, coefficients])
