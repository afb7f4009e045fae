"""Webhook delivery attempts: one row per POST, with its answer or error

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_delivery_attempts",
        sa.Column("delivery_pk", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_pk"],
            ["webhook_deliveries.delivery_pk"],
            name=op.f("fk_webhook_delivery_attempts_delivery_pk_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint("delivery_pk", "attempt", name=op.f("pk_webhook_delivery_attempts")),
    )


def downgrade() -> None:
    op.drop_table("webhook_delivery_attempts")
