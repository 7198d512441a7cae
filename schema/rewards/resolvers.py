"""A member's coupons, for a member the caller may read."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.members.models import Member as MemberRow
from loyalty.rewards.listing import issued_page
from schema.connection import after_key
from schema.rewards.types import IssuedReward, IssuedRewardConnection


async def issued_rewards_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> IssuedRewardConnection:
    page = await issued_page(member.id, first, after_key(after))
    return IssuedRewardConnection.build(page, IssuedReward.from_row, after)
