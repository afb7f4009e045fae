"""The registry's history: one row per change, written in the change's own transaction.

The same transaction queues a delivery for every active webhook subscribed to the event, so a
change and its notifications are committed together or not at all (an outbox). What a delivery's
payload adds beyond the row (a new model's tags, say) is stored with it then, so every attempt sends
the registry as it was at the change, whatever was deleted, renamed or re-created since.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, insert, select

from keel.entities import RegistryEvent
from keel.store.registry.sql.schema import registry_events, webhook_deliveries, webhooks

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Row

    from keel.entities import RegistryAction

WEBHOOK_ACTIVE = "ACTIVE"
DELIVERY_PENDING = "PENDING"


@dataclass(frozen=True, slots=True)
class Change:
    """What changed: the action, the model (and version), and the value before and after.

    ``details`` is what a webhook payload carries beyond these (a new model's or version's ``tags``
    and ``description``, a version's ``run_id``), as JSON-compatible values.
    """

    action: RegistryAction
    name: str
    version: int | None = None
    key: str | None = None
    from_value: str | None = None
    to_value: str | None = None
    details: Mapping[str, object] | None = None


def record(conn: Connection, change: Change, user_id: str | None, now: int) -> int:
    """Write the event and queue its webhook deliveries; return the event's id."""
    event_pk: int = conn.execute(
        insert(registry_events).values(
            timestamp=now,
            action=change.action.value,
            name=change.name,
            version=None if change.version is None else str(change.version),
            key=change.key,
            from_value=change.from_value,
            to_value=change.to_value,
            user_id=user_id,
            details=None if change.details is None else orjson.dumps(dict(change.details)).decode(),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    subscribers = [
        webhook_pk
        for webhook_pk, events in conn.execute(
            select(webhooks.c.webhook_pk, webhooks.c.events).where(webhooks.c.status == WEBHOOK_ACTIVE)
        )
        if change.action.value in orjson.loads(events)
    ]
    if subscribers:
        conn.execute(
            insert(webhook_deliveries),
            [
                {
                    "delivery_id": uuid.uuid4().hex,
                    "webhook_pk": webhook_pk,
                    "event_pk": event_pk,
                    "status": DELIVERY_PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "creation_timestamp": now,
                }
                for webhook_pk in subscribers
            ],
        )
    return event_pk


def to_event(row: Row[Any]) -> RegistryEvent:
    """The event a ``registry_events`` row holds (a row selected with more columns will do)."""
    return RegistryEvent(
        event_id=row.event_pk,
        timestamp=row.timestamp,
        action=row.action,
        name=row.name,
        user_id=row.user_id,
        version=row.version,
        key=row.key,
        from_value=row.from_value,
        to_value=row.to_value,
    )


def event_details(row: Row[Any]) -> dict[str, object]:
    """The row's stored ``details``; none for events recorded before they were stored."""
    return {} if row.details is None else dict(orjson.loads(row.details))
