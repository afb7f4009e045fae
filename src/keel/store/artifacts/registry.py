"""Which artifact repository serves a URI: a table from URI scheme to repository class."""

from __future__ import annotations

from collections.abc import Callable

from keel.errors import Unsupported
from keel.store.artifacts.base import ArtifactRepository
from keel.store.artifacts.local import LocalArtifactRepository
from keel.store.artifacts.uris import uri_scheme

RepositoryFactory = Callable[[str], ArtifactRepository]

_REPOSITORIES: dict[str, RepositoryFactory] = {
    "": LocalArtifactRepository,
    "file": LocalArtifactRepository,
}


def register_artifact_repository(scheme: str, factory: RepositoryFactory) -> None:
    """Serve URIs of ``scheme`` (``s3``, ``mlflow-artifacts``, ``http``…) with ``factory``."""
    _REPOSITORIES[scheme.lower()] = factory


def get_artifact_repository(artifact_uri: str) -> ArtifactRepository:
    """The repository for ``artifact_uri``, chosen by its scheme; plain paths are local.

    Raises:
        Unsupported: when no repository serves the URI's scheme.

    Example:
        >>> get_artifact_repository("file:///srv/keel/artifacts/1/abc/artifacts")
    """
    scheme = uri_scheme(artifact_uri)
    factory = _REPOSITORIES.get(scheme)
    if factory is None:
        known = ", ".join(sorted(s for s in _REPOSITORIES if s))
        raise Unsupported(
            f"No artifact repository for scheme '{scheme}' in '{artifact_uri}' (supported: {known})"
        )
    return factory(artifact_uri)
