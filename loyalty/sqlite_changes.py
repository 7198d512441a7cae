"""Commits of other processes to a SQLite database, noticed through `PRAGMA data_version`.

The value read on one connection changes when, and only when, another connection has
committed a change since it was last read; this process has one connection (the ORM's), so
its own commits leave it as it is. Reading it costs no I/O beyond what SQLite does to begin a
read anyway. A `loyalty run-job` from a shell, or a second API process on the same file,
changes it; the cache asks before every read from it (`loyalty.cache`).
"""
from __future__ import annotations

from tortoise import connections


class DataVersion:
    def __init__(self) -> None:
        self._last: int | None = None

    async def read(self) -> int:
        _, rows = await connections.get("default").execute_query("PRAGMA data_version")
        return int(rows[0][0])

    async def changed(self) -> bool:
        """Whether another connection committed since the last call (false the first time)."""
        value = await self.read()
        changed = self._last is not None and value != self._last
        self._last = value
        return changed
