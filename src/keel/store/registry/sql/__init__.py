"""The registry in the tracking database: same engines, same migrations."""

from keel.store.registry.sql.store import SqlRegistryStore

__all__ = ["SqlRegistryStore"]
