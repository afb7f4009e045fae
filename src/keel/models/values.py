"""Checking values against a signature's types, converting only where no information is lost.

Columns: int widens to long, float to double, (u)int of up to 6 bytes to double, datetimes of any
precision to ``datetime64[ns]``; nothing narrows (double -> float, float -> int are refused), as in
MLflow's ``_enforce_mlflow_datatype``.
"""

from __future__ import annotations

import decimal
from copy import deepcopy
from typing import Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter
from keel.models.datatypes import AnyType, Array, DataType, Map, Object, SparkMLVector, ValueType


def is_none_or_nan(value: Any) -> bool:
    if isinstance(value, float):
        return bool(np.isnan(value))
    return value is None or value is pd.NA or value is pd.NaT


def enforce_column(name: Any, values: pd.Series[Any], dtype: DataType) -> pd.Series[Any]:
    """``values`` as a column of ``dtype``: unchanged, safely widened, or InvalidParameter naming ``name``."""
    if values.dtype == object and dtype not in (DataType.binary, DataType.string):
        values = values.infer_objects()
    if dtype in (DataType.string, DataType.binary) and (
        values.dtype == object or isinstance(values.dtype, pd.StringDtype)
    ):
        return values  # object columns may hold anything; casting would turn None into "None"
    if dtype.to_pandas() == values.dtype or dtype.to_numpy() == values.dtype:
        return values
    if dtype is DataType.binary and values.dtype.kind == "S":
        return values  # numpy bytes carry a length in their dtype; MLflow's binary has none
    if dtype is DataType.datetime:
        return _to_datetime(name, values)
    if dtype is DataType.boolean and values.dtype == object:
        return values  # converting would turn None into False
    if dtype is DataType.double and values.dtype == decimal.Decimal:
        try:
            return pd.to_numeric(values, errors="raise")
        except ValueError:
            raise _cannot_convert(name, values.dtype, dtype.to_numpy()) from None
    target = dtype.to_numpy()
    if _is_widening(values.dtype, target) or (
        values.dtype == np.int64 and target.kind == "f" and _all_zero_or_one(values)
    ):
        return values.astype(target, errors="raise")
    raise _cannot_convert(name, values.dtype, target, _missing_values_hint(values, target))


def _is_widening(source: Any, target: np.dtype[Any]) -> bool:
    kind = getattr(source, "kind", None)
    if kind == target.kind:
        return bool(source.itemsize <= target.itemsize)
    if kind == "u" and target.kind == "i":
        return bool(source.itemsize < target.itemsize)
    if kind in ("i", "u") and target == np.float64:
        return bool(source.itemsize <= 6)
    return False


def _all_zero_or_one(values: pd.Series[Any]) -> bool:
    return all(pd.isnull(x) or x in (0, 1) for x in values)


def _to_datetime(name: Any, values: pd.Series[Any]) -> pd.Series[Any]:
    if values.dtype.kind != "M" and values.dtype != object:
        raise _cannot_convert(name, values.dtype, np.dtype("datetime64[ns]"))
    try:
        return values.astype(np.dtype("datetime64[ns]"), errors="raise")
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            f"Failed to convert column {name} from type {values.dtype} to datetime; the column must hold "
            f"timezone-naive datetimes. Error: {exc}"
        ) from exc


def _missing_values_hint(values: pd.Series[Any], target: np.dtype[Any]) -> str:
    if (
        values.dtype == np.float64
        and target.kind in ("i", "u")
        and values.hasnans
        and all(pd.isnull(x) or int(x) == x for x in values)
    ):
        return (
            " Hint: the column is probably float because it has missing values, which integer "
            "columns cannot hold. Declare the column as double in the signature if it may have "
            "missing values."
        )
    return ""


def _cannot_convert(name: Any, source: Any, target: Any, hint: str = "") -> InvalidParameter:
    return InvalidParameter(
        f"Incompatible input types for column {name}. Can not safely convert {source} to {target}.{hint}"
    )


def enforce_value(data: Any, dtype: ValueType, required: bool = True) -> Any:
    """One value (a cell, a property, an item) checked against ``dtype``; lists and dicts recursively."""
    if isinstance(dtype, DataType):
        return _enforce_scalar(data, dtype, required)
    if isinstance(dtype, Array | SparkMLVector):
        return _enforce_array(data, dtype, required)
    if isinstance(dtype, Object):
        return enforce_object(data, dtype, required)
    if isinstance(dtype, Map):
        return _enforce_map(data, dtype, required)
    if isinstance(dtype, AnyType):
        return data
    raise InvalidParameter(f"Invalid data type: {dtype!r}")


def _enforce_scalar(data: Any, dtype: DataType, required: bool) -> Any:
    if not required and is_none_or_nan(data):
        return None
    if not np.isscalar(data):
        raise InvalidParameter(f"Expected data to be scalar, got {type(data).__name__}")
    try:
        return enforce_column("", pd.Series([data]), dtype)[0]
    except InvalidParameter:
        raise InvalidParameter(
            f"Failed to enforce schema of data `{data!r}` with dtype `{dtype.name}`"
        ) from None


def _enforce_array(data: Any, arr: Array | SparkMLVector, required: bool) -> Any:
    if (not required or isinstance(arr.dtype, AnyType)) and (
        data is None or (isinstance(data, list | np.ndarray) and len(data) == 0)
    ):
        return data
    if not isinstance(data, list | np.ndarray):
        raise InvalidParameter(f"Expected data to be list or numpy array, got {type(data).__name__}")
    enforced: Any
    if isinstance(arr.dtype, DataType):
        enforced = (
            enforce_column("", pd.Series(data), arr.dtype).to_numpy(dtype=arr.dtype.to_numpy())
            if len(data) > 0
            else data
        )
    else:
        enforced = [enforce_value(x, arr.dtype, required) for x in data]
    if isinstance(data, list) and isinstance(enforced, np.ndarray):
        return enforced.tolist()
    if isinstance(data, np.ndarray) and isinstance(enforced, list):
        return np.array(enforced)
    return enforced


def enforce_object(data: Any, obj: Object, required: bool = True) -> Any:
    if not required and (data is None or data == {}):
        return data
    if not isinstance(data, dict):
        raise InvalidParameter(
            f"Failed to enforce schema of '{data}' with type '{obj}'. Expected data to be dictionary, "
            f"got {type(data).__name__}"
        )
    properties = {p.name: p for p in obj.properties}
    missing = {k for k, p in properties.items() if p.required} - set(data)
    if missing:
        raise InvalidParameter(f"Missing required properties: {missing}")
    invalid = set(data) - set(properties)
    if invalid:
        raise InvalidParameter(f"Invalid properties not defined in the schema found: {invalid}")
    for key, value in data.items():
        prop = properties[key]
        try:
            data[key] = enforce_value(value, prop.dtype, prop.required)
        except InvalidParameter as exc:
            raise InvalidParameter(
                f"Failed to enforce schema for key `{key}`. Expected type {prop.dtype!r}, "
                f"received type {type(value).__name__}"
            ) from exc
    return data


def _enforce_map(data: Any, map_type: Map, required: bool) -> Any:
    if (not required or isinstance(map_type.value_type, AnyType)) and (data is None or data == {}):
        return data
    if not isinstance(data, dict):
        raise InvalidParameter(f"Expected data to be a dict, got {type(data).__name__}")
    if not all(isinstance(k, str) for k in data):
        raise InvalidParameter("Expected all keys in the map type data are string type.")
    return {k: enforce_value(v, map_type.value_type, required) for k, v in data.items()}


# The types a param of each type also accepts, converted (MLflow's _ALLOWED_CONVERSIONS_FOR_PARAMS).
_PARAM_WIDENING = {
    DataType.long: (DataType.integer,),
    DataType.float: (DataType.integer, DataType.long),
    DataType.double: (DataType.integer, DataType.long, DataType.float),
}


def enforce_param_value(value: Any, dtype: DataType) -> Any:
    """A scalar param value as the Python type of ``dtype``: int -> long/float/double, long ->
    float/double, float -> double, and datetimes parsed; anything else is an InvalidParameter."""
    if value is None:
        return None
    if dtype is DataType.datetime:
        try:
            parsed = np.datetime64(value).item()
        except ValueError as exc:
            raise InvalidParameter(
                f"Failed to convert value `{value}` from type `{type(value)}` to `datetime`"
            ) from exc
        if isinstance(parsed, int):
            raise InvalidParameter(
                "Failed to convert value to `datetime`. It must be convertible to datetime.date/datetime, "
                f"got `{value}`"
            )
        return parsed
    if not np.isscalar(value):
        raise InvalidParameter(f"Value must be a scalar for type `{dtype.name}`, got `{value}`")
    if dtype.accepts(value) or any(t.accepts(value) for t in _PARAM_WIDENING.get(dtype, ())):
        try:
            return dtype.to_python()(value)
        except ValueError as exc:
            raise InvalidParameter(
                f"Failed to convert value `{value!r}` from type `{type(value)}` to `{dtype.name}`"
            ) from exc
    raise InvalidParameter(f"Can not safely convert `{type(value)}` to `{dtype.name}` for value `{value!r}`")


def check_object_param(value: Any, obj: Object) -> Any:
    """Validate a dict param against ``obj`` without changing the value the model receives."""
    enforce_object(deepcopy(value), obj)
    return value
