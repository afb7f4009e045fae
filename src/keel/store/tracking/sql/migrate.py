"""Bring a tracking database to the current schema with Alembic, cheaply when it already is."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from keel.store.tracking.sql.migrations.env_constants import VERSION_TABLE

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD_REVISION = "0005"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(engine: Engine) -> None:
    """``alembic upgrade head``; a no-op costing one query when the schema is current."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
