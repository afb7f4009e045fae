"""The stores' wall clock: epoch milliseconds, as MLflow stamps everything."""

from __future__ import annotations

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000
