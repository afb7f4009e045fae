"""Webhook deliveries in SQL: list them with their attempts, claim due ones, record attempts, redeliver.

A claim is a compare-and-set on the delivery's attempt count (``UPDATE … WHERE status = PENDING AND
next_attempt_at <= now AND attempts = <seen>``): of the dispatchers sharing a database, exactly one
sees its update count a row, and only that one makes the attempt. A claim's payload details are the
ones stored with its event when the change was made (``keel.store.registry.sql.events``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, Select, insert, select, update

from keel.entities import PagedList
from keel.entities.webhook import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookStatus
from keel.errors import NotFound
from keel.store.pagination import next_page_token
from keel.store.registry.sql.events import event_details, to_event
from keel.store.registry.sql.schema import (
    registry_events,
    webhook_deliveries,
    webhook_delivery_attempts,
    webhooks,
)
from keel.store.registry.webhooks import DeliveryTarget, DueDelivery

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from keel.store.registry.webhooks import AttemptOutcome

MAX_RESPONSE_BODY_CHARS = 2000
MAX_ERROR_CHARS = 1000

_d = webhook_deliveries.c
_a = webhook_delivery_attempts.c
_e = registry_events.c
_COLUMNS = (
    webhook_deliveries,
    webhooks.c.webhook_id,
    webhooks.c.url,
    webhooks.c.secret,
    _e.timestamp,
    _e.action,
    _e.name,
    _e.version,
    _e.key,
    _e.from_value,
    _e.to_value,
    _e.user_id,
    _e.details,
)
_JOINED = webhook_deliveries.join(webhooks, webhooks.c.webhook_pk == _d.webhook_pk).join(
    registry_events, _e.event_pk == _d.event_pk
)


def _truncate(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[:limit]


def _attempt_log(conn: Connection, delivery_pks: Iterable[int]) -> dict[int, list[DeliveryAttempt]]:
    log: dict[int, list[DeliveryAttempt]] = {}
    rows = conn.execute(
        select(webhook_delivery_attempts)
        .where(_a.delivery_pk.in_(list(delivery_pks)))
        .order_by(_a.delivery_pk, _a.attempt)
    )
    for row in rows:
        log.setdefault(row.delivery_pk, []).append(
            DeliveryAttempt(
                attempt=row.attempt,
                timestamp=row.timestamp,
                duration_ms=row.duration_ms,
                response_status=row.response_status,
                response_body=row.response_body,
                error=row.error,
            )
        )
    return log


def _deliveries(conn: Connection, rows: Sequence[Row[Any]]) -> list[WebhookDelivery]:
    log = _attempt_log(conn, [r.delivery_pk for r in rows])
    return [
        WebhookDelivery(
            delivery_id=row.delivery_id,
            webhook_id=row.webhook_id,
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            creation_timestamp=row.creation_timestamp,
            event=to_event(row),
            next_attempt_at=row.next_attempt_at if row.status == DeliveryStatus.PENDING else None,
            last_attempt_at=row.last_attempt_at,
            response_status=row.response_status,
            response_body=row.response_body,
            error=row.error,
            attempt_log=tuple(log.get(row.delivery_pk, ())),
        )
        for row in rows
    ]


def list_deliveries(
    conn: Connection, webhook_pk: int, max_results: int, offset: int
) -> PagedList[WebhookDelivery]:
    rows = conn.execute(
        select(*_COLUMNS)
        .select_from(_JOINED)
        .where(_d.webhook_pk == webhook_pk)
        .order_by(_d.delivery_pk.desc())
        .offset(offset)
        .limit(max_results + 1)
    ).all()
    page = _deliveries(conn, rows[:max_results])
    return PagedList(page, next_page_token(offset, max_results, len(rows)))


def get_delivery(conn: Connection, delivery_id: str) -> WebhookDelivery:
    row = conn.execute(select(*_COLUMNS).select_from(_JOINED).where(_d.delivery_id == delivery_id)).first()
    if row is None:
        raise NotFound(f"Webhook delivery with ID {delivery_id} not found.")
    return _deliveries(conn, [row])[0]


def redeliver(conn: Connection, delivery_id: str, now: int) -> WebhookDelivery:
    """A new delivery of the same event to the same webhook, due now; the old one stays as it was."""
    original = get_delivery(conn, delivery_id)
    row = conn.execute(select(_d.webhook_pk, _d.event_pk).where(_d.delivery_id == original.delivery_id)).one()
    new_id = uuid.uuid4().hex
    conn.execute(
        insert(webhook_deliveries).values(
            delivery_id=new_id,
            webhook_pk=row.webhook_pk,
            event_pk=row.event_pk,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            creation_timestamp=now,
        )
    )
    return get_delivery(conn, new_id)


def _due(now: int) -> Select[tuple[int, int]]:
    """Pending deliveries of active webhooks whose next attempt is due at ``now``."""
    return (
        select(_d.delivery_pk, _d.attempts)
        .join(webhooks, webhooks.c.webhook_pk == _d.webhook_pk)
        .where(
            _d.status == DeliveryStatus.PENDING.value,
            _d.next_attempt_at <= now,
            webhooks.c.status == WebhookStatus.ACTIVE.value,
        )
    )


def has_due(conn: Connection, now: int) -> bool:
    """Whether any delivery is due: a read, so a poll that finds nothing takes no write lock."""
    return conn.execute(_due(now).limit(1)).first() is not None


def claim_due(conn: Connection, now: int, limit: int, lease_ms: int) -> list[DueDelivery]:
    due = conn.execute(_due(now).order_by(_d.next_attempt_at, _d.delivery_pk).limit(limit)).all()
    claimed: list[int] = []
    for delivery_pk, attempts in due:
        result = conn.execute(
            update(webhook_deliveries)
            .where(
                _d.delivery_pk == delivery_pk,
                _d.status == DeliveryStatus.PENDING.value,
                _d.next_attempt_at <= now,
                _d.attempts == attempts,
            )
            .values(attempts=attempts + 1, next_attempt_at=now + lease_ms, last_attempt_at=now)
        )
        if result.rowcount == 1:
            claimed.append(delivery_pk)
    if not claimed:
        return []
    rows = conn.execute(
        select(*_COLUMNS).select_from(_JOINED).where(_d.delivery_pk.in_(claimed)).order_by(_d.delivery_pk)
    ).all()
    return [
        DueDelivery(
            delivery_id=row.delivery_id,
            attempt=row.attempts,
            claimed_at=now,
            target=DeliveryTarget(row.webhook_id, row.url, row.secret),
            event=to_event(row),
            details=event_details(row),
        )
        for row in rows
    ]


def finish_attempt(conn: Connection, due: DueDelivery, outcome: AttemptOutcome, retry_at: int | None) -> None:
    """Record the attempt; update the delivery only if this attempt is still its latest claim."""
    delivery_pk = conn.execute(select(_d.delivery_pk).where(_d.delivery_id == due.delivery_id)).scalar()
    if delivery_pk is None:  # the webhook was deleted meanwhile
        return
    result = {
        "response_status": outcome.response_status,
        "response_body": _truncate(outcome.response_body, MAX_RESPONSE_BODY_CHARS),
        "error": _truncate(outcome.error, MAX_ERROR_CHARS),
    }
    conn.execute(
        insert(webhook_delivery_attempts).values(
            delivery_pk=delivery_pk,
            attempt=due.attempt,
            timestamp=due.claimed_at,
            duration_ms=outcome.duration_ms,
            **result,
        )
    )
    if outcome.succeeded:
        status, next_at = DeliveryStatus.SUCCEEDED, due.claimed_at
    elif retry_at is None:
        status, next_at = DeliveryStatus.FAILED, due.claimed_at
    else:
        status, next_at = DeliveryStatus.PENDING, retry_at
    conn.execute(
        update(webhook_deliveries)
        .where(
            _d.delivery_pk == delivery_pk,
            _d.attempts == due.attempt,
            _d.status == DeliveryStatus.PENDING.value,
        )
        .values(status=status.value, next_attempt_at=next_at, **result)
    )
