"""HttpArtifactRepository: artifacts behind a keel or MLflow server's artifact proxy, over httpx.

Files up to one chunk (16 MiB) go up in a single PUT; larger ones use keel's resumable uploads, so a
dropped connection resumes at the last chunk the server stored instead of starting over (servers
without them, such as MLflow's, get one streamed PUT). Downloads stream in 1 MiB chunks. Retries,
credentials, TLS and error bodies are handled as for the REST tracking store, whose helpers it shares.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import itertools
import mimetypes
import os
import posixpath
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from keel.entities.file_info import FileInfo
from keel.errors import (
    Conflict,
    InvalidParameter,
    InvalidState,
    KeelError,
    NotFound,
    Unavailable,
    Unsupported,
)
from keel.store.artifacts.base import CHUNK_SIZE, MAX_PARTS, ArtifactRepository, read_up_to
from keel.store.artifacts.paths import join_relative, validate_relative_path
from keel.store.artifacts.registry import PROXY_ARTIFACTS_PATH
from keel.store.tracking.http_client import USER_AGENT, auth_headers, error_from_response, tls_context
from keel.store.tracking.retry import RetryPolicy, is_transient_error, is_transient_status

if TYPE_CHECKING:
    from types import TracebackType

    from _typeshed import WriteableBuffer

UPLOADS_PATH = "/api/2.0/mlflow-artifacts/uploads"
"""keel's resumable uploads; the protocol is described in ``keel.server.routes.artifacts``."""
UPLOAD_CHUNK_SIZE = 16 * 1024 * 1024
UNSUPPORTED_STATUSES = frozenset({404, 405, 501})
"""How a server without resumable uploads (MLflow's) answers their first request."""

RequestBody = bytes | Iterator[bytes]


def split_proxy_url(artifact_uri: str) -> tuple[str, str]:
    """The server's base URL and the root path in ``http(s)://host[/prefix]/api/2.0/mlflow-artifacts/artifacts/<root>``.

    Raises:
        InvalidParameter: for any other URL, or a root that is not a safe relative path.
    """
    parts = urlsplit(artifact_uri)
    head, found, tail = parts.path.partition(PROXY_ARTIFACTS_PATH)
    if parts.scheme not in ("http", "https") or not parts.netloc or not found or tail[:1] not in ("", "/"):
        raise InvalidParameter(
            f"'{artifact_uri}' is not an artifact proxy URL (http(s)://host{PROXY_ARTIFACTS_PATH}/…)"
        )
    root = validate_relative_path(unquote(tail).lstrip("/"))
    return urlunsplit((parts.scheme, parts.netloc, head.rstrip("/"), "", "")), root


class HttpArtifactRepository(ArtifactRepository):
    """Artifacts under ``http(s)://host/api/2.0/mlflow-artifacts/artifacts/<root>``.

    Args:
        artifact_uri: the proxy URL of the root (``mlflow-artifacts:`` URIs resolve to one).
        transport: an httpx transport to send requests through (tests, proxies); a shared
            connection pool when omitted.
        retry: the retry policy; from the ``MLFLOW_HTTP_REQUEST_*`` variables when omitted.
        chunk_size: files larger than this are uploaded resumably, in chunks of this size.
        sleep: waits between retries.

    Example:
        >>> repo = HttpArtifactRepository("http://localhost:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts")
        >>> repo.log_artifact("model.pkl", "model")
    """

    def __init__(
        self,
        artifact_uri: str,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        chunk_size: int = UPLOAD_CHUNK_SIZE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(artifact_uri)
        self.server_url, self.root = split_proxy_url(artifact_uri)
        self.retry = retry or RetryPolicy.from_env()
        self.chunk_size = chunk_size
        self._sleep = sleep
        self._headers = {"User-Agent": USER_AGENT, **auth_headers()}
        self._owns_client = transport is not None
        self._client = httpx.Client(transport=transport) if transport is not None else _shared_client()
        self._resumable: bool | None = None  # unknown until the server is asked

    def close(self) -> None:
        """Close the connections of a repository built with its own transport."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpArtifactRepository:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # Reading and listing

    def _open_read(self, artifact_file: str) -> BinaryIO:
        response = self._request("GET", self._url(PROXY_ARTIFACTS_PATH, artifact_file), stream=True)
        try:
            self._raise_for_status(response)
        except BaseException:
            response.close()
            raise
        return io.BufferedReader(_ResponseReader(response), CHUNK_SIZE)

    def _list_artifacts(self, path: str) -> list[FileInfo]:
        full = join_relative(self.root, path)
        response = self._request(
            "GET", f"{self.server_url}{PROXY_ARTIFACTS_PATH}", params={"path": full} if full else None
        )
        self._raise_for_status(response)
        found = [info for entry in _json(response).get("files", ()) if (info := _file_info(path, entry))]
        # MLflow's servers list a file as itself, keel's as nothing; one entry named like the path
        # is either that file or the only file of a same-named directory, so ask which.
        if (
            path
            and len(found) == 1
            and not found[0].is_dir
            and found[0].path == f"{path}/{posixpath.basename(path)}"
        ):
            probe = self._request("GET", self._url(PROXY_ARTIFACTS_PATH, path), stream=True)
            probe.close()
            if probe.is_success:
                return []
        return found

    def _is_dir(self, path: str) -> bool:
        return bool(self._list_artifacts(path))

    def _delete_artifacts(self, path: str) -> None:
        if not join_relative(self.root, path):  # the server will not delete its root: empty it instead
            for info in self._list_artifacts(path):
                self._delete_artifacts(info.path)
            return
        self._raise_for_status(self._request("DELETE", self._url(PROXY_ARTIFACTS_PATH, path)))

    # Writing: one PUT, or a resumable upload past one chunk

    def _write_stream(self, artifact_file: str, source: BinaryIO) -> None:
        start = source.tell() if source.seekable() else None
        chunk_size = self.chunk_size
        if start is not None:  # a file of known size: chunks large enough for S3's 10,000 parts
            chunk_size = max(chunk_size, -(-(source.seek(0, io.SEEK_END) - start) // MAX_PARTS))
            source.seek(start)
        first = read_up_to(source, chunk_size)
        if len(first) < chunk_size:
            self._put(artifact_file, lambda: first, retries=None)
            return
        if self._resumable is not False:
            try:
                upload_id = self._start_upload(artifact_file)
            except Unsupported:
                self._resumable = False
            else:
                self._resumable = True
                self._upload_in_chunks(artifact_file, upload_id, first, source, chunk_size)
                return
        if start is None:  # a stream we cannot rewind is sent once
            self._put(artifact_file, lambda: _chain(first, source), retries=0)
            return

        def rewound() -> Iterator[bytes]:
            source.seek(start)
            return _chain(b"", source)

        self._put(artifact_file, rewound, retries=None)

    def _put(self, artifact_file: str, body: Callable[[], RequestBody], *, retries: int | None) -> None:
        content_type = mimetypes.guess_type(artifact_file)[0] or "application/octet-stream"
        response = self._request(
            "PUT",
            self._url(PROXY_ARTIFACTS_PATH, artifact_file),
            body=body,
            headers={"Content-Type": content_type},
            retries=retries,
        )
        self._raise_for_status(response)

    def _upload_in_chunks(
        self, artifact_file: str, upload_id: str, first: bytes, source: BinaryIO, chunk_size: int
    ) -> None:
        offset, chunk = 0, first
        try:
            while chunk:
                offset = self._send_chunk(artifact_file, upload_id, offset, chunk)
                chunk = read_up_to(source, chunk_size)
            self._commit(artifact_file, upload_id, offset)
        except Exception:
            with contextlib.suppress(KeelError):
                self._abort_upload(artifact_file, upload_id)
            raise

    def _send_chunk(self, artifact_file: str, upload_id: str, offset: int, chunk: bytes) -> int:
        """Store ``chunk`` at ``offset``; after a failure, ask the server what it holds and go on."""
        end = offset + len(chunk)
        for attempt in itertools.count():
            try:
                return self._patch(artifact_file, upload_id, offset, lambda: chunk)
            except KeelError as exc:  # a 409 too: the server holds another offset than we think
                if (
                    not (is_transient_error(exc) or isinstance(exc, Conflict))
                    or attempt >= self.retry.max_retries
                ):
                    raise
            self._sleep(self.retry.delay(attempt))
            stored = self._upload_offset(artifact_file, upload_id)
            if stored == end:  # the chunk arrived; only the answer was lost
                return end
            if stored != offset:
                raise InvalidState(
                    f"Upload {upload_id}: the server holds {stored} bytes, not {offset} or {end}"
                )
        raise AssertionError("unreachable")

    def _commit(self, artifact_file: str, upload_id: str, size: int) -> None:
        for attempt in itertools.count():
            try:
                self._commit_upload(artifact_file, upload_id, size)
                return
            except KeelError as exc:
                if not is_transient_error(exc) or attempt >= self.retry.max_retries:
                    raise
            self._sleep(self.retry.delay(attempt))
            try:
                self._upload_offset(artifact_file, upload_id)
            except NotFound:  # only a commit removes our upload: the lost attempt went through
                return

    # Resumable uploads: the client side of the server's protocol

    def _start_upload(self, artifact_file: str) -> str:
        response = self._request("POST", self._url(UPLOADS_PATH, artifact_file))
        if response.status_code in UNSUPPORTED_STATUSES:
            response.close()
            raise Unsupported(f"{self.server_url} does not offer resumable uploads")
        self._raise_for_status(response)
        return str(_json(response)["upload_id"])

    def _upload_offset(self, artifact_file: str, upload_id: str) -> int:
        response = self._request(
            "GET", self._url(UPLOADS_PATH, artifact_file), params={"upload_id": upload_id}
        )
        self._raise_for_status(response)
        return int(_json(response)["offset"])

    def _append_upload(self, artifact_file: str, upload_id: str, offset: int, source: BinaryIO) -> int:
        return self._patch(artifact_file, upload_id, offset, lambda: _chain(b"", source))

    def _patch(self, artifact_file: str, upload_id: str, offset: int, body: Callable[[], RequestBody]) -> int:
        response = self._request(
            "PATCH",
            self._url(UPLOADS_PATH, artifact_file),
            params={"upload_id": upload_id, "offset": offset},
            body=body,
            headers={"Content-Type": "application/octet-stream"},
            retries=0,
        )
        self._raise_for_status(response)
        return int(_json(response)["offset"])

    def _commit_upload(self, artifact_file: str, upload_id: str, size: int | None) -> None:
        params: dict[str, str | int] = {"upload_id": upload_id}
        if size is not None:
            params["size"] = size
        self._raise_for_status(
            self._request("PUT", self._url(UPLOADS_PATH, artifact_file), params=params, retries=0)
        )

    def _abort_upload(self, artifact_file: str, upload_id: str) -> None:
        response = self._request(
            "DELETE", self._url(UPLOADS_PATH, artifact_file), params={"upload_id": upload_id}
        )
        self._raise_for_status(response)

    # Requests

    def _url(self, api: str, path: str) -> str:
        return f"{self.server_url}{api}/{quote(join_relative(self.root, path), safe='/')}"

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Callable[[], RequestBody] | None = None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        retries: int | None = None,
    ) -> httpx.Response:
        """Send a request, again after transient failures, at most ``retries`` more times (the policy's
        limit by default); a body is rebuilt for each attempt by calling ``body``."""
        policy = self.retry
        limit = policy.max_retries if retries is None else retries
        deadline = time.monotonic() + policy.retry_timeout
        for attempt in itertools.count():
            retry_after = None
            try:
                request = self._client.build_request(
                    method,
                    url,
                    params=params,
                    content=None if body is None else body(),
                    headers={**self._headers, **(headers or {})},
                    timeout=policy.timeout,
                )
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as exc:
                failure = Unavailable(f"{method} {url} failed: {type(exc).__name__}: {exc}")
            else:
                if response.is_success or attempt >= limit or not self._is_transient(response):
                    return response
                retry_after = _retry_after(response)
                response.close()
                failure = Unavailable(f"{method} {url} answered {response.status_code}")
            delay = policy.delay(attempt, retry_after)
            if attempt >= limit or time.monotonic() + delay > deadline:
                raise failure
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _is_transient(self, response: httpx.Response) -> bool:
        if response.status_code < 500 and response.status_code not in (408, 429):
            return False
        response.read()
        code, _ = error_from_response(response, response.request.method, response.request.url.path, "")
        return is_transient_status(response.status_code, code)

    def _raise_for_status(self, response: httpx.Response) -> None:
        """Raise the keel error an error answer stands for: its MLflow ``error_code``, else its status."""
        if response.is_success:
            return
        response.read()
        request = response.request
        _, error = error_from_response(response, request.method, request.url.path, self.server_url)
        raise error


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "")
    return float(raw) if raw.isdigit() else None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise KeelError(f"{response.request.url} answered with malformed JSON") from exc
    if not isinstance(body, dict):
        raise KeelError(f"{response.request.url} answered with JSON that is not an object")
    return body


def _file_info(parent: str, entry: Any) -> FileInfo | None:
    """A listing entry (a basename) as a path under ``parent``; None for names a safe path cannot have."""
    name = entry.get("path") if isinstance(entry, dict) else None
    if not isinstance(name, str) or not name or "/" in name:
        return None
    child = join_relative(parent, name)
    try:
        if validate_relative_path(child) != child:
            return None
    except InvalidParameter:
        return None
    is_dir = bool(entry.get("is_dir", False))
    size = entry.get("file_size")
    return FileInfo(child, is_dir, None if is_dir or size is None else int(size))


def _chain(first: bytes, source: BinaryIO) -> Iterator[bytes]:
    if first:
        yield first
    yield from iter(lambda: source.read(CHUNK_SIZE), b"")


_TLS_SETTINGS = ("INSECURE_TLS", "SERVER_CERT_PATH", "CLIENT_CERT_PATH")
_shared_clients: dict[tuple[object, ...], httpx.Client] = {}
_shared_lock = threading.Lock()


def _shared_client() -> httpx.Client:
    """One connection pool per process and TLS configuration, kept for the life of the process."""
    key = (os.getpid(), *(os.environ.get(f"MLFLOW_TRACKING_{v}", "") for v in _TLS_SETTINGS))
    with _shared_lock:
        if key not in _shared_clients:
            if not _shared_clients:
                atexit.register(close_shared_clients)
            _shared_clients[key] = httpx.Client(verify=tls_context())
        return _shared_clients[key]


def close_shared_clients() -> None:
    """Close the pooled connections (at interpreter exit, so no socket is left to the garbage collector)."""
    with _shared_lock:
        for client in _shared_clients.values():
            client.close()
        _shared_clients.clear()


class _ResponseReader(io.RawIOBase):
    """A streamed response body as a file, its transport errors translated."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._chunks = response.iter_bytes(CHUNK_SIZE)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            try:
                self._pending = memoryview(next(self._chunks, b""))
            except httpx.HTTPError as exc:
                raise Unavailable(f"Download from {self._response.request.url} broke off: {exc}") from exc
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._response.close()
        super().close()
