"""Fixtures for the webhook tests: quick retries, private receiver URLs allowed, a live keel server
over a fresh SQLite file, its REST API, and a local receiver."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from keel_api import KeelApi
from webhook_receiver import Receiver

from keel.server.settings import ServerSettings
from liveserver import LiveServer

FAST_DELIVERY = {
    "KEEL_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "KEEL_WEBHOOK_POLL_SECONDS": "0.05",
    "KEEL_WEBHOOK_BACKOFF_SECONDS": "0.05",
    "KEEL_WEBHOOK_BACKOFF_MAX_SECONDS": "0.2",
    "KEEL_WEBHOOK_MAX_ATTEMPTS": "3",
    "KEEL_WEBHOOK_TIMEOUT_SECONDS": "5",
}


@pytest.fixture(autouse=True)
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings read when a server starts (and, for private URLs, on every check)."""
    for name, value in FAST_DELIVERY.items():
        monkeypatch.setenv(name, value)
    return FAST_DELIVERY


@pytest.fixture
def server_settings(tmp_path: Path, sqlite_schema_template: Path) -> ServerSettings:
    database = tmp_path / "server" / "keel.db"
    database.parent.mkdir()
    shutil.copyfile(sqlite_schema_template, database)
    return ServerSettings(f"sqlite:///{database}", (tmp_path / "server" / "artifacts").as_uri())


@pytest.fixture
def server(server_settings: ServerSettings, webhook_env: dict[str, str]) -> Iterator[LiveServer]:
    with LiveServer(server_settings) as live:
        yield live


@pytest.fixture
def api(server: LiveServer) -> Iterator[KeelApi]:
    client = KeelApi(server.url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
