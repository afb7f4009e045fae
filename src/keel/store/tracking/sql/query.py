"""The search AST translated to SQL: filters become WHERE clauses, order_by keys ORDER BY terms.

Everything runs in the database; params, tags, metrics and datasets are matched with
correlated EXISTS subqueries that hit the (run, key) primary keys.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, not_, or_, select, true

from keel.errors import InvalidParameter
from keel.search.ast import And, Comparison, Entity, Expr, Field, Not, Op, Or, OrderKey
from keel.store.tracking.sql.ids import parse_experiment_pk
from keel.store.tracking.sql.schema import (
    datasets,
    experiment_tags,
    experiments,
    input_tags,
    inputs,
    latest_metrics,
    metric_keys,
    params,
    runs,
    tags,
)

if TYPE_CHECKING:
    from collections.abc import Callable

DATASET_CONTEXT_TAG = "mlflow.data.context"
_START_TIME = Field(Entity.ATTRIBUTE, "start_time")

RUN_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "run_id": runs.c.run_id,
    "run_name": runs.c.name,
    "status": runs.c.status,
    "user_id": runs.c.user_id,
    "artifact_uri": runs.c.artifact_uri,
    "lifecycle_stage": runs.c.lifecycle_stage,
    "start_time": runs.c.start_time,
    "end_time": runs.c.end_time,
}

EXPERIMENT_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": experiments.c.name,
    "experiment_id": experiments.c.experiment_id,
    "creation_time": experiments.c.creation_time,
    "last_update_time": experiments.c.last_update_time,
}


_COMPARISONS: dict[Op, Callable[[Any, Any], ColumnElement[bool]]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
    Op.ILIKE: lambda column, value: column.ilike(value),
    Op.IN: lambda column, value: column.in_(value),
    Op.NOT_IN: lambda column, value: column.not_in(value),
}


def compare(column: ColumnElement[Any], op: Op, value: Any, dialect: str) -> ColumnElement[bool]:
    """``column op value`` with MLflow's meaning: LIKE is case-sensitive on every database."""
    if op == Op.LIKE:
        if dialect == "sqlite":  # SQLite's LIKE ignores case; GLOB does not
            return column.op("GLOB")(like_to_glob(value))
        return column.like(value)
    if op not in _COMPARISONS:
        raise InvalidParameter(f"Unsupported comparator '{op}'")
    return _COMPARISONS[op](column, value)


def like_to_glob(pattern: str) -> str:
    glob = {"%": "*", "_": "?", "*": "[*]", "?": "[?]", "[": "[[]"}
    return "".join(glob.get(ch, ch) for ch in pattern)


def run_filter_clause(expr: Expr, dialect: str) -> ColumnElement[bool]:
    return translate_filter(expr, lambda c: _run_comparison(c, dialect))


def experiment_filter_clause(expr: Expr, dialect: str) -> ColumnElement[bool]:
    return translate_filter(expr, lambda c: _experiment_comparison(c, dialect))


def translate_filter(expr: Expr, leaf: Any) -> ColumnElement[bool]:
    if isinstance(expr, Comparison):
        result: ColumnElement[bool] = leaf(expr)
        return result
    if isinstance(expr, And):
        return and_(*(translate_filter(item, leaf) for item in expr.items))
    if isinstance(expr, Or):
        return or_(*(translate_filter(item, leaf) for item in expr.items))
    if isinstance(expr, Not):
        return not_(translate_filter(expr.item, leaf))
    raise InvalidParameter(f"Unsupported filter node {expr!r}")


def metric_key_id(key: str) -> Any:
    return select(metric_keys.c.key_id).where(metric_keys.c.key == key).scalar_subquery()


def _run_comparison(c: Comparison, dialect: str) -> ColumnElement[bool]:
    key, op, value = c.field.key, c.op, c.value
    match c.field.entity:
        case Entity.ATTRIBUTE:
            return compare(RUN_ATTRIBUTES[key], op, value, dialect)
        case Entity.METRIC:
            lm = latest_metrics
            # NaN compares unequal to everything, as in IEEE 754.
            value_test = compare(lm.c.value, op, value, dialect)
            value_test = (
                or_(lm.c.is_nan == true(), value_test)
                if op == Op.NE
                else and_(lm.c.is_nan == false(), value_test)
            )
            return exists().where(lm.c.run_pk == runs.c.run_pk, lm.c.key_id == metric_key_id(key), value_test)
        case Entity.PARAM | Entity.TAG:
            table = params if c.field.entity == Entity.PARAM else tags
            has_key = and_(table.c.run_pk == runs.c.run_pk, table.c.key == key)
            if op == Op.IS_NULL:
                return ~exists().where(has_key)
            if op == Op.IS_NOT_NULL:
                return exists().where(has_key)
            return exists().where(has_key, compare(table.c.value, op, value, dialect))
        case Entity.DATASET:
            if key == "context":
                return exists().where(
                    input_tags.c.run_pk == runs.c.run_pk,
                    input_tags.c.key == DATASET_CONTEXT_TAG,
                    compare(input_tags.c.value, op, value, dialect),
                )
            return exists().where(
                inputs.c.run_pk == runs.c.run_pk,
                datasets.c.dataset_pk == inputs.c.dataset_pk,
                compare(datasets.c[key], op, value, dialect),
            )
    raise InvalidParameter(f"Invalid search entity '{c.field.entity}'")


def _experiment_comparison(c: Comparison, dialect: str) -> ColumnElement[bool]:
    key, op, value = c.field.key, c.op, c.value
    if c.field.entity == Entity.TAG:
        et = experiment_tags
        has_key = and_(et.c.experiment_id == experiments.c.experiment_id, et.c.key == key)
        if op == Op.IS_NULL:
            return ~exists().where(has_key)
        if op == Op.IS_NOT_NULL:
            return exists().where(has_key)
        return exists().where(has_key, compare(et.c.value, op, value, dialect))
    if key == "experiment_id":
        ids: Any = tuple(map(_experiment_pk, value)) if isinstance(value, tuple) else _experiment_pk(value)
        return compare(EXPERIMENT_ATTRIBUTES[key], op, ids, dialect)
    return compare(EXPERIMENT_ATTRIBUTES[key], op, value, dialect)


def _experiment_pk(value: Any) -> int:
    """An id that names no possible experiment becomes -1, which matches nothing."""
    pk = parse_experiment_pk(value)
    return -1 if pk is None else pk


def order_runs(query: Select[Any], order_by: list[OrderKey]) -> Select[Any]:
    """Apply order_by keys, then MLflow's tie-breakers: start_time DESC (unless given), run_id ASC."""
    return _order_runs(query, order_by, order_by, lead=[])


def metric_ordered_parts(query: Select[Any], order_by: list[OrderKey]) -> list[Select[Any]]:
    """``order_runs`` for a leading metric key, as three queries to read one after the other: runs
    with a value (by value, then the other keys), runs whose value is NaN, runs without the metric.

    One query would sort every run of the experiment by a CASE over an outer join. Apart, the
    first part walks the ``(key_id, value)`` index of ``latest_metrics`` and stops after a page.
    """
    key, rest = order_by[0], order_by[1:]
    lm = latest_metrics.alias("order_metric_0")
    has_metric = and_(lm.c.run_pk == runs.c.run_pk, lm.c.key_id == metric_key_id(key.field.key))
    with_metric = query.join_from(runs, lm, has_metric)
    by_value = lm.c.value if key.ascending else lm.c.value.desc()
    return [
        _order_runs(with_metric.where(lm.c.is_nan == false()), rest, order_by, lead=[by_value]),
        _order_runs(with_metric.where(lm.c.is_nan == true()), rest, order_by, lead=[]),
        _order_runs(query.where(~exists().where(has_metric)), rest, order_by, lead=[]),
    ]


def _order_runs(
    query: Select[Any], keys: list[OrderKey], all_keys: list[OrderKey], lead: list[Any]
) -> Select[Any]:
    terms: list[Any] = list(lead)
    for i, key in enumerate(keys, start=len(all_keys) - len(keys)):
        entity, name = key.field.entity, key.field.key
        if entity == Entity.ATTRIBUTE:
            column: Any = RUN_ATTRIBUTES[name]
            missing: Any = column.is_(None)
        elif entity == Entity.METRIC:
            lm = latest_metrics.alias(f"order_metric_{i}")
            query = query.outerjoin(
                lm, and_(lm.c.run_pk == runs.c.run_pk, lm.c.key_id == metric_key_id(name))
            )
            column = lm.c.value
            # Real values first, then NaN, then runs without the metric, whatever the direction.
            missing = case((lm.c.run_pk.is_(None), 2), (lm.c.is_nan == true(), 1), else_=0)
        else:
            table = params if entity == Entity.PARAM else tags
            alias = table.alias(f"order_{entity.value}_{i}")
            query = query.outerjoin(alias, and_(alias.c.run_pk == runs.c.run_pk, alias.c.key == name))
            column = alias.c.value
            missing = alias.c.run_pk.is_(None)
        terms += [missing, column if key.ascending else column.desc()]
    if not any(k.field == _START_TIME for k in all_keys):
        terms.append(runs.c.start_time.desc())
    terms.append(runs.c.run_id)
    return query.order_by(*terms)


def experiment_order_clauses(order_by: list[OrderKey]) -> list[Any]:
    """Given keys, or MLflow's default ``creation_time DESC``; ``experiment_id ASC`` breaks ties."""
    terms: list[Any] = []
    for key in order_by:
        column = EXPERIMENT_ATTRIBUTES[key.field.key]
        terms.append(column if key.ascending else column.desc())
    if not order_by:
        terms.append(experiments.c.creation_time.desc())
    if not any(k.field.key == "experiment_id" for k in order_by):
        terms.append(experiments.c.experiment_id)
    return terms
