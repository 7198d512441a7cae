"""Caching: wallets are served from the cache until a committed change to their member,
which every reader sees at once (a member reads their own writes); set-based jobs report the
members they touched; a value loaded while a change commits is never served after it."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from loyalty import changes, clock, sql
from loyalty.cache import MemoryCache, RedisCache, cached
from loyalty.ledger.activation import activate_pending
from loyalty.members.models import Member
from loyalty.runtime import build_runtime
from loyalty.wallet import _WALLET_CODEC, Expiry, Wallet, cached_wallet, get_wallet
from tests.conftest import make_settings
from tests.support import isolation
from tests.support.shop import Shop, join

WALLET = "query { me { wallet { points pendingPoints lifetimePoints } } }"


async def my_wallet(client: httpx.AsyncClient, token: str) -> tuple[int, int, int]:
    response = await client.post("/graphql", json={"query": WALLET}, headers={"Authorization": f"Bearer {token}"})
    wallet = response.json()["data"]["me"]["wallet"]
    return wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]


async def member_id(email: str) -> int:
    return (await Member.get(email=email)).id


async def set_points_behind_the_cache(member: int, points: int) -> None:
    """A change that reports no member: only the cache can explain reading the old value."""
    await sql.execute(
        "UPDATE ledger_accounts SET posted = ? WHERE member_id = ? AND kind = 'member' AND asset = 'POINTS'",
        points, member,
    )


async def test_the_wallet_is_served_from_the_cache_until_its_member_changes(runtime, client) -> None:
    ann = await join(client, "ann@example.com")
    ann_id = await member_id("ann@example.com")
    assert await my_wallet(client, ann.token) == (100, 0, 100)

    await set_points_behind_the_cache(ann_id, 7)
    assert await my_wallet(client, ann.token) == (100, 0, 100)

    await changes.committed({ann_id})
    assert await my_wallet(client, ann.token) == (7, 0, 100)


async def test_a_member_reads_their_own_writes(runtime, client) -> None:
    ann = await join(client, "ann@example.com")
    shop = await Shop.open(client)
    assert await my_wallet(client, ann.token) == (100, 0, 100)

    assert (await shop.purchase(ann, orderId="order-1"))["errors"] == []
    assert await my_wallet(client, ann.token) == (100, 100, 100)

    refund = await shop.refund("order-1", "refund-1", "100.00")
    assert refund["errors"] == []
    assert await my_wallet(client, ann.token) == (100, 0, 100)


async def test_a_set_based_job_invalidates_the_members_it_touched(runtime, client) -> None:
    ann, _bob = await join(client, "ann@example.com"), await join(client, "bob@example.com")
    shop = await Shop.open(client)
    assert (await shop.purchase(ann, orderId="order-1"))["errors"] == []
    ann_id, bob_id = await member_id("ann@example.com"), await member_id("bob@example.com")
    later = clock.now() + timedelta(days=15)
    with clock.frozen_at(later):
        ann_token, bob_token = runtime.tokens.issue(ann_id).token, runtime.tokens.issue(bob_id).token
        assert await my_wallet(client, ann_token) == (100, 100, 100)
        assert await my_wallet(client, bob_token) == (100, 0, 100)
        await set_points_behind_the_cache(bob_id, 5)  # bob is not touched by the job

        assert await activate_pending(later) == 1

        assert await my_wallet(client, ann_token) == (200, 0, 200)
        assert await my_wallet(client, bob_token) == (100, 0, 100)


async def test_with_caching_off_every_read_goes_to_the_database(clean_db, workdir) -> None:
    settings = make_settings(workdir, CACHE_ENABLED="false")
    built = await build_runtime(settings)
    try:
        assert built.cache is None
        from api.app import create_app

        transport = httpx.ASGITransport(app=create_app(runtime=built))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ann = await join(client, "ann@example.com")
            await set_points_behind_the_cache(await member_id("ann@example.com"), 9)
            assert await my_wallet(client, ann.token) == (9, 0, 100)
            await set_points_behind_the_cache(await member_id("ann@example.com"), 8)
            assert await my_wallet(client, ann.token) == (8, 0, 100)
    finally:
        await built.close()


async def test_a_wallet_cached_earlier_serves_a_later_moment_without_passed_expiries(runtime, client) -> None:
    await join(client, "ann@example.com")
    ann_id = await member_id("ann@example.com")
    now = clock.now()
    first = await cached_wallet(runtime.cache, ann_id, now)
    assert [e.points for e in first.expiring] == [100]
    expires = first.expiring[0].expires_at

    assert await cached_wallet(runtime.cache, ann_id, expires) == await get_wallet(ann_id, expires)
    assert (await cached_wallet(runtime.cache, ann_id, expires)).expiring == ()
    # An earlier moment than the cached one is read again, not served without its expiries.
    assert await cached_wallet(runtime.cache, ann_id, now - timedelta(days=1)) == first


@pytest.fixture
async def caches(runtime):
    """The in-process cache and, with REDIS_URL, the Redis one."""
    found = [MemoryCache(ttl_seconds=60, max_entries=100)]
    if runtime.redis is not None:
        found.append(RedisCache(runtime.redis, ttl_seconds=60))
    return found


async def test_a_value_loaded_while_its_member_changed_is_never_served(caches) -> None:
    for cache in caches:
        generation, value = await cache.get("wallet", 1)
        assert value is None
        await cache.invalidate({1})  # the change commits while the old value is loading
        await cache.put("wallet", 1, generation, {"points": "old"})
        assert (await cache.get("wallet", 1))[1] is None

        generation, _ = await cache.get("wallet", 1)
        await cache.put("wallet", 1, generation, {"points": "new"})
        assert (await cache.get("wallet", 1))[1] == {"points": "new"}
        await cache.invalidate({1})
        assert (await cache.get("wallet", 1))[1] is None


async def test_the_in_process_cache_keeps_at_most_its_maximum_and_drops_expired_entries() -> None:
    cache = MemoryCache(ttl_seconds=60, max_entries=2)
    for member in (1, 2, 3):
        await cache.put("wallet", member, 0, member)
    assert [(await cache.get("wallet", m))[1] for m in (1, 2, 3)] == [None, 2, 3]

    expired = MemoryCache(ttl_seconds=0, max_entries=2)
    await expired.put("wallet", 1, 0, "value")
    assert (await expired.get("wallet", 1))[1] is None


async def test_an_unreachable_cache_is_read_through(runtime) -> None:
    from loyalty.redis_client import DeploymentRedis

    from tests.support.servers import free_port

    redis = DeploymentRedis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    try:
        async def load() -> dict:
            return {"points": 3}

        assert await cached(RedisCache(redis, ttl_seconds=60), "wallet", 1, load) == {"points": 3}
    finally:
        await redis.aclose()


async def test_the_program_description_is_built_once_per_version(runtime, client) -> None:
    query = {"query": "{ program { name pendingDays } }"}
    from schema.program import queries

    first = (await client.post("/graphql", json=query)).json()
    described = dict(queries._descriptions)
    second = (await client.post("/graphql", json=query)).json()
    assert first == second == {"data": {"program": {"name": first["data"]["program"]["name"], "pendingDays": 14}}}
    assert list(described) == [(runtime.program.current.version, runtime.program.current.checksum)]
    assert dict(queries._descriptions) == described


async def test_a_job_run_by_another_process_is_visible_to_the_next_read(runtime, client) -> None:
    """Through the shared cache's invalidation, or without Redis through the change feed
    (PostgreSQL) or the database's data_version (SQLite)."""
    from tests.support.servers import run_command

    ann = await join(client, "ann@example.com")
    shop = await Shop.open(client)
    assert (await shop.purchase(ann, orderId="order-1"))["errors"] == []
    ann_id = await member_id("ann@example.com")
    later = clock.now() + timedelta(days=15)
    with clock.frozen_at(later):
        token = runtime.tokens.issue(ann_id).token
        assert await my_wallet(client, token) == (100, 100, 100)

        done = run_command(runtime.settings, "run-job", "activate-pending", "--now", later.isoformat())
        assert done.returncode == 0, done.stderr

        assert await my_wallet(client, token) == (200, 0, 200)


def test_the_shared_cache_keeps_every_field_of_a_wallet():
    at = clock.now()
    wallet = Wallet(points=120, pending_points=30, lifetime_points=400, points_owed=5, credit_minor=1250,
                    credit_pending_minor=75, expiring=(Expiry(80, at + timedelta(days=40)),), credit_owed_minor=60)
    assert _WALLET_CODEC.load(_WALLET_CODEC.dump((at, wallet))) == (at, wallet)


async def test_a_value_loaded_before_the_in_process_cache_was_cleared_is_not_stored_after() -> None:
    cache = MemoryCache(ttl_seconds=60, max_entries=1)
    generation, _ = await cache.get("wallet", 7)  # a read of member 7 starts
    await cache.invalidate([7])  # member 7 changes
    await cache.invalidate(range(100, 110))  # enough members change ...
    await cache.invalidate([200])  # ... that the next change clears the map
    await cache.put("wallet", 7, generation, "stale")
    assert await cache.get("wallet", 7) == (cache._generation(7), None)


async def test_on_sqlite_a_commit_by_another_connection_empties_the_cache_before_the_next_read(runtime, client) -> None:
    if sql.is_postgres():
        pytest.skip("SQLite only: on PostgreSQL other processes' changes come through the change feed")
    import sqlite3

    ann = await join(client, "ann@example.com")
    ann_id = await member_id("ann@example.com")
    assert await my_wallet(client, ann.token) == (100, 0, 100)
    await set_points_behind_the_cache(ann_id, 7)  # by this process's own connection: unseen
    assert await my_wallet(client, ann.token) == (100, 0, 100)

    other = sqlite3.connect(isolation.sqlite_path(runtime.settings.database_url))
    try:
        with other:
            other.execute("UPDATE ledger_accounts SET posted = 8 WHERE member_id = ? AND kind = 'member' "
                          "AND asset = 'POINTS'", (ann_id,))
    finally:
        other.close()
    assert await my_wallet(client, ann.token) == (8, 0, 100)
    assert await my_wallet(client, ann.token) == (8, 0, 100)
    await set_points_behind_the_cache(ann_id, 9)
    assert await my_wallet(client, ann.token) == (8, 0, 100)  # cached again until the next change


async def test_while_its_change_feed_is_down_the_cache_serves_nothing(runtime, client) -> None:
    if not sql.is_postgres():
        pytest.skip("PostgreSQL only: the change feed is its LISTEN/NOTIFY")
    import asyncio

    ann = await join(client, "ann@example.com")
    ann_id = await member_id("ann@example.com")
    assert await my_wallet(client, ann.token) == (100, 0, 100)
    await set_points_behind_the_cache(ann_id, 7)
    assert await my_wallet(client, ann.token) == (100, 0, 100)

    feed = runtime.feed
    connect = feed._connect

    async def refused() -> None:
        raise OSError("connection refused")

    feed._connect = refused  # the feed cannot listen again until it is given back
    assert await sql.fetch_one("SELECT pg_terminate_backend(?) AS done", feed.backend_pid) == {"done": True}
    while feed.connected:
        await asyncio.sleep(0.01)
    # Changes may be missed while it is down: nothing is served from the cache, or cached.
    assert await my_wallet(client, ann.token) == (7, 0, 100)
    await set_points_behind_the_cache(ann_id, 8)
    assert await my_wallet(client, ann.token) == (8, 0, 100)

    feed._connect = connect
    while not feed.connected:
        await asyncio.sleep(0.01)
    assert await my_wallet(client, ann.token) == (8, 0, 100)
    await set_points_behind_the_cache(ann_id, 9)
    assert await my_wallet(client, ann.token) == (8, 0, 100)  # listening again: cached again


async def test_a_change_to_more_members_than_the_bulk_size_outdates_every_value_in_one_step(caches) -> None:
    from loyalty.cache import BULK_MEMBERS

    outside = BULK_MEMBERS + 10  # a member the batch does not name: it is outdated with the rest
    for cache in caches:
        for member in (1, outside):
            generation, _ = await cache.get("wallet", member)
            await cache.put("wallet", member, generation, {"points": member})
        assert [(await cache.get("wallet", m))[1] for m in (1, outside)] == [{"points": 1}, {"points": outside}]
        if cache.shared:
            epoch = int(await cache._redis.get(f"{cache._prefix}epoch") or 0)
        await cache.invalidate(range(1, BULK_MEMBERS + 2))
        assert [(await cache.get("wallet", m))[1] for m in (1, outside)] == [None, None]
        if cache.shared:  # one new epoch, no key per member
            assert int(await cache._redis.get(f"{cache._prefix}epoch")) == epoch + 1
            assert await cache._redis.exists(cache._key(2)) == 0
        generation, _ = await cache.get("wallet", 1)
        await cache.put("wallet", 1, generation, {"points": 2})
        assert (await cache.get("wallet", 1))[1] == {"points": 2}
