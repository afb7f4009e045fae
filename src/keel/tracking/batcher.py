"""Non-blocking metric logging: points are queued and written in batches by a background thread.

A training loop pays for a validation and a deque append; the thread writes at most
``max_wait`` seconds later, or as soon as a full batch is waiting. ``flush`` (called by
``end_run``, ``set_terminated`` and at interpreter exit) waits for everything queued so far.
A failed write is logged at once and raised again from the next call about that run.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from collections import deque
from itertools import groupby
from typing import TYPE_CHECKING

from keel.errors import KeelError
from keel.store.tracking.validation import MAX_METRICS_PER_BATCH, validate_metric

if TYPE_CHECKING:
    from keel.entities import Metric
    from keel.store.tracking.base import TrackingStore

logger = logging.getLogger(__name__)


class AsyncLoggingError(KeelError):
    """Points queued for a run could not be written."""


class MetricBatcher:
    def __init__(
        self, store: TrackingStore, max_batch: int = MAX_METRICS_PER_BATCH, max_wait: float = 0.1
    ) -> None:
        self._store = store
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._queue: deque[tuple[str, Metric]] = deque()
        self._wake = threading.Event()
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failures: dict[str, list[BaseException]] = {}

    def enqueue(self, run_id: str, metric: Metric) -> None:
        validate_metric(metric)
        if self._failures:
            self._raise_failures(run_id)
        self._queue.append((run_id, metric))
        if self._thread is None:
            self._start()
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    def flush(self, run_id: str | None = None) -> None:
        """Write everything queued so far, then raise what failed for ``run_id`` (or any run)."""
        self._drain()
        if self._failures:
            self._raise_failures(run_id)

    def pending(self) -> int:
        return len(self._queue)

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="keel-metric-batcher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._max_wait)
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        # Popping and writing under one lock keeps points in order even when flush() and the
        # background thread drain at the same time.
        with self._write_lock:
            while self._queue:
                batch: list[tuple[str, Metric]] = []
                while self._queue and len(batch) < self._max_batch:
                    batch.append(self._queue.popleft())
                for run_id, items in groupby(batch, key=lambda item: item[0]):
                    self._write(run_id, [metric for _, metric in items])

    def _write(self, run_id: str, metrics: list[Metric]) -> None:
        try:
            self._store.log_batch(run_id, metrics=metrics)
        except Exception as exc:  # recorded and raised to the caller on its next call
            logger.error(
                "keel: %d queued metric points for run %s were not written: %s", len(metrics), run_id, exc
            )
            self._failures.setdefault(run_id, []).append(exc)

    def _raise_failures(self, run_id: str | None) -> None:
        keys = list(self._failures) if run_id is None else [run_id]
        errors = [e for key in keys for e in self._failures.pop(key, [])]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more failed batches)" if len(errors) > 1 else ""
            raise AsyncLoggingError(f"Queued metric points could not be written: {first}{more}") from first


_batchers: dict[int, MetricBatcher] = {}
_batchers_lock = threading.Lock()


def batcher_for(store: TrackingStore) -> MetricBatcher:
    batcher = _batchers.get(id(store))
    if batcher is None:
        with _batchers_lock:
            batcher = _batchers.setdefault(id(store), MetricBatcher(store))
    return batcher


def flush_all_at_exit() -> None:
    """Write what is still queued when the interpreter exits; failures go to stderr."""
    for batcher in list(_batchers.values()):
        try:
            batcher.flush()
        except KeelError as exc:
            print(f"keel: {exc}", file=sys.stderr)


atexit.register(flush_all_at_exit)


def discard_batcher(store: TrackingStore) -> None:
    """Flush and forget the batcher of a store that is being closed."""
    with _batchers_lock:
        batcher = _batchers.pop(id(store), None)
    if batcher is not None:
        batcher.flush()
