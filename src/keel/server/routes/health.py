"""Health, version and server-info: what load balancers and newer clients probe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from keel.server.responses import json_response
from keel.version import __version__

if TYPE_CHECKING:
    from starlette.requests import Request

# MLflow clients compare the server version with their own; answer as the MLflow release we match.
MLFLOW_COMPATIBLE_VERSION = "3.17.2"


async def health(_request: Request) -> Response:
    return PlainTextResponse("OK")


async def version(_request: Request) -> Response:
    return PlainTextResponse(MLFLOW_COMPATIBLE_VERSION)


async def server_info(request: Request) -> Response:
    stores = request.app.state.stores
    return json_response(
        {
            "store_type": "SqlStore",
            "workspaces_enabled": False,
            "trace_archival_enabled": False,
            "multipart_uploads_enabled": False,
            "multipart_downloads_enabled": False,
            "keel_version": __version__,
            "artifacts_served": stores.artifacts is not None,
        }
    )


ROUTES = [
    Route("/health", health, methods=["GET"]),
    Route("/version", version, methods=["GET"]),
    Route("/api/3.0/mlflow/server-info", server_info, methods=["GET"]),
    Route("/ajax-api/3.0/mlflow/server-info", server_info, methods=["GET"]),
]
