"""order_by clauses for runs, experiments, registered models and model versions."""

from __future__ import annotations

import re

import pytest

from keel.errors import SearchSyntaxError
from keel.search import (
    Entity,
    Field,
    OrderKey,
    parse_experiment_order_by,
    parse_model_version_order_by,
    parse_registered_model_order_by,
    parse_run_order_by,
)


def key(entity: Entity, name: str, ascending: bool = True) -> OrderKey:
    return OrderKey(Field(entity, name), ascending)


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("metrics.loss", key(Entity.METRIC, "loss")),
        ("metrics.loss DESC", key(Entity.METRIC, "loss", False)),
        ("metrics.loss desc", key(Entity.METRIC, "loss", False)),
        ("metrics.key1 asc", key(Entity.METRIC, "key1")),
        ('metrics."key1"  desc', key(Entity.METRIC, "key1", False)),
        ("metrics.`Mean Square Error`", key(Entity.METRIC, "Mean Square Error")),
        ("metrics.`Mean Square Error` ASC", key(Entity.METRIC, "Mean Square Error")),
        ("metrics.`Mean Square Error` DESC", key(Entity.METRIC, "Mean Square Error", False)),
        ("metric.`f1 score` Desc", key(Entity.METRIC, "f1 score", False)),
        ("params.my_param aSc", key(Entity.PARAM, "my_param")),
        ("params.`my_param` DESC", key(Entity.PARAM, "my_param", False)),
        ('params."learning-rate"', key(Entity.PARAM, "learning-rate")),
        ("tags.tag1    DESC", key(Entity.TAG, "tag1", False)),
        ("tags.mlflow.runName", key(Entity.TAG, "mlflow.runName")),
        ('tags."mlflow.runName" DESC', key(Entity.TAG, "mlflow.runName", False)),
        ("attributes.status", key(Entity.ATTRIBUTE, "status")),
        ("attributes.start_time", key(Entity.ATTRIBUTE, "start_time")),
        ("start_time DESC", key(Entity.ATTRIBUTE, "start_time", False)),
        ("created DESC", key(Entity.ATTRIBUTE, "start_time", False)),
        ("attributes.Created", key(Entity.ATTRIBUTE, "start_time")),
        ("attr.end_time", key(Entity.ATTRIBUTE, "end_time")),
        ("run_id", key(Entity.ATTRIBUTE, "run_id")),
        ("attributes.`run name` DESC", key(Entity.ATTRIBUTE, "run_name", False)),
        ("run.user_id", key(Entity.ATTRIBUTE, "user_id")),
        ("artifact_uri", key(Entity.ATTRIBUTE, "artifact_uri")),
        ("  metrics.loss   DESC  ", key(Entity.METRIC, "loss", False)),
    ],
)
def test_run_order_by_clauses(clause: str, expected: OrderKey) -> None:
    assert parse_run_order_by([clause]) == [expected]


def test_run_order_by_keeps_the_clause_order() -> None:
    assert parse_run_order_by(["params.my_param", "attributes.status DESC", "metrics.`a b` ASC"]) == [
        key(Entity.PARAM, "my_param"),
        key(Entity.ATTRIBUTE, "status", False),
        key(Entity.METRIC, "a b"),
    ]


@pytest.mark.parametrize("items", [None, [], ()])
def test_no_order_by_is_empty(items: list[str] | tuple[str, ...] | None) -> None:
    assert parse_run_order_by(items) == []


def test_a_lone_string_is_one_clause() -> None:
    assert parse_run_order_by("metrics.loss DESC") == [key(Entity.METRIC, "loss", False)]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["m.acc"], "Invalid entity type 'm' in 'm.acc'"),
        (["attri.x"], "Invalid entity type 'attri'"),
        (["acc"], "Invalid attribute key 'acc' for searching runs"),
        (["attribute.start"], "Invalid attribute key 'start'"),
        (["attribute.experiment_id"], "Invalid attribute key 'experiment_id'"),
        (["`metrics.A`"], "Invalid attribute key 'metrics.A'"),
        (["`metrics.A"], "Unterminated ` quote"),
        (["metrics.A != 1"], "Expected ASC, DESC or the end of the order_by clause, found '!='"),
        (["attribute.run_id ACS"], "Expected ASC, DESC or the end of the order_by clause, found 'ACS'"),
        (["attribute.run_id decs"], "Expected ASC, DESC or the end of the order_by clause, found 'decs'"),
        (["metrics.loss DESC ASC"], "Expected ASC, DESC or the end of the order_by clause, found 'ASC'"),
        (["metrics.loss `DESC`"], "Expected ASC, DESC or the end of the order_by clause, found '`DESC`'"),
        (
            [""],
            "Expected a field such as metrics.loss, params.lr or attributes.status, found the end of input",
        ),
        (["  "], "Expected a field such as metrics.loss"),
        (["DESC"], "Invalid attribute key 'DESC'"),
        (
            ["attributes.lifecycle_stage"],
            "Cannot order runs by attribute 'lifecycle_stage'; valid order_by fields",
        ),
        (["datasets.name"], "Cannot order runs by dataset 'name'"),
        (["metrics.loss", "metrics.loss DESC"], "order_by contains metric 'loss' more than once"),
        (["start_time", "created DESC"], "order_by contains attribute 'start_time' more than once"),
        (["run_name", "attributes.`Run Name`"], "order_by contains attribute 'run_name' more than once"),
        (["tags.x", 'tag."x" ASC'], "order_by contains tag 'x' more than once"),
    ],
)
def test_run_order_by_errors(items: list[str], message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)):
        parse_run_order_by(items)


def test_the_same_key_under_different_entities_is_not_a_duplicate() -> None:
    assert parse_run_order_by(["metrics.x", "params.x", "tags.x"]) == [
        key(Entity.METRIC, "x"),
        key(Entity.PARAM, "x"),
        key(Entity.TAG, "x"),
    ]


def test_unorderable_fields_list_what_is_orderable() -> None:
    with pytest.raises(SearchSyntaxError) as error:
        parse_run_order_by(["datasets.digest"])
    assert str(error.value).endswith(
        "valid order_by fields are metric.<key>, param.<key>, tag.<key>, run_id, run_name, status, "
        "user_id, artifact_uri, start_time, end_time"
    )


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("name", key(Entity.ATTRIBUTE, "name")),
        ("name DESC", key(Entity.ATTRIBUTE, "name", False)),
        ("attribute.name", key(Entity.ATTRIBUTE, "name")),
        ("experiment_id", key(Entity.ATTRIBUTE, "experiment_id")),
        ("creation_time DESC", key(Entity.ATTRIBUTE, "creation_time", False)),
        ("last_update_time asc", key(Entity.ATTRIBUTE, "last_update_time")),
    ],
)
def test_experiment_order_by_clauses(clause: str, expected: OrderKey) -> None:
    assert parse_experiment_order_by([clause]) == [expected]


@pytest.mark.parametrize(
    ("clause", "message"),
    [
        ("start_time", "Invalid attribute key 'start_time' for searching experiments"),
        (
            "metrics.loss",
            "Invalid entity type 'metric' for searching experiments; valid entity types are attribute, tag",
        ),
        ("tags.x", "Cannot order experiments by tag 'x'; valid order_by fields are name, experiment_id"),
    ],
)
def test_experiment_order_by_errors(clause: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)):
        parse_experiment_order_by([clause])


def test_registered_model_order_by() -> None:
    assert parse_registered_model_order_by(["name", "creation_timestamp DESC", "last_updated_timestamp"]) == [
        key(Entity.ATTRIBUTE, "name"),
        key(Entity.ATTRIBUTE, "creation_timestamp", False),
        key(Entity.ATTRIBUTE, "last_updated_timestamp"),
    ]
    assert parse_registered_model_order_by(["timestamp DESC"]) == [
        key(Entity.ATTRIBUTE, "last_updated_timestamp", False)
    ]
    with pytest.raises(SearchSyntaxError, match="more than once"):
        parse_registered_model_order_by(["timestamp", "last_updated_timestamp"])
    with pytest.raises(SearchSyntaxError, match=r"^Expected ASC, DESC or the end"):
        parse_registered_model_order_by(["last_updated_timestamp DESC blah"])
    with pytest.raises(SearchSyntaxError, match=r"^Cannot order registered models by tag 'x'"):
        parse_registered_model_order_by(["tags.x"])


def test_model_version_order_by() -> None:
    assert parse_model_version_order_by(
        ["last_updated_timestamp DESC", "name ASC", "version_number DESC"]
    ) == [
        key(Entity.ATTRIBUTE, "last_updated_timestamp", False),
        key(Entity.ATTRIBUTE, "name"),
        key(Entity.ATTRIBUTE, "version_number", False),
    ]
    with pytest.raises(SearchSyntaxError, match=r"^Cannot order model versions by attribute 'run_id'"):
        parse_model_version_order_by(["run_id"])
