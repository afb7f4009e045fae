"""The search AST: what a filter or order_by string means once parsed.

Stores translate these nodes (to SQL); nothing downstream re-parses strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Entity(StrEnum):
    """What a field belongs to: ``metrics.x``, ``params.x``, ``tags.x``, ``attributes.x``, ``datasets.x``."""

    METRIC = "metric"
    PARAM = "param"
    TAG = "tag"
    ATTRIBUTE = "attribute"
    DATASET = "dataset"


class Op(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LIKE = "LIKE"
    ILIKE = "ILIKE"
    IN = "IN"
    NOT_IN = "NOT IN"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"


NUMERIC_OPS = frozenset({Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE})
STRING_OPS = frozenset({Op.EQ, Op.NE, Op.LIKE, Op.ILIKE, Op.IN, Op.NOT_IN})
NULL_OPS = frozenset({Op.IS_NULL, Op.IS_NOT_NULL})


@dataclass(frozen=True, slots=True)
class Field:
    """A searchable field. ``key`` is canonical: attribute aliases are resolved
    (``created`` -> ``start_time``, ``run name`` -> ``run_name``), quotes removed."""

    entity: Entity
    key: str


Value = str | int | float | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op value``. ``value`` is a str for string ops, an int or float for numeric
    ops, a tuple of str for IN / NOT IN, and None for IS NULL / IS NOT NULL."""

    field: Field
    op: Op
    value: Value


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Comparison | And | Or | Not


@dataclass(frozen=True, slots=True)
class OrderKey:
    field: Field
    ascending: bool = True
