"""Fixed-window counters and timed flags for rate limits: in the process, or in Redis when
configured, with the process as the fallback while Redis cannot be reached.

An attempt is counted before it is tried (`hit`), so that parallel attempts cannot all pass
a check made before any of them is counted; an attempt that turns out not to count (a
successful log-in) is given back with `release`, in the same window it was taken from, and
`reset` forgets a count. One attempt counts against several keys at once (the email and the
address), atomically, so that parallel attempts are ordered the same way on every key.

A flag is a key that lives for some seconds: `acquire` sets it only when it is not set (one
caller of many parallel ones gets it: a delay between attempts), `mark` sets it whatever it
was (an address a member signed in from), `marked` tells whether it is set, `unmark` clears it.

Redis unreachable (refused, reset, timed out) is not a reason to refuse a sign-in: each call
falls back to the process's own counters and says so in the log, until Redis answers again.
Limits then hold per process, as without Redis.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from redis.exceptions import RedisError

if TYPE_CHECKING:
    from loyalty.redis_client import DeploymentRedis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Slot:
    name: str
    count: int
    local: bool = False  # counted in the process (no Redis, or Redis was unreachable)


class RateLimiter(Protocol):
    async def hit(self, window_seconds: int, *keys: str) -> list[Slot]: ...
    async def release(self, slot: Slot) -> None: ...
    async def reset(self, slot: Slot) -> None: ...
    async def acquire(self, key: str, seconds: float) -> bool: ...
    async def mark(self, key: str, seconds: float) -> None: ...
    async def marked(self, key: str) -> bool: ...
    async def unmark(self, key: str) -> None: ...


def _slot_name(key: str, window_seconds: int) -> str:
    return f"ratelimit:{key}:{window_seconds}:{int(time.time()) // window_seconds}"


def _flag_name(key: str) -> str:
    return f"ratelimit:flag:{key}"


class MemoryRateLimiter:
    MAX_ENTRIES = 100_000

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._flags: dict[str, float] = {}

    def _prune(self, now: float) -> None:
        if len(self._counts) > self.MAX_ENTRIES:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        if len(self._flags) > self.MAX_ENTRIES:
            self._flags = {k: v for k, v in self._flags.items() if v > now}

    async def hit(self, window_seconds: int, *keys: str) -> list[Slot]:
        now = time.time()
        self._prune(now)
        slots = []
        for key in keys:
            name = _slot_name(key, window_seconds)
            count = self._counts.get(name, (0, 0.0))[0] + 1
            self._counts[name] = (count, now + window_seconds)
            slots.append(Slot(name, count, local=True))
        return slots

    async def release(self, slot: Slot) -> None:
        count, expires = self._counts.get(slot.name, (0, 0.0))
        if count > 0:
            self._counts[slot.name] = (count - 1, expires)

    async def reset(self, slot: Slot) -> None:
        self._counts.pop(slot.name, None)

    async def acquire(self, key: str, seconds: float) -> bool:
        now = time.time()
        self._prune(now)
        name = _flag_name(key)
        if self._flags.get(name, 0.0) > now:
            return False
        self._flags[name] = now + seconds
        return True

    async def mark(self, key: str, seconds: float) -> None:
        now = time.time()
        self._prune(now)
        self._flags[_flag_name(key)] = now + seconds

    async def marked(self, key: str) -> bool:
        return self._flags.get(_flag_name(key), 0.0) > time.time()

    async def unmark(self, key: str) -> None:
        self._flags.pop(_flag_name(key), None)


_RELEASE = "local v = tonumber(redis.call('GET', KEYS[1]) or '0') if v > 0 then return redis.call('DECR', KEYS[1]) end return 0"
_UNREACHABLE = (RedisError, OSError)


class RedisRateLimiter:
    """Counts in Redis, shared by every process; in the process while Redis is unreachable."""

    def __init__(self, redis: DeploymentRedis) -> None:
        self._redis = redis
        self._fallback = MemoryRateLimiter()
        self._falling_back = False

    def _unreachable(self, exc: BaseException) -> None:
        if not self._falling_back:
            log.warning("Redis is unreachable for rate limits (%s): counting in this process until it answers",
                        type(exc).__name__)
        self._falling_back = True

    def _reachable(self) -> None:
        if self._falling_back:
            log.info("Redis answers again: rate limits are counted there")
        self._falling_back = False

    async def hit(self, window_seconds: int, *keys: str) -> list[Slot]:
        names = [self._redis.key(_slot_name(key, window_seconds)) for key in keys]
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for name in names:
                    pipe.incr(name)
                    pipe.expire(name, window_seconds * 2)
                values = await pipe.execute()
        except _UNREACHABLE as exc:
            self._unreachable(exc)
            return await self._fallback.hit(window_seconds, *keys)
        self._reachable()
        return [Slot(name, int(value)) for name, value in zip(names, values[::2])]

    async def release(self, slot: Slot) -> None:
        if slot.local:
            return await self._fallback.release(slot)
        try:
            await self._redis.eval(_RELEASE, 1, slot.name)
        except _UNREACHABLE as exc:
            self._unreachable(exc)

    async def reset(self, slot: Slot) -> None:
        if slot.local:
            return await self._fallback.reset(slot)
        try:
            await self._redis.delete(slot.name)
        except _UNREACHABLE as exc:
            self._unreachable(exc)

    async def acquire(self, key: str, seconds: float) -> bool:
        try:
            taken = await self._redis.set(self._redis.key(_flag_name(key)), "1", nx=True, px=max(1, int(seconds * 1000)))
        except _UNREACHABLE as exc:
            self._unreachable(exc)
            return await self._fallback.acquire(key, seconds)
        self._reachable()
        return bool(taken)

    async def mark(self, key: str, seconds: float) -> None:
        await self._fallback.mark(key, seconds)  # also here: still known while Redis is away
        try:
            await self._redis.set(self._redis.key(_flag_name(key)), "1", px=max(1, int(seconds * 1000)))
        except _UNREACHABLE as exc:
            self._unreachable(exc)

    async def marked(self, key: str) -> bool:
        try:
            found = await self._redis.exists(self._redis.key(_flag_name(key)))
        except _UNREACHABLE as exc:
            self._unreachable(exc)
            return await self._fallback.marked(key)
        return bool(found) or await self._fallback.marked(key)

    async def unmark(self, key: str) -> None:
        await self._fallback.unmark(key)
        try:
            await self._redis.delete(self._redis.key(_flag_name(key)))
        except _UNREACHABLE as exc:
            self._unreachable(exc)
