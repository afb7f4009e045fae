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

import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cloudpickle

from keel.errors import InvalidParameter
from keel.models import directory as model_files
from keel.models.environment import Requirements, pinned_all, resolve_requirements
from keel.models.flavors import add_code_to_path
from keel.models.log import ModelInfo
from keel.models.log import log_model as log_to_tracking
from keel.models.mlmodel import PYFUNC_FLAVOR, Model
from keel.models.trust import warn_untrusted_format
from keel.models.uris import local_model_dir

if TYPE_CHECKING:
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
SERIALIZATION_FORMAT_PICKLE = "pickle"
SKOPS_HINT = "save with serialization_format='skops'"
SERIALIZATION_FORMAT_CLOUDPICKLE = "cloudpickle"
SERIALIZATION_FORMAT_SKOPS = "skops"
SUPPORTED_SERIALIZATION_FORMATS = (
    SERIALIZATION_FORMAT_SKOPS,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_CLOUDPICKLE,
)
PICKLE_FILE = "model.pkl"
SKOPS_FILE = "model.skops"
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
    if serialization_format not in SUPPORTED_SERIALIZATION_FORMATS:
        raise InvalidParameter(
            f"Unrecognized serialization format: {serialization_format}. Please specify one of the "
            f"following supported formats: {list(SUPPORTED_SERIALIZATION_FORMATS)}."
        )
    with model_files.new_model_directory(path) as target:
        meta = mlflow_model or Model()
        if metadata is not None:
            meta.metadata = metadata
        example = model_files.save_example(meta, input_example, target)
        code = model_files.copy_code_paths(code_paths, target)
        if signature is None and example is not None:
            wrapper = SklearnModelWrapper(sk_model, pyfunc_predict_fn)
            signature = model_files.signature_from_example(example, wrapper.predict)
        meta.signature = signature or None
        data_file = SKOPS_FILE if serialization_format == SERIALIZATION_FORMAT_SKOPS else PICKLE_FILE
        _dump(sk_model, target / data_file, serialization_format, skops_trusted_types)
        if hasattr(sk_model, pyfunc_predict_fn):
            model_files.add_pyfunc_flavor(
                meta, LOADER_MODULE, code=code, model_path=data_file, predict_fn=pyfunc_predict_fn
            )
        meta.add_flavor(
            FLAVOR_NAME,
            pickled_model=data_file,
            sklearn_version=_sklearn_version(),
            serialization_format=serialization_format,
            code=code,
            skops_trusted_types=skops_trusted_types,
        )
        packages = ["scikit-learn", "numpy", "scipy"]
        if serialization_format != SERIALIZATION_FORMAT_PICKLE:
            # the cloudpickle and skops formats need the packages of the same names
            packages.append(serialization_format)
        requirements = resolve_requirements(pinned_all(packages), pip_requirements, extra_pip_requirements)
        model_files.finish_directory(target, meta, requirements)


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

    def save(local: Path, meta: Model) -> None:
        save_model(
            sk_model,
            local,
            serialization_format=serialization_format,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            extra_pip_requirements=extra_pip_requirements,
            pyfunc_predict_fn=pyfunc_predict_fn,
            skops_trusted_types=skops_trusted_types,
            code_paths=code_paths,
            mlflow_model=meta,
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
    directory = local_model_dir(os.fspath(model_uri), dst_path)
    conf = _flavor_conf(Model.load(directory), directory)
    add_code_to_path(directory, conf)
    return _load_estimator(directory / conf["pickled_model"], conf)


def _load_pyfunc(path: str) -> SklearnModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.sklearn``): ``path`` is the model directory, or
    the model file itself in models written by MLflow 2 (``data: model.pkl``)."""
    location = Path(path)
    directory = location.parent if location.is_file() else location
    meta = Model.load(directory)
    conf = _flavor_conf(meta, directory)
    if location.is_file():
        data_file = location
    else:
        pyfunc = meta.flavors[PYFUNC_FLAVOR]
        data_file = directory / (pyfunc.get("model_path") or conf["pickled_model"])
    return SklearnModelWrapper(_load_estimator(data_file, conf))


def _flavor_conf(meta: Model, directory: Path) -> dict[str, Any]:
    conf = meta.flavors.get(FLAVOR_NAME)
    if not isinstance(conf, dict) or "pickled_model" not in conf:
        raise InvalidParameter(f"The model at '{directory}' has no '{FLAVOR_NAME}' flavor")
    return conf


def _load_estimator(path: Path, conf: dict[str, Any]) -> Any:
    serialization_format = conf.get("serialization_format") or SERIALIZATION_FORMAT_PICKLE
    trusted = conf.get("skops_trusted_types")
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        import skops.io

        if trusted:  # the model file itself widens what skops trusts: as unsafe as pickle
            warn_untrusted_format(str(path), f"skops trusting {trusted}")
        return skops.io.load(path, trusted=trusted)
    if serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
        warn_untrusted_format(str(path), serialization_format, SKOPS_HINT)
        with path.open("rb") as stream:
            return cloudpickle.load(stream)
    if serialization_format == SERIALIZATION_FORMAT_PICKLE:
        warn_untrusted_format(str(path), serialization_format, SKOPS_HINT)
        with path.open("rb") as stream:
            return pickle.load(stream)
    raise InvalidParameter(
        f"Unrecognized serialization format: {serialization_format}. Supported formats: "
        f"{list(SUPPORTED_SERIALIZATION_FORMATS)}"
    )


def _dump(sk_model: Any, path: Path, serialization_format: str, trusted: list[str] | None) -> None:
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        import skops.io
        from skops.io.exceptions import UntrustedTypesFoundException

        try:
            skops.io.dump(sk_model, path)
            skops.io.load(path, trusted=trusted)  # fail now, not at load time, on types skops won't trust
        except UntrustedTypesFoundException as exc:
            path.unlink(missing_ok=True)
            raise InvalidParameter(
                "The model holds types skops does not trust; if loading them is safe, list them in "
                f"skops_trusted_types. Error: {exc}"
            ) from exc
        except Exception as exc:  # skops cannot store functions or classes not defined at top level
            path.unlink(missing_ok=True)
            raise InvalidParameter(
                f"The model could not be saved in the skops format ({exc}); use serialization_format="
                "'cloudpickle' instead, and load the result only where you trust its source."
            ) from exc
        return
    with path.open("wb") as out:
        if serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
            cloudpickle.dump(sk_model, out, protocol=pickle.DEFAULT_PROTOCOL)
        else:
            pickle.dump(sk_model, out, protocol=pickle.DEFAULT_PROTOCOL)


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


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
