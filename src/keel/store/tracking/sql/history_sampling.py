"""Sampled metric histories for charts, computed in SQL: only the sample leaves the database.

Two shapes: MLflow's evenly spaced sample (``get-history-bulk-interval``: the first point of
each of ``max_results`` equal slices of the ordered history, plus the last point) and keel's
min/max buckets (first, min, max and last value per step bucket), which keep every spike of a
long history visible when a chart draws one bucket per pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Select, and_, case, cast, false, func, literal, or_, select

from keel.entities import Metric
from keel.store.tracking.sql.runs import find_run_pk
from keel.store.tracking.sql.schema import metric_keys, metrics, runs

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection, Engine
    from sqlalchemy.sql.elements import ColumnElement


# The metrics table's key order, so SQLite walks its index instead of sorting. MLflow orders
# by (step, timestamp, value, is_nan); the two differ only between a NaN and a number logged
# with the same step and timestamp.
HISTORY_ORDER = (metrics.c.step, metrics.c.timestamp, metrics.c.is_nan, metrics.c.value)
_FINITE_OR_NULL = case((metrics.c.is_nan, None), else_=metrics.c.value)


@dataclass(frozen=True)
class Buckets:
    """A history cut into step buckets of ``width`` steps; the lists hold one entry per non-empty bucket.

    Values are None where a bucket holds only NaN (``min``/``max``) or where its first or last
    point is NaN (``first``/``last``).
    """

    start_step: int | None
    end_step: int | None
    width: int
    first_step: list[int] = field(default_factory=list)
    last_step: list[int] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    first: list[float | None] = field(default_factory=list)
    min: list[float | None] = field(default_factory=list)
    max: list[float | None] = field(default_factory=list)
    last: list[float | None] = field(default_factory=list)

    @property
    def total_points(self) -> int:
        return sum(self.count)


def _where(
    run_pk: int, key_id: int, start_step: int | None, end_step: int | None
) -> list[ColumnElement[bool]]:
    where = [metrics.c.run_pk == run_pk, metrics.c.key_id == key_id]
    if start_step is not None:
        where.append(metrics.c.step >= start_step)
    if end_step is not None:
        where.append(metrics.c.step <= end_step)
    return where


def _to_metric(row: Any, key: str, run_id: str) -> Metric:
    return Metric(key, math.nan if row.is_nan else row.value, row.timestamp, row.step, run_id)


def sample_evenly(
    conn: Connection,
    run_pk: int,
    run_id: str,
    key: str,
    key_id: int,
    max_results: int,
    start_step: int | None,
    end_step: int | None,
) -> list[Metric]:
    """MLflow's sample: the first row of each of ``max_results`` NTILE slices, then the last row.

    NTILE over a million rows is slow in SQLite; the slice starts are computed from the row
    count instead (the first ``N % n`` slices hold one row more), and only rows whose
    ROW_NUMBER lands on a slice start come back.
    """
    where = _where(run_pk, key_id, start_step, end_step)
    columns = (metrics.c.step, metrics.c.timestamp, metrics.c.is_nan, metrics.c.value)
    total = conn.execute(select(func.count()).select_from(metrics).where(*where)).scalar_one()
    if total == 0:
        return []
    if total <= max_results:
        rows = conn.execute(select(*columns).where(*where).order_by(*HISTORY_ORDER)).all()
        return [_to_metric(row, key, run_id) for row in rows]
    size, longer = divmod(total, max_results)
    numbered = select(*columns, (func.row_number().over(order_by=HISTORY_ORDER) - 1).label("k")).where(*where)
    sub = numbered.subquery()
    split = longer * (size + 1)
    starts = or_(
        and_(sub.c.k < split, sub.c.k % (size + 1) == 0),
        and_(sub.c.k >= split, (sub.c.k - split) % size == 0),
    )
    rows = list(conn.execute(select(sub.c.step, sub.c.timestamp, sub.c.is_nan, sub.c.value).where(starts)))
    last = conn.execute(
        select(*columns).where(*where).order_by(*(c.desc() for c in HISTORY_ORDER)).limit(1)
    ).one()
    # NTILE keeps each slice's first row, not the history's last: add it, within max_results.
    if tuple(rows[-1]) != tuple(last):
        if len(rows) >= max_results:
            rows[-1] = last
        else:
            rows.append(last)
    return [_to_metric(row, key, run_id) for row in rows]


def step_range(conn: Connection, run_pk: int, key_id: int) -> tuple[int | None, int | None]:
    """The first and last step logged for the key: two index seeks."""
    where = (metrics.c.run_pk == run_pk, metrics.c.key_id == key_id)
    low = conn.execute(select(func.min(metrics.c.step)).where(*where)).scalar()
    high = conn.execute(select(func.max(metrics.c.step)).where(*where)).scalar()
    return low, high


def downsample(
    conn: Connection,
    run_pk: int,
    key_id: int,
    buckets: int,
    start_step: int | None,
    end_step: int | None,
) -> Buckets:
    """At most ``buckets`` buckets of equal step width over [start_step, end_step] (default: all steps).

    Each bucket is a handful of index range reads (a recursive CTE lists the buckets, correlated
    subqueries read them), so the database never sorts the history: a GROUP BY on the bucket
    number makes SQLite sort every point first, which is twice as slow on a million points.
    """
    if start_step is None or end_step is None:
        low, high = step_range(conn, run_pk, key_id)
        start_step = low if start_step is None else start_step
        end_step = high if end_step is None else end_step
    if start_step is None or end_step is None or start_step > end_step:
        return Buckets(start_step, end_step, 1)
    width = max(1, -(-(end_step - start_step + 1) // buckets))
    lows = select(cast(literal(start_step), BigInteger).label("low")).cte("bucket", recursive=True)
    lows = lows.union_all(select((lows.c.low + width).label("low")).where(lows.c.low + width <= end_step))

    def points(*where: ColumnElement[bool]) -> Select[Any]:
        in_bucket = (metrics.c.step >= lows.c.low, metrics.c.step <= lows.c.low + (width - 1))
        return select().where(metrics.c.run_pk == run_pk, metrics.c.key_id == key_id, *in_bucket, *where)

    def boundary(column: ColumnElement[Any], *, last: bool) -> Any:
        """``column`` of the bucket's first or last point: one index seek (min() would read the range)."""
        order = [c.desc() for c in HISTORY_ORDER] if last else HISTORY_ORDER
        return points().add_columns(column).order_by(*order).limit(1).scalar_subquery()

    is_number = metrics.c.is_nan == false()
    query = (
        select(
            points().add_columns(func.count()).scalar_subquery(),
            boundary(metrics.c.step, last=False),
            boundary(metrics.c.step, last=True),
            points(is_number).add_columns(func.min(metrics.c.value)).scalar_subquery(),
            points(is_number).add_columns(func.max(metrics.c.value)).scalar_subquery(),
            boundary(_FINITE_OR_NULL, last=False),
            boundary(_FINITE_OR_NULL, last=True),
        )
        .select_from(lows)
        .order_by(lows.c.low)
    )
    out = Buckets(start_step, end_step, width)
    for count, first_step, last_step, low, high, first, last in conn.execute(query):
        if count:
            out.count.append(count)
            out.first_step.append(first_step)
            out.last_step.append(last_step)
            out.min.append(low)
            out.max.append(high)
            out.first.append(first)
            out.last.append(last)
    return out


def find_key_id(conn: Connection, key: str) -> int | None:
    return conn.execute(select(metric_keys.c.key_id).where(metric_keys.c.key == key)).scalar()


class HistorySampler:
    """Sampled histories read through a tracking database's reader engine.

    Args:
        engine: the reader engine of a :class:`SqlTrackingStore` (``SqlTrackingStore.history_sampler()``).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def sample_evenly(
        self,
        run_ids: Sequence[str],
        key: str,
        max_results: int,
        start_step: int | None,
        end_step: int | None,
    ) -> list[Metric]:
        """Runs in request order; an unknown run id adds no points and raises nothing, as in MLflow."""
        with self._engine.begin() as conn:
            key_id = find_key_id(conn, key)
            if key_id is None or not run_ids:
                return []
            rows = conn.execute(select(runs.c.run_id, runs.c.run_pk).where(runs.c.run_id.in_(set(run_ids))))
            found: dict[str, int] = {run_id: run_pk for run_id, run_pk in rows}
            out: list[Metric] = []
            for run_id in run_ids:
                if run_id in found:
                    out += sample_evenly(
                        conn, found[run_id], run_id, key, key_id, max_results, start_step, end_step
                    )
            return out

    def downsample(
        self, run_id: str, key: str, buckets: int, start_step: int | None, end_step: int | None
    ) -> Buckets:
        with self._engine.begin() as conn:
            run_pk, _ = find_run_pk(conn, run_id)
            key_id = find_key_id(conn, key)
            if key_id is None:
                return Buckets(start_step, end_step, 1)
            return downsample(conn, run_pk, key_id, buckets, start_step, end_step)
