"""What a client may point the server at: artifact locations stay behind the proxy or in object stores.

A location on the server's own disk is allowed only inside the artifact destination, and
URLs that would make the server fetch from the network (http, ftp …) are refused, so no
request can aim the server at arbitrary local files or internal addresses.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from keel.errors import InvalidParameter
from keel.server.settings import MLFLOW_ARTIFACTS_ROOT
from keel.store.artifacts import local_path_from_uri

OBJECT_STORE_SCHEMES = frozenset({"s3", "gs", "wasbs", "abfss"})


def check_artifact_location(location: str, destination: str) -> None:
    """Raise InvalidParameter unless ``location`` is proxied, an object store, or under ``destination``."""
    if location.startswith(MLFLOW_ARTIFACTS_ROOT):
        return
    scheme = urlsplit(location).scheme.lower()
    if scheme in OBJECT_STORE_SCHEMES:
        return
    if scheme in ("", "file") and _is_local_under(location, destination):
        return
    raise InvalidParameter(
        f"Artifact location '{location}' is not allowed: use mlflow-artifacts:/…, an object store "
        f"(s3://, gs://, wasbs://), or a path inside the server's artifact destination."
    )


def _is_local_under(location: str, destination: str) -> bool:
    if urlsplit(destination).scheme not in ("", "file"):
        return False
    try:
        root = local_path_from_uri(destination).resolve()
        target = Path(local_path_from_uri(location)).resolve()
    except (InvalidParameter, OSError, ValueError):
        return False
    return target == root or root in target.parents
