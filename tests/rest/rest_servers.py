"""Live keel servers for the REST tests: one that can be stopped and replaced on the same port, and
the environment of child interpreters."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import uvicorn

from keel.server.app import create_app
from keel.server.settings import ServerSettings
from liveserver import LiveServer, free_port

# Settings read from the environment that would let the developer's shell leak into a test.
KEEL_ENV_VARS = (
    "KEEL_TRACKING_URI",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_ID",
    "KEEL_ASYNC_LOGGING",
    "KEEL_ARTIFACT_ROOT",
    "KEEL_SPOOL_DIR",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
    "MLFLOW_HTTP_REQUEST_TIMEOUT",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER",
)
# An outage is noticed after one quick retry instead of a minute of them.
FAST_RETRIES = {
    "KEEL_HTTP_REQUEST_MAX_RETRIES": "1",
    "KEEL_HTTP_REQUEST_BACKOFF_FACTOR": "0.01",
    "KEEL_HTTP_REQUEST_BACKOFF_JITTER": "0.01",
    "KEEL_HTTP_REQUEST_TIMEOUT": "10",
}


class PinnedLiveServer(LiveServer):
    """A LiveServer on a given port, so a test can stop a server and start another in its place."""

    def __init__(self, settings: ServerSettings, port: int | None = None) -> None:
        super().__init__(settings)
        if port is not None:
            self.port = port
            self.url = f"http://127.0.0.1:{port}"
            config = uvicorn.Config(
                create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
            )
            self._server = uvicorn.Server(config)
            self._thread = threading.Thread(target=self._server.run, name="keel-live-server", daemon=True)


def start_server(data_dir: Path, port: int | None = None) -> PinnedLiveServer:
    """A running keel server over the SQLite file in ``data_dir`` (on ``port``, else a free one)."""
    return PinnedLiveServer(ServerSettings.embedded(data_dir), port).start()


def closed_port_url() -> str:
    """A URL nothing listens on: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a child Python: this one without keel settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if k not in KEEL_ENV_VARS}
    env.update(overrides)
    return env
