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

from functools import partial
from typing import TYPE_CHECKING, Any

from keel.errors import InvalidParameter
from keel.models.directory import write_model
from keel.models.environment import Requirements, module_version
from keel.models.flavors import flavor_conf, model_dir_of, model_file, open_flavor
from keel.models.log import ModelInfo
from keel.models.log import log_model as log_to_tracking
from keel.models.mlmodel import Model
from keel.models.model_class import fitted_model_class
from keel.models.params import params_accepted_by
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
    from pathlib import Path

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

FLAVOR_NAME = "lightgbm"
LOADER_MODULE = "mlflow.lightgbm"
DATA_KEY = "data"
BOOSTER_CLASS = "lightgbm.basic.Booster"
BOOSTER_FILE = "model.lgb"
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
    check_format(serialization_format, SUPPORTED_SERIALIZATION_FORMATS)
    model_class = _model_class_name(lgb_model)
    is_booster = model_class == BOOSTER_CLASS
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        trusted = set(SKOPS_TRUSTED_TYPES).union(skops_trusted_types or ())
        if model_class in LIGHTGBM_TYPES:
            trusted.add(model_class)  # LGBMRanker, which MLflow's list lacks
        skops_trusted_types = sorted(trusted)
    packages = ["lightgbm", "numpy", "scipy"]
    if not is_booster:
        packages += ["scikit-learn", *format_packages(serialization_format)]
    with write_model(
        path,
        mlflow_model=mlflow_model,
        metadata=metadata,
        input_example=input_example,
        code_paths=code_paths,
        packages=packages,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
    ) as writer:
        writer.set_signature(signature, lambda: LGBModelWrapper(lgb_model).predict)
        if is_booster:
            data_file = BOOSTER_FILE
            lgb_model.save_model(str(writer.directory / data_file))
        else:
            data_file = serialized_file_name(serialization_format)
            serialize_model(
                lgb_model, writer.directory / data_file, serialization_format, skops_trusted_types
            )
        writer.add_pyfunc_flavor(LOADER_MODULE, data=data_file)
        writer.add_flavor(
            FLAVOR_NAME,
            lgb_version=module_version("lightgbm"),
            data=data_file,
            model_class=model_class,
            serialization_format=serialization_format,
            skops_trusted_types=skops_trusted_types,
        )


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
    save = partial(
        save_model,
        lgb_model,
        serialization_format=serialization_format,
        skops_trusted_types=skops_trusted_types,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        code_paths=code_paths,
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
    directory, conf = open_flavor(model_uri, dst_path, FLAVOR_NAME, DATA_KEY)
    return _load_lgb_model(directory, conf)


def _load_pyfunc(path: str) -> LGBModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.lightgbm``): ``path`` is the model file (``data``)
    or the model directory."""
    directory = model_dir_of(path)
    conf = flavor_conf(Model.load(directory), FLAVOR_NAME, DATA_KEY, directory)
    return LGBModelWrapper(_load_lgb_model(directory, conf))


def _load_lgb_model(directory: Path, conf: dict[str, Any]) -> Any:
    path = model_file(directory, conf[DATA_KEY])
    if (conf.get("model_class") or BOOSTER_CLASS) == BOOSTER_CLASS:
        import lightgbm as lgb

        try:
            return lgb.Booster(model_file=str(path))
        except lgb.basic.LightGBMError as exc:
            raise InvalidParameter(f"'{path}' is not a LightGBM model LightGBM can read: {exc}") from exc
    # MLflow before 2.x pickled with cloudpickle without recording the format
    serialization_format = conf.get("serialization_format") or SERIALIZATION_FORMAT_CLOUDPICKLE
    return deserialize_model(path, serialization_format, conf.get("skops_trusted_types"), LIGHTGBM_TYPES)


def _model_class_name(lgb_model: Any) -> str:
    import lightgbm as lgb

    return fitted_model_class(
        lgb_model,
        (lgb.LGBMModel, lgb.Booster),
        "keel.lightgbm saves a lightgbm.Booster or a LightGBM scikit-learn API model (LGBMClassifier, "
        "LGBMRegressor…)",
    )


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
        return self.lgb_model.predict(data, **params_accepted_by(self.lgb_model.predict, params))
