"""Webhooks in SQL, and SqlWebhookStore: webhooks and their deliveries in the tracking database.

Each public operation is one transaction on the engines the tracking store opened. Claiming and
finishing attempts are for the server's dispatcher (``keel.server.webhook_dispatch``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, Row, delete, event, insert, select, update
from sqlalchemy.sql import Insert

from keel.entities import PagedList, RegistryAction
from keel.entities.webhook import Webhook, WebhookStatus
from keel.errors import NotFound
from keel.store.clock import now_ms
from keel.store.pagination import next_page_token
from keel.store.registry.sql import deliveries
from keel.store.registry.sql.schema import webhook_deliveries, webhook_delivery_attempts, webhooks
from keel.store.registry.webhook_urls import check_addresses
from keel.store.registry.webhooks import DeliveryTarget, WebhookStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from keel.entities.webhook import WebhookDelivery
    from keel.store.registry.webhooks import AttemptOutcome, DueDelivery
    from keel.store.tracking.sql.engine import Engines

_wh = webhooks.c
_QUEUED_FLAG = "keel_webhook_delivery_queued"


def webhook_not_found(webhook_id: str) -> NotFound:
    return NotFound(f"Webhook with ID {webhook_id} not found.")


def find_webhook(conn: Connection, webhook_id: str) -> Row[Any]:
    row = conn.execute(select(webhooks).where(_wh.webhook_id == webhook_id)).first()
    if row is None:
        raise webhook_not_found(webhook_id)
    return row


def _events(text: str) -> tuple[RegistryAction, ...]:
    known = {a.value: a for a in RegistryAction}
    return tuple(known[name] for name in orjson.loads(text) if name in known)


def to_webhook(row: Row[Any]) -> Webhook:
    return Webhook(
        webhook_id=row.webhook_id,
        name=row.name,
        url=row.url,
        events=_events(row.events),
        creation_timestamp=row.creation_timestamp,
        last_updated_timestamp=row.last_updated_timestamp,
        status=WebhookStatus(row.status),
        description=row.description,
    )


def to_target(row: Row[Any]) -> DeliveryTarget:
    return DeliveryTarget(row.webhook_id, row.url, row.secret)


def _events_text(events: tuple[RegistryAction, ...]) -> str:
    return orjson.dumps([e.value for e in events]).decode()


def create_webhook(
    conn: Connection,
    name: str,
    url: str,
    events: tuple[RegistryAction, ...],
    description: str | None,
    secret: str | None,
    status: WebhookStatus,
    now: int,
) -> Webhook:
    webhook_id = str(uuid.uuid4())
    conn.execute(
        insert(webhooks).values(
            webhook_id=webhook_id,
            name=name,
            url=url,
            events=_events_text(events),
            secret=secret,
            status=status.value,
            description=description,
            creation_timestamp=now,
            last_updated_timestamp=now,
        )
    )
    return to_webhook(find_webhook(conn, webhook_id))


def list_webhooks(conn: Connection, max_results: int, offset: int) -> PagedList[Webhook]:
    rows = conn.execute(
        select(webhooks)
        .order_by(_wh.creation_timestamp.desc(), _wh.webhook_pk.desc())
        .offset(offset)
        .limit(max_results + 1)
    ).all()
    page = [to_webhook(r) for r in rows[:max_results]]
    return PagedList(page, next_page_token(offset, max_results, len(rows)))


def update_webhook(conn: Connection, webhook_id: str, changes: dict[str, object], now: int) -> Webhook:
    row = find_webhook(conn, webhook_id)
    values: dict[str, object] = {**changes, "last_updated_timestamp": now}
    events, status = changes.get("events"), changes.get("status")
    if isinstance(events, tuple):
        values["events"] = _events_text(events)
    if isinstance(status, WebhookStatus):
        values["status"] = status.value
    conn.execute(update(webhooks).where(_wh.webhook_pk == row.webhook_pk).values(**values))
    return to_webhook(find_webhook(conn, webhook_id))


def delete_webhook(conn: Connection, webhook_id: str) -> None:
    webhook_pk = find_webhook(conn, webhook_id).webhook_pk
    queued = select(webhook_deliveries.c.delivery_pk).where(webhook_deliveries.c.webhook_pk == webhook_pk)
    conn.execute(delete(webhook_delivery_attempts).where(webhook_delivery_attempts.c.delivery_pk.in_(queued)))
    conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.webhook_pk == webhook_pk))
    conn.execute(delete(webhooks).where(_wh.webhook_pk == webhook_pk))


class SqlWebhookStore(WebhookStore):
    """Webhooks beside the registry's tables.

    Args:
        engines: the tracking store's (``SqlTrackingStore.engines``).
        clock: epoch milliseconds; tests pass their own.
    """

    def __init__(self, engines: Engines, clock: Callable[[], int] = now_ms) -> None:
        self._engines = engines
        self._clock = clock

    def _create_webhook(
        self,
        name: str,
        url: str,
        events: tuple[RegistryAction, ...],
        description: str | None,
        secret: str | None,
        status: WebhookStatus,
    ) -> Webhook:
        check_addresses(url)  # here, not in the interface: the server's view of the network counts
        with self._engines.writer.begin() as conn:
            return create_webhook(conn, name, url, events, description, secret, status, self._clock())

    def _get_webhook(self, webhook_id: str) -> Webhook:
        with self._engines.reader.begin() as conn:
            return to_webhook(find_webhook(conn, webhook_id))

    def _list_webhooks(self, max_results: int, offset: int) -> PagedList[Webhook]:
        with self._engines.reader.begin() as conn:
            return list_webhooks(conn, max_results, offset)

    def _update_webhook(self, webhook_id: str, changes: dict[str, object]) -> Webhook:
        if isinstance(changes.get("url"), str):
            check_addresses(str(changes["url"]))
        with self._engines.writer.begin() as conn:
            return update_webhook(conn, webhook_id, changes, self._clock())

    def _delete_webhook(self, webhook_id: str) -> None:
        with self._engines.writer.begin() as conn:
            delete_webhook(conn, webhook_id)

    def _list_deliveries(self, webhook_id: str, max_results: int, offset: int) -> PagedList[WebhookDelivery]:
        with self._engines.reader.begin() as conn:
            webhook_pk = find_webhook(conn, webhook_id).webhook_pk
            return deliveries.list_deliveries(conn, webhook_pk, max_results, offset)

    def _redeliver(self, delivery_id: str) -> WebhookDelivery:
        with self._engines.writer.begin() as conn:
            return deliveries.redeliver(conn, delivery_id, self._clock())

    # The dispatcher's side

    def get_delivery_target(self, webhook_id: str) -> DeliveryTarget:
        """The webhook's URL and secret (for a test send)."""
        with self._engines.reader.begin() as conn:
            return to_target(find_webhook(conn, webhook_id))

    def claim_due_deliveries(self, limit: int, lease_ms: int) -> list[DueDelivery]:
        """Claim up to ``limit`` due deliveries of active webhooks, one attempt each.

        A claim moves the delivery's next attempt ``lease_ms`` ahead, so a dispatcher that dies
        mid-attempt leaves it to be claimed again then; dispatchers sharing the database never
        claim the same attempt. It looks with a read first: a poll that finds nothing due opens no
        write transaction (on SQLite, one that every other writer would wait for).
        """
        now = self._clock()
        with self._engines.reader.begin() as conn:
            if not deliveries.has_due(conn, now):
                return []
        with self._engines.writer.begin() as conn:
            return deliveries.claim_due(conn, now, limit, lease_ms)

    def finish_attempt(self, due: DueDelivery, outcome: AttemptOutcome, retry_at: int | None) -> None:
        """Record the attempt; the delivery succeeds, waits for ``retry_at``, or (without it) fails."""
        with self._engines.writer.begin() as conn:
            deliveries.finish_attempt(conn, due, outcome, retry_at)

    def watch_queued(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` once a transaction of this process that queued a delivery has committed
        (when its connection returns to the pool); returns the function that stops watching."""
        engine = self._engines.writer

        def on_execute(conn: Connection, clause: object, *_: object) -> None:
            if isinstance(clause, Insert) and clause.table is webhook_deliveries:
                conn.info[_QUEUED_FLAG] = True

        def on_rollback(conn: Connection) -> None:
            conn.info.pop(_QUEUED_FLAG, None)

        def on_checkin(_dbapi_connection: object, record: Any) -> None:
            if record is not None and record.info.pop(_QUEUED_FLAG, False):
                callback()

        listeners: tuple[tuple[str, Callable[..., None]], ...] = (
            ("after_execute", on_execute),
            ("rollback", on_rollback),
            ("checkin", on_checkin),
        )
        for name, listener in listeners:
            event.listen(engine, name, listener)

        def stop() -> None:
            for name, listener in listeners:
                event.remove(engine, name, listener)

        return stop
