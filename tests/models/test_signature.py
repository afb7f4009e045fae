"""Signatures: keel infers the same JSON as MLflow for the same data, and each reads the other's."""

from __future__ import annotations

import datetime as dt

import mlflow.models
import numpy as np
import pandas as pd
import pytest

from keel.errors import InvalidParameter
from keel.models import (
    Array,
    ColSpec,
    DataType,
    ModelSignature,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
    infer_signature,
)

FRAME = pd.DataFrame(
    {
        "double": [1.0, 2.5],
        "long": [1, 2],
        "string": ["x", "y"],
        "boolean": [True, False],
        "integer": np.array([1, 2], dtype="int32"),
        "float": np.array([1.5, 2], dtype="float32"),
        "small_unsigned": np.array([1, 2], dtype="uint8"),
        "datetime": pd.to_datetime(["2020-01-01", "2021-06-30"]),
        "binary": [b"a", b"b"],
        "missing": [1.0, None],
        "lists": [[1, 2], [3]],
        "objects": [{"a": 1}, {"a": 2, "b": "x"}],
    }
)

DATA = {
    "dataframe of every column type": (FRAME, pd.Series([1, 0], name="label")),
    "2-d array": (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0])),
    "dict of arrays": ({"x": np.array([1, 2]), "y": np.array([["a", "b"]])}, None),
    "list of records": ([{"a": 1, "b": "x"}, {"a": 2, "b": None, "c": [1.0]}], ["p", "q"]),
    "dict of JSON values": (
        {"q": "hi", "ctx": ["a", "b"], "meta": {"k": 1, "z": None}, "none": None},
        "text",
    ),
    "scalars": ("just text", 5),
    "lists of scalars": ([1, 2, 3], [1.5, None]),
    "empty list": ([], None),
    "pandas string dtype": (pd.DataFrame({"x": pd.array(["a", None], dtype="string")}), pd.Series([1.0])),
    "string and bytes arrays": (np.array(["ab", "c"]), np.array([b"a"])),
    "float32 series": (pd.Series(np.array([1, 2], dtype="float32"), name="f"), None),
}

PARAMS = {
    "temperature": 0.5,
    "n": 3,
    "flag": True,
    "name": "x",
    "ids": [1, 2],
    "weights": [0.5, 1.5],
    "when": dt.datetime(2020, 1, 1),
    "options": {"a": 1, "b": "z"},
    "f32": np.float32(1.5),
    "i32": np.int32(4),
}


@pytest.mark.parametrize(("model_input", "model_output"), list(DATA.values()), ids=list(DATA))
def test_infer_signature_writes_the_json_mlflow_writes(model_input: object, model_output: object) -> None:
    expected = mlflow.models.infer_signature(model_input, model_output).to_dict()

    assert infer_signature(model_input, model_output).to_dict() == expected


def test_inferred_params_schema_matches_mlflows_types_defaults_and_shapes() -> None:
    expected = mlflow.models.infer_signature(params=PARAMS).to_dict()

    assert infer_signature(params=PARAMS).to_dict() == expected


def test_a_signature_keel_writes_reads_back_equal_and_mlflow_reads_it_identically() -> None:
    signature = infer_signature(FRAME, pd.Series([1, 0]), params=PARAMS)

    written = signature.to_dict()

    assert ModelSignature.from_dict(written) == signature
    assert mlflow.models.ModelSignature.from_dict(written).to_dict() == written


def test_a_signature_mlflow_writes_reads_back_to_the_same_json() -> None:
    written = mlflow.models.infer_signature(FRAME, np.array([[1.0, 2.0]]), params=PARAMS).to_dict()

    assert ModelSignature.from_dict(written).to_dict() == written


def test_hand_built_schemas_serialise_as_mlflow_spells_them() -> None:
    signature = ModelSignature(
        inputs=Schema(
            [
                ColSpec("double", "x"),
                ColSpec(Array(DataType.string), "tags", required=False),
                ColSpec(
                    Object((Property("b", DataType.long), Property("a", DataType.string, False))), "meta"
                ),
            ]
        ),
        outputs=Schema([TensorSpec(np.dtype("float32"), (-1, 3), "probs")]),
        params=ParamSchema([ParamSpec("k", DataType.long, 5), ParamSpec("ids", "long", [1, 2], (-1,))]),
    )

    assert signature.to_dict() == {
        "inputs": '[{"type": "double", "name": "x", "required": true}, '
        '{"type": "array", "items": {"type": "string"}, "name": "tags", "required": false}, '
        '{"type": "object", "properties": {"a": {"type": "string", "required": false}, '
        '"b": {"type": "long", "required": true}}, "name": "meta", "required": true}]',
        "outputs": '[{"name": "probs", "type": "tensor", '
        '"tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]',
        "params": '[{"name": "k", "default": 5, "shape": null, "type": "long"}, '
        '{"name": "ids", "default": [1, 2], "shape": [-1], "type": "long"}]',
    }


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Schema([ColSpec("double", "x"), ColSpec("double")]), "named and unnamed"),
        (
            lambda: Schema([ColSpec("double", "x"), TensorSpec(np.dtype("float64"), (-1,), "y")]),
            "ColSpec and TensorSpec",
        ),
        (lambda: Schema([]), "non-empty"),
        (lambda: ColSpec("decimal", "x"), "Unsupported type 'decimal'"),
        (lambda: ParamSpec("p", DataType.long, 1.5), "Failed to validate type and shape"),
        (
            lambda: ParamSchema([ParamSpec("p", "long", 1), ParamSpec("p", "long", 2)]),
            "Duplicated parameters",
        ),
        (lambda: ModelSignature(), "At least one of inputs"),
    ],
    ids=["mixed names", "mixed kinds", "empty", "unknown type", "bad default", "duplicate param", "nothing"],
)
def test_invalid_schemas_are_refused_with_a_clear_message(build: object, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        build()


def test_data_of_mixed_types_gives_an_any_schema_as_in_mlflow() -> None:
    mixed = [{"a": [1, "x"]}]

    signature = infer_signature(mixed)

    assert signature.to_dict()["inputs"] == '[{"type": "any", "required": true}]'
    assert signature.to_dict() == mlflow.models.infer_signature(mixed).to_dict()
