"""Logged models (MLflow 3): models with their params and tags, and the runs that output them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "logged_models",
        sa.Column("model_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("artifact_location", sa.Text(), nullable=False),
        sa.Column("creation_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("lifecycle_stage", sa.String(length=32), nullable=False),
        sa.Column("model_type", sa.String(length=500), nullable=True),
        sa.Column("source_run_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name=op.f("fk_logged_models_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("model_pk", name=op.f("pk_logged_models")),
        sa.UniqueConstraint("model_id", name=op.f("uq_logged_models_model_id")),
    )
    op.create_index(
        op.f("ix_logged_models_experiment_id_creation_timestamp_ms"),
        "logged_models",
        ["experiment_id", "creation_timestamp_ms"],
        unique=False,
    )
    op.create_index(
        op.f("ix_logged_models_experiment_id_name"), "logged_models", ["experiment_id", "name"], unique=False
    )
    op.create_table(
        "logged_model_params",
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["logged_models.model_pk"],
            name=op.f("fk_logged_model_params_model_pk_logged_models"),
        ),
        sa.PrimaryKeyConstraint("model_pk", "key", name=op.f("pk_logged_model_params")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "logged_model_tags",
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"], ["logged_models.model_pk"], name=op.f("fk_logged_model_tags_model_pk_logged_models")
        ),
        sa.PrimaryKeyConstraint("model_pk", "key", name=op.f("pk_logged_model_tags")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "run_outputs",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"], ["logged_models.model_pk"], name=op.f("fk_run_outputs_model_pk_logged_models")
        ),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.run_pk"], name=op.f("fk_run_outputs_run_pk_runs")),
        sa.PrimaryKeyConstraint("run_pk", "model_pk", "step", name=op.f("pk_run_outputs")),
    )
    op.create_index(op.f("ix_run_outputs_model_pk"), "run_outputs", ["model_pk"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_run_outputs_model_pk"), table_name="run_outputs")
    op.drop_table("run_outputs")
    op.drop_table("logged_model_tags")
    op.drop_table("logged_model_params")
    op.drop_index(op.f("ix_logged_models_experiment_id_name"), table_name="logged_models")
    op.drop_index(op.f("ix_logged_models_experiment_id_creation_timestamp_ms"), table_name="logged_models")
    op.drop_table("logged_models")
