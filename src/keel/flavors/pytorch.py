"""``keel.pytorch``: PyTorch models in MLflow's ``pytorch`` flavor, saved, logged and loaded.

keel writes the ``pytorch`` and ``python_function`` flavors exactly as MLflow 3.17 does, with
``loader_module: mlflow.pytorch``, so MLflow loads keel's models and keel loads MLflow's (without
importing mlflow). Both of MLflow's serialization formats are read and written, under ``data/``:

- ``pickle``: the whole module, saved by ``torch.save`` into ``model.pth`` with cloudpickle's
  pickler (the module MLflow names ``mlflow.pytorch.pickle_module``, recorded in
  ``pickle_module_info.txt``), or a TorchScript module saved by ``torch.jit``. Stores any module;
  loading it runs code from the file.
- ``pt2``: the graph ``torch.export`` traces from an input example, in ``model.pt2``. No Python
  classes are needed to load it, and MLflow loads it without ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION``.

By default keel writes ``pt2`` when ``input_example`` is a numpy array or tensor (MLflow 3.17's
default, which requires one) and ``pickle`` otherwise. Both formats unpickle data on load (torch
says so of ``torch.export.load`` too): load models only from sources you trust. keel warns
(``UntrustedModelWarning``) the first time it does.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from keel.errors import InvalidParameter, Unsupported
from keel.flavors.pytorch_formats import (
    CPU,
    PICKLE_MODULE,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_PT2,
    SUPPORTED_SERIALIZATION_FORMATS,
    TORCH_HINT,
    default_map_location,
    example_arrays,
    read_module,
    write_exported,
    write_pickled,
)
from keel.models.directory import write_model
from keel.models.flavors import inside_model, open_flavor
from keel.models.log import ModelInfo
from keel.models.log import log_model as log_to_tracking
from keel.models.serialization import check_format
from keel.models.trust import warn_untrusted_format
from keel.models.uris import local_model_dir
from keel.tracking import fluent

if TYPE_CHECKING:
    from keel.models.environment import Requirements
    from keel.models.mlmodel import Model
    from keel.models.signature import ModelSignature

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_PT2",
    "load_model",
    "load_state_dict",
    "log_model",
    "log_state_dict",
    "save_model",
    "save_state_dict",
]

logger = logging.getLogger(__name__)

FLAVOR_NAME = "pytorch"
LOADER_MODULE = "mlflow.pytorch"
DATA_DIR = "data"
DATA_KEY = "model_data"
STATE_DICT_FILE = "state_dict.pth"
# The variable MLflow reads for the device pyfunc predicts on when model_config names none.
DEVICE_ENV_VAR = "MLFLOW_DEFAULT_PREDICTION_DEVICE"


def save_model(
    pytorch_model: Any,
    path: str | os.PathLike[str],
    serialization_format: str | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    pickle_module: Any = None,
    mlflow_model: Model | None = None,
    **kwargs: Any,
) -> None:
    """Save a PyTorch module to a new directory that keel and MLflow both load.

    Args:
        pytorch_model: a ``torch.nn.Module`` (or a TorchScript module, saved as ``pickle``).
        path: a new (or empty) directory.
        serialization_format: ``"pickle"`` or ``"pt2"``; by default ``"pt2"`` when ``input_example``
            is a numpy array or tensor (or a tuple of them), else ``"pickle"``.
        signature: the model's signature; inferred from ``input_example`` when omitted. ``pt2``
            needs a tensor-based one: its ``-1`` dimensions are exported as dynamic.
        input_example: example input; ``pt2`` traces the model with it.
        pip_requirements: replaces the default, pinned requirements.
        extra_pip_requirements: added to the default requirements.
        metadata: free-form metadata for the MLmodel file.
        code_paths: local modules the model's classes live in, saved with it.
        pickle_module: the module ``torch.save`` pickles with (``pickle``); MLflow's cloudpickle one
            by default.
        mlflow_model: the MLmodel to fill in (``log_model`` passes one).
        kwargs: passed to ``torch.save``.

    Raises:
        InvalidParameter: for a non-module, an unknown format, or a model ``torch.export`` cannot trace.

    Example:
        >>> keel.pytorch.save_model(net, "model", input_example=X[:5])  # pt2, signature inferred
    """
    import torch

    if not isinstance(pytorch_model, torch.nn.Module):
        raise InvalidParameter(f"pytorch_model should be a torch.nn.Module, got {type(pytorch_model)}")
    if serialization_format is None:
        serialization_format = (
            SERIALIZATION_FORMAT_PT2 if example_arrays(input_example) else SERIALIZATION_FORMAT_PICKLE
        )
    check_format(serialization_format, SUPPORTED_SERIALIZATION_FORMATS)
    module = pickle_module or PICKLE_MODULE
    with write_model(
        path,
        mlflow_model=mlflow_model,
        metadata=metadata,
        input_example=_storable_example(input_example),
        code_paths=code_paths,
        packages=["torch", "cloudpickle"],
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
    ) as writer:
        signature = writer.set_signature(
            signature, lambda: PyTorchModelWrapper(pytorch_model, CPU).predict, validate_example=True
        )
        data = writer.directory / DATA_DIR
        data.mkdir()
        if serialization_format == SERIALIZATION_FORMAT_PT2:
            write_exported(pytorch_model, input_example, signature, data)
        else:
            write_pickled(pytorch_model, data, module, kwargs)
        writer.add_flavor(FLAVOR_NAME, model_data=DATA_DIR, pytorch_version=str(torch.__version__))
        # pyfunc feeds the model one tensor: MLflow leaves it out for a multi-input exported model.
        if serialization_format == SERIALIZATION_FORMAT_PICKLE or len(example_arrays(input_example)) < 2:
            writer.add_pyfunc_flavor(
                LOADER_MODULE, data=DATA_DIR, pickle_module_name=module.__name__, config={"device": None}
            )


def log_model(
    pytorch_model: Any,
    name: str = "model",
    *,
    serialization_format: str | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    pickle_module: Any = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    **kwargs: Any,
) -> ModelInfo:
    """Log a PyTorch module as a logged model of the active run (see ``save_model``).

    Example:
        >>> with keel.start_run():
        ...     info = keel.pytorch.log_model(net, name="model", input_example=X[:5])
        >>> keel.pytorch.load_model(info.model_uri)
    """
    save = partial(
        save_model,
        pytorch_model,
        serialization_format=serialization_format,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        pickle_module=pickle_module,
        **kwargs,
    )
    return log_to_tracking(
        save, name, model_type=model_type, params=params, tags=tags, step=step, metadata=metadata
    )


def load_model(
    model_uri: str | os.PathLike[str],
    dst_path: str | os.PathLike[str] | None = None,
    device: str | None = None,
    **kwargs: Any,
) -> Any:
    """The ``torch.nn.Module`` of a model saved or logged by keel or MLflow: a pickled module in eval
    mode, or for ``pt2`` the module ``torch.export`` traced (in eval mode) when it was saved.

    Loading runs code from the model file: trust its source.

    Args:
        model_uri: ``runs:/<run_id>/<name>``, ``models:/<model_id>``, a path or an artifact URI.
        dst_path: where to download a remote model; a temporary directory by default.
        device: the device to move the module to (``"cpu"``, ``"cuda:0"``).
        kwargs: passed to ``torch.load``.

    Example:
        >>> net = keel.pytorch.load_model("models:/m-0123…")
        >>> net(torch.ones(1, 4))
    """
    import torch

    directory, conf = open_flavor(model_uri, dst_path, FLAVOR_NAME, DATA_KEY)
    if conf.get("pytorch_version") != torch.__version__:
        logger.warning(
            "Stored model version '%s' does not match installed PyTorch version '%s'",
            conf.get("pytorch_version"),
            torch.__version__,
        )
    return read_module(inside_model(directory, conf[DATA_KEY]), device, kwargs)


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> PyTorchModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.pytorch``): ``path`` is the ``data`` directory.

    ``model_config={"device": "cuda"}`` picks the device; else ``MLFLOW_DEFAULT_PREDICTION_DEVICE``,
    else CUDA when available, else the CPU.
    """
    import torch

    device = (model_config or {}).get("device") or os.environ.get(DEVICE_ENV_VAR)
    if not device:
        device = "cuda" if torch.cuda.is_available() else CPU
    return PyTorchModelWrapper(read_module(Path(path), device, {}), device)


def _storable_example(input_example: Any) -> Any:
    """The example as MLflow stores it: a tensor as its array; several arrays are not stored at all."""
    arrays = example_arrays(input_example)
    if len(arrays) > 1:
        return None
    if len(arrays) == 1 and not isinstance(arrays[0], np.ndarray):
        return arrays[0].detach().cpu().numpy()
    return input_example


class PyTorchModelWrapper:
    """The pyfunc implementation: a DataFrame or array in, the module's output tensor out.

    A DataFrame becomes one float32 tensor and the output a DataFrame on the same index; an array
    goes in as is and the output comes back as an array. ``params`` are passed to ``forward``.
    """

    def __init__(self, pytorch_model: Any, device: str) -> None:
        self.pytorch_model = pytorch_model
        self.device = device

    def get_raw_model(self) -> Any:
        return self.pytorch_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import torch

        if params and "device" in params:
            raise InvalidParameter(
                "'device' cannot be an inference parameter: choose it when loading, with "
                "keel.pyfunc.load_model(model_uri, model_config={'device': 'cuda'})"
            )
        tensor = torch.from_numpy(_input_array(data)).to(self.device)
        with torch.no_grad():
            try:
                output = self.pytorch_model(tensor, **(params or {}))
            except torch.OutOfMemoryError:
                raise
            except (RuntimeError, TypeError, ValueError) as exc:
                raise InvalidParameter(f"The PyTorch model could not score the input: {exc}") from exc
        if not isinstance(output, torch.Tensor):
            raise Unsupported(
                f"Expected the PyTorch model to output a single tensor, but got '{type(output).__name__}'"
            )
        predicted = output.to(CPU).numpy()
        if isinstance(data, pd.DataFrame):
            return pd.DataFrame(predicted, index=data.index)
        return predicted


def _input_array(data: Any) -> np.ndarray[Any, Any]:
    array: np.ndarray[Any, Any]
    if isinstance(data, pd.DataFrame):
        try:
            array = data.to_numpy(dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise InvalidParameter(f"The DataFrame could not be made a float32 tensor: {exc}") from exc
    elif isinstance(data, np.ndarray):
        array = data
    else:
        raise InvalidParameter(
            f"The PyTorch flavor scores a pandas DataFrame or a numpy array, not a {type(data).__name__}"
        )
    if array.dtype == object or array.dtype.kind in "USMm":
        raise InvalidParameter(f"A numpy array of dtype {array.dtype} cannot be made a tensor")
    return array if array.flags.writeable else array.copy()


def save_state_dict(state_dict: dict[str, Any], path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Save a ``state_dict`` (or any dict of tensors, a checkpoint) as ``<path>/state_dict.pth``.

    Example:
        >>> keel.pytorch.save_state_dict(net.state_dict(), "weights")
    """
    import torch

    if not isinstance(state_dict, dict):
        raise InvalidParameter(f"state_dict must be a dict, got {type(state_dict)}: pass model.state_dict()")
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    torch.save(state_dict, directory / STATE_DICT_FILE, **kwargs)


def log_state_dict(state_dict: dict[str, Any], artifact_path: str, **kwargs: Any) -> None:
    """Log a ``state_dict`` as run artifacts under ``artifact_path`` (not a model: no MLmodel file).

    Example:
        >>> with keel.start_run():
        ...     keel.pytorch.log_state_dict(net.state_dict(), "weights")
    """
    with tempfile.TemporaryDirectory(prefix="keel-state-dict-") as tmp:
        save_state_dict(state_dict, tmp, **kwargs)
        fluent.log_artifacts(tmp, artifact_path)


def load_state_dict(state_dict_uri: str | os.PathLike[str], **kwargs: Any) -> Any:
    """The ``state_dict`` saved or logged at ``state_dict_uri`` by keel or MLflow.

    It is read with ``torch.load(weights_only=True)``, which loads tensors and plain containers only
    and runs no code from the file; ``weights_only=False`` lifts that (trust the source then).

    Example:
        >>> net.load_state_dict(keel.pytorch.load_state_dict(f"runs:/{run_id}/weights"))
    """
    import torch

    file = local_model_dir(os.fspath(state_dict_uri)) / STATE_DICT_FILE
    kwargs.setdefault("weights_only", True)
    if not kwargs["weights_only"]:
        warn_untrusted_format(str(file), "pickle", TORCH_HINT)
    kwargs.setdefault("map_location", default_map_location(None))
    return torch.load(file, **kwargs)
