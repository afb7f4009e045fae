"""Non-blocking metric logging: points are queued and written in batches by a background thread.

A training loop pays for a validation and a deque append; the thread writes at most
``max_wait`` seconds later, or as soon as a full batch is waiting. ``flush`` (called by
``end_run``, ``set_terminated`` and at interpreter exit) waits for everything queued so far.
A failed write is logged at once and raised again from the next call about that run.

A batcher with a spool (the one of a tracking server) never loses points to an outage: when
the server cannot be reached, or answers 5xx/429 after retries, the points go to the on-disk
spool (``keel.tracking.spool``), and so do all later ones, to keep their order, until the
thread, retrying with backoff, has sent the spool; then points go straight to the server again.
Points still spooled at exit stay on disk for ``keel sync``. A 4xx is an answer, not an outage:
it is raised as any failed write is.
"""

from __future__ import annotations

import atexit
import logging
import random
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from keel.errors import KeelError
from keel.store.tracking.retry import is_transient_error
from keel.store.tracking.validation import MAX_METRICS_PER_BATCH, validate_metric
from keel.tracking.spool import Spool, send_spooled

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from keel.entities import Metric
    from keel.store.tracking.base import TrackingStore

logger = logging.getLogger(__name__)

RETRY_MIN_S = 0.5
RETRY_MAX_S = 30.0


class AsyncLoggingError(KeelError):
    """Points queued for a run could not be written."""


@dataclass(frozen=True)
class SpoolTarget:
    """Where a batcher keeps the points its server does not take: a spool in ``directory`` naming
    ``tracking_uri``; ``sender`` is the store to send with (one that gives up within seconds, since
    the batcher keeps retrying on its own)."""

    directory: Path
    tracking_uri: str
    sender: TrackingStore


class MetricBatcher:
    def __init__(
        self,
        store: TrackingStore,
        max_batch: int = MAX_METRICS_PER_BATCH,
        max_wait: float = 0.1,
        spool: SpoolTarget | None = None,
    ) -> None:
        self._store = store
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._queue: deque[tuple[str, Metric]] = deque()
        self._wake = threading.Event()
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._failures: dict[str, list[BaseException]] = {}
        self._target = spool
        self._sender = store if spool is None else spool.sender
        self._spool: Spool | None = None
        self._outage: BaseException | None = None
        self._retry_at = 0.0
        self._retry_delay = RETRY_MIN_S

    def enqueue(self, run_id: str, metric: Metric) -> None:
        metric = validate_metric(metric)
        if self._failures:
            self._raise_failures(run_id)
        self._queue.append((run_id, metric))
        if self._thread is None:
            self._start()
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    def enqueue_batch(self, run_id: str, metrics: Sequence[Metric]) -> None:
        """Queue several points, or (when one is invalid) none of them, as a synchronous batch would."""
        checked = [validate_metric(metric, f"metrics[{index}]") for index, metric in enumerate(metrics)]
        if self._failures:
            self._raise_failures(run_id)
        self._queue.extend((run_id, metric) for metric in checked)
        if self._thread is None:
            self._start()
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    def flush(self, run_id: str | None = None) -> None:
        """Write everything queued so far, then raise what failed for ``run_id`` (or any run).

        During an outage this tries the server once more and returns with the points safe in
        the spool; they are not failures.
        """
        self._drain(force=True)
        if self._failures:
            self._raise_failures(run_id)

    def pending(self) -> int:
        """Points not written yet: queued in memory or waiting in the spool."""
        return len(self._queue) + self.spooled()

    def spooled(self) -> int:
        with self._write_lock:
            return 0 if self._spool is None else self._spool.pending()

    def close(self) -> None:
        """Flush, stop the thread and release the spool (whatever is still in it stays on disk)."""
        try:
            self.flush()
        finally:
            self._closed = True
            self._wake.set()
            self._release_spool()

    def report_at_exit(self) -> str | None:
        """Release the spool; a one-line note for stderr when points are left in it."""
        with self._write_lock:
            spool, self._spool = self._spool, None
            if spool is None:
                return None
            left = spool.pending()
            spool.close(remove=left == 0)
        if not left or self._target is None:
            return None
        return (
            f"keel: {left} metric points could not be sent to {self._target.tracking_uri} "
            f"({self._outage}); they are saved in {spool.path} and `keel sync` will send them."
        )

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="keel-metric-batcher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._max_wait)
            self._wake.clear()
            try:
                self._drain(force=False)
            except Exception:  # keep the thread alive: the points stay queued or spooled
                logger.exception("keel: the metric batcher hit an unexpected error")

    def _drain(self, *, force: bool) -> None:
        # Popping and writing under one lock keeps points in order even when flush() and the
        # background thread drain at the same time.
        with self._write_lock:
            while self._queue:
                batch: list[tuple[str, Metric]] = []
                while self._queue and len(batch) < self._max_batch:
                    batch.append(self._queue.popleft())
                unsent = batch if self._spool is not None else self._send(batch)
                if unsent:
                    self._spool_points(unsent)
            if self._spool is not None and (force or time.monotonic() >= self._retry_at):
                self._send_spool()

    def _send(self, batch: list[tuple[str, Metric]]) -> list[tuple[str, Metric]]:
        """Write a batch run by run; the points left when the server failed transiently (spooled only)."""
        groups = [(run_id, [m for _, m in items]) for run_id, items in groupby(batch, key=lambda i: i[0])]
        for index, (run_id, metrics) in enumerate(groups):
            try:
                self._sender.log_batch(run_id, metrics=metrics)
            except Exception as exc:  # recorded and raised to the caller on its next call
                if self._target is not None and _is_outage(exc):
                    self._begin_outage(exc)
                    return [(rid, m) for rid, ms in groups[index:] for m in ms]
                self._record_failure(run_id, len(metrics), exc)
        return []

    def _spool_points(self, points: list[tuple[str, Metric]]) -> None:
        assert self._target is not None
        try:
            if self._spool is None:
                self._spool = Spool.create(self._target.directory, self._target.tracking_uri)
                self._retry_at = time.monotonic() + self._retry_delay
            self._spool.append(points)
        except OSError as exc:
            spool_error = AsyncLoggingError(
                f"the tracking server failed ({self._outage}) and the spool in "
                f"{self._target.directory} could not be written: {exc}"
            )
            for run_id, items in groupby(points, key=lambda i: i[0]):
                self._record_failure(run_id, sum(1 for _ in items), spool_error)

    def _send_spool(self) -> None:
        assert self._spool is not None
        report = send_spooled(self._spool, self._sender, self._max_batch)
        for run_id, count, exc in report.refused:
            self._record_failure(run_id, count, exc)
        if report.stopped_by is not None:
            self._begin_outage(report.stopped_by)
            return
        self._spool.close(remove=True)
        self._spool = None
        if self._outage is not None:
            logger.info("keel: the tracking server is back; spooled metric points were sent")
        self._outage = None
        self._retry_delay = RETRY_MIN_S

    def _begin_outage(self, exc: BaseException) -> None:
        if self._outage is None and self._target is not None:
            logger.warning(
                "keel: the tracking server at %s is not answering (%s); metric points are kept on disk "
                "in %s and sent when it is back",
                self._target.tracking_uri,
                exc,
                self._target.directory,
            )
        self._outage = exc
        self._retry_at = time.monotonic() + self._retry_delay * random.uniform(1.0, 1.5)
        self._retry_delay = min(self._retry_delay * 2, RETRY_MAX_S)

    def _record_failure(self, run_id: str, count: int, exc: BaseException) -> None:
        logger.error("keel: %d queued metric points for run %s were not written: %s", count, run_id, exc)
        self._failures.setdefault(run_id, []).append(exc)

    def _release_spool(self) -> None:
        note = self.report_at_exit()
        if note is not None:
            logger.warning("%s", note)

    def _raise_failures(self, run_id: str | None) -> None:
        keys = list(self._failures) if run_id is None else [run_id]
        errors = [e for key in keys for e in self._failures.pop(key, [])]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more failed batches)" if len(errors) > 1 else ""
            raise AsyncLoggingError(f"Queued metric points could not be written: {first}{more}") from first


def _is_outage(exc: BaseException) -> bool:
    """A failure to wait out: the server's transient errors, or anything that is no answer at all."""
    return is_transient_error(exc) or not isinstance(exc, KeelError)


_batchers: dict[int, MetricBatcher] = {}
_batchers_lock = threading.Lock()


def batcher_for(store: TrackingStore) -> MetricBatcher:
    batcher = _batchers.get(id(store))
    if batcher is None:
        with _batchers_lock:
            batcher = _batchers.setdefault(id(store), MetricBatcher(store))
    return batcher


def spool_for(store: TrackingStore, target: SpoolTarget) -> MetricBatcher:
    """Give ``store`` a batcher that spools to disk when its server fails (call before first use)."""
    with _batchers_lock:
        return _batchers.setdefault(id(store), MetricBatcher(store, spool=target))


def flush_all_at_exit() -> None:
    """Write what is still queued when the interpreter exits; failures and spooled points go to stderr."""
    for batcher in list(_batchers.values()):
        try:
            batcher.flush()
        except KeelError as exc:
            print(f"keel: {exc}", file=sys.stderr)
        note = batcher.report_at_exit()
        if note is not None:
            print(note, file=sys.stderr)


atexit.register(flush_all_at_exit)


def discard_batcher(store: TrackingStore) -> None:
    """Flush and forget the batcher of a store that is being closed."""
    with _batchers_lock:
        batcher = _batchers.pop(id(store), None)
    if batcher is not None:
        batcher.close()
