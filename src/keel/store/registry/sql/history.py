"""Reading the registry's history: one model's events across its renames, or everything.

Events carry the model's name at the time. The history of "the model now called X" starts at its
latest creation (a deleted model of the same name is another model) and follows each rename back
to the name it had before, so a renamed model keeps its past and a re-created name does not
inherit one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from keel.entities import PagedList, RegistryAction
from keel.store.pagination import next_page_token
from keel.store.registry.sql.events import to_event
from keel.store.registry.sql.schema import registry_events

if TYPE_CHECKING:
    from keel.entities import RegistryEvent

_e = registry_events.c
MAX_RENAMES_FOLLOWED = 1000


def history(
    conn: Connection, name: str | None, max_results: int, offset: int, newest_first: bool = False
) -> PagedList[RegistryEvent]:
    query = select(registry_events)
    if name is not None:
        query = query.where(_model_events(conn, name))
    order = _e.event_pk.desc() if newest_first else _e.event_pk
    rows = conn.execute(query.order_by(order).offset(offset).limit(max_results + 1)).all()
    events = [to_event(row) for row in rows[:max_results]]
    return PagedList(events, next_page_token(offset, max_results, len(rows)))


def _model_events(conn: Connection, name: str) -> ColumnElement[bool]:
    """Events of the model now (or last) called ``name``: one (name, first, last event) span per name."""
    spans: list[ColumnElement[bool]] = []
    current, upper = name, None
    for _ in range(MAX_RENAMES_FOLLOWED):
        created = _latest(conn, RegistryAction.MODEL_CREATED, _e.name == current, upper)
        renamed = _latest(conn, RegistryAction.MODEL_RENAMED, _e.to_value == current, upper)
        if renamed is None or (created is not None and created > renamed):
            spans.append(_span(current, created, upper))
            break
        spans.append(_span(current, renamed, upper))
        previous = conn.execute(select(_e.from_value).where(_e.event_pk == renamed)).scalar_one()
        current, upper = previous, renamed - 1
    return or_(*spans)


def _latest(
    conn: Connection, action: RegistryAction, naming: ColumnElement[bool], upper: int | None
) -> int | None:
    """The newest event of ``action`` matching ``naming``, at or before ``upper``."""
    query = select(func.max(_e.event_pk)).where(_e.action == action.value, naming)
    if upper is not None:
        query = query.where(_e.event_pk <= upper)
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def _span(name: str, first: int | None, last: int | None) -> ColumnElement[bool]:
    conditions = [_e.name == name]
    if first is not None:
        conditions.append(_e.event_pk >= first)
    if last is not None:
        conditions.append(_e.event_pk <= last)
    return and_(*conditions)
