"""Page tokens as MLflow writes them: base64 of a JSON object holding ``offset``, opaque to clients.

Runs and experiments use ``{"offset": N}``; logged-model searches also carry the search they
belong to, so a token cannot be replayed against another filter or order.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from keel.errors import InvalidParameter


def encode_search_token(fields: dict[str, Any]) -> str:
    return base64.b64encode(orjson.dumps(fields)).decode("ascii")


def encode_offset_token(offset: int) -> str:
    return encode_search_token({"offset": offset})


def _decode(token: str) -> tuple[dict[str, Any], int]:
    try:
        fields = orjson.loads(base64.b64decode(token, validate=True))
        offset = fields["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidParameter(
            f"Invalid page token, could not base64-decode or parse it: '{token}'"
        ) from None
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidParameter(f"Invalid page token, offset must be a non-negative integer: '{token}'")
    return fields, offset


def decode_offset_token(token: str | None) -> int:
    """The offset a token stands for; no token means the first page."""
    return _decode(token)[1] if token else 0


def next_page_token(offset: int, page_size: int, fetched: int) -> str | None:
    """The next page's token when more rows were fetched than fit on this page (the store fetches size+1)."""
    return encode_offset_token(offset + page_size) if fetched > page_size else None


def decode_search_token(token: str | None, expected: dict[str, Any]) -> int:
    """The offset a page token holds; it must come from a search of the same experiments, filter and order."""
    if not token:
        return 0
    fields, offset = _decode(token)
    for key, value in expected.items():
        if fields.get(key) != value:
            raise InvalidParameter(
                f"The page token was issued for another search: its {key} is {fields.get(key)!r}, "
                f"this request's is {value!r}"
            )
    return offset
