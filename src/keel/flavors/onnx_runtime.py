"""Scoring an ONNX model with onnxruntime, as MLflow's ``mlflow.onnx`` pyfunc does: which providers and
session options a session gets, and how a DataFrame, an array or a dict of arrays feeds the graph.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter, Unsupported

logger = logging.getLogger(__name__)

CPU_PROVIDER = "CPUExecutionProvider"
# MLflow's default: the GPU when onnxruntime has one, else the CPU.
ONNX_EXECUTION_PROVIDERS = ["CUDAExecutionProvider", CPU_PROVIDER]
EXECUTION_MODES = ("PARALLEL", "SEQUENTIAL")
OPTIMIZATION_LEVELS = (0, 1, 2, 99)


def check_session_options(options: dict[str, Any] | None) -> None:
    """MLflow's checks of ``onnx_session_options``, before anything is written."""
    import onnxruntime

    if options is None:
        return
    if not isinstance(options, dict):
        raise InvalidParameter(f"onnx_session_options should be a dict, not {type(options)}")
    for key, value in options.items():
        if key == "extra_session_config":
            if not isinstance(value, dict):
                raise InvalidParameter(f"onnx_session_options['{key}'] should be a dict, not {type(value)}")
        elif not hasattr(onnxruntime.SessionOptions, key):
            raise InvalidParameter(f"'{key}' in onnx_session_options is not an onnxruntime session option")
        elif key == "execution_mode" and str(value).upper() not in EXECUTION_MODES:
            raise InvalidParameter(f"execution_mode should be 'parallel' or 'sequential', not {value!r}")
        elif key == "graph_optimization_level" and value not in OPTIMIZATION_LEVELS:
            raise InvalidParameter(f"graph_optimization_level should be 0, 1, 2 or 99, not {value!r}")
        elif key in ("intra_op_num_threads", "inter_op_num_threads") and (
            not isinstance(value, int) or value < 0
        ):
            raise InvalidParameter(f"{key} should be an integer >= 0, not {value!r}")


class OnnxModelWrapper:
    """The pyfunc implementation: an onnxruntime ``InferenceSession`` fed by MLflow's input rules.

    - a dict of arrays is the feed, by input name;
    - an array feeds a model with a single input;
    - a DataFrame feeds its values to a single-input model, else one column per input by name.

    float64 values are cast to float32 for float inputs. A DataFrame gets a DataFrame back, one column
    per output (flattened, as MLflow does); anything else a dict of arrays by output name.
    """

    def __init__(
        self, path: str, providers: list[Any] | None = None, session_options: dict[str, Any] | None = None
    ) -> None:
        import onnxruntime

        requested = _provider_list(providers)
        available = set(onnxruntime.get_available_providers())
        usable = [p for p in requested if _provider_name(p) in available] or [CPU_PROVIDER]
        if len(usable) < len(requested):
            logger.info("onnxruntime lacks some of the providers %s; using %s", requested, usable)
        options = _session_options(session_options)
        try:
            self.rt = onnxruntime.InferenceSession(path, sess_options=options, providers=usable)
        except Exception:  # a provider compiled in but failing to start (no driver): fall back
            if usable == [CPU_PROVIDER]:
                raise
            logger.warning("onnxruntime could not start %s; falling back to the CPU", usable)
            self.rt = onnxruntime.InferenceSession(path, sess_options=options, providers=[CPU_PROVIDER])
        self.inputs = [(i.name, i.type) for i in self.rt.get_inputs()]
        self.output_names = [o.name for o in self.rt.get_outputs()]

    def get_raw_model(self) -> Any:
        return self.rt

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument

        feeds = self._feeds(data)
        for name, kind in self.inputs:
            if kind == "tensor(float)" and feeds[name].dtype == np.float64:
                feeds[name] = feeds[name].astype(np.float32)
        try:
            predicted = self.rt.run(self.output_names, feeds)
        except (InvalidArgument, ValueError) as exc:
            raise InvalidParameter(f"onnxruntime could not score the input: {exc}") from exc
        if not isinstance(data, pd.DataFrame):
            return dict(zip(self.output_names, predicted, strict=True))
        columns = {
            name: np.asarray(p).reshape(-1) for name, p in zip(self.output_names, predicted, strict=True)
        }
        if len({len(c) for c in columns.values()}) > 1:
            raise Unsupported(
                "The model's outputs differ in size and cannot be DataFrame columns: pass a numpy array "
                "or a dict of arrays to get each output whole"
            )
        return pd.DataFrame(columns)

    def _feeds(self, data: Any) -> dict[str, np.ndarray[Any, Any]]:
        names = [name for name, _ in self.inputs]
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(names))
            if unknown:
                raise InvalidParameter(f"The model has no inputs {unknown}; its inputs are {names}")
            feeds = {name: np.asarray(value) for name, value in data.items()}
        elif isinstance(data, np.ndarray):
            if len(names) != 1:
                raise InvalidParameter(
                    f"A numpy array feeds a model with a single input, but this one has {len(names)}: "
                    f"{names}. Pass a dict of arrays or a DataFrame with these columns."
                )
            feeds = {names[0]: data}
        elif isinstance(data, pd.DataFrame):
            if len(names) == 1:
                feeds = {names[0]: data.to_numpy()}
            else:
                absent = [name for name in names if name not in data.columns]
                if absent:
                    raise InvalidParameter(f"The DataFrame lacks the model's inputs {absent}")
                feeds = {name: data[name].to_numpy() for name in names}
        else:
            raise InvalidParameter(
                f"The ONNX flavor scores a dict of arrays, a numpy array or a DataFrame, not a {type(data)}"
            )
        missing = [name for name in names if name not in feeds]
        if missing:
            raise InvalidParameter(f"Model inference is missing inputs {missing}; its inputs are {names}")
        return feeds


def _provider_list(providers: Any) -> list[Any]:
    """The providers an MLmodel names, as onnxruntime takes them (YAML turned tuples into lists)."""
    if isinstance(providers, str):
        providers = [providers]
    if not providers:
        providers = ONNX_EXECUTION_PROVIDERS
    return [tuple(p) if isinstance(p, list) else p for p in providers]


def _provider_name(entry: Any) -> str | None:
    if isinstance(entry, tuple):
        entry = entry[0] if entry else None
    return entry if isinstance(entry, str) else None


def _session_options(settings: dict[str, Any] | None) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    settings = settings or {}
    if threads := settings.get("inter_op_num_threads"):
        options.inter_op_num_threads = threads
    if threads := settings.get("intra_op_num_threads"):
        options.intra_op_num_threads = threads
    if mode := settings.get("execution_mode"):
        parallel = str(mode).upper() == "PARALLEL"
        options.execution_mode = (
            onnxruntime.ExecutionMode.ORT_PARALLEL if parallel else onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        )
    if (level := settings.get("graph_optimization_level")) is not None:
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel(level)
    for key, value in (settings.get("extra_session_config") or {}).items():
        options.add_session_config_entry(key, value)
    return options
