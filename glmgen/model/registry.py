"""Every family by name, the two family factories of the public API, and families from statsmodels objects
and model files."""

from __future__ import annotations

from typing import Any

from .._validation import check_choice, quoted
from ..errors import InvalidParameterError
from .continuous import Gamma, InverseGaussian, Tweedie
from .families import Binomial, Family, Gaussian, Poisson
from .links import Link
from .overdispersed import NegativeBinomial, QuasiBinomial, QuasiPoisson

FAMILIES: dict[str, type[Family]] = {
    cls.name: cls
    for cls in (Gaussian, Binomial, Poisson, Gamma, InverseGaussian, QuasiPoisson, QuasiBinomial, Tweedie,
                NegativeBinomial)
}


def tweedie(var_power: float, link: str | Link = "log") -> Tweedie:
    """The Tweedie family with variance ``mu^var_power`` (0 normal, 1 Poisson, (1, 2) compound Poisson-gamma,
    2 gamma, 3 inverse Gaussian) and ``link`` as its default link."""
    family = Tweedie(var_power)
    family.default_link = family.check_link(link).name
    return family


def negative_binomial(theta: float | None = None, link: str | Link = "log") -> NegativeBinomial:
    """The negative binomial family with variance ``mu + mu^2 / theta``; ``theta=None`` estimates theta by
    maximum likelihood alternating with IRLS (``MASS::glm.nb``)."""
    family = NegativeBinomial(theta)
    family.default_link = family.check_link(link).name
    return family


def family_from_saved(name: str, parameters: dict[str, float | None]) -> Family:
    """The family a model file names, with what :meth:`Family.saved_parameters` wrote (a Tweedie power, a
    negative binomial theta, and its standard error when it was estimated); raises ``KeyError`` or
    :class:`InvalidParameterError` when they do not define the family."""
    family: Family
    if name == Tweedie.name:
        family = Tweedie(_given(parameters, "var_power"))
    elif name == NegativeBinomial.name:
        family = NegativeBinomial(_given(parameters, "theta"), parameters.get("theta_se"),
                                  estimated="theta_se" in parameters)
    else:
        family = FAMILIES[name]()
    if family.saved_parameters() != parameters:
        raise InvalidParameterError(f"unexpected parameters {sorted(parameters)} for the {name} family")
    return family


def _given(parameters: dict[str, float | None], name: str) -> float:
    value = parameters[name]
    if value is None:
        raise InvalidParameterError(f"{name} is null")
    return value


#: statsmodels' link classes (``statsmodels.genmod.families.links``) by class name -> glmgen's link names; both
#: directions of the conversion read it (``resolve_family`` here, ``GLMResult.to_statsmodels``)
STATSMODELS_LINKS = {
    "Identity": "identity",
    "Log": "log",
    "Logit": "logit",
    "Probit": "probit",
    "CLogLog": "cloglog",
    "InversePower": "inverse",
    "InverseSquared": "1/mu^2",
    "Sqrt": "sqrt",
}
#: the same by lower-case class name: statsmodels' deprecated lower-case link classes (``links.log``) count too
_STATSMODELS_LINKS_LOWER = {name.lower(): link for name, link in STATSMODELS_LINKS.items()}


def _from_statsmodels(family: Any) -> tuple[Family, Link]:
    """glmgen's family for a ``statsmodels.genmod.families`` object: its Tweedie power and negative binomial
    ``alpha`` (= 1 / theta) carry over."""
    family_name = type(family).__name__.lower()
    resolved: Family
    if family_name == "tweedie":
        resolved = Tweedie(float(family.var_power))
    elif family_name == "negativebinomial":
        resolved = NegativeBinomial(1.0 / float(family.alpha))
    elif family_name == "inversegaussian":
        resolved = InverseGaussian()
    elif family_name in FAMILIES:
        resolved = FAMILIES[family_name]()
    else:
        raise InvalidParameterError(
            f"statsmodels family {type(family).__name__} is not supported; glmgen fits {quoted(FAMILIES)}."
        )
    link_name = type(getattr(family, "link", None)).__name__.lower()
    if link_name not in _STATSMODELS_LINKS_LOWER:
        raise InvalidParameterError(
            f"statsmodels link {type(family.link).__name__} is not supported; "
            f"allowed for {resolved.name!r}: {quoted(resolved.allowed_links)}."
        )
    return resolved, resolved.check_link(_STATSMODELS_LINKS_LOWER[link_name])


def resolve_family(family: str | Family | Any, link: str | Link | None = None) -> tuple[Family, Link]:
    """The (family, link) pair from a name, a :class:`Family` (e.g. ``gg.tweedie(1.5)``), or a statsmodels
    family object.

    ``link`` overrides the family's default link; a statsmodels family carries its own link, which ``link``
    may still override. The name ``"tweedie"`` means ``gg.tweedie(1.5)``.
    """
    if isinstance(family, Family):
        return family, family.check_link(link)
    if isinstance(family, str):
        resolved = FAMILIES[check_choice("family", family, FAMILIES)]()
        return resolved, resolved.check_link(link)
    if type(family).__module__.startswith("statsmodels."):
        resolved, family_link = _from_statsmodels(family)
        return resolved, resolved.check_link(link) if link is not None else family_link
    raise InvalidParameterError(
        f"family={family!r} is neither a name ({quoted(FAMILIES)}) nor a family object."
    )
