"""What reaches a model at predict time: input and params checked against its signature, as MLflow does."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from model_classes import Echo

import keel
from keel.errors import InvalidParameter
from keel.models import Array, ColSpec, DataType, ModelSignature, ParamSchema, ParamSpec, Schema, TensorSpec


def echo(path: Path, signature: ModelSignature) -> keel.pyfunc.PyFuncModel:
    keel.pyfunc.save_model(path, python_model=Echo(), signature=signature)
    return keel.pyfunc.load_model(path)


@pytest.fixture
def columns(tmp_path: Path) -> keel.pyfunc.PyFuncModel:
    schema = Schema([ColSpec("long", "n"), ColSpec("double", "x"), ColSpec("string", "s", required=False)])
    return echo(tmp_path / "columns", ModelSignature(inputs=schema))


def test_a_missing_required_column_is_an_invalid_parameter_naming_it(
    columns: keel.pyfunc.PyFuncModel,
) -> None:
    with pytest.raises(InvalidParameter, match="'x' is required by the model signature") as raised:
        columns.predict(pd.DataFrame({"n": [1]}))

    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"


def test_several_missing_columns_are_all_named(columns: keel.pyfunc.PyFuncModel) -> None:
    with pytest.raises(InvalidParameter, match=r"missing inputs \['n', 'x'\]"):
        columns.predict(pd.DataFrame({"s": ["a"]}))


def test_extra_columns_are_dropped_and_columns_put_in_signature_order(
    columns: keel.pyfunc.PyFuncModel, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        seen = columns.predict(pd.DataFrame({"extra": [0], "x": [0.5], "n": [1]}))

    assert list(seen.columns) == ["n", "x"]
    assert "extra" in caplog.text


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("n", np.array([1, 2], dtype="int32"), "int64"),
        ("n", np.array([1, 2], dtype="uint16"), "int64"),
        ("x", np.array([1, 2], dtype="int32"), "float64"),
        ("x", np.array([1.5, 2], dtype="float32"), "float64"),
        ("x", np.array([1, 2], dtype="uint8"), "float64"),
    ],
    ids=["int32->long", "uint16->long", "int32->double", "float32->double", "uint8->double"],
)
def test_safe_widening_conversions_are_applied(
    columns: keel.pyfunc.PyFuncModel, column: str, values: np.ndarray, expected: str
) -> None:
    frame = pd.DataFrame({"n": [1, 2], "x": [1.0, 2.0]})
    frame[column] = values

    seen = columns.predict(frame)

    assert str(seen[column].dtype) == expected
    np.testing.assert_array_equal(seen[column], values)


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("n", [1.5, 2.0], "Can not safely convert float64 to int64"),
        ("n", [1.0, None], "missing values"),
        ("n", np.array([1, 2], dtype="uint64"), "Can not safely convert uint64 to int64"),
        ("x", ["a", "b"], "Can not safely convert object to float64"),
        ("x", [2**53 + 1, 3], "Can not safely convert int64 to float64"),
    ],
    ids=["double->long", "ints with NaN", "uint64->long", "string->double", "long->double"],
)
def test_lossy_conversions_are_refused(
    columns: keel.pyfunc.PyFuncModel, column: str, values: object, message: str
) -> None:
    frame = pd.DataFrame({"n": [1, 2], "x": [1.0, 2.0]})
    frame[column] = values

    with pytest.raises(InvalidParameter, match=f"column {column}.*{message}"):
        columns.predict(frame)


def test_double_is_not_narrowed_to_float(tmp_path: Path) -> None:
    model = echo(tmp_path / "m", ModelSignature(inputs=Schema([ColSpec("float", "f")])))

    assert str(model.predict(pd.DataFrame({"f": np.array([1.5], dtype="float32")}))["f"].dtype) == "float32"
    with pytest.raises(InvalidParameter, match="Can not safely convert float64 to float32"):
        model.predict(pd.DataFrame({"f": [1.5]}))


def test_dicts_and_lists_are_made_into_frames_for_column_signatures(columns: keel.pyfunc.PyFuncModel) -> None:
    from_dict = columns.predict({"n": 1, "x": 2.0})
    from_records = columns.predict([{"n": 1, "x": 2.0}, {"n": 2, "x": 3.0}])
    from_columns = columns.predict({"n": np.array([1, 2]), "x": np.array([0.5, 1.5])})

    assert from_dict.to_dict("list") == {"n": [1], "x": [2.0]}
    assert from_records.to_dict("list") == {"n": [1, 2], "x": [2.0, 3.0]}
    assert from_columns.to_dict("list") == {"n": [1, 2], "x": [0.5, 1.5]}


def test_array_columns_are_checked_item_by_item(tmp_path: Path) -> None:
    model = echo(tmp_path / "m", ModelSignature(inputs=Schema([ColSpec(Array(DataType.double), "v")])))

    seen = model.predict(pd.DataFrame({"v": [[1.5, 2.0], np.array([3], dtype="float32")]}))

    assert seen["v"].tolist() == [[1.5, 2.0], [3.0]]
    with pytest.raises(InvalidParameter, match="Expected data to be list"):
        model.predict(pd.DataFrame({"v": ["not a list"]}))


def test_tensor_signatures_check_shape_and_dtype(tmp_path: Path) -> None:
    model = echo(tmp_path / "m", ModelSignature(inputs=Schema([TensorSpec(np.dtype("float64"), (-1, 2))])))
    good = np.array([[1.0, 2.0], [3.0, 4.0]])

    np.testing.assert_array_equal(model.predict(good), good)
    np.testing.assert_array_equal(model.predict(pd.DataFrame(good)), good)
    with pytest.raises(
        InvalidParameter, match=r"Shape of input \(2, 3\) does not match expected shape \(-1, 2\)"
    ):
        model.predict(np.ones((2, 3)))
    with pytest.raises(InvalidParameter, match="dtype of input int64 does not match expected dtype float64"):
        model.predict(np.ones((2, 2), dtype="int64"))


def test_named_tensor_inputs_come_as_a_dict_of_arrays(tmp_path: Path) -> None:
    schema = Schema(
        [TensorSpec(np.dtype("int64"), (-1,), "ids"), TensorSpec(np.dtype("float32"), (-1, 2), "w")]
    )
    model = echo(tmp_path / "m", ModelSignature(inputs=schema))
    data = {"ids": np.array([1, 2]), "w": np.ones((2, 2), dtype="float32")}

    seen = model.predict(data)

    assert set(seen) == {"ids", "w"}
    with pytest.raises(InvalidParameter, match="'w' is required"):
        model.predict({"ids": np.array([1])})


@pytest.fixture
def with_params(tmp_path: Path) -> tuple[keel.pyfunc.PyFuncModel, Echo]:
    params = ParamSchema(
        [
            ParamSpec("temperature", "double", 0.5),
            ParamSpec("k", "long", 3),
            ParamSpec("stop", "string", ["."], (-1,)),
        ]
    )
    model = echo(tmp_path / "p", ModelSignature(inputs=Schema([ColSpec("double", "x")]), params=params))
    return model, model.unwrap_python_model()


def test_params_take_their_defaults_when_not_given(with_params: tuple[keel.pyfunc.PyFuncModel, Echo]) -> None:
    model, inner = with_params

    model.predict(pd.DataFrame({"x": [1.0]}))

    assert inner.last_params == {"temperature": 0.5, "k": 3, "stop": ["."]}


def test_params_are_widened_and_unknown_ones_dropped(
    with_params: tuple[keel.pyfunc.PyFuncModel, Echo], caplog: pytest.LogCaptureFixture
) -> None:
    model, inner = with_params

    with caplog.at_level(logging.WARNING):
        model.predict(pd.DataFrame({"x": [1.0]}), params={"temperature": 1, "k": np.int32(7), "top_p": 0.1})

    assert inner.last_params == {"temperature": 1.0, "k": 7, "stop": ["."]}
    assert isinstance(inner.last_params["temperature"], float)
    assert "top_p" in caplog.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"k": 2.5}, "Can not safely convert"),
        ({"temperature": "hot"}, "Can not safely convert"),
        ({"stop": "."}, "1D array"),
    ],
    ids=["double for long", "string for double", "scalar for list"],
)
def test_params_that_do_not_fit_are_refused(
    with_params: tuple[keel.pyfunc.PyFuncModel, Echo], params: dict[str, object], message: str
) -> None:
    model, _ = with_params

    with pytest.raises(InvalidParameter, match=f"Invalid parameters found.*{message}"):
        model.predict(pd.DataFrame({"x": [1.0]}), params=params)


def test_a_model_without_a_params_schema_gets_no_params(tmp_path: Path) -> None:
    model = echo(tmp_path / "m", ModelSignature(inputs=Schema([ColSpec("double", "x")])))

    model.predict(pd.DataFrame({"x": [1.0]}), params={"temperature": 0.1})

    assert model.unwrap_python_model().last_params == {}
