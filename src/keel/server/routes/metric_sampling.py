"""Sampled metric histories for charts: MLflow's ``get-history-bulk-interval`` and keel's min/max buckets.

``/metrics/get-history-bulk-interval`` answers as MLflow 3.17 does (its handler's limits and
messages, its SQL store's sample). ``/ajax-api/2.0/keel/metrics/downsampled`` is keel's own:
first, min, max and last value per step bucket, so one bucket per pixel draws a long
history exactly as the whole history would look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route

from keel.entities.metric import encode_float
from keel.errors import InvalidParameter, Unsupported
from keel.server.endpoints import KEEL_API_PREFIXES, Endpoint, asgi_endpoint
from keel.server.routes.runs import RUN_ID, run_id_of
from keel.server.wire import Field, Kind
from keel.store.tracking.sql import SqlTrackingStore

if TYPE_CHECKING:
    from keel.server.state import Stores
    from keel.store.tracking.base import TrackingStore
    from keel.store.tracking.sql.history_sampling import HistorySampler

MAX_RUNS_BULK_INTERVAL = 100
MAX_RESULTS_PER_RUN = 2500
DEFAULT_BUCKETS = 1000
MAX_BUCKETS = 5000


def sampler(tracking: TrackingStore) -> HistorySampler:
    if not isinstance(tracking, SqlTrackingStore):
        raise Unsupported("Sampled metric histories need a SQL tracking store")
    return tracking.history_sampler()


def get_metric_history_bulk_interval(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    run_ids: list[str] = f["run_ids"] or []
    if len(run_ids) > MAX_RUNS_BULK_INTERVAL:
        raise InvalidParameter(
            f"GetMetricHistoryBulkInterval request must specify at most {MAX_RUNS_BULK_INTERVAL} "
            f"run_ids. Received {len(run_ids)} run_ids."
        )
    max_results = MAX_RESULTS_PER_RUN if f["max_results"] is None else f["max_results"]
    if not 1 <= max_results <= MAX_RESULTS_PER_RUN:
        raise InvalidParameter(f"max_results must be between 1 and {MAX_RESULTS_PER_RUN}.")
    start_step, end_step = f["start_step"], f["end_step"]
    if (start_step is None) != (end_step is None):
        raise InvalidParameter("If either start step or end step are specified, both must be specified.")
    if start_step is not None and start_step > end_step:
        raise InvalidParameter(
            "end_step must be greater than start_step. "
            f"Found start_step={start_step} and end_step={end_step}."
        )
    points = sampler(stores.tracking).sample_evenly(
        run_ids, f["metric_key"], max_results, start_step, end_step
    )
    return {"metrics": [m.to_dict() for m in points]}


def _wire_values(values: list[float | None]) -> list[float | str | None]:
    return [None if v is None else encode_float(v) for v in values]


def get_metric_history_downsampled(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    run_id = run_id_of(f)
    buckets = DEFAULT_BUCKETS if f["buckets"] is None else f["buckets"]
    if not 1 <= buckets <= MAX_BUCKETS:
        raise InvalidParameter(f"buckets must be between 1 and {MAX_BUCKETS}.")
    start_step, end_step = f["start_step"], f["end_step"]
    if start_step is not None and end_step is not None and start_step > end_step:
        raise InvalidParameter(
            "end_step must not be less than start_step. "
            f"Found start_step={start_step} and end_step={end_step}."
        )
    out = sampler(stores.tracking).downsample(run_id, f["metric_key"], buckets, start_step, end_step)
    return {
        "run_id": run_id,
        "metric_key": f["metric_key"],
        "start_step": out.start_step,
        "end_step": out.end_step,
        "bucket_width": out.width,
        "total_points": out.total_points,
        "buckets": {
            "first_step": out.first_step,
            "last_step": out.last_step,
            "count": out.count,
            "first": _wire_values(out.first),
            "min": _wire_values(out.min),
            "max": _wire_values(out.max),
            "last": _wire_values(out.last),
        },
    }


ENDPOINTS = [
    Endpoint(
        "/metrics/get-history-bulk-interval",
        ("GET",),
        get_metric_history_bulk_interval,
        {
            "run_ids": Field(Kind.STRING_LIST),
            "metric_key": Field(Kind.STRING, required=True),
            "start_step": Field(Kind.INT),
            "end_step": Field(Kind.INT),
            "max_results": Field(Kind.INT),
        },
    ),
]

DOWNSAMPLED = Endpoint(
    "/metrics/downsampled",
    ("GET",),
    get_metric_history_downsampled,
    {
        **RUN_ID,
        "metric_key": Field(Kind.STRING, required=True),
        "buckets": Field(Kind.INT),
        "start_step": Field(Kind.INT),
        "end_step": Field(Kind.INT),
    },
)

KEEL_ROUTES: list[BaseRoute] = [
    Route(f"{prefix}{DOWNSAMPLED.path}", asgi_endpoint(DOWNSAMPLED), methods=list(DOWNSAMPLED.methods))
    for prefix in KEEL_API_PREFIXES
]
