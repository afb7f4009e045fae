"""One tracking store per tracking URI and process, chosen by the URI's scheme.

An ``http(s)://`` URI opens a ``RestTrackingStore`` whose non-blocking logging spools to disk
while the server is unreachable (``keel.tracking.batcher``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from keel.tracking.batcher import SpoolTarget, discard_batcher, spool_for
from keel.tracking.spool import default_spool_dir
from keel.tracking.uris import default_artifact_root, is_http_uri

if TYPE_CHECKING:
    from keel.store.registry.base import RegistryStore
    from keel.store.tracking.base import TrackingStore

_stores: dict[str, TrackingStore] = {}
_registries: dict[str, RegistryStore] = {}
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


def registry_store_for(uri: str) -> RegistryStore:
    """The registry beside the tracking store for ``uri``: the same server, or the same database."""
    registry = _registries.get(uri)
    if registry is not None:
        return registry
    tracking = tracking_store_for(uri)
    with _lock:
        if uri not in _registries:
            _registries[uri] = _open_registry(uri, tracking)
        return _registries[uri]


def _open_registry(uri: str, tracking: TrackingStore) -> RegistryStore:
    if is_http_uri(uri):
        from keel.store.registry.rest import RestRegistryStore
        from keel.store.tracking.rest import RestTrackingStore

        assert isinstance(tracking, RestTrackingStore)
        return RestRegistryStore(tracking.http)
    from keel.store.registry.sql import SqlRegistryStore
    from keel.store.tracking.sql import SqlTrackingStore

    assert isinstance(tracking, SqlTrackingStore)
    return SqlRegistryStore(tracking)


def _open_store(uri: str) -> TrackingStore:
    if is_http_uri(uri):
        return _open_rest_store(uri)
    from keel.store.tracking.sql import SqlTrackingStore

    return SqlTrackingStore(uri, default_artifact_root(uri))


def _open_rest_store(uri: str) -> TrackingStore:
    from keel.store.tracking.rest import RestTrackingStore  # httpx loads only for http(s) URIs

    store = RestTrackingStore(uri)
    sender = store.with_policy(store.http.policy.quick())
    spool_for(store, SpoolTarget(default_spool_dir(), uri, sender))
    return store


def close_all() -> None:
    """Close every open store (tests, and the CLI before it exits); then raise the first failure
    a queued write met, if any."""
    failures: list[BaseException] = []
    with _lock:
        for store in _stores.values():
            try:
                discard_batcher(store)
            except Exception as exc:  # every store is still closed
                failures.append(exc)
            finally:
                store.close()
        _stores.clear()
        _registries.clear()
    if failures:
        raise failures[0]


def is_open(store: TrackingStore) -> bool:
    """Whether ``store`` is the one currently shared for its URI (closed stores are dropped)."""
    return any(open_store is store for open_store in _stores.values())
