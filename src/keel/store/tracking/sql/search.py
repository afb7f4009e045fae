"""search_runs in SQL: filter, order and page in the database, then load only the page's runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from keel.entities import PagedList, Run, ViewType
from keel.errors import NotFound
from keel.store.pagination import next_page_token
from keel.store.tracking.sql.experiments import experiment_pk
from keel.store.tracking.sql.query import order_runs, run_filter_clause
from keel.store.tracking.sql.runs import RUN_COLUMNS, load_runs
from keel.store.tracking.sql.schema import runs

if TYPE_CHECKING:
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
    query = order_runs(query, order_by).offset(offset).limit(max_results + 1)
    rows = conn.execute(query).all()
    return PagedList(load_runs(conn, rows[:max_results]), next_page_token(offset, max_results, len(rows)))
