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
"""
from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from loyalty.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a value is written to a shared cache (JSON-compatible data and back)."""

    dump: Callable[[T], Any]
    load: Callable[[Any], T]


class Cache(Protocol):
    async def get(self, kind: str, member_id: int) -> tuple[int, Any | None]:
        """(the member's generation, the value cached for it or None)."""

    async def put(self, kind: str, member_id: int, generation: int, value: Any) -> None: ...

    async def invalidate(self, member_ids: Iterable[int]) -> None: ...

    async def hook(self, member_ids: frozenset[int]) -> None: ...


class MemoryCache:
    """In the process: an LRU map of (kind, member) to (generation, expiry, value)."""

    shared = False

    def __init__(self, ttl_seconds: float, max_entries: int):
        self._ttl = ttl_seconds
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, int], tuple[int, float, Any]] = OrderedDict()
        self._generations: dict[int, int] = {}
        self._next = 1
        self._floor = 0  # the generation of members not in the map

    def _generation(self, member_id: int) -> int:
        return self._generations.get(member_id, self._floor)

    async def get(self, kind: str, member_id: int) -> tuple[int, Any | None]:
        generation = self._generation(member_id)
        entry = self._entries.get((kind, member_id))
        if entry is None:
            return generation, None
        stored, expires, value = entry
        if stored != generation or expires <= time.monotonic():
            del self._entries[(kind, member_id)]
            return generation, None
        self._entries.move_to_end((kind, member_id))
        return generation, value

    async def put(self, kind: str, member_id: int, generation: int, value: Any) -> None:
        if generation != self._generation(member_id):
            return  # changed while loading: this value may be stale
        self._entries[(kind, member_id)] = (generation, time.monotonic() + self._ttl, value)
        self._entries.move_to_end((kind, member_id))
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def invalidate(self, member_ids: Iterable[int]) -> None:
        # Generations come from one counter, so a number is never given to a member twice
        # even after the map of generations is cleared to bound its size: members left out
        # of the map then hold a generation above every one given before (a value loaded
        # before the clear is never stored after it).
        if len(self._generations) > 4 * self._max:
            self._generations.clear()
            self._entries.clear()
            self._floor = self._next
            self._next += 1
        for member_id in member_ids:
            self._generations[member_id] = self._next
            self._next += 1

    async def hook(self, member_ids: frozenset[int]) -> None:
        await self.invalidate(member_ids)


class RedisCache:
    """In Redis: a hash per member, `<REDIS_PREFIX>:cache:<member>`, with the field `gen` and one field per
    kind holding `<generation>|<JSON>`; read in one round trip (HMGET)."""

    shared = True

    def __init__(self, redis: Any, ttl_seconds: int, prefix: str | None = None):
        self._redis = redis  # a loyalty.redis_client.DeploymentRedis
        self._ttl = ttl_seconds
        self._prefix = redis.key("cache:") if prefix is None else prefix

    def _key(self, member_id: int) -> str:
        return f"{self._prefix}{member_id}"

    async def get(self, kind: str, member_id: int) -> tuple[int, Any | None]:
        raw_generation, raw = await self._redis.hmget(self._key(member_id), ["gen", kind])
        generation = int(raw_generation or 0)
        if raw is None:
            return generation, None
        stored, _, body = raw.partition("|")
        if stored != str(generation):
            return generation, None
        return generation, json.loads(body)

    async def put(self, kind: str, member_id: int, generation: int, value: Any) -> None:
        key = self._key(member_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, kind, f"{generation}|{json.dumps(value, separators=(',', ':'))}")
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def invalidate(self, member_ids: Iterable[int]) -> None:
        ids = list(member_ids)
        if not ids:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for member_id in ids:
                pipe.hincrby(self._key(member_id), "gen", 1)
                pipe.hdel(self._key(member_id), *_KINDS)
                pipe.expire(self._key(member_id), self._ttl)
            await pipe.execute()

    async def hook(self, member_ids: frozenset[int]) -> None:
        await self.invalidate(member_ids)


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
            return found
    loaded = await loader()
    try:
        await cache.put(kind, member_id, generation, codec.dump(loaded) if shared and codec else loaded)
    except Exception:  # noqa: BLE001
        log.warning("cache write failed for %s of member %s", kind, member_id, exc_info=True)
    return loaded


def build_cache(settings: Settings, redis: Any | None) -> Cache | None:
    """The cache these settings ask for; None when CACHE_ENABLED is false."""
    if not settings.cache_enabled:
        return None
    if redis is not None:
        return RedisCache(redis, settings.cache_ttl_seconds)
    return MemoryCache(settings.cache_ttl_seconds, settings.cache_max_entries)
