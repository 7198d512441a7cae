"""The reward catalog as a member sees it: cheapest first, what they can redeem now, and
why not when they cannot (checked in the order redeeming checks, so the reason shown is the
refusal redeeming would give)."""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from loyalty.ledger.accounts import find_member_account
from loyalty.ledger.models import Asset
from loyalty.program.spec import Program, Reward
from loyalty.rewards import stock
from loyalty.rewards.redeem import redeemed_in_period, segment_allows, tier_allows
from loyalty.staff.blocks import is_blocked


def place(reward: Reward) -> tuple[int, str]:
    """Where a reward stands in the catalog: cheapest first, then by code."""
    return reward.cost_points, reward.code


def ordered(program: Program) -> list[Reward]:
    return sorted(program.rewards, key=place)


class UnavailableReason(str, Enum):
    SIGNED_OUT = "SIGNED_OUT"
    MEMBER_BLOCKED = "MEMBER_BLOCKED"  # the account is blocked for review
    TIER_REQUIRED = "TIER_REQUIRED"
    NOT_OFFERED = "NOT_OFFERED"  # limited to segments the member is not in
    LIMIT_REACHED = "LIMIT_REACHED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"


async def unavailable_reason(program: Program, reward: Reward | None, member_id: int | None,
                             now: datetime) -> UnavailableReason | None:
    """Why `member_id` cannot redeem `reward` right now; None when they can. A reward the
    program no longer has (None: an issued coupon's withdrawn reward) is not offered."""
    if reward is None:
        return UnavailableReason.NOT_OFFERED
    if member_id is None:
        return UnavailableReason.SIGNED_OUT
    if await is_blocked(member_id):
        return UnavailableReason.MEMBER_BLOCKED
    if not await tier_allows(program, reward, member_id, now):
        return UnavailableReason.TIER_REQUIRED
    if not await segment_allows(reward, member_id):
        return UnavailableReason.NOT_OFFERED
    if reward.limit is not None and await redeemed_in_period(program, reward, member_id, now) >= reward.limit.count:
        return UnavailableReason.LIMIT_REACHED
    if (left := await stock.remaining(reward)) is not None and left <= 0:
        return UnavailableReason.OUT_OF_STOCK
    account = await find_member_account(member_id, Asset.POINTS)
    if account is None or account.posted < reward.cost_points:
        return UnavailableReason.INSUFFICIENT_POINTS
    return None


async def can_redeem(program: Program, reward: Reward | None, member_id: int | None, now: datetime) -> bool:
    """Whether `member_id` could redeem `reward` right now (False when nobody is signed in)."""
    return await unavailable_reason(program, reward, member_id, now) is None
