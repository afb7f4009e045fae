"""Logged models: their limits, name and id rules, and MLflow's structured order_by entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keel.errors import InvalidParameter
from keel.search import Entity, OrderKey
from keel.search.parser import parse_order_key
from keel.store.tracking import validation as v

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.entities import Param, RunTag

LOGGED_MODELS_MAX_RESULTS_DEFAULT = 100
MAX_LOGGED_MODEL_NAME_LENGTH = 500
MAX_MODEL_TYPE_LENGTH = 500
MAX_LOGGED_MODEL_KEY_LENGTH = 255
MAX_LOGGED_MODEL_ID_LENGTH = 64
LOG_MODEL_REQUIRED_FIELDS = frozenset({"artifact_path", "flavors", "utc_time_created", "run_id"})
LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"
BAD_NAME_CHARACTERS = ("/", ":", ".", "%", '"', "'")


def validate_logged_model_name(name: object) -> str:
    if not isinstance(name, str) or not name or any(c in name for c in BAD_NAME_CHARACTERS):
        raise InvalidParameter(
            f"Invalid model name ({name!r}) provided. Model name must be a non-empty string "
            f"and cannot contain the following characters: {BAD_NAME_CHARACTERS}"
        )
    return v.validate_length("Model name", name, MAX_LOGGED_MODEL_NAME_LENGTH)


def validate_model_id(model_id: object, what: str = "model_id") -> str:
    if not isinstance(model_id, str) or not model_id or len(model_id) > MAX_LOGGED_MODEL_ID_LENGTH:
        raise InvalidParameter(f"Invalid value {model_id!r} for parameter '{what}' supplied.")
    return model_id


def _validate_model_key_value(kind: str, path: str, key: object, value: object) -> None:
    if not isinstance(key, str) or not key:
        raise InvalidParameter(f"Invalid {kind} name: '{path}.key' must be a non-empty string, got {key!r}.")
    v.validate_length(f"{kind} name '{path}.key'", key, MAX_LOGGED_MODEL_KEY_LENGTH)
    v.validate_string(f"Value of {kind} '{key}' ({path}.value)", value)


def validate_model_params(params: Sequence[Param]) -> None:
    seen: dict[str, str] = {}
    for i, param in enumerate(params):
        _validate_model_key_value("param", f"params[{i}]", param.key, param.value)
        if seen.setdefault(param.key, param.value) != param.value:
            raise InvalidParameter(
                f"Duplicate parameter key '{param.key}' with different values (params[{i}])."
            )


def validate_model_tags(tags: Sequence[RunTag]) -> None:
    for i, tag in enumerate(tags):
        _validate_model_key_value("tag", f"tags[{i}]", tag.key, tag.value)


def normalise_order(order: Mapping[str, Any], index: int) -> dict[str, Any]:
    """One ``order_by`` entry in the form page tokens carry; only metrics may name a dataset."""
    where = f"order_by[{index}]"
    if not isinstance(order, Mapping):
        raise InvalidParameter(f"{where} must be an object with 'field_name' and 'ascending'")
    field_name = order.get("field_name")
    if not isinstance(field_name, str) or not field_name.strip():
        raise InvalidParameter(f"Missing value for required parameter '{where}.field_name'.")
    ascending = order.get("ascending", True)
    if not isinstance(ascending, bool):
        raise InvalidParameter(f"{where}.ascending must be true or false, got {ascending!r}")
    if order.get("dataset_name") or order.get("dataset_digest"):
        raise InvalidParameter(f"{where}: dataset_name and dataset_digest apply to metrics only")
    return {"field_name": field_name, "ascending": ascending, "dataset_name": None, "dataset_digest": None}


def order_key(order: dict[str, Any]) -> OrderKey:
    """The key an ``order_by`` entry names; its direction is ``ascending``, never written in the name."""
    field_name = order["field_name"]
    parsed = parse_order_key(field_name)
    if len(field_name.split()) > 1 and parsed.field.entity == Entity.ATTRIBUTE:
        raise InvalidParameter(
            f"Invalid order by field name: {field_name!r}; give the direction in 'ascending'"
        )
    return OrderKey(parsed.field, order["ascending"])
