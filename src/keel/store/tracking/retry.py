"""When a request to a tracking server is tried again: which failures are transient, and the backoff.

Connection errors, 408, 429, 502, 503, 504 and a 500 that is not a deliberate error
(``INTERNAL_ERROR`` or no MLflow body at all) are transient; every other 4xx/5xx is an answer.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace

from keel.errors import KeelError, RateLimited, Unavailable

TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})
INTERNAL_ERROR = "INTERNAL_ERROR"

# Each setting is read from keel's variable, else MLflow's, else the default.
MAX_RETRIES_ENV = ("KEEL_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_MAX_RETRIES")
TIMEOUT_ENV = ("KEEL_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_TIMEOUT")
BACKOFF_FACTOR_ENV = ("KEEL_HTTP_REQUEST_BACKOFF_FACTOR", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR")
BACKOFF_JITTER_ENV = ("KEEL_HTTP_REQUEST_BACKOFF_JITTER", "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER")
RETRY_TIMEOUT_ENV = ("KEEL_HTTP_REQUEST_RETRY_TIMEOUT",)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry one request.

    Attempt ``n`` (0-based) that fails transiently is retried after
    ``min(backoff_max, backoff_factor * 2**n) + uniform(0, backoff_jitter)`` seconds (or the
    server's ``Retry-After``, capped the same way), at most ``max_retries`` times, and never
    past ``retry_timeout`` seconds after the first attempt started. ``timeout`` bounds each attempt.
    """

    max_retries: int = 5
    timeout: float = 120.0
    backoff_factor: float = 1.0
    backoff_jitter: float = 1.0
    backoff_max: float = 30.0
    retry_timeout: float = 120.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """The default policy with ``KEEL_HTTP_REQUEST_*`` (or ``MLFLOW_HTTP_REQUEST_*``) applied."""
        default = cls()
        return cls(
            max_retries=int(_env_number(MAX_RETRIES_ENV, default.max_retries)),
            timeout=_env_number(TIMEOUT_ENV, default.timeout),
            backoff_factor=_env_number(BACKOFF_FACTOR_ENV, default.backoff_factor),
            backoff_jitter=_env_number(BACKOFF_JITTER_ENV, default.backoff_jitter),
            retry_timeout=_env_number(RETRY_TIMEOUT_ENV, default.retry_timeout),
        )

    def quick(self) -> RetryPolicy:
        """A policy for a background sender that keeps its own, longer retry loop: fail within seconds."""
        return replace(
            self,
            max_retries=min(self.max_retries, 2),
            timeout=min(self.timeout, 30.0),
            backoff_factor=min(self.backoff_factor, 0.25),
            backoff_jitter=min(self.backoff_jitter, 0.25),
            retry_timeout=min(self.retry_timeout, 5.0),
        )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retrying after failed attempt number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max)
        backoff = min(self.backoff_max, self.backoff_factor * 2.0**attempt)
        return backoff + random.uniform(0, self.backoff_jitter)


def _env_number(names: tuple[str, ...], default: float) -> float:
    for name in names:
        raw = os.environ.get(name)
        if raw:
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {raw!r}")
            return value
    return default


def is_transient_status(status: int, error_code: str | None) -> bool:
    """Whether an HTTP answer is worth retrying: overload and gateway errors, and undeliberate 500s."""
    if status in TRANSIENT_STATUSES:
        return True
    return status == 500 and error_code in (None, INTERNAL_ERROR)


def is_transient_error(exc: BaseException) -> bool:
    """Whether a store error means "try again later" rather than "this request is wrong"."""
    if isinstance(exc, Unavailable | RateLimited):
        return True
    return type(exc) is KeelError and exc.error_code == INTERNAL_ERROR
