"""INSERT … ON CONFLICT statements, written once per table and reused.

SQLite and PostgreSQL share this syntax. SQLAlchemy cannot cache its dialect-specific
ON CONFLICT constructs, so building them per call costs a compile each time; these
``text`` statements compile once, which is what keeps a logged metric well under a millisecond.
The metric hot path goes one step further and hands positional rows straight to the driver.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Table, TextClause, text

if TYPE_CHECKING:
    from collections.abc import Callable

NAMED = ":{}".format
"""``text()`` bind parameters, by column name."""


def _q(name: str) -> str:
    return f'"{name}"'


def insert_columns(table: Table) -> tuple[str, ...]:
    """The columns an INSERT names, in table order: all but an autoincrementing key."""
    return tuple(c.name for c in table.columns if not (c.primary_key and c.autoincrement is True))


def _statement(table: Table, marker: Callable[[str], str], keys: tuple[str, ...], action: str) -> str:
    columns = insert_columns(table)
    return (
        f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, columns))}) "
        f"VALUES ({', '.join(marker(c) for c in columns)}) "
        f"ON CONFLICT ({', '.join(map(_q, keys))}) {action}"
    )


def _update_action(update_columns: tuple[str, ...], when: str) -> str:
    assignments = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in update_columns)
    return f"DO UPDATE SET {assignments}" + (f" WHERE {when}" if when else "")


@cache
def insert_ignore(table: Table, keys: tuple[str, ...]) -> TextClause:
    """INSERT that skips rows whose ``keys`` already exist."""
    return text(_statement(table, NAMED, keys, "DO NOTHING"))


@cache
def upsert(
    table: Table, keys: tuple[str, ...], update_columns: tuple[str, ...], when: str = ""
) -> TextClause:
    """INSERT, or on a ``keys`` conflict overwrite ``update_columns`` (only where ``when`` holds)."""
    return text(_statement(table, NAMED, keys, _update_action(update_columns, when)))


@cache
def driver_insert_ignore(table: Table, keys: tuple[str, ...], placeholder: str) -> str:
    """``insert_ignore`` as driver SQL taking positional rows in ``insert_columns`` order."""
    return _statement(table, lambda _column: placeholder, keys, "DO NOTHING")


@cache
def driver_upsert(
    table: Table, keys: tuple[str, ...], update_columns: tuple[str, ...], when: str, placeholder: str
) -> str:
    """``upsert`` as driver SQL taking positional rows in ``insert_columns`` order."""
    return _statement(table, lambda _column: placeholder, keys, _update_action(update_columns, when))


def positional_placeholder(paramstyle: str) -> str:
    """``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if paramstyle == "qmark" else "%s"
