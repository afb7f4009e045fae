import pytest

from keel.entities import Metric, Param, RunTag
from keel.errors import InvalidParameter
from keel.store.tracking.validation import validate_batch, validate_key, validate_max_results


@pytest.mark.parametrize("key", ["loss", "val/loss", "a.b-c d", "x:y", "a_b", "ß"])
def test_valid_keys(key):
    assert validate_key("metric", key) == key


@pytest.mark.parametrize("key", ["", "a//b", "../a", "/a", "a/", ".", "a/./b", "a*b", "a\\b", "x" * 251])
def test_invalid_keys_name_the_key(key):
    with pytest.raises(InvalidParameter, match="metric name"):
        validate_key("metric", key)


def test_batch_errors_name_the_offending_item():
    with pytest.raises(InvalidParameter, match=r"metrics\[1\]\.value"):
        validate_batch([Metric("a", 1.0, 1), Metric("b", "x", 1)], [], [])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter, match=r"metrics\[0\]\.value"):
        validate_batch([Metric("a", True, 1)], [], [])
    with pytest.raises(InvalidParameter, match=r"metrics\[0\]\.timestamp"):
        validate_batch([Metric("a", 1.0, 1.5)], [], [])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter, match="Duplicate parameter key 'p'"):
        validate_batch([], [Param("p", "1"), Param("p", "2")], [])
    with pytest.raises(InvalidParameter, match="at most 100 tags"):
        validate_batch([], [], [RunTag(f"t{i}", "v") for i in range(101)])


def test_same_param_twice_in_a_batch_is_fine():
    validate_batch([], [Param("p", "1"), Param("p", "1")], [])


@pytest.mark.parametrize("value", [0, -1, True, "10", 50_001])
def test_max_results_must_be_a_positive_int_within_limit(value):
    with pytest.raises(InvalidParameter, match="max_results"):
        validate_max_results(value, 50_000)
