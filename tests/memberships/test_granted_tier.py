"""A plan that grants a tier (`grants_tier`) shows in the member's tier summary while its
membership is ACTIVE and inside a paid period, through the member cache, and the earned tier
again the moment it stops. The demo program (calendar years in Amsterdam, Silver from EUR 500,
Gold from EUR 1500) with Northwind Plus granting Silver."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from loyalty import changes, clock
from loyalty.memberships.models import Membership
from loyalty.memberships.states import Status
from tests.memberships.helpers import cancel, pay, run_job, subscribe
from tests.support.gql import gql
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program
from tests.support.tiers import set_tier

UTC = timezone.utc
T0 = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
END = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)  # the first monthly period's end
TIER = "query { me { tier { current { name } next { name } qualifyingAmount remainingToNext remainingToKeep validUntil } } }"
BRONZE = ("Bronze", "Silver", "0.00", "500.00", "0.00", None)


@pytest.fixture
async def program(runtime):
    assert runtime.cache is not None
    return await use_program(runtime, demo_without_new_member_bonus().replace(
        'monthly_reward_credit = "5.00"\n', 'monthly_reward_credit = "5.00"\ngrants_tier = "silver"\n', 1))


@pytest.fixture
async def ann(program) -> int:
    with clock.frozen_at(T0 - timedelta(days=30)):
        return await new_member()


async def my_tier(client, runtime, member_id: int, at: datetime) -> tuple:
    with clock.frozen_at(at):
        token = runtime.tokens.issue(member_id).token
        tier = (await gql(client, TIER, token=token))["data"]["me"]["tier"]
    nxt = tier["next"]["name"] if tier["next"] else None
    return (tier["current"]["name"], nxt, tier["qualifyingAmount"], tier["remainingToNext"],
            tier["remainingToKeep"], tier["validUntil"])


async def plus_member(program, member_id: int, payment_id: str = "pay-1") -> int:
    membership = await subscribe(program, member_id, "plus-monthly", T0)
    await pay(program, membership.id, payment_id, T0)
    return membership.id


async def test_an_active_plan_granting_silver_reads_silver_until_its_period_ends_unpaid(runtime, client, program, ann):
    assert await my_tier(client, runtime, ann, T0 - timedelta(minutes=1)) == BRONZE  # cached before the plan
    await plus_member(program, ann)
    silver = ("Silver", "Gold", "0.00", "1500.00", "0.00", "2026-02-28T10:00:00+00:00")
    assert await my_tier(client, runtime, ann, T0 + timedelta(minutes=1)) == silver
    assert await my_tier(client, runtime, ann, END - timedelta(minutes=1)) == silver  # from the cache
    assert await my_tier(client, runtime, ann, END) == BRONZE  # the paid period is over, no job yet
    assert await run_job(program, END + timedelta(hours=1)) == 1
    assert (await Membership.get(member_id=ann)).status == Status.PAST_DUE
    assert await my_tier(client, runtime, ann, END + timedelta(hours=2)) == BRONZE


async def test_a_payment_in_grace_grants_the_tier_again_and_a_cancel_now_takes_it_back(runtime, client, program, ann):
    membership_id = await plus_member(program, ann)
    assert await run_job(program, END + timedelta(hours=1)) == 1
    assert await my_tier(client, runtime, ann, END + timedelta(hours=2)) == BRONZE
    await pay(program, membership_id, "pay-2", END + timedelta(hours=3))
    renewed = ("Silver", "Gold", "0.00", "1500.00", "0.00", "2026-03-28T13:00:00+00:00")
    assert await my_tier(client, runtime, ann, END + timedelta(hours=4)) == renewed
    await cancel(program, ann, False, END + timedelta(hours=5))
    assert await my_tier(client, runtime, ann, END + timedelta(hours=6)) == BRONZE


async def test_a_member_whose_earned_tier_is_above_the_granted_one_keeps_theirs(runtime, client, program, ann):
    with clock.frozen_at(T0 - timedelta(days=1)):
        await set_tier(program, ann, "gold", until=date(2027, 3, 1))
    await plus_member(program, ann)
    assert await my_tier(client, runtime, ann, T0 + timedelta(minutes=1)) == (
        "Gold", None, "0.00", None, "1500.00", "2027-02-28T23:00:00+00:00")


async def test_the_renewal_job_reports_the_members_whose_membership_it_changes(program, ann):
    await plus_member(program, ann)
    with clock.frozen_at(T0 - timedelta(days=30)):
        bob = await new_member("bob@example.com")
    await plus_member(program, bob, "pay-bob")
    reported: list[frozenset[int]] = []

    async def record(ids: frozenset[int]) -> None:
        reported.append(ids)

    changes.after_commit(record)
    try:
        assert await run_job(program, END + timedelta(hours=1)) == 2
        assert await run_job(program, END + timedelta(days=8)) == 2  # past grace: expired
    finally:
        changes.remove_hook(record)
    assert reported == [frozenset({ann}), frozenset({bob}), frozenset({ann}), frozenset({bob})]
