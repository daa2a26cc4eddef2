"""The model file: reading it within bounds, its closed schema, and the consistency of its parts.

:func:`read_model_file` parses at most ``MAX_FILE_BYTES`` of strict JSON;
:func:`check_model_file` then proves, before anything is built from it, that
the document has exactly the fields :meth:`GLMResult.to_dict` writes (no
field missing, none added, each of its type and range), that its design passes
:func:`glmgen.formula.check_design` (every expression allowed, every array as
long as its shape claims, contrasts, transform state and column names
consistent), that the rest agrees with the design (coefficient names with
design columns, missing coefficients with the aliased list, the covariance
matrix's shape and missing entries, statistics with the family) and that the
checksum matches. Any failure is one :class:`ModelFileError` naming the field
as a JSON path, e.g. ``params.values[3]``.

From schema version 4 the two fields that grow with the square of the number
of coefficients or levels are compact: a contrast that codes levels by
indicators is a list of columns (see :mod:`glmgen.formula.state`), and
``cov_unscaled`` is its upper triangle as little-endian float64 bytes in
base64 (:func:`pack_covariance`). Versions 2 and 3 still load.

Version 5 adds the field ``covariance`` (``cov_type``, ``n_clusters`` and the robust covariance ``robust``,
packed the same way) for a fit with a robust ``cov_type``; a fit with the default covariance is written as
version 4, which releases before version 5 read too, and a version 2 to 4 file loads as ``"nonrobust"``.

A design fitted with ``na_action="impute"`` has the field ``design.imputation`` (the training medians, the
indicator columns' places and the columns whose NA is a level; :func:`glmgen.formula.check_design`), and its
coefficients include the indicator columns ``<name>[NA]`` (:func:`glmgen.formula.saved_column_names`). A file
without it loads as before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from .._schema import (
    INDEX,
    Check,
    anything,
    fail,
    flag,
    kind,
    listing,
    mapping,
    nullable,
    number,
    record,
    short,
    text,
)
from ..errors import InvalidParameterError, ModelFileError
from ..formula import check_design, saved_column_names
from ..model import FAMILIES, LINKS, family_from_saved
from ..stats import COV_TYPES

FORMAT = "glmgen-model"
#: version 5 adds ``covariance`` (a robust covariance, or null) and ``family_parameters`` (a Tweedie power, a
#: negative binomial theta and, when estimated, its standard error)
SCHEMA_VERSION = 5
#: versions this release reads: version 2 files (no ``edf`` statistic) load with ``edf = df_model``; versions 2
#: and 3 write every contrast as a matrix and ``cov_unscaled`` as rows of numbers
READABLE_VERSIONS = (2, 3, 4, 5)
#: files larger than this are refused before they are read
MAX_FILE_BYTES = 256 * 2**20


# --- reading ---------------------------------------------------------------------------------------

def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not strict JSON")


def read_model_file(path: str | Path) -> dict[str, Any]:
    """The JSON object in ``path``; refuses files over ``MAX_FILE_BYTES``, invalid or non-strict JSON
    (``NaN``), deep nesting and documents that are not glmgen model files."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ModelFileError(f"cannot read the model file {str(path)!r}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(f"{str(path)!r} is larger than {MAX_FILE_BYTES // 2**20} MiB, the most a glmgen model "
                             "file may hold; it is not a model file glmgen wrote.")
    try:
        saved = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"
        raise ModelFileError(f"{str(path)!r} is not a glmgen model file: it is not valid JSON ({reason}). "
                             "A truncated or damaged file cannot be loaded; save the model again.") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is not a glmgen model file: expected a JSON object whose 'format' is "
                             f"{FORMAT!r}, got {kind(saved)}{' without it' if isinstance(saved, dict) else ''}. "
                             "gg.load reads files written by GLMResult.save().")
    return saved


def checksum(saved: dict[str, Any]) -> str:
    """SHA-256 of the document without its ``checksum`` field, in canonical JSON (sorted keys)."""
    body = {key: value for key, value in saved.items() if key != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- numbers as JSON ------------------------------------------------------------------------------

def json_scalar(value: Any) -> Any:
    """A statistic as JSON: Python int/bool/float, ``None`` for NaN and infinities."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value) if math.isfinite(value) else None


def nan_to_none(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Numbers as JSON, ``None`` for NaN and infinities."""
    return [None if not np.isfinite(v) else float(v) for v in values]


def none_to_nan(values: list[float | None]) -> npt.NDArray[np.float64]:
    """The inverse of :func:`nan_to_none` (``None`` to NaN)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


# --- the schema ------------------------------------------------------------------------------------

#: the fit statistics a file records (``null`` for NaN)
STATISTICS: dict[str, Check] = {
    "scale": number(nullable=True, low=0), "deviance": number(low=0), "null_deviance": number(low=0),
    "loglik": number(nullable=True), "pearson_chi2": number(nullable=True, low=0), "df_model": number(low=0),
    "df_resid": number(), "nobs": number(low=0), "converged": flag, "n_iter": INDEX,
    "null_intercept": number(nullable=True), "n_dropped": INDEX, "edf": number(low=0),
}


#: ``cov_unscaled`` from version 4 on (:func:`pack_covariance`), and before (rows of numbers, ``null`` for NaN)
PACKED_COVARIANCE = record({"upper_float64_base64": text(), "size": INDEX})
LISTED_COVARIANCE = listing(listing(number(nullable=True)))


def _design_before_version_4(value: Any, path: str) -> None:
    check_design(value, path, indicators=False)


#: the robust covariance of a version 5 file (:func:`pack_covariance` for ``robust``)
ROBUST_COVARIANCE = record({"cov_type": text(frozenset(COV_TYPES) - {"nonrobust"}),
                            "n_clusters": nullable(number(integer=True, low=2, high=2**31)),
                            "robust": PACKED_COVARIANCE})


def _file_schema(statistics: dict[str, Check], design: Check, covariance: Check,
                 extra: dict[str, Check] | None = None) -> Check:
    """The whole file's schema, with the given fit statistics, design and covariance checks (and ``extra``
    fields)."""
    return record((extra or {}) | {
        "format": text((FORMAT,)), "schema_version": anything, "glmgen_version": text(),
        "checksum": text(), "design": design, "family": text(frozenset(FAMILIES)),
        "link": text(frozenset(LINKS)),
        "params": record({"names": listing(text()), "values": listing(number(nullable=True)),
                          "aliased": listing(text())}),
        "cov_unscaled": nullable(covariance),
        "statistics": record(statistics),
        "penalty": record({"alpha": number(low=0), "l1_ratio": number(low=0, high=1), "standardize": flag,
                           "penalty_factor": mapping(number(low=0))}),
        "warnings": listing(text()),
    })


_SCHEMAS = {
    5: _file_schema(STATISTICS, check_design, PACKED_COVARIANCE,
                    {"covariance": nullable(ROBUST_COVARIANCE), "family_parameters": mapping(number(nullable=True))}),
    4: _file_schema(STATISTICS, check_design, PACKED_COVARIANCE),
    3: _file_schema(STATISTICS, _design_before_version_4, LISTED_COVARIANCE),
    2: _file_schema({k: v for k, v in STATISTICS.items() if k != "edf"}, _design_before_version_4, LISTED_COVARIANCE),
}


# --- the covariance matrix -------------------------------------------------------------------------

def pack_covariance(matrix: npt.NDArray[np.float64]) -> dict[str, Any]:
    """``cov_unscaled`` as written: the upper triangle of the symmetric ``(q, q)`` matrix, diagonal included, row
    by row, as little-endian float64 bytes in base64 (NaN entries, aliased coefficients', kept), and ``q``."""
    rows = [matrix[i, i:] for i in range(matrix.shape[0])]
    upper = (np.concatenate(rows) if rows else np.empty(0)).astype("<f8")
    return {"upper_float64_base64": base64.b64encode(upper.tobytes()).decode("ascii"), "size": int(matrix.shape[0])}


def _symmetric(upper: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.float64]:
    """The symmetric ``(size, size)`` matrix whose upper triangle, row by row, is ``upper``."""
    matrix = np.empty((size, size))
    start = 0
    for i in range(size):
        matrix[i, i:] = matrix[i:, i] = upper[start:start + size - i]
        start += size - i
    return matrix


# --- the whole file --------------------------------------------------------------------------------

def check_model_file(saved: Any) -> tuple[npt.NDArray[np.float64] | None, npt.NDArray[np.float64] | None]:
    """Raise :class:`ModelFileError` (naming the field) unless ``saved`` is an intact, consistent model file.

    Returns its ``cov_unscaled`` matrix (``None`` when the file has none) and its robust covariance (``None``
    before version 5), decoded once, here, to check them.
    """
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        fail("format", f"expected \"{FORMAT}\": this is not a glmgen model file.")
    version = saved.get("schema_version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        fail("schema_version", f"expected {SCHEMA_VERSION}, got {version!r}; files of other versions (from another "
                               "glmgen release) cannot be read by this one: refit and save with this release.")
    _SCHEMAS[version](saved, "")
    names = _check_params(saved, saved_column_names(saved["design"]))
    _check_family(saved)
    if saved["checksum"] != checksum(saved):
        fail("checksum", "does not match the file's content (a value was changed after the file was written).")
    aliased = set(saved["params"]["aliased"])
    cov_unscaled = _covariance(saved["cov_unscaled"], names, aliased)
    return cov_unscaled, _robust_covariance(saved, cov_unscaled, names, aliased)


def _robust_covariance(saved: dict[str, Any], cov_unscaled: npt.NDArray[np.float64] | None, names: list[str],
                       aliased: set[str]) -> npt.NDArray[np.float64] | None:
    """The robust covariance of a version 5 file, after checking it belongs to an unpenalized fit (one with
    ``cov_unscaled``) and that ``n_clusters`` is given exactly for ``cov_type="cluster"``."""
    covariance = saved.get("covariance")
    if covariance is None:
        return None
    if cov_unscaled is None:
        fail("covariance", "is given, but a robust covariance needs an unpenalized fit (cov_unscaled is null).")
    if (covariance["n_clusters"] is None) == (covariance["cov_type"] == "cluster"):
        fail("covariance.n_clusters", "must be a number of clusters exactly when cov_type is 'cluster'.")
    matrix = _covariance(covariance["robust"], names, aliased, "covariance.robust")
    assert matrix is not None
    return matrix


def _check_params(saved: dict[str, Any], column_names: list[str]) -> list[str]:
    """The coefficients are the design's columns (``Intercept`` first), missing exactly where aliased; returns
    their names."""
    params = saved["params"]
    expected = (["Intercept"] if "Intercept" in column_names else []) + [c for c in column_names if c != "Intercept"]
    if params["names"] != expected:
        given = params["names"]
        first = next((i for i, (a, b) in enumerate(zip(given, expected)) if a != b), min(len(given), len(expected)))
        fail("params.names", f"expected the design's {len(expected)} column names in order ({expected[:4]}...); "
                             f"entry {first} differs (or the counts, {len(given)} and {len(expected)}).")
    if len(params["values"]) != len(expected):
        fail("params.values", f"has {len(params['values'])} entries for {len(expected)} names.")
    aliased = params["aliased"]
    if len(set(aliased)) != len(aliased) or not set(aliased) <= set(expected):
        fail("params.aliased", "must list distinct coefficient names.")
    for i, (name, value) in enumerate(zip(expected, params["values"])):
        if (value is None) != (name in aliased):
            fail(f"params.values[{i}]", f"coefficient {name!r} is {'missing' if value is None else 'given'} but "
                                         f"{'not ' if value is None else ''}listed in params.aliased.")
    for name in saved["penalty"]["penalty_factor"]:
        if name not in expected:
            fail(f"penalty.penalty_factor.{name}", "is not a coefficient of the model.")
    return expected


def _check_family(saved: dict[str, Any]) -> None:
    """The statistics and the response fit the family: a fixed dispersion is 1, only a family of counts out of
    trials reads ``cbind()``, and a fit has at least one row."""
    try:
        family = family_from_saved(saved["family"], saved.get("family_parameters", {}))
    except (KeyError, TypeError, InvalidParameterError) as exc:
        fail("family_parameters", f"do not define a {saved['family']} family ({exc}).")
    statistics = saved["statistics"]
    if not family.estimates_dispersion and statistics["scale"] != 1:
        fail("statistics.scale", f"is {short(statistics['scale'])}; the {family.name} family has a fixed "
                                 "dispersion of 1.")
    if saved["design"]["response"]["is_cbind"] and not family.accepts_trials:
        fail("design.response.is_cbind", f"is true, but the {family.name} family does not read cbind(successes, "
                                         "failures).")
    if statistics["nobs"] <= 0:
        fail("statistics.nobs", f"is {short(statistics['nobs'])}; a fitted model has at least one row.")


def _covariance(cov: dict[str, Any] | list[list[float | None]] | None, names: list[str],
                aliased: set[str], where: str = "cov_unscaled") -> npt.NDArray[np.float64] | None:
    """The covariance matrix at field ``where``, after checking it has one row and column per coefficient, is missing (NaN)
    exactly in the rows and columns of aliased coefficients, finite elsewhere, symmetric, with variances >= 0."""
    if cov is None:
        return None
    if isinstance(cov, list):
        matrix, field = _listed_covariance(cov, names, aliased), "cov_unscaled"
    else:
        matrix, field = _symmetric(_packed_upper(cov, len(names), where), len(names)), f"{where}.upper_float64_base64"
    missing = np.array([name in aliased for name in names], dtype=bool)
    wrong = np.argwhere(np.isnan(matrix) != (missing[:, None] | missing[None, :]))
    if wrong.size:
        i, j = wrong[0]
        fail(field, f"entry [{i}][{j}] is {'NaN' if np.isnan(matrix[i, j]) else 'a number'}; the covariance is "
                    f"NaN exactly in the rows and columns of aliased coefficients ({short(sorted(aliased))}).")
    infinite = np.argwhere(np.isinf(matrix))
    if infinite.size:
        i, j = infinite[0]
        fail(field, f"entry [{i}][{j}] is {matrix[i, j]}; a covariance is finite.")
    negative = np.flatnonzero(np.diag(matrix) < 0)
    if negative.size:
        i = negative[0]
        fail(field, f"gives the coefficient {names[i]!r} (entry [{i}][{i}]) the variance {matrix[i, i]:g}; a variance "
                    "is >= 0.")
    return matrix


def _listed_covariance(cov: list[list[float | None]], names: list[str],
                       aliased: set[str]) -> npt.NDArray[np.float64]:
    """The matrix of rows of numbers (versions 2 and 3), after checking it has ``len(names)`` rows of
    ``len(names)``, ``null`` exactly where aliased, and is symmetric."""
    if len(cov) != len(names) or any(len(row) != len(names) for row in cov):
        fail("cov_unscaled", f"expected a {len(names)} x {len(names)} matrix (one row and column per coefficient).")
    for i, row in enumerate(cov):
        for j, value in enumerate(row):
            if (value is None) != (names[i] in aliased or names[j] in aliased):
                fail(f"cov_unscaled[{i}][{j}]", "must be null exactly in the rows and columns of aliased coefficients.")
    matrix = np.array([[math.nan if v is None else v for v in row] for row in cov], dtype=float)
    scale = float(np.nanmax(np.abs(matrix), initial=0.0))
    if not np.allclose(matrix, matrix.T, rtol=1e-6, atol=1e-9 * scale, equal_nan=True):
        fail("cov_unscaled", "is not a covariance matrix (symmetric, with variances >= 0 on the diagonal).")
    return matrix


def _packed_upper(cov: dict[str, Any], size: int, where: str) -> npt.NDArray[np.float64]:
    """The upper triangle in :func:`pack_covariance` output for ``size`` coefficients; its size and length are
    checked before anything is decoded."""
    if cov["size"] != size:
        fail(f"{where}.size", f"is {cov['size']}; expected {size}, one row and column per coefficient.")
    n_bytes = 8 * size * (size + 1) // 2
    encoded, expected = cov["upper_float64_base64"], 4 * math.ceil(n_bytes / 3)
    if len(encoded) != expected:
        fail(f"{where}.upper_float64_base64", f"has {len(encoded):,} characters; the upper triangle of a {size} x "
             f"{size} matrix ({n_bytes:,} bytes of float64) takes {expected:,} in base64.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        fail(f"{where}.upper_float64_base64", f"is not base64 text ({exc}).")
    if len(raw) != n_bytes:
        fail(f"{where}.upper_float64_base64", f"decodes to {len(raw):,} bytes; expected {n_bytes:,}.")
    return np.frombuffer(raw, dtype="<f8")
