"""Global object ids, the Node interface, and keyset cursors."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

NodeResolver = Callable[[Any, str], Awaitable[Any]]
_resolvers: dict[str, NodeResolver] = {}


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str | None:
    if len(text) > 512:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def to_global_id(type_name: str, key: object) -> strawberry.ID:
    return strawberry.ID(_b64(f"{type_name}:{key}"))


def from_global_id(global_id: str, expected_type: str | None = None) -> tuple[str, str] | None:
    """(type name, key), or None when the id is malformed or of another type."""
    raw = _unb64(global_id)
    if raw is None or ":" not in raw:
        return None
    type_name, key = raw.split(":", 1)
    if not key or (expected_type is not None and type_name != expected_type):
        return None
    return type_name, key


MAX_ROW_ID = 2**63 - 1  # BIGINT


def int_key(key: str) -> int | None:
    """A row id written in a global id, or None: only ASCII digits without a leading zero, in
    the range of a BIGINT. (str.isdigit alone takes "²", which int() refuses, and "١", which
    int() reads as 1; a number past BIGINT makes the database raise.)"""
    if not (key.isascii() and key.isdigit()) or (len(key) > 1 and key[0] == "0"):
        return None
    value = int(key)
    return value if value <= MAX_ROW_ID else None


def register_node(type_name: str, resolver: NodeResolver) -> None:
    """resolver(info, key) returns the object, or None when it does not exist or the
    caller may not see it (the two look the same from outside)."""
    _resolvers[type_name] = resolver


async def resolve_node(info: Any, global_id: str) -> Any:
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] not in _resolvers:
        return None
    return await _resolvers[parsed[0]](info, parsed[1])


def encode_cursor(values: list[Any]) -> str:
    return _b64(json.dumps(values, separators=(",", ":")))


def decode_cursor(cursor: str) -> list[Any] | None:
    raw = _unb64(cursor)
    if raw is None:
        return None
    try:
        values = json.loads(raw)
    except ValueError:  # also a number of more than 4,300 digits
        return None
    if not isinstance(values, list) or not all(_in_bigint(v) for v in values):
        return None
    return values


def _in_bigint(value: Any) -> bool:
    """Cursor values go into SQL: a number past BIGINT would make the database raise."""
    if isinstance(value, bool):
        return False
    return not isinstance(value, int) or -MAX_ROW_ID - 1 <= value <= MAX_ROW_ID
