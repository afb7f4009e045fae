"""Webhooks: MLflow's ``/webhooks`` endpoints, and keel's deliveries (list, redeliver) under ``/keel``.

Requests spell events as MLflow's client does (``events: [{"entity": "MODEL_VERSION", "action":
"CREATED"}]``) or as ``keel_events: ["model_version.stage_changed"]``; answers list MLflow's events in
``events`` and keel's own in ``keel_events``. The secret is write-only.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route

from keel.entities.webhook import WebhookTestResult, parse_event
from keel.errors import Unsupported
from keel.server import webhook_requests
from keel.server.endpoints import Endpoint, asgi_endpoint
from keel.server.wire import Field, Kind
from keel.store.clock import now_ms
from keel.store.registry.sql.webhooks import SqlWebhookStore

if TYPE_CHECKING:
    from keel.server.state import Stores
    from keel.store.registry.webhooks import WebhookStore

KEEL_API_PREFIXES = ("/api/2.0/keel", "/ajax-api/2.0/keel")
TEST_TIMEOUT_SECONDS = 10.0

# Path parameters (webhook_id, delivery_id) are merged into the fields after the body is read.
PAGE = {"max_results": Field(Kind.INT), "page_token": Field(Kind.STRING)}
WEBHOOK_FIELDS = {
    "name": Field(Kind.STRING),
    "url": Field(Kind.STRING),
    "events": Field(Kind.OBJECT_LIST),
    "keel_events": Field(Kind.STRING_LIST),
    "description": Field(Kind.STRING),
    "secret": Field(Kind.STRING),
    "status": Field(Kind.STRING),
}


def webhook_store(stores: Stores) -> WebhookStore:
    if stores.webhooks is None:
        raise Unsupported("This server has no webhook store")
    return stores.webhooks


def _events(f: dict[str, Any]) -> list[object] | None:
    if f["events"] is None and f["keel_events"] is None:
        return None
    return [*(f["events"] or ()), *(f["keel_events"] or ())]


def create_webhook(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    webhook = webhook_store(stores).create_webhook(
        f["name"], f["url"], _events(f) or [], f["description"], f["secret"], f["status"]
    )
    return {"webhook": webhook.to_dict()}


def list_webhooks(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = webhook_store(stores).list_webhooks(f["max_results"], f["page_token"] or None)
    out: dict[str, Any] = {"webhooks": [w.to_dict() for w in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def get_webhook(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"webhook": webhook_store(stores).get_webhook(f["webhook_id"]).to_dict()}


def update_webhook(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    webhook = webhook_store(stores).update_webhook(
        f["webhook_id"],
        name=f["name"] or None,
        url=f["url"] or None,
        events=_events(f) or None,
        description=f["description"],
        secret=f["secret"],
        status=f["status"] or None,
    )
    return {"webhook": webhook.to_dict()}


def delete_webhook(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    webhook_store(stores).delete_webhook(f["webhook_id"])
    return {}


def test_webhook(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    """Send an example of the event (the webhook's first when none is named), as MLflow does."""
    store = webhook_store(stores)
    if not isinstance(store, SqlWebhookStore):
        raise Unsupported("Test sends need the server's own webhook store")
    webhook = store.get_webhook(f["webhook_id"])
    action = parse_event(f["event"]) if f["event"] else webhook.events[0]
    body = webhook_requests.payload(webhook_requests.example_event(action, now_ms()), {})
    with webhook_requests.open_client() as client:
        outcome = webhook_requests.post(
            client,
            store.get_delivery_target(webhook.webhook_id),
            uuid.uuid4().hex,
            body,
            TEST_TIMEOUT_SECONDS,
        )
    result = WebhookTestResult(
        success=outcome.succeeded,
        response_status=outcome.response_status,
        response_body=outcome.response_body,
        error_message=None if outcome.error is None else f"Failed to test webhook: {outcome.error}",
    )
    return {"result": result.to_dict()}


def list_deliveries(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = webhook_store(stores).list_deliveries(f["webhook_id"], f["max_results"], f["page_token"] or None)
    out: dict[str, Any] = {"deliveries": [d.to_dict() for d in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def redeliver(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return {"delivery": webhook_store(stores).redeliver(f["delivery_id"]).to_dict()}


ENDPOINTS = [
    Endpoint(
        "/webhooks",
        ("POST",),
        create_webhook,
        {
            **WEBHOOK_FIELDS,
            "name": Field(Kind.STRING, required=True),
            "url": Field(Kind.STRING, required=True),
        },
    ),
    Endpoint("/webhooks", ("GET",), list_webhooks, PAGE),
    Endpoint("/webhooks/{webhook_id}", ("GET",), get_webhook),
    Endpoint("/webhooks/{webhook_id}", ("PATCH",), update_webhook, WEBHOOK_FIELDS),
    Endpoint("/webhooks/{webhook_id}", ("DELETE",), delete_webhook),
    Endpoint("/webhooks/{webhook_id}/test", ("POST",), test_webhook, {"event": Field(Kind.OBJECT)}),
]

KEEL_ENDPOINTS = [
    Endpoint("/webhooks/{webhook_id}/deliveries", ("GET",), list_deliveries, PAGE),
    Endpoint("/webhook-deliveries/{delivery_id}/redeliver", ("POST",), redeliver),
]

KEEL_ROUTES: list[BaseRoute] = [
    Route(f"{prefix}{endpoint.path}", asgi_endpoint(endpoint), methods=list(endpoint.methods))
    for endpoint in KEEL_ENDPOINTS
    for prefix in KEEL_API_PREFIXES
]
