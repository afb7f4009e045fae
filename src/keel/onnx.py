"""``keel.onnx``: the ONNX flavor, imported as ``import keel.onnx`` like ``mlflow.onnx``."""

from keel.flavors.onnx import (
    FLAVOR_NAME,
    ONNX_EXECUTION_PROVIDERS,
    export_pytorch,
    load_model,
    log_model,
    save_model,
)

__all__ = [
    "FLAVOR_NAME",
    "ONNX_EXECUTION_PROVIDERS",
    "export_pytorch",
    "load_model",
    "log_model",
    "save_model",
]
