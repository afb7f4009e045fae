"""Initial tracking schema: experiments, runs, params, tags, metrics, latest metrics, datasets.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("artifact_location", sa.String(length=2048), nullable=False),
        sa.Column("lifecycle_stage", sa.String(length=32), nullable=False),
        sa.Column("creation_time", sa.BigInteger(), nullable=False),
        sa.Column("last_update_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", name=op.f("pk_experiments")),
        sa.UniqueConstraint("name", name=op.f("uq_experiments_name")),
    )
    op.create_table(
        "input_tags",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("dataset_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("run_pk", "dataset_pk", "key", name=op.f("pk_input_tags")),
    )
    op.create_table(
        "latest_metrics",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("is_nan", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("run_pk", "key_id", name=op.f("pk_latest_metrics")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("latest_metrics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_latest_metrics_key_id_value"), ["key_id", "value"], unique=False)

    op.create_table(
        "metric_keys",
        sa.Column("key_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_metric_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_metric_keys_key")),
    )
    op.create_table(
        "metrics",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("is_nan", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint(
            "run_pk", "key_id", "step", "timestamp", "is_nan", "value", name=op.f("pk_metrics")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "datasets",
        sa.Column("dataset_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=36), nullable=False),
        sa.Column("source_type", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("schema", sa.Text(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name=op.f("fk_datasets_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("dataset_pk", name=op.f("pk_datasets")),
        sa.UniqueConstraint(
            "experiment_id", "name", "digest", name=op.f("uq_datasets_experiment_id_name_digest")
        ),
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name=op.f("fk_experiment_tags_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("experiment_id", "key", name=op.f("pk_experiment_tags")),
    )
    op.create_table(
        "runs",
        sa.Column("run_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("lifecycle_stage", sa.String(length=32), nullable=False),
        sa.Column("deleted_time", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["experiment_id"], ["experiments.experiment_id"], name=op.f("fk_runs_experiment_id_experiments")
        ),
        sa.PrimaryKeyConstraint("run_pk", name=op.f("pk_runs")),
        sa.UniqueConstraint("run_id", name=op.f("uq_runs_run_id")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_runs_experiment_id_start_time"), ["experiment_id", "start_time"], unique=False
        )

    op.create_table(
        "inputs",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("dataset_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_pk"], ["datasets.dataset_pk"], name=op.f("fk_inputs_dataset_pk_datasets")
        ),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.run_pk"], name=op.f("fk_inputs_run_pk_runs")),
        sa.PrimaryKeyConstraint("run_pk", "dataset_pk", name=op.f("pk_inputs")),
    )
    with op.batch_alter_table("inputs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inputs_dataset_pk"), ["dataset_pk"], unique=False)

    op.create_table(
        "params",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.String(length=6000), nullable=False),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.run_pk"], name=op.f("fk_params_run_pk_runs")),
        sa.PrimaryKeyConstraint("run_pk", "key", name=op.f("pk_params")),
        sqlite_with_rowid=False,
    )
    _create_key_value_index("params")

    op.create_table(
        "tags",
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("value", sa.String(length=8000), nullable=False),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.run_pk"], name=op.f("fk_tags_run_pk_runs")),
        sa.PrimaryKeyConstraint("run_pk", "key", name=op.f("pk_tags")),
        sqlite_with_rowid=False,
    )
    _create_key_value_index("tags")


def _create_key_value_index(table: str) -> None:
    # PostgreSQL caps btree entries near 2.7 kB, too small for long values: index the key alone there.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(f"ix_{table}_key", table, ["key"])
    else:
        op.create_index(f"ix_{table}_key_value", table, ["key", "value"])


def _drop_key_value_index(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(f"ix_{table}_key", table)
    else:
        op.drop_index(f"ix_{table}_key_value", table)


def downgrade() -> None:
    _drop_key_value_index("tags")
    op.drop_table("tags")
    _drop_key_value_index("params")
    op.drop_table("params")
    with op.batch_alter_table("inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inputs_dataset_pk"))

    op.drop_table("inputs")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_experiment_id_start_time"))

    op.drop_table("runs")
    op.drop_table("experiment_tags")
    op.drop_table("datasets")
    op.drop_table("metrics")
    op.drop_table("metric_keys")
    with op.batch_alter_table("latest_metrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_latest_metrics_key_id_value"))

    op.drop_table("latest_metrics")
    op.drop_table("input_tags")
    op.drop_table("experiments")
