"""A model object in one file, in MLflow's three serialization formats: ``skops``, ``pickle`` and
``cloudpickle`` (the sklearn and lightgbm flavors store their estimators this way).

Loading a pickle or cloudpickle file, or a skops file trusting types beyond the ones known to be
safe, can run arbitrary code from the file: keel warns (``UntrustedModelWarning``) the first time.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

import cloudpickle

from keel.errors import InvalidParameter
from keel.models.trust import warn_untrusted_format

if TYPE_CHECKING:
    from collections.abc import Collection, Set
    from pathlib import Path

SERIALIZATION_FORMAT_SKOPS = "skops"
SERIALIZATION_FORMAT_PICKLE = "pickle"
SERIALIZATION_FORMAT_CLOUDPICKLE = "cloudpickle"
SUPPORTED_SERIALIZATION_FORMATS = (
    SERIALIZATION_FORMAT_SKOPS,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_CLOUDPICKLE,
)
SKOPS_FILE = "model.skops"
PICKLE_FILE = "model.pkl"
SKOPS_HINT = "save with serialization_format='skops'"


def check_format(value: str, supported: Collection[str], kind: str = "serialization format") -> None:
    """Refuse a format the flavor does not write, before anything is written.

    Raises:
        InvalidParameter: when ``value`` is not one of ``supported``.
    """
    if value not in supported:
        raise InvalidParameter(
            f"Unrecognized {kind}: {value}. Please specify one of the following supported formats: "
            f"{list(supported)}."
        )


def serialized_file_name(serialization_format: str) -> str:
    """The model file's name in the model directory: ``model.skops`` or ``model.pkl``."""
    return SKOPS_FILE if serialization_format == SERIALIZATION_FORMAT_SKOPS else PICKLE_FILE


def format_packages(serialization_format: str) -> list[str]:
    """The requirements a format adds: the skops and cloudpickle formats need the packages of those names."""
    return [] if serialization_format == SERIALIZATION_FORMAT_PICKLE else [serialization_format]


def serialize_model(model: Any, path: Path, serialization_format: str, trusted: list[str] | None) -> None:
    """Write ``model`` to ``path``; a skops file is read back at once, so that types skops will not
    trust (beyond ``trusted``) fail the save rather than the load.

    Raises:
        InvalidParameter: when skops cannot store the model, or will not trust what it stored.
    """
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        _write_skops(model, path, trusted)
        return
    with path.open("wb") as out:
        if serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
            cloudpickle.dump(model, out, protocol=pickle.DEFAULT_PROTOCOL)
        else:
            pickle.dump(model, out, protocol=pickle.DEFAULT_PROTOCOL)


def _write_skops(model: Any, path: Path, trusted: list[str] | None) -> None:
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        skops.io.dump(model, path)
        skops.io.load(path, trusted=trusted)
    except UntrustedTypesFoundException as exc:
        path.unlink(missing_ok=True)
        raise InvalidParameter(
            "The model holds types skops does not trust; if loading them is safe, list them in "
            "skops_trusted_types, or use serialization_format='cloudpickle' and load the result only "
            f"where you trust its source. Error: {exc}"
        ) from exc
    except Exception as exc:  # skops cannot store functions or classes not defined at top level
        path.unlink(missing_ok=True)
        raise InvalidParameter(
            f"The model could not be saved in the skops format ({exc}); use serialization_format="
            "'cloudpickle' instead, and load the result only where you trust its source."
        ) from exc


def deserialize_model(
    path: Path, serialization_format: str, trusted: Any, known_safe: Set[str] = frozenset()
) -> Any:
    """The model object in ``path``, written in ``serialization_format``.

    Args:
        trusted: the MLmodel's ``skops_trusted_types``: a list of type names, or None.
        known_safe: types a skops file may trust without a warning (the flavor library's own).

    Raises:
        InvalidParameter: for an unknown format, or a ``trusted`` that is not a list of type names.
    """
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        import skops.io

        trusted = trusted or None
        if trusted is not None and (
            not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted)
        ):
            raise InvalidParameter(f"skops_trusted_types must be a list of type names, got {trusted!r}")
        if wider := [t for t in trusted or () if t not in known_safe]:
            # the model file itself widens what skops trusts: as unsafe as pickle
            warn_untrusted_format(str(path), f"skops trusting {wider}")
        return skops.io.load(path, trusted=trusted)
    if serialization_format in (SERIALIZATION_FORMAT_PICKLE, SERIALIZATION_FORMAT_CLOUDPICKLE):
        warn_untrusted_format(str(path), serialization_format, SKOPS_HINT)
        with path.open("rb") as stream:
            if serialization_format == SERIALIZATION_FORMAT_PICKLE:
                return pickle.load(stream)
            return cloudpickle.load(stream)
    raise InvalidParameter(
        f"Unrecognized serialization format: {serialization_format}. Supported formats: "
        f"{list(SUPPORTED_SERIALIZATION_FORMATS)}"
    )
