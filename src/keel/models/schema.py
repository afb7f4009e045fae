"""Schemas of model inputs and outputs: named or unnamed columns (``ColSpec``) or tensors (``TensorSpec``).

``Schema.to_json`` writes exactly what MLflow writes into the ``signature`` of an MLmodel file.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from typing import Any

import numpy as np

from keel.errors import InvalidParameter
from keel.models.datatypes import ValueType, parse_data_type, type_from_dict

TENSOR_TYPE = "tensor"


@dataclass(frozen=True, slots=True)
class ColSpec:
    """One column: its type, an optional name, and whether it must be present."""

    type: ValueType
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.type, str):
            object.__setattr__(self, "type", parse_data_type(self.type))

    def to_dict(self) -> dict[str, Any]:
        out = self.type.to_dict()
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColSpec:
        required = data.get("required")
        return cls(type_from_dict(data), data.get("name"), True if required is None else bool(required))

    def __repr__(self) -> str:
        required = "required" if self.required else "optional"
        return (
            f"{self.type!r} ({required})"
            if self.name is None
            else f"{self.name!r}: {self.type!r} ({required})"
        )


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """One tensor: numpy dtype and shape, ``-1`` marking a variable dimension."""

    type: np.dtype[Any]
    shape: tuple[int, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        dtype = np.dtype(self.type)
        if dtype.char in ("U", "S") and not dtype.name.isalpha():
            raise InvalidParameter(
                "Size information in flexible numpy data types is not supported. Use "
                f'np.dtype("{dtype.name.rstrip(string.digits)}") instead'
            )
        object.__setattr__(self, "type", dtype)
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))

    @property
    def required(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        spec = {"dtype": self.type.name, "shape": list(self.shape)}
        if self.name is None:
            return {"type": TENSOR_TYPE, "tensor-spec": spec}
        return {"name": self.name, "type": TENSOR_TYPE, "tensor-spec": spec}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TensorSpec:
        spec = data.get("tensor-spec")
        if not isinstance(spec, dict) or not {"dtype", "shape"} <= spec.keys():
            raise InvalidParameter(
                "Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`"
            )
        return cls(np.dtype(spec["dtype"]), tuple(spec["shape"]), data.get("name"))

    def __repr__(self) -> str:
        tensor = f"Tensor({self.type.name!r}, {self.shape!r})"
        return tensor if self.name is None else f"{self.name!r}: {tensor}"


InputSpec = ColSpec | TensorSpec


class Schema:
    """A list of ColSpecs or of TensorSpecs (never both), all named or all unnamed."""

    def __init__(self, inputs: list[InputSpec]) -> None:
        if not isinstance(inputs, list) or not inputs:
            raise InvalidParameter("A schema needs a non-empty list of inputs")
        named = [x.name is not None for x in inputs]
        if any(named) and not all(named):
            raise InvalidParameter(
                "Creating Schema with a combination of named and unnamed inputs is not allowed. "
                f"Got input names {[x.name for x in inputs]}"
            )
        tensors = [isinstance(x, TensorSpec) for x in inputs]
        if any(tensors) and not all(tensors):
            raise InvalidParameter(
                "Creating Schema with a combination of ColSpec and TensorSpec is not supported"
            )
        if all(tensors) and len(inputs) > 1 and not all(named):
            raise InvalidParameter("Creating Schema with multiple unnamed TensorSpecs is not supported")
        if not any(named) and not all(x.required for x in inputs):
            raise InvalidParameter("Creating Schema with unnamed optional inputs is not supported")
        self.inputs = inputs

    def __len__(self) -> int:
        return len(self.inputs)

    def __iter__(self) -> Any:
        return iter(self.inputs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.inputs == other.inputs

    def __hash__(self) -> int:
        return hash(tuple(self.inputs))

    def __repr__(self) -> str:
        return repr(self.inputs)

    def is_tensor_spec(self) -> bool:
        return isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return self.inputs[0].name is not None

    def input_names(self) -> list[str | int]:
        return [x.name if x.name is not None else i for i, x in enumerate(self.inputs)]

    def required_input_names(self) -> list[str | int]:
        return [x.name if x.name is not None else i for i, x in enumerate(self.inputs) if x.required]

    def optional_input_names(self) -> list[str | int]:
        return [x.name if x.name is not None else i for i, x in enumerate(self.inputs) if not x.required]

    def input_types(self) -> list[Any]:
        return [x.type for x in self.inputs]

    def to_dict(self) -> list[dict[str, Any]]:
        return [x.to_dict() for x in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Schema:
        try:
            items = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise InvalidParameter(f"A schema must be a JSON list, got {text!r}") from exc
        if not isinstance(items, list) or not all(isinstance(x, dict) and "type" in x for x in items):
            raise InvalidParameter(f"A schema must be a JSON list of objects with a 'type', got {text!r}")
        return cls(
            [TensorSpec.from_dict(x) if x["type"] == TENSOR_TYPE else ColSpec.from_dict(x) for x in items]
        )
