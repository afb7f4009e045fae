"""``keel.onnx``: ONNX models in MLflow's ``onnx`` flavor, saved, logged, loaded and served by onnxruntime.

keel writes the ``onnx`` and ``python_function`` flavors exactly as MLflow 3.17 does, with
``loader_module: mlflow.onnx``, so MLflow loads keel's models and keel loads MLflow's (without
importing mlflow). ``export_pytorch`` turns a PyTorch module into an ONNX model in one call.

An ONNX file holds a graph and its weights, no Python code: loading one runs nothing from the file.
"""

from __future__ import annotations

import os
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from keel.errors import InvalidParameter, NotFound
from keel.flavors.onnx_runtime import (
    CPU_PROVIDER,
    ONNX_EXECUTION_PROVIDERS,
    OnnxModelWrapper,
    check_session_options,
)
from keel.models.directory import write_model
from keel.models.flavors import flavor_conf, inside_model, open_flavor
from keel.models.log import ModelInfo
from keel.models.log import log_model as log_to_tracking
from keel.models.mlmodel import Model

if TYPE_CHECKING:
    from keel.models.environment import Requirements
    from keel.models.signature import ModelSignature

__all__ = [
    "FLAVOR_NAME",
    "ONNX_EXECUTION_PROVIDERS",
    "export_pytorch",
    "load_model",
    "log_model",
    "save_model",
]

FLAVOR_NAME = "onnx"
LOADER_MODULE = "mlflow.onnx"
MODEL_FILE = "model.onnx"
DATA_KEY = "data"


def save_model(
    onnx_model: Any,
    path: str | os.PathLike[str],
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    onnx_execution_providers: list[Any] | None = None,
    onnx_session_options: dict[str, Any] | None = None,
    save_as_external_data: bool = True,
    mlflow_model: Model | None = None,
) -> None:
    """Save an ONNX model to a new directory that keel and MLflow both load.

    Args:
        onnx_model: an ``onnx.ModelProto``, its serialized bytes, or the path of a ``.onnx`` file.
            A ModelProto is copied, never changed.
        path: a new (or empty) directory.
        signature: the model's signature; inferred from ``input_example`` (by running it through
            onnxruntime) when omitted.
        input_example: example input: a DataFrame, an array, or a dict of arrays by input name.
        pip_requirements: replaces the default, pinned requirements.
        extra_pip_requirements: added to the default requirements.
        metadata: free-form metadata for the MLmodel file.
        code_paths: local modules the model needs, saved with it.
        onnx_execution_providers: onnxruntime providers in order of preference, each a name or
            ``(name, options)``; MLflow's ``["CUDAExecutionProvider", "CPUExecutionProvider"]`` by
            default. Providers the loading machine lacks are skipped.
        onnx_session_options: ``onnxruntime.SessionOptions`` settings: ``intra_op_num_threads``,
            ``inter_op_num_threads``, ``execution_mode`` (``"sequential"``, ``"parallel"``),
            ``graph_optimization_level`` (0, 1, 2, 99), ``extra_session_config`` (a dict).
        save_as_external_data: store the weights beside ``model.onnx`` (as MLflow does by default).
        mlflow_model: the MLmodel to fill in (``log_model`` passes one).

    Example:
        >>> proto = keel.onnx.export_pytorch(net, X[:5])
        >>> keel.onnx.save_model(proto, "model", input_example=X[:5])
    """
    import onnx

    proto = _model_proto(onnx_model)
    check_session_options(onnx_session_options)
    providers = [list(p) if isinstance(p, tuple) else p for p in onnx_execution_providers or []]
    with write_model(
        path,
        mlflow_model=mlflow_model,
        metadata=metadata,
        input_example=input_example,
        code_paths=code_paths,
        packages=["onnx", "onnxruntime"],
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
    ) as writer:
        model_file = str(writer.directory / MODEL_FILE)
        onnx.save_model(proto, model_file, save_as_external_data=save_as_external_data)
        writer.set_signature(
            signature,
            lambda: OnnxModelWrapper(model_file, [CPU_PROVIDER], onnx_session_options).predict,
            validate_example=True,
        )
        writer.add_pyfunc_flavor(LOADER_MODULE, data=MODEL_FILE)
        writer.add_flavor(
            FLAVOR_NAME,
            onnx_version=onnx.__version__,
            data=MODEL_FILE,
            providers=providers or list(ONNX_EXECUTION_PROVIDERS),
            onnx_session_options=onnx_session_options,
        )


def log_model(
    onnx_model: Any,
    name: str = "model",
    *,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    onnx_execution_providers: list[Any] | None = None,
    onnx_session_options: dict[str, Any] | None = None,
    save_as_external_data: bool = True,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
) -> ModelInfo:
    """Log an ONNX model as a logged model of the active run (see ``save_model``).

    Example:
        >>> with keel.start_run():
        ...     info = keel.onnx.log_model(keel.onnx.export_pytorch(net, X[:5]), input_example=X[:5])
        >>> keel.pyfunc.load_model(info.model_uri).predict(X)
    """
    save = partial(
        save_model,
        onnx_model,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        onnx_execution_providers=onnx_execution_providers,
        onnx_session_options=onnx_session_options,
        save_as_external_data=save_as_external_data,
    )
    return log_to_tracking(
        save, name, model_type=model_type, params=params, tags=tags, step=step, metadata=metadata
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The ``onnx.ModelProto`` of a model saved or logged by keel or MLflow, checked by ``onnx.checker``.

    Example:
        >>> proto = keel.onnx.load_model("models:/m-0123…")
        >>> [i.name for i in proto.graph.input]
    """
    import onnx

    directory, conf = open_flavor(model_uri, dst_path, FLAVOR_NAME, DATA_KEY)
    model_file = str(inside_model(directory, conf[DATA_KEY]))
    try:
        onnx.checker.check_model(model_file)
    except onnx.checker.ValidationError as exc:
        raise InvalidParameter(f"'{model_file}' is not a valid ONNX model: {exc}") from exc
    return onnx.load(model_file)


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> OnnxModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.onnx``): ``path`` is the ``model.onnx`` file.

    The MLmodel's ``providers`` and ``onnx_session_options`` configure the session; ``model_config``
    has nothing to set.
    """
    directory = Path(path).parent
    conf = flavor_conf(Model.load(directory), FLAVOR_NAME, DATA_KEY, directory)
    return OnnxModelWrapper(path, conf.get("providers"), conf.get("onnx_session_options"))


def _model_proto(onnx_model: Any) -> Any:
    """A ModelProto of its own, holding its weights (``onnx.save_model`` moves the weights of the
    proto it saves out into external files, and leaves that proto pointing at them)."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    if isinstance(onnx_model, onnx.ModelProto):
        proto = onnx.ModelProto()
        proto.CopyFrom(onnx_model)
    elif isinstance(onnx_model, bytes):
        proto = onnx.load_model_from_string(onnx_model)
    elif isinstance(onnx_model, str | os.PathLike):
        if not Path(onnx_model).is_file():
            raise NotFound(f"No ONNX file at '{onnx_model}'")
        return onnx.load(os.fspath(onnx_model))
    else:
        raise InvalidParameter(
            "onnx_model must be an onnx.ModelProto, its serialized bytes, or the path of a .onnx file, "
            f"not {type(onnx_model)}; export a PyTorch module with keel.onnx.export_pytorch"
        )
    if any(uses_external_data(tensor) for tensor in proto.graph.initializer):
        raise InvalidParameter(
            "The ModelProto's weights are in external data files it does not hold (a proto loaded with "
            "load_external_data=False, or one onnx.save_model or mlflow.onnx.save_model saved with "
            "external data); pass the path of its .onnx file instead, or onnx.load it again."
        )
    return proto


def export_pytorch(
    pytorch_model: Any,
    example_input: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    dynamic_batch: bool = True,
    opset_version: int | None = None,
) -> Any:
    """Export a PyTorch module to ONNX with ``torch.onnx.export`` (the dynamo exporter), in eval mode.

    Args:
        pytorch_model: the ``torch.nn.Module``.
        example_input: a tensor or numpy array, or a tuple of them (one per ``forward`` argument).
        path: when given, the ONNX file is also written there (a single ``.onnx`` file).
        input_names: the graph's input names; ``forward``'s argument names by default.
        output_names: the graph's output names (the columns of pyfunc's DataFrame output).
        dynamic_batch: export the first dimension of every input as dynamic, so any batch size
            scores (even when the example has one row).
        opset_version: the ONNX opset; torch's default when omitted.

    Returns:
        The ``onnx.ModelProto``, ready for ``save_model`` or ``log_model``.

    Raises:
        InvalidParameter: when torch cannot export the module.

    Example:
        >>> proto = keel.onnx.export_pytorch(net, torch.randn(2, 4), output_names=["score"])
        >>> keel.onnx.log_model(proto, name="model", input_example=X[:5])
    """
    import onnx
    import torch

    items = example_input if isinstance(example_input, tuple | list) else (example_input,)
    args = tuple(torch.from_numpy(x) if isinstance(x, np.ndarray) else x for x in items)
    dynamic = tuple({0: torch.export.Dim.DYNAMIC} for _ in args) if dynamic_batch else None
    was_training = pytorch_model.training
    pytorch_model.eval()
    try:
        with warnings.catch_warnings():
            # torch's exporter trips over its own deprecated pytree API: nothing a caller can act on.
            warnings.filterwarnings("ignore", ".*LeafSpec", FutureWarning)
            program = torch.onnx.export(
                pytorch_model,
                args,
                input_names=input_names,
                output_names=output_names,
                opset_version=opset_version,
                dynamic_shapes=dynamic,
                dynamo=True,
                verbose=False,
            )
    except Exception as exc:  # the exporter raises many kinds for code it cannot trace
        raise InvalidParameter(
            f"torch.onnx.export could not export the model ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        pytorch_model.train(was_training)
    if program is None:
        raise InvalidParameter("torch.onnx.export returned no ONNX program")
    proto = program.model_proto
    if path is not None:
        onnx.save_model(proto, os.fspath(path))
    return proto
