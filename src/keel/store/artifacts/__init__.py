"""Artifact repositories: the interface, the local backend, and the choice by URI scheme."""

from keel.store.artifacts.base import ArtifactRepository
from keel.store.artifacts.local import LocalArtifactRepository
from keel.store.artifacts.paths import resolve_under, validate_relative_path
from keel.store.artifacts.registry import get_artifact_repository, register_artifact_repository
from keel.store.artifacts.uris import local_path_from_uri, path_to_file_uri

__all__ = [
    "ArtifactRepository",
    "LocalArtifactRepository",
    "get_artifact_repository",
    "local_path_from_uri",
    "path_to_file_uri",
    "register_artifact_repository",
    "resolve_under",
    "validate_relative_path",
]
