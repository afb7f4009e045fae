"""Model registry: registered models, versions, tags, aliases, events and webhooks

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("model_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("model_pk", name=op.f("pk_registered_models")),
        sa.UniqueConstraint("name", name=op.f("uq_registered_models_name")),
    )
    op.create_table(
        "registry_events",
        sa.Column("event_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=True),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("event_pk", name=op.f("pk_registry_events")),
    )
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_events_name_event_pk"), ["name", "event_pk"], unique=False
        )

    op.create_table(
        "webhooks",
        sa.Column("webhook_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("webhook_pk", name=op.f("pk_webhooks")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_webhooks_webhook_id")),
    )
    op.create_table(
        "model_versions",
        sa.Column("version_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("current_stage", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("storage_location", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("run_link", sa.Text(), nullable=True),
        sa.Column("model_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["registered_models.model_pk"],
            name=op.f("fk_model_versions_model_pk_registered_models"),
        ),
        sa.PrimaryKeyConstraint("version_pk", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("model_pk", "version", name=op.f("uq_model_versions_model_pk_version")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_versions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "registered_model_tags",
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["registered_models.model_pk"],
            name=op.f("fk_registered_model_tags_model_pk_registered_models"),
        ),
        sa.PrimaryKeyConstraint("model_pk", "key", name=op.f("pk_registered_model_tags")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("webhook_pk", sa.Integer(), nullable=False),
        sa.Column("event_pk", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("last_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"],
            ["registry_events.event_pk"],
            name=op.f("fk_webhook_deliveries_event_pk_registry_events"),
        ),
        sa.ForeignKeyConstraint(
            ["webhook_pk"], ["webhooks.webhook_pk"], name=op.f("fk_webhook_deliveries_webhook_pk_webhooks")
        ),
        sa.PrimaryKeyConstraint("delivery_pk", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_webhook_deliveries_delivery_id")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_webhook_pk_delivery_pk"),
            ["webhook_pk", "delivery_pk"],
            unique=False,
        )

    op.create_table(
        "model_version_tags",
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_pk"],
            ["model_versions.version_pk"],
            name=op.f("fk_model_version_tags_version_pk_model_versions"),
        ),
        sa.PrimaryKeyConstraint("version_pk", "key", name=op.f("pk_model_version_tags")),
    )
    op.create_table(
        "registered_model_aliases",
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=255), nullable=False),
        sa.Column("version_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["registered_models.model_pk"],
            name=op.f("fk_registered_model_aliases_model_pk_registered_models"),
        ),
        sa.ForeignKeyConstraint(
            ["version_pk"],
            ["model_versions.version_pk"],
            name=op.f("fk_registered_model_aliases_version_pk_model_versions"),
        ),
        sa.PrimaryKeyConstraint("model_pk", "alias", name=op.f("pk_registered_model_aliases")),
    )


def downgrade() -> None:
    op.drop_table("registered_model_aliases")
    op.drop_table("model_version_tags")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_webhook_pk_delivery_pk"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_status_next_attempt_at"))

    op.drop_table("webhook_deliveries")
    op.drop_table("registered_model_tags")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_versions_run_id"))

    op.drop_table("model_versions")
    op.drop_table("webhooks")
    with op.batch_alter_table("registry_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_events_name_event_pk"))

    op.drop_table("registry_events")
    op.drop_table("registered_models")
