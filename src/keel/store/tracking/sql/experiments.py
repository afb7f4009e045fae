"""Experiment rows: create, read, rename, soft delete and restore, tags, search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from keel.entities import Experiment, LifecycleStage, PagedList, RunTag, ViewType
from keel.errors import AlreadyExists, ExperimentNotFound, InvalidParameter, InvalidState
from keel.store.pagination import next_page_token
from keel.store.tracking.sql.ids import parse_experiment_pk
from keel.store.tracking.sql.query import experiment_filter_clause, experiment_order_clauses
from keel.store.tracking.sql.schema import experiment_tags, experiments, runs
from keel.store.tracking.sql.upserts import upsert

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.search.ast import Expr, OrderKey

DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"


def experiment_pk(experiment_id: str) -> int:
    """The integer key of an experiment id; raises ExperimentNotFound for ids no experiment can have."""
    pk = parse_experiment_pk(experiment_id)
    if pk is None:
        raise _not_found(experiment_id)
    return pk


def _not_found(experiment_id: str) -> ExperimentNotFound:
    return ExperimentNotFound(f"No Experiment with id={experiment_id} exists", experiment_id=experiment_id)


def artifact_location_for(root: str, experiment_id: int) -> str:
    return f"{root.rstrip('/')}/{experiment_id}"


def create_experiment(
    conn: Connection,
    name: str,
    artifact_location: str | None,
    tags: Sequence[RunTag],
    artifact_root: str,
    now: int,
    experiment_id: int | None = None,
) -> str:
    values = {
        "name": name,
        "artifact_location": artifact_location or "",
        "lifecycle_stage": LifecycleStage.ACTIVE.value,
        "creation_time": now,
        "last_update_time": now,
    }
    if experiment_id is not None:
        values["experiment_id"] = experiment_id
    try:
        with conn.begin_nested():
            new_id: int = conn.execute(insert(experiments).values(values)).inserted_primary_key[0]  # type: ignore[index]
    except IntegrityError:
        raise AlreadyExists(f"Experiment(name={name}) already exists.") from None
    if not artifact_location:
        conn.execute(
            update(experiments)
            .where(experiments.c.experiment_id == new_id)
            .values(artifact_location=artifact_location_for(artifact_root, new_id))
        )
    if tags:
        rows = [
            {"experiment_id": new_id, "key": t.key, "value": t.value}
            for t in {t.key: t for t in tags}.values()
        ]
        conn.execute(insert(experiment_tags), rows)
    return str(new_id)


def get_experiment(conn: Connection, experiment_id: str) -> Experiment:
    pk = experiment_pk(experiment_id)
    row = conn.execute(select(experiments).where(experiments.c.experiment_id == pk)).first()
    if row is None:
        raise _not_found(experiment_id)
    return _load([row], conn)[0]


def find_experiment_by_name(conn: Connection, name: str) -> Experiment | None:
    row = conn.execute(select(experiments).where(experiments.c.name == name)).first()
    return None if row is None else _load([row], conn)[0]


def require_active_experiment(conn: Connection, experiment_id: str) -> Row[tuple[int, str, str]]:
    """The experiment's key, artifact location and stage; it must exist and be active."""
    pk = experiment_pk(experiment_id)
    row = conn.execute(
        select(
            experiments.c.experiment_id, experiments.c.artifact_location, experiments.c.lifecycle_stage
        ).where(experiments.c.experiment_id == pk)
    ).first()
    if row is None:
        raise _not_found(experiment_id)
    if row.lifecycle_stage != LifecycleStage.ACTIVE:
        raise InvalidParameter(
            f"The experiment {experiment_id} must be in the 'active' state. "
            f"Current state is {row.lifecycle_stage}."
        )
    return row


def rename_experiment(conn: Connection, experiment_id: str, new_name: str, now: int) -> None:
    pk = experiment_pk(experiment_id)
    stage = _stage(conn, experiment_id, pk)
    if stage != LifecycleStage.ACTIVE:
        raise InvalidState("Cannot rename a non-active experiment.")
    try:
        with conn.begin_nested():
            conn.execute(
                update(experiments)
                .where(experiments.c.experiment_id == pk)
                .values(name=new_name, last_update_time=now)
            )
    except IntegrityError:
        raise AlreadyExists(f"Experiment(name={new_name}) already exists.") from None


def set_experiment_lifecycle(conn: Connection, experiment_id: str, stage: LifecycleStage, now: int) -> None:
    """Soft delete or restore an experiment and, with it, its runs."""
    pk = experiment_pk(experiment_id)
    current = _stage(conn, experiment_id, pk)
    if stage == LifecycleStage.ACTIVE and current == LifecycleStage.ACTIVE:
        raise _not_found(experiment_id)  # MLflow answers RESOURCE_DOES_NOT_EXIST here too
    if stage == LifecycleStage.DELETED and current == LifecycleStage.DELETED:
        raise _not_found(experiment_id)
    conn.execute(
        update(experiments)
        .where(experiments.c.experiment_id == pk)
        .values(lifecycle_stage=stage, last_update_time=now)
    )
    deleted_time = now if stage == LifecycleStage.DELETED else None
    conn.execute(
        update(runs)
        .where(runs.c.experiment_id == pk, runs.c.lifecycle_stage == current)
        .values(lifecycle_stage=stage, deleted_time=deleted_time)
    )


def set_experiment_tag(conn: Connection, experiment_id: str, tag: RunTag) -> None:
    pk = experiment_pk(experiment_id)
    if _stage(conn, experiment_id, pk) != LifecycleStage.ACTIVE:
        raise InvalidParameter(f"The experiment {experiment_id} must be in the 'active' state.")
    conn.execute(
        upsert(experiment_tags, ("experiment_id", "key"), ("value",)),
        [{"experiment_id": pk, "key": tag.key, "value": tag.value}],
    )


def delete_experiment_tag(conn: Connection, experiment_id: str, key: str) -> None:
    pk = experiment_pk(experiment_id)
    if _stage(conn, experiment_id, pk) != LifecycleStage.ACTIVE:
        raise InvalidParameter(f"The experiment {experiment_id} must be in the 'active' state.")
    result = conn.execute(
        delete(experiment_tags).where(experiment_tags.c.experiment_id == pk, experiment_tags.c.key == key)
    )
    if result.rowcount == 0:
        raise ExperimentNotFound(f"No tag with name: {key} in experiment with id {experiment_id}")


def search_experiments(
    conn: Connection,
    view_type: ViewType,
    max_results: int,
    filter_expr: Expr | None,
    order_by: list[OrderKey],
    offset: int,
) -> PagedList[Experiment]:
    query = select(experiments).where(
        experiments.c.lifecycle_stage.in_([s.value for s in view_type.stages()])
    )
    if filter_expr is not None:
        query = query.where(experiment_filter_clause(filter_expr, conn.dialect.name))
    query = query.order_by(*experiment_order_clauses(order_by)).offset(offset).limit(max_results + 1)
    rows = conn.execute(query).all()
    return PagedList(_load(rows[:max_results], conn), next_page_token(offset, max_results, len(rows)))


def _stage(conn: Connection, experiment_id: str, pk: int) -> str:
    stage = conn.execute(
        select(experiments.c.lifecycle_stage).where(experiments.c.experiment_id == pk)
    ).scalar()
    if stage is None:
        raise _not_found(experiment_id)
    return str(stage)


def _load(rows: Sequence[Row[tuple[object, ...]]], conn: Connection) -> list[Experiment]:
    ids = [row.experiment_id for row in rows]
    tags_by_id: dict[int, dict[str, str]] = {i: {} for i in ids}
    if ids:
        for exp_id, key, value in conn.execute(
            select(experiment_tags.c.experiment_id, experiment_tags.c.key, experiment_tags.c.value).where(
                experiment_tags.c.experiment_id.in_(ids)
            )
        ):
            tags_by_id[exp_id][key] = value
    return [
        Experiment(
            experiment_id=str(row.experiment_id),
            name=row.name,
            artifact_location=row.artifact_location,
            lifecycle_stage=LifecycleStage(row.lifecycle_stage),
            creation_time=row.creation_time,
            last_update_time=row.last_update_time,
            tags=tags_by_id[row.experiment_id],
        )
        for row in rows
    ]
