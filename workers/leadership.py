"""Only one scheduler acts at a time: the one holding the leadership.

- PostgreSQL: a session-level advisory lock on a connection of its own. The database frees
  it the moment the holder's connection ends (the process died or lost the network).
- Redis (with an SQLite database): a lease, a key that the holder renews; another process
  takes over once the key has expired.
- SQLite alone: an exclusive lock on a file in DATA_DIR (processes on one machine).
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import secrets
import zlib
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from loyalty.settings import Settings

log = logging.getLogger(__name__)

LOCK_NAME = "loyalty-scheduler"
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())  # a fixed bigint for pg_try_advisory_lock


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Takes the leadership if free; True while this process holds it."""

    async def held(self) -> bool:
        """Whether this process still holds it (renews a lease)."""

    async def release(self) -> None: ...


class AdvisoryLock:
    def __init__(self, database_url: str, connect_timeout_seconds: float = 5.0):
        parts = urlsplit(database_url)
        self._dsn = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self._timeout = connect_timeout_seconds
        self._conn = None

    async def acquire(self) -> bool:
        import asyncpg

        if self._conn is not None:
            return await self.held()
        conn = await asyncpg.connect(self._dsn, timeout=self._timeout)
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", ADVISORY_KEY):
            self._conn = conn
            return True
        await conn.close()
        return False

    async def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=10)
            return True
        except Exception:  # noqa: BLE001 - a lost connection has lost the lock with it
            log.warning("the scheduler lock's connection was lost")
            await self._drop()
            return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.fetchval("SELECT pg_advisory_unlock($1)", ADVISORY_KEY)
        await self._drop()


# Renews the lease only while it is still ours.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLease:
    """Renewed in the background every third of its length, also while a job runs."""

    def __init__(self, settings: Settings, seconds: int):
        from loyalty.redis_client import connect

        self._redis = connect(settings)
        self._key = self._redis.key(f"lease:{LOCK_NAME}")
        self._token = secrets.token_hex(16)
        self._ms = seconds * 1000
        self._holding = False
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self) -> bool:
        if self._holding:
            return await self.held()
        self._holding = bool(await self._redis.set(self._key, self._token, nx=True, px=self._ms))
        if self._holding:
            self._renewer = asyncio.create_task(self._renew_until_lost())
        return self._holding

    async def _renew(self) -> bool:
        try:
            return bool(await self._redis.eval(_RENEW, 1, self._key, self._token, self._ms))
        except Exception:  # noqa: BLE001 - unreachable Redis: the lease may lapse, act no more
            log.warning("the scheduler lease could not be renewed")
            return False

    async def _renew_until_lost(self) -> None:
        while self._holding:
            await asyncio.sleep(self._ms / 3000)
            if not await self._renew():
                self._holding = False

    async def held(self) -> bool:
        if self._holding and not await self._renew():
            self._holding = False
        return self._holding

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        with contextlib.suppress(Exception):
            if self._holding:
                await self._redis.eval(_RELEASE, 1, self._key, self._token)
        self._holding = False
        await self._redis.aclose()


class FileLock:
    def __init__(self, path: Path):
        self._path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leadership_for(settings: Settings) -> Leadership:
    if settings.database_url.startswith(("postgres://", "postgresql://")):
        return AdvisoryLock(settings.database_url, settings.database_connect_timeout_seconds)
    if settings.redis_url:
        return RedisLease(settings, settings.scheduler_lease_seconds)
    return FileLock(Path(settings.data_dir) / "scheduler.lock")
