"""Metric points: key ids, bulk inserts, the latest-value table and history reads."""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, select

from keel.entities import Metric, PagedList
from keel.store.pagination import next_page_token
from keel.store.tracking.sql.schema import latest_metrics, metric_keys, metrics
from keel.store.tracking.sql.upserts import (
    driver_insert_ignore,
    driver_upsert,
    insert_ignore,
    positional_placeholder,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

POINT_KEY = ("run_pk", "key_id", "step", "timestamp", "is_nan", "value")
LATEST_KEY = ("run_pk", "key_id")
LATEST_VALUES = ("step", "timestamp", "is_nan", "value")
# A key's latest point is its greatest (step, timestamp, value), as in MLflow.
ADVANCE_LATEST_WHEN = (
    '(excluded."step", excluded."timestamp", excluded."value") > '
    '("latest_metrics"."step", "latest_metrics"."timestamp", "latest_metrics"."value")'
)


class MetricKeyIds:
    """Small integer ids for metric keys, cached for the life of the store.

    A key's id never changes once written, so the cache needs no invalidation. New keys
    are inserted in a transaction of their own and committed before use: a batch that
    later rolls back cannot leave a cached id pointing at nothing.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def ids_for(self, keys: Iterable[str]) -> dict[str, int]:
        ids = self._ids
        missing = {k for k in keys if k not in ids}
        if missing:
            self._create(missing)
        return ids

    def find(self, conn: Connection, key: str) -> int | None:
        """The id of a key, or None when no metric of that name was ever logged."""
        if key in self._ids:
            return self._ids[key]
        return conn.execute(select(metric_keys.c.key_id).where(metric_keys.c.key == key)).scalar()

    def _create(self, keys: set[str]) -> None:
        with self._lock, self._engine.begin() as conn:
            conn.execute(insert_ignore(metric_keys, ("key",)), [{"key": k} for k in sorted(keys)])
            rows = conn.execute(
                select(metric_keys.c.key, metric_keys.c.key_id).where(metric_keys.c.key.in_(keys))
            )
            self._ids.update({key: key_id for key, key_id in rows})


def insert_metrics(conn: Connection, run_pk: int, points: Sequence[Metric], key_ids: dict[str, int]) -> None:
    """Insert points (exact duplicates are ignored, as MLflow does) and advance the latest values.

    Rows go to the driver as positional tuples: SQLAlchemy's per-row parameter handling would
    cost more than SQLite's own work on a 1,000-point batch.
    """
    rows = []
    latest: dict[int, tuple[int, int, float, bool]] = {}
    isnan = math.isnan
    for m in points:
        value = m.value
        nan = isnan(value)
        stored = 0.0 if nan else value
        key_id = key_ids[m.key]
        rows.append((run_pk, key_id, m.step, m.timestamp, nan, stored))
        current = latest.get(key_id)
        if current is None or (m.step, m.timestamp, stored) > current[:3]:
            latest[key_id] = (m.step, m.timestamp, stored, nan)
    placeholder = positional_placeholder(conn.dialect.paramstyle)
    conn.exec_driver_sql(driver_insert_ignore(metrics, POINT_KEY, placeholder), rows)
    conn.exec_driver_sql(
        driver_upsert(latest_metrics, LATEST_KEY, LATEST_VALUES, ADVANCE_LATEST_WHEN, placeholder),
        [(run_pk, key_id, s, t, nan, v) for key_id, (s, t, v, nan) in latest.items()],
    )


def metric_history(
    conn: Connection,
    run_pk: int,
    run_id: str,
    key: str,
    key_id: int | None,
    max_results: int | None,
    offset: int,
) -> PagedList[Metric]:
    """One metric's points in step order, read through the driver's cursor: a 100,000-step
    history is mostly row handling, and SQLAlchemy's Row objects would double its cost."""
    if key_id is None:
        return PagedList([], None)
    mark = positional_placeholder(conn.dialect.paramstyle)
    sql = (
        'SELECT "step", "timestamp", "is_nan", "value" FROM "metrics" '
        f'WHERE "run_pk" = {mark} AND "key_id" = {mark} '
        'ORDER BY "step", "timestamp", "is_nan", "value"'
    )
    args: tuple[int, ...] = (run_pk, key_id)
    if max_results is not None:
        sql += f" LIMIT {mark} OFFSET {mark}"
        args += (max_results + 1, offset)
    elif offset:
        sql += f" LIMIT -1 OFFSET {mark}" if mark == "?" else f" OFFSET {mark}"
        args += (offset,)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    nan = math.nan
    points = [
        Metric(key, nan if is_nan else value, timestamp, step, run_id)
        for step, timestamp, is_nan, value in (rows if max_results is None else rows[:max_results])
    ]
    token = None if max_results is None else next_page_token(offset, max_results, len(rows))
    return PagedList(points, token)


def latest_metrics_for(conn: Connection, run_pks: Sequence[int]) -> dict[int, list[Metric]]:
    out: dict[int, list[Metric]] = {pk: [] for pk in run_pks}
    if not run_pks:
        return out
    query = (
        select(
            latest_metrics.c.run_pk,
            metric_keys.c.key,
            latest_metrics.c.value,
            latest_metrics.c.timestamp,
            latest_metrics.c.step,
            latest_metrics.c.is_nan,
        )
        .join(metric_keys, metric_keys.c.key_id == latest_metrics.c.key_id)
        .where(latest_metrics.c.run_pk.in_(run_pks))
    )
    nan = math.nan
    for run_pk, key, value, timestamp, step, is_nan in conn.execute(query):
        out[run_pk].append(Metric(key, nan if is_nan else value, timestamp, step))
    return out
