"""``keel.pytorch``: the PyTorch flavor, imported as ``import keel.pytorch`` like ``mlflow.pytorch``."""

from keel.flavors.autologging.lightning import autolog
from keel.flavors.pytorch import (
    FLAVOR_NAME,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_PT2,
    load_model,
    load_state_dict,
    log_model,
    log_state_dict,
    save_model,
    save_state_dict,
)

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_PT2",
    "autolog",
    "load_model",
    "load_state_dict",
    "log_model",
    "log_state_dict",
    "save_model",
    "save_state_dict",
]
