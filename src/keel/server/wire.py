"""Request payloads in MLflow's wire format, read and type-checked before any handler runs.

GET requests carry fields in the query string (repeated keys for lists), other methods a
JSON body; both accept snake_case and camelCase names, as protobuf JSON does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import orjson

from keel.errors import InvalidParameter

if TYPE_CHECKING:
    from starlette.datastructures import QueryParams


class Kind(Enum):
    STRING = "string"
    INT = "int64"
    DOUBLE = "double"
    BOOL = "bool"
    STRING_LIST = "repeated string"
    OBJECT_LIST = "repeated message"
    OBJECT = "message"


@dataclass(frozen=True, slots=True)
class Field:
    kind: Kind
    required: bool = False


Spec = Mapping[str, Field]

_DOCS_HINT = "See the API docs for more information about request parameters."


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def missing(name: str) -> InvalidParameter:
    return InvalidParameter(f"Missing value for required parameter '{name}'. {_DOCS_HINT}")


def invalid(name: str, value: Any, expected: str) -> InvalidParameter:
    return InvalidParameter(
        f"Invalid value {value!r} for parameter '{name}' supplied. Hint: Value was of type "
        f"'{type(value).__name__}', expected {expected}. {_DOCS_HINT}"
    )


def decode_json_body(body: bytes) -> dict[str, Any]:
    """A JSON object from a request body; empty means ``{}``; a JSON string holding JSON is decoded twice."""
    if not body.strip():
        return {}
    try:
        data = orjson.loads(body)
        if isinstance(data, str):
            data = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidParameter(f"Malformed JSON in request body: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidParameter(f"Request body must be a JSON object, got {type(data).__name__}")
    return data


def query_to_dict(query: QueryParams, spec: Spec) -> dict[str, Any]:
    """Query-string fields: lists from repeated keys, everything else the last value given."""
    out: dict[str, Any] = {}
    for name in query:
        field = spec.get(name) or spec.get(_snake(name))
        values = query.getlist(name)
        out[name] = values if field is not None and field.kind is Kind.STRING_LIST else values[-1]
    return out


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def read_fields(raw: Mapping[str, Any], spec: Spec, *, from_query: bool) -> dict[str, Any]:
    """Every field of ``spec`` converted to its Python type; absent optional fields are None."""
    out: dict[str, Any] = {}
    for name, field in spec.items():
        camel = _camel(name)
        if name in raw and camel != name and camel in raw:
            raise InvalidParameter(f"Both '{name}' and '{camel}' were given; send one of them")
        value = raw.get(name, raw.get(camel))
        if value is None:
            if field.required:
                raise missing(name)
            out[name] = None
            continue
        out[name] = convert(name, value, field.kind, from_query=from_query)
        if field.required and field.kind is Kind.STRING and out[name] == "":
            raise missing(name)
    return out


def convert(name: str, value: Any, kind: Kind, *, from_query: bool = False) -> Any:
    match kind:
        case Kind.STRING:
            if isinstance(value, str):
                return value
            if isinstance(value, int | float) and not isinstance(value, bool) and not from_query:
                return str(value)  # protobuf JSON accepts numbers for string fields
            raise invalid(name, value, "a string")
        case Kind.INT:
            return to_int(name, value)
        case Kind.DOUBLE:
            return to_double(name, value)
        case Kind.BOOL:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise invalid(name, value, "true or false")
        case Kind.STRING_LIST:
            items = value if isinstance(value, list) else [value]
            return [convert(f"{name}[{i}]", item, Kind.STRING) for i, item in enumerate(items)]
        case Kind.OBJECT_LIST:
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise invalid(name, value, "a list of objects")
            return value
        case Kind.OBJECT:
            if not isinstance(value, dict):
                raise invalid(name, value, "an object")
            return value
    raise invalid(name, value, kind.value)


def to_int(name: str, value: Any) -> int:
    """int64 as protobuf JSON allows it: a JSON integer, or a string of digits."""
    if isinstance(value, bool):
        raise invalid(name, value, "an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise invalid(name, value, "an integer")


def to_double(name: str, value: Any) -> float:
    """A double: a JSON number, or a numeric string including "NaN", "Infinity" and "-Infinity"."""
    if isinstance(value, bool):
        raise invalid(name, value, "a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number) or value.strip().lower().lstrip("+-") in ("nan", "infinity", "inf"):
                return number
    raise invalid(name, value, "a number")


def item(obj: Mapping[str, Any], path: str, name: str, kind: Kind, *, required: bool = True) -> Any:
    """One field of a nested object (a metric of a batch, a tag …), with its path in errors."""
    value = obj.get(name)
    if value is None:
        value = obj.get(_camel(name))
    if value is None:
        if required:
            raise missing(f"{path}.{name}")
        return None
    return convert(f"{path}.{name}", value, kind)
