"""INSERT … ON CONFLICT statements, written once per table and reused.

SQLite and PostgreSQL share this syntax. SQLAlchemy cannot cache its dialect-specific
ON CONFLICT constructs, so building them per call costs a compile each time; these
``text`` statements compile once, which is what keeps a logged metric well under a millisecond.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Table, TextClause, text


def _q(name: str) -> str:
    return f'"{name}"'


def _insert_sql(table: Table) -> str:
    columns = [c.name for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    return (
        f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, columns))}) "
        f"VALUES ({', '.join(':' + c for c in columns)})"
    )


@cache
def insert_ignore(table: Table, keys: tuple[str, ...]) -> TextClause:
    """INSERT that skips rows whose ``keys`` already exist."""
    return text(f"{_insert_sql(table)} ON CONFLICT ({', '.join(map(_q, keys))}) DO NOTHING")


@cache
def upsert(
    table: Table, keys: tuple[str, ...], update_columns: tuple[str, ...], when: str = ""
) -> TextClause:
    """INSERT, or on a ``keys`` conflict overwrite ``update_columns`` (only where ``when`` holds)."""
    assignments = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in update_columns)
    where = f" WHERE {when}" if when else ""
    return text(
        f"{_insert_sql(table)} ON CONFLICT ({', '.join(map(_q, keys))}) DO UPDATE SET {assignments}{where}"
    )
