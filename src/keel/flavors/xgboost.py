"""``keel.xgboost``: XGBoost models in MLflow's ``xgboost`` flavor, saved, logged and loaded.

keel writes the ``xgboost`` and ``python_function`` flavors exactly as MLflow 3.17 does, with
``loader_module: mlflow.xgboost``, so MLflow loads keel's models and keel loads MLflow's (without
importing mlflow). Boosters (``xgboost.train``) and the scikit-learn API (``XGBClassifier``,
``XGBRegressor``…) are both saved in XGBoost's own format, UBJSON (``model.ubj``, the default) or
JSON (``model.json``): no pickle, so loading a model runs no code from the model file — unless it
was saved with ``code_paths``: that code is imported, and keel warns (``UntrustedModelWarning``).

On load, the ``model_class`` the MLmodel names is only instantiated when it is an XGBoost class (or,
for a model saved with ``code_paths``, a subclass of one defined in the model's own code).
"""

from __future__ import annotations

import importlib
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
from keel.models.serialization import check_format

if TYPE_CHECKING:
    import os
    from pathlib import Path

    from keel.models.signature import ModelSignature

__all__ = [
    "FLAVOR_NAME",
    "MODEL_FORMAT_JSON",
    "MODEL_FORMAT_UBJ",
    "load_model",
    "log_model",
    "save_model",
]

FLAVOR_NAME = "xgboost"
LOADER_MODULE = "mlflow.xgboost"
DATA_KEY = "data"
MODEL_FORMAT_UBJ = "ubj"
MODEL_FORMAT_JSON = "json"
SUPPORTED_MODEL_FORMATS = (MODEL_FORMAT_UBJ, MODEL_FORMAT_JSON)
BOOSTER_CLASS = "xgboost.core.Booster"


def save_model(
    xgb_model: Any,
    path: str | os.PathLike[str],
    model_format: str = MODEL_FORMAT_UBJ,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    pip_requirements: Requirements = None,
    extra_pip_requirements: Requirements = None,
    metadata: dict[str, Any] | None = None,
    code_paths: list[str | os.PathLike[str]] | None = None,
    mlflow_model: Model | None = None,
) -> None:
    """Save an XGBoost model to a new directory that keel and MLflow both load.

    Args:
        xgb_model: a trained ``xgboost.Booster`` or a fitted scikit-learn API model
            (``XGBClassifier``, ``XGBRegressor``, ``XGBRanker``…).
        path: a new (or empty) directory.
        model_format: ``"ubj"`` (UBJSON, the default, as in MLflow 3) or ``"json"``.
        signature: the model's signature; inferred from ``input_example`` when omitted.
        input_example: example input (a DataFrame, an array, or ``(data, params)``).
        pip_requirements: replaces the default, pinned requirements.
        extra_pip_requirements: added to the default requirements.
        metadata: free-form metadata for the MLmodel file.
        code_paths: local modules the model needs (a custom model class), saved with it.
        mlflow_model: the MLmodel to fill in (``log_model`` passes one).

    Raises:
        InvalidParameter: for an unknown ``model_format``, or a model that is not a trained XGBoost model.

    Example:
        >>> booster = xgboost.train({"max_depth": 3}, xgboost.DMatrix(X, y), num_boost_round=10)
        >>> keel.xgboost.save_model(booster, "model", input_example=X[:5])
    """
    check_format(model_format, SUPPORTED_MODEL_FORMATS, "model format")
    model_class = _model_class_name(xgb_model)
    packages = ["xgboost", "numpy", "scipy"]
    if model_class != BOOSTER_CLASS:
        packages.append("scikit-learn")  # the scikit-learn API classes need it to load
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
        writer.set_signature(signature, lambda: XGBModelWrapper(xgb_model).predict)
        data_file = f"model.{model_format}"
        xgb_model.save_model(str(writer.directory / data_file))
        writer.add_pyfunc_flavor(LOADER_MODULE, data=data_file)
        writer.add_flavor(
            FLAVOR_NAME,
            xgb_version=module_version("xgboost"),
            data=data_file,
            model_class=model_class,
            model_format=model_format,
        )


def log_model(
    xgb_model: Any,
    name: str = "model",
    *,
    model_format: str = MODEL_FORMAT_UBJ,
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
    """Log an XGBoost model as a logged model of the active run (see ``save_model``).

    Args:
        params: params recorded on the logged model (the run's params are added).
        tags: tags of the logged model.
        model_type: a free-form type recorded on the logged model.
        step: the step at which the run produced the model.

    Example:
        >>> with keel.start_run():
        ...     info = keel.xgboost.log_model(XGBClassifier().fit(X, y), name="model", input_example=X[:5])
        >>> keel.xgboost.load_model(info.model_uri)
    """
    save = partial(
        save_model,
        xgb_model,
        model_format=model_format,
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
    """The XGBoost model of a model saved or logged by keel or MLflow: an ``xgboost.Booster`` or the
    scikit-learn API class it was saved as.

    Args:
        model_uri: ``runs:/<run_id>/<name>``, ``models:/<model_id>``, a local path or an artifact URI.
        dst_path: where to download a remote model; a temporary directory by default.

    Example:
        >>> classifier = keel.xgboost.load_model("models:/m-0123…")
    """
    directory, conf = open_flavor(model_uri, dst_path, FLAVOR_NAME, DATA_KEY)
    return _load_xgb_model(directory, conf)


def _load_pyfunc(path: str) -> XGBModelWrapper:
    """The pyfunc loader (``loader_module: mlflow.xgboost``): ``path`` is the model file (``data``)
    or the model directory."""
    directory = model_dir_of(path)
    conf = flavor_conf(Model.load(directory), FLAVOR_NAME, DATA_KEY, directory)
    return XGBModelWrapper(_load_xgb_model(directory, conf))


def _load_xgb_model(directory: Path, conf: dict[str, Any]) -> Any:
    import xgboost as xgb

    model_class = _model_class(str(conf.get("model_class") or BOOSTER_CLASS), bool(conf.get("code")))
    data = model_file(directory, conf[DATA_KEY])
    model = model_class()
    try:
        if data.suffix in (".json", ".ubj"):
            model.load_model(str(data))
        else:  # MLflow's "xgb" format; from bytes XGBoost reads the format from the content
            model.load_model(bytearray(data.read_bytes()))
    except xgb.core.XGBoostError as exc:
        raise InvalidParameter(f"'{data}' is not an XGBoost model XGBoost can read: {exc}") from exc
    return model


def _model_class(name: str, has_code: bool) -> type[Any]:
    """The class the MLmodel names: an XGBoost class, or a subclass of one from the model's own code."""
    import xgboost as xgb

    module_name, _, class_name = name.rpartition(".")
    is_xgboost = module_name == "xgboost" or module_name.startswith("xgboost.")
    if not module_name or not (is_xgboost or has_code):
        raise InvalidParameter(f"model_class '{name}' is not an XGBoost model class")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise InvalidParameter(f"model_class '{name}' could not be imported: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, xgb.Booster | xgb.XGBModel)):
        raise InvalidParameter(f"model_class '{name}' is not an XGBoost model class")
    return found


def _model_class_name(xgb_model: Any) -> str:
    import xgboost as xgb

    return fitted_model_class(
        xgb_model,
        (xgb.XGBModel, xgb.Booster),
        "keel.xgboost saves an xgboost.Booster or an XGBoost scikit-learn API model (XGBClassifier, "
        "XGBRegressor…)",
    )


class XGBModelWrapper:
    """The pyfunc implementation: ``predict(data, params=None)`` on a DataFrame or array.

    A Booster predicts on ``xgboost.DMatrix(data)``; a scikit-learn API model on the data itself.
    Params the model's predict takes by name (``output_margin``, ``iteration_range``…) are passed on.
    """

    def __init__(self, xgb_model: Any) -> None:
        self.xgb_model = xgb_model

    def get_raw_model(self) -> Any:
        return self.xgb_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import xgboost as xgb

        kwargs = {"validate_features": True, **params_accepted_by(self.xgb_model.predict, params)}
        if isinstance(self.xgb_model, xgb.Booster):
            return self.xgb_model.predict(xgb.DMatrix(data), **kwargs)
        return self.xgb_model.predict(data, **kwargs)
