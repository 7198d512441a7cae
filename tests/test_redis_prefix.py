"""Redis keys, streams and channels are named under the deployment's prefix (REDIS_PREFIX, by
default the database's name), so deployments sharing a Redis never meet."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError
from tortoise.transactions import in_transaction

from loyalty import events, outbox
from loyalty.cache import cached
from loyalty.live import LiveUpdates
from loyalty.redis_client import DeploymentRedis, connect
from loyalty.settings import Settings, database_name
from tests.conftest import requires_redis
from tests.support.notify import new_member
from workers import relay, stream
from workers.leadership import RedisLease


@pytest.mark.parametrize(("url", "name"), [
    ("sqlite://loyalty.sqlite3", "loyalty"),
    ("sqlite:///var/lib/loyalty/shop-eu.db", "shop-eu"),
    ("sqlite://:memory:", "memory"),
    ("postgres://loyalty@db.internal:5432/shop_eu", "shop_eu"),
    ("postgresql://u:secret@db/shop_us?sslmode=require", "shop_us"),
    ("postgres://db.internal/", "loyalty"),
])
def test_the_default_redis_prefix_is_the_databases_name(url: str, name: str) -> None:
    assert database_name(url) == name
    assert Settings(_env_file=None, DATABASE_URL=url).redis_namespace == name


def test_redis_prefix_overrides_the_database_name_and_blank_means_unset() -> None:
    settings = Settings(_env_file=None, DATABASE_URL="postgres://db/shop", REDIS_PREFIX="eu-1")
    assert settings.redis_namespace == "eu-1"
    assert Settings(_env_file=None, DATABASE_URL="postgres://db/shop", REDIS_PREFIX=" ").redis_namespace == "shop"


@pytest.mark.parametrize("prefix", ["a b", "shop*", "x" * 65, "eu:1"])
def test_a_redis_prefix_with_other_characters_is_refused(prefix: str) -> None:
    with pytest.raises(ValidationError, match="REDIS_PREFIX"):
        Settings(_env_file=None, REDIS_PREFIX=prefix)


@contextlib.asynccontextmanager
async def _deployment(settings: Settings, prefix: str) -> AsyncIterator[tuple[Settings, DeploymentRedis]]:
    own = settings.model_copy(update={"redis_prefix": prefix})
    redis = connect(own)
    try:
        yield own, redis
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def _foreign_keys(redis: DeploymentRedis) -> list[str]:
    return sorted([key async for key in redis.scan_iter(count=1000) if not key.startswith("loyalty-test-")])


@requires_redis
async def test_every_key_and_stream_the_platform_writes_is_under_the_prefix(clean_db: None, settings: Settings) -> None:
    prefix = f"{settings.redis_namespace}-shop"
    async with _deployment(settings, prefix) as (own, redis):
        from loyalty.cache import RedisCache
        from loyalty.ratelimit import RedisRateLimiter

        member = await new_member("ann@example.com")
        await RedisRateLimiter(redis).hit(60, "login:ann@example.com")
        cache = RedisCache(redis, 60)
        assert await cached(cache, "wallet", member.id, _load) == {"points": 3}
        await cache.close()
        async with in_transaction():
            await outbox.emit(events.POINTS_EARNED, member.id, {"points": 10, "pending": False, "order": "A-1"})
        await stream.ensure_group(redis)
        assert await relay.relay_once(redis) == 1
        await stream.heartbeat(redis, "w1", 60)
        lease = RedisLease(own, 60)
        assert await lease.acquire() is True
        ours = sorted([key async for key in redis.scan_iter(match=f"{prefix}:*")])
        window = next(key for key in ours if key.startswith(f"{prefix}:ratelimit:")).rsplit(":", 1)[1]
        assert ours == sorted([
            f"{prefix}:cache:{member.id}", f"{prefix}:cache:epoch", f"{prefix}:events", f"{prefix}:lease:loyalty-scheduler",
            f"{prefix}:ratelimit:login:ann@example.com:60:{window}", f"{prefix}:worker-alive:w1",
        ])
        await lease.release()
        assert await _foreign_keys(redis) == []


async def _load() -> dict[str, int]:
    return {"points": 3}


@requires_redis
async def test_two_deployments_on_one_redis_hear_only_their_own_live_updates(settings: Settings) -> None:
    # Other database numbers too: pub/sub channels are shared by every database of a server.
    other_db = settings.model_copy(update={"redis_url": settings.redis_url.rsplit("/", 1)[0] + "/0"})
    async with _deployment(settings, f"{settings.redis_namespace}-a") as (_, redis_a), \
            _deployment(other_db, f"{settings.redis_namespace}-b") as (_, redis_b):
        live_a, live_b = LiveUpdates(redis_a), LiveUpdates(redis_b)
        try:
            async with live_a.subscription(7) as heard_a, live_b.subscription(7) as heard_b:
                await live_a.publish({7})
                await asyncio.wait_for(heard_a.get(), timeout=5)
                await asyncio.sleep(0.3)
                assert heard_b.empty()
                await live_b.publish({7})
                await asyncio.wait_for(heard_b.get(), timeout=5)
                await asyncio.sleep(0.3)
                assert heard_a.empty()
        finally:
            await live_a.close()
            await live_b.close()


@requires_redis
async def test_two_deployments_on_one_redis_relay_to_streams_of_their_own(clean_db: None, settings: Settings) -> None:
    async with _deployment(settings, f"{settings.redis_namespace}-a") as (_, redis_a), \
            _deployment(settings, f"{settings.redis_namespace}-b") as (_, redis_b):
        member = await new_member("bo@example.com")
        async with in_transaction():
            await outbox.emit(events.POINTS_EARNED, member.id, {"points": 10, "pending": False, "order": "A-1"})
        await stream.ensure_group(redis_a)
        await stream.ensure_group(redis_b)
        assert await relay.relay_once(redis_a) == 1
        assert await redis_a.xlen(redis_a.key(relay.STREAM)) == 1
        assert await redis_b.xlen(redis_b.key(relay.STREAM)) == 0
        handled: list[str] = []

        async def handler(event_id: str, *_: object) -> None:
            handled.append(event_id)

        assert await stream.read(redis_b, "b1", handler, block_ms=10) == 0
        assert handled == []
