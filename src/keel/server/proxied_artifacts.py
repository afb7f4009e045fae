"""The server's view of ``mlflow-artifacts:`` URIs: paths inside its proxied artifact destination."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from keel.errors import InvalidParameter, Unsupported
from keel.store.artifacts import get_artifact_repository, validate_relative_path
from keel.store.artifacts.uris import uri_scheme

MLFLOW_ARTIFACTS_SCHEME = "mlflow-artifacts"
REMOTE_FETCH_SCHEMES = frozenset({"http", "https"})

if TYPE_CHECKING:
    from keel.store.artifacts import ArtifactRepository
    from keel.store.registry.storage import ArtifactResolver


def proxied_resolver(destination: ArtifactRepository | None) -> ArtifactResolver:
    """``proxied_repository`` over ``destination``, for the registry's storage."""
    return functools.partial(proxied_repository, destination)


def proxied_repository(destination: ArtifactRepository | None, uri: str) -> tuple[ArtifactRepository, str]:
    """The repository holding ``uri`` and the path inside it: ``mlflow-artifacts:/<path>`` is
    ``<path>`` in the proxied ``destination``; other URIs open their own repository.

    Raises:
        InvalidParameter: for an ``http(s)://`` URI: the server never fetches URLs for a client.
        Unsupported: for ``mlflow-artifacts:`` when the server does not serve artifacts.
    """
    scheme = uri_scheme(uri)
    if scheme == MLFLOW_ARTIFACTS_SCHEME:
        if destination is None:
            raise Unsupported("This server does not serve artifacts (started without --serve-artifacts)")
        return destination, validate_relative_path(uri.split(":", 1)[1].lstrip("/"))
    if scheme in REMOTE_FETCH_SCHEMES:
        raise InvalidParameter(f"Artifacts at '{uri}' are not read by this server")
    return get_artifact_repository(uri), ""
