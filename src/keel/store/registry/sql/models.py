"""Registered models in SQL: create, rename, describe, delete, tags and aliases — each change recorded."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from keel.entities import RegisteredModel, RegistryAction
from keel.store.registry.sql import events
from keel.store.registry.sql.events import Change
from keel.store.registry.sql.rows import (
    alias_not_found,
    find_model,
    find_version,
    load_models,
    model_exists,
)
from keel.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_aliases,
    registered_model_tags,
    registered_models,
)
from keel.store.tracking.sql.upserts import upsert

_rm = registered_models.c
_alias = registered_model_aliases.c


def create_registered_model(
    conn: Connection,
    name: str,
    tags: dict[str, str],
    description: str | None,
    user_id: str | None,
    now: int,
) -> RegisteredModel:
    if conn.execute(select(_rm.model_pk).where(_rm.name == name)).first() is not None:
        raise model_exists(name)
    model_pk = conn.execute(
        insert(registered_models).values(
            name=name,
            creation_timestamp=now,
            last_updated_timestamp=now,
            description=description,
            user_id=user_id,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    if tags:
        conn.execute(
            insert(registered_model_tags),
            [{"model_pk": model_pk, "key": k, "value": v} for k, v in tags.items()],
        )
    details = {"tags": tags, "description": description}
    events.record(conn, Change(RegistryAction.MODEL_CREATED, name, details=details), user_id, now)
    return get_registered_model(conn, name)


def get_registered_model(conn: Connection, name: str) -> RegisteredModel:
    return load_models(conn, [find_model(conn, name)])[0]


def rename_registered_model(
    conn: Connection, name: str, new_name: str, user_id: str | None, now: int
) -> RegisteredModel:
    row = find_model(conn, name)
    if new_name != name:
        if conn.execute(select(_rm.model_pk).where(_rm.name == new_name)).first() is not None:
            raise model_exists(new_name)
        conn.execute(
            update(registered_models)
            .where(_rm.model_pk == row.model_pk)
            .values(name=new_name, last_updated_timestamp=now)
        )
        change = Change(
            RegistryAction.MODEL_RENAMED, new_name, key="name", from_value=name, to_value=new_name
        )
        events.record(conn, change, user_id, now)
    return get_registered_model(conn, new_name)


def update_registered_model(
    conn: Connection, name: str, description: str | None, user_id: str | None, now: int
) -> RegisteredModel:
    row = find_model(conn, name)
    conn.execute(
        update(registered_models)
        .where(_rm.model_pk == row.model_pk)
        .values(description=description, last_updated_timestamp=now)
    )
    change = Change(
        RegistryAction.MODEL_UPDATED,
        name,
        key="description",
        from_value=row.description,
        to_value=description,
    )
    events.record(conn, change, user_id, now)
    return get_registered_model(conn, name)


def delete_registered_model(conn: Connection, name: str, user_id: str | None, now: int) -> list[str]:
    """Delete the model and everything of it; return where its live versions' files were, for the
    caller to remove once this is committed."""
    model_pk = find_model(conn, name).model_pk
    locations = (
        conn.execute(
            select(model_versions.c.storage_location).where(
                model_versions.c.model_pk == model_pk, model_versions.c.deleted == 0
            )
        )
        .scalars()
        .all()
    )
    version_pks = select(model_versions.c.version_pk).where(model_versions.c.model_pk == model_pk)
    conn.execute(delete(registered_model_aliases).where(_alias.model_pk == model_pk))
    conn.execute(delete(model_version_tags).where(model_version_tags.c.version_pk.in_(version_pks)))
    conn.execute(delete(model_versions).where(model_versions.c.model_pk == model_pk))
    conn.execute(delete(registered_model_tags).where(registered_model_tags.c.model_pk == model_pk))
    conn.execute(delete(registered_models).where(_rm.model_pk == model_pk))
    events.record(conn, Change(RegistryAction.MODEL_DELETED, name), user_id, now)
    return [str(location) for location in locations]


def set_registered_model_tag(
    conn: Connection, name: str, key: str, value: str, user_id: str | None, now: int
) -> None:
    model_pk = find_model(conn, name).model_pk
    tags = registered_model_tags.c
    previous = conn.execute(select(tags.value).where(tags.model_pk == model_pk, tags.key == key)).scalar()
    conn.execute(
        upsert(registered_model_tags, ("model_pk", "key"), ("value",)),
        {"model_pk": model_pk, "key": key, "value": value},
    )
    _touch(conn, model_pk, now)
    change = Change(RegistryAction.MODEL_TAG_SET, name, key=key, from_value=previous, to_value=value)
    events.record(conn, change, user_id, now)


def delete_registered_model_tag(conn: Connection, name: str, key: str, user_id: str | None, now: int) -> None:
    model_pk = find_model(conn, name).model_pk
    tags = registered_model_tags.c
    previous = conn.execute(select(tags.value).where(tags.model_pk == model_pk, tags.key == key)).scalar()
    if previous is None:  # MLflow deletes a missing tag quietly; nothing changed, nothing recorded
        return
    conn.execute(delete(registered_model_tags).where(tags.model_pk == model_pk, tags.key == key))
    _touch(conn, model_pk, now)
    change = Change(RegistryAction.MODEL_TAG_DELETED, name, key=key, from_value=previous)
    events.record(conn, change, user_id, now)


def set_alias(conn: Connection, name: str, alias: str, version: int, user_id: str | None, now: int) -> None:
    """Point ``alias`` at a live version; the move is recorded with the version it left."""
    target = find_version(conn, name, version)
    previous = _alias_version(conn, target.model_pk, alias)
    if previous is not None and previous == version:
        return
    conn.execute(
        upsert(registered_model_aliases, ("model_pk", "alias"), ("version_pk",)),
        {"model_pk": target.model_pk, "alias": alias, "version_pk": target.version_pk},
    )
    _touch(conn, target.model_pk, now)
    change = Change(
        RegistryAction.ALIAS_SET,
        name,
        version=version,
        key=alias,
        from_value=None if previous is None else str(previous),
        to_value=str(version),
    )
    events.record(conn, change, user_id, now)


def delete_alias(conn: Connection, name: str, alias: str, user_id: str | None, now: int) -> None:
    model_pk = find_model(conn, name).model_pk
    previous = _alias_version(conn, model_pk, alias)
    if previous is None:  # MLflow deletes a missing alias quietly; nothing changed, nothing recorded
        return
    conn.execute(delete(registered_model_aliases).where(_alias.model_pk == model_pk, _alias.alias == alias))
    _touch(conn, model_pk, now)
    change = Change(RegistryAction.ALIAS_DELETED, name, version=previous, key=alias, from_value=str(previous))
    events.record(conn, change, user_id, now)


def alias_target(conn: Connection, name: str, alias: str) -> int:
    version = _alias_version(conn, find_model(conn, name).model_pk, alias)
    if version is None:
        raise alias_not_found(name, alias)
    return version


def _alias_version(conn: Connection, model_pk: int, alias: str) -> int | None:
    found = conn.execute(
        select(model_versions.c.version)
        .join(registered_model_aliases, _alias.version_pk == model_versions.c.version_pk)
        .where(_alias.model_pk == model_pk, _alias.alias == alias)
    ).scalar()
    return None if found is None else int(found)


def _touch(conn: Connection, model_pk: int, now: int) -> None:
    conn.execute(update(registered_models).where(_rm.model_pk == model_pk).values(last_updated_timestamp=now))
