"""Custom Python models: ``PythonModel``, its context, and their pyfunc loader (``mlflow.pyfunc.model``).

The model object is stored with cloudpickle as ``python_model.pkl``; its artifacts are copied under
``artifacts/`` and reach ``load_context`` as local paths. MLflow's own loader reads these models too.
"""

from __future__ import annotations

import abc
import inspect
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudpickle

from keel.errors import InvalidParameter
from keel.models.mlmodel import Model
from keel.models.trust import warn_untrusted_format
from keel.store.artifacts import get_artifact_repository, local_path_from_uri
from keel.store.artifacts.uris import uri_scheme
from keel.tracking.uris import resolve_tracking_uri

LOADER_MODULE = "mlflow.pyfunc.model"  # MLflow's name, so that MLflow loads keel's models
PYTHON_MODEL_FILE = "python_model.pkl"
ARTIFACTS_DIR = "artifacts"


@dataclass(frozen=True)
class PredictTypeHints:
    """What MLflow's pyfunc wrapper reads from ``predict_type_hints``: keel infers none, so MLflow
    passes the input through unconverted, as keel does."""

    input: Any = None
    output: Any = None


class PythonModelContext:
    """What ``load_context`` and ``predict`` get: ``artifacts`` (name -> local path) and ``model_config``."""

    def __init__(self, artifacts: dict[str, str], model_config: dict[str, Any] | None = None) -> None:
        self._artifacts = artifacts
        self._model_config = model_config

    @property
    def artifacts(self) -> dict[str, str]:
        return self._artifacts

    @property
    def model_config(self) -> dict[str, Any] | None:
        return self._model_config


class PythonModel(abc.ABC):
    """Subclass this to package any Python code as a model.

    Example:
        >>> class AddN(PythonModel):
        ...     def load_context(self, context):
        ...         self.n = int(open(context.artifacts["n"]).read())
        ...     def predict(self, context, model_input, params=None):
        ...         return model_input + self.n
    """

    def load_context(self, context: PythonModelContext) -> None:  # noqa: B027 - overriding is optional
        """Called once when the model is loaded; read ``context.artifacts`` here."""

    @abc.abstractmethod
    def predict(
        self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None
    ) -> Any:
        """Predictions for ``model_input`` (already checked against the signature, if any)."""

    @property
    def predict_type_hints(self) -> PredictTypeHints:
        return PredictTypeHints()


def save_python_model(
    directory: Path, python_model: PythonModel, artifacts: dict[str, str] | None
) -> dict[str, Any]:
    """Pickle the model and copy its artifacts into ``directory``; the pyfunc flavor settings to record."""
    if not isinstance(python_model, PythonModel) and not _is_mlflow_python_model(python_model):
        raise InvalidParameter(
            f"python_model must be a keel.pyfunc.PythonModel instance, got {type(python_model).__name__}"
        )
    try:
        with (directory / PYTHON_MODEL_FILE).open("wb") as out:
            cloudpickle.dump(python_model, out)
    except Exception as exc:  # cloudpickle raises many kinds for objects it cannot serialize
        raise InvalidParameter(f"Failed to serialize the Python model with cloudpickle: {exc}") from exc
    config: dict[str, Any] = {
        "cloudpickle_version": cloudpickle.__version__,
        "python_model": PYTHON_MODEL_FILE,
    }
    if artifacts:
        config["artifacts"] = _copy_artifacts(directory, artifacts)
    config["streamable"] = any(
        "predict_stream" in c.__dict__
        for c in type(python_model).__mro__
        if c.__module__ != "mlflow.pyfunc.model"
    )
    return config


def _is_mlflow_python_model(obj: Any) -> bool:
    return any(
        c.__module__ == "mlflow.pyfunc.model" and c.__name__ == "PythonModel" for c in type(obj).__mro__
    )


def _copy_artifacts(directory: Path, artifacts: dict[str, str]) -> dict[str, dict[str, str]]:
    root = directory / ARTIFACTS_DIR
    root.mkdir()
    saved: dict[str, dict[str, str]] = {}
    for name, uri in artifacts.items():
        source = _local_artifact(str(uri))
        target = root / source.name
        if target.exists():
            target = root / name / source.name
            if target.exists():
                raise InvalidParameter(f"Artifact '{name}' collides with another artifact at '{target}'")
            target.parent.mkdir(parents=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        saved[name] = {"path": target.relative_to(directory).as_posix(), "uri": str(uri)}
    return saved


def _local_artifact(uri: str) -> Path:
    if uri_scheme(uri) in ("", "file"):
        path = local_path_from_uri(uri)
        if not path.exists():
            raise InvalidParameter(f"Artifact '{uri}' does not exist")
        return path
    parent, _, name = uri.rstrip("/").rpartition("/")
    repository = get_artifact_repository(parent, tracking_uri=resolve_tracking_uri())
    return Path(repository.download_artifacts(name, tempfile.mkdtemp(prefix="keel-artifact-")))


class PythonModelWrapper:
    """The pyfunc implementation of a custom model: calls its ``predict`` with the context."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context
        parameters = inspect.signature(python_model.predict).parameters
        names = [p for p in parameters if p not in ("self", "params")]
        # MLflow 2.20+ lets predict drop the context argument: predict(self, model_input, params=None)
        self._takes_context = "context" in parameters or len(names) == 2
        self._takes_params = "params" in parameters

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        kwargs = {"params": params} if self._takes_params else {}
        if self._takes_context:
            return self.python_model.predict(self.context, data, **kwargs)
        return self.python_model.predict(data, **kwargs)

    def unwrap_python_model(self) -> Any:
        return self.python_model


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> PythonModelWrapper:
    """Load a custom model saved with ``python_model`` (keel's or MLflow's) from its directory."""
    directory = Path(path)
    conf = Model.load(directory).flavors["python_function"]
    if "model_code_path" in conf or "python_model" not in conf:
        raise InvalidParameter(
            "This model was saved as code (models-from-code); keel loads pickled Python models only"
        )
    if conf.get("python_model_compression"):
        raise InvalidParameter(
            f"Compressed Python models ({conf['python_model_compression']}) are not supported"
        )
    pickled = directory / conf["python_model"]
    warn_untrusted_format(str(pickled), "cloudpickle")
    with pickled.open("rb") as stream:
        python_model = cloudpickle.load(stream)
    artifacts = {
        name: os.path.join(directory, info["path"]) for name, info in (conf.get("artifacts") or {}).items()
    }
    context = PythonModelContext(artifacts, model_config or conf.get("config"))
    python_model.load_context(context)
    return PythonModelWrapper(python_model, context)
