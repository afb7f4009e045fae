"""Pure rules: which URLs a webhook may call, when a failed attempt is tried again, and what a payload
holds for each event."""

from __future__ import annotations

import pytest

from keel.entities import RegistryEvent
from keel.errors import InvalidParameter
from keel.server.webhook_dispatch import DeliveryPolicy
from keel.server.webhook_requests import event_data, payload
from keel.store.registry.webhook_urls import check_addresses, validate_webhook_url
from keel.store.registry.webhooks import AttemptOutcome


@pytest.fixture
def private_urls_refused(monkeypatch):
    monkeypatch.delenv("KEEL_WEBHOOK_ALLOW_PRIVATE_URLS")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://169.254.169.254/",
        "http://192.168.1.20/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://[fe80::1]/",
        "http://[::ffff:10.0.0.1]/",  # IPv4-mapped
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
        "http://[::7f00:1]/",  # IPv4-compatible 127.0.0.1
        "http://[::a00:1]/",  # IPv4-compatible 10.0.0.1
        "http://[64:ff9b:1::808:808]/",  # local-use NAT64, whatever it wraps
        "http://[fec0::1]/",  # site-local
    ],
)
def test_non_public_addresses_are_refused(private_urls_refused, url):
    validate_webhook_url(url)
    with pytest.raises(InvalidParameter, match="must not resolve to a non-public IP address"):
        check_addresses(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/hook",
        "http://[2606:4700:4700::1111]:8443/x",
        "http://[64:ff9b::808:808]/",  # well-known NAT64 of 8.8.8.8
        "http://[::808:808]/",  # IPv4-compatible 8.8.8.8
    ],
)
def test_public_addresses_pass(private_urls_refused, url):
    assert validate_webhook_url(url) == url
    check_addresses(url)


def test_private_addresses_pass_when_allowed():
    check_addresses("http://127.0.0.1:5000/hook")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Invalid webhook URL scheme: 'file'"),
        ("gopher://example.com/", "Invalid webhook URL scheme: 'gopher'"),
        ("http://0177.0.0.1/", "is not a canonical IP address literal"),
        ("http://2130706433/", "is not a canonical IP address literal"),
        ("http://example.com:99999/", "Invalid webhook URL"),
        ("   ", "cannot be empty"),
        (42, "must be a string"),
    ],
)
def test_malformed_urls_are_refused(url, message):
    with pytest.raises(InvalidParameter, match=message):
        validate_webhook_url(url)


def test_retries_back_off_exponentially_with_jitter_until_the_last_attempt():
    policy = DeliveryPolicy(max_attempts=4, backoff_seconds=1.0, backoff_max_seconds=3.0)
    failed = AttemptOutcome(10, response_status=502)
    delays = [policy.retry_at(attempt, failed, now=0) for attempt in (1, 2, 3)]
    assert 1000 <= delays[0] <= 1500
    assert 2000 <= delays[1] <= 3000
    assert 3000 <= delays[2] <= 4500  # capped, then jittered
    assert policy.retry_at(4, failed, now=0) is None


def test_a_final_answer_is_not_retried_and_retry_after_is_honoured():
    policy = DeliveryPolicy(max_attempts=5, backoff_seconds=1.0, backoff_max_seconds=60.0)
    assert policy.retry_at(1, AttemptOutcome(1, response_status=410, retryable=False), now=0) is None
    slow_down = AttemptOutcome(1, response_status=429, retry_after=30.0)
    assert policy.retry_at(1, slow_down, now=0) == 30_000


def _event(action, **fields):
    return RegistryEvent(event_id=7, timestamp=1_700_000_000_000, action=action, name="m", **fields)


def test_payloads_carry_mlflow_fields_and_the_event_row():
    created = payload(
        _event("model_version.created", version="3", key="source", to_value="runs:/r/model", user_id="ann"),
        {"run_id": "r", "tags": {"a": "b"}, "description": "d"},
    )
    assert created == {
        "entity": "model_version",
        "action": "created",
        "timestamp": "2023-11-14T22:13:20+00:00",
        "data": {
            "name": "m",
            "version": "3",
            "source": "runs:/r/model",
            "run_id": "r",
            "tags": {"a": "b"},
            "description": "d",
            "key": "source",
            "to_value": "runs:/r/model",
            "user_id": "ann",
            "event_id": 7,
        },
    }
    moved = _event("model_version_alias.created", version="2", key="prod", from_value="1", to_value="2")
    alias = event_data(moved, {})
    assert alias == {
        "name": "m",
        "alias": "prod",
        "version": "2",
        "key": "prod",
        "from_value": "1",
        "to_value": "2",
        "event_id": 7,
    }
    renamed = event_data(_event("registered_model.renamed", key="name", from_value="old", to_value="m"), {})
    assert renamed == {"name": "m", "key": "name", "from_value": "old", "to_value": "m", "event_id": 7}
