"""The real ``mlflow`` client against a live keel server: one server per module, clean state per test.

mlflow keeps process-wide state (tracking URI, active experiment, a stack of active runs, and
environment variables it sets for child processes); ``tracking_uri`` points it at the server and
puts all of that back afterwards.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

# mlflow starts its usage-telemetry client when it is first imported, before any fixture could
# set this; a test run must not phone home.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow
import mlflow.tracking.fluent
import pytest

from keel.server.settings import ServerSettings
from liveserver import LiveServer

if TYPE_CHECKING:
    from collections.abc import Iterator

# Variables mlflow reads to pick a server, experiment or run, or writes for its child processes.
MLFLOW_ENV_VARS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID")


@pytest.fixture(scope="module")
def keel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """keel's app under uvicorn over its own SQLite database and local artifact folder."""
    with LiveServer(ServerSettings.embedded(tmp_path_factory.mktemp("keel-server"))) as server:
        yield server


@pytest.fixture
def tracking_uri(keel_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point mlflow's fluent API and ``MlflowClient()`` at the live server; end runs and reset after."""
    for name in MLFLOW_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # mlflow has no public way to forget the experiment set_experiment chose: this private global is it.
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    mlflow.set_tracking_uri(keel_server.url)
    try:
        yield keel_server.url
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(None)
        # set_experiment and set_tracking_uri export these for child processes; monkeypatch only
        # restores variables that existed before the test.
        for name in MLFLOW_ENV_VARS:
            os.environ.pop(name, None)


@pytest.fixture
def experiment_name() -> str:
    """A name no other test on the shared server uses."""
    return f"compat-{uuid.uuid4().hex[:12]}"
