"""Fixtures for the REST store tests: a live keel server over its own SQLite file, a private spool
directory, and retries shortened so an outage shows within a second."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from rest_servers import FAST_RETRIES, KEEL_ENV_VARS, PinnedLiveServer, start_server

import keel
from keel.errors import KeelError
from keel.tracking import fluent, stores, uris


@pytest.fixture(autouse=True)
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``KEEL_SPOOL_DIR`` in ``tmp_path``, no keel settings from the shell, quick retries; afterwards
    every run is ended and every store closed."""
    for name in KEEL_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAST_RETRIES.items():
        monkeypatch.setenv(name, value)
    spool = tmp_path / "spool"
    monkeypatch.setenv("KEEL_SPOOL_DIR", str(spool))
    # keel has no public way to forget the experiment set_experiment chose: this private global is it.
    monkeypatch.setattr(fluent, "_experiment_id", None)
    try:
        yield spool
    finally:
        try:
            while keel.active_run() is not None:
                with contextlib.suppress(KeelError):
                    keel.end_run()
        finally:
            uris.set_tracking_uri(None)
            with contextlib.suppress(KeelError):
                stores.close_all()


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    """Where the test's keel server keeps its SQLite file and artifacts."""
    return tmp_path / "server"


@pytest.fixture
def server(server_dir: Path) -> Iterator[PinnedLiveServer]:
    """A live keel server; the test may stop it (stopping twice is harmless)."""
    live = start_server(server_dir)
    try:
        yield live
    finally:
        live.stop()
