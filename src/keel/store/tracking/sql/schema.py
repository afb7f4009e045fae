"""The tracking schema as SQLAlchemy Core tables, shaped for the hot paths.

Metric points live in a narrow table keyed (run, key, step, timestamp, value) with small
integer surrogates for runs and metric keys; the latest value per (run, key) has its own
table, updated in the same transaction, for search and sorting.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Double = Float(precision=53)

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("artifact_location", String(2048), nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("experiment_id", "key"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_pk", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, unique=True),
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("name", String(250), nullable=False),
    Column("user_id", String(256), nullable=False),
    Column("status", String(20), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("artifact_uri", Text, nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("deleted_time", BigInteger),
    Index(None, "experiment_id", "start_time"),
)

params = Table(
    "params",
    metadata,
    Column("run_pk", Integer, ForeignKey("runs.run_pk"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", String(6000), nullable=False),
    PrimaryKeyConstraint("run_pk", "key"),
    sqlite_with_rowid=False,
)

tags = Table(
    "tags",
    metadata,
    Column("run_pk", Integer, ForeignKey("runs.run_pk"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", String(8000), nullable=False),
    PrimaryKeyConstraint("run_pk", "key"),
    sqlite_with_rowid=False,
)

metric_keys = Table(
    "metric_keys",
    metadata,
    Column("key_id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(250), nullable=False, unique=True),
)

metrics = Table(
    "metrics",
    metadata,
    Column("run_pk", Integer, nullable=False),
    Column("key_id", Integer, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("value", Double, nullable=False),
    PrimaryKeyConstraint("run_pk", "key_id", "step", "timestamp", "is_nan", "value"),
    sqlite_with_rowid=False,
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_pk", Integer, nullable=False),
    Column("key_id", Integer, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("value", Double, nullable=False),
    PrimaryKeyConstraint("run_pk", "key_id"),
    Index(None, "key_id", "value"),
    sqlite_with_rowid=False,
)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_pk", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("schema", Text),
    Column("profile", Text),
    UniqueConstraint("experiment_id", "name", "digest"),
)

inputs = Table(
    "inputs",
    metadata,
    Column("run_pk", Integer, ForeignKey("runs.run_pk"), nullable=False),
    Column("dataset_pk", Integer, ForeignKey("datasets.dataset_pk"), nullable=False),
    PrimaryKeyConstraint("run_pk", "dataset_pk"),
    Index(None, "dataset_pk"),
)

input_tags = Table(
    "input_tags",
    metadata,
    Column("run_pk", Integer, nullable=False),
    Column("dataset_pk", Integer, nullable=False),
    Column("key", String(255), nullable=False),
    Column("value", String(500), nullable=False),
    PrimaryKeyConstraint("run_pk", "dataset_pk", "key"),
)

# Filters like ``params.lr = '0.1'`` become index lookups. PostgreSQL's btree entries are
# capped near 2.7 kB, so there the index covers the key alone and the value is checked per row.
for _table in (params, tags):
    Index(f"ix_{_table.name}_key_value", _table.c.key, _table.c.value).ddl_if(dialect="sqlite")
    Index(f"ix_{_table.name}_key", _table.c.key).ddl_if(dialect="postgresql")

# Logged models (MLflow 3): an integer surrogate key as for runs; ``model_id`` is the public "m-<hex>".
# ``source_run_id`` is not a foreign key: MLflow accepts any id there, and the model outlives its run.
logged_models = Table(
    "logged_models",
    metadata,
    Column("model_pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(64), nullable=False, unique=True),
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("artifact_location", Text, nullable=False),
    Column("creation_timestamp_ms", BigInteger, nullable=False),
    Column("last_updated_timestamp_ms", BigInteger, nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_message", Text),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("model_type", String(500)),
    Column("source_run_id", String(64)),
    Index(None, "experiment_id", "creation_timestamp_ms"),
    Index(None, "experiment_id", "name"),
)

logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column("model_pk", Integer, ForeignKey("logged_models.model_pk"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("model_pk", "key"),
    sqlite_with_rowid=False,
)

logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column("model_pk", Integer, ForeignKey("logged_models.model_pk"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("model_pk", "key"),
    sqlite_with_rowid=False,
)

run_outputs = Table(
    "run_outputs",
    metadata,
    Column("run_pk", Integer, ForeignKey("runs.run_pk"), nullable=False),
    Column("model_pk", Integer, ForeignKey("logged_models.model_pk"), nullable=False),
    Column("step", BigInteger, nullable=False),
    PrimaryKeyConstraint("run_pk", "model_pk", "step"),
    Index(None, "model_pk"),
)
