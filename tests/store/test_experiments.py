"""Contract: experiments — create, read, rename, soft delete and restore, and their tags."""

from __future__ import annotations

import pytest

from keel.entities import LifecycleStage, RunTag, ViewType
from keel.errors import AlreadyExists, InvalidParameter, InvalidState, NotFound


def test_default_experiment_exists(tracking_store, artifact_root):
    default = tracking_store.get_experiment("0")

    assert default.experiment_id == "0"
    assert default.name == "Default"
    assert default.lifecycle_stage == LifecycleStage.ACTIVE
    assert default.artifact_location == f"{artifact_root}/0"
    assert tracking_store.find_experiment_by_name("Default") == default


def test_create_experiment_is_read_back_by_id_and_by_name(tracking_store, clock):
    before = clock.now
    experiment_id = tracking_store.create_experiment(
        "exp", tags=[RunTag("owner", "ada"), RunTag("team", "core")]
    )

    experiment = tracking_store.get_experiment(experiment_id)
    assert experiment.experiment_id == experiment_id != "0"
    assert experiment.name == "exp"
    assert experiment.lifecycle_stage == LifecycleStage.ACTIVE
    assert experiment.tags == {"owner": "ada", "team": "core"}
    assert before < experiment.creation_time <= clock.now
    assert experiment.last_update_time == experiment.creation_time
    assert tracking_store.find_experiment_by_name("exp") == experiment


@pytest.mark.parametrize("name", ["with space", "ünïcødé 名前", "quotes ' and \"", "100%_like", "a/b:c"])
def test_experiment_names_round_trip(tracking_store, name):
    experiment_id = tracking_store.create_experiment(name)

    assert tracking_store.get_experiment(experiment_id).name == name
    assert tracking_store.find_experiment_by_name(name).experiment_id == experiment_id


def test_experiment_names_are_case_sensitive(tracking_store):
    lower = tracking_store.create_experiment("exp")
    upper = tracking_store.create_experiment("EXP")

    assert lower != upper
    assert tracking_store.find_experiment_by_name("exp").experiment_id == lower
    assert tracking_store.find_experiment_by_name("EXP").experiment_id == upper
    assert tracking_store.find_experiment_by_name("Exp") is None


def test_experiment_ids_are_distinct(tracking_store):
    ids = [tracking_store.create_experiment(f"exp-{i}") for i in range(3)]

    assert len(set(ids)) == 3
    assert [tracking_store.get_experiment(i).name for i in ids] == ["exp-0", "exp-1", "exp-2"]


def test_artifact_location_defaults_to_root_slash_id(tracking_store, artifact_root):
    experiment_id = tracking_store.create_experiment("exp")

    assert (
        tracking_store.get_experiment(experiment_id).artifact_location == f"{artifact_root}/{experiment_id}"
    )


def test_explicit_artifact_location_is_kept(tracking_store):
    experiment_id = tracking_store.create_experiment("exp", artifact_location="s3://bucket/somewhere")

    assert tracking_store.get_experiment(experiment_id).artifact_location == "s3://bucket/somewhere"


def test_find_experiment_by_name_returns_none_when_missing(tracking_store):
    assert tracking_store.find_experiment_by_name("nope") is None


@pytest.mark.parametrize("experiment_id", ["12345", "not-a-number"])
def test_get_missing_experiment_raises_not_found(tracking_store, experiment_id):
    with pytest.raises(NotFound) as caught:
        tracking_store.get_experiment(experiment_id)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert experiment_id in caught.value.message


def test_duplicate_name_raises_already_exists(tracking_store):
    first = tracking_store.create_experiment("exp")

    with pytest.raises(AlreadyExists) as caught:
        tracking_store.create_experiment("exp")

    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert tracking_store.find_experiment_by_name("exp").experiment_id == first
    names = [e.name for e in tracking_store.search_experiments(view_type=ViewType.ALL)]
    assert sorted(names) == ["Default", "exp"]


def test_duplicate_name_of_a_deleted_experiment_raises_already_exists(tracking_store):
    first = tracking_store.create_experiment("exp")
    tracking_store.delete_experiment(first)

    with pytest.raises(AlreadyExists):
        tracking_store.create_experiment("exp")

    assert tracking_store.find_experiment_by_name("exp").experiment_id == first


@pytest.mark.parametrize(
    ("name", "artifact_location"),
    [
        pytest.param("", None, id="empty-name"),
        pytest.param("   ", None, id="blank-name"),
        pytest.param("x" * 501, None, id="501-char-name"),
        pytest.param(None, None, id="no-name"),
        pytest.param("exp", "runs:/abc/artifacts", id="runs-uri-location"),
        pytest.param("exp", "s3://b/" + "x" * 2048, id="2055-char-location"),
    ],
)
def test_create_experiment_rejects_invalid_input(tracking_store, name, artifact_location):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.create_experiment(name, artifact_location=artifact_location)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert [e.name for e in tracking_store.search_experiments(view_type=ViewType.ALL)] == ["Default"]


def test_experiment_name_of_500_chars_is_accepted(tracking_store):
    experiment_id = tracking_store.create_experiment("x" * 500)

    assert tracking_store.get_experiment(experiment_id).name == "x" * 500


def test_rename_experiment(tracking_store):
    experiment_id = tracking_store.create_experiment("old")
    created = tracking_store.get_experiment(experiment_id)

    tracking_store.rename_experiment(experiment_id, "new")

    renamed = tracking_store.get_experiment(experiment_id)
    assert renamed.name == "new"
    assert renamed.last_update_time > created.last_update_time
    assert renamed.creation_time == created.creation_time
    assert tracking_store.find_experiment_by_name("old") is None
    assert tracking_store.find_experiment_by_name("new").experiment_id == experiment_id


def test_rename_to_an_existing_name_raises_already_exists(tracking_store):
    first = tracking_store.create_experiment("first")
    second = tracking_store.create_experiment("second")

    with pytest.raises(AlreadyExists):
        tracking_store.rename_experiment(second, "first")

    assert tracking_store.get_experiment(first).name == "first"
    assert tracking_store.get_experiment(second).name == "second"


def test_rename_deleted_experiment_raises_invalid_state(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    tracking_store.delete_experiment(experiment_id)

    with pytest.raises(InvalidState) as caught:
        tracking_store.rename_experiment(experiment_id, "renamed")

    assert caught.value.error_code == "INVALID_STATE"
    assert tracking_store.get_experiment(experiment_id).name == "exp"


def test_rename_missing_experiment_raises_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.rename_experiment("12345", "new")


def test_rename_to_an_invalid_name_raises_invalid_parameter(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")

    with pytest.raises(InvalidParameter):
        tracking_store.rename_experiment(experiment_id, "")

    assert tracking_store.get_experiment(experiment_id).name == "exp"


def test_delete_experiment_keeps_it_readable(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    created = tracking_store.get_experiment(experiment_id)

    tracking_store.delete_experiment(experiment_id)

    deleted = tracking_store.get_experiment(experiment_id)
    assert deleted.lifecycle_stage == LifecycleStage.DELETED
    assert deleted.last_update_time > created.last_update_time
    assert tracking_store.find_experiment_by_name("exp").lifecycle_stage == LifecycleStage.DELETED
    assert [e.name for e in tracking_store.search_experiments()] == ["Default"]
    assert [e.name for e in tracking_store.search_experiments(view_type=ViewType.DELETED_ONLY)] == ["exp"]


def test_restore_experiment(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    tracking_store.delete_experiment(experiment_id)

    tracking_store.restore_experiment(experiment_id)

    assert tracking_store.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.ACTIVE
    assert sorted(e.name for e in tracking_store.search_experiments()) == ["Default", "exp"]


@pytest.mark.parametrize("operation", ["delete_experiment", "restore_experiment"])
def test_delete_or_restore_missing_experiment_raises_not_found(tracking_store, operation):
    with pytest.raises(NotFound):
        getattr(tracking_store, operation)("12345")


def test_set_experiment_tag_then_overwrite_it(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")

    tracking_store.set_experiment_tag(experiment_id, RunTag("owner", "ada"))
    assert tracking_store.get_experiment(experiment_id).tags == {"owner": "ada"}

    tracking_store.set_experiment_tag(experiment_id, RunTag("owner", "grace"))
    tracking_store.set_experiment_tag(experiment_id, RunTag("note", ""))
    assert tracking_store.get_experiment(experiment_id).tags == {"owner": "grace", "note": ""}


def test_delete_experiment_tag(tracking_store):
    experiment_id = tracking_store.create_experiment("exp", tags=[RunTag("a", "1"), RunTag("b", "2")])

    tracking_store.delete_experiment_tag(experiment_id, "a")

    assert tracking_store.get_experiment(experiment_id).tags == {"b": "2"}


def test_delete_missing_experiment_tag_raises_not_found(tracking_store):
    experiment_id = tracking_store.create_experiment("exp", tags=[RunTag("a", "1")])

    with pytest.raises(NotFound) as caught:
        tracking_store.delete_experiment_tag(experiment_id, "missing")

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert tracking_store.get_experiment(experiment_id).tags == {"a": "1"}


def test_experiment_tags_need_an_active_experiment(tracking_store):
    experiment_id = tracking_store.create_experiment("exp", tags=[RunTag("a", "1")])
    tracking_store.delete_experiment(experiment_id)

    with pytest.raises(InvalidParameter):
        tracking_store.set_experiment_tag(experiment_id, RunTag("b", "2"))
    with pytest.raises(InvalidParameter):
        tracking_store.delete_experiment_tag(experiment_id, "a")

    assert tracking_store.get_experiment(experiment_id).tags == {"a": "1"}


def test_tag_on_missing_experiment_raises_not_found(tracking_store):
    with pytest.raises(NotFound):
        tracking_store.set_experiment_tag("12345", RunTag("a", "1"))


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(RunTag("bad!key", "v"), id="bad-character"),
        pytest.param(RunTag("../up", "v"), id="parent-path"),
        pytest.param(RunTag("k" * 251, "v"), id="251-char-key"),
        pytest.param(RunTag("k", "v" * 20001), id="20001-char-value"),
    ],
)
def test_invalid_experiment_tag_raises_invalid_parameter(tracking_store, tag):
    experiment_id = tracking_store.create_experiment("exp")

    with pytest.raises(InvalidParameter):
        tracking_store.set_experiment_tag(experiment_id, tag)
    with pytest.raises(InvalidParameter):
        tracking_store.create_experiment("other", tags=[tag])

    assert tracking_store.get_experiment(experiment_id).tags == {}
    assert tracking_store.find_experiment_by_name("other") is None


def test_experiment_tag_value_of_20000_chars_is_accepted(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")

    tracking_store.set_experiment_tag(experiment_id, RunTag("long", "v" * 20000))

    assert tracking_store.get_experiment(experiment_id).tags == {"long": "v" * 20000}


@pytest.mark.parametrize("experiment_id", ["2147483648", "9" * 30])
def test_an_experiment_id_beyond_any_stored_id_is_not_found(tracking_store, experiment_id):
    with pytest.raises(NotFound) as caught:
        tracking_store.get_experiment(experiment_id)

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_deleting_a_deleted_experiment_raises_not_found_as_in_mlflow(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    tracking_store.delete_experiment(experiment_id)

    with pytest.raises(NotFound):
        tracking_store.delete_experiment(experiment_id)

    assert tracking_store.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.DELETED


def test_restoring_an_active_experiment_raises_not_found_as_in_mlflow(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")

    with pytest.raises(NotFound):
        tracking_store.restore_experiment(experiment_id)

    assert tracking_store.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.ACTIVE
