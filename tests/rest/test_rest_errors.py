"""What a failed request raises: the server's error mapped back to keel's class with its message, and
which failures are retried (connection errors, 429, 5xx) and which are answers (4xx)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator

import httpx
import orjson
import pytest
from rest_servers import PinnedLiveServer, closed_port_url

import keel
from keel.entities import Metric, Param
from keel.errors import (
    AlreadyExists,
    Conflict,
    ExperimentNotFound,
    InvalidParameter,
    InvalidState,
    KeelError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RunNotFound,
    Unauthenticated,
    Unavailable,
    Unsupported,
)
from keel.store.tracking.rest import RestTrackingStore
from keel.store.tracking.retry import RetryPolicy

RUN = {
    "info": {
        "run_id": "abc",
        "experiment_id": "0",
        "status": "RUNNING",
        "start_time": 1,
        "artifact_uri": "x",
        "lifecycle_stage": "active",
    }
}
POLICY = RetryPolicy(max_retries=4, backoff_factor=0.5, backoff_jitter=0.0, retry_timeout=60)

# Live server: 4xx answers come back as keel's classes, with the server's message.


def test_a_missing_run_is_run_not_found_with_the_servers_message(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)

    with pytest.raises(RunNotFound, match=r"^Run with id=nope not found$") as caught:
        client.get_run("nope")

    assert caught.value.run_id == "nope"
    assert caught.value.http_status == 404


def test_a_missing_experiment_is_experiment_not_found(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)

    with pytest.raises(ExperimentNotFound, match="No Experiment with id=42 exists") as caught:
        client.get_experiment("42")
    assert caught.value.experiment_id == "42"
    with pytest.raises(ExperimentNotFound):
        client.create_run("42")


def test_a_missing_tag_is_a_plain_not_found(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id

    with pytest.raises(NotFound, match="No tag with name: t") as caught:
        client.delete_tag(run_id, "t")
    assert type(caught.value) is NotFound


def test_a_refused_write_is_invalid_parameter_and_changes_nothing(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    client.log_param(run_id, "lr", "0.1")

    with pytest.raises(InvalidParameter, match="Changing param values is not allowed"):
        client.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 0)], params=[Param("lr", "0.2")])

    stored = client.get_run(run_id)
    assert stored.data.params == {"lr": "0.1"}
    assert stored.data.metrics == {}


def test_a_duplicate_experiment_is_already_exists(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    client.create_experiment("twice")

    with pytest.raises(AlreadyExists, match="twice"):
        client.create_experiment("twice")


def test_writing_to_a_deleted_run_is_invalid_parameter(server: PinnedLiveServer) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    client.delete_run(run_id)

    with pytest.raises(InvalidParameter, match="must be in the 'active' state"):
        client.log_metric(run_id, "m", 1.0)


# A server that cannot be reached


def test_a_closed_port_is_unavailable_after_the_retries() -> None:
    store = RestTrackingStore(
        closed_port_url(), policy=RetryPolicy(max_retries=2, backoff_factor=0.01, backoff_jitter=0)
    )
    started = time.monotonic()

    with pytest.raises(Unavailable, match="ConnectError"):
        store.get_experiment("0")

    assert time.monotonic() - started < 5
    store.close()


# Exact status sequences, with the network replaced by httpx.MockTransport


class Script:
    """A transport answering with the given responses in turn; it records requests and the waits."""

    def __init__(self, *responses: httpx.Response | Callable[[httpx.Request], httpx.Response]) -> None:
        self._responses: Iterator[httpx.Response | Callable[[httpx.Request], httpx.Response]] = iter(
            responses
        )
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = next(self._responses)
        return response(request) if callable(response) else response

    def store(self, policy: RetryPolicy = POLICY) -> RestTrackingStore:
        return RestTrackingStore(
            "http://tracking.test",
            policy=policy,
            transport=httpx.MockTransport(self.handle),
            sleep=self.sleeps.append,
        )


def error(status: int, code: str | None = None, message: str = "", **headers: str) -> httpx.Response:
    if code is None:
        return httpx.Response(status, text=message, headers=headers)
    return httpx.Response(status, json={"error_code": code, "message": message}, headers=headers)


def ok_run() -> httpx.Response:
    return httpx.Response(200, json={"run": RUN})


def test_503_twice_then_success_is_retried_with_exponential_backoff() -> None:
    script = Script(error(503, "TEMPORARILY_UNAVAILABLE"), error(503), ok_run())

    run = script.store().get_run("abc")

    assert run.info.run_id == "abc"
    assert len(script.requests) == 3
    assert script.sleeps == [0.5, 1.0]


def test_429_waits_as_long_as_retry_after_says() -> None:
    script = Script(error(429, "REQUEST_LIMIT_EXCEEDED", "slow down", **{"Retry-After": "3"}), ok_run())

    script.store().get_run("abc")

    assert script.sleeps == [3.0]


def test_connection_errors_and_gateway_errors_are_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    script = Script(refuse, error(502, message="<html>bad gateway</html>"), error(504), ok_run())

    assert script.store().get_run("abc").info.run_id == "abc"
    assert len(script.requests) == 4


def test_a_500_internal_error_is_retried_but_a_deliberate_500_is_an_answer() -> None:
    retried = Script(error(500, "INTERNAL_ERROR", "database is locked"), ok_run())
    assert retried.store().get_run("abc").info.run_id == "abc"

    answered = Script(error(500, "INVALID_STATE", "Cannot rename a non-active experiment."))
    with pytest.raises(InvalidState, match="non-active"):
        answered.store().rename_experiment("1", "new")
    assert len(answered.requests) == 1


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (error(400, "INVALID_PARAMETER_VALUE", "bad value"), InvalidParameter),
        (error(404, "RESOURCE_DOES_NOT_EXIST", "Run with id=abc not found"), RunNotFound),
        (error(404, "RESOURCE_DOES_NOT_EXIST", "gone elsewhere"), NotFound),
        (error(403, "PERMISSION_DENIED", "no"), PermissionDenied),
        (error(401, message="login required"), Unauthenticated),
        (error(409, "ABORTED", "conflict"), Conflict),
    ],
)
def test_4xx_answers_are_not_retried(response: httpx.Response, expected: type[KeelError]) -> None:
    script = Script(response)

    with pytest.raises(expected) as caught:
        script.store().get_run("abc")

    assert len(script.requests) == 1
    assert caught.value.http_status == response.status_code


def test_the_error_class_follows_the_code_and_keeps_the_message() -> None:
    script = Script(error(404, "RESOURCE_DOES_NOT_EXIST", "Run with id=abc not found"))

    with pytest.raises(RunNotFound) as caught:
        script.store().get_run("abc")

    assert caught.value.message == "Run with id=abc not found"
    assert caught.value.to_dict() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Run with id=abc not found",
    }


def test_retries_stop_at_max_retries_with_the_last_error() -> None:
    script = Script(*[error(503, "TEMPORARILY_UNAVAILABLE", f"busy {i}") for i in range(3)])

    with pytest.raises(Unavailable, match="busy 2"):
        script.store(RetryPolicy(max_retries=2, backoff_factor=0.1, backoff_jitter=0)).get_run("abc")

    assert len(script.requests) == 3


def test_retries_stop_when_the_next_wait_would_pass_the_retry_timeout() -> None:
    script = Script(*[error(429, "REQUEST_LIMIT_EXCEEDED", "later") for _ in range(10)])
    policy = RetryPolicy(max_retries=9, backoff_factor=2, backoff_jitter=0, retry_timeout=7)

    with pytest.raises(RateLimited):
        script.store(policy).get_run("abc")

    assert script.sleeps == [2, 4]  # a third wait (8 s) would end past the 7 s budget


def test_an_unknown_endpoint_is_unsupported() -> None:
    script = Script(httpx.Response(404, text="<!doctype html><title>404 Not Found</title>"))

    with pytest.raises(Unsupported, match=r"has no endpoint GET /api/2\.0/mlflow/runs/get"):
        script.store().get_run("abc")


def test_retry_settings_come_from_keel_or_mlflow_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEEL_HTTP_REQUEST_MAX_RETRIES")
    monkeypatch.delenv("KEEL_HTTP_REQUEST_TIMEOUT")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "7")
    assert (RetryPolicy.from_env().max_retries, RetryPolicy.from_env().timeout) == (3, 7.0)

    monkeypatch.setenv("KEEL_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("KEEL_HTTP_REQUEST_TIMEOUT", "2.5")
    assert (RetryPolicy.from_env().max_retries, RetryPolicy.from_env().timeout) == (0, 2.5)


# The request itself


def test_requests_are_sent_as_mlflows_client_sends_them() -> None:
    script = Script(
        httpx.Response(200, json={"metrics": [{"key": "m", "value": "NaN", "timestamp": 1, "step": 2}]}),
        httpx.Response(200, json={}),
    )
    store = script.store()

    history = store.get_metric_history("abc", "m")
    store.log_batch("abc", metrics=[Metric("m", float("inf"), 5, 1, run_id="ignored")])

    get, post = script.requests
    assert get.method == "GET"
    assert get.url.path == "/api/2.0/mlflow/metrics/get-history"
    assert dict(get.url.params) == {"run_id": "abc", "run_uuid": "abc", "metric_key": "m"}
    assert [(m.step, repr(m.value), m.run_id) for m in history] == [(2, "nan", "abc")]
    assert post.method == "POST"
    assert post.headers["content-type"] == "application/json"
    assert orjson.loads(post.content) == {
        "run_id": "abc",
        "metrics": [{"key": "m", "value": "Infinity", "timestamp": 5, "step": 1}],
    }


def test_search_runs_sends_the_parsed_filter_back_as_text_and_lists_as_json_arrays() -> None:
    script = Script(httpx.Response(200, json={"runs": [RUN], "next_page_token": "tok"}))

    page = script.store().search_runs(
        ["1", "2"], "metrics.loss<0.5 and tags.mlflow.user='ada'", order_by=["created"]
    )

    assert orjson.loads(script.requests[0].content) == {
        "experiment_ids": ["1", "2"],
        "filter": "metrics.`loss` < 0.5 AND tags.`mlflow.user` = 'ada'",
        "run_view_type": "ACTIVE_ONLY",
        "max_results": 1000,
        "order_by": ["start_time ASC"],
    }
    assert page.token == "tok"


def test_a_get_with_a_list_repeats_the_key() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={}))
    store = RestTrackingStore("http://tracking.test", policy=POLICY, transport=transport)

    store.http.get("/api/2.0/mlflow/metrics/get-history-bulk-interval", {"run_ids": ["a", "b"], "flag": True})

    assert seen[0].url.query == b"run_ids=a&run_ids=b&flag=true"


def test_a_path_prefix_in_the_tracking_uri_is_kept() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200, json={"run": RUN}))

    RestTrackingStore("https://example.test/mlflow/", policy=POLICY, transport=transport).get_run("abc")

    assert str(seen[0].url) == "https://example.test/mlflow/api/2.0/mlflow/runs/get?run_id=abc"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MLFLOW_TRACKING_TOKEN": "s3cret"}, "Bearer s3cret"),
        (
            {
                "MLFLOW_TRACKING_USERNAME": "ada",
                "MLFLOW_TRACKING_PASSWORD": "pw",
                "MLFLOW_TRACKING_TOKEN": "t",
            },
            "Basic " + base64.b64encode(b"ada:pw").decode(),
        ),
        ({}, None),
    ],
)
def test_auth_headers_come_from_mlflows_variables(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    script = Script(ok_run())

    script.store().get_run("abc")

    assert script.requests[0].headers.get("authorization") == expected
