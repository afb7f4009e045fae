"""The webhook dispatcher: a thread per server process that sends due deliveries and records each attempt.

It looks for due deliveries every ``poll_seconds``, and at once when this process commits a change
that queued one. Processes sharing a database share the work: each attempt is claimed by exactly one
of them. A failed attempt is retried with exponential backoff and jitter (or the receiver's
``Retry-After``) until ``max_attempts`` were made; then the delivery is FAILED. Answers that trying
again cannot change (most 4xx, a refused address) fail it at once.

Settings come from the environment: ``KEEL_WEBHOOK_MAX_ATTEMPTS`` (5), ``KEEL_WEBHOOK_BACKOFF_SECONDS``
(2: the first retry's delay, doubled each time), ``KEEL_WEBHOOK_BACKOFF_MAX_SECONDS`` (600),
``KEEL_WEBHOOK_TIMEOUT_SECONDS`` (10, per request) and ``KEEL_WEBHOOK_POLL_SECONDS`` (0.5).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from keel.server import webhook_requests
from keel.store.clock import now_ms
from keel.store.registry.sql.webhooks import SqlWebhookStore
from keel.store.registry.webhooks import AttemptOutcome

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    import httpx

    from keel.server.state import Stores
    from keel.store.registry.webhooks import DueDelivery

logger = logging.getLogger("keel.server.webhooks")

ENV_MAX_ATTEMPTS = "KEEL_WEBHOOK_MAX_ATTEMPTS"
ENV_BACKOFF = "KEEL_WEBHOOK_BACKOFF_SECONDS"
ENV_BACKOFF_MAX = "KEEL_WEBHOOK_BACKOFF_MAX_SECONDS"
ENV_TIMEOUT = "KEEL_WEBHOOK_TIMEOUT_SECONDS"
ENV_POLL = "KEEL_WEBHOOK_POLL_SECONDS"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How deliveries are attempted: how often, how far apart, how long each may take."""

    max_attempts: int = 5
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 600.0
    timeout_seconds: float = 10.0
    poll_seconds: float = 0.5
    concurrency: int = 4

    @classmethod
    def from_env(cls) -> DeliveryPolicy:
        default = cls()
        return cls(
            max_attempts=max(1, int(_env_number(ENV_MAX_ATTEMPTS, default.max_attempts))),
            backoff_seconds=_env_number(ENV_BACKOFF, default.backoff_seconds),
            backoff_max_seconds=_env_number(ENV_BACKOFF_MAX, default.backoff_max_seconds),
            timeout_seconds=_env_number(ENV_TIMEOUT, default.timeout_seconds),
            poll_seconds=max(0.01, _env_number(ENV_POLL, default.poll_seconds)),
        )

    @property
    def lease_ms(self) -> int:
        """How long a claimed attempt is left to its dispatcher before another may make it."""
        return int((self.timeout_seconds * 4 + 30) * 1000)

    def retry_at(self, attempt: int, outcome: AttemptOutcome, now: int) -> int | None:
        """When to try again after failed attempt number ``attempt`` (1-based); None: give up."""
        if not outcome.retryable or attempt >= self.max_attempts:
            return None
        delay = min(self.backoff_max_seconds, self.backoff_seconds * 2.0 ** (attempt - 1))
        delay += random.uniform(0, delay / 2)
        if outcome.retry_after is not None:
            delay = max(delay, min(outcome.retry_after, self.backoff_max_seconds))
        return now + int(delay * 1000)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {raw!r}")
    return value


class WebhookDispatcher:
    """Sends the deliveries ``store`` holds; ``start`` and ``stop`` bracket the server's life.

    Args:
        transport: replaces the network (tests).
        clock: epoch milliseconds, the store's.
    """

    def __init__(
        self,
        store: SqlWebhookStore,
        policy: DeliveryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._store = store
        self._policy = policy or DeliveryPolicy.from_env()
        self._clock = clock
        self._client = webhook_requests.open_client(transport)
        self._pool = ThreadPoolExecutor(self._policy.concurrency, thread_name_prefix="keel-webhook")
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._thread = threading.Thread(target=self._run, name="keel-webhook-dispatcher", daemon=True)
        self._unwatch: Callable[[], None] | None = None

    def start(self) -> None:
        self._unwatch = self._store.watch_queued(self.wake)
        self._thread.start()

    def wake(self) -> None:
        """Look for due deliveries now instead of at the next poll."""
        self._wakeup.set()

    def stop(self) -> None:
        """Claim nothing more, let attempts under way finish (each within its timeout), close."""
        self._stopping.set()
        self._wakeup.set()
        if self._unwatch is not None:
            self._unwatch()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True)
        self._client.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            free = self._policy.concurrency - self._in_flight
            started = 0
            if free > 0:
                try:
                    started = self._dispatch(free)
                except Exception:  # the database may be briefly unavailable; the next poll retries
                    logger.exception("Could not claim webhook deliveries")
            if started < free or free == 0:
                self._wakeup.wait(self._policy.poll_seconds)

    def _dispatch(self, limit: int) -> int:
        claimed = self._store.claim_due_deliveries(limit, self._policy.lease_ms)
        for due in claimed:
            with self._lock:
                self._in_flight += 1
            self._pool.submit(self._attempt, due)
        return len(claimed)

    def _attempt(self, due: DueDelivery) -> None:
        try:
            try:
                body = webhook_requests.payload(due.event, due.details)
                outcome = webhook_requests.post(
                    self._client, due.target, due.delivery_id, body, self._policy.timeout_seconds
                )
            except Exception as exc:  # a bug, not the receiver: record it rather than retry forever
                logger.exception("Delivery %s attempt %d could not be sent", due.delivery_id, due.attempt)
                outcome = AttemptOutcome(0, error=f"{type(exc).__name__}: {exc}", retryable=False)
            retry_at = self._policy.retry_at(due.attempt, outcome, self._clock())
            self._store.finish_attempt(due, outcome, retry_at)
        except Exception:  # the database: the claim's lease runs out and the attempt is made again
            logger.exception("Delivery %s attempt %d was not recorded", due.delivery_id, due.attempt)
        finally:
            with self._lock:
                self._in_flight -= 1
            self._wakeup.set()


@contextlib.asynccontextmanager
async def running(stores: Stores, clock: Callable[[], int] | None = None) -> AsyncIterator[None]:
    """A dispatcher over the server's webhook store for the life of the block (the app's lifespan)."""
    if not isinstance(stores.webhooks, SqlWebhookStore):
        yield
        return
    dispatcher = WebhookDispatcher(stores.webhooks, clock=clock or now_ms)
    dispatcher.start()
    try:
        yield
    finally:
        await run_in_threadpool(dispatcher.stop)
