"""``keel.xgboost``: the XGBoost flavor, imported as ``import keel.xgboost`` like ``mlflow.xgboost``."""

from keel.flavors.autologging.xgboost import autolog
from keel.flavors.xgboost import (
    FLAVOR_NAME,
    MODEL_FORMAT_JSON,
    MODEL_FORMAT_UBJ,
    load_model,
    log_model,
    save_model,
)

__all__ = [
    "FLAVOR_NAME",
    "MODEL_FORMAT_JSON",
    "MODEL_FORMAT_UBJ",
    "autolog",
    "load_model",
    "log_model",
    "save_model",
]
