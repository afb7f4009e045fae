"""The webhook store interface: public methods validate as MLflow does, then hand over to the backend.

Webhooks subscribe to registry events; a change queues a delivery per subscribed active webhook in
its own transaction (``keel.store.registry.sql.events``), and the server's dispatcher sends them.
Backends (SQL, REST) implement the ``_``-prefixed methods and can assume valid input.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keel.entities.webhook import WebhookStatus, parse_event
from keel.errors import InvalidParameter
from keel.store.pagination import decode_offset_token
from keel.store.registry import validation as rv
from keel.store.registry.webhook_urls import validate_webhook_url
from keel.store.tracking import validation as v

if TYPE_CHECKING:
    from keel.entities import PagedList, RegistryAction, RegistryEvent
    from keel.entities.webhook import Webhook, WebhookDelivery

MAX_NAME_LENGTH = 63
MAX_SECRET_LENGTH = 1024
LIST_DEFAULT = 100
LIST_MAX = 1000
_NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$")


def validate_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidParameter(f"Webhook name must be a string, got {type(name).__name__!r}")
    if len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        raise InvalidParameter(
            f"Webhook name {name!r} is invalid. It must start and end with a letter or digit, "
            "be less than 63 characters long, and contain only letters, digits, dots (.), "
            "underscores (_), and hyphens (-)."
        )
    return name


def validate_events(events: Iterable[object] | None) -> tuple[RegistryAction, ...]:
    """A non-empty list of known events (``entity.action`` text or ``{entity, action}``), each once."""
    if isinstance(events, str | Mapping):
        events = [events]
    parsed = [parse_event(e) for e in events or ()]
    if not parsed:
        raise InvalidParameter("Webhook events must be a non-empty list of events: [].")
    return tuple(dict.fromkeys(parsed))


def validate_secret(secret: object) -> str | None:
    """An empty secret means none: deliveries go unsigned, as MLflow's do."""
    if secret is None or secret == "":
        return None
    v.validate_string("secret", secret)
    return v.validate_length("Webhook secret", str(secret), MAX_SECRET_LENGTH)


def validate_list_size(max_results: int | None) -> int:
    size = max_results or LIST_DEFAULT
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= LIST_MAX:
        raise InvalidParameter(f"max_results must be between 1 and {LIST_MAX}.")
    return size


def validate_id(kind: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter(f"Missing value for required parameter '{kind}'.")
    v.validate_string(kind, value)
    return value


@dataclass(frozen=True, slots=True)
class DeliveryTarget:
    """Where and how a webhook is called: its URL and the secret that signs what it is sent."""

    webhook_id: str
    url: str
    secret: str | None


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery claimed for one attempt: the attempt's number, its event and what to send it to.

    ``details`` holds what the payload adds beyond the event row (a new version's ``run_id``,
    ``tags`` and ``description``), as they were when the change was made.
    """

    delivery_id: str
    attempt: int
    claimed_at: int
    target: DeliveryTarget
    event: RegistryEvent
    details: dict[str, object]


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one POST came to: the answer (status, a truncated body) or the error that stopped it.

    ``retryable`` is False for answers that trying again cannot change (most 4xx, a refused address);
    ``retry_after`` is the receiver's ``Retry-After`` in seconds.
    """

    duration_ms: int
    response_status: int | None = None
    response_body: str | None = None
    error: str | None = None
    retryable: bool = True
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


class WebhookStore(abc.ABC):
    """Webhooks (MLflow's API) and their deliveries (keel's: list them, send one again)."""

    def create_webhook(
        self,
        name: str,
        url: str,
        events: Iterable[object],
        description: str | None = None,
        secret: str | None = None,
        status: str | None = None,
    ) -> Webhook:
        """Raises ``InvalidParameter`` for a bad name, URL, event or status; nothing is written then."""
        return self._create_webhook(
            validate_name(name),
            validate_webhook_url(url),
            validate_events(events),
            rv.validate_description(description or None),
            validate_secret(secret),
            WebhookStatus.ACTIVE if status is None else WebhookStatus.parse(status),
        )

    def get_webhook(self, webhook_id: str) -> Webhook:
        return self._get_webhook(validate_id("webhook_id", webhook_id))

    def list_webhooks(
        self, max_results: int | None = None, page_token: str | None = None
    ) -> PagedList[Webhook]:
        """Newest first, as MLflow lists them."""
        return self._list_webhooks(validate_list_size(max_results), decode_offset_token(page_token))

    def update_webhook(
        self,
        webhook_id: str,
        name: str | None = None,
        url: str | None = None,
        events: Iterable[object] | None = None,
        description: str | None = None,
        secret: str | None = None,
        status: str | None = None,
    ) -> Webhook:
        """Change what is given; ``description=""`` and ``secret=""`` clear them."""
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = validate_name(name)
        if url is not None:
            changes["url"] = validate_webhook_url(url)
        if events is not None:
            changes["events"] = validate_events(events)
        if description is not None:
            changes["description"] = rv.validate_description(description) or None
        if secret is not None:
            changes["secret"] = validate_secret(secret)
        if status is not None:
            changes["status"] = WebhookStatus.parse(status)
        return self._update_webhook(validate_id("webhook_id", webhook_id), changes)

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete the webhook with its deliveries; queued deliveries are never sent."""
        self._delete_webhook(validate_id("webhook_id", webhook_id))

    def list_deliveries(
        self, webhook_id: str, max_results: int | None = None, page_token: str | None = None
    ) -> PagedList[WebhookDelivery]:
        """The webhook's deliveries, newest first, each with its attempts."""
        return self._list_deliveries(
            validate_id("webhook_id", webhook_id),
            validate_list_size(max_results),
            decode_offset_token(page_token),
        )

    def redeliver(self, delivery_id: str) -> WebhookDelivery:
        """Queue the delivery's event again for its webhook, as a new delivery (returned), due now."""
        return self._redeliver(validate_id("delivery_id", delivery_id))

    def close(self) -> None:  # noqa: B027 - stores holding nothing need not override it
        """Release connections; the SQL store shares its engines with the tracking store."""

    # Backend hooks

    @abc.abstractmethod
    def _create_webhook(
        self,
        name: str,
        url: str,
        events: tuple[RegistryAction, ...],
        description: str | None,
        secret: str | None,
        status: WebhookStatus,
    ) -> Webhook: ...

    @abc.abstractmethod
    def _get_webhook(self, webhook_id: str) -> Webhook: ...

    @abc.abstractmethod
    def _list_webhooks(self, max_results: int, offset: int) -> PagedList[Webhook]: ...

    @abc.abstractmethod
    def _update_webhook(self, webhook_id: str, changes: dict[str, object]) -> Webhook: ...

    @abc.abstractmethod
    def _delete_webhook(self, webhook_id: str) -> None: ...

    @abc.abstractmethod
    def _list_deliveries(
        self, webhook_id: str, max_results: int, offset: int
    ) -> PagedList[WebhookDelivery]: ...

    @abc.abstractmethod
    def _redeliver(self, delivery_id: str) -> WebhookDelivery: ...
