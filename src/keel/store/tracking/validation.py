"""MLflow's rules for what may be logged, checked before anything is written.

Each check raises ``InvalidParameter`` naming the offending field, so a bad call
changes nothing in any store.
"""

from __future__ import annotations

import numbers
import posixpath
import re
from typing import TYPE_CHECKING

from keel.entities import Metric
from keel.errors import InvalidParameter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.entities import DatasetInput, Param, RunTag

MAX_ENTITY_KEY_LENGTH = 250
MAX_PARAM_VAL_LENGTH = 6000
MAX_TAG_VAL_LENGTH = 8000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_RUN_NAME_LENGTH = 250
MAX_USER_ID_LENGTH = 256
MAX_EXPERIMENT_TAG_KEY_LENGTH = 250
MAX_EXPERIMENT_TAG_VAL_LENGTH = 20000
MAX_ARTIFACT_LOCATION_LENGTH = 2048
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_DATASETS_PER_BATCH = 1000
MAX_DATASET_NAME_SIZE = 500
MAX_DATASET_DIGEST_SIZE = 36
MAX_DATASET_SOURCE_SIZE = 65535
MAX_DATASET_SCHEMA_SIZE = 1048575
MAX_DATASET_PROFILE_SIZE = 16777215
MAX_INPUT_TAG_KEY_SIZE = 255
MAX_INPUT_TAG_VALUE_SIZE = 500
MAX_RESULTS_SEARCH_RUNS = 50000
MAX_RESULTS_SEARCH_EXPERIMENTS = 50000

RUN_NAME_TAG = "mlflow.runName"

# A training loop logs the same few keys again and again: each is checked once.
_KNOWN_GOOD_KEYS: set[str] = set()
_KNOWN_GOOD_KEYS_LIMIT = 100_000
_VALID_KEY = re.compile(r"^[/\w.\- :]*$")
_VALID_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
_VALID_EXPERIMENT_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,63}$")
_INT64_MAX = 2**63 - 1


def validate_key(kind: str, key: object, path: str = "key") -> str:
    """A metric, param or tag name: at most 250 characters of ``[/\\w.\\- :]``, and a clean relative path."""
    if type(key) is str and key in _KNOWN_GOOD_KEYS:
        return key
    if not isinstance(key, str) or key == "":
        raise InvalidParameter(f"Invalid {kind} name: '{path}' must be a non-empty string, got {key!r}.")
    if len(key) > MAX_ENTITY_KEY_LENGTH:
        raise InvalidParameter(f"{kind} name '{path}' exceeds the maximum length of {MAX_ENTITY_KEY_LENGTH}")
    if not _VALID_KEY.match(key):
        raise InvalidParameter(
            f"Invalid {kind} name: '{key}'. Names may only contain alphanumerics, underscores (_), "
            "dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)."
        )
    normalised = posixpath.normpath(key)
    if normalised != key or normalised == "." or normalised.startswith(("..", "/")):
        raise InvalidParameter(
            f"Invalid {kind} name: '{key}'. Names cannot refer to a parent or absolute path "
            "and must be normalised (no '//', './' or trailing '/')."
        )
    if len(_KNOWN_GOOD_KEYS) >= _KNOWN_GOOD_KEYS_LIMIT:
        _KNOWN_GOOD_KEYS.clear()
    _KNOWN_GOOD_KEYS.add(key)
    return key


def validate_length(what: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidParameter(f"{what} exceeds the maximum length of {limit} characters (got {len(value)}).")
    return value


def validate_string(what: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"{what} must be a string, got {type(value).__name__} {value!r}.")
    if "\x00" in value:
        raise InvalidParameter(f"{what} must not contain NUL characters.")
    return value


def validate_metric(metric: Metric, path: str = "metric") -> Metric:
    """Check a point; return it with plain ``float``/``int`` fields (numpy scalars pass, as in MLflow)."""
    _check_metric(metric, path)
    if type(metric.value) is float and type(metric.step) is int and type(metric.timestamp) is int:
        return metric
    return Metric(metric.key, float(metric.value), int(metric.timestamp), int(metric.step), metric.run_id)


def _is_plain_valid_metric(metric: Metric) -> bool:
    """The common case, decided without building error paths: plain types, a known key, in range."""
    return (
        type(metric.value) is float
        and type(metric.step) is int
        and type(metric.timestamp) is int
        and type(metric.key) is str
        and metric.key in _KNOWN_GOOD_KEYS
        and 0 <= metric.timestamp <= _INT64_MAX
        and -_INT64_MAX - 1 <= metric.step <= _INT64_MAX
    )


def _check_metric(metric: Metric, path: str) -> None:
    validate_key("metric", metric.key, f"{path}.key")
    value = metric.value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameter(
            f"Got invalid value {value!r} for metric '{metric.key}' ({path}.value): value must be a number."
        )
    try:
        float(value)
    except OverflowError:
        raise InvalidParameter(
            f"Got invalid value for metric '{metric.key}' ({path}.value): too large for a double."
        ) from None
    if isinstance(metric.timestamp, bool) or not isinstance(metric.timestamp, numbers.Integral):
        raise InvalidParameter(
            f"Got invalid timestamp {metric.timestamp!r} for metric '{metric.key}' ({path}.timestamp): "
            "timestamp must be an integer (epoch milliseconds)."
        )
    if not 0 <= metric.timestamp <= _INT64_MAX:
        raise InvalidParameter(f"Timestamp {metric.timestamp} of metric '{metric.key}' is out of range.")
    if isinstance(metric.step, bool) or not isinstance(metric.step, numbers.Integral):
        raise InvalidParameter(
            f"Got invalid step {metric.step!r} for metric '{metric.key}' ({path}.step): "
            "step must be an integer."
        )
    if not -_INT64_MAX - 1 <= metric.step <= _INT64_MAX:
        raise InvalidParameter(f"Step {metric.step} of metric '{metric.key}' is out of range.")


def validate_param(param: Param, path: str = "param") -> None:
    validate_key("param", param.key, f"{path}.key")
    validate_string(f"Value of param '{param.key}'", param.value)
    validate_length(f"Value of param '{param.key}'", param.value, MAX_PARAM_VAL_LENGTH)


def validate_tag(tag: RunTag, path: str = "tag") -> None:
    validate_key("tag", tag.key, f"{path}.key")
    validate_string(f"Value of tag '{tag.key}'", tag.value)
    validate_length(f"Value of tag '{tag.key}'", tag.value, MAX_TAG_VAL_LENGTH)


def validate_experiment_tag(tag: RunTag) -> None:
    validate_key("tag", tag.key)
    validate_length("Experiment tag key", tag.key, MAX_EXPERIMENT_TAG_KEY_LENGTH)
    validate_string(f"Value of experiment tag '{tag.key}'", tag.value)
    validate_length(f"Value of experiment tag '{tag.key}'", tag.value, MAX_EXPERIMENT_TAG_VAL_LENGTH)


def validate_run_name(name: object) -> str:
    return validate_length("Run name", validate_string("Run name", name), MAX_RUN_NAME_LENGTH)


def validate_timestamp(what: str, value: object) -> int:
    """Epoch milliseconds: a non-negative 64-bit integer."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not 0 <= int(value) <= _INT64_MAX
    ):
        raise InvalidParameter(f"{what} must be a non-negative 64-bit integer (epoch ms), got {value!r}")
    return int(value)


def validate_batch(
    metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
) -> list[Metric]:
    """Batch limits and every item, before anything is written; duplicate param keys are rejected.

    Returns the metrics with plain number types, ready to store.
    """
    _check_batch_limit("metrics", len(metrics), MAX_METRICS_PER_BATCH)
    _check_batch_limit("params", len(params), MAX_PARAMS_TAGS_PER_BATCH)
    _check_batch_limit("tags", len(tags), MAX_PARAMS_TAGS_PER_BATCH)
    _check_batch_limit(
        "metrics, params and tags", len(metrics) + len(params) + len(tags), MAX_ENTITIES_PER_BATCH
    )
    checked = [
        m if _is_plain_valid_metric(m) else validate_metric(m, f"metrics[{i}]") for i, m in enumerate(metrics)
    ]
    seen: dict[str, str] = {}
    for i, param in enumerate(params):
        validate_param(param, f"params[{i}]")
        if param.key in seen and seen[param.key] != param.value:
            raise InvalidParameter(
                f"Duplicate parameter key '{param.key}' with different values in one batch (params[{i}])."
            )
        seen[param.key] = param.value
    for i, tag in enumerate(tags):
        validate_tag(tag, f"tags[{i}]")
        if tag.key == RUN_NAME_TAG:
            validate_run_name(tag.value)
    return checked


def _check_batch_limit(what: str, count: int, limit: int) -> None:
    if count > limit:
        raise InvalidParameter(
            f"A batch logging request can contain at most {limit} {what}. Got {count} {what}. "
            "Split the request into smaller batches."
        )


def validate_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not _VALID_RUN_ID.match(run_id):
        raise InvalidParameter(f"Invalid value {run_id!r} for parameter 'run_id' supplied.")
    return run_id


def validate_experiment_id(experiment_id: object) -> str:
    if isinstance(experiment_id, int) and not isinstance(experiment_id, bool):
        experiment_id = str(experiment_id)
    if not isinstance(experiment_id, str) or not _VALID_EXPERIMENT_ID.match(experiment_id):
        raise InvalidParameter(f"Invalid experiment ID: {experiment_id!r}")
    return experiment_id


def validate_experiment_name(name: object) -> str:
    if not isinstance(name, str) or name.strip() == "":
        raise InvalidParameter(f"Invalid experiment name: {name!r}. Expects a non-empty string.")
    validate_string("Experiment name", name)
    return validate_length("Experiment name", name, MAX_EXPERIMENT_NAME_LENGTH)


def validate_artifact_location(location: str | None) -> None:
    if location is None:
        return
    validate_string("artifact_location", location)
    if location.startswith("runs:"):
        raise InvalidParameter(f"Artifact location cannot be a runs:/ URI. Given: '{location}'")
    validate_length("artifact_location", location, MAX_ARTIFACT_LOCATION_LENGTH)


def validate_max_results(max_results: object, limit: int) -> int:
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results <= 0:
        raise InvalidParameter(
            f"Invalid value {max_results!r} for parameter 'max_results': must be a positive integer."
        )
    if max_results > limit:
        raise InvalidParameter(
            f"Invalid value {max_results} for parameter 'max_results' supplied. It must be at most {limit}."
        )
    return max_results


def validate_dataset_inputs(inputs: Sequence[DatasetInput]) -> None:
    _check_batch_limit("datasets", len(inputs), MAX_DATASETS_PER_BATCH)
    for i, item in enumerate(inputs):
        ds = item.dataset
        for what, value, limit in (
            ("name", ds.name, MAX_DATASET_NAME_SIZE),
            ("digest", ds.digest, MAX_DATASET_DIGEST_SIZE),
            ("source_type", ds.source_type, MAX_DATASET_SOURCE_SIZE),
            ("source", ds.source, MAX_DATASET_SOURCE_SIZE),
        ):
            if not isinstance(value, str) or value == "":
                raise InvalidParameter(
                    f"Dataset {what} (datasets[{i}].dataset.{what}) must be a non-empty string."
                )
            validate_length(f"Dataset {what} (datasets[{i}].dataset.{what})", value, limit)
        if ds.schema is not None:
            validate_length(
                f"Dataset schema (datasets[{i}].dataset.schema)", ds.schema, MAX_DATASET_SCHEMA_SIZE
            )
        if ds.profile is not None:
            validate_length(
                f"Dataset profile (datasets[{i}].dataset.profile)", ds.profile, MAX_DATASET_PROFILE_SIZE
            )
        for j, tag in enumerate(item.tags):
            where = f"datasets[{i}].tags[{j}]"
            validate_string(f"Input tag key ({where}.key)", tag.key)
            validate_string(f"Input tag value ({where}.value)", tag.value)
            validate_length(f"Input tag key ({where}.key)", tag.key, MAX_INPUT_TAG_KEY_SIZE)
            validate_length(f"Input tag value ({where}.value)", tag.value, MAX_INPUT_TAG_VALUE_SIZE)
