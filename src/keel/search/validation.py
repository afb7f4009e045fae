"""Checks a parsed filter or order_by against a ``Target`` and canonicalises it (aliases, value types)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from keel.errors import SearchSyntaxError
from keel.search.ast import NULL_OPS, And, Comparison, Expr, Field, Not, Op, Or, OrderKey, Value
from keel.search.lexer import excerpt
from keel.search.targets import ValueKind

if TYPE_CHECKING:
    from collections.abc import Iterable

    from keel.search.targets import FieldSpec, Target

_INTEGER = re.compile(r"-?[0-9]+")


def validate_filter(expr: Expr, target: Target) -> Expr:
    """``expr`` with canonical keys and typed values.

    Raises:
        SearchSyntaxError: if ``target`` does not allow a field, operator or value in ``expr``.
    """
    match expr:
        case Comparison():
            return _validate_comparison(expr, target)
        case And(items):
            return And(tuple(validate_filter(item, target) for item in items))
        case Or(items):
            return Or(tuple(validate_filter(item, target) for item in items))
        case Not(item):
            return Not(validate_filter(item, target))


def validate_order_by(keys: Iterable[OrderKey], target: Target) -> list[OrderKey]:
    """``keys`` with canonical fields, each one orderable and named once.

    Raises:
        SearchSyntaxError: on a field ``target`` cannot order by, or the same field twice.
    """
    seen: set[Field] = set()
    result: list[OrderKey] = []
    for key in keys:
        field, spec = _resolve(key.field, target)
        if not spec.orderable:
            raise SearchSyntaxError(
                f"Cannot order {target.name} by {_describe(key.field)}; "
                f"valid order_by fields are {_orderable(target)}"
            )
        if field in seen:
            raise SearchSyntaxError(f"order_by contains {_describe(field)} more than once")
        seen.add(field)
        result.append(OrderKey(field, key.ascending))
    return result


def _validate_comparison(comparison: Comparison, target: Target) -> Comparison:
    field, spec = _resolve(comparison.field, target)
    if comparison.op not in spec.ops:
        if not spec.ops:
            raise SearchSyntaxError(f"Cannot filter {target.name} on {_describe(comparison.field)}")
        allowed = ", ".join(op.value for op in Op if op in spec.ops)
        raise SearchSyntaxError(
            f"Invalid comparator '{comparison.op.value}' for {_describe(comparison.field)}; "
            f"valid comparators are {allowed}"
        )
    if comparison.op in NULL_OPS or isinstance(comparison.value, tuple):
        return Comparison(field, comparison.op, comparison.value)
    return Comparison(field, comparison.op, _coerce(comparison, spec.kind))


def _coerce(comparison: Comparison, kind: ValueKind) -> Value:
    value = comparison.value
    if kind is ValueKind.STRING and isinstance(value, str):
        return value
    if kind is ValueKind.NUMBER and isinstance(value, int | float):
        return value
    if kind is ValueKind.INTEGER:
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
    found = f"string {excerpt(value)!r}" if isinstance(value, str) else f"number {value!r}"
    raise SearchSyntaxError(
        f"Expected {kind.value} to compare with {_describe(comparison.field)}, found {found}"
    )


def _resolve(field: Field, target: Target) -> tuple[Field, FieldSpec]:
    entity = target.entities.get(field.entity)
    if entity is None:
        raise SearchSyntaxError(
            f"Invalid entity type '{field.entity}' for searching {target.name}; "
            f"valid entity types are {', '.join(target.entities)}"
        )
    key = entity.aliases.get(field.key, field.key)
    spec = entity.fields.get(key, entity.any_key)
    if spec is None:
        raise SearchSyntaxError(
            f"Invalid {field.entity} key {excerpt(field.key)!r} for searching {target.name}; "
            f"valid keys are {', '.join(entity.fields)}"
        )
    return Field(field.entity, key), spec


def _orderable(target: Target) -> str:
    names: list[str] = []
    for entity, spec in target.entities.items():
        if spec.any_key is not None and spec.any_key.orderable:
            names.append(f"{entity}.<key>")
        names.extend(key for key, field in spec.fields.items() if field.orderable)
    return ", ".join(names)


def _describe(field: Field) -> str:
    return f"{field.entity} {excerpt(field.key)!r}"
