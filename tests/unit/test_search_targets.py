"""Filters for experiments, registered models and model versions: each target's own fields and rules."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from keel.errors import SearchSyntaxError
from keel.search import (
    And,
    Comparison,
    Entity,
    Expr,
    Field,
    Op,
    Or,
    Value,
    parse_experiment_filter,
    parse_model_version_filter,
    parse_registered_model_filter,
)

if TYPE_CHECKING:
    from collections.abc import Callable


def attr(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.ATTRIBUTE, key), op, value)


def tag(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.TAG, key), op, value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'Default'", attr("name", Op.EQ, "Default")),
        ("attribute.name LIKE 'prod-%'", attr("name", Op.LIKE, "prod-%")),
        ('name ILIKE "%Sales%"', attr("name", Op.ILIKE, "%Sales%")),
        ("name IN ('a', 'b')", attr("name", Op.IN, ("a", "b"))),
        ("name NOT IN ('a')", attr("name", Op.NOT_IN, ("a",))),
        ("experiment_id = '1'", attr("experiment_id", Op.EQ, "1")),
        ("experiment_id IN ('1', '2')", attr("experiment_id", Op.IN, ("1", "2"))),
        ("creation_time > 1664067852747", attr("creation_time", Op.GT, 1664067852747)),
        ("last_update_time <= 5", attr("last_update_time", Op.LE, 5)),
        ("tags.team = 'ml'", tag("team", Op.EQ, "ml")),
        ("tags.`mlflow.note.content` IS NOT NULL", tag("mlflow.note.content", Op.IS_NOT_NULL, None)),
        ("tags.team IN ('ml', 'data')", tag("team", Op.IN, ("ml", "data"))),
        ("tag.team IS NULL", tag("team", Op.IS_NULL, None)),
        (
            "name LIKE 'a%' AND (tags.team = 'ml' OR tags.team = 'data')",
            And((attr("name", Op.LIKE, "a%"), Or((tag("team", Op.EQ, "ml"), tag("team", Op.EQ, "data"))))),
        ),
    ],
)
def test_experiment_filters(text: str, expected: Expr) -> None:
    assert parse_experiment_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "metrics.x > 1",
            "Invalid entity type 'metric' for searching experiments; valid entity types are attribute, tag",
        ),
        ("params.x = 'a'", "Invalid entity type 'param' for searching experiments"),
        ("datasets.name = 'a'", "Invalid entity type 'dataset' for searching experiments"),
        (
            "run_id = 'a'",
            "Invalid attribute key 'run_id' for searching experiments; valid keys are name, experiment_id, "
            "creation_time, last_update_time",
        ),
        (
            "experiment_id LIKE '1%'",
            "Invalid comparator 'LIKE' for attribute 'experiment_id'; valid comparators are =, !=, IN,",
        ),
        ("experiment_id > '1'", "Invalid comparator '>' for attribute 'experiment_id'"),
        (
            "experiment_id = 1",
            "Expected a quoted string to compare with attribute 'experiment_id', found number 1",
        ),
        ("name IS NULL", "Invalid comparator 'IS NULL' for attribute 'name'"),
        ("creation_time LIKE '1'", "Invalid comparator 'LIKE' for attribute 'creation_time'"),
        (
            "creation_time > 1.5",
            "Expected an integer to compare with attribute 'creation_time', found number 1.5",
        ),
        ("creation_time > 'yesterday'", "Expected an integer to compare with attribute 'creation_time'"),
        ("tags.x > 'a'", "Invalid comparator '>' for tag 'x'"),
    ],
)
def test_experiment_filter_errors(text: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)):
        parse_experiment_filter(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'iris'", attr("name", Op.EQ, "iris")),
        ("name LIKE 'iris%'", attr("name", Op.LIKE, "iris%")),
        ("name IN ('a', 'b')", attr("name", Op.IN, ("a", "b"))),
        ("tags.`mlflow.prompt.is_prompt` != 'true'", tag("mlflow.prompt.is_prompt", Op.NE, "true")),
        ("tags.stage ILIKE 'prod%'", tag("stage", Op.ILIKE, "prod%")),
    ],
)
def test_registered_model_filters(text: str, expected: Expr) -> None:
    assert parse_registered_model_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("run_id = 'a'", "Invalid attribute key 'run_id' for searching registered models"),
        ("creation_timestamp > 1", "Cannot filter registered models on attribute 'creation_timestamp'"),
        ("metrics.x > 1", "Invalid entity type 'metric' for searching registered models"),
    ],
)
def test_registered_model_filter_errors(text: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)):
        parse_registered_model_filter(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'iris'", attr("name", Op.EQ, "iris")),
        ("run_id IN ('r1', 'r2')", attr("run_id", Op.IN, ("r1", "r2"))),
        ("source_path LIKE 's3://%'", attr("source_path", Op.LIKE, "s3://%")),
        ("source_path NOT IN ('x')", attr("source_path", Op.NOT_IN, ("x",))),
        ("version_number > 2", attr("version_number", Op.GT, 2)),
        ("version_number = '3'", attr("version_number", Op.EQ, 3)),
        (
            "name = 'iris' AND version_number >= 2 AND tags.validated = 'yes'",
            And(
                (
                    attr("name", Op.EQ, "iris"),
                    attr("version_number", Op.GE, 2),
                    tag("validated", Op.EQ, "yes"),
                )
            ),
        ),
    ],
)
def test_model_version_filters(text: str, expected: Expr) -> None:
    assert parse_model_version_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version_number = 1.5",
            "Expected an integer to compare with attribute 'version_number', found number 1.5",
        ),
        (
            "version_number = 'three'",
            "Expected an integer to compare with attribute 'version_number', found string",
        ),
        ("version_number LIKE '1'", "Invalid comparator 'LIKE' for attribute 'version_number'"),
        ("last_updated_timestamp > 1", "Cannot filter model versions on attribute 'last_updated_timestamp'"),
        ("stage = 'Production'", "Invalid attribute key 'stage' for searching model versions"),
    ],
)
def test_model_version_filter_errors(text: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)):
        parse_model_version_filter(text)


@pytest.mark.parametrize(
    "parse", [parse_experiment_filter, parse_registered_model_filter, parse_model_version_filter]
)
def test_no_filter_is_none_for_every_target(parse: Callable[[str | None], Expr | None]) -> None:
    assert parse(None) is None
    assert parse("  ") is None
