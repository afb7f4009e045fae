"""Making prediction input fit the model's input schema, as MLflow's pyfunc does before ``predict``.

Named columns: a missing required column is an InvalidParameter naming it; extra columns are dropped
(and logged); the rest are reordered and safely converted (``keel.models.values``). Tensors: shape
and dtype must match. Input that cannot be made to fit is refused, never silently cast.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter
from keel.models.datatypes import Array, DataType, Object
from keel.models.schema import ColSpec, Schema, TensorSpec
from keel.models.schema_inference import is_sparse_matrix, tensor_dtype
from keel.models.values import enforce_column, enforce_value

logger = logging.getLogger(__name__)


def enforce_schema(data: Any, schema: Schema) -> Any:
    """``data`` made to fit ``schema``: a DataFrame for column schemas, arrays for tensor schemas.

    Raises:
        InvalidParameter: naming the missing input or the column that cannot be safely converted.
    """
    if isinstance(data, pd.Series):
        data = pd.DataFrame(data)
    if not schema.is_tensor_spec():
        data = _as_frame(data, schema)
    if schema.has_input_names():
        data = _check_names(data, schema)
    elif not schema.is_tensor_spec() and len(data.columns) < len(schema.inputs):
        raise InvalidParameter(
            f"Model inference is missing inputs. The model signature declares {len(schema.inputs)} inputs "
            f"but the provided value only has {len(data.columns)} inputs. Note: the inputs were not named "
            "in the signature so only their count can be checked."
        )
    if schema.is_tensor_spec():
        return _enforce_tensors(data, schema)
    return _enforce_columns(data, schema)


def _is_scalar(value: Any) -> bool:
    return bool(np.isscalar(value)) or value is None


def _as_frame(data: Any, schema: Schema) -> pd.DataFrame:
    if np.isscalar(data):
        return pd.DataFrame([data])
    if isinstance(data, dict):
        one_row = any(isinstance(c.type, Array | Object) for c in schema.inputs) or all(
            _is_scalar(v) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in data.values()
        )
        try:
            if one_row:
                return pd.DataFrame([data])
            return pd.DataFrame(
                {k: v.tolist() if isinstance(v, np.ndarray) and v.ndim > 1 else v for k, v in data.items()}
            )
        except ValueError as exc:
            raise InvalidParameter(
                f"This model has a column-based signature, so its input is a DataFrame; the dict given "
                f"could not be made into one: {exc}"
            ) from exc
    if isinstance(data, list | np.ndarray):
        return pd.DataFrame(data)
    if isinstance(data, pd.DataFrame):
        return data
    raise InvalidParameter(f"Expected input to be DataFrame. Found: {type(data).__name__}")


def _check_names(data: Any, schema: Schema) -> Any:
    required = schema.required_input_names()
    optional = set(schema.optional_input_names())
    if len(required) == 1 and isinstance(data, np.ndarray):
        return {required[0]: data}  # one named input: the array is that input
    actual: set[Any] = set()
    if isinstance(data, pd.DataFrame):
        actual = set(data.columns)
    elif isinstance(data, dict):
        actual = set(data)
    missing = [name for name in required if name not in actual]
    extra = [name for name in actual if name not in required and name not in optional]
    if missing:
        message = f"Model is missing inputs {missing}."
        if len(missing) == 1:
            message = (
                f"The input column '{missing[0]}' is required by the model signature but missing from "
                "the input data."
            )
        if extra:
            message += f" Note that there were extra inputs: {sorted(map(str, extra))}."
        raise InvalidParameter(message)
    if extra:
        logger.warning("Inputs not in the model signature are ignored: %s", sorted(map(str, extra)))
    return data


def _enforce_columns(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    columns: dict[Any, pd.Series[Any]] = {}
    if schema.has_input_names():
        pairs: list[tuple[Any, ColSpec]] = []
        for spec in schema.inputs:
            assert isinstance(spec, ColSpec)
            if spec.name in frame:
                pairs.append((spec.name, spec))
    else:
        pairs = [(name, spec) for name, spec in zip(frame.columns, schema.inputs, strict=False)]  # type: ignore[misc]
    for name, spec in pairs:
        if isinstance(spec.type, DataType):
            columns[name] = enforce_column(name, frame[name], spec.type)
        else:
            cells = [enforce_value(cell, spec.type, spec.required) for cell in frame[name]]
            columns[name] = pd.Series(cells, index=frame.index, name=name)
    return pd.DataFrame(columns)


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    specs = [s for s in schema.inputs if isinstance(s, TensorSpec)]
    if schema.has_input_names():
        if isinstance(data, dict):
            out = {}
            for spec in specs:
                value = data[spec.name]
                if not isinstance(value, np.ndarray):
                    raise InvalidParameter(
                        "This model has a tensor-based signature with input names, so its input is a dict "
                        f"of numpy arrays, but input '{spec.name}' is a {type(value).__name__}."
                    )
                out[spec.name] = enforce_tensor(value, spec)
            return out
        if isinstance(data, pd.DataFrame):
            return {spec.name: _column_to_tensor(spec.name, data[spec.name], spec) for spec in specs}
        raise InvalidParameter(
            "This model has a tensor-based signature with input names, so its input is a dict of numpy "
            f"arrays or a DataFrame with one column per input, but a {type(data).__name__} was given."
        )
    spec = specs[0]
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise InvalidParameter("Input DataFrame is empty.")
        if len(data.columns) == 1:
            return _column_to_tensor(None, data[data.columns[0]], spec)
        if spec.shape != (-1, len(data.columns)):
            raise InvalidParameter(
                f"This model has an unnamed tensor input of shape {spec.shape}, but the DataFrame given "
                f"has {len(data.columns)} columns; pass (-1, {len(data.columns)}) shaped data."
            )
        return enforce_tensor(data.to_numpy(), spec)
    if isinstance(data, np.ndarray) or is_sparse_matrix(data):
        return enforce_tensor(data, spec)
    raise InvalidParameter(
        "This model has a tensor-based signature with no input names, so its input is a numpy array "
        f"or a DataFrame, but a {type(data).__name__} was given."
    )


def enforce_tensor(values: Any, spec: TensorSpec) -> Any:
    """``values`` unchanged if its shape and dtype match ``spec`` (``-1`` matches any size)."""
    expected, actual = spec.shape, values.shape
    dtype = values.dtype if isinstance(values, np.ndarray) else values.data.dtype
    if len(expected) == 1 and expected[0] == -1 and spec.type == np.dtype("O"):
        return values  # ragged input declared as an object vector
    if len(expected) > 1 and -1 in expected[1:] and len(actual) == 1 and dtype == np.dtype("O"):
        return values  # a ragged array for a spec with variable inner dimensions
    if len(expected) != len(actual) or any(e not in (-1, a) for e, a in zip(expected, actual, strict=True)):
        raise InvalidParameter(f"Shape of input {actual} does not match expected shape {expected}.")
    if tensor_dtype(dtype) != spec.type:
        raise InvalidParameter(f"dtype of input {dtype} does not match expected dtype {spec.type}")
    return values


def _column_to_tensor(name: str | None, column: pd.Series[Any], spec: TensorSpec) -> Any:
    label = f"input {name}" if name else "the unnamed input"
    if spec.shape[0] != -1 or -1 in spec.shape[1:]:
        raise InvalidParameter(
            "For DataFrame input, the first dimension of a tensor's shape must be variable and the "
            f"others fixed, but the signature gives {label} the shape {spec.shape}."
        )
    first = column.iloc[0]
    if np.isscalar(first):
        if spec.shape in ((-1,), (-1, 1)):
            return enforce_tensor(np.array(column, dtype=spec.type).reshape(spec.shape), spec)
        raise InvalidParameter(
            f"The DataFrame column '{name}' holds scalars, which needs the shape (-1,) or (-1, 1), but the "
            f"signature gives {spec.shape}."
        )
    if isinstance(first, list | np.ndarray):
        try:
            stacked = np.vstack(column.tolist()).reshape(spec.shape)
            if isinstance(first, list):
                stacked = stacked.astype(spec.type)  # lists carry no dtype to check
        except ValueError:
            stacked = None
        if stacked is None or len(stacked) != len(column):
            raise InvalidParameter(
                f"The values of DataFrame column '{name}' could not be made into the shape {spec.shape}; "
                "every element must have the same length."
            )
        return enforce_tensor(stacked, spec) if isinstance(first, np.ndarray) else stacked
    raise InvalidParameter(
        "A tensor-based signature needs DataFrame cells holding scalars, lists of scalars or numpy arrays."
    )
