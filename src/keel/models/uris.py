"""Model URIs to local model directories: ``runs:/``, ``models:/m-…``, registered models
(``models:/<name>/<version>``, ``models:/<name>@<alias>``, ``models:/<name>/<stage>``, ``/latest``),
paths, ``file://``, and any artifact URI keel can read (``mlflow-artifacts:/``, ``s3://``, ``http(s)://``).

``runs:/<run_id>/<name>`` resolves as MLflow 3 resolves it: to the logged model the run produced
under that name, else (a model logged by MLflow 2) to ``<name>`` in the run's own artifacts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from keel.errors import InvalidParameter, NotFound
from keel.store.artifacts import get_artifact_repository, local_path_from_uri
from keel.store.artifacts.uris import uri_scheme
from keel.store.registry.sources import LOGGED_MODEL_PREFIX
from keel.store.tracking.run_models import find_run_logged_model
from keel.tracking.client import Client
from keel.tracking.uris import resolve_tracking_uri

if TYPE_CHECKING:
    import os

RUNS_SCHEME = "runs"
MODELS_SCHEME = "models"
LOGGED_MODEL_ID_PREFIX = LOGGED_MODEL_PREFIX


def resolve_model_uri(model_uri: str, tracking_uri: str | None = None) -> str:
    """The artifact URI (or local path) where the model's files are.

    Raises:
        InvalidParameter: for a malformed ``runs:/`` or ``models:/`` URI.
        NotFound: when the run or logged model does not exist.
    """
    scheme = uri_scheme(model_uri)
    if scheme == RUNS_SCHEME:
        return _resolve_runs_uri(model_uri, tracking_uri)
    if scheme == MODELS_SCHEME:
        return _resolve_models_uri(model_uri, tracking_uri)
    return model_uri


def _parts(model_uri: str, scheme: str) -> list[str]:
    parsed = urlparse(model_uri)
    if parsed.netloc or parsed.query or parsed.fragment:
        raise InvalidParameter(f"Invalid {scheme} URI '{model_uri}': expected {scheme}:/<id>/<path>")
    return [p for p in parsed.path.split("/") if p]


def _resolve_runs_uri(model_uri: str, tracking_uri: str | None) -> str:
    parts = _parts(model_uri, RUNS_SCHEME)
    if len(parts) < 2:
        raise InvalidParameter(f"Invalid runs URI '{model_uri}': expected runs:/<run_id>/<model name>")
    run_id, name, rest = parts[0], parts[1], parts[2:]
    client = Client(tracking_uri)
    run = client.get_run(run_id)
    logged = find_run_logged_model(client.store, run.info.experiment_id, run_id, name)
    if logged is not None:
        return _join(logged.info.artifact_uri, rest)
    return _join(run.info.artifact_uri, [name, *rest])


def _resolve_models_uri(model_uri: str, tracking_uri: str | None) -> str:
    parts = _parts(model_uri, MODELS_SCHEME)
    if not parts:
        raise InvalidParameter(f"Invalid models URI '{model_uri}'")
    client = Client(tracking_uri)
    if parts[0].startswith(LOGGED_MODEL_ID_PREFIX) and "@" not in parts[0]:
        model = client.store.get_logged_model(parts[0])
        return _join(model.info.artifact_uri, parts[1:])
    taken = 1 if "@" in parts[0] else 2  # <name>@<alias>, or <name>/<version|stage|latest>
    version = client.registry.resolve_model_version("/".join(parts[:taken]))
    return _join(client.get_model_version_download_uri(version.name, version.version), parts[taken:])


def _join(base: str, parts: list[str]) -> str:
    return "/".join([base.rstrip("/"), *parts]) if parts else base


def local_model_dir(
    model_uri: str, dst_path: str | os.PathLike[str] | None = None, tracking_uri: str | None = None
) -> Path:
    """A local directory holding the model: the model's own directory when it is local (nothing is
    copied), else a download into ``dst_path`` (or a new temporary directory).

    Raises:
        NotFound: when nothing is at the URI.
    """
    uri = resolve_model_uri(str(model_uri), tracking_uri)
    scheme = uri_scheme(uri)
    if scheme in ("", "file"):
        directory = local_path_from_uri(uri)
        if not directory.exists():
            raise NotFound(f"No model at '{model_uri}': '{directory}' does not exist")
        return directory
    repository = get_artifact_repository(uri, tracking_uri=resolve_tracking_uri(tracking_uri))
    destination = Path(dst_path) if dst_path is not None else Path(tempfile.mkdtemp(prefix="keel-model-"))
    directory = Path(repository.download_artifacts("", destination))
    if not any(directory.iterdir()):
        raise NotFound(f"No model at '{model_uri}': '{uri}' holds no files")
    return directory
