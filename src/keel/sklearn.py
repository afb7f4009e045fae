"""``keel.sklearn``: the scikit-learn flavor, imported as ``import keel.sklearn`` like ``mlflow.sklearn``."""

from keel.flavors.autologging.sklearn import autolog
from keel.flavors.sklearn import (
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
