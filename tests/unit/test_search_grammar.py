"""Run filters: MLflow's documented examples, keel's OR / NOT / parentheses / IN, and the errors."""

from __future__ import annotations

import re

import pytest

from keel.errors import InvalidParameter, SearchSyntaxError
from keel.search import (
    And,
    Comparison,
    Entity,
    Expr,
    Field,
    Not,
    Op,
    Or,
    Value,
    parse_run_filter,
)
from keel.search.parser import MAX_DEPTH


def metric(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.METRIC, key), op, value)


def param(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.PARAM, key), op, value)


def tag(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.TAG, key), op, value)


def attr(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.ATTRIBUTE, key), op, value)


def dataset(key: str, op: Op, value: Value) -> Comparison:
    return Comparison(Field(Entity.DATASET, key), op, value)


A = param("a", Op.EQ, "1")
B = param("b", Op.EQ, "2")
C = param("c", Op.EQ, "3")
D = param("d", Op.EQ, "4")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # mlflow.org "Search Runs" and search-syntax pages
        ("metrics.accuracy > 0.92", metric("accuracy", Op.GT, 0.92)),
        (
            "metrics.rmse < 1 and params.model_class = 'LogisticRegression'",
            And((metric("rmse", Op.LT, 1), param("model_class", Op.EQ, "LogisticRegression"))),
        ),
        (
            'params.model = "LogisticRegression" and params.lambda = "0.001" and metrics.error <= 0.05',
            And(
                (
                    param("model", Op.EQ, "LogisticRegression"),
                    param("lambda", Op.EQ, "0.001"),
                    metric("error", Op.LE, 0.05),
                )
            ),
        ),
        ("tags.mlflow.source.type = 'LOCAL'", tag("mlflow.source.type", Op.EQ, "LOCAL")),
        ("attributes.status = 'FINISHED'", attr("status", Op.EQ, "FINISHED")),
        ('attributes.status = "FAILED"', attr("status", Op.EQ, "FAILED")),
        ("attributes.created > 1664067852747", attr("start_time", Op.GT, 1664067852747)),
        ("attributes.Created > 1670628787527", attr("start_time", Op.GT, 1670628787527)),
        ("attributes.start_time > 1670628787527", attr("start_time", Op.GT, 1670628787527)),
        ("metrics.`f1 score` > 0.9", metric("f1 score", Op.GT, 0.9)),
        ("metrics.`error rate` < 0.1", metric("error rate", Op.LT, 0.1)),
        ('metrics."2019-04-02 error rate" < 0.1', metric("2019-04-02 error rate", Op.LT, 0.1)),
        ("params.\"model-type\" LIKE 'lin%'", param("model-type", Op.LIKE, "lin%")),
        ("tags.`mlflow.user` = 'john@mlflow.com'", tag("mlflow.user", Op.EQ, "john@mlflow.com")),
        ("tags.`mlflow.user` = ''", tag("mlflow.user", Op.EQ, "")),
        ("tags.`model` LIKE 'sklearn%'", tag("model", Op.LIKE, "sklearn%")),
        ("tags.`type` ILIKE '%Logistic%'", tag("type", Op.ILIKE, "%Logistic%")),
        ("tags.`mlflow.runName` ILIKE 'abc%'", tag("mlflow.runName", Op.ILIKE, "abc%")),
        ('attributes.`run_name` ILIKE "%alpha%"', attr("run_name", Op.ILIKE, "%alpha%")),
        ('attributes.`run name` ILIKE "%alpha%"', attr("run_name", Op.ILIKE, "%alpha%")),
        ('attributes.`Run name` ILIKE "%alpha%"', attr("run_name", Op.ILIKE, "%alpha%")),
        ('attributes.`Run Name` ILIKE "%alpha%"', attr("run_name", Op.ILIKE, "%alpha%")),
        (
            "attributes.`run_name` IN ('alpha', 'beta', 'gamma')",
            attr("run_name", Op.IN, ("alpha", "beta", "gamma")),
        ),
        ("attributes.`Run Name` IN ('alpha', 'beta')", attr("run_name", Op.IN, ("alpha", "beta"))),
        ("attributes.run_id IN ('a','b')", attr("run_id", Op.IN, ("a", "b"))),
        ("datasets.digest IN ('s8ds293b', 'jks834s2')", dataset("digest", Op.IN, ("s8ds293b", "jks834s2"))),
        ("datasets.name = 'custom'", dataset("name", Op.EQ, "custom")),
        ("datasets.context = 'train'", dataset("context", Op.EQ, "train")),
        (
            'params.alpha = "0.3" and params.lambda = "0.001" and metrics.error <= 0.05',
            And(
                (param("alpha", Op.EQ, "0.3"), param("lambda", Op.EQ, "0.001"), metric("error", Op.LE, 0.05))
            ),
        ),
        # MLflow's own parser tests (tests/utils/test_search_utils.py)
        ("metric.acc >= 0.94", metric("acc", Op.GE, 0.94)),
        ("metric.acc>=100", metric("acc", Op.GE, 100)),
        ("params.m!='tf'", param("m", Op.NE, "tf")),
        ('params."m"!="tf"', param("m", Op.NE, "tf")),
        ('metric."legit name" >= 0.243', metric("legit name", Op.GE, 0.243)),
        ("metrics.XYZ = 3", metric("XYZ", Op.EQ, 3)),
        ('params."cat dog" = "pets"', param("cat dog", Op.EQ, "pets")),
        ('metrics."X-Y-Z" = 3', metric("X-Y-Z", Op.EQ, 3)),
        ('metrics."X//Y#$$@&Z" = 3', metric("X//Y#$$@&Z", Op.EQ, 3)),
        ("`metric`.a >= 0.1", metric("a", Op.GE, 0.1)),
        ("`tags`.source_name = 'a notebook'", tag("source_name", Op.EQ, "a notebook")),
        ('metrics."accuracy.2.0" > 5', metric("accuracy.2.0", Op.GT, 5)),
        ("metrics.`spacey name` > 5", metric("spacey name", Op.GT, 5)),
        ('params."p.a.r.a.m" != "a"', param("p.a.r.a.m", Op.NE, "a")),
        ('tags."t.a.g" = "a"', tag("t.a.g", Op.EQ, "a")),
        ("attribute.artifact_uri = '1/23/4'", attr("artifact_uri", Op.EQ, "1/23/4")),
        ("attribute.start_time >= 1234", attr("start_time", Op.GE, 1234)),
        ("run.status = 'RUNNING'", attr("status", Op.EQ, "RUNNING")),
        ("dataset.name = 'my_dataset'", dataset("name", Op.EQ, "my_dataset")),
        ("tags.version IS NULL", tag("version", Op.IS_NULL, None)),
        ("tags.version IS NOT NULL", tag("version", Op.IS_NOT_NULL, None)),
        ("params.lr is null", param("lr", Op.IS_NULL, None)),
        ("params.lr Is Not Null", param("lr", Op.IS_NOT_NULL, None)),
        ("tags.a IS NULL AND params.b = 'val'", And((tag("a", Op.IS_NULL, None), param("b", Op.EQ, "val")))),
        ('params.m = "L\'Hosp"', param("m", Op.EQ, "L'Hosp")),
        ("attributes.status != 'FAILED'", attr("status", Op.NE, "FAILED")),
        ("attr.user_id LIKE 'a%'", attr("user_id", Op.LIKE, "a%")),
        ("attributes.end_time <= 5", attr("end_time", Op.LE, 5)),
        ("attributes.run_id NOT IN ('a')", attr("run_id", Op.NOT_IN, ("a",))),
        ("run_name = 'a'", attr("run_name", Op.EQ, "a")),
        ("\"run_name\" = 'a'", attr("run_name", Op.EQ, "a")),
        ("`Run Name` = 'a'", attr("run_name", Op.EQ, "a")),
        ("parameter.x = 'a' AND parameters.y = 'b'", And((param("x", Op.EQ, "a"), param("y", Op.EQ, "b")))),
    ],
)
def test_mlflow_filters_parse_to_their_meaning(text: str, expected: Expr) -> None:
    assert parse_run_filter(text) == expected


@pytest.mark.parametrize("text", [None, "", " ", "\t\n  "])
def test_no_filter_is_none(text: str | None) -> None:
    assert parse_run_filter(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.a = '1' OR params.b = '2'", Or((A, B))),
        ("params.a = '1' or params.b = '2' and params.c = '3'", Or((A, And((B, C))))),
        ("params.a = '1' AND params.b = '2' OR params.c = '3'", Or((And((A, B)), C))),
        ("(params.a = '1' OR params.b = '2') AND params.c = '3'", And((Or((A, B)), C))),
        ("NOT params.a = '1' AND params.b = '2'", And((Not(A), B))),
        ("NOT params.a = '1' OR params.b = '2'", Or((Not(A), B))),
        ("params.a = '1' AND NOT params.b = '2'", And((A, Not(B)))),
        ("NOT (params.a = '1' OR params.b = '2')", Not(Or((A, B)))),
        ("not not params.a = '1'", Not(Not(A))),
        ("((params.a = '1'))", A),
        ("params.a = '1' AND params.b = '2' AND params.c = '3'", And((A, B, C))),
        ("params.a = '1' AND (params.b = '2' AND params.c = '3')", And((A, B, C))),
        ("(params.a = '1' AND params.b = '2') AND params.c = '3'", And((A, B, C))),
        ("params.a = '1' OR (params.b = '2' OR params.c = '3')", Or((A, B, C))),
        ("NOT (params.a = '1' AND params.b = '2') AND params.c = '3'", And((Not(And((A, B))), C))),
        (
            "(params.a = '1' OR params.b = '2') AND (params.c = '3' OR params.d = '4')",
            And((Or((A, B)), Or((C, D)))),
        ),
        ("params.a='1'AND(params.b='2'OR params.c='3')", And((A, Or((B, C))))),
    ],
)
def test_not_binds_tighter_than_and_which_binds_tighter_than_or(text: str, expected: Expr) -> None:
    assert parse_run_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.x IN ('a')", param("x", Op.IN, ("a",))),
        ("params.x IN ('a',)", param("x", Op.IN, ("a",))),
        ("tags.x in (\"a\", 'b')", tag("x", Op.IN, ("a", "b"))),
        ("tags.x NOT IN ('a', 'b')", tag("x", Op.NOT_IN, ("a", "b"))),
        ("tags.x not in('a','b')", tag("x", Op.NOT_IN, ("a", "b"))),
        ("params.x IN ('a, b', '(c)', 'd''e')", param("x", Op.IN, ("a, b", "(c)", "d'e"))),
        ("attributes.status IN ('RUNNING', 'SCHEDULED')", attr("status", Op.IN, ("RUNNING", "SCHEDULED"))),
        ("attributes.user_id NOT IN ('bot')", attr("user_id", Op.NOT_IN, ("bot",))),
        ("attributes.artifact_uri IN ('s3://b/1')", attr("artifact_uri", Op.IN, ("s3://b/1",))),
        ("attributes.lifecycle_stage IN ('active')", attr("lifecycle_stage", Op.IN, ("active",))),
        ("datasets.context NOT IN ('eval')", dataset("context", Op.NOT_IN, ("eval",))),
        ("attributes.run_id IN ('a', 'a')", attr("run_id", Op.IN, ("a", "a"))),
    ],
)
def test_in_lists_on_every_string_field(text: str, expected: Expr) -> None:
    assert parse_run_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.x = 1", metric("x", Op.EQ, 1)),
        ("metrics.x = -1", metric("x", Op.EQ, -1)),
        ("metrics.x = 1.0", metric("x", Op.EQ, 1.0)),
        ("metrics.x = 1.", metric("x", Op.EQ, 1.0)),
        ("metrics.x = .5", metric("x", Op.EQ, 0.5)),
        ("metrics.x > -1e-3", metric("x", Op.GT, -0.001)),
        ("metrics.x > 1E3", metric("x", Op.GT, 1000.0)),
        ("metrics.x <> 0", metric("x", Op.NE, 0)),
        ("attributes.end_time < 1.5", attr("end_time", Op.LT, 1.5)),
        ("attributes.start_time != 12345678901234567890", attr("start_time", Op.NE, 12345678901234567890)),
    ],
)
def test_numbers_are_int_unless_written_with_a_dot_or_exponent(text: str, expected: Comparison) -> None:
    result = parse_run_filter(text)
    assert result == expected
    assert isinstance(result, Comparison)
    assert type(result.value) is type(expected.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.x = 'it''s'", param("x", Op.EQ, "it's")),
        (r"params.x = 'it\'s'", param("x", Op.EQ, "it's")),
        ('params.x = "say ""hi"""', param("x", Op.EQ, 'say "hi"')),
        (r"params.x LIKE '100\%'", param("x", Op.LIKE, r"100\%")),
        ("params.x = 'a AND b OR NOT c'", param("x", Op.EQ, "a AND b OR NOT c")),
        ('params."a""b" = \'c\'', param('a"b', Op.EQ, "c")),
        ("params.`a``b` = 'c'", param("a`b", Op.EQ, "c")),
        ("params.'lr' = 'c'", param("lr", Op.EQ, "c")),
        ('tags."mlflow.runName" = "x"', tag("mlflow.runName", Op.EQ, "x")),
        ("tags.`and` = 'x'", tag("and", Op.EQ, "x")),
        ("tags.in = 'x'", tag("in", Op.EQ, "x")),
        ("params.x = 'ünïcödé ✓'", param("x", Op.EQ, "ünïcödé ✓")),
        ("METRICS.x > 1 AND Params.y = 'a'", And((metric("x", Op.GT, 1), param("y", Op.EQ, "a")))),
    ],
)
def test_quoting_edge_cases(text: str, expected: Expr) -> None:
    assert parse_run_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "params.x = abc",
            "Expected a value after 'params.x =', found 'abc'; quote string values, e.g. 'abc'",
        ),
        ("tags.acc = `LR`", "Expected a value after 'tags.acc =', found '`LR`'"),
        ("metrics.acc != metrics.acc", "Expected a value after 'metrics.acc !=', found 'metrics.acc'"),
        ("metrics.x = 'a'", "Expected a number to compare with metric 'x', found string 'a'"),
        ("metrics.model = '5'", "Expected a number to compare with metric 'model', found string '5'"),
        ("params.acc = 5", "Expected a quoted string to compare with param 'acc', found number 5"),
        ("tags.acc = 1.5", "Expected a quoted string to compare with tag 'acc', found number 1.5"),
        ("attributes.status = 1", "Expected a quoted string to compare with attribute 'status'"),
        ("attributes.start_time > '1'", "Expected a number to compare with attribute 'start_time'"),
        ("foo.x = 'a'", "Invalid entity type 'foo' in 'foo.x'"),
        ("m.acc >= 0.94", "Invalid entity type 'm'"),
        ("attri.x != 1", "Invalid entity type 'attri'"),
        ("acc >= 0.94", "Invalid attribute key 'acc' for searching runs; valid keys are run_id, run_name"),
        ("attribute.experiment_id != '1'", "Invalid attribute key 'experiment_id'"),
        ("attribute._status != 'RUNNING'", "Invalid attribute key '_status'"),
        ("attributes.RUN_ID = 'a'", "Invalid attribute key 'RUN_ID'"),
        ("datasets.profile = 'x'", "Invalid dataset key 'profile' for searching runs; valid keys are name"),
        ("metrics.x LIKE 'a'", "Invalid comparator 'LIKE' for metric 'x'; valid comparators are =, !=, <"),
        ("metrics.x IN ('1')", "Invalid comparator 'IN' for metric 'x'"),
        ("metrics.acc IS NULL", "Invalid comparator 'IS NULL' for metric 'acc'"),
        ("params.x > 'a'", "Invalid comparator '>' for param 'x'"),
        ("tags.x <= 'a'", "Invalid comparator '<=' for tag 'x'"),
        ("attributes.status IS NULL", "Invalid comparator 'IS NULL' for attribute 'status'"),
        ("attributes.status > 'a'", "Invalid comparator '>' for attribute 'status'"),
        ("attributes.start_time LIKE 1", "Invalid comparator 'LIKE' for attribute 'start_time'"),
        ("attributes.start_time IN ('1')", "Invalid comparator 'IN' for attribute 'start_time'"),
        ("datasets.name IS NOT NULL", "Invalid comparator 'IS NOT NULL' for dataset 'name'"),
        ("datasets.name < 'a'", "Invalid comparator '<' for dataset 'name'"),
        (
            "params.x = 'a' AND",
            "Expected a field such as metrics.loss, params.lr or attributes.status, found the end",
        ),
        ("params.x = 'a' OR OR params.y = 'b'", "Expected a field such as metrics.loss"),
        ("AND params.x = 'a'", "Expected a field such as metrics.loss"),
        ("(params.x = 'a'", "Expected ')' to close '(' at position 0, found the end of input"),
        ("params.x = 'a')", "Expected AND, OR or the end of the filter, found ')'"),
        ("()", "Expected a field such as metrics.loss"),
        ("metrics.x > 1 metrics.y > 2", "Expected AND, OR or the end of the filter, found 'metrics.y'"),
        ("params.x = 'a' NAND params.y = 'b'", "Expected AND, OR or the end of the filter, found 'NAND'"),
        ("params.x = 'a' 'b'", "Expected AND, OR or the end of the filter, found \"'b'\""),
        (
            "params.x IN ()",
            "Expected a quoted string in the list after 'params.x IN', found ')'; a list needs",
        ),
        ("params.x NOT IN ()", "Expected a quoted string in the list after 'params.x NOT IN', found ')'"),
        ("params.x IN ('a', 1)", "Expected a quoted string in the list after 'params.x IN', found '1'"),
        ("params.x IN ('a' 'b')", "Expected ',' or ')' in the list after 'params.x IN', found \"'b'\""),
        ("params.x IN ('a',,)", "Expected a quoted string in the list"),
        ("params.x IN ('a'", "Expected ',' or ')' in the list after 'params.x IN', found the end of input"),
        ("params.x IN 'a'", "Expected '(' after 'params.x IN', found \"'a'\""),
        ("params.x NOT LIKE 'a'", "Expected IN after 'params.x NOT', found 'LIKE'; write NOT (params.x LIKE"),
        ("params.x NOT = 'a'", "Expected IN after 'params.x NOT', found '='"),
        ("params.x IS 'a'", "Expected NULL after 'params.x IS', found \"'a'\""),
        ("params.x IS NOT 'a'", "Expected NULL after 'params.x IS NOT', found \"'a'\""),
        ("params.x = NULL", "Expected a value after 'params.x =', found 'NULL'; use IS NULL or IS NOT NULL"),
        ("params.x == 'a'", "Expected a value after 'params.x =', found '='"),
        ("params.x 'a'", "Expected a comparison operator after 'params.x', found \"'a'\""),
        ("params.x", "Expected a comparison operator after 'params.x', found the end of input"),
        ("params.acc LR !=", "Expected a comparison operator after 'params.acc', found 'LR'"),
        (
            "metrics.a-1 > 0",
            "Expected a comparison operator after 'metrics.a', found '-1'; quote keys with special",
        ),
        ("1=1", "Expected a field such as metrics.loss"),
        ("1.0 > metrics.acc", "Expected a field such as metrics.loss"),
        (
            "'run_name' = 'a'",
            "Expected a field such as metrics.loss, params.lr or attributes.status, found \"'run_name'\"",
        ),
        ("metrics.x > 1; metrics.y > 1", "Unexpected character ';'"),
        ("params.acc = 'LR", "Unterminated ' quote"),
        ("params.acc = \"LR'", 'Unterminated " quote'),
    ],
)
def test_errors_name_the_offending_token_or_field(text: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)):
        parse_run_filter(text)


def test_syntax_errors_point_at_the_position_in_the_filter() -> None:
    with pytest.raises(SearchSyntaxError) as error:
        parse_run_filter("params.x = 'a' AND metrics.y > 1 metrics.z > 2")
    assert str(error.value).endswith("(at position 33 of \"params.x = 'a' AND metrics.y > 1 metrics.z > 2\")")


def test_search_errors_are_invalid_parameter_values() -> None:
    with pytest.raises(InvalidParameter) as error:
        parse_run_filter("metrics.x LIKE 'a'")
    assert error.value.error_code == "INVALID_PARAMETER_VALUE"
    assert error.value.http_status == 400
    assert error.value.to_dict()["message"].startswith("Invalid comparator 'LIKE'")


def test_nesting_is_bounded() -> None:
    deep = "(" * MAX_DEPTH + "params.a = '1'" + ")" * MAX_DEPTH
    assert parse_run_filter(deep) == A
    with pytest.raises(SearchSyntaxError, match=f"Filter nested deeper than {MAX_DEPTH} levels"):
        parse_run_filter("(" + deep + ")")
    with pytest.raises(SearchSyntaxError, match="nested deeper"):
        parse_run_filter("NOT " * (MAX_DEPTH + 1) + "params.a = '1'")
    with pytest.raises(SearchSyntaxError, match="nested deeper"):
        parse_run_filter("(" * 100_000)


def test_long_filters_parse_in_one_pass() -> None:
    count = 5_000
    text = " AND ".join(f"params.p{i} = 'v{i}'" for i in range(count))
    result = parse_run_filter(text)
    assert isinstance(result, And)
    assert len(result.items) == count
    assert result.items[-1] == param(f"p{count - 1}", Op.EQ, f"v{count - 1}")
    text = " OR ".join(f"(metrics.m{i} > {i} AND NOT tags.t{i} IS NULL)" for i in range(count))
    result = parse_run_filter(text)
    assert isinstance(result, Or)
    assert result.items[1] == And((metric("m1", Op.GT, 1), Not(tag("t1", Op.IS_NULL, None))))
