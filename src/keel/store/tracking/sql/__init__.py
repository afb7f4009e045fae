"""The SQL tracking store: SQLAlchemy Core over SQLite (embedded default) or PostgreSQL."""

from keel.store.tracking.sql.store import SqlTrackingStore

__all__ = ["SqlTrackingStore"]
