"""``keel.lightgbm``: the LightGBM flavor, imported as ``import keel.lightgbm`` like ``mlflow.lightgbm``."""

from keel.flavors.autologging.lightgbm import autolog
from keel.flavors.lightgbm import (
    FLAVOR_NAME,
    SERIALIZATION_FORMAT_CLOUDPICKLE,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_SKOPS,
    load_model,
    log_model,
    save_model,
)

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_CLOUDPICKLE",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_SKOPS",
    "autolog",
    "load_model",
    "log_model",
    "save_model",
]
