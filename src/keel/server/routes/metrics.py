"""Metric histories: one metric of one run, paged or whole."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keel.server.endpoints import Endpoint
from keel.server.routes.runs import RUN_ID, run_id_of
from keel.server.wire import Field, Kind

if TYPE_CHECKING:
    from keel.server.state import Stores


def get_metric_history(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.tracking.get_metric_history(
        run_id_of(f), f["metric_key"], f["max_results"], f["page_token"]
    )
    # MLflow's history points carry no run_id: the request already names the run.
    out: dict[str, Any] = {"metrics": [m.to_dict(with_run_id=False) for m in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


ENDPOINTS = [
    Endpoint(
        "/metrics/get-history",
        ("GET",),
        get_metric_history,
        {
            **RUN_ID,
            "metric_key": Field(Kind.STRING, required=True),
            "max_results": Field(Kind.INT),
            "page_token": Field(Kind.STRING),
        },
    ),
]
