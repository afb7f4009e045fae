"""PagedList: one page of results and the token for the next, as MLflow's search calls return."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class PagedList(list[T]):
    def __init__(self, items: list[T], token: str | None) -> None:
        super().__init__(items)
        self.token = token
