"""Contract: the model registry — models, versions, safe sources, stages, aliases, tags, search, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keel.errors import AlreadyExists, InvalidParameter, NotFound
from keel.store.artifacts import get_artifact_repository, local_path_from_uri

MLMODEL = b"artifact_path: model\nflavors: {}\n"


def run_with_model(stores, name: str = "model") -> str:
    """A run holding a model directory ``<name>`` in its own artifacts (as MLflow 2 logged them)."""
    run = stores.tracking.create_run("0")
    repo = get_artifact_repository(run.info.artifact_uri)
    repo.write_bytes(f"{name}/MLmodel", MLMODEL)
    repo.write_bytes(f"{name}/model.pkl", b"weights")
    return run.info.run_id


def logged_model(stores, run_id: str, name: str = "clf") -> str:
    """A logged model (MLflow 3) of ``run_id`` with files in its artifact location."""
    model = stores.tracking.create_logged_model("0", name=name, source_run_id=run_id)
    repo = get_artifact_repository(model.info.artifact_uri)
    repo.write_bytes("MLmodel", MLMODEL)
    repo.write_bytes("model.pkl", b"logged weights")
    return model.model_id


def files_at(uri: str) -> dict[str, bytes]:
    root = local_path_from_uri(uri)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# Registered models


def test_create_and_get_registered_model(stores):
    created = stores.registry.create_registered_model("churn", {"team": "growth"}, "Predicts churn")
    got = stores.registry.get_registered_model("churn")
    assert got == created
    assert (got.name, got.description, got.tags) == ("churn", "Predicts churn", {"team": "growth"})
    assert got.creation_timestamp == got.last_updated_timestamp > 0
    assert got.latest_versions == ()
    assert got.aliases == ()


def test_duplicate_name_is_rejected_and_changes_nothing(stores):
    stores.registry.create_registered_model("churn", {"a": "1"})
    with pytest.raises(AlreadyExists, match="already exists"):
        stores.registry.create_registered_model("churn", {"b": "2"})
    assert stores.registry.get_registered_model("churn").tags == {"a": "1"}
    assert len(stores.registry.search_registered_models()) == 1


@pytest.mark.parametrize("name", ["", "  ", "a/b", "a:b", "..", "x" * 300])
def test_invalid_model_names(stores, name):
    with pytest.raises(InvalidParameter):
        stores.registry.create_registered_model(name)
    assert len(stores.registry.search_registered_models()) == 0


def test_missing_model_is_not_found(stores):
    with pytest.raises(NotFound, match="Registered Model with name=ghost not found"):
        stores.registry.get_registered_model("ghost")


def test_rename_moves_versions_and_frees_the_old_name(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("old")
    stores.registry.create_model_version("old", f"runs:/{run_id}/model", run_id)
    stores.registry.create_registered_model("taken")
    with pytest.raises(AlreadyExists):
        stores.registry.rename_registered_model("old", "taken")
    renamed = stores.registry.rename_registered_model("old", "new")
    assert renamed.name == "new"
    assert stores.registry.get_model_version("new", 1).name == "new"
    with pytest.raises(NotFound):
        stores.registry.get_registered_model("old")


def test_update_description(stores):
    stores.registry.create_registered_model("m")
    assert stores.registry.update_registered_model("m", "better").description == "better"
    assert stores.registry.get_registered_model("m").description == "better"


def test_delete_model_removes_versions_and_aliases(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.set_registered_model_alias("m", "champion", 1)
    stores.registry.delete_registered_model("m")
    with pytest.raises(NotFound):
        stores.registry.get_registered_model("m")
    assert len(stores.registry.search_model_versions("name = 'm'")) == 0
    stores.registry.create_registered_model("m")  # the name is free again, versions start at 1
    assert stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id).version == "1"


def test_registered_model_tags(stores):
    stores.registry.create_registered_model("m")
    stores.registry.set_registered_model_tag("m", "owner", "ana")
    stores.registry.set_registered_model_tag("m", "owner", "bo")
    assert stores.registry.get_registered_model("m").tags == {"owner": "bo"}
    stores.registry.delete_registered_model_tag("m", "owner")
    assert stores.registry.get_registered_model("m").tags == {}
    with pytest.raises(InvalidParameter):
        stores.registry.set_registered_model_tag("m", "../x", "v")


# Versions and their sources


def test_version_from_a_runs_uri_is_a_copy_in_registry_storage(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    version = stores.registry.create_model_version(
        "m", f"runs:/{run_id}/model", run_id, {"k": "v"}, None, "d"
    )
    assert (version.version, version.run_id, version.status, version.current_stage) == (
        "1",
        run_id,
        "READY",
        "None",
    )
    assert (version.source, version.tags, version.description) == (f"runs:/{run_id}/model", {"k": "v"}, "d")
    location = stores.registry.get_model_version_download_uri("m", 1)
    run = stores.tracking.get_run(run_id)
    assert "/registry/" in location
    assert not location.startswith(run.info.artifact_uri)
    assert files_at(location) == {"MLmodel": MLMODEL, "model.pkl": b"weights"}
    # The run's files can go: the version keeps its own copy.
    get_artifact_repository(run.info.artifact_uri).delete_artifacts()
    assert files_at(stores.registry.get_model_version_download_uri("m", 1))["model.pkl"] == b"weights"


def test_version_from_a_logged_model(stores):
    run_id = run_with_model(stores)
    model_id = logged_model(stores, run_id)
    stores.registry.create_registered_model("m")
    version = stores.registry.create_model_version("m", f"models:/{model_id}", model_id=model_id)
    assert (version.model_id, version.run_id) == (model_id, run_id)
    assert files_at(stores.registry.get_model_version_download_uri("m", 1))["model.pkl"] == b"logged weights"
    stores.registry.create_model_version("m", f"models:/{model_id}", model_id=model_id)
    linked = stores.tracking.get_logged_model(model_id).info.tags["mlflow.modelVersions"]
    assert json.loads(linked) == [{"name": "m", "version": "1"}, {"name": "m", "version": "2"}]


def test_runs_uri_naming_a_logged_model_registers_that_model(stores):
    run_id = run_with_model(stores, name="other")
    model_id = logged_model(stores, run_id, name="clf")
    stores.registry.create_registered_model("m")
    version = stores.registry.create_model_version("m", f"runs:/{run_id}/clf", run_id)
    assert version.model_id == model_id
    assert files_at(stores.registry.get_model_version_download_uri("m", 1))["model.pkl"] == b"logged weights"


def test_version_from_another_version(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("a")
    stores.registry.create_registered_model("b")
    stores.registry.create_model_version("a", f"runs:/{run_id}/model", run_id)
    copied = stores.registry.create_model_version("b", "models:/a/1")
    assert copied.run_id == run_id
    assert files_at(stores.registry.get_model_version_download_uri("b", 1))["model.pkl"] == b"weights"


def test_uri_inside_the_run_artifacts_needs_that_run_id(stores):
    run_id = run_with_model(stores)
    other = stores.tracking.create_run("0").info.run_id
    source = stores.tracking.get_run(run_id).info.artifact_uri + "/model"
    stores.registry.create_registered_model("m")
    with pytest.raises(InvalidParameter, match="not inside the artifacts"):
        stores.registry.create_model_version("m", source, run_id=other)
    assert stores.registry.create_model_version("m", source, run_id=run_id).version == "1"


@pytest.mark.parametrize(
    "source",
    [
        "/etc",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data",
        "https://internal.example/model",
        "s3://other-bucket/model",
        "runs:/{run}/../../../etc",
        "runs:/{run}/model/%2e%2e/%2e%2e",
        "runs:/{run}/model/%252e%252e/x",
        "{root}/../../outside",
        "models:/m-doesnotexist/../x",
        "mlflow-artifacts:/0/{run}/artifacts/model\x00",
    ],
)
def test_unsafe_sources_are_refused_and_change_nothing(stores, source, artifact_root):
    run_id = run_with_model(stores)
    root = stores.tracking.get_run(run_id).info.artifact_uri
    stores.registry.create_registered_model("m")
    with pytest.raises(InvalidParameter, match=r"(?i)source"):
        stores.registry.create_model_version("m", source.format(run=run_id, root=root), run_id=run_id)
    assert len(stores.registry.search_model_versions("name = 'm'")) == 0
    assert not (local_path_from_uri(artifact_root) / "registry").exists()


def test_source_and_run_id_must_agree(stores):
    run_id = run_with_model(stores)
    other = stores.tracking.create_run("0").info.run_id
    stores.registry.create_registered_model("m")
    with pytest.raises(InvalidParameter, match="is not the run_id given"):
        stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id=other)


def test_a_source_without_files_is_refused(stores):
    run_id = stores.tracking.create_run("0").info.run_id
    stores.registry.create_registered_model("m")
    with pytest.raises(InvalidParameter, match="holds no files"):
        stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    assert len(stores.registry.search_model_versions()) == 0


def test_version_of_a_missing_model_or_run(stores):
    run_id = run_with_model(stores)
    with pytest.raises(NotFound):
        stores.registry.create_model_version("ghost", f"runs:/{run_id}/model", run_id)
    stores.registry.create_registered_model("m")
    with pytest.raises(NotFound):
        stores.registry.create_model_version("m", "runs:/0123456789abcdef0123456789abcdef/model")


def test_version_numbers_are_never_reused(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    for _ in range(3):
        stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.delete_model_version("m", 3)
    assert stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id).version == "4"
    with pytest.raises(NotFound, match=r"Model Version \(name=m, version=3\) not found"):
        stores.registry.get_model_version("m", 3)


@pytest.mark.parametrize("version", ["abc", "1.5", "", "-1", "0", "--1", "²", "99999999999999999999999"])
def test_bad_version_numbers(stores, version):
    stores.registry.create_registered_model("m")
    with pytest.raises(InvalidParameter):
        stores.registry.get_model_version("m", version)


def test_update_version_description(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    assert stores.registry.update_model_version("m", "1", "tuned").description == "tuned"


# Stages


def test_stage_transitions_and_latest_versions(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    for _ in range(3):
        stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    assert stores.registry.transition_model_version_stage("m", 1, "production").current_stage == "Production"
    stores.registry.transition_model_version_stage("m", 2, "Staging")
    latest = {v.current_stage: v.version for v in stores.registry.get_latest_versions("m")}
    assert latest == {"None": "3", "Production": "1", "Staging": "2"}
    assert [v.version for v in stores.registry.get_latest_versions("m", ["Production"])] == ["1"]
    stores.registry.transition_model_version_stage("m", 2, "Production", archive_existing_versions=True)
    assert stores.registry.get_model_version("m", 1).current_stage == "Archived"
    model = stores.registry.get_registered_model("m")
    assert {v.current_stage for v in model.latest_versions} == {"None", "Production", "Archived"}


def test_unknown_stage_is_rejected(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    with pytest.raises(InvalidParameter, match="Invalid Model Version stage"):
        stores.registry.transition_model_version_stage("m", 1, "Prod")
    with pytest.raises(InvalidParameter):
        stores.registry.get_latest_versions("m", ["Shipping"])
    assert stores.registry.get_model_version("m", 1).current_stage == "None"


# Aliases


def test_aliases_set_move_get_and_delete(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.set_registered_model_alias("m", "champion", 1)
    assert stores.registry.get_model_version_by_alias("m", "champion").version == "1"
    stores.registry.set_registered_model_alias("m", "champion", "2")
    assert stores.registry.get_model_version_by_alias("m", "champion").aliases == ("champion",)
    assert stores.registry.get_model_version("m", 1).aliases == ()
    assert [(a.alias, a.version) for a in stores.registry.get_registered_model("m").aliases] == [
        ("champion", "2")
    ]
    stores.registry.delete_registered_model_alias("m", "champion")
    with pytest.raises(InvalidParameter, match="alias champion not found"):
        stores.registry.get_model_version_by_alias("m", "champion")


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12", "has space", "a/b", ""])
def test_reserved_or_malformed_aliases(stores, alias):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    with pytest.raises(InvalidParameter):
        stores.registry.set_registered_model_alias("m", alias, 1)
    assert stores.registry.get_registered_model("m").aliases == ()


def test_alias_on_a_deleted_or_missing_version(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.set_registered_model_alias("m", "champion", 1)
    stores.registry.delete_model_version("m", 1)
    assert stores.registry.get_registered_model("m").aliases == ()  # deleting the version dropped it
    with pytest.raises(NotFound):
        stores.registry.set_registered_model_alias("m", "champion", 1)
    with pytest.raises(NotFound):
        stores.registry.set_registered_model_alias("m", "champion", 7)


# Version tags


def test_version_tags(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.set_model_version_tag("m", 1, "validated", "yes")
    assert stores.registry.get_model_version("m", 1).tags == {"validated": "yes"}
    stores.registry.delete_model_version_tag("m", 1, "validated")
    assert stores.registry.get_model_version("m", 1).tags == {}
    with pytest.raises(NotFound):
        stores.registry.set_model_version_tag("m", 9, "k", "v")


# Search


def test_search_registered_models(stores):
    for name, team in [("alpha", "a"), ("beta", "b"), ("alphabet", "a"), ("Gamma", "a")]:
        stores.registry.create_registered_model(name, {"team": team})
    stores.registry.create_registered_model("a-prompt", {"mlflow.prompt.is_prompt": "true"})
    names = lambda page: [m.name for m in page]  # noqa: E731
    assert names(stores.registry.search_registered_models()) == ["Gamma", "alpha", "alphabet", "beta"]
    assert names(stores.registry.search_registered_models("name LIKE 'alpha%'")) == ["alpha", "alphabet"]
    assert names(stores.registry.search_registered_models("name ILIKE 'g%'")) == ["Gamma"]
    assert names(stores.registry.search_registered_models("tags.team = 'b'")) == ["beta"]
    assert names(stores.registry.search_registered_models(order_by=["name DESC"])) == [
        "beta",
        "alphabet",
        "alpha",
        "Gamma",
    ]
    assert names(stores.registry.search_registered_models("tags.`mlflow.prompt.is_prompt` = 'true'")) == [
        "a-prompt"
    ]
    first = stores.registry.search_registered_models(max_results=3)
    second = stores.registry.search_registered_models(max_results=3, page_token=first.token)
    assert names(first) + names(second) == ["Gamma", "alpha", "alphabet", "beta"]
    assert second.token is None


def test_search_model_versions(stores):
    run_a, run_b = run_with_model(stores), run_with_model(stores)
    for name in ("x", "y"):
        stores.registry.create_registered_model(name)
        for run_id in (run_a, run_b, run_a):
            stores.registry.create_model_version(name, f"runs:/{run_id}/model", run_id)
    stores.registry.set_model_version_tag("y", 2, "ok", "1")
    pairs = lambda page: [(v.name, v.version) for v in page]  # noqa: E731
    assert pairs(stores.registry.search_model_versions("name = 'x'")) == [("x", "3"), ("x", "2"), ("x", "1")]
    assert pairs(stores.registry.search_model_versions("version_number >= 3")) == [("x", "3"), ("y", "3")]
    assert pairs(stores.registry.search_model_versions(f"run_id = '{run_b}'")) == [("x", "2"), ("y", "2")]
    assert pairs(stores.registry.search_model_versions(f"name = 'y' AND run_id IN ('{run_a}')")) == [
        ("y", "3"),
        ("y", "1"),
    ]
    assert pairs(stores.registry.search_model_versions("tags.ok = '1'")) == [("y", "2")]
    assert pairs(stores.registry.search_model_versions("name='x'", order_by=["version_number ASC"])) == [
        ("x", "1"),
        ("x", "2"),
        ("x", "3"),
    ]
    page = stores.registry.search_model_versions(max_results=4)
    rest = stores.registry.search_model_versions(max_results=4, page_token=page.token)
    assert (len(page), len(rest), rest.token) == (4, 2, None)
    with pytest.raises(InvalidParameter):
        stores.registry.search_model_versions("metrics.acc > 1")


# History


def test_history_records_who_changed_what_from_and_to(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.set_registered_model_alias("m", "champion", 1)
    stores.registry.set_registered_model_alias("m", "champion", 2)
    stores.registry.transition_model_version_stage("m", 2, "Production")
    stores.registry.set_model_version_tag("m", 2, "ok", "yes")
    stores.registry.delete_model_version("m", 1)
    stores.registry.create_registered_model("other")
    events = stores.registry.get_registry_history("m")
    summary = [(e.action, e.version, e.key, e.from_value, e.to_value) for e in events]
    assert summary[0] == ("registered_model.created", None, None, None, None)
    assert summary[3:] == [
        ("model_version_alias.created", "1", "champion", None, "1"),
        ("model_version_alias.created", "2", "champion", "1", "2"),
        ("model_version.stage_changed", "2", "stage", "None", "Production"),
        ("model_version_tag.set", "2", "ok", None, "yes"),
        ("model_version.deleted", "1", None, None, None),
    ]
    assert all(e.name == "m" for e in events)
    timestamps = [e.timestamp for e in events]
    assert timestamps == sorted(timestamps)
    assert len(stores.registry.get_registry_history()) == len(events) + 1


def test_history_outlives_the_model(stores):
    stores.registry.create_registered_model("m")
    stores.registry.delete_registered_model("m")
    actions = [e.action for e in stores.registry.get_registry_history("m")]
    assert actions == ["registered_model.created", "registered_model.deleted"]


def test_registry_storage_lives_under_the_artifact_root(stores, artifact_root):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    location = Path(local_path_from_uri(stores.registry.get_model_version_download_uri("m", 1)))
    assert location.is_relative_to(local_path_from_uri(artifact_root) / "registry")


def test_history_follows_renames_and_not_a_deleted_namesake(stores):
    stores.registry.create_registered_model("old")
    stores.registry.set_registered_model_tag("old", "a", "1")
    stores.registry.delete_registered_model("old")
    stores.registry.create_registered_model("old")  # another model, with its own history
    stores.registry.set_registered_model_tag("old", "b", "2")
    stores.registry.rename_registered_model("old", "mid")
    stores.registry.create_registered_model("old")  # the freed name, a third model
    stores.registry.rename_registered_model("mid", "new")
    stores.registry.set_registered_model_tag("new", "c", "3")
    summary = [(e.action, e.name, e.key) for e in stores.registry.get_registry_history("new")]
    assert summary == [
        ("registered_model.created", "old", None),
        ("registered_model_tag.set", "old", "b"),
        ("registered_model.renamed", "mid", "name"),
        ("registered_model.renamed", "new", "name"),
        ("registered_model_tag.set", "new", "c"),
    ]
    assert [e.action for e in stores.registry.get_registry_history("old")] == ["registered_model.created"]
    newest = stores.registry.get_registry_history("new", max_results=2, newest_first=True)
    assert [e.key for e in newest] == ["c", "name"]
    assert newest.token is not None


def test_latest_alias_and_deleting_a_missing_alias(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    with pytest.raises(NotFound):
        stores.registry.get_model_version_by_alias("m", "latest")
    for _ in range(2):
        stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    assert stores.registry.get_model_version_by_alias("m", "Latest").version == "2"
    before = len(stores.registry.get_registry_history("m"))
    stores.registry.delete_registered_model_alias("m", "never-set")  # as MLflow: quietly nothing
    assert len(stores.registry.get_registry_history("m")) == before


def test_versions_from_aliases_stages_and_latest(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("a")
    stores.registry.create_registered_model("b")
    stores.registry.create_model_version("a", f"runs:/{run_id}/model", run_id)
    stores.registry.create_model_version("a", f"runs:/{run_id}/model", run_id)
    stores.registry.set_registered_model_alias("a", "champion", 1)
    stores.registry.transition_model_version_stage("a", 2, "Staging")
    for source in ("models:/a@champion", "models:/a/Staging", "models:/a/latest"):
        assert stores.registry.create_model_version("b", source).run_id == run_id
    assert [v.source for v in stores.registry.search_model_versions("name = 'b'")] == [
        "models:/a/latest",
        "models:/a/Staging",
        "models:/a@champion",
    ]
    with pytest.raises(InvalidParameter):
        stores.registry.create_model_version("b", "models:/a@nobody")
    with pytest.raises(NotFound):
        stores.registry.create_model_version("b", "models:/a/Production")


def test_sources_must_agree_with_the_ids_sent_with_them(stores):
    run_id = run_with_model(stores)
    other_run = run_with_model(stores)
    model_id = logged_model(stores, run_id)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    cases = [
        ("models:/m/1", {"run_id": other_run}),
        (f"models:/{model_id}", {"run_id": other_run}),
        (f"runs:/{run_id}/model", {"model_id": model_id}),
    ]
    for source, ids in cases:
        with pytest.raises(InvalidParameter, match="Invalid model version source"):
            stores.registry.create_model_version("m", source, **ids)
    assert len(stores.registry.search_model_versions("name = 'm'")) == 1


def test_a_symlink_in_the_artifacts_cannot_lead_the_copy_outside(stores, tmp_path, artifact_root):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_rsa").write_text("TOP SECRET")
    run = stores.tracking.create_run("0")
    run_dir = local_path_from_uri(run.info.artifact_uri)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "model").symlink_to(secret, target_is_directory=True)
    stores.registry.create_registered_model("m")
    with pytest.raises(InvalidParameter):
        stores.registry.create_model_version("m", f"runs:/{run.info.run_id}/model", run.info.run_id)
    registry_dir = (
        local_path_from_uri(stores.tracking.get_experiment("0").artifact_location).parent / "registry"
    )
    assert not any(p.name == "id_rsa" for p in registry_dir.rglob("*")) if registry_dir.exists() else True


def test_a_prompt_needs_no_files(stores):
    tags = {"mlflow.prompt.is_prompt": "true", "mlflow.prompt.text": "Hello {{name}}"}
    stores.registry.create_registered_model("greeting", {"mlflow.prompt.is_prompt": "true"})
    version = stores.registry.create_model_version("greeting", "dummy-source", tags=tags)
    assert (version.version, version.source) == ("1", "dummy-source")
    with pytest.raises(InvalidParameter, match="Invalid prompt source"):
        stores.registry.create_model_version("greeting", "/etc", tags=tags)


def test_deleting_versions_and_models_removes_their_copies(stores):
    run_id = run_with_model(stores)
    stores.registry.create_registered_model("m")
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    stores.registry.create_model_version("m", f"runs:/{run_id}/model", run_id)
    first = local_path_from_uri(stores.registry.get_model_version_download_uri("m", 1))
    second = local_path_from_uri(stores.registry.get_model_version_download_uri("m", 2))
    stores.registry.delete_model_version("m", 1)
    assert not first.exists()
    assert second.exists()
    stores.registry.delete_registered_model("m")
    assert not second.exists()
