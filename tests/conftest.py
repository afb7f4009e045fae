"""Fixtures for the whole suite: one PostgreSQL server per session and the tracking stores under contract.

``tracking_store`` runs each contract test once per backend in ``TRACKING_STORE_BACKENDS``; a new
backend (a live ``rest`` server, say) is one more factory there and one more entry in its params.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine

from keel.server.settings import ServerSettings
from keel.store.registry.base import RegistryStore
from keel.store.registry.rest import RestRegistryStore
from keel.store.registry.sql import SqlRegistryStore
from keel.store.tracking.base import TrackingStore
from keel.store.tracking.rest import RestTrackingStore
from keel.store.tracking.sql import migrate
from keel.store.tracking.sql.store import SqlTrackingStore
from liveserver import LiveServer
from pgserver import PostgresServer, postgres_unavailable_reason

if TYPE_CHECKING:
    from pathlib import Path

REQUIRE_POSTGRES_ENV = "KEEL_REQUIRE_POSTGRES"
CLOCK_START_MS = 1_700_000_000_000


class Clock:
    """Epoch milliseconds for a store: one millisecond later on every read, so times are distinct and known.

    ``now`` is the last time handed out; a test may set it to move time forward or back.
    """

    def __init__(self, start: int = CLOCK_START_MS) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1
        return self.now


@dataclass(frozen=True)
class StoreContext:
    """What a backend factory gets: the test's request (to reach other fixtures lazily), a private
    directory, the clock and the artifact root every new experiment's location must start with."""

    request: pytest.FixtureRequest
    tmp_path: Path
    clock: Clock
    artifact_root: str


TrackingStoreFactory = Callable[[StoreContext], AbstractContextManager[TrackingStore]]


@contextlib.contextmanager
def _sqlite_tracking_store(ctx: StoreContext) -> Iterator[TrackingStore]:
    path = ctx.tmp_path / "tracking.db"
    shutil.copyfile(ctx.request.getfixturevalue("sqlite_schema_template"), path)
    store = SqlTrackingStore(f"sqlite:///{path}", ctx.artifact_root, clock=ctx.clock)
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def _postgresql_tracking_store(ctx: StoreContext) -> Iterator[TrackingStore]:
    server: PostgresServer = ctx.request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex}"
    store = SqlTrackingStore(server.create_database(name), ctx.artifact_root, clock=ctx.clock)
    try:
        yield store
    finally:
        store.close()
        server.drop_database(name)


@contextlib.contextmanager
def _rest_tracking_store(ctx: StoreContext) -> Iterator[TrackingStore]:
    """keel's REST client against a live keel server over its own SQLite file."""
    path = ctx.tmp_path / "tracking.db"
    shutil.copyfile(ctx.request.getfixturevalue("sqlite_schema_template"), path)
    settings = ServerSettings(f"sqlite:///{path}", ctx.artifact_root, serve_artifacts=False)
    with (
        LiveServer(settings, clock=ctx.clock) as server,
        contextlib.closing(RestTrackingStore(server.url, clock=ctx.clock)) as store,
    ):
        yield store


TRACKING_STORE_BACKENDS: dict[str, TrackingStoreFactory] = {
    "sqlite": _sqlite_tracking_store,
    "postgresql": _postgresql_tracking_store,
    "rest": _rest_tracking_store,
}


@pytest.fixture(scope="session")
def sqlite_schema_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to the current schema, once per session.

    Each test's store opens a copy: it still checks the revision and creates the Default
    experiment with its own clock and artifact root, but skips re-running every migration.
    """
    path = tmp_path_factory.mktemp("sqlite-schema") / "tracking.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the whole session; skipped (or, in CI, failed) when it cannot start."""
    server = PostgresServer()
    reason = postgres_unavailable_reason()
    if reason is None:
        try:
            server.start()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            reason = f"PostgreSQL failed to start: {exc}"
    if reason is not None:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but PostgreSQL is unavailable: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL is unavailable: {reason}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def clock() -> Clock:
    """The clock the test's store reads (creation, start and update times)."""
    return Clock()


@pytest.fixture
def artifact_root(tmp_path: Path) -> str:
    """The default artifact root of the test's store, a ``file://`` URI in ``tmp_path``."""
    return (tmp_path / "artifacts").as_uri()


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("rest"),
    ]
)
def tracking_store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, artifact_root: str
) -> Iterator[TrackingStore]:
    """A fresh, empty tracking store (only the Default experiment) on each backend, closed afterwards."""
    factory = TRACKING_STORE_BACKENDS[request.param]
    with factory(StoreContext(request, tmp_path, clock, artifact_root)) as store:
        yield store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, artifact_root: str
) -> Iterator[TrackingStore]:
    """The SQL backends only, for tests of SQL-specific pieces (sampling, migrations)."""
    with TRACKING_STORE_BACKENDS[request.param](
        StoreContext(request, tmp_path, clock, artifact_root)
    ) as store:
        yield store


@dataclass(frozen=True)
class RegistryUnderTest:
    """A registry store and the tracking store of the same backend (runs and logged models are
    read from it)."""

    tracking: TrackingStore
    registry: RegistryStore


def registry_beside(tracking: TrackingStore, clock: Clock) -> RegistryStore:
    if isinstance(tracking, RestTrackingStore):
        return RestRegistryStore(tracking.http)
    assert isinstance(tracking, SqlTrackingStore)
    return SqlRegistryStore(tracking, clock=clock)


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("rest"),
    ]
)
def stores(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, artifact_root: str
) -> Iterator[RegistryUnderTest]:
    """A fresh registry (and its tracking store) on each backend."""
    factory = TRACKING_STORE_BACKENDS[request.param]
    with factory(StoreContext(request, tmp_path, clock, artifact_root)) as tracking:
        yield RegistryUnderTest(tracking, registry_beside(tracking, clock))
