"""The web UI's file downloads: ``GET /get-artifact?run_id=&path=``, the route MLflow's server has for it.

It reads a file of a run from the run's own artifact store: the proxied root for runs under
``mlflow-artifacts:``, else the repository of the run's artifact URI (a folder inside the artifact
destination, an object store). The file streams with the MIME type its name suggests, as an
attachment, with ``nosniff``. The server never fetches from a URL on a client's behalf.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from keel.errors import InvalidParameter
from keel.server.routes.artifacts import download_response, run_repository
from keel.store.artifacts import validate_relative_path

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import StreamingResponse

    from keel.server.state import Stores


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
    repo, base = run_repository(stores, run.info.artifact_uri)
    return await download_response(repo, posixpath.join(base, path) if base else path)


ROUTES = [Route("/get-artifact", get_artifact, methods=["GET"])]
