"""Search strings to AST: ``filter`` and ``order_by`` for runs, experiments and the model registry.
MLflow's grammar plus OR, NOT, parentheses and IN on every string field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keel.search.ast import (
    NULL_OPS,
    NUMERIC_OPS,
    STRING_OPS,
    And,
    Comparison,
    Entity,
    Expr,
    Field,
    Not,
    Op,
    Or,
    OrderKey,
    Value,
)
from keel.search.parser import parse_filter, parse_order_key
from keel.search.targets import EXPERIMENTS, MODEL_VERSIONS, REGISTERED_MODELS, RUNS
from keel.search.validation import validate_filter, validate_order_by

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keel.search.targets import Target

__all__ = [
    "NULL_OPS",
    "NUMERIC_OPS",
    "STRING_OPS",
    "And",
    "Comparison",
    "Entity",
    "Expr",
    "Field",
    "Not",
    "Op",
    "Or",
    "OrderKey",
    "Value",
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_model_version_filter",
    "parse_model_version_order_by",
    "parse_registered_model_filter",
    "parse_registered_model_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]


def parse_run_filter(text: str | None) -> Expr | None:
    """Parse a ``search_runs`` filter; ``None`` when there is nothing to filter on.

    Args:
        text: e.g. ``"metrics.rmse < 1 and params.model_class = 'LogisticRegression'"``.

    Returns:
        The expression with canonical keys (``attributes.created`` -> ``start_time``), or ``None``
        for ``None``, an empty or an all-whitespace string.

    Raises:
        SearchSyntaxError: naming the offending token or field.

    Example:
        >>> parse_run_filter("metrics.loss < 0.5")
        Comparison(field=Field(entity=<Entity.METRIC: 'metric'>, key='loss'), op=<Op.LT: '<'>, value=0.5)
    """
    return _parse_filter(text, RUNS)


def parse_experiment_filter(text: str | None) -> Expr | None:
    """Parse a ``search_experiments`` filter, e.g. ``"name LIKE 'prod-%'"``; see ``parse_run_filter``."""
    return _parse_filter(text, EXPERIMENTS)


def parse_registered_model_filter(text: str | None) -> Expr | None:
    """Parse a ``search_registered_models`` filter, e.g. ``"name = 'iris'"``; see ``parse_run_filter``."""
    return _parse_filter(text, REGISTERED_MODELS)


def parse_model_version_filter(text: str | None) -> Expr | None:
    """Parse a ``search_model_versions`` filter, e.g. ``"name = 'iris' AND version_number > 2"``."""
    return _parse_filter(text, MODEL_VERSIONS)


def parse_run_order_by(items: Sequence[str] | None) -> list[OrderKey]:
    """Parse ``search_runs`` order_by clauses, each ``"<entity>.<key> [ASC|DESC]"``.

    Args:
        items: e.g. ``["metrics.`f1 score` DESC", "start_time"]``; a lone string counts as one clause.

    Returns:
        One ``OrderKey`` per clause, in order, with canonical keys; ``[]`` for ``None``.

    Raises:
        SearchSyntaxError: on a clause that does not parse, an unorderable field or a repeated one.

    Example:
        >>> parse_run_order_by(["created DESC"])
        [OrderKey(field=Field(entity=<Entity.ATTRIBUTE: 'attribute'>, key='start_time'), ascending=False)]
    """
    return _parse_order_by(items, RUNS)


def parse_experiment_order_by(items: Sequence[str] | None) -> list[OrderKey]:
    """Parse ``search_experiments`` order_by clauses, e.g. ``["creation_time DESC"]``."""
    return _parse_order_by(items, EXPERIMENTS)


def parse_registered_model_order_by(items: Sequence[str] | None) -> list[OrderKey]:
    """Parse ``search_registered_models`` order_by clauses, e.g. ``["name ASC"]``."""
    return _parse_order_by(items, REGISTERED_MODELS)


def parse_model_version_order_by(items: Sequence[str] | None) -> list[OrderKey]:
    """Parse ``search_model_versions`` order_by clauses, e.g. ``["version_number DESC"]``."""
    return _parse_order_by(items, MODEL_VERSIONS)


def _parse_filter(text: str | None, target: Target) -> Expr | None:
    if text is None or not text.strip():
        return None
    return validate_filter(parse_filter(text), target)


def _parse_order_by(items: Sequence[str] | None, target: Target) -> list[OrderKey]:
    if items is None:
        return []
    if isinstance(items, str):
        items = [items]
    return validate_order_by((parse_order_key(item) for item in items), target)
