"""Artifact URIs: the scheme that picks a repository, and local paths to and from ``file://`` URIs."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from keel.errors import InvalidParameter


def uri_scheme(uri: str) -> str:
    """The lower-case scheme of ``uri``; ``""`` for a plain path, Windows drive paths included."""
    scheme = urlparse(uri).scheme.lower()
    return "" if len(scheme) == 1 else scheme  # "C:\\runs" parses with scheme "c"


def local_path_from_uri(uri: str) -> Path:
    """The local path named by a ``file://`` URI or a plain path, percent-escapes decoded.

    Raises:
        InvalidParameter: for another scheme, or a ``file://`` URI naming a remote host.
    """
    scheme = uri_scheme(uri)
    if scheme == "":
        return Path(uri)
    parsed = urlparse(uri)
    if scheme != "file":
        raise InvalidParameter(f"'{uri}' is not a local path or a file:// URI")
    if parsed.netloc not in ("", "localhost"):
        raise InvalidParameter(
            f"'{uri}' names the remote host '{parsed.netloc}'; only local files are supported"
        )
    return Path(url2pathname(parsed.path))


def path_to_file_uri(path: str | os.PathLike[str]) -> str:
    """The ``file://`` URI of a local path, made absolute (symlinks are kept, not resolved)."""
    return Path(os.path.abspath(path)).as_uri()
