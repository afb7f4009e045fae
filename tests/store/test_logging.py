"""Contract: what a run logs — metrics, params, tags, batches of them, and dataset inputs."""

from __future__ import annotations

import math

import pytest

from keel.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from keel.errors import InvalidParameter, NotFound

CONTEXT = "mlflow.data.context"


def _new_run(store):
    return store.create_run("0", run_name="r", start_time=1).info.run_id


def _points(metrics):
    """(step, timestamp, value) with the value as text, so NaN compares equal to NaN."""
    return [(m.step, m.timestamp, repr(float(m.value))) for m in metrics]


def _history(store, run_id, key):
    return _points(store.get_metric_history(run_id, key))


def _assert_nothing_logged(store, run_id, metric_keys=("m",)):
    run = store.get_run(run_id)
    assert run.data.metrics == {}
    assert run.data.params == {}
    assert run.data.tags == {"mlflow.runName": "r"}
    for key in metric_keys:
        assert list(store.get_metric_history(run_id, key)) == []


# Metrics


def test_log_metric_is_read_back_as_latest_value_and_history(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_metric(run_id, Metric("loss", 0.5, 100, 0))
    tracking_store.log_metric(run_id, Metric("loss", 0.4, 101, 1))
    tracking_store.log_metric(run_id, Metric("acc", 3, 102, 0))

    run = tracking_store.get_run(run_id)
    assert run.data.metrics == {"loss": 0.4, "acc": 3.0}
    assert sorted(run.data.latest_metrics, key=lambda m: m.key) == [
        Metric("acc", 3.0, 102, 0),
        Metric("loss", 0.4, 101, 1),
    ]
    history = tracking_store.get_metric_history(run_id, "loss")
    assert [(m.key, m.value, m.timestamp, m.step) for m in history] == [
        ("loss", 0.5, 100, 0),
        ("loss", 0.4, 101, 1),
    ]
    assert history.token is None


def test_metric_history_is_in_step_then_timestamp_order_whatever_the_logging_order(tracking_store):
    run_id = _new_run(tracking_store)
    points = [
        Metric("m", 1.0, 50, 3),
        Metric("m", 2.0, 10, 2**40),
        Metric("m", 3.0, 40, 1),
        Metric("m", 4.0, 30, 1),
        Metric("m", 5.0, 20, -1),
        Metric("m", 6.0, 60, 0),
    ]

    for point in points:
        tracking_store.log_metric(run_id, point)

    assert _history(tracking_store, run_id, "m") == [
        (-1, 20, "5.0"),
        (0, 60, "6.0"),
        (1, 30, "4.0"),
        (1, 40, "3.0"),
        (3, 50, "1.0"),
        (2**40, 10, "2.0"),
    ]


_LATEST_CANDIDATES = [
    Metric("m", 9.0, 999, 0),
    Metric("m", 5.0, 300, 1),
    Metric("m", 1.0, 100, 2),
    Metric("m", 0.5, 200, 2),
    Metric("m", 0.7, 200, 2),  # the latest: highest step, then timestamp, then value
]


@pytest.mark.parametrize("order", [(0, 1, 2, 3, 4), (4, 3, 2, 1, 0), (2, 4, 0, 3, 1), (3, 4, 1, 2, 0)])
@pytest.mark.parametrize("in_one_batch", [False, True], ids=["one-by-one", "one-batch"])
def test_latest_value_is_the_max_by_step_timestamp_value(tracking_store, order, in_one_batch):
    run_id = _new_run(tracking_store)
    points = [_LATEST_CANDIDATES[i] for i in order]

    if in_one_batch:
        tracking_store.log_batch(run_id, metrics=points)
    else:
        for point in points:
            tracking_store.log_metric(run_id, point)

    run = tracking_store.get_run(run_id)
    assert run.data.latest_metrics == (Metric("m", 0.7, 200, 2),)
    assert len(tracking_store.get_metric_history(run_id, "m")) == 5


def test_nan_and_infinities_are_stored_faithfully(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_batch(
        run_id,
        metrics=[
            Metric("x", math.nan, 10, 0),
            Metric("x", math.inf, 11, 1),
            Metric("x", -math.inf, 12, 2),
            Metric("nan", 1.0, 10, 0),
            Metric("nan", math.nan, 11, 1),
            Metric("pinf", 1.0, 10, 0),
            Metric("pinf", math.inf, 11, 1),
            Metric("ninf", 1.0, 10, 0),
            Metric("ninf", -math.inf, 11, 1),
        ],
    )

    assert _history(tracking_store, run_id, "x") == [(0, 10, "nan"), (1, 11, "inf"), (2, 12, "-inf")]
    assert _history(tracking_store, run_id, "nan") == [(0, 10, "1.0"), (1, 11, "nan")]
    latest = {
        m.key: (m.step, m.timestamp, repr(m.value))
        for m in tracking_store.get_run(run_id).data.latest_metrics
    }
    assert latest == {
        "x": (2, 12, "-inf"),
        "nan": (1, 11, "nan"),
        "pinf": (1, 11, "inf"),
        "ninf": (1, 11, "-inf"),
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_a_non_finite_value_logged_alone_is_the_latest(tracking_store, value):
    run_id = _new_run(tracking_store)

    tracking_store.log_metric(run_id, Metric("m", value, 5, 0))

    [latest] = tracking_store.get_run(run_id).data.latest_metrics
    assert (latest.key, latest.step, latest.timestamp, repr(latest.value)) == ("m", 0, 5, repr(value))
    assert _history(tracking_store, run_id, "m") == [(0, 5, repr(value))]


def test_exact_duplicate_points_are_stored_once(tracking_store):
    run_id = _new_run(tracking_store)
    point = Metric("m", 1.5, 100, 3)

    tracking_store.log_metric(run_id, point)
    tracking_store.log_metric(run_id, point)
    tracking_store.log_batch(run_id, metrics=[point, point, Metric("m", math.nan, 100, 3)])
    tracking_store.log_batch(run_id, metrics=[Metric("m", math.nan, 100, 3)])

    assert sorted(_history(tracking_store, run_id, "m")) == [(3, 100, "1.5"), (3, 100, "nan")]


def test_points_differing_only_in_value_are_all_kept(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_batch(run_id, metrics=[Metric("m", 2.0, 100, 3), Metric("m", 1.0, 100, 3)])

    assert sorted(_history(tracking_store, run_id, "m")) == [(3, 100, "1.0"), (3, 100, "2.0")]
    assert tracking_store.get_run(run_id).data.metrics == {"m": 2.0}


@pytest.mark.parametrize("total", [20, 25])
def test_metric_history_pages_with_max_results_and_page_token(tracking_store, total):
    run_id = _new_run(tracking_store)
    tracking_store.log_batch(run_id, metrics=[Metric("m", float(i), 1000 + i, i) for i in range(total)])
    full = _history(tracking_store, run_id, "m")

    pages, token = [], None
    while True:
        page = tracking_store.get_metric_history(run_id, "m", max_results=10, page_token=token)
        pages.append(_points(page))
        token = page.token
        if token is None:
            break

    assert [len(p) for p in pages] == [10] * (total // 10) + ([total % 10] if total % 10 else [])
    assert [point for page in pages for point in page] == full
    assert [step for step, _, _ in full] == list(range(total))


def test_metric_history_of_an_unknown_key_is_empty(tracking_store):
    run_id = _new_run(tracking_store)
    other = _new_run(tracking_store)
    tracking_store.log_metric(other, Metric("m", 1.0, 1, 0))

    history = tracking_store.get_metric_history(run_id, "m")

    assert list(history) == []
    assert history.token is None
    assert list(tracking_store.get_metric_history(run_id, "never-logged")) == []


# Params


def test_log_param_and_log_the_same_value_again(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_param(run_id, Param("lr", "0.1"))
    tracking_store.log_param(run_id, Param("lr", "0.1"))
    tracking_store.log_param(run_id, Param("empty", ""))
    tracking_store.log_param(run_id, Param("long", "v" * 6000))
    tracking_store.log_param(run_id, Param("a b:c/d.e-f_ü", "ünïcødé 'quoted'"))

    assert tracking_store.get_run(run_id).data.params == {
        "lr": "0.1",
        "empty": "",
        "long": "v" * 6000,
        "a b:c/d.e-f_ü": "ünïcødé 'quoted'",
    }


def test_changing_a_param_value_raises_invalid_parameter_and_keeps_the_old_value(tracking_store):
    run_id = _new_run(tracking_store)
    tracking_store.log_param(run_id, Param("lr", "0.1"))

    with pytest.raises(InvalidParameter) as caught:
        tracking_store.log_param(run_id, Param("lr", "0.2"))

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "lr" in caught.value.message
    assert tracking_store.get_run(run_id).data.params == {"lr": "0.1"}


# Tags


def test_set_tag_inserts_then_overwrites(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.set_tag(run_id, RunTag("team", "core"))
    tracking_store.set_tag(run_id, RunTag("team", "infra"))
    tracking_store.set_tag(run_id, RunTag("long", "v" * 8000))

    assert tracking_store.get_run(run_id).data.tags == {
        "mlflow.runName": "r",
        "team": "infra",
        "long": "v" * 8000,
    }


def test_delete_tag(tracking_store):
    run_id = _new_run(tracking_store)
    tracking_store.set_tag(run_id, RunTag("a", "1"))
    tracking_store.set_tag(run_id, RunTag("b", "2"))

    tracking_store.delete_tag(run_id, "a")

    assert tracking_store.get_run(run_id).data.tags == {"mlflow.runName": "r", "b": "2"}


def test_delete_missing_tag_raises_not_found(tracking_store):
    run_id = _new_run(tracking_store)

    with pytest.raises(NotFound) as caught:
        tracking_store.delete_tag(run_id, "missing")

    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert tracking_store.get_run(run_id).data.tags == {"mlflow.runName": "r"}


# Batches


def test_log_batch_writes_metrics_params_and_tags(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_batch(
        run_id,
        metrics=[Metric("m", 1.0, 10, 0), Metric("m", 2.0, 11, 1), Metric("n", 3.0, 12, 0)],
        params=[Param("p", "1"), Param("q", "2")],
        tags=[RunTag("t", "old"), RunTag("t", "new")],
    )

    run = tracking_store.get_run(run_id)
    assert run.data.metrics == {"m": 2.0, "n": 3.0}
    assert run.data.params == {"p": "1", "q": "2"}
    assert run.data.tags == {"mlflow.runName": "r", "t": "new"}
    assert _history(tracking_store, run_id, "m") == [(0, 10, "1.0"), (1, 11, "2.0")]


def test_an_empty_batch_changes_nothing(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_batch(run_id)

    _assert_nothing_logged(tracking_store, run_id)


def test_a_batch_at_the_limits_is_accepted(tracking_store):
    run_id = _new_run(tracking_store)

    tracking_store.log_batch(run_id, metrics=[Metric("m", float(i), 1, i) for i in range(1000)])
    tracking_store.log_batch(
        run_id,
        params=[Param(f"p{i}", "v") for i in range(100)],
        tags=[RunTag(f"t{i}", "v") for i in range(100)],
    )

    run = tracking_store.get_run(run_id)
    assert len(tracking_store.get_metric_history(run_id, "m")) == 1000
    assert len(run.data.params) == 100
    assert len(run.data.tags) == 101


@pytest.mark.parametrize(
    ("metrics", "params", "tags"),
    [
        pytest.param([Metric("m", 1.0, 1, i) for i in range(1001)], [], [], id="1001-metrics"),
        pytest.param([], [Param(f"p{i}", "v") for i in range(101)], [], id="101-params"),
        pytest.param([], [], [RunTag(f"t{i}", "v") for i in range(101)], id="101-tags"),
        pytest.param(
            [Metric("m", 1.0, 1, i) for i in range(950)],
            [Param(f"p{i}", "v") for i in range(30)],
            [RunTag(f"t{i}", "v") for i in range(30)],
            id="1010-entities",
        ),
    ],
)
def test_a_batch_over_the_limits_raises_invalid_parameter_and_writes_nothing(
    tracking_store, metrics, params, tags
):
    run_id = _new_run(tracking_store)

    with pytest.raises(InvalidParameter) as caught:
        tracking_store.log_batch(run_id, metrics=metrics, params=params, tags=tags)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    _assert_nothing_logged(tracking_store, run_id)


_GOOD_METRIC = Metric("m", 1.0, 1, 0)
_GOOD_PARAM = Param("p", "v")
_GOOD_TAG = RunTag("t", "v")


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        pytest.param(Metric("loss!", 1.0, 1, 0), "loss!", id="metric-key-bad-character"),
        pytest.param(Metric("a/../../up", 1.0, 1, 0), "a/../../up", id="metric-key-parent-path"),
        pytest.param(Metric("..", 1.0, 1, 0), "..", id="metric-key-dot-dot"),
        pytest.param(Metric("/abs", 1.0, 1, 0), "/abs", id="metric-key-leading-slash"),
        pytest.param(Metric("a//b", 1.0, 1, 0), "a//b", id="metric-key-double-slash"),
        pytest.param(Metric("", 1.0, 1, 0), "metrics[1].key", id="metric-key-empty"),
        pytest.param(Metric("k" * 251, 1.0, 1, 0), "metrics[1].key", id="metric-key-251-chars"),
        pytest.param(Metric("bad", "1.0", 1, 0), "metrics[1].value", id="metric-value-string"),
        pytest.param(Metric("bad", None, 1, 0), "metrics[1].value", id="metric-value-none"),
        pytest.param(Metric("bad", True, 1, 0), "metrics[1].value", id="metric-value-bool"),
        pytest.param(Metric("bad", 10**400, 1, 0), "metrics[1].value", id="metric-value-beyond-double"),
        pytest.param(Metric("bad", 1.0, 1.5, 0), "metrics[1].timestamp", id="metric-timestamp-float"),
        pytest.param(Metric("bad", 1.0, -1, 0), "bad", id="metric-timestamp-negative"),
        pytest.param(Metric("bad", 1.0, 1, 0.5), "metrics[1].step", id="metric-step-float"),
        pytest.param(Param("bad!", "v"), "bad!", id="param-key-bad-character"),
        pytest.param(Param("../up", "v"), "../up", id="param-key-parent-path"),
        pytest.param(Param("/abs", "v"), "/abs", id="param-key-leading-slash"),
        pytest.param(Param("k" * 251, "v"), "params[1].key", id="param-key-251-chars"),
        pytest.param(Param("big", "v" * 6001), "big", id="param-value-6001-chars"),
        pytest.param(Param("none", None), "none", id="param-value-none"),
        pytest.param(Param("nul", "a\x00b"), "nul", id="param-value-nul-character"),
        pytest.param(RunTag("bad tag?", "v"), "bad tag?", id="tag-key-bad-character"),
        pytest.param(RunTag("../up", "v"), "../up", id="tag-key-parent-path"),
        pytest.param(RunTag("/abs", "v"), "/abs", id="tag-key-leading-slash"),
        pytest.param(RunTag("k" * 251, "v"), "tags[1].key", id="tag-key-251-chars"),
        pytest.param(RunTag("big", "v" * 8001), "big", id="tag-value-8001-chars"),
        pytest.param(RunTag("nul", "a\x00b"), "nul", id="tag-value-nul-character"),
    ],
)
def test_a_batch_with_one_bad_item_raises_invalid_parameter_and_writes_nothing(tracking_store, bad, named):
    run_id = _new_run(tracking_store)
    metrics, params, tags = [_GOOD_METRIC], [_GOOD_PARAM], [_GOOD_TAG]
    {Metric: metrics, Param: params, RunTag: tags}[type(bad)].append(bad)

    with pytest.raises(InvalidParameter) as caught:
        tracking_store.log_batch(run_id, metrics=metrics, params=params, tags=tags)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert named in caught.value.message
    _assert_nothing_logged(tracking_store, run_id, metric_keys=("m", "bad"))


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s, r: s.log_metric(r, Metric("bad!", 1.0, 1, 0)), id="log_metric"),
        pytest.param(lambda s, r: s.log_param(r, Param("bad!", "v")), id="log_param"),
        pytest.param(lambda s, r: s.set_tag(r, RunTag("bad!", "v")), id="set_tag"),
    ],
)
def test_single_writes_validate_like_batches(tracking_store, write):
    run_id = _new_run(tracking_store)

    with pytest.raises(InvalidParameter) as caught:
        write(tracking_store, run_id)

    assert "bad!" in caught.value.message
    _assert_nothing_logged(tracking_store, run_id)


def test_a_batch_whose_param_conflicts_writes_none_of_its_metrics_params_or_tags(tracking_store):
    run_id = _new_run(tracking_store)
    tracking_store.log_param(run_id, Param("p", "1"))

    with pytest.raises(InvalidParameter) as caught:
        tracking_store.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 1, 0)],
            params=[Param("q", "new"), Param("p", "2")],
            tags=[RunTag("t", "v")],
        )

    assert "p" in caught.value.message
    run = tracking_store.get_run(run_id)
    assert run.data.params == {"p": "1"}
    assert run.data.metrics == {}
    assert run.data.tags == {"mlflow.runName": "r"}
    assert list(tracking_store.get_metric_history(run_id, "m")) == []


def test_a_batch_with_one_param_key_twice_with_different_values_writes_nothing(tracking_store):
    run_id = _new_run(tracking_store)

    with pytest.raises(InvalidParameter) as caught:
        tracking_store.log_batch(
            run_id, metrics=[_GOOD_METRIC], params=[Param("p", "1"), Param("p", "2")], tags=[_GOOD_TAG]
        )

    assert "'p'" in caught.value.message
    _assert_nothing_logged(tracking_store, run_id)


# Inputs


def _input(name, digest, context=None, **dataset_fields):
    fields = {"source_type": "local", "source": f"file:///data/{name}.csv", **dataset_fields}
    tags = (InputTag(CONTEXT, context),) if context else ()
    return DatasetInput(Dataset(name, digest, **fields), tags)


def _inputs(store, run_id):
    return sorted(store.get_run(run_id).inputs.dataset_inputs, key=lambda d: d.dataset.name)


def test_log_inputs_is_read_back_on_get_run(tracking_store):
    run_id = _new_run(tracking_store)
    iris = _input(
        "iris",
        "a" * 36,
        "training",
        schema='{"mlflow_colspec": [{"type": "double", "name": "x"}]}',
        profile='{"num_rows": 150}',
    )
    wine = DatasetInput(
        Dataset("wine", "d2", "s3", "s3://bucket/wine.parquet"),
        (InputTag(CONTEXT, "eval"), InputTag("source", "warehouse")),
    )

    tracking_store.log_inputs(run_id, [iris, wine])

    stored = _inputs(tracking_store, run_id)
    assert [d.dataset for d in stored] == [iris.dataset, wine.dataset]
    assert stored[0].tags == iris.tags
    assert sorted(stored[1].tags, key=lambda t: t.key) == sorted(wine.tags, key=lambda t: t.key)
    assert [d.context for d in stored] == ["training", "eval"]


def test_the_same_dataset_twice_in_one_run_is_one_input(tracking_store):
    run_id = _new_run(tracking_store)
    iris = _input("iris", "d1", "training")

    tracking_store.log_inputs(run_id, [iris, iris])
    tracking_store.log_inputs(run_id, [iris])

    assert _inputs(tracking_store, run_id) == [iris]


def test_one_dataset_can_be_an_input_of_several_runs(tracking_store):
    first, second = _new_run(tracking_store), _new_run(tracking_store)
    iris_v1, iris_v2 = _input("iris", "d1", "training"), _input("iris", "d2", "eval")

    tracking_store.log_inputs(first, [iris_v1])
    tracking_store.log_inputs(second, [iris_v1, iris_v2])

    assert _inputs(tracking_store, first) == [iris_v1]
    assert sorted(_inputs(tracking_store, second), key=lambda d: d.dataset.digest) == [iris_v1, iris_v2]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_input("iris", "d" * 37), id="37-char-digest"),
        pytest.param(_input("", "d1"), id="empty-name"),
        pytest.param(_input("n" * 501, "d1"), id="501-char-name"),
        pytest.param(DatasetInput(Dataset("iris", "d1", "local", "")), id="empty-source"),
        pytest.param(_input("iris", "d1", "x" * 501), id="501-char-input-tag-value"),
    ],
)
def test_an_invalid_dataset_raises_invalid_parameter_and_logs_nothing(tracking_store, bad):
    run_id = _new_run(tracking_store)

    with pytest.raises(InvalidParameter) as caught:
        tracking_store.log_inputs(run_id, [_input("ok", "d0", "training"), bad])

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    assert tracking_store.get_run(run_id).inputs.dataset_inputs == ()
