"""Keyset paging, the one way every list is paged: a page is the rows after the cursor's key in
a fixed order, so a cursor stays valid however many rows arrive or go before it (offsets shift).

A key is a tuple of plain values (a row id, or a reward's cost and code); what a client holds
is an opaque cursor made of it by the API.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.queryset import QuerySet

from loyalty.errors import LoyaltyError

MAX_PAGE = 100
DEFAULT_PAGE = 20

T = TypeVar("T")
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    keys: list[Key]  # each item's key, for its cursor
    has_next: bool


def page_size(first: int | None) -> int:
    """The page size asked for, or the default; refuses sizes outside 1 to MAX_PAGE."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 < first <= MAX_PAGE:
        raise LoyaltyError(f"first must be between 1 and {MAX_PAGE}.", field="first")
    return first


def after_id(after: Key | None) -> int | None:
    """The row id of an id key; refuses any other key."""
    if after is None:
        return None
    if len(after) != 1 or not isinstance(after[0], int) or isinstance(after[0], bool):
        raise LoyaltyError("The cursor is not valid.", field="after")
    return after[0]


async def newest_first(query: QuerySet[Any], first: int | None, after: Key | None) -> Page[Any]:
    """Rows of `query` by id, newest first, after the row whose key is `after`."""
    size, before_id = page_size(first), after_id(after)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(size + 1)
    return Page(rows[:size], [(row.id,) for row in rows[:size]], len(rows) > size)


def in_order(items: Sequence[T], key: Callable[[T], Key], first: int | None, after: Key | None) -> Page[T]:
    """Items of a list kept in memory (already sorted by `key`), after the key `after`."""
    size = page_size(first)
    if after is not None:
        sample = key(items[0]) if items else after
        if len(after) != len(sample) or any(type(a) is not type(b) for a, b in zip(after, sample)):
            raise LoyaltyError("The cursor is not valid.", field="after")
        items = [item for item in items if key(item) > after]
    page = list(items[:size])
    return Page(page, [key(item) for item in page], len(items) > size)
