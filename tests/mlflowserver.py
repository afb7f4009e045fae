"""A real ``mlflow server`` (3.17, SQLite, proxied artifacts) in a subprocess, for side-by-side tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from liveserver import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Imports, then every Alembic migration on a new SQLite file: MLflow is slow to start on a busy machine.
STARTUP_TIMEOUT_S = 180
# The child must not inherit where this process tracks to.
INHERITED_SETTINGS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME")


@contextlib.contextmanager
def running_mlflow_server(root: Path) -> Iterator[str]:
    """``python -m mlflow server`` over ``root``, polled on /health; yields its URL, stops it after."""
    port = free_port()
    log_path = root / "server.log"
    argv = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"]
    argv += ["--artifacts-destination", str(root / "artifacts"), "--workers", "1"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_") and k not in INHERITED_SETTINGS}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    with log_path.open("wb") as log:
        # The server runs its workers as child processes: a session of their own lets us stop them all.
        process = subprocess.Popen(
            argv, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, process, log_path)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mlflow server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"mlflow server did not answer /health within {STARTUP_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}"
    )
