"""What a GLM is, without data or formulas: families, links and the elastic-net penalty.

The modules :mod:`.families` and :mod:`.links` are exported too (``gg.families.Poisson()``).
"""

from . import families, links
from .families import Family
from .links import LINKS, Link, get_link
from .overdispersed import (
           NegativeBinomial,
           ThetaEstimate,
           theta_ml,
           theta_moments,
           theta_newton,
           theta_sums,
)
from .penalties import GroupPenalty, Penalty
from .registry import (
           FAMILIES,
           STATSMODELS_LINKS,
           family_from_saved,
           negative_binomial,
           resolve_family,
           tweedie,
)

__all__ = ["FAMILIES", "STATSMODELS_LINKS", "Family", "GroupPenalty", "LINKS", "Link", "NegativeBinomial", "Penalty", "ThetaEstimate", "families",
           "family_from_saved", "get_link", "links", "negative_binomial", "resolve_family", "theta_ml", "theta_moments",
           "theta_newton", "theta_sums", "tweedie"]
