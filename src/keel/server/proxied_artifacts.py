"""The server's view of ``mlflow-artifacts:`` URIs: paths inside its proxied artifact destination."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keel.errors import Unsupported
from keel.server.settings import MLFLOW_ARTIFACTS_ROOT
from keel.store.artifacts import get_artifact_repository, validate_relative_path

if TYPE_CHECKING:
    from keel.store.artifacts import ArtifactRepository
    from keel.store.registry.storage import ArtifactResolver


def proxied_resolver(destination: ArtifactRepository | None) -> ArtifactResolver:
    """Map ``mlflow-artifacts:/<path>`` onto ``destination``; other URIs open their own repository."""

    def resolve(uri: str) -> tuple[ArtifactRepository, str]:
        if uri.startswith(MLFLOW_ARTIFACTS_ROOT):
            if destination is None:
                raise Unsupported("This server does not serve artifacts (started without --serve-artifacts)")
            return destination, validate_relative_path(uri.removeprefix(MLFLOW_ARTIFACTS_ROOT).lstrip("/"))
        return get_artifact_repository(uri), ""

    return resolve
