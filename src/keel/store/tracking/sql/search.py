"""search_runs in SQL: filter, order and page in the database, then load only the page's runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Row, Select, func, select

from keel.entities import PagedList, Run, ViewType
from keel.errors import NotFound
from keel.search.ast import Entity
from keel.store.pagination import next_page_token
from keel.store.tracking.sql.experiments import experiment_pk
from keel.store.tracking.sql.query import metric_key_id, metric_ordered_parts, order_runs, run_filter_clause
from keel.store.tracking.sql.runs import RUN_COLUMNS, load_runs
from keel.store.tracking.sql.schema import latest_metrics, runs

if TYPE_CHECKING:
    from typing import Any

    from keel.search.ast import Expr, OrderKey


def search_runs(
    conn: Connection,
    experiment_ids: list[str],
    filter_expr: Expr | None,
    view_type: ViewType,
    max_results: int,
    order_by: list[OrderKey],
    offset: int,
) -> PagedList[Run]:
    pks = []
    for experiment_id in experiment_ids:
        try:
            pks.append(experiment_pk(experiment_id))
        except NotFound:
            continue  # a non-numeric id names no experiment here: it matches no runs
    if not pks:
        return PagedList([], None)
    query = select(*RUN_COLUMNS).where(
        runs.c.experiment_id.in_(pks),
        runs.c.lifecycle_stage.in_([stage.value for stage in view_type.stages()]),
    )
    if filter_expr is not None:
        query = query.where(run_filter_clause(filter_expr, conn.dialect.name))
    # Under a filter, a walk of the value index might pass every value before a page fills.
    if filter_expr is None and _is_value_walk_cheaper(conn, pks, order_by, offset + max_results + 1):
        rows = _read_parts(conn, metric_ordered_parts(query, order_by), offset, max_results + 1)
    else:
        rows = list(conn.execute(order_runs(query, order_by).offset(offset).limit(max_results + 1)))
    return PagedList(load_runs(conn, rows[:max_results]), next_page_token(offset, max_results, len(rows)))


# Reading a run through the value index costs a few times more than in an experiment scan,
# which visits runs in the order they are stored; a walk this short is cheap either way.
WALK_COST = 4
SHORT_WALK = 1000


def _is_value_walk_cheaper(conn: Connection, pks: list[int], order_by: list[OrderKey], needed: int) -> bool:
    """Is the leading key a metric, and would a walk of its value index reach the page sooner than
    a sort of every run? The walk passes the key's values in other experiments too: it reads about
    ``needed × values / runs`` entries, two index counts."""
    if not order_by or order_by[0].field.entity != Entity.METRIC:
        return False
    lm = latest_metrics
    key_id = metric_key_id(order_by[0].field.key)
    values = conn.execute(select(func.count()).where(lm.c.key_id == key_id)).scalar_one()
    in_experiments = conn.execute(select(func.count()).where(runs.c.experiment_id.in_(pks))).scalar_one()
    walked = min(values, needed * values // max(1, in_experiments))
    return walked <= SHORT_WALK or WALK_COST * walked <= in_experiments


def _read_parts(conn: Connection, parts: list[Select[Any]], offset: int, limit: int) -> list[Row[Any]]:
    """Rows ``offset`` to ``offset + limit`` of the parts read one after the other. A part is
    counted only when the page starts past its end."""
    rows: list[Row[Any]] = []
    for part in parts:
        if len(rows) == limit:
            break
        found = conn.execute(part.offset(offset).limit(limit - len(rows))).all()
        if not found and offset:
            offset -= conn.execute(
                select(func.count()).select_from(part.order_by(None).subquery())
            ).scalar_one()
        else:
            offset = 0  # the page ends this part, so the next one is read from its start
        rows += found
    return rows
