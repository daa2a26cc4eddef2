"""Reports: a fit's summary in four formats, and the generalization report (gg.report).

Writes ``crime_report.html`` and ``crime_report.md`` (with ``crime_report_figures/``)
to the current directory. Small n_boot and folds keep it fast.
"""

# --8<-- [start:summary]
import glmgen as gg
from statsmodels.datasets import statecrime

states = statecrime.load_pandas().data
fit = gg.glm("murder ~ poverty + single + urban", states)
summary = fit.summary()
print(summary)                       # plain text
markdown = summary.to_markdown()     # also to_html() and to_latex()
# --8<-- [end:summary]
assert "| Formula | murder ~ poverty + single + urban |" in markdown
assert "\\begin{" in summary.to_latex() and "<table" in summary.to_html()

# --8<-- [start:report]
report = gg.report("murder ~ poverty + single + urban + hs_grad + white", states,
                   select="cv_1se", folds=5, n_boot=20, seed=0)
print(report.headline)
print(report.to_text(sections=("generalization",)))
report.save("crime_report.html")     # one self-contained file
report.save("crime_report.md")       # Markdown, figures in crime_report_figures/
analysis = report.analysis           # the result records behind it
print(analysis.fit.params, analysis.generalization)
# --8<-- [end:report]
assert [s.key for s in report.sections] == ["data", "generalization", "coefficients", "selection", "diagnostics"]

# --8<-- [start:cli]
from glmgen.cli import main        # what the `glmgen` command runs

states.to_csv("states.csv")
assert main(["fit", "states.csv", "--formula", "murder ~ poverty + single + urban"]) == 0
assert main(["fit", "states.csv", "--formula", "murder ~ poverty + single + urban + hs_grad + white",
             "--select", "bic"]) == 0
assert main(["report", "states.csv", "--formula", "murder ~ poverty + single + urban + hs_grad + white",
             "--select", "cv_1se", "--folds", "5", "--n-boot", "10", "--no-learning-curve",
             "-o", "states_report.html"]) == 0
assert main(["fit", "states.csv", "--formula", "murder ~ povrty"]) == 2   # bad input: one line on stderr
# --8<-- [end:cli]
