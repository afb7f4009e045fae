"""``keel.lightgbm``: LightGBM models in MLflow's ``lightgbm`` flavor, saved, logged and loaded.

keel writes the ``lightgbm`` and ``python_function`` flavors exactly as MLflow 3.17 does, with
``loader_module: mlflow.lightgbm``, so MLflow loads keel's models and keel loads MLflow's (without
importing mlflow). A ``lightgbm.Booster`` is saved in LightGBM's own text format (``model.lgb``).
The scikit-learn API models (``LGBMClassifier``, ``LGBMRegressor``, ``LGBMRanker``) are serialized
as MLflow serializes them: with skops by default (``model.skops``), or pickle / cloudpickle
(``model.pkl``) when asked.

Loading a pickle or cloudpickle model, or a skops model whose MLmodel trusts types beyond
LightGBM's own, can run arbitrary code from the model file: load models only from sources you
trust. keel warns (``UntrustedModelWarning``) the first time it does.
"""

from __future__ import annotations

import inspect
import logging
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
from keel.models.mlmodel import Model
from keel.models.trust import warn_untrusted_format
from keel.models.uris import local_model_dir

if TYPE_CHECKING:
    from collections.abc import Callable

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

logger = logging.getLogger(__name__)

FLAVOR_NAME = "lightgbm"
LOADER_MODULE = "mlflow.lightgbm"
SERIALIZATION_FORMAT_SKOPS = "skops"
SERIALIZATION_FORMAT_PICKLE = "pickle"
SKOPS_HINT = "save with serialization_format='skops'"
SERIALIZATION_FORMAT_CLOUDPICKLE = "cloudpickle"
SUPPORTED_SERIALIZATION_FORMATS = (
    SERIALIZATION_FORMAT_SKOPS,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_CLOUDPICKLE,
)
BOOSTER_CLASS = "lightgbm.basic.Booster"
BOOSTER_FILE = "model.lgb"
SKOPS_FILE = "model.skops"
PICKLE_FILE = "model.pkl"
# The types MLflow 3.17 always writes into skops_trusted_types: LightGBM's own, safe to rebuild.
SKOPS_TRUSTED_TYPES = frozenset(
    {
        "collections.OrderedDict",
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "lightgbm.sklearn.LGBMRegressor",
    }
)
# Trusted without a warning: those, and LightGBM's other scikit-learn API classes.
LIGHTGBM_TYPES = SKOPS_TRUSTED_TYPES | {"lightgbm.sklearn.LGBMRanker", "lightgbm.sklearn.LGBMModel"}


def save_model(
    lgb_model: Any,
    path: str | os.PathLike[str],
    serialization_format: str = SERIALIZATION_FORMAT_SKOPS,
    skops_trusted_types: list[str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    mlflow_model: Model | None = None,
) -> None:
    """Save a LightGBM model to a new directory that keel and MLflow both load.

    A Booster is written in LightGBM's text format whatever ``serialization_format`` says; a
    scikit-learn API model is serialized in that format. ``"pickle"`` and ``"cloudpickle"`` models
    run code from the model file when loaded: keep ``"skops"`` unless skops cannot store the model.

    Args:
        lgb_model: a trained ``lightgbm.Booster`` or a fitted ``LGBMClassifier``, ``LGBMRegressor``
            or ``LGBMRanker``.
        path: a new (or empty) directory.
        serialization_format: for scikit-learn API models, ``"skops"`` (default, as MLflow 3),
            ``"cloudpickle"`` or ``"pickle"``.
        skops_trusted_types: for skops, types beyond LightGBM's own to trust on load.
        signature: the model's signature; inferred from ``input_example`` when omitted.
        input_example: example input (a DataFrame, an array, or ``(data, params)``).
        pip_requirements: replaces the default, pinned requirements.
        extra_pip_requirements: added to the default requirements.
        metadata: free-form metadata for the MLmodel file.
        code_paths: local modules the model needs, saved with it.
        mlflow_model: the MLmodel to fill in (``log_model`` passes one).

    Raises:
        InvalidParameter: for an unknown ``serialization_format``, a model that is not a trained
            LightGBM model, or one skops cannot store.

    Example:
        >>> keel.lightgbm.save_model(LGBMClassifier().fit(X, y), "model", input_example=X[:5])
    """
    if serialization_format not in SUPPORTED_SERIALIZATION_FORMATS:
        raise InvalidParameter(
            f"Unrecognized serialization format: {serialization_format}. Please specify one of the "
            f"following supported formats: {list(SUPPORTED_SERIALIZATION_FORMATS)}."
        )
    model_class = _model_class_name(lgb_model)
    is_booster = model_class == BOOSTER_CLASS
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        trusted = set(SKOPS_TRUSTED_TYPES).union(skops_trusted_types or ())
        if model_class in LIGHTGBM_TYPES:
            trusted.add(model_class)  # LGBMRanker, which MLflow's list lacks
        skops_trusted_types = sorted(trusted)
    with model_files.new_model_directory(path) as target:
        meta = mlflow_model or Model()
        if metadata is not None:
            meta.metadata = metadata
        example = model_files.save_example(meta, input_example, target)
        code = model_files.copy_code_paths(code_paths, target)
        if signature is None and example is not None:
            signature = model_files.signature_from_example(example, LGBModelWrapper(lgb_model).predict)
        meta.signature = signature or None
        if is_booster:
            data_file = BOOSTER_FILE
            lgb_model.save_model(str(target / data_file))
        else:
            data_file = SKOPS_FILE if serialization_format == SERIALIZATION_FORMAT_SKOPS else PICKLE_FILE
            _dump(lgb_model, target / data_file, serialization_format, skops_trusted_types)
        model_files.add_pyfunc_flavor(meta, LOADER_MODULE, code=code, data=data_file)
        meta.add_flavor(
            FLAVOR_NAME,
            lgb_version=_lightgbm_version(),
            data=data_file,
            model_class=model_class,
            code=code,
            serialization_format=serialization_format,
            skops_trusted_types=skops_trusted_types,
        )
        packages = ["lightgbm", "numpy", "scipy"]
        if not is_booster:
            packages.append("scikit-learn")
            if serialization_format != SERIALIZATION_FORMAT_PICKLE:
                packages.append(serialization_format)  # skops and cloudpickle: packages of those names
        requirements = resolve_requirements(pinned_all(packages), pip_requirements, extra_pip_requirements)
        model_files.finish_directory(target, meta, requirements)


def log_model(
    lgb_model: Any,
    name: str = "model",
    *,
    serialization_format: str = SERIALIZATION_FORMAT_SKOPS,
    skops_trusted_types: list[str] | None = None,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
) -> ModelInfo:
    """Log a LightGBM model as a logged model of the active run (see ``save_model``).

    Args:
        params: params recorded on the logged model (the run's params are added).
        tags: tags of the logged model.
        model_type: a free-form type recorded on the logged model.
        step: the step at which the run produced the model.

    Example:
        >>> with keel.start_run():
        ...     info = keel.lightgbm.log_model(booster, name="model", input_example=X[:5])
        >>> keel.lightgbm.load_model(info.model_uri)
    """

    def save(local: Path, meta: Model) -> None:
        save_model(
            lgb_model,
            local,
            serialization_format=serialization_format,
            skops_trusted_types=skops_trusted_types,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            extra_pip_requirements=extra_pip_requirements,
            code_paths=code_paths,
            mlflow_model=meta,
        )

    return log_to_tracking(
        save, name, model_type=model_type, params=params, tags=tags, step=step, metadata=metadata
    )


def load_model(model_uri: str | os.PathLike[str], dst_path: str | os.PathLike[str] | None = None) -> Any:
    """The LightGBM model of a model saved or logged by keel or MLflow: a ``lightgbm.Booster`` or
    the scikit-learn API model it was saved as.

    Loading a pickle or cloudpickle model runs code from the model file: trust its source.

    Example:
        >>> booster = keel.lightgbm.load_model("models:/m-0123…")
    """
    directory = local_model_dir(os.fspath(model_uri), dst_path)
    conf = _flavor_conf(directory)
    add_code_to_path(directory, conf)
    return _load_lgb_model(directory, conf)


def _load_pyfunc(path: str) -> LGBModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.lightgbm``): ``path`` is the model file (``data``)
    or the model directory."""
    location = Path(path)
    directory = location.parent if location.is_file() else location
    return LGBModelWrapper(_load_lgb_model(directory, _flavor_conf(directory)))


def _flavor_conf(directory: Path) -> dict[str, Any]:
    conf = Model.load(directory).flavors.get(FLAVOR_NAME)
    if not isinstance(conf, dict) or not isinstance(conf.get("data"), str):
        raise InvalidParameter(f"The model at '{directory}' has no '{FLAVOR_NAME}' flavor")
    return conf


def _load_lgb_model(directory: Path, conf: dict[str, Any]) -> Any:
    path = (directory / conf["data"]).resolve()
    if not path.is_relative_to(directory.resolve()) or not path.is_file():
        raise InvalidParameter(
            f"The model file '{conf['data']}' is not a file in the model directory '{directory}'"
        )
    if (conf.get("model_class") or BOOSTER_CLASS) == BOOSTER_CLASS:
        import lightgbm as lgb

        try:
            return lgb.Booster(model_file=str(path))
        except lgb.basic.LightGBMError as exc:
            raise InvalidParameter(f"'{path}' is not a LightGBM model LightGBM can read: {exc}") from exc
    # MLflow before 2.x pickled with cloudpickle without recording the format
    serialization_format = conf.get("serialization_format") or SERIALIZATION_FORMAT_CLOUDPICKLE
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        import skops.io

        trusted = conf.get("skops_trusted_types") or []
        if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
            raise InvalidParameter(f"skops_trusted_types must be a list of type names, got {trusted!r}")
        if wider := sorted(set(trusted) - LIGHTGBM_TYPES):
            # the model file itself widens what skops trusts: as unsafe as pickle
            warn_untrusted_format(str(path), f"skops trusting {wider}")
        return skops.io.load(path, trusted=trusted)
    if serialization_format in (SERIALIZATION_FORMAT_PICKLE, SERIALIZATION_FORMAT_CLOUDPICKLE):
        warn_untrusted_format(str(path), serialization_format, SKOPS_HINT)
        with path.open("rb") as stream:
            if serialization_format == SERIALIZATION_FORMAT_PICKLE:
                return pickle.load(stream)
            return cloudpickle.load(stream)
    raise InvalidParameter(
        f"Unrecognized serialization format: {serialization_format}. Supported formats: "
        f"{list(SUPPORTED_SERIALIZATION_FORMATS)}"
    )


def _dump(lgb_model: Any, path: Path, serialization_format: str, trusted: list[str] | None) -> None:
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        import skops.io

        try:
            skops.io.dump(lgb_model, path)
            skops.io.load(path, trusted=trusted)  # fail now, not at load time, on types skops won't trust
        except Exception as exc:  # untrusted types, or objects skops cannot store (a custom objective)
            path.unlink(missing_ok=True)
            raise InvalidParameter(
                f"The model could not be saved in the skops format ({exc}); list types that are safe to "
                "load in skops_trusted_types, or use serialization_format='cloudpickle' and load the "
                "result only where you trust its source."
            ) from exc
        return
    with path.open("wb") as out:
        if serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
            cloudpickle.dump(lgb_model, out, protocol=pickle.DEFAULT_PROTOCOL)
        else:
            pickle.dump(lgb_model, out, protocol=pickle.DEFAULT_PROTOCOL)


def _model_class_name(lgb_model: Any) -> str:
    """``module.Class`` of a trained LightGBM model, as MLflow records it.

    Raises:
        InvalidParameter: when the model is not a LightGBM model, or not fitted.
    """
    import lightgbm as lgb

    if isinstance(lgb_model, lgb.LGBMModel):
        if not lgb_model.__sklearn_is_fitted__():
            raise InvalidParameter(f"The {type(lgb_model).__name__} is not fitted: call fit before saving")
    elif not isinstance(lgb_model, lgb.Booster):
        raise InvalidParameter(
            "keel.lightgbm saves a lightgbm.Booster or a LightGBM scikit-learn API model (LGBMClassifier, "
            f"LGBMRegressor…), not {type(lgb_model).__module__}.{type(lgb_model).__qualname__}"
        )
    cls = type(lgb_model)
    return f"{cls.__module__}.{cls.__name__}"


def _lightgbm_version() -> str:
    import lightgbm as lgb

    return str(lgb.__version__)


def _accepted_params(predict: Callable[..., Any], params: dict[str, Any] | None) -> dict[str, Any]:
    """The ``params`` that ``predict`` names; the others are dropped with a warning rather than handed
    to LightGBM as unknown settings."""
    if not params:
        return {}
    names = {
        name
        for name, parameter in list(inspect.signature(predict).parameters.items())[1:]  # after the data
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    if ignored := sorted(set(params) - names):
        logger.warning("Params %s are not accepted by the model's predict, ignoring them", ignored)
    return {k: v for k, v in params.items() if k in names}


class LGBModelWrapper:
    """The pyfunc implementation: ``predict(data, params=None)`` on a DataFrame or array.

    Params the model's predict names (``raw_score``, ``num_iteration``, ``pred_contrib``…) are passed
    on; MLflow 3.17's wrapper ignores params, so a model whose signature declares them predicts
    differently there.
    """

    def __init__(self, lgb_model: Any) -> None:
        self.lgb_model = lgb_model

    def get_raw_model(self) -> Any:
        return self.lgb_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.lgb_model.predict(data, **_accepted_params(self.lgb_model.predict, params))
