"""Registered-model and model-version searches: the filter AST and order keys translated to SQL.

As in MLflow, prompts (models tagged ``mlflow.prompt.is_prompt = 'true'``) are left out unless the
filter asks for them with that tag.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, exists, not_, select

from keel.entities import ModelVersion, PagedList, RegisteredModel
from keel.search import And, Comparison, Entity, Expr, Not, Op, Or, OrderKey
from keel.store.pagination import next_page_token
from keel.store.registry.sql.rows import load_models, load_versions, version_query
from keel.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)
from keel.store.tracking.sql.query import compare, translate_filter

PROMPT_TAG = "mlflow.prompt.is_prompt"
VERSION_LIMIT = 2**31
_rm = registered_models.c
_mv = model_versions.c

MODEL_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _rm.name,
    "creation_timestamp": _rm.creation_timestamp,
    "last_updated_timestamp": _rm.last_updated_timestamp,
}
VERSION_ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _rm.name,
    "run_id": _mv.run_id,
    "source_path": _mv.source,
    "version_number": _mv.version,
    "creation_timestamp": _mv.creation_timestamp,
    "last_updated_timestamp": _mv.last_updated_timestamp,
}


def search_registered_models(
    conn: Connection, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
) -> PagedList[RegisteredModel]:
    dialect = conn.dialect.name
    query = select(registered_models)
    condition = _clause(filter_expr, MODEL_ATTRIBUTES, registered_model_tags, _rm.model_pk, dialect)
    if condition is not None:
        query = query.where(condition)
    if not _mentions_prompt_tag(filter_expr):
        query = query.where(not_(_is_prompt(registered_model_tags, _rm.model_pk)))
    terms = [_term(MODEL_ATTRIBUTES[k.field.key], k.ascending) for k in order_by]
    if not any(k.field.key == "name" for k in order_by):
        terms.append(_rm.name)
    rows = conn.execute(query.order_by(*terms).offset(offset).limit(max_results + 1)).all()
    return PagedList(load_models(conn, rows[:max_results]), next_page_token(offset, max_results, len(rows)))


def search_model_versions(
    conn: Connection, filter_expr: Expr | None, max_results: int, order_by: list[OrderKey], offset: int
) -> PagedList[ModelVersion]:
    dialect = conn.dialect.name
    query = version_query()
    condition = _clause(filter_expr, VERSION_ATTRIBUTES, model_version_tags, _mv.version_pk, dialect)
    if condition is not None:
        query = query.where(condition)
    if not _mentions_prompt_tag(filter_expr):
        query = query.where(not_(_is_prompt(registered_model_tags, _rm.model_pk)))
    terms = [_term(VERSION_ATTRIBUTES[k.field.key], k.ascending) for k in order_by]
    keys = {k.field.key for k in order_by}
    if "name" not in keys:
        terms.append(_rm.name)
    if "version_number" not in keys:
        terms.append(_mv.version.desc())
    rows = conn.execute(query.order_by(*terms).offset(offset).limit(max_results + 1)).all()
    return PagedList(load_versions(conn, rows[:max_results]), next_page_token(offset, max_results, len(rows)))


def _term(column: ColumnElement[Any], ascending: bool) -> Any:
    return column if ascending else column.desc()


def _clause(
    expr: Expr | None,
    attributes: dict[str, ColumnElement[Any]],
    tag_table: Table,
    owner: ColumnElement[Any],
    dialect: str,
) -> ColumnElement[bool] | None:
    if expr is None:
        return None
    owner_column = tag_table.c[str(owner.key)]

    def leaf(c: Comparison) -> ColumnElement[bool]:
        if c.field.entity == Entity.TAG and c.field.key == PROMPT_TAG:
            return _prompt_clause(c)
        if c.field.entity == Entity.TAG:
            has_key = and_(owner_column == owner, tag_table.c.key == c.field.key)
            if c.op == Op.IS_NULL:
                return ~exists().where(has_key)
            if c.op == Op.IS_NOT_NULL:
                return exists().where(has_key)
            return exists().where(has_key, compare(tag_table.c.value, c.op, c.value, dialect))
        value: Any = c.value
        if c.field.key == "version_number":
            value = tuple(map(_version_bound, value)) if isinstance(value, tuple) else _version_bound(value)
        return compare(attributes[c.field.key], c.op, value, dialect)

    return translate_filter(expr, leaf)


def _version_bound(value: object) -> int:
    """A version number from a filter, held within the column's range (versions are below 2**31)."""
    return max(-VERSION_LIMIT, min(VERSION_LIMIT, int(str(value))))


def _prompt_clause(c: Comparison) -> ColumnElement[bool]:
    """MLflow's reading of a prompt-tag filter: ``= 'true'`` or ``!= 'false'`` asks for prompts, any
    other comparison for models that are not prompts (its client adds ``!= 'true'`` to every search)."""
    value = str(c.value).lower()
    wants_prompts = (c.op == Op.EQ and value == "true") or (c.op == Op.NE and value == "false")
    is_prompt = _is_prompt(registered_model_tags, _rm.model_pk)
    return is_prompt if wants_prompts else not_(is_prompt)


def _is_prompt(tag_table: Table, owner: ColumnElement[Any]) -> ColumnElement[bool]:
    return exists().where(
        tag_table.c.model_pk == owner, tag_table.c.key == PROMPT_TAG, tag_table.c.value == "true"
    )


def _mentions_prompt_tag(expr: Expr | None) -> bool:
    if expr is None:
        return False
    if isinstance(expr, Comparison):
        return expr.field.entity == Entity.TAG and expr.field.key == PROMPT_TAG
    if isinstance(expr, (And, Or)):
        return any(_mentions_prompt_tag(item) for item in expr.items)
    if isinstance(expr, Not):
        return _mentions_prompt_tag(expr.item)
    return False
