"""The reward catalog as a member sees it: cheapest first, and what they can redeem now."""
from __future__ import annotations

from datetime import datetime

from loyalty.ledger.accounts import find_member_account
from loyalty.ledger.models import Asset
from loyalty.program.spec import Program, Reward
from loyalty.rewards import stock
from loyalty.rewards.redeem import redeemed_in_period, segment_allows, tier_allows


def place(reward: Reward) -> tuple[int, str]:
    """Where a reward stands in the catalog: cheapest first, then by code."""
    return reward.cost_points, reward.code


def ordered(program: Program) -> list[Reward]:
    return sorted(program.rewards, key=place)


async def can_redeem(program: Program, reward: Reward, member_id: int | None, now: datetime) -> bool:
    """Whether `member_id` could redeem `reward` right now (False when nobody is signed in)."""
    if member_id is None:
        return False
    account = await find_member_account(member_id, Asset.POINTS)
    if account is None or account.posted < reward.cost_points:
        return False
    if (left := await stock.remaining(reward)) is not None and left <= 0:
        return False
    if reward.limit is not None and await redeemed_in_period(program, reward, member_id, now) >= reward.limit.count:
        return False
    return await segment_allows(reward, member_id) and await tier_allows(program, reward, member_id, now)
