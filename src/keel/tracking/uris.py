"""Where tracking data goes: the tracking URI, its default, and the artifact root that goes with it."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = "keel-data"
TRACKING_URI_ENV_VARS = ("KEEL_TRACKING_URI", "MLFLOW_TRACKING_URI")
ARTIFACT_ROOT_ENV_VAR = "KEEL_ARTIFACT_ROOT"


def default_tracking_uri() -> str:
    """The embedded default: a SQLite file under ``./keel-data`` in the working directory."""
    return f"sqlite:///{Path.cwd() / DEFAULT_DATA_DIR / 'keel.db'}"


_process_tracking_uri: str | None = None


def set_tracking_uri(uri: str | os.PathLike[str] | None) -> None:
    """The process-wide tracking URI that ``Client()`` and the fluent API use (None: back to the default)."""
    global _process_tracking_uri
    _process_tracking_uri = None if uri is None else resolve_tracking_uri(os.fspath(uri))


def get_tracking_uri() -> str:
    return resolve_tracking_uri()


def resolve_tracking_uri(uri: str | None = None) -> str:
    """An explicit URI, else the one set by ``set_tracking_uri``, else ``KEEL_TRACKING_URI``,
    else ``MLFLOW_TRACKING_URI``, else the embedded default.

    A plain directory path (or ``file://`` URI) means a SQLite database inside that directory.
    """
    if not uri:
        uri = _process_tracking_uri
    if not uri:
        uri = next((os.environ[v] for v in TRACKING_URI_ENV_VARS if os.environ.get(v)), None)
    if not uri:
        return default_tracking_uri()
    if "://" not in uri and not uri.startswith("sqlite:"):
        return f"sqlite:///{Path(uri).resolve() / 'keel.db'}"
    if uri.startswith("file://"):
        return f"sqlite:///{Path(uri.removeprefix('file://')).resolve() / 'keel.db'}"
    return uri


def default_artifact_root(tracking_uri: str) -> str:
    """``KEEL_ARTIFACT_ROOT``, else ``artifacts/`` beside a SQLite file, else ``./keel-data/artifacts``."""
    if os.environ.get(ARTIFACT_ROOT_ENV_VAR):
        root = os.environ[ARTIFACT_ROOT_ENV_VAR]
        return root if "://" in root else Path(root).resolve().as_uri()
    database = sqlite_file(tracking_uri)
    if database is not None:
        return (Path(database).resolve().parent / "artifacts").as_uri()
    return (Path.cwd() / DEFAULT_DATA_DIR / "artifacts").as_uri()


def sqlite_file(uri: str) -> str | None:
    """The file of a ``sqlite:///path`` (or ``sqlite+driver:///path``) URI; None for other URIs and memory.

    Parsed by hand so that choosing a tracking URI does not import SQLAlchemy.
    """
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
        return None
    database = rest[1:].split("?", 1)[0]
    return database if database and database != ":memory:" else None


def is_http_uri(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))
