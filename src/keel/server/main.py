"""The application uvicorn imports in each worker, configured through ``KEEL_SERVER_*`` variables.

``keel server`` sets those variables, so every worker process builds the same app.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from keel.server.app import create_app
from keel.server.settings import DEFAULT_MAX_BODY_BYTES, ServerSettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

ENV_BACKEND = "KEEL_SERVER_BACKEND_STORE_URI"
ENV_ARTIFACTS = "KEEL_SERVER_ARTIFACTS_DESTINATION"
ENV_SERVE_ARTIFACTS = "KEEL_SERVER_SERVE_ARTIFACTS"
ENV_MAX_BODY = "KEEL_SERVER_MAX_BODY_BYTES"


def settings_to_env(settings: ServerSettings) -> dict[str, str]:
    return {
        ENV_BACKEND: settings.backend_store_uri,
        ENV_ARTIFACTS: settings.artifacts_destination,
        ENV_SERVE_ARTIFACTS: "1" if settings.serve_artifacts else "0",
        ENV_MAX_BODY: str(settings.max_body_bytes),
    }


def settings_from_env() -> ServerSettings:
    embedded = ServerSettings.embedded()
    return ServerSettings(
        backend_store_uri=os.environ.get(ENV_BACKEND, embedded.backend_store_uri),
        artifacts_destination=os.environ.get(ENV_ARTIFACTS, embedded.artifacts_destination),
        serve_artifacts=os.environ.get(ENV_SERVE_ARTIFACTS, "1") == "1",
        max_body_bytes=int(os.environ.get(ENV_MAX_BODY, DEFAULT_MAX_BODY_BYTES)),
    )


def app() -> Starlette:
    """uvicorn's application factory (``--factory``)."""
    return create_app(settings_from_env())
