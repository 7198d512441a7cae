"""Relay connections, built one way from a `loyalty.paging.Page`; cursors are opaque to clients."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from loyalty.errors import LoyaltyError
from loyalty.paging import Key, Page
from schema.relay import PageInfo, decode_cursor, encode_cursor


def after_key(after: str | None) -> Key | None:
    """The key inside a cursor the API gave out; refuses anything else."""
    if after is None:
        return None
    values = decode_cursor(after)
    if not values:
        raise LoyaltyError("The cursor is not valid.", field="after")
    return tuple(values)


class Connection:
    """Base of every connection type: `edge` is its edge type (with `cursor` and `node`)."""

    edge: ClassVar[type]

    @classmethod
    def build(cls, page: Page[Any], node: Callable[[Any], Any], after: str | None) -> Any:
        edges = [cls.edge(cursor=encode_cursor(list(key)), node=node(item)) for item, key in zip(page.items, page.keys)]
        return cls(edges=edges, page_info=PageInfo(  # type: ignore[call-arg]
            has_next_page=page.has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
        ))
