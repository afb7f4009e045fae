"""The search tokenizer: names with entity prefixes, quoting, numbers, operators and lexical errors."""

from __future__ import annotations

import re
import time

import pytest

from keel.errors import SearchSyntaxError
from keel.search import parse_run_filter
from keel.search.lexer import Kind, Token, tokenize


def kinds_and_values(text: str) -> list[tuple[Kind, str]]:
    return [(token.kind, token.value) for token in tokenize(text)[:-1]]


def only(text: str) -> Token:
    tokens = tokenize(text)
    assert len(tokens) == 2, tokens
    assert tokens[1].kind is Kind.END
    return tokens[0]


@pytest.mark.parametrize(
    ("text", "prefix", "key"),
    [
        ("metrics.loss", "metrics", "loss"),
        ("tags.mlflow.runName", "tags", "mlflow.runName"),
        ("tags.mlflow.source.type", "tags", "mlflow.source.type"),
        ("params.lr", "params", "lr"),
        ("metrics.1loss", "metrics", "1loss"),
        ("metrics.`val loss`", "metrics", "val loss"),
        ('params."learning-rate"', "params", "learning-rate"),
        ('tags."mlflow.runName"', "tags", "mlflow.runName"),
        ("params.'single'", "params", "single"),
        ("attributes.`run name`", "attributes", "run name"),
        ("metrics.`a``b`", "metrics", "a`b"),
        ('metrics."X//Y#$$@&Z"', "metrics", "X//Y#$$@&Z"),
        ("`metrics`.x", "metrics", "x"),
        ("METRICS.Loss", "METRICS", "Loss"),
        ("metrics.précision", "metrics", "précision"),
    ],
)
def test_field_names_are_one_token_split_at_the_first_dot(text: str, prefix: str, key: str) -> None:
    token = only(text)
    assert (token.kind, token.prefix, token.value, token.text) == (Kind.NAME, prefix, key, text)


@pytest.mark.parametrize(("text", "key"), [("run_name", "run_name"), ("`Run Name`", "Run Name")])
def test_a_name_without_a_dot_has_no_prefix(text: str, key: str) -> None:
    token = only(text)
    assert (token.kind, token.prefix, token.value) == (Kind.NAME, None, key)


@pytest.mark.parametrize("word", ["and", "AND", "Or", "not", "like", "ILike", "in", "is", "null"])
def test_keywords_are_case_insensitive_and_upper_cased(word: str) -> None:
    assert kinds_and_values(word) == [(Kind.KEYWORD, word.upper())]


def test_a_backticked_keyword_is_a_name() -> None:
    assert kinds_and_values("`in`") == [(Kind.NAME, "in")]


def test_a_quote_after_entity_dot_is_a_key_elsewhere_a_string() -> None:
    assert kinds_and_values('params."a b" = "a b"') == [
        (Kind.NAME, "a b"),
        (Kind.OP, "="),
        (Kind.STRING, "a b"),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'abc'", "abc"),
        ('"abc"', "abc"),
        ("''", ""),
        ('""', ""),
        ("'it''s'", "it's"),
        (r"'it\'s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        (r'"say \"hi\""', 'say "hi"'),
        ('"L\'Hosp"', "L'Hosp"),
        ("'a \"b\"'", 'a "b"'),
        (r"'100\%'", r"100\%"),
        (r"'a\\'", r"a\\"),
        ("'two\nlines'", "two\nlines"),
        ("'AND OR ( ) , = metrics.x'", "AND OR ( ) , = metrics.x"),
    ],
)
def test_string_literals_unescape_only_their_own_quote(text: str, value: str) -> None:
    token = only(text)
    assert (token.kind, token.value, token.quote) == (Kind.STRING, value, text[0])


@pytest.mark.parametrize(
    "text", ["0", "1", "-1", "1.5", "-1e-3", "1E3", "2.5e+10", ".5", "1.", "-.5", "1664067852747"]
)
def test_numbers(text: str) -> None:
    assert kinds_and_values(text) == [(Kind.NUMBER, text)]


@pytest.mark.parametrize("op", ["=", "!=", "<>", "<", "<=", ">", ">="])
def test_operators_with_and_without_spaces(op: str) -> None:
    assert kinds_and_values(f"metrics.x{op}-1") == [
        (Kind.NAME, "x"),
        (Kind.OP, op),
        (Kind.NUMBER, "-1"),
    ]


def test_punctuation_and_whitespace() -> None:
    assert kinds_and_values(" (\t'a' ,\n'b')  ") == [
        (Kind.LPAREN, "("),
        (Kind.STRING, "a"),
        (Kind.COMMA, ","),
        (Kind.STRING, "b"),
        (Kind.RPAREN, ")"),
    ]


def test_positions_point_at_each_token_and_end_at_the_length() -> None:
    text = "metrics.x >= 1 AND tags.`a b` = 'c'"
    assert [token.pos for token in tokenize(text)] == [0, 10, 13, 15, 19, 30, 32, len(text)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("params.x = 'abc", "Unterminated ' quote (at position 11"),
        ('params.x = "abc', 'Unterminated " quote'),
        ("metrics.`abc = 1", "Unterminated ` quote"),
        ("params.'x = 'a'", "Unterminated ' quote (at position 14"),
        ("tags.mlflow.log-model.history = 'a'", "Unexpected character '-' after 'tags.mlflow.log'"),
        ("metrics.a/b > 1", "Unexpected character '/' after 'metrics.a'; quote keys with special"),
        ("metrics.x > 1and", "Invalid number '1and'"),
        ("metrics.x > 1.2.3", "Invalid number '1.2.3'"),
        ("metrics.x > 0x10", "Invalid number '0x10'"),
        ("metrics.x > 1e", "Invalid number '1e'"),
        ("metrics.x ~ 1", "Unexpected character '~'"),
        ("metrics.x > 1;", "Unexpected character ';'"),
        ("metrics . x > 1", "Unexpected character '.'"),
        ("metrics.", "Expected a key after 'metrics.'"),
        ("params.`` = 'a'", "Empty key after 'params.'"),
        ("tags.\"\" = 'a'", "Empty key after 'tags.'"),
    ],
)
def test_lexical_errors_name_the_offending_text(text: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match="^" + re.escape(message)) as error:
        tokenize(text)
    assert repr(text) in str(error.value)


def test_errors_in_long_filters_quote_only_the_neighbourhood() -> None:
    text = "params.x = 'a' AND " * 50 + "params.y ~ 'b'"
    with pytest.raises(SearchSyntaxError, match="Unexpected character '~'") as error:
        tokenize(text)
    message = str(error.value)
    assert f"at position {text.index('~')}" in message
    assert "params.y ~ 'b'" in message
    assert len(message) < 200


def test_large_in_lists_tokenize() -> None:
    values = ", ".join(f"'run-{i}'" for i in range(20_000))
    tokens = tokenize(f"attributes.run_id IN ({values})")
    assert len(tokens) == 2 + 1 + 2 * 20_000 + 1


@pytest.mark.parametrize("quote", ["'", '"', "`"])
@pytest.mark.parametrize("body", ["a", "a''", 'a""', "a``", "a\\\\", "a\\'"])
def test_an_unterminated_quote_fails_in_linear_time(quote: str, body: str) -> None:
    # A nested quantifier such as ('(?:[^']+|'')*') backtracks exponentially here: 25 characters took seconds.
    text = "params.x = " + quote + body * 50_000
    started = time.perf_counter()
    with pytest.raises(SearchSyntaxError, match=r"^Unterminated"):
        tokenize(text)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "metrics.x > " + "1" * 100_000 + "a",
        "tags." + "a." * 50_000 + "-",
        "a" * 100_000 + ".x = 'b'",
        "metrics.`" + "k" * 100_000 + "` ~ 1",
        "(" * 50_000,
    ],
)
def test_errors_about_huge_tokens_stay_short(text: str) -> None:
    with pytest.raises(SearchSyntaxError) as error:
        parse_run_filter(text)
    assert len(str(error.value)) < 400
