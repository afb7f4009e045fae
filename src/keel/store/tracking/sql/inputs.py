"""Datasets as run inputs: one row per (experiment, name, digest), linked to the runs that read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from keel.entities import Dataset, DatasetInput, InputTag
from keel.store.tracking.sql.schema import datasets, input_tags, inputs
from keel.store.tracking.sql.upserts import insert_ignore

if TYPE_CHECKING:
    from collections.abc import Sequence


def log_inputs(conn: Connection, run_pk: int, experiment_pk: int, items: Sequence[DatasetInput]) -> None:
    for item in items:
        ds = item.dataset
        conn.execute(
            insert_ignore(datasets, ("experiment_id", "name", "digest")),
            [
                {
                    "experiment_id": experiment_pk,
                    "name": ds.name,
                    "digest": ds.digest,
                    "source_type": ds.source_type,
                    "source": ds.source,
                    "schema": ds.schema,
                    "profile": ds.profile,
                }
            ],
        )
        dataset_pk = conn.execute(
            select(datasets.c.dataset_pk).where(
                datasets.c.experiment_id == experiment_pk,
                datasets.c.name == ds.name,
                datasets.c.digest == ds.digest,
            )
        ).scalar_one()
        conn.execute(
            insert_ignore(inputs, ("run_pk", "dataset_pk")), [{"run_pk": run_pk, "dataset_pk": dataset_pk}]
        )
        if item.tags:
            conn.execute(
                insert_ignore(input_tags, ("run_pk", "dataset_pk", "key")),
                [
                    {"run_pk": run_pk, "dataset_pk": dataset_pk, "key": t.key, "value": t.value}
                    for t in item.tags
                ],
            )


def dataset_inputs_for(conn: Connection, run_pks: Sequence[int]) -> dict[int, list[DatasetInput]]:
    if not run_pks:
        return {}
    rows = conn.execute(
        select(inputs.c.run_pk, datasets)
        .join(datasets, datasets.c.dataset_pk == inputs.c.dataset_pk)
        .where(inputs.c.run_pk.in_(run_pks))
        .order_by(inputs.c.run_pk, datasets.c.dataset_pk)
    ).all()
    if not rows:
        return {}
    tags_by_pair: dict[tuple[int, int], list[InputTag]] = {}
    for run_pk, dataset_pk, key, value in conn.execute(
        select(input_tags.c.run_pk, input_tags.c.dataset_pk, input_tags.c.key, input_tags.c.value).where(
            input_tags.c.run_pk.in_(run_pks)
        )
    ):
        tags_by_pair.setdefault((run_pk, dataset_pk), []).append(InputTag(key, value))
    out: dict[int, list[DatasetInput]] = {}
    for row in rows:
        dataset = Dataset(row.name, row.digest, row.source_type, row.source, row.schema, row.profile)
        tags = tuple(tags_by_pair.get((row.run_pk, row.dataset_pk), ()))
        out.setdefault(row.run_pk, []).append(DatasetInput(dataset, tags))
    return out
