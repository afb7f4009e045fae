"""Webhooks on registry events, their deliveries and each delivery's attempts, with MLflow JSON in and out.

A webhook subscribes to ``RegistryAction`` values (``model_version.created`` …). MLflow's wire spells an
event ``{"entity": "MODEL_VERSION", "action": "CREATED"}`` and its enums name only some of keel's
events; the others (a stage change, a rename …) travel in ``keel_events`` as ``entity.action``
strings, a field MLflow's client ignores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from keel.entities.registry import RegistryAction, RegistryEvent
from keel.errors import InvalidParameter


class WebhookStatus(StrEnum):
    """A ``DISABLED`` webhook is queued nothing, and what was queued before waits until it is active."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"

    @classmethod
    def parse(cls, value: object) -> WebhookStatus:
        for status in cls:
            if isinstance(value, str) and status.value == value.strip().upper():
                return status
        raise InvalidParameter(f"Invalid webhook status {value!r}. Valid statuses are: ACTIVE, DISABLED.")


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


# The events MLflow's webhook enums can name (mlflow/entities/webhook.py VALID_ENTITY_ACTIONS).
MLFLOW_EVENTS = frozenset(
    {
        RegistryAction.MODEL_CREATED,
        RegistryAction.VERSION_CREATED,
        RegistryAction.VERSION_TAG_SET,
        RegistryAction.VERSION_TAG_DELETED,
        RegistryAction.ALIAS_SET,
        RegistryAction.ALIAS_DELETED,
    }
)


def entity_and_action(action: str) -> tuple[str, str]:
    """``model_version.created`` -> ``("model_version", "created")``, as a payload names them."""
    entity, _, verb = action.partition(".")
    return entity, verb


def parse_event(value: object) -> RegistryAction:
    """An event as ``entity.action`` text or MLflow's ``{entity, action}`` object, in any case.

    Raises:
        InvalidParameter: for anything that names no registry event.
    """
    if isinstance(value, RegistryAction):
        return value
    if isinstance(value, Mapping):
        entity, action = value.get("entity"), value.get("action")
        text = f"{entity}.{action}".lower() if isinstance(entity, str) and isinstance(action, str) else ""
    else:
        text = value.strip().lower() if isinstance(value, str) else ""
    for known in RegistryAction:
        if known.value == text:
            return known
    valid = ", ".join(a.value for a in RegistryAction)
    raise InvalidParameter(f"Invalid webhook event {value!r}. Valid events are: {valid}.")


def _wire_event(action: RegistryAction) -> dict[str, str]:
    entity, verb = entity_and_action(action.value)
    return {"entity": entity.upper(), "action": verb.upper()}


@dataclass(frozen=True, slots=True)
class Webhook:
    """A URL told about registry events; its secret signs deliveries and is never sent back."""

    webhook_id: str
    name: str
    url: str
    events: tuple[RegistryAction, ...]
    creation_timestamp: int
    last_updated_timestamp: int
    status: WebhookStatus = WebhookStatus.ACTIVE
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "webhook_id": self.webhook_id,
            "name": self.name,
            "url": self.url,
            "events": [_wire_event(e) for e in self.events if e in MLFLOW_EVENTS],
            "status": self.status.value,
            "creation_timestamp": self.creation_timestamp,
            "last_updated_timestamp": self.last_updated_timestamp,
        }
        own = [e.value for e in self.events if e not in MLFLOW_EVENTS]
        if own:
            out["keel_events"] = own
        if self.description:
            out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Webhook:
        events = [parse_event(e) for e in (*data.get("events", ()), *data.get("keel_events", ()))]
        return cls(
            webhook_id=data["webhook_id"],
            name=data["name"],
            url=data["url"],
            events=tuple(dict.fromkeys(events)),
            creation_timestamp=int(data.get("creation_timestamp", 0)),
            last_updated_timestamp=int(data.get("last_updated_timestamp", 0)),
            status=WebhookStatus.parse(data.get("status", WebhookStatus.ACTIVE.value)),
            description=data.get("description") or None,
        )


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One POST of a delivery: when it started, how long it took, and what came back (or why nothing did)."""

    attempt: int
    timestamp: int
    duration_ms: int | None = None
    response_status: int | None = None
    response_body: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"attempt": self.attempt, "timestamp": self.timestamp}
        for key in ("duration_ms", "response_status", "response_body", "error"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeliveryAttempt:
        return cls(
            attempt=int(data["attempt"]),
            timestamp=int(data["timestamp"]),
            duration_ms=_int_or_none(data.get("duration_ms")),
            response_status=_int_or_none(data.get("response_status")),
            response_body=data.get("response_body"),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One event sent to one webhook: PENDING until an attempt succeeds, FAILED when attempts run out.

    ``next_attempt_at`` is set while PENDING; ``response_*`` and ``error`` are the last attempt's.
    """

    delivery_id: str
    webhook_id: str
    status: DeliveryStatus
    attempts: int
    creation_timestamp: int
    event: RegistryEvent
    next_attempt_at: int | None = None
    last_attempt_at: int | None = None
    response_status: int | None = None
    response_body: str | None = None
    error: str | None = None
    attempt_log: tuple[DeliveryAttempt, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "delivery_id": self.delivery_id,
            "webhook_id": self.webhook_id,
            "status": self.status.value,
            "attempts": self.attempts,
            "creation_timestamp": self.creation_timestamp,
            "event": self.event.to_dict(),
        }
        for key in ("next_attempt_at", "last_attempt_at", "response_status", "response_body", "error"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["attempt_log"] = [a.to_dict() for a in self.attempt_log]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WebhookDelivery:
        return cls(
            delivery_id=data["delivery_id"],
            webhook_id=data["webhook_id"],
            status=DeliveryStatus(data["status"]),
            attempts=int(data.get("attempts", 0)),
            creation_timestamp=int(data.get("creation_timestamp", 0)),
            event=RegistryEvent.from_dict(data["event"]),
            next_attempt_at=_int_or_none(data.get("next_attempt_at")),
            last_attempt_at=_int_or_none(data.get("last_attempt_at")),
            response_status=_int_or_none(data.get("response_status")),
            response_body=data.get("response_body"),
            error=data.get("error"),
            attempt_log=tuple(DeliveryAttempt.from_dict(a) for a in data.get("attempt_log", ())),
        )


@dataclass(frozen=True, slots=True)
class WebhookTestResult:
    """What MLflow's ``/webhooks/{id}/test`` answers: whether an example event was accepted."""

    success: bool
    response_status: int | None = None
    response_body: str | None = None
    error_message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"success": self.success}
        for key in ("response_status", "response_body", "error_message"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
