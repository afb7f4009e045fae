"""Contract: search_experiments — filters on name, tags, times and ids, view types, order and paging."""

from __future__ import annotations

import pytest

from keel.entities import RunTag, ViewType
from keel.errors import InvalidParameter


def _populate(store):
    """Experiments created in this order (so with increasing creation_time), after Default.

    Returns their ids by name; ``old-model`` is deleted.
    """
    specs = [
        ("Prod-Model", [RunTag("owner", "ada"), RunTag("env", "prod")]),
        ("prod-data", [RunTag("owner", "grace")]),
        ("dev-model", [RunTag("owner", "Ada"), RunTag("env", "dev")]),
        ("old-model", [RunTag("owner", "ada")]),
    ]
    ids = {name: store.create_experiment(name, tags=tags) for name, tags in specs}
    store.delete_experiment(ids["old-model"])
    return ids


def _names(experiments):
    return [e.name for e in experiments]


_FILTERS = [
    ("name = 'Prod-Model'", {"Prod-Model"}),
    ("attributes.name = 'prod-model'", set()),
    ("name != 'Default'", {"Prod-Model", "prod-data", "dev-model"}),
    ("name LIKE 'prod%'", {"prod-data"}),
    ("name LIKE '%-model'", {"dev-model"}),
    ("name LIKE '%-_odel'", {"Prod-Model", "dev-model"}),
    ("name ILIKE 'prod%'", {"Prod-Model", "prod-data"}),
    ("name ILIKE '%MODEL'", {"Prod-Model", "dev-model"}),
    ("name IN ('Default', 'dev-model', 'nope')", {"Default", "dev-model"}),
    ("name NOT IN ('Default', 'dev-model')", {"Prod-Model", "prod-data"}),
    ("tags.owner = 'ada'", {"Prod-Model"}),
    ("tags.owner != 'ada'", {"prod-data", "dev-model"}),
    ("tags.owner ILIKE 'ada'", {"Prod-Model", "dev-model"}),
    ("tags.owner LIKE 'A%'", {"dev-model"}),
    ("tags.env IS NULL", {"Default", "prod-data"}),
    ("tags.env IS NOT NULL", {"Prod-Model", "dev-model"}),
    ("tags.`env` IN ('dev', 'qa')", {"dev-model"}),
    ("name ILIKE '%model' AND tags.env = 'prod'", {"Prod-Model"}),
    ("tags.env = 'dev' OR name = 'Default'", {"Default", "dev-model"}),
    ("NOT name ILIKE 'prod%'", {"Default", "dev-model"}),
    ("NOT (tags.env = 'dev' OR name = 'Default')", {"Prod-Model", "prod-data"}),
]


@pytest.mark.parametrize(("filter_string", "expected"), _FILTERS, ids=[f for f, _ in _FILTERS])
def test_filter(tracking_store, filter_string, expected):
    _populate(tracking_store)

    assert set(_names(tracking_store.search_experiments(filter_string=filter_string))) == expected


def test_filter_on_experiment_id(tracking_store):
    ids = _populate(tracking_store)

    found = tracking_store.search_experiments(filter_string=f"experiment_id = '{ids['prod-data']}'")
    assert _names(found) == ["prod-data"]
    found = tracking_store.search_experiments(
        filter_string=f"experiment_id IN ('0', '{ids['dev-model']}', '{ids['old-model']}')"
    )
    assert set(_names(found)) == {"Default", "dev-model"}


def test_filter_on_creation_and_last_update_time(tracking_store):
    ids = _populate(tracking_store)
    times = {e.name: e for e in tracking_store.search_experiments(view_type=ViewType.ALL)}
    cut = times["prod-data"].creation_time

    def found(filter_string):
        return set(_names(tracking_store.search_experiments(filter_string=filter_string)))

    assert found(f"creation_time > {cut}") == {"dev-model"}
    assert found(f"creation_time >= {cut}") == {"prod-data", "dev-model"}
    assert found(f"creation_time < {cut}") == {"Default", "Prod-Model"}
    assert found(f"creation_time = {cut}") == {"prod-data"}
    assert found(f"creation_time != {cut}") == {"Default", "Prod-Model", "dev-model"}

    tracking_store.rename_experiment(ids["Prod-Model"], "Prod-Model-2")
    updated = tracking_store.get_experiment(ids["Prod-Model"]).last_update_time
    assert updated > times["dev-model"].last_update_time
    assert found(f"last_update_time >= {updated}") == {"Prod-Model-2"}
    assert found(f"last_update_time < {updated}") == {"Default", "prod-data", "dev-model"}


@pytest.mark.parametrize(
    ("view_type", "expected"),
    [
        (ViewType.ACTIVE_ONLY, {"Default", "Prod-Model", "prod-data", "dev-model"}),
        (ViewType.DELETED_ONLY, {"old-model"}),
        (ViewType.ALL, {"Default", "Prod-Model", "prod-data", "dev-model", "old-model"}),
        ("deleted_only", {"old-model"}),
        (3, {"Default", "Prod-Model", "prod-data", "dev-model", "old-model"}),
    ],
)
def test_view_type(tracking_store, view_type, expected):
    _populate(tracking_store)

    assert set(_names(tracking_store.search_experiments(view_type=view_type))) == expected


def test_view_type_and_filter_together(tracking_store):
    _populate(tracking_store)

    found = tracking_store.search_experiments(view_type=ViewType.ALL, filter_string="tags.owner = 'ada'")

    assert set(_names(found)) == {"Prod-Model", "old-model"}


def test_default_order_is_creation_time_desc(tracking_store):
    _populate(tracking_store)

    assert _names(tracking_store.search_experiments(view_type=ViewType.ALL)) == [
        "old-model",
        "dev-model",
        "prod-data",
        "Prod-Model",
        "Default",
    ]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["creation_time ASC"], ["Default", "Prod-Model", "prod-data", "dev-model"]),
        (["creation_time DESC"], ["dev-model", "prod-data", "Prod-Model", "Default"]),
        (["experiment_id DESC"], ["dev-model", "prod-data", "Prod-Model", "Default"]),
        (["attributes.experiment_id"], ["Default", "Prod-Model", "prod-data", "dev-model"]),
        (["last_update_time DESC"], ["Prod-Model", "dev-model", "prod-data", "Default"]),
        (["name"], ["Default", "Prod-Model", "dev-model", "prod-data"]),
        (["name DESC"], ["prod-data", "dev-model", "Prod-Model", "Default"]),
    ],
)
def test_order_by(tracking_store, order_by, expected):
    ids = _populate(tracking_store)
    tracking_store.set_experiment_tag(ids["Prod-Model"], RunTag("touched", "yes"))
    tracking_store.rename_experiment(ids["Prod-Model"], "Prod-Model")  # moves its last_update_time

    found = _names(tracking_store.search_experiments(order_by=order_by))

    if order_by[0].startswith("name"):  # "Prod-Model" and "Default" sort by collation; the rest is fixed
        assert [n for n in found if n[0].islower()] == [n for n in expected if n[0].islower()]
    else:
        assert found == expected


def test_experiment_id_breaks_creation_time_ties(tracking_store, clock):
    ids = []
    for i in range(4):
        ids.append(tracking_store.create_experiment(f"exp-{i}"))
        clock.now -= 1  # every experiment gets the same creation_time

    found = tracking_store.search_experiments(filter_string="name LIKE 'exp-%'")

    assert [e.experiment_id for e in found] == sorted(ids, key=int)


@pytest.mark.parametrize("total", [6, 7])
@pytest.mark.parametrize("order_by", [None, ["name DESC"]])
def test_pages_walk_every_experiment_exactly_once(tracking_store, total, order_by):
    created = {tracking_store.create_experiment(f"exp-{i}") for i in range(total - 1)} | {"0"}
    everything = [e.experiment_id for e in tracking_store.search_experiments(order_by=order_by)]

    pages, token = [], None
    while True:
        page = tracking_store.search_experiments(max_results=3, order_by=order_by, page_token=token)
        pages.append([e.experiment_id for e in page])
        token = page.token
        if token is None:
            break

    assert [len(p) for p in pages] == [3, 3] + ([1] if total == 7 else [])
    assert [i for page in pages for i in page] == everything
    assert set(everything) == created


def test_results_carry_tags_and_lifecycle(tracking_store):
    ids = _populate(tracking_store)

    found = {e.name: e for e in tracking_store.search_experiments(view_type=ViewType.ALL)}

    assert found["Prod-Model"] == tracking_store.get_experiment(ids["Prod-Model"])
    assert found["Prod-Model"].tags == {"owner": "ada", "env": "prod"}
    assert found["old-model"] == tracking_store.get_experiment(ids["old-model"])
    assert found["Default"] == tracking_store.get_experiment("0")


@pytest.mark.parametrize(
    "filter_string",
    [
        "name = Prod",
        "name > 'a'",
        "creation_time > 'yesterday'",
        "experiment_id LIKE '1%'",
        "metrics.acc > 1",
        "params.lr = '1'",
        "attributes.artifact_location = 'x'",
        "tags.owner > 'a'",
        "name = 'a' AND",
        "(name = 'a'",
    ],
)
def test_an_invalid_filter_raises_invalid_parameter(tracking_store, filter_string):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.search_experiments(filter_string=filter_string)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"order_by": ["tags.owner"]},
        {"order_by": ["name", "name DESC"]},
        {"order_by": ["name UP"]},
        {"order_by": ["artifact_location"]},
        {"max_results": 0},
        {"max_results": 50001},
        {"page_token": "%%%"},
        {"view_type": "NONE"},
    ],
)
def test_invalid_order_by_paging_or_view_type_raises_invalid_parameter(tracking_store, kwargs):
    with pytest.raises(InvalidParameter) as caught:
        tracking_store.search_experiments(**kwargs)

    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize("experiment_id", ["2147483648", "9" * 30])
def test_an_experiment_id_beyond_any_stored_id_matches_no_experiment(tracking_store, experiment_id):
    found = tracking_store.search_experiments(filter_string=f"experiment_id IN ('0', '{experiment_id}')")

    assert _names(found) == ["Default"]
