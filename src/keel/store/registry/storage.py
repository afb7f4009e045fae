"""The registry's own storage: each version's files are copied there when it is registered, so the
version outlives the run or logged model it came from.

Copies live under ``<artifact root>/registry/<uuid>``. The server hands in a resolver that maps its
``mlflow-artifacts:`` URIs onto the proxied destination; elsewhere URIs open their own repository.
"""

from __future__ import annotations

import posixpath
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from keel.errors import InvalidParameter, NotFound
from keel.store.artifacts import ArtifactRepository, get_artifact_repository

ArtifactResolver = Callable[[str], tuple[ArtifactRepository, str]]
"""An artifact URI -> the repository holding it and the path inside that repository."""

REGISTRY_DIR = "registry"


def open_repository(uri: str) -> tuple[ArtifactRepository, str]:
    return get_artifact_repository(uri), ""


class RegistryStorage:
    """Copies model files into ``<root>/registry`` and names the copies."""

    def __init__(self, root_uri: str, resolve: ArtifactResolver = open_repository) -> None:
        self.root_uri = root_uri.rstrip("/")
        self._resolve = resolve

    def copy_in(self, root: str, path: str = "") -> str:
        """Copy everything at ``path`` under ``root`` into a new place in registry storage; return its URI.

        The files are read through ``root``'s repository, so nothing outside ``root`` (a symlink
        planted in a run's artifacts, say) is followed.

        Raises:
            InvalidParameter: when nothing is there.
        """
        location = f"{root.rstrip('/')}/{path}" if path else root
        destination = f"{self.root_uri}/{REGISTRY_DIR}/{uuid.uuid4().hex}"
        source_repo, base = self._resolve(root)
        source_path = posixpath.join(base, path) if base and path else base or path
        with tempfile.TemporaryDirectory(prefix="keel-register-") as tmp:
            try:
                local = Path(source_repo.download_artifacts(source_path, tmp))
            except NotFound:
                raise InvalidParameter(f"Model version source '{location}' holds no files.") from None
            if local.is_file():
                raise InvalidParameter(f"Model version source '{location}' is a file, not a model directory.")
            if not local.is_dir() or not any(local.iterdir()):
                raise InvalidParameter(f"Model version source '{location}' holds no files.")
            dest_repo, dest_path = self._resolve(destination)
            try:
                dest_repo.log_artifacts(local, dest_path or None)
            except BaseException:
                self.discard(destination)
                raise
        return destination

    def discard(self, uri: str) -> None:
        """Remove a copy this storage made (of a deleted version, or a registration that failed
        after copying); best effort, and nothing outside ``<root>/registry``."""
        prefix = f"{self.root_uri}/{REGISTRY_DIR}/"
        if not uri.startswith(prefix):
            return
        repo, base = self._resolve(self.root_uri)
        relative = f"{REGISTRY_DIR}/{uri.removeprefix(prefix)}"
        try:
            repo.delete_artifacts(posixpath.join(base, relative) if base else relative)
        except Exception:  # a copy left behind costs disk, not correctness
            return
