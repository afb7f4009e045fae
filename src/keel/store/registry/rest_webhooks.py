"""RestWebhookStore: a keel server's webhooks over REST (MLflow's ``/webhooks`` and keel's deliveries).

The server checks a URL's addresses against its own network, so only the URL's form is checked here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from keel.entities import PagedList
from keel.entities.webhook import MLFLOW_EVENTS, Webhook, WebhookDelivery, entity_and_action
from keel.store.pagination import encode_offset_token
from keel.store.registry.webhooks import WebhookStore

if TYPE_CHECKING:
    from keel.entities import RegistryAction
    from keel.entities.webhook import WebhookStatus
    from keel.store.tracking.http_client import HttpClient

API = "/api/2.0/mlflow/webhooks"
KEEL_API = "/api/2.0/keel"


def _events_body(events: tuple[RegistryAction, ...]) -> dict[str, Any]:
    """MLflow's events as its client spells them, keel's own in ``keel_events``."""
    mlflow = []
    for event in events:
        if event in MLFLOW_EVENTS:
            entity, action = entity_and_action(event.value)
            mlflow.append({"entity": entity.upper(), "action": action.upper()})
    own = [e.value for e in events if e not in MLFLOW_EVENTS]
    return {"events": mlflow, "keel_events": own or None}


def _page_token(offset: int) -> str | None:
    return encode_offset_token(offset) if offset else None


class RestWebhookStore(WebhookStore):
    """Webhook calls to the server behind ``http`` (the CLI's, or a tracking store's client)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _create_webhook(
        self,
        name: str,
        url: str,
        events: tuple[RegistryAction, ...],
        description: str | None,
        secret: str | None,
        status: WebhookStatus,
    ) -> Webhook:
        body = {
            "name": name,
            "url": url,
            **_events_body(events),
            "description": description,
            "secret": secret,
            "status": status.value,
        }
        return Webhook.from_dict(self.http.send("POST", API, body)["webhook"])

    def _get_webhook(self, webhook_id: str) -> Webhook:
        return Webhook.from_dict(self.http.get(f"{API}/{quote(webhook_id, safe='')}", {})["webhook"])

    def _list_webhooks(self, max_results: int, offset: int) -> PagedList[Webhook]:
        answer = self.http.get(API, {"max_results": max_results, "page_token": _page_token(offset)})
        hooks = [Webhook.from_dict(w) for w in answer.get("webhooks", ())]
        return PagedList(hooks, answer.get("next_page_token") or None)

    def _update_webhook(self, webhook_id: str, changes: dict[str, object]) -> Webhook:
        body: dict[str, Any] = {k: v for k, v in changes.items() if k not in ("events", "status")}
        events, status = changes.get("events"), changes.get("status")
        if isinstance(events, tuple):
            body.update(_events_body(events))
        if status is not None:
            body["status"] = str(status)
        for key in ("description", "secret"):  # None clears them: the wire says so with ""
            if key in changes and changes[key] is None:
                body[key] = ""
        answer = self.http.send("PATCH", f"{API}/{quote(webhook_id, safe='')}", body)
        return Webhook.from_dict(answer["webhook"])

    def _delete_webhook(self, webhook_id: str) -> None:
        self.http.send("DELETE", f"{API}/{quote(webhook_id, safe='')}", {})

    def _list_deliveries(self, webhook_id: str, max_results: int, offset: int) -> PagedList[WebhookDelivery]:
        path = f"{KEEL_API}/webhooks/{quote(webhook_id, safe='')}/deliveries"
        answer = self.http.get(path, {"max_results": max_results, "page_token": _page_token(offset)})
        found = [WebhookDelivery.from_dict(d) for d in answer.get("deliveries", ())]
        return PagedList(found, answer.get("next_page_token") or None)

    def _redeliver(self, delivery_id: str) -> WebhookDelivery:
        path = f"{KEEL_API}/webhook-deliveries/{quote(delivery_id, safe='')}/redeliver"
        return WebhookDelivery.from_dict(self.http.send("POST", path, {})["delivery"])

    def close(self) -> None:
        self.http.close()
