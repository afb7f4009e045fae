"""Alembic's head builds exactly the schema that schema.py declares, on every dialect."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from keel.store.tracking.sql import migrate
from keel.store.tracking.sql.migrations.env_constants import VERSION_TABLE
from keel.store.tracking.sql.schema import metadata


def _schema_differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            diffs = compare_metadata(context, metadata)
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
        return [d for d in diffs if not _is_dialect_conditional_index(d)]
    finally:
        engine.dispose()


def _is_dialect_conditional_index(diff: object) -> bool:
    # The params/tags value indexes exist per dialect (see schema.py); alembic compares them as if
    # every dialect had both.
    return (
        isinstance(diff, tuple)
        and diff[0] in ("add_index", "remove_index")
        and diff[1].name.startswith(("ix_params_key", "ix_tags_key"))
    )


def test_head_revision_constant_matches_the_migration_scripts():
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == migrate.HEAD_REVISION


def test_sqlite_schema_after_upgrade_matches_declared_schema(tmp_path):
    assert _schema_differences(f"sqlite:///{tmp_path / 'm.db'}") == []


@pytest.mark.postgres
def test_postgresql_schema_after_upgrade_matches_declared_schema(postgres_server):
    name = f"mig_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)
    try:
        assert _schema_differences(url) == []
    finally:
        postgres_server.drop_database(name)


def test_upgrade_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
    finally:
        engine.dispose()
