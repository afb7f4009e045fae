"""S3ArtifactRepository: artifacts under ``s3://bucket/prefix`` on AWS S3 or any S3-compatible store (MinIO…).

Transfers stream in chunks, so no object is ever held in memory whole, and every botocore error is
translated to a keel error where it happens. Configured as MLflow is: ``MLFLOW_S3_ENDPOINT_URL``
(else boto3's own ``AWS_ENDPOINT_URL``), the usual AWS credential variables, ``MLFLOW_S3_IGNORE_TLS``
and ``MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore import exceptions as botocore_errors
from botocore.config import Config

from keel.entities.file_info import FileInfo
from keel.errors import (
    Conflict,
    InvalidParameter,
    KeelError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from keel.store.artifacts.base import (
    CHUNK_SIZE,
    MAX_PARTS,
    TEMP_PREFIX,
    ArtifactRepository,
    MultipartUpload,
    PartUploadUrl,
    UploadedPart,
    read_up_to,
)
from keel.store.artifacts.paths import join_relative, validate_relative_path

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from _typeshed import WriteableBuffer

PART_SIZE = 8 * 1024 * 1024
"""Streams of unknown size go up in parts of this size (so 80 GB at most), four in memory at a time."""
MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
PRESIGNED_URL_SECONDS = 3600
DELETE_BATCH = 1000  # DeleteObjects' limit
SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
ID_SEPARATOR = "~"  # not in S3's upload ids, allowed in keel's

ENV_ENDPOINT = "MLFLOW_S3_ENDPOINT_URL"
ENV_IGNORE_TLS = "MLFLOW_S3_IGNORE_TLS"
ENV_ADDRESSING_STYLE = "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE"
_CLIENT_ENV = (
    ENV_ENDPOINT,
    ENV_IGNORE_TLS,
    ENV_ADDRESSING_STYLE,
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)


TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=PART_SIZE,
    multipart_chunksize=PART_SIZE,
    max_concurrency=2,
    preferred_transfer_client="classic",
)
TRANSFER_CONFIG.max_in_memory_upload_chunks = 2  # plus the one being read; s3transfer's default is 10


@functools.lru_cache(maxsize=16)
def _cached_client(settings: tuple[str | None, ...]) -> Any:
    """One client per configuration (clients are thread-safe; sessions are not, so each gets its own)."""
    env = dict(zip(_CLIENT_ENV, settings, strict=True))
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": env[ENV_ADDRESSING_STYLE] or "auto"},
        # MinIO and other S3-compatible stores reject botocore's newer default checksums.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=32,
    )
    verify = False if (env[ENV_IGNORE_TLS] or "").lower() == "true" else None
    return boto3.session.Session().client(
        "s3", endpoint_url=env[ENV_ENDPOINT] or None, verify=verify, config=config
    )


def s3_client() -> Any:
    """The boto3 S3 client for the current environment."""
    return _cached_client(tuple(os.environ.get(name) for name in _CLIENT_ENV))


class S3ArtifactRepository(ArtifactRepository):
    """Artifacts under the prefix of an ``s3://bucket/prefix`` URI.

    Object stores take any key, so listings skip keys that are not valid artifact paths, and a write
    is refused over a "directory" or below a file, as on a local disk.

    Example:
        >>> repo = S3ArtifactRepository("s3://ml-artifacts/experiments/1")
        >>> repo.log_artifact("model.pkl", "model")
    """

    supports_presigned_multipart = True

    def __init__(self, artifact_uri: str) -> None:
        super().__init__(artifact_uri)
        parts = urlsplit(artifact_uri)
        if parts.scheme.lower() != "s3" or not parts.netloc:
            raise InvalidParameter(f"'{artifact_uri}' is not an s3://bucket/prefix URI")
        self.bucket = parts.netloc
        self.prefix = validate_relative_path(parts.path.strip("/"))
        self._client = s3_client()
        self._known_dirs: set[str] = set()  # parents seen by this repository's writes: not files

    def _key(self, path: str) -> str:
        return join_relative(self.prefix, path)

    def _dir_prefix(self, path: str) -> str:
        key = self._key(path)
        return f"{key}/" if key else ""

    # Writing

    def _write_stream(self, artifact_file: str, source: BinaryIO) -> None:
        self._check_writable(artifact_file)
        with self._errors(f"upload of {artifact_file!r}"):
            self._upload(self._key(artifact_file), source)
        self._known_dirs.update(_parents(artifact_file))

    def _upload(self, key: str, source: BinaryIO) -> None:
        start = source.tell() if source.seekable() else None
        head = read_up_to(source, PART_SIZE)
        if len(head) < PART_SIZE:  # most artifacts: one request, no transfer threads
            self._client.put_object(Bucket=self.bucket, Key=key, Body=head)
        elif start is not None:
            source.seek(start)
            self._client.upload_fileobj(source, self.bucket, key, Config=TRANSFER_CONFIG)
        else:
            rest = io.BufferedReader(_Prefixed(head, source), CHUNK_SIZE)
            del head  # the first part is in memory once, and only while it is being sent
            self._client.upload_fileobj(rest, self.bucket, key, Config=TRANSFER_CONFIG)

    def _check_writable(self, artifact_file: str) -> None:
        """Refuse what a local disk would: a file over a directory, or below another file.

        A check, not a lock: S3 has no transactions, so a concurrent writer can still race it.
        """
        if self._is_dir(artifact_file):
            raise InvalidParameter(f"Cannot write artifact {artifact_file!r}: it is a directory")
        for parent in _parents(artifact_file):
            if parent not in self._known_dirs and self._is_file(parent):
                raise InvalidParameter(f"Cannot write artifact {artifact_file!r}: a parent is a file")

    def _is_file(self, path: str) -> bool:
        try:
            with self._errors(f"lookup of {path!r}"):
                self._client.head_object(Bucket=self.bucket, Key=self._key(path))
        except NotFound:
            return False
        return True

    # Reading and listing

    def _open_read(self, artifact_file: str) -> BinaryIO:
        with self._errors(f"download of {artifact_file!r}", missing=f"No such artifact: {artifact_file!r}"):
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(artifact_file))["Body"]
        return io.BufferedReader(_ObjectReader(body, self._errors), CHUNK_SIZE)

    def _list_artifacts(self, path: str) -> list[FileInfo]:
        prefix = self._dir_prefix(path)
        found: list[FileInfo] = []
        for page in self._pages("list_objects_v2", Prefix=prefix, Delimiter="/"):
            for common in page.get("CommonPrefixes", ()):
                if (child := _child(path, common["Prefix"][len(prefix) : -1])) is not None:
                    found.append(FileInfo(child, is_dir=True))
            for obj in page.get("Contents", ()):
                if (child := _child(path, obj["Key"][len(prefix) :])) is not None:
                    found.append(FileInfo(child, is_dir=False, file_size=obj["Size"]))
        return found

    def _is_dir(self, path: str) -> bool:
        with self._errors(f"listing of {path!r}"):
            page = self._client.list_objects_v2(Bucket=self.bucket, Prefix=self._dir_prefix(path), MaxKeys=1)
        return bool(page.get("KeyCount", 0))

    def _pages(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        with self._errors(operation):
            yield from self._client.get_paginator(operation).paginate(Bucket=self.bucket, **params)

    # Deleting

    def _delete_artifacts(self, path: str) -> None:
        self._known_dirs.clear()
        keys = [self._key(path)] if path else []
        for page in self._pages("list_objects_v2", Prefix=self._dir_prefix(path)):
            keys += [obj["Key"] for obj in page.get("Contents", ())]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            with self._errors(f"delete of {path!r}"):
                answer = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            if errors := answer.get("Errors"):
                first = errors[0]
                raise KeelError(f"Could not delete {first.get('Key')!r}: {first.get('Message')}")

    # Presigned multipart uploads (the proxy's mpu endpoints)

    def _create_multipart_upload(self, artifact_file: str, num_parts: int) -> MultipartUpload:
        upload_id = self._begin_multipart(artifact_file)
        key = self._key(artifact_file)
        with self._errors("presigning"):
            urls = [
                PartUploadUrl(
                    self._client.generate_presigned_url(
                        "upload_part",
                        Params={"Bucket": self.bucket, "Key": key, "PartNumber": n, "UploadId": upload_id},
                        ExpiresIn=PRESIGNED_URL_SECONDS,
                    ),
                    part_number=n,
                )
                for n in range(1, num_parts + 1)
            ]
        return MultipartUpload(upload_id, urls)

    def _complete_multipart_upload(
        self, artifact_file: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None:
        listed = [{"PartNumber": p.part_number, "ETag": p.etag} for p in sorted(parts, key=_part_number)]
        self._complete(artifact_file, upload_id, listed)

    def _abort_multipart_upload(self, artifact_file: str, upload_id: str) -> None:
        with contextlib.suppress(NotFound), self._errors("abort", missing=_no_upload(upload_id)):
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._key(artifact_file), UploadId=upload_id
            )

    # Resumable uploads: S3's own multipart uploads, one part per chunk. The id handed out names the
    # target too, so an upload cannot be finished under another name (not every S3 store checks).

    def _start_upload(self, artifact_file: str) -> str:
        return f"{self._begin_multipart(artifact_file)}{ID_SEPARATOR}{_digest(self._key(artifact_file))}"

    def _s3_upload_id(self, artifact_file: str, upload_id: str) -> str:
        s3_id, separator, digest = upload_id.rpartition(ID_SEPARATOR)
        if not separator or digest != _digest(self._key(artifact_file)):
            raise NotFound(f"{_no_upload(upload_id)} for {artifact_file!r}")
        return s3_id

    def _upload_offset(self, artifact_file: str, upload_id: str) -> int:
        parts = self._parts(artifact_file, self._s3_upload_id(artifact_file, upload_id))
        return sum(int(part["Size"]) for part in parts)

    def _append_upload(self, artifact_file: str, upload_id: str, offset: int, source: BinaryIO) -> int:
        s3_id = self._s3_upload_id(artifact_file, upload_id)
        parts = self._parts(artifact_file, s3_id)
        current = sum(int(part["Size"]) for part in parts)
        if offset != current:
            raise Conflict(f"Upload {upload_id} continues at offset {current}, not {offset}")
        if parts and parts[-1]["Size"] < MIN_PART_SIZE:
            raise InvalidParameter(
                f"Only the last chunk of an upload may be smaller than {MIN_PART_SIZE} bytes"
            )
        if len(parts) >= MAX_PARTS:
            raise InvalidParameter(f"An upload has at most {MAX_PARTS} chunks")
        # S3 needs the part's length up front, and its signature covers the bytes: spool the chunk.
        with tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY_BYTES) as spool:
            shutil.copyfileobj(source, spool, CHUNK_SIZE)
            size = spool.tell()
            if size == 0:
                return current
            spool.seek(0)
            with self._errors(f"upload of {artifact_file!r}", missing=_no_upload(upload_id)):
                self._client.upload_part(
                    Bucket=self.bucket,
                    Key=self._key(artifact_file),
                    UploadId=s3_id,
                    PartNumber=len(parts) + 1,
                    Body=spool,
                    ContentLength=size,
                )
        return current + size

    def _commit_upload(self, artifact_file: str, upload_id: str, size: int | None) -> None:
        s3_id = self._s3_upload_id(artifact_file, upload_id)
        parts = self._parts(artifact_file, s3_id)
        total = sum(int(part["Size"]) for part in parts)
        if size is not None and size != total:
            raise InvalidParameter(f"Upload {upload_id} holds {total} bytes, not the {size} announced")
        if not parts:  # S3 cannot complete an upload without parts
            self._abort_multipart_upload(artifact_file, s3_id)
            with self._errors(f"upload of {artifact_file!r}"):
                self._client.put_object(Bucket=self.bucket, Key=self._key(artifact_file), Body=b"")
            return
        self._complete(
            artifact_file, s3_id, [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
        )

    def _abort_upload(self, artifact_file: str, upload_id: str) -> None:
        with contextlib.suppress(NotFound):
            self._abort_multipart_upload(artifact_file, self._s3_upload_id(artifact_file, upload_id))

    def _begin_multipart(self, artifact_file: str) -> str:
        self._check_writable(artifact_file)
        with self._errors(f"upload of {artifact_file!r}"):
            answer = self._client.create_multipart_upload(Bucket=self.bucket, Key=self._key(artifact_file))
        return str(answer["UploadId"])

    def _parts(self, artifact_file: str, upload_id: str) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        key = self._key(artifact_file)
        with self._errors("listing of parts", missing=_no_upload(upload_id)):
            pages = self._client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            for page in pages:
                parts += page.get("Parts", ())
        return sorted(parts, key=lambda part: int(part["PartNumber"]))

    def _complete(self, artifact_file: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        with self._errors(f"upload of {artifact_file!r}", missing=_no_upload(upload_id)):
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self._key(artifact_file),
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )

    # Errors

    @contextlib.contextmanager
    def _errors(self, action: str, *, missing: str | None = None) -> Iterator[None]:
        """Translate whatever boto3 raises inside the block into a keel error."""
        try:
            yield
        except botocore_errors.ClientError as exc:
            _raise_client_error(exc, f"S3 {action} in {self.artifact_uri}", missing)
        except botocore_errors.BotoCoreError as exc:
            raise _from_botocore_error(exc, f"S3 {action} in {self.artifact_uri}") from exc


_BY_S3_CODE: dict[str, type[KeelError]] = {
    "NoSuchKey": NotFound,
    "NoSuchBucket": NotFound,
    "NoSuchUpload": NotFound,
    "NotFound": NotFound,
    "AccessDenied": PermissionDenied,
    "AllAccessDisabled": PermissionDenied,
    "InvalidAccessKeyId": Unauthenticated,
    "SignatureDoesNotMatch": Unauthenticated,
    "ExpiredToken": Unauthenticated,
    "InvalidToken": Unauthenticated,
    "SlowDown": RateLimited,
    "TooManyRequests": RateLimited,
    "ServiceUnavailable": Unavailable,
    "InternalError": Unavailable,
    "EntityTooSmall": InvalidParameter,
    "EntityTooLarge": InvalidParameter,
    "InvalidPart": InvalidParameter,
    "InvalidPartOrder": InvalidParameter,
    "InvalidArgument": InvalidParameter,
    "InvalidRequest": InvalidParameter,
    "InvalidBucketName": InvalidParameter,
    "KeyTooLongError": InvalidParameter,
    "MalformedXML": InvalidParameter,
}
_BY_HTTP_STATUS: dict[int, type[KeelError]] = {
    400: InvalidParameter,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    429: RateLimited,
    503: Unavailable,
}


def _raise_client_error(exc: botocore_errors.ClientError, action: str, missing: str | None) -> NoReturn:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    cls = _BY_S3_CODE.get(code) or _BY_HTTP_STATUS.get(status, KeelError)
    if cls is NotFound and missing is not None and code != "NoSuchBucket":
        raise NotFound(missing) from exc
    raise cls(f"{action} failed: {code or status}: {error.get('Message') or exc}") from exc


def _from_botocore_error(exc: botocore_errors.BotoCoreError, action: str) -> KeelError:
    if isinstance(exc, botocore_errors.NoCredentialsError | botocore_errors.PartialCredentialsError):
        return Unauthenticated(f"{action} failed: no usable AWS credentials ({exc})")
    if isinstance(
        exc,
        botocore_errors.EndpointConnectionError
        | botocore_errors.ConnectionError
        | botocore_errors.HTTPClientError
        | botocore_errors.ResponseStreamingError
        | botocore_errors.IncompleteReadError,
    ):
        return Unavailable(f"{action} failed: {exc}")
    return KeelError(f"{action} failed: {exc}")


class _Prefixed(io.RawIOBase):
    """``head``, already read, then the rest of ``source``."""

    def __init__(self, head: bytes, source: BinaryIO) -> None:
        self._head: bytes | memoryview = head
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            size = min(len(view), len(self._head))
            view[:size] = self._head[:size]
            self._head = memoryview(self._head)[size:] if size < len(self._head) else b""
            return size
        data = self._source.read(len(view))
        view[: len(data)] = data
        return len(data)


class _ObjectReader(io.RawIOBase):
    """An object's body, read in chunks, with read errors translated too."""

    def __init__(self, body: Any, errors: Any) -> None:
        self._body = body
        self._errors = errors

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        with self._errors("download"):
            data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


def _child(parent: str, name: str) -> str | None:
    """The listing path of ``name`` under ``parent``, or None for a key no artifact path could name."""
    if not name or "/" in name or name.startswith(TEMP_PREFIX):
        return None
    child = join_relative(parent, name)
    try:
        return child if validate_relative_path(child) == child else None
    except InvalidParameter:
        return None


def _parents(artifact_file: str) -> list[str]:
    segments = artifact_file.split("/")
    return ["/".join(segments[:depth]) for depth in range(1, len(segments))]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _part_number(part: UploadedPart) -> int:
    return part.part_number


def _no_upload(upload_id: str) -> str:
    return f"No upload {upload_id} in progress"
