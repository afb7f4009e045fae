"""Non-blocking metric logging: queued points are all written, in order, and a failed write is never lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import keel
from keel.entities import RunStatus
from keel.errors import InvalidParameter
from keel.tracking import stores
from keel.tracking.batcher import AsyncLoggingError

if TYPE_CHECKING:
    from pathlib import Path


def _points(run_id: str, key: str) -> list[tuple[int, int, float]]:
    return [(m.step, m.timestamp, m.value) for m in keel.Client().get_metric_history(run_id, key)]


def test_queued_points_are_all_written_exactly_once_by_end_run() -> None:
    count = 3_000
    with keel.start_run() as run:
        for step in range(count):
            keel.log_metric("loss", 1 / (step + 1), step=step, timestamp=1_000 + step, synchronous=False)
            keel.log_metric("lr", step * 1e-4, step=step, timestamp=1_000 + step, synchronous=False)

    assert _points(run.info.run_id, "loss") == [(s, 1_000 + s, 1 / (s + 1)) for s in range(count)]
    assert _points(run.info.run_id, "lr") == [(s, 1_000 + s, s * 1e-4) for s in range(count)]
    stored = keel.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.FINISHED
    assert stored.data.metrics == {"loss": 1 / count, "lr": (count - 1) * 1e-4}


def test_many_queued_points_at_one_step_and_timestamp_are_all_kept() -> None:
    with keel.start_run() as run:
        for value in range(500):
            keel.log_metric("x", float(value), step=0, timestamp=5, synchronous=False)

    assert [v for _, _, v in _points(run.info.run_id, "x")] == [float(v) for v in range(500)]
    assert keel.get_run(run.info.run_id).data.metrics == {"x": 499.0}


def test_flush_makes_queued_points_visible_while_the_run_is_still_open() -> None:
    with keel.start_run() as run:
        for step in range(1_500):
            keel.log_metric("acc", step / 1_500, step=step, synchronous=False)
        keel.flush()

        assert len(keel.Client().get_metric_history(run.info.run_id, "acc")) == 1_500
        assert keel.get_run(run.info.run_id).info.status == RunStatus.RUNNING


def test_log_metrics_queued_above_the_batch_limit_are_all_written() -> None:
    metrics = {f"m{i:04d}": float(i) for i in range(2_345)}

    with keel.start_run() as run:
        keel.log_metrics(metrics, step=1, synchronous=False)

    assert keel.get_run(run.info.run_id).data.metrics == metrics


def test_keel_async_logging_env_var_makes_logging_non_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEL_ASYNC_LOGGING", "true")
    with keel.start_run() as run:
        keel.Client().delete_run(run.info.run_id)

        keel.log_metric("loss", 0.1)  # queued: the failure shows only when the queue is written

        with pytest.raises(AsyncLoggingError):
            keel.flush()
        keel.Client().restore_run(run.info.run_id)

    assert keel.get_run(run.info.run_id).info.status == RunStatus.FINISHED


def test_a_point_that_is_not_a_number_is_refused_at_the_call_not_queued() -> None:
    with keel.start_run() as run:
        with pytest.raises(InvalidParameter, match="must be a number"):
            keel.log_metric("loss", "high", synchronous=False)  # type: ignore[arg-type]
        with pytest.raises(InvalidParameter):
            keel.log_metric("bad//key", 1.0, synchronous=False)
        keel.log_metric("loss", 0.5, synchronous=False)
        keel.flush()

    assert keel.get_run(run.info.run_id).data.metrics == {"loss": 0.5}


def test_queued_log_metrics_with_one_bad_value_is_refused_as_a_whole() -> None:
    # As the synchronous call (one atomic batch) is: the error is raised and nothing is logged.
    with keel.start_run() as run:
        with pytest.raises(InvalidParameter):
            keel.log_metrics({"ok": 1.0, "bad": "x"}, synchronous=False)  # type: ignore[dict-item]
        keel.flush()

    assert keel.get_run(run.info.run_id).data.metrics == {}


def test_a_queued_write_that_fails_is_raised_from_flush() -> None:
    client = keel.Client()
    with keel.start_run() as run:
        client.delete_run(run.info.run_id)
        for step in range(10):
            keel.log_metric("loss", 0.1, step=step, synchronous=False)

        with pytest.raises(AsyncLoggingError, match="could not be written") as caught:
            keel.flush()

        assert isinstance(caught.value.__cause__, InvalidParameter)
        assert run.info.run_id in str(caught.value)
        keel.flush()  # reported once, not again
        client.restore_run(run.info.run_id)

    assert client.get_metric_history(run.info.run_id, "loss") == []
    assert keel.get_run(run.info.run_id).info.status == RunStatus.FINISHED


def test_a_queued_write_that_fails_is_raised_from_end_run() -> None:
    client = keel.Client()
    run = keel.start_run()
    client.delete_run(run.info.run_id)
    keel.log_metric("loss", 0.1, synchronous=False)

    with pytest.raises(AsyncLoggingError):
        keel.end_run()

    assert keel.active_run() is None


def test_a_queued_write_that_fails_is_raised_from_the_next_log_call() -> None:
    client = keel.Client()
    with keel.start_run() as run:
        client.delete_run(run.info.run_id)
        keel.log_metric("loss", 0.1, synchronous=False)
        client.flush(client.create_run("0").info.run_id)  # writes the queue; that other run is fine

        with pytest.raises(AsyncLoggingError):
            keel.log_metric("loss", 0.2, synchronous=False)
        client.restore_run(run.info.run_id)


def test_end_run_still_ends_the_run_when_its_queued_points_failed() -> None:
    # The background write failed while the run was briefly deleted; once it is back, end_run must
    # report the lost points and still end the run, not leave it RUNNING for ever.
    client = keel.Client()
    run = keel.start_run()
    client.delete_run(run.info.run_id)
    keel.log_metric("loss", 0.1, synchronous=False)
    client.flush(client.create_run("0").info.run_id)
    client.restore_run(run.info.run_id)

    with pytest.raises(AsyncLoggingError):
        keel.end_run()

    ended = keel.get_run(run.info.run_id)
    assert ended.info.status.is_terminated
    assert ended.info.end_time is not None


def test_a_failing_run_does_not_stop_the_points_of_another_run() -> None:
    client = keel.Client()
    doomed = client.create_run("0").info.run_id
    healthy = client.create_run("0").info.run_id
    client.delete_run(doomed)
    for run_id, value in ((doomed, 1.0), (healthy, 2.0)):
        for step in range(1_200):
            client.log_metric(run_id, "loss", value, step=step, synchronous=False)

    with pytest.raises(AsyncLoggingError):
        client.flush()

    assert [(m.step, m.value) for m in client.get_metric_history(healthy, "loss")] == [
        (step, 2.0) for step in range(1_200)
    ]


def test_client_set_terminated_writes_the_queued_points_first() -> None:
    client = keel.Client()
    run_id = client.create_run("0").info.run_id
    for step in range(1_200):
        client.log_metric(run_id, "loss", float(step), step=step, synchronous=False)

    client.set_terminated(run_id)

    assert len(client.get_metric_history(run_id, "loss")) == 1_200
    assert client.get_run(run_id).info.status == RunStatus.FINISHED


def test_an_exception_in_the_block_still_writes_the_queued_points_and_fails_the_run() -> None:
    run = keel.start_run()
    for step in range(2_000):
        keel.log_metric("loss", 1.0, step=step, synchronous=False)

    with pytest.raises(ZeroDivisionError), run:
        _ = 1 / 0

    stored = keel.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.FAILED
    assert len(keel.Client().get_metric_history(run.info.run_id, "loss")) == 2_000


def test_close_all_closes_every_store_even_when_a_queued_write_failed(store_dir: Path) -> None:
    client = keel.Client()
    run_id = client.create_run("0").info.run_id
    client.delete_run(run_id)
    client.log_metric(run_id, "loss", 0.1, synchronous=False)
    uri = keel.get_tracking_uri()
    store = stores.tracking_store_for(uri)

    with pytest.raises(AsyncLoggingError):
        stores.close_all()  # the failure is reported…

    reopened = stores.tracking_store_for(uri)  # …and the store was closed: the next use opens a new one
    assert reopened is not store
    assert keel.Client().get_run(run_id).info.lifecycle_stage == "deleted"
    assert (store_dir / "keel.db").is_file()
