"""Tokenizer for filter and order_by strings: one left-to-right pass, a regex match per token.
Fields are read whole (``metrics.`val loss```): a quote right after ``entity.`` is a key, elsewhere a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from keel.errors import SearchSyntaxError

KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL"})


class Kind(Enum):
    NAME = "name"
    KEYWORD = "keyword"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token. ``value`` is unquoted and unescaped (keywords upper-cased); ``text`` is as written.

    A NAME is a field or a bare word: ``prefix`` is the part before the first dot (``None`` without
    one) and ``value`` the key after it. ``quote`` is the quote character of a STRING or a quoted key.
    """

    kind: Kind
    value: str
    pos: int
    text: str
    prefix: str | None = None
    quote: str = ""


_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d]\w*")
_BARE_KEY = re.compile(r"\w+(?:\.\w+)*")
# A number may not run into a name or another dot: ``1and`` and ``1.2.3`` are errors, not two tokens.
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?![\w.])")
_OP = re.compile(r"<=|>=|<>|!=|=|<|>")
# Unrolled loops (``a*(?:b a*)*``), never ``(?:a+|b)*``: on a missing closing quote the nested form
# backtracks exponentially, this one gives up in linear time.
_QUOTED = {
    "'": re.compile(r"'([^'\\]*(?:(?:\\.|'')[^'\\]*)*)'", re.DOTALL),
    '"': re.compile(r'"([^"\\]*(?:(?:\\.|"")[^"\\]*)*)"', re.DOTALL),
    "`": re.compile(r"`([^`]*(?:``[^`]*)*)`"),
}
_ESCAPE = {
    "'": re.compile(r"\\(.)|''", re.DOTALL),
    '"': re.compile(r'\\(.)|""', re.DOTALL),
}
_DIGITS = frozenset("0123456789")
_QUOTE_LIMIT = 200
_EXCERPT_LIMIT = 60
_PUNCTUATION = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with one END token.

    Raises:
        SearchSyntaxError: on a character that starts no token, or an unterminated quote.
    """
    tokens: list[Token] = []
    pos, end = 0, len(text)
    while True:
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
        if pos >= end:
            tokens.append(Token(Kind.END, "", end, ""))
            return tokens
        char = text[pos]
        if char in _PUNCTUATION:
            token = Token(_PUNCTUATION[char], char, pos, char)
        elif char in "'\"":
            value, stop = _read_quoted(text, pos)
            token = Token(Kind.STRING, value, pos, text[pos:stop], quote=char)
        elif char == "`" or _WORD.match(text, pos):
            token = _read_name(text, pos)
        elif (number := _NUMBER.match(text, pos)) is not None:
            token = Token(Kind.NUMBER, number.group(), pos, number.group())
        elif (op := _OP.match(text, pos)) is not None:
            token = Token(Kind.OP, op.group(), pos, op.group())
        else:
            raise _unexpected(text, pos, tokens[-1] if tokens else None)
        tokens.append(token)
        pos += len(token.text)


def _read_name(text: str, pos: int) -> Token:
    first, stop = _read_segment(text, pos)
    if not text.startswith(".", stop):
        if text[pos] != "`" and first.upper() in KEYWORDS:
            return Token(Kind.KEYWORD, first.upper(), pos, text[pos:stop])
        return Token(Kind.NAME, first, pos, text[pos:stop], quote=text[pos] if text[pos] == "`" else "")
    key_pos = stop + 1
    quote = text[key_pos : key_pos + 1]
    if quote and quote in _QUOTED:
        key, stop = _read_quoted(text, key_pos)
    elif (bare := _BARE_KEY.match(text, key_pos)) is not None:
        key, stop, quote = bare.group(), bare.end(), ""
    else:
        raise syntax_error(text, key_pos, f"Expected a key after {excerpt(text[pos:key_pos])!r}")
    if not key:
        raise syntax_error(text, key_pos, f"Empty key after {excerpt(text[pos:key_pos])!r}")
    return Token(Kind.NAME, key, pos, text[pos:stop], prefix=first, quote=quote)


def _read_segment(text: str, pos: int) -> tuple[str, int]:
    if text[pos] == "`":
        return _read_quoted(text, pos)
    word = _WORD.match(text, pos)
    assert word is not None, "called only where a word or backtick starts"
    return word.group(), word.end()


def _read_quoted(text: str, pos: int) -> tuple[str, int]:
    """The unescaped body of the quoted run at ``pos`` and the position after its closing quote.

    Inside quotes, a doubled quote or a backslash before the quote stands for the quote itself;
    other backslashes are kept as written, so LIKE patterns pass through untouched.
    """
    quote = text[pos]
    found = _QUOTED[quote].match(text, pos)
    if found is None:
        raise syntax_error(text, pos, f"Unterminated {quote} quote")
    body = found.group(1)
    if quote == "`":
        return body.replace("``", "`"), found.end()
    return _ESCAPE[quote].sub(lambda m: _unescape(m, quote), body), found.end()


def _unescape(match: re.Match[str], quote: str) -> str:
    escaped = match.group(1)
    if escaped is None or escaped == quote:
        return quote
    return match.group()


def _unexpected(text: str, pos: int, previous: Token | None) -> SearchSyntaxError:
    message = f"Unexpected character {text[pos]!r}"
    if previous is not None and previous.kind is Kind.NAME and previous.pos + len(previous.text) == pos:
        message += f" after {excerpt(previous.text)!r}; quote keys with special characters: metrics.`my-key`"
    elif text[pos] in _DIGITS or (text[pos] in "-." and text[pos + 1 : pos + 2] in _DIGITS):
        message = f"Invalid number {excerpt(text[pos:].split(maxsplit=1)[0])!r}"
    return syntax_error(text, pos, message)


def excerpt(text: str) -> str:
    """``text``, cut short with an ellipsis if it would swamp an error message."""
    return text if len(text) <= _EXCERPT_LIMIT else text[: _EXCERPT_LIMIT - 3] + "..."


def syntax_error(text: str, pos: int, message: str) -> SearchSyntaxError:
    """The error for ``message`` at ``pos``, quoting ``text`` (or, if long, the part around ``pos``)."""
    if len(text) > _QUOTE_LIMIT:
        near = text[max(0, pos - _QUOTE_LIMIT // 4) : pos + _QUOTE_LIMIT // 4]
        return SearchSyntaxError(f"{message} (at position {pos}, near {near!r})")
    return SearchSyntaxError(f"{message} (at position {pos} of {text!r})")
