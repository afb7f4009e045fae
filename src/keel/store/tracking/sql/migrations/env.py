"""Alembic environment: runs migrations on the connection keel hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from keel.store.registry.sql import schema as registry_schema
from keel.store.tracking.sql.migrations.env_constants import VERSION_TABLE
from keel.store.tracking.sql.schema import metadata

assert registry_schema.registered_models.metadata is metadata  # its tables are in the one schema

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
