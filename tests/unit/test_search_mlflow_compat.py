"""Every filter MLflow's own parser accepts means the same conjunction in keel (mlflow is the oracle)."""

from __future__ import annotations

from typing import Any

import pytest

from keel.search import (
    And,
    Comparison,
    Entity,
    Expr,
    Field,
    Op,
    parse_experiment_filter,
    parse_run_filter,
)

RUN_FILTERS = [
    "metrics.accuracy > 0.92",
    "metrics.rmse < 1 and params.model_class = 'LogisticRegression'",
    'params.model = "LogisticRegression" and params.lambda = "0.001" and metrics.error <= 0.05',
    "tags.mlflow.source.type = 'LOCAL'",
    "attributes.status = 'FINISHED'",
    'attributes.status = "FAILED"',
    "attributes.created > 1664067852747",
    "attributes.Created > 1670628787527.0",
    "attributes.start_time > 1670628787527",
    "attributes.end_time <= 1670628787527",
    "metrics.`f1 score` > 0.9",
    'metrics."2019-04-02 error rate" < 0.1',
    "params.\"model-type\" LIKE 'lin%'",
    "tags.`mlflow.user` = 'john@mlflow.com'",
    "tags.`mlflow.user` = ''",
    "tags.`model` LIKE 'sklearn%'",
    "tags.`type` ILIKE '%Logistic%'",
    "tags.`mlflow.runName` ILIKE 'abc%'",
    'tags.`mlflow.runName` ILIKE "abc%"',
    'attributes.`run_name` ILIKE "%alpha%"',
    'attributes.`run name` ILIKE "%alpha%"',
    'attributes.`Run name` = "alpha"',
    'attributes.`Run Name` != "alpha"',
    "attributes.run_id IN ('a','b')",
    "attributes.run_id NOT IN ('a', 'b')",
    'attribute.run_id IN ("a", "b",)',
    "datasets.digest IN ('s8ds293b', 'jks834s2')",
    "datasets.name NOT IN ('a')",
    "datasets.name = 'custom' AND datasets.context = 'train'",
    "dataset.digest LIKE 's8%'",
    "metric.acc >= 0.94",
    "metric.acc>=100",
    "metrics.x != -1.5e10",
    "metrics.x = .5",
    "metrics.x < 1 and metrics.x > -1",
    "params.m!='tf'",
    'params."m"!="tf"',
    'metric."legit name" >= 0.243',
    'params."cat dog" = "pets"',
    'metrics."X//Y#$$@&Z" = 3',
    "`metric`.a >= 0.1",
    "`tags`.source_name = 'a notebook'",
    'metrics."accuracy.2.0" > 5',
    "metrics.`x.y` > 1",
    "params.'x' = 'a'",
    'tags."t.a.g" = "a"',
    "attribute.artifact_uri = '1/23/4'",
    "attributes.user_id LIKE 'a%'",
    "run.status = 'RUNNING'",
    "attr.status ILIKE 'run%'",
    "run_name = 'a'",
    "\"run_name\" = 'a'",
    "`Run Name` = 'a'",
    "tags.version IS NULL",
    "tags.version is not null",
    "params.lr IS NULL AND params.b = 'val'",
    'params.m = "L\'Hosp"',
    "params.x like 'a%' anD tags.y ilike '%b'",
    "  metrics.x > 1  ",
]

EXPERIMENT_FILTERS = [
    "name = 'Default'",
    "name LIKE 'prod-%'",
    'attribute.name ILIKE "%sales%"',
    "name != 'x'",
    "experiment_id = '1'",
    "experiment_id IN ('1', '2')",
    "experiment_id NOT IN ('3')",
    "creation_time > 1664067852747",
    "last_update_time <= 5",
    "tags.team = 'ml'",
    "tags.`mlflow.note.content` LIKE '%x%'",
    "tag.team IS NULL",
    "tags.team IS NOT NULL AND name LIKE 'a%'",
]

_ENTITIES = {
    "metric": Entity.METRIC,
    "parameter": Entity.PARAM,
    "tag": Entity.TAG,
    "attribute": Entity.ATTRIBUTE,
    "dataset": Entity.DATASET,
}


def from_mlflow(clause: dict[str, Any]) -> Comparison:
    from mlflow.utils.search_utils import SearchUtils

    entity = _ENTITIES[clause["type"]]
    key = SearchUtils.translate_key_alias(clause["key"]) if entity is Entity.ATTRIBUTE else clause["key"]
    value = clause["value"]
    if entity is Entity.METRIC:
        # MLflow keeps a metric literal as text and compares with float(text).
        value = float(value)
    return Comparison(Field(entity, key), Op(clause["comparator"].upper()), value)


def conjuncts(expr: Expr | None) -> list[Expr]:
    if expr is None:
        return []
    return list(expr.items) if isinstance(expr, And) else [expr]


@pytest.mark.parametrize("text", RUN_FILTERS)
def test_run_filters_mean_what_mlflow_means(text: str) -> None:
    from mlflow.entities import LifecycleStage, Run, RunData, RunInfo, RunInputs
    from mlflow.utils.search_utils import SearchUtils

    run = Run(
        RunInfo("r1", "0", "u", "FINISHED", 0, 1, LifecycleStage.ACTIVE, "file:///a", "name"),
        RunData(metrics=[], params=[], tags=[]),
        RunInputs(dataset_inputs=[]),
    )
    clauses = SearchUtils.parse_search_filter(text)
    for clause in clauses:
        # Raises on what MLflow's parser lets through but its stores reject, e.g. a bad comparator.
        SearchUtils._does_run_match_clause(run, clause)
    assert conjuncts(parse_run_filter(text)) == [from_mlflow(clause) for clause in clauses]


@pytest.mark.parametrize("text", EXPERIMENT_FILTERS)
def test_experiment_filters_mean_what_mlflow_means(text: str) -> None:
    from mlflow.entities import Experiment, LifecycleStage
    from mlflow.utils.search_utils import SearchExperimentsUtils

    experiment = Experiment("1", "Default", "file:///a", LifecycleStage.ACTIVE, [], 0, 0)
    clauses = SearchExperimentsUtils.parse_search_filter(text)
    for clause in clauses:
        SearchExperimentsUtils._does_experiment_match_clause(experiment, clause)
    assert conjuncts(parse_experiment_filter(text)) == [from_mlflow(clause) for clause in clauses]


@pytest.mark.parametrize(
    ("text", "mlflow_value", "keel_value"),
    [
        ("params.x = 'it''s'", "it''s", "it's"),
        (r"params.x = 'it\'s'", r"it\'s", "it's"),
    ],
)
def test_escaped_quotes_are_unescaped_unlike_mlflow(text: str, mlflow_value: str, keel_value: str) -> None:
    """MLflow's parser keeps an escaped quote's escape in the value, so such a filter never matched
    the quote it meant; keel reads SQL's ``''`` and ``\\'`` as the quote."""
    from mlflow.utils.search_utils import SearchUtils

    assert [clause["value"] for clause in SearchUtils.parse_search_filter(text)] == [mlflow_value]
    assert conjuncts(parse_run_filter(text)) == [Comparison(Field(Entity.PARAM, "x"), Op.EQ, keel_value)]
