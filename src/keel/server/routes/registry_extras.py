"""keel's registry endpoints beyond MLflow's: the change history and a version's lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route

from keel.server.endpoints import KEEL_API_PREFIXES, Endpoint, asgi_endpoint
from keel.server.wire import Field, Kind
from keel.store.registry.lineage import version_lineage

if TYPE_CHECKING:
    from keel.server.state import Stores


def registry_history(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    page = stores.registry.get_registry_history(
        f["name"] or None,
        max_results=1000 if f["max_results"] is None else f["max_results"],
        page_token=f["page_token"] or None,
        newest_first=bool(f["newest_first"]),
    )
    out: dict[str, Any] = {"events": [e.to_dict() for e in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


def model_version_lineage(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    return version_lineage(stores.registry, stores.tracking, f["name"], f["version"])


ENDPOINTS = [
    Endpoint(
        "/registry/history",
        ("GET",),
        registry_history,
        {
            "name": Field(Kind.STRING),
            "max_results": Field(Kind.INT),
            "page_token": Field(Kind.STRING),
            "newest_first": Field(Kind.BOOL),
        },
    ),
    Endpoint(
        "/registry/lineage",
        ("GET",),
        model_version_lineage,
        {"name": Field(Kind.STRING, required=True), "version": Field(Kind.STRING, required=True)},
    ),
]

KEEL_ROUTES: list[BaseRoute] = [
    Route(f"{prefix}{endpoint.path}", asgi_endpoint(endpoint), methods=list(endpoint.methods))
    for endpoint in ENDPOINTS
    for prefix in KEEL_API_PREFIXES
]
