"""The web UI's file downloads: ``GET /get-artifact?run_id=&path=``, the route MLflow's server has for it.

It reads a file of a run from the run's own artifact store: the proxied root for runs under
``mlflow-artifacts:``, else the repository of the run's artifact URI (a folder inside the artifact
destination, an object store). The file streams with the MIME type its name suggests, as an
attachment, with ``nosniff``. The server never fetches from a URL on a client's behalf.
"""

from __future__ import annotations

import mimetypes
import posixpath
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import quote

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.routing import Route

from keel.errors import InvalidParameter, Unsupported
from keel.server.routes.artifacts import REMOTE_FETCH_SCHEMES
from keel.server.settings import MLFLOW_ARTIFACTS_ROOT
from keel.store.artifacts import get_artifact_repository, validate_relative_path
from keel.store.artifacts.uris import uri_scheme

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

    from keel.server.state import Stores
    from keel.store.artifacts import ArtifactRepository

CHUNK_SIZE = 1024 * 1024


def run_file_location(stores: Stores, artifact_uri: str, path: str) -> tuple[ArtifactRepository, str]:
    """The repository holding a run's file and the file's path inside it."""
    if artifact_uri.startswith(MLFLOW_ARTIFACTS_ROOT):
        if stores.artifacts is None:
            raise Unsupported("This server does not serve artifacts (started without --serve-artifacts)")
        base = validate_relative_path(artifact_uri.removeprefix(MLFLOW_ARTIFACTS_ROOT).lstrip("/"))
        return stores.artifacts, posixpath.join(base, path) if base else path
    if uri_scheme(artifact_uri) in REMOTE_FETCH_SCHEMES:
        raise InvalidParameter(f"Artifacts at '{artifact_uri}' are not served by this server")
    return get_artifact_repository(artifact_uri), path


async def _chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    try:
        async for chunk in iterate_in_threadpool(iter(lambda: stream.read(CHUNK_SIZE), b"")):
            yield chunk
    finally:
        stream.close()


async def get_artifact(request: Request) -> StreamingResponse:
    params = request.query_params
    run_id = params.get("run_id") or params.get("run_uuid")
    if not run_id:
        raise InvalidParameter("Missing value for required parameter 'run_id'")
    path = validate_relative_path(params.get("path"))
    if not path:
        raise InvalidParameter("Missing value for required parameter 'path'")
    stores: Stores = request.app.state.stores
    run = await run_in_threadpool(stores.tracking.get_run, run_id)
    repo, location = run_file_location(stores, run.info.artifact_uri, path)
    stream = await run_in_threadpool(repo.open_read, location)
    filename = posixpath.basename(path)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
    }
    media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return StreamingResponse(_chunks(stream), media_type=media_type, headers=headers)


ROUTES = [Route("/get-artifact", get_artifact, methods=["GET"])]
