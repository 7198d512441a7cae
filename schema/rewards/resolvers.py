"""A member's coupons, for a member the caller may read."""
from __future__ import annotations

from strawberry.types import Info

from loyalty.members.models import Member as MemberRow
from loyalty.rewards.listing import issued_page
from schema.ledger.resolvers import _page_args
from schema.rewards.types import IssuedRewardConnection


async def issued_rewards_of(info: Info, member: MemberRow, first: int | None, after: str | None) -> IssuedRewardConnection:
    size, before_id = _page_args(first, after)
    rows, has_next = await issued_page(member.id, size, before_id)
    return IssuedRewardConnection.build(rows, has_next, after is not None)
