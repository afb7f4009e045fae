"""``keel.pyfunc``: any model as one interface, ``predict(data, params=None)``, and custom Python models.

``load_model`` reads the MLmodel file, imports the flavor's loader (keel's own for ``mlflow.sklearn``
and ``mlflow.pyfunc.model``, so MLflow's models load without mlflow), and checks every prediction's
input and params against the model's signature first.
"""

from __future__ import annotations

import inspect
import os
from functools import partial
from typing import TYPE_CHECKING, Any

from keel.errors import InvalidParameter
from keel.models.directory import write_model
from keel.models.enforcement import enforce_schema
from keel.models.examples import load_example
from keel.models.flavors import load_implementation, pyfunc_conf
from keel.models.log import ModelInfo
from keel.models.log import log_model as log_to_tracking
from keel.models.mlmodel import Model
from keel.models.params import enforce_params
from keel.models.python_model import (
    LOADER_MODULE,
    PythonModel,
    PythonModelContext,
    PythonModelWrapper,
    save_python_model,
)
from keel.models.uris import local_model_dir

if TYPE_CHECKING:
    from pathlib import Path

    from keel.models.environment import Requirements
    from keel.models.signature import ModelSignature

__all__ = ["PyFuncModel", "PythonModel", "PythonModelContext", "load_model", "log_model", "save_model"]

DEFAULT_PACKAGES = ("cloudpickle", "numpy", "pandas")


class PyFuncModel:
    """A loaded model: ``predict`` checks input and params against the signature, then calls the flavor.

    Attributes:
        metadata: the MLmodel file.
        model_dir: the local directory the model was loaded from.
    """

    def __init__(
        self, metadata: Model, implementation: Any, model_dir: Path, predict_fn: str = "predict"
    ) -> None:
        if not hasattr(implementation, predict_fn):
            raise InvalidParameter(f"Model implementation is missing required {predict_fn} method.")
        self.metadata = metadata
        self.model_dir = model_dir
        self._implementation = implementation
        self._predict = getattr(implementation, predict_fn)
        self._takes_params = "params" in _parameters(self._predict)

    @property
    def model_id(self) -> str | None:
        return self.metadata.model_id

    @property
    def loader_module(self) -> str | None:
        return self.metadata.loader_module

    @property
    def input_example(self) -> Any:
        """The example saved with the model, decoded (read when first asked for)."""
        return load_example(self.metadata, self.model_dir)

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Predictions for a DataFrame, numpy array, dict or list.

        Raises:
            InvalidParameter: when the input lacks a column the signature requires, a value cannot be
                converted without loss, or a param does not fit the params schema.
        """
        schema = self.metadata.get_input_schema()
        # A signature MLflow inferred from predict's type hints is checked by the model's own
        # (MLflow-wrapped) predict, against those hints; MLflow skips the schema here too.
        if schema is not None and not self.metadata.extra.get("is_signature_from_type_hint"):
            data = enforce_schema(data, schema)
        params = enforce_params(params, self.metadata.get_params_schema())
        if self._takes_params:
            return self._predict(data, params=params)
        return self._predict(data)

    def get_raw_model(self) -> Any:
        """The flavor's own model object (the scikit-learn estimator, for instance)."""
        return getattr(self._implementation, "get_raw_model", lambda: self._implementation)()

    def unwrap_python_model(self) -> Any:
        """The ``PythonModel`` instance of a custom model."""
        if not isinstance(self._implementation, PythonModelWrapper):
            raise InvalidParameter("unwrap_python_model is only available for custom Python models")
        return self._implementation.unwrap_python_model()

    def __repr__(self) -> str:
        return f"<PyFuncModel loader_module={self.loader_module} model_id={self.model_id}>"


def _parameters(function: Any) -> dict[str, Any]:
    try:
        return dict(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return {}


def load_model(
    model_uri: str | os.PathLike[str],
    dst_path: str | os.PathLike[str] | None = None,
    model_config: dict[str, Any] | None = None,
) -> PyFuncModel:
    """Load a model saved or logged by keel or MLflow as a ``PyFuncModel``.

    Args:
        model_uri: ``runs:/<run_id>/<name>``, ``models:/<model_id>``, a local path or ``file://`` URI,
            or an artifact URI (``mlflow-artifacts:/…``, ``s3://…``).
        dst_path: where to download a remote model; a temporary directory by default.
        model_config: overrides the model's saved ``config`` (custom Python models).

    Example:
        >>> model = keel.pyfunc.load_model(f"runs:/{run_id}/model")
        >>> model.predict(df)
    """
    directory = local_model_dir(os.fspath(model_uri), dst_path)
    metadata = Model.load(directory)
    conf = pyfunc_conf(metadata)
    implementation = load_implementation(directory, metadata, model_config)
    return PyFuncModel(metadata, implementation, directory, conf.get("predict_fn", "predict"))


def save_model(
    path: str | os.PathLike[str],
    python_model: PythonModel,
    artifacts: dict[str, str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    model_config: dict[str, Any] | None = None,
    mlflow_model: Model | None = None,
) -> None:
    """Save a custom Python model to a new directory that keel and MLflow both load.

    The model object is serialized with cloudpickle: loading it runs code from the file, so load
    models only from sources you trust.

    Args:
        path: a new (or empty) directory.
        python_model: the ``PythonModel`` instance.
        artifacts: name -> local path or URI of files the model needs; ``load_context`` receives
            their local copies in ``context.artifacts``.
        signature: the model's signature; inferred from ``input_example`` (by running ``predict``
            on it) when omitted.
        input_example: example input, or ``(input, params)``; stored as MLflow stores it.
        pip_requirements: replaces the default requirements (a list or a requirements file path).
        extra_pip_requirements: added to the default requirements.
        metadata: free-form metadata for the MLmodel file.
        code_paths: local modules the model imports, saved with it and put on ``sys.path`` on load.
        model_config: settings the model reads from ``context.model_config``.
        mlflow_model: the MLmodel to fill in (``log_model`` passes one); a new one by default.

    Example:
        >>> keel.pyfunc.save_model("add_one", python_model=AddOne(), input_example=df.head())
    """
    with write_model(
        path,
        mlflow_model=mlflow_model,
        metadata=metadata,
        input_example=input_example,
        code_paths=code_paths,
        packages=DEFAULT_PACKAGES,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
    ) as writer:
        config = save_python_model(writer.directory, python_model, artifacts)
        if model_config:
            config["config"] = model_config

        def make_predict() -> Any:
            saved = config.get("artifacts", {})
            context = PythonModelContext(
                {k: str(writer.directory / v["path"]) for k, v in saved.items()}, model_config
            )
            python_model.load_context(context)
            return PythonModelWrapper(python_model, context).predict

        writer.set_signature(signature, make_predict, validate_example=True)
        writer.add_pyfunc_flavor(LOADER_MODULE, **config)


def log_model(
    python_model: PythonModel,
    name: str = "model",
    *,
    artifacts: dict[str, str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    model_config: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
) -> ModelInfo:
    """Log a custom Python model as a logged model of the active run (see ``save_model``).

    Returns:
        The model's ``ModelInfo``; load it back with ``load_model(info.model_uri)`` or
        ``load_model(f"runs:/{info.run_id}/{name}")``.

    Example:
        >>> with keel.start_run():
        ...     info = keel.pyfunc.log_model(AddOne(), name="model", input_example=df.head())
    """
    save = partial(
        save_model,
        python_model=python_model,
        artifacts=artifacts,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
        model_config=model_config,
    )
    return log_to_tracking(
        save, name, model_type=model_type, params=params, tags=tags, step=step, metadata=metadata
    )
