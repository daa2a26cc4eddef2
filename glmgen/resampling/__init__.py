"""Resampling: the train/test split, resamplers, refit engines, the bootstrap and bias-variance.

Modules, lowest first: :mod:`.resampler` (schemes, resample counts and
weights), :mod:`.refit` (what every engine shares), :mod:`.engines_glm`,
:mod:`.engines_path`, :mod:`.engines_stepwise` (one engine per kind of
fit), :mod:`.run` (replicates in fixed chunks through a deterministic
parallel map), :mod:`.intervals` (interval maths and the no-information
error), :mod:`.bagging` (the replicates' predictions of new rows),
:mod:`.records` (:class:`BootstrapResult`, :class:`BiasVarianceResult`), :mod:`.procedure` (what a result keeps for
BCa), :mod:`.bootstrap` and :mod:`.bias_variance` (the public functions)
and :mod:`.split`.
"""

from .bias_variance import bias_variance
from .bootstrap import bootstrap, refit_engine
from .records import BiasVarianceResult, BootstrapResult
from .split import split

__all__ = ["BiasVarianceResult", "BootstrapResult", "bias_variance", "bootstrap", "refit_engine", "split"]
