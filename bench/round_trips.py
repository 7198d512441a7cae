"""Counting what a piece of code sends to PostgreSQL: a wrapper around asyncpg's connection
methods, for every connection of the process, while the block runs.

A statement is one Bind/Execute/Sync exchange (or one simple query); a prepare is the extra
exchange of a statement the connection has not prepared before (asyncpg then caches it). A
round trip is either. The pool's reset on release is a simple query, counted with the rest."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from asyncpg.connection import Connection


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    prepares: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + self.prepares


@contextlib.contextmanager
def counting() -> Iterator[Counted]:
    counted = Counted()
    execute, _execute, executemany, get_statement = (
        Connection.execute, Connection._execute, Connection._executemany, Connection._get_statement)

    async def counted_execute(self: Connection, query: str, *args: Any, timeout: float | None = None) -> Any:
        if not args:  # with arguments it goes through _execute, counted there
            counted.statements.append(query)
        return await execute(self, query, *args, timeout=timeout)

    async def counted__execute(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        counted.statements.append(query)
        return await _execute(self, query, *args, **kwargs)

    async def counted_executemany(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        counted.statements.append(query)
        return await executemany(self, query, *args, **kwargs)

    async def counted_get_statement(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        known = {id(entry._statement) for entry in self._stmt_cache._entries.values()}
        statement = await get_statement(self, query, *args, **kwargs)
        if id(statement) not in known:
            counted.prepares += 1
        return statement

    Connection.execute, Connection._execute = counted_execute, counted__execute
    Connection._executemany, Connection._get_statement = counted_executemany, counted_get_statement
    try:
        yield counted
    finally:
        Connection.execute, Connection._execute = execute, _execute
        Connection._executemany, Connection._get_statement = executemany, get_statement
