"""Inference-time parameters: ``ParamSpec`` (name, type, default, shape) and the ``ParamSchema`` of a model.

``enforce_params`` is what ``predict(data, params=...)`` does with the caller's params: unknown ones
are dropped, missing ones take their defaults, given ones are checked and safely converted.
``params_accepted_by`` is what a flavor then passes on to its library's own ``predict``.
"""

from __future__ import annotations

import inspect
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from keel.errors import InvalidParameter
from keel.models.datatypes import OBJECT_TYPE, DataType, Object, parse_data_type, type_from_dict
from keel.models.values import check_object_param, enforce_param_value

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, eq=False)
class ParamSpec:
    """A parameter: a scalar (``shape`` None) or 1-D list (``shape`` ``(-1,)``) of ``dtype``, or an object."""

    name: str
    dtype: DataType | Object
    default: Any
    shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", str(self.name))
        dtype = self.dtype if isinstance(self.dtype, Object) else parse_data_type(self.dtype)
        if dtype is DataType.binary:
            raise InvalidParameter(
                f"Binary type is not supported for parameters, ParamSpec '{self.name}' has dtype 'binary'"
            )
        object.__setattr__(self, "dtype", dtype)
        if self.shape is not None:
            object.__setattr__(self, "shape", tuple(self.shape))
        object.__setattr__(self, "default", self.validate(self.default))

    def validate(self, value: Any) -> Any:
        """``value`` checked against this spec and converted as MLflow converts param values."""
        if self.shape == (-1,) and not (isinstance(value, list | np.ndarray) and np.array(value).ndim == 1):
            raise InvalidParameter(
                f"Value must be a 1D array with shape (-1,) for param {self!r}, received "
                f"{type(value).__name__} with ndim {np.array(value).ndim}"
            )
        try:
            if self.shape is None:
                if isinstance(self.dtype, Object):
                    return check_object_param(value, self.dtype)
                return enforce_param_value(value, self.dtype)
            if self.shape == (-1,) and isinstance(self.dtype, DataType):
                return [enforce_param_value(v, self.dtype) for v in value]
        except InvalidParameter as exc:
            raise InvalidParameter(
                f"Failed to validate type and shape for {self!r}, error: {exc.message}"
            ) from exc
        raise InvalidParameter(
            f"Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for ParamSpec "
            f"{self!r}, received {self.shape}"
        )

    def to_dict(self) -> dict[str, Any]:
        default = self.default
        if self.dtype is DataType.datetime:
            default = [v.isoformat() for v in default] if self.shape == (-1,) else default.isoformat()
        out: dict[str, Any] = {"name": self.name, "default": default, "shape": self.shape}
        out.update(self.dtype.to_dict())
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParamSpec:
        kind = data.get("type") or data.get("dtype")
        if "name" not in data or "default" not in data or kind is None:
            raise InvalidParameter(
                "Missing keys in ParamSpec JSON. Expected to find keys `name`, `type`(or `dtype`) and "
                f"`default`. Received keys: {sorted(data)}"
            )
        dtype = type_from_dict(data) if kind == OBJECT_TYPE else parse_data_type(kind)
        assert isinstance(dtype, DataType | Object)
        shape = data.get("shape")
        return cls(str(data["name"]), dtype, data["default"], None if shape is None else tuple(shape))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ParamSpec)
            and (self.name, self.dtype, self.shape) == (other.name, other.dtype, other.shape)
            and _same(self.default, other.default)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.dtype, self.shape))

    def __repr__(self) -> str:
        shape = f" (shape: {self.shape})" if self.shape is not None else ""
        return f"{self.name!r}: {self.dtype!r} (default: {self.default}){shape}"


def _same(left: Any, right: Any) -> bool:
    result = left == right
    return bool(result.all()) if isinstance(result, np.ndarray) else bool(result)


class ParamSchema:
    """The params a model takes at inference time, with unique names."""

    def __init__(self, params: list[ParamSpec]) -> None:
        names = [p.name for p in params]
        duplicates = [n for i, n in enumerate(names) if n in names[:i]]
        if duplicates:
            raise InvalidParameter(f"Duplicated parameters found in schema: {duplicates}")
        self.params = list(params)

    def __iter__(self) -> Any:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamSchema) and self.params == other.params

    def __hash__(self) -> int:
        return hash(tuple(self.params))

    def __repr__(self) -> str:
        return repr(self.params)

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.params]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ParamSchema:
        items = json.loads(text)
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise InvalidParameter(f"A params schema must be a JSON list of objects, got {text!r}")
        return cls([ParamSpec.from_dict(x) for x in items])


def enforce_params(params: dict[str, Any] | None, schema: ParamSchema | None) -> dict[str, Any] | None:
    """The params the model receives: defaults filled in, values checked; unknown names dropped.

    Without a params schema, a model takes no params: any given are dropped (and logged), as in MLflow.

    Raises:
        InvalidParameter: when ``params`` is not a dict or a value does not fit its spec.
    """
    if schema is None:
        if params:
            logger.warning(
                "`params` can only be given at inference time when the model signature has a params "
                "schema; this model has none. Ignoring params %s",
                list(params) if isinstance(params, dict) else params,
            )
            return {}
        return params
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParameter(f"Parameters must be a dictionary. Got type '{type(params).__name__}'.")
    params = {str(k): v for k, v in params.items()}
    known = {p.name for p in schema}
    if ignored := sorted(set(params) - known):
        logger.warning("Unrecognized params %s are ignored; the model takes %s", ignored, sorted(known))
    result = {k: v for k, v in params.items() if k in known}
    invalid: list[tuple[str, str]] = []
    for spec in schema:
        if spec.name not in result:
            result[spec.name] = spec.default
            continue
        try:
            result[spec.name] = spec.validate(result[spec.name])
        except InvalidParameter as exc:
            invalid.append((spec.name, exc.message))
    if invalid:
        raise InvalidParameter(f"Invalid parameters found: {invalid!r}")
    return result


def params_accepted_by(predict: Callable[..., Any], params: dict[str, Any] | None) -> dict[str, Any]:
    """The ``params`` that a library's own ``predict`` takes by name (after the data), for a flavor to
    pass on; the others are dropped with a warning, as in MLflow, rather than handed to the library as
    unknown settings."""
    if not params:
        return {}
    names = {
        name
        for name, parameter in list(inspect.signature(predict).parameters.items())[1:]  # after the data
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    if ignored := sorted(set(params) - names):
        logger.warning("Params %s are not accepted by the model's predict, ignoring them", ignored)
    return {k: v for k, v in params.items() if k in names}
