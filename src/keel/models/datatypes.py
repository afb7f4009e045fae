"""The types a signature names: MLflow's scalar ``DataType`` and the composite array, object, map, any.

Each type writes and reads the JSON MLflow writes (``{"type": "array", "items": {...}}``), and
``merge`` combines two inferred types the way MLflow does when a list holds values of both.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

import numpy as np

from keel.errors import InvalidParameter

ARRAY_TYPE = "array"
OBJECT_TYPE = "object"
MAP_TYPE = "map"
ANY_TYPE = "any"
SPARKML_VECTOR_TYPE = "sparkml_vector"


class DataType(enum.Enum):
    """MLflow's scalar column types; the values are MLflow's numbering."""

    boolean = 1
    integer = 2
    long = 3
    float = 4
    double = 5
    string = 6
    binary = 7
    datetime = 8

    def to_numpy(self) -> np.dtype[Any]:
        return _NUMPY[self]

    def to_pandas(self) -> Any:
        """The pandas dtype of a column of this type: ``object`` for strings and bytes."""
        return object if self in (DataType.string, DataType.binary) else _NUMPY[self]

    def to_python(self) -> type:
        return _PYTHON[self]

    def accepts(self, value: Any) -> bool:
        """Whether ``value``'s own type is this type (MLflow's ``DataType.check_type``), no conversion."""
        kinds: list[Any] = [self.to_numpy(), self.to_pandas(), self.to_python()]
        if self is DataType.datetime:
            kinds += [np.datetime64, dt.datetime]
        elif self is DataType.binary:
            kinds.append(bytearray)
        return type(value) in kinds

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.name}

    def __repr__(self) -> str:
        return self.name


_NUMPY: dict[DataType, np.dtype[Any]] = {
    DataType.boolean: np.dtype("bool"),
    DataType.integer: np.dtype("int32"),
    DataType.long: np.dtype("int64"),
    DataType.float: np.dtype("float32"),
    DataType.double: np.dtype("float64"),
    DataType.string: np.dtype("str"),
    DataType.binary: np.dtype("bytes"),
    DataType.datetime: np.dtype("datetime64[ns]"),
}
_PYTHON: dict[DataType, type] = {
    DataType.boolean: bool,
    DataType.integer: int,
    DataType.long: int,
    DataType.float: builtins.float,
    DataType.double: builtins.float,
    DataType.string: str,
    DataType.binary: bytes,
    DataType.datetime: dt.date,
}


@dataclass(frozen=True, slots=True)
class AnyType:
    """Any JSON value, None included; nothing is checked."""

    def to_dict(self) -> dict[str, Any]:
        return {"type": ANY_TYPE}

    def merge(self, other: ValueType) -> ValueType:
        if isinstance(other, AnyType | DataType):
            return other
        return other.merge(self)  # merging with Any makes the other type optional

    def __repr__(self) -> str:
        return "Any"


@dataclass(frozen=True, slots=True)
class Array:
    """A list whose items all have ``dtype``."""

    dtype: ValueType

    def to_dict(self) -> dict[str, Any]:
        return {"type": ARRAY_TYPE, "items": self.dtype.to_dict()}

    def merge(self, other: ValueType) -> ValueType:
        if isinstance(other, AnyType) or self == other:
            return self
        if not isinstance(other, Array):
            raise InvalidParameter(f"Can't merge array with non-array type: {type(other).__name__}")
        return Array(merge_types(self.dtype, other.dtype))

    def __repr__(self) -> str:
        return f"Array({self.dtype!r})"


@dataclass(frozen=True, slots=True)
class SparkMLVector:
    """Spark ML's vector of doubles, kept so signatures that name it round-trip."""

    dtype: ClassVar[DataType] = DataType.double

    def to_dict(self) -> dict[str, Any]:
        return {"type": SPARKML_VECTOR_TYPE}

    def merge(self, other: ValueType) -> ValueType:
        if isinstance(other, SparkMLVector):
            return self
        raise InvalidParameter("SparkML vector type can't be merged with another type.")

    def __repr__(self) -> str:
        return "SparkML vector"


@dataclass(frozen=True, slots=True)
class Property:
    """One named field of an ``Object``."""

    name: str
    dtype: ValueType
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {self.name: {**self.dtype.to_dict(), "required": self.required}}

    def merge(self, other: Property | AnyType) -> Property:
        if isinstance(other, AnyType):
            return Property(self.name, self.dtype, required=False)
        if self.name != other.name:
            raise InvalidParameter("Can't merge properties with different names")
        return Property(self.name, merge_types(self.dtype, other.dtype), self.required and other.required)


@dataclass(frozen=True, slots=True)
class Object:
    """A dict with named, typed properties, kept sorted by name as MLflow keeps them."""

    properties: tuple[Property, ...]

    def __post_init__(self) -> None:
        if not self.properties:
            raise InvalidParameter("Creating Object with empty properties is not allowed.")
        names = [p.name for p in self.properties]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidParameter(f"Found duplicated property names: `{', '.join(duplicates)}`")
        object.__setattr__(self, "properties", tuple(sorted(self.properties, key=lambda p: p.name)))

    def to_dict(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for prop in self.properties:
            properties.update(prop.to_dict())
        return {"type": OBJECT_TYPE, "properties": properties}

    def merge(self, other: ValueType) -> ValueType:
        if isinstance(other, AnyType):
            return Object(tuple(Property(p.name, p.dtype, False) for p in self.properties))
        if not isinstance(other, Object):
            raise InvalidParameter(f"Can't merge object with non-object type: {type(other).__name__}")
        if self == other:
            return self
        mine = {p.name: p for p in self.properties}
        theirs = {p.name: p for p in other.properties}
        merged = [Property(k, p.dtype, False) for k, p in mine.items() if k not in theirs]
        merged += [p.merge(theirs[k]) for k, p in mine.items() if k in theirs]
        merged += [Property(k, p.dtype, False) for k, p in theirs.items() if k not in mine]
        return Object(tuple(merged))

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{p.name}: {p.dtype!r}{'' if p.required else ' (optional)'}" for p in self.properties
        )
        return "{" + fields + "}"


@dataclass(frozen=True, slots=True)
class Map:
    """A dict with string keys and values of ``value_type``."""

    value_type: ValueType

    def to_dict(self) -> dict[str, Any]:
        return {"type": MAP_TYPE, "values": self.value_type.to_dict()}

    def merge(self, other: ValueType) -> ValueType:
        if isinstance(other, AnyType) or self == other:
            return self
        if not isinstance(other, Map):
            raise InvalidParameter(f"Can't merge map with non-map type: {type(other).__name__}")
        return Map(merge_types(self.value_type, other.value_type))

    def __repr__(self) -> str:
        return f"Map(str -> {self.value_type!r})"


ValueType: TypeAlias = DataType | Array | Object | Map | AnyType | SparkMLVector


def merge_types(left: ValueType, right: ValueType) -> ValueType:
    """The type of a list holding values of both types, or InvalidParameter when there is none."""
    if isinstance(left, DataType):
        if left == right or isinstance(right, AnyType):
            return left
        raise InvalidParameter(f"Types are incompatible: {left!r} and {right!r}")
    return left.merge(right)


def type_from_dict(data: dict[str, Any]) -> ValueType:
    """Read a type written by ``to_dict`` (``name`` and ``required`` are the caller's business)."""
    kind = data.get("type")
    if kind == ARRAY_TYPE:
        return Array(type_from_dict(_nested(data, "items")))
    if kind == SPARKML_VECTOR_TYPE:
        return SparkMLVector()
    if kind == OBJECT_TYPE:
        properties = data.get("properties")
        if not isinstance(properties, dict) or not all(isinstance(p, dict) for p in properties.values()):
            raise InvalidParameter("Expected properties to be a dictionary of Property JSON")
        return Object(
            tuple(
                Property(name, type_from_dict(spec), bool(spec.get("required", True)))
                for name, spec in properties.items()
            )
        )
    if kind == MAP_TYPE:
        return Map(type_from_dict(_nested(data, "values")))
    if kind == ANY_TYPE:
        return AnyType()
    return parse_data_type(kind)


def parse_data_type(name: Any) -> DataType:
    """``DataType[name]`` with an InvalidParameter that lists the known names."""
    if isinstance(name, DataType):
        return name
    try:
        return DataType[name]
    except (KeyError, TypeError):
        known = [t.name for t in DataType]
        raise InvalidParameter(f"Unsupported type '{name}', expected one of {known}") from None


def _nested(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or "type" not in value:
        raise InvalidParameter(
            f"Missing keys in {data.get('type')} JSON: '{key}' must be an object with a 'type'"
        )
    return value
