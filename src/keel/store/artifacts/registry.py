"""Which artifact repository serves a URI: a table from URI scheme to repository class.

Built-in backends whose libraries are optional or slow to import (boto3, httpx) are named as
``"module:attribute"`` and loaded on first use, as entry points are. ``mlflow-artifacts:`` URIs
name files behind a tracking server's proxy; they are resolved to its http(s) URL first.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit, urlunsplit

from keel.errors import InvalidParameter, Unsupported
from keel.store.artifacts.base import ArtifactRepository
from keel.store.artifacts.local import LocalArtifactRepository
from keel.store.artifacts.uris import uri_scheme

RepositoryFactory = Callable[[str], ArtifactRepository]

MLFLOW_ARTIFACTS_SCHEME = "mlflow-artifacts"
PROXY_ARTIFACTS_PATH = "/api/2.0/mlflow-artifacts/artifacts"
TRACKING_URI_ENV_VARS = ("KEEL_TRACKING_URI", "MLFLOW_TRACKING_URI")
"""Read when no tracking URI is passed; the same variables ``keel.tracking`` reads."""

_REPOSITORIES: dict[str, RepositoryFactory | str] = {
    "": LocalArtifactRepository,
    "file": LocalArtifactRepository,
    "s3": "keel.store.artifacts.s3:S3ArtifactRepository",
    "http": "keel.store.artifacts.http:HttpArtifactRepository",
    "https": "keel.store.artifacts.http:HttpArtifactRepository",
}
_EXTRAS = {"boto3": "s3", "botocore": "s3"}


def register_artifact_repository(scheme: str, factory: RepositoryFactory | str) -> None:
    """Serve URIs of ``scheme`` (``s3``, ``gs``…) with ``factory``, or with a ``"module:attribute"``
    naming it, imported the first time such a URI is used."""
    _REPOSITORIES[scheme.lower()] = factory


def get_artifact_repository(artifact_uri: str, *, tracking_uri: str | None = None) -> ArtifactRepository:
    """The repository for ``artifact_uri``, chosen by its scheme; plain paths are local.

    Args:
        artifact_uri: a path, ``file://``, ``s3://``, ``http(s)://…/mlflow-artifacts/artifacts/…``
            or ``mlflow-artifacts:/…`` URI.
        tracking_uri: the tracking server an ``mlflow-artifacts:`` URI is relative to; by default
            ``KEEL_TRACKING_URI`` or ``MLFLOW_TRACKING_URI``.

    Raises:
        Unsupported: when no repository serves the URI's scheme, or its library is not installed.

    Example:
        >>> get_artifact_repository("mlflow-artifacts:/1/abc/artifacts", tracking_uri="http://keel:5000")
    """
    scheme = uri_scheme(artifact_uri)
    if scheme == MLFLOW_ARTIFACTS_SCHEME:
        artifact_uri = resolve_proxied_uri(artifact_uri, tracking_uri)
        scheme = uri_scheme(artifact_uri)
    factory = _REPOSITORIES.get(scheme)
    if factory is None:
        known = ", ".join(sorted(s for s in [*_REPOSITORIES, MLFLOW_ARTIFACTS_SCHEME] if s))
        raise Unsupported(
            f"No artifact repository for scheme '{scheme}' in '{artifact_uri}' (supported: {known})"
        )
    if isinstance(factory, str):
        factory = _REPOSITORIES[scheme] = _load(scheme, factory)
    return factory(artifact_uri)


def resolve_proxied_uri(artifact_uri: str, tracking_uri: str | None = None) -> str:
    """The http(s) URL of ``mlflow-artifacts:[//host:port]/path`` on the tracking server, as MLflow
    resolves it: the host in the URI, if any, replaces the tracking server's.

    Raises:
        InvalidParameter: when the tracking URI is not an http(s) URL.

    Example:
        >>> resolve_proxied_uri("mlflow-artifacts:/1/abc/artifacts", "https://keel.example.com/ml")
        'https://keel.example.com/ml/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts'
    """
    tracking = tracking_uri or next((os.environ[v] for v in TRACKING_URI_ENV_VARS if os.environ.get(v)), "")
    server = urlsplit(tracking)
    if server.scheme not in ("http", "https") or not server.netloc:
        kind = (
            f"a '{server.scheme}' URI" if server.scheme else "not set"
        )  # never echo it: it may hold a password
        raise InvalidParameter(
            f"'{artifact_uri}' names a file behind a tracking server's artifact proxy, so the tracking "
            f"URI must be the server's http(s) URL, but it is {kind}. Set KEEL_TRACKING_URI (or "
            "MLFLOW_TRACKING_URI), e.g. http://localhost:5000."
        )
    uri = urlsplit(artifact_uri)
    if uri.netloc and (not uri.hostname or (uri.hostname.isdigit() and uri.port is None)):
        raise InvalidParameter(f"'{artifact_uri}' names a port but no host")
    path = re.sub("//+", "/", f"{server.path}/{PROXY_ARTIFACTS_PATH}/{uri.path}").rstrip("/")
    return urlunsplit((server.scheme, uri.netloc or server.netloc, path, "", ""))


def _load(scheme: str, reference: str) -> RepositoryFactory:
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        missing = exc.name or module_name
        extra = f" (pip install 'keel[{_EXTRAS[missing]}]')" if missing in _EXTRAS else ""
        raise Unsupported(f"{scheme}:// artifact URIs need the '{missing}' package{extra}") from exc
    return cast("RepositoryFactory", getattr(module, attribute))
