"""Artifacts: run artifact listings, and the mlflow-artifacts proxy so clients need no storage credentials.

The proxy maps ``mlflow-artifacts:/<path>`` onto ``--artifacts-destination``. Uploads stream from the
request into the destination through a bounded pipe (a few request chunks in flight, nothing
spooled); downloads stream in chunks. Besides MLflow's PUT/GET/list/DELETE it serves MLflow's
presigned multipart endpoints (``mpu/``, object-store destinations only) and keel's resumable
uploads, under ``/api/2.0/mlflow-artifacts/uploads/<path>``:

- ``POST`` starts one: ``{"upload_id", "offset": 0}``.
- ``GET ?upload_id=U`` tells how many bytes are stored: ``{"upload_id", "offset"}``.
- ``PATCH ?upload_id=U&offset=N`` with raw bytes stores them as the chunk at ``N``, whole or not at
  all, and answers the new offset; an ``N`` other than the stored offset is 409 RESOURCE_CONFLICT.
- ``PUT ?upload_id=U&size=S`` commits: the stored bytes become ``<path>`` in one step (``{}``).
- ``DELETE ?upload_id=U`` aborts. After a commit or an abort the upload id is 404.

A client whose connection drops asks ``GET`` for the offset and goes on from there.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import posixpath
import re
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar
from urllib.parse import quote

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from keel.errors import BadRequest, InvalidParameter, Unsupported
from keel.server.endpoints import Endpoint, read_payload
from keel.server.proxied_artifacts import proxied_repository
from keel.server.responses import json_response
from keel.server.routes.runs import RUN_ID, run_id_of
from keel.server.wire import Field, Kind, item, to_int
from keel.store.artifacts import ArtifactRepository, validate_relative_path
from keel.store.artifacts.base import MultipartUpload, UploadedPart
from keel.store.artifacts.paths import join_relative

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from _typeshed import WriteableBuffer
    from anyio.lowlevel import EventLoopToken
    from anyio.streams.memory import MemoryObjectReceiveStream
    from starlette.requests import Request

    from keel.server.state import Stores

T = TypeVar("T")
CHUNK_SIZE = 1024 * 1024
PIPE_DEPTH = 16
"""Request chunks (at most 64 KiB each from uvicorn) buffered between the event loop and the writer."""


def _proxied_root(stores: Stores) -> ArtifactRepository:
    if stores.artifacts is None:
        raise Unsupported("This server does not serve artifacts (started without --serve-artifacts)")
    return stores.artifacts


def run_repository(stores: Stores, artifact_uri: str) -> tuple[ArtifactRepository, str]:
    """The repository holding a run's artifacts and the run's path inside it."""
    return proxied_repository(stores.artifacts, artifact_uri)


def list_run_artifacts(stores: Stores, f: dict[str, Any]) -> dict[str, Any]:
    run = stores.tracking.get_run(run_id_of(f))
    relative = validate_relative_path(f["path"])
    repo, base = run_repository(stores, run.info.artifact_uri)
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


def _target(request: Request) -> tuple[ArtifactRepository, str]:
    """The destination and the checked path a proxy request names; nothing is touched before this."""
    path = validate_relative_path(request.path_params.get("artifact_path", ""))
    return _proxied_root(request.app.state.stores), path


async def upload_artifact(request: Request) -> Response:
    repo, path = _target(request)
    await _stream_body(request, functools.partial(repo.write_stream, path))
    return Response(status_code=200)  # MLflow 3.17 answers an upload with an empty body


async def download_artifact(request: Request) -> Response:
    repo, path = _target(request)
    return await download_response(repo, path)


async def download_response(repo: ArtifactRepository, path: str) -> StreamingResponse:
    """The file at ``path``, streamed as an attachment with the MIME type its name suggests."""
    stream = await run_in_threadpool(repo.open_read, path)
    media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    filename = posixpath.basename(path)
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(_chunks(stream), media_type=media_type, headers=headers)


async def _chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    try:
        async for chunk in iterate_in_threadpool(iter(lambda: stream.read(CHUNK_SIZE), b"")):
            yield chunk
    finally:
        stream.close()


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
    repo, path = _target(request)
    if not path:
        raise InvalidParameter("Refusing to delete the artifact root")
    await run_in_threadpool(repo.delete_artifacts, path)
    return json_response({})


# MLflow's presigned multipart uploads: <artifact_path> is the directory, the body's path the local file

MPU_CREATE = {"path": Field(Kind.STRING, required=True), "num_parts": Field(Kind.INT)}
MPU_COMPLETE = {
    "path": Field(Kind.STRING, required=True),
    "upload_id": Field(Kind.STRING),
    "parts": Field(Kind.OBJECT_LIST, required=True),
}
MPU_ABORT = {"path": Field(Kind.STRING, required=True), "upload_id": Field(Kind.STRING)}


async def _multipart_target(
    request: Request, spec: dict[str, Field]
) -> tuple[ArtifactRepository, str, dict[str, Any]]:
    repo, directory = _target(request)
    fields = await read_payload(request, spec)
    name = re.split(r"[\\/]", fields["path"])[-1]  # the client's local file, Windows paths included
    if not name or validate_relative_path(name) != name:
        raise InvalidParameter(f"Invalid file name {name!r} at the end of 'path'")
    return repo, join_relative(directory, name), fields


async def create_multipart_upload(request: Request) -> Response:
    repo, path, fields = await _multipart_target(request, MPU_CREATE)
    upload: MultipartUpload = await run_in_threadpool(
        repo.create_multipart_upload, path, fields["num_parts"] or 1
    )
    credentials = [
        {"url": c.url, "part_number": c.part_number, "headers": c.headers} for c in upload.credentials
    ]
    return json_response({"upload_id": upload.upload_id, "credentials": credentials})


async def complete_multipart_upload(request: Request) -> Response:
    repo, path, fields = await _multipart_target(request, MPU_COMPLETE)
    parts = [
        UploadedPart(
            item(part, f"parts[{i}]", "part_number", Kind.INT), item(part, f"parts[{i}]", "etag", Kind.STRING)
        )
        for i, part in enumerate(fields["parts"])
    ]
    await run_in_threadpool(repo.complete_multipart_upload, path, fields["upload_id"] or "", parts)
    return json_response({})


async def abort_multipart_upload(request: Request) -> Response:
    repo, path, fields = await _multipart_target(request, MPU_ABORT)
    await run_in_threadpool(repo.abort_multipart_upload, path, fields["upload_id"] or "")
    return json_response({})


# keel's resumable uploads (protocol in the module docstring)


def _query_int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    return None if value is None else to_int(name, value)


def _upload_id(request: Request) -> str:
    upload_id = request.query_params.get("upload_id")
    if not upload_id:
        raise InvalidParameter("Missing value for required parameter 'upload_id'")
    return upload_id


async def start_upload(request: Request) -> Response:
    repo, path = _target(request)
    upload_id = await run_in_threadpool(repo.start_upload, path)
    return json_response({"upload_id": upload_id, "offset": 0})


async def upload_status(request: Request) -> Response:
    repo, path = _target(request)
    upload_id = _upload_id(request)
    offset = await run_in_threadpool(repo.upload_offset, path, upload_id)
    return json_response({"upload_id": upload_id, "offset": offset})


async def append_upload(request: Request) -> Response:
    repo, path = _target(request)
    upload_id = _upload_id(request)
    offset = _query_int(request, "offset")
    if offset is None:
        raise InvalidParameter("Missing value for required parameter 'offset'")
    write = functools.partial(repo.append_upload, path, upload_id, offset)
    return json_response({"upload_id": upload_id, "offset": await _stream_body(request, write)})


async def commit_upload(request: Request) -> Response:
    repo, path = _target(request)
    upload_id = _upload_id(request)
    size = _query_int(request, "size")
    await run_in_threadpool(repo.commit_upload, path, upload_id, size)
    return json_response({})


async def abort_upload(request: Request) -> Response:
    repo, path = _target(request)
    await run_in_threadpool(repo.abort_upload, path, _upload_id(request))
    return json_response({})


# Streaming a request body into a blocking writer


class BodyInterrupted(BadRequest):
    """The request body ended before its end: the client went away. Nothing was stored."""


async def _stream_body(request: Request, write: Callable[[BinaryIO], T]) -> T:
    """Run ``write`` in a worker thread on the request body, passed through a bounded in-memory pipe.

    The writer sees the end of the body only if the request really ended; a dropped connection makes
    its read raise, so a partial upload is never stored.
    """
    send, receive = anyio.create_memory_object_stream[bytes](PIPE_DEPTH)
    pipe = _PipeReader(receive, anyio.lowlevel.current_token())

    async def pump() -> None:
        with send:
            try:
                async for chunk in request.stream():
                    if chunk:
                        await send.send(chunk)
            except (ClientDisconnect, anyio.BrokenResourceError):  # the client left, or the writer stopped
                return
            pipe.complete = True

    error: Exception | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(pump)
        try:
            result = await anyio.to_thread.run_sync(write, io.BufferedReader(pipe, CHUNK_SIZE))
        except Exception as exc:  # re-raised outside the task group, which would wrap it in a group
            error = exc
        finally:
            receive.close()
            tasks.cancel_scope.cancel()
    if error is not None:
        raise error
    return result


class _PipeReader(io.RawIOBase):
    """The reading end of the pipe: blocks until the event loop hands a chunk. Any thread may read
    (s3transfer reads from threads of its own), so it carries the event loop's token."""

    def __init__(self, receive: MemoryObjectReceiveStream[bytes], token: EventLoopToken) -> None:
        self._receive = receive
        self._token = token
        self._pending = memoryview(b"")
        self.complete = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            try:
                self._pending = memoryview(anyio.from_thread.run(self._receive.receive, token=self._token))
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                if not self.complete:
                    raise BodyInterrupted(
                        "The request body broke off before its end; nothing was stored"
                    ) from None
                return 0
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _proxy_routes(prefix: str) -> list[BaseRoute]:
    root = f"{prefix}/2.0/mlflow-artifacts"
    base = f"{root}/artifacts"
    uploads = f"{root}/uploads/{{artifact_path:path}}"
    multipart: list[BaseRoute] = [
        Route(f"{root}/mpu/{action}{suffix}", handler, methods=["POST"])
        for action, handler in (
            ("create", create_multipart_upload),
            ("complete", complete_multipart_upload),
            ("abort", abort_multipart_upload),
        )
        for suffix in ("", "/{artifact_path:path}")
    ]
    return [
        Route(base, list_proxied, methods=["GET"]),
        Route(f"{base}/{{artifact_path:path}}", download_artifact, methods=["GET"]),
        Route(f"{base}/{{artifact_path:path}}", upload_artifact, methods=["PUT"]),
        Route(f"{base}/{{artifact_path:path}}", delete_artifact, methods=["DELETE"]),
        *multipart,
        Route(uploads, start_upload, methods=["POST"]),
        Route(uploads, upload_status, methods=["GET"]),
        Route(uploads, append_upload, methods=["PATCH"]),
        Route(uploads, commit_upload, methods=["PUT"]),
        Route(uploads, abort_upload, methods=["DELETE"]),
    ]


PROXY_ROUTES = [*_proxy_routes("/api"), *_proxy_routes("/ajax-api")]
