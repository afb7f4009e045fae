"""Recursive-descent parser from filter and order_by strings to the AST, before any target's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keel.search.ast import And, Comparison, Entity, Expr, Field, Not, Op, Or, OrderKey, Value
from keel.search.lexer import Kind, Token, excerpt, syntax_error, tokenize

if TYPE_CHECKING:
    from keel.errors import SearchSyntaxError

MAX_DEPTH = 100

ENTITY_PREFIXES: dict[str, Entity] = {
    "metric": Entity.METRIC,
    "metrics": Entity.METRIC,
    "param": Entity.PARAM,
    "params": Entity.PARAM,
    "parameter": Entity.PARAM,
    "parameters": Entity.PARAM,
    "tag": Entity.TAG,
    "tags": Entity.TAG,
    "attribute": Entity.ATTRIBUTE,
    "attributes": Entity.ATTRIBUTE,
    "attr": Entity.ATTRIBUTE,
    "run": Entity.ATTRIBUTE,
    "dataset": Entity.DATASET,
    "datasets": Entity.DATASET,
}

_OPS = {"=": Op.EQ, "!=": Op.NE, "<>": Op.NE, "<": Op.LT, "<=": Op.LE, ">": Op.GT, ">=": Op.GE}
_DIRECTIONS = {"ASC": True, "DESC": False}


def parse_filter(text: str) -> Expr:
    """The expression ``text`` spells, with fields as written (aliases are a target's business).

    Raises:
        SearchSyntaxError: if ``text`` is not one complete expression.
    """
    parser = _Parser(text)
    expr = parser.parse_or()
    parser.expect_end("AND, OR or the end of the filter")
    return expr


def parse_order_key(text: str) -> OrderKey:
    """One order_by clause, ``"<field> [ASC|DESC]"``; the direction is case-insensitive.

    Raises:
        SearchSyntaxError: if ``text`` is not a field optionally followed by a direction.
    """
    parser = _Parser(text)
    field = parser.parse_field()
    token = parser.peek()
    ascending = True
    if token.kind is Kind.NAME and token.prefix is None and not token.quote:
        direction = _DIRECTIONS.get(token.value.upper())
        if direction is not None:
            ascending = direction
            parser.advance()
    parser.expect_end("ASC, DESC or the end of the order_by clause")
    return OrderKey(field, ascending)


class _Parser:
    """One method per rule; NOT binds tighter than AND, and AND tighter than OR.

    filter     := or END
    or         := and ("OR" and)*
    and        := unary ("AND" unary)*
    unary      := "NOT" unary | "(" or ")" | comparison
    comparison := field (OP scalar | ("LIKE" | "ILIKE") scalar | ["NOT"] "IN" list | "IS" ["NOT"] "NULL")
    list       := "(" string ("," string)* [","] ")"
    order_key  := field ["ASC" | "DESC"] END
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def accept_keyword(self, keyword: str) -> bool:
        token = self.peek()
        if token.kind is Kind.KEYWORD and token.value == keyword:
            self.index += 1
            return True
        return False

    def expect_keyword(self, keyword: str, after: str) -> None:
        if not self.accept_keyword(keyword):
            raise self.error(self.peek(), f"Expected {keyword} after {after!r}")

    def expect_end(self, expected: str) -> None:
        token = self.peek()
        if token.kind is not Kind.END:
            raise self.error(token, f"Expected {expected}")

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while self.accept_keyword("OR"):
            items.append(self.parse_and())
        return _join(items, or_=True)

    def parse_and(self) -> Expr:
        items = [self.parse_unary()]
        while self.accept_keyword("AND"):
            items.append(self.parse_unary())
        return _join(items, or_=False)

    def parse_unary(self) -> Expr:
        token = self.peek()
        if token.kind is Kind.KEYWORD and token.value == "NOT":
            self.enter(token)
            self.advance()
            expr: Expr = Not(self.parse_unary())
        elif token.kind is Kind.LPAREN:
            self.enter(token)
            self.advance()
            expr = self.parse_or()
            if self.peek().kind is not Kind.RPAREN:
                raise self.error(self.peek(), f"Expected ')' to close '(' at position {token.pos}")
            self.advance()
        else:
            return self.parse_comparison()
        self.depth -= 1
        return expr

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(token, f"Filter nested deeper than {MAX_DEPTH} levels")

    def parse_comparison(self) -> Comparison:
        field_token = self.peek()
        field = self.parse_field()
        token = self.advance()
        written = f"{excerpt(field_token.text)} {excerpt(token.text)}"
        if token.kind is Kind.OP:
            return Comparison(field, _OPS[token.value], self.parse_scalar(written))
        if token.kind is Kind.KEYWORD:
            if token.value in ("LIKE", "ILIKE"):
                return Comparison(field, Op(token.value), self.parse_scalar(written))
            if token.value == "IN":
                return Comparison(field, Op.IN, self.parse_list(written))
            if token.value == "NOT":
                following = self.peek()
                if following.kind is Kind.KEYWORD and following.value in ("LIKE", "ILIKE"):
                    hint = f"write NOT ({excerpt(field_token.text)} {following.value} ...) instead"
                    raise self.error(following, f"Expected IN after {written!r}", hint)
                self.expect_keyword("IN", written)
                return Comparison(field, Op.NOT_IN, self.parse_list(f"{written} IN"))
            if token.value == "IS":
                negated = self.accept_keyword("NOT")
                self.expect_keyword("NULL", f"{written} NOT" if negated else written)
                return Comparison(field, Op.IS_NOT_NULL if negated else Op.IS_NULL, None)
        hint = ""
        if token.pos == field_token.pos + len(field_token.text):
            hint = "quote keys with special characters: metrics.`my-key`"
        raise self.error(token, f"Expected a comparison operator after {excerpt(field_token.text)!r}", hint)

    def parse_field(self) -> Field:
        token = self.advance()
        if token.kind is Kind.NAME:
            if token.prefix is None:
                return Field(Entity.ATTRIBUTE, token.value)
            entity = ENTITY_PREFIXES.get(token.prefix.lower())
            if entity is None:
                written = f"{excerpt(token.prefix)!r} in {excerpt(token.text)!r}"
                raise syntax_error(
                    self.text,
                    token.pos,
                    f"Invalid entity type {written}; valid entity types are "
                    "metrics, params, tags, attributes and datasets",
                )
            return Field(entity, token.value)
        if token.kind is Kind.STRING and token.quote == '"':
            # MLflow reads a double-quoted name where a field is expected as an attribute key.
            return Field(Entity.ATTRIBUTE, token.value)
        raise self.error(token, "Expected a field such as metrics.loss, params.lr or attributes.status")

    def parse_scalar(self, after: str) -> Value:
        token = self.advance()
        if token.kind is Kind.STRING:
            return token.value
        if token.kind is Kind.NUMBER:
            return _number(token.value)
        hint = ""
        if token.kind is Kind.KEYWORD and token.value == "NULL":
            hint = "use IS NULL or IS NOT NULL"
        elif token.kind is Kind.NAME and token.prefix is None:
            hint = f"quote string values, e.g. '{excerpt(token.text)}'"
        raise self.error(token, f"Expected a value after {after!r}", hint)

    def parse_list(self, after: str) -> tuple[str, ...]:
        opening = self.advance()
        if opening.kind is not Kind.LPAREN:
            raise self.error(opening, f"Expected '(' after {after!r}")
        values: list[str] = []
        while self.peek().kind is not Kind.RPAREN or not values:
            token = self.advance()
            if token.kind is not Kind.STRING:
                hint = "a list needs at least one value" if token.kind is Kind.RPAREN else ""
                raise self.error(token, f"Expected a quoted string in the list after {after!r}", hint)
            values.append(token.value)
            if self.peek().kind is Kind.COMMA:
                self.advance()
            elif self.peek().kind is not Kind.RPAREN:
                raise self.error(self.peek(), f"Expected ',' or ')' in the list after {after!r}")
        self.advance()
        return tuple(values)

    def error(self, token: Token, expected: str, hint: str = "") -> SearchSyntaxError:
        found = "the end of input" if token.kind is Kind.END else repr(excerpt(token.text))
        return syntax_error(self.text, token.pos, f"{expected}, found {found}{'; ' + hint if hint else ''}")


def _number(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def _join(items: list[Expr], *, or_: bool) -> Expr:
    """One expression for ``items``, splicing in operands of the same connective: AND and OR associate."""
    if len(items) == 1:
        return items[0]
    kind: type[And] | type[Or] = Or if or_ else And
    flat: list[Expr] = []
    for item in items:
        if isinstance(item, kind):
            flat.extend(item.items)
        else:
            flat.append(item)
    return kind(tuple(flat))
