"""Read-through caching of what members read often (their wallet, their tier summary) and
of the program description.

Every member has a generation number. A cached value is stored with the generation that
was current before it was loaded, and is served only while that generation is still
current. After the commit of any change to a member, the after-commit hook bumps the
member's generation (`loyalty.changes.after_commit`), before the change's response is
returned: a member always reads their own writes, and a value loaded while a change was
committing is never served after it. Entries also expire after CACHE_TTL_SECONDS.

With REDIS_URL the cache lives in Redis and is shared by every process (one hash per
member holding the generation and the values); otherwise it lives in the process, as a
least-recently-used map of at most CACHE_MAX_ENTRIES entries.

Changes committed by other processes reach a cache too (docs/caching.md):
- on PostgreSQL, through the change feed (`loyalty.change_feed`), which has caught up with
  every change committed before a read when a value is served (`caught_up`): the in-process
  cache drops what it hears of, and serves nothing while the feed is down; the Redis cache marks the
  members it hears of as changed and serves them from the database until it has bumped
  their generation itself, so an invalidation that failed in the process that made the
  change (Redis refusing writes, timing out, down) is made good by every other one;
- on SQLite, through `PRAGMA data_version` (`loyalty.sqlite_changes`), checked before
  serving: after another process's commit the in-process cache is emptied and the Redis
  one trusts nothing until it has started a new epoch.
A Redis cache also trusts nothing it did not see invalidated: it starts a new epoch (which
outdates every stored value) before serving for the first time and after its feed comes
back, and members whose invalidation failed are read from the database until a retry
succeeds. Reads that Redis does not answer within REDIS_TIMEOUT_SECONDS go to the database.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from loyalty import metrics
from loyalty.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# A change to more members than this (a job's batch) outdates the whole cache in one step (a
# new epoch in Redis, an emptied map in the process) instead of one invalidation per member.
BULK_MEMBERS = 1000


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a value is written to a shared cache (JSON-compatible data and back)."""

    dump: Callable[[T], Any]
    load: Callable[[Any], T]


class Cache(Protocol):
    shared: bool
    caught_up: Callable[[], Awaitable[bool]] | None  # whether every committed change was heard

    async def get(self, kind: str, member_id: int) -> tuple[Any, Any | None]:
        """(the member's generation, the value cached for it or None). A generation of None
        means that nothing loaded now may be stored."""

    async def put(self, kind: str, member_id: int, generation: Any, value: Any) -> None: ...

    async def invalidate(self, member_ids: Iterable[int]) -> None: ...

    async def hook(self, member_ids: frozenset[int]) -> None:
        """After the commit of this process's change to these members."""

    def heard(self, member_ids: frozenset[int]) -> None:
        """Another process changed these members."""

    def feed_lost(self) -> None: ...

    def feed_resumed(self) -> None: ...

    async def close(self) -> None: ...


class MemoryCache:
    """In the process: an LRU map of (kind, member) to (generation, expiry, value).

    `guard`, when given, is asked before every read whether the database may have been
    changed by another process since it was last asked; if so the map is emptied."""

    shared = False

    def __init__(self, ttl_seconds: float, max_entries: int,
                 guard: Callable[[], Awaitable[bool]] | None = None, needs_feed: bool = False):
        self._ttl = ttl_seconds
        self._max = max_entries
        self._guard = guard
        self.caught_up: Callable[[], Awaitable[bool]] | None = None  # set by the change feed
        self._entries: OrderedDict[tuple[str, int], tuple[int, float, Any]] = OrderedDict()
        self._generations: dict[int, int] = {}
        self._next = 1
        self._floor = 0  # the generation of members not in the map
        self._serving = not needs_feed

    def _generation(self, member_id: int) -> int:
        return self._generations.get(member_id, self._floor)

    async def get(self, kind: str, member_id: int) -> tuple[int | None, Any | None]:
        if self._guard is not None:
            try:
                if await self._guard():
                    self.clear()
            except Exception:  # noqa: BLE001 - cannot tell: serve nothing that may be stale
                self.clear()
                return None, None
        if not self._serving:
            return None, None
        generation = self._generation(member_id)
        entry = self._entries.get((kind, member_id))
        if entry is None:
            return generation, None
        stored, expires, value = entry
        if stored != generation or expires <= time.monotonic():
            del self._entries[(kind, member_id)]
            return generation, None
        if self.caught_up is not None and not await self.caught_up():
            return None, None  # changes committed before this read may not have been heard yet
        if self._generation(member_id) != generation or not self._serving:
            return None, None  # heard of a change meanwhile
        self._entries.move_to_end((kind, member_id))
        return generation, value

    async def put(self, kind: str, member_id: int, generation: int | None, value: Any) -> None:
        if not self._serving or generation != self._generation(member_id):
            return  # changed while loading (or possibly changed unheard): this value may be stale
        self._entries[(kind, member_id)] = (generation, time.monotonic() + self._ttl, value)
        self._entries.move_to_end((kind, member_id))
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forgets everything; values loaded before are not stored after."""
        self._generations.clear()
        self._entries.clear()
        self._floor = self._next
        self._next += 1

    def _invalidate(self, member_ids: Iterable[int]) -> None:
        ids = member_ids if isinstance(member_ids, (set, frozenset, dict, list, tuple)) else list(member_ids)
        if len(ids) > BULK_MEMBERS:  # a job's batch: one step for all
            self.clear()
            return
        # Generations come from one counter, so a number is never given to a member twice
        # even after the map of generations is cleared to bound its size: members left out
        # of the map then hold a generation above every one given before (a value loaded
        # before the clear is never stored after it).
        if len(self._generations) > 4 * self._max:
            self.clear()
        for member_id in ids:
            self._generations[member_id] = self._next
            self._next += 1

    async def invalidate(self, member_ids: Iterable[int]) -> None:
        self._invalidate(member_ids)

    async def hook(self, member_ids: frozenset[int]) -> None:
        self._invalidate(member_ids)

    # What the change feed hears (other processes' changes).

    def heard(self, member_ids: frozenset[int]) -> None:
        self._invalidate(member_ids)

    def feed_lost(self) -> None:
        self._serving = False
        self.clear()

    def feed_resumed(self) -> None:
        self.clear()
        self._serving = True

    async def close(self) -> None:
        return None


REDIS_TIMEOUT_SECONDS = 0.5
_RETRY_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.0)
_MAX_CHANGED = 100_000  # members heard of but not yet invalidated, before the whole cache is outdated


# For each member's hash (KEYS): the generation bumped, the stored values of every kind dropped
# (ARGV[2:]) and the time to live (ARGV[1]) set again; what a pipeline of HINCRBY, HDEL and
# EXPIRE per member does, in one command.
_INVALIDATE = """
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'gen', 1)
  redis.call('HDEL', key, unpack(ARGV, 2))
  redis.call('EXPIRE', key, ARGV[1])
end
return #KEYS
"""


class RedisCache:
    """In Redis: a hash per member, `<REDIS_PREFIX>:cache:<member>`, with the field `gen` and one field per
    kind holding `<epoch>.<generation>|<JSON>`, and the key `<REDIS_PREFIX>:cache:epoch`; read in one round
    trip (GET and HMGET in a pipeline). A value is served while both numbers are current.

    The process serves a member from Redis only when it trusts what Redis holds for them:
    it has started an epoch since it began to trust (at start, after `distrust`), its feed is
    up (when it `needs_feed`), and no change to the member it knows of is waiting for its
    invalidation to succeed."""

    shared = True

    def __init__(self, redis: Any, ttl_seconds: int, prefix: str | None = None,
                 guard: Callable[[], Awaitable[bool]] | None = None, needs_feed: bool = False,
                 timeout_seconds: float = REDIS_TIMEOUT_SECONDS):
        self._redis = redis  # a loyalty.redis_client.DeploymentRedis
        self._ttl = ttl_seconds
        self._prefix = redis.key("cache:") if prefix is None else prefix
        self._guard = guard
        self._timeout = timeout_seconds
        self._feed_up = not needs_feed
        self._distrusted = 1  # counts the moments after which Redis may hold stale values
        self._trusted = 0  # the last of them followed by a new epoch
        self._new_epoch: asyncio.Task[None] | None = None
        self._changed: dict[int, int] = {}  # member -> when heard of, waiting for invalidation
        self._heard = 0
        self._wake = asyncio.Event()
        self._retrier: asyncio.Task[None] | None = None
        self.caught_up: Callable[[], Awaitable[bool]] | None = None  # set by the change feed
        self._invalidation = redis.register_script(_INVALIDATE)

    def _key(self, member_id: int) -> str:
        return f"{self._prefix}{member_id}"

    # Trust.

    def distrust(self) -> None:
        """Redis may hold stale values of anyone: serve none until a new epoch has begun."""
        self._distrusted += 1

    async def _trusting(self) -> bool:
        if self._guard is not None:
            try:
                if await self._guard():
                    self.distrust()
            except Exception:  # noqa: BLE001 - cannot tell: the database answers
                return False
        if not self._feed_up:
            return False
        if self._trusted == self._distrusted:
            return True
        if self._new_epoch is None or self._new_epoch.done():
            self._new_epoch = asyncio.create_task(self._begin_epoch(self._distrusted))
            self._new_epoch.add_done_callback(lambda t: t.cancelled() or t.exception())
        with contextlib.suppress(Exception):
            await asyncio.shield(self._new_epoch)
        return self._trusted == self._distrusted

    async def _begin_epoch(self, distrusted: int) -> None:
        async with asyncio.timeout(self._timeout):
            await self._redis.incr(f"{self._prefix}epoch")
        self._trusted = max(self._trusted, distrusted)

    # Reading and writing.

    async def get(self, kind: str, member_id: int) -> tuple[str | None, Any | None]:
        if not await self._trusting() or member_id in self._changed:
            return None, None
        async with asyncio.timeout(self._timeout):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(f"{self._prefix}epoch")
                pipe.hmget(self._key(member_id), ["gen", kind])
                raw_epoch, (raw_generation, raw) = await pipe.execute()
        token = f"{int(raw_epoch or 0)}.{int(raw_generation or 0)}"
        if member_id in self._changed:  # heard of a change while reading
            return None, None
        if raw is None:
            return token, None
        stored, _, body = raw.partition("|")
        if stored != token:
            return token, None
        if self.caught_up is not None and (not await self.caught_up() or member_id in self._changed):
            return None, None  # a change committed before this read, heard only now
        return token, json.loads(body)

    async def put(self, kind: str, member_id: int, generation: str | None, value: Any) -> None:
        if (generation is None or member_id in self._changed or not self._feed_up
                or self._trusted != self._distrusted):
            return
        key = self._key(member_id)
        async with asyncio.timeout(self._timeout):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, kind, f"{generation}|{json.dumps(value, separators=(',', ':'))}")
                pipe.expire(key, self._ttl)
                await pipe.execute()

    async def invalidate(self, member_ids: Iterable[int]) -> None:
        ids = list(member_ids)
        if not ids:
            return
        if len(ids) > BULK_MEMBERS:
            # A job's batch: one new epoch outdates every stored value, in one round trip.
            async with asyncio.timeout(self._timeout):
                await self._redis.incr(f"{self._prefix}epoch")
            return
        # One command for all of them (EVALSHA; the script is loaded on its first use).
        async with asyncio.timeout(self._timeout):
            await self._invalidation(keys=[self._key(member_id) for member_id in ids], args=[self._ttl, *_KINDS])

    async def hook(self, member_ids: frozenset[int]) -> None:
        """After this process's commit: invalidates at once; if that fails, the members are
        read from the database until a retry succeeds."""
        try:
            await self.invalidate(member_ids)
        except Exception as exc:  # noqa: BLE001 - the change is committed; retry in the background
            log.warning("cache invalidation of %d member(s) failed (%s); retrying",
                        len(member_ids), exc.__class__.__name__)
            self.heard(member_ids)

    # Changes heard of (other processes' through the feed, and this one's failed invalidations).

    def heard(self, member_ids: frozenset[int]) -> None:
        if len(member_ids) > BULK_MEMBERS or len(self._changed) + len(member_ids) > _MAX_CHANGED:
            self._changed.clear()
            self.distrust()
            return
        for member_id in member_ids:
            self._heard += 1
            self._changed[member_id] = self._heard
        self._wake.set()
        if self._retrier is None or self._retrier.done():
            self._retrier = asyncio.create_task(self._invalidate_heard(), name="cache-invalidations")

    async def _invalidate_heard(self) -> None:
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            waiting = dict(self._changed)
            if not waiting:
                continue
            try:
                await self.invalidate(waiting)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis is away: keep them, try again
                self._wake.set()
                await asyncio.sleep(_RETRY_SECONDS[min(attempt, len(_RETRY_SECONDS) - 1)])
                attempt += 1
                continue
            attempt = 0
            for member_id, heard in waiting.items():
                if self._changed.get(member_id) == heard:
                    del self._changed[member_id]

    def feed_lost(self) -> None:
        self._feed_up = False

    def feed_resumed(self) -> None:
        self.distrust()
        self._feed_up = True

    async def close(self) -> None:
        for task in (self._retrier, self._new_epoch):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=5)


# Kinds dropped on invalidation (they would be ignored anyway: their generation is old).
_KINDS: list[str] = ["wallet"]


def register_kind(kind: str) -> str:
    if kind not in _KINDS:
        _KINDS.append(kind)
    return kind


async def cached(
    cache: Cache | None, kind: str, member_id: int, loader: Callable[[], Awaitable[T]],
    codec: Codec[T] | None = None, fresh: Callable[[T], bool] | None = None,
) -> T:
    """The value of `kind` for the member: from the cache when it holds one for the
    member's current generation (and `fresh` accepts it, when given), otherwise from
    `loader()`, then cached. A cache that fails is read through (the database answers)."""
    if cache is None:
        return await loader()
    shared = getattr(cache, "shared", False)
    try:
        generation, value = await cache.get(kind, member_id)
    except Exception:  # noqa: BLE001 - an unreachable cache must not fail the read
        log.warning("cache read failed for %s of member %s", kind, member_id, exc_info=True)
        return await loader()
    if value is not None:
        found = codec.load(value) if shared and codec else value
        if fresh is None or fresh(found):
            metrics.cache_lookup(kind, True)
            return found
    metrics.cache_lookup(kind, False)
    loaded = await loader()
    try:
        await cache.put(kind, member_id, generation, codec.dump(loaded) if shared and codec else loaded)
    except Exception:  # noqa: BLE001
        log.warning("cache write failed for %s of member %s", kind, member_id, exc_info=True)
    return loaded


def build_cache(settings: Settings, redis: Any | None, *, needs_feed: bool = False,
                guard: Callable[[], Awaitable[bool]] | None = None) -> Cache | None:
    """The cache these settings ask for; None when CACHE_ENABLED is false. A cache that
    `needs_feed` serves only while a change feed is connected to it; `guard` tells it of
    other processes' commits (see the module's description)."""
    if not settings.cache_enabled:
        return None
    if redis is not None:
        return RedisCache(redis, settings.cache_ttl_seconds, guard=guard, needs_feed=needs_feed)
    return MemoryCache(settings.cache_ttl_seconds, settings.cache_max_entries, guard=guard, needs_feed=needs_feed)
