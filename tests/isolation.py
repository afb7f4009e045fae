"""One test's clean slate for keel's process-wide tracking state.

The fluent API keeps process-wide settings (tracking URI, active experiment) and a stack of active
runs; ``isolated_tracking`` gives a test its own SQLite store and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import keel
from keel.errors import KeelError
from keel.tracking import fluent, stores, uris

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import pytest

# Settings read from the environment that would let the developer's shell leak into a test.
TRACKING_ENV_VARS = (
    "KEEL_TRACKING_URI",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_ID",
    "MLFLOW_RUN_ID",
    "KEEL_ASYNC_LOGGING",
    "KEEL_ARTIFACT_ROOT",
    "KEEL_DISABLE_GIT_TAGS",
    "KEEL_SPOOL_DIR",
)


@contextlib.contextmanager
def isolated_tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Track into ``tmp_path / "store"``; afterwards end open runs, unset the URI and close every store."""
    for name in TRACKING_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # Three git calls per started run add up; git tags are tested in child processes.
    monkeypatch.setenv("KEEL_DISABLE_GIT_TAGS", "1")
    monkeypatch.setenv("KEEL_SPOOL_DIR", str(tmp_path / "spool"))
    # keel (like MLflow) has no public way to clear the active experiment once set_experiment, or
    # MLFLOW_EXPERIMENT_NAME, picked one: this private global is the only reset there is.
    monkeypatch.setattr(fluent, "_experiment_id", None)
    directory = tmp_path / "store"
    keel.set_tracking_uri(directory)
    try:
        yield directory
    finally:
        try:
            while keel.active_run() is not None:
                # A test may leave a run that cannot be ended (deleted under it); end_run still pops it.
                with contextlib.suppress(KeelError):
                    keel.end_run()
        finally:
            uris.set_tracking_uri(None)
            stores.close_all()
