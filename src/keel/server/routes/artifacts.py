"""Artifacts: run artifact listings, and the mlflow-artifacts proxy so clients need no storage credentials.

The proxy maps ``mlflow-artifacts:/<path>`` onto ``--artifacts-destination``; uploads are
spooled to disk past a few MiB and downloads stream in chunks, so no transfer is held in memory.
"""

from __future__ import annotations

import mimetypes
import posixpath
import tempfile
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from keel.errors import InvalidParameter, Unsupported
from keel.server.endpoints import Endpoint
from keel.server.responses import json_response
from keel.server.routes.runs import RUN_ID, run_id_of
from keel.server.settings import MLFLOW_ARTIFACTS_ROOT
from keel.server.wire import Field, Kind
from keel.store.artifacts import ArtifactRepository, get_artifact_repository, validate_relative_path

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

    from keel.server.state import Stores

CHUNK_SIZE = 1024 * 1024
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024


def _proxied_root(stores: Stores) -> ArtifactRepository:
    if stores.artifacts is None:
        raise Unsupported("This server does not serve artifacts (started without --serve-artifacts)")
    return stores.artifacts


def _run_repository(stores: Stores, artifact_uri: str) -> tuple[ArtifactRepository, str]:
    """The repository holding a run's artifacts and the run's path inside it."""
    if artifact_uri.startswith(MLFLOW_ARTIFACTS_ROOT):
        path = artifact_uri.removeprefix(MLFLOW_ARTIFACTS_ROOT).lstrip("/")
        return _proxied_root(stores), validate_relative_path(path)
    return get_artifact_repository(artifact_uri), ""


def list_run_artifacts(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    run = stores.tracking.get_run(run_id_of(f))
    relative = validate_relative_path(f["path"])
    repo, base = _run_repository(stores, run.info.artifact_uri)
    listed = repo.list_artifacts(posixpath.join(base, relative) if base else relative or None)
    files = []
    for info in listed:
        path = info.path[len(base) + 1 :] if base else info.path
        entry = {"path": path, "is_dir": info.is_dir}
        if not info.is_dir and info.file_size is not None:
            entry["file_size"] = info.file_size
        files.append(entry)
    out: dict[str, Any] = {"root_uri": run.info.artifact_uri}
    if files:
        out["files"] = files
    return out


ENDPOINTS = [
    Endpoint(
        "/artifacts/list",
        ("GET",),
        list_run_artifacts,
        {**RUN_ID, "path": Field(Kind.STRING), "page_token": Field(Kind.STRING)},
    ),
]


# The mlflow-artifacts proxy


async def upload_artifact(request: Request) -> Response:
    repo = _proxied_root(request.app.state.stores)
    path = validate_relative_path(request.path_params["artifact_path"])
    with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY_BYTES) as spool:
        async for chunk in request.stream():
            await run_in_threadpool(spool.write, chunk)
        spool.seek(0)
        await run_in_threadpool(repo.write_stream, path, spool)  # type: ignore[arg-type]
    return json_response({})


async def download_artifact(request: Request) -> Response:
    repo = _proxied_root(request.app.state.stores)
    path = validate_relative_path(request.path_params["artifact_path"])
    stream = await run_in_threadpool(repo.open_read, path)
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    filename = posixpath.basename(path)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(filename)}",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(_chunks(stream), media_type=media_type, headers=headers)


async def _chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    try:
        async for chunk in iterate_in_threadpool(iter(lambda: stream.read(CHUNK_SIZE), b"")):
            yield chunk
    finally:
        stream.close()


def _quote(name: str) -> str:
    return quote(name, safe="")


async def list_proxied(request: Request) -> Response:
    repo = _proxied_root(request.app.state.stores)
    path = validate_relative_path(request.query_params.get("path"))
    listed = await run_in_threadpool(repo.list_artifacts, path or None)
    files = []
    for info in listed:
        entry: dict[str, Any] = {"path": posixpath.basename(info.path), "is_dir": info.is_dir}
        if not info.is_dir and info.file_size is not None:
            entry["file_size"] = info.file_size
        files.append(entry)
    return json_response({"files": files} if files else {})


async def delete_artifact(request: Request) -> Response:
    repo = _proxied_root(request.app.state.stores)
    path = validate_relative_path(request.path_params["artifact_path"])
    if not path:
        raise InvalidParameter("Refusing to delete the artifact root")
    await run_in_threadpool(repo.delete_artifacts, path)
    return json_response({})


def _proxy_routes(prefix: str) -> list[BaseRoute]:
    base = f"{prefix}/2.0/mlflow-artifacts/artifacts"
    return [
        Route(base, list_proxied, methods=["GET"]),
        Route(f"{base}/{{artifact_path:path}}", download_artifact, methods=["GET"]),
        Route(f"{base}/{{artifact_path:path}}", upload_artifact, methods=["PUT"]),
        Route(f"{base}/{{artifact_path:path}}", delete_artifact, methods=["DELETE"]),
    ]


PROXY_ROUTES = [*_proxy_routes("/api"), *_proxy_routes("/ajax-api")]
