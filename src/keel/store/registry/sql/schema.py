"""Registry tables, in the tracking database's metadata (one schema, one migration history).

Versions are never reused: a deleted version keeps its row, marked deleted, as in MLflow.
Every change also writes a ``registry_events`` row in the same transaction: that table is the
audit history and the outbox webhook deliveries are made from.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from keel.store.tracking.sql.schema import metadata

registered_models = Table(
    "registered_models",
    metadata,
    Column("model_pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", Text),
    Column("user_id", String(256)),
)

registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column("model_pk", Integer, ForeignKey("registered_models.model_pk"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("model_pk", "key"),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("version_pk", Integer, primary_key=True, autoincrement=True),
    Column("model_pk", Integer, ForeignKey("registered_models.model_pk"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
    Column("description", Text),
    Column("user_id", String(256)),
    Column("current_stage", String(20), nullable=False),
    Column("source", Text, nullable=False),
    # Where the version's files are: a copy in the registry's own storage.
    Column("storage_location", Text, nullable=False),
    Column("run_id", String(64)),
    Column("run_link", Text),
    Column("model_id", String(64)),
    Column("status", String(32), nullable=False),
    Column("status_message", Text),
    Column("deleted", Integer, nullable=False, default=0),
    UniqueConstraint("model_pk", "version"),
    Index(None, "run_id"),
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column("version_pk", Integer, ForeignKey("model_versions.version_pk"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("version_pk", "key"),
)

registered_model_aliases = Table(
    "registered_model_aliases",
    metadata,
    Column("model_pk", Integer, ForeignKey("registered_models.model_pk"), nullable=False),
    Column("alias", String(255), nullable=False),
    Column("version_pk", Integer, ForeignKey("model_versions.version_pk"), nullable=False),
    PrimaryKeyConstraint("model_pk", "alias"),
)

# The model's name is copied into each event, so the history outlives a deletion or rename.
# ``details`` (migration 0005) is what a webhook payload adds to the row, as JSON, as it was then.
registry_events = Table(
    "registry_events",
    metadata,
    Column("event_pk", Integer, primary_key=True, autoincrement=True),
    Column("timestamp", BigInteger, nullable=False),
    Column("action", String(64), nullable=False),
    Column("name", String(256), nullable=False),
    Column("version", String(32)),
    Column("key", String(255)),
    Column("from_value", Text),
    Column("to_value", Text),
    Column("user_id", String(256)),
    Column("details", Text),
    Index(None, "name", "event_pk"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("webhook_pk", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", String(64), nullable=False, unique=True),
    Column("name", String(63), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", Text, nullable=False),  # a JSON list of RegistryAction values
    Column("secret", Text),
    Column("status", String(16), nullable=False),
    Column("description", Text),
    Column("creation_timestamp", BigInteger, nullable=False),
    Column("last_updated_timestamp", BigInteger, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_pk", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(64), nullable=False, unique=True),
    Column("webhook_pk", Integer, ForeignKey("webhooks.webhook_pk"), nullable=False),
    Column("event_pk", Integer, ForeignKey("registry_events.event_pk"), nullable=False),
    Column("status", String(16), nullable=False),  # PENDING, SUCCEEDED, FAILED
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("last_attempt_at", BigInteger),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("error", Text),
    Column("creation_timestamp", BigInteger, nullable=False),
    Index(None, "status", "next_attempt_at"),
    Index(None, "webhook_pk", "delivery_pk"),
)

# One row per POST of a delivery (migration 0004); the delivery row keeps the last one's result.
webhook_delivery_attempts = Table(
    "webhook_delivery_attempts",
    metadata,
    Column("delivery_pk", Integer, ForeignKey("webhook_deliveries.delivery_pk"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("duration_ms", Integer),
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("error", Text),
    PrimaryKeyConstraint("delivery_pk", "attempt"),
)
