"""The artifact repository interface: public methods validate paths, then call the backend hooks.

Also holds the chunked, atomic local-file write shared by downloads and the local backend, and the
two upload protocols a proxy offers: presigned multipart (object stores only) and resumable uploads
(chunks at known offsets, committed in one step; staged through the storage hooks by default).
"""

from __future__ import annotations

import abc
import functools
import hashlib
import io
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from keel.errors import Conflict, InvalidParameter, NotFound, Unsupported
from keel.store.artifacts.paths import join_relative, validate_relative_path

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from _typeshed import WriteableBuffer

    from keel.entities.file_info import FileInfo

CHUNK_SIZE = 1024 * 1024
TEMP_PREFIX = ".keel-tmp-"
"""Names of files still being written; listings skip them and artifacts may not use it."""
STAGING_PREFIX = f"{TEMP_PREFIX}upload-"
"""Resumable uploads staged by the default hooks live at the root under this prefix until committed."""
MAX_PARTS = 10_000
MULTIPART_UNSUPPORTED = "Multipart upload is not supported for the current artifact repository"
"""MLflow's exact message: its client falls back to a single PUT when the error starts with it."""

_UPLOAD_ID = re.compile(r"[A-Za-z0-9._~+/=-]{1,1024}")  # wide enough for S3's upload ids
_STAGED_ID = re.compile(r"[0-9a-f]{32}")
_STARTED = "started"


@dataclass(frozen=True)
class PartUploadUrl:
    """Where a client PUTs one part of a presigned multipart upload (MLflow's MultipartUploadCredential)."""

    url: str
    part_number: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MultipartUpload:
    """A started presigned multipart upload: its id and one URL per part."""

    upload_id: str
    credentials: list[PartUploadUrl]


@dataclass(frozen=True)
class UploadedPart:
    """A part the client uploaded, as the storage acknowledged it."""

    part_number: int
    etag: str


def write_atomically(source: BinaryIO, dest: Path) -> None:
    """Stream ``source`` into ``dest`` through a temp file beside it, then rename over ``dest``.

    A reader, or a crash halfway, never sees a partly written ``dest``.
    """
    tmp = dest.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    # os.open with 0o666 lets the umask decide the mode, as open() would; mkstemp would force 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK_SIZE)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_up_to(source: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of ``source`` (one read may return less)."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0 and (data := source.read(min(remaining, CHUNK_SIZE))):
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


class ArtifactRepository(abc.ABC):
    """Files under one artifact URI. One implementation per storage backend.

    Paths are POSIX and relative to the root; backends implement the ``_``-prefixed hooks and receive
    paths already checked by ``validate_relative_path``.
    """

    def __init__(self, artifact_uri: str) -> None:
        self.artifact_uri = artifact_uri

    def log_artifact(self, local_file: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Copy one local file to ``artifact_path/<its basename>``.

        Example:
            >>> repo.log_artifact("model.pkl", "model")  # stored as "model/model.pkl"
        """
        source = Path(local_file)
        base = validate_relative_path(artifact_path)
        dest = _require_file(validate_relative_path(join_relative(base, source.name)))
        with _open_local(source) as stream:
            self._write_stream(dest, stream)

    def log_artifacts(self, local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Copy the files under ``local_dir``, recursively, to ``artifact_path``.

        Every destination is validated before the first is written. Empty directories are not kept,
        as object stores have none.
        """
        base = validate_relative_path(artifact_path)
        root = Path(local_dir)
        if not root.is_dir():
            raise NotFound(f"Local directory '{root}' does not exist")
        uploads = [
            (
                file,
                _require_file(validate_relative_path(join_relative(base, file.relative_to(root).as_posix()))),
            )
            for file in sorted(_walk_files(root))
        ]
        for file, dest in uploads:
            with _open_local(file) as stream:
                self._write_stream(dest, stream)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Store ``data`` as ``artifact_file``, replacing any file there (for log_text and log_dict)."""
        self._write_stream(_require_file(validate_relative_path(artifact_file)), io.BytesIO(data))

    def write_stream(self, artifact_file: str, source: BinaryIO) -> None:
        """Store what ``source`` yields as ``artifact_file``, read in chunks, replacing any file there."""
        self._write_stream(_require_file(validate_relative_path(artifact_file)), source)

    def open_read(self, artifact_file: str) -> BinaryIO:
        """Open ``artifact_file`` for a streaming read; the caller closes it.

        Raises:
            NotFound: when there is no file at ``artifact_file``.
        """
        return self._open_read(_require_file(validate_relative_path(artifact_file)))

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """The direct children of directory ``path``, sorted, with paths relative to the root.

        A missing directory or a file path lists as ``[]``, as in MLflow.
        """
        return sorted(self._list_artifacts(validate_relative_path(path)), key=lambda info: info.path)

    def download_artifacts(self, artifact_path: str, dst_path: str | os.PathLike[str] | None = None) -> str:
        """Download a file or a whole directory and return its local path.

        Args:
            artifact_path: the file or directory to fetch; ``""`` for everything.
            dst_path: an existing local directory; a new temporary one when omitted.

        Returns:
            ``dst_path/artifact_path``, as an absolute path.

        Example:
            >>> repo.download_artifacts("model", "/tmp/out")
            '/tmp/out/model'
        """
        path = validate_relative_path(artifact_path)
        if dst_path is not None:
            dst = Path(dst_path)
            if not dst.is_dir():
                raise InvalidParameter(f"Download destination '{dst}' is not an existing directory")
            return str(self._download(path, dst))
        dst = Path(tempfile.mkdtemp())
        try:
            return str(self._download(path, dst))
        except BaseException:
            shutil.rmtree(dst, ignore_errors=True)
            raise

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        """Delete a file or a directory tree; everything when ``artifact_path`` is omitted.

        Deleting what does not exist is not an error.
        """
        self._delete_artifacts(validate_relative_path(artifact_path))

    # Presigned multipart uploads (MLflow's mpu endpoints): the client PUTs parts straight to storage.

    supports_presigned_multipart: ClassVar[bool] = False
    """Whether ``create_multipart_upload`` works here, for a server to advertise it."""

    def create_multipart_upload(self, artifact_file: str, num_parts: int) -> MultipartUpload:
        """Start a multipart upload to ``artifact_file`` with a presigned URL per part.

        Raises:
            Unsupported: with MLflow's message, when the storage cannot presign parts.
        """
        path = _require_file(validate_relative_path(artifact_file))
        if not 1 <= num_parts <= MAX_PARTS:
            raise InvalidParameter(f"num_parts must be between 1 and {MAX_PARTS}, got {num_parts}")
        return self._create_multipart_upload(path, num_parts)

    def complete_multipart_upload(
        self, artifact_file: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None:
        """Join the uploaded ``parts`` into ``artifact_file``, all at once."""
        path = _require_file(validate_relative_path(artifact_file))
        if not parts:
            raise InvalidParameter("A multipart upload needs at least one part")
        self._complete_multipart_upload(path, _check_upload_id(upload_id), parts)

    def abort_multipart_upload(self, artifact_file: str, upload_id: str) -> None:
        """Drop a multipart upload and the parts uploaded so far."""
        path = _require_file(validate_relative_path(artifact_file))
        self._abort_multipart_upload(path, _check_upload_id(upload_id))

    # Resumable uploads: chunks appended at the offset the storage reports, then committed at once.

    def start_upload(self, artifact_file: str) -> str:
        """Begin a resumable upload to ``artifact_file`` and return its upload id.

        Example:
            >>> upload_id = repo.start_upload("model/weights.bin")
            >>> offset = repo.append_upload("model/weights.bin", upload_id, 0, chunk)
            >>> repo.commit_upload("model/weights.bin", upload_id, size=offset)
        """
        return self._start_upload(_require_file(validate_relative_path(artifact_file)))

    def upload_offset(self, artifact_file: str, upload_id: str) -> int:
        """How many bytes of the upload are stored, which is where the next chunk must start.

        Raises:
            NotFound: when no such upload is in progress (never started, committed or aborted).
        """
        path = _require_file(validate_relative_path(artifact_file))
        return self._upload_offset(path, _check_upload_id(upload_id))

    def append_upload(self, artifact_file: str, upload_id: str, offset: int, source: BinaryIO) -> int:
        """Store what ``source`` yields as the chunk at ``offset``, whole or not at all; return the new end.

        Raises:
            Conflict: when ``offset`` is not the upload's current offset.
        """
        path = _require_file(validate_relative_path(artifact_file))
        if offset < 0:
            raise InvalidParameter(f"offset must not be negative, got {offset}")
        return self._append_upload(path, _check_upload_id(upload_id), offset, source)

    def commit_upload(self, artifact_file: str, upload_id: str, size: int | None = None) -> None:
        """Put the uploaded bytes in place as ``artifact_file`` in one step, replacing any file there.

        Args:
            size: the total the client sent; a different stored total is refused.
        """
        path = _require_file(validate_relative_path(artifact_file))
        self._commit_upload(path, _check_upload_id(upload_id), size)

    def abort_upload(self, artifact_file: str, upload_id: str) -> None:
        """Drop an upload in progress; dropping one that is gone is not an error."""
        path = _require_file(validate_relative_path(artifact_file))
        self._abort_upload(path, _check_upload_id(upload_id))

    def _download(self, path: str, dst: Path) -> Path:
        local = Path(os.path.abspath(dst / path))
        if not path or self._is_dir(path):
            local.mkdir(parents=True, exist_ok=True)
            self._download_tree(path, dst)
        else:
            self._download_file(path, local)
        return local

    def _download_tree(self, path: str, dst: Path) -> None:
        for info in self._list_artifacts(path):
            # Object stores accept any key, "../x" included: check what a listing hands back too.
            local = dst / validate_relative_path(info.path)
            if info.is_dir:
                local.mkdir(parents=True, exist_ok=True)
                self._download_tree(info.path, dst)
            else:
                self._download_file(info.path, local)

    def _download_file(self, artifact_file: str, local: Path) -> None:
        with self._open_read(artifact_file) as stream:
            local.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(stream, local)

    # Backend hooks: paths are validated, normalised and relative to the root ("" is the root).

    @abc.abstractmethod
    def _write_stream(self, artifact_file: str, source: BinaryIO) -> None:
        """Store ``source`` at ``artifact_file`` all at once, or not at all."""

    @abc.abstractmethod
    def _open_read(self, artifact_file: str) -> BinaryIO:
        """Open a stored file; raise ``NotFound`` when there is none."""

    @abc.abstractmethod
    def _list_artifacts(self, path: str) -> list[FileInfo]:
        """Direct children of ``path``, in any order; ``[]`` when it is missing or a file."""

    @abc.abstractmethod
    def _is_dir(self, path: str) -> bool:
        """Whether ``path`` is a directory (a prefix with something under it, in object stores)."""

    @abc.abstractmethod
    def _delete_artifacts(self, path: str) -> None:
        """Remove ``path`` and whatever is under it; do nothing when it is missing."""

    # Optional hooks. Presigned multipart needs an object store; resumable uploads default to chunk
    # files staged under the root (hidden from listings) and joined by ``_write_stream`` on commit.

    def _create_multipart_upload(self, artifact_file: str, num_parts: int) -> MultipartUpload:
        raise Unsupported(MULTIPART_UNSUPPORTED)

    def _complete_multipart_upload(
        self, artifact_file: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None:
        raise Unsupported(MULTIPART_UNSUPPORTED)

    def _abort_multipart_upload(self, artifact_file: str, upload_id: str) -> None:
        raise Unsupported(MULTIPART_UNSUPPORTED)

    def _start_upload(self, artifact_file: str) -> str:
        if self._is_dir(artifact_file):
            raise InvalidParameter(f"Cannot write artifact {artifact_file!r}: it is a directory")
        upload_id = uuid.uuid4().hex
        self._write_stream(f"{_staging(artifact_file, upload_id)}/{_STARTED}", io.BytesIO(b""))
        return upload_id

    def _upload_offset(self, artifact_file: str, upload_id: str) -> int:
        return sum(size for _, size in self._staged_chunks(artifact_file, upload_id))

    def _append_upload(self, artifact_file: str, upload_id: str, offset: int, source: BinaryIO) -> int:
        current = self._upload_offset(artifact_file, upload_id)
        if offset != current:
            raise Conflict(f"Upload {upload_id} continues at offset {current}, not {offset}")
        self._write_stream(f"{_staging(artifact_file, upload_id)}/{offset:020d}", source)
        return self._upload_offset(artifact_file, upload_id)

    def _commit_upload(self, artifact_file: str, upload_id: str, size: int | None) -> None:
        chunks = self._staged_chunks(artifact_file, upload_id)
        total = sum(chunk_size for _, chunk_size in chunks)
        if size is not None and size != total:
            raise InvalidParameter(f"Upload {upload_id} holds {total} bytes, not the {size} announced")
        joined = _JoinedReader([functools.partial(self._open_read, path) for path, _ in chunks])
        with io.BufferedReader(joined, CHUNK_SIZE) as stream:
            self._write_stream(artifact_file, stream)
        self._delete_artifacts(_staging(artifact_file, upload_id))

    def _abort_upload(self, artifact_file: str, upload_id: str) -> None:
        self._delete_artifacts(_staging(artifact_file, upload_id))

    def _staged_chunks(self, artifact_file: str, upload_id: str) -> list[tuple[str, int]]:
        """The staged chunk files in offset order, with their sizes."""
        listed = self._list_artifacts(_staging(artifact_file, upload_id))
        if not listed:
            raise NotFound(f"No upload {upload_id} in progress for {artifact_file!r}")
        chunks = [
            (info.path, info.file_size or 0)
            for info in listed
            if not info.is_dir and info.path.rsplit("/", 1)[-1].isdigit()
        ]
        return sorted(chunks, key=lambda chunk: int(chunk[0].rsplit("/", 1)[-1]))


def _check_upload_id(upload_id: str) -> str:
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise InvalidParameter(f"Invalid upload id {upload_id!r}")
    return upload_id


def _staging(artifact_file: str, upload_id: str) -> str:
    """Where the default hooks stage an upload: at the root, named after the upload and its target."""
    if not _STAGED_ID.fullmatch(upload_id):
        raise NotFound(f"No upload {upload_id} in progress for {artifact_file!r}")
    digest = hashlib.sha256(artifact_file.encode()).hexdigest()[:16]
    return f"{STAGING_PREFIX}{upload_id}-{digest}"


class _JoinedReader(io.RawIOBase):
    """One stream over several, each opened when reached and closed when used up."""

    def __init__(self, openers: Sequence[Callable[[], BinaryIO]]) -> None:
        self._openers = list(openers)
        self._current: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        while True:
            if self._current is None:
                if not self._openers:
                    return 0
                self._current = self._openers.pop(0)()
            data = self._current.read(len(view))
            if data:
                view[: len(data)] = data
                return len(data)
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


def _require_file(path: str) -> str:
    if not path:
        raise InvalidParameter("An artifact file path is required; the artifact root is a directory")
    if path.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
        raise InvalidParameter(f"Invalid artifact path {path!r}: names starting {TEMP_PREFIX!r} are reserved")
    return path


def _open_local(file: Path) -> BinaryIO:
    try:
        return file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(f"Local file '{file}' does not exist") from exc
    except IsADirectoryError as exc:
        raise InvalidParameter(f"Local path '{file}' is a directory; use log_artifacts") from exc


def _walk_files(root: Path) -> list[Path]:
    return [Path(folder, name) for folder, _, names in os.walk(root) for name in names]
