"""Schemas inferred from data, by MLflow's rules, so the same data gives the same signature JSON.

DataFrames, Series, lists of scalars and lists/dicts of JSON-like values give column schemas; numpy
arrays and dicts of arrays give tensor schemas; a dict of params gives a ``ParamSchema``.
"""

from __future__ import annotations

from collections import defaultdict
from copy import deepcopy
from typing import Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter
from keel.models.datatypes import AnyType, Array, DataType, Object, Property, ValueType, merge_types
from keel.models.params import ParamSchema, ParamSpec
from keel.models.schema import ColSpec, Schema, TensorSpec
from keel.models.values import is_none_or_nan

MULTIPLE_TYPES_ERROR = (
    "Expected all values in list to be of same type. To specify a model signature with a list "
    "containing elements of multiple types, define the signature manually using the Array(AnyType()) type."
)

# datetime is found by its own check, after this table (MLflow's SCALAR_TO_DATATYPE_MAPPING)
_SCALAR_TYPES: dict[type, DataType] = {
    bool: DataType.boolean,
    np.bool_: DataType.boolean,
    int: DataType.long,
    np.int64: DataType.long,
    np.int32: DataType.integer,
    float: DataType.double,
    np.float64: DataType.double,
    np.float32: DataType.float,
    str: DataType.string,
    np.str_: DataType.string,
    object: DataType.string,
    bytes: DataType.binary,
    np.bytes_: DataType.binary,
    bytearray: DataType.binary,
}


def infer_schema(data: Any) -> Schema:
    """The schema MLflow's ``_infer_schema`` gives ``data``.

    Raises:
        InvalidParameter: when ``data`` is of no supported kind or mixes types.
    """
    if isinstance(data, list) and data == []:
        return Schema([ColSpec(DataType.string)])  # MLflow keeps this for backward compatibility
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        columns: dict[Any, list[Any]] = defaultdict(list)
        for item in data:
            for key, value in item.items():
                columns[key].append(value)
        return Schema(
            [
                ColSpec(
                    _list_item_type(values),
                    name,
                    required=all(item.get(name) is not None for item in data),
                )
                for name, values in columns.items()
            ]
        )
    if isinstance(data, dict):
        if all(isinstance(v, np.ndarray) for v in data.values()):
            return Schema(
                [TensorSpec(tensor_dtype(a.dtype), tensor_shape(a), name) for name, a in data.items()]
            )
        if any(not isinstance(key, str) for key in data):
            raise InvalidParameter("The dictionary keys are not all strings.")
        return Schema(
            [ColSpec(_value_type(value), name, required=_is_required(value)) for name, value in data.items()]
        )
    if isinstance(data, pd.Series):
        return Schema([ColSpec(_pandas_column_type(data), data.name, required=_is_required(data))])
    if isinstance(data, pd.DataFrame):
        return Schema(
            [
                ColSpec(_pandas_column_type(data[col]), col, required=_is_required(data[col]))
                for col in data.columns
            ]
        )
    if isinstance(data, np.ndarray):
        return Schema([TensorSpec(tensor_dtype(data.dtype), tensor_shape(data))])
    if is_sparse_matrix(data):
        return Schema([TensorSpec(tensor_dtype(data.data.dtype), tensor_shape(data))])
    if isinstance(data, list):
        return Schema([ColSpec(_list_item_type(data))])
    try:
        return Schema([ColSpec(_value_type(data))])
    except InvalidParameter as exc:
        raise InvalidParameter(
            "Failed to infer schema. Expected a pandas DataFrame or Series, a numpy array, a dict of "
            "numpy arrays, a scipy sparse matrix, a scalar, a list of scalars, a dict of JSON-like "
            f"values or a list of such dicts, but got '{data}'. Error: {exc.message}"
        ) from exc


def tensor_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype without the length numpy gives strings and bytes (MLflow's ``clean_tensor_type``)."""
    if dtype.char == "U":
        return np.dtype("str")
    if dtype.char == "S":
        return np.dtype("bytes")
    return dtype


def tensor_shape(data: Any) -> tuple[int, ...]:
    """The shape with the first dimension variable (-1)."""
    shape = list(data.shape)
    if not shape:
        raise InvalidParameter("The variable dimension 0 is out of bounds for a 0-dimensional input")
    shape[0] = -1
    return tuple(shape)


def numpy_dtype_type(dtype: Any) -> DataType:
    """The DataType of a numpy or pandas extension dtype (MLflow's ``_infer_numpy_dtype``)."""
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return DataType.boolean
    if kind in ("i", "u"):
        if size < 4 or (kind == "i" and size == 4):
            return DataType.integer
        if size < 8 or (kind == "i" and size == 8):
            return DataType.long
    elif kind == "f":
        if size <= 4:
            return DataType.float
        if size <= 8:
            return DataType.double
    elif kind == "U":
        return DataType.string
    elif kind == "S":
        return DataType.binary
    elif kind == "M":
        return DataType.datetime
    raise InvalidParameter(f"Unsupported numpy data type '{dtype}', kind '{kind}'")


def _pandas_column_type(col: pd.Series[Any]) -> ValueType:
    if len(col.values.shape) > 1:
        raise InvalidParameter(f"Expected 1d array, got array with shape {col.shape}")
    if col.dtype.kind == "O":
        col = col.infer_objects()
    if col.dtype.kind != "O":
        return numpy_dtype_type(col.dtype)
    try:
        return _list_item_type(col.to_list())
    except InvalidParameter as exc:
        if pd.api.types.is_string_dtype(col):
            return DataType.string
        raise InvalidParameter(
            f"Failed to infer schema for pandas.Series {col}. Error: {exc.message}"
        ) from exc


def _list_item_type(values: list[Any] | np.ndarray[Any, Any]) -> ValueType:
    found = _array_type(values)
    if found is None:
        raise InvalidParameter(
            f"Numpy array must include at least one non-empty item. Invalid input `{values}`."
        )
    return found.dtype


def _value_type(data: Any) -> ValueType:
    found = _datatype_or_none(data)
    if found is None:
        raise InvalidParameter(
            f"Numpy array must include at least one non-empty item. Invalid input `{data}`."
        )
    return found


def _datatype_or_none(data: Any) -> ValueType | None:
    """MLflow's ``_infer_datatype``: None only for an empty numpy array (type undetermined)."""
    if is_none_or_nan(data) or (isinstance(data, list | dict) and not data):
        return AnyType()
    if isinstance(data, dict):
        properties = []
        for key, value in data.items():
            dtype = _datatype_or_none(value)
            if dtype is None:
                raise InvalidParameter("Dictionary value must not be an empty numpy array.")
            properties.append(Property(key, dtype, required=not isinstance(dtype, AnyType)))
        return Object(tuple(properties))
    if isinstance(data, list | np.ndarray):
        return _array_type(data)
    return _scalar_type(data)


def _array_type(data: list[Any] | np.ndarray[Any, Any]) -> Array | None:
    result: Array | None = None
    for item in data:
        dtype = _datatype_or_none(item)
        if dtype is None:
            continue
        if result is None:
            result = Array(dtype)
        elif isinstance(result.dtype, DataType):
            if not isinstance(dtype, AnyType) and dtype != result.dtype:
                raise InvalidParameter(MULTIPLE_TYPES_ERROR)
        else:
            try:
                result = Array(merge_types(result.dtype, dtype))
            except InvalidParameter as exc:
                raise InvalidParameter(MULTIPLE_TYPES_ERROR) from exc
    return result


def _scalar_type(data: Any) -> DataType:
    found = _SCALAR_TYPES.get(type(data))
    if found is not None:
        return found
    if DataType.datetime.accepts(data):
        return DataType.datetime
    raise InvalidParameter(f"Data {data} is not one of the supported DataType")


def _is_required(value: Any) -> bool:
    if isinstance(value, list | pd.Series):
        return not any(is_none_or_nan(x) for x in value)
    return not is_none_or_nan(value)


def is_sparse_matrix(data: Any) -> bool:
    """A scipy CSR or CSC matrix (checked by name: scipy is not imported for it)."""
    module = type(data).__module__
    return module.startswith("scipy.sparse") and type(data).__name__ in ("csr_matrix", "csc_matrix")


def infer_param_schema(params: dict[str, Any]) -> ParamSchema:
    """The params schema MLflow infers: each value's type and shape, the value as its default.

    Raises:
        InvalidParameter: when ``params`` is not a dict, or a value is neither a scalar, a 1-D list,
            nor a dict.
    """
    if not isinstance(params, dict):
        raise InvalidParameter(f"Expected parameters to be dict, got {type(params).__name__}")
    specs, invalid = [], []
    for name, value in params.items():
        try:
            dtype, shape = _param_type_and_shape(value)
            specs.append(ParamSpec(name, dtype, deepcopy(value), shape))
        except InvalidParameter as exc:
            invalid.append((name, value, exc.message))
    if invalid:
        raise InvalidParameter(f"Failed to infer schema for parameters: {invalid}")
    return ParamSchema(specs)


def _param_type_and_shape(value: Any) -> tuple[DataType | Object, tuple[int, ...] | None]:
    if isinstance(value, list | np.ndarray):
        depth = _array_depth(value)
        if depth != 1:
            raise InvalidParameter(f"Expected parameters to be 1D array or scalar, got {depth}D array")
        if all(DataType.datetime.accepts(v) for v in value):
            return DataType.datetime, (-1,)
        return numpy_dtype_type(np.array(value).dtype), (-1,)
    if DataType.datetime.accepts(value):
        return DataType.datetime, None
    if np.isscalar(value):
        try:
            return numpy_dtype_type(np.array(value).dtype), None
        except InvalidParameter as exc:
            raise InvalidParameter(f"Failed to infer schema for parameter {value!r}: {exc.message}") from exc
    if isinstance(value, dict):
        dtype = infer_schema({"value": value}).inputs[0].type
        assert isinstance(dtype, Object)
        return dtype, None
    raise InvalidParameter(f"Expected parameters to be 1D array or scalar, got {type(value).__name__}")


def _array_depth(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.ndim)
    if isinstance(value, list):
        return max(_array_depth(item) for item in value) + 1 if value else 1
    return 0
