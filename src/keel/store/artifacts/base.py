"""The artifact repository interface: public methods validate paths, then call the backend hooks.

Also holds the chunked, atomic local-file write shared by downloads and the local backend.
"""

from __future__ import annotations

import abc
import io
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from keel.errors import InvalidParameter, NotFound
from keel.store.artifacts.paths import join_relative, validate_relative_path

if TYPE_CHECKING:
    from keel.entities.file_info import FileInfo

CHUNK_SIZE = 1024 * 1024
TEMP_PREFIX = ".keel-tmp-"
"""Names of files still being written; listings skip them and artifacts may not use it."""


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
