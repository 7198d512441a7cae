"""Cache coherence across processes: a member never reads a balance older than their last
committed change, whatever the number of API processes and whether or not Redis is
configured or answering. Real `loyalty serve` processes on PostgreSQL, each with its own
cache: a purchase recorded by one, the wallet read from the other right after."""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from loyalty.cache import RedisCache
from loyalty.members.models import Member
from loyalty.redis_client import connect
from loyalty.settings import Settings
from tests.conftest import requires_postgres, requires_redis
from tests.faults.private import REDIS_SERVER, redis_server
from tests.support.program import demo_at_base_rate
from tests.support.servers import running_servers
from tests.support.shop import Joined, Shop, iso, join

pytestmark = requires_postgres

WALLET = "query { me { wallet { points pendingPoints lifetimePoints } } }"
READS = 20


async def points(http: httpx.AsyncClient, url: str, member: Joined) -> int:
    response = await http.post(f"{url}/graphql", json={"query": WALLET},
                               headers={"Authorization": f"Bearer {member.token}"})
    return response.json()["data"]["me"]["wallet"]["points"]


def serving(settings: Settings, tmp_path: Path, **update: object) -> Settings:
    """Settings for the servers: the program the tests use (the demo at the base rate) as
    their program file, so that they do not apply another."""
    path = tmp_path / "program.toml"
    path.write_text(demo_at_base_rate(), encoding="utf-8")
    return settings.model_copy(update={"program_file": path, **update})


def posted_purchase(order_id: str) -> dict:
    # Made 15 days ago: past the demo's 14-day return window, so its points post at once.
    return {"orderId": order_id, "occurredAt": iso(datetime.now(timezone.utc) - timedelta(days=15))}


async def purchases_then_reads_on_the_other_process(settings: Settings, client: httpx.AsyncClient,
                                                    tmp_path: Path) -> None:
    ann = await join(client, "ann@example.com")
    with running_servers(settings, 2, log_dir=tmp_path) as (writer, reader):
        async with httpx.AsyncClient(timeout=10) as http:
            shop = Shop(httpx.AsyncClient(base_url=writer.url, timeout=10), (await Shop.open(client)).key)
            assert await points(http, reader.url, ann) == 100  # now cached by the reader
            assert await points(http, reader.url, ann) == 100
            for purchase in (1, 2, 3):
                payload = await shop.purchase(ann, **posted_purchase(f"order-{purchase}"))
                assert payload["errors"] == []
                assert payload["purchase"]["pointsAwarded"] == 100
                read = [await points(http, reader.url, ann) for _ in range(READS)]
                assert read == [100 + 100 * purchase] * READS
            await shop.client.aclose()


async def test_two_processes_without_redis_every_read_after_a_purchase_on_the_other_is_fresh(
    runtime, client, tmp_path,
) -> None:
    without_redis = serving(runtime.settings, tmp_path, redis_url=None)
    await purchases_then_reads_on_the_other_process(without_redis, client, tmp_path)


@requires_redis
async def test_two_processes_with_redis_every_read_after_a_purchase_on_the_other_is_fresh(
    runtime, client, tmp_path,
) -> None:
    await purchases_then_reads_on_the_other_process(serving(runtime.settings, tmp_path), client, tmp_path)


@contextlib.asynccontextmanager
async def private_redis(tmp_path: Path) -> AsyncIterator[str]:
    """A redis-server of the test's own, on a free port: the test may pause it."""
    if REDIS_SERVER is None:
        pytest.skip("needs the redis-server program")
    with redis_server(tmp_path / "redis") as server:
        yield server.url


async def refuse_writes(redis: Redis) -> None:
    """Redis answers reads but refuses every write (as when it has lost its replicas)."""
    await redis.config_set("min-replicas-to-write", 1)


async def accept_writes(redis: Redis) -> None:
    await redis.config_set("min-replicas-to-write", 0)


async def pause_writes(redis: Redis) -> None:
    """Redis answers reads; writes wait (CLIENT PAUSE ... WRITE), longer than the test."""
    await redis.execute_command("CLIENT", "PAUSE", 60_000, "WRITE")


async def unpause(redis: Redis) -> None:
    await redis.execute_command("CLIENT", "UNPAUSE")


@pytest.mark.parametrize("fault", ["refusing writes", "paused"])
async def test_a_change_made_while_redis_fails_to_invalidate_is_read_fresh_by_every_process(
    runtime, client, tmp_path, fault,
) -> None:
    start_fault, end_fault = {"refusing writes": (refuse_writes, accept_writes), "paused": (pause_writes, unpause)}[fault]
    ann = await join(client, "ann@example.com")
    async with private_redis(tmp_path) as url:
        settings = serving(runtime.settings, tmp_path, redis_url=url)
        redis = connect(settings)  # with the servers' prefix
        key = RedisCache(redis, 1)._key((await Member.get(email="ann@example.com")).id)
        with running_servers(settings, 2, log_dir=tmp_path) as (writer, reader):
            async with httpx.AsyncClient(timeout=10) as http, \
                    httpx.AsyncClient(base_url=writer.url, timeout=10) as shop_http:
                shop = Shop(shop_http, (await Shop.open(client)).key)
                assert await points(http, reader.url, ann) == 100
                assert await points(http, writer.url, ann) == 100
                cached_before = await redis.hgetall(key)
                assert json.loads(cached_before["wallet"].partition("|")[2])["points"] == 100

                await start_fault(redis)
                try:
                    started = time.monotonic()
                    payload = await shop.purchase(ann, **posted_purchase("order-1"))
                    assert payload["errors"] == []
                    assert payload["purchase"]["pointsAwarded"] == 100
                    assert time.monotonic() - started < 5  # the change does not wait for Redis
                    # The invalidation failed: Redis still holds the old wallet, as current.
                    assert await redis.hgetall(key) == cached_before

                    read = [await points(http, server.url, ann) for server in (reader, writer) for _ in range(READS)]
                    assert read == [200] * (2 * READS)
                    assert await redis.hgetall(key) == cached_before
                finally:
                    await end_fault(redis)

                # Once Redis takes writes again, the invalidations are retried and the cache serves again.
                deadline = time.monotonic() + 10
                while (await redis.hget(key, "gen")) == cached_before.get("gen"):
                    assert time.monotonic() < deadline, "the failed invalidation was not retried"
                    await asyncio.sleep(0.05)
                assert [await points(http, reader.url, ann) for _ in range(READS)] == [200] * READS
                while (stored := await redis.hget(key, "wallet")) is None:  # until the reader stores it again
                    assert time.monotonic() < deadline, "the cache did not serve again"
                    assert await points(http, reader.url, ann) == 200
                    await asyncio.sleep(0.05)
                assert json.loads(stored.partition("|")[2])["points"] == 200
        await redis.aclose()


@pytest.mark.parametrize("with_redis", [False, True])
async def test_a_job_run_from_a_shell_is_read_fresh_by_both_api_processes(
    runtime, client, tmp_path, with_redis,
) -> None:
    if with_redis and runtime.settings.redis_url is None:
        pytest.skip("needs Redis (set REDIS_URL)")
    from loyalty import clock
    from tests.support.servers import run_command

    settings = serving(runtime.settings, tmp_path, **({} if with_redis else {"redis_url": None}))
    ann = await join(client, "ann@example.com")
    shop = await Shop.open(client)
    assert (await shop.purchase(ann, orderId="order-1"))["errors"] == []  # pending for 14 days
    later = clock.now() + timedelta(days=15)
    with running_servers(settings, 2, log_dir=tmp_path) as servers:
        async with httpx.AsyncClient(timeout=10) as http:
            assert [await points(http, s.url, ann) for s in servers] == [100, 100]
            done = run_command(settings, "run-job", "activate-pending", "--now", later.isoformat())
            assert done.returncode == 0, done.stderr
            assert [await points(http, s.url, ann) for s in servers for _ in range(READS)] == [200] * (2 * READS)
