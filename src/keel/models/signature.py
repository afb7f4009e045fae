"""``ModelSignature``: the input, output and params schemas of a model, and ``infer_signature``.

In an MLmodel file each schema is a JSON string (``signature: {inputs: '[...]', outputs: ..., params: ...}``).
"""

from __future__ import annotations

import logging
from typing import Any

from keel.errors import InvalidParameter
from keel.models.datatypes import AnyType
from keel.models.params import ParamSchema
from keel.models.schema import ColSpec, Schema
from keel.models.schema_inference import infer_param_schema, infer_schema

logger = logging.getLogger(__name__)


class ModelSignature:
    """What a model takes and returns. At least one of the three schemas is given.

    Example:
        >>> sig = ModelSignature(Schema([ColSpec("double", "x")]), Schema([ColSpec("long")]))
        >>> sig.to_dict()["inputs"]
        '[{"type": "double", "name": "x", "required": true}]'
    """

    def __init__(
        self,
        inputs: Schema | None = None,
        outputs: Schema | None = None,
        params: ParamSchema | None = None,
    ) -> None:
        for label, value, kind in (
            ("inputs", inputs, Schema),
            ("outputs", outputs, Schema),
            ("params", params, ParamSchema),
        ):
            if value is not None and not isinstance(value, kind):
                raise InvalidParameter(
                    f"Signature {label} must be a {kind.__name__}, got {type(value).__name__}"
                )
        if inputs is None and outputs is None and params is None:
            raise InvalidParameter("At least one of inputs, outputs or params must be provided")
        self.inputs = inputs
        self.outputs = outputs
        self.params = params

    def to_dict(self) -> dict[str, str | None]:
        """The ``signature`` mapping of an MLmodel file: each schema as a JSON string, or None."""
        return {
            "inputs": self.inputs.to_json() if self.inputs else None,
            "outputs": self.outputs.to_json() if self.outputs else None,
            "params": self.params.to_json() if self.params else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        inputs, outputs, params = data.get("inputs"), data.get("outputs"), data.get("params")
        return cls(
            Schema.from_json(inputs) if inputs else None,
            Schema.from_json(outputs) if outputs else None,
            ParamSchema.from_json(params) if params else None,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelSignature) and (self.inputs, self.outputs, self.params) == (
            other.inputs,
            other.outputs,
            other.params,
        )

    def __hash__(self) -> int:
        return hash((self.inputs, self.outputs, self.params))

    def __repr__(self) -> str:
        return f"inputs: \n  {self.inputs!r}\noutputs: \n  {self.outputs!r}\nparams: \n  {self.params!r}\n"


def infer_signature(
    model_input: Any = None, model_output: Any = None, params: dict[str, Any] | None = None
) -> ModelSignature:
    """The signature MLflow's ``infer_signature`` gives the same data, down to the JSON.

    Args:
        model_input: example input: a DataFrame, Series, numpy array, dict of arrays, list or dict.
        model_output: example predictions, in the same kinds.
        params: inference-time params with their default values, e.g. ``{"temperature": 0.5}``.

    Returns:
        The signature; a schema that cannot be inferred becomes ``[{"type": "any"}]``, as in MLflow.

    Example:
        >>> sig = infer_signature(df, model.predict(df), params={"threshold": 0.5})
    """
    schemas: dict[str, Schema | None] = {"inputs": None, "outputs": None}
    for key, data in (("inputs", model_input), ("outputs", model_output)):
        if data is None:
            continue
        try:
            schemas[key] = infer_schema(data)
        except InvalidParameter:
            logger.warning(
                "Failed to infer schema for %s; using Schema([ColSpec(AnyType())]).", key, exc_info=True
            )
            schemas[key] = Schema([ColSpec(AnyType())])
    return ModelSignature(
        schemas["inputs"], schemas["outputs"], infer_param_schema(params) if params else None
    )
