"""The report's tier distribution counts each member at the level `Member.tier` shows: an
operator's setting while it lasts, else the level earned, and at least the level an ACTIVE
paid plan grants inside its paid period. Northwind Plus grants Silver here."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from loyalty import clock
from loyalty.reports.build import program_report
from loyalty.reports.figures import TierCount
from loyalty.tiers.current import level_for
from tests.memberships.helpers import pay, refund, subscribe
from tests.support.members import new_member
from tests.support.program import demo_at_base_rate, use_program
from tests.support.tiers import set_tier

T0 = datetime(2026, 1, 31, 10, 0, tzinfo=timezone.utc)
END = datetime(2026, 2, 28, 10, 0, tzinfo=timezone.utc)  # the first monthly period's end
START = T0 - timedelta(days=60)


@pytest.fixture
async def program(runtime):
    return await use_program(runtime, demo_at_base_rate().replace(
        'monthly_reward_credit = "5.00"\n', 'monthly_reward_credit = "5.00"\ngrants_tier = "silver"\n', 1))


async def _plus(program, member: int, payment_id: str) -> None:
    membership = await subscribe(program, member, "plus-monthly", T0, f"s-{payment_id}")
    await pay(program, membership.id, payment_id, T0)


async def _tiers(program, members: list[int], at: datetime) -> Counter:
    return Counter([(await level_for(program, m, at)).code for m in members])


async def test_the_distribution_counts_a_plans_granted_tier_as_member_tier_shows_it(program):
    assert any(plan.grants_tier == "silver" for plan in program.plans)
    with clock.frozen_at(T0 - timedelta(days=30)):
        ann, bob, cat, dee, eve = [await new_member(f"{n}@example.com") for n in ("ann", "bob", "cat", "dee", "eve")]
        await set_tier(program, bob, "gold", until=date(2027, 3, 1))  # Gold above the plan's Silver
        await set_tier(program, eve, "gold", until=date(2027, 3, 1))
    await _plus(program, ann, "P-ann")  # Silver from the plan
    await _plus(program, eve, "P-eve")  # keeps Gold
    await _plus(program, cat, "P-cat")
    await refund(program, "P-cat", "R-cat", T0 + timedelta(hours=1))  # the plan expired: Bronze
    members = [ann, bob, cat, dee, eve]
    inside = T0 + timedelta(days=1)
    report = await program_report(program, START, inside)
    assert report.tier_distribution == (TierCount("bronze", 2), TierCount("silver", 1), TierCount("gold", 2))
    assert Counter({t.tier: t.members for t in report.tier_distribution if t.members}) == \
        await _tiers(program, members, inside)
    # The paid period is over (no renewal paid): Ann is Bronze again, in the report as in her tier.
    after = END + timedelta(hours=1)
    report = await program_report(program, START, after)
    assert report.tier_distribution == (TierCount("bronze", 3), TierCount("silver", 0), TierCount("gold", 2))
    assert Counter({t.tier: t.members for t in report.tier_distribution if t.members}) == \
        await _tiers(program, members, after)
