"""A team deployment, started once per module: ``keel server --workers 4`` on a fresh database of the
real PostgreSQL and on an S3 bucket served by moto, as an operator would configure it."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from teamserver import WORKERS, Deployment, clean_env, run_keel_server

from s3server import S3Server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pgserver import PostgresServer


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


@pytest.fixture(scope="module")
def deployment(
    postgres_server: PostgresServer, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    database = f"team_{uuid.uuid4().hex[:12]}"
    # What an operator types: a plain postgresql:// URL, not SQLAlchemy's driver-qualified one.
    backend_uri = postgres_server.create_database(database).replace(
        "postgresql+psycopg://", "postgresql://", 1
    )
    bucket, prefix = s3_server.create_bucket(), "team-artifacts"
    env = clean_env(
        **s3_server.environment(),
        AWS_CONFIG_FILE="/nonexistent/keel-test-aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/keel-test-aws-credentials",
    )
    try:
        with run_keel_server(
            tmp_path_factory.mktemp("team-server"),
            backend_store_uri=backend_uri,
            artifacts_destination=f"s3://{bucket}/{prefix}",
            workers=WORKERS,
            env=env,
        ) as server:
            yield Deployment(server, s3_server, bucket, prefix)
    finally:
        postgres_server.drop_database(database)
