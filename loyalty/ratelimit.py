"""Fixed-window counters for rate limits: in the process, or in Redis when configured."""
from __future__ import annotations

import time
from typing import Protocol


class RateLimiter(Protocol):
    async def count(self, key: str, window_seconds: int) -> int: ...
    async def hit(self, key: str, window_seconds: int) -> int: ...


def _window(window_seconds: int) -> int:
    return int(time.time()) // window_seconds


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}

    async def count(self, key: str, window_seconds: int) -> int:
        return self._counts.get((key, _window(window_seconds)), 0)

    async def hit(self, key: str, window_seconds: int) -> int:
        window = _window(window_seconds)
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
        slot = (key, window)
        self._counts[slot] = self._counts.get(slot, 0) + 1
        return self._counts[slot]


class RedisRateLimiter:
    def __init__(self, redis) -> None:  # a redis.asyncio.Redis
        self._redis = redis

    @staticmethod
    def _key(key: str, window_seconds: int) -> str:
        return f"ratelimit:{key}:{_window(window_seconds)}"

    async def count(self, key: str, window_seconds: int) -> int:
        value = await self._redis.get(self._key(key, window_seconds))
        return int(value or 0)

    async def hit(self, key: str, window_seconds: int) -> int:
        name = self._key(key, window_seconds)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds * 2)
            value, _ = await pipe.execute()
        return int(value)
