"""How a PyTorch module is written to and read from a model's ``data/`` directory, in MLflow 3.17's
two formats: ``pickle`` (``model.pth`` and ``pickle_module_info.txt``, or a TorchScript archive) and
``pt2`` (``model.pt2``, a ``torch.export`` program). Both unpickle data on load: keel warns once.
"""

from __future__ import annotations

import importlib
import itertools
import pickle
import types
import zipfile
from typing import TYPE_CHECKING, Any

import cloudpickle
import numpy as np

from keel.errors import InvalidParameter, NotFound
from keel.models.schema import TensorSpec
from keel.models.trust import warn_untrusted_format

if TYPE_CHECKING:
    from pathlib import Path

    from keel.models.signature import ModelSignature

SERIALIZATION_FORMAT_PICKLE = "pickle"
TORCH_HINT = "log the weights (keel.pytorch.log_state_dict) or an ONNX export (keel.onnx.export_pytorch)"
SERIALIZATION_FORMAT_PT2 = "pt2"
SUPPORTED_SERIALIZATION_FORMATS = (SERIALIZATION_FORMAT_PICKLE, SERIALIZATION_FORMAT_PT2)
PICKLED_MODEL_FILE = "model.pth"
EXPORTED_MODEL_FILE = "model.pt2"
PICKLE_MODULE_INFO_FILE = "pickle_module_info.txt"
CPU = "cpu"

# MLflow's mlflow.pytorch.pickle_module, under its name so that MLflow finds it again: cloudpickle's
# pickler (it stores classes defined in __main__ by value) and the standard unpickler.
PICKLE_MODULE = types.SimpleNamespace(
    __name__="mlflow.pytorch.pickle_module",
    Pickler=cloudpickle.CloudPickler,
    Unpickler=pickle.Unpickler,
    dump=cloudpickle.dump,
    dumps=cloudpickle.dumps,
    load=pickle.load,
    loads=pickle.loads,
)


def example_arrays(input_example: Any) -> list[Any]:
    """The example's arrays and tensors, when it is one or a non-empty tuple or list of them; else []."""
    import torch

    items = input_example if isinstance(input_example, tuple | list) else [input_example]
    if items and all(isinstance(item, np.ndarray | torch.Tensor) for item in items):
        return list(items)
    return []


def write_pickled(model: Any, data: Path, pickle_module: Any, options: dict[str, Any]) -> None:
    """``torch.save`` the whole module (``torch.jit`` saves a TorchScript one) and name the pickle module."""
    import torch

    (data / PICKLE_MODULE_INFO_FILE).write_text(pickle_module.__name__, encoding="utf-8")
    if isinstance(model, torch.jit.ScriptModule):
        model.save(str(data / PICKLED_MODEL_FILE))
    else:
        torch.save(model, data / PICKLED_MODEL_FILE, pickle_module=pickle_module, **options)


def write_exported(model: Any, input_example: Any, signature: ModelSignature | None, data: Path) -> None:
    """Trace ``model`` with ``torch.export`` (in eval mode) and save the program, as MLflow does: each
    ``-1`` dimension of the signature's tensors is exported as dynamic (``Dim.AUTO``)."""
    import torch
    from torch.export import Dim

    if isinstance(model, torch.jit.ScriptModule):
        raise InvalidParameter(
            "A TorchScript module cannot be saved as 'pt2': use serialization_format='pickle'"
        )
    arrays = example_arrays(input_example)
    if not arrays:
        raise InvalidParameter(
            "serialization_format='pt2' traces the model with input_example, which must be a numpy array "
            "or tensor, or a tuple of them; or use serialization_format='pickle'."
        )
    inputs = signature.inputs.inputs if signature is not None and signature.inputs is not None else []
    specs = [spec for spec in inputs if isinstance(spec, TensorSpec)]
    if not specs or len(specs) != len(inputs) or len(specs) != len(arrays):
        raise InvalidParameter(
            "serialization_format='pt2' needs a tensor-based signature with one input per example "
            "array (inferred from a numpy array input_example); or use serialization_format='pickle'."
        )
    tensors = tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in arrays)
    dynamic = [{i: Dim.AUTO for i, size in enumerate(spec.shape) if size == -1} or None for spec in specs]
    was_training = model.training
    model.eval()
    try:
        program = torch.export.export(model, tensors, dynamic_shapes=dynamic)
    except Exception as exc:  # torch.export raises many kinds for code it cannot trace
        raise InvalidParameter(
            f"torch.export could not trace the model ({type(exc).__name__}: {exc}); save it with "
            "serialization_format='pickle' instead."
        ) from exc
    finally:
        model.train(was_training)
    torch.export.save(program, data / EXPORTED_MODEL_FILE)


def read_module(location: Path, device: str | None, options: dict[str, Any]) -> Any:
    """The module in a ``data/`` directory (or a ``model.pth`` named directly), on ``device`` if given.

    Raises:
        NotFound: when the directory holds neither format's file.
    """
    if not location.is_dir():
        return _read_pickled(location, PICKLE_MODULE.__name__, device, options)
    if (location / PICKLED_MODEL_FILE).exists():
        info = location / PICKLE_MODULE_INFO_FILE
        name = info.read_text(encoding="utf-8").strip() if info.exists() else PICKLE_MODULE.__name__
        return _read_pickled(location / PICKLED_MODEL_FILE, name, device, options)
    if (location / EXPORTED_MODEL_FILE).exists():
        return _read_exported(location / EXPORTED_MODEL_FILE, device)
    raise NotFound(
        f"No PyTorch model in '{location}': expected {PICKLED_MODEL_FILE} or {EXPORTED_MODEL_FILE}"
    )


def default_map_location(device: str | None) -> str | None:
    """Where tensors load: ``device``, else where they were saved, or the CPU when there is no GPU."""
    import torch

    return device or (None if torch.cuda.is_available() else CPU)


def _read_pickled(file: Path, module_name: str, device: str | None, options: dict[str, Any]) -> Any:
    import torch

    warn_untrusted_format(str(file), f"pickle ({module_name})", TORCH_HINT)
    location = options.pop("map_location", default_map_location(device))
    if _is_torchscript(file):
        model = torch.jit.load(str(file), map_location=location)  # type: ignore[no-untyped-call]
    else:
        options.setdefault("pickle_module", _pickle_module(module_name))
        options.setdefault("weights_only", False)  # a whole module, not only tensors
        model = torch.load(file, map_location=location, **options)
    model.eval()
    if device:
        model.to(device)
    return model


def _read_exported(file: Path, device: str | None) -> Any:
    import torch

    warn_untrusted_format(str(file), "pt2 (torch.export)", TORCH_HINT)
    model = torch.export.load(file).module()
    if device:  # an exported program's tensors cannot move between devices
        wanted = torch.device(device).type
        for tensor in itertools.chain(model.parameters(), model.buffers()):
            if tensor.device.type != wanted:
                raise InvalidParameter(
                    f"The model was exported with tensors on '{tensor.device.type}' and cannot move to "
                    f"'{wanted}': save it again from model.to('{wanted}')"
                )
    return model


def _pickle_module(name: str) -> Any:
    if name == PICKLE_MODULE.__name__:
        return PICKLE_MODULE
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotFound(
            f"Failed to import the pickle module that was used to save the PyTorch model: '{name}'"
        ) from exc


def _is_torchscript(file: Path) -> bool:
    """Whether ``file`` is a TorchScript archive (``torch.jit.save``), which ``torch.load`` cannot read."""
    if not zipfile.is_zipfile(file):
        return False
    with zipfile.ZipFile(file) as archive:
        return any(name.endswith("/constants.pkl") for name in archive.namelist())
