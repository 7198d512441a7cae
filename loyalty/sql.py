"""Raw SQL in the current transaction, written once for PostgreSQL and SQLite.

Statements use `?` placeholders; on PostgreSQL they become $1, $2, ...
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

_PLACEHOLDER = re.compile(r"\?")


def _conn() -> BaseDBAsyncClient:
    conn: BaseDBAsyncClient = connections.get("default")
    return conn


def is_postgres() -> bool:
    return bool(_conn().capabilities.dialect == "postgres")


def _prepare(query: str) -> str:
    if not is_postgres():
        return query
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", query)


async def execute(query: str, *params: Any) -> int:
    """Runs a statement; returns the number of rows it changed."""
    rowcount, _ = await _conn().execute_query(_prepare(query), list(params))
    return int(rowcount)


async def fetch(query: str, *params: Any) -> list[dict[str, Any]]:
    return await _conn().execute_query_dict(_prepare(query), list(params))


async def fetch_one(query: str, *params: Any) -> dict[str, Any] | None:
    rows = await fetch(query, *params)
    return rows[0] if rows else None


async def fetch_aggregate(query: str, *params: Any) -> dict[str, Any]:
    """The one row of an aggregate query (`SELECT COUNT(*) ...`, `SELECT COALESCE(SUM(...), 0) ...`
    without GROUP BY), which always answers exactly one row."""
    rows = await fetch(query, *params)
    if len(rows) != 1:
        raise RuntimeError(f"an aggregate query answered {len(rows)} rows")
    return rows[0]


def marks(values: Sequence[Any]) -> str:
    """Placeholders for an IN list of `values`, passed as parameters: `IN ({marks(codes)})`."""
    return ", ".join("?" for _ in values)


def json_object(pairs: dict[str, str]) -> str:
    """A JSON object built by the database, each value an SQL expression: for a statement
    that writes a JSON column for any number of rows."""
    body = ", ".join(f"'{name}', {expression}" for name, expression in pairs.items())
    return f"json_build_object({body})::jsonb" if is_postgres() else f"json_object({body})"


def for_update() -> str:
    """Row locks on PostgreSQL; SQLite has one writer and serializes transactions anyway."""
    return " FOR UPDATE" if is_postgres() else ""
