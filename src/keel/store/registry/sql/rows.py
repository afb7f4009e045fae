"""Registry rows to entities, with tags, aliases and latest versions loaded in bulk."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, and_, func, select

from keel.entities import ModelVersion, ModelVersionStage, RegisteredModel, RegisteredModelAlias
from keel.errors import AlreadyExists, InvalidParameter, NotFound
from keel.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

AnyRow = Row[tuple[Any, ...]]
_mv = model_versions.c
_rm = registered_models.c


def model_not_found(name: str) -> NotFound:
    return NotFound(f"Registered Model with name={name} not found")


def version_not_found(name: str, version: int) -> NotFound:
    return NotFound(f"Model Version (name={name}, version={version}) not found")


def model_exists(name: str) -> AlreadyExists:
    return AlreadyExists(f"Registered Model (name={name}) already exists.")


def alias_not_found(name: str, alias: str) -> InvalidParameter:
    return InvalidParameter(f"Registered model alias {alias} not found for model {name}.")


def find_model(conn: Connection, name: str, *, lock: bool = False) -> AnyRow:
    """The model's row; ``lock`` holds it until the transaction ends (PostgreSQL; SQLite's writers
    are serial anyway), so concurrent registrations number their versions one after another."""
    query = select(registered_models).where(_rm.name == name)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise model_not_found(name)
    return row


def find_version(conn: Connection, name: str, version: int) -> AnyRow:
    row = conn.execute(
        select(model_versions, _rm.name)
        .join(registered_models, _rm.model_pk == _mv.model_pk)
        .where(_rm.name == name, _mv.version == version, _mv.deleted == 0)
    ).first()
    if row is None:
        raise version_not_found(name, version)
    return row


def version_query() -> Any:
    """Live versions with their model's name."""
    return (
        select(model_versions, _rm.name)
        .join(registered_models, _rm.model_pk == _mv.model_pk)
        .where(_mv.deleted == 0)
    )


def load_versions(conn: Connection, rows: Sequence[AnyRow]) -> list[ModelVersion]:
    pks = [row.version_pk for row in rows]
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    aliases: dict[int, list[str]] = defaultdict(list)
    if pks:
        for version_pk, key, value in conn.execute(
            select(model_version_tags.c.version_pk, model_version_tags.c.key, model_version_tags.c.value)
            .where(model_version_tags.c.version_pk.in_(pks))
            .order_by(model_version_tags.c.key)
        ):
            tags[version_pk][key] = value
        for version_pk, alias in conn.execute(
            select(registered_model_aliases.c.version_pk, registered_model_aliases.c.alias)
            .where(registered_model_aliases.c.version_pk.in_(pks))
            .order_by(registered_model_aliases.c.alias)
        ):
            aliases[version_pk].append(alias)
    return [
        ModelVersion(
            name=row.name,
            version=str(row.version),
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            source=row.source,
            current_stage=row.current_stage,
            status=row.status,
            user_id=row.user_id,
            description=row.description,
            run_id=row.run_id,
            run_link=row.run_link,
            status_message=row.status_message,
            model_id=row.model_id,
            tags=tags[row.version_pk],
            aliases=tuple(aliases[row.version_pk]),
        )
        for row in rows
    ]


def latest_versions(
    conn: Connection, model_pks: Sequence[int], stages: Sequence[ModelVersionStage] = ()
) -> dict[int, list[ModelVersion]]:
    """The newest live version of each stage, per model, ordered by stage then version."""
    newest = (
        select(_mv.model_pk, _mv.current_stage, func.max(_mv.version).label("version"))
        .where(_mv.model_pk.in_(model_pks), _mv.deleted == 0)
        .group_by(_mv.model_pk, _mv.current_stage)
    )
    if stages:
        newest = newest.where(_mv.current_stage.in_([s.value for s in stages]))
    latest = newest.subquery()
    rows = conn.execute(
        version_query()
        .join(latest, and_(latest.c.model_pk == _mv.model_pk, latest.c.version == _mv.version))
        .order_by(_mv.model_pk, _mv.version)
    ).all()
    out: dict[int, list[ModelVersion]] = defaultdict(list)
    for row, version in zip(rows, load_versions(conn, rows), strict=True):
        out[row.model_pk].append(version)
    return out


def load_models(conn: Connection, rows: Sequence[AnyRow]) -> list[RegisteredModel]:
    pks = [row.model_pk for row in rows]
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    aliases: dict[int, list[RegisteredModelAlias]] = defaultdict(list)
    latest: dict[int, list[ModelVersion]] = {}
    if pks:
        for model_pk, key, value in conn.execute(
            select(
                registered_model_tags.c.model_pk, registered_model_tags.c.key, registered_model_tags.c.value
            )
            .where(registered_model_tags.c.model_pk.in_(pks))
            .order_by(registered_model_tags.c.key)
        ):
            tags[model_pk][key] = value
        for model_pk, alias, version in conn.execute(
            select(registered_model_aliases.c.model_pk, registered_model_aliases.c.alias, _mv.version)
            .join(model_versions, _mv.version_pk == registered_model_aliases.c.version_pk)
            .where(registered_model_aliases.c.model_pk.in_(pks))
            .order_by(registered_model_aliases.c.alias)
        ):
            aliases[model_pk].append(RegisteredModelAlias(alias, str(version)))
        latest = latest_versions(conn, pks)
    return [
        RegisteredModel(
            name=row.name,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            user_id=row.user_id,
            description=row.description,
            latest_versions=tuple(latest.get(row.model_pk, ())),
            tags=tags[row.model_pk],
            aliases=tuple(aliases[row.model_pk]),
        )
        for row in rows
    ]
