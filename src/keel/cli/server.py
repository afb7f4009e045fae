"""``keel server``: the tracking server and artifact proxy under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click

from keel.tracking.uris import DEFAULT_DATA_DIR


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Bind address; 0.0.0.0 exposes the server."
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--backend-store-uri",
    default=None,
    help="sqlite:///path.db or postgresql://user@host/db  [default: ./keel-data/keel.db]",
)
@click.option(
    "--artifacts-destination",
    default=None,
    help="Where proxied artifacts go: a directory, file:// or s3:// URI  [default: ./keel-data/artifacts]",
)
@click.option("--serve-artifacts/--no-serve-artifacts", default=True, show_default=True)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--log-level", default="info", show_default=True)
def server(
    host: str,
    port: int,
    backend_store_uri: str | None,
    artifacts_destination: str | None,
    serve_artifacts: bool,
    workers: int,
    log_level: str,
) -> None:
    """Serve MLflow's REST API, the artifact proxy and health checks."""
    import uvicorn

    from keel.server.main import settings_to_env
    from keel.server.settings import ServerSettings

    data_dir = Path.cwd() / DEFAULT_DATA_DIR
    embedded = ServerSettings.embedded(data_dir)
    destination = artifacts_destination or embedded.artifacts_destination
    if "://" not in destination:
        destination = Path(destination).resolve().as_uri()
    settings = ServerSettings(backend_store_uri or embedded.backend_store_uri, destination, serve_artifacts)
    os.environ.update(settings_to_env(settings))
    # Create or migrate the schema once, before workers race to do it.
    from keel.server.app import open_stores

    open_stores(settings).tracking.close()
    click.echo(f"keel server on http://{host}:{port}  (store: {settings.backend_store_uri})", err=True)
    uvicorn.run(
        "keel.server.main:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
