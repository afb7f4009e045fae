"""The webhook endpoints over REST and through MLflow's own client: shapes, errors, nothing changed
by a bad request."""

from __future__ import annotations

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import httpx
import mlflow
import pytest
from mlflow.entities.webhook import WebhookEvent
from mlflow.entities.webhook import WebhookStatus as MlflowWebhookStatus
from mlflow.exceptions import MlflowException

from keel.entities import WebhookStatus
from keel.errors import NotFound
from keel.server import webhook_requests
from keel.store.registry.rest_webhooks import RestWebhookStore
from keel.store.registry.webhooks import DeliveryTarget
from keel.store.tracking.http_client import HttpClient

HOOKS = "/mlflow/webhooks"


def test_webhooks_are_created_read_listed_updated_and_deleted(api, receiver):
    created = api.call(
        "POST",
        HOOKS,
        {
            "name": "ci.hook_1",
            "url": receiver.url,
            "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}],
            "keel_events": ["model_version.stage_changed"],
            "description": "tell CI",
            "secret": "never shown",
        },
    )["webhook"]
    hook = created["webhook_id"]
    assert created["events"] == [{"entity": "MODEL_VERSION", "action": "CREATED"}]
    assert created["keel_events"] == ["model_version.stage_changed"]
    assert (created["status"], created["description"]) == ("ACTIVE", "tell CI")
    assert "secret" not in created
    assert api.call("GET", f"{HOOKS}/{hook}")["webhook"] == created

    second = api.create_webhook(receiver.url, ["registered_model.renamed"])
    listed = api.call("GET", HOOKS)["webhooks"]
    assert [w["webhook_id"] for w in listed] == [second, hook]  # newest first
    first_page = api.call("GET", HOOKS, max_results=1)
    rest = api.call("GET", HOOKS, max_results=1, page_token=first_page["next_page_token"])
    assert [w["webhook_id"] for w in first_page["webhooks"] + rest["webhooks"]] == [second, hook]
    assert "next_page_token" not in rest

    updated = api.call(
        "PATCH",
        f"{HOOKS}/{hook}",
        {"status": "DISABLED", "keel_events": ["model_version_alias.deleted"], "description": ""},
    )["webhook"]
    assert (updated["status"], updated["name"], updated["url"]) == ("DISABLED", "ci.hook_1", receiver.url)
    assert updated["events"] == [{"entity": "MODEL_VERSION_ALIAS", "action": "DELETED"}]
    assert "keel_events" not in updated
    assert "description" not in updated
    assert updated["last_updated_timestamp"] >= created["last_updated_timestamp"]

    assert api.call("DELETE", f"{HOOKS}/{hook}") == {}
    assert [w["webhook_id"] for w in api.call("GET", HOOKS)["webhooks"]] == [second]


BAD_NAME = "Webhook name {!r} is invalid. It must start and end with a letter or digit"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Upper"}, BAD_NAME.format("Upper")),
        ({"name": "-dash"}, BAD_NAME.format("-dash")),
        ({"name": "a" * 64}, "is invalid"),
        ({"keel_events": ["model_version.exploded"]}, "Invalid webhook event 'model_version.exploded'"),
        ({"events": [{"entity": "MODEL_VERSION", "action": "EXCEEDED"}]}, "Invalid webhook event"),
        ({"keel_events": []}, "Webhook events must be a non-empty list"),
        ({"url": "ftp://example.com/hook"}, "Invalid webhook URL scheme: 'ftp'"),
        ({"url": "http:///no-host"}, "Webhook URL must include a hostname"),
        ({"url": "http://127.1/hook"}, "is not a canonical IP address literal"),
        ({"status": "SLEEPING"}, "Invalid webhook status 'SLEEPING'"),
    ],
)
def test_bad_input_is_refused_as_mlflow_refuses_it_and_changes_nothing(api, receiver, change, message):
    body = {"name": "good", "url": receiver.url, "keel_events": ["model_version.created"], **change}
    status, error = api.fail("POST", HOOKS, body)
    assert (status, error["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert message in error["message"]
    assert api.call("GET", HOOKS) == {"webhooks": []}


def test_a_missing_name_or_url_is_a_missing_parameter(api):
    status, error = api.fail(
        "POST", HOOKS, {"url": "http://example.com", "keel_events": ["model_version.created"]}
    )
    assert (status, error["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "Missing value for required parameter 'name'" in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_private_urls_are_refused_unless_allowed(api, monkeypatch, url):
    monkeypatch.delenv("KEEL_WEBHOOK_ALLOW_PRIVATE_URLS")
    status, error = api.fail(
        "POST", HOOKS, {"name": "ssrf", "url": url, "keel_events": ["model_version.created"]}
    )
    assert (status, error["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "must not resolve to a non-public IP address" in error["message"]
    assert api.call("GET", HOOKS) == {"webhooks": []}


def test_moving_a_webhook_to_a_private_url_is_refused_and_changes_nothing(api, receiver, monkeypatch):
    hook = api.create_webhook("http://93.184.215.14/hook", ["model_version.created"])
    before = api.call("GET", f"{HOOKS}/{hook}")["webhook"]
    monkeypatch.delenv("KEEL_WEBHOOK_ALLOW_PRIVATE_URLS")
    status, error = api.fail("PATCH", f"{HOOKS}/{hook}", {"url": receiver.url, "status": "DISABLED"})
    assert (status, error["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert api.call("GET", f"{HOOKS}/{hook}")["webhook"] == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{HOOKS}/no-such-hook"),
        ("PATCH", f"{HOOKS}/no-such-hook"),
        ("DELETE", f"{HOOKS}/no-such-hook"),
        ("POST", f"{HOOKS}/no-such-hook/test"),
        ("GET", "/keel/webhooks/no-such-hook/deliveries"),
    ],
)
def test_an_unknown_webhook_is_not_found(api, method, path):
    status, error = api.fail(method, path, {"status": "DISABLED"} if method == "PATCH" else None)
    assert (status, error) == (
        404,
        {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Webhook with ID no-such-hook not found."},
    )


def test_an_unknown_delivery_cannot_be_redelivered(api):
    status, error = api.fail("POST", "/keel/webhook-deliveries/nope/redeliver")
    assert (status, error["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    assert error["message"] == "Webhook delivery with ID nope not found."


def test_mlflow_client_manages_keel_webhooks(server, receiver):
    client = mlflow.MlflowClient(server.url)
    hook = client.create_webhook(
        name="retrain",
        url=receiver.url,
        events=["model_version.created", WebhookEvent("model_version_alias", "created")],
        description="kick off CI",
        secret="shh",
    )
    assert hook.status == MlflowWebhookStatus.ACTIVE
    assert [str(e) for e in hook.events] == ["model_version.created", "model_version_alias.created"]
    assert hook.secret is None  # never sent back
    assert [w.webhook_id for w in client.list_webhooks()] == [hook.webhook_id]
    assert client.get_webhook(hook.webhook_id).description == "kick off CI"

    updated = client.update_webhook(hook.webhook_id, status="DISABLED", events=["model_version_tag.set"])
    assert updated.status == MlflowWebhookStatus.DISABLED
    assert [str(e) for e in updated.events] == ["model_version_tag.set"]

    result = client.test_webhook(hook.webhook_id, event="model_version_alias.created")
    assert (result.success, result.response_status, result.response_body) == (True, 200, "ok")
    (sent,) = receiver.received
    assert sent.signed_with("shh")
    assert (sent.json["entity"], sent.json["action"]) == ("model_version_alias", "created")
    assert (sent.json["data"]["name"], sent.json["data"]["alias"]) == ("example_model", "example_alias")

    with pytest.raises(MlflowException) as bad:
        client.create_webhook(name="Bad Name", url=receiver.url, events=["model_version.created"])
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"
    client.delete_webhook(hook.webhook_id)
    with pytest.raises(MlflowException) as gone:
        client.get_webhook(hook.webhook_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert list(client.list_webhooks()) == []


def test_mlflow_client_test_send_reports_a_refusing_receiver(server):
    client = mlflow.MlflowClient(server.url)
    hook = client.create_webhook(name="dead", url="http://127.0.0.1:9/hook", events=["model_version.created"])
    result = client.test_webhook(hook.webhook_id)
    assert result.success is False
    assert result.error_message.startswith("Failed to test webhook: ConnectError")


def test_keels_rest_webhook_store_speaks_to_the_server(server, receiver):
    store = RestWebhookStore(HttpClient.open(server.url))
    try:
        hook = store.create_webhook(
            "rest", receiver.url, ["model_version.stage_changed", "model_version.created"], "first", "s"
        )
        # MLflow's events travel first, keel's own after them
        assert [e.value for e in hook.events] == ["model_version.created", "model_version.stage_changed"]
        changed = store.update_webhook(
            hook.webhook_id, events=["registered_model.renamed"], description="", secret="", status="DISABLED"
        )
        assert [e.value for e in changed.events] == ["registered_model.renamed"]
        assert changed.description is None
        assert changed.status == WebhookStatus.DISABLED
        assert store.get_webhook(hook.webhook_id) == changed
        other = store.create_webhook("rest-2", receiver.url, ["model_version.created"])
        first = store.list_webhooks(max_results=1)
        second = store.list_webhooks(max_results=1, page_token=first.token)
        assert [w.webhook_id for w in [*first, *second]] == [other.webhook_id, hook.webhook_id]
        assert store.list_deliveries(hook.webhook_id) == []
        with pytest.raises(NotFound, match="Webhook with ID nope not found"):
            store.delete_webhook("nope")
    finally:
        store.close()


def test_a_guarded_send_goes_to_the_checked_address_with_the_host_kept(monkeypatch):
    monkeypatch.delenv("KEEL_WEBHOOK_ALLOW_PRIVATE_URLS")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, text="queued")

    target = DeliveryTarget("w", "https://8.8.8.8:8443/hook?x=1", "k")
    with webhook_requests.open_client(httpx.MockTransport(answer)) as client:
        outcome = webhook_requests.post(client, target, "d-1", {"entity": "x"}, 5.0)
    (request,) = seen
    assert (outcome.succeeded, outcome.response_status, outcome.response_body) == (True, 202, "queued")
    assert str(request.url) == "https://8.8.8.8:8443/hook?x=1"
    assert request.headers["host"] == "8.8.8.8:8443"
    assert request.extensions["sni_hostname"] == "8.8.8.8"
    assert request.headers["x-mlflow-delivery-id"] == "d-1"
