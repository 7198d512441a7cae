"""Member changes heard across processes, through PostgreSQL's LISTEN/NOTIFY.

Every transaction that changes members names them in a notification on the channel
`loyalty_members_changed`, sent inside the transaction (`announce`): PostgreSQL delivers it
to every listening session when, and only if, the transaction commits, whichever process
made the change (an API process, a worker, the scheduler, `loyalty run-job`).

Each serving process keeps one connection that listens (`ChangeFeed`) and hands what it
hears to its cache and its live subscribers. It skips its own notifications: its
after-commit hooks have acted on those already. While that connection is down the process
may miss changes, so the feed reports it (`lost`), and when it is back (`resumed`)
everything the process holds is to be taken as changed.

On SQLite nothing is sent; `loyalty.sqlite_changes` notices other processes' commits.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from loyalty import sql

log = logging.getLogger(__name__)

CHANNEL = "loyalty_members_changed"
_PAYLOAD_MAX = 7900  # PostgreSQL refuses payloads of 8000 bytes or more
# A change to more members than this is announced as one "everyone" payload (`<sender> *`):
# one notification for a job's batch instead of one per few hundred members, and every
# listener takes everything it holds as changed (`Listener.resumed`).
BULK_MEMBERS = 1000
EVERYONE = "*"
_PING_SECONDS = 2.0
_RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0)


_origin: tuple[int, str] | None = None


def origin() -> str:
    """Names this process in what it sends (made anew in a forked child)."""
    global _origin
    if _origin is None or _origin[0] != os.getpid():
        _origin = (os.getpid(), secrets.token_hex(6))
    return _origin[1]


def payloads(member_ids: Iterable[int], sender: str | None = None) -> list[str]:
    """`<sender> <id>,<id>,...`, split into payloads PostgreSQL accepts; `<sender> *` for
    more than BULK_MEMBERS members."""
    sender = sender or origin()
    member_ids = set(member_ids)
    if len(member_ids) > BULK_MEMBERS:
        return [f"{sender} {EVERYONE}"]
    found: list[str] = []
    current: list[str] = []
    size = 0
    for member_id in sorted(set(member_ids)):
        part = str(member_id)
        if current and size + len(part) + 1 > _PAYLOAD_MAX - len(sender) - 1:
            found.append(f"{sender} {','.join(current)}")
            current, size = [], 0
        current.append(part)
        size += len(part) + 1
    if current:
        found.append(f"{sender} {','.join(current)}")
    return found


def parse(payload: str) -> tuple[str, frozenset[int] | None]:
    """(the sender, the members named); None for everyone."""
    sender, _, rest = payload.partition(" ")
    if rest == EVERYONE:
        return sender, None
    return sender, frozenset(int(part) for part in rest.split(",") if part.isdigit())


async def announce(member_ids: Iterable[int]) -> None:
    """Inside the changing transaction: tells every listening process, at commit, that these
    members changed (PostgreSQL only)."""
    if not sql.is_postgres():
        return
    sent = payloads(member_ids)
    if sent:
        await sql.execute("SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p", CHANNEL, sent)


@dataclass
class Listener:
    """What a process does with what the feed hears."""

    changed: Callable[[frozenset[int]], None]
    lost: Callable[[], None]
    resumed: Callable[[], None]


def connect_like_the_pool() -> Callable[[], Awaitable[Any]]:
    """Opens connections with the settings of the database's own pool."""
    import asyncpg
    from tortoise import connections

    client = connections.get("default")

    async def connect() -> Any:
        extra = {k: v for k, v in client.extra.items() if k in ("ssl", "direct_tls")}
        return await asyncpg.connect(
            host=client.host, port=client.port, user=client.user, password=client.password,
            database=client.database, server_settings=client.server_settings or None, timeout=5, **extra,
        )

    return connect


class ChangeFeed:
    """One listening connection, for as long as the process runs; it reconnects after a lost
    connection and checks it every couple of seconds."""

    def __init__(self, connect: Callable[[], Awaitable[Any]], listeners: list[Listener]):
        self._connect = connect
        self._listeners = listeners
        self._task: asyncio.Task[None] | None = None
        self._up = asyncio.Event()
        self._closing = False
        self._connection: Any = None
        self._next_sync: asyncio.Future[bool] | None = None  # a round trip not yet started
        self._syncing = False
        self._sync_task: asyncio.Task[None] | None = None
        self.connected = False
        self.backend_pid: int | None = None  # of the listening session

    async def start(self, wait_seconds: float = 5.0) -> None:
        self._task = asyncio.create_task(self._run(), name="change-feed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_seconds):
                await self._up.wait()

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        sender, member_ids = parse(payload)
        if sender == origin():
            return
        if member_ids is None:
            self._each("resumed")  # everything held is to be taken as changed
            return
        for listener in self._listeners:
            try:
                listener.changed(member_ids)
            except Exception:  # noqa: BLE001 - one listener must not keep news from the others
                log.exception("a change listener failed")

    def _each(self, what: str) -> None:
        for listener in self._listeners:
            try:
                getattr(listener, what)()
            except Exception:  # noqa: BLE001
                log.exception("a change listener failed")

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            connection = None
            try:
                connection = await self._connect()
                closed = asyncio.Event()
                connection.add_termination_listener(lambda _c, closed=closed: closed.set())
                await connection.add_listener(CHANNEL, self._heard)
                self.backend_pid = connection.get_server_pid()
                self._connection = connection
                # Listening from here on: whatever changed before is taken as changed.
                self.connected = True
                attempt = 0
                self._each("resumed")
                self._up.set()
                while not closed.is_set() and not self._closing:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation.
                    try:
                        async with asyncio.timeout(_PING_SECONDS):
                            await closed.wait()
                    except TimeoutError:
                        async with asyncio.timeout(_PING_SECONDS):
                            if not await self.caught_up():
                                break
                log.warning("the change feed lost its connection; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database went away: listen again shortly
                log.warning("the change feed cannot listen (%s); reconnecting", exc.__class__.__name__)
            finally:
                self._connection = None
                if self.connected:
                    self.connected = False
                    self._each("lost")
                if connection is not None:
                    connection.terminate()
            await asyncio.sleep(_RETRY_SECONDS[min(attempt, len(_RETRY_SECONDS) - 1)])
            attempt += 1

    async def caught_up(self) -> bool:
        """Whether every change committed before this call has been heard: a round trip on
        the listening connection that starts after the call (PostgreSQL sends the
        notifications it holds for a session before it answers), shared by the callers
        waiting at the same time. False when the feed is down."""
        if not self.connected:
            return False
        if self._next_sync is None:
            self._next_sync = asyncio.get_running_loop().create_future()
            if not self._syncing:
                self._syncing = True
                self._sync_task = asyncio.get_running_loop().create_task(self._sync())
        return await asyncio.shield(self._next_sync)

    async def _sync(self) -> None:
        try:
            while self._next_sync is not None:
                done, self._next_sync = self._next_sync, None
                connection, ok = self._connection, False
                if connection is not None:
                    try:
                        async with asyncio.timeout(_PING_SECONDS):
                            await connection.fetchval("SELECT 1")
                        await asyncio.sleep(0)  # the listener callbacks queued before the answer run first
                        ok = True
                    except Exception:  # noqa: BLE001 - the feed is going down; its loop notices
                        ok = False
                if not done.done():
                    done.set_result(ok and self.connected)
        finally:
            self._syncing = False

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
            self._task = None
