"""Logged models in SQL: rows with their params and tags, search, and the runs that output them."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    case,
    delete,
    exists,
    insert,
    not_,
    or_,
    select,
    update,
)

from keel.entities import (
    LifecycleStage,
    LoggedModel,
    LoggedModelData,
    LoggedModelInfo,
    LoggedModelOutput,
    LoggedModelStatus,
    RunTag,
)
from keel.errors import InvalidParameter, InvalidState, NotFound
from keel.search import And, Comparison, Entity, Expr, Not, Op, Or, OrderKey
from keel.store.tracking import validation as v
from keel.store.tracking.logged_model_rules import LOG_MODEL_HISTORY_TAG
from keel.store.tracking.run_names import generate_run_name
from keel.store.tracking.sql.experiments import experiment_pk, require_active_experiment
from keel.store.tracking.sql.query import compare
from keel.store.tracking.sql.schema import (
    logged_model_params,
    logged_model_tags,
    logged_models,
    run_outputs,
    runs,
    tags,
)
from keel.store.tracking.sql.upserts import insert_ignore, upsert

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.entities import Param

ModelRow = Row[tuple[Any, ...]]
_lm = logged_models.c
ATTRIBUTES: dict[str, ColumnElement[Any]] = {
    "name": _lm.name,
    "model_id": _lm.model_id,
    "model_type": _lm.model_type,
    "status": _lm.status,
    "source_run_id": _lm.source_run_id,
    "creation_timestamp": _lm.creation_timestamp_ms,
    "last_updated_timestamp": _lm.last_updated_timestamp_ms,
}
_STATUS_EXACT_OPS = frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN})


def not_found(model_id: str) -> NotFound:
    return NotFound(f"Logged model with ID '{model_id}' not found.")


def create_logged_model(
    conn: Connection,
    experiment_id: str,
    name: str | None,
    model_type: str | None,
    source_run_id: str | None,
    params: Sequence[Param],
    model_tags: Sequence[RunTag],
    now: int,
) -> LoggedModel:
    experiment = require_active_experiment(conn, experiment_id)
    model_id = f"m-{uuid.uuid4().hex}"
    artifact_location = f"{experiment.artifact_location.rstrip('/')}/models/{model_id}/artifacts"
    values = {
        "model_id": model_id,
        "experiment_id": experiment.experiment_id,
        "name": name or generate_run_name(),
        "artifact_location": artifact_location,
        "creation_timestamp_ms": now,
        "last_updated_timestamp_ms": now,
        "status": LoggedModelStatus.PENDING.value,
        "lifecycle_stage": LifecycleStage.ACTIVE.value,
        "model_type": model_type,
        "source_run_id": source_run_id,
    }
    model_pk: int = conn.execute(insert(logged_models).values(values)).inserted_primary_key[0]  # type: ignore[index]
    param_values = {p.key: p.value for p in params}
    tag_values = {t.key: t.value for t in model_tags}
    if param_values:
        conn.execute(insert(logged_model_params), _key_value_rows(model_pk, param_values))
    if tag_values:
        conn.execute(insert(logged_model_tags), _key_value_rows(model_pk, tag_values))
    row = conn.execute(select(logged_models).where(_lm.model_pk == model_pk)).one()
    return LoggedModel(_info(row, tag_values), LoggedModelData(param_values))


def find_model_pk(conn: Connection, model_id: str) -> int:
    """The model's integer key, whatever its lifecycle stage (MLflow updates deleted models too)."""
    model_pk = conn.execute(select(_lm.model_pk).where(_lm.model_id == model_id)).scalar()
    if model_pk is None:
        raise not_found(model_id)
    return int(model_pk)


def get_logged_model(conn: Connection, model_id: str, allow_deleted: bool) -> LoggedModel:
    row = conn.execute(select(logged_models).where(_lm.model_id == model_id)).first()
    if row is None or (row.lifecycle_stage != LifecycleStage.ACTIVE and not allow_deleted):
        raise not_found(model_id)
    return load_models(conn, [row])[0]


def finalize_logged_model(
    conn: Connection, model_id: str, status: LoggedModelStatus, now: int
) -> LoggedModel:
    model_pk = find_model_pk(conn, model_id)
    conn.execute(
        update(logged_models)
        .where(_lm.model_pk == model_pk)
        .values(status=status.value, last_updated_timestamp_ms=now)
    )
    return get_logged_model(conn, model_id, allow_deleted=True)


def delete_logged_model(conn: Connection, model_id: str, now: int) -> None:
    model_pk = find_model_pk(conn, model_id)
    conn.execute(
        update(logged_models)
        .where(_lm.model_pk == model_pk)
        .values(lifecycle_stage=LifecycleStage.DELETED.value, last_updated_timestamp_ms=now)
    )


def set_logged_model_tags(conn: Connection, model_id: str, model_tags: Sequence[RunTag]) -> None:
    model_pk = find_model_pk(conn, model_id)
    if model_tags:
        rows = _key_value_rows(model_pk, {t.key: t.value for t in model_tags})
        conn.execute(upsert(logged_model_tags, ("model_pk", "key"), ("value",)), rows)


def delete_logged_model_tag(conn: Connection, model_id: str, key: str) -> None:
    model_pk = find_model_pk(conn, model_id)
    t = logged_model_tags.c
    if conn.execute(delete(logged_model_tags).where(t.model_pk == model_pk, t.key == key)).rowcount == 0:
        raise NotFound(f"No tag with key {key!r} found for model with ID {model_id!r}.")


def log_logged_model_params(conn: Connection, model_id: str, params: Sequence[Param]) -> None:
    """Insert new params; re-logging one with its value is a no-op, with another value an error."""
    model_pk = find_model_pk(conn, model_id)
    wanted = {p.key: p.value for p in params}
    if not wanted:
        return
    p = logged_model_params.c
    existing = conn.execute(select(p.key, p.value).where(p.model_pk == model_pk, p.key.in_(list(wanted))))
    for key, old_value in existing:
        if wanted[key] != old_value:
            raise InvalidParameter(
                f"Changing param values is not allowed. Param with key='{key}' was already logged "
                f"with value='{old_value}' for logged model ID='{model_id}'. "
                f"Attempted logging new value '{wanted[key]}'."
            )
    conn.execute(insert_ignore(logged_model_params, ("model_pk", "key")), _key_value_rows(model_pk, wanted))


def search_logged_models(
    conn: Connection,
    experiment_ids: list[str],
    filter_expr: Expr | None,
    max_results: int,
    order_by: list[OrderKey],
    offset: int,
) -> tuple[list[LoggedModel], bool]:
    pks = []
    for experiment_id in experiment_ids:
        try:
            pks.append(experiment_pk(experiment_id))
        except NotFound:
            continue  # a non-numeric id names no experiment here: it holds no models
    if not pks:
        return [], False
    query = select(logged_models).where(
        _lm.experiment_id.in_(pks), _lm.lifecycle_stage == LifecycleStage.ACTIVE.value
    )
    if filter_expr is not None:
        query = query.where(_filter_clause(filter_expr, conn.dialect.name))
    query = query.order_by(*_order_terms(order_by)).offset(offset).limit(max_results + 1)
    rows = conn.execute(query).all()
    return load_models(conn, rows[:max_results]), len(rows) > max_results


def load_models(conn: Connection, rows: Sequence[ModelRow]) -> list[LoggedModel]:
    """Models with their params and tags, in three queries however many there are."""
    pks = [row.model_pk for row in rows]
    params_by_model = _key_values(conn, logged_model_params, pks)
    tags_by_model = _key_values(conn, logged_model_tags, pks)
    return [
        LoggedModel(_info(row, tags_by_model[row.model_pk]), LoggedModelData(params_by_model[row.model_pk]))
        for row in rows
    ]


# Run outputs


def log_outputs(conn: Connection, run_pk: int, outputs: Sequence[LoggedModelOutput]) -> None:
    """Link the run to the models it produced; every model must exist."""
    if not outputs:
        return
    wanted = {o.model_id for o in outputs}
    found = dict(
        conn.execute(select(_lm.model_id, _lm.model_pk).where(_lm.model_id.in_(wanted))).tuples().all()
    )
    for output in outputs:
        if output.model_id not in found:
            raise not_found(output.model_id)
    rows = [{"run_pk": run_pk, "model_pk": found[o.model_id], "step": o.step} for o in outputs]
    conn.execute(insert_ignore(run_outputs, ("run_pk", "model_pk", "step")), rows)


def model_outputs_for(conn: Connection, run_pks: Sequence[int]) -> dict[int, list[LoggedModelOutput]]:
    out: dict[int, list[LoggedModelOutput]] = {}
    if not run_pks:
        return out
    query = (
        select(run_outputs.c.run_pk, _lm.model_id, run_outputs.c.step)
        .join(logged_models, _lm.model_pk == run_outputs.c.model_pk)
        .where(run_outputs.c.run_pk.in_(run_pks))
        .order_by(run_outputs.c.run_pk, run_outputs.c.model_pk, run_outputs.c.step)
    )
    for run_pk, model_id, step in conn.execute(query):
        out.setdefault(run_pk, []).append(LoggedModelOutput(model_id, step))
    return out


def append_log_model_history(conn: Connection, run_pk: int, summary: dict[str, Any]) -> None:
    """The legacy ``log-model`` record: the run tag holds a JSON list, one entry per logged model."""
    # Lock the run row (PostgreSQL; SQLite's writer already holds the database) so that two
    # concurrent calls cannot both read the old list and each drop the other's entry.
    conn.execute(select(runs.c.run_pk).where(runs.c.run_pk == run_pk).with_for_update())
    current = conn.execute(
        select(tags.c.value).where(tags.c.run_pk == run_pk, tags.c.key == LOG_MODEL_HISTORY_TAG)
    ).scalar()
    history: Any = [] if current is None else _loads(current)
    if not isinstance(history, list):
        raise InvalidState(f"Run tag '{LOG_MODEL_HISTORY_TAG}' does not hold a JSON list")
    value = json.dumps([*history, summary])
    v.validate_tag(RunTag(LOG_MODEL_HISTORY_TAG, value))
    conn.execute(
        upsert(tags, ("run_pk", "key"), ("value",)),
        [{"run_pk": run_pk, "key": LOG_MODEL_HISTORY_TAG, "value": value}],
    )


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidState(f"Run tag '{LOG_MODEL_HISTORY_TAG}' does not hold JSON") from None


# Rows and search translation


def _info(row: ModelRow, model_tags: dict[str, str]) -> LoggedModelInfo:
    return LoggedModelInfo(
        model_id=row.model_id,
        experiment_id=str(row.experiment_id),
        name=row.name,
        artifact_uri=row.artifact_location,
        creation_timestamp_ms=row.creation_timestamp_ms,
        last_updated_timestamp_ms=row.last_updated_timestamp_ms,
        status=LoggedModelStatus(row.status),
        model_type=row.model_type,
        source_run_id=row.source_run_id,
        status_message=row.status_message,
        tags=model_tags,
    )


def _key_value_rows(model_pk: int, values: dict[str, str]) -> list[dict[str, Any]]:
    return [{"model_pk": model_pk, "key": k, "value": value} for k, value in values.items()]


def _key_values(conn: Connection, table: Table, model_pks: Sequence[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {pk: {} for pk in model_pks}
    if model_pks:
        c = table.c
        query = (
            select(c.model_pk, c.key, c.value).where(c.model_pk.in_(model_pks)).order_by(c.model_pk, c.key)
        )
        for model_pk, key, value in conn.execute(query):
            out[model_pk][key] = value
    return out


def _filter_clause(expr: Expr, dialect: str) -> ColumnElement[bool]:
    match expr:
        case Comparison():
            return _comparison(expr, dialect)
        case And(items):
            return and_(*(_filter_clause(item, dialect) for item in items))
        case Or(items):
            return or_(*(_filter_clause(item, dialect) for item in items))
        case Not(item):
            return not_(_filter_clause(item, dialect))
    raise InvalidParameter(f"Unsupported filter node {expr!r}")


def _comparison(c: Comparison, dialect: str) -> ColumnElement[bool]:
    key, op, value = c.field.key, c.op, c.value
    if c.field.entity == Entity.ATTRIBUTE:
        if key == "status" and op in _STATUS_EXACT_OPS:
            value = _status_value(value)
        return compare(ATTRIBUTES[key], op, value, dialect)
    table = logged_model_params if c.field.entity == Entity.PARAM else logged_model_tags
    has_key = and_(table.c.model_pk == _lm.model_pk, table.c.key == key)
    if op == Op.IS_NULL:
        return ~exists().where(has_key)
    if op == Op.IS_NOT_NULL:
        return exists().where(has_key)
    return exists().where(has_key, compare(table.c.value, op, value, dialect))


def _status_value(value: Any) -> Any:
    """``status = 'READY'`` as well as ``'LOGGED_MODEL_READY'``: MLflow's Python client says READY."""
    if isinstance(value, tuple):
        return tuple(_status_value(item) for item in value)
    try:
        return LoggedModelStatus.parse(value).value
    except InvalidParameter:
        return value  # names no status: matches nothing, as any other unknown value


def _order_terms(order_by: list[OrderKey]) -> list[Any]:
    """Given keys with nulls last, then MLflow's tie-breakers: newest first, then model_id."""
    terms: list[Any] = []
    for key in order_by:
        column = ATTRIBUTES[key.field.key]
        terms += [case((column.is_(None), 1), else_=0), column if key.ascending else column.desc()]
    named = {key.field.key for key in order_by}
    if "creation_timestamp" not in named:
        terms.append(_lm.creation_timestamp_ms.desc())
    if "model_id" not in named:
        terms.append(_lm.model_id)
    return terms
