"""HistorySampler on SQLite and PostgreSQL, checked against plain-Python definitions of both samples."""

from __future__ import annotations

import math
import random

import pytest

from keel.entities import Metric

Point = tuple[int, int, float]  # step, timestamp, value


def log(store, points: list[Point], key: str = "m") -> str:
    run_id = store.create_run("0", "u", 0, [], None).info.run_id
    for offset in range(0, len(points), 1000):
        batch = [Metric(key, v, t, s) for s, t, v in points[offset : offset + 1000]]
        store.log_batch(run_id, batch, [], [])
    return run_id


def ordered(points: list[Point]) -> list[Point]:
    return sorted(
        set(points), key=lambda p: (p[0], p[1], math.isnan(p[2]), 0.0 if math.isnan(p[2]) else p[2])
    )


def reference_evenly(points: list[Point], n: int, start=None, end=None) -> list[Point]:
    """NTILE(n) over the ordered points, first of each tile, then the last point (MLflow 3.17's SQL store)."""
    rows = [p for p in ordered(points) if (start is None or start <= p[0] <= end)]
    if len(rows) <= n:
        return rows
    size, longer = divmod(len(rows), n)
    starts, k = [], 0
    for tile in range(n):
        starts.append(k)
        k += size + (1 if tile < longer else 0)
    sample = [rows[i] for i in starts]
    if sample[-1] != rows[-1]:
        sample[-1 if len(sample) >= n else len(sample) :] = [rows[-1]]
    return sample


def reference_buckets(points: list[Point], buckets: int, start: int, end: int):
    width = max(1, -(-(end - start + 1) // buckets))
    groups: dict[int, list[Point]] = {}
    for p in ordered(points):
        if start <= p[0] <= end:
            groups.setdefault((p[0] - start) // width, []).append(p)
    out = []
    for _, rows in sorted(groups.items()):
        numbers = [v for _, _, v in rows if not math.isnan(v)]
        first, last = rows[0][2], rows[-1][2]
        out.append(
            (
                len(rows),
                rows[0][0],
                rows[-1][0],
                None if math.isnan(first) else first,
                min(numbers, default=None),
                max(numbers, default=None),
                None if math.isnan(last) else last,
            )
        )
    return width, out


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def random_history(seed: int, size: int) -> list[Point]:
    rng = random.Random(seed)
    points = []
    step = 0
    for i in range(size):
        step += rng.choice((0, 1, 1, 1, 3))
        value = math.nan if rng.random() < 0.02 else rng.uniform(-5, 5)
        points.append((step, 1000 + i % 17, value))
    return points


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("n", [1, 2, 7, 100, 2500])
def test_even_sample_matches_the_ntile_definition(sql_store, seed, n):
    points = random_history(seed, 3000)
    run_id = log(sql_store, points)
    sampled = sql_store.history_sampler().sample_evenly([run_id], "m", n, None, None)
    expected = reference_evenly(points, n)
    assert len(sampled) == len(expected)
    for got, (step, timestamp, value) in zip(sampled, expected, strict=True):
        assert (got.step, got.timestamp, got.key, got.run_id) == (step, timestamp, "m", run_id)
        assert same(got.value, value)


def test_even_sample_within_a_step_range(sql_store):
    points = random_history(4, 2000)
    run_id = log(sql_store, points)
    sampled = sql_store.history_sampler().sample_evenly([run_id], "m", 50, 100, 700)
    expected = reference_evenly(points, 50, 100, 700)
    assert [(m.step, m.timestamp) for m in sampled] == [(s, t) for s, t, _ in expected]


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize("buckets", [1, 3, 64, 5000])
def test_buckets_match_their_definition(sql_store, seed, buckets):
    points = random_history(seed, 2500)
    run_id = log(sql_store, points)
    start, end = min(p[0] for p in points), max(p[0] for p in points)
    result = sql_store.history_sampler().downsample(run_id, "m", buckets, None, None)
    width, expected = reference_buckets(points, buckets, start, end)
    assert (result.start_step, result.end_step, result.width) == (start, end, width)
    got = list(
        zip(
            result.count,
            result.first_step,
            result.last_step,
            result.first,
            result.min,
            result.max,
            result.last,
            strict=True,
        )
    )
    assert got == expected


def test_buckets_of_a_sub_range_and_of_nothing(sql_store):
    points = [(s, s, float(s % 10)) for s in range(1000)]
    run_id = log(sql_store, points)
    sampler = sql_store.history_sampler()
    part = sampler.downsample(run_id, "m", 10, 500, 599)
    assert (part.width, part.count, part.first_step) == (10, [10] * 10, list(range(500, 600, 10)))
    assert part.min == [0.0] * 10
    assert part.max == [9.0] * 10
    empty = sampler.downsample(run_id, "m", 10, 5000, 6000)
    assert empty.count == []
    assert sampler.downsample(run_id, "other", 10, None, None).total_points == 0
