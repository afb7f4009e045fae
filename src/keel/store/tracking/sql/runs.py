"""Run rows: create, read, update, soft delete and restore, tags, and loading runs with all they hold."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Row, Table, bindparam, delete, insert, select, update

from keel.entities import LifecycleStage, Run, RunData, RunInfo, RunInputs, RunOutputs, RunStatus, RunTag
from keel.errors import InvalidParameter, NotFound, RunNotFound
from keel.store.tracking.base import RUN_NAME_TAG
from keel.store.tracking.run_names import generate_run_name
from keel.store.tracking.sql.experiments import require_active_experiment
from keel.store.tracking.sql.inputs import dataset_inputs_for
from keel.store.tracking.sql.logged_models import model_outputs_for
from keel.store.tracking.sql.metrics import latest_metrics_for
from keel.store.tracking.sql.schema import params, runs, tags
from keel.store.tracking.sql.upserts import upsert

if TYPE_CHECKING:
    from collections.abc import Sequence

RUN_COLUMNS = (
    runs.c.run_pk,
    runs.c.run_id,
    runs.c.experiment_id,
    runs.c.name,
    runs.c.user_id,
    runs.c.status,
    runs.c.start_time,
    runs.c.end_time,
    runs.c.artifact_uri,
    runs.c.lifecycle_stage,
)


def create_run(
    conn: Connection,
    experiment_id: str,
    user_id: str,
    start_time: int,
    run_tags: Sequence[RunTag],
    run_name: str | None,
) -> Run:
    experiment = require_active_experiment(conn, experiment_id)
    run_id = uuid.uuid4().hex
    name = run_name or generate_run_name()
    artifact_uri = f"{experiment.artifact_location.rstrip('/')}/{run_id}/artifacts"
    run_pk: int = conn.execute(  # type: ignore[index]
        insert(runs).values(
            run_id=run_id,
            experiment_id=experiment.experiment_id,
            name=name,
            user_id=user_id,
            status=RunStatus.RUNNING.value,
            start_time=start_time,
            artifact_uri=artifact_uri,
            lifecycle_stage=LifecycleStage.ACTIVE.value,
        )
    ).inserted_primary_key[0]
    all_tags = {t.key: t.value for t in run_tags}
    all_tags[RUN_NAME_TAG] = name
    conn.execute(insert(tags), [{"run_pk": run_pk, "key": k, "value": v} for k, v in all_tags.items()])
    info = RunInfo(
        run_id=run_id,
        experiment_id=str(experiment.experiment_id),
        run_name=name,
        user_id=user_id,
        status=RunStatus.RUNNING,
        start_time=start_time,
        end_time=None,
        artifact_uri=artifact_uri,
    )
    return Run(info=info, data=RunData(tags=all_tags))


# Built once: this lookup precedes every logged batch.
_FIND_RUN = select(runs.c.run_pk, runs.c.lifecycle_stage).where(runs.c.run_id == bindparam("run_id"))


def find_run_pk(conn: Connection, run_id: str) -> tuple[int, str]:
    """The run's integer key and lifecycle stage; raises RunNotFound."""
    row = conn.execute(_FIND_RUN, {"run_id": run_id}).first()
    if row is None:
        raise RunNotFound(run_id)
    return row.run_pk, row.lifecycle_stage


def require_active_run(conn: Connection, run_id: str) -> int:
    run_pk, stage = find_run_pk(conn, run_id)
    if stage != LifecycleStage.ACTIVE:
        raise InvalidParameter(f"The run {run_id} must be in the 'active' state. Current state is {stage}.")
    return run_pk


def get_run(conn: Connection, run_id: str) -> Run:
    row = conn.execute(select(*RUN_COLUMNS).where(runs.c.run_id == run_id)).first()
    if row is None:
        raise RunNotFound(run_id)
    return load_runs(conn, [row])[0]


def update_run_info(
    conn: Connection, run_id: str, status: RunStatus | None, end_time: int | None, run_name: str | None
) -> RunInfo:
    run_pk = require_active_run(conn, run_id)
    values: dict[str, object] = {}
    if status is not None:
        values["status"] = status.value
    if end_time is not None:
        values["end_time"] = end_time
    if run_name:
        values["name"] = run_name
        conn.execute(
            upsert(tags, ("run_pk", "key"), ("value",)),
            [{"run_pk": run_pk, "key": RUN_NAME_TAG, "value": run_name}],
        )
    if values:
        conn.execute(update(runs).where(runs.c.run_pk == run_pk).values(values))
    row = conn.execute(select(*RUN_COLUMNS).where(runs.c.run_pk == run_pk)).one()
    return _run_info(row)


def set_run_lifecycle(conn: Connection, run_id: str, stage: LifecycleStage, now: int) -> None:
    run_pk, _ = find_run_pk(conn, run_id)
    deleted_time = now if stage == LifecycleStage.DELETED else None
    conn.execute(
        update(runs)
        .where(runs.c.run_pk == run_pk)
        .values(lifecycle_stage=stage.value, deleted_time=deleted_time)
    )


def delete_tag(conn: Connection, run_id: str, key: str) -> None:
    run_pk = require_active_run(conn, run_id)
    result = conn.execute(delete(tags).where(tags.c.run_pk == run_pk, tags.c.key == key))
    if result.rowcount == 0:
        raise NotFound(f"No tag with name: {key} in run with id {run_id}")


def load_runs(conn: Connection, rows: Sequence[Row[tuple[object, ...]]]) -> list[Run]:
    """Runs with their params, tags, latest metrics, inputs and outputs, in a fixed number of queries."""
    pks = [row.run_pk for row in rows]
    params_by_run = _key_values(conn, params, pks)
    tags_by_run = _key_values(conn, tags, pks)
    metrics_by_run = latest_metrics_for(conn, pks)
    inputs_by_run = dataset_inputs_for(conn, pks)
    outputs_by_run = model_outputs_for(conn, pks)
    return [
        Run(
            info=_run_info(row),
            data=RunData(
                latest_metrics=tuple(metrics_by_run[row.run_pk]),
                params=params_by_run[row.run_pk],
                tags=tags_by_run[row.run_pk],
            ),
            inputs=RunInputs(tuple(inputs_by_run.get(row.run_pk, ()))),
            outputs=RunOutputs(tuple(outputs_by_run.get(row.run_pk, ()))),
        )
        for row in rows
    ]


def _key_values(conn: Connection, table: Table, run_pks: Sequence[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {pk: {} for pk in run_pks}
    if run_pks:
        c = table.c
        for run_pk, key, value in conn.execute(select(c.run_pk, c.key, c.value).where(c.run_pk.in_(run_pks))):
            out[run_pk][key] = value
    return out


def _run_info(row: Row[tuple[object, ...]]) -> RunInfo:
    return RunInfo(
        run_id=row.run_id,
        experiment_id=str(row.experiment_id),
        run_name=row.name,
        user_id=row.user_id,
        status=RunStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        artifact_uri=row.artifact_uri,
        lifecycle_stage=LifecycleStage(row.lifecycle_stage),
    )
