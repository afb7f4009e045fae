"""Contract: search_runs — every filter operator on every entity, boolean logic, view types, order and paging.

Most tests search the same four runs, built by ``_populate``:

    run      user   start  status    end   metrics            params                 tags
    alpha-1  alice  1000   FINISHED  1500  acc 0.9, loss 0.3  model Linear, lr 0.1   team Core, stage dev
    beta-2   bob    2000   RUNNING   -     acc 0.7, loss NaN  model linear, lr 0.01  team core
    Gamma-3  alice  3000   FAILED    3500  acc 0.8, loss 0.5  model Tree             stage prod
    delta-4  carol  4000   KILLED    4200  -                  -                      team Core

with dataset inputs iris (context training) on alpha-1, wine (eval) on beta-2 and iris (eval) on Gamma-3.
"""

from __future__ import annotations

import math

import pytest

from keel.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunStatus, RunTag, ViewType
from keel.errors import InvalidParameter

ALPHA, BETA, GAMMA, DELTA = "alpha-1", "beta-2", "Gamma-3", "delta-4"
ALL = {ALPHA, BETA, GAMMA, DELTA}
IRIS = Dataset("iris", "d-iris", "local", "file:///iris.csv", schema='{"cols": ["x"]}', profile='{"rows": 1}')
WINE = Dataset("wine", "d-wine", "s3", "s3://bucket/wine.parquet")


def _context(value):
    return (InputTag("mlflow.data.context", value),)


def _populate(store):
    """Create the four runs of the module docstring; returns the experiment id and run ids by name."""
    experiment_id = store.create_experiment("search")

    def run(name, user, start, status, end, metrics=(), params=(), tags=(), inputs=()):
        run_id = store.create_run(experiment_id, user_id=user, start_time=start, run_name=name).info.run_id
        store.log_batch(run_id, metrics=list(metrics), params=list(params), tags=list(tags))
        if inputs:
            store.log_inputs(run_id, list(inputs))
        if status != RunStatus.RUNNING:
            store.update_run_info(run_id, status, end_time=end)
        return run_id

    ids = {
        ALPHA: run(
            ALPHA,
            "alice",
            1000,
            RunStatus.FINISHED,
            1500,
            metrics=[Metric("acc", 0.5, 900, 0), Metric("acc", 0.9, 950, 1), Metric("loss", 0.3, 950, 1)],
            params=[Param("model", "Linear"), Param("lr", "0.1")],
            tags=[RunTag("team", "Core"), RunTag("stage", "dev")],
            inputs=[DatasetInput(IRIS, _context("training"))],
        ),
        BETA: run(
            BETA,
            "bob",
            2000,
            RunStatus.RUNNING,
            None,
            metrics=[Metric("acc", 0.7, 2100, 0), Metric("loss", math.nan, 2100, 0)],
            params=[Param("model", "linear"), Param("lr", "0.01")],
            tags=[RunTag("team", "core")],
            inputs=[DatasetInput(WINE, _context("eval"))],
        ),
        GAMMA: run(
            GAMMA,
            "alice",
            3000,
            RunStatus.FAILED,
            3500,
            metrics=[Metric("acc", 0.8, 3100, 0), Metric("loss", 0.5, 3100, 0)],
            params=[Param("model", "Tree")],
            tags=[RunTag("stage", "prod")],
            inputs=[DatasetInput(IRIS, _context("eval"))],
        ),
        DELTA: run(DELTA, "carol", 4000, RunStatus.KILLED, 4200, tags=[RunTag("team", "Core")]),
    }
    return experiment_id, ids


def _names(runs):
    return [r.info.run_name for r in runs]


def _search(store, experiment_id, filter_string=None, **kwargs):
    return store.search_runs([experiment_id], filter_string, **kwargs)


_FILTERS = [
    # metrics: the latest value; runs without the metric never match; NaN equals nothing
    ("metrics.acc > 0.75", {ALPHA, GAMMA}),
    ("metrics.acc >= 0.8", {ALPHA, GAMMA}),
    ("metrics.acc < 0.8", {BETA}),
    ("metrics.acc <= 0.8", {BETA, GAMMA}),
    ("metrics.acc = 0.9", {ALPHA}),
    ("metrics.acc = 0.5", set()),
    ("metrics.acc != 0.9", {BETA, GAMMA}),
    ("metrics.acc > 0", {ALPHA, BETA, GAMMA}),
    ("metrics.`acc` > 0.75", {ALPHA, GAMMA}),
    ("metric.acc > 0.75", {ALPHA, GAMMA}),
    ("metrics.loss < 1", {ALPHA, GAMMA}),
    ("metrics.loss > 0.4", {GAMMA}),
    ("metrics.loss != 0.3", {BETA, GAMMA}),
    ("metrics.missing != 1", set()),
    # params
    ("params.model = 'Linear'", {ALPHA}),
    ("params.model != 'Linear'", {BETA, GAMMA}),
    ("params.model LIKE 'L%'", {ALPHA}),
    ("params.model LIKE '%inear'", {ALPHA, BETA}),
    ("params.model LIKE 'linear'", {BETA}),
    ("params.model ILIKE 'l%'", {ALPHA, BETA}),
    ("params.model ILIKE 'TREE'", {GAMMA}),
    ("params.model IN ('Tree', 'linear')", {BETA, GAMMA}),
    ("params.model NOT IN ('Tree')", {ALPHA, BETA}),
    ("params.lr = '0.1'", {ALPHA}),
    ("params.lr LIKE '0._'", {ALPHA}),
    ("params.lr LIKE '0.__'", {BETA}),
    ("params.lr IS NULL", {GAMMA, DELTA}),
    ("params.lr IS NOT NULL", {ALPHA, BETA}),
    ('params."lr" = "0.01"', {BETA}),
    ("parameters.lr = '0.01'", {BETA}),
    # tags
    ("tags.team = 'Core'", {ALPHA, DELTA}),
    ("tags.team != 'Core'", {BETA}),
    ("tags.team LIKE 'C%'", {ALPHA, DELTA}),
    ("tags.team ILIKE 'c%'", {ALPHA, BETA, DELTA}),
    ("tags.team IN ('core', 'nope')", {BETA}),
    ("tags.team NOT IN ('core')", {ALPHA, DELTA}),
    ("tags.team IS NULL", {GAMMA}),
    ("tags.team IS NOT NULL", {ALPHA, BETA, DELTA}),
    ("tags.`mlflow.runName` = 'beta-2'", {BETA}),
    ("tags.\"mlflow.runName\" LIKE '%-4'", {DELTA}),
    # attributes
    ("attributes.run_name = 'alpha-1'", {ALPHA}),
    ("attributes.run_name != 'alpha-1'", {BETA, GAMMA, DELTA}),
    ("run_name LIKE '%ta-%'", {BETA, DELTA}),
    ("run_name LIKE 'gamma%'", set()),
    ("run_name ILIKE 'gamma%'", {GAMMA}),
    ("run_name IN ('alpha-1', 'delta-4')", {ALPHA, DELTA}),
    ("attributes.`Run name` = 'beta-2'", {BETA}),
    ("attributes.status = 'FINISHED'", {ALPHA}),
    ("status != 'RUNNING'", {ALPHA, GAMMA, DELTA}),
    ("status IN ('FAILED', 'KILLED')", {GAMMA, DELTA}),
    ("status LIKE 'F%'", {ALPHA, GAMMA}),
    ("attributes.start_time > 2000", {GAMMA, DELTA}),
    ("attributes.start_time >= 2000", {BETA, GAMMA, DELTA}),
    ("attributes.start_time < 2000", {ALPHA}),
    ("attributes.start_time <= 2000", {ALPHA, BETA}),
    ("attributes.start_time = 3000", {GAMMA}),
    ("attributes.start_time != 3000", {ALPHA, BETA, DELTA}),
    ("created < 2000", {ALPHA}),
    ("attributes.end_time > 1500", {GAMMA, DELTA}),
    ("attributes.end_time <= 1500", {ALPHA}),
    ("user_id = 'alice'", {ALPHA, GAMMA}),
    ("user_id != 'alice'", {BETA, DELTA}),
    ("user_id LIKE 'c%'", {DELTA}),
    ("attributes.run_id IN ('{alpha}', '{gamma}')", {ALPHA, GAMMA}),
    ("attributes.run_id NOT IN ('{alpha}', '{gamma}')", {BETA, DELTA}),
    ("run_id = '{beta}'", {BETA}),
    ("attributes.artifact_uri LIKE '%/{alpha}/artifacts'", {ALPHA}),
    ("attributes.artifact_uri LIKE '%/artifacts'", ALL),
    # datasets
    ("datasets.name = 'iris'", {ALPHA, GAMMA}),
    ("datasets.name != 'iris'", {BETA}),
    ("datasets.name IN ('wine', 'nope')", {BETA}),
    ("datasets.name LIKE 'I%'", set()),
    ("datasets.name ILIKE 'I%'", {ALPHA, GAMMA}),
    ("datasets.digest = 'd-wine'", {BETA}),
    ("datasets.digest LIKE 'd-%'", {ALPHA, BETA, GAMMA}),
    ("datasets.context = 'training'", {ALPHA}),
    ("datasets.context = 'eval'", {BETA, GAMMA}),
    ("datasets.context NOT IN ('eval')", {ALPHA}),
    # AND, OR, NOT and parentheses
    ("metrics.acc > 0.75 and params.model = 'Linear'", {ALPHA}),
    ("params.model = 'Tree' OR tags.team = 'core'", {BETA, GAMMA}),
    ("NOT tags.team = 'Core'", {BETA, GAMMA}),
    ("NOT (metrics.acc > 0.75)", {BETA, DELTA}),
    ("(metrics.acc > 0.75 OR user_id = 'bob') AND status != 'FAILED'", {ALPHA, BETA}),
    ("user_id = 'alice' AND (metrics.loss > 0.4 OR params.lr = '0.1')", {ALPHA, GAMMA}),
    ("NOT (user_id = 'alice' OR user_id = 'bob')", {DELTA}),
    ("((tags.team = 'Core'))", {ALPHA, DELTA}),
]


@pytest.mark.parametrize(("filter_template", "expected"), _FILTERS, ids=[f for f, _ in _FILTERS])
def test_filter(tracking_store, filter_template, expected):
    experiment_id, ids = _populate(tracking_store)
    filter_string = filter_template.format(alpha=ids[ALPHA], beta=ids[BETA], gamma=ids[GAMMA])

    found = _search(tracking_store, experiment_id, filter_string)

    assert set(_names(found)) == expected


@pytest.mark.parametrize("filter_string", [None, "", "   "])
def test_no_filter_finds_every_active_run(tracking_store, filter_string):
    experiment_id, _ = _populate(tracking_store)

    assert set(_names(_search(tracking_store, experiment_id, filter_string))) == ALL


@pytest.mark.parametrize(
    ("view_type", "filter_string", "expected"),
    [
        (ViewType.ACTIVE_ONLY, None, {ALPHA, BETA, GAMMA}),
        (ViewType.DELETED_ONLY, None, {DELTA}),
        (ViewType.ALL, None, ALL),
        ("DELETED_ONLY", "tags.team = 'Core'", {DELTA}),
        (3, "tags.team = 'Core'", {ALPHA, DELTA}),
    ],
)
def test_run_view_type(tracking_store, view_type, filter_string, expected):
    experiment_id, ids = _populate(tracking_store)
    tracking_store.delete_run(ids[DELTA])

    found = _search(tracking_store, experiment_id, filter_string, run_view_type=view_type)

    assert set(_names(found)) == expected


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        # real values, then NaN, then runs without the metric (by the default start_time DESC)
        (["metrics.acc"], [BETA, GAMMA, ALPHA, DELTA]),
        (["metrics.acc ASC"], [BETA, GAMMA, ALPHA, DELTA]),
        (["metrics.acc DESC"], [ALPHA, GAMMA, BETA, DELTA]),
        (["metrics.loss ASC"], [ALPHA, GAMMA, BETA, DELTA]),
        (["metrics.loss DESC"], [GAMMA, ALPHA, BETA, DELTA]),
        (["metrics.missing DESC"], [DELTA, GAMMA, BETA, ALPHA]),
        (["params.lr"], [BETA, ALPHA, DELTA, GAMMA]),
        (["params.lr DESC"], [ALPHA, BETA, DELTA, GAMMA]),
        (["tags.stage ASC"], [ALPHA, GAMMA, DELTA, BETA]),
        (["tags.stage DESC"], [GAMMA, ALPHA, DELTA, BETA]),
        (["attributes.start_time"], [ALPHA, BETA, GAMMA, DELTA]),
        (["start_time DESC"], [DELTA, GAMMA, BETA, ALPHA]),
        (["created ASC"], [ALPHA, BETA, GAMMA, DELTA]),
        (["end_time ASC"], [ALPHA, GAMMA, DELTA, BETA]),
        (["end_time DESC"], [DELTA, GAMMA, ALPHA, BETA]),
        (["status"], [GAMMA, ALPHA, DELTA, BETA]),
        (["attributes.status DESC"], [BETA, DELTA, ALPHA, GAMMA]),
        (["user_id", "metrics.acc DESC"], [ALPHA, GAMMA, BETA, DELTA]),
        (["user_id DESC", "metrics.acc"], [DELTA, BETA, GAMMA, ALPHA]),
        (["user_id ASC", "start_time ASC"], [ALPHA, GAMMA, BETA, DELTA]),
        (["tags.team DESC", "tags.stage DESC", "start_time"], None),
    ],
)
def test_order_by(tracking_store, order_by, expected):
    experiment_id, _ = _populate(tracking_store)

    found = _names(_search(tracking_store, experiment_id, order_by=order_by))

    if expected is None:  # only the parts of the order that do not depend on the collation
        assert found[-1] == GAMMA
        assert found.index(ALPHA) < found.index(DELTA)
    else:
        assert found == expected


def test_order_by_run_name_and_run_id(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    ids = {
        name: tracking_store.create_run(experiment_id, run_name=name).info.run_id for name in ("b", "c", "a")
    }

    assert _names(_search(tracking_store, experiment_id, order_by=["attributes.run_name"])) == ["a", "b", "c"]
    assert _names(_search(tracking_store, experiment_id, order_by=["run_name DESC"])) == ["c", "b", "a"]
    by_id = [
        r.info.run_id for r in _search(tracking_store, experiment_id, order_by=["attributes.run_id DESC"])
    ]
    assert by_id == sorted(ids.values(), reverse=True)


def test_default_order_is_start_time_desc_then_run_id(tracking_store):
    experiment_id = tracking_store.create_experiment("exp")
    tied = [tracking_store.create_run(experiment_id, start_time=500).info.run_id for _ in range(4)]
    newest = tracking_store.create_run(experiment_id, start_time=900).info.run_id
    oldest = tracking_store.create_run(experiment_id, start_time=100).info.run_id

    found = [r.info.run_id for r in _search(tracking_store, experiment_id)]

    assert found == [newest, *sorted(tied), oldest]


@pytest.mark.parametrize("total", [6, 7])
@pytest.mark.parametrize("order_by", [None, ["metrics.m DESC"], ["params.p"]])
def test_pages_walk_every_run_exactly_once(tracking_store, total, order_by):
    experiment_id = tracking_store.create_experiment("exp")
    created = set()
    for i in range(total):
        run_id = tracking_store.create_run(experiment_id, start_time=1000 + i % 3).info.run_id
        if i % 2:
            tracking_store.log_batch(
                run_id, metrics=[Metric("m", float(i % 3), 1, 0)], params=[Param("p", "x")]
            )
        created.add(run_id)
    everything = [r.info.run_id for r in _search(tracking_store, experiment_id, order_by=order_by)]

    pages, token = [], None
    while True:
        page = _search(tracking_store, experiment_id, order_by=order_by, max_results=3, page_token=token)
        pages.append([r.info.run_id for r in page])
        token = page.token
        if token is None:
            break

    assert [len(p) for p in pages] == [3, 3] + ([1] if total == 7 else [])
    assert [run_id for page in pages for run_id in page] == everything
    assert set(everything) == created


def test_a_page_of_everything_has_no_token(tracking_store):
    experiment_id, _ = _populate(tracking_store)

    assert _search(tracking_store, experiment_id, max_results=4).token is None
    assert _search(tracking_store, experiment_id, max_results=1000).token is None


def test_search_across_several_experiments(tracking_store):
    first = tracking_store.create_experiment("first")
    second = tracking_store.create_experiment("second")
    third = tracking_store.create_experiment("third")
    in_first = {tracking_store.create_run(first, run_name=f"f{i}").info.run_id for i in range(2)}
    in_second = {tracking_store.create_run(second, run_name="s").info.run_id}
    tracking_store.create_run(third, run_name="t")

    def found(experiment_ids, filter_string=None):
        return {r.info.run_id for r in tracking_store.search_runs(experiment_ids, filter_string)}

    assert found([first, second]) == in_first | in_second
    assert found([first]) == in_first
    assert found([second, "12345"]) == in_second
    assert found([first, second], "run_name = 's'") == in_second
    assert found([]) == set()
    assert {r.info.experiment_id for r in tracking_store.search_runs([first, second])} == {first, second}


def test_results_carry_params_tags_latest_metrics_and_inputs(tracking_store):
    experiment_id, ids = _populate(tracking_store)

    found = {r.info.run_name: r for r in _search(tracking_store, experiment_id)}

    alpha = found[ALPHA]
    assert alpha.info.run_id == ids[ALPHA]
    assert alpha.info.status == RunStatus.FINISHED
    assert alpha.info.end_time == 1500
    assert alpha.data.params == {"model": "Linear", "lr": "0.1"}
    assert alpha.data.tags == {"team": "Core", "stage": "dev", "mlflow.runName": ALPHA}
    assert sorted(alpha.data.latest_metrics, key=lambda m: m.key) == [
        Metric("acc", 0.9, 950, 1),
        Metric("loss", 0.3, 950, 1),
    ]
    assert alpha.inputs.dataset_inputs == (DatasetInput(IRIS, _context("training")),)
    assert math.isnan(found[BETA].data.metrics["loss"])
    for run in found.values():
        stored = tracking_store.get_run(run.info.run_id)
        assert run.info == stored.info
        assert run.data.params == stored.data.params
        assert run.data.tags == stored.data.tags
        assert repr(sorted(run.data.latest_metrics, key=lambda m: m.key)) == repr(
            sorted(stored.data.latest_metrics, key=lambda m: m.key)
        )
        assert run.inputs == stored.inputs


@pytest.mark.parametrize(
    "filter_string",
    [
        "metrics.acc > 'x'",
        "metrics.acc IS NULL",
        "metrics.acc LIKE '1%'",
        "params.lr > '1'",
        "params.lr = 0.1",
        "status = RUNNING",
        "attributes.start_time = 'yesterday'",
        "attributes.nope = 'x'",
        "datasets.nope = 'x'",
        "foo.bar = 1",
        "metrics.acc",
        "metrics.acc >",
        "(metrics.acc > 1",
        "metrics.acc > 1)",
        "metrics.acc > 1 AND",
        "params.lr IN ()",
        "params.lr IN '0.1'",
        "metrics.acc > 1 && metrics.acc < 2",
    ],
)
def test_an_invalid_filter_raises_invalid_parameter(tracking_store, filter_string):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.search_runs(["0"], filter_string)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    "order_by",
    [
        ["metrics.acc SIDEWAYS"],
        ["metrics.acc", "metrics.acc DESC"],
        ["start_time", "created DESC"],
        ["attributes.nope"],
        ["attributes.lifecycle_stage"],
        ["datasets.name"],
        ["metrics."],
    ],
)
def test_an_invalid_order_by_raises_invalid_parameter(tracking_store, order_by):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.search_runs(["0"], order_by=order_by)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_results": 0},
        {"max_results": -1},
        {"max_results": 50001},
        {"page_token": "not a token"},
        {"page_token": "eyJvZmZzZXQiOiAtMX0="},  # {"offset": -1}
        {"run_view_type": "SOMETIMES"},
    ],
)
def test_invalid_paging_or_view_type_raises_invalid_parameter(tracking_store, kwargs):
    with pytest.raises(InvalidParameter):
        tracking_store.search_runs(["0"], **kwargs)


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("run_name LIKE 'a*b'", {"a*b"}),
        ("run_name LIKE 'a?b'", {"a?b"}),
        ("run_name LIKE 'a[1]%'", {"a[1]b"}),
        ("run_name LIKE 'a_b'", {"a*b", "a?b", "axb", "a_b"}),
        ("run_name LIKE 'A%'", {"A_B"}),
        ("run_name ILIKE 'A*B'", {"a*b"}),
        ("run_name ILIKE 'a_b'", {"a*b", "a?b", "axb", "a_b", "A_B"}),
        ("run_name LIKE '%'", {"a*b", "a?b", "a[1]b", "axb", "a_b", "A_B", "100%"}),
        ("run_name LIKE '100%'", {"100%"}),
    ],
)
def test_like_treats_only_percent_and_underscore_as_wildcards(tracking_store, filter_string, expected):
    experiment_id = tracking_store.create_experiment("exp")
    for name in ("a*b", "a?b", "a[1]b", "axb", "a_b", "A_B", "100%"):
        tracking_store.create_run(experiment_id, run_name=name)

    assert set(_names(_search(tracking_store, experiment_id, filter_string))) == expected


@pytest.mark.parametrize("experiment_id", ["2147483648", "9" * 30])
def test_an_experiment_id_beyond_any_stored_id_matches_no_runs(tracking_store, experiment_id):
    tracking_store.create_run("0")

    assert tracking_store.search_runs([experiment_id]) == []
    assert len(tracking_store.search_runs(["0", experiment_id])) == 1


@pytest.mark.parametrize("ascending", [True, False])
def test_metric_order_pages_put_nan_then_missing_last(tracking_store, ascending):
    experiment_id = tracking_store.create_experiment("exp")
    values = {}
    for i, value in enumerate([2.0, math.nan, 1.0, None, 3.0, math.nan, None, 1.0]):
        run_id = tracking_store.create_run(experiment_id, start_time=1000 + i).info.run_id
        if value is not None:
            tracking_store.log_batch(run_id, metrics=[Metric("m", value, 1, 0)])
        values[run_id] = value
    order_by = [f"metrics.m {'ASC' if ascending else 'DESC'}"]
    walked, token = [], None
    while True:
        page = _search(tracking_store, experiment_id, order_by=order_by, max_results=3, page_token=token)
        walked += [r.info.run_id for r in page]
        token = page.token
        if token is None:
            break
    kinds = [
        "value" if v is not None and not math.isnan(v) else "nan" if v is not None else "none"
        for v in map(values.get, walked)
    ]
    assert kinds == ["value"] * 4 + ["nan"] * 2 + ["none"] * 2
    real = [values[r] for r in walked[:4]]
    assert real == sorted(real, reverse=not ascending)
    assert sorted(walked) == sorted(values)
