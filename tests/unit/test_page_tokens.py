import base64

import orjson
import pytest

from keel.errors import InvalidParameter
from keel.store.pagination import decode_offset_token, encode_offset_token, next_page_token


def test_token_is_mlflows_base64_json_offset():
    token = encode_offset_token(250)
    assert orjson.loads(base64.b64decode(token)) == {"offset": 250}
    assert decode_offset_token(token) == 250


def test_no_token_means_first_page():
    assert decode_offset_token(None) == 0
    assert decode_offset_token("") == 0


def test_next_token_only_when_more_rows_were_fetched():
    assert next_page_token(offset=0, page_size=10, fetched=11) == encode_offset_token(10)
    assert next_page_token(offset=10, page_size=10, fetched=10) is None


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b'{"other": 1}').decode(),
        base64.b64encode(b'{"offset": -1}').decode(),
        base64.b64encode(b'{"offset": "3"}').decode(),
        base64.b64encode(b"[1, 2]").decode(),
    ],
)
def test_bad_tokens_are_invalid_parameters(token):
    with pytest.raises(InvalidParameter, match="Invalid page token"):
        decode_offset_token(token)
