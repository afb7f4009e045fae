"""What each search target allows: its entities, their keys, aliases, operators and value types.

A new target is one more ``Target`` value here; ``validation.py`` applies any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from keel.search.ast import NULL_OPS, NUMERIC_OPS, STRING_OPS, Entity, Op

if TYPE_CHECKING:
    from collections.abc import Mapping


class ValueKind(Enum):
    """The literal a field compares with. INTEGER also takes a quoted integer, as MLflow's
    registry does for ``version_number = '3'``."""

    STRING = "a quoted string"
    NUMBER = "a number"
    INTEGER = "an integer"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One searchable field. No ``ops`` means it can be ordered by but not filtered on."""

    kind: ValueKind
    ops: frozenset[Op]
    orderable: bool = True


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """The keys of one entity: a fixed set (``fields``), or any key (``any_key``) as for metrics."""

    fields: Mapping[str, FieldSpec] = field(default_factory=dict)
    any_key: FieldSpec | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    """What one search endpoint accepts; ``name`` is the plural noun used in messages."""

    name: str
    entities: Mapping[Entity, EntitySpec]


_STRING_OR_NULL_OPS = STRING_OPS | NULL_OPS
_ID_OPS = frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN})
_NO_OPS: frozenset[Op] = frozenset()

_TEXT = FieldSpec(ValueKind.STRING, STRING_OPS)
_NUMBER = FieldSpec(ValueKind.NUMBER, NUMERIC_OPS)
_INTEGER = FieldSpec(ValueKind.INTEGER, NUMERIC_OPS)
_ORDER_ONLY = FieldSpec(ValueKind.INTEGER, _NO_OPS)
_KEY_VALUE = FieldSpec(ValueKind.STRING, _STRING_OR_NULL_OPS)
_KEY_VALUE_UNORDERED = FieldSpec(ValueKind.STRING, _STRING_OR_NULL_OPS, orderable=False)
_TEXT_UNORDERED = FieldSpec(ValueKind.STRING, STRING_OPS, orderable=False)

RUNS = Target(
    "runs",
    {
        Entity.METRIC: EntitySpec(any_key=_NUMBER),
        Entity.PARAM: EntitySpec(any_key=_KEY_VALUE),
        Entity.TAG: EntitySpec(any_key=_KEY_VALUE),
        Entity.ATTRIBUTE: EntitySpec(
            fields={
                "run_id": _TEXT,
                "run_name": _TEXT,
                "status": _TEXT,
                "user_id": _TEXT,
                "artifact_uri": _TEXT,
                "lifecycle_stage": _TEXT_UNORDERED,
                "start_time": _NUMBER,
                "end_time": _NUMBER,
            },
            aliases={
                "created": "start_time",
                "Created": "start_time",
                "run name": "run_name",
                "Run name": "run_name",
                "Run Name": "run_name",
            },
        ),
        Entity.DATASET: EntitySpec(fields=dict.fromkeys(("name", "digest", "context"), _TEXT_UNORDERED)),
    },
)

EXPERIMENTS = Target(
    "experiments",
    {
        Entity.ATTRIBUTE: EntitySpec(
            fields={
                "name": _TEXT,
                "experiment_id": FieldSpec(ValueKind.STRING, _ID_OPS),
                "creation_time": _INTEGER,
                "last_update_time": _INTEGER,
            }
        ),
        Entity.TAG: EntitySpec(any_key=_KEY_VALUE_UNORDERED),
    },
)

REGISTERED_MODELS = Target(
    "registered models",
    {
        Entity.ATTRIBUTE: EntitySpec(
            fields={
                "name": _TEXT,
                "creation_timestamp": _ORDER_ONLY,
                "last_updated_timestamp": _ORDER_ONLY,
            },
            # MLflow's SQL store sorts on the last update for ``timestamp``.
            aliases={"timestamp": "last_updated_timestamp"},
        ),
        Entity.TAG: EntitySpec(any_key=_KEY_VALUE_UNORDERED),
    },
)

MODEL_VERSIONS = Target(
    "model versions",
    {
        Entity.ATTRIBUTE: EntitySpec(
            fields={
                "name": _TEXT,
                "run_id": _TEXT_UNORDERED,
                "source_path": _TEXT_UNORDERED,
                "version_number": _INTEGER,
                "creation_timestamp": _ORDER_ONLY,
                "last_updated_timestamp": _ORDER_ONLY,
            }
        ),
        Entity.TAG: EntitySpec(any_key=_KEY_VALUE_UNORDERED),
    },
)

_MODEL_TEXT = FieldSpec(ValueKind.STRING, STRING_OPS)
_MODEL_TIME = FieldSpec(ValueKind.NUMBER, NUMERIC_OPS)
_MODEL_KEY_VALUE = FieldSpec(ValueKind.STRING, STRING_OPS | NULL_OPS, orderable=False)
# Logged models (MLflow 3): attributes, params and tags; metrics are not linked to models yet.
LOGGED_MODELS = Target(
    "logged models",
    {
        Entity.ATTRIBUTE: EntitySpec(
            fields={
                "name": _MODEL_TEXT,
                "model_id": _MODEL_TEXT,
                "model_type": _MODEL_TEXT,
                "status": _MODEL_TEXT,
                "source_run_id": _MODEL_TEXT,
                "creation_timestamp": _MODEL_TIME,
                "last_updated_timestamp": _MODEL_TIME,
            },
            aliases={
                "creation_time": "creation_timestamp",
                "creation_timestamp_ms": "creation_timestamp",
                "last_updated_time": "last_updated_timestamp",
                "last_updated_timestamp_ms": "last_updated_timestamp",
            },
        ),
        Entity.PARAM: EntitySpec(any_key=_MODEL_KEY_VALUE),
        Entity.TAG: EntitySpec(any_key=_MODEL_KEY_VALUE),
    },
)
