"""keel: the machine-learning lifecycle in one install, speaking MLflow's API.

``import keel`` is cheap: the fluent functions, ``Client`` and entities load on first use.

Example:
    >>> import keel
    >>> keel.set_experiment("quickstart")
    >>> with keel.start_run():
    ...     keel.log_param("alpha", 0.5)
    ...     keel.log_metric("rmse", 0.78, step=1)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from keel.version import __version__ as __version__

_FLUENT = (
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_run",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "start_run",
)
_ENTITIES = ("Dataset", "Experiment", "Metric", "Param", "Run", "RunStatus", "RunTag", "ViewType")
_LAZY: dict[str, str] = {
    **dict.fromkeys(_FLUENT, "keel.tracking.fluent"),
    **dict.fromkeys(_ENTITIES, "keel.entities"),
    "ActiveRun": "keel.tracking.fluent",
    "Client": "keel.tracking.client",
    "autolog": "keel.flavors.autologging",
    "register_model": "keel.tracking.registry_client",
    "get_tracking_uri": "keel.tracking.uris",
    "set_tracking_uri": "keel.tracking.uris",
    "KeelError": "keel.errors",
}
_SUBMODULES = {
    "data": "keel.data",
    "entities": "keel.entities",
    "errors": "keel.errors",
    "lightgbm": "keel.lightgbm",
    "models": "keel.models",
    "onnx": "keel.onnx",
    "pyfunc": "keel.pyfunc",
    "pytorch": "keel.pytorch",
    "sklearn": "keel.sklearn",
    "xgboost": "keel.xgboost",
}

__all__ = [
    "ActiveRun",
    "Client",
    "Dataset",
    "Experiment",
    "KeelError",
    "Metric",
    "Param",
    "Run",
    "RunStatus",
    "RunTag",
    "ViewType",
    "active_run",
    "autolog",
    "create_experiment",
    "data",
    "delete_experiment",
    "delete_run",
    "delete_tag",
    "end_run",
    "entities",
    "errors",
    "flush",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "lightgbm",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "models",
    "onnx",
    "pyfunc",
    "pytorch",
    "register_model",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "sklearn",
    "start_run",
    "xgboost",
]

if TYPE_CHECKING:
    from keel import data, entities, errors, lightgbm, models, onnx, pyfunc, pytorch, sklearn, xgboost
    from keel.entities import Dataset, Experiment, Metric, Param, Run, RunStatus, RunTag, ViewType
    from keel.errors import KeelError
    from keel.flavors.autologging import autolog
    from keel.tracking.client import Client
    from keel.tracking.fluent import (
        ActiveRun,
        active_run,
        create_experiment,
        delete_experiment,
        delete_run,
        delete_tag,
        end_run,
        flush,
        get_artifact_uri,
        get_experiment,
        get_experiment_by_name,
        get_run,
        last_active_run,
        log_artifact,
        log_artifacts,
        log_dict,
        log_figure,
        log_image,
        log_input,
        log_metric,
        log_metrics,
        log_param,
        log_params,
        log_table,
        log_text,
        search_experiments,
        search_runs,
        set_experiment,
        set_tag,
        set_tags,
        start_run,
    )
    from keel.tracking.registry_client import register_model
    from keel.tracking.uris import get_tracking_uri, set_tracking_uri


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = import_module(_SUBMODULES[name])
    else:
        raise AttributeError(f"module 'keel' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
