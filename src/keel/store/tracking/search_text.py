"""The search AST written back as MLflow filter and order_by strings, for stores that forward searches.

Attributes are written bare, keys of metrics, params and tags always back-quoted, string values
single-quoted (or double-quoted when they hold a single quote), so what a server parses is what
keel parsed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from keel.search.ast import And, Comparison, Entity, Not, Op, Or

if TYPE_CHECKING:
    from keel.search.ast import Expr, Field, OrderKey, Value

# Spellings every MLflow search accepts: experiment search knows no ``attributes.`` prefix (only
# ``attribute`` and ``tag``/``tags``), logged-model search only bare attribute names, and a bare
# name is an attribute everywhere.
_PREFIX = {
    Entity.METRIC: "metrics",
    Entity.PARAM: "params",
    Entity.TAG: "tags",
    Entity.DATASET: "datasets",
}
_QUOTED_KEYS = frozenset({Entity.METRIC, Entity.PARAM, Entity.TAG})


def filter_text(expr: Expr | None) -> str | None:
    """``expr`` as a filter string; ``None`` for no filter.

    Example:
        >>> filter_text(parse_run_filter("metrics.loss<0.5 and tags.team='a'"))
        "metrics.`loss` < 0.5 AND tags.`team` = 'a'"
    """
    return None if expr is None else _expr(expr, top=True)


def order_by_text(keys: list[OrderKey]) -> list[str]:
    """Each order key as ``"<field> ASC|DESC"``."""
    return [f"{field_text(k.field)} {'ASC' if k.ascending else 'DESC'}" for k in keys]


def field_text(field: Field) -> str:
    if field.entity is Entity.ATTRIBUTE:
        return field.key
    prefix = _PREFIX[field.entity]
    if field.entity not in _QUOTED_KEYS:
        return f"{prefix}.{field.key}"
    if "`" in field.key:
        return prefix + "." + _string(field.key, quote_char='"')
    return f"{prefix}.`{field.key}`"


def _expr(expr: Expr, *, top: bool = False) -> str:
    match expr:
        case Comparison():
            return _comparison(expr)
        case And(items):
            text = " AND ".join(_expr(item) for item in items)
            return text if top else f"({text})"
        case Or(items):
            text = " OR ".join(_expr(item) for item in items)
            return text if top else f"({text})"
        case Not(item):
            return f"NOT {_expr(item)}"
    raise TypeError(f"Not a filter expression: {expr!r}")


def _comparison(c: Comparison) -> str:
    field = field_text(c.field)
    if c.op in (Op.IS_NULL, Op.IS_NOT_NULL):
        return f"{field} {c.op.value}"
    return f"{field} {c.op.value} {_value(c.value)}"


def _value(value: Value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_string(v) for v in value) + ")"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "1e999" if value > 0 else "-1e999"  # parses back to ±inf; "inf" is not a literal
    return repr(value)


def _string(value: str, quote_char: str | None = None) -> str:
    quote = quote_char or ("'" if "'" not in value or '"' in value else '"')
    return quote + value.replace(quote, quote * 2) + quote
