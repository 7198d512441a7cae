"""The tier summary (Member.tier) is cached like the wallet: served from the cache until a
committed change to its member, which every reader sees at once (a member reads their own
writes), and only for the local day it was computed for. The demo program: calendar years
in Amsterdam, Silver from EUR 500."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from loyalty import changes, clock, sql
from loyalty.cache import MemoryCache
from loyalty.members.models import Member
from loyalty.tiers import status
from loyalty.tiers.review import review_tiers
from tests.conftest import requires_redis
from tests.support.gql import gql
from tests.support.servers import run_command
from tests.support.shop import Shop, join
from tests.support.tiers import set_tier

TIER = "query { me { tier { current { name } qualifyingAmount remainingToNext validUntil } } }"
MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)


async def my_tier(client, runtime, member_id: int) -> tuple[str, str, str | None, str | None]:
    token = runtime.tokens.issue(member_id).token
    tier = (await gql(client, TIER, token=token))["data"]["me"]["tier"]
    return tier["current"]["name"], tier["qualifyingAmount"], tier["remainingToNext"], tier["validUntil"]


async def member_id(email: str = "ann@example.com") -> int:
    return (await Member.get(email=email)).id


async def spend_behind_the_cache(member: int, amount_minor: int) -> None:
    """A change that reports no member: only the cache can explain reading the old value."""
    await sql.execute("UPDATE purchases SET amount_minor = ? WHERE member_id = ?", amount_minor, member)


async def test_the_tier_summary_is_served_from_the_cache_until_its_member_changes(runtime, client):
    shop = await Shop.open(client)
    with clock.frozen_at(MARCH):
        joined = await join(client)
        ann = await member_id()
        assert (await shop.purchase(joined, orderId="O-1", amount="300.00"))["errors"] == []
        assert await my_tier(client, runtime, ann) == ("Bronze", "300.00", "200.00", None)

        await spend_behind_the_cache(ann, 45000)
        assert await my_tier(client, runtime, ann) == ("Bronze", "300.00", "200.00", None)

        await changes.committed({ann})
        assert await my_tier(client, runtime, ann) == ("Bronze", "450.00", "50.00", None)


async def test_a_member_reads_their_own_writes_after_a_purchase_that_upgrades(runtime, client):
    shop = await Shop.open(client)
    with clock.frozen_at(MARCH):
        joined = await join(client)
        ann = await member_id()
        assert await my_tier(client, runtime, ann) == ("Bronze", "0.00", "500.00", None)
        assert (await shop.purchase(joined, orderId="O-1", amount="500.00"))["errors"] == []
        assert await my_tier(client, runtime, ann) == ("Silver", "500.00", "1000.00", "2027-12-31T23:00:00+00:00")
        assert (await shop.refund("O-1", "R-1", "0.01"))["errors"] == []
        assert await my_tier(client, runtime, ann) == ("Bronze", "499.99", "0.01", None)


async def test_a_summary_cached_on_one_day_is_computed_again_the_next(runtime, client):
    shop = await Shop.open(client)
    with clock.frozen_at(datetime(2026, 12, 31, 22, 30, tzinfo=UTC)):  # 23:30 in Amsterdam
        joined = await join(client)
        ann = await member_id()
        assert (await shop.purchase(joined, orderId="O-1", amount="100.00"))["errors"] == []
        assert await my_tier(client, runtime, ann) == ("Bronze", "100.00", "400.00", None)
    with clock.frozen_at(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):  # 2027 has begun
        assert await my_tier(client, runtime, ann) == ("Bronze", "0.00", "500.00", None)


async def test_the_tier_review_invalidates_the_summaries_it_changes(runtime, client):
    shop = await Shop.open(client)
    with clock.frozen_at(MARCH):
        joined = await join(client)
        ann = await member_id()
        assert (await shop.purchase(joined, orderId="O-1", amount="500.00"))["errors"] == []
    # Early on 1 January 2028, before the day's review, Silver still shows until its end.
    new_year = datetime(2028, 1, 1, 0, 30, tzinfo=UTC)
    with clock.frozen_at(new_year):
        assert await my_tier(client, runtime, ann) == ("Silver", "0.00", "1500.00", "2027-12-31T23:00:00+00:00")
        assert await review_tiers(new_year) == 1
        assert await my_tier(client, runtime, ann) == ("Bronze", "0.00", "500.00", None)


async def test_set_tier_invalidates_the_summary(runtime, client):
    with clock.frozen_at(MARCH):
        await join(client)
        ann = await member_id()
        assert await my_tier(client, runtime, ann) == ("Bronze", "0.00", "500.00", None)
        await set_tier(runtime.program.program, ann, "gold", until=date(2026, 4, 1))
        assert await my_tier(client, runtime, ann) == ("Gold", "0.00", None, "2026-03-31T22:00:00+00:00")


@requires_redis
async def test_set_tier_from_the_command_line_invalidates_the_shared_summary(runtime, client, settings):
    joined = await join(client)
    ann = await member_id()
    assert await my_tier(client, runtime, ann) == ("Bronze", "0.00", "500.00", None)
    done = run_command(settings, "set-tier", joined.number, "gold", "--until", "2099-01-01")
    assert done.returncode == 0, done.stderr
    assert await my_tier(client, runtime, ann) == ("Gold", "0.00", None, "2098-12-31T23:00:00+00:00")


async def test_a_summary_read_back_from_a_shared_cache_is_the_one_computed(runtime, client):
    shop = await Shop.open(client)
    program = runtime.program.program
    with clock.frozen_at(MARCH):
        joined = await join(client)
        ann = await member_id()
        assert (await shop.purchase(joined, orderId="O-1", amount="620.50"))["errors"] == []
        computed = await status.tier_status(program, ann, MARCH)
    codec = status._codec(program, 1)
    entry = status._Cached("2026-03-10", 1, computed)
    stored = json.loads(json.dumps(codec.dump(entry)))
    assert codec.load(stored) == entry
    # Read back under another program version it is not rebuilt with levels it may not have.
    assert status._codec(program, 2).load(stored) == status._Cached("2026-03-10", 1, None)


async def test_a_new_program_version_computes_the_summary_again(runtime, client):
    program = runtime.program.program
    store = MemoryCache(ttl_seconds=60, max_entries=10)
    with clock.frozen_at(MARCH):
        await join(client)
        ann = await member_id()
        first = await status.cached_tier_status(store, program, 1, ann, MARCH)
        await set_tier(program, ann, "gold", until=date(2026, 4, 1))  # this cache has no after-commit hook
        assert await status.cached_tier_status(store, program, 1, ann, MARCH) == first
        again = await status.cached_tier_status(store, program, 2, ann, MARCH)
    assert (first.level.code, again.level.code) == ("bronze", "gold")
