"""Model versions in SQL: create, describe, delete, stages and tags — each change recorded."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, update

from keel.entities import ModelVersion, ModelVersionStage, ModelVersionStatus, RegistryAction
from keel.store.registry.sql import events
from keel.store.registry.sql.events import Change
from keel.store.registry.sql.rows import find_model, find_version, load_versions
from keel.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_models,
)
from keel.store.tracking.sql.upserts import upsert

_mv = model_versions.c
_tags = model_version_tags.c


def create_model_version(
    conn: Connection,
    name: str,
    source: str,
    storage_location: str,
    run_id: str | None,
    tags: dict[str, str],
    run_link: str | None,
    description: str | None,
    model_id: str | None,
    user_id: str | None,
    now: int,
) -> ModelVersion:
    """The next version number of the model (deleted numbers are never reused), READY at once."""
    model_pk = find_model(conn, name, lock=True).model_pk
    latest = conn.execute(select(func.max(_mv.version)).where(_mv.model_pk == model_pk)).scalar()
    version = (latest or 0) + 1
    version_pk = conn.execute(
        insert(model_versions).values(
            model_pk=model_pk,
            version=version,
            creation_timestamp=now,
            last_updated_timestamp=now,
            description=description,
            user_id=user_id,
            current_stage=ModelVersionStage.NONE.value,
            source=source,
            storage_location=storage_location,
            run_id=run_id,
            run_link=run_link,
            model_id=model_id,
            status=ModelVersionStatus.READY.value,
            deleted=0,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    if tags:
        conn.execute(
            insert(model_version_tags),
            [{"version_pk": version_pk, "key": k, "value": v} for k, v in tags.items()],
        )
    _touch_model(conn, model_pk, now)
    details = {"run_id": run_id, "tags": tags, "description": description}
    change = Change(
        RegistryAction.VERSION_CREATED, name, version=version, key="source", to_value=source, details=details
    )
    events.record(conn, change, user_id, now)
    return get_model_version(conn, name, version)


def get_model_version(conn: Connection, name: str, version: int) -> ModelVersion:
    return load_versions(conn, [find_version(conn, name, version)])[0]


def version_location(conn: Connection, name: str, version: int) -> str:
    """Where the version's files are (its copy in registry storage)."""
    return str(find_version(conn, name, version).storage_location)


def update_model_version(
    conn: Connection, name: str, version: int, description: str | None, user_id: str | None, now: int
) -> ModelVersion:
    row = find_version(conn, name, version)
    _update(conn, row.version_pk, row.model_pk, now, description=description)
    change = Change(
        RegistryAction.VERSION_UPDATED,
        name,
        version=version,
        key="description",
        from_value=row.description,
        to_value=description,
    )
    events.record(conn, change, user_id, now)
    return get_model_version(conn, name, version)


def delete_model_version(conn: Connection, name: str, version: int, user_id: str | None, now: int) -> str:
    """Mark the version deleted (its number stays taken) and drop its tags and aliases; return where
    its files were, for the caller to remove once this is committed."""
    row = find_version(conn, name, version)
    conn.execute(
        delete(registered_model_aliases).where(registered_model_aliases.c.version_pk == row.version_pk)
    )
    conn.execute(delete(model_version_tags).where(_tags.version_pk == row.version_pk))
    _update(conn, row.version_pk, row.model_pk, now, deleted=1)
    events.record(conn, Change(RegistryAction.VERSION_DELETED, name, version=version), user_id, now)
    return str(row.storage_location)


def transition_stage(
    conn: Connection,
    name: str,
    version: int,
    stage: ModelVersionStage,
    archive_existing_versions: bool,
    user_id: str | None,
    now: int,
) -> ModelVersion:
    row = find_version(conn, name, version)
    if archive_existing_versions:
        others = conn.execute(
            select(_mv.version_pk, _mv.version).where(
                _mv.model_pk == row.model_pk,
                _mv.current_stage == stage.value,
                _mv.version != version,
                _mv.deleted == 0,
            )
        ).all()
        for other_pk, other_version in others:
            _set_stage(
                conn,
                name,
                other_pk,
                row.model_pk,
                other_version,
                stage,
                ModelVersionStage.ARCHIVED,
                user_id,
                now,
            )
    _set_stage(
        conn,
        name,
        row.version_pk,
        row.model_pk,
        version,
        ModelVersionStage(row.current_stage),
        stage,
        user_id,
        now,
    )
    return get_model_version(conn, name, version)


def _set_stage(
    conn: Connection,
    name: str,
    version_pk: int,
    model_pk: int,
    version: int,
    old: ModelVersionStage,
    new: ModelVersionStage,
    user_id: str | None,
    now: int,
) -> None:
    _update(conn, version_pk, model_pk, now, current_stage=new.value)
    change = Change(
        RegistryAction.STAGE_CHANGED,
        name,
        version=version,
        key="stage",
        from_value=old.value,
        to_value=new.value,
    )
    events.record(conn, change, user_id, now)


def set_model_version_tag(
    conn: Connection, name: str, version: int, key: str, value: str, user_id: str | None, now: int
) -> None:
    row = find_version(conn, name, version)
    previous = conn.execute(
        select(_tags.value).where(_tags.version_pk == row.version_pk, _tags.key == key)
    ).scalar()
    conn.execute(
        upsert(model_version_tags, ("version_pk", "key"), ("value",)),
        {"version_pk": row.version_pk, "key": key, "value": value},
    )
    _update(conn, row.version_pk, row.model_pk, now)
    change = Change(
        RegistryAction.VERSION_TAG_SET, name, version=version, key=key, from_value=previous, to_value=value
    )
    events.record(conn, change, user_id, now)


def delete_model_version_tag(
    conn: Connection, name: str, version: int, key: str, user_id: str | None, now: int
) -> None:
    row = find_version(conn, name, version)
    previous = conn.execute(
        select(_tags.value).where(_tags.version_pk == row.version_pk, _tags.key == key)
    ).scalar()
    if previous is None:
        return
    conn.execute(delete(model_version_tags).where(_tags.version_pk == row.version_pk, _tags.key == key))
    _update(conn, row.version_pk, row.model_pk, now)
    change = Change(RegistryAction.VERSION_TAG_DELETED, name, version=version, key=key, from_value=previous)
    events.record(conn, change, user_id, now)


def _update(conn: Connection, version_pk: int, model_pk: int, now: int, **values: object) -> None:
    conn.execute(
        update(model_versions)
        .where(_mv.version_pk == version_pk)
        .values(last_updated_timestamp=now, **values)
    )
    _touch_model(conn, model_pk, now)


def _touch_model(conn: Connection, model_pk: int, now: int) -> None:
    conn.execute(
        update(registered_models)
        .where(registered_models.c.model_pk == model_pk)
        .values(last_updated_timestamp=now)
    )
