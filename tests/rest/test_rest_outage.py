"""Training never waits on, or dies of, a tracking server that is down: non-blocking points go to the
spool while it fails and reach it once, in order, when it is back."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest
from rest_servers import PinnedLiveServer, start_server

import keel
from keel.entities import Metric, RunStatus
from keel.store.tracking.rest import RestTrackingStore
from keel.store.tracking.retry import RetryPolicy
from keel.tracking import stores
from keel.tracking.batcher import AsyncLoggingError, MetricBatcher, SpoolTarget, batcher_for
from keel.tracking.spool import sync_spools


def _wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _spools(spool_dir: Path) -> list[Path]:
    return sorted(spool_dir.glob("*.spool")) if spool_dir.is_dir() else []


def _steps(client: keel.Client, run_id: str, key: str = "loss") -> list[tuple[int, int, float]]:
    return [(m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key)]


def _log(client: keel.Client, run_id: str, steps: range) -> float:
    """Log one point per step without blocking; the slowest call, in seconds."""
    slowest = 0.0
    for step in steps:
        started = time.perf_counter()
        client.log_metric(run_id, "loss", step / 7, timestamp=1_000 + step, step=step, synchronous=False)
        slowest = max(slowest, time.perf_counter() - started)
        if step % 500 == 0:
            time.sleep(0.02)  # let the background thread try the server
    return slowest


def test_points_logged_while_the_server_is_down_all_arrive_once_in_order_when_it_is_back(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    _log(client, run_id, range(1_000))
    client.flush(run_id)
    server.stop()

    slowest = _log(client, run_id, range(1_000, 4_000))
    _wait_for(lambda: bool(_spools(spool_dir)))
    assert batcher_for(client.store).pending() == 3_000
    back = start_server(server_dir, server.port)
    try:
        client.flush(run_id)

        assert _steps(client, run_id) == [(s, 1_000 + s, s / 7) for s in range(4_000)]
        assert _spools(spool_dir) == []
        assert slowest < 0.1  # the training loop never waited for the server
    finally:
        back.stop()


def test_the_background_thread_sends_the_spool_on_its_own_once_the_server_is_back(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    server.stop()
    _log(client, run_id, range(2_000))
    _wait_for(lambda: bool(_spools(spool_dir)))

    back = start_server(server_dir, server.port)
    try:
        _wait_for(lambda: not _spools(spool_dir))
        assert _steps(client, run_id) == [(s, 1_000 + s, s / 7) for s in range(2_000)]
    finally:
        back.stop()


def test_a_fluent_run_spanning_an_outage_keeps_every_point_and_finishes(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    keel.set_tracking_uri(server.url)
    run = keel.start_run()
    for step in range(500):
        keel.log_metric("acc", step / 500, step=step, synchronous=False)
    server.stop()
    for step in range(500, 1_500):
        keel.log_metric("acc", step / 500, step=step, synchronous=False)
    keel.flush()  # the server is down: the points wait on disk, nothing is raised
    assert len(_spools(spool_dir)) == 1

    back = start_server(server_dir, server.port)
    try:
        keel.end_run()

        stored = keel.get_run(run.info.run_id)
        assert stored.info.status == RunStatus.FINISHED
        assert [m.step for m in keel.Client().get_metric_history(run.info.run_id, "acc")] == list(
            range(1_500)
        )
    finally:
        back.stop()


def test_a_healthy_server_never_touches_the_disk(server: PinnedLiveServer, spool_dir: Path) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id

    _log(client, run_id, range(3_000))
    client.flush()

    assert len(_steps(client, run_id)) == 3_000
    assert not spool_dir.exists()


def test_a_run_deleted_during_the_outage_is_reported_not_dropped_silently(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    client = keel.Client(server.url)
    doomed = client.create_run("0").info.run_id
    kept = client.create_run("0").info.run_id
    server.stop()
    _log(client, doomed, range(100))
    _log(client, kept, range(100))
    _wait_for(lambda: bool(_spools(spool_dir)))
    elsewhere = start_server(server_dir)  # the same database on another port, while ours is still down
    try:
        keel.Client(elsewhere.url).delete_run(doomed)
    finally:
        elsewhere.stop()

    back = start_server(server_dir, server.port)
    try:
        with pytest.raises(AsyncLoggingError, match="must be in the 'active' state") as caught:
            client.flush()

        assert doomed in str(caught.value)
        assert len(_steps(client, kept)) == 100
        assert _spools(spool_dir) == []
    finally:
        back.stop()


def test_points_left_when_the_store_closes_stay_on_disk_for_sync(
    server: PinnedLiveServer, server_dir: Path, spool_dir: Path
) -> None:
    client = keel.Client(server.url)
    run_id = client.create_run("0").info.run_id
    server.stop()
    _log(client, run_id, range(1_200))

    stores.close_all()

    assert len(_spools(spool_dir)) == 1
    back = start_server(server_dir, server.port)
    try:
        results = sync_spools(spool_dir, stores.tracking_store_for)

        assert [(r.report.sent, r.left) for r in results] == [(1_200, 0)]
        assert _steps(keel.Client(back.url), run_id) == [(s, 1_000 + s, s / 7) for s in range(1_200)]
        assert _spools(spool_dir) == []
    finally:
        back.stop()


class FlakyServer:
    """A transport that answers log-batch with the given failures first, then 200; it keeps every
    point it accepted, in arrival order."""

    def __init__(self, *failures: httpx.Response) -> None:
        self.failures = list(failures)
        self.accepted: list[tuple[int, float]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.failures:
            return self.failures.pop(0)
        body = orjson.loads(request.content)
        self.accepted += [(m["step"], m["value"]) for m in body["metrics"]]
        return httpx.Response(200, json={})


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json={"error_code": "TEMPORARILY_UNAVAILABLE", "message": "restarting"}),
        httpx.Response(429, json={"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "slow down"}),
        httpx.Response(500, json={"error_code": "INTERNAL_ERROR", "message": "database is locked"}),
    ],
)
def test_points_refused_with_5xx_or_429_after_retries_are_spooled_then_sent_once_in_order(
    spool_dir: Path, failure: httpx.Response
) -> None:
    server = FlakyServer(*[failure] * 6)  # two sends of three attempts each
    policy = RetryPolicy(max_retries=2, backoff_factor=0.001, backoff_jitter=0, retry_timeout=5)
    store = RestTrackingStore(
        "http://tracking.test", policy=policy, transport=httpx.MockTransport(server.handle)
    )
    batcher = MetricBatcher(store, spool=SpoolTarget(spool_dir, store.uri, store))

    for step in range(2_500):
        batcher.enqueue("run1", Metric("loss", float(step), 1, step))
    batcher.flush()  # the first send fails and spools everything, the second one too
    assert batcher.spooled() == 2_500
    assert len(_spools(spool_dir)) == 1
    batcher.flush()

    assert server.accepted == [(step, float(step)) for step in range(2_500)]
    assert batcher.pending() == 0
    assert _spools(spool_dir) == []
    batcher.close()
