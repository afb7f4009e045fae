"""One tracking store per tracking URI and process, chosen by the URI's scheme."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from keel.errors import Unsupported
from keel.tracking.batcher import discard_batcher
from keel.tracking.uris import default_artifact_root, is_http_uri

if TYPE_CHECKING:
    from keel.store.tracking.base import TrackingStore

_stores: dict[str, TrackingStore] = {}
_lock = threading.Lock()


def tracking_store_for(uri: str) -> TrackingStore:
    """The shared store for ``uri`` (already resolved), opened on first use."""
    store = _stores.get(uri)
    if store is not None:
        return store
    with _lock:
        if uri not in _stores:
            _stores[uri] = _open_store(uri)
        return _stores[uri]


def _open_store(uri: str) -> TrackingStore:
    if is_http_uri(uri):
        raise Unsupported(f"Tracking over HTTP is not available yet: '{uri}'")
    from keel.store.tracking.sql import SqlTrackingStore

    return SqlTrackingStore(uri, default_artifact_root(uri))


def close_all() -> None:
    """Close every open store (tests, and the CLI before it exits)."""
    with _lock:
        for store in _stores.values():
            discard_batcher(store)
            store.close()
        _stores.clear()
