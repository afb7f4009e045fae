"""log_batch: params, metrics and tags of one run written in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, update

from keel.errors import InvalidParameter
from keel.store.tracking.base import RUN_NAME_TAG
from keel.store.tracking.sql.metrics import insert_metrics
from keel.store.tracking.sql.schema import params, runs, tags
from keel.store.tracking.sql.upserts import insert_ignore, upsert

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.entities import Metric, Param, RunTag


def log_batch(
    conn: Connection,
    run_pk: int,
    run_id: str,
    metric_points: Sequence[Metric],
    new_params: Sequence[Param],
    new_tags: Sequence[RunTag],
    key_ids: dict[str, int],
) -> None:
    """Write everything or, on the first error, nothing (the caller's transaction rolls back)."""
    if new_params:
        _check_params_unchanged(conn, run_pk, run_id, new_params)
        conn.execute(
            insert_ignore(params, ("run_pk", "key")),
            [
                {"run_pk": run_pk, "key": p.key, "value": p.value}
                for p in {p.key: p for p in new_params}.values()
            ],
        )
    if metric_points:
        insert_metrics(conn, run_pk, metric_points, key_ids)
    if new_tags:
        latest = {t.key: t.value for t in new_tags}
        conn.execute(
            upsert(tags, ("run_pk", "key"), ("value",)),
            [{"run_pk": run_pk, "key": k, "value": v} for k, v in latest.items()],
        )
        if RUN_NAME_TAG in latest:
            conn.execute(update(runs).where(runs.c.run_pk == run_pk).values(name=latest[RUN_NAME_TAG]))


def _check_params_unchanged(conn: Connection, run_pk: int, run_id: str, new_params: Sequence[Param]) -> None:
    """A param is written once: another value is an error, the same value a no-op."""
    wanted = {p.key: p.value for p in new_params}
    existing = conn.execute(
        select(params.c.key, params.c.value).where(params.c.run_pk == run_pk, params.c.key.in_(list(wanted)))
    )
    for key, old_value in existing:
        if wanted[key] != old_value:
            raise InvalidParameter(
                f"Changing param values is not allowed. Param with key='{key}' was already logged "
                f"with value='{old_value}' for run ID='{run_id}'. "
                f"Attempted logging new value '{wanted[key]}'."
            )
