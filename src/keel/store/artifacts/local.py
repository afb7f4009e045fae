"""LocalArtifactRepository: artifacts as files under a local directory, written atomically."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import BinaryIO

from keel.entities.file_info import FileInfo
from keel.errors import InvalidParameter, NotFound
from keel.store.artifacts.base import TEMP_PREFIX, ArtifactRepository, write_atomically
from keel.store.artifacts.paths import join_relative, resolve_under, validate_relative_path
from keel.store.artifacts.uris import local_path_from_uri


class LocalArtifactRepository(ArtifactRepository):
    """Artifacts under the directory of a ``file://`` URI or plain path, created on first write.

    Every path is resolved, symlinks included, and refused if it leaves the root.
    """

    def __init__(self, artifact_uri: str) -> None:
        super().__init__(artifact_uri)
        self.root = Path(os.path.abspath(local_path_from_uri(artifact_uri)))

    def _write_stream(self, artifact_file: str, source: BinaryIO) -> None:
        dest = resolve_under(self.root, artifact_file)
        if dest.is_dir():
            raise InvalidParameter(f"Cannot write artifact {artifact_file!r}: it is a directory")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidParameter(f"Cannot write artifact {artifact_file!r}: a parent is a file") from exc
        write_atomically(source, dest)

    def _open_read(self, artifact_file: str) -> BinaryIO:
        target = resolve_under(self.root, artifact_file)
        try:
            return target.open("rb")
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(f"No such artifact: {artifact_file!r} under {self.artifact_uri}") from exc
        except IsADirectoryError as exc:
            raise NotFound(f"No such artifact file: {artifact_file!r} is a directory") from exc

    def _list_artifacts(self, path: str) -> list[FileInfo]:
        directory = resolve_under(self.root, path)
        try:
            with os.scandir(directory) as entries:
                return [info for entry in entries if (info := self._file_info(path, entry)) is not None]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _file_info(self, parent: str, entry: os.DirEntry[str]) -> FileInfo | None:
        """The listing entry for ``entry``, or None for what the API could not reach anyway."""
        if entry.name.startswith(TEMP_PREFIX):
            return None
        child = join_relative(parent, entry.name)
        try:
            validate_relative_path(child)
            if entry.is_symlink():
                resolve_under(self.root, child)
            st = entry.stat()
        except (InvalidParameter, OSError):  # a refused name, a symlink out of the root, a dangling link
            return None
        if stat.S_ISDIR(st.st_mode):
            return FileInfo(child, is_dir=True)
        return FileInfo(child, is_dir=False, file_size=st.st_size)

    def _is_dir(self, path: str) -> bool:
        return resolve_under(self.root, path).is_dir()

    def _delete_artifacts(self, path: str) -> None:
        resolve_under(self.root, path)
        # Act on the unresolved path so a symlink inside the root is removed, not what it points to.
        target = self.root.resolve() / path
        if path:
            _remove(target)
            return
        if target.is_dir():
            for child in target.iterdir():
                _remove(child)


def _remove(target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
