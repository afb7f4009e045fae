"""The MLmodel format: ``Model`` (the MLmodel file), signatures, schemas and their inference.

``keel.pyfunc`` (``keel.models.pyfunc``) loads and predicts; flavors live in ``keel.flavors``.

Example:
    >>> from keel.models import Model, infer_signature
    >>> signature = infer_signature(X_train, model.predict(X_train), params={"threshold": 0.5})
    >>> Model.load("path/to/model").signature == signature
"""

from keel.models.datatypes import AnyType, Array, DataType, Map, Object, Property
from keel.models.mlmodel import MLMODEL_FILE_NAME, Model
from keel.models.params import ParamSchema, ParamSpec
from keel.models.schema import ColSpec, Schema, TensorSpec
from keel.models.signature import ModelSignature, infer_signature

__all__ = [
    "MLMODEL_FILE_NAME",
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "Map",
    "Model",
    "ModelSignature",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "TensorSpec",
    "infer_signature",
]
