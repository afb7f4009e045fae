"""One webhook POST as MLflow sends it: the payload, its HMAC signature, and a guarded connection.

The body is ``{"entity", "action", "timestamp", "data"}`` (``mlflow/webhooks/delivery.py``); ``data``
holds MLflow's fields for the event (``mlflow/webhooks/types.py``) plus what keel's event row holds.
With a secret, ``X-MLflow-Signature`` is ``v1,`` + base64 HMAC-SHA256 of
``"{delivery_id}.{timestamp}.{body}"``. Unless private URLs are allowed, the host is resolved and
checked, and the request goes to that checked address (TLS still verifies the host name).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from keel.entities import RegistryAction, RegistryEvent
from keel.entities.webhook import entity_and_action
from keel.errors import InvalidParameter
from keel.store.registry.webhook_urls import BlockedAddress, allows_private_urls, public_addresses
from keel.store.registry.webhooks import AttemptOutcome

if TYPE_CHECKING:
    from collections.abc import Mapping

    from keel.store.registry.webhooks import DeliveryTarget

SIGNATURE_HEADER = "X-MLflow-Signature"
TIMESTAMP_HEADER = "X-MLflow-Timestamp"
DELIVERY_ID_HEADER = "X-MLflow-Delivery-Id"
SIGNATURE_VERSION = "v1"
USER_AGENT = "keel-webhooks"
MAX_BODY_READ_BYTES = 8192
# 408 and 429 ask to come back later, 5xx may pass; any other answer will not change on its own.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def open_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A client for webhook calls: no proxies from the environment (the checked address must be the
    peer), no redirects, and no kept connections (each request may pin another host's address)."""
    return httpx.Client(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def sign(secret: str, delivery_id: str, timestamp: str, body: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{delivery_id}.{timestamp}.{body}".encode(), hashlib.sha256
    ).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def event_data(event: RegistryEvent, details: Mapping[str, object]) -> dict[str, Any]:
    """MLflow's ``data`` for the event, then the event row's own fields where MLflow has none."""
    data: dict[str, Any] = {"name": event.name}
    match event.action:
        case RegistryAction.MODEL_CREATED:
            data.update(tags=details.get("tags", {}), description=details.get("description"))
        case RegistryAction.VERSION_CREATED:
            data.update(
                version=event.version,
                source=event.to_value,
                run_id=details.get("run_id"),
                tags=details.get("tags", {}),
                description=details.get("description"),
            )
        case RegistryAction.VERSION_TAG_SET:
            data.update(version=event.version, key=event.key, value=event.to_value)
        case RegistryAction.VERSION_TAG_DELETED:
            data.update(version=event.version, key=event.key)
        case RegistryAction.ALIAS_SET:
            data.update(alias=event.key, version=event.to_value)
        case RegistryAction.ALIAS_DELETED:
            data.update(alias=event.key)
    own = {
        "version": event.version,
        "key": event.key,
        "from_value": event.from_value,
        "to_value": event.to_value,
        "user_id": event.user_id,
        "event_id": event.event_id,
    }
    for key, value in own.items():
        if value is not None:
            data.setdefault(key, value)
    return data


def payload(event: RegistryEvent, details: Mapping[str, object]) -> dict[str, Any]:
    entity, action = entity_and_action(event.action)
    return {
        "entity": entity,
        "action": action,
        "timestamp": datetime.fromtimestamp(event.timestamp / 1000, UTC).isoformat(),
        "data": event_data(event, details),
    }


def example_event(action: RegistryAction, now: int) -> RegistryEvent:
    """What a test send carries: an event of that kind about ``example_model`` version 1."""
    values: dict[RegistryAction, tuple[str | None, str | None, str | None]] = {
        RegistryAction.VERSION_CREATED: ("source", None, "models:/example_model/1"),
        RegistryAction.VERSION_TAG_SET: ("example_key", None, "example_value"),
        RegistryAction.VERSION_TAG_DELETED: ("example_key", "example_value", None),
        RegistryAction.ALIAS_SET: ("example_alias", None, "1"),
        RegistryAction.ALIAS_DELETED: ("example_alias", "1", None),
        RegistryAction.STAGE_CHANGED: ("stage", "None", "Staging"),
    }
    key, before, after = values.get(action, (None, None, None))
    version = None if action.value.startswith("registered_model") else "1"
    return RegistryEvent(0, now, action.value, "example_model", None, version, key, before, after)


def post(
    client: httpx.Client,
    target: DeliveryTarget,
    delivery_id: str,
    body: Mapping[str, Any],
    timeout: float,
) -> AttemptOutcome:
    """POST ``body`` to the webhook, signed; never raises for what the network or receiver does."""
    started = time.monotonic()
    text = orjson.dumps(body).decode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        DELIVERY_ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: timestamp,
    }
    if target.secret:
        headers[SIGNATURE_HEADER] = sign(target.secret, delivery_id, timestamp, text)
    try:
        url, extensions = _pinned(target.url, headers)
        request = client.build_request(
            "POST", url, content=text.encode(), headers=headers, extensions=extensions, timeout=timeout
        )
        response = client.send(request, stream=True)
        try:
            raw = _read_some(response, started + timeout)
        finally:
            response.close()
    except BlockedAddress as exc:
        return AttemptOutcome(_elapsed(started), error=exc.message, retryable=False)
    except InvalidParameter as exc:  # the host did not resolve: DNS may recover
        return AttemptOutcome(_elapsed(started), error=exc.message)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, ValueError) as exc:
        return AttemptOutcome(_elapsed(started), error=f"{type(exc).__name__}: {exc}")
    status = response.status_code
    return AttemptOutcome(
        _elapsed(started),
        response_status=status,
        response_body=raw.decode("utf-8", errors="replace"),
        retryable=status >= 500 or status in RETRYABLE_STATUSES,
        retry_after=_retry_after(response),
    )


def _pinned(url: str, headers: dict[str, str]) -> tuple[httpx.URL, dict[str, Any]]:
    """The URL to connect to: the host's checked public address, unless private URLs are allowed."""
    parsed = httpx.URL(url)
    if allows_private_urls():
        return parsed, {}
    host = parsed.host
    address = public_addresses(host, parsed.port or (443 if parsed.scheme == "https" else 80))[0]
    headers["Host"] = parsed.netloc.decode("ascii")
    return parsed.copy_with(host=address), {"sni_hostname": host} if parsed.scheme == "https" else {}


def _read_some(response: httpx.Response, deadline: float) -> bytes:
    """The start of the answer: at most ``MAX_BODY_READ_BYTES``, read until ``deadline`` (monotonic)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_READ_BYTES or time.monotonic() > deadline:
            break
    return b"".join(chunks)[:MAX_BODY_READ_BYTES]


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return None if raw is None else max(0.0, float(raw))
    except ValueError:
        return None


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
