"""create_app: the ASGI application. Stores are opened in the lifespan, so importing is free."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from keel.errors import KeelError
from keel.server import errors, webhook_dispatch
from keel.server.endpoints import Endpoint, asgi_endpoint
from keel.server.limits import BodySizeLimit
from keel.server.proxied_artifacts import proxied_resolver
from keel.server.routes import (
    artifact_files,
    artifacts,
    experiments,
    health,
    logged_models,
    metric_sampling,
    metrics,
    model_versions,
    registered_models,
    registry_extras,
    runs,
    ui,
    webhooks,
)
from keel.server.state import Stores
from keel.store.artifacts import get_artifact_repository
from keel.store.clock import now_ms
from keel.store.registry.sql import SqlRegistryStore
from keel.store.registry.sql.webhooks import SqlWebhookStore
from keel.store.tracking.sql import SqlTrackingStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable

    from keel.server.settings import ServerSettings

API_PREFIXES = ("/api", "/ajax-api")
ENDPOINT_GROUPS: tuple[Iterable[Endpoint], ...] = (
    experiments.ENDPOINTS,
    runs.ENDPOINTS,
    metrics.ENDPOINTS,
    metric_sampling.ENDPOINTS,
    artifacts.ENDPOINTS,
    logged_models.ENDPOINTS,
    registered_models.ENDPOINTS,
    model_versions.ENDPOINTS,
    webhooks.ENDPOINTS,
)


def api_routes(endpoints: Iterable[Endpoint]) -> list[BaseRoute]:
    """Each endpoint under ``/api/<v>.0/mlflow`` (clients) and ``/ajax-api/<v>.0/mlflow`` (web UI)."""
    routes: list[BaseRoute] = []
    for endpoint in endpoints:
        handler = asgi_endpoint(endpoint)
        for prefix in API_PREFIXES:
            path = f"{prefix}/{endpoint.version}.0/mlflow{endpoint.path}"
            routes.append(Route(path, handler, methods=list(endpoint.methods)))
    return routes


def open_stores(settings: ServerSettings, clock: Callable[[], int] | None = None) -> Stores:
    """The server's stores; ``clock`` (epoch ms) replaces the wall clock, for tests."""
    now = clock or now_ms
    tracking = SqlTrackingStore(settings.backend_store_uri, settings.default_artifact_root, clock=now)
    artifact_root = (
        get_artifact_repository(settings.artifacts_destination) if settings.serve_artifacts else None
    )
    return Stores(
        tracking=tracking,
        registry=SqlRegistryStore(tracking, resolve=proxied_resolver(artifact_root), clock=now),
        artifacts=artifact_root,
        artifacts_destination=settings.artifacts_destination,
        webhooks=SqlWebhookStore(tracking.engines, clock=now),
    )


def create_app(settings: ServerSettings, clock: Callable[[], int] | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.stores = open_stores(settings, clock)
        try:
            async with webhook_dispatch.running(app.state.stores, clock):
                yield
        finally:
            app.state.stores.tracking.close()

    routes: list[BaseRoute] = [*health.ROUTES, *artifacts.PROXY_ROUTES, *artifact_files.ROUTES]
    for group in ENDPOINT_GROUPS:
        routes += api_routes(group)
    # The UI last: its pages never shadow the API.
    routes += [*metric_sampling.KEEL_ROUTES, *registry_extras.KEEL_ROUTES, *webhooks.KEEL_ROUTES]
    routes += ui.ROUTES
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)],
        exception_handlers={
            KeelError: errors.keel_error,
            HTTPException: errors.http_error,
            Exception: errors.unexpected_error,
        },
    )
