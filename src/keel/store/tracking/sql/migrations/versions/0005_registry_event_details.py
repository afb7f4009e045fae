"""Registry events keep what their webhook payloads add to the row, as it was when the change was made

Events recorded before this revision have no details: their deliveries send empty tags.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("registry_events", sa.Column("details", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_events") as batch:
        batch.drop_column("details")
