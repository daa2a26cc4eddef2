"""What a GLM is, without data or formulas: families, links and the elastic-net penalty.

The modules :mod:`.families` and :mod:`.links` are exported too (``gg.families.Poisson()``).
"""

from . import families, links
from .families import FAMILIES, Family, resolve_family
from .links import LINKS, Link, get_link
from .penalties import Penalty

__all__ = ["FAMILIES", "Family", "LINKS", "Link", "Penalty", "families", "get_link", "links", "resolve_family"]
