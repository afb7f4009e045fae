"""Deliveries end to end: registry changes on a live keel server reach a real receiver, signed, retried
and recorded."""

from __future__ import annotations

from keel_api import KeelApi, settled
from webhook_receiver import Receiver

from keel.server.settings import ServerSettings
from liveserver import LiveServer


def test_a_new_version_is_delivered_signed_and_recorded(api, receiver):
    hook = api.create_webhook(receiver.url, ["model_version.created"], secret="s3cret")

    version = api.register_version("fraud")

    (sent,) = receiver.wait_for(1)
    assert sent.signed_with("s3cret")
    assert not sent.signed_with("another secret")
    assert sent.headers["content-type"] == "application/json"
    body = sent.json
    assert (body["entity"], body["action"]) == ("model_version", "created")
    assert body["timestamp"].endswith("+00:00")
    data = body["data"]
    assert (data["name"], data["version"], data["user_id"]) == ("fraud", version, "alice")
    assert data["source"].startswith("runs:/")
    assert data["run_id"] == data["source"].split("/")[1]
    assert (data["tags"], data["description"]) == ({}, None)
    (delivery,) = api.wait_for_deliveries(hook, settled(1))
    assert delivery["delivery_id"] == sent.delivery_id
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("SUCCEEDED", 1, 200)
    assert delivery["event"]["event_id"] == data["event_id"]
    assert [(a["attempt"], a["response_status"], a["response_body"]) for a in delivery["attempt_log"]] == [
        (1, 200, "ok")
    ]


def test_without_a_secret_deliveries_are_unsigned(api, receiver):
    api.create_webhook(receiver.url, ["model_version.created"])
    api.register_version("unsigned")
    (sent,) = receiver.wait_for(1)
    assert "x-mlflow-signature" not in sent.headers
    assert sent.headers["x-mlflow-delivery-id"]


def test_alias_tag_and_stage_changes_each_carry_their_values(api, receiver):
    api.create_webhook(
        receiver.url,
        ["model_version.stage_changed", "model_version_tag.set"],
        secret="k",
        events=[
            {"entity": "MODEL_VERSION_ALIAS", "action": "CREATED"},
            {"entity": "MODEL_VERSION_ALIAS", "action": "DELETED"},
        ],
    )
    api.register_version("churn")
    api.register_version("churn")
    api.set_alias("churn", "champion", "1")
    api.set_alias("churn", "champion", "2")
    api.delete_alias("churn", "champion")
    api.transition("churn", "2", "Production")
    api.set_version_tag("churn", "2", "k", "v")

    sent = sorted(receiver.wait_for(5), key=lambda r: r.json["data"]["event_id"])
    assert all(r.signed_with("k") for r in sent)
    seen = [(r.json["entity"], r.json["action"], r.json["data"]) for r in sent]
    assert [(entity, action) for entity, action, _ in seen] == [
        ("model_version_alias", "created"),
        ("model_version_alias", "created"),
        ("model_version_alias", "deleted"),
        ("model_version", "stage_changed"),
        ("model_version_tag", "set"),
    ]
    first, moved, deleted, stage, tag = (data for _, _, data in seen)
    assert (first["alias"], first["version"], "from_value" in first) == ("champion", "1", False)
    assert (moved["alias"], moved["version"], moved["from_value"]) == ("champion", "2", "1")
    assert (deleted["name"], deleted["alias"], deleted["from_value"]) == ("churn", "champion", "2")
    assert (stage["version"], stage["from_value"], stage["to_value"]) == ("2", "None", "Production")
    assert (tag["version"], tag["key"], tag["value"]) == ("2", "k", "v")
    assert all(data["user_id"] == "alice" for data in (first, moved, deleted, stage, tag))
    assert len(receiver.received) == 5  # the versions themselves were not subscribed to


def test_a_failed_attempt_is_retried_and_both_attempts_are_recorded(api):
    with Receiver(statuses=[500], body=b"busy") as receiver:
        hook = api.create_webhook(receiver.url, ["model_version.created"], secret="s")
        api.register_version("retried")

        first, second = receiver.wait_for(2)
        (delivery,) = api.wait_for_deliveries(hook, settled(1))

    assert first.delivery_id == second.delivery_id == delivery["delivery_id"]
    assert first.body == second.body
    assert first.signed_with("s")
    assert second.signed_with("s")
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("SUCCEEDED", 2, 200)
    log = delivery["attempt_log"]
    assert [(a["attempt"], a["response_status"]) for a in log] == [(1, 500), (2, 200)]
    assert log[0]["response_body"] == "busy"
    assert log[1]["timestamp"] > log[0]["timestamp"]


def test_a_receiver_that_always_fails_ends_failed_after_the_last_attempt(api, webhook_env):
    with Receiver(default_status=503, body=b"down") as receiver:
        hook = api.create_webhook(receiver.url, ["model_version.created"])
        api.register_version("doomed")
        (delivery,) = api.wait_for_deliveries(hook, settled(1))
        sent = receiver.received

    attempts = int(webhook_env["KEEL_WEBHOOK_MAX_ATTEMPTS"])
    assert (delivery["status"], delivery["attempts"]) == ("FAILED", attempts)
    assert delivery["response_status"] == 503
    assert [a["response_status"] for a in delivery["attempt_log"]] == [503] * attempts
    assert len(sent) == attempts
    assert "next_attempt_at" not in delivery


def test_an_unreachable_receiver_fails_with_the_connection_error(api):
    with Receiver() as gone:
        url = gone.url  # closed when the block ends: nothing listens there afterwards
    hook = api.create_webhook(url, ["model_version.created"])
    api.register_version("nowhere")
    (delivery,) = api.wait_for_deliveries(hook, settled(1))
    assert delivery["status"] == "FAILED"
    assert all("ConnectError" in a["error"] for a in delivery["attempt_log"])
    assert "response_status" not in delivery


def test_a_client_error_answer_is_not_retried(api):
    with Receiver(default_status=404) as receiver:
        hook = api.create_webhook(receiver.url, ["model_version.created"])
        api.register_version("gone")
        (delivery,) = api.wait_for_deliveries(hook, settled(1))
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("FAILED", 1, 404)


def test_redeliver_sends_the_same_event_again_as_a_new_delivery(api):
    with Receiver(default_status=500) as receiver:
        hook = api.create_webhook(receiver.url, ["model_version.created"], secret="s")
        api.register_version("again")
        (failed,) = api.wait_for_deliveries(hook, settled(1))
        assert failed["status"] == "FAILED"
    with Receiver() as recovered:
        api.call("PATCH", f"/mlflow/webhooks/{hook}", {"url": recovered.url})

        again = api.call("POST", f"/keel/webhook-deliveries/{failed['delivery_id']}/redeliver")["delivery"]

        (sent,) = recovered.wait_for(1)
        deliveries = api.wait_for_deliveries(hook, settled(2))
    assert again["delivery_id"] != failed["delivery_id"]
    assert (again["status"], again["attempts"], again["event"]) == ("PENDING", 0, failed["event"])
    assert sent.delivery_id == again["delivery_id"]
    assert sent.signed_with("s")
    assert sent.json["data"]["event_id"] == failed["event"]["event_id"]
    by_id = {d["delivery_id"]: d for d in deliveries}
    assert by_id[again["delivery_id"]]["status"] == "SUCCEEDED"
    assert by_id[failed["delivery_id"]]["status"] == "FAILED"  # the original is left as it was


def test_a_disabled_webhook_is_sent_nothing_until_enabled(api, receiver):
    paused = api.create_webhook(receiver.url + "/paused", ["model_version.created"], status="DISABLED")
    active = api.create_webhook(receiver.url + "/active", ["model_version.created"])

    api.register_version("held")

    api.wait_for_deliveries(active, settled(1))
    assert api.deliveries(paused) == []

    api.call("PATCH", f"/mlflow/webhooks/{paused}", {"status": "ACTIVE"})
    api.register_version("held")

    (delivered,) = api.wait_for_deliveries(paused, settled(1))
    assert (delivered["status"], delivered["event"]["version"]) == ("SUCCEEDED", "2")
    api.wait_for_deliveries(active, settled(2))
    assert sorted(r.path for r in receiver.received) == ["/hook/active", "/hook/active", "/hook/paused"]


def test_a_change_wakes_the_dispatcher_without_waiting_for_its_poll(server_settings, monkeypatch, receiver):
    monkeypatch.setenv("KEEL_WEBHOOK_POLL_SECONDS", "3600")
    with LiveServer(server_settings) as live:
        api = KeelApi(live.url)
        try:
            api.create_webhook(receiver.url, ["model_version.created"])
            api.register_version("prompt")
            (sent,) = receiver.wait_for(1)
        finally:
            api.close()
    assert sent.json["data"]["name"] == "prompt"


def test_a_receiver_that_turns_private_is_refused_at_send_time(api, receiver, monkeypatch):
    hook = api.create_webhook(receiver.url, ["model_version.created"])
    monkeypatch.delenv("KEEL_WEBHOOK_ALLOW_PRIVATE_URLS")

    api.register_version("rebound")

    (delivery,) = api.wait_for_deliveries(hook, settled(1))
    assert (delivery["status"], delivery["attempts"]) == ("FAILED", 1)
    assert "non-public IP address" in delivery["error"]
    assert receiver.received == []


def test_servers_sharing_a_database_deliver_each_event_once(server_settings: ServerSettings, receiver):
    with LiveServer(server_settings) as first, LiveServer(server_settings) as second:
        apis = [KeelApi(first.url), KeelApi(second.url)]
        try:
            hook = apis[0].create_webhook(receiver.url, ["model_version.created"])
            for n in range(8):
                apis[n % 2].register_version(f"shared-{n % 3}")
            deliveries = apis[1].wait_for_deliveries(hook, settled(8))
        finally:
            for api in apis:
                api.close()
    sent = receiver.received
    assert sorted(r.delivery_id for r in sent) == sorted(d["delivery_id"] for d in deliveries)
    assert all(d["attempts"] == 1 and d["status"] == "SUCCEEDED" for d in deliveries)
