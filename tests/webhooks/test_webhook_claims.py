"""Claiming deliveries in SQL: dispatchers sharing a database never make the same attempt, an attempt
whose dispatcher vanished is made again after its lease, paused or deleted webhooks get nothing, and a
claim carries the registry as it was when the change was made."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from keel.entities import DeliveryStatus
from keel.store.artifacts import get_artifact_repository
from keel.store.registry.sql import SqlRegistryStore
from keel.store.registry.sql.webhooks import SqlWebhookStore
from keel.store.registry.webhooks import AttemptOutcome
from keel.store.tracking.sql import SqlTrackingStore

URL = "https://hooks.example.com/keel"
LEASE_MS = 60_000


@pytest.fixture
def webhooks(sql_store, clock):
    return SqlWebhookStore(sql_store.engines, clock)


def queue_models(tracking, clock, count):
    """``count`` new models: one ``registered_model.created`` delivery each for every subscriber."""
    registry = SqlRegistryStore(tracking, clock=clock)
    for n in range(count):
        registry.create_registered_model(f"model-{n}")


def test_dispatchers_sharing_a_database_never_claim_the_same_attempt(sql_store, webhooks, clock):
    webhooks.create_webhook("hook", URL, ["registered_model.created"])
    queue_models(sql_store, clock, 30)
    other = SqlTrackingStore(sql_store.uri, sql_store.default_artifact_root, clock=clock)
    dispatchers = [webhooks, SqlWebhookStore(other.engines, clock)]
    claims: list[list[tuple[str, int]]] = [[], []]
    start = threading.Barrier(len(dispatchers))

    def drain(index: int) -> None:
        start.wait()
        while batch := dispatchers[index].claim_due_deliveries(3, LEASE_MS):
            claims[index].extend((due.delivery_id, due.attempt) for due in batch)

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(dispatchers))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    made = claims[0] + claims[1]
    assert len(made) == len(set(made)) == 30
    assert {attempt for _, attempt in made} == {1}


def test_an_attempt_is_made_again_once_its_lease_has_run_out(sql_store, webhooks, clock):
    hook = webhooks.create_webhook("hook", URL, ["registered_model.created"]).webhook_id
    queue_models(sql_store, clock, 1)

    (first,) = webhooks.claim_due_deliveries(10, 1000)
    assert webhooks.claim_due_deliveries(10, 1000) == []  # still leased to the first dispatcher
    clock.now += 1000
    (second,) = webhooks.claim_due_deliveries(10, 1000)
    assert (second.delivery_id, first.attempt, second.attempt) == (first.delivery_id, 1, 2)

    webhooks.finish_attempt(first, AttemptOutcome(7, response_status=200, response_body="late"), None)
    (delivery,) = webhooks.list_deliveries(hook)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 2)  # attempt 2 decides
    assert [(a.attempt, a.response_body) for a in delivery.attempt_log] == [(1, "late")]

    webhooks.finish_attempt(second, AttemptOutcome(9, error="ReadTimeout: timed out"), None)
    (delivery,) = webhooks.list_deliveries(hook)
    assert (delivery.status, delivery.error, delivery.response_status) == (
        DeliveryStatus.FAILED,
        "ReadTimeout: timed out",
        None,
    )
    assert [a.attempt for a in delivery.attempt_log] == [1, 2]


def test_a_retry_waits_until_it_is_due(sql_store, webhooks, clock):
    hook = webhooks.create_webhook("hook", URL, ["registered_model.created"]).webhook_id
    queue_models(sql_store, clock, 1)
    (due,) = webhooks.claim_due_deliveries(10, LEASE_MS)
    webhooks.finish_attempt(due, AttemptOutcome(3, response_status=503), retry_at=clock.now + 500)

    assert webhooks.claim_due_deliveries(10, LEASE_MS) == []
    (waiting,) = webhooks.list_deliveries(hook)
    assert (waiting.status, waiting.next_attempt_at) == (DeliveryStatus.PENDING, clock.now + 500 - 1)
    clock.now += 500
    (retry,) = webhooks.claim_due_deliveries(10, LEASE_MS)
    assert retry.attempt == 2


def test_deliveries_of_a_paused_webhook_wait_until_it_is_active(sql_store, webhooks, clock):
    hook = webhooks.create_webhook("hook", URL, ["registered_model.created"]).webhook_id
    queue_models(sql_store, clock, 2)
    webhooks.update_webhook(hook, status="DISABLED")
    assert webhooks.claim_due_deliveries(10, LEASE_MS) == []
    webhooks.update_webhook(hook, status="ACTIVE")
    assert len(webhooks.claim_due_deliveries(10, LEASE_MS)) == 2


def test_a_new_model_claim_carries_what_the_payload_needs(sql_store, webhooks, clock):
    webhooks.create_webhook("hook", URL, ["registered_model.created"], secret="k")
    registry = SqlRegistryStore(sql_store, clock=clock)
    registry.create_registered_model("tagged", {"team": "risk"}, "scores loans")
    (due,) = webhooks.claim_due_deliveries(10, LEASE_MS)
    assert (due.target.url, due.target.secret) == (URL, "k")
    assert (due.event.action, due.event.name) == ("registered_model.created", "tagged")
    assert due.details == {"tags": {"team": "risk"}, "description": "scores loans"}


def test_deleting_a_webhook_deletes_its_deliveries_and_a_late_attempt_is_dropped(sql_store, webhooks, clock):
    hook = webhooks.create_webhook("hook", URL, ["registered_model.created"]).webhook_id
    queue_models(sql_store, clock, 2)
    first, second = webhooks.claim_due_deliveries(10, LEASE_MS)
    webhooks.finish_attempt(first, AttemptOutcome(1, response_status=200), None)

    webhooks.delete_webhook(hook)

    webhooks.finish_attempt(second, AttemptOutcome(1, response_status=200), None)
    assert webhooks.claim_due_deliveries(10, LEASE_MS) == []
    assert list(webhooks.list_webhooks()) == []


def test_a_re_created_models_deliveries_each_carry_their_own_creations_tags(sql_store, webhooks, clock):
    webhooks.create_webhook("hook", URL, ["registered_model.created"])
    registry = SqlRegistryStore(sql_store, clock=clock)
    registry.create_registered_model("A", {"owner": "alice"}, "the first")
    registry.delete_registered_model("A")
    registry.create_registered_model("A", {"owner": "mallory"})

    first, second = webhooks.claim_due_deliveries(10, LEASE_MS)

    assert first.details == {"tags": {"owner": "alice"}, "description": "the first"}
    assert second.details == {"tags": {"owner": "mallory"}, "description": None}


def test_a_new_version_keeps_its_run_and_tags_through_a_rename_and_every_retry(sql_store, webhooks, clock):
    webhooks.create_webhook("hook", URL, ["model_version.created"])
    run = sql_store.create_run("0")
    get_artifact_repository(run.info.artifact_uri).write_bytes("model/MLmodel", b"flavors: {}\n")
    registry = SqlRegistryStore(sql_store, clock=clock)
    registry.create_registered_model("churn")
    source = f"runs:/{run.info.run_id}/model"
    registry.create_model_version("churn", source, run.info.run_id, {"stage": "candidate"}, description="v1")
    registry.rename_registered_model("churn", "churn-v2")
    expected = {"run_id": run.info.run_id, "tags": {"stage": "candidate"}, "description": "v1"}

    (due,) = webhooks.claim_due_deliveries(10, LEASE_MS)
    assert (due.event.name, due.event.version, due.details) == ("churn", "1", expected)
    webhooks.finish_attempt(due, AttemptOutcome(3, response_status=503), retry_at=clock.now)
    registry.delete_model_version("churn-v2", "1")

    (retry,) = webhooks.claim_due_deliveries(10, LEASE_MS)
    assert (retry.attempt, retry.details) == (2, expected)


@pytest.mark.parametrize("sql_store", ["sqlite"], indirect=True)
def test_a_poll_with_nothing_due_does_not_wait_for_another_writer(sql_store, webhooks, clock):
    webhooks.create_webhook("hook", URL, ["registered_model.created"])
    queue_models(sql_store, clock, 1)
    (due,) = webhooks.claim_due_deliveries(10, LEASE_MS)
    webhooks.finish_attempt(due, AttemptOutcome(3, response_status=503), retry_at=clock.now + 60_000)
    other_writer = sqlite3.connect(sql_store.uri.removeprefix("sqlite:///"), isolation_level=None)
    polled: list[object] = []
    poll = threading.Thread(target=lambda: polled.append(webhooks.claim_due_deliveries(10, LEASE_MS)))
    try:
        other_writer.execute("BEGIN IMMEDIATE")
        poll.start()
        poll.join(timeout=5)
        assert polled == [[]]  # answered at once, not after the writer's transaction
    finally:
        other_writer.rollback()
        other_writer.close()
        poll.join()
