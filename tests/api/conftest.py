"""Isolation for the public-API tests: every test tracks into its own SQLite store under ``tmp_path``.

The fluent API keeps process-wide settings (tracking URI, active experiment) and a stack of active
runs; the autouse fixture gives each test a clean slate and leaves none behind.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

import keel
from keel.errors import KeelError
from keel.tracking import fluent, stores, uris

if TYPE_CHECKING:
    from pathlib import Path

# Settings read from the environment that would let the developer's shell leak into a test.
KEEL_ENV_VARS = (
    "KEEL_TRACKING_URI",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_ID",
    "KEEL_ASYNC_LOGGING",
    "KEEL_ARTIFACT_ROOT",
    "KEEL_DISABLE_GIT_TAGS",
)
SUBPROCESS_TIMEOUT_S = 60

RunPython = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Track into ``tmp_path / "store"``; afterwards end open runs, unset the URI and close every store."""
    for name in KEEL_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # Three git calls per started run add up; git tags are tested in child processes (child_env).
    monkeypatch.setenv("KEEL_DISABLE_GIT_TAGS", "1")
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


def child_env(store: Path, **overrides: str) -> dict[str, str]:
    """The environment of a child Python: this one without keel settings, tracking into ``store``."""
    env = {k: v for k, v in os.environ.items() if k not in KEEL_ENV_VARS}
    env["KEEL_TRACKING_URI"] = str(store)
    env.update(overrides)
    return env


@pytest.fixture
def run_python(tmp_path: Path, store_dir: Path) -> RunPython:
    """Run Python code in a fresh interpreter that tracks into the test's store.

    ``run_python(code)`` runs ``python -c code``; ``run_python(code, script=path)`` writes the code
    to ``path`` and runs that file from its directory. Returns the finished process (text output).
    """

    def run(code: str, *, script: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        if script is None:
            argv, cwd = [sys.executable, "-c", code], tmp_path
        else:
            script.write_text(code, encoding="utf-8")
            argv, cwd = [sys.executable, str(script)], script.parent
        return subprocess.run(
            argv,
            cwd=cwd,
            env=child_env(store_dir, **env),
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_S,
            check=False,
        )

    return run
