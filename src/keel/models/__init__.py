"""The MLmodel format: ``Model`` (the MLmodel file), signatures, schemas and their inference.

``keel.pyfunc`` (``keel.models.pyfunc``) loads and predicts; flavors live in ``keel.flavors``.

Example:
    >>> from keel.models import Model, infer_signature
    >>> signature = infer_signature(X_train, model.predict(X_train), params={"threshold": 0.5})
    >>> Model.load("path/to/model").signature == signature
"""

from typing import TYPE_CHECKING, Any

from keel.models.datatypes import AnyType, Array, DataType, Map, Object, Property
from keel.models.mlmodel import MLMODEL_FILE_NAME, Model
from keel.models.params import ParamSchema, ParamSpec
from keel.models.schema import ColSpec, Schema, TensorSpec
from keel.models.signature import ModelSignature, infer_signature

if TYPE_CHECKING:
    from keel.models.evaluation import EvaluationResult, MetricThreshold, evaluate

# Evaluation pulls in pyfunc, tracking, scikit-learn and matplotlib: it loads on first use, so
# ``import keel.models`` stays cheap.
_EVALUATION = ("EvaluationResult", "MetricThreshold", "evaluate")


def __getattr__(name: str) -> Any:
    if name in _EVALUATION:
        from keel.models import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module 'keel.models' has no attribute '{name}'")


__all__ = [
    "MLMODEL_FILE_NAME",
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "EvaluationResult",
    "Map",
    "MetricThreshold",
    "Model",
    "ModelSignature",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "TensorSpec",
    "evaluate",
    "infer_signature",
]
