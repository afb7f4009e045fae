"""``keel.sklearn``: scikit-learn models in MLflow's ``sklearn`` flavor, saved, logged and loaded.

keel writes the ``sklearn`` and ``python_function`` flavors exactly as MLflow 3.17 does, with
``loader_module: mlflow.sklearn``, so MLflow loads keel's models and keel loads MLflow's (without
importing mlflow). It reads all three serialization formats (``cloudpickle``, ``pickle``, ``skops``).

keel writes ``cloudpickle`` by default where MLflow 3.17 writes ``skops``: cloudpickle stores every
estimator (custom classes and lambdas in a ``FunctionTransformer`` included) and loads in a few
milliseconds, while importing ``skops.io`` imports all of scikit-learn's estimators (about a
second). skops is safer only in part: the types it trusts come from the model's own MLmodel file.
Pass ``serialization_format="skops"`` to write skops.

Loading a pickle or cloudpickle model can run arbitrary code from the model file: load models
only from sources you trust. keel warns (``UntrustedModelWarning``) the first time it does.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keel.models.directory import write_model
from keel.models.environment import Requirements, module_version
from keel.models.flavors import flavor_conf, model_dir_of, open_flavor
from keel.models.log import ModelInfo
from keel.models.log import log_model as log_to_tracking
from keel.models.mlmodel import PYFUNC_FLAVOR, Model
from keel.models.serialization import (
    SERIALIZATION_FORMAT_CLOUDPICKLE,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_SKOPS,
    SUPPORTED_SERIALIZATION_FORMATS,
    check_format,
    deserialize_model,
    format_packages,
    serialize_model,
    serialized_file_name,
)

if TYPE_CHECKING:
    import os

    from keel.models.signature import ModelSignature

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_CLOUDPICKLE",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_SKOPS",
    "load_model",
    "log_model",
    "save_model",
]

FLAVOR_NAME = "sklearn"
LOADER_MODULE = "mlflow.sklearn"
DATA_KEY = "pickled_model"
# The predict functions besides predict a loaded model exposes, as MLflow's wrapper does.
EXTRA_PREDICT_FNS = ("predict_proba", "predict_log_proba", "predict_joint_log_proba", "score")


def save_model(
    sk_model: Any,
    path: str | os.PathLike[str],
    serialization_format: str = SERIALIZATION_FORMAT_CLOUDPICKLE,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    pyfunc_predict_fn: str = "predict",
    skops_trusted_types: list[str] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    mlflow_model: Model | None = None,
) -> None:
    """Save a scikit-learn model to a new directory that keel and MLflow both load.

    Args:
        sk_model: a fitted estimator or pipeline.
        path: a new (or empty) directory.
        serialization_format: ``"cloudpickle"`` (default), ``"pickle"`` or ``"skops"``.
        signature: the model's signature; inferred from ``input_example`` when omitted.
        input_example: example input, stored as MLflow stores it.
        pip_requirements: replaces the default, pinned requirements.
        extra_pip_requirements: added to the default requirements.
        metadata: free-form metadata for the MLmodel file.
        pyfunc_predict_fn: what pyfunc's ``predict`` calls: ``predict``, ``predict_proba``…
        skops_trusted_types: for skops, types beyond scikit-learn's and numpy's to trust on load.
        code_paths: local modules the model needs (custom estimators), saved with it.
        mlflow_model: the MLmodel to fill in (``log_model`` passes one).

    Example:
        >>> keel.sklearn.save_model(LogisticRegression().fit(X, y), "model", input_example=X[:5])
    """
    check_format(serialization_format, SUPPORTED_SERIALIZATION_FORMATS)
    with write_model(
        path,
        mlflow_model=mlflow_model,
        metadata=metadata,
        input_example=input_example,
        code_paths=code_paths,
        packages=["scikit-learn", "numpy", "scipy", *format_packages(serialization_format)],
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
    ) as writer:
        writer.set_signature(signature, lambda: SklearnModelWrapper(sk_model, pyfunc_predict_fn).predict)
        data_file = serialized_file_name(serialization_format)
        serialize_model(sk_model, writer.directory / data_file, serialization_format, skops_trusted_types)
        if hasattr(sk_model, pyfunc_predict_fn):
            writer.add_pyfunc_flavor(LOADER_MODULE, model_path=data_file, predict_fn=pyfunc_predict_fn)
        writer.add_flavor(
            FLAVOR_NAME,
            pickled_model=data_file,
            sklearn_version=module_version("sklearn"),
            serialization_format=serialization_format,
            skops_trusted_types=skops_trusted_types,
        )


def log_model(
    sk_model: Any,
    name: str = "model",
    *,
    serialization_format: str = SERIALIZATION_FORMAT_CLOUDPICKLE,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    pyfunc_predict_fn: str = "predict",
    skops_trusted_types: list[str] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
) -> ModelInfo:
    """Log a scikit-learn model as a logged model of the active run (see ``save_model``).

    Example:
        >>> with keel.start_run():
        ...     info = keel.sklearn.log_model(model, name="model", input_example=X[:5])
        >>> keel.sklearn.load_model(info.model_uri)
    """
    save = partial(
        save_model,
        sk_model,
        serialization_format=serialization_format,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        pyfunc_predict_fn=pyfunc_predict_fn,
        skops_trusted_types=skops_trusted_types,
        code_paths=code_paths,
    )
    return log_to_tracking(
        save, name, model_type=model_type, params=params, tags=tags, step=step, metadata=metadata
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The scikit-learn estimator of a model saved or logged by keel or MLflow.

    Loading a pickle or cloudpickle model runs code from the model file: trust its source.

    Example:
        >>> estimator = keel.sklearn.load_model("models:/m-0123…")
    """
    directory, conf = open_flavor(model_uri, dst_path, FLAVOR_NAME, DATA_KEY)
    return _load_estimator(directory / conf[DATA_KEY], conf)


def _load_pyfunc(path: str) -> SklearnModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.sklearn``): ``path`` is the model directory, or
    the model file itself in models written by MLflow 2 (``data: model.pkl``)."""
    location = Path(path)
    directory = model_dir_of(path)
    meta = Model.load(directory)
    conf = flavor_conf(meta, FLAVOR_NAME, DATA_KEY, directory)
    if location.is_file():
        data_file = location
    else:
        pyfunc = meta.flavors[PYFUNC_FLAVOR]
        data_file = directory / (pyfunc.get("model_path") or conf[DATA_KEY])
    return SklearnModelWrapper(_load_estimator(data_file, conf))


def _load_estimator(path: Path, conf: dict[str, Any]) -> Any:
    serialization_format = conf.get("serialization_format") or SERIALIZATION_FORMAT_PICKLE
    return deserialize_model(path, serialization_format, conf.get("skops_trusted_types"))


class SklearnModelWrapper:
    """The pyfunc implementation: ``predict(data, params=None)`` calls the estimator's predict function."""

    def __init__(self, sklearn_model: Any, predict_fn: str = "predict") -> None:
        self.sklearn_model = sklearn_model
        self._predict_fn = predict_fn
        for name in EXTRA_PREDICT_FNS:
            function = getattr(sklearn_model, name, None)
            if function is not None:
                setattr(self, name, function)

    def get_raw_model(self) -> Any:
        return self.sklearn_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return getattr(self.sklearn_model, self._predict_fn)(data)
