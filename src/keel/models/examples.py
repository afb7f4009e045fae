"""Input examples, stored as MLflow stores them: ``input_example.json``, the request body
``serving_input_example.json``, and ``saved_input_example_info`` in the MLmodel file.

An example is a DataFrame, a numpy array, a dict of arrays, a list, a dict or a scalar, or a tuple
``(data, params)`` to store inference params with it.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter, NotFound
from keel.models.datatypes import DataType
from keel.models.schema import ColSpec, TensorSpec
from keel.models.schema_inference import infer_param_schema

if TYPE_CHECKING:
    from keel.models.mlmodel import Model
    from keel.models.schema import Schema

EXAMPLE_FILENAME = "input_example.json"
SERVING_INPUT_FILENAME = "serving_input_example.json"
# A dict example with one of these keys is an LLM request, sent to /invocations unwrapped.
LLM_REQUEST_KEYS = ("messages", "prompt", "input")


class ExampleEncoder(json.JSONEncoder):
    """JSON for numpy, pandas, bytes and dates, as MLflow's ``NumpyEncoder`` writes them."""

    def default(self, o: Any) -> Any:
        if isinstance(o, np.ndarray):
            if o.dtype == object:
                return [self.default(x) if _needs_encoding(x) else x for x in o.tolist()]
            if o.dtype.kind == "S":
                return np.vectorize(_encode_bytes)(o).tolist()
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, bytes | bytearray):
            return _encode_bytes(o)
        if isinstance(o, pd.Timestamp | dt.date | dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _needs_encoding(value: Any) -> bool:
    return isinstance(value, np.ndarray | np.generic | bytes | bytearray | pd.Timestamp | dt.date | dt.time)


def _encode_bytes(value: bytes | bytearray) -> str:
    return base64.encodebytes(bytes(value)).decode("ascii")


@dataclass
class InputExample:
    """An example as it will be stored: the data and params a model can score, and the two JSON texts."""

    data: Any
    params: dict[str, Any] | None
    info: dict[str, Any]
    example_json: str
    serving_json: str | None

    def save(self, directory: Path) -> None:
        (directory / EXAMPLE_FILENAME).write_text(self.example_json, encoding="utf-8")
        if self.serving_json is not None:
            (directory / SERVING_INPUT_FILENAME).write_text(self.serving_json, encoding="utf-8")


def build_example(example: Any) -> InputExample:
    """Encode ``example`` (or ``(example, params)``) the way MLflow's ``_Example`` does.

    Raises:
        InvalidParameter: for a kind of data MLflow cannot store as an example, or invalid params.
    """
    data, params = example, None
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        data, params = example
        infer_param_schema(params)  # the params must be valid params
    info: dict[str, Any] = {"artifact_path": EXAMPLE_FILENAME}
    if params:
        info["params"] = "true"
    stored, serving = _encode(data, info)
    is_llm_request = (
        isinstance(data, dict) and info["type"] == "json_object" and any(k in data for k in LLM_REQUEST_KEYS)
    )
    if is_llm_request:
        serving = data
    if params is not None:
        stored = {"inputs": stored, "params": params}
        serving = {**serving, **params} if is_llm_request else {**serving, "params": params}
    info["serving_input_path"] = SERVING_INPUT_FILENAME
    return InputExample(
        data=data,
        params=params,
        info=info,
        example_json=json.dumps(stored, cls=ExampleEncoder),
        serving_json=json.dumps(serving, cls=ExampleEncoder, indent=2),
    )


def _encode(data: Any, info: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    if isinstance(data, dict) and any(isinstance(v, np.ndarray) for v in data.values()):
        if not all(isinstance(v, np.ndarray) for v in data.values()):
            raise InvalidParameter(
                "Mixed types in dictionary are not supported as input examples. "
                "Found numpy arrays and other types."
            )
        info["type"] = "ndarray"
        stored: Any = {name: _without_nans(array).tolist() for name, array in data.items()}
        return stored, {"inputs": stored}
    if isinstance(data, dict):
        info["type"] = "json_object"
        return data, {"inputs": data}
    if isinstance(data, np.ndarray):
        info["type"] = "ndarray"
        stored = _without_nans(data).tolist()
        return stored, {"inputs": stored}
    if isinstance(data, list):
        if _contains_ndarray(data):
            raise InvalidParameter("Numpy arrays in list are not supported as input examples.")
        info["type"] = "json_object"
        return data, {"inputs": data}
    if isinstance(data, pd.DataFrame):
        split = data.where(data.notnull(), None).to_dict(orient="split")
        del split["index"]
        if all(data.columns == range(len(data.columns))):
            del split["columns"]
        info.update(type="dataframe", pandas_orient="split" if "columns" in split else "values")
        return split, {"dataframe_split": split}
    if np.isscalar(data) or isinstance(data, dt.datetime):
        info["type"] = "json_object"
        return data, {"inputs": data}
    raise InvalidParameter(
        "An input example must be a pandas DataFrame, a numpy array, a dict of numpy arrays, a dict, "
        f"a list, a scalar or a datetime, but got '{type(data)}'"
    )


def _without_nans(array: np.ndarray[Any, Any]) -> Any:
    if np.issubdtype(array.dtype, np.number):
        return np.where(np.isnan(array), np.array(None, dtype=object), array)
    return array


def _contains_ndarray(data: Any) -> bool:
    if isinstance(data, np.ndarray):
        return True
    if isinstance(data, list):
        return any(_contains_ndarray(x) for x in data)
    if isinstance(data, dict):
        return any(_contains_ndarray(x) for x in data.values())
    return False


def load_example(model: Model, directory: str | Path) -> Any:
    """The input example saved with a model (without its params), decoded; None if there is none.

    Raises:
        NotFound: when the MLmodel names an example file that is missing.
    """
    stored = _read_stored(model, Path(directory))
    if stored is None:
        return None
    info = model.saved_input_example_info or {}
    if info.get("params"):
        stored = stored["inputs"]
    schema = model.get_input_schema()
    kind = info.get("type")
    if kind == "json_object":
        return stored
    if kind == "ndarray":
        return _to_arrays(stored, schema)
    if kind == "dataframe":
        return _to_frame(stored, schema)
    if kind in ("sparse_matrix_csc", "sparse_matrix_csr"):
        raise InvalidParameter("Sparse matrix input examples are read by MLflow only, not by keel")
    raise InvalidParameter(f"Unknown input example type '{kind}'")


def load_example_params(model: Model, directory: str | Path) -> dict[str, Any] | None:
    """The params stored with the input example, if any."""
    info = model.saved_input_example_info or {}
    if not info.get("params"):
        return None
    stored = _read_stored(model, Path(directory))
    return None if stored is None else stored.get("params")


def _read_stored(model: Model, directory: Path) -> Any:
    info = model.saved_input_example_info
    if not info:
        return None
    path = directory / info.get("artifact_path", EXAMPLE_FILENAME)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"The model's input example '{path}' is missing") from None


def _to_arrays(stored: Any, schema: Schema | None) -> Any:
    tensors = [s for s in schema.inputs if isinstance(s, TensorSpec)] if schema else []
    if isinstance(stored, dict):
        types = {s.name: s.type for s in tensors}
        return {name: np.array(values, dtype=types.get(name)) for name, values in stored.items()}
    return np.array(stored, dtype=tensors[0].type if len(tensors) == 1 else None)


def _to_frame(stored: dict[str, Any], schema: Schema | None) -> pd.DataFrame:
    frame = pd.DataFrame(stored["data"], columns=stored.get("columns"))
    if schema is None or schema.is_tensor_spec():
        return frame
    for spec in schema.inputs:
        if (
            isinstance(spec, ColSpec)
            and isinstance(spec.type, DataType)
            and spec.name in frame
            and spec.type not in (DataType.string, DataType.binary, DataType.datetime)
        ):
            with contextlib.suppress(ValueError, TypeError):  # e.g. nulls in a long column: keep as read
                frame[spec.name] = frame[spec.name].astype(spec.type.to_numpy())
    return frame
