"""Fixed-window counters for rate limits: in the process, or in Redis when configured.

An attempt is counted before it is tried (`hit`), so that parallel attempts cannot all pass
a check made before any of them is counted; an attempt that turns out not to count (a
successful log-in) is given back with `release`, in the same window it was taken from.
One attempt counts against several keys at once (the email and the address), atomically,
so that parallel attempts are ordered the same way on every key.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Slot:
    name: str
    count: int


class RateLimiter(Protocol):
    async def hit(self, window_seconds: int, *keys: str) -> list[Slot]: ...
    async def release(self, slot: Slot) -> None: ...


def _slot_name(key: str, window_seconds: int) -> str:
    return f"ratelimit:{key}:{window_seconds}:{int(time.time()) // window_seconds}"


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    async def hit(self, window_seconds: int, *keys: str) -> list[Slot]:
        now = time.time()
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        slots = []
        for key in keys:
            name = _slot_name(key, window_seconds)
            count = self._counts.get(name, (0, 0.0))[0] + 1
            self._counts[name] = (count, now + window_seconds)
            slots.append(Slot(name, count))
        return slots

    async def release(self, slot: Slot) -> None:
        count, expires = self._counts.get(slot.name, (0, 0.0))
        if count > 0:
            self._counts[slot.name] = (count - 1, expires)


_RELEASE = "local v = tonumber(redis.call('GET', KEYS[1]) or '0') if v > 0 then return redis.call('DECR', KEYS[1]) end return 0"


class RedisRateLimiter:
    def __init__(self, redis) -> None:  # a loyalty.redis_client.DeploymentRedis
        self._redis = redis

    async def hit(self, window_seconds: int, *keys: str) -> list[Slot]:
        names = [self._redis.key(_slot_name(key, window_seconds)) for key in keys]
        async with self._redis.pipeline(transaction=True) as pipe:
            for name in names:
                pipe.incr(name)
                pipe.expire(name, window_seconds * 2)
            values = await pipe.execute()
        return [Slot(name, int(value)) for name, value in zip(names, values[::2])]

    async def release(self, slot: Slot) -> None:
        await self._redis.eval(_RELEASE, 1, slot.name)
