"""Engines for the tracking database: SQLite tuned for one writer per process, or PostgreSQL via psycopg 3.

SQLite gets two engines on one file: writes open with ``BEGIN IMMEDIATE`` so a
transaction that reads then writes never dies on a lock upgrade, reads stay deferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool, StaticPool

from keel.errors import InvalidParameter

if TYPE_CHECKING:
    import sqlite3

SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class Engines:
    reader: Engine
    writer: Engine

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def create_engines(uri: str) -> Engines:
    url = make_url(uri)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engines(uri)
    if backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        return Engines(reader=engine, writer=engine)
    raise InvalidParameter(
        f"Unsupported tracking database URI '{url.render_as_string(hide_password=True)}': "
        "use sqlite:///path/to/file.db or postgresql://user@host/db"
    )


def sqlite_database_path(uri: str) -> Path | None:
    """The file behind a SQLite URI, or None for an in-memory database."""
    database = make_url(uri).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _sqlite_engines(uri: str) -> Engines:
    path = sqlite_database_path(uri)
    if path is None:
        # One shared in-memory connection, or every new connection would see an empty database.
        engine = create_engine(uri, poolclass=StaticPool, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, begin="BEGIN IMMEDIATE")
        return Engines(reader=engine, writer=engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    writer = create_engine(uri, connect_args=connect_args, pool_size=1, max_overflow=4)
    reader = create_engine(uri, connect_args=connect_args, poolclass=QueuePool, pool_size=4)
    _configure_sqlite(writer, begin="BEGIN IMMEDIATE")
    _configure_sqlite(reader, begin="BEGIN")
    return Engines(reader=reader, writer=writer)


def _configure_sqlite(engine: Engine, *, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)
