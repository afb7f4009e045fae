"""Isolation for the public-API tests: every test tracks into its own SQLite store under ``tmp_path``.

The fluent API keeps process-wide settings (tracking URI, active experiment) and a stack of active
runs; the autouse fixture gives each test a clean slate and leaves none behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from isolation import TRACKING_ENV_VARS, isolated_tracking

if TYPE_CHECKING:
    from pathlib import Path

SUBPROCESS_TIMEOUT_S = 60

RunPython = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Track into ``tmp_path / "store"``; afterwards end open runs, unset the URI and close every store."""
    with isolated_tracking(tmp_path, monkeypatch) as directory:
        yield directory


def child_env(store: Path, **overrides: str) -> dict[str, str]:
    """The environment of a child Python: this one without keel settings, tracking into ``store``."""
    env = {k: v for k, v in os.environ.items() if k not in TRACKING_ENV_VARS}
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
